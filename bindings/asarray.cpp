// asarray: every input kind of DESIGN §3, probed in order, with the handler cached per Python type, and
// the nested-sequence reader.
//
// Sequence reading, the hard part. What must be found: the shape (every level's length, equal across
// siblings, up to 64 levels), the dtype (DESIGN §4 defaults, or the requested one) and the values.
// The cases: leaves are Python scalars, NumPy scalars, strings, or array-likes (NumPy arrays, ndb.Arrays,
// DLPack producers, ...) that fill a whole sub-block; levels are lists, tuples, ranges or other
// sequences. Performance assumption: sequences are homogeneous, so the dtype of the first leaf is a
// good guess. The reader therefore
//   1. discovers the shape by descending the first element of each level (checking for self-reference),
//   2. guesses the dtype from the first leaf (or takes the requested one) and fills a new C-ordered
//      array in one pass, checking every length and every leaf against the guess,
//   3. only when a leaf does not fit the guess (a float among ints, a longer string, an int >= 2**63),
//      walks everything once to infer the dtype, then fills again.
// Ragged input reports the depth and the shape found, as NumPy does; a sequence that changes length while
// it is read (through its own __getitem__ or an element's Python code) and a list that contains itself
// are named as such, not as raggedness. Nothing partial is ever returned.
#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/convert.h"
#include "ndbridge/copy.h"
#include "ndbridge/dlpack_io.h"
#include "ndbridge/error.h"
#include "ndbridge/infer.h"

