// ndbridge/nanobind.h — ndbridge for nanobind extension authors (CMake target ndbridge::nanobind; the core
// itself has no Python). `ndbridge::ArrayLike<T, constraints...>` is a parameter type that accepts what
// ndb.asarray accepts, with its share-or-copy rules and messages; returning an `ndbridge::Array` gives an
// ndb.Array (or, through `ndbridge::ArrayAs<like::numpy>` / `<like::torch>`, that library's array), zero-copy.
//
// How it crosses from the installed ndbridge Python module into this extension: this extension links
// its own copy of the core, so C++ objects never cross shared-object boundaries. Arrays cross as DLPack
// 1.x tensors through the DLPack C exchange API that ndb.Array's type publishes (a table of C functions,
// ABI-stable), and conversions that need ndbridge's rules call `ndbridge.asarray` itself. Sources whose
// answer is plainly "share" (an ndb.Array, a buffer such as a NumPy array, a type with its own exchange
// API such as torch.Tensor, already of the right dtype, rank and layout) are viewed directly, without a
// Python call; everything else goes through ndbridge.asarray, so the rules and the messages are its own.
//
// Do not include this header in a translation unit that binds ndbridge::Array with nb::class_: it gives
// ndbridge::Array a type caster of its own.
#pragma once

#include <nanobind/nanobind.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <span>
#include <string>
#include <type_traits>
#include <utility>

#include "ndbridge/array.h"
#include "ndbridge/dlpack_api.h"
#include "ndbridge/error.h"
#include "ndbridge/view.h"

