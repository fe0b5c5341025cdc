"""The report section of benefit sharing: designs compared on real-price paths, with plots.

Entry point for the report's analyses (``ruralflow.report.analyses``):
:func:`sections` ``(county, day) -> list[Section]``. It simulates the county's default design
set for its lead product (the bundle's ``contracts.csv`` is not visible from a ``County``) on
:data:`REPORT_PATHS` price paths fitted to the real Xinfadi series, and adds:

* the price model and its fit check against the real series;
* the design comparison table (ranked by the stated criterion);
* income distributions (one ridge per design, the poverty line marked), fulfilment rates by
  design, and the fund's balance fan chart — inline SVG, no script, no network;
* for Liquan (610425), the worked example: the 2015 Fuji season settled to the fen.

When the shared price data cannot be found the section is left out (no placeholder).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from importlib.resources import as_file, files

import numpy as np
import numpy.typing as npt

from ruralflow.domain import County
from ruralflow.report.html import esc
from ruralflow.report.model import Origin, ProvenanceItem, ReportOptions, Section
from ruralflow.sharing.contracts import ContractType
from ruralflow.sharing.money import fmt_yuan
from ruralflow.sharing.simulation import (
    Comparison,
    DesignOutcome,
    SimulationResult,
    Stat,
    compare,
    simulate,
    verdict,
)

FloatArray = npt.NDArray[np.float64]

REPORT_PATHS = 20_000
REPORT_SEASONS = 3
REPORT_SEED = 0


COLOURS = ("#2a7fb8", "#3b8d4f", "#e08a1e", "#8e5bb5", "#c0392b", "#7a8b2b", "#b5651d", "#5d6d7e")
FONT = 'font-family="sans-serif" font-size="11"'


def _nice_ticks(lo: float, hi: float, n: int = 6) -> list[float]:
    if hi <= lo:
        return [lo]
    raw = (hi - lo) / n
    mag = 10 ** math.floor(math.log10(raw))
    step = next(s * mag for s in (1, 2, 2.5, 5, 10) if s * mag >= raw)
    first = math.ceil(lo / step) * step
    out = []
    t = first
    while t <= hi + 1e-9:
        out.append(round(t, 6))
        t += step
    return out


def _fmt(v: float) -> str:
    if abs(v) >= 1e6:
        return f"{v / 1e6:,.1f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:,.0f}k"
    return f"{v:,.0f}"


# --------------------------------------------------------------------------- charts
def income_ridges(outcomes: Sequence[DesignOutcome], poverty_household: float) -> str:
    """One density ridge per design of the farmer income per household and season."""
    left, right, top, row, bottom = 200.0, 20.0, 26.0, 54.0, 40.0
    width = 940.0
    plot_w = width - left - right
    pooled = np.concatenate([o.income.ravel() for o in outcomes])
    lo, hi = (float(x) for x in np.percentile(pooled, [0.5, 99.5]))
    lo = min(lo, poverty_household)
    span = hi - lo if hi > lo else 1.0
    height = top + row * len(outcomes) + bottom

    def x(v: float) -> float:
        return left + (v - lo) / span * plot_w

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" {FONT}>',
        "<title>农户收入分布 / Farmer income distributions</title>",
    ]
    bins = np.linspace(lo, hi, 61)
    for i, o in enumerate(outcomes):
        base = top + row * (i + 1)
        dens, _ = np.histogram(o.income.ravel(), bins=bins)  # the axis spans pooled P0.5-P99.5
        peak = float(dens.max()) or 1.0
        pts = [f"{x(lo):.1f},{base:.1f}"]
        for k, d in enumerate(dens):
            y = base - d / peak * (row * 0.9)
            pts.append(f"{x(float(bins[k])):.1f},{y:.1f}")
            pts.append(f"{x(float(bins[k + 1])):.1f},{y:.1f}")
        pts.append(f"{x(hi):.1f},{base:.1f}")
        col = COLOURS[i % len(COLOURS)]
        st = o.stats()
        mean, p5, p95 = st["income_mean"], st["income_p5"], st["income_p95"]
        assert mean is not None and p5 is not None and p95 is not None
        tip = (
            f"{o.design.name}: mean {mean.value:,.0f}, P5 {p5.value:,.0f}, P95 "
            f"{p95.value:,.0f} yuan"
        )
        parts.append(
            f'<polygon points="{" ".join(pts)}" fill="{col}" fill-opacity="0.35" '
            f'stroke="{col}" stroke-width="1.2"><title>{esc(tip)}</title></polygon>'
        )
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{base:.1f}" y2="{base:.1f}" '
            'stroke="#c8cec6" stroke-width="0.8"/>'
        )
        for v, dash in ((p5.value, "2 2"), (mean.value, ""), (p95.value, "2 2")):
            parts.append(
                f'<line x1="{x(v):.1f}" x2="{x(v):.1f}" y1="{base - row * 0.95:.1f}" '
                f'y2="{base:.1f}" stroke="#22313f" stroke-width="1.2"'
                + (f' stroke-dasharray="{dash}"' if dash else "")
                + "/>"
            )
        parts.append(
            f'<text x="{left - 8}" y="{base - row * 0.45:.1f}" text-anchor="end">'
            f"{esc(o.design.name_zh)}</text>"
            f'<text x="{left - 8}" y="{base - row * 0.45 + 13:.1f}" text-anchor="end" '
            f'fill="#5b6773">{esc(o.design.name_en)}</text>'
        )
    px = x(poverty_household)
    parts.append(
        f'<line x1="{px:.1f}" x2="{px:.1f}" y1="{top - 6}" y2="{height - bottom:.1f}" '
        'stroke="#c62828" stroke-width="1.4" stroke-dasharray="5 3"/>'
        f'<text x="{px + 4:.1f}" y="{top - 8}" fill="#c62828">贫困线 / poverty line '
        f"{poverty_household:,.0f}</text>"
    )
    axis_y = height - bottom + 4
    for t in _nice_ticks(lo, hi):
        parts.append(
            f'<line x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{axis_y}" y2="{axis_y + 4}" '
            'stroke="#5b6773"/>'
            f'<text x="{x(t):.1f}" y="{axis_y + 16}" text-anchor="middle">{_fmt(t)}</text>'
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4:.1f}" text-anchor="middle" '
        'fill="#5b6773">每户每季净收入（元）/ net income per household and season (yuan); '
        "实线 = 均值 mean, 虚线 = P5 / P95</text></svg>"
    )
    return "".join(parts)


def fulfilment_bars(outcomes: Sequence[DesignOutcome]) -> str:
    """Mean fulfilment per contract design (bar) with the P5..P95 range (whisker)."""
    rows = [o for o in outcomes if o.design.contract.type is not ContractType.SPOT]
    left, right, top, row, bottom = 200.0, 60.0, 12.0, 36.0, 34.0
    width = 940.0
    plot_w = width - left - right
    height = top + row * max(len(rows), 1) + bottom
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" {FONT}>',
        "<title>履约率 / Fulfilment rate by design</title>",
    ]
    for i, o in enumerate(rows):
        y = top + row * i
        f = o.fulfilment.ravel()
        mean = float(f.mean())
        p5, p95 = (float(v) for v in np.percentile(f, [5, 95]))
        col = COLOURS[outcomes.index(o) % len(COLOURS)]
        parts.append(
            f'<rect x="{left}" y="{y + 6:.1f}" width="{mean * plot_w:.1f}" height="{row - 12}" '
            f'fill="{col}" fill-opacity="0.8"><title>{esc(o.design.name)}: mean {mean:.0%}, '
            f"P5 {p5:.0%}, P95 {p95:.0%}</title></rect>"
            f'<line x1="{left + p5 * plot_w:.1f}" x2="{left + p95 * plot_w:.1f}" '
            f'y1="{y + row / 2:.1f}" y2="{y + row / 2:.1f}" stroke="#22313f" stroke-width="1.4"/>'
            f'<text x="{left - 8}" y="{y + row / 2 - 2:.1f}" text-anchor="end">'
            f"{esc(o.design.name_zh)}</text>"
            f'<text x="{left - 8}" y="{y + row / 2 + 11:.1f}" text-anchor="end" '
            f'fill="#5b6773">{esc(o.design.name_en)}</text>'
            f'<text x="{left + mean * plot_w + 6:.1f}" y="{y + row / 2 + 4:.1f}">{mean:.0%}</text>'
        )
    axis_y = top + row * max(len(rows), 1) + 4
    for t in (0.0, 0.25, 0.5, 0.75, 1.0):
        parts.append(
            f'<line x1="{left + t * plot_w:.1f}" x2="{left + t * plot_w:.1f}" y1="{top}" '
            f'y2="{axis_y}" stroke="#dde2dc"/>'
            f'<text x="{left + t * plot_w:.1f}" y="{axis_y + 14}" text-anchor="middle">'
            f"{t:.0%}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 3:.1f}" text-anchor="middle" '
        'fill="#5b6773">交售给合同的份额（条 = 均值，线 = P5–P95）/ share of kg delivered under '
        "the contract (bar = mean, line = P5–P95)</text></svg>"
    )
    return "".join(parts)


def fund_fan(outcome: DesignOutcome, weeks: int, seasons: int) -> str:
    """The fund's balance after each week: P5-P95 and P25-P75 bands and the median."""
    fan = outcome.fan()
    assert fan is not None
    left, right, top, bottom = 80.0, 20.0, 16.0, 36.0
    width, height = 940.0, 260.0
    plot_w, plot_h = width - left - right, height - top - bottom
    n = int(fan.shape[1])
    lo = min(0.0, float(fan.min()))
    hi = float(fan.max()) or 1.0

    def x(t: float) -> float:
        return left + (t + 0.5) / n * plot_w

    def y(v: float) -> float:
        return top + (1 - (v - lo) / (hi - lo)) * plot_h

    def band(a: FloatArray, b: FloatArray, col: str, op: float) -> str:
        pts = [f"{x(t):.1f},{y(float(a[t])):.1f}" for t in range(n)]
        pts += [f"{x(t):.1f},{y(float(b[t])):.1f}" for t in reversed(range(n))]
        return f'<polygon points="{" ".join(pts)}" fill="{col}" fill-opacity="{op}"/>'

    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} '
        f'{height:.0f}" width="{width:.0f}" height="{height:.0f}" role="img" {FONT}>',
        f"<title>基金余额 / Fund balance: {esc(outcome.design.name)}</title>",
    ]
    for t in _nice_ticks(lo, hi, 5):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(t):.1f}" y2="{y(t):.1f}" '
            f'stroke="#e3e7e1"/><text x="{left - 6}" y="{y(t) + 4:.1f}" text-anchor="end">'
            f"{_fmt(t)}</text>"
        )
    parts.append(band(fan[0], fan[4], "#2a7fb8", 0.18))
    parts.append(band(fan[1], fan[3], "#2a7fb8", 0.35))
    med = " ".join(f"{x(t):.1f},{y(float(fan[2][t])):.1f}" for t in range(n))
    parts.append(f'<polyline points="{med}" fill="none" stroke="#1b4f72" stroke-width="2"/>')
    parts.append(
        f'<line x1="{left}" x2="{width - right}" y1="{y(0):.1f}" y2="{y(0):.1f}" '
        'stroke="#c62828" stroke-width="1"/>'
    )
    for s in range(seasons):
        xs = left + s * weeks / n * plot_w
        parts.append(
            f'<line x1="{xs:.1f}" x2="{xs:.1f}" y1="{top}" y2="{top + plot_h}" stroke="#8a938c" '
            f'stroke-dasharray="3 3"/><text x="{xs + 4:.1f}" y="{height - bottom + 16}">'
            f"第{s + 1}季 / season {s + 1}</text>"
        )
    parts.append(
        f'<text x="{left + plot_w / 2:.1f}" y="{height - 4:.1f}" text-anchor="middle" '
        'fill="#5b6773">收获周 / harvest weeks; 深色 P25–P75, 浅色 P5–P95, 线 = 中位数 median; '
        "余额（元）/ balance (yuan)</text></svg>"
    )
    return "".join(parts)


