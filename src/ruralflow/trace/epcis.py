"""GS1 EPCIS 2.0 JSON-LD events for a batch's life, from field to table.

Events are plain ``dict``s in the EPCIS 2.0 JSON binding (what :func:`canonical_json` and the
Merkle log take); this module builds them with the right fields, and
:mod:`ruralflow.trace.validate` checks them against GS1's schema. Our farm-to-table steps and
the EPCIS event that records each (CBV 2.0 has no harvesting, grading or pre-cooling step;
where no CBV value fits we use our own vocabulary URI, ``{base}/voc/bizstep/...``):

=============  ==========================  ========================  ========================
step           event                       bizStep                   disposition
=============  ==========================  ========================  ========================
harvest        ObjectEvent ADD + ``ilmd``  ``commissioning``         ``active``
grading        TransformationEvent         ``inspecting``            ``conformant``
pre-cooling    ObjectEvent OBSERVE+sensor  ``rf`` ``precooling``     ``sellable_not_accessible``
storage        ObjectEvent OBSERVE+sensor  ``storing``               ``sellable_not_accessible``
packing        AggregationEvent ADD        ``packing``               ``in_progress``
shipping       ObjectEvent OBSERVE         ``shipping``              ``in_transit``
transport log  ObjectEvent OBSERVE+sensor  ``transporting``          ``in_transit``
receiving      ObjectEvent OBSERVE         ``receiving``             ``in_progress``
sale           ObjectEvent OBSERVE         ``retail_selling``        ``retail_sold``
=============  ==========================  ========================  ========================

Quantities are in kilograms (UN/ECE Rec 20 ``KGM``), temperatures in degrees Celsius
(``CEL``). Times carry their offset; naive times are taken as China Standard Time (``+08:00``).

Temperature alarms: a reading outside the product's :class:`TemperatureRange` gets
``"exception": "ALARM_CONDITION"``. The range is ``[t_min_c, t_opt_c + 4]`` degC of the
domain :class:`~ruralflow.domain.Product` (``t_ref_c`` when ``t_opt_c`` is missing). The
lower bound is the product's chilling threshold; the upper margin of 4 degC is an
ASSUMPTION matching the apple storage range -1 to 4 degC of USDA AH-66 (PARAMS.md s.1).
Pre-cooling readings are not alarms when above the range (the product is on its way down),
only when below it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ruralflow.domain import Product
from ruralflow.trace.errors import TraceError
from ruralflow.trace.ids import Namespace

__all__ = [
    "ALARM",
    "CHINA_TZ",
    "GS1_CONTEXT_URL",
    "SCHEMA_VERSION",
    "STAGES",
    "UPPER_MARGIN_C",
    "Quantity",
    "Reading",
    "SourceDest",
    "TemperatureRange",
    "aggregation_event",
    "alarms_of",
    "epcis_context",
    "epcis_document",
    "format_time",
    "grading_event",
    "harvest_event",
    "object_event",
    "packing_event",
    "precooling_event",
    "receiving_event",
    "sale_event",
    "sensor_element",
    "shipping_event",
    "stage_of",
    "standalone_event",
    "storage_event",
    "temperature_event",
    "transformation_event",
]

GS1_CONTEXT_URL = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
"""The normative EPCIS 2.0 JSON-LD context (resolved from a local copy when expanding)."""

SCHEMA_VERSION = "2.0"
CHINA_TZ = dt.timezone(dt.timedelta(hours=8), "CST")
ALARM = "ALARM_CONDITION"
UPPER_MARGIN_C = 4.0
"""ASSUMPTION: alarm above ``t_opt_c + 4`` degC (AH-66 apple range -1 to 4 degC)."""

KGM = "KGM"
CEL = "CEL"

#: Our stages, in life order, as :func:`stage_of` names them.
STAGES: tuple[str, ...] = (
    "harvest",
    "grading",
    "precooling",
    "storage",
    "packing",
    "shipping",
    "transport",
    "receiving",
    "sale",
    "other",
)

_STAGE_OF_BIZSTEP = {
    "commissioning": "harvest",
    "creating_class_instance": "harvest",
    "inspecting": "grading",
    "storing": "storage",
    "packing": "packing",
    "shipping": "shipping",
    "departing": "shipping",
    "transporting": "transport",
    "sensor_reporting": "transport",
    "arriving": "receiving",
    "receiving": "receiving",
    "retail_selling": "sale",
}


def epcis_context(ns: Namespace | None = None) -> list[Any]:
    """The ``@context`` of our documents: GS1's context plus the ``rf:`` prefix."""
    ns = ns or Namespace()
    return [GS1_CONTEXT_URL, {"rf": ns.vocab_base}]


