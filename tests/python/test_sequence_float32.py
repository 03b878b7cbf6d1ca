"""Sequences read straight into float32 (the reader's direct float32 fill): the same bits as NumPy for
ordinary, rounding, tiny, huge (to infinity), NaN, signed-zero and nested values."""
import warnings

import numpy as np
import pytest

import ndbridge as ndb

VALUES = [1e300, -1e300, float("nan"), float("inf"), -float("inf"), 3.4028235677973366e38, 3.4028235e38, 1e-50,
          0.1, -0.0, 16777217.0, 1.0000000596046448]


@pytest.mark.parametrize("shape", [(12,), (3, 4), (2, 3, 2)])
def test_float32_from_python_floats_matches_numpy_bit_for_bit(shape):
    nested = np.array(VALUES, dtype=object).reshape(shape).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # NumPy warns on the overflow to infinity
        expected = np.asarray(nested, dtype=np.float32)
    got = ndb.asarray(nested, dtype=ndb.float32).numpy()
    assert got.dtype == np.float32 and got.shape == shape
    assert got.tobytes() == expected.tobytes()


def test_float32_fill_falls_back_for_ints_mixed_with_floats():
    got = ndb.asarray([[1.5, 2], [True, 2**40 + 1]], dtype="float32").numpy()
    assert got.tobytes() == np.asarray([[1.5, 2], [True, 2**40 + 1]], dtype=np.float32).tobytes()
