"""A batch's verification view: its history in the log, inclusion proofs, and its brand.

:func:`batch_history` finds the events of a lot in the log: the events that name the lot, or
any identifier linked to it by a TransformationEvent (inputs <-> outputs: a harvest lot and its
graded lots) or an AggregationEvent (children <-> parent: graded lots and their crate). Starting
from a graded lot on a consumer's box it therefore finds the harvest, the grading, the cold
chain, the shipment of its crate and the sale. It reads every entry once (``O(n)``; an index
table is future work for very large logs).

:func:`verification_view` is what the public consumer page (``/01/{gtin}/10/{lot}``) reads:
the history, for each event its stored bytes (``entry``, base64), its leaf hash and an RFC 9162
inclusion proof against the latest signed checkpoint (checked here too with
:func:`~ruralflow.trace.merkle.verify_inclusion`; the page's own script checks them again in
the browser), the checkpoint note (signature checked when public keys are given), temperature
alarms, the freshness consumed (:func:`freshness_of`) and the brand (regional public brand,
enterprise sub-brand, GI status).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ruralflow.domain.products import Product
from ruralflow.freshness import FreshnessError, consumed_fraction, hold
from ruralflow.trace.brand import BrandRegistry, registry_for
from ruralflow.trace.checkpoint import CheckpointError, NoteError, Verifier, open_checkpoint
from ruralflow.trace.codes import lot_of_url, trace_url
from ruralflow.trace.epcis import alarms_of, stage_of
from ruralflow.trace.ids import IdentifierError, Namespace, gln_uri
from ruralflow.trace.log import LogError, MerkleLog
from ruralflow.trace.merkle import ProofError, leaf_hash, verify_inclusion

__all__ = [
    "batch_history",
    "entry_proof",
    "freshness_of",
    "identifiers_of",
    "lineage",
    "locations_of",
    "temperature_readings",
    "verification_view",
]


def _b64(b: bytes) -> str:
    return base64.b64encode(b).decode("ascii")


def _classes(items: Any) -> list[str]:
    out: list[str] = []
    for q in items or ():
        if isinstance(q, Mapping) and isinstance(q.get("epcClass"), str):
            out.append(q["epcClass"])
    return out


def _epcs(items: Any) -> list[str]:
    return [e for e in items or () if isinstance(e, str)]


def identifiers_of(event: Mapping[str, Any]) -> set[str]:
    """Every object identifier an event names (EPCs, classes, parent)."""
    ids: set[str] = set()
    for key in ("epcList", "childEPCs", "inputEPCList", "outputEPCList"):
        ids.update(_epcs(event.get(key)))
    for key in ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"):
        ids.update(_classes(event.get(key)))
    parent = event.get("parentID")
    if isinstance(parent, str):
        ids.add(parent)
    return ids


def _links(event: Mapping[str, Any]) -> list[tuple[set[str], set[str]]]:
    """Groups of identifiers that the event links to each other."""
    kind = event.get("type")
    if kind == "TransformationEvent":
        ins = set(_epcs(event.get("inputEPCList"))) | set(_classes(event.get("inputQuantityList")))
        outs = set(_epcs(event.get("outputEPCList"))) | set(
            _classes(event.get("outputQuantityList"))
        )
        return [(ins, outs)]
    if kind == "AggregationEvent" and isinstance(event.get("parentID"), str):
        kids = set(_epcs(event.get("childEPCs"))) | set(_classes(event.get("childQuantityList")))
        return [({event["parentID"]}, kids)]
    return []


def batch_history(
    log: MerkleLog, identifier: str, *, limit: int | None = None
) -> list[tuple[int, dict[str, Any]]]:
    """``(index, event)`` of every log entry about ``identifier`` and what it is linked to."""
    mentions: dict[str, list[int]] = {}
    links: dict[str, set[str]] = {}
    events: dict[int, dict[str, Any]] = {}
    for idx, _leaf, data in log.store.iter_entries(0):
        if limit is not None and idx >= limit:
            break
        try:
            ev = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            continue
        if not isinstance(ev, dict):
            continue
        ids = identifiers_of(ev)
        for i in ids:
            mentions.setdefault(i, []).append(idx)
        for a, b in _links(ev):
            for x in a:
                links.setdefault(x, set()).update(b)
            for y in b:
                links.setdefault(y, set()).update(a)
        if ids:
            events[idx] = ev
    seen = {identifier}
    queue = deque([identifier])
    while queue:
        cur = queue.popleft()
        for nxt in links.get(cur, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    found = sorted({i for x in seen for i in mentions.get(x, ())})
    return [(i, events[i]) for i in found]


def _edges(
    events: Sequence[Mapping[str, Any]],
) -> tuple[list[tuple[set[str], set[str]]], list[tuple[str, set[str]]]]:
    """``(inputs, outputs)`` of the transformations, ``(parent, children)`` of the packings."""
    made: list[tuple[set[str], set[str]]] = []
    packed: list[tuple[str, set[str]]] = []
    for ev in events:
        kind = ev.get("type")
        if kind == "TransformationEvent":
            ins = set(_epcs(ev.get("inputEPCList"))) | set(_classes(ev.get("inputQuantityList")))
            outs = set(_epcs(ev.get("outputEPCList"))) | set(
                _classes(ev.get("outputQuantityList"))
            )
            made.append((ins, outs))
        elif kind == "AggregationEvent" and isinstance(ev.get("parentID"), str):
            kids = set(_epcs(ev.get("childEPCs"))) | set(_classes(ev.get("childQuantityList")))
            packed.append((ev["parentID"], kids))
    return made, packed


def lineage(events: Sequence[Mapping[str, Any]], identifier: str) -> set[str]:
    """The identifiers of ``identifier``'s own path through the events.

    :func:`batch_history` finds the lot's whole family: every identifier linked either way,
    so for a graded lot also the other grades of its harvest and what became of them. The own
    path is what the lot was made from (the inputs of a TransformationEvent with an output in
    the path, recursively), what was made from it (outputs, recursively) and what it was
    packed into; for a logistic unit also what it holds. Not its siblings.
    """
    made, packed = _edges(events)

    def closure(start: set[str], step: Any) -> set[str]:
        rel = set(start)
        while True:
            more = step(rel) - rel
            if not more:
                return rel
            rel |= more

    def up(rel: set[str]) -> set[str]:
        return {i for ins, outs in made if outs & rel for i in ins}

    def down(rel: set[str]) -> set[str]:
        outs = {o for ins, outs in made if ins & rel for o in outs}
        return outs | {k for parent, kids in packed if parent in rel for k in kids}

    def containers(rel: set[str]) -> set[str]:
        return {parent for parent, kids in packed if kids & rel}

    path = closure({identifier}, up) | closure({identifier}, down)
    return closure(path, containers)


def entry_proof(log: MerkleLog, index: int, *, tree_size: int | None = None) -> dict[str, Any]:
    """Inclusion proof of entry ``index`` in the tree of ``tree_size`` (default: the latest
    checkpoint's size, else the whole log), checked before it is returned."""
    cp = log.latest_checkpoint()
    size = tree_size if tree_size is not None else (cp.tree_size if cp else log.size)
    if not 0 <= index < size:
        raise LogError(f"entry {index} is not in the tree of size {size}")
    data = log.entry(index)
    lh = leaf_hash(data)
    proof = log.inclusion_proof(index, size)
    root = log.root(size)
    verify_inclusion(index, size, lh, proof, root)
    return {
        "leaf_index": index,
        "tree_size": size,
        "leaf_hash": _b64(lh),
        "root_hash": _b64(root),
        "inclusion_proof": [_b64(p) for p in proof],
        "checkpoint_seq": cp.seq if cp is not None and cp.tree_size == size else None,
    }


def _event_summary(ev: Mapping[str, Any]) -> dict[str, Any]:
    where = ev.get("bizLocation") or ev.get("readPoint")
    return {
        "stage": stage_of(ev),
        "type": ev.get("type"),
        "eventID": ev.get("eventID"),
        "eventTime": ev.get("eventTime"),
        "bizStep": ev.get("bizStep"),
        "disposition": ev.get("disposition"),
        "where": where.get("id") if isinstance(where, Mapping) else None,
        "alarms": alarms_of(ev),
    }


def locations_of(events: Sequence[Mapping[str, Any]]) -> list[str]:
    """The location URIs the events name (read point, business location, source and
    destination locations), in order of first mention."""
    out: dict[str, None] = {}
    for ev in events:
        for key in ("readPoint", "bizLocation"):
            v = ev.get(key)
            if isinstance(v, Mapping) and isinstance(v.get("id"), str):
                out.setdefault(v["id"], None)
        for key, field in (("sourceList", "source"), ("destinationList", "destination")):
            for item in ev.get(key) or ():
                if (
                    isinstance(item, Mapping)
                    and item.get("type") == "location"
                    and isinstance(item.get(field), str)
                ):
                    out.setdefault(item[field], None)
    return list(out)


def _parse_time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        t = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def temperature_readings(events: Sequence[Mapping[str, Any]]) -> list[tuple[dt.datetime, float]]:
    """Every temperature reading (``Temperature`` in ``CEL``) of the events, by time."""
    out: dict[dt.datetime, float] = {}
    for ev in events:
        for el in ev.get("sensorElementList") or ():
            if not isinstance(el, Mapping):
                continue
            for rep in el.get("sensorReport") or ():
                if not isinstance(rep, Mapping) or rep.get("type") != "Temperature":
                    continue
                if rep.get("uom", "CEL") != "CEL":
                    continue
                t = _parse_time(rep.get("time"))
                v = rep.get("value")
                if t is None or isinstance(v, bool) or not isinstance(v, int | float):
                    continue
                if math.isfinite(v):
                    out.setdefault(t, float(v))
    return sorted(out.items())


FRESHNESS_METHOD = (
    "温度按记录保持到下一次读数；采收到首次读数之间按首次读数计（假设）/ each temperature "
    "reading holds until the next one; from harvest to the first reading the product is taken "
    "to be at the first reading (assumption). Shelf-life model of the product (Q10 or "
    "Arrhenius, ruralflow.freshness), up to the batch's last recorded event."
)


def _shelf_life_source(source: str) -> str:
    """The shelf-life part of a product's source note (its value and prices are not public)."""
    parts = [p.strip() for p in source.split(";")]
    kept = [p for p in parts if p.lower().startswith(("perishability", "q10", "ea", "shelf"))]
    return "; ".join(kept) if kept else "assumption (no public source given)"


def freshness_of(
    product: Product, events: Sequence[Mapping[str, Any]], *, start: str | None = None
) -> dict[str, Any]:
    """Shelf life consumed by a batch from harvest to its last recorded event.

    The temperature history is the events' sensor readings as a step function
    (:data:`FRESHNESS_METHOD`); the consumed fraction is
    :func:`ruralflow.freshness.consumed_fraction` over it. ``status`` is ``"ok"``, or
    ``"no_readings"`` / ``"below_chilling"`` / ``"no_times"`` with ``reason`` and no fraction.
    """
    times = [t for t in (_parse_time(e.get("eventTime")) for e in events) if t is not None]
    readings = temperature_readings(events)
    out: dict[str, Any] = {
        "product": product.id,
        "product_name": product.name,
        "product_name_en": product.name_en,
        "shelf_life_ref_days": product.shelf_life_ref_days,
        "t_ref_c": product.t_ref_c,
        "t_min_c": product.t_min_c,
        "readings": len(readings),
        "method": FRESHNESS_METHOD,
        "source": _shelf_life_source(product.source),
    }
    t0 = _parse_time(start) if start is not None else None
    if t0 is None and times:
        t0 = min(times)
    if t0 is None or not times:
        return {**out, "status": "no_times", "reason": "事件没有时间 / the events carry no time"}
    if not readings:
        return {
            **out,
            "status": "no_readings",
            "reason": "没有温度记录 / no temperature readings in the batch's events",
        }
    end = max([*times, readings[-1][0]])
    t0 = min(t0, readings[0][0])
    points = [(t0, readings[0][1]), *readings]
    segments = []
    for (ta, temp), (tb, _next) in zip(points, [*points[1:], (end, 0.0)], strict=True):
        hours = (tb - ta).total_seconds() / 3600.0
        if hours > 0:
            segments.append(hold(f"{ta.isoformat()}", hours, temp))
    lowest = min(v for _t, v in readings)
    out.update(
        {
            "from": t0.isoformat(),
            "to": end.isoformat(),
            "hours": round((end - t0).total_seconds() / 3600.0, 2),
            "min_c": lowest,
            "max_c": max(v for _t, v in readings),
        }
    )
    try:
        phi = consumed_fraction(product, segments)
    except FreshnessError as e:
        return {
            **out,
            "status": "below_chilling",
            "reason": f"读数低于冷害温度 / a reading is below the chilling threshold: {e}",
        }
    remaining = max(0.0, 1.0 - phi) * product.shelf_life_ref_days
    return {
        **out,
        "status": "ok",
        "consumed_fraction": round(phi, 6),
        "remaining_days_at_ref": round(remaining, 2),
    }


def verification_view(
    log: MerkleLog,
    identifier: str,
    *,
    ns: Namespace | None = None,
    resolver: str | None = None,
    brands: BrandRegistry | None = None,
    verifiers: Sequence[Verifier] = (),
    include_events: bool = True,
    expected: Sequence[int] | None = None,
    product_of: Callable[[str, str], Product | None] | None = None,
    place_of: Callable[[str], tuple[str, str] | None] | None = None,
) -> dict[str, Any]:
    """The JSON view of a lot (a lot URI or a scanned trace URL) for its verification page.

    ``verified`` is true when the lot has history, every event up to the latest checkpoint
    has a valid inclusion proof against it, and (when ``verifiers`` are given) the checkpoint's
    signature is valid. Events after the checkpoint are listed as ``pending``.

    Each event item carries (with ``include_events``) ``event`` and ``entry``, the base64 of
    the bytes stored in the log, and (always) its
    ``proof`` (leaf hash of those bytes, inclusion proof from the log's tree) even when the
    check here fails, so that a browser can repeat the check itself. ``expected`` are log
    indices that belong to the lot's history (the service's event index): one whose stored
    bytes no longer read as an event about the lot is listed too, with ``event`` null, and
    fails. ``own`` tells an event of the lot's own path (:func:`lineage`) from one of another
    lot of the same family (another grade of its harvest); the freshness and place names use
    the own events only. ``product_of(county, product)`` gives the product for
    :func:`freshness_of`;
    ``place_of(location URI)`` the ``(name_zh, name_en)`` of a place, for ``places`` (the
    names of the locations the events name, with the sub-brand's packhouse GLN).
    """
    ns = ns or Namespace.from_env()
    try:
        lot = lot_of_url(identifier, ns=ns)
    except IdentifierError:
        lot = identifier
    history: list[tuple[int, dict[str, Any] | None]] = list(batch_history(log, lot))
    found = {i for i, _ev in history}
    lost = sorted(set(expected or ()) - found)
    if lost:
        history = sorted([*history, *((i, None) for i in lost)], key=lambda x: x[0])
    own_ids = lineage([ev for _i, ev in history if ev is not None], lot)
    cp = log.latest_checkpoint()
    checkpoint: dict[str, Any] | None = None
    signature_ok: bool | None = None
    problems: list[str] = []
    if cp is not None:
        checkpoint = {
            "seq": cp.seq,
            "tree_size": cp.tree_size,
            "root_hash": _b64(cp.root),
            "created_at": cp.created_at,
            "note": cp.note,
        }
        if verifiers:
            try:
                parsed = open_checkpoint(cp.note, verifiers)
                signature_ok = parsed.size == cp.tree_size and parsed.root_hash == cp.root
                if not signature_ok:
                    problems.append("the signed checkpoint disagrees with the stored one")
            except (NoteError, CheckpointError) as e:
                signature_ok = False
                problems.append(f"checkpoint signature: {e}")
    else:
        problems.append("the log has no signed checkpoint yet")
    events_out: list[dict[str, Any]] = []
    pending: list[dict[str, Any]] = []
    proofs_ok = True
    harvest: Mapping[str, Any] | None = None
    readable: list[dict[str, Any]] = []
    for idx, ev in history:
        if ev is None:
            item: dict[str, Any] = {
                "index": idx,
                "stage": "unreadable",
                "type": None,
                "eventID": None,
                "eventTime": None,
                "bizStep": None,
                "disposition": None,
                "where": None,
                "alarms": [],
                "own": True,
            }
            proofs_ok = False
            problems.append(
                f"entry {idx}: its stored bytes no longer read as an event about {lot} "
                "(the event index lists it)"
            )
        else:
            own = bool(identifiers_of(ev) & own_ids)
            if own:
                readable.append(ev)
            item = {"index": idx, **_event_summary(ev), "own": own}
            if (
                own
                and harvest is None
                and isinstance(ev.get("ilmd"), Mapping)
                and ev.get("action") == "ADD"
            ):
                harvest = ev["ilmd"]
        try:
            data = log.entry(idx)
        except LogError:
            data = None
        if data is not None and include_events:
            item["entry"] = _b64(data)
        if cp is not None and idx < cp.tree_size:
            try:
                if data is None:
                    raise LogError(f"no entry {idx} in the log")
                lh = leaf_hash(data)
                proof = log.inclusion_proof(idx, cp.tree_size)
                item["proof"] = {
                    "leaf_hash": _b64(lh),
                    "inclusion_proof": [_b64(p) for p in proof],
                    "verified": False,
                }
                verify_inclusion(idx, cp.tree_size, lh, proof, cp.root)
                item["proof"]["verified"] = True
            except (ProofError, LogError) as e:
                proofs_ok = False
                item.setdefault("proof", {"verified": False})["error"] = str(e)
                problems.append(f"entry {idx}: inclusion proof failed: {e}")
        if include_events:
            item["event"] = ev
        if cp is not None and idx < cp.tree_size:
            events_out.append(item)
        else:
            pending.append(item)
    brand: dict[str, Any] | None = None
    freshness: dict[str, Any] | None = None
    if harvest is not None:
        product = harvest.get("rf:product")
        county = harvest.get("rf:county")
        township = harvest.get("rf:township")
        if isinstance(product, str) and isinstance(county, str):
            reg = brands if brands is not None else registry_for(county)
            township = township if isinstance(township, str) else None
            brand = reg.brand_of(product, county, township).to_dict()
            prod = product_of(county, product) if product_of is not None else None
            if prod is not None:
                start = harvest.get("cbvmda:harvestStartDate")
                harvest_ev = next((e for e in readable if e.get("ilmd") is harvest), None)
                t = harvest_ev.get("eventTime") if harvest_ev is not None else None
                freshness = freshness_of(prod, readable, start=t if isinstance(t, str) else start)
    if not history:
        problems.append(f"no events about {lot}")
    try:
        url = trace_url(lot, resolver=resolver, ns=ns)
    except IdentifierError:
        url = None
    alarms = sum(len(e["alarms"]) for e in events_out + pending)
    out: dict[str, Any] = {
        "lot": lot,
        "trace_url": url,
        "verified": bool(history)
        and cp is not None
        and proofs_ok
        and signature_ok is not False
        and bool(events_out),
        "signature_checked": signature_ok is not None,
        "lot_data": dict(harvest) if harvest is not None else None,
        "brand": brand,
        "checkpoint": checkpoint,
        "n_events": len(history),
        "temperature_alarms": alarms,
        "events": events_out,
        "pending": pending,
        "problems": problems,
    }
    if product_of is not None:
        out["freshness"] = freshness
    if place_of is not None:
        names: dict[str, dict[str, str]] = {}
        sub = (brand or {}).get("enterprise_sub_brand")
        for uri in locations_of(readable):
            name = place_of(uri)
            if name is None and sub is not None and uri in _sub_brand_glns(harvest, brands):
                name = (f"{sub['name_zh']}包装场", f"{sub['name_en']} packhouse")
            if name is not None:
                names[uri] = {"name_zh": name[0], "name_en": name[1]}
        out["places"] = names
    return out


def _sub_brand_glns(harvest: Mapping[str, Any] | None, brands: BrandRegistry | None) -> set[str]:
    """Location URIs of the GLNs of the sub-brand covering the harvest's product."""
    if harvest is None:
        return set()
    product, county = harvest.get("rf:product"), harvest.get("rf:county")
    township = harvest.get("rf:township")
    if not isinstance(product, str) or not isinstance(county, str):
        return set()
    reg = brands if brands is not None else registry_for(county)
    info = reg.brand_of(product, county, township if isinstance(township, str) else None)
    if info.sub_brand is None:
        return set()
    return {gln_uri(k.gln) for k in info.sub_brand.gs1.values() if k.gln}
