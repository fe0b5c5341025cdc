"""Haversine distances checked against an independent ellipsoidal reference, and time matrices."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from helpers import DATA as PACKAGED_DATA
from ruralflow.domain import Place, PlaceKind, SourcedValue
from ruralflow.geo import (
    EARTH_RADIUS_KM,
    detour_value,
    distance_matrix,
    haversine_km,
    haversine_matrix_km,
    local_lonlat,
    local_xy_km,
    travel_time_matrix,
)

DATA = PACKAGED_DATA / "coordinates"


def vincenty_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Vincenty's (1975) inverse formula on the WGS84 ellipsoid: an independent reference.

    a = 6378137 m, f = 1/298.257223563; iterate the auxiliary longitude to 1e-12 rad.
    """
    a = 6378137.0
    f = 1 / 298.257223563
    b = (1 - f) * a
    big_l = math.radians(lon2 - lon1)
    u1 = math.atan((1 - f) * math.tan(math.radians(lat1)))
    u2 = math.atan((1 - f) * math.tan(math.radians(lat2)))
    su1, cu1, su2, cu2 = math.sin(u1), math.cos(u1), math.sin(u2), math.cos(u2)
    lam = big_l
    for _ in range(200):
        sl, cl = math.sin(lam), math.cos(lam)
        ss = math.hypot(cu2 * sl, cu1 * su2 - su1 * cu2 * cl)
        cs = su1 * su2 + cu1 * cu2 * cl
        sig = math.atan2(ss, cs)
        sa = cu1 * cu2 * sl / ss
        c2a = 1 - sa * sa
        c2sm = cs - 2 * su1 * su2 / c2a if c2a else 0.0
        c = f / 16 * c2a * (4 + f * (4 - 3 * c2a))
        prev = lam
        lam = big_l + (1 - c) * f * sa * (sig + c * ss * (c2sm + c * cs * (-1 + 2 * c2sm**2)))
        if abs(lam - prev) < 1e-12:
            break
    u_sq = c2a * (a * a - b * b) / (b * b)
    big_a = 1 + u_sq / 16384 * (4096 + u_sq * (-768 + u_sq * (320 - 175 * u_sq)))
    big_b = u_sq / 1024 * (256 + u_sq * (-128 + u_sq * (74 - 47 * u_sq)))
    ds = (
        big_b
        * ss
        * (
            c2sm
            + big_b
            / 4
            * (cs * (-1 + 2 * c2sm**2) - big_b / 6 * c2sm * (-3 + 4 * ss**2) * (-3 + 4 * c2sm**2))
        )
    )
    return b * big_a * (sig - ds) / 1000.0


