"""Round trips NumPy -> ndb.Array -> NumPy / PyTorch / JAX / memoryview -> ndb.Array: a dtype x layout x target
matrix. Values must be equal; memory shared when the rules allow (pointer, and a write seen on the other side
both ways), copied exactly when a rule says so (PyTorch: negative strides, read-only, non-native byte order;
DLPack: negative strides, non-native byte order); read-only preserved where the target has it. Then the
__dlpack__ arguments and flags, the buffer protocol's PyBUF flags, __array_interface__ and __array__."""
import ctypes

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb

try:
    import jax

    jax.config.update("jax_enable_x64", True)  # else float64/int64/complex128 arrive downcast
    import jax.numpy as jnp
except ImportError:  # JAX is optional at run time
    jax = jnp = None

needs_jax = pytest.mark.skipif(jax is None, reason="JAX is not installed (pip install jax jaxlib)")


def np_ptr(a):
    return a.__array_interface__["data"][0]


# ---- sources -----------------------------------------------------------------------------------------

def _values(dtype, n):
    """n distinct-ish values of ``dtype`` (1-d, C order)."""
    d = np.dtype(dtype)
    if d.kind == "b":
        return np.arange(n) % 3 == 0
    if d.kind == "U":
        return np.array([f"s{i}" for i in range(n)], dtype=d)
    if d.kind == "S":
        return np.array([f"b{i}".encode() for i in range(n)], dtype=d)
    if d.kind in "mM":
        return np.arange(n).astype(np.int64).astype(d)
    if d.kind == "c":
        return (np.arange(n) + 1j * (np.arange(n) % 5)).astype(d)
    if d.kind == "u":
        return (np.arange(n) % 250).astype(d)
    return (np.arange(n) % 120 - 7).astype(d)  # ints, floats (float8 included: small integers are exact)


LAYOUTS = {
    "c": lambda d: _values(d, 24).reshape(4, 6),
    "f": lambda d: np.asfortranarray(_values(d, 24).reshape(4, 6)),
    "strided": lambda d: _values(d, 48).reshape(4, 12)[:, 1::2],
    "negative": lambda d: _values(d, 24).reshape(4, 6)[::-1, ::-2],
    "zero_d": lambda d: _values(d, 2)[1:].reshape(()),
    "size0": lambda d: _values(d, 0).reshape(0, 3),
    "readonly": lambda d: _read_only(_values(d, 12).reshape(3, 4)),
}


def _read_only(a):
    a.setflags(write=False)
    return a


NATIVE = {
    "bool": np.bool_, "int8": np.int8, "uint8": np.uint8, "int16": np.int16, "uint16": np.uint16,
    "int32": np.int32, "uint32": np.uint32, "int64": np.int64, "uint64": np.uint64,
    "float16": np.float16, "bfloat16": ml_dtypes.bfloat16, "float32": np.float32, "float64": np.float64,
    "complex64": np.complex64, "complex128": np.complex128,
}
NUMPY_ONLY = {
    "longdouble": np.longdouble, "clongdouble": np.clongdouble, "datetime64_s": "datetime64[s]",
    "timedelta64_ms": "timedelta64[ms]", "unicode": "U3", "bytes": "S3",
    "float8_e4m3fn": ml_dtypes.float8_e4m3fn, "float8_e5m2": ml_dtypes.float8_e5m2,
}
NON_NATIVE = {"be_int32": ">i4", "be_float64": ">f8", "be_complex128": ">c16", "be_uint16": ">u2"}
NUMPY_DTYPES = {**NATIVE, **NUMPY_ONLY, **NON_NATIVE}
TORCH_DTYPES = dict(NATIVE)  # every DLPack type torch 2.13 takes on the CPU
JAX_DTYPES = dict(NATIVE)  # jax_enable_x64 is on in this module
NO_PEP3118 = {"bfloat16", "float8_e4m3fn", "float8_e5m2", "datetime64_s", "timedelta64_ms"}
MEMORYVIEW_DTYPES = {k: v for k, v in NUMPY_DTYPES.items() if k not in NO_PEP3118}


def matrix(dtypes, layouts=LAYOUTS):
    return [pytest.param(d, lay, id=f"{d}-{lay}") for d in dtypes for lay in layouts]


def make(dname, layout):
    return LAYOUTS[layout](np.dtype(NUMPY_DTYPES[dname]))


