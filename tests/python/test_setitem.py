"""ndb.Array.__setitem__ of Python scalars: the write lands exactly where NumPy's own assignment would,
with NumPy's value conversion, and a refused value writes nothing."""
import math
import struct

import ml_dtypes
import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb
from conftest import COMPLEX_DTYPES, FLOAT_DTYPES, INT_DTYPES, ML_DTYPES, NUMERIC_DTYPES, dtype_id
from test_views import KEYS, key_id

TARGETS = {
    "c_int64": lambda: np.arange(60, dtype=np.int64).reshape(3, 4, 5),
    "f_float64": lambda: np.asfortranarray(np.arange(60, dtype=np.float64).reshape(3, 4, 5)),
    "negative_strides_int16": lambda: np.arange(120, dtype=np.int16).reshape(6, 4, 5)[::-2, :, ::-1],
    "big_endian_i4_permuted": lambda: np.arange(60, dtype=">i4").reshape(5, 3, 4).transpose(1, 2, 0)[:, :, :],
    "big_endian_f8": lambda: np.arange(60, dtype=">f8").reshape(3, 4, 5),
    "unaligned_f8": lambda: _unaligned_3d(),
}


def _unaligned_3d():
    a = np.frombuffer(bytearray(8 * 60 + 1), dtype=np.uint8, offset=1).view(np.float64).reshape(3, 4, 5)
    a[...] = np.arange(60).reshape(3, 4, 5)
    return a


@pytest.mark.parametrize("key", KEYS, ids=key_id)
@pytest.mark.parametrize("name", sorted(TARGETS))
def test_scalar_assignment_writes_where_numpy_would(name, key):
    a = TARGETS[name]()
    expected = a.copy()
    expected[key] = -7
    ndb.asarray(a)[key] = -7
    assert np.array_equal(a, expected)
    assert a.tobytes() == expected.astype(a.dtype).tobytes()


def test_assignment_through_a_view_of_a_view_lands_in_numpy():
    a = np.zeros((4, 6), dtype=np.int32)
    v = ndb.asarray(a)[::-1].T[1::2]
    v[1] = 5
    expected = np.zeros((4, 6), dtype=np.int32)
    expected[::-1].T[1::2][1] = 5
    assert np.array_equal(a, expected)


def test_assignment_to_an_empty_view_writes_nothing():
    a = np.arange(6)
    ndb.asarray(a)[3:1] = 100
    assert a.tolist() == list(range(6))


# ---------------------------------------------------------------------------------------------- values

INT_VALUES = [0, 1, -1, 127, -128, 255, 2**15 - 1, -2**15, 2**31 - 1, 2**32 - 1, 2**63 - 1, -2**63, 2**64 - 1, True, False]


def same_bits(a, b):
    """Equal element bits. x87 long double keeps 10 value bytes in 16; the padding carries garbage, so
    those compare by value, NaN and the sign of zero included."""
    if a.dtype in (np.dtype(np.longdouble), np.dtype(np.clongdouble)):
        return (np.array_equal(a, b, equal_nan=True) and np.array_equal(np.signbit(a.real), np.signbit(b.real))
                and np.array_equal(np.signbit(a.imag), np.signbit(b.imag)))
    return a.tobytes() == b.tobytes()


def _fits(dtype, v):
    info = np.iinfo(dtype)
    return info.min <= int(v) <= info.max


@pytest.mark.parametrize("value", INT_VALUES, ids=repr)
@pytest.mark.parametrize("dtype", INT_DTYPES, ids=dtype_id)
def test_int_into_integer_dtype_matches_numpy_or_overflows(dtype, value):
    a = np.zeros(3, dtype=dtype)
    x = ndb.asarray(a)
    if _fits(dtype, value):
        x[1] = value
        expected = np.zeros(3, dtype=dtype)
        expected[1] = value
        assert a.tobytes() == expected.tobytes()
    else:
        with pytest.raises(OverflowError):
            expected = np.zeros(3, dtype=dtype)
            expected[1] = value  # NumPy 2 refuses out-of-range Python ints too
        with pytest.raises(OverflowError, match="out of bounds"):
            x[1] = value
        assert not a.any()


@pytest.mark.parametrize("value,dtype", [(300, np.int8), (-129, np.int8), (-1, np.uint8), (256, np.uint8),
                                         (2**63, np.int64), (-1, np.uint64), (2**32, np.uint32), (-2**31 - 1, np.int32)],
                         ids=repr)
