"""A tour of ndbridge's conversions: run with `make demo`.

Each step prints what happened and checks it, so the demo fails loudly if a promise is broken.
"""
import array
import mmap

import numpy as np

import ndbridge as ndb


def show(title, value):
    print(f"\n== {title}\n{value}")


def ptr(a):
    return a.__array_interface__["data"][0]


# 1. A NumPy array is viewed, not copied: same memory, mutations visible both ways.
a = np.arange(12, dtype=np.float32).reshape(3, 4)
x = ndb.asarray(a)
assert x.data_ptr == ptr(a)
a[0, 0] = 100.0
x[2, 3] = -1.0
assert x[0, 0] == 100.0 and a[2, 3] == -1.0
show("NumPy float32 (3, 4) viewed zero-copy; writes go both ways", repr(x))

# 2. Layouts other libraries refuse are views here: negative strides, Fortran order, transposes.
rev = a[::-1, ::2]
xr = ndb.asarray(rev)
assert xr.data_ptr == ptr(rev) and xr.strides == rev.strides
show(f"a[::-1, ::2] is a view with strides {xr.strides} (torch.from_numpy refuses negative strides)", repr(xr))
f = np.asfortranarray(a)
show("Fortran-ordered array keeps its layout", f"flags: C={ndb.asarray(f).flags.c_contiguous} F={ndb.asarray(f).flags.f_contiguous}")

# 3. Read-only stays read-only: nothing immutable is ever written through an alias.
ro = np.array([1.0, 2.0, 3.0])
ro.setflags(write=False)
xro = ndb.asarray(ro)
try:
    xro[0] = 5.0
    raise SystemExit("read-only array was written")
except ValueError as e:
    show("a read-only NumPy array is a read-only ndb.Array", f"{xro!r}\nwriting raised ValueError: {e}")

# 4. Exact dtypes: byte order, datetimes, strings, half precision, bfloat16 through ml_dtypes.
big = np.array([1, 256, 65536], dtype=">i4")
show("big-endian int32 is kept as is (no copy) and read correctly", f"{ndb.asarray(big)!r} -> {ndb.asarray(big).tolist()}")
dates = np.array(["2024-02-29", "NaT", "1969-07-20"], dtype="datetime64[D]")
show("datetime64[D] elements come back as datetime.date, NaT as None", ndb.asarray(dates).tolist())
words = np.array(["ndb", "bridge"])
show("fixed-width unicode", f"{ndb.asarray(words)!r} dtype={ndb.asarray(words).dtype}")
try:
    import ml_dtypes

    bf = np.array([1.5, -2.25, 3.0e38], dtype=ml_dtypes.bfloat16)
    show("ml_dtypes bfloat16 arrays map to ndb.bfloat16", f"{ndb.asarray(bf)!r}")
except ImportError:
    pass

# 5. Buffers: bytes, bytearray, array.array, memoryview (multi-dimensional), mmap, with their formats.
show("bytes is a read-only uint8 view", repr(ndb.asarray(b"ndbridge")))
ar = array.array("d", [0.5, 1.5, 2.5])
show("array.array('d') keeps its format", repr(ndb.asarray(ar)))
grid = memoryview(bytearray(24)).cast("i", (2, 3))
xg = ndb.asarray(grid)
xg[1, 2] = 7
assert grid[1, 2] == 7
show("memoryview cast to int32 (2, 3): shape and format honoured, writable", repr(xg))
mm = mmap.mmap(-1, 16)
xm = ndb.asarray(mm)
xm[0] = 42
assert mm[0] == 42
show("anonymous mmap viewed and written in place", f"first byte of the mmap is now {mm[0]}")
del xm

# 6. One dtype vocabulary: NumPy, torch, strings and Python types all name the same dtypes.
specs = ["float32", "<f4", "f", np.float32, np.dtype("float32"), float]
try:
    import torch

    specs += [torch.float32, torch.bfloat16, torch.int]
except ImportError:
    pass
show("dtype spellings", "\n".join(f"  {s!r:40} -> {ndb.dtype(s)!r}" for s in specs))
show("promotion follows NumPy", f"int64 + uint64 -> {ndb.promote_types('int64', 'uint64')}, "
     f"int8 + float16 -> {ndb.promote_types('int8', 'float16')}, "
     f"bfloat16 + float16 -> {ndb.promote_types('bfloat16', 'float16')}")

