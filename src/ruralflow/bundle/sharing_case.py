"""Benefit sharing for a county bundle: which product, season, price model and designs.

This is the bundle side of :mod:`ruralflow.sharing` (the engine reads no files): it reads the
bundle's benefit-sharing files (:mod:`ruralflow.bundle.contract_files`), the product catalogue
and the real price series (:mod:`ruralflow.bundle.price_data`), and hands them to the engine.
Front doors for a bundle folder (what the CLI and the report call):

* :func:`settle_bundle` — settle the season in ``contracts.csv`` / ``deliveries.csv`` (or
  ``supply_up.csv``) / ``prices.csv``;
* :func:`prepare` — a :class:`CountyCase`: the product (the county's lead product unless
  ``contracts.csv`` says otherwise), its harvest season, the price model fitted to its real
  series, the farm-gate factor and the designs to simulate (the contracts of
  ``contracts.csv``, or the documented default set of
  :func:`~ruralflow.sharing.simulation.default_designs`).

Price series: a product's Xinfadi group and farm-gate factor come from the product catalogue
(``ruralflow/bundle/data/products.csv``); ``prices.csv`` replaces it when it holds at least two
years (104 weeks) of the product's prices.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ruralflow.bundle import BundleError, BundleProblem, catalog, read_bundle
from ruralflow.bundle.contract_files import (
    CONTRACTS_FILE,
    DELIVERIES_FILE,
    PRICES_FILE,
    ContractFiles,
    deliveries_from_supply,
    read_contract_files,
)
from ruralflow.bundle.price_data import xinfadi_series
from ruralflow.domain import County
from ruralflow.sharing.errors import SharingError
from ruralflow.sharing.prices import (
    PriceDataError,
    PriceModel,
    PriceSeries,
    fit_price_model,
    season_weeks,
    series_from_quotes,
    weekly,
)
from ruralflow.sharing.settlement import (
    DEFAULT_FARM_GATE_FACTOR,
    PriceBook,
    PriceLevel,
    Settlement,
    SettlementError,
    settle,
)
from ruralflow.sharing.simulation import Design, Farm, Season, default_designs

#: ``prices.csv`` replaces the Xinfadi series for fitting when it has this many weeks.
MIN_BUNDLE_WEEKS = 104

#: The packaged farm economics per product (``ruralflow/bundle/data/farm_economics.csv``).
FARM_ECONOMICS_FILE = "farm_economics.csv"


@dataclass(frozen=True, slots=True)
class FarmEconomics:
    """One product's member household: area, yield, cash cost and the buyer's handling cost,
    each a central value with a (low, high) range, and where the figures come from."""

    product: str
    mu_per_household: float
    mu_range: tuple[float, float]
    kg_per_mu: float
    kg_per_mu_range: tuple[float, float]
    cost_yuan_per_mu: float
    cost_range: tuple[float, float]
    buyer_cost_yuan_per_kg: float
    buyer_cost_range: tuple[float, float]
    source: str

    @property
    def household_kg(self) -> float:
        return self.mu_per_household * self.kg_per_mu

    @property
    def cost_yuan_per_kg(self) -> float:
        return self.cost_yuan_per_mu / self.kg_per_mu

    def farm(self) -> Farm:
        """The simulation's :class:`Farm` for this product (household size, poverty line,
        members and shares stay the documented defaults)."""
        base = Farm()
        lo_kg = self.mu_range[0] * self.kg_per_mu_range[0]
        hi_kg = self.mu_range[1] * self.kg_per_mu_range[1]
        lo_c = self.cost_range[0] / self.kg_per_mu_range[1]
        hi_c = self.cost_range[1] / self.kg_per_mu_range[0]
        sources = dict(base.sources)
        sources["household_kg"] = (
            f"{self.mu_per_household:g} mu x {self.kg_per_mu:,.0f} kg/mu (range "
            f"{lo_kg:,.0f}-{hi_kg:,.0f} kg); {FARM_ECONOMICS_FILE}: {self.source}"
        )
        sources["production_cost_yuan_per_kg"] = (
            f"cash cost {self.cost_yuan_per_mu:,.0f} yuan/mu / {self.kg_per_mu:,.0f} kg/mu "
            f"(range {lo_c:.2f}-{hi_c:.2f} yuan/kg); see household_kg"
        )
        sources["shares_per_household"] = (
            f"assumption: equity designs, 4 shares per household ({self.mu_per_household:g} mu)"
        )
        return Farm(
            household_kg=self.household_kg,
            production_cost_yuan_per_kg=round(self.cost_yuan_per_kg, 4),
            household_size=base.household_size,
            poverty_line_yuan_per_person=base.poverty_line_yuan_per_person,
            members=base.members,
            shares_per_household=base.shares_per_household,
            sources=tuple(sources.items()),
        )

    def describe(self) -> str:
        return (
            f"farm ({FARM_ECONOMICS_FILE}): {self.mu_per_household:g} mu "
            f"({self.mu_range[0]:g}-{self.mu_range[1]:g}) x {self.kg_per_mu:,.0f} kg/mu "
            f"({self.kg_per_mu_range[0]:,.0f}-{self.kg_per_mu_range[1]:,.0f}) = "
            f"{self.household_kg:,.0f} kg a household; cash cost {self.cost_yuan_per_mu:,.0f} "
            f"yuan/mu ({self.cost_range[0]:,.0f}-{self.cost_range[1]:,.0f}) = "
            f"{self.cost_yuan_per_kg:.2f} yuan/kg; buyer handling "
            f"{self.buyer_cost_yuan_per_kg:.2f} yuan/kg "
            f"({self.buyer_cost_range[0]:.2f}-{self.buyer_cost_range[1]:.2f})"
        )


def _number(row: dict[str, str], i: int, col: str) -> float:
    try:
        v = float(row[col])
    except (KeyError, TypeError, ValueError):
        raise ValueError(
            f"{FARM_ECONOMICS_FILE} 第 {i} 行 / row {i}, {col}: "
            f"须为数 / must be a number (got {row.get(col)!r})"
        ) from None
    if not v > 0:
        raise ValueError(
            f"{FARM_ECONOMICS_FILE} 第 {i} 行 / row {i}, {col}: 须 > 0 / must be > 0 (got {v!r})"
        )
    return v


def _ranged(
    row: dict[str, str], i: int, mid: str, lo: str, hi: str
) -> tuple[float, tuple[float, float]]:
    a, m, b = _number(row, i, lo), _number(row, i, mid), _number(row, i, hi)
    if not a <= m <= b:
        raise ValueError(
            f"{FARM_ECONOMICS_FILE} 第 {i} 行 / row {i}, {mid}: {m:g} 不在范围内 / "
            f"outside its range {lo}..{hi} = {a:g}..{b:g}"
        )
    return m, (a, b)


def farm_economics() -> dict[str, FarmEconomics]:
    """The packaged per-product farm economics (every row checked: central value in range)."""
    import csv
    from importlib import resources

    text = (
        resources.files("ruralflow.bundle")
        .joinpath("data", FARM_ECONOMICS_FILE)
        .read_text(encoding="utf-8")
    )
    out: dict[str, FarmEconomics] = {}
    for i, row in enumerate(csv.DictReader(text.splitlines()), start=2):
        mu, mu_r = _ranged(row, i, "mu_per_household", "mu_low", "mu_high")
        kg, kg_r = _ranged(row, i, "kg_per_mu", "kg_per_mu_low", "kg_per_mu_high")
        cost, cost_r = _ranged(row, i, "cost_yuan_per_mu", "cost_low", "cost_high")
        bc, bc_r = _ranged(row, i, "buyer_cost_yuan_per_kg", "buyer_cost_low", "buyer_cost_high")
        product = row["product"].strip()
        out[product] = FarmEconomics(
            product, mu, mu_r, kg, kg_r, cost, cost_r, bc, bc_r, row.get("source", "").strip()
        )
    return out


class MissingInputError(SharingError):
    """A bundle lacks a file a task needs; the message says which and what it holds."""


def _catalog_products() -> dict[str, tuple[str, float | None]]:
    return {k: (p.price_group, p.farm_gate_factor) for k, p in catalog.products().items()}


def farm_gate_factor(product: str) -> float:
    """The catalogue's farm-gate factor of ``product`` (default 0.5, an assumption)."""
    got = _catalog_products().get(product)
    if got is None or got[1] is None:
        return float(DEFAULT_FARM_GATE_FACTOR)
    return got[1]


