// One element as a value: load_scalar/store_scalar for every dtype (any byte order, any alignment), the
// narrow-float encodings against NumPy/ml_dtypes (data/float_encode.txt, data/float_decode.txt), NumPy's
// value rules for Python scalars, and fill() over strided and read-only arrays.
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <complex>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/error.h"
#include "ndbridge/scalar.h"
#include "test_data.h"

namespace ndbridge {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

/// A dtype with the values a round trip must preserve.
struct ScalarCase {
    DType dtype;
    std::vector<Scalar> values;
};

std::vector<ScalarCase> scalar_cases() {
    using i64 = std::int64_t;
    const auto lim = [](auto v) { return static_cast<i64>(v); };
    std::vector<ScalarCase> out = {
        {ScalarType::bool_, {true, false}},
        {ScalarType::int8, {lim(INT8_MIN), lim(INT8_MAX), i64{-1}, i64{0}}},
        {ScalarType::int16, {lim(INT16_MIN), lim(INT16_MAX), i64{-2}}},
        {ScalarType::int32, {lim(INT32_MIN), lim(INT32_MAX), i64{123456}}},
        {ScalarType::int64, {std::numeric_limits<i64>::min(), std::numeric_limits<i64>::max(), i64{-7}}},
        {ScalarType::uint8, {lim(UINT8_MAX), i64{0}, i64{17}}},
        {ScalarType::uint16, {lim(UINT16_MAX), i64{258}}},
        {ScalarType::uint32, {lim(UINT32_MAX), i64{65536}}},
        {ScalarType::uint64, {std::numeric_limits<std::uint64_t>::max(), std::uint64_t{1} << 63, std::uint64_t{5}}},
        {ScalarType::float16, {1.5, -0.25, 65504.0, 0.0, -kInf, std::ldexp(1.0, -24)}},
        {ScalarType::bfloat16, {1.5, -3.0, 0.0078125, kInf, 3.3895313892515355e38}},
        {ScalarType::float32,
         {static_cast<double>(0.1f), static_cast<double>(-1e30f), kInf,
          static_cast<double>(std::numeric_limits<float>::denorm_min())}},
        {ScalarType::float64, {0.1, -1e300, 5e-324, -0.0}},
        {ScalarType::longdouble, {0.1, -2.5, 1e300}},
        {ScalarType::complex64, {std::complex<double>(1.5, -2.25), std::complex<double>(0.0, 1e-3f)}},
        {ScalarType::complex128, {std::complex<double>(0.1, -1e300)}},
        {ScalarType::clongdouble, {std::complex<double>(-0.1, 7.0)}},
        {ScalarType::float8_e4m3fn, {1.5, -448.0, 0.001953125, 0.0}},
        {ScalarType::float8_e5m2, {1.5, -57344.0, kInf, std::ldexp(1.0, -16)}},
        {DType::datetime64(TimeUnit::ns), {TimeCount{1700000000000000000}, TimeCount{TimeCount::kNaT}, TimeCount{-1}}},
        {DType::datetime64(TimeUnit::generic), {TimeCount{0}}},
        {DType::timedelta64(TimeUnit::D), {TimeCount{-365}, TimeCount{TimeCount::kNaT}}},
        {DType::bytes(5), {std::string("ab"), std::string("abcde"), std::string()}},
        {DType::unicode(3), {std::u32string(U"h\u00e9"), std::u32string(U"\U0001F600xy"), std::u32string()}},
    };
    const std::size_t native = out.size();
    for (std::size_t i = 0; i < native; ++i)
        if (out[i].dtype.swap_unit() > 1) out.push_back({out[i].dtype.with_native_order(false), out[i].values});
    return out;
}

std::string case_name(const ::testing::TestParamInfo<ScalarCase>& info) {
    std::string s = (info.param.dtype.is_native() ? "" : "swapped_") + name(info.param.dtype);
    for (char& ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
}

void PrintTo(const ScalarCase& c, std::ostream* os) { *os << describe(c.dtype); }

/// Equality on the Python-visible value; NaNs equal NaNs.
bool same_value(const Scalar& a, const Scalar& b) {
    if (a.index() != b.index()) return false;
    return std::visit(
        [&b](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            const T& y = std::get<T>(b);
            if constexpr (std::is_same_v<T, double>) {
                return (std::isnan(x) && std::isnan(y)) || (x == y && std::signbit(x) == std::signbit(y));
            } else if constexpr (std::is_same_v<T, TimeCount>) {
                return x.count == y.count;
            } else {
                return x == y;
            }
        },
        a);
}

class ScalarRoundTrip : public ::testing::TestWithParam<ScalarCase> {};

TEST_P(ScalarRoundTrip, StoreThenLoadGivesTheValueBackAtAnyAlignment) {
    const ScalarCase& c = GetParam();
    const auto n = static_cast<std::size_t>(c.dtype.itemsize());
    for (std::size_t misalign : {0u, 1u, 3u}) {
        std::vector<std::byte> buf(n + 8, std::byte{0xAB});
        std::byte* p = buf.data() + misalign;
        for (std::size_t i = 0; i < c.values.size(); ++i) {
            const Scalar& v = c.values[i];
            store_scalar(c.dtype, p, v);
            const Scalar back = load_scalar(c.dtype, p);
            EXPECT_TRUE(same_value(back, v)) << "value #" << i << " misaligned by " << misalign;
            EXPECT_EQ(buf[misalign + n], std::byte{0xAB}) << "store_scalar wrote past the element";
            if (misalign > 0) {
                EXPECT_EQ(buf[misalign - 1], std::byte{0xAB}) << "store_scalar wrote before the element";
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(EveryDType, ScalarRoundTrip, ::testing::ValuesIn(scalar_cases()), case_name);

TEST(ScalarByteOrder, NonNativeStoresTheSwappedBytesOfTheNativeEncoding) {
    int swapped = 0;
    for (const ScalarCase& c : scalar_cases()) {
        if (c.dtype.is_native()) continue;
        const DType native = c.dtype.with_native_order();
        const auto n = static_cast<std::size_t>(c.dtype.itemsize());
        const auto unit = static_cast<std::size_t>(c.dtype.swap_unit());
        for (const Scalar& v : c.values) {
            std::vector<std::byte> a(n), b(n);
            store_scalar(native, a.data(), v);
            store_scalar(c.dtype, b.data(), v);
            for (std::size_t g = 0; g < n; g += unit)
                std::reverse(a.begin() + static_cast<std::ptrdiff_t>(g),
                             a.begin() + static_cast<std::ptrdiff_t>(g + unit));
            EXPECT_EQ(a, b) << describe(c.dtype);
        }
        ++swapped;
    }
    EXPECT_GE(swapped, 15);
}

TEST(ScalarCases, CoverEveryScalarType) {
    std::vector<bool> seen(kScalarTypeCount, false);
    for (const auto& c : scalar_cases()) seen[static_cast<std::size_t>(c.dtype.type())] = true;
    for (int t = 0; t < kScalarTypeCount; ++t) EXPECT_TRUE(seen[static_cast<std::size_t>(t)]) << t;
}

// ------------------------------------------------------------------------------------ narrow floats vs NumPy

const ScalarType kNarrow[] = {ScalarType::float16, ScalarType::bfloat16, ScalarType::float8_e4m3fn,
                              ScalarType::float8_e5m2};

std::uint32_t stored_bits(DType dtype, const std::byte* p) {
    if (dtype.itemsize() == 1) return static_cast<std::uint32_t>(p[0]);
    std::uint16_t v = 0;
    std::memcpy(&v, p, 2);
    if (!dtype.is_native()) v = static_cast<std::uint16_t>((v >> 8) | (v << 8));
    return v;
}

TEST(NarrowFloats, EncodingsEqualNumpyAndMlDtypes) {
    int values = 0;
    for (const auto& r : test::read_records("float_encode.txt")) {
        const double x = std::bit_cast<double>(test::to_hex(r.at(0)));
        for (std::size_t k = 0; k < 4; ++k) {
            const auto expected = static_cast<std::uint32_t>(test::to_hex(r.at(k + 1)));
            for (bool native : {true, false}) {
                const DType d = DType(kNarrow[k]).with_native_order(native);
                std::byte buf[4] = {};
                store_scalar(d, buf + 1, x);  // unaligned on purpose
                EXPECT_EQ(stored_bits(d, buf + 1), expected)
                    << name(d) << (native ? "" : " (swapped)") << " of " << x << " (0x" << r[0] << ")";
            }
        }
        ++values;
    }
    EXPECT_GE(values, 200);
}

TEST(NarrowFloats, DecodingsEqualNumpyAndMlDtypes) {
    int patterns = 0;
    for (const auto& r : test::read_records("float_decode.txt")) {
        const DType d = parse_dtype(r.at(0));
        const auto bits = static_cast<std::uint32_t>(test::to_hex(r.at(1)));
        const double expected = std::bit_cast<double>(test::to_hex(r.at(2)));
        std::byte buf[2];
        if (d.itemsize() == 1) {
            buf[0] = static_cast<std::byte>(bits);
        } else {
            const auto v = static_cast<std::uint16_t>(bits);
            std::memcpy(buf, &v, 2);
        }
        const double got = std::get<double>(load_scalar(d, buf));
        if (std::isnan(expected)) {
            EXPECT_TRUE(std::isnan(got)) << r[0] << " 0x" << r[1];
            EXPECT_EQ(std::signbit(got), std::signbit(expected)) << r[0] << " 0x" << r[1];
        } else {
            EXPECT_EQ(std::bit_cast<std::uint64_t>(got), std::bit_cast<std::uint64_t>(expected))
                << r[0] << " 0x" << r[1] << ": got " << got << ", NumPy " << expected;
        }
        ++patterns;
    }
    EXPECT_GE(patterns, 2 * 256 + 2 * 1000);
}

TEST(NarrowFloats, EveryFloat8PatternRoundTrips) {
    for (ScalarType t : {ScalarType::float8_e4m3fn, ScalarType::float8_e5m2}) {
        for (unsigned bits = 0; bits < 256; ++bits) {
            std::byte in = static_cast<std::byte>(bits), out{};
            const double v = std::get<double>(load_scalar(t, &in));
            store_scalar(t, &out, v);
            if (std::isnan(v)) {
                EXPECT_TRUE(std::isnan(std::get<double>(load_scalar(t, &out))));
            } else {
                EXPECT_EQ(out, in) << name(t) << " 0x" << std::hex << bits;
            }
        }
    }
}

// ------------------------------------------------------------------------------------ value rules

void expect_store_error(DType dtype, const Scalar& value, ErrorKind kind) {
    std::vector<std::byte> buf(static_cast<std::size_t>(dtype.itemsize()) + 1, std::byte{0x5A});
    EXPECT_NDB_ERROR(store_scalar(dtype, buf.data(), value), kind);
    for (std::byte b : buf) EXPECT_EQ(b, std::byte{0x5A}) << "a refused store writes nothing";
}

TEST(StoreScalar, IntegersOutOfRangeAreOverflowErrors) {
    using i64 = std::int64_t;
    const std::vector<std::pair<DType, Scalar>> cases = {
        {ScalarType::int8, i64{128}},
        {ScalarType::int8, i64{-129}},
        {ScalarType::uint8, i64{-1}},
        {ScalarType::uint8, i64{256}},
        {ScalarType::int16, i64{40000}},
        {ScalarType::uint16, i64{65536}},
        {ScalarType::int32, i64{1} << 31},
        {ScalarType::uint32, i64{1} << 32},
        {ScalarType::uint64, i64{-1}},
        {ScalarType::int64, std::uint64_t{1} << 63},
        {ScalarType::int8, std::uint64_t{1} << 63},
        {ScalarType::int32, 2147483648.0},
        {ScalarType::int64, 9223372036854775808.0},
        {ScalarType::uint64, 18446744073709551616.0},
        {ScalarType::uint8, -1.0},
        {ScalarType::int8, 1e300},
        {DType(ScalarType::int16).with_native_order(false), i64{-40000}},
    };
    for (const auto& [d, v] : cases) expect_store_error(d, v, ErrorKind::overflow);
}

TEST(StoreScalar, IntegerBoundsAreAccepted) {
    std::byte buf[8];
    store_scalar(ScalarType::int64, buf, -9223372036854775808.0);
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(ScalarType::int64, buf)), std::numeric_limits<std::int64_t>::min());
    store_scalar(ScalarType::uint64, buf, 18446744073709549568.0);  // the largest double below 2**64
    EXPECT_EQ(std::get<std::uint64_t>(load_scalar(ScalarType::uint64, buf)), 18446744073709549568ull);
    store_scalar(ScalarType::uint8, buf, -0.9);  // truncates to 0 first, as NumPy's int(-0.9)
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(ScalarType::uint8, buf)), 0);
}

TEST(StoreScalar, FloatsTruncateTowardZeroIntoIntegers) {
    std::byte buf[4];
    store_scalar(ScalarType::int32, buf, 3.7);
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(ScalarType::int32, buf)), 3);
    store_scalar(ScalarType::int32, buf, -3.7);
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(ScalarType::int32, buf)), -3);
    store_scalar(ScalarType::int32, buf, true);
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(ScalarType::int32, buf)), 1);
}

