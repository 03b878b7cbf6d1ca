// Handing a result on (like=): to NumPy through its C API, to PyTorch through the DLPack C exchange
// API of torch.Tensor, to JAX through jax.numpy.from_dlpack. The array given is already what the
// target can hold (the share-or-copy rule read the target's traits), so nothing here copies.
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nanobind/stl/string.h>

#define NDBRIDGE_DEFINE_NUMPY_API
#include "common.h"
#include "ndbridge/dlpack_io.h"
#include "numpy_api.h"

namespace ndbridge::python {

void require_numpy_api() {
    if (PyArray_API != nullptr) return;
    if (_import_array() < 0) throw nb::python_error();
}

namespace {

// ---------------------------------------------------------------------------------------------- NumPy

void release_owner(PyObject* capsule) { delete static_cast<Owner*>(PyCapsule_GetPointer(capsule, "ndbridge.owner")); }

// A small Python object that keeps an Array's memory alive: the ndarray's base.
nb::object owner_capsule(const Array& a) {
    auto* held = new Owner(a.owner());
    PyObject* cap = PyCapsule_New(held, "ndbridge.owner", release_owner);
    if (cap == nullptr) {
        delete held;
        throw nb::python_error();
    }
    return nb::steal(cap);
}

// The NumPy descriptor of a DType, made once per dtype (NumPy's spelling: the typestr, or ml_dtypes'
// type for bfloat16 and float8, which NumPy knows only through that package).
PyArray_Descr* numpy_descr_of(DType d) {
    struct Key {
        DType d;
        bool operator==(const Key& o) const { return o.d == d; }
    };
    struct Hash {
        std::size_t operator()(const Key& k) const noexcept {
            return std::hash<std::int64_t>()(k.d.length()) ^ (static_cast<std::size_t>(k.d.type()) << 1) ^
                   (static_cast<std::size_t>(k.d.unit()) << 9) ^ (k.d.is_native() ? 0u : 1u << 17);
        }
    };
    static std::unordered_map<Key, PyArray_Descr*, Hash> cache;
    if (auto it = cache.find({d}); it != cache.end()) {
        Py_INCREF(it->second);
        return it->second;
    }
    nb::object spec;
    if (d.kind_char() == 'V') {
        nb::object ml = nb::module_::import_("ml_dtypes");
        spec = ml.attr(name(d).c_str());
    } else {
        spec = nb::str(to_typestr(d).c_str());
    }
    PyArray_Descr* descr = nullptr;
    if (PyArray_DescrConverter(spec.ptr(), &descr) == NPY_FAIL) throw nb::python_error();
    if (cache.size() < 1024) {
        Py_INCREF(descr);
        cache.emplace(Key{d}, descr);
    }
    return descr;
}

// ---------------------------------------------------------------------------------------------- PyTorch

const DLPackExchangeAPI* torch_exchange_api() {
    static const DLPackExchangeAPI* api = nullptr;
    if (api == nullptr) {
        nb::object tensor_type = nb::module_::import_("torch").attr("Tensor");
        api = exchange_api_of(reinterpret_cast<PyTypeObject*>(tensor_type.ptr()));
        if (api == nullptr || api->managed_tensor_to_py_object_no_sync == nullptr)
            fail(ErrorKind::type,
                 "this PyTorch has no DLPack C exchange API on torch.Tensor (PyTorch 2.9 or later has one)");
    }
    return api;
}

nb::object torch_from_array(Array a, bool copied, bool requires_grad) {
    const DLPackExchangeAPI* api = torch_exchange_api();
    const DType dtype = a.dtype();
    DLManagedTensorVersioned* t = export_dlpack_versioned(std::move(a), copied);
    void* out = nullptr;
    if (api->managed_tensor_to_py_object_no_sync(t, &out) != 0) throw nb::python_error();  // torch owns `t` now
    nb::object tensor = nb::steal(static_cast<PyObject*>(out));
    if (requires_grad) {
        if (!dtype.is_floating() && !dtype.is_complex())
            fail(ErrorKind::value, "requires_grad=True needs a floating or complex dtype, not ", name(dtype));
        tensor.attr("requires_grad_")(true);
    }
    return tensor;
}

// ---------------------------------------------------------------------------------------------- fast paths

// The element types the per-call fast paths pass straight between NumPy and DLPack: NumPy's type number
// and DLPack's code and width of each. Every other dtype (byte-swapped, time, text, ml_dtypes, long
// double, NumPy's second names of int64) takes the general path.
struct PlainType {
    int numpy;
    std::uint8_t code;
    std::uint8_t bits;
};
constexpr PlainType kPlainTypes[] = {
    {NPY_BOOL, kDLBool, 8},          {NPY_INT8, kDLInt, 8},
    {NPY_INT16, kDLInt, 16},         {NPY_INT32, kDLInt, 32},
    {NPY_INT64, kDLInt, 64},         {NPY_UINT8, kDLUInt, 8},
    {NPY_UINT16, kDLUInt, 16},       {NPY_UINT32, kDLUInt, 32},
    {NPY_UINT64, kDLUInt, 64},       {NPY_FLOAT16, kDLFloat, 16},
    {NPY_FLOAT32, kDLFloat, 32},     {NPY_FLOAT64, kDLFloat, 64},
    {NPY_COMPLEX64, kDLComplex, 64}, {NPY_COMPLEX128, kDLComplex, 128},
};

const PlainType* plain_type_of_numpy(int type_num) noexcept {
    for (const PlainType& t : kPlainTypes)
        if (t.numpy == type_num) return &t;
    return nullptr;
}

const PlainType* plain_type_of_dlpack(const DLDataType& d) noexcept {
    if (d.lanes != 1) return nullptr;
    for (const PlainType& t : kPlainTypes)
        if (t.code == d.code && t.bits == d.bits) return &t;
    return nullptr;
}

// An ndarray exported to DLPack in one allocation: the tensor, the array it holds, shape and strides.
constexpr int kExportNdim = 8;  // deeper arrays take the general path
struct NdarrayExport {
    DLManagedTensorVersioned tensor;
    PyObject* array;
    std::int64_t shape[kExportNdim];
    std::int64_t strides[kExportNdim];
};

void release_ndarray_export(DLManagedTensorVersioned* self) {
    auto* ctx = static_cast<NdarrayExport*>(self->manager_ctx);
    if (Py_IsInitialized()) {  // as owner_of's release: any thread; after finalization the reference leaks
        PyGILState_STATE state = PyGILState_Ensure();
        Py_DECREF(ctx->array);
        PyGILState_Release(state);
    }
    delete ctx;
}

void release_tensor_capsule(PyObject* capsule) {
    auto* t = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(capsule, "ndbridge.tensor_owner"));
    if (t != nullptr && t->deleter != nullptr) t->deleter(t);
}

}  // namespace

