"""The national summary: one self-contained HTML page in the report's style.

Key-figure cards, a map of the county seats coloured by a chosen figure (inline SVG, the
report's equirectangular projection; a menu recolours it), a table by province (medians), the
table of every county (click a column head to sort; a menu filters by province) and the
counties that failed or were skipped with their reasons. No network resource, no external
script; the page's small script only sorts, filters and recolours.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from jinja2 import ChoiceLoader, Environment, PackageLoader

from ruralflow.scale.columns import COLUMNS, FIGURES, Column
from ruralflow.scale.store import ResultStore, write_atomic

#: Sequential palette of the map's five classes (low to high), and the colour of no value.
PALETTE = ("#2c7bb6", "#abd9e9", "#ffffbf", "#fdae61", "#d7191c")
NO_VALUE = "#c3c7c0"
#: Default map figure, in order of preference.
PREFERRED = ("saving_pct", "coverage_after", "up_down_balance", "season_saving_pct")
MAP_WIDTH = 960.0
#: Failed or skipped counties listed with their reasons (the rest are counted).
MAX_PROBLEMS = 300


@cache
def _environment() -> Environment:
    from ruralflow.report.templating import environment

    base = environment()
    return base.overlay(
        loader=ChoiceLoader([PackageLoader("ruralflow.scale", "templates"), base.loader])  # type: ignore[list-item]
    )


def fmt(value: Any, column: Column) -> str:
    """A figure for a person (shares as %, yuan without decimals, ratios with three)."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    v = float(value)
    if column.fmt == "pct":
        return f"{100 * v:.1f} %"
    if column.fmt == "pct100":
        return f"{v:.1f} %"
    if column.fmt == "yuan":
        return f"{v:,.0f}"
    if column.fmt == "ratio":
        return f"{v:.3f}"
    if column.fmt in ("count",):
        return f"{int(v):,}"
    if column.fmt in ("kg", "s"):
        return f"{v:,.1f}"
    return f"{v:g}"


def breaks(values: Sequence[float], classes: int = len(PALETTE)) -> list[float]:
    """Quantile class limits of ``values`` (``classes - 1`` inner limits, ascending)."""
    vs = sorted(v for v in values if math.isfinite(v))
    if not vs:
        return []
    out = []
    for i in range(1, classes):
        pos = i * (len(vs) - 1) / classes
        lo = math.floor(pos)
        hi = min(lo + 1, len(vs) - 1)
        out.append(vs[lo] + (vs[hi] - vs[lo]) * (pos - lo))
    return out


def colour(value: float | None, limits: Sequence[float]) -> str:
    if value is None or not math.isfinite(value) or not limits:
        return NO_VALUE
    i = sum(1 for b in limits if value > b)
    return PALETTE[min(i, len(PALETTE) - 1)]


@dataclass(frozen=True, slots=True)
class _Point:
    i: int
    x: float
    y: float
    province: str
    title: str
    fill: str


def _figures_present(rows: Sequence[dict[str, Any]]) -> list[Column]:
    return [c for c in FIGURES.values() if any(r.get(c.name) is not None for r in rows)]


def _median(values: Iterable[Any]) -> float | None:
    vs = [float(v) for v in values if v is not None and math.isfinite(float(v))]
    return statistics.median(vs) if vs else None


@dataclass(frozen=True, slots=True)
class Projection:
    """Equirectangular projection scaled by cos(lat0); ``k`` pixels per degree of latitude."""

    lon_min: float
    lat_max: float
    cos0: float
    k: float
    pad_x: float
    pad_y: float

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return (
            self.pad_x + (lon - self.lon_min) * self.cos0 * self.k,
            self.pad_y + (self.lat_max - lat) * self.k,
        )


def _map(rows: Sequence[dict[str, Any]], figure: Column | None) -> dict[str, Any]:
    pts = [(i, r) for i, r in enumerate(rows) if r.get("lon") is not None and r.get("lat")]
    if not pts:
        return {"width": MAP_WIDTH, "height": 200.0, "points": [], "grid": [], "labels": []}
    lons = [float(r["lon"]) for _, r in pts]
    lats = [float(r["lat"]) for _, r in pts]
    lon0, lon1 = min(lons) - 0.5, max(lons) + 0.5
    lat0, lat1 = min(lats) - 0.5, max(lats) + 0.5
    cos0 = math.cos(math.radians((lat0 + lat1) / 2))
    pad = 24.0
    k = (MAP_WIDTH - 2 * pad) / max(0.5, (lon1 - lon0) * cos0)
    height = min(900.0, 2 * pad + (lat1 - lat0) * k)
    if 2 * pad + (lat1 - lat0) * k > height:  # a tall selection: fit the height instead
        k = (height - 2 * pad) / (lat1 - lat0)
    proj = Projection(lon0, lat1, cos0, k, pad, pad)
    values = [float(r[figure.name]) for _, r in pts if figure and r.get(figure.name) is not None]
    limits = breaks(values)
    points = []
    for i, r in pts:
        x, y = proj.xy(float(r["lon"]), float(r["lat"]))
        v = None if figure is None else r.get(figure.name)
        label = "" if figure is None else f"; {figure.zh} / {figure.en}: {fmt(v, figure)}"
        points.append(
            _Point(
                i,
                round(x, 1),
                round(y, 1),
                r.get("province") or "",
                f"{r.get('name') or ''} {r['adcode']} ({r.get('province') or ''}){label}",
                colour(None if v is None else float(v), limits),
            )
        )
    grid, labels = [], []
    step = 5 if (lon1 - lon0) > 12 else 1
    for lon in range(math.ceil(lon0 / step) * step, math.floor(lon1) + 1, step):
        x, _ = proj.xy(lon, lat1)
        grid.append((round(x, 1), 0.0, round(x, 1), round(height, 1)))
        labels.append((round(x + 2, 1), round(height - 4, 1), f"{lon}°E"))
    for lat in range(math.ceil(lat0 / step) * step, math.floor(lat1) + 1, step):
        _, y = proj.xy(lon0, lat)
        grid.append((0.0, round(y, 1), MAP_WIDTH, round(y, 1)))
        labels.append((4.0, round(y - 2, 1), f"{lat}°N"))
    return {
        "width": MAP_WIDTH,
        "height": round(height, 1),
        "points": points,
        "grid": grid,
        "labels": labels,
        "limits": limits,
    }


