// The entry points: asarray, as_tensor, tensor, from_dlpack, from_numpy, frombuffer. They parse their
// arguments with the one parser, and all but frombuffer (which reinterprets bytes) run the one
// pipeline: probe -> view or read -> share or copy (the core's rule) -> hand to the target library.
#include <iterator>
#include <string>
#include <typeinfo>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/copy.h"

namespace ndbridge::python {
namespace {

// The copy the core's decision asked for (`cause`), without the GIL when it is large.
Array copy_released(const Array& view, const ConversionRequest& req, const TargetTraits& traits, CopyCause cause) {
    const std::int64_t bytes = view.size() * req.dtype.value_or(view.dtype()).itemsize();
    return copying(bytes, [&] { return copy_for(view, req, traits, cause); });
}

// The core's share-or-copy decision; the copy, when there is one, runs without the GIL.
Array share_or_copy_released(Array view, const ConversionRequest& req, const TargetTraits& traits) {
    const CopyCause cause = copy_cause(view, req, traits);
    if (cause == CopyCause::none) return view;  // moved out: no copy of the view's shape and strides
    return copy_released(view, req, traits, cause);
}

[[noreturn]] void cannot_convert(nb::handle obj) {
    fail(ErrorKind::type, "cannot convert an object of type ", py_type_name(obj),
         " (it is no array, buffer, DLPack producer, scalar or sequence): ", short_repr(obj));
}

// Scalars and sequences are read into new memory: never shared, and always on the host.
void check_readable(nb::handle obj, const ConversionRequest& req, const char* what) {
    if (req.copy == CopyMode::never)
        fail(ErrorKind::copy, "a ", py_type_name(obj), " is ", what,
             ", so its values are always copied; copy=False forbids that "
             "(scalars and sequences can never be shared)");
    if (req.device && !req.device->is_cpu())
        fail(ErrorKind::value, "a ", py_type_name(obj), " is read on the host; device ", to_string(*req.device),
             " is not reachable from here");
}

DType torch_default_float() {
    nb::object torch = loaded_module("torch");
    if (!torch.is_valid()) torch = nb::module_::import_("torch");
    return dtype_from_object(torch.attr("get_default_dtype")());
}

}  // namespace

Array view_of(nb::handle obj, const Probe& p, const ConversionRequest& req, bool& fresh) {
    fresh = false;
    switch (p.kind) {
        case Kind::ndb_array: return nb::cast<const Array&>(obj);
        case Kind::numpy_array: return read_numpy(obj);
        case Kind::buffer: return read_buffer(obj);
        case Kind::exchange_api:
        case Kind::dlpack: return read_dlpack_producer(obj, p, req, fresh);
        case Kind::capsule: return import_capsule(obj);
        case Kind::array_interface: return read_array_interface(obj, obj.attr("__array_interface__"), Device::cpu());
        case Kind::array_struct: return read_array_struct(obj);
        case Kind::cuda_interface: return read_cuda_interface(obj);
        case Kind::array_method: return read_array_method(obj, req, fresh);
        case Kind::pandas: return read_pandas(obj, req, fresh);
        default: break;
    }
    cannot_convert(obj);
}

nb::object convert_object(nb::handle obj, ConversionRequest req, Target target, bool requires_grad) {
    const TargetTraits& traits = traits_of(target);
    const Probe p = probe(obj);
    const bool object_array = p.kind == Kind::numpy_array && is_object_ndarray(obj);
    switch (object_array ? Kind::sequence : p.kind) {
        case Kind::python_scalar:
        case Kind::string:
        case Kind::sequence: {
            check_readable(obj, req,
                           object_array ? "an object array (it holds Python objects, not values)" : "not an array");
            if (target == Target::torch) {
                req.default_float = torch_default_float();
                req.promotion = Promotion::torch;
            }
            Array a = object_array ? read_object_array(obj, req) : read_sequence(obj, req);
            if (req.unsized_string) {
                const DType text = string_dtype_from_data(a.dtype(), *req.unsized_string);
                if (text != a.dtype()) a = copying(a.size() * text.itemsize(), [&] { return a.astype(text); });
            }
            // Built in C order in the final dtype, which every target holds; F is one more layout pass.
            if (req.order == MemoryOrder::F && !a.is_f_contiguous())
                a = copying(a.nbytes(), [&] { return a.copy(MemoryOrder::F); });
            return hand_to(target, std::move(a), obj, nullptr, requires_grad);
        }
        case Kind::numpy_scalar: {
            check_readable(obj, req, "an immutable NumPy scalar");
            req.copy = CopyMode::always;
            Array scalar = read_numpy_scalar(obj);
            if (req.unsized_string) req.dtype = string_dtype_from_data(scalar.dtype(), *req.unsized_string);
            return hand_to(target, share_or_copy_released(std::move(scalar), req, traits), obj, nullptr, requires_grad);
        }
        case Kind::dask_collection: return convert_dask(obj, req, target, requires_grad);
        case Kind::arrow: return convert_arrow(obj, req, target, requires_grad);
        case Kind::unknown: cannot_convert(obj);
        default: break;
    }
    bool fresh = false;
    Array view = view_of(obj, p, req, fresh);
    if (req.unsized_string) req.dtype = string_dtype_from_data(view.dtype(), *req.unsized_string);
    // A producer that copied (a device move, torch's lazy bits) made the copy copy=True asked for.
    if (fresh && req.copy == CopyMode::always) req.copy = CopyMode::if_needed;
    // What hand_to needs of the source to tell "unchanged": its address and layout, not a second view.
    const ViewIdentity source = identity_of(view);
    return hand_to(target, share_or_copy_released(std::move(view), req, traits), obj, &source, requires_grad);
}

Array to_array(nb::handle obj, const ConversionRequest& req) {
    const Probe p = probe(obj);
    switch (p.kind) {
        case Kind::python_scalar:
        case Kind::string:
        case Kind::sequence: return read_sequence(obj, req);
        case Kind::numpy_scalar: return read_numpy_scalar(obj);
        case Kind::numpy_array:
            if (is_object_ndarray(obj)) return read_object_array(obj, req);
            break;
        case Kind::dask_collection: return materialize_dask(obj, req);
        case Kind::arrow: return nb::cast<Array>(convert_arrow(obj, req, Target::ndbridge, false));
        case Kind::unknown: cannot_convert(obj);
        default: break;
    }
    bool fresh = false;
    const Array view = view_of(obj, p, req, fresh);
    return share_or_copy_released(view, req, kNdbridgeTarget);
}

void set_python_error_from_exception() noexcept {
    try {
        throw;
    } catch (nb::python_error& e) {
        e.restore();
    } catch (const Error& e) {
        PyErr_SetString(exception_for(e.kind()), e.what());
    } catch (const nb::builtin_exception& e) {
        PyObject* type = PyExc_RuntimeError;
        switch (e.type()) {
            case nb::exception_type::stop_iteration: type = PyExc_StopIteration; break;
            case nb::exception_type::index_error: type = PyExc_IndexError; break;
            case nb::exception_type::key_error: type = PyExc_KeyError; break;
            case nb::exception_type::value_error: type = PyExc_ValueError; break;
            case nb::exception_type::type_error: type = PyExc_TypeError; break;
            case nb::exception_type::buffer_error: type = PyExc_BufferError; break;
            case nb::exception_type::import_error: type = PyExc_ImportError; break;
            case nb::exception_type::attribute_error: type = PyExc_AttributeError; break;
            default: break;
        }
        PyErr_SetString(type, e.what());
    } catch (const std::bad_cast& e) {  // nanobind's cast_error
        PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const std::bad_alloc&) {
        PyErr_NoMemory();
    } catch (const std::exception& e) {
        PyErr_SetString(PyExc_RuntimeError, e.what());
    } catch (...) {
        PyErr_SetString(PyExc_SystemError, "asarray: an unknown C++ exception");
    }
}

namespace {

// The request of a call that passed none of dtype, device, copy and order: nothing to parse.
bool default_request(nb::handle dtype, nb::handle device, nb::handle copy, nb::handle order) noexcept {
    return dtype.is_none() && device.is_none() && copy.is_none() && !order.is_valid();
}

// Per-call fast paths (docs/decisions.md, "Per-call fast paths"): inputs of an exact type whose
// default-request conversion is known without the probe or the share-or-copy decision. Each gives exactly
// what convert_object gives; anything else (subclasses, object arrays) returns an invalid object.
nb::object fast_default(nb::handle obj, Target target) {
    PyTypeObject* t = Py_TYPE(obj.ptr());
    if (target == Target::ndbridge) {
        // An ndarray of values: its view, which the ndbridge target holds as it is.
        if (is_exact_ndarray(obj) && !is_object_ndarray(obj)) return nb::cast(read_numpy(obj));
        // An ndb.Array: itself, as np.asarray returns its input.
        if (t == reinterpret_cast<PyTypeObject*>(nb::type<Array>().ptr())) return nb::borrow(obj);
    }
    if (target == Target::torch) {
        if (nb::object tensor = torch_from_exact_ndarray(obj); tensor.is_valid()) return tensor;
        return torch_from_exact_array(obj);
    }
    if (target == Target::numpy) return numpy_from_plain_tensor(obj);
    return nb::object();
}

// The per-call fast path of a request with only dtype= and/or copy= (docs/decisions.md, "Per-call fast paths"):
// an exact ndarray of values or an ndb.Array to the ndbridge target, the core's share-or-copy decision taken
// on its view without the probe, the view's owner or hand_to. A copy reads an unowned view of an ndarray:
// `held` keeps the array (and so its memory: its reference count also refuses a resize) for the call.
// Gives exactly what convert_object gives; an invalid object for any other input (subclasses, object
// arrays) or a text dtype without a length, which the caller then converts with the same request.
nb::object fast_dtype_or_copy(nb::handle obj, const ConversionRequest& req) {
    if (req.unsized_string) return nb::object();
    const TargetTraits& traits = kNdbridgeTarget;
    if (is_exact_ndarray(obj) && !is_object_ndarray(obj)) {
        const nb::object held = nb::borrow(obj);
        // copy=True of a C-contiguous array in its own dtype: the bytes, without a view (the ndbridge target
        // keeps any byte order, so the copy's dtype is the array's).
        static_assert(kNdbridgeTarget.non_native_order);
        if (req.copy == CopyMode::always)
            if (std::optional<Array> copy = copy_numpy_c_contiguous(obj, req.dtype)) return nb::cast(std::move(*copy));
        const Array view = read_numpy_unowned(obj);
        const CopyCause cause = copy_cause(view, req, traits);
        if (cause == CopyCause::none) return nb::cast(read_numpy(obj));  // a shared view holds its array
        return nb::cast(copy_released(view, req, traits, cause));
    }
    if (Py_TYPE(obj.ptr()) == reinterpret_cast<PyTypeObject*>(nb::type<Array>().ptr())) {
        const Array view = nb::cast<const Array&>(obj);  // held by value: the copy runs without the GIL
        const CopyCause cause = copy_cause(view, req, traits);
        if (cause == CopyCause::none) return nb::borrow(obj);  // the very ndb.Array, as hand_to gives it
        return nb::cast(copy_released(view, req, traits, cause));
    }
    return nb::object();
}

nb::object asarray(nb::handle obj, nb::handle dtype, nb::handle device, nb::handle copy, nb::handle order,
                   nb::handle like, nb::handle requires_grad) {
    return named("asarray", [&] {
        const std::optional<Target> known = like_target_fast(like);
        const bool plain = default_request(dtype, device, copy, order);
        if (known && requires_grad.is_none()) {
            if (plain) {
                if (nb::object fast = fast_default(obj, *known); fast.is_valid()) return fast;
                return convert_object(obj, ConversionRequest{}, *known, false);
            }
            if (*known == Target::ndbridge && device.is_none() && !order.is_valid()) {
                const ConversionRequest req = parse_request(dtype, device, copy, nb::none());
                if (nb::object fast = fast_dtype_or_copy(obj, req); fast.is_valid()) return fast;
                return convert_object(obj, req, *known, false);
            }
            return convert_object(obj, parse_request(dtype, device, copy, order.is_valid() ? order : nb::none()),
                                  *known, false);
        }
        ConversionRequest req = parse_request(dtype, device, copy, order.is_valid() ? order : nb::none());
        if (!like.is_none() && library_of(like) == "pandas") {
            if (!requires_grad.is_none() && PyObject_IsTrue(requires_grad.ptr()) == 1)
                fail(ErrorKind::value, "requires_grad=True is meaningful only for a torch result (like='torch')");
            return pandas_from_numpy(convert_object(obj, req, Target::numpy, false));
        }
        const Target target = parse_like(like);
        bool grad = false;
        if (!requires_grad.is_none()) {
            const int truth = PyObject_IsTrue(requires_grad.ptr());
            if (truth < 0) throw nb::python_error();
            grad = truth != 0;
        }
        if (grad && target != Target::torch)
            fail(ErrorKind::value, "requires_grad=True is meaningful only for a torch result (like='torch')");
        if (grad && req.copy != CopyMode::always && !req.dtype && nb::hasattr(obj, "requires_grad") &&
            nb::cast<bool>(obj.attr("requires_grad"))) {
            // A tensor that already tracks gradients stays in its graph: torch's own asarray keeps the history.
            return nb::module_::import_("torch").attr("asarray")(obj, nb::arg("device") = device,
                                                                 nb::arg("requires_grad") = true);
        }
        return convert_object(obj, req, target, grad);
    });
}

// ---- asarray's calling convention. asarray is the per-call hot path, so it is a CPython builtin
// (METH_FASTCALL | METH_KEYWORDS) that reads its own arguments, keyword names compared as interned
// pointers first, rather than a nanobind function behind a signature forwarder (two dispatch layers).

constexpr const char* kAsarrayParameters[] = {"obj", "dtype", "device", "copy", "order", "like", "requires_grad"};
constexpr Py_ssize_t kAsarrayPositional = 2;  // obj, dtype; the rest are keyword-only
constexpr std::size_t kAsarrayCount = std::size(kAsarrayParameters);

std::size_t asarray_parameter_index(PyObject* keyword) {
    static PyObject* const* const names = [] {
        static PyObject* interned_names[kAsarrayCount];
        for (std::size_t i = 0; i < kAsarrayCount; ++i)
            interned_names[i] = PyUnicode_InternFromString(kAsarrayParameters[i]);
        return interned_names;
    }();
    for (std::size_t i = 0; i < kAsarrayCount; ++i)
        if (names[i] == keyword) return i;
    for (std::size_t i = 0; i < kAsarrayCount; ++i)  // a keyword made at run time (**kwargs of built strings)
        if (names[i] != nullptr && PyUnicode_Compare(names[i], keyword) == 0) return i;
    PyErr_Clear();
    return kAsarrayCount;
}

PyObject* asarray_builtin(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) noexcept {
    PyObject* values[kAsarrayCount] = {};
    if (nargs > kAsarrayPositional) {
        PyErr_Format(PyExc_TypeError, "asarray() takes from 1 to 2 positional arguments but %zd were given", nargs);
        return nullptr;
    }
    for (Py_ssize_t i = 0; i < nargs; ++i) values[i] = args[i];
    const Py_ssize_t keywords = kwnames != nullptr ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < keywords; ++k) {
        PyObject* keyword = PyTuple_GET_ITEM(kwnames, k);
        const std::size_t i = asarray_parameter_index(keyword);
        if (i == kAsarrayCount) {
            PyErr_Format(PyExc_TypeError, "asarray() got an unexpected keyword argument '%U'", keyword);
            return nullptr;
        }
        if (values[i] != nullptr) {
            PyErr_Format(PyExc_TypeError, "asarray() got multiple values for argument '%s'", kAsarrayParameters[i]);
            return nullptr;
        }
        values[i] = args[nargs + k];
    }
    if (values[0] == nullptr) {
        PyErr_SetString(PyExc_TypeError, "asarray() missing required argument 'obj' (pos 1)");
        return nullptr;
    }
    auto given = [&](std::size_t i) { return nb::handle(values[i] != nullptr ? values[i] : Py_None); };
    try {
        return asarray(values[0], given(1), given(2), given(3), nb::handle(values[4]), given(5), given(6))
            .release()
            .ptr();
    } catch (...) {
        set_python_error_from_exception();
        return nullptr;
    }
}

nb::object as_tensor(nb::handle obj, nb::handle dtype, nb::handle device) {
    return named("as_tensor", [&] {
        return convert_object(obj, parse_request(dtype, device, nb::none(), nb::none()), Target::ndbridge, false);
    });
}

nb::object tensor(nb::handle obj, nb::handle dtype, nb::handle device) {
    return named("tensor", [&] {
        ConversionRequest req = parse_request(dtype, device, nb::none(), nb::none());
        req.copy = CopyMode::always;
        return convert_object(obj, req, Target::ndbridge, false);
    });
}

// from_dlpack: asarray restricted to what speaks DLPack (producers, capsules, NumPy arrays, ndb.Arrays).
nb::object from_dlpack(nb::handle x, nb::handle device, nb::handle copy) {
    return named("from_dlpack", [&] {
        const ConversionRequest req = parse_request(nb::none(), device, copy, nb::none());
        switch (probe(x).kind) {
            case Kind::ndb_array:
            case Kind::numpy_array:
            case Kind::exchange_api:
            case Kind::dlpack:
            case Kind::capsule: break;
            default:
                fail(ErrorKind::type, "a ", py_type_name(x), " has no __dlpack__ method and is not a DLPack capsule");
        }
        return convert_object(x, req, Target::ndbridge, false);
    });
}

nb::object from_numpy(nb::handle a) {
    return named("from_numpy", [&] {
        if (probe(a).kind != Kind::numpy_array)
            fail(ErrorKind::type, "expected a numpy.ndarray, got ", py_type_name(a));
        try {
            return nb::cast(read_numpy(a));
        } catch (const Error& e) {
            fail(ErrorKind::copy, "the array cannot be shared: ", e.what());
        }
    });
}

// frombuffer: raw bytes reinterpreted; PyTorch's checks and wording.
nb::object frombuffer(nb::handle buffer, nb::handle dtype, std::int64_t count, std::int64_t offset) {
    return named("frombuffer", [&] {
        const DType dt = dtype_from_object(dtype);
        if (!PyObject_CheckBuffer(buffer.ptr()))
            fail(ErrorKind::type, "a ", py_type_name(buffer), " does not implement the buffer protocol");
        nb::object mv = nb::steal(PyMemoryView_FromObject(buffer.ptr()));
        if (!mv.is_valid()) throw nb::python_error();
        Py_buffer* view = PyMemoryView_GET_BUFFER(mv.ptr());
        if (!PyBuffer_IsContiguous(view, 'A'))
            fail(ErrorKind::value, "the buffer of ", py_type_name(buffer),
                 " is not contiguous; its bytes have no single order");
        const std::int64_t length = view->len;
        const std::int64_t item = dt.itemsize();
        if (length <= 0 || count == 0)
            fail(ErrorKind::value, "both buffer length (", length, ") and count (", count, ") must not be 0");
        if (offset < 0 || offset >= length)
            fail(ErrorKind::value, "offset (", offset,
                 " bytes) must be non-negative and smaller than the buffer length (", length, " bytes)");
        if (count < 0) {
            if ((length - offset) % item != 0)
                fail(ErrorKind::value, "buffer length (", length - offset, " bytes) after offset (", offset,
                     " bytes) must be a multiple of element size (", item, ")");
            count = (length - offset) / item;
        } else if (count > (length - offset) / item) {
            fail(ErrorKind::value, "requested buffer length (", count, " * ", item, " bytes) after offset (", offset,
                 " bytes) must not be greater than actual buffer length (", length, " bytes)");
        }
        const Dims shape{count};
        // The memoryview holds the export; the array holds the memoryview.
        return nb::cast(Array::wrap(static_cast<std::byte*>(view->buf) + offset, dt, shape, {}, Device::cpu(),
                                    view->readonly != 0, owner_of(mv)));
    });
}

}  // namespace

