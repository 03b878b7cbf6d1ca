// ndbridge/dtype.h — element types: what an array holds, and every spelling of it.
// One table in src/dtype.cpp describes each scalar type once (sizes, codes, names); parsing and formatting
// of NumPy typestrs, PEP 3118 formats, DLPack codes and names all read that table.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ndbridge/dlpack.h"

namespace ndbridge {

/// The scalar types ndbridge stores. Order is not significant; the table in dtype.cpp is.
enum class ScalarType : std::uint8_t {
    bool_,
    int8,
    int16,
    int32,
    int64,
    uint8,
    uint16,
    uint32,
    uint64,
    float16,
    bfloat16,
    float32,
    float64,
    longdouble,
    complex64,
    complex128,
    clongdouble,
    float8_e4m3fn,
    float8_e5m2,
    datetime64,
    timedelta64,
    bytes,    ///< fixed-length byte string, NumPy "S<n>"
    unicode,  ///< fixed-length UCS-4 string, NumPy "U<n>"
};
inline constexpr int kScalarTypeCount = 23;

/// Broad families, as NumPy's dtype.kind groups them.
enum class DTypeKind : std::uint8_t {
    boolean,
    signed_int,
    unsigned_int,
    floating,
    complex,
    datetime,
    timedelta,
    bytes,
    unicode
};

/// Units of datetime64/timedelta64, NumPy's set. `generic` is NumPy's unit-less "M8"/"m8".
enum class TimeUnit : std::uint8_t { generic, Y, M, W, D, h, m, s, ms, us, ns, ps, fs, as };

/// "ns", "D", "" (generic), ...
std::string_view to_string(TimeUnit unit) noexcept;
/// Parses a unit name; throws Error(value) naming the accepted units.
TimeUnit parse_time_unit(std::string_view text);

namespace detail {
/// Kind, size and alignment of each scalar type, indexed by ScalarType: read by DType's inline accessors,
/// which every copy calls several times. Made in dtype.cpp from its one table of types.
struct ScalarLayout {
    DTypeKind kind;
    std::int64_t itemsize;
    std::int64_t alignment;
};
extern const std::array<ScalarLayout, kScalarTypeCount> kScalarLayouts;
}  // namespace detail

/// An element type: scalar type + byte order + (datetime unit | string length).
/// One-byte types are always stored as native order, so equality never depends on a meaningless flag.
class DType {
public:
    constexpr DType() noexcept = default;                       // float64
    constexpr DType(ScalarType type) noexcept : type_(type) {}  // NOLINT: implicit on purpose

    static DType datetime64(TimeUnit unit) noexcept;
    static DType timedelta64(TimeUnit unit) noexcept;
    /// Fixed-length strings; `length` counts characters (bytes for S, UCS-4 code points for U), >= 1.
    static DType bytes(std::int64_t length);
    static DType unicode(std::int64_t length);

    ScalarType type() const noexcept { return type_; }
    DTypeKind kind() const noexcept { return detail::kScalarLayouts[static_cast<std::size_t>(type_)].kind; }
    TimeUnit unit() const noexcept { return unit_; }
    std::int64_t length() const noexcept { return length_; }
    /// Bytes per element.
    std::int64_t itemsize() const noexcept {
        if (type_ == ScalarType::bytes) return length_;
        if (type_ == ScalarType::unicode) return 4 * length_;
        return detail::kScalarLayouts[static_cast<std::size_t>(type_)].itemsize;
    }
    /// Natural alignment in bytes (what a C compiler would give the element).
    std::int64_t alignment() const noexcept {
        return detail::kScalarLayouts[static_cast<std::size_t>(type_)].alignment;
    }
    /// Bytes of one byte-swappable unit: the item for numbers, one part for complex, 4 for UCS-4 strings.
    std::int64_t swap_unit() const noexcept {
        switch (kind()) {
            case DTypeKind::complex: return itemsize() / 2;
            case DTypeKind::bytes: return 1;
            case DTypeKind::unicode: return 4;
            default: return itemsize();
        }
    }

