"""ndb.asarray over buffer-protocol objects: format, shape, strides and read-only-ness honoured, memory
shared, the export held for as long as a view lives."""
import array
import ctypes
import gc
import mmap
import weakref

import numpy as np
import pytest

import ndbridge as ndb


def buffer_address(obj):
    """Address of a writable buffer's first byte, found by NumPy (which views it without copying)."""
    return np.frombuffer(obj, dtype=np.uint8).__array_interface__["data"][0]


def test_bytes_is_a_readonly_uint8_view():
    b = b"abc"
    x = ndb.asarray(b)
    assert (x.shape, x.strides, x.dtype, x.readonly) == ((3,), (1,), ndb.uint8, True)
    assert x.tolist() == [97, 98, 99]
    assert not x.flags.writeable
    assert x.data_ptr == np.frombuffer(b, dtype=np.uint8).__array_interface__["data"][0]


def test_bytearray_is_a_writable_shared_uint8_view():
    b = bytearray(b"xyz")
    x = ndb.asarray(b)
    assert (x.shape, x.dtype, x.readonly) == ((3,), ndb.uint8, False)
    assert x.data_ptr == buffer_address(b)
    x[0] = 65
    assert b == bytearray(b"Ayz")
    b[2] = 66
    assert x[2] == 66


def test_empty_bytes_and_bytearray():
    for obj in (b"", bytearray()):
        x = ndb.asarray(obj)
        assert x.shape == (0,) and x.size == 0 and x.tolist() == []


def test_memoryview_of_bytearray_is_shared():
    b = bytearray(range(8))
    x = ndb.asarray(memoryview(b))
    assert x.data_ptr == buffer_address(b)
    x[7] = 200
    assert b[7] == 200


def test_multidimensional_memoryview_cast_keeps_shape_strides_and_format():
    b = bytearray(np.arange(6, dtype=np.int32).tobytes())
    m = memoryview(b).cast("i", (2, 3))
    x = ndb.asarray(m)
    assert (x.shape, x.strides, x.dtype) == ((2, 3), (12, 4), ndb.int32)
    assert x.tolist() == m.tolist() == [[0, 1, 2], [3, 4, 5]]
    x[1, 2] = -1
    assert m[1, 2] == -1


@pytest.mark.parametrize("key", [slice(None, None, 2), slice(None, None, -1), slice(1, None, 3), slice(5, 1, -2)],
                         ids=str)
def test_strided_memoryview_slices_keep_their_strides(key):
    b = bytearray(range(24))
    m = memoryview(b)[key]
    x = ndb.asarray(m)
    assert x.shape == m.shape and x.strides == m.strides
    assert x.tolist() == m.tolist()
    n = np.asarray(m)
    assert x.data_ptr == n.__array_interface__["data"][0]


def test_reversed_memoryview_of_a_2d_cast():
    m = memoryview(bytearray(np.arange(6, dtype=np.int32).tobytes())).cast("i", (2, 3))[::-1]
    x = ndb.asarray(m)
    assert x.strides == (-12, 4)
    assert x.tolist() == [[3, 4, 5], [0, 1, 2]]


def test_readonly_memoryview_is_readonly():
    m = memoryview(bytearray(4)).toreadonly()
    x = ndb.asarray(m)
    assert x.readonly
    with pytest.raises(ValueError, match="read-only"):
        x[0] = 1


TYPECODES = [("b", "int8"), ("B", "uint8"), ("h", "int16"), ("H", "uint16"), ("i", "int32"), ("I", "uint32"),
             ("l", "int64"), ("L", "uint64"), ("q", "int64"), ("Q", "uint64"), ("f", "float32"), ("d", "float64")]


@pytest.mark.parametrize("typecode,dtype", TYPECODES, ids=[t for t, _ in TYPECODES])
def test_array_array_typecodes_map_to_dtypes_and_share(typecode, dtype):
    src = array.array(typecode, [1, 2, 3])
    x = ndb.asarray(src)
    assert x.dtype == dtype
    assert x.shape == (3,) and x.strides == (src.itemsize,)
    assert x.tolist() == [1, 2, 3]
    assert x.data_ptr == src.buffer_info()[0]
    x[0] = 9
    assert src[0] == 9
    src[2] = 7
    assert x[2] == 7


def test_array_array_unicode_is_a_one_character_str_array():
    src = array.array("w" if hasattr(array, "typecodes") and "w" in array.typecodes else "u", "ab")
    x = ndb.asarray(src)
    assert x.dtype == ndb.dtype("U1")
    assert x.tolist() == ["a", "b"]


def test_anonymous_mmap_is_a_writable_shared_uint8_view():
    mm = mmap.mmap(-1, 64)
    try:
        x = ndb.asarray(mm)
        assert (x.shape, x.dtype, x.readonly) == ((64,), ndb.uint8, False)
        x[10] = 42
        assert mm[10] == 42
        mm[11] = 43
        assert x[11] == 43
        del x
        gc.collect()
    finally:
        mm.close()


def test_mmap_cannot_close_while_a_view_holds_its_export():
    mm = mmap.mmap(-1, 16)
    x = ndb.asarray(mm)
    with pytest.raises(BufferError):
        mm.close()
    del x
    gc.collect()
    mm.close()


