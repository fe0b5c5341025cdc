"""The logistics plan as a section of the county report (``ruralflow demo``).

:func:`logistics_sections` ``(county, day, options)`` plans the day (``options.plan_seconds``
seconds, default 10, ``options.seed``, integrated with the separate comparison) and returns one
:class:`~ruralflow.report.Section`: key figures, the routes on the county map, the cost
breakdown, integrated vs separate, spoilage by product, the routes, the bus consignments and
what could not be carried, with Chinese and English labels. It is registered in
``ruralflow.report.analyses.ANALYSES``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from ruralflow.domain import County
from ruralflow.logistics.costs import Costs
from ruralflow.logistics.farmer import farmer_value
from ruralflow.logistics.result import Plan
from ruralflow.report.figures import LINE_COLOURS, county_layers, layer, map_block, map_spec
from ruralflow.report.fmt import num
from ruralflow.report.html import bi, card, esc, table
from ruralflow.report.model import ProvenanceItem, ReportOptions, Section
from ruralflow.report.plans import day_plan

DEFAULT_SECONDS = 10.0


def logistics_sections(
    county: County, day: dt.date | None, options: ReportOptions | None = None
) -> list[Section]:
    """The report section of ``day``'s plan (a short note when the day has no flows)."""
    if day is None or (not county.demand_on(day) and not county.supply_on(day)):
        html = (
            '<p class="empty">这一天没有下行或上行货物 / No down parcels or up produce on the '
            "chosen day.</p>"
        )
        return [Section("logistics", "两向物流计划", "Two-way logistics plan", html)]
    o = options or ReportOptions()
    p = day_plan(county, day, o)  # the same plan as the value matrix's (report.plans)
    return [plan_section(county, p)]


COST_ROWS: tuple[tuple[str, str, str], ...] = (
    ("fixed", "车辆固定成本", "Vehicle fixed cost"),
    ("distance", "里程成本", "Distance cost"),
    ("bus_fees", "班车运费", "Bus fees"),
    ("last_leg", "末端接驳", "Last leg to bus stops"),
    ("trunk", "城市干线（至前置仓）", "City trunk to the front warehouse"),
    ("boxes", "蓄冷箱（冷藏件随普通车/班车）", "Insulated boxes for cold parcels"),
    ("spoilage", "预期损耗价值", "Expected spoilage value"),
    ("penalty", "未承运罚金", "Penalty for what is not carried"),
)


def _cost(c: Costs, key: str) -> float:
    return float(getattr(c, key))


def _map_html(county: County, p: Plan) -> str:
    """The plan's routes on the county map (one layer per vehicle, instead of the bus lines)."""
    by_id = county.place_by_id
    routes = []
    for i, r in enumerate(p.routes):
        coords = [[by_id[s.place].lon, by_id[s.place].lat] for s in r.stops if s.place in by_id]
        villages = [by_id[s.place].name for s in r.stops if s.kind == "village"]
        tip = (
            f"{r.vehicle} ({r.vehicle_type}, {r.temperature_class}) · {r.trips} 趟/trips · "
            f"{r.km:.1f} km · {len(villages)} 站/stops: " + " → ".join(villages[:12])
        )
        routes.append(
            layer(
                f"route:{r.vehicle}",
                f"路线 {r.vehicle} / Route {r.vehicle}",
                "lines",
                [{"name": r.vehicle, "coords": coords, "tip": tip}],
                color=LINE_COLOURS[i % len(LINE_COLOURS)],
                width=3,
                note=f"{r.km:.0f} km, {r.trips} 趟/trips",
            )
        )
    # bus consignments, one dashed line per boarding and alighting stop (as the dashboard)
    legs: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for b in p.bus:
        if b.board in by_id and b.alight in by_id:
            legs[(b.board, b.alight)][0] += b.kg
            legs[(b.board, b.alight)][1] += b.pieces
    bus = [
        {
            "name": f"{by_id[a].name} → {by_id[c].name}",
            "coords": [[by_id[a].lon, by_id[a].lat], [by_id[c].lon, by_id[c].lat]],
            "tip": f"班车 / bus {by_id[a].name} → {by_id[c].name} · {num(kg, 1)} kg · "
            f"{num(pieces)} 件/pieces",
        }
        for (a, c), (kg, pieces) in legs.items()
    ]
    # what is not carried, per village, with its reasons
    nc: dict[str, list[str]] = defaultdict(list)
    nc_kg: dict[str, float] = defaultdict(float)
    for n in p.not_carried:
        if n.village in by_id:
            nc[n.village].append(f"{n.flow} {num(n.kg, 1)} kg: {n.reason}")
            nc_kg[n.village] += n.kg
    missed = [
        {
            "id": v,
            "name": by_id[v].name,
            "value": [by_id[v].lon, by_id[v].lat],
            "tip": f"{by_id[v].name} · 未承运 / not carried {num(nc_kg[v], 1)} kg · "
            + " · ".join(reasons[:6]),
        }
        for v, reasons in nc.items()
    ]
    over = []
    if bus:
        over.append(
            layer(
                "bus",
                "班车承运 / Bus consignments",
                "lines",
                bus,
                color="#111827",
                width=2,
                dashed=True,
            )
        )
    if missed:
        over.append(
            layer(
                "not-carried",
                "未承运 / Not carried",
                "points",
                missed,
                symbol="diamond",
                color="#b42318",
                size=12,
            )
        )
    base = county_layers(county, bus_lines=False)
    at = 1 if base and base[0]["id"] == "roads" else 0
    spec = map_spec(county, [*base[:at], *routes, *base[at:], *over])
    return map_block(county, spec, "map-plan")


