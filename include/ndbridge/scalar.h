// ndbridge/scalar.h — one element as a value: reading an element of any dtype (for item/tolist) and
// writing a value into one (for __setitem__ of scalars), with NumPy's value rules for Python scalars.
#pragma once

#include <complex>
#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>

#include "ndbridge/array.h"
#include "ndbridge/dtype.h"

namespace ndbridge {

/// A datetime64/timedelta64 count in its dtype's unit; NaT is INT64_MIN.
struct TimeCount {
    std::int64_t count;
    static constexpr std::int64_t kNaT = INT64_MIN;
};

/// A value as the Python side sees it: bool, int (signed or beyond int64 as unsigned), float, complex,
/// a time count, bytes, or a UCS-4 string.
using Scalar = std::variant<bool, std::int64_t, std::uint64_t, double, std::complex<double>, TimeCount, std::string,
                            std::u32string>;

/// Reads the element at `p` (any byte order and alignment). Floats of every width come back as double
/// (longdouble rounds), strings without their trailing NULs, as NumPy's item() does.
Scalar load_scalar(DType dtype, const std::byte* p);

/// Writes `value` into the element at `p` (any byte order and alignment), converting as NumPy converts
/// a Python scalar: an int that does not fit the integer dtype is Error(overflow) naming the value and
/// dtype; NaN or inf into an integer is Error(value); a float is truncated toward zero into an
/// integer and Error(overflow) when it does not fit; complex into a real dtype is Error(type); strings
/// into numbers and numbers into strings are Error(type); strings longer than the dtype are truncated.
void store_scalar(DType dtype, std::byte* p, const Scalar& value);

/// Writes `value` into every element of `dst` (which must be writable: Error(value) names the rule).
/// The value is converted once, then copied: either all elements are written or none.
void fill(const Array& dst, const Scalar& value);

}  // namespace ndbridge
