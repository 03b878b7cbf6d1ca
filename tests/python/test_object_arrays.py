"""NumPy object arrays (what pandas gives for frames of mixed columns) are read as NumPy reads them: as
sequences of their elements, into a new array; sharing them is impossible, and said so."""
import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb

CASES = {
    "floats": lambda: np.array([1.0, 2.5], dtype=object),
    "ints_2d": lambda: np.array([[1, 2], [3, 4]], dtype=object),
    "mixed_numbers": lambda: np.array([1, 2.5, True], dtype=object),
    "complex": lambda: np.array([1j, 2], dtype=object),
    "strings": lambda: np.array(["ab", "c"], dtype=object),
    "zero_d": lambda: np.array(4.5, dtype=object),
    "transposed": lambda: np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], dtype=object).T,
    "empty": lambda: np.array([], dtype=object),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_object_arrays_convert_as_numpy_converts_their_elements(name):
    a = CASES[name]()
    expected = np.array(a.tolist())
    x = ndb.asarray(a)
    assert x.dtype == expected.dtype
    assert x.shape == expected.shape
    np.testing.assert_array_equal(np.asarray(x), expected)


def test_object_arrays_are_never_shared():
    a = np.array([1.0, 2.0], dtype=object)
    with pytest.raises(ndb.CopyError, match="object array"):
        ndb.asarray(a, copy=False)
    with pytest.raises(ndb.CopyError, match="object dtype"):
        ndb.from_numpy(a)
    x = ndb.asarray(a)
    x[0] = 9.0
    assert a[0] == 1.0


def test_object_arrays_take_dtype_and_targets():
    a = np.array([1, 2, 3], dtype=object)
    assert ndb.asarray(a, dtype="float32").dtype == ndb.float32
    t = ndb.asarray(np.array([0.5, 1.5], dtype=object), like="torch")
    assert isinstance(t, torch.Tensor) and t.dtype == torch.get_default_dtype()
    np.testing.assert_array_equal(t.numpy(), [0.5, 1.5])


def test_a_mixed_dataframe_converts_through_its_object_array():
    df = pd.DataFrame({"a": [1, 2], "b": [0.5, 1.5], "c": [True, False]}).astype({"a": object})
    x = ndb.asarray(df)
    np.testing.assert_array_equal(np.asarray(x), np.array(df.to_numpy().tolist()))


def test_object_arrays_with_text_and_numbers_name_the_rule():
    with pytest.raises(TypeError, match="mixes strings and numbers"):
        ndb.asarray(np.array([1, "a"], dtype=object))
