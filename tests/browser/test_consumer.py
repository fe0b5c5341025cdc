"""The consumer page at the Digital Link path, in headless Chromium: the batch's story, its
freshness and brand, and the proof check done by the page's own script (issue 15, item 3).

The ``phone`` and ``page`` fixtures fail a test at teardown on a console error or on any
request that does not go to the server.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from consumer_data import Live, TracedLot, capture_gs1_lot, get_json

DONE = 'body[data-proof="verified"], body[data-proof="failed"]'
ASSETS = (
    "/static/trace/consumer.js",
    "/static/trace/verify.js",
    "/static/trace/consumer.css",
    "/verification",
    "/trace/public-key",
)
STORY = ["harvest", "grading", "precooling", "storage", "packing", "shipping", "transport",
         "receiving", "sale"]  # fmt: skip


@pytest.fixture(scope="module")
def lot(live: Live) -> TracedLot:
    return capture_gs1_lot(live)


def open_page(pg: Any, live: Live, path: str) -> str:
    resp = pg.goto(live.base + path)
    assert resp is not None and resp.status == 200
    pg.wait_for_selector(DONE, timeout=20_000)
    return str(pg.eval_on_selector("body", "b => b.dataset.proof"))


def test_untouched_log_is_verified_on_a_phone(
    phone: Any, live: Live, lot: TracedLot, page_log: Any
) -> None:
    assert open_page(phone, live, lot.path) == "verified", phone.inner_text("#proof")
    status = phone.inner_text("#proof-status")
    assert "已验证" in status and "verified" in status
    # the story from field to shelf, in life order, every step checked by the page
    stages = phone.eval_on_selector_all("#story > li", "ls => ls.map(l => l.dataset.stage)")
    assert stages == STORY, stages
    marks = phone.eval_on_selector_all("#story .mark", "ms => ms.map(m => m.textContent)")
    assert all("✓" in m for m in marks), marks
    text = phone.inner_text("body")
    for label in ("采收 / harvest", "分级 / grading", "预冷 / pre-cooling", "运输 / transport",
                  "销售 / sale", "温度等级", "temperature class", "本批 / this lot"):  # fmt: skip
        assert label in text, label
    transport = phone.inner_text('#story li[data-stage="transport"]')
    assert re.search(r"(冷链|常温)", transport) and "°C" in transport, transport
    # freshness consumed so far, with its unit
    consumed = phone.inner_text("#consumed")
    assert re.fullmatch(r"\s*\d+(\.\d)? %", consumed), consumed
    assert 0 < float(consumed.strip(" %")) < 100
    # regional brand, sub-brand, GI status
    brand = phone.inner_text("#brand")
    assert "区域公共品牌" in brand and "企业子品牌" in brand and "地理标志" in brand
    view = get_json(live, lot.path + "/verification")
    assert view["brand"]["regional_public_brand"]["name_zh"] in brand
    # fits a 360 px phone without sideways scrolling
    width = phone.evaluate("document.scrollingElement.scrollWidth")
    assert width <= 360, width
    # everything came from the server: the page, its script and style, its JSON
    assert page_log.requests and all(u.startswith(live.base + "/") for u in page_log.requests)
    for needed in ASSETS:
        assert any(needed in u for u in page_log.requests), needed


def test_page_verifies_what_it_shows(phone: Any, live: Live, lot: TracedLot) -> None:
    """The story is read from the verified stored bytes, not from the server's summary."""
    open_page(phone, live, lot.path)
    harvest = next(e for e in lot.events if e["bizStep"] == "commissioning")
    text = phone.inner_text('#story li[data-stage="harvest"]')
    assert harvest["ilmd"]["rf:villageName"] in text
    assert f"{harvest['quantityList'][0]['quantity']:.1f} kg" in text


