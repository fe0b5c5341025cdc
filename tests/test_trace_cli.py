"""``ruralflow trace keygen|add|export|prove|checkpoint|validate|qr|demo``: exit codes, files."""

from __future__ import annotations

import io
import json
import os
import stat
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from typer.testing import CliRunner

from helpers import SHARED, tiny_county
from ruralflow.bundle import write_bundle
from ruralflow.cli import app
from ruralflow.trace.log import MerkleLog

#: GS1's example documents are conformance material in ../shared (the schema is packaged).
EPCIS = SHARED / "conformance" / "epcis"
needs_shared = pytest.mark.usefixtures("shared")
runner = CliRunner()
EXAMPLE = EPCIS / "JSON" / "Example_9.6.1-ObjectEvent.jsonld"
SENSOR = EPCIS / "JSON" / "WithSensorData" / "SensorDataExample1.jsonld"


def _run(*args: str) -> tuple[int, str]:
    r = runner.invoke(app, ["trace", *args])
    return r.exit_code, " ".join(r.output.split())


def _mutated(tmp_path: Path) -> Path:
    doc = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    doc["epcisBody"]["eventList"][1]["eventTime"] = "2005-04-31T20:33:31Z"
    p = tmp_path / "bad.jsonld"
    p.write_text(json.dumps(doc), encoding="utf-8")
    return p


@needs_shared
def test_validate_exit_codes(tmp_path: Path) -> None:
    code, out = _run("validate", str(EXAMPLE), str(SENSOR))
    assert code == 0 and "valid EPCIS 2.0 EPCISDocument (2 events)" in out
    assert "valid EPCIS 2.0 EPCISDocument (1 events)" in out
    bad = _mutated(tmp_path)
    code, out = _run("validate", str(EXAMPLE), str(bad))
    assert code == 1
    assert "NOT valid EPCIS 2.0" in out
    assert "event 1 (ObjectEvent ni:///sha-256;" in out
    assert (
        "field /epcisBody/eventList/1/eventTime: '2005-04-31T20:33:31Z' is not a 'date-time'"
        in out
    )
    code, out = _run("validate", "--json", str(bad))
    assert code == 1
    rep = json.loads(out)
    assert rep["valid"] is False and rep["problems"][0]["pointer"].endswith("/1/eventTime")
    assert rep["problems"][0]["event_index"] == 1
    notjson = tmp_path / "x.json"
    notjson.write_text("{", encoding="utf-8")
    assert _run("validate", str(notjson))[0] == 1
    jl = EPCIS / "JSON/WithFullCombinationOfFields/transformation_event_all_possible_fields.jsonld"
    assert _run("validate", str(jl))[0] == 0
    code, out = _run("validate", "--jsonld", str(jl))  # schema-valid, JSON-LD-invalid
    assert code == 1 and "protected term" in out
    assert _run("validate", "--jsonld", str(EXAMPLE))[0] == 0


@needs_shared
def test_keygen_checkpoint_add_prove_export(tmp_path: Path) -> None:
    key, db = tmp_path / "log.key", tmp_path / "log.db"
    code, out = _run(
        "keygen", "--name", "ruralflow.example/county/610425/trace", "--key", str(key)
    )
    assert code == 0, out
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and (tmp_path / "log.key.pub").is_file()
    assert _run("keygen", "--name", "x", "--key", str(key))[0] == 1  # never overwrites
    code, out = _run("add", "--db", str(db), str(EXAMPLE), str(SENSOR), "--sign", str(key))
    assert code == 0, out
    assert "appended 2 events (entries 0-1)" in out and "appended 1 events (entries 2-2)" in out
    assert "signed checkpoint 1 at size 3" in out
    size = MerkleLog.open(db).size
    code, out = _run("add", "--db", str(db), str(_mutated(tmp_path)))
    assert code == 1 and "eventTime" in out and "nothing was appended" in out
    with MerkleLog.open(db) as log:
        assert log.size == size
    code, out = _run("checkpoint", "--db", str(db), "--key", str(key))
    assert code == 0 and out.startswith(f"ruralflow.example/county/610425/trace {size} ")
    code, out = _run("prove", "--db", str(db), "--index", "1")
    assert code == 0 and json.loads(out)["tree_size"] == size
    assert _run("prove", "--db", str(db), "--index", str(size))[0] == 1
    assert _run("prove", "--db", str(db))[0] == 2  # neither --index nor --lot: usage
    out_doc = tmp_path / "export.jsonld"
    code, out = _run("export", "--db", str(db), "--out", str(out_doc))
    assert code == 0 and f"wrote {size} events" in out
    assert _run("validate", str(out_doc))[0] == 0
    assert _run("verify", "--db", str(db), "--key", str(tmp_path / "log.key.pub"))[0] == 0
    os.chmod(key, 0o644)
    code, out = _run("checkpoint", "--db", str(db), "--key", str(key))
    assert code == 1 and "chmod 600" in out


