"""Input checks and constraint pieces shared by the siting models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike, NDArray

from ruralflow.siting._milp import Block, FloatArray, IntArray, rows
from ruralflow.siting.errors import InfeasibleSitingError, SitingInputError
from ruralflow.siting.result import SolverOptions

#: The paper's "two kilometres" (两公里) service radius, in metres.
DEFAULT_RADIUS_M = 2000.0


def fmt(value: float) -> str:
    """A number as a person writes it: integers without decimals, others to 6 digits."""
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:.6g}"


def cost_matrix(name: str, values: ArrayLike) -> FloatArray:
    """A clients x sites matrix of distances or costs: 2-D, no NaN, >= 0 (``inf`` = no link)."""
    a = np.array(values, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] == 0 or a.shape[1] == 0:
        raise SitingInputError(
            f"{name} must be a non-empty 2-D array (clients x sites), got shape {a.shape}"
        )
    if np.isnan(a).any():
        i, j = np.argwhere(np.isnan(a))[0]
        raise SitingInputError(f"{name}[{i}, {j}] is NaN")
    if (a < 0).any():
        i, j = np.argwhere(a < 0)[0]
        raise SitingInputError(f"{name}[{i}, {j}] = {fmt(a[i, j])} is negative")
    return a


def vector(name: str, values: ArrayLike | None, size: int, default: float) -> FloatArray:
    """A finite, non-negative vector of the given size (``default`` everywhere if ``None``)."""
    if values is None:
        return np.full(size, float(default))
    v = np.array(values, dtype=np.float64).reshape(-1)
    if v.shape[0] != size:
        raise SitingInputError(f"{name} has {v.shape[0]} values, expected {size}")
    bad = ~np.isfinite(v) | (v < 0)
    if bad.any():
        k = int(np.argmax(bad))
        raise SitingInputError(f"{name}[{k}] = {v[k]!r} must be finite and >= 0")
    return v


def site_set(name: str, values: Sequence[int] | ArrayLike | None, m: int) -> IntArray:
    """Sorted unique site indices, each in ``0..m-1``."""
    if values is None:
        return np.zeros(0, dtype=np.int64)
    v = np.unique(np.array(values, dtype=np.int64).reshape(-1))
    if v.size and (v[0] < 0 or v[-1] >= m):
        bad = int(v[0] if v[0] < 0 else v[-1])
        raise SitingInputError(f"{name} contains site index {bad}, outside 0..{m - 1}")
    return v


def labels(name: str, values: Sequence[str] | None, count: int) -> tuple[str, ...] | None:
    """Labels for sites or clients, checked against their count."""
    if values is None:
        return None
    out = tuple(str(v) for v in values)
    if len(out) != count:
        raise SitingInputError(f"{name} has {len(out)} labels, expected {count}")
    return out


def label(ids: tuple[str, ...] | None, k: int, kind: str) -> str:
    """``'V17'`` when labels are known, else ``client 17``."""
    return repr(ids[k]) if ids is not None else f"{kind} {k}"


def options_or_default(options: SolverOptions | None) -> SolverOptions:
    """The given options, or the defaults."""
    return options if options is not None else SolverOptions()


@dataclass(frozen=True, slots=True)
class SiteRules:
    """Existing sites that stay open, an optional budget on site cost and a site-count cap."""

    existing: IntArray
    site_cost: FloatArray | None
    budget: float | None
    max_sites: int | None

    def col_lower(self, m: int) -> FloatArray:
        """Lower bounds of the site variables (1 for existing sites)."""
        lo = np.zeros(m)
        lo[self.existing] = 1.0
        return lo

    def blocks(self, m: int, n_cols: int) -> list[Block]:
        """The budget and site-count rows over the site variables ``y = x[0:m]``."""
        out: list[Block] = []
        if self.budget is not None and self.site_cost is not None:
            row = sp.csr_matrix(
                (self.site_cost, (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, n_cols)
            )
            out.append(rows(row, -np.inf, self.budget))
        if self.max_sites is not None:
            row = sp.csr_matrix(
                (np.ones(m), (np.zeros(m, dtype=np.int64), np.arange(m))), shape=(1, n_cols)
            )
            out.append(rows(row, -np.inf, float(self.max_sites)))
        return out

    def affordable(self, chosen: NDArray[np.bool_], j: int) -> bool:
        """Whether site ``j`` can be added to ``chosen`` within budget and count."""
        if self.max_sites is not None and int(chosen.sum()) + 1 > self.max_sites:
            return False
        if self.budget is not None and self.site_cost is not None:
            spent = float(self.site_cost[chosen].sum())
            return spent + float(self.site_cost[j]) <= self.budget + 1e-9
        return True


def site_rules(
    m: int,
    existing: Sequence[int] | ArrayLike | None,
    site_cost: ArrayLike | None,
    budget: float | None,
    max_sites: int | None = None,
    *,
    cost_name: str = "site_cost",
) -> SiteRules:
    """Check and bundle existing sites, site costs, budget and a cap on the number of sites."""
    ex = site_set("existing", existing, m)
    cost = None if site_cost is None else vector(cost_name, site_cost, m, 0.0)
    if budget is not None:
        if cost is None:
            raise SitingInputError(f"a budget ({fmt(budget)}) needs {cost_name} for every site")
        if not np.isfinite(budget) or budget < 0:
            raise SitingInputError(f"budget must be finite and >= 0 (got {budget!r})")
        spent = float(cost[ex].sum())
        if spent > budget + 1e-9:
            raise InfeasibleSitingError(
                f"the {ex.size} existing site(s) cost {fmt(spent)} > budget {fmt(budget)}"
            )
    if max_sites is not None:
        if max_sites < 0:
            raise SitingInputError(f"max_sites must be >= 0 (got {max_sites})")
        if ex.size > max_sites:
            raise InfeasibleSitingError(
                f"{ex.size} existing sites must stay open but at most {max_sites} may be open"
            )
    return SiteRules(existing=ex, site_cost=cost, budget=budget, max_sites=max_sites)


def pair_blocks(ci: IntArray, sj: IntArray, n: int, m: int, n_cols: int) -> tuple[Block, Block]:
    """Assignment rows ``sum_j x_ij = 1`` and strong linking rows ``x_ij - y_j <= 0``.

    Pair ``k`` (client ``ci[k]``, site ``sj[k]``) is column ``m + k``; ``y_j`` is column ``j``.
    """
    k = ci.shape[0]
    xcols = m + np.arange(k)
    assign = sp.csr_matrix((np.ones(k), (ci, xcols)), shape=(n, n_cols))
    r = np.repeat(np.arange(k), 2)
    c = np.column_stack([xcols, sj]).reshape(-1)
    d = np.tile(np.array([1.0, -1.0]), k)
    link = sp.csr_matrix((d, (r, c)), shape=(k, n_cols))
    return rows(assign, 1.0, 1.0), rows(link, -np.inf, 0.0)


def nearest_open(dist: FloatArray, is_open: NDArray[np.bool_]) -> tuple[IntArray, FloatArray]:
    """For each client, the nearest open site and its distance (``-1``, ``inf`` if none)."""
    n = dist.shape[0]
    if not is_open.any():
        return np.full(n, -1, dtype=np.int64), np.full(n, np.inf)
    masked = np.where(is_open[None, :], dist, np.inf)
    j = np.argmin(masked, axis=1).astype(np.int64)
    d = masked[np.arange(n), j]
    j[~np.isfinite(d)] = -1
    return j, d


def as_float(value: Any) -> float:
    """A numpy scalar as a Python float."""
    return float(value)
