// Vector cast loops for x86-64 with AVX2, F16C and FMA, selected at run time (see simd_cast.h).
// Every function that uses those instructions carries a target attribute, so this file compiles with the
// baseline flags and nothing here runs on a CPU without them. Each vector body converts whole blocks;
// the tail, and every run that is strided or not element-aligned, goes to the scalar loop of the table,
// whose results the vector bodies reproduce bit for bit (NaN as the scalar code writes it: the quiet
// NaN with the input's sign, no payload).
#include "kernels/simd_cast.h"

#include <array>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "kernels/cast.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#define NDB_SIMD_X86 1
#include <cpuid.h>
#include <immintrin.h>
#endif

namespace ndbridge::kernels {

#if NDB_SIMD_X86
namespace {

#define NDB_AVX2 __attribute__((target("avx2,f16c,fma")))

// ---------------------------------------------------------------------------------------------- helpers

NDB_AVX2 inline __m256i splat(std::uint32_t v) { return _mm256_set1_epi32(static_cast<int>(v)); }

// The scalar code's NaN for a float32 lane: sign | quiet bit, no payload.
NDB_AVX2 inline __m256 canonical_nan_f32(__m256 x) {
    const __m256 nan = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const __m256 canon = _mm256_castsi256_ps(
        _mm256_or_si256(_mm256_and_si256(_mm256_castps_si256(x), splat(0x80000000u)), splat(0x7fc00000u)));
    return _mm256_blendv_ps(x, canon, nan);
}

// A full-vector store; with Stream, a non-temporal one (the caller aligned the destination to 32 bytes):
// for destinations far larger than the caches, the stores skip reading the lines they overwrite.
template <bool Stream>
NDB_AVX2 inline void put(void* p, __m256 v) {
    if constexpr (Stream)
        _mm256_stream_ps(static_cast<float*>(p), v);
    else
        _mm256_storeu_ps(static_cast<float*>(p), v);
}
template <bool Stream>
NDB_AVX2 inline void put(void* p, __m256d v) {
    if constexpr (Stream)
        _mm256_stream_pd(static_cast<double*>(p), v);
    else
        _mm256_storeu_pd(static_cast<double*>(p), v);
}
template <bool Stream>
NDB_AVX2 inline void put(void* p, __m256i v) {
    if constexpr (Stream)
        _mm256_stream_si256(static_cast<__m256i*>(p), v);
    else
        _mm256_storeu_si256(static_cast<__m256i*>(p), v);
}
template <bool Stream>
NDB_AVX2 inline void put(void* p, __m128i v) {
    if constexpr (Stream)
        _mm_stream_si128(static_cast<__m128i*>(p), v);
    else
        _mm_storeu_si128(static_cast<__m128i*>(p), v);
}
template <bool Stream>
NDB_AVX2 inline void put(void* p, __m128 v) {
    if constexpr (Stream)
        _mm_stream_ps(static_cast<float*>(p), v);
    else
        _mm_storeu_ps(static_cast<float*>(p), v);
}

// Low bytes of eight 32-bit lanes, in order, as 8 bytes.
NDB_AVX2 inline void store_low_bytes(std::uint8_t* d, __m256i v) {
    const __m256i pick = _mm256_setr_epi8(0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,  //
                                          0, 4, 8, 12, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1);
    const __m256i packed =
        _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(v, pick), _mm256_setr_epi32(0, 4, 1, 1, 1, 1, 1, 1));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(d), _mm256_castsi256_si128(packed));
}

// Low 16 bits of sixteen 32-bit lanes (a: elements 0-7, b: 8-15), in order. Values are 0..0xffff.
template <bool Stream>
NDB_AVX2 inline void store_low_halves(std::uint16_t* d, __m256i a, __m256i b) {
    put<Stream>(d, _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8));
}

// One lane mask per element of 8 float32 lanes, narrowed to 8 16-bit lanes.
NDB_AVX2 inline __m128i mask_to_16(__m256 m) {
    const __m256i mi = _mm256_castps_si256(m);
    return _mm_packs_epi32(_mm256_castsi256_si128(mi), _mm256_extracti128_si256(mi, 1));
}

// ---------------------------------------------------------------------------------------------- float16