namespace ndbridge {

// ---- constraints of an ArrayLike parameter -----------------------------------------------------------

/// The parameter's shape: one extent per axis, -1 for any extent. Fixes the rank.
template <std::int64_t... Extents>
struct shape {
    static constexpr std::array<std::int64_t, sizeof...(Extents)> extents{Extents...};
};
/// copy=False: the input must be shared as it is; a conversion that would copy raises ndb.CopyError.
struct no_copy {};
// c_contig (view.h) asks for a C-contiguous array: order="C", a copy when the input is not.

namespace detail {
template <class X>
struct shape_of {
    static constexpr bool present = false;
};
template <std::int64_t... E>
struct shape_of<shape<E...>> {
    static constexpr bool present = true;
    using type = shape<E...>;
};
template <class... C>
struct find_shape {
    static constexpr bool present = false;
    static constexpr int rank = -1;
    static constexpr std::array<std::int64_t, 0> extents{};
};
template <class First, class... Rest>
struct find_shape<First, Rest...> : std::conditional_t<shape_of<First>::present, find_shape<>, find_shape<Rest...>> {};
template <std::int64_t... E, class... Rest>
struct find_shape<shape<E...>, Rest...> {
    static constexpr bool present = true;
    static constexpr int rank = static_cast<int>(sizeof...(E));
    static constexpr std::array<std::int64_t, sizeof...(E)> extents{E...};
};
template <class X, class... C>
inline constexpr bool has_v = (std::is_same_v<X, C> || ...);

/// What an ArrayLike parameter asks of its input, read by the one conversion function below.
struct ArrayRequest {
    DType dtype;
    bool writable;    ///< T is not const: a read-only input is copied (or refused under no_copy)
    bool contiguous;  ///< c_contig
    bool no_copy;
    int rank;  ///< -1: any
    std::span<const std::int64_t> extents;
};

// ---- Python-side handles, looked up once (the GIL is held whenever these run) ----

inline PyObject* ndbridge_module() {
    static PyObject* module = [] {
        PyObject* m = PyImport_ImportModule("ndbridge");
        if (m == nullptr) throw nanobind::python_error();
        return m;  // kept for the life of the process, as the interpreter keeps imported modules
    }();
    return module;
}
inline PyObject* module_attr(const char* name) {
    PyObject* value = PyObject_GetAttrString(ndbridge_module(), name);
    if (value == nullptr) throw nanobind::python_error();
    return value;
}

/// The module, or nullptr with a Python error set (for noexcept callers).
inline PyObject* ndb_module_or_null() noexcept {
    try {
        return ndbridge_module();
    } catch (nanobind::python_error& e) {
        e.restore();
        return nullptr;
    }
}

/// How objects of a Python type are viewed without a Python-level call: its exchange table, else its
/// __dlpack__ method (called as a C-level function); looked up once per type. Each cached type is kept
/// alive, so that its address cannot be reused by another type.
struct TypeAccess {
    const DLPackExchangeAPI* api = nullptr;
    PyObject* dlpack = nullptr;  ///< the type's __dlpack__ descriptor (a strong reference), or nullptr
};
inline const TypeAccess& access_of(PyTypeObject* type) {
    struct Entry {
        PyTypeObject* type;
        TypeAccess access;
    };
    static std::array<Entry, 16> cache{};
    static const TypeAccess uncached_none{};
    for (const Entry& e : cache)
        if (e.type == type) return e.access;
    TypeAccess found;
    PyObject* t = reinterpret_cast<PyObject*>(type);
    if (PyObject* capsule = PyObject_GetAttrString(t, "__dlpack_c_exchange_api__")) {
        if (PyCapsule_IsValid(capsule, "dlpack_exchange_api")) {
            found.api = static_cast<const DLPackExchangeAPI*>(PyCapsule_GetPointer(capsule, "dlpack_exchange_api"));
            if (!exchange_api_usable(found.api)) found.api = nullptr;
        }
        Py_DECREF(capsule);
    }
    PyErr_Clear();
    if (found.api == nullptr) {
        found.dlpack = PyObject_GetAttrString(t, "__dlpack__");
        if (found.dlpack != nullptr && !PyCallable_Check(found.dlpack)) Py_CLEAR(found.dlpack);
        PyErr_Clear();
    }
    for (Entry& e : cache)
        if (e.type == nullptr) {
            Py_INCREF(t);
            e = {type, found};
            return e.access;
        }
    Py_XDECREF(found.dlpack);  // the cache is full: such types take the general path
    return uncached_none;
}
inline const DLPackExchangeAPI* exchange_api_of(PyTypeObject* type) { return access_of(type).api; }

/// ndb.Array's exchange table: how arrays cross between ndbridge's extension and this one.
inline const DLPackExchangeAPI& ndb_array_api() {
    static const DLPackExchangeAPI* api = [] {
        PyObject* type = module_attr("Array");
        const DLPackExchangeAPI* found = exchange_api_of(reinterpret_cast<PyTypeObject*>(type));
        Py_DECREF(type);
        if (found == nullptr) fail(ErrorKind::type, "the installed ndbridge's Array type has no DLPack exchange API");
        return found;
    }();
    return *api;
}

[[noreturn]] inline void raise(PyObject* type, const std::string& message) {
    PyErr_SetString(type, message.c_str());
    throw nanobind::python_error();
}

/// "ndbridge::ArrayLike<float32, shape<-1, 3>, c_contig, no_copy>", for messages.
inline std::string describe(const ArrayRequest& r) {
    std::string text = std::string("ndbridge::ArrayLike<") + (r.writable ? "" : "const ") + name(r.dtype);
    if (r.rank >= 0) {
        text += ", shape<";
        for (std::size_t k = 0; k < r.extents.size(); ++k) text += (k ? ", " : "") + std::to_string(r.extents[k]);
        text += ">";
    }
    if (r.contiguous) text += ", c_contig";
    if (r.no_copy) text += ", no_copy";
    return text + ">";
}

inline bool shape_matches(const Array& a, const ArrayRequest& r) {
    if (r.rank < 0) return true;
    if (a.ndim() != r.rank) return false;
    for (std::size_t k = 0; k < r.extents.size(); ++k)
        if (r.extents[k] >= 0 && a.shape()[k] != r.extents[k]) return false;
    return true;
}

/// True when `a` can be handed to the parameter as it is: the plain "share" answer of asarray.
inline bool acceptable(const Array& a, const ArrayRequest& r) {
    return a.dtype() == r.dtype && a.device().host_accessible() && (!r.writable || !a.readonly()) &&
           (!r.contiguous || a.is_c_contiguous()) && a.flags().aligned && shape_matches(a, r);
}

/// The buffer protocol, for NumPy arrays and every other buffer: a view, or nullopt when the object
/// exports no buffer ndbridge can read at once (then asarray decides).
inline std::optional<Array> view_buffer(PyObject* src) {
    if (!PyObject_CheckBuffer(src)) return std::nullopt;
    auto* buffer = new Py_buffer;
    if (PyObject_GetBuffer(src, buffer, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear();
        delete buffer;
        return std::nullopt;
    }
    // Released with the GIL taken: the last view may die on any thread.
    Owner owner = make_owner(buffer, [](void* p) noexcept {
        auto* b = static_cast<Py_buffer*>(p);
        if (PyGILState_Check()) {
            PyBuffer_Release(b);  // the common case: the call that took the buffer is ending
        } else if (Py_IsInitialized()) {
            const PyGILState_STATE state = PyGILState_Ensure();
            PyBuffer_Release(b);
            PyGILState_Release(state);
        }
        delete b;
    });
    try {
        // The format of the last buffer seen, parsed once: a call site sees the same format over and over.
        static std::string last_format;
        static DType last_dtype;
        const char* format = buffer->format != nullptr ? buffer->format : "B";
        if (last_format.empty() || last_format != format) {
            last_dtype = parse_pep3118(format);
            last_format = format;
        }
        const DType dtype = last_dtype;
        if (dtype.itemsize() != buffer->itemsize || buffer->ndim > kMaxNdim) return std::nullopt;
        std::array<std::int64_t, kMaxNdim> shape{}, strides{};
        const auto nd = static_cast<std::size_t>(buffer->ndim);
        for (std::size_t k = 0; k < nd; ++k) {
            shape[k] = buffer->shape[k];
            strides[k] = buffer->strides[k];
        }
        return Array::wrap(buffer->buf, dtype, std::span(shape.data(), nd), std::span(strides.data(), nd),
                           Device::cpu(), buffer->readonly != 0, std::move(owner));
    } catch (const Error&) {
        return std::nullopt;  // a format or layout ndbridge's own reader words the error for
    }
}

/// A producer's DLPack tensor, owned and not yet imported: the parameter's shortcut uses it as it is and
/// imports it into an Array only when asked (ArrayLike::array()). Calls the deleter once if never imported.
class HeldTensor {
public:
    HeldTensor() = default;
    HeldTensor(void* managed, bool versioned) noexcept : managed_(managed), versioned_(versioned) {}
    HeldTensor(HeldTensor&& o) noexcept : managed_(std::exchange(o.managed_, nullptr)), versioned_(o.versioned_) {}
    HeldTensor& operator=(HeldTensor&& o) noexcept {
        if (this != &o) {
            release();
            managed_ = std::exchange(o.managed_, nullptr);
            versioned_ = o.versioned_;
        }
        return *this;
    }
    ~HeldTensor() { release(); }

    explicit operator bool() const noexcept { return managed_ != nullptr; }
    const DLTensor& tensor() const noexcept {
        return versioned_ ? static_cast<DLManagedTensorVersioned*>(managed_)->dl_tensor
                          : static_cast<DLManagedTensor*>(managed_)->dl_tensor;
    }
    bool readonly() const noexcept {  // a legacy tensor cannot say that writing is allowed
        return !versioned_ || (static_cast<DLManagedTensorVersioned*>(managed_)->flags & DLPACK_FLAG_BITMASK_READ_ONLY);
    }
    bool copied() const noexcept {
        return versioned_ && (static_cast<DLManagedTensorVersioned*>(managed_)->flags & DLPACK_FLAG_BITMASK_IS_COPIED);
    }
    /// The Array viewing the tensor (ownership moves to it, also when the import throws).
    Array import() {
        void* m = std::exchange(managed_, nullptr);
        return versioned_ ? from_dlpack(static_cast<DLManagedTensorVersioned*>(m))
                          : from_dlpack(static_cast<DLManagedTensor*>(m));
    }

private:
    void release() noexcept {
        void* m = std::exchange(managed_, nullptr);
        if (m == nullptr) return;
        if (versioned_) {
            auto* t = static_cast<DLManagedTensorVersioned*>(m);
            if (t->deleter != nullptr) t->deleter(t);
        } else {
            auto* t = static_cast<DLManagedTensor*>(m);
            if (t->deleter != nullptr) t->deleter(t);
        }
    }
    void* managed_ = nullptr;
    bool versioned_ = false;
};

/// Asks the source's type for a tensor: its exchange table (ndb.Array, torch.Tensor, ...) or its
/// __dlpack__ method called as a C-level function (NumPy, ...). Empty when it has neither or refuses
/// (the error is cleared: asarray asks again and words it).
inline HeldTensor ask_producer(PyObject* src, bool writable) {
    const TypeAccess& access = access_of(Py_TYPE(src));
    if (access.api != nullptr) {
        DLManagedTensorVersioned* tensor = nullptr;
        if (access.api->managed_tensor_from_py_object_no_sync(src, &tensor) != 0 || tensor == nullptr) {
            PyErr_Clear();
            return {};
        }
        return HeldTensor(tensor, true);
    }
    if (access.dlpack == nullptr) return {};
    // A read-only parameter takes the legacy capsule (cheaper, imported read-only); a writable one asks
    // for DLPack 1.x, which says whether writing is allowed.
    static PyObject* kw_max_version = Py_BuildValue("(s)", "max_version");
    static PyObject* version = Py_BuildValue("(ii)", NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION);
    PyObject* args[] = {src, version};
    PyObject* capsule = PyObject_Vectorcall(access.dlpack, args, 1, writable ? kw_max_version : nullptr);
    if (capsule == nullptr) {
        PyErr_Clear();
        return {};
    }
    const char* name = writable ? "dltensor_versioned" : "dltensor";
    void* raw = PyCapsule_IsValid(capsule, name) ? PyCapsule_GetPointer(capsule, name) : nullptr;
    if (raw != nullptr) PyCapsule_SetName(capsule, writable ? "used_dltensor_versioned" : "used_dltensor");
    Py_DECREF(capsule);  // renamed: its destructor leaves the tensor to us
    PyErr_Clear();
    return raw == nullptr ? HeldTensor() : HeldTensor(raw, writable);
}

/// The producer's tensor as an Array, or nullopt. `copied` tells whether the producer copied to export.
inline std::optional<Array> view_dlpack(PyObject* src, bool writable, bool& copied) {
    HeldTensor held = ask_producer(src, writable);
    if (!held) return std::nullopt;
    copied = held.copied();
    try {
        return held.import();
    } catch (const Error&) {
        return std::nullopt;
    }
}

/// The shortcut for a parameter of fixed rank N: true (and the view filled) when the producer's tensor
/// can be used as it is — the plain "share" answer of asarray — checked on the DLTensor itself, so that
/// no Array is built on the per-call path. Anything unusual returns false, and the general path decides.
template <class T, int N, class Layout>
bool view_held(const HeldTensor& held, const ArrayRequest& r, ArrayView<T, N, Layout>& out) {
    const DLTensor& t = held.tensor();
    if (held.copied() || (r.writable && held.readonly()) || t.ndim != N) return false;
    std::int32_t device_type = 0;  // any int32 may be stored in the C enum: read it as an int
    std::memcpy(&device_type, &t.device.device_type, sizeof device_type);
    const std::optional<DLDataType> want = to_dlpack(r.dtype);
    if (device_type != kDLCPU || !want || t.dtype.code != want->code || t.dtype.bits != want->bits ||
        t.dtype.lanes != want->lanes)
        return false;
    Extents<N> shape{}, strides{}, byte_strides{};
    std::int64_t compact = 1;
    for (int k = N - 1; k >= 0; --k) {
        const auto i = static_cast<std::size_t>(k);
        shape[i] = t.shape[i];
        if (shape[i] < 0 || (r.extents[i] >= 0 && shape[i] != r.extents[i])) return false;
        strides[i] = t.strides != nullptr ? t.strides[i] : compact;
        if (std::is_same_v<Layout, c_contig> && shape[i] != 1 && strides[i] != compact && compact != 0) return false;
        compact *= shape[i];
    }
    auto* data = static_cast<std::byte*>(t.data);
    if (data == nullptr) return false;
    data += t.byte_offset;
    if (reinterpret_cast<std::uintptr_t>(data) % alignof(T) != 0) return false;
    try {  // hostile extents or strides: the general path reports them
        for (std::size_t i = 0; i < shape.size(); ++i)
            byte_strides[i] = checked_mul(strides[i], static_cast<std::int64_t>(sizeof(T)), "DLPack strides");
        const ByteExtent span = byte_extent(shape, byte_strides, static_cast<std::int64_t>(sizeof(T)));
        checked_add(span.high, checked_mul(span.low, -1, "DLPack tensor"), "DLPack tensor");
    } catch (const Error&) {
        return false;
    }
    out = ArrayView<T, N, Layout>(reinterpret_cast<T*>(data), shape, strides);
    return true;
}

/// The one conversion behind every ArrayLike: the direct view when it already fits, else
/// ndbridge.asarray(src, dtype, copy=, order=, device="cpu") and the parameter's own checks.
/// Returns nullopt (try the next overload) only when `convert` is false.
inline std::optional<Array> array_from_python(PyObject* src, const ArrayRequest& r, bool convert) {
    bool copied = false;
    std::optional<Array> direct = view_dlpack(src, r.writable, copied);
    if (!direct) direct = view_buffer(src);
    if (direct && !copied && acceptable(*direct, r)) return direct;
    direct.reset();
    if (!convert) return std::nullopt;

    static PyObject* asarray = module_attr("asarray");
    static PyObject* copy_error = module_attr("CopyError");
    // The keyword names and values are made once: this is the per-call path of every converted input.
    static PyObject* kwnames = Py_BuildValue("(sss)", "copy", "order", "device");
    static PyObject* order_c = PyUnicode_InternFromString("C");
    static PyObject* order_k = PyUnicode_InternFromString("K");
    static PyObject* cpu = PyUnicode_InternFromString("cpu");
    nanobind::object dtype_name = nanobind::steal(PyUnicode_FromString(name(r.dtype).c_str()));
    if (!dtype_name.is_valid() || kwnames == nullptr) throw nanobind::python_error();
    PyObject* args[] = {src, dtype_name.ptr(), r.no_copy ? Py_False : Py_None, r.contiguous ? order_c : order_k, cpu};
    PyObject* result = PyObject_Vectorcall(asarray, args, 2, kwnames);
    if (result == nullptr) throw nanobind::python_error();  // asarray's own exception and message
    std::optional<Array> converted;
    try {
        converted = from_exchange_api(ndb_array_api(), result);
    } catch (const Error& e) {
        Py_DECREF(result);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_BufferError, e.what());
        throw nanobind::python_error();
    }
    Py_DECREF(result);
    Array& a = *converted;
    if (r.writable && a.readonly()) {
        if (r.no_copy)
            raise(copy_error, describe(r) +
                                  ": the input is read-only and this parameter writes to it, so it would be "
                                  "copied; no_copy (copy=False) forbids that (take ArrayLike<const T>)");
        a = a.copy(r.contiguous ? MemoryOrder::C : MemoryOrder::K);
    }
    if (!shape_matches(a, r))
        raise(PyExc_ValueError, describe(r) + ": the input has shape " + shape_string(a.shape()) + " (" +
                                    std::to_string(a.ndim()) +
                                    " dimensions), which the parameter's shape does not allow");
    return converted;
}

}  // namespace detail

// ---- the parameter type --------------------------------------------------------------------------------

/// A function parameter that accepts anything ndb.asarray accepts, converted to element type T (const T:
/// read-only inputs are shared; T: they are copied, or refused under no_copy) with the constraints
/// `shape<...>`, `c_contig` and `no_copy`. It holds the Array (keeping the source alive) and, with a
/// shape, a typed view for indexing.
template <class T, class... Constraints>
requires is_element_v<std::remove_const_t<T>>
class ArrayLike {
    using Shape = detail::find_shape<Constraints...>;

public:
    using element_type = T;
    using layout = std::conditional_t<detail::has_v<c_contig, Constraints...>, c_contig, strided>;
    static constexpr int rank = Shape::rank;
    static constexpr int view_rank = rank < 0 ? 0 : rank;  ///< the stored view's rank (0 when there is none)

