"""Figure specs of the report: county maps and bar charts as plain JSON, drawn by ECharts.

The report and the dashboard draw their figures with one renderer, the ES module
``web/static/app/figures.js`` over Apache ECharts (``web/static/vendor/echarts.min.js``). This
module writes the specs that module reads (the format is described at the top of
``figures.js``): a map is the county outline (GeoJSON, registered once per page with
``echarts.registerMap``) and layers of points, lines and areas in WGS84 lon/lat; a bar chart is
panels of stacked series over one category axis. :func:`figure_html` puts a spec in the page
with a readable fallback for a browser without JavaScript (a table of the figure's data, not a
second drawing), and :func:`page_scripts` adds, once per page, the outline, ECharts and the
module, so ``report.html`` stays one self-contained file that opens offline.
"""

from __future__ import annotations

import json
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any

from ruralflow.domain import County, Place, PlaceKind
from ruralflow.domain.places import CoordSource
from ruralflow.report.fmt import hhmm, num, smart
from ruralflow.report.html import esc

Spec = dict[str, Any]

#: Kilometres per degree of latitude on the IUGG mean sphere (R = 6371.0088 km).
KM_PER_DEG = 6371.0088 * math.pi / 180.0

#: Colours of bus lines and routes, in order (colour-blind-safe-ish, apart from the places').
LINE_COLOURS = (
    "#0072b2",
    "#d55e00",
    "#7b3294",
    "#009e73",
    "#cc79a7",
    "#8c510a",
    "#e6a000",
    "#35978f",
    "#b2182b",
    "#4d4d4d",
)

#: Colours for stacked series (products), in order.
SERIES_COLOURS = (
    "#3b8d4f",
    "#e08a1e",
    "#8e5bb5",
    "#c0392b",
    "#2a7fb8",
    "#7a8b2b",
    "#b5651d",
    "#5d6d7e",
)

# Facility kinds drawn as extra markers: kind -> (shape, colour, zh, en)
FACILITY_STYLE: dict[PlaceKind, tuple[str, str, str, str]] = {
    PlaceKind.COLD_HUB: ("triangle", "#1565c0", "冷链集配中心", "Cold hub"),
    PlaceKind.PREPROCESS_CENTRE: ("square", "#ef6c00", "产地预处理中心", "Preprocess centre"),
    PlaceKind.FRONT_WAREHOUSE: ("diamond", "#6a1b9a", "前置仓", "Front warehouse"),
    PlaceKind.CANDIDATE_SITE: ("diamond", "#9c6ac0", "候选站点", "Candidate site"),
}

KIND_LABEL: dict[PlaceKind, tuple[str, str]] = {
    PlaceKind.COUNTY_HUB: ("县级物流中心", "County hub"),
    PlaceKind.TOWNSHIP_STATION: ("乡镇站", "Township station"),
    PlaceKind.VILLAGE: ("村级服务站", "Village station"),
    **{k: (v[2], v[3]) for k, v in FACILITY_STYLE.items()},
}

COORD_LABEL: dict[CoordSource, str] = {
    CoordSource.SURVEYED: "实测 / surveyed",
    CoordSource.GEOCODED: "地理编码 / geocoded",
    CoordSource.SYNTHETIC: "合成 / synthetic (placed by rule)",
}

#: Label real villages by name when there are at most this many of them.
MAX_VILLAGE_LABELS = 40

SYNTHETIC_NOTE = (
    "无公开坐标，按规则放置在所属乡镇范围内，仅示意分布 / no public coordinates: placed by a "
    "seeded rule inside its township's area; shows the pattern, not the true location"
)


# --------------------------------------------------------------------------- geometry
def _r(x: float) -> float:
    """Degrees rounded to 5 decimals (about 1 m)."""
    return round(x, 5)


