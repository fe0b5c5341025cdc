"""``ruralflow preprocess ...``: the shared preprocessing centre's bills, queue and grading.

A Typer sub-app (:data:`preprocess_app`). Thin: it reads the bundle's up-flow files
(:mod:`ruralflow.bundle.upflow_files`) and calls :mod:`ruralflow.preprocess`. Exit codes: 0
success, 1 bad or missing input (one bilingual message), 2 usage errors.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    choice,
    fail,
    fail_engine,
    note,
    print_json,
    read_bundle_or_fail,
    say,
    write_json,
)

if TYPE_CHECKING:
    from ruralflow.bundle.upflow_files import UpflowFiles
    from ruralflow.domain import County

preprocess_app = typer.Typer(
    no_args_is_help=True,
    help="Shared preprocessing centre (产地预处理中心): per-order bills, queue, grading.",
)
OutDirOpt = Annotated[
    Path | None,
    typer.Option("--out-dir", help="Write bill.json and every farmer's bill (zh, en) here."),
]


def load_upflow(path: Path, *need: str) -> tuple[County, UpflowFiles]:
    """The county and its up-flow files, or one message and exit 1 (a file in ``need``
    missing, or any problem in the files)."""
    from ruralflow.bundle import BundleError
    from ruralflow.bundle.upflow_files import read_upflow_files

    county = read_bundle_or_fail(path)
    missing = [f for f in need if not (path / f).is_file()]
    if missing:
        fail(
            f"数据包缺少 {'、'.join(missing)} / the bundle has no {', '.join(missing)} "
            "(ruralflow make-bundle writes a synthetic season; docs/upflow.md)"
        )
    try:
        return county, read_upflow_files(path, county)
    except BundleError as e:
        fail_engine("读取上行文件失败", "cannot read the up-flow files", e)


def reference_prices(county: County) -> dict[str, Decimal]:
    """Each product's farm-gate value (products.csv) as the ungraded reference price."""
    return {p.id: Decimal(repr(p.value_yuan_per_kg)) for p in county.products}


@preprocess_app.command("bill")
def bill_cmd(
    path: BundleArg,
    farmer: Annotated[
        str | None, typer.Option("--farmer", help="Print this farmer's bill.")
    ] = None,
    lang: Annotated[
        str,
        typer.Option("--lang", help="Bill language: zh or en.", callback=choice("zh", "en")),
    ] = "zh",
    out_dir: OutDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Bill every preprocess order (按单计费), exact to the fen.

    Needs preprocess_orders.csv and preprocess_fees.csv. Each line costs max(min_yuan,
    per_order_yuan + per_kg_yuan x kg), rounded half up to the fen; an order's total is the
    sum of its lines.

    Example: ruralflow preprocess bill src/ruralflow/examples/610425 --out-dir out/bills
    """
    from ruralflow.bundle.upflow_files import FEES_FILE, ORDERS_FILE
    from ruralflow.preprocess import PreprocessError, bill

    _, files = load_upflow(path, ORDERS_FILE, FEES_FILE)
    assert files.orders is not None and files.services is not None
    try:
        billing = bill(files.orders, files.services)
    except PreprocessError as e:
        fail_engine("无法计费", "cannot bill the orders", e)
    if farmer is not None and farmer not in billing.farmers():
        fail(f"--farmer: 没有农户 {farmer!r} 的订单 / no order of farmer {farmer!r}")
    if out_dir is not None:
        bills = out_dir / "bills"
        bills.mkdir(parents=True, exist_ok=True)
        for f in billing.farmers():
            for lg in ("zh", "en"):
                (bills / f"{f}.{lg}.txt").write_text(billing.farmer_bill(f, lg), encoding="utf-8")
        write_json(billing.to_dict(), out_dir / "bill.json")
        note(f"wrote {out_dir}/bill.json and {len(billing.farmers())} x 2 bills in {bills}")
    if as_json:
        print_json(billing.to_dict())
        return
    if farmer is not None:
        say(billing.farmer_bill(farmer, lang))
        return
    say(billing.summary())


def season_figures(county: County, files: UpflowFiles) -> dict[str, Any]:
    """Bills, queue, spoilage avoided and graded revenue of the season (``preprocess season``)."""
    from ruralflow.preprocess import bill, grade, precooling_value, schedule
    from ruralflow.preprocess.queue import Centre

    assert files.orders is not None and files.services is not None
    billing = bill(files.orders, files.services)
    centre = files.centre or Centre("centre", {s.id: 1000.0 for s in files.services})
    queue = schedule(
        files.orders, centre, county.product_by_id, county.settings.monthly_mean_temp_c
    )
    cooled = precooling_value(
        files.orders, county.product_by_id, county.settings.monthly_mean_temp_c
    )
    graded = grade(billing, reference_prices(county))
    return {
        "billing": billing,
        "queue": queue,
        "precooling": cooled,
        "grading": graded,
    }


@preprocess_app.command("season")
def season_cmd(path: BundleArg, as_json: JsonOpt = False) -> None:
    """The season at the centre: orders and bills, queue and the spoilage of waiting,
    spoilage pre-cooling avoids, graded vs ungraded revenue per farmer (net of fees).

    Example: ruralflow preprocess season src/ruralflow/examples/610425 --json
    """
    from ruralflow.bundle.upflow_files import FEES_FILE, ORDERS_FILE
    from ruralflow.domain import DomainError

    county, files = load_upflow(path, ORDERS_FILE, FEES_FILE)
    try:
        got = season_figures(county, files)
    except DomainError as e:
        fail_engine("无法计算预处理季度", "cannot compute the preprocessing season", e)
    billing, queue, cooled, graded = (
        got["billing"],
        got["queue"],
        got["precooling"],
        got["grading"],
    )
    if as_json:
        print_json(
            {
                "orders": len(billing.invoices),
                "farmers": len(billing.farmers()),
                "total_fen": billing.total_fen,
                "queue": {k: round(v, 4) for k, v in queue.figures().items()},
                "centre": {
                    "capacity_kg_per_day": {
                        line: queue.centre.capacity_kg_per_day(line)
                        for line in queue.centre.kg_per_hour
                    },
                    **{k: round(v, 4) for k, v in queue.centre.load(files.orders or ()).items()},
                },
                "precooling": cooled.to_dict(),
                "grading": graded.to_dict(),
            }
        )
        return
    say(billing.summary())
    say(queue.summary())
    caps = ", ".join(
        f"{line} {queue.centre.capacity_kg_per_day(line):,.0f}"
        for line in queue.centre.kg_per_hour
    )
    say(
        f"产线产能 / line capacity kg/天 / day: {caps} (siting uses county.yaml costs "
        "preprocess_capacity_kg_per_day)"
    )
    say(
        f"预冷 / pre-cooling: {cooled.orders} 单 / orders, 避免损耗 / spoilage avoided "
        f"{cooled.avoided_yuan:,.2f} 元 / yuan (onward {cooled.onward_h:.0f} h)"
    )
    say(graded.summary())


def register(app: typer.Typer) -> None:
    app.add_typer(preprocess_app, name="preprocess")
