"""ndb.asarray over NumPy arrays: every layout and dtype of conftest.LAYOUTS is viewed exactly, not copied."""
import datetime
import gc
import weakref

import numpy as np
import pytest

import ndbridge as ndb
from conftest import LAYOUTS, as_python, assert_same_layout, data_ptr, same_value


def test_view_has_numpy_shape_strides_dtype_pointer_and_values(layout):
    _, a = layout
    assert_same_layout(ndb.asarray(a), a)


def test_views_of_one_import_keep_the_same_owner(layout):
    _, a = layout
    x = ndb.asarray(a)
    assert x[...]._same_memory(x)
    assert x.T._same_memory(x)
    other = ndb.asarray(np.zeros(1))
    assert not other._same_memory(x)


@pytest.mark.parametrize("name", [n for n, make in LAYOUTS.items() if not make().flags.c_contiguous])
def test_strides_equal_numpy_exactly_when_not_c_contiguous(name):
    # NumPy's __array_interface__ carries explicit strides for every non-C-contiguous array, so there
    # the strides must be NumPy's to the byte, extent-1 and zero strides included.
    a = LAYOUTS[name]()
    assert ndb.asarray(a).strides == a.strides


def test_dtype_round_trips_to_the_numpy_dtype(layout):
    _, a = layout
    x = ndb.asarray(a)
    assert x.dtype == ndb.dtype(a.dtype)
    assert x.dtype == a.dtype
    assert x.itemsize == a.itemsize
    assert x.nbytes == a.nbytes
    if x.dtype.kind != "V":  # bfloat16/float8 have no typestr of their own (see test_dtype.py)
        assert x.dtype.str == a.dtype.str


def test_readonly_mirrors_the_numpy_writeable_flag(layout):
    _, a = layout
    assert ndb.asarray(a).readonly == (not a.flags.writeable)


@pytest.mark.parametrize("flag", ["c_contiguous", "f_contiguous", "writeable", "aligned"])
def test_flags_equal_numpy_flags(layout, flag):
    _, a = layout
    x = ndb.asarray(a)
    assert getattr(x.flags, flag) == getattr(a.flags, flag)
    assert x.flags[flag.upper()] == a.flags[flag.upper()]


def test_tolist_equals_numpy_tolist_with_python_types(layout):
    # Types matter: datetime64 gives date/datetime/int by unit, timedelta64 timedelta or int, NaT None.
    _, a = layout
    got = ndb.asarray(a).tolist()
    assert same_value(got, as_python(a.tolist()))


def test_longdouble_tolist_keeps_numpys_longdouble():
    # decisions.md: item() / tolist() of longdouble give NumPy's scalars, as NumPy's tolist() does.
    a = np.array([1 / 3], dtype=np.longdouble)
    got = ndb.asarray(a).tolist()
    assert type(got[0]) is np.longdouble and got[0] == a[0]
    assert isinstance(a.tolist()[0], np.longdouble)


def test_len_equals_numpy_len(layout):
    _, a = layout
    x = ndb.asarray(a)
    if a.ndim == 0:
        with pytest.raises(TypeError, match="unsized"):
            len(x)
        with pytest.raises(TypeError):
            len(a)
    else:
        assert len(x) == len(a)


@pytest.mark.parametrize("name", [n for n, make in LAYOUTS.items() if make().size])
def test_item_of_a_size_one_view_equals_numpy_item(name):
    a = LAYOUTS[name]()
    key = (slice(-1, None),) * a.ndim or ...  # the last element as a size-1 array of the same ndim
    x = ndb.asarray(a)[key]
    assert x.size == 1 and x.ndim == a.ndim
    assert same_value(x.item(), as_python(a[key].item()))


@pytest.mark.parametrize("name", [n for n, make in LAYOUTS.items() if make().size != 1])
def test_item_of_a_larger_array_is_a_value_error(name):
    a = LAYOUTS[name]()
    with pytest.raises(ValueError, match="size 1"):
        ndb.asarray(a).item()


def test_zero_d_array_gives_python_scalars():
    a = np.array(2.5)
    x = ndb.asarray(a)
    assert x.shape == () and x.strides == () and x.ndim == 0 and x.size == 1
    assert x.item() == 2.5 and type(x.item()) is float
    assert x.tolist() == 2.5 and type(x.tolist()) is float
    assert x[()] == 2.5
    assert x[...].shape == ()


def test_datetime_elements_are_python_dates_datetimes_and_ints_as_numpy_gives():
    cases = {
        "D": datetime.date(2020, 2, 29),
        "s": datetime.datetime(2020, 2, 29, 12, 34, 56),
        "us": datetime.datetime(2020, 2, 29, 12, 34, 56, 789012),
        "ns": 1582979696789012345,
    }
    for unit, expected in cases.items():
        a = np.array(["2020-02-29T12:34:56.789012345"], dtype=f"datetime64[{unit}]")
        got = ndb.asarray(a).item()
        assert got == a.item() == expected
        assert type(got) is type(a.item())


