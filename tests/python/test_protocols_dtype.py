"""ndb.dtype where NumPy and PyTorch take a dtype: NumPy through __numpy_dtype__ (NumPy 2.4's protocol for
dtype-like objects) and .numpy, PyTorch through .torch; ndb.dtype() of each of them is the same dtype."""
import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb

NUMPY_SPELLINGS = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
                   "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble", ">i4", "<f8",
                   ">c16", "M8[D]", "m8[ns]", "S5", "U3", ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn,
                   ml_dtypes.float8_e5m2]
TORCH_TYPES = [torch.bool, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.uint16,
               torch.uint32, torch.uint64, torch.float16, torch.bfloat16, torch.float32, torch.float64,
               torch.complex64, torch.complex128, torch.float8_e4m3fn, torch.float8_e5m2]


@pytest.mark.parametrize("spec", NUMPY_SPELLINGS, ids=str)
def test_numpy_takes_an_ndb_dtype_as_a_dtype(spec):
    expected = np.dtype(spec)
    d = ndb.dtype(spec)
    assert np.dtype(d) == expected == d.numpy == d.__numpy_dtype__
    assert np.zeros(2, dtype=d).dtype == expected
    assert ndb.dtype(d.numpy) == d


def test_numpy_takes_an_arrays_dtype_from_the_issue():
    x = ndb.asarray([1.5, 2.5])
    assert np.zeros(2, dtype=x.dtype).dtype == np.float64
    assert np.asarray(x, dtype=ndb.float32).dtype == np.float32


@pytest.mark.parametrize("t", TORCH_TYPES, ids=str)
def test_torch_dtype_round_trip(t):
    d = ndb.dtype(t)
    assert d.torch is t
    assert torch.zeros(2, dtype=d.torch).dtype is t


@pytest.mark.parametrize("spec", [">f4", "M8[s]", "m8[s]", "S2", "U2", "longdouble", "clongdouble"])
def test_torch_attribute_refuses_types_torch_lacks_naming_them(spec):
    with pytest.raises(TypeError, match="PyTorch has no dtype"):
        ndb.dtype(spec).torch