# --------------------------------------------------------------------------- tables
def _stat(s: Stat | None, fmt: str) -> str:
    if s is None:
        return "–"
    return f'<span title="± {esc(format(s.se, fmt))}">{esc(format(s.value, fmt))}</span>'


def comparison_table(table: Comparison) -> str:
    out = [
        '<div class="table-wrap"><table class="data"><thead><tr>'
        "<th>#</th><th>方案 / Design</th><th>条款 / Terms</th>"
        '<th class="r">农户收入均值 / Income mean</th><th class="r">P5</th>'
        '<th class="r">P95</th><th class="r">低于贫困线 / Below poverty line</th>'
        '<th class="r">收购方毛利 / Buyer margin</th><th class="r">履约率 / Fulfilment</th>'
        '<th class="r">基金破产概率 / Fund ruin</th><th>可行 / Viable</th></tr></thead><tbody>'
    ]
    for r in table.rows:
        s = r.stats
        out.append(
            f"<tr><td>{r.rank}</td><td><strong>{esc(r.design.name_zh)}</strong> "
            f'<span class="en">{esc(r.design.name_en)}</span></td>'
            f'<td class="note">{esc(r.design.describe())}</td>'
            f'<td class="r">{_stat(s["income_mean"], ",.0f")}</td>'
            f'<td class="r">{_stat(s["income_p5"], ",.0f")}</td>'
            f'<td class="r">{_stat(s["income_p95"], ",.0f")}</td>'
            f'<td class="r">{_stat(s["poverty"], ".1%")}</td>'
            f'<td class="r">{_stat(s["margin_mean"], ",.0f")}</td>'
            f'<td class="r">{_stat(s["fulfilment_mean"], ".0%")}</td>'
            f'<td class="r">{_stat(s["ruin"], ".1%")}</td>'
            f"<td>{'是 / yes' if r.viable else '否 / no: ' + esc(r.why_not)}</td></tr>"
        )
    out.append("</tbody></table></div>")
    return "".join(out)