def test_nat_reads_as_none():
    for t in ["datetime64[ns]", "datetime64[D]", "timedelta64[s]"]:
        a = np.array(["NaT"], dtype=t)
        assert ndb.asarray(a).item() is None
        assert a.item() is None


def test_datetime_outside_python_years_reads_as_the_raw_count_as_numpy():
    a = np.array([-10**6, 10**7], dtype="datetime64[D]")
    assert ndb.asarray(a).tolist() == a.tolist() == [-10**6, 10**7]


def test_strings_lose_trailing_nuls_but_keep_inner_ones():
    a = np.array([b"a\x00b", b"ab\x00"], dtype="S4")
    assert ndb.asarray(a).tolist() == a.tolist() == [b"a\x00b", b"ab"]


def test_attributes_of_a_c_contiguous_array():
    a = np.zeros((2, 3, 4), dtype=np.float32)
    x = ndb.asarray(a)
    assert (x.ndim, x.size, x.itemsize, x.nbytes, x.device) == (3, 24, 4, 96, "cpu")
    assert x.strides == (48, 16, 4)


def test_asarray_of_an_ndb_array_is_the_same_object():
    x = ndb.asarray(np.arange(3))
    assert ndb.asarray(x) is x


def test_numpy_subclass_is_viewed_as_its_memory():
    m = np.ma.masked_array(np.arange(4.0), mask=[0, 1, 0, 0])
    x = ndb.asarray(m)
    assert x.data_ptr == data_ptr(m.data)
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0]  # the data, not the mask: asarray views memory


# ---------------------------------------------------------------------------------------------- lifetime

def test_view_outlives_the_deleted_numpy_array():
    a = np.arange(10.0) * 3
    expected = a.tolist()
    x = ndb.asarray(a)[::-2]
    del a
    gc.collect()
    np.zeros(10_000)  # churn the allocator
    assert x.tolist() == expected[::-2]


def test_numpy_source_is_released_exactly_when_the_last_view_goes():
    a = np.arange(6.0)
    ref = weakref.ref(a)
    x = ndb.asarray(a)
    y = x[1:]
    del a
    gc.collect()
    assert ref() is not None
    del x
    gc.collect()
    assert ref() is not None and y.tolist() == [1.0, 2.0, 3.0, 4.0, 5.0]
    del y
    gc.collect()
    assert ref() is None


def test_views_of_views_keep_the_base_alive():
    x = ndb.asarray(np.arange(24).reshape(2, 3, 4))
    v = x[1][::-1].T[0]
    del x
    gc.collect()
    assert v.tolist() == [20, 16, 12]


# ---------------------------------------------------------------------------------------------- rejected

@pytest.mark.parametrize("obj", [object(), None, {"a": 1}, {1, 2}], ids=["object", "None", "dict", "set"])
def test_asarray_of_objects_that_are_not_array_like_is_a_type_error(obj):
    with pytest.raises(TypeError, match="asarray"):
        ndb.asarray(obj)


def test_object_arrays_of_text_and_numbers_are_a_type_error():
    # Object arrays are read as sequences (test_object_arrays.py); text mixed with numbers stays refused.
    with pytest.raises(TypeError, match="mixes strings and numbers"):
        ndb.asarray(np.array([1, "a"], dtype=object))


@pytest.mark.parametrize("dtype", [[("a", "i4"), ("b", "f8")], "V8", [("x", "i2", (2,))]],
                         ids=["record", "void", "subarray_field"])
def test_structured_and_void_arrays_are_a_type_error(dtype):
    with pytest.raises(TypeError, match="no ndbridge equivalent|structured|void"):
        ndb.asarray(np.zeros(2, dtype=dtype))


@pytest.mark.parametrize("dtype", ["M8[2s]", "m8[10ns]"])
def test_datetime_unit_multiples_are_a_type_error(dtype):
    with pytest.raises(TypeError, match="multiples"):
        ndb.asarray(np.zeros(2, dtype=dtype))


def test_ml_dtypes_without_ndbridge_equivalent_are_a_type_error():
    import ml_dtypes
    with pytest.raises(TypeError, match="no ndbridge equivalent"):
        ndb.asarray(np.zeros(2, dtype=ml_dtypes.int4))
    with pytest.raises(TypeError, match="no ndbridge equivalent"):
        ndb.asarray(np.zeros(2, dtype=ml_dtypes.float8_e4m3fnuz))


def test_copy_error_is_both_a_value_error_and_a_buffer_error():
    assert issubclass(ndb.CopyError, ValueError)
    assert issubclass(ndb.CopyError, BufferError)
    assert ndb.CopyError.__module__ == "ndbridge"
    with pytest.raises(ValueError):
        raise ndb.CopyError("x")
    with pytest.raises(BufferError):
        raise ndb.CopyError("x")


def test_layout_factories_return_fresh_memory():
    # Tests write into the layouts, so no two calls of a factory may share writable memory.
    for name, make in LAYOUTS.items():
        a, b = make(), make()
        if a.flags.writeable and a.size:
            assert not np.shares_memory(a, b), name
