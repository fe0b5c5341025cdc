"""Named what-ifs: each changes stated inputs of the matrix, and nothing else.

A scenario declares its ``targets`` (``("flow", name)`` or ``("parameter", name)``) and its
assumption; :func:`apply` returns the changed inputs and the list of changes, and checks that
exactly the declared targets changed.

* ``cold_hub`` (冷链集配中心): a cold hub cuts up-flow loss. The freshness model
  (:mod:`ruralflow.freshness`) gives each up product's expected loss on the typical ambient
  chain and on the full cold chain at the county's mean temperature over its supply days;
  delivered up value rises by ``sum_p w_p (1 - L_cold,p) / (1 - L_amb,p)`` (``w_p`` value
  shares), scaled by ``cold_hub_coverage``. Changes: flow ``up_products``.
* ``bus_parcels`` (客货邮融合): buses carry parcels, *as the plan of the same analysis does*.
  The effect comes from the planner, never from a free number: when the measured plan (or
  season) puts no parcel on a bus, the scenario credits nothing and says so; when it does and
  the same day was also planned without buses, the baseline already holds the buses, so the
  scenario is the counterfactual without them (``s`` lowered by the no-bus plan's extra cost
  over the down value) and its reported effect is baseline minus counterfactual; without a
  no-bus plan it credits nothing and says the buses' part is inside the measured saving.
  Changes: parameter ``logistics_saving_yuan_per_yuan``.
* ``brand`` (区域公共品牌): a brand programme earns a price premium ``brand_premium`` on the
  same up volume. No engine models brand premiums: the effect is an assumption with a range
  and the scenario says so. Changes: flow ``up_products``.
* ``training`` (电商培训): training adds ``training_seller_increase`` active sellers, and up
  value grows in proportion. No engine models training: an assumption with a range, stated.
  Changes: flow ``up_products``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from ruralflow.domain import County, SourcedValue
from ruralflow.matrix.errors import MatrixError
from ruralflow.matrix.logistics import LogisticsMeasure


@dataclass(frozen=True)
class MatrixInputs:
    """What the matrix is computed from: direct flow values and parameters (all sourced)."""

    flows: Mapping[str, SourcedValue]
    params: Mapping[str, SourcedValue]
    logistics: LogisticsMeasure | None = None
    """The measured saving (plan or season) behind ``logistics_saving_yuan_per_yuan``."""
    bus_extra_cost_yuan: float | None = None
    """Integrated cost of the measured day planned without buses minus with them, yuan."""

    def with_flow(self, name: str, value: SourcedValue) -> MatrixInputs:
        return replace(self, flows={**self.flows, name: value})

    def with_param(self, name: str, value: SourcedValue) -> MatrixInputs:
        return replace(self, params={**self.params, name: value})


@dataclass(frozen=True, slots=True)
class Change:
    """One input a scenario changed: before and after, and why."""

    kind: str
    key: str
    before: float
    after: float
    source: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "before": self.before,
            "after": self.after,
            "source": self.source,
        }


Applier = Callable[[MatrixInputs, County], tuple[MatrixInputs, str, bool]]
"""``(new inputs, stated assumption, counterfactual)``: ``counterfactual`` when the baseline
already holds the mechanism and the new inputs are the world without it."""


@dataclass(frozen=True)
class Scenario:
    """A named what-if with its declared targets and its assumption."""

    name: str
    title_zh: str
    title_en: str
    targets: tuple[tuple[str, str], ...]
    applier: Applier = field(repr=False)

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"


def diff(before: MatrixInputs, after: MatrixInputs) -> list[tuple[str, str]]:
    """The ``(kind, key)`` of every flow or parameter whose value differs."""
    out: list[tuple[str, str]] = []
    for kind, a, b in (
        ("flow", before.flows, after.flows),
        ("parameter", before.params, after.params),
    ):
        for key in sorted(set(a) | set(b)):
            va = a[key].value if key in a else None
            vb = b[key].value if key in b else None
            if va != vb:
                out.append((kind, key))
    return out


def apply(
    scenario: Scenario, inputs: MatrixInputs, county: County
) -> tuple[MatrixInputs, list[Change], str, bool]:
    """Apply ``scenario``: the new inputs, the changes, the assumption, counterfactual or not.

    For a counterfactual the changes read from the world without the mechanism (before) to
    the baseline (after)."""
    new, assumption, counterfactual = scenario.applier(inputs, county)
    changed = diff(inputs, new)
    undeclared = [c for c in changed if c not in scenario.targets]
    if undeclared:
        raise MatrixError(
            f"scenario {scenario.name!r} changed {undeclared} beyond its declared targets "
            f"{list(scenario.targets)}"
        )
    changes = []
    for kind, key in changed:
        src_map = inputs.flows if kind == "flow" else inputs.params
        dst_map = new.flows if kind == "flow" else new.params
        before = src_map[key].value if key in src_map else float("nan")
        if counterfactual:
            changes.append(Change(kind, key, dst_map[key].value, before, src_map[key].source))
        else:
            changes.append(Change(kind, key, before, dst_map[key].value, dst_map[key].source))
    return new, changes, assumption, counterfactual


def _scale_up_products(inputs: MatrixInputs, factor: float, why: str) -> MatrixInputs:
    old = inputs.flows.get("up_products")
    if old is None:
        raise MatrixError("scenario needs a flow up_products in economy.yaml")
    return inputs.with_flow(
        "up_products",
        SourcedValue(old.value * factor, old.unit, f"{why}; base: {old.source}"),
    )


# ----------------------------------------------------------------------------- cold hub


@dataclass(frozen=True, slots=True)
class ProductLoss:
    """Expected loss of one up product on the ambient and on the full cold chain."""

    product: str
    value_share: float
    ambient_c: float
    loss_ambient: float
    loss_cold: float


def product_losses(county: County) -> tuple[list[ProductLoss], list[str]]:
    """Freshness-model losses of the county's up products, weighted by supplied value."""
    from ruralflow.freshness import FreshnessError, assess, typical_ambient_chain
    from ruralflow.freshness import typical_cold_chain as cold_chain

    by_id = county.product_by_id
    kg: dict[str, float] = {}
    temp: dict[str, float] = {}
    for s in county.supply_up:
        kg[s.product] = kg.get(s.product, 0.0) + s.kg
        temp[s.product] = temp.get(s.product, 0.0) + s.kg * county.settings.mean_temp_c(s.day)
    values = {p: kg[p] * by_id[p].value_yuan_per_kg for p in kg if p in by_id}
    total = sum(values.values())
    out: list[ProductLoss] = []
    notes: list[str] = []
    for p in sorted(values):
        t = temp[p] / kg[p]
        prod = by_id[p]
        try:
            amb = assess(prod, typical_ambient_chain(t)).loss_fraction
            cold = assess(prod, cold_chain(prod, t)).loss_fraction
        except FreshnessError as e:
            notes.append(f"{p}: left out of the cold-hub scenario ({e})")
            continue
        out.append(ProductLoss(p, values[p] / total if total > 0 else 0.0, t, amb, cold))
    return out, notes


