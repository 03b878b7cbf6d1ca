"""ndbridge: one conversion layer for array-likes.

Turns NumPy arrays, DLPack producers (PyTorch, JAX, ...), buffers, array-interface objects, scalars and
nested sequences into arrays, sharing memory whenever the rules allow, and hands ndb.Array on to NumPy
and DLPack consumers without a copy. The rules are in docs/semantics.md and docs/decisions.md.

Every function here is the extension's own, re-exposed by a C-level builtin that carries its signature for
``inspect`` and ``help()`` (``_protocols``; no Python code runs between the caller and the conversion).
``ndb.Array``'s Python-side methods (repr, str) are added by one module, ``_repr``.
"""
import sys

from . import _core
from ._core import (Array, CopyError, Flags, dtype, promote_types, MAX_NDIM, asarray, as_tensor, tensor, from_dlpack,
                    from_numpy, frombuffer, set_num_threads, get_num_threads)
from . import _repr  # noqa: F401  (adds Array.__repr__ and Array.__str__)
from ._frames import from_dataframe, sliding_windows, to_pandas
from . import _protocols  # noqa: F401  (the pickle rebuild function; signatures for inspect)
from ._cpp_package import get_cmake_dir, get_include
from ._version import __version__  # written by the build from CMakeLists.txt's project(VERSION)

__all__ = [
    "Array", "CopyError", "Flags", "dtype", "from_dlpack", "promote_types", "asarray", "MAX_NDIM",
    "as_tensor", "tensor", "from_numpy", "frombuffer",
    "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble",
    "float8_e4m3fn", "float8_e5m2", "datetime64", "timedelta64", "bytes_", "str_",
    "set_num_threads", "get_num_threads",
    "from_dataframe", "sliding_windows", "to_pandas",
    "get_include", "get_cmake_dir",
]

CopyError.__module__ = "ndbridge"
_protocols.add_signatures(sys.modules[__name__], __all__)

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
