"""Readers of the real data (packaged in :mod:`ruralflow.data`, or an override folder).

Each function takes the data folder (from :func:`ruralflow.data.data_root`); file names are
relative to it, and a file may be stored plain or xz-compressed (``name.xz``). All codes are
read as strings. Every reader is cached per data folder, so building several counties reads
each file once per process; the national village list (620,573 rows, 38 MB uncompressed) is
decompressed once and only the requested county's rows are parsed.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import lzma
import re
import statistics
from collections import defaultdict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ruralflow.data import XZ_SUFFIX, open_text, resolve_file


class MakeError(ValueError):
    """A county cannot be built (unknown adcode, no seat point, ...); one-line message.

    Defined here so that :class:`SharedDataError` is one; re-exported by
    :mod:`ruralflow.bundle.make`, where callers import it from.
    """


class SharedDataError(MakeError):
    """A data file is missing, or lacks something the bundle builder needs (one line)."""


@dataclass(frozen=True, slots=True)
class CountyRow:
    """One row of ``admin_divisions/counties_china.csv`` (+ the seat point when known)."""

    code: str
    name: str
    city: str
    province: str
    seat_lon: float | None
    seat_lat: float | None
    seat_source: str


@dataclass(frozen=True, slots=True)
class TownshipRow:
    code: str
    name: str
    lon: float
    lat: float
    source: str
    quality: str


@dataclass(frozen=True, slots=True)
class VillageRow:
    code: str
    name: str
    township_code: str
    ur_code_2016: str


@dataclass(frozen=True, slots=True)
class VillagePoint:
    code: str
    name: str
    lon: float
    lat: float
    source: str


@dataclass(frozen=True, slots=True)
class DivisionRow:
    """A township-level unit of ``admin_divisions/townships_china.csv`` (no coordinates)."""

    code: str
    name: str
    county_code: str


def _missing(path: Path) -> SharedDataError:
    return SharedDataError(f"数据文件缺失 / missing data file {path} (nor {path.name}{XZ_SUFFIX})")


def _read(path: Path) -> list[dict[str, str]]:
    if resolve_file(path) is None:
        raise _missing(path)
    with open_text(path) as fh:
        return list(csv.DictReader(fh))


def _float(v: str | None) -> float | None:
    if v is None or not v.strip():
        return None
    return float(v)


@lru_cache(maxsize=8)
def counties(data_dir: Path) -> dict[str, CountyRow]:
    """Every county-level unit (2,978) with its seat point from county_points_china.csv."""
    points = {r["code"]: r for r in _read(data_dir / "coordinates" / "county_points_china.csv")}
    out: dict[str, CountyRow] = {}
    for r in _read(data_dir / "admin_divisions" / "counties_china.csv"):
        p = points.get(r["code"], {})
        out[r["code"]] = CountyRow(
            code=r["code"],
            name=r["name"],
            city=r["city_name"],
            province=r["province_name"],
            seat_lon=_float(p.get("lng_wgs84")),
            seat_lat=_float(p.get("lat_wgs84")),
            seat_source=p.get("source", ""),
        )
    return out


@lru_cache(maxsize=8)
def county_seats(data_dir: Path) -> dict[str, tuple[float, float, str]]:
    """The six candidate counties' seats: code -> (lon, lat, source) in WGS84."""
    return {
        r["county_code"]: (float(r["lng_wgs84"]), float(r["lat_wgs84"]), r["source"])
        for r in _read(data_dir / "coordinates" / "candidate_county_seats.csv")
    }


@lru_cache(maxsize=8)
def _townships_all(data_dir: Path) -> dict[str, list[TownshipRow]]:
    names = {
        r["code"]: r["name"]
        for r in _read(data_dir / "admin_divisions" / "candidate_townships.csv")
    }
    out: dict[str, list[TownshipRow]] = defaultdict(list)
    for r in _read(data_dir / "coordinates" / "candidate_townships_coords.csv"):
        code = r["code"]
        out[r["county_code"]].append(
            TownshipRow(
                code=code,
                name=names.get(code, r["name"]),
                lon=float(r["lng_wgs84"]),
                lat=float(r["lat_wgs84"]),
                source=r["chosen_source"],
                quality=r["quality_flag"],
            )
        )
    known = {c for c in names}
    for rows in out.values():
        for t in rows:
            if t.code not in known:
                raise SharedDataError(
                    f"乡镇有坐标但无区划代码 / township {t.code} has a point but no NBS row"
                )
    return dict(out)


