"""Thin layer over HiGHS: pass a whole sparse MILP at once, run it, read status / bound / gap.

Models build their constraint matrix as scipy sparse blocks; this module stacks them into one
column-wise matrix and hands it to HiGHS through ``Highs.passModel`` in a single call (no
per-element Python calls). It maps HiGHS's model status onto the status names of
:data:`ruralflow.siting.result.STATUSES` and makes sure a time-limited answer is never reported
as optimal.
"""

from __future__ import annotations

import ctypes
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from ruralflow.siting.errors import SolverFailedError
from ruralflow.siting.result import Sense, SitingResult, SolverOptions

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]

_STATUS_NAMES: dict[Any, str] = {
    getattr(highspy.HighsModelStatus, name): status
    for name, status in (
        ("kOptimal", "optimal"),
        ("kTimeLimit", "time_limit"),
        ("kInfeasible", "infeasible"),
        ("kUnboundedOrInfeasible", "infeasible"),
        ("kUnbounded", "unbounded"),
        ("kIterationLimit", "iteration_limit"),
        ("kSolutionLimit", "solution_limit"),
        ("kInterrupt", "interrupted"),
        ("kHighsInterrupt", "interrupted"),
        ("kMemoryLimit", "memory_limit"),
    )
    if hasattr(highspy.HighsModelStatus, name)
}

_FEASIBLE = 2  # HiGHS kSolutionStatusFeasible
_banner_silenced = False


def new_highs() -> highspy.Highs:
    """A fresh ``Highs`` object.

    HiGHS prints a copyright banner on the process's C-level stdout when its first object is
    built, whatever ``output_flag`` says; that would spoil JSON printed by the CLI, so the first
    construction runs with file descriptor 1 sent to ``/dev/null``.
    """
    global _banner_silenced
    if _banner_silenced:
        return highspy.Highs()  # type: ignore[no-untyped-call]
    _banner_silenced = True
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):
        return highspy.Highs()  # type: ignore[no-untyped-call]
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        h = new_highs()
        ctypes.CDLL(None).fflush(None)
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)
    return h


@dataclass(frozen=True, slots=True)
class Block:
    """Rows ``lower <= matrix @ x <= upper`` (``matrix`` any scipy sparse matrix)."""

    matrix: Any
    lower: FloatArray
    upper: FloatArray


@dataclass(frozen=True, slots=True)
class MilpOutcome:
    """What HiGHS returned, already mapped: status name, solution, objective and bound."""

    status: str
    x: FloatArray | None
    objective: float | None
    bound: float | None
    nodes: int


def rows(matrix: Any, lower: Any, upper: Any) -> Block:
    """Build a :class:`Block`, broadcasting scalar bounds to the number of rows."""
    n = matrix.shape[0]
    lo = np.broadcast_to(np.asarray(lower, dtype=np.float64), (n,)).copy()
    hi = np.broadcast_to(np.asarray(upper, dtype=np.float64), (n,)).copy()
    return Block(sp.csr_matrix(matrix, dtype=np.float64), lo, hi)


def relative_gap(objective: float | None, bound: float | None) -> float | None:
    """``|objective - bound| / max(|objective|, 1e-9)``, or ``None`` if either is unknown."""
    if objective is None or bound is None:
        return None
    if not math.isfinite(bound):
        return math.inf
    return abs(objective - bound) / max(abs(objective), 1e-9)