namespace ndbridge::python {
namespace {

// ---------------------------------------------------------------------------------------------- probing

enum class Kind : unsigned char {
    ndb_array, numpy_array, exchange_api, dlpack, capsule, buffer, array_interface, array_struct,
    cuda_interface, array_method, python_scalar, numpy_scalar, string, sequence, unknown,
};

struct Probe {
    Kind kind = Kind::unknown;
    const DLPackExchangeAPI* api = nullptr;  ///< for exchange_api
};

bool type_has(PyTypeObject* t, const char* name) {
    PyObject* attr = PyObject_GetAttrString(reinterpret_cast<PyObject*>(t), name);
    if (attr == nullptr) {
        PyErr_Clear();
        return false;
    }
    Py_DECREF(attr);
    return true;
}

const DLPackExchangeAPI* exchange_api_of(PyTypeObject* t) {
    nb::object api = nb::steal(PyObject_GetAttrString(reinterpret_cast<PyObject*>(t), "__dlpack_c_exchange_api__"));
    if (!api.is_valid()) {
        PyErr_Clear();
        return nullptr;
    }
    // Only a capsule of the agreed name is trusted with a pointer; anything else (an int, another
    // capsule) could point anywhere, and the __dlpack__ method still works without it.
    if (!PyCapsule_IsValid(api.ptr(), "dlpack_exchange_api")) return nullptr;
    void* p = PyCapsule_GetPointer(api.ptr(), "dlpack_exchange_api");
    if (p == nullptr) {
        PyErr_Clear();
        return nullptr;
    }
    auto* table = static_cast<const DLPackExchangeAPI*>(p);
    if (table->header.version.major != NDBRIDGE_DLPACK_MAJOR_VERSION || table->managed_tensor_from_py_object_no_sync == nullptr)
        return nullptr;  // a table we cannot read: the __dlpack__ method still works
    return table;
}

Probe classify(PyTypeObject* t) {
    auto is = [t](PyTypeObject* base) { return t == base || PyType_IsSubtype(t, base); };
    if (PyType_IsSubtype(t, reinterpret_cast<PyTypeObject*>(nb::type<Array>().ptr()))) return {Kind::ndb_array};
    if (type_derives_from(t, "numpy.ndarray")) return {Kind::numpy_array};
    if (type_derives_from(t, "numpy.generic")) return {Kind::numpy_scalar};
    if (const DLPackExchangeAPI* api = exchange_api_of(t)) return {Kind::exchange_api, api};
    if (type_has(t, "__dlpack__")) return {Kind::dlpack};
    if (t == &PyCapsule_Type) return {Kind::capsule};
    if (is(&PyBool_Type) || is(&PyLong_Type) || is(&PyFloat_Type) || is(&PyComplex_Type)) return {Kind::python_scalar};
    if (is(&PyUnicode_Type)) return {Kind::string};
    if (t->tp_as_buffer != nullptr && t->tp_as_buffer->bf_getbuffer != nullptr) return {Kind::buffer};
    if (type_has(t, "__array_interface__")) return {Kind::array_interface};
    if (type_has(t, "__array_struct__")) return {Kind::array_struct};
    if (type_has(t, "__cuda_array_interface__")) return {Kind::cuda_interface};
    if (type_has(t, "__array__")) return {Kind::array_method};
    if (is(&PyList_Type) || is(&PyTuple_Type) || is(&PyRange_Type)) return {Kind::sequence};
    if (is(&PyDict_Type) || is(&PySet_Type) || is(&PyFrozenSet_Type)) return {Kind::unknown};
    if (t->tp_as_sequence != nullptr && t->tp_as_sequence->sq_item != nullptr && t->tp_as_sequence->sq_length != nullptr)
        return {Kind::sequence};
    return {Kind::unknown};
}

// Protocols set on an instance rather than its type (NumPy reads those too). Not cacheable, so only
// asked when the type itself offers nothing.
Probe probe_instance(nb::handle obj) {
    if (nb::hasattr(obj, "__dlpack__")) return {Kind::dlpack};
    if (nb::hasattr(obj, "__array_interface__")) return {Kind::array_interface};
    if (nb::hasattr(obj, "__array_struct__")) return {Kind::array_struct};
    if (nb::hasattr(obj, "__cuda_array_interface__")) return {Kind::cuda_interface};
    if (nb::hasattr(obj, "__array__")) return {Kind::array_method};
    return {Kind::unknown};
}

// A probe result that an instance attribute may still override: nothing found on the type, or a
// sequence type other than list/tuple/range (NumPy asks __array_interface__ before reading a sequence).
Probe with_instance(nb::handle obj, const Probe& p) {
    PyTypeObject* t = Py_TYPE(obj.ptr());
    const bool plain_sequence = t == &PyList_Type || t == &PyTuple_Type || t == &PyRange_Type;
    if (p.kind == Kind::unknown || (p.kind == Kind::sequence && !plain_sequence)) {
        const Probe q = probe_instance(obj);
        if (q.kind != Kind::unknown) return q;
    }
    return p;
}

// Per-type cache. A type's version tag changes when the type is modified and is never reused by a new
// type, so (address, tag) cannot name a stale entry.
Probe probe(nb::handle obj) {
    static std::unordered_map<PyTypeObject*, std::pair<unsigned int, Probe>> cache;
    PyTypeObject* t = Py_TYPE(obj.ptr());
    const unsigned int tag = t->tp_version_tag;
    if (auto it = cache.find(t); it != cache.end() && tag != 0 && it->second.first == tag)
        return with_instance(obj, it->second.second);
    const Probe p = classify(t);
    if (tag != 0) {
        if (cache.size() > 512) cache.clear();
        cache[t] = {tag, p};
    }
    return with_instance(obj, p);
}

// ---------------------------------------------------------------------------------------------- sources

// NumPy's C-level __array_struct__ (PyArrayInterface, version 2), read field by field.
struct ArrayInterfaceStruct {
    int two;
    int nd;
    char typekind;
    int itemsize;
    int flags;
    Py_intptr_t* shape;
    Py_intptr_t* strides;
    void* data;
    PyObject* descr;
};

Array from_array_struct(nb::handle obj) {
    nb::object cap = obj.attr("__array_struct__");
    if (!PyCapsule_CheckExact(cap.ptr())) fail(ErrorKind::type, "asarray: ", py_type_name(obj), ".__array_struct__ is not a capsule");
    auto* s = static_cast<ArrayInterfaceStruct*>(PyCapsule_GetPointer(cap.ptr(), nullptr));
    if (s == nullptr) throw nb::python_error();
    if (s->two != 2) fail(ErrorKind::value, "asarray: __array_struct__ of ", py_type_name(obj), " has version ", s->two, ", not 2");
    if (s->nd < 0 || s->nd > kMaxNdim) fail(ErrorKind::value, "asarray: __array_struct__ ndim ", s->nd, " is out of range");
    constexpr int kNotSwapped = 0x200, kWriteable = 0x400;
    // The struct has a kind letter and an item size in bytes, nothing more: a datetime unit (and the
    // type of ml_dtypes' 'V' items) is lost, so those are read from the object's .dtype when it has one.
    // A typestr counts characters, not bytes, for 'U' (4 bytes each): NumPy itself misreads a U3 struct
    // as U12 and reads past the end.
    DType dtype;
    if ((s->typekind == 'M' || s->typekind == 'm' || s->typekind == 'V') && nb::hasattr(obj, "dtype")) {
        dtype = dtype_from_object(obj.attr("dtype"));
    } else if (s->typekind == 'M' || s->typekind == 'm') {
        fail(ErrorKind::type, "asarray: __array_struct__ of ", py_type_name(obj), " describes ", s->typekind == 'M' ? "datetime64" : "timedelta64",
             " items without their unit (the struct has no field for it) and the object has no .dtype to ask");
    } else {
        const int length = s->typekind == 'U' ? s->itemsize / 4 : s->itemsize;
        dtype = parse_typestr(std::string(1, (s->flags & kNotSwapped) ? '=' : (std::endian::native == std::endian::little ? '>' : '<')) +
                              s->typekind + std::to_string(length));
    }
    if (dtype.itemsize() != s->itemsize)
        fail(ErrorKind::value, "asarray: __array_struct__ of ", py_type_name(obj), " has ", s->itemsize, "-byte items, but its type ",
             name(dtype), " has ", dtype.itemsize(), "-byte items");
    Dims shape(s->shape, s->shape + s->nd), strides;
    if (s->strides != nullptr) strides.assign(s->strides, s->strides + s->nd);
    return Array::wrap(s->data, dtype, shape, strides, Device::cpu(), (s->flags & kWriteable) == 0, owner_of(obj));
}

// __cuda_array_interface__: device memory described, never read on the host.
Array from_cuda_interface(nb::handle obj) {
    nb::object iface = obj.attr("__cuda_array_interface__");
    int device_id = 0;
    nb::dict d = nb::borrow<nb::dict>(iface);
    if (d.contains("device")) device_id = nb::cast<int>(d["device"]);
    return array_from_interface(obj, iface, Device{kDLCUDA, device_id});
}

// ---------------------------------------------------------------------------------------------- DLPack

nb::object dlpack_capsule(nb::handle producer, std::optional<Device> move_to) {
    nb::object method = producer.attr("__dlpack__");
    nb::dict kwargs;
    kwargs["max_version"] = nb::make_tuple(NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION);
    if (move_to) {
        kwargs["dl_device"] = nb::make_tuple(static_cast<int>(move_to->type), move_to->id);
        kwargs["copy"] = true;
    }
    PyObject* r = PyObject_Call(method.ptr(), nb::tuple().ptr(), kwargs.ptr());
    if (r == nullptr && !move_to && PyErr_ExceptionMatches(PyExc_TypeError)) {
        PyErr_Clear();  // a pre-1.0 producer: the legacy call
        r = PyObject_CallNoArgs(method.ptr());
    }
    if (r == nullptr) throw nb::python_error();
    return nb::steal(r);
}

// PyTorch tensors carry state that DLPack cannot express. Autograd tracking: the data is the same without
// it, so the tensor is detached (a view). Lazy conjugate/negative bits (t.conj(), views of them): the
// memory holds the values before conjugation/negation; torch's __dlpack__ refuses such tensors and its C
// exchange API silently ignores the bit, so the values are materialised here, which is a copy
// (`fresh`), refused under copy=False.
nb::object plain_tensor(nb::handle obj, CopyMode copy, bool& fresh) {
    nb::object t = nb::borrow(obj);
    if (!nb::hasattr(obj, "requires_grad") || !nb::hasattr(obj, "detach")) return t;
    if (nb::cast<bool>(t.attr("requires_grad"))) t = t.attr("detach")();
    struct LazyBit {
        const char* test;
        const char* resolve;
        const char* what;
    };
    static constexpr LazyBit kBits[] = {{"is_conj", "resolve_conj", "conjugate"}, {"is_neg", "resolve_neg", "negative"}};
    for (const LazyBit& bit : kBits) {
        if (!nb::hasattr(t, bit.test) || !nb::cast<bool>(t.attr(bit.test)())) continue;
        if (copy == CopyMode::never)
            fail(ErrorKind::copy, "asarray: the ", py_type_name(obj), " has its lazy ", bit.what, " bit set, so its memory does not "
                 "hold its values; they exist only after ", bit.resolve, "(), a copy, and copy=False forbids it");
        t = t.attr(bit.resolve)();
        fresh = true;
    }
    return t;
}

Device dlpack_device_of(nb::handle obj) {
    if (!nb::hasattr(obj, "__dlpack_device__")) return Device::cpu();
    nb::tuple dev = nb::cast<nb::tuple>(obj.attr("__dlpack_device__")());
    return device_from_dlpack(nb::cast<std::int32_t>(dev[0]), nb::cast<std::int32_t>(dev[1]));
}

struct Request {
    std::optional<DType> dtype;
    std::optional<Device> device;
    CopyMode copy = CopyMode::if_needed;
    MemoryOrder order = MemoryOrder::K;
    DType default_float = ScalarType::float64;
};

// Imports a DLPack producer; `fresh` tells that the data was copied on the way (the producer moved it
// to the requested device, or lazy tensor bits were materialised).
Array from_dlpack_producer(nb::handle obj, const Probe& p, const Request& req, bool& fresh) {
    fresh = false;
    nb::object source = plain_tensor(obj, req.copy, fresh);
    const Device here = req.device ? dlpack_device_of(source) : Device::cpu();
    if (req.device && *req.device != here) {
        if (req.copy == CopyMode::never)
            fail(ErrorKind::copy, "asarray: moving data from ", to_string(here), " to ", to_string(*req.device),
                 " needs a copy, and copy=False forbids it");
        fresh = true;
        nb::object capsule;
        try {
            capsule = dlpack_capsule(source, req.device);
        } catch (nb::python_error& e) {
            // The producer's own error (PyTorch's runs to 60 lines) is kept as the __cause__.
            nb::raise_from(e, PyExc_ValueError, "asarray: device %s was requested for data on %s; only the producer can move it, "
                           "and %s.__dlpack__(dl_device=..., copy=True) failed (see the exception above)",
                           to_string(*req.device).c_str(), to_string(here).c_str(), py_type_name(obj).c_str());
        }
        return import_capsule(capsule);
    }
    if (p.kind == Kind::exchange_api) {
        DLManagedTensorVersioned* out = nullptr;
        if (p.api->managed_tensor_from_py_object_no_sync(source.ptr(), &out) != 0) throw nb::python_error();
        return import_dlpack(out);
    }
    return import_capsule(dlpack_capsule(source, std::nullopt));
}

// ---------------------------------------------------------------------------------------------- sequences

class SequenceReader {
public:
    SequenceReader(const Request& req) : req_(req) {}

