"""Shared lists and helpers of the Python suite: NumPy layouts, dtype lists, NaN- and type-aware comparison.

Layouts are factories, not arrays, so that every test gets fresh memory it may write to.
"""
import math

import ml_dtypes
import numpy as np
import pytest

import ndbridge as ndb


def data_ptr(a):
    """Address of a NumPy array's first element."""
    return a.__array_interface__["data"][0]


def _unaligned(readonly):
    raw = bytes(8 * 6 + 1) if readonly else bytearray(8 * 6 + 1)
    a = np.frombuffer(raw, dtype=np.uint8, offset=1).view(np.float64)
    if not readonly:
        a[:] = np.arange(6) * 1.25
    return a


def _datetimes(unit):
    return np.array(["2020-02-29T12:34:56.789012345", "NaT", "1969-12-31T23:59:59", "1970-01-01"],
                    dtype=f"datetime64[{unit}]")


def _ints(dtype):
    info = np.iinfo(dtype)
    return np.array([info.min, -1 if info.min < 0 else 1, 0, 7, info.max], dtype=dtype)


# name -> factory. Every NumPy layout and dtype the first slice must view exactly.
LAYOUTS = {
    "c_3d": lambda: np.arange(24, dtype=np.float64).reshape(2, 3, 4),
    "f_3d": lambda: np.asfortranarray(np.arange(24, dtype=np.int32).reshape(2, 3, 4)),
    "transposed_2d": lambda: np.arange(12, dtype=np.int64).reshape(3, 4).T,
    "permuted_3d_120": lambda: np.arange(24, dtype=np.int16).reshape(2, 3, 4).transpose(1, 2, 0),
    "permuted_3d_201": lambda: np.arange(24, dtype=np.float32).reshape(2, 3, 4).transpose(2, 0, 1),
    "step_2": lambda: np.arange(20, dtype=np.float32)[::2],
    "step_3_2d": lambda: np.arange(60, dtype=np.int64).reshape(6, 10)[::3, 1::3],
    "negative_step": lambda: np.arange(10, dtype=np.int64)[::-1],
    "negative_steps_2d": lambda: np.arange(30, dtype=np.float64).reshape(5, 6)[::-2, ::-3],
    "reversed_axis_3d": lambda: np.arange(24, dtype=np.uint16).reshape(2, 3, 4)[:, ::-1, :],
    "size0_leading": lambda: np.zeros((0, 3)),
    "size0_middle": lambda: np.zeros((3, 0, 2), dtype=np.int8),
    "size1_dims": lambda: np.arange(6, dtype=np.int32).reshape(1, 6, 1),
    "size1_strided": lambda: np.arange(40, dtype=np.float64).reshape(4, 10)[1:2, ::3],
    "zero_d": lambda: np.array(3.5),
    "zero_d_int": lambda: np.array(-7, dtype=np.int16),
    "broadcast_zero_strides": lambda: np.broadcast_to(np.arange(3, dtype=np.int64), (4, 3)),
    "broadcast_new_axis": lambda: np.broadcast_to(np.arange(4.0).reshape(4, 1), (4, 5)),
    "big_endian_i4": lambda: np.arange(6, dtype=">i4").reshape(2, 3),
    "big_endian_f8": lambda: np.array([1.5, -2.25, np.nan, np.inf], dtype=">f8"),
    "big_endian_c16": lambda: (np.arange(4) + 1j * np.arange(4)[::-1]).astype(">c16"),
    "big_endian_u2_strided": lambda: np.arange(12, dtype=">u2").reshape(3, 4)[:, ::2],
    "unaligned_readonly": lambda: _unaligned(readonly=True),
    "unaligned_writable": lambda: _unaligned(readonly=False),
    "datetime64_ns": lambda: _datetimes("ns"),
    "datetime64_us": lambda: _datetimes("us"),
    "datetime64_s": lambda: _datetimes("s"),
    "datetime64_D": lambda: np.array(["2020-02-29", "NaT", "1969-12-31", "0001-01-01", "9999-12-31"], dtype="datetime64[D]"),
    "datetime64_M": lambda: np.array(["2020-02", "1969-11", "NaT"], dtype="datetime64[M]"),
    "datetime64_Y": lambda: np.array(["2020", "1960", "NaT"], dtype="datetime64[Y]"),
    "timedelta64_s": lambda: np.array([1, -2, "NaT", 86401], dtype="timedelta64[s]"),
    "timedelta64_ns": lambda: np.array([1, -2, "NaT"], dtype="timedelta64[ns]"),
    "timedelta64_D": lambda: np.array([1, -2, "NaT"], dtype="timedelta64[D]"),
    "bytes_S5": lambda: np.array([b"ab", b"hello", b"", b"a\x00b"], dtype="S5"),
    "unicode_U3": lambda: np.array(["a", "xyz", "", "\u00e9\u4e2d"], dtype="U3"),
    "unicode_U3_big_endian": lambda: np.array(["a", "xyz", ""], dtype=">U3"),
    "float16": lambda: np.array([1.5, -0.0, np.inf, np.nan, 65504.0, 6e-8], dtype=np.float16),
    "float32": lambda: np.array([0.1, -1e30, np.nan], dtype=np.float32),
    "longdouble": lambda: np.array([1 / 3, -2.5, np.inf], dtype=np.longdouble),
    "clongdouble": lambda: np.array([1 / 3 + 1j, 2.5 - 0.5j], dtype=np.clongdouble),
    "complex64": lambda: np.array([1 + 2j, 3 - 4j, complex(np.nan, 1)], dtype=np.complex64),
    "complex128_2d": lambda: (np.arange(6) - 2j * np.arange(6)).reshape(2, 3),
    "bool": lambda: np.array([[True, False, True], [False, False, True]]),
    "int8": lambda: _ints(np.int8),
    "int16": lambda: _ints(np.int16),
    "int32": lambda: _ints(np.int32),
    "int64": lambda: _ints(np.int64),
    "uint8": lambda: _ints(np.uint8),
    "uint16": lambda: _ints(np.uint16),
    "uint32": lambda: _ints(np.uint32),
    "uint64": lambda: _ints(np.uint64),
    "bfloat16": lambda: np.array([1.5, -2.25, np.nan, np.inf, 3.0e38], dtype=ml_dtypes.bfloat16),
    "float8_e4m3fn": lambda: np.array([1.5, -2.25, 448, np.nan, 0.001953125], dtype=ml_dtypes.float8_e4m3fn),
    "float8_e5m2": lambda: np.array([1.5, -2.5, 57344, np.inf, np.nan], dtype=ml_dtypes.float8_e5m2),
    "readonly_flag": lambda: _readonly(np.arange(6, dtype=np.int32).reshape(2, 3)),
}


