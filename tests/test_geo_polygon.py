"""County polygon helpers on the real Liquan boundary: containment, parts, sampling."""

from __future__ import annotations

import csv
import json
import math
from functools import lru_cache
from typing import Any

import numpy as np
import pytest
import shapely

from helpers import DATA as PACKAGED_DATA
from ruralflow.geo import (
    area_km2,
    as_shape,
    contains,
    distance_outside_km,
    haversine_km,
    sample_points_in,
    to_geojson,
    township_parts,
)

DATA = PACKAGED_DATA / "coordinates"
LIQUAN = DATA / "county_boundaries" / "610425_liquan_wgs84.geojson"


@lru_cache(maxsize=1)
def liquan() -> dict[str, Any]:
    feature: dict[str, Any] = json.loads(LIQUAN.read_text(encoding="utf-8"))
    return feature


@lru_cache(maxsize=1)
def seats() -> dict[str, tuple[float, float]]:
    with (DATA / "candidate_townships_coords.csv").open(encoding="utf-8") as fh:
        return {
            r["code"]: (float(r["lng_wgs84"]), float(r["lat_wgs84"]))
            for r in csv.DictReader(fh)
            if r["county_code"] == "610425"
        }


def test_all_twelve_township_seats_are_inside() -> None:
    """Vectorised containment: the 12 Liquan seats (and the county seat) lie in the polygon."""
    s = seats()
    assert len(s) == 12
    inside = contains(liquan(), [p[0] for p in s.values()], [p[1] for p in s.values()])
    assert isinstance(inside, np.ndarray) and inside.dtype == bool and inside.all()
    assert contains(liquan()["geometry"], 108.420136, 34.482851) is True
    assert contains(liquan(), 108.0, 34.5) is False


def test_distance_outside_and_area() -> None:
    """0 inside; outside, at least the gap to the bounding box and at most to a vertex."""
    assert distance_outside_km(liquan(), 108.42, 34.48) == 0.0
    geom = as_shape(liquan())
    minx = geom.bounds[0]
    x, y = minx - 0.1, 34.6
    d = distance_outside_km(liquan(), x, y)
    gap = 0.1 * math.cos(math.radians(y)) * 111.195
    verts = np.asarray(geom.exterior.coords)
    nearest_vertex = float(np.min(haversine_km(x, y, verts[:, 0], verts[:, 1])))
    assert gap * 0.99 <= d <= nearest_vertex * 1.01
    many = distance_outside_km(liquan(), [108.42, x], [34.48, y])
    assert many[0] == 0.0 and many[1] == pytest.approx(d)
    # Liquan covers 1,018 km2 (official figure); the 2016 Amap outline gives ~1,011 km2.
    assert area_km2(liquan()) == pytest.approx(1018.0, rel=0.03)


def test_township_parts_cover_the_county_and_hold_their_seats() -> None:
    """Voronoi parts clipped to the polygon: areas add up, no overlaps, each holds its seat."""
    geom = as_shape(liquan())
    parts = township_parts(liquan(), seats())
    assert list(parts) == list(seats())
    total = sum(p.area for p in parts.values())
    assert total == pytest.approx(geom.area, rel=1e-9)
    union = shapely.union_all(list(parts.values()))
    assert shapely.symmetric_difference(union, geom).area < 1e-9 * geom.area
    for code, part in parts.items():
        assert part.geom_type in ("Polygon", "MultiPolygon")
        assert contains(part, *seats()[code]), code
        assert to_geojson(part)["type"] == part.geom_type


def test_sampled_points_fall_inside_their_part_and_are_seeded() -> None:
    """Points sampled in a township part lie in it; same seed, same points."""
    parts = township_parts(liquan(), seats())
    part = parts["610425105"]  # 烟霞镇
    lon, lat = sample_points_in(part, 200, 42)
    assert lon.shape == lat.shape == (200,)
    assert contains(part, lon, lat).all()
    again = sample_points_in(part, 200, np.random.default_rng(42))
    np.testing.assert_array_equal(again[0], lon)
    np.testing.assert_array_equal(again[1], lat)
    other = sample_points_in(part, 200, 43)
    assert not np.array_equal(other[0], lon)
    empty = sample_points_in(to_geojson(part), 0, 1)
    assert empty[0].shape == (0,)
    with pytest.raises(ValueError, match="n must be"):
        sample_points_in(part, -1, 1)


def test_sampling_is_uniform_by_area() -> None:
    """In a box split into halves of equal area, about half the points fall in each."""
    box = {
        "type": "Polygon",
        "coordinates": [[[108, 34], [109, 34], [109, 35], [108, 35], [108, 34]]],
    }
    lon, _ = sample_points_in(box, 4000, 7)
    share = float(np.mean(lon < 108.5))
    assert abs(share - 0.5) < 0.03


def test_duplicate_and_single_seats() -> None:
    """Seats sharing a point split its cell; one seat gets the whole county."""
    geom = as_shape(liquan())
    s = dict(seats())
    s["dup"] = s["610425001"]
    parts = township_parts(liquan(), s)
    assert parts["dup"].area > 0 and parts["610425001"].area > 0
    assert sum(p.area for p in parts.values()) == pytest.approx(geom.area, rel=1e-9)
    one = township_parts(liquan(), {"only": s["610425001"]})
    assert one["only"].area == pytest.approx(geom.area)
    with pytest.raises(ValueError, match="Polygon"):
        as_shape({"type": "Point", "coordinates": [108.4, 34.5]})
