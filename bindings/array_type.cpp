// ndb.Array: the Python face of the core's strided array — attributes, basic indexing, element access,
// and the protocols Python and its libraries ask of an array: iteration, truth and scalar conversions,
// membership, pickling, copies and weak references. It converts; it does not compute (no arithmetic, and
// comparisons refuse with a pointer to NumPy: docs/decisions.md, "Python protocols").
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "common.h"
#include "ndbridge/copy.h"
#include "ndbridge/error.h"
#include "ndbridge/layout.h"

namespace ndbridge::python {
namespace {

nb::tuple to_tuple(const Dims& v) {
    nb::list out;
    for (std::int64_t x : v) out.append(x);
    return nb::tuple(out);
}

std::int64_t index_value(nb::handle obj) {
    PyObject* i = PyNumber_Index(obj.ptr());
    if (i == nullptr) throw nb::python_error();
    nb::object owned = nb::steal(i);
    const long long v = PyLong_AsLongLong(i);
    if (v == -1 && PyErr_Occurred()) {
        PyErr_Clear();
        fail(ErrorKind::index, "index ", short_repr(obj), " does not fit in 64 bits");
    }
    return v;
}

// A slice bound: like Python's, huge values clamp (a[10**20:] is empty) rather than fail.
std::optional<std::int64_t> slice_part(PyObject* part) {
    if (part == Py_None) return std::nullopt;
    nb::object i = nb::steal(PyNumber_Index(part));
    if (!i.is_valid()) throw nb::python_error();
    const Py_ssize_t v = PyNumber_AsSsize_t(i.ptr(), nullptr);  // NULL: clamp instead of raising
    if (v == -1 && PyErr_Occurred()) throw nb::python_error();
    return static_cast<std::int64_t>(v);
}

// One item of a Python index key; `scalar_items` counts the integers (all-integer keys give scalars).
Index index_item(nb::handle item, int& integer_items) {
    PyObject* o = item.ptr();
    if (o == Py_None) return NewAxis{};
    if (o == Py_Ellipsis) return EllipsisIndex{};
    if (PySlice_Check(o)) {
        auto* s = reinterpret_cast<PySliceObject*>(o);
        return Slice{slice_part(s->start), slice_part(s->stop), slice_part(s->step)};
    }
    if (!PyBool_Check(o) && PyIndex_Check(o)) {
        // NumPy arrays have __index__ but only 0-d integer ones are integers; the rest are advanced indices.
        nb::object i = nb::steal(PyNumber_Index(o));
        if (i.is_valid()) {
            ++integer_items;
            return index_value(i);
        }
        PyErr_Clear();
    }
    fail(ErrorKind::index, "only integers, slices (`:`), ellipsis (`...`) and None (`newaxis`) are valid indices; got ",
         short_repr(item), " (ndb.Array supports basic indexing only)");
}

std::vector<Index> index_key(nb::handle key, int& integer_items, bool& only_integers) {
    std::vector<Index> items;
    integer_items = 0;
    if (PyTuple_Check(key.ptr())) {
        for (nb::handle item : nb::borrow<nb::tuple>(key)) items.push_back(index_item(item, integer_items));
    } else {
        items.push_back(index_item(key, integer_items));
    }
    only_integers = integer_items == static_cast<int>(items.size());
    return items;
}

void require_host(const Array& a, const char* what) {
    if (!a.device().host_accessible())
        fail(ErrorKind::value, what, ": the array is on device ", to_string(a.device()),
             " and cannot be read from the host");
}

nb::object element_object(const Array& a, const std::byte* p) { return element_to_object(a.dtype(), p); }

nb::object to_list(const Array& a, int axis, const std::byte* p) {
    if (axis == a.ndim()) return element_object(a, p);
    const auto ua = static_cast<std::size_t>(axis);
    const std::int64_t n = a.shape()[ua];
    nb::object out = nb::steal(PyList_New(static_cast<Py_ssize_t>(n)));
    for (std::int64_t i = 0; i < n; ++i) {
        nb::object item = to_list(a, axis + 1, p + i * a.strides()[ua]);
        PyList_SET_ITEM(out.ptr(), static_cast<Py_ssize_t>(i), item.release().ptr());
    }
    return out;
}

Dims shape_argument(nb::args args) {
    Dims shape;
    if (args.size() == 1 && !PyIndex_Check(args[0].ptr())) {
        for (nb::handle h : args[0]) shape.push_back(index_value(h));
    } else {
        for (nb::handle h : args) shape.push_back(index_value(h));
    }
    return shape;
}

// ---------------------------------------------------------------------------------------------- protocols

// NumPy's answer on a zero-copy ndarray view of `a`: truth, the scalar conversions and membership follow
// NumPy 2 exactly (errors and their types included) because NumPy itself gives them.
nb::object numpy_view(nb::handle self, const char* what) {
    return named(what, [&] { return numpy_from_array(nb::cast<const Array&>(self)); });
}

nb::object checked(PyObject* result) {
    if (result == nullptr) throw nb::python_error();
    return nb::steal(result);
}

[[noreturn]] void refuse_comparison(const char* op) {
    fail(ErrorKind::type, "ndb.Array does not compare element-wise (", op,
         "): it converts arrays and computes nothing; compare np.asarray(x) ", op,
         " y for NumPy's element-wise result, or x.tolist() ", op, " y for one bool");
}

// ---------------------------------------------------------------------------------------------- pickling

// Pickle data: the elements' bytes in the array's own C or F order (non-contiguous arrays are made
// C-contiguous first, as NumPy pickles them), the dtype (non-native byte order kept), the shape and the
// order. Protocol 5 hands the bytes as a PickleBuffer, so a pickler with buffer_callback sends them out
// of band without a copy; older protocols embed a bytes copy.
nb::object reduce_array(nb::handle self, int protocol) {
    return named("pickle", [&]() -> nb::object {
        const Array& a = nb::cast<const Array&>(self);
        require_host(a, "pickle");
        const bool fortran = !a.is_c_contiguous() && a.is_f_contiguous();
        const Array compact = a.is_c_contiguous() || a.is_f_contiguous() ? a : a.copy(MemoryOrder::C);
        nb::object rebuild = nb::module_::import_("ndbridge._protocols").attr("_array_from_pickle");
        nb::object shape = to_tuple(a.shape());
        nb::str order(fortran ? "F" : "C");
        if (protocol >= 5 && compact.size() > 0) {
            const Dims n{compact.nbytes()}, one{1};
            Array bytes = Array::wrap(compact.data(), DType(ScalarType::uint8), n, one, Device::cpu(),
                                      compact.readonly(), compact.owner());
            nb::object buffer = nb::module_::import_("pickle").attr("PickleBuffer")(nb::cast(std::move(bytes)));
            return nb::make_tuple(rebuild, nb::make_tuple(buffer, a.dtype(), shape, order, true));
        }
        nb::bytes data(reinterpret_cast<const char*>(compact.data()), static_cast<std::size_t>(compact.nbytes()));
        return nb::make_tuple(rebuild, nb::make_tuple(data, a.dtype(), shape, order, false));
    });
}

// The inverse of reduce_array. `share`: protocol 5 views the buffer it is given (read-only when that
// buffer is: bytes in band for a read-only source, or a read-only out-of-band buffer), as NumPy does;
// older protocols give a new writable array, as NumPy's do.
Array array_from_pickle(nb::handle buffer, DType dtype, const std::vector<std::int64_t>& shape_list,
                        const std::string& order, bool share) {
    return named("ndb.Array unpickling", [&] {
        const Dims shape(shape_list.begin(), shape_list.end());
        nb::object mv = checked(PyMemoryView_FromObject(buffer.ptr()));
        const Py_buffer* view = PyMemoryView_GET_BUFFER(mv.ptr());
        const MemoryOrder o = order == "F" ? MemoryOrder::F : MemoryOrder::C;
        if (!PyBuffer_IsContiguous(view, 'A'))
            fail(ErrorKind::value, "the pickled buffer of ", py_type_name(buffer), " is not contiguous");
        const Dims strides = contiguous_strides(shape, dtype.itemsize(), o);
        // wrap() validates shape x stride arithmetic before the byte count is compared.
        Array out =
            Array::wrap(view->buf, dtype, shape, strides, Device::cpu(), !share || view->readonly != 0, owner_of(mv));
        if (out.nbytes() != view->len)
            fail(ErrorKind::value, "the pickled buffer holds ", static_cast<std::int64_t>(view->len), " bytes; shape ",
                 short_repr(to_tuple(shape)), " of ", describe(dtype), " needs ", out.nbytes());
        if (share) return out;
        Array fresh = Array::empty(dtype, shape, o);
        if (out.nbytes() > 0) std::memcpy(fresh.data(), view->buf, static_cast<std::size_t>(out.nbytes()));
        return fresh;
    });
}

// Array.to's first positional argument: a device (a string naming one, a torch.device, DLPack's tuple)
// or a library (a name, a module, an array). Device strings and library names never overlap. A string's
// answer is remembered (under the GIL): the device parser answers "no" by throwing, which costs microseconds.
bool names_a_device(nb::handle obj) {
    if (PyTuple_Check(obj.ptr())) return true;
    if (PyUnicode_Check(obj.ptr())) {
        static std::unordered_map<std::string, bool> answers;
        std::string text = nb::cast<std::string>(obj);
        if (auto it = answers.find(text); it != answers.end()) return it->second;
        bool device = true;
        try {
            (void)parse_device(obj);
        } catch (const Error&) {
            device = false;
        }
        if (answers.size() < 64) answers.emplace(std::move(text), device);
        return device;
    }
    nb::handle type = nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr())));
    return nb::hasattr(type, "__module__") && nb::str(type.attr("__module__")).equal(nb::str("torch")) &&
           nb::str(type.attr("__name__")).equal(nb::str("device"));
}

}  // namespace

