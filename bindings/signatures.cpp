// Signatures that inspect.signature and help() read: nanobind's callables carry theirs only as text
// (__nb_signature__), so each public function and Array method is re-exposed as a CPython builtin whose
// docstring opens with a text signature (CPython's own convention), forwarding every call unchanged.
#include <array>
#include <string>
#include <utility>
#include <vector>

#include <nanobind/stl/string.h>

#include "common.h"

namespace ndbridge::python {
namespace {

// A PyMethodDef must outlive its function objects, which may die during interpreter finalization: the
// definitions are never freed.
struct Definition {
    std::string name, doc;
    PyMethodDef def{};
};

// The nanobind callable behind each builtin. A builtin's self is its module (functions) or the instance
// (methods), so the target is found by the forwarder's own index: one instantiation per slot.
constexpr std::size_t kMaxSignedCallables = 96;
std::array<PyObject*, kMaxSignedCallables> targets{};
std::size_t targets_used = 0;

template <std::size_t I>
PyObject* forward_function(PyObject*, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    return PyObject_Vectorcall(targets[I], args, static_cast<std::size_t>(nargs), kwnames);
}

template <std::size_t I>
PyObject* forward_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    const Py_ssize_t total = nargs + (kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames));
    std::vector<PyObject*> with_self(static_cast<std::size_t>(total + 1));
    with_self[0] = self;
    for (Py_ssize_t i = 0; i < total; ++i) with_self[static_cast<std::size_t>(i + 1)] = args[i];
    return PyObject_Vectorcall(targets[I], with_self.data(), static_cast<std::size_t>(nargs + 1), kwnames);
}

// CPython stores every calling convention as a PyCFunction; METH_FASTCALL | METH_KEYWORDS tells it the real one.
template <class F>
PyCFunction as_cfunction(F* f) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

template <std::size_t... I>
std::array<PyCFunction, kMaxSignedCallables> forwarders(bool method, std::index_sequence<I...>) {
    return method ? std::array<PyCFunction, kMaxSignedCallables>{as_cfunction(&forward_method<I>)...}
                  : std::array<PyCFunction, kMaxSignedCallables>{as_cfunction(&forward_function<I>)...};
}

// The definition of a builtin forwarding to `target`, holding a reference to it for the process's life.
PyMethodDef* define(nb::handle target, std::string name, std::string doc, bool method) {
    static const auto function_forwarders = forwarders(false, std::make_index_sequence<kMaxSignedCallables>());
    static const auto method_forwarders = forwarders(true, std::make_index_sequence<kMaxSignedCallables>());
    if (targets_used == kMaxSignedCallables)
        fail(ErrorKind::value, "signatures: more than ", kMaxSignedCallables, " functions and methods");
    const std::size_t slot = targets_used++;
    targets[slot] = nb::borrow(target).release().ptr();
    auto& d = *new Definition{std::move(name), std::move(doc)};
    d.def = {d.name.c_str(), (method ? method_forwarders : function_forwarders)[slot], METH_FASTCALL | METH_KEYWORDS,
             d.doc.c_str()};
    return &d.def;
}

}  // namespace

void bind_signatures(nb::module_& m) {
    m.def(
        "_signed_function",
        [](nb::handle target, std::string name, std::string doc, nb::handle module) {
            PyMethodDef* def = define(target, std::move(name), std::move(doc), false);
            nb::object module_name = module.attr("__name__");
            PyObject* f = PyCFunction_NewEx(def, module.ptr(), module_name.ptr());
            if (f == nullptr) throw nb::python_error();
            return nb::steal(f);
        },
        nb::arg("target"), nb::arg("name"), nb::arg("doc"), nb::arg("module"),
        "A builtin function of `module` forwarding to `target`, whose doc opens with a text signature.");
    m.def(
        "_signed_method",
        [](nb::handle type, nb::handle target, std::string name, std::string doc) {
            PyMethodDef* def = define(target, std::move(name), std::move(doc), true);
            PyObject* d = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(type.ptr()), def);
            if (d == nullptr) throw nb::python_error();
            return nb::steal(d);
        },
        nb::arg("type"), nb::arg("target"), nb::arg("name"), nb::arg("doc"),
        "A method descriptor of `type` forwarding to the nanobind method `target`, with a text signature.");
}

}  // namespace ndbridge::python