def first(a):
    return (0,) * a.ndim


def other_value(a, idx):
    """A value of a's dtype that differs from a[idx]."""
    pool = _values(a.dtype, 8)
    return next(v for v in pool if not v == a[idx])


def as_numpy(t):
    """Values of a torch tensor as NumPy (bfloat16 through float32)."""
    t = t.detach()
    return t.float().numpy() if t.dtype == torch.bfloat16 else t.numpy()


def assert_values(result, a):
    r = np.asarray(result)
    assert r.shape == a.shape
    if a.dtype.kind in "fc" or a.dtype in (np.dtype(ml_dtypes.bfloat16),):
        np.testing.assert_array_equal(r.astype(np.complex128 if a.dtype.kind == "c" else np.float64),
                                      a.astype(np.complex128 if a.dtype.kind == "c" else np.float64))
    else:
        np.testing.assert_array_equal(r, a)


def is_copy_for_dlpack(a):
    """The rule: DLPack consumers get a copy of negative strides and non-native byte order."""
    return any(s < 0 for s in a.strides) and a.size > 1 or not a.dtype.isnative


# ---- NumPy: every dtype shares, every layout, read-only kept ------------------------------------------

NUMPY_ROUTES = {
    "np_asarray": lambda x, a: np.asarray(x),
    "numpy_method": lambda x, a: x.numpy(),
    "like_numpy": lambda x, a: ndb.asarray(x, like="numpy"),
    "like_numpy_from_source": lambda x, a: ndb.asarray(a, like=np),
    "to_numpy": lambda x, a: x.to(like=np),
}


@pytest.mark.parametrize("route", list(NUMPY_ROUTES))
@pytest.mark.parametrize("dname, layout", matrix(NUMPY_DTYPES))
def test_numpy_round_trip_shares(dname, layout, route):
    a = make(dname, layout)
    x = ndb.asarray(a)
    r = NUMPY_ROUTES[route](x, a)
    assert isinstance(r, np.ndarray)
    assert r.dtype == a.dtype and r.shape == a.shape
    np.testing.assert_array_equal(r, a)
    assert r.flags.writeable == a.flags.writeable
    if a.size:
        assert np_ptr(r) == np_ptr(a) and r.strides == a.strides
        back = ndb.asarray(r)
        assert back.data_ptr == np_ptr(a) and back.readonly == (not a.flags.writeable)
        if a.flags.writeable:
            idx = first(a)
            v = other_value(a, idx)
            r[idx] = v
            assert a[idx] == v
            w = other_value(a, idx)
            a[idx] = w
            assert r[idx] == w and np.asarray(back)[idx] == w


# ---- PyTorch ------------------------------------------------------------------------------------------

TORCH_ROUTES = {
    "from_dlpack": lambda x: torch.from_dlpack(x),
    "like_torch": lambda x: ndb.asarray(x, like="torch"),
    "to_torch": lambda x: x.to(like=torch),
}
TORCH_LAYOUTS = {k: v for k, v in LAYOUTS.items()}


def torch_copies(a, route):
    """PyTorch has no negative strides, no read-only tensors (like=), no byte order."""
    if a.size == 0:
        return None  # nothing to share: pointers are meaningless
    if any(s < 0 for s in a.strides) and a.size > 1 or not a.dtype.isnative:
        return True
    if not a.flags.writeable:
        return route != "from_dlpack"  # torch.from_dlpack ignores DLPack's READ_ONLY flag (see below)
    return False


@pytest.mark.parametrize("route", list(TORCH_ROUTES))
@pytest.mark.parametrize("dname, layout", matrix(TORCH_DTYPES) + matrix(NON_NATIVE, ["c", "strided"]))
def test_torch_round_trip(dname, layout, route):
    a = make(dname, layout)
    x = ndb.asarray(a)
    t = TORCH_ROUTES[route](x)
    assert isinstance(t, torch.Tensor) and tuple(t.shape) == a.shape
    assert_values(as_numpy(t), a)
    copied = torch_copies(a, route)
    if copied is None:
        return
    if copied:
        assert t.data_ptr() != np_ptr(a)
        if route == "like_torch":
            with pytest.raises(ndb.CopyError):
                ndb.asarray(x, like="torch", copy=False)
    else:
        assert t.data_ptr() == np_ptr(a)
        assert tuple(s * a.itemsize for s in t.stride()) == a.strides or a.ndim == 0
    back = ndb.asarray(t)
    assert back.data_ptr == t.data_ptr() and back.shape == a.shape
    if not copied and a.flags.writeable:
        idx = first(a)
        v = other_value(a, idx)
        a[idx] = v
        assert_values(as_numpy(t)[idx], np.asarray(v, dtype=a.dtype))
        w = np.asarray(other_value(a, idx), dtype=a.dtype)
        t[idx] = torch.from_dlpack(ndb.asarray(w))
        assert a[idx] == w


