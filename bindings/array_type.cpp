// ndb.Array: the Python face of the core's strided array — attributes, basic indexing, element access.
#include <string>
#include <vector>

#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include "common.h"
#include "ndbridge/copy.h"
#include "ndbridge/error.h"

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

}  // namespace

void bind_array(nb::module_& m) {
    nb::class_<Flags>(m, "Flags", "Memory-layout flags of an ndb.Array, readable as attributes or by NumPy's keys.")
        .def_ro("c_contiguous", &Flags::c_contiguous)
        .def_ro("f_contiguous", &Flags::f_contiguous)
        .def_ro("writeable", &Flags::writeable)
        .def_ro("aligned", &Flags::aligned)
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
                          nb::type_slots(array_type_slots()));
    cls.def_prop_ro("shape", [](const Array& a) { return to_tuple(a.shape()); })
        .def_prop_ro(
            "strides", [](const Array& a) { return to_tuple(a.strides()); }, "Byte strides (may be negative).")
        .def_prop_ro("dtype", &Array::dtype)
        .def_prop_ro(
            "device", [](const Array& a) { return to_string(a.device()); }, "Device string: 'cpu', 'cuda:0', ...")
        .def_prop_ro("ndim", &Array::ndim)
        .def_prop_ro("size", &Array::size)
        .def_prop_ro("itemsize", &Array::itemsize)
        .def_prop_ro("nbytes", &Array::nbytes)
        .def_prop_ro("readonly", &Array::readonly)
        .def_prop_ro("flags", &Array::flags)
        .def_prop_ro(
            "data_ptr", [](const Array& a) { return reinterpret_cast<std::uintptr_t>(a.data()); },
            "Address of the first element (index 0, ..., 0).")
        .def("__len__",
             [](const Array& a) {
                 if (a.ndim() == 0) fail(ErrorKind::type, "len() of unsized object (a 0-d ndb.Array)");
                 return a.shape()[0];
             })
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
        .def("item",
             [](const Array& a) {
                 if (a.size() != 1)
                     fail(ErrorKind::value, "can only convert an array of size 1 to a Python scalar (size is ",
                          a.size(), ")");
                 require_host(a, "item");
                 const Dims zeros(a.shape().size(), 0);
                 return element_object(a, a.element(zeros));
             })
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
            nb::arg("axis").none() = nb::none())
        .def(
            "expand_dims", [](const Array& a, std::int64_t axis) { return a.expand_dims(axis); }, nb::arg("axis"))
        // ---- handing on: DLPack, NumPy, other libraries (the buffer protocol is in the type's slots)
        .def("__dlpack__", &dlpack_export, nb::kw_only(), nb::arg("stream").none() = nb::none(),
             nb::arg("max_version").none() = nb::none(), nb::arg("dl_device").none() = nb::none(),
             nb::arg("copy").none() = nb::none(),
             "A DLPack capsule viewing this array (a copy when DLPack cannot describe it: byte order, negative "
             "strides).")
        .def(
            "__dlpack_device__",
            [](const Array& a) { return nb::make_tuple(static_cast<int>(a.device().type), a.device().id); },
            "DLPack's (device_type, device_id) of the data.")
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
            [](nb::handle self, nb::handle like, nb::handle device) {
                return named("ndb.Array.to", [&] {
                    ConversionRequest req;
                    req.device = parse_device(device);
                    return convert_object(self, req, parse_like(like), false);
                });
            },
            nb::arg("like").none() = nb::none(), nb::arg("device").none() = nb::none(),
            "This array handed to another library (like=) and/or device: asarray(self, like=..., device=...).")
        .def(
            "_same_memory", [](const Array& a, const Array& b) { return a.owner() == b.owner(); },
            "True when both arrays keep the same owner alive (views of one allocation or one foreign object).");
    cls.attr("__dlpack_c_exchange_api__") = exchange_api_capsule();
    m.def("_exchange_api_calls", &exchange_api_call_count,
          "How often a consumer called the DLPack C exchange API of ndb.Array (for tests).");
}

}  // namespace ndbridge::python
