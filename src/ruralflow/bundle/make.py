"""Build a county from the real data shipped in :mod:`ruralflow.data` (or ``--data-dir``).

:func:`make_county` builds one of the six real example counties (礼泉 Liquan 610425, 南乐
Nanle 410923, 民勤 Minqin 620621, 秭归 Zigui 420527, 汉源 Hanyuan 511823, 蒙阴 Mengyin
371328); :func:`make_coarse_county` builds a coarse county for any of the 2,978 county-level
units from its seat point and its real townships and villages (NBS 2023 names and codes) at
synthetic positions. ``docs/example-counties.md`` lists every source and
assumption; in short:

real
    township and village names and NBS 2023 codes, township seats and the county seat
    (WGS84 columns), the few geocoded village points (袁家村 among them), the county polygon,
    Xinfadi wholesale prices.
synthetic (seeded, marked)
    other village points (``coord_source=synthetic``: uniform in the township's Voronoi part of
    the county polygon near its seat, with a minimum spacing), households per village, daily
    down demand and up supply (``synthetic=True``), bus lines (``source`` starts with
    ``synthetic``), fleet counts.
assumed (stated in ``source``)
    farm-gate discount, fleet costs, climate normals, costs, economy flows.

Ids: hub ``HUB``, township stations ``T`` + 9-digit code, villages ``V`` + 12-digit code, bus
lines ``BL01``.., products by key (``apple``), batches ``B<yyyymmdd>-<village code>-<product>``.
Urban residents' committees (居委会, NBS code suffix 001-199, and 类似居委会 400-599) are left
out by default: the rural network serves village committees (村委会, suffix 200-399 and
600-799). ``include_urban=True`` keeps every village-level unit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from ruralflow.bundle import catalog, shared_data
from ruralflow.bundle.catalog import CountyInfo, CountyProduct, ProductSpec, Season
from ruralflow.bundle.datadir import find_data_dir
from ruralflow.bundle.generate import (
    DEFAULT_PARAMS,
    STREAM_BUS,
    STREAM_COARSE,
    STREAM_HOUSEHOLDS,
    STREAM_PLACEMENT,
    FlowParams,
    choose_producers,
    days_of,
    down_demand,
    households,
    rng_for,
    up_supply,
)
from ruralflow.bundle.shared_data import MakeError as MakeError
from ruralflow.domain import (
    BusLine,
    CoordSource,
    County,
    CountySettings,
    Crs,
    DownDemand,
    Economy,
    Place,
    PlaceKind,
    Product,
    SourcedValue,
    StationFunction,
    TemperatureClass,
    VehicleKind,
    VehicleType,
)
from ruralflow.freshness import default_perishability
from ruralflow.geo.distance import haversine_km, local_lonlat, local_xy_km
from ruralflow.geo.polygon import area_km2, as_shape, sample_points_in, township_parts

ProgressFn = Callable[[str, float], None]

#: The six real example counties: adcode -> English name.
EXAMPLE_COUNTIES: dict[str, str] = {
    "610425": "Liquan",
    "410923": "Nanle",
    "620621": "Minqin",
    "420527": "Zigui",
    "511823": "Hanyuan",
    "371328": "Mengyin",
}
DEFAULT_EXAMPLE = "610425"
#: Arguments of the shipped example ``ruralflow/examples/610425`` (scripts/make_examples.py).
EXAMPLE_SEED = 0
EXAMPLE_SEASON_DAYS = 14
HUB_ID = "HUB"


# --------------------------------------------------------------------------- rules
#: Synthetic villages are placed within this distance (km) of their township seat, inside the
#: township's Voronoi part of the polygon (keeps Minqin's villages out of the open desert).
PLACEMENT_RADIUS_KM = 12.0
#: Upper bound (km) of the minimum spacing between placed villages; smaller when crowded.
MIN_SPACING_KM = 0.8

#: Farm-gate price = Xinfadi (Beijing terminal market) wholesale median x this factor
#: (assumption: transport, grading, packing and traders' margins take about half; no source).
FARM_GATE_FACTOR = 0.5

#: Bus lines skip township seats closer than this (km) to the hub: the hub serves them.
BUS_SKIP_NEAR_KM = 3.0
BUS_STOPS_PER_LINE = 3
#: Villages within this distance (km) of the straight road between two stops of a line are
#: served by the line (assumption: a county road links the villages between township seats).
BUS_CORRIDOR_KM = 1.5
#: At most this many village stops between two township seats (the nearest to the road).
BUS_VILLAGE_STOPS_PER_LEG = 5
#: Round trips a day per line, drawn uniformly (assumption; the issue's 2-3).
BUS_ROUND_TRIPS = (2, 3)
BUS_DWELL_MIN = 2
BUS_SPARE_KG_PER_RUN = 150.0
BUS_SPARE_M3_PER_RUN = 1.0
#: The bus operator's fee per parcel (down) or produce piece (up), assumption 0.5 yuan (range
#: 0.2-1.0): no published fee (PARAMS.md s3 GAP). Checked against PARAMS.md s3 Shiping: the
#: bus company (+300k) and drivers (+200k yuan a year) = 500k yuan a year pay for about 2,700
#: parcels a day at 0.5 yuan, 5.5 % of its 49,700 in and out (6,800, 14 %, at 0.2 yuan).
BUS_FEE_YUAN_PER_PARCEL = 0.5
#: No per-kg fee: pilots pay the bus per parcel and by distance (PARAMS.md s3 Jungar), so a
#: per-kg rate on top of the per-parcel one would charge the same parcel twice.
BUS_FEE_YUAN_PER_KG = 0.0
_BUS_TIMES: dict[int, tuple[int, ...]] = {
    2: (7 * 60, 14 * 60 + 30),
    3: (6 * 60 + 50, 11 * 60 + 30, 16 * 60 + 10),
    4: (6 * 60 + 30, 9 * 60 + 50, 13 * 60 + 10, 16 * 60 + 30),
}

# Coarse counties (assumption): real townships and villages at synthetic positions. Township
# stations lie on a ring 4-22 km around the seat for the national average of ~13 township-level
# units per county, the ring's outer radius growing with the square root of the count (to keep
# the density) up to 60 km; villages lie within 5 km of their station for ~13 villages per
# township, the radius growing the same way up to 15 km.
COARSE_TOWNSHIPS = 12
COARSE_VILLAGES_PER_TOWNSHIP = 13
COARSE_TOWNSHIP_RADIUS_KM = (4.0, 22.0)
COARSE_TOWNSHIP_RADIUS_MAX_KM = 60.0
COARSE_VILLAGE_RADIUS_KM = 5.0
COARSE_VILLAGE_RADIUS_MAX_KM = 15.0
COARSE_DETOUR = 1.4
COARSE_SPEED_KMH = 35.0
COARSE_START = dt.date(2025, 9, 1)

_VILLAGE_FUNCS = frozenset(
    {
        StationFunction.PARCELS_IN,
        StationFunction.PARCELS_OUT,
        StationFunction.PRODUCE_INTAKE,
        StationFunction.PAYMENTS,
    }
)


def _noop(step: str, frac: float) -> None:
    return None


# --------------------------------------------------------------------------- helpers
def _is_rural(code: str) -> bool:
    """NBS village-level code suffix: 200-399 村委会, 600-799 类似村委会 (kept by default)."""
    s = int(code[-3:])
    return 200 <= s < 400 or 600 <= s < 800


def village_short_name(official: str) -> str:
    """``西坦埠村委会`` -> ``西坦埠村``; ``台庄村村民委员会`` -> ``台庄村``; others unchanged."""
    base = re.sub(r"(村民委员会|村委会)$", "", official)
    if base == official or not base:
        return official
    return base if base.endswith("村") else base + "村"


def _circle(lon0: float, lat0: float, radius_km: float, n: int = 72) -> Any:
    ang = np.linspace(0.0, 2.0 * math.pi, n, endpoint=False)
    lon, lat = local_lonlat(radius_km * np.cos(ang), radius_km * np.sin(ang), lon0, lat0)
    return shapely.Polygon(np.column_stack([lon, lat]))


def _place_points(
    region: Any,
    n: int,
    existing: Sequence[tuple[float, float]],
    rng: np.random.Generator,
    spacing_km: float,
) -> list[tuple[float, float]]:
    """``n`` seeded points in ``region`` at least ``spacing_km`` apart (and from ``existing``).

    Candidates are drawn uniformly by area (``geo.polygon.sample_points_in``) and accepted
    greedily in draw order; after 4 rounds without enough points the spacing is halved.
    """
    if n == 0:
        return []
    c = region.centroid
    lon0, lat0 = float(c.x), float(c.y)
    taken_xy: list[tuple[float, float]] = []
    for lon, lat in existing:
        x, y = local_xy_km(lon, lat, lon0, lat0)
        taken_xy.append((float(x), float(y)))
    out: list[tuple[float, float]] = []
    s = spacing_km
    rounds = 0
    while len(out) < n:
        lon_c, lat_c = sample_points_in(region, 4 * (n - len(out)) + 16, rng)
        lon_c, lat_c = np.round(lon_c, 6), np.round(lat_c, 6)
        inside = np.asarray(shapely.contains_xy(region, lon_c, lat_c), dtype=bool)
        lon_c, lat_c = lon_c[inside], lat_c[inside]  # still inside after rounding
        xs, ys = local_xy_km(lon_c, lat_c, lon0, lat0)
        for lo, la, x, y in zip(lon_c, lat_c, xs, ys, strict=True):
            if len(out) >= n:
                break
            if all((x - a) ** 2 + (y - b) ** 2 >= s * s for a, b in taken_xy):
                taken_xy.append((float(x), float(y)))
                out.append((float(lo), float(la)))
        rounds += 1
        if rounds % 4 == 0:
            s /= 2.0
    return out


def _region_near(part: Any, lon: float, lat: float, radius_km: float) -> Any:
    """``part`` within ``radius_km`` of the seat, or the whole part when that is too small."""
    if part.is_empty:
        return part
    near = shapely.intersection(part, _circle(lon, lat, radius_km))
    polys = [g for g in shapely.get_parts(near) if g.geom_type in ("Polygon", "MultiPolygon")]
    near = shapely.union_all(polys) if polys else shapely.Polygon()
    if near.is_empty or near.area < 0.05 * part.area:
        return part
    return near


def _value(spec: ProductSpec, season: Season | None, data_dir: Path) -> tuple[float, str]:
    """Farm-gate value (yuan/kg) and its source text."""
    if spec.price_group:
        months = season.months() if season else ()
        st = shared_data.price(data_dir, spec.price_group, months)
        factor = spec.farm_gate_factor if spec.farm_gate_factor is not None else FARM_GATE_FACTOR
        when = f"months {','.join(str(m) for m in st.months)}" if st.months else "all months"
        src = (
            f"value: Xinfadi daily wholesale ({shared_data.PRICE_FILE}, "
            f"group {spec.price_group}), "
            f"median {st.yuan_per_kg:.2f} yuan/kg over {st.days} market days "
            f"{st.first}..{st.last} ({when}) x farm-gate factor {factor:g} (assumption)"
        )
        return round(st.yuan_per_kg * factor, 2), src
    if spec.price_fallback_yuan_per_kg is None:
        raise MakeError(f"product {spec.key} has neither a price group nor a fallback price")
    return spec.price_fallback_yuan_per_kg, (
        f"value: assumption {spec.price_fallback_yuan_per_kg:g} yuan/kg farm-gate "
        "(no Xinfadi series for this product)"
    )


def _perishability(spec: ProductSpec) -> dict[str, Any]:
    """Product fields of perishability: the freshness defaults, else the catalogue row."""
    if spec.freshness_key:
        d = default_perishability(spec.freshness_key)
        return {k: d[k] for k in _PERISH_FIELDS} | {"source": str(d["source"])}
    vals = {k: getattr(spec, k) for k in _PERISH_FIELDS}
    missing = [k for k in ("shelf_life_ref_days", "t_ref_c", "q10", "t_min_c") if vals[k] is None]
    if missing:
        raise MakeError(f"products.csv: product {spec.key} lacks {', '.join(missing)}")
    return vals | {"source": spec.perishability_source}


_PERISH_FIELDS = ("shelf_life_ref_days", "t_ref_c", "q10", "t_min_c", "t_opt_c", "ea_kj_per_mol")


def _products(
    rows: Sequence[CountyProduct], data_dir: Path
) -> tuple[list[Product], dict[str, float]]:
    specs = catalog.products()
    out: list[Product] = []
    values: dict[str, float] = {}
    for cp in rows:
        spec = specs[cp.product]
        value, vsrc = _value(spec, cp.season, data_dir)
        values[spec.key] = value
        perish = _perishability(spec)
        psrc = perish.pop("source")
        out.append(
            Product(
                id=spec.key,
                name=spec.name,
                category=spec.category,
                value_yuan_per_kg=value,
                cold_chain=spec.cold_chain,
                name_en=spec.name_en,
                source=(
                    f"perishability: {psrc}; {vsrc}; harvest {cp.season} ({cp.role}): {cp.note}"
                ),
                **perish,
            )
        )
    return out, values


@dataclass(frozen=True, slots=True)
class _Load:
    """Expected daily loads (kg) used to size the fleet."""

    down_ambient: float
    down_cold: float
    up_ambient: float
    up_cold: float
    cold_stops: float = 0.0  # villages with at least one cold down parcel on a day


def _expected_load(
    total_households: int, rows: Sequence[CountyProduct], p: FlowParams, n_villages: int
) -> _Load:
    specs = catalog.products()
    parcels = total_households * p.down_parcels_per_household_day
    per_village_cold = parcels * p.cold_share / max(1, n_villages)
    cold_stops = n_villages * (1.0 - math.exp(-per_village_cold))
    up_amb = up_cold = 0.0
    for cp in rows:
        kg = (
            total_households
            * p.role_village_share.get(cp.role, 0.0)
            * p.role_peak_kg_per_household_day.get(cp.role, 0.0)
            * p.ship_probability
        )
        if specs[cp.product].cold_chain:
            up_cold += kg
        else:
            up_amb += kg
    return _Load(
        down_ambient=parcels * (1 - p.cold_share) * p.kg_per_parcel,
        down_cold=parcels * p.cold_share * p.cold_kg_per_parcel,
        up_ambient=up_amb,
        up_cold=up_cold,
        cold_stops=cold_stops,
    )


#: Round trips per vehicle a day the fleet is sized for (the planner allows ``max_trips`` 3;
#: 2 leaves room for the time windows and the shift).
FLEET_TRIPS_PER_DAY = 2
#: Fill rate the fleet is sized for (assumption).
FLEET_FILL = 0.8
#: Peak-day margin over the expected peak-season load: the weekday factor (1.1), the
#: lognormal day-to-day noise of a county's total and a shopping festival (assumption).
FLEET_PEAK_FACTOR = 1.3

#: Village stops one reefer serves in a 9 h shift (assumption: about 13 min per stop with the
#: drive between villages). Cold parcels are light but scattered: a reefer fleet sized by kg
#: alone cannot reach every village that has one.
REEFER_STOPS_PER_SHIFT = 40

_DIESEL = "2.68 kg CO2 per litre of diesel (IPCC 2006 default 74.1 t CO2/TJ x ~36 MJ/L)"


@dataclass(frozen=True, slots=True)
class _Reach:
    """Road geometry of the villages, for the working time of a shift (km)."""

    hub_km: float  # mean road km hub -> village
    hop_km: float  # mean road km from a village to its nearest neighbour
    villages: int


def _reach(hub: Place, villages: Sequence[Place], detour: float) -> _Reach:
    if not villages:
        return _Reach(0.0, 0.0, 0)
    lon = np.array([v.lon for v in villages], dtype=float)
    lat = np.array([v.lat for v in villages], dtype=float)
    x, y = local_xy_km(lon, lat, hub.lon, hub.lat)
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    hub_km = float(np.mean(np.hypot(x, y))) * detour
    if len(villages) < 2:
        return _Reach(hub_km, 0.0, 1)
    d = np.hypot(x[:, None] - x[None, :], y[:, None] - y[None, :])
    np.fill_diagonal(d, np.inf)
    return _Reach(hub_km, float(np.mean(d.min(axis=1))) * detour, len(villages))


#: Minutes a vehicle spends at a village stop (the planner's stop_min 5 + handling, about 2).
FLEET_STOP_MIN = 7.0
#: Share of a 9 h shift spent working at stops and driving (the rest: loading, waiting for
#: time windows; assumption).
FLEET_SHIFT_USE = 0.5
#: The same for vans: reefers take ambient stops on their way, so vans rarely serve every
#: village (assumption; measured on the six counties' busiest days).
FLEET_SHIFT_USE_VAN = 0.9


def _shift_need(
    stops: float, trips: float, reach: _Reach, speed_kmh: float, use: float = FLEET_SHIFT_USE
) -> float:
    """Vehicles by working time: stops x (stop + hop between stops at the share of villages
    served) + trips x (hub round trip + 15 min loading), over ``FLEET_SHIFT_USE`` of a 9 h
    shift (the planner's rule 5)."""
    if stops <= 0:
        return 0.0
    share = min(1.0, stops / max(1, reach.villages))
    hop = reach.hop_km / math.sqrt(max(share, 1e-6))
    minutes = stops * (FLEET_STOP_MIN + hop / speed_kmh * 60.0)
    minutes += trips * (2.0 * reach.hub_km / speed_kmh * 60.0 + 15.0)
    return minutes / (9.0 * 60.0 * use)


def _fleet(load: _Load, speed_kmh: float, reach: _Reach | None = None) -> list[VehicleType]:
    """Vans and reefers at the hub, sized for the rules the planner applies.

    The planner (docs/logistics.md) sends every batch of a cold-chain product by reefer (a
    van has no chilled room) and the cold down parcels in insulated boxes on vans or buses
    (by reefer only when a box ride would break the hold, ``box_hold_h``), everything else by
    van, reefer or bus; bus room is offered, never promised, so the vans are sized as if no
    bus ran, for all ambient kg and the boxed cold parcels. The reefers stay sized for all cold
    kg and the villages with cold parcels, the fallback when the hold is short or boxes are
    off (a count is an upper bound: an unused reefer costs nothing).
    Own count = ceil(peak load / (capacity x 2 trips x 80 % fill)) with the peak
    ``FLEET_PEAK_FACTOR`` x the expected peak-season load, at least 2 vans and 1 reefer, and
    enough reefers to reach the expected villages with cold parcels
    (``REEFER_STOPS_PER_SHIFT``). The fixed cost is a day rate: a vehicle left unused costs
    nothing (hired capacity for surges: ``ruralflow.logistics.surge``).
    """
    van_cap, reefer_cap = 1200.0, 1000.0
    cold = FLEET_PEAK_FACTOR * (load.down_cold + load.up_cold)
    # the cold parcels ride vans in insulated boxes (the planner's default)
    amb = FLEET_PEAK_FACTOR * (load.down_ambient + load.down_cold + load.up_ambient)
    per_trip = FLEET_TRIPS_PER_DAY * FLEET_FILL
    vans = max(2, math.ceil(amb / (van_cap * per_trip)))
    reefers = max(
        1,
        math.ceil(cold / (reefer_cap * per_trip)),
        math.ceil(FLEET_PEAK_FACTOR * load.cold_stops / REEFER_STOPS_PER_SHIFT),
    )
    if reach is not None:
        # working time of a shift: the chilled stops need reefers however light they are
        cold_trips = max(reefers, cold / (reefer_cap * FLEET_FILL))
        reefers = max(
            reefers,
            math.ceil(
                FLEET_PEAK_FACTOR * _shift_need(load.cold_stops, cold_trips, reach, speed_kmh)
            ),
        )
        amb_trips = max(vans, amb / (van_cap * FLEET_FILL))
        vans = max(
            vans,
            math.ceil(
                FLEET_PEAK_FACTOR
                * _shift_need(reach.villages, amb_trips, reach, speed_kmh, FLEET_SHIFT_USE_VAN)
            ),
        )
    gap = "PARAMS.md s3: per-km and per-vehicle costs are a GAP"
    sizing = (
        f"own count sized for {FLEET_PEAK_FACTOR:g} x the expected peak-season load "
        f"(ceil(kg / (capacity x {FLEET_TRIPS_PER_DAY} trips x {FLEET_FILL:g})))"
    )
    van = VehicleType(
        id="van",
        kind=VehicleKind.VAN,
        count=vans,
        capacity_kg=van_cap,
        capacity_m3=6.0,
        fixed_cost_yuan=300.0,
        cost_yuan_per_km=1.2,
        speed_kmh=speed_kmh,
        shift_hours=9.0,
        temperature_class=TemperatureClass.AMBIENT,
        co2_kg_per_km=round(0.09 * 2.68, 3),
        depot=HUB_ID,
        name="邮政/快递厢式货车 mail van",
        source=(
            f"assumption ({gap}): light box van 1.2 t / 6 m3; fixed 300 yuan/day (driver "
            "about 200 + depreciation about 100); 1.2 yuan/km fuel and upkeep; "
            f"{sizing}, all ambient kg and the cold parcels in insulated boxes (bus room "
            "not counted on); CO2: 9 "
            f"L/100 km (assumption) x {_DIESEL}"
        ),
    )
    reefer = VehicleType(
        id="reefer",
        kind=VehicleKind.REEFER,
        count=reefers,
        capacity_kg=reefer_cap,
        capacity_m3=5.0,
        fixed_cost_yuan=450.0,
        cost_yuan_per_km=round(1.2 * 1.45, 2),
        speed_kmh=speed_kmh,
        shift_hours=9.0,
        temperature_class=TemperatureClass.CHILLED,
        co2_kg_per_km=round(0.12 * 2.68, 3),
        depot=HUB_ID,
        name="冷藏车 reefer",
        source=(
            "PARAMS.md s3 suggested default (D): reefer cost per km 1.3-1.6x a van "
            "(1.45x taken); rest assumption: light reefer 1.0 t / 5 m3 (tare and cooling "
            f"unit cut payload), fixed 450 yuan/day, {sizing}, all cold-chain produce (the "
            "planner sends all of it by reefer) and, as the fallback when insulated boxes are "
            "off or their hold is short, all cold parcels and the villages with cold parcels "
            f"({REEFER_STOPS_PER_SHIFT} stops per shift); "
            f"CO2: 12 L/100 km incl. the cooling unit (assumption) x {_DIESEL}"
        ),
    )
    return [van, reefer]


def _bus_lines(
    hub: Place,
    stations: Sequence[Place],
    rng: np.random.Generator,
    speed_kmh: float,
    hub_label: str,
    villages: Sequence[Place] = (),
) -> list[BusLine]:
    """县-乡-村 lines from the hub through township seats and the villages between them.

    Township seats farther than ``BUS_SKIP_NEAR_KM`` from the hub are sorted by bearing;
    the sequence is cut at the widest angular gap and split into ceil(n / 3) consecutive
    groups; each group is a line visiting its seats in order of distance from the hub. On
    each leg of the line (hub -> first seat -> next seat ...) the villages within
    ``BUS_CORRIDOR_KM`` of the straight leg (and strictly between its ends) become stops, in
    order along the leg, at most ``BUS_VILLAGE_STOPS_PER_LEG`` per leg (the nearest to it) and
    each village on one line only: a county road through the villages between seats (synthetic
    rule). Each line makes 2 or 3 round trips a day (seeded) from fixed timetables shifted by
    up to +-15 min.
    """
    far: list[tuple[float, float, Place]] = []
    for s in stations:
        d = float(haversine_km(hub.lon, hub.lat, s.lon, s.lat))
        if d <= BUS_SKIP_NEAR_KM:
            continue
        x, y = local_xy_km(s.lon, s.lat, hub.lon, hub.lat)
        far.append((math.atan2(float(y), float(x)) % (2 * math.pi), d, s))
    if not far:
        return []
    far.sort(key=lambda t: (t[0], t[2].id))
    angles = [a for a, _, _ in far]
    gaps = [(angles[(i + 1) % len(angles)] - angles[i]) % (2 * math.pi) for i in range(len(far))]
    if len(far) > 1:
        cut = int(np.argmax(gaps)) + 1
        far = far[cut:] + far[:cut]
    n_lines = max(1, math.ceil(len(far) / BUS_STOPS_PER_LINE))
    groups = np.array_split(np.arange(len(far)), n_lines)
    vx, vy = local_xy_km(
        np.array([v.lon for v in villages], dtype=float),
        np.array([v.lat for v in villages], dtype=float),
        hub.lon,
        hub.lat,
    )
    taken: set[str] = set()
    lines: list[BusLine] = []
    for k, idx in enumerate(groups, start=1):
        members = sorted((far[int(i)] for i in idx), key=lambda t: (t[1], t[2].id))
        path = [hub, *(m[2] for m in members)]
        stops: list[str] = [hub.id]
        for a, b in itertools.pairwise(path):
            on_leg = _corridor(a, b, hub, villages, vx, vy, taken)
            stops += on_leg
            taken.update(on_leg)
            stops.append(b.id)
        runs = int(rng.integers(BUS_ROUND_TRIPS[0], BUS_ROUND_TRIPS[1] + 1))
        shift = int(rng.integers(-3, 4)) * 5
        deps = tuple(t + shift for t in _BUS_TIMES[runs])
        names = "—".join(m[2].name for m in members)
        n_vil = len(stops) - len(path)
        lines.append(
            BusLine(
                id=f"BL{k:02d}",
                name=f"{hub_label}—{names}",
                stops=tuple(stops),
                departures=deps,
                spare_kg_per_run=BUS_SPARE_KG_PER_RUN,
                fee_yuan_per_kg=BUS_FEE_YUAN_PER_KG,
                fee_yuan_per_parcel=BUS_FEE_YUAN_PER_PARCEL,
                spare_m3_per_run=BUS_SPARE_M3_PER_RUN,
                speed_kmh=speed_kmh,
                dwell_min=BUS_DWELL_MIN,
                return_trip=True,
                source=(
                    "synthetic 县-乡-村 line: from the county seat through township seats "
                    f"grouped by bearing and the {n_vil} village(s) within "
                    f"{BUS_CORRIDOR_KM:g} km of the road between them (no public bus-line "
                    f"data, shared/data/README.md); {runs} round trips a day (assumption, "
                    "2-3); spare hold 1.0 m3 (PARAMS.md s3 GAP, suggested 0.5-1.5 m3) and "
                    "150 kg per run (assumption, inside the 12-440 parcels/bus/day bound of "
                    "PARAMS.md s3); fee 0.5 yuan per parcel or produce piece, none per kg "
                    "(assumption, range 0.2-1.0 yuan/parcel: PARAMS.md s3 has no fee; Jungar "
                    "pays per parcel and by distance; Shiping's 500k yuan a year to the bus "
                    "company and drivers is about 2,700 parcels a day at 0.5 yuan)"
                ),
            )
        )
    return lines


def _corridor(
    a: Place,
    b: Place,
    hub: Place,
    villages: Sequence[Place],
    vx: Any,
    vy: Any,
    taken: set[str],
) -> list[str]:
    """Ids of the villages near the straight leg ``a`` -> ``b``, in order along it."""
    if not villages:
        return []
    ax, ay = (float(t) for t in local_xy_km(a.lon, a.lat, hub.lon, hub.lat))
    bx, by = (float(t) for t in local_xy_km(b.lon, b.lat, hub.lon, hub.lat))
    dx, dy = bx - ax, by - ay
    length2 = dx * dx + dy * dy
    if length2 <= 1e-9:
        return []
    t = ((vx - ax) * dx + (vy - ay) * dy) / length2
    px, py = ax + t * dx, ay + t * dy
    off = np.hypot(vx - px, vy - py)
    margin = BUS_CORRIDOR_KM / math.sqrt(length2)
    near = [
        (float(off[i]), float(t[i]), v.id)
        for i, v in enumerate(villages)
        if v.id not in taken and margin < t[i] < 1.0 - margin and off[i] <= BUS_CORRIDOR_KM
    ]
    near.sort()
    chosen = near[:BUS_VILLAGE_STOPS_PER_LEG]
    return [vid for _, _, vid in sorted(chosen, key=lambda c: (c[1], c[2]))]


#: County hub sorting (issue 12 item 6). PARAMS.md s3 Shiping: a 104-chute line sorts 8,000
#: parcels/h (B); city trucks reach the county hub about 6 am (Yucheng, China Daily 2023).
HUB_SORTING_PARCELS_PER_HOUR = 8000.0
#: The busiest day's parcels must be sorted by this minute (village stations open 07:30);
#: a county whose peak needs more gets a faster line (assumption).
HUB_SORTED_BY_MIN = 7 * 60 + 30
HUB_CUTOFF_MIN = 10 * 60
TRUNK_DEPARTURE_MIN = 20 * 60


def _peak_parcels(demand: Sequence[DownDemand]) -> int:
    by_day: dict[dt.date, int] = {}
    for d in demand:
        by_day[d.day] = by_day.get(d.day, 0) + d.parcels
    return max(by_day.values(), default=0)


def _hub_costs(peak_parcels: int) -> dict[str, SourcedValue]:
    """Hub sorting, cut-off and city-trunk keys (issue 12 items 6-7), sourced or assumption."""
    hours = (HUB_SORTED_BY_MIN - 6 * 60) / 60.0  # the generated hub opens at 06:00
    need = math.ceil(peak_parcels / hours / 500.0) * 500.0 if peak_parcels else 0.0
    if need <= HUB_SORTING_PARCELS_PER_HOUR:
        rate = HUB_SORTING_PARCELS_PER_HOUR
        rate_src = (
            "PARAMS.md s3 Shiping (B): a 104-chute county sorting centre handles 8,000 "
            f"parcels/h; this county's busiest day ({peak_parcels:,} parcels) is sorted in "
            f"{peak_parcels / rate:.1f} h"
        )
    else:
        rate = need
        rate_src = (
            f"assumption: sized so that the busiest day ({peak_parcels:,} parcels) is sorted "
            f"by 07:30 (range 3,000-{rate:,.0f} parcels/h; PARAMS.md s3 Shiping's line: 8,000)"
        )
    return {
        "hub_sorting_parcels_per_hour": SourcedValue(rate, "parcels/h", rate_src),
        "hub_sorting_lead_min": SourcedValue(
            0.0,
            "min",
            "PARAMS.md s3 Yucheng (China Daily 2023): the city trucks arrive at the county "
            "centre about 6 am; sorting starts when the hub opens (06:00)",
        ),
        "hub_cutoff_min": SourcedValue(
            float(HUB_CUTOFF_MIN),
            "min",
            "assumption: parcels not sorted by 10:00 miss the day's vehicles (range "
            "09:00-12:00, a later second truck from the city)",
        ),
        "trunk_departure_min": SourcedValue(
            float(TRUNK_DEPARTURE_MIN),
            "min",
            "assumption: the evening trunk to the city front warehouse leaves at 20:00 "
            "(range 18:00-22:00), after the village stations close at 18:30",
        ),
        "front_warehouse_km": SourcedValue(
            0.0,
            "km",
            "assumption: 0 = the trunk leg is not modelled (the generator knows no city "
            "front warehouse; set its road km, typically 50-400, to model it)",
        ),
        "trunk_yuan_per_t_km": SourcedValue(
            0.45,
            "yuan/t-km",
            "assumption: China road freight about 0.3-0.6 yuan per tonne-km (full truckload)",
        ),
        "trunk_reefer_factor": SourcedValue(
            1.45,
            "ratio",
            "PARAMS.md s3 suggested default: reefer cost per km 1.3-1.6x a van",
        ),
    }


def _costs(peak_parcels: int = 0) -> dict[str, SourcedValue]:
    """Cost parameters; keys follow ``ruralflow.logistics.params`` where the planner reads them."""
    return {
        **_hub_costs(peak_parcels),
        "penalty_yuan_per_kg": SourcedValue(
            5.0,
            "yuan/kg",
            "assumption: a day's delay, re-handling and goodwill; above the farm-gate value "
            "of most fresh products here, so carrying beats leaving produce behind",
        ),
        "penalty_yuan_per_parcel": SourcedValue(
            5.0,
            "yuan/parcel",
            "assumption: order of a late-delivery compensation, above the village last-mile cost",
        ),
        "last_mile_yuan_per_parcel": SourcedValue(
            2.0,
            "yuan/parcel",
            "PARAMS.md s3 GAP, suggested default (D): village last mile 1.5-3 yuan per parcel",
        ),
        "labour_yuan_per_hour": SourcedValue(
            30.0,
            "yuan/h",
            "assumption: rural driver or station worker, about 6,000 yuan a month",
        ),
    }


def _economy(
    *,
    total_households: int,
    rows: Sequence[CountyProduct],
    values: Mapping[str, float],
    p: FlowParams,
    up_tourism: SourcedValue,
    io_table: str,
    year: int,
) -> Economy:
    """Direct annual flows derived from the generator's assumptions (D), plus propensities."""
    parcel_value = 60.0
    services_share = 0.10
    parcels_year = total_households * p.down_parcels_per_household_day * 365.0
    down_goods = parcels_year * parcel_value
    up_total = 0.0
    for cp in rows:
        w = cp.season.window(dt.date(year, *cp.season.start))
        length = (w[1] - w[0]).days + 1 if w else 0
        kg = (
            total_households
            * p.role_village_share.get(cp.role, 0.0)
            * p.role_peak_kg_per_household_day.get(cp.role, 0.0)
            * p.ship_probability
            * p.mean_season_shape
            * length
        )
        up_total += kg * values[cp.product]
    gen = "the bundle generator's assumptions (ruralflow.bundle.generate.FlowParams)"
    return Economy(
        flows={
            "down_goods": SourcedValue(
                round(down_goods, -3),
                "yuan/year",
                f"D: {parcels_year:,.0f} parcels/year from {gen} x {parcel_value:g} yuan per "
                "parcel (assumption); no public county online-retail figure; range "
                f"{parcels_year * 40:.0f} .. {parcels_year * 100:.0f} yuan/year (parcel value "
                "40 .. 100 yuan)",
            ),
            "down_services": SourcedValue(
                round(down_goods * services_share, -3),
                "yuan/year",
                f"assumption, range {down_goods * 0.05:.0f} .. {down_goods * 0.2:.0f} yuan/year "
                f"(0.05 .. 0.2 x down_goods): {services_share:g} x down_goods (payments, bills, "
                "bookings at village stations)",
            ),
            "up_products": SourcedValue(
                round(up_total, -3),
                "yuan/year",
                f"D: harvest-season up kg from {gen} x farm-gate value per kg (Xinfadi x "
                "farm-gate factor); only produce moved through the county network; range "
                f"{up_total * 0.5:.0f} .. {up_total * 1.5:.0f} yuan/year (x 0.5 .. 1.5: the "
                "generator's volumes are assumptions)",
            ),
            "up_tourism": up_tourism,
        },
        parameters={
            # the farm income share spent online is estimated by ruralflow.matrix from these
            # two national figures and the IO table (income per yuan, goods share)
            "rural_propensity_to_consume": SourcedValue(
                round(19280 / 23119, 4),
                "yuan/yuan",
                "NBS, 2024年居民收入和消费支出情况 (2025-01-17): rural per-capita consumption "
                "19,280 yuan / disposable income 23,119 yuan (D)",
            ),
            "online_share_of_goods_retail": SourcedValue(
                0.276,
                "share",
                "NBS via CNNIC 53rd Statistical Report on Internet Development (2024-03): online "
                "retail of physical goods was 27.6 % of total retail sales of consumer goods in "
                "2023",
            ),
            "services_per_down_goods": SourcedValue(
                services_share, "share", "assumption, range 0.05 .. 0.2 (see down_services)"
            ),
            "supply_response_elasticity": SourcedValue(
                0.3,
                "elasticity",
                "assumption, range 0.1 .. 0.6: up supply response to a lower logistics cost",
            ),
            "brand_spillover_to_tourism": SourcedValue(
                0.02,
                "yuan/yuan",
                "assumption, range 0 .. 0.05: tourism induced per yuan of branded up flow",
            ),
            "parcel_value_yuan": SourcedValue(
                parcel_value,
                "yuan/parcel",
                "assumption, range 40 .. 100: value of a rural parcel, below the national mean "
                "of 98.6 yuan (NBS 2023 online retail of physical goods 13.0174 trillion yuan / "
                "State Post Bureau 2023 express parcels 132.07 billion)",
            ),
        },
        io_table=io_table,
        year=year,
    )


def _settings(
    *,
    adcode: str,
    name: str,
    name_en: str,
    province: str,
    city: str,
    temps: Sequence[float],
    temp_source: str,
    detour: SourcedValue,
    sources: Mapping[str, str],
    synthetic: Sequence[str],
    start: dt.date,
    season_days: int,
    coarse: bool,
    peak_parcels: int = 0,
) -> CountySettings:
    return CountySettings(
        adcode=adcode,
        name=name,
        hub=HUB_ID,
        monthly_mean_temp_c=tuple(temps),
        detour_factor=detour,
        name_en=name_en,
        province=province,
        city=city,
        crs=Crs.WGS84,
        costs=_costs(peak_parcels),
        sources={**sources, "climate": temp_source},
        synthetic=tuple(synthetic),
        season_start=start,
        season_end=start + dt.timedelta(days=season_days - 1),
        coarse=coarse,
    )


def _check_args(seed: int, season_days: int) -> None:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise MakeError(f"seed must be a whole number >= 0 (got {seed!r})")
    if isinstance(season_days, bool) or not isinstance(season_days, int) or season_days < 1:
        raise MakeError(f"season_days must be a whole number >= 1 (got {season_days!r})")


def _flows(
    villages: Sequence[Place],
    rows: Sequence[CountyProduct],
    *,
    start: dt.date,
    season_days: int,
    seed: int,
    adcode: str,
    p: FlowParams,
    progress: ProgressFn,
) -> tuple[list[Any], list[Any]]:
    specs = catalog.products()
    days = days_of(start, season_days)
    progress("down demand", 0.7)
    demand = down_demand(
        [v.id for v in villages],
        [v.households for v in villages],
        days,
        seed=seed,
        adcode=adcode,
        p=p,
    )
    progress("up supply", 0.8)
    producers = choose_producers(
        [(v.id, v.adcode, v.households) for v in villages],
        rows,
        {k: s.kg_per_m3 for k, s in specs.items()},
        seed=seed,
        adcode=adcode,
        p=p,
    )
    supply = up_supply(producers, days, seed=seed, adcode=adcode, p=p)
    return demand, supply


# --------------------------------------------------------------------------- real counties
def make_county(
    adcode: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    season_days: int = 30,
    start: dt.date | None = None,
    include_urban: bool = False,
    params: FlowParams | None = None,
    progress: ProgressFn | None = None,
) -> County:
    """A validated county built from the real data for one of the six example counties.

    ``seed`` drives every synthetic part (village points, households, flows, bus timetables);
    the same arguments give the same county. ``start`` defaults to a day in the main harvest
    window of the county's lead product; flows cover ``season_days`` days from it.
    ``progress(step, fraction)`` is called as the build goes on.
    """
    _check_args(seed, season_days)
    adcode = str(adcode).strip()
    info: CountyInfo | None = catalog.counties().get(adcode)
    if info is None:
        known = ", ".join(f"{c} {n}" for c, n in EXAMPLE_COUNTIES.items())
        raise MakeError(
            f"{adcode} 不是六个示例县之一 / county {adcode} is not one of the six example "
            f"counties ({known}); build a coarse bundle (make-bundle --coarse) for the others"
        )
    p = params or DEFAULT_PARAMS
    prog = progress or _noop
    dd = find_data_dir(data_dir)
    start = start or info.default_start

    prog("reading the data", 0.0)
    crow = shared_data.counties(dd).get(adcode)
    if crow is None:
        raise MakeError(f"county {adcode} is not in admin_divisions/counties_china.csv")
    seat_lon, seat_lat, seat_src = shared_data.county_seats(dd)[adcode]
    twp_rows = shared_data.townships(dd, adcode)
    all_villages = shared_data.villages(dd, adcode)
    kept = [v for v in all_villages if include_urban or _is_rural(v.code)]
    points = shared_data.village_points(dd)
    boundary, boundary_file = shared_data.boundary(dd, adcode)

    hub = Place(
        id=HUB_ID,
        kind=PlaceKind.COUNTY_HUB,
        name=f"{crow.name}物流中心",
        lon=seat_lon,
        lat=seat_lat,
        adcode=adcode,
        open_min=6 * 60,
        close_min=21 * 60,
        functions=frozenset(
            {
                StationFunction.PARCELS_IN,
                StationFunction.PARCELS_OUT,
                StationFunction.PRODUCE_INTAKE,
                StationFunction.BUS_STOP,
            }
        ),
        coord_source=CoordSource.GEOCODED,
        name_en=f"{info.name_en} county hub",
    )
    stations: dict[str, Place] = {}
    for t in twp_rows:
        stations[t.code] = Place(
            id=f"T{t.code}",
            kind=PlaceKind.TOWNSHIP_STATION,
            name=t.name,
            lon=t.lon,
            lat=t.lat,
            adcode=t.code,
            parent=HUB_ID,
            open_min=7 * 60 + 30,
            close_min=18 * 60 + 30,
            functions=_VILLAGE_FUNCS,
            coord_source=CoordSource.GEOCODED,
        )

    prog("placing villages", 0.2)
    hh_all = households(len(kept), rng_for(seed, adcode, STREAM_HOUSEHOLDS), p)
    parts = township_parts(boundary, {s.id: (s.lon, s.lat) for s in stations.values()})
    by_twp: dict[str, list[int]] = {}
    for i, v in enumerate(kept):
        if v.township_code not in stations:
            raise MakeError(f"village {v.code} {v.name}: township {v.township_code} has no seat")
        by_twp.setdefault(v.township_code, []).append(i)
    coords: dict[int, tuple[float, float, CoordSource]] = {}
    for tcode, idxs in by_twp.items():
        st = stations[tcode]
        existing: list[tuple[float, float]] = [(st.lon, st.lat)]
        todo: list[int] = []
        for i in idxs:
            pt = points.get(kept[i].code)
            if pt is not None:
                coords[i] = (pt.lon, pt.lat, CoordSource.GEOCODED)
                existing.append((pt.lon, pt.lat))
            else:
                todo.append(i)
        if not todo:
            continue
        region = _region_near(parts[st.id], st.lon, st.lat, PLACEMENT_RADIUS_KM)
        area = area_km2(region) if not region.is_empty else 0.0
        spacing = min(MIN_SPACING_KM, 0.5 * math.sqrt(area / (len(idxs) + 1)))
        rng = rng_for(seed, adcode, STREAM_PLACEMENT, int(tcode))
        for i, (lon, lat) in zip(
            todo, _place_points(region, len(todo), existing, rng, spacing), strict=True
        ):
            coords[i] = (lon, lat, CoordSource.SYNTHETIC)

    village_places: list[Place] = []
    for i, v in enumerate(kept):
        lon, lat, src = coords[i]
        village_places.append(
            Place(
                id=f"V{v.code}",
                kind=PlaceKind.VILLAGE,
                name=village_short_name(v.name),
                lon=lon,
                lat=lat,
                adcode=v.code,
                parent=f"T{v.township_code}",
                households=hh_all[i],
                functions=_VILLAGE_FUNCS,
                coord_source=src,
            )
        )

    prog("products and prices", 0.4)
    rows = catalog.county_products()[adcode]
    products, values = _products(rows, dd)

    prog("bus lines and fleet", 0.5)
    hub_label = _seat_label(crow.name)
    lines = _bus_lines(
        hub,
        list(stations.values()),
        rng_for(seed, adcode, STREAM_BUS),
        info.speed_kmh * 0.85,
        hub_label,
        village_places,
    )
    on_line = {s for b in lines for s in b.stops}
    station_places = [s if s.id not in on_line else _with_bus_stop(s) for s in stations.values()]
    village_places = [v if v.id not in on_line else _with_bus_stop(v) for v in village_places]
    total_hh = sum(v.households for v in village_places)
    fleet = _fleet(
        _expected_load(total_hh, rows, p, len(village_places)),
        info.speed_kmh,
        _reach(hub, village_places, info.detour_factor),
    )

    demand, supply = _flows(
        village_places,
        rows,
        start=start,
        season_days=season_days,
        seed=seed,
        adcode=adcode,
        p=p,
        progress=prog,
    )

    prog("economy and settings", 0.9)
    n_syn = sum(1 for v in village_places if v.coord_source is CoordSource.SYNTHETIC)
    n_skip = len(all_villages) - len(kept)
    lead = catalog.lead_product(adcode)
    econ = _economy(
        total_households=total_hh,
        rows=rows,
        values=values,
        p=p,
        up_tourism=SourcedValue(
            info.up_tourism_yuan,
            "yuan/year",
            # a note that cites its figure ("D: ...") is the source; any other is an assumption
            info.up_tourism_note
            if info.up_tourism_note.startswith("D:")
            else f"assumption: {info.up_tourism_note}",
        ),
        io_table=info.io_table,
        year=start.year,
    )
    detour = SourcedValue(
        info.detour_factor,
        "ratio",
        "shared/data/roads/README.md: road/straight-line detour about 1.2-1.4 in plains, "
        f"1.5-2.0 in mountains; {info.terrain}",
    )
    sources = {
        "townships": (
            "NBS 2023 codes and names (shared/data/admin_divisions/candidate_townships.csv); "
            "seats: coordinates/candidate_townships_coords.csv WGS84 columns (Baidu BD-09 / "
            "Amap GCJ-02 converted)"
        ),
        "villages": (
            "NBS 2023 codes and names (admin_divisions/candidate_villages.csv); "
            + (
                "all village-level units kept"
                if include_urban
                else f"{n_skip} urban residents' committees (居委会, code suffix 001-199 / "
                "400-599) left out"
            )
        ),
        "village_coords": (
            f"{len(kept) - n_syn} geocoded (coordinates/candidate_villages_coords_sparse.csv, "
            f"Amap 2016 -> WGS84); {n_syn} synthetic: seeded uniform points in the township's "
            f"Voronoi part of the county polygon within {PLACEMENT_RADIUS_KM:g} km of its seat, "
            f"at least min({MIN_SPACING_KM:g} km, half the mean spacing) apart"
        ),
        "hub": f"county seat, coordinates/candidate_county_seats.csv ({seat_src})",
        "boundary": f"coordinates/county_boundaries/{boundary_file} (Amap 2016 -> WGS84)",
        "products": (
            f"ruralflow/bundle/data/products.csv and county_products.csv; lead product "
            f"{lead.product} (harvest {lead.season}); perishability from "
            "shared/research/PARAMS.md s1; values from Xinfadi x farm-gate factor"
        ),
        "households": (
            f"assumption: lognormal, median {p.households_median:g}, sigma "
            f"{p.households_sigma:g} (FlowParams)"
        ),
        "flows": (
            "synthetic: ruralflow.bundle.generate (FlowParams) calibrated to PARAMS.md s3 "
            f"(Beizhen ~2.7, Jungar ~43, Leiyang <=50 parcels per village a day); seed {seed}"
        ),
        "fleet": "assumption: see vehicle_types source (PARAMS.md s3 costs are a GAP)",
        "bus_lines": "synthetic: see bus_lines source",
    }
    synthetic = [
        f"village coordinates: {n_syn} of {len(kept)} villages (coord_source=synthetic)",
        "households per village (lognormal assumption)",
        "demand_down (seeded generator)",
        "supply_up (seeded generator)",
        "bus_lines (plausible lines, no public timetable)",
        "fleet counts (sized from expected load)",
        "economy flows (derived from generator assumptions)",
    ]
    settings = _settings(
        peak_parcels=_peak_parcels(demand),
        adcode=adcode,
        name=crow.name,
        name_en=info.name_en,
        province=crow.province,
        city=crow.city,
        temps=info.monthly_mean_temp_c,
        temp_source=info.temp_source,
        detour=detour,
        sources=sources,
        synthetic=synthetic,
        start=start,
        season_days=season_days,
        coarse=False,
    )
    county = County(
        settings=settings,
        places=(hub, *station_places, *village_places),
        products=tuple(products),
        vehicle_types=tuple(fleet),
        bus_lines=tuple(lines),
        demand_down=tuple(demand),
        supply_up=tuple(supply),
        economy=econ,
        boundary=boundary,
    )
    prog("done", 1.0)
    return county


def _seat_label(name: str) -> str:
    """``礼泉县`` -> ``礼泉县城``; other units -> ``<name>驻地`` (the seat)."""
    return name + "城" if name.endswith("县") else name + "驻地"


def _with_bus_stop(s: Place) -> Place:
    return dataclasses.replace(s, functions=s.functions | {StationFunction.BUS_STOP})


# --------------------------------------------------------------------------- coarse counties
def _coarse_ring_km(n_townships: int) -> tuple[float, float]:
    lo, hi = COARSE_TOWNSHIP_RADIUS_KM
    scale = math.sqrt(max(1.0, n_townships / COARSE_TOWNSHIPS))
    return lo, round(min(COARSE_TOWNSHIP_RADIUS_MAX_KM, hi * scale), 1)


def _coarse_village_radius_km(n_villages: int) -> float:
    scale = math.sqrt(max(1.0, n_villages / COARSE_VILLAGES_PER_TOWNSHIP))
    return min(COARSE_VILLAGE_RADIUS_MAX_KM, COARSE_VILLAGE_RADIUS_KM * scale)


def _coarse_temps(lat: float) -> tuple[float, ...]:
    """Crude latitude-only climate (assumption, no altitude): annual mean and half-range."""
    mean = 25.0 - 0.75 * max(0.0, lat - 22.0)
    amp = 5.0 + 0.55 * max(0.0, lat - 20.0)
    return tuple(round(mean - amp * math.cos(2 * math.pi * m / 12.0), 1) for m in range(12))


def _is_street(t: shared_data.DivisionRow) -> bool:
    """A 街道 (urban sub-district): NBS township suffix 001-099, or the name says so."""
    return t.name.endswith("街道") or 1 <= int(t.code[-3:]) < 100


def urban_district_warning(
    adcode: str, name: str, townships: Sequence[shared_data.DivisionRow]
) -> str | None:
    """The warning for an urban district (name ends in 区, most townships 街道), else None."""
    n_street = sum(1 for t in townships if _is_street(t))
    if not name.endswith("区") or not townships or 2 * n_street <= len(townships):
        return None
    return (
        f"注意：{adcode} {name} 是市辖区（{n_street}/{len(townships)} 个乡级单位是街道），"
        "不是农村县，规划结果参考价值有限 / warning: "
        f"{adcode} {name} is an urban district ({n_street} of {len(townships)} township-level "
        "units are 街道), not a rural county; the bundle is built, but read its plans with care"
    )


def _warn_stderr(message: str) -> None:
    print(message, file=sys.stderr)


def make_coarse_county(
    adcode: str,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    seed: int = 0,
    season_days: int = 30,
    start: dt.date | None = None,
    include_urban: bool = False,
    params: FlowParams | None = None,
    progress: ProgressFn | None = None,
    warn: Callable[[str], None] | None = None,
) -> County:
    """A coarse county for any county-level unit: real divisions, synthetic positions.

    The hub is the county seat from ``coordinates/county_points_china.csv``. Townships and
    villages are the county's real NBS 2023 units (codes and names, from
    ``admin_divisions/townships_china.csv`` and ``villages_china.csv.xz``); urban residents'
    committees (居委会) are left out as in the full bundles unless ``include_urban`` (or the
    county has no village committee at all). Their positions are synthetic and seeded: the
    township stations on a ring around the seat (the first at the seat, as a 城关 township
    usually is), each township's villages within a few km of its station. No polygon
    (``boundary=None``); ``settings.coarse`` is True and every place is
    ``coord_source=synthetic`` except the hub.

    An urban district (name ends in 区 and most of its townships are 街道) is built too, and
    ``warn`` (default: print to stderr) gets a one-line bilingual warning; the same warning is
    kept in ``settings.sources["warning"]``.
    """
    _check_args(seed, season_days)
    adcode = str(adcode).strip()
    if not (adcode.isdigit() and len(adcode) == 6):
        raise MakeError(f"县级代码应为 6 位数字 / county code must have 6 digits (got {adcode!r})")
    p = params or DEFAULT_PARAMS
    prog = progress or _noop
    say = warn or _warn_stderr
    dd = find_data_dir(data_dir)
    start = start or COARSE_START
    prog("reading the divisions", 0.0)
    crow = shared_data.counties(dd).get(adcode)
    if crow is None:
        raise MakeError(
            f"未知县级代码 / county {adcode} is not in admin_divisions/counties_china.csv"
        )
    if crow.seat_lon is None or crow.seat_lat is None:
        raise MakeError(
            f"{adcode} {crow.name} 没有县城坐标 / has no seat point in "
            "coordinates/county_points_china.csv"
        )
    twp_rows = shared_data.townships_china(dd, adcode)
    if not twp_rows:
        raise MakeError(
            f"{adcode} {crow.name} 没有乡级单位 / has no township in "
            "admin_divisions/townships_china.csv"
        )
    all_villages = shared_data.villages_china(dd, adcode)
    kept = [v for v in all_villages if include_urban or _is_rural(v.code)]
    urban_kept = include_urban or not kept
    if not kept:
        kept = list(all_villages)
    warning = urban_district_warning(adcode, crow.name, twp_rows)
    if warning is not None and not include_urban and urban_kept and kept:
        warning += (
            "; 没有村委会，已保留居委会 / it has no village committee, so its residents' "
            "committees are kept"
        )
    if warning is not None:
        say(warning)
    lon0, lat0 = crow.seat_lon, crow.seat_lat
    rng = rng_for(seed, adcode, STREAM_COARSE)
    hub = Place(
        id=HUB_ID,
        kind=PlaceKind.COUNTY_HUB,
        name=f"{crow.name}物流中心",
        lon=lon0,
        lat=lat0,
        adcode=adcode,
        open_min=6 * 60,
        close_min=21 * 60,
        functions=frozenset({StationFunction.PARCELS_IN, StationFunction.PARCELS_OUT}),
        coord_source=CoordSource.GEOCODED,
    )
    prog("placing townships and villages", 0.2)
    n_twp = len(twp_rows)
    r_lo, r_hi = _coarse_ring_km(n_twp)
    angles = (np.arange(n_twp) / n_twp) * 2 * math.pi + rng.uniform(0, 2 * math.pi)
    radii = np.sqrt(rng.uniform(r_lo**2, r_hi**2, n_twp))
    radii[0] = rng.uniform(0.0, 1.0)
    tx, ty = radii * np.cos(angles), radii * np.sin(angles)
    tlon, tlat = local_lonlat(tx, ty, lon0, lat0)
    by_twp: dict[str, list[shared_data.VillageRow]] = {}
    for v in kept:
        by_twp.setdefault(v.township_code, []).append(v)
    unknown = sorted(set(by_twp) - {t.code for t in twp_rows})
    if unknown:
        raise MakeError(
            f"村级单位的乡镇代码不存在 / village {by_twp[unknown[0]][0].code}: township "
            f"{unknown[0]} is not in admin_divisions/townships_china.csv"
        )
    hh = households(len(kept), rng_for(seed, adcode, STREAM_HOUSEHOLDS), p)
    hh_of = {v.code: hh[i] for i, v in enumerate(kept)}
    stations: list[Place] = []
    villages: list[Place] = []
    for k, t in enumerate(twp_rows):
        st = Place(
            id=f"T{t.code}",
            kind=PlaceKind.TOWNSHIP_STATION,
            name=t.name,
            lon=round(float(tlon[k]), 6),
            lat=round(float(tlat[k]), 6),
            adcode=t.code,
            parent=HUB_ID,
            open_min=7 * 60 + 30,
            close_min=18 * 60 + 30,
            functions=_VILLAGE_FUNCS,
            coord_source=CoordSource.SYNTHETIC,
        )
        stations.append(st)
        mine = by_twp.get(t.code, [])
        disc = _circle(st.lon, st.lat, _coarse_village_radius_km(len(mine)))
        pts = _place_points(
            disc,
            len(mine),
            [(st.lon, st.lat)],
            rng_for(seed, adcode, STREAM_PLACEMENT, int(t.code)),
            MIN_SPACING_KM,
        )
        for v, (lon, lat) in zip(mine, pts, strict=True):
            villages.append(
                Place(
                    id=f"V{v.code}",
                    kind=PlaceKind.VILLAGE,
                    name=village_short_name(v.name),
                    lon=lon,
                    lat=lat,
                    adcode=v.code,
                    parent=st.id,
                    households=hh_of[v.code],
                    functions=_VILLAGE_FUNCS,
                    coord_source=CoordSource.SYNTHETIC,
                )
            )
    n_skip = len(all_villages) - len(kept)
    prog("products, fleet, bus lines", 0.4)
    rows = catalog.county_products()[catalog.COARSE]
    products, values = _products(rows, dd)
    speed = COARSE_SPEED_KMH
    lines = _bus_lines(
        hub,
        stations,
        rng_for(seed, adcode, STREAM_BUS),
        speed * 0.85,
        _seat_label(crow.name),
        villages,
    )
    on_line = {s for b in lines for s in b.stops}
    stations = [s if s.id not in on_line else _with_bus_stop(s) for s in stations]
    villages = [v if v.id not in on_line else _with_bus_stop(v) for v in villages]
    total_hh = sum(hh)
    fleet = _fleet(
        _expected_load(total_hh, rows, p, len(villages)),
        speed,
        _reach(hub, villages, COARSE_DETOUR),
    )
    demand, supply = _flows(
        villages,
        rows,
        start=start,
        season_days=season_days,
        seed=seed,
        adcode=adcode,
        p=p,
        progress=prog,
    )
    prog("economy and settings", 0.9)
    prov = adcode[:2]
    io = {
        "15": "prov2017_15_山东",
        "16": "prov2017_16_河南",
        "17": "prov2017_17_湖北",
        "23": "prov2017_23_四川",
        "27": "prov2017_27_陕西",
        "28": "prov2017_28_甘肃",
    }
    # NBS province codes of those tables: 37 Shandong, 41 Henan, 42 Hubei, 51 Sichuan,
    # 61 Shaanxi, 62 Gansu.
    by_prov = {"37": "15", "41": "16", "42": "17", "51": "23", "61": "27", "62": "28"}
    io_table = (
        f"io/china_provincial_2017_42/{io[by_prov[prov]]}.csv"
        if prov in by_prov
        else "io/china_national_42/china_io_2020_42_noncompetitive.csv"
    )
    econ = _economy(
        total_households=total_hh,
        rows=rows,
        values=values,
        p=p,
        up_tourism=SourcedValue(0.0, "yuan/year", "assumption: unknown for a coarse county"),
        io_table=io_table,
        year=start.year,
    )
    temp_source = (
        "assumption: crude latitude-only model (annual mean 25 - 0.75 x (lat - 22) degC, "
        "half-range 5 + 0.55 x (lat - 20) degC; no altitude), not a climate normal"
    )
    settings = _settings(
        peak_parcels=_peak_parcels(demand),
        adcode=adcode,
        name=crow.name,
        name_en="",
        province=crow.province,
        city=crow.city,
        temps=_coarse_temps(lat0),
        temp_source=temp_source,
        detour=SourcedValue(
            COARSE_DETOUR,
            "ratio",
            "assumption: between the plains (1.2-1.4) and mountain (1.5-2.0) ranges of "
            "shared/data/roads/README.md; terrain unknown",
        ),
        sources={
            "hub": f"county seat, coordinates/county_points_china.csv ({crow.seat_source})",
            "townships": (
                f"NBS 2023 codes and names of all {n_twp} township-level units "
                "(admin_divisions/townships_china.csv); positions synthetic: seeded points "
                f"{r_lo:g}-{r_hi:g} km around the seat, the first at the seat (assumption)"
            ),
            "villages": (
                "NBS 2023 codes and names (admin_divisions/villages_china.csv.xz); "
                + (
                    "all village-level units kept"
                    if urban_kept
                    else f"{n_skip} urban residents' committees (居委会, code suffix 001-199 / "
                    "400-599) left out"
                )
                + "; positions synthetic: seeded points around their township's station "
                f"({COARSE_VILLAGE_RADIUS_KM:g} km, wider for many villages; assumption)"
            ),
            "boundary": "none: no polygon in shared/data for this county",
            "products": "generic fruit and vegetables (products.csv); values from Xinfadi",
            "households": "assumption: lognormal (FlowParams)",
            "flows": f"synthetic: ruralflow.bundle.generate (FlowParams); seed {seed}",
            "fleet": "assumption: see vehicle_types source",
            "bus_lines": "synthetic: see bus_lines source",
            **({"warning": warning} if warning is not None else {}),
        },
        synthetic=[
            "township and village coordinates (seeded; names and codes are real NBS 2023)",
            "households per village (lognormal assumption)",
            "demand_down (seeded generator)",
            "supply_up (seeded generator)",
            "bus_lines (plausible lines, no public timetable)",
            "fleet counts (sized from expected load)",
            "products (generic)",
            "economy flows (derived from generator assumptions)",
            "climate (latitude model)",
        ],
        start=start,
        season_days=season_days,
        coarse=True,
    )
    county = County(
        settings=settings,
        places=(hub, *stations, *villages),
        products=tuple(products),
        vehicle_types=tuple(fleet),
        bus_lines=tuple(lines),
        demand_down=tuple(demand),
        supply_up=tuple(supply),
        economy=econ,
        boundary=None,
    )
    prog("done", 1.0)
    return county


def county_polygon(county: County) -> Any:
    """The county boundary as a shapely geometry (None when the county has none)."""
    return None if county.boundary is None else as_shape(county.boundary)