def _rings(geom: Mapping[str, Any]) -> list[list[tuple[float, float]]]:
    """The rings of a GeoJSON Polygon / MultiPolygon (or a Feature / collection of them)."""
    t = geom.get("type")
    if t == "Feature":
        g = geom.get("geometry")
        return _rings(g) if isinstance(g, Mapping) else []
    if t == "FeatureCollection":
        out: list[list[tuple[float, float]]] = []
        for f in geom.get("features", []):
            if isinstance(f, Mapping):
                out += _rings(f)
        return out
    if t == "GeometryCollection":
        return [r for g in geom.get("geometries", []) if isinstance(g, Mapping) for r in _rings(g)]
    coords = geom.get("coordinates") or []
    polys = [coords] if t == "Polygon" else coords if t == "MultiPolygon" else []
    return [[(float(p[0]), float(p[1])) for p in ring] for poly in polys for ring in poly]


def _polygons(geom: Mapping[str, Any]) -> list[list[list[list[float]]]]:
    """The polygons (outer ring, holes) of a GeoJSON geometry, rounded, for a MultiPolygon."""
    t = geom.get("type")
    if t == "Feature":
        g = geom.get("geometry")
        return _polygons(g) if isinstance(g, Mapping) else []
    if t == "FeatureCollection":
        return [
            p for f in geom.get("features", []) if isinstance(f, Mapping) for p in _polygons(f)
        ]
    if t == "GeometryCollection":
        return [
            p for g in geom.get("geometries", []) if isinstance(g, Mapping) for p in _polygons(g)
        ]
    coords = geom.get("coordinates") or []
    polys = [coords] if t == "Polygon" else coords if t == "MultiPolygon" else []
    return [
        [[[_r(float(p[0])), _r(float(p[1]))] for p in ring] for ring in poly] for poly in polys
    ]


def road_lines(roads: Mapping[str, Any] | None) -> list[list[tuple[float, float]]]:
    """The lines of a GeoJSON LineString / MultiLineString collection."""
    if not roads:
        return []
    out: list[list[tuple[float, float]]] = []
    feats = roads.get("features", []) if roads.get("type") == "FeatureCollection" else [roads]
    for f in feats:
        g = f.get("geometry", f) if isinstance(f, Mapping) else None
        if not isinstance(g, Mapping):
            continue
        if g.get("type") == "LineString":
            out.append([(float(p[0]), float(p[1])) for p in g.get("coordinates", [])])
        elif g.get("type") == "MultiLineString":
            out += [[(float(p[0]), float(p[1])) for p in ln] for ln in g.get("coordinates", [])]
    return out


def bounds(county: County) -> tuple[float, float, float, float]:
    """lon0, lon1, lat0, lat1 of the county's map: its outline, else its places plus 8 %."""
    lons: list[float] = []
    lats: list[float] = []
    if county.boundary:
        for ring in _rings(county.boundary):
            lons += [p[0] for p in ring]
            lats += [p[1] for p in ring]
    for p in county.places:
        if p.kind is PlaceKind.FRONT_WAREHOUSE and county.boundary:
            continue  # the front warehouse is in the city, often far outside the county
        lons.append(p.lon)
        lats.append(p.lat)
    lon0, lon1, lat0, lat1 = min(lons), max(lons), min(lats), max(lats)
    if not county.boundary:
        dx, dy = (lon1 - lon0) * 0.08, (lat1 - lat0) * 0.08
        lon0, lon1, lat0, lat1 = lon0 - dx, lon1 + dx, lat0 - dy, lat1 + dy
    # at least ~2 km across, so a one-place county still gets a map
    if lon1 - lon0 < 0.02:
        lon0, lon1 = (lon0 + lon1) / 2 - 0.01, (lon0 + lon1) / 2 + 0.01
    if lat1 - lat0 < 0.02:
        lat0, lat1 = (lat0 + lat1) / 2 - 0.01, (lat0 + lat1) / 2 + 0.01
    return lon0, lon1, lat0, lat1


