"""Demo generator: the EPCIS events of a season of batches of a county bundle.

For every up-flow batch of the bundle (``supply_up.csv``) it writes the batch's life as EPCIS
2.0 events (see :mod:`ruralflow.trace.epcis` for the event of each step):

harvest at the village (at ``harvest_time``) -> collection to the intake facility (the
county's preprocess centre, else its cold hub, else the county hub; a sub-brand with a GLN
uses its own packhouse) ``collect_h`` after ``ready_time`` -> grading into graded lots
(:data:`DEFAULT_GRADES`) -> pre-cooling (Newtonian cooling of :mod:`ruralflow.freshness.cooling`
from field heat to the product's optimum, readings every ``reading_min``) -> cold storage
(readings every ``storage_reading_h``) -> packing the sellable graded lots into one logistic
unit per batch -> one shipment per harvest day, origin and temperature class to the
destination (a reefer at the optimum for cold-chain products, else an ambient van whose load
warms towards the day's ambient temperature) with its temperature log -> receiving ->
sale ``sale_delay_days`` later.

Identifiers: GS1 keys (GTIN + lot, SSCC, GLN) for batches covered by a sub-brand that has
them (:mod:`ruralflow.trace.brand`), project namespace URIs otherwise
(:mod:`ruralflow.trace.ids`). Everything is deterministic: the same bundle and options give
the same events, ids and readings (readings use a PRNG seeded by ``seed`` and the batch id).

Journeys from the day plan: ``SeasonOptions.journeys`` maps a batch id to the
:class:`BatchJourney` that the county's logistics plan gave it (carrier, cold or ambient chain,
pre-cooled or not, arrival at the county hub). A batch with a journey is collected when the plan
brings it in, is pre-cooled and cold-stored only when the plan pre-cooled it, and ships in a
reefer only when the plan put it on one; the fixed rules below apply only to batches without a
journey. The engine takes the journeys as data (the CLI and the report build them from
:func:`ruralflow.logistics.plan`), so it does not depend on the planner.

Temperatures stay inside each product's safe range
(:class:`~ruralflow.trace.epcis.TemperatureRange`): the pre-cooling target, the cold store and
the reefer run at a set point at least 1 degC inside the range (a chilling-sensitive product
whose optimum equals its chilling threshold, such as honeydew melon at 7 degC, is held at
8 degC), so the demo raises no alarm of its own making.

Every timing, grade share and temperature rule here is an ASSUMPTION of the demo (listed in
:data:`ASSUMPTIONS`); the events are marked ``rf:synthetic`` in their lot data when the batch
itself is synthetic.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruralflow.domain import County, Place, PlaceKind, Product, UpSupply
from ruralflow.freshness.cooling import CoolingMethod, half_cooling_time_h, product_temperature
from ruralflow.freshness.defaults import default_precooling
from ruralflow.freshness.errors import FreshnessError
from ruralflow.trace import epcis as ep
from ruralflow.trace.brand import BrandRegistry, Gs1Keys, registry_for
from ruralflow.trace.codes import trace_url
from ruralflow.trace.epcis import Quantity, Reading, SourceDest, TemperatureRange
from ruralflow.trace.errors import TraceError
from ruralflow.trace.ids import (
    Namespace,
    gln_uri,
    gs1_lot_number,
    lgtin_uri,
    party_gln_uri,
    sscc,
    sscc_uri,
)

__all__ = [
    "ASSUMPTIONS",
    "DEFAULT_GRADES",
    "BatchJourney",
    "BatchTrace",
    "Destination",
    "Grade",
    "SeasonOptions",
    "SeasonTrace",
    "journeys_from_plan",
    "season_events",
    "traced_days",
]


@dataclass(frozen=True, slots=True)
class Grade:
    """A grade of graded lots: code (in lot ids), names, mass share, sold fresh or not."""

    code: str
    name_zh: str
    name_en: str
    share: float
    sellable: bool = True


DEFAULT_GRADES: tuple[Grade, ...] = (
    Grade("P", "特级", "premium", 0.30),
    Grade("1", "一级", "first grade", 0.45),
    Grade("2", "二级", "second grade", 0.15),
    Grade("X", "等外", "off-grade (processing)", 0.10, sellable=False),
)
"""ASSUMPTION: a typical fresh-fruit grade split (no source in PARAMS.md)."""


@dataclass(frozen=True, slots=True)
class Destination:
    """Where the up-flow goes: a place (front warehouse) located by adcode."""

    adcode: str
    place_id: str
    name_zh: str
    name_en: str


ASSUMPTIONS: dict[str, str] = {
    "grades": "grade shares 30/45/15/10 % (premium/first/second/off-grade); off-grade goes to "
    "processing and is not sold fresh",
    "collect_h": "produce reaches the intake facility 1 h after its ready time",
    "grading_h": "grading takes 0.5 h after intake",
    "precooling": "without a journey from the day plan, all fresh produce is pre-cooled at "
    "intake (method: freshness defaults per product, else forced air) from field heat to the "
    "set point; field heat = monthly mean + 4 degC",
    "set_point": "pre-cooling target, cold store and reefer: the product optimum, moved to at "
    "least 1 degC inside its safe range [t_min_c, optimum + 4 degC]",
    "storage": "cold store at the set point +/- 0.4 degC until packing (pre-cooled batches only)",
    "shipping": "one shipment per harvest day, origin and temperature class, leaving at 08:00 "
    "the next day (later if pre-cooling is not finished), 3 h to the destination",
    "journeys": "with a day plan: carrier, chain (reefer = cold, pre-cooled), and hub arrival "
    "time of each carried batch come from the plan; without one, the rules here apply",
    "transport_temperature": "reefer at the set point + 1 degC (kept inside the range); "
    "otherwise an ambient van whose load warms towards daytime ambient (monthly mean + 5 degC) "
    "with the room half-cooling time",
    "destination": "a front warehouse in the prefecture city (adcode of the county's first 4 "
    "digits + '00') when the bundle has no front_warehouse place",
    "sale": "sold at the destination 1 day after arrival, 10:00",
}


@dataclass(frozen=True, slots=True)
class BatchJourney:
    """What the county's day plan did with one batch (built from a logistics plan).

    ``carrier`` is ``"van"``, ``"reefer"`` or ``"bus"``; ``cold`` whether it travelled in the
    cold chain; ``precooled`` whether it was pre-cooled and cold-stored at the hub;
    ``hub_min`` the minute of the day it reached the county hub (``None``: by the rules).
    """

    carrier: str
    cold: bool
    precooled: bool
    hub_min: float | None = None

    def __post_init__(self) -> None:
        if self.hub_min is not None and not 0 <= self.hub_min < 3 * 24 * 60:
            raise TraceError(f"hub arrival minute {self.hub_min} is outside 0..4319")


@dataclass(frozen=True, slots=True)
class SeasonOptions:
    """Options of :func:`season_events` (defaults: :data:`ASSUMPTIONS`)."""

    namespace: Namespace = field(default_factory=Namespace.from_env)
    brands: BrandRegistry | None = None
    grades: tuple[Grade, ...] = DEFAULT_GRADES
    days: tuple[dt.date, ...] | None = None
    limit: int | None = None
    collect_h: float = 1.0
    grading_h: float = 0.5
    field_heat_c: float = 4.0
    daytime_extra_c: float = 5.0
    reading_min: int = 30
    storage_reading_h: float = 4.0
    ship_hour: int = 8
    transport_h: float = 3.0
    sale_delay_days: int = 1
    destination: Destination | None = None
    seed: int = 0
    journeys: Mapping[str, BatchJourney] | None = None
    """Batch id -> its journey in the day plan (see the module docstring)."""

    def __post_init__(self) -> None:
        total = sum(g.share for g in self.grades)
        if not self.grades or abs(total - 1.0) > 1e-6 or any(g.share < 0 for g in self.grades):
            raise TraceError(f"grade shares must be >= 0 and sum to 1 (they sum to {total:g})")
        if not any(g.sellable for g in self.grades):
            raise TraceError("at least one grade must be sellable")
        if self.reading_min <= 0 or self.storage_reading_h <= 0 or self.transport_h <= 0:
            raise TraceError("reading intervals and transport time must be positive")


@dataclass(frozen=True, slots=True)
class BatchTrace:
    """Identifiers and events of one batch."""

    batch: str
    day: dt.date
    product: str
    village: str
    kg: float
    lot: str
    lot_number: str
    graded: tuple[Quantity, ...]
    sellable: tuple[Quantity, ...]
    unit: str
    gs1: bool
    event_ids: tuple[str, ...]
    journey: str = "rules"
    """Where the batch's journey came from: ``"plan"`` or ``"rules"``."""

    def trace_urls(self, resolver: str | None = None, ns: Namespace | None = None) -> list[str]:
        """Trace URLs of the sold graded lots (one QR code each)."""
        return [trace_url(q.epc_class, resolver=resolver, ns=ns) for q in self.sellable]

    def summary(self) -> str:
        """One line: batch, day, product, kg, lot and the number of events."""
        return (
            f"批次 / batch {self.batch} {self.day.isoformat()} {self.product} {self.kg:,.1f} kg, "
            f"lot {self.lot_number}: {len(self.event_ids)} 事件 / events"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "batch": self.batch,
            "day": self.day.isoformat(),
            "product": self.product,
            "village": self.village,
            "kg": self.kg,
            "lot": self.lot,
            "lot_number": self.lot_number,
            "graded": [q.to_json() for q in self.graded],
            "unit": self.unit,
            "gs1": self.gs1,
            "journey": self.journey,
        }


