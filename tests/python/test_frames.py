"""ndb.from_dataframe and asarray of pandas objects: every pandas dtype the reader takes, the null policies,
categorical codes, datetimes, zero-copy blocks (read-only under Copy-on-Write), CopyError reasons, and the
errors that name the column. Expected values are pandas' own (to_numpy, isna, cat.codes)."""
import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb


def ptr(a):
    return np.asarray(a).__array_interface__["data"][0]


@pytest.fixture
def mixed():
    return pd.DataFrame({"i": np.arange(6, dtype=np.int64), "f": np.linspace(0, 1, 6),
                         "g": np.arange(6, dtype=np.float32) * 2, "b": [True, False] * 3,
                         "u": np.arange(6, dtype=np.uint8), "s": list("abcdef")})


NUMPY_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32",
                "float64", "bool", "complex64", "complex128"]


@pytest.mark.parametrize("dt", NUMPY_DTYPES)
@pytest.mark.parametrize("target", [None, "float32", "int64"])
def test_every_numpy_backed_dtype_reads_as_pandas_to_numpy(dt, target):
    data = (np.arange(12) % 5).astype(dt).reshape(6, 2)
    df = pd.DataFrame({"x": data[:, 0], "y": data[:, 1], "z": np.arange(6, dtype=np.int16)})
    if target is not None and np.dtype(dt).kind == "c":
        target = "complex128"
    got = np.asarray(ndb.from_dataframe(df, dtype=target))
    want = df.to_numpy(dtype=target or np.result_type(*df.dtypes))  # NumPy's promotion (pandas: object for bool+int)
    assert got.dtype == want.dtype and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)


def test_result_dtype_is_numpy_promotion_of_the_columns(mixed):
    got = ndb.from_dataframe(mixed, columns=["i", "g", "b", "u"])
    assert got.dtype == ndb.dtype(np.result_type(np.int64, np.float32, np.bool_, np.uint8))
    np.testing.assert_array_equal(np.asarray(got), mixed[["i", "g", "b", "u"]].to_numpy())


def test_numeric_is_exactly_select_dtypes_number(mixed):
    mixed["td"] = pd.to_timedelta(np.arange(6), unit="s")
    selected = mixed.select_dtypes(include=[np.number])
    got = np.asarray(ndb.from_dataframe(mixed, columns="numeric"))
    assert got.shape == selected.shape
    np.testing.assert_array_equal(got[:, :-1], selected.drop(columns="td").to_numpy(dtype=got.dtype))
    np.testing.assert_array_equal(got[:, -1], selected["td"].to_numpy().astype("int64"))


def test_strings_are_a_type_error_naming_the_column_and_the_way_out(mixed):
    with pytest.raises(TypeError, match=r"column 's' has dtype .*columns='numeric'"):
        ndb.from_dataframe(mixed)
    with pytest.raises(TypeError, match="column 's'"):
        ndb.asarray(mixed)
    for dt in ["object", "string[python]", "str"]:
        with pytest.raises(TypeError, match="column 'w'"):
            ndb.from_dataframe(pd.DataFrame({"w": pd.Series(["x", "y"], dtype=dt)}))


def test_no_numeric_column_is_a_value_error():
    with pytest.raises(ValueError, match="no numeric columns"):
        ndb.from_dataframe(pd.DataFrame({"s": ["x"]}), columns="numeric")


def test_unknown_column_names_are_a_key_error(mixed):
    with pytest.raises(KeyError, match="nope"):
        ndb.from_dataframe(mixed, columns=["i", "nope"])


def test_columns_in_the_callers_order_and_duplicates(mixed):
    got = np.asarray(ndb.from_dataframe(mixed, columns=["f", "i", "f"]))
    np.testing.assert_array_equal(got, mixed[["f", "i", "f"]].to_numpy())


def test_single_dtype_block_is_shared_read_only_under_order_k_and_f():
    df = pd.DataFrame(np.arange(12.0).reshape(4, 3), columns=list("abc"))
    for order in ("K", "F"):
        x = ndb.from_dataframe(df, order=order, copy=False)
        assert x.readonly and x.flags.f_contiguous
        assert ptr(x) == ptr(df._mgr.blocks[0].values)
    view = ndb.asarray(df)  # asarray's order='K'
    assert view.readonly and ptr(view) == ptr(df._mgr.blocks[0].values)
    np.testing.assert_array_equal(np.asarray(view), df.to_numpy())
    with pytest.raises(ValueError):
        view[0, 0] = 5.0
    assert df.iloc[0, 0] == 0.0


