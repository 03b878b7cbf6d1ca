// Arrow data in: format strings, whole-tree validation of schemas and arrays before anything is read, the
// struct "move" and exactly-once release the C Data Interface asks of consumers, and validated columns
// described as ColumnSource values. Nothing here dereferences a data buffer until validation has passed.
#include "ndbridge/arrow.h"

#include <array>
#include <bit>
#include <charconv>
#include <cstring>
#include <limits>
#include <type_traits>

#include "ndbridge/error.h"
#include "ndbridge/layout.h"

namespace ndbridge {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

// The formats that are a fixed string: one row each.
struct KnownFormat {
    std::string_view format;
    ArrowLayout layout;
    std::optional<DType> dtype;
    std::int64_t bit_width;
    std::string_view description;
};

const std::array<KnownFormat, 36>& known_formats() {
    static const std::array<KnownFormat, 36> table = {{
        {"n", ArrowLayout::null, DType(ScalarType::float64), 0, "null"},
        {"b", ArrowLayout::boolean, DType(ScalarType::bool_), 1, "bool"},
        {"c", ArrowLayout::fixed, DType(ScalarType::int8), 8, "int8"},
        {"C", ArrowLayout::fixed, DType(ScalarType::uint8), 8, "uint8"},
        {"s", ArrowLayout::fixed, DType(ScalarType::int16), 16, "int16"},
        {"S", ArrowLayout::fixed, DType(ScalarType::uint16), 16, "uint16"},
        {"i", ArrowLayout::fixed, DType(ScalarType::int32), 32, "int32"},
        {"I", ArrowLayout::fixed, DType(ScalarType::uint32), 32, "uint32"},
        {"l", ArrowLayout::fixed, DType(ScalarType::int64), 64, "int64"},
        {"L", ArrowLayout::fixed, DType(ScalarType::uint64), 64, "uint64"},
        {"e", ArrowLayout::fixed, DType(ScalarType::float16), 16, "float16"},
        {"f", ArrowLayout::fixed, DType(ScalarType::float32), 32, "float32"},
        {"g", ArrowLayout::fixed, DType(ScalarType::float64), 64, "float64"},
        {"z", ArrowLayout::variable, std::nullopt, 32, "binary"},
        {"Z", ArrowLayout::variable, std::nullopt, 64, "large binary"},
        {"u", ArrowLayout::variable, std::nullopt, 32, "utf8 string"},
        {"U", ArrowLayout::variable, std::nullopt, 64, "large utf8 string"},
        {"vz", ArrowLayout::view, std::nullopt, 128, "binary view"},
        {"vu", ArrowLayout::view, std::nullopt, 128, "utf8 string view"},
        {"tdD", ArrowLayout::fixed, DType::datetime64(TimeUnit::D), 32, "date32[day]"},
        {"tdm", ArrowLayout::fixed, DType::datetime64(TimeUnit::ms), 64, "date64[ms]"},
        {"tts", ArrowLayout::fixed, DType::timedelta64(TimeUnit::s), 32, "time32[s]"},
        {"ttm", ArrowLayout::fixed, DType::timedelta64(TimeUnit::ms), 32, "time32[ms]"},
        {"ttu", ArrowLayout::fixed, DType::timedelta64(TimeUnit::us), 64, "time64[us]"},
        {"ttn", ArrowLayout::fixed, DType::timedelta64(TimeUnit::ns), 64, "time64[ns]"},
        {"tDs", ArrowLayout::fixed, DType::timedelta64(TimeUnit::s), 64, "duration[s]"},
        {"tDm", ArrowLayout::fixed, DType::timedelta64(TimeUnit::ms), 64, "duration[ms]"},
        {"tDu", ArrowLayout::fixed, DType::timedelta64(TimeUnit::us), 64, "duration[us]"},
        {"tDn", ArrowLayout::fixed, DType::timedelta64(TimeUnit::ns), 64, "duration[ns]"},
        {"tiM", ArrowLayout::fixed, DType::timedelta64(TimeUnit::M), 32, "interval[months]"},
        {"tiD", ArrowLayout::fixed, std::nullopt, 64, "interval[day_time]"},
        {"tin", ArrowLayout::fixed, std::nullopt, 128, "interval[month_day_nano]"},
        {"+l", ArrowLayout::list, std::nullopt, 32, "list"},
        {"+L", ArrowLayout::list, std::nullopt, 64, "large list"},
        {"+m", ArrowLayout::list, std::nullopt, 32, "map"},
        {"+s", ArrowLayout::struct_, std::nullopt, 0, "struct"},
    }};
    return table;
}

// The row of a fixed format, or null. A one-character format (every number type) is found by its character:
// this runs several times on every zero-copy import, where a scan of the table was a measurable share.
const KnownFormat* known_format(std::string_view format) {
    static const std::array<const KnownFormat*, 128> by_char = [] {
        std::array<const KnownFormat*, 128> index{};
        for (const KnownFormat& k : known_formats())
            if (k.format.size() == 1) index[static_cast<unsigned char>(k.format[0]) & 127U] = &k;
        return index;
    }();
    if (format.size() == 1) {
        const auto c = static_cast<unsigned char>(format[0]);
        return c < 128 ? by_char[c] : nullptr;
    }
    for (const KnownFormat& k : known_formats())
        if (k.format == format) return &k;
    return nullptr;
}

// A positive decimal integer that is all of `text`.
std::optional<std::int64_t> parse_positive(std::string_view text) {
    std::int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size() || value <= 0) return std::nullopt;
    return value;
}

