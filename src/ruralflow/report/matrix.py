"""The value matrix as a report section: heat map, flow diagram, indicators, scenarios, IO,
uncertainty (tornado and Monte Carlo band).

Entry point of the report's analysis (``ruralflow.report.analyses``):
:func:`sections` ``(county, day, options) -> [Section]``. The logistics saving of the matrix
is measured on the same day plan as the report's logistics section
(:func:`ruralflow.report.plans.day_plan`, planned once), so the two never disagree.
Everything is inline SVG and HTML (no scripts); data is escaped by the report's Jinja
environment. Chart data (:func:`tornado_data`) is built apart from its drawing
(:func:`tornado_svg`).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from markupsafe import Markup, escape

from ruralflow.bundle.io_tables import load_io_inputs
from ruralflow.domain import County
from ruralflow.matrix.engine import MatrixOptions, analyse
from ruralflow.matrix.errors import MatrixError
from ruralflow.matrix.result import INDICATOR_LABELS, MatrixResult
from ruralflow.matrix.uncertainty import OUTPUTS
from ruralflow.report.html import origin_kind
from ruralflow.report.model import ProvenanceItem, ReportOptions, Section
from ruralflow.report.plans import day_plan
from ruralflow.report.templating import environment

_DOWN = "#2a7fb8"
_UP = "#3b8d4f"


def _fmt(v: float, digits: int = 3) -> str:
    if not math.isfinite(v):
        return "–"
    if v == 0:
        return "0"
    return f"{v:.{digits}g}"


def _myuan(v: float) -> str:
    return f"{v / 1e6:,.2f}"


# ----------------------------------------------------------------------------- heat map


def heat_map_svg(result: MatrixResult) -> Markup:
    """``M`` as a heat map: rows inducing flows, columns induced flows (colour ~ sqrt value)."""
    flows = result.flows
    n = len(flows)
    cell, left, top = 92.0, 150.0, 64.0
    w, h = left + n * cell + 20, top + n * cell + 46
    m = result.matrix
    vmax = float(np.max(m)) if np.max(m) > 0 else 1.0
    coefs = {(c.source, c.target): c for c in result.coefficients}
    parts = [
        f'<svg class="chart matrix-heat" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="value matrix heat map" style="max-width:{w:.0f}px">'
    ]
    parts.append(
        f'<text x="{left + n * cell / 2:.0f}" y="16" text-anchor="middle" class="ptitle">'
        "被诱发的流 / induced flow j →</text>"
    )
    for j, f in enumerate(flows):
        spec = result.specs[j]
        parts.append(
            f'<text x="{left + (j + 0.5) * cell:.0f}" y="{top - 24:.0f}" text-anchor="middle">'
            f"{escape(spec.label_zh)}</text>"
            f'<text x="{left + (j + 0.5) * cell:.0f}" y="{top - 10:.0f}" text-anchor="middle">'
            f"{escape(f)}</text>"
        )
    for i, a in enumerate(flows):
        y = top + i * cell
        parts.append(
            f'<text x="{left - 8:.0f}" y="{y + cell / 2 - 4:.0f}" text-anchor="end">'
            f"{escape(result.specs[i].label_zh)}</text>"
            f'<text x="{left - 8:.0f}" y="{y + cell / 2 + 10:.0f}" text-anchor="end">'
            f"{escape(a)}</text>"
        )
        for j, b in enumerate(flows):
            v = float(m[i, j])
            c = coefs[(a, b)]
            t = math.sqrt(v / vmax) if v > 0 else 0.0
            fill = f"rgba(31,81,53,{0.08 + 0.85 * t:.3f})" if c.is_link else "#f4f5f2"
            ink = "#fff" if t > 0.55 else "#1d2733"
            tip = f"{a} -> {b} = {v:.6g}; {c.formula or c.origin}"
            x = left + j * cell
            parts.append(
                f'<g><title>{escape(tip)}</title><rect x="{x + 1:.0f}" y="{y + 1:.0f}" '
                f'width="{cell - 2:.0f}" height="{cell - 2:.0f}" rx="4" fill="{fill}" '
                f'stroke="#dde2dc"/>'
                f'<text x="{x + cell / 2:.0f}" y="{y + cell / 2 + 4:.0f}" text-anchor="middle" '
                f'style="fill:{ink};font-size:13px">{escape(_fmt(v) if c.is_link else "·")}'
                "</text>"
                + (
                    f'<text x="{x + cell - 8:.0f}" y="{y + 15:.0f}" text-anchor="end" '
                    f'style="fill:{ink};font-size:10px">A</text>'
                    if c.is_link and c.is_assumption
                    else ""
                )
                + "</g>"
            )
    parts.append(
        f'<text x="{left:.0f}" y="{h - 14:.0f}">行 i 诱发列 j: M[i,j] = 每元 i 诱发的 j (元) / '
        "row i induces column j, yuan per yuan; A = rests on an assumption; · = no link</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


# ----------------------------------------------------------------------------- flow diagram


@dataclass(frozen=True, slots=True)
class _Node:
    x: float
    y: float
    r: float
    r_direct: float


def flow_diagram_svg(result: MatrixResult) -> Markup:
    """Flows as circles (area ~ total value, inner disc ~ direct value), down flows left and up
    flows right, and arrows whose width is the value induced along each link in the full
    solution, ``M[i, j] * v_i`` (yuan a year)."""
    ind = result.indicators
    flows = result.flows
    n = len(flows)
    downs = [i for i, s in enumerate(result.specs) if s.direction == "down"]
    ups = [i for i, s in enumerate(result.specs) if s.direction == "up"]
    rows = max(len(downs), len(ups), 1)
    rmax, gap = 56.0, 150.0
    w, x_left, x_right, top = 900.0, 300.0, 600.0, 60.0
    h = top + (rows - 1) * (2 * rmax + gap - 40) + 2 * rmax + 80
    vmax = float(ind.v.max()) if ind.v.max() > 0 else 1.0
    pos: dict[int, tuple[float, float]] = {}
    for x, idx in ((x_left, downs), (x_right, ups)):
        for k, i in enumerate(idx):
            pos[i] = (x, top + rmax + k * (2 * rmax + gap - 40))
    nodes: list[_Node] = []
    for i in range(n):
        x, y = pos[i]
        r = max(6.0, rmax * math.sqrt(max(ind.v[i], 0.0) / vmax))
        rd = max(3.0, rmax * math.sqrt(max(ind.x[i], 0.0) / vmax))
        nodes.append(_Node(x, y, r, min(rd, r)))
    links = [
        (i, j, float(result.matrix[i, j] * ind.v[i]))
        for i in range(n)
        for j in range(n)
        if i != j and result.matrix[i, j] > 0
    ]
    fmax = max((f for _, _, f in links), default=1.0) or 1.0
    parts = [
        f'<svg class="chart matrix-flows" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="flow diagram" style="max-width:{w:.0f}px">',
        '<defs><marker id="mx-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
        'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto"><path '
        'd="M0,0 L10,5 L0,10 z" fill="#c96a00"/></marker></defs>',
        f'<text x="{x_left:.0f}" y="22" text-anchor="middle" class="ptitle">下行 / down</text>',
        f'<text x="{x_right:.0f}" y="22" text-anchor="middle" class="ptitle">上行 / up</text>',
    ]
    for i, j, f in links:
        a, b = nodes[i], nodes[j]
        dx, dy = b.x - a.x, b.y - a.y
        d = math.hypot(dx, dy) or 1.0
        ux, uy = dx / d, dy / d
        x1, y1 = a.x + ux * a.r, a.y + uy * a.r
        x2, y2 = b.x - ux * (b.r + 2), b.y - uy * (b.r + 2)
        bend = 0.16 * d
        qx, qy = (x1 + x2) / 2 - uy * bend, (y1 + y2) / 2 + ux * bend
        t = 0.35  # label nearer the source, so that crossing links keep apart
        mx = (1 - t) ** 2 * x1 + 2 * (1 - t) * t * qx + t**2 * x2
        my = (1 - t) ** 2 * y1 + 2 * (1 - t) * t * qy + t**2 * y2
        width = 1.0 + 8.0 * math.sqrt(f / fmax)
        tip = (
            f"{flows[i]} -> {flows[j]}: {f:,.0f} yuan/year induced "
            f"(M = {result.matrix[i, j]:.4g} x v = {ind.v[i]:,.0f})"
        )
        parts.append(
            f'<g><title>{escape(tip)}</title><path d="M{x1:.1f},{y1:.1f} Q{qx:.1f},{qy:.1f} '
            f'{x2:.1f},{y2:.1f}" fill="none" stroke="#c96a00" stroke-opacity=".5" '
            f'stroke-width="{width:.1f}" marker-end="url(#mx-arrow)"/>'
            f'<text x="{mx:.0f}" y="{my - 4:.0f}" text-anchor="middle" '
            f'style="font-size:10.5px;paint-order:stroke;stroke:#fff;stroke-width:3px">'
            f"{escape(_myuan(f))} M</text></g>"
        )
    for i, node in enumerate(nodes):
        spec = result.specs[i]
        colour = _DOWN if spec.direction == "down" else _UP
        left = spec.direction == "down"
        tx = node.x - node.r - 10 if left else node.x + node.r + 10
        anchor = "end" if left else "start"
        tip = (
            f"{spec.label}: direct {ind.x[i]:,.0f}, induced {ind.induced[i]:,.0f}, total "
            f"{ind.v[i]:,.0f} yuan/year"
        )
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<circle cx="{node.x:.1f}" cy="{node.y:.1f}" r="{node.r:.1f}" fill="{colour}" '
            f'fill-opacity=".22" stroke="{colour}"/>'
            f'<circle cx="{node.x:.1f}" cy="{node.y:.1f}" r="{node.r_direct:.1f}" '
            f'fill="{colour}" fill-opacity=".7"/>'
            f'<text x="{tx:.0f}" y="{node.y - 8:.0f}" text-anchor="{anchor}" class="ptitle">'
            f"{escape(spec.label_zh)} {escape(spec.name)}</text>"
            f'<text x="{tx:.0f}" y="{node.y + 8:.0f}" text-anchor="{anchor}">'
            f"直接 direct {escape(_myuan(ind.x[i]))} M + 诱发 induced "
            f"{escape(_myuan(ind.induced[i]))} M</text>"
            f'<text x="{tx:.0f}" y="{node.y + 22:.0f}" text-anchor="{anchor}">'
            f"= 总计 total {escape(_myuan(ind.v[i]))} M</text></g>"
        )
    parts.append(
        f'<text x="12" y="{h - 26:.0f}">圆面积 ~ 总价值, 内圆 ~ 直接价值; '
        "箭头宽 ~ 沿该链诱发的价值 M[i,j]·v_i (百万元/年)</text>"
        f'<text x="12" y="{h - 10:.0f}">circle area ~ total value, inner disc ~ direct value; '
        "arrow width ~ value induced along the link, M[i,j]·v_i (million yuan a year)</text>"
    )
    parts.append("</svg>")
    return Markup("".join(parts))


# ----------------------------------------------------------------------------- tornado


def tornado_data(result: MatrixResult, output: str = "total_value") -> dict[str, Any] | None:
    """The tornado of ``output`` as plain data (base, bars low/high), or ``None``."""
    u = result.uncertainty
    if u is None:
        return None
    base = float(u.base[output])
    bars = [
        {
            "key": b.item.key,
            "kind": b.item.kind,
            "range": _range_text(b.item.low, b.item.high, b.item.unit),
            "at_low": float(b.low[output]),
            "at_high": float(b.high[output]),
        }
        for b in u.tornado(output)
    ]
    return {"output": output, "label": OUTPUTS[output], "base": base, "bars": bars}


def _range_text(low: float, high: float, unit: str) -> str:
    if unit == "yuan/year":
        return f"{low / 1e6:,.1f} .. {high / 1e6:,.1f} M yuan/year"
    return f"{low:.4g} .. {high:.4g} {unit}"


def _tick(v: float, output: str) -> str:
    return f"{v / 1e6:,.0f} M" if output == "total_value" else f"{v:.3g}"


def tornado_svg(data: dict[str, Any]) -> Markup:
    """A horizontal tornado chart of :func:`tornado_data`: one bar per input, low end to high
    end, around the base value."""
    bars = data["bars"]
    output = str(data["output"])
    base = float(data["base"])
    row, left, right, top = 26.0, 230.0, 230.0, 44.0
    w = 860.0
    h = top + max(1, len(bars)) * row + 52
    vals: list[float] = [base]
    vals += [float(v) for b in bars for v in (b["at_low"], b["at_high"]) if math.isfinite(v)]
    lo, hi = min(vals), max(vals)
    span = (hi - lo) or (abs(base) or 1.0)
    lo, hi = lo - 0.05 * span, hi + 0.05 * span

    def x(v: float) -> float:
        return left + (v - lo) / (hi - lo) * (w - left - right)

    parts = [
        f'<svg class="chart matrix-tornado" viewBox="0 0 {w:.0f} {h:.0f}" role="img" '
        f'aria-label="tornado {escape(output)}" style="max-width:{w:.0f}px">',
        f'<text x="{left:.0f}" y="18" class="ptitle">{escape(str(data["label"]))}: '
        "每个输入取其范围两端 / each input at the ends of its range</text>",
    ]
    for i, b in enumerate(bars):
        y = top + i * row
        a, c = float(b["at_low"]), float(b["at_high"])
        x0, x1 = sorted((x(a), x(c)))
        tip = f"{b['key']} ({b['range']}): {_tick(a, output)} at low, {_tick(c, output)} at high"
        parts.append(
            f"<g><title>{escape(tip)}</title>"
            f'<text x="{left - 8:.0f}" y="{y + 15:.0f}" text-anchor="end" class="mono">'
            f"{escape(b['key'])}</text>"
            f'<rect x="{x0:.1f}" y="{y + 3:.1f}" width="{max(1.0, x1 - x0):.1f}" '
            f'height="{row - 8:.0f}" fill="{_UP if c >= a else _DOWN}" fill-opacity=".75"/>'
            f'<text x="{w - right + 12:.1f}" y="{y + 15:.0f}" style="font-size:10px">'
            f"{escape(b['range'])}</text></g>"
        )
    xb = x(base)
    yb = top + max(1, len(bars)) * row
    parts.append(
        f'<line x1="{xb:.1f}" y1="{top - 4:.0f}" x2="{xb:.1f}" y2="{yb:.0f}" stroke="#1d2733" '
        'stroke-dasharray="3 3"/>'
        f'<text x="{xb:.1f}" y="{top - 8:.0f}" text-anchor="middle" style="font-size:10px">'
        f"基准 / base {escape(_tick(base, output))}</text>"
    )
    for t in np.linspace(lo, hi, 5):
        parts.append(
            f'<text x="{x(float(t)):.1f}" y="{yb + 16:.0f}" text-anchor="middle" '
            f'style="font-size:10px">{escape(_tick(float(t), output))}</text>'
        )
    parts.append(
        f'<text x="12" y="{h - 10:.0f}">绿: 高端使指标上升, 蓝: 下降 / green: the high end raises '
        "the indicator, blue: lowers it</text></svg>"
    )
    return Markup("".join(parts))


def _delta(v: float | None, digits: int = 0) -> str:
    if v is None:
        return "–"
    return f"{v:+,.{digits}f}"


def render(result: MatrixResult) -> str:
    """The section's HTML fragment."""
    ind = result.indicators
    el = ind.elasticities.get("total_value")
    flows_idx = {f: i for i, f in enumerate(result.flows)}
    coefs = []
    for c in result.coefficients:
        if not c.is_link:
            continue
        e = el[flows_idx[c.source], flows_idx[c.target]] if el is not None else float("nan")
        coefs.append(
            {
                "source": c.source,
                "target": c.target,
                "value": c.value,
                "formula": c.formula,
                "meaning": c.meaning,
                "origin": c.origin,
                "origin_kind": origin_kind(c.origin),
                "inputs": [(name, v, origin_kind(v.source)) for name, v in c.inputs],
                "elasticity": _fmt(float(e), 4),
            }
        )
    el_labels = [(k, INDICATOR_LABELS.get(k, k)) for k in ind.elasticities]
    el_rows = []
    for row in coefs:
        i, j = flows_idx[str(row["source"])], flows_idx[str(row["target"])]
        el_rows.append(
            {
                "link": f"{row['source']} → {row['target']}",
                "cells": [_fmt(float(ind.elasticities[k][i, j]), 3) for k, _ in el_labels],
            }
        )
    flows = [
        {
            "name": f,
            "label": result.specs[i].label,
            "x": ind.x[i],
            "first": ind.first_round[i],
            "higher": ind.higher_rounds[i],
            "induced": ind.induced[i],
            "v": ind.v[i],
            "source": result.inputs.flows[f].source,
            "origin": origin_kind(result.inputs.flows[f].source),
        }
        for i, f in enumerate(result.flows)
    ]
    scenarios = [
        {
            "name": s.name,
            "title": s.title,
            "assumption": s.assumption,
            "changes": s.changes,
            "d": {
                "total_value": _delta(s.deltas.get("total_value")),
                "induced_value": _delta(s.deltas.get("induced_value")),
                "up": _delta(s.deltas.get("v.up_products")),
                "synergy": _delta(s.deltas.get("synergy_index"), 6),
                "output": _delta(s.deltas.get("county.output_type2")),
                "income": _delta(s.deltas.get("county.income_type2")),
            },
        }
        for s in result.scenarios
    ]
    io: dict[str, Any] | None = None
    cio = result.county_io
    if cio is not None and result.flow_effects is not None:
        ce = ind.county_effects or {}
        io = {
            "table": cio.table.label,
            "kind": cio.table.kind,
            "method": cio.method,
            "delta": f"{cio.delta.value:g}",
            "lam": cio.lam,
            "share_source": cio.share_source,
            "mpc": f"{cio.mpc.value:g}",
            "mpc_source": cio.mpc.source,
            "key_sectors": cio.key_sectors(),
            "flows": [
                {
                    "name": f,
                    "e": e,
                    "mix": ", ".join(f"{k}: {v:g}" for k, v in result.mappings[f].shares.items())
                    + f" — {result.mappings[f].source}",
                    "mix_kind": origin_kind(result.mappings[f].source),
                    "output": ce.get(f, {}).get("output_type2", float("nan")),
                    "income": ce.get(f, {}).get("income_type2", float("nan")),
                }
                for f, e in result.flow_effects.items()
            ],
        }
    thr = result.inputs.params["balance_threshold"]
    u = result.uncertainty
    tornados = []
    band = []
    if u is not None:
        for out in OUTPUTS:
            data = tornado_data(result, out)
            if data is not None and data["bars"]:
                tornados.append({"label": data["label"], "svg": tornado_svg(data)})
            b = u.band(out)
            band.append(
                {
                    "label": OUTPUTS[out],
                    "base": _band_num(float(u.base[out]), out),
                    "p5": _band_num(b["p5"], out),
                    "p50": _band_num(b["p50"], out),
                    "p95": _band_num(b["p95"], out),
                }
            )
    return (
        environment()
        .get_template("matrix.html.j2")
        .render(
            ind=ind,
            key=ind.key_link(),
            threshold_source=thr.source,
            heat=heat_map_svg(result),
            diagram=flow_diagram_svg(result),
            flows=flows,
            coefs=coefs,
            el_labels=el_labels,
            el_rows=el_rows,
            scenarios=scenarios,
            io=io,
            notes=result.notes,
            logistics=result.logistics_dict(),
            left_out=result.left_out,
            tornados=tornados,
            band=band,
            uncertainty=u,
        )
    )


