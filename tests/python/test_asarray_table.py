"""ndb.asarray and its helpers as one table: every input kind of DESIGN §3 × dtype × copy × order.

Each row of CASES names an input (a factory, so every test gets fresh memory), the call with its keyword
arguments, and the expected outcome. Where NumPy is the rule the expectation is NUMPY: the test calls NumPy
on an equivalent input (the same memory, or the same Python data) and takes dtype, shape, values, strides,
sharing and writability from NumPy's result, or NumPy's exception. Where DESIGN differs from NumPy the row
writes the outcome out (Expect / Raises) and says why. One test function per assertion family runs over the
whole table: dtype, shape, values, strides, device, data pointer, writes through the source, writes through
the result, read-only, lifetime, and the exception.
"""
import array
import ctypes
import mmap
import re
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb
from conftest import LAYOUTS, DLPackProducer, as_python, data_ptr, meaningful_strides, same_value

# ---------------------------------------------------------------------------------------------- the table


@dataclass
class Source:
    """One fresh input. `obj` goes to ndbridge, `ref` to NumPy (the same memory or data; default `obj`),
    `mem` is a NumPy array over the source's memory (None when the source has none: sequences, scalars)."""
    obj: Any
    ref: Any = None
    mem: Any = None
    keep: tuple = ()

    def __post_init__(self):
        if self.ref is None:
            self.ref = self.obj


@dataclass(frozen=True)
class Expect:
    """An outcome written out where DESIGN, not NumPy, is the rule. `values` is what tolist() gives
    (DEVICE: not readable on the host); `shares`: the result is the source's memory."""
    dtype: Any
    shape: tuple
    values: Any
    shares: bool
    readonly: bool = False
    strides: Any = None
    device: str = "cpu"


@dataclass(frozen=True)
class Raises:
    exc: type
    match: str = None


NUMPY = "numpy"  # the expectation is computed by calling NumPy
DEVICE = "device"  # values live on a device and are not readable on the host


@dataclass
class Case:
    id: str
    make: Callable[[], Source]
    kwargs: dict = field(default_factory=dict)
    expect: Any = NUMPY
    call: str = "asarray"
    np_kwargs: dict = None  # NumPy's spelling of kwargs where it differs (torch dtypes)
    why: str = ""


CALLS = {
    "asarray": lambda obj, kw: ndb.asarray(obj, **kw),
    "as_tensor": lambda obj, kw: ndb.as_tensor(obj, **kw),
    "tensor": lambda obj, kw: ndb.tensor(obj, **kw),
    "from_numpy": lambda obj, kw: ndb.from_numpy(obj, **kw),
    "frombuffer": lambda obj, kw: ndb.frombuffer(obj, **kw),
}

# NumPy's equivalent of each call: from_numpy always shares, tensor always copies, frombuffer reinterprets.
NUMPY_CALLS = {
    "asarray": lambda ref, kw: np.asarray(ref, **kw),
    "as_tensor": lambda ref, kw: np.asarray(ref, **kw),
    "tensor": lambda ref, kw: np.array(ref, copy=True, **kw),
    "from_numpy": lambda ref, kw: np.asarray(ref, **kw),
    "frombuffer": lambda ref, kw: np.frombuffer(ref, **kw),
}


def convert(case, src):
    return CALLS[case.call](src.obj, case.kwargs)


def numpy_result(case, src):
    kw = case.kwargs if case.np_kwargs is None else case.np_kwargs
    with warnings.catch_warnings():
        # NumPy warns about NumPy-1 __array__ methods (no copy keyword) and about complex -> real casts;
        # the rows pin ndbridge's answer for both.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", np.exceptions.ComplexWarning)
        return NUMPY_CALLS[case.call](src.ref, kw)


def resolve(case, src):
    """The expected outcome of `case` on `src`: an Expect (with NumPy's result as `.numpy`) or a Raises."""
    if not (isinstance(case.expect, str) and case.expect == NUMPY):
        return case.expect
    try:
        e = numpy_result(case, src)
    except Exception as ex:  # NumPy's exception is the rule; copy=False refusals are ndb.CopyError (DESIGN §4)
        msg = str(ex)
        if case.kwargs.get("copy") is False and "avoid copy" in msg:
            return Raises(ndb.CopyError)
        found = re.search(r"inhomogeneous shape after \d+ dimensions\. The detected shape was \([\d, ]*\)", msg)
        return Raises(type(ex), re.escape(found.group(0)) if found else None)
    shares = src.mem is not None and e.size > 0 and np.shares_memory(e, src.mem)
    exp = Expect(dtype=ndb.dtype(e.dtype), shape=e.shape, values=as_python(e.tolist()), shares=bool(shares),
                 readonly=not e.flags.writeable, strides=e.strides)
    object.__setattr__(exp, "numpy", e)
    return exp


# ---------------------------------------------------------------------------------------------- sources

def layout(name):
    def make():
        a = LAYOUTS[name]()
        return Source(a, mem=a)
    return make


def ndb_layout(name):
    def make():
        a = LAYOUTS[name]()
        return Source(ndb.asarray(a), ref=a, mem=a)
    return make


def array_of(values, dtype=None):
    def make():
        a = np.array(values, dtype=dtype)
        return Source(a, mem=a)
    return make


def data(value_factory):
    """Python data (scalars, sequences) rebuilt for every test; NumPy reads the same data."""
    def make():
        return Source(value_factory())
    return make


def readonly_view(a):
    v = a.view()
    v.flags.writeable = False
    return v


def torch_source(factory):
    def make():
        t = factory()
        base = t.detach()
        if base.dtype == torch.bfloat16:
            mem = base.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        else:
            mem = base.numpy()
        return Source(t, ref=mem, mem=mem)
    return make




class LegacyDLPackProducer(DLPackProducer):
    """A pre-1.0 producer: __dlpack__ takes only `stream` and returns an unversioned capsule."""

    def __dlpack__(self, stream=None):
        return self.a.__dlpack__()


class ArrayInterface:
    """__array_interface__ over NumPy memory, 'data' as (address, read_only) or as a buffer object."""

    def __init__(self, a, data_as_buffer=False, readonly=False):
        self.a, self.data_as_buffer, self.readonly = a, data_as_buffer, readonly

    @property
    def __array_interface__(self):
        d = dict(self.a.__array_interface__)
        if self.data_as_buffer:
            d["data"] = memoryview(self.a).cast("B") if not self.readonly else memoryview(self.a).toreadonly().cast("B")
        else:
            d["data"] = (d["data"][0], self.readonly or not self.a.flags.writeable)
        return d


class ArrayStruct:
    """__array_struct__ (NumPy's C-level PyArrayInterface capsule) over NumPy memory."""

    def __init__(self, a):
        self.a = a

    @property
    def __array_struct__(self):
        return self.a.__array_struct__


class ArrayStructWithDType(ArrayStruct):
    """An __array_struct__ exporter that also says its dtype (the struct cannot carry a datetime unit)."""

    @property
    def dtype(self):
        return self.a.dtype


class CudaArrayInterface:
    """__cuda_array_interface__ describing NumPy memory as if it were on cuda:0 (never dereferenced)."""

    def __init__(self, a):
        self.a = a

    @property
    def __cuda_array_interface__(self):
        d = dict(self.a.__array_interface__)
        d.update(version=3, stream=None)
        return d


class ArrayMethod:
    """NumPy 2's __array__(dtype=None, copy=None)."""

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None, copy=None):
        out = self.a if dtype is None else self.a.astype(dtype, copy=False)
        return out.copy() if copy else out