std::optional<TimeUnit> unit_of(char c) {
    switch (c) {
        case 's': return TimeUnit::s;
        case 'm': return TimeUnit::ms;
        case 'u': return TimeUnit::us;
        case 'n': return TimeUnit::ns;
        default: return std::nullopt;
    }
}

[[noreturn]] void bad_format(std::string_view format, std::string_view rule) {
    fail(ErrorKind::value, "Arrow format \"", format, "\" ", rule);
}

// Children a format needs; -1 when any number is allowed (struct).
std::int64_t children_needed(const ArrowFormat& f) {
    switch (f.layout) {
        case ArrowLayout::list:
        case ArrowLayout::list_view:
        case ArrowLayout::fixed_list: return 1;
        case ArrowLayout::struct_: return -1;
        case ArrowLayout::sparse_union:
        case ArrowLayout::dense_union: return f.fixed_size;
        case ArrowLayout::run_end_encoded: return 2;
        default: return 0;
    }
}

// Buffers an array of the format has; -1 for views (at least 3: validity, views, sizes; plus data buffers).
std::int64_t buffers_needed(const ArrowFormat& f) {
    switch (f.layout) {
        case ArrowLayout::null:
        case ArrowLayout::run_end_encoded: return 0;
        case ArrowLayout::boolean:
        case ArrowLayout::fixed:
        case ArrowLayout::list: return 2;
        case ArrowLayout::variable:
        case ArrowLayout::list_view: return 3;
        case ArrowLayout::view: return -1;
        case ArrowLayout::fixed_list:
        case ArrowLayout::struct_: return 1;
        case ArrowLayout::sparse_union: return 1;
        case ArrowLayout::dense_union: return 2;
    }
    return 0;
}

bool has_validity(ArrowLayout layout) {
    return layout != ArrowLayout::null && layout != ArrowLayout::sparse_union && layout != ArrowLayout::dense_union &&
           layout != ArrowLayout::run_end_encoded;
}

std::string field_name(const ArrowSchema& schema) {
    return schema.name != nullptr ? std::string(schema.name) : std::string();
}

// "column 'x'" or "the Arrow array" for messages.
std::string subject(const ArrowSchema& schema) {
    const std::string name = field_name(schema);
    return name.empty() ? std::string("Arrow array") : "Arrow column '" + name + "'";
}

