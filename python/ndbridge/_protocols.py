"""The Python-side half of ndb.Array's protocols: the function a pickle names to rebuild an array (it must
be a Python function, which pickle stores by reference), and the signatures that inspect.signature and help()
show for the extension's functions and methods (nanobind's callables carry theirs only as text)."""
import ast
import inspect

from . import _core


def _array_from_pickle(buffer, dtype, shape, order, share):
    """Rebuilds a pickled ndb.Array; the name is part of every pickle written, so it never changes."""
    return _core._array_from_pickle(buffer, dtype, shape, order, share)


# ---- signatures: nanobind's text (__nb_signature__) turned into CPython's text-signature convention

_SLOT_METHODS = frozenset({  # served by type slots, which a replacement would turn into dictionary lookups
    "__getitem__", "__setitem__", "__len__", "__iter__", "__bool__", "__float__", "__int__", "__complex__",
    "__index__", "__contains__", "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__init__",
    "__new__", "__repr__", "__str__", "__hash__",
})


def _text_signature(nb_signature, defaults, method):
    """'(obj, dtype=None, *, ...)' from nanobind's 'def f(obj: object, dtype: object = \\0, *, ...) -> T', whose
    \\N placeholders stand for the N-th default value."""
    for i, value in reversed(list(enumerate(defaults or ()))):  # \\10 before \\1
        nb_signature = nb_signature.replace(f"\\{i}", repr(value))
    tree = ast.parse(nb_signature + ": pass").body[0]
    args = tree.args
    for a in args.posonlyargs + args.args + args.kwonlyargs:
        a.annotation = None
    if args.vararg:
        args.vararg.annotation = None
    if args.kwarg:
        args.kwarg.annotation = None
    text = ast.unparse(args)
    if method:  # the instance is bound by the descriptor: CPython's spelling is '$self'
        text = "$" + text if text.startswith("self") else "$self, " + text
    return f"({text})"


def _signed(nb_callable, name, method, owner):
    (nb_signature, doc, defaults), *_ = nb_callable.__nb_signature__
    doc = f"{name}{_text_signature(nb_signature, defaults, method)}\n--\n\n{doc or ''}"
    if method:
        return _core._signed_method(owner, nb_callable, name, doc)
    return _core._signed_function(nb_callable, name, doc, owner)


def add_signatures(module, names):
    """Re-exposes the module's nanobind functions among `names` and every Array method with a signature."""
    for name in names:
        f = getattr(module, name, None)
        if type(f).__name__ == "nb_func":
            setattr(module, name, _signed(f, name, method=False, owner=module))
    for name, m in list(vars(_core.Array).items()):
        if type(m).__name__ == "nb_method" and name not in _SLOT_METHODS:
            setattr(_core.Array, name, _signed(m, name, method=True, owner=_core.Array))
    # The class's own signature (what ndb.dtype(...) takes), read by inspect before __init__'s.
    _core.dtype.__signature__ = inspect.Signature(
        [inspect.Parameter("spec", inspect.Parameter.POSITIONAL_OR_KEYWORD)])
