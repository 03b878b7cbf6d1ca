// The core's thread pool, seen from the kernels: split a range of work units over the pool's threads.
// Private to the core; the thread count is set through ndbridge/threads.h.
#pragma once

#include <cstdint>
#include <functional>

namespace ndbridge::detail {

/// Calls body(begin, end) over consecutive slices of [0, units) on up to `threads` threads (the caller
/// runs the first slice) and returns when all are done. An exception from any slice is rethrown here
/// (the one of the lowest slice when several throw), after every slice has finished. When the pool is
/// busy with another caller's job, everything runs on the caller's thread. Returns the threads used.
int parallel_for(std::int64_t units, int threads, const std::function<void(std::int64_t, std::int64_t)>& body);

/// Records the thread count of the last copy (detail::last_copy_threads).
void note_copy_threads(int threads) noexcept;

}  // namespace ndbridge::detail
