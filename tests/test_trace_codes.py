"""Trace codes (URL + QR round trip), brands, and the verification view of a batch."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from helpers import REPO
from ruralflow.bundle import read_bundle
from ruralflow.domain import County
from ruralflow.trace.brand import GIStatus, liquan_registry, registry_for
from ruralflow.trace.canonical import canonical_json
from ruralflow.trace.checkpoint import generate_signer
from ruralflow.trace.codes import (
    DEFAULT_RESOLVER,
    RESOLVER_ENV,
    digital_link,
    lot_of_url,
    qr_png,
    qr_svg,
    trace_url,
    write_qr,
)
from ruralflow.trace.epcis import STAGES, standalone_event
from ruralflow.trace.ids import IdentifierError, Namespace
from ruralflow.trace.log import MerkleLog
from ruralflow.trace.merkle import verify_inclusion
from ruralflow.trace.season import SeasonOptions, SeasonTrace, season_events
from ruralflow.trace.view import batch_history, entry_proof, verification_view

NS = Namespace()
RES = "https://trace.liquan.example"
GS1_LOT = "https://id.gs1.org/01/09520010000018/10/251013-K2ABOIMH-P"


def _decode_png(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))]


def _decode_svg(svg: str) -> list[str]:
    """Rasterise segno's single-path SVG (``M x y`` / ``m dx dy`` moves, ``h n`` runs)."""
    m = re.search(r'width="(\d+)"', svg)
    scale = re.search(r"scale\((\d+)\)", svg)
    path = re.search(r' d="([^"]+)"', svg)
    assert m and path
    k = int(scale.group(1)) if scale else 1
    size = int(m.group(1)) // k
    img = Image.new("1", (size, size), 1)
    x = y = 0.0
    for cmd, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?:\s(-?[\d.]+))?", path.group(1)):
        if cmd == "M":
            x, y = float(a), float(b)
        elif cmd == "m":
            x, y = x + float(a), y + float(b)
        else:
            for i in range(int(float(a))):
                img.putpixel((int(x) + i, int(y - 0.5)), 0)
            x += float(a)
    big = img.resize((size * 6, size * 6), Image.Resampling.NEAREST)
    return [r.text for r in zxingcpp.read_barcodes(big)]


# --------------------------------------------------------------------------- URLs and QR


def test_trace_urls_for_gs1_and_project_lots(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RESOLVER_ENV, raising=False)
    assert trace_url(GS1_LOT) == DEFAULT_RESOLVER + "/01/09520010000018/10/251013-K2ABOIMH-P"
    assert (
        trace_url(GS1_LOT, resolver=RES + "/") == RES + "/01/09520010000018/10/251013-K2ABOIMH-P"
    )
    assert digital_link("9520010000018", "L1/2", resolver=RES) == (
        RES + "/01/09520010000018/10/L1%2F2"
    )
    lot = NS.graded_lot("610425", "B20251013-610425001200-apple", "P")
    url = trace_url(lot, resolver=RES)
    assert url == RES + "/lot/610425/B20251013-610425001200-apple/grade/P"
    assert lot_of_url(url) == lot
    assert lot_of_url(trace_url(GS1_LOT, resolver=RES)) == GS1_LOT
    assert lot_of_url(lot) == lot
    monkeypatch.setenv(RESOLVER_ENV, RES)
    assert trace_url(GS1_LOT).startswith(RES + "/01/")
    with pytest.raises(IdentifierError):
        trace_url("https://example.org/01/123")
    with pytest.raises(IdentifierError):
        lot_of_url("https://trace.liquan.example/about")
    with pytest.raises(IdentifierError):
        trace_url(GS1_LOT, resolver="ftp://x")


def test_qr_png_round_trip() -> None:
    url = trace_url(GS1_LOT, resolver=RES)
    png = qr_png(url)
    assert png.startswith(b"\x89PNG")
    assert _decode_png(png) == [url]


def test_qr_svg_round_trip_and_inline_form() -> None:
    url = trace_url(NS.graded_lot("610425", "B20251013-610425001200-apple", "1"), resolver=RES)
    svg = qr_svg(url, scale=2)
    assert svg.startswith("<svg") and "<script" not in svg and "<?xml" not in svg
    assert _decode_svg(svg) == [url]


def test_write_qr_files(tmp_path: Path) -> None:
    url = trace_url(GS1_LOT, resolver=RES)
    png, svg = write_qr(url, tmp_path / "codes" / "box.png")
    assert png == tmp_path / "codes" / "box.png" and svg == tmp_path / "codes" / "box.svg"
    assert _decode_png(png.read_bytes()) == [url]
    assert _decode_svg(svg.read_text(encoding="utf-8")) == [url]
    assert f"<title>{url}</title>" in svg.read_text(encoding="utf-8")


# --------------------------------------------------------------------------- brands


def test_liquan_brand_model() -> None:
    reg = liquan_registry()
    sub = reg.brand_of("apple", "610425", "T610425105")
    assert sub.regional is not None and sub.regional.name_zh == "礼泉苹果"
    assert sub.sub_brand is not None and sub.sub_brand.synthetic
    assert sub.gi_status is GIStatus.UNKNOWN
    assert "assumption" in sub.regional.source and "assumption" in sub.regional.gi.source  # type: ignore[union-attr]
    keys = reg.gs1_keys("apple", "610425", "T610425105")
    assert keys is not None and keys.gtin == "09520010000018" and keys.company_prefix == "9520010"
    plain = reg.brand_of("apple", "610425", "T610425001")
    assert plain.regional is not None and plain.sub_brand is None
    assert reg.gs1_keys("apple", "610425", "T610425001") is None
    assert reg.brand_of("kiwifruit", "610425").regional is None
    d = sub.to_dict()
    assert d["regional_public_brand"]["kind_zh"] == "区域公共品牌"
    assert d["enterprise_sub_brand"]["kind_zh"] == "企业子品牌"
    assert d["gi_status"] == "unknown"
    assert registry_for("410923").regional == ()  # no invented brands elsewhere


