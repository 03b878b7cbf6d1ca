// Square blocks transposed in registers (SSE2, the x86-64 baseline: no dispatch needed), shared by the copy
// engine's tile gather and the frame writer's row-major output: 16 x 16 bytes, 4 x 4 float32-sized units,
// 2 x 2 float64-sized units. One 16-byte load per source line and one 16-byte store per output row of a
// block, instead of one load and one store per element.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

#if defined(__SSE2__)
#include <emmintrin.h>
#include <xmmintrin.h>
#endif

namespace ndbridge::kernels {

/// Block edge, in units, of the register transposes for a unit size (0: none, or no SSE2).
constexpr std::int64_t transpose_block_edge(std::int64_t item) {
#if defined(__SSE2__)
    return item == 1 ? 16 : item == 4 ? 4 : item == 8 ? 2 : 0;
#else
    (void)item;
    return 0;
#endif
}

#if defined(__SSE2__)
/// A 16-byte store; streamed (non-temporal, `p` 16-byte aligned) when asked: for outputs far larger than
/// the last-level cache an ordinary store first reads the line it overwrites, a third more memory traffic.
template <bool Stream>
inline void put16(std::byte* p, __m128i v) {
    if constexpr (Stream)
        _mm_stream_si128(reinterpret_cast<__m128i*>(p), v);
    else
        _mm_storeu_si128(reinterpret_cast<__m128i*>(p), v);
}

inline __m128i get16(const std::byte* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

// The byte interleaves leave the 16 rows in bit-reversed order: register h holds row kByteRowOrder[h].
inline constexpr std::array<std::uint8_t, 16> kByteRowOrder = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};

/// dst row j, unit k  <-  src line k, unit j, for j < rows and k < cols (multiples of the block edge):
/// source lines `src_pitch` bytes apart, each contiguous; output rows `dst_stride` bytes apart.
template <std::int64_t Item, bool Stream>
void transpose_blocks(std::byte* dst, std::int64_t dst_stride, const std::byte* src, std::int64_t src_pitch,
                      std::int64_t rows, std::int64_t cols) {
    constexpr std::int64_t edge = transpose_block_edge(Item);
    static_assert(edge != 0, "no register transpose for this unit size");
    for (std::int64_t j = 0; j < rows; j += edge)
        for (std::int64_t k = 0; k < cols; k += edge) {
            const std::byte* from = src + k * src_pitch + j * Item;
            std::byte* to = dst + j * dst_stride + k * Item;
            if constexpr (Item == 4) {
                __m128 a = _mm_castsi128_ps(get16(from)), b = _mm_castsi128_ps(get16(from + src_pitch));
                __m128 c = _mm_castsi128_ps(get16(from + 2 * src_pitch));
                __m128 d = _mm_castsi128_ps(get16(from + 3 * src_pitch));
                _MM_TRANSPOSE4_PS(a, b, c, d);
                put16<Stream>(to, _mm_castps_si128(a));
                put16<Stream>(to + dst_stride, _mm_castps_si128(b));
                put16<Stream>(to + 2 * dst_stride, _mm_castps_si128(c));
                put16<Stream>(to + 3 * dst_stride, _mm_castps_si128(d));
            } else if constexpr (Item == 8) {
                const __m128i a = get16(from), b = get16(from + src_pitch);
                put16<Stream>(to, _mm_unpacklo_epi64(a, b));
                put16<Stream>(to + dst_stride, _mm_unpackhi_epi64(a, b));
            } else {
                // Four rounds of interleaving (8-, 16-, 32-, 64-bit units) turn 16 lines into 16 rows.
                __m128i v[16], w[16];
                for (std::size_t q = 0; q < 16; ++q) v[q] = get16(from + static_cast<std::int64_t>(q) * src_pitch);
                for (std::size_t q = 0; q < 8; ++q) {
                    w[2 * q] = _mm_unpacklo_epi8(v[2 * q], v[2 * q + 1]);
                    w[2 * q + 1] = _mm_unpackhi_epi8(v[2 * q], v[2 * q + 1]);
                }
                for (std::size_t q = 0; q < 4; ++q)
                    for (std::size_t h = 0; h < 2; ++h) {
                        v[4 * q + h] = _mm_unpacklo_epi16(w[4 * q + h], w[4 * q + h + 2]);
                        v[4 * q + h + 2] = _mm_unpackhi_epi16(w[4 * q + h], w[4 * q + h + 2]);
                    }
                for (std::size_t q = 0; q < 2; ++q)
                    for (std::size_t h = 0; h < 4; ++h) {
                        w[8 * q + h] = _mm_unpacklo_epi32(v[8 * q + h], v[8 * q + h + 4]);
                        w[8 * q + h + 4] = _mm_unpackhi_epi32(v[8 * q + h], v[8 * q + h + 4]);
                    }
                for (std::size_t h = 0; h < 8; ++h) {
                    v[h] = _mm_unpacklo_epi64(w[h], w[h + 8]);
                    v[h + 8] = _mm_unpackhi_epi64(w[h], w[h + 8]);
                }
                for (std::size_t h = 0; h < 16; ++h)
                    put16<Stream>(to + static_cast<std::int64_t>(kByteRowOrder[h]) * dst_stride, v[h]);
            }
        }
}
#endif

}  // namespace ndbridge::kernels
