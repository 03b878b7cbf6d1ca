// The strided Array over real memory: views (index, reshape, squeeze, transpose, expand_dims) compared with
// NumPy's for the arrays in data/layouts.txt, construction and validation, ownership and read-only rules.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <numeric>
#include <set>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/error.h"
#include "test_data.h"

namespace ndbridge {
namespace {

using test::LayoutCase;
using test::ReleaseCounter;
constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();

/// NumPy's array rebuilt over a buffer of the same extent, with a counting owner.
struct NumpyArray {
    explicit NumpyArray(const LayoutCase& c)
        : buffer(static_cast<std::size_t>(c.buffer)),
          array(Array::wrap(buffer.data() + c.offset, parse_dtype(c.dtype), c.shape, c.strides, Device::cpu(), false,
                            counter.owner())) {}
    std::vector<std::byte> buffer;
    ReleaseCounter counter;
    Array array;
};

std::int64_t offset_of(const Array& view, const Array& base) { return view.data() - base.data(); }

class NumpyArrayView : public ::testing::TestWithParam<LayoutCase> {};

TEST_P(NumpyArrayView, WrapKeepsShapeStridesAndFlags) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    const Array& a = n.array;
    EXPECT_EQ(a.shape(), c.shape);
    EXPECT_EQ(a.strides(), c.strides);
    EXPECT_EQ(a.itemsize(), c.itemsize);
    EXPECT_EQ(a.size(), checked_size(c.shape));
    EXPECT_EQ(a.nbytes(), a.size() * c.itemsize);
    const Flags f = a.flags();
    EXPECT_EQ(f.c_contiguous, c.c_contiguous);
    EXPECT_EQ(f.f_contiguous, c.f_contiguous);
    EXPECT_EQ(a.is_c_contiguous(), c.c_contiguous);
    EXPECT_EQ(a.is_f_contiguous(), c.f_contiguous);
    EXPECT_TRUE(f.writeable);
    EXPECT_TRUE(f.aligned) << "NumPy reports every one of these arrays as aligned";
}

TEST_P(NumpyArrayView, EmptyLikeStridesEqualNumpys) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    for (const auto& [letter, expected] : c.empty_like) {
        const Array e = Array::empty_like(n.array, n.array.dtype(), parse_order(std::string(1, letter)));
        EXPECT_EQ(e.shape(), c.shape);
        EXPECT_EQ(e.strides(), expected) << "order " << letter;
        EXPECT_NE(e.owner().get(), n.array.owner().get()) << "empty_like allocates";
        EXPECT_FALSE(e.readonly());
        // np.empty_like(a, dtype=other): the same layout decision (made with a's own item size), scaled.
        const DType wide =
            n.array.dtype().kind() == DTypeKind::unicode ? DType::unicode(5) : DType(ScalarType::complex128);
        Dims scaled = expected;
        for (auto& s : scaled) s = s / c.itemsize * wide.itemsize();
        EXPECT_EQ(Array::empty_like(n.array, wide, parse_order(std::string(1, letter))).strides(), scaled)
            << "order " << letter << " as " << name(wide);
    }
}

TEST_P(NumpyArrayView, IndexViewsEqualNumpys) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    for (const auto& ic : c.indices) {
        SCOPED_TRACE("a[" + ic.expr + "]");
        const std::vector<Index> items = test::parse_index(ic.expr);
        if (ic.error) {
            EXPECT_NDB_ERROR(n.array.index(items), *ic.error);
            continue;
        }
        const Array v = n.array.index(items);
        EXPECT_EQ(v.shape(), ic.shape);
        EXPECT_EQ(v.strides(), ic.strides);
        EXPECT_EQ(offset_of(v, n.array), ic.offset);
        EXPECT_EQ(v.size(), checked_size(ic.shape));
        EXPECT_EQ(v.owner().get(), n.array.owner().get()) << "a view shares its base's owner";
    }
}

TEST_P(NumpyArrayView, ReshapeMakesNumpysViewsAndRefusesItsCopies) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    for (const auto& r : c.reshapes) {
        SCOPED_TRACE(::testing::Message()
                     << "reshape " << shape_string(r.shape) << " order " << static_cast<char>(r.order));
        if (!r.view) {
            EXPECT_NDB_ERROR(n.array.reshape(r.shape, r.order), ErrorKind::value);
            continue;
        }
        const Array v = n.array.reshape(r.shape, r.order);
        EXPECT_EQ(v.shape(), r.shape);
        EXPECT_EQ(v.strides(), r.strides);
        EXPECT_EQ(v.data(), n.array.data()) << "a reshape view starts where its base starts";
    }
}

