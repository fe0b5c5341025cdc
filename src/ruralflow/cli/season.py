"""``ruralflow season``: every day of a bundle's season planned integrated and separate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    fail,
    fail_engine,
    interactive,
    json_text,
    note,
    positive,
    positive_seconds,
    read_bundle_or_fail,
    say,
    seed_callback,
    steps,
)


def _count(lo: int, hi: int) -> object:
    def check(value: int | None) -> int | None:
        if value is not None and not lo <= value <= hi:
            raise typer.BadParameter(
                f"须在 {lo} 至 {hi} 之间 / must be between {lo} and {hi} (got {value!r})"
            )
        return value

    return check


def _surge(value: float | None) -> float | None:
    positive(value)
    if value is not None and value > 20:
        raise typer.BadParameter(f"须不大于 20 / must be <= 20 (got {value!r})")
    return value


def season_cmd(
    path: BundleArg,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", help="Plan only the first N days (default: all).", callback=_count(1, 366)
        ),
    ] = None,
    seeds: Annotated[
        int,
        typer.Option(
            "--seeds",
            help="Plans per day with seeds --seed .. --seed+K-1 (the 95 % interval needs 2+).",
            callback=_count(1, 100),
        ),
    ] = 1,
    seed: Annotated[int, typer.Option("--seed", help="First seed.", callback=seed_callback)] = 0,
    time_limit: Annotated[
        float | None,
        typer.Option(
            "--time-limit",
            help="Wall-clock budget of the whole command, seconds (default: 30 s per day "
            "and seed); each day's plan gets an equal share.",
            callback=positive_seconds,
        ),
    ] = None,
    surge: Annotated[
        float | None,
        typer.Option(
            "--surge",
            help="Also plan the busiest day with its up produce x FACTOR (sales up 136 %% = "
            "2.36) and price the capacity to add.",
            callback=_surge,
        ),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the season as JSON to this file.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Plan every day of the bundle's season, integrated and separate.

    Prints the season's integrated and separate cost, the saving with a 95 % interval over
    seeds, the bus share of parcels, km and CO2 saved, what was left behind and which
    capacity was short, and the farmer-side value; --json prints the whole result (per day
    and per seed) as one JSON object, --out writes it to a file.

    Example: ruralflow season src/ruralflow/examples/610425 --days 7 --seeds 3
    --time-limit 630 --json
    """
    from ruralflow.domain import DomainError
    from ruralflow.logistics.season import DEFAULT_DAY_SECONDS, SeasonOptions, run_season

    county = read_bundle_or_fail(path)
    n_days = len(county.days) if days is None else min(days, len(county.days))
    if n_days == 0:
        fail(f"没有流量 / no flows: {county.name} ({county.adcode}) has no demand or supply days")
    plans = n_days * seeds + (2 if surge is not None else 0)
    budget = time_limit if time_limit is not None else DEFAULT_DAY_SECONDS * plans
    # each plan runs its comparison beside it (2 workers); keep 8 % for reading and set-up
    per_day = max(0.5, round(0.92 * budget / plans, 3))
    show = interactive(as_json)
    with steps("一季规划 / planning the season", show=show) as progress:
        try:
            options = SeasonOptions(
                days=days,
                seeds=seeds,
                seed=seed,
                day_time_limit_s=per_day,
                surge=surge,
            )
            result = run_season(
                county,
                options,
                progress=lambda step, frac: progress.step(
                    f"一季规划 / season {100 * frac:.0f} %: {step}"
                ),
            )
        except DomainError as e:
            fail_engine("一季规划失败", "cannot plan the season", e)
        except OSError as e:
            fail(f"一季规划失败 / cannot plan the season: {e}")
    text = json_text(result.to_dict(), indent=1)
    if out is not None:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n", encoding="utf-8")
    if as_json:
        print(text)
        if out is not None:
            note(f"season: {out}")
        return
    say(result.summary())
    if out is not None:
        say(f"season: {out}")


def register(app: typer.Typer) -> None:
    app.command("season")(season_cmd)
