// Narrow floating-point formats (float16, bfloat16, float8_e4m3fn, float8_e5m2): exact decoding to
// double and correctly rounded (round-to-nearest-even) encoding from double, by one generic routine
// parameterised by exponent/mantissa widths, so no format is written twice.
#pragma once

#include <bit>
#include <cmath>
#include <cstdint>

namespace ndbridge::kernels {

/// A binary format with `E` exponent bits and `M` stored mantissa bits. `ieee`: the all-ones exponent
/// holds inf/NaN (float16, bfloat16, e5m2). Otherwise only S.1111.111 is NaN and there is no inf (e4m3fn).
template <int E, int M, bool IEEE>
struct NarrowFloat {
    static constexpr int kBias = (1 << (E - 1)) - 1;
    static constexpr std::uint32_t kSignBit = 1u << (E + M);
    static constexpr std::uint32_t kExpMask = ((1u << E) - 1) << M;
    static constexpr std::uint32_t kManMask = (1u << M) - 1;
    static constexpr std::uint32_t kInf = kExpMask;  // IEEE only
    static constexpr std::uint32_t kNaN = IEEE ? (kExpMask | (1u << (M - 1))) : (kExpMask | kManMask);
    static constexpr std::uint32_t kMaxFinite = IEEE ? kExpMask - 1 : (kExpMask | kManMask) - 1;

    static double decode(std::uint32_t bits) noexcept {
        const bool negative = (bits & kSignBit) != 0;
        const std::uint32_t mag = bits & ~kSignBit;
        const std::uint32_t exp = (mag & kExpMask) >> M;
        const std::uint32_t man = mag & kManMask;
        double value;
        if (IEEE && exp == (kExpMask >> M)) {
            value = man == 0 ? INFINITY : NAN;
        } else if (!IEEE && mag == (kExpMask | kManMask)) {
            value = NAN;
        } else if (exp == 0) {
            value = std::ldexp(static_cast<double>(man), 1 - kBias - M);
        } else {
            value = std::ldexp(static_cast<double>(man | (1u << M)), static_cast<int>(exp) - kBias - M);
        }
        return negative ? -value : value;
    }

    static std::uint32_t encode(double x) noexcept {
        const std::uint64_t xb = std::bit_cast<std::uint64_t>(x);
        const std::uint32_t sign = (xb >> 63) != 0 ? kSignBit : 0;
        if (std::isnan(x)) return sign | kNaN;
        if (std::isinf(x)) return sign | (IEEE ? kInf : kNaN);
        const int dexp = static_cast<int>((xb >> 52) & 0x7ff);
        if (dexp == 0) return sign;  // zero or a double subnormal: far below every narrow format
        const std::uint64_t sig = (xb & ((std::uint64_t{1} << 52) - 1)) | (std::uint64_t{1} << 52);
        const int e = dexp - 1023;
        constexpr int kEmin = 1 - kBias;
        // Keep M fraction bits for normals; below the normal range, fewer (the subnormal spacing).
        const int shift = 52 - M + (e < kEmin ? kEmin - e : 0);
        if (shift > 60) return sign;
        std::uint64_t rounded = sig >> shift;
        const std::uint64_t rem = sig & ((std::uint64_t{1} << shift) - 1);
        const std::uint64_t half = std::uint64_t{1} << (shift - 1);
        if (rem > half || (rem == half && (rounded & 1))) ++rounded;
        // Normals add the biased exponent above the implicit bit; a carry out of the mantissa moves
        // into the exponent by plain addition, and a subnormal rounding up becomes the least normal.
        std::uint64_t mag = e < kEmin ? rounded : (static_cast<std::uint64_t>(e + kBias - 1) << M) + rounded;
        if (mag > kMaxFinite) return sign | (IEEE ? kInf : kNaN);
        return sign | static_cast<std::uint32_t>(mag);
    }
};

using Float16Format = NarrowFloat<5, 10, true>;
using BFloat16Format = NarrowFloat<8, 7, true>;
using Float8E4M3FNFormat = NarrowFloat<4, 3, false>;
using Float8E5M2Format = NarrowFloat<5, 2, true>;

}  // namespace ndbridge::kernels
