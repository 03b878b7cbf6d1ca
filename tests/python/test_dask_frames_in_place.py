"""Dask DataFrame partitions written straight into their rows of one output (out= of the column pass): the
values and masks equal the temporary path's and pandas' own to_numpy on the computed frame, on every
scheduler; the threaded path makes no array of a partition's size; out= refuses bad outputs before writing.
"""
import numpy as np
import pandas as pd
import pytest

import ndbridge as ndb
from ndbridge import _core, _frames

dask = pytest.importorskip("dask")
dd = pytest.importorskip("dask.dataframe")
da = pytest.importorskip("dask.array")
ndb_dask = pytest.importorskip("ndbridge.dask")
from ndbridge.dask import _from_dask_dataframe  # noqa: E402


def _frame(rows=47):
    rng = np.random.default_rng(11)
    k = np.arange(rows)
    return pd.DataFrame({
        "i": k.astype("int32"),
        "f": rng.standard_normal(rows),
        "nullable": pd.array([None if j % 6 == 2 else j for j in k], dtype="Int64"),
        "nf": pd.array([None if j % 5 == 1 else j / 4 for j in k], dtype="Float64"),
        "cat": pd.Categorical(np.array(["a", "b", None, "c"], dtype=object)[k % 4]),
        "t": pd.Timestamp("2021-03-04") + pd.to_timedelta(k * 3601, unit="s"),
    })


# Uneven partitions, two of them empty, so rows are written at every kind of offset.
CUTS = [0, 0, 5, 6, 6, 30, 47]


def _uneven(pdf):
    pieces = [pdf.iloc[a:b] for a, b in zip(CUTS, CUTS[1:])]
    return dd.from_delayed([dask.delayed(p) for p in pieces], meta=pdf.iloc[:0], verify_meta=False)


def _pandas_numeric(pdf, dtype):
    return pdf[["i", "f"]].to_numpy(dtype)


def _pandas_codes(pdf, dtype):
    return pdf.assign(cat=pdf["cat"].cat.codes)[["cat", "i"]].to_numpy(dtype)


def _pandas_time(pdf, dtype):
    return pdf.assign(t=pdf["t"].to_numpy().view("int64"))[["t", "f", "i"]].to_numpy(dtype)


def _pandas_nullable(pdf, dtype):
    return pdf[["nullable", "nf", "f"]].to_numpy(dtype, na_value=np.nan)


# name: (from_dataframe options, pandas' own result on the computed frame)
CASES = {
    "numeric": (dict(columns=["i", "f"]), _pandas_numeric),
    "numeric_float32": (dict(columns=["i", "f"], dtype="float32"), _pandas_numeric),
    "categorical_codes": (dict(columns=["cat", "i"]), _pandas_codes),
    "datetime_with_numbers": (dict(columns=["t", "f", "i"]), _pandas_time),
    "nullable_nan": (dict(columns=["nullable", "nf", "f"]), _pandas_nullable),
    "nullable_mask": (dict(columns=["nullable", "nf", "f"], nulls="mask"), _pandas_nullable),
}


def _check(result, pdf, options, pandas_result, order):
    values, mask = result if options.get("nulls") == "mask" else (result, None)
    values = np.asarray(values)
    assert values.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
    expected = pandas_result(pdf, values.dtype)
    assert values.shape == expected.shape
    if mask is None:
        np.testing.assert_array_equal(values, expected)
        return
    mask = np.asarray(mask)
    assert mask.flags["F_CONTIGUOUS" if order == "F" else "C_CONTIGUOUS"]
    np.testing.assert_array_equal(mask, pdf[options["columns"]].isna().to_numpy())
    np.testing.assert_array_equal(values[~mask], expected[~mask])


def _same(a, b):
    """Equal results, byte for byte and in layout: values alone, or (values, mask)."""
    assert isinstance(a, tuple) == isinstance(b, tuple)
    for x, y in zip(*(r if isinstance(r, tuple) else (r,) for r in (a, b))):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype and x.shape == y.shape and x.strides == y.strides
        assert x.tobytes(order="A") == y.tobytes(order="A")


def _both_paths(df, options, order):
    args = (options.get("dtype"), options.get("columns"), order, options.get("nulls"), "codes", None, None, "numpy")
    return _from_dask_dataframe(df, *args), _from_dask_dataframe(df, *args, in_place=False)


@pytest.mark.parametrize("scheduler", ["threads", "sync"])
@pytest.mark.parametrize("order", ["C", "F"])
@pytest.mark.parametrize("name", CASES)
def test_in_place_equals_the_temporary_path_and_pandas(scheduler, order, name):
    options, pandas_result = CASES[name]
    pdf = _frame()
    with dask.config.set(scheduler=scheduler):
        for df in (dd.from_pandas(pdf, npartitions=4), _uneven(pdf)):
            in_place, temporary = _both_paths(df, options, order)
            _same(in_place, temporary)
            _check(in_place, df.compute(), options, pandas_result, order)
            _check(ndb.from_dataframe(df, **options, order=order, like="numpy"), pdf, options, pandas_result, order)


