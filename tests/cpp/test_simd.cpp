// The vector cast loops give the scalar loops' bits: every float16/bfloat16/float8 bit pattern decoded,
// float32/float64 edge values encoded (ties to even around every narrow value, NaN, infinities,
// subnormals, overflow), integers at their limits, over odd lengths and shifted starts (loop tails).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <initializer_list>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "kernels/cast_table.h"
#include "kernels/dtype_traits.h"
#include "kernels/raw_copy.h"
#include "kernels/simd_cast.h"
#include "ndbridge/dtype.h"

namespace ndbridge {
namespace {

using kernels::CastLoop;

struct Pair {
    ScalarType from, to;
};

std::vector<Pair> vector_pairs() {
    std::vector<Pair> pairs;
    for (std::size_t s = 0; s < kernels::kNumericTypeCount; ++s)
        for (std::size_t d = 0; d < kernels::kNumericTypeCount; ++d)
            if (kernels::simd_cast_loop(static_cast<ScalarType>(s), static_cast<ScalarType>(d)) != nullptr)
                pairs.push_back({static_cast<ScalarType>(s), static_cast<ScalarType>(d)});
    return pairs;
}

template <class T>
void append(std::vector<std::byte>& out, T v) {
    const auto at = out.size();
    out.resize(at + sizeof(T));
    std::memcpy(out.data() + at, &v, sizeof(T));
}

// Float32 values that probe an encoder into a narrow format: each value of the format (given as its
// decoded doubles), the midpoints between neighbours (ties) and one float32 ulp either side.
void add_f32_around(std::vector<std::byte>& out, const std::vector<double>& grid) {
    for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
        const double a = grid[i], b = grid[i + 1];
        if (!std::isfinite(a) || !std::isfinite(b)) continue;
        const float mid = static_cast<float>((a + b) / 2);  // exact: narrow formats have <= 11 bits
        for (float v : {static_cast<float>(a), mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY)})
            append(out, v), append(out, -v);
    }
}

// Float64 values likewise, with one float64 ulp either side of each tie: a double that rounds through
// float32 first would land on the tie and round the wrong way.
void add_f64_around(std::vector<std::byte>& out, const std::vector<double>& grid) {
    for (std::size_t i = 0; i + 1 < grid.size(); ++i) {
        const double a = grid[i], b = grid[i + 1];
        if (!std::isfinite(a) || !std::isfinite(b)) continue;
        const double mid = (a + b) / 2;
        for (double v : {a, mid, std::nextafter(mid, -INFINITY), std::nextafter(mid, INFINITY)})
            append(out, v), append(out, -v);
    }
}

template <class Format>
std::vector<double> positive_grid() {
    std::vector<double> g;
    for (std::uint32_t b = 0; b <= Format::kMaxFinite; ++b) g.push_back(Format::decode(b));
    g.push_back(2 * g.back() - g[g.size() - 2]);  // the first value past the largest: overflow ties
    return g;
}

