// Element types: every dtype round-trips through each of its spellings (typestr, PEP 3118, DLPack, name),
// the spellings equal NumPy's (data/dtypes.txt, data/spellings.txt), promotion equals np.promote_types
// (data/promotion.txt), and malformed input raises ndbridge::Error of the right kind, never crashes.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ndbridge/dtype.h"
#include "ndbridge/error.h"
#include "test_data.h"

namespace ndbridge {
namespace {

constexpr bool kLittle = std::endian::native == std::endian::little;

constexpr TimeUnit kUnits[] = {TimeUnit::generic, TimeUnit::Y,  TimeUnit::M,  TimeUnit::W,  TimeUnit::D,
                               TimeUnit::h,       TimeUnit::m,  TimeUnit::s,  TimeUnit::ms, TimeUnit::us,
                               TimeUnit::ns,      TimeUnit::ps, TimeUnit::fs, TimeUnit::as};

/// Every dtype ndbridge has: all scalar types, datetime/timedelta in every unit, a few string lengths,
/// and the non-native byte order of each type whose order means something.
std::vector<DType> all_dtypes() {
    std::vector<DType> out;
    for (int t = 0; t < kScalarTypeCount; ++t) {
        const auto type = static_cast<ScalarType>(t);
        if (type == ScalarType::datetime64 || type == ScalarType::timedelta64 || type == ScalarType::bytes ||
            type == ScalarType::unicode)
            continue;
        out.emplace_back(type);
    }
    for (TimeUnit u : kUnits) {
        out.push_back(DType::datetime64(u));
        out.push_back(DType::timedelta64(u));
    }
    for (std::int64_t n : {1, 5, 100}) out.push_back(DType::bytes(n));
    for (std::int64_t n : {1, 3, 64}) out.push_back(DType::unicode(n));
    const std::size_t native_count = out.size();
    for (std::size_t i = 0; i < native_count; ++i)
        if (out[i].swap_unit() > 1) out.push_back(out[i].with_native_order(false));
    return out;
}

std::string param_name(const ::testing::TestParamInfo<DType>& info) {
    std::string s = (info.param.is_native() ? "" : "swapped_") + name(info.param);
    for (char& ch : s)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
}

bool has_typestr(DType d) {
    return d.type() != ScalarType::bfloat16 && d.type() != ScalarType::float8_e4m3fn &&
           d.type() != ScalarType::float8_e5m2;
}

bool has_pep3118(DType d) {
    if (!has_typestr(d) || d.kind() == DTypeKind::datetime || d.kind() == DTypeKind::timedelta) return false;
    // NumPy: "cannot expose native-only dtype 'g' in non-native byte order"
    const bool long_double = d.type() == ScalarType::longdouble || d.type() == ScalarType::clongdouble;
    return !(long_double && !d.is_native());
}

bool has_dlpack(DType d) {
    if (!d.is_native()) return false;
    switch (d.kind()) {
        case DTypeKind::datetime:
        case DTypeKind::timedelta:
        case DTypeKind::bytes:
        case DTypeKind::unicode: return false;
        default: return d.type() != ScalarType::longdouble && d.type() != ScalarType::clongdouble;
    }
}

class EveryDType : public ::testing::TestWithParam<DType> {};

TEST_P(EveryDType, NameRoundTripsWithoutByteOrder) {
    const DType d = GetParam();
    EXPECT_EQ(parse_dtype(name(d)), d.with_native_order());
    if (d.is_native()) {
        EXPECT_EQ(describe(d), name(d));
    } else if (has_typestr(d)) {
        EXPECT_EQ(describe(d), to_typestr(d)) << "messages show the byte order of non-native types";
    } else {
        const std::string text = describe(d);
        EXPECT_EQ(text.substr(0, 1), kLittle ? ">" : "<") << "describe never throws";
        EXPECT_EQ(text.substr(1), name(d));
    }
}

TEST_P(EveryDType, TypestrRoundTripsOrIsATypeError) {
    const DType d = GetParam();
    if (!has_typestr(d)) {
        EXPECT_NDB_ERROR(to_typestr(d), ErrorKind::type);
        return;
    }
    const std::string ts = to_typestr(d);
    EXPECT_EQ(parse_typestr(ts), d) << ts;
    EXPECT_EQ(parse_dtype(ts), d) << ts;
    EXPECT_EQ(ts[1], d.kind_char());
    const char order = ts[0];
    if (d.swap_unit() == 1) {
        EXPECT_EQ(order, '|');
    } else {
        EXPECT_EQ(order, (d.is_native() == kLittle) ? '<' : '>');
    }
}

TEST_P(EveryDType, Pep3118RoundTripsWhereRepresentable) {
    const DType d = GetParam();
    if (!has_pep3118(d)) {
        EXPECT_NDB_ERROR(to_pep3118(d), ErrorKind::type);
        return;
    }
    const std::string fmt = to_pep3118(d);
    EXPECT_EQ(parse_pep3118(fmt), d) << fmt;
}

TEST_P(EveryDType, DLPackRoundTripsWhereRepresentable) {
    const DType d = GetParam();
    const auto dl = to_dlpack(d);
    ASSERT_EQ(dl.has_value(), has_dlpack(d));
    if (!dl) return;
    EXPECT_EQ(dl->lanes, 1);
    EXPECT_EQ(dl->bits, 8 * d.itemsize());
    EXPECT_EQ(from_dlpack(*dl), d);
}

TEST_P(EveryDType, ItemsizeAlignmentAndSwapUnitAreConsistent) {
    const DType d = GetParam();
    EXPECT_GT(d.itemsize(), 0);
    EXPECT_GT(d.alignment(), 0);
    EXPECT_EQ(d.itemsize() % d.swap_unit(), 0);
    EXPECT_EQ(d.itemsize() % d.alignment(), 0);
    EXPECT_EQ(d.with_native_order(false).with_native_order(), d.with_native_order());
}

INSTANTIATE_TEST_SUITE_P(All, EveryDType, ::testing::ValuesIn(all_dtypes()), param_name);

TEST(DTypeList, CoversEveryScalarType) {
    std::vector<bool> seen(kScalarTypeCount, false);
    for (DType d : all_dtypes()) seen[static_cast<std::size_t>(d.type())] = true;
    for (int t = 0; t < kScalarTypeCount; ++t) EXPECT_TRUE(seen[static_cast<std::size_t>(t)]) << t;
}

TEST(OneByteTypes, HaveNoByteOrder) {
    for (ScalarType t : {ScalarType::bool_, ScalarType::int8, ScalarType::uint8, ScalarType::float8_e4m3fn}) {
        EXPECT_TRUE(DType(t).with_native_order(false).is_native());
        EXPECT_EQ(DType(t).with_native_order(false), DType(t));
    }
    EXPECT_EQ(DType::bytes(4).with_native_order(false), DType::bytes(4));
    EXPECT_FALSE(DType::unicode(4).with_native_order(false).is_native());
}

// ------------------------------------------------------------------------------------ NumPy's spellings

TEST(NumpyDtypes, TypestrAndPep3118EqualNumpys) {
    int checked = 0;
    for (const auto& r : test::read_records("dtypes.txt")) {
        const std::string &nm = r.at(0), &typestr = r.at(1), &pep = r.at(2);
        SCOPED_TRACE(nm + " " + typestr + " " + pep);
        const DType d = typestr == "-" ? parse_dtype(nm) : parse_typestr(typestr);
        EXPECT_EQ(name(d), nm);
        if (typestr == "-") {
            EXPECT_NDB_ERROR(to_typestr(d), ErrorKind::type);
        } else {
            EXPECT_EQ(to_typestr(d), typestr);
        }
        if (pep == "-") {
            EXPECT_NDB_ERROR(to_pep3118(d), ErrorKind::type);
        } else {
            EXPECT_EQ(to_pep3118(d), pep);
            EXPECT_EQ(parse_pep3118(pep), d);
        }
        ++checked;
    }
    EXPECT_GE(checked, 90);
}

TEST(NumpyDtypes, SpellingsResolveAsNumpyResolvesThem) {
    int checked = 0;
    for (const auto& r : test::read_records("spellings.txt")) {
        const std::string& spelling = r.at(0);
        SCOPED_TRACE("dtype('" + spelling + "')");
        if (r.at(1) == "error") {
            EXPECT_NDB_ERROR(parse_dtype(spelling), ErrorKind::type);
        } else {
            const DType d = parse_dtype(spelling);
            EXPECT_EQ(name(d), r.at(1));
            EXPECT_EQ(to_typestr(d), r.at(2));
        }
        ++checked;
    }
    EXPECT_GE(checked, 100);
}

TEST(NumpyDtypes, LiteralSpellingsFromNumpy) {
    // np.dtype('U5').str, memoryview formats of NumPy arrays, np.dtype('?').str ...
    EXPECT_EQ(to_typestr(DType::unicode(5)), kLittle ? "<U5" : ">U5");
    EXPECT_EQ(to_typestr(ScalarType::bool_), "|b1");
    EXPECT_EQ(to_typestr(DType::bytes(5)), "|S5");
    EXPECT_EQ(to_typestr(DType::datetime64(TimeUnit::generic)), kLittle ? "<M8" : ">M8");
    EXPECT_EQ(to_typestr(DType::timedelta64(TimeUnit::ns)), kLittle ? "<m8[ns]" : ">m8[ns]");
    if (kLittle) {
        EXPECT_EQ(to_pep3118(parse_typestr(">i4")), ">i");
        EXPECT_EQ(to_pep3118(parse_typestr(">i8")), ">q");
        EXPECT_EQ(to_pep3118(parse_typestr("<i8")), "l");
        EXPECT_EQ(to_pep3118(parse_typestr(">U3")), ">3w");
    }
    EXPECT_EQ(to_pep3118(ScalarType::longdouble), "g");
    EXPECT_EQ(to_pep3118(ScalarType::complex128), "Zd");
    EXPECT_EQ(to_pep3118(DType::unicode(3)), "3w");
    EXPECT_EQ(to_pep3118(DType::bytes(1)), "1s");
    EXPECT_EQ(to_pep3118(ScalarType::bool_), "?");
}

TEST(Pep3118, StandardAndNativeSizes) {
    EXPECT_EQ(parse_pep3118("l"), DType(sizeof(long) == 8 ? ScalarType::int64 : ScalarType::int32));
    EXPECT_EQ(parse_pep3118("=l"), DType(ScalarType::int32));
    EXPECT_EQ(parse_pep3118("<L"), DType(ScalarType::uint32).with_native_order(kLittle));
    EXPECT_EQ(parse_pep3118("@q"), DType(ScalarType::int64));
    EXPECT_EQ(parse_pep3118("^d"), DType(ScalarType::float64));
    EXPECT_EQ(parse_pep3118("!h"), DType(ScalarType::int16).with_native_order(!kLittle));
    EXPECT_EQ(parse_pep3118("n"), DType(ScalarType::int64));
    EXPECT_EQ(parse_pep3118("N"), DType(ScalarType::uint64));
    EXPECT_EQ(parse_pep3118("c"), DType::bytes(1));
    EXPECT_EQ(parse_pep3118("s"), DType::bytes(1));
    EXPECT_EQ(parse_pep3118("1i"), DType(ScalarType::int32));
    EXPECT_EQ(parse_pep3118(" <d "), DType(ScalarType::float64).with_native_order(kLittle));
    EXPECT_EQ(parse_pep3118("<>i"), DType(ScalarType::int32).with_native_order(!kLittle)) << "the last prefix wins";
    EXPECT_EQ(parse_pep3118("Zg"), DType(ScalarType::clongdouble));
}

TEST(DLPack, CodesAreTheSpecificationsCodes) {
    EXPECT_EQ(to_dlpack(ScalarType::bool_)->code, kDLBool);
    EXPECT_EQ(to_dlpack(ScalarType::bfloat16)->code, kDLBfloat);
    EXPECT_EQ(to_dlpack(ScalarType::complex64)->bits, 64);
    EXPECT_EQ(to_dlpack(ScalarType::float8_e4m3fn)->code, kDLFloat8_e4m3fn);
    EXPECT_EQ(to_dlpack(ScalarType::float8_e5m2)->code, kDLFloat8_e5m2);
    EXPECT_EQ(to_dlpack(ScalarType::uint16)->code, kDLUInt);
    EXPECT_FALSE(to_dlpack(DType(ScalarType::int32).with_native_order(false)).has_value());
}

TEST(DLPack, UnknownCodesBitsAndLanesAreTypeErrors) {
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLFloat, 32, 4}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLFloat, 32, 0}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLFloat, 24, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLFloat, 128, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLInt, 4, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLOpaqueHandle, 64, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLFloat4_e2m1fn, 4, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLBool, 16, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{200, 8, 1}), ErrorKind::type);
    EXPECT_NDB_ERROR(from_dlpack(DLDataType{kDLComplex, 32, 1}), ErrorKind::type);
}

