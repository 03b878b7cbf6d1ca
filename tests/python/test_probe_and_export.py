"""Protocols found on instances, inference corner cases, and the first export paths of ndb.Array
(NumPy and PyTorch reading it zero-copy, and refusing rather than misreading)."""
import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb
from conftest import DLPackProducer


def np_ptr(a):
    return a.__array_interface__["data"][0]


def test_array_interface_set_on_an_instance_is_found():
    a = np.arange(3.0)
    holder = type("Holder", (), {})()
    holder.__array_interface__ = a.__array_interface__
    holder.keep = a
    x = ndb.asarray(holder)
    assert x.data_ptr == np_ptr(a) and x.tolist() == [0.0, 1.0, 2.0]


def test_array_method_set_on_an_instance_is_found():
    holder = type("Holder", (), {})()
    holder.__array__ = lambda dtype=None, copy=None: np.arange(4)
    assert ndb.asarray(holder).tolist() == [0, 1, 2, 3]


def test_bytes_mixed_with_str_is_a_type_error():
    with pytest.raises(TypeError, match="bytes and str"):
        ndb.asarray(["a", b"b"])


def test_negatives_and_big_ints_beside_a_float_give_float64():
    x = ndb.asarray([-1, 2**63, 1.5])
    assert x.dtype == ndb.float64
    assert x.tolist() == np.array([-1, 2**63, 1.5]).tolist()


def test_numpy_nan_inside_a_sequence_into_int_is_a_value_error_as_numpy():
    with pytest.raises(ValueError):
        np.array([np.float64("nan")], dtype=np.int64)
    with pytest.raises(ValueError, match="NaN"):
        ndb.asarray([np.float64("nan")], dtype="int64")


# ---- export ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("make", [
    lambda: np.arange(12.0).reshape(3, 4),
    lambda: np.asfortranarray(np.arange(12, dtype=np.int32).reshape(3, 4)),
    lambda: np.arange(20, dtype=np.int16)[::3],
    lambda: np.arange(6.0)[::-1],
    lambda: np.array(["2020-01-01", "NaT"], dtype="datetime64[D]"),
    lambda: np.arange(4, dtype=">i4"),
    lambda: np.array(["ab", "c"]),
], ids=["c", "f", "strided", "negative", "datetime", "big_endian", "unicode"])
def test_numpy_reads_ndb_arrays_without_a_copy(make):
    a = make()
    x = ndb.asarray(a)
    back = np.asarray(x)
    assert back.dtype == a.dtype and back.shape == a.shape and back.strides == a.strides
    assert np_ptr(back) == np_ptr(a)
    np.testing.assert_array_equal(back, a)


def test_numpy_reads_bfloat16_as_ml_dtypes_without_a_copy():
    t = torch.tensor([1.5, -2.0], dtype=torch.bfloat16)
    back = np.asarray(ndb.asarray(t))
    assert back.dtype == np.dtype(ml_dtypes.bfloat16)
    assert np_ptr(back) == t.data_ptr()


def test_read_only_stays_read_only_in_numpy():
    a = np.arange(3.0)
    a.setflags(write=False)
    assert not np.asarray(ndb.asarray(a)).flags.writeable


def test_torch_from_dlpack_shares_and_negative_strides_are_copied_not_crashed():
    a = np.arange(6.0).reshape(2, 3)
    t = torch.from_dlpack(ndb.asarray(a))
    assert t.data_ptr() == np_ptr(a)
    t[0, 0] = 7.0
    assert a[0, 0] == 7.0
    r = np.arange(5.0)[::-1]
    tr = torch.from_dlpack(ndb.asarray(r))  # PyTorch aborts on negative DLPack strides: ndbridge copies
    assert tr.tolist() == r.tolist() and tr.data_ptr() != np_ptr(r)
    with pytest.raises(ndb.CopyError, match="negative strides"):
        ndb.asarray(r).__dlpack__(max_version=(1, 0), copy=False)