nb::object torch_from_exact_ndarray(nb::handle obj) {
    if (!is_exact_ndarray(obj)) return nb::object();
    auto* a = reinterpret_cast<PyArrayObject*>(obj.ptr());
    const PyArray_Descr* descr = numpy_descr(a);
    const PlainType* type = plain_type_of_numpy(descr->type_num);
    const int nd = numpy_ndim(a);
    // What copy_cause asks of a torch target: writable, native byte order, non-negative strides in whole
    // items (dimensions of extent 0 or 1 are never stepped, so their strides do not count).
    if (type == nullptr || nd > kExportNdim || !numpy_writeable(a) || !PyArray_ISNBO(descr->byteorder))
        return nb::object();
    const npy_intp* dims = numpy_dims(a);
    const npy_intp* strides = numpy_strides(a);
    const std::int64_t item = type->bits / 8;
    for (int i = 0; i < nd; ++i)
        if (dims[i] > 1 && (strides[i] < 0 || strides[i] % item != 0)) return nb::object();
    const DLPackExchangeAPI* api = torch_exchange_api();
    auto* ctx = new NdarrayExport{};
    for (int i = 0; i < nd; ++i) {
        ctx->shape[i] = dims[i];
        ctx->strides[i] = strides[i] / item;
    }
    ctx->array = Py_NewRef(obj.ptr());
    DLManagedTensorVersioned& t = ctx->tensor;
    t.version = DLPackVersion{NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION};
    t.manager_ctx = ctx;
    t.deleter = release_ndarray_export;
    t.flags = 0;  // writable, and the ndarray's own memory
    t.dl_tensor = DLTensor{numpy_data(a), DLDevice{kDLCPU, 0}, nd, DLDataType{type->code, type->bits, 1},
                           ctx->shape,    ctx->strides,        0};
    void* out = nullptr;
    if (api->managed_tensor_to_py_object_no_sync(&t, &out) != 0) throw nb::python_error();  // torch owns `t` now
    return nb::steal(static_cast<PyObject*>(out));
}

