"""Dask arrays through ndbridge on the schedulers that run in this process (threads, synchronous) and the
process pool: ndb.asarray materializes into one output, ndbridge.dask.asarray converts lazily, iter_blocks
yields blocks in order. The distributed scheduler has its own module (test_dask_distributed.py).
"""
import numpy as np
import pytest

import ndbridge as ndb

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
torch = pytest.importorskip("torch")
ndb_dask = pytest.importorskip("ndbridge.dask")


@pytest.fixture(params=["threads", "sync"])
def scheduler(request):
    with dask.config.set(scheduler=request.param):
        yield request.param


def _source(shape=(53, 7), dtype="float64"):
    rng = np.random.default_rng(sum(shape))
    return (rng.standard_normal(shape) * 100).astype(dtype)


# name -> (numpy source, chunks): irregular chunks, several block grids, 1-d to 3-d.
ARRAYS = {
    "2d_irregular": lambda: (_source(), ((20, 13, 20), (3, 4))),
    "1d": lambda: (_source((100,)), 33),
    "3d_int32": lambda: (_source((6, 5, 4), "int32"), (4, 2, 3)),
    "one_block": lambda: (_source((4, 4)), -1),
}


@pytest.mark.parametrize("name", ARRAYS)
@pytest.mark.parametrize("dtype", [None, "float32", "int16"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_materialize_equals_numpy_of_compute(scheduler, name, dtype, order):
    a, chunks = ARRAYS[name]()
    x = da.from_array(a, chunks=chunks)
    expected = np.asarray(x.compute(), dtype=dtype)
    r = ndb.asarray(x, dtype=dtype, order=order, like="numpy")
    assert type(r) is np.ndarray
    assert r.dtype == expected.dtype
    assert r.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
    np.testing.assert_array_equal(r, expected)


def test_default_result_is_a_c_ordered_ndb_array(scheduler):
    a, chunks = ARRAYS["2d_irregular"]()
    r = ndb.asarray(da.from_array(a, chunks=chunks))
    assert isinstance(r, ndb.Array) and r.flags.c_contiguous and r.device == "cpu" and r.dtype == ndb.float64
    np.testing.assert_array_equal(np.asarray(r), a)


@pytest.mark.parametrize("order", ["C", "F"])
def test_materialize_to_torch(scheduler, order):
    a, chunks = ARRAYS["2d_irregular"]()
    t = ndb.asarray(da.from_array(a, chunks=chunks), dtype="float32", order=order, like="torch")
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32 and t.device.type == "cpu"
    assert t.is_contiguous() == (order == "C")
    assert torch.equal(t, torch.from_numpy(a.astype("float32")))


def test_result_owns_new_memory(scheduler):
    # from_array blocks are views of the source: the result must not alias it.
    a = _source((8, 4))
    r = ndb.asarray(da.from_array(a, chunks=(3, 2)), like="numpy")
    r[0, 0] = 12345.0
    assert a[0, 0] != 12345.0 and not np.shares_memory(r, a)


def test_a_graph_of_operations(scheduler):
    x = da.arange(60, chunks=7).reshape(6, 10).rechunk((4, 3))
    y = (x * 2 + 1).T[::2]
    np.testing.assert_array_equal(ndb.asarray(y, dtype="int32", like="numpy"), np.asarray(y.compute(), "int32"))


def test_unknown_chunk_sizes(scheduler):
    a = _source((60, 3))
    x = da.from_array(a, chunks=(16, 3))
    y = x[x[:, 0] > 0]
    assert np.isnan(y.shape[0])
    r = ndb.asarray(y, dtype="float32", like="numpy")
    np.testing.assert_array_equal(r, a[a[:, 0] > 0].astype("float32"))
    assert np.isnan(y.shape[0])  # the user's array is not modified (unlike x.compute_chunk_sizes())


def test_zero_d_and_empty(scheduler):
    r = ndb.asarray(da.from_array(np.float64(2.5)), dtype="float32", like="numpy")
    assert r.shape == () and r.dtype == np.float32 and r == 2.5
    r = ndb.asarray(da.zeros((0, 3), chunks=2), like="numpy")
    assert r.shape == (0, 3) and r.dtype == np.float64


def test_copy_false_is_a_copy_error():
    x = da.ones((4, 4), chunks=2)
    with pytest.raises(ndb.CopyError, match="lazy Dask collection.*copy=False"):
        ndb.asarray(x, copy=False)
    np.testing.assert_array_equal(ndb.asarray(x, copy=True, like="numpy"), np.ones((4, 4)))


def test_device_other_than_cpu_is_refused():
    with pytest.raises(ValueError, match="materialized on the host"):
        ndb.asarray(da.ones(3, chunks=2), device="cuda:0")


def test_object_dtype_needs_a_dtype():
    x = da.from_array(np.array([1, 2, 3], dtype=object), chunks=2)
    with pytest.raises(TypeError, match="dtype object"):
        ndb.asarray(x)
    np.testing.assert_array_equal(ndb.asarray(x, dtype="int64", like="numpy"), [1, 2, 3])


def test_other_dask_collections_are_named():
    d = dask.delayed(np.arange)(3)
    with pytest.raises(TypeError, match="dask.delayed.Delayed is a Dask collection but neither an array"):
        ndb.asarray(d)


def test_dask_arrays_inside_lists_are_refused():
    # np.asarray([x, x]) would compute each through __array__; ndbridge names them instead.
    x = da.ones((2, 2), chunks=1)
    with pytest.raises(TypeError, match="as an array element"):
        ndb.asarray([x, x])


def _fail_at(location):
    def block(b, block_info=None):
        if block_info[0]["chunk-location"] == location:
            raise RuntimeError(f"block {location} cannot be read")
        return b
    return block


def test_a_failing_block_gives_one_error_and_no_result(scheduler):
    x = da.from_array(_source((40, 6)), chunks=(10, 3)).map_blocks(_fail_at((2, 1)), dtype="float64")
    with pytest.raises(RuntimeError, match=r"block \(2, 1\) cannot be read") as info:
        ndb.asarray(x, dtype="float32")
    assert any("no result was made" in note for note in info.value.__notes__)


def test_setitem_from_a_dask_array_writes_all_or_nothing(scheduler):
    out = ndb.asarray(np.zeros((40, 6)))
    good = da.from_array(_source((40, 6)), chunks=(10, 3))
    bad = good.map_blocks(_fail_at((3, 0)), dtype="float64")
    with pytest.raises(RuntimeError, match="cannot be read"):
        out[...] = bad
    assert not np.asarray(out).any()  # nothing of the blocks that did compute is visible
    out[...] = good
    np.testing.assert_array_equal(np.asarray(out), good.compute())


def test_processes_scheduler():
    a, chunks = ARRAYS["2d_irregular"]()
    x = da.from_array(a, chunks=chunks)
    with dask.config.set(scheduler="processes", num_workers=2):
        r = ndb.asarray(x, dtype="float32", like="numpy")
    np.testing.assert_array_equal(r, a.astype("float32"))


# ---------------------------------------------------------------------------------------------- lazy


def _counting(counter):
    def block(b):
        counter.append(1)
        return b
    return block


@pytest.mark.parametrize("like", [None, "numpy", "torch"])
def test_lazy_asarray_computes_nothing_until_asked(scheduler, like):
    calls = []
    a = _source((30, 4))
    x = da.from_array(a, chunks=(7, 2)).map_blocks(_counting(calls), dtype="float64")
    calls.clear()  # map_blocks' own dtype probe, if it made one
    y = ndb_dask.asarray(x, dtype="float32", like=like)
    assert calls == []
    assert isinstance(y, da.Array) and y.chunks == x.chunks
    block_type = torch.Tensor if like == "torch" else np.ndarray
    assert type(y._meta) is block_type and y._meta.ndim == 2
    first = y.blocks[1, 1].compute()
    assert type(first) is block_type and tuple(first.shape) == (7, 2)
    whole = y.compute()
    assert type(whole) is block_type
    np.testing.assert_array_equal(np.asarray(whole), a.astype("float32"))


def test_lazy_asarray_keeps_dtype_by_default():
    y = ndb_dask.asarray(da.arange(10, chunks=3, dtype="int16"))
    assert y.dtype == np.int16 and y.compute().dtype == np.int16


def test_lazy_asarray_refuses_bad_arguments():
    x = da.ones(4, chunks=2)
    with pytest.raises(ValueError, match="like= must be None, 'numpy' or 'torch'"):
        ndb_dask.asarray(x, like="jax")
    with pytest.raises(ValueError, match="nulls= applies to Dask DataFrames"):
        ndb_dask.asarray(x, nulls="nan")
    with pytest.raises(TypeError, match="expected a Dask array or DataFrame, got ndarray"):
        ndb_dask.asarray(np.ones(3))


# ---------------------------------------------------------------------------------------------- iterate


@pytest.mark.parametrize("prefetch", [0, 1, 3])
@pytest.mark.parametrize("like", ["torch", "numpy", None])
def test_iter_blocks_yields_every_block_once_in_order(scheduler, prefetch, like):
    a = _source((23, 6))
    x = da.from_array(a, chunks=(5, 4))
    blocks = list(ndb_dask.iter_blocks(x, like=like, prefetch=prefetch))
    assert len(blocks) == x.npartitions == 10
    expected_type = {"torch": torch.Tensor, "numpy": np.ndarray, None: ndb.Array}[like]
    assert all(type(b) is expected_type for b in blocks)
    for index, block in zip(np.ndindex(*x.numblocks), blocks):
        np.testing.assert_array_equal(np.asarray(block), x.blocks[index].compute())


def test_iter_blocks_failing_block_names_its_position(scheduler):
    x = da.from_array(_source((40, 3)), chunks=(10, 3)).map_blocks(_fail_at((2, 0)), dtype="float64")
    seen = []
    with pytest.raises(RuntimeError, match="cannot be read") as info:
        for block in ndb_dask.iter_blocks(x, like="numpy"):
            seen.append(block)
    assert len(seen) == 2
    assert any("block 2 of 4" in note for note in info.value.__notes__)


def test_iter_blocks_stopped_early_leaves_nothing_running():
    x = da.from_array(_source((40, 3)), chunks=(4, 3))
    it = ndb_dask.iter_blocks(x, like="numpy", prefetch=2)
    first = next(it)
    it.close()
    np.testing.assert_array_equal(first, x.blocks[0].compute())


def test_iter_blocks_refuses_bad_arguments():
    x = da.ones(4, chunks=2)
    with pytest.raises(ValueError, match="prefetch must be an int >= 0"):
        ndb_dask.iter_blocks(x, prefetch=-1)
    with pytest.raises(ValueError):
        ndb_dask.iter_blocks(x, like="no such library")
