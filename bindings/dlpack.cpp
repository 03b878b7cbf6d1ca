// ndb.from_dlpack: imports DLPack producers (objects with __dlpack__) and raw capsules of either form.
#include <string>
#include <string_view>

#include <nanobind/stl/string.h>

#include "common.h"
#include "ndbridge/copy.h"
#include "ndbridge/dlpack_io.h"
#include "ndbridge/error.h"

namespace ndbridge::python {
namespace {

constexpr const char* kVersionedName = "dltensor_versioned";
constexpr const char* kLegacyName = "dltensor";

}  // namespace

Array import_capsule(nb::handle capsule) {
    PyObject* cap = capsule.ptr();
    const char* raw_name = PyCapsule_GetName(cap);
    if (raw_name == nullptr && PyErr_Occurred()) throw nb::python_error();
    const std::string_view name = raw_name != nullptr ? raw_name : "";
    if (name == "used_dltensor" || name == "used_dltensor_versioned")
        fail(ErrorKind::value, "from_dlpack: this DLPack capsule was already consumed; a capsule can be imported only once "
                               "(ask the producer's __dlpack__() for a new one)");
    const bool versioned = name == kVersionedName;
    if (!versioned && name != kLegacyName)
        fail(ErrorKind::type, "from_dlpack: a capsule named '", name, "' is not a DLPack capsule (expected '", kVersionedName,
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

Device device_argument(nb::handle device) {
    if (nb::isinstance<nb::str>(device)) return parse_device(nb::cast<std::string>(device));
    if (nb::isinstance<nb::tuple>(device) && nb::len(device) == 2)  // DLPack's (device_type, device_id)
        return device_from_dlpack(nb::cast<std::int32_t>(device[0]), nb::cast<std::int32_t>(device[1]));
    // torch.device and similar: their str() is the PyTorch spelling.
    return parse_device(nb::cast<std::string>(nb::str(device)));
}

// Calls producer.__dlpack__, asking for DLPack 1.x first and falling back to the legacy call when the
// producer does not take max_version (it raises TypeError).
nb::object request_capsule(nb::handle producer, nb::kwargs extra) {
    nb::object method = producer.attr("__dlpack__");
    extra["max_version"] = nb::make_tuple(NDBRIDGE_DLPACK_MAJOR_VERSION, NDBRIDGE_DLPACK_MINOR_VERSION);
    PyObject* r = PyObject_Call(method.ptr(), nb::tuple().ptr(), extra.ptr());
    if (r != nullptr) return nb::steal(r);
    if (!PyErr_ExceptionMatches(PyExc_TypeError)) throw nb::python_error();
    PyErr_Clear();
    PyDict_DelItemString(extra.ptr(), "max_version");
    r = PyObject_Call(method.ptr(), nb::tuple().ptr(), extra.ptr());
    if (r == nullptr) throw nb::python_error();
    return nb::steal(r);
}

nb::object from_dlpack(nb::handle x, nb::handle device, nb::handle copy) {
    if (!copy.is_none() && !PyBool_Check(copy.ptr()))
        fail(ErrorKind::value, "from_dlpack: copy must be True, False or None, not ", short_repr(copy));
    const bool force_copy = copy.ptr() == Py_True;
    const bool never_copy = copy.ptr() == Py_False;
    std::optional<Device> target;
    if (!device.is_none()) target = device_argument(device);

    Array imported;
    std::optional<Device> moving_from;  // set when the producer is asked to move the data
    if (PyCapsule_CheckExact(x.ptr())) {
        imported = import_capsule(x);
    } else if (nb::isinstance<Array>(x)) {
        imported = nb::cast<Array>(x);
    } else if (nb::hasattr(x, "__dlpack__")) {
        nb::kwargs extra;
        if (target && nb::hasattr(x, "__dlpack_device__")) {
            nb::tuple dev = nb::cast<nb::tuple>(x.attr("__dlpack_device__")());
            const Device source = device_from_dlpack(nb::cast<std::int32_t>(dev[0]), nb::cast<std::int32_t>(dev[1]));
            if (source != *target) {
                if (never_copy)
                    fail(ErrorKind::copy, "from_dlpack: moving data from ", to_string(source), " to ", to_string(*target),
                         " needs a copy, and copy=False forbids it");
                extra["dl_device"] = nb::make_tuple(static_cast<int>(target->type), target->id);
                extra["copy"] = true;
                moving_from = source;
            }
        }
        nb::object capsule;
        try {
            capsule = request_capsule(x, extra);
        } catch (nb::python_error& e) {
            if (!moving_from) throw;
            // The producer's own error (PyTorch's runs to 60 lines) is kept as the __cause__.
            nb::raise_from(e, PyExc_ValueError, "from_dlpack: device %s was requested for data on %s; only the producer can "
                           "move it, and %s.__dlpack__(dl_device=..., copy=True) failed (see the exception above)",
                           to_string(*target).c_str(), to_string(*moving_from).c_str(), py_type_name(x).c_str());
        }
        imported = import_capsule(capsule);
    } else {
        fail(ErrorKind::type, "from_dlpack: ", py_type_name(x), " has no __dlpack__ method and is not a DLPack capsule");
    }
    if (target && imported.device() != *target)
        fail(ErrorKind::buffer, "from_dlpack: the producer gave memory on ", to_string(imported.device()), ", not on ",
             to_string(*target));
    if (force_copy) imported = imported.copy(MemoryOrder::K);
    return nb::cast(std::move(imported));
}

}  // namespace

void bind_dlpack(nb::module_& m) {
    m.def("from_dlpack", &from_dlpack, nb::arg("x"), nb::kw_only(), nb::arg("device") = nb::none(),
          nb::arg("copy") = nb::none(),
          "An ndb.Array from a DLPack producer (an object with __dlpack__) or a DLPack capsule. Shares memory "
          "unless copy=True; copy=False raises ndb.CopyError when a copy would be needed (a device change).");
}

}  // namespace ndbridge::python
