// NumPy's C API, for the two places that need it: reading an ndarray's fields (the struct layout
// only, which needs no API table and no NumPy import) and making ndarrays for like="numpy" and
// __array__ (the API table, imported on first use, so `import ndbridge` never imports NumPy).
#pragma once

#include <Python.h>

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL ndbridge_numpy_api
#ifndef NDBRIDGE_DEFINE_NUMPY_API
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

namespace ndbridge::python {

inline void* numpy_data(PyArrayObject* a) noexcept { return PyArray_DATA(a); }
inline int numpy_ndim(PyArrayObject* a) noexcept { return PyArray_NDIM(a); }
inline npy_intp* numpy_dims(PyArrayObject* a) noexcept { return PyArray_DIMS(a); }
inline npy_intp* numpy_strides(PyArrayObject* a) noexcept { return PyArray_STRIDES(a); }
inline PyArray_Descr* numpy_descr(PyArrayObject* a) noexcept { return PyArray_DESCR(a); }
inline bool numpy_writeable(PyArrayObject* a) noexcept { return (PyArray_FLAGS(a) & NPY_ARRAY_WRITEABLE) != 0; }

/// Imports NumPy's C API on first use (this imports NumPy); a Python ImportError otherwise.
void require_numpy_api();

}  // namespace ndbridge::python
