"""A synthetic ``station_services.csv`` for a county (issue 19, item 4): what the township
stations and the larger village stations record besides parcels, day by day over the season.

Everything here is **synthetic**; the rates and fees are assumptions (ranges in
``docs/centre.md``). Deterministic for a seed.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import numpy as np

from ruralflow.bundle.centre_files import SERVICES_FILE
from ruralflow.domain import County, StationFunction

__all__ = ["RATES", "write_station_services"]

#: service: (items a day per 100 households served, station income per item in yuan);
#: assumptions (rates x0.5-x2; fees: payments 0.5-2 commission, bills 0.3-1, top-ups 0.1-0.5,
#: repairs 10-30 charged, agricultural information free).
RATES: dict[str, tuple[float, Decimal]] = {
    "payments": (1.5, Decimal("1.0")),
    "bills": (1.0, Decimal("0.5")),
    "topups": (2.0, Decimal("0.3")),
    "repairs": (0.2, Decimal("15")),
    "agri_info": (0.5, Decimal("0")),
}
SOURCE = "synthetic"
#: Share of a township's village households that use the township station (assumption,
#: 0.1-0.3: those near the township seat; the others use their village's point).
TOWNSHIP_SHARE = 0.2


def write_station_services(county: County, root: str | Path, *, seed: int = 0) -> Path:
    """Write ``station_services.csv`` into the bundle folder ``root``; returns its path.

    Township stations offer every service to a share of their villages' households
    (:data:`TOWNSHIP_SHARE`); a village with
    a bus stop (the larger ones) offers payments, bills and top-ups, and repairs one time in
    two, to its own households.
    """
    rng = np.random.default_rng(seed)
    days = county.days
    rows: list[tuple[str, str, str, int, Decimal]] = []
    stations: list[tuple[str, int, tuple[str, ...]]] = []
    for t in county.townships:
        served = round(TOWNSHIP_SHARE * sum(v.households for v in county.villages_of(t.id)))
        stations.append((t.id, served, tuple(RATES)))
    for v in county.villages:
        if StationFunction.BUS_STOP in v.functions and v.households > 0:
            own = ["payments", "bills", "topups"]
            if rng.random() < 0.5:
                own.append("repairs")
            stations.append((v.id, v.households, tuple(own)))
    for day in days:
        for sid, households, offer in stations:
            for service in offer:
                rate, fee = RATES[service]
                n = int(rng.poisson(rate * households / 100))
                rows.append((day.isoformat(), sid, service, n, fee))
    path = Path(root) / SERVICES_FILE
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["day", "station", "service", "count", "fee_yuan", "source"])
        for day_s, sid, service, n, fee in rows:
            w.writerow([day_s, sid, service, n, str(fee), SOURCE])
    return path
