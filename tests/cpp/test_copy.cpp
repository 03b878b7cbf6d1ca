// Tests of the copy/cast engine (ndbridge/copy.h). Expected values come from NumPy/ml_dtypes through
// tests/cpp/gen_copy_data.py (data/copy_*.txt) or are computed element by element here; every source and
// destination lives in test-owned memory, so layouts (C, F, transposed, negative strides, non-native byte
// order, unaligned, broadcast) are built by hand and stray writes outside a view are visible.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <span>
#include <string>
#include <vector>

#include "ndbridge/copy.h"
#include "ndbridge/threads.h"
#include "test_data.h"

namespace ndbridge::test {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes parse_hex_bytes(std::string_view hex) {
    if (hex.size() % 2 != 0) throw std::runtime_error("test data: odd-length hex '" + std::string(hex) + "'");
    Bytes out(hex.size() / 2);
    for (std::size_t i = 0; i < out.size(); ++i) out[i] = static_cast<std::uint8_t>(to_hex(hex.substr(2 * i, 2)));
    return out;
}

std::string hex_string(const Bytes& b) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string s;
    for (std::uint8_t v : b) {
        s += kDigits[v >> 4];
        s += kDigits[v & 15];
    }
    return s;
}

// ---------------------------------------------------------------------------------------------- memory

constexpr std::uint8_t kSentinel = 0xAB;

/// Test-owned memory: 64-byte aligned, filled with a sentinel so that writes outside a view show.
class Buffer {
public:
    explicit Buffer(std::int64_t nbytes)
        : blocks_(static_cast<std::size_t>(std::max<std::int64_t>(nbytes, 1) + 63) / 64), nbytes_(nbytes) {
        std::memset(base(), kSentinel, blocks_.size() * sizeof(Block));
    }
    std::byte* base() noexcept { return blocks_.front().bytes; }
    std::int64_t size() const noexcept { return nbytes_; }

private:
    struct alignas(64) Block {
        std::byte bytes[64];
    };
    std::vector<Block> blocks_;
    std::int64_t nbytes_;
};

/// Checks that every byte of `buf` is still the sentinel (nothing was written, e.g. before an error).
void expect_untouched(Buffer& buf) {
    for (std::int64_t i = 0; i < buf.size(); ++i)
        ASSERT_EQ(std::to_integer<std::uint8_t>(buf.base()[i]), kSentinel) << "byte " << i << " was written";
}

/// Reverses every byte-order unit of one element in place (complex: each part; unicode: each char).
void swap_element(std::byte* p, DType t) {
    const std::int64_t unit = t.swap_unit();
    for (std::int64_t g = 0; g < t.itemsize(); g += unit) std::reverse(p + g, p + g + unit);
}

/// Bytes of an element in native order.
Bytes read_element(const Array& a, std::span<const std::int64_t> index) {
    std::vector<std::byte> raw(static_cast<std::size_t>(a.itemsize()));
    std::memcpy(raw.data(), a.element(index), raw.size());
    if (!a.dtype().is_native()) swap_element(raw.data(), a.dtype());
    Bytes out(raw.size());
    std::memcpy(out.data(), raw.data(), raw.size());
    return out;
}

/// Stores native-order bytes as an element of `a` (swapping them when `a` is non-native).
void write_element(const Array& a, std::span<const std::int64_t> index, const Bytes& native) {
    std::byte* p = a.element(index);
    std::memcpy(p, native.data(), native.size());
    if (!a.dtype().is_native()) swap_element(p, a.dtype());
}

/// Bytes that carry the value: x87 long double uses 10 of its 16 bytes, the rest is padding.
bool value_byte(DType t, std::size_t i) {
    if (t.type() == ScalarType::longdouble) return i < 10;
    if (t.type() == ScalarType::clongdouble) return i % 16 < 10;
    return true;
}

bool same_value(DType t, const Bytes& got, const Bytes& expected) {
    if (got.size() != expected.size()) return false;
    for (std::size_t i = 0; i < got.size(); ++i)
        if (value_byte(t, i) && got[i] != expected[i]) return false;
    return true;
}

template <class F>
void for_each_index(const Dims& shape, F&& f) {
    for (std::int64_t e : shape)
        if (e == 0) return;
    Dims index(shape.size(), 0);
    while (true) {
        f(std::span<const std::int64_t>(index));
        std::size_t k = shape.size();
        while (k > 0) {
            --k;
            if (++index[k] < shape[k]) break;
            index[k] = 0;
            if (k == 0) return;
        }
        if (shape.empty()) return;
    }
}

// Bytes of `buf` that no element of `a` (a view into `buf`) covers, and that are not the sentinel.
std::int64_t stray_writes(Buffer& buf, const Array& a) {
    std::vector<bool> covered(static_cast<std::size_t>(buf.size()), false);
    for_each_index(a.shape(), [&](std::span<const std::int64_t> idx) {
        const std::int64_t at = a.element(idx) - buf.base();
        for (std::int64_t b = 0; b < a.itemsize(); ++b) covered[static_cast<std::size_t>(at + b)] = true;
    });
    std::int64_t stray = 0;
    for (std::int64_t i = 0; i < buf.size(); ++i)
        if (!covered[static_cast<std::size_t>(i)] && std::to_integer<std::uint8_t>(buf.base()[i]) != kSentinel) ++stray;
    return stray;
}

// ---------------------------------------------------------------------------------------------- layouts

enum class Geometry { c, f, transposed, negative, strided, broadcast_row, broadcast_1xn };

struct LayoutSpec {
    const char* name;
    Geometry geometry;
    bool swapped;           ///< non-native byte order
    std::int64_t misalign;  ///< bytes added to the data pointer (1: unaligned for every multi-byte type)
};

// Every layout is a logical rows x cols matrix (the broadcast ones are sources of shape (cols,) and (1, cols)).
constexpr LayoutSpec kSourceLayouts[] = {
    {"C", Geometry::c, false, 0},
    {"F", Geometry::f, false, 0},
    {"transposed", Geometry::transposed, false, 0},
    {"negative", Geometry::negative, false, 0},
    {"strided", Geometry::strided, false, 0},
    {"unaligned", Geometry::c, false, 1},
    {"swapped", Geometry::c, true, 0},
    {"swapped_negative_unaligned", Geometry::negative, true, 1},
    {"broadcast_row", Geometry::broadcast_row, false, 0},
    {"broadcast_1xn_swapped", Geometry::broadcast_1xn, true, 0},
};
constexpr LayoutSpec kDestinationLayouts[] = {
    {"C", Geometry::c, false, 0},
    {"F", Geometry::f, false, 0},
    {"transposed", Geometry::transposed, false, 0},
    {"negative", Geometry::negative, false, 0},
    {"strided", Geometry::strided, false, 0},
    {"unaligned", Geometry::c, false, 1},
    {"swapped", Geometry::c, true, 0},
    {"swapped_transposed_unaligned", Geometry::transposed, true, 1},
};

