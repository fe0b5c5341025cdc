"""Background runs on a county's stored data: plan, season, site, matrix and contracts, one
process each.

:func:`start_run` stores a queued :class:`~ruralflow.store.models.RunRow` (numbered per county
and kind: ``version`` 1, 2, ...) and starts a worker process (``spawn``) that loads the county
from the database, runs the engine and stores the result. Progress is written as it goes.
:func:`cancel_run` marks a queued or running run ``cancelling``; the worker's watchdog sees it
within a second, records ``cancelled`` and exits (this works whichever server process took
the cancel request). Results stay in the database: every run of a kind is kept, versioned.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from ruralflow.domain import County, DomainError
from ruralflow.store.counties import county_row, load_county
from ruralflow.store.db import StoreError, engine_for, session_scope
from ruralflow.store.models import RunRow, utcnow

__all__ = ["KINDS", "PARAMS", "RunError", "cancel_run", "check_params", "start_run"]

ACTIVE = ("queued", "running", "cancelling")
_PROCS: dict[str, Any] = {}


class RunError(StoreError):
    """A run cannot be started or cancelled as asked."""


def _plan(county: County, params: dict[str, Any]) -> dict[str, Any]:
    from ruralflow.logistics import PlanOptions, plan

    options = PlanOptions(
        time_limit_s=float(params.get("time_limit_s", 10.0)),
        seed=int(params.get("seed", 0)),
        mode=params.get("mode", "integrated"),
        compare=bool(params.get("compare", False)),
        workers=1,
    )
    result: dict[str, Any] = plan(county, str(params["day"]), options).to_dict()
    return result


def _season(county: County, params: dict[str, Any]) -> dict[str, Any]:
    from ruralflow.trace import SeasonOptions, season_events

    limit = params.get("limit")
    trace = season_events(county, SeasonOptions(limit=int(limit) if limit else None))
    out: dict[str, Any] = trace.to_dict()
    return out


def _site(county: County, params: dict[str, Any]) -> dict[str, Any]:
    from ruralflow.siting.county import CountySitingOptions, site_county

    options = CountySitingOptions(
        radius_km=params.get("radius_km"),
        p=params.get("p"),
        curve=params.get("curve", "exact"),
        time_limit_s=float(params.get("time_limit_s", 30.0)),
        seed=int(params.get("seed", 0)),
    )
    out: dict[str, Any] = site_county(county, params.get("what", "stations"), options).to_dict()
    return out


def _matrix(county: County, params: dict[str, Any]) -> dict[str, Any]:
    from ruralflow.matrix import analyse

    out: dict[str, Any] = analyse(county).to_dict()
    return out


#: kind -> (engine call, allowed parameters)
KINDS: dict[str, tuple[Callable[[County, dict[str, Any]], dict[str, Any]], frozenset[str]]] = {
    "plan": (_plan, frozenset({"day", "time_limit_s", "seed", "mode", "compare"})),
    "season": (_season, frozenset({"limit"})),
    "site": (_site, frozenset({"what", "p", "radius_km", "curve", "time_limit_s", "seed"})),
    "matrix": (_matrix, frozenset()),
}
#: kind -> allowed parameters, for every kind; ``contracts`` also reads the county's stored
#: contract files, so its worker calls :func:`ruralflow.store.contracts.contracts_run`.
PARAMS: dict[str, frozenset[str]] = {
    **{k: v[1] for k, v in KINDS.items()},
    "contracts": frozenset({"product", "paths", "seasons", "seed", "method", "side_selling"}),
}


def check_params(kind: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` checked for ``kind`` (:class:`RunError` with a bilingual message)."""
    if kind not in PARAMS:
        raise RunError(f"未知的运行类型 / unknown run kind {kind!r} (one of {', '.join(PARAMS)})")
    extra = set(params) - PARAMS[kind]
    if extra:
        raise RunError(f"未知参数 / unknown parameters for {kind}: {', '.join(sorted(extra))}")
    if kind == "plan":
        try:
            dt.date.fromisoformat(str(params.get("day", "")))
        except ValueError:
            raise RunError("plan 需要 day (YYYY-MM-DD) / plan needs day (YYYY-MM-DD)") from None
        t = params.get("time_limit_s", 10.0)
        if not isinstance(t, int | float) or not 0 < t <= 300:
            raise RunError("time_limit_s 须在 (0, 300] / time_limit_s must be in (0, 300]")
        if params.get("mode", "integrated") not in ("integrated", "separate"):
            raise RunError("mode 须为 integrated 或 separate / mode: integrated or separate")
        s = params.get("seed", 0)
        if not isinstance(s, int) or not 0 <= s < 2**31:
            raise RunError("seed 须为 0..2^31-1 的整数 / seed must be an integer 0..2^31-1")
    if kind == "site":
        if params.get("what", "stations") not in ("stations", "cold-hub", "preprocess"):
            raise RunError(
                "what 须为 stations、cold-hub 或 preprocess / what: stations, "
                "cold-hub or preprocess"
            )
        if params.get("curve", "exact") not in ("exact", "nested", "none"):
            raise RunError("curve 须为 exact、nested 或 none / curve: exact, nested or none")
        p = params.get("p")
        if p is not None and (not isinstance(p, int) or not 1 <= p <= 500):
            raise RunError("p 须为 1..500 的整数 / p must be an integer 1..500")
        r = params.get("radius_km")
        if r is not None and (not isinstance(r, int | float) or not 0.1 <= r <= 50):
            raise RunError("radius_km 须在 0.1..50 / radius_km must be in 0.1..50")
        t = params.get("time_limit_s", 30.0)
        if not isinstance(t, int | float) or not 0 < t <= 300:
            raise RunError("time_limit_s 须在 (0, 300] / time_limit_s must be in (0, 300]")
        s = params.get("seed", 0)
        if not isinstance(s, int) or not 0 <= s < 2**31:
            raise RunError("seed 须为 0..2^31-1 的整数 / seed must be an integer 0..2^31-1")
    if kind == "contracts":
        n = params.get("paths", 20_000)
        if not isinstance(n, int) or isinstance(n, bool) or not 100 <= n <= 200_000:
            raise RunError("paths 须为 100..200000 的整数 / paths must be an integer 100..200000")
        k = params.get("seasons", 3)
        if not isinstance(k, int) or isinstance(k, bool) or not 1 <= k <= 10:
            raise RunError("seasons 须为 1..10 的整数 / seasons must be an integer 1..10")
        s = params.get("seed", 0)
        if not isinstance(s, int) or isinstance(s, bool) or not 0 <= s < 2**31:
            raise RunError("seed 须为 0..2^31-1 的整数 / seed must be an integer 0..2^31-1")
        if params.get("method", "model") not in ("model", "bootstrap"):
            raise RunError("method 须为 model 或 bootstrap / method: model or bootstrap")
        if not isinstance(params.get("side_selling", True), bool):
            raise RunError("side_selling 须为 true 或 false / side_selling: true or false")
        prod = params.get("product")
        if prod is not None and (not isinstance(prod, str) or not 0 < len(prod) <= 64):
            raise RunError("product 须为产品编号 / product must be a product id")
    if kind == "season":
        lim = params.get("limit")
        if lim is not None and (not isinstance(lim, int) or not 1 <= lim <= 10_000):
            raise RunError("limit 须为 1..10000 / limit must be an integer 1..10000")
    return params