    static const detail::ArrayRequest& request() noexcept {
        static const detail::ArrayRequest r{
            dtype_of<std::remove_const_t<T>>(),     !std::is_const_v<T>, detail::has_v<c_contig, Constraints...>,
            detail::has_v<no_copy, Constraints...>, Shape::rank,         std::span<const std::int64_t>(Shape::extents)};
        return r;
    }

    ArrayLike() = default;  // empty until converted (nanobind's caster holds one); allocates nothing
    /// Checks the view once (Error naming both sides when the array does not fit the parameter).
    explicit ArrayLike(Array a) : array_(std::move(a)) {
        if constexpr (rank >= 0) view_ = ndbridge::view<T, rank, layout>(*array_);
    }
    /// The shortcut: a producer's tensor that detail::view_held accepted, with its view.
    ArrayLike(detail::HeldTensor held, const ArrayView<T, view_rank, layout>& v) noexcept
        : held_(std::move(held)), view_(v) {}

    ArrayLike(ArrayLike&&) noexcept = default;
    ArrayLike& operator=(ArrayLike&&) noexcept = default;
    ArrayLike(const ArrayLike& o) : array_(o.array()), view_(o.view_) {}
    ArrayLike& operator=(const ArrayLike& o) {
        if (this != &o) {
            array_ = o.array();
            held_ = {};
            view_ = o.view_;
        }
        return *this;
    }

