"""The per-call fast paths of asarray (docs/decisions.md, "Per-call fast paths") give exactly what the general
pipeline gives. A call with only obj and like= takes the fast path; the same call with order="K" spelled out
(and device="cpu" for tensors, which also skips the tensor fast path) runs the general pipeline: both results
are compared field by field, by memory address and by mutation both ways, over the inputs a fast path must
take and the ones it must leave alone (subclasses, read-only, negative strides, byte order, lazy bits)."""
import gc
import weakref

import numpy as np
import pytest
import torch
import ml_dtypes

import ndbridge as ndb


class SubArray(np.ndarray):
    pass


def address(x):
    if isinstance(x, torch.Tensor):
        return x.data_ptr()
    if isinstance(x, np.ndarray):
        return x.__array_interface__["data"][0]
    return x.data_ptr


def fields(x):
    """Everything a caller can see of a result's layout and flags."""
    if isinstance(x, torch.Tensor):
        return (type(x), x.dtype, tuple(x.shape), x.stride(), x.requires_grad, x.is_conj(), x.is_neg(),
                x.device.type)
    if isinstance(x, np.ndarray):
        return (type(x), x.dtype.str, x.shape, x.strides, x.flags.writeable, x.flags.c_contiguous,
                x.flags.f_contiguous)
    return (type(x), str(x.dtype), x.shape, x.strides, x.readonly)


def writable(x):
    if isinstance(x, torch.Tensor):
        return not x.requires_grad
    if isinstance(x, np.ndarray):
        return x.flags.writeable
    return not x.readonly


