"""ndb.Array out as Arrow (__arrow_c_array__, __arrow_c_schema__): exact dtypes, zero-copy memory shared both
ways, the export keeping the array's memory alive, 2-D arrays as fixed-size lists, typed refusals."""

import gc

import numpy as np
import pyarrow as pa
import pytest

import ndbridge as ndb

DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64"]


@pytest.mark.parametrize("dtype", DTYPES)
def test_one_d_arrays_export_zero_copy_with_their_exact_dtype(dtype):
    src = np.arange(6).astype(dtype)
    x = ndb.asarray(src)
    arr = pa.array(x)
    assert arr.type == pa.from_numpy_dtype(np.dtype(dtype))
    assert arr.buffers()[1].address == x.data_ptr
    np.testing.assert_array_equal(arr.to_numpy(), src)


def test_float32_stays_float32_and_mutation_is_seen_both_ways():
    src = np.zeros(4, dtype=np.float32)
    arr = pa.array(ndb.asarray(src))
    assert arr.type == pa.float32()
    src[2] = 7.5
    assert arr[2].as_py() == 7.5
    back = np.frombuffer(arr.buffers()[1], dtype=np.float32, count=4)
    assert back.ctypes.data == src.ctypes.data


def test_the_export_keeps_the_memory_alive():
    x = ndb.asarray(np.arange(1000, dtype=np.int64) * 3)
    address = x.data_ptr
    arr = pa.array(x)
    del x
    gc.collect()
    _ = [np.ones(1000) for _ in range(50)]  # reuse freed memory, were it freed
    assert arr.buffers()[1].address == address
    np.testing.assert_array_equal(arr.to_numpy(), np.arange(1000) * 3)


def test_strided_arrays_are_exported_as_a_contiguous_copy():
    src = np.arange(10.0)
    x = ndb.asarray(src)[::2]
    arr = pa.array(x)
    np.testing.assert_array_equal(arr.to_numpy(), src[::2])
    assert arr.buffers()[1].address != x.data_ptr


def test_bools_are_packed_to_bits():
    values = np.array([True, False, True, True, False, False, True, False, True])
    arr = pa.array(ndb.asarray(values))
    assert arr.type == pa.bool_()
    assert arr.to_pylist() == values.tolist()


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_times_export_as_timestamps_and_durations(unit):
    dt = np.array([0, 10**6], dtype=f"datetime64[{unit}]")
    arr = pa.array(ndb.asarray(dt))
    assert arr.type == pa.timestamp(unit)
    np.testing.assert_array_equal(arr.to_numpy(), dt)
    td = pa.array(ndb.asarray(np.array([5, -3], dtype=f"timedelta64[{unit}]")))
    assert td.type == pa.duration(unit)


def test_two_d_c_contiguous_arrays_are_fixed_size_lists_sharing_memory():
    src = np.arange(12, dtype=np.float32).reshape(4, 3)
    x = ndb.asarray(src)
    arr = pa.array(x)
    assert arr.type == pa.list_(pa.float32(), 3)
    assert len(arr) == 4
    assert arr.values.buffers()[1].address == x.data_ptr
    np.testing.assert_array_equal(arr.values.to_numpy().reshape(4, 3), src)
    f = pa.array(ndb.asarray(np.asfortranarray(src)))  # copied to C order first
    np.testing.assert_array_equal(f.values.to_numpy().reshape(4, 3), src)


def test_schema_capsule_alone():
    x = ndb.asarray(np.arange(3, dtype=np.uint16))
    assert pa.DataType._import_from_c_capsule(x.__arrow_c_schema__()) == pa.uint16()


def test_arrays_arrow_cannot_hold_are_type_errors():
    with pytest.raises(TypeError, match="complex128"):
        pa.array(ndb.asarray(np.array([1j])))
    with pytest.raises(TypeError, match="datetime64\\[D\\]"):
        ndb.asarray(np.array(["2020-01-01"], dtype="datetime64[D]")).__arrow_c_array__()
    with pytest.raises(ValueError, match="3-d"):
        ndb.asarray(np.zeros((2, 2, 2))).__arrow_c_array__()
    with pytest.raises(TypeError, match="byte order"):
        ndb.asarray(np.arange(3, dtype=">i4")).__arrow_c_array__()


def test_round_trip_through_arrow_and_back_is_the_same_memory():
    x = ndb.asarray(np.arange(5.0))
    y = ndb.asarray(pa.array(x))
    assert y.data_ptr == x.data_ptr
    assert y.readonly


def test_polars_takes_the_export():
    pl = pytest.importorskip("polars")
    x = ndb.asarray(np.arange(4, dtype=np.float32))
    s = pl.Series(pa.array(x))
    assert s.dtype == pl.Float32
    assert s.to_list() == [0.0, 1.0, 2.0, 3.0]