// float32 -> float16, round-to-nearest-even by F16C; NaN lanes become sign | 0x7e00.
NDB_AVX2 inline __m128i f32_to_f16(__m256 x) {
    const __m128i h = _mm256_cvtps_ph(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m128i canon =
        _mm_or_si128(_mm_and_si128(h, _mm_set1_epi16(static_cast<short>(0x8000))), _mm_set1_epi16(0x7e00));
    return _mm_blendv_epi8(h, canon, mask_to_16(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
}

NDB_AVX2 inline __m256 f16_to_f32(const std::uint16_t* s) {
    return canonical_nan_f32(_mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s))));
}

// Four doubles to float32 rounded to odd: the nearest-even result, moved one step toward zero when it
// rounded away, then given a set last bit when inexact. A double rounded this way to 24 bits and then to
// float16's 11 bits rounds exactly as a direct double -> float16 rounding (24 >= 11 + 2).
NDB_AVX2 inline __m128i f64_to_f32_odd(__m256d x) {
    const __m128 f = _mm256_cvtpd_ps(x);
    const __m256d back = _mm256_cvtps_pd(f);
    const __m256d abs_mask = _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffff));
    const __m256d inexact = _mm256_cmp_pd(back, x, _CMP_NEQ_OQ);
    const __m256d away = _mm256_cmp_pd(_mm256_and_pd(back, abs_mask), _mm256_and_pd(x, abs_mask), _CMP_GT_OQ);
    const __m256i to32 = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    const __m128i inexact32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(inexact), to32));
    const __m128i away32 = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(_mm256_castpd_si256(away), to32));
    const __m128i bits = _mm_add_epi32(_mm_castps_si128(f), away32);  // away lanes are -1: one step toward zero
    return _mm_or_si128(bits, _mm_and_si128(inexact32, _mm_set1_epi32(1)));
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_f32_to_f16(const std::byte* src, std::byte* dst, std::int64_t n) {
    const float* s = reinterpret_cast<const float*>(src);
    std::uint16_t* d = reinterpret_cast<std::uint16_t*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) put<Stream>(d + i, f32_to_f16(_mm256_loadu_ps(s + i)));
    return i;
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_f64_to_f16(const std::byte* src, std::byte* dst, std::int64_t n) {
    const double* s = reinterpret_cast<const double*>(src);
    std::uint16_t* d = reinterpret_cast<std::uint16_t*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i odd =
            _mm256_set_m128i(f64_to_f32_odd(_mm256_loadu_pd(s + i + 4)), f64_to_f32_odd(_mm256_loadu_pd(s + i)));
        put<Stream>(d + i, f32_to_f16(_mm256_castsi256_ps(odd)));
    }
    return i;
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_f16_to_f32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const std::uint16_t* s = reinterpret_cast<const std::uint16_t*>(src);
    float* d = reinterpret_cast<float*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) put<Stream>(d + i, f16_to_f32(s + i));
    return i;
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_f16_to_f64(const std::byte* src, std::byte* dst, std::int64_t n) {
    const std::uint16_t* s = reinterpret_cast<const std::uint16_t*>(src);
    double* d = reinterpret_cast<double*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 f = f16_to_f32(s + i);
        put<Stream>(d + i, _mm256_cvtps_pd(_mm256_castps256_ps128(f)));
        put<Stream>(d + i + 4, _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)));
    }
    return i;
}

// ---------------------------------------------------------------------------------------------- bfloat16

