// Viewing other objects' memory through the protocols that are not DLPack: NumPy arrays (read from
// their fields), NumPy scalars, the buffer protocol, __array_interface__, __array_struct__,
// __cuda_array_interface__ and __array__. Every view keeps its source alive through the Array's
// owner; nothing here copies elements. Malformed protocol data is refused with a typed error naming
// the field, before anything is viewed.
#include <bit>
#include <span>
#include <string>
#include <unordered_map>

#include <nanobind/stl/string.h>

#include "common.h"
#include "numpy_api.h"

namespace ndbridge::python {
namespace {

struct HeldBuffer {
    Py_buffer view;
};

void release_buffer(void* p) noexcept {
    auto* held = static_cast<HeldBuffer*>(p);
    if (Py_IsInitialized()) {
        PyGILState_STATE state = PyGILState_Ensure();
        PyBuffer_Release(&held->view);
        PyGILState_Release(state);
    }
    delete held;
}

// An export of `obj` with `flags`, held by the returned owner (released exactly once from then on).
Owner hold_buffer(nb::handle obj, int flags, Py_buffer*& view) {
    auto* held = new HeldBuffer{};
    if (PyObject_GetBuffer(obj.ptr(), &held->view, flags) != 0) {
        delete held;
        throw nb::python_error();
    }
    view = &held->view;
    return make_owner(held, release_buffer);
}

// A contiguous export (writable when the exporter allows, else read-only).
Owner hold_contiguous_buffer(nb::handle obj, Py_buffer*& view) {
    auto* held = new HeldBuffer{};
    if (PyObject_GetBuffer(obj.ptr(), &held->view, PyBUF_WRITABLE) != 0) {
        PyErr_Clear();
        if (PyObject_GetBuffer(obj.ptr(), &held->view, PyBUF_SIMPLE) != 0) {
            delete held;
            throw nb::python_error();
        }
    }
    view = &held->view;
    return make_owner(held, release_buffer);
}

// ---- __array_interface__ fields, each checked for its type before it is read

std::string iface_name(nb::handle obj, const char* field) {
    return "__array_interface__ of " + py_type_name(obj) + ": '" + field + "'";
}

std::int64_t iface_int(nb::handle value, nb::handle obj, const char* field) {
    if (!PyLong_Check(value.ptr()) || PyBool_Check(value.ptr()))
        fail(ErrorKind::type, iface_name(obj, field), " must be an int, not ", py_type_name(value), " ",
             short_repr(value));
    int overflow = 0;
    const long long v = PyLong_AsLongLongAndOverflow(value.ptr(), &overflow);
    if (overflow != 0)
        fail(ErrorKind::overflow, iface_name(obj, field), " value ", short_repr(value), " does not fit in 64 bits");
    return v;
}

Dims iface_ints(nb::handle seq, nb::handle obj, const char* field) {
    if (!PyTuple_Check(seq.ptr()))
        fail(ErrorKind::type, iface_name(obj, field), " must be a tuple of ints, not ", py_type_name(seq));
    if (PyTuple_GET_SIZE(seq.ptr()) > kMaxNdim)
        fail(ErrorKind::value, iface_name(obj, field), " has ", PyTuple_GET_SIZE(seq.ptr()), " entries; at most ",
             kMaxNdim, " dimensions are supported");
    Dims out;
    for (nb::handle h : nb::borrow<nb::tuple>(seq)) out.push_back(iface_int(h, obj, field));
    return out;
}

std::string iface_typestr(nb::handle value, nb::handle obj) {
    if (PyUnicode_Check(value.ptr())) return nb::cast<std::string>(value);
    if (PyBytes_Check(value.ptr()))
        return std::string(PyBytes_AS_STRING(value.ptr()), static_cast<std::size_t>(PyBytes_GET_SIZE(value.ptr())));
    fail(ErrorKind::type, iface_name(obj, "typestr"), " must be a str, not ", py_type_name(value), " ",
         short_repr(value));
}

}  // namespace

// ---------------------------------------------------------------------------------------------- NumPy

DType dtype_of_numpy_descr(PyObject* descr) {
    // Descriptors of the builtin types are singletons, and arrays made by one operation share theirs,
    // so a small cache keyed by the object (held, so its address is not reused) answers almost every
    // call without asking Python.
    // The last answer is kept beside the map: a loop converts arrays of one dtype. Its descriptor is one of
    // the map's keys, held by it, so the address cannot be reused while it is kept.
    static std::unordered_map<PyObject*, DType> cache;
    static PyObject* last_descr = nullptr;
    static DType last_dtype;
    if (descr == last_descr) return last_dtype;
    if (auto it = cache.find(descr); it != cache.end()) {
        last_descr = descr;
        last_dtype = it->second;
        return it->second;
    }
    const DType d = dtype_from_object(nb::handle(descr));
    if (cache.size() >= 256) {
        last_descr = nullptr;
        for (auto& [key, value] : cache) Py_DECREF(key);
        cache.clear();
    }
    Py_INCREF(descr);
    cache.emplace(descr, d);
    last_descr = descr;
    last_dtype = d;
    return d;
}

bool is_object_ndarray(nb::handle obj) noexcept {
    return numpy_descr(reinterpret_cast<PyArrayObject*>(obj.ptr()))->type_num == NPY_OBJECT;
}

Array read_object_array(nb::handle obj, const ConversionRequest& req) {
    if (req.copy == CopyMode::never)
        fail(ErrorKind::copy,
             "an object array holds Python objects, not values, so its values are always copied; copy=False "
             "forbids that");
    // tolist() gives the elements themselves in nested lists (a 0-d array gives its one element).
    return read_sequence(obj.attr("tolist")(), req);
}

namespace {

Array numpy_view(nb::handle obj, Owner owner) {
    auto* a = reinterpret_cast<PyArrayObject*>(obj.ptr());
    static_assert(sizeof(npy_intp) == sizeof(std::int64_t));
    const DType dtype = dtype_of_numpy_descr(reinterpret_cast<PyObject*>(numpy_descr(a)));
    const int nd = numpy_ndim(a);
    const auto* shape = reinterpret_cast<const std::int64_t*>(numpy_dims(a));
    const auto* strides = reinterpret_cast<const std::int64_t*>(numpy_strides(a));
    const auto n = static_cast<std::size_t>(nd);
    return Array::wrap(numpy_data(a), dtype, std::span(shape, n), std::span(strides, n), Device::cpu(),
                       !numpy_writeable(a), std::move(owner));
}

}  // namespace

Array read_numpy(nb::handle obj) { return numpy_view(obj, owner_of(obj)); }

Array read_numpy_unowned(nb::handle obj) { return numpy_view(obj, Owner()); }

std::optional<Array> copy_numpy_c_contiguous(nb::handle obj, const std::optional<DType>& dtype) {
    auto* a = reinterpret_cast<PyArrayObject*>(obj.ptr());
    if ((PyArray_FLAGS(a) & NPY_ARRAY_C_CONTIGUOUS) == 0) return std::nullopt;
    const DType own = dtype_of_numpy_descr(reinterpret_cast<PyObject*>(numpy_descr(a)));
    if (dtype && *dtype != own) return std::nullopt;
    const std::span shape(reinterpret_cast<const std::int64_t*>(numpy_dims(a)),
                          static_cast<std::size_t>(numpy_ndim(a)));
    std::int64_t bytes = own.itemsize();
    for (std::int64_t extent : shape) bytes *= extent;  // NumPy keeps an array's byte count within npy_intp
    const void* data = numpy_data(a);
    // copying()'s rule for the GIL; a byte copy converts nothing, so there are no invalid casts to report.
    if (bytes <= kCopyKeepsGilBytes) return copy_c_contiguous(data, own, shape);
    nb::gil_scoped_release release;
    return copy_c_contiguous(data, own, shape);
}

// A NumPy scalar (np.generic, ml_dtypes scalars included): the dtype from its .dtype (scalars are always
// native-endian), the bytes from a format-less export. Formats cannot be trusted here: datetime64 and
// bytes_ scalars export 'B' bytes and ml_dtypes scalars refuse any format.
Array read_numpy_scalar(nb::handle obj) {
    const DType dtype = dtype_from_object(obj.attr("dtype"));
    Py_buffer* view = nullptr;
    Owner owner = hold_buffer(obj, PyBUF_SIMPLE, view);
    if (view->len != dtype.itemsize())
        fail(ErrorKind::buffer, "NumPy scalar ", short_repr(obj), " of dtype ", name(dtype), " exports ", view->len,
             " bytes, not ", dtype.itemsize());
    return Array::wrap(view->buf, dtype, Dims{}, Dims{}, Device::cpu(), true, std::move(owner));
}

// ---------------------------------------------------------------------------------------------- buffers

Array read_buffer(nb::handle obj) {
    Py_buffer* view = nullptr;
    Owner owner = hold_buffer(obj, PyBUF_RECORDS_RO, view);
    const Py_buffer& v = *view;
    if (v.suboffsets != nullptr)
        fail(ErrorKind::buffer, "the buffer of ", py_type_name(obj),
             " uses suboffsets (PIL-style indirect arrays); ndbridge views "
             "strided memory only");
    const std::string format = v.format != nullptr ? v.format : "B";
    DType dtype;
    try {
        dtype = parse_pep3118(format);
    } catch (const Error& e) {
        fail(e.kind(), "the buffer of ", py_type_name(obj), ": ", e.what());
    }
    if (dtype.itemsize() != v.itemsize)
        fail(ErrorKind::buffer, "the buffer of ", py_type_name(obj), ": format '", format, "' means ", dtype.itemsize(),
             "-byte items but the buffer says itemsize ", v.itemsize);
    if (v.ndim < 0 || v.ndim > kMaxNdim)
        fail(ErrorKind::buffer, "the buffer of ", py_type_name(obj), " has ", v.ndim, " dimensions");
    Dims shape, strides;
    for (int i = 0; i < v.ndim; ++i) {
        shape.push_back(v.shape[i]);
        if (v.strides != nullptr) strides.push_back(v.strides[i]);
    }
    return Array::wrap(v.buf, dtype, shape, strides, Device::cpu(), v.readonly != 0, std::move(owner));
}

// ---------------------------------------------------------------------------------------------- __array_interface__

Array read_array_interface(nb::handle obj, nb::handle iface_obj, Device device) {
    if (!PyDict_Check(iface_obj.ptr()))
        fail(ErrorKind::type, "__array_interface__ of ", py_type_name(obj), " is not a dict");
    nb::dict iface = nb::borrow<nb::dict>(iface_obj);
    if (!iface.contains("typestr") || !iface.contains("shape"))
        fail(ErrorKind::value, "__array_interface__ of ", py_type_name(obj), " lacks 'typestr' or 'shape'");
    const std::string typestr = iface_typestr(iface["typestr"], obj);
    DType dtype;
    // ml_dtypes' bfloat16/float8 report '<V2' or a typestr of a type they are not ('<f1'): ask the dtype.
    if (typestr.size() >= 2 && (typestr[1] == 'V' || typestr.substr(1) == "f1") && nb::hasattr(obj, "dtype")) {
        dtype = dtype_from_object(obj.attr("dtype"));
    } else {
        try {
            dtype = parse_typestr(typestr);
        } catch (const Error& e) {
            fail(e.kind(), iface_name(obj, "typestr"), ": ", e.what());
        }
    }
    const Dims shape = iface_ints(iface["shape"], obj, "shape");
    nb::object strides_obj = iface.contains("strides") ? nb::object(iface["strides"]) : nb::none();
    const Dims strides = strides_obj.is_none() ? Dims{} : iface_ints(strides_obj, obj, "strides");
    if (!strides.empty() && strides.size() != shape.size())
        fail(ErrorKind::value, iface_name(obj, "strides"), " has ", strides.size(), " entries for ", shape.size(),
             " dimensions");
    nb::object data = iface.contains("data") ? nb::object(iface["data"]) : nb::none();
    const std::int64_t offset = iface.contains("offset") ? iface_int(iface["offset"], obj, "offset") : 0;
    if (PyTuple_Check(data.ptr())) {
        if (PyTuple_GET_SIZE(data.ptr()) != 2)
            fail(ErrorKind::value, iface_name(obj, "data"), " must be (address, read_only), a tuple of 2, not ",
                 short_repr(data));
        nb::handle address_obj = PyTuple_GET_ITEM(data.ptr(), 0);
        if (!PyLong_Check(address_obj.ptr()) || PyBool_Check(address_obj.ptr()))
            fail(ErrorKind::type, iface_name(obj, "data"), " address must be an int, not ", py_type_name(address_obj),
                 " ", short_repr(address_obj));
        const unsigned long long address = PyLong_AsUnsignedLongLong(address_obj.ptr());
        if (address == static_cast<unsigned long long>(-1) && PyErr_Occurred()) {
            PyErr_Clear();
            fail(ErrorKind::value, iface_name(obj, "data"), " address ", short_repr(address_obj),
                 " is not a valid address (it must be "
                 "a non-negative int below 2**64)");
        }
        const int read_only = PyObject_IsTrue(PyTuple_GET_ITEM(data.ptr(), 1));
        if (read_only < 0) throw nb::python_error();
        auto* ptr = reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(address));
        return Array::wrap(ptr == nullptr ? nullptr : ptr + offset, dtype, shape, strides, device, read_only != 0,
                           owner_of(obj));
    }
    // 'data' is a buffer object, or missing: then the object itself exports the buffer.
    nb::handle exporter = data.is_none() ? obj : nb::handle(data);
    if (!PyObject_CheckBuffer(exporter.ptr()))
        fail(ErrorKind::type, iface_name(obj, "data"), " is neither an (address, read_only) tuple nor a buffer, but ",
             py_type_name(exporter));
    // Raw bytes, so contiguous ones: [0, len) must be the memory the offsets and strides below address.
    Py_buffer* view = nullptr;
    Owner owner = hold_contiguous_buffer(exporter, view);
    const Dims st = strides.empty() ? contiguous_strides(shape, dtype.itemsize(), MemoryOrder::C) : strides;
    const ByteExtent extent = byte_extent(shape, st, dtype.itemsize());
    const std::int64_t len = view->len;
    if (offset < 0 || offset > len)
        fail(ErrorKind::value, iface_name(obj, "offset"), " ", offset, " is outside the ", len, "-byte buffer");
    const std::int64_t low = offset + extent.low;  // cannot overflow: offset <= len and |extent| is checked
    const std::int64_t high = checked_add(offset, extent.high, "__array_interface__");
    if (extent.high > extent.low && (low < 0 || high > len))
        fail(ErrorKind::value, "__array_interface__ of ", py_type_name(obj), " reaches bytes [", low, ", ", high,
             ") of a ", len, "-byte buffer");
    return Array::wrap(static_cast<std::byte*>(view->buf) + offset, dtype, shape, strides, device, view->readonly != 0,
                       std::move(owner));
}

