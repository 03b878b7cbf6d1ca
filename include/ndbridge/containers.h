// ndbridge/containers.h — C++ containers in: ndbridge::asarray copies a std::vector, std::array, std::span
// or nested std::vector / std::array of any depth into a new Array with one allocation and one pass.
// The shape is read from the first element at each depth; every other element is checked against it
// while it is copied, so a ragged input throws before any partial result can escape.
#pragma once

#include <array>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/element.h"
#include "ndbridge/error.h"

namespace ndbridge {

namespace detail {

/// How deeply a type nests vectors and arrays around an element: 0 for anything else.
template <class C>
struct nesting {
    static constexpr int depth = 0;
};
template <class T>
struct nesting_of_element {
    static constexpr int depth = 1;
    using element = T;
};
template <class U>
struct nesting_of_container {
    static constexpr int depth = nesting<U>::depth + 1;
    using element = typename nesting<U>::element;
};
template <class U>
using nesting_step = std::conditional_t<is_element_v<U>, nesting_of_element<U>, nesting_of_container<U>>;
template <class U, class A>
requires(is_element_v<U> || nesting<U>::depth > 0) struct nesting<std::vector<U, A>> : nesting_step<U> {
};
template <class U, std::size_t N>
requires(is_element_v<U> || nesting<U>::depth > 0) struct nesting<std::array<U, N>> : nesting_step<U> {
};

template <class C>
struct is_bit_vector : std::false_type {};
template <class A>
struct is_bit_vector<std::vector<bool, A>> : std::true_type {};

/// "[1][2]": where in the nesting an element sits, for messages.
std::string index_path(std::span<const std::int64_t> path);

[[noreturn]] void ragged(std::span<const std::int64_t> path, std::int64_t length, std::int64_t expected);

template <class T, class C>
void fill_nested(const C& c, std::span<const std::int64_t> shape, std::int64_t* path, int level, T*& out) {
    const auto n = static_cast<std::int64_t>(c.size());
    if (n != shape[static_cast<std::size_t>(level)])
        ragged(std::span(path, static_cast<std::size_t>(level)), n, shape[static_cast<std::size_t>(level)]);
    if constexpr (is_element_v<typename C::value_type>) {
        if constexpr (is_bit_vector<C>::value) {
            for (bool b : c) *out++ = b;  // bits, not bytes: no contiguous storage to copy from
        } else {
            if (n > 0) std::memcpy(out, c.data(), static_cast<std::size_t>(n) * sizeof(T));
            out += n;
        }
    } else {
        for (std::int64_t i = 0; i < n; ++i) {
            path[level] = i;
            fill_nested(c[static_cast<std::size_t>(i)], shape, path, level + 1, out);
        }
    }
}

template <class T, class C>
void first_extents(const C& c, std::int64_t* shape) {
    *shape = static_cast<std::int64_t>(c.size());
    if constexpr (!is_element_v<typename C::value_type>) {
        if (c.size() > 0) first_extents<T>(c[0], shape + 1);
        // An empty level leaves the deeper extents at 0: the rank is the static nesting depth.
    }
}

}  // namespace detail

/// std::vector and std::array of elements, or of such containers, to any depth.
template <class C>
concept NestedContainer = detail::nesting<C>::depth >
0;

/// The element type of a nested container (`float` for std::vector<std::vector<float>>).
template <NestedContainer C>
using nested_element_t = typename detail::nesting<C>::element;

/// A new C-ordered host array holding the elements of `c`; its rank is the nesting depth and its
/// shape comes from the first element at each depth. Error(value) for a ragged input, naming the index
/// path of the offending container and both lengths.
template <NestedContainer C>
Array asarray(const C& c) {
    using T = nested_element_t<C>;
    constexpr auto depth = static_cast<std::size_t>(detail::nesting<C>::depth);
    std::array<std::int64_t, depth> shape{};
    detail::first_extents<T>(c, shape.data());
    Array result = Array::empty(dtype_of<T>(), shape);
    std::array<std::int64_t, depth> path{};
    T* out = reinterpret_cast<T*>(result.data());
    detail::fill_nested<T>(c, shape, path.data(), 0, out);
    return result;
}

/// A new host array holding `data` in C order with `shape` (empty: 1-d). Error(value) when the shape
/// does not hold data.size() elements.
template <class T, std::size_t Extent>
requires is_element_v<std::remove_cv_t<T>> Array asarray(std::span<T, Extent> data,
                                                         std::span<const std::int64_t> shape = {}) {
    using E = std::remove_cv_t<T>;
    const std::int64_t flat[] = {static_cast<std::int64_t>(data.size())};
    if (shape.empty()) shape = flat;
    const std::int64_t size = checked_size(shape, "ndbridge::asarray shape");
    if (size != static_cast<std::int64_t>(data.size()))
        fail(ErrorKind::value, "ndbridge::asarray: shape ", shape_string(shape), " holds ", size,
             " elements but the data has ", data.size());
    Array result = Array::empty(dtype_of<E>(), shape);
    if (!data.empty()) std::memcpy(result.data(), data.data(), data.size_bytes());
    return result;
}

/// A flat vector or array with an explicit shape (C order).
template <Element T, class A>
Array asarray(const std::vector<T, A>& v, std::span<const std::int64_t> shape) {
    if constexpr (std::is_same_v<T, bool>) {
        return asarray(v).reshape(shape);  // bits: copied element by element, then viewed with the shape
    } else {
        return asarray(std::span<const T>(v), shape);
    }
}
template <Element T, std::size_t N>
Array asarray(const std::array<T, N>& v, std::span<const std::int64_t> shape) {
    return asarray(std::span<const T, N>(v), shape);
}

}  // namespace ndbridge