    /// True when stored in the machine's byte order (always true for one-byte units).
    bool is_native() const noexcept { return !swapped_; }
    /// The same type in the machine's order (`native=true`) or the other order.
    DType with_native_order(bool native = true) const noexcept;

    /// bool, ints, floats, complex
    bool is_numeric() const noexcept {
        switch (kind()) {
            case DTypeKind::boolean:
            case DTypeKind::signed_int:
            case DTypeKind::unsigned_int:
            case DTypeKind::floating:
            case DTypeKind::complex: return true;
            default: return false;
        }
    }
    /// float16/bfloat16/float8/float32/float64/longdouble
    bool is_floating() const noexcept { return kind() == DTypeKind::floating; }
    bool is_complex() const noexcept { return kind() == DTypeKind::complex; }
    bool is_integer() const noexcept { return kind() == DTypeKind::signed_int || kind() == DTypeKind::unsigned_int; }
    bool is_string() const noexcept { return kind() == DTypeKind::bytes || kind() == DTypeKind::unicode; }  ///< S or U
    bool is_time() const noexcept {
        return kind() == DTypeKind::datetime || kind() == DTypeKind::timedelta;
    }  ///< M8 or m8

    /// NumPy's single-letter kind: 'b' 'i' 'u' 'f' 'c' 'M' 'm' 'S' 'U' ('V' for bfloat16/float8, as ml_dtypes).
    char kind_char() const noexcept;

    friend bool operator==(const DType& a, const DType& b) noexcept {
        return a.type_ == b.type_ && a.swapped_ == b.swapped_ && a.unit_ == b.unit_ && a.length_ == b.length_;
    }

private:
    static DType string(ScalarType type, std::int64_t length);

    ScalarType type_ = ScalarType::float64;
    bool swapped_ = false;
    TimeUnit unit_ = TimeUnit::generic;
    std::int64_t length_ = 0;
};

/// Canonical name: "float32", "bool", "datetime64[ns]", "S5", "U5". Byte order is not part of a name.
std::string name(DType dtype);
/// Name for messages: the name, or the typestr when the byte order is not native (">f4"; ">bfloat16" for
/// a type without a typestr). Never throws.
std::string describe(DType dtype);

/// NumPy array-interface typestr: "<f4", "|b1", "<M8[ns]", "<U5", ">i8". Error(type) for types with
/// none (bfloat16, float8): NumPy has no typestr for them.
std::string to_typestr(DType dtype);
DType parse_typestr(std::string_view typestr);

/// PEP 3118 (struct-module) format for a single item: "f", ">q", "Zd", "5s", "3w", "?".
/// Error(type) for types with no format code (datetime, timedelta, bfloat16, float8).
std::string to_pep3118(DType dtype);
/// Parses the full grammar for one item (byte-order/size prefixes @ = < > ! ^, repeat counts, native vs
/// standard sizes). Structs `T{}`, sub-arrays, multi-field and padded formats, pointers and objects are
/// refused with Error(type/value) naming the format and the rule.
DType parse_pep3118(std::string_view format);

/// DLPack (code, bits, lanes). nullopt for types DLPack cannot express (datetime, strings, longdouble)
/// and for non-native byte order.
std::optional<DLDataType> to_dlpack(DType dtype) noexcept;
/// Error(type) naming the code/bits/lanes when ndbridge has no such type.
DType from_dlpack(DLDataType dl);

/// Any string spelling a user may write: names ("float32", "bool", "datetime64[ms]", "S5"),
/// typestrs ("<f4", "f4", "i8", "M8[ns]") and NumPy character codes ("d", "f", "?", "l").
DType parse_dtype(std::string_view spec);

/// NumPy's promote_types on numeric types (table-exact), extended to bfloat16/float8 by the rule
/// "smallest float that holds both exactly". Same-kind strings promote to the longer, two datetime64 or
/// two timedelta64 to the finer unit with NumPy's refusals (a timedelta mixing years/months with other
/// units: Error(type); a unit factor over NumPy's limit, as [Y] with [ps]: Error(overflow)).
/// Error(type) when there is no common type.
DType promote_types(DType a, DType b);

}  // namespace ndbridge