// float32 -> bfloat16 in 32-bit lanes: add half an ulp (minus one on an even result) and cut; overflow
// carries into the infinity pattern by itself. NaN lanes become sign | 0x7fc0.
NDB_AVX2 inline __m256i f32_to_bf16(__m256 x) {
    const __m256i b = _mm256_castps_si256(x);
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(b, 16), splat(1));
    const __m256i rounded = _mm256_srli_epi32(_mm256_add_epi32(_mm256_add_epi32(b, splat(0x7fff)), lsb), 16);
    const __m256i canon = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(b, 16), splat(0x8000)), splat(0x7fc0));
    return _mm256_blendv_epi8(rounded, canon, _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)));
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_f32_to_bf16(const std::byte* src, std::byte* dst, std::int64_t n) {
    const float* s = reinterpret_cast<const float*>(src);
    std::uint16_t* d = reinterpret_cast<std::uint16_t*>(dst);
    std::int64_t i = 0;
    for (; i + 16 <= n; i += 16)
        store_low_halves<Stream>(d + i, f32_to_bf16(_mm256_loadu_ps(s + i)), f32_to_bf16(_mm256_loadu_ps(s + i + 8)));
    return i;
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_bf16_to_f32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const std::uint16_t* s = reinterpret_cast<const std::uint16_t*>(src);
    float* d = reinterpret_cast<float*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i w = _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i)));
        put<Stream>(d + i, canonical_nan_f32(_mm256_castsi256_ps(_mm256_slli_epi32(w, 16))));
    }
    return i;
}

// ---------------------------------------------------------------------------------------------- float8

// float32 -> an 8-bit float with E exponent and M mantissa bits, as NarrowFloat<E, M, IEEE>::encode:
// normals round by integer addition on the float32 bits; results below the normal range round by one
// float addition of a constant whose ulp is the format's subnormal spacing (the hardware rounds to even).
template <int E, int M, bool IEEE>
NDB_AVX2 inline __m256i f32_to_f8(__m256 x) {
    using F = NarrowFloat<E, M, IEEE>;
    constexpr int kShift = 23 - M;
    constexpr std::uint32_t kRebias = static_cast<std::uint32_t>(127 - F::kBias) << M;
    constexpr std::uint32_t kMinNormal = static_cast<std::uint32_t>(127 - F::kBias + 1) << 23;
    constexpr std::uint32_t kMagic = static_cast<std::uint32_t>(127 - F::kBias + kShift + 1) << 23;
    const __m256i b = _mm256_castps_si256(x);
    const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(b, 24), splat(0x80));
    const __m256i mag = _mm256_and_si256(b, splat(0x7fffffff));
    const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(mag, kShift), splat(1));
    const __m256i rounded = _mm256_add_epi32(_mm256_add_epi32(mag, splat((1u << (kShift - 1)) - 1)), lsb);
    const __m256i normal = _mm256_sub_epi32(_mm256_srli_epi32(rounded, kShift), splat(kRebias));
    const __m256 magic = _mm256_castsi256_ps(splat(kMagic));
    const __m256i sub =
        _mm256_sub_epi32(_mm256_castps_si256(_mm256_add_ps(_mm256_castsi256_ps(mag), magic)), splat(kMagic));
    __m256i code = _mm256_blendv_epi8(normal, sub, _mm256_cmpgt_epi32(splat(kMinNormal), mag));
    const std::uint32_t overflow = IEEE ? F::kInf : F::kNaN;
    code = _mm256_blendv_epi8(code, splat(overflow), _mm256_cmpgt_epi32(code, splat(F::kMaxFinite)));
    code = _mm256_blendv_epi8(code, splat(F::kNaN), _mm256_cmpgt_epi32(mag, splat(0x7f800000)));
    return _mm256_or_si256(code, sign);
}

// An 8-bit float -> float32: the bits moved into float32 position and scaled by 2**(127 - bias), which is
// exact for normals and subnormals alike; the inf/NaN patterns are set apart.
template <int E, int M, bool IEEE>
NDB_AVX2 inline __m256 f8_to_f32(const std::uint8_t* s) {
    using F = NarrowFloat<E, M, IEEE>;
    const __m256i x = _mm256_cvtepu8_epi32(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(s)));
    const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(x, splat(0x80)), 24);
    const __m256i mag = _mm256_and_si256(x, splat(0x7f));
    const __m256 scale = _mm256_castsi256_ps(splat(static_cast<std::uint32_t>(127 + 127 - F::kBias) << 23));
    __m256i v = _mm256_castps_si256(_mm256_mul_ps(_mm256_castsi256_ps(_mm256_slli_epi32(mag, 23 - M)), scale));
    if constexpr (IEEE) {
        v = _mm256_blendv_epi8(v, splat(0x7fc00000u), _mm256_cmpgt_epi32(mag, splat(F::kInf)));
        v = _mm256_blendv_epi8(v, splat(0x7f800000u), _mm256_cmpeq_epi32(mag, splat(F::kInf)));
    } else {
        v = _mm256_blendv_epi8(v, splat(0x7fc00000u), _mm256_cmpeq_epi32(mag, splat(F::kNaN)));
    }
    return _mm256_castsi256_ps(_mm256_or_si256(v, sign));
}

