// The share-or-copy decision (see convert.h): one list of reasons, checked in the order a user
// would look for them, and one place that makes the copy.
#include "ndbridge/convert.h"

#include "ndbridge/copy.h"
#include "ndbridge/error.h"

namespace ndbridge {

CopyCause copy_cause(const Array& src, const ConversionRequest& request, const TargetTraits& target) noexcept {
    if (request.copy == CopyMode::always) return CopyCause::requested;
    if (request.device && *request.device != src.device()) return CopyCause::device;
    const DType dtype = request.dtype.value_or(src.dtype());
    if (dtype != src.dtype()) return CopyCause::dtype;
    if (!target.non_native_order && !dtype.is_native()) return CopyCause::byte_order;
    if (!target.readonly && src.readonly()) return CopyCause::readonly;
    for (std::size_t i = 0; i < src.shape().size(); ++i) {
        if (src.shape()[i] <= 1) continue;
        if (!target.negative_strides && src.strides()[i] < 0) return CopyCause::negative_strides;
        if (!target.byte_strides && src.strides()[i] % src.itemsize() != 0) return CopyCause::byte_strides;
    }
    if (!target.sparse_strides && !is_compact(src.shape(), src.strides(), src.itemsize()))
        return CopyCause::sparse_strides;
    if (!satisfies_order(src, request.order)) return CopyCause::order;
    return CopyCause::none;
}

namespace {

// The reason in words, with the values: made only when someone reads it (an error, a test).
std::string explain(CopyCause cause, const Array& src, const ConversionRequest& request, const TargetTraits& target) {
    const DType dtype = request.dtype.value_or(src.dtype());
    switch (cause) {
        case CopyCause::none: break;
        case CopyCause::requested: return "copy=True was requested";
        case CopyCause::device:
            return detail::concat("the data is on ", to_string(src.device()), " and ", to_string(*request.device),
                                  " was requested");
        case CopyCause::dtype:
            return detail::concat("dtype ", describe(dtype), " was requested and the data is ", describe(src.dtype()));
        case CopyCause::byte_order:
            return detail::concat(target.name, " cannot hold non-native byte order (", describe(dtype), ")");
        case CopyCause::readonly: return detail::concat(target.name, " tensors cannot be read-only, and the source is");
        case CopyCause::negative_strides:
            return detail::concat(target.name, " cannot hold negative strides ", shape_string(src.strides()));
        case CopyCause::byte_strides:
            for (std::size_t i = 0; i < src.shape().size(); ++i)
                if (src.shape()[i] > 1 && src.strides()[i] % src.itemsize() != 0)
                    return detail::concat(target.name, " counts strides in elements and stride ", src.strides()[i],
                                          " is not a multiple of the item size ", src.itemsize());
            break;
        case CopyCause::sparse_strides:
            return detail::concat(target.name, " takes only compact strides and the data has strides ",
                                  shape_string(src.strides()));
        case CopyCause::order:
            return detail::concat("order '", static_cast<char>(request.order), "' was requested and the data is not ",
                                  request.order == MemoryOrder::C ? "C" : "Fortran", "-contiguous");
    }
    return {};
}

}  // namespace

std::optional<std::string> copy_reason(const Array& src, const ConversionRequest& request, const TargetTraits& target) {
    const CopyCause cause = copy_cause(src, request, target);
    if (cause == CopyCause::none) return std::nullopt;
    return explain(cause, src, request, target);
}

Array share_or_copy(const Array& src, const ConversionRequest& request, const TargetTraits& target) {
    const CopyCause cause = copy_cause(src, request, target);
    if (cause == CopyCause::none) return src;
    return copy_for(src, request, target, cause);
}

Array copy_for(const Array& src, const ConversionRequest& request, const TargetTraits& target, CopyCause cause) {
    if (request.copy == CopyMode::never)
        fail(ErrorKind::copy, "a copy is needed because ", explain(cause, src, request, target),
             ", and copy=False forbids it");
    if (request.device && *request.device != src.device())
        fail(ErrorKind::value, "cannot move data from ", to_string(src.device()), " to ", to_string(*request.device),
             " here; only the producer of the data can (through DLPack's dl_device)");
    DType dtype = request.dtype.value_or(src.dtype());
    if (!target.non_native_order) dtype = dtype.with_native_order();
    return astype(src, dtype, request.order, true);
}

}  // namespace ndbridge
