"""The static report's figures in headless Chromium: drawn by the inlined ECharts from their
specs (the dashboard's figures module), no console errors, nothing loaded from outside."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

from browser_harness import PageLog
from helpers import DAY, tiny_county
from ruralflow.domain import Place
from ruralflow.logistics import PlanOptions, plan
from ruralflow.report import ReportOptions, write_report
from ruralflow.report.figures import series_count
from ruralflow.report.logistics import plan_section
from ruralflow.report.siting import sections as siting_sections


def _report(tmp_path: Path) -> Path:
    c = tiny_county()
    extra = Place("T9", "township_station", "镇9", 108.55, 34.55, adcode="610425199", parent="HUB")
    c = dataclasses.replace(c, places=(*c.places, extra))
    p = plan(c, DAY, PlanOptions(time_limit_s=1.0, workers=1, no_improvement=2000))
    siting = siting_sections(c, DAY, ReportOptions(siting_what=("stations",)))
    return write_report(c, tmp_path, day=DAY, sections=[plan_section(c, p), *siting])


def _open(chromium: Any, path: Path, log: PageLog) -> Any:
    ctx = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = ctx.new_page()

    def on_request(req: Any) -> None:
        log.requests.append(req.url)
        if not req.url.startswith((path.as_uri(), "data:", "blob:")):
            log.foreign.append(req.url)

    def on_console(msg: Any) -> None:
        if msg.type in ("error", "warning"):
            log.errors.append(f"console {msg.type}: {msg.text}")

    page.on("request", on_request)
    page.on("console", on_console)
    page.on("pageerror", lambda exc: log.errors.append(f"pageerror: {exc}"))
    page.goto(path.as_uri())
    page.wait_for_selector("body[data-figures=ready]", state="attached", timeout=30_000)
    return page


def test_report_figures_are_drawn_by_echarts(chromium: Any, tmp_path: Path) -> None:
    path = _report(tmp_path)
    html = path.read_text(encoding="utf-8")
    specs = {
        fid: json.loads(text)
        for fid, text in re.findall(
            r'<script type="application/json" id="([^"]+)-spec">(.*?)</script>', html, re.S
        )
    }
    kinds = {"map-county", "chart-season", "map-plan", "map-siting-siting-stations"}
    assert kinds | {"siting-curve-siting-stations"} <= set(specs)
    log = PageLog()
    page = _open(chromium, path, log)
    try:
        drawn = page.evaluate(
            """() => [...document.querySelectorAll('[data-figure]')].map((div) => {
                const chart = echarts.getInstanceByDom(div);
                const opt = chart ? chart.getOption() : null;
                return {
                    id: div.id,
                    series: opt ? opt.series.length : null,
                    kinds: opt ? opt.series.map((s) => s.type) : [],
                    height: div.getBoundingClientRect().height,
                    canvas: !!div.querySelector('canvas'),
                    geo: opt && opt.geo && opt.geo.length ? opt.geo[0].map : null,
                };
            })"""
        )
        assert [d["id"] for d in drawn] == list(specs)
        for d in drawn:
            spec = specs[d["id"]]
            assert d["series"] == series_count(spec), d
            assert d["canvas"] and d["height"] > 200, d
            if spec["kind"] == "map":
                assert d["geo"] == "county-610425"
                want = {"points": "scatter", "lines": "lines", "areas": "custom"}
                assert d["kinds"] == [want[lay["type"]] for lay in spec["layers"]]
            elif spec["kind"] == "bars":
                assert set(d["kinds"]) == {"bar"}
            else:
                assert d["kinds"] == [s["type"] for s in spec["series"]] == ["bar", "line"]
        # the registered outline is the county's, with its polygon
        assert page.evaluate("() => echarts.getMap('county-610425').geoJSON.features.length") == 1
        # the map's scale bar is there and in km
        text = page.evaluate(
            """() => echarts.getInstanceByDom(document.getElementById('map-county'))
                .getOption().graphic[0].elements.map((e) => e.style && e.style.text).join(' ')"""
        )
        assert "km" in text
        # the service radii are drawn as polygons (a custom series) under the villages
        assert "custom" in next(
            d["kinds"] for d in drawn if d["id"] == "map-siting-siting-stations"
        )
        # the plan's routes: one line layer per vehicle, with their stops
        routes = [lay for lay in specs["map-plan"]["layers"] if lay["id"].startswith("route:")]
        assert routes and all(len(lay["data"][0]["coords"]) >= 2 for lay in routes)
    finally:
        page.context.close()
    assert not log.errors, log.errors
    assert not log.foreign, f"the report loaded from outside its file: {log.foreign}"
    assert log.requests == [path.as_uri()]


def test_report_without_javascript_shows_the_figures_data(chromium: Any, tmp_path: Path) -> None:
    path = _report(tmp_path)
    ctx = chromium.new_context(java_script_enabled=False)
    try:
        page = ctx.new_page()
        page.goto(path.as_uri())
        text = page.inner_text("#map")
        assert "This figure needs JavaScript" in text and "镇9" in text
        assert "2025-09-01" in page.inner_text("#flows")
    finally:
        ctx.close()
