"""Every conversion example of the four seed documents (/work/shared/seeds), rewritten with ndbridge.

Each test is named after the seed (000 torch.asarray, 001 np.asarray guide, 002 NumPy-PyTorch-pandas guide,
003 numpy.from_dlpack) and quotes, in its docstring, the line it mirrors. A test checks what the document
says, or something better where the document calls it a pitfall (negative strides, read-only arrays, byte
order, complex). Examples that go from ndbridge to NumPy/PyTorch/pandas are written as the conversion into
ndbridge, with NumPy computing the expected values.
"""
import ctypes
import datetime

import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb
from conftest import DLPackProducer, same_value


def ptr_numpy(a):
    """The seed's helper: base data pointer of a NumPy array."""
    return a.__array_interface__["data"][0]


def nan_equal(x, a):
    """ndb.Array x holds NumPy array a's values (NaN equal to NaN)."""
    return x.shape == a.shape and same_value(x.tolist(), a.tolist())


# ---------------------------------------------------------------------------------------------- 000 torch.asarray

def test_seed_000_asarray_of_a_tensor_shares_memory():
    """>>> b = torch.asarray(a)  # Shares memory with tensor 'a' ... a.data_ptr() == b.data_ptr() True"""
    a = torch.tensor([1, 2, 3])
    b = ndb.asarray(a)
    assert a.data_ptr() == b.data_ptr
    a[0] = 10
    assert b.tolist() == [10, 2, 3]
    b[2] = 30
    assert a.tolist() == [10, 2, 30]


def test_seed_000_copy_true_forces_a_memory_copy():
    """>>> c = torch.asarray(a, copy=True)  # Forces memory copy ... a.data_ptr() == c.data_ptr() False"""
    a = torch.tensor([1, 2, 3])
    c = ndb.asarray(a, copy=True)
    assert a.data_ptr() != c.data_ptr
    a[0] = 10
    assert c.tolist() == [1, 2, 3]


def test_seed_000_result_of_an_autograd_op_is_shared_without_grad():
    """>>> c = torch.asarray(b)  # Shares memory with tensor 'b', with no grad ... tensor([3., 4., 5.])"""
    a = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = a + 2
    c = ndb.asarray(b)
    assert c.tolist() == [3.0, 4.0, 5.0]
    assert c.dtype == ndb.float32
    assert c.data_ptr == b.data_ptr()


def test_seed_000_requires_grad_needs_a_torch_result():
    """>>> d = torch.asarray(b, requires_grad=True)  # Shares memory with tensor 'b', retaining autograd history"""
    # An ndb.Array has no autograd; requires_grad is meaningful only for torch results (DESIGN §2), which
    # this build does not produce: a clear ValueError rather than a silently dropped flag.
    b = torch.tensor([1.0, 2.0, 3.0], requires_grad=True) + 2
    with pytest.raises(ValueError, match="requires_grad"):
        ndb.asarray(b, requires_grad=True)


def test_seed_000_numpy_array_is_shared():
    """>>> t1 = torch.asarray(array) ... array.__array_interface__['data'][0] == t1.data_ptr() True"""
    array = np.array([1, 2, 3])
    t1 = ndb.asarray(array)
    assert array.__array_interface__["data"][0] == t1.data_ptr
    assert t1.dtype == ndb.int64


def test_seed_000_dtype_mismatch_copies():
    """>>> t2 = torch.asarray(array, dtype=torch.float32)  # Copies memory due to dtype mismatch"""
    array = np.array([1, 2, 3])
    t2 = ndb.asarray(array, dtype=torch.float32)
    assert array.__array_interface__["data"][0] != t2.data_ptr
    assert t2.dtype == ndb.float32 and t2.tolist() == [1.0, 2.0, 3.0]


def test_seed_000_numpy_scalar_becomes_a_0d_copy_with_its_dtype():
    """>>> torch.asarray(numpy.float64(0.5)) tensor(0.5000, dtype=torch.float64)"""
    scalar = np.float64(0.5)
    x = ndb.asarray(scalar)
    assert (x.shape, x.dtype, x.item(), x.device) == ((), ndb.float64, 0.5, "cpu")
    assert not x.readonly  # "doesn't share its memory (i.e. copy=True)"
    with pytest.raises(ndb.CopyError, match="NumPy scalar"):
        ndb.asarray(scalar, copy=False)


def test_seed_000_numpy_scalar_keeps_its_own_dtype():
    """By default datatype will be the PyTorch datatype corresponding to the NumPy's scalar's datatype."""
    for scalar in [np.float32(0.5), np.int8(-3), np.uint16(7), np.complex64(1j), np.bool_(True), np.float16(2)]:
        x = ndb.asarray(scalar)
        assert x.dtype == ndb.dtype(scalar.dtype) and x.shape == () and same_value(x.item(), scalar.item())


def test_seed_000_same_dtype_device_and_memory_by_default():
    """When obj is a tensor, NumPy array, or DLPack capsule the returned tensor will, by default, ... have the same datatype as obj, be on the same device, and share memory with it."""
    a = np.arange(6, dtype=np.int16).reshape(2, 3)
    t = torch.arange(6, dtype=torch.float16)
    for obj, ptr, dtype in [(a, ptr_numpy(a), ndb.int16), (t, t.data_ptr(), ndb.float16),
                            (a.__dlpack__(max_version=(1, 0)), ptr_numpy(a), ndb.int16)]:
        x = ndb.asarray(obj)
        assert (x.dtype, x.device, x.data_ptr) == (dtype, "cpu", ptr)


def test_seed_000_other_dtype_or_copy_does_not_share():
    """If the returned tensor is of a different datatype, on a different device, or a copy is requested then it will not share its memory with obj."""
    a = np.arange(4, dtype=np.int32)
    for kwargs in [{"dtype": "int64"}, {"copy": True}, {"dtype": torch.float64, "copy": True}]:
        x = ndb.asarray(a, **kwargs)
        assert x.data_ptr != ptr_numpy(a)
        a[0] = 99
        assert x.tolist()[0] == 0
        a[0] = 0
    with pytest.raises(ValueError, match="cuda:0"):  # a device change: only a producer could make it
        ndb.asarray(a, device="cuda")