template <int E, int M, bool IEEE>
NDB_AVX2 std::int64_t vec_f32_to_f8(const std::byte* src, std::byte* dst, std::int64_t n) {
    const float* s = reinterpret_cast<const float*>(src);
    std::uint8_t* d = reinterpret_cast<std::uint8_t*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) store_low_bytes(d + i, f32_to_f8<E, M, IEEE>(_mm256_loadu_ps(s + i)));
    return i;
}

template <int E, int M, bool IEEE>
NDB_AVX2 std::int64_t vec_f8_to_f32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const std::uint8_t* s = reinterpret_cast<const std::uint8_t*>(src);
    float* d = reinterpret_cast<float*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) _mm256_storeu_ps(d + i, f8_to_f32<E, M, IEEE>(s + i));
    return i;
}

// ---------------------------------------------------------------------------------------------- wide types

template <bool Stream>
NDB_AVX2 std::int64_t vec_f64_to_f32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const double* s = reinterpret_cast<const double*>(src);
    float* d = reinterpret_cast<float*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        put<Stream>(d + i, _mm256_cvtpd_ps(_mm256_loadu_pd(s + i)));
        put<Stream>(d + i + 4, _mm256_cvtpd_ps(_mm256_loadu_pd(s + i + 4)));
    }
    return i;
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_f32_to_f64(const std::byte* src, std::byte* dst, std::int64_t n) {
    const float* s = reinterpret_cast<const float*>(src);
    double* d = reinterpret_cast<double*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        put<Stream>(d + i, _mm256_cvtps_pd(_mm_loadu_ps(s + i)));
        put<Stream>(d + i + 4, _mm256_cvtps_pd(_mm_loadu_ps(s + i + 4)));
    }
    return i;
}

// Eight integers of a narrow type widened to int32 lanes.
template <class I>
NDB_AVX2 inline __m256i widen_to_i32(const I* s) {
    if constexpr (sizeof(I) == 1) {
        const __m128i v = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(s));
        return std::is_signed_v<I> ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v);
    } else if constexpr (sizeof(I) == 2) {
        const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s));
        return std::is_signed_v<I> ? _mm256_cvtepi16_epi32(v) : _mm256_cvtepu16_epi32(v);
    } else {
        return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s));
    }
}

// The low eight one-byte integers of `v` as float32 lanes.
template <class I>
NDB_AVX2 inline __m256 low_bytes_to_f32(__m128i v) {
    return _mm256_cvtepi32_ps(std::is_signed_v<I> ? _mm256_cvtepi8_epi32(v) : _mm256_cvtepu8_epi32(v));
}

// Integers of at most 32 bits (int32 included, unsigned only up to 16) -> float32: exact below 2**24,
// rounded to nearest even above, as the scalar conversion. One-byte integers go 32 at a time from one
// 32-byte load: with an 8-byte load per 32-byte store, the u8 -> f32 loop of a 1 MiB source measured 85 us
// at best but 121-192 us on average over runs of 300 copies in C on this machine, against 72-73 us and
// 86-113 us with four stores per load.
template <class I, bool Stream>
NDB_AVX2 std::int64_t vec_int_to_f32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const I* s = reinterpret_cast<const I*>(src);
    float* d = reinterpret_cast<float*>(dst);
    std::int64_t i = 0;
    if constexpr (sizeof(I) == 1) {
        for (; i + 32 <= n; i += 32) {
            const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i));
            const __m128i lo = _mm256_castsi256_si128(v), hi = _mm256_extracti128_si256(v, 1);
            put<Stream>(d + i, low_bytes_to_f32<I>(lo));
            put<Stream>(d + i + 8, low_bytes_to_f32<I>(_mm_srli_si128(lo, 8)));
            put<Stream>(d + i + 16, low_bytes_to_f32<I>(hi));
            put<Stream>(d + i + 24, low_bytes_to_f32<I>(_mm_srli_si128(hi, 8)));
        }
    }
    for (; i + 8 <= n; i += 8) put<Stream>(d + i, _mm256_cvtepi32_ps(widen_to_i32(s + i)));
    return i;
}

