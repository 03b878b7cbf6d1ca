"""pandas frames to arrays and back: ndb.from_dataframe, ndb.to_pandas, ndb.sliding_windows.

The pandas reader visits pandas' own column arrays block by block (never ``df.values``), decides per
column which arrays hold its values and its missing entries, and hands them all to the fused column pass
in the core (``_core._write_frame``) -- or shares a single-dtype block as a read-only view when the request
allows. The rules are in docs/frames.md; the choices the issue left open in docs/decisions.md.
"""
import math
import sys

import numpy as np

from . import _core

_NAT = np.iinfo(np.int64).min
_NULL_WORDS = ("raise", "nan", "mask")


def _fail(kind, message):
    raise kind("from_dataframe: " + message)


def _pandas():
    return sys.modules.get("pandas")


def is_pandas(obj):
    pd = _pandas()
    return pd is not None and isinstance(obj, (pd.DataFrame, pd.Series, pd.Index))


# ------------------------------------------------------------------------------------------- columns

def _frame_columns(df):
    """Every column of `df` by position: (pandas dtype, 2-D ndarray block or None, row, column array)."""
    out = [None] * df.shape[1]
    for blk in df._mgr.blocks:
        values = blk.values
        locs = blk.mgr_locs.as_array
        if isinstance(values, np.ndarray):
            for row, pos in enumerate(locs):
                out[pos] = (blk.dtype, values, row, None)
        elif getattr(values, "ndim", 1) == 2:  # datetime-like blocks: a 2-D array over a 2-D ndarray
            nd = values._ndarray
            for row, pos in enumerate(locs):
                out[pos] = (blk.dtype, nd, row, values)
        else:
            out[locs[0]] = (blk.dtype, None, 0, values)
    return out


def _selected(df, columns):
    """Positions of the chosen columns, in the caller's order."""
    if columns is None:
        return list(range(df.shape[1]))
    if isinstance(columns, str) and columns == "numeric":
        # select_dtypes itself decides, so the selection is exactly the seed's idiom; labels may repeat,
        # so it is asked of a frame with the same dtypes and positions as labels.
        pd = _pandas()
        if df.columns.is_unique:
            chosen = df.columns.get_indexer(df.select_dtypes(include=[np.number]).columns)
        else:
            shadow = pd.DataFrame({i: pd.Series(dtype=dt) for i, dt in enumerate(df.dtypes)})
            chosen = shadow.select_dtypes(include=[np.number]).columns
        if len(chosen) == 0:
            _fail(ValueError, f"no numeric columns (select_dtypes(include=[np.number]) selects none of "
                              f"{list(df.columns)[:8]})")
        return [int(p) for p in chosen]
    if isinstance(columns, str):
        columns = [columns]
    names = list(columns)
    positions = df.columns.get_indexer_for(names)
    if (positions < 0).any():
        missing = [n for n in names if n not in df.columns]
        raise KeyError(f"from_dataframe: columns {missing} are not in the frame (its columns: {list(df.columns)[:8]})")
    return [int(p) for p in positions]


class _Column:
    """One chosen column: where its values are and how its missing entries are told."""
    __slots__ = ("name", "pdtype", "values", "mask", "sentinel", "nan", "block", "row", "kind")

    def __init__(self, name, pdtype):
        self.name, self.pdtype = name, pdtype
        self.mask = self.sentinel = self.block = None
        self.nan = False
        self.row = 0
        self.kind = "numpy"


def _not_numeric(name, pdtype):
    _fail(TypeError, f"column {name!r} has dtype {pdtype}, which holds no numbers; select numeric columns with "
                     f"columns='numeric' (select_dtypes(include=[np.number])) or a list of names")


def _describe(name, pdtype, block, row, array, categorical, nulls):
    """A _Column for one pandas column: `block`/`row` for ndarray-backed storage, else `array`."""
    col = _Column(name, pdtype)
    if block is not None:
        col.block, col.row = block, row
        values = block[row]
    elif hasattr(array, "_mask") and hasattr(array, "_data"):  # nullable Int*/UInt*/Float*/boolean
        values, col.mask, col.kind = array._data, array._mask, "masked"
    elif hasattr(array, "codes") and hasattr(array, "categories"):  # Categorical
        if categorical == "raise":
            _fail(TypeError, f"column {name!r} is categorical and categorical='raise'")
        if categorical != "codes":
            _fail(ValueError, f"categorical must be 'codes' or 'raise', not {categorical!r}")
        values, col.kind = array.codes, "codes"
        if nulls is not None:  # under nulls=None the codes are the values, -1 included
            col.sentinel = -1
    elif isinstance(getattr(array, "_ndarray", None), np.ndarray):  # NumpyExtensionArray, 1-D datetime-like
        values = array._ndarray
        if values.ndim == 1:
            col.block, col.row = values[np.newaxis], 0
    elif isinstance(array, np.ndarray):
        values = array
        col.block, col.row = values[np.newaxis], 0
    else:
        _not_numeric(name, pdtype)
    kind = values.dtype.kind
    if kind == "O":
        # Python objects: read as asarray reads a sequence (numbers pass, text is refused) -- a copy.
        try:
            values = np.asarray(_core.asarray(values))
        except (TypeError, ValueError, OverflowError):
            _not_numeric(name, pdtype)
        kind, col.block, col.kind = values.dtype.kind, None, "object"
    if kind in "OSUV":
        _not_numeric(name, pdtype)
    if kind in "fc" and col.kind in ("numpy", "object"):
        col.nan = True
    if kind in "mM":
        col.sentinel, col.kind = _NAT, "time"
    col.values = values
    return col


