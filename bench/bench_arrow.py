"""Arrow in, timed against its peers in one process: a table of 16 float64 columns in 8 chunks to a C-order
float32 array (ndbridge vs pyarrow's Table.to_tensor), chunked vs one chunk, and the cost of a zero-copy
column. Prints medians and ratios; run it with the machine otherwise idle (make's CPU lock)."""

import statistics
import sys
import time

import numpy as np
import pyarrow as pa

import ndbridge as ndb

ROWS = 1_000_000
COLUMNS = 16
CHUNKS = 8


def median_seconds(fn, repeat=9, number=1):
    fn()  # warm-up: page faults of the first output, lazy imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - start) / number)
    return statistics.median(times)


def main():
    rng = np.random.default_rng(0)
    data = {f"c{i}": rng.standard_normal(ROWS) for i in range(COLUMNS)}
    unchunked = pa.table(data)
    chunked = pa.Table.from_batches(unchunked.to_batches(max_chunksize=ROWS // CHUNKS))
    assert chunked["c0"].num_chunks == CHUNKS
    expected = np.column_stack(list(data.values())).astype(np.float32)
    np.testing.assert_array_equal(np.asarray(ndb.asarray(chunked, dtype="float32")), expected)
    source_f = np.asfortranarray(np.column_stack(list(data.values())))

    def floor():
        out = np.empty((ROWS, COLUMNS), np.float32)
        out[...] = source_f  # one pass F float64 -> C float32 into fresh memory (NumPy's loop)
        return out

    timings = {
        "ndb.asarray(chunked table, float32)": median_seconds(lambda: ndb.asarray(chunked, dtype="float32")),
        "ndb.asarray(one-chunk table, float32)": median_seconds(lambda: ndb.asarray(unchunked, dtype="float32")),
        "Table.to_tensor(row_major=True) (float64)": median_seconds(lambda: chunked.to_tensor(row_major=True)),
        "to_tensor + astype(float32)": median_seconds(
            lambda: np.asarray(chunked.to_tensor(row_major=True)).astype(np.float32)
        ),
        "NumPy one-pass floor (F f64 -> C f32)": median_seconds(floor),
    }
    column = unchunked["c0"].chunk(0)
    timings["ndb.asarray(float64 column) zero-copy"] = median_seconds(lambda: ndb.asarray(column), number=2000)
    timings["column.to_numpy() zero-copy"] = median_seconds(lambda: column.to_numpy(), number=2000)

    print(f"pyarrow {pa.__version__}, numpy {np.__version__}, {ROWS} rows x {COLUMNS} float64 columns")
    for name, seconds in timings.items():
        unit = (seconds * 1e6, "us") if seconds < 1e-3 else (seconds * 1e3, "ms")
        print(f"  {name:45s} {unit[0]:9.2f} {unit[1]}")
    ndb_chunked = timings["ndb.asarray(chunked table, float32)"]
    print("ratios (higher is better for ndbridge):")
    print(f"  Table.to_tensor / ndbridge          {timings['Table.to_tensor(row_major=True) (float64)'] / ndb_chunked:6.2f}x"
          "  (goal >= 4)")
    print(f"  to_tensor + astype / ndbridge       {timings['to_tensor + astype(float32)'] / ndb_chunked:6.2f}x")
    print(f"  chunked / one chunk                 {ndb_chunked / timings['ndb.asarray(one-chunk table, float32)']:6.2f}"
          "   (goal <= 1.10)")
    print(f"  ndbridge / one-pass floor           {ndb_chunked / timings['NumPy one-pass floor (F f64 -> C f32)']:6.2f}")
    print(f"  zero-copy column                    {timings['ndb.asarray(float64 column) zero-copy'] * 1e6:6.2f} us"
          "  (goal <= 2 us)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