def test_seed_000_buffer_keeps_its_format_and_frombuffer_groups_bytes():
    """When obj ... implements Python's buffer protocol then the buffer is interpreted as an array of bytes grouped according to the size of the datatype passed to the dtype keyword argument."""
    # Pitfall in torch: with no dtype it reads any buffer as float32. ndbridge honours the buffer's own
    # format (bytearray: uint8, array('f'): float32) and shares; grouping raw bytes is frombuffer's job.
    import array
    raw = bytearray(np.array([1.5, -2.0], dtype=np.float32).tobytes())
    x = ndb.asarray(raw)
    assert (x.dtype, x.shape, x.device) == (ndb.uint8, (8,), "cpu")
    grouped = ndb.frombuffer(raw, dtype=torch.float32)
    assert grouped.tolist() == [1.5, -2.0]
    grouped[0] = 4.0
    assert np.frombuffer(raw, dtype=np.float32).tolist() == [4.0, -2.0]  # shares memory with the buffer
    floats = array.array("f", [0.25, 8.0])
    assert ndb.asarray(floats).dtype == ndb.float32 and ndb.asarray(floats).tolist() == [0.25, 8.0]
    # casting a buffer to another dtype converts values, it never reinterprets bytes
    assert ndb.asarray(bytes([1, 2]), dtype=torch.float32).tolist() == [1.0, 2.0]


def test_seed_000_sequence_infers_dtype_and_does_not_share():
    """When obj is none of the above but a scalar, or a sequence of scalars then the returned tensor will, by default, infer its datatype from the scalar values, be on the current default device, and not share its memory."""
    cases = [([1, 2, 3], ndb.int64), ([1, 2.5], ndb.float64), ([True, False], ndb.bool_), ([1, 1j], ndb.complex128),
             (7, ndb.int64), (0.5, ndb.float64)]
    for obj, dtype in cases:
        x = ndb.asarray(obj)
        assert x.dtype == dtype and x.device == "cpu" and x.tolist() == obj
    with pytest.raises(ndb.CopyError, match="never be shared"):
        ndb.asarray([1, 2], copy=False)


def test_seed_000_copy_false_shares_or_raises():
    """If False then the returned tensor shares its memory with obj and an error is thrown if it cannot."""
    a = np.arange(3.0)
    assert ndb.asarray(a, copy=False).data_ptr == ptr_numpy(a)
    with pytest.raises(ndb.CopyError, match="dtype float32 was requested and the data is float64"):
        ndb.asarray(a, dtype=torch.float32, copy=False)


def test_seed_000_device_defaults_to_the_device_of_obj():
    """device ... Default: None, which causes the device of obj to be used. Or, if obj is a Python sequence, the current default device will be used."""
    assert ndb.asarray(torch.ones(2)).device == "cpu"
    assert ndb.asarray([1.0]).device == "cpu"
    assert ndb.asarray(torch.ones(2), device=torch.device("cpu")).device == "cpu"


def test_seed_000_see_also_tensor_from_numpy_frombuffer_from_dlpack():
    """torch.tensor() creates a tensor that always copies ... torch.from_numpy() ... always shares ... torch.frombuffer() ... always shares ... torch.from_dlpack() ... always shares memory from DLPack capsules."""
    a = np.arange(4, dtype=np.int64)
    assert ndb.tensor(a).data_ptr != ptr_numpy(a)
    assert ndb.from_numpy(a).data_ptr == ptr_numpy(a)
    buf = bytearray(8)
    assert ndb.frombuffer(buf, dtype="int32").data_ptr == ptr_numpy(np.frombuffer(buf, dtype=np.uint8))
    assert ndb.from_dlpack(a.__dlpack__(max_version=(1, 0))).data_ptr == ptr_numpy(a)


# ---------------------------------------------------------------------------------------------- 001 np.asarray guide

def test_seed_001_ndarray_with_requested_dtype_and_layout_is_returned_as_is():
    """If a is already a np.ndarray (NumPy array) with the requested data type and memory layout, np.asarray() will return it as is (without copying)"""
    a = np.arange(6.0).reshape(2, 3)
    x = ndb.asarray(a, dtype=np.float64, order="C")
    assert x.data_ptr == ptr_numpy(a) and x.strides == a.strides
    assert ndb.asarray(x) is x and ndb.asarray(x, dtype="float64", order="C") is x


def test_seed_001_other_dtype_creates_a_new_array():
    """If a is not a np.ndarray or has a different data type, np.asarray() will create a new array based on a."""
    a = np.arange(3, dtype=np.int32)
    x = ndb.asarray(a, dtype=np.int64)
    assert x.data_ptr != ptr_numpy(a) and x.tolist() == [0, 1, 2]
    assert not ndb.asarray((1, 2)).readonly


def test_seed_001_asarray_list_with_dtype_float32():
    """array = np.asarray([1, 2, 3], dtype=np.float32) ... # Output: [1., 2., 3.]"""
    array = ndb.asarray([1, 2, 3], dtype=np.float32)
    assert array.dtype == ndb.float32 and array.tolist() == [1.0, 2.0, 3.0]
    assert repr(array) == repr(np.asarray([1, 2, 3], dtype=np.float32)).replace("array(", "Array(")


@pytest.mark.parametrize("dtype,low,high", [
    (np.int8, -128, 127), (np.int16, -32768, 32767), (np.int32, -2147483648, 2147483647),
    (np.int64, -2**63, 2**63 - 1), (np.uint8, 0, 255), (np.uint16, 0, 65535), (np.uint32, 0, 4294967295),
    (np.uint64, 0, 2**64 - 1)], ids=lambda v: getattr(v, "__name__", str(v)))
def test_seed_001_integer_dtype_ranges(dtype, low, high):
    """np.int8: 8-bit signed integer (range: -128 to 127). ... np.uint64: 64-bit unsigned integer (large positive integer range)."""
    x = ndb.asarray([low, high], dtype=dtype)
    assert x.dtype == ndb.dtype(dtype) and x.itemsize == np.dtype(dtype).itemsize and x.tolist() == [low, high]
    with pytest.raises(OverflowError, match="out of bounds|does not fit in 64 bits"):
        ndb.asarray([high + 1], dtype=dtype)


@pytest.mark.parametrize("name", ["float16", "float32", "float64", "float128", "complex64", "complex128", "complex256"])
def test_seed_001_float_and_complex_dtypes(name):
    """np.float16: Half precision ... np.float128: Extended precision floating-point (128-bit, availability depends on system). ... np.complex256"""
    if not hasattr(np, name):
        pytest.skip(f"np.{name} is not available on this system")
    t = getattr(np, name)
    a = np.array([1 / 3, -2.5], dtype=t)
    x = ndb.asarray(a)
    assert x.dtype == ndb.dtype(t) and x.itemsize == a.itemsize and x.data_ptr == ptr_numpy(a)
    assert x.tolist() == [complex(v) if np.iscomplexobj(a) else float(v) for v in a]


def test_seed_001_bool_takes_a_full_byte():
    """np.bool_: Boolean type, can be either True or False (stored as 1-bit but takes up a full byte)."""
    x = ndb.asarray([True, False, True])
    assert x.dtype == ndb.bool_ and x.itemsize == 1 and x.strides == (1,)
    assert ndb.asarray(np.array([True, False])).tobytes() == b"\x01\x00"