// ------------------------------------------------------------------------------------ promotion

DType dtype_of_name(const std::string& nm) { return parse_dtype(nm); }

TEST(Promotion, EqualsNumpysPromoteTypes) {
    int pairs = 0;
    for (const auto& r : test::read_records("promotion.txt")) {
        const DType a = dtype_of_name(r.at(0)), b = dtype_of_name(r.at(1));
        const std::string& expected = r.at(2);
        SCOPED_TRACE("promote_types(" + r[0] + ", " + r[1] + ")");
        if (expected == "error:type") {
            EXPECT_NDB_ERROR(promote_types(a, b), ErrorKind::type);
        } else if (expected == "error:overflow") {
            EXPECT_NDB_ERROR(promote_types(a, b), ErrorKind::overflow);
        } else {
            EXPECT_EQ(name(promote_types(a, b)), expected);
            // NumPy's result is native whatever the inputs' byte order.
            EXPECT_EQ(promote_types(a.with_native_order(false), b.with_native_order(false)), dtype_of_name(expected));
        }
        ++pairs;
    }
    EXPECT_EQ(pairs, 16 * 16 + 2 * 14 * 14 + 16);
}

TEST(Promotion, IsSymmetricOverAllDtypes) {
    const auto dts = all_dtypes();
    for (DType a : dts) {
        for (DType b : dts) {
            std::string ab, ba;
            try {
                ab = name(promote_types(a, b));
            } catch (const Error& e) {
                ab = std::string("error:") + std::string(to_string(e.kind()));
            }
            try {
                ba = name(promote_types(b, a));
            } catch (const Error& e) {
                ba = std::string("error:") + std::string(to_string(e.kind()));
            }
            EXPECT_EQ(ab, ba) << name(a) << ", " << name(b);
        }
    }
}

