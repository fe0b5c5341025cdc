"""The header and row checks every optional bundle CSV shares (contracts, the service centre).

:func:`table_rows` reads a file's text (UTF-8, a BOM allowed), checks its header (no row:
an error; a required column missing, an unknown column, a column twice) and yields each
non-empty row's cells by column name, stripped, with its spreadsheet row number (the header
is row 1). A row with another number of cells than the header is a problem and is skipped.
Each file's own module parses the cells.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any

__all__ = ["Add", "table_rows"]

#: ``add(file, row, column, value, message)``: record one problem.
Add = Callable[[str, int | None, str | None, Any, str], None]


def table_rows(
    path: Path,
    columns: Sequence[str],
    required: Collection[str],
    add: Add,
    *,
    unknown_is_error: bool = True,
) -> list[tuple[int, dict[str, str]]] | None:
    """``(row, cells)`` of each non-empty row of ``path`` (a column the header lacks reads
    ``""``), or None when the file cannot be read or its header is bad.

    ``required``: the columns the header must have. A header column not in ``columns`` is
    reported; it makes the header bad only when ``unknown_is_error``.
    """
    name = path.name
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        add(
            name,
            None,
            None,
            None,
            f"不是 UTF-8 文本，请另存为 UTF-8 / is not UTF-8 text, save it as UTF-8: {e}",
        )
        return None
    except OSError as e:
        add(name, None, None, None, f"无法读取 / cannot read: {e.strerror or e}")
        return None
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        add(name, 1, None, None, "没有表头行 / has no header row")
        return None
    header = [h.strip() for h in header]
    bad = False
    for c in columns:
        if c in required and c not in header:
            add(name, 1, c, None, "表头缺少必填列 / required column is missing from the header")
            bad = True
    for h in header:
        if h not in columns:
            add(name, 1, h, None, f"未知列 / unknown column (columns: {', '.join(columns)})")
            bad = bad or unknown_is_error
    for h in sorted({h for h in header if header.count(h) > 1}):
        add(name, 1, h, None, "列重复 / column appears more than once")
        bad = True
    if bad:
        return None
    idx = {h: i for i, h in enumerate(header)}
    out: list[tuple[int, dict[str, str]]] = []
    for rowno, raw in enumerate(reader, start=2):
        if not raw or all(not c.strip() for c in raw):
            continue
        if len(raw) != len(header):
            add(
                name,
                rowno,
                None,
                len(raw),
                f"有 {len(raw)} 个单元格，表头有 {len(header)} 个 / has {len(raw)} cells, "
                f"header has {len(header)}",
            )
            continue
        out.append((rowno, {c: raw[idx[c]].strip() if c in idx else "" for c in columns}))
    return out