def test_out_of_range_int_is_an_overflow_error_naming_value_and_dtype(value, dtype):
    a = np.zeros(2, dtype=dtype)
    with pytest.raises(OverflowError, match=f"{value}.*{np.dtype(dtype).name}"):
        ndb.asarray(a)[:] = value
    assert not a.any()


@pytest.mark.parametrize("value", [2**64, -2**63 - 1, 10**30, -10**30], ids=repr)
@pytest.mark.parametrize("dtype", [np.int64, np.uint64, np.float64, np.int8], ids=dtype_id)
def test_int_beyond_64_bits_is_an_overflow_error(dtype, value):
    a = np.zeros(2, dtype=dtype)
    with pytest.raises(OverflowError, match="64 bits"):
        ndb.asarray(a)[0] = value
    assert not a.any()


@pytest.mark.parametrize("value", [2.9, -2.9, 0.5, -0.0, 126.99, 1e3])
@pytest.mark.parametrize("dtype", INT_DTYPES, ids=dtype_id)
def test_float_into_integer_truncates_toward_zero_as_numpy(dtype, value):
    a = np.zeros(2, dtype=dtype)
    x = ndb.asarray(a)
    if not (np.iinfo(dtype).min <= math.trunc(value) <= np.iinfo(dtype).max):
        with pytest.raises(OverflowError, match="out of bounds"):
            x[0] = value
        assert not a.any()
        return
    x[0] = value
    expected = np.zeros(2, dtype=dtype)
    expected[0] = value
    assert a.tolist() == expected.tolist() == [math.trunc(value), 0]


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")], ids=repr)
@pytest.mark.parametrize("dtype", INT_DTYPES, ids=dtype_id)
def test_nan_into_integer_is_a_value_error_inf_an_overflow_error_as_numpy(dtype, value):
    a = np.arange(3, dtype=dtype)
    expected = ValueError if value != value else OverflowError
    with pytest.raises(expected):
        np.arange(3, dtype=dtype)[0] = value
    with pytest.raises(expected, match="cannot convert float"):
        ndb.asarray(a)[:] = value
    assert a.tolist() == [0, 1, 2]


FLOAT_VALUES = [0.0, -0.0, 1.0, 0.1, -2.5, 1 / 3, 65504.0, 65520.0, 1e-8, 6e-8, 3.0e38, 3.5e38, 1e300, -1e-320,
                float("inf"), float("-inf"), 1 + 2**-11 + 2**-40, 1 + 2**-24 + 2**-60, 2**60 + 1, True, 7, -(2**63),
                2**64 - 1]


@pytest.mark.parametrize("value", FLOAT_VALUES, ids=repr)
@pytest.mark.parametrize("dtype", FLOAT_DTYPES + COMPLEX_DTYPES, ids=dtype_id)
def test_number_into_float_or_complex_has_numpys_bits(dtype, value):
    a = np.zeros(2, dtype=dtype)
    ndb.asarray(a)[1] = value
    expected = np.zeros(2, dtype=dtype)
    with np.errstate(over="ignore"):
        expected[1] = value
    assert same_bits(a, expected)


@pytest.mark.parametrize("value", FLOAT_VALUES + [1 + 2**-8 + 2**-30, 1 + 2**-8, 1 + 3 * 2**-8, 448.0, 464.0, 57344.0,
                                                  61440.0, 2**-9, 2**-10, 3 * 2**-11, 2**-16, 2**-17],
                         ids=repr)
@pytest.mark.parametrize("dtype", ML_DTYPES, ids=dtype_id)
def test_number_into_bfloat16_and_float8_has_ml_dtypes_bits(dtype, value):
    a = np.zeros(2, dtype=dtype)
    ndb.asarray(a)[0] = value
    with np.errstate(over="ignore"):
        expected = np.array([float(value), 0.0]).astype(dtype)
    assert a.view(np.uint8).tolist() == expected.view(np.uint8).tolist()


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64, ml_dtypes.bfloat16, ml_dtypes.float8_e5m2],
                         ids=dtype_id)
def test_nan_into_float_reads_back_as_nan(dtype):
    a = np.zeros(1, dtype=dtype)
    x = ndb.asarray(a)
    x[0] = float("nan")
    assert math.isnan(x[0]) and np.isnan(a[0].astype(np.float64))


