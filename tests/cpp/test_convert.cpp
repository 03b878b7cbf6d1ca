// The share-or-copy decision (convert.h): when the source's memory is shared, when it is copied, and
// that copy=never names the reason instead of copying.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "ndbridge/convert.h"
#include "ndbridge/copy.h"
#include "ndbridge/scalar.h"
#include "test_data.h"

// Requests are written with designated initializers; the fields left out keep their defaults on purpose.
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace ndbridge {
namespace {

using test::throws_error;

// A (2, 3) float64 array holding 0..5 in C order.
Array c_array() {
    const std::int64_t shape[] = {2, 3};
    Array a = Array::empty(ScalarType::float64, shape);
    for (std::int64_t i = 0; i < 6; ++i) {
        const double v = static_cast<double>(i);
        std::memcpy(a.data() + 8 * i, &v, 8);
    }
    return a;
}

double at(const Array& a, std::int64_t i, std::int64_t j) {
    const std::int64_t idx[] = {i, j};
    return std::get<double>(load_scalar(a.dtype(), a.element(idx)));
}

bool same_values(const Array& a, const Array& b) {
    for (std::int64_t i = 0; i < a.shape()[0]; ++i)
        for (std::int64_t j = 0; j < a.shape()[1]; ++j)
            if (at(a, i, j) != at(b, i, j)) return false;
    return true;
}

Array reversed(const Array& a) {
    const Index items[] = {Slice{std::nullopt, std::nullopt, -1}, Slice{std::nullopt, std::nullopt, -1}};
    return a.index(items);
}

TEST(ShareOrCopy, NothingRequestedSharesTheSource) {
    const Array a = c_array();
    const Array r = share_or_copy(a, {});
    EXPECT_EQ(r.data(), a.data());
    EXPECT_EQ(r.owner(), a.owner());
    EXPECT_FALSE(copy_reason(a, {}, kNdbridgeTarget).has_value());
}

TEST(ShareOrCopy, CopyAlwaysGivesNewMemoryWithEqualValues) {
    const Array a = c_array();
    const Array r = share_or_copy(a, {.copy = CopyMode::always});
    EXPECT_NE(r.data(), a.data());
    EXPECT_TRUE(same_values(a, r));
}

TEST(ShareOrCopy, EquivalentDtypeSharesOtherDtypeCasts) {
    const Array a = c_array();
    EXPECT_EQ(share_or_copy(a, {.dtype = DType(ScalarType::float64)}).data(), a.data());
    const Array r = share_or_copy(a, {.dtype = DType(ScalarType::int32)});
    EXPECT_NE(r.data(), a.data());
    EXPECT_EQ(r.dtype(), DType(ScalarType::int32));
    const std::int64_t idx[] = {1, 2};
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(r.dtype(), r.element(idx))), 5);
}

TEST(ShareOrCopy, CopyNeverNamesTheReason) {
    const Array a = c_array();
    try {
        share_or_copy(a, {.dtype = DType(ScalarType::float32), .copy = CopyMode::never});
        FAIL() << "expected Error(copy)";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::copy);
        EXPECT_NE(std::string(e.what()).find("float32"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("copy=False"), std::string::npos) << e.what();
    }
    EXPECT_EQ(share_or_copy(a, {.copy = CopyMode::never}).data(), a.data());  // nothing to copy: allowed
}

TEST(ShareOrCopy, NegativeStridesShareForNdbridgeAndCopyForTorch) {
    const Array r = reversed(c_array());
    EXPECT_EQ(share_or_copy(r, {}).data(), r.data());
    const Array t = share_or_copy(r, {}, kTorchTarget);
    EXPECT_NE(t.data(), r.data());
    EXPECT_GT(t.strides()[0], 0);
    EXPECT_GT(t.strides()[1], 0);
    EXPECT_TRUE(same_values(r, t));
    EXPECT_TRUE(
        throws_error([&] { share_or_copy(r, {.copy = CopyMode::never}, kTorchTarget); }, ErrorKind::copy, "torch"));
}

TEST(ShareOrCopy, ReadOnlySharesForNdbridgeAndCopiesWritableForTorch) {
    const Array ro = c_array().as_readonly();
    const Array same = share_or_copy(ro, {});
    EXPECT_EQ(same.data(), ro.data());
    EXPECT_TRUE(same.readonly());
    const Array t = share_or_copy(ro, {}, kTorchTarget);
    EXPECT_NE(t.data(), ro.data());
    EXPECT_FALSE(t.readonly());
    const auto reason = copy_reason(ro, {}, kTorchTarget);
    ASSERT_TRUE(reason.has_value());
    EXPECT_NE(reason->find("read-only"), std::string::npos) << *reason;
}

TEST(ShareOrCopy, NonNativeOrderCopiesToNativeForTorch) {
    Array a = c_array();
    const Array swapped = a.with_dtype(DType(ScalarType::float64).with_native_order(false));
    EXPECT_EQ(share_or_copy(swapped, {}).data(), swapped.data());
    const Array t = share_or_copy(swapped, {}, kTorchTarget);
    EXPECT_TRUE(t.dtype().is_native());
    EXPECT_EQ(t.dtype().type(), ScalarType::float64);
    EXPECT_TRUE(same_values(swapped, t));
}

TEST(ShareOrCopy, StridesThatAreNotWholeItemsCopyForDLPack) {
    std::vector<std::byte> memory(64);
    const std::int64_t shape[] = {3};
    const std::int64_t strides[] = {12};
    const Array odd = Array::wrap(memory.data(), ScalarType::float64, shape, strides, Device::cpu(), false, nullptr);
    EXPECT_TRUE(copy_reason(odd, {}, kDLPackTarget).has_value());
    EXPECT_FALSE(copy_reason(odd, {}, kNdbridgeTarget).has_value());
    EXPECT_EQ(share_or_copy(odd, {}, kDLPackTarget).strides()[0], 8);
}

TEST(ShareOrCopy, OrderCOnFortranCopiesOrderFAndAShare) {
    const Array f = c_array().transpose();  // F-contiguous (3, 2)
    EXPECT_EQ(share_or_copy(f, {.order = MemoryOrder::F}).data(), f.data());
    EXPECT_EQ(share_or_copy(f, {.order = MemoryOrder::A}).data(), f.data());
    EXPECT_EQ(share_or_copy(f, {.order = MemoryOrder::K}).data(), f.data());
    const Array c = share_or_copy(f, {.order = MemoryOrder::C});
    EXPECT_NE(c.data(), f.data());
    EXPECT_TRUE(c.is_c_contiguous());
    EXPECT_TRUE(same_values(f, c));
}

TEST(ShareOrCopy, DeviceChangeIsRefusedByTheCore) {
    const Array a = c_array();
    const Device cuda{kDLCUDA, 0};
    EXPECT_TRUE(throws_error([&] { share_or_copy(a, {.device = cuda}); }, ErrorKind::value, "device"));
    EXPECT_TRUE(
        throws_error([&] { share_or_copy(a, {.device = cuda, .copy = CopyMode::never}); }, ErrorKind::copy, "device"));
    EXPECT_EQ(share_or_copy(a, {.device = Device::cpu()}).data(), a.data());
}

}  // namespace
}  // namespace ndbridge
