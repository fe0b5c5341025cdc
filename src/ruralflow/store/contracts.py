"""The cooperatives' benefit-sharing contracts in the database, and the ``contracts`` run.

A bundle's optional files — the benefit-sharing files (``contracts.csv``, ``deliveries.csv``,
``prices.csv``; :mod:`ruralflow.bundle.contract_files`) and the up-flow files (``lots.csv``,
``channels.csv``, ``brands.csv``...; :mod:`ruralflow.bundle.upflow_files`) — are validated by
their strict readers when the bundle is imported (a bad file gets its file/row/column message
and nothing is written) and stored in the same transaction: each file's text as imported
(:class:`~ruralflow.store.models.BundleFile`, so ``db export`` writes it back byte for byte)
and each row of ``contracts.csv`` as a signature
(:class:`~ruralflow.store.models.ContractSignature`, queried per farmer).

A cooperative sees the contracts its members signed (membership:
:class:`~ruralflow.store.models.CooperativeMember`), with the contract-level terms and only
its own members' signatures (:func:`cooperative_contracts`).

:func:`contracts_run` is the engine call of a ``contracts`` run: the Monte Carlo of the
county's contract designs on price paths fitted to the real series, as
``ruralflow contracts simulate`` does, and, when contracts and prices are stored, the exact
settlement of the season with every farmer's statement, grouped by cooperative.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections import defaultdict
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, delete, select
from sqlalchemy.orm import Session

from ruralflow.domain import County, DomainError
from ruralflow.store.counties import county_row
from ruralflow.store.db import StoreError, session_scope
from ruralflow.store.models import BundleFile, ContractSignature, CooperativeMember

if TYPE_CHECKING:
    from ruralflow.bundle.contract_files import ContractFiles

__all__ = [
    "CONTRACT_FILES",
    "contracts_run",
    "cooperative_contracts",
    "cooperatives_of",
    "load_contract_files",
    "optional_files",
    "optional_texts",
    "store_optional_texts",
    "write_optional_files",
]

#: The benefit-sharing files a bundle may hold.
CONTRACT_FILES = ("contracts.csv", "deliveries.csv", "prices.csv")


def optional_files() -> tuple[str, ...]:
    """Every optional bundle file the database keeps as text (contracts, up-flow, then the
    service centre's station ledger and talent pipeline; its catalogue, applicants and
    applications have tables of their own, :mod:`ruralflow.store.centre`)."""
    from ruralflow.bundle.centre_files import (
        COHORTS_FILE,
        SALES_FILE,
        SERVICES_FILE,
        TRAINEES_FILE,
    )
    from ruralflow.bundle.upflow_files import FILES

    return (*CONTRACT_FILES, *FILES, SERVICES_FILE, COHORTS_FILE, TRAINEES_FILE, SALES_FILE)


def optional_texts(path: str | Path) -> dict[str, str]:
    """The optional files of the bundle folder ``path`` as exact text (BOM and line ends
    kept), by file name; absent files are left out."""
    root = Path(path)
    out: dict[str, str] = {}
    for name in optional_files():
        f = root / name
        if f.is_file():
            out[name] = f.read_bytes().decode("utf-8")
    return out


def _rows(text: str) -> list[dict[str, str]]:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    return [{k.strip(): (v or "").strip() for k, v in r.items() if k} for r in reader]


def store_optional_texts(s: Session, county_id: int, texts: Mapping[str, str]) -> dict[str, int]:
    """Replace the county's stored optional files by ``texts`` (already validated); returns
    the rows of each file."""
    s.execute(delete(ContractSignature).where(ContractSignature.county_id == county_id))
    s.execute(delete(BundleFile).where(BundleFile.county_id == county_id))
    counts: dict[str, int] = {}
    for name in optional_files():
        if name in texts:
            s.add(BundleFile(county_id=county_id, name=name, text=texts[name]))
            counts[name] = len(_rows(texts[name]))
    if "contracts.csv" in texts:
        s.add_all(
            ContractSignature(
                county_id=county_id,
                position=i,
                contract=r.get("contract", ""),
                farmer=r.get("farmer", ""),
                product=r.get("product", ""),
                cells={k: v for k, v in r.items() if v},
            )
            for i, r in enumerate(_rows(texts["contracts.csv"]))
        )
    return counts


def stored_texts(engine: Engine, adcode: str) -> dict[str, str]:
    """The optional files stored for county ``adcode`` (name -> text)."""
    with session_scope(engine) as s:
        row = county_row(s, adcode)
        if row is None:
            raise StoreError(f"数据库中没有县 {adcode} / no county {adcode} in the database")
        return {
            f.name: f.text
            for f in s.scalars(select(BundleFile).where(BundleFile.county_id == row.id))
        }


def write_optional_files(engine: Engine, adcode: str, out_dir: str | Path) -> list[str]:
    """Write the stored optional files of ``adcode`` into ``out_dir``; returns their names."""
    texts = stored_texts(engine, adcode)
    for name, text in texts.items():
        (Path(out_dir) / name).write_bytes(text.encode("utf-8"))
    return sorted(texts)


def load_contract_files(engine: Engine, adcode: str, county: County) -> ContractFiles | None:
    """The stored contract files read by the bundle's own strict reader (None if none)."""
    from ruralflow.bundle.contract_files import read_contract_files

    texts = {k: v for k, v in stored_texts(engine, adcode).items() if k in CONTRACT_FILES}
    if not texts:
        return None
    with tempfile.TemporaryDirectory(prefix="ruralflow-contracts-") as tmp:
        for name, text in texts.items():
            (Path(tmp) / name).write_bytes(text.encode("utf-8"))
        return read_contract_files(tmp, county)


