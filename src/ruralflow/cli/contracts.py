"""``ruralflow contracts ...``: settle a season, simulate and compare contract designs.

A Typer sub-app (:data:`contracts_app`), added to the main CLI with
``app.add_typer(contracts_app, name="contracts")``. Thin: it parses options and calls
:mod:`ruralflow.sharing.county` and the engines. Exit codes: 0 success, 1 bad or missing input.
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

if TYPE_CHECKING:
    from ruralflow.sharing.county import CountyCase
    from ruralflow.sharing.simulation import SimulationResult

contracts_app = typer.Typer(
    no_args_is_help=True,
    help="Benefit sharing (利益联结): settle contracts, simulate and compare designs.",
)
console = Console()
err_console = Console(stderr=True)

BundleArg = Annotated[
    Path, typer.Argument(help="County bundle folder (county.yaml, places.csv, ...).")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object.")]
ProductOpt = Annotated[
    str | None,
    typer.Option(
        "--product", help="Product id (default: contracts.csv's, else the lead product)."
    ),
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option("--data-dir", help="shared/data folder (default: $RURALFLOW_DATA or ../shared)."),
]
PathsOpt = Annotated[int, typer.Option("--paths", help="Monte Carlo price paths.", min=100)]
SeasonsOpt = Annotated[
    int, typer.Option("--seasons", help="Consecutive seasons per path (fund horizon).", min=1)
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Random seed (results reproduce).")]
MethodOpt = Annotated[
    str, typer.Option("--method", help="Price paths: model (fitted AR(1)-t) or bootstrap.")
]
FundOpeningOpt = Annotated[
    float | None,
    typer.Option(
        "--fund-opening", help="Opening balance (yuan) of every fund, replacing the design's."
    ),
]
NoSideOpt = Annotated[
    bool, typer.Option("--no-side-selling", help="Members always deliver (no side-selling).")
]


def _print(text: str) -> None:
    console.print(text, markup=False, highlight=False, soft_wrap=True)


def _fail(text: str) -> None:
    err_console.print(text, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def _errors() -> tuple[type[Exception], ...]:
    from ruralflow.bundle import BundleError
    from ruralflow.bundle.datadir import DataDirError
    from ruralflow.domain import DomainError

    return (BundleError, DataDirError, DomainError)


@contracts_app.command("settle")
def settle_cmd(
    path: BundleArg,
    statement: Annotated[
        str | None, typer.Option("--statement", help="Print this farmer's statement.")
    ] = None,
    lang: Annotated[
        str, typer.Option("--lang", help="Statement language: zh, en or both.")
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
    from ruralflow.sharing.county import settle_bundle
    from ruralflow.sharing.text import text_table

    if lang not in ("zh", "en", "both"):
        _fail(f"--lang must be zh, en or both (got {lang!r})")
    try:
        _, result = settle_bundle(path)
    except _errors() as e:
        _fail(str(e))
        return
    if statements_dir is not None:
        statements_dir.mkdir(parents=True, exist_ok=True)
        for r in result.farmer_rows:
            (statements_dir / f"{r.farmer}.txt").write_text(
                result.statement(r.farmer, lang) + "\n", encoding="utf-8"
            )
    if statement is not None and statement not in {r.farmer for r in result.farmer_rows}:
        _fail(f"--statement: no farmer {statement!r} in the settlement")
    if as_json:
        data = result.to_dict()
        if statement is not None:
            data["statement"] = result.statement(statement, lang)
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return
    if statement is not None:
        _print(result.statement(statement, lang))
        return
    _print(result.summary())
    _print(text_table(result.table(), left_columns=2))
    if statements_dir is not None:
        _print(f"statements: {statements_dir}/<farmer>.txt ({len(result.farmer_rows)})")


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
) -> tuple[CountyCase, SimulationResult]:
    from ruralflow.sharing.county import load, prepare
    from ruralflow.sharing.simulation import SideSelling, simulate

    if method not in ("model", "bootstrap"):
        _fail(f"--method must be model or bootstrap (got {method!r})")
    county, files = load(path)
    case = prepare(county, files, product=product, data_dir=data_dir)
    if fund_opening is not None:
        if fund_opening < 0:
            _fail(f"--fund-opening must be >= 0 (got {fund_opening})")
        opening = Decimal(f"{fund_opening:.2f}")
        case = replace(
            case,
            designs=[
                replace(d, fund=replace(d.fund, opening_yuan=opening)) if d.fund else d
                for d in case.designs
            ],
        )
    result = simulate(
        case.designs,
        case.model,
        case.season,
        paths=paths,
        seasons=seasons,
        seed=seed,
        method="bootstrap" if method == "bootstrap" else "model",
        farm_gate_factor=case.farm_gate_factor,
        side=SideSelling(enabled=not no_side),
    )
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
    as_json: JsonOpt = False,
) -> None:
    """Monte Carlo of each contract design over price paths fitted to the real series.

    Designs: the bundle's contracts.csv, or without it the default set for the lead
    product. Reports farmer income (mean, P5, P95, P(below poverty line)), buyer margin,
    fulfilment under side-selling and the fund's ruin probability, each with its standard
    error.

    Example: ruralflow contracts simulate src/ruralflow/examples/610425 --paths 100000
    """
    try:
        case, result = _simulation(
            path, product, data_dir, paths, seasons, seed, method, no_side_selling, fund_opening
        )
    except _errors() as e:
        _fail(str(e))
        return
    if as_json:
        print(json.dumps({"case": case.summary(), **result.to_dict()}, ensure_ascii=False))
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
        str, typer.Option("--rank-by", help="p5 (default), mean, poverty or fulfilment.")
    ] = "p5",
    ruin_target: Annotated[
        float, typer.Option("--ruin-target", help="Largest acceptable fund ruin probability.")
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
    as_json: JsonOpt = False,
) -> None:
    """Rank the designs by a stated criterion and size each fund's contribution.

    Ranking: viable designs first (buyer mean margin >= 0, fund ruin <= target), then by
    farmer income P5 (or --rank-by). The fund search bisects the per-kg contribution on
    the same price paths (the first --search-paths of them).

    Example: ruralflow contracts compare src/ruralflow/examples/610425
    """
    from ruralflow.sharing.simulation import SideSelling, cheapest_contribution, compare

    if rank_by not in ("p5", "mean", "poverty", "fulfilment"):
        _fail(f"--rank-by must be p5, mean, poverty or fulfilment (got {rank_by!r})")
    if not 0 < ruin_target < 1:
        _fail(f"--ruin-target must be between 0 and 1 (got {ruin_target})")
    try:
        case, result = _simulation(
            path, product, data_dir, paths, seasons, seed, method, no_side_selling, fund_opening
        )
    except _errors() as e:
        _fail(str(e))
        return
    table = compare(result, rank_by=rank_by, ruin_target=ruin_target)  # type: ignore[arg-type]
    searches = []
    if search_fund:
        n = min(search_paths, result.paths)
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
        print(json.dumps(data, ensure_ascii=False))
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
    from ruralflow.sharing.county import load, prepare
    from ruralflow.sharing.prices import check_fit, monthly_profile

    try:
        county, files = load(path)
        case = prepare(county, files, product=product, data_dir=data_dir)
    except _errors() as e:
        _fail(str(e))
        return
    check = check_fit(case.model, case.series, replicas=replicas, seed=seed)
    if as_json:
        print(
            json.dumps(
                {"model": case.model.to_dict(), "check": check.to_dict()}, ensure_ascii=False
            )
        )
        return
    _print(case.summary())
    prof = monthly_profile(case.series)
    _print(
        "real monthly mean wholesale yuan/kg: "
        + ", ".join(f"{m:02d}:{v:.2f}" for m, v in prof.items())
    )
    _print(check.summary())