class LegacyArrayMethod:
    """NumPy 1's __array__(dtype=None): no copy keyword."""

    def __init__(self, a):
        self.a = a

    def __array__(self, dtype=None):
        return self.a


def wrapped(cls, name, numpy_reads_memory=False, **kw):
    """cls over a fresh layout; NumPy reads the wrapper itself, or (numpy_reads_memory) the array it wraps
    when NumPy cannot read the wrapper correctly."""
    def make():
        a = LAYOUTS[name]()
        obj = cls(a, **kw)
        return Source(obj, ref=a if numpy_reads_memory else obj, mem=a)
    return make


def dlpack_wrapped(cls, name, legacy_readonly=False):
    def make():
        a = LAYOUTS[name]()
        # Legacy capsules come in read-only (docs/decisions.md): NumPy sees a read-only view of the same memory.
        return Source(cls(a), ref=readonly_view(a) if legacy_readonly else a, mem=a)
    return make


def capsule(name, versioned):
    def make():
        a = LAYOUTS[name]()
        cap = a.__dlpack__(max_version=(1, 0)) if versioned else a.__dlpack__()
        return Source(cap, ref=a if versioned else readonly_view(a), mem=a)
    return make


def buffer_source(factory):
    """A buffer-protocol object; NumPy views the same memory through np.asarray(memoryview(obj))."""
    def make():
        obj = factory()
        mem = np.asarray(memoryview(obj))
        return Source(obj, ref=mem, mem=mem)
    return make


def bytes_source(raw):
    """bytes/bytearray/mmap: ndbridge honours the buffer's format ('B': uint8); NumPy's np.asarray(bytes)
    would be a 0-d S array, so NumPy reads the memory as np.frombuffer does."""
    def make():
        obj = raw()
        mem = np.frombuffer(obj, dtype=np.uint8)
        return Source(obj, ref=mem, mem=mem)
    return make


def raw_buffer(raw):
    """For frombuffer: NumPy's frombuffer gets the same object; `mem` is its bytes."""
    def make():
        obj = raw()
        return Source(obj, mem=np.frombuffer(obj, dtype=np.uint8))
    return make


def strided_memoryview():
    a = np.arange(24, dtype=np.int16).reshape(4, 6)
    return memoryview(a[::2, ::-3])


def anonymous_mmap():
    m = mmap.mmap(-1, 16)
    m[:] = bytes(range(16))
    return m


def ctypes_2d():
    c = ((ctypes.c_double * 3) * 2)()
    for i in range(2):
        for j in range(3):
            c[i][j] = i * 3 + j + 0.5
    return c


def nested(depth):
    v = 1
    for _ in range(depth):
        v = [v]
    return v


def self_referencing():
    lst = [1]
    lst.append(lst)
    return lst


def self_containing():
    lst = []
    lst.append(lst)
    return lst


class GrowingSequence:
    """len() says 3; reading item 1 appends an item."""

    def __init__(self):
        self.items = [1, 2, 3]

    def __len__(self):
        return len(self.items)

    def __getitem__(self, i):
        if i >= len(self.items):
            raise IndexError(i)
        if i == 1:
            self.items.append(9)
        return self.items[i]


class ShrinkingSequence(GrowingSequence):
    def __getitem__(self, i):
        if i == 0:
            self.items.pop()
        return self.items[i]


class MutatingList(list):
    """A list subclass whose __getitem__ grows the list."""

    def __getitem__(self, i):
        self.append(0)
        return list.__getitem__(self, i)


class Shrinker:
    """An array-like element whose __array__ empties the list it sits in, while the list is being read."""

    def __init__(self, victim):
        self.victim = victim

    def __array__(self, dtype=None, copy=None):
        del self.victim[1:]
        return np.zeros(2)


def list_emptied_while_read():
    outer = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    outer[1] = Shrinker(outer)
    return outer


# ---------------------------------------------------------------------------------------------- rows

def fmt(v):
    if isinstance(v, type):
        return getattr(v, "__name__", str(v))
    if isinstance(v, torch.dtype):
        return str(v)
    if isinstance(v, np.dtype):
        return v.str
    return repr(v) if isinstance(v, str) else str(v)


def case_id(kind, kwargs, call):
    args = ",".join(f"{k}={fmt(v)}" for k, v in kwargs.items())
    head = kind if call == "asarray" else f"{call}:{kind}"
    return f"{head}[{args}]" if args else head


CASES = []


def add(kind, make, expect=NUMPY, call="asarray", np_kwargs=None, why="", **kwargs):
    if call == "frombuffer" and np_kwargs is None and "dtype" not in kwargs:
        np_kwargs = {"dtype": np.uint8, **kwargs}  # ndbridge's default is uint8 (PyTorch's), NumPy's float64
    CASES.append(Case(case_id(kind, kwargs, call), make, kwargs, expect, call, np_kwargs, why))


COPIES = (None, True, False)
ORDERS = ("K", "A", "C", "F")

# 1-2. NumPy arrays and ndb.Arrays: every layout × order × copy, NumPy's sharing and strides exactly.
GRID_LAYOUTS = ["c_3d", "f_3d", "transposed_2d", "permuted_3d_120", "step_3_2d", "negative_steps_2d",
                "reversed_axis_3d", "size0_middle", "size1_dims", "zero_d", "broadcast_zero_strides",
                "big_endian_i4", "unaligned_writable", "readonly_flag"]
for name in GRID_LAYOUTS:
    for order in ORDERS:
        for copy in COPIES:
            add(f"numpy.{name}", layout(name), order=order, copy=copy)
for name in ["c_3d", "f_3d", "negative_steps_2d", "readonly_flag", "big_endian_u2_strided"]:
    for order in ORDERS:
        for copy in COPIES:
            add(f"ndb.{name}", ndb_layout(name), order=order, copy=copy)

# NumPy dtypes kept exactly (byte order, datetime, strings, float16, longdouble, ml_dtypes), shared.
DTYPE_LAYOUTS = ["datetime64_ns", "datetime64_D", "datetime64_M", "timedelta64_s", "bytes_S5", "unicode_U3",
                 "unicode_U3_big_endian", "float16", "float32", "longdouble", "clongdouble", "complex64",
                 "complex128_2d", "bool", "int8", "uint16", "int32", "uint64", "bfloat16", "float8_e4m3fn",
                 "float8_e5m2", "big_endian_f8", "big_endian_c16", "unaligned_readonly"]
for name in DTYPE_LAYOUTS:
    for copy in COPIES:
        add(f"numpy.{name}", layout(name), copy=copy)

# dtype=: equivalent spellings alias, other dtypes cast (copy=False refuses, naming the dtypes).
EQUIVALENT = [("int64", "<i8"), ("int64", np.int64), ("int64", "l"), ("int64", int), ("float64", "d"),
              ("float64", float), ("float32", "<f4"), ("float32", np.float32), ("big_endian_i4", ">i4"),
              ("bool", np.bool_), ("bool", "?"), ("bfloat16", ml_dtypes.bfloat16), ("complex64", "F"),
              ("datetime64_D", "M8[D]"), ("unicode_U3", "<U3")]
for name, spec in EQUIVALENT:
    if name in ("int64", "float64", "float32"):
        mk = array_of([[1, 2, 3], [4, 5, 6]], dtype=name)
    else:
        mk = layout(name)
    for copy in (None, False):
        add(f"numpy.{name}", mk, dtype=spec, copy=copy)
