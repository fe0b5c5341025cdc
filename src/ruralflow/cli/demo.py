"""``ruralflow demo [BUNDLE]``: run every available analysis and write the HTML report.

The report's analyses take their budgets and seed as a
:class:`~ruralflow.report.ReportOptions`: here from ``--plan-seconds`` (the day's plan),
``--siting-seconds`` (each siting MILP), ``--siting-what`` (the siting questions) and
``--seed``, or derived from ``--time-limit``. The environment variables
``RURALFLOW_PLAN_SECONDS``, ``RURALFLOW_SITING_SECONDS`` and ``RURALFLOW_SITING_WHAT`` are the
options' defaults.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from ruralflow.cli._common import (
    EXAMPLE_BUNDLE,
    day_callback,
    err_console,
    fail,
    interactive,
    parse_date,
    positive_seconds,
    print_json,
    read_bundle_or_fail,
    say,
    seed_callback,
)
from ruralflow.cli.site import WHATS, milp_count
from ruralflow.report.model import ReportOptions

PLAN_ENV = "RURALFLOW_PLAN_SECONDS"
SITING_ENV = "RURALFLOW_SITING_SECONDS"
SITING_WHAT_ENV = "RURALFLOW_SITING_WHAT"
DEFAULT_PLAN_S = 10.0
DEFAULT_SITING_S = 10.0
DEFAULT_WHAT = "stations,cold-hub"
#: Shares of ``--time-limit`` given to the plan and to all siting MILPs together; the rest
#: is left to the overview, value matrix, benefit sharing and trace sections (not limited).
PLAN_SHARE = 0.3
SITING_SHARE = 0.55


@dataclass(frozen=True, slots=True)
class DemoBudget:
    """Seconds for the day's plan and for each siting MILP, and the siting questions."""

    plan_s: float
    siting_s: float
    whats: tuple[str, ...]
    seed: int = 0

    def options(self) -> ReportOptions:
        """The analyses' options for this budget."""
        return ReportOptions(
            plan_seconds=self.plan_s,
            siting_seconds=self.siting_s,
            siting_what=self.whats,
            seed=self.seed,
        )


def demo_budget(
    time_limit: float | None,
    plan_seconds: float | None,
    siting_seconds: float | None,
    whats: tuple[str, ...],
    seed: int = 0,
) -> DemoBudget:
    """Given values win; with ``time_limit`` the others are derived from it, else defaults.

    The report's siting questions use the engine's default curve (every point an MILP), so
    ``time_limit`` x :data:`SITING_SHARE` is split over the most MILPs they may solve.
    """
    if time_limit is None:
        plan = plan_seconds if plan_seconds is not None else DEFAULT_PLAN_S
        siting = siting_seconds if siting_seconds is not None else DEFAULT_SITING_S
        return DemoBudget(plan, siting, whats, seed)
    milps = sum(milp_count(w, "exact", None, None) for w in whats) or 1
    plan = (
        plan_seconds if plan_seconds is not None else max(0.5, round(time_limit * PLAN_SHARE, 3))
    )
    if siting_seconds is not None:
        siting = siting_seconds
    else:
        siting = max(0.5, round(time_limit * SITING_SHARE / milps, 3))
    return DemoBudget(plan, siting, whats, seed)


def _whats(value: str | None) -> str | None:
    if value is None:
        return None
    items = [w.strip() for w in value.split(",") if w.strip()]
    bad = [w for w in items if w not in WHATS]
    if bad or not items:
        raise typer.BadParameter(
            f"须为逗号分隔的 {', '.join(WHATS)} / must be a comma-separated list of "
            f"{', '.join(WHATS)} (got {value!r})"
        )
    return ",".join(items)


