"""The county application of the siting models: village stations, cold hubs, preprocess centres.

Front door: :func:`site_county` ``(county, what, options) -> CountySitingResult``.

``what`` is one of

* ``"stations"``: village service stations (村级服务站). Maximal covering of the villages'
  households within a radius (default 2 km: the paper's "two kilometres" bottleneck,
  乡镇有网、村里断链), or with ``cover_all=True`` set covering (fewest new stations that bring
  every household within the radius). Candidates: every village, every ``candidate_site``
  place and the existing stations. Existing stations stay open; which places count as existing
  is :attr:`CountySitingOptions.existing` (rule below).
* ``"cold-hub"``: county cold-chain consolidation centres (冷链集配中心), and
* ``"preprocess"``: shared grading / pre-cooling / packing centres (产地预处理中心).
  Capacitated (or uncapacitated) facility location over candidate sites: fixed cost per day
  of the season, capacity per day, transport cost per kg-km **plus the expected spoilage cost
  of the haul from the village to the facility** (freshness model, below), for the county's
  up supply (``supply_up.csv``) weighted by its season kg.

Existing stations (``existing="auto"``): the places (not ``candidate_site``) whose ``functions``
include ``parcels_in``, **unless every village lists parcels_in** (the bundle generator's
default, which would make coverage 100 % before any new station); then the county hub and the
township stations (the network reaches the townships, not the villages). ``"functions"``,
``"townships"``, ``"none"`` or a tuple of place ids choose explicitly. For cold hubs and
preprocess centres the existing sites are the county's places of that kind.

Candidates for cold hubs and preprocess centres are the bundle's ``candidate_site`` places
(plus existing facilities of the kind). A bundle without candidate sites gets derived ones,
said so in the result: for cold hubs the county hub and the township stations (a county-level
cold store needs road access and power); for preprocess centres the township stations and the
villages with at least ``household_threshold`` households (default: the 75th percentile of the
villages' households). Candidates at the same point are kept once.

Costs (yuan), from ``county.yaml`` ``costs`` when present, else the documented assumptions of
:data:`DEFAULT_COSTS`: ``station_setup_yuan`` (one-off, per new station),
``cold_hub_fixed_yuan_per_day``, ``cold_hub_capacity_kg_per_day``,
``preprocess_fixed_yuan_per_day``, ``preprocess_capacity_kg_per_day`` and
``transport_yuan_per_kg_km`` (default derived from the county's van: cost per km x 2 for the
empty return / (capacity x 0.8 load factor)). The *season* is the span of the bundle's
supply days (first..last day, N days); fixed costs are the cost per day x N and capacities
the capacity per day x N (a single-period model: daily peaks above the season mean are not
modelled). Budgets: yuan of set-up for new stations; yuan per season of fixed cost for new
facilities (existing sites are already paid for and count 0).

Spoilage of the haul (per kg of a product, for ``t`` hours from village to facility): the
journey is field heat (the batches' harvest-to-ready hours, kg-weighted, at ambient + 4 degC),
the ride (``t`` h at ambient + 2 degC), pre-cooling at the facility (the product's usual
method, forced air when unknown) and the calibrated cold chain after it
(``ruralflow.freshness.typical_cold_chain``: cold store 18 h, reefer 30 h, city cold store
24 h, chilled retail 24 h). Ambient is the county's monthly mean for the supply day. The
ride is a hold at one temperature, so the consumed shelf life is
``phi(t) = phi(0) + t / (24 SL(T_ride))`` and the cost of the distance is
``value x [L(phi(t)) - L(phi(0))]`` per kg, with ``L`` the freshness model's Weibull loss:
the loss the haul adds, not the loss of the whole chain. Temperatures are never set below the
product's ``t_min_c`` (the freshness model does not extrapolate there).

No facility: every village may also send its kg nowhere (the ambient chain). That option is
one more site of the model, always open, free and unbounded, at the cost of the spoilage the
cold chain would have avoided, ``kg x value x [L(phi_ambient) - L(phi_cold(0))]`` per product
and month (:func:`spoilage_avoided_yuan_per_kg`, with :func:`ambient_journey`). "Build
nothing" is therefore a feasible answer with its cost (``nothing_yuan``, curve point 0), a
capacity short of the season's kg leaves the rest on the ambient chain, and each open site has
a net value (:class:`SiteValue`: spoilage avoided - transport - fixed cost, yuan/season).

Marginal value of the k-th site: the objective with k new sites (k = 0..K), each point solved
to proven optimality (``curve="exact"``, each point its own status and gap; optimal values
need not be concave in k, which the notes say when it happens) or by successive solves that
keep the previous sites open and add one (``curve="nested"``: a build order whose marginal
coverage never increases, coverage being submodular).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from ruralflow.domain import County, Place, PlaceKind, Product, SourcedValue
from ruralflow.domain.places import StationFunction
from ruralflow.freshness import (
    WEIBULL_SCALE_PHI,
    WEIBULL_SHAPE,
    CoolingMethod,
    FreshnessError,
    Journey,
    consumed_fraction,
    decay_rate_per_hour,
    default_precooling,
    hold,
    typical_ambient_chain,
    typical_cold_chain,
)
from ruralflow.geo import Geography
from ruralflow.siting.covering import coverage, maximal_covering, set_covering
from ruralflow.siting.errors import InfeasibleSitingError, SitingError, SitingInputError
from ruralflow.siting.facility import (
    capacitated_facility_location,
    uncapacitated_facility_location,
)
from ruralflow.siting.result import SitingResult, SolverOptions

__all__ = [
    "DEFAULT_COSTS",
    "DEFAULT_FACILITY_RADIUS_KM",
    "DEFAULT_NEW_STATIONS",
    "DEFAULT_STATION_RADIUS_KM",
    "WHATS",
    "CostLine",
    "CountySitingOptions",
    "CountySitingResult",
    "CoverageFigure",
    "CurvePoint",
    "Site",
    "SiteValue",
    "ambient_journey",
    "journey_to_facility",
    "site_county",
    "spoilage_avoided_yuan_per_kg",
    "spoilage_yuan_per_kg",
]

What = Literal["stations", "cold-hub", "preprocess"]
ExistingRule = Literal["auto", "functions", "townships", "none"]
CurveMode = Literal["exact", "nested", "none"]

#: The questions :func:`site_county` answers.
WHATS: tuple[str, ...] = ("stations", "cold-hub", "preprocess")

#: The paper's "two kilometres" (两公里), the default station radius.
DEFAULT_STATION_RADIUS_KM = 2.0
#: Radius of the coverage figure for cold hubs and preprocess centres (ASSUMPTION: produce
#: within a 10 km haul of pre-cooling, about 15-20 minutes by van).
DEFAULT_FACILITY_RADIUS_KM = 10.0
#: New stations when neither ``p`` nor a budget is given.
DEFAULT_NEW_STATIONS = 10
#: Curve length cap when it is not given and the question does not fix it.
MAX_CURVE = 30
#: Village households quantile above which a village is a derived preprocess candidate.
CANDIDATE_HOUSEHOLD_QUANTILE = 0.75
#: Van speed when the county has no van type (ASSUMPTION, km/h).
DEFAULT_SPEED_KMH = 40.0
#: Load factor of a collection van (ASSUMPTION).
LOAD_FACTOR = 0.8

_ASSUMED_VILLAGE_STATION = (
    "assumption: a village express / e-commerce service point (counter, shelves, scanner, "
    "sign, a year of part-time operator subsidy) about 30,000 yuan; no citable source "
    "(PARAMS.md s3 costs are a GAP)"
)

#: Cost parameters used when ``county.yaml`` does not give them.
DEFAULT_COSTS: dict[str, SourcedValue] = {
    "station_setup_yuan": SourcedValue(30000.0, "yuan/station", _ASSUMED_VILLAGE_STATION),
    "cold_hub_fixed_yuan_per_day": SourcedValue(
        1500.0,
        "yuan/day",
        "assumption: a 1,000 t cold store with pre-cooler, about 3 M yuan, annualised over 10 "
        "years at 5 % (~390,000 yuan/year) plus staff and power (~160,000 yuan/year), / 365",
    ),
    "cold_hub_capacity_kg_per_day": SourcedValue(
        30000.0, "kg/day", "assumption: intake of a county cold hub, 30 t a day"
    ),
    "preprocess_fixed_yuan_per_day": SourcedValue(
        600.0,
        "yuan/day",
        "assumption: grading line, vacuum packer and forced-air pre-cooler, about 0.8 M yuan, "
        "annualised over 8 years at 5 % (~124,000 yuan/year) plus 2 workers' wages in season, "
        "/ 365",
    ),
    "preprocess_capacity_kg_per_day": SourcedValue(
        8000.0, "kg/day", "assumption: one grading and packing line, 8 t a day"
    ),
    "transport_yuan_per_kg_km": SourcedValue(
        0.0025,
        "yuan/kg-km",
        "assumption: van 1.2 yuan/km x 2 (empty return) / (1,200 kg x 0.8 load factor)",
    ),
}

_FACILITY: dict[str, tuple[PlaceKind, str, str, str, str]] = {
    # what -> (kind, fixed key, capacity key, zh, en)
    "cold-hub": (
        PlaceKind.COLD_HUB,
        "cold_hub_fixed_yuan_per_day",
        "cold_hub_capacity_kg_per_day",
        "冷链集配中心",
        "cold hub",
    ),
    "preprocess": (
        PlaceKind.PREPROCESS_CENTRE,
        "preprocess_fixed_yuan_per_day",
        "preprocess_capacity_kg_per_day",
        "产地预处理中心",
        "preprocess centre",
    ),
}

#: what -> (zh, en) of one facility.
_FACILITY_NAMES: dict[str, tuple[str, str]] = {
    "cold-hub": ("冷链集配中心", "cold hub"),
    "preprocess": ("产地预处理中心", "preprocess centre"),
}
#: Label of the "no facility" option of the facility models (the ambient chain).
NO_FACILITY_ID = "(no facility)"

FloatArray = NDArray[np.float64]


# ----------------------------------------------------------------------------- options
@dataclass(frozen=True, slots=True)
class CountySitingOptions:
    """How :func:`site_county` asks its question.

    ``p``: new sites to open (stations: exactly this many at most, default 10; facilities: at
    most this many, default no cap: cost decides). ``budget_yuan``: stations: set-up yuan of
    the new stations; facilities: fixed cost of the new sites, yuan per season.
    ``radius_km``: station radius (default 2 km), or the radius of the facilities' coverage
    figure (default 10 km). ``cover_all`` (stations): set covering instead of maximal covering.
    ``existing``: rule or place ids (module docstring). ``curve``: ``exact``, ``nested`` or
    ``none``; ``curve_max``: K (default: ``p`` for stations, a few past the optimum's count for
    facilities, at most 30). ``capacitated``/``single_source``: facility model.
    ``time_limit_s``: seconds per MILP (every curve point is one MILP). ``household_threshold``:
    households of a village to be a derived preprocess candidate.
    """

    radius_km: float | None = None
    p: int | None = None
    budget_yuan: float | None = None
    cover_all: bool = False
    existing: ExistingRule | tuple[str, ...] = "auto"
    curve: CurveMode = "exact"
    curve_max: int | None = None
    capacitated: bool = True
    single_source: bool = False
    time_limit_s: float | None = 60.0
    mip_gap: float = 1e-9
    seed: int = 0
    household_threshold: int | None = None

    def __post_init__(self) -> None:
        if self.radius_km is not None and not (
            math.isfinite(self.radius_km) and self.radius_km > 0
        ):
            raise SitingInputError(f"radius_km must be > 0 (got {self.radius_km!r})")
        if self.p is not None and self.p < 0:
            raise SitingInputError(f"p (new sites) must be >= 0 (got {self.p})")
        if self.budget_yuan is not None and not (
            math.isfinite(self.budget_yuan) and self.budget_yuan >= 0
        ):
            raise SitingInputError(
                f"budget must be finite and >= 0 yuan (got {self.budget_yuan!r})"
            )
        if isinstance(self.existing, str):
            if self.existing not in ("auto", "functions", "townships", "none"):
                raise SitingInputError(
                    "existing must be auto, functions, townships, none or a list of place ids "
                    f"(got {self.existing!r})"
                )
        else:
            object.__setattr__(self, "existing", tuple(str(x) for x in self.existing))
        if self.curve not in ("exact", "nested", "none"):
            raise SitingInputError(f"curve must be exact, nested or none (got {self.curve!r})")
        if self.curve_max is not None and self.curve_max < 1:
            raise SitingInputError(f"curve_max must be >= 1 (got {self.curve_max})")
        if self.household_threshold is not None and self.household_threshold < 0:
            raise SitingInputError(
                f"household_threshold must be >= 0 (got {self.household_threshold})"
            )
        # SolverOptions checks time limit and gap
        self.solver()

    def solver(self) -> SolverOptions:
        """The HiGHS options of one MILP."""
        return SolverOptions(time_limit_s=self.time_limit_s, mip_gap=self.mip_gap, seed=self.seed)


# ----------------------------------------------------------------------------- result parts
def _num(value: float) -> str:
    """``24,162`` / ``30,886.9`` / ``0.0123``: a number for a person, never in e-notation."""
    if abs(value) >= 1000:
        return f"{value:,.1f}".removesuffix(".0")
    return f"{value:.6g}"


def _jf(value: float | None, digits: int = 6) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return round(float(value), digits)


@dataclass(frozen=True, slots=True)
class Site:
    """A candidate site: a place, whether it exists already, its cost and capacity.

    ``cost_yuan``: set-up yuan (stations) or fixed yuan per season (facilities), 0 for an
    existing site. ``capacity_kg``: kg per season (facilities), ``None`` for stations.
    """

    id: str
    name: str
    kind: str
    lon: float
    lat: float
    existing: bool
    cost_yuan: float
    capacity_kg: float | None = None
    name_en: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "name_en": self.name_en,
            "kind": self.kind,
            "lon": self.lon,
            "lat": self.lat,
            "existing": self.existing,
            "cost_yuan": _jf(self.cost_yuan, 2),
            "capacity_kg": _jf(self.capacity_kg, 1),
        }


@dataclass(frozen=True, slots=True)
class CoverageFigure:
    """Weight within ``radius_km`` of an open site: households (stations) or kg (facilities)."""

    weight: float
    total: float
    radius_km: float
    unit: str
    sites: int

    @property
    def share(self) -> float:
        return self.weight / self.total if self.total > 0 else 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "weight": _jf(self.weight, 3),
            "total": _jf(self.total, 3),
            "share": _jf(self.share),
            "radius_km": self.radius_km,
            "unit": self.unit,
            "sites": self.sites,
        }


@dataclass(frozen=True, slots=True)
class CostLine:
    """One line of the cost breakdown: ``yuan`` in ``unit`` (e.g. ``yuan/season``)."""

    key: str
    zh: str
    en: str
    yuan: float
    unit: str
    basis: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "zh": self.zh,
            "en": self.en,
            "yuan": _jf(self.yuan, 2),
            "unit": self.unit,
            "basis": self.basis,
        }


@dataclass(frozen=True, slots=True)
class CurvePoint:
    """The answer with ``k`` new sites.

    ``objective``: covered households with at most ``k`` new stations, or the total cost
    (yuan/season) with exactly ``k`` new facilities: ``fixed_yuan`` + ``variable_yuan``
    (transport + spoilage of the haul);
    ``marginal``: what the k-th site adds (households) or saves (yuan/season) over the point
    ``k - 1`` (``None`` when that point has no solution). ``added``: new sites in this point
    not in the previous one. ``status``/``gap``: of this point's MILP ("infeasible" with
    ``message`` when no solution exists, e.g. capacity below demand).
    """

    k: int
    objective: float | None
    marginal: float | None
    status: str
    gap: float | None
    runtime_s: float
    new_ids: tuple[str, ...]
    added: tuple[str, ...] = ()
    coverage_share: float | None = None
    message: str = ""
    fixed_yuan: float | None = None
    variable_yuan: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "k": self.k,
            "objective": _jf(self.objective),
            "marginal": _jf(self.marginal),
            "status": self.status,
            "gap": _jf(self.gap, 9),
            "runtime_s": round(self.runtime_s, 4),
            "new_ids": list(self.new_ids),
            "added": list(self.added),
            "coverage_share": _jf(self.coverage_share),
            "fixed_yuan": _jf(self.fixed_yuan, 2),
            "variable_yuan": _jf(self.variable_yuan, 2),
            "message": self.message,
        }


@dataclass(frozen=True, slots=True)
class ClientRow:
    """A village as a demand point: its weight and its nearest open site before and after."""

    id: str
    weight: float
    site_before: str | None
    km_before: float | None
    site_after: str | None
    km_after: float | None
    covered_before: bool
    covered_after: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "weight": self.weight,
            "site_before": self.site_before,
            "km_before": _jf(self.km_before, 4),
            "site_after": self.site_after,
            "km_after": _jf(self.km_after, 4),
            "covered_before": self.covered_before,
            "covered_after": self.covered_after,
        }


@dataclass(frozen=True, slots=True)
class SiteValue:
    """What an open cold hub or preprocess centre is worth, yuan per season.

    ``spoilage_avoided_yuan``: the expected spoilage of the kg it serves on the ambient chain
    minus that on the cold chain through it (the haul's own spoilage included);
    ``net_yuan`` = spoilage avoided - transport to it - its fixed cost (0 for an existing
    site): what the site adds over taking its villages' produce nowhere.
    """

    id: str
    kg: float
    spoilage_avoided_yuan: float
    transport_yuan: float
    fixed_yuan: float

    @property
    def net_yuan(self) -> float:
        return self.spoilage_avoided_yuan - self.transport_yuan - self.fixed_yuan

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kg": _jf(self.kg, 3),
            "spoilage_avoided_yuan": _jf(self.spoilage_avoided_yuan, 2),
            "transport_yuan": _jf(self.transport_yuan, 2),
            "fixed_yuan": _jf(self.fixed_yuan, 2),
            "net_yuan": _jf(self.net_yuan, 2),
            "unit": "yuan/season",
        }


_QUESTION: dict[str, tuple[str, str]] = {
    "stations": ("村级服务站", "village service stations"),
    "cold-hub": ("冷链集配中心", "cold hubs"),
    "preprocess": ("产地预处理中心", "preprocess centres"),
}


@dataclass(frozen=True)
class CountySitingResult:
    """The answer of :func:`site_county`.

    ``objective_unit`` is ``households`` (stations: covered households, or yuan of set-up with
    ``cover_all``) or ``yuan/season`` (facilities: fixed + transport + spoilage). ``result`` is
    the main MILP's :class:`SitingResult` (status, objective, best bound, gap).
    """

    county: str
    county_en: str
    adcode: str
    what: str
    model: str
    objective_unit: str
    sense: str
    result: SitingResult
    candidates: tuple[Site, ...]
    open_ids: tuple[str, ...]
    new_ids: tuple[str, ...]
    existing_ids: tuple[str, ...]
    coverage_before: CoverageFigure
    coverage_after: CoverageFigure
    costs: tuple[CostLine, ...]
    curve: tuple[CurvePoint, ...]
    clients: tuple[ClientRow, ...]
    assumptions: dict[str, SourcedValue]
    candidate_rule: str
    existing_rule: str
    season: dict[str, Any]
    notes: tuple[str, ...]
    runtime_s: float
    metrics: dict[str, float] = field(default_factory=dict)
    #: Facilities: each open site's spoilage avoided and net value (yuan/season).
    site_values: tuple[SiteValue, ...] = ()
    #: Facilities: the cost of building nothing (yuan/season): the cold chain's avoidable
    #: spoilage of every kg, none of it avoided.
    nothing_yuan: float | None = None

    @property
    def status(self) -> str:
        return self.result.status

    @property
    def objective(self) -> float | None:
        return self.result.objective

    @property
    def gap(self) -> float | None:
        return self.result.gap

    @property
    def site_by_id(self) -> dict[str, Site]:
        return {s.id: s for s in self.candidates}

    @property
    def total_cost_yuan(self) -> float:
        return float(sum(c.yuan for c in self.costs if c.key != "total"))

    def _name(self, sid: str) -> str:
        s = self.site_by_id.get(sid)
        return f"{s.name} ({sid})" if s is not None else sid

    def summary(self) -> str:
        """A few lines for a person: question, status, coverage, sites, costs, curve, notes."""
        zh, en = _QUESTION[self.what]
        r = self.result
        gap = "unknown" if r.gap is None else f"{100 * r.gap:.4g} %"
        obj = "none found" if r.objective is None else _num(r.objective)
        bound = "unknown" if r.best_bound is None else _num(r.best_bound)
        name = f"{self.county} ({self.county_en})" if self.county_en else self.county
        n_new = sum(1 for s in self.candidates if not s.existing)
        lines = [
            f"{name} {self.adcode}: {zh} / {en}, {self.model}",
            f"  候选 / candidates: {len(self.candidates)} ({len(self.existing_ids)} existing, "
            f"{n_new} new); {self.candidate_rule}",
            f"  现有 / existing: {self.existing_rule}",
            f"  求解 / solver: {r.status} in {r.runtime_s:.2f} s; "
            f"objective {obj} {self.objective_unit}, best bound {bound}, gap {gap}",
        ]
        b, a = self.coverage_before, self.coverage_after
        lines.append(
            f"  覆盖 / coverage within {b.radius_km:g} km: before {b.weight:,.0f} of "
            f"{b.total:,.0f} {b.unit} ({100 * b.share:.1f} %, {b.sites} sites) -> after "
            f"{a.weight:,.0f} ({100 * a.share:.1f} %, {a.sites} sites)"
        )
        shown = ", ".join(self._name(s) for s in self.new_ids[:15])
        more = f" and {len(self.new_ids) - 15} more" if len(self.new_ids) > 15 else ""
        lines.append(f"  新站点 / new sites ({len(self.new_ids)}): {shown or 'none'}{more}")
        for c in self.costs:
            lines.append(
                f"  {c.zh} / {c.en}: {c.yuan:,.0f} {c.unit}" + (f" ({c.basis})" if c.basis else "")
            )
        if self.nothing_yuan is not None:
            zh_k, en_k = _FACILITY_NAMES[self.what]
            total = next((c.yuan for c in self.costs if c.key == "total"), None)
            if not self.open_ids:
                lines.append(
                    f"  答案：不建{zh_k} / answer: build no {en_k}: no site's spoilage avoided "
                    f"pays for its haul and fixed cost; building nothing costs "
                    f"{self.nothing_yuan:,.0f} yuan/season of avoidable spoilage"
                )
            elif total is not None:
                lines.append(
                    f"  不建 / building nothing: {self.nothing_yuan:,.0f} yuan/season of "
                    f"avoidable spoilage; this answer saves {self.nothing_yuan - total:,.0f} "
                    "yuan/season"
                )
            for v in self.site_values:
                lines.append(
                    f"  {self._name(v.id)}: {v.kg:,.0f} kg, 避免损耗 spoilage avoided "
                    f"{v.spoilage_avoided_yuan:,.0f} - transport {v.transport_yuan:,.0f} - fixed "
                    f"{v.fixed_yuan:,.0f} = 净值 net {v.net_yuan:,.0f} yuan/season"
                )
        if self.curve:
            lines.append(
                "  第 k 个站点的边际价值 / marginal value of the k-th site "
                f"({'households added' if self.sense == 'max' else 'yuan/season saved'}):"
            )
            for pt in self.curve:
                if pt.objective is None:
                    lines.append(f"    k={pt.k}: {pt.status} {pt.message}".rstrip())
                    continue
                marg = "-" if pt.marginal is None else f"{pt.marginal:,.0f}"
                g = "?" if pt.gap is None else f"{100 * pt.gap:.3g} %"
                cov = (
                    ""
                    if pt.coverage_share is None
                    else f", coverage {100 * pt.coverage_share:.1f} %"
                )
                if pt.variable_yuan is not None and pt.fixed_yuan is not None:
                    cov = f" (variable {pt.variable_yuan:,.0f} + fixed {pt.fixed_yuan:,.0f})"
                lines.append(
                    f"    k={pt.k}: objective {pt.objective:,.0f}, marginal {marg}{cov} "
                    f"[{pt.status}, gap {g}, {pt.runtime_s:.2f} s]"
                    + (f" +{', '.join(pt.added)}" if pt.added and len(pt.added) <= 3 else "")
                )
        lines.extend(f"  说明 / note: {n}" for n in self.notes)
        lines.append(f"  总用时 / total time {self.runtime_s:.2f} s")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers become ``None``)."""
        r = self.result
        return {
            "county": self.county,
            "county_en": self.county_en,
            "adcode": self.adcode,
            "what": self.what,
            "model": self.model,
            "objective_unit": self.objective_unit,
            "sense": self.sense,
            "status": r.status,
            "objective": _jf(r.objective),
            "best_bound": _jf(r.best_bound),
            "gap": _jf(r.gap, 9),
            "runtime_s": round(self.runtime_s, 4),
            "open_ids": list(self.open_ids),
            "new_ids": list(self.new_ids),
            "existing_ids": list(self.existing_ids),
            "sites": [self.site_by_id[s].to_dict() for s in self.open_ids],
            "coverage": {
                "before": self.coverage_before.to_dict(),
                "after": self.coverage_after.to_dict(),
            },
            "costs": [c.to_dict() for c in self.costs],
            "curve": [p.to_dict() for p in self.curve],
            "candidates": [s.to_dict() for s in self.candidates],
            "candidate_rule": self.candidate_rule,
            "existing_rule": self.existing_rule,
            "clients": [c.to_dict() for c in self.clients],
            "assumptions": {
                k: {"value": v.value, "unit": v.unit, "source": v.source}
                for k, v in self.assumptions.items()
            },
            "season": dict(self.season),
            "metrics": {k: _jf(v) for k, v in self.metrics.items()},
            "site_values": [v.to_dict() for v in self.site_values],
            "nothing_yuan": _jf(self.nothing_yuan, 2),
            "notes": list(self.notes),
            "result": r.to_dict(),
        }


# ----------------------------------------------------------------------------- helpers
def _cost(county: County, key: str, used: dict[str, SourcedValue]) -> float:
    v = county.settings.costs.get(key)
    if v is None:
        v = DEFAULT_COSTS[key]
    used[key] = v
    return float(v.value)


def _van_speed_and_tariff(county: County) -> tuple[float, SourcedValue, str]:
    """Van speed (km/h), transport yuan/kg-km and where the tariff comes from."""
    vans = [v for v in county.vehicle_types if v.kind.value == "van"]
    speed = float(vans[0].speed_kmh) if vans else DEFAULT_SPEED_KMH
    given = county.settings.costs.get("transport_yuan_per_kg_km")
    if given is not None:
        return speed, given, "county.yaml costs"
    if vans:
        v = vans[0]
        value = v.cost_yuan_per_km * 2.0 / (v.capacity_kg * LOAD_FACTOR)
        return (
            speed,
            SourcedValue(
                value,
                "yuan/kg-km",
                f"derived from fleet.csv {v.id!r}: {v.cost_yuan_per_km:g} yuan/km x 2 (empty "
                f"return) / ({v.capacity_kg:g} kg x {LOAD_FACTOR:g} load factor, assumption); "
                f"van cost: {v.source}",
            ),
            "fleet.csv",
        )
    return speed, DEFAULT_COSTS["transport_yuan_per_kg_km"], "assumption"


def _weibull(phi: FloatArray) -> FloatArray:
    out: FloatArray = -np.expm1(-np.power(phi / WEIBULL_SCALE_PHI, WEIBULL_SHAPE))
    return out


def _precool_method(product: Product) -> CoolingMethod:
    for name in (product.name_en.split("(")[0], product.id):
        if not name.strip():
            continue
        try:
            return default_precooling(name)
        except FreshnessError:
            continue
    return CoolingMethod.FORCED_AIR


def journey_to_facility(
    product: Product,
    ride_h: float,
    *,
    ambient_c: float,
    field_heat_h: float = 2.0,
    method: CoolingMethod | str | None = None,
) -> Journey:
    """The journey of a kg hauled ``ride_h`` hours from its village to a cold hub / centre.

    Field heat (``field_heat_h`` at ambient + 4 degC), the ride (ambient + 2 degC), pre-cooling
    at the facility and the calibrated cold chain after it (module docstring). Temperatures
    are held at ``t_min_c`` at least.
    """
    m = _precool_method(product) if method is None else CoolingMethod(method)
    tail = typical_cold_chain(product, ambient_c, m).segments[1:]
    return Journey.of(
        [
            hold(
                "field heat: harvest to collection",
                field_heat_h,
                max(ambient_c + 4.0, product.t_min_c),
            ),
            hold("haul to the facility", ride_h, max(ambient_c + 2.0, product.t_min_c)),
            *tail,
        ],
        name=f"village -> facility ({ride_h:g} h) -> cold chain",
    )


def spoilage_yuan_per_kg(
    product: Product,
    ride_h: float | FloatArray,
    *,
    ambient_c: float,
    field_heat_h: float = 2.0,
    method: CoolingMethod | str | None = None,
) -> FloatArray:
    """Expected spoilage yuan per kg that a haul of ``ride_h`` hours adds (0 at 0 h).

    ``value x [L(phi(t)) - L(phi(0))]`` with ``phi(t) = phi(0) + t / (24 SL(T_ride))``; equal
    to the difference of :func:`ruralflow.freshness.assess` over :func:`journey_to_facility`
    at ``t`` and at 0 hours, computed for a whole matrix of ride times at once.
    """
    t = np.asarray(ride_h, dtype=np.float64)
    base = journey_to_facility(
        product, 0.0, ambient_c=ambient_c, field_heat_h=field_heat_h, method=method
    )
    phi0 = consumed_fraction(product, base)
    rate = decay_rate_per_hour(product, base.segments[1].air_c)
    extra = _weibull(phi0 + rate * np.maximum(t, 0.0)) - _weibull(np.asarray(phi0))
    out: FloatArray = product.value_yuan_per_kg * extra
    return out


def ambient_journey(product: Product, *, ambient_c: float, field_heat_h: float = 2.0) -> Journey:
    """The journey of a kg that no cold hub or centre takes in: field heat (``field_heat_h`` at
    ambient + 4 degC), then the calibrated ambient chain after it
    (:func:`ruralflow.freshness.typical_ambient_chain`: village wait, van ride, county hub
    sorting, unrefrigerated long haul, market and retail). Temperatures are held at
    ``t_min_c`` at least (the freshness model does not extrapolate below it).
    """
    rest = typical_ambient_chain(ambient_c).segments[1:]
    return Journey.of(
        [
            hold(
                "field heat: harvest to collection",
                field_heat_h,
                max(ambient_c + 4.0, product.t_min_c),
            ),
            *(hold(g.name, g.hours, max(g.air_c, product.t_min_c)) for g in rest),
        ],
        name=f"village -> ambient chain at {ambient_c:g} degC",
    )


def spoilage_avoided_yuan_per_kg(
    product: Product,
    *,
    ambient_c: float,
    field_heat_h: float = 2.0,
    method: CoolingMethod | str | None = None,
) -> float:
    """Expected spoilage yuan per kg that pre-cooling and the cold chain avoid for a kg
    already at the facility: ``value x [L(phi_ambient) - L(phi_cold(0))]``, with the
    ambient journey of :func:`ambient_journey` and the cold journey of
    :func:`journey_to_facility` at 0 hours of haul; never below 0 (a month cold enough that
    the ambient chain is no worse avoids nothing).
    """
    amb = consumed_fraction(
        product, ambient_journey(product, ambient_c=ambient_c, field_heat_h=field_heat_h)
    )
    cold = consumed_fraction(
        product,
        journey_to_facility(
            product, 0.0, ambient_c=ambient_c, field_heat_h=field_heat_h, method=method
        ),
    )
    diff = _weibull(np.asarray(amb)) - _weibull(np.asarray(cold))
    return max(0.0, float(product.value_yuan_per_kg * diff))


def _unique_places(places: Sequence[Place]) -> tuple[list[Place], int]:
    """Places with duplicates (same id, or the same point) removed; the number removed."""
    out: list[Place] = []
    seen_ids: set[str] = set()
    seen_pts: set[tuple[float, float]] = set()
    dropped = 0
    for p in places:
        pt = (round(p.lon, 6), round(p.lat, 6))
        if p.id in seen_ids:
            continue
        if pt in seen_pts:
            dropped += 1
            continue
        seen_ids.add(p.id)
        seen_pts.add(pt)
        out.append(p)
    return out, dropped


def _what(what: str) -> What:
    w = what.strip().lower().replace("_", "-")
    if w in ("cold-hubs", "coldhub"):
        w = "cold-hub"
    if w == "station":
        w = "stations"
    if w not in WHATS:
        raise SitingInputError(f"what must be one of {', '.join(WHATS)} (got {what!r})")
    return w  # type: ignore[return-value]


def _explicit_existing(county: County, ids: tuple[str, ...]) -> list[Place]:
    by_id = county.place_by_id
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise SitingInputError(
            f"现有站点不是本县地点编号 / existing site(s) "
            f"{', '.join(repr(m) for m in missing[:5])} are not place ids of {county.name}"
        )
    return [by_id[i] for i in ids]


def _existing_stations(
    county: County, rule: ExistingRule | tuple[str, ...]
) -> tuple[list[Place], str]:
    if isinstance(rule, tuple):
        return _explicit_existing(county, rule), f"given: {len(rule)} place(s)"
    villages = county.villages
    townships = [county.hub, *county.townships]
    if rule == "auto":
        if villages and all(StationFunction.PARCELS_IN in v.functions for v in villages):
            return townships, (
                f"auto: all {len(villages)} villages list parcels_in in places.csv (the bundle "
                "generator's default), which would make coverage 100 % before any new station; "
                "existing stations are taken to be the county hub and the "
                f"{len(county.townships)} township stations (乡镇有网、村里断链). "
                "Use existing='functions' to count the villages' own stations"
            )
        rule = "functions"
        prefix = "auto -> functions"
    else:
        prefix = rule
    if rule == "functions":
        ex = [
            p
            for p in county.places
            if StationFunction.PARCELS_IN in p.functions and p.kind is not PlaceKind.CANDIDATE_SITE
        ]
        return ex, f"{prefix}: places whose functions include parcels_in ({len(ex)})"
    if rule == "townships":
        return (
            townships,
            f"townships: the county hub and {len(county.townships)} township stations",
        )
    return [], "none: no existing station"


# ----------------------------------------------------------------------------- stations
def _curve_len(requested: int | None, default: int) -> int:
    return max(0, requested if requested is not None else min(default, MAX_CURVE))


def _affordable(costs: FloatArray, budget: float | None) -> int:
    """Most new sites whose total cost fits in the budget (cheapest first)."""
    if budget is None:
        return costs.size
    c = np.sort(costs)
    return int(np.searchsorted(np.cumsum(c), budget + 1e-9, side="right"))


def _stations(
    county: County, geo: Geography, opts: CountySitingOptions, started: float
) -> CountySitingResult:
    radius = opts.radius_km if opts.radius_km is not None else DEFAULT_STATION_RADIUS_KM
    used: dict[str, SourcedValue] = {}
    setup = _cost(county, "station_setup_yuan", used)
    existing, existing_rule = _existing_stations(county, opts.existing)
    villages = county.villages
    clients = [v for v in villages if v.households > 0]
    if not clients:
        raise SitingInputError(
            f"{county.name} 没有有住户的村，无可覆盖 / has no village with households: "
            "nothing to cover"
        )
    cand_sites = county.places_of_kind(PlaceKind.CANDIDATE_SITE)
    ex_ids = {p.id for p in existing}
    ordered: list[Place] = []
    seen: set[str] = set()
    for p in (*villages, *cand_sites, *existing):
        if p.id not in seen:
            seen.add(p.id)
            ordered.append(p)
    candidate_rule = (
        f"every village ({len(villages)}), candidate_site places ({len(cand_sites)}) and the "
        "existing stations"
    )
    sids = [p.id for p in ordered]
    ex_idx = [i for i, p in enumerate(ordered) if p.id in ex_ids]
    ex_set = set(ex_idx)
    costs = np.array([0.0 if p.id in ex_ids else setup for p in ordered])
    d = geo.km[np.ix_(geo.indices([c.id for c in clients]), geo.indices(sids))]
    w = np.array([c.households for c in clients], dtype=np.float64)
    new_costs = costs[[i for i in range(len(ordered)) if i not in ex_set]]
    notes: list[str] = []
    budget = opts.budget_yuan
    if budget is not None and new_costs.size and budget < float(new_costs.min()):
        raise InfeasibleSitingError(
            f"预算低于任何新站点的建设成本 / budget {budget:,.0f} yuan is below the set-up "
            "cost of any new station "
            f"({float(new_costs.min()):,.0f} yuan each, station_setup_yuan): no station can be "
            "added"
        )
    n_ex = len(ex_idx)
    n_free = len(ordered) - n_ex
    solver = opts.solver()
    site_cost = costs if budget is not None else None
    before_w, _ = coverage(d, ex_idx, weights=w, radius=radius) if ex_idx else (0.0, 0.0)
    if opts.cover_all:
        max_sites = None if opts.p is None else n_ex + opts.p
        main = set_covering(
            d,
            radius=radius,
            weights=w,
            # yuan of set-up (one per new site when set-up is free: the count is minimised)
            site_cost=costs
            if setup > 0
            else np.array([0.0 if i in ex_set else 1.0 for i in range(len(ordered))]),
            existing=ex_idx,
            budget=budget,
            max_sites=max_sites,
            site_ids=sids,
            client_ids=[c.id for c in clients],
            options=solver,
        )
        model = f"set covering within {radius:g} km (fewest new stations covering everyone)"
        p_new = sum(1 for j in main.open_sites if j not in ex_set)
        k_default = p_new
    else:
        if opts.p is not None:
            p_new = opts.p
        elif budget is not None:
            p_new = _affordable(new_costs, budget)
        else:
            p_new = DEFAULT_NEW_STATIONS
        p_new = min(p_new, n_free)
        if p_new < 1:
            notes.append(
                f"no new station to choose: p = {p_new}, {n_free} candidate site(s) without a "
                "station"
            )
        main = maximal_covering(
            d,
            n_ex + p_new,
            weights=w,
            radius=radius,
            existing=ex_idx,
            site_cost=site_cost,
            budget=budget,
            site_ids=sids,
            client_ids=[c.id for c in clients],
            options=solver,
        )
        model = f"maximal covering within {radius:g} km, {p_new} new station(s)"
        k_default = min(p_new, _affordable(new_costs, budget))
    notes.extend(main.notes)
    open_idx = list(main.open_sites)
    after_w, _ = coverage(d, open_idx, weights=w, radius=radius) if open_idx else (0.0, 0.0)
    total = float(w.sum())
    new_idx = [j for j in open_idx if j not in ex_set]
    # curve
    n_curve = _curve_len(opts.curve_max, k_default)
    curve: list[CurvePoint] = [
        CurvePoint(0, before_w, None, "optimal", 0.0, 0.0, (), coverage_share=before_w / total)
    ]
    prev_open: list[int] = list(ex_idx)
    if opts.curve != "none":
        for k in range(1, n_curve + 1):
            t0 = time.perf_counter()
            if opts.curve == "exact" and not opts.cover_all and k == p_new:
                r = main
            else:
                fixed = ex_idx if opts.curve == "exact" else prev_open
                try:
                    r = maximal_covering(
                        d,
                        (n_ex + k) if opts.curve == "exact" else len(prev_open) + 1,
                        weights=w,
                        radius=radius,
                        existing=fixed,
                        site_cost=site_cost,
                        budget=budget,
                        site_ids=sids,
                        options=solver,
                    )
                except SitingError as e:
                    curve.append(
                        CurvePoint(
                            k,
                            None,
                            None,
                            "infeasible",
                            None,
                            time.perf_counter() - t0,
                            (),
                            message=str(e),
                        )
                    )
                    break
            pt_new = tuple(sids[j] for j in r.open_sites if j not in ex_set)
            prev = curve[-1]
            obj = r.objective
            curve.append(
                CurvePoint(
                    k,
                    obj,
                    None if obj is None or prev.objective is None else obj - prev.objective,
                    r.status,
                    r.gap,
                    r.runtime_s if r is not main else main.runtime_s,
                    pt_new,
                    tuple(s for s in pt_new if s not in set(prev.new_ids)),
                    coverage_share=None if obj is None else obj / total,
                )
            )
            prev_open = list(r.open_sites)
    _check_concavity(curve, notes, "households")
    # clients
    rows = _client_rows([c.id for c in clients], w, d, sids, ex_idx, open_idx, radius)
    n_new = len(new_idx)
    setup_src = used["station_setup_yuan"].source.split(":")[0]
    cost_lines = [
        CostLine(
            "setup",
            "新建站点建设",
            "New station set-up",
            n_new * setup,
            "yuan (one-off)",
            f"{n_new} x {setup:,.0f} yuan/station ({setup_src})",
        )
    ]
    added = after_w - before_w
    metrics = {
        "households_added": added,
        "yuan_per_household_added": n_new * setup / added if added > 0 else math.inf,
        "new_sites": float(n_new),
        "existing_sites": float(n_ex),
    }
    return CountySitingResult(
        county=county.name,
        county_en=county.settings.name_en,
        adcode=county.adcode,
        what="stations",
        model=model,
        objective_unit="yuan (set-up)" if opts.cover_all else "households",
        sense=main.sense,
        result=main,
        candidates=tuple(
            Site(
                p.id,
                p.name,
                p.kind.value,
                p.lon,
                p.lat,
                p.id in ex_ids,
                float(costs[i]),
                None,
                p.name_en,
            )
            for i, p in enumerate(ordered)
        ),
        open_ids=tuple(sids[j] for j in open_idx),
        new_ids=tuple(sids[j] for j in new_idx),
        existing_ids=tuple(sids[j] for j in ex_idx),
        coverage_before=CoverageFigure(before_w, total, radius, "households", n_ex),
        coverage_after=CoverageFigure(after_w, total, radius, "households", len(open_idx)),
        costs=tuple(cost_lines),
        curve=tuple(curve) if opts.curve != "none" else (),
        clients=rows,
        assumptions=used,
        candidate_rule=candidate_rule,
        existing_rule=existing_rule,
        season={},
        notes=tuple(notes),
        runtime_s=time.perf_counter() - started,
        metrics=metrics,
    )


def _check_concavity(curve: list[CurvePoint], notes: list[str], unit: str) -> None:
    margs = [(p.k, p.marginal) for p in curve if p.marginal is not None]
    for (k0, m0), (k1, m1) in itertools.pairwise(margs):
        if m0 is not None and m1 is not None and m1 > m0 + 1e-6 * max(1.0, abs(m0)):
            notes.append(
                f"the optimal value is not concave in k here: the {k1}-th site is worth "
                f"{m1:,.0f} {unit} > the {k0}-th's {m0:,.0f} (a pair of sites together beats "
                "any single addition); curve='nested' gives a build order instead"
            )
            return


def _client_rows(
    ids: Sequence[str],
    w: FloatArray,
    d: FloatArray,
    sids: Sequence[str],
    before: Sequence[int],
    after: Sequence[int],
    radius: float,
    assigned: Sequence[int] | None = None,
) -> tuple[ClientRow, ...]:
    """Each client's nearest open site before and after (``assigned``: the site serving it
    after, when a capacitated model chose one other than the nearest)."""
    n = len(ids)

    def nearest(open_: Sequence[int]) -> tuple[list[str | None], list[float]]:
        if not open_:
            return [None] * n, [math.inf] * n
        cols = list(open_)
        sub = d[:, cols]
        j = np.argmin(sub, axis=1)
        return [sids[cols[int(x)]] for x in j], [float(sub[i, j[i]]) for i in range(n)]

    sb, kb = nearest(before)
    sa, ka = nearest(after)
    if assigned is not None:
        for i, j in enumerate(assigned):
            if j >= 0:
                sa[i], ka[i] = sids[j], float(d[i, j])
    _, near_after = nearest(after)
    return tuple(
        ClientRow(
            ids[i],
            float(w[i]),
            sb[i],
            kb[i] if math.isfinite(kb[i]) else None,
            sa[i],
            ka[i] if math.isfinite(ka[i]) else None,
            kb[i] <= radius,
            near_after[i] <= radius,
        )
        for i in range(n)
    )


# ----------------------------------------------------------------------------- facilities
@dataclass(frozen=True, slots=True)
class _Group:
    product: Product
    month: int
    ambient_c: float
    field_heat_h: float


def _season(county: County) -> tuple[dt.date, dt.date, int]:
    days = sorted({s.day for s in county.supply_up})
    return days[0], days[-1], (days[-1] - days[0]).days + 1


def _derived_facility_candidates(
    county: County, what: What, threshold: int | None
) -> tuple[list[Place], str]:
    if what == "cold-hub":
        return [county.hub, *county.townships], (
            "derived (the bundle has no candidate_site places): the county hub and the "
            f"{len(county.townships)} township stations"
        )
    hh = np.array([v.households for v in county.villages], dtype=np.float64)
    thr = (
        threshold
        if threshold is not None
        else (math.ceil(float(np.quantile(hh, CANDIDATE_HOUSEHOLD_QUANTILE))) if hh.size else 0)
    )
    big = [v for v in county.villages if v.households >= thr]
    return [*county.townships, *big], (
        "derived (the bundle has no candidate_site places): the "
        f"{len(county.townships)} township stations and the {len(big)} villages with at least "
        f"{thr} households"
        + ("" if threshold is not None else " (75th percentile of village households)")
    )


def _facilities(
    county: County, geo: Geography, what: What, opts: CountySitingOptions, started: float
) -> CountySitingResult:
    if opts.cover_all:
        raise SitingInputError("cover_all applies to stations only")
    kind, fixed_key, cap_key, _zh, en = _FACILITY[what]
    if not county.supply_up:
        raise SitingInputError(
            f"{county.name} has no up supply (supply_up.csv): no produce to bring to a {en}"
        )
    radius = opts.radius_km if opts.radius_km is not None else DEFAULT_FACILITY_RADIUS_KM
    used: dict[str, SourcedValue] = {}
    first, last, n_days = _season(county)
    fixed_day = _cost(county, fixed_key, used)
    cap_day = _cost(county, cap_key, used)
    speed, tariff, _ = _van_speed_and_tariff(county)
    used["transport_yuan_per_kg_km"] = tariff
    notes: list[str] = []

    # demand: season kg per village and per (product, month) group
    products = county.product_by_id
    kg_by: dict[tuple[str, str, int], float] = defaultdict(float)
    heat: dict[tuple[str, int], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for s in county.supply_up:
        kg_by[(s.village, s.product, s.day.month)] += s.kg
        h = heat[(s.product, s.day.month)]
        h[0] += s.kg * (s.ready_min - s.harvest_min) / 60.0
        h[1] += s.kg
    groups = [
        _Group(
            products[pid],
            month,
            county.settings.monthly_mean_temp_c[month - 1],
            h[0] / h[1] if h[1] > 0 else 2.0,
        )
        for (pid, month), h in sorted(heat.items())
    ]
    gindex = {(g.product.id, g.month): k for k, g in enumerate(groups)}
    clients = [v for v in county.villages if any(key[0] == v.id for key in kg_by)]
    cindex = {v.id: i for i, v in enumerate(clients)}
    kg = np.zeros((len(clients), len(groups)))
    for (vid, pid, month), x in kg_by.items():
        kg[cindex[vid], gindex[(pid, month)]] += x
    demand = kg.sum(axis=1)

    # candidates and existing sites
    if isinstance(opts.existing, tuple):
        existing = _explicit_existing(county, opts.existing)
        existing_rule = f"given: {len(existing)} place(s)"
    elif opts.existing == "none":
        existing, existing_rule = [], "none"
    elif opts.existing == "townships":
        raise SitingInputError(f"existing='townships' applies to stations only, not to {en}s")
    else:
        existing = county.places_of_kind(kind)
        existing_rule = f"places of kind {kind.value} ({len(existing)})"
    cands = county.places_of_kind(PlaceKind.CANDIDATE_SITE)
    if cands:
        candidate_rule = f"candidate_site places ({len(cands)}) and existing {en}s"
    else:
        cands, candidate_rule = _derived_facility_candidates(
            county, what, opts.household_threshold
        )
        notes.append(f"candidate sites {candidate_rule}")
    ordered, dropped = _unique_places([*existing, *cands])
    if dropped:
        notes.append(f"{dropped} candidate(s) at the same point as another kept once")
    ex_ids = {p.id for p in existing}
    ex_idx = [i for i, p in enumerate(ordered) if p.id in ex_ids]
    sids = [p.id for p in ordered]
    m = len(ordered)
    fixed = np.array([0.0 if p.id in ex_ids else fixed_day * n_days for p in ordered])
    capacity = np.full(m, cap_day * n_days)
    budget = opts.budget_yuan
    if budget is not None and m > len(ex_idx):
        cheapest = float(fixed[[j for j in range(m) if j not in set(ex_idx)]].min())
        if budget < cheapest:
            notes.append(
                f"预算低于任何新设施的固定成本 / budget {budget:,.0f} yuan/season is below the "
                f"fixed cost of any new {en} "
                f"({cheapest:,.0f} yuan/season = {fixed_day:,.0f} yuan/day x {n_days} days, "
                f"{fixed_key}): no new site"
            )

    # costs: transport + spoilage of the haul
    ci = geo.indices([c.id for c in clients])
    sj = geo.indices(sids)
    km = geo.km[np.ix_(ci, sj)]
    hours = geo.travel_minutes(speed)[np.ix_(ci, sj)] / 60.0
    transport = demand[:, None] * tariff.value * km
    spoil = np.zeros_like(km)
    # the "no facility" option: each village's kg stays on the ambient chain and loses what
    # pre-cooling and the cold chain would have avoided (freshness model, per product, month)
    nothing = np.zeros(len(clients))
    avoid_rows: list[str] = []
    held = False
    for k, g in enumerate(groups):
        col = kg[:, k]
        if not col.any():
            continue
        if g.ambient_c + 2.0 < g.product.t_min_c:
            held = True
        per_kg = spoilage_yuan_per_kg(
            g.product, hours, ambient_c=g.ambient_c, field_heat_h=g.field_heat_h
        )
        spoil += col[:, None] * per_kg
        avoided = spoilage_avoided_yuan_per_kg(
            g.product, ambient_c=g.ambient_c, field_heat_h=g.field_heat_h
        )
        nothing += col * avoided
        avoid_rows.append(
            f"{g.product.id} month {g.month} at {g.ambient_c:g} degC: {avoided:.4f} yuan/kg"
        )
    if held:
        notes.append("some hauls would be colder than a product's t_min_c: held at t_min_c")
    notes.append(
        "spoilage the cold chain avoids per kg (ambient chain minus cold chain, freshness "
        "model): " + "; ".join(avoid_rows)
    )
    assign = transport + spoil
    # the extended model: one more site, always open, free and unbounded: no facility
    none_j = m
    fixed_x = np.append(fixed, 0.0)
    capacity_x = np.append(capacity, max(float(demand.sum()), 1.0))
    assign_x = np.hstack([assign, nothing[:, None]])
    sids_x = [*sids, NO_FACILITY_ID]
    ex_x = [*ex_idx, none_j]
    solver = opts.solver()
    max_sites = None if opts.p is None else len(ex_x) + opts.p

    def solve(
        cap: int | None,
        fixed_open: Sequence[int],
        fixed_cost: FloatArray,
        budget: float | None,
    ) -> SitingResult:
        if opts.capacitated:
            return capacitated_facility_location(
                fixed_cost,
                capacity_x,
                demand,
                assign_x,
                single_source=opts.single_source,
                existing=fixed_open,
                budget=budget,
                max_sites=cap,
                site_ids=sids_x,
                client_ids=[c.id for c in clients],
                options=solver,
            )
        return uncapacitated_facility_location(
            fixed_cost,
            assign_x,
            existing=fixed_open,
            budget=budget,
            max_sites=cap,
            site_ids=sids_x,
            client_ids=[c.id for c in clients],
            options=solver,
        )

    main = solve(max_sites, ex_x, fixed_x, budget)
    ex_set = set(ex_idx)
    notes.extend(main.notes)
    if main.objective is None:
        raise SitingError(
            f"在时限内未找到解，请放宽时限 / HiGHS found no solution within "
            f"{opts.time_limit_s} s ({main.status}); raise the time limit"
        )
    share_x = _shares(main, len(clients), m + 1)
    share = share_x[:, :m]
    unserved = share_x[:, none_j]
    # a site open only by force (existing) or serving nothing useful is still listed
    open_idx = [j for j in main.open_sites if j != none_j]
    new_idx = [j for j in open_idx if j not in set(ex_idx)]
    fixed_total = float(fixed[open_idx].sum())
    transport_total = float((share * transport).sum())
    spoil_total = float((share * spoil).sum())
    nothing_total = float((unserved * nothing).sum())
    served_share = share.sum(axis=1)
    served_km = np.where(
        served_share > 0, (share * km).sum(axis=1) / np.maximum(served_share, 1e-12), 0.0
    )
    site_values = tuple(
        SiteValue(
            sids[j],
            float((share[:, j] * demand).sum()),
            float((share[:, j] * (nothing - spoil[:, j])).sum()),
            float((share[:, j] * transport[:, j]).sum()),
            float(fixed[j]),
        )
        for j in open_idx
    )

    # curve: exactly k new sites. Every new candidate has the same fixed cost f, so the
    # cheapest plan with exactly k new sites is k x f + the least haul cost over at most
    # n_ex + k sites with zero fixed cost (an extra site never raises the haul cost).
    n_new_main = len(new_idx)
    n_free = m - len(ex_idx)
    f_new = fixed_day * n_days
    if opts.curve_max is not None:
        n_curve = min(opts.curve_max, n_free)
    elif opts.p is not None:
        n_curve = min(opts.p, n_free)
    else:
        n_curve = min(n_free, max(3, n_new_main + 2), MAX_CURVE)
    if budget is not None and f_new > 0:
        n_curve = min(n_curve, int((budget + 1e-9) // f_new))
    zero = np.zeros(m + 1)
    curve: list[CurvePoint] = []

    def point(k: int, r: SitingResult, t0: float, is_main: bool) -> CurvePoint:
        pt_new = tuple(sids[j] for j in r.open_sites if j not in ex_set and j != none_j)
        obj = r.objective
        if obj is None:
            return CurvePoint(k, None, None, r.status, None, r.runtime_s, pt_new)
        var = obj - (float(fixed_x[list(r.open_sites)].sum()) if is_main else 0.0)
        tot = var + k * f_new
        gap = None if r.gap is None else r.gap * abs(obj) / max(abs(tot), 1e-9)
        prev = curve[-1] if curve else None
        marg = None if prev is None or prev.objective is None else prev.objective - tot
        msg = ""
        if len(pt_new) < k:
            msg = (
                f"only {len(pt_new)} new site(s) shorten any haul; the other "
                f"{k - len(pt_new)} add their fixed cost only"
            )
        return CurvePoint(
            k,
            tot,
            marg,
            r.status,
            gap,
            time.perf_counter() - t0 if not is_main else r.runtime_s,
            pt_new,
            tuple(x for x in pt_new if prev is None or x not in set(prev.new_ids)),
            message=msg,
            fixed_yuan=k * f_new,
            variable_yuan=var,
        )

    if opts.curve != "none":
        prev_open: list[int] | None = None
        for k in range(0, n_curve + 1):
            t0 = time.perf_counter()
            try:
                if k == n_new_main:
                    r = main
                elif opts.curve == "nested" and prev_open is not None:
                    r = solve(len(prev_open) + 1, prev_open, zero, None)
                else:
                    r = solve(len(ex_x) + k, ex_x, zero, None)
            except SitingError as e:
                curve.append(
                    CurvePoint(
                        k,
                        None,
                        None,
                        "infeasible",
                        None,
                        time.perf_counter() - t0,
                        (),
                        message=str(e),
                    )
                )
                prev_open = None
                continue
            curve.append(point(k, r, t0, r is main))
            prev_open = list(r.open_sites)
    _check_concavity(curve, notes, "yuan/season")

    # coverage of the supply kg within the radius
    def covered(open_: Sequence[int]) -> float:
        if not open_:
            return 0.0
        return float(demand[(km[:, list(open_)] <= radius).any(axis=1)].sum())

    total = float(demand.sum())
    assigned = [j if 0 <= j < m else -1 for j in main.assignment]
    rows = tuple(
        replace(row, site_after=None, km_after=None) if assigned[i] < 0 else row
        for i, row in enumerate(
            _client_rows(
                [c.id for c in clients], demand, km, sids, ex_idx, open_idx, radius, assigned
            )
        )
    )
    basis_days = f"{n_days} days {first}..{last}"
    cost_lines = (
        CostLine(
            "fixed",
            "固定成本",
            "Fixed cost of new sites",
            fixed_total,
            "yuan/season",
            f"{len(new_idx)} x {fixed_day:,.0f} yuan/day x {basis_days}",
        ),
        CostLine(
            "transport",
            "运输成本",
            "Transport to the sites",
            transport_total,
            "yuan/season",
            f"{total:,.0f} kg x road km x {tariff.value:.4g} yuan/kg-km",
        ),
        CostLine(
            "spoilage",
            "运输途中预期损耗",
            "Expected spoilage of the haul",
            spoil_total,
            "yuan/season",
            f"freshness model, ride at {speed:g} km/h",
        ),
        CostLine(
            "unserved",
            "未入站产品的可避免损耗",
            "Avoidable spoilage of produce no site takes in",
            nothing_total,
            "yuan/season",
            f"{float((unserved * demand).sum()):,.0f} kg on the ambient chain: ambient minus "
            "cold-chain loss, freshness model per product and month",
        ),
        CostLine(
            "total",
            "合计",
            "Total",
            fixed_total + transport_total + spoil_total + nothing_total,
            "yuan/season",
            "",
        ),
    )
    metrics = {
        "season_kg": total,
        "season_days": float(n_days),
        "mean_km": float((served_km * demand).sum() / total) if total > 0 else 0.0,
        "max_km": float(served_km.max()) if served_km.size else 0.0,
        "open_capacity_kg": float(capacity[open_idx].sum()),
        "utilisation": total / float(capacity[open_idx].sum()) if open_idx else 0.0,
        "new_sites": float(len(new_idx)),
        "nothing_yuan": float(nothing.sum()),
        "unserved_kg": float((unserved * demand).sum()),
        "existing_sites": float(len(ex_idx)),
        "transport_yuan_per_kg_km": float(tariff.value),
        "speed_kmh": speed,
    }
    model = (
        ("capacitated" if opts.capacitated else "uncapacitated")
        + " facility location"
        + (" (single source)" if opts.capacitated and opts.single_source else "")
        + ": fixed + transport + spoilage, or no facility (the ambient chain's avoidable "
        "spoilage)"
    )
    season = {
        "first_day": str(first),
        "last_day": str(last),
        "days": n_days,
        "kg": total,
        "products": sorted({g.product.id for g in groups}),
    }
    return CountySitingResult(
        county=county.name,
        county_en=county.settings.name_en,
        adcode=county.adcode,
        what=what,
        model=model,
        objective_unit="yuan/season",
        sense="min",
        result=main,
        candidates=tuple(
            Site(
                p.id,
                p.name,
                p.kind.value,
                p.lon,
                p.lat,
                p.id in ex_ids,
                float(fixed[i]),
                float(capacity[i]),
                p.name_en,
            )
            for i, p in enumerate(ordered)
        ),
        open_ids=tuple(sids[j] for j in open_idx),
        new_ids=tuple(sids[j] for j in new_idx),
        existing_ids=tuple(sids[j] for j in ex_idx),
        coverage_before=CoverageFigure(covered(ex_idx), total, radius, "kg", len(ex_idx)),
        coverage_after=CoverageFigure(covered(open_idx), total, radius, "kg", len(open_idx)),
        costs=cost_lines,
        curve=tuple(curve),
        clients=rows,
        assumptions=used,
        candidate_rule=candidate_rule,
        existing_rule=existing_rule,
        season=season,
        notes=tuple(notes),
        runtime_s=time.perf_counter() - started,
        metrics=metrics,
        site_values=site_values,
        nothing_yuan=float(nothing.sum()),
    )


def _shares(r: SitingResult, n: int, m: int) -> FloatArray:
    """Client x site shares of a facility result (split allocation or single assignment)."""
    x = np.zeros((n, m))
    if r.allocation:
        for i, j, s in r.allocation:
            x[i, j] += s
        return x
    for i, j in enumerate(r.assignment):
        if j >= 0:
            x[i, j] = 1.0
    return x


# ----------------------------------------------------------------------------- front door
def site_county(
    county: County,
    what: str = "stations",
    options: CountySitingOptions | None = None,
    *,
    geography: Geography | None = None,
) -> CountySitingResult:
    """Where to put village stations, cold hubs or preprocess centres in ``county``.

    ``what``: ``stations``, ``cold-hub`` or ``preprocess`` (module docstring). Distances are
    road km from ``geography`` (default ``Geography.from_county(county)``: the bundle's road
    graph when it has one, else haversine x detour factor). Raises
    :class:`~ruralflow.siting.SitingInputError` for a malformed request and
    :class:`~ruralflow.siting.InfeasibleSitingError` (with the numbers) when no choice of
    sites can answer it.
    """
    started = time.perf_counter()
    opts = options if options is not None else CountySitingOptions()
    w = _what(what)
    geo = geography if geography is not None else Geography.from_county(county)
    if w == "stations":
        return _stations(county, geo, opts, started)
    return _facilities(county, geo, w, opts, started)