TEST_P(NumpyArrayView, ReshapeResolvesMinusOne) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    for (const auto& r : c.reshapes) {
        if (!r.view || r.shape.empty()) continue;
        Dims with_unknown = r.shape;
        with_unknown[0] = -1;
        const std::int64_t known =
            std::accumulate(r.shape.begin() + 1, r.shape.end(), std::int64_t{1}, std::multiplies<>());
        if (known == 0) {
            // NumPy: "cannot reshape array of size 0 into shape (-1, 0)": the unknown extent is ambiguous.
            EXPECT_NDB_ERROR(n.array.reshape(with_unknown, r.order), ErrorKind::value) << shape_string(with_unknown);
        } else {
            EXPECT_EQ(n.array.reshape(with_unknown, r.order).shape(), r.shape) << shape_string(with_unknown);
        }
    }
}

TEST_P(NumpyArrayView, SqueezeEqualsNumpys) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    const Array s = n.array.squeeze();
    EXPECT_EQ(s.shape(), c.squeeze_shape);
    EXPECT_EQ(s.strides(), c.squeeze_strides);
    EXPECT_EQ(s.data(), n.array.data());
}

TEST_P(NumpyArrayView, TransposeReversesAndPermuteReorders) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    const Array t = n.array.transpose();
    const Dims rshape(c.shape.rbegin(), c.shape.rend()), rstrides(c.strides.rbegin(), c.strides.rend());
    EXPECT_EQ(t.shape(), rshape);
    EXPECT_EQ(t.strides(), rstrides);
    EXPECT_EQ(t.transpose().strides(), c.strides);
    Dims axes(c.shape.size());
    std::iota(axes.rbegin(), axes.rend(), 0);
    EXPECT_EQ(n.array.permute(axes).strides(), rstrides);
    // Negative axes wrap: (-1, -2, ..., -ndim) is the reversal too.
    for (auto& ax : axes) ax -= static_cast<std::int64_t>(c.shape.size());
    EXPECT_EQ(n.array.permute(axes).strides(), rstrides);
}

TEST_P(NumpyArrayView, ExpandDimsInsertsAnAxisLikeNoneIndexing) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    const auto nd = static_cast<std::int64_t>(c.shape.size());
    for (std::int64_t axis = -nd - 1; axis <= nd; ++axis) {
        const Array e = n.array.expand_dims(axis);
        const std::int64_t at = axis < 0 ? axis + nd + 1 : axis;
        std::vector<Index> items(static_cast<std::size_t>(at), Index{Slice{}});
        items.emplace_back(NewAxis{});
        const Array expected = n.array.index(items);
        EXPECT_EQ(e.shape(), expected.shape()) << "axis " << axis;
        EXPECT_EQ(e.strides(), expected.strides()) << "axis " << axis;
        EXPECT_EQ(e.squeeze(at).shape(), c.shape);
    }
}

TEST_P(NumpyArrayView, ElementAddressesFollowTheStrides) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    const Array& a = n.array;
    std::set<const std::byte*> seen;
    Dims idx(c.shape.size(), 0);
    for (std::int64_t k = 0; k < a.size(); ++k) {
        std::int64_t offset = 0;
        for (std::size_t d = 0; d < idx.size(); ++d) offset += idx[d] * c.strides[d];
        const std::byte* p = a.element(idx);
        EXPECT_EQ(p - a.data(), offset);
        EXPECT_GE(p - n.buffer.data(), 0);
        EXPECT_LE(p - n.buffer.data() + c.itemsize, c.buffer) << "every element lies inside NumPy's byte bounds";
        seen.insert(p);
        for (std::size_t d = idx.size(); d-- > 0;) {
            if (++idx[d] < c.shape[d]) break;
            idx[d] = 0;
        }
    }
    if (!c.shape.empty()) {
        Dims past = Dims(c.shape.size(), 0);
        past[0] = c.shape[0];
        EXPECT_NDB_ERROR(a.element(past), ErrorKind::index);
    }
}