def test_non_native_byte_order_is_copied_for_dlpack():
    a = np.arange(3, dtype=">i4")
    assert torch.from_dlpack(ndb.asarray(a)).tolist() == [0, 1, 2]


def test_legacy_dlpack_of_read_only_is_a_buffer_error():
    a = np.arange(3.0)
    a.setflags(write=False)
    with pytest.raises(BufferError, match="read-only"):
        ndb.asarray(a).__dlpack__()


def test_consumer_errors_survive_the_capsule_destructor():
    x = ndb.asarray(np.ones(2, dtype=ml_dtypes.bfloat16))
    with pytest.raises(Exception) as info:
        np.from_dlpack(x)  # NumPy has no bfloat16: its own error must come through, not a SystemError
    assert not isinstance(info.value, SystemError)


@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.float64])
def test_format_less_buffer_requests_are_refused_so_torch_asarray_cannot_misread(dtype):
    x = ndb.asarray(np.arange(8, dtype=dtype))
    with pytest.raises((BufferError, RuntimeError)):
        torch.asarray(x)
    m = memoryview(x)  # with a format, the buffer is fine
    assert m.format == np.arange(1, dtype=dtype).data.format and m.tolist() == list(range(8))


def test_buffer_of_bfloat16_is_refused_with_a_reason():
    with pytest.raises(BufferError, match="PEP 3118"):
        memoryview(ndb.asarray(np.ones(2, dtype=ml_dtypes.bfloat16)))


def test_array_interface_on_an_instance_of_a_sequence_type_wins_over_its_items():
    a = np.arange(3.0)

    class Items(list):
        pass

    s = Items([7, 7])
    s.__array_interface__ = a.__array_interface__
    s.keep = a
    x = ndb.asarray(s)
    assert np.asarray(s).tolist() == [0.0, 1.0, 2.0]  # NumPy's rule
    assert x.data_ptr == np_ptr(a) and x.tolist() == [0.0, 1.0, 2.0]


class _Interface:
    def __init__(self, **iface):
        self.__array_interface__ = dict(version=3, **iface)


@pytest.mark.parametrize("offset", [2**63 - 5, -1, 11])
def test_array_interface_offsets_outside_the_buffer_are_value_errors(offset):
    obj = _Interface(shape=(10,), typestr="|u1", data=bytearray(10), offset=offset)
    with pytest.raises((ValueError, OverflowError), match="__array_interface__"):
        ndb.asarray(obj)


def test_array_interface_over_a_strided_buffer_is_refused_not_misread():
    backwards = memoryview(bytearray(b"abcdefghij"))[::-1]
    with pytest.raises(BufferError):
        ndb.asarray(_Interface(shape=(10,), typestr="|u1", data=backwards))


def test_array_interface_over_a_buffer_reads_inside_it():
    raw = bytearray(range(10))
    x = ndb.asarray(_Interface(shape=(4,), typestr="|u1", data=raw, offset=3))
    assert x.tolist() == [3, 4, 5, 6] and not x.readonly
    x[0] = 99
    assert raw[3] == 99
    with pytest.raises(ValueError, match="reaches bytes"):
        ndb.asarray(_Interface(shape=(8,), typestr="|u1", data=raw, offset=3))


@pytest.mark.parametrize("api", [8, 0, "x"], ids=["int", "zero", "str"])
def test_a_bogus_exchange_api_attribute_is_ignored_not_dereferenced(api):
    class Producer(DLPackProducer):
        __dlpack_c_exchange_api__ = api

    a = np.arange(3.0)
    assert ndb.asarray(Producer(a)).data_ptr == np_ptr(a)


def test_huge_slice_bounds_clamp_as_in_python():
    x = ndb.asarray(np.arange(5))
    assert x[10**20:].shape == (0,)
    assert x[-(10**20):2].tolist() == [0, 1]
    assert x[::10**20].tolist() == [0]