def geo_name(county: County) -> str:
    """The name the county's outline is registered under (``county-<adcode>``)."""
    return f"county-{county.adcode}"


def county_geojson(county: County) -> dict[str, Any]:
    """The outline to register: the county boundary as one MultiPolygon feature, or (no
    boundary in the bundle) a box around the places marked ``box: true``."""
    polys = _polygons(county.boundary) if county.boundary else []
    if polys:
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"name": county.name, "adcode": county.adcode},
                    "geometry": {"type": "MultiPolygon", "coordinates": polys},
                }
            ],
        }
    w, e, s, n = (_r(v) for v in bounds(county))
    ring = [[w, s], [e, s], [e, n], [w, n], [w, s]]
    return {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"name": "box", "box": True},
                "geometry": {"type": "Polygon", "coordinates": [ring]},
            }
        ],
    }


def circle(lon: float, lat: float, km: float, n: int = 48) -> list[list[float]]:
    """A ring of ``n`` points ``km`` around (lon, lat) on the local equirectangular plane."""
    dlat = km / KM_PER_DEG
    dlon = dlat / max(math.cos(math.radians(lat)), 1e-6)
    return [
        [
            _r(lon + dlon * math.cos(2 * math.pi * i / n)),
            _r(lat + dlat * math.sin(2 * math.pi * i / n)),
        ]
        for i in range(n + 1)
    ]


# --------------------------------------------------------------------------- specs
def place_name(p: Place) -> str:
    return f"{p.name} ({p.name_en})" if p.name_en and p.name_en != p.name else p.name


def point(p: Place, tip: str, text: str | None = None) -> dict[str, Any]:
    """A point of a ``points`` layer; ``text`` is its label on the map (none: unlabelled)."""
    d: dict[str, Any] = {"id": p.id, "name": p.name, "value": [_r(p.lon), _r(p.lat)], "tip": tip}
    if text:
        d["text"] = text
    return d


def layer(
    id: str,
    name: str,
    type: str,
    data: Sequence[Mapping[str, Any]],
    **style: Any,
) -> dict[str, Any]:
    """A map layer (one ECharts series). ``style``: color, size, symbol, hollow, width, dashed,
    opacity, labelSize, labelBold, labelColor, legend (False: not in the legend), note (the
    fallback table's remark), silent."""
    return {"id": id, "name": name, "type": type, "data": list(data), **style}


def map_spec(county: County, layers: Sequence[dict[str, Any]], *, width: float = 960.0) -> Spec:
    """A map of ``county`` with ``layers`` (drawn in order, later ones on top)."""
    lon0, lon1, lat0, lat1 = bounds(county)
    cos0 = math.cos(math.radians((lat0 + lat1) / 2))
    ratio = (lat1 - lat0) / ((lon1 - lon0) * cos0)
    height = min(max((width - 24) * ratio + 56 + 40, 360.0), 900.0)
    return {
        "kind": "map",
        "geo": {
            "name": geo_name(county),
            "aspectScale": round(cos0, 4),
            "box": not county.boundary,
        },
        "height": round(height),
        "layers": list(layers),
    }