TEST(Promotion, NarrowFloatsJoinToTheSmallestFloatHoldingBoth) {
    auto p = [](ScalarType a, ScalarType b) { return promote_types(a, b); };
    EXPECT_EQ(p(ScalarType::bfloat16, ScalarType::float16), DType(ScalarType::float32));
    EXPECT_EQ(p(ScalarType::bfloat16, ScalarType::bfloat16), DType(ScalarType::bfloat16));
    EXPECT_EQ(p(ScalarType::bfloat16, ScalarType::float8_e4m3fn), DType(ScalarType::bfloat16));
    EXPECT_EQ(p(ScalarType::float8_e4m3fn, ScalarType::float8_e5m2), DType(ScalarType::float16));
    EXPECT_EQ(p(ScalarType::float8_e5m2, ScalarType::float16), DType(ScalarType::float16));
    EXPECT_EQ(p(ScalarType::float8_e4m3fn, ScalarType::bool_), DType(ScalarType::float8_e4m3fn));
    EXPECT_EQ(p(ScalarType::bfloat16, ScalarType::complex64), DType(ScalarType::complex64));
    EXPECT_EQ(p(ScalarType::bfloat16, ScalarType::int16), DType(ScalarType::float32));
    EXPECT_EQ(p(ScalarType::float8_e5m2, ScalarType::uint8), DType(ScalarType::float16));
}

