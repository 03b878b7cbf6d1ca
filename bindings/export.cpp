// Handing an ndb.Array to other libraries without a copy: __dlpack__ / __dlpack_device__, the DLPack
// C exchange API on the type, the buffer protocol and __array_interface__. Every exporter refuses
// (BufferError, naming why) rather than let a consumer read wrong values: DLPack has no byte order,
// PEP 3118 has no bfloat16, and a consumer that asks for a buffer without a format would take the
// items for bytes.
#include <atomic>
#include <iterator>
#include <string>
#include <vector>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/convert.h"
#include "ndbridge/copy.h"
#include "ndbridge/dlpack_io.h"
#include "ndbridge/error.h"

namespace ndbridge::python {
namespace {

std::atomic<long long> exchange_api_calls{0};

// ---------------------------------------------------------------------------------------------- DLPack

// The names of the capsules made here, compared by address in capsule_destructor.
constexpr char kVersionedCapsule[] = "dltensor_versioned";
constexpr char kLegacyCapsule[] = "dltensor";

// Frees a tensor its consumer never took.
template <class Managed>
void free_unconsumed(PyObject* capsule, const char* name) {
    if (!PyCapsule_IsValid(capsule, name)) return;
    auto* t = static_cast<Managed*>(PyCapsule_GetPointer(capsule, name));
    if (t != nullptr && t->deleter != nullptr) t->deleter(t);
}

void capsule_destructor(PyObject* capsule) {
    // A consumer renames the capsule it takes (used_dltensor...), so a capsule that no longer carries the
    // name it was made with holds a tensor that is the consumer's: the common case, told by the name's
    // address without comparing text.
    const char* name = PyCapsule_GetName(capsule);
    if (name != kVersionedCapsule && name != kLegacyCapsule) return;
    // Called when the capsule dies, possibly while the consumer's exception is in flight: keep it.
    PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    free_unconsumed<DLManagedTensorVersioned>(capsule, kVersionedCapsule);
    free_unconsumed<DLManagedTensor>(capsule, kLegacyCapsule);
    PyErr_Restore(type, value, traceback);
}

// The capsule handed to a consumer; the tensor is freed here if the capsule cannot be made.
template <class Managed>
nb::object make_capsule(Managed* t, const char* name) {
    PyObject* cap = PyCapsule_New(t, name, capsule_destructor);
    if (cap == nullptr) {
        t->deleter(t);
        throw nb::python_error();
    }
    return nb::steal(cap);
}

// The array to export: itself, or a copy when the request asks for one or a DLPack consumer could
// not read it as it is (byte order, element strides, negative strides) — the one share-or-copy rule.
Array dlpack_export_source(const Array& a, CopyMode mode, bool& copied) {
    if (!to_dlpack(a.dtype().with_native_order()))
        fail(ErrorKind::buffer, describe(a.dtype()), " has no DLPack type code; it cannot be exchanged");
    ConversionRequest request;
    request.copy = mode;
    Array out = share_or_copy(a, request, kDLPackTarget);  // CopyError (a BufferError) under copy=False
    copied = out.data() != a.data() || out.owner() != a.owner();
    return out;
}

// An Array exported in one allocation, the view only (shape and strides in place, the owner held): the
// per-call form of export_dlpack_versioned for arrays DLPack takes as they are.
constexpr std::size_t kViewExportNdim = 8;  // deeper arrays take the general export
struct ViewExport {
    DLManagedTensorVersioned tensor;
    Owner owner;
    std::int64_t shape[kViewExportNdim];
    std::int64_t strides[kViewExportNdim];
};

}  // namespace

DLManagedTensorVersioned* export_view_fast(const Array& a, const TargetTraits& traits) {
    // Exactly the arrays copy_cause lets `traits` (DLPack, or a DLPack consumer like torch: native byte
    // order and whole-item strides, as dlpack_export_obstacle asks) hold as they are on a default request,
    // of a dtype DLPack has a code for.
    if (traits.non_native_order || traits.byte_strides) return nullptr;  // not a DLPack consumer's traits
    const std::optional<DLDataType> code = to_dlpack(a.dtype());
    if (!code || a.shape().size() > kViewExportNdim || copy_cause(a, ConversionRequest{}, traits) != CopyCause::none)
        return nullptr;
    auto* ctx = new ViewExport{};
    ctx->owner = a.owner();
    const std::size_t nd = a.shape().size();
    const std::int64_t item = a.itemsize();
    for (std::size_t i = 0; i < nd; ++i) {
        ctx->shape[i] = a.shape()[i];
        ctx->strides[i] = a.strides()[i] / item;
    }
    DLManagedTensorVersioned& t = ctx->tensor;
    t.version = DLPackVersion{NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION};
    t.manager_ctx = ctx;
    t.deleter = [](DLManagedTensorVersioned* self) { delete static_cast<ViewExport*>(self->manager_ctx); };
    t.flags = a.readonly() ? DLPACK_FLAG_BITMASK_READ_ONLY : 0;
    t.dl_tensor =
        DLTensor{a.data(), DLDevice{a.device().type, a.device().id}, a.ndim(), *code, ctx->shape, ctx->strides, 0};
    return &t;
}

nb::object dlpack_export(const Array& a, nb::handle stream, nb::handle max_version, nb::handle dl_device,
                         nb::handle copy) {
    return named("__dlpack__", [&] {
        if (!stream.is_none())
            fail(ErrorKind::buffer, "stream must be None for memory on ", to_string(a.device()),
                 " (streams exist only for GPU devices), got ", short_repr(stream));
        const CopyMode mode = parse_copy(copy);
        if (const std::optional<Device> wanted = parse_device(dl_device); wanted && *wanted != a.device())
            fail(ErrorKind::buffer, "the data is on ", to_string(a.device()), " and ", to_string(*wanted),
                 " was requested; ndbridge moves data only between host memories");
        bool versioned = false;
        if (!max_version.is_none()) {
            if (!PyTuple_Check(max_version.ptr()) || PyTuple_GET_SIZE(max_version.ptr()) < 1)
                fail(ErrorKind::type, "max_version must be a (major, minor) tuple, not ", short_repr(max_version));
            versioned = nb::cast<int>(nb::handle(PyTuple_GET_ITEM(max_version.ptr(), 0))) >= 1;
        }
        if (versioned && mode == CopyMode::if_needed) {
            if (DLManagedTensorVersioned* view = export_view_fast(a, kDLPackTarget))
                return make_capsule(view, kVersionedCapsule);
        }
        bool copied = false;
        Array source = dlpack_export_source(a, mode, copied);
        if (versioned) return make_capsule(export_dlpack_versioned(std::move(source), copied), kVersionedCapsule);
        return make_capsule(export_dlpack_legacy(std::move(source)), kLegacyCapsule);
    });
}

namespace {

// ---- __dlpack__ and __dlpack_device__ as CPython method descriptors: consumers (torch.from_dlpack, NumPy)
// call them once per conversion, so they read their own arguments instead of going through nanobind's
// keyword matching and the signature forwarder (docs/decisions.md, "Per-call fast paths").

constexpr const char* kDlpackKeywords[] = {"stream", "max_version", "dl_device", "copy"};
constexpr std::size_t kDlpackKeywordCount = std::size(kDlpackKeywords);

// The Array behind a method descriptor's self: CPython calls a descriptor only with an instance of its
// type, which may still be unconstructed (Array.__new__ alone).
const Array& self_array(PyObject* self) {
    if (!nb::inst_ready(self)) fail(ErrorKind::type, "the ndb.Array was never initialized");
    return *nb::inst_ptr<Array>(self);
}

PyObject* dlpack_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) noexcept {
    static PyObject* const* const names = [] {
        static PyObject* interned_names[kDlpackKeywordCount];
        for (std::size_t i = 0; i < kDlpackKeywordCount; ++i)
            interned_names[i] = PyUnicode_InternFromString(kDlpackKeywords[i]);
        return interned_names;
    }();
    if (nargs != 0) {
        PyErr_Format(PyExc_TypeError, "__dlpack__() takes no positional arguments (%zd given)", nargs);
        return nullptr;
    }
    PyObject* values[kDlpackKeywordCount] = {};
    const Py_ssize_t keywords = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < keywords; ++k) {
        PyObject* keyword = PyTuple_GET_ITEM(kwnames, k);
        std::size_t i = 0;
        while (i < kDlpackKeywordCount && names[i] != keyword) ++i;
        for (std::size_t j = 0; i == kDlpackKeywordCount && j < kDlpackKeywordCount; ++j)
            if (names[j] != nullptr && PyUnicode_Compare(names[j], keyword) == 0) i = j;
        PyErr_Clear();
        if (i == kDlpackKeywordCount) {
            PyErr_Format(PyExc_TypeError, "__dlpack__() got an unexpected keyword argument '%U'", keyword);
            return nullptr;
        }
        values[i] = args[k];
    }
    auto given = [&](std::size_t i) { return nb::handle(values[i] != nullptr ? values[i] : Py_None); };
    try {
        return dlpack_export(self_array(self), given(0), given(1), given(2), given(3)).release().ptr();
    } catch (...) {
        set_python_error_from_exception();
        return nullptr;
    }
}

