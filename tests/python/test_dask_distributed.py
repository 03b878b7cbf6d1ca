"""Dask arrays through ndbridge on a dask.distributed cluster of worker processes on loopback (one
LocalCluster for the module, started and closed here): blocks are converted on the workers, and the results
equal the threaded scheduler's.
"""
import operator

import numpy as np
import pytest

import ndbridge as ndb

dask = pytest.importorskip("dask")
da = pytest.importorskip("dask.array")
distributed = pytest.importorskip("distributed")
torch = pytest.importorskip("torch")
ndb_dask = pytest.importorskip("ndbridge.dask")


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, worker_dashboard_address=None) as cluster:
        with distributed.Client(cluster) as c:
            yield c


def _source(shape):
    return np.random.default_rng(7).standard_normal(shape) * 1000


def _threaded(function):
    with dask.config.set(scheduler="threads"):
        return function()


@pytest.mark.parametrize("dtype", [None, "float32", "int16"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_materialize_equals_the_threaded_scheduler(client, dtype, order):
    x = da.from_array(_source((61, 9)), chunks=(13, 4))
    r = ndb.asarray(x, dtype=dtype, order=order, like="numpy")
    expected = _threaded(lambda: ndb.asarray(x, dtype=dtype, order=order, like="numpy"))
    assert r.dtype == expected.dtype == np.asarray(x.compute(), dtype=dtype).dtype
    assert r.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
    assert r.tobytes(order="A") == expected.tobytes(order="A")


def test_materialize_to_torch(client):
    x = da.from_array(_source((20, 5)), chunks=(6, 5))
    t = ndb.asarray(x, dtype="float32", like="torch")
    assert t.dtype == torch.float32 and t.device.type == "cpu"
    assert torch.equal(t, torch.from_numpy(x.compute().astype("float32")))


def test_unknown_chunk_sizes(client):
    a = _source((50, 3))
    x = da.from_array(a, chunks=(12, 3))
    y = x[x[:, 1] > 0]
    np.testing.assert_array_equal(ndb.asarray(y, like="numpy"), a[a[:, 1] > 0])


def _third_block_failing():
    # Built of library functions only, so that workers need not import this test module (and torch) to run it.
    good = da.from_array(_source((10, 3)), chunks=(10, 3))
    failing = dask.delayed(np.broadcast_to)(dask.delayed(operator.truediv)(1.0, 0.0), (10, 3))
    return da.concatenate([good, good, da.from_delayed(failing, (10, 3), dtype="float64"), good])


def test_a_block_failing_on_a_worker_gives_one_error_and_no_result(client):
    x = _third_block_failing()
    out = ndb.asarray(np.zeros((40, 3)))
    with pytest.raises(ZeroDivisionError) as info:
        out[...] = x
    assert any("no result was made" in note for note in info.value.__notes__)
    assert not np.asarray(out).any()


def test_iter_blocks_failing_block(client):
    seen = []
    with pytest.raises(ZeroDivisionError) as info:
        for block in ndb_dask.iter_blocks(_third_block_failing(), like="numpy"):
            seen.append(block)
    assert len(seen) == 2 and any("block 2 of 4" in note for note in info.value.__notes__)


def test_iter_blocks_in_order(client):
    x = da.from_array(_source((25, 4)), chunks=(4, 3))
    blocks = list(ndb_dask.iter_blocks(x, like="torch", prefetch=2))
    assert len(blocks) == 14 and all(isinstance(b, torch.Tensor) for b in blocks)
    for index, block in zip(np.ndindex(*x.numblocks), blocks):
        np.testing.assert_array_equal(block.numpy(), x.blocks[index].compute())


def test_lazy_torch_blocks_are_made_and_joined_on_the_workers(client):
    a = _source((30, 4))
    y = ndb_dask.asarray(da.from_array(a, chunks=(8, 4)), dtype="float32", like="torch")
    whole = y.compute()
    assert isinstance(whole, torch.Tensor) and whole.dtype == torch.float32
    assert torch.equal(whole, torch.from_numpy(a.astype("float32")))


def test_dataframe_partitions_converted_on_the_workers(client):
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    pdf = pd.DataFrame({"i": np.arange(50, dtype="int16"), "f": _source((50,)),
                        "n": pd.array([None if k % 9 == 0 else k for k in range(50)], dtype="Int64")})
    df = dd.from_pandas(pdf, npartitions=4)
    values, mask = ndb.from_dataframe(df, dtype="float32", nulls="mask", like="numpy")
    expected = _threaded(lambda: ndb.from_dataframe(df, dtype="float32", nulls="mask", like="numpy"))
    assert values.tobytes() == expected[0].tobytes() and np.array_equal(mask, expected[1])
    assert mask.sum() == 6


def test_dataframe_of_uneven_and_empty_partitions_on_the_workers(client):
    # The workers share no memory with the output, so their converted partitions travel back; the result
    # equals the threaded scheduler's, where each partition is written straight into its rows.
    pd = pytest.importorskip("pandas")
    dd = pytest.importorskip("dask.dataframe")
    k = np.arange(40)
    pdf = pd.DataFrame({"t": pd.Timestamp("2020-01-01") + pd.to_timedelta(k, unit="h"), "f": _source((40,)),
                        "c": pd.Categorical(np.array(["x", None, "y"], dtype=object)[k % 3]),
                        "n": pd.array([None if j % 7 == 0 else j for j in k], dtype="Float64")})
    cuts = [0, 0, 9, 10, 10, 40]
    df = dd.from_delayed([dask.delayed(pdf.iloc[a:b]) for a, b in zip(cuts, cuts[1:])], meta=pdf.iloc[:0],
                         verify_meta=False)
    for order in ("C", "F"):
        values, mask = ndb.from_dataframe(df, nulls="mask", order=order, like="numpy")
        expected = _threaded(lambda: ndb.from_dataframe(df, nulls="mask", order=order, like="numpy"))
        assert values.strides == expected[0].strides and values.tobytes("A") == expected[0].tobytes("A")
        np.testing.assert_array_equal(mask, expected[1])
        np.testing.assert_array_equal(mask, pdf.isna().to_numpy())
        by_pandas = pdf.assign(t=pdf["t"].to_numpy().view("int64"), c=pdf["c"].cat.codes).to_numpy(
            "float64", na_value=np.nan)
        np.testing.assert_array_equal(values[~mask], by_pandas[~mask])
