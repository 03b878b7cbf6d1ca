// Tests of the copy engine's thread pool (ndbridge/threads.h): the thread-count setting and its errors,
// that one thread really means one, and that threaded copies equal single-thread copies byte for byte
// over the NumPy layout suite (data/layouts.txt) and random dtype pairs, errors included.
#include <gtest/gtest.h>

#include <bit>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ndbridge/copy.h"
#include "ndbridge/threads.h"
#include "test_data.h"

namespace ndbridge::test {
namespace {

/// Restores the thread count and grain a test changes.
class Threads : public ::testing::Test {
protected:
    void SetUp() override { saved_ = get_num_threads(); }
    void TearDown() override {
        set_num_threads(saved_);
        detail::set_parallel_grain(0);
    }
    int saved_ = 1;
};

/// The bytes of a compact array. The 6 padding bytes of each x87 long double are not part of its value
/// (the cast loops leave them as they find them), so they read as zero here.
std::vector<std::byte> bytes_of(const Array& a) {
    std::vector<std::byte> out(static_cast<std::size_t>(a.nbytes()));
    if (!out.empty()) std::memcpy(out.data(), a.data(), out.size());
    const ScalarType t = a.dtype().type();
    if ((t == ScalarType::longdouble || t == ScalarType::clongdouble) && a.dtype().swap_unit() == 16) {
        const bool native = a.dtype().is_native() == (std::endian::native == std::endian::little);
        for (std::size_t unit = 0; unit < out.size(); unit += 16)
            for (std::size_t b = 10; b < 16; ++b) out[unit + (native ? b : 15 - b)] = std::byte{0};
    }
    return out;
}

struct Outcome {
    std::vector<std::byte> bytes;
    std::string error;  // empty when the copy succeeded
    int threads = 0;
};

/// copy_into(new array laid out by `order`, src) with `threads` threads and a grain of one byte, so
/// that even the smallest layouts are split.
Outcome copy_with(int threads, const Array& src, DType dtype, MemoryOrder order) {
    set_num_threads(threads);
    detail::set_parallel_grain(1);
    Array dst = Array::empty_like(src, dtype, order);
    std::memset(dst.data(), 0x5A, static_cast<std::size_t>(dst.nbytes()));
    Outcome out;
    try {
        copy_into(dst, src);
    } catch (const Error& e) {
        out.error = e.what();
    }
    out.threads = detail::last_copy_threads();
    out.bytes = bytes_of(dst);
    return out;
}

void expect_threads_agree(const Array& src, DType dtype) {
    for (const MemoryOrder order : {MemoryOrder::K, MemoryOrder::C, MemoryOrder::F}) {
        SCOPED_TRACE(std::string("order ") + static_cast<char>(order) + ", to " + describe(dtype));
        const Outcome one = copy_with(1, src, dtype, order);
        if (one.error.empty()) {
            EXPECT_EQ(one.threads, 1);
        }
        for (const int threads : {2, 3}) {
            const Outcome many = copy_with(threads, src, dtype, order);
            EXPECT_EQ(many.error, one.error);
            EXPECT_TRUE(many.bytes == one.bytes) << threads << " threads";
            if (one.error.empty()) {
                EXPECT_LE(many.threads, threads);  // fewer when there are fewer tiles than threads
            }
        }
    }
}

TEST_F(Threads, SetNumThreadsRoundTripsAndRefusesBadCounts) {
    set_num_threads(3);
    EXPECT_EQ(get_num_threads(), 3);
    for (const int bad : {0, -1, kMaxThreads + 1}) {
        try {
            set_num_threads(bad);
            ADD_FAILURE() << "set_num_threads(" << bad << ") did not throw";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::value);
            EXPECT_NE(std::string(e.what()).find(std::to_string(bad)), std::string::npos) << e.what();
        }
    }
    EXPECT_EQ(get_num_threads(), 3);
}

TEST_F(Threads, OneThreadRunsOneThreadAndLargeCopiesUseMore) {
    const Array src = Array::zeros(ScalarType::float64, Dims{1 << 23});  // 96 MiB moved by a copy
    Array dst = Array::empty(ScalarType::float32, Dims{1 << 23});
    set_num_threads(1);
    copy_into(dst, src);
    EXPECT_EQ(detail::last_copy_threads(), 1);
    set_num_threads(2);
    copy_into(dst, src);
    EXPECT_EQ(detail::last_copy_threads(), 2);
    // Below the grain a copy stays on the caller's thread whatever the setting.
    const Array small = Array::zeros(ScalarType::float64, Dims{1000});
    copy_into(Array::empty(ScalarType::float64, Dims{1000}), small);
    EXPECT_EQ(detail::last_copy_threads(), 1);
}

class ThreadsLayout : public ::testing::TestWithParam<LayoutCase> {
protected:
    void SetUp() override { saved_ = get_num_threads(); }
    void TearDown() override {
        set_num_threads(saved_);
        detail::set_parallel_grain(0);
    }
    int saved_ = 1;
};

TEST_P(ThreadsLayout, ThreadedCopiesEqualSingleThreadCopies) {
    const LayoutCase& c = GetParam();
    const DType dtype = parse_dtype(c.dtype);
    std::vector<std::byte> buffer(static_cast<std::size_t>(std::max<std::int64_t>(c.buffer, 1)));
    for (std::size_t i = 0; i < buffer.size(); ++i)
        buffer[i] = static_cast<std::byte>(dtype.type() == ScalarType::bool_ ? i % 3 % 2 : (i * 37 + 11) % 251);
    const Array src = Array::wrap(buffer.data() + c.offset, dtype, c.shape, c.strides, Device::cpu(), false, nullptr);
    expect_threads_agree(src, dtype);
    expect_threads_agree(src, dtype.with_native_order(false));
    expect_threads_agree(src, dtype.is_string() ? DType::unicode(7) : DType(ScalarType::complex128));
}

INSTANTIATE_TEST_SUITE_P(Numpy, ThreadsLayout, ::testing::ValuesIn(layouts()), LayoutName());

TEST_F(Threads, RandomDtypePairsAgreeOnAwkwardLayouts) {
    std::vector<DType> types;
    for (int t = 0; t < 19; ++t) types.push_back(static_cast<ScalarType>(t));
    for (const TimeUnit u : {TimeUnit::Y, TimeUnit::M, TimeUnit::D, TimeUnit::s, TimeUnit::ns}) {
        types.push_back(DType::datetime64(u));
        types.push_back(DType::timedelta64(u));
    }
    for (const std::int64_t n : {1, 3, 6}) {
        types.push_back(DType::bytes(n));
        types.push_back(DType::unicode(n));
    }
    const std::size_t base = types.size();
    for (std::size_t i = 0; i < base; ++i)
        if (types[i].swap_unit() > 1) types.push_back(types[i].with_native_order(false));

    std::mt19937_64 rng(20261127);
    std::vector<std::byte> buffer(96 * 1024);  // the widest item (32 bytes) spans 73 KiB below
    const Dims shape{5, 7, 9};
    int tried = 0;
    while (tried < 300) {
        const DType from = types[rng() % types.size()];
        const DType to = types[rng() % types.size()];
        if (!can_convert(from, to)) continue;
        ++tried;
        // Random bytes, mostly ASCII-sized so that most string conversions succeed and some fail.
        for (auto& b : buffer) b = static_cast<std::byte>(rng() % 8 == 0 ? rng() : rng() % 128);
        if (from.type() == ScalarType::bool_)  // any other byte is not a bool value
            for (auto& b : buffer) b = static_cast<std::byte>(static_cast<unsigned>(b) & 1u);
        const std::int64_t item = from.itemsize();
        // A permuted, reversed, offset and unaligned view of the buffer: strides (item*63*7, -item, item*63).
        const Dims strides{item * 63 * 7, -item, item * 63};
        const Array src =
            Array::wrap(buffer.data() + 1 + item * 8, from, shape, strides, Device::cpu(), false, nullptr);
        SCOPED_TRACE(describe(from) + " -> " + describe(to));
        expect_threads_agree(src, to);
        expect_threads_agree(src.transpose(), to);
    }
}

TEST_F(Threads, AnErrorInAWorkerReachesTheCallerBeforeAnythingIsWritten) {
    // Unicode to bytes needs ASCII; the one bad character is in the last slice.
    const std::int64_t n = 1000;
    Array src = Array::empty(DType::unicode(2), Dims{n});
    for (std::int64_t i = 0; i < 2 * n; ++i) {
        const char32_t c = i == 2 * n - 1 ? U'\u00e9' : U'a';
        std::memcpy(src.data() + 4 * i, &c, 4);
    }
    set_num_threads(4);
    detail::set_parallel_grain(1);
    Array dst = Array::zeros(DType::bytes(2), Dims{n});
    try {
        copy_into(dst, src);
        ADD_FAILURE() << "no error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::value);
        EXPECT_NE(std::string(e.what()).find("U+e9"), std::string::npos) << e.what();
    }
    EXPECT_EQ(bytes_of(dst), std::vector<std::byte>(2 * n, std::byte{0}));
}

}  // namespace
}  // namespace ndbridge::test
