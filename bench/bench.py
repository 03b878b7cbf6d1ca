"""ndbridge against NumPy and PyTorch, side by side in one process: the kernel table of issue 9, the
per-call table of issue 8 and a size sweep of two casts. Prints each time, the ratio peer time / ndbridge
time and whether its goal holds; writes bench/results.md and bench/ratios.png (`make bench`).

Each row's contenders are timed in interleaved rounds (one sample of each in turn, `time_interleaved`), so
load that comes and goes on the shared machine falls on all of them alike. Large kernels: the median of
several runs of one call. Per-call rows: the median of several timeit batches of many calls, per call.
Torch runs with 2 threads. Run under the CPU lock on an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
import timeit
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import torch

import ndbridge as ndb

HERE = Path(__file__).resolve().parent
MiB = 1 << 20


@dataclass
class Row:
    table: str  # "kernels", "per-call" or "sweep"
    case: str
    ndb: Callable[[], object]
    peers: dict[str, Callable[[], object]]
    goals: dict[str, float]  # peer name -> minimum of peer time / ndbridge time
    per_call: bool = False
    times: dict[str, float] = field(default_factory=dict)  # seconds


def time_interleaved(fns: list[Callable[[], object]], repeats: int, per_call: bool) -> list[float]:
    """Seconds per call of each of `fns`, measured in rounds that take one sample of every function in turn:
    load that comes and goes on a shared machine then falls on all of them alike, not on whichever ran
    during it. Each function's time is the median of its `repeats` samples. A per-call sample is a batch of
    calls (enough for ~0.1 s, found once per function by timeit's autorange); a large-data sample is one
    call."""
    numbers = []
    for fn in fns:
        fn()  # warm: first-call costs (imports, caches) are not the kernel's
        numbers.append(max(1, timeit.Timer(fn).autorange()[0] // 2) if per_call else 1)
    samples: list[list[float]] = [[] for _ in fns]
    for _ in range(repeats):
        for k, fn in enumerate(fns):
            if per_call:
                samples[k].append(timeit.Timer(fn).timeit(number=numbers[k]) / numbers[k])
            else:
                t = time.perf_counter()
                out = fn()
                samples[k].append(time.perf_counter() - t)
                del out
    return [statistics.median(s) for s in samples]


def time_large(fn: Callable[[], object], repeats: int) -> float:
    """One function's median time over `repeats` single calls, after a warming call."""
    return time_interleaved([fn], repeats, per_call=False)[0]


def kernel_rows() -> list[Row]:
    n = 32 * MiB  # 32 M elements
    rng = np.random.default_rng(9)
    f64 = rng.random(n)
    f32 = f64.astype(np.float32)
    f16 = f32.astype(np.float16)
    u8 = (f32 * 255).astype(np.uint8)
    t64, t32, t16, tu8 = (torch.from_numpy(a) for a in (f64, f32, f16, u8))
    sq32 = rng.random((4096, 4096), dtype=np.float32)
    sq64 = rng.random((4100, 4100))
    tsq32, tsq64 = torch.from_numpy(sq32), torch.from_numpy(sq64)
    return [
        Row("kernels", "copy f64 256 MiB (`asarray(a, copy=True)` vs `a.copy()`)", lambda: ndb.asarray(f64, copy=True),
            {"NumPy": lambda: f64.copy()}, {"NumPy": 1.0}),
        Row("kernels", "f64→f32", lambda: ndb.asarray(f64, dtype="float32"),
            {"NumPy": lambda: f64.astype(np.float32), "PyTorch": lambda: t64.to(torch.float32)}, {"NumPy": 1.5, "PyTorch": 1.2}),
        Row("kernels", "u8→f32", lambda: ndb.asarray(u8, dtype="float32"),
            {"NumPy": lambda: u8.astype(np.float32), "PyTorch": lambda: tu8.to(torch.float32)}, {"NumPy": 1.5, "PyTorch": 1.2}),
        Row("kernels", "f32→f16", lambda: ndb.asarray(f32, dtype="float16"),
            {"NumPy": lambda: f32.astype(np.float16), "PyTorch": lambda: t32.to(torch.float16)}, {"NumPy": 3.0, "PyTorch": 1.2}),
        Row("kernels", "f16→f32", lambda: ndb.asarray(f16, dtype="float32"),
            {"NumPy": lambda: f16.astype(np.float32), "PyTorch": lambda: t16.to(torch.float32)}, {"NumPy": 3.0, "PyTorch": 1.2}),
        Row("kernels", "f32→bf16", lambda: ndb.asarray(f32, dtype="bfloat16"),
            {"PyTorch": lambda: t32.to(torch.bfloat16)}, {"PyTorch": 1.2}),
        Row("kernels", "transpose copy f32 4096² (`asarray(a.T, order=\"C\")`)", lambda: ndb.asarray(sq32.T, order="C"),
            {"NumPy": lambda: np.ascontiguousarray(sq32.T), "PyTorch": lambda: tsq32.T.contiguous()},
            {"NumPy": 2.5, "PyTorch": 1.5}),
        Row("kernels", "transpose copy f64 4100²", lambda: ndb.asarray(sq64.T, order="C"),
            {"NumPy": lambda: np.ascontiguousarray(sq64.T), "PyTorch": lambda: tsq64.T.contiguous()},
            {"NumPy": 2.0, "PyTorch": 1.3}),
    ]


def per_call_rows() -> list[Row]:
    a16 = np.arange(16, dtype=np.float32)
    t16 = torch.arange(16, dtype=torch.float32)
    nd16 = ndb.asarray(a16)
    floats = [float(i) * 0.5 for i in range(1_000_000)]
    ints = list(range(1_000_000))
    nested = [[float(i * 1000 + j) for j in range(1000)] for i in range(1000)]
    arrays = [np.full(1000, i, dtype=np.float32) for i in range(200)]
    return [
        Row("per-call", "`asarray(ndarray f32[16])`", lambda: ndb.asarray(a16),
            {"np.from_dlpack": lambda: np.from_dlpack(a16), "torch.asarray": lambda: torch.asarray(a16)},
            {"np.from_dlpack": 1.0, "torch.asarray": 3.0}, per_call=True),
        Row("per-call", "`asarray(torch tensor)`", lambda: ndb.asarray(t16),
            {"np.from_dlpack(t)": lambda: np.from_dlpack(t16)}, {"np.from_dlpack(t)": 3.0}, per_call=True),
        Row("per-call", "`asarray(ndarray, like=\"torch\")`", lambda: ndb.asarray(a16, like="torch"),
            {"torch.from_numpy": lambda: torch.from_numpy(a16)}, {"torch.from_numpy": 1.0}, per_call=True),
        Row("per-call", "`asarray(tensor, like=\"numpy\")`", lambda: ndb.asarray(t16, like="numpy"),
            {"t.numpy()": lambda: t16.numpy()}, {"t.numpy()": 1.0}, per_call=True),
        Row("per-call", "`asarray(ndb array, like=\"torch\")`", lambda: ndb.asarray(nd16, like="torch"),
            {"torch.from_dlpack(ndarray)": lambda: torch.from_dlpack(a16)}, {"torch.from_dlpack(ndarray)": 1.5}, per_call=True),
        Row("per-call", "`torch.from_dlpack(ndb array)`", lambda: torch.from_dlpack(nd16),
            {"torch.from_dlpack(ndarray)": lambda: torch.from_dlpack(a16)}, {"torch.from_dlpack(ndarray)": 1.0}, per_call=True),
        Row("per-call", "list of 1e6 floats", lambda: ndb.asarray(floats), {"np.array": lambda: np.array(floats)},
            {"np.array": 4.0}),
        Row("per-call", "list of 1e6 ints", lambda: ndb.asarray(ints), {"np.array": lambda: np.array(ints)}, {"np.array": 4.0}),
        Row("per-call", "1000 lists of 1000 floats", lambda: ndb.asarray(nested), {"np.array": lambda: np.array(nested)},
            {"np.array": 3.0}),
        Row("per-call", "list of 200 ndarrays f32[1000]", lambda: ndb.asarray(arrays), {"np.array": lambda: np.array(arrays)},
            {"np.array": 2.0}, per_call=True),
    ]


def sweep_rows() -> list[Row]:
    """No size from 4 KiB to 256 MiB where ndbridge is slower than NumPy on the same cast (sizes of the source)."""
    rows = []
    rng = np.random.default_rng(4)
    small = (4 << 10, 64 << 10, 256 << 10, MiB, 16 * MiB)
    for src_type, dst, label, sizes in [(np.float64, "float32", "f64→f32", (*small, 256 * MiB)),
                                        (np.float32, "float16", "f32→f16", (4 << 10, 256 << 10, 16 * MiB, 256 * MiB)),
                                        (np.uint8, "float32", "u8→f32", small),
                                        (np.float64, None, "copy f64", small)]:
        for size in sizes:
            a = (rng.random(size // np.dtype(src_type).itemsize) * 255).astype(src_type)
            size_text = f"{size >> 10} KiB" if size < MiB else f"{size // MiB} MiB"
            if dst is None:
                ndb_fn, np_fn = (lambda a=a: ndb.asarray(a, copy=True)), (lambda a=a: a.copy())
            else:
                ndb_fn, np_fn = (lambda a=a, dst=dst: ndb.asarray(a, dtype=dst)), (lambda a=a, dst=dst: a.astype(dst))
            rows.append(Row("sweep", f"{label} {size_text}", ndb_fn, {"NumPy": np_fn}, {"NumPy": 1.0}, per_call=size <= MiB))
    return rows


def fmt_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.2f} µs"
    return f"{seconds * 1e3:.1f} ms"


def run(rows: list[Row], repeats: int) -> None:
    total = len(rows)
    started = time.perf_counter()
    for done, row in enumerate(rows, 1):
        contenders = [("ndbridge", row.ndb), *row.peers.items()]
        print(f"[{done:3d}/{total}] {row.table:8s} {row.case[:60]:60s}", end=" ", flush=True)
        times = time_interleaved([fn for _, fn in contenders], repeats, row.per_call)
        row.times = {who: t for (who, _), t in zip(contenders, times)}
        print("  ".join(f"{who} {fmt_time(t)}" for who, t in row.times.items()),
              f"  ({time.perf_counter() - started:5.0f} s)", flush=True)


def results(rows: list[Row]) -> list[tuple[Row, str, float, float, bool]]:
    out = []
    for row in rows:
        for peer, goal in row.goals.items():
            ratio = row.times[peer] / row.times["ndbridge"]
            out.append((row, peer, ratio, goal, ratio >= goal))
    return out


def cpp_section(path: Path) -> list[str]:
    """The Google Benchmark results (bench/cpp_results.json), as GB/s against this machine's memcpy."""
    if not path.exists():
        return ["(no microbenchmark results: run `make bench`)"]
    data = json.loads(path.read_text())
    gbs: dict[str, dict[int, float]] = {}
    elems: dict[str, dict[int, float]] = {}
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        name, _, size = b["name"].rpartition("/")
        name = name.replace("BM_cast/", "").replace("BM_", "").replace("/real_time", "")
        size = size.replace("/real_time", "")
        if not size.isdigit():
            name, _, size = name.rpartition("/")
        if not size.isdigit():  # a benchmark without a size sweep (the containers' ones): not a kernel row
            continue
        gbs.setdefault(name, {})[int(size)] = b["bytes_per_second"] / 1e9
        elems.setdefault(name, {})[int(size)] = b["items_per_second"]
    sizes = sorted({s for v in gbs.values() for s in v})
    roof = gbs.get("memcpy", {})
    lines = ["GB/s counts bytes read + written, warm destination pages, one thread unless named; "
             "the last columns are elements/s at 256 MiB and the fraction of one-thread `memcpy` there; "
             "the 2-thread copy starts its thread inside the timed loop, so only its large sizes mean anything.", "",
             "| kernel | " + " | ".join(f"{s >> 10} KiB" if s < MiB else f"{s // MiB} MiB" for s in sizes) + " | elements/s | of memcpy |",
             "|---" * (len(sizes) + 3) + "|"]
    for name, by_size in gbs.items():
        big = max(by_size)
        frac = by_size[big] / roof[big] if big in roof else float("nan")
        cells = " | ".join(f"{by_size.get(s, float('nan')):.1f}" for s in sizes)
        lines.append(f"| {name} | {cells} | {elems[name][big] / 1e9:.2f} G | {frac:.0%} |")
    return lines


def write_markdown(rows: list[Row], res, path: Path, elapsed: float) -> None:
    lines = ["# Speed: ndbridge, NumPy and PyTorch in one process", "",
             f"Written by `bench/bench.py` (`make bench`) on {time.strftime('%Y-%m-%d %H:%M')}: {platform.machine()}, "
             f"{os.cpu_count()} cores, Python {platform.python_version()}, NumPy {np.__version__}, PyTorch {torch.__version__} "
             f"({torch.get_num_threads()} threads), ndbridge {getattr(ndb, '__version__', '?')}, SIMD "
             f"{'off (NDBRIDGE_DISABLE_SIMD)' if os.environ.get('NDBRIDGE_DISABLE_SIMD', '0') not in ('', '0') else 'on where the CPU has it'}; "
             f"{elapsed:.0f} s. Ratio = peer time / ndbridge time (above 1: ndbridge is faster). Each time is a median "
             "of samples taken in rounds that alternate between ndbridge and its peers.", "",
             "![ratios against goals](ratios.png)", ""]
    titles = {"kernels": "Kernels (issue 9), 32 M elements", "per-call": "Per call (issue 8)",
              "sweep": "Sweep: no size from 4 KiB to 256 MiB slower than NumPy on the same cast"}
    for table in ("kernels", "per-call", "sweep"):
        lines += [f"## {titles[table]}", "", "| case | ndbridge | peer | peer time | ratio | goal | met |", "|---|---|---|---|---|---|---|"]
        for row, peer, ratio, goal, met in res:
            if row.table == table:
                lines.append(f"| {row.case} | {fmt_time(row.times['ndbridge'])} | {peer} | {fmt_time(row.times[peer])} | "
                             f"{ratio:.2f} | ≥ {goal:g} | {'yes' if met else '**no**'} |")
        lines.append("")
    met = sum(1 for r in res if r[4])
    lines += [f"Goals met: {met} of {len(res)}.", "", "## Microbenchmarks of the core kernels (Google Benchmark)", ""]
    lines += cpp_section(HERE / "cpp_results.json")
    path.write_text("\n".join(lines) + "\n")


def write_chart(res, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{row.case.replace('`', '').split(' (')[0]} vs {peer}" for row, peer, *_ in res]
    ratios = [r[2] for r in res]
    goals = [r[3] for r in res]
    colors = ["#2a9d8f" if r[4] else "#e76f51" for r in res]
    fig, ax = plt.subplots(figsize=(11, 0.32 * len(res) + 1.5))
    y = np.arange(len(res))[::-1]
    ax.barh(y, ratios, color=colors, height=0.7, label="ratio (peer time / ndbridge time)")
    ax.scatter(goals, y, marker="|", s=250, color="black", zorder=3, label="goal")
    ax.axvline(1.0, color="grey", lw=0.8, ls="--")
    ax.set_xscale("log")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=7)
    ax.set_xlabel("peer time / ndbridge time (log scale; green: goal met, red: not met)")
    ax.set_title("ndbridge against NumPy and PyTorch (one process, this machine)")
    ax.legend(loc="lower right", fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--only", choices=["kernels", "per-call", "sweep"], help="run one table")
    parser.add_argument("--out", type=Path, default=HERE / "results.md")
    args = parser.parse_args()
    torch.set_num_threads(2)
    started = time.perf_counter()
    builders = {"kernels": kernel_rows, "per-call": per_call_rows, "sweep": sweep_rows}
    rows: list[Row] = []
    for name, build in builders.items():
        if args.only in (None, name):
            print(f"== preparing {name}", flush=True)
            table_rows = build()
            run(table_rows, args.repeats)
            rows += table_rows
            # Drop the inputs of this table (the lambdas hold them) before the next one allocates its own.
            for r in table_rows:
                r.ndb = r.peers = None  # type: ignore[assignment]
    res = results(rows)
    print()
    for row, peer, ratio, goal, met in res:
        print(f"{row.case[:60]:60s} vs {peer:28s} ratio {ratio:6.2f}  goal >= {goal:<4g} {'met' if met else 'NOT MET'}")
    elapsed = time.perf_counter() - started
    write_markdown(rows, res, args.out, elapsed)
    write_chart(res, args.out.with_name("ratios.png"))
    print(f"\nwrote {args.out} and {args.out.with_name('ratios.png')} ({elapsed:.0f} s; goals met {sum(r[4] for r in res)}/{len(res)})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
