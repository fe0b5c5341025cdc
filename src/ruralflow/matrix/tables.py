"""Read the China 42-sector input-output tables of ``shared/data/io/`` (units: 10,000 yuan).

Two layouts (see ``shared/data/io/README.md``):

* national, non-competitive (``china_national_42/china_io_YYYY_42_noncompetitive.csv``):
  domestic and imported inter-industry blocks are separate, so the domestic flows are read
  directly; final consumption ``TC`` does not split households from government;
* provincial 2017, competitive (``china_provincial_2017_42/prov2017_NN_省.csv``): one block
  with inputs of every origin; rural (``FU101``) and urban (``FU102``) household consumption
  are separate columns. Domestic (in-province) flows are estimated by the proportional
  assumption: every user of product ``i`` buys the same share of it from the province's own
  producers, ``d_i = GO_i / (GO_i + IM_i + IF_i)`` (production over total supply, which keeps
  re-exported inflows on the supply side, where they are in these tables).

For a national table ``domestic_share`` is the domestic share of intermediate and consumption
use (for information: its domestic flows are read, not estimated).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from ruralflow.matrix.errors import IOTableError

Array = NDArray[np.float64]

CODES: tuple[str, ...] = tuple(f"{i:02d}" for i in range(1, 43))

#: English short names of the 42 sectors (NBS 2017 classification).
SECTOR_NAMES_EN: dict[str, str] = {
    "01": "Agriculture, forestry, animal husbandry, fishery",
    "06": "Food and tobacco",
    "27": "Construction",
    "28": "Wholesale and retail",
    "29": "Transport, storage and post",
    "30": "Accommodation and catering",
    "31": "Information transmission, software, IT",
    "32": "Finance",
    "38": "Resident, repair and other services",
    "41": "Culture, sports and entertainment",
}


@dataclass(frozen=True)
class IOTable:
    """One 42-sector table: flows, outputs, value added and household consumption.

    ``z_total`` holds inputs of every origin, ``z_domestic`` those produced in the table's own
    economy, ``domestic_share`` the share ``d_i`` of each product's supply produced there.
    ``household`` is household consumption by product, of every origin, and
    ``household_domestic`` its part produced in the table's economy (rural households for a
    provincial table; households plus government for a national one, as ``household_label``
    says).
    """

    path: str
    kind: str
    codes: tuple[str, ...]
    names: tuple[str, ...]
    z_total: Array
    z_domestic: Array
    output: Array
    compensation: Array
    value_added: Array
    household: Array
    household_domestic: Array
    household_label: str
    domestic_share: Array

    @property
    def label(self) -> str:
        return Path(self.path).name

    def name_of(self, code: str) -> str:
        return self.names[self.codes.index(code)]

    def coefficients(self, *, domestic: bool = True) -> Array:
        """Technical coefficients of domestic (default) or total inputs."""
        from ruralflow.matrix.io import technical_coefficients

        return technical_coefficients(self.z_domestic if domestic else self.z_total, self.output)

    @property
    def labour_share(self) -> Array:
        """Compensation of employees (劳动者报酬) per unit of output."""
        out: Array = self.compensation / self.output
        return out

    @property
    def goods_share_of_household(self) -> float:
        """Share of household consumption spent on goods (sectors 01-26)."""
        total = float(self.household.sum())
        return float(self.household[:26].sum()) / total if total > 0 else 0.0


def _num(row: dict[str, str], key: str, where: str) -> float:
    raw = (row.get(key) or "").strip()
    if raw == "":
        return 0.0
    try:
        return float(raw)
    except ValueError:
        raise IOTableError(f"{where}: column {key!r} is not a number ({raw!r})") from None


def _rows(path: Path) -> list[dict[str, str]]:
    if not path.is_file():
        raise IOTableError(f"input-output table not found: {path}")
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


@cache
def read_io_table(path: str | Path) -> IOTable:
    """Read a national (non-competitive) or provincial (competitive) 42-sector table."""
    p = Path(path)
    rows = _rows(p)
    if not rows:
        raise IOTableError(f"{p}: empty table")
    header = set(rows[0])
    if "Origin" in header:
        return _national(p, rows)
    if "row_code" in header and "FU101" in header:
        return _provincial(p, rows)
    raise IOTableError(
        f"{p}: unknown layout (expected the national non-competitive or the provincial 2017 "
        f"42-sector columns of shared/data/io/README.md)"
    )


def _national(p: Path, rows: list[dict[str, str]]) -> IOTable:
    dom = {r["Code"]: r for r in rows if r.get("Origin") == "Domestic"}
    imp = {r["Code"]: r for r in rows if r.get("Origin") == "Imports"}
    tot = {r["Code"]: r for r in rows if r.get("Origin") == "TOT"}
    missing = [c for c in CODES if c not in dom or c not in imp]
    if missing or "VA001" not in tot or "TVA" not in tot:
        raise IOTableError(f"{p}: missing rows {missing[:5] or ['VA001/TVA']}")
    w = str(p.name)
    zd = np.array([[_num(dom[i], j, w) for j in CODES] for i in CODES])
    zi = np.array([[_num(imp[i], j, w) for j in CODES] for i in CODES])
    x = np.array([_num(dom[i], "GO", w) for i in CODES])
    comp = np.array([_num(tot["VA001"], j, w) for j in CODES])
    va = np.array([_num(tot["TVA"], j, w) for j in CODES])
    hh = np.array([_num(dom[i], "TC", w) for i in CODES])
    hh_imp = np.array([_num(imp[i], "TC", w) for i in CODES])
    use_dom = np.array([_num(dom[i], "TIU", w) + _num(dom[i], "TC", w) for i in CODES])
    use_imp = np.array([_num(imp[i], "TIU", w) + _num(imp[i], "TC", w) for i in CODES])
    use = use_dom + use_imp
    d = np.divide(use_dom, use, out=np.ones_like(x), where=use > 0)
    names = tuple(dom[c].get("DescriptionInChinese", c) or c for c in CODES)
    return IOTable(
        path=str(p),
        kind="national non-competitive",
        codes=CODES,
        names=names,
        z_total=zd + zi,
        z_domestic=zd,
        output=x,
        compensation=comp,
        value_added=va,
        household=hh + hh_imp,
        household_domestic=hh,
        household_label="final consumption TC (households and government, not split)",
        domestic_share=d,
    )


def _provincial(p: Path, rows: list[dict[str, str]]) -> IOTable:
    by = {r["row_code"]: r for r in rows}
    missing = [c for c in (*CODES, "VA001", "TVA") if c not in by]
    if missing:
        raise IOTableError(f"{p}: missing rows {missing[:5]}")
    w = str(p.name)
    z = np.array([[_num(by[i], j, w) for j in CODES] for i in CODES])
    x = np.array([_num(by[i], "GO", w) for i in CODES])
    inflow = np.array([_num(by[i], "IM", w) + _num(by[i], "IF", w) for i in CODES])
    supply = x + inflow
    d = np.clip(np.divide(x, supply, out=np.ones_like(x), where=supply > 0), 0.0, 1.0)
    comp = np.array([_num(by["VA001"], j, w) for j in CODES])
    va = np.array([_num(by["TVA"], j, w) for j in CODES])
    hh = np.array([_num(by[i], "FU101", w) for i in CODES])
    names = tuple(by[c].get("row_name", c) or c for c in CODES)
    return IOTable(
        path=str(p),
        kind="provincial competitive",
        codes=CODES,
        names=names,
        z_total=z,
        z_domestic=z * d[:, np.newaxis],
        output=x,
        compensation=comp,
        value_added=va,
        household=hh,
        household_domestic=hh * d,
        household_label="rural household consumption FU101",
        domestic_share=d,
    )
