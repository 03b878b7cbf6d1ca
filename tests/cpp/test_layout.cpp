// Layout rules as pure functions (contiguity, K/A/C/F allocation strides, reshape strides, sizes),
// compared with what NumPy computes for the arrays in data/layouts.txt.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <limits>
#include <vector>

#include "ndbridge/dtype.h"
#include "ndbridge/error.h"
#include "ndbridge/layout.h"
#include "test_data.h"

namespace ndbridge {
namespace {

using test::LayoutCase;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

// ------------------------------------------------------------------------------------ NumPy's layouts

class NumpyLayout : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(NumpyLayout, DataFileDescribesTheArrayConsistently) {
    const LayoutCase& c = GetParam();
    ASSERT_EQ(c.shape.size(), c.strides.size());
    EXPECT_EQ(parse_dtype(c.dtype).itemsize(), c.itemsize);
    const ByteExtent e = byte_extent(c.shape, c.strides, c.itemsize);
    if (checked_size(c.shape) > 0) {
        EXPECT_EQ(-e.low, c.offset) << "the data pointer sits |low| bytes above the lowest byte touched";
        EXPECT_EQ(e.high - e.low, c.buffer);
    }
}

TEST_P(NumpyLayout, ContiguityFlagsEqualNumpys) {
    const LayoutCase& c = GetParam();
    EXPECT_EQ(is_c_contiguous(c.shape, c.strides, c.itemsize), c.c_contiguous);
    EXPECT_EQ(is_f_contiguous(c.shape, c.strides, c.itemsize), c.f_contiguous);
}

TEST_P(NumpyLayout, EmptyLikeStridesEqualNumpysForEveryOrder) {
    const LayoutCase& c = GetParam();
    for (const auto& [letter, expected] : c.empty_like) {
        const MemoryOrder order = parse_order(std::string(1, letter));
        EXPECT_EQ(allocation_strides(c.shape, c.strides, c.itemsize, order), expected) << "order " << letter;
    }
}

TEST_P(NumpyLayout, KOrderKeepsTheStrideOrderOfTheSource) {
    // Independent of NumPy's numbers: sorting the axes by the new strides gives the same permutation of
    // the axes of extent > 1 as sorting them by |source stride| (ties in axis order).
    const LayoutCase& c = GetParam();
    const Dims k = allocation_strides(c.shape, c.strides, c.itemsize, MemoryOrder::K);
    if (checked_size(c.shape) == 0) {
        EXPECT_EQ(k, Dims(c.shape.size(), 0)) << "no elements: NumPy allocates with zero strides";
        return;
    }
    std::vector<std::size_t> axes;
    for (std::size_t i = 0; i < c.shape.size(); ++i)
        if (c.shape[i] > 1) axes.push_back(i);
    for (std::size_t a = 0; a < axes.size(); ++a) {
        for (std::size_t b = a + 1; b < axes.size(); ++b) {
            const std::int64_t sa = std::llabs(c.strides[axes[a]]), sb = std::llabs(c.strides[axes[b]]);
            if (sa >= sb) {
                EXPECT_GT(k[axes[a]], k[axes[b]]) << "axes " << axes[a] << ", " << axes[b];
            } else {
                EXPECT_LT(k[axes[a]], k[axes[b]]) << "axes " << axes[a] << ", " << axes[b];
            }
        }
    }
    const ByteExtent e = byte_extent(c.shape, k, c.itemsize);
    EXPECT_EQ(e.low, 0) << "K order never produces negative strides";
    EXPECT_EQ(e.high, checked_size(c.shape) * c.itemsize) << "K order is compact";
}

TEST_P(NumpyLayout, ReshapeStridesEqualNumpysViewsAndRefuseItsCopies) {
    const LayoutCase& c = GetParam();
    for (const auto& r : c.reshapes) {
        Dims strides;
        const bool view = reshape_strides(c.shape, c.strides, c.itemsize, r.shape, r.order, strides);
        SCOPED_TRACE(::testing::Message()
                     << "reshape " << shape_string(r.shape) << " order " << static_cast<char>(r.order));
        ASSERT_EQ(view, r.view) << (r.view ? "NumPy makes a view" : "NumPy must copy");
        if (!view) continue;
        ASSERT_EQ(strides.size(), r.shape.size());
        if (r.shape == c.shape) {
            // NumPy returns a reshape to the same shape as a plain view with the old strides; Array::reshape
            // does the same (tested in test_array.cpp); the stride rule alone need not.
            continue;
        }
        EXPECT_EQ(strides, r.strides) << "every stride, those of extent-1 axes included";
    }
}

INSTANTIATE_TEST_SUITE_P(Numpy, NumpyLayout, ::testing::ValuesIn(test::layouts()), test::LayoutName());

TEST(NumpyLayoutData, CoversTheRequiredKindsOfLayout) {
    int negative = 0, empty = 0, size1 = 0, zero_d = 0, broadcast = 0, neither = 0;
    for (const auto& c : test::layouts()) {
        bool neg = false, zero_stride = false, one = false;
        for (std::size_t i = 0; i < c.shape.size(); ++i) {
            neg |= c.strides[i] < 0 && c.shape[i] > 1;
            zero_stride |= c.strides[i] == 0 && c.shape[i] > 1;
            one |= c.shape[i] == 1;
        }
        negative += neg;
        empty += checked_size(c.shape) == 0;
        size1 += one;
        zero_d += c.shape.empty();
        broadcast += zero_stride;
        neither += !c.c_contiguous && !c.f_contiguous;
    }
    EXPECT_GE(test::layouts().size(), 25u);
    EXPECT_GE(negative, 5);
    EXPECT_GE(empty, 3);
    EXPECT_GE(size1, 5);
    EXPECT_GE(zero_d, 2);
    EXPECT_GE(broadcast, 3);
    EXPECT_GE(neither, 10);
}

// ------------------------------------------------------------------------------------ contiguity rules

TEST(Contiguity, SizeOneDimensionsAreIgnored) {
    const Dims shape{3, 1, 4};
    EXPECT_TRUE(is_c_contiguous(shape, Dims{32, 12345, 8}, 8));
    EXPECT_TRUE(is_f_contiguous(Dims{4, 1, 3}, Dims{8, -7, 32}, 8));
    EXPECT_FALSE(is_c_contiguous(shape, Dims{32, 0, 16}, 8));
}

TEST(Contiguity, ArraysWithoutElementsAreBoth) {
    EXPECT_TRUE(is_c_contiguous(Dims{4, 0}, Dims{-40, 3}, 8));
    EXPECT_TRUE(is_f_contiguous(Dims{4, 0}, Dims{-40, 3}, 8));
}

TEST(Contiguity, ZeroDimensionalArraysAreBoth) {
    EXPECT_TRUE(is_c_contiguous(Dims{}, Dims{}, 8));
    EXPECT_TRUE(is_f_contiguous(Dims{}, Dims{}, 8));
}

TEST(Contiguity, NegativeStridesAreNeither) {
    EXPECT_FALSE(is_c_contiguous(Dims{3}, Dims{-8}, 8));
    EXPECT_FALSE(is_f_contiguous(Dims{3}, Dims{-8}, 8));
}

// ------------------------------------------------------------------------------------ strides and orders

TEST(ContiguousStrides, CAndFOrder) {
    EXPECT_EQ(contiguous_strides(Dims{2, 3, 4}, 4, MemoryOrder::C), (Dims{48, 16, 4}));
    EXPECT_EQ(contiguous_strides(Dims{2, 3, 4}, 4, MemoryOrder::F), (Dims{4, 8, 24}));
    EXPECT_EQ(contiguous_strides(Dims{}, 4, MemoryOrder::C), Dims{});
}

TEST(ContiguousStrides, ZeroExtentCountsAsOneForLaterStrides) {
    EXPECT_EQ(contiguous_strides(Dims{2, 0, 3}, 8, MemoryOrder::C), (Dims{24, 24, 8}));
}

TEST(ContiguousStrides, OverflowIsAnError) {
    EXPECT_NDB_ERROR(contiguous_strides(Dims{kMax / 2, 4, 2}, 8, MemoryOrder::C), ErrorKind::overflow);
}

TEST(AllocationStrides, ArraysWithoutElementsGetZeroStrides) {
    for (auto order : {MemoryOrder::K, MemoryOrder::A, MemoryOrder::C, MemoryOrder::F})
        EXPECT_EQ(allocation_strides(Dims{3, 0, 2}, Dims{-8, 16, 4}, 4, order), (Dims{0, 0, 0}));
}

TEST(AllocationStrides, AOrderPicksFOnlyForFortranArrays) {
    EXPECT_EQ(allocation_strides(Dims{2, 3}, Dims{8, 16}, 8, MemoryOrder::A), (Dims{8, 16}));
    EXPECT_EQ(allocation_strides(Dims{2, 3}, Dims{-8, 16}, 8, MemoryOrder::A), (Dims{24, 8}));
    // Both C and F contiguous (one row): A means C.
    EXPECT_EQ(allocation_strides(Dims{1, 3}, Dims{8, 8}, 8, MemoryOrder::A), (Dims{24, 8}));
}

TEST(AllocationStrides, KOrderMakesNegativeStridesPositive) {
    EXPECT_EQ(allocation_strides(Dims{3, 4}, Dims{-8, -24}, 8, MemoryOrder::K), (Dims{8, 24}));
}

TEST(StrideOrder, SortsByDescendingMagnitudeKeepingAxisOrderOnTies) {
    EXPECT_EQ(stride_order(Dims{2, 3, 4}, Dims{8, 64, 16}), (std::vector<int>{1, 2, 0}));
    EXPECT_EQ(stride_order(Dims{2, 3, 4}, Dims{8, -64, 8}), (std::vector<int>{1, 0, 2}));
    EXPECT_EQ(stride_order(Dims{}, Dims{}), std::vector<int>{});
}

TEST(StrideOrder, ExtentOneAxesTakePartWithTheirStrideAsInNumpy) {
    // np.empty_like(np.zeros((4, 6))[:, ::2][:, None, :]).strides == (24, 8, 8): the new axis (stride 0)
    // sorts innermost, so it gets the item size, not 24.
    EXPECT_EQ(stride_order(Dims{4, 1, 3}, Dims{48, 0, 16}), (std::vector<int>{0, 2, 1}));
    EXPECT_EQ(allocation_strides(Dims{4, 1, 3}, Dims{48, 0, 16}, 8, MemoryOrder::K), (Dims{24, 8, 8}));
}

TEST(ParseOrder, AcceptsEitherCase) {
    EXPECT_EQ(parse_order("K"), MemoryOrder::K);
    EXPECT_EQ(parse_order("a"), MemoryOrder::A);
    EXPECT_EQ(parse_order("c"), MemoryOrder::C);
    EXPECT_EQ(parse_order("F"), MemoryOrder::F);
    for (const char* bad : {"", "X", "CF", "k ", "Korder"}) EXPECT_NDB_ERROR(parse_order(bad), ErrorKind::value);
}

// ------------------------------------------------------------------------------------ sizes

TEST(CheckedSize, MultipliesExtents) {
    EXPECT_EQ(checked_size(Dims{2, 3, 4}), 24);
    EXPECT_EQ(checked_size(Dims{}), 1);
    EXPECT_EQ(checked_size(Dims{5, 0, 7}), 0);
}

TEST(CheckedSize, OverflowIsAnErrorEvenWithAZeroExtent) {
    EXPECT_NDB_ERROR(checked_size(Dims{std::int64_t{1} << 32, std::int64_t{1} << 32}), ErrorKind::overflow);
    EXPECT_NDB_ERROR(checked_size(Dims{0, std::int64_t{1} << 40, std::int64_t{1} << 40}), ErrorKind::overflow);
    EXPECT_EQ(checked_size(Dims{std::int64_t{1} << 31, std::int64_t{1} << 31}), std::int64_t{1} << 62);
}

TEST(CheckedSize, NegativeExtentIsAValueError) { EXPECT_NDB_ERROR(checked_size(Dims{2, -1}), ErrorKind::value); }

TEST(CheckedSize, MoreThan64DimensionsIsAValueError) {
    EXPECT_EQ(checked_size(Dims(64, 1)), 1);
    EXPECT_NDB_ERROR(checked_size(Dims(65, 1)), ErrorKind::value);
}

TEST(CheckedArithmetic, MulAndAddReportOverflow) {
    EXPECT_EQ(checked_mul(-4, 5, "t"), -20);
    EXPECT_EQ(checked_add(kMax - 1, 1, "t"), kMax);
    EXPECT_NDB_ERROR(checked_mul(kMax, 2, "t"), ErrorKind::overflow);
    EXPECT_NDB_ERROR(checked_mul(std::numeric_limits<std::int64_t>::min(), -1, "t"), ErrorKind::overflow);
    EXPECT_NDB_ERROR(checked_add(kMax, 1, "t"), ErrorKind::overflow);
}

TEST(ByteExtent, CoversNegativeStridesAndIsEmptyWithoutElements) {
    const ByteExtent e = byte_extent(Dims{3, 4}, Dims{-32, 8}, 8);
    EXPECT_EQ(e.low, -64);
    EXPECT_EQ(e.high, 32);
    const ByteExtent none = byte_extent(Dims{3, 0}, Dims{-32, 8}, 8);
    EXPECT_EQ(none.low, 0);
    EXPECT_EQ(none.high, 0);
    EXPECT_NDB_ERROR(byte_extent(Dims{3}, Dims{kMax}, 8), ErrorKind::overflow);
}

TEST(ResolveShape, ResolvesOneUnknownExtent) {
    EXPECT_EQ(resolve_shape(Dims{2, -1}, 6), (Dims{2, 3}));
    EXPECT_EQ(resolve_shape(Dims{-1}, 0), (Dims{0}));
    EXPECT_EQ(resolve_shape(Dims{}, 1), Dims{});
}

TEST(ResolveShape, RejectsBadRequests) {
    EXPECT_NDB_ERROR(resolve_shape(Dims{-1, -1}, 6), ErrorKind::value);
    EXPECT_NDB_ERROR(resolve_shape(Dims{4}, 6), ErrorKind::value);
    EXPECT_NDB_ERROR(resolve_shape(Dims{-2, 3}, 6), ErrorKind::value);
    EXPECT_NDB_ERROR(resolve_shape(Dims{0, -1}, 0), ErrorKind::value);  // NumPy: ambiguous
    EXPECT_NDB_ERROR(resolve_shape(Dims{4, -1}, 6), ErrorKind::value);
    EXPECT_NDB_ERROR(resolve_shape(Dims{kMax, 4}, 6), ErrorKind::overflow);
}

TEST(ShapeString, SpellsTuplesLikePython) {
    EXPECT_EQ(shape_string(Dims{}), "()");
    EXPECT_EQ(shape_string(Dims{5}), "(5,)");
    EXPECT_EQ(shape_string(Dims{2, 3}), "(2, 3)");
}

}  // namespace
}  // namespace ndbridge
