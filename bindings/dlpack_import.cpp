// DLPack in: the one place that asks a producer for a tensor (its C exchange API, or __dlpack__ with
// the 1.x keywords and, for pre-1.0 producers only, the legacy call), imports capsules, and deals
// with the PyTorch state DLPack cannot carry. asarray and from_dlpack both come through here.
#include <cstdint>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/dlpack_io.h"

namespace ndbridge::python {

PyObject* interned(const char* name) {
    PyObject* s = PyUnicode_InternFromString(name);
    if (s == nullptr) throw nb::python_error();
    return s;  // kept for the life of the process
}

namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

// A TypeError that says the call's keywords were not accepted (a pre-1.0 __dlpack__), as opposed to
// one the producer raised for its own reasons, which must reach the user unchanged.
bool rejected_keywords() {
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) return false;
    PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
    PyErr_Fetch(&type, &value, &traceback);
    PyErr_NormalizeException(&type, &value, &traceback);
    bool about_signature = false;
    if (value != nullptr) {
        if (PyObject* text = PyObject_Str(value)) {
            const char* s = PyUnicode_AsUTF8(text);
            if (s != nullptr) {
                const std::string_view m(s);
                about_signature = m.find("keyword") != std::string_view::npos ||
                                  m.find("argument") != std::string_view::npos ||
                                  m.find("max_version") != std::string_view::npos;
            }
            Py_DECREF(text);
        }
        PyErr_Clear();
    }
    PyErr_Restore(type, value, traceback);
    return about_signature;
}

// producer.__dlpack__(max_version=(1, x)[, dl_device=..., copy=True]); the legacy call without
// keywords only when the producer rejects them and no device move was asked for.
nb::object request_capsule(nb::handle producer, std::optional<Device> move_to) {
    nb::object method = producer.attr("__dlpack__");
    nb::dict kwargs;
    kwargs["max_version"] = nb::make_tuple(NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION);
    if (move_to) {
        kwargs["dl_device"] = nb::make_tuple(static_cast<int>(move_to->type), move_to->id);
        kwargs["copy"] = true;
    }
    PyObject* r = PyObject_Call(method.ptr(), nb::tuple().ptr(), kwargs.ptr());
    if (r == nullptr && !move_to && rejected_keywords()) {
        PyErr_Clear();  // a pre-1.0 producer
        r = PyObject_CallNoArgs(method.ptr());
    }
    if (r == nullptr) throw nb::python_error();
    return nb::steal(r);
}

Device dlpack_device_of(nb::handle obj) {
    if (!nb::hasattr(obj, "__dlpack_device__")) return Device::cpu();
    nb::object dev = obj.attr("__dlpack_device__")();
    std::optional<Device> d = parse_device(dev);
    if (!PyTuple_Check(dev.ptr()) || !d)
        fail(ErrorKind::type, py_type_name(obj), ".__dlpack_device__() returned ", short_repr(dev),
             ", not a (device_type, device_id) tuple");
    return *d;
}

bool method_says_true(nb::handle t, PyObject* method) {
    PyObject* r = PyObject_CallMethodNoArgs(t.ptr(), method);
    if (r == nullptr) {
        PyErr_Clear();
        return false;
    }
    const bool yes = r == Py_True;
    Py_DECREF(r);
    return yes;
}

// PyTorch tensors carry state that DLPack cannot express. Autograd tracking: the data is the same
// without it, so the tensor is detached (a view). Lazy conjugate/negative bits (t.conj(), views of
// them): the memory holds the values before conjugation/negation; torch's __dlpack__ refuses such
// tensors and its C exchange API silently ignores the bit, so the values are materialised here, which
// is a copy (`fresh`), refused under copy=False. Objects without these methods are returned as they are.
nb::object plain_tensor(nb::handle obj, CopyMode copy, bool& fresh) {
    static PyObject* const requires_grad = interned("requires_grad");
    static PyObject* const detach = interned("detach");
    struct LazyBit {
        PyObject* test;
        PyObject* resolve;
        const char* what;
    };
    static const LazyBit kBits[] = {{interned("is_conj"), interned("resolve_conj"), "conjugate"},
                                    {interned("is_neg"), interned("resolve_neg"), "negative"}};
    nb::object t = nb::borrow(obj);
    nb::object grad = nb::steal(PyObject_GetAttr(obj.ptr(), requires_grad));
    if (!grad.is_valid()) {
        PyErr_Clear();
        return t;
    }
    if (grad.ptr() == Py_True) {
        t = nb::steal(PyObject_CallMethodNoArgs(t.ptr(), detach));
        if (!t.is_valid()) throw nb::python_error();
    }
    for (const LazyBit& bit : kBits) {
        if (!method_says_true(t, bit.test)) continue;
        if (copy == CopyMode::never)
            fail(ErrorKind::copy, "the ", py_type_name(obj), " has its lazy ", bit.what,
                 " bit set, so its memory does not hold its "
                 "values; they exist only after ",
                 nb::cast<std::string>(nb::handle(bit.resolve)), "(), a copy, and copy=False forbids it");
        t = nb::steal(PyObject_CallMethodNoArgs(t.ptr(), bit.resolve));
        if (!t.is_valid()) throw nb::python_error();
        fresh = true;
    }
    return t;
}