    Array read(nb::handle top) {
        discover(top);
        DType dtype;
        if (req_.dtype) {
            dtype = *req_.dtype;
        } else if (first_leaf_) {
            dtype = guess(*first_leaf_);
        } else {
            dtype = req_.default_float;  // no leaf: an empty sequence (float64, or torch's default float)
        }
        if (!req_.dtype && size_of(shape_) != 0) {
            try {
                return fill_all(top, dtype, true);
            } catch (const Restart&) {
                // The guess was wrong: infer from everything, then fill with the final dtype.
                infer_ = DTypeInference{};
                index_.clear();  // the interrupted fill left its position behind
                ancestors_.clear();
                walk(top, 0, nullptr, Mode::infer);
                dtype = infer_.result(req_.default_float);
            }
        }
        return fill_all(top, dtype, false);
    }

private:
    enum class Mode { fill, infer };
    struct Restart {};

    static std::int64_t size_of(const Dims& d) {
        std::int64_t n = 1;
        for (auto e : d) n *= e;
        return n;
    }

    static bool is_level(nb::handle o) {
        if (PyList_CheckExact(o.ptr()) || PyTuple_CheckExact(o.ptr())) return true;  // the common case, no lookup
        const Kind k = probe(o).kind;
        return k == Kind::sequence;
    }

