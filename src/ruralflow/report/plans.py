"""One day plan per report: the logistics and matrix sections read the same plan.

:func:`day_plan` ``(county, day, options, use_buses=True)`` plans ``day`` with the report's
budget and seed (integrated, with the separate comparison) the first time it is asked, and
returns the same :class:`~ruralflow.logistics.Plan` to every later section of the same report
(the same ``county`` object, day, budget and seed). A plan without buses (``use_buses=False``,
for the bus scenario of the value matrix) is planned without the comparison.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict

from ruralflow.domain import County
from ruralflow.logistics.options import PlanOptions
from ruralflow.logistics.planner import plan
from ruralflow.logistics.result import Plan
from ruralflow.report.model import ReportOptions

_CACHE: OrderedDict[tuple[int, dt.date, float, int, bool], tuple[County, Plan]] = OrderedDict()
_SIZE = 4


def day_plan(
    county: County, day: dt.date, options: ReportOptions, *, use_buses: bool = True
) -> Plan:
    """The report's plan of ``day`` (planned once per county object, day, budget and seed)."""
    key = (id(county), day, options.plan_seconds, options.seed, use_buses)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] is county:
        _CACHE.move_to_end(key)
        return hit[1]
    p = plan(
        county,
        day,
        PlanOptions(
            time_limit_s=options.plan_seconds,
            seed=options.seed,
            compare=use_buses,
            use_buses=use_buses,
        ),
    )
    _CACHE[key] = (county, p)
    while len(_CACHE) > _SIZE:
        _CACHE.popitem(last=False)
    return p


def clear() -> None:
    """Forget the cached plans (tests)."""
    _CACHE.clear()