def start_run(
    engine: Engine, url: str, adcode: str, kind: str, params: dict[str, Any], *, actor: str
) -> RunRow:
    """Store a queued run of ``kind`` for county ``adcode`` and start its worker process."""
    check_params(kind, params)
    for _attempt in range(5):
        try:
            with session_scope(engine) as s:
                crow = county_row(s, adcode)
                if crow is None:
                    raise RunError(f"没有县 {adcode} / no county {adcode}")
                last = s.scalar(
                    select(func.max(RunRow.version)).where(
                        RunRow.county_id == crow.id, RunRow.kind == kind
                    )
                )
                row = RunRow(
                    id=str(uuid.uuid4()),
                    county_id=crow.id,
                    kind=kind,
                    version=(last or 0) + 1,
                    status="queued",
                    progress=0.0,
                    params=params,
                    created_by=actor,
                )
                s.add(row)
            break
        except IntegrityError:
            continue
    else:
        raise RunError("无法编号运行 / could not number the run; retry")
    ctx = multiprocessing.get_context("spawn")
    proc = ctx.Process(target=_work, args=(url, row.id, adcode), daemon=False)
    proc.start()
    _PROCS[row.id] = proc
    return row


def _set(engine: Engine, run_id: str, **values: Any) -> bool:
    """Update the run unless it is being cancelled; False when it is."""
    with session_scope(engine) as s:
        res = s.execute(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.status.in_(("queued", "running")))
            .values(**values)
        )
        return bool(getattr(res, "rowcount", 0))


def _mark_cancelled(engine: Engine, run_id: str) -> None:
    with session_scope(engine) as s:
        s.execute(
            update(RunRow)
            .where(RunRow.id == run_id, RunRow.status == "cancelling")
            .values(status="cancelled", finished_at=utcnow(), message="cancelled")
        )


def _watchdog(engine: Engine, run_id: str) -> None:
    while True:
        time.sleep(0.5)
        with session_scope(engine) as s:
            status = s.scalar(select(RunRow.status).where(RunRow.id == run_id))
        if status == "cancelling":
            _mark_cancelled(engine, run_id)
            os._exit(0)
        if status not in ("queued", "running"):
            return


