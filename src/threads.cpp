// The copy engine's thread pool: worker threads started once (again only when the thread count changes,
// or in a child after fork, where the parent's workers do not exist), woken for each job, each taking
// one slice of it while the caller takes the first. One job at a time; a second caller runs inline.
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "ndbridge/error.h"
#include "ndbridge/threads.h"
#include "parallel.h"

namespace ndbridge {
namespace {

using Body = std::function<void(std::int64_t, std::int64_t)>;

int machine_threads() noexcept {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return std::min(CPU_COUNT(&set), kMaxThreads);
    return static_cast<int>(std::clamp(std::thread::hardware_concurrency(), 1u, static_cast<unsigned>(kMaxThreads)));
}

int threads_from_environment() {
    const char* text = std::getenv("NDBRIDGE_NUM_THREADS");
    if (text == nullptr || *text == '\0') return machine_threads();
    char* end = nullptr;
    errno = 0;
    const long n = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || n < 1 || n > kMaxThreads)
        fail(ErrorKind::value, "NDBRIDGE_NUM_THREADS='", text, "' is not a thread count (an integer from 1 to ",
             kMaxThreads, ")");
    return static_cast<int>(n);
}

std::atomic<int> g_threads{0};  // 0: not yet read from the environment
std::mutex g_settings_mutex;
std::atomic<int> g_last_copy_threads{1};

// Bytes moved (read + written) per thread below which a copy does not take another thread. Waking a
// worker costs ~10 us, and below the L3 size a second thread measured no faster here (docs/decisions.md).
constexpr std::int64_t kDefaultParallelGrain = std::int64_t{16} << 20;
std::atomic<std::int64_t> g_parallel_grain{kDefaultParallelGrain};

class Pool {
public:
    explicit Pool(int workers) : pid_(::getpid()) {
        threads_.reserve(static_cast<std::size_t>(workers));
        try {
            for (int w = 1; w <= workers; ++w) threads_.emplace_back([this, w] { work(w); });
        } catch (...) {
            stop_and_join();
            throw;
        }
    }
    ~Pool() { stop_and_join(); }
    Pool(const Pool&) = delete;
    Pool& operator=(const Pool&) = delete;

    int workers() const noexcept { return static_cast<int>(threads_.size()); }
    bool forked() const noexcept { return ::getpid() != pid_; }

    // Runs `slices` slices of [0, units): slice 0 here, slice w on worker w.
    void run(std::int64_t units, int slices, const Body& body) {
        {
            std::lock_guard lock(mutex_);
            body_ = &body;
            units_ = units;
            slices_ = slices;
            pending_ = slices - 1;
            errors_.assign(static_cast<std::size_t>(slices), nullptr);
            ++generation_;
        }
        wake_.notify_all();
        run_slice(0);
        std::unique_lock lock(mutex_);
        done_.wait(lock, [this] { return pending_ == 0; });
        body_ = nullptr;
        for (const std::exception_ptr& e : errors_)
            if (e) std::rethrow_exception(e);
    }

private:
    void run_slice(int s) {
        const std::int64_t chunk = units_ / slices_, extra = units_ % slices_;
        const std::int64_t begin = s * chunk + std::min<std::int64_t>(s, extra);
        const std::int64_t end = begin + chunk + (s < extra ? 1 : 0);
        try {
            (*body_)(begin, end);
        } catch (...) {
            errors_[static_cast<std::size_t>(s)] = std::current_exception();  // each slice owns its entry
        }
    }

    void work(int w) {
        std::uint64_t seen = 0;
        std::unique_lock lock(mutex_);
        while (true) {
            wake_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            if (w >= slices_) continue;
            lock.unlock();
            run_slice(w);
            lock.lock();
            if (--pending_ == 0) done_.notify_one();
        }
    }

    void stop_and_join() noexcept {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        wake_.notify_all();
        for (std::thread& t : threads_)
            if (t.joinable()) t.join();
    }

    pid_t pid_;
    std::vector<std::thread> threads_;
    std::mutex mutex_;
    std::condition_variable wake_, done_;
    std::uint64_t generation_ = 0;
    bool stop_ = false;
    const Body* body_ = nullptr;
    std::int64_t units_ = 0;
    int slices_ = 0;
    int pending_ = 0;
    std::vector<std::exception_ptr> errors_;
};

std::mutex g_job_mutex;  // one job at a time; guards g_pool
Pool* g_pool = nullptr;  // never destroyed at exit: idle workers simply end with the process

// The pool with `workers` workers, (re)started when needed; nullptr when threads cannot be started.
Pool* pool_with(int workers) noexcept {
    if (g_pool != nullptr && g_pool->forked()) g_pool = nullptr;  // the parent's workers are not ours: leak them
    if (g_pool != nullptr && g_pool->workers() == workers) return g_pool;
    delete g_pool;
    g_pool = nullptr;
    try {
        g_pool = new Pool(workers);
    } catch (...) {
        g_pool = nullptr;
    }
    return g_pool;
}

}  // namespace

void set_num_threads(int n) {
    if (n < 1 || n > kMaxThreads)
        fail(ErrorKind::value, "set_num_threads: ", n, " is not a thread count (an integer from 1 to ", kMaxThreads,
             ")");
    g_threads.store(n);
}

int get_num_threads() {
    if (const int n = g_threads.load(); n != 0) return n;
    std::lock_guard lock(g_settings_mutex);
    if (g_threads.load() == 0) g_threads.store(threads_from_environment());
    return g_threads.load();
}

namespace detail {

int last_copy_threads() noexcept { return g_last_copy_threads.load(); }
void note_copy_threads(int threads) noexcept { g_last_copy_threads.store(threads); }
void set_parallel_grain(std::int64_t bytes) noexcept {
    g_parallel_grain.store(bytes < 1 ? kDefaultParallelGrain : bytes);
}
std::int64_t parallel_grain() noexcept { return g_parallel_grain.load(); }

int parallel_for(std::int64_t units, int threads, const Body& body) {
    const int slices = static_cast<int>(std::min<std::int64_t>(threads, units));
    if (slices > 1) {
        std::unique_lock job(g_job_mutex, std::try_to_lock);
        if (job.owns_lock()) {
            if (Pool* pool = pool_with(get_num_threads() - 1); pool != nullptr) {
                const int used = std::min(slices, pool->workers() + 1);
                pool->run(units, used, body);
                return used;
            }
        }
    }
    body(0, units);
    return 1;
}

}  // namespace detail
}  // namespace ndbridge
