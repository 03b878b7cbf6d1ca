// Python objects <-> core values: dtype specs, scalars, element objects, owners of Python references.
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>
#include <unordered_map>

#include <nanobind/stl/string.h>

#include "common.h"
#include "kernels/time.h"
#include "ndbridge/error.h"

namespace ndbridge::python {

std::string py_type_name(nb::handle obj) {
    return nb::cast<std::string>(nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(obj.ptr()))).attr("__name__"));
}

std::string short_repr(nb::handle obj) {
    PyObject* r = PyObject_Repr(obj.ptr());
    if (r == nullptr) {
        PyErr_Clear();
        return "<unprintable " + py_type_name(obj) + ">";
    }
    std::string s = nb::cast<std::string>(nb::steal(r));
    return s.size() > 60 ? s.substr(0, 57) + "..." : s;
}

namespace {

// torch's names differ from NumPy's for a few spellings ("torch.int" is int32, "torch.float" float32).
DType parse_torch_name(std::string_view name) {
    struct Alias {
        std::string_view name;
        ScalarType type;
    };
    static constexpr Alias kTorch[] = {
        {"float", ScalarType::float32},    {"double", ScalarType::float64},     {"half", ScalarType::float16},
        {"int", ScalarType::int32},        {"long", ScalarType::int64},         {"short", ScalarType::int16},
        {"cfloat", ScalarType::complex64}, {"cdouble", ScalarType::complex128},
    };
    for (const auto& a : kTorch)
        if (a.name == name) return a.type;
    return parse_dtype(name);
}

bool module_is(nb::handle type, std::string_view prefix) {
    nb::object mod = nb::getattr(type, "__module__", nb::none());
    if (!nb::isinstance<nb::str>(mod)) return false;
    const std::string m = nb::cast<std::string>(mod);
    return m.substr(0, prefix.size()) == prefix;
}

}  // namespace

namespace {

// Specs that cannot change: strings, types (np.float32, bool) and dtype objects (NumPy's, torch's).
// Arrays and other objects with a `.dtype` are not: NumPy lets `a.dtype` be reassigned.
bool immutable_spec(nb::handle spec) {
    if (PyUnicode_Check(spec.ptr()) || PyType_Check(spec.ptr())) return true;
    const std::string_view type_name = Py_TYPE(spec.ptr())->tp_name;
    return type_name == "torch.dtype" || type_name.rfind("numpy.dtype", 0) == 0;  // numpy.dtypes.Float32DType, ...
}

DType dtype_from_spec(nb::handle spec);

}  // namespace

DType dtype_from_object(nb::handle spec) {
    if (nb::isinstance<DType>(spec)) return nb::cast<DType>(spec);
    if (!immutable_spec(spec)) return dtype_from_spec(spec);
    // Each immutable spec is interpreted once (held, so its address is not reused): on the per-call
    // path, parsing "float32" costs more than the rest of a small conversion.
    static std::unordered_map<PyObject*, DType> seen;
    if (auto it = seen.find(spec.ptr()); it != seen.end()) return it->second;
    const DType d = dtype_from_spec(spec);
    if (seen.size() >= 256) {
        for (auto& [key, value] : seen) Py_DECREF(key);
        seen.clear();
    }
    Py_INCREF(spec.ptr());
    seen.emplace(spec.ptr(), d);
    return d;
}