// As Python's int() and NumPy: NaN has no integer value (ValueError), infinity is out of every range
// (OverflowError).
TEST(StoreScalar, NaNIntoIntegersIsAValueErrorInfinityAnOverflowError) {
    for (ScalarType t : {ScalarType::int8, ScalarType::uint32, ScalarType::int64, ScalarType::uint64}) {
        expect_store_error(t, kNaN, ErrorKind::value);
        expect_store_error(t, -kNaN, ErrorKind::value);
        expect_store_error(t, kInf, ErrorKind::overflow);
        expect_store_error(t, -kInf, ErrorKind::overflow);
    }
}

TEST(StoreScalar, ComplexIntoRealTypesIsATypeError) {
    const std::complex<double> z(1.0, 2.0);
    for (DType d : {DType(ScalarType::float64), DType(ScalarType::float16), DType(ScalarType::bfloat16),
                    DType(ScalarType::float8_e5m2), DType(ScalarType::longdouble), DType(ScalarType::int32),
                    DType(ScalarType::uint8)})
        expect_store_error(d, z, ErrorKind::type);
    // Even with a zero imaginary part: the type decides, not the value.
    expect_store_error(ScalarType::float32, std::complex<double>(1.0, 0.0), ErrorKind::type);
    // bool takes any number by truth value, as NumPy's bool(1j) does.
    std::byte b{};
    store_scalar(ScalarType::bool_, &b, z);
    EXPECT_EQ(b, std::byte{1});
}

