// ndbridge/arrow.h — Arrow data in: the C Data Interface structs (written from the Arrow specification),
// their format strings, the validation of a whole schema and array before a byte of data is read, and
// the description of validated columns as ColumnSource values for the fused column pass (frame.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "ndbridge/array.h"
#include "ndbridge/dtype.h"
#include "ndbridge/frame.h"

// ---- The C ABI, as the specification defines it (guarded so that another copy of it can coexist) ----
extern "C" {
#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE

#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4

/// A type: format string, field name, children (nested types) and the dictionary's value type.
/// `release` is null once released; the producer's callback frees everything the struct points to.
struct ArrowSchema {
    const char* format;  ///< the type, e.g. "g" (float64), "tsu:UTC", "+s"; never null
    const char* name;    ///< the field name, UTF-8; may be null
    const char* metadata;
    int64_t flags;  ///< ARROW_FLAG_*
    int64_t n_children;
    struct ArrowSchema** children;
    struct ArrowSchema* dictionary;  ///< non-null exactly when this type is dictionary-encoded (indices in `format`)
    void (*release)(struct ArrowSchema*);
    void* private_data;
};

/// Data: `length` logical elements starting at element `offset` of the buffers (units are elements,
/// not bytes; for bit-packed buffers, bits). `null_count` -1 means not computed.
struct ArrowArray {
    int64_t length;
    int64_t null_count;
    int64_t offset;
    int64_t n_buffers;
    int64_t n_children;
    const void** buffers;  ///< buffers[0] is the validity bitmap (null when nothing is missing) for most types
    struct ArrowArray** children;
    struct ArrowArray* dictionary;
    void (*release)(struct ArrowArray*);
    void* private_data;
};
#endif  // ARROW_C_DATA_INTERFACE

#ifndef ARROW_C_STREAM_INTERFACE
#define ARROW_C_STREAM_INTERFACE
/// A sequence of arrays of one schema. The callbacks return 0 or an errno value; get_next signals the
/// end with a released (release == null) array.
struct ArrowArrayStream {
    int (*get_schema)(struct ArrowArrayStream*, struct ArrowSchema* out);
    int (*get_next)(struct ArrowArrayStream*, struct ArrowArray* out);
    const char* (*get_last_error)(struct ArrowArrayStream*);
    void (*release)(struct ArrowArrayStream*);
    void* private_data;
};
#endif  // ARROW_C_STREAM_INTERFACE
}