def _work(url: str, run_id: str, adcode: str) -> None:  # pragma: no cover - a child process
    engine = engine_for(url)
    threading.Thread(target=_watchdog, args=(engine, run_id), daemon=True).start()
    with session_scope(engine) as s:
        row = s.get(RunRow, run_id)
        assert row is not None
        kind, params = row.kind, dict(row.params)
    if not _set(engine, run_id, status="running", progress=0.05, message="loading the county"):
        _mark_cancelled(engine, run_id)  # cancelled before it started
        return
    try:
        county = load_county(engine, adcode)
        _set(engine, run_id, progress=0.2, message=f"running {kind}")
        if kind == "contracts":
            from ruralflow.store.contracts import contracts_run

            def progress(fraction: float, message: str) -> None:
                _set(engine, run_id, progress=fraction, message=message)

            result = contracts_run(engine, adcode, county, params, progress)
        else:
            result = KINDS[kind][0](county, params)
    except (DomainError, ValueError, OSError) as e:
        _set(engine, run_id, status="failed", message=str(e), finished_at=utcnow())
        return
    except Exception as e:
        _set(
            engine,
            run_id,
            status="failed",
            message=f"{type(e).__name__}: {e}",
            finished_at=utcnow(),
        )
        return
    _set(
        engine,
        run_id,
        status="done",
        progress=1.0,
        message="done",
        result=result,
        finished_at=utcnow(),
    )


def cancel_run(engine: Engine, run_id: str) -> str:
    """Ask a queued or running run to stop; returns the new status."""
    with session_scope(engine) as s:
        row = s.get(RunRow, run_id)
        if row is None:
            raise RunError(f"没有运行 {run_id} / no run {run_id}")
        if row.status not in ACTIVE:
            raise RunError(f"运行已结束 / the run is {row.status} already")
        row.status = "cancelling"
    proc = _PROCS.pop(run_id, None)
    if proc is not None:  # started here: wait briefly for its watchdog, then stop it
        proc.join(timeout=1)
        if proc.is_alive():
            proc.terminate()
            proc.join(timeout=5)
        _mark_cancelled(engine, run_id)
    with session_scope(engine) as s:
        return str(s.scalar(select(RunRow.status).where(RunRow.id == run_id)))


def route_sheets(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Per vehicle: its stops in order with times, and what to load and unload at each.

    At the hub a vehicle loads the down parcels of the trip it starts and unloads the up
    produce of the trip it ends; at a village it unloads the parcels delivered there and loads
    the produce picked up.
    """
    sheets: list[dict[str, Any]] = []
    for route in plan.get("routes", []):
        stops = route.get("stops", [])
        by_trip: dict[int, dict[str, Any]] = {}
        for st in stops:
            t = by_trip.setdefault(
                int(st.get("trip", 0)),
                {"down": [], "up": [], "kg_d": 0.0, "kg_u": 0.0, "parcels": 0},
            )
            t["down"] += st.get("delivered", [])
            t["up"] += st.get("picked_up", [])
            t["kg_d"] += float(st.get("kg_delivered", 0.0))
            t["kg_u"] += float(st.get("kg_picked_up", 0.0))
            t["parcels"] += int(st.get("parcels_delivered", 0))
        out: list[dict[str, Any]] = []
        for i, st in enumerate(stops):
            trip = int(st.get("trip", 0))
            entry = {
                "seq": i,
                "place": st.get("place"),
                "kind": st.get("kind"),
                "trip": trip,
                "arrival": st.get("arrival"),
                "departure": st.get("departure"),
            }
            if st.get("kind") == "hub":
                ending = by_trip.get(trip, {}) if trip else {}
                starting = by_trip.get(trip + 1, {}) if i < len(stops) - 1 else {}
                entry["unload"] = list(ending.get("up", []))
                entry["unload_kg"] = round(float(ending.get("kg_u", 0.0)), 3)
                entry["load"] = list(starting.get("down", []))
                entry["load_kg"] = round(float(starting.get("kg_d", 0.0)), 3)
                entry["load_parcels"] = int(starting.get("parcels", 0))
            else:
                entry["unload"] = list(st.get("delivered", []))
                entry["unload_kg"] = float(st.get("kg_delivered", 0.0))
                entry["unload_parcels"] = int(st.get("parcels_delivered", 0))
                entry["load"] = list(st.get("picked_up", []))
                entry["load_kg"] = float(st.get("kg_picked_up", 0.0))
            out.append(entry)
        sheets.append(
            {
                "vehicle": route.get("vehicle"),
                "vehicle_type": route.get("vehicle_type"),
                "temperature_class": route.get("temperature_class"),
                "start": route.get("start"),
                "end": route.get("end"),
                "km": route.get("km"),
                "trips": route.get("trips"),
                "stops": out,
            }
        )
    return sheets
