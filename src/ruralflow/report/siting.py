"""Facility siting as sections of the county report (``ruralflow demo``).

:func:`sections` ``(county, day, options)`` runs :func:`ruralflow.siting.site_county` for
the questions in ``options.siting_what`` (default ``stations``, ``cold-hub``; ``preprocess`` is
slower on big counties) with ``options.siting_seconds`` seconds per MILP (default 10) and
returns one section per question: key figures, the chosen sites on the county map (station
radius circles, villages newly covered or still outside it; hubs with the villages they
serve), coverage before and after, the marginal value of the k-th site as an inline SVG chart
with each point's solver status and gap, the cost table and the chosen sites, with Chinese and
English labels. The day is not used: siting looks at the whole season. Registered in
:data:`ruralflow.report.analyses.ANALYSES`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ruralflow.domain import County, PlaceKind
from ruralflow.domain.errors import DomainError
from ruralflow.report.figures import (
    KIND_LABEL,
    LINE_COLOURS,
    circle,
    county_layers,
    figure_html,
    layer,
    map_block,
    map_spec,
    xy_chart,
)
from ruralflow.report.fmt import num
from ruralflow.report.html import card, esc, table
from ruralflow.report.model import ProvenanceItem, ReportOptions, Section
from ruralflow.siting.county import (
    WHATS,
    CountySitingOptions,
    CountySitingResult,
    CurvePoint,
    site_county,
)

DEFAULT_SECONDS = 10.0
DEFAULT_WHAT = ("stations", "cold-hub")

TITLES: dict[str, tuple[str, str]] = {
    "stations": ("村级服务站选址", "Village station siting"),
    "cold-hub": ("冷链集配中心选址", "Cold hub siting"),
    "preprocess": ("产地预处理中心选址", "Preprocess centre siting"),
}

NEW_COLOUR = "#d55e00"
OLD_COLOUR = "#0072b2"
UNCOVERED_COLOUR = "#b2182b"
COVERED_COLOUR = "#1b7f3b"


def sections(
    county: County, day: dt.date | None = None, options: ReportOptions | None = None
) -> list[Section]:
    """One report section per siting question (a short note when a question cannot run)."""
    out: list[Section] = []
    o = options or ReportOptions()
    for what in [w for w in o.siting_what if w in WHATS]:
        sid = f"siting-{what}"
        zh, en = TITLES[what]
        if what != "stations" and not county.supply_up:
            html = '<p class="empty">没有上行货源 / The bundle has no up supply to site for.</p>'
            out.append(Section(sid, zh, en, html))
            continue
        try:
            r = site_county(
                county, what, CountySitingOptions(time_limit_s=o.siting_seconds, seed=o.seed)
            )
        except DomainError as e:
            html = f'<p class="empty">无法求解 / Could not be solved: {esc(e)}</p>'
            out.append(Section(sid, zh, en, html))
            continue
        out.append(result_section(county, r))
    return out


# ----------------------------------------------------------------------------- html helpers
def _pct(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.1f} %"


def _gap(x: float | None) -> str:
    return "–" if x is None else f"{100 * x:.2g} %"


# ----------------------------------------------------------------------------- map
def _map_html(county: County, r: CountySitingResult, sid: str) -> str:
    """The chosen sites on the county map (no bus lines: they would hide the sites)."""
    by_id = county.place_by_id
    sites = r.site_by_id
    new = set(r.new_ids)
    under: list[dict[str, Any]] = []
    over: list[dict[str, Any]] = []
    opened = [s_id for s_id in r.open_ids if s_id in sites]

    def ll(lon: float, lat: float) -> list[float]:
        return [round(lon, 5), round(lat, 5)]

    if r.what == "stations":
        rad = r.coverage_after.radius_km
        for is_new, colour, name in (
            (True, NEW_COLOUR, f"新站 {rad:g} km 服务半径 / service radius of new stations"),
            (False, OLD_COLOUR, f"已有站 {rad:g} km 服务半径 / service radius of existing ones"),
        ):
            rings = [
                {"name": sites[s_id].name, "coords": circle(sites[s_id].lon, sites[s_id].lat, rad)}
                for s_id in opened
                if (s_id in new) is is_new
            ]
            if rings:
                under.append(
                    layer(
                        f"radius-{'new' if is_new else 'old'}",
                        name,
                        "areas",
                        rings,
                        color=colour,
                        opacity=0.13,
                    )
                )
        covered, uncovered = [], []
        for c in r.clients:
            p = by_id.get(c.id)
            if p is None or (c.covered_before and c.covered_after):
                continue
            if c.covered_after:
                to = sites[c.site_after].name if c.site_after in sites else c.site_after
                tip = (
                    f"{p.name} · 新覆盖 / newly covered · {num(c.weight)} 户/households · "
                    f"{c.km_after or 0:.1f} km → {to}"
                )
                covered.append({"id": p.id, "name": p.name, "value": ll(p.lon, p.lat), "tip": tip})
            else:
                km = "–" if c.km_after is None else f"{c.km_after:.1f}"
                tip = f"{p.name} · 未覆盖 / not covered · {num(c.weight)} 户/households · {km} km"
                uncovered.append(
                    {"id": p.id, "name": p.name, "value": ll(p.lon, p.lat), "tip": tip}
                )
        if covered:
            over.append(
                layer(
                    "covered",
                    "新覆盖的村 / village newly covered",
                    "points",
                    covered,
                    color=COVERED_COLOUR,
                    size=8,
                )
            )
        if uncovered:
            over.append(
                layer(
                    "uncovered",
                    "仍未覆盖的村 / village still not covered",
                    "points",
                    uncovered,
                    color=UNCOVERED_COLOUR,
                    size=7,
                    hollow=True,
                    width=1.3,
                )
            )
    else:
        colour_of = {s_id: LINE_COLOURS[i % len(LINE_COLOURS)] for i, s_id in enumerate(opened)}
        links = []
        for c in r.clients:
            p = by_id.get(c.id)
            if c.site_after is None or p is None or c.site_after not in sites:
                continue
            s = sites[c.site_after]
            links.append(
                {
                    "name": p.name,
                    "coords": [ll(p.lon, p.lat), ll(s.lon, s.lat)],
                    "color": colour_of.get(c.site_after, OLD_COLOUR),
                    "tip": f"{p.name} → {s.name} · {num(c.weight)} kg · {c.km_after or 0:.1f} km",
                }
            )
        if links:
            under.append(
                layer(
                    "assign",
                    "村 → 服务设施 / village → the site serving it",
                    "lines",
                    links,
                    width=0.9,
                    opacity=0.55,
                )
            )
    shape = "diamond" if r.what == "stations" else "triangle"
    size = 15 if r.what == "stations" else 20
    for is_new, colour, zh, en in (
        (True, NEW_COLOUR, "新建", "new"),
        (False, OLD_COLOUR, "已有", "existing"),
    ):
        pts = [
            {
                "id": s_id,
                "name": sites[s_id].name,
                "value": ll(sites[s_id].lon, sites[s_id].lat),
                "tip": f"{sites[s_id].name} ({s_id}) · {zh} / {en}",
            }
            for s_id in opened
            if (s_id in new) is is_new
        ]
        if pts:
            over.append(
                layer(
                    f"sites-{en}",
                    f"{zh}站点 / {en} station"
                    if r.what == "stations"
                    else f"{zh}设施 / {en} site",
                    "points",
                    pts,
                    symbol=shape,
                    color=colour,
                    size=size,
                    width=1.2,
                )
            )
    base = county_layers(county, bus_lines=False)
    at = 1 if base and base[0]["id"] == "roads" else 0
    spec = map_spec(county, [*base[:at], *under, *base[at:], *over])
    return map_block(county, spec, f"map-siting-{sid}")


# ----------------------------------------------------------------------------- curve chart
def curve_figure(r: CountySitingResult, sid: str) -> str:
    """The marginal value of the k-th site: bars (what site k adds or saves, right axis) and
    the objective with k sites as a line (left axis), one point per curve point (its status
    and gap in the tooltip). An ECharts figure (report/figures.py)."""
    pts = [p for p in r.curve if p.objective is not None]
    if not pts:
        return '<p class="empty">没有可画的点 / No point of the curve has a solution.</p>'
    unit_obj = "户 / households" if r.sense == "max" else "元/季 / yuan/season"
    unit_m = "新增户 / households added" if r.sense == "max" else "节约 元/季 / yuan saved"
    obj_tips = [
        f"k = {p.k}: {p.status} {p.message}".strip()
        if p.objective is None
        else f"k = {p.k}: {num(p.objective)} {unit_obj} · {p.status}, gap {_gap(p.gap)}, "
        f"{p.runtime_s:.2f} s"
        for p in r.curve
    ]
    m_tips = [
        f"k = {p.k}: {unit_m} {num(p.marginal)}"
        + (" · + " + ", ".join(p.added) if p.added else "")
        if p.marginal is not None
        else f"k = {p.k}: –"
        for p in r.curve
    ]
    spec = xy_chart(
        [str(p.k) for p in r.curve],
        [
            (f"目标值 / objective ({unit_obj})", unit_obj),
            (f"第 k 个站点 / k-th site ({unit_m})", unit_m),
        ],
        [
            {
                "name": "第 k 个站点的边际价值 / value of the k-th site",
                "type": "bar",
                "axis": 1,
                "color": NEW_COLOUR,
                "values": [None if p.marginal is None else round(p.marginal, 2) for p in r.curve],
                "tips": m_tips,
            },
            {
                "name": "目标值 / objective",
                "type": "line",
                "axis": 0,
                "color": OLD_COLOUR,
                "values": [
                    None if p.objective is None else round(p.objective, 2) for p in r.curve
                ],
                "tips": obj_tips,
            },
        ],
        x_name="新增站点数 k / new sites k",
    )
    return figure_html(
        spec,
        f"siting-curve-{sid}",
        label="第 k 个站点的边际价值 / Marginal value of the k-th site",
    )


def _curve_table(r: CountySitingResult) -> str:
    unit = "户 / households" if r.sense == "max" else "元/季 / yuan/season"

    def row(p: CurvePoint) -> list[str]:
        return [
            str(p.k),
            esc(num(p.objective)) if p.objective is not None else "–",
            esc(num(p.marginal)) if p.marginal is not None else "–",
            _pct(p.coverage_share) if r.sense == "max" else esc(num(p.variable_yuan)),
            esc(p.status),
            _gap(p.gap),
            f"{p.runtime_s:.2f}",
            esc(", ".join(_name(r, x) for x in p.added) or p.message),
        ]

    third = "覆盖率 / coverage" if r.sense == "max" else "运输+损耗 / haul yuan"
    return table(
        [
            "k",
            f"目标值 / objective ({unit})",
            "边际 / marginal",
            third,
            "状态 / status",
            "间隙 / gap",
            "秒 / s",
            "新增站点 / sites added",
        ],
        (row(p) for p in r.curve),
    )


# ----------------------------------------------------------------------------- section
def result_section(county: County, r: CountySitingResult) -> Section:
    """The report section of a siting result already computed."""
    sid = f"siting-{r.what}"
    zh, en = TITLES[r.what]
    b, a = r.coverage_before, r.coverage_after
    unit_zh = "户" if b.unit == "households" else "公斤"
    parts: list[str] = [
        f'<p class="lead">{esc(r.model)}. 候选 / candidates: {len(r.candidates)} '
        f"({esc(r.candidate_rule)}). 已有 / existing: {esc(r.existing_rule)}.</p>"
    ]
    cards = [
        card(
            f"{_pct(b.share)} → {_pct(a.share)}",
            f"{b.radius_km:g} 公里内{unit_zh}覆盖率",
            f"{b.unit} within {b.radius_km:g} km",
        ),
        card(str(len(r.new_ids)), "新建站点", "new sites"),
        card(
            f"{esc(r.status)} · {_gap(r.gap)}",
            "求解状态 · 间隙",
            "solver status · gap",
        ),
        card(f"{r.runtime_s:.1f} s", "求解时间", "time"),
    ]
    if r.what == "stations":
        cards.insert(
            2,
            card(num(a.weight - b.weight), "新增覆盖户数", "households added"),
        )
    else:
        total = next((c.yuan for c in r.costs if c.key == "total"), None)
        cards.insert(2, card(num(total), "总成本 元/季", "total yuan/season"))
    parts.append('<div class="cards small">' + "".join(cards) + "</div>")
    parts.append(_map_html(county, r, sid))
    parts.append("<h3>覆盖率 / Coverage</h3>")
    parts.append(
        table(
            [
                "",
                "站点 / sites",
                f"覆盖 / covered ({esc(b.unit)})",
                "合计 / total",
                "比例 / share",
            ],
            [
                [
                    "之前 / before",
                    str(b.sites),
                    esc(num(b.weight)),
                    esc(num(b.total)),
                    _pct(b.share),
                ],
                [
                    "之后 / after",
                    str(a.sites),
                    esc(num(a.weight)),
                    esc(num(a.total)),
                    _pct(a.share),
                ],
            ],
        )
    )
    parts.append("<h3>第 k 个站点的边际价值 / Marginal value of the k-th site</h3>")
    parts.append(f'<figure class="chart-figure">{curve_figure(r, sid)}</figure>')
    parts.append(_curve_table(r))
    parts.append("<h3>成本 / Costs</h3>")
    parts.append(
        table(
            ["项目 / item", "元 / yuan", "单位 / unit", "依据 / basis"],
            (
                [f"{esc(c.zh)} / {esc(c.en)}", esc(num(c.yuan)), esc(c.unit), esc(c.basis)]
                for c in r.costs
            ),
            right_from=1,
        )
    )
    if r.nothing_yuan is not None:
        parts.append(_values_html(r))
    sites = r.site_by_id
    served: dict[str, float] = {}
    for c in r.clients:
        if c.site_after is not None and (r.what != "stations" or c.covered_after):
            served[c.site_after] = served.get(c.site_after, 0.0) + c.weight
    parts.append("<h3>选中的站点 / Chosen sites</h3>")
    parts.append(
        table(
            [
                "站点 / site",
                "类型 / kind",
                "状态 / state",
                f"服务 / serves ({esc(b.unit)})",
                "经度 / lon",
                "纬度 / lat",
            ],
            (
                [
                    f'{esc(sites[s].name)} <span class="mono">{esc(s)}</span>',
                    esc(_kind_label(sites[s].kind)),
                    "新建 / new" if s in set(r.new_ids) else "已有 / existing",
                    esc(num(served.get(s, 0.0))),
                    f"{sites[s].lon:.4f}",
                    f"{sites[s].lat:.4f}",
                ]
                for s in r.open_ids
            ),
            right_from=3,
        )
    )
    if r.notes:
        parts.append(
            '<ul class="note">' + "".join(f"<li>{esc(n)}</li>" for n in r.notes) + "</ul>"
        )
    prov = tuple(
        ProvenanceItem(k, k, v.source, f"{v.value:,.6g} {v.unit}")
        for k, v in r.assumptions.items()
    )
    return Section(sid, zh, en, "\n".join(parts), prov)


def _values_html(r: CountySitingResult) -> str:
    """Facilities: the cost of building nothing and each open site's net value."""
    assert r.nothing_yuan is not None
    total = next((c.yuan for c in r.costs if c.key == "total"), None)
    en = "cold hub" if r.what == "cold-hub" else "preprocess centre"
    zh = "冷链集配中心" if r.what == "cold-hub" else "产地预处理中心"
    out = ["<h3>每个设施的净值 / Net value of each site (元/季 yuan/season)</h3>"]
    if not r.open_ids:
        out.append(
            f'<p class="lead" data-answer="none">答案：不建{zh} / Answer: build no {esc(en)}. '
            "没有一个站点避免的损耗抵得上它的运输和固定成本 / No site's spoilage avoided pays "
            f"for its haul and fixed cost. 不建的代价 / Building nothing costs "
            f"{esc(num(r.nothing_yuan))} 元/季 yuan/season of avoidable spoilage (ambient "
            "chain minus cold chain, freshness model).</p>"
        )
    elif total is not None:
        out.append(
            f'<p class="lead">不建的代价 / Building nothing: {esc(num(r.nothing_yuan))} 元/季 '
            f"yuan/season of avoidable spoilage; this answer saves "
            f"{esc(num(r.nothing_yuan - total))} 元/季 yuan/season.</p>"
        )
    if r.site_values:
        out.append(
            table(
                [
                    "站点 / site",
                    "公斤 / kg",
                    "避免损耗 / spoilage avoided",
                    "运输 / transport",
                    "固定成本 / fixed",
                    "净值 / net",
                ],
                (
                    [
                        f"{esc(_name(r, v.id))}",
                        esc(num(v.kg)),
                        esc(num(v.spoilage_avoided_yuan)),
                        esc(num(v.transport_yuan)),
                        esc(num(v.fixed_yuan)),
                        esc(num(v.net_yuan)),
                    ]
                    for v in r.site_values
                ),
                right_from=1,
            )
        )
    return "\n".join(out)


def _kind_label(kind: str) -> str:
    try:
        zh, en = KIND_LABEL[PlaceKind(kind)]
    except (ValueError, KeyError):
        return kind
    return f"{zh} / {en}"


def _name(r: CountySitingResult, site_id: str) -> str:
    s = r.site_by_id.get(site_id)
    return f"{s.name} ({site_id})" if s is not None else site_id
