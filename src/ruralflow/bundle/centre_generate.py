"""Synthetic service-centre files for a county (issue 19): ``station_services.csv`` (item 4:
what the township stations and the larger village stations record besides parcels, day by day
over the season) and the talent pipeline's cohorts, trainees and shop sales (item 3).

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

__all__ = ["RATES", "write_station_services", "write_talent_files"]

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
    rng = np.random.default_rng([seed, int(county.adcode)])
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


#: The example's cohorts: id, name, course, start, end (synthetic).
COHORTS = (
    ("C2025-LS1", "2025 春季村播班", "live_streaming", "2025-03-01", "2025-03-21"),
    ("C2025-SC1", "2025 供应链管理班", "supply_chain", "2025-05-10", "2025-05-30"),
    ("C2025-LS2", "2025 秋季村播班", "live_streaming", "2025-08-01", "2025-08-21"),
)
#: Trainees per cohort, and the chance of reaching each next stage (assumptions).
COHORT_SIZE = 30
STAGE_ODDS = {"trained": 0.85, "practised": 0.7, "incubated": 0.5}
#: Share of incubated shops that sell in the season, orders a day of an active shop, kg per
#: order and retail price over the farm-gate value (assumptions: 0.5-0.9, 1-6, 2.5 (a 5-jin
#: box), 2-4).
ACTIVE_SHARE = 0.7
ORDERS_PER_DAY = 3.0
KG_PER_ORDER = Decimal("2.5")
RETAIL_FACTOR = Decimal("3")


def write_talent_files(county: County, root: str | Path, *, seed: int = 0) -> list[Path]:
    """Write ``talent_cohorts.csv``, ``talent_trainees.csv`` and ``shop_sales.csv`` (all
    synthetic) into the bundle folder ``root``; returns the paths."""
    from ruralflow.bundle.centre_files import COHORTS_FILE, SALES_FILE, TRAINEES_FILE

    rng = np.random.default_rng([seed, int(county.adcode), 1])
    root = Path(root)
    villages = [v for v in county.villages if v.households > 0] or list(county.villages)
    weights = np.array([max(v.households, 1) for v in villages], dtype=float)
    weights /= weights.sum()
    trainees: list[tuple[str, str, str, str, str]] = []
    for cid, *_ in COHORTS:
        for i in range(COHORT_SIZE):
            village = villages[int(rng.choice(len(villages), p=weights))].id
            stage = "enrolled"
            for nxt, odds in STAGE_ODDS.items():
                if rng.random() >= odds:
                    break
                stage = nxt
            tid = f"{cid}-{i + 1:02d}"
            shop = f"S-{tid}" if stage == "incubated" else ""
            trainees.append((tid, cid, village, stage, shop))
    products = list(county.products)
    sales: list[tuple[str, str, str, int, Decimal, Decimal]] = []
    for _tid, _cid, _v, _stage, shop in trainees:
        if not shop or rng.random() >= ACTIVE_SHARE or not products:
            continue
        product = products[int(rng.integers(len(products)))]
        price = Decimal(str(product.value_yuan_per_kg)) * RETAIL_FACTOR
        for day in county.days:
            n = int(rng.poisson(ORDERS_PER_DAY))
            if n:
                kg = KG_PER_ORDER * n
                sales.append(
                    (
                        day.isoformat(),
                        shop,
                        product.id,
                        n,
                        kg,
                        (kg * price).quantize(Decimal("0.01")),
                    )
                )
    out = []
    for name, header, rows in (
        (COHORTS_FILE, ["cohort", "name", "course", "start", "end"], list(COHORTS)),
        (TRAINEES_FILE, ["trainee", "cohort", "village", "stage", "shop"], trainees),
        (SALES_FILE, ["day", "shop", "product", "orders", "kg", "sales_yuan"], sales),
    ):
        path = root / name
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(header)
            w.writerows([[str(c) for c in row] for row in rows])
        out.append(path)
    return out
