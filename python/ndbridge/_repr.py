"""NumPy-like repr/str of ndb.Array: nested brackets, aligned columns, summarised when large."""
import struct

_THRESHOLD = 1000   # arrays with more elements are summarised, as NumPy does
_EDGE = 3           # items kept at each end of a summarised axis
_PRECISION = 8        # fractional digits printed at most, as NumPy
_DEFAULT_DTYPES = {"float64", "int64", "bool", "complex128"}


def _round_f32(v):
    return struct.unpack("f", struct.pack("f", v))[0]


def _round_bf16(v):
    bits = struct.unpack("I", struct.pack("f", v))[0]
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return struct.unpack("f", struct.pack("I", (bits & 0xFFFF) << 16))[0]


# How to round a double to each narrow float type, so that an element prints with the fewest digits
# that read back as the same element (as NumPy prints float32 0.1 as 0.1, not 0.10000000149011612).
_ROUNDERS = {
    "float32": _round_f32, "complex64": _round_f32,
    "float16": lambda v: struct.unpack("e", struct.pack("e", v))[0],
    "bfloat16": _round_bf16,
}


def _shortest(v, kind, scientific):
    rounder = _ROUNDERS.get(kind)
    if rounder is None or kind.startswith("float8"):
        text = f"{v:.17g}" if rounder is None else f"{v:.4g}"
        if rounder is None:
            text = repr(v)
    else:
        for digits in range(1, 18):
            text = f"{v:.{digits}g}"
            if rounder(float(text)) == v:
                break
    if scientific:
        mant, _, exp = f"{float(text):e}".partition("e")
        mant = mant.rstrip("0")
        return f"{mant}e{exp}"
    if "e" in text:
        text = f"{float(text):f}".rstrip("0")
    whole, _, frac = text.partition(".")
    if len(frac) > _PRECISION:  # NumPy's default print precision: 8 fractional digits
        text = f"{float(text):.{_PRECISION}f}".rstrip("0")
    return text


def _format_float(v, kind="float64", scientific=False):
    if v != v:
        return "nan"
    if v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    if not scientific and v == int(v) and abs(v) < 1e16:
        return f"{int(v)}."
    return _shortest(v, kind, scientific)


def _format_item(v, kind="float64", scientific=False):
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, float):
        return _format_float(v, kind, scientific)
    if isinstance(v, complex):
        sign = "+" if v.imag >= 0 or v.imag != v.imag else "-"
        return f"{_format_float(v.real, kind, scientific)}{sign}{_format_float(abs(v.imag), kind, scientific)}j"
    if v is None:
        return "'NaT'"
    return repr(v) if isinstance(v, (str, bytes)) else (f"'{v}'" if not isinstance(v, int) else str(v))


def _gather(a, summarise, fmt):
    """Nested lists of formatted strings; '...' marks elided items."""
    if a.ndim == 0:
        return fmt(a.item())
    n = a.shape[0]
    if summarise and n > 2 * _EDGE:
        idx = list(range(_EDGE)) + [None] + list(range(n - _EDGE, n))
    else:
        idx = range(n)
    return [("..." if i is None else _gather(a[i, ...], summarise, fmt)) for i in idx]


def _values(nested):
    if not isinstance(nested, list):
        yield nested
        return
    for x in nested:
        yield from _values(x)


def _formatter(a, summarise):
    """NumPy's choice for floats: scientific for all elements when the magnitudes span too much."""
    kind = a.dtype.name
    scientific = False
    if a.dtype.kind in "fcV":
        mags = []
        for v in _values(_gather(a, summarise, lambda v: v)):
            for part in ((v.real, v.imag) if isinstance(v, complex) else (v,)):
                if isinstance(part, float) and part == part and abs(part) not in (0.0, float("inf")):
                    mags.append(abs(part))
        if mags and (max(mags) >= 1e16 or min(mags) < 1e-4 or max(mags) / min(mags) > 1e3):
            scientific = True
    return lambda v: _format_item(v, kind, scientific)


def _align_points(nested):
    """Pads plain decimals so their points line up ('1. ', '2.5'), as NumPy aligns float columns."""
    leaves = [v for v in _values(nested) if "." in v and "e" not in v and not v.startswith("'") and "j" not in v]
    if not leaves:
        return nested
    frac_width = max(len(v.partition(".")[2]) for v in leaves)

    def pad(v):
        if isinstance(v, list):
            return [pad(x) for x in v]
        return v + " " * (frac_width - len(v.partition(".")[2])) if v in leaves else v

    return pad(nested)


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
    summarise = a.size > _THRESHOLD
    nested = _gather(a, summarise, _formatter(a, summarise))
    if a.dtype.kind in "fV" and isinstance(nested, list):
        nested = _align_points(nested)
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