void validate_schema_at(const ArrowSchema& schema, int depth) {
    if (depth > kMaxNdim) fail(ErrorKind::value, "Arrow schema nests deeper than ", kMaxNdim, " levels");
    if (schema.release == nullptr) fail(ErrorKind::value, "Arrow schema was already released (release is null)");
    if (schema.format == nullptr) fail(ErrorKind::value, subject(schema), ": schema format is null");
    const ArrowFormat f = parse_arrow_format(schema.format);
    const std::int64_t needed = children_needed(f);
    if (schema.n_children < 0 || (needed >= 0 && schema.n_children != needed))
        fail(ErrorKind::value, subject(schema), " (format \"", schema.format, "\"): schema has n_children ",
             schema.n_children, ", the format needs ", needed < 0 ? std::string("0 or more") : std::to_string(needed));
    if (schema.n_children > 0 && schema.children == nullptr)
        fail(ErrorKind::value, subject(schema), ": schema has n_children ", schema.n_children, " but children is null");
    for (std::int64_t i = 0; i < schema.n_children; ++i) {
        const ArrowSchema* child = schema.children[i];
        if (child == nullptr) fail(ErrorKind::value, subject(schema), ": schema child ", i, " is null");
        validate_schema_at(*child, depth + 1);
    }
    if (schema.dictionary != nullptr) {
        if (!f.dtype || !f.dtype->is_integer() || f.layout != ArrowLayout::fixed)
            fail(ErrorKind::value, subject(schema), ": dictionary indices must be an integer type, the format is \"",
                 schema.format, "\"");
        validate_schema_at(*schema.dictionary, depth + 1);
    }
}

// offset + length elements of `bits` bits each, in bytes: Error(overflow) when it does not fit.
void check_extent(const ArrowSchema& schema, const char* what, std::int64_t elements, std::int64_t bits) {
    if (bits > 0 && elements > kInt64Max / bits)
        fail(ErrorKind::overflow, subject(schema), ": ", what, " of ", elements, " elements of ", bits,
             " bits overflows a 64-bit byte count");
}

// Element `i` of a bitmap.
bool bit(const std::uint8_t* bits, std::int64_t i) {
    const unsigned byte = bits[static_cast<std::uint64_t>(i) >> 3];
    return ((byte >> (static_cast<std::uint64_t>(i) & 7U)) & 1U) != 0;
}

const std::uint8_t* validity_of(const ArrowArray& a) {
    if (a.null_count == 0 || a.n_buffers == 0) return nullptr;
    return static_cast<const std::uint8_t*>(a.buffers[0]);
}

// Every valid index of a dictionary-encoded chunk names one of the dictionary's values: checked as the
// first read of the indices, when a column's sources are built (import validates structure only and reads
// no data, since a producer's lengths are all that bounds its buffers), so that nothing downstream (codes
// handed to a user as categories, a lookup in the dictionary) ever meets an index outside 0..length - 1.
// `first` is the chunk's first element in the buffers, `length` its element count.
template <class Index>
void check_indices_as(const ArrowArray& array, const ArrowSchema& schema, std::int64_t first, std::int64_t length) {
    const std::int64_t size = array.dictionary->length;
    const std::uint8_t* validity = validity_of(array);
    const auto* data = static_cast<const std::byte*>(array.buffers[1]);
    for (std::int64_t i = 0; i < length; ++i) {
        const std::int64_t element = first + i;
        if (validity != nullptr && !bit(validity, element)) continue;
        Index v;
        std::memcpy(&v, data + element * static_cast<std::int64_t>(sizeof(Index)), sizeof(Index));
        const bool outside = std::is_signed_v<Index>
                                 ? (v < 0 || static_cast<std::int64_t>(v) >= size)
                                 : static_cast<std::uint64_t>(v) >= static_cast<std::uint64_t>(size);
        if (outside)
            fail(ErrorKind::value, subject(schema), ": dictionary index ", +v, " at element ", i,
                 " is outside the dictionary's ", size, size == 1 ? " value" : " values", " (indices 0..", size - 1,
                 ")");
    }
}

void check_dictionary_indices(const ArrowArray& array, const ArrowSchema& schema, DType indices, std::int64_t first,
                              std::int64_t length) {
    if (length == 0) return;
    switch (indices.type()) {
        case ScalarType::int8: return check_indices_as<std::int8_t>(array, schema, first, length);
        case ScalarType::uint8: return check_indices_as<std::uint8_t>(array, schema, first, length);
        case ScalarType::int16: return check_indices_as<std::int16_t>(array, schema, first, length);
        case ScalarType::uint16: return check_indices_as<std::uint16_t>(array, schema, first, length);
        case ScalarType::int32: return check_indices_as<std::int32_t>(array, schema, first, length);
        case ScalarType::uint32: return check_indices_as<std::uint32_t>(array, schema, first, length);
        case ScalarType::int64: return check_indices_as<std::int64_t>(array, schema, first, length);
        default: return check_indices_as<std::uint64_t>(array, schema, first, length);
    }
}

