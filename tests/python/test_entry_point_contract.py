"""The binding layer's contract: every entry point parses the shared arguments the same way, from_dlpack
is asarray's pipeline restricted to DLPack sources, __array__ producers get the request, and error
messages name the user-facing function once and never an internal one."""
import re

import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb

COPY_VALUES = [None, True, False, np.True_, np.False_, "yes", 0, 1, 2.0]
DEVICE_VALUES = [None, "cpu", (1, 0), torch.device("cpu"), "cuda:0", (2, 0), ("a", 0), (1, 0, 0), "tpu", 5]
SOURCES = {
    "numpy": lambda: np.arange(6.0),
    "torch": lambda: torch.arange(6.0),
    "ndbridge": lambda: ndb.asarray(np.arange(6.0)),
    "capsule": lambda: np.arange(6.0).__dlpack__(max_version=(1, 0)),
}


def outcome(call):
    """What a call did: the exception type, or the values and whether memory was shared."""
    try:
        x = call()
    except Exception as e:  # noqa: BLE001 - the exception type is the outcome compared
        return type(e)
    return ("ok", tuple(np.asarray(x).tolist()))


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("copy", COPY_VALUES, ids=repr)
def test_from_dlpack_and_asarray_read_copy_alike(source, copy):
    a = outcome(lambda: ndb.asarray(SOURCES[source](), copy=copy))
    b = outcome(lambda: ndb.from_dlpack(SOURCES[source](), copy=copy))
    assert a == b


@pytest.mark.parametrize("source", sorted(SOURCES))
@pytest.mark.parametrize("device", DEVICE_VALUES, ids=repr)
def test_from_dlpack_and_asarray_read_device_alike(source, device):
    a = outcome(lambda: ndb.asarray(SOURCES[source](), device=device))
    b = outcome(lambda: ndb.from_dlpack(SOURCES[source](), device=device))
    assert a == b


@pytest.mark.parametrize("copy", [np.False_, False])
def test_numpy_false_is_false_everywhere(copy):
    with pytest.raises(ndb.CopyError):
        ndb.from_dlpack(np.arange(3, dtype=">f8"), copy=copy) if False else ndb.asarray([1.0], copy=copy)
    t = torch.arange(3.0).conj()  # real: no lazy bit, shares
    assert ndb.from_dlpack(t, copy=copy).data_ptr == t.data_ptr()


def test_from_dlpack_copy_true_with_device_copies_once():
    a = np.arange(4.0)
    x = ndb.from_dlpack(a, device="cpu", copy=True)
    y = ndb.asarray(a, device=(1, 0), copy=True)
    assert x.data_ptr != a.ctypes.data and y.data_ptr != a.ctypes.data
    np.testing.assert_array_equal(np.asarray(x), a)


def test_from_dlpack_refuses_what_is_not_dlpack_with_the_same_type_error():
    for obj in ([1, 2], 3.0, bytearray(4), "abc"):
        with pytest.raises(TypeError, match=r"^from_dlpack: a \w+ has no __dlpack__ method"):
            ndb.from_dlpack(obj)


@pytest.mark.parametrize("order", [1, b"C", ["C"]], ids=repr)
def test_a_non_string_order_is_a_type_error_everywhere(order):
    x = ndb.asarray(np.arange(6.0).reshape(2, 3))
    for call in (lambda: ndb.asarray(x, order=order), lambda: x.copy(order=order), lambda: x.astype("f4", order=order),
                 lambda: x.reshape(6, order=order), lambda: x.tobytes(order=order)):
        with pytest.raises(TypeError, match="order must be a str"):
            call()


@pytest.mark.parametrize("order", ["Z", "", "CF"])
def test_an_unknown_order_letter_is_a_value_error_everywhere(order):
    x = ndb.asarray(np.arange(6.0).reshape(2, 3))
    for call in (lambda: ndb.asarray(x, order=order), lambda: x.copy(order=order), lambda: x.astype("f4", order=order),
                 lambda: x.tobytes(order=order)):
        with pytest.raises(ValueError, match="order must be one of"):
            call()


# ---- the legacy __dlpack__ call: only for producers that reject the 1.x keywords

class LegacyProducer:
    """A pre-1.0 producer: __dlpack__ takes no keywords."""

    def __init__(self, a):
        self.a = a
        self.calls = 0

    def __dlpack__(self, stream=None):
        self.calls += 1
        return self.a.__dlpack__()

    def __dlpack_device__(self):
        return (1, 0)


class RefusingProducer:
    """A 1.x producer that refuses for a reason of its own, with a TypeError."""

    def __init__(self):
        self.calls = 0

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        self.calls += 1
        raise TypeError("this producer's dtype cannot be exported")

    def __dlpack_device__(self):
        return (1, 0)


@pytest.mark.parametrize("entry", [ndb.asarray, ndb.from_dlpack])
def test_legacy_producers_are_called_again_without_keywords(entry):
    p = LegacyProducer(np.arange(3.0))
    x = entry(p)
    assert p.calls == 1  # the keyword call failed before reaching the method body
    assert x.readonly  # a legacy capsule cannot say whether writing is allowed
    np.testing.assert_array_equal(np.asarray(x), [0.0, 1.0, 2.0])


