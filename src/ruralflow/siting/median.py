"""Median and centre models: p-median (minisum) and p-center (minimax)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, replace

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
    site_rules,
    vector,
)
from ruralflow.siting._milp import (
    Block,
    FloatArray,
    IntArray,
    MilpOutcome,
    make_result,
    no_solution_result,
    rows,
    solve_milp,
)
from ruralflow.siting.errors import (
    InfeasibleSitingError,
    SitingInputError,
    SolverFailedError,
)
from ruralflow.siting.result import SitingResult, SolverOptions

__all__ = ["p_center", "p_median"]


def _check_p(p: int, m: int, rules: SiteRules) -> None:
    if p < 1:
        raise SitingInputError(f"p must be >= 1 (got {p})")
    if p > m:
        raise InfeasibleSitingError(f"p = {p} sites requested but only {m} candidate sites")
    if rules.existing.size > p:
        raise InfeasibleSitingError(
            f"p = {p} sites but {rules.existing.size} existing sites must stay open"
        )


def _check_reachable(d: FloatArray, need: NDArray[np.bool_], cids: tuple[str, ...] | None) -> None:
    lonely = np.flatnonzero(need & ~np.isfinite(d).any(axis=1))
    if lonely.size:
        shown = ", ".join(label(cids, int(i), "client") for i in lonely[:5])
        raise InfeasibleSitingError(
            f"{lonely.size} demand point(s) cannot reach any candidate site: {shown}"
        )


def _greedy_median(wd: FloatArray, p: int, rules: SiteRules) -> NDArray[np.bool_] | None:
    """Greedy add (Kuehn & Hamburger): open the site that most reduces the weighted distance."""
    n, m = wd.shape
    chosen = np.zeros(m, dtype=bool)
    chosen[rules.existing] = True
    cur = wd[:, chosen].min(axis=1) if chosen.any() else np.full(n, np.inf)
    big = np.where(np.isfinite(wd), wd, np.nan)
    cap = float(np.nanmax(big)) * max(n, 1) * 10.0 + 1.0 if np.isfinite(big).any() else 1.0
    while int(chosen.sum()) < p:
        total = np.minimum(np.minimum(cur, cap)[:, None], np.minimum(wd, cap)).sum(axis=0)
        total[chosen] = np.inf
        pick = -1
        for j in np.argsort(total, kind="stable"):
            if chosen[j]:
                break
            if rules.affordable(chosen, int(j)):
                pick = int(j)
                break
        if pick < 0:
            return None
        chosen[pick] = True
        cur = np.minimum(cur, wd[:, pick])
    if not np.isfinite(cur).all():
        return None
    return chosen


def _pair_start(
    ci: IntArray, sj: IntArray, pair_cost: FloatArray, is_open: NDArray[np.bool_], n: int
) -> FloatArray | None:
    """x for "each client to its cheapest open site among its pairs" (None if one has none)."""
    val = np.where(is_open[sj], pair_cost, np.inf)
    order = np.lexsort((val, ci))
    first = order[np.unique(ci[order], return_index=True)[1]]
    if first.size != n or not np.isfinite(val[first]).all():
        return None
    x = np.zeros(ci.shape[0])
    x[first] = 1.0
    return x


@dataclass(frozen=True, slots=True)
class _RadiusModel:
    """Elloumi's p-median formulation, with its rows written as differences (see p_median)."""

    cost: FloatArray
    upper: FloatArray
    offset: float
    blocks: list[Block]
    order: IntArray  # clients x kept ranks: site index
    valid: NDArray[np.bool_]  # kept (rank, site) entries
    last_of_level: NDArray[np.bool_]  # the last rank of each distance level
    last_z: NDArray[np.bool_]  # per z column: is it the client's last level (fixed 0)

    def start(self, is_open: NDArray[np.bool_]) -> FloatArray | None:
        """Column values for the open sites ``is_open`` (None if a client has no kept site)."""
        opened = is_open[self.order] & self.valid
        served = np.cumsum(opened, axis=1)[self.last_of_level]
        z = np.maximum(0.0, 1.0 - served)
        if (z[self.last_z] > 0).any():
            return None
        return np.concatenate([is_open.astype(np.float64), z])


