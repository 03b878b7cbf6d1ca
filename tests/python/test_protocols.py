"""ndb.Array answers Python's protocols as NumPy 2 does: iteration, len, truth, scalar conversions,
membership; comparisons refuse (docs/decisions.md, "Python protocols"); like="numpy" gives base ndarrays;
Array.to takes a device or a library positionally; the buffer refusal says what to do instead."""
import ctypes
import operator

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb

SAMPLES = [
    np.array(2.5), np.array(3), np.array(True), np.array(False), np.array(1 + 2j), np.array(0.0), np.array(np.nan),
    np.array(np.inf), np.array(-7, dtype=np.int8), np.array(200, dtype=np.uint8), np.array([2.5]), np.array([0]),
    np.array([[0]]), np.array([1, 2]), np.array([]), np.array("1.5"), np.array(b"7"),
    np.array(np.datetime64("2020-01-01")), np.array(np.timedelta64(5, "s")), np.array(1.5, dtype=">f8"),
    np.array(1.5, dtype=ml_dtypes.bfloat16), np.zeros((2, 0)), np.arange(6).reshape(2, 3)[:, ::-2],
]
CONVERSIONS = [bool, float, int, complex, operator.index, len]


def outcome(f, v):
    """The value or the exception type (and message) of f(v)."""
    try:
        return "ok", f(v)
    except Exception as e:  # noqa: BLE001 - the type is the outcome compared
        return type(e), str(e)


def same(a, b):
    return a == b or (a != a and b != b)


@pytest.mark.parametrize("f", CONVERSIONS, ids=lambda f: f.__name__)
@pytest.mark.parametrize("v", SAMPLES, ids=repr)
def test_scalar_conversions_equal_numpy_including_errors(f, v):
    expected, got = outcome(f, v), outcome(f, ndb.asarray(v))
    assert expected[0] == got[0]
    if expected[0] == "ok":
        assert type(expected[1]) is type(got[1]) and same(expected[1], got[1])


@pytest.mark.parametrize("v", [s for s in SAMPLES if s.ndim > 0], ids=repr)
def test_iteration_walks_the_first_axis_as_numpy(v):
    items = list(ndb.asarray(v))
    assert len(items) == len(v)
    for got, expected in zip(items, v):
        if v.ndim == 1:
            assert same(got, expected.item()) or (isinstance(got, np.generic) and got == expected)
        else:
            assert isinstance(got, ndb.Array) and np.array_equal(np.asarray(got), expected)


def test_iteration_of_a_0d_array_is_a_type_error_as_numpy():
    with pytest.raises(TypeError, match="0-d"):
        iter(np.array(5))
    with pytest.raises(TypeError, match="iteration over a 0-d array"):
        iter(ndb.asarray(5))
    assert list(ndb.asarray(np.zeros((0, 3)))) == []


def test_iteration_yields_views_that_share_memory():
    x = ndb.asarray(np.zeros((2, 3)))
    rows = list(x)
    rows[1][2] = 7.0
    assert x[1, 2] == 7.0


@pytest.mark.parametrize("value", [3, 3.0, 9, [3, 4], [9, 9], True, "3", None])
def test_membership_is_by_value_as_numpy(value):
    a = np.array([[1, 2], [3, 4]])
    expected = outcome(lambda v: v in a, value)
    got = outcome(lambda v: v in ndb.asarray(a), value)
    assert expected[0] == got[0] and (expected[0] != "ok" or expected[1] == got[1])


def test_membership_answers_from_the_issue():
    assert 3 in ndb.asarray([[1, 2], [3, 4]])
    assert 5 not in ndb.asarray([[1, 2], [3, 4]])


@pytest.mark.parametrize("op", [operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge])
def test_comparisons_refuse_and_say_how_to_compare(op):
    x = ndb.asarray([1, 2])
    for other in (ndb.asarray([1, 2]), [1, 2], 1, None, np.array([1, 2])):
        with pytest.raises(TypeError, match=r"np\.asarray\(x\)"):
            op(x, other)


def test_comparisons_are_never_identity_and_arrays_are_unhashable_as_numpy():
    x = ndb.asarray([1, 2])
    with pytest.raises(TypeError):
        x == x  # noqa: B015 - the comparison itself must raise
    with pytest.raises(TypeError, match="unhashable"):
        hash(x)
    with pytest.raises(TypeError, match="unhashable"):
        hash(np.array([1, 2]))
    assert x in [x]  # Python's identity shortcut in containers still holds


