"""Uncertainty of the value matrix over the stated ranges of its inputs.

Every input (direct flow ``x_k`` or parameter) whose source states ``range LO .. HI``
(:func:`ruralflow.matrix.sources.stated_range`) is uncertain. For the three headline numbers,
total value, synergy index and up/down balance:

* **tornado**: each uncertain input set to its low and then its high end, every other input at
  its base value; bars sorted by their swing (``|high - low|`` of total value);
* **Monte Carlo band**: ``draws`` joint draws, each input from the triangular distribution
  ``(low, base, high)`` (uniform when the base lies outside its range), independent, from
  ``numpy.random.default_rng(seed)``: the same seed gives the same band. A draw whose matrix
  has spectral radius >= 1 is counted and left out of the band.

The chart data (:meth:`Uncertainty.to_dict`) is kept apart from any drawing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ruralflow.domain import SourcedValue
from ruralflow.matrix.errors import MatrixError
from ruralflow.matrix.sources import stated_range

#: The headline numbers the uncertainty covers, with their bilingual labels.
OUTPUTS: dict[str, str] = {
    "total_value": "总价值 / total value (yuan/year)",
    "synergy_index": "协同指数 / synergy index",
    "balance_ratio": "上行/下行 / up/down balance",
}

DEFAULT_DRAWS = 1000
PERCENTILES = (5, 50, 95)

Evaluate = Callable[[Mapping[str, SourcedValue], Mapping[str, SourcedValue]], dict[str, float]]


@dataclass(frozen=True, slots=True)
class UncertainInput:
    """One input with a stated range."""

    kind: str
    key: str
    base: float
    low: float
    high: float
    unit: str
    source: str
    used_by: str = "baseline"

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "key": self.key,
            "base": self.base,
            "low": self.low,
            "high": self.high,
            "unit": self.unit,
            "source": self.source,
            "used_by": self.used_by,
        }


@dataclass(frozen=True, slots=True)
class TornadoBar:
    """The headline numbers with one input at its low and at its high end."""

    item: UncertainInput
    low: Mapping[str, float]
    high: Mapping[str, float]

    def swing(self, output: str) -> float:
        a, b = self.low[output], self.high[output]
        return abs(b - a) if math.isfinite(a) and math.isfinite(b) else 0.0


@dataclass(frozen=True)
class Uncertainty:
    """Tornado and Monte Carlo band of one analysis."""

    inputs: tuple[UncertainInput, ...]
    base: Mapping[str, float]
    bars: tuple[TornadoBar, ...]
    draws: int
    seed: int
    samples: Mapping[str, tuple[float, ...]]
    failed: int

    def band(self, output: str) -> dict[str, float | None]:
        vals = np.array(self.samples.get(output, ()), dtype=np.float64)
        vals = vals[np.isfinite(vals)]
        if vals.size == 0:
            empty: dict[str, float | None] = {f"p{p}": None for p in PERCENTILES}
            empty["mean"] = None
            return empty
        out: dict[str, float | None] = {
            f"p{p}": float(np.percentile(vals, p)) for p in PERCENTILES
        }
        out["mean"] = float(vals.mean())
        return out

    def tornado(self, output: str) -> list[TornadoBar]:
        """Bars of ``output`` with a non-zero swing, largest first."""
        bars = [b for b in self.bars if b.swing(output) > 0]
        return sorted(bars, key=lambda b: (-b.swing(output), b.item.key))

    def to_dict(self) -> dict[str, Any]:
        return {
            "inputs": [i.to_dict() for i in self.inputs],
            "outputs": dict(OUTPUTS),
            "base": {k: _num(v) for k, v in self.base.items()},
            "tornado": {
                out: [
                    {
                        "kind": b.item.kind,
                        "key": b.item.key,
                        "low_input": b.item.low,
                        "high_input": b.item.high,
                        "at_low": _num(b.low[out]),
                        "at_high": _num(b.high[out]),
                        "swing": _num(b.swing(out)),
                    }
                    for b in self.tornado(out)
                ]
                for out in OUTPUTS
            },
            "monte_carlo": {
                "draws": self.draws,
                "seed": self.seed,
                "distribution": "independent triangular (low, base, high) per input; uniform "
                "when the base lies outside its range",
                "failed_draws": self.failed,
                "band": {out: self.band(out) for out in OUTPUTS},
            },
            "not_covered": "sector mixes of the flows (IO local content) and the IO table "
            "itself are not varied",
        }


def _num(v: float | None) -> float | None:
    return None if v is None or not math.isfinite(v) else round(float(v), 8)


def uncertain_inputs(
    flows: Mapping[str, SourcedValue],
    params: Mapping[str, SourcedValue],
    used_by: Mapping[str, str] | None = None,
) -> list[UncertainInput]:
    """Every flow and parameter with a stated range, flows first, then by name."""
    out: list[UncertainInput] = []
    for kind, values in (("flow", flows), ("parameter", params)):
        for key in sorted(values):
            sv = values[key]
            r = stated_range(sv)
            if r is None or r[0] == r[1]:
                continue
            out.append(
                UncertainInput(
                    kind,
                    key,
                    sv.value,
                    r[0],
                    r[1],
                    sv.unit,
                    sv.source,
                    (used_by or {}).get(key, "baseline"),
                )
            )
    return out


def _with(
    flows: Mapping[str, SourcedValue],
    params: Mapping[str, SourcedValue],
    item: UncertainInput,
    value: float,
) -> tuple[dict[str, SourcedValue], dict[str, SourcedValue]]:
    f, p = dict(flows), dict(params)
    target = f if item.kind == "flow" else p
    old = target[item.key]
    target[item.key] = SourcedValue(value, old.unit, old.source, old.note)
    return f, p


def _safe(evaluate: Evaluate, flows: Any, params: Any) -> dict[str, float] | None:
    try:
        return evaluate(flows, params)
    except MatrixError:
        return None


def analyse_uncertainty(
    evaluate: Evaluate,
    flows: Mapping[str, SourcedValue],
    params: Mapping[str, SourcedValue],
    items: Sequence[UncertainInput],
    *,
    draws: int = DEFAULT_DRAWS,
    seed: int = 0,
) -> Uncertainty:
    """Tornado and seeded Monte Carlo band of ``evaluate`` over ``items``' ranges."""
    if isinstance(draws, bool) or not isinstance(draws, int) or draws < 0:
        raise MatrixError(f"Monte Carlo draws must be a whole number >= 0 (got {draws!r})")
    base = evaluate(flows, params)
    nan = dict.fromkeys(OUTPUTS, float("nan"))
    bars: list[TornadoBar] = []
    for it in items:
        lo = _safe(evaluate, *_with(flows, params, it, it.low)) or nan
        hi = _safe(evaluate, *_with(flows, params, it, it.high)) or nan
        bars.append(TornadoBar(it, lo, hi))
    rng = np.random.default_rng(seed)
    samples: dict[str, list[float]] = {k: [] for k in OUTPUTS}
    failed = 0
    active = [it for it in items if it.used_by == "baseline"]
    if active and draws:
        cols = []
        for it in active:
            if it.low <= it.base <= it.high and it.low < it.high:
                cols.append(rng.triangular(it.low, it.base, it.high, size=draws))
            else:
                cols.append(rng.uniform(it.low, it.high, size=draws))
        table = np.column_stack(cols)
        for row in table:
            f, p = dict(flows), dict(params)
            for it, v in zip(active, row, strict=True):
                target = f if it.kind == "flow" else p
                old = target[it.key]
                target[it.key] = SourcedValue(float(v), old.unit, old.source, old.note)
            r = _safe(evaluate, f, p)
            if r is None:
                failed += 1
                continue
            for k in OUTPUTS:
                samples[k].append(r[k])
    return Uncertainty(
        inputs=tuple(items),
        base=base,
        bars=tuple(bars),
        draws=draws if active else 0,
        seed=seed,
        samples={k: tuple(v) for k, v in samples.items()},
        failed=failed,
    )
