"""Benchmark of the persistent Merkle log (not run by the tests).

Measures, in one run and on the same disk:

- appending N event-sized entries in batches into the SQLite log (one transaction per batch,
  WAL, synchronous=FULL by default), in entries per second;
- inserting the same rows into a plain SQLite table with the same settings and batches (the
  cost without the log), and the ratio of the two;
- the average time of an inclusion proof (generation from storage) at random indices, and of
  proof verification;
- the time of a full audit (``verify_log``).

Usage::

    .venv/bin/python benchmarks/bench_trace_log.py                   # 100,000 entries
    .venv/bin/python benchmarks/bench_trace_log.py --entries 1000000 --skip-verify
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from pathlib import Path

from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.log import MerkleLog
from ruralflow.trace.merkle import verify_inclusion
from ruralflow.trace.verify import verify_log


def _events(n: int) -> list[bytes]:
    """Entries shaped like EPCIS ObjectEvents (about 400 bytes each)."""
    return [
        canonical_json(
            {
                "type": "ObjectEvent",
                "eventTime": f"2026-06-{1 + i % 28:02d}T08:{i % 60:02d}:00+08:00",
                "eventTimeZoneOffset": "+08:00",
                "epcList": [f"urn:epc:id:sgtin:0614141.107346.{i}"],
                "action": "OBSERVE",
                "bizStep": "shipping",
                "disposition": "in_transit",
                "readPoint": {"id": f"urn:ruralflow:loc:610425:{i % 97}"},
                "bizLocation": {"id": "urn:ruralflow:loc:610425:hub"},
                "ilmd": {"lotNumber": f"LQ-{i // 50:06d}", "kg": 12.5 + (i % 7)},
            }
        )
        for i in range(n)
    ]


def _baseline(
    path: Path, entries: list[bytes], batch: int, synchronous: str
) -> tuple[float, float]:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(f"PRAGMA synchronous={synchronous}")
    db.execute("CREATE TABLE plain (idx INTEGER PRIMARY KEY, data BLOB NOT NULL)")
    t, c = time.perf_counter(), time.process_time()
    for k in range(0, len(entries), batch):
        db.execute("BEGIN IMMEDIATE")
        db.executemany(
            "INSERT INTO plain(idx, data) VALUES (?, ?)",
            [(k + i, e) for i, e in enumerate(entries[k : k + batch])],
        )
        db.execute("COMMIT")
    dt, dc = time.perf_counter() - t, time.process_time() - c
    db.close()
    return dt, dc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--proofs", type=int, default=2000)
    ap.add_argument("--synchronous", default="FULL", choices=["FULL", "NORMAL"])
    ap.add_argument("--dir", type=Path, default=None, help="where to put the databases")
    ap.add_argument("--repeat", type=int, default=3, help="interleaved runs, best kept")
    ap.add_argument("--skip-verify", action="store_true")
    args = ap.parse_args()

    entries = _events(args.entries)
    size_mb = sum(map(len, entries)) / 1e6
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        # interleave the two measurements and keep the best of each (the machine is shared)
        base_runs: list[float] = []
        log_runs: list[float] = []
        base_cpu: list[float] = []
        log_cpu: list[float] = []
        for r in range(args.repeat):
            wall, cpu = _baseline(Path(d) / f"plain{r}.db", entries, args.batch, args.synchronous)
            base_runs.append(wall)
            base_cpu.append(cpu)
            log = MerkleLog.open(Path(d) / f"log{r}.db", synchronous=args.synchronous)
            t, c = time.perf_counter(), time.process_time()
            for k in range(0, len(entries), args.batch):
                log.append_many(entries[k : k + args.batch])
            log_runs.append(time.perf_counter() - t)
            log_cpu.append(time.process_time() - c)
            if r < args.repeat - 1:
                log.close()
        base_s, log_s = min(base_runs), min(log_runs)
        n = log.size
        root = log.root()
        rng = random.Random(1)
        idx = [rng.randrange(n) for _ in range(args.proofs)]
        t, c = time.perf_counter(), time.process_time()
        proofs = [log.inclusion_proof(i, n) for i in idx]
        prove_s, prove_cpu = time.perf_counter() - t, time.process_time() - c
        hashes = [log.leaf_hash(i) for i in idx]
        t = time.perf_counter()
        for i, h, p in zip(idx, hashes, proofs, strict=True):
            verify_inclusion(i, n, h, p, root)
        check_s = time.perf_counter() - t
        print(
            f"entries: {n:,} ({size_mb:.1f} MB), batch {args.batch}, "
            f"synchronous={args.synchronous}, best of {args.repeat}"
        )
        print(f"append into log:    {log_s:7.2f} s  {n / log_s:10,.0f} entries/s")
        print(f"plain insert:       {base_s:7.2f} s  {n / base_s:10,.0f} rows/s")
        print(f"log / plain time:   {log_s / base_s:7.2f}x")
        print(f"log / plain CPU:    {min(log_cpu) / min(base_cpu):7.2f}x")
        print(
            f"all runs (s): log {[round(x, 2) for x in log_runs]}, plain "
            f"{[round(x, 2) for x in base_runs]}"
        )
        print(
            f"inclusion proof:    {1e3 * prove_s / len(idx):7.3f} ms average wall, "
            f"{1e3 * prove_cpu / len(idx):.3f} ms CPU ({len(idx)} proofs)"
        )
        print(f"proof verification: {1e3 * check_s / len(idx):7.3f} ms average")
        if not args.skip_verify:
            t = time.perf_counter()
            report = verify_log(log)
            print(f"full audit:         {time.perf_counter() - t:7.2f} s  ok={report.ok}")
        log.close()


if __name__ == "__main__":
    main()