def _worked_example(county: County) -> tuple[str, list[ProvenanceItem]]:
    """The Liquan 2015 settlement (packaged example files), or nothing for other counties."""
    if county.adcode != "610425":
        return "", []
    from ruralflow.bundle.contract_files import read_contract_files
    from ruralflow.bundle.sharing_case import farm_gate_factor
    from ruralflow.sharing.settlement import PriceBook, settle

    try:
        with as_file(files("ruralflow.sharing").joinpath("data", "liquan_2015")) as folder:
            got = read_contract_files(folder, county)
    except Exception:  # the example does not fit this bundle: leave it out
        return "", []
    if got.book is None or got.prices is None or got.deliveries is None:
        return "", []
    from decimal import Decimal

    book = PriceBook(
        got.prices, farm_gate_factor={"apple": Decimal(str(farm_gate_factor("apple")))}
    )
    result = settle(got.book, list(got.deliveries), book)
    rows = result.table()
    head = "".join(
        f'<th class="{"r" if i >= 2 else ""}">{esc(c)}</th>' for i, c in enumerate(rows[0])
    )
    body_rows = "".join(
        "<tr>"
        + "".join(f'<td class="{"r" if i >= 2 else ""}">{esc(c)}</td>' for i, c in enumerate(r))
        + "</tr>"
        for r in rows[1:-1]
    )
    foot = "".join(
        f'<th class="{"r" if i >= 2 else ""}">{esc(c)}</th>' for i, c in enumerate(rows[-1])
    )
    body = (
        "<h3>实例：2015 年富士苹果季结算 / Worked example: the 2015 Fuji season settled</h3>"
        '<p class="lead">真实新发地价格（2015-09-26..12-06），农户与交售为合成数据 / real '
        "Xinfadi prices, synthetic farmers and deliveries; files in "
        '<span class="mono">ruralflow/sharing/data/liquan_2015/</span>, command '
        '<span class="mono">ruralflow contracts settle</span> (docs/contracts.md). '
        "金额单位：元 / amounts in yuan.</p>"
        f'<div class="table-wrap"><pre class="mono">{esc(result.summary())}</pre></div>'
        f'<div class="table-wrap"><table class="data"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body_rows}</tbody><tfoot><tr>{foot}</tr></tfoot></table></div>"
    )
    prov = [
        ProvenanceItem(
            "实例交售与合同",
            "worked example: farmers, contracts, deliveries",
            "synthetic: ruralflow.bundle.sharing_example (seed 2015)",
            f"{len(result.farmer_rows)} farmers, {len(result.lines)} deliveries; net to farmers "
            f"{fmt_yuan(result.farmer_income)} yuan",
        )
    ]
    return body, prov


