"""Plain-text tables for the CLI and summaries (CJK characters count as two columns)."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence


def width(s: str) -> int:
    """Display width: East Asian wide and full-width characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s)


def pad(s: str, w: int, *, right: bool) -> str:
    fill = " " * max(0, w - width(s))
    return fill + s if right else s + fill


def text_table(rows: Sequence[Sequence[str]], *, left_columns: int = 1) -> str:
    """Rows of cells as aligned text; the first ``left_columns`` columns are left-aligned, the
    others right-aligned."""
    if not rows:
        return ""
    n = max(len(r) for r in rows)
    widths = [max(width(r[i]) if i < len(r) else 0 for r in rows) for i in range(n)]
    return "\n".join(
        "  ".join(pad(c, widths[i], right=i >= left_columns) for i, c in enumerate(r)).rstrip()
        for r in rows
    )
