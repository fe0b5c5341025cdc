"""A batch's verification view: its history in the log, inclusion proofs, and its brand.

:func:`batch_history` finds the events of a lot in the log: the events that name the lot, or
any identifier linked to it by a TransformationEvent (inputs <-> outputs: a harvest lot and its
graded lots) or an AggregationEvent (children <-> parent: graded lots and their crate). Starting
from a graded lot on a consumer's box it therefore finds the harvest, the grading, the cold
chain, the shipment of its crate and the sale. It reads every entry once (``O(n)``; an index
table is future work for very large logs).

:func:`verification_view` is what the public verification page shows (JSON now): the history,
for each event its leaf hash and an RFC 9162 inclusion proof against the latest signed
checkpoint (checked here with :func:`~ruralflow.trace.merkle.verify_inclusion`), the checkpoint
note (signature checked when public keys are given), temperature alarms, and the brand
(regional public brand, enterprise sub-brand, GI status).
"""

from __future__ import annotations

import base64
import json
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

from ruralflow.trace.brand import BrandRegistry, registry_for
from ruralflow.trace.checkpoint import CheckpointError, NoteError, Verifier, open_checkpoint
from ruralflow.trace.codes import lot_of_url, trace_url
from ruralflow.trace.epcis import alarms_of, stage_of
from ruralflow.trace.ids import IdentifierError, Namespace
from ruralflow.trace.log import LogError, MerkleLog
from ruralflow.trace.merkle import ProofError, leaf_hash, verify_inclusion

__all__ = ["batch_history", "entry_proof", "identifiers_of", "verification_view"]


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


def verification_view(
    log: MerkleLog,
    identifier: str,
    *,
    ns: Namespace | None = None,
    resolver: str | None = None,
    brands: BrandRegistry | None = None,
    verifiers: Sequence[Verifier] = (),
    include_events: bool = True,
) -> dict[str, Any]:
    """The JSON view of a lot (a lot URI or a scanned trace URL) for its verification page.

    ``verified`` is true when the lot has history, every event up to the latest checkpoint
    has a valid inclusion proof against it, and (when ``verifiers`` are given) the checkpoint's
    signature is valid. Events after the checkpoint are listed as ``pending``.
    """
    ns = ns or Namespace.from_env()
    try:
        lot = lot_of_url(identifier, ns=ns)
    except IdentifierError:
        lot = identifier
    history = batch_history(log, lot)
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
    for idx, ev in history:
        item = {"index": idx, **_event_summary(ev)}
        if harvest is None and isinstance(ev.get("ilmd"), Mapping) and ev.get("action") == "ADD":
            harvest = ev["ilmd"]
        if cp is not None and idx < cp.tree_size:
            try:
                proof = entry_proof(log, idx, tree_size=cp.tree_size)
                if proof["root_hash"] != _b64(cp.root):
                    raise ProofError("root differs from the checkpoint")
                item["proof"] = {
                    "leaf_hash": proof["leaf_hash"],
                    "inclusion_proof": proof["inclusion_proof"],
                    "verified": True,
                }
            except (ProofError, LogError) as e:
                proofs_ok = False
                item["proof"] = {"verified": False, "error": str(e)}
                problems.append(f"entry {idx}: inclusion proof failed: {e}")
        if include_events:
            item["event"] = ev
        if cp is not None and idx < cp.tree_size:
            events_out.append(item)
        else:
            pending.append(item)
    brand: dict[str, Any] | None = None
    if harvest is not None:
        product = harvest.get("rf:product")
        county = harvest.get("rf:county")
        township = harvest.get("rf:township")
        if isinstance(product, str) and isinstance(county, str):
            reg = brands if brands is not None else registry_for(county)
            township = township if isinstance(township, str) else None
            brand = reg.brand_of(product, county, township).to_dict()
    if not history:
        problems.append(f"no events about {lot}")
    try:
        url = trace_url(lot, resolver=resolver, ns=ns)
    except IdentifierError:
        url = None
    alarms = sum(len(e["alarms"]) for e in events_out + pending)
    return {
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
