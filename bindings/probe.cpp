// Probing: which of DESIGN §3's input kinds an object is. The answer for a Python type is cached per
// type, so a conversion asks Python for attributes only the first time it meets a type; protocols
// set on an instance (NumPy honours those too) are looked up only when the type offers nothing.
#include <string_view>
#include <unordered_map>

#include "common.h"

namespace ndbridge::python {
namespace {

bool type_has(PyTypeObject* t, const char* name) {
    PyObject* attr = PyObject_GetAttrString(reinterpret_cast<PyObject*>(t), name);
    if (attr == nullptr) {
        PyErr_Clear();
        return false;
    }
    Py_DECREF(attr);
    return true;
}

// Whether `type` has a class whose tp_name is `tp_name` ("numpy.ndarray") anywhere in its MRO. The
// MRO, not the tp_base chain: np.bytes_ and np.str_ have bytes/str as their base and reach
// numpy.generic only through their second base.
bool type_derives_from(PyTypeObject* type, std::string_view tp_name) {
    PyObject* mro = type->tp_mro;
    if (mro == nullptr || !PyTuple_Check(mro)) return std::string_view(type->tp_name) == tp_name;
    for (Py_ssize_t i = 0; i < PyTuple_GET_SIZE(mro); ++i)
        if (std::string_view(reinterpret_cast<PyTypeObject*>(PyTuple_GET_ITEM(mro, i))->tp_name) == tp_name)
            return true;
    return false;
}

// Dask's own collections (arrays, frames, delayed): the graph protocol on a class of a dask module. The
// module matters: xarray and others implement the protocol too and return None for eager data.
bool is_dask_collection_type(PyTypeObject* t) {
    if (!type_has(t, "__dask_graph__")) return false;
    nb::object module = nb::steal(PyObject_GetAttrString(reinterpret_cast<PyObject*>(t), "__module__"));
    if (!module.is_valid()) {
        PyErr_Clear();
        return false;
    }
    const char* utf8 = PyUnicode_Check(module.ptr()) ? PyUnicode_AsUTF8(module.ptr()) : nullptr;
    if (utf8 == nullptr) {
        PyErr_Clear();
        return false;
    }
    const std::string_view name(utf8);
    return name == "dask" || name.starts_with("dask.");
}

// pandas' DataFrame, Series and Index (subclasses too), once pandas is loaded: an object of such a
// type cannot exist before. Checked before __array__, which pandas objects also have.
bool is_pandas_type(PyTypeObject* t) {
    nb::object pandas = loaded_module("pandas");
    if (!pandas.is_valid()) return false;
    for (const char* name : {"DataFrame", "Series", "Index"}) {
        nb::object cls = nb::getattr(pandas, name, nb::none());
        if (PyType_Check(cls.ptr()) && PyType_IsSubtype(t, reinterpret_cast<PyTypeObject*>(cls.ptr()))) return true;
    }
    return false;
}

// numpy.ndarray itself, remembered the first time an object of that exact type is classified.
PyTypeObject* ndarray_type = nullptr;

Probe classify(PyTypeObject* t) {
    auto is = [t](PyTypeObject* base) { return t == base || PyType_IsSubtype(t, base); };
    if (PyType_IsSubtype(t, reinterpret_cast<PyTypeObject*>(nb::type<Array>().ptr()))) return {Kind::ndb_array};
    if (type_derives_from(t, "numpy.ndarray")) {
        if (std::string_view(t->tp_name) == "numpy.ndarray") ndarray_type = t;
        return {Kind::numpy_array};
    }
    if (type_derives_from(t, "numpy.generic")) return {Kind::numpy_scalar};
    if (const DLPackExchangeAPI* api = exchange_api_of(t)) return {Kind::exchange_api, api};
    // pandas before Arrow: pandas 3 frames have __arrow_c_stream__ too, and are read column by column.
    if (is_pandas_type(t)) return {Kind::pandas};
    // Arrow before DLPack: pyarrow arrays have __dlpack__ too, which cannot carry nulls, bools or times.
    if (type_has(t, "__arrow_c_stream__") || type_has(t, "__arrow_c_array__")) return {Kind::arrow};
    if (type_has(t, "__dlpack__")) return {Kind::dlpack};
    if (t == &PyCapsule_Type) return {Kind::capsule};
    if (is(&PyBool_Type) || is(&PyLong_Type) || is(&PyFloat_Type) || is(&PyComplex_Type)) return {Kind::python_scalar};
    if (is(&PyUnicode_Type)) return {Kind::string};
    if (t->tp_as_buffer != nullptr && t->tp_as_buffer->bf_getbuffer != nullptr) return {Kind::buffer};
    if (type_has(t, "__array_interface__")) return {Kind::array_interface};
    if (type_has(t, "__array_struct__")) return {Kind::array_struct};
    if (type_has(t, "__cuda_array_interface__")) return {Kind::cuda_interface};
    // Lazy graphs before __array__, which would compute the whole graph into a temporary and copy again.
    if (is_dask_collection_type(t)) return {Kind::dask_collection};
    if (type_has(t, "__array__")) return {Kind::array_method};
    if (is(&PyList_Type) || is(&PyTuple_Type) || is(&PyRange_Type)) return {Kind::sequence};
    if (is(&PyDict_Type) || is(&PySet_Type) || is(&PyFrozenSet_Type)) return {Kind::unknown};
    if (t->tp_as_sequence != nullptr && t->tp_as_sequence->sq_item != nullptr &&
        t->tp_as_sequence->sq_length != nullptr)
        return {Kind::sequence};
    return {Kind::unknown};
}

// Protocols set on an instance rather than its type. Not cacheable, so only asked when the type itself
// offers nothing, or is a sequence type other than list/tuple/range (NumPy asks __array_interface__
// before reading a sequence).
Probe with_instance(nb::handle obj, const Probe& p) {
    PyTypeObject* t = Py_TYPE(obj.ptr());
    const bool plain_sequence = t == &PyList_Type || t == &PyTuple_Type || t == &PyRange_Type;
    if (p.kind != Kind::unknown && (p.kind != Kind::sequence || plain_sequence)) return p;
    // In the type's order: Arrow before DLPack.
    if (nb::hasattr(obj, "__arrow_c_stream__") || nb::hasattr(obj, "__arrow_c_array__")) return {Kind::arrow};
    if (nb::hasattr(obj, "__dlpack__")) return {Kind::dlpack};
    if (nb::hasattr(obj, "__array_interface__")) return {Kind::array_interface};
    if (nb::hasattr(obj, "__array_struct__")) return {Kind::array_struct};
    if (nb::hasattr(obj, "__cuda_array_interface__")) return {Kind::cuda_interface};
    if (nb::hasattr(obj, "__array__")) return {Kind::array_method};
    return p;
}

}  // namespace

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
    if (table->header.version.major != NDBRIDGE_DLPACK_MAJOR_VERSION ||
        table->managed_tensor_from_py_object_no_sync == nullptr)
        return nullptr;  // a table we cannot read: the __dlpack__ method still works
    return table;
}

