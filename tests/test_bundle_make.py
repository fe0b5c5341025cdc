"""Example counties built from the packaged real data (issue 2 part 4): real and seeded parts."""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from pathlib import Path

import pytest
from shapely.geometry import Point, shape
from typer.testing import CliRunner

from helpers import DATA
from ruralflow.bundle import read_bundle, validate_bundle, write_bundle
from ruralflow.bundle.catalog import Season, county_products, lead_product
from ruralflow.bundle.datadir import DataDirError
from ruralflow.bundle.generate import flow_stats
from ruralflow.bundle.make import (
    EXAMPLE_COUNTIES,
    EXAMPLE_SEASON_DAYS,
    EXAMPLE_SEED,
    MakeError,
    make_coarse_county,
    make_county,
    village_short_name,
)
from ruralflow.cli import app
from ruralflow.domain import CoordSource, County, PlaceKind

EXAMPLE_DIR = Path(__file__).resolve().parents[1] / "src" / "ruralflow" / "examples" / "610425"

# adcode -> (townships, village committees kept, all village-level units in the NBS file)
COUNTS = {
    "610425": (12, 213, 225),
    "410923": (12, 321, 329),
    "620621": (18, 248, 291),
    "420527": (12, 167, 179),
    "511823": (21, 108, 123),
    "371328": (10, 354, 375),
}
DAYS = 14


@cache
def built(adcode: str, seed: int = 0, days: int = DAYS) -> County:
    return make_county(adcode, data_dir=DATA, seed=seed, season_days=days)


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_six_counties_build_with_real_townships_and_villages(adcode: str) -> None:
    c = built(adcode)
    n_twp, n_vil, _ = COUNTS[adcode]
    assert c.settings.name_en == EXAMPLE_COUNTIES[adcode]
    assert len(c.townships) == n_twp
    assert len(c.villages) == n_vil
    assert c.hub.id == "HUB" and c.hub.adcode == adcode
    assert all(t.id == f"T{t.adcode}" and t.parent == "HUB" for t in c.townships)
    for v in c.villages:
        assert v.id == f"V{v.adcode}"
        assert v.parent == f"T{v.adcode[:9]}"
        assert 200 <= int(v.adcode[-3:]) < 400  # village committees only (居委会 left out)
        assert v.households > 0
    assert c.settings.crs.value == "wgs84"
    assert len(c.settings.monthly_mean_temp_c) == 12
    assert not c.settings.coarse
    assert c.boundary is not None and c.boundary["type"] == "Polygon"
    assert c.find_problems() == []


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_every_place_inside_the_county_polygon(adcode: str) -> None:
    c = built(adcode)
    assert c.boundary is not None
    poly = shape(c.boundary)
    outside = [p.id for p in c.places if not poly.contains(Point(p.lon, p.lat))]
    assert outside == []


def test_include_urban_keeps_every_village_level_unit() -> None:
    c = make_county("420527", data_dir=DATA, season_days=1, include_urban=True)
    assert len(c.villages) == COUNTS["420527"][2]
    assert len(c.townships) == COUNTS["420527"][0]


def test_yuanjia_village_at_its_real_coordinate() -> None:
    c = built("610425")
    v = c.place_by_id["V610425105223"]
    assert v.name == "袁家村"
    assert v.coord_source is CoordSource.GEOCODED
    assert v.lon == pytest.approx(108.5326, abs=1e-4)
    assert v.lat == pytest.approx(34.5928, abs=1e-4)
    assert c.township_of(v.id).name == "烟霞镇"


def test_geocoded_and_synthetic_counts() -> None:
    geocoded = {
        a: sum(v.coord_source is CoordSource.GEOCODED for v in built(a).villages) for a in COUNTS
    }
    # Sparse file: Zigui 14, Nanle 10 (3 of them 居委会), Mengyin 4, Liquan 2, Hanyuan 1 (居委会).
    assert geocoded == {
        "610425": 2,
        "410923": 7,
        "620621": 0,
        "420527": 14,
        "511823": 0,
        "371328": 4,
    }


