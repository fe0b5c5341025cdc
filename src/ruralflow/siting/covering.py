"""Covering models: maximal covering (MCLP) and location set covering (LSCP).

Inputs are a distance matrix ``distance[i, j]`` from demand point (client) ``i`` to candidate
site ``j`` (any unit; the default radius is in metres: the paper's two kilometres), and
``weights[i]`` (households). Site ``j`` covers client ``i`` when ``distance[i, j] <= radius``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ruralflow.siting._common import (
    DEFAULT_RADIUS_M,
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
    make_result,
    no_solution_result,
    rows,
    solve_milp,
)
from ruralflow.siting.errors import (
    CoverageInfeasibleError,
    InfeasibleSitingError,
    SitingInputError,
)
from ruralflow.siting.result import SitingResult, SolverOptions

__all__ = ["coverage", "maximal_covering", "set_covering"]


def coverage(
    distance: ArrayLike,
    open_sites: Sequence[int] | ArrayLike,
    *,
    weights: ArrayLike | None = None,
    radius: float = DEFAULT_RADIUS_M,
) -> tuple[float, float]:
    """Covered weight and covered share when ``open_sites`` are open.

    Use it for "coverage before" (existing stations only) and "after" (a model's answer).
    Returns ``(covered_weight, covered_weight / total_weight)``; the share is 0 for zero weight.
    """
    d = cost_matrix("distance", distance)
    w = vector("weights", weights, d.shape[0], 1.0)
    sel = np.zeros(d.shape[1], dtype=bool)
    sel[np.asarray(open_sites, dtype=np.int64)] = True
    covered = (d[:, sel] <= radius).any(axis=1) if sel.any() else np.zeros(d.shape[0], bool)
    total = float(w.sum())
    got = float(w[covered].sum())
    return got, (got / total if total > 0 else 0.0)


def _cover_matrix(d: FloatArray, radius: float) -> NDArray[np.bool_]:
    if not np.isfinite(radius) or radius < 0:
        raise SitingInputError(f"radius must be finite and >= 0 (got {radius!r})")
    return d <= radius


def _merge_rows(
    a: NDArray[np.bool_], w: FloatArray
) -> tuple[NDArray[np.bool_], FloatArray, IntArray]:
    """Merge clients with identical coverage sets (their weights add up)."""
    uniq, inverse = np.unique(a, axis=0, return_inverse=True)
    merged_w = np.bincount(inverse.reshape(-1), weights=w, minlength=uniq.shape[0]).astype(
        np.float64
    )
    return uniq, merged_w, inverse.reshape(-1).astype(np.int64)


def _assignment(d: FloatArray, is_open: NDArray[np.bool_], radius: float) -> IntArray:
    j, dist = nearest_open(d, is_open)
    j[dist > radius] = -1
    return j


def _greedy_cover(
    a: NDArray[np.bool_], w: FloatArray, rules: SiteRules, p: int | None
) -> NDArray[np.bool_]:
    """Greedy: add the affordable site covering the most uncovered weight (per unit cost)."""
    m = a.shape[1]
    chosen = np.zeros(m, dtype=bool)
    chosen[rules.existing] = True
    covered = a[:, chosen].any(axis=1)
    af = a.astype(np.float64)
    while p is None or int(chosen.sum()) < p:
        gain = (w * ~covered) @ af
        if rules.site_cost is not None and p is None:
            gain = gain / np.maximum(rules.site_cost, 1e-12)
        gain[chosen] = -1.0
        order = np.argsort(-gain, kind="stable")
        pick = next(
            (int(j) for j in order if gain[j] > 0 and rules.affordable(chosen, int(j))), -1
        )
        if pick < 0:
            break
        chosen[pick] = True
        covered |= a[:, pick]
    return chosen


def maximal_covering(
    distance: ArrayLike,
    p: int,
    *,
    weights: ArrayLike | None = None,
    radius: float = DEFAULT_RADIUS_M,
    existing: Sequence[int] | ArrayLike | None = None,
    site_cost: ArrayLike | None = None,
    budget: float | None = None,
    site_ids: Sequence[str] | None = None,
    client_ids: Sequence[str] | None = None,
    options: SolverOptions | None = None,
) -> SitingResult:
    r"""Maximal covering location problem (Church & ReVelle 1974): cover the most weight.

    Symbols: clients :math:`i \in I` with weight :math:`w_i` (households), candidate sites
    :math:`j \in J`, :math:`N_i = \{j : d_{ij} \le r\}` the sites within radius :math:`r` of
    :math:`i`, :math:`E \subseteq J` existing sites, site cost :math:`c_j`, budget :math:`B`.
    Variables: :math:`y_j \in \{0,1\}` (site open), :math:`z_i \in [0,1]` (client covered).

    .. math::

        \max \sum_i w_i z_i \quad\text{s.t.}\quad
        z_i \le \sum_{j \in N_i} y_j \;\forall i, \quad
        \sum_j y_j \le p, \quad
        \sum_j c_j y_j \le B, \quad
        y_j = 1 \;\forall j \in E.

    At most ``p`` sites are open in total, existing ones included (opening more never lowers
    coverage, so the optimum equals that of exactly ``p``). :math:`z` may stay continuous: for
    integer :math:`y` an optimal :math:`z` is 0/1. Reductions before solving: clients with zero
    weight or no site within reach are left out (reported in the notes), clients already covered
    by an existing site are fixed covered, and clients with identical :math:`N_i` are merged.

    The objective is the covered weight; ``metrics`` also gives the coverage share, the weight
    covered by the existing sites alone (coverage before) and the weight no site can reach.
    """
    started = time.perf_counter()
    opts = options_or_default(options)
    d = cost_matrix("distance", distance)
    n, m = d.shape
    w = vector("weights", weights, n, 1.0)
    sids = labels("site_ids", site_ids, m)
    labels("client_ids", client_ids, n)
    rules = site_rules(m, existing, site_cost, budget, max_sites=None)
    if p < 0:
        raise SitingInputError(f"p must be >= 0 (got {p})")
    if rules.existing.size > p:
        raise CoverageInfeasibleError(
            f"p = {p} sites but {rules.existing.size} existing sites must stay open"
        )
    a = _cover_matrix(d, radius)
    total = float(w.sum())
    reachable = a.any(axis=1)
    unreachable_w = float(w[~reachable].sum())
    before = a[:, rules.existing].any(axis=1) if rules.existing.size else np.zeros(n, bool)
    before_w = float(w[before].sum())
    keep = reachable & ~before & (w > 0)
    notes: list[str] = []
    if (~reachable & (w > 0)).any():
        notes.append(
            f"{int((~reachable & (w > 0)).sum())} demand point(s) with weight "
            f"{fmt(unreachable_w)} have no candidate site within {fmt(radius)}"
        )
    sub_a, sub_w, _ = _merge_rows(a[keep], w[keep])
    k = sub_a.shape[0]
    n_cols = m + k
    rr, cc = np.nonzero(sub_a)
    # z_g - sum_{j in N_g} y_j <= 0
    cover = sp.csr_matrix(
        (
            np.concatenate([np.ones(k), -np.ones(rr.size)]),
            (np.concatenate([np.arange(k), rr]), np.concatenate([m + np.arange(k), cc])),
        ),
        shape=(k, n_cols),
    )
    blocks: list[Block] = [rows(cover, -np.inf, 0.0)]
    blocks.append(rows(sp.csr_matrix(np.r_[np.ones(m), np.zeros(k)][None, :]), -np.inf, p))
    blocks.extend(rules.blocks(m, n_cols))
    cost = np.r_[np.zeros(m), sub_w]
    lower = np.r_[rules.col_lower(m), np.zeros(k)]
    upper = np.ones(n_cols)
    integer = np.r_[np.ones(m, dtype=bool), np.zeros(k, dtype=bool)]
    greedy = _greedy_cover(sub_a, sub_w, rules, p)
    start = np.r_[greedy.astype(np.float64), (sub_a[:, greedy].any(axis=1)).astype(np.float64)]
    outcome = solve_milp(
        cost,
        lower,
        upper,
        integer,
        blocks,
        sense="max",
        options=opts,
        start=start,
        offset=before_w,
        known_bound=before_w + float(sub_w.sum()),
    )
    if outcome.status == "infeasible":
        raise InfeasibleSitingError(
            f"maximal covering is infeasible: p = {p}, {rules.existing.size} existing sites, "
            f"budget {fmt(rules.budget) if rules.budget is not None else 'none'}"
        )
    if outcome.x is None:
        return no_solution_result(
            "maximal_covering", outcome, sense="max", started=started, site_ids=sids, notes=notes
        )
    is_open = outcome.x[:m] > 0.5
    assignment = _assignment(d, is_open, radius)
    covered_w = float(w[assignment >= 0].sum())
    metrics = {
        "covered_weight": covered_w,
        "total_weight": total,
        "coverage_share": covered_w / total if total > 0 else 0.0,
        "covered_weight_before": before_w,
        "coverage_share_before": before_w / total if total > 0 else 0.0,
        "unreachable_weight": unreachable_w,
        "sites_open": float(is_open.sum()),
        "radius": float(radius),
    }
    if rules.site_cost is not None:
        metrics["site_cost"] = float(rules.site_cost[is_open].sum())
    return make_result(
        "maximal_covering",
        outcome,
        sense="max",
        started=started,
        open_sites=np.flatnonzero(is_open),
        assignment=assignment,
        site_ids=sids,
        metrics=metrics,
        notes=notes,
        objective=covered_w,
    )


def set_covering(
    distance: ArrayLike,
    *,
    radius: float = DEFAULT_RADIUS_M,
    weights: ArrayLike | None = None,
    site_cost: ArrayLike | None = None,
    existing: Sequence[int] | ArrayLike | None = None,
    budget: float | None = None,
    max_sites: int | None = None,
    site_ids: Sequence[str] | None = None,
    client_ids: Sequence[str] | None = None,
    options: SolverOptions | None = None,
) -> SitingResult:
    r"""Location set covering problem (Toregas et al. 1971): fewest (cheapest) sites covering all.

    Symbols as in :func:`maximal_covering`; :math:`c_j` is the site cost (1 for every site by
    default, so the objective is the number of sites). Every client with positive weight (all
    clients when ``weights`` is not given) must be covered:

    .. math::

        \min \sum_j c_j y_j \quad\text{s.t.}\quad
        \sum_{j \in N_i} y_j \ge 1 \;\forall i: w_i > 0, \quad
        \sum_j c_j y_j \le B, \quad
        \sum_j y_j \le P_{\max}, \quad
        y_j = 1 \;\forall j \in E, \quad y_j \in \{0,1\}.

    Clients covered by an existing site are dropped and identical rows merged before solving.
    A client with no candidate site within the radius makes the problem infeasible: a
    :class:`CoverageInfeasibleError` names it and the distance to its nearest candidate.
    """
    started = time.perf_counter()
    opts = options_or_default(options)
    d = cost_matrix("distance", distance)
    n, m = d.shape
    w = vector("weights", weights, n, 1.0)
    sids = labels("site_ids", site_ids, m)
    cids = labels("client_ids", client_ids, n)
    costs = vector("site_cost", site_cost, m, 1.0)
    rules = site_rules(m, existing, costs, budget, max_sites)
    a = _cover_matrix(d, radius)
    need = w > 0
    lonely = np.flatnonzero(need & ~a.any(axis=1))
    if lonely.size:
        nearest = d[lonely].min(axis=1)
        shown = ", ".join(
            f"{label(cids, int(i), 'client')} at {fmt(float(x))}"
            for i, x in zip(lonely[:5], nearest[:5], strict=True)
        )
        more = f" and {lonely.size - 5} more" if lonely.size > 5 else ""
        raise CoverageInfeasibleError(
            f"{lonely.size} of {n} demand points have no candidate site within radius "
            f"{fmt(radius)} (nearest candidate: {shown}{more})"
        )
    before = a[:, rules.existing].any(axis=1) if rules.existing.size else np.zeros(n, bool)
    keep = need & ~before
    sub_a = np.unique(a[keep], axis=0) if keep.any() else a[:0]
    k = sub_a.shape[0]
    blocks: list[Block] = []
    if k:
        blocks.append(rows(sp.csr_matrix(sub_a.astype(np.float64)), 1.0, np.inf))
    blocks.extend(rules.blocks(m, m))
    greedy = _greedy_cover(sub_a, np.ones(k), rules, None) if k else rules.col_lower(m) > 0
    start = greedy.astype(np.float64) if (not k or sub_a[:, greedy].any(axis=1).all()) else None
    outcome = solve_milp(
        costs,
        rules.col_lower(m),
        np.ones(m),
        np.ones(m, dtype=bool),
        blocks,
        sense="min",
        options=opts,
        start=start,
        known_bound=float(costs[rules.existing].sum()),
    )
    if outcome.status == "infeasible":
        budget_txt = fmt(rules.budget) if rules.budget is not None else "none"
        raise CoverageInfeasibleError(
            f"no set of sites covers all {int(need.sum())} demand points within radius "
            f"{fmt(radius)} under budget {budget_txt} and at most "
            f"{max_sites if max_sites is not None else m} sites"
        )
    if outcome.x is None:
        return no_solution_result(
            "set_covering", outcome, sense="min", started=started, site_ids=sids
        )
    is_open = outcome.x[:m] > 0.5
    assignment = _assignment(d, is_open, radius)
    metrics = {
        "sites_open": float(is_open.sum()),
        "site_cost": float(costs[is_open].sum()),
        "radius": float(radius),
        "max_distance": float(np.max(np.where(need, nearest_open(d, is_open)[1], 0.0))),
    }
    return make_result(
        "set_covering",
        outcome,
        sense="min",
        started=started,
        open_sites=np.flatnonzero(is_open),
        assignment=assignment,
        site_ids=sids,
        metrics=metrics,
        objective=float(costs[is_open].sum()),
    )