def test_float16_rounds_once_from_double():
    # 1 + 2**-11 + 2**-40 lies just above a tie; rounding through float32 first would give 1.0.
    a = np.zeros(1, dtype=np.float16)
    ndb.asarray(a)[0] = 1 + 2**-11 + 2**-40
    assert a.view(np.uint16)[0] == np.float16(1 + 2**-11 + 2**-40).view(np.uint16) == 0x3C01


def test_int_into_float32_rounds_once():
    a = np.zeros(1, dtype=np.float32)
    ndb.asarray(a)[0] = 2**60 + 2**36 + 1  # above the tie at 2**36: rounds up only when rounded once
    assert a[0] == np.float32(2**60 + 2**37)


@pytest.mark.parametrize("value", [1 + 2j, 3, -0.5j, True, 2.5, complex("nan+1j"), complex(1e300, -1e-300)], ids=repr)
@pytest.mark.parametrize("dtype", COMPLEX_DTYPES + [">c16", ">c8"], ids=dtype_id)
def test_complex_targets_take_numpys_values(dtype, value):
    a = np.zeros(2, dtype=dtype)
    x = ndb.asarray(a)
    x[0] = value
    expected = np.zeros(2, dtype=dtype)
    with np.errstate(over="ignore", under="ignore"):
        expected[0] = value
    assert same_bits(a, expected)


@pytest.mark.parametrize("value", [1j, 1 + 0j, complex(0, -0.0)], ids=repr)
@pytest.mark.parametrize("dtype", INT_DTYPES + FLOAT_DTYPES + ML_DTYPES, ids=dtype_id)
def test_complex_into_real_dtype_is_a_type_error(dtype, value):
    # (bool takes the truthiness of any number, complex included, as NumPy: see test_bool_target...)
    a = np.zeros(2, dtype=dtype)
    with pytest.raises(TypeError, match="complex"):
        ndb.asarray(a)[0] = value
    assert not a.view(np.uint8).any()


@pytest.mark.parametrize("value", [5, 0, 0.0, -0.5, 1j, 0j, True, False, 2**64 - 1], ids=repr)
def test_bool_target_takes_truthiness_as_numpy(value):
    a = np.zeros(2, dtype=bool)
    ndb.asarray(a)[1] = value
    expected = np.zeros(2, dtype=bool)
    expected[1] = value
    assert a.tolist() == expected.tolist()


@pytest.mark.parametrize("value", ["a", "1", b"1", b"x"], ids=repr)
@pytest.mark.parametrize("dtype", NUMERIC_DTYPES + ML_DTYPES, ids=dtype_id)
def test_strings_into_numbers_are_a_type_error(dtype, value):
    # Deliberate difference: NumPy parses a str ("1" -> 1); DESIGN.md §4 makes strings for numbers a TypeError.
    a = np.zeros(2, dtype=dtype)
    with pytest.raises(TypeError, match="cannot store"):
        ndb.asarray(a)[0] = value
    assert not a.view(np.uint8).any()


MEMORY_VALUES = {
    "ndarray": lambda: np.arange(4), "ndarray_0d": lambda: np.array(3), "ndarray_f32": lambda: np.full(4, 2.5, np.float32),
    "ndb_array": lambda: ndb.asarray(np.arange(4)), "bytearray": lambda: bytearray(b"ab"),
    "memoryview": lambda: memoryview(b"ab"), "memoryview_i8": lambda: memoryview(np.arange(4)),
}


@pytest.mark.parametrize("name", sorted(MEMORY_VALUES))
def test_arrays_and_buffers_assign_as_numpy(name):
    a = np.zeros(4, dtype=np.int64)
    expected = a.copy()
    try:
        expected[:] = np.asarray(MEMORY_VALUES[name]())
    except ValueError:
        with pytest.raises(ValueError, match="broadcast"):
            ndb.asarray(a)[:] = MEMORY_VALUES[name]()
        assert not a.any()
        return
    ndb.asarray(a)[:] = MEMORY_VALUES[name]()
    np.testing.assert_array_equal(a, expected)


