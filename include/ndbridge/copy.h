// ndbridge/copy.h — the copy/cast engine: moves elements between any two dtypes and any two layouts
// in one pass (cast, byte swap and layout change together), with NumPy's values for in-range results.
#pragma once

#include "ndbridge/array.h"

namespace ndbridge {

/// Copies `src` into `dst`, converting every element to dst's dtype. Shapes must be equal, or `src`
/// broadcastable to `dst` (NumPy's rule). Any layouts on both sides: C, F, permuted, negative or zero
/// strides, non-native byte order, unaligned. Overlapping memory is handled (through one temporary).
///
/// Values: in-range results equal NumPy's astype bit for bit (rounding to nearest even); float16 from
/// float64 rounds once and from other types (integers, longdouble) through float32, as NumPy does;
/// bfloat16 and float8 round through float32 from every type, as ml_dtypes and PyTorch do; complex
/// to real keeps the real part. NaN payloads other than the default quiet NaN are not kept. Float to
/// integer truncates toward zero, saturates at the target's range and maps NaN to 0 (NumPy leaves
/// these platform-dependent; ndbridge defines them). Datetimes and timedeltas convert units with floor
/// division (NumPy's rule) and keep NaT; a result outside int64 is NaT (NumPy wraps silently); they
/// convert to and from integers as raw counts. Byte and unicode strings copy to any string dtype
/// (truncating or NUL-padding; unicode to bytes requires ASCII). Numbers <-> strings: Error(type).
///
/// Errors (type for impossible casts, value for read-only or non-host `dst`, value for shapes that do
/// not broadcast) are raised before anything is written.
void copy_into(const Array& dst, const Array& src);

/// Float-to-integer elements that copy_into mapped to something other than their truncation toward
/// zero (NaN became 0; infinities and values outside the integer type's range became its nearest
/// bound) in the calling thread's copies since the last take: NumPy warns "invalid value encountered
/// in cast" for them, and the binding does once per call. `to` is the last such cast's target.
struct InvalidCasts {
    std::int64_t count = 0;
    DType to;
};
/// The invalid float-to-integer elements counted so far in this thread; resets the count.
InvalidCasts take_invalid_casts() noexcept;

/// True when copy_into can convert `from` to `to` (it then fails only for ASCII violations).
bool can_convert(DType from, DType to) noexcept;

/// A new host array with src's elements, laid out by `order` (K keeps src's stride order).
Array copy(const Array& src, MemoryOrder order = MemoryOrder::K);

/// A new C-contiguous host array of `dtype` and `shape` with the elements of the C-contiguous host memory at
/// `src`: what `copy` gives for a C-contiguous source, without an Array for the source (its shape and byte
/// extent are the caller's to vouch for; Error for a shape `Array::empty` refuses). One contiguous byte
/// copy, split over threads as `copy` splits it.
Array copy_c_contiguous(const void* src, DType dtype, std::span<const std::int64_t> shape);

/// `src` as `dtype`. With `force_copy` false the source itself is returned when nothing needs to
/// change (same dtype, and its layout satisfies `order`); otherwise a new array as `copy` lays out.
Array astype(const Array& src, DType dtype, MemoryOrder order = MemoryOrder::K, bool force_copy = true);

/// True when `a` satisfies `order` without a copy: C/F contiguity for C/F; K and A always (NumPy's
/// asarray shares a non-contiguous array under order='A' and only uses A to lay out a copy).
bool satisfies_order(const Array& a, MemoryOrder order) noexcept;

}  // namespace ndbridge