CASTS = [("int8", "float64"), ("int32", "int16"), ("uint64", "float64"), ("float16", "float32"),
         ("longdouble", "float64"), ("complex64", "complex128"), ("bool", "int32"), ("bfloat16", "float32"),
         ("float8_e5m2", "float16"), ("big_endian_i4", "i4"), ("big_endian_f8", "float32"),
         ("datetime64_D", "M8[s]"), ("timedelta64_s", "m8[ms]"), ("bytes_S5", "S2"), ("unicode_U3", "U5"),
         ("int16", ml_dtypes.bfloat16), ("f_3d", "float64"), ("negative_steps_2d", "float32")]
for name, spec in CASTS:
    for copy in COPIES:
        add(f"numpy.{name}", layout(name), dtype=spec, copy=copy)
for name, spec in [("f_3d", "int64"), ("transposed_2d", "float32"), ("negative_steps_2d", "float32")]:
    for order in ORDERS:
        add(f"numpy.{name}", layout(name), dtype=spec, order=order)

# float -> int where NumPy is undefined (NaN, out of range): DESIGN's one answer, saturation and NaN -> 0.
add("numpy.float32_nan_and_big", array_of([0.1, -1e30, np.nan, 3e9, -2.5], np.float32), dtype="int32",
    expect=Expect("int32", (5,), [0, -2**31, 0, 2**31 - 1, -2], shares=False),
    why="docs/decisions.md: truncate, saturate, NaN -> 0 (NumPy's result depends on the CPU)")
add("numpy.float64_nan", array_of([np.nan, np.inf, -np.inf]), dtype="uint8",
    expect=Expect("uint8", (3,), [0, 255, 0], shares=False), why="saturation, NaN -> 0")
add("numpy_scalar.float64_nan", data(lambda: np.float64("nan")), dtype="int64",
    expect=Expect("int64", (), 0, shares=False),
    why="a NumPy scalar on its own is cast as an array (NaN -> 0), as np.asarray does; inside a sequence "
        "it is an element (seq.numpy_float32_nan)")
add("seq.numpy_float32_nan", data(lambda: [np.float32("nan"), 2.0]), dtype="int32",
    expect=NUMPY, why="NumPy floats inside a sequence follow the element rules: NaN is a ValueError, as in NumPy")

# 3. The DLPack C exchange API: torch tensors (their type has __dlpack_c_exchange_api__).
TORCH = {
    "arange_2d": lambda: torch.arange(6, dtype=torch.float32).reshape(2, 3),
    "transposed": lambda: torch.arange(12, dtype=torch.int64).reshape(3, 4).T,
    "strided": lambda: torch.arange(20, dtype=torch.int32).reshape(4, 5)[::2, 1::2],
    "zero_d": lambda: torch.tensor(2.5, dtype=torch.float64),
    "bool": lambda: torch.tensor([True, False, True]),
    "uint8": lambda: torch.tensor([0, 7, 255], dtype=torch.uint8),
    "float16": lambda: torch.tensor([1.5, -2.0, 65504.0], dtype=torch.float16),
    "complex64": lambda: torch.tensor([1 + 2j, -3j], dtype=torch.complex64),
    "bfloat16": lambda: torch.tensor([1.5, -2.25, 3.0e38], dtype=torch.bfloat16),
    "requires_grad": lambda: torch.tensor([1.0, 2.0, 3.0], requires_grad=True),
    "empty": lambda: torch.zeros((2, 0)),
}
for name, factory in TORCH.items():
    for copy in COPIES:
        add(f"torch.{name}", torch_source(factory), copy=copy)
for name in ["arange_2d", "transposed", "strided"]:
    for order in ("C", "F"):
        for copy in (None, False):
            add(f"torch.{name}", torch_source(TORCH[name]), order=order, copy=copy)
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), dtype=torch.float32, np_kwargs={"dtype": np.float32},
    why="a torch dtype spelling of the tensor's own dtype aliases")
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), dtype=torch.float64, np_kwargs={"dtype": np.float64})
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), dtype=torch.int32, copy=False,
    np_kwargs={"dtype": np.int32, "copy": False})
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), device="cpu")
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), device=torch.device("cpu"), np_kwargs={"device": "cpu"})


def torch_lazy(kind):
    def make():
        t = torch.tensor([1 + 2j, 3 - 4j]) if kind == "conj" else torch.tensor([1.0, -2.0])
        mem = t.numpy()
        return Source(t.conj() if kind == "conj" else t._neg_view(), mem=mem)
    return make


for copy in (None, True):
    add("torch.conj_view", torch_lazy("conj"), copy=copy,
        expect=Expect("complex64", (2,), [1 - 2j, 3 + 4j], shares=False),
        why="the lazy conjugate bit is materialised (torch's C exchange API ignores it)")
    add("torch.neg_view", torch_lazy("neg"), copy=copy,
        expect=Expect("float32", (2,), [-1.0, 2.0], shares=False), why="the lazy negative bit is materialised")

# 4. __dlpack__ producers (1.x, and legacy ones whose capsules come in read-only), 5. raw capsules.
for name in ["c_3d", "transposed_2d", "step_3_2d", "zero_d", "bool", "complex64"]:
    for copy in COPIES:
        add(f"dlpack.{name}", dlpack_wrapped(DLPackProducer, name), copy=copy)
for name in ["c_3d", "f_3d"]:
    for order in ("C", "F"):
        add(f"dlpack.{name}", dlpack_wrapped(DLPackProducer, name), order=order)
for copy in COPIES:
    add("dlpack_legacy.c_3d", dlpack_wrapped(LegacyDLPackProducer, "c_3d", legacy_readonly=True), copy=copy)
    add("capsule_versioned.f_3d", capsule("f_3d", versioned=True), copy=copy)
    add("capsule_legacy.step_2", capsule("step_2", versioned=False), copy=copy)
add("capsule_versioned.c_3d", capsule("c_3d", versioned=True), dtype="float32")
add("capsule_legacy.int32", capsule("int32", versioned=False), dtype="int64")

# 6. The buffer protocol: format, shape and strides honoured; bytes are a read-only uint8 buffer.
BUFFERS = {
    "bytes": bytes_source(lambda: b"\x00\x01\x02\xff"),
    "bytearray": bytes_source(lambda: bytearray(b"\x00\x01\x02\xff")),
    "mmap": bytes_source(anonymous_mmap),
    "memoryview_bytearray": buffer_source(lambda: memoryview(bytearray(range(6)))),
    "memoryview_cast_2d": buffer_source(lambda: memoryview(bytearray(np.arange(6.0).tobytes())).cast("d", (2, 3))),
    "memoryview_readonly_2d": buffer_source(lambda: memoryview(np.arange(6, dtype=np.int32).tobytes()).cast("i", (3, 2))),
    "memoryview_strided_2d": buffer_source(strided_memoryview),
    "memoryview_step": buffer_source(lambda: memoryview(bytearray(range(10)))[::3]),
    "memoryview_big_endian": buffer_source(lambda: memoryview(np.arange(4, dtype=">i4"))),
    "array_d": buffer_source(lambda: array.array("d", [1.5, -2.0, 3.25])),
    "array_h": buffer_source(lambda: array.array("h", [-3, 0, 7])),
    "array_Q": buffer_source(lambda: array.array("Q", [0, 2**64 - 1])),
    "array_f": buffer_source(lambda: array.array("f", [0.5, 1e30])),
    "ctypes_int": buffer_source(lambda: (ctypes.c_int * 4)(1, -2, 3, -4)),
    "ctypes_double_2d": buffer_source(ctypes_2d),
}
for name, make in BUFFERS.items():
    for copy in COPIES:
        add(f"buffer.{name}", make, copy=copy)
