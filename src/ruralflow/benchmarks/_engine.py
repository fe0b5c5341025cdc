"""Run PyVRP on a built ``ProblemData``: one search per worker process, best one kept.

The searches are independent (different seeds); each gets the whole remaining time. Worker 0
uses the caller's seed, so a one-worker run is the first of the two searches of a two-worker
run with the same seed. Routes come back as lists of PyVRP client indices.
"""

from __future__ import annotations

import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np
from pyvrp import ProblemData, Result, SolveParams
from pyvrp.IteratedLocalSearch import IteratedLocalSearchParams
from pyvrp.PenaltyManager import PenaltyManager, PenaltyParams
from pyvrp.search import NeighbourhoodParams, PerturbationParams
from pyvrp.stop import MaxIterations, MultipleCriteria, StoppingCriterion

from ruralflow.pyvrp_ils import solve_with_penalties

#: Seconds kept back from the time limit for starting processes and collecting results.
_OVERHEAD_S = 0.25
#: Stride between worker seeds (a prime, so seeds of different base seeds rarely collide).
_SEED_STRIDE = 1_000_003
#: Late-acceptance history per second of search, and its bounds (see SearchParams).
_HISTORY_PER_S = 10.0
_HISTORY_MIN = 50
_HISTORY_MAX = 300


@dataclass(frozen=True, slots=True)
class SearchParams:
    """The PyVRP parameters we tune (plain numbers, so they travel to worker processes).

    Defaults are PyVRP 0.14's own, except the penalties and ``history_length``.

    ``data_scaled_penalties``: PyVRP 0.14 starts every penalty at 50,000 per unit of violation
    and keeps it within 0.1..100,000, whatever the data's units. After our integer scaling a
    unit of load is worth very different amounts of distance per family (Salhi-Nagy: loads x
    10^6 against distances x 10^4, so 0.03 per unit is the natural price, far below the start
    and below the floor; Montane's 400-customer instances: about 10^5-10^6, above the cap,
    hence PyVRP's ``PenaltyBoundWarning``). With it, the load penalty starts at the mean
    distance divided by the mean client load (the classic HGS initialisation), time and
    distance violations at 1 per unit (they are in distance units), and the bounds are those
    values divided and multiplied by ``penalty_range``. Measured, single searches of 15 s, 2
    seeds, on CMT11X, CMT2Y, c101, R1_2_1, C2_4_1 and RC1_4_1: mean gap 1.39% with PyVRP's
    penalties, 0.91% with these (CMT11X 3.2-4.9% -> 0.7-1.8%).

    ``history_length``: ``None`` (ours) sets the
    late-acceptance history from the search time, ``10`` per second clamped to 50..300
    (PyVRP's fixed 300 suits long runs; in a 10 s run of a 200-400 customer instance, a few
    thousand iterations, a history of 300 leaves the search far from converged. Measured with
    single searches of 8 CPU seconds, 3 seeds: mean gap on R1_2_1, C2_4_1 and CMT5Y 2.48% with
    300 against 1.10% with 100; on nine 50-100 customer instances 0.30% with either). The
    per-family choices are in ``PARAMS_BY_FAMILY``.
    """

    num_neighbours: int = 50
    weight_wait_time: float = 0.2
    history_length: int | None = None
    num_iters_no_improvement: int = 150_000
    exhaustive_on_best: bool = True
    min_perturbations: int = 1
    max_perturbations: int = 25
    penalty_increase: float = 1.5
    penalty_decrease: float = 0.9
    target_feasible: float = 0.65
    solutions_between_updates: int = 500
    data_scaled_penalties: bool = True
    penalty_range: float = 1_000.0

    def for_time_limit(self, seconds: float) -> SearchParams:
        """These parameters with the history length resolved for a run of ``seconds`` (the
        requested limit, not the time left, so that a seed gives the same search)."""
        if self.history_length is not None:
            return self
        history = int(min(_HISTORY_MAX, max(_HISTORY_MIN, round(_HISTORY_PER_S * seconds))))
        return replace(self, history_length=history)

    def to_solve_params(self, num_clients: int) -> SolveParams:
        """PyVRP's parameters; ``history_length`` must be resolved (see ``for_time_limit``)."""
        if self.history_length is None:
            raise ValueError("history_length unresolved: call for_time_limit() first")
        return SolveParams(
            ils=IteratedLocalSearchParams(
                num_iters_no_improvement=self.num_iters_no_improvement,
                history_length=self.history_length,
                exhaustive_on_best=self.exhaustive_on_best,
            ),
            penalty=PenaltyParams(
                solutions_between_updates=self.solutions_between_updates,
                penalty_increase=self.penalty_increase,
                penalty_decrease=self.penalty_decrease,
                target_feasible=self.target_feasible,
            ),
            neighbourhood=NeighbourhoodParams(
                weight_wait_time=self.weight_wait_time,
                num_neighbours=max(1, min(self.num_neighbours, num_clients - 1)),
            ),
            perturbation=PerturbationParams(
                min_perturbations=self.min_perturbations,
                max_perturbations=max(
                    self.min_perturbations, min(self.max_perturbations, num_clients)
                ),
            ),
        )


