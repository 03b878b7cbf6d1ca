"""Frames to arrays (issue 12's speed section): ndb.from_dataframe against torch.tensor(df.values),
pandas to_numpy + ascontiguousarray, pandas' own null handling and the one-pass floor, side by side in one
process. Prints each time (median of several runs), the ratio peer / ndbridge and the goal (`make bench`).
Run under the CPU lock on an idle machine; the numbers of one run go in the report, not in a test.
"""

from __future__ import annotations

import argparse
import statistics
import timeit

import numpy as np
import pandas as pd
import torch

import ndbridge as ndb
from bench import time_large  # the side-by-side benchmark's timer: warm once, median of runs


def per_call(fn, repeats=5):
    timer = timeit.Timer(fn)
    number, _ = timer.autorange()
    return statistics.median(t / number for t in timer.repeat(repeat=repeats, number=number))


def report(title, ours, peers, goals):
    print(f"\n{title}\n  ndbridge {ours * 1e3:9.2f} ms")
    for name, t in peers.items():
        ratio = t / ours
        goal = goals.get(name)
        verdict = "" if goal is None else (f"  goal >= {goal:g}x: " + ("met" if ratio >= goal else "NOT met"))
        print(f"  {name:<44} {t * 1e3:9.2f} ms   ratio {ratio:5.2f}x{verdict}")


def frames(rows, cols):
    rng = np.random.default_rng(0)
    one_block = pd.DataFrame(rng.standard_normal((rows, cols)), columns=[f"c{i}" for i in range(cols)])
    third = cols // 3
    three = {}
    for i in range(cols):
        kind = "i" if i < third else ("g" if i >= cols - third else "f")
        data = rng.standard_normal(rows)
        three[f"{kind}{i}"] = (data * 100).astype(np.int64) if kind == "i" else (
            data.astype(np.float32) if kind == "g" else data)
    nullable = {}
    for i in range(cols):
        data = rng.standard_normal(rows)
        na = rng.random(rows) < 0.05
        if i % 2:
            nullable[f"n{i}"] = pd.arrays.IntegerArray((data * 100).astype(np.int64), na)
        else:
            nullable[f"n{i}"] = pd.arrays.FloatingArray(data, na)
    return one_block, pd.DataFrame(three), pd.DataFrame(nullable)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=16)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.set_num_threads(2)
    one_block, three, nullable = frames(args.rows, args.cols)
    r = args.repeats
    print(f"frames: {args.rows} rows x {args.cols} columns, ndbridge threads {ndb.get_num_threads()}")

    floor_src = np.asfortranarray(np.asarray(one_block.to_numpy()))
    floor = time_large(lambda: ndb.asarray(floor_src, dtype="float32", order="C", copy=True), r)
    for title, df in (("1 block (float64)", one_block), ("3 blocks (int64, float64, float32)", three)):
        ours = time_large(lambda: ndb.from_dataframe(df, dtype="float32"), r)
        peers = {
            "torch.tensor(df.values, dtype=float32)": time_large(
                lambda: torch.tensor(df.values, dtype=torch.float32), r),
            "np.ascontiguousarray(df.to_numpy(float32))": time_large(
                lambda: np.ascontiguousarray(df.to_numpy(dtype=np.float32)), r),
            "one-pass floor (F float64 -> C float32)": floor,
        }
        report(f"{title} -> C float32", ours, peers,
               {"torch.tensor(df.values, dtype=float32)": 3, "np.ascontiguousarray(df.to_numpy(float32))": 2,
                "one-pass floor (F float64 -> C float32)": 1 / 1.3})

    ours = time_large(lambda: ndb.from_dataframe(nullable, dtype="float32", nulls="mask"), r)
    pandas_way = time_large(lambda: (nullable.to_numpy(dtype=np.float32, na_value=np.nan),
                                      nullable.isna().to_numpy()), r)
    report("nullable (Float64/Int64, 5% NA) -> float32 + mask", ours,
           {"pandas to_numpy(na_value=nan) + isna()": pandas_way}, {"pandas to_numpy(na_value=nan) + isna()": 3})

    wide = pd.DataFrame(np.zeros((1000, 256)))
    narrow = pd.DataFrame(np.zeros((1000, 1)))
    per_wide = per_call(lambda: ndb.from_dataframe(wide, order="K"))
    per_one = per_call(lambda: ndb.from_dataframe(narrow, order="K"))
    series = pd.Series(np.zeros(1000))
    print(f"\nzero-copy: 1-column frame {per_one * 1e6:.2f} us, 256-column block {per_wide * 1e6:.2f} us "
          f"({per_wide / 256 * 1e6:.3f} us per column; goal <= 2 us), Series {per_call(lambda: ndb.asarray(series)) * 1e6:.2f} us"
          f", torch.from_numpy(series.values) {per_call(lambda: torch.from_numpy(series.values)) * 1e6:.2f} us")


if __name__ == "__main__":
    main()
