"""Solver options and the result object shared by every siting model."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

from ruralflow.siting.errors import SitingInputError

#: Status names a result can carry.  ``optimal`` means HiGHS proved the objective within the
#: requested relative gap; ``time_limit`` means the clock ran out (the solution, if any, is the
#: best found and ``gap`` says how far from proven it is).
STATUSES = (
    "optimal",
    "time_limit",
    "infeasible",
    "unbounded",
    "iteration_limit",
    "solution_limit",
    "interrupted",
    "memory_limit",
    "error",
)

Sense = Literal["min", "max"]


@dataclass(frozen=True, slots=True)
class SolverOptions:
    """How HiGHS is run.

    ``time_limit_s`` is wall-clock seconds for the whole model (``None``: no limit);
    ``mip_gap`` the relative gap at which HiGHS may stop and call the answer optimal (the
    default is far below HiGHS's own 1e-4, so that "optimal" means optimal to 1e-6 relative);
    ``log`` prints the solver log; ``seed`` is HiGHS's random seed (runs are reproducible for
    one seed on one machine). HiGHS's thread pool is process-wide and cannot be resized once
    started, so the thread count is not a per-model option here.
    """

    time_limit_s: float | None = None
    mip_gap: float = 1e-9
    log: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        if self.time_limit_s is not None and not (self.time_limit_s > 0):
            raise SitingInputError(f"time_limit_s must be > 0 seconds (got {self.time_limit_s!r})")
        if not (0 <= self.mip_gap < 1):
            raise SitingInputError(f"mip_gap must be in [0, 1) (got {self.mip_gap!r})")


def _json_float(value: float | None) -> float | None:
    if value is None or not math.isfinite(value):
        return None
    return float(value)


@dataclass(frozen=True, slots=True)
class SitingResult:
    """The answer of one siting model.

    Attributes
    ----------
    model:
        Which model produced it (``"p_median"``, ``"maximal_covering"``, ...).
    status:
        One of :data:`STATUSES`. A run stopped by its time limit is ``"time_limit"`` even when
        the solution it returns happens to be optimal: only a proof makes ``"optimal"``.
    sense:
        ``"min"`` or ``"max"``: the direction of the objective.
    objective:
        Objective value of the returned solution (``None`` when no solution was found).
    best_bound:
        The best proven bound on the optimum (a lower bound for ``min``, upper for ``max``).
    gap:
        ``|objective - best_bound| / max(|objective|, 1e-9)``; ``0`` when proven optimal,
        ``None`` without a solution.
    runtime_s:
        Wall-clock seconds spent, model building included.
    open_sites:
        Indices (0-based, into the candidate sites) of the sites open in the solution,
        existing sites included.
    site_ids:
        Labels of all candidate sites when they were given, else ``None``.
    assignment:
        For every demand point, the index of the site serving it (the nearest open one for
        covering / median / centre models, the largest share for split assignment), ``-1`` if
        it is not served (not covered).
    allocation:
        For split assignment only: ``(client, site, share)`` triples with share > 0.
    metrics:
        Model-specific numbers (covered weight, fixed and transport cost, radius, ...).
    notes:
        Plain-language remarks (reductions applied, points no site can reach, ...).
    """

    model: str
    status: str
    sense: Sense
    objective: float | None
    best_bound: float | None
    gap: float | None
    runtime_s: float
    open_sites: tuple[int, ...]
    assignment: tuple[int, ...] = ()
    site_ids: tuple[str, ...] | None = None
    allocation: tuple[tuple[int, int, float], ...] = ()
    metrics: dict[str, float] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    nodes: int = 0

    @property
    def has_solution(self) -> bool:
        """Whether the result carries a feasible solution."""
        return self.objective is not None

    @property
    def is_optimal(self) -> bool:
        """Whether the solution is proven optimal (within the requested gap)."""
        return self.status == "optimal"

    @property
    def open_ids(self) -> tuple[str, ...]:
        """Labels of the open sites (their string indices when no labels were given)."""
        if self.site_ids is None:
            return tuple(str(j) for j in self.open_sites)
        return tuple(self.site_ids[j] for j in self.open_sites)

    def summary(self) -> str:
        """A few lines for a person: status, objective, bound, gap, sites, metrics."""
        obj = "none found" if self.objective is None else f"{self.objective:,.10g}"
        bound = "unknown" if self.best_bound is None else f"{self.best_bound:,.10g}"
        gap = "unknown" if self.gap is None else f"{100 * self.gap:.4g}%"
        lines = [
            f"{self.model}: {self.status} ({self.sense}imise) in {self.runtime_s:.2f} s",
            f"  objective {obj}, best bound {bound}, gap {gap}",
            f"  {len(self.open_sites)} open site(s): "
            + ", ".join(self.open_ids[:20])
            + (" ..." if len(self.open_sites) > 20 else ""),
        ]
        for key, value in self.metrics.items():
            lines.append(f"  {key}: {value:,.10g}")
        lines.extend(f"  note: {note}" for note in self.notes)
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (non-finite numbers become ``None``)."""
        return {
            "model": self.model,
            "status": self.status,
            "sense": self.sense,
            "objective": _json_float(self.objective),
            "best_bound": _json_float(self.best_bound),
            "gap": _json_float(self.gap),
            "runtime_s": round(self.runtime_s, 6),
            "open_sites": list(self.open_sites),
            "open_ids": list(self.open_ids),
            "assignment": list(self.assignment),
            "allocation": [[i, j, share] for i, j, share in self.allocation],
            "metrics": {k: _json_float(v) for k, v in self.metrics.items()},
            "notes": list(self.notes),
            "nodes": self.nodes,
        }