template <class I, bool Stream>
NDB_AVX2 std::int64_t vec_int_to_f64(const std::byte* src, std::byte* dst, std::int64_t n) {
    const I* s = reinterpret_cast<const I*>(src);
    double* d = reinterpret_cast<double*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256i w = widen_to_i32(s + i);
        put<Stream>(d + i, _mm256_cvtepi32_pd(_mm256_castsi256_si128(w)));
        put<Stream>(d + i + 4, _mm256_cvtepi32_pd(_mm256_extracti128_si256(w, 1)));
    }
    return i;
}

// int64 -> float64 rounded once: the high half (offset by 2**63) and the low half are placed exactly in
// the mantissas of two doubles; their difference-and-sum is the one rounding.
NDB_AVX2 inline __m256d i64_to_f64(__m256i v) {
    const __m256i exp_lo = _mm256_set1_epi64x(0x4330000000000000);  // 2**52
    const __m256i exp_hi = _mm256_set1_epi64x(0x4530000080000000);  // 2**84 + 2**63, sign bit of the high half flipped
    const __m256d offset = _mm256_castsi256_pd(_mm256_set1_epi64x(0x4530000080100000));  // 2**84 + 2**63 + 2**52
    const __m256i lo = _mm256_blend_epi32(exp_lo, v, 0x55);                              // 2**52 + low 32 bits
    const __m256i hi = _mm256_xor_si256(_mm256_srli_epi64(v, 32), exp_hi);  // 2**84 + (high + 2**31) * 2**32
    const __m256d high = _mm256_sub_pd(_mm256_castsi256_pd(hi), offset);    // exact
    return _mm256_add_pd(high, _mm256_castsi256_pd(lo));
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_i64_to_f64(const std::byte* src, std::byte* dst, std::int64_t n) {
    const std::int64_t* s = reinterpret_cast<const std::int64_t*>(src);
    double* d = reinterpret_cast<double*>(dst);
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4)
        put<Stream>(d + i, i64_to_f64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + i))));
    return i;
}

// int64 -> float32 rounded once. Through float64 that is exact while |x| < 2**53: then the only rounding
// is float64 -> float32. Rounding is monotonic and 2**53 is a double, so |double(x)| < 2**53 proves
// |x| < 2**53; any lane at or beyond it (where two roundings could differ from one) sends its four
// elements to the scalar conversion.
NDB_AVX2 inline __m128 i64_to_f32(const std::int64_t* s) {
    const __m256d x = i64_to_f64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(s)));
    const __m256d abs_x = _mm256_and_pd(x, _mm256_castsi256_pd(_mm256_set1_epi64x(0x7fffffffffffffff)));
    if (_mm256_movemask_pd(_mm256_cmp_pd(abs_x, _mm256_set1_pd(9007199254740992.0), _CMP_GE_OQ)) == 0)
        return _mm256_cvtpd_ps(x);
    return _mm_setr_ps(static_cast<float>(s[0]), static_cast<float>(s[1]), static_cast<float>(s[2]),
                       static_cast<float>(s[3]));
}

template <bool Stream>
NDB_AVX2 std::int64_t vec_i64_to_f32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const std::int64_t* s = reinterpret_cast<const std::int64_t*>(src);
    float* d = reinterpret_cast<float*>(dst);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) put<Stream>(d + i, _mm256_set_m128(i64_to_f32(s + i + 4), i64_to_f32(s + i)));
    return i;
}

// float -> int32 truncating, with the scalar code's saturation (NaN -> 0, too large -> INT32_MAX; too
// small already gives INT32_MIN, the instruction's out-of-range answer).
NDB_AVX2 inline __m256i saturate_i32(__m256i t, __m256i nan, __m256i too_large) {
    t = _mm256_blendv_epi8(t, splat(0x7fffffffu), too_large);
    return _mm256_andnot_si256(nan, t);
}

