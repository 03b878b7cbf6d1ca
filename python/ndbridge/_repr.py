"""NumPy-like repr/str of ndb.Array: nested brackets, aligned columns, summarised when large.

The one Python module that adds methods to ndb.Array (everything else is defined with the class in C++).
"""
import decimal
import math
import struct

from ._core import Array, dtype

_THRESHOLD = 1000   # arrays with more elements are summarised, as NumPy does
_EDGE = 3           # items kept at each end of a summarised axis
_PRECISION = 8        # fractional digits printed at most, as NumPy
_LINEWIDTH = 75       # characters per line before NumPy wraps
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


# ---- datetime64 / timedelta64: printed from their raw int64 counts, as NumPy prints them
_NAT = -2 ** 63
_TICKS_PER_DAY = {"h": 24, "m": 24 * 60, "s": 86400, "ms": 86400 * 10 ** 3, "us": 86400 * 10 ** 6,
                  "ns": 86400 * 10 ** 9, "ps": 86400 * 10 ** 12, "fs": 86400 * 10 ** 15, "as": 86400 * 10 ** 18}
_FRACTION_DIGITS = {"ms": 3, "us": 6, "ns": 9, "ps": 12, "fs": 15, "as": 18}
_UNIT_WORDS = {"Y": "years", "M": "months", "W": "weeks", "D": "days", "h": "hours", "m": "minutes",
               "s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds",
               "ps": "picoseconds", "fs": "femtoseconds", "as": "attoseconds"}