/// An Array over its own Buffer.
struct Placed {
    Buffer buffer;
    Array array;
};

Placed place(DType dtype, const LayoutSpec& spec, std::int64_t rows, std::int64_t cols, bool readonly = false) {
    const std::int64_t is = dtype.itemsize();
    Dims shape{rows, cols}, strides;
    std::int64_t nbytes = rows * cols * is, first = 0;
    switch (spec.geometry) {
        case Geometry::c: strides = {cols * is, is}; break;
        case Geometry::f: strides = {is, rows * is}; break;
        case Geometry::transposed:  // the transpose of a (cols, rows + 1) C array's [:, :rows]
            strides = {is, (rows + 1) * is};
            nbytes = cols * (rows + 1) * is;
            break;
        case Geometry::negative:  // a C array read backwards on both axes, data at its last element
            strides = {-cols * is, -is};
            first = nbytes - is;
            break;
        case Geometry::strided:  // every other row and column of a (2 rows, 2 cols) C array
            strides = {4 * cols * is, 2 * is};
            nbytes = 4 * rows * cols * is;
            break;
        case Geometry::broadcast_row:
            shape = {cols};
            strides = {is};
            nbytes = cols * is;
            break;
        case Geometry::broadcast_1xn:
            shape = {1, cols};
            strides = {cols * is, is};
            nbytes = cols * is;
            break;
    }
    Placed p{Buffer(nbytes + spec.misalign), Array()};
    const DType t = spec.swapped ? dtype.with_native_order(false) : dtype;
    p.array = Array::wrap(p.buffer.base() + spec.misalign + first, t, shape, strides, Device::cpu(), readonly, nullptr);
    return p;
}

bool is_broadcast(const LayoutSpec& spec) {
    return spec.geometry == Geometry::broadcast_row || spec.geometry == Geometry::broadcast_1xn;
}

// ---------------------------------------------------------------------------------------------- NumPy's casts

struct CastCase {
    std::string from, to;
    std::vector<Bytes> values;    ///< source elements (native order)
    std::vector<Bytes> expected;  ///< NumPy's astype of each
};

void PrintTo(const CastCase& c, std::ostream* os) {
    *os << c.from << " -> " << c.to << " (" << c.values.size() << " values)";
}

const std::vector<CastCase>& cast_cases() {
    static const std::vector<CastCase> cases = [] {
        std::map<std::string, std::vector<Bytes>> pools;
        std::vector<CastCase> out;
        for (const auto& r : read_records("copy_casts.txt")) {
            if (r.at(0) == "source") {
                auto& pool = pools[r.at(1)];
                for (std::size_t i = 3; i < r.size(); ++i) pool.push_back(parse_hex_bytes(r[i]));
                if (static_cast<std::int64_t>(pool.size()) != to_int(r.at(2)))
                    throw std::runtime_error("copy_casts.txt: wrong count for " + r.at(1));
            } else if (r.at(0) == "cast") {
                CastCase c{r.at(1), r.at(2), {}, {}};
                const auto& pool = pools.at(c.from);
                for (std::size_t i = 3; i < r.size(); ++i) {
                    const auto colon = r[i].find(':');
                    c.values.push_back(pool.at(static_cast<std::size_t>(to_int(r[i].substr(0, colon)))));
                    c.expected.push_back(parse_hex_bytes(r[i].substr(colon + 1)));
                }
                out.push_back(std::move(c));
            } else {
                throw std::runtime_error("copy_casts.txt: unknown record " + r.at(0));
            }
        }
        return out;
    }();
    return cases;
}

struct CastCaseName {
    std::string operator()(const ::testing::TestParamInfo<CastCase>& info) const {
        return info.param.from + "_to_" + info.param.to;
    }
};

class CopyCastPairs : public ::testing::TestWithParam<CastCase> {};

