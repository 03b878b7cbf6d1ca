"""The public surface documents itself: docstrings on every public name and Array method, signatures
that inspect.signature and help() show, and type stubs (with py.typed) shipped for every name in __all__."""
import inspect
import os
import pydoc

import pytest

import ndbridge as ndb

PUBLIC_CALLABLES = [name for name in ndb.__all__ if callable(getattr(ndb, name)) and
                    not isinstance(getattr(ndb, name), ndb.dtype)]
ARRAY_METHODS = sorted(name for name, member in vars(ndb.Array).items()
                       if callable(member) and not isinstance(member, type) and
                       (not name.startswith("_") or name in {"__dlpack__", "__dlpack_device__", "__array__",
                                                              "__reduce_ex__", "__copy__", "__deepcopy__"}))


@pytest.mark.parametrize("name", PUBLIC_CALLABLES)
def test_every_public_name_has_a_docstring_and_a_signature(name):
    obj = getattr(ndb, name)
    assert inspect.getdoc(obj)
    if not isinstance(obj, type) or obj is ndb.dtype:  # classes made only by ndbridge have no constructor
        inspect.signature(obj)  # raises when inspect cannot read one


@pytest.mark.parametrize("name", ARRAY_METHODS)
def test_every_array_method_has_a_docstring_and_a_signature(name):
    method = getattr(ndb.Array, name)
    assert inspect.getdoc(method), name
    params = list(inspect.signature(method).parameters)
    assert params[0] == "self"
    bound = getattr(ndb.asarray([1.0]), name)
    assert list(inspect.signature(bound).parameters) == params[1:]


def test_signatures_carry_the_defaults_of_the_extension():
    sig = inspect.signature(ndb.asarray)
    assert list(sig.parameters) == ["obj", "dtype", "device", "copy", "order", "like", "requires_grad"]
    assert sig.parameters["order"].default == "K"
    assert sig.parameters["device"].kind is inspect.Parameter.KEYWORD_ONLY
    assert str(inspect.signature(ndb.Array.copy)) == "(self, /, order='K')"
    assert list(inspect.signature(ndb.dtype).parameters) == ["spec"]


def test_help_shows_the_signature_and_the_doc():
    text = pydoc.plain(pydoc.render_doc(ndb.asarray))
    assert "asarray(obj, dtype=None, *, device=None" in text and "sharing its memory" in text
    assert "built-in function asarray in module ndbridge" in text and "instance" not in text.split("\n")[2]
    text = pydoc.plain(pydoc.render_doc(ndb.Array.astype))
    assert "astype(self, /, dtype, order='K', copy=True)" in text


def test_signed_functions_forward_calls_and_errors_unchanged():
    x = ndb.asarray([1, 2], dtype="float32", copy=True)
    assert x.dtype == ndb.float32 and x.copy(order="F").tolist() == [1.0, 2.0]
    with pytest.raises(TypeError):
        ndb.asarray()  # type: ignore[call-overload]
    with pytest.raises(TypeError):
        x.copy(nonsense=1)  # type: ignore[call-arg]


def test_stubs_and_py_typed_ship_with_the_package_and_cover_all_names():
    folder = os.path.dirname(ndb.__file__)
    assert os.path.exists(os.path.join(folder, "py.typed"))
    with open(os.path.join(folder, "__init__.pyi")) as f:
        stub = f.read()
    for name in ndb.__all__:
        assert f"def {name}(" in stub or f"class {name}" in stub or f"\n{name}: " in stub, name
