"""Many counties at once on Dask: the national sweep (``ruralflow sweep``).

- :func:`sweep` (:mod:`~ruralflow.scale.runner`): one Dask task per county on a local cluster or
  an existing scheduler, records streamed to disk, resumable;
- :func:`run_county` (:mod:`~ruralflow.scale.county`): what a worker does for one county;
- :class:`ResultStore` (:mod:`~ruralflow.scale.store`): the sweep's folder, atomic writes and
  ``counties.parquet``; :data:`COLUMNS` (:mod:`~ruralflow.scale.columns`): its schema;
- :func:`select_counties` (:mod:`~ruralflow.scale.selection`): ``all``, a file or a list;
- :func:`render_summary` (:mod:`~ruralflow.scale.summary`): the national summary HTML.

This package may import the bundle builders and the engines; they never import it.
"""

from __future__ import annotations

from ruralflow.scale.columns import COLUMNS as COLUMNS
from ruralflow.scale.columns import FIGURES as FIGURES
from ruralflow.scale.county import ANALYSES as ANALYSES
from ruralflow.scale.county import CountyTask as CountyTask
from ruralflow.scale.county import run_county as run_county
from ruralflow.scale.runner import DEFAULT_WHAT as DEFAULT_WHAT
from ruralflow.scale.runner import SweepError as SweepError
from ruralflow.scale.runner import SweepMonitor as SweepMonitor
from ruralflow.scale.runner import SweepOptions as SweepOptions
from ruralflow.scale.runner import SweepReport as SweepReport
from ruralflow.scale.runner import sweep as sweep
from ruralflow.scale.selection import SelectionError as SelectionError
from ruralflow.scale.selection import select_counties as select_counties
from ruralflow.scale.store import ResultStore as ResultStore
from ruralflow.scale.summary import render_summary as render_summary

__all__ = [
    "ANALYSES",
    "COLUMNS",
    "DEFAULT_WHAT",
    "FIGURES",
    "CountyTask",
    "ResultStore",
    "SelectionError",
    "SweepError",
    "SweepMonitor",
    "SweepOptions",
    "SweepReport",
    "render_summary",
    "run_county",
    "select_counties",
    "sweep",
]
