"""Seed 002's DataFrame examples done the ndbridge way (from_dataframe, asarray(df), like="pandas",
sliding_windows), each compared with the value the seed's own pandas/torch code gives. Also the rest of
issue 12's "out" side: like="pandas" / to_pandas sharing memory, and sliding_windows' views."""
import numpy as np
import pandas as pd
import pytest
import torch

import ndbridge as ndb


def same(got, want):
    got = got.detach().numpy() if isinstance(got, torch.Tensor) else np.asarray(got)
    want = want.detach().numpy() if isinstance(want, torch.Tensor) else np.asarray(want)
    assert got.shape == want.shape and got.dtype == want.dtype, (got.shape, got.dtype, want.shape, want.dtype)
    np.testing.assert_array_equal(got, want)


def test_seed_002_dataframe_to_tensor():
    df = pd.DataFrame({"feature_1": [1.0, 2.0, 3.0, 4.0], "feature_2": [5.0, 6.0, 7.0, 8.0],
                       "feature_3": [9.0, 10.0, 11.0, 12.0]})
    same(ndb.from_dataframe(df, like="torch"), torch.tensor(df.values))
    same(ndb.asarray(df, like="torch"), torch.tensor(df.values))


def test_seed_002_mixed_types_in_one_word():
    df_mixed = pd.DataFrame({"int_col": [1, 2, 3], "float_col": [1.5, 2.5, 3.5], "str_col": ["a", "b", "c"]})
    want = torch.tensor(df_mixed.select_dtypes(include=[np.number]).values)
    same(ndb.from_dataframe(df_mixed, columns="numeric", like="torch"), want)
    same(ndb.from_dataframe(df_mixed, columns=["int_col", "float_col"], like="torch"),
         torch.tensor(df_mixed[["int_col", "float_col"]].values))
    with pytest.raises(TypeError, match="column 'str_col'"):
        ndb.from_dataframe(df_mixed)


def test_seed_002_explicit_dtype_control():
    df = pd.DataFrame({"a": [1, 2, 3], "b": [4, 5, 6]})
    same(ndb.from_dataframe(df, like="torch"), torch.tensor(df.values))  # torch.int64
    same(ndb.from_dataframe(df, dtype=torch.float32, like="torch"), torch.tensor(df.values, dtype=torch.float32))


def test_seed_002_series_and_column_vector():
    series = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0])
    tensor_1d = torch.tensor(series.values)
    same(ndb.asarray(series, like="torch"), tensor_1d)
    same(ndb.asarray(series, like="torch").unsqueeze(1), tensor_1d.unsqueeze(1))
    same(ndb.from_dataframe(series.to_frame(), like="torch"), tensor_1d.unsqueeze(1))


def test_seed_002_missing_values():
    df_nan = pd.DataFrame({"a": [1.0, 2.0, np.nan, 4.0], "b": [5.0, np.nan, 7.0, 8.0]})
    same(ndb.from_dataframe(df_nan, nulls=0, like="torch"), torch.tensor(df_nan.fillna(0).values))
    values, mask = ndb.from_dataframe(df_nan, nulls="mask", like="torch")
    same(values[~mask.any(dim=1)], torch.tensor(df_nan.dropna().values))  # strategy 1: drop rows
    same(ndb.from_dataframe(df_nan.fillna(df_nan.mean()), like="torch"),
         torch.tensor(df_nan.fillna(df_nan.mean()).values))
    same(ndb.from_dataframe(df_nan.ffill(), like="torch"), torch.tensor(df_nan.ffill().values))


def test_seed_002_categorical_codes_and_one_hot():
    df_cat = pd.DataFrame({"category": ["A", "B", "A", "C", "B"], "value": [1.0, 2.0, 3.0, 4.0, 5.0]})
    df_cat["code"] = df_cat["category"].astype("category").cat.codes
    want = torch.tensor(df_cat[["code", "value"]].values)
    # ndbridge reads the categorical column's codes itself: no helper column needed.
    cat = df_cat.assign(category=df_cat["category"].astype("category"))
    same(ndb.from_dataframe(cat, columns=["category", "value"], like="torch"), want)
    one_hot = pd.get_dummies(df_cat["category"], prefix="cat")
    df_encoded = pd.concat([one_hot, df_cat[["value"]]], axis=1)
    # pandas 3 gives df_encoded.values as an object array (bool and float columns), which the seed's
    # torch.tensor(df_encoded.values, dtype=torch.float32) refuses; its intended value is the float32 frame.
    with pytest.raises(TypeError):
        torch.tensor(df_encoded.values, dtype=torch.float32)
    same(ndb.from_dataframe(df_encoded, dtype=torch.float32, like="torch"),
         torch.tensor(df_encoded.to_numpy(dtype=np.float32)))


def test_seed_002_tensor_to_dataframe():
    tensor = torch.randn(5, 3)
    columns = ["feature_a", "feature_b", "feature_c"]
    want = pd.DataFrame(tensor.numpy(), columns=columns)
    got = ndb.to_pandas(tensor, columns=columns)
    pd.testing.assert_frame_equal(got, want)
    assert np.shares_memory(got.to_numpy(), tensor.numpy())  # shared, as pd.DataFrame(t.numpy(), copy=False)
    grad = torch.randn(4, 2, requires_grad=True)
    pd.testing.assert_frame_equal(ndb.to_pandas(grad), pd.DataFrame(grad.detach().cpu().numpy()))
    pd.testing.assert_frame_equal(ndb.asarray(grad, like="pandas"), pd.DataFrame(grad.detach().cpu().numpy()))