PyObject* dlpack_device_method(PyObject* self, PyObject*) noexcept {
    try {
        const Device device = self_array(self).device();
        static PyObject* const host = Py_BuildValue("(ii)", static_cast<int>(Device::cpu().type), 0);
        if (device == Device::cpu() && host != nullptr) return Py_NewRef(host);  // a tuple is immutable: one for all
        return Py_BuildValue("(ii)", static_cast<int>(device.type), static_cast<int>(device.id));
    } catch (...) {
        set_python_error_from_exception();
        return nullptr;
    }
}

PyMethodDef kDlpackMethods[] = {
    {"__dlpack__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&dlpack_method)),
     METH_FASTCALL | METH_KEYWORDS,
     "__dlpack__($self, /, *, stream=None, max_version=None, dl_device=None, copy=None)\n--\n\n"
     "A DLPack capsule viewing this array (a copy when DLPack cannot describe it: byte order, negative "
     "strides)."},
    {"__dlpack_device__", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&dlpack_device_method)),
     METH_NOARGS, "__dlpack_device__($self, /)\n--\n\nDLPack's (device_type, device_id) of the data."},
};

}  // namespace

void bind_dlpack_methods(nb::handle array_type) {
    for (PyMethodDef& def : kDlpackMethods) {
        PyObject* method = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(array_type.ptr()), &def);
        if (method == nullptr) throw nb::python_error();
        array_type.attr(def.ml_name) = nb::steal(method);
    }
}