    static bool is_array_like(Kind k) {
        switch (k) {
            case Kind::ndb_array: case Kind::numpy_array: case Kind::exchange_api: case Kind::dlpack:
            case Kind::array_interface: case Kind::array_struct: case Kind::array_method: case Kind::buffer:
                return true;
            default: return false;
        }
    }

    // An array-like leaf viewed as an ndb.Array (bytes stays a string scalar).
    std::optional<Array> leaf_array(nb::handle o) const;

    // Descends first elements: the shape of the sequence levels plus that of a first array-like leaf.
    void discover(nb::handle top) {
        nb::handle o = top;
        std::vector<PyObject*>& path = measured_;
        while (true) {
            const Kind k = probe(o).kind;
            if (k == Kind::sequence) {
                for (PyObject* seen : path)
                    if (seen == o.ptr())
                        fail(ErrorKind::value, "asarray: the sequence contains itself (after ", path.size(),
                             " levels); a self-referencing list has no array shape");
                if (static_cast<int>(shape_.size()) >= kMaxNdim)
                    fail(ErrorKind::value, "asarray: the sequence nests deeper than ", kMaxNdim, " levels");
                path.push_back(o.ptr());
                const Py_ssize_t n = PySequence_Size(o.ptr());
                if (n < 0) throw nb::python_error();
                shape_.push_back(n);
                if (n == 0) return;
                nb::object first = nb::steal(PySequence_GetItem(o.ptr(), 0));
                if (!first.is_valid()) throw nb::python_error();
                keep_.push_back(first);
                o = first;
                continue;
            }
            if (k != Kind::string && !(k == Kind::buffer && PyBytes_Check(o.ptr())) && is_array_like(k)) {
                std::optional<Array> a = leaf_array(o);
                if (a) {
                    for (auto e : a->shape()) shape_.push_back(e);
                    if (shape_.size() > static_cast<std::size_t>(kMaxNdim))
                        fail(ErrorKind::value, "asarray: the data has more than ", kMaxNdim, " dimensions");
                    first_leaf_dtype_ = a->dtype();
                }
            }
            first_leaf_ = nb::borrow(o);
            return;
        }
    }

    DType guess(nb::handle leaf) {
        if (first_leaf_dtype_) return first_leaf_dtype_->with_native_order();
        DTypeInference one;
        add_scalar(one, leaf);
        return one.result(req_.default_float);
    }

    // Adds a scalar leaf to an inference; Error(type) for anything that is not a scalar.
    void add_scalar(DTypeInference& inf, nb::handle o) const {
        PyObject* p = o.ptr();
        // First: np.float64 and np.complex128 subclass Python float/complex but are typed, not weak.
        if (probe(o).kind == Kind::numpy_scalar) return inf.add_typed(array_from_memory(o)->dtype());
        if (PyBool_Check(p)) return inf.add_bool();
        if (PyLong_Check(p)) {
            int overflow = 0;
            const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
            if (overflow == 0) return inf.add_int(v);
            if (overflow > 0) {
                const unsigned long long u = PyLong_AsUnsignedLongLong(p);
                if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) return inf.add_big_uint(u);
                PyErr_Clear();
            }
            fail(ErrorKind::overflow, "asarray: Python int ", short_repr(o),
                 " is outside the int64 and uint64 ranges (ndbridge holds integers in at most 64 bits)");
        }
        if (PyFloat_Check(p)) return inf.add_float();
        if (PyComplex_Check(p)) return inf.add_complex();
        if (PyUnicode_Check(p)) return inf.add_string(true, PyUnicode_GetLength(p));
        if (PyBytes_Check(p)) return inf.add_string(false, PyBytes_GET_SIZE(p));
        fail(ErrorKind::type, "asarray: cannot read ", short_repr(o), " (type ", py_type_name(o),
             ") as an array element; expected bool, int, float, complex, str, bytes, a NumPy scalar or an array-like");
    }