def _cold_hub(inputs: MatrixInputs, county: County) -> tuple[MatrixInputs, str, bool]:
    cov = inputs.params["cold_hub_coverage"]
    losses, notes = product_losses(county)
    weight = sum(pl.value_share for pl in losses)
    if not losses or weight <= 0:
        return inputs, "no up products with supply: the cold hub changes nothing", False
    gain = sum(pl.value_share * (1 - pl.loss_cold) / (1 - pl.loss_ambient) for pl in losses)
    gain /= weight
    factor = 1.0 + cov.value * (gain - 1.0)
    detail = "; ".join(
        f"{pl.product} {100 * pl.loss_ambient:.1f} % -> {100 * pl.loss_cold:.1f} % at "
        f"{pl.ambient_c:.1f} degC"
        for pl in losses
    )
    why = (
        f"cold hub: delivered up value x {factor:.4f} (freshness model, typical ambient vs full "
        f"cold chain: {detail}; coverage {cov.value:g}: {cov.source})"
    )
    text = (
        "冷链集配中心: 上行产品由常温链改为全程冷链, 损耗按保鲜模型下降, 交付价值随之上升 / "
        f"A cold hub moves up produce from the ambient to the full cold chain: {detail}; "
        f"coverage {cov.value:g} ({cov.source}). Changes only flow up_products."
    )
    if notes:
        text += " " + "; ".join(notes)
    return _scale_up_products(inputs, factor, why), text, False


