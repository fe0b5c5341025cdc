"""``ruralflow matrix``: the convection value matrix and the county's IO multipliers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    Budget,
    BundleArg,
    JsonOpt,
    choice,
    day_callback,
    fail,
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


def _draws(value: int | None) -> int | None:
    if value is not None and not 0 <= value <= 100_000:
        raise typer.BadParameter(
            f"须在 0 至 100000 之间 / must be between 0 and 100000 (got {value!r})"
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
            help="Measure the saving by planning this day (YYYY-MM-DD; default: the busiest "
            "day, unless --season or --saving is given).",
            callback=day_callback,
        ),
    ] = None,
    season: Annotated[
        Path | None,
        typer.Option(
            "--season",
            help="Take the saving from this season result (the JSON of ruralflow season "
            "--out) instead of planning a day.",
        ),
    ] = None,
    draws: Annotated[
        int,
        typer.Option(
            "--draws",
            help="Monte Carlo draws of the uncertainty band (0: tornado only; at most 100000).",
            callback=_draws,
        ),
    ] = 1000,
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
        typer.Option(
            "--seed",
            help="Seed of the day plan and of the Monte Carlo band (results reproduce).",
            callback=seed_callback,
        ),
    ] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Convection value matrix (城乡要素对流价值矩阵) and county IO multipliers.

    Prints the flows (direct, induced, total), the coefficients with their sources, the
    synergy index, the up/down balance (重下行轻上行 diagnosis), the county's Type I/II
    multipliers, the scenario deltas and the uncertainty (tornado, Monte Carlo band). The
    logistics saving comes from --season when given, else --saving, else a plan of
    --plan-day (default: the busiest day) with its integrated-vs-separate comparison; the
    output names the basis. Exits 1 when the spectral radius of the matrix is >= 1 (the
    message names the driving coefficients).

    Example: ruralflow matrix src/ruralflow/examples/610425 --time-limit 5 --json
    """
    from ruralflow.bundle.io_tables import load_io_inputs
    from ruralflow.domain import DomainError
    from ruralflow.matrix import MatrixOptions, analyse

    if season is not None and (saving is not None or plan_day is not None):
        fail(
            "--season 不能与 --saving 或 --plan-day 同用 / "
            "--season excludes --saving and --plan-day"
        )
    if saving is not None and plan_day is not None:
        fail("--saving 不能与 --plan-day 同用 / --saving excludes --plan-day")
    clock = Budget(time_limit)
    logistics: Any = saving
    without_buses: Any = None
    with steps("读取数据包 / reading the bundle", show=interactive(as_json)) as progress:
        county = read_bundle_or_fail(path)
        if season is not None:
            logistics = _read_season(season)
        elif saving is None:
            from ruralflow.logistics import PlanOptions, plan
            from ruralflow.report import default_day

            when = parse_date(plan_day) if plan_day is not None else default_day(county)
            if when is not None:
                progress.step(f"规划 {when} / planning {when} to measure the saving")
                try:
                    # the plan and its comparison run one after the other; a third share is
                    # kept for the same day without buses when the plan uses buses
                    t = round(clock.share(3) * 0.9, 3)
                    options = PlanOptions(time_limit_s=t, seed=seed, compare=True, workers=1)
                    logistics = plan(county, when, options)
                    if logistics.bus and (scenario is None or scenario == "bus_parcels"):
                        progress.step("不用客车再规划 / planning the day again without buses")
                        nobus = PlanOptions(
                            time_limit_s=round(clock.share(1) * 0.9, 3),
                            seed=seed,
                            compare=False,
                            workers=1,
                            use_buses=False,
                        )
                        without_buses = plan(county, when, nobus)
                except DomainError as e:
                    fail_engine("规划失败", "cannot plan the day to measure the saving", e)
        progress.step("价值矩阵 / value matrix")
        try:
            options_m = MatrixOptions(
                scenarios=None if scenario is None else (scenario,),
                logistics=logistics,
                logistics_without_buses=without_buses,
                method=method,  # type: ignore[arg-type]  # checked by the callback
                delta=delta,
                draws=draws,
                seed=seed,
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


def _read_season(path: Path) -> dict[str, Any]:
    """The season JSON of ``ruralflow season --out``; a clear message when it is not one."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        fail(f"无法读取一季结果 / cannot read the season result {path}: {e.strerror or e}")
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        fail(f"一季结果不是 JSON / the season result {path} is not JSON: {e}")
    if not isinstance(data, dict) or "totals" not in data or "days" not in data:
        fail(
            f"不是一季结果 / {path} is not a season result (no totals and days; write one with "
            "ruralflow season BUNDLE --out FILE)"
        )
    return data


def register(app: typer.Typer) -> None:
    app.command("matrix")(matrix_cmd)
