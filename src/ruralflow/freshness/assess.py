"""The front door of the freshness engine: :func:`assess`.

``assess(product, journey, kg)`` integrates the consumed fraction of shelf life over the
journey (``phi = sum_k integral dt / SL(T(t))``, :mod:`.journey`), turns it into an expected
loss fraction ``L(phi) = 1 - exp(-(phi / LAMBDA) ** K)`` (:mod:`.loss`) and a value
``kg * L * value_yuan_per_kg``.

Chilling: a journey that takes the product below its ``t_min_c`` raises
:class:`FreshnessError` (one line naming the product, the segment and the temperature); the
model never returns a number there. Use :func:`.chilling_violations` to test first.

Flags (informational, the numbers are still computed): see :data:`FLAG_DESCRIPTIONS`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ruralflow.domain.products import Product
from ruralflow.freshness.calibration import CALIBRATION_SOURCE
from ruralflow.freshness.errors import FreshnessError
from ruralflow.freshness.journey import Journey, Segment, as_journey, segment_phis
from ruralflow.freshness.kinetics import KineticsModel, kinetics_model, shelf_life_days
from ruralflow.freshness.loss import loss_fraction, loss_yuan

HIGH_TEMPERATURE_C = 40.0
"""Above this product temperature the published Q10 table (PARAMS.md s.1) ends."""

FLAG_PAST_SHELF_LIFE = "past_shelf_life"
FLAG_ABOVE_40C = "above_40c"
FLAG_ASSUMED_PARAMETERS = "assumed_parameters"

FLAG_DESCRIPTIONS: dict[str, str] = {
    FLAG_PAST_SHELF_LIFE: "phi >= 1: the journey used up the product's nominal shelf life",
    FLAG_ABOVE_40C: "product above 40 degC in some segment: beyond the published Q10 data",
    FLAG_ASSUMED_PARAMETERS: "the product's perishability source is 'assumption'",
}


@dataclass(frozen=True, slots=True)
class SegmentContribution:
    """What one segment contributed to ``phi``."""

    index: int
    name: str
    hours: float
    air_c: float
    product_start_c: float
    product_end_c: float
    phi: float
    share: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "name": self.name,
            "hours": self.hours,
            "air_c": self.air_c,
            "product_start_c": self.product_start_c,
            "product_end_c": self.product_end_c,
            "phi": self.phi,
            "share": self.share,
        }


@dataclass(frozen=True, slots=True)
class FreshnessResult:
    """Outcome of :func:`assess` for one lot of one product over one journey."""

    product_id: str
    product_name: str
    model: KineticsModel
    journey_name: str
    hours: float
    kg: float
    value_yuan_per_kg: float
    phi: float
    loss_fraction: float
    loss_kg: float
    loss_yuan: float
    remaining_shelf_life_days: float
    segments: tuple[SegmentContribution, ...]
    flags: tuple[str, ...]
    calibration: str = CALIBRATION_SOURCE

    def summary(self) -> str:
        """A few human-readable lines."""
        name = f" over {self.journey_name}" if self.journey_name else ""
        lines = [
            f"{self.product_name} ({self.product_id}){name}: {self.hours:.1f} h, "
            f"{self.model} kinetics",
            f"  consumed shelf life phi = {self.phi:.3f}; remaining "
            f"{self.remaining_shelf_life_days:.1f} d at the final temperature",
            f"  expected loss {100 * self.loss_fraction:.1f} % = {self.loss_kg:.1f} kg of "
            f"{self.kg:g} kg = {self.loss_yuan:.2f} yuan",
        ]
        top = sorted(self.segments, key=lambda s: s.phi, reverse=True)[:3]
        if top and self.phi > 0.0:
            lines.append(
                "  largest contributions: "
                + "; ".join(f"{s.name} {100 * s.share:.0f} %" for s in top)
            )
        if self.flags:
            lines.append("  flags: " + ", ".join(self.flags))
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of every field."""
        return {
            "product_id": self.product_id,
            "product_name": self.product_name,
            "model": self.model,
            "journey_name": self.journey_name,
            "hours": self.hours,
            "kg": self.kg,
            "value_yuan_per_kg": self.value_yuan_per_kg,
            "phi": self.phi,
            "loss_fraction": self.loss_fraction,
            "loss_kg": self.loss_kg,
            "loss_yuan": self.loss_yuan,
            "remaining_shelf_life_days": self.remaining_shelf_life_days,
            "segments": [s.to_dict() for s in self.segments],
            "flags": list(self.flags),
            "calibration": self.calibration,
        }


def assess(
    product: Product, journey: Journey | Sequence[Segment], kg: float = 1.0
) -> FreshnessResult:
    """Consumed shelf life, expected loss and its value for ``kg`` of ``product``.

    ``phi = sum_k integral dt / SL(T(t))``; ``loss = 1 - exp(-(phi / LAMBDA) ** K)``;
    ``loss_yuan = kg * loss * value_yuan_per_kg``; remaining shelf life
    ``max(0, 1 - phi) * SL(T_end)``. Raises :class:`FreshnessError` below ``t_min_c``.
    """
    if isinstance(kg, bool) or not isinstance(kg, int | float) or not math.isfinite(kg) or kg < 0:
        raise FreshnessError(
            f"product {product.id!r}: kg must be a finite number >= 0 (got {kg!r})"
        )
    j = as_journey(journey)
    phis = segment_phis(product, j)
    profile = j.temperature_profile()
    phi = math.fsum(phis)
    loss = loss_fraction(phi)
    contributions = tuple(
        SegmentContribution(
            index=i,
            name=s.name,
            hours=s.hours,
            air_c=s.air_c,
            product_start_c=t0,
            product_end_c=t1,
            phi=p,
            share=p / phi if phi > 0.0 else 0.0,
        )
        for i, (s, (t0, t1), p) in enumerate(zip(j.segments, profile, phis, strict=True))
    )
    flags: list[str] = []
    if phi >= 1.0:
        flags.append(FLAG_PAST_SHELF_LIFE)
    if any(max(t0, t1) > HIGH_TEMPERATURE_C for t0, t1 in profile):
        flags.append(FLAG_ABOVE_40C)
    if product.source.strip().lower().startswith("assumption"):
        flags.append(FLAG_ASSUMED_PARAMETERS)
    if profile:
        end_c = profile[-1][1]
    else:
        end_c = product.t_ref_c if product.t_opt_c is None else product.t_opt_c
    remaining = max(0.0, 1.0 - phi) * shelf_life_days(product, max(end_c, product.t_min_c))
    return FreshnessResult(
        product_id=product.id,
        product_name=product.name,
        model=kinetics_model(product),
        journey_name=j.name,
        hours=j.hours,
        kg=float(kg),
        value_yuan_per_kg=product.value_yuan_per_kg,
        phi=phi,
        loss_fraction=loss,
        loss_kg=kg * loss,
        loss_yuan=loss_yuan(kg, loss, product.value_yuan_per_kg),
        remaining_shelf_life_days=remaining,
        segments=contributions,
        flags=tuple(flags),
    )
