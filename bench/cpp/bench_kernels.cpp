// Microbenchmarks of the core kernels: copy, the casts of the speed table, transposes, each from 4 KiB to
// 256 MiB of source, in GB/s (bytes read + written) and elements/s; beside them the roofline of this
// machine, memcpy on one thread and a copy split over two threads, so every kernel reads as a fraction.
// Destinations are allocated and touched before timing: these numbers are the kernels' own speed.
#include <benchmark/benchmark.h>

#include <cstring>
#include <thread>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/copy.h"
#include "ndbridge/dtype.h"

namespace {

using ndbridge::Array;
using ndbridge::DType;
using ndbridge::ScalarType;

constexpr std::int64_t kMinBytes = 4 << 10;
constexpr std::int64_t kMaxBytes = 256 << 20;

void report(benchmark::State& state, std::int64_t elements, std::int64_t bytes_moved) {
    state.SetItemsProcessed(state.iterations() * elements);
    state.SetBytesProcessed(state.iterations() * bytes_moved);
}

// One thread: the bandwidth ceiling of a single core for read + write.
// Source and destination in one block, half a page apart: two separate page-aligned blocks would put
// every load at the same offset in its page as the store before it (4K aliasing), which slows memcpy
// far below this machine's bandwidth at some sizes.
struct Buffers {
    std::vector<char> block;
    char* src;
    char* dst;
    explicit Buffers(std::size_t n) : block(2 * n + 2048, 1), src(block.data()), dst(block.data() + n + 2048) {}
};

void BM_memcpy(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    Buffers b(n);
    for (auto _ : state) {
        std::memcpy(b.dst, b.src, n);
        benchmark::DoNotOptimize(b.dst);
        benchmark::ClobberMemory();
    }
    report(state, static_cast<std::int64_t>(n), 2 * static_cast<std::int64_t>(n));
}

// Two threads, each copying half (threads started per iteration, as a pool would not: an upper bound
// only at the large sizes, where the start-up cost is noise).
void BM_memcpy_2threads(benchmark::State& state) {
    const auto n = static_cast<std::size_t>(state.range(0));
    Buffers b(n);
    for (auto _ : state) {
        std::thread other([&] { std::memcpy(b.dst + n / 2, b.src + n / 2, n - n / 2); });
        std::memcpy(b.dst, b.src, n / 2);
        other.join();
        benchmark::ClobberMemory();
    }
    report(state, static_cast<std::int64_t>(n), 2 * static_cast<std::int64_t>(n));
}

// copy_into from a source of `from` to a destination of `to`, 1-d, contiguous, warm pages.
void BM_cast(benchmark::State& state, ScalarType from, ScalarType to) {
    const std::int64_t n = state.range(0) / DType(from).itemsize();
    const std::int64_t shape[] = {n};
    Array src = Array::zeros(from, shape);
    Array dst = Array::zeros(to, shape);
    for (auto _ : state) {
        ndbridge::copy_into(dst, src);
        benchmark::ClobberMemory();
    }
    report(state, n, n * (DType(from).itemsize() + DType(to).itemsize()));
}

// astype into a new array, as a conversion from Python makes it: allocation, plan and cast. At small
// sizes this is the core's share of the per-call cost.
void BM_astype_fresh(benchmark::State& state, ScalarType from, ScalarType to) {
    const std::int64_t n = state.range(0) / DType(from).itemsize();
    const std::int64_t shape[] = {n};
    Array src = Array::zeros(from, shape);
    for (auto _ : state) {
        Array out = ndbridge::astype(src, DType(to));
        benchmark::DoNotOptimize(out.data());
    }
    report(state, n, n * (DType(from).itemsize() + DType(to).itemsize()));
}

// A C-order copy of a transposed square matrix (asarray(a.T, order="C")).
void BM_transpose(benchmark::State& state, ScalarType type) {
    const std::int64_t item = DType(type).itemsize();
    std::int64_t side = 1;
    while ((side + 1) * (side + 1) * item <= state.range(0)) ++side;
    const std::int64_t shape[] = {side, side};
    Array src = Array::zeros(type, shape);
    Array dst = Array::zeros(type, shape);
    const Array t = src.transpose();
    for (auto _ : state) {
        ndbridge::copy_into(dst, t);
        benchmark::ClobberMemory();
    }
    state.SetLabel(std::to_string(side) + "^2");
    report(state, side * side, 2 * side * side * item);
}

void sizes(benchmark::internal::Benchmark* b) {
    b->RangeMultiplier(4)->Range(kMinBytes, kMaxBytes)->Unit(benchmark::kMicrosecond);
}

}  // namespace

BENCHMARK(BM_memcpy)->Apply(sizes);
BENCHMARK(BM_memcpy_2threads)->Apply(sizes)->UseRealTime();
BENCHMARK_CAPTURE(BM_cast, copy_f64, ScalarType::float64, ScalarType::float64)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, f64_to_f32, ScalarType::float64, ScalarType::float32)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, u8_to_f32, ScalarType::uint8, ScalarType::float32)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, f32_to_f16, ScalarType::float32, ScalarType::float16)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, f16_to_f32, ScalarType::float16, ScalarType::float32)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, f32_to_bf16, ScalarType::float32, ScalarType::bfloat16)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, bf16_to_f32, ScalarType::bfloat16, ScalarType::float32)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, f32_to_f8e4m3fn, ScalarType::float32, ScalarType::float8_e4m3fn)->Apply(sizes);
BENCHMARK_CAPTURE(BM_cast, f64_to_f16, ScalarType::float64, ScalarType::float16)->Apply(sizes);
BENCHMARK_CAPTURE(BM_astype_fresh, f64_to_f32, ScalarType::float64, ScalarType::float32)
    ->RangeMultiplier(4)
    ->Range(kMinBytes, 1 << 20)
    ->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_transpose, f32, ScalarType::float32)->Apply(sizes);
BENCHMARK_CAPTURE(BM_transpose, f64, ScalarType::float64)->Apply(sizes);

BENCHMARK_MAIN();
