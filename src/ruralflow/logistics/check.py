"""Our own feasibility check of a plan's routes and bus bookings.

Independent of the solver: loads are recomputed from the items on every leg, times from the
county's distances and the vehicle's speed. Tolerances: 1e-6 kg / m3 / min.

Checks, per route: starts and ends at the county hub, at most ``max_trips`` trips; every
village stop delivers only down items of that village and picks up only up items of that
village; on every leg the load (kg and m3) is within the vehicle's capacity and a chilled
item is only on a refrigerated vehicle; the vehicle never arrives before it could have
driven there; service starts within the station's opening hours and not before the produce
is ready; service ends by closing time; the hub is left after it opens and reached before
it closes; the route fits the shift. Across the plan: each item is carried at most once.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence

from ruralflow.domain import County, VehicleType
from ruralflow.geo import Geography
from ruralflow.logistics.bus import BusConsignment
from ruralflow.logistics.flows import Item
from ruralflow.logistics.routes import Route

EPS = 1e-6


def check_routes(
    routes: Sequence[Route],
    items: Mapping[str, Item],
    county: County,
    geo: Geography,
    types: Mapping[str, VehicleType],
    max_trips: int,
    service_min: Mapping[str, float] | None = None,
) -> list[str]:
    """Every violation found (empty when all routes are feasible)."""
    out: list[str] = []
    hub = county.hub
    for r in routes:
        out += _check_route(r, items, county, geo, types, max_trips, hub.id, service_min)
    return out


def _check_route(
    r: Route,
    items: Mapping[str, Item],
    county: County,
    geo: Geography,
    types: Mapping[str, VehicleType],
    max_trips: int,
    hub_id: str,
    service_min: Mapping[str, float] | None,
) -> list[str]:
    out: list[str] = []
    who = f"route {r.vehicle}"
    v = types.get(r.vehicle_type)
    if v is None:
        return [f"{who}: unknown vehicle type {r.vehicle_type!r}"]
    st = r.stops
    if len(st) < 3 or st[0].place != hub_id or st[-1].place != hub_id:
        return [f"{who}: does not start and end at the county hub with a stop between"]
    trips = 1 + sum(1 for s in st[1:-1] if s.kind == "hub")
    if trips > max_trips:
        out.append(f"{who}: {trips} trips, more than max_trips={max_trips}")
    hub = county.hub
    if st[0].departure_min < hub.open_min - EPS:
        out.append(f"{who}: leaves the hub before it opens")
    if st[-1].arrival_min > hub.close_min + EPS:
        out.append(f"{who}: back at the hub after it closes")
    if st[-1].arrival_min - st[0].start_min > v.shift_hours * 60.0 + EPS:
        out.append(f"{who}: {(st[-1].arrival_min - st[0].start_min) / 60:.2f} h > shift")
    # times
    for a, b in itertools.pairwise(st):
        need = geo.minutes(a.place, b.place, v.speed_kmh)
        if b.arrival_min < a.departure_min + need - EPS:
            out.append(f"{who}: arrives at {b.place} sooner than it can drive from {a.place}")
    for s in st:
        if s.start_min < s.arrival_min - EPS or s.departure_min < s.start_min - EPS:
            out.append(f"{who}: times out of order at {s.place}")
        if s.kind == "village":
            pl = county.place_by_id[s.place]
            if s.start_min < pl.open_min - EPS:
                out.append(f"{who}: serves {s.place} before it opens")
            if s.departure_min > pl.close_min + EPS:
                out.append(f"{who}: still at {s.place} after it closes")
            for iid in s.picked_up:
                it = items.get(iid)
                if it is not None and s.start_min < it.ready_min - EPS:
                    out.append(f"{who}: picks up {iid} before it is ready")
            if service_min is not None:
                need_s = service_min.get(_key(s.delivered, s.picked_up))
                if need_s is not None and s.departure_min - s.start_min < need_s - 1e-3:
                    out.append(f"{who}: service at {s.place} shorter than needed")
    # loads
    trip_items: list[Item] = []
    for k, s in enumerate(st):
        for iid in (*s.delivered, *s.picked_up):
            it = items.get(iid)
            if it is None:
                out.append(f"{who}: unknown item {iid}")
            elif it.village != s.place or s.kind != "village":
                out.append(f"{who}: item {iid} of {it.village} handled at {s.place}")
        for iid in s.delivered:
            if iid in items and items[iid].flow != "down":
                out.append(f"{who}: delivers up item {iid}")
        for iid in s.picked_up:
            if iid in items and items[iid].flow != "up":
                out.append(f"{who}: picks up down item {iid}")
        if s.kind == "hub" and k < len(st) - 1:
            trip_items = []
            for t in st[k + 1 :]:
                if t.kind == "hub":
                    break
                trip_items += [items[i] for i in t.delivered if i in items]
            on_board = list(trip_items)
        elif s.kind == "village":
            gone = set(s.delivered)
            on_board = [it for it in on_board if it.id not in gone]
            on_board += [items[i] for i in s.picked_up if i in items]
        if k == len(st) - 1:
            break
        kg = math.fsum(it.kg for it in on_board)
        m3 = math.fsum(it.m3 for it in on_board)
        cold = [it.id for it in on_board if it.cold]
        nxt = st[k + 1].place
        if kg > v.capacity_kg + EPS:
            out.append(f"{who}: {kg:.3f} kg on {s.place}->{nxt} > capacity {v.capacity_kg:g}")
        if m3 > v.capacity_m3 + EPS:
            out.append(f"{who}: {m3:.4f} m3 on {s.place}->{nxt} > capacity {v.capacity_m3:g}")
        if cold and not v.refrigerated:
            out.append(f"{who}: chilled load {cold[0]} on a non-refrigerated {v.id}")
        leg = r.legs[k] if k < len(r.legs) else None
        if (
            leg is None
            or abs(leg.load_kg - kg) > 1e-3
            or abs(leg.chilled_kg - math.fsum(items[i].kg for i in cold)) > 1e-3
        ):
            out.append(f"{who}: reported load on {s.place}->{nxt} differs from its items")
    return out


def _key(delivered: Iterable[str], picked: Iterable[str]) -> str:
    return "|".join(sorted([*delivered, *picked]))


def check_bus(
    consignments: Sequence[BusConsignment], items: Mapping[str, Item], county: County
) -> list[str]:
    """Bus bookings: no cold item, times in order, each village's own items only."""
    out: list[str] = []
    hub = county.hub
    for c in consignments:
        who = f"bus {c.run} {c.flow} {c.village}"
        for iid in c.items:
            it = items.get(iid)
            if it is None:
                out.append(f"{who}: unknown item {iid}")
                continue
            if it.cold:
                out.append(f"{who}: chilled item {iid} on a bus")
            if it.village != c.village or it.flow != c.flow:
                out.append(f"{who}: item {iid} does not belong here")
            if c.flow == "up" and c.village_min < it.ready_min - EPS:
                out.append(f"{who}: {iid} leaves before it is ready")
        if c.alight_min < c.board_min - EPS:
            out.append(f"{who}: alights before boarding")
        if c.flow == "down" and c.board_min < hub.open_min - EPS:
            out.append(f"{who}: boards before the hub opens")
        if c.flow == "up" and c.alight_min > hub.close_min + EPS:
            out.append(f"{who}: reaches the hub after it closes")
    return out


def check_unique(routes: Sequence[Route], consignments: Sequence[BusConsignment]) -> list[str]:
    seen: dict[str, str] = {}
    out: list[str] = []
    for r in routes:
        for iid in r.item_ids:
            if iid in seen:
                out.append(f"item {iid} carried twice ({seen[iid]} and {r.vehicle})")
            seen[iid] = r.vehicle
    for c in consignments:
        for iid in c.items:
            if iid in seen:
                out.append(f"item {iid} carried twice ({seen[iid]} and bus {c.run})")
            seen[iid] = c.run
    return out
