// The table of cast loops: one instantiation of cast_loop<D, S> per pair of numeric dtypes, overridden
// by a vector loop where simd_cast.cpp has one for the pair and the CPU runs it.
#include "kernels/cast_table.h"

#include <array>
#include <utility>

#include "kernels/cast.h"
#include "kernels/simd_cast.h"

namespace ndbridge::kernels {
namespace {

using Row = std::array<CastLoop, kNumericTypeCount>;

template <std::size_t S, std::size_t... D>
constexpr Row make_row(std::index_sequence<D...>) {
    return Row{&cast_loop<storage_at<D>, storage_at<S>>...};
}

template <std::size_t... S>
constexpr std::array<Row, kNumericTypeCount> make_table(std::index_sequence<S...>) {
    return {make_row<S>(std::make_index_sequence<kNumericTypeCount>{})...};
}

constexpr auto kTable = make_table(std::make_index_sequence<kNumericTypeCount>{});

}  // namespace

CastLoop scalar_cast_loop(ScalarType from, ScalarType to) noexcept {
    const auto s = static_cast<std::size_t>(from);
    const auto d = static_cast<std::size_t>(to);
    if (s >= kNumericTypeCount || d >= kNumericTypeCount) return nullptr;
    return kTable[s][d];
}

CastLoop numeric_cast_loop(ScalarType from, ScalarType to) noexcept {
    if (CastLoop vector = simd_cast_loop(from, to)) return vector;
    return scalar_cast_loop(from, to);
}

}  // namespace ndbridge::kernels
