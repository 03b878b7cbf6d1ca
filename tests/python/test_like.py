"""asarray(..., like=...) and Array.to: results as NumPy, PyTorch or JAX arrays under the same
share-or-copy rules, with each library's limits; the DLPack C exchange API of ndb.Array."""
import ctypes

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb

try:
    import jax
    import jax.numpy as jnp
except ImportError:  # JAX is optional at run time; CI installs it
    jax = None

needs_jax = pytest.mark.skipif(jax is None, reason="JAX is not installed (pip install jax jaxlib)")


def np_ptr(a):
    return a.__array_interface__["data"][0]


# ---- like= forms ------------------------------------------------------------------------------------

@pytest.mark.parametrize("like, kind", [
    ("numpy", np.ndarray), (np, np.ndarray), (np.zeros(1), np.ndarray), (np.ndarray, np.ndarray),
    ("torch", torch.Tensor), (torch, torch.Tensor), (torch.zeros(1), torch.Tensor),
    ("ndbridge", ndb.Array), (ndb, ndb.Array), (None, ndb.Array),
], ids=["str_numpy", "module_numpy", "instance_numpy", "type_numpy", "str_torch", "module_torch",
        "instance_torch", "str_ndbridge", "module_ndbridge", "none"])
def test_like_names_the_result_library(like, kind):
    assert isinstance(ndb.asarray([1.0, 2.0], like=like), kind)


def test_unknown_like_is_a_value_error():
    with pytest.raises(ValueError, match="like="):
        ndb.asarray([1], like="cupy")


# ---- NumPy -------------------------------------------------------------------------------------------

NUMPY_SOURCES = {
    "c": lambda: np.arange(12.0).reshape(3, 4),
    "f": lambda: np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
    "negative": lambda: np.arange(10, dtype=np.int16)[::-2],
    "zero_d": lambda: np.array(3.5),
    "size0": lambda: np.zeros((0, 3)),
    "big_endian": lambda: np.arange(4, dtype=">f8"),
    "datetime": lambda: np.array(["2021-03-04", "NaT"], dtype="datetime64[D]"),
    "unicode": lambda: np.array(["ab", "cde"]),
    "float16": lambda: np.array([1.5, -2.0], dtype=np.float16),
    "longdouble": lambda: np.array([1.25, 3.0], dtype=np.longdouble),
    "bool": lambda: np.array([True, False]),
}


@pytest.mark.parametrize("name", list(NUMPY_SOURCES))
def test_numpy_to_ndb_to_numpy_shares_exactly(name):
    a = NUMPY_SOURCES[name]()
    back = ndb.asarray(a).to(like="numpy")
    assert back.dtype == a.dtype and back.shape == a.shape
    if a.size:
        assert np_ptr(back) == np_ptr(a) and back.strides == a.strides
    np.testing.assert_array_equal(back, a)


def test_like_numpy_of_a_numpy_array_is_the_array_itself():
    a = np.arange(4.0)
    assert ndb.asarray(a, like=np) is a
    assert ndb.asarray(a, like=np, copy=True) is not a


def test_numpy_mutation_goes_both_ways_through_ndb():
    a = np.zeros(3)
    back = np.asarray(ndb.asarray(a))
    back[0] = 5.0
    assert a[0] == 5.0


@pytest.mark.parametrize("make", [lambda: torch.empty(0, 3), lambda: torch.empty(3, 0, 2).transpose(0, 2),
                                  lambda: np.arange(12.0).reshape(4, 3)[0:0], lambda: np.ones((5, 4))[:, 2:2]],
                         ids=["torch_empty", "torch_empty_transposed", "numpy_empty_rows", "numpy_empty_columns"])
def test_empty_arrays_keep_their_strides_through_numpy_and_back(make):
    # PyTorch's empty tensors have no data pointer; NumPy would reset the strides of such an array.
    src = make()
    x = ndb.asarray(src)
    for out in (np.asarray(x), ndb.asarray(x, like="numpy"), x.numpy()):
        assert out.shape == x.shape and out.strides == x.strides
        assert ndb.asarray(out).strides == x.strides