# Values that are not scalars: everything asarray reads. Each is assigned to the same key of an ndb view
# and of the NumPy array itself, and the two results must be equal (values and dtype of the target).
ASSIGNED = {
    "list1": lambda: [7],
    "tuple1": lambda: (7,),
    "list4": lambda: [1, 2, 3, 4],
    "range": lambda: range(4),
    "tuple_floats": lambda: (1.9, -2.5, 3.25, 4.0),
    "nested_rows": lambda: [[1, 2, 3, 4]] * 2,
    "bools": lambda: [True, False, True, True],
    "torch_tensor": lambda: torch.tensor([1.5, 2.5, 3.5, 4.5]),
    "torch_int_tensor": lambda: torch.arange(4, dtype=torch.int16),
    "pandas_series": lambda: pd.Series([10, 20, 30, 40]),
    "numpy_0d": lambda: np.array(9.75),
    "bytearray_u8": lambda: bytearray(b"\x01\x02\x03\x04"),
}


@pytest.mark.parametrize("target_dtype", [np.int64, np.float32, np.uint8, np.complex128], ids=dtype_id)
@pytest.mark.parametrize("name", sorted(ASSIGNED))
def test_array_likes_assign_as_numpy(name, target_dtype):
    expected = np.zeros((3, 4), dtype=target_dtype)
    got = np.zeros((3, 4), dtype=target_dtype)
    try:
        expected[1:] = ASSIGNED[name]()
    except (OverflowError, ValueError, TypeError) as e:  # NumPy refuses: so must ndbridge, writing nothing
        with pytest.raises(type(e)):
            ndb.asarray(got)[1:] = ASSIGNED[name]()
        assert not got.any()
        return
    ndb.asarray(got)[1:] = ASSIGNED[name]()
    np.testing.assert_array_equal(got, expected)


def test_sequence_assignment_broadcasts_along_rows_and_casts():
    a = np.zeros((2, 3), dtype=np.int32)
    ndb.asarray(a)[...] = [1.9, -2.9, 3]
    np.testing.assert_array_equal(a, [[1, -2, 3], [1, -2, 3]])


def test_sequence_element_out_of_range_raises_as_numpy_and_writes_nothing():
    a = np.zeros(3, dtype=np.uint8)
    with pytest.raises(OverflowError):
        np.zeros(3, dtype=np.uint8)[:] = [1, 300, 2]
    with pytest.raises(OverflowError, match="300"):
        ndb.asarray(a)[:] = [1, 300, 2]
    assert not a.any()


def test_ragged_sequence_assignment_writes_nothing():
    a = np.zeros((2, 2))
    with pytest.raises(ValueError, match="inhomogeneous"):
        ndb.asarray(a)[:] = [[1.0, 2.0], [3.0]]
    assert not a.any()


def test_tensor_assignment_into_a_strided_view():
    a = np.zeros((4, 6), dtype=np.float64)
    expected = a.copy()
    t = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    expected[::2, ::2] = t.numpy()
    ndb.asarray(a)[::2, ::2] = t
    np.testing.assert_array_equal(a, expected)


@pytest.mark.parametrize("value", [None, object(), {1: 2}, slice(1)], ids=["None", "object", "dict", "slice"])
def test_non_scalars_are_a_type_error(value):
    a = np.zeros(2)
    with pytest.raises(TypeError):
        ndb.asarray(a)[0] = value
    assert not a.any()


@pytest.mark.parametrize("value,dtype", [(np.int16(-5), np.int8), (np.float32(2.5), np.float64), (np.uint64(2**64 - 1), np.uint64),
                                         (np.float64(3.9), np.int32), (np.bool_(True), np.float32), (np.complex64(1 + 1j), np.complex128),
                                         (np.str_("ab"), "U3"), (np.bytes_(b"ab"), "S3")],
                         ids=repr)
def test_numpy_scalars_store_their_value(value, dtype):
    a = np.zeros(2, dtype=dtype)
    ndb.asarray(a)[0] = value
    expected = np.zeros(2, dtype=dtype)
    expected[0] = value
    assert a.tolist() == expected.tolist()


def test_numpy_datetime_scalar_is_a_type_error():
    a = np.zeros(2, dtype="M8[s]")
    with pytest.raises(TypeError, match="datetime64"):
        ndb.asarray(a)[0] = np.datetime64("NaT")


# ---------------------------------------------------------------------------------------------- byte order, strings, time

@pytest.mark.parametrize("dtype,value", [(">i4", 0x01020304), (">u2", 0xBEEF), (">i8", -2), (">f4", 0.1), (">f8", -1 / 3),
                                         (">c8", 1.5 - 2j), (">f2", 65504.0), ("<i4", 0x01020304)],
                         ids=repr)