def lead_product(county: County) -> str:
    """The county's lead product: the catalogue's (for the example counties), else the product
    with the most up kg in ``supply_up``, else the first product."""
    ids = [p.id for p in county.products]
    if not ids:
        raise MissingInputError(f"{county.name}: the bundle has no products (products.csv)")
    rows = catalog.county_products().get(county.adcode, ())
    for c in rows:
        if c.role == "lead" and c.product in ids:
            return c.product
    kg: dict[str, float] = defaultdict(float)
    for s in county.supply_up:
        kg[s.product] += s.kg
    if kg:
        return max(kg, key=lambda p: kg[p])
    return ids[0]


def harvest_season(county: County, product: str) -> Season:
    """The product's harvest window in the county: the catalogue's, else the span of its
    ``supply_up`` days, else the bundle's season (county.yaml)."""
    for c in catalog.county_products().get(county.adcode, ()):
        if c.product == product:
            s = c.season
            return Season(
                s.start, season_weeks(s.start, s.end), f"harvest {s} (product catalogue)"
            )
    days = sorted({s.day for s in county.supply_up if s.product == product})
    first: dt.date | None = days[0] if days else county.settings.season_start
    last: dt.date | None = days[-1] if days else county.settings.season_end
    if first is None or last is None:
        raise MissingInputError(
            f"{county.name}: no harvest season known for {product} (not in the product "
            "catalogue, no supply_up rows, no season in county.yaml)"
        )
    a, b = (first.month, first.day), (last.month, last.day)
    return Season(a, season_weeks(a, b), f"{first}..{last} (bundle supply_up)")