// The source elements for one source type.
std::vector<std::byte> probes(ScalarType from) {
    std::vector<std::byte> out;
    std::mt19937_64 rng(20261127);
    switch (from) {
        case ScalarType::float16:
        case ScalarType::bfloat16:
        case ScalarType::uint16:
        case ScalarType::int16:
            for (std::uint32_t b = 0; b < 65536; ++b) append(out, static_cast<std::uint16_t>(b));  // every pattern
            return out;
        case ScalarType::float8_e4m3fn:
        case ScalarType::float8_e5m2:
        case ScalarType::uint8:
        case ScalarType::int8:
            for (std::uint32_t b = 0; b < 256; ++b) append(out, static_cast<std::uint8_t>(b));
            return out;
        case ScalarType::float32: {
            for (float v : {0.0f,
                            -0.0f,
                            INFINITY,
                            -INFINITY,
                            NAN,
                            -NAN,
                            std::numeric_limits<float>::max(),
                            std::numeric_limits<float>::min(),
                            std::numeric_limits<float>::denorm_min(),
                            2147483648.0f,
                            -2147483648.0f,
                            2147483520.0f,
                            -2147483904.0f,
                            65504.0f,
                            65520.0f,
                            65519.99f,
                            448.0f,
                            464.0f,
                            57344.0f,
                            61440.0f,
                            3.3895314e38f,
                            3.4028235e38f})
                append(out, v), append(out, -v);
            for (std::uint32_t nan : {0x7f800001u, 0x7fbfffffu, 0x7fc00001u, 0xff800001u, 0xffffffffu})
                append(out, nan);
            add_f32_around(out, positive_grid<kernels::Float16Format>());
            add_f32_around(out, positive_grid<kernels::BFloat16Format>());
            add_f32_around(out, positive_grid<kernels::Float8E4M3FNFormat>());
            add_f32_around(out, positive_grid<kernels::Float8E5M2Format>());
            for (int i = 0; i < 200000; ++i) append(out, static_cast<std::uint32_t>(rng()));        // any bit pattern
            for (std::uint32_t b = 0; b < 4096; ++b) append(out, b), append(out, b | 0x80000000u);  // subnormals
            return out;
        }
        case ScalarType::float64: {
            for (double v : std::initializer_list<double>{0.0,
                                                          -0.0,
                                                          INFINITY,
                                                          -INFINITY,
                                                          NAN,
                                                          -NAN,
                                                          std::numeric_limits<double>::max(),
                                                          std::numeric_limits<double>::min(),
                                                          std::numeric_limits<double>::denorm_min(),
                                                          1e300,
                                                          3.5e38,
                                                          3.4028235677973366e38,
                                                          2147483648.0,
                                                          2147483647.9,
                                                          -2147483648.9,
                                                          -2147483649.0,
                                                          65520.0,
                                                          std::nextafter(65520.0, 0.0),
                                                          1.401298464324817e-45,
                                                          7.006492321624085e-46})
                append(out, v), append(out, -v);
            for (std::uint64_t nan :
                 {0x7ff0000000000001ull, 0x7ff8000000000001ull, 0xfff0000000000001ull, 0xffffffffffffffffull})
                append(out, nan);
            add_f64_around(out, positive_grid<kernels::Float16Format>());
            for (int i = 0; i < 100000; ++i) append(out, rng());
            for (int i = 0; i < 100000; ++i)
                append(out, std::ldexp(static_cast<double>(rng() >> 11), -static_cast<int>(rng() % 100)));
            return out;
        }
        case ScalarType::int32:
            for (std::int32_t v : {0, 1, -1, INT32_MAX, INT32_MIN, 16777216, 16777217, -16777217, 16777219})
                append(out, v);
            for (int i = 0; i < 100000; ++i) append(out, static_cast<std::uint32_t>(rng()));
            return out;
        case ScalarType::int64:
            for (std::int64_t v :
                 {std::int64_t{0}, std::int64_t{-1}, INT64_MAX, INT64_MIN, std::int64_t{1} << 53,
                  (std::int64_t{1} << 53) + 1, -(std::int64_t{1} << 53) - 1, (std::int64_t{1} << 62) + 1025})
                append(out, v);
            // int64 -> float32 around 2**53 (where the vector loop leaves float64) and at float32 ties:
            // x + 2**(e-24) sits halfway between two floats, +-1 either side; beyond 2**53 a trip through
            // float64 would round the tie first and then round it again to even.
            for (int e = 24; e <= 62; ++e)
                for (std::int64_t off : {-1, 0, 1}) {
                    const std::int64_t base = std::int64_t{1} << e, half = std::int64_t{1} << (e - 24);
                    for (std::int64_t v : {base + off, base + half + off, base + 3 * half + off})
                        append(out, v), append(out, -v);
                }
            for (int i = 0; i < 100000; ++i) append(out, rng());
            for (int i = 0; i < 100000; ++i) append(out, static_cast<std::int64_t>(rng()) >> (rng() % 64));
            return out;
        default: return out;
    }
}

std::string pair_name(const Pair& p) { return name(DType(p.from)) + " -> " + name(DType(p.to)); }