namespace {

DType dtype_from_spec(nb::handle spec) {
    if (PyUnicode_Check(spec.ptr())) {
        const std::string s = nb::cast<std::string>(spec);
        if (s.rfind("torch.", 0) == 0) return parse_torch_name(std::string_view(s).substr(6));
        return parse_dtype(s);
    }
    if (spec.ptr() == reinterpret_cast<PyObject*>(&PyBool_Type)) return ScalarType::bool_;
    if (spec.ptr() == reinterpret_cast<PyObject*>(&PyLong_Type)) return ScalarType::int64;
    if (spec.ptr() == reinterpret_cast<PyObject*>(&PyFloat_Type)) return ScalarType::float64;
    if (spec.ptr() == reinterpret_cast<PyObject*>(&PyComplex_Type)) return ScalarType::complex128;
    nb::handle type = nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(spec.ptr())));
    if (module_is(type, "torch") && py_type_name(spec) == "dtype") {
        const std::string s = nb::cast<std::string>(nb::str(spec));
        return parse_torch_name(std::string_view(s).substr(s.rfind('.') + 1));
    }
    if (module_is(type, "numpy") && nb::hasattr(spec, "kind") && nb::hasattr(spec, "str")) {
        // A NumPy dtype. ml_dtypes' types (bfloat16, float8) are user-defined dtypes (num >= NPY_USERDEF, 256)
        // with kind 'V' or a typestr that names another type ('<f1' for float8_e5m2): they are known by name.
        if (nb::cast<std::string>(spec.attr("kind")) == "V" || nb::cast<int>(spec.attr("num")) >= 256) {
            const std::string n = nb::cast<std::string>(spec.attr("name"));
            try {
                return parse_dtype(n);
            } catch (const Error&) {
                fail(ErrorKind::type, "dtype: NumPy dtype ", short_repr(spec), " has no ndbridge equivalent");
            }
        }
        return parse_typestr(nb::cast<std::string>(spec.attr("str")));
    }
    if (PyType_Check(spec.ptr())) {
        // NumPy scalar types and ml_dtypes types: let NumPy name them, if NumPy is loaded.
        if (nb::object numpy = loaded_module("numpy"); numpy.is_valid()) {
            PyObject* d = PyObject_CallOneArg(numpy.attr("dtype").ptr(), spec.ptr());
            if (d != nullptr) return dtype_from_object(nb::steal(d));
            PyErr_Clear();
        }
    } else if (nb::hasattr(spec, "dtype")) {
        return dtype_from_object(spec.attr("dtype"));
    }
    fail(ErrorKind::type, "dtype: cannot interpret ", short_repr(spec), " (type ", py_type_name(spec),
         ") as a dtype; expected an ndbridge dtype, a string like 'float32', a NumPy or torch dtype, or "
         "bool/int/float/complex");
}

}  // namespace

Scalar scalar_from_object(nb::handle value) {
    PyObject* o = value.ptr();
    if (PyBool_Check(o)) return o == Py_True;
    if (PyLong_Check(o)) {
        int overflow = 0;
        const long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow == 0) {
            if (v == -1 && PyErr_Occurred()) throw nb::python_error();
            return static_cast<std::int64_t>(v);
        }
        if (overflow > 0) {
            const unsigned long long u = PyLong_AsUnsignedLongLong(o);
            if (!(u == static_cast<unsigned long long>(-1) && PyErr_Occurred())) return static_cast<std::uint64_t>(u);
            PyErr_Clear();
        }
        fail(ErrorKind::overflow, "Python int ", short_repr(value), " does not fit in 64 bits (int64 or uint64)");
    }
    if (PyFloat_Check(o)) return PyFloat_AS_DOUBLE(o);
    if (PyComplex_Check(o)) return std::complex<double>(PyComplex_RealAsDouble(o), PyComplex_ImagAsDouble(o));
    if (PyBytes_Check(o)) return std::string(PyBytes_AS_STRING(o), static_cast<std::size_t>(PyBytes_GET_SIZE(o)));
    if (PyUnicode_Check(o)) {
        Py_UCS4* buf = PyUnicode_AsUCS4Copy(o);
        if (buf == nullptr) throw nb::python_error();
        std::u32string s(reinterpret_cast<const char32_t*>(buf), static_cast<std::size_t>(PyUnicode_GetLength(o)));
        PyMem_Free(buf);
        return s;
    }
    if (o == Py_None) fail(ErrorKind::type, "cannot store None in a numeric array (use NaN for missing floats)");
    // NumPy scalars and 0-d arrays: their .item() is a Python scalar (datetime scalars are refused below).
    nb::handle type = nb::handle(reinterpret_cast<PyObject*>(Py_TYPE(o)));
    if (module_is(type, "numpy") && nb::hasattr(value, "item")) {
        nb::object item = value.attr("item")();
        if (!PyBool_Check(item.ptr()) && !PyLong_Check(item.ptr()) && !PyFloat_Check(item.ptr()) &&
            !PyComplex_Check(item.ptr()) && !PyBytes_Check(item.ptr()) && !PyUnicode_Check(item.ptr()))
            fail(ErrorKind::type, "cannot store ", short_repr(value), " (type ", py_type_name(value),
                 ") as an element");
        return scalar_from_object(item);
    }
    if (PyIndex_Check(o)) {
        nb::object i = nb::steal(PyNumber_Index(o));
        if (!i.is_valid()) throw nb::python_error();
        return scalar_from_object(i);
    }
    fail(ErrorKind::type, "cannot store ", short_repr(value), " (type ", py_type_name(value),
         ") as an element; expected bool, int, float, complex, bytes or str");
}