def _verdict_html(result: SimulationResult) -> str:
    """The verdict: the designs that work (buyer margin > 0, under half below the line), or
    why none can."""
    v = verdict(result)
    c = v.chain
    head = (
        "可行方案 / workable designs: " + ", ".join(v.workable)
        if v.workable
        else "没有可行方案 / no design works"
    )
    why = "".join(f"<li>{esc(r)}</li>" for r in v.reasons)
    return (
        f'<p class="lead" data-verdict="{"workable" if v.workable else "none"}">'
        f"结论 / Verdict (收购方平均毛利 > 0 且贫困线下农户 < 50% / buyer mean margin > 0 and "
        f"fewer than half the households under the poverty line): {esc(head)}.</p>"
        + (f'<ul class="note">{why}</ul>' if why else "")
        + f'<p class="note">每公斤 / per kg: wholesale {c["wholesale_mean"]:.2f}, farm-gate '
        f"{c['farm_gate_mean']:.2f}, buyer handling {c['buyer_cost']:.2f}, production cost "
        f"{c['production_cost']:.2f}, cost-plus floor {c['cost_plus_floor']:.2f} yuan/kg.</p>"
    )


def render(result: SimulationResult, table: Comparison, case_text: str) -> str:
    """The section's HTML for a simulation result and its comparison."""
    farm = result.farm
    fit = result.model
    line_hh = farm.poverty_line_yuan_per_person * farm.household_size
    cost = farm.production_cost_yuan_per_kg
    ps = result.price_summary()
    parts = [
        f'<p class="lead">{esc(case_text)}</p>',
        '<div class="cards small">'
        f'<div class="card"><div class="v">{ps["farm_gate_mean"]:.2f}</div>'
        '<div class="k">季内田头均价 / farm-gate mean (yuan/kg)</div></div>'
        f'<div class="card"><div class="v">{ps["farm_gate_season_p5"]:.2f}–'
        f'{ps["farm_gate_season_p95"]:.2f}</div><div class="k">季均价 P5–P95 / season mean '
        "P5–P95</div></div>"
        f'<div class="card"><div class="v">{fit.phi:.2f}</div><div class="k">周自相关 / weekly '
        f"persistence φ (half-life {fit.half_life_weeks:.0f} wk)</div></div>"
        f'<div class="card"><div class="v">{fit.nu:.0f}</div><div class="k">t 分布自由度 / '
        "Student-t ν (fat tails)</div></div>"
        f'<div class="card"><div class="v">{result.paths:,}</div><div class="k">价格路径 / price '
        f"paths × {result.seasons} seasons</div></div></div>",
        "<h3>方案比较 / Design comparison</h3>",
        f'<p class="note">排序规则 / ranking: {esc(table.criterion)}. 元/户/季 yuan per member '
        "household and season; 悬停查看标准误 / hover a number for its standard error.</p>",
        comparison_table(table),
        _verdict_html(result),
        "<h3>农户收入分布 / Farmer income distributions</h3>",
        f'<p class="note">每户 {farm.household_kg:,.0f} kg，成本 {cost} '
        f"元/kg，{farm.household_size:g} 人；贫困线 {farm.poverty_line_yuan_per_person:,.0f} "
        f"元/人 = {line_hh:,.0f} 元/户 "
        "(assumptions, see provenance).</p>",
        f'<figure class="chart-figure">{income_ridges(result.outcomes, line_hh)}</figure>',
        "<h3>履约率 / Fulfilment rates by design</h3>",
        f'<p class="note">侧卖模型 / side-selling: r50 {result.side.r50:.0%}, spread '
        f"{result.side.spread:.0%}, stay value {result.side.stay_value_yuan_per_kg} yuan/kg "
        "(assumptions; a plain fixed-price order fulfils 20–60 %, PARAMS.md s4).</p>",
        f'<figure class="chart-figure">{fulfilment_bars(result.outcomes)}</figure>',
    ]
    for o in result.outcomes:
        if o.fund_balance is None:
            continue
        st = o.stats()
        ruin = st["ruin"]
        assert ruin is not None and o.design.fund is not None
        parts.append(
            f"<h3>基金余额扇形图 / Fund balance fan chart: {esc(o.design.name)}</h3>"
            f'<p class="note">{esc(o.design.fund.describe())}; {farm.members} member households; '
            f"P(ruin) {ruin.value:.1%} ± {ruin.se:.1%}.</p>"
            f'<figure class="chart-figure">{fund_fan(o, result.season.weeks, result.seasons)}'
            "</figure>"
        )
    return "".join(parts)