TEST(StoreScalar, StringsAndNumbersDoNotMix) {
    expect_store_error(ScalarType::int32, std::string("12"), ErrorKind::type);
    expect_store_error(ScalarType::float64, std::u32string(U"1.5"), ErrorKind::type);
    expect_store_error(ScalarType::bool_, std::string("x"), ErrorKind::type);
    expect_store_error(DType::bytes(4), std::int64_t{1}, ErrorKind::type);
    expect_store_error(DType::unicode(4), 1.5, ErrorKind::type);
    expect_store_error(DType::unicode(4), std::string("bytes"), ErrorKind::type);
    expect_store_error(DType::bytes(4), std::u32string(U"str"), ErrorKind::type);
    expect_store_error(ScalarType::float64, TimeCount{3}, ErrorKind::type);
    expect_store_error(DType::datetime64(TimeUnit::s), 1.5, ErrorKind::type);
    expect_store_error(DType::timedelta64(TimeUnit::s), true, ErrorKind::type);
}

TEST(StoreScalar, StringsAreTruncatedAndPaddedWithNuls) {
    std::vector<std::byte> buf(12, std::byte{0x7F});
    store_scalar(DType::bytes(4), buf.data(), std::string("abcdefg"));
    EXPECT_EQ(std::get<std::string>(load_scalar(DType::bytes(4), buf.data())), "abcd");
    store_scalar(DType::bytes(4), buf.data(), std::string("a"));
    EXPECT_EQ(buf[1], std::byte{0});
    EXPECT_EQ(buf[3], std::byte{0});
    EXPECT_EQ(buf[4], std::byte{0x7F});
    store_scalar(DType::unicode(2), buf.data(), std::u32string(U"xyz"));
    EXPECT_EQ(std::get<std::u32string>(load_scalar(DType::unicode(2), buf.data())), U"xy");
}