NDB_AVX2 std::int64_t vec_f32_to_i32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const float* s = reinterpret_cast<const float*>(src);
    std::int32_t* d = reinterpret_cast<std::int32_t*>(dst);
    const __m256 limit = _mm256_set1_ps(2147483648.0f);
    std::int64_t i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 x = _mm256_loadu_ps(s + i);
        const __m256i t = saturate_i32(_mm256_cvttps_epi32(x), _mm256_castps_si256(_mm256_cmp_ps(x, x, _CMP_UNORD_Q)),
                                       _mm256_castps_si256(_mm256_cmp_ps(x, limit, _CMP_GE_OQ)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + i), t);
    }
    return i;
}

NDB_AVX2 std::int64_t vec_f64_to_i32(const std::byte* src, std::byte* dst, std::int64_t n) {
    const double* s = reinterpret_cast<const double*>(src);
    std::int32_t* d = reinterpret_cast<std::int32_t*>(dst);
    const __m256d limit = _mm256_set1_pd(2147483648.0);
    const __m256i to32 = _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6);
    std::int64_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const __m256d x = _mm256_loadu_pd(s + i);
        const __m256i nan64 = _mm256_castpd_si256(_mm256_cmp_pd(x, x, _CMP_UNORD_Q));
        const __m256i big64 = _mm256_castpd_si256(_mm256_cmp_pd(x, limit, _CMP_GE_OQ));
        const __m128i nan = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(nan64, to32));
        const __m128i big = _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(big64, to32));
        const __m128i t =
            _mm_andnot_si128(nan, _mm_blendv_epi8(_mm256_cvttpd_epi32(x), _mm_set1_epi32(0x7fffffff), big));
        _mm_storeu_si128(reinterpret_cast<__m128i*>(d + i), t);
    }
    return i;
}

// ---------------------------------------------------------------------------------------------- table

using VectorBody = std::int64_t (*)(const std::byte*, std::byte*, std::int64_t);

// Destination runs at least this long are written with non-temporal stores: they are larger than the
// caches, so reading their lines before overwriting them only costs bandwidth (about a third more).
constexpr std::int64_t kStreamBytes = 8 << 20;

// The loop the table holds: contiguous element-aligned runs go to the vector body (the streaming one for
// long runs, after a scalar head that aligns the destination to 32 bytes), the rest of the run (its
// tail) and every other run to the scalar loop.
template <ScalarType From, ScalarType To, VectorBody Body, VectorBody Streaming = nullptr>
void vector_loop(const std::byte* src, std::int64_t src_stride, std::byte* dst, std::int64_t dst_stride,
                 std::int64_t n) noexcept {
    using S = storage_t<From>;
    using D = storage_t<To>;
    constexpr auto ss = static_cast<std::int64_t>(sizeof(S)), ds = static_cast<std::int64_t>(sizeof(D));
    std::int64_t done = 0;
    if (src_stride == ss && dst_stride == ds && reinterpret_cast<std::uintptr_t>(src) % alignof(S) == 0 &&
        reinterpret_cast<std::uintptr_t>(dst) % alignof(D) == 0) {
        if constexpr (Streaming != nullptr) {
            if (n * ds >= kStreamBytes) {
                const auto misaligned = static_cast<std::int64_t>(reinterpret_cast<std::uintptr_t>(dst) % 32);
                const std::int64_t head = misaligned == 0 ? 0 : (32 - misaligned) / ds;
                cast_loop<D, S>(src, ss, dst, ds, head);
                done = head + Streaming(src + head * ss, dst + head * ds, n - head);
                _mm_sfence();  // the streamed stores are visible before the caller goes on
            } else {
                done = Body(src, dst, n);
            }
        } else {
            done = Body(src, dst, n);
        }
    }
    cast_loop<D, S>(src + done * src_stride, src_stride, dst + done * dst_stride, dst_stride, n - done);
}

struct Entry {
    ScalarType from, to;
    CastLoop loop;
};

