"""Arrow data in through the PyCapsule interface: every primitive, bool, time, dictionary and string type,
with and without nulls, chunked and sliced; zero-copy views that keep the Arrow data alive; tables as 2-D."""

import gc

import numpy as np
import pyarrow as pa
import pytest

import ndbridge as ndb

NUMBER_TYPES = [
    (pa.int8(), np.int8),
    (pa.int16(), np.int16),
    (pa.int32(), np.int32),
    (pa.int64(), np.int64),
    (pa.uint8(), np.uint8),
    (pa.uint16(), np.uint16),
    (pa.uint32(), np.uint32),
    (pa.uint64(), np.uint64),
    (pa.float16(), np.float16),
    (pa.float32(), np.float32),
    (pa.float64(), np.float64),
]


def as_numpy(x):
    return np.asarray(x)


@pytest.mark.parametrize("arrow_type, numpy_type", NUMBER_TYPES, ids=lambda t: str(t))
def test_every_primitive_keeps_its_dtype_and_values(arrow_type, numpy_type):
    values = np.array([0, 1, 2, 3, 100, 7], dtype=numpy_type)
    arr = pa.array(values, type=arrow_type)
    out = ndb.asarray(arr)
    assert out.dtype == ndb.dtype(np.dtype(numpy_type).name)
    np.testing.assert_array_equal(as_numpy(out), values)


@pytest.mark.parametrize("arrow_type, numpy_type", NUMBER_TYPES, ids=lambda t: str(t))
def test_a_null_free_chunk_is_a_read_only_view_of_the_arrow_buffer(arrow_type, numpy_type):
    arr = pa.array(np.arange(10, dtype=numpy_type), type=arrow_type).slice(3, 5)
    out = ndb.asarray(arr)
    itemsize = np.dtype(numpy_type).itemsize
    assert out.data_ptr == arr.buffers()[1].address + 3 * itemsize
    assert out.readonly
    with pytest.raises(ValueError):
        out[0] = 1
    np.testing.assert_array_equal(as_numpy(out), np.arange(3, 8, dtype=numpy_type))


def test_a_view_keeps_the_arrow_data_alive():
    base = pa.total_allocated_bytes()
    arr = pa.array([float(i) for i in range(1000)])  # allocated in pyarrow's pool, which counts its bytes
    out = ndb.asarray(arr)
    del arr
    gc.collect()
    assert pa.total_allocated_bytes() >= base + 8000  # still held by the view
    np.testing.assert_array_equal(as_numpy(out), np.arange(1000, dtype=np.float64))
    del out
    gc.collect()
    assert pa.total_allocated_bytes() == base  # released once, when the view is gone


def test_a_copy_releases_the_arrow_data_at_once():
    base = pa.total_allocated_bytes()
    arr = pa.chunked_array([[float(i) for i in range(500)], [1.0] * 500])
    out = ndb.asarray(arr, dtype="float32")
    assert pa.total_allocated_bytes() >= base + 8000
    del arr
    gc.collect()
    assert pa.total_allocated_bytes() == base
    assert out.shape == (1000,)


def test_float_nulls_become_nan_and_integer_nulls_are_a_value_error_with_the_count():
    out = as_numpy(ndb.asarray(pa.array([1.5, None, 3.0])))
    assert np.isnan(out[1]) and out[0] == 1.5 and out[2] == 3.0
    with pytest.raises(ValueError, match="2"):
        ndb.asarray(pa.array([1, None, 3, None], type=pa.int32()))
    np.testing.assert_array_equal(as_numpy(ndb.asarray(pa.array([1, None, 3]), dtype="float64")), [1, np.nan, 3])


@pytest.mark.parametrize("offset", [0, 1, 5, 8, 13])
def test_nulls_of_a_sliced_array_follow_the_bitmap_offset(offset):
    values = [None if i % 3 == 0 else float(i) for i in range(40)]
    arr = pa.array(values).slice(offset, 20)
    expected = np.array([np.nan if v is None else v for v in values[offset : offset + 20]])
    np.testing.assert_array_equal(as_numpy(ndb.asarray(arr)), expected)