PyObject* pinned_at_name() {
    static PyObject* const name = interned("_ndbridge_pinned_at");
    return name;
}

// Whether the tensor object remembers being pinned at `address` (see below).
bool pinned_already(nb::handle tensor, const std::byte* address) {
    nb::object memo = nb::steal(PyObject_GetAttr(tensor.ptr(), pinned_at_name()));
    const bool same = memo.is_valid() && PyLong_Check(memo.ptr()) &&
                      PyLong_AsUnsignedLongLong(memo.ptr()) ==
                          static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(address));
    PyErr_Clear();
    return same;
}

// A CPU torch tensor can be resized in place (t.resize_), which frees the memory an alias reads.
// PyTorch refuses the resize once the storage is marked non-resizable, and Tensor.numpy() is the one
// call of its Python API that marks it (it protects PyTorch's own NumPy views that way). So a shared
// tensor goes through numpy() once, through a same-size integer view for dtypes NumPy lacks (bfloat16,
// float8, complex32); the tensor object then remembers the data pointer it was pinned at, so
// converting it again costs one attribute lookup. Empty tensors are not pinned: no memory is read.
void pin_torch_storage(nb::handle original, nb::handle source, const Array& a) {
    PyObject* const pinned_at = pinned_at_name();
    static PyObject* const numpy = interned("numpy");
    static PyObject* const view = interned("view");
    if (a.size() == 0 || !a.device().is_cpu()) return;
    nb::object torch = loaded_module("torch");
    if (!torch.is_valid()) return;
    static PyObject* tensor_type = nullptr;  // torch.Tensor, kept for the life of the process
    if (tensor_type == nullptr) tensor_type = torch.attr("Tensor").inc_ref().ptr();
    if (!PyObject_TypeCheck(source.ptr(), reinterpret_cast<PyTypeObject*>(tensor_type))) return;
    if (pinned_already(original, a.data())) return;
    const auto address = static_cast<unsigned long long>(reinterpret_cast<std::uintptr_t>(a.data()));
    nb::object as_numpy = nb::steal(PyObject_CallMethodNoArgs(source.ptr(), numpy));
    if (!as_numpy.is_valid()) {  // a dtype NumPy lacks: the same bytes as integers, the same storage
        PyErr_Clear();
        static const char* const kSameSize[] = {nullptr, "uint8", "int16", nullptr, "int32",
                                                nullptr, nullptr, nullptr, "int64"};
        const std::size_t size = a.itemsize();
        if (size >= std::size(kSameSize) || kSameSize[size] == nullptr)
            fail(ErrorKind::type, "cannot protect this ", py_type_name(original), " of ", name(a.dtype()),
                 " against resizing under the alias (Tensor.numpy() refused it); convert with copy=True");
        nb::object as_ints =
            nb::steal(PyObject_CallMethodOneArg(source.ptr(), view, torch.attr(kSameSize[size]).ptr()));
        if (as_ints.is_valid()) as_numpy = nb::steal(PyObject_CallMethodNoArgs(as_ints.ptr(), numpy));
        if (!as_numpy.is_valid()) throw nb::python_error();
    }
    // A tensor inside an autograd graph (grad_fn set) is not remembered: the fast path, which needs the
    // memo, exports the tensor itself and would keep its graph alive as long as the alias, where the
    // general path exports a detached view. Such tensors are new at every step, so no memo is lost.
    static PyObject* const grad_fn = interned("grad_fn");
    nb::object fn = nb::steal(PyObject_GetAttr(original.ptr(), grad_fn));
    if (!fn.is_valid()) PyErr_Clear();
    if (fn.is_valid() && !fn.is_none()) return;
    nb::object value = nb::steal(PyLong_FromUnsignedLongLong(address));
    if (PyObject_SetAttr(original.ptr(), pinned_at, value.ptr()) != 0) PyErr_Clear();  // no __dict__: pin each time
}

