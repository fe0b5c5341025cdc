"""``ruralflow plan``: one day's two-way logistics plan (summary, --json, --out FILE)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralflow.cli._common import (
    Budget,
    BundleArg,
    SeedOpt,
    TimeLimitOpt,
    choice,
    day_callback,
    fail,
    fail_engine,
    interactive,
    json_text,
    note,
    parse_date,
    read_bundle_or_fail,
    say,
    steps,
)

MODES = ("integrated", "separate")


def _workers(value: int) -> int:
    if value not in (1, 2):
        raise typer.BadParameter(f"须为 1 或 2 / must be 1 or 2 (got {value!r})")
    return value


def _surge(value: float | None) -> float | None:
    if value is not None and not 0 < value <= 20:
        raise typer.BadParameter(f"须在 (0, 20] 之内 / must be in (0, 20] (got {value!r})")
    return value


def plan_day(
    path: BundleArg,
    day: Annotated[
        str | None,
        typer.Option(
            "--day",
            help="Day of the flows, YYYY-MM-DD (default: the busiest day, most kg down + up).",
            callback=day_callback,
        ),
    ] = None,
    time_limit: TimeLimitOpt = 10.0,
    seed: SeedOpt = 0,
    mode: Annotated[
        str,
        typer.Option(
            "--mode",
            help="integrated (shared vehicles) or separate (one-way).",
            callback=choice(*MODES),
        ),
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
    workers: Annotated[
        int,
        typer.Option("--workers", help="Processes (1 or 2).", callback=_workers),
    ] = 2,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the whole plan as one JSON object (as --out writes)."),
    ] = False,
    surge: Annotated[
        float | None,
        typer.Option(
            "--surge",
            help="Live-stream surge: the day's up produce x FACTOR (sales up 136 %% = 2.36); "
            "also prices the cheapest capacity to add (hired vans, reefers, extra bus runs).",
            callback=_surge,
        ),
    ] = None,
) -> None:
    """Plan one day's down parcels and up produce on buses, vans and reefers.

    Prints a summary (cost, vehicles, km, CO2, what could not be carried and why, the
    integrated saving over two one-way operations); --json prints the full plan as one JSON
    object, --out writes the same object to a file.

    --time-limit is the budget of the whole command: with --compare and --workers 1 the two
    plans run one after the other and get half each; with 2 workers they run side by side.
    With --surge the surged plan gets half and the capacity candidates the rest.

    The JSON has "farmer_side": per village and farmer, the own tricycle haul to the township
    or county against what the plan charges (assumptions with ranges).

    Example: ruralflow plan src/ruralflow/examples/610425 --day 2025-10-13 --time-limit 30
    --seed 0 --out plan.json
    """
    from ruralflow.domain import DomainError
    from ruralflow.logistics import PlanOptions, plan
    from ruralflow.report import default_day

    budget = Budget(time_limit)
    with steps("读取数据包 / reading the bundle", show=interactive(as_json)) as progress:
        county = read_bundle_or_fail(path)
        when = parse_date(day) if day is not None else default_day(county)
        if when is None:
            fail("数据包没有任何货流 / the bundle has no flows on any day: nothing to plan")
        sequential = 2 if compare and workers < 2 else 1
        progress.step(f"规划 {when} / planning {when} ({budget.left():.0f} s)")
        surge_result = None
        try:
            if surge is None:
                options = PlanOptions(
                    time_limit_s=round(budget.share(sequential) * 0.95, 3),
                    seed=seed,
                    mode=mode,  # type: ignore[arg-type]  # checked by the callback
                    compare=compare,
                    workers=workers,
                )
                result = plan(county, when, options)
            else:
                from ruralflow.logistics.surge import analyse_surge

                options = PlanOptions(
                    time_limit_s=round(budget.share(2 * sequential) * 0.95, 3),
                    seed=seed,
                    mode=mode,  # type: ignore[arg-type]  # checked by the callback
                    compare=compare,
                    workers=workers,
                )
                surge_result = analyse_surge(
                    county,
                    when,
                    surge,
                    options,
                    candidate_time_s=round(options.time_limit_s / 2, 3),
                    progress=lambda step, frac: progress.step(step),
                )
                result = surge_result.plan
                county = surge_result.county
            from ruralflow.logistics.farmer import farmer_value

            farmer = farmer_value(county, result)
        except DomainError as e:
            fail_engine("规划失败", "cannot plan the day", e)
        except OSError as e:
            fail(f"规划失败 / cannot plan the day: {e}")
    doc = result.to_dict()
    doc["farmer_side"] = farmer.to_dict()
    if surge_result is not None:
        doc["surge"] = surge_result.to_dict()
    text = json_text(doc, indent=1)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if as_json:
        print(text)
        if out is not None:
            note(f"plan: {out}")
        return
    say(result.summary())
    say("  " + farmer.summary())
    if surge_result is not None:
        say("  " + surge_result.summary().replace("\n", "\n  "))
    if out is not None:
        say(f"plan: {out}")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan_day)
