// The binding layer's shared declarations: one section per unit, in the order a conversion runs
// (arguments -> probe -> readers -> share or copy -> target). Everything here runs with the GIL held
// unless a comment says otherwise.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include <nanobind/nanobind.h>

#include "ndbridge/array.h"
#include "ndbridge/arrow.h"
#include "ndbridge/convert.h"
#include "ndbridge/copy.h"
#include "ndbridge/dlpack.h"
#include "ndbridge/dtype.h"
#include "ndbridge/error.h"
#include "ndbridge/scalar.h"

namespace ndbridge::python {

namespace nb = nanobind;

// ---------------------------------------------------------------------------------------------- module.cpp

/// ndb.CopyError (a subclass of both ValueError and BufferError); set up by the module.
extern PyObject* copy_error_type;
/// The Python exception of a core error kind: the one table.
PyObject* exception_for(ErrorKind kind);

/// Runs an entry point's body and puts the user-facing function's name in front of every core error
/// it raises ("asarray: ..."): the core and the readers never name a caller, so the name is written
/// once, here. Python exceptions (a producer's own) pass through untouched.
[[noreturn]] void rethrow_named(const char* function, const Error& e);
template <class Body>
decltype(auto) named(const char* function, Body&& body) {
    try {
        return body();
    } catch (const Error& e) {
        rethrow_named(function, e);
    }
}

/// Copies of at most this many bytes keep the GIL (copying, below).
inline constexpr std::int64_t kCopyKeepsGilBytes = std::int64_t{1} << 18;

/// Runs `body`, which moves `bytes` bytes through the copy engine, without the GIL when that is
/// large enough for other Python threads to gain: above 256 KiB. A release and reacquire cost ~0.1 us,
/// 5% of a 64 KiB copy, while a copy of 256 KiB holds other threads for under 10 us (the interpreter's
/// switch interval is 5 ms).
/// The body must not touch Python objects.
/// The RuntimeWarning for the invalid float-to-integer elements the copies since the last take_invalid_casts
/// met (none: nothing); a warning turned into an error by the warnings filter raises.
void warn_invalid_casts();

/// Float-to-integer casts that met NaN, infinity or out-of-range values warn after the copy, once per
/// call, as NumPy does (RuntimeWarning "invalid value encountered in cast").
template <class Body>
decltype(auto) copying(std::int64_t bytes, Body&& body) {
    (void)take_invalid_casts();
    auto run = [&]() -> decltype(auto) {
        if (bytes <= kCopyKeepsGilBytes) return body();
        nb::gil_scoped_release release;
        return body();
    };
    if constexpr (std::is_void_v<decltype(body())>) {
        run();
        warn_invalid_casts();
    } else {
        decltype(auto) result = run();
        warn_invalid_casts();
        return result;
    }
}

// ---------------------------------------------------------------------------------------------- values.cpp

/// The name of obj's type ("list", "ndarray"), for messages.
std::string py_type_name(nb::handle obj);
/// repr(obj) cut to 60 characters, for messages; never raises.
std::string short_repr(nb::handle obj);

/// Any dtype spelling: ndb.dtype, str, Python bool/int/float/complex, NumPy dtypes and scalar types,
/// ml_dtypes types, torch dtypes, objects with a `.dtype`. Error(type) naming the object otherwise.
DType dtype_from_object(nb::handle spec);

/// A Python scalar (bool, int, float, complex, bytes, str, NumPy scalar) as a core Scalar.
Scalar scalar_from_object(nb::handle value);
/// An element as a Python object: bool/int/float/complex/bytes/str, datetime.date/datetime/timedelta
/// or int for time types (as NumPy's item() does), None for NaT.
nb::object scalar_to_object(DType dtype, const Scalar& value);
/// The element at `p` as item() and tolist() give it: scalar_to_object of its value, except that long
/// double elements become NumPy's longdouble/clongdouble scalars (a Python float would round them to
/// double), as NumPy's item() returns them, when NumPy can be imported.
nb::object element_to_object(DType dtype, const std::byte* p);

/// An owner that holds a strong reference to `obj` and drops it (taking the GIL) on release.
Owner owner_of(nb::handle obj);

/// sys.modules[name] when that module is loaded, else an invalid object: asking never imports.
nb::object loaded_module(const char* name);

// ---------------------------------------------------------------------------------------------- args.cpp

/// copy=: None, True, False (NumPy's bools too). Anything else is Error(value): NumPy's truthiness
/// of other objects (copy=0 meaning "never") is a trap.
CopyMode parse_copy(nb::handle copy);
/// order=: 'K', 'A', 'C', 'F' (either case) or None ('K'); Error(type) for a non-string, Error(value)
/// for another letter.
MemoryOrder parse_order(nb::handle order);
/// device=: None, a string ('cpu', 'cuda:0'), a torch.device, or DLPack's (device_type, device_id).
/// None, the per-call case, is answered inline.
std::optional<Device> parse_given_device(nb::handle device);
inline std::optional<Device> parse_device(nb::handle device) {
    if (device.is_none()) return std::nullopt;
    return parse_given_device(device);
}
/// The one request of every entry point: dtype, device, copy and order, each parsed above.
ConversionRequest parse_request(nb::handle dtype, nb::handle device, nb::handle copy, nb::handle order);
/// For dtype=str / bytes without a length: `wanted` with the length of text data `data` (U<n> <-> S<n>
/// keep n); Error(type) naming the data's dtype when it is not text.
DType string_dtype_from_data(DType data, ScalarType wanted);

// ---------------------------------------------------------------------------------------------- probe.cpp

/// The input kinds of DESIGN §3, in probe order.
enum class Kind : unsigned char {
    ndb_array,
    numpy_array,
    exchange_api,
    dlpack,
    capsule,
    buffer,
    array_interface,
    array_struct,
    cuda_interface,
    array_method,
    dask_collection,  ///< a Dask array or frame: lazy, materialized by ndbridge.dask (dask_bridge.cpp)
    arrow,            ///< __arrow_c_stream__ / __arrow_c_array__ (arrow.cpp reads it)
    python_scalar,
    numpy_scalar,
    string,
    sequence,
    unknown,
    pandas,  ///< DataFrame, Series, Index (read through ndbridge._frames)
};

struct Probe {
    Kind kind = Kind::unknown;
    const DLPackExchangeAPI* api = nullptr;  ///< for exchange_api: the type's table
};

/// The kind of `obj`, from a per-type cache (protocols set on an instance are looked up too).
Probe probe(nb::handle obj);
/// Kinds whose objects hold array memory (as opposed to scalars, strings and sequences).
bool is_array_like(Kind kind) noexcept;
/// Exactly numpy.ndarray (not a subclass), recognised by type identity once NumPy has been seen.
bool is_exact_ndarray(nb::handle obj) noexcept;
/// A NumPy scalar (np.generic), recognised without importing NumPy.
bool is_numpy_scalar(nb::handle obj);
/// The exchange table a type publishes, when it is one ndbridge can read.
const DLPackExchangeAPI* exchange_api_of(PyTypeObject* type);

// ---------------------------------------------------------------------------------------------- foreign_readers.cpp

/// Views a NumPy ndarray exactly (dtype with byte order, datetimes, strings, ml_dtypes types),
/// reading its fields without a Python call.
Array read_numpy(nb::handle obj);
/// read_numpy's view without an owner: only for reading while the caller holds a reference to `obj`
/// (the source of a copy made within one call), where the owner's allocation and release cost more than
/// a small copy.
Array read_numpy_unowned(nb::handle obj);
/// The copy of a C-contiguous ndarray in its own dtype (`dtype` unset or equal to it), made by the core's
/// copy_c_contiguous from the array's fields, without a view; without the GIL above 256 KiB. What the
/// ndbridge target's copy=True gives. std::nullopt for an array that is not C-contiguous or a `dtype`
/// that differs. The caller holds a reference to `obj`, which keeps the memory (and refuses a resize).
std::optional<Array> copy_numpy_c_contiguous(nb::handle obj, const std::optional<DType>& dtype);
/// True for NumPy arrays of dtype object, which hold Python objects, not values: they are read as
/// sequences (a copy; CopyError under copy=False).
bool is_object_ndarray(nb::handle obj) noexcept;
/// Reads an object array's elements as asarray reads a nested sequence.
Array read_object_array(nb::handle obj, const ConversionRequest& req);
/// The DType of a NumPy dtype object (cached by object).
DType dtype_of_numpy_descr(PyObject* descr);
/// A NumPy scalar (np.generic): its bytes, read-only.
Array read_numpy_scalar(nb::handle obj);
/// The buffer protocol: format, shape and strides honoured; the export is held by the result.
Array read_buffer(nb::handle obj);
/// An __array_interface__ dict (version 3): 'data' as (address, read_only), a buffer, or missing.
Array read_array_interface(nb::handle obj, nb::handle iface, Device device);
/// NumPy's C-level __array_struct__ capsule.
Array read_array_struct(nb::handle obj);
/// __cuda_array_interface__: device memory described, never read on the host.
Array read_cuda_interface(nb::handle obj);
/// NumPy 2's __array__(dtype=None, copy=None), with the request's dtype and copy passed on; `fresh`
/// tells that the result is new memory (a copy the caller need not make again).
Array read_array_method(nb::handle obj, const ConversionRequest& req, bool& fresh);

// ---------------------------------------------------------------------------------------------- dlpack_import.cpp

/// An interned Python string for an attribute or method name, made once by the caller (kept in a static):
/// these lookups are on the per-call path, where building the name on each call is a measurable share.
PyObject* interned(const char* name);
/// Imports a DLPack capsule of either form (renaming it to used_*, so it can be consumed only once).
Array import_capsule(nb::handle capsule);
/// Imports a DLPack producer (its C exchange API when `p.api` is set, else its __dlpack__); `fresh`
/// tells that the producer copied (a device move, or torch's lazy bits resolved).
Array read_dlpack_producer(nb::handle obj, const Probe& p, const ConversionRequest& req, bool& fresh);
/// An exact torch.Tensor's DLPack export (PyTorch's exchange API) when the per-call fast paths may use it
/// as it is: no lazy conjugate/negative bit, and already pinned against resizing. nullptr for anything
/// else (other types, lazy bits, a first conversion, a failed export): the general path then decides.
/// The caller owns the result (its deleter).
DLManagedTensorVersioned* export_plain_tensor(nb::handle obj);

// ---------------------------------------------------------------------------------------------- sequence_reader.cpp

/// Reads nested sequences of scalars and array-likes into a new C-ordered array: the request's
/// dtype, or the inferred one (DESIGN §4 defaults, floats as req.default_float).
Array read_sequence(nb::handle obj, const ConversionRequest& req);
/// Scalars of every kind (Python and NumPy) and strings: what ends a sequence's nesting.
bool is_scalar_object(nb::handle obj);

// ---------------------------------------------------------------------------------------------- entry_points.cpp

/// The library a result is handed to (like=).
enum class Target : unsigned char { ndbridge, numpy, torch, jax };

/// A view of an array-like's memory (kinds for which is_array_like() is true); `fresh` is set when
/// the producer made a copy for the request.
Array view_of(nb::handle obj, const Probe& p, const ConversionRequest& req, bool& fresh);
/// The pipeline of every entry point: probe, view (or read), share or copy, hand to the target.
nb::object convert_object(nb::handle obj, ConversionRequest req, Target target, bool requires_grad);
/// The same pipeline into a core Array (what __setitem__ assigns from).
Array to_array(nb::handle obj, const ConversionRequest& req);
/// Sets the Python error for the C++ exception being handled (core errors by their kind, Python errors
/// restored, nanobind's exceptions by their type): for builtins that are not nanobind functions.
void set_python_error_from_exception() noexcept;

// ---------------------------------------------------------------------------------------------- targets.cpp

/// like=: None, 'ndbridge', 'numpy', 'torch', 'jax', one of those modules, or an array (or array
/// type) of one. Error(value) naming the object otherwise.
Target parse_like(nb::handle like);
/// like= spelled None or as one of the strings 'torch', 'numpy', 'ndbridge', 'jax' (interned strings
/// compared by address first); nullopt for every other spelling, which parse_like reads.
std::optional<Target> like_target_fast(nb::handle like) noexcept;
/// The library like= names: the string itself, or the top-level package of a module, type or object.
std::string library_of(nb::handle like);
/// What the target can hold without a copy (the share-or-copy rule reads this).
const TargetTraits& traits_of(Target target);
/// What tells a result that is its source's very view (no copy was made) from a new array.
struct ViewIdentity {
    const std::byte* data;
    const void* owner;
    bool operator==(const ViewIdentity&) const = default;
};
inline ViewIdentity identity_of(const Array& a) noexcept { return {a.data(), a.owner().get()}; }
/// Per-call fast paths of a default request (docs/decisions.md, "Per-call fast paths"): an exact ndarray
/// or ndb.Array as a torch tensor, an exact torch.Tensor as an ndarray, straight through DLPack without an ndb.Array
/// in between. Each gives exactly what convert_object gives, or an invalid object when its input is not
/// one it takes as it is (the caller then runs convert_object).
nb::object torch_from_exact_ndarray(nb::handle obj);
nb::object torch_from_exact_array(nb::handle obj);
nb::object numpy_from_plain_tensor(nb::handle obj);
/// `a` as the target's array, sharing its memory (`a` already satisfies the target's traits).
/// `source`/`source_view`: the object converted and the identity of its view (nullptr for data that
/// was read, not viewed); an unchanged ndb.Array or NumPy ndarray is handed back as itself, as
/// np.asarray does: the one place of that rule.
nb::object hand_to(Target target, Array a, nb::handle source, const ViewIdentity* source_view, bool requires_grad);
/// A NumPy ndarray viewing `a` (kept alive by the ndarray's base).
nb::object numpy_from_array(const Array& a);
/// The data address handed to NumPy and buffer consumers. An empty array may have none (PyTorch's empty
/// tensors); NumPy would then allocate and reset the strides, so it gets an address it never reads.
inline void* exported_address(const Array& a) noexcept {
    static std::byte no_elements[16];
    return a.data() != nullptr ? static_cast<void*>(a.data()) : static_cast<void*>(no_elements);
}
/// The element at `p` as NumPy's scalar of `dtype` (copied; any alignment and byte order); an invalid
/// object when NumPy cannot be imported.
nb::object numpy_scalar_of(DType dtype, const std::byte* p);

// ---------------------------------------------------------------------------------------------- export.cpp

/// Array.__dlpack__(*, stream, max_version, dl_device, copy).
nb::object dlpack_export(const Array& a, nb::handle stream, nb::handle max_version, nb::handle dl_device,
                         nb::handle copy);
/// Array.__array_interface__ (AttributeError for types NumPy has no typestr for and device memory).
nb::object array_interface(const Array& a);
/// `a`'s view as a new DLPack tensor in one allocation, when a target with `traits` takes it as it is on a
/// default request (copy_cause none, no export obstacle, at most 8 dimensions); nullptr otherwise (the
/// general export then decides). The same tensor export_dlpack_versioned makes of an uncopied array.
DLManagedTensorVersioned* export_view_fast(const Array& a, const TargetTraits& traits);
/// Array.__dlpack__ and __dlpack_device__ as CPython method descriptors of `array_type` (ndb.Array).
void bind_dlpack_methods(nb::handle array_type);
/// The capsule that Array's type publishes as __dlpack_c_exchange_api__.
nb::object exchange_api_capsule();
/// How often a consumer called that table (for tests).
long long exchange_api_call_count();
/// The type slots of ndb.Array that implement the buffer protocol.
const PyType_Slot* array_type_slots();

// ---------------------------------------------------------------------------------------------- dask_bridge.cpp

/// A Dask collection computed on Dask's active scheduler into one new host array (ndbridge.dask does
/// the blocks): the request's dtype, C order unless F is asked for. CopyError under copy=False.
Array materialize_dask(nb::handle obj, const ConversionRequest& req);
/// materialize_dask, handed to the target library.
nb::object convert_dask(nb::handle obj, const ConversionRequest& req, Target target, bool requires_grad);

// ---------------------------------------------------------------------------------------------- arrow.cpp

/// Arrow data read through the PyCapsule interface, for a frame: every column described (name, Arrow
/// type, the dtype it reads as), the row count, and the imported structs, released once when the last
/// holder of `table` lets go (the ColumnSources and any zero-copy view point into it).
struct ArrowFrame {
    std::vector<ArrowColumn> columns;  ///< in schema order; `indices` set for dictionary (categorical) columns
    std::int64_t rows = 0;
    bool tabular = false;  ///< a struct schema (tables, record batches): 2-D, else one column, 1-D
    std::shared_ptr<ArrowTable> table;
    ArrowScratch scratch;  ///< unpacked bools, widened dates: what sources() made
    /// ColumnSources of the chosen columns (indices into `columns`), chosen[k] written to output column
    /// k, every chunk in order. Error(type) naming a column that is not numbers (strings, nested types).
    std::vector<ColumnSource> sources(std::span<const std::size_t> chosen);
    /// The owner that keeps the Arrow data alive, for views (Array::wrap) into it.
    Owner owner() const { return table; }
};

/// Reads an Arrow producer (stream preferred, else array) without importing pyarrow; everything is
/// validated before any data is read. `function` names the caller in messages.
ArrowFrame read_arrow_frame(nb::handle obj, const char* function);
/// asarray of an Arrow producer: one column -> 1-D (a read-only zero-copy view when one null-free chunk
/// of a fixed-width type allows), a table -> 2-D (rows x columns) through write_columns; nulls as
/// from_dataframe's nulls=None.
nb::object convert_arrow(nb::handle obj, const ConversionRequest& req, Target target, bool requires_grad);
// ---------------------------------------------------------------------------------------------- frames.cpp

/// asarray of a pandas DataFrame, Series or Index: ndbridge._frames reads pandas' own column arrays
/// (a read-only view of a single-dtype block when the request allows, else the fused column pass).
/// `fresh` tells that the result is new memory.
Array read_pandas(nb::handle obj, const ConversionRequest& req, bool& fresh);
/// like="pandas": a NumPy result handed to pandas (Series for 1-D, DataFrame for 2-D, sharing memory).
nb::object pandas_from_numpy(nb::handle array);

// ---------------------------------------------------------------------------------------------- registration

void bind_dtype(nb::module_& m);
void bind_array(nb::module_& m);
void bind_entry_points(nb::module_& m);
void bind_threads(nb::module_& m);
void bind_dask(nb::module_& m);
void bind_arrow(nb::module_& m);
void bind_frames(nb::module_& m);
void bind_sanitizer_canary(nb::module_& m);  // sanitized builds only (NDBRIDGE_SANITIZER_CANARY)

// ---------------------------------------------------------------------------------------------- signatures.cpp

/// _signed_function / _signed_method: builtins with text signatures forwarding to nanobind callables.
void bind_signatures(nb::module_& m);

}  // namespace ndbridge::python
