"""Build the self-contained HTML report of a county and write it to disk."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from pathlib import Path

from ruralflow import __version__
from ruralflow.domain import County
from ruralflow.report.figures import page_scripts
from ruralflow.report.model import Section
from ruralflow.report.overview import (
    OVERVIEW_IDS,
    default_day,
    key_figures,
    overview_sections,
    provenance_section,
)
from ruralflow.report.templating import render_fragment

REPORT_FILE = "report.html"


def _arrange(county: County, day: dt.date | None, sections: Sequence[Section]) -> list[Section]:
    """The overview's sections, each replaced by a given section with the same id, then the
    other given sections in their order."""
    given = list(sections)
    ids = [s.id for s in given]
    dups = sorted({i for i in ids if ids.count(i) > 1})
    if dups:
        raise ValueError(f"report sections: duplicate section id(s) {', '.join(dups)}")
    if "provenance" in ids:
        raise ValueError("report sections: id 'provenance' is reserved for the report itself")
    if set(OVERVIEW_IDS) <= set(ids):
        return given
    by_id = {s.id: s for s in given}
    base = [by_id.get(s.id, s) for s in overview_sections(county, day)]
    return base + [s for s in given if s.id not in OVERVIEW_IDS]


def build_report(
    county: County,
    *,
    day: dt.date | None = None,
    sections: Sequence[Section] = (),
    title: str | None = None,
) -> str:
    """The report of ``county`` as one self-contained HTML page (inline CSS, figure specs,
    ECharts and the figures module of the dashboard; see :mod:`ruralflow.report.figures`).

    The page always has the county overview (map, network, flows of ``day``; default: the
    busiest day of the bundle) and ends with the data provenance section. ``sections`` are
    added after the overview; a section whose id is one of the overview's (``map``,
    ``network``, ``flows``) replaces it.
    """
    if day is None:
        day = default_day(county)
    body = _arrange(county, day, sections)
    prov = provenance_section(county, body)
    name = county.name + (f" {county.settings.name_en}" if county.settings.name_en else "")
    return render_fragment(
        "report.html.j2",
        county=county,
        title=title or f"{name} 县域电商双向物流报告 / Rural e-commerce report",
        sections=[*body, prov],
        day=day,
        figures=key_figures(county, day),
        version=__version__,
        scripts=page_scripts(county, "".join(s.html for s in body)),
    )


def report_path(county: County, out_dir: str | os.PathLike[str]) -> Path:
    """``out_dir/<adcode>/report.html``."""
    return Path(out_dir) / county.adcode / REPORT_FILE


def write_report(
    county: County,
    out_dir: str | os.PathLike[str],
    *,
    day: dt.date | None = None,
    sections: Sequence[Section] = (),
    title: str | None = None,
) -> Path:
    """Write the report to ``out_dir/<adcode>/report.html`` (atomically) and return the path."""
    html = build_report(county, day=day, sections=sections, title=title)
    path = report_path(county, out_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    # a temporary file beside the report (default permissions), renamed into place
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path