def solve_milp(
    cost: FloatArray,
    col_lower: FloatArray,
    col_upper: FloatArray,
    integer: NDArray[np.bool_],
    blocks: list[Block],
    *,
    sense: Sense,
    options: SolverOptions,
    start: FloatArray | None = None,
    offset: float = 0.0,
    known_bound: float | None = None,
) -> MilpOutcome:
    """Solve ``min/max cost @ x + offset`` subject to the blocks and column bounds.

    ``start`` is a feasible solution (from a heuristic); it is given to HiGHS as its first
    incumbent and returned if HiGHS stops (e.g. on its time limit) before finding a better
    one. ``known_bound`` is a bound proven outside HiGHS (e.g. 0 for a cost), combined with
    HiGHS's dual bound so a gap can be stated even when HiGHS is stopped before its root LP.
    """
    n = cost.shape[0]
    if blocks:
        a = sp.vstack([b.matrix for b in blocks], format="csc", dtype=np.float64)
        row_lo = np.concatenate([b.lower for b in blocks])
        row_hi = np.concatenate([b.upper for b in blocks])
    else:
        a = sp.csc_matrix((0, n), dtype=np.float64)
        row_lo = np.zeros(0)
        row_hi = np.zeros(0)
    a.sum_duplicates()
    h = new_highs()
    h.setOptionValue("output_flag", bool(options.log))
    h.setOptionValue("mip_rel_gap", float(options.mip_gap))
    h.setOptionValue("random_seed", int(options.seed))
    if options.time_limit_s is not None:
        h.setOptionValue("time_limit", float(options.time_limit_s))
    is_mip = bool(np.any(integer))
    h.passModel(
        int(n),
        int(a.shape[0]),
        int(a.nnz),
        1,  # column-wise
        1 if sense == "min" else -1,
        float(offset),
        np.ascontiguousarray(cost, dtype=np.float64),
        np.ascontiguousarray(col_lower, dtype=np.float64),
        np.ascontiguousarray(col_upper, dtype=np.float64),
        np.ascontiguousarray(row_lo, dtype=np.float64),
        np.ascontiguousarray(row_hi, dtype=np.float64),
        np.ascontiguousarray(a.indptr, dtype=np.int32),
        np.ascontiguousarray(a.indices, dtype=np.int32),
        np.ascontiguousarray(a.data, dtype=np.float64),
        np.ascontiguousarray(integer, dtype=np.int32),
    )
    if start is not None and is_mip:
        solution = highspy.HighsSolution()
        solution.col_value = np.ascontiguousarray(start, dtype=np.float64)
        solution.value_valid = True
        h.setSolution(solution)
    h.run()
    model_status = h.getModelStatus()
    status = _STATUS_NAMES.get(model_status, "error")
    info = h.getInfo()
    x: FloatArray | None = None
    objective: float | None = None
    if info.primal_solution_status == _FEASIBLE:
        x = np.asarray(h.getSolution().col_value, dtype=np.float64)
        objective = float(info.objective_function_value)
    if start is not None:
        start_obj = float(cost @ start) + offset
        better = objective is None or (
            start_obj < objective if sense == "min" else start_obj > objective
        )
        if better and status not in ("infeasible", "unbounded"):
            x, objective = np.asarray(start, dtype=np.float64), start_obj
    bound: float | None = None
    if is_mip:
        raw = float(info.mip_dual_bound)
        if math.isfinite(raw):
            bound = raw
    elif status == "optimal":
        bound = objective
    if known_bound is not None:
        if bound is None:
            bound = known_bound
        else:
            bound = max(bound, known_bound) if sense == "min" else min(bound, known_bound)
    if status == "optimal" and objective is not None and bound is None:
        bound = objective
    if objective is not None and bound is not None:
        # A dual bound cannot be better than a feasible objective; clamp solver round-off.
        bound = min(bound, objective) if sense == "min" else max(bound, objective)
    nodes = int(info.mip_node_count) if is_mip else 0
    return MilpOutcome(status=status, x=x, objective=objective, bound=bound, nodes=max(nodes, 0))


def no_solution_result(
    model: str,
    outcome: MilpOutcome,
    *,
    sense: Sense,
    started: float,
    site_ids: tuple[str, ...] | None,
    notes: list[str] | None = None,
) -> SitingResult:
    """The result when HiGHS returned no solution: empty at a time limit, else an error."""
    if outcome.status == "time_limit":
        return make_result(
            model,
            outcome,
            sense=sense,
            started=started,
            open_sites=np.zeros(0, dtype=np.int64),
            site_ids=site_ids,
            notes=notes,
        )
    raise SolverFailedError(f"HiGHS stopped with status {outcome.status} and no solution")


def make_result(
    model: str,
    outcome: MilpOutcome,
    *,
    sense: Sense,
    started: float,
    open_sites: NDArray[np.int64],
    assignment: NDArray[np.int64] | None = None,
    site_ids: tuple[str, ...] | None = None,
    allocation: tuple[tuple[int, int, float], ...] = (),
    metrics: dict[str, float] | None = None,
    notes: list[str] | None = None,
    objective: float | None = None,
) -> SitingResult:
    """Assemble a :class:`SitingResult` from a solved outcome.

    ``objective`` replaces the solver's value when the model recomputed it exactly from the
    decoded solution (never worse than the solver's, so the bound stays valid).
    """
    obj = outcome.objective if objective is None else objective
    bound = outcome.bound
    if obj is not None and bound is not None:
        bound = min(bound, obj) if sense == "min" else max(bound, obj)
    if bound is not None:
        bound += 0.0  # no "-0" in reports
    gap = relative_gap(obj, bound)
    if outcome.status == "optimal" and gap is not None and gap < 1e-12:
        gap = 0.0
    return SitingResult(
        model=model,
        status=outcome.status,
        sense=sense,
        objective=obj,
        best_bound=bound,
        gap=gap,
        runtime_s=time.perf_counter() - started,
        open_sites=tuple(int(j) for j in open_sites),
        assignment=() if assignment is None else tuple(int(j) for j in assignment),
        site_ids=site_ids,
        allocation=allocation,
        metrics=dict(metrics or {}),
        notes=tuple(notes or ()),
        nodes=outcome.nodes,
    )