def test_series_and_index_are_shared_read_only():
    s = pd.Series(np.arange(5.0))
    x = ndb.asarray(s)
    assert x.readonly and x.shape == (5,) and ptr(x) == ptr(s._values)
    idx = pd.Index(np.arange(4, dtype=np.int32))
    y = ndb.from_dataframe(idx)
    assert y.dtype == ndb.int32 and y.readonly and ptr(y) == ptr(idx._values)


def test_order_c_copies_into_c_order(mixed):
    df = mixed[["f", "i"]].astype("float64")
    x = ndb.from_dataframe(df)
    assert x.flags.c_contiguous and not x.readonly
    np.testing.assert_array_equal(np.asarray(x), df.to_numpy())


def test_copy_false_names_the_column_and_the_reason(mixed):
    with pytest.raises(ndb.CopyError, match=r"column 'f' \(float64\) is stored apart from column 'i'"):
        ndb.from_dataframe(mixed, columns=["i", "f"], order="K", copy=False)
    nullable = pd.DataFrame({"n": pd.array([1, None], dtype="Int64")})
    with pytest.raises(ndb.CopyError, match="column 'n' .*mask"):
        ndb.from_dataframe(nullable, nulls="mask", copy=False)
    one = pd.DataFrame(np.zeros((3, 2)))
    with pytest.raises(ndb.CopyError, match="order='C'"):
        ndb.from_dataframe(one, copy=False)
    with pytest.raises(ndb.CopyError, match="the result float32"):
        ndb.from_dataframe(one, dtype="float32", order="K", copy=False)


def test_copy_true_always_copies():
    df = pd.DataFrame(np.arange(6.0).reshape(3, 2))
    x = ndb.from_dataframe(df, order="K", copy=True)
    assert not x.readonly and ptr(x) != ptr(df._mgr.blocks[0].values)


def test_multiindex_is_refused_clearly():
    mi = pd.MultiIndex.from_product([[1, 2], ["a", "b"]])
    with pytest.raises(TypeError, match="MultiIndex has 2 levels"):
        ndb.from_dataframe(mi)
    with pytest.raises(TypeError, match="MultiIndex"):
        ndb.asarray(mi)


# ------------------------------------------------------------------------------------------- nulls

@pytest.fixture
def holes():
    return pd.DataFrame({"a": [1.0, np.nan, 3.0, 4.0], "b": [5.0, 6.0, np.nan, np.nan]})


def test_nulls_none_keeps_nan_in_float_results_and_names_column_and_count_for_ints(holes):
    np.testing.assert_array_equal(np.asarray(ndb.from_dataframe(holes)), holes.to_numpy())
    with pytest.raises(ValueError, match="column 'a' has 1 missing value"):
        ndb.from_dataframe(holes, dtype="int64")
    with pytest.raises(ValueError, match="column 'b' has 2 missing values"):
        ndb.from_dataframe(holes[["b"]], dtype="int32")


def test_nulls_raise_nan_fill_and_mask(holes):
    with pytest.raises(ValueError, match="column 'a' has 1 missing value"):
        ndb.from_dataframe(holes, nulls="raise")
    np.testing.assert_array_equal(np.asarray(ndb.from_dataframe(holes, nulls="nan")), holes.to_numpy())
    np.testing.assert_array_equal(np.asarray(ndb.from_dataframe(holes, nulls=0)), holes.fillna(0).to_numpy())
    np.testing.assert_array_equal(np.asarray(ndb.from_dataframe(holes, dtype="int64", nulls=-7)),
                                  holes.fillna(-7).to_numpy().astype("int64"))
    values, mask = ndb.from_dataframe(holes, nulls="mask", dtype="float32")
    np.testing.assert_array_equal(np.asarray(mask), holes.isna().to_numpy())
    np.testing.assert_array_equal(np.asarray(values), holes.to_numpy(dtype="float32"))


NULLABLE = ["Int8", "Int16", "Int32", "Int64", "UInt8", "UInt16", "UInt32", "UInt64", "Float32", "Float64", "boolean"]