def test_processes_scheduler_keeps_the_temporary_path():
    # Worker processes share no memory with the output: their converted partitions travel back.
    pdf = _frame()
    df = _uneven(pdf)
    with dask.config.set(scheduler="processes", num_workers=2):
        for name in ("nullable_mask", "datetime_with_numbers"):
            options, pandas_result = CASES[name]
            for order in ("C", "F"):
                result = ndb.from_dataframe(df, **options, order=order, like="numpy")
                _check(result, pdf, options, pandas_result, order)
                with dask.config.set(scheduler="threads"):
                    _same(result, ndb.from_dataframe(df, **options, order=order, like="numpy"))


def test_series_written_in_place():
    pdf = _frame()
    with dask.config.set(scheduler="threads"):
        for column in ("nf", "f", "cat"):
            s = _uneven(pdf)[column]
            in_place, temporary = _both_paths(s, dict(nulls="mask"), "C")
            _same(in_place, temporary)
            np.testing.assert_array_equal(np.asarray(in_place[1]), pdf[column].isna().to_numpy())


# ---------------------------------------------------------------------------------------------- no temporary


class _CountingWrites:
    """Calls the real column pass and records, per call, the rows it wrote and whether into out=."""

    def __init__(self, real):
        self.real, self.calls = real, []

    def __call__(self, columns, dtype, rows, *args, out=None, mask_out=None):
        self.calls.append((rows, out is not None, mask_out is not None))
        return self.real(columns, dtype, rows, *args, out=out, mask_out=mask_out)


@pytest.mark.parametrize("nulls", [None, "mask"])
def test_threaded_path_makes_no_array_of_a_partition(monkeypatch, nulls):
    df = _uneven(_frame())
    columns = ["nullable", "nf", "f"]
    allocated = []
    real_empty = _core._empty
    monkeypatch.setattr(_core, "_empty", lambda shape, *a: allocated.append(tuple(shape)) or real_empty(shape, *a))
    writes = _CountingWrites(_core._write_frame)
    monkeypatch.setattr(_core, "_write_frame", writes)
    with dask.config.set(scheduler="threads"):
        ndb.from_dataframe(df, columns=columns, nulls=nulls)
    # Only the output (and its mask) is allocated; every partition with rows is written through out=.
    assert allocated == [(47, 3)] * (2 if nulls == "mask" else 1)
    written = [c for c in writes.calls if c[0] > 0]
    assert sorted(c[0] for c in written) == [1, 5, 17, 24]
    assert all(into and (with_mask == (nulls == "mask")) for _, into, with_mask in written)
    # The temporary path, counted the same way, makes one array per partition: the count can fail.
    writes.calls.clear()
    with dask.config.set(scheduler="threads"):
        _from_dask_dataframe(df, None, columns, "C", nulls, "codes", None, None, None, in_place=False)
    assert sorted(rows for rows, into, _ in writes.calls if rows > 0 and not into) == [1, 5, 17, 24]


def test_a_cluster_of_threads_in_this_process_writes_in_place(monkeypatch):
    # A distributed Client whose workers are threads of this process: the tasks find the output here and
    # write their rows; nothing travels (a cluster of worker processes is in test_dask_distributed.py).
    distributed = pytest.importorskip("distributed")
    writes = _CountingWrites(_core._write_frame)
    monkeypatch.setattr(_core, "_write_frame", writes)
    pdf = _frame()
    df = _uneven(pdf)
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None)
    with cluster, distributed.Client(cluster):
        results = {name: ndb.from_dataframe(df, **CASES[name][0], order="F", like="numpy")
                   for name in ("nullable_mask", "datetime_with_numbers")}
        blocks = ndb.asarray(da.from_array(np.arange(60.0).reshape(12, 5), chunks=(5, 2)), dtype="float32",
                             order="F", like="numpy")  # Dask arrays take the same way
    written = [c for c in writes.calls if c[0] > 0]
    assert sorted(rows for rows, _, _ in written) == [1, 1, 5, 5, 17, 17, 24, 24]
    assert all(into for _, into, _ in written)
    with dask.config.set(scheduler="threads"):
        for name, result in results.items():
            options, pandas_result = CASES[name]
            _check(result, pdf, options, pandas_result, "F")
            _same(result, ndb.from_dataframe(df, **options, order="F", like="numpy"))
    assert blocks.flags["F_CONTIGUOUS"] and blocks.dtype == np.float32
    np.testing.assert_array_equal(blocks, np.arange(60.0, dtype=np.float32).reshape(12, 5))


# ---------------------------------------------------------------------------------------------- out= refused


def _columns(pdf):
    return pdf[["i", "nullable"]]


def _write(data, out, mask_out=None, dtype="float64", nulls=None):
    _frames._write_into(data, out, mask_out, dtype, None, nulls, "codes", None)