def test_seed_001_fixed_length_string_dtypes():
    """np.str_: Fixed-length Unicode string, specified by S + length (e.g., S10 for a 10-character string). np.unicode_: ... (uses U)."""
    s = ndb.asarray(np.array([b"abc", b"defghij"], dtype="S10"))
    assert s.dtype == ndb.bytes_(10) and s.itemsize == 10 and s.tolist() == [b"abc", b"defghij"]
    u = ndb.asarray(["abc", "\u00e9t\u00e9"])
    assert u.dtype == ndb.str_(3) and u.itemsize == 12 and u.tolist() == ["abc", "\u00e9t\u00e9"]
    assert ndb.asarray(np.str_("hello")).dtype == ndb.str_(5)


def test_seed_001_object_arrays_convert_their_elements():
    """np.object_: Allows storing any Python object, including mixed types, strings, or other arrays."""
    # ndbridge holds no Python objects: an object array's elements are read as a sequence's (a copy), as
    # np.array(a.tolist()) reads them; a mix no array dtype holds is a TypeError naming the rule.
    x = ndb.asarray(np.array([1, 2.5, True], dtype=object))
    assert x.dtype == ndb.float64 and x.tolist() == [1.0, 2.5, 1.0]
    with pytest.raises(TypeError, match="mixes strings and numbers"):
        ndb.asarray(np.array([1, "a", 2.5], dtype=object))
    with pytest.raises(ValueError, match="inhomogeneous"):  # an element that is a list: ragged, as in NumPy
        ndb.asarray(np.array([1, 2, [2]], dtype=object))


@pytest.mark.parametrize("unit", ["Y", "M", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"])
def test_seed_001_datetime64_units(unit):
    """np.datetime64: Stores dates and times with varying precisions (e.g., Y, M, D, h, m, s, ms, us, ns, ps, fs, as)."""
    a = np.array(["1970-01-01", "NaT", "1971-06-01"], dtype=f"datetime64[{unit}]")
    x = ndb.asarray(a)
    assert x.dtype == ndb.dtype(f"datetime64[{unit}]") and x.data_ptr == ptr_numpy(a)
    assert x.tolist() == a.tolist()
    td = np.array([1, -2, "NaT"], dtype=f"timedelta64[{unit}]")
    assert ndb.asarray(td).tolist() == td.tolist()


def test_seed_001_datetime64_example_date():
    """Example: np.datetime64('2003-10-02')"""
    x = ndb.asarray(np.datetime64("2003-10-02"))
    assert x.dtype == ndb.dtype("datetime64[D]") and x.item() == datetime.date(2003, 10, 2)
    assert ndb.asarray([np.datetime64("2003-10-02"), np.datetime64("2003-10-02T12")]).dtype == ndb.dtype("M8[h]")


def test_seed_001_device_accepts_only_cpu_for_host_data():
    """In NumPy 2.1, the device parameter in np.asarray() is still in an early stage and currently only accepts "cpu" as a valid option."""
    a = np.arange(3)
    assert ndb.asarray(a, device="cpu").data_ptr == ptr_numpy(a)
    for device in ["cuda", "cuda:1"]:
        with pytest.raises(ValueError, match="cuda"):
            ndb.asarray(a, device=device)
        with pytest.raises(ValueError, match="cuda"):
            ndb.asarray([1, 2], device=device)


ORDER_SOURCES = {
    "c": lambda: np.arange(6.0).reshape(2, 3),
    "f": lambda: np.asfortranarray(np.arange(6.0).reshape(2, 3)),
    "transposed": lambda: np.arange(12).reshape(3, 4).T,
    "strided": lambda: np.arange(24).reshape(4, 6)[::2, 1::2],
    "reversed": lambda: np.arange(6.0).reshape(2, 3)[::-1],
}


@pytest.mark.parametrize("order", ["K", "A", "C", "F"])
@pytest.mark.parametrize("source", sorted(ORDER_SOURCES))
def test_seed_001_memory_order(source, order):
    """Specifies the memory layout order ... [K] Preserves the original memory layout ... [C] Row-major ... [F] Column-major ... [A] Chooses row-major (C-order) unless the array is Fortran-contiguous."""
    a = ORDER_SOURCES[source]()
    x = ndb.asarray(a, order=order)
    e = np.asarray(a, order=order)
    assert x.strides == e.strides
    assert (x.data_ptr == ptr_numpy(a)) == np.shares_memory(e, a)
    assert x.tolist() == e.tolist()


def test_seed_001_ravel_order_follows_the_layout():
    """.ravel() is a NumPy function used to flatten a multi-dimensional array into a 1D array."""
    a = np.arange(6, dtype=np.int16).reshape(2, 3)
    f = ndb.asarray(a, order="F")
    assert f.tobytes(order="A") == a.ravel(order="F").tobytes()
    assert f.tobytes() == a.ravel(order="C").tobytes()


def test_seed_001_copy_true_example():
    """new_array = np.asarray(original_array, copy=True) ... new_array[0] = 99 ... Original Array: [1 2 3] ... New Array: [99 2 3]"""
    original_array = ndb.asarray([1, 2, 3])
    new_array = ndb.asarray(original_array, copy=True)
    new_array[0] = 99
    assert original_array.tolist() == [1, 2, 3]
    assert new_array.tolist() == [99, 2, 3]


def test_seed_001_copy_false_example():
    """new_array = np.asarray(original_array, copy=False) ... new_array[0] = 99 ... Original Array: [99 2 3] ... New Array: [99 2 3]"""
    original_array = ndb.asarray([1, 2, 3])
    new_array = ndb.asarray(original_array, copy=False)
    new_array[0] = 99
    assert original_array.tolist() == [99, 2, 3] and new_array.tolist() == [99, 2, 3]
    numpy_original = np.asarray([1, 2, 3])
    ndb.asarray(numpy_original, copy=False)[0] = 99  # "Modification to ... either ... will affect both"
    assert numpy_original.tolist() == [99, 2, 3]


def test_seed_001_like_ndbridge_returns_an_ndbridge_array():
    """The like parameter in np.asarray() was introduced to make array creation more flexible, particularly for compatibility with libraries that extend NumPy"""
    for like in ["ndbridge", ndb]:
        x = ndb.asarray([1, 2], like=like)
        assert isinstance(x, ndb.Array) and x.tolist() == [1, 2]


# ---------------------------------------------------------------------------------------------- 002 interoperability

def test_seed_002_from_numpy_mutations_propagate_both_ways():
    """arr[0] = 99.0 ... print(t)  # tensor([99., 2., 3.]) ... t[1] = -7.0 ... print(arr)  # [99. -7.  3.]"""
    arr = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    t = ndb.from_numpy(arr)
    arr[0] = 99.0
    assert t.tolist() == [99.0, 2.0, 3.0]
    t[1] = -7.0
    assert arr.tolist() == [99.0, -7.0, 3.0]


def test_seed_002_verifying_shared_memory():
    """print(f"Same memory: {ptr_numpy(arr) == ptr_torch(t)}")  # True"""
    arr = np.array([1, 2, 3], dtype=np.float32)
    t = ndb.from_numpy(arr)
    assert ptr_numpy(arr) == t.data_ptr


def test_seed_002_decision_flowchart_share_try_share_copy():
    """torch.from_numpy() [SHARE] ... torch.as_tensor() [TRY SHARE] ... torch.tensor() [COPY]"""
    arr = np.arange(4.0)
    assert ndb.from_numpy(arr).data_ptr == ptr_numpy(arr)
    assert ndb.as_tensor(arr).data_ptr == ptr_numpy(arr)
    assert ndb.as_tensor(arr, dtype="float32").data_ptr != ptr_numpy(arr)
    assert ndb.tensor(arr).data_ptr != ptr_numpy(arr)


def test_seed_002_from_numpy_refuses_object_arrays():
    """torch.from_numpy() requires: 1. Numeric dtype (not object arrays)"""
    with pytest.raises(ndb.CopyError, match="object"):
        ndb.from_numpy(np.array([1, None], dtype=object))


def test_seed_002_from_numpy_shares_read_only_arrays_read_only():
    """torch.from_numpy() requires: ... 2. Writable array (not read-only)"""
    # Pitfall made unnecessary: the read-only array is shared, and stays read-only.
    ro = np.arange(3.0)
    ro.setflags(write=False)
    t = ndb.from_numpy(ro)
    assert t.data_ptr == ptr_numpy(ro) and t.readonly
    with pytest.raises(ValueError, match="read-only"):
        t[0] = 5.0
    assert ro.tolist() == [0.0, 1.0, 2.0]


def test_seed_002_from_numpy_shares_negative_strides():
    """torch.from_numpy() requires: ... 3. Compatible strides (positive strides only; negative strides like arr[::-1] are not supported)"""
    arr = np.arange(5, dtype=np.float32)
    t = ndb.from_numpy(arr[::-1])
    assert t.strides == (-4,) and t.data_ptr == ptr_numpy(arr[::-1])
    assert t.tolist() == [4.0, 3.0, 2.0, 1.0, 0.0]
    arr[0] = 40.0
    assert t.tolist()[-1] == 40.0


def test_seed_002_from_numpy_takes_no_dtype_or_device():
    """# Cannot do: torch.from_numpy(arr64, dtype=torch.float32)  # TypeError!"""
    arr64 = np.array([1.0, 2.0], dtype=np.float64)
    with pytest.raises(TypeError):
        ndb.from_numpy(arr64, dtype=torch.float32)
    with pytest.raises(TypeError):
        ndb.from_numpy(arr64, device="cpu")


def test_seed_002_convert_the_numpy_array_first():
    """arr32 = arr64.astype(np.float32, copy=True)  # New array ... t = torch.from_numpy(arr32)  # SHARE with arr32 (not arr64)"""
    arr64 = np.array([1.0, 2.0], dtype=np.float64)
    arr32 = arr64.astype(np.float32, copy=True)
    t = ndb.from_numpy(arr32)
    assert t.data_ptr == ptr_numpy(arr32) and t.data_ptr != ptr_numpy(arr64)
    assert t.dtype == ndb.float32


def test_seed_002_moving_to_a_device_is_a_clear_error_for_host_memory():
    """t_gpu = t_cpu.to('cuda')          # COPY to GPU (sharing broken)"""
    t_cpu = ndb.from_numpy(np.array([1.0, 2.0], dtype=np.float32))
    with pytest.raises(ValueError, match="cpu to cuda:0"):
        ndb.asarray(t_cpu, device="cuda")
    with pytest.raises(ValueError, match="only the producer can move it"):
        ndb.asarray(torch.ones(2), device="cuda")  # torch is asked, and this torch build has no CUDA


def test_seed_002_fortran_ordered_array_still_shares():
    """t_f = torch.from_numpy(arr_f)   # SHARE — but non-contiguous ... t_f.stride() column-major strides"""
    arr_2d = np.arange(6, dtype=np.float32).reshape(2, 3)
    arr_f = np.asfortranarray(arr_2d)
    t_f = ndb.from_numpy(arr_f)
    assert t_f.data_ptr == ptr_numpy(arr_f)
    assert not t_f.flags.c_contiguous and t_f.flags.f_contiguous
    assert t_f.strides == (4, 8)
    assert t_f.tolist() == arr_2d.tolist()


def test_seed_002_row_major_from_a_fortran_array():
    """arr_c = np.ascontiguousarray(arr_f)   # COPY if needed ... t_shared = torch.from_numpy(arr_c)    # SHARE with row-major layout"""
    arr_f = np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3))
    arr_c = np.ascontiguousarray(arr_f)
    t_shared = ndb.from_numpy(arr_c)
    assert t_shared.data_ptr == ptr_numpy(arr_c) and t_shared.flags.c_contiguous
    direct = ndb.asarray(arr_f, order="C")  # the same in one call, one copy
    assert direct.flags.c_contiguous and direct.strides == (12, 4) and direct.tolist() == arr_c.tolist()


