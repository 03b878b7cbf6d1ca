"""pandas takes ndb.Array as it takes an ndarray (Series, DataFrame, column assignment, Index), and a
DataFrame made from one converts back to the same values and dtype."""
import numpy as np
import pandas as pd
import pytest

import ndbridge as ndb

NUMERIC = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
           "float32", "float64", "complex64", "complex128"]


def values(dtype, shape):
    return (np.arange(int(np.prod(shape))) % 5).astype(dtype).reshape(shape)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_dataframe_round_trip_for_every_numeric_dtype(dtype):
    a = values(dtype, (4, 3))
    x = ndb.asarray(a)
    df = pd.DataFrame(x)
    expected = pd.DataFrame(a)
    pd.testing.assert_frame_equal(df, expected)
    back = ndb.asarray(df)
    assert back.dtype == a.dtype and back.shape == a.shape
    assert np.array_equal(np.asarray(back), a)


@pytest.mark.parametrize("dtype", NUMERIC)
def test_series_and_index_equal_those_of_the_ndarray(dtype):
    a = values(dtype, (5,))
    x = ndb.asarray(a)
    pd.testing.assert_series_equal(pd.Series(x), pd.Series(a))
    if dtype not in ("float16", "complex64"):  # pandas has no Index for these (it says so for ndarrays too)
        pd.testing.assert_index_equal(pd.Index(x), pd.Index(a))


def test_column_assignment_fills_row_by_row():
    df = pd.DataFrame({"a": [1, 2, 3]})
    df["b"] = ndb.asarray([10.0, 20.0, 30.0])
    assert df["b"].tolist() == [10.0, 20.0, 30.0] and df["b"].dtype == np.float64
    df.loc[:, "c"] = ndb.asarray(np.array([7, 8, 9], dtype=np.int32))
    assert df["c"].tolist() == [7, 8, 9]


def test_wrong_length_column_is_pandas_own_error_as_for_ndarrays():
    df = pd.DataFrame({"a": [1, 2, 3]})
    with pytest.raises(ValueError) as ours:
        df["b"] = ndb.asarray([1, 2])
    with pytest.raises(ValueError) as theirs:
        df["b"] = np.array([1, 2])
    assert str(ours.value) == str(theirs.value)


def test_series_of_a_strided_view_reads_its_elements():
    a = np.arange(10.0)[::-3]
    pd.testing.assert_series_equal(pd.Series(ndb.asarray(a)), pd.Series(a))


def test_datetime_series_from_an_ndb_array():
    a = np.array(["2020-01-01", "2021-06-30"], dtype="M8[ns]")
    pd.testing.assert_series_equal(pd.Series(ndb.asarray(a)), pd.Series(a))
