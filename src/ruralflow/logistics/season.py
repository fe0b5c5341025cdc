"""The season, not a day: every day of a county's season planned integrated and separate.

:func:`run_season` ``(county, SeasonOptions) -> Season`` plans each day (the first
``days`` of the bundle's flow days) for each of ``seeds`` seeds with :func:`plan` and its
comparison, and reports per day and in total: the integrated and separate cost, the saving
with a 95 % interval over seeds (Student t; none for one seed), the bus share of parcels
(down parcels and up pieces by bus over all carried), km and CO2 saved (the vehicle types'
emission factors: ``fleet.csv`` ``co2_kg_per_km`` with their sources, bus km not charged,
last-leg tricycles counted), what was left behind and which capacity was short (chilled kg:
reefers; ambient kg: vans or buses), and the farmer-side value
(:mod:`ruralflow.logistics.farmer`). With ``surge`` the busiest day is planned again with its
up produce times the factor (:mod:`ruralflow.logistics.surge`).
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from scipy import stats

from ruralflow.domain import County
from ruralflow.geo import Geography
from ruralflow.logistics.errors import NoFlowsError, PlanOptionError
from ruralflow.logistics.farmer import farmer_value
from ruralflow.logistics.options import PlanOptions
from ruralflow.logistics.planner import plan
from ruralflow.logistics.result import Plan
from ruralflow.logistics.surge import SurgeResult, analyse_surge

ProgressFn = Callable[[str, float], None]

#: Seconds per plan when the caller sets no budget (the stability check of issue 12 is at 30 s).
DEFAULT_DAY_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class SeasonOptions:
    """How to run a season.

    ``days``: the first N flow days of the bundle (``None``: all); ``seeds``: plans per day,
    seeds ``seed`` .. ``seed + seeds - 1``; ``day_time_limit_s``: budget of each day's plan
    (integrated and separate side by side with ``workers`` 2); ``surge``: plan the busiest
    day again with its up produce times this factor (``None``: no surge scenario).
    """

    days: int | None = None
    seeds: int = 1
    seed: int = 0
    day_time_limit_s: float = DEFAULT_DAY_SECONDS
    workers: int = 2
    surge: float | None = None
    farmer: bool = True

    def __post_init__(self) -> None:
        if self.days is not None and (
            isinstance(self.days, bool) or not isinstance(self.days, int) or self.days < 1
        ):
            raise PlanOptionError("days", self.days, "must be a whole number >= 1")
        if (
            isinstance(self.seeds, bool)
            or not isinstance(self.seeds, int)
            or not (1 <= self.seeds <= 100)
        ):
            raise PlanOptionError("seeds", self.seeds, "must be between 1 and 100")
        if self.surge is not None and (
            isinstance(self.surge, bool)
            or not isinstance(self.surge, int | float)
            or not (0 < self.surge <= 20)
        ):
            raise PlanOptionError("surge", self.surge, "must be a number in (0, 20]")
        # the rest is checked by PlanOptions
        PlanOptions(time_limit_s=self.day_time_limit_s, seed=self.seed, workers=self.workers)

    def to_dict(self) -> dict[str, Any]:
        return {
            "days": self.days,
            "seeds": self.seeds,
            "seed": self.seed,
            "day_time_limit_s": self.day_time_limit_s,
            "workers": self.workers,
            "surge": self.surge,
            "farmer": self.farmer,
        }


@dataclass(frozen=True, slots=True)
class DayRun:
    """One day planned with one seed."""

    day: dt.date
    seed: int
    integrated_yuan: float
    separate_yuan: float
    integrated_transport_yuan: float
    separate_transport_yuan: float
    integrated_km: float
    separate_km: float
    integrated_co2_kg: float
    separate_co2_kg: float
    parcels: int
    """Down parcels + up pieces carried (integrated)."""
    bus_parcels: int
    bus_consignments: int
    not_carried_kg: float
    separate_not_carried_kg: float
    short_chilled_kg: float
    short_ambient_kg: float
    farmer_value_yuan: float
    farmers: int
    runtime_s: float
    reasons: tuple[tuple[str, float], ...] = ()
    """kg left behind in the integrated plan by kind of reason (the planner's, or the reason
    up to its first ':')."""
    bus_verdict: str = ""
    """Why the bus is or is not used in the integrated plan (``Plan.bus_economics``)."""

    @property
    def saving_yuan(self) -> float:
        return self.separate_yuan - self.integrated_yuan

    @property
    def saving_pct(self) -> float:
        return 100.0 * self.saving_yuan / self.separate_yuan if self.separate_yuan > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "seed": self.seed,
            "integrated_yuan": round(self.integrated_yuan, 2),
            "separate_yuan": round(self.separate_yuan, 2),
            "saving_yuan": round(self.saving_yuan, 2),
            "saving_pct": round(self.saving_pct, 3),
            "integrated_transport_yuan": round(self.integrated_transport_yuan, 2),
            "separate_transport_yuan": round(self.separate_transport_yuan, 2),
            "km_saved": round(self.separate_km - self.integrated_km, 3),
            "co2_saved_kg": round(self.separate_co2_kg - self.integrated_co2_kg, 3),
            "integrated_km": round(self.integrated_km, 3),
            "separate_km": round(self.separate_km, 3),
            "integrated_co2_kg": round(self.integrated_co2_kg, 3),
            "separate_co2_kg": round(self.separate_co2_kg, 3),
            "parcels": self.parcels,
            "bus_parcels": self.bus_parcels,
            "bus_share_of_parcels": round(self.bus_parcels / self.parcels, 4)
            if self.parcels
            else 0.0,
            "bus_consignments": self.bus_consignments,
            "not_carried_kg": round(self.not_carried_kg, 3),
            "separate_not_carried_kg": round(self.separate_not_carried_kg, 3),
            "short": {
                "reefer_chilled_kg": round(self.short_chilled_kg, 3),
                "van_or_bus_ambient_kg": round(self.short_ambient_kg, 3),
            },
            "farmer_value_yuan": round(self.farmer_value_yuan, 2),
            "farmers": self.farmers,
            "not_carried_reasons_kg": {k: round(v, 3) for k, v in self.reasons},
            "bus_verdict": self.bus_verdict,
            "runtime_s": round(self.runtime_s, 2),
        }


def interval95(values: Sequence[float]) -> tuple[float, float] | None:
    """The 95 % Student-t interval of the mean of ``values`` (``None`` below two values)."""
    n = len(values)
    if n < 2:
        return None
    m = statistics.fmean(values)
    sd = statistics.stdev(values)
    h = float(stats.t.ppf(0.975, n - 1)) * sd / math.sqrt(n)
    return m - h, m + h


def _interval(values: Sequence[float], digits: int = 2) -> list[float] | None:
    ci = interval95(values)
    return None if ci is None else [round(ci[0], digits), round(ci[1], digits)]


@dataclass(frozen=True)
class Season:
    """A county's season planned day by day (:func:`run_season`)."""

    adcode: str
    county_name: str
    options: SeasonOptions
    runs: tuple[DayRun, ...]
    skipped: tuple[tuple[str, str], ...] = ()
    surge: SurgeResult | None = None
    runtime_s: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def days(self) -> list[dt.date]:
        return sorted({r.day for r in self.runs})

    @property
    def seeds(self) -> list[int]:
        return sorted({r.seed for r in self.runs})

    def _by_seed(self, attr: str) -> list[float]:
        return [
            math.fsum(float(getattr(r, attr)) for r in self.runs if r.seed == s)
            for s in self.seeds
        ]

    def total(self, attr: str) -> float:
        """Mean over seeds of the season's sum of ``attr``."""
        vals = self._by_seed(attr)
        return statistics.fmean(vals) if vals else 0.0

    @property
    def saving_yuan(self) -> float:
        return self.total("separate_yuan") - self.total("integrated_yuan")

    @property
    def saving_pct(self) -> float:
        sep = self.total("separate_yuan")
        return 100.0 * self.saving_yuan / sep if sep > 0 else 0.0

    @property
    def bus_share(self) -> float:
        p = self.total("parcels")
        return self.total("bus_parcels") / p if p else 0.0

    def _saving_by_seed(self) -> list[float]:
        return [math.fsum(r.saving_yuan for r in self.runs if r.seed == s) for s in self.seeds]

    def _saving_pct_by_seed(self) -> list[float]:
        out = []
        for s in self.seeds:
            sep = math.fsum(r.separate_yuan for r in self.runs if r.seed == s)
            sav = math.fsum(r.saving_yuan for r in self.runs if r.seed == s)
            out.append(100.0 * sav / sep if sep > 0 else 0.0)
        return out

    def _reasons(self) -> dict[str, float]:
        """kg left behind (integrated) by kind of reason, season sum, mean over seeds."""
        out: dict[str, float] = {}
        k = max(1, len(self.seeds))
        for r in self.runs:
            for why, kg in r.reasons:
                out[why] = out.get(why, 0.0) + kg / k
        return {why: round(kg, 3) for why, kg in sorted(out.items())}

    def per_day(self) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for d in self.days:
            rs = [r for r in self.runs if r.day == d]
            sav = [r.saving_yuan for r in rs]
            parcels = sum(r.parcels for r in rs)
            out.append(
                {
                    "day": d.isoformat(),
                    "seeds": len(rs),
                    "integrated_yuan": round(statistics.fmean(r.integrated_yuan for r in rs), 2),
                    "separate_yuan": round(statistics.fmean(r.separate_yuan for r in rs), 2),
                    "saving_yuan": round(statistics.fmean(sav), 2),
                    "saving_yuan_95ci": _interval(sav),
                    "saving_pct": round(statistics.fmean(r.saving_pct for r in rs), 3),
                    "bus_share_of_parcels": round(
                        sum(r.bus_parcels for r in rs) / parcels if parcels else 0.0, 4
                    ),
                    "km_saved": round(
                        statistics.fmean(r.separate_km - r.integrated_km for r in rs), 3
                    ),
                    "co2_saved_kg": round(
                        statistics.fmean(r.separate_co2_kg - r.integrated_co2_kg for r in rs), 3
                    ),
                    "not_carried_kg": round(max(r.not_carried_kg for r in rs), 3),
                    "separate_not_carried_kg": round(
                        max(r.separate_not_carried_kg for r in rs), 3
                    ),
                    "short_reefer_chilled_kg": round(max(r.short_chilled_kg for r in rs), 3),
                    "short_van_or_bus_ambient_kg": round(max(r.short_ambient_kg for r in rs), 3),
                    "farmer_value_yuan": round(
                        statistics.fmean(r.farmer_value_yuan for r in rs), 2
                    ),
                }
            )
        return out

    def summary(self) -> str:
        n = len(self.days)
        ci = interval95(self._saving_by_seed())
        ci_txt = (
            f", 95 % interval {ci[0]:,.0f} .. {ci[1]:,.0f}" if ci else " (one seed: no interval)"
        )
        fv = self.total("farmer_value_yuan")
        fd = self.total("farmers")
        lines = [
            f"一季 / season: {self.county_name} ({self.adcode}), {n} day(s) x "
            f"{len(self.seeds)} seed(s), {self.options.day_time_limit_s:g} s a day",
            f"  一体化 / integrated {self.total('integrated_yuan'):,.0f} yuan vs 分开 / "
            f"separate {self.total('separate_yuan'):,.0f} yuan: 节约 / saving "
            f"{self.saving_yuan:,.0f} yuan ({self.saving_pct:.1f} %){ci_txt}",
            f"  公交份额 / bus share of parcels {100 * self.bus_share:.1f} %; km saved "
            f"{self.total('separate_km') - self.total('integrated_km'):,.0f}; CO2 saved "
            f"{self.total('separate_co2_kg') - self.total('integrated_co2_kg'):,.0f} kg",
            f"  未承运 / left behind: integrated {self.total('not_carried_kg'):,.1f} kg, "
            f"separate {self.total('separate_not_carried_kg'):,.1f} kg (short: reefers "
            f"{self.total('short_chilled_kg'):,.1f} kg chilled, vans/buses "
            f"{self.total('short_ambient_kg'):,.1f} kg ambient)",
        ]
        if self.options.farmer:
            lines.append(
                f"  农户侧价值 / farmer-side value {fv:,.0f} yuan over the season "
                f"({fv / fd if fd else 0.0:.1f} yuan per farmer-day)"
            )
        why_bus = [r for r in self.runs if r.bus_verdict]
        if why_bus:
            top = max(why_bus, key=lambda r: (r.parcels, r.day))
            lines.append(
                f"  班车为何 / why the bus ({top.day}, seed {top.seed}): {top.bus_verdict}"
            )
        for d, why in self.skipped:
            lines.append(f"  跳过 / skipped {d}: {why}")
        if self.surge is not None:
            lines.append("  " + self.surge.summary().replace("\n", "\n  "))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        saving = self._saving_by_seed()
        fv = self.total("farmer_value_yuan")
        fd = self.total("farmers")
        return {
            "county": {"adcode": self.adcode, "name": self.county_name},
            "options": self.options.to_dict(),
            "days": [d.isoformat() for d in self.days],
            "seeds": self.seeds,
            "totals": {
                "integrated_yuan": round(self.total("integrated_yuan"), 2),
                "separate_yuan": round(self.total("separate_yuan"), 2),
                "saving_yuan": round(self.saving_yuan, 2),
                "saving_yuan_95ci": _interval(saving),
                "saving_pct": round(self.saving_pct, 3),
                "saving_pct_95ci": _interval(self._saving_pct_by_seed(), 3),
                "transport_saving_yuan": round(
                    self.total("separate_transport_yuan")
                    - self.total("integrated_transport_yuan"),
                    2,
                ),
                "bus_share_of_parcels": round(self.bus_share, 4),
                "bus_parcels": round(self.total("bus_parcels"), 1),
                "parcels": round(self.total("parcels"), 1),
                "bus_consignments": round(self.total("bus_consignments"), 1),
                "km_saved": round(self.total("separate_km") - self.total("integrated_km"), 3),
                "co2_saved_kg": round(
                    self.total("separate_co2_kg") - self.total("integrated_co2_kg"), 3
                ),
                "not_carried_kg": round(self.total("not_carried_kg"), 3),
                "separate_not_carried_kg": round(self.total("separate_not_carried_kg"), 3),
                "short": {
                    "reefer_chilled_kg": round(self.total("short_chilled_kg"), 3),
                    "van_or_bus_ambient_kg": round(self.total("short_ambient_kg"), 3),
                },
                "not_carried_reasons_kg": self._reasons(),
                "farmer_value_yuan": round(fv, 2),
                "farmer_days": round(fd, 1),
                "farmer_value_per_farmer_day_yuan": round(fv / fd, 2) if fd else 0.0,
            },
            "definitions": {
                "saving": "separate - integrated total cost (fixed + distance + bus fees + "
                "last legs + spoilage + penalties), summed over the days; the interval is "
                "the 95 % Student-t interval of the mean over seeds",
                "separate": "two one-way operations (down only, up only) planned by the same "
                "planner with the same time budget (see the plan's notes)",
                "bus_share_of_parcels": "down parcels and up pieces (up_kg_per_piece) on "
                "buses over all carried, integrated plan",
                "co2": "vehicle km x each type's co2_kg_per_km (fleet.csv, with sources) + "
                "last-leg tricycles; bus km are not charged (the bus runs anyway)",
                "short": "kg left behind in the integrated plan: chilled (needs a reefer), "
                "ambient (a van or a bus)",
                "farmer_value": "farmers' own tricycle haul to the county hub - what the plan "
                "charges to collect at the village (ruralflow.logistics.farmer)",
            },
            "per_day": self.per_day(),
            "runs": [r.to_dict() for r in self.runs],
            "skipped": [{"day": d, "why": w} for d, w in self.skipped],
            "surge": None if self.surge is None else self.surge.to_dict(),
            "runtime_s": round(self.runtime_s, 2),
            "notes": list(self.notes),
        }


