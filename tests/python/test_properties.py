"""Property tests: random layouts and random basic indices, read and written through ndb, agree with NumPy."""
import numpy as np
from hypothesis import given, settings, strategies as st
from hypothesis.extra import numpy as hnp

import ndbridge as ndb
from conftest import data_ptr, meaningful_strides

DTYPES = st.sampled_from(["<i1", "<i2", ">i4", "<i8", "<u2", ">u8", "<f4", ">f8", "<c8", "?"])


@st.composite
def strided_arrays(draw):
    """A NumPy view with random shape, dtype, axis order, steps (negative too) and offset."""
    dtype = draw(DTYPES)
    shape = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=5))
    steps = [draw(st.sampled_from([1, 2, 3, -1, -2])) for _ in shape]
    full = [max(n * abs(step), 1) for n, step in zip(shape, steps)]
    offset = draw(st.integers(0, 7))  # moves the data pointer off the allocation's alignment
    base = np.arange(int(np.prod(full)) + offset).astype(dtype)[offset:]
    # (The trailing ... keeps a 0-d result an array: a[()] of a 0-d array is a NumPy scalar.)
    a = base.reshape(full)[tuple(slice(None, None, step) for step in steps) + (...,)]
    a = a[tuple(slice(0, n) for n in shape) + (...,)]
    perm = draw(st.permutations(range(a.ndim)))
    return a.transpose(perm)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_basic_index_of_random_layout_is_numpys_view(data):
    a = data.draw(strided_arrays())
    key = data.draw(hnp.basic_indices(a.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    x = ndb.asarray(a)
    assert x.shape == a.shape
    if a.size:  # an empty array's strides touch nothing (see conftest.assert_same_layout)
        assert meaningful_strides(x.shape, x.strides) == meaningful_strides(a.shape, a.strides)
    expected, got = a[key], x[key]
    if not isinstance(expected, np.ndarray):
        assert got == expected.item() and type(got) is type(expected.item())
        return
    assert got.shape == expected.shape
    assert got.tolist() == expected.tolist()
    if expected.size:
        assert meaningful_strides(got.shape, got.strides) == meaningful_strides(expected.shape, expected.strides)
        assert got.data_ptr - x.data_ptr == data_ptr(expected) - data_ptr(a)
        assert (got.flags.c_contiguous, got.flags.f_contiguous) == (expected.flags.c_contiguous,
                                                                   expected.flags.f_contiguous)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_random_scalar_assignment_lands_where_numpys_does(data):
    a = data.draw(strided_arrays())
    key = data.draw(hnp.basic_indices(a.shape, min_dims=0, allow_newaxis=True, allow_ellipsis=True))
    value = data.draw(st.integers(0, 100) if a.dtype.kind in "iu" else st.booleans() if a.dtype.kind == "b"
                      else st.floats(-1e3, 1e3, width=32))
    expected = a.copy()
    expected[key] = value
    ndb.asarray(a)[key] = value
    assert a.tobytes() == expected.astype(a.dtype).tobytes()


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_random_transpose_and_reshape_match_numpy(data):
    a = data.draw(strided_arrays())
    x = ndb.asarray(a)
    perm = data.draw(st.permutations(range(a.ndim)))
    assert x.transpose(perm).tolist() == a.transpose(perm).tolist()
    assert x.T.tolist() == a.T.tolist()
    order = data.draw(st.sampled_from("CF"))
    expected = a.reshape(-1, order=order)
    if expected.size and not np.shares_memory(expected, a):
        return  # NumPy copied; ndb raises until the copy engine arrives (test_views pins that)
    assert x.reshape(-1, order=order).tolist() == expected.tolist()
