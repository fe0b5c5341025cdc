"""The optional bundle files of the county service centre (issue 19): ``policies.csv``,
``applications.csv``, and the eligibility details ``policy_rules.csv`` and ``applicants.csv``.

Strict readers in the style of ``bundle/io.py``: every problem is collected with file, row (as
a spreadsheet shows it: header = row 1), column and value, in Chinese and English, and nothing
is returned when there is any. Unknown columns are an error (a typo would otherwise be
silently ignored); money is read as exact decimals, dates as ``YYYY-MM-DD``.

``policies.csv`` — exactly ``id, bureau, name, purpose, applicant_types, amount_yuan,
budget_yuan, start, end, documents``: ``applicant_types`` and ``documents`` are ``;``-separated
lists (``documents`` may be empty), ``purpose`` one of
:data:`ruralflow.centre.catalogue.PURPOSES`, ``amount_yuan`` the most one application may get.

``applications.csv`` — exactly ``id, applicant, applicant_type, policy, purpose, amount_yuan,
status, day`` (``day``: submitted). Each row must agree with its policy (purpose, applicant
type, amount at most the policy's, day in its period); an applicant applies to a policy once
and has one type.

``policy_rules.csv`` (optional) — ``policy, applicant_type, attribute, op, value``: attribute
conditions an applicant must meet besides its type (``applicant_type`` empty: every type;
``op``: ``= != >= <= > < in``; ``in`` takes ``a|b``).

``applicants.csv`` (optional) — ``id, type, name, attributes`` (``key=value;key=value``): the
applicants the one-stop window knows, their types and attributes.

``station_services.csv`` (optional; :func:`read_station_services`) — ``day, station, service,
count, fee_yuan`` (``source`` optional): a station's (village or township station of
``places.csv``) count of one service on one day and its income per item; one row per day,
station and service.

The talent pipeline (optional; :func:`read_talent_files`): ``talent_cohorts.csv`` —
``cohort, name, course, start, end`` (``course``: ``live_streaming`` or ``supply_chain``);
``talent_trainees.csv`` — ``trainee, cohort, village, stage, shop`` (``stage``: ``enrolled``,
``trained``, ``practised``, ``incubated``; ``shop`` only, and always, at ``incubated``; one
trainee per shop); ``shop_sales.csv`` — ``day, shop, product, orders, kg, sales_yuan`` (a
trainee's shop, a product of ``products.csv``; one row per day, shop and product).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruralflow.bundle import BundleError, BundleProblem
from ruralflow.bundle.csvtable import table_rows
from ruralflow.centre.catalogue import (
    Applicant,
    Application,
    Policy,
    Rule,
    check_application,
    parse_yuan,
)
from ruralflow.centre.services import ServiceEntry
from ruralflow.centre.talent import Cohort, ShopSale, Trainee
from ruralflow.domain import County, DomainError, FieldError, PlaceKind

__all__ = [
    "APPLICANTS_FILE",
    "APPLICATIONS_FILE",
    "CENTRE_FILES",
    "POLICIES_FILE",
    "RULES_FILE",
    "SERVICES_FILE",
    "CentreFiles",
    "has_centre_files",
    "read_centre_files",
    "read_station_services",
    "read_talent_files",
    "write_centre_files",
]

POLICIES_FILE = "policies.csv"
APPLICATIONS_FILE = "applications.csv"
RULES_FILE = "policy_rules.csv"
APPLICANTS_FILE = "applicants.csv"
SERVICES_FILE = "station_services.csv"
COHORTS_FILE = "talent_cohorts.csv"
TRAINEES_FILE = "talent_trainees.csv"
SALES_FILE = "shop_sales.csv"
#: The catalogue files of the centre (curated by hand; :func:`read_centre_files`).
CENTRE_FILES = (POLICIES_FILE, APPLICATIONS_FILE, RULES_FILE, APPLICANTS_FILE)


class _CellError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _str(v: str) -> str:
    return v


def _yuan(v: str) -> Any:
    try:
        return parse_yuan(v)
    except ValueError:
        raise _CellError("不是数字 / is not a number") from None


def _date(v: str) -> dt.date:
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise _CellError("不是日期 YYYY-MM-DD / is not a date YYYY-MM-DD") from None


def _list(v: str) -> tuple[str, ...]:
    return tuple(p.strip() for p in v.split(";") if p.strip())


def _attrs(v: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in v.split(";"):
        if not part.strip():
            continue
        key, sep, val = part.partition("=")
        if not sep or not key.strip():
            raise _CellError("格式应为 key=value;key=value / must look like key=value;key=value")
        if key.strip() in out:
            raise _CellError(f"属性 {key.strip()!r} 重复 / names {key.strip()!r} twice")
        out[key.strip()] = val.strip()
    return out


@dataclass(frozen=True, slots=True)
class _Col:
    name: str
    parse: Callable[[str], Any]
    #: the cell may not be empty
    required: bool = True
    #: the header must have the column
    in_header: bool = True


POLICY_COLUMNS = (
    _Col("id", _str),
    _Col("bureau", _str),
    _Col("name", _str),
    _Col("purpose", _str),
    _Col("applicant_types", _list),
    _Col("amount_yuan", _yuan),
    _Col("budget_yuan", _yuan),
    _Col("start", _date),
    _Col("end", _date),
    _Col("documents", _list, False),
)
APPLICATION_COLUMNS = (
    _Col("id", _str),
    _Col("applicant", _str),
    _Col("applicant_type", _str),
    _Col("policy", _str),
    _Col("purpose", _str),
    _Col("amount_yuan", _yuan),
    _Col("status", _str),
    _Col("day", _date),
)
RULE_COLUMNS = (
    _Col("policy", _str),
    _Col("applicant_type", _str, False),
    _Col("attribute", _str),
    _Col("op", _str),
    _Col("value", _str),
)


def _count(v: str) -> int:
    try:
        n = int(v)
    except ValueError:
        raise _CellError("不是整数 / is not an integer") from None
    if n < 0:
        raise _CellError("须 >= 0 / must be >= 0")
    return n


SERVICE_COLUMNS = (
    _Col("day", _date),
    _Col("station", _str),
    _Col("service", _str),
    _Col("count", _count),
    _Col("fee_yuan", _yuan),
    _Col("source", _str, False, False),
)
COHORT_COLUMNS = (
    _Col("cohort", _str),
    _Col("name", _str),
    _Col("course", _str),
    _Col("start", _date),
    _Col("end", _date),
)
TRAINEE_COLUMNS = (
    _Col("trainee", _str),
    _Col("cohort", _str),
    _Col("village", _str),
    _Col("stage", _str),
    _Col("shop", _str, False),
)
SALE_COLUMNS = (
    _Col("day", _date),
    _Col("shop", _str),
    _Col("product", _str),
    _Col("orders", _count),
    _Col("kg", _yuan),
    _Col("sales_yuan", _yuan),
)
APPLICANT_COLUMNS = (
    _Col("id", _str),
    _Col("type", _str),
    _Col("name", _str, False),
    _Col("attributes", _attrs, False),
)


@dataclass
class _Reader:
    problems: list[BundleProblem] = field(default_factory=list)

    def add(self, file: str, row: int | None, column: str | None, value: Any, msg: str) -> None:
        self.problems.append(BundleProblem(file, row, column, value, msg))

    def rows(
        self, path: Path, cols: Sequence[_Col]
    ) -> list[tuple[int, dict[str, Any], dict[str, str]]] | None:
        """(row, parsed values, raw cells) of each non-empty row; None if the header is bad.
        Every column of ``cols`` must be in the header unless ``in_header`` is false (empty
        cells allowed where not required); no other column may be."""
        name = path.name
        table = table_rows(
            path, [c.name for c in cols], {c.name for c in cols if c.in_header}, self.add
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
                    vals[c.name] = c.parse("") if c.parse in (_list, _attrs) else ""
                    continue
                try:
                    vals[c.name] = c.parse(cell)
                except _CellError as e:
                    self.add(name, rowno, c.name, cell, e.message)
                    ok = False
            if ok:
                out.append((rowno, vals, cells))
        return out

    def field(self, file: str, rowno: int, e: DomainError, cells: dict[str, str]) -> None:
        if isinstance(e, FieldError):
            value = cells.get(e.field) or e.value
            if isinstance(value, tuple):
                value = ";".join(value)
            self.add(file, rowno, e.field, value if _plain(value) else str(value), e.reason)
        else:
            self.add(file, rowno, None, None, str(e))


def _plain(v: Any) -> bool:
    return v is None or isinstance(v, str | int | float | bool)


@dataclass(frozen=True)
class CentreFiles:
    """The centre's files of a bundle (empty tuples for absent files)."""

    root: Path
    policies: tuple[Policy, ...]
    applications: tuple[Application, ...] = ()
    applicants: tuple[Applicant, ...] = ()
    #: the spreadsheet row of each policy and application (for messages)
    policy_rows: tuple[int, ...] = ()
    application_rows: tuple[int, ...] = ()


