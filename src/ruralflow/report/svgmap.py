"""Geometry of the report's map: projection, layers, label placement, scale bar and grid.

The map is drawn as inline SVG (no tiles, no network). The projection is equirectangular,
scaled by the cosine of the map's mean latitude: ``x = (lon - lon0) * cos(lat0) * k`` and
``y = (lat_top - lat) * k`` with ``k`` pixels per degree of latitude. Over a county (< 100 km)
this keeps distances within ~0.5 % of the true ones in every direction, so one scale bar in km
holds for the whole map. This module only computes positions and strings; the markup is in
``templates/map.svg.j2``.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ruralflow.domain import County, Place, PlaceKind
from ruralflow.domain.places import CoordSource
from ruralflow.report.fmt import hhmm, num

#: Kilometres per degree of latitude on the IUGG mean sphere (R = 6371.0088 km).
KM_PER_DEG = 6371.0088 * math.pi / 180.0

#: Colours of bus lines, in order (colour-blind-safe-ish, distinct from the facility colours).
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

# Facility kinds drawn as extra markers: kind -> (shape, css class, zh, en)
FACILITY_STYLE: dict[PlaceKind, tuple[str, str, str, str]] = {
    PlaceKind.COLD_HUB: ("triangle", "fac-cold", "冷链集配中心", "Cold hub"),
    PlaceKind.PREPROCESS_CENTRE: ("square", "fac-prep", "产地预处理中心", "Preprocess centre"),
    PlaceKind.FRONT_WAREHOUSE: ("diamond", "fac-front", "前置仓", "Front warehouse"),
    PlaceKind.CANDIDATE_SITE: ("diamond", "fac-cand", "候选站点", "Candidate site"),
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

# Label real villages by name when there are at most this many of them.
MAX_VILLAGE_LABELS = 40


# --------------------------------------------------------------------------- primitives
@dataclass(frozen=True, slots=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    def overlap(self, o: Box) -> float:
        w = min(self.x1, o.x1) - max(self.x0, o.x0)
        h = min(self.y1, o.y1) - max(self.y0, o.y0)
        return w * h if w > 0 and h > 0 else 0.0

    @property
    def area(self) -> float:
        return (self.x1 - self.x0) * (self.y1 - self.y0)

    def outside(self, frame: Box) -> float:
        """Area of this box outside ``frame``."""
        return self.area - self.overlap(frame)


@dataclass(frozen=True, slots=True)
class Marker:
    """A point symbol: ``shape`` is circle, square, diamond, triangle or star."""

    id: str
    css: str
    shape: str
    x: float
    y: float
    r: float
    title: str
    d: str = ""  # path data for shapes other than circle


@dataclass(frozen=True, slots=True)
class LabelLine:
    text: str
    css: str
    size: float


@dataclass(frozen=True, slots=True)
class Label:
    """A placed label: ``x``/``y`` of the first baseline, ``anchor`` start/middle/end."""

    for_id: str
    css: str
    x: float
    y: float
    anchor: str
    lines: tuple[LabelLine, ...]
    leader: tuple[float, float, float, float] | None = None


@dataclass(frozen=True, slots=True)
class Polyline:
    id: str
    name: str
    colour: str
    points: str
    title: str


@dataclass(frozen=True, slots=True)
class LegendItem:
    symbol: str  # css/shape key understood by the legend template
    zh: str
    en: str
    colour: str = ""
    count: int | None = None
    note: str = ""


@dataclass
class MapModel:
    """Everything ``map.svg.j2`` draws, in pixels."""

    width: float
    height: float
    outline: str | None
    roads: list[str] = field(default_factory=list)
    lines: list[Polyline] = field(default_factory=list)
    villages: list[Marker] = field(default_factory=list)
    facilities: list[Marker] = field(default_factory=list)
    townships: list[Marker] = field(default_factory=list)
    hub: list[Marker] = field(default_factory=list)
    labels: list[Label] = field(default_factory=list)
    grid: list[tuple[float, float, float, float]] = field(default_factory=list)
    grid_labels: list[tuple[float, float, str, str]] = field(default_factory=list)
    scale_px: float = 0.0
    scale_km: float = 0.0
    scale_ticks: list[tuple[float, str]] = field(default_factory=list)
    scale_x: float = 0.0
    scale_y: float = 0.0
    legend: list[LegendItem] = field(default_factory=list)
    off_map: list[Place] = field(default_factory=list)
    area_note: str = ""


# --------------------------------------------------------------------------- projection
@dataclass(frozen=True, slots=True)
class Projection:
    """Equirectangular projection scaled by cos(lat0); ``k`` pixels per degree of latitude."""

    lon_min: float
    lat_max: float
    cos0: float
    k: float
    pad_x: float
    pad_y: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.pad_x + (lon - self.lon_min) * self.cos0 * self.k,
            self.pad_y + (self.lat_max - lat) * self.k,
        )

    @property
    def px_per_km(self) -> float:
        return self.k / KM_PER_DEG


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


def _road_lines(roads: Mapping[str, Any] | None) -> list[list[tuple[float, float]]]:
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


def _path(points: Iterable[tuple[float, float]], close: bool) -> str:
    """SVG path data, rounded to 0.1 px, dropping repeated points."""
    parts: list[str] = []
    last: tuple[float, float] | None = None
    for x, y in points:
        p = (round(x, 1), round(y, 1))
        if p == last:
            continue
        parts.append(("M" if last is None else "L") + f"{p[0]:g},{p[1]:g}")
        last = p
    if close and parts:
        parts.append("Z")
    return "".join(parts)


def _nice(x: float, steps: Sequence[float] = (1, 2, 2.5, 5)) -> float:
    """The largest 'nice' number (1, 2, 2.5, 5 x 10^n) not above ``x``."""
    if x <= 0:
        return 1.0
    e = math.floor(math.log10(x))
    best = steps[0] * 10.0**e
    for s in steps:
        if s * 10.0**e <= x:
            best = s * 10.0**e
    return best


# --------------------------------------------------------------------------- shapes
def shape_path(shape: str, x: float, y: float, r: float) -> str:
    """Path data of a marker shape of 'radius' ``r`` centred at (x, y)."""
    if shape == "square":
        s = r * 0.9
        return f"M{x - s:.1f},{y - s:.1f}h{2 * s:.1f}v{2 * s:.1f}h{-2 * s:.1f}Z"
    if shape == "diamond":
        return f"M{x:.1f},{y - r:.1f}L{x + r:.1f},{y:.1f}L{x:.1f},{y + r:.1f}L{x - r:.1f},{y:.1f}Z"
    if shape == "triangle":
        h = r * 1.15
        return f"M{x:.1f},{y - h:.1f}L{x + h:.1f},{y + h * 0.8:.1f}L{x - h:.1f},{y + h * 0.8:.1f}Z"
    if shape == "star":
        pts = []
        for i in range(10):
            a = -math.pi / 2 + i * math.pi / 5
            rr = r if i % 2 == 0 else r * 0.45
            pts.append((x + rr * math.cos(a), y + rr * math.sin(a)))
        return _path(pts, close=True)
    return ""


def _marker(p: Place, css: str, shape: str, r: float, title: str, proj: Projection) -> Marker:
    x, y = proj.xy(p.lon, p.lat)
    return Marker(p.id, css, shape, round(x, 1), round(y, 1), r, title, shape_path(shape, x, y, r))


# --------------------------------------------------------------------------- labels
def text_width(text: str, size: float) -> float:
    """Estimated rendered width of ``text`` at font ``size`` px (CJK glyphs are 1 em)."""
    w = 0.0
    for ch in text:
        if ord(ch) >= 0x2E80:
            w += 1.0
        elif ch == " ":
            w += 0.3
        elif ch.isupper() or ch in "mwMW":
            w += 0.68
        else:
            w += 0.55
    return w * size


@dataclass(frozen=True, slots=True)
class _LabelRequest:
    for_id: str
    css: str
    x: float
    y: float
    r: float
    lines: tuple[LabelLine, ...]


# Candidate positions: (dx sign, dy sign, anchor). 0 means centred on that axis.
_CANDIDATES = (
    (1, 0, "start"),
    (-1, 0, "end"),
    (0, -1, "middle"),
    (0, 1, "middle"),
    (1, -1, "start"),
    (1, 1, "start"),
    (-1, -1, "end"),
    (-1, 1, "end"),
)


def place_labels(
    requests: Sequence[_LabelRequest], obstacles: Sequence[Box], dots: Sequence[Box], frame: Box
) -> list[Label]:
    """Greedy label placement: for each label in order, the candidate position around its
    marker that overlaps least with labels already placed, with markers, and with the frame
    edge (eight positions next to the marker, then eight further out with a leader line)."""
    placed: list[Box] = []
    out: list[Label] = []
    for req in requests:
        w = max(text_width(ln.text, ln.size) for ln in req.lines) + 2
        h = sum(ln.size * 1.2 for ln in req.lines)
        best: tuple[float, Box, str, bool] | None = None
        for ring, gap in ((0, 3.0), (1, 16.0)):
            for i, (sx, sy, anchor) in enumerate(_CANDIDATES):
                d = req.r + gap
                if sx > 0:
                    x0 = req.x + d
                elif sx < 0:
                    x0 = req.x - d - w
                else:
                    x0 = req.x - w / 2
                if sy > 0:
                    y0 = req.y + d * (0.8 if sx else 1.0)
                elif sy < 0:
                    y0 = req.y - d * (0.8 if sx else 1.0) - h
                else:
                    y0 = req.y - h / 2
                box = Box(x0, y0, x0 + w, y0 + h)
                score = (
                    10.0 * sum(box.overlap(b) for b in placed)
                    + 10.0 * sum(box.overlap(b) for b in obstacles)
                    + 0.5 * sum(box.overlap(b) for b in dots)
                    + 30.0 * box.outside(frame)
                    + 4.0 * i
                    + 400.0 * ring
                )
                if best is None or score < best[0]:
                    best = (score, box, anchor, ring == 1)
        assert best is not None
        _, box, anchor, far = best
        placed.append(box)
        tx = box.x0 + 1 if anchor == "start" else box.x1 - 1 if anchor == "end" else box.x0 + w / 2
        leader = None
        if far:
            cx = min(max(req.x, box.x0), box.x1)
            cy = min(max(req.y, box.y0), box.y1)
            leader = (req.x, req.y, round(cx, 1), round(cy, 1))
        out.append(
            Label(
                req.for_id,
                req.css,
                round(tx, 1),
                round(box.y0 + req.lines[0].size * 0.92, 1),
                anchor,
                req.lines,
                leader,
            )
        )
    return out


# --------------------------------------------------------------------------- the map
def _bounds(county: County) -> tuple[float, float, float, float]:
    lons: list[float] = []
    lats: list[float] = []
    if county.boundary:
        for ring in _rings(county.boundary):
            lons += [p[0] for p in ring]
            lats += [p[1] for p in ring]
    for p in county.places:
        if p.kind is PlaceKind.FRONT_WAREHOUSE and county.boundary:
            continue
        lons.append(p.lon)
        lats.append(p.lat)
    lon0, lon1, lat0, lat1 = min(lons), max(lons), min(lats), max(lats)
    if not county.boundary:
        # no outline: leave room around the outermost places for their labels
        dx, dy = (lon1 - lon0) * 0.08, (lat1 - lat0) * 0.08
        lon0, lon1, lat0, lat1 = lon0 - dx, lon1 + dx, lat0 - dy, lat1 + dy
    # at least ~2 km across, so a one-place county still gets a map
    if lon1 - lon0 < 0.02:
        lon0, lon1 = (lon0 + lon1) / 2 - 0.01, (lon0 + lon1) / 2 + 0.01
    if lat1 - lat0 < 0.02:
        lat0, lat1 = (lat0 + lat1) / 2 - 0.01, (lat0 + lat1) / 2 + 0.01
    return lon0, lon1, lat0, lat1


def _offset_polyline(pts: list[tuple[float, float]], off: float) -> list[tuple[float, float]]:
    """Shift a polyline sideways by ``off`` px (vertex normals averaged), so that bus lines
    sharing a road stay visible side by side."""
    if off == 0 or len(pts) < 2:
        return pts
    normals: list[tuple[float, float]] = []
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        dx, dy = x1 - x0, y1 - y0
        n = math.hypot(dx, dy) or 1.0
        normals.append((-dy / n, dx / n))
    out = []
    for i, (x, y) in enumerate(pts):
        ns = [normals[j] for j in (i - 1, i) if 0 <= j < len(normals)]
        nx = sum(n[0] for n in ns) / len(ns)
        ny = sum(n[1] for n in ns) / len(ns)
        m = math.hypot(nx, ny) or 1.0
        out.append((x + off * nx / m, y + off * ny / m))
    return out


def _place_name(p: Place) -> str:
    return f"{p.name} ({p.name_en})" if p.name_en and p.name_en != p.name else p.name


def build_map(county: County, *, width: float = 960.0, max_height: float = 1000.0) -> MapModel:
    """Project the county's outline, places and bus lines into a ``width``-pixel map."""
    lon0, lon1, lat0, lat1 = _bounds(county)
    cos0 = math.cos(math.radians((lat0 + lat1) / 2))
    span_x = (lon1 - lon0) * cos0
    span_y = lat1 - lat0
    pad = 40.0
    k = (width - 2 * pad) / span_x
    height = span_y * k + 2 * pad
    if height > max_height:
        k = (max_height - 2 * pad) / span_y
        height = max_height
        width_used = span_x * k + 2 * pad
        pad_x = pad + (width - width_used) / 2
    else:
        pad_x = pad
    height = max(height, 320.0)
    pad_y = (height - span_y * k) / 2
    proj = Projection(lon0, lat1, cos0, k, pad_x, pad_y)
    m = MapModel(width=width, height=round(height, 1), outline=None)
    frame = Box(0, 0, width, height)

    # outline and roads
    if county.boundary:
        rings = _rings(county.boundary)
        m.outline = "".join(_path((proj.xy(*p) for p in ring), close=True) for ring in rings)
    for line in _road_lines(county.roads):
        m.roads.append(_path((proj.xy(*p) for p in line), close=False))

    by_id = county.place_by_id
    villages = county.villages
    n_vill: dict[str, int] = defaultdict(int)
    hh: dict[str, int] = defaultdict(int)
    for v in villages:
        n_vill[v.parent] += 1
        hh[v.parent] += v.households

    # bus lines (drawn under the markers), offset side by side
    n_lines = len(county.bus_lines)
    for i, b in enumerate(county.bus_lines):
        colour = LINE_COLOURS[i % len(LINE_COLOURS)]
        pts = [proj.xy(by_id[s].lon, by_id[s].lat) for s in b.stops]
        off = (i - (n_lines - 1) / 2) * 2.2 if n_lines > 1 else 0.0
        pts = _offset_polyline(pts, off)
        stops = " → ".join(by_id[s].name for s in b.stops)
        deps = ", ".join(hhmm(d) for d in b.departures)
        title = (
            f"{b.name} ({b.id}) · {stops} · 发车/departures {deps} · "
            f"余载/spare {num(b.spare_kg_per_run)} kg/run"
        )
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)
        m.lines.append(Polyline(b.id, b.name, colour, points, title))

    # villages
    for v in villages:
        synthetic = v.coord_source is CoordSource.SYNTHETIC
        town = by_id.get(v.parent)
        title = (
            f"{_place_name(v)} · {town.name if town else v.parent} · "
            f"户数/households {num(v.households)} · "
            f"坐标/coordinates: {COORD_LABEL[v.coord_source]}"
        )
        css = "vil-syn" if synthetic else "vil-real"
        m.villages.append(_marker(v, css, "circle", 2.0 if synthetic else 3.2, title, proj))
    # real villages first in the list so they are drawn on top of synthetic ones
    m.villages.sort(key=lambda mk: mk.css == "vil-real")

    # other facilities
    off_map: list[Place] = []
    for p in county.places:
        style = FACILITY_STYLE.get(p.kind)
        if style is None:
            continue
        x, y = proj.xy(p.lon, p.lat)
        if not (0 <= x <= width and 0 <= y <= height):
            off_map.append(p)
            continue
        shape, css, zh, en = style
        title = f"{_place_name(p)} · {zh} / {en} · 坐标/coordinates: {COORD_LABEL[p.coord_source]}"
        m.facilities.append(_marker(p, css, shape, 6.0, title, proj))
    m.off_map = off_map

    # township stations and hub
    for t in county.townships:
        title = (
            f"{_place_name(t)} · 乡镇站/township station · {t.adcode} · "
            f"村/villages {n_vill[t.id]} · 户/households {num(hh[t.id])}"
        )
        m.townships.append(_marker(t, "town", "square", 6.5, title, proj))
    hub = county.hub
    m.hub.append(
        _marker(hub, "hub", "star", 12.0, f"{_place_name(hub)} · 县级物流中心 / county hub", proj)
    )

    # labels: hub, townships, facilities, then real villages (if few)
    reqs: list[_LabelRequest] = []

    def lines_of(p: Place, size: float, css: str) -> tuple[LabelLine, ...]:
        out = [LabelLine(p.name, css, size)]
        if p.name_en and p.name_en != p.name:
            out.append(LabelLine(p.name_en, css + "-en", round(size * 0.72, 1)))
        return tuple(out)

    hx, hy = proj.xy(hub.lon, hub.lat)
    reqs.append(_LabelRequest(hub.id, "lab-hub", hx, hy, 12.0, lines_of(hub, 15.0, "lab-hub")))
    for mk, t in zip(m.townships, county.townships, strict=True):
        reqs.append(
            _LabelRequest(t.id, "lab-town", mk.x, mk.y, 6.5, lines_of(t, 16.0, "lab-town"))
        )
    for mk in m.facilities:
        p = by_id[mk.id]
        reqs.append(_LabelRequest(p.id, "lab-fac", mk.x, mk.y, 6.0, lines_of(p, 11.5, "lab-fac")))
    real = [mk for mk in m.villages if mk.css == "vil-real"]
    if len(real) <= MAX_VILLAGE_LABELS:
        for mk in real:
            p = by_id[mk.id]
            reqs.append(
                _LabelRequest(
                    p.id, "lab-vil", mk.x, mk.y, 3.2, (LabelLine(p.name, "lab-vil", 11.0),)
                )
            )
    obstacles = [
        Box(mk.x - mk.r, mk.y - mk.r, mk.x + mk.r, mk.y + mk.r)
        for mk in (*m.hub, *m.townships, *m.facilities)
    ]
    dots = [Box(mk.x - 2, mk.y - 2, mk.x + 2, mk.y + 2) for mk in m.villages]
    m.labels = place_labels(reqs, obstacles, dots, frame)

    # graticule: 3..8 lines each way at a nice step in degrees
    step = _nice(max(lon1 - lon0, lat1 - lat0) / 4, (1, 2, 5))
    g = math.ceil(lon0 / step) * step
    while g <= lon1 + 1e-9:
        x, _ = proj.xy(g, lat0)
        m.grid.append((round(x, 1), 0.0, round(x, 1), round(height, 1)))
        m.grid_labels.append((round(x, 1), round(height - 6, 1), "middle", f"{g:.2f}°E"))
        g += step
    g = math.ceil(lat0 / step) * step
    while g <= lat1 + 1e-9:
        _, y = proj.xy(lon0, g)
        m.grid.append((0.0, round(y, 1), width, round(y, 1)))
        m.grid_labels.append((6.0, round(y - 4, 1), "start", f"{g:.2f}°N"))
        g += step

    # scale bar: a nice length near a fifth of the width
    km = _nice((width / 5) / proj.px_per_km)
    m.scale_km = km
    m.scale_px = round(km * proj.px_per_km, 1)
    m.scale_ticks = [
        (0.0, "0"),
        (round(m.scale_px / 2, 1), f"{km / 2:g}"),
        (m.scale_px, f"{km:g} km"),
    ]
    m.scale_x = 24.0
    m.scale_y = round(height - 34, 1)

    # legend
    m.legend = _legend(county, m)
    if not county.boundary:
        m.area_note = "数据包无县界 / the bundle has no county boundary"
    return m