def test_nothing_private_on_the_page(phone: Any, live: Live, lot: TracedLot) -> None:
    """No login is needed, and neither the page nor the JSON it reads carries a phone number,
    a price or a user's data."""
    assert open_page(phone, live, lot.path) == "verified"
    shown = phone.inner_text("body") + phone.content()
    view = get_json(live, lot.path + "/verification")
    served = json.dumps(view, ensure_ascii=False)

    def keys(value: Any) -> set[str]:
        if isinstance(value, dict):
            return set(value) | {k for v in value.values() for k in keys(v)}
        if isinstance(value, list):
            return {k for v in value for k in keys(v)}
        return set()

    private = re.compile(r"phone|mobile|tel\b|price|yuan|cost|paid|password|user|token", re.I)
    assert not [k for k in keys(view) if private.search(k)]
    mobile = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")  # a mainland mobile number
    for where in (shown, served):
        assert not mobile.search(where), mobile.search(where)
        assert "元" not in where and "yuan" not in where.lower()
    for user in ("admin", "admin620", "op_a", "coop_a", "logi"):  # the test users
        name = re.compile(rf"(?<![\w-]){user}(?![\w-])")
        assert not name.search(shown) and not name.search(served), user


def test_project_namespace_lot_page(page: Any, live: Live, lot: TracedLot) -> None:
    """A lot without GS1 keys (``/lot/...``, printed by ``trace qr``) gets the same page."""
    from ruralflow.bundle import read_bundle
    from ruralflow.trace import SeasonOptions, season_events
    from service_db import EXAMPLE

    season = season_events(read_bundle(EXAMPLE), SeasonOptions(limit=1))
    batch = season.batches[0]
    assert not batch.gs1
    from consumer_data import _post

    token = live.token("admin")
    status, headers = _post(live, "/epcis/capture", json.dumps(season.document()).encode(), token)
    assert status == 202
    assert get_json(live, headers["location"], token)["success"]
    uri = batch.sellable[0].epc_class
    assert open_page(page, live, uri[uri.index("/lot/") :]) == "verified"
    assert page.eval_on_selector_all("#story > li", "ls => ls.length") >= 5


def test_unknown_lot_fails_with_a_reason(page: Any, live: Live, lot: TracedLot) -> None:
    assert open_page(page, live, f"/01/{lot.gtin}/10/NO-SUCH-LOT") == "failed"
    assert "no signed events" in page.inner_text("#proof-failures")


def test_coarse_county_lot_without_brand(phone: Any, live: Live) -> None:
    """A lot of the coarse 620621 (民勤 Minqin, no brand registry): verified, freshness shown,
    and the brand section says there is none rather than inventing one."""
    from consumer_data import _post

    from ruralflow.bundle.make import make_coarse_county
    from ruralflow.trace import SeasonOptions, season_events

    season = season_events(make_coarse_county("620621", season_days=3), SeasonOptions(limit=1))
    token = live.token("admin620")
    status, headers = _post(live, "/epcis/capture", json.dumps(season.document()).encode(), token)
    assert status == 202
    assert get_json(live, headers["location"], token)["success"]
    uri = season.batches[0].sellable[0].epc_class
    assert open_page(phone, live, uri[uri.index("/lot/") :]) == "verified"
    assert "无 / none" in phone.inner_text("#brand")
    assert float(phone.inner_text("#consumed").strip(" %")) > 0


def test_browser_without_ed25519_says_it_cannot_verify(
    page: Any, live: Live, lot: TracedLot
) -> None:
    page.add_init_script(
        """
        const original = SubtleCrypto.prototype.importKey;
        SubtleCrypto.prototype.importKey = function (format, key, alg, ...rest) {
          if (alg && alg.name === "Ed25519") {
            return Promise.reject(new DOMException("Unrecognized name.", "NotSupportedError"));
          }
          return original.call(this, format, key, alg, ...rest);
        };
        """
    )
    assert open_page(page, live, lot.path) == "failed"
    assert "cannot verify Ed25519" in page.inner_text("#proof-failures")
