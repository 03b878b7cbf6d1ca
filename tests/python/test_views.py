"""Views of ndb.Array: basic indexing, transpose, reshape, squeeze and expand_dims against NumPy's own views."""
import numpy as np
import pytest

import ndbridge as ndb
from conftest import data_ptr, meaningful_strides, same_value

# Sources of different layouts, each at least 3-d with extents >= 3 so every key below applies.
BASES = {
    "c_int64": lambda: np.arange(60, dtype=np.int64).reshape(3, 4, 5),
    "f_float32": lambda: np.asfortranarray(np.arange(60, dtype=np.float32).reshape(3, 4, 5)),
    "negative_strides": lambda: np.arange(120, dtype=np.int16).reshape(6, 4, 5)[::-2, :, ::-1],
    "big_endian_permuted": lambda: np.arange(60, dtype=">i4").reshape(3, 4, 5).transpose(2, 0, 1)[::-1][:3, :, :],
    "broadcast_readonly": lambda: np.broadcast_to(np.arange(20.0).reshape(1, 4, 5), (3, 4, 5)),
}

E = Ellipsis
S = slice
KEYS = [
    0, -1, 2, (1, 2), (-1, -2), (0, slice(None)), (1, 2, 3), (-1, -2, -3), (0, 0, 0),
    S(None), S(1, None), S(None, 2), S(None, None, -1), S(None, None, 2), S(None, None, -2), S(2, 0, -1),
    S(-100, 100, 3), S(3, 1), S(5, None), S(-1, None), S(None, None, 5), S(1, -1),
    (S(None, None, -2), E, 1), (E,), E, None, (None, 0), (0, None, S(1, 3)), (E, None), (None, E, None),
    (1, E, None, S(None, None, -3)), (), (None, None, None), (S(None), S(None), S(None)), (S(1, 3), S(None, None, -1), 2),
    (E, 0), (E, -1, S(None)), (0, E, 0), (S(None, None, 3), S(3, 0, -2), S(4, 0, -3)), (S(2, 1), 0), (None, -1, None, -1, None),
]


def key_id(k):
    return repr(k).replace("slice", "s").replace("Ellipsis", "...").replace(" ", "")


@pytest.fixture(params=sorted(BASES), ids=sorted(BASES))
def base(request):
    a = BASES[request.param]()
    return a, ndb.asarray(a)


@pytest.mark.parametrize("key", KEYS, ids=key_id)
def test_basic_index_gives_numpys_view(base, key):
    a, x = base
    expected = a[key]
    got = x[key]
    if not isinstance(expected, np.ndarray):
        # Only integer keys that reach a single element give a scalar; it is NumPy's .item().
        assert same_value(got, expected.item())
        return
    assert isinstance(got, ndb.Array)
    assert got.shape == expected.shape
    assert got.dtype == expected.dtype
    assert got.readonly == (not expected.flags.writeable)
    assert same_value(got.tolist(), expected.tolist())
    if expected.size:
        # Strides of extent-1 and extent-0 axes never move and NumPy does not define them for views
        # (a[None] may report any stride there); an empty view's data pointer is likewise unobservable.
        assert meaningful_strides(got.shape, got.strides) == meaningful_strides(expected.shape, expected.strides)
        assert got.data_ptr - x.data_ptr == data_ptr(expected) - data_ptr(a)
        assert got.flags.c_contiguous == expected.flags.c_contiguous
        assert got.flags.f_contiguous == expected.flags.f_contiguous


@pytest.mark.parametrize("key", KEYS, ids=key_id)
def test_views_share_memory_with_the_source(key):
    a = np.arange(60, dtype=np.int64).reshape(3, 4, 5)
    x = ndb.asarray(a)
    view = x[key]
    if not isinstance(view, ndb.Array) or view.size == 0:
        return
    assert view._same_memory(x)
    # Write through the view at its first element and find the write in the NumPy source.
    first = (0,) * view.ndim
    view[first] = -99
    assert a[key][first] == -99
    assert (a == -99).sum() == 1


