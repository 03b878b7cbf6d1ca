// Viewing other objects' memory: NumPy arrays (through __array_interface__) and buffer-protocol objects.
// Every view keeps its source alive through the Array's owner; nothing here copies elements.
#include <string>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/error.h"

namespace ndbridge::python {
namespace {

Dims int_tuple(nb::handle seq, const char* field, nb::handle source) {
    if (!PyTuple_Check(seq.ptr()))
        fail(ErrorKind::type, "__array_interface__ of ", py_type_name(source), ": '", field, "' must be a tuple of ints");
    Dims out;
    for (nb::handle h : nb::borrow<nb::tuple>(seq)) {
        if (!PyLong_Check(h.ptr()))
            fail(ErrorKind::type, "__array_interface__ of ", py_type_name(source), ": '", field, "' must hold ints, got ",
                 short_repr(h));
        const long long v = PyLong_AsLongLong(h.ptr());
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            fail(ErrorKind::overflow, "__array_interface__ of ", py_type_name(source), ": '", field, "' value ",
                 short_repr(h), " does not fit in 64 bits");
        }
        out.push_back(v);
    }
    return out;
}

Array array_from_buffer(nb::handle obj);

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

// A contiguous export of `obj` (writable when it allows, else read-only), held by the returned owner.
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


}  // namespace

Array array_from_interface(nb::handle obj, nb::handle iface_obj, Device device) {
    if (!nb::isinstance<nb::dict>(iface_obj))
        fail(ErrorKind::type, "__array_interface__ of ", py_type_name(obj), " is not a dict");
    nb::dict iface = nb::borrow<nb::dict>(iface_obj);
    if (!iface.contains("typestr") || !iface.contains("shape"))
        fail(ErrorKind::value, "__array_interface__ of ", py_type_name(obj), " lacks 'typestr' or 'shape'");
    const std::string typestr = nb::cast<std::string>(iface["typestr"]);
    DType dtype;
    // ml_dtypes' bfloat16/float8 report '<V2' or a typestr of a type they are not ('<f1'): ask the dtype.
    if (typestr.size() >= 2 && (typestr[1] == 'V' || typestr.substr(1) == "f1") && nb::hasattr(obj, "dtype")) {
        dtype = dtype_from_object(obj.attr("dtype"));
    } else {
        dtype = parse_typestr(typestr);
    }
    const Dims shape = int_tuple(iface["shape"], "shape", obj);
    nb::object strides_obj = iface.contains("strides") ? nb::object(iface["strides"]) : nb::none();
    const Dims strides = strides_obj.is_none() ? Dims{} : int_tuple(strides_obj, "strides", obj);
    nb::object data = iface.contains("data") ? nb::object(iface["data"]) : nb::none();
    const std::int64_t offset = iface.contains("offset") ? nb::cast<std::int64_t>(iface["offset"]) : 0;
    if (PyTuple_Check(data.ptr())) {
        if (nb::len(data) != 2)
            fail(ErrorKind::value, "__array_interface__ of ", py_type_name(obj), ": 'data' must be (address, read_only)");
        auto* ptr = reinterpret_cast<std::byte*>(static_cast<std::uintptr_t>(nb::cast<unsigned long long>(data[0])));
        return Array::wrap(ptr == nullptr ? nullptr : ptr + offset, dtype, shape, strides, device, nb::cast<bool>(data[1]),
                           owner_of(obj));
    }
    // 'data' is a buffer object, or missing: then the object itself exports the buffer.
    nb::handle exporter = data.is_none() ? obj : nb::handle(data);
    if (!PyObject_CheckBuffer(exporter.ptr()))
        fail(ErrorKind::type, "__array_interface__ of ", py_type_name(obj), ": 'data' is neither a tuple nor a buffer");
    // Raw bytes, so contiguous ones: [0, len) must be the memory the offsets and strides below address.
    Py_buffer* view = nullptr;
    Owner owner = hold_contiguous_buffer(exporter, view);
    const Dims st = strides.empty() ? contiguous_strides(shape, dtype.itemsize(), MemoryOrder::C) : strides;
    const ByteExtent extent = byte_extent(shape, st, dtype.itemsize());
    const std::int64_t len = view->len;
    if (offset < 0 || offset > len)
        fail(ErrorKind::value, "__array_interface__ of ", py_type_name(obj), ": offset ", offset, " is outside the ", len,
             "-byte buffer");
    const std::int64_t low = offset + extent.low;  // cannot overflow: offset <= len and |extent| is checked
    const std::int64_t high = checked_add(offset, extent.high, "__array_interface__");
    if (extent.high > extent.low && (low < 0 || high > len))
        fail(ErrorKind::value, "__array_interface__ of ", py_type_name(obj), " reaches bytes [", low, ", ", high, ") of a ", len,
             "-byte buffer");
    return Array::wrap(static_cast<std::byte*>(view->buf) + offset, dtype, shape, strides, device, view->readonly != 0,
                       std::move(owner));
}

