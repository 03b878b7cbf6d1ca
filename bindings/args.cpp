// The one parser of the arguments every entry point shares (dtype, device, copy, order): the same
// spelling means the same thing, and is refused with the same exception, everywhere.
#include <string>
#include <string_view>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/device.h"

namespace ndbridge::python {

CopyMode parse_copy(nb::handle copy) {
    PyObject* c = copy.ptr();
    if (c == Py_None) return CopyMode::if_needed;
    if (c == Py_True) return CopyMode::always;
    if (c == Py_False) return CopyMode::never;
    if (is_numpy_scalar(copy) && py_type_name(copy) == "bool")
        return PyObject_IsTrue(c) ? CopyMode::always : CopyMode::never;
    fail(ErrorKind::value, "copy must be True, False or None, not ", short_repr(copy));
}

MemoryOrder parse_order(nb::handle order) {
    if (order.is_none()) return MemoryOrder::K;  // as NumPy: None means 'K'
    if (!PyUnicode_Check(order.ptr()))
        fail(ErrorKind::type, "order must be a str ('K', 'A', 'C' or 'F'), not ", py_type_name(order));
    Py_ssize_t n = 0;
    const char* text = PyUnicode_AsUTF8AndSize(order.ptr(), &n);
    if (text == nullptr) throw nb::python_error();
    return ndbridge::parse_order(std::string_view(text, static_cast<std::size_t>(n)));
}

std::optional<Device> parse_given_device(nb::handle device) {
    if (PyUnicode_Check(device.ptr())) return ndbridge::parse_device(nb::cast<std::string>(device));
    if (PyTuple_Check(device.ptr())) {  // DLPack's (device_type, device_id)
        if (PyTuple_GET_SIZE(device.ptr()) != 2 || !PyLong_Check(PyTuple_GET_ITEM(device.ptr(), 0)) ||
            !PyLong_Check(PyTuple_GET_ITEM(device.ptr(), 1)))
            fail(ErrorKind::value, "device as a tuple must be DLPack's (device_type, device_id) of two ints, not ",
                 short_repr(device));
        int overflow = 0;
        const long long type = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(device.ptr(), 0), &overflow);
        const long long id = PyLong_AsLongLongAndOverflow(PyTuple_GET_ITEM(device.ptr(), 1), &overflow);
        if (overflow != 0 || type < INT32_MIN || type > INT32_MAX || id < INT32_MIN || id > INT32_MAX)
            fail(ErrorKind::value, "device ", short_repr(device), " does not fit DLPack's 32-bit fields");
        return device_from_dlpack(static_cast<std::int32_t>(type), static_cast<std::int32_t>(id));
    }
    // torch.device and similar: their str() is PyTorch's spelling ("cuda:0").
    return ndbridge::parse_device(nb::cast<std::string>(nb::str(device)));
}

namespace {

// str, bytes, "U", "S", "str", "<U0", np.str_, np.dtype(str), ...: a string type without a length.
std::optional<ScalarType> unsized_string_spec(nb::handle spec) {
    PyObject* o = spec.ptr();
    if (o == reinterpret_cast<PyObject*>(&PyUnicode_Type)) return ScalarType::unicode;
    if (o == reinterpret_cast<PyObject*>(&PyBytes_Type)) return ScalarType::bytes;
    if (PyUnicode_Check(o)) {
        std::string_view text = PyUnicode_AsUTF8(o) != nullptr ? std::string_view(PyUnicode_AsUTF8(o)) : "";
        if (!text.empty() && (text[0] == '<' || text[0] == '>' || text[0] == '|' || text[0] == '='))
            text.remove_prefix(1);
        if (text.size() == 2 && text[1] == '0') text.remove_suffix(1);
        if (text == "U" || text == "str" || text == "str_" || text == "unicode") return ScalarType::unicode;
        if (text == "S" || text == "bytes" || text == "bytes_") return ScalarType::bytes;
        return std::nullopt;
    }
    // NumPy's str_, bytes_ and dtype, looked up once NumPy is loaded (held for the life of the process):
    // by name on every call they cost more than the rest of a small cast with dtype=np.float32.
    struct NumpyTextTypes {
        PyObject* str_ = nullptr;
        PyObject* bytes_ = nullptr;
        PyObject* dtype = nullptr;
    };
    static NumpyTextTypes numpy_types;
    if (numpy_types.dtype == nullptr) {
        nb::object numpy = loaded_module("numpy");
        if (!numpy.is_valid()) return std::nullopt;
        numpy_types = {numpy.attr("str_").inc_ref().ptr(), numpy.attr("bytes_").inc_ref().ptr(),
                       numpy.attr("dtype").inc_ref().ptr()};
    }
    if (o == numpy_types.str_) return ScalarType::unicode;
    if (o == numpy_types.bytes_) return ScalarType::bytes;
    if (PyType_Check(numpy_types.dtype) && PyObject_TypeCheck(o, reinterpret_cast<PyTypeObject*>(numpy_types.dtype)) &&
        nb::cast<std::int64_t>(spec.attr("itemsize")) == 0) {
        const std::string kind = nb::cast<std::string>(spec.attr("kind"));
        if (kind == "U") return ScalarType::unicode;
        if (kind == "S") return ScalarType::bytes;
    }
    return std::nullopt;
}

// dtype= read: a length-less text type, or a DType.
struct DtypeArgument {
    std::optional<ScalarType> unsized_string;
    std::optional<DType> dtype;
};

DtypeArgument read_dtype_argument(nb::handle dtype) {
    // The last str spelling and its meaning, the str held so that its address is not reused: a loop of calls
    // with one dtype="float32" reads it once (the lookups below cost as much as a 4 KiB copy's own work).
    // A str cannot change; every parser here runs with the GIL held.
    static PyObject* last_text = nullptr;
    static DtypeArgument last;
    if (dtype.ptr() == last_text) return last;
    DtypeArgument read;
    read.unsized_string = unsized_string_spec(dtype);
    if (!read.unsized_string) read.dtype = dtype_from_object(dtype);
    if (PyUnicode_CheckExact(dtype.ptr())) {
        Py_XDECREF(last_text);
        last_text = Py_NewRef(dtype.ptr());
        last = read;
    }
    return read;
}

}  // namespace

DType string_dtype_from_data(DType data, ScalarType wanted) {
    if (!data.is_string())
        fail(ErrorKind::type, "dtype=", wanted == ScalarType::unicode ? "str" : "bytes",
             " without a length takes the length from text data, and the data is ", describe(data),
             "; ndbridge does not turn numbers into text (np.asarray(x).astype(str) does)");
    return wanted == ScalarType::unicode ? DType::unicode(data.length()) : DType::bytes(data.length());
}

ConversionRequest parse_request(nb::handle dtype, nb::handle device, nb::handle copy, nb::handle order) {
    ConversionRequest r;
    if (!dtype.is_none()) {
        const DtypeArgument read = read_dtype_argument(dtype);
        r.unsized_string = read.unsized_string;
        r.dtype = read.dtype;
    }
    r.device = parse_device(device);
    r.copy = parse_copy(copy);
    r.order = parse_order(order);
    return r;
}

}  // namespace ndbridge::python
