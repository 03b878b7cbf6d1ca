// Shared declarations of the binding layer: conversions between Python objects and core values.
// Everything here runs with the GIL held unless a comment says otherwise.
#pragma once

#include <string>
#include <string_view>

#include <nanobind/nanobind.h>

#include "ndbridge/array.h"
#include "ndbridge/dtype.h"
#include "ndbridge/scalar.h"

namespace ndbridge::python {

namespace nb = nanobind;

/// ndb.CopyError (a subclass of both ValueError and BufferError); set up by the module.
extern PyObject* copy_error_type;

/// The name of obj's type ("list", "ndarray"), for messages.
std::string py_type_name(nb::handle obj);
/// repr(obj) cut to 60 characters, for messages; never raises.
std::string short_repr(nb::handle obj);

/// Any dtype spelling: ndb.dtype, str, Python bool/int/float/complex, NumPy dtypes and scalar types,
/// ml_dtypes types, torch dtypes, objects with a `.dtype`. TypeError naming the object otherwise.
DType dtype_from_object(nb::handle spec);

/// A Python scalar (bool, int, float, complex, bytes, str, NumPy scalar) as a core Scalar.
Scalar scalar_from_object(nb::handle value);
/// An element as a Python object: bool/int/float/complex/bytes/str, datetime.date/datetime/timedelta
/// or int for time types (as NumPy's item() does), None for NaT.
nb::object scalar_to_object(DType dtype, const Scalar& value);

/// An owner that holds a strong reference to `obj` and drops it (taking the GIL) on release.
Owner owner_of(nb::handle obj);

/// Whether `type` has a class whose tp_name is `tp_name` ("numpy.ndarray") anywhere in its MRO.
bool type_derives_from(PyTypeObject* type, std::string_view tp_name);
/// ndarray or a subclass / a NumPy scalar (np.generic), recognised without importing NumPy.
bool is_numpy_array(nb::handle obj);
bool is_numpy_scalar(nb::handle obj);

/// Views what an __array_interface__ dict (version 3) describes: 'data' as (address, read_only), or as
/// a buffer object, or missing (then `obj` exports the buffer); ml_dtypes types are read from obj.dtype.
Array array_from_interface(nb::handle obj, nb::handle iface, Device device);

/// Views a NumPy ndarray exactly (dtype with byte order, datetimes, strings, ml_dtypes types).
Array array_from_numpy(nb::handle obj);

/// Views the memory of a NumPy array, a buffer-protocol object or an ndb.Array; nullopt when `obj`
/// offers none of these. Errors (bad format, suboffsets, ...) raise.
std::optional<Array> array_from_memory(nb::handle obj);

/// Imports a DLPack capsule of either form (renaming it to used_*, so it can be consumed only once).
Array import_capsule(nb::handle capsule);

void bind_dtype(nb::module_& m);
void bind_dlpack(nb::module_& m);
void bind_asarray(nb::module_& m);
void bind_export(nb::module_& m);

/// The type slots of ndb.Array that implement the buffer protocol.
const PyType_Slot* array_type_slots();
void bind_array(nb::module_& m);
void bind_import(nb::module_& m);
void bind_sanitizer_canary(nb::module_& m);  // sanitized builds only (NDBRIDGE_SANITIZER_CANARY)

}  // namespace ndbridge::python