def bus_parcels(p: Plan) -> tuple[int, int]:
    """(parcels on buses, parcels carried): down parcels + up pieces."""
    per = next(
        (float(x["value"]) for x in p.parameters if x.get("key") == "up_kg_per_piece"), 20.0
    )
    not_carried = {n.item for n in p.not_carried}
    total = 0
    for it in p.items.values():
        if it.id in not_carried:
            continue
        total += it.parcels if it.flow == "down" else max(1, math.ceil(it.kg / per - 1e-9))
    by_bus = sum(c.parcels if c.flow == "down" else c.pieces for c in p.bus)
    return by_bus, total


def day_run(county: County, day: dt.date, p: Plan, seed: int, geo: Geography | None) -> DayRun:
    """The figures of one day's plan (with its comparison)."""
    cmp = p.comparison
    if cmp is None:
        raise ValueError("the plan has no comparison (plan with compare=True)")
    bus, parcels = bus_parcels(p)
    fv = farmer_value(county, p, geo=geo) if geo is not None else None
    reasons: dict[str, float] = {}
    for n in p.not_carried:
        # the planner's reason kind where it gives one, else the reason up to its first ':'
        kind = str(getattr(n, "kind", "") or n.reason.split(":")[0].strip())
        reasons[kind] = reasons.get(kind, 0.0) + n.kg
    return DayRun(
        day=day,
        seed=seed,
        integrated_yuan=cmp.integrated.costs.total,
        separate_yuan=cmp.separate.costs.total,
        integrated_transport_yuan=cmp.integrated.costs.transport,
        separate_transport_yuan=cmp.separate.costs.transport,
        integrated_km=cmp.integrated.km,
        separate_km=cmp.separate.km,
        integrated_co2_kg=cmp.integrated.co2_kg,
        separate_co2_kg=cmp.separate.co2_kg,
        parcels=parcels,
        bus_parcels=bus,
        bus_consignments=cmp.integrated.bus_consignments,
        not_carried_kg=cmp.integrated.not_carried_kg,
        separate_not_carried_kg=cmp.separate.not_carried_kg,
        short_chilled_kg=math.fsum(n.kg for n in p.not_carried if n.cold),
        short_ambient_kg=math.fsum(n.kg for n in p.not_carried if not n.cold),
        farmer_value_yuan=0.0 if fv is None else fv.value_yuan,
        farmers=0 if fv is None else fv.farmers,
        runtime_s=float(p.solver.get("runtime_s", 0.0)),
        reasons=tuple(sorted(reasons.items())),
        bus_verdict=str(p.bus_economics.get("integrated", {}).get("verdict", "")),
    )


