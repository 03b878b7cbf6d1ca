"""ndbridge: one conversion layer for array-likes.

Turns NumPy arrays, DLPack producers (PyTorch, JAX, ...), buffers, array-interface objects, scalars and
nested sequences into arrays, sharing memory whenever the rules allow, and hands ndb.Array on to NumPy
and DLPack consumers without a copy. The rules are in docs/semantics.md and docs/decisions.md.
"""
from . import _core
from ._core import Array, CopyError, Flags, dtype, from_dlpack, promote_types, MAX_NDIM, set_num_threads, get_num_threads
from ._repr import array_repr as _array_repr, array_str as _array_str

__all__ = [
    "Array", "CopyError", "Flags", "dtype", "from_dlpack", "promote_types", "asarray", "MAX_NDIM",
    "as_tensor", "tensor", "from_numpy", "frombuffer",
    "bool_", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "bfloat16", "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble",
    "float8_e4m3fn", "float8_e5m2", "datetime64", "timedelta64", "bytes_", "str_",
    "set_num_threads", "get_num_threads",
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


_LIBRARIES = {"ndbridge": "ndbridge", "numpy": "numpy", "torch": "torch", "jax": "jax", "jaxlib": "jax"}


def _library_of(like):
    """The library named by like=: a name, a module, or an array instance (or type) of that library."""
    if like is None or like is _this_module:
        return "ndbridge"
    if isinstance(like, str):
        name = like
    elif isinstance(like, _types.ModuleType):
        name = like.__name__.partition(".")[0]
    else:
        cls = like if isinstance(like, type) else type(like)
        name = cls.__module__.partition(".")[0]
    if name not in _LIBRARIES:
        raise ValueError(f"asarray: like={like!r} names no supported library (expected 'numpy', 'torch', 'jax', "
                         "'ndbridge', one of those modules, or one of their arrays)")
    return _LIBRARIES[name]


def _to_numpy(x, obj, copy):
    import numpy as np

    # np.asarray would hand back a fresh ndarray object; the source itself when the result is its memory.
    if isinstance(obj, np.ndarray) and copy is not True and isinstance(x, Array):
        same = (x.data_ptr == obj.__array_interface__["data"][0] and x.shape == obj.shape
                and x.strides == obj.strides and x.dtype == obj.dtype)
        if same:
            return obj
    return np.asarray(x)


def _to_torch(x, requires_grad):
    import torch

    t = torch.from_dlpack(x)  # x already satisfies torch's limits: shared, or copied by the one rule
    if requires_grad:
        if not (t.is_floating_point() or t.is_complex()):
            raise ValueError(f"asarray: requires_grad=True needs a floating or complex dtype, not {t.dtype}")
        t.requires_grad_(True)
    return t


def _compact(x):
    """Whether x's strides lay its items out densely in some axis order (what JAX's DLPack import takes)."""
    if x.size == 0:
        return True
    expected = x.itemsize
    for stride, extent in sorted((abs(s), n) for n, s in zip(x.shape, x.strides) if n != 1):
        if stride != expected:
            return False
        expected *= extent
    return True


def _to_jax(x, copy):
    import jax.numpy as jnp

    # JAX asks for a legacy capsule (no read-only flag) and takes only compact strides: copy the rest.
    if x.readonly or not _compact(x):
        if copy is False:
            why = "read-only" if x.readonly else "strides that are not compact"
            raise CopyError(f"asarray: JAX cannot take an array with {why} without a copy, and copy=False forbids it")
        x = _core.asarray(x, copy=True, order="C")
    return jnp.from_dlpack(x)


def asarray(obj, dtype=None, *, device=None, copy=None, order="K", like=None, requires_grad=None):
    """Convert ``obj`` to an array, sharing its memory whenever the rules allow.

    ``obj`` may be an ndb.Array, a NumPy array, a DLPack producer (PyTorch, JAX, ...) or capsule, a
    buffer (bytes, bytearray, memoryview, array.array, mmap, ctypes), an object with
    ``__array_interface__``/``__array_struct__``/``__cuda_array_interface__``/``__array__``, a
    scalar, or nested sequences of these. ``copy=None`` shares when dtype, device, order and
    writability allow; ``copy=True`` always copies; ``copy=False`` never copies and raises
    :class:`CopyError` naming the reason. ``like`` chooses the result's library: ``"ndbridge"``
    (default, an :class:`Array`), ``"numpy"``, ``"torch"``, ``"jax"``, one of those modules or an
    array of one; the same rules apply, with that library's limits (PyTorch has no read-only
    tensors and no negative strides, so those are copied). With ``like="torch"`` Python floats
    follow ``torch.get_default_dtype()`` and ``requires_grad=True`` gives a leaf that requires grad.
    The rules are in docs/semantics.md.
    """
    if like is None and not requires_grad:  # the common call, without the dispatch below
        return _core.asarray(obj, dtype, device=device, copy=copy, order=order)
    library = _library_of(like)
    if requires_grad and library != "torch":
        raise ValueError("asarray: requires_grad=True is meaningful only for a torch result (like='torch')")
    default_float = None
    if library == "torch":
        import torch

        if isinstance(obj, torch.Tensor) and obj.requires_grad and requires_grad and dtype is None and copy is not True:
            return torch.asarray(obj, device=device, requires_grad=True)  # keeps the autograd history
        default_float = torch.get_default_dtype()
    x = _core.asarray(obj, dtype, device=device, copy=copy, order=order, default_float=default_float,
                      target="dlpack" if library == "jax" else library)
    if library == "numpy":
        return _to_numpy(x, obj, copy)
    if library == "torch":
        return _to_torch(x, requires_grad)
    if library == "jax":
        return _to_jax(x, copy)
    return x


def _to(self, like=None, device=None):
    """This array handed to another library (``like=``) and/or device: ``asarray(self, like=..., device=...)``."""
    return asarray(self, device=device, like=like)


Array.to = _to


def as_tensor(obj, dtype=None, device=None):
    """``asarray(obj, dtype, device=device)``: shares when it can, copies when it must."""
    return _core.asarray(obj, dtype, device=device)


def tensor(obj, dtype=None, device=None):
    """``asarray(obj, dtype, device=device, copy=True)``: always a new, independent array."""
    return _core.asarray(obj, dtype, device=device, copy=True)


def from_numpy(a):
    """Share a NumPy array's memory, whatever its layout (negative strides, read-only, byte order
    included). Raises :class:`CopyError` only when sharing is impossible (object arrays)."""
    return _core.from_numpy(a)


def frombuffer(buffer, dtype="uint8", count=-1, offset=0):
    """Reinterpret the raw bytes of ``buffer`` as a 1-d array of ``dtype`` (shares; read-only when
    the buffer is). ``count=-1`` takes every whole item after ``offset``."""
    return _core.frombuffer(buffer, dtype, count, offset)


_HOST_DEVICE_TYPES = (1, 3, 11, 13)  # DLPack: CPU, CUDA host-pinned, ROCm host-pinned, CUDA managed


def _array(self, dtype=None, copy=None):
    """NumPy's ``__array__`` protocol: a NumPy array sharing this array's memory (``copy=True`` copies;
    ``copy=False`` raises when a dtype change needs a copy). bfloat16 and float8 arrive as ml_dtypes
    types, which NumPy knows only through that package."""
    import numpy as np

    if self.__dlpack_device__()[0] not in _HOST_DEVICE_TYPES:
        raise TypeError(f"ndb.Array.__array__: the array is on {self.device} and NumPy reads host memory only; "
                        "ask the producer for a host copy (asarray(obj, device='cpu'))")
    if self.dtype.kind == "V":
        try:
            import ml_dtypes
        except ImportError:
            raise TypeError(f"ndb.Array.__array__: NumPy knows {self.dtype.name} only through the ml_dtypes "
                            "package, which is not installed") from None
        raw = np.asarray(_InterfaceView(self.view("uint16" if self.itemsize == 2 else "uint8")))
        arr = raw.view(getattr(ml_dtypes, self.dtype.name))
    else:
        arr = np.asarray(_InterfaceView(self))
    if dtype is not None:
        converted = arr.astype(dtype, copy=False)
        if converted is not arr:
            if copy is False:
                raise CopyError(f"ndb.Array.__array__: dtype {dtype} needs a copy of the {self.dtype.name} data, "
                                "and copy=False forbids it")
            return converted  # new memory already
    return arr.copy() if copy else arr


class _InterfaceView:
    """Shows NumPy only ``__array_interface__``, so that ``np.asarray`` inside ``__array__`` cannot
    come back to ``__array__``; it keeps the ndb.Array (and so the memory) alive as the array's base."""

    __slots__ = ("_array", "__array_interface__")

    def __init__(self, array):
        self._array = array
        self.__array_interface__ = array.__array_interface__


def _numpy(self):
    """A NumPy array sharing this array's memory (``np.asarray(self)``)."""
    import numpy as np

    return np.asarray(self)


Array.__array__ = _array
Array.numpy = _numpy

import sys as _sys
import types as _types

_this_module = _sys.modules[__name__]
