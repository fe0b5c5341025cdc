"""The service database: migrations, bundle import and export, users, the Merkle log store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from helpers import REPO
from ruralflow.bundle import BundleError, read_bundle, validate_bundle
from ruralflow.cli import app
from ruralflow.store import StoreError, add_user, engine_for, import_bundle, upgrade
from ruralflow.store.db import current_revision, head_revision, session_scope
from ruralflow.store.models import CountyRow, PlaceRow
from ruralflow.store.tracelog import SqlLogStore
from ruralflow.store.users import authenticate
from ruralflow.trace import MerkleLog, generate_signer, verify_log

EXAMPLE = REPO / "src" / "ruralflow" / "examples" / "610425"
LIQUAN_2015 = REPO / "src" / "ruralflow" / "sharing" / "data" / "liquan_2015"

runner = CliRunner()


def test_upgrade_from_empty(db_url: str) -> None:
    """Migrations build every table from an empty database; a second run is a no-op."""
    assert upgrade(db_url) == head_revision()
    assert upgrade(db_url) == head_revision()
    assert current_revision(engine_for(db_url)) == head_revision()


def test_import_export_round_trip(db_url: str, tmp_path: Path) -> None:
    """`db import` then `db export` gives a bundle `validate` accepts and reads back equal."""
    assert runner.invoke(app, ["db", "upgrade", "--db", db_url]).exit_code == 0
    res = runner.invoke(app, ["db", "import", str(EXAMPLE), "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "礼泉县" in res.output
    out = tmp_path / "exported"
    res = runner.invoke(app, ["db", "export", "610425", "--db", db_url, "--out-dir", str(out)])
    assert res.exit_code == 0, res.output
    assert validate_bundle(out) == []
    assert read_bundle(out) == read_bundle(EXAMPLE)


def test_bundle_round_trip_is_exact(db_url: str, tmp_path: Path) -> None:
    """A bundle with contract and up-flow files: `db import` then `db export` gives back
    every file byte for byte (the strict readers read them back equal); a replacing import
    without contract files removes them."""
    from ruralflow.bundle.contract_files import read_contract_files

    src = tmp_path / "liquan-2015"
    shutil.copytree(EXAMPLE, src)
    for f in LIQUAN_2015.glob("*.csv"):
        shutil.copy(f, src / f.name)
    (src / "prices.csv").write_bytes(  # a BOM and CRLF line ends survive the round trip
        b"\xef\xbb\xbf" + (src / "prices.csv").read_bytes().replace(b"\n", b"\r\n")
    )
    upgrade(db_url)
    res = runner.invoke(app, ["db", "import", str(src), "--db", db_url])
    assert res.exit_code == 0, res.output
    assert "contracts.csv 12" in res.output and "deliveries.csv 120" in res.output
    out = tmp_path / "exported"
    res = runner.invoke(app, ["db", "export", "610425", "--db", db_url, "--out-dir", str(out)])
    assert res.exit_code == 0, res.output
    files = sorted(p.name for p in src.iterdir())
    assert {"lots.csv", "brands.csv", "contracts.csv"} <= set(files)
    assert sorted(p.name for p in out.iterdir()) == files
    for name in files:  # every file, optional ones included, comes back byte for byte
        assert (out / name).read_bytes() == (src / name).read_bytes(), name
    county = read_bundle(out)
    assert county == read_bundle(src) and validate_bundle(out) == []
    a, b = read_contract_files(out, county), read_contract_files(src, county)
    assert (a.book, a.deliveries, a.prices) == (b.book, b.deliveries, b.prices)
    import_bundle(EXAMPLE, engine_for(db_url), replace=True)
    again = tmp_path / "again"
    runner.invoke(app, ["db", "export", "610425", "--db", db_url, "--out-dir", str(again)])
    assert not (again / "contracts.csv").exists()


def test_bad_optional_file_writes_nothing(db_url: str, tmp_path: Path) -> None:
    """A bad contracts.csv (or lots.csv, as `validate` says) is refused with its file, row,
    column and value; nothing stored."""
    from ruralflow.store.models import ContractSignature

    upgrade(db_url)
    bad = tmp_path / "bad"
    shutil.copytree(EXAMPLE, bad)
    rows = (LIQUAN_2015 / "contracts.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace(",2.60,", ",two,", 1)
    (bad / "contracts.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    res = runner.invoke(app, ["db", "import", str(bad), "--db", db_url])
    assert res.exit_code == 1
    assert "contracts.csv" in res.output and "row 4" in res.output and "two" in res.output
    (bad / "contracts.csv").unlink()
    lots = (bad / "lots.csv").read_text(encoding="utf-8").replace(",A,", ",Z,", 1)
    (bad / "lots.csv").write_text(lots, encoding="utf-8")
    res = runner.invoke(app, ["db", "import", str(bad), "--db", db_url])
    checked = runner.invoke(app, ["validate", str(bad)])
    assert res.exit_code == 1 and checked.exit_code == 1 and "lots.csv" in res.output
    with session_scope(engine_for(db_url)) as s:
        assert s.scalar(select(func.count()).select_from(CountyRow)) == 0
        assert s.scalar(select(func.count()).select_from(ContractSignature)) == 0


def test_import_twice_needs_replace(db_url: str) -> None:
    """A county already stored is replaced only with --replace, keeping one county row."""
    upgrade(db_url)
    engine = engine_for(db_url)
    import_bundle(EXAMPLE, engine)
    with pytest.raises(StoreError, match="already in the database"):
        import_bundle(EXAMPLE, engine)
    assert import_bundle(EXAMPLE, engine, replace=True).replaced
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(CountyRow)) == 1


def test_bad_bundle_writes_nothing(db_url: str, tmp_path: Path) -> None:
    """A bundle with problems gets validate's messages and leaves the database empty."""
    upgrade(db_url)
    bad = tmp_path / "bad"
    shutil.copytree(EXAMPLE, bad)
    places = (bad / "places.csv").read_text(encoding="utf-8").splitlines()
    places[1] = places[1].replace(",", ",x", 4)
    (bad / "places.csv").write_text("\n".join(places) + "\n", encoding="utf-8")
    with pytest.raises(BundleError) as err:
        read_bundle(bad)
    res = runner.invoke(app, ["db", "import", str(bad), "--db", db_url])
    assert res.exit_code == 1
    flat = " ".join(res.output.split())
    for p in err.value.problems:
        assert " ".join(str(p).split()) in flat
    res = runner.invoke(app, ["db", "import", str(bad), "--db", db_url, "--json"])
    checked = runner.invoke(app, ["validate", str(bad), "--json"])
    assert json.loads(res.stdout)["problems"] == json.loads(checked.stdout)
    with session_scope(engine_for(db_url)) as s:
        assert s.scalar(select(func.count()).select_from(PlaceRow)) == 0