Probe probe(nb::handle obj) {
    PyTypeObject* t = Py_TYPE(obj.ptr());
    // The commonest inputs first, without a lookup.
    if (t == ndarray_type) return {Kind::numpy_array};
    if (t == &PyList_Type || t == &PyTuple_Type) return {Kind::sequence};
    if (t == &PyFloat_Type || t == &PyLong_Type || t == &PyBool_Type) return {Kind::python_scalar};
    // Per-type cache. A type's version tag changes when the type is modified and is never reused by a
    // new type, so (address, tag) cannot name a stale entry.
    static std::unordered_map<PyTypeObject*, std::pair<unsigned int, Probe>> cache;
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

bool is_array_like(Kind k) noexcept {
    switch (k) {
        case Kind::ndb_array:
        case Kind::numpy_array:
        case Kind::exchange_api:
        case Kind::dlpack:
        case Kind::capsule:
        case Kind::buffer:
        case Kind::array_interface:
        case Kind::array_struct:
        case Kind::cuda_interface:
        case Kind::array_method:
        case Kind::pandas: return true;
        default: return false;
    }
}

bool is_exact_ndarray(nb::handle obj) noexcept { return ndarray_type != nullptr && Py_TYPE(obj.ptr()) == ndarray_type; }

bool is_numpy_scalar(nb::handle obj) { return type_derives_from(Py_TYPE(obj.ptr()), "numpy.generic"); }

}  // namespace ndbridge::python
