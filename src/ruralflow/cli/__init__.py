"""Command-line interface (Typer). Thin: parses arguments and calls the public functions.

Exit codes: 0 success, 1 bad input (a bundle with problems, an infeasible request),
2 usage errors (Typer's own).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from ruralflow import __version__
from ruralflow.cli_trace import register as _register_trace_commands

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


def _fail(message: str) -> NoReturn:
    """Print ``message`` (one problem, or a bundle's list of problems) on stderr; exit 1."""
    err_console.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1) from None


def _parse_day(option: str, value: str) -> dt.date:
    """``--day``-style option as a date, or a clear message and exit 1."""
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        _fail(f"{option} must be a date YYYY-MM-DD (got {value!r})")


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

    Example: ruralflow validate src/ruralflow/examples/610425
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

    Example: ruralflow info src/ruralflow/examples/610425
    """
    from ruralflow.bundle import BundleError, read_bundle

    try:
        county = read_bundle(path)
    except BundleError as e:
        _fail(str(e))
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


@app.command("make-bundle")
def make_bundle(
    county: Annotated[
        str, typer.Option("--county", help="6-digit county code (adcode), e.g. 610425.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to write the bundle into.")],
    seed: Annotated[int, typer.Option("--seed", help="Seed of every synthetic part.")] = 0,
    days: Annotated[
        int, typer.Option("--days", help="Days of down demand and up supply.", min=1)
    ] = 30,
    start: Annotated[
        str | None,
        typer.Option(
            "--start", help="First day YYYY-MM-DD (default: in the lead product's harvest)."
        ),
    ] = None,
    coarse: Annotated[
        bool,
        typer.Option(
            "--coarse", help="Coarse bundle (seat point + synthetic network), any county."
        ),
    ] = False,
    data_dir: Annotated[
        Path | None,
        typer.Option(
            "--data-dir", help="shared/data folder (default: $RURALFLOW_DATA or ../shared/data)."
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing bundle folder.")
    ] = False,
) -> None:
    """Build a county bundle from the real data in ../shared/data.

    Example counties: 610425 礼泉 Liquan, 410923 南乐 Nanle,
    620621 民勤 Minqin, 420527 秭归 Zigui, 511823 汉源 Hanyuan,
    371328 蒙阴 Mengyin.

    Real: township and village names and NBS codes, township and
    county seats, the county polygon, geocoded villages.
    Synthetic (seeded, marked): other village points, households,
    down demand, up supply, bus lines.

    --coarse: any of the ~2,900 county-level units, with a synthetic
    network around its real county seat.

    Details: docs/example-counties.md.

    Example: ruralflow make-bundle --county 610425 --out out/610425

    Example: ruralflow make-bundle --county 522323 --coarse --out out/pa
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ruralflow.bundle import write_bundle
    from ruralflow.bundle.datadir import DataDirError
    from ruralflow.bundle.make import MakeError, make_coarse_county, make_county

    first = _parse_day("--start", start) if start else None
    if out.exists() and not overwrite:
        err_console.print(
            f"{out} exists (use --overwrite to replace it)", markup=False, soft_wrap=True
        )
        raise typer.Exit(1)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(f"county {county}", total=1.0)

        def progress(step: str, frac: float) -> None:
            bar.update(task, completed=frac, description=f"{county}: {step}")

        try:
            build = make_coarse_county if coarse else make_county
            c = build(
                county,
                data_dir=data_dir,
                seed=seed,
                season_days=days,
                start=first,
                progress=progress,
            )
            bar.update(task, description=f"{county}: writing", completed=1.0)
            path = write_bundle(c, out, overwrite=overwrite)
        except (MakeError, DataDirError, FileExistsError) as e:
            err_console.print(str(e), markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(1) from None
    s = c.summary()
    console.print(
        f"[green]{' '.join(filter(None, (c.name, c.settings.name_en)))} ({c.adcode}): "
        f"wrote {path}[/green] — "
        f"{s['places'].get('township_station', 0)} townships, "
        f"{s['places'].get('village', 0)} villages "
        f"({s['villages_synthetic_coords']} synthetic coords), {s['days']} days"
    )


@app.command()
def demo(
    out: Annotated[
        Path, typer.Option("--out", help="Output folder; the report goes to OUT/<adcode>/.")
    ] = Path("out"),
    county_dir: Annotated[
        Path | None,
        typer.Option(
            "--county-dir",
            help="County bundle folder (default: the packaged Liquan 礼泉 610425 example).",
        ),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option("--day", help="Day of the flows, YYYY-MM-DD (default: the busiest day)."),
    ] = None,
) -> None:
    """Run every available analysis on a county and write its HTML report.

    County: the packaged Liquan 礼泉县 (610425) example,
    or the bundle folder given by --county-dir.

    Analyses: those whose engines are installed (today the
    county overview: map, network, flows, data provenance).

    Output: OUT/<adcode>/report.html, one self-contained page
    (inline CSS and SVG, opens offline); its path is printed.

    Example: ruralflow demo --out out
    """
    from importlib.resources import as_file, files

    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ruralflow.bundle import BundleError, read_bundle
    from ruralflow.report import available_analyses, default_day, write_report

    when = None if day is None else _parse_day("--day", day)
    analyses = available_analyses()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("读取数据包 / reading bundle", total=len(analyses) + 2)
        try:
            if county_dir is not None:
                county = read_bundle(county_dir)
            else:
                example = files("ruralflow").joinpath("examples", "610425")
                if not example.is_dir():
                    err_console.print(
                        "the packaged example ruralflow/examples/610425 is missing; pass "
                        "--county-dir or build it with: ruralflow make-bundle --county 610425 "
                        "--out src/ruralflow/examples/610425",
                        markup=False,
                    )
                    raise typer.Exit(1)
                with as_file(example) as path:
                    county = read_bundle(path)
        except BundleError as e:
            _fail(str(e))
        bar.advance(task)
        if when is not None and county.days and when not in county.days:
            err_console.print(
                f"--day {when}: no flows that day; the bundle covers "
                f"{county.days[0]} .. {county.days[-1]}",
                markup=False,
            )
            raise typer.Exit(1)
        when = when or default_day(county)
        sections = []
        for a in analyses:
            bar.update(task, description=f"分析 / analysis: {a.title}")
            sections += a.run(county, when)
            bar.advance(task)
        bar.update(task, description="写出报告 / writing report")
        path = write_report(county, out, day=when, sections=sections)
        bar.advance(task)
    names = ", ".join(a.id for a in analyses)
    console.print(f"{county.name} {county.settings.name_en} ({county.adcode}): {names}")
    console.print(f"报告 / report: {path}", markup=False, highlight=False, soft_wrap=True)


# ----------------------------------------------------------------------------- solve-instance
# One command for every benchmark format: each format maps to a function taking the parsed
# request and returning (JSON dict, text summary). Add a format by adding an entry.


@dataclass(frozen=True, slots=True)
class InstanceRequest:
    """The options of ``solve-instance``, as parsed; each format uses the ones it needs."""

    path: Path
    time_limit: float
    seed: int
    p: int | None
    capacity: float | None


InstanceSolver = Callable[[InstanceRequest], tuple[dict[str, Any], str]]


def _orlib_solver(fmt: str) -> InstanceSolver:
    def solve(req: InstanceRequest) -> tuple[dict[str, Any], str]:
        from ruralflow.siting import SolverOptions, solve_orlib_instance

        options = SolverOptions(time_limit=req.time_limit, seed=req.seed)
        report = solve_orlib_instance(
            req.path, fmt, p=req.p, capacity=req.capacity, options=options
        )
        return report.to_dict(), report.summary()

    return solve


def _routing_solver(fmt: str) -> InstanceSolver:
    def solve(req: InstanceRequest) -> tuple[dict[str, Any], str]:
        from ruralflow.benchmarks import solve_instance as solve_routing

        result = solve_routing(req.path, fmt, time_limit=req.time_limit, seed=req.seed)
        return result.to_dict(), result.summary()

    return solve


INSTANCE_SOLVERS: dict[str, InstanceSolver] = {
    "orlib-cap": _orlib_solver("orlib-cap"),
    "orlib-uncap": _orlib_solver("orlib-uncap"),
    "orlib-pmed": _orlib_solver("orlib-pmed"),
    "vrpspd": _routing_solver("vrpspd"),
    "solomon": _routing_solver("solomon"),
}


@app.command("solve-instance")
def solve_instance(
    file: Annotated[Path, typer.Argument(help="Instance file.", exists=True, dir_okay=False)],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="Instance format: orlib-cap, orlib-uncap, orlib-pmed, vrpspd, solomon.",
        ),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Wall-clock seconds for the solve.", min=0.001)
    ] = 60.0,
    p: Annotated[
        int | None, typer.Option("--p", help="orlib-pmed: number of sites (default: the file's).")
    ] = None,
    capacity: Annotated[
        float | None,
        typer.Option("--capacity", help="orlib-cap: capacity of capa/capb/capc (e.g. 8000)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Solver random seed.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Solve one benchmark instance and print objective, status, gap, runtime, open sites.

    JSON for OR-Library formats: {"instance", "objective", "status", "gap", "runtime_s",
    "open", "best_bound"}; "open" lists 1-based site numbers as in the file. A run stopped
    by --time-limit reports status "time_limit" with its gap, never "optimal".

    JSON for routing formats (vrpspd, solomon): {"instance", "cost", "routes", "feasible",
    "runtime_s"}; "routes" lists customers by node id in the file (depot excluded), "cost" is
    in the units of the family's bks.csv; two PyVRP searches run on two cores.

    Example: ruralflow solve-instance ../shared/benchmarks/facility/pmed/pmed1.txt
    --format orlib-pmed --time-limit 60 --json
    """
    from ruralflow.domain import DomainError

    solver = INSTANCE_SOLVERS.get(fmt)
    if solver is None:
        err_console.print(
            f"unknown format {fmt!r}: expected one of {', '.join(INSTANCE_SOLVERS)}",
            markup=False,
            soft_wrap=True,
        )
        raise typer.Exit(2)
    request = InstanceRequest(file, time_limit, seed, p, capacity)
    try:
        data, text = solver(request)
    except DomainError as e:
        _fail(str(e))
    if as_json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        console.print(text, markup=False, highlight=False, soft_wrap=True)


trace_app = typer.Typer(
    no_args_is_help=True,
    help="Traceability (溯源): EPCIS 2.0 events, Merkle log, checkpoints, trace codes.",
)
app.add_typer(trace_app, name="trace")
_register_trace_commands(trace_app)  # keygen add export prove checkpoint validate qr demo


@trace_app.command("verify")
def trace_verify(
    db: Annotated[Path, typer.Option("--db", help="SQLite database holding the trace log.")],
    key: Annotated[
        list[Path] | None,
        typer.Option("--key", help="Public key file of the log (repeatable)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Audit the trace log: re-hash every entry, rebuild the tree, check every checkpoint.

    Exits 0 when the log is intact, 1 when anything was altered (the first altered entry is
    named) or the log cannot be read.

    Example: ruralflow trace verify --db county.db --key log.pub
    """
    from ruralflow.trace.checkpoint import KeyFileError, load_verifier
    from ruralflow.trace.log import LogError
    from ruralflow.trace.verify import verify_log

    try:
        verifiers = [load_verifier(k) for k in key or []]
        report = verify_log(db, verifiers)
    except (KeyFileError, LogError) as e:
        _fail(str(e))
    if as_json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        out = console if report.ok else err_console
        out.print(report.summary(), markup=False, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(1)


# ----------------------------------------------------------------------------- plan
@app.command("plan")
def plan_day(
    path: BundleArg,
    day: Annotated[str, typer.Option("--day", help="Day of the flows, YYYY-MM-DD.")],
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", help="Seconds for the plan (the comparison gets the same, beside it)."
        ),
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="Seed of the solver.")] = 0,
    mode: Annotated[
        str, typer.Option("--mode", help="integrated (shared vehicles) or separate (one-way).")
    ] = "integrated",
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the whole plan as JSON to this file.")
    ] = None,
    compare: Annotated[
        bool,
        typer.Option(
            "--compare/--no-compare", help="Also plan the other mode and report the saving."
        ),
    ] = True,
    workers: Annotated[int, typer.Option("--workers", help="Processes (1 or 2).")] = 2,
) -> None:
    """Plan one day's down parcels and up produce on buses, vans and reefers.

    Prints a summary (cost, vehicles, km, CO2, what could not be carried and why, the
    integrated saving over two one-way operations); --out writes the full plan as JSON.

    Example: ruralflow plan src/ruralflow/examples/610425 --day 2025-10-13 --time-limit 30
    --seed 0 --out plan.json
    """
    from ruralflow.bundle import BundleError, read_bundle
    from ruralflow.logistics import LogisticsError, PlanOptions, plan

    when = _parse_day("--day", day)
    try:
        options = PlanOptions(
            time_limit_s=time_limit,
            seed=seed,
            mode=mode,  # type: ignore[arg-type]  # validated by PlanOptions
            compare=compare,
            workers=workers,
        )
        county = read_bundle(path)
        result = plan(county, when, options)
    except (BundleError, LogisticsError) as e:
        _fail(str(e))
    console.print(result.summary(), markup=False, highlight=False, soft_wrap=True)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(result.to_dict(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )
        console.print(f"plan: {out}", markup=False, highlight=False, soft_wrap=True)


# ----------------------------------------------------------------------------- matrix
@app.command("matrix")
def matrix_cmd(
    path: BundleArg,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario", help="Run only this what-if: cold_hub, bus_parcels, brand, training."
        ),
    ] = None,
    saving: Annotated[
        float | None,
        typer.Option("--saving", help="Measured logistics saving, yuan per yuan of down volume."),
    ] = None,
    plan_day: Annotated[
        str | None,
        typer.Option("--plan-day", help="Measure the saving by planning this day (YYYY-MM-DD)."),
    ] = None,
    method: Annotated[
        str, typer.Option("--method", help="Location quotients: flq, cilq or slq.")
    ] = "flq",
    delta: Annotated[
        float | None, typer.Option("--delta", help="FLQ delta in [0, 1) (default 0.3).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Convection value matrix (城乡要素对流价值矩阵) and county IO multipliers.

    Prints the flows (direct, induced, total), the coefficients with their sources, the
    synergy index, the up/down balance (重下行轻上行 diagnosis), the county's Type I/II
    multipliers and the scenario deltas. Exits 1 when the spectral radius of the matrix is
    >= 1 (the message names the driving coefficients).

    Example: ruralflow matrix src/ruralflow/examples/610425 --scenario brand --json
    """
    from ruralflow.bundle import BundleError, read_bundle
    from ruralflow.matrix import MatrixError, MatrixOptions, analyse

    logistics: Any = saving
    try:
        county = read_bundle(path)
        if plan_day is not None:
            from ruralflow.logistics import LogisticsError, PlanOptions, plan

            try:
                when = dt.date.fromisoformat(plan_day)
                logistics = plan(county, when, PlanOptions(compare=True, workers=1))
            except (ValueError, LogisticsError) as e:
                _fail(f"--plan-day: {e}")
        options = MatrixOptions(
            scenarios=None if scenario is None else (scenario,),
            logistics=logistics,
            method=method,  # type: ignore[arg-type]  # checked by the county IO model
            delta=delta,
        )
        result = analyse(county, options)
    except (BundleError, MatrixError) as e:
        _fail(str(e))
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    console.print(result.summary(), markup=False, highlight=False, soft_wrap=True)
    for s in result.scenarios if scenario is not None else ():
        console.print(f"  {s.assumption}", markup=False, highlight=False, soft_wrap=True)
        for c in s.changes:
            console.print(
                f"  {c.kind} {c.key}: {c.before:,.6g} -> {c.after:,.6g}",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )


# ----------------------------------------------------------------------------- site
@app.command("site")
def site_cmd(
    path: BundleArg,
    what: Annotated[
        str, typer.Option("--what", help="stations, cold-hub or preprocess.")
    ] = "stations",
    radius_km: Annotated[
        float | None,
        typer.Option("--radius-km", help="Station radius (default 2 km; facilities: 10 km)."),
    ] = None,
    p: Annotated[
        int | None,
        typer.Option("--p", help="New sites (stations: default 10; facilities: at most N)."),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget", help="Yuan: station set-up, or facilities' fixed cost per season."
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", help="Seconds per MILP (each curve point is one).")
    ] = 60.0,
    cover_all: Annotated[
        bool,
        typer.Option("--cover-all", help="Stations: fewest new stations covering everyone."),
    ] = False,
    existing: Annotated[
        str,
        typer.Option(
            "--existing", help="auto, functions, townships, none, or comma-separated place ids."
        ),
    ] = "auto",
    curve: Annotated[
        str, typer.Option("--curve", help="Marginal-value curve: exact, nested or none.")
    ] = "exact",
    curve_max: Annotated[
        int | None, typer.Option("--curve-max", help="Points k = 1..K of the curve.")
    ] = None,
    uncapacitated: Annotated[
        bool, typer.Option("--uncapacitated", help="Facilities: ignore capacities.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Where to put village stations, cold hubs or preprocess centres (exact MILPs, HiGHS).

    Prints the chosen sites, coverage before and after, the cost breakdown (yuan/season) and
    the marginal value of the k-th site with each point's solver status and gap. Exits 1 when
    the request cannot be met (the message gives the numbers), 2 on usage errors.

    Example: ruralflow site src/ruralflow/examples/610425 --what stations --p 10 --json
    """
    from ruralflow.bundle import BundleError, read_bundle
    from ruralflow.siting import SitingError
    from ruralflow.siting.county import WHATS, CountySitingOptions, site_county

    if what not in WHATS:
        raise typer.BadParameter(
            f"must be one of {', '.join(WHATS)} (got {what!r})", param_hint="--what"
        )
    rule: Any = existing
    if existing not in ("auto", "functions", "townships", "none"):
        rule = tuple(x.strip() for x in existing.split(",") if x.strip())
    try:
        options = CountySitingOptions(
            radius_km=radius_km,
            p=p,
            budget_yuan=budget,
            cover_all=cover_all,
            existing=rule,
            curve=curve,  # type: ignore[arg-type]  # checked by CountySitingOptions
            curve_max=curve_max,
            capacitated=not uncapacitated,
            time_limit_s=time_limit,
        )
        county = read_bundle(path)
        result = site_county(county, what, options)
    except (BundleError, SitingError) as e:
        _fail(str(e))
    if as_json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    console.print(result.summary(), markup=False, highlight=False, soft_wrap=True)


# ----------------------------------------------------------------------------- contracts
from ruralflow.sharing.cli import contracts_app  # noqa: E402

app.add_typer(contracts_app, name="contracts")


def main() -> None:
    app()
