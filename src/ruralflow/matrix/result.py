"""Result objects of the value matrix: indicators, scenario deltas, the whole analysis."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ruralflow.domain import SourcedValue
from ruralflow.matrix.coefficients import Coefficient
from ruralflow.matrix.county_io import CountyIO, FlowEffects
from ruralflow.matrix.flows import FlowSpec, SectorMapping
from ruralflow.matrix.logistics import LogisticsMeasure
from ruralflow.matrix.model import Diagnosis
from ruralflow.matrix.scenarios import Change, MatrixInputs
from ruralflow.matrix.uncertainty import Uncertainty

Array = NDArray[np.float64]

#: Indicators whose elasticities are reported, with their labels.
INDICATOR_LABELS: dict[str, str] = {
    "total_value": "总价值 / total value",
    "induced_value": "诱发价值 / induced value",
    "synergy_index": "协同指数 / synergy index",
    "balance_ratio": "上行/下行 / up/down",
    "goods_balance_ratio": "农产品上行/工业品下行 / goods up/down",
}


def _num(v: float, digits: int = 6) -> float | None:
    return round(float(v), digits) if math.isfinite(v) else None


@dataclass(frozen=True)
class Indicators:
    """Total value, rounds, synergy, balance and elasticities of one set of inputs."""

    flows: tuple[str, ...]
    x: Array
    v: Array
    first_round: Array
    higher_rounds: Array
    spectral_radius: float
    synergy_index: float
    balance_ratio: float
    balance_ratio_direct: float
    goods_balance_ratio: float | None
    diagnosis: Diagnosis
    elasticities: Mapping[str, Array]
    county_effects: Mapping[str, Mapping[str, float]] | None = None

    @property
    def induced(self) -> Array:
        out: Array = self.v - self.x
        return out

    @property
    def total_value(self) -> float:
        return float(self.v.sum())

    @property
    def induced_value(self) -> float:
        return float(self.induced.sum())

    def value_of(self, flow: str) -> float:
        return float(self.v[self.flows.index(flow)])

    def key_link(self) -> tuple[str, str, float] | None:
        """The coefficient with the largest elasticity of total value."""
        e = self.elasticities.get("total_value")
        if e is None or not np.any(np.isfinite(e)) or np.nanmax(e) <= 0:
            return None
        i, j = np.unravel_index(int(np.nanargmax(e)), e.shape)
        return self.flows[int(i)], self.flows[int(j)], float(e[i, j])

    def headline(self) -> dict[str, float | None]:
        """The numbers scenario deltas compare."""
        out: dict[str, float | None] = {
            "total_value": _num(self.total_value, 2),
            "induced_value": _num(self.induced_value, 2),
            "synergy_index": _num(self.synergy_index),
            "balance_ratio": _num(self.balance_ratio),
            "goods_balance_ratio": None
            if self.goods_balance_ratio is None
            else _num(self.goods_balance_ratio),
        }
        for f in self.flows:
            out[f"v.{f}"] = _num(self.value_of(f), 2)
        if self.county_effects is not None:
            tot = self.county_effects["total"]
            for k in ("output_type1", "output_type2", "income_type1", "income_type2"):
                out[f"county.{k}"] = _num(tot[k], 2)
        return out

    def to_dict(self) -> dict[str, Any]:
        k = self.key_link()
        return {
            "flows": {
                f: {
                    "direct": _num(self.x[i], 2),
                    "first_round": _num(self.first_round[i], 2),
                    "higher_rounds": _num(self.higher_rounds[i], 2),
                    "induced": _num(self.induced[i], 2),
                    "total": _num(self.v[i], 2),
                }
                for i, f in enumerate(self.flows)
            },
            "total_value": _num(self.total_value, 2),
            "induced_value": _num(self.induced_value, 2),
            "spectral_radius": _num(self.spectral_radius, 8),
            "synergy_index": _num(self.synergy_index, 8),
            "balance_ratio": _num(self.balance_ratio),
            "balance_ratio_direct": _num(self.balance_ratio_direct),
            "goods_balance_ratio": None
            if self.goods_balance_ratio is None
            else _num(self.goods_balance_ratio),
            "diagnosis": {
                "code": self.diagnosis.code,
                "on": "goods_balance_ratio"
                if self.goods_balance_ratio is not None
                else "balance_ratio",
                "threshold": self.diagnosis.threshold,
                "zh": self.diagnosis.text_zh,
                "en": self.diagnosis.text_en,
            },
            "key_link": None
            if k is None
            else {"from": k[0], "to": k[1], "elasticity": _num(k[2])},
            "elasticities": {
                name: {
                    f"{a}->{b}": _num(e[i, j])
                    for i, a in enumerate(self.flows)
                    for j, b in enumerate(self.flows)
                    if e[i, j] != 0
                }
                for name, e in self.elasticities.items()
            },
            "county_effects": None
            if self.county_effects is None
            else {
                f: {k2: _num(v2, 2) for k2, v2 in d.items()}
                for f, d in self.county_effects.items()
            },
        }


@dataclass(frozen=True, slots=True)
class LeftOut:
    """A direct flow value left out of the total, with the value given and why."""

    flow: str
    given: SourcedValue
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "given_value": self.given.value,
            "unit": self.given.unit,
            "given_source": self.given.source,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class ScenarioResult:
    """One scenario: what it assumed and changed, its indicators and the deltas."""

    name: str
    title_zh: str
    title_en: str
    assumption: str
    changes: tuple[Change, ...]
    coefficients: tuple[Coefficient, ...]
    indicators: Indicators
    deltas: Mapping[str, float | None]
    counterfactual: bool = False
    """The baseline already holds the mechanism: ``deltas`` are baseline minus the world
    without it, and ``indicators`` are the baseline's."""

    @property
    def title(self) -> str:
        return f"{self.title_zh} / {self.title_en}"

    def summary(self) -> str:
        """The scenario's title, assumption and changes of the headline indicators."""
        moved = ", ".join(
            f"{k} {v:+,.6g}" for k, v in self.deltas.items() if v is not None and v != 0
        )
        return (
            f"情景 / scenario {self.name}: {self.title}. {self.assumption} "
            f"变化 / changes: {moved or 'none'}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "assumption": self.assumption,
            "counterfactual": self.counterfactual,
            "changes": [c.to_dict() for c in self.changes],
            "deltas": dict(self.deltas),
            "indicators": self.indicators.headline(),
        }


