// The C++ storage type of every numeric ScalarType, written once and keyed by the enum value itself.
// The cast table, scalar load/store and the PEP 3118 parser reach element types through this header,
// so adding or reordering a scalar type changes one specialisation, not several switches.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/float_formats.h"
#include "ndbridge/dtype.h"

namespace ndbridge::kernels {

// Storage types of the narrow floats: distinct types so overloads and the table can tell them apart.
template <class Format, class Bits>
struct Narrow {
    Bits bits;
    using format = Format;
};
using Half = Narrow<Float16Format, std::uint16_t>;
using BFloat16 = Narrow<BFloat16Format, std::uint16_t>;
using Float8E4M3FN = Narrow<Float8E4M3FNFormat, std::uint8_t>;
using Float8E5M2 = Narrow<Float8E5M2Format, std::uint8_t>;

template <class T>
struct is_narrow : std::false_type {};
template <class F, class B>
struct is_narrow<Narrow<F, B>> : std::true_type {};

template <class T>
struct is_complex : std::false_type {};
template <class T>
struct is_complex<std::complex<T>> : std::true_type {};

/// storage<T>::type is how one element of ScalarType T sits in memory (native byte order). Only the
/// numeric types have one; time types and strings are handled by their own kernels.
template <ScalarType T>
struct storage;
template <class C>
struct storage_is {
    using type = C;
};
// clang-format off
template <> struct storage<ScalarType::bool_> : storage_is<bool> {};
template <> struct storage<ScalarType::int8> : storage_is<std::int8_t> {};
template <> struct storage<ScalarType::int16> : storage_is<std::int16_t> {};
template <> struct storage<ScalarType::int32> : storage_is<std::int32_t> {};
template <> struct storage<ScalarType::int64> : storage_is<std::int64_t> {};
template <> struct storage<ScalarType::uint8> : storage_is<std::uint8_t> {};
template <> struct storage<ScalarType::uint16> : storage_is<std::uint16_t> {};
template <> struct storage<ScalarType::uint32> : storage_is<std::uint32_t> {};
template <> struct storage<ScalarType::uint64> : storage_is<std::uint64_t> {};
template <> struct storage<ScalarType::float16> : storage_is<Half> {};
template <> struct storage<ScalarType::bfloat16> : storage_is<BFloat16> {};
template <> struct storage<ScalarType::float32> : storage_is<float> {};
template <> struct storage<ScalarType::float64> : storage_is<double> {};
template <> struct storage<ScalarType::longdouble> : storage_is<long double> {};
template <> struct storage<ScalarType::complex64> : storage_is<std::complex<float>> {};
template <> struct storage<ScalarType::complex128> : storage_is<std::complex<double>> {};
template <> struct storage<ScalarType::clongdouble> : storage_is<std::complex<long double>> {};
template <> struct storage<ScalarType::float8_e4m3fn> : storage_is<Float8E4M3FN> {};
template <> struct storage<ScalarType::float8_e5m2> : storage_is<Float8E5M2> {};
// clang-format on

template <ScalarType T>
using storage_t = typename storage<T>::type;

/// The numeric ScalarTypes are the enum's first kNumericTypeCount values (bool_ ... float8_e5m2).
inline constexpr std::size_t kNumericTypeCount = static_cast<std::size_t>(ScalarType::float8_e5m2) + 1;
static_assert(static_cast<std::size_t>(ScalarType::datetime64) == kNumericTypeCount, "numeric types must come first");

template <std::size_t I>
using storage_at = storage_t<static_cast<ScalarType>(I)>;

/// Calls f(std::type_identity<C>{}) with C the storage type of the numeric `type` and returns its result.
/// Precondition: `type` is numeric.
template <std::size_t I = 0, class F>
decltype(auto) visit_numeric(ScalarType type, F&& f) {
    if constexpr (I + 1 < kNumericTypeCount) {
        if (static_cast<std::size_t>(type) != I) return visit_numeric<I + 1>(type, std::forward<F>(f));
    }
    return std::forward<F>(f)(std::type_identity<storage_at<I>>{});
}

/// The integer ScalarType stored like the C integer type C (same width and signedness): what a
/// native-size format code such as PEP 3118's 'l' or 'n' means on this platform.
template <class C, std::size_t I = 0>
constexpr ScalarType integer_type_of() noexcept {
    static_assert(I < kNumericTypeCount, "no ndbridge integer type has this width");
    using S = storage_at<I>;
    if constexpr (std::is_integral_v<S> && !std::is_same_v<S, bool> && sizeof(S) == sizeof(C) &&
                  std::is_signed_v<S> == std::is_signed_v<C>) {
        return static_cast<ScalarType>(I);
    } else {
        return integer_type_of<C, I + 1>();
    }
}

}  // namespace ndbridge::kernels
