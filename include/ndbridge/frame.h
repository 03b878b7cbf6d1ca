// Frames to arrays: the one fused pass that writes columns (pandas columns, Arrow chunks) into their
// place in a 2-D output, casting, applying the null policy and filling a mask on the way. Readers of
// pandas and Arrow only describe their columns as ColumnSource values; this pass does all the writing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "ndbridge/array.h"
#include "ndbridge/dtype.h"

namespace ndbridge {

// What a missing value becomes (ndb.from_dataframe's `nulls=`).
enum class NullPolicy : std::uint8_t {
    nan_or_raise,  // None: NaN in floating results, an error naming the column and the count otherwise
    raise,         // "raise": any missing value is an error
    nan,           // "nan": NaN (an error for integer and bool results, which cannot hold it)
    fill,          // a number: that number, cast to the result dtype
    mask,  // "mask": NaN (NaT) in floating (time) results, the source's own value otherwise; mask_out says where
};

struct NullOptions {
    NullPolicy policy = NullPolicy::nan_or_raise;
    double fill = 0.0;  // for NullPolicy::fill
};

// One column, or one chunk of one column, of a frame: `length` elements of `dtype` from `data`, `stride`
// bytes apart, written to output rows [row_offset, row_offset + length) of output column `column`.
// Which elements are missing comes from at most one of: an Arrow validity bitmap (bit i + bit_offset set
// means element i is valid), a byte mask (nonzero means missing, pandas' nullable arrays), a sentinel
// (the raw integer value that means missing: -1 category codes, NaT's INT64_MIN), or NaN for float
// sources when `nan_is_missing` (NumPy-backed pandas columns, where isna counts NaN).
struct ColumnSource {
    std::string name;  // for error messages: the column's label as the user wrote it
    DType dtype;
    const std::byte* data = nullptr;
    std::int64_t stride = 0;  // bytes
    std::int64_t length = 0;
    std::int64_t row_offset = 0;
    std::int64_t column = 0;
    const std::uint8_t* validity_bits = nullptr;
    std::int64_t validity_bit_offset = 0;
    const std::uint8_t* missing_bytes = nullptr;
    std::optional<std::int64_t> missing_sentinel;
    bool nan_is_missing = false;
    // For a datetime64/timedelta64 source written into a non-time result: the unit of the written count
    // (the source's own unit when unset). Into a time result, counts convert to the result's unit.
    std::optional<TimeUnit> count_unit;
};

// Writes every source into `out` (2-D: rows x columns, any strides, CPU, writable) in one pass over the
// output, blocked by rows so that a C-order output is written once, threaded with the copy engine's pool.
// `mask_out`, when given (bool, same shape as `out`), is set True exactly where a value is missing.
// Errors (ErrorKind::value) name the column and the count of missing values; nothing is written
// to `out` before every source has been checked against the policy. Sources of one output column must
// not overlap in rows; rows no source covers are left as they are. Sources must be numeric or time
// types (any byte order, any alignment); time sources convert to numbers as counts.
void write_columns(std::span<const ColumnSource> sources, const NullOptions& nulls, const Array& out,
                   const Array* mask_out = nullptr);

}  // namespace ndbridge
