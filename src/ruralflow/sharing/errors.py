"""Errors of benefit sharing (all are :class:`~ruralflow.domain.DomainError`)."""

from __future__ import annotations

from ruralflow.domain.errors import DomainError


class SharingError(DomainError):
    """Base class: contracts, a settlement or a price model cannot give a meaningful result."""
