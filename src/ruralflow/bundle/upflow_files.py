"""The optional bundle files of the up flow's value (issue 18): preprocessing orders and fees,
sales channels and graded lots, and the county's brands. Strict readers in the style of
:mod:`ruralflow.bundle.contract_files`: every problem is collected with file, spreadsheet row
(header = row 1), column and value, in Chinese and English; nothing is written.

``preprocess_orders.csv`` — ``order, day, farmer, product, kg, services`` (required; services a
``;``-separated list of service ids of ``preprocess_fees.csv``), ``cooperative``,
``ready_time`` (HH:MM the produce reaches the centre, default 08:00), ``synthetic`` (yes/no).

``preprocess_fees.csv`` — ``service, name, per_order_yuan, per_kg_yuan, min_yuan`` (required),
``kg_per_hour`` (the service's line capacity), ``open_time``/``close_time`` (the centre's
hours, the same on every row that gives them; default 08:00-20:00), ``source``.

``channels.csv`` — ``id, name, kind, product, min_grade, capacity_kg, price_yuan_per_kg,
transport_yuan_per_kg, fixed_yuan`` (required), ``source``.

``lots.csv`` — ``id, cooperative, product, grade, kg`` (required).

``brands.csv`` — ``id, name, level`` (regional | enterprise), ``parent`` (an enterprise
brand's regional brand), ``products`` (``;``-separated product ids), ``gi_status``
(registered | applied | none | unknown), ``gi_source`` (required); ``name_en``, ``townships``
(``;``-separated township place ids an enterprise brand covers), ``enterprise`` (the
enterprise, or a regional brand's operator), ``gi_scheme``, ``gi_registration``, ``gtins``
(``product:GTIN;...``), ``gs1_company_prefix``, ``gln`` (an enterprise brand's GS1 keys),
``source``, ``synthetic`` (yes/no).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from ruralflow.bundle import BundleError
from ruralflow.bundle.contract_files import (
    Column,
    _CellError,
    _check_product,
    _date,
    _dec,
    _field_problem,
    _Reader,
    _str,
)
from ruralflow.domain import County, DomainError
from ruralflow.preprocess import Centre, Channel, Lot, Order, Service
from ruralflow.preprocess.channels import GRADE_RANK
from ruralflow.trace.brand import (
    BrandRegistry,
    GeographicalIndication,
    GIScheme,
    GIStatus,
    Gs1Keys,
    RegionalBrand,
    SubBrand,
)
from ruralflow.trace.errors import TraceError

ORDERS_FILE = "preprocess_orders.csv"
FEES_FILE = "preprocess_fees.csv"
CHANNELS_FILE = "channels.csv"
LOTS_FILE = "lots.csv"
BRANDS_FILE = "brands.csv"
FILES = (ORDERS_FILE, FEES_FILE, CHANNELS_FILE, LOTS_FILE, BRANDS_FILE)


def _list(v: str) -> tuple[str, ...]:
    items = tuple(p.strip() for p in v.split(";") if p.strip())
    if len(set(items)) != len(items):
        raise _CellError("列表中有重复项 / names an item twice")
    return items


def _nonneg(v: str) -> Decimal:
    d = _dec(v)
    if d < 0:
        raise _CellError("不能为负 / must be >= 0")
    return d


def _positive(v: str) -> Decimal:
    d = _dec(v)
    if d <= 0:
        raise _CellError("须大于 0 / must be > 0")
    return d


def _hhmm(v: str) -> int:
    h, sep, m = v.strip().partition(":")
    if not sep or not h.isdigit() or not m.isdigit() or len(m) != 2:
        raise _CellError("不是时间 HH:MM / is not a time HH:MM")
    t = int(h) * 60 + int(m)
    if not 0 <= t <= 24 * 60 or int(m) > 59:
        raise _CellError("不是时间 HH:MM / is not a time HH:MM")
    return t


def _yesno(v: str) -> bool:
    s = v.strip().lower()
    if s in ("yes", "y", "true", "1", "是"):
        return True
    if s in ("no", "n", "false", "0", "否"):
        return False
    raise _CellError("须为 yes 或 no / must be yes or no")


def _grade(v: str) -> str:
    g = v.strip().upper()
    if g not in GRADE_RANK:
        raise _CellError("等级须为 A、B 或 C / grade must be A, B or C")
    return g


def _one_of(*allowed: str) -> Any:
    def parse(v: str) -> str:
        s = v.strip()
        if s not in allowed:
            raise _CellError(f"可选值 {'、'.join(allowed)} / must be one of {', '.join(allowed)}")
        return s

    return parse


ORDER_COLUMNS = (
    Column("order", _str, True),
    Column("day", _date, True),
    Column("farmer", _str, True),
    Column("cooperative", _str),
    Column("product", _str, True),
    Column("kg", _nonneg, True),
    Column("services", _list, True),
    Column("ready_time", _hhmm),
    Column("synthetic", _yesno),
)
FEE_COLUMNS = (
    Column("service", _str, True),
    Column("name", _str, True),
    Column("per_order_yuan", _nonneg, True),
    Column("per_kg_yuan", _nonneg, True),
    Column("min_yuan", _nonneg, True),
    Column("kg_per_hour", _positive),
    Column("open_time", _hhmm),
    Column("close_time", _hhmm),
    Column("source", _str),
)
CHANNEL_COLUMNS = (
    Column("id", _str, True),
    Column("name", _str, True),
    Column(
        "kind",
        _one_of("wholesale", "live_stream", "front_warehouse", "supermarket", "export"),
        True,
    ),
    Column("product", _str, True),
    Column("min_grade", _grade, True),
    Column("capacity_kg", _nonneg, True),
    Column("price_yuan_per_kg", _nonneg, True),
    Column("transport_yuan_per_kg", _nonneg, True),
    Column("fixed_yuan", _nonneg, True),
    Column("source", _str),
)
LOT_COLUMNS = (
    Column("id", _str, True),
    Column("cooperative", _str, True),
    Column("product", _str, True),
    Column("grade", _grade, True),
    Column("kg", _nonneg, True),
)
BRAND_COLUMNS = (
    Column("id", _str, True),
    Column("name", _str, True),
    Column("level", _one_of("regional", "enterprise"), True),
    Column("parent", _str),
    Column("products", _list, True),
    Column("gi_status", _one_of(*(s.value for s in GIStatus)), True),
    Column("gi_source", _str, True),
    Column("name_en", _str),
    Column("townships", _list),
    Column("enterprise", _str),
    Column("gi_scheme", _one_of(*(s.value for s in GIScheme))),
    Column("gi_registration", _str),
    Column("gtins", _str),
    Column("gs1_company_prefix", _str),
    Column("gln", _str),
    Column("source", _str),
    Column("synthetic", _yesno),
)


def _dup(r: _Reader, file: str, rowno: int, col: str, key: str, seen: dict[str, int]) -> bool:
    if key in seen:
        r.add(
            file,
            rowno,
            col,
            key,
            f"与第 {seen[key]} 行重复 / repeats the id of row {seen[key]}",
        )
        return True
    seen[key] = rowno
    return False


Row = tuple[int, dict[str, Any], dict[str, str]]


def _product_rows(
    r: _Reader, path: Path, cols: Sequence[Column], key: str, county: County | None
) -> list[Row] | None:
    """The rows of ``path`` whose ``key`` is not a repeat and whose product is the bundle's
    (each refused row is reported once); None when the file cannot be read."""
    file = path.name
    rows = r.rows(path, cols)
    if rows is None:
        return None
    seen: dict[str, int] = {}
    return [
        (rowno, v, cells)
        for rowno, v, cells in rows
        if not _dup(r, file, rowno, key, v[key], seen)
        and _check_product(r, file, rowno, v["product"], county)
    ]


def _fees(r: _Reader, path: Path) -> tuple[list[Service], Centre | None] | None:
    file = path.name
    rows = r.rows(path, FEE_COLUMNS)
    if rows is None:
        return None
    out: list[Service] = []
    seen: dict[str, int] = {}
    hours: dict[str, tuple[int, int]] = {}
    rates: dict[str, float] = {}
    for rowno, v, cells in rows:
        if _dup(r, file, rowno, "service", v["service"], seen):
            continue
        for col in ("open_time", "close_time"):
            if v[col] is not None:
                if col in hours and hours[col][1] != v[col]:
                    r.add(
                        file,
                        rowno,
                        col,
                        cells[col],
                        f"与第 {hours[col][0]} 行不同（中心只有一个营业时间）/ differs from row "
                        f"{hours[col][0]} (the centre has one opening time)",
                    )
                hours.setdefault(col, (rowno, v[col]))
        try:
            s = Service(
                v["service"],
                v["name"],
                v["per_order_yuan"],
                v["per_kg_yuan"],
                v["min_yuan"],
                float(v["kg_per_hour"]) if v["kg_per_hour"] is not None else None,
                v["source"] or "assumption",
            )
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
            continue
        out.append(s)
        if s.kg_per_hour is not None:
            rates[s.id] = s.kg_per_hour
    centre = None
    if rates:
        try:
            centre = Centre(
                "centre",
                rates,
                hours.get("open_time", (0, 8 * 60))[1],
                hours.get("close_time", (0, 20 * 60))[1],
                source=FEES_FILE,
            )
        except DomainError as e:
            row = hours.get("close_time", hours.get("open_time", (None, 0)))[0]
            r.add(file, row, "close_time", None, f"营业时间无效 / bad opening hours: {e}")
    return out, centre


def _orders(
    r: _Reader, path: Path, county: County | None, services: set[str] | None
) -> list[Order] | None:
    file = path.name
    rows = _product_rows(r, path, ORDER_COLUMNS, "order", county)
    if rows is None:
        return None
    out: list[Order] = []
    for rowno, v, cells in rows:
        if services is not None:
            bad = [s for s in v["services"] if s not in services]
            if bad:
                r.add(
                    file,
                    rowno,
                    "services",
                    cells["services"],
                    f"服务 {bad[0]!r} 不在 {FEES_FILE} 中 / service {bad[0]!r} is not in "
                    f"{FEES_FILE} ({', '.join(sorted(services)) or 'empty'})",
                )
                continue
        try:
            out.append(
                Order(
                    v["order"],
                    v["day"],
                    v["farmer"],
                    v["cooperative"] or "",
                    v["product"],
                    v["kg"],
                    v["services"],
                    v["ready_time"] if v["ready_time"] is not None else 8 * 60,
                    bool(v["synthetic"]),
                )
            )
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
    return out


def _channels(r: _Reader, path: Path, county: County | None) -> list[Channel] | None:
    file = path.name
    rows = _product_rows(r, path, CHANNEL_COLUMNS, "id", county)
    if rows is None:
        return None
    out: list[Channel] = []
    for rowno, v, cells in rows:
        try:
            out.append(
                Channel(
                    v["id"],
                    v["name"],
                    v["kind"],
                    v["product"],
                    v["min_grade"],
                    float(v["capacity_kg"]),
                    float(v["price_yuan_per_kg"]),
                    float(v["transport_yuan_per_kg"]),
                    float(v["fixed_yuan"]),
                    v["source"] or "assumption",
                )
            )
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
    return out


def _lots(r: _Reader, path: Path, county: County | None) -> list[Lot] | None:
    file = path.name
    rows = _product_rows(r, path, LOT_COLUMNS, "id", county)
    if rows is None:
        return None
    out: list[Lot] = []
    for rowno, v, cells in rows:
        try:
            out.append(Lot(v["id"], v["cooperative"], v["product"], v["grade"], float(v["kg"])))
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
    return out


def _brands(r: _Reader, path: Path, county: County | None) -> BrandRegistry | None:
    file = path.name
    rows = r.rows(path, BRAND_COLUMNS)
    if rows is None:
        return None
    start = len(r.problems)
    adcode = county.adcode if county is not None else ""
    seen: dict[str, int] = {}
    regional: dict[str, RegionalBrand] = {}
    subs: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    for rowno, v, cells in rows:
        if _dup(r, file, rowno, "id", v["id"], seen):
            continue
        for p in v["products"]:
            _check_product(r, file, rowno, p, county)
        if v["level"] == "enterprise":
            subs.append((rowno, v, cells))
            continue
        if v["parent"]:
            r.add(
                file,
                rowno,
                "parent",
                v["parent"],
                "区域公共品牌不应有上级 / a regional brand has no parent",
            )
            continue
        regional[v["id"]] = RegionalBrand(
            id=v["id"],
            name_zh=v["name"],
            name_en=v["name_en"] or "",
            county_adcode=adcode,
            products=v["products"],
            owner_zh=v["enterprise"] or "",
            gi=GeographicalIndication(
                name_zh=v["name"],
                status=GIStatus(v["gi_status"]),
                scheme=GIScheme(v["gi_scheme"] or "unspecified"),
                registration=v["gi_registration"] or "",
                source=v["gi_source"],
            ),
            source=v["source"] or "assumption",
        )
    sub_brands: list[SubBrand] = []
    for rowno, v, _cells in subs:
        parent = v["parent"]
        if parent not in regional:
            r.add(
                file,
                rowno,
                "parent",
                parent,
                "企业子品牌须指向本文件中的区域公共品牌 / an enterprise brand's parent must be a "
                f"regional brand of this file ({', '.join(regional) or 'none'})",
            )
            continue
        if county is not None:
            for t in v["townships"] or ():
                if t not in county.place_by_id:
                    r.add(
                        file,
                        rowno,
                        "townships",
                        t,
                        "不是数据包中的地点编号 / is not a place id of the bundle",
                    )
        gs1: dict[str, Gs1Keys] = {}
        try:
            for part in (v["gtins"] or "").split(";"):
                if not part.strip():
                    continue
                prod, sep, gtin = part.partition(":")
                if not sep or prod.strip() not in v["products"]:
                    raise TraceError(
                        "须为 产品:GTIN;... 且产品在 products 列中 / must be product:GTIN;... "
                        "with products of the 'products' column"
                    )
                gs1[prod.strip()] = Gs1Keys(
                    gtin.strip(), v["gs1_company_prefix"] or None, v["gln"] or None
                )
        except TraceError as e:
            r.add(file, rowno, "gtins", v["gtins"], str(e))
            continue
        sub_brands.append(
            SubBrand(
                id=v["id"],
                name_zh=v["name"],
                name_en=v["name_en"] or "",
                enterprise_zh=v["enterprise"] or v["name"],
                regional_brand=parent,
                products=v["products"],
                townships=v["townships"] or (),
                gs1=gs1,
                source=v["source"] or "assumption",
                synthetic=bool(v["synthetic"]),
            )
        )
    if len(r.problems) > start:
        return None
    try:
        return BrandRegistry(tuple(regional.values()), tuple(sub_brands))
    except TraceError as e:
        r.add(file, None, None, None, str(e))
        return None


@dataclass(frozen=True)
class UpflowFiles:
    """What a bundle holds for the up flow's value (None for an absent file)."""

    root: Path
    orders: tuple[Order, ...] | None = None
    services: tuple[Service, ...] | None = None
    centre: Centre | None = None
    channels: tuple[Channel, ...] | None = None
    lots: tuple[Lot, ...] | None = None
    brands: BrandRegistry | None = None


