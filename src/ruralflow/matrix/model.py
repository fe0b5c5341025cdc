"""The convection value matrix as mathematics: total value, rounds, synergy, balance, elasticities.

``M[i, j]`` is the value of flow ``j`` induced by one yuan of flow ``i``; ``x`` the direct
annual values. Each yuan of flow ``i`` induces ``M[i, j]`` of flow ``j``, which induces again,
so the total value is the sum of the rounds::

    v = x + M^T x + (M^T)^2 x + ... = (I - M^T)^-1 x

which converges exactly when the spectral radius ``rho(M) < 1``. Otherwise
:func:`check_radius` raises :class:`SpectralRadiusError` naming the coefficients that drive
``rho`` (their elasticities ``M_ij * u_i * r_j / (rho * u . r)`` with ``u``, ``r`` the left and
right eigenvectors of the dominant eigenvalue).

Indicators (:func:`indicators`):

* ``v``, induced ``v - x``; rounds: direct ``x``, first round ``M^T x``, higher rounds
  ``v - x - M^T x``;
* synergy index ``1 - sum (I - diag M)^-1 x / sum v``: the share of total value that exists
  only because flows induce *other* flows (off-diagonal terms);
* balance ratio ``sum_up v / sum_down v`` and the goods ratio ``v_up_products / v_down_goods``,
  diagnosed 重下行轻上行 when below the threshold ``t`` (default 0.5), 重上行轻下行 above
  ``1 / t``;
* elasticities ``d ln I / d ln M_ij`` of every indicator ``I`` to every coefficient (central
  differences, step 1e-4), so a county sees which link matters most.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ruralflow.matrix._linalg import spectral_radius
from ruralflow.matrix.errors import Driver, ShapeError, SingularMatrixError, SpectralRadiusError

Array = NDArray[np.float64]

_STEP = 1e-4


def _check(m: ArrayLike, x: ArrayLike) -> tuple[Array, Array]:
    mm = np.asarray(m, dtype=np.float64)
    xv = np.asarray(x, dtype=np.float64)
    if mm.ndim != 2 or mm.shape[0] != mm.shape[1]:
        raise ShapeError(f"M must be a square matrix (got shape {mm.shape})")
    if xv.shape != (mm.shape[0],):
        raise ShapeError(f"x must have {mm.shape[0]} entries (got shape {xv.shape})")
    if not (np.all(np.isfinite(mm)) and np.all(np.isfinite(xv))):
        raise ShapeError("M and x must be finite")
    return mm, xv


def drivers(m: ArrayLike, names: Sequence[str]) -> list[Driver]:
    """Coefficients by their share of the elasticity of the spectral radius, largest first."""
    mm = np.asarray(m, dtype=np.float64)
    vals, right = np.linalg.eig(mm)
    k = int(np.argmax(np.abs(vals)))
    lam = vals[k]
    vals_t, left = np.linalg.eig(mm.T)
    kt = int(np.argmin(np.abs(vals_t - lam)))
    r = right[:, k]
    u = left[:, kt]
    denom = lam * (u @ r)
    if abs(denom) == 0:
        return []
    el = np.real(mm * np.outer(u, r) / denom)
    out = [
        Driver(names[i], names[j], float(mm[i, j]), float(el[i, j]))
        for i in range(mm.shape[0])
        for j in range(mm.shape[0])
        if mm[i, j] != 0 and el[i, j] > 1e-9
    ]
    out.sort(key=lambda d: -d.share)
    return out


def check_radius(m: ArrayLike, names: Sequence[str]) -> float:
    """The spectral radius of ``M``; :class:`SpectralRadiusError` when it is >= 1."""
    mm = np.asarray(m, dtype=np.float64)
    rho = spectral_radius(mm)
    if rho >= 1.0:
        raise SpectralRadiusError(rho, drivers(mm, names))
    return rho


def total_value(m: ArrayLike, x: ArrayLike) -> Array:
    """``v = (I - M^T)^-1 x`` (call :func:`check_radius` first for a clear refusal)."""
    mm, xv = _check(m, x)
    try:
        v: Array = np.asarray(np.linalg.solve(np.eye(mm.shape[0]) - mm.T, xv), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise SingularMatrixError("I - M^T is singular: total value undefined") from None
    return v


def rounds(m: ArrayLike, x: ArrayLike) -> tuple[Array, Array, Array]:
    """(direct, first round, higher rounds) per flow; they add up to ``v``."""
    mm, xv = _check(m, x)
    v = total_value(mm, xv)
    first: Array = mm.T @ xv
    return xv.copy(), first, v - xv - first


def synergy_index(m: ArrayLike, x: ArrayLike) -> float:
    """Share of total value due to off-diagonal terms: ``1 - sum (I - diag M)^-1 x / sum v``."""
    mm, xv = _check(m, x)
    v = total_value(mm, xv)
    total = float(v.sum())
    if total == 0:
        return 0.0
    d = np.diag(mm)
    if np.any(d >= 1):
        raise SpectralRadiusError(float(d.max()), [])
    own = float((xv / (1.0 - d)).sum())
    return 1.0 - own / total


def ratio(v: Array, up: Sequence[int], down: Sequence[int]) -> float:
    """``sum v[up] / sum v[down]`` (NaN when there is no down value)."""
    d = float(sum(v[i] for i in down))
    return float(sum(v[i] for i in up)) / d if d > 0 else float("nan")


@dataclass(frozen=True, slots=True)
class Diagnosis:
    """The up/down balance read against a threshold ``t``."""

    ratio: float
    threshold: float
    code: str
    text_zh: str
    text_en: str


def diagnose(r: float, threshold: float) -> Diagnosis:
    """重下行轻上行 below ``threshold``, 重上行轻下行 above ``1 / threshold``, else balanced."""
    if not np.isfinite(r):
        return Diagnosis(r, threshold, "undefined", "无法判断", "undefined (no down value)")
    if r < threshold:
        return Diagnosis(
            r,
            threshold,
            "down_heavy",
            f"重下行轻上行: 上行仅为下行的 {100 * r:.1f}%",
            f"down-heavy (重下行轻上行): up is {100 * r:.1f} % of down",
        )
    if r > 1.0 / threshold:
        return Diagnosis(
            r,
            threshold,
            "up_heavy",
            f"重上行轻下行: 上行为下行的 {r:.2f} 倍",
            f"up-heavy (重上行轻下行): up is {r:.2f} x down",
        )
    return Diagnosis(
        r, threshold, "balanced", f"双向均衡: 上行/下行 = {r:.2f}", f"balanced: up/down = {r:.2f}"
    )


Indicator = Callable[[Array, Array], float]


def elasticities(m: ArrayLike, x: ArrayLike, indicator: Indicator) -> Array:
    """``d ln I / d ln M_ij`` for every coefficient (0 where ``M_ij = 0``; NaN if ``I = 0``)."""
    mm, xv = _check(m, x)
    base = indicator(mm, xv)
    out: Array = np.zeros_like(mm)
    if base == 0 or not np.isfinite(base):
        out[:] = np.nan
        return out
    for i in range(mm.shape[0]):
        for j in range(mm.shape[1]):
            if mm[i, j] == 0:
                continue
            hi = mm.copy()
            lo = mm.copy()
            hi[i, j] *= 1 + _STEP
            lo[i, j] *= 1 - _STEP
            out[i, j] = (indicator(hi, xv) - indicator(lo, xv)) / (2 * _STEP * base)
    return out
