"""Facility location with fixed costs: uncapacitated (UFL) and capacitated (CFL).

``assign_cost[i, j]`` is the cost of serving *all* of client ``i``'s demand from site ``j``
(transport, plus spoilage where the caller adds it); ``inf`` forbids the pair. This is the
OR-Library convention, so the published optima are reproduced as they are.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ruralflow.siting._common import (
    SiteRules,
    cost_matrix,
    fmt,
    label,
    labels,
    nearest_open,
    options_or_default,
    pair_blocks,
    site_rules,
    vector,
)
from ruralflow.siting._milp import (
    Block,
    FloatArray,
    make_result,
    no_solution_result,
    rows,
    solve_milp,
)
from ruralflow.siting.errors import (
    CapacityShortfallError,
    InfeasibleSitingError,
    SolverFailedError,
)
from ruralflow.siting.median import _check_reachable, _pair_start
from ruralflow.siting.result import SitingResult, SolverOptions

__all__ = ["capacitated_facility_location", "uncapacitated_facility_location"]


def _greedy_ufl(f: FloatArray, c: FloatArray, rules: SiteRules) -> NDArray[np.bool_] | None:
    """Greedy add: open the site that lowers fixed + assignment cost the most, while any does."""
    n, m = c.shape
    chosen = np.zeros(m, dtype=bool)
    chosen[rules.existing] = True
    finite = np.where(np.isfinite(c), c, np.nan)
    big = float(np.nanmax(finite)) * 10.0 * max(n, 1) + 1.0
    cc = np.where(np.isfinite(c), c, big)
    cur = cc[:, chosen].min(axis=1) if chosen.any() else np.full(n, big * 10.0)
    while True:
        total = f + np.minimum(cur[:, None], cc).sum(axis=0) - cur.sum()
        total[chosen] = np.inf
        pick = -1
        for j in np.argsort(total, kind="stable"):
            if not np.isfinite(total[j]) or (chosen.any() and total[j] >= 0):
                break
            if rules.affordable(chosen, int(j)):
                pick = int(j)
                break
        if pick < 0:
            break
        chosen[pick] = True
        cur = np.minimum(cur, cc[:, pick])
    if not chosen.any() or (cur >= big).any():
        return None
    return chosen


def uncapacitated_facility_location(
    fixed_cost: ArrayLike,
    assign_cost: ArrayLike,
    *,
    existing: Sequence[int] | ArrayLike | None = None,
    budget: float | None = None,
    max_sites: int | None = None,
    site_ids: Sequence[str] | None = None,
    client_ids: Sequence[str] | None = None,
    options: SolverOptions | None = None,
) -> SitingResult:
    r"""Uncapacitated facility location (Balinski 1965; Erlenkotter 1978).

    Symbols: sites :math:`j` with fixed cost :math:`f_j`, clients :math:`i`, :math:`c_{ij}` the
    cost of serving all of :math:`i` from :math:`j`, existing sites :math:`E`, budget
    :math:`B` on fixed cost, at most :math:`P_{\max}` sites. Variables :math:`y_j \in \{0,1\}`,
    :math:`x_{ij} \ge 0`.

    .. math::

        \min \sum_j f_j y_j + \sum_{i,j} c_{ij} x_{ij} \quad\text{s.t.}\quad
        \sum_j x_{ij} = 1, \quad
        x_{ij} \le y_j, \quad
        \sum_j f_j y_j \le B, \quad
        \sum_j y_j \le P_{\max}, \quad
        y_j = 1 \;(j \in E).

    Strong linking :math:`x_{ij} \le y_j`; with existing sites open, pairs costlier than the
    client's cheapest existing site are left out. A greedy-add solution is the first incumbent.
    """
    started = time.perf_counter()
    opts = options_or_default(options)
    c = cost_matrix("assign_cost", assign_cost)
    n, m = c.shape
    f = vector("fixed_cost", fixed_cost, m, 0.0)
    sids = labels("site_ids", site_ids, m)
    cids = labels("client_ids", client_ids, n)
    rules = site_rules(m, existing, f, budget, max_sites, cost_name="fixed_cost")
    _check_reachable(c, np.ones(n, dtype=bool), cids)
    mask = np.isfinite(c)
    if rules.existing.size:
        mask &= c <= c[:, rules.existing].min(axis=1)[:, None]
    ci, sj = np.nonzero(mask)
    ci, sj = ci.astype(np.int64), sj.astype(np.int64)
    pc = c[ci, sj]
    n_cols = m + ci.size
    assign, link = pair_blocks(ci, sj, n, m, n_cols)
    blocks: list[Block] = [assign, link, *rules.blocks(m, n_cols)]
    greedy = _greedy_ufl(f, c, rules)
    start = None
    if greedy is not None:
        xs = _pair_start(ci, sj, pc, greedy, n)
        start = None if xs is None else np.r_[greedy.astype(np.float64), xs]
    outcome = solve_milp(
        np.r_[f, pc],
        np.r_[rules.col_lower(m), np.zeros(ci.size)],
        np.ones(n_cols),
        np.r_[np.ones(m, dtype=bool), np.zeros(ci.size, dtype=bool)],
        blocks,
        sense="min",
        options=opts,
        start=start,
        known_bound=float(c.min(axis=1).sum() + f[rules.existing].sum()),
    )
    if outcome.status == "infeasible":
        raise InfeasibleSitingError(
            "uncapacitated facility location is infeasible: "
            f"budget {fmt(budget) if budget is not None else 'none'}, "
            f"at most {max_sites if max_sites is not None else m} sites, "
            f"{rules.existing.size} existing sites"
        )
    if outcome.x is None:
        return no_solution_result(
            "uncapacitated_facility_location", outcome, sense="min", started=started, site_ids=sids
        )
    is_open = outcome.x[:m] > 0.5
    assignment, cost_i = nearest_open(c, is_open)
    fixed = float(f[is_open].sum())
    transport = float(cost_i.sum())
    metrics = {
        "fixed_cost": fixed,
        "assignment_cost": transport,
        "sites_open": float(is_open.sum()),
    }
    return make_result(
        "uncapacitated_facility_location",
        outcome,
        sense="min",
        started=started,
        open_sites=np.flatnonzero(is_open),
        assignment=assignment,
        site_ids=sids,
        metrics=metrics,
        objective=fixed + transport,
    )


def _capacity_checks(
    s: FloatArray,
    d: FloatArray,
    c: FloatArray,
    rules: SiteRules,
    single_source: bool,
    cids: tuple[str, ...] | None,
) -> None:
    total_d = float(d.sum())
    total_s = float(s.sum())
    if total_s < total_d:
        raise CapacityShortfallError(
            f"total capacity {fmt(total_s)} < total demand {fmt(total_d)}"
        )
    if rules.max_sites is not None:
        top = float(np.sort(s)[::-1][: rules.max_sites].sum())
        if top < total_d:
            raise CapacityShortfallError(
                f"the {rules.max_sites} largest sites hold capacity {fmt(top)} "
                f"< total demand {fmt(total_d)}"
            )
    if rules.budget is not None and rules.site_cost is not None:
        # Fractional knapsack: the most capacity any choice within budget can open.
        f = rules.site_cost
        forced = np.zeros(s.shape[0], dtype=bool)
        forced[rules.existing] = True
        left = rules.budget - float(f[forced].sum())
        got = float(s[forced].sum())
        free = np.flatnonzero(~forced)
        ratio = np.where(f[free] > 0, s[free] / np.maximum(f[free], 1e-300), np.inf)
        for j in free[np.argsort(-ratio, kind="stable")]:
            if f[j] <= left:
                got += float(s[j])
                left -= float(f[j])
            else:
                got += float(s[j]) * left / float(f[j])
                break
        if got < total_d - 1e-9:
            raise CapacityShortfallError(
                f"within budget {fmt(rules.budget)} at most capacity {fmt(got)} can be opened "
                f"< total demand {fmt(total_d)}"
            )
    if single_source:
        reach = np.where(np.isfinite(c), s[None, :], 0.0).max(axis=1)
        bad = np.flatnonzero(d > reach)
        if bad.size:
            i = int(bad[0])
            raise CapacityShortfallError(
                f"{bad.size} demand point(s) exceed every reachable site's capacity with "
                f"single-source assignment: {label(cids, i, 'client')} demand {fmt(d[i])} "
                f"> largest capacity {fmt(reach[i])}"
            )


def capacitated_facility_location(
    fixed_cost: ArrayLike,
    capacity: ArrayLike,
    demand: ArrayLike,
    assign_cost: ArrayLike,
    *,
    single_source: bool = False,
    existing: Sequence[int] | ArrayLike | None = None,
    budget: float | None = None,
    max_sites: int | None = None,
    site_ids: Sequence[str] | None = None,
    client_ids: Sequence[str] | None = None,
    options: SolverOptions | None = None,
) -> SitingResult:
    r"""Capacitated facility location (Beasley 1988 data convention).

    Symbols as in :func:`uncapacitated_facility_location`, plus demand :math:`d_i` and capacity
    :math:`s_j`; :math:`x_{ij}` is the share of :math:`i`'s demand served from :math:`j`
    (continuous in :math:`[0,1]`: split assignment, or binary with ``single_source=True``).

    .. math::

        \min \sum_j f_j y_j + \sum_{i,j} c_{ij} x_{ij} \quad\text{s.t.}\quad
        \sum_j x_{ij} = 1, \quad
        \sum_i d_i x_{ij} \le s_j y_j, \quad
        x_{ij} \le y_j, \quad
        \sum_j s_j y_j \ge \sum_i d_i,

        \sum_j f_j y_j \le B, \quad \sum_j y_j \le P_{\max}, \quad y_j = 1 \;(j \in E).

    :math:`x_{ij} \le y_j` and the capacity-cover row do not change the optimum but tighten the
    LP bound a great deal. Inputs that cannot be served raise :class:`CapacityShortfallError`
    with the numbers: total capacity below total demand, the largest ``max_sites`` sites or the
    capacity affordable within the budget below demand, or (single source) a client larger than
    every site it can reach.
    """
    started = time.perf_counter()
    opts = options_or_default(options)
    c = cost_matrix("assign_cost", assign_cost)
    n, m = c.shape
    f = vector("fixed_cost", fixed_cost, m, 0.0)
    s = vector("capacity", capacity, m, 0.0)
    d = vector("demand", demand, n, 0.0)
    sids = labels("site_ids", site_ids, m)
    cids = labels("client_ids", client_ids, n)
    rules = site_rules(m, existing, f, budget, max_sites, cost_name="fixed_cost")
    _check_reachable(c, np.ones(n, dtype=bool), cids)
    _capacity_checks(s, d, c, rules, single_source, cids)
    ci, sj = np.nonzero(np.isfinite(c))
    ci, sj = ci.astype(np.int64), sj.astype(np.int64)
    k = ci.size
    pc = c[ci, sj]
    n_cols = m + k
    assign, link = pair_blocks(ci, sj, n, m, n_cols)
    cap_rows = sp.csr_matrix(
        (np.r_[d[ci], -s], (np.r_[sj, np.arange(m)], np.r_[m + np.arange(k), np.arange(m)])),
        shape=(m, n_cols),
    )
    cover = sp.csr_matrix(np.r_[s, np.zeros(k)][None, :])
    blocks: list[Block] = [
        assign,
        link,
        rows(cap_rows, -np.inf, 0.0),
        rows(cover, float(d.sum()), np.inf),
        *rules.blocks(m, n_cols),
    ]
    integer = np.r_[np.ones(m, dtype=bool), np.full(k, single_source, dtype=bool)]
    outcome = solve_milp(
        np.r_[f, pc],
        np.r_[rules.col_lower(m), np.zeros(k)],
        np.ones(n_cols),
        integer,
        blocks,
        sense="min",
        options=opts,
        known_bound=float(c.min(axis=1).sum() + f[rules.existing].sum()),
    )
    model = "capacitated_facility_location"
    if outcome.status == "infeasible":
        raise CapacityShortfallError(
            f"capacitated facility location is infeasible: total demand {fmt(float(d.sum()))}, "
            f"total capacity {fmt(float(s.sum()))}, "
            f"budget {fmt(budget) if budget is not None else 'none'}, "
            f"at most {max_sites if max_sites is not None else m} sites, "
            f"{'single' if single_source else 'split'} assignment"
        )
    if outcome.x is None:
        if outcome.status == "time_limit":
            return make_result(
                model,
                outcome,
                sense="min",
                started=started,
                open_sites=np.zeros(0, dtype=np.int64),
                site_ids=sids,
            )
        raise SolverFailedError(f"HiGHS stopped with status {outcome.status} and no solution")
    is_open = outcome.x[:m] > 0.5
    share = np.clip(outcome.x[m:], 0.0, 1.0)
    used = share > 1e-9
    if single_source:
        share = np.where(share > 0.5, 1.0, 0.0)
        used = share > 0
    flows = sp.csr_matrix((share[used], (ci[used], sj[used])), shape=(n, m))
    assignment = np.asarray(flows.argmax(axis=1)).reshape(-1).astype(np.int64)
    fixed = float(f[is_open].sum())
    transport = float(pc @ share)
    load = np.asarray(flows.T @ d).reshape(-1)
    open_cap = float(s[is_open].sum())
    metrics = {
        "fixed_cost": fixed,
        "assignment_cost": transport,
        "sites_open": float(is_open.sum()),
        "total_demand": float(d.sum()),
        "open_capacity": open_cap,
        "utilisation": float(load.sum()) / open_cap if open_cap > 0 else 0.0,
    }
    allocation: tuple[tuple[int, int, float], ...] = ()
    if not single_source:
        allocation = tuple(
            (int(i), int(j), float(v))
            for i, j, v in zip(ci[used], sj[used], share[used], strict=True)
        )
    return make_result(
        model,
        outcome,
        sense="min",
        started=started,
        open_sites=np.flatnonzero(is_open),
        assignment=assignment,
        site_ids=sids,
        allocation=allocation,
        metrics=metrics,
    )