    /// The Array (a held producer tensor is imported into one on first use).
    const Array& array() const {
        if (!array_) array_ = held_.import();
        return *array_;
    }
    T* data() const {
        if constexpr (rank >= 0) return view_.data();
        return reinterpret_cast<T*>(array().data());
    }
    int ndim() const { return rank >= 0 ? rank : array().ndim(); }
    std::int64_t shape(int k) const {
        if constexpr (rank >= 0) return view_.extent(k);
        return array().shape()[static_cast<std::size_t>(k)];
    }
    std::int64_t size() const {
        if constexpr (rank >= 0) return view_.size();
        return array().size();
    }

    /// The typed view: made when the parameter was converted (rank from the shape constraint), or, for a
    /// parameter without one, made and checked here with the rank given.
    template <int N = rank>
    ArrayView<T, N, layout> view() const {
        if constexpr (N == rank && rank >= 0) return view_;
        return ndbridge::view<T, N, layout>(array());
    }

private:
    mutable std::optional<Array> array_;
    mutable detail::HeldTensor held_;
    ArrayView<T, view_rank, layout> view_{nullptr, {}, {}};
};

/// A result handed to another library: `return ArrayAs<like::torch>{a};` gives a torch.Tensor, with
/// ndb.asarray(…, like=…)'s rules (zero-copy when the library can hold the array as it is).
namespace like {
struct numpy {
    static constexpr const char* name = "numpy";
};
struct torch {
    static constexpr const char* name = "torch";
};
struct jax {
    static constexpr const char* name = "jax";
};
}  // namespace like
template <class Like>
struct ArrayAs {
    Array array;
};

namespace detail {
/// An ndb.Array (new reference) viewing `a`, through ndb.Array's exchange table.
inline PyObject* to_ndb_array(const Array& a) noexcept {
    try {
        return static_cast<PyObject*>(to_exchange_api(ndb_array_api(), a));
    } catch (nanobind::python_error& e) {
        e.restore();
    } catch (const std::exception& e) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_BufferError, e.what());
    }
    return nullptr;
}

