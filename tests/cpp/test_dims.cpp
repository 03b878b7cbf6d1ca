// Dims, the shape/stride vector with inline room for Dims::kInline entries: it must behave as the
// std::vector it replaced on both sides of that size (copies, moves, growth, edits), and stay inline for
// the shapes of ordinary arrays.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <span>
#include <utility>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/layout.h"

namespace ndbridge {
namespace {

constexpr std::size_t kInline = Dims::kInline;

Dims iota_dims(std::size_t n, std::int64_t first = 1) {
    Dims d;
    for (std::size_t i = 0; i < n; ++i) d.push_back(first + static_cast<std::int64_t>(i));
    return d;
}

std::vector<std::int64_t> iota_vector(std::size_t n, std::int64_t first = 1) {
    std::vector<std::int64_t> v(n);
    std::iota(v.begin(), v.end(), first);
    return v;
}

void expect_holds(const Dims& d, const std::vector<std::int64_t>& want) {
    ASSERT_EQ(d.size(), want.size());
    EXPECT_TRUE(std::equal(d.begin(), d.end(), want.begin()));
    EXPECT_GE(d.capacity(), d.size());
}

TEST(Dims, StaysInlineUpToItsInlineSize) {
    Dims d;
    EXPECT_TRUE(d.empty());
    EXPECT_TRUE(d.is_inline());
    for (std::size_t i = 0; i < kInline; ++i) d.push_back(static_cast<std::int64_t>(i));
    EXPECT_TRUE(d.is_inline());
    expect_holds(d, iota_vector(kInline, 0));
}

TEST(Dims, GrowsPastTheInlineSizeKeepingItsValues) {
    Dims d = iota_dims(kInline);
    d.push_back(99);
    EXPECT_FALSE(d.is_inline());
    std::vector<std::int64_t> want = iota_vector(kInline);
    want.push_back(99);
    expect_holds(d, want);
    // Up to NumPy's dimension limit, through several regrowths.
    const Dims big = iota_dims(static_cast<std::size_t>(kMaxNdim), -5);
    expect_holds(big, iota_vector(static_cast<std::size_t>(kMaxNdim), -5));
}

TEST(Dims, CopiesAreIndependentOnBothSidesOfTheInlineSize) {
    for (std::size_t n : {std::size_t{0}, std::size_t{3}, kInline, kInline + 1, std::size_t{40}}) {
        const Dims original = iota_dims(n);
        Dims copy = original;
        EXPECT_EQ(copy, original);
        if (n > 0) copy[0] = -1;
        expect_holds(original, iota_vector(n));
        Dims assigned = iota_dims(17, 100);  // a heap block, replaced by the copy
        assigned = original;
        expect_holds(assigned, iota_vector(n));
        Dims small;
        small = iota_dims(2);
        small = original;  // inline storage taking a large copy grows
        expect_holds(small, iota_vector(n));
        const Dims& self = small;
        small = self;
        expect_holds(small, iota_vector(n));
    }
}

TEST(Dims, MovesLeaveTheSourceEmptyAndUsable) {
    for (std::size_t n : {std::size_t{0}, std::size_t{2}, kInline, kInline + 1, std::size_t{64}}) {
        Dims source = iota_dims(n);
        const std::int64_t* heap = source.is_inline() ? nullptr : source.data();
        Dims moved = std::move(source);
        expect_holds(moved, iota_vector(n));
        if (heap != nullptr) {
            EXPECT_EQ(moved.data(), heap);  // a heap block changes hands, not copied
        }
        EXPECT_TRUE(source.empty());  // NOLINT(bugprone-use-after-move): defined here
        EXPECT_TRUE(source.is_inline());
        source.push_back(7);
        expect_holds(source, {7});

        Dims target = iota_dims(20, 50);
        target = std::move(moved);
        expect_holds(target, iota_vector(n));
        Dims& alias = target;
        target = std::move(alias);
        expect_holds(target, iota_vector(n));
    }
}

TEST(Dims, EditsMatchStdVector) {
    for (std::size_t n : {std::size_t{1}, kInline - 1, kInline, std::size_t{30}}) {
        Dims d = iota_dims(n);
        std::vector<std::int64_t> v = iota_vector(n);
        d.insert(d.begin() + 1, -3);
        v.insert(v.begin() + 1, -3);
        d.insert(d.end(), -4);
        v.insert(v.end(), -4);
        d.insert(d.begin(), -5);
        v.insert(v.begin(), -5);
        expect_holds(d, v);
        d.erase(d.begin() + 2);
        v.erase(v.begin() + 2);
        d.pop_back();
        v.pop_back();
        expect_holds(d, v);
        d.resize(n + 12, 9);
        v.resize(n + 12, 9);
        expect_holds(d, v);
        d.resize(2);
        v.resize(2);
        expect_holds(d, v);
        d.assign(5, 4);
        v.assign(5, 4);
        expect_holds(d, v);
        d.assign(v.rbegin(), v.rend());
        expect_holds(d, std::vector<std::int64_t>(v.rbegin(), v.rend()));
        d.clear();
        EXPECT_TRUE(d.empty());
    }
}

TEST(Dims, ConstructsLikeStdVector) {
    expect_holds(Dims(3), {0, 0, 0});
    expect_holds(Dims(kInline + 2, 7), std::vector<std::int64_t>(kInline + 2, 7));
    expect_holds(Dims{4, 5, 6}, {4, 5, 6});
    const std::vector<std::int64_t> v = iota_vector(11);
    expect_holds(Dims(v.begin(), v.end()), v);
    expect_holds(Dims(std::span<const std::int64_t>(v)), v);
    const Dims d{1, 2, 3};
    expect_holds(Dims(d.rbegin(), d.rend()), {3, 2, 1});
    EXPECT_EQ(d.front(), 1);
    EXPECT_EQ(d.back(), 3);
}

TEST(Dims, ComparesByValueAndConvertsToSpans) {
    EXPECT_EQ(iota_dims(kInline + 3), iota_dims(kInline + 3));
    EXPECT_NE(iota_dims(3), iota_dims(4));
    EXPECT_NE((Dims{1, 2}), (Dims{1, 3}));
    EXPECT_LT((Dims{1, 2}), (Dims{1, 3}));
    const Dims d = iota_dims(12);
    const std::span<const std::int64_t> s = d;
    EXPECT_EQ(s.data(), d.data());
    EXPECT_EQ(s.size(), d.size());
    EXPECT_EQ(checked_size(Dims{2, 3, 4}), 24);
}

TEST(Dims, ArraysOfManyAxesKeepTheirShapeThroughCopiesAndViews) {
    Dims shape(12, 1);
    shape[0] = 3;
    shape[11] = 2;
    const Array a = Array::zeros(ScalarType::int16, shape);
    const Array b = a;  // copies the Dims of an array with more axes than the inline size
    EXPECT_EQ(b.shape(), shape);
    EXPECT_EQ(b.strides(), contiguous_strides(shape, 2, MemoryOrder::C));
    const Array t = b.transpose();
    EXPECT_EQ(t.shape(), Dims(shape.rbegin(), shape.rend()));
    const Array c = t.copy(MemoryOrder::C);
    EXPECT_EQ(c.shape(), t.shape());
    EXPECT_TRUE(c.is_c_contiguous());
}

}  // namespace
}  // namespace ndbridge