def _untouched(out, mask=None):
    return np.all(np.asarray(out) == 7) and (mask is None or not np.asarray(mask).any())


@pytest.fixture
def outputs():
    return np.full((47, 2), 7.0), np.zeros((47, 2), dtype=bool)


def test_out_receives_exactly_the_result(outputs):
    pdf = _frame()
    out, mask = outputs
    big = np.full((60, 2), 7.0)
    _write(_columns(pdf), big[5:52])
    np.testing.assert_array_equal(big[5:52], _columns(pdf).to_numpy("float64", na_value=np.nan))
    assert (big[:5] == 7).all() and (big[52:] == 7).all()
    fortran = np.asfortranarray(np.full((60, 2), 7.0))
    _write(_columns(pdf), fortran[5:52], nulls="mask", mask_out=np.asfortranarray(np.ones((47, 2), bool)))
    np.testing.assert_array_equal(fortran[5:52], big[5:52])


@pytest.mark.parametrize("bad, kind, words", [
    (lambda o, m: o.astype("float32"), TypeError, r"out has dtype float32, the result float64 \(out is written"),
    (lambda o, m: o[:46], ValueError, r"out has shape \(46, 2\), the result \(47, 2\)"),
    (lambda o, m: o[:, :1], ValueError, r"out has shape \(47, 1\), the result \(47, 2\)"),
    (lambda o, m: np.broadcast_to(o[:1], (47, 2)), ValueError, "out is read-only"),
    (lambda o, m: list(o), TypeError, "out must be an ndb.Array or a numpy.ndarray, not list"),
])
def test_bad_out_is_refused_before_anything_is_written(outputs, bad, kind, words):
    out, _ = outputs
    with pytest.raises(kind, match="from_dataframe: " + words):
        _write(_columns(_frame()), bad(out, None))
    assert _untouched(out)


def test_readonly_and_aliasing_outputs():
    pdf = _frame()
    out = np.full((47, 2), 7.0)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="out is read-only"):
        _write(_columns(pdf), out)
    row = np.full(2, 7.0)
    strided = np.lib.stride_tricks.as_strided(row, shape=(47, 2), strides=(0, 8))
    assert strided.flags.writeable
    with pytest.raises(ValueError, match=r"out has stride 0 on axis 0 \(a broadcast view\)"):
        _write(_columns(pdf), strided)
    assert row.tolist() == [7.0, 7.0]


def test_out_overlapping_a_column_is_refused():
    values = np.arange(10.0)
    pdf = pd.DataFrame({"a": values}, copy=False)
    assert np.shares_memory(pdf["a"].to_numpy(), values)
    with pytest.raises(ValueError, match=r"out overlaps the values of column 'a' \(out spans bytes \[0x"):
        _write(pdf, values.reshape(10, 1))
    assert values.tolist() == list(range(10))
    frame = pd.DataFrame({"n": pd.array([1, None, 3], dtype="Int64")})
    own_mask = frame._mgr.blocks[0].values._mask
    with pytest.raises(ValueError, match="mask_out overlaps the missing-value mask of column 'n'"):
        _write(frame, np.zeros((3, 1)), own_mask.reshape(3, 1), nulls="mask")
    assert own_mask.tolist() == [False, True, False]


def test_mask_rules(outputs):
    pdf = _frame()
    out, mask = outputs
    with pytest.raises(ValueError, match="nulls='mask' with out= needs mask_out="):
        _write(_columns(pdf), out, nulls="mask")
    with pytest.raises(ValueError, match="mask_out= is given, but nulls is not 'mask'"):
        _write(_columns(pdf), out, mask)
    with pytest.raises(TypeError, match="mask_out has dtype uint8, the result bool"):
        _write(_columns(pdf), out, mask.view(np.uint8), nulls="mask")
    shared = np.zeros(47 * 2 * 8, dtype=bool)
    with pytest.raises(ValueError, match="mask_out overlaps out"):
        _write(_columns(pdf), shared.view(np.float64).reshape(47, 2), shared[:94].reshape(47, 2), nulls="mask")
    with pytest.raises(ValueError, match="mask_out= is given without out="):
        _core._write_frame([], _core.dtype("float64"), 0, False, "C", None, 0.0, False, mask_out=mask)
    assert _untouched(out, mask)


def test_missing_values_an_integer_out_cannot_hold_leave_it_untouched():
    pdf = _frame()
    out = np.full((47, 2), 7, dtype=np.int64)
    with pytest.raises(ValueError, match="column 'nullable' has 8 missing values"):
        _write(_columns(pdf), out, dtype="int64")
    assert (out == 7).all()
    # The same through Dask: the error names the column, and no result is handed back.
    with dask.config.set(scheduler="threads"):
        with pytest.raises(ValueError, match="column 'nullable' has .* missing value") as info:
            ndb.from_dataframe(_uneven(pdf), columns=["i", "nullable"])
    assert any("no result was made" in note for note in info.value.__notes__)