TEST(LoadScalar, StringsLoseOnlyTrailingNuls) {
    const char raw[6] = {'a', '\0', 'b', '\0', '\0', '\0'};
    const auto s = std::get<std::string>(load_scalar(DType::bytes(6), reinterpret_cast<const std::byte*>(raw)));
    EXPECT_EQ(s, std::string("a\0b", 3));
}

TEST(StoreScalar, IntegersIntoFloat32RoundOnce) {
    std::byte buf[4];
    store_scalar(ScalarType::float32, buf, std::int64_t{16777217});
    EXPECT_EQ(std::get<double>(load_scalar(ScalarType::float32, buf)), 16777216.0);
    store_scalar(ScalarType::float32, buf, std::int64_t{16777219});
    EXPECT_EQ(std::get<double>(load_scalar(ScalarType::float32, buf)), 16777220.0);
    // 2**60 + 2**36 + 1: through double it would become a tie and round to even (down); directly it rounds up.
    store_scalar(ScalarType::float32, buf, (std::int64_t{1} << 60) + (std::int64_t{1} << 36) + 1);
    EXPECT_EQ(std::get<double>(load_scalar(ScalarType::float32, buf)), std::ldexp(1.0, 60) + std::ldexp(1.0, 37));
}

TEST(LoadScalar, UnsignedAndTimeTypesKeepTheirValueKind) {
    std::byte buf[8];
    store_scalar(ScalarType::uint64, buf, std::int64_t{5});
    EXPECT_EQ(std::get<std::uint64_t>(load_scalar(ScalarType::uint64, buf)), 5u);
    store_scalar(ScalarType::uint32, buf, std::uint64_t{7});
    EXPECT_EQ(std::get<std::int64_t>(load_scalar(ScalarType::uint32, buf)), 7);
    store_scalar(DType::datetime64(TimeUnit::s), buf, std::int64_t{42});
    EXPECT_EQ(std::get<TimeCount>(load_scalar(DType::datetime64(TimeUnit::s), buf)).count, 42);
}

