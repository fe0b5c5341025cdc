"""The worked example: a 2015 Fuji apple season in Liquan 礼泉 with real Xinfadi prices.

``python -m ruralflow.bundle.sharing_example OUT_DIR`` writes ``contracts.csv``, ``deliveries.csv``
and ``prices.csv`` for the packaged Liquan bundle (the shipped copy is
``ruralflow/sharing/data/liquan_2015/``). Copy them into a copy of the bundle and settle::

    cp -r src/ruralflow/examples/610425 out/liquan-2015
    cp src/ruralflow/sharing/data/liquan_2015/*.csv out/liquan-2015/
    ruralflow contracts settle out/liquan-2015

What is real and what is not:

* ``prices.csv`` is **real**: every Beijing Xinfadi daily Fuji quote from 2015-09-26 to
  2015-12-06 (median of the day's quotes, yuan/kg); the farm-gate price is 0.5 x that
  (assumption).
* the 12 farmers, their villages (real village codes of Liquan), contracts and deliveries are
  **synthetic** (seed 2015): weekly deliveries on the ten Mondays 2015-09-28..2015-11-30, about
  a household's 10,000 kg a season, grades A/B/C drawn 75/20/5 %; two order-contract members
  deliver only 30 % of their kg in weeks when the farm-gate price is above the order price
  (side-selling).
"""

from __future__ import annotations

import datetime as dt
import sys
from decimal import Decimal
from pathlib import Path

import numpy as np

from ruralflow.bundle.contract_files import CONTRACT_COLUMNS, DELIVERY_COLUMNS, PRICE_COLUMNS
from ruralflow.bundle.price_data import xinfadi_series
from ruralflow.domain import County

SEED = 2015
FIRST_PRICE = dt.date(2015, 9, 26)
LAST_PRICE = dt.date(2015, 12, 6)
DELIVERY_DAYS = tuple(dt.date(2015, 9, 28) + dt.timedelta(days=7 * k) for k in range(10))
SYNTHETIC = "synthetic: worked example (ruralflow.sharing.example, seed 2015)"
FACTOR = Decimal("0.5")

#: (farmer, contract, village index, shares, contracted kg, side-sells)
FARMERS = (
    ("F01", "C-SPOT", 0, "", "", False),
    ("F02", "C-SPOT", 1, "", "", False),
    ("F03", "C-FLOOR", 2, "", "8000", False),
    ("F04", "C-FLOOR", 3, "", "8000", False),
    ("F05", "C-FLOOR", 4, "", "8000", False),
    ("F06", "C-ORDER", 5, "", "9000", False),
    ("F07", "C-ORDER", 6, "", "9000", True),
    ("F08", "C-ORDER", 7, "", "9000", True),
    ("F09", "C-EQUITY", 8, "3", "", False),
    ("F10", "C-EQUITY", 9, "6", "", False),
    ("F11", "C-FUND", 10, "", "", False),
    ("F12", "C-FUND", 11, "", "", False),
)
#: contract -> cells of the contract-level columns (first row of each contract)
TERMS: dict[str, dict[str, str]] = {
    "C-SPOT": {"type": "spot"},
    "C-FLOOR": {
        "type": "floor",
        "floor_yuan_per_kg": "2.60",
        "upside_share": "1",
        "penalty_yuan_per_kg": "0.20",
        "fund": "FUND1",
    },
    "C-ORDER": {
        "type": "order_dividend",
        "price_yuan_per_kg": "2.70",
        "dividend_share": "0.30",
        "penalty_yuan_per_kg": "0.20",
    },
    "C-EQUITY": {
        "type": "equity",
        "floor_yuan_per_kg": "2.50",
        "upside_share": "1",
        "dividend_share": "0.30",
        "guaranteed_yuan_per_share": "150",
    },
    "C-FUND": {"type": "spot", "fund": "FUND1"},
}
FUND_CELLS = {
    "fund_yuan_per_kg": "0.16",
    "fund_trigger_yuan_per_kg": "2.60",
    "fund_farmer_share": "0.2",
    "fund_buyer_share": "0.3",
    "fund_government_share": "0.5",
    "fund_payout_share": "1",
    "fund_cap_share": "0.5",
    "fund_opening_yuan": "2000",
}


