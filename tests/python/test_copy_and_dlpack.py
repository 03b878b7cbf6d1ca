"""Copy engine and DLPack import, seen from Python: Array.copy/astype/tobytes, __setitem__ with arrays,
and ndb.from_dlpack on real NumPy arrays and torch tensors (sharing checked by pointer and by mutation)."""
import gc
import warnings
import weakref

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb


def np_ptr(a):
    return a.__array_interface__["data"][0]


NUMERIC = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
           np.float16, ml_dtypes.bfloat16, np.float32, np.float64, np.longdouble,
           np.complex64, np.complex128, np.clongdouble, ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2]
NUMERIC_IDS = [np.dtype(t).name for t in NUMERIC]


def source_values(src_type, dst_type):
    """Values of src_type that every destination represents without NumPy's platform-dependent
    out-of-range float->int behaviour: small non-negative integers and halves, plus edge cases where legal."""
    base = np.array([0, 1, 2, 3, 5, 7, 10, 96, 100], dtype=np.float64)  # stays in range after float8 rounding
    dst = np.dtype(dst_type)
    src = np.dtype(src_type)
    if src.kind in "fcV" or src in (np.dtype(ml_dtypes.bfloat16),):
        base = np.concatenate([base, [0.5, 1.5, 2.5, 0.1, 3.75]])
        if dst.kind not in "iub":
            base = np.concatenate([base, [-0.0, -1.25, 1e-3, 65504.0, np.inf, -np.inf]])
    if src.kind == "i" and dst.kind not in "u":
        base = np.concatenate([base, [-1, -100, -128]])
    if src == np.bool_:
        base = np.array([0, 1, 1, 0], dtype=np.float64)
    values = base.astype(src_type)
    if src.kind == "c":
        values = values + (1j * np.arange(values.size)).astype(src_type)
    return values


@pytest.mark.parametrize("dst_type", NUMERIC, ids=NUMERIC_IDS)
@pytest.mark.parametrize("src_type", NUMERIC, ids=NUMERIC_IDS)
def test_astype_equals_numpy_bit_for_bit(src_type, dst_type):
    src = source_values(src_type, dst_type)
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # NumPy warns when complex drops its imaginary part
        expected = src.astype(dst_type)
    got = ndb.asarray(src).astype(dst_type)
    assert got.dtype == ndb.dtype(np.dtype(dst_type))
    assert got.shape == expected.shape
    if np.dtype(dst_type) in (np.dtype(np.longdouble), np.dtype(np.clongdouble)):
        # The 6 padding bytes of x86 long double are unspecified: compare values instead.
        np.testing.assert_array_equal(np.frombuffer(got.tobytes(), dtype=dst_type), expected)
    else:
        assert got.tobytes() == expected.tobytes()


@pytest.mark.parametrize("value, expected", [
    (np.array([np.nan, np.inf, -np.inf, 1e300, -1e300, 3.9, -3.9]), [0, 127, -128, 127, -128, 3, -3]),
])
def test_out_of_range_float_to_int_saturates_and_nan_is_zero(value, expected):
    assert ndb.asarray(value).astype("int8").tolist() == expected


def test_out_of_range_float_to_unsigned_saturates_above_and_wraps_below_as_numpy():
    got = ndb.asarray(np.array([-5.0, 1e30, np.nan, 255.9, -1e30])).astype("uint8").tolist()
    assert got == [251, 255, 0, 255, 0]


LAYOUTS = {
    "c": lambda: np.arange(24, dtype=np.float64).reshape(2, 3, 4),
    "f": lambda: np.asfortranarray(np.arange(24, dtype=np.float64).reshape(2, 3, 4)),
    "transposed": lambda: np.arange(12, dtype=np.int32).reshape(3, 4).T,
    "permuted": lambda: np.arange(24, dtype=np.int16).reshape(2, 3, 4).transpose(1, 2, 0),
    "negative": lambda: np.arange(30, dtype=np.float32).reshape(5, 6)[::-2, ::-1],
    "strided": lambda: np.arange(60, dtype=np.int64).reshape(6, 10)[::3, 1::3],
    "big_endian": lambda: np.arange(12, dtype=">f8").reshape(3, 4).T,
    "size0": lambda: np.zeros((3, 0, 2)),
    "size1": lambda: np.arange(40.0).reshape(4, 10)[1:2, ::3],
    "zero_d": lambda: np.array(2.5),
}


@pytest.mark.parametrize("order", ["K", "A", "C", "F"])
@pytest.mark.parametrize("layout", list(LAYOUTS))
def test_copy_order_strides_and_values_equal_numpy(layout, order):
    a = LAYOUTS[layout]()
    expected = a.copy(order=order)
    got = ndb.asarray(a).copy(order)
    assert got.shape == expected.shape
    assert got.tolist() == expected.tolist()
    if a.size:
        assert got.strides == expected.strides
    assert got.data_ptr != np_ptr(a) or a.size == 0
    assert got.dtype == ndb.dtype(expected.dtype)
    assert not got.readonly


def test_copy_is_independent_of_source():
    a = np.arange(5.0)
    c = ndb.asarray(a).copy()
    a[0] = 99.0
    assert c[0] == 0.0
    c[1] = -1.0
    assert a[1] == 1.0


