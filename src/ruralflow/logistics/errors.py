"""Errors raised by the logistics planner."""

from __future__ import annotations

from ruralflow.domain.errors import DomainError, FieldError


class LogisticsError(DomainError):
    """Base class of every error raised by :mod:`ruralflow.logistics`."""


class PlanOptionError(FieldError, LogisticsError):
    """A :class:`~ruralflow.logistics.PlanOptions` field has a bad value.

    The message names the option and the value, e.g. ``PlanOptions: field 'time_limit_s'
    must be > 0 (got -1)``.
    """

    def __init__(self, option: str, value: object, reason: str) -> None:
        super().__init__("PlanOptions", option, value, reason)


class NoFlowsError(LogisticsError):
    """The county has no down demand and no up supply on the requested day."""


class PlanIntegrityError(LogisticsError):
    """A plan failed its own checks (conservation or feasibility): a bug, never user input."""
