// ndbridge/threads.h — the thread count of the copy engine's pool. Large copies are split across a
// small pool owned by the core (started once, reused); small ones stay on the caller's thread.
#pragma once

#include <cstdint>

namespace ndbridge {

/// The largest thread count set_num_threads accepts.
inline constexpr int kMaxThreads = 1024;

/// Sets how many threads (the caller's included) a large copy may use; 1 keeps every copy on the
/// caller's thread. Error(value) naming `n` unless 1 <= n <= kMaxThreads. Takes effect for the next copy.
void set_num_threads(int n);

/// The current thread count. On first use it is read from the environment variable
/// NDBRIDGE_NUM_THREADS (Error(value) naming its text when that is not an integer in 1..kMaxThreads),
/// else it is the number of CPUs this process may run on.
int get_num_threads();

namespace detail {
/// How many threads the most recent copy_into (on any thread) ran on: for tests, not for control.
int last_copy_threads() noexcept;
/// The bytes (read + written) each thread of a copy must have before a second thread is used; tests set
/// 1 to run small copies threaded, benchmarks vary it. A value < 1 restores the built-in grain.
void set_parallel_grain(std::int64_t bytes) noexcept;
std::int64_t parallel_grain() noexcept;
}  // namespace detail

}  // namespace ndbridge
