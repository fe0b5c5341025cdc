"""Benchmark of the HTTP service (not run by the tests): a bounded fuzz run and a load test.

1. A throwaway SQLite database gets the example county and a user with a random password;
   ``ruralflow serve`` starts on 127.0.0.1.
2. **Fuzz**: ``schemathesis`` (``st run``) generates ``--examples`` requests per operation of
   ``/openapi.json`` with a county admin's token, checking: no 5xx, status codes, content
   types and bodies conform to the OpenAPI.
3. **Load**: ``--clients`` threads for ``--seconds``: half capture one new EPCIS event per
   request (every tenth request a retry of an event already sent), half read a lot's trace
   page. Reports throughput and p50/p99 latency per kind, then counts the stored events: every
   event whose capture got 202 is stored exactly once (no loss, no duplicate).

The results go into ``docs/benchmarks.md`` ("Service (HTTP API)") with ``--write``.

Usage::

    .venv/bin/python benchmarks/bench_service.py --write          # 3 examples, 20 x 60 s
    .venv/bin/python benchmarks/bench_service.py --examples 3 --seconds 10
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "src" / "ruralflow" / "examples" / "610425"
BIN = Path(sys.executable).parent
GTIN, LOTS = "09506000134352", 40
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _req(
    url: str, *, data: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, bytes, dict[str, str]]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def _event(i: int) -> dict[str, Any]:
    return {
        "@context": CONTEXT,
        "type": "ObjectEvent",
        "eventID": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
        "eventTime": "2025-10-13T08:00:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "action": "OBSERVE",
        "bizStep": "inspecting",
        "quantityList": [
            {
                "epcClass": f"https://id.gs1.org/01/{GTIN}/10/BENCH-{i % LOTS}",
                "quantity": 1.0,
                "uom": "KGM",
            }
        ],
        "epcList": [f"https://id.gs1.org/01/{GTIN}/21/{i}"],
    }


def setup(tmp: Path) -> tuple[str, str]:
    from ruralflow.store import add_user, engine_for, import_bundle, upgrade

    url = f"sqlite:///{tmp / 'bench.db'}"
    upgrade(url)
    import_bundle(EXAMPLE, engine_for(url))
    password = secrets.token_urlsafe(18)
    add_user(engine_for(url), "bench", role="county_admin", county="610425", password=password)
    return url, password


def fuzz(base: str, token: str, examples: int) -> dict[str, Any]:
    cmd = [
        str(BIN / "st"),
        "run",
        f"{base}/openapi.json",
        "-H",
        f"Authorization: Bearer {token}",
        "--max-examples",
        str(examples),
        "--checks",
        "not_a_server_error,status_code_conformance,content_type_conformance,"
        "response_schema_conformance",
        "--seed",
        "1",
        "--generation-deterministic",
        "--request-timeout",
        "60",
        "--no-color",
    ]
    t0 = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, check=False)
    out = p.stdout + p.stderr
    tail = out[-4000:]
    m = re.search(r"(\d+) generated", out)
    return {
        "returncode": p.returncode,
        "seconds": round(time.perf_counter() - t0, 1),
        "generated": int(m.group(1)) if m else None,
        "tail": tail,
    }


def load(base: str, token: str, clients: int, seconds: float) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}"}
    lock = threading.Lock()
    next_id = [1_000_000]
    accepted: set[str] = set()
    lat: dict[str, list[float]] = {"capture": [], "trace": []}
    errors: dict[str, int] = {"capture": 0, "trace": 0}
    stop = time.perf_counter() + seconds

    def capture_client(seed: int) -> None:
        rnd = random.Random(seed)
        while time.perf_counter() < stop:
            with lock:
                if accepted and rnd.random() < 0.1:
                    i = int(rnd.choice(sorted(accepted)).rsplit("-", 1)[1])
                else:
                    i = next_id[0]
                    next_id[0] += 1
            ev = _event(i)
            t0 = time.perf_counter()
            code, _body, _h = _req(
                base + "/epcis/capture",
                data=json.dumps(ev).encode(),
                headers={**auth, "Content-Type": "application/ld+json"},
            )
            dt = time.perf_counter() - t0
            with lock:
                lat["capture"].append(dt)
                if code == 202:
                    accepted.add(ev["eventID"])
                else:
                    errors["capture"] += 1

    def trace_client(seed: int) -> None:
        rnd = random.Random(seed)
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            lot = f"BENCH-{rnd.randrange(LOTS)}"
            code, _b, _h = _req(
                f"{base}/01/{GTIN}/10/{lot}", headers={"Accept": "application/linkset+json"}
            )
            dt = time.perf_counter() - t0
            with lock:
                lat["trace"].append(dt)
                if code != 200:
                    errors["trace"] += 1

    threads = [
        threading.Thread(target=capture_client, args=(k,))
        if k % 2 == 0
        else threading.Thread(target=trace_client, args=(k,))
        for k in range(clients)
    ]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0

    def q(xs: list[float], p: float) -> float:
        if not xs:
            return float("nan")
        xs = sorted(xs)
        return xs[min(len(xs) - 1, int(p * len(xs)))] * 1000

    out: dict[str, Any] = {"clients": clients, "seconds": round(wall, 1), "accepted": accepted}
    for k, xs in lat.items():
        out[k] = {
            "requests": len(xs),
            "per_s": round(len(xs) / wall, 1),
            "p50_ms": round(q(xs, 0.5), 1),
            "p99_ms": round(q(xs, 0.99), 1),
            "mean_ms": round(statistics.fmean(xs) * 1000, 1) if xs else None,
            "errors": errors[k],
        }
    return out


def count_stored(url: str, accepted: set[str]) -> dict[str, Any]:
    from sqlalchemy import func, select

    from ruralflow.store import engine_for
    from ruralflow.store.db import session_scope
    from ruralflow.store.models import EventRow, LogEntry, LogKey

    with session_scope(engine_for(url)) as s:
        # each indexed event's eventID: its capture key (scoped by the capturing county)
        ids = list(
            s.scalars(
                select(LogKey.key).join(
                    EventRow,
                    (EventRow.log_index == LogKey.idx) & (EventRow.county == LogKey.scope),
                )
            )
        )
        entries = int(s.scalar(select(func.count()).select_from(LogEntry)) or 0)
    bench_ids = {i for i in ids if i.startswith("urn:uuid:00000000-0000-4000-8000-")}
    return {
        "accepted_unique": len(accepted),
        "stored_index_rows": len(bench_ids),
        "log_entries": entries,
        "lost": len(accepted - bench_ids),
        "duplicated": len(ids) - len(set(ids)) + max(0, entries - len(ids)),
    }


def _table(fz: dict[str, Any], ld: dict[str, Any], counted: dict[str, Any]) -> str:
    rows = [
        "## Service (HTTP API)",
        "",
        f"`make bench-service` ({platform.python_version()}, {os.cpu_count()} CPUs, SQLite "
        "file, one uvicorn worker on 127.0.0.1, the client threads on the same machine).",
        "",
        f"Fuzz: schemathesis over the whole `/openapi.json`, {fz['generated']} generated "
        f"requests in {fz['seconds']} s with a county admin's token; checks "
        "`not_a_server_error`, `status_code_conformance`, `content_type_conformance`, "
        f"`response_schema_conformance`: exit code {fz['returncode']} "
        f"({'no failures' if fz['returncode'] == 0 else 'failures, see below'}).",
        "",
        f"Load: {ld['clients']} clients for {ld['seconds']} s, half capturing one new event per "
        "request (one in ten a retry of an event already sent), half reading the trace "
        "linkset of one of 40 lots (each event names one, so by the end a lot has about "
        f"{max(1, ld['capture']['requests'] // 40)} events, each with an inclusion proof):",
        "",
        "| requests | count | per s | p50 ms | p99 ms | errors |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for k in ("capture", "trace"):
        r = ld[k]
        rows.append(
            f"| {k} | {r['requests']} | {r['per_s']} | {r['p50_ms']} | {r['p99_ms']} | "
            f"{r['errors']} |"
        )
    rows += [
        "",
        f"Counted afterwards: {counted['accepted_unique']} distinct events answered 202, "
        f"{counted['stored_index_rows']} stored, {counted['lost']} lost, "
        f"{counted['duplicated']} duplicated.",
        "",
        "A trace page finds the lot's history through the event index and proves every event "
        "against the latest checkpoint, so its cost grows with the lot's history, not the log. "
        "Captures sign a checkpoint each (two fsynced transactions per capture on SQLite "
        "with `synchronous=FULL`). The load generator runs on the same shared 2-core machine.",
        "",
    ]
    return "\n".join(rows)


def write_docs(section: str) -> None:
    path = ROOT / "docs" / "benchmarks.md"
    text = path.read_text(encoding="utf-8")
    start = text.find("## Service (HTTP API)")
    if start >= 0:
        end = text.find("\n## ", start + 5)
        text = text[:start] + section + (text[end + 1 :] if end >= 0 else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    path.write_text(text, encoding="utf-8")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--examples", type=int, default=3, help="Fuzz examples per operation.")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--write", action="store_true", help="Record in docs/benchmarks.md.")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="rf-bench-") as d:
        url, password = setup(Path(d))
        port = _port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [str(BIN / "ruralflow"), "serve", "--db", url, "--port", str(port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for _ in range(120):
                try:
                    if _req(base + "/health")[0] == 200:
                        break
                except OSError:
                    time.sleep(0.5)
            form = urllib.parse.urlencode({"username": "bench", "password": password}).encode()
            _code, body, _h = _req(
                base + "/auth/token",
                data=form,
                headers={"Content-Type": "application/x-www-form-urlencoded"},
            )
            token = json.loads(body)["access_token"]
            fz = fuzz(base, token, args.examples)
            print(fz["tail"][-1500:])
            ld = load(base, token, args.clients, args.seconds)
        finally:
            server.terminate()
            server.wait(timeout=30)
        counted = count_stored(url, ld.pop("accepted"))
    print(
        json.dumps(
            {"fuzz": {k: v for k, v in fz.items() if k != "tail"}, "load": ld, "counted": counted},
            indent=1,
        )
    )
    section = _table(fz, ld, counted)
    if fz["returncode"] != 0:
        section += "\nFuzz output (tail):\n\n```\n" + fz["tail"][-2500:] + "\n```\n"
    if args.write:
        write_docs(section)


if __name__ == "__main__":
    main()
