"""Pickling, copies and weak references of ndb.Array: every dtype and layout survives a round trip;
protocol 5 sends the bytes out of band without a copy; read-only follows NumPy (protocol 5 keeps it,
older protocols and copies give writable memory); torch.save/torch.load carry arrays too."""
import copy
import io
import pickle
import weakref

import ml_dtypes
import numpy as np
import pytest
import torch

import ndbridge as ndb
import ndbridge._protocols

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
          "float32", "float64", "longdouble", "complex64", "complex128", "clongdouble", ">i4", ">f8", "<c8",
          "M8[D]", "M8[ns]", "m8[s]", "S3", "U2", ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn,
          ml_dtypes.float8_e5m2]


def sample(dtype, shape=(3, 4)):
    n = int(np.prod(shape))
    dt = np.dtype(dtype)
    if dt.kind in "SU":
        values = np.array([str(i % 100) for i in range(n)]).astype(dt)
    elif dt.kind in "Mm":
        values = np.arange(n).astype(dt.str[:1] + "i8").view(dt)
    else:
        values = (np.arange(n) % 7 - (0 if dt.kind in "ub" else 3)).astype(dt)
    return values.reshape(shape)


LAYOUTS = {
    "C": lambda a: a,
    "F": lambda a: np.asfortranarray(a),
    "strided": lambda a: a[:, ::2],
    "negative": lambda a: a[::-1, ::-1],
    "transposed": lambda a: a.T,
    "0-d": lambda a: a[1, 1, ...],
    "empty": lambda a: a[:0],
}


def same_elements(got, expected):
    got = np.asarray(got)
    assert got.dtype == expected.dtype and got.shape == expected.shape
    assert got.tobytes() == np.ascontiguousarray(expected).tobytes()


@pytest.mark.parametrize("protocol", [2, 4, 5])
@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_pickle_round_trip_keeps_every_dtype_and_layout(dtype, layout, protocol):
    a = LAYOUTS[layout](sample(dtype))
    x = ndb.asarray(a)
    y = pickle.loads(pickle.dumps(x, protocol=protocol))
    assert isinstance(y, ndb.Array) and y.dtype == x.dtype and y.shape == x.shape
    same_elements(y, a)
    assert not y.readonly  # a writable source gives a writable array under every protocol


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_pickled_read_only_array_follows_numpy(protocol):
    a = np.arange(6.0).reshape(2, 3)
    a.flags.writeable = False
    x = ndb.asarray(a)
    assert x.readonly
    expected = pickle.loads(pickle.dumps(a, protocol=protocol))
    y = pickle.loads(pickle.dumps(x, protocol=protocol))
    assert y.readonly == (not expected.flags.writeable) == (protocol >= 5)
    assert y.tolist() == a.tolist()


def test_protocol_5_sends_the_bytes_out_of_band_without_a_copy():
    x = ndb.asarray(np.arange(12.0).reshape(3, 4))
    buffers: list[pickle.PickleBuffer] = []
    data = pickle.dumps(x, protocol=5, buffer_callback=buffers.append)
    assert len(buffers) == 1 and len(data) < 300  # the 96 bytes are not in the stream
    y = pickle.loads(data, buffers=buffers)
    assert y.data_ptr == x.data_ptr and y.tolist() == x.tolist()
    y[0, 0] = 42.0  # the same memory, as NumPy's out-of-band pickles share it
    assert x[0, 0] == 42.0


def test_protocol_5_out_of_band_of_an_fortran_array_keeps_its_order_and_memory():
    a = np.asfortranarray(np.arange(6, dtype=np.int32).reshape(2, 3))
    x = ndb.asarray(a)
    buffers: list[pickle.PickleBuffer] = []
    y = pickle.loads(pickle.dumps(x, protocol=5, buffer_callback=buffers.append), buffers=buffers)
    assert y.strides == x.strides and y.data_ptr == x.data_ptr and y.tolist() == a.tolist()


def test_unpickling_a_wrong_sized_buffer_is_a_value_error():
    with pytest.raises(ValueError, match="bytes"):
        ndbridge._protocols._array_from_pickle(b"\0" * 7, ndb.float64, (1,), "C", False)


@pytest.mark.parametrize("layout", ["C", "F", "negative", "strided"])
@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_copies_have_independent_writable_memory_as_numpy(copier, layout):
    a = LAYOUTS[layout](np.arange(12.0).reshape(3, 4))
    a.flags.writeable = False
    x = ndb.asarray(a)
    y = copier(x)
    assert isinstance(y, ndb.Array) and y.tolist() == a.tolist()
    assert not y.readonly and copier(a).flags.writeable
    assert not y._same_memory(x)
    if y.ndim:
        y[(0,) * y.ndim] = -1.0
        assert a[(0,) * a.ndim] != -1.0


def test_deepcopy_of_a_container_copies_the_array_once():
    x = ndb.asarray([1, 2, 3])
    box = copy.deepcopy({"a": x, "b": x})
    assert box["a"] is box["b"] and not box["a"]._same_memory(x)


def test_weak_references_to_arrays():
    x = ndb.asarray([1.0, 2.0])
    r = weakref.ref(x)
    assert r() is x
    del x
    assert r() is None
    cache: weakref.WeakValueDictionary[str, ndb.Array] = weakref.WeakValueDictionary()
    y = ndb.asarray([3])
    cache["y"] = y
    assert cache["y"] is y


@pytest.mark.parametrize("dtype", ["float32", "int16", "M8[s]", ml_dtypes.bfloat16], ids=str)
def test_torch_save_and_load_round_trip(dtype):
    a = sample(dtype)[:, ::-1]
    x = ndb.asarray(a)
    f = io.BytesIO()
    torch.save({"x": x, "t": torch.ones(2)}, f)
    f.seek(0)
    loaded = torch.load(f, weights_only=False)  # ndb.Array is not one of torch's weights-only types
    same_elements(loaded["x"], a)
    f.seek(0)
    with torch.serialization.safe_globals([ndbridge._protocols._array_from_pickle, ndb.dtype]):
        same_elements(torch.load(f)["x"], a)


def test_dtype_pickles_to_an_equal_dtype():
    for d in (ndb.float32, ndb.dtype(">i2"), ndb.bfloat16, ndb.dtype("M8[ms]"), ndb.dtype("U3")):
        assert pickle.loads(pickle.dumps(d)) == d