def has_centre_files(root: str | Path) -> bool:
    """True when the bundle folder has any of the centre's files."""
    path = Path(root)
    return any((path / f).is_file() for f in CENTRE_FILES)


def _rules(r: _Reader, path: Path, ids: set[str]) -> dict[str, list[Rule]]:
    out: dict[str, list[Rule]] = {}
    rows = r.rows(path, RULE_COLUMNS)
    for rowno, v, cells in rows or ():
        if v["policy"] not in ids:
            r.add(
                path.name,
                rowno,
                "policy",
                v["policy"],
                f"不是 {POLICIES_FILE} 中的政策 / is not a policy of {POLICIES_FILE}",
            )
            continue
        try:
            out.setdefault(v["policy"], []).append(
                Rule(v["attribute"], v["op"], v["value"], v["applicant_type"])
            )
        except DomainError as e:
            r.field(path.name, rowno, e, cells)
    return out


def _policies(r: _Reader, path: Path, rules_path: Path) -> tuple[list[Policy], list[int]]:
    file = path.name
    rows = r.rows(path, POLICY_COLUMNS) or []
    seen: dict[str, int] = {}
    for rowno, v, _cells in rows:
        if v["id"] in seen:
            r.add(
                file,
                rowno,
                "id",
                v["id"],
                f"与第 {seen[v['id']]} 行重复 / repeats the id of row {seen[v['id']]}",
            )
        else:
            seen[v["id"]] = rowno
    rules = _rules(r, rules_path, set(seen)) if rules_path.is_file() else {}
    out: list[Policy] = []
    lines: list[int] = []
    for rowno, v, cells in rows:
        if seen.get(v["id"]) != rowno:
            continue
        try:
            out.append(
                Policy(
                    id=v["id"],
                    bureau=v["bureau"],
                    name=v["name"],
                    purpose=v["purpose"],
                    applicant_types=v["applicant_types"],
                    amount_yuan=v["amount_yuan"],
                    budget_yuan=v["budget_yuan"],
                    start=v["start"],
                    end=v["end"],
                    documents=v["documents"],
                    rules=tuple(rules.get(v["id"], ())),
                )
            )
            lines.append(rowno)
        except DomainError as e:
            r.field(file, rowno, e, cells)
    return out, lines