def test_not_migrated_is_refused(db_url: str) -> None:
    """Importing into an empty database says to run `db upgrade` first."""
    with pytest.raises(StoreError, match="db upgrade"):
        import_bundle(EXAMPLE, engine_for(db_url))


def test_users(db_url: str) -> None:
    """Users need a known role, their county, a scope where the role has one; hashes verify."""
    upgrade(db_url)
    engine = engine_for(db_url)
    import_bundle(EXAMPLE, engine)
    station = read_bundle(EXAMPLE).places[1].id
    with pytest.raises(StoreError, match="unknown role"):
        add_user(engine, "a", role="root", county="610425", password="long enough")
    with pytest.raises(StoreError, match="needs --scope"):
        add_user(engine, "a", role="station_operator", county="610425", password="long enough")
    with pytest.raises(StoreError, match="no county"):
        add_user(engine, "a", role="county_admin", county="620621", password="long enough")
    u = add_user(
        engine, "op", role="station_operator", county="610425", scope=station, password="pw-12345"
    )
    assert "pw-12345" not in u.password_hash and u.password_hash.startswith("$argon2")
    assert authenticate(engine, "op", "pw-12345") is not None
    assert authenticate(engine, "op", "wrong") is None
    assert authenticate(engine, "nobody", "pw-12345") is None


