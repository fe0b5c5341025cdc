"""Road graph from GeoJSON: merging, shortest paths, snapping, unreachable pairs, synthetic."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from ruralflow.domain import Place, PlaceKind
from ruralflow.geo import (
    RoadDataError,
    RoadGraph,
    haversine_km,
    load_roads,
    synthetic_roads,
    synthetic_roads_for_places,
)

# A small hand-made network near Liquan:
#   A --main-- B --main-- C        (A-B-C along lat 34.50, 0.05 deg apart: ~4.58 km each)
#    \         |         /
#     \-hill-- D --hill-/          (D north of B; A-D-C is longer but faster)
#   plus a winding A-C bypass (length_km 100), a duplicate slower A-B (length_km 50),
#   and an isolated track E-F far away.
A = (108.40, 34.50)
B = (108.45, 34.50)
C = (108.50, 34.50)
D = (108.45, 34.55)
E = (108.70, 34.80)
F = (108.71, 34.80)


def _feature(geom: dict[str, Any], **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geom, "properties": props}


def network() -> dict[str, Any]:
    return {
        "type": "FeatureCollection",
        "features": [
            _feature({"type": "LineString", "coordinates": [A, B, C]}, name="main", speed_kmh=20),
            _feature({"type": "LineString", "coordinates": [A, D, C]}, name="hill", speed_kmh=80),
            _feature({"type": "MultiLineString", "coordinates": [[B, D]]}, name="link"),
            _feature({"type": "LineString", "coordinates": [A, C]}, name="bypass", length_km=100),
            _feature({"type": "LineString", "coordinates": [A, B]}, length_km=50),
            _feature({"type": "LineString", "coordinates": [E, F]}, name="track"),
        ],
    }


def h(p: tuple[float, float], q: tuple[float, float]) -> float:
    return float(haversine_km(p[0], p[1], q[0], q[1]))


def test_nodes_merge_and_parallel_edges_keep_the_shortest() -> None:
    """Shared vertices become one node; of two A-B edges the shorter stays."""
    g = RoadGraph.from_geojson(network())
    assert g.n_nodes == 6
    assert g.n_edges == 7  # AB, BC, AD, DC, BD, AC (bypass), EF; the 50 km AB is dropped
    ab = (g.edge_from == 0) & (g.edge_to == 1)
    assert float(g.edge_km[ab][0]) == pytest.approx(h(A, B))
    assert not g.synthetic
    labels = g.components()
    assert len(set(labels.tolist())) == 2


def test_known_shortest_path() -> None:
    """A -> C is A-B-C (~9.16 km), not the hill road or the 100 km bypass."""
    g = RoadGraph.from_geojson(network())
    (ia, ic, idd), snap = g.snap([A[0], C[0], D[0]], [A[1], C[1], D[1]])
    np.testing.assert_allclose(snap, 0.0, atol=1e-9)
    d = g.node_distances([ia, ic], [ic, idd])
    assert d[0, 0] == pytest.approx(h(A, B) + h(B, C), rel=1e-9)
    assert d[0, 0] == pytest.approx(9.164, abs=0.01)
    assert d[0, 1] == pytest.approx(h(A, D), rel=1e-9)
    assert d[1, 1] == pytest.approx(h(C, D), rel=1e-9)


def test_fastest_path_uses_road_speeds() -> None:
    """At 60 km/h, A -> C is faster over the hill (80 km/h road) than on main (20 km/h)."""
    g = RoadGraph.from_geojson(network())
    assert g.has_speeds
    res = g.place_minutes([A[0], C[0]], [A[1], C[1]], 60.0)
    hill = (h(A, D) + h(D, C)) / 60.0 * 60.0
    main = (h(A, B) + h(B, C)) / 20.0 * 60.0
    assert hill < main
    assert res.value[0, 1] == pytest.approx(hill, rel=1e-9)


def test_places_snap_with_access_legs_and_unreachable_pairs() -> None:
    """A place 0.111 km off node B pays 0.111 x detour each way; E is on another component."""
    g = RoadGraph.from_geojson(network())
    lon = [B[0], C[0], E[0]]
    lat = [B[1] + 0.001, C[1], E[1]]
    res = g.place_distances(lon, lat, 1.3)
    assert res.snap_km[0] == pytest.approx(0.1112, abs=1e-3)
    assert res.value[0, 1] == pytest.approx(h(B, C) + 1.3 * res.snap_km[0], rel=1e-9)
    assert res.value[0, 1] == res.value[1, 0]
    assert not res.reachable[0, 2] and np.isinf(res.value[2, 0])
    assert res.reachable[2, 2] and not res.all_reachable
    far = g.place_distances([B[0], 109.5], [B[1], 34.5], max_snap_km=5.0)
    assert np.isinf(far.value[0, 1])


def test_round_trip_and_file_loading(tmp_path: Path) -> None:
    """load_roads reads a file; to_geojson gives a graph with the same distances."""
    path = tmp_path / "roads.geojson"
    path.write_text(json.dumps(network()), encoding="utf-8")
    g = load_roads(path)
    assert g.source == "roads.geojson"
    g2 = RoadGraph.from_geojson(g.to_geojson())
    assert (g2.n_nodes, g2.n_edges) == (g.n_nodes, g.n_edges)
    lon, lat = [A[0], C[0], D[0]], [A[1], C[1], D[1]]
    np.testing.assert_allclose(
        g2.place_distances(lon, lat).value, g.place_distances(lon, lat).value, rtol=1e-6
    )
    bad = tmp_path / "bad.geojson"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(RoadDataError, match=r"bad\.geojson: .*cannot read"):
        load_roads(bad)


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ([_feature({"type": "Point", "coordinates": A})], r"feature 0: .*geometry type 'Point'"),
        (
            [_feature({"type": "LineString", "coordinates": [A, B]}, name="x", speed_kmh=-5)],
            r"feature 0 \(x\): .*property 'speed_kmh' must be a positive number",
        ),
        (
            [_feature({"type": "LineString", "coordinates": [[12069000, 4094000], [1, 2]]})],
            r"not WGS84 lon/lat degrees",
        ),
        ([_feature({"type": "LineString", "coordinates": [A]})], r"at least two"),
        ([], r"no road lines"),
    ],
)
def test_bad_road_files_are_named(features: list[dict[str, Any]], message: str) -> None:
    """Each bad input raises RoadDataError naming the feature and the problem."""
    with pytest.raises(RoadDataError, match=message):
        RoadGraph.from_geojson({"type": "FeatureCollection", "features": features})


def _hub_and_townships() -> list[Place]:
    pts = {
        "HUB": (108.420136, 34.482851),
        "T101": (108.422963, 34.390769),
        "T102": (108.564109, 34.507599),
        "T105": (108.540322, 34.576181),
        "T109": (108.329358, 34.701426),
        "T110": (108.356932, 34.574667),
    }
    out = [Place("HUB", PlaceKind.COUNTY_HUB, "礼泉县", *pts["HUB"], adcode="610425")]
    for k, (x, y) in pts.items():
        if k != "HUB":
            out.append(Place(k, PlaceKind.TOWNSHIP_STATION, k, x, y, adcode="610425" + k[1:]))
    return out


@pytest.mark.parametrize("method", ["delaunay", "knn"])
def test_synthetic_graph_is_marked_connected_and_scaled(method: str) -> None:
    """The synthetic graph says so, is connected, and an edge costs haversine x detour."""
    places = _hub_and_townships()
    fc = synthetic_roads_for_places(places, 1.4, method=method, k=2)  # type: ignore[arg-type]
    assert fc["properties"]["synthetic"] is True
    assert all(f["properties"]["synthetic"] is True for f in fc["features"])
    g = RoadGraph.from_geojson(fc)
    assert g.synthetic and g.n_nodes == len(places)
    assert len(set(g.components().tolist())) == 1
    f0 = fc["features"][0]
    (x0, y0), (x1, y1) = f0["geometry"]["coordinates"]
    assert f0["properties"]["length_km"] == pytest.approx(1.4 * haversine_km(x0, y0, x1, y1))
    lon = [p.lon for p in places]
    lat = [p.lat for p in places]
    res = g.place_distances(lon, lat, 1.4)
    direct = 1.4 * np.asarray(
        haversine_km(
            np.array(lon)[:, None],
            np.array(lat)[:, None],
            np.array(lon)[None, :],
            np.array(lat)[None, :],
        )
    )
    assert res.all_reachable
    assert np.all(res.value >= direct - 1e-5)  # length_km is rounded to 1e-6


def test_synthetic_graph_edge_cases() -> None:
    """Collinear points still connect; max_edge_km prunes long non-tree edges; bad input fails."""
    fc = synthetic_roads([108.0, 108.1, 108.2], [34.5, 34.5, 34.5], 1.2)
    assert len(fc["features"]) == 2
    places = _hub_and_townships()
    full = synthetic_roads_for_places(places, 1.3)
    pruned = synthetic_roads_for_places(places, 1.3, max_edge_km=12.0)
    assert len(pruned["features"]) < len(full["features"])
    assert len(set(RoadGraph.from_geojson(pruned).components().tolist())) == 1
    with pytest.raises(ValueError, match="two points"):
        synthetic_roads([108.0], [34.5], 1.2)
    with pytest.raises(ValueError, match="method"):
        synthetic_roads([108.0, 108.1], [34.5, 34.6], 1.2, method="grid")  # type: ignore[arg-type]
