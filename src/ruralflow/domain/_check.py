"""Small validators shared by the domain objects. Each raises :class:`FieldError`."""

from __future__ import annotations

import math
import re
from typing import Any

from ruralflow.domain.errors import FieldError

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def ident(owner: str, field: str, value: Any) -> str:
    """An id: letters, digits, ``_ . -``, not empty, no spaces."""
    if not isinstance(value, str) or not _ID.match(value):
        raise FieldError(owner, field, value, "must be an id of letters, digits, '_', '.', '-'")
    return value


def text(owner: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(owner, field, value, "must be non-empty text")
    return value


def number(
    owner: str,
    field: str,
    value: Any,
    *,
    min_value: float | None = 0.0,
    max_value: float | None = None,
    strict_min: bool = False,
) -> float:
    """A finite real number within bounds (``min_value`` inclusive unless ``strict_min``)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FieldError(owner, field, value, "must be a finite number")
    if min_value is not None:
        if strict_min and value <= min_value:
            raise FieldError(owner, field, value, f"must be > {min_value:g}")
        if not strict_min and value < min_value:
            raise FieldError(owner, field, value, f"must be >= {min_value:g}")
    if max_value is not None and value > max_value:
        raise FieldError(owner, field, value, f"must be <= {max_value:g}")
    return float(value)


def integer(owner: str, field: str, value: Any, *, min_value: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(owner, field, value, "must be a whole number")
    if value < min_value:
        raise FieldError(owner, field, value, f"must be >= {min_value}")
    return value


def adcode(owner: str, field: str, value: Any, lengths: tuple[int, ...]) -> str:
    """An NBS division code: 6 (county), 9 (township) or 12 (village) digits."""
    if not isinstance(value, str) or not value.isdigit() or len(value) not in lengths:
        want = " or ".join(str(n) for n in lengths)
        raise FieldError(owner, field, value, f"must be an NBS code of {want} digits")
    return value


def parse_hhmm(owner: str, field: str, value: Any) -> int:
    """``"07:30"`` -> minutes after midnight (450)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return value
    if not isinstance(value, str) or not _HHMM.match(value.strip()):
        raise FieldError(owner, field, value, "must be a time HH:MM")
    h, m = value.strip().split(":")
    return int(h) * 60 + int(m)


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"