for name in ["memoryview_cast_2d", "memoryview_strided_2d", "ctypes_double_2d"]:
    for order in ("C", "F"):
        add(f"buffer.{name}", BUFFERS[name], order=order)
for name, spec in [("bytes", "int16"), ("bytearray", "float32"), ("array_d", "float32"), ("array_h", "<i2"),
                   ("memoryview_big_endian", "i4"), ("memoryview_big_endian", ">i4")]:
    for copy in (None, False):
        add(f"buffer.{name}", BUFFERS[name], dtype=spec, copy=copy)

# 7. __array_interface__ (data as a pointer tuple or a buffer), __array_struct__, __cuda_array_interface__.
for name in ["c_3d", "f_3d", "negative_steps_2d", "big_endian_i4", "datetime64_s", "readonly_flag"]:
    for copy in COPIES:
        add(f"array_interface.{name}", wrapped(ArrayInterface, name), copy=copy)
for name in ["c_3d", "int16"]:
    for copy in COPIES:
        add(f"array_interface_buffer.{name}", wrapped(ArrayInterface, name, data_as_buffer=True), copy=copy)
add("array_interface_readonly_tuple.c_3d", wrapped(ArrayInterface, "c_3d", readonly=True))
add("array_interface_readonly_buffer.int16", wrapped(ArrayInterface, "int16", data_as_buffer=True, readonly=True))
add("array_interface.f_3d", wrapped(ArrayInterface, "f_3d"), order="C")
add("array_interface.c_3d", wrapped(ArrayInterface, "c_3d"), dtype="float32")
for name in ["c_3d", "transposed_2d", "negative_step", "big_endian_f8", "readonly_flag", "bytes_S5"]:
    for copy in COPIES:
        add(f"array_struct.{name}", wrapped(ArrayStruct, name), copy=copy)
for copy in (None, False):
    add("array_struct.unicode_U3", wrapped(ArrayStruct, "unicode_U3"), copy=copy,
        expect=Expect("U3", (4,), ["a", "xyz", "", "\u00e9\u4e2d"], shares=True, strides=(12,)),
        why="the struct's itemsize is in bytes, 4 per character (NumPy 2.4 misreads it as U12, past the end)")
for name in ["datetime64_s", "bfloat16"]:
    add(f"array_struct_with_dtype.{name}", wrapped(ArrayStructWithDType, name, numpy_reads_memory=True),
        why="the struct has no datetime unit and no bfloat16 type; the object's .dtype supplies them")


def cuda_interface(name):
    def make():
        a = LAYOUTS[name]()
        return Source(CudaArrayInterface(a), mem=a)
    return make


add("cuda_array_interface.c_3d", cuda_interface("c_3d"),
    expect=Expect("float64", (2, 3, 4), DEVICE, shares=True, strides=(96, 32, 8), device="cuda:0"),
    why="device metadata only: aliased, never read on the host")
add("cuda_array_interface.transposed_2d", cuda_interface("transposed_2d"), copy=False,
    expect=Expect("int64", (4, 3), DEVICE, shares=True, strides=(8, 32), device="cuda:0"))

# 9. __array__ (NumPy 2's copy keyword, and NumPy 1's method without it).
for name in ["c_3d", "f_3d", "negative_step", "readonly_flag", "bfloat16"]:
    for copy in COPIES:
        add(f"array_method.{name}", wrapped(ArrayMethod, name), copy=copy)
for copy in COPIES:
    add("array_method_legacy.c_3d", wrapped(LegacyArrayMethod, "c_3d"), copy=copy)
add("array_method.c_3d", wrapped(ArrayMethod, "c_3d"), dtype="float32")
add("array_method.f_3d", wrapped(ArrayMethod, "f_3d"), order="C")

# 10. NumPy scalars (their dtype kept, always copied) and Python scalars.
NUMPY_SCALARS = {
    "float32": lambda: np.float32(1.5), "float64": lambda: np.float64(-0.25), "int8": lambda: np.int8(-3),
    "uint64": lambda: np.uint64(2**63 + 1), "bool": lambda: np.bool_(True), "complex64": lambda: np.complex64(1 - 2j),
    "float16": lambda: np.float16(0.5), "longdouble": lambda: np.longdouble(1) / 3,
    "datetime64": lambda: np.datetime64("2020-02-29"), "timedelta64": lambda: np.timedelta64(90, "s"),
    "bytes_": lambda: np.bytes_(b"ab"), "str_": lambda: np.str_("xyz"),
    "bfloat16": lambda: ml_dtypes.bfloat16(1.5), "float8_e4m3fn": lambda: ml_dtypes.float8_e4m3fn(-2.0),
}
for name, factory in NUMPY_SCALARS.items():
    for copy in COPIES:
        add(f"numpy_scalar.{name}", data(factory), copy=copy)
add("numpy_scalar.float32", data(NUMPY_SCALARS["float32"]), dtype="float64")
add("numpy_scalar.int8", data(NUMPY_SCALARS["int8"]), dtype="int64")
add("numpy_scalar.datetime64", data(NUMPY_SCALARS["datetime64"]), dtype="M8[h]")
PY_SCALARS = {"int": lambda: 7, "negative_int": lambda: -2**63, "big_int": lambda: 2**63, "float": lambda: 2.5,
              "bool": lambda: True, "complex": lambda: 1 - 1j, "str": lambda: "hello"}
for name, factory in PY_SCALARS.items():
    for copy in COPIES:
        add(f"scalar.{name}", data(factory), copy=copy)
for spec in ["float32", "int8", "complex64", "bool", "float16"]:
    add("scalar.int", data(PY_SCALARS["int"]), dtype=spec)
add("scalar.float", data(PY_SCALARS["float"]), dtype=ml_dtypes.bfloat16)
add("scalar.float", data(PY_SCALARS["float"]), device="cpu")
add("bytes_scalar", bytes_source(lambda: b"ab"),
    expect=Expect("uint8", (2,), [97, 98], shares=True, readonly=True),
    why="DESIGN §3: bytes is a read-only uint8 buffer (np.asarray(b'ab') is a 0-d S2 array)")

