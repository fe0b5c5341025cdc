"""Domain exceptions.

Every error raised when a domain object is built names the object, the field and the value in
one line, so that a bundle reader can attach file, row and column and show it to a person.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class DomainError(ValueError):
    """Base class of every error raised by the domain model."""


class FieldError(DomainError):
    """A field of a domain object has a bad value.

    Attributes
    ----------
    owner:
        What was being built, e.g. ``"Place 'V001'"``.
    field:
        The field name as used in bundle files (``"lon"``, ``"kg"``).
    value:
        The offending value, as given.
    reason:
        What is wrong, in a few words.
    """

    def __init__(self, owner: str, field: str, value: Any, reason: str) -> None:
        self.owner = owner
        self.field = field
        self.value = value
        self.reason = reason
        super().__init__(f"{owner}: field '{field}' {reason} (got {value!r})")


class UnknownReferenceError(DomainError):
    """A reference to an id that does not exist (e.g. a demand row for an unknown village)."""

    def __init__(self, owner: str, field: str, value: Any, target: str) -> None:
        self.owner = owner
        self.field = field
        self.value = value
        self.target = target
        super().__init__(f"{owner}: field '{field}' refers to unknown {target} {value!r}")


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found by a cross-object check.

    ``collection`` is the part of the county (``places``, ``demand_down``, ...), ``index`` the
    position of the object in it (``None`` for the county settings), ``field`` and ``value``
    what is wrong. A bundle reader turns collection and index into file and row.
    """

    collection: str
    index: int | None
    field: str
    value: Any
    message: str
    #: the earlier object this one duplicates (``None`` unless a duplicate)
    ref_index: int | None = None

    def __str__(self) -> str:
        at = self.collection if self.index is None else f"{self.collection}[{self.index}]"
        return f"{at}: field '{self.field}' {self.message} (got {self.value!r})"


class CountyError(DomainError):
    """A county fails its cross-object checks; ``problems`` lists every one found."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = problems
        head = f"county has {len(problems)} problem(s)"
        more = f"; and {len(problems) - 5} more" if len(problems) > 5 else ""
        super().__init__(head + ": " + "; ".join(str(p) for p in problems[:5]) + more)