    Array fill_all(nb::handle top, DType dtype, bool guessing) {
        out_ = Array::empty(dtype, shape_);
        fast_ = dtype == DType(ScalarType::float64) ? Fast::f64 : dtype == DType(ScalarType::int64) ? Fast::i64 : Fast::none;
        guessing_ = guessing;
        index_.clear();
        ancestors_.clear();
        infer_ = DTypeInference{};
        walk(top, 0, out_.data(), Mode::fill);
        return out_;
    }

    [[noreturn]] void ragged(std::size_t depth) const {
        Dims found(shape_.begin(), shape_.begin() + static_cast<std::ptrdiff_t>(depth));
        fail(ErrorKind::value, "asarray: the nested sequence is ragged: inhomogeneous shape after ", depth,
             " dimensions. The detected shape was ", shape_string(found), " + inhomogeneous part");
    }

    void walk(nb::handle o, std::size_t depth, std::byte* dst, Mode mode) {
        // Fast path for the homogeneous case: a Python float into native float64, an int into native
        // int64, written directly (the general path below gives the same bytes, more slowly).
        if (depth == shape_.size() && mode == Mode::fill && fast_ != Fast::none) {
            PyObject* p = o.ptr();
            if (fast_ == Fast::f64 && PyFloat_CheckExact(p)) {
                const double v = PyFloat_AS_DOUBLE(p);
                std::memcpy(dst, &v, sizeof v);
                return;
            }
            if (fast_ == Fast::i64 && PyLong_CheckExact(p)) {
                int overflow = 0;
                const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
                if (overflow == 0) {
                    const std::int64_t w = v;
                    std::memcpy(dst, &w, sizeof w);
                    return;
                }
            }
        }
        if (depth < shape_.size() && is_level(o)) {
            nb::object fast = nb::steal(PySequence_Fast(o.ptr(), "asarray: expected a sequence"));
            if (!fast.is_valid()) throw nb::python_error();
            const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast.ptr());
            if (n != shape_[depth]) {
                if (changed_length(o, depth, n))
                    fail(ErrorKind::value, "asarray: a ", py_type_name(o), " changed length while being read (", shape_[depth],
                         " items when its length was taken, ", n, " when it was read); the sequence must not change "
                         "during the conversion");
                ragged(depth);
            }
            const std::int64_t stride = mode == Mode::fill ? out_.strides()[depth] : 0;
            ancestors_.push_back(o.ptr());
            for (Py_ssize_t i = 0; i < n; ++i) {
                if (PySequence_Fast_GET_SIZE(fast.ptr()) != n)
                    fail(ErrorKind::value, "asarray: a ", py_type_name(o), " changed length while being read (from ", n,
                         " to ", PySequence_Fast_GET_SIZE(fast.ptr()), " items)");
                nb::object item = nb::borrow(PySequence_Fast_GET_ITEM(fast.ptr(), i));  // held: Python code may run
                index_.push_back(i);
                walk(item, depth + 1, dst == nullptr ? nullptr : dst + i * stride, mode);
                index_.pop_back();
            }
            ancestors_.pop_back();
            return;
        }
        // Not a sequence level: a scalar (depth == ndim) or an array-like filling shape[depth:].
        const bool scalar_level = depth == shape_.size();
        if (scalar_level && is_level(o)) {  // a sequence where an element belongs
            if (std::find(ancestors_.begin(), ancestors_.end(), o.ptr()) != ancestors_.end())
                fail(ErrorKind::value, "asarray: element ", shape_string(index_), " is a sequence that contains it (a "
                     "self-referencing ", py_type_name(o), " has no array shape)");
            ragged(depth);
        }
        if (!scalar_level || !is_scalar_object(o)) {
            std::optional<Array> a = is_scalar_object(o) ? std::nullopt : leaf_array(o);
            if (!a && !is_scalar_object(o))  // neither scalar, sequence nor array-like: None, object(), ...
                fail(ErrorKind::type, "asarray: element ", shape_string(index_), ": cannot read ", short_repr(o), " (type ",
                     py_type_name(o), ") as an array element; expected bool, int, float, complex, str, bytes, a NumPy "
                     "scalar, a sequence or an array-like");
            if (!a) ragged(depth);  // a scalar where a block belongs
            const Dims rest(shape_.begin() + static_cast<std::ptrdiff_t>(depth), shape_.end());
            if (a->shape() != rest) ragged(depth);
            if (mode == Mode::infer) return infer_.add_typed(a->dtype());
            check_fits_typed(a->dtype());
            copy_into(sub_view(dst, depth), *a);
            return;
        }
        if (mode == Mode::infer) return add_scalar(infer_, o);
        try {
            store_leaf(o, dst);
        } catch (const Error& e) {
            fail(e.kind(), "asarray: element ", shape_string(index_), ": ", e.what());
        }
    }