nb::object torch_from_exact_array(nb::handle obj) {
    if (Py_TYPE(obj.ptr()) != reinterpret_cast<PyTypeObject*>(nb::type<Array>().ptr())) return nb::object();
    const DLPackExchangeAPI* api = torch_exchange_api();
    DLManagedTensorVersioned* t = export_view_fast(nb::cast<const Array&>(obj), kTorchTarget);
    if (t == nullptr) return nb::object();
    void* out = nullptr;
    if (api->managed_tensor_to_py_object_no_sync(t, &out) != 0) throw nb::python_error();  // torch owns `t` now
    return nb::steal(static_cast<PyObject*>(out));
}

nb::object numpy_from_plain_tensor(nb::handle obj) {
    DLManagedTensorVersioned* t = export_plain_tensor(obj);
    if (t == nullptr) return nb::object();
    // The capsule owns the export from here (its destructor calls the deleter), also when this path declines.
    PyObject* capsule = PyCapsule_New(t, "ndbridge.tensor_owner", release_tensor_capsule);
    if (capsule == nullptr) {
        t->deleter(t);
        throw nb::python_error();
    }
    nb::object base = nb::steal(capsule);
    const DLTensor& d = t->dl_tensor;
    const PlainType* type = plain_type_of_dlpack(d.dtype);
    if (type == nullptr || d.device.device_type != kDLCPU || d.strides == nullptr || d.data == nullptr ||
        d.ndim > NPY_MAXDIMS)
        return nb::object();
    require_numpy_api();
    npy_intp strides[NPY_MAXDIMS];
    const std::int64_t item = type->bits / 8;
    for (std::int32_t i = 0; i < d.ndim; ++i) strides[i] = d.strides[i] * item;
    static_assert(sizeof(npy_intp) == sizeof(std::int64_t));
    const bool readonly = (t->flags & DLPACK_FLAG_BITMASK_READ_ONLY) != 0;
    PyObject* arr = PyArray_NewFromDescr(
        &PyArray_Type, PyArray_DescrFromType(type->numpy), d.ndim, reinterpret_cast<npy_intp*>(d.shape), strides,
        static_cast<std::byte*>(d.data) + d.byte_offset, readonly ? 0 : NPY_ARRAY_WRITEABLE, nullptr);
    if (arr == nullptr) throw nb::python_error();
    nb::object result = nb::steal(arr);
    if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), base.release().ptr()) != 0)
        throw nb::python_error();
    return result;
}

nb::object numpy_from_array(const Array& a) {
    if (!a.device().host_accessible())
        fail(ErrorKind::type, "the array is on ", to_string(a.device()),
             " and NumPy reads host memory only; ask the producer for a "
             "host copy (asarray(obj, device='cpu'))");
    require_numpy_api();
    PyArray_Descr* descr = numpy_descr_of(a.dtype());  // a new reference, which NewFromDescr steals
    static_assert(sizeof(npy_intp) == sizeof(std::int64_t));
    auto* dims = const_cast<npy_intp*>(reinterpret_cast<const npy_intp*>(a.shape().data()));
    auto* strides = const_cast<npy_intp*>(reinterpret_cast<const npy_intp*>(a.strides().data()));
    PyObject* arr = PyArray_NewFromDescr(&PyArray_Type, descr, a.ndim(), dims, strides, exported_address(a),
                                         a.readonly() ? 0 : NPY_ARRAY_WRITEABLE, nullptr);
    if (arr == nullptr) throw nb::python_error();
    nb::object result = nb::steal(arr);
    if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(arr), owner_capsule(a).release().ptr()) != 0)
        throw nb::python_error();
    return result;
}

