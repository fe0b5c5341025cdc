"""Traceability as a report section: events per stage, trace codes, the log and its checkpoint.

Entry point of the report's analysis (:mod:`ruralflow.report.analyses`):
:func:`sections` ``(county, day, options) -> [Section]``. It generates the EPCIS events of
the up-flow batches harvested on the report's day (the first harvest day when the day has
none), each batch's journey (carrier, cold or ambient chain, pre-cooling, hub arrival) taken
from that day's logistics plan (``JOURNEY_PLAN_SECONDS`` = 2 s or ``options.plan_seconds`` if
less, seed ``options.seed``; the demo rules of :func:`ruralflow.trace.season.season_events`
where a day cannot be planned), captures them in a temporary Merkle log, signs a checkpoint
with a one-off key, and shows: events per stage, temperature alarms, three example trace codes
(URL and inline SVG QR code, each verified against the checkpoint) and the brand. Nothing is
written to disk beyond a temporary folder. Schema validation is not re-run here (the tests and
``ruralflow trace demo`` do it); see ``docs/traceability.md``.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ruralflow.domain import County
from ruralflow.report.model import Origin, ProvenanceItem, ReportOptions, Section
from ruralflow.report.templating import environment
from ruralflow.trace.brand import BrandRegistry
from ruralflow.trace.checkpoint import generate_signer
from ruralflow.trace.codes import qr_svg, resolver_from_env
from ruralflow.trace.epcis import STAGES
from ruralflow.trace.exchange import capture
from ruralflow.trace.log import MerkleLog
from ruralflow.trace.season import (
    ASSUMPTIONS,
    BatchJourney,
    BatchTrace,
    SeasonOptions,
    journeys_from_plan,
    season_events,
)
from ruralflow.trace.view import verification_view

__all__ = ["sections"]

_STAGE_LABELS: dict[str, tuple[str, str, str]] = {
    "harvest": ("采收", "harvest", "ObjectEvent ADD · commissioning · ilmd"),
    "grading": ("分级", "grading", "TransformationEvent · inspecting"),
    "precooling": ("预冷", "pre-cooling", "ObjectEvent · rf precooling · sensors"),
    "storage": ("冷藏", "cold storage", "ObjectEvent · storing · sensors"),
    "packing": ("包装", "packing", "AggregationEvent ADD · packing"),
    "shipping": ("发运", "shipping", "ObjectEvent · shipping · source/destination"),
    "transport": ("运输温度", "transport log", "ObjectEvent · transporting · sensors"),
    "receiving": ("收货", "receiving", "ObjectEvent · receiving"),
    "sale": ("销售", "sale", "ObjectEvent · retail_selling"),
    "other": ("其他", "other", ""),
}

_ID_KIND = {True: "GS1 GTIN + 批号 / lot", False: "项目命名空间 / project namespace"}

_TEMPLATE = """
<p class="lead">每个上行批次的"从田头到餐桌"事件按 GS1 EPCIS 2.0 记录，
逐条写入防篡改的 Merkle 日志（RFC 9162），并由 Ed25519 签名的检查点固定。
/ Every up-flow batch's life from field to table is recorded as GS1 EPCIS 2.0 events,
each a leaf of a tamper-evident Merkle log (RFC 9162) fixed by Ed25519-signed checkpoints.</p>
<p class="callout">演示数据 / Demo data: 事件按文档化的规则由数据包生成
（时间、分级比例、温度曲线为假设），日志与签名密钥为本报告临时生成。
/ The events are generated from the bundle by documented rules (timings, grade shares and
temperature curves are assumptions); the log and its signing key were made for this report
only.</p>
<div class="cards small">
  <div class="card"><div class="v">{{ n_batches | num }}</div>
    <div class="k">批次 / Batches</div></div>
  <div class="card"><div class="v">{{ n_events | num }}</div>
    <div class="k">EPCIS 事件 / Events</div></div>
  <div class="card"><div class="v">{{ n_gs1 | num }}</div>
    <div class="k">GS1 编码批次 / Batches with GS1 keys</div></div>
  <div class="card"><div class="v">{{ alarm_readings | num }}</div>
    <div class="k">温度报警读数 / Temperature alarms</div></div>
  <div class="card"><div class="v">{{ log_size | num }}</div>
    <div class="k">日志条目 / Log entries</div></div>