def _civil_date(days):
    """(year, month, day) of a day count from 1970-01-01 in the proleptic Gregorian calendar, any year."""
    shifted = days + 719468  # days from 0000-03-01, so that leap days end each 4-, 100- and 400-year cycle
    era, day_of_era = divmod(shifted, 146097)
    year_of_era = (day_of_era - day_of_era // 1460 + day_of_era // 36524 - day_of_era // 146096) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    month_from_march = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * month_from_march + 2) // 5 + 1
    month = month_from_march + 3 if month_from_march < 10 else month_from_march - 9
    return year_of_era + 400 * era + (month <= 2), month, day


def _iso_datetime(count, unit):
    """NumPy's ISO 8601 text of a datetime64 count: as many fields as the unit has."""
    if count == _NAT:
        return "NaT"
    if unit == "Y":
        return f"{1970 + count:04d}"
    if unit == "M":
        years, month = divmod(count, 12)
        return f"{1970 + years:04d}-{month + 1:02d}"
    days, ticks = (count * 7, 0) if unit == "W" else (count, 0) if unit == "D" else divmod(count, _TICKS_PER_DAY[unit])
    year, month, day = _civil_date(days)
    text = f"{year:04d}-{month:02d}-{day:02d}"
    if unit in ("W", "D"):
        return text
    per_second = _TICKS_PER_DAY[unit] // 86400 if unit not in ("h", "m") else 1
    seconds, fraction = divmod(ticks, per_second) if unit not in ("h", "m") else (ticks * (3600 if unit == "h" else 60), 0)
    text += f"T{seconds // 3600:02d}"
    if unit != "h":
        text += f":{seconds // 60 % 60:02d}"
    if unit not in ("h", "m"):
        text += f":{seconds % 60:02d}"
    if unit in _FRACTION_DIGITS:
        text += f".{fraction:0{_FRACTION_DIGITS[unit]}d}"
    return text


def _raw_counts(a):
    """The int64 counts under a datetime64/timedelta64 array (same memory, same byte order)."""
    return a.view(dtype(a.dtype.str[0] + "i8"))


def _shortest_text(v, kind):
    """The fewest significant digits that read back as v in its own type (float32 0.1 is '0.1')."""
    rounder = _ROUNDERS.get(kind)
    if rounder is None:
        return repr(v)
    for digits in range(1, 18):
        text = f"{v:.{digits}g}"
        if rounder(float(text)) == v:
            return text
    return repr(v)


def _split(v, kind, scientific, plus):
    """(sign and integer part, fraction digits, exponent text or '') of a finite v, at NumPy's precision."""
    sign = "-" if math.copysign(1.0, v) < 0 else ("+" if plus else "")
    v = abs(v)
    if scientific:
        digits = decimal.Decimal(_shortest_text(v, kind)).normalize().as_tuple()
        significant = "".join(map(str, digits.digits)) if v else "0"
        if len(significant) - 1 > _PRECISION:  # more digits than NumPy prints: round the exact value
            mantissa, _, exponent = f"{v:.{_PRECISION}e}".partition("e")
            whole, _, fraction = mantissa.partition(".")
            return sign + whole, fraction.rstrip("0"), f"{int(exponent):+03d}"
        exponent = len(significant) - 1 + digits.exponent if v else 0
        return sign + significant[0], significant[1:], f"{exponent:+03d}"
    text = _shortest_text(v, kind)
    if "e" in text or len(text.partition(".")[2]) > _PRECISION:
        text = f"{v:.{_PRECISION}f}"
    whole, _, fraction = text.partition(".")
    return sign + whole, fraction.rstrip("0"), ""


# Decimal digits each float type holds (NumPy's finfo().precision): large values print in scientific
# notation from 10**min(8, digits) on, as NumPy's do.
_DECIMAL_DIGITS = {"float16": 3, "float32": 6, "complex64": 6, "float64": 15, "complex128": 15}


def _float_column(values, kind, plus=False):
    """NumPy's float formatter for one column of values (an array, or the real or imaginary parts of a
    complex array): scientific for all when the magnitudes need it, points aligned, nan/inf right-aligned."""
    finite = [v for v in values if math.isfinite(v)]
    magnitudes = [abs(v) for v in finite if v != 0]
    large = 10.0 ** min(8, _DECIMAL_DIGITS.get(kind, 18))
    scientific = bool(magnitudes) and (max(magnitudes) >= large or min(magnitudes) < 1e-4 or
                                       max(magnitudes) / min(magnitudes) > 1e3)
    parts = [_split(v, kind, scientific, plus) for v in finite]
    pad_left = max((len(whole) for whole, _, _ in parts), default=0)
    fraction_width = max((len(fraction) for _, fraction, _ in parts), default=0)
    exponent_digits = max((len(exponent) - 1 for _, _, exponent in parts), default=0)
    pad_right = exponent_digits + 2 + fraction_width if scientific else fraction_width
    if len(finite) != len(values):  # room for nan and inf (with their sign)
        negative_inf = plus or any(v == -math.inf for v in values)
        pad_left = max(pad_left, 3 - (pad_right + 1), 3 + negative_inf - (pad_right + 1))

    def fmt(v):
        if not math.isfinite(v):
            sign = ("-" if v < 0 else "+" if plus else "") if v == v else ("+" if plus else "")
            return (sign + ("nan" if v != v else "inf")).rjust(pad_left + pad_right + 1)
        if scientific:  # every mantissa gets the widest one's digits, read from the exact value
            sign = "-" if math.copysign(1.0, v) < 0 else ("+" if plus else "")
            mantissa, _, exponent = f"{abs(v):.{fraction_width}e}".partition("e")
            whole, _, fraction = mantissa.partition(".")
            return ((sign + whole).rjust(pad_left) + "." + fraction + "e" + exponent[0] +
                    exponent[1:].rjust(exponent_digits, "0"))
        whole, fraction, _ = _split(v, kind, scientific, plus)
        return whole.rjust(pad_left) + "." + fraction.ljust(pad_right)

    return fmt


def _complex_column(values, kind):
    """NumPy's complex formatter: real and imaginary parts formatted as two columns, 'j' after the digits."""
    real = _float_column([v.real for v in values], kind)
    imag = _float_column([v.imag for v in values], kind, plus=True)

    def fmt(v):
        i = imag(v.imag)
        digits = len(i.rstrip())
        return real(v.real) + i[:digits] + "j" + i[digits:]

    return fmt


def _format_item(v):
    if isinstance(v, bool):
        return "True" if v else "False"
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
    """The function that formats one element of `a`, chosen from all the elements shown, as NumPy's is."""
    kind = a.dtype.name
    if a.dtype.kind == "M":
        unit = a.dtype.unit
        return lambda count: f"'{_iso_datetime(count, unit)}'"
    if a.dtype.kind == "m":
        return lambda count: "'NaT'" if count == _NAT else str(count)
    if a.dtype.kind == "V":
        return lambda v: f"{v:g}"  # ml_dtypes' spelling of bfloat16/float8 elements: %g, no padding
    if a.dtype.kind == "b" and a.ndim:
        return lambda v: " True" if v else "False"  # NumPy pads True in arrays (not 0-d) even when alone
    if a.dtype.kind in "fc":
        values = [v for v in _values(_gather(a, summarise, lambda v: v)) if v != "..."]
        return (_float_column if a.dtype.kind == "f" else _complex_column)(values, kind)
    return _format_item


def _width(nested):
    if isinstance(nested, str):
        return len(nested)
    return max((_width(x) for x in nested), default=0)


def _pad(nested, width):
    if isinstance(nested, str):
        return nested if nested == "..." else nested.rjust(width)
    return [_pad(x, width) for x in nested]


def _extend_line(s, line, word, width, hanging):
    # NumPy wraps before a word that would pass `width`, unless the line holds nothing but the indent.
    if len(line) + len(word) > width and len(line) > len(hanging):
        s += line.rstrip() + "\n"
        line = hanging
    return s, line + word


def _render(nested, axes_left, hanging, width, sep):
    """NumPy's _formatArray on formatted items: rows wrap at `width`, outer axes separate rows by newlines."""
    s = ""
    if axes_left == 1:
        line = hanging
        for i, word in enumerate(nested):
            s, line = _extend_line(s, line, word, width - max(len(sep.rstrip()), 1), hanging)
            if i + 1 < len(nested):
                line += sep
        s += line
    else:
        line_sep = sep.rstrip() + "\n" * (axes_left - 1)
        s = line_sep.join(hanging + (x if x == "..." else _render(x, axes_left - 1, hanging + " ", width - 1, sep))
                          for x in nested)
    return "[" + s[len(hanging):] + "]"


def _body(a, prefix, width, sep):
    if a.device != "cpu":
        return f"<{a.size} elements on {a.device}>"
    if a.size == 0:
        return "[]"  # NumPy prints every empty array so; the shape goes into the repr's extras
    summarise = a.size > _THRESHOLD
    elements = _raw_counts(a) if a.dtype.kind in "Mm" else a
    nested = _gather(elements, summarise, _formatter(a, summarise))
    if isinstance(nested, str):
        return nested
    if a.dtype.kind not in "SUV":  # NumPy pads numbers and times to one width, not strings or ml_dtypes' items
        nested = _pad(nested, _width(nested))
    return _render(nested, a.ndim, " " * (len(prefix) + 1), width, sep)


def _dtype_repr(d):
    """NumPy's short dtype repr: a bare name when alphanumeric, else quoted; typestrs for strings and byte order."""
    if d.kind in "SU" or not d.isnative:
        return repr(d.str)
    return d.name if d.name.isalnum() else repr(d.name)


def array_repr(a):
    prefix = "Array("
    body = _body(a, prefix, _LINEWIDTH - len(")"), ", ")
    extra = []
    if (a.size == 0 and a.ndim != 1) or a.size > _THRESHOLD:
        extra.append(f"shape={a.shape}")
    if a.dtype.name not in _DEFAULT_DTYPES or not a.dtype.isnative or a.size == 0:
        extra.append(f"dtype={_dtype_repr(a.dtype)}")
    if a.readonly:
        extra.append("readonly=True")
    if not extra:
        return prefix + body + ")"
    # The extras go on a line of their own when they would pass the line width, as NumPy's do.
    head = prefix + body + ","
    tail = ", ".join(extra) + ")"
    last_line = len(head) - (head.rfind("\n") + 1)
    spacer = "\n" + " " * len(prefix) if last_line + len(tail) + 1 > _LINEWIDTH else " "
    return head + spacer + tail


def _scalar_str(a):
    """str of a 0-d array is its element's str, as NumPy's: '-0.0', float32 0.1 as '0.1', NaT as 'NaT'."""
    if a.dtype.kind in "MmV":
        count = _raw_counts(a).item() if a.dtype.kind in "Mm" else a.item()
        if a.dtype.kind == "V":
            return f"{count:g}"
        if a.dtype.kind == "M" or count == _NAT:
            return _iso_datetime(count, a.dtype.unit)
        return f"{count} {_UNIT_WORDS.get(a.dtype.unit, 'generic time units')}"
    v = a.item()
    rounder = _ROUNDERS.get(a.dtype.name)
    if isinstance(v, float) and rounder is not None and v == v and abs(v) != float("inf"):
        v = float(next(t for t in (f"{v:.{d}g}" for d in range(1, 18)) if rounder(float(t)) == v))
    return str(v)


def array_str(a):
    if a.ndim == 0 and a.device == "cpu":
        return _scalar_str(a)
    return _body(a, "", _LINEWIDTH, " ")


Array.__repr__ = array_repr
Array.__str__ = array_str
