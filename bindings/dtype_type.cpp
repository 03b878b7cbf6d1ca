// ndb.dtype: the Python face of the core's DType, comparable with every dtype spelling, and usable where
// NumPy takes a dtype (its __numpy_dtype__ protocol) and PyTorch (through .torch).
#include <bit>
#include <string>

#include <nanobind/stl/string.h>

#include "common.h"

namespace ndbridge::python {
namespace {

// NumPy's dtype of d: its typestr, or ml_dtypes' type for bfloat16 and float8 (NumPy has them only there).
nb::object numpy_dtype_of(DType d) {
    nb::object spec = d.kind_char() == 'V' ? nb::module_::import_("ml_dtypes").attr(name(d).c_str())
                                           : nb::object(nb::str(to_typestr(d).c_str()));
    return nb::module_::import_("numpy").attr("dtype")(spec);
}

// torch's dtype of d, by name: torch has no byte order, no times, no strings and no long double.
nb::object torch_dtype_of(DType d) {
    const std::string n = name(d);
    const char kind = d.kind_char();
    if (!d.is_native() || kind == 'M' || kind == 'm' || kind == 'S' || kind == 'U' || n == "longdouble" ||
        n == "clongdouble")
        fail(ErrorKind::type, "PyTorch has no dtype for ", describe(d),
             " (no byte order, datetimes, strings or long double in torch)");
    nb::object torch = nb::module_::import_("torch");
    if (!nb::hasattr(torch, n.c_str())) fail(ErrorKind::type, "this PyTorch has no dtype torch.", n);
    return torch.attr(n.c_str());
}

}  // namespace

void bind_dtype(nb::module_& m) {
    nb::class_<DType> cls(m, "dtype",
                          "An element type. ndb.dtype(spec) accepts names ('float32'), typestrs ('<f4'), character "
                          "codes ('d'), NumPy/torch dtypes and bool/int/float/complex.");
    cls.def(
           "__init__", [](DType* self, nb::handle spec) { new (self) DType(dtype_from_object(spec)); },
           nb::arg("spec").none(),
           "ndb.dtype(spec): spec is an ndb.dtype, a name or typestr ('float32', '<f4', 'd'), a NumPy dtype or "
           "scalar type, an ml_dtypes type, a torch.dtype, bool/int/float/complex, or an object with a .dtype.")
        .def_prop_ro(
            "name", [](DType d) { return name(d); }, "Canonical name, e.g. 'float32', 'datetime64[ns]', 'U5'.")
        .def_prop_ro("itemsize", &DType::itemsize, "Bytes per element.")
        .def_prop_ro("alignment", &DType::alignment, "Natural alignment in bytes.")
        .def_prop_ro(
            "kind", [](DType d) { return std::string(1, d.kind_char()); },
            "NumPy's kind letter (b i u f c M m S U; V for bfloat16/float8).")
        .def_prop_ro(
            "str", [](DType d) { return d.kind_char() == 'V' ? name(d) : to_typestr(d); },
            "NumPy typestr ('<f4'); the name for types NumPy has no typestr for.")
        .def_prop_ro(
            "byteorder",
            [](DType d) {
                return std::string(
                    d.swap_unit() == 1
                        ? "|"
                        : (d.is_native() ? "=" : (std::endian::native == std::endian::little ? ">" : "<")));
            },
            "'=' native, '<' or '>' non-native, '|' not applicable.")
        .def_prop_ro("isnative", &DType::is_native, "True when the byte order is the machine's.")
        .def_prop_ro(
            "numpy", [](DType d) { return named("ndb.dtype.numpy", [&] { return numpy_dtype_of(d); }); },
            "The equal NumPy dtype (ml_dtypes' for bfloat16 and float8): np.zeros(2, dtype=d.numpy).")
        .def_prop_ro(
            "__numpy_dtype__", [](DType d) { return named("ndb.dtype", [&] { return numpy_dtype_of(d); }); },
            "NumPy's protocol for dtype-like objects (NumPy 2.4): np.zeros(2, dtype=d) works.")
        .def_prop_ro(
            "torch", [](DType d) { return named("ndb.dtype.torch", [&] { return torch_dtype_of(d); }); },
            "The equal torch.dtype: torch.zeros(2, dtype=d.torch). TypeError for types torch lacks (byte "
            "order, datetimes, strings, long double).")
        .def_prop_ro(
            "unit", [](DType d) { return std::string(to_string(d.unit())); },
            "Datetime unit ('' when generic or not a time type).")
        .def_prop_ro("length", &DType::length, "Characters of a string dtype; 0 otherwise.")
        .def_prop_ro(
            "pep3118", [](DType d) { return to_pep3118(d); }, "PEP 3118 format code.")
        .def(
            "newbyteorder", [](DType d) { return d.with_native_order(!d.is_native()); },
            "The same type in the other byte order.")
        .def(
            "__eq__",
            [](DType a, nb::handle other) {
                try {
                    return a == dtype_from_object(other);
                } catch (const Error&) {
                    return false;
                } catch (const nb::python_error&) {
                    return false;
                }
            },
            nb::arg("other").none(), "Equal to any spelling of the same type ('float32', np.float32, torch.float32).")
        .def(
            "__ne__",
            [](DType a, nb::handle other) {
                try {
                    return !(a == dtype_from_object(other));
                } catch (const Error&) {
                    return true;
                } catch (const nb::python_error&) {
                    return true;
                }
            },
            nb::arg("other").none())
        .def("__hash__", [](DType d) { return nb::hash(nb::str(describe(d).c_str())); })
        .def("__repr__", [](DType d) { return "dtype('" + (d.is_native() ? name(d) : to_typestr(d)) + "')"; })
        .def("__str__", [](DType d) { return describe(d); })
        .def("__reduce__", [](nb::handle self) {
            DType d = nb::cast<DType>(self);
            return nb::make_tuple(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(self.ptr()))),
                                  nb::make_tuple(d.kind_char() == 'V' ? name(d) : to_typestr(d)));
        });
    m.def(
        "promote_types",
        [](nb::handle a, nb::handle b) {
            return named("promote_types", [&] { return promote_types(dtype_from_object(a), dtype_from_object(b)); });
        },
        "NumPy's promote_types on ndbridge dtypes.");
}

}  // namespace ndbridge::python
