"""Chinese map coordinate systems: WGS84, GCJ-02 and BD-09, and lon/lat sanity checks.

* **WGS84**: GPS, OpenStreetMap, GeoNames. Every domain object holds WGS84.
* **GCJ-02** ("Mars coordinates", Amap/高德, Tencent): WGS84 plus an obfuscating offset of
  roughly 100-700 m. The forward formula ``wgs84_to_gcj02`` is the widely published closed
  form on the Krasovsky 1940 ellipsoid (``a = 6378245.0`` m, ``ee = 0.00669342162296594323``).
  Its inverse has no closed form: ``gcj02_to_wgs84`` iterates the forward formula
  (fixed point ``w <- w - (F(w) - g)``) until the change is below ``tol`` degrees (1e-9 by
  default, far below the brief's 1e-7), which takes 2-4 rounds.
* **BD-09** (Baidu): a further closed-form rotation/scaling of GCJ-02 (~0.5-1 km). Both
  directions are the standard closed forms; ``bd09_to_gcj02`` is the usual approximate inverse
  (error ~1e-6 deg), the one the shared data's ``*_wgs84`` columns were derived with.

**Outside-China rule**: points outside China's rough bounding box (lon 72.004-137.8347 E, lat
0.8293-55.8271 N, the box used by the published implementations) get no GCJ-02 offset, so
every conversion returns them unchanged (BD-09's own rotation still applies).

Every conversion accepts scalars (returns floats) or numpy arrays (returns arrays,
broadcast elementwise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, overload

import numpy as np
import numpy.typing as npt

from ruralflow.domain import Crs

FloatArray = npt.NDArray[np.float64]

#: Krasovsky 1940 semi-major axis (m) used by the GCJ-02 formula.
KRASOVSKY_A = 6378245.0
#: Krasovsky 1940 first eccentricity squared used by the GCJ-02 formula.
KRASOVSKY_EE = 0.00669342162296594323
#: The bounding box (lon_min, lon_max, lat_min, lat_max) outside which GCJ-02 adds no offset.
GCJ02_BOX = (72.004, 137.8347, 0.8293, 55.8271)
#: China's extent for sanity checks of bundle coordinates (lon_min, lon_max, lat_min, lat_max):
#: mainland, Hainan and the South China Sea islands, with a small margin.
CHINA_EXTENT = (73.0, 135.5, 3.0, 54.0)

_X_PI = math.pi * 3000.0 / 180.0

_CoordIn = float | FloatArray | Sequence[float]


def _arr(x: Any) -> FloatArray:
    return np.asarray(x, dtype=np.float64)


def _out(lon: FloatArray, lat: FloatArray, scalar: bool) -> tuple[Any, Any]:
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def _is_scalar(*xs: Any) -> bool:
    return all(np.ndim(x) == 0 for x in xs)


def out_of_china(lon: _CoordIn, lat: _CoordIn) -> Any:
    """True where GCJ-02 applies no offset (outside :data:`GCJ02_BOX`); bool or bool array."""
    x, y = _arr(lon), _arr(lat)
    lo0, lo1, la0, la1 = GCJ02_BOX
    res = (x < lo0) | (x > lo1) | (y < la0) | (y > la1)
    return bool(res) if _is_scalar(lon, lat) else res


def _transform_lat(x: FloatArray, y: FloatArray) -> FloatArray:
    pi = math.pi
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * pi) + 40.0 * np.sin(y / 3.0 * pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * pi) + 320.0 * np.sin(y * pi / 30.0)) * 2.0 / 3.0
    return ret


def _transform_lon(x: FloatArray, y: FloatArray) -> FloatArray:
    pi = math.pi
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * pi) + 20.0 * np.sin(2.0 * x * pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * pi) + 40.0 * np.sin(x / 3.0 * pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * pi) + 300.0 * np.sin(x / 30.0 * pi)) * 2.0 / 3.0
    return ret


def _gcj_offset(lon: FloatArray, lat: FloatArray) -> tuple[FloatArray, FloatArray]:
    """The GCJ-02 offset (dlon, dlat) in degrees at WGS84 (lon, lat); zero outside China."""
    dlat = _transform_lat(lon - 105.0, lat - 35.0)
    dlon = _transform_lon(lon - 105.0, lat - 35.0)
    radlat = lat / 180.0 * math.pi
    magic = 1.0 - KRASOVSKY_EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((KRASOVSKY_A * (1.0 - KRASOVSKY_EE)) / (magic * sqrtmagic) * math.pi)
    dlon = (dlon * 180.0) / (KRASOVSKY_A / sqrtmagic * np.cos(radlat) * math.pi)
    outside = out_of_china(lon, lat)
    return np.where(outside, 0.0, dlon), np.where(outside, 0.0, dlat)


@overload
def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_gcj02(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float]
) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_gcj02(lon: _CoordIn, lat: _CoordIn) -> tuple[Any, Any]:
    """WGS84 -> GCJ-02 (closed form; unchanged outside China)."""
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    dlon, dlat = _gcj_offset(x, y)
    return _out(x + dlon, y + dlat, _is_scalar(lon, lat))


@overload
def gcj02_to_wgs84(
    lon: float, lat: float, *, tol: float = ..., max_iter: int = ...
) -> tuple[float, float]: ...
@overload
def gcj02_to_wgs84(
    lon: FloatArray | Sequence[float],
    lat: FloatArray | Sequence[float],
    *,
    tol: float = ...,
    max_iter: int = ...,
) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_wgs84(
    lon: _CoordIn, lat: _CoordIn, *, tol: float = 1e-9, max_iter: int = 30
) -> tuple[Any, Any]:
    """GCJ-02 -> WGS84 by iterating the forward formula until the step is below ``tol`` deg.

    Raises ``ArithmeticError`` if it has not converged after ``max_iter`` rounds (it converges
    in a few rounds everywhere in China: the offset's derivative is ~1e-5).
    """
    gx, gy = np.broadcast_arrays(_arr(lon), _arr(lat))
    wx, wy = gx.copy(), gy.copy()
    for _ in range(max_iter):
        dlon, dlat = _gcj_offset(wx, wy)
        ex = wx + dlon - gx
        ey = wy + dlat - gy
        wx = wx - ex
        wy = wy - ey
        step = float(np.max(np.abs(np.concatenate([ex.ravel(), ey.ravel()])), initial=0.0))
        if step < tol:
            return _out(wx, wy, _is_scalar(lon, lat))
    raise ArithmeticError(f"gcj02_to_wgs84 did not converge to {tol:g} deg in {max_iter} rounds")


@overload
def gcj02_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def gcj02_to_bd09(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float]
) -> tuple[FloatArray, FloatArray]: ...
def gcj02_to_bd09(lon: _CoordIn, lat: _CoordIn) -> tuple[Any, Any]:
    """GCJ-02 -> BD-09 (Baidu's closed form)."""
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006, _is_scalar(lon, lat))


@overload
def bd09_to_gcj02(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_gcj02(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float]
) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_gcj02(lon: _CoordIn, lat: _CoordIn) -> tuple[Any, Any]:
    """BD-09 -> GCJ-02 (the standard closed-form approximate inverse, error ~1e-6 deg)."""
    bx, by = np.broadcast_arrays(_arr(lon), _arr(lat))
    x = bx - 0.0065
    y = by - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return _out(z * np.cos(theta), z * np.sin(theta), _is_scalar(lon, lat))


@overload
def bd09_to_wgs84(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def bd09_to_wgs84(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float]
) -> tuple[FloatArray, FloatArray]: ...
def bd09_to_wgs84(lon: _CoordIn, lat: _CoordIn) -> tuple[Any, Any]:
    """BD-09 -> GCJ-02 (closed form) -> WGS84 (iterative)."""
    gx, gy = bd09_to_gcj02(_arr(lon), _arr(lat))
    wx, wy = gcj02_to_wgs84(gx, gy)
    return _out(wx, wy, _is_scalar(lon, lat))


@overload
def wgs84_to_bd09(lon: float, lat: float) -> tuple[float, float]: ...
@overload
def wgs84_to_bd09(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float]
) -> tuple[FloatArray, FloatArray]: ...
def wgs84_to_bd09(lon: _CoordIn, lat: _CoordIn) -> tuple[Any, Any]:
    """WGS84 -> GCJ-02 -> BD-09 (both closed form)."""
    gx, gy = wgs84_to_gcj02(_arr(lon), _arr(lat))
    bx, by = gcj02_to_bd09(gx, gy)
    return _out(bx, by, _is_scalar(lon, lat))