def cooperatives_of(s: Session, county_id: int) -> dict[str, list[str]]:
    """farmer -> the cooperatives it belongs to (sorted), for one county."""
    out: dict[str, list[str]] = defaultdict(list)
    rows = s.execute(
        select(CooperativeMember.farmer, CooperativeMember.cooperative)
        .where(CooperativeMember.county_id == county_id)
        .order_by(CooperativeMember.cooperative)
    )
    for farmer, coop in rows:
        out[farmer].append(coop)
    return dict(out)


def _term_names() -> tuple[set[str], set[str], set[str]]:
    from ruralflow.bundle.contract_files import CONTRACT_TERMS, FUND_TERMS

    contract = {c.name for c in CONTRACT_TERMS}
    fund = {c.name for c in FUND_TERMS}
    member = {"shares", "contracted_kg", "farmer_name", "village"}
    return contract, fund, member


def cooperative_contracts(s: Session, county_id: int, coop: str) -> list[dict[str, Any]]:
    """The contracts signed by members of ``coop``: each with its contract-level terms, the
    terms of its price-risk fund, and its members' signatures (nobody else's)."""
    contract_cols, fund_cols, member_cols = _term_names()
    members = set(
        s.scalars(
            select(CooperativeMember.farmer).where(
                CooperativeMember.county_id == county_id, CooperativeMember.cooperative == coop
            )
        )
    )
    rows = list(
        s.scalars(
            select(ContractSignature)
            .where(ContractSignature.county_id == county_id)
            .order_by(ContractSignature.position)
        )
    )
    signed = {r.contract for r in rows if r.farmer in members}
    terms: dict[str, dict[str, str]] = defaultdict(dict)
    funds: dict[str, dict[str, str]] = defaultdict(dict)
    sources: dict[str, str] = {}
    for r in rows:  # terms are given on a contract's (or fund's) first row, or repeated
        for k, v in r.cells.items():
            if k in contract_cols:
                terms[r.contract].setdefault(k, v)
        fund = r.cells.get("fund")
        if fund:
            for k, v in r.cells.items():
                if k in fund_cols:
                    funds[fund].setdefault(k, v)
        if r.contract not in sources and r.cells.get("source"):
            sources[r.contract] = r.cells["source"]
    out: list[dict[str, Any]] = []
    for cid in dict.fromkeys(r.contract for r in rows):
        if cid not in signed:
            continue
        t = terms[cid]
        fund_id = t.get("fund", "")
        out.append(
            {
                "contract": cid,
                "product": t.get("product", ""),
                "type": t.get("type", ""),
                "terms": {k: v for k, v in t.items() if k not in ("product", "type", "fund")},
                "fund": {"id": fund_id, **funds.get(fund_id, {})} if fund_id else None,
                "source": sources.get(cid, "assumption"),
                "members": [
                    {"farmer": r.farmer, **{k: v for k, v in r.cells.items() if k in member_cols}}
                    for r in rows
                    if r.contract == cid and r.farmer in members
                ],
            }
        )
    return out


