"""The analyses that ``ruralflow demo`` runs, each adding sections to the report.

An :class:`Analysis` names the engine packages it needs and an entry point
``"module:function"`` with the signature ``function(county, day, options) -> Sequence[Section]``
(``options`` a :class:`~ruralflow.report.model.ReportOptions`: budgets and seed). The
entry is imported only when the analysis runs. An analysis whose engine is not installed yet,
or whose report adapter module does not exist yet, is *absent*: it is skipped and the report
shows nothing for it (no placeholder, no fake numbers).

To add an engine's results to the report, write an adapter module in ``ruralflow/report/``
(for example ``report/logistics.py`` with ``def sections(county, day, options)`` that
calls ``ruralflow.logistics.plan``) and append an :class:`Analysis` to :data:`ANALYSES`, or
call :func:`register` at run time.
"""

from __future__ import annotations

import datetime as dt
import importlib
import importlib.util
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ruralflow.domain import County
from ruralflow.report.model import ReportOptions, Section

SectionsFn = Callable[[County, dt.date | None, ReportOptions], Sequence[Section]]


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):  # a parent package is missing
        return False


@dataclass(frozen=True, slots=True)
class Analysis:
    """One analysis of the report: ``engines`` it needs, ``entry`` "module:function"."""

    id: str
    title_zh: str
    title_en: str
    entry: str
    engines: tuple[str, ...] = ()

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"

    def available(self) -> bool:
        """True when every engine and the entry module can be imported."""
        module = self.entry.partition(":")[0]
        return all(_module_exists(e) for e in self.engines) and _module_exists(module)

    def load(self) -> SectionsFn:
        module, _, name = self.entry.partition(":")
        fn = getattr(importlib.import_module(module), name, None)
        if not callable(fn):
            raise ImportError(f"analysis {self.id!r}: {self.entry} is not a function")
        return fn  # type: ignore[no-any-return]

    def run(
        self, county: County, day: dt.date | None, options: ReportOptions | None = None
    ) -> list[Section]:
        return list(self.load()(county, day, options or ReportOptions()))


#: The analyses of the report, in report order: the county overview, then one per engine,
#: each an adapter module in ``ruralflow/report/`` (the engines import no report code).
ANALYSES: list[Analysis] = [
    Analysis(
        "overview",
        "县域概况",
        "County overview",
        "ruralflow.report.overview:overview_sections",
    ),
    Analysis(
        "logistics",
        "两向物流计划",
        "Two-way logistics plan",
        "ruralflow.report.logistics:logistics_sections",
        engines=("ruralflow.logistics",),
    ),
    Analysis(
        "siting",
        "设施选址",
        "Facility siting",
        "ruralflow.report.siting:sections",
        engines=("ruralflow.siting",),
    ),
    Analysis(
        "matrix",
        "城乡要素对流价值矩阵",
        "Convection value matrix",
        "ruralflow.report.matrix:sections",
        engines=("ruralflow.matrix",),
    ),
    Analysis(
        "sharing",
        "利益联结与价格风险",
        "Benefit sharing and price risk",
        "ruralflow.report.sharing:sections",
        engines=("ruralflow.sharing",),
    ),
    Analysis(
        "upflow",
        "上行增值：预处理、分级与渠道",
        "Up-flow value: preprocessing, grading and channels",
        "ruralflow.report.upflow:sections",
        engines=("ruralflow.preprocess",),
    ),
    Analysis(
        "trace",
        "溯源与追溯码",
        "Traceability and trace codes",
        "ruralflow.report.trace:sections",
        engines=("ruralflow.trace",),
    ),
]


def register(analysis: Analysis) -> None:
    """Add ``analysis`` to :data:`ANALYSES` (replacing one with the same id)."""
    for i, a in enumerate(ANALYSES):
        if a.id == analysis.id:
            ANALYSES[i] = analysis
            return
    ANALYSES.append(analysis)


def available_analyses() -> list[Analysis]:
    """The analyses whose engines are installed, in report order."""
    return [a for a in ANALYSES if a.available()]


def run_analyses(
    county: County,
    day: dt.date | None,
    *,
    analyses: Sequence[Analysis] | None = None,
    options: ReportOptions | None = None,
    on_start: Callable[[Analysis], None] | None = None,
) -> list[Section]:
    """Run ``analyses`` (default: every available one) and return their sections in order.

    ``on_start`` is called before each analysis runs (the CLI advances its progress bar).
    """
    out: list[Section] = []
    for a in available_analyses() if analyses is None else analyses:
        if on_start is not None:
            on_start(a)
        out += a.run(county, day, options)
    return out