def _legend(limits: Sequence[float], figure: Column | None) -> list[tuple[str, str]]:
    if figure is None or not limits:
        return [(NO_VALUE, "无数值 / no value")]
    edges = [None, *limits, None]
    out = []
    for i, c in enumerate(PALETTE):
        lo, hi = edges[i], edges[i + 1]
        if lo is None:
            text = f"≤ {fmt(hi, figure)}"
        elif hi is None:
            text = f"> {fmt(lo, figure)}"
        else:
            text = f"{fmt(lo, figure)} – {fmt(hi, figure)}"
        out.append((c, text))
    out.append((NO_VALUE, "无数值 / no value"))
    return out


def _provinces(rows: Sequence[dict[str, Any]], figures: Sequence[Column]) -> list[dict[str, Any]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        groups[r.get("province") or "?"].append(r)
    out = []
    for prov in sorted(groups):
        rs = groups[prov]
        down = [r for r in rs if r.get("balance_diagnosis")]
        out.append(
            {
                "province": prov,
                "counties": len(rs),
                "ok": sum(1 for r in rs if r.get("status") == "ok"),
                "failed": sum(1 for r in rs if r.get("status") == "failed"),
                "skipped": sum(1 for r in rs if r.get("status") == "skipped"),
                "down_heavy": sum(1 for r in down if r["balance_diagnosis"] == "down_heavy"),
                "diagnosed": len(down),
                "medians": [(_median(r.get(c.name) for r in rs), c) for c in figures],
            }
        )
    return out


def _cards(rows: Sequence[dict[str, Any]]) -> list[tuple[str, str, str]]:
    n = len(rows)
    by: defaultdict[str, int] = defaultdict(int)
    for r in rows:
        by[r.get("status") or "missing"] += 1
    cards = [
        (f"{n:,}", "县级单位", "counties"),
        (f"{by['ok']:,}", "成功", "ok"),
        (f"{by['failed']:,}", "失败", "failed"),
        (f"{by['skipped']:,}", "跳过", "skipped"),
    ]
    sav = _median(r.get("saving_pct") for r in rows)
    if sav is not None:
        cards.append((f"{sav:.1f} %", "一体化节约中位数", "median integration saving"))
        pays = sum(1 for r in rows if (r.get("saving_pct") or 0) > 0)
        cards.append((f"{pays:,}", "一体化划算的县", "counties where integration pays"))
    diag = [r for r in rows if r.get("balance_diagnosis")]
    if diag:
        dh = sum(1 for r in diag if r["balance_diagnosis"] == "down_heavy")
        cards.append((f"{dh:,} / {len(diag):,}", "重下行轻上行", "down-heavy counties"))
    gain = _median(
        (r["coverage_after"] - r["coverage_before"])
        for r in rows
        if r.get("coverage_after") is not None and r.get("coverage_before") is not None
    )
    if gain is not None:
        cards.append((f"+{100 * gain:.1f} pt", "站点覆盖提升中位数", "median coverage gain"))
    return cards


def render_summary(
    rows: Sequence[dict[str, Any]],
    *,
    figure: str | None = None,
    title_note: str = "",
    meta: dict[str, Any] | None = None,
) -> str:
    """The summary page of ``rows`` (one per county) as HTML text."""
    from ruralflow import __version__

    names = [c.name for c in COLUMNS]
    rows = [{**dict.fromkeys(names), **r} for r in rows]
    figures = _figures_present(rows)
    chosen = FIGURES.get(figure or "") if figure else None
    if chosen is None or chosen not in figures:
        chosen = next((FIGURES[n] for n in PREFERRED if FIGURES[n] in figures), None)
        chosen = chosen or (figures[0] if figures else None)
    m = _map(rows, chosen)
    data = {
        "figures": [
            {"name": c.name, "zh": c.zh, "en": c.en, "fmt": c.fmt, "unit": c.unit} for c in figures
        ],
        "values": {
            c.name: [None if r.get(c.name) is None else float(r[c.name]) for r in rows]
            for c in figures
        },
        "palette": list(PALETTE),
        "none": NO_VALUE,
    }
    problems = [r for r in rows if r.get("status") in ("failed", "skipped")]
    return (
        _environment()
        .get_template("summary.html.j2")
        .render(
            version=__version__,
            title="全国县域扫描 / National county sweep",
            title_note=title_note,
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            cards=_cards(rows),
            rows=rows,
            figures=figures,
            chosen=chosen,
            map=m,
            legend=_legend(m.get("limits", []), chosen),
            provinces=_provinces(rows, figures),
            problems=problems[:MAX_PROBLEMS],
            problems_more=max(0, len(problems) - MAX_PROBLEMS),
            data=data,
            fmt=fmt,
            meta=meta or {},
        )
    )


def write_summary(
    store: ResultStore, adcodes: Sequence[str], figure: str | None = None, title_note: str = ""
) -> int:
    """Write ``summary.html`` of the counties ``adcodes`` that have a record; their count."""
    rows = list(store.rows(adcodes))
    html = render_summary(rows, figure=figure, title_note=title_note)
    write_atomic(store.summary, html.encode("utf-8"))
    return len(rows)