@pytest.mark.parametrize("dt", NULLABLE)
def test_nullable_columns_use_their_mask(dt):
    raw = [1, None, 0, 1] if dt == "boolean" else [1, None, 3, 0]
    s = pd.Series(pd.array(raw, dtype=dt), name="n")
    df = pd.DataFrame({"n": s, "x": [0.5, 1.5, 2.5, 3.5]})
    values, mask = ndb.from_dataframe(df, nulls="mask", dtype="float32")
    np.testing.assert_array_equal(np.asarray(mask), df.isna().to_numpy())
    np.testing.assert_array_equal(np.asarray(values), df.to_numpy(dtype="float32", na_value=np.nan))
    np.testing.assert_array_equal(np.asarray(ndb.from_dataframe(df, dtype="float64")),
                                  df.to_numpy(dtype="float64", na_value=np.nan))
    if dt.startswith("Float"):  # a floating result holds NA as NaN
        assert np.isnan(np.asarray(ndb.from_dataframe(s))[1])
    else:
        with pytest.raises(ValueError, match="column 'n' has 1 missing value"):
            ndb.from_dataframe(s)
    clean = pd.Series(pd.array([1, 0], dtype=dt))
    np.testing.assert_array_equal(np.asarray(ndb.asarray(clean)), clean.to_numpy())


def test_nullable_float_keeps_stored_nan_apart_from_na():
    arr = pd.array([1.0, None, 3.0], dtype="Float64")
    arr._data[2] = np.nan  # a NaN stored as a value, not NA
    values, mask = ndb.from_dataframe(pd.Series(arr), nulls="mask")
    assert list(np.asarray(mask)) == [False, True, False]
    assert np.isnan(np.asarray(values)[2])


def test_categorical_codes_and_raise():
    cat = pd.DataFrame({"c": pd.Categorical(["A", "B", None, "A"]), "v": [1.0, 2.0, 3.0, 4.0]})
    got = np.asarray(ndb.from_dataframe(cat))
    np.testing.assert_array_equal(got[:, 0], cat["c"].cat.codes.to_numpy())
    assert got[2, 0] == -1
    values, mask = ndb.from_dataframe(cat, nulls="mask")
    assert list(np.asarray(mask)[:, 0]) == [False, False, True, False]
    filled = np.asarray(ndb.from_dataframe(cat[["c"]], nulls=99))
    assert list(filled[:, 0]) == [0, 1, 99, 0]
    with pytest.raises(TypeError, match="column 'c' is categorical"):
        ndb.from_dataframe(cat, categorical="raise")


def test_datetimes_stay_datetimes_alone_and_become_counts_with_numbers():
    dates = pd.date_range("2023-01-01", periods=4, freq="D")
    df = pd.DataFrame({"t": dates, "v": [1, 2, 3, 4]})
    alone = ndb.from_dataframe(df[["t"]])
    assert alone.dtype == ndb.dtype(df["t"].dtype)
    np.testing.assert_array_equal(np.asarray(alone)[:, 0], df["t"].to_numpy())
    days = np.asarray(ndb.from_dataframe(df, datetime_unit="D"))
    np.testing.assert_array_equal(days[:, 0], (dates - pd.Timestamp("1970-01-01")).days)
    own_unit = np.asarray(ndb.from_dataframe(df))
    np.testing.assert_array_equal(own_unit[:, 0], df["t"].to_numpy().astype("int64"))
    nat = pd.DataFrame({"t": [pd.Timestamp("2020-01-01"), pd.NaT]})
    assert np.isnat(np.asarray(ndb.from_dataframe(nat))[1, 0])
    with pytest.raises(ValueError, match="column 't' has 1 missing value"):
        ndb.from_dataframe(nat, dtype="int64")


def test_tz_aware_columns_are_utc_and_timedeltas_read():
    aware = pd.Series(pd.date_range("2023-03-01 12:00", periods=3, tz="US/Eastern"))
    got = np.asarray(ndb.from_dataframe(aware))
    np.testing.assert_array_equal(got, aware.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy())
    td = pd.Series(pd.to_timedelta([1, 2, 3], unit="h"))
    np.testing.assert_array_equal(np.asarray(ndb.asarray(td)), td.to_numpy())


def test_like_torch_and_mask_in_the_same_library(holes):
    t = ndb.from_dataframe(holes, dtype="float32", like="torch")
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float32
    values, mask = ndb.from_dataframe(holes, nulls="mask", like="torch")
    assert isinstance(mask, torch.Tensor) and mask.dtype == torch.bool
    assert mask.sum().item() == 3


def test_asarray_of_frames_honours_dtype_copy_and_like(mixed):
    df = mixed[["i", "f"]]
    x = ndb.asarray(df, dtype="float32", like="numpy")
    np.testing.assert_array_equal(x, df.to_numpy(dtype="float32"))
    t = ndb.asarray(df, like="torch")
    assert t.dtype == torch.float64
    np.testing.assert_array_equal(t.numpy(), df.to_numpy())
    with pytest.raises(ndb.CopyError):
        ndb.asarray(df, copy=False)