TEST_P(NumpyArrayView, OwnerIsReleasedExactlyOnceAfterTheLastView) {
    const LayoutCase& c = GetParam();
    NumpyArray n(c);
    {
        std::vector<Array> views;
        views.push_back(n.array.transpose());
        views.push_back(n.array.squeeze());
        views.push_back(n.array.as_readonly());
        views.push_back(n.array.index(std::vector<Index>{EllipsisIndex{}, NewAxis{}}));
        for (const auto& r : c.reshapes)
            if (r.view) views.push_back(n.array.reshape(r.shape, r.order));
        n.array = Array();
        EXPECT_EQ(n.counter.calls.load(), 0) << "views keep the memory alive";
        Array copy = views.back();
        views.clear();
        EXPECT_EQ(n.counter.calls.load(), 0);
    }
    EXPECT_EQ(n.counter.calls.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Numpy, NumpyArrayView, ::testing::ValuesIn(test::layouts()), test::LayoutName());

// ------------------------------------------------------------------------------------ construction

TEST(ArrayConstruction, DefaultIsAZeroDimensionalFloat64Zero) {
    const Array a;
    EXPECT_EQ(a.ndim(), 0);
    EXPECT_EQ(a.size(), 1);
    EXPECT_EQ(a.dtype(), DType(ScalarType::float64));
    ASSERT_NE(a.data(), nullptr);
    for (std::int64_t i = 0; i < 8; ++i) EXPECT_EQ(a.data()[i], std::byte{0});
}

TEST(ArrayConstruction, ZerosIsZeroFilledAndAligned) {
    const Array a = Array::zeros(ScalarType::int32, Dims{3, 5}, MemoryOrder::F);
    EXPECT_EQ(a.strides(), (Dims{4, 12}));
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u);
    for (std::int64_t i = 0; i < a.nbytes(); ++i) EXPECT_EQ(a.data()[i], std::byte{0});
    EXPECT_TRUE(a.flags().aligned);
    EXPECT_TRUE(a.flags().writeable);
}

TEST(ArrayConstruction, EveryAllocationSizeIsLineAlignedAndWholeUntilTheLastViewGoes) {
    // Small and mid-sized arrays share one allocation with their owner's count; large ones take huge
    // pages. Either way the data starts on a 64-byte line and every byte can be written and read back.
    std::vector<Array> views;
    for (const std::int64_t n : std::initializer_list<std::int64_t>{0, 1, 7, 63, 64, 65, 1000, 4095, 4096, 65537,
                                                                    (std::int64_t{4} << 20) + 3}) {
        const std::int64_t shape[] = {n};
        Array a = Array::empty(ScalarType::uint8, shape);
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a.data()) % 64, 0u) << n << " bytes";
        std::memset(a.data(), 0xA5, static_cast<std::size_t>(n));
        const Index tail[] = {Slice{n / 2, std::nullopt, std::nullopt}};
        views.push_back(a.index(tail));  // outlives `a`: the owner keeps the block
    }
    for (const Array& v : views)
        for (std::int64_t i = 0; i < v.size(); ++i) ASSERT_EQ(v.data()[i], std::byte{0xA5});
}

TEST(ArrayConstruction, AFreedLargeBlockIsReusedOnlyOnceNoViewHoldsItAndZerosStillClearsIt) {
    const std::int64_t shape[] = {(std::int64_t{5} << 20) + 11};
    std::byte* first = nullptr;
    Array kept;
    {
        Array a = Array::empty(ScalarType::uint8, shape);
        first = a.data();
        std::memset(a.data(), 0xFF, static_cast<std::size_t>(a.nbytes()));
        kept = a.index(std::vector<Index>{Slice{1, 2, std::nullopt}});  // a view keeps the block
    }
    const Array while_viewed = Array::empty(ScalarType::uint8, shape);
    EXPECT_NE(while_viewed.data(), first) << "a block a view still reads must not be handed out again";
    kept = Array();
    {
        const Array reused = Array::zeros(ScalarType::uint8, shape);
        EXPECT_EQ(reused.data(), first) << "the freed block of the same size is taken from the cache";
        EXPECT_EQ(reinterpret_cast<std::uintptr_t>(reused.data()) % (std::uintptr_t{2} << 20), 0u);
        for (std::int64_t i = 0; i < reused.nbytes(); i += 4093) ASSERT_EQ(reused.data()[i], std::byte{0}) << i;
        EXPECT_EQ(reused.data()[reused.nbytes() - 1], std::byte{0});
    }
    // A much smaller request does not take (and so hold) the larger cached block (6 MiB for 4 MiB).
    const std::int64_t small_shape[] = {std::int64_t{4} << 20};
    const Array smaller = Array::empty(ScalarType::uint8, small_shape);
    EXPECT_NE(smaller.data(), first);
}

