"""The county overview: map, network tables, the day's flows, and the provenance section."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ruralflow.domain import County, Place, PlaceKind
from ruralflow.domain.places import CoordSource
from ruralflow.report.figures import (
    KIND_LABEL,
    KM_PER_DEG,
    SERIES_COLOURS,
    county_map,
    figure_html,
    map_block,
    stacked_bars,
)
from ruralflow.report.fmt import hhmm
from ruralflow.report.model import Origin, ProvenanceItem, ReportOptions, Section
from ruralflow.report.templating import render_fragment

OVERVIEW_IDS = ("map", "network", "flows")

CATEGORY_ZH = {
    "fruit": "水果",
    "vegetable": "蔬菜",
    "grain": "粮食",
    "nut": "坚果",
    "tea": "茶叶",
    "meat": "肉类",
    "egg": "蛋类",
    "aquatic": "水产",
    "flower": "花卉",
    "processed": "加工品",
    "other": "其他",
}
VEHICLE_ZH = {"van": "厢式货车", "reefer": "冷藏车", "tricycle": "三轮车", "truck": "货车"}
TEMP_ZH = {"ambient": "常温", "chilled": "冷藏", "frozen": "冷冻"}
TOPIC_ZH = {
    "places": "地点",
    "townships": "乡镇",
    "villages": "村",
    "hub": "县级物流中心",
    "boundary": "县界",
    "products": "产品",
    "prices": "价格",
    "perishability": "易腐参数",
    "fleet": "车队",
    "vehicles": "车队",
    "bus_lines": "班车线路",
    "demand_down": "下行需求",
    "supply_up": "上行供给",
    "economy": "经济",
    "climate": "气候",
    "temperature": "气温",
    "costs": "成本",
    "households": "户数",
    "coordinates": "坐标",
    "roads": "道路",
    "village_coords": "村庄坐标",
    "flows": "流量",
    "bus": "班车",
}
COORD_NOTE = {
    CoordSource.SURVEYED: "实测 / surveyed",
    CoordSource.GEOCODED: "地理编码（公开 POI）/ geocoded (public POI)",
    CoordSource.SYNTHETIC: (
        "按有记录的随机种子规则放置在所属乡镇范围内 / placed by a documented seeded rule "
        "inside its township's area"
    ),
}


@dataclass(frozen=True, slots=True)
class TownRow:
    """A township in the network table."""

    place: Place
    villages: int
    synthetic: int
    households: int
    km: float
    lines: list[str]


@dataclass(slots=True)
class UpRow:
    """A township in the day's up table: kg per product (in ``products`` order)."""

    place: Place
    cells: list[float] = field(default_factory=list)
    batches: int = 0

    @property
    def total(self) -> float:
        return sum(self.cells)


def default_day(county: County) -> dt.date | None:
    """The report's default day: the busiest day (down kg + up kg), earliest on ties."""
    if not county.days:
        return None
    load: dict[dt.date, float] = defaultdict(float)
    for d in county.demand_down:
        load[d.day] += d.kg
    for s in county.supply_up:
        load[s.day] += s.kg
    return max(county.days, key=lambda day: (load[day], -day.toordinal()))


def straight_km(a: Place, b: Place) -> float:
    """Great-circle km between two places (haversine, R = 6371.0088 km)."""
    p1, p2 = math.radians(a.lat), math.radians(b.lat)
    dp, dl = p2 - p1, math.radians(b.lon - a.lon)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * KM_PER_DEG * 180 / math.pi * math.asin(math.sqrt(min(1.0, h)))


# --------------------------------------------------------------------------- key figures
def key_figures(county: County, day: dt.date | None) -> list[dict[str, str]]:
    """Headline numbers for the report header."""
    s = county.summary()
    figs = [
        {"zh": "乡镇站", "en": "Township stations", "value": f"{len(county.townships)}"},
        {"zh": "村", "en": "Villages", "value": f"{len(county.villages):,}"},
        {"zh": "户数", "en": "Households", "value": f"{s['households']:,}"},
        {"zh": "班车线路", "en": "Bus lines", "value": f"{len(county.bus_lines)}"},
        {"zh": "车辆", "en": "Vehicles", "value": f"{s['vehicles']}"},
        {"zh": "产品", "en": "Products", "value": f"{len(county.products)}"},
    ]
    if day is not None:
        down = sum(d.kg for d in county.demand_on(day))
        up = sum(u.kg for u in county.supply_on(day))
        figs.append({"zh": "当日下行", "en": f"Down on {day}", "value": f"{down:,.0f} kg"})
        figs.append({"zh": "当日上行", "en": f"Up on {day}", "value": f"{up:,.0f} kg"})
    return figs


