"""Errors raised by the freshness model."""

from __future__ import annotations

from ruralflow.domain.errors import DomainError


class FreshnessError(DomainError):
    """A freshness computation cannot give a trustworthy number.

    Raised, with a one-line message, for a product temperature below the product's chilling
    threshold ``t_min_c`` (the model never extrapolates there), for a bad segment or journey
    value, and for an unknown product name in the default parameter table.
    """