def townships(data_dir: Path, adcode: str) -> list[TownshipRow]:
    """The county's townships (NBS 2023 codes) with their seat points, sorted by code."""
    return sorted(_townships_all(data_dir).get(adcode, []), key=lambda t: t.code)


@lru_cache(maxsize=8)
def _villages_all(data_dir: Path) -> dict[str, list[VillageRow]]:
    out: dict[str, list[VillageRow]] = defaultdict(list)
    for r in _read(data_dir / "admin_divisions" / "candidate_villages.csv"):
        out[r["county_code"]].append(
            VillageRow(r["code"], r["name"], r["township_code"], r["ur_code_2016"])
        )
    return dict(out)


def villages(data_dir: Path, adcode: str) -> list[VillageRow]:
    """Every village-level unit (村委会 and 居委会) of the county, sorted by code."""
    return sorted(_villages_all(data_dir).get(adcode, []), key=lambda v: v.code)


@lru_cache(maxsize=8)
def village_points(data_dir: Path) -> dict[str, VillagePoint]:
    """The few villages with a real (geocoded) point, WGS84: code -> point."""
    return {
        r["code"]: VillagePoint(
            r["code"], r["name"], float(r["lng_wgs84"]), float(r["lat_wgs84"]), r["source"]
        )
        for r in _read(data_dir / "coordinates" / "candidate_villages_coords_sparse.csv")
    }


TOWNSHIPS_CHINA = "admin_divisions/townships_china.csv"
VILLAGES_CHINA = "admin_divisions/villages_china.csv"


@lru_cache(maxsize=8)
def _townships_china(data_dir: Path) -> dict[str, tuple[DivisionRow, ...]]:
    out: dict[str, list[DivisionRow]] = defaultdict(list)
    for r in _read(data_dir / TOWNSHIPS_CHINA):
        out[r["areaCode"]].append(DivisionRow(r["code"], r["name"], r["areaCode"]))
    return {k: tuple(sorted(v, key=lambda t: t.code)) for k, v in out.items()}


def townships_china(data_dir: Path, adcode: str) -> list[DivisionRow]:
    """Every township-level unit (镇/乡/街道, ...) of any county, NBS 2023, sorted by code."""
    return list(_townships_china(data_dir).get(adcode, ()))


@lru_cache(maxsize=2)
def _villages_bytes(data_dir: Path) -> tuple[str, bytes]:
    """The national village file, decompressed (38 MB): its header and its whole text."""
    path = data_dir / VILLAGES_CHINA
    found = resolve_file(path)
    if found is None:
        raise _missing(path)
    raw = found.read_bytes()
    if found.name.endswith(XZ_SUFFIX):
        raw = lzma.decompress(raw)
    raw = raw.removeprefix(b"\xef\xbb\xbf")
    header, _, _ = raw.partition(b"\n")
    return header.decode("utf-8").rstrip("\r"), raw


@lru_cache(maxsize=64)
def _villages_china(data_dir: Path, adcode: str) -> tuple[VillageRow, ...]:
    header, raw = _villages_bytes(data_dir)
    # Lines whose first field is a 12-digit code of this county (quoted or not).
    pattern = re.compile(rb'^"?' + adcode.encode("ascii") + rb'\d{6}"?,[^\n]*', re.MULTILINE)
    lines = [m.group(0).decode("utf-8").rstrip("\r") for m in pattern.finditer(raw)]
    out = [
        VillageRow(r["code"], r["name"], r["streetCode"], "")
        for r in csv.DictReader(io.StringIO("\n".join([header, *lines])))
        if r["areaCode"] == adcode
    ]
    return tuple(sorted(out, key=lambda v: v.code))