TEST(Promotion, DifferentFamiliesHaveNoCommonTypeInNdbridge) {
    // NumPy would turn numbers into strings (promote_types('S5', 'i4') == 'S11'); ndbridge refuses, as it
    // refuses datetime + timedelta: these promotions only ever hide a mistake in array conversion.
    EXPECT_NDB_ERROR(promote_types(DType::bytes(5), ScalarType::int32), ErrorKind::type);
    EXPECT_NDB_ERROR(promote_types(ScalarType::float64, DType::unicode(2)), ErrorKind::type);
    EXPECT_NDB_ERROR(promote_types(DType::datetime64(TimeUnit::s), DType::timedelta64(TimeUnit::s)), ErrorKind::type);
    EXPECT_NDB_ERROR(promote_types(DType::datetime64(TimeUnit::s), ScalarType::int64), ErrorKind::type);
}

// ------------------------------------------------------------------------------------ time units

TEST(TimeUnits, RoundTripThroughTheirNames) {
    for (TimeUnit u : kUnits) EXPECT_EQ(parse_time_unit(to_string(u)), u);
    EXPECT_EQ(to_string(TimeUnit::generic), "");
    EXPECT_EQ(to_string(TimeUnit::us), "us");
    for (const char* bad : {"x", "10s", "NS", "generic ", "sec", "μ"})
        EXPECT_NDB_ERROR(parse_time_unit(bad), ErrorKind::type);
}

