"""Classic routing benchmark instances solved with PyVRP, checked by our own code.

Formats (``shared/benchmarks/*/README.md``):

* ``vrpspd``: VRP with simultaneous pickup and delivery, families ``dethloff``,
  ``montane_galvao`` and ``salhi_nagy`` (:mod:`ruralflow.benchmarks.vrpspd`);
* ``solomon``: Solomon VRPTW, distances truncated to one decimal
  (:mod:`ruralflow.benchmarks.solomon`).

Front door: :func:`solve_instance` returns an :class:`InstanceResult` whose ``routes`` list
customers by their node ids in the file (depot excluded) and whose ``cost`` is in the units of
the family's ``bks.csv``, recomputed from the unscaled file data; ``feasible`` is our own check
(capacity on every leg, time windows, route-length limits).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ruralflow.benchmarks._common import (
    InstanceResult,
    RoutingBenchmarkError,
    RoutingInstanceError,
    SolveOptions,
)
from ruralflow.benchmarks._engine import PARAMS_BY_FAMILY, SearchParams
from ruralflow.benchmarks.solomon import SolomonInstance, read_solomon, solve_solomon
from ruralflow.benchmarks.vrpspd import (
    VRPSPD_FAMILIES,
    VrpspdInstance,
    read_vrpspd,
    solve_vrpspd,
)

__all__ = [
    "PARAMS_BY_FAMILY",
    "ROUTING_FORMATS",
    "VRPSPD_FAMILIES",
    "InstanceResult",
    "RoutingBenchmarkError",
    "RoutingInstanceError",
    "SearchParams",
    "SolomonInstance",
    "SolveOptions",
    "VrpspdInstance",
    "read_solomon",
    "read_vrpspd",
    "solve_instance",
    "solve_solomon",
    "solve_vrpspd",
]

_SOLVERS: dict[str, Callable[[Path, SolveOptions], InstanceResult]] = {
    "vrpspd": lambda p, o: solve_vrpspd(p, o),
    "solomon": lambda p, o: solve_solomon(p, o),
}

#: Instance formats :func:`solve_instance` understands.
ROUTING_FORMATS: tuple[str, ...] = tuple(_SOLVERS)


def solve_instance(
    path: str | Path,
    fmt: str,
    *,
    time_limit: float = 10.0,
    seed: int = 0,
    workers: int = 2,
    max_iterations: int | None = None,
) -> InstanceResult:
    """Solve one benchmark instance file of format ``fmt`` (``vrpspd`` or ``solomon``).

    ``time_limit`` is wall-clock seconds for the whole call; ``workers`` parallel PyVRP
    searches (different seeds derived from ``seed``) are run and the best is kept. Results are
    reproducible for a seed when ``max_iterations`` stops the search before the clock does.
    Raises :class:`RoutingBenchmarkError` for an unknown format or bad options and
    :class:`RoutingInstanceError` for a bad file.
    """
    solver = _SOLVERS.get(fmt)
    if solver is None:
        raise RoutingBenchmarkError(
            f"unknown routing format {fmt!r}: expected one of {', '.join(ROUTING_FORMATS)}"
        )
    options = SolveOptions(
        time_limit=time_limit, seed=seed, workers=workers, max_iterations=max_iterations
    )
    return solver(Path(path), options)
