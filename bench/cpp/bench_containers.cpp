// Containers in: a nested std::vector<std::vector<float>> of 1000 x 1000 into an Array, beside memcpy of
// the same 4 MB (into memory allocated once, the roofline; and into a fresh std::vector each time, which
// pays the allocation as asarray does). The target: asarray at >= 70% of memcpy's bytes/s.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "ndbridge/containers.h"

namespace {

constexpr std::size_t kRows = 1000, kCols = 1000;
constexpr std::int64_t kBytes = kRows * kCols * sizeof(float);

std::vector<std::vector<float>> nested() {
    return std::vector<std::vector<float>>(kRows, std::vector<float>(kCols, 1.5f));
}

void BM_nested_vector_to_array(benchmark::State& state) {
    const auto rows = nested();
    for (auto _ : state) {
        ndbridge::Array a = ndbridge::asarray(rows);
        benchmark::DoNotOptimize(a.data());
    }
    state.SetBytesProcessed(state.iterations() * kBytes);
}

void BM_memcpy_same_bytes_preallocated(benchmark::State& state) {
    const std::vector<float> src(kRows * kCols, 1.5f);
    std::vector<float> dst(kRows * kCols);
    for (auto _ : state) {
        std::memcpy(dst.data(), src.data(), kBytes);
        benchmark::DoNotOptimize(dst.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(state.iterations() * kBytes);
}

void BM_memcpy_same_bytes_fresh_vector(benchmark::State& state) {
    const std::vector<float> src(kRows * kCols, 1.5f);
    for (auto _ : state) {
        std::vector<float> dst(src);  // allocation + memcpy, as a copy into a new array costs
        benchmark::DoNotOptimize(dst.data());
    }
    state.SetBytesProcessed(state.iterations() * kBytes);
}

}  // namespace

BENCHMARK(BM_nested_vector_to_array);
BENCHMARK(BM_memcpy_same_bytes_preallocated);
BENCHMARK(BM_memcpy_same_bytes_fresh_vector);
