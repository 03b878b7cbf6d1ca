// Lookup of the numeric cast loops (bool, integers, floats of every width, complex).
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/dtype_traits.h"
#include "ndbridge/dtype.h"

namespace ndbridge::kernels {

using CastLoop = void (*)(const std::byte*, std::int64_t, std::byte*, std::int64_t, std::int64_t) noexcept;

/// The loop converting native-order `from` elements to native-order `to` elements (a vector loop where
/// there is one and the CPU has it); nullptr when either type is not numeric.
CastLoop numeric_cast_loop(ScalarType from, ScalarType to) noexcept;

/// The portable scalar loop for the pair, whatever the CPU: the reference the vector loops must equal.
CastLoop scalar_cast_loop(ScalarType from, ScalarType to) noexcept;

}  // namespace ndbridge::kernels
