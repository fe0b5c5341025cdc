"""Live-stream surges (2.2.1: seasonal sales up 136 %, 197 %, 393 %): the day's up produce
multiplied by a factor, what the plan then costs, what is left behind, and the cheapest
capacity to add to carry it.

Model (``docs/logistics.md``, "Surges"):

* :func:`surged` multiplies every up batch's kg and m3 (on one day or all) by ``factor``
  (sales up 136 % is factor 2.36); down parcels are unchanged.
* :func:`analyse_surge` plans the surged day with the county's fleet (integrated, with the
  separate comparison). When something is left behind it prices candidate additions, each
  planned with the same solver: hired vans and hired reefers sized for the ambient and
  chilled kg left behind (day rate ``hire_rate_factor`` x the own vehicle's fixed cost), and,
  for the ambient part, one extra run a day on every bus line (``extra_run_yuan`` each) with
  hired reefers for the chilled part. The cheapest candidate that carries everything (else
  the one that leaves least) is the recommendation. A hired vehicle costs only when used.

The day rates are assumptions with ranges (:data:`HIRE_DEFAULTS`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ruralflow.domain import BusLine, County, UpSupply, VehicleKind, VehicleType
from ruralflow.logistics.errors import PlanOptionError
from ruralflow.logistics.options import PlanOptions
from ruralflow.logistics.planner import plan
from ruralflow.logistics.result import Plan

ProgressFn = Callable[[str, float], None]

#: Assumptions of the surge capacity (value, low, high, source).
HIRE_DEFAULTS: dict[str, tuple[float, float, float, str]] = {
    "hire_rate_factor": (
        4.0 / 3.0,
        1.15,
        1.7,
        "assumption: a van or reefer hired by the day with its driver costs about a third "
        "more than an own one's fixed cost (300 -> 400 yuan a van, 450 -> 600 a reefer)",
    ),
    "extra_run_yuan": (
        120.0,
        80.0,
        200.0,
        "assumption: one extra bus run out and back (driver 2-3 h at 30 yuan/h, 40-80 km at "
        "about 1 yuan/km of a rural bus's fuel and upkeep); parcels on it pay the line's fees",
    ),
    "fill": (0.8, 0.6, 0.9, "assumption: fill of a hired vehicle on 2 trips a day"),
}


def surged(county: County, factor: float, day: dt.date | None = None) -> County:
    """``county`` with its up batches' kg and m3 times ``factor`` (on ``day`` only if given)."""
    if isinstance(factor, bool) or not isinstance(factor, int | float) or not factor > 0:
        raise PlanOptionError("surge", factor, "must be a number > 0")
    if not math.isfinite(factor) or factor > 20:
        raise PlanOptionError("surge", factor, "must be <= 20")

    def up(s: UpSupply) -> UpSupply:
        if day is not None and s.day != day:
            return s
        return dataclasses.replace(s, kg=round(s.kg * factor, 3), m3=round(s.m3 * factor, 4))

    return dataclasses.replace(county, supply_up=tuple(up(s) for s in county.supply_up))


@dataclass(frozen=True, slots=True)
class Candidate:
    """One way to add capacity, planned."""

    name: str
    hired_vans: int
    hired_reefers: int
    extra_bus_runs: int
    added_yuan: float
    """Day rates of the hired vehicles used plus the extra bus runs."""
    plan_total_yuan: float
    """The plan's total (its fixed costs include the hired vehicles used)."""
    total_yuan: float
    """plan total + extra bus runs."""
    not_carried_kg: float
    bus_consignments: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "hired_vans": self.hired_vans,
            "hired_reefers": self.hired_reefers,
            "extra_bus_runs": self.extra_bus_runs,
            "added_yuan": round(self.added_yuan, 2),
            "plan_total_yuan": round(self.plan_total_yuan, 2),
            "total_yuan": round(self.total_yuan, 2),
            "not_carried_kg": round(self.not_carried_kg, 3),
            "bus_consignments": self.bus_consignments,
        }


