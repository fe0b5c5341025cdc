"""The service centre's error base (issue 11, "one error base per engine")."""

from __future__ import annotations

from ruralflow.domain import DomainError

__all__ = ["CentreError"]


class CentreError(DomainError):
    """The service centre cannot do what was asked (e.g. a ledger names an unknown station)."""
