"""Expected spoilage of an up batch along its journey (the freshness model).

The journey of a batch starts at harvest and follows what the plan does with it:

* waiting at the village from harvest to pickup, at the day-time air temperature;
* on a van or a bus: the ride at the air temperature; on a reefer: Newtonian cooling towards
  the compartment temperature with the half-cooling time of room cooling (a reefer is not a
  pre-cooler; ``ruralflow.freshness.cooling``);
* the bus option adds the last leg to the bus stop and the wait there;
* then the onward chain beyond the county hub, which depends on how the batch arrived
  (ASSUMPTION: a batch that reaches the hub warm continues in the ambient chain, as most of
  China's produce does (PARAMS.md s.2: refrigerated transport rate 10-20 %); a batch brought in
  by reefer enters the cold chain). Both onward chains use the durations of the freshness
  calibration journeys (``ruralflow.freshness.calibration``): ambient: hub wait 10 h, long haul
  30 h, city market 48 h at air - 2 degC; cold: forced-air pre-cooling at the hub, cold store
  18 h, reefer long haul 30 h, city cold store 24 h, chilled retail 24 h.

The loss fraction and its value come from :func:`ruralflow.freshness.assess`. Temperatures are
never set below the product's chilling threshold ``t_min_c`` (the freshness model does not
extrapolate there): a segment that would be colder is held at ``t_min_c`` instead and the
result is flagged ``held_at_t_min``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from ruralflow.domain import Product
from ruralflow.freshness import (
    CoolingMethod,
    FreshnessResult,
    Journey,
    Segment,
    assess,
    half_cooling_time_h,
    hold_temperature,
)

Carrier = Literal["van", "reefer", "bus"]

HUB_WAIT_H = 10.0
LONG_HAUL_H = 30.0
CITY_AMBIENT_H = 48.0
COLD_STORE_H = 18.0
CITY_COLD_STORE_H = 24.0
CHILLED_RETAIL_H = 24.0


@dataclass(frozen=True, slots=True)
class Leg:
    """A stretch of the county part of the journey, minutes after midnight."""

    name: str
    start_min: float
    end_min: float
    kind: Literal["ambient", "reefer"]


@dataclass(frozen=True, slots=True)
class BatchSpoilage:
    """Expected spoilage of one carried batch (or piece of a batch)."""

    batch: str
    item: str
    product: str
    village: str
    kg: float
    carrier: Carrier
    chain: Literal["ambient", "cold"]
    pickup_min: float
    hub_min: float
    county_hours: float
    phi: float
    loss_fraction: float
    loss_kg: float
    loss_yuan: float
    flags: tuple[str, ...]
    trunk_h: float | None = None
    """Hours of the city trunk to the front warehouse in the journey (None: not modelled)."""

    def to_dict(self) -> dict[str, Any]:
        extra: dict[str, Any] = {}
        if self.trunk_h is not None:
            extra["trunk_to_front_warehouse_h"] = round(self.trunk_h, 3)
        return {
            **extra,
            "batch": self.batch,
            "item": self.item,
            "product": self.product,
            "village": self.village,
            "kg": round(self.kg, 3),
            "carrier": self.carrier,
            "chain": self.chain,
            "pickup": _hhmm(self.pickup_min),
            "at_hub": _hhmm(self.hub_min),
            "county_hours": round(self.county_hours, 3),
            "phi": round(self.phi, 6),
            "loss_fraction": round(self.loss_fraction, 6),
            "loss_kg": round(self.loss_kg, 3),
            "loss_yuan": round(self.loss_yuan, 2),
            "flags": list(self.flags),
        }


def _hhmm(minutes: float) -> str:
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


class SpoilageModel:
    """Builds journeys and prices them for one day's temperatures."""

    def __init__(
        self,
        day_air_c: float,
        mean_air_c: float,
        reefer_air_c: float,
        trunk_h: float | None = None,
        trunk_chilled: bool = False,
    ) -> None:
        """``trunk_h``: hours of the city trunk (county hub -> front warehouse), which then
        replaces the onward chain's long haul; ``trunk_chilled``: a reefer trunk."""
        self.trunk_h = trunk_h
        self.trunk_chilled = trunk_chilled
        self.day_air_c = day_air_c
        self.mean_air_c = mean_air_c
        self.reefer_air_c = reefer_air_c
        self._z_room = half_cooling_time_h(CoolingMethod.ROOM)
        self._z_forced = half_cooling_time_h(CoolingMethod.FORCED_AIR)
        self._cache: dict[tuple[Any, ...], tuple[FreshnessResult, bool]] = {}

    def journey(
        self, product: Product, harvest_min: float, legs: list[Leg], cold_onward: bool
    ) -> tuple[Journey, bool]:
        """The whole journey and whether some temperature was raised to ``t_min_c``."""
        floor = product.t_min_c
        raised = False

        def temp(t: float) -> float:
            nonlocal raised
            if t < floor:
                raised = True
                return floor
            return t

        segs: list[Segment] = []
        t = harvest_min
        for leg in legs:
            hours = max(0.0, (leg.end_min - max(t, leg.start_min)) / 60.0)
            if leg.start_min > t:
                # an unlisted gap: the batch waits at the air temperature
                segs.append(Segment("wait", (leg.start_min - t) / 60.0, temp(self.day_air_c)))
            if leg.kind == "reefer":
                air = temp(max(self.reefer_air_c, hold_temperature(product)))
                segs.append(Segment(leg.name, hours, air, half_cooling_h=self._z_room))
            else:
                segs.append(Segment(leg.name, hours, temp(self.day_air_c)))
            t = max(t, leg.end_min)
        if cold_onward:
            t_hold = temp(hold_temperature(product))
            segs += [
                Segment(
                    "pre-cooling at the county hub (forced air)",
                    3.0 * self._z_forced,
                    t_hold,
                    half_cooling_h=self._z_forced,
                ),
                Segment("cold store", COLD_STORE_H, temp(t_hold + 1.0)),
                self._haul(cold=True, t_hold=t_hold, temp=temp),
                Segment(
                    "city cold store / front warehouse", CITY_COLD_STORE_H, temp(t_hold + 1.0)
                ),
                Segment("chilled retail", CHILLED_RETAIL_H, temp(t_hold + 4.0)),
            ]
        else:
            segs += [
                Segment("county hub wait and sorting", HUB_WAIT_H, temp(self.mean_air_c)),
                self._haul(cold=False, t_hold=temp(hold_temperature(product)), temp=temp),
                Segment("city market and retail", CITY_AMBIENT_H, temp(self.mean_air_c - 2.0)),
            ]
        return Journey.of(segs, initial_c=temp(self.day_air_c)), raised

    def _haul(self, cold: bool, t_hold: float, temp: Any) -> Segment:
        """The long haul beyond the county: the calibration's 30 h, or the city trunk."""
        if self.trunk_h is None:
            if cold:
                return Segment("reefer long haul", LONG_HAUL_H, temp(t_hold + 2.0))
            return Segment("long haul, unrefrigerated", LONG_HAUL_H, temp(self.mean_air_c))
        if self.trunk_chilled:
            name = "city trunk to the front warehouse (reefer)"
            if cold:
                return Segment(name, self.trunk_h, temp(t_hold + 2.0))
            air = temp(max(self.reefer_air_c, t_hold))
            return Segment(name, self.trunk_h, air, half_cooling_h=self._z_room)
        return Segment(
            "city trunk to the front warehouse (ambient)", self.trunk_h, temp(self.mean_air_c)
        )

    def assess(
        self,
        product: Product,
        kg: float,
        harvest_min: float,
        legs: list[Leg],
        cold_onward: bool,
    ) -> tuple[FreshnessResult, bool]:
        """The freshness result for 1 kg (cached by product and journey) and whether some
        temperature was raised to ``t_min_c``; scale by kg."""
        key = (
            product,
            round(harvest_min, 3),
            tuple((g.name, round(g.start_min, 3), round(g.end_min, 3), g.kind) for g in legs),
            cold_onward,
        )
        hit = self._cache.get(key)
        if hit is None:
            j, raised = self.journey(product, harvest_min, legs, cold_onward)
            hit = (assess(product, j, 1.0), raised)
            self._cache[key] = hit
        return hit

    def spoilage(
        self,
        *,
        product: Product,
        batch: str,
        item: str,
        village: str,
        kg: float,
        carrier: Carrier,
        harvest_min: float,
        pickup_min: float,
        hub_min: float,
        legs: list[Leg],
    ) -> BatchSpoilage:
        cold = carrier == "reefer"
        res, raised = self.assess(product, 1.0, harvest_min, legs, cold)
        flags = list(res.flags)
        if raised:
            flags.append("held_at_t_min")
        return BatchSpoilage(
            batch=batch,
            item=item,
            product=product.id,
            village=village,
            kg=kg,
            carrier=carrier,
            chain="cold" if cold else "ambient",
            pickup_min=pickup_min,
            hub_min=hub_min,
            county_hours=max(0.0, (hub_min - harvest_min) / 60.0),
            phi=res.phi,
            loss_fraction=res.loss_fraction,
            loss_kg=kg * res.loss_fraction,
            loss_yuan=kg * res.loss_fraction * product.value_yuan_per_kg,
            flags=tuple(flags),
            trunk_h=self.trunk_h,
        )

    def truck(
        self,
        *,
        product: Product,
        batch: str,
        item: str,
        village: str,
        kg: float,
        reefer: bool,
        harvest_min: float,
        pickup_min: float,
        hub_min: float,
    ) -> BatchSpoilage:
        """A batch collected by van or reefer at ``pickup_min``, at the hub at ``hub_min``."""
        legs = [
            Leg("waiting at the village", harvest_min, pickup_min, "ambient"),
            Leg(
                "reefer ride to the county hub" if reefer else "van ride to the county hub",
                pickup_min,
                hub_min,
                "reefer" if reefer else "ambient",
            ),
        ]
        return self.spoilage(
            product=product,
            batch=batch,
            item=item,
            village=village,
            kg=kg,
            carrier="reefer" if reefer else "van",
            harvest_min=harvest_min,
            pickup_min=pickup_min,
            hub_min=hub_min,
            legs=legs,
        )
