"""Routes of flexible vehicles as the plan reports them: stops, legs, loads and times."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ruralflow.logistics.bus import hhmm


@dataclass(frozen=True, slots=True)
class Stop:
    """A vehicle at a place: the county hub (start, reload, end) or a village station.

    ``trip`` is the 1-based trip of a village stop; at the hub it is the number of trips
    completed on arrival (0 at the start).

    Times are minutes after midnight: ``arrival_min`` at the place, ``start_min`` when
    service starts (after any wait), ``departure_min`` when the vehicle leaves.
    """

    place: str
    kind: Literal["hub", "village"]
    trip: int
    arrival_min: float
    start_min: float
    departure_min: float
    delivered: tuple[str, ...] = ()
    picked_up: tuple[str, ...] = ()
    parcels: int = 0
    kg_delivered: float = 0.0
    kg_picked_up: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "place": self.place,
            "kind": self.kind,
            "trip": self.trip,
            "arrival": hhmm(self.arrival_min),
            "start": hhmm(self.start_min),
            "departure": hhmm(self.departure_min),
            "arrival_min": round(self.arrival_min, 3),
            "departure_min": round(self.departure_min, 3),
            "delivered": list(self.delivered),
            "picked_up": list(self.picked_up),
            "parcels_delivered": self.parcels,
            "kg_delivered": round(self.kg_delivered, 3),
            "kg_picked_up": round(self.kg_picked_up, 3),
        }


@dataclass(frozen=True, slots=True)
class RouteLeg:
    """The drive between two consecutive stops and the load on board during it."""

    origin: str
    destination: str
    trip: int
    km: float
    minutes: float
    down_kg: float
    up_kg: float
    m3: float
    chilled_kg: float
    parcels: int

    @property
    def load_kg(self) -> float:
        return self.down_kg + self.up_kg

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.origin,
            "to": self.destination,
            "trip": self.trip,
            "km": round(self.km, 3),
            "minutes": round(self.minutes, 2),
            "load_down_kg": round(self.down_kg, 3),
            "load_up_kg": round(self.up_kg, 3),
            "load_m3": round(self.m3, 4),
            "chilled_kg": round(self.chilled_kg, 3),
            "parcels_on_board": self.parcels,
        }


@dataclass(frozen=True, slots=True)
class Route:
    """One vehicle's day: one or more trips from and back to the county hub."""

    vehicle: str
    vehicle_type: str
    kind: str
    temperature_class: str
    operation: str
    stops: tuple[Stop, ...]
    legs: tuple[RouteLeg, ...]
    km: float
    trips: int
    fixed_yuan: float
    distance_yuan: float
    co2_kg: float

    @property
    def start_min(self) -> float:
        return self.stops[0].start_min

    @property
    def end_min(self) -> float:
        return self.stops[-1].arrival_min

    @property
    def villages(self) -> list[str]:
        return [s.place for s in self.stops if s.kind == "village"]

    @property
    def item_ids(self) -> list[str]:
        return [i for s in self.stops for i in (*s.delivered, *s.picked_up)]

    def to_dict(self) -> dict[str, Any]:
        return {
            "vehicle": self.vehicle,
            "vehicle_type": self.vehicle_type,
            "kind": self.kind,
            "temperature_class": self.temperature_class,
            "operation": self.operation,
            "trips": self.trips,
            "km": round(self.km, 3),
            "start": hhmm(self.start_min),
            "end": hhmm(self.end_min),
            "hours": round((self.end_min - self.start_min) / 60.0, 3),
            "fixed_yuan": round(self.fixed_yuan, 2),
            "distance_yuan": round(self.distance_yuan, 2),
            "co2_kg": round(self.co2_kg, 3),
            "stops": [s.to_dict() for s in self.stops],
            "legs": [leg.to_dict() for leg in self.legs],
        }