void validate_array_at(const ArrowArray& array, const ArrowSchema& schema, int depth) {
    if (depth > kMaxNdim) fail(ErrorKind::value, "Arrow array nests deeper than ", kMaxNdim, " levels");
    if (array.release == nullptr)
        fail(ErrorKind::value, subject(schema), ": array was already released (release is null)");
    const ArrowFormat f = parse_arrow_format(schema.format);
    if (array.length < 0) fail(ErrorKind::value, subject(schema), ": length ", array.length, " is negative");
    if (array.offset < 0) fail(ErrorKind::value, subject(schema), ": offset ", array.offset, " is negative");
    if (array.offset > kInt64Max - array.length)
        fail(ErrorKind::overflow, subject(schema), ": offset ", array.offset, " + length ", array.length,
             " overflows int64");
    if (array.null_count < -1 || array.null_count > array.length)
        fail(ErrorKind::value, subject(schema), ": null_count ", array.null_count, " is outside -1..length (",
             array.length, ")");
    const std::int64_t end = array.offset + array.length;  // elements the buffers must hold
    const std::int64_t buffers = buffers_needed(f);
    if (buffers >= 0 ? array.n_buffers != buffers : array.n_buffers < 3)
        fail(ErrorKind::value, subject(schema), " (", f.description, "): n_buffers is ", array.n_buffers,
             ", the layout has ", buffers >= 0 ? std::to_string(buffers) : std::string("3 or more"));
    if (array.n_buffers > 0 && array.buffers == nullptr)
        fail(ErrorKind::value, subject(schema), ": n_buffers is ", array.n_buffers, " but buffers is null");
    if (has_validity(f.layout) && array.buffers[0] == nullptr && array.null_count > 0)
        fail(ErrorKind::value, subject(schema), ": null_count is ", array.null_count,
             " but the validity bitmap is null");
    // Value buffers must exist whenever there are elements to read (a null pointer is allowed when empty).
    const std::int64_t first_value_buffer = has_validity(f.layout) ? 1 : 0;
    const std::int64_t fixed_buffers = buffers >= 0 ? buffers : 2;
    for (std::int64_t b = first_value_buffer; b < fixed_buffers; ++b)
        if (array.buffers[b] == nullptr && end > 0)
            fail(ErrorKind::value, subject(schema), " (", f.description, "): buffer ", b,
                 " is null but offset + length is ", end);
    if (f.layout == ArrowLayout::fixed || f.layout == ArrowLayout::boolean)
        check_extent(schema, "data", end, f.bit_width);
    if (f.layout == ArrowLayout::variable || f.layout == ArrowLayout::list)
        check_extent(schema, "offsets", end + 1, f.bit_width);
    if (array.n_children != schema.n_children)
        fail(ErrorKind::value, subject(schema), ": array has n_children ", array.n_children, ", its schema ",
             schema.n_children);
    if (array.n_children > 0 && array.children == nullptr)
        fail(ErrorKind::value, subject(schema), ": n_children is ", array.n_children, " but children is null");
    for (std::int64_t i = 0; i < array.n_children; ++i) {
        const ArrowArray* child = array.children[i];
        if (child == nullptr) fail(ErrorKind::value, subject(schema), ": child array ", i, " is null");
        validate_array_at(*child, *schema.children[i], depth + 1);
        // A struct's children are indexed by the parent's offset too; a fixed list's hold N per element.
        std::int64_t child_needs = 0;
        if (f.layout == ArrowLayout::struct_) child_needs = end;
        if (f.layout == ArrowLayout::fixed_list) {
            check_extent(schema, "fixed-size list values", end, f.fixed_size);
            child_needs = end * f.fixed_size;
        }
        if (child->length < child_needs)
            fail(ErrorKind::value, subject(schema), ": child ", i, " has length ", child->length,
                 ", the parent's offset + length ", "needs ", child_needs);
    }
    if ((array.dictionary != nullptr) != (schema.dictionary != nullptr))
        fail(ErrorKind::value, subject(schema), ": the array ", array.dictionary != nullptr ? "has" : "lacks",
             " a dictionary and its schema ", schema.dictionary != nullptr ? "has" : "lacks", " one");
    if (array.dictionary != nullptr) {
        validate_array_at(*array.dictionary, *schema.dictionary, depth + 1);
    }
}