inline PyObject* to_like(const Array& a, const char* like) noexcept {
    PyObject* ndb = to_ndb_array(a);
    if (ndb == nullptr) return nullptr;
    static PyObject* asarray = nullptr;
    if (asarray == nullptr) {
        PyObject* module = ndb_module_or_null();
        asarray = module == nullptr ? nullptr : PyObject_GetAttrString(module, "asarray");
        if (asarray == nullptr) {
            Py_DECREF(ndb);
            return nullptr;
        }
    }
    PyObject* like_name = PyUnicode_FromString(like);
    PyObject* kwnames = Py_BuildValue("(s)", "like");
    PyObject* args[] = {ndb, like_name};
    PyObject* out = PyObject_Vectorcall(asarray, args, 1, kwnames);
    Py_DECREF(ndb);
    Py_XDECREF(like_name);
    Py_XDECREF(kwnames);
    return out;
}

// ---- the producer side of the C exchange API, for a C++ type bound with nanobind ----

template <class Fn>
int exchange_guard(Fn&& fn) noexcept {
    try {
        fn();
        return 0;
    } catch (nanobind::python_error& e) {
        e.restore();
    } catch (const Error& e) {
        PyErr_SetString(e.kind() == ErrorKind::type ? PyExc_TypeError : PyExc_BufferError, e.what());
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return -1;
}
}  // namespace detail