nb::object numpy_scalar_of(DType dtype, const std::byte* p) {
    try {
        require_numpy_api();
    } catch (const nb::python_error&) {
        return nb::object();  // no NumPy: the caller falls back to a Python scalar
    }
    PyArray_Descr* descr = numpy_descr_of(dtype);  // a new reference; PyArray_Scalar only borrows it
    PyObject* scalar = PyArray_Scalar(const_cast<std::byte*>(p), descr, nullptr);
    Py_DECREF(descr);
    if (scalar == nullptr) throw nb::python_error();
    return nb::steal(scalar);
}

std::string library_of(nb::handle like) {
    std::string name;
    if (PyUnicode_Check(like.ptr())) {
        name = nb::cast<std::string>(like);
    } else {
        nb::handle owner = PyModule_Check(like.ptr()) ? like
                           : PyType_Check(like.ptr()) ? like
                                                      : nb::handle(Py_TYPE(like.ptr()));
        nb::object module_name =
            nb::steal(PyObject_GetAttrString(owner.ptr(), PyModule_Check(like.ptr()) ? "__name__" : "__module__"));
        if (!module_name.is_valid())
            PyErr_Clear();
        else if (PyUnicode_Check(module_name.ptr()))
            name = nb::cast<std::string>(module_name);
        name = name.substr(0, name.find('.'));
    }
    return name;
}

std::optional<Target> like_target_fast(nb::handle like) noexcept {
    if (like.is_none()) return Target::ndbridge;
    if (!PyUnicode_CheckExact(like.ptr())) return std::nullopt;
    struct Name {
        const char* text;
        Target target;
        PyObject* interned;
    };
    static Name names[] = {{"torch", Target::torch, nullptr},
                           {"numpy", Target::numpy, nullptr},
                           {"ndbridge", Target::ndbridge, nullptr},
                           {"jax", Target::jax, nullptr}};
    static const bool ready = [] {
        for (Name& n : names) n.interned = PyUnicode_InternFromString(n.text);
        PyErr_Clear();
        return true;
    }();
    (void)ready;
    for (const Name& n : names)
        if (n.interned == like.ptr()) return n.target;
    for (const Name& n : names)  // a string made at run time: equal text, another object
        if (n.interned != nullptr && PyUnicode_Compare(n.interned, like.ptr()) == 0) return n.target;
    PyErr_Clear();
    return std::nullopt;
}

Target parse_like(nb::handle like) {
    if (like.is_none()) return Target::ndbridge;
    const std::string name = library_of(like);
    if (name == "ndbridge") return Target::ndbridge;
    if (name == "numpy") return Target::numpy;
    if (name == "torch") return Target::torch;
    if (name == "jax" || name == "jaxlib") return Target::jax;
    fail(ErrorKind::value, "like=", short_repr(like),
         " names no supported library (expected 'numpy', 'torch', 'jax', 'pandas', 'ndbridge', "
         "one of those modules, or one of their arrays)");
}

const TargetTraits& traits_of(Target target) {
    switch (target) {
        case Target::torch: return kTorchTarget;
        case Target::jax: return kJaxTarget;
        case Target::ndbridge:
        case Target::numpy: break;  // NumPy holds every ndbridge layout
    }
    return kNdbridgeTarget;
}

nb::object hand_to(Target target, Array a, nb::handle source, const ViewIdentity* source_view, bool requires_grad) {
    const bool shared = source_view != nullptr && identity_of(a) == *source_view;
    switch (target) {
        case Target::ndbridge:
            // The very ndb.Array when nothing changed, as np.asarray returns its input.
            if (shared && nb::isinstance<Array>(source)) return nb::borrow(source);
            return nb::cast(std::move(a));
        case Target::numpy:
            // np.asarray's rule: the very ndarray when nothing changed (a subclass gives a base ndarray).
            if (shared && is_exact_ndarray(source)) return nb::borrow(source);
            return numpy_from_array(a);
        case Target::torch: return torch_from_array(std::move(a), source_view == nullptr || !shared, requires_grad);
        case Target::jax: return nb::module_::import_("jax.numpy").attr("from_dlpack")(nb::cast(std::move(a)));
    }
    return nb::none();
}

}  // namespace ndbridge::python
