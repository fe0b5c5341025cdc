"""Seed spread of a day's plan: the integrated (and separate) cost over several seeds.

    .venv/bin/python benchmarks/bench_plan_seeds.py BUNDLE DAY [--seeds 3] [--time-limit 30]

Runs ``ruralflow.logistics.plan`` at the default options (integrated and separate side by
side on two cores) once per seed and prints each total and the spread (max - min) / min in
percent. The target (issue 12): the integrated cost varies by less than 1 % across three
seeds at 30 s. Results in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import time

from ruralflow.bundle import read_bundle
from ruralflow.logistics import PlanOptions, plan


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("bundle")
    ap.add_argument("day")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--time-limit", type=float, default=30.0)
    a = ap.parse_args()
    county = read_bundle(a.bundle)
    rows = []
    for seed in range(a.seeds):
        t0 = time.perf_counter()
        p = plan(county, a.day, PlanOptions(time_limit_s=a.time_limit, seed=seed))
        cmp = p.comparison
        assert cmp is not None
        rows.append(
            {
                "seed": seed,
                "integrated_yuan": round(cmp.integrated.costs.total, 2),
                "separate_yuan": round(cmp.separate.costs.total, 2),
                "saving_pct": round(cmp.saving_pct, 2),
                "not_carried_kg": [cmp.integrated.not_carried_kg, cmp.separate.not_carried_kg],
                "bus_consignments": cmp.integrated.bus_consignments,
                "wall_s": round(time.perf_counter() - t0, 1),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    for key in ("integrated_yuan", "separate_yuan"):
        v = [r[key] for r in rows]
        spread = 100.0 * (max(v) - min(v)) / min(v)
        print(f"{key}: min {min(v):.2f} max {max(v):.2f} spread {spread:.2f} %")


if __name__ == "__main__":
    main()