def _liquan_seat(name: str) -> tuple[float, float]:
    with (DATA / "candidate_townships_coords.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            if r["county_code"] == "610425" and r["name"] == name:
                return float(r["lng_wgs84"]), float(r["lat_wgs84"])
    raise AssertionError(f"{name} not in the packaged data")


def test_reference_is_sound() -> None:
    """The reference gives 2*pi*a/360 = 111.3195 km for one degree along the equator."""
    assert vincenty_km(0.0, 0.0, 1.0, 0.0) == pytest.approx(2 * math.pi * 6378.137 / 360, 1e-9)


def test_real_township_seats_within_one_percent_of_reference() -> None:
    """烟霞镇 -> 城关街道 (Liquan): haversine within 1 % of Vincenty, and of a hand value.

    Hand value (flat-earth check): dlon = 0.120186 deg x cos(34.5295 deg) x 111.195 km
    = 11.010 km east, dlat = 0.093330 deg x 111.195 km = 10.378 km north, hypot = 15.13 km.
    """
    yanxia = _liquan_seat("烟霞镇")
    chengguan = _liquan_seat("城关街道")
    ref = vincenty_km(*yanxia, *chengguan)
    got = haversine_km(*yanxia, *chengguan)
    assert isinstance(got, float)
    assert got == pytest.approx(ref, rel=0.01)
    assert got == pytest.approx(15.13, rel=0.01)
    # Spherical law of cosines on the same sphere: the same number by another formula.
    p1, p2 = math.radians(yanxia[1]), math.radians(chengguan[1])
    dl = math.radians(chengguan[0] - yanxia[0])
    cos_law = EARTH_RADIUS_KM * math.acos(
        math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    )
    assert got == pytest.approx(cos_law, rel=1e-6)
    # Detour-scaled road distance.
    places = [
        Place("T105", PlaceKind.TOWNSHIP_STATION, "烟霞镇", *yanxia, adcode="610425105"),
        Place("T001", PlaceKind.TOWNSHIP_STATION, "城关街道", *chengguan, adcode="610425001"),
    ]
    d = distance_matrix(places, SourcedValue(1.3, "ratio"))
    assert d[0, 1] == pytest.approx(1.3 * ref, rel=0.01)
    assert d[1, 0] == d[0, 1] and d[0, 0] == 0.0


def test_radius_is_the_iugg_mean() -> None:
    """The stated sphere radius is IUGG R1 = (2a + b) / 3 of WGS84."""
    a = 6378.137
    b = a * (1 - 1 / 298.257223563)
    assert EARTH_RADIUS_KM == 6371.0088
    assert (2 * a + b) / 3 == pytest.approx(EARTH_RADIUS_KM, abs=1e-4)


def test_haversine_vectorised_matches_scalar() -> None:
    """Arrays broadcast; the pairwise matrix is symmetric with a zero diagonal."""
    rng = np.random.default_rng(3)
    lon = rng.uniform(108.3, 108.7, 40)
    lat = rng.uniform(34.35, 34.83, 40)
    m = haversine_matrix_km(lon, lat)
    assert m.shape == (40, 40)
    np.testing.assert_array_equal(m, m.T)
    np.testing.assert_array_equal(np.diag(m), 0.0)
    assert m[3, 7] == pytest.approx(haversine_km(lon[3], lat[3], lon[7], lat[7]), rel=1e-12)
    elementwise = haversine_km(lon[:-1], lat[:-1], lon[1:], lat[1:])
    assert isinstance(elementwise, np.ndarray)
    np.testing.assert_allclose(elementwise, [m[i, i + 1] for i in range(39)], rtol=1e-12)
    rect = haversine_matrix_km(lon[:5], lat[:5], lon[5:8], lat[5:8])
    assert rect.shape == (5, 3)
    assert rect[1, 2] == pytest.approx(m[1, 7], rel=1e-12)
    with pytest.raises(ValueError):
        haversine_matrix_km(lon, lat, lon)


def test_travel_time_matrix_minutes() -> None:
    """30 km at 60 km/h is 30 minutes; a non-positive speed is refused."""
    t = travel_time_matrix([[0.0, 30.0], [30.0, 0.0]], 60.0)
    np.testing.assert_allclose(t, [[0.0, 30.0], [30.0, 0.0]])
    with pytest.raises(ValueError, match="speed_kmh"):
        travel_time_matrix([1.0], 0.0)


def test_detour_value_and_local_projection() -> None:
    """Detour factors below 1 are refused; the local projection round-trips."""
    assert detour_value(SourcedValue(1.45, "ratio")) == 1.45
    with pytest.raises(ValueError, match="detour"):
        detour_value(0.9)
    x, y = local_xy_km([108.54, 108.42], [34.58, 34.48], 108.5, 34.5)
    assert math.hypot(x[0] - x[1], y[0] - y[1]) == pytest.approx(
        haversine_km(108.54, 34.58, 108.42, 34.48), rel=0.005
    )
    lon, lat = local_lonlat(x, y, 108.5, 34.5)
    np.testing.assert_allclose(lon, [108.54, 108.42])
    np.testing.assert_allclose(lat, [34.58, 34.48])