def test_torch_from_dlpack_ignores_read_only_so_like_torch_copies():
    """DLPack says READ_ONLY; PyTorch 2.13's from_dlpack shares the memory anyway (also NumPy's). ndbridge
    sets the flag; like='torch' (and copy=True) are the safe routes."""
    a = _read_only(np.arange(4.0))
    x = ndb.asarray(a)
    assert ndb.from_dlpack(x.__dlpack__(max_version=(1, 0))).readonly
    assert ndb.asarray(x, like="torch").data_ptr() != np_ptr(a)
    assert torch.from_dlpack(x.__dlpack__(max_version=(1, 0), copy=True)).data_ptr() != np_ptr(a)


def test_torch_requires_grad_on_a_round_trip():
    a = np.arange(3.0)
    t = ndb.asarray(a, like="torch", requires_grad=True)
    assert t.requires_grad and t.is_leaf and t.data_ptr() == np_ptr(a)
    back = ndb.asarray(t)  # gradient tensors are shared as plain memory, no detach needed
    assert back.data_ptr == np_ptr(a)
    assert np_ptr(ndb.asarray(t, like="numpy")) == np_ptr(a)
    with pytest.raises(ValueError, match="floating or complex"):
        ndb.asarray(np.arange(3), like="torch", requires_grad=True)


# ---- JAX ----------------------------------------------------------------------------------------------

JAX_ROUTES = {
    "like_jax": lambda x: ndb.asarray(x, like="jax"),
    "jnp_from_dlpack": lambda x: jnp.from_dlpack(x),
    "to_jax": lambda x: x.to(like=jnp),
}


@needs_jax
@pytest.mark.parametrize("route", list(JAX_ROUTES))
@pytest.mark.parametrize("dname, layout", matrix(JAX_DTYPES) + matrix(NON_NATIVE, ["c", "negative"]))
def test_jax_round_trip(dname, layout, route):
    a = make(dname, layout)
    x = ndb.asarray(a)
    if route == "jnp_from_dlpack" and not a.flags.writeable:
        with pytest.raises(BufferError, match="read-only"):  # JAX asks for a legacy capsule, as from NumPy
            jnp.from_dlpack(x)
        return
    if route == "jnp_from_dlpack" and layout == "strided":
        with pytest.raises(Exception, match="compact"):  # JAX's own limit, the same for NumPy arrays
            jnp.from_dlpack(x)
        return
    j = JAX_ROUTES[route](x)
    assert isinstance(j, jax.Array)
    assert j.shape == a.shape and np.dtype(j.dtype) == a.dtype.newbyteorder("=")
    assert_values(np.asarray(j), a)
    if a.size:
        back = ndb.asarray(j)  # JAX arrays are immutable: they come back read-only, sharing JAX's buffer
        assert back.readonly and back.data_ptr == j.unsafe_buffer_pointer()


@needs_jax
@pytest.mark.parametrize("layout, why", [("readonly", "read-only"), ("strided", "compact")])
def test_like_jax_copies_what_jax_cannot_take_and_refuses_under_copy_false(layout, why):
    a = make("float64", layout)
    j = ndb.asarray(a, like="jax")  # JAX asks for legacy capsules (no read-only flag), compact strides only
    assert_values(np.asarray(j), a)
    with pytest.raises(ndb.CopyError, match=why):
        ndb.asarray(a, like="jax", copy=False)


@needs_jax
def test_jax_shares_aligned_memory():
    """JAX (XLA CPU) takes DLPack memory without a copy when it is suitably aligned."""
    raw = np.empty(64 + 8 * 16, np.uint8)
    off = (-np_ptr(raw)) % 64
    a = raw[off:off + 8 * 16].view(np.float64)
    a[:] = np.arange(16)
    j = ndb.asarray(a, like="jax")
    assert j.unsafe_buffer_pointer() == np_ptr(a)