# 11. Nested sequences of lists/tuples/ranges mixing scalars, NumPy arrays and ndb.Arrays.
SEQUENCES = {
    "ints": lambda: [1, 2, 3],
    "int_float": lambda: [1, 2.5],
    "bools": lambda: [True, False],
    "bool_int": lambda: [True, 2],
    "bool_float_complex": lambda: [True, 1.5, 2j],
    "nested_2d": lambda: [[1, 2, 3], [4, 5, 6]],
    "tuples": lambda: ((1.5, 2.5), (3.5, 4.5)),
    "ranges": lambda: [range(3), range(3, 6)],
    "range": lambda: range(5),
    "tuple_of_lists": lambda: ([1, 2], [3, 4]),
    "empty": lambda: [],
    "empty_nested": lambda: [[], []],
    "empty_3d": lambda: [[[]]],
    "one_element": lambda: [7],
    "strings": lambda: ["a", "bcd", ""],
    "bytes_elements": lambda: [b"ab", b"c"],
    "numpy_str_longest": lambda: ["ab", np.str_("abcd")],
    "numpy_int8s": lambda: [np.int8(1), np.int8(-2)],
    "numpy_int32_int64": lambda: [np.int32(1), np.int64(2)],
    "numpy_float32_float64": lambda: [np.float32(1), np.float64(2)],
    "numpy_float64_float32": lambda: [np.float64(1), np.float32(2)],
    "numpy_float32_complex128": lambda: [np.float32(1), np.complex128(1j)],
    "numpy_uint8_int8": lambda: [np.uint8(200), np.int8(-1)],
    "numpy_uint64_int64": lambda: [np.uint64(1), np.int64(2)],
    "numpy_bool_int": lambda: [np.bool_(True), 1],
    "numpy_datetimes": lambda: [np.datetime64("2020-01-01"), np.datetime64("2020-01-02T05")],
    "numpy_timedeltas": lambda: [np.timedelta64(1, "s"), np.timedelta64(2, "ms")],
    "numpy_arrays": lambda: [np.arange(3), np.arange(3, 6)],
    "numpy_array_float_int": lambda: [np.arange(3.0, dtype=np.float32), np.arange(3)],
    "list_and_array": lambda: [[1, 2], np.array([3, 4])],
    "zero_d_arrays": lambda: [np.array(1.5), np.array(2)],
    "array_column": lambda: [np.array([1.5]), [2]],
    "ndb_arrays": lambda: [ndb.asarray(np.arange(2)), ndb.asarray(np.arange(2, 4))],
    "ndb_and_numpy": lambda: [ndb.asarray(np.arange(2)), np.arange(2.0)],
    "strided_numpy_rows": lambda: [np.arange(10)[::-3], np.arange(4)],
    "fortran_block": lambda: [np.asfortranarray(np.arange(6).reshape(2, 3)), np.zeros((2, 3), dtype=np.int64)],
    "big_endian_rows": lambda: [np.array([1, 2], dtype=">i8"), np.array([3, 4], dtype=">i8")],
    "torch_rows": lambda: [torch.tensor([1, 2]), torch.tensor([3, 4])],
    "bytearray_rows": lambda: [bytearray(b"ab"), bytearray(b"cd")],
    "memoryview_rows": lambda: [memoryview(b"ab"), memoryview(b"cd")],
    "deep_64": lambda: nested(64),
    "max_int64": lambda: [2**63 - 1, -2**63],
}
for name, factory in SEQUENCES.items():
    add(f"seq.{name}", data(factory))
for name in ["nested_2d", "tuples", "ranges", "list_and_array", "ndb_arrays"]:
    for copy in (True, False):
        add(f"seq.{name}", data(SEQUENCES[name]), copy=copy)
    for order in ("C", "F", "A"):
        add(f"seq.{name}", data(SEQUENCES[name]), order=order)
for name, spec in [("ints", "float32"), ("ints", "uint8"), ("int_float", "int32"), ("nested_2d", "complex64"),
                   ("bools", "float16"), ("bool_int", "bool"), ("int_float", ml_dtypes.bfloat16),
                   ("numpy_arrays", "int16"), ("strings", "U2"), ("bytes_elements", "S1"), ("int_float", int),
                   ("ints", "M8[D]"), ("empty", "int8"), ("numpy_float32_float64", "float32")]:
    add(f"seq.{name}", data(SEQUENCES[name]), dtype=spec)
for name in ["nested_2d", "ints"]:
    add(f"seq.{name}", data(SEQUENCES[name]), device="cpu")

# Where DESIGN differs from NumPy's sequence inference.
add("seq.above_int64", data(lambda: [1, 2**63]), expect=Expect("uint64", (2,), [1, 2**63], shares=False),
    why="DESIGN §4: uint64 when a value is >= 2**63 and none is negative (NumPy: float64)")
add("seq.uint64_max", data(lambda: [[2**64 - 1], [0]]), expect=Expect("uint64", (2, 1), [[2**64 - 1], [0]], shares=False),
    why="DESIGN §4 (NumPy: object)")
# Python scalars beside typed elements promote as np.array promotes them (no expectation: NumPy's result).
for name, make in [("int_after_float32", lambda: [np.float32(1), 2]), ("float_after_float32", lambda: [np.float32(1), 2.5]),
                   ("int_after_int8", lambda: [np.int8(1), 2]), ("float_after_int8", lambda: [np.int8(1), 2.5]),
                   ("complex_after_float32", lambda: [np.float32(1), 1j]), ("bool_after_int8", lambda: [np.int8(1), True]),
                   ("ints_after_int8_array", lambda: [np.array([1, 2], dtype=np.int8), [3, 4]]),
                   ("big_endian_array_and_ints", lambda: [np.array([1, 2], dtype=">i4"), [3, 4]]),
                   ("float_after_bfloat16", lambda: [ml_dtypes.bfloat16(1), 2.0]),
                   ("float_after_complex64", lambda: [np.complex64(1), 2.5]), ("int_after_uint64", lambda: [np.uint64(1), 2]),
                   ("int_300_after_int8", lambda: [np.int8(1), 300]), ("negative_after_uint8", lambda: [np.uint8(1), -1])]:
    add(f"seq.typed_and_python.{name}", data(make))

# device: the source's device; host data cannot be moved by ndbridge.
add("numpy.c_3d", layout("c_3d"), device="cpu", copy=False)
add("ndb.c_3d", ndb_layout("c_3d"), device="cpu")

# ---------------------------------------------------------------------------------------------- helpers

for name in ["c_3d", "f_3d", "negative_step", "negative_steps_2d", "readonly_flag", "big_endian_f8",
             "unaligned_readonly", "datetime64_us", "unicode_U3", "bfloat16", "float8_e5m2", "zero_d", "size0_leading",
             "broadcast_zero_strides", "longdouble"]:
    add(f"numpy.{name}", layout(name), call="from_numpy")
    add(f"numpy.{name}", layout(name), call="as_tensor")
    add(f"numpy.{name}", layout(name), call="tensor")
for name in ["c_3d", "readonly_flag", "int8"]:
    add(f"numpy.{name}", layout(name), call="as_tensor", dtype="float32")
    add(f"numpy.{name}", layout(name), call="tensor", dtype="float32")
for name in ["nested_2d", "int_float", "numpy_arrays"]:
    add(f"seq.{name}", data(SEQUENCES[name]), call="as_tensor")
    add(f"seq.{name}", data(SEQUENCES[name]), call="tensor")
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), call="as_tensor")
add("torch.arange_2d", torch_source(TORCH["arange_2d"]), call="tensor")
add("scalar.float", data(PY_SCALARS["float"]), call="tensor")
add("numpy.c_3d", layout("c_3d"), call="as_tensor", device="cpu")

FRAMES = {
    "bytes8": lambda: bytes(range(1, 9)),
    "bytearray8": lambda: bytearray(range(1, 9)),
    "bytearray7": lambda: bytearray(range(1, 8)),
    "array_i": lambda: array.array("i", [1, -2, 3]),
    "mmap16": anonymous_mmap,
    "memoryview_2d": lambda: memoryview(bytearray(range(8))).cast("B", (2, 4)),
}
for name, kw in [("bytes8", {}), ("bytes8", {"dtype": "int16"}), ("bytes8", {"dtype": "float32", "offset": 4}),
                 ("bytes8", {"dtype": "uint8", "count": 3, "offset": 2}), ("bytearray8", {"dtype": "int32"}),
                 ("bytearray8", {"dtype": ">u2"}), ("bytearray8", {"dtype": "float64"}), ("bytearray7", {"offset": 6}),
                 ("bytearray7", {"dtype": "int16", "offset": 1}), ("array_i", {"dtype": "uint8"}),
                 ("array_i", {"dtype": "int32", "count": 2}), ("mmap16", {"dtype": "complex64"}),
                 ("memoryview_2d", {"dtype": "int32"}), ("bytearray8", {"dtype": "bool"})]:
    add(f"frombuffer.{name}", raw_buffer(FRAMES[name]), call="frombuffer", **kw)