def _columns_of(data, columns, categorical, nulls):
    """(chosen _Columns, rows, one_dimensional) of a DataFrame, Series or Index."""
    pd = _pandas()
    if isinstance(data, pd.MultiIndex):
        _fail(TypeError, f"a MultiIndex has {data.nlevels} levels, which are no columns of one array; convert one "
                         "level (idx.get_level_values(i)) or its codes (idx.codes[i])")
    if isinstance(data, pd.DataFrame):
        table = _frame_columns(data)
        labels = data.columns
        chosen = [_describe(labels[p], *table[p], categorical, nulls) for p in _selected(data, columns)]
        return chosen, data.shape[0], False
    if columns is not None:
        _fail(TypeError, f"columns= selects columns of a DataFrame; a {type(data).__name__} has one")
    values = data._values
    col = _describe(data.name, data.dtype, None, 0, values, categorical, nulls)
    return [col], len(data), True


# ------------------------------------------------------------------------------------------- dtype

def _result_dtype(cols, dtype, datetime_unit):
    """The result's dtype and the count unit of time columns (None: their own)."""
    if dtype is not None:
        return _core.dtype(dtype), datetime_unit
    kinds = {c.values.dtype.kind for c in cols}
    if kinds and kinds <= {"M"} or kinds and kinds <= {"m"}:
        if datetime_unit is not None:
            return _core.dtype(f"{next(iter(kinds))}8[{datetime_unit}]"), None
        return _core.dtype(np.result_type(*(c.values.dtype for c in cols))), None
    if not cols:
        return _core.dtype("float64"), datetime_unit
    dts = [np.dtype(np.int64) if c.values.dtype.kind in "mM" else c.values.dtype for c in cols]
    return _core.dtype(np.result_type(*dts)), datetime_unit


def _parse_nulls(nulls):
    """(policy word or None, fill value)."""
    if nulls is None:
        return None, 0.0
    if isinstance(nulls, str):
        if nulls not in _NULL_WORDS:
            _fail(ValueError, f"nulls must be None, 'raise', 'nan', 'mask' or a number, not {nulls!r}")
        return nulls, 0.0
    if isinstance(nulls, (bool, np.bool_)) or not isinstance(nulls, (int, float, np.integer, np.floating)):
        _fail(TypeError, f"nulls must be None, 'raise', 'nan', 'mask' or a number, not {nulls!r}")
    value = float(nulls)
    return ("nan", 0.0) if math.isnan(value) else ("fill", value)


# ------------------------------------------------------------------------------------------- sharing

def _share_blocker(cols, out, nulls, copy, order, one_dimensional):
    """Why the chosen columns cannot be one view of pandas' memory (None when they can)."""
    if copy:
        return "copy=True"
    first = cols[0] if cols else None
    if first is None:
        return "the frame has no columns"
    for c in cols:
        if c.kind == "masked":
            return f"column {c.name!r} ({c.pdtype}) keeps its missing values in a mask apart from its values"
        if c.kind == "codes":
            return f"column {c.name!r} is categorical: its codes are read, not its values"
        if c.block is None:
            return f"column {c.name!r} ({c.pdtype}) holds Python objects or other storage, not one NumPy array"
        if c.block is not first.block:
            return (f"column {c.name!r} ({c.pdtype}) is stored apart from column {first.name!r} "
                    f"({first.pdtype}); pandas keeps one block per dtype")
    if _core.dtype(first.values.dtype) != out:
        return f"column {first.name!r} is {first.values.dtype}, the result {out}"
    if nulls is not None and nulls != "nan" and (first.nan or first.sentinel is not None):
        return f"nulls={nulls!r} rewrites the missing values of column {first.name!r} ({first.pdtype})"
    rows = [c.row for c in cols]
    step = rows[1] - rows[0] if len(rows) > 1 else 1
    if step <= 0 or any(b - a != step for a, b in zip(rows, rows[1:])):
        return "the chosen columns are not evenly spaced in pandas' block, in the order given"
    if not one_dimensional and len(cols) > 1 and order == "C":
        return "order='C' interleaves the columns row by row; pandas stores each column contiguous (order='K' or 'F')"
    if not one_dimensional and len(cols) > 1 and order == "F" and step != 1:
        return "order='F' needs adjacent columns; these are not adjacent in pandas' block"
    return None


