"""Cold parcels in insulated boxes (蓄冷箱) on vans and buses.

Cold parcels' last miles are commonly carried in passive insulated boxes with ice packs
(保温箱 + 冰袋, for short-distance end delivery) on ordinary vans, tricycles and buses, with
reefers for bulk and long holds (docs/logistics.md, "Cold parcels in insulated boxes"). The
planner does the same (``box_hold_h`` > 0, the default): every cold down parcel may ride any
vehicle or a bus, packed at the hub's cold store in a box (``box_kg`` per box, ``box_yuan``
each, assumptions; none on a reefer, where it rides in the compartment), provided
its time out of refrigeration, from leaving the hub (the trip's or the run's departure) to
its handover at the village (the end of the stop's service; by bus, the end of the last leg),
stays within ``box_hold_h``. The engine measures it after routing; a parcel kept out too
long gets a stop of its own whose service ends by the hub window's opening + the hold (no
trip leaves earlier; :meth:`~.routing.Context.window`, :class:`~.engine.Modes`
``hold_window``), or, when no vehicle can make that, or by bus, goes by reefer (``unboxed``).
Cold up produce (batches of cold-chain products, hundreds of kg) always rides a reefer. Down
parcels carry no spoilage cost either way (the bundle has no product data for them), so the
hold is a hard limit, not a priced risk.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence

from ruralflow.logistics.bus import BusConsignment
from ruralflow.logistics.flows import Item
from ruralflow.logistics.routes import Route

EPS = 1e-6


def boxes_for(kg: float, box_kg: float) -> int:
    """Insulated boxes a piece of ``kg`` cold parcels takes (at least one)."""
    if kg <= 0:
        return 0
    return max(1, math.ceil(kg / box_kg - 1e-9)) if box_kg > 0 else 1


def box_count(items: Iterable[Item], box_kg: float) -> int:
    return sum(boxes_for(it.kg, box_kg) for it in items if it.boxed)


def on_reefers(routes: Sequence[Route]) -> set[str]:
    """Items on refrigerated vehicles: a cold parcel there rides in the compartment, unboxed."""
    return {i for r in routes if r.temperature_class == "chilled" for i in r.item_ids}


def boxed_off_reefer(items: Iterable[Item], routes: Sequence[Route]) -> list[Item]:
    """The carried boxed items that need a box: those on vans and buses."""
    cold_room = on_reefers(routes)
    return [it for it in items if it.boxed and it.id not in cold_room]


def out_of_fridge_min(
    routes: Sequence[Route], bus: Sequence[BusConsignment], items: Mapping[str, Item]
) -> dict[str, float]:
    """Boxed item id -> minutes from leaving the hub to its handover at the village."""
    out: dict[str, float] = {}
    for r in routes:
        if r.temperature_class == "chilled":
            continue  # in the reefer's compartment: not out of refrigeration
        left_hub = r.stops[0].departure_min if r.stops else 0.0
        for s in r.stops:
            if s.kind == "hub":
                left_hub = s.departure_min
                continue
            for iid in s.delivered:
                it = items.get(iid)
                if it is not None and it.boxed:
                    out[iid] = s.departure_min - left_hub
    for c in bus:
        if c.flow != "down":
            continue
        for iid in c.items:
            it = items.get(iid)
            if it is not None and it.boxed:
                out[iid] = c.village_min - c.board_min
    return out


def over_hold(
    routes: Sequence[Route],
    bus: Sequence[BusConsignment],
    items: Mapping[str, Item],
    hold_h: float,
) -> dict[str, float]:
    """Boxed item id -> minutes out of refrigeration, for those beyond the hold."""
    lim = hold_h * 60.0
    return {iid: m for iid, m in out_of_fridge_min(routes, bus, items).items() if m > lim + EPS}


def check_boxes(
    routes: Sequence[Route],
    bus: Sequence[BusConsignment],
    items: Mapping[str, Item],
    hold_h: float,
) -> list[str]:
    """A boxed parcel beyond the hold, or a cold parcel in a box with boxes off."""
    out = [
        f"boxed item {iid}: {m:.0f} min out of refrigeration, hold {hold_h * 60:.0f} min"
        for iid, m in sorted(over_hold(routes, bus, items, hold_h).items())
    ]
    if hold_h <= 0:
        out += [f"boxed item {i} but box_hold_h is 0" for i, it in items.items() if it.boxed]
    return out


def summary(
    routes: Sequence[Route],
    bus: Sequence[BusConsignment],
    items: Mapping[str, Item],
    carried: Iterable[str],
    params: Mapping[str, float],
    unboxed: int,
) -> dict[str, object]:
    """The plan's ``insulated_boxes`` object."""
    done = set(carried)
    boxed = boxed_off_reefer((it for i, it in items.items() if i in done), routes)
    times = out_of_fridge_min(routes, bus, items)
    on_bus = {i for c in bus for i in c.items}
    return {
        "hold_h": params["box_hold_h"],
        "boxes": box_count(boxed, params["box_kg"]),
        "yuan": round(box_count(boxed, params["box_kg"]) * params["box_yuan"], 2),
        "parcels": sum(it.parcels for it in boxed),
        "kg": round(math.fsum(it.kg for it in boxed), 3),
        "parcels_by_bus": sum(it.parcels for it in boxed if it.id in on_bus),
        "parcels_on_reefers_unboxed": sum(
            it.parcels for it in items.values() if it.boxed and it.id in on_reefers(routes)
        ),
        "max_hours_out_of_fridge": round(max(times.values(), default=0.0) / 60.0, 3),
        "pieces_sent_by_reefer_for_the_hold": unboxed,
        "rule": (
            "冷藏件装蓄冷箱随普通车或班车送达, 离开县级冷库到交付不超过保冷时限, 否则走冷藏车 / "
            "cold parcels ride vans or buses in insulated boxes when their time out of "
            "refrigeration (hub to handover) stays within the hold; otherwise a reefer"
        ),
    }