def _applicants(r: _Reader, path: Path) -> list[Applicant]:
    out: list[Applicant] = []
    seen: dict[str, int] = {}
    for rowno, v, cells in r.rows(path, APPLICANT_COLUMNS) or ():
        if v["id"] in seen:
            r.add(
                path.name,
                rowno,
                "id",
                v["id"],
                f"与第 {seen[v['id']]} 行重复 / repeats the id of row {seen[v['id']]}",
            )
            continue
        seen[v["id"]] = rowno
        try:
            out.append(Applicant(v["id"], v["type"], v["name"], v["attributes"]))
        except DomainError as e:
            r.field(path.name, rowno, e, cells)
    return out


def _applications(
    r: _Reader,
    path: Path,
    policies: dict[str, Policy],
    applicants: dict[str, Applicant],
    catalogue_ok: bool,
) -> tuple[list[Application], list[int]]:
    file = path.name
    out: list[Application] = []
    lines: list[int] = []
    seen: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    types: dict[str, tuple[str, int]] = {}
    for rowno, v, cells in r.rows(path, APPLICATION_COLUMNS) or ():
        if v["id"] in seen:
            r.add(
                file,
                rowno,
                "id",
                v["id"],
                f"与第 {seen[v['id']]} 行重复 / repeats the id of row {seen[v['id']]}",
            )
            continue
        seen[v["id"]] = rowno
        try:
            app = Application(
                id=v["id"],
                applicant=v["applicant"],
                applicant_type=v["applicant_type"],
                policy=v["policy"],
                purpose=v["purpose"],
                amount_yuan=v["amount_yuan"],
                status=v["status"],
                day=v["day"],
            )
        except DomainError as e:
            r.field(file, rowno, e, cells)
            continue
        ok = True
        known = applicants.get(app.applicant)
        if known is not None and known.type != app.applicant_type:
            r.add(
                file,
                rowno,
                "applicant_type",
                app.applicant_type,
                f"与 {APPLICANTS_FILE} 中该申请人的类型 {known.type} 不符 / differs from the "
                f"type {known.type} of this applicant in {APPLICANTS_FILE}",
            )
            ok = False
        if app.applicant in types and types[app.applicant][0] != app.applicant_type:
            t0, row0 = types[app.applicant]
            r.add(
                file,
                rowno,
                "applicant_type",
                app.applicant_type,
                f"第 {row0} 行中该申请人类型为 {t0} / the applicant is of type {t0} on row {row0}",
            )
            ok = False
        types.setdefault(app.applicant, (app.applicant_type, rowno))
        policy = policies.get(app.policy)
        if policy is None:
            if catalogue_ok:  # else the catalogue's own problems are the message
                r.add(
                    file,
                    rowno,
                    "policy",
                    app.policy,
                    f"不是 {POLICIES_FILE} 中的政策 / is not a policy of {POLICIES_FILE}",
                )
            continue
        for col, value, msg in check_application(app, policy):
            r.add(file, rowno, col, value, msg)
            ok = False
        key = (app.applicant, app.policy)
        if key in pairs:
            r.add(
                file,
                rowno,
                "policy",
                app.policy,
                f"该申请人已在第 {pairs[key]} 行申请过此政策（每项政策只申请一次）/ the "
                f"applicant already applied for this policy on row {pairs[key]} (one "
                "application per policy)",
            )
            ok = False
        pairs.setdefault(key, rowno)
        if ok:
            out.append(app)
            lines.append(rowno)
    return out, lines


