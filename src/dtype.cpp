// Element types: the one table of scalar types and every parser/formatter that reads it.
#include "ndbridge/dtype.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>

#include "kernels/dtype_traits.h"
#include "ndbridge/error.h"

namespace ndbridge {
namespace {

using kernels::integer_type_of;

constexpr bool kLittleEndian = std::endian::native == std::endian::little;

// One row per ScalarType, in enum order. Strings have itemsize 0 here: it comes from the length.
struct TypeInfo {
    ScalarType type;
    const char* name;
    DTypeKind kind;
    int itemsize;
    int alignment;
    char typestr_kind;         // NumPy typestr kind letter; 0 when NumPy has no typestr for the type
    char char_code;            // NumPy character code; 0 when none
    const char* pep_native;    // PEP 3118 code with native sizes; nullptr when none
    const char* pep_standard;  // PEP 3118 code with standard sizes (after < > ! =); nullptr when none
    int dl_code;               // DLDataTypeCode; -1 when DLPack cannot express the type
};

constexpr int kLongDoubleSize = static_cast<int>(sizeof(long double));
constexpr int kLongDoubleAlign = static_cast<int>(alignof(long double));

constexpr std::array<TypeInfo, kScalarTypeCount> kTypes = {{
    {ScalarType::bool_, "bool", DTypeKind::boolean, 1, 1, 'b', '?', "?", "?", kDLBool},
    {ScalarType::int8, "int8", DTypeKind::signed_int, 1, 1, 'i', 'b', "b", "b", kDLInt},
    {ScalarType::int16, "int16", DTypeKind::signed_int, 2, 2, 'i', 'h', "h", "h", kDLInt},
    {ScalarType::int32, "int32", DTypeKind::signed_int, 4, 4, 'i', 'i', "i", "i", kDLInt},
    {ScalarType::int64, "int64", DTypeKind::signed_int, 8, 8, 'i', 'l', sizeof(long) == 8 ? "l" : "q", "q", kDLInt},
    {ScalarType::uint8, "uint8", DTypeKind::unsigned_int, 1, 1, 'u', 'B', "B", "B", kDLUInt},
    {ScalarType::uint16, "uint16", DTypeKind::unsigned_int, 2, 2, 'u', 'H', "H", "H", kDLUInt},
    {ScalarType::uint32, "uint32", DTypeKind::unsigned_int, 4, 4, 'u', 'I', "I", "I", kDLUInt},
    {ScalarType::uint64, "uint64", DTypeKind::unsigned_int, 8, 8, 'u', 'L', sizeof(long) == 8 ? "L" : "Q", "Q",
     kDLUInt},
    {ScalarType::float16, "float16", DTypeKind::floating, 2, 2, 'f', 'e', "e", "e", kDLFloat},
    {ScalarType::bfloat16, "bfloat16", DTypeKind::floating, 2, 2, 0, 0, nullptr, nullptr, kDLBfloat},
    {ScalarType::float32, "float32", DTypeKind::floating, 4, 4, 'f', 'f', "f", "f", kDLFloat},
    {ScalarType::float64, "float64", DTypeKind::floating, 8, 8, 'f', 'd', "d", "d", kDLFloat},
    {ScalarType::longdouble, "longdouble", DTypeKind::floating, kLongDoubleSize, kLongDoubleAlign, 'f', 'g', "g",
     nullptr, -1},
    {ScalarType::complex64, "complex64", DTypeKind::complex, 8, 4, 'c', 'F', "Zf", "Zf", kDLComplex},
    {ScalarType::complex128, "complex128", DTypeKind::complex, 16, 8, 'c', 'D', "Zd", "Zd", kDLComplex},
    {ScalarType::clongdouble, "clongdouble", DTypeKind::complex, 2 * kLongDoubleSize, kLongDoubleAlign, 'c', 'G', "Zg",
     nullptr, -1},
    {ScalarType::float8_e4m3fn, "float8_e4m3fn", DTypeKind::floating, 1, 1, 0, 0, nullptr, nullptr, kDLFloat8_e4m3fn},
    {ScalarType::float8_e5m2, "float8_e5m2", DTypeKind::floating, 1, 1, 0, 0, nullptr, nullptr, kDLFloat8_e5m2},
    {ScalarType::datetime64, "datetime64", DTypeKind::datetime, 8, 8, 'M', 'M', nullptr, nullptr, -1},
    {ScalarType::timedelta64, "timedelta64", DTypeKind::timedelta, 8, 8, 'm', 'm', nullptr, nullptr, -1},
    {ScalarType::bytes, "bytes", DTypeKind::bytes, 0, 1, 'S', 'S', "s", "s", -1},
    {ScalarType::unicode, "str", DTypeKind::unicode, 0, 4, 'U', 'U', "w", "w", -1},
}};

constexpr const TypeInfo& info(ScalarType t) { return kTypes[static_cast<std::size_t>(t)]; }

constexpr bool table_in_enum_order() {
    for (std::size_t i = 0; i < kTypes.size(); ++i)
        if (static_cast<std::size_t>(kTypes[i].type) != i) return false;
    return true;
}
static_assert(table_in_enum_order(), "kTypes rows must follow ScalarType order");

constexpr std::array<std::string_view, 14> kUnitNames = {"",  "Y",  "M",  "W",  "D",  "h",  "m",
                                                         "s", "ms", "us", "ns", "ps", "fs", "as"};

// Parses a decimal count at text[pos...]; advances pos. nullopt when there is no digit.
std::optional<std::int64_t> parse_count(std::string_view text, std::size_t& pos, std::string_view what) {
    if (pos >= text.size() || text[pos] < '0' || text[pos] > '9') return std::nullopt;
    std::int64_t value = 0;
    auto [end, ec] = std::from_chars(text.data() + pos, text.data() + text.size(), value);
    if (ec == std::errc::result_out_of_range)
        fail(ErrorKind::overflow, what, ": the count in '", text, "' does not fit in 64 bits");
    pos = static_cast<std::size_t>(end - text.data());
    return value;
}

// "[ns]" suffix of a datetime spelling, starting at text[pos] (which must be '[' or the end).
TimeUnit parse_unit_suffix(std::string_view text, std::size_t& pos, std::string_view what) {
    if (pos == text.size()) return TimeUnit::generic;
    if (text[pos] != '[') fail(ErrorKind::type, what, ": unexpected '", text.substr(pos), "' in '", text, "'");
    auto close = text.find(']', pos);
    if (close == std::string_view::npos || close + 1 != text.size())
        fail(ErrorKind::type, what, ": datetime unit in '", text, "' must be one bracketed unit at the end, like [ns]");
    auto unit_text = text.substr(pos + 1, close - pos - 1);
    if (!unit_text.empty() && unit_text[0] >= '0' && unit_text[0] <= '9')
        fail(ErrorKind::type, what, ": datetime unit multiples such as '", unit_text, "' in '", text,
             "' are not supported; use a plain unit like [ns]");
    pos = text.size();
    return parse_time_unit(unit_text);
}

DType make_sized(DTypeKind kind, std::int64_t size, std::string_view text, std::string_view what) {
    auto bad_size = [&]() -> DType {
        fail(ErrorKind::type, what, ": '", text, "' has no type of ", size, " bytes for its kind");
    };
    switch (kind) {
        case DTypeKind::boolean: return size == 1 ? DType(ScalarType::bool_) : bad_size();
        case DTypeKind::signed_int:
        case DTypeKind::unsigned_int: {
            const bool s = kind == DTypeKind::signed_int;
            switch (size) {
                case 1: return s ? ScalarType::int8 : ScalarType::uint8;
                case 2: return s ? ScalarType::int16 : ScalarType::uint16;
                case 4: return s ? ScalarType::int32 : ScalarType::uint32;
                case 8: return s ? ScalarType::int64 : ScalarType::uint64;
                default: return bad_size();
            }
        }
        case DTypeKind::floating:
            if (size == 2) return ScalarType::float16;
            if (size == 4) return ScalarType::float32;
            if (size == 8) return ScalarType::float64;
            if (size == kLongDoubleSize) return ScalarType::longdouble;
            return bad_size();
        case DTypeKind::complex:
            if (size == 8) return ScalarType::complex64;
            if (size == 16) return ScalarType::complex128;
            if (size == 2 * kLongDoubleSize) return ScalarType::clongdouble;
            return bad_size();
        default: return bad_size();
    }
}

DTypeKind kind_of_letter(char c) {
    switch (c) {
        case 'b': return DTypeKind::boolean;
        case 'i': return DTypeKind::signed_int;
        case 'u': return DTypeKind::unsigned_int;
        case 'f': return DTypeKind::floating;
        case 'c': return DTypeKind::complex;
        case 'M': return DTypeKind::datetime;
        case 'm': return DTypeKind::timedelta;
        case 'S': return DTypeKind::bytes;
        case 'U': return DTypeKind::unicode;
        default: fail(ErrorKind::type, "typestr: unknown kind letter '", c, "'");
    }
}

// Parses a typestr without checking for the order prefix; `swapped` is applied by the caller.
DType parse_typestr_body(std::string_view body, std::string_view text) {
    constexpr std::string_view what = "typestr";
    if (body.empty()) fail(ErrorKind::type, what, ": '", text, "' has no kind letter");
    const char letter = body[0];
    if (letter == 'O')
        fail(ErrorKind::type, what, ": '", text, "' is an object dtype; ndbridge holds no Python objects");
    if (letter == 'V')
        fail(ErrorKind::type, what, ": '", text, "' is a void/record dtype; ndbridge has no structured dtypes");
    if (std::string_view("biufcMmSU").find(letter) == std::string_view::npos)
        fail(ErrorKind::type, what, ": '", text, "' has unknown kind letter '", letter,
             "' (expected one of b i u f c M m S U)");
    std::size_t pos = 1;
    auto size = parse_count(body, pos, what);
    if (!size) fail(ErrorKind::type, what, ": '", text, "' has no item size after the kind letter");
    const DTypeKind kind = kind_of_letter(letter);
    if (kind == DTypeKind::datetime || kind == DTypeKind::timedelta) {
        if (*size != 8) fail(ErrorKind::type, what, ": '", text, "' must have size 8 for datetime/timedelta");
        TimeUnit unit = parse_unit_suffix(body, pos, what);
        return kind == DTypeKind::datetime ? DType::datetime64(unit) : DType::timedelta64(unit);
    }
    if (pos != body.size())
        fail(ErrorKind::type, what, ": unexpected '", body.substr(pos), "' at the end of '", text, "'");
    if (kind == DTypeKind::bytes || kind == DTypeKind::unicode) {
        if (*size < 1)
            fail(ErrorKind::type, what, ": '", text, "' is a zero-length string dtype; give a length of at least 1");
        return kind == DTypeKind::bytes ? DType::bytes(*size) : DType::unicode(*size);
    }
    return make_sized(kind, *size, text, what);
}

struct Alias {
    std::string_view name;
    ScalarType type;
};
// Spellings beyond the canonical names: NumPy's C-type names and Python type names (NumPy's meaning).
constexpr Alias kAliases[] = {
    {"bool_", ScalarType::bool_},
    {"half", ScalarType::float16},
    {"single", ScalarType::float32},
    {"double", ScalarType::float64},
    {"float", ScalarType::float64},
    {"int", ScalarType::int64},
    {"complex", ScalarType::complex128},
    {"intp", ScalarType::int64},
    {"uintp", ScalarType::uint64},
    {"byte", ScalarType::int8},
    {"ubyte", ScalarType::uint8},
    {"short", ScalarType::int16},
    {"ushort", ScalarType::uint16},
    {"intc", ScalarType::int32},
    {"uintc", ScalarType::uint32},
    {"long", ScalarType::int64},
    {"ulong", ScalarType::uint64},
    {"longlong", ScalarType::int64},
    {"ulonglong", ScalarType::uint64},
    {"csingle", ScalarType::complex64},
    {"cdouble", ScalarType::complex128},
    {"cfloat", ScalarType::complex128},
    {"longcomplex", ScalarType::clongdouble},
    {"float128", ScalarType::longdouble},
    {"complex256", ScalarType::clongdouble},
    {"int_", ScalarType::int64},
    {"uint", ScalarType::uint64},
};

// Float formats for promotion: precision (significand bits incl. the implicit one) and exponent range.
struct FloatFormat {
    ScalarType type;
    int precision;
    int emax;
    int emin;
};
constexpr FloatFormat kFloatLattice[] = {
    {ScalarType::float8_e4m3fn, 4, 8, -6},       {ScalarType::float8_e5m2, 3, 15, -14},
    {ScalarType::float16, 11, 15, -14},          {ScalarType::bfloat16, 8, 127, -126},
    {ScalarType::float32, 24, 127, -126},        {ScalarType::float64, 53, 1023, -1022},
    {ScalarType::longdouble, 64, 16383, -16382},
};

const FloatFormat& float_format(ScalarType t) {
    for (const auto& f : kFloatLattice)
        if (f.type == t) return f;
    fail(ErrorKind::type, info(t).name, " is not a float type");
}

// The smallest float of the lattice that holds every value of both a and b.
ScalarType join_floats(ScalarType a, ScalarType b) {
    const auto& fa = float_format(a);
    const auto& fb = float_format(b);
    for (const auto& c : kFloatLattice) {
        if (c.precision >= fa.precision && c.precision >= fb.precision && c.emax >= fa.emax && c.emax >= fb.emax &&
            c.emin <= fa.emin && c.emin <= fb.emin)
            return c.type;
    }
    return ScalarType::longdouble;
}

// NumPy's float for an integer type: enough for 8-bit ints exactly, float32 for 16-bit, else float64.
ScalarType float_for_int(DType t) {
    switch (t.itemsize()) {
        case 1: return ScalarType::float16;
        case 2: return ScalarType::float32;
        default: return ScalarType::float64;
    }
}

ScalarType component_of(ScalarType complex_type) {
    switch (complex_type) {
        case ScalarType::complex64: return ScalarType::float32;
        case ScalarType::complex128: return ScalarType::float64;
        default: return ScalarType::longdouble;
    }
}

ScalarType int_of(bool is_signed, std::int64_t size) {
    switch (size) {
        case 1: return is_signed ? ScalarType::int8 : ScalarType::uint8;
        case 2: return is_signed ? ScalarType::int16 : ScalarType::uint16;
        case 4: return is_signed ? ScalarType::int32 : ScalarType::uint32;
        default: return is_signed ? ScalarType::int64 : ScalarType::uint64;
    }
}

ScalarType promote_numeric(DType a, DType b) {
    const DTypeKind ka = a.kind();
    const DTypeKind kb = b.kind();
    if (ka == DTypeKind::boolean) return b.type();
    if (kb == DTypeKind::boolean) return a.type();
    if (a.is_integer() && b.is_integer()) {
        if (ka == kb) return a.itemsize() >= b.itemsize() ? a.type() : b.type();
        const DType& s = ka == DTypeKind::signed_int ? a : b;
        const DType& u = ka == DTypeKind::signed_int ? b : a;
        if (u.itemsize() < s.itemsize()) return s.type();
        if (u.itemsize() == 8) return ScalarType::float64;
        return int_of(true, 2 * u.itemsize());
    }
    // The float each side needs: itself, its component, or what its integers need.
    auto float_need = [](DType t) {
        if (t.is_floating()) return t.type();
        if (t.is_complex()) return component_of(t.type());
        return float_for_int(t);
    };
    ScalarType f = join_floats(float_need(a), float_need(b));
    if (!a.is_complex() && !b.is_complex()) return f;
    f = join_floats(f, ScalarType::float32);
    if (f == ScalarType::float32) return ScalarType::complex64;
    if (f == ScalarType::float64) return ScalarType::complex128;
    return ScalarType::clongdouble;
}

// NumPy's common unit of two datetime64 or two timedelta64 (compute_datetime_metadata_greatest_common_divisor
// with multipliers of 1): the finer unit, except that a timedelta cannot mix years or months with the
// linear units, and the factor from the coarser to the finer unit must stay below NumPy's 2**56 margin.
TimeUnit promote_time_units(DType a, DType b) {
    const TimeUnit ua = a.unit(), ub = b.unit();
    if (ua == TimeUnit::generic) return ub;
    if (ub == TimeUnit::generic || ua == ub) return ua;
    const auto nonlinear = [](TimeUnit u) { return u == TimeUnit::Y || u == TimeUnit::M; };
    if (a.kind() == DTypeKind::timedelta && nonlinear(ua) != nonlinear(ub))
        fail(ErrorKind::type, name(a), " and ", name(b),
             " have no common unit: years and months are not a whole number of days");
    const TimeUnit coarse = ua < ub ? ua : ub, fine = ua < ub ? ub : ua;
    // Factor from each unit to the next (indexed by TimeUnit); NumPy counts Y -> M -> W as 1 here.
    constexpr std::uint64_t kNextFactor[] = {0, 1, 1, 7, 24, 60, 60, 1000, 1000, 1000, 1000, 1000, 1000, 1};
    std::uint64_t factor = 1;
    for (auto u = static_cast<std::size_t>(coarse); u < static_cast<std::size_t>(fine); ++u) {
        factor *= kNextFactor[u];
        if (factor >> 56 != 0)
            fail(ErrorKind::overflow, "converting ", name(a), " and ", name(b),
                 " to one unit overflows (NumPy refuses the same pair)");
    }
    return fine;
}

}  // namespace

// ---------------------------------------------------------------------------------------------- units

std::string_view to_string(TimeUnit unit) noexcept { return kUnitNames[static_cast<std::size_t>(unit)]; }

TimeUnit parse_time_unit(std::string_view text) {
    for (std::size_t i = 0; i < kUnitNames.size(); ++i)
        if (kUnitNames[i] == text) return static_cast<TimeUnit>(i);
    fail(ErrorKind::type, "unknown datetime unit '", text,
         "' (expected one of Y M W D h m s ms us ns ps fs as, or none for generic)");
}

// ---------------------------------------------------------------------------------------------- DType

DType DType::datetime64(TimeUnit unit) noexcept {
    DType d(ScalarType::datetime64);
    d.unit_ = unit;
    return d;
}

DType DType::timedelta64(TimeUnit unit) noexcept {
    DType d(ScalarType::timedelta64);
    d.unit_ = unit;
    return d;
}

// Lengths are bounded so that an item's size in bytes (4 per UCS-4 character) stays below 2**40.
DType DType::string(ScalarType type, std::int64_t length) {
    const int limit_bits = type == ScalarType::bytes ? 40 : 38;
    if (length < 1 || length > (std::int64_t{1} << limit_bits))
        fail(ErrorKind::value, type == ScalarType::bytes ? "byte-string" : "unicode string", " length ", length,
             " is out of range (1 to 2**", limit_bits, ")");
    DType d(type);
    d.length_ = length;
    return d;
}

DType DType::bytes(std::int64_t length) { return string(ScalarType::bytes, length); }

DType DType::unicode(std::int64_t length) { return string(ScalarType::unicode, length); }

namespace {
constexpr std::array<detail::ScalarLayout, kScalarTypeCount> layouts_of_types() {
    std::array<detail::ScalarLayout, kScalarTypeCount> out{};
    for (std::size_t i = 0; i < kTypes.size(); ++i) out[i] = {kTypes[i].kind, kTypes[i].itemsize, kTypes[i].alignment};
    return out;
}
}  // namespace

// The inline accessors' table (dtype.h), taken from kTypes at compile time.
constexpr std::array<detail::ScalarLayout, kScalarTypeCount> detail::kScalarLayouts = layouts_of_types();

DType DType::with_native_order(bool native) const noexcept {
    DType d = *this;
    d.swapped_ = !native && swap_unit() > 1;
    return d;
}

char DType::kind_char() const noexcept {
    const char c = info(type_).typestr_kind;
    return c != 0 ? c : 'V';
}

// ---------------------------------------------------------------------------------------------- names

std::string name(DType dtype) {
    switch (dtype.type()) {
        case ScalarType::datetime64:
        case ScalarType::timedelta64: {
            std::string out = info(dtype.type()).name;
            if (dtype.unit() != TimeUnit::generic) out += detail::concat("[", to_string(dtype.unit()), "]");
            return out;
        }
        case ScalarType::bytes: return detail::concat("S", dtype.length());
        case ScalarType::unicode: return detail::concat("U", dtype.length());
        default: return info(dtype.type()).name;
    }
}

std::string describe(DType dtype) {
    if (dtype.is_native()) return name(dtype);
    // Used in error messages, so it must not throw: bfloat16 has no typestr to show its order with.
    if (info(dtype.type()).typestr_kind == 0) return detail::concat(kLittleEndian ? '>' : '<', name(dtype));
    return to_typestr(dtype);
}

std::string to_typestr(DType dtype) {
    const TypeInfo& t = info(dtype.type());
    if (t.typestr_kind == 0)
        fail(ErrorKind::type, t.name, " has no NumPy typestr (NumPy knows it only through ml_dtypes)");
    char order = '|';
    if (dtype.swap_unit() > 1) order = (dtype.is_native() == kLittleEndian) ? '<' : '>';
    std::string out = detail::concat(order, t.typestr_kind);
    if (dtype.is_string()) return out + std::to_string(dtype.length());
    out += std::to_string(dtype.itemsize());
    if (dtype.is_time() && dtype.unit() != TimeUnit::generic) out += detail::concat("[", to_string(dtype.unit()), "]");
    return out;
}

DType parse_typestr(std::string_view typestr) {
    if (typestr.empty()) fail(ErrorKind::type, "typestr: an empty string is not a typestr");
    bool swapped = false;
    std::string_view body = typestr;
    switch (typestr[0]) {
        case '<':
            swapped = !kLittleEndian;
            body.remove_prefix(1);
            break;
        case '>':
            swapped = kLittleEndian;
            body.remove_prefix(1);
            break;
        case '|':
        case '=': body.remove_prefix(1); break;
        default: break;
    }
    return parse_typestr_body(body, typestr).with_native_order(!swapped);
}

std::string to_pep3118(DType dtype) {
    const TypeInfo& t = info(dtype.type());
    if (t.pep_native == nullptr) fail(ErrorKind::type, "to_pep3118: ", name(dtype), " has no PEP 3118 format code");
    std::string prefix;
    const char* code = t.pep_native;
    if (!dtype.is_native()) {
        if (t.pep_standard == nullptr)
            fail(ErrorKind::type, "to_pep3118: ", describe(dtype), " in non-native byte order has no PEP 3118 format");
        prefix = kLittleEndian ? ">" : "<";
        code = t.pep_standard;
    }
    if (dtype.is_string()) return detail::concat(prefix, dtype.length(), code);
    return prefix + code;
}

DType parse_pep3118(std::string_view format) {
    constexpr std::string_view what = "buffer format";
    bool standard_sizes = false;
    bool swapped = false;
    std::optional<DType> item;
    std::size_t pos = 0;
    while (pos < format.size()) {
        const char c = format[pos];
        switch (c) {
            case '@':
            case '^':
                standard_sizes = false;
                swapped = false;
                ++pos;
                continue;
            case '=':
                standard_sizes = true;
                swapped = false;
                ++pos;
                continue;
            case '<':
                standard_sizes = true;
                swapped = !kLittleEndian;
                ++pos;
                continue;
            case '>':
            case '!':
                standard_sizes = true;
                swapped = kLittleEndian;
                ++pos;
                continue;
            case ' ':
            case '\t':
            case '\n': ++pos; continue;
            default: break;
        }
        auto count = parse_count(format, pos, what);
        if (pos >= format.size())
            fail(ErrorKind::value, what, ": format '", format, "' ends with a repeat count and no type code");
        const char code = format[pos++];
        if (item)
            fail(ErrorKind::type, what, ": format '", format,
                 "' describes several fields; ndbridge reads one item per element");
        switch (code) {
            case 'T':
                fail(ErrorKind::type, what, ": format '", format,
                     "' is a struct (T{...}); ndbridge has no structured dtypes");
            case '(':
                fail(ErrorKind::type, what, ": format '", format,
                     "' has a sub-array shape; ndbridge reads one item per element");
            case ':':
                fail(ErrorKind::type, what, ": format '", format, "' names fields; ndbridge has no structured dtypes");
            case 'x':
                fail(ErrorKind::type, what, ": format '", format,
                     "' has pad bytes; ndbridge reads one item per element");
            case 'O':
                fail(ErrorKind::type, what, ": format '", format, "' holds Python objects; ndbridge holds no objects");
            case 'P':
            case 'p':
            case '&':
                fail(ErrorKind::type, what, ": format '", format, "' holds pointers; ndbridge has no pointer dtype");
            default: break;
        }
        if (code == 's' || code == 'w') {
            const std::int64_t n = count.value_or(1);
            if (n < 1) fail(ErrorKind::value, what, ": format '", format, "' is a zero-length string");
            item = code == 's' ? DType::bytes(n) : DType::unicode(n).with_native_order(!swapped);
            continue;
        }
        if (count && *count != 1)
            fail(ErrorKind::type, what, ": format '", format, "' repeats its item ", *count,
                 " times, a sub-array; ndbridge reads one item per element");
        DType d;
        switch (code) {
            case '?': d = ScalarType::bool_; break;
            case 'c': d = DType::bytes(1); break;
            case 'b': d = ScalarType::int8; break;
            case 'B': d = ScalarType::uint8; break;
            case 'h': d = ScalarType::int16; break;
            case 'H': d = ScalarType::uint16; break;
            // Native sizes are the platform's C types; standard sizes are 4 bytes for i/l and 8 for q.
            case 'i': d = standard_sizes ? ScalarType::int32 : integer_type_of<int>(); break;
            case 'I': d = standard_sizes ? ScalarType::uint32 : integer_type_of<unsigned>(); break;
            case 'l': d = standard_sizes ? ScalarType::int32 : integer_type_of<long>(); break;
            case 'L': d = standard_sizes ? ScalarType::uint32 : integer_type_of<unsigned long>(); break;
            case 'q': d = standard_sizes ? ScalarType::int64 : integer_type_of<long long>(); break;
            case 'Q': d = standard_sizes ? ScalarType::uint64 : integer_type_of<unsigned long long>(); break;
            case 'n':
            case 'N':
                if (standard_sizes)
                    fail(ErrorKind::value, what, ": format '", format, "' uses '", code,
                         "', which exists only with native sizes (@)");
                d = code == 'n' ? integer_type_of<std::ptrdiff_t>() : integer_type_of<std::size_t>();
                break;
            case 'e': d = ScalarType::float16; break;
            case 'f': d = ScalarType::float32; break;
            case 'd': d = ScalarType::float64; break;
            case 'g': d = ScalarType::longdouble; break;
            case 'Z': {
                if (pos >= format.size())
                    fail(ErrorKind::value, what, ": format '", format, "' ends after 'Z' (expected Zf, Zd or Zg)");
                const char part = format[pos++];
                if (part == 'f')
                    d = ScalarType::complex64;
                else if (part == 'd')
                    d = ScalarType::complex128;
                else if (part == 'g')
                    d = ScalarType::clongdouble;
                else
                    fail(ErrorKind::value, what, ": format '", format, "' has 'Z", part, "' (expected Zf, Zd or Zg)");
                break;
            }
            default: fail(ErrorKind::value, what, ": format '", format, "' has unknown type code '", code, "'");
        }
        item = d.with_native_order(!swapped);
    }
    if (!item) fail(ErrorKind::value, what, ": format '", format, "' has no type code");
    return *item;
}

// ---------------------------------------------------------------------------------------------- DLPack

std::optional<DLDataType> to_dlpack(DType dtype) noexcept {
    const TypeInfo& t = info(dtype.type());
    if (t.dl_code < 0 || !dtype.is_native()) return std::nullopt;
    return DLDataType{static_cast<std::uint8_t>(t.dl_code), static_cast<std::uint8_t>(8 * t.itemsize), 1};
}

DType from_dlpack(DLDataType dl) {
    if (dl.lanes != 1)
        fail(ErrorKind::type, "DLPack dtype (code=", int(dl.code), ", bits=", int(dl.bits), ", lanes=", dl.lanes,
             ") is a vector type; ndbridge accepts lanes=1 only");
    for (const TypeInfo& t : kTypes)
        if (t.dl_code == dl.code && 8 * t.itemsize == dl.bits) return t.type;
    fail(ErrorKind::type, "no ndbridge dtype has DLPack code=", int(dl.code), ", bits=", int(dl.bits));
}

// ---------------------------------------------------------------------------------------------- parse_dtype

DType parse_dtype(std::string_view spec) {
    if (spec.empty()) fail(ErrorKind::type, "dtype: empty string is not a dtype");
    for (const TypeInfo& t : kTypes)
        if (t.name == spec && t.type != ScalarType::bytes && t.type != ScalarType::unicode) return t.type;
    for (const Alias& a : kAliases)
        if (a.name == spec) return a.type;
    for (auto prefix : {std::string_view("datetime64"), std::string_view("timedelta64")}) {
        if (spec.substr(0, prefix.size()) == prefix) {
            std::size_t pos = prefix.size();
            TimeUnit unit = parse_unit_suffix(spec, pos, "dtype");
            return prefix[0] == 'd' ? DType::datetime64(unit) : DType::timedelta64(unit);
        }
    }
    if (spec.size() == 1) {
        const char c = spec[0];
        if (c == 'M') return DType::datetime64(TimeUnit::generic);
        if (c == 'm') return DType::timedelta64(TimeUnit::generic);
        if (c == 'p' || c == 'q' || c == 'n') return ScalarType::int64;  // 'q'/'Q': longlong, 'n'/'N': (s)size_t
        if (c == 'P' || c == 'Q' || c == 'N') return ScalarType::uint64;
        if (c == 'c') return DType::bytes(1);  // NumPy's char code: np.dtype('c') is S1
        for (const TypeInfo& t : kTypes)
            if (t.char_code == c && t.itemsize > 0) return t.type;
    }
    // A typestr, with or without its byte-order letter ("<f4", "f4", "S5", "M8[ns]").
    try {
        return parse_typestr(spec);
    } catch (const Error& e) {
        fail(ErrorKind::type, "dtype: '", spec,
             "' is not a dtype name ('float32'), typestr ('<f4') or character code ('d'): ", e.what());
    }
}

// ---------------------------------------------------------------------------------------------- promotion

DType promote_types(DType a, DType b) {
    if (a.is_numeric() && b.is_numeric()) return promote_numeric(a, b);
    const DTypeKind ka = a.kind();
    const DTypeKind kb = b.kind();
    if (a.is_time() && ka == kb) {
        const TimeUnit unit = promote_time_units(a, b);
        return ka == DTypeKind::datetime ? DType::datetime64(unit) : DType::timedelta64(unit);
    }
    if (a.is_string() && b.is_string()) {
        const std::int64_t n = a.length() > b.length() ? a.length() : b.length();
        return (ka == DTypeKind::unicode || kb == DTypeKind::unicode) ? DType::unicode(n) : DType::bytes(n);
    }
    fail(ErrorKind::type, describe(a), " and ", describe(b), " have no common dtype");
}

}  // namespace ndbridge
