"""A plausible season of up-flow value files for a generated bundle (``make-bundle``).

From a :class:`~ruralflow.domain.County` (its villages, townships, lead product and up-flow
batches) this writes, all marked SYNTHETIC or ASSUMPTION:

- ``preprocess_fees.csv``: grading, vacuum packing and pre-cooling at the shared centre, fees
  and line capacities as assumptions with their ranges;
- ``preprocess_orders.csv``: a share of the lead product's batches brought to the centre by
  the village's farmers (``synthetic=yes``), with the services they buy;
- ``lots.csv``: the graded kg of each cooperative (township) per grade, from the orders;
- ``channels.csv``: wholesale, supermarket, front warehouse, live stream and export channels
  for the lead product, prices relative to its farm-gate value (assumption);
- ``brands.csv``: a proposed regional public brand "county + lead product" (GI status
  ``unknown``: not checked against the CNIPA GI register) and, for Liquan, the synthetic
  sub-brand of :func:`ruralflow.trace.brand.liquan_registry`.

:func:`generate` returns the rows (no files); :func:`write_upflow_files` writes them.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from ruralflow.domain import County
from ruralflow.preprocess import (
    Channel,
    Lot,
    Order,
    Service,
    bill,
    lots_by_grade,
)
from ruralflow.preprocess.queue import Centre
from ruralflow.trace.brand import (
    PAPER_SOURCE,
    BrandRegistry,
    GeographicalIndication,
    GIScheme,
    GIStatus,
    RegionalBrand,
    liquan_registry,
)

D = Decimal
SEED = 18
#: Share of the lead product's batches brought to the centre (assumption, range 0.2-0.6).
CENTRE_SHARE = 0.4

FEE_SOURCE = (
    "assumption: shared preprocess centre fee (按单计费) for the demonstration; range per_kg "
    "x0.5-x2; no published fee schedule in shared/research"
)
SERVICES = (
    Service("grading", "分级 / grading", D("5"), D("0.08"), D("6"), 800.0, FEE_SOURCE),
    Service(
        "vacuum_packing", "真空包装 / vacuum packing", D("2"), D("0.20"), D("3"), 300.0, FEE_SOURCE
    ),
    Service("precooling", "预冷 / pre-cooling", D("3"), D("0.06"), D("5"), 1500.0, FEE_SOURCE),
)
OPEN_MIN, CLOSE_MIN = 8 * 60, 20 * 60
SERVICE_MIX = (
    (("grading", "precooling"), 0.5),
    (("grading",), 0.25),
    (("grading", "vacuum_packing", "precooling"), 0.15),
    (("precooling",), 0.10),
)
#: Channels relative to the farm-gate value v (ASSUMPTION: price factor, transport yuan/kg,
#: fixed yuan a season, capacity as a share of the centre's graded kg).
CHANNEL_TEMPLATES = (
    ("wholesale", "县批发市场 / county wholesale market", "C", 1.10, 0.25, 200.0, 0.9),
    ("supermarket", "城市商超 / city supermarket", "B", 1.60, 0.50, 1500.0, 0.25),
    ("front_warehouse", "城市前置仓 / city front warehouse", "B", 1.80, 0.80, 2500.0, 0.15),
    ("live_stream", "直播电商 / live-stream shop", "A", 2.60, 1.20, 3000.0, 0.10),
    ("export", "出口商 / export buyer", "A", 2.40, 1.00, 8000.0, 0.20),
)
CHANNEL_SOURCE = (
    "assumption: channel price = farm-gate value x {f} (range x0.8-x1.2 of that), transport "
    "and fixed cost for the demonstration"
)


@dataclass(frozen=True)
class UpflowSeason:
    services: tuple[Service, ...]
    centre: Centre
    orders: tuple[Order, ...]
    lots: tuple[Lot, ...]
    channels: tuple[Channel, ...]
    brand_rows: tuple[dict[str, str], ...]


def _short(name: str) -> str:
    for suf in ("自治县", "县", "市", "区", "旗"):
        if name.endswith(suf) and len(name) > len(suf) + 1:
            return name[: -len(suf)]
    return name


#: GI records found for the six counties' lead products (name, scheme, registration, source).
#: Secondary web sources found with the search tools; check the official register
#: (CNIPA / MARA) before printing a GI claim. Liquan (礼泉苹果), Nanle and Hanyuan: none found.
GI_RECORDS: dict[tuple[str, str], tuple[str, GIScheme, str, str]] = {
    ("420527", "navel_orange"): (
        "秭归脐橙",
        GIScheme.AGRICULTURAL_PRODUCT,
        "AGI02217",
        "hubeitoday.com.cn/post/621/149402 (湖北地理标志农产品: 秭归脐橙, AGI02217, 2017, "
        "秭归县柑橘协会); also a protected GI product approved by AQSIQ on 2006-06-20 "
        "(lm263.com/article/202309/119424.html)",
    ),
    ("620621", "melon"): (
        "民勤蜜瓜",
        GIScheme.PROTECTED_PRODUCT,
        "",
        "patent51.com/news/industry/9013.html: protected GI product (AQSIQ, 2010-09-30), "
        "agricultural-product GI (MARA, 2018-11-20), certification mark 第33407344号",
    ),
    ("371328", "peach"): (
        "蒙阴蜜桃",
        GIScheme.AGRICULTURAL_PRODUCT,
        "AGI00096",
        "duoguox.com/markcn/mark-100830255-china-agi.html: 蒙阴蜜桃 AGI00096, "
        "蒙阴县果业协会, 2008-12-03",
    ),
}


def proposed_registry(county: County) -> BrandRegistry:
    """The brands make-bundle proposes: Liquan's worked example (:func:`liquan_registry`),
    else a regional brand "county + lead product" with GI status ``unknown``."""
    if county.adcode.startswith("610425"):
        return liquan_registry()
    if not county.products:
        return BrandRegistry()
    lead = county.products[0]
    name = _short(county.name) + lead.name
    gi = GeographicalIndication(
        name_zh=name,
        source="assumption: GI status not verified; check the CNIPA GI register "
        "(国家知识产权局地理标志) before printing a GI claim",
    )
    record = GI_RECORDS.get((county.adcode[:6], lead.id))
    if record is not None:
        name, scheme, registration, source = record
        gi = GeographicalIndication(name, GIStatus.REGISTERED, scheme, registration, source)
    regional = RegionalBrand(
        id=f"{county.adcode}-{lead.id}",
        name_zh=name,
        name_en=f"{county.settings.name_en or county.adcode} {lead.name_en or lead.id}".strip(),
        county_adcode=county.adcode,
        products=(lead.id,),
        owner_zh=f"{county.name} (公共品牌运营主体未核实 / operator not verified)",
        gi=gi,
        source="assumption: proposed by make-bundle from the lead product; " + PAPER_SOURCE,
    )
    return BrandRegistry((regional,))


def registry_rows(reg: BrandRegistry) -> list[dict[str, str]]:
    """``brands.csv`` rows of a registry (read back equal by the bundle reader)."""
    rows = []
    for b in reg.regional:
        gi = b.gi or GeographicalIndication(name_zh=b.name_zh)
        rows.append(
            {
                "id": b.id,
                "name": b.name_zh,
                "level": "regional",
                "parent": "",
                "products": ";".join(b.products),
                "gi_status": gi.status.value,
                "gi_source": gi.source,
                "name_en": b.name_en,
                "townships": "",
                "enterprise": b.owner_zh,
                "gi_scheme": gi.scheme.value,
                "gi_registration": gi.registration,
                "gtins": "",
                "gs1_company_prefix": "",
                "gln": "",
                "source": b.source,
                "synthetic": "no",
            }
        )
    for sb in reg.sub_brands:
        keys = list(sb.gs1.values())
        rows.append(
            {
                "id": sb.id,
                "name": sb.name_zh,
                "level": "enterprise",
                "parent": sb.regional_brand,
                "products": ";".join(sb.products),
                "gi_status": "unknown",
                "gi_source": "the regional brand's GI applies / 适用区域公共品牌的地理标志",
                "name_en": sb.name_en,
                "townships": ";".join(sb.townships),
                "enterprise": sb.enterprise_zh,
                "gi_scheme": "unspecified",
                "gi_registration": "",
                "gtins": ";".join(f"{p}:{k.gtin}" for p, k in sb.gs1.items()),
                "gs1_company_prefix": keys[0].company_prefix or "" if keys else "",
                "gln": keys[0].gln or "" if keys else "",
                "source": sb.source,
                "synthetic": "yes" if sb.synthetic else "no",
            }
        )
    return rows


def brand_rows(county: County) -> list[dict[str, str]]:
    """The proposed brands of ``county`` (``brands.csv`` rows)."""
    return registry_rows(proposed_registry(county))


def generate(county: County, seed: int = SEED) -> UpflowSeason:
    """A season of preprocess orders, lots, channels and brands for ``county``."""
    rng = random.Random(f"upflow-{county.adcode}-{seed}")
    centre = Centre(
        "centre",
        {s.id: s.kg_per_hour or 1.0 for s in SERVICES},
        OPEN_MIN,
        CLOSE_MIN,
        FEE_SOURCE,
    )
    orders: list[Order] = []
    lead = county.products[0] if county.products else None
    mixes = [m for m, _ in SERVICE_MIX]
    weights = [w for _, w in SERVICE_MIX]
    if lead is not None:
        for s in county.supply_up:
            if s.product != lead.id or rng.random() >= CENTRE_SHARE:
                continue
            village = county.place_by_id.get(s.village)
            coop = f"C-{village.parent}" if village is not None and village.parent else "C-hub"
            n = 1 if s.kg < 60 else rng.choice((1, 2, 3))
            kg = D(str(round(s.kg, 1)))
            parts = [kg] if n == 1 else _split(kg, n)
            for k, part in enumerate(parts):
                if part <= 0:
                    continue
                ready = min(s.ready_min + rng.randint(20, 90), CLOSE_MIN - 30)
                farmer = f"F-{s.village.removeprefix('V')}-{rng.randint(1, 4)}"
                orders.append(
                    Order(
                        f"O{s.day:%Y%m%d}-{s.village.removeprefix('V')}-{k + 1}",
                        s.day,
                        farmer,
                        coop,
                        s.product,
                        part,
                        rng.choices(mixes, weights)[0],
                        ready,
                        True,
                    )
                )
    billing = bill(orders, SERVICES)
    lots = tuple(
        Lot(f"L-{coop}-{product}-{g}", coop, product, g, float(round(kg, 1)))
        for coop, product, g, kg in lots_by_grade(billing)
        if kg > 0
    )
    channels: list[Channel] = []
    if lead is not None and lots:
        total = sum(lot.kg for lot in lots)
        v = lead.value_yuan_per_kg
        for kind, name, grade, f, tr, fixed, share in CHANNEL_TEMPLATES:
            channels.append(
                Channel(
                    f"{kind}-{lead.id}",
                    name,
                    kind,
                    lead.id,
                    grade,
                    float(round(total * share)),
                    round(v * f, 2),
                    tr,
                    fixed,
                    CHANNEL_SOURCE.format(f=f),
                )
            )
    return UpflowSeason(
        SERVICES, centre, tuple(orders), lots, tuple(channels), tuple(brand_rows(county))
    )


def _split(kg: Decimal, n: int) -> list[Decimal]:
    base = (kg / n).quantize(D("0.1"))
    return [base] * (n - 1) + [kg - base * (n - 1)]


def _write(path: Path, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def hhmm(m: int) -> str:
    return f"{m // 60:02d}:{m % 60:02d}"


def write_upflow_files(county: County, root: str | Path, seed: int = SEED) -> list[Path]:
    """Write the up-flow files of ``county`` into the bundle folder ``root``."""
    season = generate(county, seed)
    out = Path(root)
    paths = []
    p = out / "preprocess_fees.csv"
    _write(
        p,
        (
            "service",
            "name",
            "per_order_yuan",
            "per_kg_yuan",
            "min_yuan",
            "kg_per_hour",
            "open_time",
            "close_time",
            "source",
        ),
        [
            (
                s.id,
                s.name,
                s.per_order_yuan,
                s.per_kg_yuan,
                s.min_yuan,
                s.kg_per_hour,
                hhmm(OPEN_MIN),
                hhmm(CLOSE_MIN),
                s.source,
            )
            for s in season.services
        ],
    )
    paths.append(p)
    if season.orders:
        p = out / "preprocess_orders.csv"
        _write(
            p,
            (
                "order",
                "day",
                "farmer",
                "cooperative",
                "product",
                "kg",
                "services",
                "ready_time",
                "synthetic",
            ),
            [
                (
                    o.id,
                    o.day.isoformat(),
                    o.farmer,
                    o.cooperative,
                    o.product,
                    o.kg,
                    ";".join(o.services),
                    hhmm(o.ready_min),
                    "yes",
                )
                for o in season.orders
            ],
        )
        paths.append(p)
    if season.lots:
        p = out / "lots.csv"
        _write(
            p,
            ("id", "cooperative", "product", "grade", "kg"),
            [(lot.id, lot.cooperative, lot.product, lot.grade, lot.kg) for lot in season.lots],
        )
        paths.append(p)
    if season.channels:
        p = out / "channels.csv"
        _write(
            p,
            (
                "id",
                "name",
                "kind",
                "product",
                "min_grade",
                "capacity_kg",
                "price_yuan_per_kg",
                "transport_yuan_per_kg",
                "fixed_yuan",
                "source",
            ),
            [
                (
                    c.id,
                    c.name,
                    c.kind,
                    c.product,
                    c.min_grade,
                    c.capacity_kg,
                    c.price_yuan_per_kg,
                    c.transport_yuan_per_kg,
                    c.fixed_yuan,
                    c.source,
                )
                for c in season.channels
            ],
        )
        paths.append(p)
    if season.brand_rows:
        p = out / "brands.csv"
        header = list(season.brand_rows[0])
        _write(p, header, [[r[h] for h in header] for r in season.brand_rows])
        paths.append(p)
    return paths