def read_centre_files(root: str | Path) -> CentreFiles:
    """Read the centre's files of a bundle folder; :class:`BundleError` lists every problem.

    ``policies.csv`` is needed when any of the others is present; a folder with none of them
    gives an empty catalogue (see :func:`has_centre_files`).
    """
    path = Path(root)
    r = _Reader()
    policies: list[Policy] = []
    prow: list[int] = []
    if (path / POLICIES_FILE).is_file():
        policies, prow = _policies(r, path / POLICIES_FILE, path / RULES_FILE)
    elif has_centre_files(path):
        r.add(
            POLICIES_FILE,
            None,
            None,
            None,
            "缺少政策目录文件（其他政策中心文件需要它）/ the policy catalogue is missing (the "
            "other service-centre files need it)",
        )
    catalogue_ok = not r.problems
    applicants = (
        _applicants(r, path / APPLICANTS_FILE) if (path / APPLICANTS_FILE).is_file() else []
    )
    apps: list[Application] = []
    arow: list[int] = []
    if (path / APPLICATIONS_FILE).is_file():
        apps, arow = _applications(
            r,
            path / APPLICATIONS_FILE,
            {p.id: p for p in policies},
            {a.id: a for a in applicants},
            catalogue_ok,
        )
    if r.problems:
        raise BundleError(path, r.problems)
    return CentreFiles(
        path, tuple(policies), tuple(apps), tuple(applicants), tuple(prow), tuple(arow)
    )


