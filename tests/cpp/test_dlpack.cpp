// Tests of DLPack import and export (ndbridge/dlpack_io.h): export -> import round trips for every
// DLPack-expressible dtype and layout, and ownership — every deleter and every owner is released exactly
// once, on every path (success, each import error, each export refusal), on whichever thread drops last.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "ndbridge/dlpack_io.h"
#include "test_data.h"

namespace ndbridge::test {
namespace {

// ---------------------------------------------------------------------------------------------- helpers

/// DLPack's (code, bits) for each dtype it can express, written from the DLPack specification.
struct DLCode {
    const char* name;
    std::uint8_t code;
    std::uint8_t bits;
};
constexpr DLCode kExpressible[] = {
    {"bool", kDLBool, 8},
    {"int8", kDLInt, 8},
    {"int16", kDLInt, 16},
    {"int32", kDLInt, 32},
    {"int64", kDLInt, 64},
    {"uint8", kDLUInt, 8},
    {"uint16", kDLUInt, 16},
    {"uint32", kDLUInt, 32},
    {"uint64", kDLUInt, 64},
    {"float16", kDLFloat, 16},
    {"bfloat16", kDLBfloat, 16},
    {"float32", kDLFloat, 32},
    {"float64", kDLFloat, 64},
    {"complex64", kDLComplex, 64},
    {"complex128", kDLComplex, 128},
    {"float8_e4m3fn", kDLFloat8_e4m3fn, 8},
    {"float8_e5m2", kDLFloat8_e5m2, 8},
};

/// A layout in elements: the test scales by the item size.
struct ElementLayout {
    const char* name;
    Dims shape;
    Dims strides;         ///< in elements
    std::int64_t offset;  ///< elements from the buffer start to the first element
};
const std::vector<ElementLayout>& round_trip_layouts() {
    static const std::vector<ElementLayout> layouts = {
        {"c_2x3x4", {2, 3, 4}, {12, 4, 1}, 0},
        {"f_2x3x4", {2, 3, 4}, {1, 2, 6}, 0},
        {"strided_rows_and_cols", {3, 2}, {8, 2}, 1},
        {"negative_strides", {3, 4}, {-4, -1}, 11},
        {"mixed_sign_3d", {2, 2, 3}, {-6, 3, -1}, 11},
        {"zero_d", {}, {}, 5},
        {"size_0", {0, 3}, {3, 1}, 0},
        {"broadcast_rows", {3, 4}, {0, 1}, 0},
        {"size_1_dims", {1, 5, 1}, {5, 1, 1}, 0},
    };
    return layouts;
}
constexpr std::int64_t kBufferElements = 48;

/// Test-owned memory for up to kBufferElements elements of any dtype (16 bytes at most), 64-byte aligned.
struct Memory {
    alignas(64) std::byte bytes[kBufferElements * 16]{};
};

Array wrap_layout(Memory& mem, DType dtype, const ElementLayout& l, bool readonly, Owner owner,
                  Device device = Device::cpu()) {
    Dims strides = l.strides;
    for (auto& s : strides) s *= dtype.itemsize();
    return Array::wrap(mem.bytes + l.offset * dtype.itemsize(), dtype, l.shape, strides, device, readonly,
                       std::move(owner));
}

/// A producer's tensor built by hand; its deleter counts calls and remembers the thread it ran on.
template <class Managed>
struct HandBuilt {
    Managed managed{};
    Dims shape;
    Dims strides;
    alignas(64) std::byte data[256]{};
    std::atomic<int> deleted{0};
    std::thread::id deleter_thread;

    static void deleter(Managed* self) {
        auto* h = static_cast<HandBuilt*>(self->manager_ctx);
        h->deleter_thread = std::this_thread::get_id();
        h->deleted.fetch_add(1);
    }

    /// A valid float32 (2, 3) C-contiguous tensor on the CPU.
    HandBuilt() : shape{2, 3}, strides{3, 1} {
        if constexpr (std::is_same_v<Managed, DLManagedTensorVersioned>) managed.version = {1, 1};
        managed.manager_ctx = this;
        managed.deleter = &HandBuilt::deleter;
        DLTensor& t = managed.dl_tensor;
        t.data = data;
        t.device = {kDLCPU, 0};
        t.ndim = 2;
        t.dtype = {kDLFloat, 32, 1};
        t.shape = shape.data();
        t.strides = strides.data();
        t.byte_offset = 0;
    }
    HandBuilt(const HandBuilt&) = delete;
    HandBuilt& operator=(const HandBuilt&) = delete;