@dataclass(frozen=True)
class SeasonTrace:
    """The events of a season (chronological) and the batches they trace."""

    county_adcode: str
    namespace: Namespace
    events: tuple[dict[str, Any], ...]
    batches: tuple[BatchTrace, ...]

    def document(self, creation_date: dt.datetime | None = None) -> dict[str, Any]:
        """All events as one EPCISDocument."""
        return ep.epcis_document(self.events, ns=self.namespace, creation_date=creation_date)

    def context(self) -> list[Any]:
        return ep.epcis_context(self.namespace)

    def stage_counts(self) -> dict[str, int]:
        """Number of events per stage, in life order."""
        c = Counter(ep.stage_of(e) for e in self.events)
        return {s: c[s] for s in ep.STAGES if c[s]}

    def alarm_counts(self) -> tuple[int, int]:
        """(events with an alarm, alarm readings)."""
        per = [len(ep.alarms_of(e)) for e in self.events]
        return sum(1 for n in per if n), sum(per)

    def planned(self) -> int:
        """Number of batches whose journey came from the day plan."""
        return sum(1 for b in self.batches if b.journey == "plan")

    def summary(self) -> str:
        stages = ", ".join(f"{k} {v}" for k, v in self.stage_counts().items())
        ev, rd = self.alarm_counts()
        gs1 = sum(1 for b in self.batches if b.gs1)
        return (
            f"{len(self.events)} EPCIS events for {len(self.batches)} batches "
            f"({gs1} with GS1 keys; {self.planned()} journeys from the day plan) of county "
            f"{self.county_adcode}: {stages}; {rd} temperature alarms in {ev} events"
        )

    def to_dict(self) -> dict[str, Any]:
        ev, rd = self.alarm_counts()
        return {
            "county": self.county_adcode,
            "n_events": len(self.events),
            "n_batches": len(self.batches),
            "planned_journeys": self.planned(),
            "stages": self.stage_counts(),
            "alarm_events": ev,
            "alarm_readings": rd,
            "batches": [b.to_dict() for b in self.batches],
        }