def county_layers(county: County, *, bus_lines: bool = True) -> list[dict[str, Any]]:
    """The base layers of the county map: roads, bus lines, villages, facilities, township
    stations and the hub, labelled (real villages only when at most 40)."""
    by_id = county.place_by_id
    out: list[dict[str, Any]] = []
    lon0, lon1, _, _ = bounds(county)
    east = lon0 + 0.8 * (lon1 - lon0)  # labels of places east of this go on their left

    def pt(p: Place, tip: str, text: str | None = None) -> dict[str, Any]:
        d = point(p, tip, text)
        if text and p.lon > east:
            d["pos"] = "left"
        return d

    roads = road_lines(county.roads)
    if roads:
        out.append(
            layer(
                "roads",
                "道路 / Road",
                "lines",
                [{"coords": [[_r(x), _r(y)] for x, y in ln]} for ln in roads],
                color="#c9bfae",
                width=0.9,
                opacity=1,
                silent=True,
            )
        )
    if bus_lines:
        for i, b in enumerate(county.bus_lines):
            stops = " → ".join(by_id[s].name for s in b.stops)
            deps = ", ".join(hhmm(d) for d in b.departures)
            tip = (
                f"{b.name} ({b.id}) · {stops} · 发车/departures {deps} · "
                f"余载/spare {num(b.spare_kg_per_run)} kg/run"
            )
            coords = [[_r(by_id[s].lon), _r(by_id[s].lat)] for s in b.stops]
            out.append(
                layer(
                    f"bus:{b.id}",
                    f"班车 {b.name} / Bus line {b.id}",
                    "lines",
                    [{"name": b.id, "coords": coords, "tip": tip}],
                    color=LINE_COLOURS[i % len(LINE_COLOURS)],
                    width=3,
                )
            )
    n_vill: dict[str, int] = defaultdict(int)
    hh: dict[str, int] = defaultdict(int)
    for v in county.villages:
        n_vill[v.parent] += 1
        hh[v.parent] += v.households
    real = [v for v in county.villages if v.coord_source is not CoordSource.SYNTHETIC]
    syn = [v for v in county.villages if v.coord_source is CoordSource.SYNTHETIC]
    label_real = len(real) <= MAX_VILLAGE_LABELS

    def vtip(v: Place) -> str:
        town = by_id.get(v.parent)
        return (
            f"{place_name(v)} · {town.name if town else v.parent} · "
            f"户数/households {num(v.households)} · "
            f"坐标/coordinates: {COORD_LABEL[v.coord_source]}"
        )

    if syn:
        out.append(
            layer(
                "villages-synthetic",
                "村（合成位置）/ Village (synthetic position)",
                "points",
                [pt(v, vtip(v)) for v in syn],
                color="#8b96a0",
                hollow=True,
                size=4,
                width=1,
                note=SYNTHETIC_NOTE,
            )
        )
    if real:
        out.append(
            layer(
                "villages",
                "村（实测或地理编码位置）/ Village (surveyed / geocoded)",
                "points",
                [pt(v, vtip(v), v.name if label_real else None) for v in real],
                color="#1b7f3b",
                size=7,
                labelSize=11,
                labelColor="#145c2b",
            )
        )
    for kind, (shape, colour, zh, en) in FACILITY_STYLE.items():
        fac = [p for p in county.places if p.kind is kind]
        if not fac:
            continue
        out.append(
            layer(
                f"fac:{kind.value}",
                f"{zh} / {en}",
                "points",
                [
                    pt(
                        p,
                        f"{place_name(p)} · {zh} / {en} · 坐标/coordinates: "
                        f"{COORD_LABEL[p.coord_source]}",
                        _label(p),
                    )
                    for p in fac
                ],
                symbol=shape,
                color=colour,
                size=12,
                hollow=kind is PlaceKind.CANDIDATE_SITE,
                labelSize=11.5,
                labelColor="#3a3a3a",
            )
        )
    out.append(
        layer(
            "townships",
            "乡镇站 / Township station",
            "points",
            [
                pt(
                    t,
                    f"{place_name(t)} · 乡镇站/township station · {t.adcode} · "
                    f"村/villages {n_vill[t.id]} · 户/households {num(hh[t.id])}",
                    _label(t),
                )
                for t in county.townships
            ],
            symbol="square",
            color="#22313f",
            size=12,
            width=1.6,
            labelSize=14,
            labelBold=True,
        )
    )
    hub = county.hub
    out.append(
        layer(
            "hub",
            "县级物流中心 / County hub",
            "points",
            [pt(hub, f"{place_name(hub)} · 县级物流中心 / county hub", _label(hub))],
            symbol="star",
            color="#a31515",
            size=24,
            labelSize=14,
            labelBold=True,
            labelColor="#a31515",
        )
    )
    return out