def _radius_model(d: FloatArray, w: FloatArray, p: int, rules: SiteRules) -> _RadiusModel:
    n, m = d.shape
    order = np.argsort(d, axis=1, kind="stable")[:, : m - p + 1].astype(np.int64)
    ds = np.take_along_axis(d, order, axis=1)
    valid = np.isfinite(ds)
    if rules.existing.size:
        valid &= ds <= d[:, rules.existing].min(axis=1)[:, None]
    new_level = valid.copy()
    new_level[:, 1:] &= ds[:, 1:] != ds[:, :-1]
    nxt = np.ones_like(valid)
    nxt[:, :-1] = new_level[:, 1:] | ~valid[:, 1:]
    last_of_level = valid & nxt
    levels = new_level.sum(axis=1)
    first = np.r_[0, np.cumsum(levels)[:-1]]  # first z column (after the m y's) per client
    nz = int(levels.sum())
    client = np.repeat(np.arange(n), levels)
    k = np.arange(nz) - first[client]
    last_z = k == levels[client] - 1
    value = ds[new_level]  # level distances, client by client, increasing
    step = np.zeros(nz)
    step[:-1] = value[1:] - value[:-1]
    step[last_z] = 0.0
    cost = np.r_[np.zeros(m), w[client] * step]
    offset = float((w[client] * value)[k == 0].sum())
    level = np.cumsum(new_level, axis=1) - 1
    rr, cc = np.nonzero(valid)
    y_rows = first[rr] + level[rr, cc]
    back = np.flatnonzero(k >= 1)
    a = sp.csr_matrix(
        (
            np.r_[np.ones(rr.size), np.ones(nz), -np.ones(back.size)],
            (
                np.r_[y_rows, np.arange(nz), back],
                np.r_[order[rr, cc], m + np.arange(nz), m + back - 1],
            ),
        ),
        shape=(nz, m + nz),
    )
    count = sp.csr_matrix(np.r_[np.ones(m), np.zeros(nz)][None, :])
    upper = np.r_[np.ones(m), np.where(last_z, 0.0, np.inf)]
    return _RadiusModel(
        cost=cost,
        upper=upper,
        offset=offset,
        blocks=[rows(a, np.where(k == 0, 1.0, 0.0), np.inf), rows(count, p, p)],
        order=order,
        valid=valid,
        last_of_level=last_of_level,
        last_z=last_z,
    )