# 7. Nested sequences and scalars: one pass, NumPy's default dtypes, clear errors for ragged data.
show("lists become arrays with NumPy's default dtypes", "\n".join(
    f"  {src!r:34} -> {ndb.asarray(src)!r}" for src in ([1, 2, 3], [[1, 2.5], [3, 4]], [True, False], [1, 2**63], 3j)))
try:
    ndb.asarray([[1, 2], [3]])
except ValueError as e:
    show("ragged input is a ValueError that says where", e)

# 8. PyTorch tensors arrive zero-copy through DLPack (the C exchange API when torch offers it),
#    even when they track gradients, and bfloat16 stays bfloat16.
try:
    import torch

    t = torch.arange(6, dtype=torch.bfloat16).reshape(2, 3)
    xt = ndb.asarray(t)
    assert xt.data_ptr == t.data_ptr() and xt.dtype == ndb.bfloat16
    xt[0, 0] = 42.0
    assert t[0, 0].item() == 42.0
    show("torch bfloat16 tensor shared; a write through ndbridge lands in the tensor", repr(xt))
    g = torch.ones(3, requires_grad=True)
    assert ndb.asarray(g).data_ptr == g.data_ptr()
    show("a tensor with requires_grad=True is shared too (no .detach() dance)", repr(ndb.asarray(g)))
    xf = ndb.from_dlpack(torch.arange(4.0), copy=True)
    show("from_dlpack(copy=True) gives independent memory", repr(xf))
except ImportError:
    pass

# 9. The rules in one place: copy=False never copies and says why; dtype= casts in one pass.
src = np.arange(6, dtype=np.float64)[::-1]
try:
    ndb.asarray(src, dtype="float32", copy=False)
except ndb.CopyError as e:
    show("copy=False refuses and names the reason (CopyError is a ValueError and a BufferError)", e)
show("astype to float16 rounds as NumPy, layout kept", repr(ndb.asarray(src).astype("float16")))
show("from_numpy shares even negative strides and read-only arrays",
     f"{ndb.from_numpy(src).strides}, read-only: {ndb.from_numpy(ro).readonly}")
show("frombuffer reinterprets raw bytes", repr(ndb.frombuffer(b"\x00\x00\x80\x3f\x00\x00\x00\x40", dtype="float32")))

# 10. DataFrames and Arrow: pandas' own column arrays and Arrow data in one pass, nulls as you ask.
import pickle  # noqa: E402

import pandas as pd  # noqa: E402
import pyarrow as pa  # noqa: E402

df = pd.DataFrame({"price": [10.5, 11.0, None], "volume": pd.array([100, None, 300], dtype="Int64"),
                   "ticker": ["A", "B", "C"]})
values, missing = ndb.from_dataframe(df, dtype="float32", columns="numeric", nulls="mask")
assert values.shape == (3, 2) and missing.tolist() == [[False, False], [False, True], [True, False]]
show("from_dataframe(columns='numeric', nulls='mask'): values and where they are missing", f"{values!r}\n{missing!r}")
table = pa.table({"a": pa.chunked_array([[1.0, 2.0], [3.0]]), "b": [4, 5, 6]})
show("an Arrow table with chunks, read without concatenating", repr(ndb.asarray(table, dtype="float64")))
col = pa.array(np.arange(4, dtype=np.float32))
xa = ndb.asarray(col)
assert xa.dtype == ndb.float32 and pa.array(xa).type == pa.float32()
show("an Arrow column shared read-only, and back to Arrow with its dtype", f"{xa!r}, readonly={xa.readonly}")

# 11. ndb.Array behaves as a Python object should: pickling, iteration, scalar conversions.
back = pickle.loads(pickle.dumps(ndb.asarray(a[::-1]), protocol=5))
assert back.tolist() == a[::-1].tolist() and float(ndb.asarray(2.5)) == 2.5 and len(list(back)) == 3
show("pickled, iterated and converted as NumPy arrays are", repr(back))
print("\ndemo finished: every check passed")
