"""Errors of the value matrix and the input-output layer (all are :class:`DomainError`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ruralflow.domain.errors import DomainError


class MatrixError(DomainError):
    """Base class: a value-matrix or input-output computation cannot give a meaningful result."""


class ShapeError(MatrixError):
    """Arrays of the wrong shape, or with NaN / infinite entries."""


class SingularMatrixError(MatrixError):
    """``I - A`` (or ``I - M``) is singular or numerically singular: no unique inverse."""


class NonProductiveError(MatrixError):
    """A technical-coefficient matrix is not productive (spectral radius >= 1).

    A productive economy needs less than one yuan of inputs, directly and indirectly, per yuan
    of output; otherwise ``(I - A)^-1`` is not the sum of the rounds of input purchases and its
    entries are meaningless (often negative).
    """


class IOTableError(MatrixError):
    """An input-output table file is missing or has an unexpected layout."""


@dataclass(frozen=True, slots=True)
class Driver:
    """One coefficient driving the spectral radius of the flow matrix.

    ``share`` is the elasticity of the spectral radius to the coefficient (the shares of all
    coefficients add up to 1 for a non-negative matrix).
    """

    source: str
    target: str
    value: float
    share: float

    def __str__(self) -> str:
        return f"{self.source} -> {self.target} = {self.value:.4g} ({100 * self.share:.0f} %)"


class SpectralRadiusError(MatrixError):
    """The convection circulation would explode: the spectral radius of ``M`` is >= 1.

    ``radius`` is the spectral radius, ``drivers`` the coefficients that drive it (largest
    elasticity first).
    """

    def __init__(self, radius: float, drivers: Sequence[Driver]) -> None:
        self.radius = radius
        self.drivers = tuple(drivers)
        named = "; ".join(str(d) for d in self.drivers[:4]) or "none found"
        super().__init__(
            f"flow matrix M has spectral radius {radius:.4f} >= 1: each round of induced "
            f"value would be at least as large as the last, so the total value "
            f"v = (I - M^T)^-1 x does not exist (the circulation would explode). Driving "
            f"coefficients (share of the radius's elasticity): {named}. Lower these "
            f"coefficients or check the inputs that produced them."
        )