def p_median(
    distance: ArrayLike,
    p: int,
    *,
    weights: ArrayLike | None = None,
    existing: Sequence[int] | ArrayLike | None = None,
    site_cost: ArrayLike | None = None,
    budget: float | None = None,
    site_ids: Sequence[str] | None = None,
    client_ids: Sequence[str] | None = None,
    options: SolverOptions | None = None,
) -> SitingResult:
    r"""p-median (Hakimi 1964; ReVelle & Swain 1970): minimise total weighted distance.

    Symbols: clients :math:`i` with weight :math:`w_i`, candidate sites :math:`j`, distance
    :math:`d_{ij}` (``inf`` = unreachable), existing sites :math:`E`, site cost :math:`c_j`,
    budget :math:`B`; :math:`y_j \in \{0,1\}` opens site :math:`j`. The classic model, with
    :math:`x_{ij} \ge 0` the share of :math:`i` served by :math:`j`, is

    .. math::

        \min \sum_{i,j} w_i d_{ij} x_{ij} \quad\text{s.t.}\quad
        \sum_j x_{ij} = 1 \;\forall i, \quad
        x_{ij} \le y_j \;\forall i,j, \quad
        \sum_j y_j = p, \quad
        \sum_j c_j y_j \le B, \quad
        y_j = 1 \;\forall j \in E.

    It is solved in the equivalent radius formulation of Elloumi (2010), which has the same LP
    bound as the strong linking :math:`x_{ij} \le y_j` above but one row per *distinct*
    distance of a client instead of one per site. Let :math:`D_i^0 < D_i^1 < \dots <
    D_i^{L_i-1}` be the distinct distances from :math:`i` to its kept sites and
    :math:`z_i^k \in [0, 1]` say ":math:`i` is not served within :math:`D_i^k`":

    .. math::

        \min \sum_i w_i \Big(D_i^0 + \sum_{k<L_i-1} (D_i^{k+1} - D_i^k)\, z_i^k\Big)
        \quad\text{s.t.}\quad
        z_i^0 + \sum_{j: d_{ij} = D_i^0} y_j \ge 1, \quad
        z_i^k - z_i^{k-1} + \sum_{j: d_{ij} = D_i^k} y_j \ge 0 \;(k \ge 1), \quad
        z_i^{L_i-1} = 0,

    with the same count, budget and existing-site constraints. Summing the difference rows
    gives Elloumi's :math:`z_i^k \ge 1 - \sum_{j: d_{ij} \le D_i^k} y_j`, so each
    :math:`(i, j)` pair is one nonzero. Reductions that keep every optimum: clients with zero
    weight are left out; since exactly :math:`p` sites are open, at least one of any
    :math:`m-p+1` sites is open, so only the :math:`m-p+1` nearest sites of each client are
    kept; with existing sites open, no client needs a site farther than its nearest existing
    one. A greedy solution is HiGHS's first incumbent (and the answer if the time limit strikes
    first). The objective is recomputed from the open sites (each client to its nearest).
    """
    started = time.perf_counter()
    opts = options_or_default(options)
    d = cost_matrix("distance", distance)
    n, m = d.shape
    w = vector("weights", weights, n, 1.0)
    sids = labels("site_ids", site_ids, m)
    cids = labels("client_ids", client_ids, n)
    rules = site_rules(m, existing, site_cost, budget)
    _check_p(p, m, rules)
    need = w > 0
    _check_reachable(d, need, cids)
    clients = np.flatnonzero(need)
    sub = d[clients]
    sw = w[clients]
    nk = clients.size
    model = _radius_model(sub, sw, p, rules)
    greedy = _greedy_median(sw[:, None] * sub, p, rules)
    start = None if greedy is None else model.start(greedy)
    m_cols = model.cost.shape[0]
    outcome = solve_milp(
        model.cost,
        np.r_[rules.col_lower(m), np.zeros(m_cols - m)],
        model.upper,
        np.r_[np.ones(m, dtype=bool), np.zeros(m_cols - m, dtype=bool)],
        [*model.blocks, *rules.blocks(m, m_cols)],
        sense="min",
        options=opts,
        start=start,
        offset=model.offset,
        known_bound=model.offset,
    )
    notes = [
        f"radius formulation: {m_cols - m} distance-level variables "
        f"(classic model: {nk * m} assignment variables)"
    ]
    if outcome.status == "infeasible":
        budget_txt = fmt(rules.budget) if rules.budget is not None else "none"
        raise InfeasibleSitingError(
            f"p-median is infeasible: p = {p}, {rules.existing.size} existing sites, "
            f"budget {budget_txt}"
        )
    if outcome.x is None:
        return no_solution_result(
            "p_median", outcome, sense="min", started=started, site_ids=sids, notes=notes
        )
    is_open = outcome.x[:m] > 0.5
    assignment, near = nearest_open(d, is_open)
    assignment[~need] = -1
    objective = float((w[need] * near[need]).sum())
    metrics = {
        "total_weighted_distance": objective,
        "mean_distance": objective / float(w.sum()) if w.sum() > 0 else 0.0,
        "max_distance": float(near[need].max()),
        "sites_open": float(is_open.sum()),
    }
    if rules.site_cost is not None:
        metrics["site_cost"] = float(rules.site_cost[is_open].sum())
    return make_result(
        "p_median",
        outcome,
        sense="min",
        started=started,
        open_sites=np.flatnonzero(is_open),
        assignment=assignment,
        site_ids=sids,
        metrics=metrics,
        notes=notes,
        objective=objective,
    )


def _greedy_center(d: FloatArray, p: int, rules: SiteRules) -> NDArray[np.bool_] | None:
    """Farthest-first (Gonzalez 1985): open the site nearest to the worst-served client."""
    m = d.shape[1]
    chosen = np.zeros(m, dtype=bool)
    chosen[rules.existing] = True
    if not chosen.any():
        first = int(np.argmin(d.max(axis=0)))
        if not rules.affordable(chosen, first):
            return None
        chosen[first] = True
    cur = d[:, chosen].min(axis=1)
    while int(chosen.sum()) < p:
        worst = int(np.argmax(cur))
        if cur[worst] == 0:
            break
        pick = -1
        for j in np.argsort(d[worst], kind="stable"):
            if not chosen[j] and rules.affordable(chosen, int(j)):
                pick = int(j)
                break
        if pick < 0:
            break
        chosen[pick] = True
        cur = np.minimum(cur, d[:, pick])
    return chosen if np.isfinite(cur).all() else None