# --------------------------------------------------------------------------- the run
def _settlement(
    county: County, files: ContractFiles, adcode: str
) -> tuple[Any, str]:  # (Settlement, deliveries source)
    from ruralflow.bundle import BundleError, BundleProblem
    from ruralflow.bundle.contract_files import DELIVERIES_FILE, deliveries_from_supply
    from ruralflow.bundle.sharing_case import farm_gate_factor
    from ruralflow.sharing.settlement import PriceBook, SettlementError, settle

    assert files.book is not None and files.prices is not None
    if files.deliveries is not None:
        deliveries, rows = list(files.deliveries), list(files.delivery_rows)
        dfile = DELIVERIES_FILE
    else:
        deliveries, rows = deliveries_from_supply(county, files.book.products)
        dfile = "supply_up.csv"
    factors = {p: Decimal(str(farm_gate_factor(p))) for p in files.book.products}
    book = PriceBook(files.prices, farm_gate_factor=factors)
    try:
        names = {p.id: p.name for p in county.places}
        return settle(files.book, deliveries, book, place_names=names), dfile
    except SettlementError as e:
        problems = [
            BundleProblem(
                dfile,
                rows[p.index] if p.index is not None and p.index < len(rows) else None,
                p.field,
                p.value,
                p.message,
            )
            for p in e.problems
        ]
        raise BundleError(Path(f"county {adcode} (database)"), problems) from None


def contracts_run(
    engine: Engine,
    adcode: str,
    county: County,
    params: Mapping[str, Any],
    progress: Callable[[float, str], None] = lambda _f, _m: None,
) -> dict[str, Any]:
    """Simulate the county's contract designs and settle its season (see the module doc)."""
    from ruralflow.bundle.sharing_case import prepare
    from ruralflow.sharing.simulation import SideSelling, simulate

    files = load_contract_files(engine, adcode, county)
    progress(0.25, "fitting the price model")
    try:
        case = prepare(county, files, product=params.get("product"))
    except DomainError as e:  # the CLI's wording (`contracts simulate`)
        raise StoreError(f"无法准备模拟 / cannot prepare the simulation: {e}") from None
    progress(0.35, "Monte Carlo of the contract designs")
    try:
        sim = simulate(
            case.designs,
            case.model,
            case.season,
            paths=int(params.get("paths", 20_000)),
            seasons=int(params.get("seasons", 3)),
            seed=int(params.get("seed", 0)),
            method="bootstrap" if params.get("method") == "bootstrap" else "model",
            farm_gate_factor=case.farm_gate_factor,
            side=SideSelling(enabled=bool(params.get("side_selling", True))),
        )
    except DomainError as e:
        raise StoreError(f"模拟失败 / the simulation failed: {e}") from None
    out: dict[str, Any] = {
        "case": case.to_dict(),
        "simulation": sim.to_dict(),
        "settlement": None,
        "statements": [],
        "cooperatives": {},
    }
    if files is None or files.missing():
        missing = ["contracts.csv", "prices.csv"] if files is None else files.missing()
        out["settlement_note"] = (
            f"未结算:缺少 {', '.join(missing)} / not settled: the county has no "
            f"{' and '.join(missing)} in the database (import a bundle that holds them)"
        )
        return out
    progress(0.85, "settling the season")
    try:
        settlement, dsource = _settlement(county, files, adcode)
    except DomainError as e:
        raise StoreError(f"无法结算 / cannot settle the season: {e}") from None
    with session_scope(engine) as s:
        row = county_row(s, adcode)
        assert row is not None
        coops = cooperatives_of(s, row.id)
    out["settlement"] = {"deliveries_source": dsource, **settlement.to_dict()}
    by_coop: dict[str, list[str]] = defaultdict(list)
    for r in settlement.farmer_rows:
        for c in coops.get(r.farmer, []):
            by_coop[c].append(r.farmer)
        out["statements"].append(
            {
                "farmer": r.farmer,
                "cooperatives": coops.get(r.farmer, []),
                "text": settlement.statement(r.farmer, "both"),
            }
        )
    out["cooperatives"] = dict(sorted(by_coop.items()))
    return out