# --------------------------------------------------------------------------- sections
def map_section(county: County) -> Section:
    html = map_block(county, county_map(county), "map-county")
    prov: list[ProvenanceItem] = []
    src = county.settings.sources.get("boundary")
    if county.boundary is not None:
        prov.append(
            ProvenanceItem("县界", "County boundary", src or "assumption", "GeoJSON, WGS84")
        )
    return Section("map", "地图", "Map", html, tuple(prov))


def network_section(county: County) -> Section:
    by_id = county.place_by_id
    hub = county.hub
    lines_at: dict[str, list[str]] = defaultdict(list)
    for b in county.bus_lines:
        for s in b.stops:
            lines_at[s].append(b.id)
    towns: list[TownRow] = []
    for t in county.townships:
        vs = county.villages_of(t.id)
        towns.append(
            TownRow(
                place=t,
                villages=len(vs),
                synthetic=sum(1 for v in vs if v.coord_source is CoordSource.SYNTHETIC),
                households=sum(v.households for v in vs),
                km=straight_km(hub, t),
                lines=lines_at.get(t.id, []),
            )
        )
    town_total = {
        "villages": sum(r.villages for r in towns),
        "synthetic": sum(r.synthetic for r in towns),
        "households": sum(r.households for r in towns),
    }
    buses = []
    for b in county.bus_lines:
        km = sum(straight_km(by_id[a], by_id[c]) for a, c in itertools.pairwise(b.stops))
        buses.append(
            {
                "line": b,
                "stops": " → ".join(by_id[s].name for s in b.stops),
                "departures": ", ".join(hhmm(d) for d in b.departures),
                "runs": len(b.departures),
                "spare_day": b.spare_kg_per_run * len(b.departures),
                "km": km,
                "origin": Origin.of(b.source).value,
            }
        )
    fleet = [
        {
            "v": v,
            "kind_zh": VEHICLE_ZH.get(v.kind.value, v.kind.value),
            "temp_zh": TEMP_ZH.get(v.temperature_class.value, v.temperature_class.value),
            "depot": by_id[v.depot].name if v.depot in by_id else hub.name,
            "origin": Origin.of(v.source).value,
        }
        for v in county.vehicle_types
    ]
    products = [
        {
            "p": p,
            "cat_zh": CATEGORY_ZH.get(p.category.value, p.category.value),
            "origin": Origin.of(p.source).value,
        }
        for p in county.products
    ]
    facilities = [
        {
            "p": p,
            "kind": KIND_LABEL.get(p.kind, (p.kind.value, p.kind.value)),
            "parent": by_id[p.parent].name if p.parent in by_id else "",
        }
        for p in county.places
        if p.kind not in (PlaceKind.VILLAGE, PlaceKind.TOWNSHIP_STATION)
    ]
    html = render_fragment(
        "network.html.j2",
        county=county,
        towns=towns,
        town_total=town_total,
        buses=buses,
        fleet=fleet,
        products=products,
        facilities=facilities,
    )
    return Section("network", "网络", "Network", html)