def test_integer_keys_give_python_scalars_of_numpy_item_type():
    for dtype, expected_type in [(np.int8, int), (np.uint64, int), (np.float32, float), (np.complex64, complex),
                                 (np.bool_, bool), ("S3", bytes), ("U3", str)]:
        a = np.ones((2, 2), dtype=dtype)
        got = ndb.asarray(a)[1, -1]
        assert type(got) is expected_type
        assert got == a[1, -1].item()


def test_numpy_integer_scalars_and_zero_d_arrays_are_integer_indices():
    a = np.arange(12).reshape(3, 4)
    x = ndb.asarray(a)
    assert x[np.int64(1), np.uint8(2)] == a[1, 2]
    assert x[np.array(2)].tolist() == a[2].tolist()
    assert x[np.intp(-1)].tolist() == a[-1].tolist()


def test_huge_slice_bounds_are_clamped_like_python():
    a = np.arange(10)
    x = ndb.asarray(a)
    for key in [S(-2**63, 2**63 - 1), S(2**63 - 1, -2**63, -1), S(None, None, -2**63), S(None, None, 2**63 - 1)]:
        assert x[key].tolist() == a[key].tolist()


@pytest.mark.parametrize("key", [3, -4, (0, 4), (0, -5), (0, 0, 5), (2, 3, -6), 2**62, -2**62],
                         ids=key_id)
def test_out_of_range_integer_is_an_index_error(key):
    a = np.zeros((3, 4, 5))
    with pytest.raises(IndexError):
        a[key]
    with pytest.raises(IndexError, match="out of bounds"):
        ndb.asarray(a)[key]


def test_integer_beyond_64_bits_is_an_index_error():
    with pytest.raises(IndexError, match="64 bits"):
        ndb.asarray(np.zeros(3))[2**70]


@pytest.mark.parametrize("key", [S(None, None, 0), (0, S(1, 2, 0))], ids=key_id)
def test_slice_step_zero_is_a_value_error(key):
    a = np.zeros((3, 4))
    with pytest.raises(ValueError):
        a[key]
    with pytest.raises(ValueError, match="step cannot be zero"):
        ndb.asarray(a)[key]


@pytest.mark.parametrize("key", [(0, 0, 0), (0, E, 0, 0), (S(None),) * 3, (None, 0, 0, 0)], ids=key_id)
def test_too_many_indices_is_an_index_error(key):
    a = np.zeros((3, 4))
    with pytest.raises(IndexError):
        a[key]
    with pytest.raises(IndexError, match="too many indices"):
        ndb.asarray(a)[key]


def test_two_ellipses_is_an_index_error():
    with pytest.raises(IndexError, match="single ellipsis"):
        ndb.asarray(np.zeros((3, 4)))[..., 0, ...]


@pytest.mark.parametrize("key", [[0, 1], np.array([0, 1]), np.array([True, False, True]), 1.0, "a", True, np.True_,
                                 (0, [1]), (S(None), np.array([0])), 2.5 + 0j, {0: 1}],
                         ids=["list", "int_array", "bool_array", "float", "str", "bool", "np_bool", "tuple_with_list",
                              "tuple_with_array", "complex", "dict"])
def test_unsupported_keys_are_an_index_error_naming_basic_indexing(key):
    x = ndb.asarray(np.arange(12).reshape(3, 4))
    with pytest.raises(IndexError, match="basic indexing only"):
        x[key]
    with pytest.raises(IndexError, match="basic indexing only"):
        x[key] = 0


@pytest.mark.parametrize("part", [1.5, "a"])
def test_non_integer_slice_bounds_are_a_type_error(part):
    a = np.arange(5)
    with pytest.raises(TypeError):
        a[S(part, None)]
    with pytest.raises(TypeError):
        ndb.asarray(a)[S(part, None)]


def test_index_of_a_zero_d_array():
    a = np.array(4.5)
    x = ndb.asarray(a)
    assert x[()] == 4.5
    assert x[...].shape == () and x[...].data_ptr == data_ptr(a)
    assert x[None].shape == (1,)
    with pytest.raises(IndexError):
        x[0]


def test_empty_dimension_slices():
    a = np.zeros((3, 0, 2))
    x = ndb.asarray(a)
    assert x[1].shape == a[1].shape == (0, 2)
    assert x[:, :, 1].shape == a[:, :, 1].shape
    with pytest.raises(IndexError):
        x[:, 0]


