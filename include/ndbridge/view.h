// ndbridge/view.h — typed views of an Array: ndbridge::view<T, N>(a) checks dtype, rank, device and
// writability once and returns an accessor a loop can index with no further checks. The c_contig
// layout also checks C-contiguity, so that its accessor is plain pointer arithmetic with a unit stride.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include "ndbridge/array.h"
#include "ndbridge/element.h"

namespace ndbridge {

/// Layout tags of a view: any strides, or C-contiguous.
struct strided {};
struct c_contig {};

/// The extents or strides of a rank-N view.
template <int N>
using Extents = std::array<std::int64_t, static_cast<std::size_t>(N)>;

namespace detail {
/// Every check of view<T, N, Layout>(a), out of line; throws Error naming both sides of a mismatch.
void check_view(const Array& a, DType want, int rank, bool writable, bool contiguous);
}  // namespace detail

/// A typed, rank-N window onto an Array's memory. It does not own the memory: keep the Array alive.
/// `T` is const for a read-only view. Indices are not checked (the view was checked once).
template <class T, int N, class Layout = strided>
class ArrayView {
    static_assert(N >= 0 && N <= kMaxNdim, "a view has 0 to 64 dimensions");
    static_assert(std::is_same_v<Layout, strided> || std::is_same_v<Layout, c_contig>, "layout: strided or c_contig");

public:
    using element_type = T;
    static constexpr int rank = N;

    ArrayView(T* data, const Extents<N>& shape, const Extents<N>& strides) noexcept
        : data_(data), shape_(shape), strides_(strides) {}

    T* data() const noexcept { return data_; }
    /// Extent of axis k.
    std::int64_t extent(int k) const noexcept { return shape_[static_cast<std::size_t>(k)]; }
    /// Stride of axis k in elements (not bytes), as DLPack and std::mdspan count them.
    std::int64_t stride(int k) const noexcept { return strides_[static_cast<std::size_t>(k)]; }
    std::int64_t size() const noexcept {
        std::int64_t n = 1;
        for (std::int64_t e : shape_) n *= e;
        return n;
    }

    template <class... I>
    requires(sizeof...(I) == N && (std::is_integral_v<I> && ...)) T& operator()(I... index) const noexcept {
        return data_[offset(Extents<N>{static_cast<std::int64_t>(index)...})];
    }

private:
    std::int64_t offset(const Extents<N>& index) const noexcept {
        std::int64_t off = 0;
        if constexpr (std::is_same_v<Layout, c_contig> && N > 0) {
            // The last stride is 1 by construction; saying so lets the compiler vectorise inner loops.
            for (std::size_t k = 0; k + 1 < shape_.size(); ++k) off += index[k] * strides_[k];
            off += index[shape_.size() - 1];
        } else {
            for (std::size_t k = 0; k < shape_.size(); ++k) off += index[k] * strides_[k];
        }
        return off;
    }

    T* data_;
    Extents<N> shape_;
    Extents<N> strides_;
};

/// Views `a` as rank-N elements of T (`const T` for a read-only view). Error(type) when the dtype
/// differs or the memory is on a device the host cannot read; Error(value) when the rank differs, a
/// writable view of a read-only array is asked for, the data is misaligned for T or a stride is not a
/// whole number of elements, or (c_contig) the array is not C-contiguous. Every message names both sides.
template <class T, int N, class Layout = strided>
requires is_element_v<std::remove_const_t<T>> ArrayView<T, N, Layout> view(const Array& a) {
    using E = std::remove_const_t<T>;
    detail::check_view(a, dtype_of<E>(), N, !std::is_const_v<T>, std::is_same_v<Layout, c_contig>);
    Extents<N> shape{}, strides{};
    for (std::size_t k = 0; k < static_cast<std::size_t>(N); ++k) {
        shape[k] = a.shape()[k];
        strides[k] = a.strides()[k] / static_cast<std::int64_t>(sizeof(E));
    }
    return ArrayView<T, N, Layout>(reinterpret_cast<T*>(a.data()), shape, strides);
}

}  // namespace ndbridge