def test_ctypes_double_array_format_is_little_endian_d():
    src = (ctypes.c_double * 4)(1, 2, 3, 4)
    assert memoryview(src).format == "<d"
    x = ndb.asarray(src)
    assert (x.shape, x.strides, x.dtype) == ((4,), (8,), ndb.float64)
    assert x.data_ptr == ctypes.addressof(src)
    x[1] = -0.5
    assert src[1] == -0.5


def test_ctypes_int16_array_format_is_little_endian_h():
    src = (ctypes.c_int16 * 3)(1, -2, 3)
    assert memoryview(src).format == "<h"
    x = ndb.asarray(src)
    assert x.dtype == ndb.int16 and x.tolist() == [1, -2, 3]
    assert x.data_ptr == ctypes.addressof(src)


def test_nested_ctypes_arrays_are_two_dimensional():
    src = ((ctypes.c_int32 * 3) * 2)()
    src[1][2] = 5
    x = ndb.asarray(src)
    assert (x.shape, x.strides, x.dtype) == ((2, 3), (12, 4), ndb.int32)
    assert x.tolist() == [[0, 0, 0], [0, 0, 5]]


def test_big_endian_memoryview_format_gives_a_non_native_dtype():
    n = np.arange(3, dtype=">i4")
    m = memoryview(n)
    assert m.format == ">i"
    x = ndb.asarray(m)
    assert x.dtype == ndb.dtype(">i4") and not x.dtype.isnative
    assert x.tolist() == [0, 1, 2]
    x[1] = 258
    assert n[1] == 258 and n.tobytes()[4:8] == b"\x00\x00\x01\x02"


@pytest.mark.parametrize("dtype", ["<f2", "<c8", "<c16", "?", "S3", "<U3", "<i8", ">f8", ">u2"])
def test_numpy_exported_formats_round_trip_through_the_buffer_protocol(dtype):
    n = np.zeros(3, dtype=dtype)
    x = ndb.asarray(memoryview(n))
    assert x.dtype == n.dtype
    assert x.data_ptr == n.__array_interface__["data"][0]
    assert x.tolist() == n.tolist()


class Point(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_double)]


class One(ctypes.Structure):
    _fields_ = [("a", ctypes.c_int)]


@pytest.mark.parametrize("src", [lambda: (Point * 2)(), lambda: (One * 2)()], ids=["two_fields", "one_field"])
def test_struct_formats_are_a_type_error_naming_the_format(src):
    obj = src()
    fmt = memoryview(obj).format
    assert fmt.startswith("T{")
    with pytest.raises(TypeError, match=fmt.replace("{", r"\{").replace("}", r"\}")):
        ndb.asarray(obj)


def test_pointer_formats_are_a_type_error():
    src = (ctypes.c_void_p * 2)()
    with pytest.raises(TypeError, match="pointer"):
        ndb.asarray(src)


def test_datetime_arrays_cannot_export_buffers_but_are_read_through_numpy():
    n = np.zeros(2, dtype="M8[s]")
    with pytest.raises(ValueError):
        memoryview(n)
    assert ndb.asarray(n).dtype == ndb.dtype("datetime64[s]")


def test_subarray_formats_are_a_type_error():
    m = memoryview(np.zeros(2, dtype=[("a", "<i4", (3,))]))
    with pytest.raises(TypeError):
        ndb.asarray(m)


# ---------------------------------------------------------------------------------------------- export held

def test_bytearray_cannot_resize_while_a_view_lives():
    b = bytearray(8)
    x = ndb.asarray(b)
    with pytest.raises(BufferError):
        b.extend(b"x")
    y = x[2:]
    del x
    gc.collect()
    with pytest.raises(BufferError):
        b.extend(b"x")  # the slice keeps the export
    del y
    gc.collect()
    b.extend(b"x")
    assert len(b) == 9


def test_array_array_cannot_grow_while_a_view_lives():
    src = array.array("d", [1.0, 2.0])
    x = ndb.asarray(src)
    with pytest.raises(BufferError):
        src.append(3.0)
    del x
    gc.collect()
    src.append(3.0)
    assert len(src) == 3


class TrackedArray(array.array):
    """array.array accepts no weak references; a subclass does."""


def test_buffer_source_is_released_exactly_when_the_last_view_goes():
    src = TrackedArray("i", [1, 2, 3, 4])
    ref = weakref.ref(src)
    x = ndb.asarray(src)
    v = x[::-1]
    w = v.T[1:]
    del src
    gc.collect()
    assert ref() is not None
    del x, v
    gc.collect()
    assert ref() is not None
    assert w.tolist() == [3, 2, 1]
    del w
    gc.collect()
    assert ref() is None


def test_view_of_a_temporary_buffer_reads_correct_values():
    x = ndb.asarray(TrackedArray("d", [0.5 * i for i in range(100)]))[::7]
    gc.collect()
    array.array("d", [9.0] * 1000)  # churn the allocator
    assert x.tolist() == [0.5 * i for i in range(0, 100, 7)]
