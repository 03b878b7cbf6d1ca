"""Dask DataFrames through ndbridge: ndb.from_dataframe and ndb.asarray convert each partition by the pandas
frames path into its rows of one output, with the same options and results as for the whole pandas frame;
ndbridge.dask.asarray gives one lazy block per partition; iter_blocks yields partitions in order.
"""
import numpy as np
import pandas as pd
import pytest

import ndbridge as ndb

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
torch = pytest.importorskip("torch")
ndb_dask = pytest.importorskip("ndbridge.dask")


@pytest.fixture(params=["threads", "sync"])
def scheduler(request):
    with dask.config.set(scheduler=request.param):
        yield request.param


def _frame(rows=41):
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "i": np.arange(rows, dtype="int32"),
        "f": rng.standard_normal(rows),
        "with_nan": np.where(np.arange(rows) % 5 == 0, np.nan, 1.5),
        "nullable": pd.array([None if k % 7 == 3 else k for k in range(rows)], dtype="Int64"),
        "cat": pd.Categorical(["a", "b", None, "c"] * (rows // 4) + ["a"] * (rows % 4)),
        "text": ["x"] * rows,
    })


OPTIONS = {
    "two_columns": dict(columns=["i", "f"]),
    "numeric_float32_F": dict(columns="numeric", dtype="float32", order="F"),
    "nan_column": dict(columns=["f", "with_nan"]),
    "fill": dict(columns=["i", "nullable"], nulls=-1),
    "nulls_nan": dict(columns=["nullable", "f"], nulls="nan"),
    "categorical_codes": dict(columns=["cat", "i"], nulls=99),
    "one_column_int": dict(columns=["i"]),
}


def _equal(result, expected):
    assert type(result) is type(expected)
    if isinstance(result, tuple):
        for r, e in zip(result, expected):
            _equal(r, e)
        return
    a, b = (np.asarray(x) for x in (result, expected))
    assert a.dtype == b.dtype and a.shape == b.shape
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", OPTIONS)
@pytest.mark.parametrize("like", [None, "numpy", "torch"])
def test_from_dataframe_equals_the_pandas_result(scheduler, name, like):
    pdf = _frame()
    df = dd.from_pandas(pdf, npartitions=4)
    options = OPTIONS[name]
    expected = ndb.from_dataframe(pdf, **options, like=like)
    _equal(ndb.from_dataframe(df, **options, like=like), expected)


def test_mask_of_every_partition(scheduler):
    pdf = _frame()
    values, mask = ndb.from_dataframe(dd.from_pandas(pdf, npartitions=3), columns=["nullable", "with_nan"],
                                      nulls="mask", like="numpy")
    expected_values, expected_mask = ndb.from_dataframe(pdf, columns=["nullable", "with_nan"], nulls="mask",
                                                        like="numpy")
    np.testing.assert_array_equal(mask, expected_mask)
    np.testing.assert_array_equal(values[~mask], expected_values[~expected_mask])
    assert mask.sum() == pdf["nullable"].isna().sum() + pdf["with_nan"].isna().sum()


def test_series_and_empty_partitions(scheduler):
    pdf = _frame()
    df = dd.from_pandas(pdf, npartitions=5)
    kept = df[df.i > 30]  # the first partitions are empty
    r = ndb.from_dataframe(kept["f"], like="numpy")
    np.testing.assert_array_equal(r, pdf[pdf.i > 30]["f"].to_numpy())
    r = ndb.from_dataframe(kept[["i", "f"]], dtype="float32", like="numpy")
    np.testing.assert_array_equal(r, pdf[pdf.i > 30][["i", "f"]].to_numpy("float32"))


def test_asarray_of_a_dask_frame(scheduler):
    pdf = _frame()[["i", "f"]]
    r = ndb.asarray(dd.from_pandas(pdf, npartitions=3), dtype="float32", like="numpy")
    assert r.flags["C_CONTIGUOUS"]
    np.testing.assert_array_equal(r, pdf.to_numpy("float32"))
    with pytest.raises(ndb.CopyError, match="lazy Dask collection"):
        ndb.asarray(dd.from_pandas(pdf, npartitions=3), copy=False)
    with pytest.raises(ndb.CopyError, match="lazy Dask collection"):
        ndb.from_dataframe(dd.from_pandas(pdf, npartitions=3), copy=False)


def test_bad_options_fail_before_anything_is_computed(scheduler):
    calls = []

    def counting(part):
        calls.append(1)
        return part

    df = dd.from_pandas(_frame(), npartitions=3).map_partitions(counting)
    calls.clear()
    with pytest.raises(KeyError, match="not in the frame"):
        ndb.from_dataframe(df, columns=["no_such_column"])
    with pytest.raises(TypeError, match="'text'"):
        ndb.from_dataframe(df)
    assert calls == []


def test_missing_values_an_integer_result_cannot_hold(scheduler):
    df = dd.from_pandas(_frame(), npartitions=3)
    with pytest.raises(ValueError, match="column 'nullable' has .* missing values") as info:
        ndb.from_dataframe(df, columns=["i", "nullable"])
    assert any("no result was made" in note for note in info.value.__notes__)


# ---------------------------------------------------------------------------------------------- lazy, iterate


@pytest.mark.parametrize("like", ["numpy", "torch"])
def test_lazy_one_block_per_partition(scheduler, like):
    pdf = _frame()[["i", "f", "nullable"]]
    df = dd.from_pandas(pdf, npartitions=4)
    y = ndb_dask.asarray(df, dtype="float32", like=like, nulls=0)
    assert y.numblocks == (4, 1) and y.shape[1] == 3
    block_type = torch.Tensor if like == "torch" else np.ndarray
    assert type(y._meta) is block_type
    whole = y.compute()
    assert type(whole) is block_type
    np.testing.assert_array_equal(np.asarray(whole), ndb.from_dataframe(pdf, dtype="float32", nulls=0, like="numpy"))


def test_lazy_frame_refuses_a_mask():
    with pytest.raises(ValueError, match="nulls='mask' makes two arrays"):
        ndb_dask.asarray(dd.from_pandas(_frame()[["f"]], npartitions=2), nulls="mask")


def test_iter_blocks_of_a_frame_in_partition_order(scheduler):
    pdf = _frame()[["i", "f"]]
    df = dd.from_pandas(pdf, npartitions=4)
    blocks = list(ndb_dask.iter_blocks(df, like="torch"))
    assert len(blocks) == 4
    assert torch.equal(torch.cat(blocks), torch.from_numpy(pdf.to_numpy()))