def test_seed_002_read_only_array_fallback_copy():
    """t = torch.from_numpy(np.array(ro, copy=True))  # COPY"""
    ro = np.array([1.0, 2.0, 3.0], dtype=np.float32)
    ro.setflags(write=False)
    t = ndb.from_numpy(np.array(ro, copy=True))
    assert not t.readonly and t.data_ptr != ptr_numpy(ro)
    writable = ndb.asarray(ro, copy=True)  # the same without the NumPy step
    writable[0] = 10.0
    assert writable.tolist() == [10.0, 2.0, 3.0] and ro.tolist() == [1.0, 2.0, 3.0]


def test_seed_002_as_tensor_shares_when_dtype_and_device_match():
    """t_shared = torch.as_tensor(arr) ... arr[1] = 222.0 ... print(t_shared)  # Shows 222.0 — shared"""
    arr = np.array([1.1, 2.2, 3.3], dtype=np.float64)
    t_shared = ndb.as_tensor(arr)
    arr[1] = 222.0
    assert t_shared.tolist() == [1.1, 222.0, 3.3]


def test_seed_002_as_tensor_sharing_rules():
    """as_tensor() copies when: The ndarray is read-only; Strides/layout are unsupported (e.g., negative strides like arr[::-1]); A dtype change is requested; A device change is requested"""
    arr = np.arange(4.0)
    ro = arr.view()
    ro.setflags(write=False)
    # ndbridge can hold read-only and negative-stride arrays, so those two share (and stay read-only).
    shared_ro = ndb.as_tensor(ro)
    assert shared_ro.data_ptr == ptr_numpy(arr) and shared_ro.readonly
    assert ndb.as_tensor(arr[::-1]).data_ptr == ptr_numpy(arr[::-1])
    assert ndb.as_tensor(arr, dtype=torch.float32).data_ptr != ptr_numpy(arr)
    with pytest.raises(ValueError, match="cuda"):
        ndb.as_tensor(arr, device="cuda")


