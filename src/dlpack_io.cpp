// DLPack import and export. Import validates every field before trusting it and calls the producer's
// deleter exactly once on every path; export hands out a tensor whose context holds the Array (and so
// its owner) until the consumer calls the deleter.
#include "ndbridge/dlpack_io.h"

#include <cstring>
#include <memory>
#include <vector>

#include "ndbridge/error.h"

namespace ndbridge {
namespace {

template <class Managed>
void call_deleter(Managed* t) noexcept {
    if (t != nullptr && t->deleter != nullptr) t->deleter(t);
}

template <class Managed>
Array import_tensor(Managed* managed, bool readonly, const char* form) {
    if (managed == nullptr) fail(ErrorKind::value, "DLPack: null ", form, " tensor");
    // From here on the deleter is ours to call exactly once: on failure now, on success by the owner.
    Owner owner = make_owner(managed, [](void* p) noexcept { call_deleter(static_cast<Managed*>(p)); });
    const DLTensor& t = managed->dl_tensor;
    if (t.ndim < 0 || t.ndim > kMaxNdim)
        fail(ErrorKind::buffer, "DLPack ", form, " tensor has ndim ", t.ndim, "; ndbridge accepts 0 to ", kMaxNdim);
    if (t.ndim > 0 && t.shape == nullptr)
        fail(ErrorKind::buffer, "DLPack ", form, " tensor has ndim ", t.ndim, " and no shape");
    DType dtype;
    try {
        dtype = from_dlpack(t.dtype);
    } catch (const Error& e) {
        fail(ErrorKind::buffer, "DLPack tensor: ", e.what());
    }
    // A producer may store any int32 in the C enum; reading it as DLDeviceType would be undefined behaviour.
    static_assert(sizeof(DLDeviceType) == sizeof(std::int32_t));
    std::int32_t device_type = 0;
    std::memcpy(&device_type, &t.device.device_type, sizeof device_type);
    Device device;
    try {
        device = device_from_dlpack(device_type, t.device.device_id);
    } catch (const Error& e) {
        fail(e.kind(), "DLPack tensor: ", e.what());
    }
    const auto nd = static_cast<std::size_t>(t.ndim);
    Dims shape(t.shape, t.shape + nd);
    for (std::size_t i = 0; i < nd; ++i)
        if (shape[i] < 0)
            fail(ErrorKind::buffer, "DLPack tensor: negative extent ", shape[i], " in shape ", shape_string(shape));
    const std::int64_t size = checked_size(shape, "DLPack tensor");
    Dims strides;
    if (t.strides != nullptr) {
        strides.assign(t.strides, t.strides + nd);
        for (auto& s : strides) s = checked_mul(s, dtype.itemsize(), "DLPack strides");
    } else {
        strides = contiguous_strides(shape, dtype.itemsize(), MemoryOrder::C);
    }
    if (t.byte_offset > static_cast<std::uint64_t>(INT64_MAX))
        fail(ErrorKind::overflow, "DLPack tensor: byte_offset ", t.byte_offset, " does not fit in 64 bits");
    if (t.data == nullptr && size != 0)
        fail(ErrorKind::buffer, "DLPack tensor: null data pointer for ", size, " elements");
    // Address arithmetic on a device pointer is only arithmetic: nothing is dereferenced here.
    auto* data = t.data == nullptr ? nullptr : static_cast<std::byte*>(t.data) + t.byte_offset;
    try {
        return Array::wrap(data, dtype, shape, strides, device, readonly, std::move(owner));
    } catch (const Error& e) {
        fail(e.kind(), "DLPack ", form, " tensor of shape ", shape_string(shape), ": ", e.what());
    }
}

// What an exported tensor's manager_ctx holds: the Array (keeping its owner alive, and lending its
// shape, which DLPack counts in elements as it does) and the element strides DLPack wants. One
// allocation besides the strides: exports are on the per-call path.
template <class Managed>
struct ExportContext {
    Managed tensor{};
    Array array;
    Dims strides;
};

template <class Managed>
Managed* export_tensor(Array a) {
    if (const char* why = dlpack_export_obstacle(a)) fail(ErrorKind::buffer, "cannot export to DLPack: ", why);
    auto ctx = std::make_unique<ExportContext<Managed>>();
    ctx->array = std::move(a);
    const Array& held = ctx->array;
    ctx->strides.resize(held.shape().size());
    for (std::size_t i = 0; i < ctx->strides.size(); ++i) ctx->strides[i] = held.strides()[i] / held.itemsize();
    DLTensor& t = ctx->tensor.dl_tensor;
    t.data = held.data();
    t.device = DLDevice{held.device().type, held.device().id};
    t.ndim = held.ndim();
    t.dtype = *to_dlpack(held.dtype());
    t.shape = const_cast<std::int64_t*>(held.shape().data());
    t.strides = ctx->strides.data();
    t.byte_offset = 0;
    ctx->tensor.manager_ctx = ctx.get();
    ctx->tensor.deleter = [](Managed* self) {
        // Releases the Array, and with it the owner, exactly once; safe on any thread.
        delete static_cast<ExportContext<Managed>*>(self->manager_ctx);
    };
    return &ctx.release()->tensor;
}

}  // namespace

Array import_dlpack(DLManagedTensorVersioned* tensor) {
    if (tensor != nullptr && tensor->version.major != NDBRIDGE_DLPACK_MAJOR_VERSION) {
        const auto major = tensor->version.major;
        call_deleter(tensor);
        fail(ErrorKind::buffer, "DLPack major version ", major, " is not supported (ndbridge reads ",
             NDBRIDGE_DLPACK_MAJOR_VERSION, ".x)");
    }
    const bool readonly = tensor != nullptr && (tensor->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
    return import_tensor(tensor, readonly, "versioned");
}

Array import_dlpack(DLManagedTensor* tensor) { return import_tensor(tensor, true, "legacy"); }

const char* dlpack_export_obstacle(const Array& a) noexcept {
    if (!to_dlpack(a.dtype().with_native_order()))
        return "the dtype has no DLPack code (datetime, timedelta, strings and longdouble cannot be exchanged)";
    if (!a.dtype().is_native()) return "the data is in non-native byte order, which DLPack cannot express";
    for (std::size_t i = 0; i < a.strides().size(); ++i)
        if (a.shape()[i] > 1 && a.strides()[i] % a.itemsize() != 0)
            return "a stride is not a multiple of the item size, and DLPack counts strides in elements";
    return nullptr;
}

DLManagedTensorVersioned* export_dlpack_versioned(Array a, bool is_copy) {
    const bool readonly = a.readonly();
    DLManagedTensorVersioned* t = export_tensor<DLManagedTensorVersioned>(std::move(a));
    t->version = DLPackVersion{NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION};
    t->flags = (readonly ? DLPACK_FLAG_BITMASK_READ_ONLY : 0) | (is_copy ? DLPACK_FLAG_BITMASK_IS_COPIED : 0);
    return t;
}

DLManagedTensor* export_dlpack_legacy(Array a) {
    if (a.readonly())
        fail(ErrorKind::buffer,
             "a read-only array cannot be exported as a legacy DLPack tensor, which "
             "cannot mark it read-only; ask for DLPack 1.0 (max_version=(1, 0))");
    return export_tensor<DLManagedTensor>(std::move(a));
}

}  // namespace ndbridge