def p_center(
    distance: ArrayLike,
    p: int,
    *,
    weights: ArrayLike | None = None,
    existing: Sequence[int] | ArrayLike | None = None,
    site_cost: ArrayLike | None = None,
    budget: float | None = None,
    site_ids: Sequence[str] | None = None,
    client_ids: Sequence[str] | None = None,
    options: SolverOptions | None = None,
) -> SitingResult:
    r"""p-center (minimax): open at most p sites so the farthest client is as near as possible.

    Symbols as in :func:`p_median`; clients with zero weight do not count. The model is

    .. math::

        \min r \quad\text{s.t.}\quad
        \sum_{j : d_{ij} \le r} y_j \ge 1 \;\forall i, \quad
        \sum_j y_j \le p, \quad
        \sum_j c_j y_j \le B, \quad
        y_j = 1 \;\forall j \in E, \quad y_j \in \{0,1\},

    solved exactly as a sequence of set-covering feasibility MILPs (Minieka 1970; Daskin
    1995): the optimal :math:`r` is one of the distinct distances :math:`D_1 < D_2 < \dots`;
    binary search between the lower bound :math:`\max_i \min_j d_{ij}` and the radius of a
    farthest-first solution, asking HiGHS at each step whether :math:`p` sites can cover every
    client within :math:`D_k`. A "yes" lowers the upper bound to the radius actually reached, a
    proven "no" raises the lower bound. ``best_bound`` is the proven lower bound; if the time
    limit stops the search the result is ``time_limit`` with the best radius found and its gap.
    """
    started = time.perf_counter()
    opts = options_or_default(options)
    d = cost_matrix("distance", distance)
    n, m = d.shape
    w = vector("weights", weights, n, 1.0)
    sids = labels("site_ids", site_ids, m)
    cids = labels("client_ids", client_ids, n)
    rules = site_rules(m, existing, site_cost, budget)
    _check_p(p, m, rules)
    need = w > 0
    _check_reachable(d, need, cids)
    sub = d[need]
    values = np.unique(sub[np.isfinite(sub)])
    lo = int(np.searchsorted(values, sub.min(axis=1).max()))
    best = _greedy_center(sub, p, rules)
    hi = len(values) - 1
    if best is not None:
        hi = int(np.searchsorted(values, sub[:, best].min(axis=1).max()))
    status = "optimal"
    nodes = 0
    steps = 0
    deadline = None if opts.time_limit_s is None else started + opts.time_limit_s
    need_check_top = best is None
    while lo < hi or need_check_top:
        mid = hi if need_check_top else (lo + hi) // 2
        left = None if deadline is None else deadline - time.perf_counter()
        if left is not None and left <= 0:
            status = "time_limit"
            break
        a = np.unique(sub <= values[mid], axis=0)
        blocks: list[Block] = [
            rows(sp.csr_matrix(a.astype(np.float64)), 1.0, np.inf),
            rows(sp.csr_matrix(np.ones((1, m))), -np.inf, p),
            *rules.blocks(m, m),
        ]
        out = solve_milp(
            np.zeros(m),
            rules.col_lower(m),
            np.ones(m),
            np.ones(m, dtype=bool),
            blocks,
            sense="min",
            options=replace(opts, time_limit_s=left),
        )
        steps += 1
        nodes += out.nodes
        if out.x is not None and out.status in ("optimal", "time_limit"):
            best = out.x > 0.5
            hi = int(np.searchsorted(values, sub[:, best].min(axis=1).max()))
            need_check_top = False
        elif out.status == "infeasible":
            if need_check_top:
                budget_txt = fmt(rules.budget) if rules.budget is not None else "none"
                raise InfeasibleSitingError(
                    f"p-center is infeasible: no {p} sites reach every client "
                    f"(budget {budget_txt}, {rules.existing.size} existing sites)"
                )
            lo = mid + 1
        elif out.status == "time_limit":
            status = "time_limit"
            break
        else:
            raise SolverFailedError(f"HiGHS stopped with status {out.status} and no solution")
    notes = [f"{steps} set-covering feasibility MILP(s) solved"]
    if best is None:
        outcome = MilpOutcome(status, None, None, float(values[lo]), nodes)
        return make_result(
            "p_center",
            outcome,
            sense="min",
            started=started,
            open_sites=np.zeros(0, dtype=np.int64),
            site_ids=sids,
            notes=notes,
        )
    radius = float(sub[:, best].min(axis=1).max())
    if status == "optimal" and lo != hi:
        status = "time_limit"
    outcome = MilpOutcome(status, best.astype(np.float64), radius, float(values[lo]), nodes)
    assignment, near = nearest_open(d, best)
    assignment[~need] = -1
    metrics = {
        "radius": radius,
        "mean_distance": float(near[need].mean()),
        "sites_open": float(best.sum()),
    }
    return make_result(
        "p_center",
        outcome,
        sense="min",
        started=started,
        open_sites=np.flatnonzero(best),
        assignment=assignment,
        site_ids=sids,
        metrics=metrics,
        notes=notes,
    )
