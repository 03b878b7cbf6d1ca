"""ndbridge::ArrayLike against nanobind's own nb::ndarray caster, on the same call in one process.

Needs the example extension (`make test-cpp-extension` builds it into build/cpp-extension/site). Both
functions of a pair do the same thing (return the element count), so the time is the argument's
conversion. Prints one table of per-call times and ratios; the issue's targets are: zero-copy NumPy and
torch within 1.5x of nb::ndarray, and a 1e6-float list at least 4x faster than numpy.asarray + nb::ndarray.
"""
import pathlib
import sys
import timeit

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "build" / "cpp-extension" / "site"))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import ndbridge_example as ex  # noqa: E402


def best_per_call(fn, number, repeat=7):
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number


def main():
    a = np.arange(1000, dtype=np.float32)
    t = torch.arange(1000, dtype=torch.float32)
    values = [float(i) for i in range(1_000_000)]
    assert ex.size_arraylike(a) == ex.size_ndarray(a) == 1000
    rows = [
        ("NumPy float32 (1000,), shared", lambda: ex.size_arraylike(a), lambda: ex.size_ndarray(a), 200_000,
         "<= 1.5"),
        ("torch float32 (1000,), shared", lambda: ex.size_arraylike(t), lambda: ex.size_ndarray(t), 200_000,
         "<= 1.5"),
        ("list of 1e6 floats", lambda: ex.size_arraylike(values),
         lambda: ex.size_ndarray(np.asarray(values, dtype=np.float32)), 3, "<= 0.25"),
    ]
    print(f"{'input':34} {'ArrayLike':>12} {'nb::ndarray':>12} {'ratio':>7}  target")
    for label, ours, theirs, number, target in rows:
        t_ours = best_per_call(ours, number)
        t_theirs = best_per_call(theirs, number)
        unit, scale = ("us", 1e6) if t_theirs < 1e-3 else ("ms", 1e3)
        print(f"{label:34} {t_ours * scale:10.3f}{unit} {t_theirs * scale:10.3f}{unit} {t_ours / t_theirs:7.2f}  {target}")


if __name__ == "__main__":
    main()
