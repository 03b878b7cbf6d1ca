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
    __slots__ = ("name", "pdtype", "values", "dtype", "mask", "sentinel", "nan", "block", "row", "kind")

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
    elif hasattr(array, "_pa_array") and hasattr(_core, "_arrow_schema"):  # ArrowDtype, string[pyarrow]
        return _arrow_column(name, pdtype, array._pa_array, 0, categorical)
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
    col.values, col.dtype = values, values.dtype
    return col


def _arrow_column(name, pdtype, holder, index, categorical, described=None):
    """A _Column for column `index` of Arrow data (read through the PyCapsule interface by the extension)."""
    if described is None:
        holder, _, _, described = _core._arrow_schema(holder)
    _, dtype, is_dictionary, arrow_type = described[index]
    if dtype is None:
        _not_numeric(name, pdtype if pdtype is not None else arrow_type)
    if is_dictionary and categorical == "raise":
        _fail(TypeError, f"column {name!r} is dictionary-encoded (categorical) and categorical='raise'")
    col = _Column(name, pdtype if pdtype is not None else arrow_type)
    col.kind, col.values, col.row, col.dtype = "arrow", holder, index, np.dtype(str(dtype))
    return col


def _arrow_columns_of(data, columns, categorical):
    """(chosen _Columns, rows, one_dimensional) of Arrow data: a table's columns, or one array."""
    holder, rows, tabular, described = _core._arrow_schema(data)
    names = [d[0] for d in described]
    if columns is None:
        chosen = list(range(len(names)))
    elif isinstance(columns, str) and columns == "numeric":
        # What select_dtypes(include=[np.number]) would select of the same columns in pandas.
        chosen = [i for i, d in enumerate(described)
                  if d[1] is not None and not d[2] and np.dtype(str(d[1])).kind in "iufcm"]
        if not chosen:
            _fail(ValueError, f"no numeric columns among {names[:8]}")
    else:
        wanted = [columns] if isinstance(columns, str) else list(columns)
        missing = [n for n in wanted if n not in names]
        if missing:
            raise KeyError(f"from_dataframe: columns {missing} are not in the table (its columns: {names[:8]})")
        chosen = [names.index(n) for n in wanted]
    cols = [_arrow_column(names[i], None, holder, i, categorical, described) for i in chosen]
    return cols, rows, not tabular


def _is_arrow(obj):
    return hasattr(_core, "_arrow_schema") and (hasattr(obj, "__arrow_c_stream__") or
                                                 hasattr(obj, "__arrow_c_array__"))


def _columns_of(data, columns, categorical, nulls):
    """(chosen _Columns, rows, one_dimensional) of a DataFrame, Series or Index."""
    if not is_pandas(data):
        return _arrow_columns_of(data, columns, categorical)
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
    kinds = {c.dtype.kind for c in cols}
    if kinds and kinds <= {"M"} or kinds and kinds <= {"m"}:
        if datetime_unit is not None:
            return _core.dtype(f"{next(iter(kinds))}8[{datetime_unit}]"), None
        return _core.dtype(np.result_type(*(c.dtype for c in cols))), None
    if not cols:
        return _core.dtype("float64"), datetime_unit
    dts = [np.dtype(np.int64) if c.dtype.kind in "mM" else c.dtype for c in cols]
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
        if c.kind == "arrow":
            return f"column {c.name!r} ({c.pdtype}) is Arrow data, written by the column pass"
        if c.kind == "codes":
            return f"column {c.name!r} is categorical: its codes are read, not its values"
        if c.block is None:
            return f"column {c.name!r} ({c.pdtype}) holds Python objects or other storage, not one NumPy array"
        if c.block is not first.block:
            return (f"column {c.name!r} ({c.pdtype}) is stored apart from column {first.name!r} "
                    f"({first.pdtype}); pandas keeps one block per dtype")
    if _core.dtype(first.dtype) != out:
        return f"column {first.name!r} is {first.dtype}, the result {out}"
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

def _whole_block(data, columns):
    """The one NumPy array behind every column of a Series, Index or single-block frame, in column
    order (rows x columns for a frame), else None: the per-call fast path of sharing, O(1) in columns."""
    if columns is not None:
        return None
    if isinstance(data, _pandas().DataFrame):
        blocks = data._mgr.blocks
        if len(blocks) != 1:
            return None
        values = blocks[0].values
        locs = blocks[0].mgr_locs
        if type(values) is not np.ndarray or not locs.is_slice_like or locs.as_slice != slice(0, data.shape[1], 1):
            return None
        values = values.T
    else:
        values = data._values
        if type(values) is not np.ndarray:
            return None
    return values if values.dtype.kind in "biufc" else None


def _convert(data, dtype, columns, order, nulls, categorical, datetime_unit, copy):
    """(values, mask or None, fresh) as ndb.Arrays."""
    block = None
    if not is_pandas(data):
        if columns is None and nulls is None and datetime_unit is None and categorical == "codes":
            # asarray's Arrow route: a null-free single chunk is shared, anything else is one column pass.
            return _core.asarray(data, dtype, copy=copy, order=order), None, True
    elif copy is not True and order in ("K", "A", "F"):
        block = _whole_block(data, columns)
    if block is not None and (nulls is None or (nulls == "mask" and block.dtype.kind not in "fc")) and (
            dtype is None or _core.dtype(dtype) == _core.dtype(block.dtype)):
        view = block.view()
        view.flags.writeable = False  # pandas' Copy-on-Write: a shared column is never written through
        values = _core.asarray(view)
        mask = None if nulls is None else _core.asarray(np.zeros(view.shape, dtype=bool))
        return values, mask, False
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
    values, mask = _core._write_frame(_column_specs(cols, count_unit), out, rows, one_dimensional, order, policy,
                                      fill, policy == "mask")
    return values, mask, True


