// Tests of DLPack for C++ users (dlpack_api.h): to_dlpack / from_dlpack round trips keep the memory, the
// read-only flag and the values; awkward layouts are copied (IS_COPIED) or refused under allow_copy=false;
// every deleter runs exactly once; the exchange API consumer calls a table of C functions.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "ndbridge/containers.h"
#include "ndbridge/dlpack_api.h"
#include "ndbridge/view.h"

namespace ndbridge::test {
namespace {

TEST(DLPackApi, round_trip_shares_memory_and_keeps_the_read_only_flag) {
    const Array a = asarray(std::vector<std::vector<int>>{{1, 2, 3}, {4, 5, 6}});
    for (bool readonly : {false, true}) {
        const Array src = readonly ? a.as_readonly() : a;
        DLManagedTensorVersioned* t = to_dlpack(src.transpose());
        EXPECT_EQ((t->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0, readonly);
        EXPECT_EQ(t->flags & DLPACK_FLAG_BITMASK_IS_COPIED, 0u);
        EXPECT_EQ(t->dl_tensor.strides[0], 1);
        const Array back = from_dlpack(t);
        EXPECT_EQ(back.data(), a.data());
        EXPECT_EQ(back.readonly(), readonly);
        EXPECT_EQ((view<const int, 2>(back)(2, 1)), 6);
    }
}

TEST(DLPackApi, non_native_byte_order_is_copied_or_refused) {
    const Array a = asarray(std::vector<std::uint16_t>{0x0102, 0x0304});
    const Array swapped = a.with_dtype(DType(ScalarType::uint16).with_native_order(false)).as_readonly();
    unique_dlpack t(to_dlpack(swapped));
    EXPECT_NE(t->flags & DLPACK_FLAG_BITMASK_IS_COPIED, 0u);
    EXPECT_NE(t->flags & DLPACK_FLAG_BITMASK_READ_ONLY, 0u);
    EXPECT_EQ(static_cast<const std::uint16_t*>(t->dl_tensor.data)[0], 0x0201);
    try {
        (void)to_dlpack(swapped, false);
        FAIL() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::copy);
        EXPECT_NE(std::string(e.what()).find("byte order"), std::string::npos) << e.what();
    }
    const std::int64_t shape[] = {2};
    const Array dates = Array::empty(DType::datetime64(TimeUnit::s), shape);
    EXPECT_THROW((void)to_dlpack(dates), Error);
}

struct Counted {
    static inline int deletes = 0;
    DLManagedTensorVersioned tensor{};
    std::int64_t shape[1] = {3};
    float data[3] = {1, 2, 3};
};

DLManagedTensorVersioned* make_counted() {
    auto* c = new Counted;
    c->tensor.version = {1, 1};
    c->tensor.manager_ctx = c;
    c->tensor.deleter = [](DLManagedTensorVersioned* self) {
        ++Counted::deletes;
        delete static_cast<Counted*>(self->manager_ctx);
    };
    c->tensor.dl_tensor = DLTensor{c->data, {kDLCPU, 0}, 1, {kDLFloat, 32, 1}, c->shape, nullptr, 0};
    return &c->tensor;
}

TEST(DLPackApi, from_dlpack_calls_the_deleter_once_on_success_and_on_failure) {
    Counted::deletes = 0;
    {
        const Array a = from_dlpack(make_counted());
        EXPECT_EQ((view<const float, 1>(a)(2)), 3.0f);
        EXPECT_EQ(Counted::deletes, 0);
    }
    EXPECT_EQ(Counted::deletes, 1);
    DLManagedTensorVersioned* bad = make_counted();
    bad->dl_tensor.ndim = -1;
    EXPECT_THROW((void)from_dlpack(bad), Error);
    EXPECT_EQ(Counted::deletes, 2);
}

// A producer's table, as a Python type would publish it; the "objects" are plain C++ pointers here, which
// the table's functions are free to interpret.
int counted_from_object(void*, DLManagedTensorVersioned** out) {
    *out = make_counted();
    return 0;
}
int wrap_as_object(DLManagedTensorVersioned* t, void** out) {
    *out = t;  // the "object" is the tensor itself; the test releases it
    return 0;
}
int failing_from_object(void*, DLManagedTensorVersioned**) { return -1; }
int no_stream(DLDeviceType, int32_t, void** s) {
    *s = nullptr;
    return 0;
}

TEST(DLPackApi, exchange_api_consumer_side_calls_the_table) {
    Counted::deletes = 0;
    DLPackExchangeAPI api{{{1, 1}, nullptr}, nullptr, &counted_from_object, &wrap_as_object, nullptr, &no_stream};
    ASSERT_TRUE(exchange_api_usable(&api));
    {
        const Array a = from_exchange_api(api, nullptr);
        EXPECT_EQ((view<const float, 1>(a)(1)), 2.0f);
    }
    EXPECT_EQ(Counted::deletes, 1);
    const Array b = asarray(std::vector<double>{5, 6});
    auto* t = static_cast<DLManagedTensorVersioned*>(to_exchange_api(api, b));
    EXPECT_EQ(t->dl_tensor.data, static_cast<void*>(b.data()));
    t->deleter(t);
    api.managed_tensor_from_py_object_no_sync = &failing_from_object;
    EXPECT_THROW((void)from_exchange_api(api, nullptr), Error);
    api.header.version.major = 2;
    EXPECT_FALSE(exchange_api_usable(&api));
}

}  // namespace
}  // namespace ndbridge::test
