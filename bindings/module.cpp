// The extension module ndbridge._core: the exception table and the registration of every binding.
#include <string>

#include "common.h"
#include "ndbridge/copy.h"
#include "ndbridge/error.h"

namespace ndbridge::python {

PyObject* copy_error_type = nullptr;

// Core error kinds to Python exceptions: one table, so every message keeps its kind everywhere.
PyObject* exception_for(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::type: return PyExc_TypeError;
        case ErrorKind::value: return PyExc_ValueError;
        case ErrorKind::overflow: return PyExc_OverflowError;
        case ErrorKind::copy: return copy_error_type;
        case ErrorKind::buffer: return PyExc_BufferError;
        case ErrorKind::index: return PyExc_IndexError;
    }
    return PyExc_RuntimeError;
}

namespace {

void translate_core_error(const std::exception_ptr& p, void*) {
    try {
        std::rethrow_exception(p);
    } catch (const Error& e) {
        PyErr_SetString(exception_for(e.kind()), e.what());
    }
}

}  // namespace

void warn_invalid_casts() {
    const InvalidCasts found = take_invalid_casts();
    if (found.count == 0) return;
    const std::string message = "invalid value encountered in cast: " + std::to_string(found.count) +
                                " element(s) NaN, infinite or outside the range of " + name(found.to) +
                                " (NaN becomes 0, the others the nearest bound)";
    if (PyErr_WarnEx(PyExc_RuntimeWarning, message.c_str(), 1) < 0) throw nb::python_error();
}

void rethrow_named(const char* function, const Error& e) {
    throw Error(e.kind(), std::string(function) + ": " + e.what());
}

}  // namespace ndbridge::python

NB_MODULE(_core, m) {
    using namespace ndbridge::python;
    nb::object bases = nb::make_tuple(nb::handle(PyExc_ValueError), nb::handle(PyExc_BufferError));
    copy_error_type = PyErr_NewExceptionWithDoc(
        "ndbridge.CopyError",
        "Raised when copy=False forbids a copy that the conversion needs. Subclass of ValueError and BufferError.",
        bases.ptr(), nullptr);
    if (copy_error_type == nullptr) throw nb::python_error();
    m.attr("CopyError") = nb::handle(copy_error_type);
    nb::register_exception_translator(translate_core_error);
    m.attr("MAX_NDIM") = ndbridge::kMaxNdim;
    bind_dtype(m);
    bind_array(m);
    bind_entry_points(m);
    bind_threads(m);
    bind_signatures(m);
    bind_dask(m);
    bind_arrow(m);
    bind_frames(m);
#ifdef NDBRIDGE_SANITIZER_CANARY
    bind_sanitizer_canary(m);
#endif
}
