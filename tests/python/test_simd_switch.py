"""NDBRIDGE_DISABLE_SIMD=1 forces the portable cast loops; both paths give the same bytes for the casts
that have vector loops (tests/cpp/test_simd.cpp checks every bit pattern; this checks the switch end to
end through the package, in a child process that starts with the variable set)."""

import os
import subprocess
import sys

import ml_dtypes
import numpy as np

import ndbridge as ndb

CASTS = [("float32", "float16"), ("float64", "float16"), ("float16", "float32"), ("float16", "float64"),
         ("float32", "bfloat16"), ("bfloat16", "float32"), ("float32", "float8_e4m3fn"), ("float32", "float8_e5m2"),
         ("float8_e4m3fn", "float32"), ("float8_e5m2", "float32"), ("float64", "float32"), ("float32", "float64"),
         ("uint8", "float32"), ("int32", "float64"), ("int64", "float64"), ("float32", "int32"), ("float64", "int32")]

# Builds the same sources in either process: random bit patterns plus specials, 1001 elements (odd tail).
SCRIPT = r"""
import sys, numpy as np, ml_dtypes, ndbridge as ndb
ML = {"bfloat16": ml_dtypes.bfloat16, "float8_e4m3fn": ml_dtypes.float8_e4m3fn, "float8_e5m2": ml_dtypes.float8_e5m2}
def source(name):
    dt = np.dtype(ML.get(name, name))
    rng = np.random.default_rng(3)
    raw = rng.integers(0, 256, size=1001 * dt.itemsize, dtype=np.uint8).view(dt).copy()
    if dt.kind == "f":
        raw[:6] = np.array([np.nan, -np.inf, np.inf, -0.0, 65520.0, 1e-8]).astype(dt)
    return raw
out = []
for src, dst in CASTS:
    got = np.asarray(ndb.asarray(source(src)).astype(dst))
    out.append(got.tobytes().hex())
print("\n".join(out))
"""


def run(env_value):
    env = dict(os.environ)
    env.pop("NDBRIDGE_DISABLE_SIMD", None)
    if env_value is not None:
        env["NDBRIDGE_DISABLE_SIMD"] = env_value
    code = f"CASTS = {CASTS!r}\n" + SCRIPT
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return done.stdout.split()


def test_disabled_simd_gives_the_same_bytes_as_the_vector_loops():
    vector, scalar = run(None), run("1")
    assert len(vector) == len(CASTS) == len(scalar)
    for (src, dst), v, s in zip(CASTS, vector, scalar):
        assert v == s, f"{src} -> {dst}: vector and scalar loops differ"


def test_float32_to_float16_equals_numpy_on_the_default_path():
    a = np.random.default_rng(5).standard_normal(1003).astype(np.float32) * 1e4
    assert np.asarray(ndb.asarray(a).astype("float16")).tobytes() == a.astype(np.float16).tobytes()
    b = a.astype(np.float16)
    assert np.asarray(ndb.asarray(b).astype("float32")).tobytes() == b.astype(np.float32).tobytes()
    assert np.asarray(ndb.asarray(a).astype("bfloat16")).view(np.uint16).tobytes() == \
        a.astype(ml_dtypes.bfloat16).view(np.uint16).tobytes()
