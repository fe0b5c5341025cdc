"""``ruralflow contracts ...``: settle a season, simulate and compare contract designs.

A Typer sub-app (:data:`contracts_app`), added to the main CLI as ``contracts``. Thin: it
parses options and calls :mod:`ruralflow.bundle.sharing_case` and the engines. Exit codes: 0
success, 1 bad or missing input (one bilingual message), 2 usage errors.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from ruralflow.cli._common import (
    BundleArg,
    JsonOpt,
    choice,
    fail,
    fail_engine,
    interactive,
    note,
    positive_seconds,
    print_json,
    say,
    seed_callback,
    steps,
)

if TYPE_CHECKING:
    from ruralflow.bundle.sharing_case import CountyCase
    from ruralflow.sharing.simulation import SimulationResult

contracts_app = typer.Typer(
    no_args_is_help=True,
    help="Benefit sharing (利益联结): settle contracts, simulate and compare designs.",
)
ProductOpt = Annotated[
    str | None,
    typer.Option(
        "--product", help="Product id (default: contracts.csv's, else the lead product)."
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir", help="Data folder overriding the packaged data (default: $RURALFLOW_DATA)."
    ),
]
PathsOpt = Annotated[int, typer.Option("--paths", help="Monte Carlo price paths.", min=100)]
SeasonsOpt = Annotated[
    int, typer.Option("--seasons", help="Consecutive seasons per path (fund horizon).", min=1)
]
SeedOpt = Annotated[
    int, typer.Option("--seed", help="Random seed (results reproduce).", callback=seed_callback)
]
MethodOpt = Annotated[
    str,
    typer.Option(
        "--method",
        help="Price paths: model (fitted AR(1)-t) or bootstrap.",
        callback=choice("model", "bootstrap"),
    ),
]
TimeLimitOpt = Annotated[
    float | None,
    typer.Option(
        "--time-limit",
        help="Wall-clock budget of the whole command, seconds: when the --paths would not fit "
        "(timed on a pilot run), fewer paths are simulated and the output says how many. "
        "Default: no limit, exactly --paths (results then reproduce for a --seed).",
        callback=positive_seconds,
    ),
]


def _non_negative(value: float | None) -> float | None:
    if value is not None and not 0 <= value < 1e12:
        raise typer.BadParameter(f"须 >= 0 元 / must be >= 0 yuan (got {value!r})")
    return value


def _probability(value: float) -> float:
    if not 0 < value < 1:
        raise typer.BadParameter(f"须在 0 与 1 之间 / must be between 0 and 1 (got {value!r})")
    return value


FundOpeningOpt = Annotated[
    float | None,
    typer.Option(
        "--fund-opening",
        help="Opening balance (yuan) of every fund, replacing the design's.",
        callback=_non_negative,
    ),
]
NoSideOpt = Annotated[
    bool, typer.Option("--no-side-selling", help="Members always deliver (no side-selling).")
]


_print = say
_fail = fail


def _errors() -> tuple[type[Exception], ...]:
    from ruralflow.bundle.datadir import DataDirError
    from ruralflow.domain import DomainError

    return (DataDirError, DomainError, ValueError)


def _fail_engine(zh: str, en: str, error: BaseException) -> NoReturn:
    fail_engine(zh, en, error)


@contracts_app.command("settle")
def settle_cmd(
    path: BundleArg,
    statement: Annotated[
        str | None, typer.Option("--statement", help="Print this farmer's statement.")
    ] = None,
    lang: Annotated[
        str,
        typer.Option(
            "--lang",
            help="Statement language: zh, en or both.",
            callback=choice("zh", "en", "both"),
        ),
    ] = "both",
    statements_dir: Annotated[
        Path | None,
        typer.Option("--statements-dir", help="Write every farmer's statement to DIR/<id>.txt."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Settle the bundle's season exactly (integer fen) and print the farmer table.

    Needs contracts.csv and prices.csv in the bundle; deliveries from deliveries.csv (or
    supply_up.csv). Prints totals, funds, dividends and the reconciliation (to the fen).

    Example: ruralflow contracts settle out/liquan-2015 --statement F07
    """
    from ruralflow.bundle.sharing_case import settle_bundle
    from ruralflow.sharing.text import text_table

    try:
        _, result = settle_bundle(path)
    except _errors() as e:
        _fail_engine("无法结算", "cannot settle the season", e)
    if statement is not None and statement not in {r.farmer for r in result.farmer_rows}:
        _fail(f"--statement: 结算中没有农户 / no farmer {statement!r} in the settlement")
    if statements_dir is not None:
        statements_dir.mkdir(parents=True, exist_ok=True)
        for r in result.farmer_rows:
            (statements_dir / f"{r.farmer}.txt").write_text(
                result.statement(r.farmer, lang) + "\n", encoding="utf-8"
            )
    if as_json:
        data = result.to_dict()
        if statement is not None:
            data["statement"] = result.statement(statement, lang)
        print_json(data, indent=1)
        return
    if statement is not None:
        _print(result.statement(statement, lang))
        return
    _print(result.summary())
    _print(text_table(result.table(), left_columns=2))
    if statements_dir is not None:
        _print(f"statements: {statements_dir}/<farmer>.txt ({len(result.farmer_rows)})")