@needs_jax
@pytest.mark.parametrize("like", ["jax", "jnp", "instance"])
def test_like_jax_forms(like):
    forms = {"jax": jax, "jnp": jnp, "instance": jnp.zeros(1)}
    assert isinstance(ndb.asarray([1.0, 2.0], like=forms[like]), jax.Array)


# ---- memoryview ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("dname, layout", matrix(MEMORYVIEW_DTYPES))
def test_memoryview_round_trip(dname, layout):
    a = make(dname, layout)
    x = ndb.asarray(a)
    m = memoryview(x)
    assert m.readonly == (not a.flags.writeable)
    assert m.shape == a.shape and m.itemsize == a.itemsize and m.nbytes == a.nbytes
    if a.size:
        assert m.strides == a.strides
    r = np.asarray(m)
    assert r.dtype == a.dtype
    np.testing.assert_array_equal(r, a)
    if a.size:
        assert np_ptr(r) == np_ptr(a)
        back = ndb.asarray(m)
        assert back.data_ptr == np_ptr(a) and back.readonly == m.readonly
        if a.flags.writeable:
            idx = first(a)
            v = other_value(a, idx)
            r[idx] = v  # a write through the buffer lands in the source
            assert a[idx] == v


@pytest.mark.parametrize("dname", sorted(NO_PEP3118))
def test_memoryview_refuses_dtypes_without_a_format(dname):
    with pytest.raises(BufferError, match="PEP 3118"):
        memoryview(ndb.asarray(make(dname, "c")))


# ---- DLPack capsules: the copy rule, flags, arguments ---------------------------------------------------

class _DLVersion(ctypes.Structure):
    _fields_ = [("major", ctypes.c_uint32), ("minor", ctypes.c_uint32)]


class _DLManagedTensorVersionedHead(ctypes.Structure):
    _fields_ = [("version", _DLVersion), ("manager_ctx", ctypes.c_void_p), ("deleter", ctypes.c_void_p),
                ("flags", ctypes.c_uint64), ("data", ctypes.c_void_p)]


READ_ONLY, IS_COPIED = 1, 2


def capsule_flags(capsule):
    get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
    get_pointer.restype, get_pointer.argtypes = ctypes.c_void_p, [ctypes.py_object, ctypes.c_char_p]
    head = _DLManagedTensorVersionedHead.from_address(get_pointer(capsule, b"dltensor_versioned"))
    return head.flags, head.data


@pytest.mark.parametrize("dname, layout", matrix(TORCH_DTYPES) + matrix(NON_NATIVE, ["c", "negative", "zero_d"]))
def test_dlpack_capsule_shares_or_copies_by_the_rule(dname, layout):
    a = make(dname, layout)
    x = ndb.asarray(a)
    cap = x.__dlpack__(max_version=(1, 0))
    flags, data = capsule_flags(cap)
    copied = is_copy_for_dlpack(a)
    assert bool(flags & IS_COPIED) == copied
    assert bool(flags & READ_ONLY) == (not a.flags.writeable and not copied)
    y = ndb.from_dlpack(cap)
    assert y.shape == a.shape and y.dtype == ndb.dtype(a.dtype.newbyteorder("="))
    assert_values(np.asarray(y), a)
    if a.size and not copied:
        assert y.data_ptr == np_ptr(a)
    elif a.size > 1:
        assert y.data_ptr != np_ptr(a)
    if copied and a.size > 1:
        with pytest.raises(ndb.CopyError):
            x.__dlpack__(max_version=(1, 0), copy=False)


def test_dlpack_versioned_and_legacy():
    x = ndb.asarray(np.arange(3.0))
    assert "dltensor_versioned" in repr(x.__dlpack__(max_version=(1, 0)))
    assert "dltensor_versioned" in repr(x.__dlpack__(max_version=(1, 3)))
    assert '"dltensor"' in repr(x.__dlpack__())
    assert '"dltensor"' in repr(x.__dlpack__(max_version=(0, 8)))
    y = ndb.from_dlpack(x.__dlpack__())
    assert y.readonly and y.data_ptr == x.data_ptr  # legacy capsules cannot say "writable"