</div>
<p class="note">追溯 {{ day }} 采收的批次（全季 {{ season_batches | num }} 个批次，
用 <span class="mono">ruralflow trace demo</span> 生成全季事件）；{{ planned | num }} 个批次的
路径（冷链或常温、是否预冷、到达县中心的时间）取自当天的物流计划。
/ Batches harvested on {{ day }} are traced here (the season has {{ season_batches | num }};
<span class="mono">ruralflow trace demo</span> writes the whole season's events); the journeys
of {{ planned | num }} batches (cold or ambient chain, pre-cooled or not, hub arrival) come from
that day's logistics plan{% if planned < n_batches %}, the others follow the demo
rules{% endif %}.</p>
<h3>各环节事件数 / Events per stage</h3>
<div class="table-wrap">
<table class="data">
  <thead><tr><th>环节 / Stage</th><th>EPCIS 事件 / Event</th>
    <th class="r">事件数 / Events</th></tr></thead>
  <tbody>
  {% for s in stages %}
    <tr><td><span class="zh">{{ s.zh }}</span> <span class="en">{{ s.en }}</span></td>
      <td class="mono">{{ s.event }}</td><td class="r">{{ s.count | num }}</td></tr>
  {% endfor %}
  </tbody>
</table>
</div>
<p class="note">温度报警 / Alarms: 读数超出产品温度范围 [t_min_c, t_opt_c + 4 °C]
时标记 ALARM_CONDITION（上限 +4 °C 为假设，依 AH-66 苹果 −1…4 °C）。
/ A reading outside the product's range [t_min_c, t_opt_c + 4 °C] is flagged
ALARM_CONDITION (the +4 °C margin is an assumption after the AH-66 apple range −1 to 4 °C).
{% if alarm_events %}{{ alarm_events | num }} 个事件含报警 / events carry alarms.{% endif %}
</p>
<h3>追溯码示例 / Trace codes</h3>
<p class="lead">解析服务 / Resolver: <span class="mono">{{ resolver }}</span>。
扫码即打开该批次的验证页（历史、包含证明、品牌）。
/ Scanning opens the lot's verification page (history, inclusion proofs, brand).</p>
<div class="table-wrap">
<table class="data">
  <thead><tr><th>二维码 / QR</th><th>批次 / Batch</th><th>追溯链接 / Trace URL</th>
    <th>品牌 / Brand</th><th>验证 / Verified</th></tr></thead>
  <tbody>
  {% for ex in examples %}
    <tr>
      <td>{{ ex.svg }}</td>
      <td><span class="mono">{{ ex.batch }}</span><br>{{ ex.product }} · {{ ex.village }}<br>
        <span class="note">{{ ex.kg | num(1) }} kg · {{ ex.ids }}</span></td>
      <td class="mono" style="word-break: break-all; max-width: 340px">{{ ex.url }}</td>
      <td>{{ ex.brand }}</td>
      <td>{{ ex.verified }}<br><span class="note">{{ ex.n_events }} 个事件 / events</span></td>
    </tr>
  {% endfor %}
  </tbody>
</table>
</div>
<h3>最新检查点 / Latest checkpoint</h3>
<p class="lead">日志 {{ log_size | num }} 条，检查点覆盖 {{ cp_size | num }} 条。
/ The log holds {{ log_size | num }} entries; the signed checkpoint (C2SP signed note)
covers {{ cp_size | num }}:</p>
<pre class="mono">{{ note }}</pre>
"""


def _brand_text(batch: BatchTrace, county: County, reg: BrandRegistry) -> str:
    village = county.place_by_id.get(batch.village)
    township = village.parent if village is not None else None
    info = reg.brand_of(batch.product, county.adcode, township)
    if info.regional is None:
        return "无登记品牌 / no brand registered"
    parts = [f"区域公共品牌 {info.regional.name_zh}"]
    if info.sub_brand is not None:
        parts.append(f"企业子品牌 {info.sub_brand.name_zh}")
    parts.append(f"地理标志 / GI: {info.gi_status.value}")
    return " · ".join(parts)


def _brands(county: County, options: ReportOptions) -> BrandRegistry:
    """The county's brands: the bundle's brands.csv, else the proposed ones (issue 18)."""
    from ruralflow.bundle.upflow_files import county_brands

    try:
        return county_brands(options.bundle_dir, county)
    except ValueError:  # a bad brands.csv: ruralflow validate reports it; propose instead
        return county_brands(None, county)


def _examples(batches: Sequence[BatchTrace]) -> list[BatchTrace]:
    pool = list(batches)
    with_gs1 = [b for b in pool if b.gs1][:1]
    return with_gs1 + [b for b in pool if not b.gs1][: 3 - len(with_gs1)]


#: Seconds of the plan whose batch journeys the trace section shows (at most the report's
#: plan budget): the journeys need the plan's carriers, not its best cost.
JOURNEY_PLAN_SECONDS = 2.0


def _journeys(
    county: County, day: dt.date, options: ReportOptions
) -> dict[str, BatchJourney] | None:
    """The batch journeys of ``day``'s logistics plan (``None`` if it cannot be planned)."""
    from ruralflow.logistics import LogisticsError, PlanOptions, plan

    seconds = min(JOURNEY_PLAN_SECONDS, options.plan_seconds)
    plan_options = PlanOptions(time_limit_s=seconds, seed=options.seed, compare=False, workers=1)
    try:
        return journeys_from_plan(plan(county, day, plan_options).spoilage)
    except LogisticsError:
        return None


def sections(
    county: County, day: dt.date | None = None, options: ReportOptions | None = None
) -> Sequence[Section]:
    """The traceability section of the report."""
    title = ("溯源与追溯码", "Traceability and trace codes")
    harvest_days = sorted({s.day for s in county.supply_up})
    if not harvest_days:
        html = str(
            environment()
            .from_string('<p class="empty">{{ m }}</p>')
            .render(m="数据包中没有上行批次 / The bundle has no up-flow batches to trace.")
        )
        return [Section("trace", *title, html)]
    traced_day = day if day in harvest_days else harvest_days[0]
    o = options or ReportOptions()
    journeys = _journeys(county, traced_day, o)
    reg = _brands(county, o)
    season = season_events(
        county, SeasonOptions(days=(traced_day,), seed=o.seed, journeys=journeys, brands=reg)
    )
    resolver = resolver_from_env()
    examples = _examples(season.batches)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="ruralflow-trace-") as tmp:
        signer = generate_signer(f"ruralflow.example/county/{county.adcode}/trace")
        with MerkleLog.open(Path(tmp) / "trace.db", synchronous="NORMAL") as log:
            capture(log, season.document(), validate=False, source="report")
            cp = log.add_checkpoint(signer)
            log_size = log.size
            for b in examples:
                url = b.trace_urls(resolver, season.namespace)[0]
                view = verification_view(
                    log,
                    url,
                    ns=season.namespace,
                    resolver=resolver,
                    verifiers=[signer.verifier()],
                    include_events=False,
                )
                village = county.place_by_id.get(b.village)
                product = county.product_by_id.get(b.product)
                rows.append(
                    {
                        "svg": Markup(qr_svg(url, scale=2, border=2)),
                        "batch": b.batch,
                        "product": product.name if product else b.product,
                        "village": village.name if village else b.village,
                        "kg": b.kg,
                        "ids": "GS1 GTIN + 批号 / lot"
                        if b.gs1
                        else "项目命名空间 / project namespace",
                        "url": url,
                        "brand": _brand_text(b, county, reg),
                        "verified": "✓ 已验证 / verified"
                        if view["verified"]
                        else "✗ " + "; ".join(view["problems"]),
                        "n_events": view["n_events"],
                    }
                )
    counts = season.stage_counts()
    stages = [
        {
            "zh": _STAGE_LABELS[s][0],
            "en": _STAGE_LABELS[s][1],
            "event": _STAGE_LABELS[s][2],
            "count": counts[s],
        }
        for s in STAGES
        if s in counts
    ]
    alarm_events, alarm_readings = season.alarm_counts()
    html = str(
        environment()
        .from_string(_TEMPLATE)
        .render(
            n_batches=len(season.batches),
            n_events=len(season.events),
            n_gs1=sum(1 for b in season.batches if b.gs1),
            alarm_events=alarm_events,
            alarm_readings=alarm_readings,
            log_size=log_size,
            day=traced_day.isoformat(),
            season_batches=len(county.supply_up),
            planned=season.planned(),
            stages=stages,
            resolver=resolver,
            examples=rows,
            cp_size=cp.tree_size,
            note=cp.note,
        )
    )
    provenance = [
        ProvenanceItem(
            "追溯事件的时间与温度规则",
            "Trace events: timings and temperature rules",
            "assumption: " + "; ".join(f"{k}: {v}" for k, v in ASSUMPTIONS.items()),
            f"{len(season.events)} events",
        ),
        ProvenanceItem(
            "温度报警上限",
            "Temperature alarm upper bound",
            "assumption: t_opt_c + 4 degC (USDA AH-66 apple range -1 to 4 degC, PARAMS.md s.1)",
        ),
    ]
    for rb in reg.regional:
        provenance.append(
            ProvenanceItem("区域公共品牌", "Regional public brand", rb.source, rb.name_zh)
        )
    for sb in reg.sub_brands:
        provenance.append(
            ProvenanceItem(
                "企业子品牌与 GS1 编码",
                "Enterprise sub-brand and GS1 keys",
                sb.source,
                sb.name_zh,
                Origin.SYNTHETIC if sb.synthetic else None,
            )
        )
    return [Section("trace", *title, html, tuple(provenance))]