#: Parameters per instance family, chosen by measurement (single searches of 8-20 s, 2-3
#: seeds, on 4-6 instances per family; docs/benchmarks.md). The time-dependent history and the
#: data-scaled penalties (with their bounds widened: an earlier trial of HGS-style start values
#: inside PyVRP's fixed 0.1..100,000 bounds was clipped and showed nothing) helped across
#: families; a smaller or larger neighbourhood (30, 80-200), more or fewer perturbations (10,
#: 40, 60), longer history (1000), a history scaled by instance size, faster penalty updates,
#: Relocate3/Swap3x operators, no exhaustive search on new bests, restarts after 20,000
#: iterations without improvement, and exchanging the best solution between the two
#: processes at a third or a sixth of the time were no better on average (noise between seeds
#: is 0.5-3 % on single instances), so the families share one setting.
PARAMS_BY_FAMILY: dict[str, SearchParams] = {
    "dethloff": SearchParams(),
    "montane_galvao": SearchParams(),
    "salhi_nagy": SearchParams(),
    "solomon": SearchParams(),
}


def natural_penalties(data: ProblemData) -> tuple[list[float], float, float]:
    """Penalty per unit of violation that makes a violation cost about what it saves: per load
    dimension the mean entry of the (first) distance matrix divided by the mean client load
    (the larger of delivery and pickup); 1 per unit of time warp and of excess distance (both
    in the distance matrix's units in our benchmark data)."""
    dist = np.asarray(data.distance_matrix(0), dtype=np.float64)
    mean_dist = float(dist.mean()) if dist.size else 1.0
    clients = data.clients()
    loads: list[float] = []
    for k in range(data.num_load_dimensions):
        amounts = [max(c.delivery[k], c.pickup[k]) for c in clients]
        mean_load = float(np.mean(amounts)) if amounts else 0.0
        loads.append(mean_dist / mean_load if mean_load > 0 and mean_dist > 0 else 1.0)
    return loads, 1.0, 1.0


def _penalty_manager(
    data: ProblemData, params: SearchParams, solve_params: SolveParams
) -> PenaltyManager:
    if not params.data_scaled_penalties:
        return PenaltyManager(solve_params.penalty.midpoint_penalties(data), solve_params.penalty)
    loads, time_warp, distance = natural_penalties(data)
    values = [*loads, time_warp, distance]
    bounded = replace(
        solve_params.penalty,
        min_penalty=min(values) / params.penalty_range,
        max_penalty=max(values) * params.penalty_range,
    )
    return PenaltyManager((loads, time_warp, distance), bounded)


def _solve(data: ProblemData, params: SearchParams, stop: StoppingCriterion, seed: int) -> Result:
    """``pyvrp.solve`` (0.14) with our penalties (see ``SearchParams``)."""
    solve_params = params.to_solve_params(data.num_clients)
    pm = _penalty_manager(data, params, solve_params)
    return solve_with_penalties(data, solve_params, pm, stop, seed)


class _Deadline:
    """Stop at an absolute ``time.perf_counter()`` value (the clock is system-wide, so a
    deadline set in the parent holds in forked workers)."""

    def __init__(self, deadline: float) -> None:
        self._deadline = deadline

    def __call__(self, best_cost: int) -> bool:
        return time.perf_counter() >= self._deadline


@dataclass(frozen=True, slots=True)
class SearchOutcome:
    """What one search returns: client-index routes, PyVRP's own (scaled) cost, feasibility."""

    routes: list[list[int]]
    cost: int
    feasible: bool
    iterations: int
    seed: int


def _search(
    data: ProblemData,
    params: SearchParams,
    seed: int,
    deadline: float,
    max_iterations: int | None,
) -> SearchOutcome:
    stop: StoppingCriterion = _Deadline(deadline)
    if max_iterations is not None:
        stop = MultipleCriteria([stop, MaxIterations(max_iterations)])
    result = _solve(data, params, stop, seed)
    best = result.best
    routes = [[act.idx for act in route if act.is_client()] for route in best.routes()]
    return SearchOutcome(
        routes=[r for r in routes if r],
        cost=int(best.distance_cost()),
        feasible=bool(best.is_feasible() and best.is_complete()),
        iterations=int(result.num_iterations),
        seed=seed,
    )


def run_searches(
    data: ProblemData,
    params: SearchParams,
    *,
    seed: int,
    workers: int,
    time_limit: float,
    deadline: float,
    max_iterations: int | None = None,
) -> SearchOutcome:
    """Run ``workers`` searches until ``deadline`` (a ``time.perf_counter()`` value) and return
    the best: feasible first, then lowest PyVRP cost, then lowest worker number.
    ``time_limit`` (the requested seconds) resolves time-dependent parameters.
    """
    params = params.for_time_limit(time_limit)
    seeds = [(seed + k * _SEED_STRIDE) % 2**32 for k in range(workers)]
    stop_at = deadline - _OVERHEAD_S
    if workers == 1:
        outcomes = [_search(data, params, seeds[0], stop_at, max_iterations)]
    else:
        # fork: the children inherit the imported modules and the data, so they start at once.
        ctx = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
            futures = [
                pool.submit(_search, data, params, s, stop_at, max_iterations) for s in seeds
            ]
            outcomes = [f.result() for f in futures]
    best = min(range(len(outcomes)), key=lambda k: (not outcomes[k].feasible, outcomes[k].cost, k))
    return outcomes[best]