def price_series(
    product: str,
    files: ContractFiles | None = None,
    data_dir: str | Path | None = None,
) -> tuple[PriceSeries, str]:
    """The real wholesale series to fit for ``product`` and where it comes from."""
    factor = farm_gate_factor(product)
    if files is not None and files.prices:
        for level in (PriceLevel.WHOLESALE, PriceLevel.FARM_GATE):
            s = series_from_quotes(files.prices, product, level)
            if len(s.days) and len(weekly(s).week) >= MIN_BUNDLE_WEEKS:
                if level is PriceLevel.FARM_GATE:
                    s = PriceSeries(
                        s.product,
                        s.days,
                        tuple(v / factor for v in s.yuan_per_kg),
                        PriceLevel.WHOLESALE,
                        s.source + f" (farm-gate / {factor:g})",
                    )
                return s, f"{PRICES_FILE} ({level.value})"
    group = _catalog_products().get(product, ("", None))[0]
    if not group or group.startswith("kind:"):
        raise PriceDataError(
            f"no price series for {product}: it has no Xinfadi group in the product catalogue "
            f"and {PRICES_FILE} holds fewer than {MIN_BUNDLE_WEEKS} weeks of it"
        )
    return xinfadi_series(group, data_dir), f"Xinfadi group {group}"