/// A DLPack C exchange table for a nanobind-bound C++ type `C` that holds an Array: `to_array` gives the
/// array an object views, `from_array` makes an object from one. Publish it once on the class:
///     cls.attr("__dlpack_c_exchange_api__") = ndbridge::exchange_api_capsule<Grid, &Grid::array, &Grid::make>();
/// and ndb.asarray, torch and every other exchange consumer read the object with no Python call.
template <class C, Array (*ToArray)(const C&), C (*FromArray)(Array)>
nanobind::object exchange_api_capsule() {
    static const DLPackExchangeAPI table = {
        {{NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION}, nullptr},
        nullptr,  // no allocator: the type does not allocate for others
        [](void* py_object, DLManagedTensorVersioned** out) {
            return detail::exchange_guard([&] {
                *out =
                    to_dlpack(ToArray(nanobind::cast<const C&>(nanobind::handle(static_cast<PyObject*>(py_object)))));
            });
        },
        [](DLManagedTensorVersioned* tensor, void** out) {
            return detail::exchange_guard([&] {
                Array a = from_dlpack(tensor);  // owns the tensor from here, also when it fails
                *out = nanobind::cast(FromArray(std::move(a))).release().ptr();
            });
        },
        nullptr,  // no borrowed DLTensor views: consumers take the owning form
        [](DLDeviceType, int32_t, void** stream) {
            *stream = nullptr;  // host memory has no streams
            return 0;
        },
    };
    return nanobind::steal(PyCapsule_New(const_cast<DLPackExchangeAPI*>(&table), "dlpack_exchange_api", nullptr));
}

}  // namespace ndbridge