add("frombuffer.bytearray8", raw_buffer(FRAMES["bytearray8"]), call="frombuffer", dtype=ml_dtypes.bfloat16)
add("frombuffer.bytearray8", raw_buffer(FRAMES["bytearray8"]), call="frombuffer", dtype="float8_e4m3fn",
    np_kwargs={"dtype": ml_dtypes.float8_e4m3fn})

# ---------------------------------------------------------------------------------------------- bad input

ERRORS = [
    # (id, factory, kwargs, Raises or NUMPY, call)
    ("seq.ragged_1", data(lambda: [[1, 2], [3]]), {}, NUMPY, "asarray"),
    ("seq.ragged_scalar_and_row", data(lambda: [[1, 2], 3]), {}, NUMPY, "asarray"),
    ("seq.ragged_2", data(lambda: [[[1], [2]], [[3], [4, 5]]]), {}, NUMPY, "asarray"),
    ("seq.ragged_array_rows", data(lambda: [np.arange(2), np.arange(3)]), {}, NUMPY, "asarray"),
    ("seq.ragged_row_where_scalar_belongs", data(lambda: [1, [2, 3]]), {}, NUMPY, "asarray"),
    ("seq.depth_65", data(lambda: nested(65)), {}, Raises(ValueError, "deeper than 64"), "asarray"),
    ("seq.depth_200", data(lambda: nested(200)), {}, Raises(ValueError, "deeper than 64"), "asarray"),
    ("seq.self_containing", data(self_containing), {}, Raises(ValueError, "contains itself"), "asarray"),
    ("seq.self_referencing", data(self_referencing), {}, Raises(ValueError, r"element \(1,\) .*self-referencing list"), "asarray"),
    ("seq.growing_custom_sequence", data(GrowingSequence), {}, Raises(ValueError, "GrowingSequence changed length"), "asarray"),
    ("seq.shrinking_custom_sequence", data(ShrinkingSequence), {}, Raises(ValueError, "ShrinkingSequence changed length"), "asarray"),
    ("seq.mutating_list_subclass", data(lambda: MutatingList([1, 2])), {}, Raises(ValueError, "MutatingList changed length"), "asarray"),
    ("seq.emptied_while_read", data(list_emptied_while_read), {}, Raises(ValueError, "list changed length"), "asarray"),
    ("seq.int_2**64", data(lambda: [1, 2**64]), {}, Raises(OverflowError, "18446744073709551616"), "asarray"),
    ("seq.int_below_int64", data(lambda: [-2**63 - 1]), {}, Raises(OverflowError, "-9223372036854775809"), "asarray"),
    ("seq.negative_and_above_int64", data(lambda: [-1, 2**63]), {}, Raises(OverflowError, "-1 and 9223372036854775808"), "asarray"),
    ("scalar.int_2**64", data(lambda: 2**64), {}, Raises(OverflowError, "18446744073709551616"), "asarray"),
    ("seq.nan_to_int32", data(lambda: [1.0, float("nan")]), {"dtype": "int32"}, Raises(ValueError, r"element \(1,\).*NaN"), "asarray"),
    ("scalar.nan_to_int64", data(lambda: float("nan")), {"dtype": "int64"}, Raises(ValueError, "NaN"), "asarray"),
    ("seq.inf_to_int64", data(lambda: [float("inf")]), {"dtype": "int64"}, Raises(OverflowError, "infinity"), "asarray"),
    ("seq.300_to_int8", data(lambda: [1, 300]), {"dtype": "int8"}, NUMPY, "asarray"),
    ("seq.negative_to_uint8", data(lambda: [-1]), {"dtype": "uint8"}, NUMPY, "asarray"),
    ("seq.complex_to_float", data(lambda: [1 + 2j]), {"dtype": "float64"}, NUMPY, "asarray"),
    ("seq.str_into_bytes_dtype", data(lambda: ["a", "bcd"]), {"dtype": "S3"}, Raises(TypeError, "cannot store a str in dtype S3"), "asarray"),
    ("seq.bytes_into_str_dtype", data(lambda: [b"a"]), {"dtype": "U3"}, Raises(TypeError, "cannot store a bytes in dtype U3"), "asarray"),
    ("seq.text_to_float", data(lambda: ["1.5"]), {"dtype": "float64"}, Raises(TypeError, "str"), "asarray"),
    ("seq.strings_and_numbers", data(lambda: ["a", 1]), {}, Raises(TypeError, "strings and numbers"), "asarray"),
    ("seq.none_element", data(lambda: [1, None]), {}, Raises(TypeError, r"element \(1,\): cannot read None"), "asarray"),
    ("seq.object_element", data(lambda: [[1, 2], [3, object()]]), {}, Raises(TypeError, r"element \(1, 1\): cannot read <object"), "asarray"),
    ("seq.copy_False", data(lambda: [1, 2]), {"copy": False}, Raises(ndb.CopyError, "never be shared"), "asarray"),
    ("scalar.copy_False", data(lambda: 1.5), {"copy": False}, Raises(ndb.CopyError, "never be shared"), "asarray"),
    ("numpy_scalar.copy_False_with_dtype", data(lambda: np.float32(1)), {"copy": False, "dtype": "float64"}, NUMPY, "asarray"),
    ("unknown.None", data(lambda: None), {}, Raises(TypeError, "NoneType"), "asarray"),
    ("unknown.object", data(object), {}, Raises(TypeError, "type object"), "asarray"),
    ("unknown.set", data(lambda: {1, 2}), {}, Raises(TypeError, "type set"), "asarray"),
    ("unknown.dict", data(lambda: {"a": 1}), {}, Raises(TypeError, "type dict"), "asarray"),
    ("unknown.generator", data(lambda: (i for i in range(3))), {}, Raises(TypeError, "type generator"), "asarray"),
    ("numpy.object_array", array_of([1, "a"], object), {}, Raises(TypeError, "mixes strings and numbers"), "asarray"),
    ("numpy.structured", data(lambda: np.zeros(2, dtype=[("a", "i4")])), {}, Raises(TypeError, "no ndbridge equivalent"), "asarray"),
    # copy=
    ("seq.copy_string", data(lambda: [1, 2]), {"copy": "yes"}, Raises(ValueError, "copy must be True, False or None, not 'yes'"), "asarray"),
    ("numpy.copy_string", layout("c_3d"), {"copy": "never"}, NUMPY, "asarray"),
    ("numpy.copy_int", layout("c_3d"), {"copy": 0}, Raises(ValueError, "copy must be True, False or None, not 0"), "asarray"),
    # order=
    ("seq.order_Z", data(lambda: [1, 2]), {"order": "Z"}, NUMPY, "asarray"),
    ("numpy.order_empty", layout("c_3d"), {"order": ""}, NUMPY, "asarray"),
    ("numpy.order_KA", layout("c_3d"), {"order": "KA"}, NUMPY, "asarray"),
    ("numpy.order_int", layout("c_3d"), {"order": 1}, Raises(TypeError, "order must be a str"), "asarray"),
    # dtype=
    ("seq.dtype_unknown", data(lambda: [1, 2]), {"dtype": "float33"}, NUMPY, "asarray"),
    ("seq.dtype_object", data(lambda: [1, 2]), {"dtype": object}, Raises(TypeError, "object"), "asarray"),
    # copy=False refusals name the reason
    ("numpy.cast_copy_False", layout("int32"), {"dtype": "float32", "copy": False}, Raises(ndb.CopyError, "dtype float32 was requested and the data is int32"), "asarray"),
    ("numpy.order_copy_False", layout("c_3d"), {"order": "F", "copy": False}, Raises(ndb.CopyError, "order 'F' was requested"), "asarray"),
    ("numpy.byte_order_copy_False", layout("big_endian_i4"), {"dtype": "int32", "copy": False}, Raises(ndb.CopyError, ">i4"), "asarray"),
    ("torch.conj_copy_False", torch_lazy("conj"), {"copy": False}, Raises(ndb.CopyError, "conjugate bit"), "asarray"),
    ("array_method_legacy.copy_False", wrapped(LegacyArrayMethod, "c_3d"), {"copy": False}, Raises(ndb.CopyError, "copy keyword"), "asarray"),
    # device=
    ("seq.device_cuda", data(lambda: [1, 2]), {"device": "cuda"}, Raises(ValueError, "device cuda:0"), "asarray"),
    ("numpy.device_cuda", layout("c_3d"), {"device": "cuda"}, Raises(ValueError, "cpu to cuda:0"), "asarray"),
    ("buffer.bytes_device_cuda", bytes_source(lambda: b"ab"), {"device": "cuda:1"}, Raises(ValueError, "cuda:1"), "asarray"),
    ("numpy.device_bogus", layout("c_3d"), {"device": "tpu"}, Raises(ValueError, "unknown device 'tpu'"), "asarray"),
    ("torch.device_cuda", torch_source(TORCH["arange_2d"]), {"device": "cuda"}, Raises(ValueError, "only the producer can move it"), "asarray"),
    ("torch.device_cuda_copy_False", torch_source(TORCH["arange_2d"]), {"device": "cuda", "copy": False}, Raises(ndb.CopyError, "cpu to cuda:0"), "asarray"),
    ("cuda_array_interface.device_cpu", cuda_interface("c_3d"), {"device": "cpu"}, Raises(ValueError, "cuda:0 to cpu"), "asarray"),
    ("cuda_array_interface.copy_True", cuda_interface("c_3d"), {"copy": True}, Raises(ValueError, "cuda:0"), "asarray"),
    # DLPack
    ("capsule.consumed", data(lambda: _consumed_capsule()), {}, Raises(ValueError, "already consumed"), "asarray"),
    ("capsule.not_dlpack", data(lambda: _foreign_capsule()), {}, Raises(TypeError, "not a DLPack capsule"), "asarray"),
    # hostile __array_interface__ / __array__
    ("array_interface.shape_not_tuple", data(lambda: _interface(shape=[2])), {}, Raises(TypeError, "'shape' must be a tuple"), "asarray"),
    ("array_interface.bad_typestr", data(lambda: _interface(typestr="<x4")), {}, Raises(TypeError, "x4"), "asarray"),
    ("array_interface.data_too_small", data(lambda: _interface(shape=(100,), data=bytearray(8))), {}, Raises(ValueError, "reaches bytes"), "asarray"),
    ("array_interface.data_bad_tuple", data(lambda: _interface(data=(0, False, 1))), {}, Raises(ValueError, "'data' must be"), "asarray"),
    ("array_struct.datetime_without_dtype", wrapped(ArrayStruct, "datetime64_s"), {}, Raises(TypeError, "without their unit"), "asarray"),
    ("array_method.returns_list", data(lambda: _ArrayReturning([1, 2])), {}, Raises(TypeError, "__array__"), "asarray"),
    # helpers
    ("from_numpy.object_array", array_of([1, "a"], object), {}, Raises(ndb.CopyError, "cannot be shared"), "from_numpy"),
    ("from_numpy.list", data(lambda: [1, 2]), {}, Raises(TypeError, "expected a numpy.ndarray, got list"), "from_numpy"),
    ("from_numpy.numpy_scalar", data(lambda: np.float32(1)), {}, Raises(TypeError, "got float32"), "from_numpy"),
    ("from_numpy.tensor", torch_source(TORCH["arange_2d"]), {}, Raises(TypeError, "got Tensor"), "from_numpy"),
    ("tensor.ragged", data(lambda: [[1], [2, 3]]), {}, NUMPY, "tensor"),
    ("as_tensor.device_cuda", layout("c_3d"), {"device": "cuda"}, Raises(ValueError, "cuda:0"), "as_tensor"),
    ("frombuffer.empty_bytes", raw_buffer(lambda: b""), {}, Raises(ValueError, r"both buffer length \(0\) and count \(-1\) must not be 0"), "frombuffer"),
    ("frombuffer.count_0", raw_buffer(lambda: b"abcd"), {"count": 0}, Raises(ValueError, r"count \(0\) must not be 0"), "frombuffer"),
    ("frombuffer.offset_at_end", raw_buffer(lambda: b"abcd"), {"offset": 4}, Raises(ValueError, r"offset \(4 bytes\) must be non-negative and smaller than the buffer length \(4 bytes\)"), "frombuffer"),
    ("frombuffer.negative_offset", raw_buffer(lambda: b"abcd"), {"offset": -1}, Raises(ValueError, r"offset \(-1 bytes\)"), "frombuffer"),
    ("frombuffer.not_item_multiple", raw_buffer(lambda: b"abcde"), {"dtype": "int32"}, Raises(ValueError, r"buffer length \(5 bytes\) after offset \(0 bytes\) must be a multiple of element size \(4\)"), "frombuffer"),
    ("frombuffer.not_multiple_after_offset", raw_buffer(lambda: bytearray(8)), {"dtype": "int16", "offset": 1}, Raises(ValueError, r"buffer length \(7 bytes\) after offset \(1 bytes\) must be a multiple of element size \(2\)"), "frombuffer"),
    ("frombuffer.count_too_big", raw_buffer(lambda: b"abcd"), {"dtype": "int16", "count": 3}, Raises(ValueError, r"requested buffer length \(3 \* 2 bytes\) after offset \(0 bytes\) must not be greater than actual buffer length \(4 bytes\)"), "frombuffer"),
    ("frombuffer.not_a_buffer", data(lambda: [1, 2]), {}, Raises(TypeError, "list does not implement the buffer protocol"), "frombuffer"),
    ("frombuffer.str", data(lambda: "abc"), {}, Raises(TypeError, "str does not implement the buffer protocol"), "frombuffer"),
    ("frombuffer.strided_memoryview", data(lambda: memoryview(b"abcdef")[::2]), {}, Raises(ValueError, "not contiguous"), "frombuffer"),
    ("frombuffer.bad_dtype", raw_buffer(lambda: b"abcd"), {"dtype": "int33"}, Raises(TypeError, "int33"), "frombuffer"),
]