using T = ScalarType;
constexpr Entry kEntries[] = {
    {T::float32, T::float16, &vector_loop<T::float32, T::float16, vec_f32_to_f16<false>, vec_f32_to_f16<true>>},
    {T::float64, T::float16, &vector_loop<T::float64, T::float16, vec_f64_to_f16<false>, vec_f64_to_f16<true>>},
    {T::float16, T::float32, &vector_loop<T::float16, T::float32, vec_f16_to_f32<false>, vec_f16_to_f32<true>>},
    {T::float16, T::float64, &vector_loop<T::float16, T::float64, vec_f16_to_f64<false>, vec_f16_to_f64<true>>},
    {T::float32, T::bfloat16, &vector_loop<T::float32, T::bfloat16, vec_f32_to_bf16<false>, vec_f32_to_bf16<true>>},
    {T::bfloat16, T::float32, &vector_loop<T::bfloat16, T::float32, vec_bf16_to_f32<false>, vec_bf16_to_f32<true>>},
    {T::float32, T::float8_e4m3fn, &vector_loop<T::float32, T::float8_e4m3fn, vec_f32_to_f8<4, 3, false>>},
    {T::float32, T::float8_e5m2, &vector_loop<T::float32, T::float8_e5m2, vec_f32_to_f8<5, 2, true>>},
    {T::float8_e4m3fn, T::float32, &vector_loop<T::float8_e4m3fn, T::float32, vec_f8_to_f32<4, 3, false>>},
    {T::float8_e5m2, T::float32, &vector_loop<T::float8_e5m2, T::float32, vec_f8_to_f32<5, 2, true>>},
    {T::float64, T::float32, &vector_loop<T::float64, T::float32, vec_f64_to_f32<false>, vec_f64_to_f32<true>>},
    {T::float32, T::float64, &vector_loop<T::float32, T::float64, vec_f32_to_f64<false>, vec_f32_to_f64<true>>},
    {T::uint8, T::float32,
     &vector_loop<T::uint8, T::float32, vec_int_to_f32<std::uint8_t, false>, vec_int_to_f32<std::uint8_t, true>>},
    {T::int8, T::float32,
     &vector_loop<T::int8, T::float32, vec_int_to_f32<std::int8_t, false>, vec_int_to_f32<std::int8_t, true>>},
    {T::uint16, T::float32,
     &vector_loop<T::uint16, T::float32, vec_int_to_f32<std::uint16_t, false>, vec_int_to_f32<std::uint16_t, true>>},
    {T::int16, T::float32,
     &vector_loop<T::int16, T::float32, vec_int_to_f32<std::int16_t, false>, vec_int_to_f32<std::int16_t, true>>},
    {T::int32, T::float32,
     &vector_loop<T::int32, T::float32, vec_int_to_f32<std::int32_t, false>, vec_int_to_f32<std::int32_t, true>>},
    {T::uint8, T::float64,
     &vector_loop<T::uint8, T::float64, vec_int_to_f64<std::uint8_t, false>, vec_int_to_f64<std::uint8_t, true>>},
    {T::int32, T::float64,
     &vector_loop<T::int32, T::float64, vec_int_to_f64<std::int32_t, false>, vec_int_to_f64<std::int32_t, true>>},
    {T::int64, T::float64, &vector_loop<T::int64, T::float64, vec_i64_to_f64<false>, vec_i64_to_f64<true>>},
    {T::int64, T::float32, &vector_loop<T::int64, T::float32, vec_i64_to_f32<false>, vec_i64_to_f32<true>>},
    {T::float32, T::int32, &vector_loop<T::float32, T::int32, vec_f32_to_i32>},
    {T::float64, T::int32, &vector_loop<T::float64, T::int32, vec_f64_to_i32>},
};

// ---------------------------------------------------------------------------------------------- byte copies