def test_village_short_names() -> None:
    assert village_short_name("西坦埠村委会") == "西坦埠村"
    assert village_short_name("台庄村村民委员会") == "台庄村"
    assert village_short_name("袁家村") == "袁家村"
    assert village_short_name("康村委会") == "康村"


def test_synthetic_villages_near_their_township_seat() -> None:
    for adcode in ("620621", "420527"):
        c = built(adcode)
        for v in c.villages:
            if v.coord_source is CoordSource.SYNTHETIC:
                t = c.township_of(v.id)
                dlat = (v.lat - t.lat) * 111.2
                dlon = (v.lon - t.lon) * 111.2 * math.cos(math.radians(t.lat))
                assert math.hypot(dlat, dlon) <= 12.0 + 0.1


def test_same_seed_same_county_other_seed_other_points() -> None:
    a = make_county("610425", data_dir=DATA, seed=7, season_days=3)
    b = make_county("610425", data_dir=DATA, seed=7, season_days=3)
    c = make_county("610425", data_dir=DATA, seed=8, season_days=3)
    assert a == b
    pa = {p.id: p for p in a.villages}
    pc = {p.id: p for p in c.villages}
    assert pa.keys() == pc.keys()
    syn = [i for i, p in pa.items() if p.coord_source is CoordSource.SYNTHETIC]
    moved = sum((pa[i].lon, pa[i].lat) != (pc[i].lon, pc[i].lat) for i in syn)
    assert moved == len(syn)
    real = [i for i, p in pa.items() if p.coord_source is CoordSource.GEOCODED]
    assert all((pa[i].lon, pa[i].lat) == (pc[i].lon, pc[i].lat) for i in real)
    assert a.demand_down != c.demand_down


def test_shorter_season_is_a_prefix_of_a_longer_one() -> None:
    short = built("420527", 0, 5)
    long = built("420527", 0, DAYS)
    days = set(short.days)
    assert short.places == long.places
    assert short.demand_down == tuple(d for d in long.demand_down if d.day in days)
    assert short.supply_up == tuple(s for s in long.supply_up if s.day in days)


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_flows_cover_the_season_within_the_calibrated_range(adcode: str) -> None:
    c = built(adcode)
    start = c.settings.season_start
    assert start is not None and c.settings.season_end == start + dt.timedelta(days=DAYS - 1)
    assert lead_product(adcode).season.contains(start)
    want = [start + dt.timedelta(days=i) for i in range(DAYS)]
    assert sorted({d.day for d in c.demand_down}) == want
    assert sorted({s.day for s in c.supply_up}) == want  # the lead product is in season
    assert all(d.synthetic for d in c.demand_down) and all(s.synthetic for s in c.supply_up)
    st = flow_stats(c.demand_down, c.supply_up, len(c.villages), DAYS)
    # PARAMS.md s3: Beizhen ~2.7, Jungar ~43, Leiyang up to ~50 parcels per village a day.
    assert 2.7 <= st["down_parcels_per_village_day"] <= 50
    assert 0.02 <= st["cold_share"] <= 0.10
    # Shiping: out/in ~0.27 over a year; more in the harvest season, still below the down flow.
    assert 0.1 <= st["up_to_down_parcels"] <= 1.5
    windows = {cp.product: cp.season for cp in county_products()[adcode]}
    assert all(windows[s.product].contains(s.day) for s in c.supply_up)
    assert all(s.harvest_min <= s.ready_min for s in c.supply_up)


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_products_fleet_buses_economy(adcode: str) -> None:
    c = built(adcode)
    ids = {p.id for p in c.products}
    assert lead_product(adcode).product in ids
    for p in c.products:
        assert "PARAMS.md" in p.source or "perishability: assumption" in p.source.lower()
        assert ("Xinfadi" in p.source) or ("no Xinfadi series" in p.source)
        assert 0.1 < p.value_yuan_per_kg < 200
    kinds = {v.kind.value for v in c.vehicle_types}
    assert {"van", "reefer"} <= kinds
    assert all(v.co2_kg_per_km > 0 and v.source for v in c.vehicle_types)
    assert c.bus_lines
    seen: set[str] = set()
    for b in c.bus_lines:
        assert b.stops[0] == "HUB"
        assert 2 <= len(b.departures) <= 3  # round trips a day
        assert b.return_trip and b.source.startswith("synthetic")
        kinds_on = [c.place_by_id[s].kind for s in b.stops[1:]]
        assert set(kinds_on) <= {PlaceKind.TOWNSHIP_STATION, PlaceKind.VILLAGE}
        assert kinds_on[-1] is PlaceKind.TOWNSHIP_STATION  # the line ends at a township seat
        assert not seen & set(b.stops[1:])
        seen |= set(b.stops[1:])
        # PARAMS.md s3: spare hold 0.5-1.5 m3; the fee stays below the 1.5-3 yuan last mile
        assert 0.5 <= b.spare_m3_per_run <= 1.5 and b.spare_kg_per_run > 0
        assert 0 < b.fee_yuan_per_parcel < 1.5
    # 县-乡-村: the lines pass through villages between the township seats
    on_line = [s for b in c.bus_lines for s in b.stops if s.startswith("V")]
    assert len(on_line) >= 2 * len(c.bus_lines)
    assert all("bus_stop" in {f.value for f in c.place_by_id[v].functions} for v in on_line)
    assert set(c.economy.flows) == {"down_goods", "down_services", "up_products", "up_tourism"}
    assert all(v.value >= 0 and v.source for v in c.economy.flows.values())
    detour = c.settings.detour_factor.value
    if adcode in ("610425", "410923", "620621"):  # plains
        assert detour == 1.3
    else:  # hills and mountains
        assert 1.6 <= detour <= 1.8
    assert c.settings.synthetic and "climate" in c.settings.sources