def _consumed_capsule():
    cap = np.arange(3).__dlpack__(max_version=(1, 0))
    ndb.asarray(cap)
    return cap


def _foreign_capsule():
    return np.arange(3).__array_struct__  # a capsule, but not a DLPack one


def _interface(**overrides):
    keep = np.arange(4, dtype=np.int32)
    d = {"shape": (4,), "typestr": "<i4", "data": (keep.ctypes.data, False), "version": 3}
    d.update(overrides)
    obj = type("Interface", (), {"__array_interface__": property(lambda self: d), "keep": keep})()
    return obj


class _ArrayReturning:
    def __init__(self, value):
        self.value = value

    def __array__(self, dtype=None, copy=None):
        return self.value


for ident, make, kwargs, expect, call in ERRORS:
    CASES.append(Case(f"{ident}" if call == "asarray" else f"{call}:{ident}", make, kwargs, expect, call))


def _classify():
    ok, bad = [], []
    for case in CASES:
        (bad if isinstance(resolve(case, case.make()), Raises) else ok).append(case)
    return ok, bad


OK_CASES, ERROR_CASES = _classify()


def params(cases):
    return pytest.mark.parametrize("case", cases, ids=[c.id for c in cases])


def host(exp):
    return not (isinstance(exp.values, str) and exp.values == DEVICE)