namespace {

// ---- the C exchange API: C functions, no C++ exceptions may leave them

template <class F>
int guarded(F&& f) noexcept {
    try {
        f();
        return 0;
    } catch (const Error& e) {
        PyErr_SetString(e.kind() == ErrorKind::type ? PyExc_TypeError : PyExc_BufferError, e.what());
    } catch (nb::python_error& e) {
        e.restore();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return -1;
}

// The exchange API's entries touch Python objects: they take the GIL, since a C caller may not hold it.
int api_from_py_object(void* py_object, DLManagedTensorVersioned** out) {
    ++exchange_api_calls;
    nb::gil_scoped_acquire gil;
    return guarded([&] {
        nb::handle obj(static_cast<PyObject*>(py_object));
        const Array& array = nb::cast<const Array&>(obj);
        if ((*out = export_view_fast(array, kDLPackTarget)) != nullptr) return;
        bool copied = false;
        Array source = dlpack_export_source(array, CopyMode::if_needed, copied);
        *out = export_dlpack_versioned(std::move(source), copied);
    });
}

int api_to_py_object(DLManagedTensorVersioned* tensor, void** out_py_object) {
    ++exchange_api_calls;
    nb::gil_scoped_acquire gil;
    return guarded([&] {
        Array a = import_dlpack(tensor);  // takes ownership, also on failure
        *out_py_object = nb::cast(std::move(a)).release().ptr();
    });
}

int api_allocate(DLTensor* prototype, DLManagedTensorVersioned** out, void* error_ctx,
                 void (*set_error)(void*, const char*, const char*)) {
    ++exchange_api_calls;
    try {
        if (prototype == nullptr || prototype->ndim < 0 || prototype->ndim > kMaxNdim ||
            (prototype->ndim > 0 && prototype->shape == nullptr))
            fail(ErrorKind::value, "DLPack allocator: the prototype needs 0 to ", kMaxNdim, " dimensions and a shape");
        const DType dtype = from_dlpack(prototype->dtype);
        const Dims shape(prototype->shape, prototype->shape + prototype->ndim);
        if (prototype->device.device_type != kDLCPU) fail(ErrorKind::buffer, "ndbridge allocates host memory only");
        *out = export_dlpack_versioned(Array::empty(dtype, shape), false);
        return 0;
    } catch (const std::exception& e) {
        set_error(error_ctx, "BufferError", e.what());
        return -1;
    }
}

int api_current_work_stream(DLDeviceType, int32_t, void** out_current_stream) {
    *out_current_stream = nullptr;  // host memory has no streams
    return 0;
}

const DLPackExchangeAPI kExchangeAPI = {
    {{NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION}, nullptr},
    &api_allocate,
    &api_from_py_object,
    &api_to_py_object,
    nullptr,  // a DLTensor view needs element strides the Array does not store; consumers fall back
    &api_current_work_stream,
};

// ---------------------------------------------------------------------------------------------- buffers

// What a Py_buffer's internal pointer holds: the array (keeping the memory alive), and the shape,
// strides and format the buffer points into.
struct BufferExport {
    Array array;
    std::vector<Py_ssize_t> shape, strides;
    std::string format;
};

int getbuffer(PyObject* self, Py_buffer* view, int flags) noexcept {
    view->obj = nullptr;
    return guarded([&] {
        const Array& a = nb::cast<const Array&>(nb::handle(self));
        if (!a.device().host_accessible())
            fail(ErrorKind::buffer, "buffer protocol: the array is on ", to_string(a.device()),
                 "; buffers are host memory");
        if ((flags & PyBUF_WRITABLE) && a.readonly())
            fail(ErrorKind::buffer, "buffer protocol: a writable buffer was requested from a read-only ndb.Array");
        std::string format;
        try {
            format = to_pep3118(a.dtype());
        } catch (const Error&) {
            fail(ErrorKind::buffer, "buffer protocol: ", describe(a.dtype()),
                 " has no PEP 3118 format code, so no buffer can describe it; use DLPack or __array__ instead");
        }
        // A consumer that takes no format reads raw bytes its own way (torch.asarray reads them as its
        // default float): only byte strings survive that, so every other dtype is refused.
        if (!(flags & PyBUF_FORMAT) && a.dtype().kind() != DTypeKind::bytes)
            fail(ErrorKind::buffer,
                 "buffer protocol: the consumer asked for raw bytes without the item format, and would misread ",
                 describe(a.dtype()),
                 " items; pass memoryview(x) (it carries the format), x.tobytes() for the bytes, "
                 "torch.from_dlpack(x) for a tensor or np.asarray(x) for NumPy");
        const bool c = a.is_c_contiguous(), f = a.is_f_contiguous();
        if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c)
            fail(ErrorKind::buffer,
                 "buffer protocol: a C-contiguous buffer was requested and the array is not C-contiguous");
        if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f)
            fail(ErrorKind::buffer, "buffer protocol: a Fortran-contiguous buffer was requested and the array is not");
        if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !c && !f)
            fail(ErrorKind::buffer,
                 "buffer protocol: a contiguous buffer was requested and the array is not contiguous");
        if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c)
            fail(ErrorKind::buffer,
                 "buffer protocol: the consumer cannot take strides and the array is not C-contiguous");
        auto* ex = new BufferExport{a, {}, {}, std::move(format)};
        for (std::size_t i = 0; i < a.shape().size(); ++i) {
            ex->shape.push_back(static_cast<Py_ssize_t>(a.shape()[i]));
            ex->strides.push_back(static_cast<Py_ssize_t>(a.strides()[i]));
        }
        view->buf = exported_address(a);
        view->len = static_cast<Py_ssize_t>(a.nbytes());
        view->readonly = a.readonly() ? 1 : 0;
        view->itemsize = static_cast<Py_ssize_t>(a.itemsize());
        view->format = (flags & PyBUF_FORMAT) ? ex->format.data() : nullptr;
        view->ndim = a.ndim();
        view->shape = (flags & PyBUF_ND) == PyBUF_ND ? ex->shape.data() : nullptr;
        view->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? ex->strides.data() : nullptr;
        view->suboffsets = nullptr;
        view->internal = ex;
        view->obj = Py_NewRef(self);
    });
}