# --------------------------------------------------------------------------- helpers


def _at(day: dt.date, minutes: float) -> dt.datetime:
    base = dt.datetime.combine(day, dt.time(0, 0), tzinfo=ep.CHINA_TZ)
    return base + dt.timedelta(minutes=minutes)


def _ceil_hour(t: dt.datetime) -> dt.datetime:
    floor = t.replace(minute=0, second=0, microsecond=0)
    return floor if floor == t else floor + dt.timedelta(hours=1)


def _precool_method(product: Product) -> CoolingMethod:
    for name in (product.id, product.name_en, product.name_en.split("(")[0]):
        if not name.strip():
            continue
        try:
            return default_precooling(name)
        except FreshnessError:
            continue
    return CoolingMethod.FORCED_AIR


def _optimum(product: Product) -> float:
    return product.t_opt_c if product.t_opt_c is not None else product.t_ref_c


def _inside(value: float, trange: TemperatureRange, margin: float = 1.0) -> float:
    """``value`` moved to at least ``margin`` inside ``trange`` (its middle if too narrow)."""
    lo, hi = trange.min_c + margin, trange.max_c - margin
    if lo > hi:
        return (trange.min_c + trange.max_c) / 2
    return min(max(value, lo), hi)


def _set_point(product: Product) -> float:
    """Pre-cooling target and cold-store temperature: the optimum, inside the safe range."""
    return _inside(_optimum(product), TemperatureRange.of_product(product))


