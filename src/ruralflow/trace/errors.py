"""The error base of traceability (a :class:`~ruralflow.domain.DomainError`).

Every error of :mod:`ruralflow.trace` derives from :class:`TraceError`; each keeps the built-in
class it had (``ValueError``, ``RuntimeError`` for the log, ``FileNotFoundError`` for a missing
EPCIS folder), so existing ``except`` clauses still catch it.
"""

from __future__ import annotations

from ruralflow.domain.errors import DomainError


class TraceError(DomainError):
    """Base class: a trace identifier, log, proof, checkpoint or EPCIS document is refused."""