def test_memoryview_round_trip_shares():
    a = np.arange(6, dtype=np.int32).reshape(2, 3)
    m = memoryview(ndb.asarray(a))
    assert m.format == "i" and m.shape == (2, 3) and m.tolist() == a.tolist()
    again = ndb.asarray(m)
    assert again.data_ptr == np_ptr(a)


def test_bfloat16_to_numpy_uses_ml_dtypes():
    t = torch.tensor([1.0, 2.5], dtype=torch.bfloat16)
    n = ndb.asarray(t, like="numpy")
    assert n.dtype == np.dtype(ml_dtypes.bfloat16) and np_ptr(n) == t.data_ptr()


# ---- PyTorch ----------------------------------------------------------------------------------------

TORCH_DTYPES = [np.bool_, np.int8, np.uint8, np.int16, np.int32, np.int64, np.float16, np.float32, np.float64,
                np.complex64, np.complex128, ml_dtypes.bfloat16]


@pytest.mark.parametrize("dtype", TORCH_DTYPES, ids=lambda d: np.dtype(d).name)
def test_numpy_to_torch_shares_every_shared_dtype(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = ndb.asarray(a, like="torch")
    assert t.data_ptr() == np_ptr(a)
    assert t.shape == a.shape
    assert t.to(torch.float64).tolist() == a.astype(np.float64).tolist()


def test_torch_mutation_goes_both_ways():
    a = np.zeros((2, 2), dtype=np.float32)
    t = ndb.asarray(a, like=torch)
    t[1, 1] = 3.0
    a[0, 0] = -1.0
    assert a[1, 1] == 3.0 and t[0, 0].item() == -1.0


@pytest.mark.parametrize("make, reason", [
    (lambda: np.arange(6.0)[::-1], "negative strides"),
    (lambda: np.arange(4, dtype=">i4"), "byte order"),
    (lambda: np.frombuffer(b"\x00" * 32, dtype=np.float64), "read-only"),
], ids=["negative_strides", "big_endian", "read_only"])
def test_layouts_torch_cannot_hold_are_copied_or_refused(make, reason):
    a = make()
    t = ndb.asarray(a, like="torch")
    assert t.data_ptr() != np_ptr(a)
    assert t.tolist() == a.tolist()
    with pytest.raises(ndb.CopyError, match=reason):
        ndb.asarray(a, like="torch", copy=False)


def test_python_floats_follow_torch_default_dtype():
    assert ndb.asarray([1.5, 2.0], like="torch").dtype == torch.get_default_dtype()
    assert ndb.asarray([1.5, 2.0]).dtype == ndb.float64


TYPED_AND_PYTHON = [
    [np.float32(1), 1.0], [np.float32(1), 2], [np.float16(1), 1.0], [np.int8(1), 2], [np.int8(1), 2.5],
    [np.float32(1), 1j], [np.uint8(1), -1], [np.int8(1), True], [np.float32(1), True], [np.complex64(1), 1.0],
    [1.0, np.float32(2)], [2, np.float32(1)], [[1.0, 2.0], np.array([1, 2], dtype=np.float32)],
]


@pytest.mark.parametrize("default", [torch.float32, torch.float64])
@pytest.mark.parametrize("items", TYPED_AND_PYTHON, ids=repr)
def test_typed_elements_and_python_scalars_promote_as_torch_tensor_does(items, default):
    # For a torch result the table is PyTorch's: a float beside integers wins as it is, Python floats are
    # the default dtype. The default result follows np.array (test_asarray_table.py, seq.typed_and_python).
    previous = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        expected = torch.tensor(items)
        got = ndb.asarray(items, like="torch")
    finally:
        torch.set_default_dtype(previous)
    assert got.dtype == expected.dtype
    assert torch.equal(got, expected)
    assert ndb.asarray(items).dtype == np.array(items).dtype


def test_requires_grad_gives_a_leaf_that_requires_grad():
    t = ndb.asarray(np.arange(3.0), like="torch", requires_grad=True)
    assert t.requires_grad and t.is_leaf
    with pytest.raises(ValueError, match="floating or complex"):
        ndb.asarray([1, 2], like="torch", requires_grad=True)
    with pytest.raises(ValueError, match="like='torch'"):
        ndb.asarray([1.0], requires_grad=True)


def test_torch_source_with_history_keeps_it_only_when_grad_is_requested():
    b = torch.tensor([1.0, 2.0], requires_grad=True) + 2
    plain = ndb.asarray(b, like="torch")
    assert plain.data_ptr() == b.data_ptr() and not plain.requires_grad
    kept = ndb.asarray(b, like="torch", requires_grad=True)
    assert kept.grad_fn is not None and kept.data_ptr() == b.data_ptr()


def test_array_to_torch_is_asarray():
    x = ndb.asarray(np.arange(4.0))
    t = x.to(like=torch)
    assert isinstance(t, torch.Tensor) and t.data_ptr() == x.data_ptr


# ---- JAX --------------------------------------------------------------------------------------------

@needs_jax
def test_like_jax_gives_a_jax_array_with_equal_values():
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    j = ndb.asarray(a, like="jax")
    assert isinstance(j, jax.Array)
    np.testing.assert_array_equal(np.asarray(j), a)
    r = ndb.asarray(a[::-1, ::-1], like=jnp)  # negative strides are laid out anew for DLPack
    np.testing.assert_array_equal(np.asarray(r), a[::-1, ::-1])


@needs_jax
def test_jax_arrays_come_in_read_only():
    j = jnp.arange(4, dtype=jnp.float32)
    x = ndb.asarray(j)
    assert x.readonly and x.tolist() == [0.0, 1.0, 2.0, 3.0]
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 1.0


# ---- the DLPack C exchange API --------------------------------------------------------------------

class _Version(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _Header(ctypes.Structure):
    _fields_ = [("version", _Version), ("prev_api", ctypes.c_void_p)]


_FROM_PY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.py_object, ctypes.POINTER(ctypes.c_void_p))
_TO_PY = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p))


