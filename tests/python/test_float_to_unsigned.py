"""Negative floats into unsigned integers give NumPy's (and PyTorch's) values: truncate to int64, then
wrap to the target's width (-3.96 -> uint8 253). docs/decisions.md, "Copies and casts"."""

import numpy as np
import pytest

import ndbridge as ndb

VALUES = [-3.96, -1.0, -0.5, -200.7, 300.2, -0.0, 0.0, 3.9, -129.5, -65536.75, -1e5]


@pytest.mark.parametrize("src", ["float16", "float32", "float64"])
@pytest.mark.parametrize("dst", ["uint8", "uint16", "uint32", "uint64"])
def test_negative_float_to_unsigned_equals_numpy(src, dst):
    a = np.array(VALUES, dtype=np.float64).astype(src)
    a = a[np.isfinite(a)]  # float16 holds -65536.75 as -inf: outside int64, ndbridge's own rule
    if dst != "uint64":
        a = a[a < np.iinfo(dst).max + 1]  # positive overflow saturates in ndbridge (NumPy's answer varies)
    with np.errstate(invalid="ignore"):
        expected = a.astype(dst)
    got = np.asarray(ndb.asarray(a).astype(dst))
    assert got.dtype == expected.dtype
    assert got.tolist() == expected.tolist()
    assert expected.tolist()[0] == np.iinfo(dst).max - 2  # -3.96 -> max - 2 (uint8: 253)


@pytest.mark.parametrize("dst", ["uint8", "uint16", "uint32", "uint64"])
def test_negative_float_to_unsigned_equals_torch(dst):
    torch = pytest.importorskip("torch")
    if not hasattr(torch, dst):
        pytest.skip(f"torch has no {dst}")
    a = np.array([-3.96, -1.0, -0.5, -200.7], np.float32)
    got = np.asarray(ndb.asarray(a).astype(dst)).tolist()
    assert got == torch.from_numpy(a).to(getattr(torch, dst)).tolist()


def test_below_int64_gives_zero():
    a = np.array([-1e19, -1e30, -np.inf], np.float64)
    assert np.asarray(ndb.asarray(a).astype("uint32")).tolist() == [0, 0, 0]
    assert np.asarray(ndb.asarray(a).astype("uint64")).tolist() == [0, 0, 0]