namespace ndbridge {

/// How a type's data is laid out in buffers, as far as validation needs to know.
enum class ArrowLayout : std::uint8_t {
    null,             ///< "n": no buffers, every value missing
    boolean,          ///< "b": validity + bit-packed values
    fixed,            ///< numbers, dates, times, timestamps, durations, decimals, "w:N": validity + values
    variable,         ///< strings and binaries with 32- or 64-bit offsets: validity + offsets + bytes
    view,             ///< string/binary views: validity + views + variadic data buffers + their sizes
    list,             ///< "+l", "+L", "+m": validity + offsets, one child
    list_view,        ///< "+vl", "+vL": validity + offsets + sizes, one child
    fixed_list,       ///< "+w:N": validity, one child of N values per element
    struct_,          ///< "+s": validity, any number of children of the parent's length
    sparse_union,     ///< "+us:...": type ids, children
    dense_union,      ///< "+ud:...": type ids + offsets, children
    run_end_encoded,  ///< "+r": no buffers, two children (run ends, values)
};

/// A parsed format string.
struct ArrowFormat {
    ArrowLayout layout = ArrowLayout::null;
    /// What ndbridge reads the values as; nullopt for types that are not numbers (strings, binaries,
    /// decimals, nested types, intervals of two fields).
    std::optional<DType> dtype;
    /// Bits of one value in buffer 1 (fixed and boolean layouts); a 32-bit date or time read as a 64-bit
    /// datetime64/timedelta64 is widened.
    std::int64_t bit_width = 0;
    std::int64_t fixed_size = 0;  ///< N of "w:N" and "+w:N"
    std::string timezone;         ///< of a timestamp ("" when naive)
    std::string description;      ///< for messages: "float64", "utf8 string", "timestamp[us, tz=UTC]"
};

/// Parses an Arrow format string. Error(value) naming the format for anything malformed or unknown.
ArrowFormat parse_arrow_format(std::string_view format);

/// Checks a schema tree (depth at most kMaxNdim levels): not released, a format that parses, the number
/// of children the format needs, non-null child pointers, integer dictionary indices. Reads nothing else.
void validate_arrow_schema(const ArrowSchema& schema);
/// Checks an array tree against its validated schema before any data is read: not released, length,
/// offset and null_count in range and without overflow (offset + length, its bytes and its bitmap
/// bytes), the buffer count of the layout, the non-null buffers it needs (a validity bitmap whenever
/// null_count > 0), children and dictionary as the schema says, children long enough for the parent.
/// Reads no data (only the producer's lengths bound its buffers); the indices of a dictionary-encoded
/// column are range-checked by append_arrow_column_sources, their first read. Error(value) or
/// Error(overflow) naming the field, the rule and the values.
void validate_arrow_array(const ArrowArray& array, const ArrowSchema& schema);

/// An imported ArrowSchema, moved out of the producer's struct as the specification asks of consumers
/// (the source is left released, so its own capsule destructor does nothing); released exactly once.
class ArrowSchemaHandle {
public:
    ArrowSchemaHandle() noexcept;
    explicit ArrowSchemaHandle(ArrowSchema* source) noexcept;
    ArrowSchemaHandle(ArrowSchemaHandle&& other) noexcept;
    ArrowSchemaHandle& operator=(ArrowSchemaHandle&& other) noexcept;
    ~ArrowSchemaHandle();
    const ArrowSchema& get() const noexcept { return schema_; }
    ArrowSchema* raw() noexcept { return &schema_; }

private:
    ArrowSchema schema_;
};

/// The same for an ArrowArray.
class ArrowArrayHandle {
public:
    ArrowArrayHandle() noexcept;
    explicit ArrowArrayHandle(ArrowArray* source) noexcept;
    ArrowArrayHandle(ArrowArrayHandle&& other) noexcept;
    ArrowArrayHandle& operator=(ArrowArrayHandle&& other) noexcept;
    ~ArrowArrayHandle();
    const ArrowArray& get() const noexcept { return array_; }
    ArrowArray* raw() noexcept { return &array_; }

private:
    ArrowArray array_;
};

/// Arrow data as one schema and its chunks, all validated. A struct schema ("+s": record batches,
/// tables, data frames) has one column per child; any other schema is one column.
struct ArrowTable {
    ArrowSchemaHandle schema;
    std::vector<ArrowArrayHandle> chunks;
};

/// Imports one array (both structs moved from; released on every path) and validates it.
ArrowTable import_arrow_array(ArrowSchema* schema, ArrowArray* array);
/// Drains a stream (moved from; released on every path): its schema, then every chunk, each validated.
/// Error(value) with the producer's get_last_error text when a callback fails.
ArrowTable import_arrow_stream(ArrowArrayStream* stream);

/// One column of a table: its name, its type, and the schema node it came from.
struct ArrowColumn {
    std::string name;
    ArrowFormat format;            ///< of the values: the dictionary's value type for dictionaries
    std::optional<DType> indices;  ///< a dictionary's index dtype (the column then reads as codes)
    const ArrowSchema* schema = nullptr;
};
std::vector<ArrowColumn> arrow_columns(const ArrowTable& table);
/// True when the table's schema is a struct ("+s", not dictionary-encoded): one column per child.
bool arrow_is_table(const ArrowTable& table) noexcept;
/// Rows of the table: the sum of its chunks' lengths (Error(overflow) when that does not fit).
std::int64_t arrow_row_count(const ArrowTable& table);

/// The dtype a column is read as (the index dtype for dictionaries). Error(type) naming the column and
/// its Arrow type for columns that are not numbers (strings, binaries, decimals, nested types).
DType arrow_column_dtype(const ArrowColumn& column);

/// Memory that describing a column needed: bit-packed bools unpacked to bytes, 32-bit dates and times
/// widened to 64 bits. Kept alive with the sources that point into it.
using ArrowScratch = std::vector<std::unique_ptr<std::byte[]>>;

/// Appends one ColumnSource per chunk of column `index` (output column `output_column`, rows in chunk
/// order). Dictionary columns give their indices, each valid one first checked to lie in 0..dictionary
/// length - 1 (Error(value) naming the column, the index, its element and the length; indices under a
/// null are not read); validity bitmaps are passed on, not read.
void append_arrow_column_sources(const ArrowTable& table, std::size_t index, std::int64_t output_column,
                                 std::vector<ColumnSource>& sources, ArrowScratch& scratch);

/// Column `index` as a read-only 1-D view when it is one chunk of a fixed-width type read as it is stored
/// and nothing is missing: the zero-copy case. nullopt otherwise. `owner` keeps the table alive.
std::optional<Array> arrow_column_view(const ArrowTable& table, std::size_t index, const Owner& owner);

/// Missing values among `length` bits of a validity bitmap starting at bit `offset`.
std::int64_t count_arrow_nulls(const std::uint8_t* validity, std::int64_t offset, std::int64_t length) noexcept;

}  // namespace ndbridge
