"""``ruralflow validate``, ``info`` and ``make-bundle``: check, summarise and build bundles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    console,
    day_callback,
    err_console,
    fail,
    interactive,
    parse_date,
    print_json,
    read_bundle_or_fail,
    seed_callback,
)


def validate(path: BundleArg, as_json: JsonOpt = False) -> None:
    """Check a county bundle and print every problem found (file, row, column, value).

    Exits 0 when the bundle is good, 1 when it has problems. --json prints the list of
    problems ([] when the bundle is valid).

    Example: ruralflow validate src/ruralflow/examples/610425
    """
    from ruralflow.bundle import validate_bundle

    problems = validate_bundle(path)
    if as_json:
        print_json([p.to_dict() for p in problems], indent=1)
    elif problems:
        err_console.print(f"[red]{path}: {len(problems)} 个问题 / problem(s)[/red]")
        for p in problems:
            err_console.print(f"  {p}", markup=False, highlight=False)
    else:
        console.print(f"[green]{path}: bundle is valid / 数据包有效[/green]")
    if problems:
        raise typer.Exit(1)


_LABELS = {
    "county_hub": "县级物流中心 / county hub",
    "township_station": "乡镇站 / township stations",
    "village": "村 / villages",
    "cold_hub": "冷链集配中心 / cold hubs",
    "preprocess_centre": "产地预处理中心 / preprocess centres",
    "front_warehouse": "前置仓 / front warehouses",
    "candidate_site": "候选站点 / candidate sites",
}


def info(path: BundleArg, as_json: JsonOpt = False) -> None:
    """Print a summary table of a county bundle (places, products, fleet, flows).

    Example: ruralflow info src/ruralflow/examples/610425
    """
    county = read_bundle_or_fail(path)
    s = county.summary()
    if as_json:
        print_json(s, indent=1)
        return
    t = Table(title=f"{county.name} {county.settings.name_en} ({county.adcode})")
    t.add_column("项目 / Item")
    t.add_column("数值 / Value", justify="right")
    for kind, n in s["places"].items():
        t.add_row(_LABELS.get(kind, kind), str(n))
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


def _warn(text: str) -> None:
    """A builder's warning (an urban district), one line on stderr."""
    err_console.print(f"[yellow]{text}[/yellow]", soft_wrap=True)


def make_bundle(
    county: Annotated[
        str, typer.Option("--county", help="6-digit county code (adcode), e.g. 610425.")
    ],
    out_dir: Annotated[
        Path | None, typer.Option("--out-dir", help="Folder to write the bundle into.")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Same as --out-dir (a bundle is a folder); older spelling."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", help="Seed of every synthetic part.", callback=seed_callback)
    ] = 0,
    days: Annotated[
        int, typer.Option("--days", help="Days of down demand and up supply.", min=1)
    ] = 30,
    start: Annotated[
        str | None,
        typer.Option(
            "--start",
            help="First day YYYY-MM-DD (default: in the lead product's harvest).",
            callback=day_callback,
        ),
    ] = None,
    coarse: Annotated[
        bool,
        typer.Option(
            "--coarse",
            help="Coarse bundle for any county: its real townships and villages (NBS 2023 "
            "names and codes) at synthetic positions around the real county seat.",
        ),
    ] = False,
    keep_urban: Annotated[
        bool,
        typer.Option(
            "--keep-urban",
            help="Keep urban residents' committees (居委会) as villages (default: left out).",
        ),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir",
            help="Data folder overriding the packaged data (default: $RURALFLOW_DATA).",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing bundle folder.")
    ] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the written bundle's summary as one JSON object.")
    ] = False,
) -> None:
    """Build a county bundle from real administrative and geographic data.

    Example counties: 610425 礼泉 Liquan, 410923 南乐 Nanle,
    620621 民勤 Minqin, 420527 秭归 Zigui, 511823 汉源 Hanyuan,
    371328 蒙阴 Mengyin.

    Real: township and village names and NBS codes, township and
    county seats, the county polygon, geocoded villages.
    Synthetic (seeded, marked): other village points, households,
    down demand, up supply, bus lines.

    --coarse: any of the 2,978 county-level units, with its real
    townships and villages at synthetic positions around the real
    county seat (an urban district gets a warning: it is not a
    rural county).

    Details: docs/example-counties.md.

    Example: ruralflow make-bundle --county 610425 --out-dir out/610425

    Example: ruralflow make-bundle --county 522323 --coarse --out-dir out/pa
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ruralflow.bundle import write_bundle
    from ruralflow.bundle.datadir import DataDirError
    from ruralflow.bundle.make import MakeError, make_coarse_county, make_county
    from ruralflow.bundle.upflow_generate import write_upflow_files

    if out_dir is not None and out is not None and out_dir != out:
        raise typer.BadParameter(
            "只给一个输出文件夹 / give one output folder, --out-dir or --out", param_hint="--out"
        )
    target = out_dir or out
    if target is None:
        raise typer.BadParameter(
            "缺少输出文件夹 / missing the output folder: --out-dir DIR", param_hint="--out-dir"
        )
    first = parse_date(start) if start else None
    if target.exists() and not overwrite:
        fail(f"{target} 已存在 / exists (use --overwrite to replace it)")
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not interactive(as_json),
    ) as bar:
        task = bar.add_task(f"county {county}", total=1.0)

        def progress(step: str, frac: float) -> None:
            bar.update(task, completed=frac, description=f"{county}: {step}")

        try:
            common = {
                "data_dir": data_dir,
                "seed": seed,
                "season_days": days,
                "start": first,
                "include_urban": keep_urban,
                "progress": progress,
            }
            if coarse:
                c = make_coarse_county(county, **common, warn=_warn)  # type: ignore[arg-type]
            else:
                c = make_county(county, **common)  # type: ignore[arg-type]
            bar.update(task, description=f"{county}: writing", completed=1.0)
            path = write_bundle(c, target, overwrite=overwrite)
            write_upflow_files(c, path)  # issue 18: orders, fees, lots, channels, brands
        except (MakeError, DataDirError, FileExistsError) as e:
            fail(str(e))
    s = c.summary()
    if as_json:
        print_json({"adcode": c.adcode, "name": c.name, "path": str(path), "summary": s})
        return
    console.print(
        f"[green]{' '.join(filter(None, (c.name, c.settings.name_en)))} ({c.adcode}): "
        f"wrote {path}[/green] — "
        f"{s['places'].get('township_station', 0)} townships, "
        f"{s['places'].get('village', 0)} villages "
        f"({s['villages_synthetic_coords']} synthetic coords), {s['days']} days"
    )


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
    app.command("info")(info)
    app.command("make-bundle")(make_bundle)