TEST(SimdCast, HasVectorLoopsWhenEnabled) {
    if (!kernels::simd_enabled()) GTEST_SKIP() << "no AVX2/F16C on this CPU, or NDBRIDGE_DISABLE_SIMD is set";
    EXPECT_GE(vector_pairs().size(), 20u);
    EXPECT_NE(kernels::simd_cast_loop(ScalarType::float32, ScalarType::float16), nullptr);
    EXPECT_EQ(kernels::numeric_cast_loop(ScalarType::float32, ScalarType::float16),
              kernels::simd_cast_loop(ScalarType::float32, ScalarType::float16));
    EXPECT_NE(kernels::numeric_cast_loop(ScalarType::float32, ScalarType::float16),
              kernels::scalar_cast_loop(ScalarType::float32, ScalarType::float16));
}

// Whole probe sets at once, then every start offset 0..16 and lengths 0..40 (every tail length).
TEST(SimdCast, VectorLoopsEqualScalarLoopsBitForBit) {
    if (!kernels::simd_enabled()) GTEST_SKIP() << "no AVX2/F16C on this CPU, or NDBRIDGE_DISABLE_SIMD is set";
    for (const Pair& p : vector_pairs()) {
        const auto ss = DType(p.from).itemsize(), ds = DType(p.to).itemsize();
        const std::vector<std::byte> src = probes(p.from);
        ASSERT_FALSE(src.empty()) << pair_name(p);
        const std::int64_t n = static_cast<std::int64_t>(src.size()) / ss;
        const CastLoop vec = kernels::simd_cast_loop(p.from, p.to);
        const CastLoop ref = kernels::scalar_cast_loop(p.from, p.to);
        std::vector<std::byte> want(static_cast<std::size_t>(n * ds)), got(want.size());
        ref(src.data(), ss, want.data(), ds, n);
        vec(src.data(), ss, got.data(), ds, n);
        std::int64_t mismatches = 0;
        for (std::int64_t i = 0; i < n; ++i) {
            if (std::memcmp(want.data() + i * ds, got.data() + i * ds, static_cast<std::size_t>(ds)) == 0) continue;
            if (++mismatches > 5) break;
            std::uint64_t in = 0, w = 0, g = 0;
            std::memcpy(&in, src.data() + i * ss, static_cast<std::size_t>(ss));
            std::memcpy(&w, want.data() + i * ds, static_cast<std::size_t>(ds));
            std::memcpy(&g, got.data() + i * ds, static_cast<std::size_t>(ds));
            ADD_FAILURE() << pair_name(p) << ": element " << i << " bits 0x" << std::hex << in << ": scalar 0x" << w
                          << ", vector 0x" << g;
        }
        EXPECT_EQ(mismatches, 0) << pair_name(p) << " over " << n << " elements";

        for (std::int64_t start = 0; start <= 16 && start < n; ++start)
            for (std::int64_t len = 0; len <= 40 && start + len <= n; ++len) {
                std::vector<std::byte> a(static_cast<std::size_t>(len * ds) + 1, std::byte{0x5a}), b(a);
                ref(src.data() + start * ss, ss, a.data(), ds, len);
                vec(src.data() + start * ss, ss, b.data(), ds, len);
                ASSERT_EQ(a, b) << pair_name(p) << " start " << start << " length " << len;
            }
    }
}