def _with_memory(case):
    src = case.make()
    exp = resolve(case, src)
    return src.mem is not None and host(exp) and int(np.prod(exp.shape)) > 0


MEMORY_CASES = [c for c in OK_CASES if _with_memory(c)]
SHARED_CASES = [c for c in MEMORY_CASES if resolve(c, c.make()).shares]
WRITABLE_SOURCE_CASES = [c for c in MEMORY_CASES if c.make().mem.flags.writeable]


def test_the_table_is_large_and_covers_every_input_kind():
    assert len(CASES) >= 200
    assert hasattr(torch.Tensor, "__dlpack_c_exchange_api__"), "the torch rows must exercise the C exchange API"
    kinds = {c.id.split(":")[-1].split(".")[0].split("[")[0] for c in CASES}
    for kind in ["numpy", "ndb", "torch", "dlpack", "dlpack_legacy", "capsule_versioned", "capsule_legacy", "buffer",
                 "array_interface", "array_struct", "cuda_array_interface", "array_method", "numpy_scalar", "scalar",
                 "seq", "frombuffer"]:
        assert kind in kinds, kind
    assert len(set(c.id for c in CASES)) == len(CASES), "case ids must be unique"


# ---------------------------------------------------------------------------------------------- values to write

def fresh_value(kind, current):
    """A value of `kind` (NumPy/ndb kind letter) that differs from `current`."""
    if kind == "b":
        return not current
    if kind in "iu":
        return 0 if current != 0 else 5
    if kind in "fV":
        return 2.5 if current != 2.5 else 3.0
    if kind == "c":
        return 1.5 - 2j if current != 1.5 - 2j else 2.5
    if kind in "Mm":
        return 12345
    if kind == "S":
        return b"zz" if current != b"zz" else b"yy"
    if kind == "U":
        return "zz" if current != "zz" else "yy"
    raise AssertionError(kind)


def first(shape):
    return (0,) * len(shape)


def extent(a):
    """[low, high) byte addresses a NumPy array touches."""
    lo = hi = data_ptr(a)
    for n, s in zip(a.shape, a.strides):
        if s < 0:
            lo += (n - 1) * s
        else:
            hi += (n - 1) * s
    return lo, hi + a.itemsize


def oracle(exp, src):
    """What the result must read after the source memory changed: NumPy's result for NumPy-rule rows (it
    shares exactly when ndbridge must), else the source memory itself (explicit rows that share view
    exactly its elements)."""
    return getattr(exp, "numpy", None) if hasattr(exp, "numpy") else src.mem


# ---------------------------------------------------------------------------------------------- families

@params(OK_CASES)
def test_dtype(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    assert isinstance(x, ndb.Array)
    assert x.dtype == ndb.dtype(exp.dtype)
    assert x.itemsize == ndb.dtype(exp.dtype).itemsize


@params(OK_CASES)
def test_shape(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    assert x.shape == tuple(exp.shape)
    assert x.ndim == len(exp.shape)
    assert x.size == int(np.prod(exp.shape, dtype=np.int64))


@params(OK_CASES)
def test_values(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    if not host(exp):
        with pytest.raises(ValueError, match="device"):
            x.tolist()
        return
    assert same_value(x.tolist(), exp.values)


@params([c for c in OK_CASES if resolve(c, c.make()).strides is not None])
def test_strides_follow_the_order_rule(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    if x.size:
        assert meaningful_strides(x.shape, x.strides) == meaningful_strides(exp.shape, exp.strides)
    if case.kwargs.get("order") == "C":
        assert x.flags.c_contiguous
    if case.kwargs.get("order") == "F":
        assert x.flags.f_contiguous


@params(OK_CASES)
def test_device(case):
    src = case.make()
    exp = resolve(case, src)
    assert convert(case, src).device == exp.device


@params(MEMORY_CASES)
def test_data_pointer_is_the_source_exactly_when_shared(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    if exp.shares:
        assert x.data_ptr == data_ptr(oracle(exp, src))
    else:
        lo, hi = extent(src.mem)
        assert not lo <= x.data_ptr < hi, "a copy must not live in the source's memory"


@params(WRITABLE_SOURCE_CASES)
def test_write_through_source_is_seen_exactly_when_shared(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    before = x.tolist()
    mem = src.mem
    mem[...] = fresh_value(mem.dtype.kind, mem[first(mem.shape)].item())
    after = as_python(oracle(exp, src).tolist())
    if exp.shares:
        assert not same_value(after, before), "the write must be visible through the source"
        assert same_value(x.tolist(), after)
    else:
        assert same_value(x.tolist(), before)


@params([c for c in MEMORY_CASES if not resolve(c, c.make()).readonly])
def test_write_through_result_is_seen_exactly_when_shared(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    source_before = as_python(src.mem.tolist())
    x[...] = fresh_value(x.dtype.kind, x[first(x.shape)] if x.ndim else x.item())
    if exp.shares:
        assert same_value(as_python(oracle(exp, src).tolist()), x.tolist())
        assert not same_value(as_python(src.mem.tolist()), source_before)
    else:
        assert same_value(as_python(src.mem.tolist()), source_before)


@params(OK_CASES)
def test_readonly(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    assert x.readonly == exp.readonly
    assert x.flags.writeable == (not exp.readonly)
    if exp.readonly and x.size and host(exp):
        before = x.tolist()
        with pytest.raises(ValueError, match="read-only"):
            x[...] = fresh_value(x.dtype.kind, None)
        assert same_value(x.tolist(), before)


@params(SHARED_CASES)
def test_alias_keeps_its_source_alive(case):
    src = case.make()
    exp = resolve(case, src)
    x = convert(case, src)
    expected = x.tolist()
    del src, exp  # reference counting frees the source here, unless the alias holds it
    churn = [np.ones(1024) for _ in range(64)]  # reuse freed memory, if any was freed
    assert same_value(x.tolist(), expected)
    del churn


def resize(obj):
    """Grows a resizable buffer (or closes a mmap): refused with BufferError while an export is held."""
    if isinstance(obj, bytearray):
        obj.extend(b"\x00")
    elif isinstance(obj, array.array):
        obj.append(0)
    else:
        obj.close()


RESIZABLE_CASES = [c for c in SHARED_CASES if isinstance(c.make().obj, (bytearray, array.array, mmap.mmap))]


@params(RESIZABLE_CASES)
def test_buffer_export_is_held_while_the_alias_lives(case):
    src = case.make()
    x = convert(case, src)
    obj = src.obj
    del src  # drops the test's own NumPy views, which hold exports too
    with pytest.raises(BufferError):
        resize(obj)
    del x
    resize(obj)  # the alias was the last export


@params(ERROR_CASES)
def test_exception(case):
    src = case.make()
    exp = resolve(case, src)
    with pytest.raises(exp.exc, match=exp.match):
        convert(case, src)


@params([c for c in ERROR_CASES if c.kwargs.get("copy") is False])
def test_copy_false_refusals_are_copy_errors(case):
    src = case.make()
    with pytest.raises(ndb.CopyError) as info:
        convert(case, src)
    assert isinstance(info.value, ValueError) and isinstance(info.value, BufferError)
    assert "copy=False" in str(info.value) or "copy keyword" in str(info.value)
