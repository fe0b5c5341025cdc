"""The optional bundle files of benefit sharing: ``contracts.csv``, ``deliveries.csv``,
``prices.csv``. Strict readers: every problem is collected with file, row, column and value (the
:class:`~ruralflow.bundle.BundleProblem` style of ``bundle/io.py``), and nothing is written.

Rows are numbered as a spreadsheet shows them (header = row 1). Numbers are read as exact
decimals. Unknown columns are an error (a typo would otherwise be silently ignored).

``contracts.csv`` — one row per farmer and contract (the signature); a contract's terms are
given on its first row and may be repeated (identically) or left empty on later rows; a fund's
terms likewise on the first row naming the fund.

========================== ======== ==========================================================
column                     required meaning
========================== ======== ==========================================================
contract                   yes      contract id
farmer                     yes      farmer (household) id; a village id when the producer is
                                    the village's cooperative
product                    yes      product id (``products.csv``)
type                       yes      spot, floor, order_dividend, equity
price_yuan_per_kg                   order price (order_dividend)
floor_yuan_per_kg                   guaranteed floor (floor; optional for equity)
upside_share                        share 0..1 of the market above the order price or floor
cap_yuan_per_kg                     ceiling (封顶价)
dividend_share                      share 0..1 of the buyer's margin paid back
guaranteed_yuan_per_share           equity: guaranteed income per share a season
shares                              equity: shares this farmer holds
contracted_kg                       kg this farmer promised (fulfilment, penalties)
penalty_yuan_per_kg                 penalty per undelivered contracted kg
buyer_cost_yuan_per_kg              buyer's handling cost per kg (default 2.0, assumption)
grade_factors                       ``A:1;B:0.85;C:0.6`` (default, assumption)
fund                                price-risk fund id (empty: not a member)
fund_yuan_per_kg                    fund: contribution per kg delivered
fund_trigger_yuan_per_kg            fund: pays when the farm-gate price is below this
fund_farmer_share                   fund: farmer's share of the contribution (default 0.2)
fund_buyer_share                    fund: buyer's share (default 0.3)
fund_government_share               fund: government's share (default 0.5)
fund_payout_share                   fund: share of the shortfall paid (default 1)
fund_cap_share                      fund: most of its balance paid a day (default 1)
fund_opening_yuan                   fund: balance before the season (default 0)
farmer_name                         the farmer's name, for statements
village                             the farmer's village (place id)
source                              where the terms come from (default "assumption")
========================== ======== ==========================================================

``deliveries.csv`` — ``day, farmer, product, kg`` (required), ``grade`` (default A),
``revenue_yuan`` (the buyer's actual resale revenue of the lot; default kg x wholesale price x
grade factor), ``source``. Without it, each ``supply_up.csv`` batch of a contracted product is a
grade-A delivery by its village (farmer id = village id).

``prices.csv`` — ``date, product, yuan_per_kg`` (required), ``level`` (``wholesale``, default,
or ``farm_gate``), ``source``; one row per date, product and level.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from ruralflow.bundle import BundleError, BundleProblem
from ruralflow.bundle.csvtable import table_rows
from ruralflow.domain import County, DomainError, FieldError
from ruralflow.sharing.contracts import (
    Contract,
    ContractBook,
    ContractBookError,
    Fund,
    Member,
    PriceTerms,
)
from ruralflow.sharing.money import as_decimal, parse_decimal
from ruralflow.sharing.settlement import Delivery, PriceQuote

CONTRACTS_FILE = "contracts.csv"
DELIVERIES_FILE = "deliveries.csv"
PRICES_FILE = "prices.csv"


class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _str(v: str) -> str:
    return v.strip()


def _dec(v: str) -> Decimal:
    try:
        return parse_decimal(v)
    except ValueError:
        raise _CellError("不是数字 / is not a number") from None


def _date(v: str) -> dt.date:
    try:
        return dt.date.fromisoformat(v.strip())
    except ValueError:
        raise _CellError("不是日期 YYYY-MM-DD / is not a date YYYY-MM-DD") from None


def _grades(v: str) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for part in v.split(";"):
        if not part.strip():
            continue
        name, sep, num = part.partition(":")
        if not sep or not name.strip():
            raise _CellError("格式应为 A:1;B:0.85;C:0.6 / must look like A:1;B:0.85;C:0.6")
        if name.strip() in out:
            raise _CellError(f"等级 {name.strip()!r} 重复 / names grade {name.strip()!r} twice")
        out[name.strip()] = _dec(num)
    if not out:
        raise _CellError("格式应为 A:1;B:0.85;C:0.6 / must look like A:1;B:0.85;C:0.6")
    return out


@dataclass(frozen=True, slots=True)
class Column:
    """A column of one of the files: name, parser, required, default (a cell's text)."""

    name: str
    parse: Callable[[str], Any]
    required: bool = False
    default: str = ""


CONTRACT_TERMS = (
    Column("product", _str, True),
    Column("type", _str, True),
    Column("price_yuan_per_kg", _dec),
    Column("floor_yuan_per_kg", _dec),
    Column("upside_share", _dec),
    Column("cap_yuan_per_kg", _dec),
    Column("dividend_share", _dec),
    Column("guaranteed_yuan_per_share", _dec),
    Column("penalty_yuan_per_kg", _dec),
    Column("buyer_cost_yuan_per_kg", _dec),
    Column("grade_factors", _grades),
    Column("fund", _str),
)
FUND_TERMS = (
    Column("fund_yuan_per_kg", _dec),
    Column("fund_trigger_yuan_per_kg", _dec),
    Column("fund_farmer_share", _dec),
    Column("fund_buyer_share", _dec),
    Column("fund_government_share", _dec),
    Column("fund_payout_share", _dec),
    Column("fund_cap_share", _dec),
    Column("fund_opening_yuan", _dec),
)
CONTRACT_COLUMNS = (
    Column("contract", _str, True),
    Column("farmer", _str, True),
    *CONTRACT_TERMS,
    Column("shares", _dec),
    Column("contracted_kg", _dec),
    *FUND_TERMS,
    Column("farmer_name", _str),
    Column("village", _str),
    Column("source", _str),
)
DELIVERY_COLUMNS = (
    Column("day", _date, True),
    Column("farmer", _str, True),
    Column("product", _str, True),
    Column("kg", _dec, True),
    Column("grade", _str, False, "A"),
    Column("revenue_yuan", _dec),
    Column("source", _str),
)
PRICE_COLUMNS = (
    Column("date", _date, True),
    Column("product", _str, True),
    Column("yuan_per_kg", _dec, True),
    Column("level", _str, False, "wholesale"),
    Column("source", _str),
)


@dataclass
class _Reader:
    problems: list[BundleProblem] = field(default_factory=list)

    def add(self, file: str, row: int | None, column: str | None, value: Any, msg: str) -> None:
        self.problems.append(BundleProblem(file, row, column, value, msg))

    def rows(
        self, path: Path, cols: Sequence[Column]
    ) -> list[tuple[int, dict[str, Any], dict[str, str]]] | None:
        """(row number, parsed values (None for empty optional cells), raw cells) per row."""
        name = path.name
        table = table_rows(
            path,
            [c.name for c in cols],
            {c.name for c in cols if c.required},
            self.add,
            unknown_is_error=False,
        )
        if table is None:
            return None
        out: list[tuple[int, dict[str, Any], dict[str, str]]] = []
        for rowno, cells in table:
            vals: dict[str, Any] = {}
            ok = True
            for c in cols:
                cell = cells[c.name]
                if not cell:
                    if c.required:
                        self.add(name, rowno, c.name, cell, "为空 / is empty")
                        ok = False
                        continue
                    if not c.default:
                        vals[c.name] = None
                        continue
                    cell = c.default
                try:
                    vals[c.name] = c.parse(cell)
                except _CellError as e:
                    self.add(name, rowno, c.name, cell, e.message)
                    ok = False
            if ok:
                out.append((rowno, vals, cells))
        return out


def _field_problem(
    r: _Reader, file: str, rowno: int, e: DomainError, cells: Mapping[str, str] | None = None
) -> None:
    """A domain error of a row as a problem; the value is the cell's text when there is one."""
    if isinstance(e, FieldError):
        value = cells.get(e.field, e.value) if cells else e.value
        r.add(file, rowno, e.field, value if value != "" else e.value, e.reason)
    else:
        r.add(file, rowno, None, None, str(e))


def _check_product(r: _Reader, file: str, rowno: int, product: str, county: County | None) -> bool:
    if county is not None and product not in county.product_by_id:
        known = ", ".join(p.id for p in county.products) or "none"
        r.add(
            file,
            rowno,
            "product",
            product,
            f"不是数据包中的产品 / is not a product of the bundle ({known})",
        )
        return False
    return True


# --------------------------------------------------------------------------- contracts.csv
def _contracts(r: _Reader, path: Path, county: County | None) -> ContractBook | None:
    file = path.name
    rows = r.rows(path, CONTRACT_COLUMNS)
    if rows is None:
        return None
    start = len(r.problems)
    first: dict[str, tuple[int, dict[str, str], dict[str, Any]]] = {}
    fund_first: dict[str, tuple[int, dict[str, str], dict[str, Any]]] = {}
    contracts: dict[str, Contract] = {}
    contract_rows: dict[str, int] = {}
    funds: dict[str, Fund] = {}
    fund_rows: dict[str, int] = {}
    members: list[Member] = []
    member_rows: list[int] = []
    for rowno, vals, cells in rows:
        cid = vals["contract"]
        if cid in first:
            row0, cells0, vals0 = first[cid]
            for c in CONTRACT_TERMS:
                if cells[c.name] and vals[c.name] != vals0[c.name]:
                    r.add(
                        file,
                        rowno,
                        c.name,
                        cells[c.name],
                        f"与第 {row0} 行（合同 {cid!r} 定义处）不同，请留空或照抄 / "
                        f"differs from row {row0}, where contract {cid!r} is defined "
                        f"({cells0[c.name] or 'empty'}); leave it empty or repeat it",
                    )
        else:
            first[cid] = (rowno, cells, vals)
            if _check_product(r, file, rowno, vals["product"], county):
                contract = _build_contract(r, file, rowno, vals, cells)
                if contract is not None:
                    contracts[cid] = contract
                    contract_rows[cid] = rowno
        fid = vals["fund"] or (first[cid][2]["fund"] if cid in first else None)
        given = [c.name for c in FUND_TERMS if cells[c.name]]
        if not fid and given:
            r.add(
                file,
                rowno,
                given[0],
                cells[given[0]],
                "是基金条款，但该行没有基金（fund 列）/ is a fund term but the row names no fund "
                "(column 'fund')",
            )
        elif fid and fid in fund_first:
            row0, cells0, vals0 = fund_first[fid]
            for name in given:
                if vals[name] != vals0[name]:
                    r.add(
                        file,
                        rowno,
                        name,
                        cells[name],
                        f"与第 {row0} 行（基金 {fid!r} 定义处）不同，请留空或照抄 / "
                        f"differs from row {row0}, where fund {fid!r} is defined "
                        f"({cells0[name] or 'empty'}); leave it empty or repeat it",
                    )
        elif fid:
            fund_first[fid] = (rowno, cells, vals)
            fund = _build_fund(r, file, rowno, fid, vals, cells)
            if fund is not None:
                funds[fid] = fund
                fund_rows[fid] = rowno
        village = vals["village"] or ""
        if county is not None and village and village not in county.place_by_id:
            r.add(
                file,
                rowno,
                "village",
                village,
                "不是数据包中的地点编号 / is not a place id of the bundle",
            )
        try:
            members.append(
                Member(
                    contract=cid,
                    farmer=vals["farmer"],
                    shares=vals["shares"] if vals["shares"] is not None else Decimal(0),
                    contracted_kg=vals["contracted_kg"],
                    name=vals["farmer_name"] or "",
                    village=village,
                )
            )
            member_rows.append(rowno)
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
    if len(r.problems) > start:
        return None
    try:
        return ContractBook(tuple(contracts.values()), tuple(members), tuple(funds.values()))
    except ContractBookError as e:
        rows_of = {
            "members": member_rows,
            "contracts": [contract_rows[c] for c in contracts],
            "funds": [fund_rows[f] for f in funds],
        }
        for p in e.problems:
            lines = rows_of.get(p.collection, [])
            row = lines[p.index] if p.index is not None and p.index < len(lines) else None
            r.add(file, row, p.field, p.value, p.message)
        return None


def _build_contract(
    r: _Reader, file: str, rowno: int, v: Mapping[str, Any], cells: Mapping[str, str]
) -> Contract | None:
    kw: dict[str, Any] = {}
    for key, col in (
        ("dividend_share", "dividend_share"),
        ("guaranteed_yuan_per_share", "guaranteed_yuan_per_share"),
        ("penalty_yuan_per_kg", "penalty_yuan_per_kg"),
        ("buyer_cost_yuan_per_kg", "buyer_cost_yuan_per_kg"),
        ("grade_factors", "grade_factors"),
    ):
        if v[col] is not None:
            kw[key] = v[col]
    try:
        terms = PriceTerms(
            fixed=v["price_yuan_per_kg"],
            floor=v["floor_yuan_per_kg"],
            upside_share=v["upside_share"] if v["upside_share"] is not None else Decimal(0),
            cap=v["cap_yuan_per_kg"],
        )
        return Contract(
            id=v["contract"],
            product=v["product"],
            type=v["type"],
            price=terms,
            fund=v["fund"] or "",
            source=v["source"] or "assumption",
            **kw,
        )
    except DomainError as e:
        _field_problem(r, file, rowno, e, cells)
        return None


def _build_fund(
    r: _Reader,
    file: str,
    rowno: int,
    fid: str,
    v: Mapping[str, Any],
    cells: Mapping[str, str],
) -> Fund | None:
    missing = False
    for col in ("fund_yuan_per_kg", "fund_trigger_yuan_per_kg"):
        if v[col] is None:
            r.add(
                file,
                rowno,
                col,
                "",
                f"首次出现基金 {fid!r} 的行必填 / is required on the first row naming fund "
                f"{fid!r}",
            )
            missing = True
    if missing:
        return None
    kw: dict[str, Any] = {}
    for key, col in (
        ("farmer_share", "fund_farmer_share"),
        ("buyer_share", "fund_buyer_share"),
        ("government_share", "fund_government_share"),
        ("payout_share", "fund_payout_share"),
        ("cap_share", "fund_cap_share"),
        ("opening_yuan", "fund_opening_yuan"),
    ):
        if v[col] is not None:
            kw[key] = v[col]
    try:
        return Fund(
            fid,
            contribution_yuan_per_kg=v["fund_yuan_per_kg"],
            trigger_yuan_per_kg=v["fund_trigger_yuan_per_kg"],
            source=v["source"] or "assumption",
            **kw,
        )
    except DomainError as e:
        _field_problem(r, file, rowno, e, cells)
        return None


# --------------------------------------------------------------------------- deliveries.csv
def _deliveries(
    r: _Reader, path: Path, county: County | None
) -> tuple[list[Delivery], list[int]] | None:
    file = path.name
    rows = r.rows(path, DELIVERY_COLUMNS)
    if rows is None:
        return None
    out: list[Delivery] = []
    lines: list[int] = []
    for rowno, v, cells in rows:
        if not _check_product(r, file, rowno, v["product"], county):
            continue
        try:
            out.append(
                Delivery(
                    day=v["day"],
                    farmer=v["farmer"],
                    product=v["product"],
                    kg=v["kg"],
                    grade=v["grade"],
                    revenue_yuan=v["revenue_yuan"],
                )
            )
            lines.append(rowno)
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
    return out, lines


# --------------------------------------------------------------------------- prices.csv
def _prices(r: _Reader, path: Path, county: County | None) -> list[PriceQuote] | None:
    file = path.name
    rows = r.rows(path, PRICE_COLUMNS)
    if rows is None:
        return None
    out: list[PriceQuote] = []
    seen: dict[tuple[dt.date, str, str], int] = {}
    for rowno, v, cells in rows:
        if not _check_product(r, file, rowno, v["product"], county):
            continue
        key = (v["date"], v["product"], v["level"])
        if key in seen:
            r.add(
                file,
                rowno,
                "date",
                str(v["date"]),
                f"{v['product']} {v['level']} 当天已有报价（第 {seen[key]} 行）/ is already "
                f"quoted that day (row {seen[key]})",
            )
            continue
        seen[key] = rowno
        try:
            out.append(
                PriceQuote(
                    v["date"],
                    v["product"],
                    v["yuan_per_kg"],
                    v["level"],
                    v["source"] or "prices.csv",
                )
            )
        except DomainError as e:
            _field_problem(r, file, rowno, e, cells)
    return out


# --------------------------------------------------------------------------- front
@dataclass(frozen=True)
class ContractFiles:
    """What a bundle holds for benefit sharing (None for an absent file)."""

    root: Path
    book: ContractBook | None
    deliveries: tuple[Delivery, ...] | None
    delivery_rows: tuple[int, ...] = ()
    prices: tuple[PriceQuote, ...] | None = None

    def missing(self) -> list[str]:
        """The files settlement needs that are absent (``deliveries.csv`` may be replaced
        by ``supply_up.csv``)."""
        out = []
        if self.book is None:
            out.append(CONTRACTS_FILE)
        if self.prices is None:
            out.append(PRICES_FILE)
        return out


def read_contract_files(root: str | Path, county: County | None = None) -> ContractFiles:
    """Read ``contracts.csv``, ``deliveries.csv`` and ``prices.csv`` of a bundle folder (each
    optional); raise :class:`~ruralflow.bundle.BundleError` listing every problem in them."""
    path = Path(root)
    r = _Reader()
    book = None
    deliveries: tuple[Delivery, ...] | None = None
    rows: tuple[int, ...] = ()
    prices: tuple[PriceQuote, ...] | None = None
    if (path / CONTRACTS_FILE).is_file():
        book = _contracts(r, path / CONTRACTS_FILE, county)
    if (path / DELIVERIES_FILE).is_file():
        got = _deliveries(r, path / DELIVERIES_FILE, county)
        if got is not None:
            deliveries, rows = tuple(got[0]), tuple(got[1])
    if (path / PRICES_FILE).is_file():
        got_p = _prices(r, path / PRICES_FILE, county)
        if got_p is not None:
            prices = tuple(got_p)
    if r.problems:
        raise BundleError(path, r.problems)
    return ContractFiles(path, book, deliveries, rows, prices)


def deliveries_from_supply(
    county: County, products: Sequence[str]
) -> tuple[list[Delivery], list[int]]:
    """Each ``supply_up`` batch of ``products`` as a grade-A delivery by its village, with the
    batch's row in ``supply_up.csv`` (written in county order: row = index + 2)."""
    keep = set(products)
    out: list[Delivery] = []
    rows: list[int] = []
    for i, s in enumerate(county.supply_up):
        if s.product in keep:
            out.append(Delivery(s.day, s.village, s.product, as_decimal(s.kg)))
            rows.append(i + 2)
    return out, rows