def sections(
    county: County, day: dt.date | None = None, options: ReportOptions | None = None
) -> list[Section]:
    """The benefit-sharing section of ``county``'s report (empty when price data is missing)."""
    del day  # a season-long analysis
    from ruralflow.bundle.datadir import DataDirError
    from ruralflow.bundle.sharing_case import prepare
    from ruralflow.sharing.prices import PriceDataError, check_fit

    try:
        case = prepare(county)
    except (DataDirError, PriceDataError):
        return []
    result = simulate(
        case.designs,
        case.model,
        case.season,
        paths=REPORT_PATHS,
        seasons=REPORT_SEASONS,
        seed=(options or ReportOptions(seed=REPORT_SEED)).seed,
        farm_gate_factor=case.farm_gate_factor,
        farm=case.farm,
    )
    table = compare(result)
    check = check_fit(
        case.model,
        case.series,
        replicas=500,
        seed=(options or ReportOptions(seed=REPORT_SEED)).seed,
    )
    p = county.product_by_id[case.product]
    case_text = (
        f"{p.name} {p.name_en} ({case.product}), {case.season.label}, {case.season.weeks} weeks; "
        f"wholesale price model: {case.model.describe()}. Fit check: {check.summary()}. "
        f"Designs: {case.designs_source}."
    )
    body = render(result, table, case_text)
    example, example_prov = _worked_example(county)
    prov = [
        ProvenanceItem(
            "批发价格序列",
            "wholesale price series",
            case.series.source,
            f"{case.model.n_weeks} weeks {case.model.first}..{case.model.last}",
        ),
        ProvenanceItem(
            "田头价系数",
            "farm-gate factor",
            "assumption: farm-gate = 0.5 x Xinfadi wholesale",
            f"{case.farm_gate_factor:g}",
        ),
        ProvenanceItem(
            "农户参数",
            "member household",
            "; ".join(f"{k}: {v}" for k, v in result.farm.sources),
            f"{result.farm.household_kg:,.0f} kg, {result.farm.members} members",
        ),
        ProvenanceItem(
            "侧卖模型",
            "side-selling model",
            "assumption: logistic in the net spot premium (PARAMS.md s4 shape)",
            f"r50 {result.side.r50}, spread {result.side.spread}",
            Origin.ASSUMPTION,
        ),
        ProvenanceItem(
            "合同方案",
            "contract designs",
            "assumption: default designs (ruralflow.sharing.simulation.default_designs); fund "
            "premium and split after PARAMS.md s4",
            ", ".join(d.id for d in case.designs),
        ),
        *example_prov,
    ]
    return [
        Section(
            "sharing",
            "利益联结与价格风险",
            "Benefit sharing and price risk",
            body + example,
            tuple(prov),
        )
    ]
