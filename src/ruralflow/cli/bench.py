"""``ruralflow solve-instance``: one benchmark instance (OR-Library siting, VRPSPD, Solomon).

One command for every benchmark format: each format maps to a function taking the parsed
request and returning (JSON dict, text summary). Add a format by adding an entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from ruralflow.cli._common import (
    JsonOpt,
    SeedOpt,
    fail,
    interactive,
    positive_seconds,
    print_json,
    say,
    steps,
)


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

        options = SolverOptions(time_limit_s=req.time_limit, seed=req.seed)
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


def _format(value: str) -> str:
    if value not in INSTANCE_SOLVERS:
        raise typer.BadParameter(
            f"unknown format {value!r}: expected one of {', '.join(INSTANCE_SOLVERS)}"
        )
    return value


def solve_instance(
    file: Annotated[Path, typer.Argument(help="Instance file.", exists=True, dir_okay=False)],
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="Instance format: orlib-cap, orlib-uncap, orlib-pmed, vrpspd, solomon.",
            callback=_format,
        ),
    ],
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", help="Wall-clock seconds for the solve.", callback=positive_seconds
        ),
    ] = 60.0,
    p: Annotated[
        int | None, typer.Option("--p", help="orlib-pmed: number of sites (default: the file's).")
    ] = None,
    capacity: Annotated[
        float | None,
        typer.Option("--capacity", help="orlib-cap: capacity of capa/capb/capc (e.g. 8000)."),
    ] = None,
    seed: SeedOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """Solve one benchmark instance and print objective, status, gap, runtime, open sites.

    JSON for OR-Library formats: {"instance", "objective", "status", "gap", "runtime_s",
    "open", "best_bound"}; "open" lists 1-based site numbers as in the file. A run stopped
    by --time-limit reports status "time_limit" with its gap, never "optimal".

    JSON for routing formats (vrpspd, solomon): {"instance", "cost", "routes", "feasible",
    "runtime_s"}; "routes" lists customers by node id in the file (depot excluded), "cost" is
    in the units of the family's bks.csv; two PyVRP searches run on two cores.

    Example: ruralflow solve-instance benchmarks/facility/pmed/pmed1.txt
    --format orlib-pmed --time-limit 60 --json
    """
    from ruralflow.domain import DomainError

    request = InstanceRequest(file, time_limit, seed, p, capacity)
    with steps(f"{file.name}: {fmt} ({time_limit:g} s)", show=interactive(as_json)):
        try:
            data, text = INSTANCE_SOLVERS[fmt](request)
        except DomainError as e:
            fail(str(e))
    if as_json:
        print_json(data)
    else:
        say(text)


def register(app: typer.Typer) -> None:
    app.command("solve-instance")(solve_instance)