def _readonly(a):
    a.flags.writeable = False
    return a


@pytest.fixture(params=sorted(LAYOUTS), ids=sorted(LAYOUTS))
def layout(request):
    """(name, fresh NumPy array) for every layout of LAYOUTS."""
    return request.param, LAYOUTS[request.param]()


# dtypes ndbridge stores, as NumPy dtypes (ml_dtypes for bfloat16/float8).
INT_DTYPES = [np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64]
FLOAT_DTYPES = [np.float16, np.float32, np.float64, np.longdouble]
COMPLEX_DTYPES = [np.complex64, np.complex128, np.clongdouble]
ML_DTYPES = [ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2]
NUMERIC_DTYPES = [np.bool_] + INT_DTYPES + FLOAT_DTYPES + COMPLEX_DTYPES


def dtype_id(t):
    return np.dtype(t).name


def same_value(x, y):
    """Equality that treats NaN as equal to NaN (also inside complex numbers) and requires equal types."""
    if type(x) is not type(y):
        return False
    if isinstance(x, (float, np.floating)):
        return bool(x == y) or (bool(np.isnan(x)) and bool(np.isnan(y)))
    if isinstance(x, (complex, np.complexfloating)):
        return same_value(x.real, y.real) and same_value(x.imag, y.imag)
    if isinstance(x, list):
        return len(x) == len(y) and all(same_value(a, b) for a, b in zip(x, y))
    return x == y


def as_python(v):
    """What ndbridge's tolist() gives for NumPy's tolist() result: the same, np.longdouble/np.clongdouble
    elements included (decisions.md: item() / tolist() of longdouble)."""
    return v


def meaningful_strides(shape, strides):
    """Strides of axes with extent > 1. NumPy's __array_interface__ omits the strides of C-contiguous
    arrays, so the stride of an extent-1 axis (which never moves) may legitimately differ."""
    return tuple(s if n > 1 else None for n, s in zip(shape, strides))


def assert_same_layout(x, a):
    """ndb.Array x views exactly the elements of NumPy array a."""
    assert x.shape == a.shape
    assert x.ndim == a.ndim
    assert x.size == a.size
    assert ndb.dtype(a.dtype) == x.dtype
    if a.size:
        # An empty array touches no memory: NumPy 2.4 reports strides (0, ...) for np.zeros((0, 3)) while
        # its __array_interface__ calls it C-contiguous; neither can be observed through elements.
        assert meaningful_strides(x.shape, x.strides) == meaningful_strides(a.shape, a.strides)
        assert x.data_ptr == data_ptr(a)
    assert same_value(x.tolist(), as_python(a.tolist()))


class DLPackProducer:
    """A DLPack 1.x producer over NumPy memory: a plain object with __dlpack__ (max_version, dl_device,
    copy) and __dlpack_device__, as the seed documents describe producers."""

    def __init__(self, a):
        self.a = a

    def __dlpack__(self, **kwargs):
        return self.a.__dlpack__(**kwargs)

    def __dlpack_device__(self):
        return self.a.__dlpack_device__()