def read_station_services(root: str | Path, county: County) -> list[ServiceEntry] | None:
    """``station_services.csv`` of a bundle (None when absent); :class:`BundleError` lists
    every problem (unknown station or service, repeated day + station + service, ...)."""
    path = Path(root) / SERVICES_FILE
    if not path.is_file():
        return None
    r = _Reader()
    out: list[ServiceEntry] = []
    seen: dict[tuple[dt.date, str, str], int] = {}
    kinds = {PlaceKind.VILLAGE, PlaceKind.TOWNSHIP_STATION}
    for rowno, v, cells in r.rows(path, SERVICE_COLUMNS) or ():
        place = county.place_by_id.get(v["station"])
        if place is None or place.kind not in kinds:
            r.add(
                path.name,
                rowno,
                "station",
                v["station"],
                "不是数据包中的乡镇站或村 / is not a township station or village of places.csv",
            )
            continue
        key = (v["day"], v["station"], v["service"])
        if key in seen:
            r.add(
                path.name,
                rowno,
                "service",
                v["service"],
                f"该站当天已有此服务（第 {seen[key]} 行）/ the station has this service that day "
                f"already (row {seen[key]})",
            )
            continue
        seen[key] = rowno
        try:
            out.append(
                ServiceEntry(v["day"], v["station"], v["service"], v["count"], v["fee_yuan"])
            )
        except DomainError as e:
            r.field(path.name, rowno, e, cells)
    if r.problems:
        raise BundleError(Path(root), r.problems)
    return out


@dataclass(frozen=True)
class TalentFiles:
    cohorts: tuple[Cohort, ...]
    trainees: tuple[Trainee, ...]
    sales: tuple[ShopSale, ...]


def _unique(
    r: _Reader, file: str, rowno: int, col: str, key: Any, seen: dict[Any, int], shown: str = ""
) -> bool:
    if key in seen:
        r.add(
            file,
            rowno,
            col,
            shown or key,
            f"与第 {seen[key]} 行重复 / repeats row {seen[key]}",
        )
        return False
    seen[key] = rowno
    return True


