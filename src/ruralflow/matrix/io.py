"""Input-output core: arrays in, arrays out (Miller & Blair notation).

``Z`` inter-industry flows (row: selling sector, column: buying sector), ``x`` gross output,
``A = Z x^-1`` technical coefficients, ``L = (I - A)^-1`` the Leontief inverse, ``w`` labour
income (compensation of employees) per unit of output.

* :func:`technical_coefficients` ``A[i, j] = Z[i, j] / x[j]``
* :func:`leontief_inverse` ``L = (I - A)^-1``, refused for a singular or non-productive ``A``
* :func:`output_multipliers` ``m_j = sum_i L[i, j]`` (Type I when ``L`` is the open inverse)
* :func:`income_effects` ``h_j = sum_i w_i L[i, j]`` (simple household income multipliers)
* :func:`income_multipliers_type1` ``h_j / w_j``
* :func:`close_households` the ``(n+1) x (n+1)`` matrix closed for households, whose inverse
  gives the Type II multipliers (:mod:`ruralflow.matrix.multipliers`)

Errors are :class:`~ruralflow.matrix.errors.MatrixError` (a
:class:`~ruralflow.domain.DomainError`): :class:`~ruralflow.matrix.errors.ShapeError`,
:class:`~ruralflow.matrix.errors.SingularMatrixError`,
:class:`~ruralflow.matrix.errors.NonProductiveError`.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ruralflow.matrix._linalg import spectral_radius as _spectral_radius
from ruralflow.matrix.errors import NonProductiveError, ShapeError, SingularMatrixError

__all__ = [
    "close_households",
    "income_effects",
    "income_multipliers_type1",
    "leontief_inverse",
    "output_multipliers",
    "technical_coefficients",
]

Array = NDArray[np.float64]

#: ``I - A`` whose condition number exceeds this is treated as singular.
_MAX_CONDITION = 1e12
#: Spectral radius at or above ``1 - _RADIUS_TOL`` is treated as non-productive.
_RADIUS_TOL = 1e-12


def _array(name: str, value: ArrayLike, ndim: int) -> Array:
    try:
        a = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise ShapeError(
            f"{name} must be an array of numbers (got {type(value).__name__})"
        ) from None
    if a.ndim != ndim:
        raise ShapeError(f"{name} must have {ndim} dimension(s) (got shape {a.shape})")
    if a.size == 0:
        raise ShapeError(f"{name} is empty")
    if not np.all(np.isfinite(a)):
        raise ShapeError(f"{name} has NaN or infinite entries")
    return a


def _square(name: str, value: ArrayLike) -> Array:
    a = _array(name, value, 2)
    if a.shape[0] != a.shape[1]:
        raise ShapeError(f"{name} must be square (got shape {a.shape})")
    return a


def _vector(name: str, value: ArrayLike, n: int) -> Array:
    v = _array(name, value, 1)
    if v.shape[0] != n:
        raise ShapeError(f"{name} must have {n} entries (got {v.shape[0]})")
    return v


def technical_coefficients(Z: ArrayLike, x: ArrayLike) -> Array:  # noqa: N803
    """``A[i, j] = Z[i, j] / x[j]``: inputs from sector ``i`` per unit of output of ``j``.

    A sector with zero output and no inputs gets a zero column; zero output with inputs, or a
    negative output, raises :class:`ShapeError`.
    """
    z = _square("Z", Z)
    xv = _vector("x", x, z.shape[0])
    if np.any(xv < 0):
        j = int(np.argmin(xv))
        raise ShapeError(f"gross output x must be >= 0 (sector {j}: {xv[j]!r})")
    zero = xv == 0
    bad = zero & np.any(z != 0, axis=0)
    if np.any(bad):
        j = int(np.flatnonzero(bad)[0])
        raise ShapeError(f"sector {j} has inputs but zero gross output: A is undefined")
    safe = np.where(zero, 1.0, xv)
    a: Array = z / safe[np.newaxis, :]
    a[:, zero] = 0.0
    return a


def leontief_inverse(A: ArrayLike) -> Array:  # noqa: N803
    """``L = (I - A)^-1``, the total (direct + indirect) output per unit of final demand.

    Raises
    ------
    NonProductiveError
        The spectral radius of ``A`` is >= 1 (for a non-negative ``A``: some column sums
        reach 1 and the rounds of input purchases never die out), or ``L`` has negative
        entries although ``A >= 0``.
    SingularMatrixError
        ``I - A`` is singular or numerically singular (condition number above 1e12).
    ShapeError
        ``A`` is not a finite square matrix.
    """
    a = _square("A", A)
    n = a.shape[0]
    radius = _spectral_radius(a)
    if radius >= 1.0 - _RADIUS_TOL:
        cols = a.sum(axis=0)
        j = int(np.argmax(cols))
        raise NonProductiveError(
            f"A is not productive: spectral radius {radius:.6g} >= 1 (largest column sum "
            f"{cols[j]:.6g} in sector {j}); (I - A)^-1 would not be the sum of the input "
            f"rounds, so no Leontief inverse is returned"
        )
    i_minus_a = np.eye(n) - a
    cond = float(np.linalg.cond(i_minus_a))
    if not np.isfinite(cond) or cond > _MAX_CONDITION:
        raise SingularMatrixError(
            f"I - A is singular (condition number {cond:.3g}): no Leontief inverse"
        )
    try:
        inv: Array = np.asarray(np.linalg.inv(i_minus_a), dtype=np.float64)
    except np.linalg.LinAlgError:
        raise SingularMatrixError("I - A is singular: no Leontief inverse") from None
    if np.all(a >= 0) and np.any(inv < -1e-9):
        raise NonProductiveError(
            "A is not productive: (I - A)^-1 has negative entries although A >= 0"
        )
    return inv


def output_multipliers(L: ArrayLike) -> Array:  # noqa: N803
    """Column sums of ``L``: total output in all sectors per unit of final demand for ``j``.

    With the open ``L`` these are the Type I (simple) output multipliers.
    """
    lm = _square("L", L)
    out: Array = lm.sum(axis=0)
    return out


def income_effects(L: ArrayLike, w: ArrayLike) -> Array:  # noqa: N803
    """Simple household income multipliers ``h_j = sum_i w_i L[i, j]``.

    ``w`` is labour income (compensation of employees) per unit of output. ``h_j`` is the
    household income earned in all sectors per unit of final demand for sector ``j``.
    """
    lm = _square("L", L)
    wv = _vector("w", w, lm.shape[0])
    out: Array = wv @ lm
    return out


def income_multipliers_type1(L: ArrayLike, w: ArrayLike) -> Array:  # noqa: N803
    """Type I income multipliers ``h_j / w_j``: total income per unit of direct income.

    A sector with ``w_j = 0`` (no direct labour income) has no Type I multiplier: NaN.
    """
    h = income_effects(L, w)
    wv = np.asarray(w, dtype=np.float64)
    out: Array = np.full_like(h, np.nan)
    with np.errstate(over="ignore"):
        np.divide(h, wv, out=out, where=wv != 0)
    return out


def close_households(A: ArrayLike, labour_row: ArrayLike, consumption_col: ArrayLike) -> Array:  # noqa: N803
    """The technical coefficients closed with respect to households (Type II model).

    Returns the ``(n+1) x (n+1)`` matrix::

        [ A            c    ]
        [ labour_row   c_hh ]

    ``labour_row[j]`` is household (labour) income per unit output of ``j``;
    ``consumption_col[i]`` is household purchases from sector ``i`` per unit of household
    income. ``consumption_col`` has ``n`` entries (``c_hh = 0``) or ``n + 1``, the last being
    households' purchases from households (e.g. domestic services; 0.05 in Miller & Blair's
    closed example). The Leontief inverse ``L_bar`` of the result gives the Type II
    multipliers; ``L_bar[n, n]`` is the income multiplier of the household sector.
    """
    a = _square("A", A)
    n = a.shape[0]
    h = _vector("labour_row", labour_row, n)
    c = _array("consumption_col", consumption_col, 1)
    if c.shape[0] not in (n, n + 1):
        raise ShapeError(f"consumption_col must have {n} or {n + 1} entries (got {c.shape[0]})")
    out: Array = np.zeros((n + 1, n + 1), dtype=np.float64)
    out[:n, :n] = a
    out[: c.shape[0], n] = c
    out[n, :n] = h
    return out
