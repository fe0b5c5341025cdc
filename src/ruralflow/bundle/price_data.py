"""Load the real wholesale price series that benefit sharing fits (the engine reads no files).

:func:`xinfadi_series` ``(group, data_dir=None) -> PriceSeries`` reads one product group of the
Beijing Xinfadi daily quotes (:data:`XINFADI_FILE` in the data folder found by
:func:`ruralflow.bundle.datadir.find_data_dir`); :func:`xinfadi_groups` lists the groups.
Pass the series to :func:`ruralflow.sharing.fit_price_model` and the simulation.
"""

from __future__ import annotations

import csv
import datetime as dt
import statistics
from collections import defaultdict
from functools import lru_cache
from pathlib import Path

from ruralflow.sharing.prices import XINFADI_SOURCE, PriceDataError, PriceSeries
from ruralflow.sharing.settlement import PriceLevel

#: The Xinfadi file, relative to the data folder.
XINFADI_FILE = "prices/xinfadi_2013_2016_daily_fruit_veg.csv"


@lru_cache(maxsize=4)
def _xinfadi(path: Path) -> dict[str, dict[dt.date, list[float]]]:
    if not path.is_file():
        raise PriceDataError(f"missing price file {path}")
    out: dict[str, dict[dt.date, list[float]]] = defaultdict(lambda: defaultdict(list))
    with path.open(encoding="utf-8-sig", newline="") as fh:
        for r in csv.DictReader(fh):
            if r["unit"] != "斤":
                continue
            v = float(r["avg_price_cny"])
            if v > 0:
                out[r["product_group"]][dt.date.fromisoformat(r["date"])].append(2.0 * v)
    return {k: dict(v) for k, v in out.items()}


def xinfadi_groups(data_dir: str | Path | None = None) -> tuple[str, ...]:
    """The product groups of the Xinfadi file, sorted."""
    return tuple(sorted(_xinfadi(_price_file(data_dir))))


def _price_file(data_dir: str | Path | None) -> Path:
    from ruralflow.bundle.datadir import find_data_dir

    return find_data_dir(data_dir) / XINFADI_FILE


def xinfadi_series(group: str, data_dir: str | Path | None = None) -> PriceSeries:
    """The real daily wholesale series of a Xinfadi product group (yuan/kg; a day's median)."""
    data = _xinfadi(_price_file(data_dir))
    days = data.get(group)
    if not days:
        raise PriceDataError(
            f"no Xinfadi product group {group!r} (known: {', '.join(sorted(data))})"
        )
    ds = sorted(days)
    return PriceSeries(
        group,
        tuple(ds),
        tuple(float(statistics.median(days[d])) for d in ds),
        PriceLevel.WHOLESALE,
        XINFADI_SOURCE + f", group {group}",
    )