def busiest_day(county: County, days: Sequence[dt.date]) -> dt.date:
    """The day with the most kg (down + up)."""

    def kg(d: dt.date) -> float:
        return math.fsum(x.kg for x in county.demand_on(d)) + math.fsum(
            x.kg for x in county.supply_on(d)
        )

    return max(days, key=lambda d: (kg(d), d))


def run_season(
    county: County, options: SeasonOptions | None = None, progress: ProgressFn | None = None
) -> Season:
    """Plan every day of ``county``'s season integrated and separate (see the module)."""
    opts = options or SeasonOptions()
    if not isinstance(opts, SeasonOptions):
        raise PlanOptionError("options", opts, "must be a SeasonOptions")
    say = progress or (lambda step, frac: None)
    t0 = time.perf_counter()
    days = list(county.days)
    if not days:
        raise NoFlowsError(f"{county.name} ({county.adcode}) has no flows at all")
    if opts.days is not None:
        days = days[: opts.days]
    geo = Geography.from_county(county, roads=county.roads) if opts.farmer else None
    seeds = list(range(opts.seed, opts.seed + opts.seeds))
    total = len(days) * len(seeds) + (1 if opts.surge else 0)
    runs: list[DayRun] = []
    skipped: list[tuple[str, str]] = []
    k = 0
    for d in days:
        for s in seeds:
            say(f"{d} seed {s} ({k + 1}/{total})", k / total)
            po = PlanOptions(
                time_limit_s=opts.day_time_limit_s,
                seed=s,
                compare=True,
                workers=opts.workers,
            )
            try:
                p = plan(county, d, po)
            except NoFlowsError as e:
                skipped.append((d.isoformat(), str(e)))
                k += 1
                continue
            runs.append(day_run(county, d, p, s, geo))
            k += 1
    surge = None
    if opts.surge is not None and runs:
        d = busiest_day(county, sorted({r.day for r in runs}))
        base = statistics.fmean(r.integrated_yuan for r in runs if r.day == d)
        say(f"surge x{opts.surge:g} on {d}", k / total)
        surge = analyse_surge(
            county,
            d,
            opts.surge,
            PlanOptions(
                time_limit_s=opts.day_time_limit_s,
                seed=opts.seed,
                compare=True,
                workers=opts.workers,
            ),
            base_total_yuan=base,
            candidate_time_s=opts.day_time_limit_s / 2,
        )
    say("done", 1.0)
    notes = (
        "each day is planned on its own (no carry-over of what is left behind)",
        "CO2 factors: " + "; ".join(f"{v.id}: {v.source}" for v in county.vehicle_types),
    )
    return Season(
        adcode=county.adcode,
        county_name=county.name,
        options=opts,
        runs=tuple(runs),
        skipped=tuple(skipped),
        surge=surge,
        runtime_s=time.perf_counter() - t0,
        notes=notes,
    )