// After a failed export: a TypeError that names what the tensor is and what to do, for the torch
// tensors DLPack cannot carry (sparse, quantized, meta, nested); false for anything else.
bool explain_unsupported_tensor(nb::handle t) {
    // PyTorch's exchange table lets a C++ exception out with its Python error indicator half set;
    // the failure is being replaced here, so the indicator is cleared before asking anything.
    PyErr_Clear();
    auto attr_true = [&](const char* name) {
        nb::object v = nb::steal(PyObject_GetAttrString(t.ptr(), name));
        if (!v.is_valid()) PyErr_Clear();
        return v.is_valid() && v.ptr() == Py_True;
    };
    auto attr_text = [&](const char* name) {  // str(t.<name>), "" when it cannot be had
        nb::object v = nb::steal(PyObject_GetAttrString(t.ptr(), name));
        nb::object text = v.is_valid() ? nb::steal(PyObject_Str(v.ptr())) : nb::object();
        const char* utf8 = text.is_valid() ? PyUnicode_AsUTF8(text.ptr()) : nullptr;
        if (utf8 == nullptr) PyErr_Clear();
        return std::string(utf8 != nullptr ? utf8 : "");
    };
    const std::string layout_name = attr_text("layout");
    if (layout_name.empty()) return false;
    std::string what, remedy;
    if (attr_true("is_nested"))
        what = "a nested tensor", remedy = ".to_padded_tensor(0.0) or .unbind()";
    else if (layout_name != "torch.strided")
        what = "a tensor with layout " + layout_name, remedy = ".to_dense()";
    else if (attr_true("is_quantized"))
        what = "a quantized tensor (" + attr_text("dtype") + ")", remedy = ".dequantize()";
    else if (attr_true("is_meta"))
        what = "a meta tensor (it has no data)", remedy = "a tensor on a real device";
    else
        return false;
    fail(ErrorKind::type, "cannot convert ", what,
         ": DLPack carries only strided tensors with data; convert it first with ", remedy);
}

}  // namespace

Array import_capsule(nb::handle capsule) {
    PyObject* cap = capsule.ptr();
    const char* raw_name = PyCapsule_GetName(cap);
    if (raw_name == nullptr && PyErr_Occurred()) throw nb::python_error();
    const std::string_view name = raw_name != nullptr ? raw_name : "";
    if (name == "used_dltensor" || name == "used_dltensor_versioned")
        fail(ErrorKind::value,
             "this DLPack capsule was already consumed; a capsule can be imported only once (ask the producer's "
             "__dlpack__() for a new one)");
    const bool versioned = name == kVersionedName;
    if (!versioned && name != kLegacyName)
        fail(ErrorKind::type, "a capsule named '", name, "' is not a DLPack capsule (expected '", kVersionedName,
             "' or '", kLegacyName, "')");
    void* ptr = PyCapsule_GetPointer(cap, raw_name);
    if (ptr == nullptr) throw nb::python_error();
    // Renamed before import: the producer's capsule destructor then leaves the tensor to us, and our
    // import calls its deleter exactly once, also when the import fails.
    if (PyCapsule_SetName(cap, versioned ? "used_dltensor_versioned" : "used_dltensor") != 0) throw nb::python_error();
    if (versioned) return import_dlpack(static_cast<DLManagedTensorVersioned*>(ptr));
    return import_dlpack(static_cast<DLManagedTensor*>(ptr));
}