def deltas(base: Indicators, new: Indicators) -> dict[str, float | None]:
    """``new - base`` of every headline number."""
    a, b = base.headline(), new.headline()
    out: dict[str, float | None] = {}
    for k, va in a.items():
        vb = b.get(k)
        out[k] = None if va is None or vb is None else round(vb - va, 6)
    return out


@dataclass(frozen=True)
class MatrixResult:
    """The value matrix of a county (``matrix.analyse``'s result)."""

    adcode: str
    county_name: str
    year: int
    specs: tuple[FlowSpec, ...]
    inputs: MatrixInputs
    matrix: Array
    coefficients: tuple[Coefficient, ...]
    indicators: Indicators
    mappings: Mapping[str, SectorMapping]
    flow_effects: Mapping[str, FlowEffects] | None
    county_io: CountyIO | None
    scenarios: tuple[ScenarioResult, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)
    logistics: LogisticsMeasure | None = None
    """What measured the logistics saving ``s`` (``None``: the literature default)."""
    left_out: tuple[LeftOut, ...] = ()
    uncertainty: Uncertainty | None = None

    @property
    def logistics_basis(self) -> str:
        return "literature" if self.logistics is None else self.logistics.basis

    def logistics_dict(self) -> dict[str, Any]:
        """Basis of ``s``, the measured figures and the coefficient they give."""
        pv = self.inputs.params["parcel_value_yuan"]
        s = self.inputs.params["logistics_saving_yuan_per_yuan"]
        out: dict[str, Any] = (
            self.logistics.to_dict(pv)
            if self.logistics is not None
            else {
                "basis": "literature",
                "days": [],
                "seeds": 0,
                "saving_yuan": None,
                "down_parcels": None,
                "parcel_value_yuan": pv.value,
                "down_value_yuan": None,
                "saving_per_yuan": s.value,
                "saving_per_parcel_yuan": None,
                "bus_parcels": None,
                "bus_consignments": None,
                "integrated_yuan": None,
                "source": s.source,
            }
        )
        try:
            c = self.coefficient("down_goods", "up_products")
        except KeyError:
            c = None
        out["coefficient"] = (
            None
            if c is None
            else {"from": c.source, "to": c.target, "value": c.value, "formula": c.formula}
        )
        out["basis_zh"] = {
            "season": "一季规划的节约",
            "day_plan": "当日规划的节约",
            "given": "给定值",
            "literature": "文献默认值 (假设)",
        }[out["basis"]]
        return out

    @property
    def flows(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.specs)

    def coefficient(self, source: str, target: str) -> Coefficient:
        for c in self.coefficients:
            if c.source == source and c.target == target:
                return c
        raise KeyError(f"{source}->{target}")

    def scenario(self, name: str) -> ScenarioResult:
        for s in self.scenarios:
            if s.name == name:
                return s
        raise KeyError(name)

    # ------------------------------------------------------------------ output
    def summary(self) -> str:
        ind = self.indicators
        lines = [
            f"城乡要素对流价值矩阵 / convection value matrix: {self.county_name} ({self.adcode}), "
            f"{self.year}",
            f"  spectral radius of M: {ind.spectral_radius:.4f} (< 1: total value exists)",
            "  flow                direct (M yuan)   induced   total    1st round  higher",
        ]
        for i, f in enumerate(self.flows):
            lines.append(
                f"  {f:<18} {ind.x[i] / 1e6:>12.3f} {ind.induced[i] / 1e6:>11.3f} "
                f"{ind.v[i] / 1e6:>9.3f} {ind.first_round[i] / 1e6:>9.3f} "
                f"{ind.higher_rounds[i] / 1e6:>8.4f}"
            )
        lines.append(
            f"  total {ind.total_value / 1e6:.3f} M yuan, induced {ind.induced_value / 1e6:.3f} M "
            f"yuan; synergy index {ind.synergy_index:.4f}"
        )
        goods = (
            f"; goods up/down {ind.goods_balance_ratio:.4f}"
            if ind.goods_balance_ratio is not None
            else ""
        )
        lines.append(
            f"  balance up/down {ind.balance_ratio:.4f} (direct {ind.balance_ratio_direct:.4f})"
            f"{goods}: {ind.diagnosis.text_en}"
        )
        k = ind.key_link()
        if k is not None:
            lines.append(f"  key link: {k[0]} -> {k[1]} (elasticity of total value {k[2]:.4g})")
        lines.append("  coefficients M[from -> to] (yuan per yuan):")
        for c in self.coefficients:
            if c.is_link:
                tag = " [assumption]" if c.is_assumption else ""
                lines.append(
                    f"    {c.source} -> {c.target}: {c.value:.6g}"
                    f" {c.formula or c.origin[:60]}{tag}"
                )
        saving = self.inputs.params.get("logistics_saving_yuan_per_yuan")
        if saving is not None:
            lines.append(
                f"  logistics saving s = {saving.value:.6g} yuan per yuan of down "
                f"[basis: {self.logistics_basis}]: {saving.source}"
            )
        for lo in self.left_out:
            lines.append(
                f"  left out of the total / 未计入: {lo.flow} {lo.given.value:,.0f} "
                f"{lo.given.unit} ({lo.reason})"
            )
        u = self.uncertainty
        if u is not None:
            b = u.band("total_value")
            if b["p5"] is not None and b["p95"] is not None:
                lines.append(
                    f"  uncertainty ({len(u.inputs)} ranged inputs, {u.draws} draws, seed "
                    f"{u.seed}): total value 90 % band {b['p5'] / 1e6:,.3f} .. "
                    f"{b['p95'] / 1e6:,.3f} M yuan"
                )
            top = u.tornado("total_value")[:3]
            if top:
                lines.append(
                    "  tornado (total value): "
                    + "; ".join(
                        f"{t.item.key} {t.low['total_value'] / 1e6:,.2f} .. "
                        f"{t.high['total_value'] / 1e6:,.2f} M"
                        for t in top
                    )
                )
        if self.county_io is not None and self.flow_effects is not None:
            cio = self.county_io
            lines.append(
                f"  county IO: {cio.table.label} regionalised by {cio.method.upper()} "
                f"(delta {cio.delta.value:g}, lambda {cio.lam:.4f}); per yuan of flow:"
            )
            for f, e in self.flow_effects.items():
                lines.append(
                    f"    {f:<16} output I {e.output_type1:.4f} II {e.output_type2:.4f}; "
                    f"income I {e.income_type1:.4f} II {e.income_type2:.4f}"
                )
            if ind.county_effects is not None:
                t = ind.county_effects["total"]
                lines.append(
                    f"    county output supported by total value: Type I "
                    f"{t['output_type1'] / 1e6:.3f} M, Type II {t['output_type2'] / 1e6:.3f} M "
                    f"yuan; household income Type I {t['income_type1'] / 1e6:.3f} M, Type II "
                    f"{t['income_type2'] / 1e6:.3f} M yuan"
                )
        for s in self.scenarios:
            d = s.deltas
            lines.append(
                f"  scenario {s.name} ({s.title_en}): total {_fmt_delta(d.get('total_value'))} "
                f"yuan, induced {_fmt_delta(d.get('induced_value'))}, up_products "
                f"{_fmt_delta(d.get('v.up_products'))}; synergy "
                f"{_fmt_delta(d.get('synergy_index'), 6)}"
            )
        for n in self.notes:
            lines.append(f"  note: {n}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        return {
            "county": {"adcode": self.adcode, "name": self.county_name, "year": self.year},
            "flows": [
                {
                    "name": s.name,
                    "direction": s.direction,
                    "label": s.label,
                    "goods": s.goods,
                    "direct": self.inputs.flows[s.name].value,
                    "unit": self.inputs.flows[s.name].unit,
                    "source": self.inputs.flows[s.name].source,
                    "sectors": dict(self.mappings[s.name].shares),
                    "sectors_source": self.mappings[s.name].source,
                }
                for s in self.specs
            ],
            "matrix": {
                "flows": list(self.flows),
                "M": [[round(float(v), 10) for v in row] for row in self.matrix],
            },
            "coefficients": [c.to_dict() for c in self.coefficients],
            "parameters": {
                k: {"value": v.value, "unit": v.unit, "source": v.source}
                for k, v in sorted(self.inputs.params.items())
            },
            "indicators": self.indicators.to_dict(),
            "io": None
            if self.county_io is None
            else {
                **self.county_io.to_dict(),
                "flows": None
                if self.flow_effects is None
                else {f: e.to_dict() for f, e in self.flow_effects.items()},
            },
            "scenarios": [s.to_dict() for s in self.scenarios],
            "notes": list(self.notes),
            "logistics": self.logistics_dict(),
            "left_out": [lo.to_dict() for lo in self.left_out],
            "uncertainty": None if self.uncertainty is None else self.uncertainty.to_dict(),
        }


def _fmt_delta(v: float | None, digits: int = 0) -> str:
    if v is None:
        return "n/a"
    return f"{v:+,.{digits}f}"