def _band_num(v: float | None, output: str) -> str:
    if v is None or not math.isfinite(v):
        return "–"
    return f"{v / 1e6:,.2f} M" if output == "total_value" else f"{v:.4f}"


def provenance(result: MatrixResult, county: County) -> list[ProvenanceItem]:
    """Inputs of the matrix not already listed by the overview (defaults, IO table, mixes)."""
    out: list[ProvenanceItem] = []
    given = set(county.economy.parameters)
    for k, v in sorted(result.inputs.params.items()):
        if k in given:
            continue
        out.append(
            ProvenanceItem(
                f"矩阵参数 {k}", f"Matrix parameter {k}", v.source, f"{v.value:g} {v.unit}"
            )
        )
    cio = result.county_io
    if cio is not None:
        out.append(
            ProvenanceItem(
                "投入产出表",
                "Input-output table",
                "NBS provincial/national 42-sector tables, shared/data/io/README.md",
                f"{cio.table.label}, {cio.method.upper()} delta {cio.delta.value:g}",
            )
        )
        out.append(ProvenanceItem("县产出份额", "County output shares", cio.share_source))
    for f, mp in result.mappings.items():
        out.append(ProvenanceItem(f"部门构成 {f}", f"Sector mix of {f}", mp.source))
    return out


def sections(
    county: County, day: dt.date | None = None, options: ReportOptions | None = None
) -> Sequence[Section]:
    """The value-matrix section of the report.

    The matrix is annual; ``day`` is the report's plan day, whose integrated-vs-separate saving
    (the same plan as the logistics section's) gives the logistics coefficient. When that plan
    puts parcels on buses, the day is planned again without buses for the bus scenario.
    """
    title = ("城乡要素对流价值矩阵", "Convection value matrix")
    o = options or ReportOptions()
    try:
        logistics = None
        without = None
        if day is not None and (county.demand_on(day) or county.supply_on(day)):
            logistics = day_plan(county, day, o)
            if logistics.bus:
                without = day_plan(county, day, o, use_buses=False)
        io = load_io_inputs(county.economy, county.adcode)
        result = analyse(
            county,
            MatrixOptions(logistics=logistics, logistics_without_buses=without, seed=o.seed),
            io=io,
        )
    except MatrixError as e:
        html = str(
            environment()
            .from_string(
                '<p class="callout">价值矩阵无法计算 / The value matrix was refused: {{ m }}</p>'
            )
            .render(m=str(e))
        )
        return [Section("matrix", *title, html)]
    return [Section("matrix", *title, render(result), tuple(provenance(result, county)))]
