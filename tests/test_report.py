"""The HTML report: map, tables, provenance, self-containment, extension point, demo command."""

from __future__ import annotations

import dataclasses
import json
import re
import struct
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from helpers import DAY, REPO, tiny_county
from ruralflow.bundle import write_bundle
from ruralflow.cli import app
from ruralflow.domain import County, Place
from ruralflow.report import (
    ANALYSES,
    Analysis,
    Origin,
    ProvenanceItem,
    Section,
    available_analyses,
    build_report,
    default_day,
    write_report,
)

CHROMIUM = Path("/usr/bin/chromium")


def _specs(html: str) -> dict[str, dict[str, Any]]:
    """The figure specs of a report page, by figure id (each one's container is there)."""
    out = {}
    for fig_id, text in re.findall(
        r'<script type="application/json" id="([^"]+)-spec">(.*?)</script>', html, re.S
    ):
        assert f'data-figure="{fig_id}"' in html
        out[fig_id] = json.loads(text)
    return out


def _map(html: str, fig_id: str = "map-county") -> dict[str, Any]:
    specs = _specs(html)
    assert fig_id in specs, f"no figure {fig_id} in the report"
    spec = specs[fig_id]
    assert spec["kind"] == "map"
    return spec


def _layer(spec: dict[str, Any], layer_id: str) -> dict[str, Any]:
    return next(lay for lay in spec["layers"] if lay["id"] == layer_id)


def _outline(html: str, adcode: str = "610425") -> dict[str, Any]:
    m = re.search(
        rf'<script type="application/json" data-geo="county-{adcode}">(.*?)</script>', html, re.S
    )
    assert m, "no county outline in the report"
    return dict(json.loads(m.group(1)))