def _between(c: County, line_stops: tuple[str, ...]) -> bool:
    """Every village stop lies closer to the road between its neighbouring stops than 2 km."""
    from ruralflow.geo.distance import haversine_km

    for a, v, b in zip(line_stops, line_stops[1:], line_stops[2:], strict=False):
        if not v.startswith("V"):
            continue
        pa, pv, pb = (c.place_by_id[x] for x in (a, v, b))
        via = haversine_km(pa.lon, pa.lat, pv.lon, pv.lat) + haversine_km(
            pv.lon, pv.lat, pb.lon, pb.lat
        )
        if via > haversine_km(pa.lon, pa.lat, pb.lon, pb.lat) + 4.0:
            return False
    return True


@pytest.mark.parametrize("adcode", ["610425", "371328"])
def test_bus_lines_visit_villages_in_order_along_the_road(adcode: str) -> None:
    c = built(adcode)
    assert all(_between(c, b.stops) for b in c.bus_lines)


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_fleet_is_sized_for_the_planner_rules(adcode: str) -> None:
    """Planner rules (docs/logistics.md): all cold kg by reefer, no bus room counted on."""
    c = built(adcode)
    by_id = {v.id: v for v in c.vehicle_types}
    van, reefer = by_id["van"], by_id["reefer"]
    cold_products = {p.id for p in c.products if p.cold_chain}
    for day in c.days:
        cold = sum(d.kg for d in c.demand_on(day) if d.cold) + sum(
            s.kg for s in c.supply_on(day) if s.product in cold_products
        )
        amb = sum(d.kg for d in c.demand_on(day) if not d.cold) + sum(
            s.kg for s in c.supply_on(day) if s.product not in cold_products
        )
        # every day's kg fits in two loaded trips at 80 % (the planner allows three)
        assert cold <= reefer.count * reefer.capacity_kg * 2 * 0.8, day
        assert amb <= van.count * van.capacity_kg * 2 * 0.8, day
        chilled_stops = {d.village for d in c.demand_on(day) if d.cold} | {
            s.village for s in c.supply_on(day) if s.product in cold_products
        }
        assert len(chilled_stops) <= reefer.count * 40, day


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_hub_keys_and_bus_fees_are_written_with_sources(adcode: str) -> None:
    """Issue 12: the hub sorting, cut-off and trunk keys apply by default; buses charge per
    parcel (no per-kg fee on top)."""
    c = built(adcode)
    costs = c.settings.costs
    rate = costs["hub_sorting_parcels_per_hour"]
    assert rate.value >= 8000.0 and rate.source
    assert ("Shiping" in rate.source) == (rate.value == 8000.0)
    peak = max(sum(d.parcels for d in c.demand_on(day)) for day in c.days)
    # the busiest day is sorted by 07:30 (from the hub's opening), long before the cut-off
    assert c.hub.open_min + peak / rate.value * 60.0 <= 7 * 60 + 30 + 1e-6
    assert costs["hub_cutoff_min"].value == 600.0
    assert costs["trunk_departure_min"].value == 1200.0 > c.hub.open_min
    for key in ("hub_sorting_lead_min", "front_warehouse_km", "trunk_yuan_per_t_km"):
        assert costs[key].source, key
    assert all(b.fee_yuan_per_kg == 0.0 and b.fee_yuan_per_parcel > 0 for b in c.bus_lines)