def _location(ns: Namespace, place: Place, county_adcode: str) -> str:
    if place.kind == PlaceKind.VILLAGE and place.adcode:
        return ns.location(place.adcode)
    return ns.location(place.adcode or county_adcode, place.id)


def _intake_place(county: County) -> Place:
    for kind in (PlaceKind.PREPROCESS_CENTRE, PlaceKind.COLD_HUB):
        found = county.places_of_kind(kind)
        if found:
            return found[0]
    return county.hub


def _destination(county: County, opts: SeasonOptions) -> Destination:
    if opts.destination is not None:
        return opts.destination
    fws = county.places_of_kind(PlaceKind.FRONT_WAREHOUSE)
    if fws:
        p = fws[0]
        return Destination(p.adcode or county.adcode, p.id, p.name, p.name_en or p.name)
    return Destination(county.adcode[:4] + "00", "FW1", "城市前置仓", "city front warehouse")


def _split(kg: float, grades: Sequence[Grade]) -> list[float]:
    parts = [round(kg * g.share, 1) for g in grades[:-1]]
    last = round(kg - sum(parts), 3)
    if last < 0:  # rounding on tiny batches
        parts = [kg * g.share for g in grades[:-1]]
        last = max(0.0, kg - sum(parts))
    return [*parts, last]


def _serial(batch: str, digits: int) -> int:
    value = int.from_bytes(hashlib.sha256(batch.encode()).digest()[:8], "big")
    return int(value % (10**digits))


@dataclass
class _Shipment:
    day: dt.date
    origin: str
    cold: bool
    units: list[str] = field(default_factory=list)
    products: list[Product] = field(default_factory=list)
    ready: dt.datetime | None = None
    storage_c: list[float] = field(default_factory=list)
    field_c: list[float] = field(default_factory=list)
    departure: dt.datetime | None = None

    def tag(self) -> tuple[str, str, str]:
        origin = hashlib.sha256(self.origin.encode()).hexdigest()[:8]
        return (self.day.isoformat(), origin, "cold" if self.cold else "ambient")


@dataclass
class _Pending:
    batch: BatchTrace
    shipment: _Shipment
    product: Product
    precooled: dt.datetime
    cooled: bool = True


# --------------------------------------------------------------------------- generator

_BATCH_STEPS = ("harvest", "grading", "precooling", "storage", "packing", "sale")
_AMBIENT_STEPS = ("harvest", "grading", "packing", "sale")