def _bus(inputs: MatrixInputs, county: County) -> tuple[MatrixInputs, str, bool]:
    key = "logistics_saving_yuan_per_yuan"
    m = inputs.logistics
    lines = len(county.bus_lines)
    head = "客货邮融合 / buses carry parcels: "
    if m is None or m.basis not in ("season", "day_plan"):
        return (
            inputs,
            head + "本分析没有规划结果, 不计效果 / no plan or season was measured in this "
            "analysis, so no effect is credited (the effect of buses comes from the planner, "
            "not from a free factor). Changes nothing.",
            False,
        )
    what = (
        "一季规划 / the season"
        if m.basis == "season"
        else f"当日规划 / the plan of {m.days[0] if m.days else 'the day'}"
    )
    if not m.bus_parcels:
        return (
            inputs,
            head + f"{what} 未安排任何客车带货 / puts no parcel on a bus ({lines} bus line(s) in "
            "the bundle): no effect is credited. Changes nothing.",
            False,
        )
    if inputs.bus_extra_cost_yuan is None or not m.down_parcels:
        return (
            inputs,
            head + f"{what} carries {m.bus_parcels:,.0f} parcels/pieces on buses; their part is "
            "already inside the measured saving and was not split out (no plan of the same "
            "day without buses). No effect is credited beyond the baseline. Changes nothing.",
            False,
        )
    pv = inputs.params["parcel_value_yuan"]
    base = inputs.params[key]
    extra = inputs.bus_extra_cost_yuan
    lower = max(0.0, base.value - extra / (m.down_parcels * pv.value))
    new = SourcedValue(
        lower,
        "yuan/yuan",
        f"counterfactual without buses: base {base.value:.6g} - no-bus extra cost "
        f"{extra:,.2f} yuan / ({m.down_parcels:,.0f} down parcels x {pv.value:g} yuan)",
    )
    text = (
        head + f"{what} carries {m.bus_parcels:,.0f} parcels/pieces on buses "
        f"({m.bus_consignments or 0:,.0f} consignments); planned again without buses it costs "
        f"{extra:+,.2f} yuan. The baseline holds the buses: the effect shown is baseline minus "
        f"the world without them (s {lower:.6g} -> {base.value:.6g}). Changes only parameter "
        f"{key}."
    )
    return inputs.with_param(key, new), text, True


def _brand(inputs: MatrixInputs, county: County) -> tuple[MatrixInputs, str, bool]:
    p = inputs.params["brand_premium"]
    text = (
        "区域公共品牌: 同样的上行数量获得品牌溢价 / A brand programme earns a premium of "
        f"{100 * p.value:g} % on the same up volume ({p.source}). No engine of this tool models "
        "brand premiums: the effect is this assumption. Changes only flow up_products."
    )
    return (
        _scale_up_products(inputs, 1.0 + p.value, f"brand premium {p.value:g} ({p.source})"),
        text,
        False,
    )


def _training(inputs: MatrixInputs, county: County) -> tuple[MatrixInputs, str, bool]:
    t = inputs.params["training_seller_increase"]
    text = (
        "电商培训: 活跃网商增加, 上行价值同比例增长 / Training adds "
        f"{100 * t.value:g} % active online sellers and up value grows in proportion "
        f"({t.source}). No engine of this tool models training: the effect is this "
        "assumption. Changes only flow up_products."
    )
    return (
        _scale_up_products(inputs, 1.0 + t.value, f"training +{t.value:g} sellers ({t.source})"),
        text,
        False,
    )


SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("cold_hub", "冷链集配中心", "cold hub", (("flow", "up_products"),), _cold_hub),
        Scenario(
            "bus_parcels",
            "客车带货",
            "buses carry parcels",
            (("parameter", "logistics_saving_yuan_per_yuan"),),
            _bus,
        ),
        Scenario("brand", "品牌计划", "brand programme", (("flow", "up_products"),), _brand),
        Scenario("training", "电商培训", "training", (("flow", "up_products"),), _training),
    )
}


def get(name: str) -> Scenario:
    """The scenario called ``name``; MatrixError listing the known names otherwise."""
    try:
        return SCENARIOS[name]
    except KeyError:
        raise MatrixError(
            f"unknown scenario {name!r}: expected one of {', '.join(SCENARIOS)}"
        ) from None