def test_seed_002_as_tensor_can_convert_the_dtype():
    """t_converted = torch.as_tensor(arr, dtype=torch.float32)"""
    arr = np.array([1.0, 2.0, 3.0], dtype=np.float64)
    t_converted = ndb.as_tensor(arr, dtype=torch.float32)
    assert t_converted.dtype == ndb.float32 and t_converted.tolist() == [1.0, 2.0, 3.0]
    t_from = ndb.from_numpy(arr.astype(np.float32))
    assert t_from.tolist() == t_converted.tolist()


def test_seed_002_tensor_always_copies():
    """t = torch.tensor(arr) ... arr[0] = 123 ... print(t)  # tensor([10, 20, 30])  — independent"""
    arr = np.array([10, 20, 30], dtype=np.int64)
    t = ndb.tensor(arr)
    arr[0] = 123
    assert t.tolist() == [10, 20, 30]


def test_seed_002_tensor_works_with_any_input():
    """Can set dtype and device directly. Works with any input (lists, tuples, scalars, arrays)."""
    for obj in [[1, 2], (1, 2), 3, np.array([1, 2]), torch.tensor([1, 2])]:
        t = ndb.tensor(obj, dtype=torch.float32, device="cpu")
        assert t.dtype == ndb.float32 and t.device == "cpu"
        assert t.tolist() == np.asarray(obj, dtype=np.float32).tolist()


def test_seed_002_tensor_numpy_shares():
    """arr = t.numpy()  # SHARES memory ... t[0] = 99.0 ... print(arr)  # [99. 2. 3.]"""
    t = torch.tensor([1.0, 2.0, 3.0])
    arr = ndb.asarray(t)  # the same sharing, into ndbridge
    t[0] = 99.0
    assert arr.tolist() == [99.0, 2.0, 3.0] == t.numpy().tolist()


def test_seed_002_gradient_tensors_need_no_detach():
    """t_grad = torch.tensor([1.0, 2.0], requires_grad=True) ... arr = t_grad.detach().numpy()"""
    t_grad = torch.tensor([1.0, 2.0], requires_grad=True)
    arr = ndb.asarray(t_grad)  # the data is shared without the tracking
    assert arr.tolist() == t_grad.detach().numpy().tolist()
    assert arr.data_ptr == t_grad.data_ptr()


def test_seed_002_device_tensors_are_device_metadata():
    """t_gpu.numpy()  # RuntimeError! ... arr = t_gpu.cpu().numpy()  # Move to CPU first"""
    # No GPU here: a __cuda_array_interface__ stands in for a device tensor. ndbridge aliases it by
    # metadata, never reads it on the host, and says so when asked for values.
    a = np.arange(3.0)

    class DeviceArray:
        @property
        def __cuda_array_interface__(self):
            return dict(a.__array_interface__, version=3, stream=None)

    x = ndb.asarray(DeviceArray())
    assert x.device == "cuda:0" and x.shape == (3,) and x.data_ptr == ptr_numpy(a)
    with pytest.raises(ValueError, match="cuda:0"):
        x.tolist()


def test_seed_002_strided_view_shares_with_view_and_base():
    """view[0] = 999.0 ... print(base)    # Shows 999 at index 0 ... print(t_view)  # Also shows 999 — all three aliases share memory"""
    base = np.arange(10, dtype=np.float32)
    view = base[::2]
    t_view = ndb.from_numpy(view)
    assert t_view.strides == (8,)
    view[0] = 999.0
    assert base[0] == 999.0
    assert t_view.tolist() == [999.0, 2.0, 4.0, 6.0, 8.0]


def test_seed_002_negative_strides_share_instead_of_failing_or_copying():
    """torch.from_numpy(reversed_view)  # RuntimeError ... t = torch.as_tensor(reversed_view)  # COPY (no sharing)"""
    arr = np.arange(5, dtype=np.float32)
    reversed_view = arr[::-1]
    for t in [ndb.from_numpy(reversed_view), ndb.as_tensor(reversed_view), ndb.asarray(reversed_view, copy=False)]:
        assert t.data_ptr == ptr_numpy(reversed_view) and t.strides == (-4,)
        assert t.tolist() == [4.0, 3.0, 2.0, 1.0, 0.0]
    copied = ndb.asarray(reversed_view, copy=True)  # a copy, when asked, has positive strides
    assert copied.strides == (4,) and copied.tolist() == [4.0, 3.0, 2.0, 1.0, 0.0]


DTYPE_MAPPING = [(np.float32, torch.float32), (np.float64, torch.float64), (np.int32, torch.int32),
                 (np.int64, torch.int64), (np.uint8, torch.uint8), (np.bool_, torch.bool),
                 (np.complex64, torch.complex64), (np.complex128, torch.complex128)]


@pytest.mark.parametrize("np_dtype,torch_dtype", DTYPE_MAPPING, ids=lambda t: str(t).split(".")[-1].strip("'>"))
def test_seed_002_dtype_mapping_table(np_dtype, torch_dtype):
    """| `np.float32` | `torch.float32` | ... | `np.complex128` | `torch.complex128` |"""
    assert ndb.dtype(np_dtype) == ndb.dtype(torch_dtype)
    from_numpy = ndb.from_numpy(np.array([0, 1, 0], dtype=np_dtype))
    from_torch = ndb.asarray(torch.tensor([0, 1, 0], dtype=torch_dtype))
    assert from_numpy.dtype == from_torch.dtype == ndb.dtype(np_dtype)
    assert from_numpy.tolist() == from_torch.tolist()


def test_seed_002_dtype_mapping_loop():
    """for np_dtype in [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]: ... print(f"NumPy dtype {arr.dtype.name:>8} → Torch dtype {t.dtype}")"""
    for np_dtype in [np.float32, np.float64, np.int64, np.int32, np.uint8, np.bool_]:
        arr = np.array([0, 1, 2], dtype=np_dtype)
        t = ndb.from_numpy(arr)
        assert t.dtype.name == arr.dtype.name
        assert t.tolist() == arr.tolist()


def test_seed_002_default_dtype_mismatch():
    """NumPy defaults to float64, PyTorch defaults to float32. Always be explicit when converting"""
    assert ndb.asarray([1.0, 2.0]).dtype == ndb.float64  # NumPy's default: asarray is np.asarray's rule
    assert ndb.asarray([1.0, 2.0], dtype=torch.float32).dtype == ndb.float32
    assert ndb.asarray([1.0, 2.0], dtype=np.float32).dtype == ndb.float32
    assert ndb.asarray(torch.tensor([1.0, 2.0])).dtype == ndb.float32  # a tensor keeps its own dtype


