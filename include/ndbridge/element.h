// ndbridge/element.h — the dtype of a C++ element type, decided at compile time.
// Containers in (containers.h), Array::adopt and the typed views (view.h) all name their element type
// in C++; this one trait maps it to the DType, so there is a single table of C++ types.
#pragma once

#include <complex>
#include <cstdint>
#include <type_traits>

#include "ndbridge/dtype.h"

namespace ndbridge {

namespace detail {
template <class T>
struct is_complex : std::false_type {};
template <class T>
struct is_complex<std::complex<T>> : std::bool_constant<std::is_floating_point_v<T>> {};

template <class T>
constexpr ScalarType integer_type() noexcept {
    constexpr bool s = std::is_signed_v<T>;
    if constexpr (sizeof(T) == 1) return s ? ScalarType::int8 : ScalarType::uint8;
    if constexpr (sizeof(T) == 2) return s ? ScalarType::int16 : ScalarType::uint16;
    if constexpr (sizeof(T) == 4) return s ? ScalarType::int32 : ScalarType::uint32;
    if constexpr (sizeof(T) == 8) return s ? ScalarType::int64 : ScalarType::uint64;
}
}  // namespace detail

/// True for the C++ types an Array can hold as numbers: bool, the integer types of 1 to 8 bytes (char
/// included, by its signedness), float, double, long double and std::complex of the three.
template <class T>
inline constexpr bool is_element_v =
    std::is_same_v<T, bool> ||
    (std::is_integral_v<T> && sizeof(T) <= 8) || std::is_floating_point_v<T> || detail::is_complex<T>::value;

template <class T>
concept Element = is_element_v<T>;

/// The dtype of elements of type T, native byte order (`dtype_of<float>()` is float32).
template <Element T>
constexpr ScalarType dtype_of() noexcept {
    if constexpr (std::is_same_v<T, bool>)
        return ScalarType::bool_;
    else if constexpr (std::is_integral_v<T>)
        return detail::integer_type<T>();
    else if constexpr (std::is_same_v<T, float>)
        return ScalarType::float32;
    else if constexpr (std::is_same_v<T, double>)
        return ScalarType::float64;
    else if constexpr (std::is_same_v<T, long double>)
        return ScalarType::longdouble;
    else if constexpr (std::is_same_v<T, std::complex<float>>)
        return ScalarType::complex64;
    else if constexpr (std::is_same_v<T, std::complex<double>>)
        return ScalarType::complex128;
    else
        return ScalarType::clongdouble;
}

}  // namespace ndbridge
