// Tests of the fused column pass (ndbridge/frame.h): columns of many dtypes, chunked and strided, cast
// into one result, every null source (validity bits, byte masks, sentinels, NaN) under every policy,
// the mask output, errors raised before anything is written, and threaded writes equal to serial ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "frame_tuning.h"
#include "ndbridge/error.h"
#include "ndbridge/frame.h"
#include "ndbridge/threads.h"

namespace ndbridge::test {
namespace {

template <class T>
ColumnSource column(const std::string& name, const std::vector<T>& v, DType dtype, std::int64_t col,
                    std::int64_t row_offset = 0) {
    ColumnSource s;
    s.name = name;
    s.dtype = dtype;
    s.data = reinterpret_cast<const std::byte*>(v.data());
    s.stride = sizeof(T);
    s.length = static_cast<std::int64_t>(v.size());
    s.row_offset = row_offset;
    s.column = col;
    return s;
}

template <class T>
T at(const Array& a, std::int64_t r, std::int64_t c) {
    T v;
    std::memcpy(&v, a.data() + r * a.strides()[0] + c * a.strides()[1], sizeof(T));
    return v;
}

Array result(DType dtype, std::int64_t rows, std::int64_t cols, MemoryOrder order = MemoryOrder::C) {
    const std::int64_t shape[] = {rows, cols};
    return Array::zeros(dtype, shape, order);
}

TEST(WriteColumns, CastsMixedColumnsIntoEveryLayout) {
    const std::vector<std::int64_t> a{1, -2, 3};
    const std::vector<float> b{0.5f, 1.5f, -2.5f};
    const std::vector<std::uint8_t> c{1, 0, 1};
    for (MemoryOrder order : {MemoryOrder::C, MemoryOrder::F}) {
        const Array out = result(ScalarType::float64, 3, 3, order);
        const ColumnSource src[] = {column("a", a, ScalarType::int64, 0), column("b", b, ScalarType::float32, 1),
                                    column("c", c, ScalarType::bool_, 2)};
        write_columns(src, {}, out);
        for (std::int64_t r = 0; r < 3; ++r) {
            EXPECT_EQ(at<double>(out, r, 0), static_cast<double>(a[static_cast<std::size_t>(r)]));
            EXPECT_EQ(at<double>(out, r, 1), static_cast<double>(b[static_cast<std::size_t>(r)]));
            EXPECT_EQ(at<double>(out, r, 2), static_cast<double>(c[static_cast<std::size_t>(r)]));
        }
    }
}

TEST(WriteColumns, ChunksLandAtTheirRowOffsetsAndStridedSourcesAreRead) {
    const std::vector<double> block{1, 10, 2, 20, 3, 30, 4, 40};  // 4 rows x 2 columns, C order
    ColumnSource first = column("x", block, ScalarType::float64, 0);
    first.stride = 16;
    first.length = 2;
    ColumnSource second = first;
    second.data += 2 * 16;
    second.row_offset = 2;
    ColumnSource other = column("y", block, ScalarType::float64, 1);
    other.data += 8;
    other.stride = 16;
    other.length = 4;
    const Array out = result(ScalarType::int32, 4, 2);
    const ColumnSource src[] = {second, other, first};
    write_columns(src, {}, out);
    for (std::int32_t r = 0; r < 4; ++r) {
        EXPECT_EQ(at<std::int32_t>(out, r, 0), r + 1);
        EXPECT_EQ(at<std::int32_t>(out, r, 1), 10 * (r + 1));
    }
}

TEST(WriteColumns, NonNativeByteOrderIsSwapped) {
    std::vector<std::uint32_t> v{0x01000000u, 0x02000000u};  // 1 and 2 stored big-endian
    const Array out = result(ScalarType::int64, 2, 1);
    const ColumnSource src[] = {column("be", v, DType(ScalarType::int32).with_native_order(false), 0)};
    write_columns(src, {}, out);
    EXPECT_EQ(at<std::int64_t>(out, 0, 0), 1);
    EXPECT_EQ(at<std::int64_t>(out, 1, 0), 2);
}

TEST(WriteColumns, NaNIsMissingForFloatResultsByDefault) {
    const std::vector<double> v{1.0, std::nan(""), 3.0};
    ColumnSource s = column("a", v, ScalarType::float64, 0);
    s.nan_is_missing = true;
    const Array out = result(ScalarType::float32, 3, 1);
    const std::int64_t shape[] = {3, 1};
    const Array mask = Array::zeros(ScalarType::bool_, shape);
    write_columns(std::span(&s, 1), {NullPolicy::mask, 0}, out, &mask);
    EXPECT_TRUE(std::isnan(at<float>(out, 1, 0)));
    EXPECT_EQ(at<std::uint8_t>(mask, 0, 0), 0);
    EXPECT_EQ(at<std::uint8_t>(mask, 1, 0), 1);
    EXPECT_EQ(at<std::uint8_t>(mask, 2, 0), 0);
}

TEST(WriteColumns, IntegerResultWithMissingValuesNamesColumnAndCountAndWritesNothing) {
    const std::vector<std::int64_t> ok{7, 8, 9};
    const std::vector<double> v{1.0, std::nan(""), std::nan("")};
    ColumnSource s = column("price", v, ScalarType::float64, 1);
    s.nan_is_missing = true;
    const ColumnSource src[] = {column("id", ok, ScalarType::int64, 0), s};
    const Array out = result(ScalarType::int64, 3, 2);
    for (NullPolicy policy : {NullPolicy::nan_or_raise, NullPolicy::nan, NullPolicy::raise}) {
        try {
            write_columns(src, {policy, 0}, out);
            FAIL() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::value);
            EXPECT_NE(std::string(e.what()).find("column 'price' has 2 missing values"), std::string::npos) << e.what();
        }
        EXPECT_EQ(at<std::int64_t>(out, 0, 0), 0);  // the valid column was not written either
    }
}

TEST(WriteColumns, RaisePolicyRefusesMissingEvenInFloatResults) {
    const std::vector<double> v{1.0, std::nan("")};
    ColumnSource s = column("a", v, ScalarType::float64, 0);
    s.nan_is_missing = true;
    EXPECT_THROW(write_columns(std::span(&s, 1), {NullPolicy::raise, 0}, result(ScalarType::float64, 2, 1)), Error);
    s.nan_is_missing = false;  // a stored NaN that is a value is not missing
    EXPECT_NO_THROW(write_columns(std::span(&s, 1), {NullPolicy::raise, 0}, result(ScalarType::float64, 2, 1)));
}

TEST(WriteColumns, ByteMaskKeepsStoredNaNDistinctFromMissing) {
    const std::vector<double> v{std::nan(""), 5.0, 6.0};
    const std::vector<std::uint8_t> missing{0, 1, 0};
    ColumnSource s = column("f", v, ScalarType::float64, 0);
    s.missing_bytes = missing.data();
    const Array out = result(ScalarType::float64, 3, 1);
    const std::int64_t shape[] = {3, 1};
    const Array mask = Array::zeros(ScalarType::bool_, shape);
    write_columns(std::span(&s, 1), {NullPolicy::mask, 0}, out, &mask);
    EXPECT_TRUE(std::isnan(at<double>(out, 0, 0)));
    EXPECT_EQ(at<std::uint8_t>(mask, 0, 0), 0);  // NaN stored as a value
    EXPECT_TRUE(std::isnan(at<double>(out, 1, 0)));
    EXPECT_EQ(at<std::uint8_t>(mask, 1, 0), 1);  // NA
    EXPECT_EQ(at<double>(out, 2, 0), 6.0);
}

TEST(WriteColumns, FillWritesTheNumberCastToTheResult) {
    const std::vector<std::int64_t> v{1, 99, 3};
    const std::vector<std::uint8_t> missing{0, 1, 0};
    ColumnSource s = column("n", v, ScalarType::int64, 0);
    s.missing_bytes = missing.data();
    const Array out = result(ScalarType::int16, 3, 1);
    write_columns(std::span(&s, 1), {NullPolicy::fill, -1.0}, out);
    EXPECT_EQ(at<std::int16_t>(out, 0, 0), 1);
    EXPECT_EQ(at<std::int16_t>(out, 1, 0), -1);
    EXPECT_EQ(at<std::int16_t>(out, 2, 0), 3);
}

TEST(WriteColumns, ValidityBitsWithOffsetAndSentinels) {
    const std::vector<std::int32_t> v{10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
    const std::vector<std::uint8_t> bits{0b11011111, 0b11111110};  // with offset 3: element 2 and element 5 invalid
    ColumnSource s = column("v", v, ScalarType::int32, 0);
    s.validity_bits = bits.data();
    s.validity_bit_offset = 3;
    const std::vector<std::int8_t> codes{0, -1, 2, 1, -1, 0, 0, 0, 0, 0};
    ColumnSource c = column("cat", codes, ScalarType::int8, 1);
    c.missing_sentinel = -1;
    const Array out = result(ScalarType::float64, 10, 2);
    const std::int64_t shape[] = {10, 2};
    const Array mask = Array::zeros(ScalarType::bool_, shape);
    const ColumnSource src[] = {s, c};
    write_columns(src, {NullPolicy::mask, 0}, out, &mask);
    for (std::int64_t r = 0; r < 10; ++r) {
        const bool invalid = r == 2 || r == 5;
        EXPECT_EQ(at<std::uint8_t>(mask, r, 0), invalid ? 1 : 0) << r;
        if (invalid)
            EXPECT_TRUE(std::isnan(at<double>(out, r, 0)));
        else
            EXPECT_EQ(at<double>(out, r, 0), 10.0 + static_cast<double>(r));
        const bool code_missing = r == 1 || r == 4;
        EXPECT_EQ(at<std::uint8_t>(mask, r, 1), code_missing ? 1 : 0) << r;
    }
}

TEST(WriteColumns, MaskPolicyKeepsSourceValueInIntegerResults) {
    const std::vector<std::int8_t> codes{0, -1, 2};
    ColumnSource c = column("cat", codes, ScalarType::int8, 0);
    c.missing_sentinel = -1;
    const Array out = result(ScalarType::int64, 3, 1);
    const std::int64_t shape[] = {3, 1};
    const Array mask = Array::zeros(ScalarType::bool_, shape);
    write_columns(std::span(&c, 1), {NullPolicy::mask, 0}, out, &mask);
    EXPECT_EQ(at<std::int64_t>(out, 1, 0), -1);
    EXPECT_EQ(at<std::uint8_t>(mask, 1, 0), 1);
}

TEST(WriteColumns, TimeColumnsConvertUnitsAndCountsWithNaT) {
    constexpr std::int64_t kNaT = std::numeric_limits<std::int64_t>::min();
    const std::int64_t day_ns = 86'400'000'000'000;
    const std::vector<std::int64_t> ns{0, 3 * day_ns, kNaT, -day_ns + 1};
    ColumnSource s = column("t", ns, DType::datetime64(TimeUnit::ns), 0);
    s.missing_sentinel = kNaT;
    {
        const Array out = result(DType::datetime64(TimeUnit::D), 4, 1);
        write_columns(std::span(&s, 1), {}, out);
        EXPECT_EQ(at<std::int64_t>(out, 1, 0), 3);
        EXPECT_EQ(at<std::int64_t>(out, 2, 0), kNaT);
        EXPECT_EQ(at<std::int64_t>(out, 3, 0), -1);  // floor division, as NumPy
    }
    {
        s.count_unit = TimeUnit::D;
        const Array out = result(ScalarType::float64, 4, 1);
        write_columns(std::span(&s, 1), {}, out);
        EXPECT_EQ(at<double>(out, 1, 0), 3.0);
        EXPECT_TRUE(std::isnan(at<double>(out, 2, 0)));
        EXPECT_THROW(write_columns(std::span(&s, 1), {}, result(ScalarType::int64, 4, 1)), Error);
    }
}

TEST(WriteColumns, BadInputIsATypedErrorNamingTheColumn) {
    const std::vector<double> v{1.0, 2.0};
    ColumnSource s = column("a", v, ScalarType::float64, 3);
    EXPECT_THROW(write_columns(std::span(&s, 1), {}, result(ScalarType::float64, 2, 1)), Error);
    s.column = 0;
    s.row_offset = 1;
    EXPECT_THROW(write_columns(std::span(&s, 1), {}, result(ScalarType::float64, 2, 1)), Error);
    s.row_offset = 0;
    s.dtype = DType::unicode(2);
    try {
        write_columns(std::span(&s, 1), {}, result(ScalarType::float64, 2, 1));
        FAIL();
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::type);
        EXPECT_NE(std::string(e.what()).find("column 'a'"), std::string::npos);
    }
    s.dtype = ScalarType::float64;
    const ColumnSource overlapping[] = {s, s};
    EXPECT_THROW(write_columns(overlapping, {}, result(ScalarType::float64, 2, 1)), Error);
    const Array ro = result(ScalarType::float64, 2, 1).as_readonly();
    EXPECT_THROW(write_columns(std::span(&s, 1), {}, ro), Error);
}

TEST(WriteColumns, ThreadedBlocksEqualTheSerialResult) {
    const std::int64_t rows = 5000, cols = 7;
    std::vector<std::vector<double>> data(static_cast<std::size_t>(cols));
    std::vector<std::vector<std::uint8_t>> missing(static_cast<std::size_t>(cols));
    std::vector<ColumnSource> src;
    for (std::int64_t c = 0; c < cols; ++c) {
        auto& d = data[static_cast<std::size_t>(c)];
        auto& m = missing[static_cast<std::size_t>(c)];
        for (std::int64_t r = 0; r < rows; ++r) {
            d.push_back(static_cast<double>(r * cols + c) * 0.5);
            m.push_back(static_cast<std::uint8_t>((r * 7 + c) % 13 == 0));
        }
        // two chunks per column, split at a different row each
        const std::int64_t split = 100 * c + 17;
        ColumnSource a = column("column", d, ScalarType::float64, c);
        a.missing_bytes = m.data();
        a.length = split;
        ColumnSource b = a;
        b.data += split * 8;
        b.missing_bytes += split;
        b.length = rows - split;
        b.row_offset = split;
        src.push_back(a);
        src.push_back(b);
    }
    const std::int64_t shape[] = {rows, cols};
    const Array serial = Array::zeros(ScalarType::float32, shape), threaded = Array::zeros(ScalarType::float32, shape);
    const Array serial_mask = Array::zeros(ScalarType::bool_, shape), mask = Array::zeros(ScalarType::bool_, shape);
    const int threads = get_num_threads();
    set_num_threads(1);
    write_columns(src, {NullPolicy::mask, 0}, serial, &serial_mask);
    set_num_threads(4);
    detail::set_parallel_grain(1);
    write_columns(src, {NullPolicy::mask, 0}, threaded, &mask);
    detail::set_parallel_grain(0);
    set_num_threads(threads);
    EXPECT_EQ(std::memcmp(serial.data(), threaded.data(), static_cast<std::size_t>(serial.nbytes())), 0);
    EXPECT_EQ(std::memcmp(serial_mask.data(), mask.data(), static_cast<std::size_t>(mask.nbytes())), 0);
    for (std::int64_t r = 0; r < rows; r += 97)
        for (std::int64_t c = 0; c < cols; ++c) {
            const bool na = (r * 7 + c) % 13 == 0;
            EXPECT_EQ(at<std::uint8_t>(mask, r, c), na ? 1 : 0);
            if (!na) {
                EXPECT_EQ(at<float>(threaded, r, c), static_cast<float>(static_cast<double>(r * cols + c) * 0.5));
            }
        }
}

// Row-major results are written through staged tiles (a tile of rows by a group of columns, transposed
// into place): every element equals its direct conversion, across partial tiles and column groups,
// chunks that cross tiles, gaps that no source covers (left as they were), a strided result and a
// mask of another layout than the values.
TEST(WriteColumns, TiledRowMajorWritesEqualElementByElement) {
    const std::int64_t rows = 1000, cols = 70;
    std::vector<std::vector<double>> data(static_cast<std::size_t>(cols));
    std::vector<std::vector<std::uint8_t>> missing(static_cast<std::size_t>(cols));
    std::vector<ColumnSource> src;
    const auto is_missing = [](std::int64_t r, std::int64_t c) { return (r * 3 + c) % 11 == 0; };
    const auto covered = [](std::int64_t r, std::int64_t c) { return c % 9 != 4 || r < 300 || r >= 450; };
    for (std::int64_t c = 0; c < cols; ++c) {
        auto& d = data[static_cast<std::size_t>(c)];
        auto& m = missing[static_cast<std::size_t>(c)];
        for (std::int64_t r = 0; r < rows; ++r) {
            d.push_back(static_cast<double>(r) - static_cast<double>(c) * 0.25);
            m.push_back(static_cast<std::uint8_t>(is_missing(r, c) ? 7 : 0));  // any nonzero byte is missing
        }
        ColumnSource whole = column("column", d, ScalarType::float64, c);
        whole.missing_bytes = m.data();
        if (c % 9 == 4) {  // rows [300, 450) from no source
            ColumnSource head = whole, tail = whole;
            head.length = 300;
            tail.data += 450 * 8;
            tail.missing_bytes += 450;
            tail.row_offset = 450;
            tail.length = rows - 450;
            src.push_back(head);
            src.push_back(tail);
        } else if (c % 5 == 1) {  // chunks of 77 rows, crossing tiles
            for (std::int64_t r0 = 0; r0 < rows; r0 += 77) {
                ColumnSource chunk = whole;
                chunk.data += r0 * 8;
                chunk.missing_bytes += r0;
                chunk.row_offset = r0;
                chunk.length = std::min<std::int64_t>(77, rows - r0);
                src.push_back(chunk);
            }
        } else {
            src.push_back(whole);
        }
    }
    // A strided result: every other column of a wider C-order array; the mask in F order.
    const std::int64_t wide_shape[] = {rows, 2 * cols}, shape[] = {rows, cols};
    Array wide = Array::empty(ScalarType::float32, wide_shape);
    for (std::int64_t i = 0; i < rows * 2 * cols; ++i) {
        const float untouched = -1.0f;
        std::memcpy(wide.data() + i * 4, &untouched, 4);
    }
    const std::int64_t strides[] = {2 * cols * 4, 8};
    const Array out = Array::wrap(wide.data(), ScalarType::float32, shape, strides, Device::cpu(), false, wide.owner());
    const Array mask = Array::zeros(ScalarType::bool_, shape, MemoryOrder::F);
    for (const int threads : {1, 3}) {
        const int saved = get_num_threads();
        set_num_threads(threads);
        detail::set_parallel_grain(1);
        write_columns(src, {NullPolicy::fill, 2.5}, out, &mask);
        detail::set_parallel_grain(0);
        set_num_threads(saved);
        for (std::int64_t r = 0; r < rows; ++r)
            for (std::int64_t c = 0; c < cols; ++c) {
                const float expected = !covered(r, c) ? -1.0f
                                       : is_missing(r, c)
                                           ? 2.5f
                                           : static_cast<float>(static_cast<double>(r) - static_cast<double>(c) * 0.25);
                ASSERT_EQ(at<float>(out, r, c), expected) << "row " << r << " column " << c;
                ASSERT_EQ(at<std::uint8_t>(mask, r, c), covered(r, c) && is_missing(r, c) ? 1 : 0)
                    << "row " << r << " column " << c;
            }
        for (std::int64_t r = 0; r < rows; r += 13)  // the columns between the result's are never written
            ASSERT_EQ(at<float>(wide, r, 1), -1.0f);
    }
}

// The row-major writer's register transposes and streaming stores against the column-major writer (which
// converts straight into place, no transpose): result units of 1, 2, 4, 8 and 16 bytes, column counts
// around the block edges, partial tiles, chunked and gap columns, a C-order mask, an output that starts
// off 16-byte alignment, with streaming stores forced on and off.
TEST(WriteColumns, RowMajorTransposesAndStreamingStoresEqualTheColumnMajorWrite) {
    const std::int64_t rows = 1100, max_cols = 70;
    std::vector<std::vector<std::int64_t>> data(static_cast<std::size_t>(max_cols));
    std::vector<std::vector<std::uint8_t>> missing(static_cast<std::size_t>(max_cols));
    for (std::int64_t c = 0; c < max_cols; ++c)
        for (std::int64_t r = 0; r < rows; ++r) {
            data[static_cast<std::size_t>(c)].push_back((r * 31 + c * 7) % 100 - 20);
            missing[static_cast<std::size_t>(c)].push_back(static_cast<std::uint8_t>((r + 2 * c) % 17 == 0));
        }
    const auto sources = [&](std::int64_t cols, bool gaps) {
        std::vector<ColumnSource> src;
        for (std::int64_t c = 0; c < cols; ++c) {
            ColumnSource whole = column("column", data[static_cast<std::size_t>(c)], ScalarType::int64, c);
            whole.missing_bytes = missing[static_cast<std::size_t>(c)].data();
            for (std::int64_t r0 = 0; r0 < rows; r0 += c % 2 == 1 ? 77 : rows) {  // odd columns in chunks
                if (gaps && c % 3 == 2 && r0 >= 300 && r0 < 450) continue;        // rows no source covers
                ColumnSource chunk = whole;
                chunk.data += r0 * 8;
                chunk.missing_bytes += r0;
                chunk.row_offset = r0;
                chunk.length = std::min<std::int64_t>(c % 2 == 1 ? 77 : rows, rows - r0);
                src.push_back(chunk);
            }
        }
        return src;
    };
    const std::int64_t saved_threshold = detail::frame_stream_threshold().load();
    const int saved_threads = get_num_threads();
    set_num_threads(2);
    detail::set_parallel_grain(1);
    for (ScalarType to :
         {ScalarType::uint8, ScalarType::int16, ScalarType::float32, ScalarType::float64, ScalarType::complex128})
        for (std::int64_t cols : {1, 3, 4, 5, 16, 17, 33, 70})
            for (bool gaps : {false, true}) {
                const std::vector<ColumnSource> src = sources(cols, gaps);
                const std::int64_t shape[] = {rows, cols};
                const Array want = Array::zeros(to, shape, MemoryOrder::F);
                const Array want_mask = Array::zeros(ScalarType::bool_, shape, MemoryOrder::F);
                write_columns(src, {NullPolicy::fill, 3.0}, want, &want_mask);
                for (bool offset : {false, true})
                    for (std::int64_t threshold : {std::int64_t{0}, std::numeric_limits<std::int64_t>::max()}) {
                        // offset: columns 1.. of a C-order array one column wider, so rows start off alignment
                        const std::int64_t wide_shape[] = {rows, cols + 1};
                        const Array wide = Array::zeros(to, wide_shape),
                                    wide_mask = Array::zeros(ScalarType::bool_, wide_shape);
                        const std::int64_t item = wide.itemsize();
                        const std::int64_t strides[] = {(cols + 1) * item, item}, mask_strides[] = {cols + 1, 1};
                        const std::int64_t skip = offset ? 1 : 0;
                        const Array out = offset ? Array::wrap(wide.data() + item, to, shape, strides, Device::cpu(),
                                                               false, wide.owner())
                                                 : Array::zeros(to, shape);
                        const Array mask = offset ? Array::wrap(wide_mask.data() + skip, ScalarType::bool_, shape,
                                                                mask_strides, Device::cpu(), false, wide_mask.owner())
                                                  : Array::zeros(ScalarType::bool_, shape);
                        detail::frame_stream_threshold().store(threshold);
                        write_columns(src, {NullPolicy::fill, 3.0}, out, &mask);
                        std::int64_t bad = 0, first_bad = -1;
                        for (std::int64_t r = 0; r < rows; ++r)
                            for (std::int64_t c = 0; c < cols; ++c) {
                                const bool same =
                                    std::memcmp(out.data() + r * out.strides()[0] + c * out.strides()[1],
                                                want.data() + r * want.strides()[0] + c * want.strides()[1],
                                                static_cast<std::size_t>(item)) == 0 &&
                                    at<std::uint8_t>(mask, r, c) == at<std::uint8_t>(want_mask, r, c);
                                if (!same && bad++ == 0) first_bad = r * cols + c;
                            }
                        for (std::int64_t r = 0; r < rows && offset; ++r)  // the column before is never written
                            bad += at<std::uint8_t>(wide_mask, r, 0) != 0;
                        ASSERT_EQ(bad, 0)
                            << name(DType(to)) << ", " << cols << " columns, gaps " << gaps << ", offset " << offset
                            << ", threshold " << threshold << ": first difference at element " << first_bad;
                    }
            }
    detail::set_parallel_grain(0);
    set_num_threads(saved_threads);
    detail::frame_stream_threshold().store(saved_threshold);
}

}  // namespace
}  // namespace ndbridge::test
