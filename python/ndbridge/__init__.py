"""ndbridge: one conversion layer for array-likes.

Turns NumPy arrays, buffers and (as the project grows) DLPack producers, sequences, scalars, pandas and
Arrow objects into arrays, sharing memory whenever the rules allow. The rules are in docs/semantics.md.
"""
from . import _core
from ._core import Array, CopyError, Flags, dtype, from_dlpack, promote_types, MAX_NDIM
from ._repr import array_repr as _array_repr, array_str as _array_str

__all__ = [
    "Array", "CopyError", "Flags", "dtype", "from_dlpack", "promote_types", "asarray", "MAX_NDIM",
    "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble",
    "float8_e4m3fn", "float8_e5m2", "datetime64", "timedelta64", "bytes_", "str_",
]

CopyError.__module__ = "ndbridge"
Array.__repr__ = _array_repr
Array.__str__ = _array_str

bool_ = dtype("bool")
int8, int16, int32, int64 = (dtype(n) for n in ("int8", "int16", "int32", "int64"))
uint8, uint16, uint32, uint64 = (dtype(n) for n in ("uint8", "uint16", "uint32", "uint64"))
float16, bfloat16, float32, float64 = (dtype(n) for n in ("float16", "bfloat16", "float32", "float64"))
longdouble, clongdouble = dtype("longdouble"), dtype("clongdouble")
complex64, complex128 = dtype("complex64"), dtype("complex128")
float8_e4m3fn, float8_e5m2 = dtype("float8_e4m3fn"), dtype("float8_e5m2")
datetime64, timedelta64 = dtype("datetime64"), dtype("timedelta64")


def bytes_(length):
    """The fixed-length byte-string dtype ``S<length>``."""
    return dtype(f"S{int(length)}")


def str_(length):
    """The fixed-length unicode dtype ``U<length>`` (UCS-4)."""
    return dtype(f"U{int(length)}")


def asarray(obj):
    """View ``obj``'s memory as an :class:`Array` without copying.

    This slice of the API accepts an ``ndb.Array`` (returned as is), a NumPy ``ndarray`` of any layout
    and dtype NumPy can hold (byte order, datetime, strings, ml_dtypes bfloat16/float8 kept exactly),
    and any object with the buffer protocol (format, shape and strides honoured). Read-only sources
    give read-only arrays. Other input kinds raise ``TypeError``.
    """
    if type(obj) is Array:
        return obj
    result = _core._view_memory(obj)
    if result is None:
        raise TypeError(
            f"asarray: cannot view an object of type {type(obj).__name__!s}; this build accepts ndb.Array, "
            "NumPy arrays and buffer-protocol objects")
    return result