TEST(ArrayConstruction, EmptyWithoutElementsHasZeroStridesAsInNumpy) {
    // np.empty((2, 0, 3)).strides == (0, 0, 0)
    const Array a = Array::empty(ScalarType::float64, Dims{2, 0, 3});
    EXPECT_EQ(a.strides(), (Dims{0, 0, 0}));
    EXPECT_NE(a.data(), nullptr) << "even an empty array has a valid data pointer";
}

TEST(ArrayConstruction, EmptyRefusesOverflowingSizes) {
    EXPECT_NDB_ERROR(Array::empty(ScalarType::float64, Dims{kMax / 4}), ErrorKind::overflow);
    EXPECT_NDB_ERROR(Array::empty(ScalarType::float64, Dims{-1}), ErrorKind::value);
}

TEST(ArrayWrap, EmptyStridesMeanCContiguous) {
    std::vector<std::byte> buf(48);
    const Array a = Array::wrap(buf.data(), ScalarType::int16, Dims{4, 6}, {}, Device::cpu(), true, nullptr);
    EXPECT_EQ(a.strides(), (Dims{12, 2}));
    EXPECT_TRUE(a.readonly());
    EXPECT_FALSE(a.flags().writeable);
}

TEST(ArrayWrap, RefusesMoreThan64Dimensions) {
    std::vector<std::byte> buf(8);
    EXPECT_NO_THROW(Array::wrap(buf.data(), ScalarType::int8, Dims(64, 1), {}, Device::cpu(), false, nullptr));
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::int8, Dims(65, 1), {}, Device::cpu(), false, nullptr),
                     ErrorKind::value);
}

TEST(ArrayWrap, RefusesOverflowingShapes) {
    std::vector<std::byte> buf(8);
    const Dims huge{std::int64_t{1} << 62, 4};
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::int8, huge, Dims{4, 1}, Device::cpu(), false, nullptr),
                     ErrorKind::overflow);
    // The element count fits, the byte count does not.
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::float64, Dims{std::int64_t{1} << 61}, Dims{0}, Device::cpu(),
                                 false, nullptr),
                     ErrorKind::overflow);
    // Sizes fit, but stride x extent does not.
    EXPECT_NDB_ERROR(
        Array::wrap(buf.data(), ScalarType::int8, Dims{3}, Dims{kMax / 2 + 1}, Device::cpu(), false, nullptr),
        ErrorKind::overflow);
    EXPECT_NO_THROW(Array::wrap(buf.data(), ScalarType::int8, Dims{3}, Dims{kMax / 2}, Device::cpu(), false, nullptr));
    // Each direction fits, but the span from the lowest to the highest byte does not.
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::int8, Dims{3, 3}, Dims{kMax / 2, -(kMax / 2)}, Device::cpu(),
                                 false, nullptr),
                     ErrorKind::overflow);
}

TEST(ArrayWrap, RefusesBadShapesStridesAndPointers) {
    std::vector<std::byte> buf(8);
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::int8, Dims{2, -1}, Dims{1, 1}, Device::cpu(), false, nullptr),
                     ErrorKind::value);
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::int8, Dims{2, 2}, Dims{1}, Device::cpu(), false, nullptr),
                     ErrorKind::value);
    EXPECT_NDB_ERROR(Array::wrap(nullptr, ScalarType::int8, Dims{2}, {}, Device::cpu(), false, nullptr),
                     ErrorKind::value);
    EXPECT_NO_THROW(Array::wrap(nullptr, ScalarType::int8, Dims{0, 2}, {}, Device::cpu(), false, nullptr));
}

TEST(ArrayWrap, ReleasesTheOwnerExactlyOnceEvenWhenWrapFails) {
    ReleaseCounter counter;
    std::vector<std::byte> buf(8);
    EXPECT_NDB_ERROR(Array::wrap(buf.data(), ScalarType::int8, Dims(65, 1), {}, Device::cpu(), false, counter.owner()),
                     ErrorKind::value);
    EXPECT_EQ(counter.calls.load(), 1);
}

TEST(ArrayWrap, KeepsForeignDeviceMetadata) {
    std::vector<std::byte> buf(8);
    const Array a = Array::wrap(buf.data(), ScalarType::float32, Dims{2}, {}, Device{kDLCUDA, 3}, false, nullptr);
    EXPECT_EQ(a.device(), (Device{kDLCUDA, 3}));
    EXPECT_EQ(a.index(std::vector<Index>{Slice{std::nullopt, std::nullopt, std::int64_t{-1}}}).device(), a.device());
}