class _Generator:
    def __init__(self, county: County, opts: SeasonOptions) -> None:
        self.county = county
        self.opts = opts
        self.ns = opts.namespace
        self.cad = county.adcode
        self.brands = opts.brands if opts.brands is not None else registry_for(county.adcode)
        self.intake = _intake_place(county)
        self.intake_loc = _location(self.ns, self.intake, self.cad)
        dest = _destination(county, opts)
        self.dest_loc = self.ns.location(dest.adcode, dest.place_id)
        self.dest_party = self.ns.party(dest.adcode, "buyer")
        self.carrier = self.ns.party(self.cad, "logistics")
        self.events: list[tuple[dt.datetime, int, dict[str, Any]]] = []
        self.batches: list[BatchTrace] = []
        self.pending: list[_Pending] = []
        self.shipments: dict[tuple[dt.date, str, bool], _Shipment] = {}
        self._order = {s: i for i, s in enumerate(ep.STAGES)}

    def add(self, ev: dict[str, Any]) -> None:
        t = dt.datetime.fromisoformat(ev["eventTime"])
        self.events.append((t, self._order[ep.stage_of(ev)], ev))

    def eid(self, batch: str, step: str) -> str:
        return self.ns.event_id(self.cad, batch, step)

    def run(self, supplies: Sequence[UpSupply]) -> SeasonTrace:
        for sup in supplies:
            self.batch(sup)
        for shp in self.shipments.values():
            earliest = _at(shp.day + dt.timedelta(days=1), self.opts.ship_hour * 60)
            ready = shp.ready or earliest
            shp.departure = max(earliest, _ceil_hour(ready))
        for p in self.pending:
            self.after_cooling(p)
        for shp in self.shipments.values():
            self.shipment(shp)
        self.events.sort(key=lambda x: (x[0], x[1]))
        return SeasonTrace(
            self.cad, self.ns, tuple(e for _, _, e in self.events), tuple(self.batches)
        )

    def identifiers(
        self, sup: UpSupply, keys: Gs1Keys | None
    ) -> tuple[str, str, list[str], str, str | None]:
        """(lot number, lot, graded lots, logistic unit, GLN of the packhouse)."""
        ns, cad, grades = self.ns, self.cad, self.opts.grades
        if keys is None:
            graded = [ns.graded_lot(cad, sup.batch, g.code) for g in grades]
            return sup.batch, ns.lot(cad, sup.batch), graded, ns.unit(cad, sup.batch), None
        lot_no = gs1_lot_number(sup.batch, sup.day, max_len=18)
        graded = [lgtin_uri(keys.gtin, f"{lot_no}-{g.code}") for g in grades]
        if keys.company_prefix:
            ref = _serial(sup.batch, 16 - len(keys.company_prefix))
            unit = sscc_uri(sscc(keys.company_prefix, ref))
        else:
            unit = ns.unit(cad, sup.batch)
        return lot_no, lgtin_uri(keys.gtin, lot_no), graded, unit, keys.gln

    def batch(self, sup: UpSupply) -> None:
        opts, ns, cad = self.opts, self.ns, self.cad
        product = self.county.product_by_id[sup.product]
        village = self.county.place_by_id[sup.village]
        township = village.parent or None
        keys = self.brands.gs1_keys(sup.product, cad, township)
        lot_no, lot, graded_ids, unit, gln = self.identifiers(sup, keys)
        site_loc = gln_uri(gln) if gln else self.intake_loc
        owner = party_gln_uri(gln) if gln else ns.party(village.adcode or cad, "coop")
        kgs = _split(sup.kg, opts.grades)
        graded = tuple(Quantity(i, k) for i, k in zip(graded_ids, kgs, strict=True))
        sellable = tuple(
            q for q, g in zip(graded, opts.grades, strict=True) if g.sellable and q.quantity > 0
        )
        rng = random.Random(f"{opts.seed}:{sup.batch}")
        trange = TemperatureRange.of_product(product)
        journey = opts.journeys.get(sup.batch) if opts.journeys else None
        cold = journey.cold if journey is not None else product.cold_chain
        cooled = journey.precooled if journey is not None else True
        # harvest
        ilmd = {
            "cbvmda:lotNumber": lot_no,
            "cbvmda:countryOfOrigin": "CN",
            "cbvmda:harvestStartDate": sup.day.isoformat(),
            "cbvmda:harvestEndDate": sup.day.isoformat(),
            "rf:batch": sup.batch,
            "rf:county": cad,
            "rf:township": township or "",
            "rf:village": village.adcode or village.id,
            "rf:villageName": village.name,
            "rf:product": product.id,
            "rf:productName": product.name,
            "rf:synthetic": bool(sup.synthetic),
        }
        self.add(
            ep.harvest_event(
                lot=lot,
                kg=sup.kg,
                time=_at(sup.day, sup.harvest_min),
                location=_location(ns, village, cad),
                event_id=self.eid(sup.batch, "harvest"),
                owner=owner,
                ilmd=ilmd,
            )
        )
        # grading
        if journey is not None and journey.hub_min is not None:
            t_grade = _at(sup.day, journey.hub_min) + dt.timedelta(hours=opts.grading_h)
        else:
            t_grade = _at(sup.day, sup.ready_min) + dt.timedelta(
                hours=opts.collect_h + opts.grading_h
            )
        grades_ilmd = [
            {"rf:lot": q.epc_class, "rf:grade": g.code, "rf:gradeName": g.name_zh}
            for q, g in zip(graded, opts.grades, strict=True)
        ]
        self.add(
            ep.grading_event(
                lot=lot,
                kg=sup.kg,
                outputs=[q for q in graded if q.quantity > 0],
                time=t_grade,
                location=site_loc,
                event_id=self.eid(sup.batch, "grading"),
                ilmd={"rf:grades": grades_ilmd},
            )
        )
        # pre-cooling: Newtonian cooling from field heat to the set point
        start_c = self.county.settings.mean_temp_c(sup.day) + opts.field_heat_c
        t_cooled = t_grade
        if cooled:
            z = half_cooling_time_h(_precool_method(product))
            target = _set_point(product)
            n = max(2, math.ceil(3.0 * z * 60 / opts.reading_min) + 1)
            readings = [
                Reading(
                    t_grade + dt.timedelta(minutes=i * opts.reading_min),
                    product_temperature(i * opts.reading_min / 60, start_c, target, z)
                    + rng.uniform(-0.2, 0.2),
                )
                for i in range(n)
            ]
            t_cooled = readings[-1].time
            self.add(
                ep.precooling_event(
                    quantities=sellable,
                    readings=readings,
                    trange=trange,
                    time=t_cooled,
                    location=site_loc,
                    ns=ns,
                    event_id=self.eid(sup.batch, "precooling"),
                    device=ns.device(cad, f"precooler-{self.intake.id}"),
                )
            )
        key = (sup.day, site_loc, cold)
        shp = self.shipments.get(key)
        if shp is None:
            shp = self.shipments[key] = _Shipment(sup.day, site_loc, cold)
        shp.units.append(unit)
        shp.products.append(product)
        if not cooled:
            shp.field_c.append(start_c)
        ready = t_cooled + dt.timedelta(hours=1)
        shp.ready = ready if shp.ready is None or ready > shp.ready else shp.ready
        batch = BatchTrace(
            batch=sup.batch,
            day=sup.day,
            product=product.id,
            village=sup.village,
            kg=sup.kg,
            lot=lot,
            lot_number=lot_no,
            graded=graded,
            sellable=sellable,
            unit=unit,
            gs1=keys is not None,
            event_ids=tuple(
                self.eid(sup.batch, s) for s in (_BATCH_STEPS if cooled else _AMBIENT_STEPS)
            ),
            journey="plan" if journey is not None else "rules",
        )
        self.batches.append(batch)
        self.pending.append(_Pending(batch, shp, product, t_cooled, cooled))

    def after_cooling(self, p: _Pending) -> None:
        """Cold storage until packing, packing, and the sale after arrival."""
        opts, ns, b, shp = self.opts, self.ns, p.batch, p.shipment
        assert shp.departure is not None
        t_pack = shp.departure - dt.timedelta(hours=1)
        if p.cooled:
            rng = random.Random(f"{opts.seed}:{b.batch}:store")
            span_h = max(0.0, (t_pack - p.precooled).total_seconds() / 3600)
            steps = max(1, math.floor(span_h / opts.storage_reading_h))
            set_c = _set_point(p.product)
            store = [
                Reading(
                    p.precooled + dt.timedelta(hours=(i + 1) * span_h / steps),
                    set_c + rng.uniform(-0.4, 0.4),
                )
                for i in range(steps)
            ]
            shp.storage_c.append(store[-1].value_c)
            self.add(
                ep.storage_event(
                    quantities=b.sellable,
                    readings=store,
                    trange=TemperatureRange.of_product(p.product),
                    time=store[-1].time,
                    location=shp.origin,
                    ns=ns,
                    event_id=self.eid(b.batch, "storage"),
                    device=ns.device(self.cad, "coldstore-1"),
                )
            )
        self.add(
            ep.packing_event(
                unit=b.unit,
                children=b.sellable,
                time=t_pack,
                location=shp.origin,
                event_id=self.eid(b.batch, "packing"),
            )
        )
        arrival = shp.departure + dt.timedelta(hours=opts.transport_h)
        self.add(
            ep.sale_event(
                quantities=b.sellable,
                time=_at(arrival.date() + dt.timedelta(days=opts.sale_delay_days), 10 * 60),
                location=self.dest_loc,
                event_id=self.eid(b.batch, "sale"),
            )
        )

    def shipment(self, shp: _Shipment) -> None:
        """Shipping, the transport temperature log and receiving of one shipment."""
        opts, ns, cad = self.opts, self.ns, self.cad
        assert shp.departure is not None
        tag = shp.tag()
        arrival = shp.departure + dt.timedelta(hours=opts.transport_h)
        sources = [
            SourceDest("possessing_party", self.carrier),
            SourceDest("location", shp.origin),
        ]
        dests = [
            SourceDest("owning_party", self.dest_party),
            SourceDest("location", self.dest_loc),
        ]
        self.add(
            ep.shipping_event(
                units=shp.units,
                time=shp.departure,
                location=shp.origin,
                sources=sources,
                destinations=dests,
                event_id=ns.event_id(cad, "shipment", *tag, "shipping"),
            )
        )
        ranges = [TemperatureRange.of_product(p) for p in shp.products]
        lo, hi = max(r.min_c for r in ranges), min(r.max_c for r in ranges)
        trange = TemperatureRange(lo, hi, ranges[0].source) if lo < hi else ranges[0]
        loads = shp.storage_c + shp.field_c
        start_c = sum(loads) / max(1, len(loads))
        ambient = self.county.settings.mean_temp_c(shp.day) + opts.daytime_extra_c
        setpoint = _inside(min(_set_point(p) for p in shp.products) + 1.0, trange, 0.6)
        z_room = half_cooling_time_h(CoolingMethod.ROOM)
        rng = random.Random(f"{opts.seed}:{':'.join(tag)}")
        readings = []
        for i in range(max(2, math.ceil(opts.transport_h * 60 / opts.reading_min) + 1)):
            h = min(opts.transport_h, i * opts.reading_min / 60)
            if shp.cold:
                v = setpoint + rng.uniform(-0.5, 0.5)
            else:
                v = product_temperature(h, start_c, ambient, z_room) + rng.uniform(-0.2, 0.2)
            readings.append(Reading(shp.departure + dt.timedelta(hours=h), v))
        self.add(
            ep.temperature_event(
                readings=readings,
                trange=trange,
                time=arrival,
                read_point=self.dest_loc,
                ns=ns,
                units=shp.units,
                event_id=ns.event_id(cad, "shipment", *tag, "transport"),
                device=ns.device(cad, f"vehicle-logger-{'reefer' if shp.cold else 'van'}"),
            )
        )
        self.add(
            ep.receiving_event(
                units=shp.units,
                time=arrival + dt.timedelta(minutes=15),
                location=self.dest_loc,
                sources=sources,
                destinations=dests,
                event_id=ns.event_id(cad, "shipment", *tag, "receiving"),
            )
        )