// A struct schema (not dictionary-encoded) has one column per child; any other is one column.
bool is_table_schema(const ArrowSchema& schema) {
    return std::string_view(schema.format) == "+s" && schema.dictionary == nullptr;
}

// The array and schema of column `index` in chunk `chunk`, with the offset the parent adds.
struct ChunkColumn {
    const ArrowArray* array;
    const ArrowSchema* schema;
    std::int64_t parent_offset;
    std::int64_t length;
};

ChunkColumn chunk_column(const ArrowTable& table, const ArrowArray& chunk, std::size_t index) {
    const ArrowSchema& schema = table.schema.get();
    if (!is_table_schema(schema)) return {&chunk, &schema, 0, chunk.length};
    const auto i = static_cast<std::int64_t>(index);
    return {chunk.children[i], schema.children[i], chunk.offset, chunk.length};
}

std::unique_ptr<std::byte[]> scratch_bytes(std::int64_t bytes) {
    return std::make_unique<std::byte[]>(static_cast<std::size_t>(bytes > 0 ? bytes : 1));
}

}  // namespace

ArrowFormat parse_arrow_format(std::string_view format) {
    ArrowFormat f;
    if (const KnownFormat* k = known_format(format)) {
        f.layout = k->layout;
        f.dtype = k->dtype;
        f.bit_width = k->bit_width;
        f.description = std::string(k->description);
        return f;
    }
    // Timestamps: "ts" + unit + ":" + time zone (empty when naive).
    if (format.size() >= 4 && format.substr(0, 2) == "ts" && format[3] == ':') {
        const auto unit = unit_of(format[2]);
        if (!unit) bad_format(format, "has a timestamp unit other than s, m, u, n");
        f.layout = ArrowLayout::fixed;
        f.dtype = DType::datetime64(*unit);
        f.bit_width = 64;
        f.timezone = std::string(format.substr(4));
        f.description = "timestamp[" + std::string(to_string(*unit)) +
                        (f.timezone.empty() ? std::string("]") : ", tz=" + f.timezone + "]");
        return f;
    }
    // Decimals "d:P,S" or "d:P,S,B": fixed width B bits (128 when absent).
    if (format.substr(0, 2) == "d:") {
        const std::string_view rest = format.substr(2);
        const std::size_t comma = rest.find(',');
        if (comma == std::string_view::npos || !parse_positive(rest.substr(0, comma)))
            bad_format(format, "is not a decimal of the form d:precision,scale[,bits]");
        const std::string_view after = rest.substr(comma + 1);
        const std::size_t comma2 = after.find(',');
        std::int64_t bits = 128;
        if (comma2 != std::string_view::npos) {
            const auto b = parse_positive(after.substr(comma2 + 1));
            if (!b || (*b != 32 && *b != 64 && *b != 128 && *b != 256))
                bad_format(format, "has a decimal bit width other than 32, 64, 128, 256");
            bits = *b;
        }
        f.layout = ArrowLayout::fixed;
        f.bit_width = bits;
        f.description = "decimal" + std::to_string(bits) + "(" + std::string(rest) + ")";
        return f;
    }
    // Fixed-size binary "w:N" and fixed-size list "+w:N".
    for (const bool list : {false, true}) {
        const std::string_view prefix = list ? "+w:" : "w:";
        if (format.substr(0, prefix.size()) != prefix) continue;
        const auto n = parse_positive(format.substr(prefix.size()));
        if (!n) bad_format(format, "needs a positive size after the colon");
        if (!list && *n > kInt64Max / 8) bad_format(format, "has a size whose bits overflow int64");
        f.layout = list ? ArrowLayout::fixed_list : ArrowLayout::fixed;
        f.fixed_size = *n;
        f.bit_width = list ? 0 : *n * 8;
        f.description = (list ? "fixed_size_list[" : "fixed_size_binary[") + std::to_string(*n) + "]";
        return f;
    }
    // Unions "+ud:ids" / "+us:ids": one child per type id.
    if (format.substr(0, 4) == "+ud:" || format.substr(0, 4) == "+us:") {
        std::int64_t ids = 0;
        std::string_view rest = format.substr(4);
        while (!rest.empty()) {
            const std::size_t comma = rest.find(',');
            std::int64_t id = -1;
            const std::string_view item = rest.substr(0, comma);
            const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
            if (ec != std::errc() || end != item.data() + item.size() || id < 0 || id > 127)
                bad_format(format, "has a union type id that is not an integer in 0..127");
            ++ids;
            if (comma == std::string_view::npos) break;
            rest = rest.substr(comma + 1);
            if (rest.empty()) bad_format(format, "ends with a comma");
        }
        f.layout = format[2] == 'd' ? ArrowLayout::dense_union : ArrowLayout::sparse_union;
        f.fixed_size = ids;
        f.description = format[2] == 'd' ? "dense union" : "sparse union";
        return f;
    }
    if (format == "+vl" || format == "+vL") {
        f.layout = ArrowLayout::list_view;
        f.bit_width = format == "+vl" ? 32 : 64;
        f.description = "list view";
        return f;
    }
    if (format == "+r") {
        f.layout = ArrowLayout::run_end_encoded;
        f.description = "run-end encoded";
        return f;
    }
    bad_format(format, "is not an Arrow type ndbridge knows (C Data Interface format strings)");
}