// Strided and unaligned runs take the scalar loop inside the vector entry and still agree.
TEST(SimdCast, StridedAndUnalignedRunsEqualScalar) {
    if (!kernels::simd_enabled()) GTEST_SKIP() << "no AVX2/F16C on this CPU, or NDBRIDGE_DISABLE_SIMD is set";
    for (const Pair& p : vector_pairs()) {
        const auto ss = DType(p.from).itemsize(), ds = DType(p.to).itemsize();
        std::vector<std::byte> src = probes(p.from);
        src.resize(
            static_cast<std::size_t>(std::min<std::int64_t>(static_cast<std::int64_t>(src.size()) / ss, 1000) * ss));
        const std::int64_t n = static_cast<std::int64_t>(src.size()) / ss / 2;
        const CastLoop vec = kernels::simd_cast_loop(p.from, p.to);
        const CastLoop ref = kernels::scalar_cast_loop(p.from, p.to);
        std::vector<std::byte> a(static_cast<std::size_t>(2 * n * ds + 1)), b(a.size());
        ref(src.data(), 2 * ss, a.data(), 2 * ds, n);
        vec(src.data(), 2 * ss, b.data(), 2 * ds, n);
        EXPECT_EQ(a, b) << pair_name(p) << " strided";
        std::vector<std::byte> shifted(1);  // the same elements one byte off their alignment
        shifted.insert(shifted.end(), src.begin(), src.end());
        if (ss > 1) {
            ref(shifted.data() + 1, ss, a.data() + 1, ds, n);
            vec(shifted.data() + 1, ss, b.data() + 1, ds, n);
            EXPECT_EQ(a, b) << pair_name(p) << " unaligned";
        }
    }
}

// Runs whose destination is larger than the caches use non-temporal stores after a scalar head that
// aligns the destination: the same bits, from a destination start that is not 32-byte aligned.
TEST(SimdCast, LongRunsEqualScalar) {
    if (!kernels::simd_enabled()) GTEST_SKIP() << "no AVX2/F16C on this CPU, or NDBRIDGE_DISABLE_SIMD is set";
    for (const Pair& p : vector_pairs()) {
        const auto ss = DType(p.from).itemsize(), ds = DType(p.to).itemsize();
        const std::vector<std::byte> pattern = probes(p.from);
        const std::int64_t n = (std::int64_t{9} << 20) / ds + 37;
        std::vector<std::byte> src(static_cast<std::size_t>((n + 1) * ss));
        for (std::size_t i = 0; i < src.size(); ++i) src[i] = pattern[i % pattern.size()];
        std::vector<std::byte> a(static_cast<std::size_t>((n + 1) * ds)), b(a.size());
        kernels::scalar_cast_loop(p.from, p.to)(src.data() + ss, ss, a.data() + ds, ds, n);
        kernels::simd_cast_loop(p.from, p.to)(src.data() + ss, ss, b.data() + ds, ds, n);
        EXPECT_TRUE(a == b) << pair_name(p) << " over " << n << " elements";
    }
}

// The vector byte copy moves exactly the bytes asked for, whatever the two starts' offsets in a cache line
// and the length's remainder (head, body, 32-byte steps and the overlapping last vector), and writes
// nothing before or after the destination range.
TEST(SimdCopyBytes, CopiesExactlyTheRangeAtEveryOffset) {
    constexpr std::size_t kGuard = 64;
    std::vector<std::byte> src(kernels::kSimdCopyMaxBytes + 2 * kGuard);
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::byte>((i * 131 + 7) % 251);
    std::vector<std::byte> dst(src.size());
    for (const std::size_t n :
         {kernels::kSimdCopyMinBytes, kernels::kSimdCopyMinBytes + 1, std::size_t{2080}, std::size_t{4095},
          std::size_t{4096}, std::size_t{65536 + 17}, kernels::kSimdCopyMaxBytes - kGuard}) {
        for (std::size_t doff = 0; doff < 64; doff += 7) {
            for (std::size_t soff = 0; soff < 64; soff += 13) {
                std::fill(dst.begin(), dst.end(), std::byte{0xAA});
                const bool vector = kernels::simd_copy_bytes(dst.data() + doff, src.data() + soff, n);
                EXPECT_EQ(vector, kernels::simd_enabled()) << n << " bytes";
                if (!vector) std::memcpy(dst.data() + doff, src.data() + soff, n);
                ASSERT_EQ(std::memcmp(dst.data() + doff, src.data() + soff, n), 0)
                    << n << " bytes, destination offset " << doff << ", source offset " << soff;
                for (std::size_t i = 0; i < doff; ++i) ASSERT_EQ(dst[i], std::byte{0xAA}) << "before, " << n;
                for (std::size_t i = doff + n; i < doff + n + kGuard; ++i)
                    ASSERT_EQ(dst[i], std::byte{0xAA}) << "after, " << n << " bytes";
            }
        }
    }
}