TEST(StringDTypes, LengthsAreBounded) {
    EXPECT_EQ(DType::bytes(7).itemsize(), 7);
    EXPECT_EQ(DType::unicode(7).itemsize(), 28);
    EXPECT_NDB_ERROR(DType::bytes(0), ErrorKind::value);
    EXPECT_NDB_ERROR(DType::bytes(-3), ErrorKind::value);
    EXPECT_NDB_ERROR(DType::bytes((std::int64_t{1} << 40) + 1), ErrorKind::value);
    EXPECT_NDB_ERROR(DType::unicode((std::int64_t{1} << 38) + 1), ErrorKind::value);
}

// ------------------------------------------------------------------------------------ malformed input

struct BadInput {
    std::string text;
    ErrorKind kind;
};

TEST(MalformedTypestr, IsAnErrorOfTheRightKind) {
    const std::vector<BadInput> cases = {
        {"", ErrorKind::type},
        {"<", ErrorKind::type},
        {"|", ErrorKind::type},
        {"<f3", ErrorKind::type},
        {"<f", ErrorKind::type},
        {"f", ErrorKind::type},
        {"<i3", ErrorKind::type},
        {"b2", ErrorKind::type},
        {"<c4", ErrorKind::type},
        {"O", ErrorKind::type},
        {"|O8", ErrorKind::type},
        {"<V8", ErrorKind::type},
        {"M8[10s]", ErrorKind::type},
        {"M8[xx]", ErrorKind::type},
        {"M8[ns", ErrorKind::type},
        {"M8[ns]x", ErrorKind::type},
        {"M4[ns]", ErrorKind::type},
        {"m8[]]", ErrorKind::type},
        {"i4[ns]", ErrorKind::type},
        {"S0", ErrorKind::type},
        {"U0", ErrorKind::type},
        {"<f4 ", ErrorKind::type},
        {"<<f4", ErrorKind::type},
        {"x4", ErrorKind::type},
        {"T{i:x:}", ErrorKind::type},
        {"\xff\xfe", ErrorKind::type},
        {std::string("f\0", 2), ErrorKind::type},
        {"S99999999999999999999", ErrorKind::overflow},
        {"i99999999999999999999", ErrorKind::overflow},
        {"S1099511627777", ErrorKind::value},  // over the 2**40 limit on string lengths
        {"U999999999999", ErrorKind::value},
    };
    for (const auto& c : cases) EXPECT_NDB_ERROR(parse_typestr(c.text), c.kind) << "typestr '" << c.text << "'";
}

TEST(MalformedPep3118, IsAnErrorOfTheRightKind) {
    const std::vector<BadInput> cases = {
        {"", ErrorKind::value},
        {"<", ErrorKind::value},
        {"@=", ErrorKind::value},
        {"5", ErrorKind::value},
        {"Zq", ErrorKind::value},
        {"Z", ErrorKind::value},
        {"y", ErrorKind::value},
        {"\xff", ErrorKind::value},
        {std::string("\0", 1), ErrorKind::value},
        {"0s", ErrorKind::value},
        {"=n", ErrorKind::value},
        {">N", ErrorKind::value},
        {"T{i:x:}", ErrorKind::type},
        {"2i", ErrorKind::type},
        {"ii", ErrorKind::type},
        {"(2)f", ErrorKind::type},
        {"O", ErrorKind::type},
        {"x", ErrorKind::type},
        {"3x", ErrorKind::type},
        {"P", ErrorKind::type},
        {"&i", ErrorKind::type},
        {":f:", ErrorKind::type},
        {"i:name:", ErrorKind::type},
        {"3c", ErrorKind::type},
        {"5sx", ErrorKind::type},
        {"dd", ErrorKind::type},
        {"i i", ErrorKind::type},
        {"99999999999999999999s", ErrorKind::overflow},
        {"99999999999999999999", ErrorKind::overflow},
        {"1099511627777s", ErrorKind::value},
    };
    for (const auto& c : cases) EXPECT_NDB_ERROR(parse_pep3118(c.text), c.kind) << "format '" << c.text << "'";
}

