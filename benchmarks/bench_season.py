"""Benchmark of a season run (``ruralflow season``; not run by the tests).

Runs ``ruralflow season BUNDLE`` as a user would (a subprocess, default options unless given)
and reports its wall time, the machine's load average before and after, the per-day budget
and the season's headline figures. Issue 12's target: a 14-day season in under 10 minutes on
2 cores.

Usage::

    .venv/bin/python benchmarks/bench_season.py                        # shipped Liquan, 14 days
    .venv/bin/python benchmarks/bench_season.py out/371328 --days 7 --time-limit 60
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("bundle", nargs="?", default=str(EXAMPLE))
    ap.add_argument("--days", type=int, default=None)
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--time-limit", type=float, default=None)
    a = ap.parse_args(argv)
    exe = Path(sys.executable).with_name("ruralflow")
    cmd = [str(exe), "season", a.bundle, "--seeds", str(a.seeds)]
    if a.days is not None:
        cmd += ["--days", str(a.days)]
    if a.time_limit is not None:
        cmd += ["--time-limit", str(a.time_limit)]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "season.json"
        load0 = os.getloadavg()
        t0 = time.perf_counter()
        subprocess.run([*cmd, "--out", str(out)], check=True, stdout=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        load1 = os.getloadavg()
        d = json.loads(out.read_text(encoding="utf-8"))
    t = d["totals"]
    print(" ".join(cmd))
    print(
        f"cores {os.cpu_count()}, load average before {load0[0]:.1f} after {load1[0]:.1f}; "
        f"{len(d['days'])} days x {len(d['seeds'])} seeds at "
        f"{d['options']['day_time_limit_s']:g} s a day: wall {wall:.1f} s"
    )
    print(
        f"saving {t['saving_yuan']:,.0f} yuan ({t['saving_pct']:.1f} %), bus share "
        f"{100 * t['bus_share_of_parcels']:.2f} %, left behind {t['not_carried_kg']:.1f} kg"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