def _with_more_townships(n: int) -> County:
    """The tiny county plus ``n`` extra township stations (names 镇1..镇n) on a circle."""
    c = tiny_county()
    extra = [
        Place(
            f"TX{i}",
            "township_station",
            f"镇{i}",
            108.5 + 0.07 * (i % 4 - 1.5) / 1.5,
            34.5 + 0.07 * (i // 4 - 1) / 1.5,
            adcode=f"610425{110 + i:03d}",
            parent="HUB",
        )
        for i in range(n)
    ]
    return dataclasses.replace(c, places=(*c.places, *extra))


def test_map_has_outline_and_one_labelled_marker_per_township() -> None:
    """The map spec has the county outline and a marker and a label for every township."""
    county = _with_more_townships(10)
    html = build_report(county)
    spec = _map(html)
    outline = _outline(html)
    geom = outline["features"][0]["geometry"]
    assert geom["type"] == "MultiPolygon" and len(geom["coordinates"][0][0]) >= 4
    assert spec["geo"] == {
        "name": "county-610425",
        "aspectScale": spec["geo"]["aspectScale"],
        "box": False,
    }
    assert 0.8 < spec["geo"]["aspectScale"] < 0.84  # cos(34.5 deg N)
    towns = _layer(spec, "townships")["data"]
    ids = sorted(t.id for t in county.townships)
    assert len(ids) == 12
    assert sorted(d["id"] for d in towns) == ids
    by_id = {d["id"]: d for d in towns}
    for t in county.townships:
        assert by_id[t.id]["text"].split("\n")[0] == t.name
        assert by_id[t.id]["value"] == [round(t.lon, 5), round(t.lat, 5)]
    # hub, villages (synthetic apart), bus line, tooltips
    assert _layer(spec, "hub")["data"][0]["id"] == county.hub.id
    assert len(_layer(spec, "villages-synthetic")["data"]) == 1
    assert len(_layer(spec, "villages")["data"]) == 2
    bus = _layer(spec, "bus:B1")
    assert bus["type"] == "lines" and len(bus["data"][0]["coords"]) == 2
    tips = [d["tip"] for lay in spec["layers"] for d in lay["data"] if d.get("tip")]
    assert len(tips) >= len(county.places)
    # the figure's container and its no-JavaScript fallback (the data as a table)
    assert f'data-figure="map-county" data-series="{len(spec["layers"])}"' in html
    fallback = html[html.index("<noscript>") : html.index("</noscript>")]
    assert "乡镇站 / Township station" in fallback and "镇9" in fallback


def test_map_labels_only_named_places() -> None:
    """Labels go to the hub, township stations and (at most 40) real villages; synthetic
    villages stay unlabelled (ECharts hides overlapping labels, `labelLayout.hideOverlap`)."""
    spec = _map(build_report(_with_more_townships(10)))
    assert all("text" not in d for d in _layer(spec, "villages-synthetic")["data"])
    assert all(d["text"] for d in _layer(spec, "villages")["data"])
    assert all(d["text"] for d in _layer(spec, "townships")["data"])
    # labels near the east edge go on the marker's left, so that they stay on the canvas
    lons = [d["value"][0] for lay in spec["layers"] for d in lay["data"] if "value" in d]
    ring = _outline(build_report(_with_more_townships(10)))["features"][0]["geometry"]
    east = [p[0] for poly in ring["coordinates"] for r in poly for p in r]
    lo, hi = min(east + lons), max(east + lons)
    sides = {d["id"]: d.get("pos", "right") for d in _layer(spec, "townships")["data"]}
    for d in _layer(spec, "townships")["data"]:
        assert sides[d["id"]] == ("left" if d["value"][0] > lo + 0.8 * (hi - lo) else "right")
    assert set(sides.values()) == {"left", "right"}


def test_report_is_self_contained_and_bilingual() -> None:
    """No external resources; Chinese and English labels; numbers with units."""
    html = build_report(tiny_county())
    assert not re.search(r"<script[^>]*\bsrc=", html)
    assert not re.search(r"<link[^>]*\bhref=", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", html)
    assert not re.search(r"url\(\s*['\"]?(https?:)?//", html)
    assert "@import" not in html
    # ECharts is inlined once, byte for byte the vendored file (its only URLs are XML
    # namespaces and licence links); no other http(s) text outside it
    vendored = (REPO / "src/ruralflow/web/static/vendor/echarts.min.js").read_text("utf-8")
    assert html.count("<script>") == 1 and vendored.replace("</script", "<\\/script") in html
    rest = html.replace(vendored, "")
    others = set(re.findall(r"https?://[^\s\"'<>]+", rest)) - {"http://www.w3.org/2000/svg"}
    assert not others
    assert html.count('<script type="module">') == 1 and "renderFigures(document)" in html
    for text in ("乡镇 / Townships", "班车线路 / Bus lines", "车队 / Fleet", "产品 / Products"):
        assert text in html
    assert "数据来源" in html and "Data provenance" in html
    assert "图例 / Legend" in html
    assert "300 kg" in html  # the day's up weight, with its unit
    assert "(yuan/kg)" in html and "(kg/run)" in html


def test_provenance_lists_synthetic_villages_and_sources() -> None:
    """The provenance section names synthetic village positions and every source."""
    county = tiny_county()
    html = build_report(county)
    prov = html[html.index('<section class="rep" id="provenance">') :]
    assert "1 of 3 villages have synthetic coordinates" in prov
    assert "1 / 3 synthetic" in prov
    assert "village coordinates" in prov  # settings.synthetic
    assert "hand-made test data" in prov  # settings.sources
    assert "合成 synthetic" in prov and "假设 assumption" in prov
    # legend explains the synthetic villages
    assert "Village (synthetic position)" in html


def test_flows_of_the_day_tables_and_season_chart() -> None:
    """Down per township, up per product and township, season bar chart."""
    county = tiny_county()
    assert default_day(county) == DAY
    html = build_report(county, day=DAY)
    assert "Down by township" in html and "Up by township and product" in html
    chart = _specs(html)["chart-season"]
    assert chart["kind"] == "bars" and chart["categories"][chart["highlight"]] == "2025-09-01"
    up, down = chart["panels"]
    assert up["unit"] == "kg" and sum(up["series"][0]["values"]) > 0
    assert len(down["series"]) == 1
    assert "300" in html  # up kg of apples at T1
    assert "2025-09-01" in html


def test_county_without_boundary_flows_or_lines_still_renders() -> None:
    """A bare county (no boundary, no flows, no bus lines, no fleet) renders."""
    c = dataclasses.replace(
        tiny_county(),
        boundary=None,
        demand_down=(),
        supply_up=(),
        bus_lines=(),
        vehicle_types=(),
        products=(),
    )
    html = build_report(c)
    spec = _map(html)
    assert spec["geo"]["box"] is True
    assert _outline(html)["features"][0]["properties"]["box"] is True
    assert len(_layer(spec, "townships")["data"]) == 2
    assert not [lay for lay in spec["layers"] if lay["id"].startswith("bus:")]
    assert "no county boundary" in html
    assert "chart-season" not in _specs(html)
    assert "The bundle has no down demand or up supply" in html


def test_extra_sections_and_provenance_items() -> None:
    """Engines add sections; a section with an overview id replaces it; ids are checked."""
    extra = Section(
        "plan",
        "物流计划",
        "Logistics plan",
        "<p>plan body</p>",
        (ProvenanceItem("车速", "van speed", "assumption", "40 km/h"),),
    )
    html = build_report(tiny_county(), sections=[extra])
    assert html.index('id="flows"') < html.index('id="plan"') < html.index('id="provenance"')
    assert "<p>plan body</p>" in html and "van speed" in html
    html2 = build_report(tiny_county(), sections=[Section("map", "地图", "Map", "<p>X</p>")])
    assert "map-county" not in _specs(html2) and "<p>X</p>" in html2
    with pytest.raises(ValueError, match="duplicate"):
        build_report(tiny_county(), sections=[extra, extra])
    with pytest.raises(ValueError, match="reserved"):
        build_report(tiny_county(), sections=[Section("provenance", "a", "b", "")])
    with pytest.raises(ValueError, match="HTML id"):
        Section("1 bad", "a", "b", "")


def test_data_is_escaped() -> None:
    """Names from the bundle are HTML-escaped in tables and in the SVG."""
    c = tiny_county()
    places = tuple(
        dataclasses.replace(p, name="<b>甲</b>&") if p.id == "T1" else p for p in c.places
    )
    html = build_report(dataclasses.replace(c, places=places))
    assert "<b>甲</b>" not in html
    assert "&lt;b&gt;甲&lt;/b&gt;&amp;" in html


def test_origin_classification() -> None:
    assert Origin.of("assumption") is Origin.ASSUMPTION
    assert Origin.of("") is Origin.ASSUMPTION
    assert Origin.of("synthetic: seeded generator") is Origin.SYNTHETIC
    assert Origin.of("PARAMS.md; Xinfadi x farm-gate 0.55 (assumption)") is Origin.ASSUMPTION
    assert Origin.of("NBS 2023") is Origin.REAL


def test_analyses_registry_skips_missing_engines() -> None:
    """Only analyses whose engine and entry exist run; the overview is always there."""
    assert [a.id for a in available_analyses()][:1] == ["overview"]
    missing = Analysis("ghost", "幽灵", "Ghost", "ruralflow.report.ghost:sections", ("nope_xyz",))
    assert not missing.available()
    assert ANALYSES[0].available()
    secs = ANALYSES[0].run(tiny_county(), DAY)
    assert [s.id for s in secs] == ["map", "network", "flows"]


def test_write_report_path(tmp_path: Path) -> None:
    path = write_report(tiny_county(), tmp_path)
    assert path == tmp_path / "610425" / "report.html"
    assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert [p.name for p in path.parent.iterdir()] == ["report.html"]


def test_demo_command_writes_report(tmp_path: Path) -> None:
    """`ruralflow demo --county-dir ... --out ...` writes OUT/<adcode>/report.html."""
    bundle = write_bundle(tiny_county(), tmp_path / "bundle")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["demo", "--county-dir", str(bundle), "--out", str(out), "--day", "2025-09-01"]
    )
    assert result.exit_code == 0, result.output
    path = out / "610425" / "report.html"
    assert path.is_file()
    assert str(path) in result.output.replace("\n", "")
    assert "map-county" in _specs(path.read_text(encoding="utf-8"))


def test_demo_command_bad_input(tmp_path: Path) -> None:
    bundle = write_bundle(tiny_county(), tmp_path / "bundle")
    r = CliRunner().invoke(app, ["demo", "--county-dir", str(bundle), "--day", "2025-13-01"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output
    r = CliRunner().invoke(
        app, ["demo", "--county-dir", str(bundle), "--day", "2024-01-01", "--out", str(tmp_path)]
    )
    assert r.exit_code == 1 and "no flows that day" in r.output
    r = CliRunner().invoke(app, ["demo", "--county-dir", str(tmp_path / "nope")])
    assert r.exit_code == 1 and "not a bundle folder" in " ".join(r.output.split())


def test_demo_packaged_liquan(tmp_path: Path) -> None:
    """The default demo renders the packaged Liquan example with its 12 townships."""
    example = REPO / "src" / "ruralflow" / "examples" / "610425"
    if not (example / "county.yaml").is_file():
        pytest.skip("packaged Liquan example not built yet")
    result = CliRunner().invoke(app, ["demo", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "610425" / "report.html").read_text(encoding="utf-8")
    spec = _map(html)
    assert _outline(html)["features"][0]["geometry"]["coordinates"]
    labels = [d["text"].split("\n")[0] for d in _layer(spec, "townships")["data"]]
    assert len(labels) == 12
    for name in ("城关街道", "史德镇", "烟霞镇", "昭陵镇", "骏马镇", "叱干镇"):
        assert name in labels


# --------------------------------------------------------------------------- browser
def _png_pixels_vary(png: bytes) -> bool:
    """True when the PNG's decoded scanlines are not all one colour (8-bit RGB/RGBA)."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, ihdr = 8, b"", b""
    while pos < len(png):
        (n,) = struct.unpack(">I", png[pos : pos + 4])
        kind = png[pos + 4 : pos + 8]
        data = png[pos + 8 : pos + 8 + n]
        if kind == b"IHDR":
            ihdr = data
        elif kind == b"IDAT":
            idat += data
        pos += 12 + n
    width, height, depth, colour = struct.unpack(">IIBB", ihdr[:10])
    assert depth == 8 and colour in (2, 6)
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    prev = bytearray(stride)
    colours: set[bytes] = set()
    for y in range(height):
        row = raw[y * (stride + 1) : (y + 1) * (stride + 1)]
        f, line = row[0], bytearray(row[1:])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[i] = (line[i] + pred) & 255
        prev = line
        if y % 16 == 0:
            colours.update(bytes(line[i : i + bpp]) for i in range(0, stride, bpp * 8))
        if len(colours) > 16:
            return True
    return False


@pytest.mark.browser
@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium")
def test_screenshot_in_headless_chromium(tmp_path: Path) -> None:
    """scripts/screenshot.sh renders the report to a non-trivial PNG."""
    report = write_report(_with_more_townships(10), tmp_path)
    png = tmp_path / "shot.png"
    subprocess.run(
        [str(REPO / "scripts" / "screenshot.sh"), str(report), str(png), "1200", "1600"],
        check=True,
        timeout=120,
        capture_output=True,
    )
    data = png.read_bytes()
    assert len(data) > 20_000
    assert _png_pixels_vary(data)


def test_png_check_rejects_a_blank_image() -> None:
    """The PNG check used above says 'one colour' for a blank image."""
    width, height = 32, 32
    raw = b"".join(b"\x00" + b"\xff\xff\xff" * width for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )
    assert not _png_pixels_vary(png)


def test_plan_map_shows_bus_consignments_and_what_is_not_carried() -> None:
    """The plan's map (as the dashboard's): routes, bus legs dashed, not-carried villages."""
    from ruralflow.logistics import PlanOptions, plan
    from ruralflow.logistics.bus import BusConsignment
    from ruralflow.logistics.result import NotCarried
    from ruralflow.report.logistics import plan_section

    c = tiny_county()
    p = plan(c, DAY, PlanOptions(time_limit_s=1.0, workers=1, no_improvement=2000))
    leg = BusConsignment(
        "B1-0800", "B1", "08:00", "outbound", "down", "V2", "T1", "HUB", "T1", 480.0, 510.0,
        3, 3, 12.5, 0.05, ("D1",), (), 6.0, 1.2, 1, 2.0, 0.3, 530.0
    )  # fmt: skip
    miss = NotCarried("U9", "supply", "up", "V3", 0, 40.0, True, "no reefer free", 80.0)
    p = dataclasses.replace(p, bus=(leg, leg), not_carried=(miss,))
    spec = _map(plan_section(c, p).html, "map-plan")
    ids = [lay["id"] for lay in spec["layers"]]
    assert not [i for i in ids if i.startswith("bus:")]  # routes replace the bus lines
    assert ids.index("hub") < ids.index("bus") < ids.index("not-carried")
    (bus,) = _layer(spec, "bus")["data"]  # two consignments on one leg: one line
    assert bus["coords"] == [
        [c.hub.lon, c.hub.lat],
        [c.place_by_id["T1"].lon, c.place_by_id["T1"].lat],
    ]
    assert (
        "25.0 kg" in bus["tip"] and "6 件" in bus["tip"] and _layer(spec, "bus")["dashed"] is True
    )
    (nc,) = _layer(spec, "not-carried")["data"]
    assert nc["id"] == "V3" and "no reefer free" in nc["tip"] and "40.0 kg" in nc["tip"]
