"""Load the input-output data of a county's value matrix (the matrix engine reads no files).

:func:`load_io_inputs` ``(economy, adcode, data_dir=None) -> IOInputs`` finds the data folder
(:func:`ruralflow.bundle.datadir.find_data_dir`), reads the table that ``economy.yaml`` names
(``io_table``, relative to that folder) and counts the county-level units of the table's
economy (its province, or China for a national table) for the default county output share.
Pass the result to :func:`ruralflow.matrix.analyse` (``io=``). What cannot be loaded is said
in the result (``notes``, ``missing``), not raised: the matrix is then built without its IO
layer, as before.

:func:`read_io_table` reads one national (non-competitive) or provincial (competitive)
42-sector table file (layouts in ``ruralflow.matrix.tables``).
"""

from __future__ import annotations

import csv
import os
from functools import cache
from pathlib import Path

import numpy as np

from ruralflow.domain import Economy
from ruralflow.matrix.county_io import IOInputs
from ruralflow.matrix.errors import IOTableError
from ruralflow.matrix.tables import CODES, IOTable

NO_TABLE = (
    "no input-output table: economy.yaml io_table is empty or the shared data folder "
    "was not found (set $RURALFLOW_DATA)"
)
COUNTIES_FILE = Path("admin_divisions") / "counties_china.csv"


def table_path(economy: Economy, data_dir: Path | None) -> Path | None:
    """Where ``economy.io_table`` lies (relative to the data folder), or None."""
    ref = economy.io_table.strip()
    if not ref:
        return None
    p = Path(ref)
    if p.is_absolute():
        return p
    if data_dir is None:
        return None
    return data_dir / p


@cache
def _county_units(data_dir: str, province: str | None) -> int:
    """County-level units of ``province`` (two digits), or of China when None; 0 if unknown."""
    path = Path(data_dir) / COUNTIES_FILE
    if not path.is_file():
        return 0
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = csv.DictReader(f)
        if province is None:
            return sum(1 for _ in rows)
        return sum(1 for r in rows if r.get("province_code", "") == province)


def load_io_inputs(
    economy: Economy, adcode: str, data_dir: str | os.PathLike[str] | None = None
) -> IOInputs:
    """The IO table of ``economy`` and the county count of its economy (see the module doc)."""
    from ruralflow.bundle.datadir import DataDirError, find_data_dir

    notes: list[str] = []
    root: Path | None
    try:
        root = find_data_dir(data_dir)
    except DataDirError as e:
        notes.append(f"shared data folder not found ({e}); IO table not used")
        root = None
    path = table_path(economy, root)
    if path is None:
        return IOInputs(notes=tuple(notes), missing=NO_TABLE)
    try:
        table = read_io_table(os.fspath(path))
    except IOTableError as e:
        return IOInputs(notes=tuple(notes), missing=str(e))
    units = 0
    if root is not None:
        national = table.kind.startswith("national")
        units = _county_units(str(root), None if national else adcode[:2])
    return IOInputs(table=table, county_units=units, notes=tuple(notes))


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
