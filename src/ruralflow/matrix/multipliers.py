"""Type I and Type II multipliers (output, income, employment, value added) and the Ghosh side.

Notation (Miller & Blair 2009, ch. 2 and 6): ``A`` technical coefficients, ``L = (I - A)^-1``,
``w`` household (labour) income per unit output, ``c`` household consumption per unit of
household income, ``A_bar`` = :func:`~ruralflow.matrix.io.close_households` ``(A, w, c)`` and
``L_bar = (I - A_bar)^-1``. With ``n`` sectors and the household sector at index ``n``:

* Type I output multiplier ``sum_i L[i, j]``; Type II ``sum_{i<n} L_bar[i, j]`` (sectors
  only) and the "total" one that also counts the household row ``sum_i L_bar[i, j]``;
* simple income effect ``h_j = sum_i w_i L[i, j]``; Type I income multiplier ``h_j / w_j``;
  total household income effect (closed) ``L_bar[n, j]``; Type II income multiplier
  ``L_bar[n, j] / w_j``. Type II / Type I income = ``L_bar[n, n]`` for every sector;
* employment (``e`` = jobs per unit output): ``e L``, Type I ``e L / e``, Type II
  ``e L_bar[:n, :n] / e``;
* value added (``v`` = value added per unit output): ``v L``;
* Ghosh: ``B = x^-1 Z`` (allocation coefficients), ``G = (I - B)^-1``, forward linkages =
  row sums of ``G``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from ruralflow.matrix.errors import ShapeError
from ruralflow.matrix.io import (
    close_households,
    income_effects,
    income_multipliers_type1,
    leontief_inverse,
    output_multipliers,
)

Array = NDArray[np.float64]


def _ratio(num: Array, den: Array) -> Array:
    out: Array = np.full_like(num, np.nan)
    with np.errstate(over="ignore"):
        np.divide(num, den, out=out, where=den != 0)
    return out


def _round(a: Array | None, digits: int = 6) -> list[float | None] | None:
    if a is None:
        return None
    return [None if not np.isfinite(v) else round(float(v), digits) for v in a]


@dataclass(frozen=True)
class Multipliers:
    """Type I and Type II multipliers of one economy (arrays aligned with ``codes``)."""

    codes: tuple[str, ...]
    output_type1: Array
    output_type2: Array
    output_type2_total: Array
    income_effect: Array
    income_type1: Array
    income_effect_closed: Array
    income_type2: Array
    household_income_multiplier: float
    employment_effect: Array | None = None
    employment_type1: Array | None = None
    employment_type2: Array | None = None
    value_added_effect: Array | None = None

    def row(self, code: str) -> dict[str, Any]:
        """The multipliers of one sector as a JSON-ready dict."""
        j = self.codes.index(code)

        def pick(a: Array | None) -> float | None:
            if a is None or not np.isfinite(a[j]):
                return None
            return round(float(a[j]), 6)

        return {
            "code": code,
            "output_type1": pick(self.output_type1),
            "output_type2": pick(self.output_type2),
            "output_type2_total": pick(self.output_type2_total),
            "income_effect": pick(self.income_effect),
            "income_type1": pick(self.income_type1),
            "income_effect_closed": pick(self.income_effect_closed),
            "income_type2": pick(self.income_type2),
            "employment_effect": pick(self.employment_effect),
            "employment_type1": pick(self.employment_type1),
            "employment_type2": pick(self.employment_type2),
            "value_added_effect": pick(self.value_added_effect),
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            "codes": list(self.codes),
            "output_type1": _round(self.output_type1),
            "output_type2": _round(self.output_type2),
            "output_type2_total": _round(self.output_type2_total),
            "income_effect": _round(self.income_effect),
            "income_type1": _round(self.income_type1),
            "income_effect_closed": _round(self.income_effect_closed),
            "income_type2": _round(self.income_type2),
            "household_income_multiplier": round(self.household_income_multiplier, 6),
            "employment_effect": _round(self.employment_effect),
            "employment_type1": _round(self.employment_type1),
            "employment_type2": _round(self.employment_type2),
            "value_added_effect": _round(self.value_added_effect),
        }


def multipliers(
    A: ArrayLike,  # noqa: N803
    w: ArrayLike,
    c: ArrayLike,
    *,
    codes: tuple[str, ...] | None = None,
    employment: ArrayLike | None = None,
    value_added: ArrayLike | None = None,
) -> Multipliers:
    """Type I and Type II multipliers of ``A`` closed with labour row ``w`` and consumption ``c``.

    ``c`` has ``n`` or ``n + 1`` entries (see :func:`~ruralflow.matrix.io.close_households`).

    ``employment`` (jobs per unit output) and ``value_added`` (per unit output) are optional;
    their multipliers are ``None`` when not given.
    """
    a = np.asarray(A, dtype=np.float64)
    n = a.shape[0] if a.ndim == 2 else 0
    wv = np.asarray(w, dtype=np.float64)
    lm = leontief_inverse(a)
    lbar = leontief_inverse(close_households(a, wv, c))
    h = income_effects(lm, wv)
    closed = lbar[n, :n]
    emp = emp1 = emp2 = None
    if employment is not None:
        e = np.asarray(employment, dtype=np.float64)
        if e.shape != (n,):
            raise ShapeError(f"employment must have {n} entries (got shape {e.shape})")
        emp = e @ lm
        emp1 = _ratio(emp, e)
        emp2 = _ratio(e @ lbar[:n, :n], e)
    va = None
    if value_added is not None:
        v = np.asarray(value_added, dtype=np.float64)
        if v.shape != (n,):
            raise ShapeError(f"value_added must have {n} entries (got shape {v.shape})")
        va = v @ lm
    return Multipliers(
        codes=tuple(codes) if codes is not None else tuple(str(i) for i in range(n)),
        output_type1=output_multipliers(lm),
        output_type2=lbar[:n, :n].sum(axis=0),
        output_type2_total=lbar[:, :n].sum(axis=0),
        income_effect=h,
        income_type1=income_multipliers_type1(lm, wv),
        income_effect_closed=closed,
        income_type2=_ratio(closed, wv),
        household_income_multiplier=float(lbar[n, n]),
        employment_effect=emp,
        employment_type1=emp1,
        employment_type2=emp2,
        value_added_effect=va,
    )


def allocation_coefficients(Z: ArrayLike, x: ArrayLike) -> Array:  # noqa: N803
    """Ghosh allocation coefficients ``B[i, j] = Z[i, j] / x[i]`` (row-wise)."""
    z = np.asarray(Z, dtype=np.float64)
    xv = np.asarray(x, dtype=np.float64)
    if z.ndim != 2 or z.shape[0] != z.shape[1] or xv.shape != (z.shape[0],):
        raise ShapeError(f"Z must be n x n and x of length n (got {z.shape} and {xv.shape})")
    if np.any(xv <= 0):
        raise ShapeError("gross output x must be > 0 for allocation coefficients")
    out: Array = z / xv[:, np.newaxis]
    return out


def ghosh_inverse(Z: ArrayLike, x: ArrayLike) -> Array:  # noqa: N803
    """``G = (I - B)^-1`` with ``B`` the allocation coefficients (supply-side model)."""
    return leontief_inverse(allocation_coefficients(Z, x))


def forward_linkages(Z: ArrayLike, x: ArrayLike) -> Array:  # noqa: N803
    """Row sums of the Ghosh inverse (total forward linkage of each sector)."""
    out: Array = ghosh_inverse(Z, x).sum(axis=1)
    return out
