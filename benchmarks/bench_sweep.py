"""Scaling of the national sweep (issue 17): the same 16 counties on 1 and 2 Dask workers.

Runs ``ruralflow sweep`` as a user would (a fresh output folder each time, so nothing is
resumed; the wall time includes starting the local cluster), then reads ``sweep.json`` and
``counties.parquet`` and prints a Markdown section: wall time per worker count and the
speed-up, the mean per-county time of the bundle build and of each analysis, and the
projected wall time of all 2,978 counties on a cluster of K workers.

The projection: ``T(K) = start + 2978 * t_county / (K * e)``, with ``t_county`` the measured
mean seconds of one county (build + analyses, on one worker), ``e`` the parallel efficiency
measured at 2 workers (speed-up / 2, capped at 1) and ``start`` the measured cluster start.

Usage::

    .venv/bin/python benchmarks/bench_sweep.py                    # 16 counties, 10 s each
    .venv/bin/python benchmarks/bench_sweep.py --time-limit 5 --workers 1,2
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

#: The six full counties and the first 县 (by adcode) of ten provinces, coarse.
COUNTIES = [
    "610425",
    "410923",
    "620621",
    "420527",
    "511823",
    "371328",
    "130121",
    "230123",
    "320321",
    "350121",
    "430121",
    "450123",
    "520121",
    "530124",
    "620121",
    "650121",
]
ALL = 2978
ANALYSIS_COLUMNS = ("build_s", "plan_s", "stations_s", "matrix_s", "season_s")


def run(workers: int, args: argparse.Namespace, out: Path) -> dict[str, object]:
    exe = Path(sys.executable).with_name("ruralflow")
    cmd = [
        str(exe),
        "sweep",
        "--counties",
        ",".join(COUNTIES),
        "--out-dir",
        str(out),
        "--workers",
        str(workers),
        "--what",
        args.what,
        "--time-limit",
        str(args.time_limit),
        "--seed",
        "0",
        "--json",
    ]
    load = os.getloadavg()[0]
    t0 = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    report = json.loads(done.stdout)
    rows = pq.read_table(out / "counties.parquet").to_pylist()
    return {
        "workers": workers,
        "wall_s": wall,
        "sweep_wall_s": report["wall_s"],
        "rows": rows,
        "load": load,
        "cmd": " ".join(["ruralflow", *cmd[1:]]).replace(str(out), "OUT"),
    }


def mean(values: list[float]) -> float:
    return statistics.fmean(values) if values else 0.0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--time-limit", type=float, default=10.0)
    ap.add_argument("--what", default="plan,stations,matrix")
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--cluster", default="8,16,64,256", help="K values of the projection")
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for w in (int(x) for x in args.workers.split(",")):
            results.append(run(w, args, Path(tmp) / f"w{w}"))
            print(f"{w} worker(s): {results[-1]['wall_s']:.1f} s", file=sys.stderr)
    one = results[0]
    rows = one["rows"]
    assert isinstance(rows, list)
    ok = [r for r in rows if r["status"] == "ok"]
    per = {c: mean([float(r[c]) for r in ok if r.get(c) is not None]) for c in ANALYSIS_COLUMNS}
    t_county = mean([float(r["runtime_s"]) for r in ok])
    busy = sum(float(r["runtime_s"]) for r in rows if r.get("runtime_s") is not None)
    start = max(0.0, float(one["wall_s"]) - busy)  # cluster start, imports, writing
    print(f"Command (each): `{one['cmd']}` with `--workers 1` and `--workers 2`.\n")
    print(
        "| workers | wall time | speed-up | mean seconds per county | county-seconds per "
        "wall second | load average at start |"
    )
    print("|---|---|---|---|---|---|")
    base = float(one["wall_s"])
    eff = 1.0
    for r in results:
        w = int(r["workers"])  # type: ignore[call-overload]
        wall = float(r["wall_s"])  # type: ignore[arg-type]
        rs = [x for x in r["rows"] if x.get("runtime_s") is not None]  # type: ignore[attr-defined]
        busy_w = sum(float(x["runtime_s"]) for x in rs)
        sp = base / wall
        if w == 2:
            eff = min(1.0, sp / 2)
        print(
            f"| {w} | {wall:.1f} s | {sp:.2f}x | {busy_w / max(1, len(rs)):.2f} | "
            f"{busy_w / max(1e-9, wall - start):.2f} | {float(r['load']):.1f} |"  # type: ignore[arg-type]
        )
    print(f"\nPer county on one worker ({len(ok)} of {len(rows)} ok), mean seconds:\n")
    print("| bundle build | plan | stations | matrix | one county in all |")
    print("|---|---|---|---|---|")
    print(
        f"| {per['build_s']:.2f} | {per['plan_s']:.2f} | {per['stations_s']:.2f} | "
        f"{per['matrix_s']:.2f} | {t_county:.2f} |"
    )
    print(
        f"\nProjection for all {ALL:,} counties, `T(K) = {start:.0f} s + {ALL} x "
        f"{t_county:.2f} s / (K x {eff:.2f})`:\n"
    )
    print("| K workers | projected wall time | with perfect scaling (e = 1) |")
    print("|---|---|---|")
    for k in (int(x) for x in ("1,2," + args.cluster).split(",")):
        t = start + ALL * t_county / (k * (1.0 if k == 1 else eff))
        ideal = start + ALL * t_county / k
        print(f"| {k} | {t / 60:,.1f} min | {ideal / 60:,.1f} min |")


if __name__ == "__main__":
    main()