void validate_arrow_schema(const ArrowSchema& schema) { validate_schema_at(schema, 0); }

void validate_arrow_array(const ArrowArray& array, const ArrowSchema& schema) { validate_array_at(array, schema, 0); }

// ---- ownership: the consumer copies the struct and marks the source released ----

ArrowSchemaHandle::ArrowSchemaHandle() noexcept : schema_{} {}
ArrowSchemaHandle::ArrowSchemaHandle(ArrowSchema* source) noexcept : schema_(*source) { source->release = nullptr; }
ArrowSchemaHandle::ArrowSchemaHandle(ArrowSchemaHandle&& other) noexcept : schema_(other.schema_) {
    other.schema_.release = nullptr;
}
ArrowSchemaHandle& ArrowSchemaHandle::operator=(ArrowSchemaHandle&& other) noexcept {
    if (this != &other) {
        if (schema_.release != nullptr) schema_.release(&schema_);
        schema_ = other.schema_;
        other.schema_.release = nullptr;
    }
    return *this;
}
ArrowSchemaHandle::~ArrowSchemaHandle() {
    if (schema_.release != nullptr) schema_.release(&schema_);
}

ArrowArrayHandle::ArrowArrayHandle() noexcept : array_{} {}
ArrowArrayHandle::ArrowArrayHandle(ArrowArray* source) noexcept : array_(*source) { source->release = nullptr; }
ArrowArrayHandle::ArrowArrayHandle(ArrowArrayHandle&& other) noexcept : array_(other.array_) {
    other.array_.release = nullptr;
}
ArrowArrayHandle& ArrowArrayHandle::operator=(ArrowArrayHandle&& other) noexcept {
    if (this != &other) {
        if (array_.release != nullptr) array_.release(&array_);
        array_ = other.array_;
        other.array_.release = nullptr;
    }
    return *this;
}
ArrowArrayHandle::~ArrowArrayHandle() {
    if (array_.release != nullptr) array_.release(&array_);
}

ArrowTable import_arrow_array(ArrowSchema* schema, ArrowArray* array) {
    ArrowTable table;
    table.schema = ArrowSchemaHandle(schema);  // both moved before anything can throw
    table.chunks.emplace_back(array);
    if (table.schema.get().release == nullptr) fail(ErrorKind::value, "Arrow schema was already released");
    validate_arrow_schema(table.schema.get());
    validate_arrow_array(table.chunks.front().get(), table.schema.get());
    return table;
}

