"""Small inline SVG bar charts (geometry only; markup in ``templates/bars.svg.j2``)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from ruralflow.report.fmt import smart

#: Colours for stacked series (products), in order.
SERIES_COLOURS = (
    "#3b8d4f",
    "#e08a1e",
    "#8e5bb5",
    "#c0392b",
    "#2a7fb8",
    "#7a8b2b",
    "#b5651d",
    "#5d6d7e",
)


@dataclass(frozen=True, slots=True)
class Series:
    """One stacked series: ``values`` aligned with the chart's categories."""

    name: str
    colour: str
    values: tuple[float, ...]


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    colour: str
    title: str


@dataclass
class Panel:
    """One panel of stacked bars with its y axis."""

    title: str
    unit: str
    top: float
    height: float
    bars: list[Bar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class Chart:
    width: float
    height: float
    left: float
    plot_width: float
    panels: list[Panel] = field(default_factory=list)
    x_labels: list[tuple[float, str]] = field(default_factory=list)
    plot_top: float = 0.0
    axis_y: float = 0.0
    highlight: tuple[float, float] | None = None
    highlight_label: str = ""
    title: str = ""


def _nice_max(v: float) -> float:
    if v <= 0:
        return 1.0
    e = 10.0 ** math.floor(math.log10(v))
    for s in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if s * e >= v:
            return s * e
    return 10 * e


def stacked_panels(
    categories: Sequence[str],
    panels: Sequence[tuple[str, str, Sequence[Series]]],
    *,
    x_labels: Sequence[tuple[int, str]] = (),
    highlight: int | None = None,
    highlight_label: str = "",
    width: float = 960.0,
    panel_height: float = 120.0,
    title: str = "",
) -> Chart:
    """Panels of stacked bars sharing one category axis.

    ``panels`` holds (title, unit, series) per panel. ``x_labels`` are (category index, text)
    to print under the axis; ``highlight`` marks one category (the report's chosen day).
    """
    left, right, gap, bottom = 70.0, 12.0, 30.0, 24.0
    plot_w = width - left - right
    n = max(len(categories), 1)
    slot = plot_w / n
    bw = max(slot * 0.78, 0.8)
    chart = Chart(width=width, height=0.0, left=left, plot_width=plot_w, title=title)
    top = 22.0
    for ptitle, unit, series in panels:
        p = Panel(ptitle, unit, top, panel_height)
        totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
        ymax = _nice_max(max(totals, default=0.0))
        scale = panel_height / ymax
        for frac in (0.0, 0.5, 1.0):
            text = smart(ymax * frac) + (f" {unit}" if frac == 1.0 else "")
            p.ticks.append((round(top + panel_height * (1 - frac), 1), text))
        for i, cat in enumerate(categories):
            base = top + panel_height
            x = left + i * slot + (slot - bw) / 2
            for s in series:
                v = s.values[i]
                if v <= 0:
                    continue
                h = v * scale
                base -= h
                name = f"{s.name}: " if len(series) > 1 else ""
                tip = f"{cat} · {name}{smart(v)} {unit} (合计/total {smart(totals[i])} {unit})"
                chart_bar = Bar(
                    round(x, 2), round(base, 2), round(bw, 2), round(h, 2), s.colour, tip
                )
                p.bars.append(chart_bar)
        p.legend = [(s.name, s.colour) for s in series] if len(series) > 1 else []
        chart.panels.append(p)
        top += panel_height + gap
    axis_y = top - gap
    chart.plot_top = chart.panels[0].top if chart.panels else 0.0
    chart.axis_y = axis_y
    chart.height = axis_y + bottom
    chart.x_labels = [(round(left + (i + 0.5) * slot, 1), text) for i, text in x_labels]
    if highlight is not None and 0 <= highlight < len(categories):
        chart.highlight = (round(left + highlight * slot, 2), round(slot, 2))
        chart.highlight_label = highlight_label
    return chart