def test_log_store_matches_sqlite_store(db_url: str) -> None:
    """The log on the service database gives the same roots and proofs and verifies clean."""
    upgrade(db_url)
    log = MerkleLog(SqlLogStore(engine_for(db_url)))
    for k in range(4):
        log.append_many([f"e{k}-{i}".encode() for i in range(19)])
    signer = generate_signer("test")
    log.add_checkpoint(signer)
    ref = MerkleLog.open(":memory:")
    for k in range(4):
        ref.append_many([f"e{k}-{i}".encode() for i in range(19)])
    assert log.root() == ref.root()
    assert log.inclusion_proof(40) == ref.inclusion_proof(40)
    assert log.consistency_proof(20) == ref.consistency_proof(20)
    assert verify_log(log, [signer.verifier()]).ok


def test_log_store_keeps_capture_keys(db_url: str) -> None:
    """The trace engine's idempotent capture works on the service database: a retried
    capture appends nothing, a changed event under a stored eventID is refused, and the key
    index is audited."""
    from ruralflow.trace import DuplicateKeyError, KeyedEntry

    upgrade(db_url)
    log = MerkleLog(SqlLogStore(engine_for(db_url)))
    batch = [KeyedEntry(f"urn:uuid:{i}", f"e{i}".encode(), f"d{i}".encode()) for i in range(12)]
    first = log.append_keyed(batch)
    again = log.append_keyed(batch)
    assert log.size == 12 and len(again.duplicates) == 12 and not first.duplicates
    with pytest.raises(DuplicateKeyError):
        log.append_keyed([KeyedEntry("urn:uuid:3", b"other", b"other digest")])
    signer = generate_signer("test")
    log.add_checkpoint(signer)
    assert log.size == 12 and verify_log(log, [signer.verifier()]).ok