namespace {

nb::object time_to_object(DType dtype, std::int64_t count) {
    if (count == TimeCount::kNaT) return nb::none();
    nb::module_ dt = nb::module_::import_("datetime");
    const TimeUnit unit = dtype.unit();
    // Seconds-or-finer units convert through microseconds; units below 1 us come back as int, as NumPy does.
    std::int64_t per_us = 0;  // how many counts make one microsecond (negative: counts per unit in us)
    switch (unit) {
        case TimeUnit::h: per_us = -3600000000LL; break;
        case TimeUnit::m: per_us = -60000000LL; break;
        case TimeUnit::s: per_us = -1000000LL; break;
        case TimeUnit::ms: per_us = -1000LL; break;
        case TimeUnit::us: per_us = -1LL; break;
        default: break;
    }
    try {
        if (dtype.kind() == DTypeKind::timedelta) {
            if (unit == TimeUnit::D) return dt.attr("timedelta")(nb::arg("days") = count);
            if (unit == TimeUnit::W) return dt.attr("timedelta")(nb::arg("weeks") = count);
            std::int64_t us = 0;
            if (per_us < 0 && !__builtin_mul_overflow(count, -per_us, &us))
                return dt.attr("timedelta")(nb::arg("microseconds") = us);
            return nb::int_(count);
        }
        std::int64_t days = 0;
        switch (unit) {
            case TimeUnit::Y: return dt.attr("date")(1970 + count, 1, 1);
            case TimeUnit::M: {
                const auto years = static_cast<std::int64_t>(kernels::floor_div(count, 12));
                return dt.attr("date")(1970 + years, count - 12 * years + 1, 1);
            }
            case TimeUnit::W: days = count * 7; break;
            case TimeUnit::D: days = count; break;
            default:
                std::int64_t us = 0;
                if (per_us < 0 && !__builtin_mul_overflow(count, -per_us, &us)) {
                    nb::object epoch = dt.attr("datetime")(1970, 1, 1);
                    return epoch.attr("__add__")(dt.attr("timedelta")(nb::arg("microseconds") = us));
                }
                return nb::int_(count);
        }
        const kernels::CivilDate date = kernels::civil_from_days(days);
        return dt.attr("date")(static_cast<std::int64_t>(date.year), date.month, date.day);
    } catch (const nb::python_error&) {
        // Outside datetime's years 1..9999: NumPy gives the raw count too.
        return nb::int_(count);
    }
}

}  // namespace

nb::object scalar_to_object(DType dtype, const Scalar& value) {
    switch (value.index()) {
        case 0: return nb::bool_(std::get<bool>(value));
        case 1: return nb::int_(std::get<std::int64_t>(value));
        case 2: return nb::steal(PyLong_FromUnsignedLongLong(std::get<std::uint64_t>(value)));
        case 3: return nb::float_(std::get<double>(value));
        case 4: {
            const auto c = std::get<std::complex<double>>(value);
            return nb::steal(PyComplex_FromDoubles(c.real(), c.imag()));
        }
        case 5: return time_to_object(dtype, std::get<TimeCount>(value).count);
        case 6: {
            const auto& s = std::get<std::string>(value);
            return nb::steal(PyBytes_FromStringAndSize(s.data(), static_cast<Py_ssize_t>(s.size())));
        }
        default: {
            const auto& s = std::get<std::u32string>(value);
            return nb::steal(
                PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, s.data(), static_cast<Py_ssize_t>(s.size())));
        }
    }
}

nb::object element_to_object(DType dtype, const std::byte* p) {
    if (dtype.type() == ScalarType::longdouble || dtype.type() == ScalarType::clongdouble) {
        if (nb::object extended = numpy_scalar_of(dtype, p); extended.is_valid()) return extended;
    }
    return scalar_to_object(dtype, load_scalar(dtype, p));
}

namespace {
void release_reference(void* obj) noexcept {
    // The last view may die on any thread, or after the interpreter is gone: then the reference leaks
    // rather than touching a dead interpreter.
    if (!Py_IsInitialized()) return;
    PyGILState_STATE state = PyGILState_Ensure();
    Py_DECREF(static_cast<PyObject*>(obj));
    PyGILState_Release(state);
}
}  // namespace

nb::object loaded_module(const char* name) {
    PyObject* modules = PyImport_GetModuleDict();       // borrowed
    PyObject* m = PyDict_GetItemString(modules, name);  // borrowed; never raises
    return m == nullptr ? nb::object() : nb::borrow(m);
}

Owner owner_of(nb::handle obj) {
    Py_INCREF(obj.ptr());
    return make_owner(obj.ptr(), release_reference);
}

}  // namespace ndbridge::python
