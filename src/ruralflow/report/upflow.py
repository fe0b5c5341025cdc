"""The report section of the up flow's value (issue 18): a season at the shared preprocess
centre (orders, bills, queue, spoilage avoided, graded revenue) and a channel plan.

Entry point for :mod:`ruralflow.report.analyses`: :func:`sections` ``(county, day, options)``.
It reads the bundle's ``preprocess_orders.csv``, ``preprocess_fees.csv``, ``lots.csv`` and
``channels.csv`` when ``options.bundle_dir`` names a bundle that has them, else generates the
same synthetic season make-bundle writes (:mod:`ruralflow.bundle.upflow_generate`). Each part
names the command that reproduces it. A bundle without up-flow batches gets no section.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal

from ruralflow.domain import County
from ruralflow.report.fmt import num
from ruralflow.report.html import bi, card, esc, table
from ruralflow.report.model import ProvenanceItem, ReportOptions, Section
from ruralflow.sharing.money import fmt_yuan

#: How many farmers the graded-revenue table shows (largest graded kg first).
TOP_FARMERS = 10
#: Seconds for the channel MILP in the report.
CHANNEL_SECONDS = 10.0


def sections(
    county: County, day: dt.date | None = None, options: ReportOptions | None = None
) -> Sequence[Section]:
    from ruralflow.bundle.upflow_files import read_upflow_files
    from ruralflow.bundle.upflow_generate import generate
    from ruralflow.preprocess import bill, grade, match, precooling_value, schedule
    from ruralflow.siting.result import SolverOptions

    o = options or ReportOptions()
    bundle = o.bundle_dir or "BUNDLE"
    orders = services = centre = lots = channels = None
    where = "make-bundle (synthetic, in memory)"
    if o.bundle_dir is not None:
        try:
            files = read_upflow_files(o.bundle_dir, county)
        except ValueError:
            files = None
        if files is not None and files.orders is not None and files.services is not None:
            orders, services, centre = files.orders, files.services, files.centre
            lots, channels = files.lots, files.channels
            where = f"{o.bundle_dir}/preprocess_orders.csv, preprocess_fees.csv"
    if orders is None or services is None:
        season = generate(county)
        orders, services, centre = season.orders, season.services, season.centre
        lots, channels = season.lots, season.channels
    if not orders:
        return []
    billing = bill(orders, services)
    temps = county.settings.monthly_mean_temp_c
    queue = schedule(orders, centre, county.product_by_id, temps) if centre else None
    cooled = precooling_value(orders, county.product_by_id, temps)
    prices = {p.id: Decimal(repr(p.value_yuan_per_kg)) for p in county.products}
    graded = grade(billing, prices)
    plan = (
        match(lots, channels, SolverOptions(time_limit_s=CHANNEL_SECONDS, seed=o.seed))
        if lots and channels
        else None
    )

    s = graded.to_dict()["season"]
    parts = [
        '<div class="cards">',
        card(num(len(billing.invoices)), "预处理订单", "preprocess orders"),
        card(num(len(billing.farmers())), "农户", "farmers"),
        card(fmt_yuan(billing.total_fen), "服务费合计（元）", "fees billed (yuan)"),
        card(
            fmt_yuan(s["net_gain_fen"], sign=True),
            "分级净增收（元）",
            "net gain of grading (yuan)",
        ),
        card(num(cooled.avoided_yuan, 2), "预冷避免损耗（元）", "spoilage avoided by pre-cooling"),
        "</div>",
        f"<h3>{bi('按单计费', 'Billed per order')}</h3>",
        f"<p>{bi('命令', 'Command')}: <code>ruralflow preprocess bill {esc(bundle)} "
        f"--out-dir bills</code> · {esc(billing.summary())}</p>",
    ]
    fees = [
        [
            esc(sv.name),
            esc(sv.per_order_yuan),
            esc(sv.per_kg_yuan),
            esc(sv.min_yuan),
            num(sv.kg_per_hour or 0),
        ]
        for sv in services
    ]
    parts.append(
        table(
            ["服务 / service", "每单 / per order", "每公斤 / per kg", "最低 / min", "kg/h"], fees
        )
    )
    if queue is not None:
        f = queue.figures()
        load = queue.centre.load(orders)
        parts += [
            f"<h3>{bi('排队与等待损耗', 'Queue and spoilage while waiting')}</h3>",
            f"<p>{bi('命令', 'Command')}: <code>ruralflow preprocess season {esc(bundle)}"
            f"</code> · {esc(queue.summary())}</p>",
            table(
                ["日 / day", "订单 / orders", "平均等待 / mean wait min", "最长 / max min"],
                [
                    [
                        esc(d),
                        num(len(sl)),
                        num(sum(x.wait_min for x in sl) / len(sl)),
                        num(max(x.wait_min for x in sl)),
                    ]
                    for d, sl in sorted(queue.by_day().items())
                ],
            ),
            table(
                [
                    "产线 / line",
                    "kg/h",
                    "产能 / capacity kg/day",
                    "峰值 / peak kg/day",
                    "峰值负荷 / peak load",
                ],
                [
                    [
                        esc(line),
                        num(rate),
                        num(queue.centre.capacity_kg_per_day(line)),
                        num(load.get(f"{line}_peak_kg_per_day", 0.0)),
                        f"{load.get(f'{line}_peak_utilisation', 0.0):.0%}",
                    ]
                    for line, rate in queue.centre.kg_per_hour.items()
                ],
            ),
            f"<p>{bi('预冷', 'Pre-cooling')}: {num(cooled.orders)} 单 / orders, "
            f"{num(cooled.kg)} kg; {bi('后续', 'onward')} {num(cooled.onward_h)} h: "
            f"常温损耗 / ambient loss {num(cooled.loss_ambient_yuan, 2)} 元, 预冷后 / after "
            f"pre-cooling {num(cooled.loss_precooled_yuan, 2)} 元 (mean wait "
            f"{num(f['mean_wait_min'])} min).</p>",
        ]
    top = sorted(graded.farmers, key=lambda x: x.kg, reverse=True)[:TOP_FARMERS]
    parts += [
        f"<h3>{bi('分级定价：分级与统货收入', 'Grading into prices: graded vs ungraded')}</h3>",
        f"<p>{esc(graded.summary())}</p>",
        table(
            [
                "农户 / farmer",
                "公斤 / kg",
                "统货 / ungraded",
                "分级 / graded",
                "分级费 / fee",
                "净增 / net",
            ],
            [
                [
                    esc(x.farmer),
                    esc(x.kg),
                    fmt_yuan(x.ungraded_fen),
                    fmt_yuan(x.graded_fen),
                    fmt_yuan(x.grading_fee_fen),
                    fmt_yuan(x.net_gain_fen, sign=True),
                ]
                for x in top
            ],
        ),
    ]
    if plan is not None:
        kg = plan.kg_by_channel()
        parts += [
            f"<h3>{bi('渠道匹配', 'Channel plan')}</h3>",
            f"<p>{bi('命令', 'Command')}: <code>ruralflow channels match {esc(bundle)} --json"
            f"</code> · {esc(plan.summary())}</p>",
            table(
                [
                    "渠道 / channel",
                    "类型 / kind",
                    "最低等级 / min grade",
                    "容量 / cap kg",
                    "分配 / kg",
                ],
                [
                    [
                        esc(c.name),
                        esc(c.kind),
                        esc(c.min_grade),
                        num(c.capacity_kg),
                        num(kg.get(c.id, 0.0)),
                    ]
                    for c in plan.channels
                ],
                right_from=3,
            ),
        ]
    provenance = [
        ProvenanceItem("预处理订单", "Preprocess orders", "synthetic: " + where),
        ProvenanceItem("服务收费与产能", "Fees and line capacities", services[0].source),
        ProvenanceItem(
            "分级比例与价格系数",
            "Grade shares and price factors",
            next(iter(graded.models.values())).source if graded.models else "assumption",
        ),
    ]
    if plan is not None and plan.channels:
        provenance.append(ProvenanceItem("销售渠道", "Sales channels", plan.channels[0].source))
    return [
        Section(
            "upflow",
            "上行增值：预处理、分级与渠道",
            "Up-flow value: preprocessing, grading and channels",
            "".join(parts),
            tuple(provenance),
        )
    ]