def test_product_choices_fit_the_counties() -> None:
    assert {"apple", "kiwifruit", "peach"} <= {p.id for p in built("610425").products}
    assert "navel_orange" in {p.id for p in built("420527").products}
    assert "melon" in {p.id for p in built("620621").products}
    hanyuan = {p.id: p for p in built("511823").products}
    assert {"sichuan_pepper", "cherry", "pear"} <= hanyuan.keys()
    assert hanyuan["sichuan_pepper"].shelf_life_ref_days >= 180  # dried, not fresh
    assert "peach" in {p.id for p in built("371328").products}
    assert "mushroom" in {p.id for p in built("410923").products}


def test_season_window_wraps_new_year() -> None:
    s = Season.parse("11-01", "01-31")
    assert s.contains(dt.date(2025, 12, 31)) and s.contains(dt.date(2026, 1, 15))
    assert not s.contains(dt.date(2026, 2, 1))
    assert s.fraction(dt.date(2025, 11, 1)) == 0.0
    assert s.fraction(dt.date(2026, 1, 31)) == 1.0
    assert s.months() == (1, 11, 12)


@pytest.mark.parametrize("adcode", sorted(COUNTS))
def test_each_county_writes_a_valid_bundle_that_reads_back_equal(
    adcode: str, tmp_path: Path
) -> None:
    c = built(adcode, 0, 3)
    path = write_bundle(c, tmp_path / adcode)
    assert validate_bundle(path) == []
    assert read_bundle(path) == c


def test_shipped_example_equals_a_fresh_build() -> None:
    assert validate_bundle(EXAMPLE_DIR) == []
    shipped = read_bundle(EXAMPLE_DIR)
    fresh = make_county(
        "610425", data_dir=DATA, seed=EXAMPLE_SEED, season_days=EXAMPLE_SEASON_DAYS
    )
    assert shipped == fresh, "regenerate with: .venv/bin/python scripts/make_examples.py"
    size = sum(f.stat().st_size for f in EXAMPLE_DIR.iterdir())
    assert size < 3_000_000


def test_coarse_county_outside_the_six() -> None:
    c = make_coarse_county("522323", data_dir=DATA, season_days=5)  # 普安县, Guizhou
    assert c.settings.coarse and c.boundary is None
    assert c.name == "普安县" and c.settings.province == "贵州省"
    assert all(p.coord_source is CoordSource.SYNTHETIC for p in c.places if p.id != "HUB")
    assert all(t.adcode.startswith("522323") and len(t.adcode) == 9 for t in c.townships)
    assert all(v.adcode.startswith(v.parent[1:]) for v in c.villages)
    assert c.hub.lon == pytest.approx(104.95, abs=0.5) and c.hub.lat == pytest.approx(
        25.78, abs=0.5
    )
    assert len(c.days) == 5 and c.demand_down and c.supply_up
    assert make_coarse_county("522323", data_dir=DATA, season_days=5) == c
    assert c.find_problems() == []