// The copy runs backward when the destination lies less than 256 bytes past the source modulo 4 KiB, and
// forward otherwise: both directions, and the placements on either side of the switch, copy exactly.
TEST(SimdCopyBytes, CopiesExactlyInBothDirectionsAtEveryPlacementModulo4KiB) {
    constexpr std::size_t kMaxN = 65536 + 128, kGuard = 64;
    std::vector<std::byte> memory(2 * kMaxN + 3 * 4096 + 2 * kGuard);
    for (const std::size_t soff : {std::size_t{0}, std::size_t{16}, std::size_t{40}}) {
        for (const std::size_t delta :
             {std::size_t{0}, std::size_t{16}, std::size_t{48}, std::size_t{80}, std::size_t{255}, std::size_t{256},
              std::size_t{257}, std::size_t{2048}, std::size_t{4032}, std::size_t{4095}}) {
            // Lengths whose remainders end the 128-byte steps at every 32-byte step and between them.
            for (std::size_t n = 65536; n < kMaxN; n += 13) {
                for (std::size_t i = 0; i < memory.size(); ++i)
                    memory[i] = static_cast<std::byte>((i * 29 + delta + n) % 241);
                std::byte* const src = memory.data() + soff;
                // The destination after the source, `delta` bytes past it modulo 4 KiB.
                const auto s_addr = reinterpret_cast<std::uintptr_t>(src);
                std::uintptr_t d_addr = s_addr + n + kGuard;
                d_addr += (delta + 4096 - (d_addr - s_addr) % 4096) % 4096;
                std::byte* const dst = reinterpret_cast<std::byte*>(d_addr);
                ASSERT_EQ((d_addr - s_addr) % 4096, delta);
                ASSERT_LE(dst + n + kGuard, memory.data() + memory.size());
                const std::vector<std::byte> expected(src, src + n);
                std::fill(dst - kGuard, dst + n + kGuard, std::byte{0xAA});
                if (!kernels::simd_copy_bytes(dst, src, n)) std::memcpy(dst, src, n);
                ASSERT_EQ(std::memcmp(dst, expected.data(), n), 0) << "placement " << delta << ", " << n << " bytes";
                for (std::size_t i = 1; i <= kGuard; ++i) {
                    ASSERT_EQ(*(dst - i), std::byte{0xAA}) << "before, placement " << delta;
                    ASSERT_EQ(dst[n + i - 1], std::byte{0xAA}) << "after, placement " << delta;
                }
            }
        }
    }
}

// Outside its sizes the vector copy declines (memcpy serves them), and raw_copy copies every size the same.
TEST(SimdCopyBytes, DeclinesOtherSizesAndRawCopyCopiesEverySize) {
    std::vector<std::byte> src((std::size_t{1} << 20) + 4096), dst(src.size());
    for (std::size_t i = 0; i < src.size(); ++i) src[i] = static_cast<std::byte>(i % 253);
    EXPECT_FALSE(kernels::simd_copy_bytes(dst.data(), src.data(), kernels::kSimdCopyMinBytes - 1));
    EXPECT_FALSE(kernels::simd_copy_bytes(dst.data(), src.data(), kernels::kSimdCopyMaxBytes + 1));
    for (const std::int64_t items : {std::int64_t{1}, std::int64_t{255}, std::int64_t{256}, std::int64_t{4097},
                                     std::int64_t{131072}, std::int64_t{131073}}) {
        std::fill(dst.begin(), dst.end(), std::byte{0});
        kernels::raw_copy(dst.data() + 8, 8, src.data() + 24, 8, items, 8);
        EXPECT_EQ(std::memcmp(dst.data() + 8, src.data() + 24, static_cast<std::size_t>(items) * 8), 0) << items;
        EXPECT_EQ(dst[7], std::byte{0});
        EXPECT_EQ(dst[8 + static_cast<std::size_t>(items) * 8], std::byte{0}) << items;
    }
}

}  // namespace
}  // namespace ndbridge