void bind_array(nb::module_& m) {
    nb::class_<Flags>(m, "Flags", "Memory-layout flags of an ndb.Array, readable as attributes or by NumPy's keys.")
        .def_ro("c_contiguous", &Flags::c_contiguous, "True when the elements are contiguous in row-major (C) order.")
        .def_ro("f_contiguous", &Flags::f_contiguous,
                "True when the elements are contiguous in column-major (Fortran) order.")
        .def_ro("writeable", &Flags::writeable, "False when the memory may not be written through this array.")
        .def_ro("aligned", &Flags::aligned, "True when every element sits at a multiple of its dtype's alignment.")
        .def("__getitem__",
             [](const Flags& f, const std::string& key) {
                 if (key == "C_CONTIGUOUS" || key == "C" || key == "CONTIGUOUS") return f.c_contiguous;
                 if (key == "F_CONTIGUOUS" || key == "F" || key == "FORTRAN") return f.f_contiguous;
                 if (key == "WRITEABLE" || key == "W") return f.writeable;
                 if (key == "ALIGNED" || key == "A") return f.aligned;
                 throw nb::key_error(key.c_str());
             })
        .def("__repr__", [](const Flags& f) {
            auto b = [](bool v) { return v ? "True" : "False"; };
            return std::string("  C_CONTIGUOUS : ") + b(f.c_contiguous) + "\n  F_CONTIGUOUS : " + b(f.f_contiguous) +
                   "\n  WRITEABLE : " + b(f.writeable) + "\n  ALIGNED : " + b(f.aligned);
        });

    nb::class_<Array> cls(m, "Array",
                          "ndbridge's strided n-d array: a view of memory with a dtype, shape and byte strides.",
                          nb::type_slots(array_type_slots()), nb::is_weak_referenceable(), nb::pooled());
    cls.def_prop_ro(
           "shape", [](const Array& a) { return to_tuple(a.shape()); }, "Extent of each axis, as a tuple.")
        .def_prop_ro(
            "strides", [](const Array& a) { return to_tuple(a.strides()); }, "Byte strides (may be negative).")
        .def_prop_ro("dtype", &Array::dtype, "The element type (an ndb.dtype).")
        .def_prop_ro(
            "device", [](const Array& a) { return to_string(a.device()); }, "Device string: 'cpu', 'cuda:0', ...")
        .def_prop_ro("ndim", &Array::ndim, "Number of axes.")
        .def_prop_ro("size", &Array::size, "Number of elements (the product of the shape).")
        .def_prop_ro("itemsize", &Array::itemsize, "Bytes per element.")
        .def_prop_ro("nbytes", &Array::nbytes, "Bytes of the elements: size * itemsize.")
        .def_prop_ro("readonly", &Array::readonly, "True when the memory may not be written through this array.")
        .def_prop_ro("flags", &Array::flags, "Memory-layout flags (an ndb.Flags).")
        .def_prop_ro(
            "data_ptr", [](const Array& a) { return reinterpret_cast<std::uintptr_t>(a.data()); },
            "Address of the first element (index 0, ..., 0).")
        .def(
            "__len__",
            [](const Array& a) {
                if (a.ndim() == 0) fail(ErrorKind::type, "len() of unsized object (a 0-d ndb.Array)");
                return a.shape()[0];
            },
            "The length of the first axis; TypeError for a 0-d array, as NumPy.")
        .def(
            "__iter__",
            [](nb::handle self) {
                const Array& a = nb::cast<const Array&>(self);
                if (a.ndim() == 0) fail(ErrorKind::type, "iteration over a 0-d array");
                nb::object builtins = nb::module_::import_("builtins");
                return builtins.attr("map")(self.attr("__getitem__"), builtins.attr("range")(a.shape()[0]));
            },
            "Iterates over the first axis: sub-arrays (views), or Python scalars for a 1-d array; TypeError "
            "for a 0-d array, as NumPy.")
        .def(
            "__bool__",
            [](nb::handle self) {
                const int truth = PyObject_IsTrue(numpy_view(self, "bool").ptr());
                if (truth < 0) throw nb::python_error();
                return truth == 1;
            },
            "NumPy 2's truth: the element of a one-element array; ValueError for empty and larger arrays.")
        .def(
            "__float__", [](nb::handle self) { return checked(PyNumber_Float(numpy_view(self, "float").ptr())); },
            "float() of a 0-d array, as NumPy (TypeError for other shapes).")
        .def(
            "__int__", [](nb::handle self) { return checked(PyNumber_Long(numpy_view(self, "int").ptr())); },
            "int() of a 0-d array, as NumPy (TypeError for other shapes).")
        .def(
            "__complex__",
            [](nb::handle self) {
                return checked(PyObject_CallOneArg(reinterpret_cast<PyObject*>(&PyComplex_Type),
                                                   numpy_view(self, "complex").ptr()));
            },
            "complex() of a 0-d array, as NumPy (TypeError for other shapes).")
        .def(
            "__index__", [](nb::handle self) { return checked(PyNumber_Index(numpy_view(self, "index").ptr())); },
            "operator.index() of a 0-d integer array, as NumPy (TypeError otherwise).")
        .def(
            "__contains__",
            [](nb::handle self, nb::handle value) {
                const int found = PySequence_Contains(numpy_view(self, "in").ptr(), value.ptr());
                if (found < 0) throw nb::python_error();
                return found == 1;
            },
            nb::arg("value").none(), "`value in x` by value, as NumPy: (np.asarray(x) == value).any().")
        .def(
            "__eq__", [](const Array&, nb::handle) { refuse_comparison("=="); }, nb::arg("other").none())
        .def(
            "__ne__", [](const Array&, nb::handle) { refuse_comparison("!="); }, nb::arg("other").none())
        .def(
            "__lt__", [](const Array&, nb::handle) { refuse_comparison("<"); }, nb::arg("other").none())
        .def(
            "__le__", [](const Array&, nb::handle) { refuse_comparison("<="); }, nb::arg("other").none())
        .def(
            "__gt__", [](const Array&, nb::handle) { refuse_comparison(">"); }, nb::arg("other").none())
        .def(
            "__ge__", [](const Array&, nb::handle) { refuse_comparison(">="); }, nb::arg("other").none())
        .def("__reduce_ex__", &reduce_array, nb::arg("protocol"),
             "Pickle support: the bytes in C or F order (a PickleBuffer under protocol 5, so they can travel out "
             "of band), the dtype, the shape and the order.")
        .def(
            "__reduce__", [](nb::handle self) { return reduce_array(self, 2); },
            "Pickle support for protocols below 5 (see __reduce_ex__).")
        .def(
            "__copy__", [](const Array& a) { return copying(a.nbytes(), [&] { return a.copy(MemoryOrder::K); }); },
            "copy.copy(x): new, writable memory in this array's stride order, as NumPy's.")
        .def(
            "__deepcopy__",
            [](const Array& a, nb::handle) { return copying(a.nbytes(), [&] { return a.copy(MemoryOrder::K); }); },
            nb::arg("memo").none(), "copy.deepcopy(x): as copy.copy (the elements hold no Python objects).")
        .def(
            "__getitem__",
            [](const Array& a, nb::handle key) -> nb::object {
                int integer_items = 0;
                bool only_integers = false;
                std::vector<Index> items = index_key(key, integer_items, only_integers);
                Array v = a.index(items);
                if (only_integers && integer_items == a.ndim()) {
                    require_host(v, "indexing");
                    return element_object(v, v.data());
                }
                return nb::cast(std::move(v));
            },
            nb::arg("key").none())
        .def(
            "__setitem__",
            [](const Array& a, nb::handle key, nb::handle value) {
                named("ndb.Array.__setitem__", [&] {
                    int integer_items = 0;
                    bool only_integers = false;
                    const Array v = a.index(index_key(key, integer_items, only_integers));
                    if (is_scalar_object(value)) {
                        fill(v, scalar_from_object(value));  // NumPy's rules for one value (ints out of range raise)
                        return;
                    }
                    // Anything asarray reads, cast and broadcast as NumPy assigns; sequences are read straight
                    // into the destination's dtype, element by element under the same rules as one value.
                    ConversionRequest req;
                    if (probe(value).kind == Kind::sequence) req.dtype = v.dtype();
                    const Array source = to_array(value, req);
                    copying(v.nbytes(),
                            [&] { copy_into(v, source); });  // casts, broadcasts, handles overlap; checks first
                });
            },
            nb::arg("key").none(), nb::arg("value").none())
        .def(
            "copy",
            [](const Array& a, nb::handle order) {
                const MemoryOrder o = parse_order(order);
                return copying(a.nbytes(), [&] { return a.copy(o); });
            },
            nb::arg("order") = "K",
            "A new array with these elements, laid out by order: K keeps this array's stride order (positive), "
            "A is F for F-contiguous arrays else C, C and F force the layout.")
        .def(
            "astype",
            [](nb::handle self, nb::handle dtype, nb::handle order, bool copy) -> nb::object {
                return named("ndb.Array.astype", [&] {
                    const Array& a = nb::cast<const Array&>(self);
                    // When nothing must change and copy=False, the caller gets this very object back, as NumPy does.
                    const ViewIdentity same = identity_of(a);
                    const DType to = dtype_from_object(dtype);
                    const MemoryOrder o = parse_order(order);
                    Array r = copying(a.size() * to.itemsize(), [&] { return a.astype(to, o, copy); });
                    return hand_to(Target::ndbridge, std::move(r), self, &same, false);
                });
            },
            nb::arg("dtype").none(), nb::arg("order") = "K", nb::arg("copy") = true,
            "These elements cast to dtype (NumPy's values; see docs/decisions.md for out-of-range rules). With "
            "copy=False the array itself is returned when neither dtype nor layout must change.")
        .def(
            "view", [](const Array& a, nb::handle dtype) { return a.with_dtype(dtype_from_object(dtype)); },
            nb::arg("dtype").none(), "The same memory seen as another dtype of the same item size.")
        .def(
            "tobytes",
            [](const Array& a, nb::handle order) {
                require_host(a, "tobytes");
                const MemoryOrder o = parse_order(order);
                const bool fortran =
                    o == MemoryOrder::F || (o == MemoryOrder::A && a.is_f_contiguous() && !a.is_c_contiguous());
                const Array compact = (fortran ? a.is_f_contiguous() : a.is_c_contiguous())
                                          ? a
                                          : a.copy(fortran ? MemoryOrder::F : MemoryOrder::C);
                return nb::bytes(reinterpret_cast<const char*>(compact.data()),
                                 static_cast<std::size_t>(compact.nbytes()));
            },
            nb::arg("order") = "C", "The elements' bytes in C (default) or F order, as NumPy's tobytes.")
        .def(
            "item",
            [](const Array& a) {
                if (a.size() != 1)
                    fail(ErrorKind::value, "can only convert an array of size 1 to a Python scalar (size is ", a.size(),
                         ")");
                require_host(a, "item");
                const Dims zeros(a.shape().size(), 0);
                return element_object(a, a.element(zeros));
            },
            "The one element of a size-1 array as a Python scalar (ValueError for other sizes).")
        .def(
            "tolist",
            [](const Array& a) {
                require_host(a, "tolist");
                return to_list(a, 0, a.data());
            },
            "The elements as nested Python lists (a Python scalar for 0-d arrays).")
        .def(
            "transpose",
            [](const Array& a, nb::args axes) {
                if (axes.size() == 0 || (axes.size() == 1 && axes[0].is_none())) return a.transpose();
                return a.permute(shape_argument(axes));
            },
            "Permutes the axes (reverses them when none are given); a view.")
        .def_prop_ro("T", &Array::transpose, "The transposed view.")
        .def(
            "reshape",
            [](const Array& a, nb::args shape, nb::handle order) {
                const MemoryOrder o = parse_order(order);
                if (o != MemoryOrder::C && o != MemoryOrder::F)
                    fail(ErrorKind::value, "reshape: order must be 'C' or 'F'");
                const Dims new_shape = resolve_shape(shape_argument(shape), a.size());
                Dims strides;
                // A view when the strides allow one, else a copy in that order first, as NumPy's reshape does.
                if (reshape_strides(a.shape(), a.strides(), a.itemsize(), new_shape, o, strides))
                    return a.reshape(new_shape, o);
                return a.copy(o).reshape(new_shape, o);
            },
            nb::arg("shape"), nb::kw_only(), nb::arg("order") = "C",
            "The elements with a new shape (one -1 allowed), read in C or F order: a view when the strides allow one, "
            "else a copy, as NumPy's reshape.")
        .def(
            "squeeze",
            [](const Array& a, nb::handle axis) { return axis.is_none() ? a.squeeze() : a.squeeze(index_value(axis)); },
            nb::arg("axis").none() = nb::none(), "A view without the extent-1 axes (all, or the one given).")
        .def(
            "expand_dims", [](const Array& a, std::int64_t axis) { return a.expand_dims(axis); }, nb::arg("axis"),
            "A view with a new extent-1 axis at position axis.")
        // ---- handing on: DLPack, NumPy, other libraries (the buffer protocol is in the type's slots)
        .def_prop_ro("__array_interface__", &array_interface, "NumPy's array interface (version 3) of this array.")
        .def(
            "__array__",
            [](const Array& a, nb::handle dtype, nb::handle copy) {
                return named("ndb.Array.__array__", [&] {
                    ConversionRequest req;
                    req.copy = parse_copy(copy);
                    if (!dtype.is_none()) {
                        try {
                            req.dtype = dtype_from_object(dtype);
                        } catch (const Error&) {
                            // A dtype only NumPy has (object, records): NumPy casts its own array.
                            if (req.copy == CopyMode::never)
                                fail(ErrorKind::copy, "dtype ", short_repr(dtype),
                                     " needs a copy, and copy=False forbids it");
                            return numpy_from_array(a).attr("astype")(dtype);
                        }
                    }
                    return numpy_from_array(share_or_copy(a, req));
                });
            },
            nb::arg("dtype").none() = nb::none(), nb::arg("copy").none() = nb::none(),
            "NumPy's __array__ protocol: an ndarray sharing this array's memory (copy=True copies; copy=False raises "
            "CopyError when the dtype asked for needs a copy). bfloat16 and float8 arrive as ml_dtypes types.")
        .def(
            "numpy", [](const Array& a) { return named("ndb.Array.numpy", [&] { return numpy_from_array(a); }); },
            "A NumPy array sharing this array's memory.")
        .def(
            "to",
            [](nb::handle self, nb::handle device_or_like, nb::handle like, nb::handle device) {
                return named("ndb.Array.to", [&] {
                    if (!device_or_like.is_none()) {
                        nb::handle& role = names_a_device(device_or_like) ? device : like;
                        if (!role.is_none())
                            fail(ErrorKind::type, "to() got ", short_repr(device_or_like), " positionally and ",
                                 short_repr(role), " by keyword for the same role (",
                                 &role == &device ? "device" : "like", ")");
                        role = device_or_like;
                    }
                    ConversionRequest req;
                    req.device = parse_device(device);
                    return convert_object(self, req, parse_like(like), false);
                });
            },
            nb::arg("device_or_like").none() = nb::none(), nb::kw_only(), nb::arg("like").none() = nb::none(),
            nb::arg("device").none() = nb::none(),
            "This array handed to another library and/or device: asarray(self, like=..., device=...). The "
            "positional argument is a device when it names one ('cpu', 'cuda:0', a torch.device, DLPack's "
            "(type, id)), else a library (like=): 'numpy', 'torch', a module or an array.")
        .def(
            "_same_memory", [](const Array& a, const Array& b) { return a.owner() == b.owner(); },
            "True when both arrays keep the same owner alive (views of one allocation or one foreign object).");
    bind_dlpack_methods(cls);  // __dlpack__, __dlpack_device__ (export.cpp)
    cls.attr("__dlpack_c_exchange_api__") = exchange_api_capsule();
    cls.attr("__hash__") = nb::none();  // mutable and compared by value, as NumPy's arrays: unhashable
    m.def("_array_from_pickle", &array_from_pickle, nb::arg("buffer"), nb::arg("dtype"), nb::arg("shape"),
          nb::arg("order"), nb::arg("share"), "Rebuilds a pickled ndb.Array (see Array.__reduce_ex__).");
    m.def("_exchange_api_calls", &exchange_api_call_count,
          "How often a consumer called the DLPack C exchange API of ndb.Array (for tests).");
}

}  // namespace ndbridge::python