def plan_section(county: County, p: Plan) -> Section:
    """The report section of a plan already made."""
    parts: list[str] = []
    opts = p.options
    parts.append(
        '<p class="lead">'
        + bi("日期", "Day")
        + f" <strong>{esc(p.day.isoformat())}</strong> · "
        + bi("模式", "mode")
        + f" <strong>{esc(p.mode)}</strong> · "
        + bi("求解时间", "time limit")
        + f" {esc(opts.get('time_limit_s'))} s · seed {esc(opts.get('seed'))}. "
        + bi(
            "下行包裹与上行农产品由班车、邮政车、冷藏车共同承运；"
            "路线由 PyVRP 求解，并经我方可行性检查。",
            "Down parcels and up produce share buses, mail vans and reefers; routes solved by "
            "PyVRP and re-checked by our own feasibility check.",
        )
        + f"<br><code>ruralflow plan BUNDLE --day {esc(p.day.isoformat())} --time-limit "
        f"{esc(opts.get('time_limit_s'))} --seed {esc(opts.get('seed'))}</code></p>"
    )
    tin, tc, tn = p.totals_in, p.totals_carried, p.totals_not_carried
    cards = [
        card(f"{num(p.costs.total)} 元", "总成本", "Total cost (yuan)"),
        card(f"{p.vehicles} / {p.trips}", "车辆 / 趟次", "Vehicles / trips"),
        card(f"{num(p.km)} km", "行驶里程", "Distance"),
        card(f"{num(p.co2_kg)} kg", "二氧化碳", "CO2"),
        card(
            f"{num(tc.parcels)} / {num(tin.parcels)}",
            "已承运包裹",
            "Parcels carried / in",
        ),
        card(
            f"{num(float(tc.up_kg))} / {num(float(tin.up_kg))} kg",
            "已承运上行",
            "Up kg carried / in",
        ),
        card(f"{num(float(tn.down_kg + tn.up_kg), 1)} kg", "未承运", "Not carried"),
    ]
    if p.comparison is not None:
        cards.append(
            card(
                f"{p.comparison.saving_pct:.1f} %",
                "一体化节约",
                "Integrated saving",
            )
        )
    parts.append('<div class="cards small">' + "".join(cards) + "</div>")

    parts.append("<h3>" + bi("路线地图", "Routes on the map") + "</h3>")
    parts.append(_map_html(county, p))

    # cost breakdown and comparison
    parts.append("<h3>" + bi("成本构成（元）", "Cost breakdown (yuan)") + "</h3>")
    cmp = p.comparison
    head = [bi("项目", "Component"), bi("本计划", f"This plan ({p.mode})")]
    if cmp is not None:
        head = [
            bi("项目", "Component"),
            bi("一体化", "Integrated"),
            bi("分开运营", "Separate (down-only + up-only)"),
            bi("节约", "Saving"),
        ]
    rows: list[list[str]] = []
    for key, zh, en in (*COST_ROWS, ("total", "合计", "Total")):
        if cmp is None:
            rows.append([bi(zh, en), num(_cost(p.costs, key), 2)])
        else:
            a = _cost(cmp.integrated.costs, key)
            b = _cost(cmp.separate.costs, key)
            rows.append([bi(zh, en), num(a, 2), num(b, 2), num(b - a, 2)])
    parts.append(table(head, rows))
    if cmp is not None:
        parts.append("<h3>" + bi("一体化与分开运营对比", "Integrated vs separate") + "</h3>")
        fig_rows = []
        for label_zh, label_en, field, digits in (
            ("总成本（元）", "Total cost (yuan)", "total", 2),
            ("里程（km）", "Distance (km)", "km", 1),
            ("车辆", "Vehicles", "vehicles", 0),
            ("趟次", "Trips", "trips", 0),
            ("班车托运", "Bus consignments", "bus_consignments", 0),
            ("班车包裹", "Parcels by bus", "bus_parcels", 0),
            ("班车包裹占比（%）", "Bus share of parcels (%)", "bus_share_pct", 1),
            ("二氧化碳（kg）", "CO2 (kg)", "co2_kg", 1),
            ("未承运（kg）", "Not carried (kg)", "not_carried_kg", 1),
        ):
            vals = [
                f.costs.total
                if field == "total"
                else 100.0 * f.bus_share_parcels
                if field == "bus_share_pct"
                else float(getattr(f, field))
                for f in (cmp.integrated, cmp.separate)
            ]
            fig_rows.append([bi(label_zh, label_en), *(num(v, digits) for v in vals)])
        parts.append(
            table(
                [bi("指标", "Figure"), bi("一体化", "Integrated"), bi("分开", "Separate")],
                fig_rows,
            )
        )
        parts.append(
            '<p class="note">'
            + bi(
                f"一体化比分开运营节约 {cmp.saving_yuan:,.2f} 元（{cmp.saving_pct:.1f}%），"
                "同一求解器、同一求解时间。",
                f"The integrated plan saves {cmp.saving_yuan:,.2f} yuan ({cmp.saving_pct:.1f} %) "
                "over two one-way operations planned with the same solver and the same time.",
            )
            + " "
            + bi(
                "分开运营的定义：两个单向运营（仅下行、仅上行），车型与费率相同，各自按本方向"
                "货量用车（每种车最多为数据包中的数量），规则相同，总求解时间相同。",
                "Separate baseline: " + cmp.baseline + ".",
            )
            + "</p>"
        )
    hub = p.hub
    if hub.get("limited") or p.trunk.get("modelled"):
        bits_zh: list[str] = []
        bits_en: list[str] = []
        if hub.get("limited"):
            bits_zh.append(
                f"县中心分拣 {hub['parcels_per_hour']:g} 件/小时，{hub['parcels']} 件于 "
                f"{hub['done']} 分拣完毕，车辆 {hub['vehicles_leave_from']} 起发车；"
                f"截单后待次日 {hub['waiting_for_next_day_parcels']} 件"
            )
            bits_en.append(
                f"hub sorting {hub['parcels_per_hour']:g} parcels/h: {hub['parcels']} parcels "
                f"sorted by {hub['done']}, vehicles leave from {hub['vehicles_leave_from']}; "
                f"{hub['waiting_for_next_day_parcels']} parcels after the cut-off wait for "
                "the next day"
            )
        if p.trunk.get("modelled"):
            t = p.trunk
            bits_zh.append(
                f"城市干线 {t['km']:g} km、{t['hours']:g} 小时（{t['temperature']}），"
                f"{t['kg']:,.0f} kg，{t['yuan']:,.2f} 元"
            )
            bits_en.append(
                f"city trunk {t['km']:g} km, {t['hours']:g} h ({t['temperature']}), "
                f"{t['kg']:,.0f} kg, {t['yuan']:,.2f} yuan"
            )
        parts.append('<p class="note">' + bi("；".join(bits_zh), "; ".join(bits_en)) + "</p>")

    # spoilage by product
    parts.append("<h3>" + bi("各产品预期损耗", "Expected spoilage by product") + "</h3>")
    prods = county.product_by_id
    sp_rows = []
    for pid, d in sorted(p.spoilage_by_product().items()):
        pr = prods.get(pid)
        name = bi(pr.name, pr.name_en or pid) if pr else esc(pid)
        pct = 100.0 * d["loss_kg"] / d["kg"] if d["kg"] > 0 else 0.0
        sp_rows.append(
            [name, num(d["kg"], 1), num(d["loss_kg"], 1), f"{pct:.2f}", num(d["loss_yuan"], 2)]
        )
    if sp_rows:
        parts.append(
            table(
                [
                    bi("产品", "Product"),
                    bi("承运量", "Carried (kg)"),
                    bi("预期损耗", "Expected loss (kg)"),
                    bi("损耗率", "Loss (%)"),
                    bi("损耗价值", "Loss value (yuan)"),
                ],
                sp_rows,
            )
        )
        chains: dict[str, float] = defaultdict(float)
        for s in p.spoilage:
            chains[f"{s.carrier}/{s.chain}"] += s.kg
        parts.append(
            '<p class="note">'
            + bi("承运方式 / 冷链：", "Carrier / chain: ")
            + esc(", ".join(f"{k} {v:,.0f} kg" for k, v in sorted(chains.items())))
            + ". "
            + bi(
                "损耗按从采摘到县中心的实际时间与温度（冷藏车按牛顿冷却）加上县外通用链路计算。",
                "Loss from the actual times and temperatures from harvest to the county hub "
                "(reefers by Newtonian cooling), plus the onward chain beyond the county.",
            )
            + "</p>"
        )
    else:
        parts.append('<p class="empty">' + bi("当日无上行承运", "No up produce carried") + "</p>")

    # routes
    parts.append("<h3>" + bi("车辆路线", "Vehicle routes") + "</h3>")
    r_rows = []
    for r in p.routes:
        peak = max((leg.load_kg for leg in r.legs), default=0.0)
        stops = sum(1 for s in r.stops if s.kind == "village")
        r_rows.append(
            [
                esc(r.vehicle),
                esc(f"{r.vehicle_type} ({r.temperature_class})"),
                num(r.trips),
                num(stops),
                num(r.km, 1),
                esc(f"{r.stops[0].to_dict()['start']}–{r.stops[-1].to_dict()['arrival']}"),
                num(peak, 1),
                num(r.fixed_yuan + r.distance_yuan, 2),
            ]
        )
    parts.append(
        table(
            [
                bi("车辆", "Vehicle"),
                bi("车型", "Type"),
                bi("趟次", "Trips"),
                bi("站点", "Stops"),
                bi("里程", "km"),
                bi("时间", "Time"),
                bi("最大载重", "Peak load (kg)"),
                bi("成本", "Cost (yuan)"),
            ],
            r_rows,
            right_from=2,
        )
        if r_rows
        else '<p class="empty">' + bi("无车辆出车", "No vehicle on the road") + "</p>"
    )

    # bus
    if p.bus:
        parts.append("<h3>" + bi("班车托运", "Bus consignments") + "</h3>")
        b_rows = [
            [
                esc(b.run),
                esc("下行 down" if b.flow == "down" else "上行 up"),
                esc(county.place_by_id[b.village].name),
                esc(county.place_by_id[b.stop].name),
                num(b.parcels if b.flow == "down" else b.pieces),
                num(b.kg, 1),
                num(b.fee_yuan, 2),
                num(b.last_leg_yuan, 2),
            ]
            for b in p.bus
        ]
        parts.append(
            table(
                [
                    bi("班次", "Run"),
                    bi("方向", "Flow"),
                    bi("村", "Village"),
                    bi("上下车站", "Bus stop"),
                    bi("件数", "Pieces"),
                    bi("重量", "kg"),
                    bi("运费", "Fee (yuan)"),
                    bi("接驳", "Last leg (yuan)"),
                ],
                b_rows,
                right_from=4,
            )
        )

    # why the bus is (not) used
    verdicts = [
        (op, e["verdict"]) for op, e in sorted(p.bus_economics.items()) if e.get("verdict")
    ]
    if verdicts:
        parts.append("<h3>" + bi("班车是否划算", "Does the bus pay?") + "</h3>")
        for op, text in verdicts:
            parts.append(f'<p class="bus-economics" data-operation="{esc(op)}">{esc(text)}</p>')
        parts.append(
            '<p class="note">'
            + esc(
                "按村估算：班车运费与接驳费（及腐损变化）对比车辆不经停该村所省的里程费 / per "
                "village: the bus's fees and last legs (and spoilage change) against the km the "
                "vehicles save without the village (plan JSON bus_economics)"
            )
            + "</p>"
        )

    # not carried
    parts.append("<h3>" + bi("当日未承运", "Not carried today") + "</h3>")
    if p.not_carried:
        groups: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
        for n in p.not_carried:
            g = groups[f"[{n.kind or 'other'}] {n.reason}"]
            g[0] += 1
            g[1] += n.parcels
            g[2] += n.kg
            g[3] += n.penalty_yuan
        parts.append(
            table(
                [
                    bi("原因", "Reason"),
                    bi("条目", "Items"),
                    bi("包裹", "Parcels"),
                    bi("重量", "kg"),
                    bi("罚金", "Penalty (yuan)"),
                ],
                [
                    [esc(reason), num(g[0]), num(g[1]), num(g[2], 1), num(g[3], 2)]
                    for reason, g in sorted(groups.items(), key=lambda kv: -kv[1][2])
                ],
            )
        )
    else:
        parts.append('<p class="note">' + bi("全部承运", "Everything was carried") + "</p>")

    parts.append(_farmer_html(county, p))
    parts.append(
        '<p class="note">' + bi("说明", "Notes") + ": " + esc("; ".join(p.notes)) + "</p>"
    )
    prov = [
        ProvenanceItem(
            "物流参数 " + str(par["key"]),
            str(par["meaning"]),
            str(par["source"]),
            f"{par['value']:g} {par['unit']}",
        )
        for par in p.parameters
    ]
    return Section(
        "logistics",
        "两向物流计划",
        "Two-way logistics plan",
        "\n".join(parts),
        tuple(prov),
    )