namespace {

// The buffer protocol: format, shape and strides honoured; the export is held as long as any view lives.
Array array_from_buffer(nb::handle obj) {
    auto* held = new HeldBuffer{};
    if (PyObject_GetBuffer(obj.ptr(), &held->view, PyBUF_RECORDS_RO) != 0) {
        delete held;
        throw nb::python_error();
    }
    Owner owner = make_owner(held, release_buffer);  // from here on the export is released exactly once
    const Py_buffer& v = held->view;
    if (v.suboffsets != nullptr)
        fail(ErrorKind::buffer, "buffer of ", py_type_name(obj), " uses suboffsets (PIL-style indirect arrays); ndbridge views strided memory only");
    const std::string format = v.format != nullptr ? v.format : "B";
    DType dtype;
    try {
        dtype = parse_pep3118(format);
    } catch (const Error& e) {
        fail(e.kind(), "buffer of ", py_type_name(obj), ": ", e.what());
    }
    if (dtype.itemsize() != v.itemsize)
        fail(ErrorKind::buffer, "buffer of ", py_type_name(obj), ": format '", format, "' means ", dtype.itemsize(),
             "-byte items but the buffer says itemsize ", v.itemsize);
    Dims shape, strides;
    for (int i = 0; i < v.ndim; ++i) {
        shape.push_back(v.shape[i]);
        if (v.strides != nullptr) strides.push_back(v.strides[i]);
    }
    return Array::wrap(v.buf, dtype, shape, strides, Device::cpu(), v.readonly != 0, std::move(owner));
}

// A NumPy scalar (np.generic, ml_dtypes scalars included): the dtype from its .dtype (scalars are always
// native-endian), the bytes from a format-less export. Formats cannot be trusted here: datetime64 and
// bytes_ scalars export 'B' bytes and ml_dtypes scalars refuse any format.
Array array_from_numpy_scalar(nb::handle obj) {
    const DType dtype = dtype_from_object(obj.attr("dtype"));
    auto* held = new HeldBuffer{};
    if (PyObject_GetBuffer(obj.ptr(), &held->view, PyBUF_SIMPLE) != 0) {
        delete held;
        throw nb::python_error();
    }
    Owner owner = make_owner(held, release_buffer);
    if (held->view.len != dtype.itemsize())
        fail(ErrorKind::buffer, "NumPy scalar ", short_repr(obj), " of dtype ", name(dtype), " exports ", held->view.len,
             " bytes, not ", dtype.itemsize());
    return Array::wrap(held->view.buf, dtype, Dims{}, Dims{}, Device::cpu(), true, std::move(owner));
}

}  // namespace

bool type_derives_from(PyTypeObject* type, std::string_view tp_name) {
    // The MRO, not the tp_base chain: np.bytes_ and np.str_ have bytes/str as their base and reach
    // numpy.generic only through their second base.
    PyObject* mro = type->tp_mro;
    if (mro == nullptr || !PyTuple_Check(mro)) return std::string_view(type->tp_name) == tp_name;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); ++i)
        if (std::string_view(reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(mro, i))->tp_name) == tp_name) return true;
    return false;
}

bool is_numpy_array(nb::handle obj) { return type_derives_from(Py_TYPE(obj.ptr()), "numpy.ndarray"); }

bool is_numpy_scalar(nb::handle obj) { return type_derives_from(Py_TYPE(obj.ptr()), "numpy.generic"); }

Array array_from_numpy(nb::handle obj) {
    // NumPy's buffer export costs a tenth of building its __array_interface__ dict, and describes every
    // dtype that has a PEP 3118 code; datetimes, ml_dtypes types and records have none, so NumPy
    // refuses the buffer (or gives a format ndbridge refuses) and the interface names them instead.
    try {
        return array_from_buffer(obj);
    } catch (const nb::python_error&) {
    } catch (const Error&) {
    }
    return array_from_interface(obj, obj.attr("__array_interface__"), Device::cpu());
}

std::optional<Array> array_from_memory(nb::handle obj) {
    if (nb::isinstance<Array>(obj)) return nb::cast<Array>(obj);
    if (is_numpy_array(obj)) return array_from_numpy(obj);
    if (is_numpy_scalar(obj)) return array_from_numpy_scalar(obj);
    if (PyObject_CheckBuffer(obj.ptr())) return array_from_buffer(obj);
    return std::nullopt;
}

void bind_import(nb::module_& m) {
    m.def("_view_memory", [](nb::handle obj) -> nb::object {
        std::optional<Array> a = array_from_memory(obj);
        if (!a) return nb::none();
        return nb::cast(std::move(*a));
    }, nb::arg("obj").none(), "An ndb.Array viewing obj's memory (NumPy array, buffer, ndb.Array), or None when obj has none.");
}

}  // namespace ndbridge::python
