// The table of cast loops: one instantiation of cast_loop<D, S> per pair of numeric dtypes.
#include "kernels/cast_table.h"

#include <array>
#include <utility>

#include "kernels/cast.h"

namespace ndbridge::kernels {
namespace {

// C++ storage type of each numeric ScalarType, in enum order (bool_ ... float8_e5m2).
template <std::size_t I>
struct storage;
#define NDB_STORAGE(I, T) \
    template <>           \
    struct storage<I> {   \
        using type = T;   \
    }
NDB_STORAGE(0, bool);
NDB_STORAGE(1, std::int8_t);
NDB_STORAGE(2, std::int16_t);
NDB_STORAGE(3, std::int32_t);
NDB_STORAGE(4, std::int64_t);
NDB_STORAGE(5, std::uint8_t);
NDB_STORAGE(6, std::uint16_t);
NDB_STORAGE(7, std::uint32_t);
NDB_STORAGE(8, std::uint64_t);
NDB_STORAGE(9, Half);
NDB_STORAGE(10, BFloat16);
NDB_STORAGE(11, float);
NDB_STORAGE(12, double);
NDB_STORAGE(13, long double);
NDB_STORAGE(14, std::complex<float>);
NDB_STORAGE(15, std::complex<double>);
NDB_STORAGE(16, std::complex<long double>);
NDB_STORAGE(17, Float8E4M3FN);
NDB_STORAGE(18, Float8E5M2);
#undef NDB_STORAGE

static_assert(static_cast<std::size_t>(ScalarType::float8_e5m2) + 1 == kNumericTypeCount);
static_assert(static_cast<std::size_t>(ScalarType::float16) == 9 && static_cast<std::size_t>(ScalarType::clongdouble) == 16);

using Row = std::array<CastLoop, kNumericTypeCount>;

template <std::size_t S, std::size_t... D>
constexpr Row make_row(std::index_sequence<D...>) {
    return Row{&cast_loop<typename storage<D>::type, typename storage<S>::type>...};
}

template <std::size_t... S>
constexpr std::array<Row, kNumericTypeCount> make_table(std::index_sequence<S...>) {
    return {make_row<S>(std::make_index_sequence<kNumericTypeCount>{})...};
}

constexpr auto kTable = make_table(std::make_index_sequence<kNumericTypeCount>{});

}  // namespace

CastLoop numeric_cast_loop(ScalarType from, ScalarType to) noexcept {
    const auto s = static_cast<std::size_t>(from);
    const auto d = static_cast<std::size_t>(to);
    if (s >= kNumericTypeCount || d >= kNumericTypeCount) return nullptr;
    return kTable[s][d];
}

}  // namespace ndbridge::kernels