    DLTensor& tensor() { return managed.dl_tensor; }
};
using Versioned = HandBuilt<DLManagedTensorVersioned>;
using Legacy = HandBuilt<DLManagedTensor>;

// ---------------------------------------------------------------------------------------------- round trips

class DLPackRoundTrip : public ::testing::TestWithParam<DLCode> {};

// export_dlpack_versioned -> import_dlpack gives the same memory, shape, byte strides, dtype and
// read-only flag, and the source's owner is released exactly once, after the last imported view.
TEST_P(DLPackRoundTrip, VersionedKeepsEverythingAndReleasesTheSourceOnce) {
    const DLCode& code = GetParam();
    const DType dtype = parse_dtype(code.name);
    for (const ElementLayout& l : round_trip_layouts()) {
        for (const bool readonly : {false, true}) {
            SCOPED_TRACE(std::string(l.name) + (readonly ? " read-only" : " writeable"));
            Memory mem;
            ReleaseCounter counter;
            {
                Array a = wrap_layout(mem, dtype, l, readonly, counter.owner());
                ASSERT_EQ(dlpack_export_obstacle(a), nullptr);
                DLManagedTensorVersioned* t = export_dlpack_versioned(a);
                ASSERT_NE(t, nullptr);
                // What a consumer reads.
                EXPECT_EQ(t->version.major, 1u);
                EXPECT_EQ(t->version.minor, static_cast<std::uint32_t>(NDBRIDGE_DLPACK_MINOR_VERSION));
                EXPECT_EQ(t->flags, readonly ? DLPACK_FLAG_BITMASK_READ_ONLY : 0u);
                const DLTensor& dl = t->dl_tensor;
                EXPECT_EQ(dl.data, static_cast<void*>(a.data()));
                EXPECT_EQ(dl.byte_offset, 0u);
                EXPECT_EQ(dl.device.device_type, kDLCPU);
                EXPECT_EQ(dl.device.device_id, 0);
                EXPECT_EQ(dl.dtype.code, code.code);
                EXPECT_EQ(dl.dtype.bits, code.bits);
                EXPECT_EQ(dl.dtype.lanes, 1);
                ASSERT_EQ(dl.ndim, static_cast<std::int32_t>(l.shape.size()));
                for (std::size_t i = 0; i < l.shape.size(); ++i) {
                    EXPECT_EQ(dl.shape[i], l.shape[i]);
                    EXPECT_EQ(dl.strides[i], l.strides[i]) << "strides are in elements";
                }
                // The tensor keeps the source alive on its own.
                std::byte* const data = a.data();
                const Dims byte_strides = a.strides();
                a = Array();
                EXPECT_EQ(counter.calls.load(), 0);

                Array b = import_dlpack(t);
                EXPECT_EQ(b.data(), data);
                EXPECT_EQ(b.shape(), l.shape);
                EXPECT_EQ(b.strides(), byte_strides);
                EXPECT_EQ(b.dtype(), dtype);
                EXPECT_EQ(b.readonly(), readonly);
                EXPECT_EQ(b.device(), Device::cpu());
                // Views of the import share its ownership.
                Array view = b.ndim() > 0 ? b.transpose() : b.as_readonly();
                b = Array();
                EXPECT_EQ(counter.calls.load(), 0) << "released while a view is alive";
                EXPECT_EQ(view.data(), data);
            }
            EXPECT_EQ(counter.calls.load(), 1);
        }
    }
}

// The legacy struct round-trips too; the import is read-only (the struct cannot say whether writing is allowed).
TEST_P(DLPackRoundTrip, LegacyImportsReadOnlyAndReleasesTheSourceOnce) {
    const DLCode& code = GetParam();
    const DType dtype = parse_dtype(code.name);
    for (const ElementLayout& l : round_trip_layouts()) {
        SCOPED_TRACE(l.name);
        Memory mem;
        ReleaseCounter counter;
        {
            Array a = wrap_layout(mem, dtype, l, false, counter.owner());
            DLManagedTensor* t = export_dlpack_legacy(a);
            ASSERT_NE(t, nullptr);
            EXPECT_EQ(t->dl_tensor.data, static_cast<void*>(a.data()));
            EXPECT_EQ(t->dl_tensor.dtype.code, code.code);
            EXPECT_EQ(t->dl_tensor.dtype.bits, code.bits);
            const Array b = import_dlpack(t);
            EXPECT_EQ(b.data(), a.data());
            EXPECT_EQ(b.shape(), a.shape());
            EXPECT_EQ(b.strides(), a.strides());
            EXPECT_EQ(b.dtype(), dtype);
            EXPECT_TRUE(b.readonly());
            a = Array();
            EXPECT_EQ(counter.calls.load(), 0);
        }
        EXPECT_EQ(counter.calls.load(), 1);
    }
}

// A consumer that never imports still calls the deleter once, and that releases the source.
TEST_P(DLPackRoundTrip, ConsumerDeleterAloneReleasesTheSource) {
    const DType dtype = parse_dtype(GetParam().name);
    Memory mem;
    ReleaseCounter counter;
    DLManagedTensorVersioned* versioned = nullptr;
    DLManagedTensor* legacy = nullptr;
    {
        const Array a = wrap_layout(mem, dtype, round_trip_layouts()[0], false, counter.owner());
        versioned = export_dlpack_versioned(a);
        legacy = export_dlpack_legacy(a);
    }
    EXPECT_EQ(counter.calls.load(), 0);
    versioned->deleter(versioned);
    EXPECT_EQ(counter.calls.load(), 0) << "the legacy tensor still holds the source";
    legacy->deleter(legacy);
    EXPECT_EQ(counter.calls.load(), 1);
}

INSTANTIATE_TEST_SUITE_P(Expressible, DLPackRoundTrip, ::testing::ValuesIn(kExpressible),
                         [](const ::testing::TestParamInfo<DLCode>& p) { return std::string(p.param.name); });

TEST(DLPackExport, IsCopiedFlagFollowsTheCaller) {
    Memory mem;
    const Array a = wrap_layout(mem, ScalarType::float32, round_trip_layouts()[0], false, nullptr);
    for (const bool is_copy : {false, true}) {
        DLManagedTensorVersioned* t = export_dlpack_versioned(a, is_copy);
        EXPECT_EQ((t->flags & DLPACK_FLAG_BITMASK_IS_COPIED) != 0, is_copy);
        EXPECT_EQ(t->flags & DLPACK_FLAG_BITMASK_READ_ONLY, 0u);
        t->deleter(t);
    }
    DLManagedTensorVersioned* t = export_dlpack_versioned(a.as_readonly(), true);
    EXPECT_EQ(t->flags, DLPACK_FLAG_BITMASK_READ_ONLY | DLPACK_FLAG_BITMASK_IS_COPIED);
    t->deleter(t);
}

TEST(DLPackExport, DeviceIsCarriedAndNeverDereferenced) {
    // A device pointer that the host must not touch: export and import are metadata only.
    ReleaseCounter counter;
    {
        auto* fake = reinterpret_cast<std::byte*>(std::uintptr_t{0x7f0000001000});
        const Dims shape{4, 5}, strides{20, 4};
        const Array a =
            Array::wrap(fake, ScalarType::float32, shape, strides, Device{kDLCUDA, 1}, false, counter.owner());
        DLManagedTensorVersioned* t = export_dlpack_versioned(a);
        EXPECT_EQ(t->dl_tensor.device.device_type, kDLCUDA);
        EXPECT_EQ(t->dl_tensor.device.device_id, 1);
        const Array b = import_dlpack(t);
        EXPECT_EQ(b.device(), (Device{kDLCUDA, 1}));
        EXPECT_EQ(b.data(), fake);
    }
    EXPECT_EQ(counter.calls.load(), 1);
}

TEST(DLPackExport, ReexportingAnImportedArrayKeepsTheProducerAlive) {
    Versioned producer;
    {
        Array first = import_dlpack(&producer.managed);
        DLManagedTensorVersioned* again = export_dlpack_versioned(first);
        first = Array();
        EXPECT_EQ(producer.deleted.load(), 0);
        Array second = import_dlpack(again);
        EXPECT_EQ(producer.deleted.load(), 0);
        EXPECT_EQ(static_cast<void*>(second.data()), static_cast<void*>(producer.data));
    }
    EXPECT_EQ(producer.deleted.load(), 1);
}

// ---------------------------------------------------------------------------------------------- export refusals

TEST(DLPackObstacles, NonNativeByteOrderIsRefusedWithoutLeaking) {
    Memory mem;
    ReleaseCounter counter;
    {
        const Array a = wrap_layout(mem, DType(ScalarType::float32).with_native_order(false), round_trip_layouts()[0],
                                    false, counter.owner());
        const char* why = dlpack_export_obstacle(a);
        ASSERT_NE(why, nullptr);
        EXPECT_NE(std::string(why).find("byte order"), std::string::npos) << why;
        EXPECT_NDB_ERROR(export_dlpack_versioned(a), ErrorKind::buffer);
        EXPECT_NDB_ERROR(export_dlpack_legacy(a), ErrorKind::buffer);
        EXPECT_EQ(counter.calls.load(), 0);
    }
    EXPECT_EQ(counter.calls.load(), 1);
    // One-byte types have no byte order: "non-native" int8 is exported.
    const Array b =
        wrap_layout(mem, DType(ScalarType::int8).with_native_order(false), round_trip_layouts()[0], false, nullptr);
    EXPECT_EQ(dlpack_export_obstacle(b), nullptr);
    DLManagedTensorVersioned* t = export_dlpack_versioned(b);
    t->deleter(t);
}

TEST(DLPackObstacles, StridesThatAreNotWholeElementsAreRefused) {
    Memory mem;
    ReleaseCounter counter;
    {
        const Dims shape{3}, strides{6};  // float32 every 6 bytes
        const Array a =
            Array::wrap(mem.bytes, ScalarType::float32, shape, strides, Device::cpu(), false, counter.owner());
        const char* why = dlpack_export_obstacle(a);
        ASSERT_NE(why, nullptr);
        EXPECT_NE(std::string(why).find("multiple of the item size"), std::string::npos) << why;
        EXPECT_NDB_ERROR(export_dlpack_versioned(a), ErrorKind::buffer);
        EXPECT_NDB_ERROR(export_dlpack_legacy(a), ErrorKind::buffer);
        // The stride of an extent-1 axis is never used, so it is no obstacle.
        const Dims shape1{1, 3}, strides1{6, 4};
        const Array b =
            Array::wrap(mem.bytes, ScalarType::float32, shape1, strides1, Device::cpu(), false, counter.owner());
        EXPECT_EQ(dlpack_export_obstacle(b), nullptr);
        const Array c = import_dlpack(export_dlpack_versioned(b));
        EXPECT_EQ(c.shape(), shape1);
        EXPECT_EQ(c.strides()[1], 4);
    }
    EXPECT_EQ(counter.calls.load(), 2);
}

TEST(DLPackObstacles, TypesDLPackCannotExpressAreRefusedWithoutLeaking) {
    for (const DType dtype :
         {DType::datetime64(TimeUnit::ns), DType::timedelta64(TimeUnit::s), DType::datetime64(TimeUnit::generic),
          DType::bytes(5), DType::unicode(3), DType(ScalarType::longdouble), DType(ScalarType::clongdouble)}) {
        SCOPED_TRACE(describe(dtype));
        Memory mem;
        ReleaseCounter counter;
        {
            const Dims shape{2};
            const Array a = Array::wrap(mem.bytes, dtype, shape, {}, Device::cpu(), false, counter.owner());
            const char* why = dlpack_export_obstacle(a);
            ASSERT_NE(why, nullptr);
            EXPECT_NE(std::string(why).find("DLPack"), std::string::npos) << why;
            EXPECT_NDB_ERROR(export_dlpack_versioned(a), ErrorKind::buffer);
            EXPECT_NDB_ERROR(export_dlpack_legacy(a), ErrorKind::buffer);
            EXPECT_NDB_ERROR(export_dlpack_versioned(a.with_dtype(dtype.with_native_order(false))), ErrorKind::buffer);
        }
        EXPECT_EQ(counter.calls.load(), 1);
    }
}

TEST(DLPackLegacy, ReadOnlyArraysAreRefusedWithoutLeaking) {
    Memory mem;
    ReleaseCounter counter;
    {
        const Array a = wrap_layout(mem, ScalarType::float64, round_trip_layouts()[0], true, counter.owner());
        EXPECT_EQ(dlpack_export_obstacle(a), nullptr) << "versioned export can mark it read-only";
        try {
            export_dlpack_legacy(a);
            FAIL() << "a read-only array went out as a legacy tensor";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::buffer);
            EXPECT_NE(std::string(e.what()).find("read-only"), std::string::npos) << e.what();
        }
        EXPECT_EQ(counter.calls.load(), 0);
    }
    EXPECT_EQ(counter.calls.load(), 1);
}

// ---------------------------------------------------------------------------------------------- import

TEST(DLPackImport, HandBuiltTensorIsViewedAndItsDeleterRunsOnceAfterTheLastView) {
    Versioned producer;
    std::vector<Array> views;
    {
        const Array a = import_dlpack(&producer.managed);
        EXPECT_EQ(static_cast<void*>(a.data()), static_cast<void*>(producer.data));
        EXPECT_EQ(a.shape(), (Dims{2, 3}));
        EXPECT_EQ(a.strides(), (Dims{12, 4}));
        EXPECT_EQ(a.dtype(), DType(ScalarType::float32));
        EXPECT_FALSE(a.readonly());
        const Index items[] = {std::int64_t{1}, Slice{std::nullopt, std::nullopt, -1}};
        views.push_back(a.index(items));
        views.push_back(a.transpose());
        views.push_back(a.reshape(Dims{6}));
    }
    EXPECT_EQ(producer.deleted.load(), 0);
    views.pop_back();
    views.pop_back();
    EXPECT_EQ(producer.deleted.load(), 0);
    views.clear();
    EXPECT_EQ(producer.deleted.load(), 1);
}

TEST(DLPackImport, DeleterMayRunOnAnotherThread) {
    Versioned producer;
    Array a = import_dlpack(&producer.managed);
    std::thread t([view = std::move(a)]() mutable { view = Array(); });
    std::thread::id other = t.get_id();
    t.join();
    EXPECT_EQ(producer.deleted.load(), 1);
    EXPECT_EQ(producer.deleter_thread, other);
    EXPECT_NE(producer.deleter_thread, std::this_thread::get_id());
}

TEST(DLPackImport, ManyThreadsDroppingViewsCallTheDeleterOnce) {
    Versioned producer;
    std::vector<std::thread> threads;
    {
        const Array a = import_dlpack(&producer.managed);
        for (int i = 0; i < 8; ++i) threads.emplace_back([view = a.transpose()]() mutable { view = Array(); });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(producer.deleted.load(), 1);
}

TEST(DLPackImport, ExportedTensorReleasesItsSourceOnTheThreadThatDropsIt) {
    Memory mem;
    ReleaseCounter counter;
    Array b;
    {
        const Array a = wrap_layout(mem, ScalarType::int32, round_trip_layouts()[1], false, counter.owner());
        b = import_dlpack(export_dlpack_versioned(a));
    }
    std::thread([view = std::move(b)]() mutable { view = Array(); }).join();
    EXPECT_EQ(counter.calls.load(), 1);
}

TEST(DLPackImport, FlagsStridesOffsetsAndDevices) {
    {
        Versioned p;
        p.managed.flags = DLPACK_FLAG_BITMASK_READ_ONLY;
        EXPECT_TRUE(import_dlpack(&p.managed).readonly());
        EXPECT_EQ(p.deleted.load(), 1);
    }
    {
        Versioned p;
        p.managed.flags = DLPACK_FLAG_BITMASK_IS_COPIED;
        EXPECT_FALSE(import_dlpack(&p.managed).readonly());
    }
    {
        Versioned p;  // NULL strides: compact row-major; byte_offset moves the first element
        p.tensor().strides = nullptr;
        p.tensor().byte_offset = 16;
        const Array a = import_dlpack(&p.managed);
        EXPECT_EQ(a.strides(), (Dims{12, 4}));
        EXPECT_EQ(static_cast<void*>(a.data()), static_cast<void*>(p.data + 16));
    }
    {
        Versioned p;  // element strides become byte strides, negative ones too
        p.strides = {-1, 2};
        p.tensor().strides = p.strides.data();
        p.tensor().dtype = {kDLComplex, 128, 1};
        p.tensor().byte_offset = 16;
        const Array a = import_dlpack(&p.managed);
        EXPECT_EQ(a.strides(), (Dims{-16, 32}));
        EXPECT_EQ(a.dtype(), DType(ScalarType::complex128));
    }
    {
        Versioned p;  // 0-d with no shape
        p.tensor().ndim = 0;
        p.tensor().shape = nullptr;
        p.tensor().strides = nullptr;
        const Array a = import_dlpack(&p.managed);
        EXPECT_EQ(a.ndim(), 0);
        EXPECT_EQ(a.size(), 1);
    }
    {
        Versioned p;  // empty, with a NULL data pointer
        p.shape = {0, 3};
        p.tensor().shape = p.shape.data();
        p.tensor().data = nullptr;
        const Array a = import_dlpack(&p.managed);
        EXPECT_EQ(a.size(), 0);
    }
    {
        Versioned p;  // a newer minor version is fine
        p.managed.version = {1, 7};
        p.tensor().device = {kDLCUDAManaged, 2};
        const Array a = import_dlpack(&p.managed);
        EXPECT_EQ(a.device(), (Device{kDLCUDAManaged, 2}));
    }
    {
        Versioned p;  // a producer may have no deleter
        p.managed.deleter = nullptr;
        EXPECT_EQ(import_dlpack(&p.managed).size(), 6);
    }
    {
        Legacy p;
        const Array a = import_dlpack(&p.managed);
        EXPECT_TRUE(a.readonly());
        EXPECT_EQ(a.shape(), (Dims{2, 3}));
    }
}

TEST(DLPackImport, NullTensorIsAValueError) {
    EXPECT_NDB_ERROR(import_dlpack(static_cast<DLManagedTensorVersioned*>(nullptr)), ErrorKind::value);
    EXPECT_NDB_ERROR(import_dlpack(static_cast<DLManagedTensor*>(nullptr)), ErrorKind::value);
}

// ---------------------------------------------------------------------------------------------- import errors

/// One way a producer's tensor can be wrong, and the error the import must raise.
struct BadTensor {
    const char* name;
    ErrorKind kind;
    void (*spoil)(DLTensor& t, Dims& shape, Dims& strides);
};

const std::vector<BadTensor>& bad_tensors() {
    static const std::vector<BadTensor> cases = {
        {"ndim_minus_1", ErrorKind::buffer, [](DLTensor& t, Dims&, Dims&) { t.ndim = -1; }},
        {"ndim_65", ErrorKind::buffer, [](DLTensor& t, Dims&, Dims&) { t.ndim = 65; }},
        {"null_shape", ErrorKind::buffer, [](DLTensor& t, Dims&, Dims&) { t.shape = nullptr; }},
        {"negative_extent", ErrorKind::buffer, [](DLTensor&, Dims& shape, Dims&) { shape[1] = -3; }},
        {"unknown_dtype_code", ErrorKind::buffer,
         [](DLTensor& t, Dims&, Dims&) {
             t.dtype = {99, 32, 1};
         }},
        {"opaque_handle", ErrorKind::buffer,
         [](DLTensor& t, Dims&, Dims&) {
             t.dtype = {kDLOpaqueHandle, 64, 1};
         }},
        {"sub_byte_float4", ErrorKind::buffer,
         [](DLTensor& t, Dims&, Dims&) {
             t.dtype = {kDLFloat4_e2m1fn, 4, 1};
         }},
        {"lanes_2", ErrorKind::buffer,
         [](DLTensor& t, Dims&, Dims&) {
             t.dtype = {kDLFloat, 32, 2};
         }},
        {"bits_mismatch", ErrorKind::buffer,
         [](DLTensor& t, Dims&, Dims&) {
             t.dtype = {kDLFloat, 24, 1};
         }},
        {"bool_16_bits", ErrorKind::buffer,
         [](DLTensor& t, Dims&, Dims&) {
             t.dtype = {kDLBool, 16, 1};
         }},
        {"unknown_device_type_6", ErrorKind::value,
         [](DLTensor& t, Dims&, Dims&) { t.device.device_type = static_cast<DLDeviceType>(6); }},
        {"unknown_device_type_31", ErrorKind::value,
         [](DLTensor& t, Dims&, Dims&) { t.device.device_type = static_cast<DLDeviceType>(31); }},
        {"negative_device_id", ErrorKind::value, [](DLTensor& t, Dims&, Dims&) { t.device.device_id = -1; }},
        {"null_data_with_elements", ErrorKind::buffer, [](DLTensor& t, Dims&, Dims&) { t.data = nullptr; }},
        {"shape_product_overflows", ErrorKind::overflow,
         [](DLTensor&, Dims& shape, Dims&) {
             shape = {INT64_C(1) << 40, INT64_C(1) << 40};
         }},
        {"element_stride_overflows_bytes", ErrorKind::overflow,
         [](DLTensor&, Dims&, Dims& strides) { strides[0] = INT64_MAX / 2; }},
        {"shape_times_stride_overflows", ErrorKind::overflow,
         [](DLTensor&, Dims& shape, Dims& strides) {
             shape = {INT64_C(1) << 31, 3};
             strides = {INT64_C(1) << 40, 1};
         }},
        {"byte_offset_above_int64", ErrorKind::overflow,
         [](DLTensor& t, Dims&, Dims&) { t.byte_offset = static_cast<std::uint64_t>(INT64_MAX) + 1; }},
    };
    return cases;
}

class DLPackImportErrors : public ::testing::TestWithParam<BadTensor> {};

void PrintTo(const BadTensor& b, std::ostream* os) { *os << b.name; }

// Each bad field raises the right Error and calls the producer's deleter exactly once, before the throw.
TEST_P(DLPackImportErrors, VersionedRaisesAndCallsTheDeleterOnce) {
    Versioned p;
    GetParam().spoil(p.tensor(), p.shape, p.strides);
    if (p.tensor().shape != nullptr) p.tensor().shape = p.shape.data();
    p.tensor().strides = p.strides.data();
    EXPECT_NDB_ERROR(import_dlpack(&p.managed), GetParam().kind);
    EXPECT_EQ(p.deleted.load(), 1);
    EXPECT_EQ(p.deleter_thread, std::this_thread::get_id());
}

TEST_P(DLPackImportErrors, LegacyRaisesAndCallsTheDeleterOnce) {
    Legacy p;
    GetParam().spoil(p.tensor(), p.shape, p.strides);
    if (p.tensor().shape != nullptr) p.tensor().shape = p.shape.data();
    p.tensor().strides = p.strides.data();
    EXPECT_NDB_ERROR(import_dlpack(&p.managed), GetParam().kind);
    EXPECT_EQ(p.deleted.load(), 1);
}

TEST_P(DLPackImportErrors, MessageNamesTheInput) {
    Versioned p;
    GetParam().spoil(p.tensor(), p.shape, p.strides);
    if (p.tensor().shape != nullptr) p.tensor().shape = p.shape.data();
    p.tensor().strides = p.strides.data();
    try {
        import_dlpack(&p.managed);
        FAIL() << "no error";
    } catch (const Error& e) {
        // The message names the input (a DLPack tensor), whichever validation step failed; the binding
        // puts the user-facing function's name in front (the core never names a caller).
        EXPECT_EQ(std::string(e.what()).rfind("DLPack", 0), 0u) << e.what();
    }
}

INSTANTIATE_TEST_SUITE_P(Fields, DLPackImportErrors, ::testing::ValuesIn(bad_tensors()),
                         [](const ::testing::TestParamInfo<BadTensor>& p) { return std::string(p.param.name); });

TEST(DLPackImportVersion, OtherMajorVersionsTouchOnlyTheDeleter) {
    for (const std::uint32_t major : {0u, 2u, 255u}) {
        Versioned p;
        p.managed.version = {major, 0};
        // Nothing but version and deleter may be read: make every other field poison.
        p.managed.flags = ~std::uint64_t{0};
        p.tensor().ndim = -12345;
        p.tensor().shape = reinterpret_cast<std::int64_t*>(std::uintptr_t{8});
        p.tensor().strides = reinterpret_cast<std::int64_t*>(std::uintptr_t{8});
        p.tensor().dtype = {255, 255, 255};
        try {
            import_dlpack(&p.managed);
            ADD_FAILURE() << "major version " << major << " was accepted";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::buffer);
            EXPECT_NE(std::string(e.what()).find(std::to_string(major)), std::string::npos) << e.what();
        }
        EXPECT_EQ(p.deleted.load(), 1);
    }
}

TEST(DLPackImportVersion, FailedImportWithoutDeleterDoesNotCrash) {
    Versioned p;
    p.managed.deleter = nullptr;
    p.tensor().ndim = -1;
    EXPECT_NDB_ERROR(import_dlpack(&p.managed), ErrorKind::buffer);
    Versioned q;
    q.managed.deleter = nullptr;
    q.managed.version = {2, 0};
    EXPECT_NDB_ERROR(import_dlpack(&q.managed), ErrorKind::buffer);
}

}  // namespace
}  // namespace ndbridge::test