def test_bad_options_name_the_option(holes):
    with pytest.raises(ValueError, match="nulls must be"):
        ndb.from_dataframe(holes, nulls="zero")
    with pytest.raises(ValueError, match="categorical must be"):
        ndb.from_dataframe(pd.DataFrame({"c": pd.Categorical(["a"])}), categorical="onehot")
    with pytest.raises(TypeError, match="expected a pandas"):
        ndb.from_dataframe([1, 2, 3])


# ------------------------------------------------------------------------------------------- Arrow

pa = pytest.importorskip("pyarrow")


def test_arrow_tables_chunked_with_nulls_and_mask():
    a = pa.chunked_array([[1.0, None, 3.0], [4.0, 5.0]])
    b = pa.chunked_array([[10, 20], [None, 40, 50]])
    s = pa.chunked_array([["x", "y", "z"], ["u", "v"]])
    table = pa.table({"a": a, "b": b, "s": s})
    with pytest.raises(TypeError, match="column 's'"):
        ndb.from_dataframe(table)
    values, mask = ndb.from_dataframe(table, columns="numeric", nulls="mask", dtype="float32")
    want = table.select(["a", "b"]).to_pandas()
    np.testing.assert_array_equal(np.asarray(mask), want.isna().to_numpy())
    np.testing.assert_array_equal(np.asarray(values), want.to_numpy(dtype="float32", na_value=np.nan))
    with pytest.raises(ValueError, match="column 'b' has 1 missing value"):
        ndb.from_dataframe(table, columns=["b"])
    filled = np.asarray(ndb.from_dataframe(table, columns=["b", "a"], nulls=-1))
    assert filled[:, 0].tolist() == [10, 20, -1, 40, 50] and filled[1, 1] == -1
    with pytest.raises(ndb.CopyError):
        ndb.from_dataframe(table, columns="numeric", copy=False)


def test_arrow_record_batches_dictionary_and_timestamps():
    batch = pa.record_batch({"d": pa.array(["p", "q", "p"]).dictionary_encode(),
                             "t": pa.array([0, 86_400_000_000, 2 * 86_400_000_000], pa.timestamp("us")),
                             "v": pa.array([1.5, 2.5, 3.5])})
    got = np.asarray(ndb.from_dataframe(batch, datetime_unit="D"))
    np.testing.assert_array_equal(got, [[0, 0, 1.5], [1, 1, 2.5], [0, 2, 3.5]])
    with pytest.raises(TypeError, match="column 'd'.*categorical='raise'"):
        ndb.from_dataframe(batch, categorical="raise")
    alone = ndb.from_dataframe(batch, columns=["t"])
    assert alone.dtype == ndb.dtype("datetime64[us]")


def test_pandas_arrow_backed_columns_join_the_same_pass():
    df = pd.DataFrame({"x": pd.array([1, None, 3], dtype=pd.ArrowDtype(pa.int64())), "y": [0.5, 1.5, 2.5],
                       "s": pd.array(["a", "b", "c"], dtype="string[pyarrow]")})
    with pytest.raises(TypeError, match="column 's'"):
        ndb.from_dataframe(df)
    values, mask = ndb.from_dataframe(df, columns=["x", "y"], nulls="mask")
    assert np.asarray(mask)[:, 0].tolist() == [False, True, False]
    np.testing.assert_array_equal(np.asarray(values)[[0, 2]], [[1.0, 0.5], [3.0, 2.5]])
    assert np.isnan(np.asarray(ndb.from_dataframe(df, columns=["x", "y"]))[1, 0])


def test_polars_frames_through_the_stream():
    pl = pytest.importorskip("polars")
    frame = pl.DataFrame({"a": [1, 2, None], "b": [0.5, 1.5, 2.5], "s": ["x", "y", "z"]})
    values, mask = ndb.from_dataframe(frame, columns="numeric", nulls="mask")
    assert np.asarray(mask).tolist() == [[False, False], [False, False], [True, False]]
    np.testing.assert_array_equal(np.asarray(values)[:2], [[1.0, 0.5], [2.0, 1.5]])
    series = ndb.from_dataframe(pl.Series("n", [1, 2, 3]))
    assert np.asarray(series).tolist() == [1, 2, 3]