# --------------------------------------------------------------------------- verification view


@pytest.fixture(scope="module")
def season() -> SeasonTrace:
    liquan: County = read_bundle(REPO / "src" / "ruralflow" / "examples" / "610425")
    day = dt.date(2025, 10, 13)
    places = liquan.place_by_id
    sup = [s for s in liquan.supply_up if s.day == day]
    pick = [s for s in sup if places[s.village].parent == "T610425105"][:2] + [
        s for s in sup if places[s.village].parent == "T610425001"
    ][:2]
    return season_events(liquan.replace(supply_up=tuple(pick)), SeasonOptions(namespace=NS))


def _log(path: Path, season: SeasonTrace) -> MerkleLog:
    log = MerkleLog.open(path)
    ctx = season.context()
    log.append_many(canonical_json(standalone_event(e, ctx)) for e in season.events)
    return log


def test_verification_view_of_a_gs1_lot(tmp_path: Path, season: SeasonTrace) -> None:
    signer = generate_signer("ruralflow.example/county/610425/trace")
    b = next(x for x in season.batches if x.gs1)
    with _log(tmp_path / "log.db", season) as log:
        cp = log.add_checkpoint(signer)
        url = b.trace_urls(RES, NS)[0]
        view = verification_view(log, url, ns=NS, resolver=RES, verifiers=[signer.verifier()])
    assert view["verified"] and view["signature_checked"] and not view["problems"]
    assert view["lot"] == b.sellable[0].epc_class and view["trace_url"] == url
    stages = [e["stage"] for e in view["events"]]
    assert stages[0] == "harvest" and stages[-1] == "sale"
    assert set(stages) == set(STAGES) - {"other"}
    assert view["lot_data"]["rf:batch"] == b.batch
    brand = view["brand"]
    assert brand["regional_public_brand"]["name_zh"] == "礼泉苹果"
    assert brand["enterprise_sub_brand"]["id"] == "example-orchards"
    assert view["checkpoint"]["tree_size"] == cp.tree_size == len(season.events)
    root = base64.b64decode(view["checkpoint"]["root_hash"])
    for item in view["events"]:
        proof = [base64.b64decode(p) for p in item["proof"]["inclusion_proof"]]
        lh = base64.b64decode(item["proof"]["leaf_hash"])
        verify_inclusion(item["index"], cp.tree_size, lh, proof, root)  # raises if wrong
    assert not view["pending"]


def test_view_of_project_lot_pending_and_failures(tmp_path: Path, season: SeasonTrace) -> None:
    signer = generate_signer("ruralflow.example/county/610425/trace")
    other = generate_signer("someone.else/trace")
    b = next(x for x in season.batches if not x.gs1)
    with _log(tmp_path / "log.db", season) as log:
        no_cp = verification_view(log, b.lot, ns=NS)
        assert not no_cp["verified"] and "no signed checkpoint" in no_cp["problems"][0]
        log.add_checkpoint(signer)
        log.append_json({"note": "later entry mentioning nothing"})
        from_unit = [i for i, _ in batch_history(log, b.unit)]  # from the crate
        assert from_unit == [i for i, _ in batch_history(log, b.lot)] and len(from_unit) == 9
        view = verification_view(log, b.sellable[1].epc_class, ns=NS, resolver=RES)
        assert view["verified"] and not view["signature_checked"]
        assert view["brand"]["enterprise_sub_brand"] is None
        wrong = verification_view(log, b.lot, ns=NS, verifiers=[other.verifier()])
        assert not wrong["verified"] and "signature" in wrong["problems"][0]
        unknown = verification_view(log, NS.lot("610425", "nope"), ns=NS)
        assert not unknown["verified"] and unknown["n_events"] == 0
        proof = entry_proof(log, 0)
        assert proof["tree_size"] == len(season.events) and proof["checkpoint_seq"] == 1
        # entries after the checkpoint are pending until the next checkpoint
        sale = next(e for e in season.events if e.get("eventID") == b.event_ids[-1])
        log.append_json(standalone_event(sale | {"eventID": "urn:uuid:0"}, season.context()))
        later = verification_view(log, b.sellable[0].epc_class, ns=NS)
        assert later["pending"] and later["pending"][0]["index"] == log.size - 1


# --------------------------------------------------------------------------- report section


def test_report_section_shows_stages_codes_and_checkpoint() -> None:
    from helpers import DAY, tiny_county
    from ruralflow.report.analyses import ANALYSES
    from ruralflow.report.trace import sections

    assert any(a.id == "trace" and a.available() for a in ANALYSES)
    (sec,) = sections(tiny_county(), DAY)
    assert sec.id == "trace" and sec.title_en == "Traceability and trace codes"
    html = sec.html
    assert "Events per stage" in html and "TransformationEvent" in html
    assert html.count('<svg xmlns="http://www.w3.org/2000/svg"') == 1  # one batch, one QR code
    assert "/lot/610425/B-1/grade/P" in html and "verified" in html
    # the checkpoint note covers every event of the one batch (7 ambient, 9 with a reefer's
    # pre-cooling and cold storage), as the section says
    note = re.search(
        r"covers (\d+):</p>\n<pre class=\"mono\">ruralflow.example/county/610425/trace\n(\d+)\n",
        html,
    )
    assert note is not None and note.group(1) == note.group(2) and note.group(2) in ("7", "9")
    assert any("assumption" in p.source for p in sec.provenance)