def flows_section(county: County, day: dt.date | None) -> Section:
    if day is None:
        html = render_fragment("flows.html.j2", day=None, county=county)
        return Section("flows", "当日流量", "Flows of the day", html)
    town_of = {v.id: v.parent for v in county.villages}
    towns = county.townships
    down: dict[str, dict[str, float]] = {
        t.id: {"parcels": 0, "kg": 0.0, "m3": 0.0, "cold": 0, "villages": 0} for t in towns
    }
    seen: dict[str, set[str]] = defaultdict(set)
    for d in county.demand_on(day):
        t = town_of[d.village]
        row = down[t]
        row["parcels"] += d.parcels
        row["kg"] += d.kg
        row["m3"] += d.m3
        if d.cold:
            row["cold"] += d.parcels
        seen[t].add(d.village)
    for t_id, vs in seen.items():
        down[t_id]["villages"] = len(vs)
    down_total = {k: sum(r[k] for r in down.values()) for k in ("parcels", "kg", "m3", "cold")}
    down_total["villages"] = sum(len(v) for v in seen.values())

    supply = county.supply_on(day)
    prod_ids = [p.id for p in county.products if any(s.product == p.id for s in supply)]
    up: dict[str, dict[str, float]] = {t.id: defaultdict(float) for t in towns}
    batches: Counter[str] = Counter()
    for s in supply:
        up[town_of[s.village]][s.product] += s.kg
        batches[town_of[s.village]] += 1
    up_rows = [UpRow(t, [up[t.id].get(p, 0.0) for p in prod_ids], batches[t.id]) for t in towns]
    up_total_cells = [sum(r.cells[i] for r in up_rows) for i in range(len(prod_ids))]

    chart = _season_chart(county, day)
    html = render_fragment(
        "flows.html.j2",
        county=county,
        day=day,
        towns=towns,
        down=down,
        down_total=down_total,
        products=[county.product_by_id[p] for p in prod_ids],
        up_rows=up_rows,
        up_total_cells=up_total_cells,
        up_total=sum(up_total_cells),
        up_batches=len(supply),
        chart=chart,
        season=_season_totals(county),
    )
    return Section("flows", "当日流量", f"Flows of the day ({day.isoformat()})", html)


def _season_totals(county: County) -> dict[str, Any]:
    return {
        "days": len(county.days),
        "first": county.days[0] if county.days else None,
        "last": county.days[-1] if county.days else None,
        "parcels": sum(d.parcels for d in county.demand_down),
        "down_kg": sum(d.kg for d in county.demand_down),
        "up_kg": sum(s.kg for s in county.supply_up),
        "batches": len(county.supply_up),
    }


def _season_chart(county: County, day: dt.date) -> str:
    days = list(county.days)
    idx = {d: i for i, d in enumerate(days)}
    down = [0.0] * len(days)
    for d in county.demand_down:
        down[idx[d.day]] += d.kg
    up: dict[str, list[float]] = {p.id: [0.0] * len(days) for p in county.products}
    for s in county.supply_up:
        up[s.product][idx[s.day]] += s.kg
    up_series = [
        (f"{p.name} {p.name_en}".strip(), SERIES_COLOURS[i % len(SERIES_COLOURS)], up[p.id])
        for i, p in enumerate(county.products)
        if any(up[p.id])
    ]
    panels: list[tuple[str, str, Sequence[tuple[str, str, Sequence[float]]]]] = []
    if up_series:
        panels.append(("上行 / Up (kg per day, by product)", "kg", up_series))
    panels.append(("下行 / Down (kg per day)", "kg", [("下行 down", "#2a6fb0", down)]))
    spec = stacked_bars(
        [d.isoformat() for d in days],
        panels,
        highlight=idx.get(day),
        highlight_label=day.isoformat(),
    )
    return figure_html(spec, "chart-season", label="全季每日总量 / Season totals per day")


