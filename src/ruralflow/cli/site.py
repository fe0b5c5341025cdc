"""``ruralflow site``: where to put village stations, cold hubs or preprocess centres."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    Budget,
    BundleArg,
    JsonOpt,
    SeedOpt,
    choice,
    fail_engine,
    interactive,
    non_negative,
    positive,
    positive_seconds,
    print_json,
    read_bundle_or_fail,
    say,
    steps,
)

WHATS = ("stations", "cold-hub", "preprocess")
CURVES = ("exact", "nested", "none")
#: Most points of a marginal-value curve (as the siting engine caps it).
MAX_CURVE = 30
#: Default new stations (as the siting engine's default).
DEFAULT_STATIONS = 10


def milp_count(what: str, curve: str, p: int | None, curve_max: int | None) -> int:
    """How many MILPs a ``site`` request solves at most: the answer plus each curve point."""
    if curve == "none":
        return 1
    if curve_max is not None:
        k = curve_max
    elif p is not None:
        k = p
    else:
        k = DEFAULT_STATIONS if what == "stations" else MAX_CURVE
    return 1 + min(max(k, 0), MAX_CURVE)


def site_cmd(
    path: BundleArg,
    what: Annotated[
        str,
        typer.Option("--what", help="stations, cold-hub or preprocess.", callback=choice(*WHATS)),
    ] = "stations",
    radius_km: Annotated[
        float | None,
        typer.Option(
            "--radius-km",
            help="Station radius (default 2 km; facilities: 10 km).",
            callback=positive,
        ),
    ] = None,
    p: Annotated[
        int | None,
        typer.Option(
            "--p",
            help="New sites (stations: default 10; facilities: at most N).",
            callback=non_negative,
        ),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option(
            "--budget",
            help="Yuan: station set-up, or facilities' fixed cost per season.",
            callback=non_negative,
        ),
    ] = None,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit",
            help="Wall-clock budget of the whole command, seconds, split evenly over its "
            "MILPs (the answer and each curve point).",
            callback=positive_seconds,
        ),
    ] = 120.0,
    seed: SeedOpt = 0,
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
        str,
        typer.Option(
            "--curve",
            help="Marginal-value curve: exact, nested or none.",
            callback=choice(*CURVES),
        ),
    ] = "exact",
    curve_max: Annotated[
        int | None, typer.Option("--curve-max", help="Points k = 1..K of the curve.", min=1)
    ] = None,
    uncapacitated: Annotated[
        bool, typer.Option("--uncapacitated", help="Facilities: ignore capacities.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Where to put village stations, cold hubs or preprocess centres (exact MILPs, HiGHS).

    Prints the chosen sites, coverage before and after, the cost breakdown (yuan/season) and
    the marginal value of the k-th site with each point's solver status and gap. Exits 1 when
    the request cannot be met (the message gives the numbers), 2 on usage errors.

    Example: ruralflow site src/ruralflow/examples/610425 --what stations --p 10 --json
    """
    from ruralflow.domain import DomainError
    from ruralflow.siting.county import CountySitingOptions, site_county

    clock = Budget(time_limit)
    rule: Any = existing
    if existing not in ("auto", "functions", "townships", "none"):
        rule = tuple(x.strip() for x in existing.split(",") if x.strip())
    with steps("读取数据包 / reading the bundle", show=interactive(as_json)) as progress:
        county = read_bundle_or_fail(path)
        n = milp_count(what, curve, p, curve_max)
        progress.step(f"选址 / siting {what}: up to {n} MILPs, {clock.left():.0f} s")
        try:
            options = CountySitingOptions(
                radius_km=radius_km,
                p=p,
                budget_yuan=budget,
                cover_all=cover_all,
                existing=rule,
                curve=curve,  # type: ignore[arg-type]  # checked by the callback
                curve_max=curve_max,
                capacitated=not uncapacitated,
                time_limit_s=round(clock.share(n) * 0.95, 3),
                seed=seed,
            )
            result = site_county(county, what, options)
        except DomainError as e:
            fail_engine("选址失败", "cannot site", e)
    if as_json:
        print_json(result.to_dict())
        return
    say(result.summary())


def register(app: typer.Typer) -> None:
    app.command("site")(site_cmd)