@dataclass(frozen=True)
class SurgeResult:
    """A surged day: its plan with the county's fleet and the capacity to add."""

    day: dt.date
    factor: float
    base_total_yuan: float
    """The day's integrated cost without the surge (``None`` in JSON when not planned)."""
    plan: Plan
    short_ambient_kg: float
    short_chilled_kg: float
    candidates: tuple[Candidate, ...]
    best: Candidate | None
    parameters: dict[str, tuple[float, float, float, str]]
    county: County
    """The surged county (the county's fleet, up produce x factor on the day)."""

    @property
    def total_yuan(self) -> float:
        return self.plan.costs.total

    @property
    def not_carried_kg(self) -> float:
        t = self.plan.totals_not_carried
        return float(t.down_kg + t.up_kg)

    def summary(self) -> str:
        up = float(self.plan.totals_in.up_kg)
        lines = [
            f"直播激增 / live-stream surge x{self.factor:g} on {self.day}: {up:,.0f} kg up; "
            f"cost {self.total_yuan:,.0f} yuan"
            + (
                f" (without the surge {self.base_total_yuan:,.0f})"
                if math.isfinite(self.base_total_yuan)
                else ""
            )
            + f"; left behind {self.not_carried_kg:,.1f} kg (ambient "
            f"{self.short_ambient_kg:,.1f}, chilled {self.short_chilled_kg:,.1f})"
        ]
        if self.best is not None:
            b = self.best
            lines.append(
                f"  最便宜的补充运力 / cheapest capacity to add: {b.name} "
                f"(vans {b.hired_vans}, reefers {b.hired_reefers}, extra bus runs "
                f"{b.extra_bus_runs}): total {b.total_yuan:,.0f} yuan, left behind "
                f"{b.not_carried_kg:,.1f} kg"
            )
        elif self.not_carried_kg <= 1e-6:
            lines.append("  现有运力足够 / the county's fleet carries it all: nothing to add")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        c = self.plan.comparison
        return {
            "day": self.day.isoformat(),
            "factor": self.factor,
            "up_kg": round(float(self.plan.totals_in.up_kg), 3),
            "base_total_yuan": (
                round(self.base_total_yuan, 2) if math.isfinite(self.base_total_yuan) else None
            ),
            "total_yuan": round(self.total_yuan, 2),
            "separate_total_yuan": None if c is None else round(c.separate.costs.total, 2),
            "not_carried_kg": round(self.not_carried_kg, 3),
            "short": {
                "ambient_kg": round(self.short_ambient_kg, 3),
                "chilled_kg": round(self.short_chilled_kg, 3),
            },
            "not_carried_reasons": _reasons(self.plan),
            "candidates": [x.to_dict() for x in self.candidates],
            "cheapest_addition": None if self.best is None else self.best.to_dict(),
            "parameters": [
                {"key": k, "value": v[0], "range": [v[1], v[2]], "source": v[3]}
                for k, v in self.parameters.items()
            ],
        }


def _reasons(p: Plan) -> dict[str, float]:
    out: dict[str, float] = {}
    for n in p.not_carried:
        out[n.reason] = round(out.get(n.reason, 0.0) + n.kg, 3)
    return out


def _shortfall(p: Plan) -> tuple[float, float]:
    amb = math.fsum(n.kg for n in p.not_carried if not n.cold)
    cold = math.fsum(n.kg for n in p.not_carried if n.cold)
    return amb, cold


def _template(county: County, kind: VehicleKind) -> VehicleType | None:
    hub = county.settings.hub
    own = [
        v
        for v in county.vehicle_types
        if v.kind is kind and (not v.depot or v.depot == hub) and v.count > 0
    ]
    return max(own, key=lambda v: v.capacity_kg) if own else None


def with_hired(
    county: County, vans: int, reefers: int, rate_factor: float
) -> tuple[County, list[str]]:
    """``county`` with ``vans`` hired vans and ``reefers`` hired reefers added."""
    add: list[VehicleType] = []
    missing: list[str] = []
    for n, kind, tag in ((vans, VehicleKind.VAN, "van"), (reefers, VehicleKind.REEFER, "reefer")):
        if n <= 0:
            continue
        t = _template(county, kind)
        if t is None:
            missing.append(f"no own {tag} to copy")
            continue
        add.append(
            dataclasses.replace(
                t,
                id=f"{t.id}_hired",
                count=n,
                fixed_cost_yuan=round(t.fixed_cost_yuan * rate_factor, 2),
                name=f"租用 hired {t.name}",
                source=f"hired by the day at {rate_factor:.2f} x {t.id}'s fixed cost "
                "(surge assumption)",
            )
        )
    return dataclasses.replace(county, vehicle_types=(*county.vehicle_types, *add)), missing


def _extra_departure(line: BusLine) -> int | None:
    """A departure minute in the widest gap of the line's timetable (None: no room)."""
    deps = sorted(line.departures)
    cands = list(itertools.pairwise(deps))
    if not cands:
        return None
    a, b = max(cands, key=lambda ab: ab[1] - ab[0])
    if b - a < 90:
        return None
    return (a + b) // 2