namespace {

// torch.Tensor itself, once torch has been imported (never imported from here).
PyTypeObject* exact_tensor_type() {
    static PyObject* tensor_type = nullptr;  // kept for the life of the process
    if (tensor_type == nullptr) {
        nb::object torch = loaded_module("torch");
        if (!torch.is_valid()) return nullptr;
        tensor_type = torch.attr("Tensor").inc_ref().ptr();
    }
    return reinterpret_cast<PyTypeObject*>(tensor_type);
}

// Whether the tensor's lazy negative bit is set, or its conjugate bit (which exists only on complex
// tensors, so real ones skip that call).
bool has_lazy_bit(nb::handle tensor, const DLDataType& dtype) {
    static PyObject* const is_neg = interned("is_neg");
    static PyObject* const is_conj = interned("is_conj");
    return method_says_true(tensor, is_neg) || (dtype.code == kDLComplex && method_says_true(tensor, is_conj));
}

// Whether pinned_already holds for the tensor's export `t` (empty and device tensors are never pinned).
bool export_pinned(nb::handle tensor, const DLManagedTensorVersioned& t) {
    const DLTensor& d = t.dl_tensor;
    std::int64_t size = 1;
    for (std::int32_t i = 0; i < d.ndim; ++i) size *= d.shape[i];
    if (size == 0 || d.device.device_type != kDLCPU) return true;
    return pinned_already(tensor, static_cast<const std::byte*>(d.data) + d.byte_offset);
}

}  // namespace

// The per-call fast path for an exact torch.Tensor (docs/decisions.md, "Per-call fast paths"): one
// exchange-API export and one test of the lazy negative bit, instead of plain_tensor's three calls.
// Autograd tracking needs no detach here: the exchange API exports the data of a tensor that requires
// grad as it is, the memory a detached view has. Anything else (a lazy bit, a first conversion that must
// pin, an export that fails) gives nullptr, and the general path decides, copies or explains.
DLManagedTensorVersioned* export_plain_tensor(nb::handle obj) {
    PyTypeObject* type = exact_tensor_type();
    if (type == nullptr || Py_TYPE(obj.ptr()) != type) return nullptr;
    static const DLPackExchangeAPI* const api = exchange_api_of(type);
    if (api == nullptr) return nullptr;
    DLManagedTensorVersioned* out = nullptr;
    int status = -1;
    try {
        status = api->managed_tensor_from_py_object_no_sync(obj.ptr(), &out);
    } catch (...) {  // PyTorch's table lets C++ exceptions out (quantized tensors): the general path explains
        status = -1;
    }
    if (status != 0 || out == nullptr) {
        PyErr_Clear();
        return nullptr;
    }
    if (out->version.major == NDBRIDGE_DLPACK_MAJOR_VERSION && !has_lazy_bit(obj, out->dl_tensor.dtype) &&
        export_pinned(obj, *out))
        return out;
    if (out->deleter != nullptr) out->deleter(out);
    return nullptr;
}

Array read_dlpack_producer(nb::handle obj, const Probe& p, const ConversionRequest& req, bool& fresh) {
    fresh = false;
    if (!req.device && p.kind == Kind::exchange_api) {
        if (DLManagedTensorVersioned* plain = export_plain_tensor(obj)) return import_dlpack(plain);
    }
    nb::object source = plain_tensor(obj, req.copy, fresh);
    if (req.device) {
        const Device here = dlpack_device_of(source);
        if (*req.device != here) {
            if (req.copy == CopyMode::never)
                fail(ErrorKind::copy, "moving data from ", to_string(here), " to ", to_string(*req.device),
                     " needs a copy, and copy=False forbids it");
            fresh = true;
            nb::object capsule;
            try {
                capsule = request_capsule(source, req.device);
            } catch (nb::python_error& e) {
                // The producer's own error (PyTorch's runs to 60 lines) is kept as the __cause__.
                nb::raise_from(e, PyExc_ValueError,
                               "device %s was requested for data on %s; only the producer can move it, and "
                               "%s.__dlpack__(dl_device=..., copy=True) failed (see the exception above)",
                               to_string(*req.device).c_str(), to_string(here).c_str(), py_type_name(obj).c_str());
            }
            return import_capsule(capsule);
        }
    }
    try {
        Array a;
        if (p.kind == Kind::exchange_api) {
            DLManagedTensorVersioned* out = nullptr;
            if (p.api->managed_tensor_from_py_object_no_sync(source.ptr(), &out) != 0) throw nb::python_error();
            a = import_dlpack(out);
        } else {
            a = import_capsule(request_capsule(source, std::nullopt));
        }
        if (!fresh) pin_torch_storage(obj, source, a);
        return a;
    } catch (...) {
        if (!explain_unsupported_tensor(source)) throw;
        throw;  // not reached: explain_unsupported_tensor raises when it recognises the tensor
    }
}

}  // namespace ndbridge::python
