"""Front door of the value matrix: :func:`analyse` ``(county, options) -> MatrixResult``."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ruralflow.domain import County, SourcedValue
from ruralflow.matrix import logistics as lg
from ruralflow.matrix import model
from ruralflow.matrix import scenarios as scen
from ruralflow.matrix import uncertainty as unc
from ruralflow.matrix.coefficients import Coefficient, estimate, saving_per_yuan
from ruralflow.matrix.county_io import CountyIO, FlowEffects, IOInputs, build_county_io
from ruralflow.matrix.errors import IOTableError, MatrixError
from ruralflow.matrix.flows import FlowSpec, SectorMapping, flow_spec, order_flows, sector_mappings
from ruralflow.matrix.params import (
    DEFAULTS,
    FALLBACK_GOODS_SHARE,
    FALLBACK_LABOUR_SHARE,
    FALLBACK_LABOUR_SOURCE,
)
from ruralflow.matrix.regional import METHODS, Method
from ruralflow.matrix.result import Indicators, LeftOut, MatrixResult, ScenarioResult, deltas
from ruralflow.matrix.sources import unusable

Array = NDArray[np.float64]


@dataclass(frozen=True)
class MatrixOptions:
    """Options of :func:`analyse`.

    ``scenarios``: names to run (``None``: every scenario of
    :data:`ruralflow.matrix.scenarios.SCENARIOS`; ``()``: none). ``logistics``: the measured
    logistics saving (:func:`ruralflow.matrix.logistics.measure`): a season
    (``ruralflow.logistics.season.Season`` or its JSON dict), a day plan
    (``ruralflow.logistics.Plan`` planned with ``compare=True``) or a number (yuan saved per
    yuan of down volume); ``None`` uses ``economy.yaml`` or the literature default (an
    assumption with a range). ``logistics_without_buses``: the same day planned with
    ``use_buses=False`` (its ``costs.total``), for the bus scenario. ``method`` and ``delta``:
    location quotients of the county IO model. ``elasticities``: compute them for the
    baseline. ``uncertainty``: tornado and Monte Carlo band over the stated ranges, with
    ``draws`` draws from ``seed``.
    """

    scenarios: tuple[str, ...] | None = None
    logistics: Any = None
    logistics_without_buses: Any = None
    method: Method = "flq"
    delta: float | None = None
    elasticities: bool = True
    uncertainty: bool = True
    draws: int = unc.DEFAULT_DRAWS
    seed: int = 0


def measured_saving(logistics: Any, parcel_value: SourcedValue) -> SourcedValue:
    """``logistics_saving_yuan_per_yuan`` from a number or a Plan-like object."""
    if isinstance(logistics, bool):
        raise MatrixError(f"logistics saving must be a number or a plan (got {logistics!r})")
    if isinstance(logistics, int | float):
        if not math.isfinite(logistics) or logistics < 0:
            raise MatrixError(f"logistics saving must be a finite number >= 0 (got {logistics!r})")
        return SourcedValue(
            float(logistics),
            "yuan/yuan",
            "measured: logistics saving per yuan of down volume passed in by the caller",
        )
    saving = getattr(logistics, "saving_yuan", None)
    totals = getattr(logistics, "totals_in", None)
    parcels = getattr(totals, "parcels", None)
    if saving is None or parcels is None:
        raise MatrixError(
            "the logistics plan has no integrated-vs-separate comparison (plan it with "
            "PlanOptions(compare=True)) or no down parcels"
        )
    if parcels <= 0 or parcel_value.value <= 0:
        raise MatrixError("the logistics plan has no down parcels to spread its saving over")
    day = getattr(logistics, "day", "")
    down = float(parcels) * parcel_value.value
    value = max(0.0, float(saving)) / down
    note = "" if saving >= 0 else " (negative saving: integration costs more, link set to 0)"
    return SourcedValue(
        value,
        "yuan/yuan",
        f"measured: ruralflow.logistics.plan on {day}, integrated vs separate saving "
        f"{float(saving):.2f} yuan / ({parcels} down parcels x {parcel_value.value:g} yuan per "
        f"parcel){note}",
    )


def _indicators(
    specs: tuple[FlowSpec, ...],
    m: Array,
    x: Array,
    threshold: float,
    effects: Mapping[str, FlowEffects] | None,
    with_elasticities: bool,
) -> Indicators:
    names = tuple(s.name for s in specs)
    rho = model.check_radius(m, names)
    v = model.total_value(m, x)
    _, first, higher = model.rounds(m, x)
    up = [i for i, s in enumerate(specs) if s.direction == "up"]
    down = [i for i, s in enumerate(specs) if s.direction == "down"]
    up_g = [i for i in up if specs[i].goods]
    down_g = [i for i in down if specs[i].goods]
    goods = model.ratio(v, up_g, down_g) if up_g and down_g else None
    bal = model.ratio(v, up, down)
    diag = model.diagnose(goods if goods is not None else bal, threshold)
    fns: dict[str, model.Indicator] = {
        "total_value": lambda mm, xx: float(model.total_value(mm, xx).sum()),
        "induced_value": lambda mm, xx: float(model.total_value(mm, xx).sum() - xx.sum()),
        "synergy_index": model.synergy_index,
        "balance_ratio": lambda mm, xx: model.ratio(model.total_value(mm, xx), up, down),
    }
    if goods is not None:
        fns["goods_balance_ratio"] = lambda mm, xx: model.ratio(
            model.total_value(mm, xx), up_g, down_g
        )
    el = {k: model.elasticities(m, x, f) for k, f in fns.items()} if with_elasticities else {}
    county: dict[str, dict[str, float]] | None = None
    if effects is not None:
        county = {}
        total = dict.fromkeys(
            ("output_type1", "output_type2", "income_type1", "income_type2"), 0.0
        )
        for i, f in enumerate(names):
            e = effects[f]
            row = {
                "value": float(v[i]),
                "output_type1": float(v[i]) * e.output_type1,
                "output_type2": float(v[i]) * e.output_type2,
                "income_type1": float(v[i]) * e.income_type1,
                "income_type2": float(v[i]) * e.income_type2,
            }
            county[f] = row
            for k in total:
                total[k] += row[k]
        county["total"] = {"value": float(v.sum()), **total}
    return Indicators(
        flows=names,
        x=x,
        v=v,
        first_round=first,
        higher_rounds=higher,
        spectral_radius=rho,
        synergy_index=model.synergy_index(m, x),
        balance_ratio=bal,
        balance_ratio_direct=model.ratio(x, up, down),
        goods_balance_ratio=goods,
        diagnosis=diag,
        elasticities=el,
        county_effects=county,
    )


def _income(
    flows: tuple[str, ...],
    mappings: Mapping[str, SectorMapping],
    cio: CountyIO | None,
    effects: Mapping[str, FlowEffects] | None,
) -> dict[str, SourcedValue]:
    out: dict[str, SourcedValue] = {}
    for f in flows:
        mp = mappings[f]
        if cio is not None and effects is not None:
            out[f] = SourcedValue(
                effects[f].income_type1,
                "yuan/yuan",
                f"county IO model: Type I household income per yuan of {f} = w . L_C f "
                f"({cio.table.label}, VA001/GO; {cio.method.upper()} delta "
                f"{cio.delta.value:g}); sector mix f: {mp.source}",
            )
        else:
            val = sum(
                share * FALLBACK_LABOUR_SHARE.get(code, 0.0) for code, share in mp.shares.items()
            )
            out[f] = SourcedValue(
                val,
                "yuan/yuan",
                f"direct labour income of the sector mix ({FALLBACK_LABOUR_SOURCE}); sector mix: "
                f"{mp.source}",
            )
    return out


#: Parameters that only scenarios read (the tornado lists them with their scenario).
SCENARIO_PARAMETERS: dict[str, str] = {
    "brand_premium": "scenario brand",
    "training_seller_increase": "scenario training",
    "cold_hub_coverage": "scenario cold_hub",
}
#: Parameters the baseline matrix reads.
BASELINE_PARAMETERS: frozenset[str] = frozenset(
    {
        "rural_propensity_to_consume",
        "online_share_of_goods_retail",
        "online_share_of_services",
        "supply_response_elasticity",
        "parcel_value_yuan",
        "brand_spillover_to_tourism",
        "tourist_online_repurchase",
    }
)


def _usable_inputs(
    given_params: Mapping[str, SourcedValue],
    given_flows: Mapping[str, SourcedValue],
    notes: list[str],
) -> tuple[dict[str, SourcedValue], dict[str, SourcedValue], list[LeftOut]]:
    """Parameters (defaults overridden by usable given ones), flows, and what was left out."""
    params = dict(DEFAULTS)
    for k, v in given_params.items():
        why = unusable(v)
        if why is None:
            params[k] = v
        elif k in DEFAULTS:
            notes.append(
                f"economy.yaml parameter {k} = {v.value:g}: {why}; the default "
                f"{DEFAULTS[k].value:g} ({DEFAULTS[k].source[:60]}...) is used instead"
            )
        else:
            notes.append(f"economy.yaml parameter {k} = {v.value:g}: {why}; not used")
    flows: dict[str, SourcedValue] = {}
    left: list[LeftOut] = []
    for f, v in given_flows.items():
        why = unusable(v)
        if why is None:
            flows[f] = v
            continue
        left.append(LeftOut(f, v, why))
        flows[f] = SourcedValue(
            0.0,
            v.unit,
            f"left out of the total (direct value 0): the given value {why} / 直接值未计入总价值",
        )
        notes.append(
            f"flow {f}: the given {v.value:,.0f} {v.unit} is left out of the total ({why}); give "
            "a sourced value or an assumption with a range in economy.yaml to include it"
        )
    return params, flows, left


def _saving(
    params: Mapping[str, SourcedValue], measure: lg.LogisticsMeasure | None
) -> SourcedValue:
    """``s`` from the measure (season, day plan, given) or the literature default."""
    if measure is None:
        return saving_per_yuan(
            {k: v for k, v in params.items() if k != "logistics_saving_yuan_per_yuan"}
        )
    pv = params["parcel_value_yuan"]
    return SourcedValue(measure.per_yuan(pv.value), "yuan/yuan", measure.source(pv))


def _used_by(
    params: Mapping[str, SourcedValue], measure: lg.LogisticsMeasure | None
) -> dict[str, str]:
    out: dict[str, str] = {}
    for k in params:
        if k in SCENARIO_PARAMETERS:
            out[k] = SCENARIO_PARAMETERS[k]
        elif (
            k in BASELINE_PARAMETERS
            or k.startswith("coef.")
            or (k == "logistics_saving_yuan_per_parcel" and measure is None)
        ):
            out[k] = "baseline"
        else:
            out[k] = "not read by the baseline"
    return out


def analyse(
    county: County, options: MatrixOptions | None = None, *, io: IOInputs | None = None
) -> MatrixResult:
    """The convection value matrix of ``county``, its indicators, IO layer and scenarios.

    ``io``: the input-output data of the county IO layer, loaded by the caller
    (:func:`ruralflow.bundle.io_tables.load_io_inputs`); without it the matrix is built
    without the IO layer (a note says so).

    Raises
    ------
    SpectralRadiusError
        The spectral radius of ``M`` (baseline or a scenario) is >= 1; the message names the
        driving coefficients.
    MatrixError
        Bad inputs: a flow without direction, an unknown scenario, a plan without comparison.
    """
    opts = options or MatrixOptions()
    if not isinstance(opts, MatrixOptions):
        raise MatrixError(f"options must be a MatrixOptions (got {type(opts).__name__})")
    if opts.method not in METHODS:
        raise MatrixError(
            f"unknown location-quotient method {opts.method!r}: expected flq, cilq or slq"
        )
    econ = county.economy
    notes: list[str] = []
    if not econ.flows:
        raise MatrixError(f"{county.name} ({county.adcode}): economy.yaml has no flows")
    flows = order_flows(tuple(econ.flows))
    specs = tuple(flow_spec(f) for f in flows)
    params, flow_values, left_out = _usable_inputs(econ.parameters, econ.flows, notes)
    measure: lg.LogisticsMeasure | None = None
    if opts.logistics is not None:
        measure = lg.measure(opts.logistics, county)
    elif "logistics_saving_yuan_per_yuan" in params:
        given = params["logistics_saving_yuan_per_yuan"]
        measure = lg.LogisticsMeasure(
            basis="given",
            saving_yuan=None,
            down_parcels=None,
            given_per_yuan=given.value,
            detail=f"economy.yaml logistics_saving_yuan_per_yuan ({given.source})",
        )
    if measure is None:
        notes.append(
            "logistics saving: no plan or season measured it; the literature default (an "
            "assumption with a range) is used / 未规划: 物流节约取文献默认值"
        )
    bus_extra: float | None = None
    if opts.logistics_without_buses is not None and measure is not None:
        bus_extra = lg.without_buses(opts.logistics_without_buses, measure)
    raw_params = dict(params)
    params["logistics_saving_yuan_per_yuan"] = _saving(params, measure)
    names = opts.scenarios if opts.scenarios is not None else tuple(scen.SCENARIOS)
    chosen = [scen.get(n) for n in names]
    mappings = sector_mappings(flows, county.settings.costs, params)
    inputs_io = io if io is not None else IOInputs()
    if not isinstance(inputs_io, IOInputs):
        raise MatrixError(f"io must be an IOInputs (got {type(inputs_io).__name__})")
    notes.extend(inputs_io.notes)
    cio: CountyIO | None = None
    effects: dict[str, FlowEffects] | None = None
    try:
        if inputs_io.table is None:
            raise IOTableError(inputs_io.missing)
        cio = build_county_io(
            econ,
            params,
            county.adcode,
            inputs_io.table,
            inputs_io.county_units,
            method=opts.method,
            delta=opts.delta,
        )
        effects = {f: cio.effects(mappings[f]) for f in flows}
    except IOTableError as e:
        notes.append(f"county IO model not built: {e}")
    income = _income(flows, mappings, cio, effects)
    if cio is not None:
        g = SourcedValue(
            cio.table.goods_share_of_household,
            "share",
            f"{cio.table.label}: goods (sectors 01-26) share of {cio.table.household_label}",
        )
    else:
        g = FALLBACK_GOODS_SHARE
    inputs = scen.MatrixInputs(
        flows=flow_values, params=params, logistics=measure, bus_extra_cost_yuan=bus_extra
    )
    x = np.array([inputs.flows[f].value for f in flows])
    threshold = params["balance_threshold"].value
    m, coefs = estimate(flows, params, income, g)
    base = _indicators(specs, m, x, threshold, effects, opts.elasticities)
    results: list[ScenarioResult] = []
    for s in chosen:
        new, changes, text, counterfactual = scen.apply(s, inputs, county)
        m2, coefs2 = estimate(flows, new.params, income, g)
        x2 = np.array([new.flows[f].value for f in flows])
        ind = _indicators(specs, m2, x2, threshold, effects, False)
        results.append(
            ScenarioResult(
                s.name,
                s.title_zh,
                s.title_en,
                text,
                tuple(changes),
                tuple(coefs if counterfactual else coefs2),
                base if counterfactual else ind,
                deltas(ind, base) if counterfactual else deltas(base, ind),
                counterfactual=counterfactual,
            )
        )
    uncertainty = None
    if opts.uncertainty:
        up = [i for i, sp in enumerate(specs) if sp.direction == "up"]
        down = [i for i, sp in enumerate(specs) if sp.direction == "down"]

        def evaluate(
            fv: Mapping[str, SourcedValue], pv: Mapping[str, SourcedValue]
        ) -> dict[str, float]:
            p2 = dict(pv)
            p2["logistics_saving_yuan_per_yuan"] = _saving(p2, measure)
            mm, _ = estimate(flows, p2, income, g)
            xx = np.array([fv[f].value for f in flows])
            model.check_radius(mm, flows)
            vv = model.total_value(mm, xx)
            return {
                "total_value": float(vv.sum()),
                "synergy_index": model.synergy_index(mm, xx),
                "balance_ratio": model.ratio(vv, up, down),
            }

        used = _used_by(raw_params, measure)
        items = unc.uncertain_inputs(
            {f: v for f, v in flow_values.items() if f not in {lo.flow for lo in left_out}},
            raw_params,
            used,
        )
        uncertainty = unc.analyse_uncertainty(
            evaluate, flow_values, raw_params, items, draws=opts.draws, seed=opts.seed
        )
    return MatrixResult(
        adcode=county.adcode,
        county_name=county.name,
        year=econ.year,
        specs=specs,
        inputs=inputs,
        matrix=m,
        coefficients=tuple(coefs),
        indicators=base,
        mappings=mappings,
        flow_effects=effects,
        county_io=cio,
        scenarios=tuple(results),
        notes=tuple(notes),
        logistics=measure,
        left_out=tuple(left_out),
        uncertainty=uncertainty,
    )


def coefficient_table(result: MatrixResult) -> list[Coefficient]:
    """The coefficients that are links (non-zero or set), for reports."""
    return [c for c in result.coefficients if c.is_link]