def villages_china(data_dir: Path, adcode: str) -> list[VillageRow]:
    """Every village-level unit (村委会 and 居委会) of any county, NBS 2023, sorted by code.

    ``ur_code_2016`` is blank: the national file has no urban-rural code (the code suffix
    tells 居委会 from 村委会).
    """
    if not (adcode.isdigit() and len(adcode) == 6):
        raise SharedDataError(
            f"县级代码应为 6 位数字 / county code must have 6 digits (got {adcode!r})"
        )
    return list(_villages_china(data_dir, adcode))


def boundary(data_dir: Path, adcode: str) -> tuple[dict[str, Any], str]:
    """The county polygon (WGS84 GeoJSON geometry) and its file name."""
    folder = data_dir / "coordinates" / "county_boundaries"
    files = sorted(
        {
            f.with_name(f.name.removesuffix(XZ_SUFFIX))
            for pattern in (f"{adcode}_*_wgs84.geojson", f"{adcode}_*_wgs84.geojson{XZ_SUFFIX}")
            for f in folder.glob(pattern)
        }
    )
    if not files:
        raise SharedDataError(f"缺少县界 / no county polygon {folder}/{adcode}_*_wgs84.geojson")
    with open_text(files[0]) as fh:
        data = json.load(fh)
    geom = data.get("geometry", data) if data.get("type") == "Feature" else data
    if geom.get("type") not in ("Polygon", "MultiPolygon"):
        raise SharedDataError(
            f"{files[0]}: 县界不是多边形 / geometry is {geom.get('type')}, not a polygon"
        )
    return dict(geom), files[0].name


@dataclass(frozen=True, slots=True)
class PriceStat:
    """Median Xinfadi price of a group over some months, in CNY per kg (wholesale)."""

    group: str
    yuan_per_kg: float
    days: int
    months: tuple[int, ...]
    first: dt.date
    last: dt.date


PRICE_FILE = "prices/xinfadi_2013_2016_daily_fruit_veg.csv"


@lru_cache(maxsize=8)
def _daily_prices(data_dir: Path) -> dict[str, dict[dt.date, float]]:
    """group -> day -> mean of that day's avg quotes (CNY per jin), plus 'kind:<kind>' sets."""
    rows = _read(data_dir / PRICE_FILE)
    acc: dict[str, dict[dt.date, list[float]]] = defaultdict(lambda: defaultdict(list))
    kinds: dict[str, str] = {}
    for r in rows:
        if r["unit"] != "斤":
            continue
        day = dt.date.fromisoformat(r["date"])
        acc[r["product_group"]][day].append(float(r["avg_price_cny"]))
        kinds[r["product_group"]] = r["kind"]
    out = {g: {d: sum(v) / len(v) for d, v in days.items()} for g, days in acc.items()}
    # A "kind" pseudo-group: per day, the median over the groups quoted that day.
    for kind in set(kinds.values()):
        per_day: dict[dt.date, list[float]] = defaultdict(list)
        for g, k in kinds.items():
            if k == kind:
                for d, v in out[g].items():
                    per_day[d].append(v)
        out[f"kind:{kind}"] = {d: statistics.median(v) for d, v in per_day.items()}
    return out


def price(data_dir: Path, group: str, months: tuple[int, ...] = ()) -> PriceStat:
    """Median daily wholesale price (CNY/kg) of ``group`` over the given months (all if none).

    Falls back to all months when fewer than 20 market days fall in ``months``.
    """
    series = _daily_prices(data_dir).get(group)
    if not series:
        raise SharedDataError(
            f"无此新发地价格组 / no Xinfadi price group {group!r} in {data_dir / PRICE_FILE}"
        )
    sel = {d: v for d, v in series.items() if not months or d.month in months}
    used = months
    if len(sel) < 20:
        sel, used = dict(series), ()
    days = sorted(sel)
    return PriceStat(
        group=group,
        yuan_per_kg=2.0 * statistics.median(sel.values()),  # CNY per jin -> per kg
        days=len(days),
        months=tuple(used),
        first=days[0],
        last=days[-1],
    )