def test_dlpack_copy_true_sets_is_copied():
    a = np.arange(4.0)
    cap = ndb.asarray(a).__dlpack__(max_version=(1, 0), copy=True)
    flags, data = capsule_flags(cap)
    assert flags & IS_COPIED and data != np_ptr(a)
    y = ndb.from_dlpack(cap)
    assert not y.readonly and y.tolist() == a.tolist()


def test_dlpack_read_only_versioned_flag_and_legacy_refusal():
    a = _read_only(np.arange(4.0))
    flags, data = capsule_flags(ndb.asarray(a).__dlpack__(max_version=(1, 0)))
    assert flags & READ_ONLY and not flags & IS_COPIED and data == np_ptr(a)
    with pytest.raises(BufferError, match="read-only"):
        ndb.asarray(a).__dlpack__()


def test_dlpack_stream_on_cpu_is_a_clear_error():
    with pytest.raises(BufferError, match="stream must be None"):
        ndb.asarray(np.arange(3.0)).__dlpack__(stream=1)


def test_dlpack_device_mismatch_is_a_buffer_error():
    x = ndb.asarray(np.arange(3.0))
    for copy in (False, None, True):
        with pytest.raises(BufferError, match="requested"):
            x.__dlpack__(max_version=(1, 0), dl_device=(2, 0), copy=copy)
    assert ndb.from_dlpack(x.__dlpack__(max_version=(1, 0), dl_device=(1, 0))).data_ptr == x.data_ptr
    assert x.__dlpack_device__() == (1, 0)


def test_dlpack_copy_must_be_a_bool():
    with pytest.raises(ValueError, match="copy must be"):
        ndb.asarray(np.arange(3.0)).__dlpack__(max_version=(1, 0), copy=1)


@pytest.mark.parametrize("dname", ["longdouble", "clongdouble", "datetime64_s", "unicode", "bytes"])
def test_dlpack_refuses_types_it_has_no_code_for(dname):
    with pytest.raises(BufferError, match="no DLPack type code"):
        ndb.asarray(make(dname, "c")).__dlpack__(max_version=(1, 0))


def test_dlpack_non_element_strides_are_copied():
    raw = np.zeros(64, np.uint8)
    a = np.ndarray((4,), dtype=np.float64, buffer=raw, offset=0, strides=(9,))
    x = ndb.asarray(a)
    flags, data = capsule_flags(x.__dlpack__(max_version=(1, 0)))
    assert flags & IS_COPIED
    with pytest.raises(ndb.CopyError):
        x.__dlpack__(max_version=(1, 0), copy=False)


# ---- buffer protocol: PyBUF flags ------------------------------------------------------------------------

class _Py_buffer(ctypes.Structure):
    _fields_ = [("buf", ctypes.c_void_p), ("obj", ctypes.py_object), ("len", ctypes.c_ssize_t),
                ("itemsize", ctypes.c_ssize_t), ("readonly", ctypes.c_int), ("ndim", ctypes.c_int),
                ("format", ctypes.c_char_p), ("shape", ctypes.POINTER(ctypes.c_ssize_t)),
                ("strides", ctypes.POINTER(ctypes.c_ssize_t)), ("suboffsets", ctypes.c_void_p),
                ("internal", ctypes.c_void_p)]


PyBUF_WRITABLE, PyBUF_FORMAT, PyBUF_ND, PyBUF_STRIDES = 0x1, 0x4, 0x8, 0x18
PyBUF_C_CONTIGUOUS, PyBUF_F_CONTIGUOUS, PyBUF_ANY_CONTIGUOUS = 0x38, 0x58, 0x98


def get_buffer(obj, flags):
    view = _Py_buffer()
    get = ctypes.pythonapi.PyObject_GetBuffer
    get.restype, get.argtypes = ctypes.c_int, [ctypes.py_object, ctypes.POINTER(_Py_buffer), ctypes.c_int]
    get(obj, ctypes.byref(view), flags)  # raises the exporter's error
    info = (view.buf, view.readonly, view.format, view.ndim)
    release = ctypes.pythonapi.PyBuffer_Release
    release.restype, release.argtypes = None, [ctypes.POINTER(_Py_buffer)]
    release(ctypes.byref(view))
    return info


def test_writable_buffer_of_a_read_only_array_is_a_buffer_error():
    x = ndb.asarray(_read_only(np.arange(4.0)))
    with pytest.raises(BufferError, match="writable"):
        get_buffer(x, PyBUF_WRITABLE | PyBUF_FORMAT | PyBUF_STRIDES)
    buf, readonly, fmt, ndim = get_buffer(x, PyBUF_FORMAT | PyBUF_STRIDES)
    assert readonly == 1 and fmt == b"d" and buf == x.data_ptr