def read_talent_files(root: str | Path, county: County) -> TalentFiles | None:
    """The talent pipeline's files (None when ``talent_cohorts.csv`` is absent; the other two
    need it); :class:`BundleError` lists every problem."""
    path = Path(root)
    present = [f for f in (COHORTS_FILE, TRAINEES_FILE, SALES_FILE) if (path / f).is_file()]
    if not present:
        return None
    r = _Reader()
    if COHORTS_FILE not in present:
        r.add(
            COHORTS_FILE,
            None,
            None,
            None,
            "缺少该文件（其他人才文件需要它）/ is missing (the other talent files need it)",
        )
        raise BundleError(path, r.problems)
    cohorts: list[Cohort] = []
    seen: dict[Any, int] = {}
    for rowno, v, cells in r.rows(path / COHORTS_FILE, COHORT_COLUMNS) or ():
        if _unique(r, COHORTS_FILE, rowno, "cohort", v["cohort"], seen):
            try:
                cohorts.append(Cohort(v["cohort"], v["name"], v["course"], v["start"], v["end"]))
            except DomainError as e:
                r.field(COHORTS_FILE, rowno, e, cells)
    cohort_ids = set(seen)
    trainees: list[Trainee] = []
    seen = {}
    shops: dict[Any, int] = {}
    if (path / TRAINEES_FILE).is_file():
        for rowno, v, cells in r.rows(path / TRAINEES_FILE, TRAINEE_COLUMNS) or ():
            if not _unique(r, TRAINEES_FILE, rowno, "trainee", v["trainee"], seen):
                continue
            ok = True
            if v["cohort"] not in cohort_ids:
                r.add(
                    TRAINEES_FILE,
                    rowno,
                    "cohort",
                    v["cohort"],
                    f"不是 {COHORTS_FILE} 中的班次 / is not a cohort of {COHORTS_FILE}",
                )
                ok = False
            place = county.place_by_id.get(v["village"])
            if place is None or place.kind is not PlaceKind.VILLAGE:
                r.add(
                    TRAINEES_FILE,
                    rowno,
                    "village",
                    v["village"],
                    "不是数据包中的村 / is not a village of places.csv",
                )
                ok = False
            if v["shop"] and not _unique(r, TRAINEES_FILE, rowno, "shop", v["shop"], shops):
                ok = False
            try:
                t = Trainee(v["trainee"], v["cohort"], v["village"], v["stage"], v["shop"])
            except DomainError as e:
                r.field(TRAINEES_FILE, rowno, e, cells)
                continue
            if ok:
                trainees.append(t)
    sales: list[ShopSale] = []
    if (path / SALES_FILE).is_file():
        seen = {}
        for rowno, v, cells in r.rows(path / SALES_FILE, SALE_COLUMNS) or ():
            if v["shop"] not in shops:
                r.add(
                    SALES_FILE,
                    rowno,
                    "shop",
                    v["shop"],
                    f"不是 {TRAINEES_FILE} 中学员的店铺 / is not a trainee's shop in "
                    f"{TRAINEES_FILE}",
                )
                continue
            if v["product"] not in county.product_by_id:
                r.add(
                    SALES_FILE,
                    rowno,
                    "product",
                    v["product"],
                    "不是数据包中的产品 / is not a product of products.csv",
                )
                continue
            key = (v["day"], v["shop"], v["product"])
            if not _unique(r, SALES_FILE, rowno, "product", key, seen, v["product"]):
                continue
            try:
                sales.append(
                    ShopSale(
                        v["day"], v["shop"], v["product"], v["orders"], v["kg"], v["sales_yuan"]
                    )
                )
            except DomainError as e:
                r.field(SALES_FILE, rowno, e, cells)
    if r.problems:
        raise BundleError(path, r.problems)
    return TalentFiles(tuple(cohorts), tuple(trainees), tuple(sales))


def write_centre_files(
    root: str | Path,
    policies: Sequence[Policy],
    applicants: Sequence[Applicant] = (),
    applications: Sequence[Application] = (),
) -> list[Path]:
    """Write ``policies.csv`` (and ``policy_rules.csv``, ``applicants.csv``,
    ``applications.csv`` when there is something to write) into the bundle folder ``root``, so
    that :func:`read_centre_files` reads them back equal. Returns the paths written."""
    path = Path(root)
    out: list[Path] = []

    def write(name: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        with (path / name).open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows(rows)
        out.append(path / name)

    write(
        POLICIES_FILE,
        [c.name for c in POLICY_COLUMNS],
        [
            [
                p.id,
                p.bureau,
                p.name,
                p.purpose,
                ";".join(p.applicant_types),
                str(p.amount_yuan),
                str(p.budget_yuan),
                p.start.isoformat(),
                p.end.isoformat(),
                ";".join(p.documents),
            ]
            for p in policies
        ],
    )
    rules = [
        [p.id, r.applicant_type, r.attribute, r.op, r.value] for p in policies for r in p.rules
    ]
    if rules:
        write(RULES_FILE, [c.name for c in RULE_COLUMNS], rules)
    if applicants:
        write(
            APPLICANTS_FILE,
            [c.name for c in APPLICANT_COLUMNS],
            [
                [a.id, a.type, a.name, ";".join(f"{k}={v}" for k, v in a.attributes.items())]
                for a in applicants
            ],
        )
    if applications:
        write(
            APPLICATIONS_FILE,
            [c.name for c in APPLICATION_COLUMNS],
            [
                [
                    a.id,
                    a.applicant,
                    a.applicant_type,
                    a.policy,
                    a.purpose,
                    str(a.amount_yuan),
                    a.status,
                    a.day.isoformat(),
                ]
                for a in applications
            ],
        )
    return out
