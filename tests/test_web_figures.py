"""The dashboard draws its charts and maps with figures.js, the static report's renderer
(issue 15 item 2): no other page script of ours talks to ECharts or builds its options."""

from __future__ import annotations

import re
from pathlib import Path

import ruralflow

APP = Path(ruralflow.__file__).parent / "web" / "static" / "app"
# what only a renderer does: call ECharts, or write an option's geo/axis/series layout
DRAWING = re.compile(r"\becharts\b|setOption|aspectScale|coordinateSystem|xAxis|yAxis")


def test_only_figures_js_draws_charts_and_maps() -> None:
    scripts = sorted(APP.glob("*.js"))
    assert (APP / "figures.js") in scripts and len(scripts) > 10
    offenders = {
        p.name: sorted(set(DRAWING.findall(p.read_text(encoding="utf-8"))))
        for p in scripts
        if p.name != "figures.js" and DRAWING.search(p.read_text(encoding="utf-8"))
    }
    assert offenders == {}, offenders


def test_the_pages_with_figures_mount_figure_specs() -> None:
    for name in ("plan.js", "siting.js", "overview.js", "season.js", "matrix.js"):
        text = (APP / name).read_text(encoding="utf-8")
        assert 'from "./figures.js"' in text and "mountFigure(" in text, name
        assert re.search(r'kind: "(map|xy|bars)"', text), name
