"""PyVRP's iterated local search with a penalty manager set by the caller.

``pyvrp.solve`` (0.14) always starts every penalty at the midpoint of ``PenaltyParams``'
bounds (50,000 per unit by default), whatever the data's units. Our two routing users scale
their data differently (the planner to micro-yuan, the benchmarks to exact integers per
family), so each builds its own :class:`~pyvrp.PenaltyManager`; everything else is
``pyvrp.solve``'s recipe, in its order of random draws.
"""

from __future__ import annotations

from pyvrp import (
    IteratedLocalSearch,
    PenaltyManager,
    ProblemData,
    RandomNumberGenerator,
    Result,
    Solution,
    SolveParams,
)
from pyvrp.search import LocalSearch, PerturbationManager, compute_neighbours
from pyvrp.stop import StoppingCriterion

__all__ = ["solve_with_penalties"]


def solve_with_penalties(
    data: ProblemData,
    params: SolveParams,
    penalty_manager: PenaltyManager,
    stop: StoppingCriterion,
    seed: int,
    initial_solution: Solution | None = None,
) -> Result:
    """``pyvrp.solve(data, stop, seed, collect_stats=False, params=params,
    initial_solution=...)``, except that ``penalty_manager`` manages the penalties
    (``params.penalty`` is not used)."""
    rng = RandomNumberGenerator(seed=seed)
    neighbours = compute_neighbours(data, params.neighbourhood)
    ls = LocalSearch(data, rng, neighbours, PerturbationManager(params.perturbation))
    for op in params.operators:
        if op.supports(data):
            ls.add_operator(op(data))
    pm = penalty_manager
    init = initial_solution
    if init is None:
        init = ls(Solution.make_random(data, rng), pm.max_cost_evaluator(), exhaustive=True)
    algo = IteratedLocalSearch(data, pm, ls, init, params.ils)
    return algo.run(stop, collect_stats=False, display=False)