@pytest.mark.parametrize("offset", [0, 3, 9])
def test_bools_are_unpacked_from_their_bits(offset):
    values = [bool((i * 7) % 3) for i in range(30)]
    arr = pa.array(values).slice(offset, 17)
    out = ndb.asarray(arr)
    assert out.dtype == ndb.bool_
    np.testing.assert_array_equal(as_numpy(out), np.array(values[offset : offset + 17]))
    with pytest.raises(ValueError, match="1"):
        ndb.asarray(pa.array([True, None, False]))
    np.testing.assert_array_equal(as_numpy(ndb.asarray(pa.array([True, None]), dtype="float32")), [1.0, np.nan])


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
@pytest.mark.parametrize("tz", [None, "UTC", "Asia/Tokyo"])
def test_timestamps_keep_their_unit_and_are_utc(unit, tz):
    ints = np.array([0, 1_600_000_000, -5, 7])
    arr = pa.array(ints, type=pa.timestamp(unit, tz=tz))
    out = as_numpy(ndb.asarray(arr))
    assert out.dtype == np.dtype(f"datetime64[{unit}]")
    np.testing.assert_array_equal(out.view(np.int64), ints)


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_durations_and_time_nulls_are_nat(unit):
    arr = pa.array([5, None, -2], type=pa.duration(unit))
    out = as_numpy(ndb.asarray(arr))
    assert out.dtype == np.dtype(f"timedelta64[{unit}]")
    assert out[0] == np.timedelta64(5, unit) and np.isnat(out[1]) and out[2] == np.timedelta64(-2, unit)


def test_dates_and_times_of_day():
    d32 = pa.array([0, 19000, -1], type=pa.date32())
    np.testing.assert_array_equal(as_numpy(ndb.asarray(d32)), np.array([0, 19000, -1], dtype="datetime64[D]"))
    d64 = pa.array([86_400_000, None], type=pa.date64())
    out = as_numpy(ndb.asarray(d64))
    assert out.dtype == np.dtype("datetime64[ms]") and out[0] == np.datetime64(86_400_000, "ms") and np.isnat(out[1])
    t32 = pa.array([3600, 7], type=pa.time32("s")).slice(1)
    np.testing.assert_array_equal(as_numpy(ndb.asarray(t32)), np.array([7], dtype="timedelta64[s]"))
    t64 = pa.array([10**9], type=pa.time64("ns"))
    np.testing.assert_array_equal(as_numpy(ndb.asarray(t64)), np.array([10**9], dtype="timedelta64[ns]"))


def test_dictionary_arrays_read_as_their_codes():
    arr = pa.array(["b", "a", "b", "c"]).dictionary_encode()
    out = ndb.asarray(arr)
    np.testing.assert_array_equal(as_numpy(out), arr.indices.to_numpy())
    with pytest.raises(ValueError, match="1"):
        ndb.asarray(pa.array(["x", None]).dictionary_encode())


@pytest.mark.parametrize(
    "arr",
    [pa.array(["a", "b"]), pa.array(["a"], pa.large_string()), pa.array([b"x"]), pa.array(["a"], pa.string_view())],
    ids=["utf8", "large_utf8", "binary", "string_view"],
)
def test_strings_are_type_errors_naming_the_type(arr):
    with pytest.raises(TypeError, match="not numbers"):
        ndb.asarray(arr)


def test_chunked_arrays_are_written_chunk_by_chunk_in_order():
    chunked = pa.chunked_array([pa.array([1.0, None, 3.0]), pa.array([4.0]).slice(0, 1), pa.array([], pa.float64())])
    out = as_numpy(ndb.asarray(chunked))
    np.testing.assert_array_equal(out, [1.0, np.nan, 3.0, 4.0])
    with pytest.raises(ndb.CopyError, match="chunks"):
        ndb.asarray(pa.chunked_array([[1.0], [2.0]]), copy=False)
    view = ndb.asarray(pa.chunked_array([[1.0, 2.0]]), copy=False)  # one chunk: still a view
    assert view.readonly


def test_tables_are_two_dimensional_in_the_requested_dtype_and_order():
    rng = np.random.default_rng(0)
    cols = {f"c{i}": rng.standard_normal(50) for i in range(4)}
    table = pa.Table.from_batches(pa.table(cols).to_batches(max_chunksize=16))
    assert table["c0"].num_chunks > 1
    out = as_numpy(ndb.asarray(table, dtype="float32"))
    assert out.shape == (50, 4) and out.dtype == np.float32 and out.flags.c_contiguous
    np.testing.assert_array_equal(out, np.column_stack(list(cols.values())).astype(np.float32))
    f = as_numpy(ndb.asarray(table, order="F"))
    assert f.flags.f_contiguous and f.dtype == np.float64
    np.testing.assert_array_equal(f, np.column_stack(list(cols.values())))