def test_copy_of_read_only_array_is_writable():
    a = np.arange(4.0)
    a.setflags(write=False)
    c = ndb.asarray(a).copy()
    c[0] = 7.0
    assert c[0] == 7.0 and a[0] == 0.0


def test_astype_copy_false_returns_same_array_when_nothing_changes():
    x = ndb.asarray(np.arange(4.0))
    assert x.astype("float64", copy=False) is x
    y = x.astype("float32", copy=False)
    assert y is not x and y.dtype == ndb.float32


def test_astype_keeps_negative_stride_order_as_positive_k_layout():
    a = np.arange(10.0)[::-1]
    got = ndb.asarray(a).astype("float32")
    assert got.strides == (4,)
    assert got.tolist() == a.astype(np.float32).tolist()


@pytest.mark.parametrize("src_unit, dst_unit", [("ms", "s"), ("s", "ms"), ("ns", "D"), ("D", "M"), ("M", "D"),
                                                 ("Y", "D"), ("D", "Y"), ("h", "m"), ("W", "D"), ("us", "W")])
@pytest.mark.parametrize("kind", ["M8", "m8"])
def test_datetime_unit_conversion_equals_numpy(kind, src_unit, dst_unit):
    if kind == "m8" and ({src_unit, dst_unit} & {"Y", "M"}) and ({src_unit, dst_unit} - {"Y", "M"}):
        pytest.skip("NumPy refuses nonlinear timedelta casts between Y/M and other units")
    raw = np.array([-1001, -1, 0, 1, 1001, 20000, np.iinfo(np.int64).min], dtype=np.int64)
    src = raw.view(f"{kind}[{src_unit}]")
    expected = src.astype(f"{kind}[{dst_unit}]").view(np.int64)
    got = ndb.asarray(src).astype(f"{kind}[{dst_unit}]")
    assert got.tobytes() == expected.tobytes()


def test_string_casts_equal_numpy():
    s = np.array([b"ab", b"abcde", b""], dtype="S5")
    for target in ["S2", "S8", "U3", "U5"]:
        assert ndb.asarray(s).astype(target).tobytes() == s.astype(target).tobytes(), target
    u = np.array(["xy", "hello"], dtype="U5")
    assert ndb.asarray(u).astype("S5").tobytes() == u.astype("S5").tobytes()


def test_unicode_to_bytes_rejects_non_ascii():
    with pytest.raises(ValueError, match="not ASCII"):
        ndb.asarray(np.array(["é"])).astype("S2")


def test_numbers_to_strings_are_a_type_error():
    with pytest.raises(TypeError, match="cannot convert"):
        ndb.asarray(np.arange(3)).astype("U5")
    with pytest.raises(TypeError, match="cannot convert"):
        ndb.asarray(np.array(["1"])).astype("int64")


# ---- __setitem__ with arrays -----------------------------------------------------------------------

def test_setitem_from_numpy_array_casts_and_broadcasts():
    a = np.zeros((3, 4), dtype=np.float32)
    x = ndb.asarray(a)
    x[1:, ::2] = np.array([1.5, 2.5], dtype=np.float64)
    expected = np.zeros((3, 4), dtype=np.float32)
    expected[1:, ::2] = np.array([1.5, 2.5])
    np.testing.assert_array_equal(a, expected)


def test_setitem_from_ndb_array_with_overlap_behaves_like_numpy():
    a = np.arange(10)
    b = a.copy()
    x = ndb.asarray(a)
    x[1:] = x[:-1]
    b[1:] = b[:-1].copy()
    np.testing.assert_array_equal(a, b)


def test_setitem_shape_mismatch_names_both_shapes_and_writes_nothing():
    a = np.zeros(4)
    with pytest.raises(ValueError, match=r"\(3,\).*\(4,\)"):
        ndb.asarray(a)[:] = np.ones(3)
    assert not a.any()


def test_setitem_into_read_only_raises_and_writes_nothing():
    a = np.zeros(3)
    a.setflags(write=False)
    with pytest.raises(ValueError, match="read-only"):
        ndb.asarray(a)[:] = np.ones(3)
    assert not a.any()


# ---- from_dlpack: NumPy --------------------------------------------------------------------------

DLPACK_NUMPY = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                np.float16, np.float32, np.float64, np.complex64, np.complex128]
NUMPY_SHAPES = {
    "c": lambda t: np.arange(12).reshape(3, 4).astype(t),
    "f": lambda t: np.asfortranarray(np.arange(12).reshape(3, 4).astype(t)),
    "strided": lambda t: np.arange(24).reshape(4, 6).astype(t)[::2, 1::2],
    "negative": lambda t: np.arange(12).reshape(3, 4).astype(t)[::-1, ::-2],
    "zero_d": lambda t: np.array(1).astype(t),
    "size0": lambda t: np.zeros((0, 3), dtype=t),
}