def _selected(county: County, opts: SeasonOptions) -> list[UpSupply]:
    supplies = [s for s in county.supply_up if opts.days is None or s.day in opts.days]
    if opts.limit is not None:
        supplies = supplies[: max(0, opts.limit)]
    return supplies


def traced_days(county: County, options: SeasonOptions | None = None) -> list[dt.date]:
    """The harvest days of the batches :func:`season_events` would trace (the day plans to
    make for :attr:`SeasonOptions.journeys`)."""
    return sorted({s.day for s in _selected(county, options or SeasonOptions())})


def journeys_from_plan(records: Iterable[Any]) -> dict[str, BatchJourney]:
    """Batch id -> :class:`BatchJourney` from a day plan's per-batch records.

    ``records`` are the plan's carried-batch records (``ruralflow.logistics.Plan.spoilage``:
    objects with ``batch``, ``kg``, ``carrier``, ``chain`` and ``hub_min``), taken as data so
    that this engine does not import the planner. A batch split over several carriers takes
    the chain of its largest piece and the latest hub arrival; the cold chain means the batch
    was pre-cooled at the hub (as the planner's spoilage model assumes).
    """
    best: dict[str, tuple[float, BatchJourney]] = {}
    for r in records:
        batch, kg = str(r.batch), float(r.kg)
        cold = str(r.chain) == "cold"
        hub = float(r.hub_min)
        j = BatchJourney(str(r.carrier), cold, cold, hub)
        old = best.get(batch)
        if old is not None:
            hub = max(hub, old[1].hub_min or hub)
            if old[0] >= kg:
                j = BatchJourney(old[1].carrier, old[1].cold, old[1].precooled, hub)
            else:
                j = BatchJourney(j.carrier, j.cold, j.precooled, hub)
            kg = max(kg, old[0])
        best[batch] = (kg, j)
    return {b: j for b, (_kg, j) in best.items()}


def season_events(county: County, options: SeasonOptions | None = None) -> SeasonTrace:
    """The EPCIS events of the county's up-flow batches (all days, or ``options.days``),
    sorted by event time, and the identifiers of each batch."""
    opts = options or SeasonOptions()
    return _Generator(county, opts).run(_selected(county, opts))