def _csv(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow([r.get(c, "") for c in columns])
    return buf.getvalue()


def build_example(county: County, data_dir: str | Path | None = None) -> dict[str, str]:
    """The three files (name -> CSV text) for ``county`` (the Liquan bundle)."""
    villages = [p.id for p in county.villages][:12]
    if len(villages) < 12 or "apple" not in county.product_by_id:
        raise ValueError("the example needs a bundle with 12 villages and the product 'apple'")
    series = xinfadi_series("apple_fuji", data_dir).between(FIRST_PRICE, LAST_PRICE)
    price_rows = [
        {
            "date": d.isoformat(),
            "product": "apple",
            "yuan_per_kg": f"{v:.2f}",
            "level": "wholesale",
            "source": "real: Beijing Xinfadi Fuji apple (group apple_fuji), median of the "
            "day's avg quotes x 2 (yuan/kg)",
        }
        for d, v in zip(series.days, series.yuan_per_kg, strict=True)
    ]
    wholesale = dict(zip(series.days, series.yuan_per_kg, strict=True))

    def farm_gate(day: dt.date) -> Decimal:
        known = [d for d in wholesale if d <= day]
        return Decimal(f"{wholesale[max(known)]:.2f}") * FACTOR

    contract_rows: list[dict[str, str]] = []
    seen_contract: set[str] = set()
    fund_named = False
    for farmer, contract, vi, shares, kg, _ in FARMERS:
        row = {
            "contract": contract,
            "farmer": farmer,
            "product": "apple",
            "shares": shares,
            "contracted_kg": kg,
            "farmer_name": f"农户{farmer[1:]}",
            "village": villages[vi],
            "source": SYNTHETIC,
        }
        if contract not in seen_contract:
            row.update(TERMS[contract])
            seen_contract.add(contract)
            if TERMS[contract].get("fund") and not fund_named:
                row.update(FUND_CELLS)
                fund_named = True
        else:
            row["type"] = TERMS[contract]["type"]
        contract_rows.append(row)

    rng = np.random.default_rng(SEED)
    order_price = Decimal(TERMS["C-ORDER"]["price_yuan_per_kg"])
    delivery_rows: list[dict[str, str]] = []
    for day in DELIVERY_DAYS:
        m = farm_gate(day)
        for farmer, _, _, _, _, side_sells in FARMERS:
            lot = float(rng.normal(1000.0, 120.0))
            grade = str(rng.choice(["A", "B", "C"], p=[0.75, 0.2, 0.05]))
            if side_sells and m > order_price:
                lot *= 0.3
            delivery_rows.append(
                {
                    "day": day.isoformat(),
                    "farmer": farmer,
                    "product": "apple",
                    "kg": f"{max(lot, 50.0):.1f}",
                    "grade": grade,
                    "source": SYNTHETIC,
                }
            )
    return {
        "contracts.csv": _csv(tuple(c.name for c in CONTRACT_COLUMNS), contract_rows),
        "deliveries.csv": _csv(tuple(c.name for c in DELIVERY_COLUMNS), delivery_rows),
        "prices.csv": _csv(tuple(c.name for c in PRICE_COLUMNS), price_rows),
    }


def packaged_liquan() -> County:
    from importlib.resources import as_file, files

    from ruralflow.bundle import read_bundle

    with as_file(files("ruralflow").joinpath("examples", "610425")) as path:
        return read_bundle(path)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m ruralflow.bundle.sharing_example OUT_DIR", file=sys.stderr)
        return 2
    out = Path(args[0])
    out.mkdir(parents=True, exist_ok=True)
    for name, text in build_example(packaged_liquan()).items():
        (out / name).write_text(text, encoding="utf-8")
        print(out / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
