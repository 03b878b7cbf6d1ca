"""Float-to-integer array casts that meet NaN, infinity or out-of-range values warn once per call with
NumPy's RuntimeWarning ("invalid value encountered in cast"), naming the count and the target dtype;
in-range values, and negatives into unsigned types (which wrap as in NumPy and PyTorch), do not."""
import warnings

import numpy as np
import pytest
import torch

import ndbridge as ndb

PHRASE = "invalid value encountered in cast"


def warnings_of(call):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = call()
    return result, [w for w in seen if issubclass(w.category, RuntimeWarning) and PHRASE in str(w.message)]


@pytest.mark.parametrize("source", ["float16", "float32", "float64", ">f8", "complex128"])
@pytest.mark.parametrize("target", ["int8", "uint8", "int32", "uint32", "int64", "uint64"])
@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e20, -1e20])
def test_values_numpy_warns_on_warn_once_per_call(source, target, value):
    a = np.array([1.0, value, 2.0, value], dtype=source)
    _, ours = warnings_of(lambda: ndb.asarray(a, dtype=target))
    _, numpy_warnings = warnings_of(lambda: a.astype(target))
    assert len(numpy_warnings) == 1  # NumPy's own behaviour on this machine, the reference
    assert len(ours) == 1
    assert "2 element(s)" in str(ours[0].message) and target.lstrip("<>") in str(ours[0].message)


@pytest.mark.parametrize("values, target", [([1.5, -2.5, 127.9], "int8"), ([-3.96, 0.5, 255.9], "uint8"),
                                            ([-1.0, 4e9], "uint32"), ([-9.2e18, 9.2e18], "int64")])
def test_in_range_values_and_negatives_into_unsigned_are_silent_as_in_numpy(values, target):
    a = np.array(values)
    got, ours = warnings_of(lambda: ndb.asarray(a, dtype=target))
    _, numpy_warnings = warnings_of(lambda: a.astype(target))
    assert ours == [] and numpy_warnings == []
    assert got.tolist() == a.astype(target).tolist()


def test_every_path_that_casts_warns():
    a = np.array([np.nan, 1.0])
    paths = {
        "asarray": lambda: ndb.asarray(a, dtype="int32"),
        "astype": lambda: ndb.asarray(a).astype("int32"),
        "like torch": lambda: ndb.asarray(a, dtype="int32", like="torch"),
        "array inside a sequence": lambda: ndb.asarray([a, a], dtype="int32"),
        "setitem": lambda: ndb.asarray(np.zeros(2, dtype=np.int32)).__setitem__(slice(None), a),
        "large (threaded, GIL released)": lambda: ndb.asarray(np.full(1 << 20, np.inf), dtype="int64"),
        "from a tensor": lambda: ndb.asarray(torch.tensor([float("nan"), 1.0]), dtype="int16"),
    }
    for name, call in paths.items():
        _, ours = warnings_of(call)
        assert len(ours) == 1, name


def test_saturated_values_are_defined_and_the_warning_can_be_an_error():
    a = np.array([np.nan, 1e300, -1e300, 300.7])
    got, ours = warnings_of(lambda: ndb.asarray(a, dtype="uint8"))
    assert got.tolist() == [0, 255, 0, 255] and "4 element(s)" in str(ours[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeWarning, match=PHRASE):
            ndb.asarray(a, dtype="int32")
        ndb.asarray(np.array([1.5]), dtype="int32")  # nothing invalid: no warning, no error
