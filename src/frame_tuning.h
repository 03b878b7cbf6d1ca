// The row-major frame writer's choice of store (src/frame.cpp), exposed inside the library so that the
// tests can run the streaming and the ordinary writer over the same frames and compare them byte for byte.
#pragma once

#include <atomic>
#include <cstdint>

namespace ndbridge::detail {

/// Outputs (and masks) at least this many bytes long are written with non-temporal stores: far larger
/// than the last-level cache, their lines are not worth reading before being overwritten.
inline constexpr std::int64_t kFrameStreamBytes = std::int64_t{8} << 20;

/// The threshold in use (kFrameStreamBytes unless a test changed it).
std::atomic<std::int64_t>& frame_stream_threshold() noexcept;

}  // namespace ndbridge::detail
