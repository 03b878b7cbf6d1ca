// Viewing other objects' memory: NumPy arrays (through __array_interface__) and buffer-protocol objects.
// Every view keeps its source alive through the Array's owner; nothing here copies elements.
#include <string>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/error.h"

namespace ndbridge::python {
namespace {

std::string type_name_of(nb::handle obj) {
    return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()))).attr("__name__"));
}

Dims int_tuple(nb::handle seq, const char* field, nb::handle source) {
    if (!PyTuple_Check(seq.ptr()))
        fail(ErrorKind::type, "__array_interface__ of ", type_name_of(source), ": '", field, "' must be a tuple of ints");
    Dims out;
    for (nb::handle h : nb::borrow<nb::tuple>(seq)) {
        if (!PyLong_Check(h.ptr()))
            fail(ErrorKind::type, "__array_interface__ of ", type_name_of(source), ": '", field, "' must hold ints, got ",
                 nb::cast<std::string>(nb::repr(h)));
        const long long v = PyLong_AsLongLong(h.ptr());
        if (v == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            fail(ErrorKind::overflow, "__array_interface__ of ", type_name_of(source), ": '", field, "' value ",
                 nb::cast<std::string>(nb::repr(h)), " does not fit in 64 bits");
        }
        out.push_back(v);
    }
    return out;
}

// A NumPy array's __array_interface__ (version 3): data pointer, read-only flag, typestr, shape, strides.
Array array_from_numpy(nb::handle obj) {
    nb::object iface = obj.attr("__array_interface__");
    if (!nb::isinstance<nb::dict>(iface)) fail(ErrorKind::type, "__array_interface__ of ", type_name_of(obj), " is not a dict");
    nb::dict d = nb::borrow<nb::dict>(iface);
    nb::tuple data = nb::cast<nb::tuple>(d["data"]);
    auto* ptr = reinterpret_cast<void*>(static_cast<std::uintptr_t>(nb::cast<unsigned long long>(data[0])));
    const bool readonly = nb::cast<bool>(data[1]);
    const std::string typestr = nb::cast<std::string>(d["typestr"]);
    DType dtype;
    // ml_dtypes' bfloat16/float8 report '<V2' or a typestr of a type they are not ('<f1'): ask the dtype.
    if (typestr.size() >= 2 && (typestr[1] == 'V' || typestr.substr(1) == "f1") && nb::hasattr(obj, "dtype")) {
        dtype = dtype_from_object(obj.attr("dtype"));
    } else {
        dtype = parse_typestr(typestr);
    }
    const Dims shape = int_tuple(d["shape"], "shape", obj);
    nb::object strides_obj = d.contains("strides") ? nb::object(d["strides"]) : nb::none();
    const Dims strides = strides_obj.is_none() ? Dims{} : int_tuple(strides_obj, "strides", obj);
    return Array::wrap(ptr, dtype, shape, strides, Device::cpu(), readonly, owner_of(obj));
}

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
        fail(ErrorKind::buffer, "buffer of ", type_name_of(obj), " uses suboffsets (PIL-style indirect arrays); ndbridge views strided memory only");
    const std::string format = v.format != nullptr ? v.format : "B";
    DType dtype;
    try {
        dtype = parse_pep3118(format);
    } catch (const Error& e) {
        fail(e.kind(), "buffer of ", type_name_of(obj), ": ", e.what());
    }
    if (dtype.itemsize() != v.itemsize)
        fail(ErrorKind::buffer, "buffer of ", type_name_of(obj), ": format '", format, "' means ", dtype.itemsize(),
             "-byte items but the buffer says itemsize ", v.itemsize);
    Dims shape, strides;
    for (int i = 0; i < v.ndim; ++i) {
        shape.push_back(v.shape[i]);
        if (v.strides != nullptr) strides.push_back(v.strides[i]);
    }
    return Array::wrap(v.buf, dtype, shape, strides, Device::cpu(), v.readonly != 0, std::move(owner));
}

}  // namespace

bool is_numpy_array(nb::handle obj) {
    for (PyTypeObject* t = Py_TYPE(obj.ptr()); t != nullptr; t = t->tp_base)
        if (std::string_view(t->tp_name) == "numpy.ndarray") return true;
    return false;
}

bool is_numpy_scalar(nb::handle obj) {
    for (PyTypeObject* t = Py_TYPE(obj.ptr()); t != nullptr; t = t->tp_base)
        if (std::string_view(t->tp_name) == "numpy.generic") return true;
    return false;
}

std::optional<Array> array_from_memory(nb::handle obj) {
    if (nb::isinstance<Array>(obj)) return nb::cast<Array>(obj);
    if (is_numpy_array(obj)) return array_from_numpy(obj);
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