// ---- the nanobind type casters -------------------------------------------------------------------------

namespace nanobind::detail {

template <class T, class... Constraints>
struct type_caster<ndbridge::ArrayLike<T, Constraints...>> {
    using Value = ndbridge::ArrayLike<T, Constraints...>;
    static constexpr auto Name = const_name("ndbridge.ArrayLike");
    template <typename T_>
    using Cast = movable_cast_t<T_>;
    template <typename T_>
    static constexpr bool can_cast() {
        return true;
    }
    explicit operator Value*() { return &value; }
    explicit operator Value&() { return value; }
    explicit operator Value&&() { return std::move(value); }
    Value value;

    /// Raises asarray's (or the parameter's) Python exception when the input cannot be converted; in
    /// nanobind's first, no-conversion pass over overloads it only takes inputs that are shared as they are.
    bool from_python(handle src, uint32_t flags, cleanup_list*) {
        const ndbridge::detail::ArrayRequest& r = Value::request();
        if constexpr (Value::rank >= 0) {
            // The per-call path of shared inputs: the producer's tensor, used as it is, no Array built.
            ndbridge::detail::HeldTensor held = ndbridge::detail::ask_producer(src.ptr(), r.writable);
            ndbridge::ArrayView<T, Value::rank, typename Value::layout> v(nullptr, {}, {});
            if (held && ndbridge::detail::view_held(held, r, v)) {
                value = Value(std::move(held), v);
                return true;
            }
        }
        std::optional<ndbridge::Array> a =
            ndbridge::detail::array_from_python(src.ptr(), r, (flags & cast_flags::convert) != 0);
        if (!a) return false;
        try {
            value = Value(std::move(*a));  // checks the typed view once
        } catch (const ndbridge::Error& e) {
            PyErr_SetString(e.kind() == ndbridge::ErrorKind::type ? PyExc_TypeError : PyExc_ValueError, e.what());
            throw python_error();
        }
        return true;
    }
    static handle from_cpp(const Value& v, rv_policy, cleanup_list*) noexcept {
        return ndbridge::detail::to_ndb_array(v.array());
    }
};

template <>
struct type_caster<ndbridge::Array> {
    NB_TYPE_CASTER(ndbridge::Array, const_name("ndbridge.Array"))