def test_users_add_cli(db_url: str) -> None:
    """`users add` reads the password from stdin, refuses without --password-stdin, and a
    bad role is one bilingual line with exit 1."""
    upgrade(db_url)
    import_bundle(EXAMPLE, engine_for(db_url))
    base = ["users", "add", "ann", "--county", "610425", "--db", db_url]
    res = runner.invoke(
        app,
        [*base, "--role", "county_admin", "--password-stdin", "--json"],
        input="a long secret\n",
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {
        "name": "ann",
        "role": "county_admin",
        "county": "610425",
        "scope": "",
    }
    assert authenticate(engine_for(db_url), "ann", "a long secret") is not None
    assert runner.invoke(app, [*base, "--role", "county_admin"]).exit_code == 2
    res = runner.invoke(
        app, [*base, "--role", "king", "--password-stdin"], input="a long secret\n"
    )
    assert res.exit_code == 1 and "unknown role" in res.output


def test_trace_verify_audits_the_service_database(tmp_path: Path) -> None:
    """On SQLite, `ruralflow trace verify --db` audits the service database as it stands."""
    url = f"sqlite:///{tmp_path / 'service.db'}"
    upgrade(url)
    log = MerkleLog(SqlLogStore(engine_for(url)))
    log.append_many([f"entry {i}".encode() for i in range(30)])
    res = runner.invoke(app, ["trace", "verify", "--db", str(tmp_path / "service.db"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["tree_size"] == 30


def test_upgrade_keys_events_captured_before_0004(db_url: str) -> None:
    """A database captured into at 0003 (the service's own eventID index, entries without
    capture keys) is migrated: each event gets its key in its county (its eventID, else its
    CBV 2.0 event hash ID), its identifiers survive, and a retried capture adds nothing."""
    from sqlalchemy import text

    from ruralflow.store import events as ev
    from ruralflow.store.models import EventEpcRow
    from ruralflow.trace.canonical import canonical_json
    from ruralflow.trace.epcis import epcis_context, standalone_event
    from ruralflow.trace.hashid import event_hash_id

    upgrade(db_url, "0003")
    engine = engine_for(db_url)
    ctx = epcis_context()
    base = {
        "type": "ObjectEvent",
        "eventTime": "2025-10-13T05:30:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2017"],
        "action": "OBSERVE",
        "bizStep": "shipping",
    }
    doc = {
        "@context": ctx,
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-10-13T06:00:00Z",
        "epcisBody": {"eventList": [{**base, "eventID": "urn:uuid:old-1"}, base]},
    }
    events = [standalone_event(e, ctx) for e in doc["epcisBody"]["eventList"]]  # type: ignore[attr-defined]
    log = MerkleLog(SqlLogStore(engine))
    log.append_many([canonical_json(e) for e in events])
    with engine.begin() as conn:
        for i, name in enumerate(("urn:uuid:old-1", "ni:///sha-256;bytes-of-the-entry")):
            pk = conn.execute(
                text(
                    "INSERT INTO epcis_events (event_id, log_index, capture_id, county, "
                    "event_type, event_time, biz_step, record_time) VALUES (:e, :i, 'c', "
                    "'610425', 'ObjectEvent', '2025-10-12T21:30:00.000000Z', 'shipping', "
                    "'2025-10-13 06:00:00') RETURNING id"
                ),
                {"e": name, "i": i},
            ).scalar_one()
            conn.execute(
                text("INSERT INTO epcis_event_epcs (event, epc, role) VALUES (:ev, :epc, 'epc')"),
                {"ev": pk, "epc": base["epcList"][0]},  # type: ignore[index]
            )
    assert upgrade(db_url) == head_revision()
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(EventEpcRow)) == 2
    log = MerkleLog(SqlLogStore(engine))
    hashed = event_hash_id(events[1], ctx)
    for key, idx in (("urn:uuid:old-1", 0), (hashed, 1)):
        got = ev.event_by_id(engine, log, key, county="610425")
        assert got is not None and got[1] == idx
        assert ev.event_by_id(engine, log, key, county="620621") is None
    again = ev.capture(engine, log, doc, actor="admin", county="610425")
    assert again.success and again.captured == 0 and again.duplicates == 2
    assert log.size == 2


def test_0004_downgrades_and_upgrades_again(db_url: str) -> None:
    """Revision 0004 goes down (the eventID index is rebuilt from the log's keys) and up
    again, keeping the captured events readable by eventID."""
    from alembic import command
    from sqlalchemy import text

    from ruralflow.store import events as ev
    from ruralflow.store.db import _alembic_config
    from ruralflow.trace.epcis import epcis_context

    upgrade(db_url)
    engine = engine_for(db_url)
    event = {
        "@context": epcis_context(),
        "type": "ObjectEvent",
        "eventID": "urn:uuid:down-and-up",
        "eventTime": "2025-10-13T05:30:00+08:00",
        "eventTimeZoneOffset": "+08:00",
        "epcList": ["urn:epc:id:sgtin:0614141.107346.2018"],
        "action": "OBSERVE",
    }
    log = MerkleLog(SqlLogStore(engine))
    assert ev.capture(engine, log, event, actor="a", county="610425").captured == 1
    command.downgrade(_alembic_config(engine), "0003")
    assert current_revision(engine) == "0003"
    with engine.connect() as conn:
        got = conn.execute(text("SELECT event_id, log_index FROM epcis_events")).all()
    assert [tuple(r) for r in got] == [("urn:uuid:down-and-up", 0)]
    assert upgrade(db_url) == head_revision()
    log = MerkleLog(SqlLogStore(engine))
    found = ev.event_by_id(engine, log, "urn:uuid:down-and-up", county="610425")
    assert found is not None and found[1] == 0
    again = ev.capture(engine, log, event, actor="a", county="610425")
    assert again.success and again.duplicates == 1 and log.size == 1


def test_trace_verify_audits_scoped_keys(tmp_path: Path) -> None:
    """Two counties' events under one eventID: `trace verify` audits every capture key."""
    from ruralflow.store import events as ev
    from ruralflow.trace.epcis import epcis_context

    url = f"sqlite:///{tmp_path / 'service.db'}"
    upgrade(url)
    engine = engine_for(url)
    log = MerkleLog(SqlLogStore(engine))
    for county, step in (("610425", "shipping"), ("620621", "receiving")):
        event = {
            "@context": epcis_context(),
            "type": "ObjectEvent",
            "eventID": "urn:uuid:shared-by-two-counties",
            "eventTime": "2025-10-13T05:30:00+08:00",
            "eventTimeZoneOffset": "+08:00",
            "epcList": ["urn:epc:id:sgtin:0614141.107346.2019"],
            "action": "OBSERVE",
            "bizStep": step,
        }
        assert ev.capture(engine, log, event, actor="a", county=county).captured == 1
    res = runner.invoke(app, ["trace", "verify", "--db", str(tmp_path / "service.db"), "--json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["tree_size"] == 2
    assert len(list(SqlLogStore(engine).iter_keys())) == 2