def test_demo_prove_and_qr(tmp_path: Path) -> None:
    bundle = write_bundle(tiny_county(), tmp_path / "tiny")
    db, key, qr = tmp_path / "t.db", tmp_path / "t.key", tmp_path / "qr"
    events = tmp_path / "events.jsonld"
    code, out = _run(
        "demo",
        str(bundle),
        "--db",
        str(db),
        "--key",
        str(key),
        "--out",
        str(events),
        "--qr-dir",
        str(qr),
        "--resolver",
        "https://trace.tiny.example",
    )
    assert code == 0, out
    assert "events are valid EPCIS 2.0" in out and "signed checkpoint 1" in out
    url = "https://trace.tiny.example/lot/610425/B-1/grade/P"
    assert f"trace code of B-1: {url}" in out
    assert (qr / "B-1.png").is_file() and (qr / "B-1.svg").is_file()
    assert _run("validate", "--jsonld", str(events))[0] == 0
    code, out = _run("prove", "--db", str(db), "--lot", url, "--key", str(key) + ".pub")
    assert code == 0, out
    view = json.loads(out)
    # the tiny county has one batch: its history is every event of the document (7 when its
    # produce rides ambient, 9 with the pre-cooling and cold storage of a reefer journey)
    doc = json.loads(events.read_text(encoding="utf-8"))
    n_doc = len(doc["epcisBody"]["eventList"])
    assert view["verified"] and view["signature_checked"] and view["n_events"] == n_doc
    assert n_doc in (7, 9)
    assert view["brand"]["regional_public_brand"]["name_zh"] == "礼泉苹果"
    code, out = _run("prove", "--db", str(db), "--lot", "https://trace.tiny.example/lot/610425/X")
    assert code == 1 and "NOT verified" in out
    code, out = _run("export", "--db", str(db), "--lot", url, "--out", str(tmp_path / "b.jsonld"))
    assert code == 0 and f"wrote {n_doc} events" in out
    assert _run("export", "--db", str(db), "--lot", "nope")[0] == 1
    code, out = _run("qr", url, "--out", str(tmp_path / "code"), "--resolver", "https://r.example")
    assert code == 0 and "https://r.example/lot/610425/B-1/grade/P" in out
    code, out = _run("qr", url, "--out", str(tmp_path / "same"))  # a trace URL stays as it is
    assert code == 0 and out.startswith(url)
    png = (tmp_path / "code.png").read_bytes()
    decoded = [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]
    assert decoded == ["https://r.example/lot/610425/B-1/grade/P"]
    code, out = _run(
        "qr", "--gtin", "9520010000018", "--lot-number", "L1", "--out", str(tmp_path / "g")
    )
    assert code == 0 and "/01/09520010000018/10/L1" in out
    assert _run("qr", "--gtin", "9520010000019", "--lot-number", "L1")[0] == 1  # check digit
    assert _run("qr")[0] == 2  # nothing to encode: usage
    assert _run("demo", str(bundle), "--day", "2024-01-01")[0] == 1  # no batches that day
    assert _run("demo", str(tmp_path / "nope"))[0] == 1
