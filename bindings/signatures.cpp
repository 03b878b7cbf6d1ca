// Signatures that inspect.signature and help() read: nanobind's callables carry theirs only as text
// (__nb_signature__), so each public function and Array method is re-exposed as a CPython builtin whose
// docstring opens with a text signature (CPython's own convention), forwarding every call unchanged.
#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nanobind/stl/string.h>

#include "common.h"

namespace ndbridge::python {
namespace {

// A PyMethodDef must outlive its function objects: the definitions live as long as the module.
struct Definition {
    std::string name, doc;
    PyMethodDef def{};
};
std::vector<std::unique_ptr<Definition>>& definitions() {
    static std::vector<std::unique_ptr<Definition>> all;
    return all;
}

PyMethodDef* define(std::string name, std::string doc, PyCFunction forward) {
    auto& d = *definitions().emplace_back(std::make_unique<Definition>(Definition{std::move(name), std::move(doc)}));
    d.def = {d.name.c_str(), forward, METH_FASTCALL | METH_KEYWORDS, d.doc.c_str()};
    return &d.def;
}

// A module function: the builtin's self is the nanobind function it forwards to.
PyObject* forward_function(PyObject* target, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    return PyObject_Vectorcall(target, args, static_cast<std::size_t>(nargs), kwnames);
}

// A method: the descriptor's self is the instance, so each slot of this table knows its nanobind method.
constexpr std::size_t kMaxMethods = 64;
std::array<PyObject*, kMaxMethods> method_targets{};

template <std::size_t I>
PyObject* forward_method(PyObject* self, PyObject* const* args, Py_ssize_t nargs, PyObject* kwnames) {
    const Py_ssize_t nkw = kwnames == nullptr ? 0 : PyTuple_GET_SIZE(kwnames);
    std::vector<PyObject*> with_self(static_cast<std::size_t>(nargs + nkw + 1));
    with_self[0] = self;
    for (Py_ssize_t i = 0; i < nargs + nkw; ++i) with_self[static_cast<std::size_t>(i + 1)] = args[i];
    return PyObject_Vectorcall(method_targets[I], with_self.data(), static_cast<std::size_t>(nargs + 1), kwnames);
}

// CPython stores every calling convention as a PyCFunction; METH_FASTCALL | METH_KEYWORDS tells it the real one.
template <class F>
PyCFunction as_cfunction(F* f) {
    return reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(f));
}

template <std::size_t... I>
std::array<PyCFunction, kMaxMethods> method_forwarders(std::index_sequence<I...>) {
    return {as_cfunction(&forward_method<I>)...};
}
std::size_t methods_used = 0;

}  // namespace

void bind_signatures(nb::module_& m) {
    m.def(
        "_signed_function",
        [](nb::handle target, std::string name, std::string doc, nb::handle module_name) {
            PyMethodDef* def = define(std::move(name), std::move(doc), as_cfunction(&forward_function));
            PyObject* f = PyCFunction_NewEx(def, target.ptr(), module_name.ptr());  // holds `target`
            if (f == nullptr) throw nb::python_error();
            return nb::steal(f);
        },
        nb::arg("target"), nb::arg("name"), nb::arg("doc"), nb::arg("module"),
        "A builtin function forwarding to `target` whose doc opens with a text signature.");
    m.def(
        "_signed_method",
        [](nb::handle type, nb::handle target, std::string name, std::string doc) {
            static const auto forwarders = method_forwarders(std::make_index_sequence<kMaxMethods>());
            if (methods_used == kMaxMethods)
                fail(ErrorKind::value, "_signed_method: more than ", kMaxMethods, " methods");
            method_targets[methods_used] = nb::borrow(target).release().ptr();  // lives as long as the module
            PyMethodDef* def = define(std::move(name), std::move(doc), forwarders[methods_used++]);
            PyObject* d = PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(type.ptr()), def);
            if (d == nullptr) throw nb::python_error();
            return nb::steal(d);
        },
        nb::arg("type"), nb::arg("target"), nb::arg("name"), nb::arg("doc"),
        "A method descriptor of `type` forwarding to the nanobind method `target`, with a text signature.");
}

}  // namespace ndbridge::python