void releasebuffer(PyObject*, Py_buffer* view) noexcept { delete static_cast<BufferExport*>(view->internal); }

PyType_Slot kBufferSlots[] = {
    {Py_bf_getbuffer, reinterpret_cast<void*>(&getbuffer)},
    {Py_bf_releasebuffer, reinterpret_cast<void*>(&releasebuffer)},
    {0, nullptr},
};

}  // namespace

const PyType_Slot* array_type_slots() { return kBufferSlots; }

// ---------------------------------------------------------------------------------------------- NumPy

nb::object array_interface(const Array& a) {
    if (!a.device().host_accessible())
        throw nb::attribute_error("__array_interface__: the array is not in host memory");
    std::string typestr;
    try {
        typestr = to_typestr(a.dtype());
    } catch (const Error&) {
        // bfloat16/float8: no typestr tells NumPy what they are; __array__ answers instead.
        throw nb::attribute_error("__array_interface__: the dtype has no NumPy typestr (use __array__)");
    }
    nb::dict d;
    d["version"] = 3;
    d["typestr"] = typestr;
    nb::list shape, strides;
    for (auto e : a.shape()) shape.append(e);
    for (auto s : a.strides()) strides.append(s);
    d["shape"] = nb::tuple(shape);
    d["strides"] = a.is_c_contiguous() ? nb::object(nb::none()) : nb::object(nb::tuple(strides));
    d["data"] = nb::make_tuple(reinterpret_cast<std::uintptr_t>(exported_address(a)), a.readonly());
    nb::list descr;
    descr.append(nb::make_tuple("", typestr));
    d["descr"] = descr;
    return d;
}

nb::object exchange_api_capsule() {
    return nb::steal(PyCapsule_New(const_cast<DLPackExchangeAPI*>(&kExchangeAPI), "dlpack_exchange_api", nullptr));
}

long long exchange_api_call_count() { return exchange_api_calls.load(); }

}  // namespace ndbridge::python
