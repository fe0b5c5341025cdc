"""Errors raised by the siting models.

Every message carries the numbers that make the input impossible, so that a person can see at
once what to change (for example ``total capacity 120 < total demand 150``).
"""

from __future__ import annotations

from ruralflow.domain.errors import DomainError


class SitingError(DomainError):
    """Base class of every siting error."""


class SitingInputError(SitingError):
    """The arrays given to a model are malformed (shape, sign, NaN, an index out of range)."""


class InstanceFormatError(SitingInputError):
    """A benchmark instance file does not follow its format."""


class InfeasibleSitingError(SitingError):
    """No choice of sites satisfies the constraints; the message says which numbers clash."""


class CapacityShortfallError(InfeasibleSitingError):
    """The capacity that can be opened is below the demand to be served."""


class CoverageInfeasibleError(InfeasibleSitingError):
    """Some demand point has no candidate site within the required radius, or too few sites."""


class SolverFailedError(SitingError):
    """HiGHS stopped without a solution for a reason other than a time limit."""