// The union of both lists, through every parser: whatever the grammar, a refusal is an ndbridge::Error.
TEST(MalformedSpellings, AreRefusedByEveryParser) {
    const std::vector<std::string> bad = {"",
                                          "<",
                                          "<f3",
                                          "T{i:x:}",
                                          "2i",
                                          "ii",
                                          "(2)f",
                                          "Zq",
                                          "5",
                                          "O",
                                          "<V8",
                                          "M8[10s]",
                                          "M8[xx]",
                                          "S0",
                                          "99999999999999999999s",
                                          "S99999999999999999999",
                                          "\xff\xfe\x80",
                                          std::string("i\0", 2),
                                          "}{",
                                          "[ns]",
                                          "M8[",
                                          "<U",
                                          ">S-1",
                                          "U-5",
                                          "f-4",
                                          "i+4",
                                          "Z",
                                          "ZZf",
                                          "@",
                                          "==",
                                          "3",
                                          "((",
                                          "T{",
                                          "x",
                                          "0w"};
    for (const std::string& s : bad) {
        for (int parser = 0; parser < 3; ++parser) {
            try {
                const DType d = parser == 0 ? parse_typestr(s) : parser == 1 ? parse_pep3118(s) : parse_dtype(s);
                ADD_FAILURE() << "parser " << parser << " accepted '" << s << "' as " << describe(d);
            } catch (const Error& e) {
                EXPECT_TRUE(e.kind() == ErrorKind::type || e.kind() == ErrorKind::value ||
                            e.kind() == ErrorKind::overflow)
                    << to_string(e.kind());
            }
        }
    }
}

TEST(MalformedDtypeSpelling, IsATypeError) {
    for (const char* bad : {"", " ", "float", "Float32", "float32 ", "int128", "bytes", "str", "S", "U", "datetime64[",
                            "datetime64[ns]x", "datetime64[10ms]", "timedelta", "M8[", "?1", "qq", "\xff"}) {
        if (std::string_view(bad) == "float") continue;  // NumPy's alias of float64, accepted
        EXPECT_NDB_ERROR(parse_dtype(bad), ErrorKind::type) << "dtype '" << bad << "'";
    }
}

// Random strings over the characters the grammars use, plus arbitrary bytes: each parser either returns a
// dtype that re-parses to itself from its canonical spelling, or throws ndbridge::Error. Nothing else.
TEST(FuzzParsers, NeverCrashAndOnlyThrowNdbridgeErrors) {
    std::mt19937 rng(12345);
    const std::string alphabet = "<>=|!@^ 0123456789bBhHiIlLqQnNefdgFDGZsSwUuMm[]{}():xOTVc?pP&,ns";
    std::uniform_int_distribution<int> length(0, 12), pick(0, static_cast<int>(alphabet.size()) - 1), byte(0, 255),
        coin(0, 9);
    int parsed = 0, refused = 0;
    for (int i = 0; i < 20000; ++i) {
        std::string s;
        const int n = length(rng);
        for (int k = 0; k < n; ++k)
            s += coin(rng) == 0 ? static_cast<char>(byte(rng)) : alphabet[static_cast<std::size_t>(pick(rng))];
        for (int parser = 0; parser < 3; ++parser) {
            try {
                const DType d = parser == 0 ? parse_typestr(s) : parser == 1 ? parse_pep3118(s) : parse_dtype(s);
                ++parsed;
                EXPECT_EQ(parse_dtype(name(d)), d.with_native_order()) << "input '" << s << "'";
                if (has_typestr(d)) {
                    EXPECT_EQ(parse_typestr(to_typestr(d)), d) << "input '" << s << "'";
                }
            } catch (const Error& e) {
                ++refused;
                EXPECT_NE(std::string(e.what()), "");
            } catch (...) {
                ADD_FAILURE() << "parser " << parser << " threw something other than ndbridge::Error for '" << s << "'";
            }
        }
    }
    EXPECT_GT(parsed, 100) << "the fuzzer should also reach valid spellings";
    EXPECT_GT(refused, 10000);
}

}  // namespace
}  // namespace ndbridge