    // A length mismatch that is no raggedness: the object was measured by discover() (so its length
    // changed since), or its len() disagrees with what reading it gave (a custom sequence).
    bool changed_length(nb::handle o, std::size_t depth, Py_ssize_t n) const {
        if (depth < measured_.size() && measured_[depth] == o.ptr()) return true;
        if (PyList_Check(o.ptr()) || PyTuple_Check(o.ptr())) return false;
        const Py_ssize_t len = PySequence_Size(o.ptr());
        if (len < 0) PyErr_Clear();
        return len != n;
    }

    static bool is_scalar_object(nb::handle o) {
        PyObject* p = o.ptr();
        if (PyBool_Check(p) || PyLong_Check(p) || PyFloat_Check(p) || PyComplex_Check(p) || PyUnicode_Check(p) || PyBytes_Check(p))
            return true;
        return probe(o).kind == Kind::numpy_scalar;
    }

    Array sub_view(std::byte* dst, std::size_t depth) const {
        const Dims rest(shape_.begin() + static_cast<std::ptrdiff_t>(depth), shape_.end());
        const Dims strides(out_.strides().begin() + static_cast<std::ptrdiff_t>(depth), out_.strides().end());
        return Array::wrap(dst, out_.dtype(), rest, strides, Device::cpu(), false, out_.owner());
    }

    void check_fits_typed(DType t) {
        if (!guessing_) return;
        if (promote_types(out_.dtype(), t) != out_.dtype()) throw Restart{};
    }

    // Writes one scalar leaf. While guessing, a leaf that the guessed dtype cannot hold restarts the read.
    void store_leaf(nb::handle o, std::byte* dst) {
        if (probe(o).kind == Kind::numpy_scalar) {
            const Array a = *array_from_memory(o);
            check_fits_typed(a.dtype());
            if (out_.dtype().is_integer() && a.dtype().is_floating()) {
                // A NumPy float into integers follows the scalar rules, as in NumPy: NaN is a ValueError,
                // infinity and out-of-range values an OverflowError (an array cast would saturate).
                store_scalar(out_.dtype(), dst, load_scalar(a.dtype(), a.data()));
                return;
            }
            copy_into(sub_view(dst, shape_.size()), a);
            return;
        }
        if (guessing_ && !fits_python_scalar(o)) throw Restart{};
        store_scalar(out_.dtype(), dst, scalar_from_object(o));
    }

    // A Python scalar the guessed dtype holds as it is (weak typing: ints in a float array, ...).
    bool fits_python_scalar(nb::handle o) const {
        const DType d = out_.dtype();
        PyObject* p = o.ptr();
        if (PyBool_Check(p)) return d.is_numeric();
        if (PyLong_Check(p)) {
            if (d.is_floating() || d.is_complex()) return true;
            if (!d.is_integer()) return false;
            int overflow = 0;
            const long long v = PyLong_AsLongLongAndOverflow(p, &overflow);
            if (overflow != 0) return d.type() == ScalarType::uint64 && overflow > 0;
            return d.type() == ScalarType::int64 || (d.type() == ScalarType::uint64 && v >= 0);
        }
        if (PyFloat_Check(p)) return d.is_floating() || d.is_complex();
        if (PyComplex_Check(p)) return d.is_complex();
        if (PyUnicode_Check(p)) return d.kind() == DTypeKind::unicode && PyUnicode_GetLength(p) <= d.length();
        if (PyBytes_Check(p)) return d.kind() == DTypeKind::bytes && PyBytes_GET_SIZE(p) <= d.length();
        return false;
    }

    Request req_;
    Dims shape_;
    Dims index_;  ///< where the walk is, for messages
    std::vector<PyObject*> ancestors_;  ///< the sequences walk() is inside, for self-reference messages
    std::vector<PyObject*> measured_;  ///< the sequences discover() measured, one per level (kept alive by the caller and keep_)
    std::optional<nb::object> first_leaf_;
    std::optional<DType> first_leaf_dtype_;
    std::vector<nb::object> keep_;
    Array out_;
    bool guessing_ = false;
    enum class Fast : unsigned char { none, f64, i64 } fast_ = Fast::none;  ///< the fast path of walk, if any
    DTypeInference infer_;
};

// ---------------------------------------------------------------------------------------------- dispatch

/// A view of an array-like's memory; `fresh` is set when the producer made a copy for the request.
Array view_of(nb::handle obj, const Probe& p, const Request& req, bool& fresh);

std::optional<Array> SequenceReader::leaf_array(nb::handle o) const {
    const Probe p = probe(o);
    if (!is_array_like(p.kind) || PyBytes_Check(o.ptr())) return std::nullopt;
    bool fresh = false;
    Request plain;
    plain.default_float = req_.default_float;
    Array a = view_of(o, p, plain, fresh);
    if (!a.device().host_accessible())
        fail(ErrorKind::value, "asarray: an element of the sequence is on device ", to_string(a.device()),
             "; sequences are read on the host");
    return a;
}

