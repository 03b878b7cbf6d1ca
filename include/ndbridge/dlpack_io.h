// ndbridge/dlpack_io.h — DLPack import and export of Arrays. Ownership is the whole contract here:
// an imported tensor's deleter is called exactly once (at once when the import fails, else when the
// last view of it goes away, on whichever thread that is); an exported tensor's deleter releases
// the Array's owner exactly once.
#pragma once

#include "ndbridge/array.h"
#include "ndbridge/dlpack.h"

namespace ndbridge {

/// Takes ownership of `tensor` and views it. Checks, in order: major version (== 1; on a mismatch
/// only the deleter is touched), ndim (0..64), dtype (ndbridge's types, lanes 1), device, shape
/// (>= 0), strides (NULL = compact row-major), size and offset arithmetic. On any failure the
/// deleter is called, then Error(buffer/type/value/overflow) is thrown. READ_ONLY gives a read-only
/// array.
Array import_dlpack(DLManagedTensorVersioned* tensor);
/// The legacy form: the same checks without a version; the result is always read-only (DESIGN §4).
Array import_dlpack(DLManagedTensor* tensor);

/// Why `a` cannot be exported as it is, or nullptr when it can: DLPack has no byte order and counts
/// strides in elements, so non-native data and strides that are not a multiple of the item size
/// need a copy first; types DLPack cannot express (datetime, strings, longdouble) cannot go at all.
const char* dlpack_export_obstacle(const Array& a) noexcept;

/// A new owning tensor viewing `a` (which must have no obstacle: else Error(buffer) naming it).
/// READ_ONLY is set for read-only arrays; IS_COPIED when `is_copy` says the array is a private copy.
DLManagedTensorVersioned* export_dlpack_versioned(Array a, bool is_copy = false);
/// The legacy form. Error(buffer) for read-only arrays: the legacy struct cannot say "do not write".
DLManagedTensor* export_dlpack_legacy(Array a);

}  // namespace ndbridge
