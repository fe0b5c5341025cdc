"""Errors of the preprocessing and channel engine."""

from __future__ import annotations

from ruralflow.domain import DomainError


class PreprocessError(DomainError):
    """Base class of every error of :mod:`ruralflow.preprocess` (bad order, fee, lot, channel)."""


class UnknownServiceError(PreprocessError):
    """An order names a service the fee table does not price."""


class ChannelSolveError(PreprocessError):
    """HiGHS returned no usable channel plan."""