def test_non_native_byte_order_stores_swapped_bytes(dtype, value):
    a = np.zeros(3, dtype=dtype)
    x = ndb.asarray(a)
    x[1] = value
    expected = np.zeros(3, dtype=dtype)
    expected[1] = value
    assert a.tobytes() == expected.tobytes()
    assert x[1] == expected[1].item()


def test_big_endian_int_bytes_are_most_significant_first():
    a = np.zeros(1, dtype=">i4")
    ndb.asarray(a)[0] = 0x01020304
    assert a.tobytes() == b"\x01\x02\x03\x04"


@pytest.mark.parametrize("dtype", ["S3", "U3", ">U3"])
def test_strings_are_truncated_and_nul_padded_as_numpy(dtype):
    a = np.array(["zzz", "zzz", "zzz"], dtype=dtype)
    x = ndb.asarray(a)
    values = [b"abcd", b"a", b""] if dtype == "S3" else ["abcd", "\u00e9", ""]
    expected = a.copy()
    for i, v in enumerate(values):
        x[i] = v
        expected[i] = v
    assert a.tobytes() == expected.tobytes()


@pytest.mark.parametrize("dtype,value", [("S3", "ab"), ("U3", b"ab"), ("S3", 1), ("U3", 1.5)], ids=repr)
def test_string_kind_mismatch_is_a_type_error(dtype, value):
    a = np.array(["zz"], dtype=dtype)
    with pytest.raises(TypeError, match="cannot store"):
        ndb.asarray(a)[0] = value
    assert a.tolist() == (["zz"] if dtype == "U3" else [b"zz"])


@pytest.mark.parametrize("dtype", ["M8[s]", "M8[D]", "m8[ns]", "m8[s]"])
def test_integer_counts_store_into_time_types_as_numpy(dtype):
    a = np.zeros(2, dtype=dtype)
    ndb.asarray(a)[1] = 86400
    expected = np.zeros(2, dtype=dtype)
    expected[1] = 86400
    assert a.tobytes() == expected.tobytes()


def test_float_into_time_type_is_a_type_error():
    a = np.zeros(2, dtype="M8[s]")
    with pytest.raises(TypeError, match="integer count"):
        ndb.asarray(a)[0] = 1.5


# ---------------------------------------------------------------------------------------------- read-only

def _readonly_targets():
    ro = np.arange(6.0)
    ro.flags.writeable = False
    return {
        "numpy_flag": ro,
        "broadcast": np.broadcast_to(np.arange(3.0), (2, 3)),
        "frombuffer_bytes": np.frombuffer(b"\x01" * 16, dtype=np.int32),
        "bytes": b"abcdef",
    }


@pytest.mark.parametrize("name", sorted(_readonly_targets()))
@pytest.mark.parametrize("key", [0, slice(None), ..., (slice(None, None, -1),), slice(5, 0)], ids=key_id)
def test_write_into_readonly_is_a_value_error_and_writes_nothing(name, key):
    src = _readonly_targets()[name]
    before = bytes(memoryview(src).tobytes()) if isinstance(src, bytes) else src.tobytes()
    x = ndb.asarray(src)
    assert x.readonly
    with pytest.raises(ValueError, match="read-only"):
        x[key] = 1
    after = bytes(src) if isinstance(src, bytes) else src.tobytes()
    assert after == before


def test_readonly_wins_over_a_bad_value():
    # A read-only destination is refused whatever the value, so the message names the real problem.
    ro = np.arange(3, dtype=np.int8)
    ro.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        ndb.asarray(ro)[0] = 300


def test_failed_conversion_leaves_a_multi_element_target_untouched():
    a = np.arange(12, dtype=np.int8).reshape(3, 4)
    x = ndb.asarray(a)
    for bad in (300, float("nan"), 1j, "x"):
        with pytest.raises((OverflowError, ValueError, TypeError)):
            x[::-1, 1:] = bad
    assert a.tolist() == np.arange(12).reshape(3, 4).tolist()


def test_float32_element_bits_match_struct_packing():
    a = np.zeros(1, dtype=np.float32)
    ndb.asarray(a)[0] = 0.1
    assert a.tobytes() == struct.pack("=f", 0.1)
