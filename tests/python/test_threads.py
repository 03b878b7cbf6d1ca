"""The copy engine's thread count from Python: ndb.set_num_threads / get_num_threads, the
NDBRIDGE_NUM_THREADS environment variable (read in a fresh process), and large copies that equal NumPy's
with one thread and with two."""
import os
import subprocess
import sys

import numpy as np
import pytest

import ndbridge as ndb


@pytest.fixture
def restore_threads():
    saved = ndb.get_num_threads()
    yield
    ndb.set_num_threads(saved)


def _large_sources():
    """Sources big enough (tens of MiB moved) that a copy is split across threads."""
    rng = np.random.default_rng(9)
    f64 = rng.standard_normal((1024, 1536))
    u8 = rng.integers(0, 256, size=(2048, 3000), dtype=np.uint8)
    return [
        ("f64 contiguous", f64, None),
        ("f64 to f32", f64, np.float32),
        ("f64 transposed", f64.T, None),
        ("f64 reversed columns to f32", f64[:, ::-1], np.float32),
        ("u8 to f32", u8, np.float32),
        ("u8 strided to f64", u8[::2, 1::3], np.float64),
        ("f64 byte-swapped", f64.astype(">f8"), np.float64),
    ]


@pytest.mark.parametrize("threads", [1, 2])
def test_large_copies_equal_numpy_with_one_and_two_threads(restore_threads, threads):
    ndb.set_num_threads(threads)
    assert ndb.get_num_threads() == threads
    for name, src, dtype in _large_sources():
        expected = np.array(src, dtype=dtype, copy=True)
        got = np.asarray(ndb.asarray(src, dtype=dtype, copy=True))
        assert got.dtype == expected.dtype, name
        assert np.array_equal(got, expected), name
        c_order = np.asarray(ndb.asarray(src, dtype=dtype, copy=True, order="C"))
        assert c_order.flags.c_contiguous and np.array_equal(c_order, expected), name


@pytest.mark.parametrize("bad", [0, -1, -2**40, 10**6])
def test_bad_thread_counts_raise_value_error_naming_the_value(restore_threads, bad):
    before = ndb.get_num_threads()
    with pytest.raises(ValueError, match=str(bad)):
        ndb.set_num_threads(bad)
    assert ndb.get_num_threads() == before


def test_thread_count_must_be_an_integer(restore_threads):
    with pytest.raises(TypeError):
        ndb.set_num_threads(1.5)


def _in_fresh_process(code, env_value):
    env = dict(os.environ)
    env.pop("NDBRIDGE_NUM_THREADS", None)
    if env_value is not None:
        env["NDBRIDGE_NUM_THREADS"] = env_value
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)


def test_environment_variable_sets_the_count_at_first_use():
    code = ("import numpy as np, ndbridge as ndb\n"
            "a = np.arange(3_000_000, dtype=np.float64)\n"
            "assert np.array_equal(np.asarray(ndb.asarray(a, dtype=np.float32)), a.astype(np.float32))\n"
            "print(ndb.get_num_threads())")
    assert _in_fresh_process(code, "3").stdout.strip() == "3"
    assert _in_fresh_process(code, "1").stdout.strip() == "1"
    default = _in_fresh_process(code, None)
    assert default.stdout.strip() == str(len(os.sched_getaffinity(0)))


def test_bad_environment_value_is_a_value_error_naming_it():
    code = ("import ndbridge as ndb\n"
            "try:\n"
            "    ndb.get_num_threads()\n"
            "except ValueError as e:\n"
            "    print('ValueError:', e)\n")
    for bad in ["zero", "0", "-3", "2x"]:
        out = _in_fresh_process(code, bad).stdout
        assert out.startswith("ValueError:") and f"'{bad}'" in out, (bad, out)
