"""Vehicle types and scheduled bus lines."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from ruralflow.domain import _check, limits
from ruralflow.domain.errors import FieldError


class VehicleKind(StrEnum):
    VAN = "van"
    REEFER = "reefer"
    TRICYCLE = "tricycle"
    TRUCK = "truck"


class TemperatureClass(StrEnum):
    AMBIENT = "ambient"
    CHILLED = "chilled"
    FROZEN = "frozen"


@dataclass(frozen=True, slots=True)
class VehicleType:
    """A type of flexible vehicle (mail van, reefer, tricycle) and how many are available.

    Costs are in yuan; ``co2_kg_per_km`` is the emission factor; ``source`` says where the
    numbers come from (or "assumption"). ``depot`` is the place id the vehicles start and end
    at (empty: the county hub).
    """

    id: str
    kind: VehicleKind
    count: int
    capacity_kg: float
    capacity_m3: float
    fixed_cost_yuan: float
    cost_yuan_per_km: float
    speed_kmh: float
    shift_hours: float
    temperature_class: TemperatureClass = TemperatureClass.AMBIENT
    co2_kg_per_km: float = 0.0
    depot: str = ""
    name: str = ""
    source: str = "assumption"

    def __post_init__(self) -> None:
        owner = f"VehicleType {self.id!r}"
        _check.ident("VehicleType", "id", self.id)
        object.__setattr__(self, "kind", _check.one_of(owner, "kind", self.kind, VehicleKind))
        object.__setattr__(
            self,
            "temperature_class",
            _check.one_of(owner, "temperature_class", self.temperature_class, TemperatureClass),
        )
        _check.integer(owner, "count", self.count, plausible_max=limits.VEHICLE_MAX_COUNT)
        _check.number(
            owner,
            "capacity_kg",
            self.capacity_kg,
            strict_min=True,
            plausible_max=limits.VEHICLE_MAX_KG,
        )
        _check.number(
            owner,
            "capacity_m3",
            self.capacity_m3,
            strict_min=True,
            plausible_max=limits.VEHICLE_MAX_M3,
        )
        _check.number(
            owner,
            "fixed_cost_yuan",
            self.fixed_cost_yuan,
            plausible_max=limits.VEHICLE_MAX_FIXED_YUAN,
        )
        _check.number(
            owner,
            "cost_yuan_per_km",
            self.cost_yuan_per_km,
            plausible_max=limits.VEHICLE_MAX_YUAN_PER_KM,
        )
        _check.number(owner, "speed_kmh", self.speed_kmh, strict_min=True, max_value=150.0)
        _check.number(owner, "shift_hours", self.shift_hours, strict_min=True, max_value=24.0)
        _check.number(
            owner,
            "co2_kg_per_km",
            self.co2_kg_per_km,
            plausible_max=limits.VEHICLE_MAX_CO2_KG_PER_KM,
        )
        if self.depot:
            _check.ident(owner, "depot", self.depot)
        if self.kind is VehicleKind.REEFER and self.temperature_class is TemperatureClass.AMBIENT:
            raise FieldError(
                owner,
                "temperature_class",
                "ambient",
                "冷藏车须为 chilled 或 frozen / must be chilled or frozen for a reefer",
            )

    @property
    def refrigerated(self) -> bool:
        return self.temperature_class is not TemperatureClass.AMBIENT


@dataclass(frozen=True, slots=True)
class BusLine:
    """A scheduled rural bus line with spare cargo room (客货邮融合).

    ``stops`` are place ids in travel order; ``departures`` are the departure times from the
    first stop in minutes after midnight. Each run offers ``spare_kg_per_run`` (and optionally
    ``spare_m3_per_run``) of cargo room, charged ``fee_yuan_per_kg`` plus
    ``fee_yuan_per_parcel``. Buses carry no cold chain. ``return_trip`` says the bus runs the
    stops back in reverse after each outbound run (so it can carry up-flow to the hub).
    """

    id: str
    name: str
    stops: tuple[str, ...]
    departures: tuple[int, ...]
    spare_kg_per_run: float
    fee_yuan_per_kg: float = 0.0
    fee_yuan_per_parcel: float = 0.0
    spare_m3_per_run: float = 0.0
    speed_kmh: float = 35.0
    dwell_min: int = 3
    return_trip: bool = True
    source: str = "assumption"

    def __post_init__(self) -> None:
        owner = f"BusLine {self.id!r}"
        _check.ident("BusLine", "id", self.id)
        _check.text(owner, "name", self.name)
        stops = tuple(self.stops)
        object.__setattr__(self, "stops", stops)
        if len(stops) < 2:
            raise FieldError(
                owner, "stops", ";".join(stops), "至少须有两个站点 / must list at least two stops"
            )
        for s in stops:
            _check.ident(owner, "stops", s)
        if len(set(stops)) != len(stops):
            raise FieldError(
                owner,
                "stops",
                ";".join(stops),
                "不能重复经过同一站点 / must not visit a stop twice",
            )
        deps = tuple(self.departures)
        object.__setattr__(self, "departures", deps)
        if not deps:
            raise FieldError(
                owner,
                "departures",
                "",
                "至少须有一个发车时间 / must list at least one departure time",
            )
        for d in deps:
            _check.integer(owner, "departures", d)
        if list(deps) != sorted(set(deps)):
            raise FieldError(
                owner,
                "departures",
                ";".join(_check.format_hhmm(d) for d in deps),
                "须严格递增 / must be strictly increasing",
            )
        _check.number(
            owner, "spare_kg_per_run", self.spare_kg_per_run, plausible_max=limits.BUS_MAX_SPARE_KG
        )
        _check.number(
            owner, "spare_m3_per_run", self.spare_m3_per_run, plausible_max=limits.BUS_MAX_SPARE_M3
        )
        _check.number(
            owner, "fee_yuan_per_kg", self.fee_yuan_per_kg, plausible_max=limits.BUS_MAX_FEE_YUAN
        )
        _check.number(
            owner,
            "fee_yuan_per_parcel",
            self.fee_yuan_per_parcel,
            plausible_max=limits.BUS_MAX_FEE_YUAN,
        )
        _check.number(owner, "speed_kmh", self.speed_kmh, strict_min=True, max_value=120.0)
        _check.integer(owner, "dwell_min", self.dwell_min, plausible_max=limits.BUS_MAX_DWELL_MIN)