def present(root: str | Path) -> list[str]:
    """The up-flow files present in the bundle folder ``root``."""
    return [f for f in FILES if (Path(root) / f).is_file()]


def read_upflow_files(root: str | Path, county: County | None = None) -> UpflowFiles:
    """Read the optional up-flow files of a bundle folder; raise
    :class:`~ruralflow.bundle.BundleError` listing every problem in them."""
    path = Path(root)
    r = _Reader()
    services: list[Service] | None = None
    centre = None
    if (path / FEES_FILE).is_file():
        got = _fees(r, path / FEES_FILE)
        if got is not None:
            services, centre = got
    orders = None
    if (path / ORDERS_FILE).is_file():
        if not (path / FEES_FILE).is_file():
            r.add(
                FEES_FILE,
                None,
                None,
                None,
                f"缺少收费表（{ORDERS_FILE} 需要它）/ is missing ({ORDERS_FILE} needs it)",
            )
        known = {s.id for s in services} if services is not None else None
        orders = _orders(r, path / ORDERS_FILE, county, known)
    channels = lots = brands = None
    if (path / CHANNELS_FILE).is_file():
        channels = _channels(r, path / CHANNELS_FILE, county)
    if (path / LOTS_FILE).is_file():
        lots = _lots(r, path / LOTS_FILE, county)
    if (path / BRANDS_FILE).is_file():
        brands = _brands(r, path / BRANDS_FILE, county)
    if r.problems:
        raise BundleError(path, r.problems)
    return UpflowFiles(
        path,
        tuple(orders) if orders is not None else None,
        tuple(services) if services is not None else None,
        centre,
        tuple(channels) if channels is not None else None,
        tuple(lots) if lots is not None else None,
        brands,
    )


def county_brands(root: str | Path | None, county: County) -> BrandRegistry:
    """The county's brand matrix: the bundle's ``brands.csv`` when ``root`` has one, else the
    brands make-bundle would propose (:func:`~ruralflow.bundle.upflow_generate.proposed_registry`,
    marked assumption). Raises :class:`~ruralflow.bundle.BundleError` for a bad file."""
    if root is not None and (Path(root) / BRANDS_FILE).is_file():
        r = _Reader()
        got = _brands(r, Path(root) / BRANDS_FILE, county)
        if r.problems or got is None:
            raise BundleError(Path(root), r.problems)
        return got
    from ruralflow.bundle.upflow_generate import proposed_registry

    return proposed_registry(county)