// ---------------------------------------------------------------------------------------------- __array_struct__

namespace {
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
}  // namespace

Array read_array_struct(nb::handle obj) {
    nb::object cap = obj.attr("__array_struct__");
    if (!PyCapsule_CheckExact(cap.ptr()))
        fail(ErrorKind::type, py_type_name(obj), ".__array_struct__ is not a capsule");
    auto* s = static_cast<ArrayInterfaceStruct*>(PyCapsule_GetPointer(cap.ptr(), nullptr));
    if (s == nullptr) throw nb::python_error();
    if (s->two != 2)
        fail(ErrorKind::value, "__array_struct__ of ", py_type_name(obj), " has version ", s->two, ", not 2");
    if (s->nd < 0 || s->nd > kMaxNdim) fail(ErrorKind::value, "__array_struct__ ndim ", s->nd, " is out of range");
    constexpr int kNotSwapped = 0x200, kWriteable = 0x400;
    // The struct has a kind letter and an item size in bytes, nothing more: a datetime unit (and the
    // type of ml_dtypes' 'V' items) is lost, so those are read from the object's .dtype when it has one.
    // A typestr counts characters, not bytes, for 'U' (4 bytes each): NumPy itself misreads a U3 struct
    // as U12 and reads past the end.
    DType dtype;
    if ((s->typekind == 'M' || s->typekind == 'm' || s->typekind == 'V') && nb::hasattr(obj, "dtype")) {
        dtype = dtype_from_object(obj.attr("dtype"));
    } else if (s->typekind == 'M' || s->typekind == 'm') {
        fail(ErrorKind::type, "__array_struct__ of ", py_type_name(obj), " describes ",
             s->typekind == 'M' ? "datetime64" : "timedelta64",
             " items without their unit (the struct has no field for it) and the object has no .dtype to ask");
    } else {
        const int length = s->typekind == 'U' ? s->itemsize / 4 : s->itemsize;
        dtype = parse_typestr(
            std::string(1, (s->flags & kNotSwapped) ? '=' : (std::endian::native == std::endian::little ? '>' : '<')) +
            s->typekind + std::to_string(length));
    }
    if (dtype.itemsize() != s->itemsize)
        fail(ErrorKind::value, "__array_struct__ of ", py_type_name(obj), " has ", s->itemsize,
             "-byte items, but its type ", name(dtype), " has ", dtype.itemsize(), "-byte items");
    Dims shape(s->shape, s->shape + s->nd), strides;
    if (s->strides != nullptr) strides.assign(s->strides, s->strides + s->nd);
    return Array::wrap(s->data, dtype, shape, strides, Device::cpu(), (s->flags & kWriteable) == 0, owner_of(obj));
}