def test_seed_002_complex_arrays_share_without_the_workaround():
    """t_cplx = torch.from_numpy(cplx) ... # Workaround: split into real and imaginary parts"""
    cplx = np.array([1 + 2j, 3 + 4j], dtype=np.complex128)
    t_cplx = ndb.from_numpy(cplx)
    assert t_cplx.dtype == ndb.complex128 and t_cplx.data_ptr == ptr_numpy(cplx)
    assert t_cplx.tolist() == [1 + 2j, 3 + 4j]
    t_real = ndb.from_numpy(np.real(cplx).astype(np.float64))  # the document's workaround still works
    t_imag = ndb.from_numpy(np.imag(cplx).astype(np.float64))
    assert t_real.tolist() == [1.0, 3.0] and t_imag.tolist() == [2.0, 4.0]
    big_endian = cplx.astype(">c16")  # byte order is kept, not a reason to fail
    assert ndb.from_numpy(big_endian).tolist() == [1 + 2j, 3 + 4j]


def test_seed_002_complex_tensors_and_lazy_conjugates():
    """| `np.complex64` | `torch.complex64` | ... Complex Dtypes"""
    t = torch.tensor([1 + 2j, 3 - 4j], dtype=torch.complex64)
    x = ndb.asarray(t)
    assert x.data_ptr == t.data_ptr() and x.tolist() == [1 + 2j, 3 - 4j]
    c = t.conj()  # a lazy view: its memory holds the unconjugated values
    assert ndb.asarray(c).tolist() == [1 - 2j, 3 + 4j] == c.resolve_conj().tolist()
    with pytest.raises(ndb.CopyError, match="conjugate"):
        ndb.asarray(c, copy=False)


def test_seed_002_dataframe_to_tensor_via_values():
    """tensor = torch.tensor(df.values) ... print(f"Shape: {tensor.shape}, Dtype: {tensor.dtype}")"""
    df = pd.DataFrame({"feature_1": [1.0, 2.0, 3.0, 4.0], "feature_2": [5.0, 6.0, 7.0, 8.0],
                       "feature_3": [9.0, 10.0, 11.0, 12.0]})
    tensor = ndb.tensor(df.values)
    assert (tensor.shape, tensor.dtype) == ((4, 3), ndb.float64)
    assert tensor.tolist() == df.values.tolist()
    shared = ndb.asarray(df.to_numpy())
    assert shared.tolist() == df.to_numpy().tolist()


def test_seed_002_mixed_types_select_numeric_columns():
    """df_numeric = df_mixed.select_dtypes(include=[np.number]) ... tensor_numeric = torch.tensor(df_numeric.values)"""
    df_mixed = pd.DataFrame({"int_col": [1, 2, 3], "float_col": [1.5, 2.5, 3.5], "str_col": ["a", "b", "c"]})
    df_numeric = df_mixed.select_dtypes(include=[np.number])
    tensor_numeric = ndb.tensor(df_numeric.values)
    assert tensor_numeric.dtype == ndb.float64 and tensor_numeric.tolist() == [[1.0, 1.5], [2.0, 2.5], [3.0, 3.5]]
    tensor_specific = ndb.tensor(df_mixed[["int_col", "float_col"]].values)
    assert tensor_specific.tolist() == tensor_numeric.tolist()


def test_seed_002_string_column_cannot_convert():
    """'str_col': ['a', 'b', 'c']  # Can't convert to tensor"""
    df_mixed = pd.DataFrame({"int_col": [1, 2, 3], "str_col": ["a", "b", "c"]})
    with pytest.raises(TypeError, match="mixes strings and numbers"):
        ndb.tensor(df_mixed.values)  # an object array of numbers and text: no array dtype holds both
    strings = ndb.asarray(df_mixed["str_col"].to_numpy(dtype=str))  # text as text is fine
    assert strings.dtype == ndb.str_(1) and strings.tolist() == ["a", "b", "c"]


def test_seed_002_explicit_dtype_control():
    """tensor_default = torch.tensor(df.values) ... # torch.int64 ... tensor_float32 = torch.tensor(df.values, dtype=torch.float32)"""
    df = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]})
    tensor_default = ndb.tensor(df.values)
    assert tensor_default.dtype == ndb.int64
    tensor_float32 = ndb.tensor(df.values, dtype=torch.float32)
    assert tensor_float32.dtype == ndb.float32 and tensor_float32.tolist() == [[1.0, 4.0], [2.0, 5.0], [3.0, 6.0]]


def test_seed_002_series_to_tensor_and_column_vector():
    """tensor_1d = torch.tensor(series.values)  # Shape: (5,) ... tensor_col = tensor_1d.unsqueeze(1)      # Shape: (5, 1)"""
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    tensor_1d = ndb.tensor(series.values)
    assert tensor_1d.shape == (5,)
    tensor_col = tensor_1d.expand_dims(1)
    assert tensor_col.shape == (5, 1) and tensor_col.tolist() == [[v] for v in series.tolist()]
    assert tensor_1d[:, None].shape == (5, 1)
    assert ndb.asarray(series.to_numpy()).data_ptr == ptr_numpy(series.to_numpy())


@pytest.mark.parametrize("strategy", ["raw", "dropna", "fillna_0", "fillna_mean", "ffill"])
def test_seed_002_missing_values(strategy):
    """tensor_clean = torch.tensor(df_nan.dropna().values) ... fillna(0) ... fillna(df_nan.mean()) ... df_nan.ffill()"""
    df_nan = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [5.0, np.nan, 7.0, 8.0]})
    prepared = {"raw": lambda d: d, "dropna": lambda d: d.dropna(), "fillna_0": lambda d: d.fillna(0),
                "fillna_mean": lambda d: d.fillna(d.mean()), "ffill": lambda d: d.ffill()}[strategy](df_nan)
    t = ndb.tensor(prepared.values)
    assert t.dtype == ndb.float64 and nan_equal(t, prepared.values)
    if strategy == "dropna":
        assert t.shape == (2, 2)