// NumPy 2's protocol: __array__(dtype=None, copy=None), with copy passed on as NumPy does (copy=True
// asks for a new array, which is then `fresh`; copy=False asks the object to raise rather than copy);
// older implementations take no copy keyword and are called without it.
Array array_method_result(nb::handle obj, const Request& req, bool& fresh) {
    nb::object method = obj.attr("__array__");
    nb::dict kwargs;
    if (req.copy == CopyMode::always) kwargs["copy"] = true;
    if (req.copy == CopyMode::never) kwargs["copy"] = false;
    PyObject* r = PyObject_Call(method.ptr(), nb::tuple().ptr(), kwargs.ptr());
    fresh = r != nullptr && req.copy == CopyMode::always;
    if (r == nullptr && PyErr_ExceptionMatches(PyExc_TypeError) && kwargs.size() != 0) {
        PyErr_Clear();
        // As NumPy 2: without the keyword nobody can tell whether the result is a copy.
        if (req.copy == CopyMode::never)
            fail(ErrorKind::copy, "asarray: ", py_type_name(obj), ".__array__() does not take the copy keyword (NumPy 1 "
                 "protocol), so it cannot promise not to copy, and copy=False requires that");
        r = PyObject_CallNoArgs(method.ptr());
    }
    if (r == nullptr) throw nb::python_error();
    nb::object result = nb::steal(r);
    std::optional<Array> a = array_from_memory(result);
    if (!a) fail(ErrorKind::type, "asarray: ", py_type_name(obj), ".__array__() returned a ", py_type_name(result), ", not an array");
    return *a;
}

Array view_of(nb::handle obj, const Probe& p, const Request& req, bool& fresh) {
    fresh = false;
    switch (p.kind) {
        // The kind is known: go straight to the reader instead of probing again.
        case Kind::ndb_array: return nb::cast<Array>(obj);
        case Kind::numpy_array: return array_from_numpy(obj);
        case Kind::buffer: return *array_from_memory(obj);
        case Kind::exchange_api:
        case Kind::dlpack: return from_dlpack_producer(obj, p, req, fresh);  // a move is a copy already
        case Kind::capsule: return import_capsule(obj);
        case Kind::array_interface: return array_from_interface(obj, obj.attr("__array_interface__"), Device::cpu());
        case Kind::array_struct: return from_array_struct(obj);
        case Kind::cuda_interface: return from_cuda_interface(obj);
        case Kind::array_method: return array_method_result(obj, req, fresh);
        default: break;
    }
    fail(ErrorKind::type, "asarray: internal: no view for kind ", static_cast<int>(p.kind));
}

Request parse_request(nb::handle dtype, nb::handle device, nb::handle copy, nb::handle order, nb::handle default_float) {
    Request r;
    if (!dtype.is_none()) r.dtype = dtype_from_object(dtype);
    if (!device.is_none()) {
        if (nb::isinstance<nb::str>(device)) r.device = parse_device(nb::cast<std::string>(device));
        else r.device = parse_device(nb::cast<std::string>(nb::str(device)));
    }
    // copy: None, a bool or a NumPy bool; NumPy's truthiness of anything else (copy=0 meaning "never") is a trap.
    const bool numpy_bool = is_numpy_scalar(copy) && py_type_name(copy) == "bool";
    if (copy.is_none()) r.copy = CopyMode::if_needed;
    else if (PyBool_Check(copy.ptr()) || numpy_bool) r.copy = PyObject_IsTrue(copy.ptr()) ? CopyMode::always : CopyMode::never;
    else fail(ErrorKind::value, "asarray: copy must be True, False or None, not ", short_repr(copy));
    if (order.is_none()) {
        r.order = MemoryOrder::K;  // as NumPy: None means 'K'
    } else {
        if (!nb::isinstance<nb::str>(order))
            fail(ErrorKind::value, "asarray: order must be 'K', 'A', 'C' or 'F', not ", short_repr(order));
        try {
            r.order = parse_order(nb::cast<std::string>(order));
        } catch (const Error& e) {
            fail(ErrorKind::value, "asarray: ", e.what());
        }
    }
    if (!default_float.is_none()) r.default_float = dtype_from_object(default_float);
    return r;
}

// What the caller will hand the result to: the limits the share-or-copy decision must respect.
const TargetTraits& target_traits(const std::string& target) {
    if (target == "ndbridge" || target == "numpy") return kNdbridgeTarget;  // NumPy holds every ndbridge layout
    if (target == "torch") return kTorchTarget;
    if (target == "dlpack" || target == "jax") return kDLPackTarget;
    fail(ErrorKind::value, "asarray: unknown target '", target, "' (expected ndbridge, numpy, torch, jax or dlpack)");
}