def as_numpy(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().resolve_conj().resolve_neg()
        if x.dtype == torch.bfloat16:  # NumPy has no bfloat16: the same bits through ml_dtypes
            return x.view(torch.int16).numpy().view(ml_dtypes.bfloat16)
        return x.numpy()
    return np.asarray(x)


def outcome(call):
    try:
        return call(), None
    except Exception as e:  # the same exception type and message from both paths
        return None, (type(e), str(e))


def assert_same_as_general(source, like, general_kwargs):
    fast, fast_error = outcome(lambda: ndb.asarray(source, like=like))
    general, general_error = outcome(lambda: ndb.asarray(source, like=like, **general_kwargs))
    assert fast_error == general_error
    if fast_error is not None:
        return
    assert fields(fast) == fields(general)
    shared = address(general) == address(source)
    assert (address(fast) == address(source)) == shared
    np.testing.assert_array_equal(as_numpy(fast), as_numpy(general))
    if shared and as_numpy(fast).size and writable(fast) and writable(source):
        mutate_both_ways(source, fast)


def mutate_both_ways(source, result):
    """A write through either side is seen by the other (element 0, ..., 0)."""
    first = (0,) * as_numpy(source).ndim
    old = as_numpy(source)[first]
    kind = as_numpy(source).dtype.kind
    if kind == "b":
        new_in_source, new_in_result = not bool(old), bool(old)
    elif kind in "SU":
        new_in_source, new_in_result = old[:0] + "x" if kind == "U" else b"x", old
    elif kind == "M":
        new_in_source, new_in_result = old + np.timedelta64(7, "D"), old
    else:
        new_in_source, new_in_result = old + 7, old + 3

    def write(x, value):
        x = x if isinstance(x, (np.ndarray, torch.Tensor)) else np.asarray(x)
        x[first] = value.item() if isinstance(x, torch.Tensor) and hasattr(value, "item") else value

    write(source, new_in_source)
    assert as_numpy(result)[first] == new_in_source
    write(result, new_in_result)
    assert as_numpy(source)[first] == new_in_result


def ndarray_inputs():
    base = np.arange(24, dtype=np.float32)
    readonly = base.copy()
    readonly.flags.writeable = False
    odd_stride = np.lib.stride_tricks.as_strided(np.zeros(8, np.float32), shape=(1, 4), strides=(3, 4))
    return {
        "f32[16]": np.arange(16, dtype=np.float32),
        "every step 2": base[::2],
        "negative strides": base[::-1],
        "read-only": readonly,
        "zero-size": np.zeros((0, 3), np.float32),
        "zero-d": np.array(5.0),
        "F order": np.asfortranarray(base.reshape(4, 6)),
        "transposed 3-d": base.reshape(2, 3, 4).transpose(2, 0, 1),
        "bool": np.array([True, False, True]),
        "complex64": np.arange(4, dtype=np.complex64) * (1 + 2j),
        "complex128": np.arange(4, dtype=np.complex128) * (1 - 1j),
        "float16": np.arange(5, dtype=np.float16),
        "uint16": np.arange(5, dtype=np.uint16),
        "longlong": np.arange(5, dtype=np.longlong),
        "big-endian": np.arange(5, dtype=">f4"),
        "bfloat16": np.arange(5, dtype=ml_dtypes.bfloat16),
        "datetime": np.array(["2020-01-01"], dtype="datetime64[D]"),
        "strings": np.array(["ab", "c"]),
        "objects": np.array([1.5, 2], dtype=object),
        "subclass": np.arange(6, dtype=np.float32).view(SubArray),
        "size-1 axis with a byte stride": odd_stride,
        "9-d": np.zeros((1,) * 8 + (2,), np.float32),
        "unaligned": np.frombuffer(b"\0" + bytes(16), dtype=np.float32, count=4, offset=1),
    }


@pytest.mark.parametrize("like", [None, "numpy", "torch", "ndbridge"])
@pytest.mark.parametrize("name", list(ndarray_inputs()))
def test_ndarray_fast_paths_equal_the_general_path(name, like):
    source = ndarray_inputs()[name]
    assert_same_as_general(source, like, {"order": "K"})


def tensor_inputs():
    z = torch.tensor([1 + 2j, 3 - 4j])
    grad = torch.arange(4, dtype=torch.float32).requires_grad_()
    return {
        "f32[16]": torch.arange(16, dtype=torch.float32),
        "every step 2": torch.arange(10, dtype=torch.float64)[::2],
        "transposed": torch.arange(12, dtype=torch.int32).reshape(3, 4).T,
        "zero-size": torch.zeros(0, 3),
        "zero-d": torch.tensor(2.5),
        "bool": torch.tensor([True, False]),
        "complex64": z,
        "conjugate bit": z.conj(),
        "negative bit": z.conj().imag,
        "requires_grad": grad,
        "bfloat16": torch.arange(4, dtype=torch.bfloat16),
        "float16": torch.arange(4, dtype=torch.float16),
        "uint8": torch.arange(4, dtype=torch.uint8),
        "parameter (a subclass)": torch.nn.Parameter(torch.ones(3)),
    }


@pytest.mark.parametrize("converted_before", [False, True], ids=["first conversion", "converted before"])
@pytest.mark.parametrize("like", [None, "numpy", "torch"])
@pytest.mark.parametrize("name", list(tensor_inputs()))
def test_tensor_fast_paths_equal_the_general_path(name, like, converted_before):
    source = tensor_inputs()[name]
    if converted_before:  # the fast path serves tensors already pinned against resizing
        outcome(lambda: ndb.asarray(source))
    assert_same_as_general(source, like, {"order": "K", "device": "cpu"})


def test_ndb_array_comes_back_as_itself_and_like_strings_made_at_run_time_are_read():
    a = ndb.asarray(np.arange(3.0))
    assert ndb.asarray(a) is a
    assert ndb.asarray(a, like="".join(["nd", "bridge"])) is a
    t = ndb.asarray(np.arange(3.0), like="".join(["to", "rch"]))
    assert isinstance(t, torch.Tensor)
    assert isinstance(ndb.asarray(t, like="".join(["num", "py"])), np.ndarray)


def test_tensor_to_numpy_fast_path_keeps_the_tensor_alive_and_shares():
    t = torch.arange(6, dtype=torch.float32)
    ndb.asarray(t)  # pinned
    a = ndb.asarray(t, like="numpy")
    pointer = t.data_ptr()
    del t
    assert a.__array_interface__["data"][0] == pointer
    assert a.tolist() == [0.0, 1.0, 2.0, 3.0, 4.0, 5.0]


def test_ndarray_to_torch_fast_path_keeps_the_array_alive():
    a = np.arange(5, dtype=np.int64)
    t = ndb.asarray(a, like="torch")
    del a
    assert t.tolist() == [0, 1, 2, 3, 4]


def test_a_fast_converted_tensor_stays_protected_against_resizing():
    t = torch.arange(4, dtype=torch.float32)
    ndb.asarray(t)
    view = ndb.asarray(t)
    with pytest.raises(RuntimeError):
        t.resize_(1000)
    assert view.tolist() == [0.0, 1.0, 2.0, 3.0]


@pytest.mark.parametrize("like", [None, "numpy"])
def test_an_alias_of_a_tensor_inside_a_graph_does_not_keep_the_graph_alive(like):
    # The alias shares the tensor's memory (a detached view) but not its autograd graph: once the tensor
    # and the graph's other holders are gone, the graph's leaf input is freed though the alias lives on.
    leaf = torch.ones(4, requires_grad=True)
    y = leaf * 2
    leaf_ref = weakref.ref(leaf)
    aliases = [ndb.asarray(y, like=like) for _ in range(3)]  # the first conversion and repeated ones
    assert all(np.asarray(a).tolist() == [2.0] * 4 for a in aliases)
    assert not hasattr(y, "_ndbridge_pinned_at")
    with torch.no_grad():
        y.fill_(5.0)  # memory shared: the aliases see it
    assert all(np.asarray(a).tolist() == [5.0] * 4 for a in aliases)
    del leaf, y
    gc.collect()
    assert leaf_ref() is None
    assert np.asarray(aliases[-1]).tolist() == [5.0] * 4


def test_asarray_reads_its_arguments_as_a_python_function_would():
    a = np.arange(3.0)
    assert ndb.asarray(obj=a).shape == (3,)
    assert str(ndb.asarray(a, "float32").dtype) == "float32"
    assert str(ndb.asarray(a, dtype="float32").dtype) == "float32"
    assert ndb.asarray(a, **{"".join(["co", "py"]): True}).data_ptr != a.ctypes.data
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        ndb.asarray(a, bogus=1)
    with pytest.raises(TypeError, match="multiple values for argument 'obj'"):
        ndb.asarray(a, obj=a)
    with pytest.raises(TypeError, match="multiple values for argument 'dtype'"):
        ndb.asarray(a, "float32", dtype="float64")
    with pytest.raises(TypeError, match="from 1 to 2 positional arguments but 3"):
        ndb.asarray(a, None, "cpu")
    with pytest.raises(TypeError, match="missing required argument 'obj'"):
        ndb.asarray()
    with pytest.raises(ValueError, match="^asarray: like="):
        ndb.asarray(a, like="bogus")
    with pytest.raises(ndb.CopyError, match="^asarray: "):
        ndb.asarray([1.0], copy=False)


def ndb_inputs():
    out = {}
    for name, a in ndarray_inputs().items():
        if a.dtype != object:
            out[name] = ndb.asarray(a)
    return out


@pytest.mark.parametrize("like", [None, "numpy", "torch"])
@pytest.mark.parametrize("name", list(ndb_inputs()))
def test_ndb_array_fast_paths_equal_the_general_path(name, like):
    assert_same_as_general(ndb_inputs()[name], like, {"order": "K"})


@pytest.mark.parametrize("name", list(ndb_inputs()))
def test_dlpack_export_fast_path_equals_the_general_export(name):
    """__dlpack__ with copy=None takes the one-allocation export when DLPack holds the array as it is; with
    copy=False it runs the general export, which refuses exactly the arrays that need a copy."""
    x = ndb_inputs()[name]
    fast, fast_error = outcome(lambda: ndb.from_dlpack(x.__dlpack__(max_version=(1, 0))))
    general, general_error = outcome(lambda: ndb.from_dlpack(x.__dlpack__(max_version=(1, 0), copy=False)))
    if general_error is not None:
        if fast_error is None:  # the general export refused to share: the fast one must have copied
            assert general_error[0] is ndb.CopyError or issubclass(general_error[0], BufferError)
            assert fast.data_ptr != x.data_ptr
            np.testing.assert_array_equal(np.asarray(fast), np.asarray(x))
        else:
            assert fast_error == general_error
        return
    assert fast_error is None
    assert fields(fast) == fields(general)
    assert fast.data_ptr == general.data_ptr == x.data_ptr
    t = torch.from_dlpack(x) if not x.readonly else None
    if t is not None and x.size:
        assert t.data_ptr() == x.data_ptr
        mutate_both_ways(t, x)


def test_dlpack_method_reads_its_keywords_and_refuses_others():
    x = ndb.asarray(np.arange(4.0))
    assert x.__dlpack_device__() == (1, 0)
    assert ndb.from_dlpack(x.__dlpack__(**{"".join(["max_", "version"]): (1, 0)})).tolist() == [0.0, 1.0, 2.0, 3.0]
    assert ndb.from_dlpack(x.__dlpack__(stream=None, max_version=None, dl_device=None, copy=True)).data_ptr != \
        x.data_ptr
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        x.__dlpack__(bogus=1)
    with pytest.raises(TypeError, match="no positional arguments"):
        x.__dlpack__(None)
    with pytest.raises(BufferError, match="stream"):
        x.__dlpack__(stream=1)
    with pytest.raises(TypeError, match="max_version"):
        x.__dlpack__(max_version=1)


def test_dlpack_methods_refuse_what_is_no_constructed_array():
    with pytest.raises(TypeError):
        ndb.Array.__dlpack__(np.arange(3.0))
    with pytest.raises(TypeError):
        ndb.Array.__dlpack_device__(np.arange(3.0))
    blank = ndb.Array.__new__(ndb.Array)
    with pytest.raises(TypeError, match="never initialized"):
        blank.__dlpack__()
    with pytest.raises(TypeError, match="never initialized"):
        blank.__dlpack_device__()


# ---- dtype= and/or copy= on an exact ndarray or an ndb.Array (the sweep's calls: asarray(a, copy=True),
# asarray(a, dtype="float32")). The general pipeline runs the same call with order="K" spelled out.

DTYPE_SPECS = {
    "none": None,
    "str float32": "float32",
    "str <f8": "<f8",
    "NumPy type": np.float64,
    "NumPy dtype big-endian": np.dtype(">f4"),
    "ndb dtype": ndb.int16,
    "Python float": float,
    "text without a length": "U",
    "bad": "bogus",
}
COPY_VALUES = [None, True, False, np.bool_(True), "yes"]


def dtype_copy_sources():
    out = {f"ndarray {k}": v for k, v in ndarray_inputs().items()}
    out.update({f"ndb {k}": v for k, v in ndb_inputs().items()})
    out["ndarray with NaN"] = np.array([1.5, np.nan, -2.0])
    out["ndarray large"] = np.arange(1 << 16, dtype=np.float64)  # 512 KiB: the copy runs without the GIL
    out["ndb large"] = ndb.asarray(np.arange(1 << 16, dtype=np.float64)[::-1])
    return out


def assert_dtype_copy_same_as_general(source, kwargs):
    with warnings_recorded() as fast_warnings:
        fast, fast_error = outcome(lambda: ndb.asarray(source, **kwargs))
    with warnings_recorded() as general_warnings:
        general, general_error = outcome(lambda: ndb.asarray(source, order="K", **kwargs))
    assert fast_error == general_error
    assert [(w.category, str(w.message)) for w in fast_warnings] == \
        [(w.category, str(w.message)) for w in general_warnings]
    if fast_error is not None:
        return
    assert fields(fast) == fields(general)
    assert (fast is source) == (general is source)
    shared = address(general) == address(source)
    assert (address(fast) == address(source)) == shared
    if not shared:
        assert address(fast) % 64 == address(general) % 64 == 0  # new arrays start on a cache line
    np.testing.assert_array_equal(as_numpy(fast), as_numpy(general))
    if shared and as_numpy(fast).size and writable(fast) and writable(source):
        mutate_both_ways(source, fast)


class warnings_recorded:
    def __enter__(self):
        import warnings
        self._context = warnings.catch_warnings(record=True)
        recorded = self._context.__enter__()
        warnings.simplefilter("always")
        return recorded

    def __exit__(self, *exc):
        return self._context.__exit__(*exc)


@pytest.mark.parametrize("dtype", list(DTYPE_SPECS))
@pytest.mark.parametrize("name", list(dtype_copy_sources()))
def test_dtype_and_copy_fast_path_equals_the_general_path(name, dtype):
    source = dtype_copy_sources()[name]
    for copy in COPY_VALUES:
        kwargs = {"copy": copy}
        if DTYPE_SPECS[dtype] is not None:
            kwargs["dtype"] = DTYPE_SPECS[dtype]
        assert_dtype_copy_same_as_general(source, kwargs)
        if copy is None and DTYPE_SPECS[dtype] is not None:
            assert_dtype_copy_same_as_general(source, {"dtype": DTYPE_SPECS[dtype]})


def test_dtype_and_copy_fast_path_errors_name_the_values():
    a = np.arange(4.0)
    with pytest.raises(ndb.CopyError, match=r"^asarray: a copy is needed because dtype float32 was requested"):
        ndb.asarray(a, dtype="float32", copy=False)
    with pytest.raises(ValueError, match="copy must be True, False or None, not 'yes'"):
        ndb.asarray(a, copy="yes")
    with pytest.raises(TypeError, match="bogus"):
        ndb.asarray(ndb.asarray(a), dtype="bogus", copy="yes")  # dtype is read first, as everywhere
    assert ndb.asarray(a, dtype="float64", copy=False).data_ptr == a.ctypes.data
    x = ndb.asarray(a)
    assert ndb.asarray(x, dtype=np.float64, copy=None) is x
    assert ndb.asarray(x, copy=False) is x


@pytest.mark.filterwarnings("ignore:nanobind. attempted to access an uninitialized instance")
def test_dtype_and_copy_fast_path_refuses_a_blank_array_as_the_general_path_does():
    blank = ndb.Array.__new__(ndb.Array)
    for kwargs in ({"copy": True}, {"dtype": "float32"}, {"copy": False}):
        fast, fast_error = outcome(lambda: ndb.asarray(blank, **kwargs))
        general, general_error = outcome(lambda: ndb.asarray(blank, order="K", **kwargs))
        assert fast_error is not None and fast_error == general_error


def test_a_fast_copy_does_not_hold_its_source_and_a_fast_share_does():
    a = np.arange(8.0)
    copied_source = weakref.ref(a)
    copied = ndb.asarray(a, copy=True)
    del a
    gc.collect()
    assert copied_source() is None
    assert np.asarray(copied).tolist() == [float(i) for i in range(8)]
    b = np.arange(8.0)
    shared_source = weakref.ref(b)
    shared = ndb.asarray(b, dtype="float64")
    del b
    gc.collect()
    assert shared_source() is not None
    shared_source()[0] = 42.0
    assert np.asarray(shared)[0] == 42.0