def test_seed_002_time_series_days_since_epoch():
    dates = pd.date_range("2023-01-01", periods=5, freq="D")
    df_ts = pd.DataFrame({"close": [100.0, 101.5, 99.8, 102.3, 103.1], "volume": [1000, 1200, 800, 1500, 1100]},
                         index=dates)
    same(ndb.from_dataframe(df_ts, dtype=torch.float32, like="torch"), torch.tensor(df_ts.values, dtype=torch.float32))
    days = (df_ts.index - pd.Timestamp("1970-01-01")).days
    same(ndb.from_dataframe(df_ts.index, datetime_unit="D", dtype="int64", like="torch"), torch.tensor(days.values))
    with_dates = df_ts.reset_index(names="date")
    got = ndb.from_dataframe(with_dates, columns=["date", "volume"], datetime_unit="D", like="torch")
    same(got[:, 0], torch.tensor(days.values))


def test_seed_002_rnn_sequences_as_one_view():
    def create_sequences(df, seq_length):
        values = torch.tensor(df.values, dtype=torch.float32)
        return torch.stack([values[i:i + seq_length] for i in range(len(values) - seq_length)])

    df_long = pd.DataFrame({"feature": np.random.default_rng(0).standard_normal(100)})
    want = create_sequences(df_long, seq_length=10)  # (90, 10, 1): the seed's loop leaves out the last window
    values = ndb.from_dataframe(df_long, dtype="float32")
    windows = ndb.sliding_windows(values, 10)
    assert windows.shape == (91, 10, 1) and windows.readonly
    assert windows.data_ptr == values.data_ptr  # one view, no copy
    same(ndb.asarray(windows, like="torch")[:90], want)
    same(ndb.sliding_windows(values, 10, like="torch")[:90], want)


def test_seed_002_ohlcv():
    def prepare_ohlcv_data(df):
        df = df[["open", "high", "low", "close", "volume"]].astype(np.float32)
        df = df.ffill().bfill()
        return torch.tensor(((df - df.min()) / (df.max() - df.min())).values)

    df_ohlcv = pd.DataFrame({"open": [100.0, 101.0, 102.0, 101.5, 103.0], "high": [101.5, 102.5, 103.0, 102.0, 104.0],
                             "low": [99.5, 100.5, 101.5, 100.5, 102.5], "close": [101.0, 102.0, 101.5, 103.0, 103.5],
                             "volume": [1000, 1200, 800, 1500, 1100]})
    x = ndb.from_dataframe(df_ohlcv, columns=["open", "high", "low", "close", "volume"], dtype="float32",
                           like="torch")
    normalized = (x - x.min(dim=0).values) / (x.max(dim=0).values - x.min(dim=0).values)
    torch.testing.assert_close(normalized, prepare_ohlcv_data(df_ohlcv), rtol=0, atol=1e-6)


def test_seed_002_safe_conversion_utility():
    def df_to_tensor(df, dtype=torch.float32):
        numeric_df = df.select_dtypes(include=[np.number])
        if numeric_df.empty:
            raise ValueError("No numeric columns found")
        if numeric_df.isna().any().any():
            numeric_df = numeric_df.fillna(0)
        return torch.tensor(numeric_df.values, dtype=dtype)

    df = pd.DataFrame({"a": [1.0, np.nan], "b": [3, 4], "s": ["x", "y"]})
    same(ndb.from_dataframe(df, dtype=torch.float32, columns="numeric", nulls=0, like="torch"), df_to_tensor(df))
    with pytest.raises(ValueError, match="no numeric columns"):
        ndb.from_dataframe(pd.DataFrame({"s": ["x"]}), columns="numeric")


# ------------------------------------------------------------------------------------------- out

def test_like_pandas_shares_memory_series_and_frame():
    a = np.arange(6.0).reshape(3, 2)
    df = ndb.asarray(a, like="pandas")
    assert isinstance(df, pd.DataFrame) and np.shares_memory(df.to_numpy(), a)
    s = ndb.asarray(np.arange(4), like=pd)
    assert isinstance(s, pd.Series) and np.shares_memory(s.to_numpy(), s.to_numpy())
    pd.testing.assert_series_equal(s, pd.Series(np.arange(4)))
    named = ndb.to_pandas(torch.arange(3.0), columns="x", index=["a", "b", "c"])
    assert named.name == "x" and list(named.index) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="3-D array has no pandas form"):
        ndb.asarray(np.zeros((2, 2, 2)), like="pandas")


def test_sliding_windows_along_any_axis_with_step():
    x = np.arange(24).reshape(4, 6)
    w = ndb.sliding_windows(x, 3, axis=1, step=2)
    assert w.shape == (4, 2, 3) and w.readonly
    same(w, np.lib.stride_tricks.sliding_window_view(x, 3, axis=1)[:, ::2])
    with pytest.raises(ValueError, match="window must be in 1..4"):
        ndb.sliding_windows(x, 5)
    with pytest.raises(ValueError, match="step >= 1"):
        ndb.sliding_windows(x, 2, step=0)
    with pytest.raises(IndexError, match="axis 2"):
        ndb.sliding_windows(x, 2, axis=2)
    t = torch.arange(10.0)
    same(ndb.sliding_windows(t, 4, like="torch"), t.unfold(0, 4, 1))
