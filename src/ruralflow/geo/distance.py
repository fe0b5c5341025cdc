"""Great-circle distances, road distances by a detour factor, and travel times.

* Haversine on a sphere of radius :data:`EARTH_RADIUS_KM` = 6371.0088 km, the IUGG mean
  Earth radius ``R1 = (2a + b) / 3`` of WGS84. Against the ellipsoidal (Vincenty/Karney)
  distance the error is below 0.5 % everywhere and ~0.1-0.2 % at China's latitudes.
* Road distance without a road graph = haversine x detour (circuity) factor, taken from
  ``county.yaml`` (about 1.2-1.4 in plains, 1.5-2.0 in mountains; see the shared roads
  README).
* Travel time (minutes) = road km / speed (km/h) x 60.

All functions take WGS84 degrees. For a county-sized area, :func:`local_xy_km` gives a flat
equirectangular projection (km east/north of a reference point) good to ~0.5 %: it is used for
nearest-neighbour search, Voronoi cells and rough distances to a polygon, never for the
reported distances themselves.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from ruralflow.domain import Place, SourcedValue

FloatArray = npt.NDArray[np.float64]

#: Mean Earth radius (km): IUGG R1 = (2a + b) / 3 for WGS84.
EARTH_RADIUS_KM = 6371.0088
#: Kilometres per degree of arc on that sphere (~111.195 km).
KM_PER_DEG = EARTH_RADIUS_KM * math.pi / 180.0

_CoordIn = float | FloatArray | Sequence[float]


@overload
def haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float: ...
@overload
def haversine_km(
    lon1: _CoordIn, lat1: _CoordIn, lon2: _CoordIn, lat2: _CoordIn
) -> float | FloatArray: ...
def haversine_km(lon1: _CoordIn, lat1: _CoordIn, lon2: _CoordIn, lat2: _CoordIn) -> Any:
    """Great-circle distance in km between points 1 and 2 (degrees; arrays broadcast).

    Returns a float when every argument is a scalar, else an array of the broadcast shape.
    """
    p1 = np.radians(np.asarray(lat1, dtype=np.float64))
    p2 = np.radians(np.asarray(lat2, dtype=np.float64))
    dp = p2 - p1
    dl = np.radians(np.asarray(lon2, dtype=np.float64) - np.asarray(lon1, dtype=np.float64))
    a = np.sin(dp / 2.0) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2.0) ** 2
    d = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
    if all(np.ndim(x) == 0 for x in (lon1, lat1, lon2, lat2)):
        return float(d)
    return np.asarray(d, dtype=np.float64)


def haversine_matrix_km(
    lon: _CoordIn,
    lat: _CoordIn,
    lon2: _CoordIn | None = None,
    lat2: _CoordIn | None = None,
) -> FloatArray:
    """Pairwise great-circle distances (km): ``out[i, j]`` from point ``i`` to point ``j``.

    With one set of points the result is square, symmetric, with an exact zero diagonal.
    With a second set (``lon2``, ``lat2``) it is ``len(lon) x len(lon2)``.
    """
    x1 = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y1 = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    same = lon2 is None and lat2 is None
    if (lon2 is None) != (lat2 is None):
        raise ValueError("give both lon2 and lat2, or neither")
    x2 = x1 if same else np.atleast_1d(np.asarray(lon2, dtype=np.float64))
    y2 = y1 if same else np.atleast_1d(np.asarray(lat2, dtype=np.float64))
    if x1.shape != y1.shape or x2.shape != y2.shape or x1.ndim != 1 or x2.ndim != 1:
        raise ValueError("lon and lat must be 1-D arrays of the same length")
    d = np.asarray(haversine_km(x1[:, None], y1[:, None], x2[None, :], y2[None, :]))
    if same:
        d = (d + d.T) / 2.0
        np.fill_diagonal(d, 0.0)
    return d


def detour_value(detour_factor: float | SourcedValue) -> float:
    """The detour factor as a float (accepts ``county.settings.detour_factor``); >= 1."""
    f = float(detour_factor.value if isinstance(detour_factor, SourcedValue) else detour_factor)
    if not math.isfinite(f) or f < 1.0:
        raise ValueError(f"detour factor must be a number >= 1 (got {f!r})")
    return f


def distance_matrix(places: Sequence[Place], detour_factor: float | SourcedValue) -> FloatArray:
    """Road distance estimate (km) between places: haversine x detour factor, in list order."""
    lon = np.array([p.lon for p in places], dtype=np.float64)
    lat = np.array([p.lat for p in places], dtype=np.float64)
    return haversine_matrix_km(lon, lat) * detour_value(detour_factor)


def travel_time_matrix(dist_km: npt.ArrayLike, speed_kmh: float) -> FloatArray:
    """Travel time in minutes at a constant ``speed_kmh`` for distances in km (any shape)."""
    v = float(speed_kmh)
    if not math.isfinite(v) or v <= 0.0:
        raise ValueError(f"speed_kmh must be a positive number (got {speed_kmh!r})")
    return np.asarray(dist_km, dtype=np.float64) / v * 60.0


def local_xy_km(
    lon: npt.ArrayLike, lat: npt.ArrayLike, lon0: float, lat0: float
) -> tuple[FloatArray, FloatArray]:
    """Equirectangular projection: km east and north of (``lon0``, ``lat0``).

    Distances between projected points are within ~0.5 % of great-circle distances over a
    county (<= ~100 km across); for nearest-neighbour search and geometry, not for reporting.
    """
    k = KM_PER_DEG
    c = math.cos(math.radians(lat0))
    x = (np.asarray(lon, dtype=np.float64) - lon0) * k * c
    y = (np.asarray(lat, dtype=np.float64) - lat0) * k
    return x, y


def local_lonlat(
    x_km: npt.ArrayLike, y_km: npt.ArrayLike, lon0: float, lat0: float
) -> tuple[FloatArray, FloatArray]:
    """Inverse of :func:`local_xy_km`."""
    k = KM_PER_DEG
    c = math.cos(math.radians(lat0))
    lon = np.asarray(x_km, dtype=np.float64) / (k * c) + lon0
    lat = np.asarray(y_km, dtype=np.float64) / k + lat0
    return lon, lat