#: Paths of the pilot run that times the Monte Carlo when ``--time-limit`` is given.
PILOT_PATHS = 500


def _fitting_paths(run: Callable[[int], object], paths: int, seconds: float) -> int:
    """Paths that fit in ``seconds`` (at most ``paths``, at least 100), timed on a pilot."""
    pilot = min(paths, PILOT_PATHS)
    t0 = time.perf_counter()
    run(pilot)
    spent = time.perf_counter() - t0
    left = seconds - spent
    if spent <= 0:
        return paths
    fit = int(pilot * left / spent)
    return max(100, min(paths, fit // 100 * 100))


def _simulation(
    path: Path,
    product: str | None,
    data_dir: Path | None,
    paths: int,
    seasons: int,
    seed: int,
    method: str,
    no_side: bool,
    fund_opening: float | None = None,
    time_limit: float | None = None,
    show: bool = False,
) -> tuple[CountyCase, SimulationResult]:
    from ruralflow.bundle.sharing_case import load, prepare
    from ruralflow.sharing.simulation import SideSelling, simulate

    started = time.perf_counter()
    with steps("读取数据包 / reading the bundle", show=show) as progress:
        try:
            county, files = load(path)
            progress.step("拟合价格模型 / fitting the price model")
            case = prepare(county, files, product=product, data_dir=data_dir)
        except _errors() as e:
            _fail_engine("无法准备模拟", "cannot prepare the simulation", e)
        if fund_opening is not None:
            opening = Decimal(f"{fund_opening:.2f}")
            case = replace(
                case,
                designs=[
                    replace(d, fund=replace(d.fund, opening_yuan=opening)) if d.fund else d
                    for d in case.designs
                ],
            )

        def run(n: int) -> SimulationResult:
            return simulate(
                case.designs,
                case.model,
                case.season,
                paths=n,
                seasons=seasons,
                seed=seed,
                method="bootstrap" if method == "bootstrap" else "model",
                farm_gate_factor=case.farm_gate_factor,
                farm=case.farm,
                side=SideSelling(enabled=not no_side),
            )

        try:
            if time_limit is not None:
                progress.step("计时 / timing a pilot run")
                left = time_limit * 0.8 - (time.perf_counter() - started)
                fitted = _fitting_paths(run, paths, left)
                if fitted < paths:
                    note(
                        f"--time-limit {time_limit:g} s: 模拟 {fitted:,} 条路径 / simulating "
                        f"{fitted:,} of {paths:,} paths"
                    )
                paths = fitted
            progress.step(f"蒙特卡洛 / Monte Carlo: {paths:,} paths x {seasons} season(s)")
            result = run(paths)
        except _errors() as e:
            _fail_engine("模拟失败", "the simulation failed", e)
    return case, result


@contracts_app.command("simulate")
def simulate_cmd(
    path: BundleArg,
    product: ProductOpt = None,
    paths: PathsOpt = 100_000,
    seasons: SeasonsOpt = 3,
    seed: SeedOpt = 0,
    method: MethodOpt = "model",
    no_side_selling: NoSideOpt = False,
    fund_opening: FundOpeningOpt = None,
    data_dir: DataDirOpt = None,
    time_limit: TimeLimitOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Monte Carlo of each contract design over price paths fitted to the real series.

    Designs: the bundle's contracts.csv, or without it the default set for the lead
    product. Reports farmer income (mean, P5, P95, P(below poverty line)), buyer margin,
    fulfilment under side-selling and the fund's ruin probability, each with its standard
    error.

    Example: ruralflow contracts simulate src/ruralflow/examples/610425 --paths 100000
    """
    case, result = _simulation(
        path,
        product,
        data_dir,
        paths,
        seasons,
        seed,
        method,
        no_side_selling,
        fund_opening,
        time_limit,
        interactive(as_json),
    )
    if as_json:
        print_json({"case": case.summary(), **result.to_dict()})
        return
    _print(case.summary())
    _print(result.summary())


@contracts_app.command("compare")
def compare_cmd(
    path: BundleArg,
    product: ProductOpt = None,
    paths: PathsOpt = 100_000,
    seasons: SeasonsOpt = 3,
    seed: SeedOpt = 0,
    method: MethodOpt = "model",
    rank_by: Annotated[
        str,
        typer.Option(
            "--rank-by",
            help="p5 (default), mean, poverty or fulfilment.",
            callback=choice("p5", "mean", "poverty", "fulfilment"),
        ),
    ] = "p5",
    ruin_target: Annotated[
        float,
        typer.Option(
            "--ruin-target",
            help="Largest acceptable fund ruin probability.",
            callback=_probability,
        ),
    ] = 0.05,
    search_fund: Annotated[
        bool,
        typer.Option(
            "--search-fund/--no-search-fund",
            help="Find the cheapest contribution keeping ruin <= target (designs with a fund).",
        ),
    ] = True,
    search_paths: Annotated[
        int, typer.Option("--search-paths", help="Paths used by the fund search.", min=100)
    ] = 20_000,
    no_side_selling: NoSideOpt = False,
    fund_opening: FundOpeningOpt = None,
    data_dir: DataDirOpt = None,
    time_limit: TimeLimitOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Rank the designs by a stated criterion and size each fund's contribution.

    Ranking: viable designs first (buyer mean margin >= 0, fund ruin <= target), then by
    farmer income P5 (or --rank-by). The fund search bisects the per-kg contribution on
    the same price paths (the first --search-paths of them).

    Example: ruralflow contracts compare src/ruralflow/examples/610425
    """
    from ruralflow.sharing.simulation import SideSelling, cheapest_contribution, compare

    case, result = _simulation(
        path,
        product,
        data_dir,
        paths,
        seasons,
        seed,
        method,
        no_side_selling,
        fund_opening,
        None if time_limit is None else time_limit * 0.6,
        interactive(as_json),
    )
    table = compare(result, rank_by=rank_by, ruin_target=ruin_target)  # type: ignore[arg-type]
    searches = []
    if search_fund:
        n = min(search_paths, result.paths)
        with steps("基金缴费搜索 / fund contribution search", show=interactive(as_json)):
            try:
                for d in case.designs:
                    if d.fund is not None:
                        searches.append(
                            cheapest_contribution(
                                d,
                                result.wholesale[:n],
                                target=ruin_target,
                                farm_gate_factor=result.farm_gate_factor,
                                farm=result.farm,
                                side=SideSelling(enabled=not no_side_selling),
                            )
                        )
            except _errors() as e:
                _fail_engine("基金缴费搜索失败", "the fund contribution search failed", e)
    if as_json:
        data = {
            "case": case.summary(),
            "paths": result.paths,
            "seasons": result.seasons,
            "seed": result.seed,
            "runtime_s": result.runtime_s,
            **table.to_dict(),
            "fund_search": [s.to_dict() for s in searches],
            "fund_search_paths": min(search_paths, result.paths),
        }
        print_json(data)
        return
    _print(case.summary())
    _print(
        f"{result.paths:,} paths x {result.seasons} season(s), seed {result.seed}, "
        f"{result.runtime_s:.2f} s"
    )
    _print(table.summary())
    if searches:
        _print(
            f"基金缴费搜索 / fund contribution search (first {min(search_paths, result.paths):,} "
            "paths):"
        )
        for s in searches:
            _print("  " + s.summary())


@contracts_app.command("prices")
def prices_cmd(
    path: BundleArg,
    product: ProductOpt = None,
    replicas: Annotated[
        int, typer.Option("--replicas", help="Model replicas for the fit check.", min=50)
    ] = 2000,
    seed: SeedOpt = 0,
    data_dir: DataDirOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Fit the seasonal price model of the product and check it against the real series.

    Prints the model (seasonal level by month, AR(1) persistence, Student-t tails) and the
    real and model mean, weekly volatility and monthly shape with their tolerances.

    Example: ruralflow contracts prices src/ruralflow/examples/610425
    """
    from ruralflow.bundle.sharing_case import load, prepare
    from ruralflow.sharing.prices import check_fit, monthly_profile

    with steps("拟合价格模型 / fitting the price model", show=interactive(as_json)):
        try:
            county, files = load(path)
            case = prepare(county, files, product=product, data_dir=data_dir)
            check = check_fit(case.model, case.series, replicas=replicas, seed=seed)
        except _errors() as e:
            _fail_engine("价格模型无法拟合", "cannot fit the price model", e)
    if as_json:
        print_json({"model": case.model.to_dict(), "check": check.to_dict()})
        return
    _print(case.summary())
    prof = monthly_profile(case.series)
    _print(
        "real monthly mean wholesale yuan/kg: "
        + ", ".join(f"{m:02d}:{v:.2f}" for m, v in prof.items())
    )
    _print(check.summary())