# --------------------------------------------------------------------------- provenance
def county_provenance(county: County) -> list[tuple[str, list[ProvenanceItem]]]:
    """The county's inputs, grouped under bilingual headings, each with its source."""
    s = county.settings
    groups: list[tuple[str, list[ProvenanceItem]]] = []

    srcs = [
        ProvenanceItem(TOPIC_ZH.get(k, ""), k.replace("_", " "), v) for k, v in s.sources.items()
    ]
    if srcs:
        groups.append(("数据来源 / Sources named in county.yaml", srcs))

    coords: list[ProvenanceItem] = []
    by_kind: dict[PlaceKind, Counter[CoordSource]] = defaultdict(Counter)
    for p in county.places:
        by_kind[p.kind][p.coord_source] += 1
    for kind in PlaceKind:
        if kind not in by_kind:
            continue
        total = sum(by_kind[kind].values())
        zh, en = KIND_LABEL.get(kind, (kind.value, kind.value))
        for cs in CoordSource:
            n = by_kind[kind][cs]
            if not n:
                continue
            origin = Origin.SYNTHETIC if cs is CoordSource.SYNTHETIC else Origin.REAL
            coords.append(
                ProvenanceItem(
                    f"{zh}坐标",
                    f"{en} coordinates",
                    COORD_NOTE[cs],
                    f"{n} / {total} {cs.value}",
                    origin,
                )
            )
    groups.append(("地点坐标 / Coordinates of places", coords))

    syn: list[ProvenanceItem] = [
        ProvenanceItem(
            "合成数据", "Synthetic input", "county.yaml: synthetic", item, Origin.SYNTHETIC
        )
        for item in s.synthetic
    ]
    n_dd = sum(1 for d in county.demand_down if d.synthetic)
    if county.demand_down:
        syn.append(
            ProvenanceItem(
                "下行需求",
                "Down demand rows",
                "demand_down.csv: synthetic column",
                f"{n_dd} / {len(county.demand_down)} rows synthetic",
                Origin.SYNTHETIC if n_dd else Origin.REAL,
            )
        )
    n_su = sum(1 for u in county.supply_up if u.synthetic)
    if county.supply_up:
        syn.append(
            ProvenanceItem(
                "上行供给",
                "Up supply batches",
                "supply_up.csv: synthetic column",
                f"{n_su} / {len(county.supply_up)} batches synthetic",
                Origin.SYNTHETIC if n_su else Origin.REAL,
            )
        )
    if syn:
        groups.append(("合成数据 / Synthetic inputs", syn))

    params = [
        ProvenanceItem(
            "绕行系数",
            "Detour factor",
            s.detour_factor.source,
            f"{s.detour_factor.value:g} {s.detour_factor.unit}",
        )
    ]
    for k, v in s.costs.items():
        note = f" ({v.note})" if v.note else ""
        params.append(
            ProvenanceItem(
                "成本参数", k.replace("_", " "), v.source, f"{v.value:g} {v.unit}{note}"
            )
        )
    groups.append(("参数 / Parameters", params))

    items = [
        ProvenanceItem(p.name, p.name_en or p.id, p.source, f"{p.value_yuan_per_kg:g} yuan/kg")
        for p in county.products
    ]
    if items:
        groups.append(("产品 / Products (value, perishability)", items))
    fleet = [
        ProvenanceItem(
            v.name or VEHICLE_ZH.get(v.kind.value, v.kind.value),
            f"vehicle type {v.id}",
            v.source,
            f"{v.count} x {v.capacity_kg:g} kg",
        )
        for v in county.vehicle_types
    ] + [
        ProvenanceItem(b.name, f"bus line {b.id}", b.source, f"{len(b.departures)} runs/day")
        for b in county.bus_lines
    ]
    if fleet:
        groups.append(("车队与班车 / Fleet and bus lines", fleet))
    eco = [
        ProvenanceItem("流量价值", k.replace("_", " "), v.source, f"{v.value:,.0f} {v.unit}")
        for k, v in county.economy.flows.items()
    ] + [
        ProvenanceItem("参数", k.replace("_", " "), v.source, f"{v.value:g} {v.unit}")
        for k, v in county.economy.parameters.items()
    ]
    if eco:
        groups.append(("经济 / Economy (value matrix inputs)", eco))
    return groups


def provenance_section(county: County, sections: Sequence[Section]) -> Section:
    groups = county_provenance(county)
    for sec in sections:
        if sec.provenance:
            groups.append((sec.title, list(sec.provenance)))
    counts = Counter(item.kind.value for _, items in groups for item in items)
    n_vil = len(county.villages)
    n_syn = sum(1 for v in county.villages if v.coord_source is CoordSource.SYNTHETIC)
    html = render_fragment(
        "provenance.html.j2",
        county=county,
        groups=groups,
        counts=counts,
        n_vil=n_vil,
        n_syn=n_syn,
    )
    return Section("provenance", "数据来源", "Data provenance", html)


def overview_sections(
    county: County, day: dt.date | None = None, options: ReportOptions | None = None
) -> list[Section]:
    """The county overview: map, network tables and the flows of ``day`` (default: busiest)."""
    if day is None:
        day = default_day(county)
    return [map_section(county), network_section(county), flows_section(county, day)]
