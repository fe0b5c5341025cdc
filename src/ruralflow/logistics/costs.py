"""The plan's objective in yuan, by component."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Costs:
    """Vehicle fixed cost + distance cost + bus fees + last legs + city trunk + insulated
    boxes + expected spoilage value + penalties for what is not carried (all yuan)."""

    fixed: float = 0.0
    distance: float = 0.0
    bus_fees: float = 0.0
    last_leg: float = 0.0
    spoilage: float = 0.0
    penalty: float = 0.0
    trunk: float = 0.0
    """The city trunk (county hub -> city front warehouse) for the produce carried."""
    boxes: float = 0.0
    """Insulated boxes (ice packs, box use) of the cold parcels carried on vans and buses."""

    @property
    def transport(self) -> float:
        """What the carriers cost: fixed + distance + bus fees + last legs + city trunk +
        insulated boxes."""
        return self.fixed + self.distance + self.bus_fees + self.last_leg + self.trunk + self.boxes

    @property
    def total(self) -> float:
        return self.transport + self.spoilage + self.penalty

    def __add__(self, other: Costs) -> Costs:
        return Costs(
            self.fixed + other.fixed,
            self.distance + other.distance,
            self.bus_fees + other.bus_fees,
            self.last_leg + other.last_leg,
            self.spoilage + other.spoilage,
            self.penalty + other.penalty,
            self.trunk + other.trunk,
            self.boxes + other.boxes,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "fixed_yuan": round(self.fixed, 2),
            "distance_yuan": round(self.distance, 2),
            "bus_fees_yuan": round(self.bus_fees, 2),
            "last_leg_yuan": round(self.last_leg, 2),
            "spoilage_yuan": round(self.spoilage, 2),
            "penalty_yuan": round(self.penalty, 2),
            "trunk_yuan": round(self.trunk, 2),
            "boxes_yuan": round(self.boxes, 2),
            "transport_yuan": round(self.transport, 2),
            "total_yuan": round(self.total, 2),
        }