def demo(
    bundle: Annotated[
        Path | None,
        typer.Argument(
            help="County bundle folder (default: the shipped Liquan 礼泉 610425 example)."
        ),
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option("--out-dir", help="Output folder; the report goes to OUT_DIR/<adcode>/."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="Same as --out-dir (a folder); older spelling."),
    ] = None,
    county_dir: Annotated[
        Path | None,
        typer.Option("--county-dir", help="Older spelling of the BUNDLE argument.", hidden=True),
    ] = None,
    day: Annotated[
        str | None,
        typer.Option(
            "--day",
            help="Day of the flows, YYYY-MM-DD (default: the busiest day).",
            callback=day_callback,
        ),
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help=f"Wall-clock budget of the whole command, seconds: {PLAN_SHARE:.0%} to the "
            f"plan, {SITING_SHARE:.0%} to the siting MILPs (each at least 0.5 s; the other "
            "sections take a few "
            "seconds and are not limited). Default: --plan-seconds and --siting-seconds.",
            callback=positive_seconds,
        ),
    ] = None,
    plan_seconds: Annotated[
        float | None,
        typer.Option(
            "--plan-seconds",
            envvar=PLAN_ENV,
            help=f"Seconds for the day's plan (default {DEFAULT_PLAN_S:g}, or from --time-limit).",
            callback=positive_seconds,
        ),
    ] = None,
    siting_seconds: Annotated[
        float | None,
        typer.Option(
            "--siting-seconds",
            envvar=SITING_ENV,
            help=f"Seconds per siting MILP (default {DEFAULT_SITING_S:g}, or from --time-limit).",
            callback=positive_seconds,
        ),
    ] = None,
    siting_what: Annotated[
        str,
        typer.Option(
            "--siting-what",
            envvar=SITING_WHAT_ENV,
            help="Siting questions, comma-separated: stations, cold-hub, preprocess.",
            callback=_whats,
        ),
    ] = DEFAULT_WHAT,
    seed: Annotated[
        int,
        typer.Option(
            "--seed",
            help="Seed of every random part: the plan's search, the siting MILPs, the price "
            "paths of benefit sharing, the trace readings.",
            callback=seed_callback,
        ),
    ] = 0,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON object: report path, county, day, analyses, budget."
        ),
    ] = False,
) -> None:
    """Run every available analysis on a county and write its HTML report.

    County: BUNDLE, or the shipped Liquan 礼泉县 (610425) example.

    Analyses: those whose engines are installed (county overview,
    two-way logistics plan, siting, value matrix, benefit sharing,
    traceability).

    Output: OUT_DIR/<adcode>/report.html (default out/), one
    self-contained page (inline CSS and SVG, opens offline); its path
    is printed.

    Example: ruralflow demo --out-dir out --time-limit 60
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from ruralflow.report import available_analyses, default_day, write_report

    if bundle is not None and county_dir is not None and bundle != county_dir:
        raise typer.BadParameter(
            "只给一个数据包 / give one bundle (BUNDLE or --county-dir)", param_hint="BUNDLE"
        )
    if out_dir is not None and out is not None and out_dir != out:
        raise typer.BadParameter(
            "只给一个输出文件夹 / give one output folder, --out-dir or --out", param_hint="--out"
        )
    target = out_dir or out or Path("out")
    path = bundle or county_dir
    if path is None:
        if not (EXAMPLE_BUNDLE / "county.yaml").is_file():
            fail(
                "缺少随包示例 / the shipped example ruralflow/examples/610425 is missing; give "
                "a BUNDLE or build it with: ruralflow make-bundle --county 610425 "
                "--out-dir src/ruralflow/examples/610425"
            )
        path = EXAMPLE_BUNDLE
    when = None if day is None else parse_date(day)
    budget = demo_budget(
        time_limit, plan_seconds, siting_seconds, tuple(siting_what.split(",")), seed
    )
    analyses = available_analyses()
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=not interactive(as_json),
    ) as bar:
        task = bar.add_task("读取数据包 / reading bundle", total=len(analyses) + 2)
        county = read_bundle_or_fail(path)
        bar.advance(task)
        if when is not None and county.days and when not in county.days:
            fail(
                f"--day {when}: 当天没有货流 / no flows that day; the bundle covers "
                f"{county.days[0]} .. {county.days[-1]}"
            )
        when = when or default_day(county)
        sections = []
        options = dataclasses.replace(budget.options(), bundle_dir=str(path))
        for a in analyses:
            bar.update(task, description=f"分析 / analysis: {a.title}")
            sections += a.run(county, when, options)
            bar.advance(task)
        bar.update(task, description="写出报告 / writing report")
        report = write_report(county, target, day=when, sections=sections)
        bar.advance(task)
    if as_json:
        print_json(
            {
                "report": str(report),
                "adcode": county.adcode,
                "name": county.name,
                "day": None if when is None else when.isoformat(),
                "analyses": [a.id for a in analyses],
                "plan_seconds": budget.plan_s,
                "siting_seconds": budget.siting_s,
                "siting_what": list(budget.whats),
                "seed": budget.seed,
            }
        )
        return
    names = ", ".join(a.id for a in analyses)
    say(f"{county.name} {county.settings.name_en} ({county.adcode}): {names}")
    say(f"报告 / report: {report}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
