"""One county of a sweep: build its bundle, run the chosen analyses, return one record.

:func:`run_county` is what a Dask worker runs. It never raises for a county's own problems:
a bundle that cannot be built from the shared data gives status ``skipped``; an analysis that
raises gives status ``failed`` with the error, and the other analyses still run. The record is
a JSON-ready dict (the flat Parquet row under ``"row"``, each analysis' status, time, figures
and a compact detail under ``"analyses"``).

Time: ``time_limit_s`` is the budget of one county's analyses (the bundle build is extra),
split evenly over the analyses that search (``plan``, ``stations``, ``season``; ``matrix``
takes well under a second). Inside ``plan`` the integrated plan and its separate comparison
run one after the other on the worker's one core, so each gets a little under half; inside
``stations`` the answer and each of the ten points of the marginal-value curve are one MILP
each (:data:`STATION_MILPS`).
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
import math
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The analyses a sweep can run, in the order they run.
ANALYSES: tuple[str, ...] = ("plan", "season", "stations", "matrix")
#: Analyses that search within their time share (``matrix`` is a closed-form computation).
TIMED: frozenset[str] = frozenset({"plan", "season", "stations"})
#: MILPs of the stations question at the defaults: the answer and curve points k = 1..10.
STATION_MILPS = 11
#: The format tag of a county record.
RECORD_FORMAT = "ruralflow-sweep-county/1"
#: Longest error text kept in a record.
MAX_ERROR = 600


class AnalysisUnavailableError(Exception):
    """An analysis that cannot run in this build or for this county (the reason is the text)."""


@dataclass(frozen=True, slots=True)
class CountyTask:
    """What one worker does for one county (pickled to the worker)."""

    adcode: str
    what: tuple[str, ...]
    time_limit_s: float
    seed: int = 0
    data_dir: str | None = None
    run_id: str = ""

    def key(self) -> dict[str, Any]:
        """The options that make a result reusable on a rerun (same analyses, time, seed)."""
        return {"what": list(self.what), "time_limit_s": self.time_limit_s, "seed": self.seed}


@dataclass
class _Outcome:
    status: str = "ok"
    runtime_s: float = 0.0
    error: str | None = None
    figures: dict[str, Any] = field(default_factory=dict)
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "runtime_s": round(self.runtime_s, 3),
            "error": self.error,
            "figures": self.figures,
            "detail": self.detail,
        }


def error_text(error: BaseException) -> str:
    """``Type: message`` on one line, at most :data:`MAX_ERROR` characters."""
    text = " ".join(str(error).split()) or "(no message)"
    out = f"{type(error).__name__}: {text}"
    return out if len(out) <= MAX_ERROR else out[: MAX_ERROR - 3] + "..."


def _f(value: Any, digits: int = 6) -> float | None:
    if value is None:
        return None
    v = float(value)
    return round(v, digits) if math.isfinite(v) else None


def season_available() -> bool:
    """True when this build has the season engine (issue 12)."""
    try:
        return importlib.util.find_spec("ruralflow.logistics.season") is not None
    except (ImportError, ValueError):
        return False


def shares(task: CountyTask) -> dict[str, float]:
    """Seconds of each chosen analysis: ``time_limit_s`` split over the timed ones that can
    run (``season`` only when its engine is in this build)."""
    timed = [w for w in task.what if w in TIMED and (w != "season" or season_available())]
    each = task.time_limit_s / max(1, len(timed))
    return {w: (each if w in TIMED else 0.0) for w in task.what}


# ----------------------------------------------------------------------------- analyses
def _plan(county: Any, seconds: float, seed: int, state: dict[str, Any]) -> _Outcome:
    from ruralflow.logistics import PlanOptions, plan
    from ruralflow.report.overview import default_day

    day = default_day(county)
    if day is None:
        raise AnalysisUnavailableError("数据包没有货流 / the bundle has no flows to plan")
    # the integrated plan and its comparison run one after the other on one core
    options = PlanOptions(
        time_limit_s=max(0.1, round(seconds * 0.45, 3)), seed=seed, compare=True, workers=1
    )
    result = plan(county, day, options)
    state["plan"] = result
    cmp = result.comparison
    carried = float(result.totals_carried.down_kg + result.totals_carried.up_kg)
    bus_kg = sum(c.kg for c in result.bus)
    figures: dict[str, Any] = {
        "day": day.isoformat(),
        "integrated_cost_yuan": _f(result.costs.total, 2),
        "separate_cost_yuan": None if cmp is None else _f(cmp.separate.costs.total, 2),
        "saving_yuan": None if cmp is None else _f(cmp.saving_yuan, 2),
        "saving_pct": None if cmp is None else _f(cmp.saving_pct, 3),
        "bus_share": _f(bus_kg / carried) if carried > 0 else None,
        "bus_consignments": len(result.bus),
        "not_carried_kg": _f(result.totals_not_carried.down_kg + result.totals_not_carried.up_kg),
    }
    detail = {
        "comparison": None if cmp is None else cmp.to_dict(),
        "totals": {
            "in": result.totals_in.to_dict(),
            "carried": result.totals_carried.to_dict(),
            "not_carried": result.totals_not_carried.to_dict(),
        },
        "vehicles": result.vehicles,
        "km": round(result.km, 3),
        "co2_kg": round(result.co2_kg, 3),
        "notes": list(result.notes),
    }
    return _Outcome(figures=figures, detail=detail)


def _season(county: Any, seconds: float, seed: int, state: dict[str, Any]) -> _Outcome:
    """The season engine of issue 12 (``run_season(county, SeasonOptions(...))``), when this
    build has it: every flow day planned integrated and separate, one seed; the time share is
    split over the days (each day's two plans run one after the other on the worker's core)."""
    try:
        mod = importlib.import_module("ruralflow.logistics.season")
    except ImportError:
        raise AnalysisUnavailableError(
            "此版本没有季节引擎 / the season engine (ruralflow.logistics.season, issue 12) is "
            "not in this build"
        ) from None
    fn: Callable[..., Any] | None = getattr(mod, "run_season", None)
    opts_cls = getattr(mod, "SeasonOptions", None)
    if fn is None or opts_cls is None:
        raise AnalysisUnavailableError(
            "季节引擎入口不明 / ruralflow.logistics.season has no run_season() and SeasonOptions"
        )
    n_days = max(1, len(county.days))
    per_day = max(0.1, round(seconds * 0.45 / n_days, 3))
    result = fn(county, opts_cls(seed=seed, day_time_limit_s=per_day, workers=1))
    data = result.to_dict()
    figures = {
        "season_saving_pct": _f(getattr(result, "saving_pct", _find(data, "saving_pct")), 3),
        "season_bus_share": _f(getattr(result, "bus_share", _find(data, "bus_share_of_parcels"))),
    }
    return _Outcome(figures=figures, detail={"totals": data.get("totals"), "days": n_days})


def _find(data: Any, key: str) -> Any:
    """The first value of ``key`` in a nested dict (breadth first), or None."""
    queue = [data]
    while queue:
        d = queue.pop(0)
        if isinstance(d, dict):
            if key in d and isinstance(d[key], int | float):
                return d[key]
            queue.extend(v for v in d.values() if isinstance(v, dict))
    return None


def _stations(county: Any, seconds: float, seed: int, state: dict[str, Any]) -> _Outcome:
    from ruralflow.siting.county import CountySitingOptions, site_county

    per_milp = max(0.05, round(seconds / STATION_MILPS * 0.95, 3))
    result = site_county(county, "stations", CountySitingOptions(time_limit_s=per_milp, seed=seed))
    before, after = result.coverage_before, result.coverage_after
    figures = {
        "coverage_before": _f(before.weight / before.total) if before.total else None,
        "coverage_after": _f(after.weight / after.total) if after.total else None,
        "stations_added": len(result.new_ids),
        "stations_solver": result.status,
    }
    detail = {
        "status": result.status,
        "gap": _f(result.gap),
        "coverage": {"before": before.to_dict(), "after": after.to_dict()},
        "new_sites": [result.site_by_id[i].to_dict() for i in result.new_ids],
        "curve": [p.to_dict() for p in result.curve],
        "notes": list(result.notes),
    }
    return _Outcome(figures=figures, detail=detail)


def _matrix(county: Any, seconds: float, seed: int, state: dict[str, Any]) -> _Outcome:
    from ruralflow.bundle.io_tables import load_io_inputs
    from ruralflow.matrix import MatrixOptions, analyse

    measured = state.get("plan")  # the day's plan measures the logistics saving when run
    options = MatrixOptions(logistics=measured)
    result = analyse(county, options, io=load_io_inputs(county.economy, county.adcode))
    ind = result.indicators
    figures = {
        "up_down_balance": _f(ind.balance_ratio),
        "synergy_index": _f(ind.synergy_index),
        "balance_diagnosis": ind.diagnosis.code,
    }
    detail = {
        "indicators": ind.headline(),
        "diagnosis": {"code": ind.diagnosis.code, "zh": ind.diagnosis.text_zh},
        "saving_measured": measured is not None,
        "notes": list(result.notes),
    }
    return _Outcome(figures=figures, detail=detail)


_RUNNERS: dict[str, Callable[[Any, float, int, dict[str, Any]], _Outcome]] = {
    "plan": _plan,
    "season": _season,
    "stations": _stations,
    "matrix": _matrix,
}


# ----------------------------------------------------------------------------- the county
def _build(task: CountyTask, warnings: list[str]) -> tuple[Any, str]:
    from ruralflow.bundle.make import EXAMPLE_COUNTIES, make_coarse_county, make_county

    if task.adcode in EXAMPLE_COUNTIES:
        return make_county(task.adcode, data_dir=task.data_dir, seed=task.seed), "full"
    county = make_coarse_county(
        task.adcode, data_dir=task.data_dir, seed=task.seed, warn=warnings.append
    )
    return county, "coarse"


def base_row(adcode: str, info: Any | None) -> dict[str, Any]:
    """The identifying columns of a row (``info``: a shared-data county row, or None)."""
    return {
        "adcode": adcode,
        "name": None if info is None else info.name,
        "city": None if info is None else info.city,
        "province": None if info is None else info.province,
        "lon": None if info is None else info.seat_lon,
        "lat": None if info is None else info.seat_lat,
    }


def empty_figures() -> dict[str, Any]:
    """Every analysis column of a row, unset."""
    from ruralflow.scale.columns import ANALYSIS_COLUMNS

    return dict.fromkeys(ANALYSIS_COLUMNS)


def run_county(task: CountyTask) -> dict[str, Any]:
    """The record of one county: bundle, each chosen analysis, the flat row. Never raises
    for the county's own problems (module docstring)."""
    from ruralflow.bundle import shared_data
    from ruralflow.bundle.datadir import find_data_dir
    from ruralflow.bundle.make import MakeError

    started = time.perf_counter()
    info = shared_data.counties(find_data_dir(task.data_dir)).get(task.adcode)
    row = base_row(task.adcode, info)
    row.update(
        bundle=None,
        status="ok",
        error=None,
        runtime_s=None,
        build_s=None,
        villages=None,
        warning=None,
        what=",".join(task.what),
        time_limit_s=task.time_limit_s,
        seed=task.seed,
        run_id=task.run_id,
    )
    row.update(empty_figures())
    warnings: list[str] = []
    outcomes: dict[str, _Outcome] = {}
    try:
        county, kind = _build(task, warnings)
    except MakeError as e:
        row.update(status="skipped", error=error_text(e))
        county = None
    except Exception as e:  # a county's own failure is recorded, the sweep goes on
        row.update(status="failed", error="bundle: " + error_text(e))
        county = None
        outcomes["bundle"] = _Outcome("failed", error=traceback.format_exc(limit=8))
    build_s = time.perf_counter() - started
    row["build_s"] = round(build_s, 3)
    if county is not None:
        row["bundle"] = kind
        row["villages"] = sum(1 for p in county.places if p.kind.value == "village")
        seconds = shares(task)
        state: dict[str, Any] = {}
        for w in ANALYSES:
            if w not in task.what:
                continue
            t0 = time.perf_counter()
            try:
                out = _RUNNERS[w](county, seconds[w], task.seed, state)
            except AnalysisUnavailableError as e:
                out = _Outcome("skipped", error=str(e))
            except Exception as e:
                out = _Outcome("failed", error=error_text(e))
                out.detail["traceback"] = traceback.format_exc(limit=8)
            out.runtime_s = time.perf_counter() - t0
            outcomes[w] = out
            row[f"{w}_status"] = out.status
            row[f"{w}_s"] = round(out.runtime_s, 3)
            row.update({k: v for k, v in out.figures.items() if k in row})
        failed = [w for w, o in outcomes.items() if o.status == "failed"]
        ran = [o for o in outcomes.values() if o.status == "ok"]
        if failed:
            row["status"] = "failed"
            row["error"] = "; ".join(f"{w}: {outcomes[w].error}" for w in failed)
        elif not ran:
            row["status"] = "skipped"
            row["error"] = "; ".join(f"{w}: {o.error}" for w, o in outcomes.items())
    row["warning"] = "; ".join(warnings) or None
    row["runtime_s"] = round(time.perf_counter() - started, 3)
    return {
        "format": RECORD_FORMAT,
        "key": task.key(),
        "run_id": task.run_id,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "row": row,
        "analyses": {w: o.to_dict() for w, o in outcomes.items()},
        "warnings": warnings,
    }


def failed_record(task: CountyTask, error: BaseException, info: Any | None) -> dict[str, Any]:
    """The record of a county whose task itself died (a worker killed, lost, out of memory)."""
    row = base_row(task.adcode, info)
    row.update(
        bundle=None,
        status="failed",
        error="worker: " + error_text(error),
        runtime_s=None,
        build_s=None,
        villages=None,
        warning=None,
        what=",".join(task.what),
        time_limit_s=task.time_limit_s,
        seed=task.seed,
        run_id=task.run_id,
    )
    row.update(empty_figures())
    return {
        "format": RECORD_FORMAT,
        "key": task.key(),
        "run_id": task.run_id,
        "finished_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "row": row,
        "analyses": {},
        "warnings": [],
    }
