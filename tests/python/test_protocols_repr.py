"""repr and str of ndb.Array equal NumPy's (with 'Array(' for 'array(') for datetime64, timedelta64 and
ml_dtypes' bfloat16/float8, over many values, units, shapes and byte orders."""
import ml_dtypes
import numpy as np
import pytest

import ndbridge as ndb

UNITS = ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as"]
SHAPES = [(), (1,), (5,), (2, 3), (2, 2, 2), (0,), (2, 0), (1100,)]


def dates(unit, shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    span = {"Y": 400, "M": 5000, "W": 20000}.get(unit, 10 ** 6 if unit in ("D", "h", "m") else 10 ** 12)
    counts = rng.integers(-span, span, size=n)
    if n > 2:
        counts[1] = np.iinfo(np.int64).min  # NaT
    return counts.reshape(shape)


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("unit", UNITS)
@pytest.mark.parametrize("kind", ["M8", "m8"])
def test_time_repr_and_str_equal_numpy(kind, unit, shape):
    a = dates(unit, shape, seed=len(unit) + len(shape)).view(f"{kind}[{unit}]")
    x = ndb.asarray(a)
    assert repr(x) == repr(a).replace("array(", "Array(")
    assert str(x) == str(a)


@pytest.mark.parametrize("spec", [">M8[s]", ">m8[ms]", "M8", "m8"])
def test_time_repr_with_byte_order_and_generic_units(spec):
    a = np.array([1, 2, np.iinfo(np.int64).min], dtype=np.int64).astype(spec[0] + "i8").view(spec) \
        if "[" in spec else np.array(["NaT", "NaT"], dtype=spec)
    assert repr(ndb.asarray(a)) == repr(a).replace("array(", "Array(")


def test_years_outside_four_digits_print_as_numpy():
    a = np.array(["-0001-01-01", "0500-03-04", "10000-01-01", "1969-12-31"], dtype="M8[D]")
    assert repr(ndb.asarray(a)) == repr(a).replace("array(", "Array(")


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("t", [ml_dtypes.bfloat16, ml_dtypes.float8_e4m3fn, ml_dtypes.float8_e5m2],
                         ids=lambda t: t.__name__)
def test_ml_dtypes_repr_and_str_equal_numpy(t, shape):
    rng = np.random.default_rng(len(shape))
    values = rng.standard_normal(int(np.prod(shape))) * 10.0 ** rng.integers(-3, 4, size=int(np.prod(shape)))
    if values.size > 3:
        values[:3] = [np.nan, -0.0, np.inf]
    a = values.astype(t).reshape(shape)
    x = ndb.asarray(a)
    assert repr(x) == repr(a).replace("array(", "Array(")
    assert str(x) == str(a)


FLOATS = ["float16", "float32", "float64", "complex64", "complex128"]


def random_values(dtype, shape, seed):
    rng = np.random.default_rng(seed)
    n = int(np.prod(shape))
    scale = 10.0 ** rng.integers(-6, 10)  # one spread per array: plain, scientific, and in between
    parts = [rng.standard_normal(n) * scale * 10.0 ** rng.integers(-2, 3, size=n) for _ in range(2)]
    values = parts[0] + 1j * parts[1] if dtype.startswith("complex") else parts[0]
    if seed % 3 == 0:
        values = np.round(values)  # integral values print with a bare point
    if seed % 5 == 0 and n > 4:
        values[:4] = [np.nan, np.inf, -np.inf, -0.0]
    with np.errstate(over="ignore"):
        return values.astype(dtype).reshape(shape)


@pytest.mark.parametrize("seed", range(40))
@pytest.mark.parametrize("dtype", FLOATS)
def test_float_and_complex_repr_equal_numpy_over_random_values(dtype, seed):
    shape = [(), (1,), (7,), (3, 4), (2, 2, 3), (1200,)][seed % 6]
    a = random_values(dtype, shape, seed)
    x = ndb.asarray(a)
    assert repr(x) == repr(a).replace("array(", "Array(")
    if a.ndim:
        assert str(x) == str(a)