@dataclass(frozen=True, eq=False)
class CountyCase:
    """What the simulation of a county needs, with where each part comes from."""

    county: County
    product: str
    season: Season
    series: PriceSeries
    series_source: str
    model: PriceModel
    farm_gate_factor: float
    reference_yuan_per_kg: float
    designs: list[Design]
    designs_source: str
    notes: list[str] = field(default_factory=list)
    farm: Farm = field(default_factory=Farm)
    economics: FarmEconomics | None = None

    def summary(self) -> str:
        p = self.county.product_by_id.get(self.product)
        name = f"{p.name} {p.name_en}".strip() if p else self.product
        return "\n".join(
            [
                f"{self.county.name} {self.county.settings.name_en} ({self.county.adcode}): "
                f"{name} [{self.product}], season {self.season.label}, {self.season.weeks} weeks",
                f"prices: {self.series_source}; {self.model.describe()}",
                f"farm-gate factor {self.farm_gate_factor:g} (assumption); reference farm-gate "
                f"price in season {self.reference_yuan_per_kg:.2f} yuan/kg",
                f"designs: {self.designs_source} ({', '.join(d.id for d in self.designs)})",
                self.economics.describe()
                if self.economics is not None
                else f"farm: no {FARM_ECONOMICS_FILE} row for {self.product}: the default "
                "household (10,000 kg, 1.2 yuan/kg, buyer handling 2.0 yuan/kg; assumption)",
                *self.notes,
            ]
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: product, season, price series and model, factor and designs."""
        return {
            "adcode": self.county.adcode,
            "product": self.product,
            "season": {
                "start": f"{self.season.start[0]:02d}-{self.season.start[1]:02d}",
                "weeks": self.season.weeks,
                "label": self.season.label,
            },
            "series_source": self.series_source,
            "model": self.model.to_dict(),
            "farm_gate_factor": self.farm_gate_factor,
            "reference_yuan_per_kg": round(self.reference_yuan_per_kg, 4),
            "designs": [d.id for d in self.designs],
            "designs_source": self.designs_source,
            "notes": list(self.notes),
            "farm": {
                "household_kg": self.farm.household_kg,
                "production_cost_yuan_per_kg": self.farm.production_cost_yuan_per_kg,
                "source": FARM_ECONOMICS_FILE if self.economics is not None else "assumption",
            },
        }


def reference_price(model: PriceModel, season: Season, factor: float) -> float:
    """Typical farm-gate price in the season: factor x the mean seasonal level over its weeks."""
    doy0 = dt.date(2001, *season.start).timetuple().tm_yday
    doys = doy0 + 3.0 + 7.0 * np.arange(season.weeks)
    return float(factor * np.mean(model.seasonal_price(np.asarray(doys, dtype=np.float64))))


def _designs_from_book(files: ContractFiles, product: str) -> list[Design]:
    assert files.book is not None
    out = []
    for c in files.book.contracts:
        if c.product != product:
            continue
        fund = files.book.fund(c.fund) if c.fund else None
        zh, en = c.type.zh, c.type.en
        if fund is not None:
            zh, en = zh + "+风险基金", en + " + price fund"
        out.append(Design(c.id, zh, en, c, fund, note=CONTRACTS_FILE))
    return out


def prepare(
    county: County,
    files: ContractFiles | None = None,
    *,
    product: str | None = None,
    data_dir: str | Path | None = None,
) -> CountyCase:
    """Product, season, fitted price model and designs for ``county`` (see the module doc)."""
    notes: list[str] = []
    book = files.book if files is not None else None
    if product is None:
        if book is not None and book.products:
            lead = lead_product(county)
            product = lead if lead in book.products else book.products[0]
        else:
            product = lead_product(county)
    if product not in county.product_by_id:
        raise MissingInputError(
            f"{product!r} is not a product of the bundle "
            f"({', '.join(p.id for p in county.products)})"
        )
    season = harvest_season(county, product)
    series, source = price_series(product, files, data_dir)
    model = fit_price_model(series)
    factor = farm_gate_factor(product)
    ref = reference_price(model, season, factor)
    economics = farm_economics().get(product)
    farm = economics.farm() if economics is not None else Farm()
    designs: list[Design] = []
    if book is not None:
        designs = _designs_from_book(files, product) if files is not None else []
    if designs:
        designs_source = f"{CONTRACTS_FILE} of the bundle"
    else:
        if book is not None:
            notes.append(f"{CONTRACTS_FILE} has no {product} contract: default designs used")
        designs = default_designs(
            product,
            ref,
            buyer_cost_yuan_per_kg=None if economics is None else economics.buyer_cost_yuan_per_kg,
            farm=farm,
        )
        designs_source = (
            f"default designs for the lead product (prices relative to the reference farm-gate "
            f"price {ref:.2f} yuan/kg, floor_cost from the household's cost; see "
            "ruralflow.sharing.simulation.default_designs)"
        )
    return CountyCase(
        county=county,
        product=product,
        season=season,
        series=series,
        series_source=source,
        model=model,
        farm_gate_factor=factor,
        reference_yuan_per_kg=ref,
        designs=designs,
        designs_source=designs_source,
        notes=notes,
        farm=farm,
        economics=economics,
    )


def load(path: str | Path) -> tuple[County, ContractFiles]:
    """Read the bundle and its benefit-sharing files (``BundleError`` lists every problem)."""
    county = read_bundle(path)
    return county, read_contract_files(path, county)


class BundleSettlement(NamedTuple):
    """The settled season of a bundle: the county read and its :class:`Settlement`.

    A named tuple, so ``county, settlement = settle_bundle(path)`` keeps working.
    """

    county: County
    settlement: Settlement

    def summary(self) -> str:
        """The county and the settlement's statement (Chinese and English labels)."""
        c = self.county
        head = f"{c.name} {c.settings.name_en} ({c.adcode}) 结算 / settlement"
        return head + "\n" + self.settlement.summary()

    def to_dict(self) -> dict[str, Any]:
        """The settlement's JSON (its field names as they stand) with the county's adcode."""
        return {"adcode": self.county.adcode, **self.settlement.to_dict()}


def settle_bundle(path: str | Path) -> BundleSettlement:
    """Settle the bundle's season exactly.

    Needs ``contracts.csv`` and ``prices.csv`` (:class:`MissingInputError` says what is missing
    and what the file holds); deliveries come from ``deliveries.csv``, else from the
    ``supply_up.csv`` batches of contracted products. Problems with individual deliveries (no
    price that day, unknown grade) are raised as a :class:`~ruralflow.bundle.BundleError`
    naming the file and row.
    """
    county, files = load(path)
    missing = files.missing()
    if missing:
        raise MissingInputError(_missing_message(Path(path), missing))
    assert files.book is not None and files.prices is not None
    if files.deliveries is not None:
        deliveries, rows, dfile = (
            list(files.deliveries),
            list(files.delivery_rows),
            DELIVERIES_FILE,
        )
    else:
        deliveries, rows = deliveries_from_supply(county, files.book.products)
        dfile = "supply_up.csv"
    factors = {p: Decimal(str(farm_gate_factor(p))) for p in files.book.products}
    book = PriceBook(files.prices, farm_gate_factor=factors)
    try:
        names = {p.id: p.name for p in county.places}
        return BundleSettlement(county, settle(files.book, deliveries, book, place_names=names))
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
        raise BundleError(Path(path), problems) from None


def _missing_message(path: Path, missing: list[str]) -> str:
    what = {
        CONTRACTS_FILE: (
            f"{CONTRACTS_FILE} (one row per farmer and contract: contract, farmer, product, "
            "type = spot|floor|order_dividend|equity, and the terms: price_yuan_per_kg, "
            "floor_yuan_per_kg, dividend_share, fund, ...)"
        ),
        PRICES_FILE: (
            f"{PRICES_FILE} (date, product, yuan_per_kg, level = wholesale|farm_gate: the "
            "market price of every delivery day)"
        ),
    }
    lines = [f"{path}: cannot settle, missing {' and '.join(missing)}:"]
    lines += [f"  - {what[m]}" for m in missing]
    lines.append(
        f"  Deliveries come from {DELIVERIES_FILE} (day, farmer, product, kg, grade) or, without "
        "it, from supply_up.csv. Column reference: docs/contracts.md. "
        "`ruralflow contracts simulate` and `compare` work without these files."
    )
    return "\n".join(lines)