def test_truth_of_the_issue_examples_equals_numpy():
    assert bool(ndb.asarray([0.0])) is False
    with pytest.raises(ValueError, match="ambiguous"):
        bool(ndb.asarray([0, 0]))
    with pytest.raises(ValueError, match="empty"):
        bool(ndb.asarray(np.zeros(0)))


def test_scalar_conversions_of_the_issue_examples():
    assert float(ndb.asarray(2.5)) == 2.5
    assert int(ndb.asarray(7)) == 7 and operator.index(ndb.asarray(7)) == 7
    assert complex(ndb.asarray(2.5)) == 2.5 + 0j
    assert [10, 20, 30][ndb.asarray(1)] == 20  # __index__ makes a 0-d integer array an index


# ---- like="numpy": a base ndarray, as np.asarray gives


@pytest.mark.parametrize("make", [lambda: np.matrix([[1, 2], [3, 4]]),
                                  lambda: np.ma.masked_array([1, 2, 3], mask=[False, True, False]),
                                  lambda: np.arange(3.0).view(type("Sub", (np.ndarray,), {}))])
def test_like_numpy_returns_a_base_ndarray_for_subclasses_as_np_asarray(make):
    src = make()
    got, expected = ndb.asarray(src, like="numpy"), np.asarray(src)
    assert type(got) is type(expected) is np.ndarray
    assert got.shape == expected.shape and np.shares_memory(got, src)


def test_like_numpy_hands_back_an_exact_ndarray_itself_and_views_ndb_arrays():
    a = np.arange(3.0)
    assert ndb.asarray(a, like="numpy") is a
    x = ndb.asarray(a)
    assert np.asarray(x).ctypes.data == a.ctypes.data == ndb.asarray(x, like=np).ctypes.data


# ---- Array.to: a device or a library positionally


def test_to_takes_a_device_string_or_torch_device_positionally():
    x = ndb.asarray([1.0, 2.0])
    for device in ("cpu", torch.device("cpu"), (1, 0)):
        y = x.to(device)
        assert isinstance(y, ndb.Array) and y.device == "cpu" and y.data_ptr == x.data_ptr


@pytest.mark.parametrize("like, kind", [("numpy", np.ndarray), (np, np.ndarray), ("torch", torch.Tensor),
                                        (torch, torch.Tensor), (torch.zeros(1), torch.Tensor)])
def test_to_takes_a_library_positionally(like, kind):
    x = ndb.asarray([1.0, 2.0])
    y = x.to(like)
    assert isinstance(y, kind) and y.tolist() == [1.0, 2.0]


def test_to_keywords_still_work_and_a_role_given_twice_is_a_type_error():
    x = ndb.asarray([1.0])
    assert isinstance(x.to(like="torch", device="cpu"), torch.Tensor)
    assert isinstance(x.to("cpu", like="numpy"), np.ndarray)
    with pytest.raises(TypeError, match="same role"):
        x.to("cpu", device="cpu")
    with pytest.raises(TypeError, match="same role"):
        x.to("numpy", like="torch")
    with pytest.raises(ValueError, match="like="):
        x.to("not-a-library")


# ---- the buffer protocol's refusal says what to do


def test_format_less_buffer_refusal_names_the_alternatives():
    x = ndb.asarray(np.arange(4, dtype=np.float32))
    with pytest.raises((BufferError, RuntimeError)):
        torch.asarray(x)  # asks for raw bytes without a format: refused, never misread
    view = (ctypes.c_char * 128)()  # room for a Py_buffer
    get_buffer = ctypes.pythonapi.PyObject_GetBuffer
    get_buffer.argtypes = [ctypes.py_object, ctypes.c_void_p, ctypes.c_int]
    with pytest.raises(BufferError) as info:
        get_buffer(x, ctypes.addressof(view), 0)  # PyBUF_SIMPLE: no format asked for
    for hint in ("memoryview(x)", "x.tobytes()", "torch.from_dlpack(x)"):
        assert hint in str(info.value)
    assert memoryview(x).tolist() == [0.0, 1.0, 2.0, 3.0]