def test_unknown_counties_are_refused_in_one_line() -> None:
    with pytest.raises(MakeError, match="--coarse") as e:
        make_county("522323", data_dir=DATA)
    assert "make_coarse_county" not in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(MakeError, match="not in admin_divisions"):
        make_coarse_county("999999", data_dir=DATA)


def test_a_bad_data_dir_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataDirError, match="data folder not usable") as e:
        make_county("610425", data_dir=tmp_path)
    assert str(tmp_path) in str(e.value) and "\n" not in str(e.value)


def test_cli_make_bundle(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "minqin"
    r = runner.invoke(
        app,
        [
            "make-bundle",
            "--county",
            "620621",
            "--out",
            str(out),
            "--days",
            "2",
            "--data-dir",
            str(DATA),
        ],
    )
    assert r.exit_code == 0, r.output
    assert runner.invoke(app, ["validate", str(out)]).exit_code == 0
    c = read_bundle(out)
    assert len(c.days) == 2 and len(c.townships) == 18
    again = runner.invoke(
        app, ["make-bundle", "--county", "620621", "--out", str(out), "--data-dir", str(DATA)]
    )
    assert again.exit_code == 1 and "exists" in again.output
    bad = runner.invoke(
        app,
        [
            "make-bundle",
            "--county",
            "522323",
            "--out",
            str(tmp_path / "x"),
            "--data-dir",
            str(DATA),
        ],
    )
    assert bad.exit_code == 1 and "--coarse" in bad.output
    coarse = runner.invoke(
        app,
        [
            "make-bundle",
            "--county",
            "522323",
            "--coarse",
            "--days",
            "2",
            "--out",
            str(tmp_path / "pa"),
            "--data-dir",
            str(DATA),
        ],
    )
    assert coarse.exit_code == 0, coarse.output
    assert runner.invoke(app, ["validate", str(tmp_path / "pa")]).exit_code == 0


def test_default_start_is_in_the_lead_harvest() -> None:
    for adcode in COUNTS:
        c = built(adcode, 0, 1)
        assert c.settings.season_start is not None
        assert lead_product(adcode).season.contains(c.settings.season_start)


def test_progress_callback_is_called() -> None:
    steps: list[tuple[str, float]] = []
    make_county("511823", data_dir=DATA, season_days=1, progress=lambda s, f: steps.append((s, f)))
    fracs = [f for _, f in steps]
    assert fracs == sorted(fracs) and fracs[0] == 0.0 and fracs[-1] == 1.0


def test_counties_are_fast() -> None:
    import time

    t = time.perf_counter()
    make_county("371328", data_dir=DATA, seed=3, season_days=30)
    assert time.perf_counter() - t < 6.0  # target < 3 s; slack for a loaded machine


def test_make_bundle_cli_coarse_keep_urban_and_urban_warning(tmp_path: Path) -> None:
    runner = CliRunner()
    base = ["make-bundle", "--county", "522323", "--coarse", "--days", "2", "--json"]
    r = runner.invoke(app, [*base, "--out-dir", str(tmp_path / "rural")])
    assert r.exit_code == 0, r.output
    rural = read_bundle(tmp_path / "rural")
    r = runner.invoke(app, [*base, "--keep-urban", "--out-dir", str(tmp_path / "all")])
    assert r.exit_code == 0, r.output
    every = read_bundle(tmp_path / "all")
    kinds = (PlaceKind.VILLAGE,)
    n_rural = sum(p.kind in kinds for p in rural.places)
    n_all = sum(p.kind in kinds for p in every.places)
    assert n_all > n_rural > 0  # 居委会 are left out unless --keep-urban
    r = runner.invoke(
        app,
        [
            "make-bundle",
            "--county",
            "130102",
            "--coarse",
            "--days",
            "2",
            "--out-dir",
            str(tmp_path / "urban"),
        ],
    )
    assert r.exit_code == 0, r.output
    assert "urban district" in r.output and "市辖区" in r.output
