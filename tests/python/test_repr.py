"""repr/str of ndb.Array: NumPy's text with 'Array(' for 'array(' where the formatting is NumPy's."""
import ml_dtypes
import numpy as np
import pytest

import ndbridge as ndb


def _random_ints(dtype, shape, seed):
    info = np.iinfo(dtype)
    return np.random.default_rng(seed).integers(info.min, info.max, size=shape, dtype=dtype, endpoint=True)


def _random_floats(dtype, shape, seed, scale=1.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


MATCHING = {
    "complex_part_alignment": lambda: np.array([1 + 1j, -2.5 - 0.5j]),
    "datetime_minutes_iso": lambda: np.array(["2020-01-01T10:00"], dtype="datetime64[m]"),
    "datetime_ns_iso": lambda: np.array(["2020-01-01T00:00:00.123456789"], dtype="datetime64[ns]"),
    "timedelta_counts": lambda: np.array([1, 2], dtype="timedelta64[s]"),
    "ml_dtypes_integral_values": lambda: np.array([1, 2], dtype=ml_dtypes.bfloat16),
    "ml_dtypes_unaligned_points": lambda: np.array([1.5, 2.25], dtype=ml_dtypes.bfloat16),
    "int_1d": lambda: np.arange(6),
    "int_2d": lambda: np.arange(6).reshape(2, 3),
    "int_3d": lambda: np.arange(24).reshape(2, 3, 4),
    "int_negative": lambda: np.array([-1, 10, 100]),
    "int_reversed": lambda: np.arange(3)[::-1],
    "int_transposed": lambda: np.arange(12).reshape(3, 4).T,
    "int32": lambda: np.arange(3, dtype=np.int32),
    "uint8": lambda: np.arange(3, dtype=np.uint8),
    "int0d": lambda: np.array(5),
    "float_halves": lambda: np.array([1.5, 2.0, -3.25]),
    "float_tenths": lambda: np.array([0.1, 0.2]),
    "float_2d": lambda: np.array([[1.5, 2], [3, 4]]),
    "float_mixed_widths": lambda: np.array([100.0, 2.5]),
    "float_signed_zero": lambda: np.array([0.0, -0.0]),
    "float_nonfinite": lambda: np.array([1.0, np.nan, np.inf, -np.inf]),
    "float_scientific_large": lambda: np.array([1e20, 1.0]),
    "float_scientific_small": lambda: np.array([1e-5, 1.0]),
    "float_scientific_padded": lambda: np.array([1e5, 1.5]),
    "float_0d": lambda: np.array(2.5),
    "float_0d_negative_zero": lambda: np.array(-0.0),
    "float_0d_integral": lambda: np.array(5.0),
    "float_0d_nan": lambda: np.array(np.nan),
    "float32_0d": lambda: np.array(0.1, dtype=np.float32),
    "float16_0d": lambda: np.array(1 / 3, dtype=np.float16),
    "complex_0d": lambda: np.array(1 - 2j),
    "int8_0d": lambda: np.array(-3, dtype=np.int8),
    "str_0d": lambda: np.array("abc"),
    "date_0d": lambda: np.array("2020-01-02", dtype="datetime64[D]"),
    "nat_0d": lambda: np.array("NaT", dtype="datetime64[D]"),
    "float32_thirds": lambda: np.arange(3, dtype=np.float32) / 3,
    "float32_tenth": lambda: np.array([0.1], dtype=np.float32),
    "float16": lambda: np.array([1, 2], dtype=np.float16),
    "float16_third": lambda: np.array([1 / 3], dtype=np.float16),
    "float_big_endian": lambda: np.array([1.0, 2.0], dtype=">f8"),
    "int_big_endian": lambda: np.array([1, -2], dtype=">i4"),
    "bool_1d": lambda: np.array([True, False]),
    "bool_all_true": lambda: np.array([True, True]),
    "bool_2d": lambda: np.array([[True, False], [False, True]]),
    "bool_0d": lambda: np.array(True),
    "complex": lambda: np.array([1 + 2j, 3 - 1j]),
    "str": lambda: np.array(["a", "bc"]),
    "str_2d": lambda: np.array([["a", "bcd"], ["ef", "g"]]),
    "bytes": lambda: np.array([b"a"]),
    "datetime_days": lambda: np.array(["2020-01-01", "NaT"], dtype="datetime64[D]"),
    "empty_1d": lambda: np.array([], dtype=np.float64),
    "empty_2d": lambda: np.zeros((0, 3)),
    "empty_trailing": lambda: np.zeros((2, 0), dtype=np.int8),
    "summarised_1d": lambda: np.arange(2000),
    "summarised_2d": lambda: np.arange(3000).reshape(1000, 3),
    "summarised_floats": lambda: np.arange(1001.0)[::-1],
    "wrapped_int32": lambda: _random_ints(np.int32, 5, 1),
    "wrapped_int64": lambda: _random_ints(np.int64, 5, 2),
    "wrapped_uint64_2d": lambda: _random_ints(np.uint64, (2, 3), 3),
    "wrapped_int8_3d": lambda: _random_ints(np.int8, (2, 2, 2), 4),
    "wrapped_float32": lambda: _random_floats(np.float32, 5, 5),
    "wrapped_float64_2d": lambda: _random_floats(np.float64, (3, 2), 6),
    "long_row": lambda: np.arange(40) * 1000,
    "uint64_max": lambda: np.array([0, 2**63, 2**64 - 1], dtype=np.uint64),
}


@pytest.mark.parametrize("name", sorted(MATCHING))
def test_repr_is_numpys_with_Array(name):
    a = MATCHING[name]()
    assert repr(ndb.asarray(a)) == repr(a).replace("array(", "Array(")


@pytest.mark.parametrize("name", sorted(MATCHING))
def test_str_is_numpys(name):
    a = MATCHING[name]()
    assert str(ndb.asarray(a)) == str(a)


def test_readonly_arrays_say_so_in_their_repr():
    # Deliberate difference: NumPy's repr hides the writeable flag; ours shows it, because a read-only
    # alias (of bytes, a broadcast, a read-only NumPy array) refuses writes and the repr should tell.
    a = np.broadcast_to(np.arange(3), (2, 3))
    assert repr(ndb.asarray(a)) == "Array([[0, 1, 2],\n       [0, 1, 2]], readonly=True)"
    assert repr(ndb.asarray(b"ab")) == "Array([97, 98], dtype=uint8, readonly=True)"
    assert str(ndb.asarray(a)) == str(a)  # str has no extras


def test_longdouble_repr_names_the_type_longdouble():
    # Deliberate difference (docs/decisions.md): NumPy says float128, the spelling users write is longdouble.
    a = np.array([1.0, 2.5], dtype=np.longdouble)
    assert repr(ndb.asarray(a)) == repr(a).replace("array(", "Array(").replace("float128", "longdouble")
