"""Small validators shared by the domain objects. Each raises :class:`FieldError`."""

from __future__ import annotations

import math
import re
from enum import StrEnum
from typing import Any, TypeVar

from ruralflow.domain.errors import FieldError
from ruralflow.domain.limits import did_you_mean

_E = TypeVar("_E", bound=StrEnum)

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def ident(owner: str, field: str, value: Any) -> str:
    """An id: letters, digits, ``_ . -``, not empty, no spaces."""
    if not isinstance(value, str) or not _ID.match(value):
        raise FieldError(
            owner,
            field,
            value,
            "须为由字母、数字、'_'、'.'、'-' 组成的编号 / "
            "must be an id of letters, digits, '_', '.', '-'",
        )
    return value


def text(owner: str, field: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise FieldError(owner, field, value, "不能为空 / must be non-empty text")
    return value


def number(
    owner: str,
    field: str,
    value: Any,
    *,
    min_value: float | None = 0.0,
    max_value: float | None = None,
    strict_min: bool = False,
    plausible_max: float | None = None,
) -> float:
    """A finite real number within bounds (``min_value`` inclusive unless ``strict_min``).

    ``plausible_max`` is a bound of plausibility rather than of meaning (1e12 kg in one row):
    its message says so.
    """
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise FieldError(owner, field, value, "须为有限数值 / must be a finite number")
    if min_value is not None:
        if strict_min and value <= min_value:
            raise FieldError(owner, field, value, f"须 > {min_value:g} / must be > {min_value:g}")
        if not strict_min and value < min_value:
            raise FieldError(
                owner, field, value, f"须 >= {min_value:g} / must be >= {min_value:g}"
            )
    if max_value is not None and value > max_value:
        raise FieldError(owner, field, value, f"须 <= {max_value:g} / must be <= {max_value:g}")
    if plausible_max is not None and value > plausible_max:
        raise FieldError(owner, field, value, too_large(plausible_max))
    return float(value)


def too_large(max_value: float) -> str:
    """The message of a value above its plausible bound."""
    bound = (
        f"{max_value:,.0f}"
        if max_value < 1e9 and float(max_value).is_integer()
        else f"{max_value:g}"
    )
    return (
        f"须 <= {bound}（超出合理范围，可能多打了零或单位有误）/ must be <= {bound} "
        "(beyond any plausible value: an extra zero or a wrong unit?)"
    )


def integer(
    owner: str, field: str, value: Any, *, min_value: int = 0, plausible_max: int | None = None
) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise FieldError(owner, field, value, "须为整数 / must be a whole number")
    if value < min_value:
        raise FieldError(owner, field, value, f"须 >= {min_value} / must be >= {min_value}")
    if plausible_max is not None and value > plausible_max:
        raise FieldError(owner, field, value, too_large(plausible_max))
    return value


def adcode(owner: str, field: str, value: Any, lengths: tuple[int, ...]) -> str:
    """An NBS division code: 6 (county), 9 (township) or 12 (village) digits."""
    if not isinstance(value, str) or not value.isdigit() or len(value) not in lengths:
        want = " or ".join(str(n) for n in lengths)
        raise FieldError(
            owner,
            field,
            value,
            f"须为 {want} 位统计用区划代码 / must be an NBS code of {want} digits",
        )
    return value


def parse_hhmm(owner: str, field: str, value: Any) -> int:
    """``"07:30"`` -> minutes after midnight (450)."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
        return value
    if not isinstance(value, str) or not _HHMM.match(value.strip()):
        raise FieldError(owner, field, value, "须为时间 HH:MM / must be a time HH:MM")
    h, m = value.strip().split(":")
    return int(h) * 60 + int(m)


def format_hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def one_of(owner: str, field: str, value: Any, enum: type[_E]) -> _E:
    """``value`` as a member of ``enum``; else a message listing the values (and the close one)."""
    if isinstance(value, enum):
        return value
    try:
        return enum(value)
    except ValueError:
        pass
    options = [e.value for e in enum]
    hint = did_you_mean(str(value), options) if isinstance(value, str) else ""
    raise FieldError(
        owner, field, value, f"须为以下之一 / must be one of: {', '.join(options)}{hint}"
    )