def _legend(county: County, m: MapModel) -> list[LegendItem]:
    items: list[LegendItem] = []
    if m.outline:
        items.append(LegendItem("outline", "县界", "County boundary"))
    items.append(LegendItem("hub", "县级物流中心", "County hub", count=1))
    items.append(LegendItem("town", "乡镇站", "Township station", count=len(m.townships)))
    n_syn = sum(1 for v in m.villages if v.css == "vil-syn")
    n_real = len(m.villages) - n_syn
    if n_real:
        items.append(
            LegendItem(
                "vil-real",
                "村（实测或地理编码位置）",
                "Village (surveyed / geocoded)",
                count=n_real,
            )
        )
    if n_syn:
        items.append(
            LegendItem(
                "vil-syn",
                "村（合成位置）",
                "Village (synthetic position)",
                count=n_syn,
                note=(
                    "无公开坐标，按规则放置在所属乡镇范围内，仅示意分布 / no public coordinates: "
                    "placed by a seeded rule inside its township's area; shows the pattern, "
                    "not the true location"
                ),
            )
        )
    kinds: dict[PlaceKind, int] = defaultdict(int)
    for f in m.facilities:
        kinds[county.place_by_id[f.id].kind] += 1
    for kind, (_shape, css, zh, en) in FACILITY_STYLE.items():
        if kinds.get(kind):
            items.append(LegendItem(css, zh, en, count=kinds[kind]))
    if m.roads:
        items.append(LegendItem("road", "道路", "Road"))
    for ln in m.lines:
        items.append(LegendItem("line", f"班车 {ln.name}", f"Bus line {ln.id}", colour=ln.colour))
    return items