// copy_into from every source layout into every destination layout gives NumPy's astype, element by
// element, and writes nothing outside the destination view.
TEST_P(CopyCastPairs, EveryLayoutPairEqualsNumpyAstype) {
    const CastCase& c = GetParam();
    const DType from = parse_dtype(c.from), to = parse_dtype(c.to);
    ASSERT_FALSE(c.values.empty()) << "the generator left no value for this pair";
    ASSERT_TRUE(can_convert(from, to));
    ASSERT_TRUE(can_convert(from.with_native_order(false), to.with_native_order(false)));
    const auto n = static_cast<std::int64_t>(c.values.size());
    const std::int64_t cols = 7, rows = std::max<std::int64_t>(2, (n + cols - 1) / cols);
    int reported = 0;
    for (const LayoutSpec& ss : kSourceLayouts) {
        for (const LayoutSpec& ds : kDestinationLayouts) {
            Placed src = place(from, ss, rows, cols);
            Placed dst = place(to, ds, rows, cols);
            for_each_index(src.array.shape(), [&](std::span<const std::int64_t> idx) {
                const std::int64_t k = idx.size() == 2 ? idx[0] * cols + idx[1] : idx[0];
                write_element(src.array, idx, c.values[static_cast<std::size_t>(k % n)]);
            });
            copy_into(dst.array, src.array);
            std::int64_t wrong = 0;
            for_each_index(dst.array.shape(), [&](std::span<const std::int64_t> idx) {
                const std::int64_t k = is_broadcast(ss) ? idx[1] : idx[0] * cols + idx[1];
                const auto v = static_cast<std::size_t>(k % n);
                const Bytes got = read_element(dst.array, idx);
                if (same_value(to, got, c.expected[v])) return;
                ++wrong;
                if (++reported <= 8)
                    ADD_FAILURE() << c.from << " -> " << c.to << ", source " << ss.name << ", destination " << ds.name
                                  << ", element (" << idx[0] << ", " << idx[1] << "): source "
                                  << hex_string(c.values[v]) << ", NumPy gives " << hex_string(c.expected[v])
                                  << ", ndbridge gave " << hex_string(got);
            });
            EXPECT_EQ(wrong, 0) << "source " << ss.name << ", destination " << ds.name;
            EXPECT_EQ(stray_writes(dst.buffer, dst.array), 0) << "source " << ss.name << ", destination " << ds.name;
            // The source is never written.
            EXPECT_EQ(stray_writes(src.buffer, src.array), 0) << "source " << ss.name;
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Numpy, CopyCastPairs, ::testing::ValuesIn(cast_cases()), CastCaseName());

TEST(CopyCastData, DataCoversEveryNumericPair) { EXPECT_EQ(cast_cases().size(), static_cast<std::size_t>(19 * 19)); }

// ---------------------------------------------------------------------------------------------- rules NumPy leaves
// open

const std::vector<std::string>& float_source_names() {
    static const std::vector<std::string> names = {"float16",       "bfloat16",   "float32",    "float64",
                                                   "longdouble",    "complex64",  "complex128", "clongdouble",
                                                   "float8_e4m3fn", "float8_e5m2"};
    return names;
}

/// A 1-d native C array over its own memory.
Placed vector_of(DType dtype, std::int64_t n) { return place(dtype, kDestinationLayouts[0], 1, n); }

class CopyCastOutOfRange : public ::testing::TestWithParam<std::string> {};

// Float -> integer outside the target's range saturates, NaN gives 0, in range truncates toward zero,
// negative into unsigned wraps from int64 (0 below int64): ndbridge's definition where C and NumPy have
// none, or NumPy's and PyTorch's shared answer. Checked against long double arithmetic.
TEST_P(CopyCastOutOfRange, FloatToIntegerTruncatesSaturatesAndMapsNaNToZero) {
    const DType from = parse_dtype(GetParam());
    const std::vector<double> probes = {NAN,
                                        -NAN,
                                        INFINITY,
                                        -INFINITY,
                                        1e300,
                                        -1e300,
                                        3e38,
                                        -3e38,
                                        1e19,
                                        -1e19,
                                        0x1p63,
                                        -0x1p63,
                                        -0x1.0000000000001p63,
                                        0x1p64,
                                        0x1p32,
                                        -0x1p31 - 1,
                                        0x1p31,
                                        65504,
                                        -65504,
                                        448,
                                        -448,
                                        300,
                                        -300,
                                        256,
                                        -129,
                                        128,
                                        255.9,
                                        -0.9,
                                        -1,
                                        -1.5,
                                        0.0,
                                        -0.0,
                                        1e-300};
    const auto n = static_cast<std::int64_t>(probes.size());
    Placed doubles = vector_of(ScalarType::float64, n);
    std::memcpy(doubles.array.data(), probes.data(), probes.size() * sizeof(double));
    Placed src = vector_of(from, n);
    copy_into(src.array, doubles.array);  // the values each source type can hold (inf where it overflows)
    Placed exact = vector_of(ScalarType::longdouble, n);
    copy_into(exact.array, src.array);  // widening is exact; its bits are checked against NumPy elsewhere
    for (const char* int_name : {"int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}) {
        const DType to = parse_dtype(int_name);
        Placed dst = vector_of(to, n);
        copy_into(dst.array, src.array);
        for (std::int64_t i = 0; i < n; ++i) {
            const Dims idx{0, i};
            long double v;
            std::memcpy(&v, exact.array.element(idx), sizeof v);
            long double expected;
            long double lo = 0, hi = 0;
            Bytes got = read_element(dst.array, idx);
            long double actual = 0;
            auto load = [&](auto tag) {
                using T = decltype(tag);
                T x;
                std::memcpy(&x, got.data(), sizeof x);
                lo = static_cast<long double>(std::numeric_limits<T>::min());
                hi = static_cast<long double>(std::numeric_limits<T>::max());
                actual = static_cast<long double>(x);
            };
            switch (to.type()) {
                case ScalarType::int8: load(std::int8_t{}); break;
                case ScalarType::int16: load(std::int16_t{}); break;
                case ScalarType::int32: load(std::int32_t{}); break;
                case ScalarType::int64: load(std::int64_t{}); break;
                case ScalarType::uint8: load(std::uint8_t{}); break;
                case ScalarType::uint16: load(std::uint16_t{}); break;
                case ScalarType::uint32: load(std::uint32_t{}); break;
                default: load(std::uint64_t{}); break;
            }
            const long double int64_min = -0x1p63L;
            if (std::isnan(v))
                expected = 0;
            else if (lo == 0 && v < 0) {  // unsigned: wraps from int64 as NumPy and PyTorch; 0 below int64
                const long double r = std::fmod(std::trunc(v), hi + 1);
                expected = v < int64_min ? 0 : (r < 0 ? r + (hi + 1) : r);
            } else
                expected = std::clamp(std::trunc(v), lo, hi);
            EXPECT_EQ(actual, expected) << GetParam() << " " << static_cast<double>(v) << " -> " << int_name
                                        << " (probe " << probes[static_cast<std::size_t>(i)] << ")";
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllFloats, CopyCastOutOfRange, ::testing::ValuesIn(float_source_names()),
                         [](const ::testing::TestParamInfo<std::string>& p) { return p.param; });

// One row of float64 values in the hardest source layout: byte-swapped, negative strides, unaligned.
Placed awkward_float64_row(std::span<const double> values) {
    const auto n = static_cast<std::int64_t>(values.size());
    Placed src = place(ScalarType::float64, kSourceLayouts[7], 1, n);
    for (std::int64_t j = 0; j < n; ++j) {
        Bytes b(8);
        std::memcpy(b.data(), &values[static_cast<std::size_t>(j)], 8);
        write_element(src.array, Dims{0, j}, b);
    }
    return src;
}

// Out-of-range results reach the destination through every layout path (stack buffer for byte order too).
TEST(CopyCastSaturation, HoldsForNonNativeUnalignedNegativeData) {
    const double values[] = {NAN, 1e10, -1e10, 3.9, -3.9};
    Placed src = awkward_float64_row(values);
    Placed dst = place(ScalarType::int32, kDestinationLayouts[7], 1, 5);
    copy_into(dst.array, src.array);
    const std::int32_t expected[] = {0, INT32_MAX, INT32_MIN, 3, -3};
    for (std::int64_t j = 0; j < 5; ++j) {
        const Bytes got = read_element(dst.array, Dims{0, j});
        std::int32_t v;
        std::memcpy(&v, got.data(), 4);
        EXPECT_EQ(v, expected[j]) << "element " << j;
    }
}

// The invalid float-to-integer elements are counted (NumPy warns on them), through the same layouts;
// values whose result is their truncation (including negatives into unsigned, which wrap) are not.
TEST(CopyCastSaturation, InvalidElementsAreCountedPerThreadAndTaken) {
    (void)take_invalid_casts();
    const double values[] = {NAN, 1e10, -1e10, 3.9, -3.9, INFINITY, -2147483648.9, 2147483647.9};
    Placed src = awkward_float64_row(values);
    Placed dst = place(ScalarType::int32, kDestinationLayouts[7], 1, 8);
    copy_into(dst.array, src.array);
    InvalidCasts found = take_invalid_casts();
    EXPECT_EQ(found.count, 4);                      // NaN, 1e10, -1e10, inf
    EXPECT_EQ(found.to.type(), ScalarType::int32);  // the destination's, here byte-swapped
    EXPECT_EQ(take_invalid_casts().count, 0);

    Placed unsigned_dst = place(ScalarType::uint8, kDestinationLayouts[0], 1, 8);
    // Negatives within int64 wrap (defined); NaN, 1e10, inf and 2147483647.9 are invalid.
    copy_into(unsigned_dst.array, src.array);
    EXPECT_EQ(take_invalid_casts().count, 4);

    Placed floats = place(ScalarType::float32, kDestinationLayouts[0], 1, 8);
    copy_into(floats.array, src.array);  // not an integer cast: nothing counted
    EXPECT_EQ(take_invalid_casts().count, 0);
}

// A block larger than the engine's byte-swap buffer: every element still converted once.
TEST(CopyCastBlocks, LongNonNativeRunsCrossTheSwapBufferBlocks) {
    const std::int64_t n = 1000;
    Placed src = place(ScalarType::int32, kSourceLayouts[6], 1, n);  // swapped C
    for (std::int64_t j = 0; j < n; ++j) {
        const auto v = static_cast<std::int32_t>(j * 7919 - 500000);
        Bytes b(4);
        std::memcpy(b.data(), &v, 4);
        write_element(src.array, Dims{0, j}, b);
    }
    for (const LayoutSpec& ds : kDestinationLayouts) {
        Placed dst = place(ScalarType::float64, ds, 1, n);
        copy_into(dst.array, src.array);
        for (std::int64_t j = 0; j < n; ++j) {
            const Bytes got = read_element(dst.array, Dims{0, j});
            double v;
            std::memcpy(&v, got.data(), 8);
            ASSERT_EQ(v, static_cast<double>(j * 7919 - 500000)) << ds.name << " element " << j;
        }
        EXPECT_EQ(stray_writes(dst.buffer, dst.array), 0) << ds.name;
    }
}

// ---------------------------------------------------------------------------------------------- datetime units

struct TimeCase {
    char kind;  ///< 'M' datetime64, 'm' timedelta64
    std::string from, to;
    std::vector<std::pair<std::int64_t, std::int64_t>> values;
};

void PrintTo(const TimeCase& c, std::ostream* os) {
    *os << c.kind << "8[" << c.from << "] -> " << c.kind << "8[" << c.to << "]";
}

const std::vector<TimeCase>& time_cases() {
    static const std::vector<TimeCase> cases = [] {
        std::vector<TimeCase> out;
        for (const auto& r : read_records("copy_time.txt")) {
            TimeCase c{r.at(1).at(0), r.at(2), r.at(3), {}};
            for (std::size_t i = 4; i < r.size(); ++i) {
                const auto colon = r[i].find(':');
                c.values.emplace_back(to_int(r[i].substr(0, colon)), to_int(r[i].substr(colon + 1)));
            }
            out.push_back(std::move(c));
        }
        return out;
    }();
    return cases;
}

DType time_dtype(char kind, const std::string& unit) {
    return kind == 'M' ? DType::datetime64(parse_time_unit(unit)) : DType::timedelta64(parse_time_unit(unit));
}

class CopyTimeUnits : public ::testing::TestWithParam<TimeCase> {};

// Unit conversion equals NumPy's (floor division, calendar months and years for datetimes, NaT kept),
// from C and from negative/non-native sources, into native and non-native destinations.
TEST_P(CopyTimeUnits, ConversionEqualsNumpy) {
    const TimeCase& c = GetParam();
    const DType from = time_dtype(c.kind, c.from), to = time_dtype(c.kind, c.to);
    ASSERT_TRUE(can_convert(from, to));
    const auto n = static_cast<std::int64_t>(c.values.size());
    for (const LayoutSpec* ss : {&kSourceLayouts[0], &kSourceLayouts[7]}) {
        for (const LayoutSpec* ds : {&kDestinationLayouts[0], &kDestinationLayouts[7]}) {
            Placed src = place(from, *ss, 1, n);
            Placed dst = place(to, *ds, 1, n);
            for (std::int64_t j = 0; j < n; ++j) {
                Bytes b(8);
                std::memcpy(b.data(), &c.values[static_cast<std::size_t>(j)].first, 8);
                write_element(src.array, Dims{0, j}, b);
            }
            copy_into(dst.array, src.array);
            for (std::int64_t j = 0; j < n; ++j) {
                const Bytes got = read_element(dst.array, Dims{0, j});
                std::int64_t v;
                std::memcpy(&v, got.data(), 8);
                const auto& [in, expected] = c.values[static_cast<std::size_t>(j)];
                EXPECT_EQ(v, expected) << c.kind << "8[" << c.from << "] " << in << " -> " << c.to << " (source "
                                       << ss->name << ", destination " << ds->name << ")";
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Numpy, CopyTimeUnits, ::testing::ValuesIn(time_cases()),
                         [](const ::testing::TestParamInfo<TimeCase>& p) {
                             return std::string(p.param.kind == 'M' ? "datetime_" : "timedelta_") + p.param.from +
                                    "_to_" + p.param.to;
                         });

std::vector<std::int64_t> convert_counts(DType from, DType to, const std::vector<std::int64_t>& values) {
    const auto n = static_cast<std::int64_t>(values.size());
    Placed src = vector_of(from, n);
    std::memcpy(src.array.data(), values.data(), values.size() * 8);
    Placed dst = vector_of(to, n);
    copy_into(dst.array, src.array);
    std::vector<std::int64_t> out(values.size());
    std::memcpy(out.data(), dst.array.data(), values.size() * 8);
    return out;
}

TEST(CopyTimeRules, OverflowGivesNaTWhereNumpyWraps) {
    // ndbridge's rule: a converted value outside int64 is NaT (NumPy wraps silently).
    const auto s = DType::datetime64(TimeUnit::s), ns = DType::datetime64(TimeUnit::ns);
    EXPECT_EQ(convert_counts(s, ns, {INT64_C(1) << 62, -(INT64_C(1) << 62), 9223372036, -9223372036, 9223372037}),
              (std::vector<std::int64_t>{INT64_MIN, INT64_MIN, 9223372036000000000, -9223372036000000000, INT64_MIN}));
    EXPECT_EQ(
        convert_counts(DType::timedelta64(TimeUnit::Y), DType::timedelta64(TimeUnit::ns), {INT64_C(1) << 40, 292}),
        (std::vector<std::int64_t>{INT64_MIN, INT64_C(292) * 31556952 * 1000000000}));
    EXPECT_EQ(convert_counts(DType::datetime64(TimeUnit::Y), DType::datetime64(TimeUnit::ns), {INT64_C(1) << 62})[0],
              INT64_MIN);
}

TEST(CopyTimeRules, LargeCountsConvertExactlyWhereNumpyOverflowsInside) {
    // Exact results (Python integers, gen_copy_data.exact_time) that fit in int64 although NumPy's own
    // intermediate products overflow; ndbridge computes in 128 bits and only the result's range counts.
    const auto M8 = [](TimeUnit u) { return DType::datetime64(u); };
    const auto m8 = [](TimeUnit u) { return DType::timedelta64(u); };
    EXPECT_EQ(convert_counts(M8(TimeUnit::Y), M8(TimeUnit::W), {100000000000000001, -100000000000000001}),
              (std::vector<std::int64_t>{5217750000000000052, -5217750000000000053}));
    EXPECT_EQ(convert_counts(M8(TimeUnit::W), M8(TimeUnit::Y), {INT64_C(1) << 62}),
              (std::vector<std::int64_t>{88384572247182941}));
    EXPECT_EQ(convert_counts(M8(TimeUnit::W), M8(TimeUnit::M), {-(INT64_C(1) << 62)}),
              (std::vector<std::int64_t>{-1060614866966195292}));
    EXPECT_EQ(convert_counts(m8(TimeUnit::Y), m8(TimeUnit::D), {1000000000000003}),
              (std::vector<std::int64_t>{365242500000001095}));
    EXPECT_EQ(convert_counts(m8(TimeUnit::W), m8(TimeUnit::Y), {INT64_MAX}),
              (std::vector<std::int64_t>{176769144494365881}));
    EXPECT_EQ(convert_counts(M8(TimeUnit::ns), M8(TimeUnit::us), {-INT64_MAX}),
              (std::vector<std::int64_t>{-9223372036854776}));
    EXPECT_EQ(convert_counts(m8(TimeUnit::D), m8(TimeUnit::M), {100000000000000001}),
              (std::vector<std::int64_t>{3285488408386209}));
    // ... and NaT when the result itself does not fit.
    EXPECT_EQ(convert_counts(M8(TimeUnit::Y), M8(TimeUnit::D), {INT64_MAX, -INT64_MAX}),
              (std::vector<std::int64_t>{INT64_MIN, INT64_MIN}));
}

TEST(CopyTimeRules, GenericUnitConvertsToAnyUnitButNotBack) {
    // NumPy: a unit-less value takes the target's unit unchanged.
    const auto generic = DType::timedelta64(TimeUnit::generic), ns = DType::timedelta64(TimeUnit::ns);
    EXPECT_EQ(convert_counts(generic, ns, {5, -7, INT64_MIN}), (std::vector<std::int64_t>{5, -7, INT64_MIN}));
    EXPECT_TRUE(can_convert(DType::datetime64(TimeUnit::generic), DType::datetime64(TimeUnit::D)));
    EXPECT_FALSE(can_convert(ns, generic));
    Placed src = vector_of(ns, 2);
    Placed dst = vector_of(generic, 2);
    EXPECT_NDB_ERROR(copy_into(dst.array, src.array), ErrorKind::type);
    expect_untouched(dst.buffer);
}

TEST(CopyTimeRules, IntegersAreRawCountsBothWays) {
    // As NumPy: datetime -> int64 is the count (NaT is INT64_MIN); narrower integers wrap like int64 does.
    const auto s = DType::datetime64(TimeUnit::s);
    EXPECT_EQ(convert_counts(s, ScalarType::int64, {5, -1, INT64_MIN}), (std::vector<std::int64_t>{5, -1, INT64_MIN}));
    Placed src = vector_of(s, 3);
    const std::int64_t counts[] = {INT64_C(1) << 40, -1, INT64_MIN};
    std::memcpy(src.array.data(), counts, sizeof counts);
    Placed i32 = vector_of(ScalarType::int32, 3);
    copy_into(i32.array, src.array);
    std::int32_t narrow[3];
    std::memcpy(narrow, i32.array.data(), sizeof narrow);
    EXPECT_EQ(std::vector<std::int32_t>(narrow, narrow + 3), (std::vector<std::int32_t>{0, -1, 0}));
    Placed u8 = vector_of(ScalarType::uint8, 3);
    copy_into(u8.array, src.array);
    EXPECT_EQ(std::to_integer<int>(u8.array.data()[1]), 255);
    // int32 -> timedelta: the value is the count; uint64 max wraps to -1 as in NumPy.
    Placed ints = vector_of(ScalarType::uint64, 1);
    const std::uint64_t big = UINT64_MAX;
    std::memcpy(ints.array.data(), &big, 8);
    Placed td = vector_of(DType::timedelta64(TimeUnit::s), 1);
    copy_into(td.array, ints.array);
    std::int64_t out;
    std::memcpy(&out, td.array.data(), 8);
    EXPECT_EQ(out, -1);
    EXPECT_TRUE(can_convert(ScalarType::int16, DType::datetime64(TimeUnit::ms)));
    EXPECT_TRUE(can_convert(DType::timedelta64(TimeUnit::ms), ScalarType::uint32));
}

// ---------------------------------------------------------------------------------------------- strings

struct StringCase {
    std::string from, to;
    Bytes value;
    std::optional<Bytes> expected;  ///< nullopt: NumPy raises
};

void PrintTo(const StringCase& c, std::ostream* os) { *os << c.from << " -> " << c.to << " " << hex_string(c.value); }

std::vector<StringCase> string_cases() {
    std::vector<StringCase> out;
    for (const auto& r : read_records("copy_strings.txt")) {
        StringCase c{r.at(1), r.at(2), parse_hex_bytes(r.at(3)), std::nullopt};
        if (r.at(4) != "error") c.expected = parse_hex_bytes(r.at(4));
        out.push_back(std::move(c));
    }
    return out;
}

// Every S/U pair of lengths 1, 3, 5, 8 with NumPy's result: truncation, NUL padding, embedded NULs kept;
// non-ASCII across the bytes/unicode line is an error that leaves the destination untouched.
TEST(CopyStrings, EveryStringPairEqualsNumpy) {
    const auto cases = string_cases();
    ASSERT_GT(cases.size(), 500u);
    for (const StringCase& c : cases) {
        SCOPED_TRACE(::testing::PrintToString(c));
        const DType from = parse_dtype(c.from), to = parse_dtype(c.to);
        ASSERT_TRUE(can_convert(from, to));
        for (const LayoutSpec* ss : {&kSourceLayouts[0], &kSourceLayouts[7]}) {
            for (const LayoutSpec* ds : {&kDestinationLayouts[0], &kDestinationLayouts[7]}) {
                // Three elements: two ASCII fillers first, the case last, so an error found late shows a partial write.
                Placed src = place(from, *ss, 1, 3);
                Placed dst = place(to, *ds, 1, 3);
                Bytes filler(static_cast<std::size_t>(from.itemsize()), 0);
                filler[0] = 'z';
                write_element(src.array, Dims{0, 0}, filler);
                write_element(src.array, Dims{0, 1}, filler);
                write_element(src.array, Dims{0, 2}, c.value);
                if (!c.expected) {
                    EXPECT_NDB_ERROR(copy_into(dst.array, src.array), ErrorKind::value);
                    expect_untouched(dst.buffer);
                    continue;
                }
                copy_into(dst.array, src.array);
                EXPECT_EQ(hex_string(read_element(dst.array, Dims{0, 2})), hex_string(*c.expected))
                    << ss->name << " -> " << ds->name;
                const Bytes z = read_element(dst.array, Dims{0, 0});
                EXPECT_EQ(z[0], std::uint8_t{'z'});
                EXPECT_EQ(stray_writes(dst.buffer, dst.array), 0);
            }
        }
    }
}

TEST(CopyStrings, NonAsciiErrorNamesTheCharacter) {
    Placed src = vector_of(DType::unicode(2), 1);
    const char32_t text[2] = {U'a', U'\u00e9'};
    std::memcpy(src.array.data(), text, sizeof text);
    Placed dst = vector_of(DType::bytes(2), 1);
    try {
        copy_into(dst.array, src.array);
        FAIL() << "expected an error";
    } catch (const Error& e) {
        EXPECT_EQ(e.kind(), ErrorKind::value);
        EXPECT_NE(std::string(e.what()).find("e9"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("ASCII"), std::string::npos) << e.what();
    }
}

// ---------------------------------------------------------------------------------------------- K/A/C/F

class CopyOrder : public ::testing::TestWithParam<LayoutCase> {};

/// The NumPy layout (layouts.txt) over test-owned memory, filled with a byte pattern (bool: 0/1).
Placed numpy_layout(const LayoutCase& c) {
    const DType dtype = parse_dtype(c.dtype);
    Placed p{Buffer(std::max<std::int64_t>(c.buffer, 1)), Array()};
    for (std::int64_t i = 0; i < p.buffer.size(); ++i)
        p.buffer.base()[i] =
            static_cast<std::byte>(dtype.type() == ScalarType::bool_ ? i % 3 % 2 : (i * 37 + 11) % 251);
    p.array = Array::wrap(p.buffer.base() + c.offset, dtype, c.shape, c.strides, Device::cpu(), false, nullptr);
    return p;
}

void expect_same_elements(const Array& a, const Array& b) {
    ASSERT_EQ(a.shape(), b.shape());
    ASSERT_EQ(a.dtype(), b.dtype());
    std::int64_t wrong = 0;
    for_each_index(a.shape(), [&](std::span<const std::int64_t> idx) {
        if (std::memcmp(a.element(idx), b.element(idx), static_cast<std::size_t>(a.itemsize())) != 0) ++wrong;
    });
    EXPECT_EQ(wrong, 0);
}

// copy(a, order) and astype(a, dtype, order) lay out their results as np.empty_like(a, order=o) does.
TEST_P(CopyOrder, CopyAndAstypeStridesEqualNumpysEmptyLike) {
    const LayoutCase& c = GetParam();
    Placed src = numpy_layout(c);
    const DType wide =
        src.array.dtype().kind() == DTypeKind::unicode ? DType::unicode(7) : DType(ScalarType::complex128);
    for (const char o : {'K', 'A', 'C', 'F'}) {
        SCOPED_TRACE(std::string("order ") + o);
        const MemoryOrder order = parse_order(std::string_view(&o, 1));
        const Dims& expected = c.empty_like.at(o);
        const Array copied = copy(src.array, order);
        EXPECT_EQ(copied.strides(), expected);
        EXPECT_FALSE(copied.readonly());
        expect_same_elements(copied, src.array);
        EXPECT_EQ(src.array.copy(order).strides(), expected);

        const Array cast = astype(src.array, wide, order);
        Dims scaled = expected;
        for (auto& s : scaled) s = s / c.itemsize * wide.itemsize();
        EXPECT_EQ(cast.strides(), scaled);
        EXPECT_EQ(cast.shape(), c.shape);

        // Without force_copy the source comes back when it already satisfies the order (K and A always:
        // NumPy's asarray shares under order='A' and uses A only to lay out a copy).
        const bool satisfied = o == 'K' || o == 'A' || (o == 'C' && c.c_contiguous) || (o == 'F' && c.f_contiguous);
        EXPECT_EQ(satisfies_order(src.array, order), satisfied);
        const Array same = astype(src.array, src.array.dtype(), order, false);
        EXPECT_EQ(same.data() == src.array.data(), satisfied);
        if (!satisfied) {
            EXPECT_EQ(same.strides(), expected);
        }
        EXPECT_NE(astype(src.array, src.array.dtype(), order, true).data(), src.array.data());
    }
}

INSTANTIATE_TEST_SUITE_P(Numpy, CopyOrder, ::testing::ValuesIn(layouts()), LayoutName());

TEST(CopyOrderByteOrder, NonNativeCopiesKeepTheirByteOrder) {
    Placed src = place(ScalarType::float32, kSourceLayouts[7], 2, 3);  // swapped, negative, unaligned
    for_each_index(src.array.shape(), [&](std::span<const std::int64_t> idx) {
        const float v = static_cast<float>(idx[0] * 10 + idx[1]);
        Bytes b(4);
        std::memcpy(b.data(), &v, 4);
        write_element(src.array, idx, b);
    });
    const Array out = copy(src.array, MemoryOrder::K);
    EXPECT_EQ(out.dtype(), src.array.dtype());
    EXPECT_EQ(out.strides(), (Dims{12, 4}));  // negative strides become positive
    expect_same_elements(out, src.array);
    const Array native = astype(src.array, DType(ScalarType::float32), MemoryOrder::F);
    EXPECT_TRUE(native.dtype().is_native());
    EXPECT_EQ(native.strides(), (Dims{4, 8}));
    for_each_index(native.shape(), [&](std::span<const std::int64_t> idx) {
        float v;
        std::memcpy(&v, native.element(idx), 4);
        EXPECT_EQ(v, static_cast<float>(idx[0] * 10 + idx[1]));
    });
}

// copy_c_contiguous (the copy=True of a C-contiguous source, from its memory alone) gives what `copy` gives
// for a view of the same memory: dtype with its byte order, shape, strides and bytes, over number, text,
// time and swapped dtypes and 0-d, empty, size-1 and 9-d shapes; one thread below the grain, the pool's
// threads above it, alike.
TEST(CopyCContiguous, EqualsCopyOfAViewOfTheSameMemory) {
    const int saved_threads = get_num_threads();
    for (const DType dtype : {DType(ScalarType::float64), DType(ScalarType::uint8), DType(ScalarType::complex128),
                              DType(ScalarType::float32).with_native_order(false), DType::bytes(5), DType::unicode(3),
                              DType::datetime64(TimeUnit::ns), DType(ScalarType::bool_)}) {
        for (const Dims& shape :
             {Dims{}, Dims{0, 3}, Dims{7}, Dims{3, 5}, Dims{2, 1, 4}, Dims{1, 1, 1, 1, 1, 1, 1, 1, 3}, Dims{4099}}) {
            std::int64_t size = 1;
            for (std::int64_t e : shape) size *= e;
            std::vector<std::uint8_t> memory(static_cast<std::size_t>(size * dtype.itemsize()) + 1);
            for (std::size_t i = 0; i < memory.size(); ++i) memory[i] = static_cast<std::uint8_t>(i * 37 + 11);
            const Array view = Array::wrap(memory.data() + 1, dtype, shape, {}, Device::cpu(), true, Owner());
            const Array expected = copy(view, MemoryOrder::K);
            for (const int threads : {1, 2}) {
                set_num_threads(threads);
                detail::set_parallel_grain(threads == 1 ? 0 : 1);  // 1: even a few bytes go to the pool
                const Array out = copy_c_contiguous(memory.data() + 1, dtype, shape);
                EXPECT_EQ(out.dtype(), expected.dtype());
                EXPECT_EQ(out.shape(), expected.shape());
                EXPECT_EQ(out.strides(), expected.strides()) << describe(dtype) << " " << shape_string(shape);
                EXPECT_FALSE(out.readonly());
                EXPECT_EQ(reinterpret_cast<std::uintptr_t>(out.data()) % 64, 0u);
                ASSERT_EQ(std::memcmp(out.data(), expected.data(), static_cast<std::size_t>(expected.nbytes())), 0)
                    << describe(dtype) << " " << shape_string(shape) << ", " << threads << " threads";
                if (threads == 1 || size >= 2) {
                    EXPECT_EQ(detail::last_copy_threads(), threads) << describe(dtype) << " " << shape_string(shape);
                }
            }
        }
    }
    set_num_threads(saved_threads);
    detail::set_parallel_grain(0);
}

TEST(CopyCContiguous, RefusesAShapeAsEmptyDoes) {
    std::uint8_t byte = 0;
    EXPECT_THROW((void)copy_c_contiguous(&byte, DType(ScalarType::uint8), Dims{-1}), Error);
    const Dims huge{std::int64_t{1} << 40, std::int64_t{1} << 40};
    EXPECT_THROW((void)copy_c_contiguous(&byte, DType(ScalarType::uint8), huge), Error);
}

// ---------------------------------------------------------------------------------------------- overlap

Array int32_vector(std::vector<std::int32_t>& v) {
    return Array::wrap(v.data(), ScalarType::int32, Dims{static_cast<std::int64_t>(v.size())}, {}, Device::cpu(), false,
                       nullptr);
}

Array slice1(const Array& a, std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
             std::optional<std::int64_t> step = std::nullopt) {
    const Index items[] = {Slice{start, stop, step}};
    return a.index(items);
}

TEST(CopyOverlap, ShiftRightEqualsNumpySliceAssignment) {
    std::vector<std::int32_t> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const Array a = int32_vector(v);
    copy_into(slice1(a, 1, std::nullopt), slice1(a, std::nullopt, -1));  // a[1:] = a[:-1]
    EXPECT_EQ(v, (std::vector<std::int32_t>{0, 0, 1, 2, 3, 4, 5, 6, 7, 8}));
}

TEST(CopyOverlap, ShiftLeftEqualsNumpySliceAssignment) {
    std::vector<std::int32_t> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const Array a = int32_vector(v);
    copy_into(slice1(a, std::nullopt, -1), slice1(a, 1, std::nullopt));  // a[:-1] = a[1:]
    EXPECT_EQ(v, (std::vector<std::int32_t>{1, 2, 3, 4, 5, 6, 7, 8, 9, 9}));
}

TEST(CopyOverlap, ReversingInPlaceEqualsNumpy) {
    std::vector<std::int32_t> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const Array a = int32_vector(v);
    copy_into(a, slice1(a, std::nullopt, std::nullopt, -1));  // a[:] = a[::-1]
    EXPECT_EQ(v, (std::vector<std::int32_t>{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}));
}

TEST(CopyOverlap, TransposeInPlaceEqualsNumpy) {
    std::vector<std::int32_t> v(16);
    for (int i = 0; i < 16; ++i) v[static_cast<std::size_t>(i)] = i;
    const Dims shape{4, 4};
    const Array a = Array::wrap(v.data(), ScalarType::int32, shape, {}, Device::cpu(), false, nullptr);
    copy_into(a, a.transpose());  // a[...] = a.T
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) EXPECT_EQ(v[static_cast<std::size_t>(i * 4 + j)], j * 4 + i);
}

TEST(CopyOverlap, CastIntoTheSameMemoryReadsEverySourceBeforeWriting) {
    // b = a.view(float32); b[1:] = a[:-1] in NumPy gives floats of the original integers.
    std::vector<std::int32_t> v{0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
    const Array a = int32_vector(v);
    const Array b = a.with_dtype(ScalarType::float32);
    copy_into(slice1(b, 1, std::nullopt), slice1(a, std::nullopt, -1));
    for (std::size_t i = 1; i < v.size(); ++i) {
        float f;
        std::memcpy(&f, &v[i], 4);
        EXPECT_EQ(f, static_cast<float>(i - 1));
    }
}

TEST(CopyOverlap, SameViewIsANoOp) {
    std::vector<std::int32_t> v{3, 1, 4, 1, 5};
    const Array a = int32_vector(v);
    copy_into(a, a);
    EXPECT_EQ(v, (std::vector<std::int32_t>{3, 1, 4, 1, 5}));
}

// ---------------------------------------------------------------------------------------------- broadcasting and
// shapes

TEST(CopyBroadcast, ZeroDimensionalAndColumnSourcesFillTheDestination) {
    Placed scalar = place(ScalarType::int16, kDestinationLayouts[0], 1, 1);
    const std::int16_t seven = 7;
    std::memcpy(scalar.array.data(), &seven, 2);
    const Array zero_d = Array::wrap(scalar.array.data(), ScalarType::int16, Dims{}, {}, Device::cpu(), false, nullptr);
    Placed dst = place(ScalarType::float64, kDestinationLayouts[3], 3, 4);  // negative strides
    copy_into(dst.array, zero_d);
    for_each_index(dst.array.shape(), [&](std::span<const std::int64_t> idx) {
        double d;
        std::memcpy(&d, dst.array.element(idx), 8);
        EXPECT_EQ(d, 7.0);
    });
    // A (3, 1) column into (3, 4): row i gets the column's element i.
    std::vector<std::int32_t> col{10, 20, 30};
    const Array column = Array::wrap(col.data(), ScalarType::int32, Dims{3, 1}, {}, Device::cpu(), false, nullptr);
    copy_into(dst.array, column);
    for_each_index(dst.array.shape(), [&](std::span<const std::int64_t> idx) {
        double d;
        std::memcpy(&d, dst.array.element(idx), 8);
        EXPECT_EQ(d, 10.0 * static_cast<double>(idx[0] + 1));
    });
}

TEST(CopyBroadcast, EmptyArraysCopyNothing) {
    Placed dst = place(ScalarType::float32, kDestinationLayouts[0], 0, 4);
    std::vector<std::int32_t> row{1, 2, 3, 4};
    const Array src = Array::wrap(row.data(), ScalarType::int32, Dims{4}, {}, Device::cpu(), false, nullptr);
    copy_into(dst.array, src);  // (4,) broadcasts to (0, 4)
    EXPECT_EQ(copy(dst.array).size(), 0);
}

TEST(CopyErrors, BadBroadcastNamesBothShapes) {
    Placed dst = place(ScalarType::float64, kDestinationLayouts[0], 2, 4);
    struct Bad {
        Dims shape;
        const char* text;
    };
    for (const Bad& bad :
         {Bad{{3}, "(3,)"}, Bad{{3, 4}, "(3, 4)"}, Bad{{2, 2, 4}, "(2, 2, 4)"}, Bad{{2, 3}, "(2, 3)"}}) {
        Placed src = place(ScalarType::float64, kDestinationLayouts[0], 1, 24);
        const Array s =
            Array::wrap(src.array.data(), ScalarType::float64, bad.shape, {}, Device::cpu(), false, nullptr);
        try {
            copy_into(dst.array, s);
            ADD_FAILURE() << "no error for " << bad.text;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::value);
            const std::string msg = e.what();
            EXPECT_NE(msg.find(bad.text), std::string::npos) << msg;
            EXPECT_NE(msg.find("(2, 4)"), std::string::npos) << msg;
        }
        expect_untouched(dst.buffer);
    }
}

// ---------------------------------------------------------------------------------------------- errors before writes

TEST(CopyErrors, ReadOnlyDestinationIsRefused) {
    Placed src = place(ScalarType::int8, kDestinationLayouts[0], 2, 3);
    Placed dst = place(ScalarType::int8, kDestinationLayouts[0], 2, 3, /*readonly=*/true);
    EXPECT_NDB_ERROR(copy_into(dst.array, src.array), ErrorKind::value);
    expect_untouched(dst.buffer);
    // A read-only source is fine.
    Placed dst2 = place(ScalarType::int16, kDestinationLayouts[0], 2, 3);
    copy_into(dst2.array, src.array.as_readonly());
}

TEST(CopyErrors, DevicesOtherThanTheHostAreRefused) {
    Placed mem = place(ScalarType::float32, kDestinationLayouts[0], 1, 4);
    const Array on_gpu =
        Array::wrap(mem.array.data(), ScalarType::float32, Dims{4}, {}, Device{kDLCUDA, 0}, false, nullptr);
    Placed host = place(ScalarType::float32, kDestinationLayouts[0], 1, 4);
    const Array host1d =
        Array::wrap(host.array.data(), ScalarType::float32, Dims{4}, {}, Device::cpu(), false, nullptr);
    EXPECT_NDB_ERROR(copy_into(on_gpu, host1d), ErrorKind::value);
    EXPECT_NDB_ERROR(copy_into(host1d, on_gpu), ErrorKind::value);
    EXPECT_NDB_ERROR(copy(on_gpu), ErrorKind::value);
    expect_untouched(mem.buffer);
    expect_untouched(host.buffer);
    // Pinned host memory is host-accessible.
    const Array pinned =
        Array::wrap(mem.array.data(), ScalarType::float32, Dims{4}, {}, Device{kDLCUDAHost, 0}, false, nullptr);
    EXPECT_NO_THROW(copy_into(host1d, pinned));
}

TEST(CopyErrors, ImpossibleCastsAreTypeErrorsBeforeAnyWrite) {
    const std::vector<DType> numbers = {ScalarType::bool_,     ScalarType::int32,      ScalarType::uint8,
                                        ScalarType::float16,   ScalarType::bfloat16,   ScalarType::float64,
                                        ScalarType::complex64, ScalarType::float8_e5m2};
    const std::vector<DType> strings = {DType::bytes(4), DType::unicode(4)};
    const std::vector<DType> times = {DType::datetime64(TimeUnit::s), DType::timedelta64(TimeUnit::s)};
    std::vector<std::pair<DType, DType>> impossible;
    for (DType n : numbers)
        for (DType s : strings) {
            impossible.emplace_back(n, s);
            impossible.emplace_back(s, n);
        }
    for (DType t : times) {
        for (DType s : strings) {
            impossible.emplace_back(t, s);
            impossible.emplace_back(s, t);
        }
        for (DType f : {DType(ScalarType::float32), DType(ScalarType::float64), DType(ScalarType::complex128),
                        DType(ScalarType::bool_), DType(ScalarType::float16)}) {
            impossible.emplace_back(t, f);
            impossible.emplace_back(f, t);
        }
    }
    impossible.emplace_back(times[0], times[1]);
    impossible.emplace_back(times[1], times[0]);
    impossible.emplace_back(times[0], DType::datetime64(TimeUnit::generic));
    for (const auto& [from, to] : impossible) {
        SCOPED_TRACE(describe(from) + " -> " + describe(to));
        EXPECT_FALSE(can_convert(from, to));
        EXPECT_FALSE(can_convert(from.with_native_order(false), to.with_native_order(false)));
        Placed src = place(from, kSourceLayouts[0], 2, 2);
        Placed dst = place(to, kDestinationLayouts[0], 2, 2);
        try {
            copy_into(dst.array, src.array);
            ADD_FAILURE() << "no error";
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::type);
            const std::string msg = e.what();
            EXPECT_NE(msg.find(describe(from)), std::string::npos) << msg;
            EXPECT_NE(msg.find(describe(to)), std::string::npos) << msg;
        }
        expect_untouched(dst.buffer);
        EXPECT_NDB_ERROR(astype(src.array, to), ErrorKind::type);
        EXPECT_NDB_ERROR(astype(src.array, to, MemoryOrder::K, false), ErrorKind::type);
    }
}

TEST(CopyErrors, BytesAboveAsciiToUnicodeAreRefusedBeforeAnyWrite) {
    Placed src = vector_of(DType::bytes(2), 4);
    std::memcpy(src.array.data(), "abcdef\xffg", 8);
    Placed dst = vector_of(DType::unicode(2), 4);
    EXPECT_NDB_ERROR(copy_into(dst.array, src.array), ErrorKind::value);
    expect_untouched(dst.buffer);
}

TEST(CopyErrors, ConvertibilityTable) {
    for (int a = 0; a < 19; ++a)
        for (int b = 0; b < 19; ++b)
            EXPECT_TRUE(can_convert(static_cast<ScalarType>(a), static_cast<ScalarType>(b))) << a << " " << b;
    for (DType s : {DType::bytes(1), DType::bytes(9), DType::unicode(1), DType::unicode(9)})
        for (DType t : {DType::bytes(3), DType::unicode(3)}) EXPECT_TRUE(can_convert(s, t));
    for (TimeUnit u : {TimeUnit::Y, TimeUnit::M, TimeUnit::D, TimeUnit::ns})
        for (TimeUnit v : {TimeUnit::Y, TimeUnit::W, TimeUnit::h, TimeUnit::ns}) {
            EXPECT_TRUE(can_convert(DType::datetime64(u), DType::datetime64(v)));
            EXPECT_TRUE(can_convert(DType::timedelta64(u), DType::timedelta64(v)));
        }
}

}  // namespace
}  // namespace ndbridge::test
