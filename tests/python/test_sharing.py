"""Memory sharing between NumPy and ndb.Array, checked by pointer and by mutation in both directions."""
import datetime

import numpy as np
import pytest

import ndbridge as ndb
from conftest import LAYOUTS, as_python, data_ptr, same_value


def sample_value(dtype):
    """A Python value that every dtype can store and that differs from everything the layouts hold."""
    kind = dtype.kind
    if kind == "b":
        return True
    if kind in "iu":
        return 5
    if kind == "f" or (kind == "V" and dtype.itemsize <= 2):  # ml_dtypes' floats report 'V' (or 'f')
        return 2.5
    if kind == "c":
        return 1.5 - 2j
    if kind in "Mm":
        return 12345
    if kind == "S":
        return b"zz"
    if kind == "U":
        return "zz"
    raise AssertionError(dtype)


WRITABLE = sorted(n for n, make in LAYOUTS.items() if make().flags.writeable and make().size)


def _first(a):
    return (0,) * a.ndim


def _last(a):
    return (-1,) * a.ndim


@pytest.mark.parametrize("name", WRITABLE)
def test_write_through_numpy_is_read_through_ndb(name):
    a = LAYOUTS[name]()
    x = ndb.asarray(a)
    value = sample_value(a.dtype)
    a[_last(a)] = value
    assert same_value(x[_last(a)], as_python(a[_last(a)].item()))
    assert same_value(x.tolist(), as_python(a.tolist()))


@pytest.mark.parametrize("name", WRITABLE)
def test_write_through_ndb_is_read_through_numpy(name):
    a = LAYOUTS[name]()
    before = a.copy()
    x = ndb.asarray(a)
    value = sample_value(a.dtype)
    x[_first(a)] = value
    expected = before.copy()
    expected[_first(a)] = value
    assert same_value(as_python(a.tolist()), as_python(expected.tolist()))
    if a.dtype not in (np.dtype(np.longdouble), np.dtype(np.clongdouble)):  # x87 padding bytes are garbage
        assert a.tobytes() == expected.tobytes()


@pytest.mark.parametrize("name", WRITABLE)
def test_ndb_view_and_numpy_array_have_one_data_pointer(name):
    a = LAYOUTS[name]()
    x = ndb.asarray(a)
    assert x.data_ptr == data_ptr(a)
    last = x[(slice(-1, None),) * a.ndim] if a.ndim else x
    assert last.data_ptr == data_ptr(a[(slice(-1, None),) * a.ndim] if a.ndim else a)


def test_negative_strides_are_shared_not_copied():
    base = np.arange(10, dtype=np.int64)
    a = base[::-1]
    x = ndb.asarray(a)
    assert x.strides == (-8,) and x.data_ptr == data_ptr(a) == data_ptr(base) + 72
    x[0] = 100
    assert base[9] == 100
    base[0] = -1
    assert x[9] == -1


def test_non_native_byte_order_is_shared_not_copied():
    a = np.arange(4, dtype=">i4")
    x = ndb.asarray(a)
    assert x.data_ptr == data_ptr(a) and x.dtype.str == ">i4"
    x[1] = 0x0A0B0C0D
    assert a[1] == 0x0A0B0C0D and a.tobytes()[4:8] == b"\x0a\x0b\x0c\x0d"
    a[2] = -3
    assert x[2] == -3


def test_unaligned_memory_is_shared_not_copied():
    raw = bytearray(8 * 4 + 3)
    a = np.frombuffer(raw, dtype=np.uint8, offset=3).view(np.float64)
    x = ndb.asarray(a)
    assert not x.flags.aligned and x.data_ptr == data_ptr(a) and x.data_ptr % 8 != 0
    x[2] = 1 / 3
    assert a[2] == 1 / 3
    a[3] = -2.0
    assert x[3] == -2.0


def test_broadcast_view_is_shared_and_readonly():
    base = np.arange(3.0)
    a = np.broadcast_to(base, (4, 3))
    x = ndb.asarray(a)
    assert x.strides == (0, 8) and x.readonly and x.data_ptr == data_ptr(base)
    base[1] = 9.0
    assert x.tolist() == [[0.0, 9.0, 2.0]] * 4


def test_datetime_write_through_numpy_is_read_as_a_python_datetime():
    a = np.zeros(2, dtype="datetime64[s]")
    x = ndb.asarray(a)
    a[1] = np.datetime64("2021-03-04T05:06:07")
    assert x[1] == datetime.datetime(2021, 3, 4, 5, 6, 7)
    x[0] = 86400
    assert a[0] == np.datetime64("1970-01-02T00:00:00")


def test_two_asarray_calls_on_one_array_alias_each_other():
    a = np.zeros(3)
    x, y = ndb.asarray(a), ndb.asarray(a)
    x[0] = 1.0
    assert y[0] == 1.0 and x.data_ptr == y.data_ptr