// ------------------------------------------------------------------------------------ indexing errors

Array arange_like(Dims shape) { return Array::zeros(ScalarType::float64, shape); }

TEST(ArrayIndex, OutOfRangeIntegersAreIndexErrors) {
    const Array a = arange_like({3, 4});
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{std::int64_t{3}}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{std::int64_t{-4}}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{Slice{}, std::int64_t{4}}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{std::numeric_limits<std::int64_t>::min()}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{kMax}), ErrorKind::index);
    EXPECT_NO_THROW(a.index(std::vector<Index>{std::int64_t{-3}}));
}

TEST(ArrayIndex, ZeroStepIsAValueError) {
    const Array a = arange_like({5});
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{Slice{std::nullopt, std::nullopt, std::int64_t{0}}}), ErrorKind::value);
}

TEST(ArrayIndex, TooManyIndicesAndSeveralEllipsesAreIndexErrors) {
    const Array a = arange_like({2, 2});
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{std::int64_t{0}, std::int64_t{0}, std::int64_t{0}}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{Slice{}, Slice{}, Slice{}}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>{EllipsisIndex{}, EllipsisIndex{}}), ErrorKind::index);
    EXPECT_NDB_ERROR(Array().index(std::vector<Index>{std::int64_t{0}}), ErrorKind::index);
}

TEST(ArrayIndex, ResultsWithMoreThan64DimensionsAreRefused) {
    const Array a = arange_like({2});
    EXPECT_EQ(a.index(std::vector<Index>(63, NewAxis{})).ndim(), 64);
    EXPECT_NDB_ERROR(a.index(std::vector<Index>(64, NewAxis{})), ErrorKind::index);
}

TEST(ArrayIndex, ExtremeSliceBoundsAndStepsClampLikePython) {
    const Array a = arange_like({5});
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    const Array rev = a.index(std::vector<Index>{Slice{std::nullopt, std::nullopt, kMin}});
    EXPECT_EQ(rev.shape(), Dims{1});
    EXPECT_EQ(rev.data() - a.data(), 32) << "a[::-2**63] is the last element";
    const Array all = a.index(std::vector<Index>{Slice{kMin, kMax, std::nullopt}});
    EXPECT_EQ(all.shape(), Dims{5});
    const Array none = a.index(std::vector<Index>{Slice{kMax, kMin, std::nullopt}});
    EXPECT_EQ(none.shape(), Dims{0});
    const Array back = a.index(std::vector<Index>{Slice{kMax, kMin, std::int64_t{-1}}});
    EXPECT_EQ(back.shape(), Dims{5});
    EXPECT_EQ(back.strides(), Dims{-8});
}

// ------------------------------------------------------------------------------------ other views