def test_mixed_tables_promote_and_record_batches_are_tables():
    batch = pa.record_batch({"i": pa.array([1, 2], pa.int32()), "f": pa.array([0.5, None], pa.float32())})
    out = as_numpy(ndb.asarray(batch))
    assert out.dtype == np.float64
    np.testing.assert_array_equal(out, [[1, 0.5], [2, np.nan]])
    sliced = as_numpy(ndb.asarray(batch.slice(1)))
    np.testing.assert_array_equal(sliced, [[2, np.nan]])


def test_a_string_column_in_a_table_is_named():
    table = pa.table({"x": [1.0], "city": ["Oslo"]})
    with pytest.raises(TypeError, match="'city'"):
        ndb.asarray(table)


def test_torch_gets_a_writable_copy_of_arrow_data():
    torch = pytest.importorskip("torch")
    t = ndb.asarray(pa.array([1.0, 2.0]), like="torch")
    assert isinstance(t, torch.Tensor) and t.tolist() == [1.0, 2.0]
    t2 = ndb.asarray(pa.table({"a": [1, 2], "b": [3, 4]}), like="torch", dtype="float32")
    assert t2.shape == (2, 2) and t2.dtype == torch.float32


def test_polars_series_and_frames_read_through_the_stream():
    pl = pytest.importorskip("polars")
    s = pl.Series("a", [1.0, None, 3.0])
    np.testing.assert_array_equal(as_numpy(ndb.asarray(s)), [1.0, np.nan, 3.0])
    df = pl.DataFrame({"a": [1, 2, 3], "b": [0.5, 1.5, 2.5]})
    np.testing.assert_array_equal(as_numpy(ndb.asarray(df)), df.to_numpy())
    cat = pl.Series(["x", "y", "x"], dtype=pl.Categorical)
    codes = as_numpy(ndb.asarray(cat))
    assert codes[0] == codes[2] != codes[1]


def test_the_null_type_is_all_nan():
    out = as_numpy(ndb.asarray(pa.nulls(3)))
    assert out.dtype == np.float64 and np.isnan(out).all()


@pytest.mark.parametrize(
    "arr",
    [pa.array([[1.0]]), pa.array([1], pa.decimal128(5, 2)), pa.array([{"a": 1}]).field(0).cast(pa.int64()).cast(pa.string())],
    ids=["list", "decimal", "string-cast"],
)
def test_nested_and_decimal_types_are_type_errors(arr):
    with pytest.raises(TypeError, match="not numbers"):
        ndb.asarray(arr)


def test_a_table_with_a_dictionary_column_gives_its_codes():
    table = pa.table({"v": [1.0, 2.0, 3.0], "cat": pa.array(["x", "y", "x"]).dictionary_encode()})
    out = as_numpy(ndb.asarray(table))
    np.testing.assert_array_equal(out, [[1.0, 0], [2.0, 1], [3.0, 0]])


def test_errors_name_the_entry_point_once():
    with pytest.raises(TypeError) as info:
        ndb.asarray(pa.table({"city": ["Oslo"]}))
    message = str(info.value)
    assert message.startswith("asarray: ") and "asarray: asarray" not in message
    assert "'city'" in message and "utf8 string" in message


def test_a_dictionary_index_past_the_dictionary_is_refused_before_it_is_read():
    # pyarrow builds it only when told not to check (safe=False); ndbridge checks every valid index.
    bad = pa.DictionaryArray.from_arrays(pa.array([0, 1, 7], pa.int32()), pa.array(["a", "b"]), safe=False)
    with pytest.raises(ValueError, match=r"dictionary index 7 at element 2 is outside the dictionary's 2 values"):
        ndb.asarray(bad)
    table = pa.table({"v": [1.0, 2.0, 3.0], "cat": bad})
    with pytest.raises(ValueError, match="Arrow column 'cat': dictionary index 7"):
        ndb.from_dataframe(table, dtype="float64")
    sliced = bad.slice(0, 2)  # the bad index is outside the slice: the array the consumer sees is valid
    np.testing.assert_array_equal(np.asarray(ndb.asarray(sliced)), [0, 1])
