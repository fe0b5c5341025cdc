"""EPCIS 2.0 events: schema validation of everything we emit, GS1 examples, mutations, import.

GS1's schema and JSON-LD contexts ship in the package (ruralflow/data/epcis); GS1's example
documents are conformance material in ../shared/conformance/epcis (never copied into the
repository), and the tests that read them skip (``shared`` fixture) when it is missing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest

from helpers import REPO, SHARED
from ruralflow.bundle import read_bundle
from ruralflow.data import packaged_epcis_dir
from ruralflow.domain import County, Product
from ruralflow.trace import epcis as ep
from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.epcis import Quantity, Reading, SourceDest, TemperatureRange
from ruralflow.trace.exchange import export_document, import_document, log_entries
from ruralflow.trace.ids import (
    IdentifierError,
    Namespace,
    gs1_check_digit,
    gs1_lot_number,
    is_gs1_lot,
    lgtin_uri,
    normalize_gtin,
    sscc,
    sscc_uri,
)
from ruralflow.trace.log import MerkleLog
from ruralflow.trace.merkle import leaf_hash
from ruralflow.trace.season import SeasonOptions, SeasonTrace, season_events
from ruralflow.trace.validate import (
    EPCIS_DIR_ENV,
    EpcisDirError,
    EpcisJsonLdError,
    EpcisValidationError,
    document_loader,
    events_of,
    expand_jsonld,
    find_epcis_dir,
    validate_epcis,
    validate_epcis_file,
)
from ruralflow.trace.verify import verify_log

EPCIS = SHARED / "conformance" / "epcis"
needs_shared = pytest.mark.usefixtures("shared")
NS = Namespace()
DAY = dt.date(2025, 10, 13)
T = dt.datetime(2025, 10, 13, 8, 0, tzinfo=ep.CHINA_TZ)


def _manifest() -> list[dict[str, Any]]:
    if not (EPCIS / "MANIFEST.json").is_file():
        return []
    files: list[dict[str, Any]] = json.loads((EPCIS / "MANIFEST.json").read_text())["files"]
    return files


@pytest.fixture(scope="module")
def liquan() -> County:
    return read_bundle(REPO / "src" / "ruralflow" / "examples" / "610425")


@pytest.fixture(scope="module")
def small(liquan: County) -> County:
    """Day one of Liquan: 3 batches of the GS1 sub-brand township, 3 others (one kiwifruit)."""
    day = [s for s in liquan.supply_up if s.day == DAY]
    places = liquan.place_by_id
    gs1 = [s for s in day if places[s.village].parent == "T610425105"][:3]
    kiwi = [s for s in day if s.product == "kiwifruit"][:1]
    other = [s for s in day if places[s.village].parent != "T610425105" and s not in kiwi][:2]
    return liquan.replace(supply_up=tuple(gs1 + kiwi + other))


@pytest.fixture(scope="module")
def season(small: County) -> SeasonTrace:
    return season_events(small, SeasonOptions(namespace=NS))


# --------------------------------------------------------------------------- what we emit


def test_season_document_is_schema_valid(season: SeasonTrace) -> None:
    doc = season.document()
    report = validate_epcis(doc)
    assert report.ok, report.summary()
    assert report.kind == "EPCISDocument" and report.n_events == len(season.events)
    assert set(season.stage_counts()) == {
        "harvest",
        "grading",
        "precooling",
        "storage",
        "packing",
        "shipping",
        "transport",
        "receiving",
        "sale",
    }
    assert season.stage_counts()["harvest"] == 6
    kinds = {e["type"] for e in season.events}
    assert kinds == {"ObjectEvent", "TransformationEvent", "AggregationEvent"}
    times = [dt.datetime.fromisoformat(e["eventTime"]) for e in season.events]
    assert times == sorted(times)
    assert all(e["eventTimeZoneOffset"] == "+08:00" for e in season.events)


def test_each_log_entry_is_a_valid_bare_event(season: SeasonTrace) -> None:
    """A stored entry is the event with its @context: valid EPCIS on its own."""
    for data in log_entries(season.document()):
        event = json.loads(data)
        assert event["@context"] == ep.epcis_context(NS)
        report = validate_epcis(event)
        assert report.ok, report.summary()
        assert data == canonical_json(event)


def test_our_documents_expand_as_json_ld_offline(season: SeasonTrace) -> None:
    doc = ep.epcis_document(season.events[:12], ns=NS)
    expanded = expand_jsonld(doc)
    text = json.dumps(expanded)
    assert "https://id.ruralflow.example/voc/batch" in text  # rf: prefix resolved
    assert "urn:epcglobal:cbv:mda:lotNumber" in text  # cbvmda: from GS1's context
    assert "https://ref.gs1.org/epcis/" in text or "https://gs1.org/voc/" in text


def test_json_ld_loader_never_uses_the_network() -> None:
    doc = {"@context": "https://example.org/unknown-context.jsonld", "type": "ObjectEvent"}
    with pytest.raises(EpcisJsonLdError, match="not valid JSON-LD"):
        expand_jsonld(doc)
    loader = document_loader()
    assert loader("https://gs1.github.io/EPCIS/cbv-context-bizstep.jsonld")["document"]


def test_harvest_grading_packing_shipping_fields(season: SeasonTrace) -> None:
    by_stage: dict[str, list[dict[str, Any]]] = {}
    for e in season.events:
        by_stage.setdefault(ep.stage_of(e), []).append(e)
    harvest = by_stage["harvest"][0]
    assert harvest["action"] == "ADD" and harvest["bizStep"] == "commissioning"
    assert harvest["ilmd"]["cbvmda:lotNumber"] and harvest["ilmd"]["rf:batch"]
    assert harvest["readPoint"]["id"].startswith(NS.base + "/loc/cn/610425")
    grading = by_stage["grading"][0]
    assert grading["type"] == "TransformationEvent"
    kg_in = grading["inputQuantityList"][0]["quantity"]
    kg_out = sum(q["quantity"] for q in grading["outputQuantityList"])
    assert kg_out == pytest.approx(kg_in, abs=1e-6)
    packing = by_stage["packing"][0]
    assert packing["type"] == "AggregationEvent" and packing["action"] == "ADD"
    assert packing["childQuantityList"] and packing["parentID"]
    ship = by_stage["shipping"][0]
    assert {s["type"] for s in ship["sourceList"]} == {"possessing_party", "location"}
    assert {d["type"] for d in ship["destinationList"]} == {"owning_party", "location"}
    # the prefecture-city front warehouse (assumption): adcode 610400
    assert any("/loc/cn/610400/" in d["destination"] for d in ship["destinationList"])
    pre = by_stage["precooling"][0]
    assert pre["bizStep"] == NS.vocab("bizstep/precooling")
    reports = pre["sensorElementList"][0]["sensorReport"]
    assert reports[0]["value"] > reports[-1]["value"]  # it cools down
    assert all(r["type"] == "Temperature" and r["uom"] == "CEL" for r in reports)


def test_gs1_keys_where_the_sub_brand_has_them(season: SeasonTrace) -> None:
    gs1 = [b for b in season.batches if b.gs1]
    assert len(gs1) == 3
    b = gs1[0]
    assert b.lot.startswith("https://id.gs1.org/01/09520010000018/10/")
    assert b.unit.startswith("https://id.gs1.org/00/0952001")
    assert all(q.epc_class.startswith(b.lot + "-") for q in b.graded)
    other = next(x for x in season.batches if not x.gs1)
    assert other.lot == NS.lot("610425", other.batch)
    assert other.unit == NS.unit("610425", other.batch)


def test_generation_is_deterministic(small: County) -> None:
    a = season_events(small, SeasonOptions(namespace=NS))
    b = season_events(small, SeasonOptions(namespace=NS))
    assert a.events == b.events


def test_temperature_alarms_follow_the_product_range() -> None:
    apple = Product("apple", "苹果", "fruit", 2.85, 90, 0, 3, -1, ea_kj_per_mol=65, t_opt_c=0)
    rng = TemperatureRange.of_product(apple)
    assert (rng.min_c, rng.max_c) == (-1.0, 4.0)
    values = [0.5, 3.9, 4.6, -1.5, 2.0]
    readings = [Reading(T + dt.timedelta(minutes=30 * i), v) for i, v in enumerate(values)]
    ev = ep.temperature_event(
        readings=readings,
        trange=rng,
        time=T + dt.timedelta(hours=3),
        read_point=NS.location("610400", "FW1"),
        ns=NS,
        units=[NS.unit("610425", "B1")],
    )
    alarms = ep.alarms_of(ev)
    assert [a["value"] for a in alarms] == [4.6, -1.5]
    assert all(a["exception"] == "ALARM_CONDITION" for a in alarms)
    meta = ev["sensorElementList"][0]["sensorMetadata"]
    assert meta["rf:alarmMaxC"] == 4.0 and meta["rf:alarmMinC"] == -1.0
    # pre-cooling: warm readings are the starting point, not alarms; too cold still is
    pre = ep.precooling_event(
        quantities=[Quantity(NS.lot("610425", "B1"), 10.0)],
        readings=readings,
        trange=rng,
        time=T,
        location=NS.location("610425", "HUB"),
        ns=NS,
    )
    assert [a["value"] for a in ep.alarms_of(pre)] == [-1.5]
    doc = ep.epcis_document([ev, pre], ns=NS)
    assert validate_epcis(doc).ok, validate_epcis(doc).summary()


def test_every_builder_validates() -> None:
    lot = lgtin_uri("9520010000018", "L1")
    unit = sscc_uri(sscc("9520010", 42))
    where = NS.location("610425101201")
    events = [
        ep.harvest_event(
            lot=lot,
            kg=100,
            time=T,
            location=where,
            owner=NS.party("610425101201", "coop"),
            ilmd={"cbvmda:lotNumber": "L1", "rf:batch": "B1"},
        ),
        ep.grading_event(
            lot=lot, kg=100, outputs=[Quantity(lot + "-P", 60)], time=T, location=where
        ),
        ep.storage_event(
            quantities=[Quantity(lot + "-P", 60)],
            readings=[Reading(T, 0.5)],
            trange=TemperatureRange(-1, 4),
            time=T,
            location=where,
            ns=NS,
        ),
        ep.packing_event(unit=unit, children=[Quantity(lot + "-P", 60)], time=T, location=where),
        ep.shipping_event(
            units=[unit],
            time=T,
            location=where,
            sources=[SourceDest("location", where)],
            destinations=[SourceDest("location", NS.location("610400", "FW1"))],
            biz_transactions=[("desadv", NS.vocab("desadv/1"))],
        ),
        ep.receiving_event(
            units=[unit],
            time=T,
            location=where,
            sources=[SourceDest("location", where)],
            destinations=[SourceDest("location", where)],
        ),
        ep.sale_event(quantities=[Quantity(lot + "-P", 60)], time=T, location=where),
    ]
    report = validate_epcis(ep.epcis_document(events, ns=NS))
    assert report.ok, report.summary()
    with pytest.raises(ValueError, match="more than"):
        ep.grading_event(lot=lot, kg=1, outputs=[Quantity(lot, 2)], time=T, location=where)
    with pytest.raises(ValueError, match="ilmd"):
        ep.object_event(action="OBSERVE", time=T, epcs=[unit], ilmd={"rf:x": 1})


# --------------------------------------------------------------------------- identifiers


def test_gs1_keys_and_lot_numbers() -> None:
    assert gs1_check_digit("978030640615") == "7"  # ISBN-13 978-0-306-40615-7
    assert gs1_check_digit("400638133393") == "1"  # GTIN-13 4006381333931
    assert normalize_gtin("4006381333931") == "04006381333931"
    with pytest.raises(IdentifierError, match="check digit"):
        normalize_gtin("4006381333932")
    code = sscc("9520010", 42)
    assert (
        len(code) == 18 and code.startswith("09520010") and code[-1] == gs1_check_digit(code[:-1])
    )
    assert gs1_lot_number("LOT-7", DAY) == "LOT-7"
    long = gs1_lot_number("B20251013-610425001200-apple", DAY, max_len=18)
    assert long.startswith("251013-") and len(long) == 15 and is_gs1_lot(long + "-P")
    assert long == gs1_lot_number("B20251013-610425001200-apple", DAY, max_len=18)
    with pytest.raises(IdentifierError):
        lgtin_uri("9520010000018", "x" * 21)
    assert NS.location("610425", "HUB") == "https://id.ruralflow.example/loc/cn/610425/HUB"
    with pytest.raises(IdentifierError, match="adcode"):
        NS.location("61042")


# --------------------------------------------------------------------------- GS1 examples


@needs_shared
@pytest.mark.parametrize(
    "entry", _manifest() or [{"path": "no-shared"}], ids=lambda e: str(e["path"])
)
def test_gs1_examples_match_the_manifest(entry: dict[str, Any]) -> None:
    """Valid examples validate; the invalid ones (MANIFEST) are rejected, as recorded."""
    report = validate_epcis_file(EPCIS / entry["path"])
    assert report.ok == entry["valid_draft7_with_format_check"], report.summary()
    if not report.ok:
        assert report.problems[0].describe()


def _valid_examples() -> list[Path]:
    return sorted(
        EPCIS / e["path"]
        for e in _manifest()
        if e["valid_draft7_with_format_check"]
        and (e["path"].startswith("JSON/") or e["path"].startswith("JSON-Schema/test/"))
    )


@needs_shared
def test_all_valid_gs1_examples_import(tmp_path: Path) -> None:
    paths = _valid_examples()
    assert len(paths) == 35  # 31 in JSON/ + 4 bare events in JSON-Schema/test/
    expected: list[bytes] = []
    with MerkleLog.open(tmp_path / "log.db") as log:
        for p in paths:
            doc = json.loads(p.read_text(encoding="utf-8"))
            res = import_document(log, doc, source=str(p))
            events = events_of(doc)
            assert len(res.leaf_hashes) == len(events) > 0
            for ev, lh in zip(events, res.leaf_hashes, strict=True):
                ctx = doc.get("@context")
                entry = canonical_json(ep.standalone_event(ev, ctx))
                assert lh == leaf_hash(entry)
                expected.append(entry)
        assert log.size == len(expected)
        assert [log.entry(i) for i in range(log.size)] == expected
        exported = export_document(log)
    assert verify_log(tmp_path / "log.db", []).first_bad_entry is None
    # GS1's examples reuse a few eventIDs for different events: one document holding them
    # all is refused for that reason only
    report = validate_epcis(exported)
    assert {p.keyword for p in report.problems} <= {"uniqueEventID"}, report.summary()


@needs_shared
def test_invalid_document_imports_nothing(tmp_path: Path) -> None:
    doc = json.loads((EPCIS / "JSON/Example_9.6.1-ObjectEvent.jsonld").read_text())
    del doc["epcisBody"]["eventList"][1]["eventTime"]
    with MerkleLog.open(tmp_path / "log.db") as log:
        with pytest.raises(EpcisValidationError, match="eventTime"):
            import_document(log, doc)
        assert log.size == 0


# --------------------------------------------------------------------------- mutations


@pytest.fixture
def gs1_doc(shared: Path) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(
        (shared / "conformance" / "epcis" / "JSON/Example_9.6.1-ObjectEvent.jsonld").read_text(
            encoding="utf-8"
        )
    )
    return doc


def _one_problem(doc: Any) -> str:
    report = validate_epcis(doc, source="mutated.jsonld")
    assert not report.ok
    assert report.summary().startswith("mutated.jsonld: NOT valid EPCIS 2.0")
    return report.problems[0].describe()


def test_missing_required_field_is_named(gs1_doc: dict[str, Any]) -> None:
    ev = gs1_doc["epcisBody"]["eventList"][1]
    del ev["eventTimeZoneOffset"]
    msg = _one_problem(gs1_doc)
    assert msg == (
        f"event 1 (ObjectEvent {ev['eventID']}), field /epcisBody/eventList/1/"
        "eventTimeZoneOffset: required field 'eventTimeZoneOffset' is missing"
    )


def test_wrong_type_is_named(gs1_doc: dict[str, Any]) -> None:
    ev = gs1_doc["epcisBody"]["eventList"][0]
    ev["epcList"] = "urn:epc:id:sgtin:0614141.107346.2017"
    msg = _one_problem(gs1_doc)
    assert msg == (
        f"event 0 (ObjectEvent {ev['eventID']}), field /epcisBody/eventList/0/epcList: "
        "'urn:epc:id:sgtin:0614141.107346.2017' is not of type 'array'"
    )


def test_bad_date_is_named(gs1_doc: dict[str, Any]) -> None:
    ev = gs1_doc["epcisBody"]["eventList"][1]
    ev["eventTime"] = "2025-13-45T25:00:00+08:00"
    msg = _one_problem(gs1_doc)
    assert msg == (
        f"event 1 (ObjectEvent {ev['eventID']}), field /epcisBody/eventList/1/eventTime: "
        "'2025-13-45T25:00:00+08:00' is not a 'date-time'"
    )


def test_other_mutations_are_named(gs1_doc: dict[str, Any]) -> None:
    d = copy.deepcopy(gs1_doc)
    d["epcisBody"]["eventList"][0]["grade"] = "A"
    assert "field /epcisBody/eventList/0/grade: field 'grade' is not allowed here" in (
        _one_problem(d)
    )
    d = copy.deepcopy(gs1_doc)
    d["epcisBody"]["eventList"][0]["bizStep"] = "urn:epcglobal:cbv:bizstep:shipping"
    assert "bare CBV value" in _one_problem(d)
    d = copy.deepcopy(gs1_doc)
    del d["creationDate"]
    assert (
        _one_problem(d)
        == "document, field /creationDate: required field 'creationDate' is missing"
    )
    d = copy.deepcopy(gs1_doc)
    d["epcisBody"]["eventList"][0]["quantityList"] = [{"epcClass": "urn:x:y", "quantity": "ten"}]
    assert "/quantityList/0/quantity: 'ten' is not of type 'number'" in _one_problem(d)


def test_mutated_emitted_document_names_our_event(season: SeasonTrace) -> None:
    doc = season.document()
    ev = doc["epcisBody"]["eventList"][1]
    del ev["eventTime"]
    msg = _one_problem(doc)
    assert msg.startswith(f"event 1 ({ev['type']} {ev['eventID']}), field ")
    assert msg.endswith("/eventTime: required field 'eventTime' is missing")


def test_bad_files_and_missing_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"type": "EPCISDocument",', encoding="utf-8")
    report = validate_epcis_file(bad)
    assert not report.ok and "not JSON" in report.summary() and "line 1" in report.summary()
    monkeypatch.setenv(EPCIS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(EpcisDirError, match="RURALFLOW_EPCIS_DIR"):
        find_epcis_dir()
    packaged = packaged_epcis_dir()
    monkeypatch.setenv(EPCIS_DIR_ENV, str(packaged))
    assert find_epcis_dir() == packaged.resolve()
    monkeypatch.delenv(EPCIS_DIR_ENV)
    assert find_epcis_dir() == packaged.resolve()