def _label(p: Place) -> str:
    return f"{p.name}\n{p.name_en}" if p.name_en and p.name_en != p.name else p.name


def county_map(county: County, *, bus_lines: bool = True) -> Spec:
    """The county overview map: outline and :func:`county_layers`."""
    return map_spec(county, county_layers(county, bus_lines=bus_lines))


def insert_layers(spec: Spec, new: Sequence[dict[str, Any]], *, before: str) -> None:
    """Insert ``new`` layers before the layer with id ``before`` (at the end if none)."""
    ids = [lay["id"] for lay in spec["layers"]]
    at = ids.index(before) if before in ids else len(ids)
    spec["layers"][at:at] = list(new)


def stacked_bars(
    categories: Sequence[str],
    panels: Sequence[tuple[str, str, Sequence[tuple[str, str, Sequence[float]]]]],
    *,
    highlight: int | None = None,
    highlight_label: str = "",
    panel_height: float = 120.0,
) -> Spec:
    """Panels of stacked bars over one category axis: ``panels`` holds (title, unit, series)
    with series (name, colour, values aligned with ``categories``); ``highlight`` shades one
    category (the report's chosen day)."""
    return {
        "kind": "bars",
        "categories": list(categories),
        "panels": [
            {
                "title": title,
                "unit": unit,
                "series": [
                    {"name": n, "color": c, "values": [round(float(v), 3) for v in vals]}
                    for n, c, vals in series
                ],
            }
            for title, unit, series in panels
        ],
        "highlight": highlight,
        "highlightLabel": highlight_label,
        "panelHeight": panel_height,
    }


def xy_chart(
    categories: Sequence[str],
    axes: Sequence[tuple[str, str]],
    series: Sequence[Mapping[str, Any]],
    *,
    x_name: str = "",
    height: float = 320.0,
) -> Spec:
    """Bars and lines over one category axis with one or two value axes: ``axes`` holds
    (name, unit); each series is {name, type ("bar"/"line"), axis (0/1), color, values (None:
    no value), tips (one tooltip per category, optional)}."""
    return {
        "kind": "xy",
        "categories": list(categories),
        "xName": x_name,
        "axes": [{"name": n, "unit": u} for n, u in axes],
        "series": [dict(s) for s in series],
        "height": round(height),
    }


def series_count(spec: Spec) -> int:
    """How many ECharts series the spec draws (a map: its layers; bars: all panels' series)."""
    if spec["kind"] == "map":
        return len(spec["layers"])
    if spec["kind"] == "xy":
        return len(spec["series"])
    return sum(len(p["series"]) for p in spec["panels"])


# --------------------------------------------------------------------------- HTML
def _json(data: Any) -> str:
    """JSON for a ``<script type="application/json">``: no ``<`` (so no ``</script>``)."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace("&", "\\u0026")


def _table(head: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    th = "".join(f"<th>{h}</th>" for h in head)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f'<table class="data"><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>'


def fallback_table(spec: Spec) -> str:
    """The figure's data as an HTML table, for a page read without JavaScript."""
    if spec["kind"] == "map":
        rows = []
        for lay in spec["layers"]:
            names = [str(d.get("name") or "") for d in lay["data"] if d.get("name")]
            shown = ", ".join(names[:30]) + (f" … (+{len(names) - 30})" if len(names) > 30 else "")
            rows.append([esc(lay["name"]), esc(num(len(lay["data"]))), esc(shown)])
        return _table(["图层 / Layer", "数量 / Count", "名称 / Names"], rows)
    if spec["kind"] == "xy":
        head = [esc(spec["xName"] or "类别 / Category")]
        head += [esc(s["name"]) for s in spec["series"]]
        rows = [
            [esc(cat)]
            + [
                esc("–" if s["values"][i] is None else smart(s["values"][i]))
                for s in spec["series"]
            ]
            for i, cat in enumerate(spec["categories"])
        ]
        return _table(head, rows)
    head = ["类别 / Category"]
    cols: list[tuple[list[float], str]] = []
    for p in spec["panels"]:
        for s in p["series"]:
            head.append(esc(f"{p['title']}: {s['name']} ({p['unit']})"))
            cols.append((s["values"], p["unit"]))
    rows = []
    for i, cat in enumerate(spec["categories"]):
        vals = [c[0][i] for c in cols]
        if not any(vals):
            continue
        rows.append([esc(cat), *(esc(smart(v)) for v in vals)])
    return _table(head, rows)