@pytest.mark.parametrize("layout", list(NUMPY_SHAPES))
@pytest.mark.parametrize("t", DLPACK_NUMPY, ids=[np.dtype(t).name for t in DLPACK_NUMPY])
def test_from_dlpack_numpy_shares_memory(t, layout):
    a = NUMPY_SHAPES[layout](t)
    x = ndb.from_dlpack(a)
    assert x.dtype == ndb.dtype(a.dtype)
    assert x.shape == a.shape
    assert x.tolist() == a.tolist()
    assert not x.readonly
    if a.size:
        assert x.data_ptr == np_ptr(a)
        assert x.strides == a.strides


def test_from_dlpack_numpy_mutation_goes_both_ways():
    a = np.arange(6.0).reshape(2, 3)
    x = ndb.from_dlpack(a)
    a[1, 2] = 50.0
    assert x[1, 2] == 50.0
    x[0, 1] = -3.0
    assert a[0, 1] == -3.0


def test_from_dlpack_read_only_numpy_comes_in_read_only():
    a = np.arange(3.0)
    a.setflags(write=False)
    x = ndb.from_dlpack(a)
    assert x.readonly
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 1.0
    assert a[0] == 0.0


def test_from_dlpack_copy_true_does_not_share():
    a = np.arange(4.0)
    x = ndb.from_dlpack(a, copy=True)
    assert x.data_ptr != np_ptr(a)
    a[0] = 9.0
    assert x[0] == 0.0


def test_from_dlpack_copy_false_and_cpu_device_share():
    a = np.arange(4.0)
    x = ndb.from_dlpack(a, copy=False, device="cpu")
    assert x.data_ptr == np_ptr(a)


def test_from_dlpack_copy_must_be_bool_or_none():
    with pytest.raises(ValueError, match="copy must be"):
        ndb.from_dlpack(np.arange(2.0), copy="yes")


def test_from_dlpack_raw_capsule_is_consumed_once():
    a = np.arange(3.0)
    cap = a.__dlpack__(max_version=(1, 0))
    x = ndb.from_dlpack(cap)
    assert x.data_ptr == np_ptr(a)
    with pytest.raises(ValueError, match="already consumed"):
        ndb.from_dlpack(cap)


def test_from_dlpack_legacy_capsule_is_read_only():
    a = np.arange(3.0)
    x = ndb.from_dlpack(a.__dlpack__())
    assert x.readonly and x.data_ptr == np_ptr(a)


def test_from_dlpack_keeps_source_alive_and_releases_it_once():
    class Tracked(np.ndarray):
        pass

    a = np.arange(5.0).view(Tracked)
    ref = weakref.ref(a)
    x = ndb.from_dlpack(a)
    del a
    gc.collect()
    assert ref() is not None
    assert x.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0]
    del x
    gc.collect()
    assert ref() is None


def test_from_dlpack_rejects_objects_without_dlpack():
    with pytest.raises(TypeError, match="__dlpack__"):
        ndb.from_dlpack([1, 2, 3])


def test_from_dlpack_to_another_device_is_refused_clearly():
    with pytest.raises((BufferError, ValueError)):
        ndb.from_dlpack(np.arange(3.0), device="cuda:0")
    with pytest.raises(ndb.CopyError):
        ndb.from_dlpack(np.arange(3.0), device="cuda:0", copy=False)


# ---- from_dlpack: torch ---------------------------------------------------------------------------

TORCH_DTYPES = [torch.bool, torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.uint16,
                torch.uint32, torch.uint64, torch.float16, torch.bfloat16, torch.float32, torch.float64,
                torch.complex64, torch.complex128]
TORCH_LAYOUTS = {
    "contiguous": lambda d: torch.arange(12).reshape(3, 4).to(d),
    "transposed": lambda d: torch.arange(12).reshape(3, 4).to(d).T,
    "strided": lambda d: torch.arange(24).reshape(4, 6).to(d)[::2, 1::3],
    "zero_d": lambda d: torch.tensor(3).to(d),
    "size0": lambda d: torch.zeros((2, 0), dtype=d),
}


@pytest.mark.parametrize("layout", list(TORCH_LAYOUTS))
@pytest.mark.parametrize("d", TORCH_DTYPES, ids=[str(d) for d in TORCH_DTYPES])
def test_from_dlpack_torch_shares_memory(d, layout):
    t = TORCH_LAYOUTS[layout](d)
    x = ndb.from_dlpack(t)
    assert x.dtype == ndb.dtype(d)
    assert x.shape == tuple(t.shape)
    assert x.strides == tuple(s * t.element_size() for s in t.stride())
    if t.numel():
        assert x.data_ptr == t.data_ptr()
    assert x.tolist() == t.tolist()


def test_from_dlpack_torch_mutation_goes_both_ways():
    t = torch.zeros(2, 3)
    x = ndb.from_dlpack(t)
    t[1, 1] = 4.0
    assert x[1, 1] == 4.0
    x[0, 2] = -2.5
    assert t[0, 2].item() == -2.5


def test_from_dlpack_torch_bfloat16_values():
    t = torch.tensor([1.5, -2.0, 3.0e38], dtype=torch.bfloat16)
    x = ndb.from_dlpack(t)
    assert x.dtype == ndb.bfloat16
    assert x.tolist() == t.float().tolist()
