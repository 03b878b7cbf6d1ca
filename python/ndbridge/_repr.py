"""NumPy-like repr/str of ndb.Array: nested brackets, aligned columns, summarised when large."""

_THRESHOLD = 1000   # arrays with more elements are summarised, as NumPy does
_EDGE = 3           # items kept at each end of a summarised axis
_DEFAULT_DTYPES = {"float64", "int64", "bool", "complex128"}


def _format_float(v):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if v == int(v) and abs(v) < 1e16:
        return f"{int(v)}."
    return repr(v)


def _format_item(v):
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return _format_float(v)
    if isinstance(v, complex):
        return f"{_format_float(v.real)}{'+' if v.imag >= 0 or v.imag != v.imag else '-'}{_format_float(abs(v.imag))}j"
    if v is None:
        return "'NaT'"
    return repr(v) if isinstance(v, (str, bytes)) else (f"'{v}'" if not isinstance(v, int) else str(v))


def _gather(a, summarise):
    """Nested lists of formatted strings; '...' marks elided items."""
    if a.ndim == 0:
        return _format_item(a.item())
    n = a.shape[0]
    if summarise and n > 2 * _EDGE:
        idx = list(range(_EDGE)) + [None] + list(range(n - _EDGE, n))
    else:
        idx = range(n)
    return [("..." if i is None else _gather(a[i, ...], summarise)) for i in idx]


def _width(nested):
    if isinstance(nested, str):
        return len(nested)
    return max((_width(x) for x in nested), default=0)


def _render(nested, width, depth, indent):
    if isinstance(nested, str):
        return nested.rjust(width)
    if not nested or isinstance(nested[0], str):
        return "[" + ", ".join(x.rjust(width) for x in nested) + "]"
    sep = "," + "\n" * (depth - 1 if depth > 1 else 1) + " " * (indent + 1)
    parts = [(" " * width if x == "..." else _render(x, width, depth - 1, indent + 1)) if x != "..." else "..."
             for x in nested]
    return "[" + sep.join(parts) + "]"


def _body(a, indent):
    if a.device != "cpu":
        return f"<{a.size} elements on {a.device}>"
    nested = _gather(a, a.size > _THRESHOLD)
    if isinstance(nested, str):
        return nested
    return _render(nested, _width(nested), a.ndim, indent)


def array_repr(a):
    prefix = "Array("
    body = _body(a, len(prefix))
    extra = []
    if a.dtype.name not in _DEFAULT_DTYPES or not a.dtype.isnative or a.size == 0:
        extra.append(f"dtype={a.dtype.name if a.dtype.isnative else a.dtype.str}")
    if a.size == 0 and a.ndim != 1:
        extra.append(f"shape={a.shape}")
    if a.readonly:
        extra.append("readonly=True")
    return prefix + body + "".join(", " + e for e in extra) + ")"


def array_str(a):
    return _body(a, 0).replace(",", "") if a.ndim else _body(a, 0)
