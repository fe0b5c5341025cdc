"""County-boundary helpers (shapely 2): containment, distance outside, township parts, sampling.

The boundary is ``County.boundary``: a GeoJSON geometry (``Polygon`` / ``MultiPolygon``), or a
Feature / FeatureCollection wrapping one, in WGS84. Shapely geometries are accepted too.

* :func:`contains` tests points (vectorised, ``shapely.contains_xy``).
* :func:`distance_outside_km` is a rough distance (km) from a point outside to the polygon,
  0 inside, in a local equirectangular projection (good to ~0.5 % at county scale).
* :func:`township_parts` splits the county into one part per township: the Voronoi cell of
  each township seat (computed in km, not degrees) clipped to the polygon. Seats that share a
  coordinate are spread 10 m apart first so that each gets its own (half) cell.
* :func:`sample_points_in` draws seeded points uniformly by area (longitude uniform,
  sin(latitude) uniform, rejection outside the polygon). The bundle generator uses it to place
  villages that have no public coordinates (``coord_source=synthetic``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from shapely.geometry import mapping, shape

from ruralflow.domain import Place
from ruralflow.geo.distance import FloatArray, local_lonlat, local_xy_km

BoolArray = npt.NDArray[np.bool_]

#: Distance (km) by which seats sharing one coordinate are spread before the Voronoi split.
DUPLICATE_SEAT_SPREAD_KM = 0.01


def as_shape(boundary: Mapping[str, Any] | Any) -> Any:
    """A shapely geometry from a GeoJSON geometry, Feature, FeatureCollection or geometry.

    A FeatureCollection is the union of its features. Raises ``ValueError`` when the result
    is not a non-empty polygon or multipolygon.
    """
    if isinstance(boundary, Mapping):
        t = boundary.get("type")
        if t == "Feature":
            geom = shape(boundary["geometry"])
        elif t == "FeatureCollection":
            geom = shapely.union_all([shape(f["geometry"]) for f in boundary["features"]])
        else:
            geom = shape(boundary)
    else:
        geom = boundary
    if not isinstance(geom, shapely.Geometry) or geom.is_empty:
        raise ValueError("boundary is empty or not a geometry")
    if geom.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError(f"boundary must be a Polygon or MultiPolygon (got {geom.geom_type})")
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    return geom


def to_geojson(geom: Any) -> dict[str, Any]:
    """A shapely geometry as a GeoJSON geometry mapping."""
    return dict(mapping(geom))


def _reference(geom: Any) -> tuple[float, float]:
    c = geom.centroid
    return float(c.x), float(c.y)


def _project(geom: Any, lon0: float, lat0: float) -> Any:
    def fn(xy: FloatArray) -> FloatArray:
        x, y = local_xy_km(xy[:, 0], xy[:, 1], lon0, lat0)
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def _unproject(geom: Any, lon0: float, lat0: float) -> Any:
    def fn(xy: FloatArray) -> FloatArray:
        x, y = local_lonlat(xy[:, 0], xy[:, 1], lon0, lat0)
        return np.column_stack([x, y])

    return shapely.transform(geom, fn)


def contains(
    boundary: Mapping[str, Any] | Any,
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    *,
    include_boundary: bool = False,
) -> Any:
    """Whether each point lies inside the boundary (a bool, or a bool array for arrays).

    Points exactly on the outline count as inside only with ``include_boundary=True``.
    """
    geom = as_shape(boundary)
    shapely.prepare(geom)
    op = shapely.intersects_xy if include_boundary else shapely.contains_xy
    res = np.asarray(op(geom, np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)))
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return bool(res)
    return res.astype(bool)


def distance_outside_km(
    boundary: Mapping[str, Any] | Any, lon: npt.ArrayLike, lat: npt.ArrayLike
) -> Any:
    """Rough km from each point to the polygon (0 inside); a float, or an array for arrays."""
    geom = as_shape(boundary)
    lon0, lat0 = _reference(geom)
    g = _project(geom, lon0, lat0)
    x, y = local_xy_km(lon, lat, lon0, lat0)
    d = np.asarray(shapely.distance(g, shapely.points(x, y)), dtype=np.float64)
    if np.ndim(lon) == 0 and np.ndim(lat) == 0:
        return float(d)
    return d


def area_km2(boundary: Mapping[str, Any] | Any) -> float:
    """Approximate area in km2 (local equirectangular projection about the centroid)."""
    geom = as_shape(boundary)
    lon0, lat0 = _reference(geom)
    return float(_project(geom, lon0, lat0).area)


def _polygonal(geom: Any) -> Any:
    """The polygonal parts of a geometry (dropping lines and points left by clipping)."""
    parts = [p for p in shapely.get_parts(geom) if p.geom_type in ("Polygon", "MultiPolygon")]
    if not parts:
        return shapely.Polygon()
    return shapely.union_all(parts) if len(parts) > 1 else parts[0]


def township_parts(
    boundary: Mapping[str, Any] | Any,
    seats: Mapping[str, tuple[float, float]] | Sequence[Place],
) -> dict[str, Any]:
    """One part of the county per township: Voronoi cell of its seat, clipped to the polygon.

    ``seats`` maps township id -> (lon, lat), or is a list of places (their ids and
    coordinates). Returns id -> shapely (Multi)Polygon in WGS84, in the order given. The parts
    cover the polygon without overlap; a seat outside the polygon may get an empty part.
    """
    if isinstance(seats, Mapping):
        items = [(str(k), float(v[0]), float(v[1])) for k, v in seats.items()]
    else:
        items = [(p.id, p.lon, p.lat) for p in seats]
    if not items:
        return {}
    ids = [i for i, _, _ in items]
    if len(set(ids)) != len(ids):
        raise ValueError("township ids must be unique")
    geom = as_shape(boundary)
    lon0, lat0 = _reference(geom)
    g = _project(geom, lon0, lat0)
    if len(items) == 1:
        return {ids[0]: geom}
    sx, sy = local_xy_km([v for _, v, _ in items], [v for _, _, v in items], lon0, lat0)
    sx, sy = sx.copy(), sy.copy()
    # Spread seats that share a coordinate around a small circle, deterministically.
    groups: dict[tuple[int, int], list[int]] = {}
    for i, (x, y) in enumerate(zip(sx, sy, strict=True)):
        groups.setdefault((round(x * 1e4), round(y * 1e4)), []).append(i)
    for members in groups.values():
        if len(members) > 1:
            for k, i in enumerate(members):
                ang = 2.0 * math.pi * k / len(members)
                sx[i] += DUPLICATE_SEAT_SPREAD_KM / 2.0 * math.cos(ang)
                sy[i] += DUPLICATE_SEAT_SPREAD_KM / 2.0 * math.sin(ang)
    pts = shapely.multipoints(np.column_stack([sx, sy]))
    minx, miny, maxx, maxy = shapely.bounds(shapely.union(g, pts))
    pad = max(maxx - minx, maxy - miny) + 1.0
    frame = shapely.box(minx - pad, miny - pad, maxx + pad, maxy + pad)
    cells = shapely.get_parts(shapely.voronoi_polygons(pts, extend_to=frame))
    owner: dict[int, Any] = {}
    for cell in cells:
        inside = np.nonzero(shapely.contains_xy(cell, sx, sy))[0]
        if len(inside) == 1:
            owner[int(inside[0])] = cell
    if len(owner) != len(items):
        raise ValueError("could not match Voronoi cells to township seats")
    shapely.prepare(g)
    return {
        ids[i]: _unproject(_polygonal(shapely.intersection(owner[i], g)), lon0, lat0)
        for i in range(len(items))
    }


def sample_points_in(
    polygon: Mapping[str, Any] | Any,
    n: int,
    rng: np.random.Generator | int,
    *,
    max_rounds: int = 1000,
) -> tuple[FloatArray, FloatArray]:
    """``n`` points uniformly distributed by area inside ``polygon`` (lon, lat arrays).

    Rejection sampling in the bounding box with longitude uniform and sin(latitude) uniform
    (uniform on the sphere). ``rng`` is a numpy Generator or an integer seed: the same seed
    gives the same points.
    """
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise ValueError(f"n must be a whole number >= 0 (got {n!r})")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    geom = as_shape(polygon)
    if geom.area <= 0.0:
        raise ValueError("cannot sample points in a polygon of zero area")
    shapely.prepare(geom)
    minx, miny, maxx, maxy = (float(v) for v in geom.bounds)
    s0, s1 = math.sin(math.radians(miny)), math.sin(math.radians(maxy))
    box_area = (maxx - minx) * (maxy - miny)
    fill = max(geom.area / box_area, 1e-3)
    xs: list[FloatArray] = []
    ys: list[FloatArray] = []
    got = 0
    for _ in range(max_rounds):
        if got >= n:
            break
        m = max(64, math.ceil((n - got) / fill * 1.2))
        x = gen.uniform(minx, maxx, m)
        y = np.degrees(np.arcsin(gen.uniform(s0, s1, m)))
        ok = np.asarray(shapely.contains_xy(geom, x, y), dtype=bool)
        xs.append(x[ok])
        ys.append(y[ok])
        got += int(ok.sum())
    if got < n:
        raise ValueError(f"could only place {got} of {n} points in the polygon")
    lon = np.concatenate(xs)[:n] if xs else np.zeros(0)
    lat = np.concatenate(ys)[:n] if ys else np.zeros(0)
    return lon.astype(np.float64), lat.astype(np.float64)
