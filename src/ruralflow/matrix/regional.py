"""Regionalisation of a (national or provincial) coefficient table by location quotients.

With ``x_r`` the region's and ``x_n`` the reference economy's output by sector:

* ``SLQ_i = (x_r[i] / sum x_r) / (x_n[i] / sum x_n)`` (simple location quotient);
* ``CILQ_ij = SLQ_i / SLQ_j`` (cross-industry), ``SLQ_i`` on the diagonal;
* ``FLQ_ij = CILQ_ij * lambda`` with ``lambda = log2(1 + sum x_r / sum x_n) ** delta``
  (Flegg, Webber & Elliott 1995; Flegg & Webber 1997), ``SLQ_i * lambda`` on the diagonal;
* regional coefficients ``a_r[i, j] = a_n[i, j] * min(1, LQ_ij)``: a region buys locally only
  what its own producers can supply; the rest is imported.

``delta`` in ``[0, 1)``: 0 gives CILQ (no size adjustment); larger values assume more imports
for a small region. Flegg & Tohmo (2013, Regional Studies 47(5):703-721) estimate it for 20
Finnish regions of very different size; 0.3 is the conventional value and the default here.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ruralflow.matrix.errors import ShapeError

Array = NDArray[np.float64]
Method = Literal["slq", "cilq", "flq"]
METHODS: tuple[Method, ...] = ("slq", "cilq", "flq")

DEFAULT_DELTA = 0.3
DELTA_SOURCE = (
    "Flegg, Webber & Elliott (1995) and Flegg & Webber (1997), Regional Studies: FLQ with "
    "delta = 0.3, the conventional value; Flegg & Tohmo (2013) Regional Studies 47(5):703-721 "
    "estimate delta by region size"
)


def _outputs(x_region: ArrayLike, x_nation: ArrayLike) -> tuple[Array, Array]:
    xr = np.asarray(x_region, dtype=np.float64)
    xn = np.asarray(x_nation, dtype=np.float64)
    if xr.ndim != 1 or xr.shape != xn.shape:
        raise ShapeError(
            f"regional and reference outputs must be vectors of equal length "
            f"(got {xr.shape} and {xn.shape})"
        )
    if not (np.all(np.isfinite(xr)) and np.all(np.isfinite(xn))):
        raise ShapeError("outputs must be finite")
    if np.any(xr < 0) or np.any(xn < 0):
        raise ShapeError("outputs must be >= 0")
    if xr.sum() <= 0 or xn.sum() <= 0:
        raise ShapeError("total regional and reference output must be > 0")
    return xr, xn


def slq(x_region: ArrayLike, x_nation: ArrayLike) -> Array:
    """Simple location quotients; a sector absent from the reference economy gets 0."""
    xr, xn = _outputs(x_region, x_nation)
    share_r = xr / xr.sum()
    share_n = xn / xn.sum()
    out: Array = np.zeros_like(share_r)
    np.divide(share_r, share_n, out=out, where=share_n > 0)
    return out


def cilq(x_region: ArrayLike, x_nation: ArrayLike) -> Array:
    """Cross-industry location quotients ``SLQ_i / SLQ_j`` with ``SLQ_i`` on the diagonal.

    A buying sector ``j`` absent from the region (``SLQ_j = 0``) buys nothing there: its
    column is set to 0 (it has no coefficients to regionalise).
    """
    s = slq(x_region, x_nation)
    out: Array = np.zeros((s.size, s.size))
    np.divide(s[:, np.newaxis], s[np.newaxis, :], out=out, where=s[np.newaxis, :] > 0)
    np.fill_diagonal(out, s)
    return out


def flq_lambda(x_region: ArrayLike, x_nation: ArrayLike, delta: float = DEFAULT_DELTA) -> float:
    """``lambda = log2(1 + sum x_r / sum x_n) ** delta``, the FLQ regional-size scalar."""
    _check_delta(delta)
    xr, xn = _outputs(x_region, x_nation)
    return float(math.log2(1.0 + xr.sum() / xn.sum()) ** delta)


def flq(x_region: ArrayLike, x_nation: ArrayLike, delta: float = DEFAULT_DELTA) -> Array:
    """Flegg location quotients ``CILQ_ij * lambda`` (``SLQ_i * lambda`` on the diagonal)."""
    out: Array = cilq(x_region, x_nation) * flq_lambda(x_region, x_nation, delta)
    return out


def _check_delta(delta: float) -> None:
    if isinstance(delta, bool) or not isinstance(delta, int | float):
        raise ShapeError(f"FLQ delta must be a number in [0, 1) (got {delta!r})")
    if not 0.0 <= float(delta) < 1.0:
        raise ShapeError(f"FLQ delta must be in [0, 1) (got {delta!r})")


def quotients(
    x_region: ArrayLike, x_nation: ArrayLike, method: Method = "flq", delta: float = DEFAULT_DELTA
) -> Array:
    """The ``n x n`` matrix of location quotients of ``method`` (SLQ is repeated by row)."""
    if method == "slq":
        s = slq(x_region, x_nation)
        out: Array = np.repeat(s[:, np.newaxis], s.size, axis=1)
        return out
    if method == "cilq":
        return cilq(x_region, x_nation)
    if method == "flq":
        return flq(x_region, x_nation, delta)
    raise ShapeError(f"unknown location-quotient method {method!r}: expected slq, cilq or flq")


def regionalise(
    A: ArrayLike,  # noqa: N803
    x_region: ArrayLike,
    x_nation: ArrayLike,
    method: Method = "flq",
    delta: float = DEFAULT_DELTA,
) -> Array:
    """Regional technical coefficients ``A[i, j] * min(1, LQ_ij)``."""
    a = np.asarray(A, dtype=np.float64)
    q = quotients(x_region, x_nation, method, delta)
    if a.shape != q.shape:
        raise ShapeError(f"A has shape {a.shape} but the outputs have {q.shape[0]} sectors")
    out: Array = a * np.minimum(q, 1.0)
    return out