def with_extra_runs(county: County) -> tuple[County, int]:
    """``county`` with one more departure a day on every line that has room for one."""
    lines: list[BusLine] = []
    n = 0
    for line in county.bus_lines:
        dep = _extra_departure(line)
        if dep is None:
            lines.append(line)
            continue
        lines.append(dataclasses.replace(line, departures=tuple(sorted((*line.departures, dep)))))
        n += 1
    return dataclasses.replace(county, bus_lines=tuple(lines)), n


def analyse_surge(
    county: County,
    day: dt.date,
    factor: float,
    options: PlanOptions,
    *,
    base_total_yuan: float | None = None,
    candidate_time_s: float | None = None,
    parameters: dict[str, float] | None = None,
    progress: ProgressFn | None = None,
) -> SurgeResult:
    """Plan ``day`` with its up produce x ``factor`` and price the capacity to add.

    ``options`` is used for the surged plan (with its comparison when ``options.compare``);
    each candidate is planned without comparison in ``candidate_time_s`` (default
    ``options.time_limit_s``).
    """
    prm = dict(HIRE_DEFAULTS)
    for k, v in (parameters or {}).items():
        if k not in prm:
            raise PlanOptionError(k, v, "is not a surge parameter")
        lo, hi, src = prm[k][1], prm[k][2], "given by the caller"
        prm[k] = (float(v), lo, hi, src)
    say = progress or (lambda step, frac: None)
    sc = surged(county, factor, day)
    say(f"surge x{factor:g}: planning {day}", 0.0)
    p = plan(sc, day, options)
    amb, cold = _shortfall(p)
    cands: list[Candidate] = []
    if amb + cold > 1e-6:
        rate = prm["hire_rate_factor"][0]
        run_yuan = prm["extra_run_yuan"][0]
        fill = prm["fill"][0]
        van_t = _template(county, VehicleKind.VAN)
        ref_t = _template(county, VehicleKind.REEFER)
        van_cap = van_t.capacity_kg if van_t else 1200.0
        ref_cap = ref_t.capacity_kg if ref_t else 1000.0
        n_v = math.ceil(amb / (van_cap * 2 * fill)) + 1 if amb > 1e-6 else 0
        n_r = math.ceil(cold / (ref_cap * 2 * fill)) + 1 if cold > 1e-6 else 0
        copt = dataclasses.replace(
            options,
            compare=False,
            time_limit_s=candidate_time_s if candidate_time_s else options.time_limit_s,
        )
        trials: list[tuple[str, County, int, int, int]] = []
        hired, _ = with_hired(sc, n_v, n_r, rate)
        trials.append(("hired vans and reefers", hired, n_v, n_r, 0))
        if amb > 1e-6 and sc.bus_lines:
            bus_c, runs = with_extra_runs(sc)
            if runs:
                bus_c, _ = with_hired(bus_c, 0, n_r, rate)
                trials.append(("extra bus runs and hired reefers", bus_c, 0, n_r, runs))
        for i, (name, c, _v, _r, runs) in enumerate(trials):
            say(f"surge x{factor:g}: trying {name}", (i + 1) / (len(trials) + 1))
            q = plan(c, day, copt)
            hired_used = math.fsum(rt.fixed_yuan for rt in q.routes if "_hired" in rt.vehicle_type)
            nc = float(q.totals_not_carried.down_kg + q.totals_not_carried.up_kg)
            cands.append(
                Candidate(
                    name=name,
                    hired_vans=sum(
                        1
                        for rt in q.routes
                        if "_hired" in rt.vehicle_type and rt.temperature_class == "ambient"
                    ),
                    hired_reefers=sum(
                        1
                        for rt in q.routes
                        if "_hired" in rt.vehicle_type and rt.temperature_class != "ambient"
                    ),
                    extra_bus_runs=runs,
                    added_yuan=hired_used + runs * run_yuan,
                    plan_total_yuan=q.costs.total,
                    total_yuan=q.costs.total + runs * run_yuan,
                    not_carried_kg=nc,
                    bus_consignments=len(q.bus),
                )
            )
    best = min(cands, key=lambda c: (round(c.not_carried_kg, 1), c.total_yuan)) if cands else None
    say("surge: done", 1.0)
    return SurgeResult(
        day=day,
        factor=float(factor),
        base_total_yuan=math.nan if base_total_yuan is None else base_total_yuan,
        plan=p,
        short_ambient_kg=amb,
        short_chilled_kg=cold,
        candidates=tuple(cands),
        best=best,
        parameters=prm,
        county=sc,
    )
