"""Read, validate and write county bundles (the folder format of DESIGN.md).

A bundle is a folder a person can edit in a spreadsheet::

    county.yaml        identity, CRS, hub, climate, detour factor, costs, sources
    places.csv         hub, township stations, villages, cold hubs, ... (one row a place)
    products.csv       products with perishability
    fleet.csv          vehicle types
    bus_lines.csv      scheduled bus lines (stops and departures ';'-separated)
    demand_down.csv    day, village, parcels, kg, m3, cold
    supply_up.csv      batch, day, village, product, kg, ready and harvest time
    economy.yaml       inputs of the value matrix
    boundary.geojson   the county polygon (optional, same CRS as county.yaml)
    candidate_sites.csv  optional extra places (default kind candidate_site)
    roads.geojson      optional road network (LineStrings, same CRS)

Validation collects *every* problem (file, row, column, value, message) rather than stopping at
the first. Rows are numbered as a spreadsheet shows them: the header is row 1, the first data
row is row 2. Reading never writes anything; writing goes to a temporary folder that is renamed
into place only when complete.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import math
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ruralflow.domain import (
    BusLine,
    County,
    CountyError,
    CountySettings,
    Crs,
    DomainError,
    DownDemand,
    Economy,
    FieldError,
    Place,
    PlaceKind,
    Product,
    SourcedValue,
    UpSupply,
    VehicleType,
)
from ruralflow.domain._check import format_hhmm, parse_hhmm

FORMAT = "ruralflow-bundle/1"

# Collection name in the domain -> file name in the bundle.
FILES: dict[str, str] = {
    "county": "county.yaml",
    "places": "places.csv",
    "products": "products.csv",
    "vehicle_types": "fleet.csv",
    "bus_lines": "bus_lines.csv",
    "demand_down": "demand_down.csv",
    "supply_up": "supply_up.csv",
    "economy": "economy.yaml",
    "boundary": "boundary.geojson",
    "candidate_sites": "candidate_sites.csv",
    "roads": "roads.geojson",
}
REQUIRED_FILES = ("county.yaml", "places.csv")


# --------------------------------------------------------------------------- problems
@dataclass(frozen=True, slots=True)
class BundleProblem:
    """One problem in a bundle: where it is and what is wrong."""

    file: str
    row: int | None
    column: str | None
    value: Any
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        val = "" if self.value is None else f": value {self.value!r}"
        return f"{where}{val}: {self.message}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "row": self.row,
            "column": self.column,
            "value": self.value if _jsonable(self.value) else repr(self.value),
            "message": self.message,
        }


class BundleError(DomainError):
    """A bundle could not be read; ``problems`` lists every problem found."""

    def __init__(self, path: Path, problems: list[BundleProblem]) -> None:
        self.path = path
        self.problems = problems
        lines = "\n".join(f"  {p}" for p in problems)
        super().__init__(f"bundle {path} has {len(problems)} problem(s):\n{lines}")


def _jsonable(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


# --------------------------------------------------------------------------- cell parsers
class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _p_str(v: str) -> str:
    return v.strip()


def _p_float(v: str) -> float:
    s = v.strip()
    try:
        x = float(s)
    except ValueError:
        raise _CellError("is not a number") from None
    if not math.isfinite(x):
        raise _CellError("is not a finite number")
    return x


def _p_opt_float(v: str) -> float | None:
    return None if not v.strip() else _p_float(v)


def _p_int(v: str) -> int:
    s = v.strip()
    try:
        return int(s)
    except ValueError:
        pass
    try:
        x = float(s)
    except ValueError:
        raise _CellError("is not a whole number") from None
    if not x.is_integer():
        raise _CellError("is not a whole number")
    return int(x)


_TRUE = {"yes", "y", "true", "1", "是"}
_FALSE = {"no", "n", "false", "0", "否", ""}


def _p_bool(v: str) -> bool:
    s = v.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise _CellError("is not yes/no")


def _p_date(v: str) -> dt.date:
    try:
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        raise _CellError("is not a date YYYY-MM-DD") from None


def _p_time(v: str) -> int:
    try:
        return parse_hhmm("", "", v)
    except FieldError:
        raise _CellError("is not a time HH:MM") from None


def _p_list(v: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in v.split(";") if x.strip())


def _p_times(v: str) -> tuple[int, ...]:
    return tuple(_p_time(x) for x in _p_list(v))


def _w_list(v: Iterable[str]) -> str:
    return ";".join(v)


def _w_set(v: Iterable[str]) -> str:
    return ";".join(sorted(v))


def _w_times(v: Iterable[int]) -> str:
    return ";".join(format_hhmm(t) for t in v)


@dataclass(frozen=True, slots=True)
class _Col:
    name: str
    parse: Callable[[str], Any]
    required: bool = True
    default: str = ""
    attr: str = ""  # domain attribute when it differs from the column name
    write: Callable[[Any], Any] | None = None  # domain value -> cell (default: as it is)


_PLACE_COLS = (
    _Col("id", _p_str),
    _Col("kind", _p_str),
    _Col("name", _p_str),
    _Col("name_en", _p_str, False),
    _Col("adcode", _p_str, False),
    _Col("parent", _p_str, False),
    _Col("lon", _p_float),
    _Col("lat", _p_float),
    _Col("households", _p_int, False, "0"),
    _Col("open", _p_time, False, "08:00", "open_min", format_hhmm),
    _Col("close", _p_time, False, "18:00", "close_min", format_hhmm),
    _Col("functions", _p_list, False, write=_w_set),
    _Col("coord_source", _p_str, False, "surveyed"),
)
# candidate_sites.csv: the places columns, kind defaulting to candidate_site
_CANDIDATE_COLS = tuple(
    _Col(c.name, c.parse, False, "candidate_site", c.attr, c.write) if c.name == "kind" else c
    for c in _PLACE_COLS
)
_PRODUCT_COLS = (
    _Col("id", _p_str),
    _Col("name", _p_str),
    _Col("name_en", _p_str, False),
    _Col("category", _p_str),
    _Col("value_yuan_per_kg", _p_float),
    _Col("shelf_life_ref_days", _p_float),
    _Col("t_ref_c", _p_float),
    _Col("q10", _p_float),
    _Col("ea_kj_per_mol", _p_opt_float, False),
    _Col("t_min_c", _p_float),
    _Col("t_opt_c", _p_opt_float, False),
    _Col("cold_chain", _p_bool, False, "no"),
    _Col("source", _p_str, False, "assumption"),
)
_FLEET_COLS = (
    _Col("id", _p_str),
    _Col("name", _p_str, False),
    _Col("kind", _p_str),
    _Col("count", _p_int),
    _Col("capacity_kg", _p_float),
    _Col("capacity_m3", _p_float),
    _Col("fixed_cost_yuan", _p_float),
    _Col("cost_yuan_per_km", _p_float),
    _Col("speed_kmh", _p_float),
    _Col("shift_hours", _p_float),
    _Col("temperature_class", _p_str, False, "ambient"),
    _Col("co2_kg_per_km", _p_float, False, "0"),
    _Col("depot", _p_str, False),
    _Col("source", _p_str, False, "assumption"),
)
_BUS_COLS = (
    _Col("id", _p_str),
    _Col("name", _p_str),
    _Col("stops", _p_list, write=_w_list),
    _Col("departures", _p_times, write=_w_times),
    _Col("spare_kg_per_run", _p_float),
    _Col("spare_m3_per_run", _p_float, False, "0"),
    _Col("fee_yuan_per_kg", _p_float, False, "0"),
    _Col("fee_yuan_per_parcel", _p_float, False, "0"),
    _Col("speed_kmh", _p_float, False, "35"),
    _Col("dwell_min", _p_int, False, "3"),
    _Col("return_trip", _p_bool, False, "yes"),
    _Col("source", _p_str, False, "assumption"),
)
_DEMAND_COLS = (
    _Col("day", _p_date),
    _Col("village", _p_str),
    _Col("parcels", _p_int),
    _Col("kg", _p_float),
    _Col("m3", _p_float, False, "0"),
    _Col("cold", _p_bool, False, "no"),
    _Col("synthetic", _p_bool, False, "no"),
)
_SUPPLY_COLS = (
    _Col("batch", _p_str),
    _Col("day", _p_date),
    _Col("village", _p_str),
    _Col("product", _p_str),
    _Col("kg", _p_float),
    _Col("m3", _p_float, False, "0"),
    _Col("ready_time", _p_time, False, "08:00", "ready_min", format_hhmm),
    _Col("harvest_time", _p_time, False, "06:00", "harvest_min", format_hhmm),
    _Col("synthetic", _p_bool, False, "no"),
)


# --------------------------------------------------------------------------- reading
@dataclass
class _Reader:
    root: Path
    problems: list[BundleProblem] = field(default_factory=list)
    # ids of rows that were rejected: references to them are not reported a second time
    rejected: set[str] = field(default_factory=set)

    def add(self, file: str, row: int | None, column: str | None, value: Any, msg: str) -> None:
        self.problems.append(BundleProblem(file, row, column, value, msg))

    # -- yaml
    def yaml(self, name: str, required: bool) -> dict[str, Any] | None:
        path = self.root / name
        if not path.exists():
            if required:
                self.add(name, None, None, None, "file is missing")
            return None
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (yaml.YAMLError, UnicodeDecodeError) as e:
            line = getattr(getattr(e, "problem_mark", None), "line", None)
            self.add(
                name, None if line is None else line + 1, None, None, f"is not valid YAML: {e}"
            )
            return None
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.add(name, None, None, type(data).__name__, "must be a YAML mapping")
            return None
        return data

    # -- csv
    def csv_rows(
        self, name: str, cols: Sequence[_Col], required: bool
    ) -> list[tuple[int, dict[str, Any]]] | None:
        """Parsed rows as (spreadsheet row number, {attr: value}); bad cells are problems."""
        path = self.root / name
        if not path.exists():
            if required:
                self.add(name, None, None, None, "file is missing")
            return None
        try:
            text = path.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            self.add(name, None, None, None, f"is not UTF-8 text: {e}")
            return None
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
        if header is None:
            self.add(name, 1, None, None, "has no header row")
            return None
        header = [h.strip() for h in header]
        missing = [c.name for c in cols if c.required and c.name not in header]
        for m in missing:
            self.add(name, 1, m, None, "required column is missing from the header")
        known = {c.name for c in cols}
        for h in header:
            if h not in known:
                self.add(
                    name, 1, h, None, f"unknown column (known: {', '.join(c.name for c in cols)})"
                )
        dup = {h for h in header if header.count(h) > 1}
        for h in sorted(dup):
            self.add(name, 1, h, None, "column appears more than once")
        if missing or dup:
            return None
        idx = {h: i for i, h in enumerate(header)}
        out: list[tuple[int, dict[str, Any]]] = []
        for rowno, raw in enumerate(reader, start=2):
            if not raw or all(not c.strip() for c in raw):
                continue
            if len(raw) != len(header):
                self.add(
                    name, rowno, None, len(raw), f"has {len(raw)} cells, header has {len(header)}"
                )
                continue
            vals: dict[str, Any] = {}
            ok = True
            for c in cols:
                cell = raw[idx[c.name]] if c.name in idx else ""
                if not cell.strip():
                    if c.required:
                        self.add(name, rowno, c.name, cell, "is empty")
                        ok = False
                        continue
                    cell = c.default
                try:
                    vals[c.attr or c.name] = c.parse(cell)
                except _CellError as e:
                    self.add(name, rowno, c.name, cell, e.message)
                    ok = False
            if ok:
                out.append((rowno, vals))
            elif "id" in idx:
                self.rejected.add(raw[idx["id"]].strip())
        return out

    def build(
        self,
        name: str,
        rows: Iterable[tuple[int, dict[str, Any]]],
        factory: Callable[..., Any],
        columns: Mapping[str, str],
    ) -> tuple[list[Any], list[int]]:
        """Domain objects from parsed rows; FieldErrors become problems naming the column."""
        objs: list[Any] = []
        rownos: list[int] = []
        for rowno, vals in rows:
            try:
                objs.append(factory(**vals))
                rownos.append(rowno)
            except FieldError as e:
                col = columns.get(e.field, e.field)
                self.add(name, rowno, col, e.value, e.reason)
                self.rejected.add(str(vals.get("id", "")))
            except DomainError as e:
                self.add(name, rowno, None, None, str(e))
                self.rejected.add(str(vals.get("id", "")))
        return objs, rownos


def _sourced(r: _Reader, file: str, key: str, raw: Any, unit: str) -> SourcedValue | None:
    """``{value, unit, source}`` mapping or a bare number (source: assumption)."""
    try:
        if isinstance(raw, dict):
            return SourcedValue(
                value=raw.get("value"),  # type: ignore[arg-type]
                unit=str(raw.get("unit", unit)),
                source=str(raw.get("source", "assumption")),
                note=str(raw.get("note", "")),
            )
        return SourcedValue(value=raw, unit=unit)
    except FieldError as e:
        r.add(file, None, key, e.value, e.reason)
        return None


def _settings(r: _Reader, data: Mapping[str, Any]) -> CountySettings | None:
    f = "county.yaml"
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        r.add(f, None, "format", fmt, f"is not a known bundle format (expected {FORMAT})")
    for key in ("adcode", "name", "hub", "monthly_mean_temp_c", "detour_factor"):
        if key not in data:
            r.add(f, None, key, None, "required key is missing")
    if any(
        k not in data for k in ("adcode", "name", "hub", "monthly_mean_temp_c", "detour_factor")
    ):
        return None
    detour = _sourced(r, f, "detour_factor", data["detour_factor"], "ratio")
    costs: dict[str, SourcedValue] = {}
    for k, v in (data.get("costs") or {}).items():
        sv = _sourced(r, f, f"costs.{k}", v, "yuan")
        if sv is not None:
            costs[str(k)] = sv
    temps = data["monthly_mean_temp_c"]
    temp_source = ""
    if isinstance(temps, dict):
        temp_source = str(temps.get("source", ""))
        temps = temps.get("values")
    if not isinstance(temps, list):
        r.add(f, None, "monthly_mean_temp_c", temps, "must be a list of 12 numbers")
        return None
    season = data.get("season") or {}
    sources = {str(k): str(v) for k, v in (data.get("sources") or {}).items()}
    if temp_source:
        sources.setdefault("monthly_mean_temp_c", temp_source)
    if detour is None:
        return None
    try:
        return CountySettings(
            adcode=str(data["adcode"]),
            name=str(data["name"]),
            name_en=str(data.get("name_en", "")),
            province=str(data.get("province", "")),
            city=str(data.get("city", "")),
            hub=str(data["hub"]),
            crs=str(data.get("crs", "wgs84")),  # type: ignore[arg-type]
            monthly_mean_temp_c=tuple(temps),
            detour_factor=detour,
            costs=costs,
            sources=sources,
            synthetic=tuple(str(s) for s in (data.get("synthetic") or ())),
            season_start=_yaml_date(r, "season.start", season.get("start")),
            season_end=_yaml_date(r, "season.end", season.get("end")),
            coarse=bool(data.get("coarse", False)),
        )
    except FieldError as e:
        r.add(f, None, e.field, e.value, e.reason)
        return None


def _yaml_date(r: _Reader, key: str, v: Any) -> dt.date | None:
    if v is None or isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        r.add("county.yaml", None, key, v, "is not a date YYYY-MM-DD")
        return None


def _economy(r: _Reader, data: Mapping[str, Any] | None) -> Economy:
    if not data:
        return Economy()
    f = "economy.yaml"
    flows: dict[str, SourcedValue] = {}
    for k, v in (data.get("flows") or {}).items():
        sv = _sourced(r, f, f"flows.{k}", v, "yuan/year")
        if sv is not None:
            if sv.value < 0:
                r.add(f, None, f"flows.{k}", sv.value, "must be >= 0")
            flows[str(k)] = sv
    params: dict[str, SourcedValue] = {}
    for k, v in (data.get("parameters") or {}).items():
        sv = _sourced(r, f, f"parameters.{k}", v, "ratio")
        if sv is not None:
            params[str(k)] = sv
    shares: dict[str, float] = {}
    for k, v in (data.get("sector_shares") or {}).items():
        if isinstance(v, bool) or not isinstance(v, int | float) or not 0 <= v <= 1:
            r.add(f, None, f"sector_shares.{k}", v, "must be a number in [0, 1]")
        else:
            shares[str(k)] = float(v)
    try:
        return Economy(
            flows=flows,
            parameters=params,
            sector_shares=shares,
            io_table=str(data.get("io_table", "")),
            year=int(data.get("year", 0) or 0),
        )
    except FieldError as e:
        r.add(f, None, e.field, e.value, e.reason)
        return Economy()


def _geojson(r: _Reader, name: str) -> dict[str, Any] | None:
    path = r.root / name
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        r.add(name, getattr(e, "lineno", None), None, None, f"is not valid JSON: {e}")
        return None
    if not isinstance(data, dict) or "type" not in data:
        r.add(name, None, "type", None, "is not a GeoJSON object")
        return None
    return data


def _boundary_geometry(r: _Reader, data: dict[str, Any]) -> dict[str, Any] | None:
    """The polygon of ``boundary.geojson`` (a Feature, FeatureCollection or bare geometry)."""
    geom: Any = data
    if data.get("type") == "FeatureCollection":
        feats = data.get("features") or []
        if len(feats) != 1:
            r.add(
                "boundary.geojson", None, "features", len(feats), "must hold exactly one Feature"
            )
            return None
        geom = feats[0].get("geometry")
    elif data.get("type") == "Feature":
        geom = data.get("geometry")
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        gtype = geom.get("type") if isinstance(geom, dict) else geom
        r.add("boundary.geojson", None, "geometry.type", gtype, "must be Polygon or MultiPolygon")
        return None
    return geom


def _map_coords(obj: Any, fn: Callable[[float, float], tuple[float, float]]) -> Any:
    """Apply ``fn(lon, lat)`` to every position of a GeoJSON coordinates array."""
    if (
        isinstance(obj, list)
        and len(obj) >= 2
        and all(isinstance(v, int | float) for v in obj[:2])
    ):
        lon, lat = fn(float(obj[0]), float(obj[1]))
        return [lon, lat, *obj[2:]]
    if isinstance(obj, list):
        return [_map_coords(o, fn) for o in obj]
    return obj


def _geometry_to_wgs84(geom: Mapping[str, Any], crs: Crs) -> dict[str, Any]:
    if crs is Crs.WGS84:
        return dict(geom)
    fn = _to_wgs84_fn(crs)
    if geom.get("type") == "GeometryCollection":
        return {**geom, "geometries": [_geometry_to_wgs84(g, crs) for g in geom["geometries"]]}
    return {**geom, "coordinates": _map_coords(geom.get("coordinates"), fn)}


def _featurecollection_to_wgs84(fc: Mapping[str, Any], crs: Crs) -> dict[str, Any]:
    if crs is Crs.WGS84:
        return dict(fc)
    feats = [
        {**f, "geometry": _geometry_to_wgs84(f["geometry"], crs)} if f.get("geometry") else f
        for f in fc.get("features", [])
    ]
    return {**fc, "features": feats}


def _to_wgs84_fn(crs: Crs) -> Callable[[float, float], tuple[float, float]]:
    from ruralflow.geo import crs as geocrs

    if crs is Crs.GCJ02:
        return geocrs.gcj02_to_wgs84
    if crs is Crs.BD09:
        return geocrs.bd09_to_wgs84
    return lambda lon, lat: (lon, lat)


def validate_bundle(path: str | os.PathLike[str]) -> list[BundleProblem]:
    """Every problem of the bundle at ``path`` (empty when it is good)."""
    try:
        read_bundle(path)
    except BundleError as e:
        return e.problems
    return []


def read_bundle(path: str | os.PathLike[str]) -> County:
    """Read and validate a bundle; raise :class:`BundleError` listing every problem."""
    root = Path(path)
    r = _Reader(root)
    if not root.is_dir():
        r.add(str(root), None, None, None, "is not a bundle folder")
        raise BundleError(root, r.problems)

    county_yaml = r.yaml("county.yaml", required=True)
    settings = _settings(r, county_yaml) if county_yaml is not None else None
    crs = settings.crs if settings else Crs.WGS84
    to_wgs = _to_wgs84_fn(crs)

    place_cols = {"open_min": "open", "close_min": "close"}
    place_rows = r.csv_rows("places.csv", _PLACE_COLS, required=True) or []
    cand_rows = r.csv_rows("candidate_sites.csv", _CANDIDATE_COLS, required=False) or []
    for rows, fname in ((place_rows, "places.csv"), (cand_rows, "candidate_sites.csv")):
        for rowno, vals in rows:
            _check_coords(r, fname, rowno, vals, crs)
            if crs is not Crs.WGS84:
                vals["lon"], vals["lat"] = to_wgs(vals["lon"], vals["lat"])
    places, place_lines = r.build("places.csv", place_rows, Place, place_cols)
    cands, cand_lines = r.build("candidate_sites.csv", cand_rows, Place, place_cols)

    products, product_lines = r.build(
        "products.csv", r.csv_rows("products.csv", _PRODUCT_COLS, False) or [], Product, {}
    )
    fleet, fleet_lines = r.build(
        "fleet.csv", r.csv_rows("fleet.csv", _FLEET_COLS, False) or [], VehicleType, {}
    )
    buses, bus_lines = r.build(
        "bus_lines.csv", r.csv_rows("bus_lines.csv", _BUS_COLS, False) or [], BusLine, {}
    )
    demand, demand_lines = r.build(
        "demand_down.csv", r.csv_rows("demand_down.csv", _DEMAND_COLS, False) or [], DownDemand, {}
    )
    supply, supply_lines = r.build(
        "supply_up.csv",
        r.csv_rows("supply_up.csv", _SUPPLY_COLS, False) or [],
        UpSupply,
        {"ready_min": "ready_time", "harvest_min": "harvest_time"},
    )
    economy = _economy(r, r.yaml("economy.yaml", required=False))

    boundary = None
    bdata = _geojson(r, "boundary.geojson")
    if bdata is not None:
        geom = _boundary_geometry(r, bdata)
        if geom is not None:
            boundary = _geometry_to_wgs84(geom, crs)
    roads = None
    rdata = _geojson(r, "roads.geojson")
    if rdata is not None:
        if rdata.get("type") != "FeatureCollection":
            r.add("roads.geojson", None, "type", rdata.get("type"), "must be a FeatureCollection")
        else:
            roads = _featurecollection_to_wgs84(rdata, crs)

    all_places = places + cands
    all_lines = [("places.csv", n) for n in place_lines] + [
        ("candidate_sites.csv", n) for n in cand_lines
    ]
    if boundary is not None:
        _check_inside(r, boundary, all_places, all_lines)

    if settings is None:
        raise BundleError(root, r.problems)
    try:
        county = County(
            settings=settings,
            places=tuple(all_places),
            products=tuple(products),
            vehicle_types=tuple(fleet),
            bus_lines=tuple(buses),
            demand_down=tuple(demand),
            supply_up=tuple(supply),
            economy=economy,
            boundary=boundary,
            roads=roads,
        )
    except CountyError as e:
        lines: dict[str, list[tuple[str, int]]] = {
            "places": all_lines,
            "products": [("products.csv", n) for n in product_lines],
            "vehicle_types": [("fleet.csv", n) for n in fleet_lines],
            "bus_lines": [("bus_lines.csv", n) for n in bus_lines],
            "demand_down": [("demand_down.csv", n) for n in demand_lines],
            "supply_up": [("supply_up.csv", n) for n in supply_lines],
        }
        for p in e.problems:
            if p.field in _REFERENCE_FIELDS and p.value in r.rejected:
                continue  # the referenced row was rejected and is reported already
            if p.index is None or p.collection not in lines:
                r.add(FILES.get(p.collection, p.collection), None, p.field, p.value, p.message)
            else:
                fname, rowno = lines[p.collection][p.index]
                r.add(fname, rowno, _column_of(p.collection, p.field), p.value, p.message)
        raise BundleError(root, r.problems) from None
    if r.problems:
        raise BundleError(root, r.problems)
    return county


_REFERENCE_FIELDS = frozenset({"village", "product", "parent", "stops", "depot", "hub"})


def _column_of(collection: str, fieldname: str) -> str:
    if collection == "supply_up":
        return {"ready_min": "ready_time", "harvest_min": "harvest_time"}.get(fieldname, fieldname)
    if collection == "places":
        return {"open_min": "open", "close_min": "close"}.get(fieldname, fieldname)
    return fieldname


def _check_coords(r: _Reader, fname: str, rowno: int, vals: Mapping[str, Any], crs: Crs) -> None:
    from ruralflow.geo.crs import check_lonlat

    reason = check_lonlat(vals["lon"], vals["lat"])
    if reason:
        r.add(
            fname,
            rowno,
            "lon/lat",
            f"{vals['lon']},{vals['lat']}",
            f"{reason} (county.yaml says crs {crs.value}: longitude and latitude in degrees)",
        )


# Points may sit this far outside the polygon (GCJ-02/WGS84 offsets are ~0.5 km; the polygon
# is an Amap 2016 boundary): beyond it a point is reported as outside the county.
OUTSIDE_TOLERANCE_KM = 0.2


def _check_inside(
    r: _Reader,
    boundary: Mapping[str, Any],
    places: Sequence[Place],
    lines: Sequence[tuple[str, int]],
) -> None:
    import numpy as np
    import shapely
    from shapely.geometry import shape

    poly = shape(boundary)
    if not poly.is_valid:
        poly = shapely.make_valid(poly)
    if not places:
        return
    lon = np.array([p.lon for p in places])
    lat = np.array([p.lat for p in places])
    # tolerance in degrees: 0.2 km in latitude, scaled for longitude at the county's latitude
    tol = OUTSIDE_TOLERANCE_KM / 111.32
    inside = shapely.contains_xy(
        poly.buffer(tol / max(math.cos(math.radians(lat.mean())), 0.1)), lon, lat
    )
    for ok, p, (fname, rowno) in zip(inside, places, lines, strict=True):
        if p.kind is PlaceKind.FRONT_WAREHOUSE:
            continue  # urban front warehouses lie in cities outside the county by design
        if not ok:
            r.add(
                fname,
                rowno,
                "lon/lat",
                f"{p.lon:.6f},{p.lat:.6f}",
                f"place {p.id} lies outside the county polygon (boundary.geojson); "
                "wrong coordinates or wrong CRS?",
            )


# --------------------------------------------------------------------------- writing
def _fmt(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        return repr(v) if not v.is_integer() else str(int(v)) if abs(v) < 1e15 else repr(v)
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([_fmt(v) for v in row])


def _sv(v: SourcedValue) -> dict[str, Any]:
    d: dict[str, Any] = {"value": v.value, "unit": v.unit, "source": v.source}
    if v.note:
        d["note"] = v.note
    return d


def _write_table(path: Path, cols: Sequence[_Col], objs: Iterable[Any]) -> None:
    """Write domain objects as a CSV with the reader's columns (the same spec both ways)."""

    def cell(c: _Col, obj: Any) -> Any:
        v = getattr(obj, c.attr or c.name)
        return c.write(v) if c.write is not None else v

    _write_csv(path, [c.name for c in cols], ([cell(c, o) for c in cols] for o in objs))


