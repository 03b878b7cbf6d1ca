// Vector cast loops (x86-64 AVX2 + F16C + FMA), chosen at run time: the library is built for the baseline
// CPU and uses these loops only where the CPU has the instructions and NDBRIDGE_DISABLE_SIMD is not set.
// Each loop gives the same bits as the scalar loop of the cast table (tests/cpp/test_simd.cpp).
#pragma once

#include "kernels/cast_table.h"

namespace ndbridge::kernels {

/// True when the vector loops are in use: the CPU has AVX2, F16C and FMA, and the environment variable
/// NDBRIDGE_DISABLE_SIMD is unset, empty or "0" (read once, at the first cast).
bool simd_enabled() noexcept;

/// The vector loop for native-order `from` -> `to`, or nullptr when there is none or SIMD is off. The
/// loop takes any strides: runs that are not contiguous and element-aligned go to the scalar loop.
CastLoop simd_cast_loop(ScalarType from, ScalarType to) noexcept;

}  // namespace ndbridge::kernels
