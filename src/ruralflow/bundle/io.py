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

import contextlib
import csv
import datetime as dt
import io
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    limits,
)
from ruralflow.domain._check import format_hhmm, parse_hhmm, too_large
from ruralflow.domain.limits import did_you_mean

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
            where += f" 第 {self.row} 行 / row {self.row}"
        if self.column:
            if self.file.endswith((".yaml", ".yml", ".geojson", ".json")):
                where += f", 键 / key '{self.column}'"
            else:
                where += f", 列 / column '{self.column}'"
        val = "" if self.value is None else f", 值 / value {_show(self.value)}"
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
        super().__init__(
            f"数据包 {path} 有 {len(problems)} 个问题 / bundle {path} has {len(problems)} "
            f"problem(s):\n{lines}"
        )


def _jsonable(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


def _show(v: Any) -> str:
    """A value as the message shows it (long pasted cells are cut)."""
    text = repr(v)
    return text if len(text) <= 120 else text[:117] + "..."


def _bi(zh: str, en: str) -> str:
    """A message in both languages, the way every user-facing message is written."""
    return f"{zh} / {en}"


# --------------------------------------------------------------------------- cell parsers
class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


_NOT_WHOLE = _bi("不是整数", "is not a whole number")


def _p_str(v: str) -> str:
    return v.strip()


def _p_float(v: str) -> float:
    s = v.strip()
    try:
        x = float(s)
    except ValueError:
        raise _CellError(_bi("不是数字", "is not a number")) from None
    if not math.isfinite(x):
        raise _CellError(
            _bi("须为有限数值（不能是 NaN 或 inf）", "must be a finite number (not NaN or inf)")
        )
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
        raise _CellError(_NOT_WHOLE) from None
    if not x.is_integer():
        raise _CellError(_NOT_WHOLE)
    return int(x)


_TRUE = {"yes", "y", "true", "1", "是"}
_FALSE = {"no", "n", "false", "0", "否", ""}


def _p_bool(v: str) -> bool:
    s = v.strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise _CellError(_bi("须为 yes/no（是/否）", "is not yes/no"))


_EXCEL_DATE = re.compile(r"^\d{4}/\d{1,2}/\d{1,2}$|^\d{1,2}/\d{1,2}/\d{4}$")
_EXCEL_TIME = re.compile(r"^\d{1,2}:\d{2}:\d{2}$")
_EXCEL_ZH = "（Excel 改了格式？请把该列设为文本后重新输入）"
_EXCEL_EN = " (did Excel change the format? set the column to text and type it again)"


def _p_date(v: str) -> dt.date:
    try:
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        zh, en = (_EXCEL_ZH, _EXCEL_EN) if _EXCEL_DATE.match(v.strip()) else ("", "")
        raise _CellError(
            _bi(f"不是日期 YYYY-MM-DD{zh}", f"is not a date YYYY-MM-DD{en}")
        ) from None


def _p_time(v: str) -> int:
    try:
        return parse_hhmm("", "", v)
    except FieldError:
        zh, en = (_EXCEL_ZH, _EXCEL_EN) if _EXCEL_TIME.match(v.strip()) else ("", "")
        raise _CellError(_bi(f"不是时间 HH:MM{zh}", f"is not a time HH:MM{en}")) from None


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
    # files that could not be read at all: references into them are not reported either
    unreadable: set[str] = field(default_factory=set)
    # (file, row) -> {column: cell as typed}, to show a bad value the way the user wrote it
    cells: dict[tuple[str, int], dict[str, str]] = field(default_factory=dict)

    def add(self, file: str, row: int | None, column: str | None, value: Any, msg: str) -> None:
        self.problems.append(BundleProblem(file, row, column, value, msg))

    # -- text
    def text(self, name: str, required: bool) -> str | None:
        """The file's text (a UTF-8 BOM is dropped), or None with the problem recorded."""
        path = self.root / name
        if not path.is_file():
            if path.exists():
                self.add(name, None, None, None, _bi("不是文件", "is not a file"))
            elif required:
                self.add(name, None, None, None, _bi("缺少此文件", "file is missing"))
            return None
        try:
            raw = path.read_bytes()
        except OSError as e:
            self.add(
                name,
                None,
                None,
                None,
                _bi(f"无法读取（{e.strerror}）", f"cannot be read ({e.strerror})"),
            )
            return None
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = raw[: e.start].count(b"\n") + 1
            guess = _guess_encoding(raw)
            self.add(
                name,
                line,
                None,
                raw[e.start : e.start + 8].hex(" "),
                _bi(
                    f"不是 UTF-8 编码{f'（看来是 {guess}）' if guess else ''}：请另存为 UTF-8",
                    f"is not UTF-8 text{f' (looks like {guess})' if guess else ''}: save as UTF-8",
                ),
            )
            return None
        if not text.strip():
            self.add(name, None, None, None, _bi("文件为空", "file is empty"))
            return None
        if "\x00" in text:
            excel = raw[:4] == b"PK\x03\x04"
            self.add(
                name,
                text[: text.index("\x00")].count("\n") + 1,
                None,
                None,
                _bi(
                    "不是文本文件（含 NUL 字节）"
                    + ("：这是 Excel 工作簿，请另存为 CSV UTF-8" if excel else ""),
                    "is not a text file (it holds NUL bytes)"
                    + (": it is an Excel workbook; save as CSV UTF-8" if excel else ""),
                ),
            )
            return None
        return text

    # -- yaml
    def yaml(self, name: str, required: bool) -> dict[str, Any] | None:
        text = self.text(name, required)
        if text is None:
            return None
        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as e:
            mark = getattr(e, "problem_mark", None)
            line = None if mark is None else mark.line + 1
            what = getattr(e, "problem", None) or str(e).splitlines()[0]
            self.add(
                name,
                line,
                None,
                None,
                _bi(f"不是有效的 YAML（{what}）", f"is not valid YAML ({what})"),
            )
            return None
        if not isinstance(data, dict):
            self.add(
                name,
                None,
                None,
                _short(data),
                _bi("须为 YAML 键值映射（key: value）", "must be a YAML mapping (key: value)"),
            )
            return None
        return data

    # -- csv
    def csv_rows(
        self, name: str, cols: Sequence[_Col], required: bool
    ) -> list[tuple[int, dict[str, Any]]] | None:
        """Parsed rows as (spreadsheet row number, {attr: value}); bad cells are problems."""
        text = self.text(name, required)
        if text is None:
            self.unreadable.add(name)
            return None
        reader = csv.reader(io.StringIO(text, newline=""))
        try:
            header = next(reader, None)
        except csv.Error as e:
            self.add(name, 1, None, None, _bi(f"CSV 格式错误（{e}）", f"is not valid CSV ({e})"))
            return None
        if header is None:
            self.add(name, 1, None, None, _bi("没有表头行", "has no header row"))
            return None
        header = [h.strip() for h in header]
        names = [c.name for c in cols]
        if len(header) == 1 and len(cols) > 1 and (";" in header[0] or "\t" in header[0]):
            self.add(
                name,
                1,
                None,
                header[0],
                _bi(
                    "表头只有一列：文件可能用分号或制表符分隔，请另存为逗号分隔的 CSV",
                    "the header is one column: the file seems to use ';' or tabs; save it as "
                    "comma-separated CSV",
                ),
            )
            self.unreadable.add(name)
            return None
        missing = [c.name for c in cols if c.required and c.name not in header]
        unknown = [h for h in header if h not in names]
        for m in missing:
            if any(did_you_mean(h, [m]) for h in unknown):
                continue  # the misspelt column below names it
            self.add(
                name,
                1,
                m,
                None,
                _bi("表头缺少必需的列", "required column is missing from the header"),
            )
        for i, h in enumerate(header, start=1):
            if not h:
                self.add(
                    name,
                    1,
                    None,
                    None,
                    _bi(
                        f"表头第 {i} 列没有列名（多余的空列？）",
                        f"header column {i} has no name (an extra empty column?)",
                    ),
                )
            elif h not in names:
                self.add(
                    name,
                    1,
                    h,
                    None,
                    _bi("未知的列", "unknown column")
                    + did_you_mean(h, names)
                    + f" (known: {', '.join(names)})",
                )
        dup = {h for h in header if header.count(h) > 1}
        for h in sorted(dup):
            self.add(name, 1, h, None, _bi("列名重复", "column appears more than once"))
        if missing or dup:
            self.unreadable.add(name)
            return None
        idx = {h: i for i, h in enumerate(header)}
        out: list[tuple[int, dict[str, Any]]] = []
        rows = enumerate(reader, start=2)
        for rowno, raw in _csv_guard(self, name, rows):
            if not raw or all(not c.strip() for c in raw):
                continue
            if len(raw) != len(header):
                self.add(
                    name,
                    rowno,
                    None,
                    len(raw),
                    _bi(
                        f"有 {len(raw)} 个单元格，表头有 {len(header)} 列",
                        f"has {len(raw)} cells, header has {len(header)}",
                    ),
                )
                continue
            vals: dict[str, Any] = {}
            ok = True
            for c in cols:
                cell = raw[idx[c.name]] if c.name in idx else ""
                if not cell.strip():
                    if c.required:
                        self.add(name, rowno, c.name, cell, _bi("不能为空", "is empty"))
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
                self.cells[(name, rowno)] = dict(zip(header, raw, strict=True))
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
                typed = self.cells.get((name, rowno), {}).get(col, "").strip()
                # a number as typed ('1e12', not 1000000000000.0); else the bad part itself
                number = isinstance(e.value, int | float) and not isinstance(e.value, bool)
                value = typed if typed and number else e.value
                self.add(name, rowno, col, value, e.reason)
                self.rejected.add(str(vals.get("id", "")))
            except DomainError as e:  # pragma: no cover - every domain check is a FieldError
                self.add(name, rowno, None, None, str(e))
                self.rejected.add(str(vals.get("id", "")))
        return objs, rownos


def _csv_guard(
    r: _Reader, name: str, rows: Iterable[tuple[int, list[str]]]
) -> Iterator[tuple[int, list[str]]]:
    """The rows of a CSV reader; a broken file (a NUL byte, an open quote) is one problem."""
    it = iter(rows)
    rowno = 1
    while True:
        try:
            rowno, raw = next(it)
        except StopIteration:
            return
        except csv.Error as e:
            r.add(
                name, rowno + 1, None, None, _bi(f"CSV 格式错误（{e}）", f"is not valid CSV ({e})")
            )
            return
        yield rowno, raw


def _guess_encoding(raw: bytes) -> str:
    """A likely encoding of bytes that are not UTF-8 (Excel's Chinese default is GBK)."""
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return "UTF-16"
    try:
        raw.decode("gb18030")
    except UnicodeDecodeError:
        return ""
    return "GBK"


def _short(v: Any) -> Any:
    """A YAML value to keep in a problem (the message cuts long ones when it shows them)."""
    return v if not isinstance(v, str) else v[:200]


_MAPPING = _bi("须为键值映射（key: value）", "must be a mapping (key: value)")
_TEXT = _bi("须为文字", "must be text")


def _kind_of(v: Any) -> str:
    """What a YAML value is, in words (for "must be a number, got a list")."""
    if v is None:
        return "空值 / null"
    if isinstance(v, bool):
        return "true/false"
    if isinstance(v, list):
        return "列表 / a list"
    if isinstance(v, dict):
        return "映射 / a mapping"
    if isinstance(v, str):
        return "文字 / text"
    return type(v).__name__


def _unknown_keys(
    r: _Reader, file: str, prefix: str, data: Mapping[Any, Any], known: Sequence[str]
) -> None:
    """Refuse keys the format does not have, naming the close one."""
    for k in data:
        if str(k) not in known:
            r.add(
                file,
                None,
                f"{prefix}{k}",
                None,
                _bi("未知的键", "unknown key")
                + did_you_mean(str(k), known)
                + f" (known: {', '.join(known)})",
            )


def _y_mapping(r: _Reader, file: str, key: str, v: Any) -> Mapping[Any, Any] | None:
    """A mapping value (``None`` and a missing key count as empty); else a problem."""
    if v is None:
        return {}
    if not isinstance(v, dict):
        r.add(file, None, key, _short(v), f"{_MAPPING} ({_kind_of(v)})")
        return None
    return v


def _y_text(r: _Reader, file: str, key: str, v: Any, *, required: bool = False) -> str | None:
    """Text (a bare whole number, such as an unquoted adcode, counts as text)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        if required:
            r.add(file, None, key, v, _bi("不能为空", "must not be empty"))
            return None
        return ""
    if isinstance(v, bool) or not isinstance(v, str | int):
        r.add(file, None, key, _short(v), f"{_TEXT} ({_kind_of(v)})")
        return None
    return str(v)


def _y_number(
    r: _Reader, file: str, key: str, v: Any, lo: float | None, hi: float | None
) -> float | None:
    """A finite number within [lo, hi]; else a problem naming the bound.

    Text that reads as a number counts: PyYAML reads ``1.2e9`` and ``1e12`` (no sign in the
    exponent) as text, though a person means a number.
    """
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            v = float(v.strip().replace("_", ""))
    if isinstance(v, bool) or not isinstance(v, int | float):
        r.add(file, None, key, _short(v), f"{_bi('须为数值', 'must be a number')} ({_kind_of(v)})")
        return None
    if not math.isfinite(v):
        r.add(file, None, key, v, _bi("须为有限数值", "must be a finite number"))
        return None
    if lo is not None and v < lo:
        r.add(file, None, key, v, _bi(f"须 >= {lo:g}", f"must be >= {lo:g}"))
        return None
    if hi is not None and v > hi:
        r.add(file, None, key, v, too_large(hi))
        return None
    return float(v)


def _sourced(
    r: _Reader,
    file: str,
    key: str,
    raw: Any,
    unit: str | None,
    lo: float | None,
    hi: float | None,
) -> SourcedValue | None:
    """``{value, unit, source[, note]}`` or a bare number (source: assumption).

    ``unit`` is the key's unit (``None`` when the key is unknown and reported already): a
    different unit is refused rather than silently read as this one.
    """
    if isinstance(raw, dict):
        _unknown_keys(r, file, f"{key}.", raw, limits.SOURCED_KEYS)
        if "value" not in raw:
            r.add(file, None, f"{key}.value", None, _bi("缺少 value", "value is missing"))
            return None
        value = _y_number(r, file, f"{key}.value", raw["value"], lo, hi)
        given = _y_text(r, file, f"{key}.unit", raw.get("unit"))
        source = _y_text(r, file, f"{key}.source", raw.get("source"))
        note = _y_text(r, file, f"{key}.note", raw.get("note"))
        if given and unit is not None and given.strip() != unit:
            r.add(
                file,
                None,
                f"{key}.unit",
                given,
                _bi(f"单位不对，应为 {unit!r}", f"unknown or wrong unit: expected {unit!r}")
                + did_you_mean(given, [unit]),
            )
            return None
        if value is None or given is None or source is None or note is None or unit is None:
            return None
        return SourcedValue(value, given.strip() or unit, source or "assumption", note)
    if isinstance(raw, int | float | str) and not isinstance(raw, bool):
        value = _y_number(r, file, key, raw, lo, hi)
        return None if value is None or unit is None else SourcedValue(value, unit)
    r.add(
        file,
        None,
        key,
        _short(raw),
        _bi("须为数值或 {value, unit, source}", "must be a number or {value, unit, source}")
        + f" ({_kind_of(raw)})",
    )
    return None


_COUNTY_REQUIRED = ("adcode", "name", "hub", "monthly_mean_temp_c", "detour_factor")


def _settings(r: _Reader, data: Mapping[str, Any]) -> CountySettings | None:
    f = "county.yaml"
    n0 = len(r.problems)
    _unknown_keys(r, f, "", data, limits.COUNTY_KEYS)
    fmt = data.get("format", FORMAT)
    if fmt != FORMAT:
        r.add(
            f,
            None,
            "format",
            _short(fmt),
            _bi(
                f"不是已知的数据包格式（应为 {FORMAT}）",
                f"is not a known bundle format ({FORMAT})",
            ),
        )
    for key in _COUNTY_REQUIRED:
        if key not in data:
            r.add(f, None, key, None, _bi("缺少必需的键", "required key is missing"))
        elif data[key] is None:
            r.add(f, None, key, "null", _bi("必需的键没有值", "required key has no value"))
    if any(data.get(k) is None for k in _COUNTY_REQUIRED):
        return None
    texts = {
        k: _y_text(r, f, k, data.get(k), required=k in ("adcode", "name", "hub"))
        for k in ("adcode", "name", "name_en", "province", "city", "hub", "crs")
    }
    coarse = data.get("coarse", False)
    if not isinstance(coarse, bool):
        r.add(
            f,
            None,
            "coarse",
            _short(coarse),
            _bi("须为 true 或 false", "must be true or false") + f" ({_kind_of(coarse)})",
        )
        coarse = False
    detour = _sourced(r, f, "detour_factor", data["detour_factor"], limits.DETOUR_UNIT, 1.0, 4.0)
    costs: dict[str, SourcedValue] = {}
    for k, v in (_y_mapping(r, f, "costs", data.get("costs")) or {}).items():
        unit = limits.COST_UNITS.get(str(k))
        if unit is None:
            r.add(
                f,
                None,
                f"costs.{k}",
                None,
                _bi("未知的成本参数", "unknown cost parameter")
                + did_you_mean(str(k), limits.COST_UNITS)
                + f" (known: {', '.join(limits.COST_UNITS)})",
            )
        sv = _sourced(r, f, f"costs.{k}", v, unit, 0.0, limits.COST_MAX)
        if sv is not None and str(k) in limits.COST_POSITIVE and sv.value <= 0:
            r.add(f, None, f"costs.{k}", sv.value, _bi("须 > 0", "must be > 0"))
        elif sv is not None and unit is not None:
            costs[str(k)] = sv
    temps = _temperatures(r, data["monthly_mean_temp_c"])
    sources: dict[str, str] = {}
    for k, v in (_y_mapping(r, f, "sources", data.get("sources")) or {}).items():
        text = _y_text(r, f, f"sources.{k}", v)
        if text is not None:
            sources[str(k)] = text
    if temps is not None and temps[1]:
        sources.setdefault("monthly_mean_temp_c", temps[1])
    synthetic: list[str] = []
    raw_syn = data.get("synthetic") or []
    if not isinstance(raw_syn, list):
        r.add(
            f,
            None,
            "synthetic",
            _short(raw_syn),
            _bi("须为列表", "must be a list") + f" ({_kind_of(raw_syn)})",
        )
    else:
        for i, v in enumerate(raw_syn):
            text = _y_text(r, f, f"synthetic[{i}]", v)
            if text is not None:
                synthetic.append(text)
    season = _y_mapping(r, f, "season", data.get("season"))
    start = end = None
    if season is not None:
        _unknown_keys(r, f, "season.", season, limits.SEASON_KEYS)
        start = _yaml_date(r, "season.start", season.get("start"))
        end = _yaml_date(r, "season.end", season.get("end"))
    if len(r.problems) > n0 or detour is None or temps is None:
        return None
    try:
        return CountySettings(
            adcode=str(texts["adcode"]),
            name=str(texts["name"]),
            name_en=str(texts["name_en"]),
            province=str(texts["province"]),
            city=str(texts["city"]),
            hub=str(texts["hub"]),
            crs=str(texts["crs"] or "wgs84"),  # type: ignore[arg-type]
            monthly_mean_temp_c=temps[0],
            detour_factor=detour,
            costs=costs,
            sources=sources,
            synthetic=tuple(synthetic),
            season_start=start,
            season_end=end,
            coarse=coarse,
        )
    except FieldError as e:
        key = {"season_end": "season.end", "season_start": "season.start"}.get(e.field, e.field)
        r.add(f, None, key, e.value, e.reason)
        return None


def _temperatures(r: _Reader, raw: Any) -> tuple[tuple[float, ...], str] | None:
    """``monthly_mean_temp_c``: 12 numbers, or ``{values: [...], source: ...}``."""
    f, key = "county.yaml", "monthly_mean_temp_c"
    source = ""
    if isinstance(raw, dict):
        _unknown_keys(r, f, f"{key}.", raw, limits.TEMPS_KEYS)
        source = _y_text(r, f, f"{key}.source", raw.get("source")) or ""
        raw = raw.get("values")
        key = f"{key}.values"
    if not isinstance(raw, list) or len(raw) != 12:
        got = f"{len(raw)} 个 / {len(raw)} values" if isinstance(raw, list) else _kind_of(raw)
        r.add(
            f,
            None,
            key,
            _short(raw),
            _bi("须为 12 个月的数值列表", "must be a list of 12 numbers") + f" ({got})",
        )
        return None
    values = [_y_number(r, f, f"{key}[{i}]", v, -40.0, 45.0) for i, v in enumerate(raw)]
    if any(v is None for v in values):
        return None
    return tuple(v for v in values if v is not None), source


def _yaml_date(r: _Reader, key: str, v: Any) -> dt.date | None:
    if v is None or (isinstance(v, dt.date) and not isinstance(v, dt.datetime)):
        return v
    if isinstance(v, str):
        try:
            return dt.date.fromisoformat(v.strip())
        except ValueError:
            pass
    r.add(
        "county.yaml",
        None,
        key,
        _short(v),
        _bi("不是日期 YYYY-MM-DD", "is not a date YYYY-MM-DD") + f" ({_kind_of(v)})",
    )
    return None


_STANDARD_FLOWS = ("down_goods", "down_services", "up_products", "up_tourism")


def _economy(r: _Reader, data: Mapping[str, Any] | None) -> Economy:
    if not data:
        return Economy()
    f = "economy.yaml"
    _unknown_keys(r, f, "", data, limits.ECONOMY_KEYS)
    flows: dict[str, SourcedValue] = {}
    for k, v in (_y_mapping(r, f, "flows", data.get("flows")) or {}).items():
        ok = bool(limits.FLOW_NAME.match(str(k)))
        if not ok:
            r.add(
                f,
                None,
                f"flows.{k}",
                None,
                _bi(
                    "流的名称须以 down_（下行）或 up_（上行）开头",
                    "a flow's name must start with down_ or up_ (lower case)",
                )
                + did_you_mean(str(k), _STANDARD_FLOWS),
            )
        sv = _sourced(r, f, f"flows.{k}", v, limits.FLOW_UNIT, 0.0, limits.FLOW_MAX)
        if sv is not None and ok:
            flows[str(k)] = sv
    params: dict[str, SourcedValue] = {}
    for k, v in (_y_mapping(r, f, "parameters", data.get("parameters")) or {}).items():
        key = str(k)
        unit = limits.PARAMETER_UNITS.get(key)
        if unit is None and limits.SECTOR_PARAMETER.match(key):
            unit = "share"
        if unit is None:
            r.add(
                f,
                None,
                f"parameters.{k}",
                None,
                _bi("未知的参数", "unknown parameter")
                + did_you_mean(key, limits.PARAMETER_UNITS)
                + f" (known: {', '.join(limits.PARAMETER_UNITS)}, sector.<flow>.<code>)",
            )
        lo, hi = limits.PARAMETER_KEY_BOUNDS.get(
            key, limits.PARAMETER_BOUNDS.get(unit or "", (0.0, limits.PARAMETER_MAX))
        )
        sv = _sourced(r, f, f"parameters.{k}", v, unit, lo, hi)
        if sv is not None and key in limits.PARAMETER_POSITIVE and sv.value <= 0:
            r.add(f, None, f"parameters.{k}.value", sv.value, _bi("须 > 0", "must be > 0"))
        elif sv is not None and key in limits.PARAMETER_BELOW_ONE and sv.value >= 1:
            r.add(f, None, f"parameters.{k}.value", sv.value, _bi("须 < 1", "must be < 1"))
        elif sv is not None and unit is not None:
            params[key] = sv
    shares: dict[str, float] = {}
    for k, v in (_y_mapping(r, f, "sector_shares", data.get("sector_shares")) or {}).items():
        code = str(k).strip()
        if not (code.isdigit() and 1 <= int(code) <= limits.IO_SECTORS):
            r.add(
                f,
                None,
                f"sector_shares.{k}",
                None,
                _bi(
                    f"不是投入产出部门代码 01..{limits.IO_SECTORS}",
                    f"is not an input-output sector code 01..{limits.IO_SECTORS}",
                ),
            )
            continue
        share = _y_number(r, f, f"sector_shares.{k}", v, 0.0, 1.0)
        if share is not None:
            shares[code.zfill(2)] = share
    year = 0
    if data.get("year") is not None:
        lo, hi = limits.YEAR_RANGE
        y = data["year"]
        if isinstance(y, bool) or not isinstance(y, int) or (y != 0 and not lo <= y <= hi):
            r.add(
                f,
                None,
                "year",
                _short(y),
                _bi(
                    f"须为 {lo}..{hi} 之间的年份（0 表示未给出）",
                    f"must be a year {lo}..{hi} (0: not given)",
                ),
            )
        else:
            year = y
    table = _y_text(r, f, "io_table", data.get("io_table")) or ""
    if table:
        _check_io_table(r, table)
    try:
        return Economy(
            flows=flows, parameters=params, sector_shares=shares, io_table=table, year=year
        )
    except FieldError as e:  # pragma: no cover - the checks above come first
        r.add(f, None, e.field, e.value, e.reason)
        return Economy()


def _check_io_table(r: _Reader, ref: str) -> None:
    """``io_table`` must name a table of the data folder (checked there when it is found)."""
    f = "economy.yaml"
    p = Path(ref.strip())
    if p.is_absolute():
        if not p.is_file():
            r.add(f, None, "io_table", ref, _bi("找不到该文件", "file not found"))
        return
    folder = p.parent.as_posix()
    if folder not in limits.IO_TABLE_FOLDERS or ".csv" not in p.name:
        r.add(
            f,
            None,
            "io_table",
            ref,
            _bi("不是已知的投入产出表", "is not a known input-output table")
            + f" (io_table: {' or '.join(d + '/<table>.csv' for d in limits.IO_TABLE_FOLDERS)})",
        )
        return
    from ruralflow.bundle.datadir import DataDirError, find_data_dir

    try:
        where = find_data_dir() / folder
    except DataDirError:
        return  # no data folder here: the value matrix reports the table when it runs
    if not where.is_dir():
        return
    # the tables may be stored compressed (name.csv.xz): a file whose name starts with the
    # table's counts
    have = sorted({x.name.split(".csv")[0] + ".csv" for x in where.iterdir() if ".csv" in x.name})
    if p.name.split(".csv")[0] + ".csv" not in have:
        r.add(
            f,
            None,
            "io_table",
            ref,
            _bi("找不到该投入产出表", "no such input-output table")
            + did_you_mean(p.name, have)
            + f" ({folder}: {', '.join(have)})",
        )


def _geojson(r: _Reader, name: str) -> dict[str, Any] | None:
    text = r.text(name, required=False)
    if text is None:
        return None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        r.add(
            name,
            e.lineno,
            None,
            None,
            _bi(f"不是有效的 JSON（{e.msg}，第 {e.colno} 列）", f"is not valid JSON ({e})"),
        )
        return None
    if not isinstance(data, dict) or "type" not in data:
        r.add(
            name,
            None,
            "type",
            None,
            _bi("不是 GeoJSON 对象（缺少 type）", "is not a GeoJSON object (no 'type')"),
        )
        return None
    return data


def _boundary_geometry(r: _Reader, data: dict[str, Any]) -> dict[str, Any] | None:
    """The polygon of ``boundary.geojson`` (a Feature, FeatureCollection or bare geometry)."""
    geom: Any = data
    name = "boundary.geojson"
    if data.get("type") == "FeatureCollection":
        feats = data.get("features")
        if not isinstance(feats, list) or len(feats) != 1 or not isinstance(feats[0], dict):
            r.add(
                name,
                None,
                "features",
                len(feats) if isinstance(feats, list) else _short(feats),
                _bi("须恰好包含一个 Feature", "must hold exactly one Feature"),
            )
            return None
        geom = feats[0].get("geometry")
    elif data.get("type") == "Feature":
        geom = data.get("geometry")
    if not isinstance(geom, dict) or geom.get("type") not in ("Polygon", "MultiPolygon"):
        gtype = geom.get("type") if isinstance(geom, dict) else geom
        r.add(
            name,
            None,
            "geometry.type",
            _short(gtype),
            _bi("须为 Polygon 或 MultiPolygon", "must be Polygon or MultiPolygon"),
        )
        return None
    try:
        from shapely.geometry import shape

        poly = shape(geom)
        bounds_ok = poly.is_empty is False and all(math.isfinite(b) for b in poly.bounds)
    except (ValueError, TypeError, AttributeError, IndexError, KeyError) as e:
        r.add(
            name,
            None,
            "geometry.coordinates",
            None,
            _bi(f"不是有效的多边形（{e}）", f"is not a valid polygon ({e})"),
        )
        return None
    if not bounds_ok:
        r.add(
            name,
            None,
            "geometry.coordinates",
            None,
            _bi(
                "多边形为空或坐标不是有限数值",
                "the polygon is empty or has non-finite coordinates",
            ),
        )
        return None
    return geom


def _roads(r: _Reader, data: dict[str, Any], crs: Crs) -> dict[str, Any] | None:
    """The road network in WGS84, checked the way the road graph reads it."""
    from ruralflow.geo.roads import RoadDataError, RoadGraph

    try:
        roads = _featurecollection_to_wgs84(data, crs)
        RoadGraph.from_geojson(roads)
    except RoadDataError as e:
        r.add("roads.geojson", None, None, None, str(e))
        return None
    except (TypeError, ValueError, AttributeError, KeyError, IndexError) as e:
        r.add(
            "roads.geojson",
            None,
            None,
            None,
            _bi(f"不是有效的道路 GeoJSON（{e}）", f"is not valid road GeoJSON ({e})"),
        )
        return None
    return roads


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
        county = read_bundle(path)
    except BundleError as e:
        return e.problems
    from ruralflow.bundle.centre_files import (  # the service centre's files
        read_centre_files,
        read_station_services,
        read_talent_files,
    )
    from ruralflow.bundle.upflow_files import read_upflow_files  # the optional up-flow files

    problems: list[BundleProblem] = []
    try:
        read_upflow_files(Path(path), county)
    except BundleError as e:
        problems += e.problems
    try:
        read_centre_files(Path(path))
    except BundleError as e:
        problems += e.problems
    try:
        read_station_services(Path(path), county)
    except BundleError as e:
        problems += e.problems
    try:
        read_talent_files(Path(path), county)
    except BundleError as e:
        problems += e.problems
    return problems


def read_bundle(path: str | os.PathLike[str]) -> County:
    """Read and validate a bundle; raise :class:`BundleError` listing every problem."""
    root = Path(path)
    r = _Reader(root)
    if not root.is_dir():
        r.add(str(root), None, None, None, _bi("不是数据包文件夹", "is not a bundle folder"))
        raise BundleError(root, r.problems)

    county_yaml = r.yaml("county.yaml", required=True)
    settings = _settings(r, county_yaml) if county_yaml is not None else None
    crs = settings.crs if settings else Crs.WGS84
    to_wgs = _to_wgs84_fn(crs)

    place_cols = {"open_min": "open", "close_min": "close"}
    place_rows = r.csv_rows("places.csv", _PLACE_COLS, required=True) or []
    cand_rows = r.csv_rows("candidate_sites.csv", _CANDIDATE_COLS, required=False) or []
    for rows, fname in ((place_rows, "places.csv"), (cand_rows, "candidate_sites.csv")):
        for rowno, vals in list(rows):
            if not _check_coords(r, fname, rowno, vals, crs):
                rows.remove((rowno, vals))  # reported: not checked a second time as a Place
                r.rejected.add(str(vals.get("id", "")))
            elif crs is not Crs.WGS84:
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
            r.add(
                "roads.geojson",
                None,
                "type",
                _short(rdata.get("type")),
                _bi("须为 FeatureCollection", "must be a FeatureCollection"),
            )
        else:
            roads = _roads(r, rdata, crs)

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
            if _REFERENCE_FIELDS.get(p.field) in r.unreadable:
                continue  # the referenced file could not be read: that is the problem
            if p.index is None or p.collection not in lines:
                r.add(FILES.get(p.collection, p.collection), None, p.field, p.value, p.message)
                continue
            fname, rowno = lines[p.collection][p.index]
            message = p.message
            if p.ref_index is not None:
                ref_file, ref_row = lines[p.collection][p.ref_index]
                at = "" if ref_file == fname else f"{ref_file} "
                message = _bi(f"与{at}第 {ref_row} 行重复", f"duplicates {at}row {ref_row}")
            r.add(fname, rowno, _column_of(p.collection, p.field), p.value, message)
        raise BundleError(root, _collapse(r.problems)) from None
    if r.problems:
        raise BundleError(root, _collapse(r.problems))
    return county


def _collapse(problems: list[BundleProblem]) -> list[BundleProblem]:
    """At most MAX_SAME_PROBLEMS of one kind (file, column, message), then one line counting
    the rest and naming the likely cause: thousands of rows rarely have thousands of causes."""
    limit = limits.MAX_SAME_PROBLEMS
    kinds: dict[tuple[str, str | None, str], list[BundleProblem]] = {}
    for p in problems:
        kinds.setdefault((p.file, p.column, _kind_key(p)), []).append(p)
    out: list[BundleProblem] = []
    seen: dict[tuple[str, str | None, str], int] = {}
    for p in problems:
        key = (p.file, p.column, _kind_key(p))
        same = kinds[key]
        i = seen[key] = seen.get(key, -1) + 1
        if i < limit:
            out.append(p)
        elif i == limit:
            n = len(same) - limit
            cause_zh, cause_en = _cause(p)
            out.append(
                BundleProblem(
                    p.file,
                    None,
                    p.column,
                    None,
                    _bi(
                        f"另有 {n} 行有同样的问题（共 {len(same)} 行）；可能的原因：{cause_zh}",
                        f"and {n} more rows with the same problem ({len(same)} in all); "
                        f"likely cause: {cause_en}",
                    ),
                )
            )
    return out


def _kind_key(p: BundleProblem) -> str:
    # messages that quote a row's own numbers (cell counts, duplicate rows) group by their text
    # without the digits
    return "".join(ch for ch in p.message if not ch.isdigit())


def _cause(p: BundleProblem) -> tuple[str, str]:
    """The likely cause of many problems of one kind (Chinese, English)."""
    col = p.column
    if col is None:
        return (
            "表头的列数与数据行不符（多了或少了一列，或分隔符不对）",
            "the header has a different number of columns than the rows (a column added or "
            "removed, or another separator)",
        )
    if col == "lon/lat":
        return (
            "坐标与 county.yaml 的 crs 不符，或经纬度颠倒",
            "the coordinates are in another CRS than county.yaml's crs, or lon and lat are "
            "swapped",
        )
    if col == "day" and "season" in p.message:
        return (
            "county.yaml 的 season 与数据的日期不符",
            "county.yaml's season does not cover the days of the data",
        )
    if col in _REFERENCE_FIELDS:
        target = _REFERENCE_FIELDS[col]
        return (
            f"这些编号指向另一份 {target}（从别的县复制过来的？）",
            f"the ids refer to another {target} (copied from another county?)",
        )
    return (
        f"表头中的列名 '{col}' 与这一列的内容不符（列错位或列名写错），或整列格式不对",
        f"the header name '{col}' does not match that column's content (shifted or misnamed "
        "columns), or the whole column has the wrong format",
    )


# field -> the file its ids live in
_REFERENCE_FIELDS = {
    "village": "places.csv",
    "parent": "places.csv",
    "stops": "places.csv",
    "depot": "places.csv",
    "hub": "places.csv",
    "product": "products.csv",
}


def _column_of(collection: str, fieldname: str) -> str:
    if collection == "supply_up":
        return {"ready_min": "ready_time", "harvest_min": "harvest_time"}.get(fieldname, fieldname)
    if collection == "places":
        return {"open_min": "open", "close_min": "close"}.get(fieldname, fieldname)
    return fieldname


_LONLAT_ZH = {
    "is not a number": "不是数字",
    "is not a finite number": "不是有限数值",
    "looks like lat/lon swapped": "看来经纬度颠倒了",
    "looks like projected coordinates": "看来是投影坐标（米），不是经纬度",
    "is outside China's extent": "在中国范围之外",
}


def _check_coords(r: _Reader, fname: str, rowno: int, vals: Mapping[str, Any], crs: Crs) -> bool:
    """Whether the row's lon/lat are degrees in China; else the problem is recorded."""
    from ruralflow.geo.crs import check_lonlat

    reason = check_lonlat(vals["lon"], vals["lat"])
    if reason:
        zh = next((z for en, z in _LONLAT_ZH.items() if reason.startswith(en)), "坐标有误")
        typed = r.cells.get((fname, rowno), {})
        r.add(
            fname,
            rowno,
            "lon/lat",
            f"{typed.get('lon', vals['lon'])},{typed.get('lat', vals['lat'])}".replace(" ", ""),
            _bi(
                f"{zh}（county.yaml 的 crs 为 {crs.value}：经度、纬度须为度）",
                f"{reason} (county.yaml says crs {crs.value}: longitude and latitude in degrees)",
            ),
        )
    return not reason


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
                _bi(
                    f"地点 {p.id} 在县界（boundary.geojson）之外；坐标或坐标系有误？",
                    f"place {p.id} lies outside the county polygon (boundary.geojson); "
                    "wrong coordinates or wrong CRS?",
                ),
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
