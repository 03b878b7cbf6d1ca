// Vector cast loops (x86-64 AVX2 + F16C + FMA), chosen at run time: the library is built for the baseline
// CPU and uses these loops only where the CPU has the instructions and NDBRIDGE_DISABLE_SIMD is not set.
// Each loop gives the same bits as the scalar loop of the cast table (tests/cpp/test_simd.cpp).
#pragma once

#include <cstddef>

#include "kernels/cast_table.h"

namespace ndbridge::kernels {

/// True when the vector loops are in use: the CPU has AVX2, F16C and FMA, and the environment variable
/// NDBRIDGE_DISABLE_SIMD is unset, empty or "0" (read once, at the first cast).
bool simd_enabled() noexcept;

/// The vector loop for native-order `from` -> `to`, or nullptr when there is none or SIMD is off. The
/// loop takes any strides: runs that are not contiguous and element-aligned go to the scalar loop.
CastLoop simd_cast_loop(ScalarType from, ScalarType to) noexcept;

/// The sizes of a contiguous byte copy that simd_copy_bytes takes. glibc's memcpy moves these with `rep movsb`,
/// which on this project's AMD machines runs 5-40% slower than a vector loop when the destination (a new
/// array, on a 64-byte line) and the source (NumPy's memory, 16 bytes past one) start at different offsets
/// in a cache line, and up to 20 times slower when the destination lies just past the source modulo 4 KiB.
/// Above 1 MiB the two measured alike (docs/decisions.md, "Small conversions").
inline constexpr std::size_t kSimdCopyMinBytes = 2048;
inline constexpr std::size_t kSimdCopyMaxBytes = std::size_t{1} << 20;

/// Copies `bytes` bytes from `src` to `dst` (not overlapping) with the vector loop and returns true, when the
/// vector loops are in use and `bytes` is within [kSimdCopyMinBytes, kSimdCopyMaxBytes]; else false, and the
/// caller copies (memcpy).
bool simd_copy_bytes(std::byte* dst, const std::byte* src, std::size_t bytes) noexcept;

}  // namespace ndbridge::kernels
