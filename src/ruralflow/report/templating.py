"""The report's Jinja2 environment (templates are package data in ``report/templates``)."""

from __future__ import annotations

from functools import cache
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined

from ruralflow.report import fmt


@cache
def environment() -> Environment:
    """The shared environment: autoescaping on, strict undefined, number filters.

    Filters: ``num(digits=0)``, ``unit(unit, digits=0)``, ``smart``, ``hhmm``, ``yesno``,
    ``short``.
    """
    env = Environment(
        loader=PackageLoader("ruralflow.report", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt.num
    env.filters["unit"] = fmt.unit
    env.filters["smart"] = fmt.smart
    env.filters["hhmm"] = fmt.hhmm
    env.filters["yesno"] = fmt.yesno
    env.filters["short"] = fmt.short
    return env


def render_fragment(template: str, /, **context: Any) -> str:
    """Render one template of the package to a string (data is HTML-escaped).

    Engines that add sections to the report may use it with their own templates in
    ``report/templates``, or build their HTML otherwise and escape their data themselves.
    """
    return environment().get_template(template).render(**context)