Array read_cuda_interface(nb::handle obj) {
    nb::object iface = obj.attr("__cuda_array_interface__");
    if (!PyDict_Check(iface.ptr()))
        fail(ErrorKind::type, "__cuda_array_interface__ of ", py_type_name(obj), " is not a dict");
    std::int64_t device_id = 0;
    nb::dict d = nb::borrow<nb::dict>(iface);
    if (d.contains("device")) device_id = iface_int(d["device"], obj, "device");
    if (device_id < 0 || device_id > INT32_MAX)
        fail(ErrorKind::value, "__cuda_array_interface__ device ", device_id, " is out of range");
    return read_array_interface(obj, iface, Device{kDLCUDA, static_cast<std::int32_t>(device_id)});
}

// ---------------------------------------------------------------------------------------------- __array__

// NumPy 2's protocol, __array__(dtype=None, copy=None), with both passed on as NumPy passes them
// (pandas uses dtype: a frame of bool and float columns converts to float32 only when it reaches
// __array__). copy=True asks for a new array, which is then `fresh`; copy=False asks the object to
// raise rather than copy. Older implementations take no copy keyword and are called without it.
Array read_array_method(nb::handle obj, const ConversionRequest& req, bool& fresh) {
    nb::object method = obj.attr("__array__");
    nb::object args = nb::tuple();
    if (req.dtype) {
        // The NumPy spelling of the dtype, when NumPy is there to make one (it always is when a
        // producer implements __array__ with NumPy); ml_dtypes' types are asked for by name.
        nb::object numpy = loaded_module("numpy");
        if (numpy.is_valid()) {
            PyObject* d = PyObject_CallOneArg(
                numpy.attr("dtype").ptr(),
                nb::str((req.dtype->kind_char() == 'V' ? name(*req.dtype) : to_typestr(*req.dtype)).c_str()).ptr());
            if (d != nullptr)
                args = nb::make_tuple(nb::steal(d));
            else
                PyErr_Clear();
        }
    }
    nb::dict kwargs;
    if (req.copy == CopyMode::always) kwargs["copy"] = true;
    if (req.copy == CopyMode::never) kwargs["copy"] = false;
    PyObject* r = PyObject_Call(method.ptr(), args.ptr(), kwargs.ptr());
    if (r == nullptr && PyErr_ExceptionMatches(PyExc_TypeError) && (kwargs.size() != 0 || nb::len(args) != 0)) {
        PyErr_Clear();
        // An older signature: as NumPy 2, without the keyword nobody can tell whether the result is a
        // copy. The dtype is applied by the cast that follows instead.
        if (req.copy == CopyMode::never)
            fail(ErrorKind::copy, py_type_name(obj),
                 ".__array__() does not take the copy keyword (NumPy 1 protocol), so it cannot "
                 "promise not to copy, and copy=False requires that");
        r = PyObject_CallNoArgs(method.ptr());
    } else {
        fresh = r != nullptr && req.copy == CopyMode::always;
    }
    if (r == nullptr) throw nb::python_error();
    nb::object result = nb::steal(r);
    const Kind k = probe(result).kind;
    if (k == Kind::numpy_array && is_object_ndarray(result)) {  // pandas' frames of mixed columns
        fresh = true;
        return read_object_array(result, req);
    }
    if (k == Kind::numpy_array) return read_numpy(result);
    if (k == Kind::ndb_array) return nb::cast<Array>(result);
    fail(ErrorKind::type, py_type_name(obj), ".__array__() returned a ", py_type_name(result), ", not an array");
}

}  // namespace ndbridge::python
