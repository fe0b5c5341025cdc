"""HTML helpers shared by the report adapters (escaping, bilingual labels, tables, cards).

The adapters that build their markup in Python (``report/logistics.py``, ``report/siting.py``,
``report/sharing.py``, ``report/matrix.py``) use these instead of each keeping its own copy;
templates use the Jinja environment of :mod:`ruralflow.report.templating` and the macros of
``templates/_badges.j2``. Every helper escapes the text it is given, except ``value`` and the
cells of :func:`table`, which are markup already (build them with :func:`esc` or :func:`bi`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from ruralflow.report.model import Origin


def esc(text: object) -> str:
    """``text`` as HTML text (``&``, ``<``, ``>`` and both quotes escaped)."""
    return escape(str(text), quote=True)


def bi(zh: str, en: str) -> str:
    """A bilingual label: ``<span class="zh">…</span> <span class="en">…</span>``."""
    return f'<span class="zh">{esc(zh)}</span> <span class="en">{esc(en)}</span>'


def table(head: Sequence[str], rows: Iterable[Sequence[str]], right_from: int = 1) -> str:
    """A data table in its scrolling wrapper; columns from ``right_from`` on are right-aligned.

    ``head`` and the cells of ``rows`` are markup (escape data with :func:`esc`).
    """

    def cell(tag: str, i: int, c: str) -> str:
        cls = ' class="r"' if i >= right_from else ""
        return f"<{tag}{cls}>{c}</{tag}>"

    th = "".join(cell("th", i, h) for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(cell("td", i, c) for i, c in enumerate(r)) + "</tr>" for r in rows
    )
    return (
        '<div class="table-wrap"><table class="data"><thead><tr>'
        + th
        + "</tr></thead><tbody>"
        + body
        + "</tbody></table></div>"
    )


def card(value: str, zh: str, en: str) -> str:
    """A key-figure card: ``value`` (markup) over its bilingual label ``zh / en``."""
    return (
        f'<div class="card"><div class="v">{value}</div>'
        f'<div class="k">{esc(zh)} / {esc(en)}</div></div>'
    )


def origin_kind(source: str) -> str:
    """The badge kind of a free-text source (``real``, ``synthetic`` or ``assumption``)."""
    return Origin.of(source).value
