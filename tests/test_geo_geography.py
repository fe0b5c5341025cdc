"""Geography.from_county: ids, index lookup, road km, travel minutes, road graph and fallback."""

from __future__ import annotations

import csv
from typing import Any

import numpy as np
import pytest

from helpers import DATA as PACKAGED_DATA
from ruralflow.domain import (
    County,
    CountySettings,
    Place,
    PlaceKind,
    SourcedValue,
    VehicleKind,
    VehicleType,
)
from ruralflow.geo import (
    DistanceModel,
    Geography,
    RoadGraph,
    UnreachableError,
    haversine_km,
    synthetic_roads_for_places,
)

DATA = PACKAGED_DATA / "coordinates"
DETOUR = 1.3


def liquan_county() -> County:
    """Liquan hub, its 12 real township seats and one village (袁家村, real WGS84 point)."""
    places = [Place("HUB", PlaceKind.COUNTY_HUB, "礼泉县", 108.420136, 34.482851, adcode="610425")]
    with (DATA / "candidate_townships_coords.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["county_code"] == "610425":
                places.append(
                    Place(
                        f"T{r['code']}",
                        PlaceKind.TOWNSHIP_STATION,
                        r["name"],
                        float(r["lng_wgs84"]),
                        float(r["lat_wgs84"]),
                        adcode=r["code"],
                        parent="HUB",
                    )
                )
    places.append(
        Place(
            "V_YUANJIA",
            PlaceKind.VILLAGE,
            "袁家村",
            108.532647,
            34.592841,
            adcode="610425105223",
            parent="T610425105",
        )
    )
    van = VehicleType("van", VehicleKind.VAN, 3, 800.0, 6.0, 150.0, 1.2, 40.0, 9.0)
    settings = CountySettings(
        adcode="610425",
        name="礼泉县",
        hub="HUB",
        monthly_mean_temp_c=(-1, 2, 8, 14, 20, 25, 27, 25, 20, 14, 6, 0),
        detour_factor=SourcedValue(DETOUR, "ratio", "assumption: plains 1.2-1.4"),
    )
    return County(settings=settings, places=tuple(places), vehicle_types=(van,))


def test_from_county_without_roads() -> None:
    """Road km = haversine x the county's detour factor; minutes from the vehicle's speed."""
    county = liquan_county()
    geo = Geography.from_county(county)
    assert DistanceModel is Geography
    assert geo.ids == tuple(p.id for p in county.places)
    assert len(geo) == 14 and "HUB" in geo and "nope" not in geo
    assert geo.method == "haversine x detour" and geo.detour_factor == DETOUR
    i = geo.index("T610425105")
    assert geo.ids[i] == "T610425105"
    straight = haversine_km(108.540322, 34.576181, 108.420136, 34.482851)
    assert geo.straight_distance_km("T610425105", "HUB") == pytest.approx(straight)
    assert geo.distance_km("T610425105", "HUB") == pytest.approx(DETOUR * straight)
    van = county.vehicle_types[0]
    assert geo.minutes("T610425105", "HUB", van) == pytest.approx(DETOUR * straight / 40 * 60)
    assert geo.minutes("T610425105", "HUB", 60.0) == pytest.approx(DETOUR * straight)
    assert geo.travel_minutes(van) is geo.travel_minutes(40.0)  # cached per speed
    sub = geo.sub_km(["HUB", "V_YUANJIA"])
    assert sub.shape == (2, 2) and sub[0, 1] == geo.distance_km("HUB", "V_YUANJIA")
    assert geo.sub_minutes(["HUB", "V_YUANJIA"], 30.0)[1, 0] == pytest.approx(sub[0, 1] * 2)
    with pytest.raises(KeyError, match="nope"):
        geo.index("nope")
    assert geo.summary()["method"] == "haversine x detour"


def test_from_county_with_synthetic_road_graph() -> None:
    """Over a synthetic graph on hub + townships, no trip is shorter than haversine x detour."""
    county = liquan_county()
    core = [county.hub, *county.townships]
    roads = synthetic_roads_for_places(core, county.settings.detour_factor)
    geo = Geography.from_county(county, roads)
    assert geo.method == "synthetic road graph"
    assert geo.snap_km is not None and geo.fallback is not None
    assert not geo.fallback.any()
    ix = geo.indices([p.id for p in core])
    np.testing.assert_allclose(geo.snap_km[ix], 0.0, atol=1e-6)
    assert np.all(geo.km >= geo.straight_km * DETOUR - 1e-5)
    # The village is 2 km from 烟霞镇's node: access leg x detour, then the graph.
    v = geo.index("V_YUANJIA")
    assert geo.snap_km[v] == pytest.approx(
        haversine_km(108.532647, 34.592841, 108.540322, 34.576181), rel=1e-9
    )
    assert geo.distance_km("V_YUANJIA", "T610425105") == pytest.approx(DETOUR * geo.snap_km[v])
    s = geo.summary()
    assert s["road_synthetic"] is True and s["fallback_pairs"] == 0


def _two_islands() -> dict[str, Any]:
    line = {"type": "LineString", "coordinates": [[108.40, 34.48], [108.55, 34.58]]}
    other = {"type": "LineString", "coordinates": [[108.32, 34.70], [108.34, 34.71]]}
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": line, "properties": {"speed_kmh": 30}},
            {"type": "Feature", "geometry": other, "properties": {}},
        ],
    }


def test_unreachable_pairs_fall_back_or_raise() -> None:
    """Places on a disconnected part use haversine x detour and are named; or it raises."""
    county = liquan_county()
    geo = Geography.from_county(county, RoadGraph.from_geojson(_two_islands()))
    assert geo.fallback is not None and geo.fallback.any()
    a, b = geo.index("HUB"), geo.index("T610425109")  # 南坊镇 snaps to the other island
    assert geo.fallback[a, b]
    assert geo.km[a, b] == pytest.approx(DETOUR * geo.straight_km[a, b])
    assert geo.notes and "not connected on the road graph" in geo.notes[0]
    assert "T610425109" in geo.notes[0]
    assert geo.summary()["fallback_pairs"] > 0
    with pytest.raises(UnreachableError, match="not connected"):
        Geography.from_county(county, _two_islands(), on_unreachable="raise")


def test_travel_minutes_use_road_speed_limits() -> None:
    """On a 30 km/h road, a 60 km/h van takes km / 30 h on the road part of the trip."""
    county = liquan_county()
    hub_only = [county.hub, county.place_by_id["T610425105"]]
    line = {"type": "LineString", "coordinates": [[p.lon, p.lat] for p in hub_only]}
    roads = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "geometry": line, "properties": {"speed_kmh": 30}}],
    }
    geo = Geography.from_county(county, roads, places=hub_only)
    km = geo.distance_km("HUB", "T610425105")
    assert km == pytest.approx(geo.straight_distance_km("HUB", "T610425105"))
    assert geo.minutes("HUB", "T610425105", 60.0) == pytest.approx(km / 30 * 60)
    assert geo.minutes("HUB", "T610425105", 20.0) == pytest.approx(km / 20 * 60)