class _ExchangeAPI(ctypes.Structure):
    _fields_ = [("header", _Header), ("allocator", ctypes.c_void_p), ("from_py_object", _FROM_PY),
                ("to_py_object", _TO_PY), ("dltensor_from_py_object", ctypes.c_void_p), ("current_work_stream", ctypes.c_void_p)]


def test_exchange_api_functions_are_reached_and_round_trip():
    capsule = ndb.Array.__dlpack_c_exchange_api__
    get_name = ctypes.pythonapi.PyCapsule_GetName
    get_name.restype, get_name.argtypes = ctypes.c_char_p, [ctypes.py_object]
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    assert get_name(capsule) == b"dlpack_exchange_api"
    api = _ExchangeAPI.from_address(get_pointer(capsule, b"dlpack_exchange_api"))
    assert (api.header.version.major, api.header.version.minor) == (1, 1)

    x = ndb.asarray(np.arange(6.0).reshape(2, 3))
    before = ndb._core._exchange_api_calls()
    managed = ctypes.c_void_p()
    assert api.from_py_object(x, ctypes.byref(managed)) == 0 and managed.value
    out = ctypes.c_void_p()
    assert api.to_py_object(managed.value, ctypes.byref(out)) == 0
    y = ctypes.cast(out, ctypes.py_object).value
    ctypes.pythonapi.Py_DecRef(ctypes.py_object(y))  # to_py_object returned a new reference
    assert ndb._core._exchange_api_calls() - before == 2
    assert isinstance(y, ndb.Array) and y.data_ptr == x.data_ptr and y.tolist() == x.tolist()