def _shared_view(cols, one_dimensional):
    """The chosen columns as one read-only NumPy view of pandas' block (pandas' Copy-on-Write)."""
    first = cols[0]
    if one_dimensional:
        view = first.values.view()
    else:
        step = cols[1].row - first.row if len(cols) > 1 else 1
        view = first.block[first.row:cols[-1].row + 1:step].T
    view.flags.writeable = False
    return view


# ------------------------------------------------------------------------------------------- the pass

def _convert(data, dtype, columns, order, nulls, categorical, datetime_unit, copy):
    """(values, mask or None, fresh) as ndb.Arrays."""
    if order not in ("K", "A", "C", "F"):
        if not isinstance(order, str) or order.upper() not in ("K", "A", "C", "F"):
            _fail(ValueError, f"order must be 'K', 'A', 'C' or 'F', not {order!r}")
        order = order.upper()
    if copy is not None and not isinstance(copy, (bool, np.bool_)):
        _fail(ValueError, f"copy must be None, True or False, not {copy!r}")
    if datetime_unit is not None:
        np.dtype(f"M8[{datetime_unit}]")  # a unit NumPy knows, or NumPy's own TypeError
    policy, fill = _parse_nulls(nulls)
    cols, rows, one_dimensional = _columns_of(data, columns, categorical, policy)
    out, count_unit = _result_dtype(cols, dtype, datetime_unit)
    blocker = _share_blocker(cols, out, policy, copy, order, one_dimensional)
    if blocker is None:
        values = _core.asarray(_shared_view(cols, one_dimensional))
        mask = None
        if policy == "mask":
            mask = _core.asarray(np.zeros(values.shape, dtype=bool) if not cols[0].nan
                                 else np.isnan(np.asarray(values)))
        return values, mask, False
    if copy is False:
        raise _core.CopyError(f"from_dataframe: {blocker}, so the result needs a copy; copy=False forbids it")
    specs = []
    for c in cols:
        unit = count_unit if c.kind == "time" else None
        specs.append((str(c.name), c.values, c.mask, c.sentinel, c.nan, unit))
    values, mask = _core._write_frame(specs, out, rows, one_dimensional, order, policy, fill, policy == "mask")
    return values, mask, True


def _asarray_pandas(obj, dtype, copy, order):
    """asarray's route for pandas objects (called by the extension): (ndb.Array, fresh)."""
    values, _, fresh = _convert(obj, dtype, None, order, None, "codes", None, copy)
    return values, fresh


def from_dataframe(data, dtype=None, *, columns=None, order="C", nulls=None, categorical="codes",
                   datetime_unit=None, copy=None, like=None):
    """A pandas DataFrame, Series or Index as one array, read from pandas' own column arrays.

    ``columns``: a list of names, or ``"numeric"`` (exactly ``select_dtypes(include=[np.number])``);
    without it a column of strings or objects is a TypeError naming it. The result dtype is NumPy's
    promotion of the columns unless ``dtype`` is given. ``nulls``: None (NaN in floating results, a
    ValueError naming the column and the count in integer or bool results), ``"raise"``, ``"nan"``, a
    number to fill with, or ``"mask"`` to return ``(values, mask)``. ``categorical="codes"`` reads category
    codes (-1 for missing unless ``nulls`` says otherwise); ``"raise"`` refuses them. Datetime and
    timedelta columns stay time arrays when all columns are of one kind, else become int64 counts in
    ``datetime_unit`` (default: the column's unit; tz-aware columns count in UTC). A single-dtype block
    with ``order="K"``/``"F"`` is shared read-only; otherwise one fused, threaded pass writes the result.
    ``copy=False`` raises CopyError naming the column and the reason a copy is needed. ``like`` chooses
    the result's library, as for ``asarray``.
    """
    if not is_pandas(data):
        dd = sys.modules.get("dask.dataframe")
        if dd is not None and isinstance(data, (dd.DataFrame, dd.Series)):  # partition by partition: ndbridge.dask
            from .dask import _from_dask_dataframe
            return _from_dask_dataframe(data, dtype, columns, order, nulls, categorical, datetime_unit, copy, like)
        raise TypeError(f"from_dataframe: expected a pandas DataFrame, Series or Index, got {type(data).__name__}")
    values, mask, _ = _convert(data, dtype, columns, order, nulls, categorical, datetime_unit, copy)
    if like is not None:
        values = _core.asarray(values, like=like)
        mask = None if mask is None else _core.asarray(mask, like=like)
    return (values, mask) if nulls == "mask" else values
