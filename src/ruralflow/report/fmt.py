"""Number formatting for the report (registered as Jinja filters)."""

from __future__ import annotations

import math


def num(value: float | int | None, digits: int = 0) -> str:
    """``1234.5 -> "1,235"``; ``None`` or NaN -> an en dash."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return f"{value:,.{digits}f}"


def unit(value: float | int | None, unit: str, digits: int = 0) -> str:
    """``(1234.5, "kg") -> "1,235 kg"``."""
    s = num(value, digits)
    return s if s == "–" else f"{s} {unit}"


def smart(value: float | int | None) -> str:
    """A compact number: integers without decimals, small values with up to 2 decimals."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    v = float(value)
    if v.is_integer():
        return f"{int(v):,}"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    if abs(v) >= 10:
        return f"{v:,.1f}".rstrip("0").rstrip(".")
    return f"{v:,.2f}".rstrip("0").rstrip(".")


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def yesno(value: bool) -> str:
    return "是 / yes" if value else "否 / no"


def short(text: str, limit: int = 56) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis (full text goes in a tooltip)."""
    t = " ".join(text.split())
    return t if len(t) <= limit else t[: limit - 1].rstrip() + "…"