def write_bundle(county: County, path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write ``county`` as a bundle folder at ``path`` (coordinates in WGS84).

    The files are written into a temporary folder beside ``path`` and moved into place only
    when all are complete, so a failure never leaves a half-written bundle. An existing folder
    is replaced only with ``overwrite=True``.
    """
    dest = Path(path)
    if dest.exists() and not overwrite:
        raise FileExistsError(f"{dest} exists (use overwrite)")
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", dir=dest.parent))
    try:
        _write_files(county, tmp)
        if dest.exists():
            old = dest.with_name(f".{dest.name}.old")
            if old.exists():
                shutil.rmtree(old)
            dest.rename(old)
            tmp.rename(dest)
            shutil.rmtree(old)
        else:
            tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return dest


def _write_files(county: County, out: Path) -> None:
    s = county.settings
    cy: dict[str, Any] = {
        "format": FORMAT,
        "adcode": s.adcode,
        "name": s.name,
        "name_en": s.name_en,
        "province": s.province,
        "city": s.city,
        "crs": Crs.WGS84.value,
        "hub": s.hub,
        "coarse": s.coarse,
        "monthly_mean_temp_c": list(s.monthly_mean_temp_c),
        "detour_factor": _sv(s.detour_factor),
        "costs": {k: _sv(v) for k, v in s.costs.items()},
        "sources": dict(s.sources),
        "synthetic": list(s.synthetic),
    }
    if s.season_start or s.season_end:
        cy["season"] = {"start": s.season_start, "end": s.season_end}
    (out / "county.yaml").write_text(
        yaml.safe_dump(cy, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    main = [p for p in county.places if p.kind is not PlaceKind.CANDIDATE_SITE]
    cands = [p for p in county.places if p.kind is PlaceKind.CANDIDATE_SITE]
    _write_table(out / "places.csv", _PLACE_COLS, main)
    if cands:
        _write_table(out / "candidate_sites.csv", _PLACE_COLS, cands)
    _write_table(out / "products.csv", _PRODUCT_COLS, county.products)
    _write_table(out / "fleet.csv", _FLEET_COLS, county.vehicle_types)
    _write_table(out / "bus_lines.csv", _BUS_COLS, county.bus_lines)
    _write_table(out / "demand_down.csv", _DEMAND_COLS, county.demand_down)
    _write_table(out / "supply_up.csv", _SUPPLY_COLS, county.supply_up)
    e = county.economy
    ey: dict[str, Any] = {
        "year": e.year,
        "io_table": e.io_table,
        "flows": {k: _sv(v) for k, v in e.flows.items()},
        "parameters": {k: _sv(v) for k, v in e.parameters.items()},
        "sector_shares": dict(e.sector_shares),
    }
    (out / "economy.yaml").write_text(
        yaml.safe_dump(ey, allow_unicode=True, sort_keys=False), encoding="utf-8"
    )
    if county.boundary is not None:
        feature = {
            "type": "Feature",
            "properties": {"adcode": s.adcode, "name": s.name, "crs": "wgs84"},
            "geometry": county.boundary,
        }
        (out / "boundary.geojson").write_text(
            json.dumps(feature, ensure_ascii=False), encoding="utf-8"
        )
    if county.roads is not None:
        (out / "roads.geojson").write_text(
            json.dumps(county.roads, ensure_ascii=False), encoding="utf-8"
        )