# ---------------------------------------------------------------------------------------------- transpose

@pytest.mark.parametrize("name", sorted(BASES))
def test_T_and_transpose_reverse_the_axes_as_numpy(name):
    a = BASES[name]()
    x = ndb.asarray(a)
    for got in (x.T, x.transpose(), x.transpose(None)):
        assert got.shape == a.T.shape
        assert meaningful_strides(got.shape, got.strides) == meaningful_strides(a.T.shape, a.T.strides)
        assert got.data_ptr == data_ptr(a)
        assert got.tolist() == a.T.tolist()


@pytest.mark.parametrize("axes", [(0, 1, 2), (2, 1, 0), (1, 0, 2), (1, 2, 0), (2, 0, 1), (0, 2, 1), (-1, 0, -2)])
def test_transpose_with_axes_permutes_as_numpy(axes):
    a = np.arange(60, dtype=np.int32).reshape(3, 4, 5)[:, ::-1]
    x = ndb.asarray(a)
    for got in (x.transpose(*axes), x.transpose(axes), x.transpose(list(axes))):
        expected = a.transpose(axes)
        assert got.shape == expected.shape and got.strides == expected.strides
        assert got.tolist() == expected.tolist()
        assert got.flags.c_contiguous == expected.flags.c_contiguous
        assert got.flags.f_contiguous == expected.flags.f_contiguous


@pytest.mark.parametrize("axes,error", [((0, 1), ValueError), ((0, 0, 1), ValueError), ((0, 1, 3), IndexError),
                                        ((0, 1, -4), IndexError)])
def test_bad_transpose_axes_raise_as_numpy(axes, error):
    a = np.zeros((2, 3, 4))
    with pytest.raises(error):
        a.transpose(axes)  # NumPy's AxisError is both a ValueError and an IndexError
    with pytest.raises(error):
        ndb.asarray(a).transpose(axes)


# ---------------------------------------------------------------------------------------------- reshape

RESHAPE_SOURCES = {
    "c": lambda: np.arange(24).reshape(2, 3, 4),
    "f": lambda: np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)),
    "transposed": lambda: np.arange(24).reshape(2, 3, 4).T,
    "sliced_rows": lambda: np.arange(48).reshape(4, 3, 4)[::2],
    "sliced_columns": lambda: np.arange(48).reshape(2, 3, 8)[:, :, ::2],
    "reversed": lambda: np.arange(24).reshape(2, 3, 4)[::-1],
    "size1_axis": lambda: np.arange(72).reshape(2, 3, 3, 4)[:, 1:2],
    "broadcast": lambda: np.broadcast_to(np.arange(4), (6, 4)),
}
NEW_SHAPES = [(24,), (-1,), (6, 4), (4, -1), (2, 12), (2, 3, 4), (4, 3, 2), (1, 24), (24, 1), (2, 1, 3, 1, 4), (3, 8)]


@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("shape", NEW_SHAPES, ids=str)
@pytest.mark.parametrize("name", sorted(RESHAPE_SOURCES))
def test_reshape_is_a_view_exactly_when_numpy_can_view_else_a_copy(name, shape, order):
    a = RESHAPE_SOURCES[name]()
    x = ndb.asarray(a)
    expected = a.reshape(shape, order=order)
    got = x.reshape(shape, order=order)
    if not np.shares_memory(expected, a):  # NumPy copies when it cannot view, and so does ndbridge
        assert got.shape == expected.shape and got.tolist() == expected.tolist()
        assert not got._same_memory(x)
        return
    assert got.shape == expected.shape
    assert got.tolist() == expected.tolist()
    assert meaningful_strides(got.shape, got.strides) == meaningful_strides(expected.shape, expected.strides)
    assert got.data_ptr == data_ptr(expected)
    assert got._same_memory(x)


@pytest.mark.parametrize("shape", [(3, 0), (0,), (0, 2, 3), (-1, 2), (2, 0, 5)], ids=str)
def test_reshape_of_an_empty_array_is_always_a_view(shape):
    a = np.zeros((0, 6))
    got, expected = ndb.asarray(a).reshape(shape), a.reshape(shape)
    assert got.shape == expected.shape and got.size == 0


