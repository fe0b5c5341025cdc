"""A Markdown summary of a sweep folder, from its per-county records (also mid-run).

Prints counts by status, the per-county time (mean, median, 95th percentile, maximum) of the
bundle build and each analysis, and the national figures of the analyses that ran (medians,
shares, the provinces with the lowest and highest station coverage after the new stations).

Usage::

    .venv/bin/python benchmarks/sweep_summary.py /work/sweep-all/out
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any


def q(values: list[float], p: float) -> float:
    vs = sorted(values)
    return vs[min(len(vs) - 1, round(p * (len(vs) - 1)))] if vs else float("nan")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    for p in sorted((args.folder / "counties").glob("*.json")):
        try:
            rows.append(json.loads(p.read_text("utf-8"))["row"])
        except (OSError, ValueError, KeyError):
            continue
    status = Counter(r["status"] for r in rows)
    print(
        f"{len(rows):,} counties with a record: ok {status['ok']:,}, failed "
        f"{status['failed']:,}, skipped {status['skipped']:,}.\n"
    )
    print("| seconds per county | mean | median | p95 | max |")
    print("|---|---|---|---|---|")
    for col in ("build_s", "plan_s", "stations_s", "matrix_s", "runtime_s"):
        vs = [float(r[col]) for r in rows if r.get(col) is not None and r["status"] == "ok"]
        if vs:
            print(
                f"| {col} | {statistics.fmean(vs):.2f} | {statistics.median(vs):.2f} | "
                f"{q(vs, 0.95):.2f} | {max(vs):.2f} |"
            )
    ok = [r for r in rows if r["status"] == "ok"]
    cov = [r for r in ok if r.get("coverage_after") is not None]
    if cov:
        before = [float(r["coverage_before"]) for r in cov]
        after = [float(r["coverage_after"]) for r in cov]
        full = sum(1 for a in after if a >= 0.999)
        print(
            f"\nStations ({len(cov):,} counties): households within 2 km of a station, median "
            f"{100 * statistics.median(before):.1f} % before and "
            f"{100 * statistics.median(after):.1f} % after ten new stations; "
            f"{full:,} counties reach 100 %; "
            f"{sum(1 for a in after if a < 0.5):,} stay below 50 %."
        )
        solver = Counter(r.get("stations_solver") for r in cov)
        print(f"HiGHS status of the stations answer: {dict(solver.most_common())}.")
        by: dict[str, list[float]] = defaultdict(list)
        for r in cov:
            by[r["province"]].append(float(r["coverage_after"]))
        med = sorted((statistics.median(v), p, len(v)) for p, v in by.items())
        print("\n| province | counties | median coverage after |")
        print("|---|---|---|")
        shown = med if len(med) <= 8 else [*med[:5], (None, "...", None), *med[-3:]]
        for m, p, n in shown:
            if m is None:
                print("| ... | | |")
            else:
                print(f"| {p} | {n} | {100 * m:.1f} % |")
    sav = [float(r["saving_pct"]) for r in ok if r.get("saving_pct") is not None]
    if sav:
        print(
            f"\nPlan ({len(sav):,} counties): median saving {statistics.median(sav):.1f} %; "
            f"integration pays in {sum(1 for s in sav if s > 0):,}."
        )
    fails = Counter((r.get("error") or "").split(":")[0] for r in rows if r["status"] != "ok")
    if fails:
        print("\nNot ok, by the first word of the reason:", dict(fails.most_common(5)))


if __name__ == "__main__":
    main()