def test_seed_002_categorical_label_encoding():
    """df_cat['code'] = df_cat['category'].astype('category').cat.codes ... tensor = torch.tensor(df_cat[['code', 'value']].values)"""
    df_cat = pd.DataFrame({"category": ["A", "B", "A", "C", "B"], "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    df_cat["code"] = df_cat["category"].astype("category").cat.codes
    tensor = ndb.tensor(df_cat[["code", "value"]].values)
    assert tensor.dtype == ndb.float64 and tensor.tolist() == [[0, 1], [1, 2], [0, 3], [2, 4], [1, 5]]
    codes = ndb.asarray(df_cat["code"].to_numpy())  # the codes themselves keep pandas' int8
    assert codes.dtype == ndb.int8 and codes.tolist() == [0, 1, 0, 2, 1]


def test_seed_002_categorical_one_hot_encoding():
    """one_hot = pd.get_dummies(df_cat['category'], prefix='cat') ... tensor_onehot = torch.tensor(df_encoded.values, dtype=torch.float32)"""
    df_cat = pd.DataFrame({"category": ["A", "B", "A", "C", "B"], "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    one_hot = pd.get_dummies(df_cat["category"], prefix="cat")
    df_encoded = pd.concat([one_hot, df_cat[["value"]]], axis=1)
    # bool and float columns make .values an object array, which torch.tensor refuses; ndbridge reads
    # its elements, as NumPy does, and gives pandas' own float32 values.
    assert df_encoded.values.dtype == object
    from_object = ndb.tensor(df_encoded.values, dtype=torch.float32)
    assert from_object.tolist() == df_encoded.to_numpy(dtype=np.float32).tolist()
    tensor_onehot = ndb.tensor(df_encoded.to_numpy(dtype=np.float32))
    assert tensor_onehot.dtype == ndb.float32 and tensor_onehot.shape == (5, 4)
    assert tensor_onehot.tolist() == df_encoded.to_numpy(dtype=np.float32).tolist()
    one_hot_only = ndb.tensor(one_hot.values, dtype=torch.float32)  # all-bool columns convert directly
    assert one_hot_only.tolist() == one_hot.values.astype(np.float32).tolist()


def test_seed_002_tensor_to_dataframe():
    """df = pd.DataFrame(tensor.numpy(), columns=columns)"""
    tensor = torch.randn(5, 3)
    columns = ["feature_a", "feature_b", "feature_c"]
    df = pd.DataFrame(tensor.numpy(), columns=columns)
    x = ndb.asarray(tensor)  # into ndbridge: the same values, the tensor's memory
    assert x.data_ptr == tensor.data_ptr()
    assert x.tolist() == df.to_numpy().tolist()
    assert ndb.asarray(df.to_numpy()).tolist() == x.tolist()


def test_seed_002_time_series_values_and_days_since_epoch():
    """tensor_values = torch.tensor(df_ts.values, dtype=torch.float32) ... days = (df_ts.index - pd.Timestamp('1970-01-01')).days"""
    dates = pd.date_range("2023-01-01", periods=5, freq="D")
    df_ts = pd.DataFrame({"close": [100.0, 101.5, 99.8, 102.3, 103.1], "volume": [1000, 1200, 800, 1500, 1100]},
                         index=dates)
    tensor_values = ndb.tensor(df_ts.values, dtype=torch.float32)
    assert tensor_values.dtype == ndb.float32
    assert tensor_values.tolist() == df_ts.values.astype(np.float32).tolist()
    days = (df_ts.index - pd.Timestamp("1970-01-01")).days
    tensor_days = ndb.tensor(days.values)
    assert tensor_days.dtype == ndb.int64 and tensor_days.tolist() == list(range(19358, 19363))
    # Better: the dates themselves keep their type, and the day count is one cast away.
    stamps = ndb.asarray(df_ts.index.values)
    assert stamps.dtype == ndb.dtype(df_ts.index.values.dtype) and stamps.dtype.kind == "M" and stamps.data_ptr == ptr_numpy(df_ts.index.values)
    assert stamps.astype("datetime64[D]").astype("int64").tolist() == tensor_days.tolist()


def test_seed_002_sliding_window_sequences():
    """sequences = create_sequences(df_long, seq_length=10) ... print(f"Sequences shape: {sequences.shape}")  # torch.Size([90, 10, 1])"""
    def create_sequences(df, seq_length):
        values = ndb.tensor(df.values, dtype=torch.float32)
        sequences = [values[i:i + seq_length] for i in range(len(values) - seq_length)]
        return ndb.asarray(sequences)  # a list of ndb.Array windows stacks into one array

    df_long = pd.DataFrame({"feature": np.random.default_rng(0).standard_normal(100)})
    sequences = create_sequences(df_long, seq_length=10)
    assert sequences.shape == (90, 10, 1) and sequences.dtype == ndb.float32
    expected = np.lib.stride_tricks.sliding_window_view(df_long.values.astype(np.float32)[:, 0], 10)[:90, :, None]
    assert sequences.tolist() == expected.tolist()


def test_seed_002_prepare_ohlcv_data():
    """tensor_ohlcv = prepare_ohlcv_data(df_ohlcv) ... print(f"Shape: {tensor_ohlcv.shape}, Dtype: {tensor_ohlcv.dtype}")"""
    def prepare_ohlcv_data(df):
        numeric_cols = ["open", "high", "low", "close", "volume"]
        df = df[numeric_cols].astype(np.float32)
        df = df.ffill().bfill()
        df_normalized = (df - df.min()) / (df.max() - df.min())
        return ndb.tensor(df_normalized.values), df_normalized

    df_ohlcv = pd.DataFrame({
        "open": [100.0, 101.0, 102.0, 101.5, 103.0], "high": [101.5, 102.5, 103.0, 102.0, 104.0],
        "low": [99.5, 100.5, 101.5, 100.5, 102.5], "close": [101.0, 102.0, 101.5, 103.0, 103.5],
        "volume": [1000, 1200, 800, 1500, 1100]})
    tensor_ohlcv, df_normalized = prepare_ohlcv_data(df_ohlcv)
    assert (tensor_ohlcv.shape, tensor_ohlcv.dtype) == ((5, 5), ndb.float32)
    assert tensor_ohlcv.tolist() == df_normalized.values.tolist()


def test_seed_002_data_loading_pipeline(tmp_path):
    """X = torch.tensor(data, dtype=torch.float32) ... y = torch.tensor(labels, dtype=torch.long)"""
    np.save(tmp_path / "data.npy", np.arange(12, dtype=np.float64).reshape(4, 3) / 4)
    np.save(tmp_path / "labels.npy", np.array([0, 1, 1, 0], dtype=np.int32))
    data = np.load(tmp_path / "data.npy")
    labels = np.load(tmp_path / "labels.npy")
    X = ndb.tensor(data, dtype=torch.float32)
    y = ndb.tensor(labels, dtype=torch.long)
    assert X.dtype == ndb.float32 and X.tolist() == data.astype(np.float32).tolist()
    assert y.dtype == ndb.int64 and y.tolist() == [0, 1, 1, 0]
    mapped = np.load(tmp_path / "data.npy", mmap_mode="r")  # a memory-mapped file is shared, read-only
    shared = ndb.asarray(mapped)
    assert shared.readonly and shared.data_ptr == ptr_numpy(mapped) and shared.tolist() == data.tolist()


def test_seed_002_safe_conversion_utility():
    """def df_to_tensor(df, dtype=torch.float32): ... raise ValueError("No numeric columns found") ... numeric_df = numeric_df.fillna(0)"""
    def df_to_tensor(df, dtype=torch.float32):
        numeric_df = df.select_dtypes(include=[np.number])
        if numeric_df.empty:
            raise ValueError("No numeric columns found")
        if numeric_df.isna().any().any():
            numeric_df = numeric_df.fillna(0)
        return ndb.tensor(numeric_df.values, dtype=dtype)

    df = pd.DataFrame({"a": [1.0, np.nan], "b": [3, 4], "s": ["x", "y"]})
    t = df_to_tensor(df)
    assert t.dtype == ndb.float32 and t.tolist() == [[1.0, 3.0], [0.0, 4.0]]
    with pytest.raises(ValueError, match="No numeric columns"):
        df_to_tensor(pd.DataFrame({"s": ["x"]}))


def test_seed_002_pitfall_unexpected_mutations_and_clone():
    """arr[0] = 0  # Oops — tensor also changed ... Solution: Use torch.tensor() when independence is needed, or .clone() on the tensor."""
    arr = np.array([1.0, 2.0, 3.0])
    t = ndb.from_numpy(arr)
    independent = ndb.tensor(arr)
    clone = t.copy()
    arr[0] = 0
    assert t.tolist() == [0.0, 2.0, 3.0]
    assert independent.tolist() == [1.0, 2.0, 3.0] and clone.tolist() == [1.0, 2.0, 3.0]


def test_seed_002_pitfall_dtype_mismatch():
    """arr = np.array([1.0, 2.0])          # float64 ... print(t.dtype)                       # torch.float64 (not float32!)"""
    t = ndb.from_numpy(np.array([1.0, 2.0]))
    assert t.dtype == ndb.float64
    arr32 = np.array([1.0, 2.0], dtype=np.float32)
    assert ndb.from_numpy(arr32).dtype == ndb.float32


def test_seed_002_tip_from_numpy_and_as_tensor_create_cpu_arrays():
    """Device: from_numpy / as_tensor always create CPU tensors."""
    arr = np.arange(3)
    assert ndb.from_numpy(arr).device == ndb.as_tensor(arr).device == ndb.tensor(arr).device == "cpu"


def test_seed_002_summary_table():
    """| torch.from_numpy(arr) | Share | ... | torch.as_tensor(arr) | Try share | ... | torch.tensor(arr) | Copy | ... | torch.tensor(df.values) | Copy |"""
    arr = np.arange(4.0)
    df = pd.DataFrame({"a": [1.0, 2.0]})
    assert ndb.from_numpy(arr).data_ptr == ptr_numpy(arr)
    assert ndb.as_tensor(arr).data_ptr == ptr_numpy(arr)
    assert ndb.tensor(arr).data_ptr != ptr_numpy(arr)
    values = df.values
    assert ndb.tensor(values).data_ptr != ptr_numpy(values)


# ---------------------------------------------------------------------------------------------- 003 numpy.from_dlpack



def test_seed_003_from_dlpack_returns_a_view_of_the_input():
    """Create a NumPy array from an object implementing the __dlpack__ protocol. Generally, the returned NumPy array is a view of the input object."""
    t = torch.arange(6, dtype=torch.int32).reshape(2, 3)
    x = ndb.from_dlpack(t)
    assert x.data_ptr == t.data_ptr() and x.shape == (2, 3) and x.dtype == ndb.int32
    t[0, 0] = 7
    assert x.tolist()[0][0] == 7
    a = np.arange(4.0)
    assert ndb.from_dlpack(a).data_ptr == ptr_numpy(a)


def test_seed_003_x_implements_dlpack_and_dlpack_device():
    """x : object — A Python object that implements the __dlpack__ and __dlpack_device__ methods."""
    a = np.arange(6, dtype=np.float32).reshape(3, 2).T
    x = ndb.from_dlpack(DLPackProducer(a))
    assert x.data_ptr == ptr_numpy(a) and x.strides == a.strides and x.tolist() == a.tolist()
    assert ndb.asarray(DLPackProducer(a)).data_ptr == ptr_numpy(a)  # asarray takes producers the same way
    with pytest.raises(TypeError, match="no __dlpack__"):
        ndb.from_dlpack([1, 2, 3])


def test_seed_003_device_cpu():
    """device : device, optional — Device on which to place the created array. Default: None. Must be "cpu" if passed"""
    t = torch.arange(3.0)
    for device in ["cpu", (1, 0), torch.device("cpu")]:
        x = ndb.from_dlpack(t, device=device)
        assert x.device == "cpu" and x.data_ptr == t.data_ptr()


def test_seed_003_device_change_is_requested_from_the_producer():
    """which may allow importing an array that is not already CPU available."""
    with pytest.raises(ValueError, match="only the producer can move it") as info:
        ndb.from_dlpack(torch.arange(3.0), device="cuda")  # this torch build has no CUDA
    assert info.value.__cause__ is not None  # the producer's own error is kept


def test_seed_003_copy_true_copies():
    """copy : bool, optional — Boolean indicating whether or not to copy the input. If True, the copy will be made."""
    t = torch.arange(3.0)
    x = ndb.from_dlpack(t, copy=True)
    assert x.data_ptr != t.data_ptr()
    t[0] = 9.0
    assert x.tolist() == [0.0, 1.0, 2.0]


def test_seed_003_copy_false_never_copies_and_raises_buffer_error():
    """If False, the function will never copy, and will raise BufferError in case a copy is deemed necessary."""
    t = torch.arange(3.0)
    assert ndb.from_dlpack(t, copy=False).data_ptr == t.data_ptr()
    with pytest.raises(BufferError, match="copy=False"):
        ndb.from_dlpack(t, device="cuda", copy=False)
    with pytest.raises(BufferError, match="copy=False"):
        ndb.asarray(t, dtype="float64", copy=False)


def test_seed_003_copy_none_reuses_the_buffer_if_possible():
    """If None, the function will reuse the existing memory buffer if possible and copy otherwise. Default: None."""
    a = np.arange(3, dtype=np.int16)
    assert ndb.from_dlpack(DLPackProducer(a), copy=None).data_ptr == ptr_numpy(a)
    assert ndb.asarray(DLPackProducer(a), dtype="int32").tolist() == [0, 1, 2]  # a dtype change copies


def test_seed_003_capsules_are_consumed_once():
    """Create a NumPy array from an object implementing the __dlpack__ protocol. ... [1] Array API documentation, ... data interchange with DLPack"""
    a = np.arange(3.0)
    capsule = a.__dlpack__(max_version=(1, 0))
    assert ndb.from_dlpack(capsule).data_ptr == ptr_numpy(a)
    with pytest.raises(ValueError, match="already consumed"):
        ndb.asarray(capsule)


def test_seed_003_returns_out_ndarray():
    """Returns: out : ndarray"""
    x = ndb.from_dlpack(np.arange(3))
    assert isinstance(x, ndb.Array)
    assert ctypes.c_int64.from_address(x.data_ptr).value == 0