// ------------------------------------------------------------------------------------ fill

std::vector<std::int32_t> contents(const Array& a) {
    std::vector<std::int32_t> out(static_cast<std::size_t>(a.size()));
    std::memcpy(out.data(), a.data(), out.size() * sizeof(std::int32_t));
    return out;
}

TEST(Fill, WritesExactlyTheElementsOfAStridedView) {
    const Array base = Array::zeros(ScalarType::int32, Dims{6, 8});
    // base[1:5:2, ::-3] -> rows 1, 3 and columns 7, 4, 1
    const Array view = base.index(std::vector<Index>{Slice{1, 5, 2}, Slice{std::nullopt, std::nullopt, -3}});
    ASSERT_EQ(view.shape(), (Dims{2, 3}));
    fill(view, std::int64_t{7});
    const auto v = contents(base);
    for (std::int64_t r = 0; r < 6; ++r) {
        for (std::int64_t c = 0; c < 8; ++c) {
            const bool in_view = (r == 1 || r == 3) && (c == 7 || c == 4 || c == 1);
            EXPECT_EQ(v[static_cast<std::size_t>(r * 8 + c)], in_view ? 7 : 0) << "base[" << r << ", " << c << "]";
        }
    }
}

TEST(Fill, WritesTransposedNegativeAndZeroDimensionalViews) {
    const Array base = Array::zeros(ScalarType::int32, Dims{3, 4});
    const Array t =
        base.index(std::vector<Index>{Slice{std::nullopt, std::nullopt, -1}, Slice{1, 3, std::nullopt}}).transpose();
    fill(t, 2.9);  // truncated to 2
    const Array one = base.index(std::vector<Index>{std::int64_t{0}, std::int64_t{3}});
    ASSERT_EQ(one.ndim(), 0);
    fill(one, true);
    EXPECT_EQ(contents(base), (std::vector<std::int32_t>{0, 2, 2, 1, 0, 2, 2, 0, 0, 2, 2, 0}));
}