def test_reshape_accepts_a_tuple_or_separate_extents():
    x = ndb.asarray(np.arange(6))
    assert x.reshape(2, 3).shape == x.reshape((2, 3)).shape == x.reshape([2, 3]).shape == (2, 3)
    assert x.reshape(6).shape == (6,)


@pytest.mark.parametrize("shape,match", [((5, 5), "cannot reshape"), ((-1, -1), "one unknown"),
                                         ((4, -1), "cannot reshape")], ids=str)
def test_impossible_reshape_is_a_value_error(shape, match):
    with pytest.raises(ValueError):
        np.arange(6).reshape(shape)
    with pytest.raises(ValueError, match=match):
        ndb.asarray(np.arange(6)).reshape(shape)


def test_reshape_of_empty_array_with_unknown_and_zero_extent_is_a_value_error():
    # -1 next to a 0 extent is ambiguous: NumPy refuses it too.
    with pytest.raises(ValueError):
        np.zeros((0, 6)).reshape(6, -1, 0)
    with pytest.raises(ValueError, match="cannot reshape"):
        ndb.asarray(np.zeros((0, 6))).reshape(6, -1, 0)


def test_reshape_refuses_negative_extents_other_than_minus_one():
    # Deliberate difference: NumPy reads any negative extent as "unknown" (reshape(-2, 3) works);
    # ndbridge accepts only the documented -1.
    assert np.arange(6).reshape(-2, 3).shape == (2, 3)
    with pytest.raises(ValueError, match="negative extent -2"):
        ndb.asarray(np.arange(6)).reshape(-2, 3)


def test_reshape_orders_other_than_c_and_f():
    x = ndb.asarray(np.arange(6))
    with pytest.raises(ValueError, match="'C' or 'F'"):
        x.reshape(2, 3, order="K")
    with pytest.raises(ValueError, match="order must be one of"):
        x.reshape(2, 3, order="Z")
    with pytest.raises(TypeError, match="order must be"):
        x.reshape(2, 3, order=3)


# ---------------------------------------------------------------------------------------------- squeeze / expand_dims

@pytest.mark.parametrize("axis", [None, 0, 2, -2, -4])
def test_squeeze_drops_extent_one_axes_as_numpy(axis):
    a = np.arange(6, dtype=np.float32).reshape(1, 2, 1, 3)[:, ::-1]
    x = ndb.asarray(a)
    got, expected = x.squeeze(axis), a.squeeze(axis)
    assert got.shape == expected.shape and got.strides == expected.strides
    assert got.data_ptr == data_ptr(expected) and got.tolist() == expected.tolist()
    assert got._same_memory(x)


def test_squeeze_of_an_axis_longer_than_one_is_a_value_error():
    a = np.zeros((1, 2, 1))
    with pytest.raises(ValueError):
        a.squeeze(1)
    with pytest.raises(ValueError, match="size not equal to one"):
        ndb.asarray(a).squeeze(1)
    with pytest.raises(IndexError, match="out of bounds"):
        ndb.asarray(a).squeeze(3)


@pytest.mark.parametrize("axis", [0, 1, 2, -1, -2, -3])
def test_expand_dims_inserts_an_axis_as_numpy(axis):
    a = np.arange(12, dtype=np.int8).reshape(3, 4)[::-1, ::2]
    x = ndb.asarray(a)
    got, expected = x.expand_dims(axis), np.expand_dims(a, axis)
    assert got.shape == expected.shape
    assert meaningful_strides(got.shape, got.strides) == meaningful_strides(expected.shape, expected.strides)
    assert got.tolist() == expected.tolist() and got.data_ptr == data_ptr(expected)


@pytest.mark.parametrize("axis", [3, -4])
def test_expand_dims_out_of_range_is_an_index_error(axis):
    with pytest.raises(IndexError, match="out of bounds"):
        ndb.asarray(np.zeros((2, 2))).expand_dims(axis)


def test_views_inherit_readonly():
    a = np.arange(12).reshape(3, 4)
    a.flags.writeable = False
    x = ndb.asarray(a)
    for v in (x[1:], x.T, x.reshape(4, 3), x.squeeze(), x.expand_dims(0), x[None, ..., ::-1]):
        assert v.readonly and not v.flags.writeable
