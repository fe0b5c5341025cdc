"""Package data for the example counties: county facts, the product catalogue, harvest seasons.

Files in ``ruralflow/bundle/data/``:

* ``counties.yaml``: per real county, what the real data lacks (pinyin name, terrain,
  detour factor, climate normals, default season start, tourism placeholder, IO table).
* ``products.csv``: product types, the Xinfadi price group and the farm-gate factor, and
  perishability: by name from ``ruralflow.freshness.default_perishability`` (which cites the
  research notes ``PARAMS.md`` rows) where that table has the product, otherwise the
  row's own values and source (dried Sichuan pepper, tea, cucumber,
  tomato, mushroom).
* ``county_products.csv``: which products each county sends up, their role (lead /
  secondary / minor) and harvest window (``MM-DD`` to ``MM-DD``, may wrap over New Year).
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from ruralflow.domain import ProductCategory

COARSE = "coarse"


@dataclass(frozen=True, slots=True)
class Season:
    """A yearly harvest window ``start``..``end`` (month, day), inclusive; may wrap the year."""

    start: tuple[int, int]
    end: tuple[int, int]

    @classmethod
    def parse(cls, start: str, end: str) -> Season:
        def md(s: str) -> tuple[int, int]:
            m, d = s.strip().split("-")
            dt.date(2001, int(m), int(d))  # validates
            return int(m), int(d)

        return cls(md(start), md(end))

    @property
    def wraps(self) -> bool:
        return self.end < self.start

    def window(self, day: dt.date) -> tuple[dt.date, dt.date] | None:
        """The concrete window containing ``day``, or None when ``day`` is out of season."""
        for y in (day.year - 1, day.year):
            a = dt.date(y, *self.start)
            b = dt.date(y + 1 if self.wraps else y, *self.end)
            if a <= day <= b:
                return a, b
        return None

    def contains(self, day: dt.date) -> bool:
        return self.window(day) is not None

    def fraction(self, day: dt.date) -> float | None:
        """Where ``day`` falls in its window, 0 (first day) .. 1 (last day); None outside."""
        w = self.window(day)
        if w is None:
            return None
        span = (w[1] - w[0]).days
        return 0.5 if span == 0 else (day - w[0]).days / span

    def months(self) -> tuple[int, ...]:
        """Calendar months the window touches."""
        out: list[int] = []
        m = self.start[0]
        while True:
            out.append(m)
            if m == self.end[0] and (len(out) > 1 or not self.wraps):
                break
            m = m % 12 + 1
            if len(out) > 12:
                break
        return tuple(sorted(set(out)))

    def __str__(self) -> str:
        return f"{self.start[0]:02d}-{self.start[1]:02d}..{self.end[0]:02d}-{self.end[1]:02d}"


@dataclass(frozen=True, slots=True)
class ProductSpec:
    """One row of ``products.csv``."""

    key: str
    name: str
    name_en: str
    category: ProductCategory
    price_group: str
    price_fallback_yuan_per_kg: float | None
    farm_gate_factor: float | None
    #: Name for ``ruralflow.freshness.default_perishability`` (PARAMS.md rows); when empty the
    #: perishability columns of the row are used instead.
    freshness_key: str
    shelf_life_ref_days: float | None
    t_ref_c: float | None
    q10: float | None
    t_min_c: float | None
    t_opt_c: float | None
    ea_kj_per_mol: float | None
    cold_chain: bool
    kg_per_m3: float
    perishability_source: str


@dataclass(frozen=True, slots=True)
class CountyProduct:
    """One row of ``county_products.csv``: a product a county sends up, and when."""

    adcode: str
    product: str
    role: str
    season: Season
    note: str


@dataclass(frozen=True, slots=True)
class CountyInfo:
    """One county of ``counties.yaml``."""

    adcode: str
    name_en: str
    terrain: str
    detour_factor: float
    speed_kmh: float
    monthly_mean_temp_c: tuple[float, ...]
    temp_source: str
    default_start: dt.date
    up_tourism_yuan: float
    up_tourism_note: str
    io_table: str

    @property
    def mountainous(self) -> bool:
        return self.detour_factor >= 1.5


def _text(name: str) -> str:
    return resources.files("ruralflow.bundle").joinpath("data", name).read_text(encoding="utf-8")


def _opt(v: str) -> float | None:
    return float(v) if v.strip() else None


@lru_cache(maxsize=1)
def products() -> dict[str, ProductSpec]:
    out: dict[str, ProductSpec] = {}
    for r in csv.DictReader(_text("products.csv").splitlines()):
        out[r["key"]] = ProductSpec(
            key=r["key"],
            name=r["name"],
            name_en=r["name_en"],
            category=ProductCategory(r["category"]),
            price_group=r["price_group"].strip(),
            price_fallback_yuan_per_kg=_opt(r["price_fallback_yuan_per_kg"]),
            farm_gate_factor=_opt(r["farm_gate_factor"]),
            freshness_key=r["freshness_key"].strip(),
            shelf_life_ref_days=_opt(r["shelf_life_ref_days"]),
            t_ref_c=_opt(r["t_ref_c"]),
            q10=_opt(r["q10"]),
            t_min_c=_opt(r["t_min_c"]),
            t_opt_c=_opt(r["t_opt_c"]),
            ea_kj_per_mol=_opt(r["ea_kj_per_mol"]),
            cold_chain=r["cold_chain"].strip() == "yes",
            kg_per_m3=float(r["kg_per_m3"]),
            perishability_source=r["perishability_source"],
        )
    return out


@lru_cache(maxsize=1)
def county_products() -> dict[str, tuple[CountyProduct, ...]]:
    out: dict[str, list[CountyProduct]] = {}
    known = products()
    for r in csv.DictReader(_text("county_products.csv").splitlines()):
        if r["product"] not in known:
            raise ValueError(f"county_products.csv: unknown product {r['product']!r}")
        if r["role"] not in ("lead", "secondary", "minor"):
            raise ValueError(f"county_products.csv: unknown role {r['role']!r}")
        out.setdefault(r["adcode"], []).append(
            CountyProduct(
                adcode=r["adcode"],
                product=r["product"],
                role=r["role"],
                season=Season.parse(r["season_start"], r["season_end"]),
                note=r["note"],
            )
        )
    for code, rows in out.items():
        if sum(1 for c in rows if c.role == "lead") != 1:
            raise ValueError(f"county_products.csv: county {code} needs exactly one lead product")
    return {k: tuple(v) for k, v in out.items()}


@lru_cache(maxsize=1)
def counties() -> dict[str, CountyInfo]:
    raw: dict[str, Any] = yaml.safe_load(_text("counties.yaml"))
    out: dict[str, CountyInfo] = {}
    for code, d in raw.items():
        start = d["default_start"]
        if not isinstance(start, dt.date):
            start = dt.date.fromisoformat(str(start))
        out[str(code)] = CountyInfo(
            adcode=str(code),
            name_en=str(d["name_en"]),
            terrain=str(d["terrain"]),
            detour_factor=float(d["detour_factor"]),
            speed_kmh=float(d["speed_kmh"]),
            monthly_mean_temp_c=tuple(float(t) for t in d["monthly_mean_temp_c"]),
            temp_source=str(d["temp_source"]),
            default_start=start,
            up_tourism_yuan=float(d["up_tourism_yuan"]),
            up_tourism_note=str(d["up_tourism_note"]),
            io_table=str(d["io_table"]),
        )
    return out


def lead_product(adcode: str) -> CountyProduct:
    rows = county_products()[adcode]
    return next(c for c in rows if c.role == "lead")