@overload
def to_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]: ...
@overload
def to_wgs84(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float], crs: Crs | str
) -> tuple[FloatArray, FloatArray]: ...
def to_wgs84(lon: _CoordIn, lat: _CoordIn, crs: Crs | str) -> tuple[Any, Any]:
    """Convert from a bundle's CRS (``wgs84``, ``gcj02``, ``bd09``) to WGS84."""
    c = Crs(str(crs).lower())
    scalar = _is_scalar(lon, lat)
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    if c is Crs.GCJ02:
        x, y = gcj02_to_wgs84(x, y)
    elif c is Crs.BD09:
        x, y = bd09_to_wgs84(x, y)
    return _out(np.array(x, dtype=np.float64), np.array(y, dtype=np.float64), scalar)


@overload
def from_wgs84(lon: float, lat: float, crs: Crs | str) -> tuple[float, float]: ...
@overload
def from_wgs84(
    lon: FloatArray | Sequence[float], lat: FloatArray | Sequence[float], crs: Crs | str
) -> tuple[FloatArray, FloatArray]: ...
def from_wgs84(lon: _CoordIn, lat: _CoordIn, crs: Crs | str) -> tuple[Any, Any]:
    """Convert WGS84 to a bundle's CRS (``wgs84``, ``gcj02``, ``bd09``), for writing."""
    c = Crs(str(crs).lower())
    scalar = _is_scalar(lon, lat)
    x, y = np.broadcast_arrays(_arr(lon), _arr(lat))
    if c is Crs.GCJ02:
        x, y = wgs84_to_gcj02(x, y)
    elif c is Crs.BD09:
        x, y = wgs84_to_bd09(x, y)
    return _out(np.array(x, dtype=np.float64), np.array(y, dtype=np.float64), scalar)


