"""Dask array -> one C float32 array: ndb.asarray against da.store into a preallocated NumPy output and against
x.astype("float32").compute(), timed side by side in one process (median of repeats), with the peak resident
memory of each above its starting point, sampled while it runs; then the same values as a Dask DataFrame.
Run: python bench/bench_dask.py
"""
import argparse
import gc
import os
import statistics
import sys
import threading
import time

import dask
import dask.array as da
import numpy as np

import ndbridge as ndb

PAGE = 4096


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


class PeakRss:
    """The highest RSS seen while the block runs, sampled by a thread (the copies release the GIL)."""

    def __enter__(self):
        gc.collect()
        self.start = self.peak = rss_bytes()
        self._running = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self):
        while self._running:
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.0005)

    def __exit__(self, *exc):
        self._running = False
        self._thread.join()
        self.peak = max(self.peak, rss_bytes())
        self.grown = self.peak - self.start


def store_into_numpy(x):
    out = np.empty(x.shape, dtype=np.float32)
    da.store(x, out, lock=False)
    return out


def main():
    # glibc keeps freed blocks below its (self-raising) mmap threshold in the heap, where RSS cannot see
    # them come and go; a fixed threshold maps every large block on its own, so RSS tracks each one. The
    # core's cache of freed large blocks is off for the same reason: a peak above the start must count
    # what a conversion needs, not blocks an earlier one left for reuse.
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        os.execve(sys.executable, [sys.executable, *sys.argv],
                  {**os.environ, "MALLOC_MMAP_THRESHOLD_": "262144", "NDBRIDGE_CACHE_MB": "0"})
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--cols", type=int, default=16)
    parser.add_argument("--blocks", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()

    source = np.random.default_rng(0).standard_normal((args.rows, args.cols))
    rows_per_block = -(-args.rows // args.blocks)
    stored = da.from_array(source, chunks=(rows_per_block, args.cols))
    # Blocks made by a task (as when read from files), each a new float64 block in memory until written.
    computed = stored * 1.0
    block_bytes = rows_per_block * args.cols * 8
    output_bytes = args.rows * args.cols * 4

    ways = {
        "ndb.asarray(x, dtype='float32')": lambda x: ndb.asarray(x, dtype="float32"),
        "da.store into np.empty": store_into_numpy,
        "x.astype('float32').compute()": lambda x: x.astype("float32").compute(),
    }
    expected = source.astype(np.float32)
    for function in ways.values():  # warm up, and check that every way gives the same values
        assert np.array_equal(np.asarray(function(stored)), expected)

    print(f"{args.rows}x{args.cols} float64 in {args.blocks} blocks -> C float32; scheduler: threads, "
          f"{dask.system.CPU_COUNT} cores; median of {args.repeat}")
    print(f"output {output_bytes / 2**20:.0f} MiB, one float64 block {block_bytes / 2**20:.0f} MiB")
    # Round-robin, so that whatever else the machine does falls on every way alike.
    times = {name: [] for name in ways}
    for _ in range(args.repeat):
        for name, function in ways.items():
            gc.collect()
            t0 = time.perf_counter()
            result = function(stored)
            times[name].append(time.perf_counter() - t0)
            del result
    seconds = {name: statistics.median(t) for name, t in times.items()}
    base = seconds["ndb.asarray(x, dtype='float32')"]
    print(f"\n{'time':<34}{'ms':>9}{'ndb / this':>12}")
    for name, s in seconds.items():
        print(f"{name:<34}{s * 1e3:>9.1f}{base / s:>12.2f}")

    print(f"\n{'peak memory above start':<34}{'stored blocks':>20}{'computed blocks':>20}")
    for name, function in ways.items():
        grown = []
        for x in (stored, computed):
            with PeakRss() as peak:
                result = function(x)
            del result
            grown.append(peak.grown)
        cells = [f"{g / 2**20:.0f} MiB = out+{(g - output_bytes) / block_bytes:.1f}b" for g in grown]
        print(f"{name:<34}{cells[0]:>20}{cells[1]:>20}")
    print("\n(out = the output's size, b = one float64 block)")
    frames(source, args.blocks, args.repeat)


def frames(source, partitions, repeat):
    """The same values as a Dask DataFrame of float64 columns, to a C float32 array: each partition written
    straight into its rows (the threaded scheduler's path), against the path through one temporary array per
    partition (what schedulers in other processes do, and what this one did before) and Dask's own ways."""
    import dask.dataframe as dd
    import pandas as pd

    from ndbridge.dask import _from_dask_dataframe

    df = dd.from_pandas(pd.DataFrame(source, columns=[f"c{i}" for i in range(source.shape[1])]),
                        npartitions=partitions)
    ways = {
        "ndb.from_dataframe(df, dtype='float32')": lambda: ndb.from_dataframe(df, dtype="float32"),
        "  the same through a temporary per partition":
            lambda: _from_dask_dataframe(df, "float32", None, "C", None, "codes", None, None, None, in_place=False),
        "df.to_dask_array(lengths=True).astype('float32').compute()":
            lambda: df.to_dask_array(lengths=True).astype("float32").compute(),
        "df.compute().to_numpy('float32')": lambda: df.compute().to_numpy("float32"),
    }
    expected = source.astype(np.float32)
    for function in ways.values():
        assert np.array_equal(np.asarray(function()), expected)
    times = {name: [] for name in ways}
    for _ in range(repeat):
        for name, function in ways.items():
            gc.collect()
            t0 = time.perf_counter()
            function()
            times[name].append(time.perf_counter() - t0)
    seconds = {name: statistics.median(t) for name, t in times.items()}
    base = seconds["ndb.from_dataframe(df, dtype='float32')"]
    part_bytes = -(-source.shape[0] // partitions) * source.shape[1] * 4
    print(f"\nDask DataFrame, {partitions} partitions of {part_bytes / 2**20:.0f} MiB as float32, median of "
          f"{repeat}{'':<7}{'ms':>9}{'ndb / this':>12}")
    for name, s in seconds.items():
        print(f"{name:<60}{s * 1e3:>9.1f}{base / s:>12.2f}")


if __name__ == "__main__":
    main()
