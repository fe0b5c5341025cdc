"""Benchmark of the benefit-sharing Monte Carlo (not run by the tests).

Measures, for the Liquan Fuji apple season (11 weeks, price model fitted to the real Xinfadi
series) and the seven default designs:

- fitting the price model;
- drawing N price paths of one season (and of three consecutive seasons);
- simulating every design on them (income, margin, fulfilment, fund), per design and in all;
- the comparison table and a fund-contribution search.

Usage::

    .venv/bin/python benchmarks/bench_sharing.py                 # 100,000 paths
    .venv/bin/python benchmarks/bench_sharing.py --paths 1000000 --seasons 3
"""

from __future__ import annotations

import argparse
import os
import platform
import time

from ruralflow.sharing.county import prepare, reference_price
from ruralflow.sharing.example import packaged_liquan
from ruralflow.sharing.simulation import (
    cheapest_contribution,
    compare,
    default_designs,
    run_design,
    simulate,
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--paths", type=int, default=100_000)
    ap.add_argument("--seasons", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3, help="best of N runs")
    ap.add_argument("--search-paths", type=int, default=20_000)
    args = ap.parse_args()

    county = packaged_liquan()
    t = time.perf_counter()
    case = prepare(county)
    fit_s = time.perf_counter() - t
    designs = default_designs(case.product, reference_price(case.model, case.season, 0.5))
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cpus, "
        f"python {platform.python_version()}"
    )
    print(f"case: {case.product}, {case.season.weeks} weeks; fit {fit_s:.2f} s")

    for seasons in sorted({1, args.seasons}):
        best_paths = best_all = float("inf")
        per_design: dict[str, float] = {}
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            wholesale = case.model.simulate(
                case.season.start, case.season.weeks, args.paths, seasons=seasons, seed=0
            )
            t1 = time.perf_counter()
            for d in designs:
                td = time.perf_counter()
                run_design(d, wholesale, farm_gate_factor=case.farm_gate_factor)
                per_design[d.id] = min(per_design.get(d.id, 1e9), time.perf_counter() - td)
            t2 = time.perf_counter()
            best_paths = min(best_paths, t1 - t0)
            best_all = min(best_all, t2 - t0)
        print(
            f"{args.paths:,} paths x {seasons} season(s) x {case.season.weeks} weeks: "
            f"price paths {best_paths:.3f} s; all {len(designs)} designs incl. paths "
            f"{best_all:.3f} s (best of {args.repeat})"
        )
        print("  per design: " + ", ".join(f"{k} {v:.3f} s" for k, v in per_design.items()))

    t = time.perf_counter()
    result = simulate(
        designs, case.model, case.season, paths=args.paths, seasons=args.seasons, seed=0
    )
    table = compare(result)
    stats_s = time.perf_counter() - t
    print(f"simulate() + compare() with statistics: {stats_s:.3f} s")
    fund = next(d for d in designs if d.fund is not None)
    n = min(args.search_paths, args.paths)
    t = time.perf_counter()
    found = cheapest_contribution(
        fund, result.wholesale[:n], farm_gate_factor=case.farm_gate_factor
    )
    print(
        f"fund search on {n:,} paths: {time.perf_counter() - t:.3f} s, "
        f"{len(found.evaluations)} evaluations"
    )
    print(table.summary().splitlines()[0])


if __name__ == "__main__":
    main()