@pytest.mark.parametrize("layout, flags, ok", [
    ("c", PyBUF_C_CONTIGUOUS | PyBUF_FORMAT, True),
    ("f", PyBUF_C_CONTIGUOUS | PyBUF_FORMAT, False),
    ("f", PyBUF_F_CONTIGUOUS | PyBUF_FORMAT, True),
    ("c", PyBUF_F_CONTIGUOUS | PyBUF_FORMAT, False),
    ("f", PyBUF_ANY_CONTIGUOUS | PyBUF_FORMAT, True),
    ("strided", PyBUF_ANY_CONTIGUOUS | PyBUF_FORMAT, False),
    ("strided", PyBUF_STRIDES | PyBUF_FORMAT, True),
    ("strided", PyBUF_ND | PyBUF_FORMAT, False),
    ("negative", PyBUF_STRIDES | PyBUF_FORMAT, True),
    ("c", PyBUF_ND | PyBUF_FORMAT, True),
    ("c", PyBUF_STRIDES, False),  # no format: refused, the consumer would misread the items
])
def test_buffer_honours_pybuf_flags(layout, flags, ok):
    x = ndb.asarray(make("int32", layout))
    if ok:
        buf, readonly, fmt, ndim = get_buffer(x, flags)
        assert buf == x.data_ptr and readonly == 0 and fmt == b"i" and ndim == 2
    else:
        with pytest.raises(BufferError):
            get_buffer(x, flags)


def test_format_less_buffer_of_bytes_is_allowed():
    x = ndb.asarray(np.array([b"ab", b"cd"]))
    assert get_buffer(x, PyBUF_STRIDES)[0] == x.data_ptr


# ---- __array_interface__ and __array__ ----------------------------------------------------------------

@pytest.mark.parametrize("dname", ["datetime64_s", "timedelta64_ms", "unicode", "bytes", "float16", "be_float64",
                                   "be_int32", "longdouble", "bool", "complex64"])
@pytest.mark.parametrize("layout", ["c", "negative", "readonly"])
def test_array_interface_v3(dname, layout):
    a = make(dname, layout)
    ai = ndb.asarray(a).__array_interface__
    assert ai["version"] == 3 and ai["typestr"] == a.dtype.str and ai["shape"] == a.shape
    assert ai["data"] == (np_ptr(a), not a.flags.writeable)
    assert ai["strides"] is None if a.flags.c_contiguous else ai["strides"] == a.strides


@pytest.mark.parametrize("dname", ["bfloat16", "float8_e4m3fn", "float8_e5m2"])
def test_array_interface_is_absent_for_ml_dtypes_and_array_answers(dname):
    a = make(dname, "c")
    x = ndb.asarray(a)
    with pytest.raises(AttributeError):
        x.__array_interface__
    r = np.asarray(x)
    assert r.dtype == a.dtype and np_ptr(r) == np_ptr(a)


def test_array_dunder_follows_numpy2_copy_semantics():
    a = np.arange(4.0)
    x = ndb.asarray(a)
    assert np_ptr(x.__array__()) == np_ptr(a)
    assert np_ptr(x.__array__(copy=False)) == np_ptr(a)
    c = x.__array__(copy=True)
    assert np_ptr(c) != np_ptr(a) and c.tolist() == a.tolist()
    assert np_ptr(np.array(x)) != np_ptr(a)  # np.array copies by default
    assert np_ptr(np.asarray(x, copy=False)) == np_ptr(a)
    assert x.__array__(np.float64, copy=False).dtype == np.float64
    f = x.__array__(np.float32)
    assert f.dtype == np.float32 and f.tolist() == a.tolist()
    with pytest.raises(ValueError):
        x.__array__(np.float32, copy=False)
    with pytest.raises(ValueError):
        np.asarray(x, dtype=np.float32, copy=False)
    assert np.asarray(x, dtype=np.float32).dtype == np.float32


def test_array_dunder_keeps_read_only():
    a = _read_only(np.arange(4.0))
    assert not ndb.asarray(a).__array__().flags.writeable
    assert ndb.asarray(a).__array__(copy=True).flags.writeable