def format_time(t: dt.datetime) -> str:
    """RFC 3339 time with offset (naive times are China Standard Time), milliseconds dropped
    when zero."""
    if t.tzinfo is None:
        t = t.replace(tzinfo=CHINA_TZ)
    spec = "seconds" if t.microsecond == 0 else "milliseconds"
    return t.isoformat(timespec=spec)


def _offset(t: dt.datetime) -> str:
    if t.tzinfo is None:
        t = t.replace(tzinfo=CHINA_TZ)
    off = t.utcoffset() or dt.timedelta(0)
    minutes = int(off.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


# --------------------------------------------------------------------------- value objects


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity of an EPC class (a lot): ``{"epcClass", "quantity", "uom"}``."""

    epc_class: str
    quantity: float
    uom: str = KGM

    def to_json(self) -> dict[str, Any]:
        return {"epcClass": self.epc_class, "quantity": round(self.quantity, 3), "uom": self.uom}


@dataclass(frozen=True, slots=True)
class SourceDest:
    """A source or destination: ``type`` is ``owning_party``, ``possessing_party`` or
    ``location`` (CBV source/destination types)."""

    type: str
    id: str


@dataclass(frozen=True, slots=True)
class Reading:
    """One temperature reading (degC) at ``time``."""

    time: dt.datetime
    value_c: float


@dataclass(frozen=True, slots=True)
class TemperatureRange:
    """Allowed product temperature ``[min_c, max_c]`` and where the bounds come from."""

    min_c: float
    max_c: float
    source: str = ""

    def __post_init__(self) -> None:
        if not self.min_c < self.max_c:
            raise TraceError(f"temperature range [{self.min_c}, {self.max_c}] is empty")

    @classmethod
    def of_product(cls, product: Product, margin_c: float = UPPER_MARGIN_C) -> TemperatureRange:
        """``[t_min_c, (t_opt_c or t_ref_c) + margin_c]`` (see the module docstring)."""
        base = product.t_opt_c if product.t_opt_c is not None else product.t_ref_c
        hi = max(base, product.t_min_c) + margin_c
        return cls(
            product.t_min_c,
            hi,
            f"lower: chilling threshold t_min_c of product {product.id!r}; upper: "
            f"{'t_opt_c' if product.t_opt_c is not None else 't_ref_c'} + {margin_c:g} degC "
            "(assumption, AH-66 apple range -1..4 degC)",
        )

    def contains(self, value_c: float) -> bool:
        return self.min_c <= value_c <= self.max_c


# --------------------------------------------------------------------------- generic events


def _common(kind: str, time: dt.datetime, event_id: str | None) -> dict[str, Any]:
    ev: dict[str, Any] = {"type": kind}
    if event_id:
        ev["eventID"] = event_id
    ev["eventTime"] = format_time(time)
    ev["eventTimeZoneOffset"] = _offset(time)
    return ev


def _why_where(
    ev: dict[str, Any],
    *,
    biz_step: str | None,
    disposition: str | None,
    read_point: str | None,
    biz_location: str | None,
    biz_transactions: Sequence[tuple[str, str]] = (),
    sources: Sequence[SourceDest] = (),
    destinations: Sequence[SourceDest] = (),
) -> None:
    if biz_step:
        ev["bizStep"] = biz_step
    if disposition:
        ev["disposition"] = disposition
    if read_point:
        ev["readPoint"] = {"id": read_point}
    if biz_location:
        ev["bizLocation"] = {"id": biz_location}
    if biz_transactions:
        ev["bizTransactionList"] = [{"type": t, "bizTransaction": b} for t, b in biz_transactions]
    if sources:
        ev["sourceList"] = [{"type": s.type, "source": s.id} for s in sources]
    if destinations:
        ev["destinationList"] = [{"type": d.type, "destination": d.id} for d in destinations]


def object_event(
    *,
    action: str,
    time: dt.datetime,
    event_id: str | None = None,
    epcs: Sequence[str] = (),
    quantities: Sequence[Quantity] = (),
    biz_step: str | None = None,
    disposition: str | None = None,
    read_point: str | None = None,
    biz_location: str | None = None,
    biz_transactions: Sequence[tuple[str, str]] = (),
    sources: Sequence[SourceDest] = (),
    destinations: Sequence[SourceDest] = (),
    sensors: Sequence[Mapping[str, Any]] = (),
    ilmd: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An ObjectEvent (``ilmd`` only with ``action="ADD"``, as the schema requires)."""
    if action not in ("ADD", "OBSERVE", "DELETE"):
        raise TraceError(f"action {action!r} must be ADD, OBSERVE or DELETE")
    if ilmd and action != "ADD":
        raise TraceError("ilmd is allowed only on an ObjectEvent with action ADD")
    ev = _common("ObjectEvent", time, event_id)
    ev["action"] = action
    if epcs:
        ev["epcList"] = list(dict.fromkeys(epcs))
    if quantities:
        ev["quantityList"] = [q.to_json() for q in quantities]
    _why_where(
        ev,
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
        biz_transactions=biz_transactions,
        sources=sources,
        destinations=destinations,
    )
    if sensors:
        ev["sensorElementList"] = [dict(s) for s in sensors]
    if ilmd:
        ev["ilmd"] = dict(ilmd)
    return ev


def aggregation_event(
    *,
    action: str,
    time: dt.datetime,
    parent: str,
    event_id: str | None = None,
    child_epcs: Sequence[str] = (),
    child_quantities: Sequence[Quantity] = (),
    biz_step: str | None = None,
    disposition: str | None = None,
    read_point: str | None = None,
    biz_location: str | None = None,
    sources: Sequence[SourceDest] = (),
    destinations: Sequence[SourceDest] = (),
) -> dict[str, Any]:
    """An AggregationEvent: ``parent`` (crate/pallet) and its children."""
    ev = _common("AggregationEvent", time, event_id)
    ev["parentID"] = parent
    if child_epcs:
        ev["childEPCs"] = list(dict.fromkeys(child_epcs))
    if child_quantities:
        ev["childQuantityList"] = [q.to_json() for q in child_quantities]
    ev["action"] = action
    _why_where(
        ev,
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
        sources=sources,
        destinations=destinations,
    )
    return ev


def transformation_event(
    *,
    time: dt.datetime,
    inputs: Sequence[Quantity],
    outputs: Sequence[Quantity],
    event_id: str | None = None,
    transformation_id: str | None = None,
    biz_step: str | None = None,
    disposition: str | None = None,
    read_point: str | None = None,
    biz_location: str | None = None,
    ilmd: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """A TransformationEvent turning input lots into output lots (no ``action``)."""
    ev = _common("TransformationEvent", time, event_id)
    ev["inputQuantityList"] = [q.to_json() for q in inputs]
    ev["outputQuantityList"] = [q.to_json() for q in outputs]
    if transformation_id:
        ev["transformationID"] = transformation_id
    _why_where(
        ev,
        biz_step=biz_step,
        disposition=disposition,
        read_point=read_point,
        biz_location=biz_location,
    )
    if ilmd:
        ev["ilmd"] = dict(ilmd)
    return ev


def sensor_element(
    readings: Sequence[Reading],
    trange: TemperatureRange | None,
    *,
    device: str | None = None,
    rules: str | None = None,
    alarm_above: bool = True,
) -> dict[str, Any]:
    """One ``sensorElement`` of temperature readings; out-of-range ones are alarms.

    ``alarm_above=False`` flags only readings below the range (pre-cooling). The range is
    written as ``rf:alarmMinC``/``rf:alarmMaxC`` in the sensor metadata, ``rules`` (a URI
    describing the rule) as ``bizRules``.
    """
    if not readings:
        raise TraceError("a sensor element needs at least one reading")
    ordered = sorted(readings, key=lambda r: r.time)
    meta: dict[str, Any] = {
        "startTime": format_time(ordered[0].time),
        "endTime": format_time(ordered[-1].time),
    }
    if device:
        meta["deviceID"] = device
    if rules:
        meta["bizRules"] = rules
    if trange is not None:
        meta["rf:alarmMinC"] = trange.min_c
        meta["rf:alarmMaxC"] = trange.max_c
    reports: list[dict[str, Any]] = []
    for r in ordered:
        rep: dict[str, Any] = {
            "type": "Temperature",
            "value": round(r.value_c, 2),
            "uom": CEL,
            "time": format_time(r.time),
        }
        if trange is not None:
            low = r.value_c < trange.min_c
            high = r.value_c > trange.max_c
            if low or (high and alarm_above):
                rep["exception"] = ALARM
        reports.append(rep)
    return {"sensorMetadata": meta, "sensorReport": reports}


# --------------------------------------------------------------------------- farm-to-table


def harvest_event(
    *,
    lot: str,
    kg: float,
    time: dt.datetime,
    location: str,
    event_id: str | None = None,
    owner: str | None = None,
    ilmd: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Harvest: a new lot is commissioned at the village, lot data in ``ilmd``."""
    return object_event(
        action="ADD",
        time=time,
        event_id=event_id,
        quantities=[Quantity(lot, kg)],
        biz_step="commissioning",
        disposition="active",
        read_point=location,
        biz_location=location,
        sources=[SourceDest("owning_party", owner)] if owner else (),
        ilmd=ilmd,
    )


def grading_event(
    *,
    lot: str,
    kg: float,
    outputs: Sequence[Quantity],
    time: dt.datetime,
    location: str,
    event_id: str | None = None,
    ilmd: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Grading: a harvest lot becomes graded lots (inspecting, conformant)."""
    total = sum(q.quantity for q in outputs)
    if total > kg * (1 + 1e-9):
        raise TraceError(f"graded lots weigh {total:g} kg, more than the {kg:g} kg input")
    return transformation_event(
        time=time,
        event_id=event_id,
        inputs=[Quantity(lot, kg)],
        outputs=outputs,
        biz_step="inspecting",
        disposition="conformant",
        read_point=location,
        biz_location=location,
        ilmd=ilmd,
    )


def precooling_event(
    *,
    quantities: Sequence[Quantity],
    readings: Sequence[Reading],
    trange: TemperatureRange,
    time: dt.datetime,
    location: str,
    ns: Namespace,
    event_id: str | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """Pre-cooling (our bizStep ``{base}/voc/bizstep/precooling``) with its cooling curve."""
    return object_event(
        action="OBSERVE",
        time=time,
        event_id=event_id,
        quantities=quantities,
        biz_step=ns.vocab("bizstep/precooling"),
        disposition="sellable_not_accessible",
        read_point=location,
        biz_location=location,
        sensors=[
            sensor_element(
                readings,
                trange,
                device=device,
                rules=ns.vocab("rule/temperature-range"),
                alarm_above=False,
            )
        ],
    )


def storage_event(
    *,
    quantities: Sequence[Quantity],
    readings: Sequence[Reading],
    trange: TemperatureRange,
    time: dt.datetime,
    location: str,
    ns: Namespace,
    event_id: str | None = None,
    device: str | None = None,
) -> dict[str, Any]:
    """Cold storage (``storing``) with the store's temperature log."""
    return object_event(
        action="OBSERVE",
        time=time,
        event_id=event_id,
        quantities=quantities,
        biz_step="storing",
        disposition="sellable_not_accessible",
        read_point=location,
        biz_location=location,
        sensors=[
            sensor_element(
                readings, trange, device=device, rules=ns.vocab("rule/temperature-range")
            )
        ],
    )


def packing_event(
    *,
    unit: str,
    children: Sequence[Quantity],
    time: dt.datetime,
    location: str,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Packing graded lots into a logistic unit (crate/pallet, SSCC where there is one)."""
    return aggregation_event(
        action="ADD",
        time=time,
        event_id=event_id,
        parent=unit,
        child_quantities=children,
        biz_step="packing",
        disposition="in_progress",
        read_point=location,
        biz_location=location,
    )


def shipping_event(
    *,
    units: Sequence[str],
    time: dt.datetime,
    location: str,
    sources: Sequence[SourceDest],
    destinations: Sequence[SourceDest],
    event_id: str | None = None,
    biz_transactions: Sequence[tuple[str, str]] = (),
) -> dict[str, Any]:
    """Shipping logistic units from ``location`` (with source and destination lists)."""
    return object_event(
        action="OBSERVE",
        time=time,
        event_id=event_id,
        epcs=units,
        biz_step="shipping",
        disposition="in_transit",
        read_point=location,
        sources=sources,
        destinations=destinations,
        biz_transactions=biz_transactions,
    )


def temperature_event(
    *,
    readings: Sequence[Reading],
    trange: TemperatureRange,
    time: dt.datetime,
    read_point: str,
    ns: Namespace,
    units: Sequence[str] = (),
    quantities: Sequence[Quantity] = (),
    event_id: str | None = None,
    device: str | None = None,
    biz_step: str = "transporting",
) -> dict[str, Any]:
    """Temperature log of goods in transit (``transporting``), alarms out of range."""
    return object_event(
        action="OBSERVE",
        time=time,
        event_id=event_id,
        epcs=units,
        quantities=quantities,
        biz_step=biz_step,
        disposition="in_transit" if biz_step == "transporting" else None,
        read_point=read_point,
        sensors=[
            sensor_element(
                readings, trange, device=device, rules=ns.vocab("rule/temperature-range")
            )
        ],
    )


def receiving_event(
    *,
    units: Sequence[str],
    time: dt.datetime,
    location: str,
    sources: Sequence[SourceDest],
    destinations: Sequence[SourceDest],
    event_id: str | None = None,
) -> dict[str, Any]:
    """Receiving logistic units at their destination."""
    return object_event(
        action="OBSERVE",
        time=time,
        event_id=event_id,
        epcs=units,
        biz_step="receiving",
        disposition="in_progress",
        read_point=location,
        biz_location=location,
        sources=sources,
        destinations=destinations,
    )


def sale_event(
    *,
    quantities: Sequence[Quantity],
    time: dt.datetime,
    location: str,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Sale of graded lots (``retail_selling``, ``retail_sold``)."""
    return object_event(
        action="OBSERVE",
        time=time,
        event_id=event_id,
        quantities=quantities,
        biz_step="retail_selling",
        disposition="retail_sold",
        read_point=location,
        biz_location=location,
    )


# --------------------------------------------------------------------------- documents


def epcis_document(
    events: Iterable[Mapping[str, Any]],
    *,
    ns: Namespace | None = None,
    creation_date: dt.datetime | None = None,
    sender: str | None = None,
    context: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """An ``EPCISDocument`` holding ``events`` (creation date: now, unless given)."""
    created = creation_date or dt.datetime.now(CHINA_TZ).replace(microsecond=0)
    doc: dict[str, Any] = {
        "@context": list(context) if context is not None else epcis_context(ns),
        "type": "EPCISDocument",
        "schemaVersion": SCHEMA_VERSION,
        "creationDate": format_time(created),
    }
    if sender:
        doc["sender"] = sender
    doc["epcisBody"] = {"eventList": [dict(e) for e in events]}
    return doc


def standalone_event(event: Mapping[str, Any], context: Sequence[Any] | str) -> dict[str, Any]:
    """``event`` with an ``@context`` (its own if it has one, else ``context``).

    A log entry is the canonical JSON of the standalone event: it is then a valid bare EPCIS
    event on its own (the schema requires ``@context`` there) and keeps the prefixes of the
    document it came from.
    """
    if "@context" in event:
        return dict(event)
    ctx: Any = context if isinstance(context, str) else list(context)
    return {"@context": ctx, **event}


def stage_of(event: Mapping[str, Any]) -> str:
    """Our stage name of an event (one of :data:`STAGES`), from its bizStep."""
    step = event.get("bizStep")
    if isinstance(step, str):
        if step in _STAGE_OF_BIZSTEP:
            return _STAGE_OF_BIZSTEP[step]
        if step.endswith("/bizstep/precooling"):
            return "precooling"
    if event.get("type") == "TransformationEvent":
        return "grading"
    return "other"


def alarms_of(event: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The sensor reports of ``event`` flagged ``ALARM_CONDITION``."""
    out: list[dict[str, Any]] = []
    for el in event.get("sensorElementList") or ():
        if not isinstance(el, Mapping):
            continue
        for rep in el.get("sensorReport") or ():
            if isinstance(rep, Mapping) and rep.get("exception") == ALARM:
                out.append(dict(rep))
    return out