@pytest.mark.parametrize("entry", [ndb.asarray, ndb.from_dlpack])
def test_a_producers_own_type_error_is_not_retried(entry):
    p = RefusingProducer()
    with pytest.raises(TypeError, match="cannot be exported"):
        entry(p)
    assert p.calls == 1


# ---- __array__ gets the request

class Recorder:
    def __init__(self, a):
        self.a = a
        self.seen = []

    def __array__(self, dtype=None, copy=None):
        self.seen.append((dtype, copy))
        return self.a if dtype is None else self.a.astype(dtype)


def test_array_method_receives_dtype_and_copy():
    r = Recorder(np.arange(3))
    x = ndb.asarray(r, dtype="float32", copy=True)
    assert r.seen == [(np.dtype("float32"), True)]
    assert x.dtype == ndb.float32
    r.seen.clear()
    ndb.asarray(r)
    assert r.seen == [(None, None)]


def test_dataframe_of_bool_and_float_columns_converts_through_dtype():
    df = pd.DataFrame({"flag": [True, False, True], "value": [0.5, 1.5, 2.5]})
    x = ndb.asarray(df, dtype="float32")
    expected = df.to_numpy(dtype=np.float32)
    assert x.dtype == ndb.float32
    np.testing.assert_array_equal(np.asarray(x), expected)


def test_array_method_without_keywords_still_converts_and_casts():
    class Old:
        def __array__(self):
            return np.arange(3)

    x = ndb.asarray(Old(), dtype="float64")
    assert x.dtype == ndb.float64
    np.testing.assert_array_equal(np.asarray(x), [0.0, 1.0, 2.0])
    with pytest.raises(ndb.CopyError, match="copy keyword"):
        ndb.asarray(Old(), copy=False)


# ---- the same object when nothing changes (one rule for ndb.Array and NumPy results)

def test_unchanged_arrays_come_back_as_themselves():
    x = ndb.asarray(np.arange(4.0))
    assert ndb.asarray(x) is x
    assert ndb.from_dlpack(x) is x
    assert x.astype("float64", copy=False) is x
    assert x.astype("float32", copy=False) is not x
    a = np.arange(4.0)
    assert ndb.asarray(a, like="numpy") is a
    assert ndb.asarray(a, dtype="f4", like="numpy") is not a
    m = np.ma.masked_array([1.0, 2.0], mask=[True, False])
    base = ndb.asarray(m, like="numpy")
    assert type(base) is np.ndarray and np.shares_memory(base, m.data)


# ---- messages name the user-facing function once, never an internal one

INTERNAL = re.compile(r"copy_into|parse_typestr|parse_pep3118|parse_dtype|import_dlpack|export_dlpack|load_scalar|"
                      r"store_scalar|checked_|Array::|DType::|share_or_copy|copy_for|view_of|read_numpy|"
                      r"std::|asarray: asarray|from_dlpack: from_dlpack")

FAILING_CALLS = {
    "string_to_number": (lambda: ndb.asarray(np.array(["a"]), dtype="float32"), "asarray"),
    "bad_typestr": (lambda: ndb.asarray(type("I", (), {"__array_interface__": {"shape": (1,), "typestr": "<x9",
                                                                                 "data": (0, False), "version": 3}})()),
                    "asarray"),
    "object_array": (lambda: ndb.from_numpy(np.array([object()])), "from_numpy"),
    "unknown_dtype": (lambda: ndb.asarray([1], dtype="quux"), "asarray"),
    "read_only_copy": (lambda: ndb.asarray(np.arange(3), dtype="f4", copy=False), "asarray"),
    "bad_device": (lambda: ndb.from_dlpack(np.arange(3), device="warp:0"), "from_dlpack"),
    "used_capsule": (lambda: [ndb.from_dlpack(c) for c in [np.arange(2).__dlpack__()] * 2], "from_dlpack"),
    "ragged": (lambda: ndb.asarray([[1], [2, 3]]), "asarray"),
    "frombuffer_offset": (lambda: ndb.frombuffer(b"abcd", offset=9), "frombuffer"),
    "datetime_to_string": (lambda: ndb.tensor(np.array(["2020-01-01"], dtype="M8[D]"), dtype="U3"), "tensor"),
    "setitem_read_only": (lambda: ndb.asarray(b"abc").__setitem__(0, 1), "ndb.Array.__setitem__"),
}


@pytest.mark.parametrize("name", sorted(FAILING_CALLS))
def test_messages_name_the_entry_point_once_and_nothing_internal(name):
    call, entry = FAILING_CALLS[name]
    with pytest.raises(Exception) as info:
        call()
    message = str(info.value)
    assert message.startswith(entry + ": "), message
    assert message.count(entry + ": ") == 1, message
    assert not INTERNAL.search(message), message