ArrowTable import_arrow_stream(ArrowArrayStream* source) {
    // Moved like the other structs; released when this function returns, on every path.
    ArrowArrayStream stream = *source;
    source->release = nullptr;
    struct Release {
        ArrowArrayStream* s;
        ~Release() {
            if (s->release != nullptr) s->release(s);
        }
    } release{&stream};
    if (stream.release == nullptr) fail(ErrorKind::value, "Arrow stream was already released (release is null)");
    if (stream.get_schema == nullptr || stream.get_next == nullptr)
        fail(ErrorKind::value, "Arrow stream has a null get_schema or get_next callback");
    auto producer_error = [&](const char* call, int code) {
        const char* text = stream.get_last_error != nullptr ? stream.get_last_error(&stream) : nullptr;
        fail(ErrorKind::value, "Arrow stream: ", call, " failed with error ", code, ": ",
             text != nullptr ? std::string(text) : std::string("(no message)"));
    };
    ArrowTable table;
    ArrowSchema schema{};
    if (const int code = stream.get_schema(&stream, &schema); code != 0) {
        if (schema.release != nullptr) schema.release(&schema);
        producer_error("get_schema", code);
    }
    table.schema = ArrowSchemaHandle(&schema);
    if (table.schema.get().release == nullptr) fail(ErrorKind::value, "Arrow stream gave a released schema");
    validate_arrow_schema(table.schema.get());
    for (;;) {
        ArrowArray chunk{};
        if (const int code = stream.get_next(&stream, &chunk); code != 0) {
            if (chunk.release != nullptr) chunk.release(&chunk);
            producer_error("get_next", code);
        }
        if (chunk.release == nullptr) break;  // the end of the stream
        table.chunks.emplace_back(&chunk);
        validate_arrow_array(table.chunks.back().get(), table.schema.get());
    }
    return table;
}

std::vector<ArrowColumn> arrow_columns(const ArrowTable& table) {
    const ArrowSchema& schema = table.schema.get();
    auto column_of = [](const ArrowSchema& s) {
        ArrowColumn c;
        c.name = field_name(s);
        c.schema = &s;
        const ArrowFormat own = parse_arrow_format(s.format);
        if (s.dictionary != nullptr) {
            c.indices = own.dtype;
            c.format = parse_arrow_format(s.dictionary->format);
            c.format.description = "dictionary<" + own.description + ", " + c.format.description + ">";
        } else {
            c.format = own;
        }
        return c;
    };
    std::vector<ArrowColumn> columns;
    if (!is_table_schema(schema)) {
        columns.push_back(column_of(schema));
        return columns;
    }
    for (std::int64_t i = 0; i < schema.n_children; ++i) columns.push_back(column_of(*schema.children[i]));
    return columns;
}

bool arrow_is_table(const ArrowTable& table) noexcept {
    return table.schema.get().format != nullptr && is_table_schema(table.schema.get());
}

std::int64_t arrow_row_count(const ArrowTable& table) {
    std::int64_t rows = 0;
    for (const ArrowArrayHandle& chunk : table.chunks) {
        if (chunk.get().length > kInt64Max - rows)
            fail(ErrorKind::overflow, "Arrow data: the chunks' lengths add up to more than int64 can count");
        rows += chunk.get().length;
    }
    return rows;
}

DType arrow_column_dtype(const ArrowColumn& column) {
    if (column.indices) return *column.indices;
    if (column.format.dtype) return *column.format.dtype;
    fail(ErrorKind::type, "Arrow column '", column.name, "' is of type ", column.format.description,
         ", which is not numbers; select the numeric columns (columns=) or convert it first");
}