#: Villages listed in the report's farmer-side table (the largest values first).
FARMER_ROWS = 10


def _farmer_html(county: County, p: Plan) -> str:
    """The farmer-side value of village pickup: own tricycle haul vs the plan's charge."""
    fv = farmer_value(county, p)
    out = ["<h3>" + bi("农户侧价值（村口收货）", "Farmer-side value of village pickup") + "</h3>"]
    if not fv.villages:
        out.append(
            '<p class="empty">'
            + bi("当天没有承运的上行农产品", "No up produce was carried that day")
            + "</p>"
        )
        return "".join(out)
    out.append(
        '<div class="cards small">'
        + card(f"{num(fv.value_yuan)} 元", "农户节省", "Saved by farmers (yuan)")
        + card(f"{fv.value_per_farmer_yuan:.1f} 元", "每户每天", "Per farmer a day (yuan)")
        + card(f"{num(fv.farmers)}", "农户数", "Farmers")
        + card(f"{num(fv.self_haul_county_yuan)} 元", "自运到县", "Own haul to county (yuan)")
        + card(f"{num(fv.plan_charge_yuan)} 元", "计划收费", "Plan charge (yuan)")
        + "</div>"
    )
    out.append(
        '<p class="note">'
        + bi(
            "价值 = 农户自驾三轮车往返县城的费用（里程与时间）− 计划在村口收货的费用。",
            "Value = the farmers' own tricycle round trips to the county hub (km and time) - "
            "what the plan charges to collect at the village.",
        )
        + f" <code>ruralflow plan BUNDLE --day {esc(p.day.isoformat())} --json</code> "
        + "(farmer_side)</p>"
    )
    rows = [
        [
            esc(v.name or v.village),
            num(v.kg),
            num(v.farmers),
            num(v.km_to_county, 1),
            num(v.self_haul_county_yuan),
            num(v.plan_charge_yuan),
            num(v.self_haul_county_yuan - v.plan_charge_yuan),
        ]
        for v in sorted(fv.villages, key=lambda v: v.plan_charge_yuan - v.self_haul_county_yuan)[
            :FARMER_ROWS
        ]
    ]
    out.append(
        table(
            [
                bi("村", "Village"),
                "kg",
                bi("农户", "Farmers"),
                bi("到县 km", "km to county"),
                bi("自运 元", "Own haul (yuan)"),
                bi("计划 元", "Plan (yuan)"),
                bi("节省 元", "Saved (yuan)"),
            ],
            rows,
        )
    )
    out.append(
        table(
            [
                bi("参数", "Parameter"),
                bi("取值", "Value"),
                bi("范围", "Range"),
                bi("来源", "Source"),
            ],
            [
                [
                    esc(par.key),
                    f"{par.value:g} {esc(par.unit)}",
                    f"{par.low:g}-{par.high:g}",
                    esc(par.source),
                ]
                for par in fv.parameters
            ],
        )
    )
    return "".join(out)