    /// A plain Array parameter: anything ndb.asarray accepts, in the dtype it would choose.
    bool from_python(handle src, uint32_t flags, cleanup_list*) {
        PyObject* as_ndb = nullptr;
        if (ndbridge::detail::exchange_api_of(Py_TYPE(src.ptr())) != &ndbridge::detail::ndb_array_api()) {
            if ((flags & cast_flags::convert) == 0) return false;
            static PyObject* asarray = ndbridge::detail::module_attr("asarray");
            as_ndb = PyObject_CallOneArg(asarray, src.ptr());
            if (as_ndb == nullptr) throw python_error();
        }
        try {
            value = ndbridge::from_exchange_api(ndbridge::detail::ndb_array_api(), as_ndb ? as_ndb : src.ptr());
        } catch (const ndbridge::Error& e) {
            Py_XDECREF(as_ndb);
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_BufferError, e.what());
            throw python_error();
        }
        Py_XDECREF(as_ndb);
        return true;
    }
    static handle from_cpp(const ndbridge::Array& a, rv_policy, cleanup_list*) noexcept {
        return ndbridge::detail::to_ndb_array(a);
    }
};

template <class Like>
struct type_caster<ndbridge::ArrayAs<Like>> {
    NB_TYPE_CASTER(ndbridge::ArrayAs<Like>, const_name("object"))
    bool from_python(handle, uint32_t, cleanup_list*) noexcept { return false; }  // a result type only
    static handle from_cpp(const ndbridge::ArrayAs<Like>& v, rv_policy, cleanup_list*) noexcept {
        return ndbridge::detail::to_like(v.array, Like::name);
    }
};

}  // namespace nanobind::detail