def figure_html(spec: Spec, fig_id: str, *, label: str) -> str:
    """The figure's container, its spec and the no-JavaScript fallback (its data as a table).

    ``fig_id`` must be unique in the page; ``label`` names the figure for screen readers.
    """
    h = spec.get("height") if spec["kind"] in ("map", "xy") else None
    style = f' style="height:{int(h)}px"' if h else ""
    return (
        f'<div class="figure figure-{esc(spec["kind"])}" id="{esc(fig_id)}" '
        f'data-figure="{esc(fig_id)}" data-series="{series_count(spec)}" role="img" '
        f'aria-label="{esc(label)}"{style}></div>'
        f'<script type="application/json" id="{esc(fig_id)}-spec">{_json(spec)}</script>'
        '<noscript><p class="note">此图需要 JavaScript；下表为图中数据。/ This figure needs '
        "JavaScript; its data follows as a table.</p>"
        f'<div class="table-wrap">{fallback_table(spec)}</div></noscript>'
    )


@cache
def _asset(*parts: str) -> str:
    path = resources.files("ruralflow.web").joinpath("static", *parts)
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        name = "/".join(parts)
        raise FileNotFoundError(
            f"缺少网页资源 web/static/{name}，请运行 make vendor / the package lacks "
            f"web/static/{name} (the report inlines it): run `make vendor`"
        ) from None


def figures_module() -> str:
    """The source of ``web/static/app/figures.js``."""
    return _asset("app", "figures.js")


def echarts_source() -> str:
    """The vendored ``echarts.min.js`` (``make vendor``), safe to inline in a ``<script>``."""
    return _asset("vendor", "echarts.min.js").replace("</script", "<\\/script")


def page_scripts(county: County, html: str) -> str:
    """What a page with figures needs once, at the end of its body: the county outline
    (when a map is drawn), ECharts, and the figures module run over the page. Empty when
    ``html`` has no figure."""
    if "data-figure=" not in html:
        return ""
    parts = []
    if '"kind":"map"' in html:
        parts.append(
            f'<script type="application/json" data-geo="{esc(geo_name(county))}">'
            f"{_json(county_geojson(county))}</script>"
        )
    module = figures_module().replace("</script", "<\\/script")
    parts.append(f"<script>{echarts_source()}</script>")
    parts.append(f'<script type="module">{module}\nrenderFigures(document);\n</script>')
    return "\n".join(parts)


def off_map(county: County) -> list[Place]:
    """Facilities outside the map's extent (a front warehouse in the city, say)."""
    lon0, lon1, lat0, lat1 = bounds(county)
    return [
        p
        for p in county.places
        if p.kind in FACILITY_STYLE and not (lon0 <= p.lon <= lon1 and lat0 <= p.lat <= lat1)
    ]


def map_block(county: County, spec: Spec, fig_id: str) -> str:
    """A map figure with its legend beside it (``templates/map.html.j2``)."""
    from ruralflow.report.templating import render_fragment

    name = county.settings.name_en or county.name
    label = f"{county.name} 地图 / Map of {name}"
    return render_fragment(
        "map.html.j2",
        figure=figure_html(spec, fig_id, label=label),
        legend=[lay for lay in spec["layers"] if lay.get("legend", True)],
        box=spec["geo"]["box"],
        off_map=off_map(county),
    )
