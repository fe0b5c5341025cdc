"""``ruralflow matrix``: the convection value matrix and the county's IO multipliers."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    Budget,
    BundleArg,
    JsonOpt,
    choice,
    day_callback,
    fail_engine,
    interactive,
    non_negative,
    parse_date,
    positive_seconds,
    print_json,
    read_bundle_or_fail,
    say,
    seed_callback,
    steps,
)

METHODS = ("flq", "cilq", "slq")


def _scenario(value: str | None) -> str | None:
    from ruralflow.matrix import SCENARIOS

    if value is not None and value not in SCENARIOS:
        raise typer.BadParameter(
            f"未知情景 / unknown scenario {value!r}: expected one of {', '.join(SCENARIOS)}"
        )
    return value


def _delta(value: float | None) -> float | None:
    if value is not None and not 0 <= value < 1:
        raise typer.BadParameter(f"须在 [0, 1) 之内 / must be in [0, 1) (got {value!r})")
    return value


def matrix_cmd(
    path: BundleArg,
    scenario: Annotated[
        str | None,
        typer.Option(
            "--scenario",
            help="Run only this what-if: cold_hub, bus_parcels, brand, training.",
            callback=_scenario,
        ),
    ] = None,
    saving: Annotated[
        float | None,
        typer.Option(
            "--saving",
            help="Measured logistics saving, yuan per yuan of down volume.",
            callback=non_negative,
        ),
    ] = None,
    plan_day: Annotated[
        str | None,
        typer.Option(
            "--plan-day",
            help="Measure the saving by planning this day (YYYY-MM-DD).",
            callback=day_callback,
        ),
    ] = None,
    method: Annotated[
        str,
        typer.Option(
            "--method", help="Location quotients: flq, cilq or slq.", callback=choice(*METHODS)
        ),
    ] = "flq",
    delta: Annotated[
        float | None,
        typer.Option("--delta", help="FLQ delta in [0, 1) (default 0.3).", callback=_delta),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Wall-clock budget of the whole command, seconds (the --plan-day plan and "
            "its comparison share it; the matrix itself takes well under a second).",
            callback=positive_seconds,
        ),
    ] = 20.0,
    seed: Annotated[
        int,
        typer.Option("--seed", help="Seed of the --plan-day plan.", callback=seed_callback),
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Convection value matrix (城乡要素对流价值矩阵) and county IO multipliers.

    Prints the flows (direct, induced, total), the coefficients with their sources, the
    synergy index, the up/down balance (重下行轻上行 diagnosis), the county's Type I/II
    multipliers and the scenario deltas. Exits 1 when the spectral radius of the matrix is
    >= 1 (the message names the driving coefficients).

    Example: ruralflow matrix src/ruralflow/examples/610425 --scenario brand --json
    """
    from ruralflow.bundle.io_tables import load_io_inputs
    from ruralflow.domain import DomainError
    from ruralflow.matrix import MatrixOptions, analyse

    clock = Budget(time_limit)
    logistics: Any = saving
    with steps("读取数据包 / reading the bundle", show=interactive(as_json)) as progress:
        county = read_bundle_or_fail(path)
        if plan_day is not None:
            from ruralflow.logistics import PlanOptions, plan

            when = parse_date(plan_day)
            progress.step(f"规划 {when} / planning {when} to measure the saving")
            try:
                # the plan and its comparison run one after the other: half the time each
                options = PlanOptions(
                    time_limit_s=round(clock.share(2) * 0.9, 3), seed=seed, compare=True, workers=1
                )
                logistics = plan(county, when, options)
            except DomainError as e:
                fail_engine("--plan-day 规划失败", "--plan-day: cannot plan the day", e)
        progress.step("价值矩阵 / value matrix")
        try:
            options_m = MatrixOptions(
                scenarios=None if scenario is None else (scenario,),
                logistics=logistics,
                method=method,  # type: ignore[arg-type]  # checked by the callback
                delta=delta,
            )
            io = load_io_inputs(county.economy, county.adcode)
            result = analyse(county, options_m, io=io)
        except DomainError as e:
            fail_engine("价值矩阵无法计算", "cannot compute the value matrix", e)
    if as_json:
        print_json(result.to_dict())
        return
    say(result.summary())
    for s in result.scenarios if scenario is not None else ():
        say(f"  {s.assumption}")
        for c in s.changes:
            say(f"  {c.kind} {c.key}: {c.before:,.6g} -> {c.after:,.6g}")


def register(app: typer.Typer) -> None:
    app.command("matrix")(matrix_cmd)