nb::object asarray(nb::handle obj, nb::handle dtype, nb::handle device, nb::handle copy, nb::handle order,
                   nb::handle default_float, const std::string& target) {
    const TargetTraits& traits = target_traits(target);
    const Request req = parse_request(dtype, device, copy, order, default_float);
    const ConversionRequest conv{req.dtype, req.device, req.copy, req.order};
    const Probe p = probe(obj);
    switch (p.kind) {
        case Kind::python_scalar:
        case Kind::string:
        case Kind::sequence: {
            if (req.copy == CopyMode::never)
                fail(ErrorKind::copy, "asarray: a ", py_type_name(obj), " is not an array, so its values are always copied; "
                                      "copy=False forbids that (scalars and sequences can never be shared)");
            if (req.device && !req.device->is_cpu())
                fail(ErrorKind::value, "asarray: a ", py_type_name(obj), " is read on the host; device ", to_string(*req.device),
                     " is not reachable from here");
            Array a = SequenceReader(req).read(obj);
            // Built in C order in the final dtype; another order is one more layout pass.
            if (req.order == MemoryOrder::F && !a.is_f_contiguous()) a = a.copy(MemoryOrder::F);
            return nb::cast(std::move(a));
        }
        case Kind::numpy_scalar: {
            if (req.copy == CopyMode::never)
                fail(ErrorKind::copy, "asarray: a NumPy scalar is immutable and its value is always copied; copy=False forbids that");
            Array a = *array_from_memory(obj);
            ConversionRequest once = conv;
            once.copy = CopyMode::always;
            return nb::cast(share_or_copy(a, once, traits));
        }
        case Kind::unknown:
            fail(ErrorKind::type, "asarray: cannot convert an object of type ", py_type_name(obj),
                 " (it is no array, buffer, DLPack producer, scalar or sequence): ", short_repr(obj));
        default: break;
    }
    if (p.kind == Kind::ndb_array && req.copy != CopyMode::always) {
        // The object itself, as np.asarray does, when nothing is asked that it does not already satisfy.
        if (!copy_reason(nb::cast<const Array&>(obj), conv, traits)) return nb::borrow(obj);
    }
    bool fresh = false;
    Array view = view_of(obj, p, req, fresh);
    ConversionRequest rest = conv;
    if (fresh) {
        rest.device = std::nullopt;
        if (rest.copy == CopyMode::always) rest.copy = CopyMode::if_needed;  // the producer already copied
    }
    try {
        return nb::cast(share_or_copy(view, rest, traits));
    } catch (const Error& e) {
        fail(e.kind(), "asarray: ", e.what());  // the core's reason, with the function's name
    }
}

// frombuffer: raw bytes reinterpreted; PyTorch's checks and wording.
nb::object frombuffer(nb::handle buffer, nb::handle dtype, std::int64_t count, std::int64_t offset) {
    const DType dt = dtype_from_object(dtype);
    if (!PyObject_CheckBuffer(buffer.ptr()))
        fail(ErrorKind::type, "frombuffer: a ", py_type_name(buffer), " does not implement the buffer protocol");
    nb::object mv = nb::steal(PyMemoryView_FromObject(buffer.ptr()));
    if (!mv.is_valid()) throw nb::python_error();
    Py_buffer* view = PyMemoryView_GET_BUFFER(mv.ptr());
    if (!PyBuffer_IsContiguous(view, 'A'))
        fail(ErrorKind::value, "frombuffer: the buffer of ", py_type_name(buffer), " is not contiguous; its bytes have no single order");
    const std::int64_t length = view->len;
    const std::int64_t item = dt.itemsize();
    if (length <= 0 || count == 0)
        fail(ErrorKind::value, "frombuffer: both buffer length (", length, ") and count (", count, ") must not be 0");
    if (offset < 0 || offset >= length)
        fail(ErrorKind::value, "frombuffer: offset (", offset, " bytes) must be non-negative and smaller than the buffer length (",
             length, " bytes)");
    if (count < 0) {
        if ((length - offset) % item != 0)
            fail(ErrorKind::value, "frombuffer: buffer length (", length - offset, " bytes) after offset (", offset,
                 " bytes) must be a multiple of element size (", item, ")");
        count = (length - offset) / item;
    } else if (count > (length - offset) / item) {
        fail(ErrorKind::value, "frombuffer: requested buffer length (", count, " * ", item, " bytes) after offset (", offset,
             " bytes) must not be greater than actual buffer length (", length, " bytes)");
    }
    const Dims shape{count};
    // The memoryview holds the export; the array holds the memoryview.
    return nb::cast(Array::wrap(static_cast<std::byte*>(view->buf) + offset, dt, shape, {}, Device::cpu(), view->readonly != 0,
                                owner_of(mv)));
}

nb::object from_numpy(nb::handle a) {
    if (probe(a).kind != Kind::numpy_array)
        fail(ErrorKind::type, "from_numpy: expected a numpy.ndarray, got ", py_type_name(a));
    try {
        return nb::cast(*array_from_memory(a));
    } catch (const Error& e) {
        fail(ErrorKind::copy, "from_numpy: the array cannot be shared: ", e.what());
    }
}

}  // namespace

void bind_asarray(nb::module_& m) {
    m.def("asarray", &asarray, nb::arg("obj").none(), nb::arg("dtype").none() = nb::none(), nb::kw_only(),
          nb::arg("device").none() = nb::none(), nb::arg("copy").none() = nb::none(), nb::arg("order").none() = "K",
          nb::arg("default_float").none() = nb::none(), nb::arg("target") = "ndbridge");
    m.def("frombuffer", &frombuffer, nb::arg("buffer"), nb::arg("dtype") = "uint8", nb::arg("count") = -1, nb::arg("offset") = 0);
    m.def("from_numpy", &from_numpy, nb::arg("a").none());
}

}  // namespace ndbridge::python
