"""Runs one fixed set of conversions twice, in two fresh processes: with the vector cast loops and with
NDBRIDGE_DISABLE_SIMD=1, and fails unless both give the same bytes (and the same refusals). The set: every
cast between the numeric dtypes from contiguous, strided and transposed sources, C and Fortran copies, and
nested lists read into each float type. `make test-wheel` runs it against the installed wheel."""
import hashlib
import json
import os
import subprocess
import sys

NUMERIC = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16", "bfloat16",
           "float32", "float64", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128"]


def _source(np, ml_dtypes, name, seed):
    """Random bit patterns (every NaN payload, subnormal and infinity included) plus the awkward specials."""
    dt = np.dtype(getattr(ml_dtypes, name)) if name in ("bfloat16", "float8_e4m3fn", "float8_e5m2") else np.dtype(name)
    rng = np.random.default_rng(seed)
    raw = rng.integers(0, 256, size=2003 * dt.itemsize, dtype=np.uint8)
    if dt.kind == "b":
        raw = raw % 2
    a = raw.view(dt).copy()
    if dt.kind in "fc" or name in ("bfloat16", "float8_e4m3fn", "float8_e5m2"):
        specials = np.array([np.nan, -np.inf, np.inf, -0.0, 65520.0, 1e-8, 3.0e38, -2.5, 0.5, 448.0, 57344.0])
        with np.errstate(all="ignore"):
            a[:specials.size] = specials.astype(dt)
    return a


def _digest(np, value):
    a = np.asarray(value)
    return f"{a.dtype.str}{a.shape}:" + hashlib.sha256(a.tobytes()).hexdigest()[:24]


def child():
    """Prints {label: digest} for every conversion, and whether the vector loops were on."""
    import warnings

    import ml_dtypes
    import numpy as np

    import ndbridge as ndb

    warnings.simplefilter("ignore")  # float -> int casts of NaN warn; the bytes are what is compared
    out = {}

    def record(label, make):
        try:
            out[label] = _digest(np, make())
        except Exception as e:  # a refusal must be the same refusal on both paths
            out[label] = f"{type(e).__name__}: {e}"

    for i, src in enumerate(NUMERIC):
        flat = _source(np, ml_dtypes, src, seed=i)
        square = flat[:1998].reshape(37, 54)
        for dst in NUMERIC:
            record(f"{src}->{dst} contiguous", lambda: ndb.asarray(flat).astype(dst))
            record(f"{src}->{dst} strided", lambda: ndb.asarray(flat[1::3]).astype(dst))
            record(f"{src}->{dst} transposed C copy", lambda: ndb.asarray(square.T, dtype=dst, order="C"))
            record(f"{src}->{dst} Fortran copy", lambda: ndb.asarray(square, dtype=dst, order="F"))
    values = np.random.default_rng(99).standard_normal(3001) * 1e4
    nested = [[float(v) for v in values[r * 300:(r + 1) * 300]] for r in range(10)]
    for dst in ("float16", "bfloat16", "float32", "float64", "float8_e4m3fn", "float8_e5m2"):
        record(f"list->{dst}", lambda: ndb.asarray([float(v) for v in values], dtype=dst))
        record(f"nested list->{dst}", lambda: ndb.asarray(nested, dtype=dst))
    print(json.dumps({"simd": bool(ndb._core._simd_enabled()), "results": out}))


def run(disable):
    env = {k: v for k, v in os.environ.items() if k != "NDBRIDGE_DISABLE_SIMD"}
    if disable:
        env["NDBRIDGE_DISABLE_SIMD"] = "1"
    done = subprocess.run([sys.executable, __file__, "--child"], env=env, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"simd_compare: the {'SIMD-off' if disable else 'SIMD'} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout)


def main():
    vector, scalar = run(disable=False), run(disable=True)
    if scalar["simd"]:
        sys.exit("simd_compare: NDBRIDGE_DISABLE_SIMD=1 left the vector loops on")
    if not vector["simd"]:
        print("simd_compare: this CPU lacks AVX2/F16C/FMA, both runs used the portable loops (nothing to compare)")
    differ = [k for k in vector["results"] if vector["results"][k] != scalar["results"].get(k)]
    refused = sum(v[0] not in "<>|=" for v in vector["results"].values())  # digests start with a dtype.str
    print(f"simd_compare: {len(vector['results'])} conversions ({refused} refused alike on both paths), vector loops "
          f"{'on' if vector['simd'] else 'off'} vs NDBRIDGE_DISABLE_SIMD=1: {len(differ)} differ")
    for k in differ[:20]:
        print(f"  {k}: {vector['results'][k]} vs {scalar['results'].get(k)}")
    sys.exit(1 if differ or set(vector["results"]) != set(scalar["results"]) else 0)


if __name__ == "__main__":
    child() if sys.argv[1:] == ["--child"] else main()
