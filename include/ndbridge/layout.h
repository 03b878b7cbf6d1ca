// ndbridge/layout.h — shapes, strides and memory order: NumPy's rules, as pure functions.
// Everything here is overflow-checked: a shape or stride that does not fit raises Error(overflow).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "ndbridge/dims.h"

namespace ndbridge {

/// NumPy's limit is 64 dimensions; ndbridge refuses more, so hostile input cannot make it allocate or
/// recurse without bound.
inline constexpr int kMaxNdim = 64;

/// Memory order of a new array. K: keep the source's stride order; A: F if the source is
/// F-contiguous (and not C-contiguous), else C; C: row-major; F: column-major.
enum class MemoryOrder : char { K = 'K', A = 'A', C = 'C', F = 'F' };

/// Accepts "K" "A" "C" "F" in either case; Error(value) otherwise.
MemoryOrder parse_order(std::string_view text);

/// Number of elements; Error(overflow) when the product does not fit in int64, Error(value) for a
/// negative extent or more than kMaxNdim dimensions. `what` names the caller in messages.
std::int64_t checked_size(std::span<const std::int64_t> shape, std::string_view what = "shape");

namespace detail {
// The failures of checked_mul and checked_add, out of line: the checks are on every array's path and
// inline, the messages are not.
[[noreturn]] void mul_overflow(std::int64_t a, std::int64_t b, std::string_view what);
[[noreturn]] void add_overflow(std::int64_t a, std::int64_t b, std::string_view what);
}  // namespace detail

/// a*b and a+b with Error(overflow) naming `what` on overflow.
inline std::int64_t checked_mul(std::int64_t a, std::int64_t b, std::string_view what) {
    std::int64_t out = 0;
    if (__builtin_mul_overflow(a, b, &out)) [[unlikely]]
        detail::mul_overflow(a, b, what);
    return out;
}
inline std::int64_t checked_add(std::int64_t a, std::int64_t b, std::string_view what) {
    std::int64_t out = 0;
    if (__builtin_add_overflow(a, b, &out)) [[unlikely]]
        detail::add_overflow(a, b, what);
    return out;
}

/// NumPy's contiguity rules: dimensions of extent 1 are ignored and arrays with no elements are both.
bool is_c_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize);
bool is_f_contiguous(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize);

/// True when the items are packed densely in some axis order (|strides| a permutation of some order's
/// compact strides; extent-1 axes ignored; arrays with no elements are compact).
bool is_compact(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize);

/// Strides of a compact array in C or F order (K and A are not meaningful without a source).
Dims contiguous_strides(std::span<const std::int64_t> shape, std::int64_t itemsize, MemoryOrder order);

/// Axes sorted from outermost to innermost by |stride| (descending, ties in axis order): NumPy's keep-order
/// permutation (PyArray_CreateSortedStridePerm). Axes of extent 1 take part with the stride they carry, as
/// in NumPy; that decides only their own strides in allocation_strides, never the order of the others.
std::vector<int> stride_order(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides);

/// Strides for a new compact array of `shape` laid out like a source with `src_strides`, for any order
/// (NumPy's empty_like/copy rule). Negative source strides become positive; an array without elements
/// gets all-zero strides, as NumPy allocates it.
Dims allocation_strides(std::span<const std::int64_t> shape, std::span<const std::int64_t> src_strides,
                        std::int64_t itemsize, MemoryOrder order);

/// Byte offsets [low, high) that an array touches relative to its first element; {0, 0} when empty.
struct ByteExtent {
    std::int64_t low = 0;
    std::int64_t high = 0;
};
ByteExtent byte_extent(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides,
                       std::int64_t itemsize);

/// Strides that view an array of (`shape`, `strides`) as `new_shape` (already resolved, same size) without
/// copying, NumPy's rule exactly: compact strides when the array is contiguous in `order`, else NumPy's
/// _attempt_nocopy_reshape. Returns false when the layout does not allow a view. `order` is C or F.
bool reshape_strides(std::span<const std::int64_t> shape, std::span<const std::int64_t> strides, std::int64_t itemsize,
                     std::span<const std::int64_t> new_shape, MemoryOrder order, Dims& new_strides);

/// Resolves one -1 in a requested shape against `size`; Error(value) for several -1, other negative
/// extents, or a product that does not match ("cannot reshape array of size 6 into shape (4,)").
Dims resolve_shape(std::span<const std::int64_t> requested, std::int64_t size);

/// "(2, 3)" — NumPy's tuple spelling, used in messages and repr.
std::string shape_string(std::span<const std::int64_t> shape);

}  // namespace ndbridge
