// ndbridge/array.h — the strided n-d array: a view (pointer, shape, byte strides, dtype, device,
// read-only flag) plus a shared owner that keeps the memory alive. Views share the owner; an array
// made from foreign memory carries the foreign release callback in its owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <variant>
#include <vector>

#include "ndbridge/device.h"
#include "ndbridge/dtype.h"
#include "ndbridge/element.h"
#include "ndbridge/layout.h"

namespace ndbridge {

/// Keeps memory alive; the deleter is the release callback. May be released on any thread.
using Owner = std::shared_ptr<const void>;

/// An owner that calls `release(context)` exactly once when the last view goes away.
Owner make_owner(void* context, void (*release)(void*) noexcept);

/// Basic-indexing items, as Python's `a[i, 1:5:2, ..., None]`.
struct Slice {
    std::optional<std::int64_t> start;
    std::optional<std::int64_t> stop;
    std::optional<std::int64_t> step;
};
struct EllipsisIndex {};
struct NewAxis {};
using Index = std::variant<std::int64_t, Slice, EllipsisIndex, NewAxis>;

/// NumPy's flags that a strided view can have.
struct Flags {
    bool c_contiguous;
    bool f_contiguous;
    bool writeable;
    bool aligned;  ///< data pointer and every stride are multiples of the dtype's alignment
};

class Array {
public:
    /// A 0-d float64 array holding 0.0; exists so that Array is a regular value type.
    Array();

    /// A new, uninitialised array on the host, 64-byte aligned, laid out in C or F order (all-zero strides
    /// when it has no elements, as NumPy allocates it).
    static Array empty(DType dtype, std::span<const std::int64_t> shape, MemoryOrder order = MemoryOrder::C);
    /// A new zero-filled array on the host.
    static Array zeros(DType dtype, std::span<const std::int64_t> shape, MemoryOrder order = MemoryOrder::C);
    /// A new array with the shape of `like`, laid out by `order` relative to `like` (NumPy's K/A/C/F rule).
    static Array empty_like(const Array& like, DType dtype, MemoryOrder order = MemoryOrder::K);

    /// Views foreign memory. `strides` in bytes (empty span = C-contiguous). Validates ndim, extents and
    /// that shape x stride arithmetic cannot overflow; `owner` keeps the memory alive.
    static Array wrap(void* data, DType dtype, std::span<const std::int64_t> shape,
                      std::span<const std::int64_t> strides, Device device, bool readonly, Owner owner);
    /// Lifetime rule of wrap: the memory must stay valid, and unchanged in place, for as long as `owner`
    /// (held by this array, every view of it, and every DLPack export of them) is alive; `owner` may be
    /// released on any thread. Pass an empty owner only for memory that outlives every such copy (static
    /// data), else use adopt, which makes the owner for you.

    /// Moves `v` into the new array's owner: no element is copied. `shape` (C order; empty = 1-d of
    /// v.size()) must hold v.size() elements, else Error(value) naming both, and `v` is left untouched.
    /// std::vector<bool> packs bits and cannot be adopted.
    template <Element T>
    static Array adopt(std::vector<T>&& v, std::span<const std::int64_t> shape = {});

    std::byte* data() const noexcept { return data_; }
    const Dims& shape() const noexcept { return shape_; }
    const Dims& strides() const noexcept { return strides_; }
    DType dtype() const noexcept { return dtype_; }
    Device device() const noexcept { return device_; }
    bool readonly() const noexcept { return readonly_; }
    const Owner& owner() const noexcept { return owner_; }
    int ndim() const noexcept { return static_cast<int>(shape_.size()); }
    std::int64_t size() const noexcept { return size_; }
    std::int64_t itemsize() const noexcept { return dtype_.itemsize(); }
    std::int64_t nbytes() const noexcept { return size_ * dtype_.itemsize(); }
    Flags flags() const noexcept;
    bool is_c_contiguous() const noexcept;
    bool is_f_contiguous() const noexcept;

    /// Pointer to the element at `index` (one entry per dimension, each in range); Error(index) otherwise.
    std::byte* element(std::span<const std::int64_t> index) const;

    // ---- views: all share the owner, none copies; read-only-ness is inherited ----
    /// NumPy basic indexing. Error(index) for out-of-range integers or too many indices; Error(value) for step 0.
    Array index(std::span<const Index> items) const;
    /// Reverses the axes (`.T`), or permutes them: `axes` must be a permutation of 0..ndim-1 (negatives wrap).
    Array transpose() const;
    Array permute(std::span<const std::int64_t> axes) const;
    /// A view with a new shape (one -1 allowed) in C or F index order, with NumPy's strides (the shape the
    /// array already has keeps its strides). Error(value) when the strides do not allow a view; the caller
    /// then copies (NumPy's reshape does).
    Array reshape(std::span<const std::int64_t> new_shape, MemoryOrder order = MemoryOrder::C) const;
    /// Drops extent-1 axes (all, or the one given; Error(value) if it is not extent 1).
    Array squeeze(std::optional<std::int64_t> axis = std::nullopt) const;
    /// Inserts an extent-1 axis at `axis` (in -ndim-1 .. ndim).
    Array expand_dims(std::int64_t axis) const;
    /// The same view, marked read-only.
    Array as_readonly() const;
    // ---- copies (implemented by the copy engine, copy.h) ----
    /// A new host array with these elements, laid out by `order` (K keeps this array's stride order).
    Array copy(MemoryOrder order = MemoryOrder::K) const;
    /// These elements as `dtype`; with `force_copy` false, this array itself when nothing must change.
    Array astype(DType dtype, MemoryOrder order = MemoryOrder::K, bool force_copy = true) const;

    /// The same memory seen with another dtype of equal itemsize (used for byte-order views).
    Array with_dtype(DType dtype) const;

private:
    /// Error(value) unless `shape` holds `count` elements (adopt's check, out of line).
    static void adopt_check(std::span<const std::int64_t> shape, std::int64_t count);
    Array(std::byte* data, DType dtype, Dims shape, Dims strides, Device device, bool readonly, Owner owner,
          std::int64_t size) noexcept;
    Array view(std::byte* data, Dims shape, Dims strides) const;

    std::byte* data_ = nullptr;  ///< address of the element at index (0, ..., 0)
    Dims shape_;
    Dims strides_;  ///< bytes; may be negative or zero
    DType dtype_;
    Device device_;
    bool readonly_ = false;
    std::int64_t size_ = 1;  ///< product of shape_, cached: it is read on every access
    Owner owner_;
};

template <Element T>
Array Array::adopt(std::vector<T>&& v, std::span<const std::int64_t> shape) {
    static_assert(!std::is_same_v<T, bool>, "std::vector<bool> packs bits; use ndbridge::asarray to copy it");
    const auto count = static_cast<std::int64_t>(v.size());
    const std::int64_t flat[] = {count};
    if (shape.empty()) shape = flat;
    adopt_check(shape, count);
    auto holder = std::make_shared<std::vector<T>>(std::move(v));
    void* data = holder->data();
    return wrap(data, dtype_of<T>(), shape, {}, Device::cpu(), false, Owner(std::move(holder)));
}

/// Normalises an axis in [-ndim, ndim) to [0, ndim); Error(index) naming the axis and ndim otherwise.
int normalize_axis(std::int64_t axis, int ndim, std::string_view what);

}  // namespace ndbridge