TEST(ArrayPermute, RejectsBadAxes) {
    const Array a = arange_like({2, 3, 4});
    EXPECT_NDB_ERROR(a.permute(Dims{0, 1}), ErrorKind::value);
    EXPECT_NDB_ERROR(a.permute(Dims{0, 1, 1}), ErrorKind::value);
    EXPECT_NDB_ERROR(a.permute(Dims{0, 1, 3}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.permute(Dims{0, 1, -4}), ErrorKind::index);
    EXPECT_EQ(a.permute(Dims{2, 0, 1}).shape(), (Dims{4, 2, 3}));
    EXPECT_EQ(a.permute(Dims{2, 0, 1}).strides(), (Dims{8, 96, 32}));
}

TEST(ArraySqueeze, OneAxisOrAll) {
    const Array a = arange_like({1, 3, 1});
    EXPECT_EQ(a.squeeze().shape(), Dims{3});
    EXPECT_EQ(a.squeeze(0).shape(), (Dims{3, 1}));
    EXPECT_EQ(a.squeeze(-1).shape(), (Dims{1, 3}));
    EXPECT_NDB_ERROR(a.squeeze(1), ErrorKind::value);
    EXPECT_NDB_ERROR(a.squeeze(3), ErrorKind::index);
    EXPECT_NDB_ERROR(a.squeeze(-4), ErrorKind::index);
}

TEST(ArrayExpandDims, RefusesBadAxesAndTheDimensionLimit) {
    const Array a = arange_like({2, 3});
    EXPECT_NDB_ERROR(a.expand_dims(3), ErrorKind::index);
    EXPECT_NDB_ERROR(a.expand_dims(-4), ErrorKind::index);
    const Array deep = Array::zeros(ScalarType::int8, Dims(64, 1));
    EXPECT_NDB_ERROR(deep.expand_dims(0), ErrorKind::value);
}

TEST(ArrayReshape, RefusesBadShapesAndOrders) {
    const Array a = arange_like({2, 3});
    EXPECT_NDB_ERROR(a.reshape(Dims{4}), ErrorKind::value);
    EXPECT_NDB_ERROR(a.reshape(Dims{-1, -1}), ErrorKind::value);
    EXPECT_NDB_ERROR(a.reshape(Dims{6}, MemoryOrder::K), ErrorKind::value);
    EXPECT_NDB_ERROR(a.reshape(Dims{6}, MemoryOrder::A), ErrorKind::value);
    EXPECT_NDB_ERROR(a.reshape(Dims(65, 1)), ErrorKind::value);
    EXPECT_EQ(a.reshape(Dims{3, -1}).shape(), (Dims{3, 2}));
}

TEST(ArrayReadonly, IsInheritedByEveryView) {
    const Array a = arange_like({2, 3}).as_readonly();
    EXPECT_TRUE(a.readonly());
    EXPECT_TRUE(a.transpose().readonly());
    EXPECT_TRUE(a.reshape(Dims{6}).readonly());
    EXPECT_TRUE(a.index(std::vector<Index>{std::int64_t{1}}).readonly());
    EXPECT_TRUE(a.squeeze().readonly());
    EXPECT_TRUE(a.expand_dims(0).readonly());
    EXPECT_TRUE(a.with_dtype(ScalarType::int64).readonly());
    EXPECT_FALSE(a.flags().writeable);
}

TEST(ArrayWithDtype, ReinterpretsOnlyEqualItemsizes) {
    const Array a = arange_like({2, 3});
    const DType swapped = DType(ScalarType::float64).with_native_order(false);
    const Array s = a.with_dtype(swapped);
    EXPECT_EQ(s.dtype(), swapped);
    EXPECT_EQ(s.strides(), a.strides());
    EXPECT_EQ(s.data(), a.data());
    EXPECT_NDB_ERROR(a.with_dtype(ScalarType::float32), ErrorKind::value);
}

TEST(ArrayFlags, MisalignedDataOrStridesAreNotAligned) {
    std::vector<std::byte> buf(64);
    const Array a = Array::wrap(buf.data() + 1, ScalarType::int32, Dims{3}, Dims{4}, Device::cpu(), false, nullptr);
    EXPECT_FALSE(a.flags().aligned);
    const Array b = Array::wrap(buf.data(), ScalarType::int32, Dims{3}, Dims{6}, Device::cpu(), false, nullptr);
    EXPECT_FALSE(b.flags().aligned);
    // A stride that never moves (extent 1) does not count.
    const Array c = Array::wrap(buf.data(), ScalarType::int32, Dims{1, 3}, Dims{7, 4}, Device::cpu(), false, nullptr);
    EXPECT_TRUE(c.flags().aligned);
}

TEST(ArrayElement, NeedsOneIndexPerDimension) {
    const Array a = arange_like({2, 3});
    EXPECT_NDB_ERROR(a.element(Dims{1}), ErrorKind::index);
    EXPECT_NDB_ERROR(a.element(Dims{1, -1}), ErrorKind::index);
    EXPECT_EQ(a.element(Dims{1, 2}) - a.data(), 40);
}

TEST(NormalizeAxis, WrapsNegativesAndRejectsOutOfRange) {
    EXPECT_EQ(normalize_axis(-1, 3, "t"), 2);
    EXPECT_EQ(normalize_axis(0, 3, "t"), 0);
    EXPECT_NDB_ERROR(normalize_axis(3, 3, "t"), ErrorKind::index);
    EXPECT_NDB_ERROR(normalize_axis(-4, 3, "t"), ErrorKind::index);
    EXPECT_NDB_ERROR(normalize_axis(0, 0, "t"), ErrorKind::index);
}

TEST(Owner, MakeOwnerReleasesOnceAcrossCopies) {
    ReleaseCounter counter;
    {
        Owner a = counter.owner();
        Owner b = a;
        Owner c = std::move(a);
        EXPECT_EQ(b.use_count(), 2);
    }
    EXPECT_EQ(counter.calls.load(), 1);
}

}  // namespace
}  // namespace ndbridge
