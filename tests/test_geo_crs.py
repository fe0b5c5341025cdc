"""CRS conversions (WGS84 / GCJ-02 / BD-09) against the real data's own paired columns."""

from __future__ import annotations

import csv
import math

import numpy as np
import pytest

from helpers import DATA as PACKAGED_DATA
from ruralflow.domain import Crs
from ruralflow.geo import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    check_lonlat,
    check_lonlat_many,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    haversine_km,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

DATA = PACKAGED_DATA / "coordinates"
TOWNSHIPS = DATA / "candidate_townships_coords.csv"
TOL_DEG = 1e-5


def _rows() -> list[dict[str, str]]:
    assert TOWNSHIPS.exists(), f"packaged data missing: {TOWNSHIPS}"
    with TOWNSHIPS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _cols(rows: list[dict[str, str]], lon: str, lat: str) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.array([float(r[lon]) for r in rows]),
        np.array([float(r[lat]) for r in rows]),
    )


def test_wgs84_to_gcj02_reproduces_stored_columns() -> None:
    """The closed-form forward formula gives the stored GCJ-02 of all 85 township seats."""
    rows = _rows()
    assert len(rows) == 85
    wx, wy = _cols(rows, "lng_wgs84", "lat_wgs84")
    gx, gy = _cols(rows, "lng_gcj02", "lat_gcj02")
    x, y = wgs84_to_gcj02(wx, wy)
    np.testing.assert_allclose(x, gx, atol=TOL_DEG, rtol=0)
    np.testing.assert_allclose(y, gy, atol=TOL_DEG, rtol=0)


def test_gcj02_to_wgs84_reproduces_stored_columns() -> None:
    """The iterative inverse gives the stored WGS84 from the stored GCJ-02."""
    rows = _rows()
    wx, wy = _cols(rows, "lng_wgs84", "lat_wgs84")
    gx, gy = _cols(rows, "lng_gcj02", "lat_gcj02")
    x, y = gcj02_to_wgs84(gx, gy)
    np.testing.assert_allclose(x, wx, atol=TOL_DEG, rtol=0)
    np.testing.assert_allclose(y, wy, atol=TOL_DEG, rtol=0)


def test_bd09_chain_reproduces_stored_columns() -> None:
    """Sanotsu's raw BD-09 converts to the stored GCJ-02 and WGS84 of the rows chosen from it."""
    rows = [r for r in _rows() if r["chosen_source"] == "sanotsu_baidu_bd09_converted"]
    assert len(rows) == 83
    bx, by = _cols(rows, "sanotsu_bd09_lng", "sanotsu_bd09_lat")
    gx, gy = _cols(rows, "lng_gcj02", "lat_gcj02")
    wx, wy = _cols(rows, "lng_wgs84", "lat_wgs84")
    x, y = bd09_to_gcj02(bx, by)
    np.testing.assert_allclose(x, gx, atol=TOL_DEG, rtol=0)
    np.testing.assert_allclose(y, gy, atol=TOL_DEG, rtol=0)
    x, y = bd09_to_wgs84(bx, by)
    np.testing.assert_allclose(x, wx, atol=TOL_DEG, rtol=0)
    np.testing.assert_allclose(y, wy, atol=TOL_DEG, rtol=0)
    x, y = gcj02_to_bd09(gx, gy)
    np.testing.assert_allclose(x, bx, atol=TOL_DEG, rtol=0)
    np.testing.assert_allclose(y, by, atol=TOL_DEG, rtol=0)
    x, y = wgs84_to_bd09(wx, wy)
    np.testing.assert_allclose(x, bx, atol=TOL_DEG, rtol=0)
    np.testing.assert_allclose(y, by, atol=TOL_DEG, rtol=0)


def test_gcj02_inverse_converges_below_1e7_over_china() -> None:
    """WGS84 -> GCJ-02 -> WGS84 returns within 1e-7 deg on a grid over China."""
    lon, lat = np.meshgrid(np.linspace(74.0, 134.0, 25), np.linspace(19.0, 53.0, 18))
    gx, gy = wgs84_to_gcj02(lon, lat)
    assert gx.shape == lon.shape
    x, y = gcj02_to_wgs84(gx, gy)
    assert float(np.max(np.abs(x - lon))) < 1e-7
    assert float(np.max(np.abs(y - lat))) < 1e-7


def test_scalars_in_floats_out_and_offset_size() -> None:
    """Scalars give floats; the Liquan GCJ-02 shift is a few hundred metres."""
    g = wgs84_to_gcj02(108.5, 34.5)
    assert all(isinstance(v, float) for v in g)
    shift = haversine_km(108.5, 34.5, *g)
    assert 0.1 < shift < 0.7
    b = wgs84_to_bd09(108.5, 34.5)
    assert 0.5 < haversine_km(*g, *b) < 1.5
    w = gcj02_to_wgs84(*g)
    assert isinstance(w[0], float)
    assert math.isclose(w[0], 108.5, abs_tol=1e-9) and math.isclose(w[1], 34.5, abs_tol=1e-9)


def test_outside_china_has_no_offset() -> None:
    """Outside China's box GCJ-02 equals WGS84 (Paris, Sydney); inside it does not."""
    assert out_of_china(2.35, 48.85) is True
    assert out_of_china(108.5, 34.5) is False
    np.testing.assert_array_equal(out_of_china([2.35, 108.5], [48.85, 34.5]), [True, False])
    assert wgs84_to_gcj02(2.35, 48.85) == (2.35, 48.85)
    assert gcj02_to_wgs84(151.2, -33.9) == (151.2, -33.9)
    x, y = wgs84_to_gcj02(np.array([2.35, 108.5]), np.array([48.85, 34.5]))
    assert x[0] == 2.35 and y[0] == 48.85 and x[1] != 108.5


@pytest.mark.parametrize("crs", [Crs.WGS84, Crs.GCJ02, Crs.BD09, "gcj02", "BD09"])
def test_to_and_from_wgs84_by_bundle_crs(crs: Crs | str) -> None:
    """from_wgs84 then to_wgs84 returns the point, for each bundle CRS."""
    x, y = from_wgs84([108.42, 108.54], [34.48, 34.58], crs)
    bx, by = to_wgs84(x, y, crs)
    np.testing.assert_allclose(bx, [108.42, 108.54], atol=2e-6)
    np.testing.assert_allclose(by, [34.48, 34.58], atol=2e-6)
    sx, sy = to_wgs84(108.42, 34.48, crs)
    assert isinstance(sx, float) and isinstance(sy, float)
    if str(crs).lower() == "wgs84":
        assert (x[0], y[0]) == (108.42, 34.48)
    with pytest.raises(ValueError):
        to_wgs84(1.0, 1.0, "utm50")


def test_check_lonlat_names_each_problem() -> None:
    """A wrong CRS is detected: projected metres, swapped lat/lon, outside China, non-numbers."""
    assert check_lonlat(108.42, 34.48) is None
    assert "projected" in str(check_lonlat(12_069_000.0, 4_094_000.0))
    assert "projected" in str(check_lonlat(500_000.0, 3_800_000.0))
    assert "swapped" in str(check_lonlat(34.48, 108.42))
    assert "outside China" in str(check_lonlat(2.35, 48.85))
    assert "outside China" in str(check_lonlat(-108.42, 34.48))
    assert "finite" in str(check_lonlat(math.nan, 34.0))
    assert "number" in str(check_lonlat("x", 34.0))  # type: ignore[arg-type]
    got = check_lonlat_many([108.42, 34.48], [34.48, 108.42])
    assert got[0] is None and "swapped" in str(got[1])
