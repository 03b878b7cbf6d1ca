// Element conversions between the numeric dtypes, and the strided 1-d loop that applies one.
// One template family serves every (source, destination) pair; cast_table.cpp instantiates the table.
#pragma once

#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "kernels/cast_table.h"
#include "kernels/dtype_traits.h"

namespace ndbridge::kernels {

template <class T>
inline constexpr bool is_float_v = std::is_floating_point_v<T> || is_narrow<T>::value;

/// A narrow float from a wider value, rounded as the libraries users compare against do it: NumPy
/// rounds float64 to float16 once but goes through float32 from every other type (integers, long
/// double); ml_dtypes (and PyTorch) go through float32 to bfloat16/float8 from every type. The float32
/// step is taken from the source type itself: int64 or long double -> double -> float32 would round
/// twice and differ from a direct conversion near ties.
template <class N, class S>
N narrow_from(S v) noexcept {
    using Bits = decltype(N::bits);
    if constexpr (std::is_same_v<N, Half> && std::is_same_v<S, double>) {
        return N{static_cast<Bits>(N::format::encode(v))};
    } else {
        return N{static_cast<Bits>(N::format::encode(static_cast<double>(static_cast<float>(v))))};
    }
}

/// narrow_from for a double (what a stored Python float is).
template <class N>
N narrow_from_double(double v) noexcept {
    return narrow_from<N>(v);
}

template <class N>
double narrow_to_double(N v) noexcept {
    return N::format::decode(v.bits);
}

/// Float to integer: truncation toward zero; NaN -> 0. Negative values into an unsigned type wrap as
/// NumPy and PyTorch do (truncate to int64, then keep the low bits: -3.96 -> uint8 253); below -2**63
/// they give 0. Any other value outside the target's range gives the nearest bound.
template <class I, class F>
I float_to_int(F v) noexcept {
    if (v != v) return 0;
    constexpr auto lo = std::numeric_limits<I>::min();
    constexpr auto hi = std::numeric_limits<I>::max();
    if constexpr (std::is_unsigned_v<I>) {
        constexpr F int64_min = static_cast<F>(std::numeric_limits<std::int64_t>::min());  // -2**63, exact
        if (v < static_cast<F>(0)) return v < int64_min ? I{0} : static_cast<I>(static_cast<std::int64_t>(v));
    }
    // lo is 0 or -2**k and hi + 1 is 2**k, all exact in every float type used here, so the comparisons
    // are exact; hi itself may round up in a narrow float, which is why hi + 1 is the bound.
    if (v <= static_cast<F>(lo)) return lo;
    if (v >= static_cast<F>(hi) + static_cast<F>(1)) return hi;
    return static_cast<I>(v);
}

/// The value of one element converted from S to D, NumPy's semantics for in-range values.
template <class D, class S>
D convert(S v) noexcept {
    if constexpr (std::is_same_v<D, S>) {
        return v;
    } else if constexpr (is_narrow<S>::value) {
        return convert<D>(narrow_to_double(v));
    } else if constexpr (is_complex<S>::value) {
        if constexpr (is_complex<D>::value) {
            using T = typename D::value_type;
            return D(static_cast<T>(v.real()), static_cast<T>(v.imag()));
        } else if constexpr (std::is_same_v<D, bool>) {
            return v.real() != 0 || v.imag() != 0;
        } else {
            return convert<D>(v.real());  // NumPy drops the imaginary part
        }
    } else if constexpr (std::is_same_v<D, bool>) {
        return v != S(0);
    } else if constexpr (is_narrow<D>::value) {
        return narrow_from<D>(v);
    } else if constexpr (is_complex<D>::value) {
        using T = typename D::value_type;
        return D(convert<T>(v), T(0));
    } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
        return float_to_int<D>(v);
    } else {
        return static_cast<D>(v);  // int->int wraps (C++20 defines it), int->float rounds, float->float rounds
    }
}

/// Applies convert<D, S> to `n` elements: src and dst may be any byte strides, unaligned, in native
/// byte order (the caller swaps non-native data through a small buffer).
template <class D, class S>
void cast_loop(const std::byte* src, std::int64_t src_stride, std::byte* dst, std::int64_t dst_stride,
               std::int64_t n) noexcept {
    if constexpr (std::is_same_v<S, bool>) {
        // A bool element may hold any byte (a NumPy view of uint8 data, foreign memory); NumPy reads every
        // nonzero byte as True. Loading such a byte as a C++ bool would be undefined, so it is read as a byte.
        for (std::int64_t i = 0; i < n; ++i) {
            const D out = convert<D>(std::to_integer<std::uint8_t>(src[i * src_stride]) != 0);
            std::memcpy(dst + i * dst_stride, &out, sizeof(D));
        }
        return;
    }
    if (src_stride == static_cast<std::int64_t>(sizeof(S)) && dst_stride == static_cast<std::int64_t>(sizeof(D)) &&
        reinterpret_cast<std::uintptr_t>(src) % alignof(S) == 0 &&
        reinterpret_cast<std::uintptr_t>(dst) % alignof(D) == 0) {
        // Contiguous and aligned: a plain loop the compiler vectorises.
        const S* s = reinterpret_cast<const S*>(src);
        D* d = reinterpret_cast<D*>(dst);
        for (std::int64_t i = 0; i < n; ++i) d[i] = convert<D>(s[i]);
        return;
    }
    for (std::int64_t i = 0; i < n; ++i) {
        S v;
        std::memcpy(&v, src + i * src_stride, sizeof(S));
        const D out = convert<D>(v);
        std::memcpy(dst + i * dst_stride, &out, sizeof(D));
    }
}

}  // namespace ndbridge::kernels