TEST(Fill, BroadcastViewWritesItsSingleElement) {
    const Array base = Array::zeros(ScalarType::int32, Dims{3});
    const Array one = base.index(std::vector<Index>{Slice{1, 2, std::nullopt}});
    const Array wide = Array::wrap(one.data(), one.dtype(), Dims{4, 5}, Dims{0, 0}, Device::cpu(), false, one.owner());
    fill(wide, std::int64_t{-3});
    EXPECT_EQ(contents(base), (std::vector<std::int32_t>{0, -3, 0}));
}

TEST(Fill, EmptyViewWritesNothing) {
    const Array base = Array::zeros(ScalarType::int32, Dims{4});
    fill(base.index(std::vector<Index>{Slice{3, 1, std::nullopt}}), std::int64_t{9});
    EXPECT_EQ(contents(base), (std::vector<std::int32_t>{0, 0, 0, 0}));
}

TEST(Fill, ReadOnlyArrayRaisesAndWritesNothing) {
    const Array base = Array::zeros(ScalarType::int32, Dims{2, 3});
    EXPECT_NDB_ERROR(fill(base.as_readonly(), std::int64_t{1}), ErrorKind::value);
    EXPECT_NDB_ERROR(fill(base.as_readonly().transpose(), std::int64_t{1}), ErrorKind::value);
    EXPECT_EQ(contents(base), std::vector<std::int32_t>(6, 0));
}

TEST(Fill, BadValueRaisesBeforeWritingAnything) {
    const Array base = Array::zeros(ScalarType::int32, Dims{5});
    EXPECT_NDB_ERROR(fill(base, std::int64_t{1} << 40), ErrorKind::overflow);
    EXPECT_NDB_ERROR(fill(base, kNaN), ErrorKind::value);
    EXPECT_NDB_ERROR(fill(base, std::complex<double>(1, 1)), ErrorKind::type);
    EXPECT_EQ(contents(base), std::vector<std::int32_t>(5, 0));
}

TEST(Fill, DeviceMemoryIsNeverWrittenFromTheHost) {
    const Array base = Array::zeros(ScalarType::int32, Dims{3});
    const Array dev = Array::wrap(base.data(), base.dtype(), base.shape(), {}, Device{kDLCUDA, 0}, false, base.owner());
    EXPECT_NDB_ERROR(fill(dev, std::int64_t{1}), ErrorKind::value);
    EXPECT_EQ(contents(base), std::vector<std::int32_t>(3, 0));
    const Array pinned =
        Array::wrap(base.data(), base.dtype(), base.shape(), {}, Device{kDLCUDAHost, 0}, false, base.owner());
    fill(pinned, std::int64_t{4});
    EXPECT_EQ(contents(base), std::vector<std::int32_t>(3, 4));
}

TEST(Fill, SwappedByteOrderArraysGetSwappedBytes) {
    const Array base = Array::zeros(ScalarType::int32, Dims{2});
    fill(base.with_dtype(DType(ScalarType::int32).with_native_order(false)), std::int64_t{1});
    const auto v = contents(base);
    EXPECT_EQ(v[0], std::endian::native == std::endian::little ? 0x01000000 : 1);
    EXPECT_EQ(v[1], v[0]);
}

}  // namespace
}  // namespace ndbridge
