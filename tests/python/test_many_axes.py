"""Arrays with more axes than a shape keeps inline (ndbridge's Dims holds 8 without allocating): casts,
copies, views, pickling and hand-offs to NumPy keep every extent and stride, as with few axes."""
import pickle

import numpy as np
import pytest

import ndbridge as ndb

SHAPES = [(3, 2), (2, 1, 3, 1, 2, 1, 2, 2), (2, 1, 3, 1, 2, 1, 2, 2, 3), (1, 2) * 6 + (3,)]


def source(shape):
    return np.arange(np.prod(shape), dtype=np.float64).reshape(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{len(s)}d")
def test_cast_and_copy_keep_every_axis(shape):
    a = source(shape)
    cast = ndb.asarray(a, dtype="float32")
    assert cast.shape == shape
    np.testing.assert_array_equal(np.asarray(cast), a.astype(np.float32))
    copied = ndb.asarray(a, copy=True)
    assert copied.shape == shape and copied.strides == a.strides
    np.testing.assert_array_equal(np.asarray(copied), a)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{len(s)}d")
def test_transposed_views_copy_in_numpy_order(shape):
    a = source(shape).transpose()
    out = ndb.asarray(a, dtype="int32", order="K")
    assert out.shape == a.shape
    assert out.strides == a.astype(np.int32, order="K").strides
    np.testing.assert_array_equal(np.asarray(out), a.astype(np.int32))
    c = ndb.asarray(a, order="C", like=np)
    assert c.flags.c_contiguous
    np.testing.assert_array_equal(c, a)


@pytest.mark.parametrize("shape", SHAPES, ids=lambda s: f"{len(s)}d")
@pytest.mark.parametrize("protocol", [2, 5])
def test_pickle_round_trip_keeps_every_axis(shape, protocol):
    x = ndb.asarray(source(shape), copy=True)
    back = pickle.loads(pickle.dumps(x, protocol=protocol))
    assert back.shape == shape and back.strides == x.strides
    np.testing.assert_array_equal(np.asarray(back), np.asarray(x))
