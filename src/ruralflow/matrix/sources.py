"""Which inputs of the value matrix may be used, and the ranges that assumptions state.

An input is a :class:`~ruralflow.domain.SourcedValue` (a direct flow value ``x_k`` or a
parameter). Rules (issue 16, "no placeholder defaults"):

* a value whose source says ``placeholder`` is never used;
* a value whose source *is* an assumption (starts with ``assumption``) is used only when it
  states its range, in its source text, as ``range LO .. HI`` (same unit as the value; for
  example ``assumption, range 0.1 .. 0.6: supply response``);
* every other value (a cited figure, or ``D:`` derived from cited figures, possibly with an
  assumed part) is used; a stated range makes it uncertain too.

A flow that may not be used is left out of the total (``x_k = 0``); a parameter that may not
be used is replaced by the default of :mod:`ruralflow.matrix.params` (whose assumptions all
state a range). The engine notes every such decision.
"""

from __future__ import annotations

import re

from ruralflow.domain import SourcedValue

_NUM = r"[-+]?(?:\d[\d,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_RANGE = re.compile(rf"\brange\s*\[?\s*({_NUM})\s*(?:\.\.|to|…|–|—)\s*({_NUM})\s*\]?", re.I)


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def stated_range(value: SourcedValue) -> tuple[float, float] | None:
    """``(low, high)`` stated as ``range LO .. HI`` in the source (or note), else ``None``."""
    for text in (value.source, value.note):
        m = _RANGE.search(text or "")
        if m is None:
            continue
        lo, hi = sorted((_number(m.group(1)), _number(m.group(2))))
        return lo, hi
    return None


def is_placeholder(value: SourcedValue) -> bool:
    return "placeholder" in value.source.lower()


def is_pure_assumption(value: SourcedValue) -> bool:
    s = value.source.strip().lower()
    return not s or s.startswith("assumption") or s.startswith("假设")


def unusable(value: SourcedValue) -> str | None:
    """Why ``value`` may not enter the matrix (``None``: it may)."""
    if is_placeholder(value):
        return "its source says placeholder / 来源为占位值"
    if is_pure_assumption(value) and stated_range(value) is None:
        return "an assumption without a stated range / 无来源且未给出范围的假设"
    return None