void append_arrow_column_sources(const ArrowTable& table, std::size_t index, std::int64_t output_column,
                                 std::vector<ColumnSource>& sources, ArrowScratch& scratch) {
    const std::vector<ArrowColumn> columns = arrow_columns(table);
    const ArrowColumn& column = columns.at(index);
    const DType dtype = arrow_column_dtype(column);
    const ArrowFormat values = column.indices ? parse_arrow_format(column.schema->format) : column.format;
    std::int64_t row = 0;
    for (const ArrowArrayHandle& chunk : table.chunks) {
        const ChunkColumn c = chunk_column(table, chunk.get(), index);
        const ArrowArray& a = *c.array;
        if (c.parent_offset != 0 || c.array != &chunk.get()) {
            // Missing rows of a struct itself (not of its children) are not a frame's nulls.
            if (chunk.get().null_count != 0 && chunk.get().n_buffers > 0 && chunk.get().buffers[0] != nullptr &&
                count_arrow_nulls(static_cast<const std::uint8_t*>(chunk.get().buffers[0]), chunk.get().offset,
                                  chunk.get().length) != 0)
                fail(ErrorKind::value, "Arrow record batch has missing rows (nulls in the struct itself), which ",
                     "ndbridge does not read as missing values of every column");
        }
        const std::int64_t first = a.offset + c.parent_offset;  // element index in the buffers
        if (column.indices) check_dictionary_indices(a, *c.schema, *column.indices, first, c.length);
        ColumnSource s;
        s.name = column.name;
        s.dtype = dtype;
        s.length = c.length;
        s.row_offset = row;
        s.column = output_column;
        s.stride = dtype.itemsize();
        if (values.layout == ArrowLayout::null) {
            // Every value missing: zero data, an all-zero bitmap.
            auto zeros = scratch_bytes(c.length * dtype.itemsize() + (c.length + 7) / 8);
            std::memset(zeros.get(), 0, static_cast<std::size_t>(c.length * dtype.itemsize() + (c.length + 7) / 8));
            s.data = zeros.get();
            s.validity_bits = reinterpret_cast<const std::uint8_t*>(zeros.get() + c.length * dtype.itemsize());
            s.validity_bit_offset = 0;
            scratch.push_back(std::move(zeros));
        } else {
            const auto* values_buffer = static_cast<const std::byte*>(a.buffers[1]);
            if (values.layout == ArrowLayout::boolean) {
                // Bit-packed values unpacked to one byte each, what the column pass reads.
                auto bytes = scratch_bytes(c.length);
                const auto* bits = reinterpret_cast<const std::uint8_t*>(values_buffer);
                for (std::int64_t i = 0; i < c.length; ++i)
                    bytes[static_cast<std::size_t>(i)] = std::byte{bit(bits, first + i)};
                s.data = bytes.get();
                scratch.push_back(std::move(bytes));
            } else if (values.bit_width == 32 && dtype.itemsize() == 8) {
                // 32-bit dates, times and month intervals widened to the 64-bit datetime64/timedelta64.
                auto wide = scratch_bytes(c.length * 8);
                for (std::int64_t i = 0; i < c.length; ++i) {
                    std::int32_t v = 0;
                    std::memcpy(&v, values_buffer + (first + i) * 4, 4);
                    const std::int64_t w = v;
                    std::memcpy(wide.get() + i * 8, &w, 8);
                }
                s.data = wide.get();
                scratch.push_back(std::move(wide));
            } else {
                s.data = values_buffer == nullptr ? nullptr : values_buffer + first * dtype.itemsize();
            }
            s.validity_bits = validity_of(a);
            s.validity_bit_offset = first;
        }
        sources.push_back(std::move(s));
        row += c.length;
    }
}

std::optional<Array> arrow_column_view(const ArrowTable& table, std::size_t index, const Owner& owner) {
    if (table.chunks.size() != 1) return std::nullopt;
    const ChunkColumn c = chunk_column(table, table.chunks.front().get(), index);
    if (c.schema->dictionary != nullptr) return std::nullopt;
    const ArrowFormat format = parse_arrow_format(c.schema->format);
    if (format.layout != ArrowLayout::fixed || !format.dtype) return std::nullopt;
    const DType dtype = *format.dtype;
    if (format.bit_width != dtype.itemsize() * 8) return std::nullopt;
    const ArrowArray& a = *c.array;
    const std::int64_t first = a.offset + c.parent_offset;
    if (const std::uint8_t* validity = validity_of(a);
        validity != nullptr && count_arrow_nulls(validity, first, c.length) != 0)
        return std::nullopt;
    const std::int64_t shape[1] = {c.length};
    auto* data = static_cast<std::byte*>(const_cast<void*>(a.buffers[1]));
    if (data != nullptr) data += first * dtype.itemsize();
    return Array::wrap(data, dtype, shape, {}, Device::cpu(), /*readonly=*/true, owner);
}

std::int64_t count_arrow_nulls(const std::uint8_t* validity, std::int64_t offset, std::int64_t length) noexcept {
    if (validity == nullptr || length <= 0) return 0;
    std::int64_t valid = 0;
    std::int64_t i = offset;
    const std::int64_t end = offset + length;
    for (; i < end && (i & 7) != 0; ++i) valid += bit(validity, i) ? 1 : 0;
    for (; i + 64 <= end; i += 64) {
        std::uint64_t word = 0;
        std::memcpy(&word, validity + i / 8, 8);
        valid += std::popcount(word);
    }
    for (; i < end; ++i) valid += bit(validity, i) ? 1 : 0;
    return length - valid;
}

}  // namespace ndbridge