// A contiguous copy of `n` >= 64 bytes: unaligned 32-byte loads, stores aligned to 32 bytes in the body, the
// unaligned first and last 32 bytes stored whole (they overlap the body, with the same values).
//
// The direction follows the two addresses modulo 4 KiB. A load whose address matches a recent store's in its
// low 12 bits can wait for that store, so a forward copy whose destination lies just past its source modulo
// 4 KiB (a new array allocated right after its source: 48 or 80 bytes past it here) measured 1.1-1.3 times
// slower than the same copy run backward, at 64 and 256 KiB. At other placements backward was no faster,
// and up to 1.3 times slower where the source lies just past the destination: only the near ones turn.
NDB_AVX2 void copy_bytes_avx2(std::byte* d, const std::byte* s, std::size_t n) noexcept {
    const __m256i first = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s));
    const __m256i last = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + n - 32));
    const std::uintptr_t delta = (reinterpret_cast<std::uintptr_t>(d) - reinterpret_cast<std::uintptr_t>(s)) & 4095;
    if (delta != 0 && delta < 256) {
        // Backward, from the last 32-byte boundary of the destination down.
        std::size_t j = n - ((reinterpret_cast<std::uintptr_t>(d) + n) & 31);
        for (; j >= 128; j -= 128) {
            const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + j - 32));
            const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + j - 64));
            const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + j - 96));
            const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + j - 128));
            _mm256_store_si256(reinterpret_cast<__m256i*>(d + j - 32), a);
            _mm256_store_si256(reinterpret_cast<__m256i*>(d + j - 64), b);
            _mm256_store_si256(reinterpret_cast<__m256i*>(d + j - 96), c);
            _mm256_store_si256(reinterpret_cast<__m256i*>(d + j - 128), e);
        }
        for (; j >= 32; j -= 32)
            _mm256_store_si256(reinterpret_cast<__m256i*>(d + j - 32),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(s + j - 32)));
    } else {
        const std::size_t head = 32 - (reinterpret_cast<std::uintptr_t>(d) & 31);
        std::byte* dst = d + head;
        const std::byte* src = s + head;
        const std::size_t body = n - head;  // at least 32: the last partial vector is `last`
        std::size_t i = 0;
        for (; i + 128 <= body; i += 128) {
            const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i));
            const __m256i b = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 32));
            const __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 64));
            const __m256i e = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i + 96));
            _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i), a);
            _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i + 32), b);
            _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i + 64), c);
            _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i + 96), e);
        }
        for (; i + 32 <= body; i += 32)
            _mm256_store_si256(reinterpret_cast<__m256i*>(dst + i),
                               _mm256_loadu_si256(reinterpret_cast<const __m256i*>(src + i)));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d), first);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(d + n - 32), last);
}

using Table = std::array<std::array<CastLoop, kNumericTypeCount>, kNumericTypeCount>;

constexpr Table make_table() {
    Table t{};
    for (const Entry& e : kEntries) t[static_cast<std::size_t>(e.from)][static_cast<std::size_t>(e.to)] = e.loop;
    return t;
}

constexpr Table kTable = make_table();

}  // namespace

bool simd_enabled() noexcept {
    static const bool enabled = [] {
        const char* off = std::getenv("NDBRIDGE_DISABLE_SIMD");
        if (off != nullptr && *off != '\0' && std::string_view(off) != "0") return false;
        __builtin_cpu_init();
        // AVX2 through the compiler (which also checks that the OS saves the YMM registers); F16C and
        // FMA from CPUID leaf 1, ECX bits 29 and 12, since not every compiler names them for the builtin.
        unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
        if (__get_cpuid(1, &eax, &ebx, &ecx, &edx) == 0) return false;
        const bool f16c = (ecx & (1u << 29)) != 0, fma = (ecx & (1u << 12)) != 0;
        return __builtin_cpu_supports("avx2") && f16c && fma;
    }();
    return enabled;
}

CastLoop simd_cast_loop(ScalarType from, ScalarType to) noexcept {
    const auto s = static_cast<std::size_t>(from);
    const auto d = static_cast<std::size_t>(to);
    if (s >= kNumericTypeCount || d >= kNumericTypeCount || !simd_enabled()) return nullptr;
    return kTable[s][d];
}

bool simd_copy_bytes(std::byte* dst, const std::byte* src, std::size_t bytes) noexcept {
    if (bytes < kSimdCopyMinBytes || bytes > kSimdCopyMaxBytes || !simd_enabled()) return false;
    copy_bytes_avx2(dst, src, bytes);
    return true;
}

#else  // no vector loops for this target: the scalar table serves every cast

bool simd_enabled() noexcept { return false; }
CastLoop simd_cast_loop(ScalarType, ScalarType) noexcept { return nullptr; }
bool simd_copy_bytes(std::byte*, const std::byte*, std::size_t) noexcept { return false; }

#endif

}  // namespace ndbridge::kernels
