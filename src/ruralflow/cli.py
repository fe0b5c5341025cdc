"""Command-line interface (Typer). Thin: parses arguments and calls the public functions.

Exit codes: 0 success, 1 bad input (a bundle with problems, an infeasible request),
2 usage errors (Typer's own).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ruralflow import __version__

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="RuralFlow: two-way rural e-commerce planning for a county (下行/上行).",
)
console = Console()
err_console = Console(stderr=True)

BundleArg = Annotated[
    Path, typer.Argument(help="County bundle folder (county.yaml, places.csv, ...).")
]


def _version(value: bool) -> None:
    if value:
        console.print(f"ruralflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """RuralFlow county planning."""


@app.command()
def validate(
    path: BundleArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print problems as JSON.")] = False,
) -> None:
    """Check a county bundle and print every problem found (file, row, column, value).

    Exits 0 when the bundle is good, 1 when it has problems.

    Example: ruralflow validate examples/610425
    """
    from ruralflow.bundle import validate_bundle

    problems = validate_bundle(path)
    if as_json:
        print(json.dumps([p.to_dict() for p in problems], ensure_ascii=False, indent=1))
    elif problems:
        err_console.print(f"[red]{path}: {len(problems)} problem(s)[/red]")
        for p in problems:
            err_console.print(f"  {p}", markup=False, highlight=False)
    else:
        console.print(f"[green]{path}: bundle is valid / 数据包有效[/green]")
    if problems:
        raise typer.Exit(1)


@app.command()
def info(
    path: BundleArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """Print a summary table of a county bundle (places, products, fleet, flows).

    Example: ruralflow info examples/610425
    """
    from ruralflow.bundle import BundleError, read_bundle

    try:
        county = read_bundle(path)
    except BundleError as e:
        err_console.print(str(e), markup=False, highlight=False)
        raise typer.Exit(1) from None
    s = county.summary()
    if as_json:
        print(json.dumps(s, ensure_ascii=False, indent=1))
        return
    t = Table(title=f"{county.name} {county.settings.name_en} ({county.adcode})")
    t.add_column("项目 / Item")
    t.add_column("数值 / Value", justify="right")
    labels = {
        "county_hub": "县级物流中心 / county hub",
        "township_station": "乡镇站 / township stations",
        "village": "村 / villages",
        "cold_hub": "冷链集配中心 / cold hubs",
        "preprocess_centre": "产地预处理中心 / preprocess centres",
        "front_warehouse": "前置仓 / front warehouses",
        "candidate_site": "候选站点 / candidate sites",
    }
    for kind, n in s["places"].items():
        t.add_row(labels.get(kind, kind), str(n))
    t.add_row(
        "坐标为合成的村 / villages with synthetic coords", str(s["villages_synthetic_coords"])
    )
    t.add_row("户数 / households", f"{s['households']:,}")
    t.add_row("产品 / products", str(s["products"]))
    t.add_row("车辆 / vehicles (types)", f"{s['vehicles']} ({s['vehicle_types']})")
    t.add_row("班车线路 / bus lines (runs/day)", f"{s['bus_lines']} ({s['bus_runs_per_day']})")
    t.add_row("天数 / days", f"{s['days']} ({s['first_day']} .. {s['last_day']})")
    t.add_row("下行包裹 / down parcels", f"{s['down_parcels']:,}")
    t.add_row("下行重量 / down kg", f"{s['down_kg']:,.0f} kg")
    t.add_row("上行重量 / up kg", f"{s['up_kg']:,.0f} kg ({s['up_batches']} batches)")
    console.print(t)
    if county.settings.synthetic:
        console.print("合成数据 / synthetic inputs: " + ", ".join(county.settings.synthetic))


def main() -> None:
    app()
