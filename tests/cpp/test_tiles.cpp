// Tests of the copy engine's cache-blocked path (transposes, permutes, negative strides, byte swaps and
// casts fused in the tiles): every result equals the element-by-element copy of the same elements,
// which takes the plain per-element path, with one thread and with several.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "ndbridge/copy.h"
#include "ndbridge/threads.h"
#include "test_data.h"

namespace ndbridge::test {
namespace {

/// `a` reshaped to `shape` in C order over fresh memory filled with a byte pattern; ASCII for strings.
Array patterned(DType dtype, const Dims& shape) {
    Array a = Array::empty(dtype, shape);
    for (std::int64_t i = 0; i < a.nbytes(); ++i)
        a.data()[i] = static_cast<std::byte>(dtype.is_string() ? 'a' + i % 26 : (i * 131 + 7) % 253);
    if (dtype.kind() == DTypeKind::unicode)
        for (std::int64_t i = 0; i < a.nbytes() / 4; ++i) {
            const char32_t c = U'a' + static_cast<char32_t>(i % 26);
            std::memcpy(a.data() + 4 * i, &c, 4);
        }
    if (dtype.type() == ScalarType::bool_)
        for (std::int64_t i = 0; i < a.nbytes(); ++i) a.data()[i] = static_cast<std::byte>(i % 3 % 2);
    return a;
}

void for_each_index(const Dims& shape, const std::function<void(const Dims&)>& f) {
    std::int64_t size = 1;
    for (std::int64_t e : shape) size *= e;
    Dims idx(shape.size(), 0);
    for (std::int64_t k = 0; k < size; ++k) {
        f(idx);
        for (std::size_t d = shape.size(); d-- > 0;) {
            if (++idx[d] < shape[d]) break;
            idx[d] = 0;
        }
    }
}

/// The copy of `src` into a new C-order array of `to`, made one element at a time (0-d arrays: no tiles).
Array elementwise(const Array& src, DType to) {
    Array dst = Array::zeros(to, src.shape());
    for_each_index(src.shape(), [&](const Dims& idx) {
        const Array s = Array::wrap(src.element(idx), src.dtype(), {}, {}, Device::cpu(), true, nullptr);
        const Array d = Array::wrap(dst.element(idx), to, {}, {}, Device::cpu(), false, nullptr);
        copy_into(d, s);
    });
    return dst;
}

class Tiles : public ::testing::Test {
protected:
    void SetUp() override { saved_ = get_num_threads(); }
    void TearDown() override {
        set_num_threads(saved_);
        detail::set_parallel_grain(0);
    }

    void expect_tiled_equals_elementwise(const Array& src, DType to) {
        SCOPED_TRACE(describe(src.dtype()) + " -> " + describe(to) + " shape " + shape_string(src.shape()) +
                     " strides " + shape_string(src.strides()));
        const Array expected = elementwise(src, to);
        for (const int threads : {1, 2, 3}) {
            set_num_threads(threads);
            detail::set_parallel_grain(1);
            Array dst = Array::zeros(to, src.shape());
            copy_into(dst, src);
            EXPECT_EQ(std::memcmp(dst.data(), expected.data(), static_cast<std::size_t>(dst.nbytes())), 0)
                << threads << " threads";
        }
    }

    int saved_ = 1;
};

const std::vector<std::pair<DType, DType>>& casts() {
    static const std::vector<std::pair<DType, DType>> pairs = {
        {ScalarType::float32, ScalarType::float32},
        {ScalarType::float64, ScalarType::float64},
        {ScalarType::uint8, ScalarType::float32},
        {ScalarType::float64, ScalarType::float32},
        {ScalarType::int16, ScalarType::float16},
        {ScalarType::complex128, ScalarType::complex64},
        {ScalarType::bool_, ScalarType::int64},
        {DType(ScalarType::float32).with_native_order(false), ScalarType::float32},
        {ScalarType::int64, DType(ScalarType::int64).with_native_order(false)},
        {DType::datetime64(TimeUnit::s), DType::datetime64(TimeUnit::ms)},
        {DType::unicode(3), DType::bytes(2)},
        {DType::bytes(5), DType::bytes(5)},
    };
    return pairs;
}

TEST_F(Tiles, TransposesWithPartialTilesEqualTheElementwiseCopy) {
    for (const auto& [from, to] : casts()) {
        for (const Dims& shape : {Dims{67, 130}, Dims{64, 64}, Dims{2, 300}, Dims{300, 3}}) {
            const Array a = patterned(from, shape);
            expect_tiled_equals_elementwise(a.transpose(), to);
        }
    }
}

TEST_F(Tiles, NegativeAndSteppedStridesEqualTheElementwiseCopy) {
    for (const auto& [from, to] : casts()) {
        const Array a = patterned(from, Dims{70, 90});
        expect_tiled_equals_elementwise(
            a.index(std::vector<Index>{Slice{std::nullopt, std::nullopt, -1}, Slice{std::nullopt, std::nullopt, -2}})
                .transpose(),
            to);
        expect_tiled_equals_elementwise(
            a.index(std::vector<Index>{Slice{1, std::nullopt, 3}, Slice{std::nullopt, std::nullopt, -1}}).transpose(),
            to);
    }
}

TEST_F(Tiles, ThreeDimensionalPermutesEqualTheElementwiseCopy) {
    for (const auto& [from, to] : casts()) {
        const Array a = patterned(from, Dims{9, 17, 33});
        for (const Dims& axes : {Dims{2, 0, 1}, Dims{1, 2, 0}, Dims{2, 1, 0}, Dims{0, 2, 1}, Dims{1, 0, 2}})
            expect_tiled_equals_elementwise(a.permute(axes), to);
    }
}

// The gather's register blocks (16 x 16 bytes, 4 x 4 and 2 x 2 units): sizes on and around the block edges,
// and source lines in reverse order (a negative line stride with contiguous items still takes the blocks).
TEST_F(Tiles, RegisterBlockGathersEqualTheElementwiseCopyAroundTheirEdges) {
    for (const ScalarType type : {ScalarType::uint8, ScalarType::float32, ScalarType::float64}) {
        for (const Dims& shape : {Dims{16, 16}, Dims{17, 15}, Dims{2, 3}, Dims{33, 65}, Dims{4, 130}, Dims{129, 5}}) {
            const Array a = patterned(type, shape);
            expect_tiled_equals_elementwise(a.transpose(), type);
            expect_tiled_equals_elementwise(
                a.index(std::vector<Index>{Slice{std::nullopt, std::nullopt, -1}}).transpose(), type);
            expect_tiled_equals_elementwise(a.transpose(), ScalarType::float64);
        }
    }
}

TEST_F(Tiles, AsciiCheckFailsBeforeAnyTileIsWritten) {
    Array a = patterned(DType::unicode(2), Dims{40, 50});
    const char32_t e_acute = U'\u00e9';
    std::memcpy(a.element(Dims{39, 49}), &e_acute, 4);
    set_num_threads(2);
    detail::set_parallel_grain(1);
    const Array dst = Array::zeros(DType::bytes(2), Dims{50, 40});
    EXPECT_NDB_ERROR(copy_into(dst, a.transpose()), ErrorKind::value);
    for (std::int64_t i = 0; i < dst.nbytes(); ++i) ASSERT_EQ(dst.data()[i], std::byte{0}) << i;
}

}  // namespace
}  // namespace ndbridge::test