def _column_specs(cols, count_unit):
    """The chosen columns as the column pass's specs (bindings/frames.cpp says what each field is)."""
    specs = []
    for c in cols:
        unit = count_unit if c.dtype.kind in "mM" else None
        if c.kind == "arrow":  # (name, the table's capsule, column index, -, -, unit)
            specs.append((str(c.name), c.values, c.row, None, False, unit))
        else:
            specs.append((str(c.name), c.values, c.mask, c.sentinel, c.nan, unit))
    return specs


def _write_into(data, out, mask_out, dtype, columns, nulls, categorical, datetime_unit):
    """from_dataframe of a pandas frame or Series written into ``out`` (and ``mask_out`` under nulls="mask"):
    a caller's memory of exactly the result's dtype and shape (ndbridge.dask passes a partition's rows of its
    one output). Never shares, never allocates a result; when it raises, ``out`` and ``mask_out`` are as they
    were."""
    policy, fill = _parse_nulls(nulls)
    cols, rows, one_dimensional = _columns_of(data, columns, categorical, policy)
    result, count_unit = _result_dtype(cols, dtype, datetime_unit)
    _core._write_frame(_column_specs(cols, count_unit), result, rows, one_dimensional, "C", policy, fill,
                       policy == "mask", out=out, mask_out=mask_out)


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
    if not is_pandas(data) and not _is_arrow(data):
        dd = sys.modules.get("dask.dataframe")
        if dd is not None and isinstance(data, (dd.DataFrame, dd.Series)):  # partition by partition: ndbridge.dask
            from .dask import _from_dask_dataframe
            return _from_dask_dataframe(data, dtype, columns, order, nulls, categorical, datetime_unit, copy, like)
        raise TypeError(f"from_dataframe: expected a pandas DataFrame, Series or Index, or Arrow data (an object "
                        f"with __arrow_c_stream__ or __arrow_c_array__: pyarrow, polars, ...), got "
                        f"{type(data).__name__}")
    values, mask, _ = _convert(data, dtype, columns, order, nulls, categorical, datetime_unit, copy)
    if like is not None:
        values = _core.asarray(values, like=like)
        mask = None if mask is None else _core.asarray(mask, like=like)
    return (values, mask) if nulls == "mask" else values


# ------------------------------------------------------------------------------------------- out

def to_pandas(x, columns=None, index=None, *, copy=None):
    """``x`` as a pandas Series (1-D) or DataFrame (2-D), sharing its memory where pandas allows.

    ``asarray(x, like="pandas")`` is ``to_pandas(x)``; this function also passes ``columns=`` and
    ``index=`` on (a 1-D array's ``columns`` is the Series' name). A torch tensor that requires grad, or
    lives on another device, is read as ``t.detach().cpu()`` would give it, without the user writing it.
    """
    pd = _pandas() or __import__("pandas")
    torch = sys.modules.get("torch")
    if torch is not None and isinstance(x, torch.Tensor):
        x = x.detach()
        if x.device.type != "cpu":
            x = x.cpu()
    a = _core.asarray(x, copy=copy, like="numpy")
    if a.ndim == 1:
        return pd.Series(a, index=index, name=columns, copy=False)
    if a.ndim == 2:
        return pd.DataFrame(a, index=index, columns=columns, copy=False)
    raise ValueError(f"to_pandas: a {a.ndim}-D array has no pandas form (Series is 1-D, DataFrame 2-D); "
                     f"reshape it to 2-D first (shape {a.shape})")


def sliding_windows(x, window, axis=0, step=1, *, like=None):
    """Every window of ``window`` consecutive entries along ``axis``, ``step`` apart, as one read-only
    strided view of ``x`` (no copy): shape ``x.shape[:axis] + (count, window) + x.shape[axis+1:]`` with
    ``count = (n - window) // step + 1``. ``like`` hands it on as ``asarray`` does (torch has no read-only
    tensors, so ``like="torch"`` copies the windows, as ``torch.stack`` of the slices would)."""
    a = np.asarray(_core.asarray(x))
    if isinstance(window, bool) or not isinstance(window, (int, np.integer)) or isinstance(step, bool) or \
            not isinstance(step, (int, np.integer)):
        raise TypeError(f"sliding_windows: window and step must be integers, not {window!r} and {step!r}")
    if a.ndim == 0:
        raise ValueError("sliding_windows: a 0-d array has no axis to slide along")
    if not -a.ndim <= axis < a.ndim:
        raise IndexError(f"sliding_windows: axis {axis} is out of range for a {a.ndim}-d array")
    axis %= a.ndim
    n = a.shape[axis]
    if not 1 <= window <= n or step < 1:
        raise ValueError(f"sliding_windows: window must be in 1..{n} (the extent of axis {axis}) and step >= 1; "
                         f"got window={window}, step={step}")
    count = (n - window) // step + 1
    shape = a.shape[:axis] + (count, window) + a.shape[axis + 1:]
    strides = a.strides[:axis] + (a.strides[axis] * step, a.strides[axis]) + a.strides[axis + 1:]
    view = np.lib.stride_tricks.as_strided(a, shape=shape, strides=strides, writeable=False)
    return _core.asarray(view, like=like)