void bind_entry_points(nb::module_& m) {
    // asarray: the builtin above, its text signature opening its doc (what inspect.signature reads).
    static PyMethodDef asarray_def = {
        "asarray", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&asarray_builtin)),
        METH_FASTCALL | METH_KEYWORDS,
        "asarray(obj, dtype=None, *, device=None, copy=None, order='K', like=None, requires_grad=None)\n--\n\n"
        R"(Convert ``obj`` to an array, sharing its memory whenever the rules allow.

``obj`` may be an ndb.Array, a NumPy array, a DLPack producer (PyTorch, JAX, ...) or capsule, a buffer
(bytes, bytearray, memoryview, array.array, mmap, ctypes), an object with ``__array_interface__``,
``__array_struct__``, ``__cuda_array_interface__`` or ``__array__``, a scalar, or nested sequences of
these. ``copy=None`` shares when dtype, device, order and writability allow; ``copy=True`` always
copies; ``copy=False`` never copies and raises :class:`CopyError` naming the reason. ``like`` chooses
the result's library: ``"ndbridge"`` (default, an :class:`Array`), ``"numpy"``, ``"torch"``,
``"jax"``, one of those modules or an array of one; the same rules apply, with that library's limits
(PyTorch has no read-only tensors and no negative strides, so those are copied). With
``like="torch"`` Python floats follow ``torch.get_default_dtype()`` and ``requires_grad=True`` gives a
leaf that requires grad. The rules are in docs/semantics.md.)"};
    nb::object module_name = m.attr("__name__");
    PyObject* asarray_function = PyCFunction_NewEx(&asarray_def, m.ptr(), module_name.ptr());
    if (asarray_function == nullptr) throw nb::python_error();
    m.attr("asarray") = nb::steal(asarray_function);
    m.def("as_tensor", &as_tensor, nb::arg("obj").none(), nb::arg("dtype").none() = nb::none(),
          nb::arg("device").none() = nb::none(),
          nb::sig("def as_tensor(obj: object, dtype: object = None, device: object = None) -> Array"),
          "``asarray(obj, dtype, device=device)``: shares when it can, copies when it must.");
    m.def("tensor", &tensor, nb::arg("obj").none(), nb::arg("dtype").none() = nb::none(),
          nb::arg("device").none() = nb::none(),
          nb::sig("def tensor(obj: object, dtype: object = None, device: object = None) -> Array"),
          "``asarray(obj, dtype, device=device, copy=True)``: always a new, independent array.");
    m.def("from_dlpack", &from_dlpack, nb::arg("x").none(), nb::kw_only(), nb::arg("device").none() = nb::none(),
          nb::arg("copy").none() = nb::none(),
          nb::sig("def from_dlpack(x: object, *, device: object = None, copy: bool | None = None) -> Array"),
          "An ndb.Array from a DLPack producer (an object with __dlpack__), a DLPack capsule, a NumPy array or an "
          "ndb.Array: "
          "asarray's rules, restricted to DLPack sources. Shares memory unless copy=True; copy=False raises "
          "ndb.CopyError when "
          "a copy would be needed (a device move).");
    m.def(
        "from_numpy", &from_numpy, nb::arg("a").none(), nb::sig("def from_numpy(a: object) -> Array"),
        "Share a NumPy array's memory, whatever its layout (negative strides, read-only, byte order included). Raises "
        ":class:`CopyError` only when sharing is impossible (object arrays).");
    m.def("frombuffer", &frombuffer, nb::arg("buffer"), nb::arg("dtype") = "uint8", nb::arg("count") = -1,
          nb::arg("offset") = 0,
          nb::sig("def frombuffer(buffer: object, dtype: object = 'uint8', count: int = -1, offset: int = 0) -> Array"),
          "Reinterpret the raw bytes of ``buffer`` as a 1-d array of ``dtype`` (shares; read-only when the buffer is). "
          "``count=-1`` takes every whole item after ``offset``.");
}

}  // namespace ndbridge::python
