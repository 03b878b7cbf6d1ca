// ndb.dtype: the Python face of the core's DType, comparable with every dtype spelling.
#include <bit>
#include <string>

#include <nanobind/stl/string.h>

#include "common.h"

namespace ndbridge::python {

void bind_dtype(nb::module_& m) {
    nb::class_<DType> cls(m, "dtype",
                          "An element type. ndb.dtype(spec) accepts names ('float32'), typestrs ('<f4'), character "
                          "codes ('d'), NumPy/torch dtypes and bool/int/float/complex.");
    cls.def(
           "__init__", [](DType* self, nb::handle spec) { new (self) DType(dtype_from_object(spec)); },
           nb::arg("spec").none())
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
        .def_prop_ro("isnative", &DType::is_native)
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
            nb::arg("other").none())
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