# ---------------------------------------------------------------------- sanity checks
def check_lonlat(
    lon: float, lat: float, *, extent: tuple[float, float, float, float] = CHINA_EXTENT
) -> str | None:
    """A short reason why ``(lon, lat)`` is not a plausible WGS84 point in China, else None.

    Detects, in this order: non-numbers; projected coordinates (metres, |lon| > 180 or
    |lat| > 90) and, before that, lon/lat swapped (lon within 18-54 and lat within 73-135, i.e.
    a Chinese point written lat-first); points outside ``extent`` (default
    :data:`CHINA_EXTENT`). A GCJ-02 or BD-09 point written as WGS84 cannot be told from one
    point (the shift is < 1 km); the bundle validator catches it against the county polygon.
    """
    try:
        x, y = float(lon), float(lat)
    except (TypeError, ValueError):
        return "is not a number"
    if not (math.isfinite(x) and math.isfinite(y)):
        return "is not a finite number"
    lo0, lo1, la0, la1 = extent
    if 18.0 <= x <= 54.0 and 73.0 <= y <= 135.0:
        return "looks like lat/lon swapped (lon is a latitude, lat a longitude)"
    if abs(x) > 180.0 or abs(y) > 90.0:
        return "looks like projected coordinates (metres?), not lon/lat degrees"
    if not (lo0 <= x <= lo1 and la0 <= y <= la1):
        return f"is outside China's extent ({lo0:g}-{lo1:g} E, {la0:g}-{la1:g} N)"
    return None


def check_lonlat_many(
    lon: Sequence[float] | FloatArray,
    lat: Sequence[float] | FloatArray,
    *,
    extent: tuple[float, float, float, float] = CHINA_EXTENT,
) -> list[str | None]:
    """:func:`check_lonlat` for each pair (a reason or None per point)."""
    xs, ys = np.broadcast_arrays(_arr(lon), _arr(lat))
    return [
        check_lonlat(float(a), float(b), extent=extent)
        for a, b in zip(xs.ravel(), ys.ravel(), strict=True)
    ]
