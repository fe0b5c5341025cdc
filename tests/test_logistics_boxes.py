"""Cold parcels in insulated boxes on vans and buses within the box's hold (boxes.py)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from helpers import DAY, tiny_county
from ruralflow.bundle import BundleError, read_bundle, write_bundle
from ruralflow.domain import County, SourcedValue
from ruralflow.logistics import Plan, PlanOptions, plan
from ruralflow.logistics.boxes import boxes_for, check_boxes, out_of_fridge_min
from ruralflow.logistics.params import Params

FAST = PlanOptions(time_limit_s=1.0, seed=0, workers=1, no_improvement=2000, compare=False)


def _run(county: County, **kw: object) -> Plan:
    return plan(county, DAY, dataclasses.replace(FAST, **kw))  # type: ignore[arg-type]


def _costs(county: County, **values: float) -> County:
    costs = dict(county.settings.costs)
    for k, v in values.items():
        costs[k] = SourcedValue(v, "test unit", "test")
    return county.replace(settings=dataclasses.replace(county.settings, costs=costs))


def _cold(p: Plan) -> list[str]:
    return [i for i, it in p.items.items() if it.source.key == "down/V3/cold"]


def test_boxes_per_kg() -> None:
    assert boxes_for(0.0, 15.0) == 0
    assert boxes_for(12.5, 15.0) == 1
    assert boxes_for(15.0, 15.0) == 1
    assert boxes_for(15.1, 15.0) == 2


def test_cold_parcels_ride_a_van_in_a_box_within_the_hold() -> None:
    c = tiny_county()
    p = _run(c)
    assert p.check(c) == []
    assert not p.not_carried
    [iid] = _cold(p)
    it = p.items[iid]
    assert it.boxed and not it.cold
    times = out_of_fridge_min(p.routes, p.bus, p.items)
    assert 0.0 < times[iid] <= 8 * 60
    # 12.5 kg of cold parcels: one box at 1.5 yuan, in the total
    assert p.costs.boxes == pytest.approx(1.5)
    b = p.to_dict()["insulated_boxes"]
    assert b["boxes"] == 1 and b["parcels"] == 4 and b["hold_h"] == 8.0
    assert b["max_hours_out_of_fridge"] == pytest.approx(times[iid] / 60.0, abs=1e-3)
    assert p.to_dict()["costs"]["boxes_yuan"] == 1.5
    json.dumps(p.to_dict(), ensure_ascii=False)


def test_boxes_carry_cold_parcels_where_the_county_has_no_reefer() -> None:
    c = tiny_county()
    c2 = c.replace(vehicle_types=tuple(v for v in c.vehicle_types if not v.refrigerated))
    p = _run(c2)
    assert not p.not_carried
    assert p.check(c2) == []
    assert not any(r.temperature_class == "chilled" for r in p.routes)


def test_a_ride_beyond_the_hold_goes_by_reefer_instead() -> None:
    # a 1-minute hold: no van reaches V3 that fast, so its cold parcels go by reefer
    c = _costs(tiny_county(), box_hold_h=1.0 / 60.0)
    p = _run(c)
    assert p.check(c) == []
    assert not p.not_carried
    [iid] = _cold(p)
    assert p.items[iid].cold and not p.items[iid].boxed
    assert "down/V3/cold" in p.modes["reefer_for_box_hold"]
    [route] = [r for r in p.routes if iid in r.item_ids]
    assert route.temperature_class == "chilled"
    assert p.costs.boxes == 0.0
    assert p.to_dict()["insulated_boxes"]["pieces_sent_by_reefer_for_the_hold"] == 1


def test_the_check_flags_a_box_kept_out_too_long() -> None:
    c = tiny_county()
    p = _run(c)
    [iid] = _cold(p)
    minutes = out_of_fridge_min(p.routes, p.bus, p.items)[iid]
    assert check_boxes(p.routes, p.bus, p.items, minutes / 60.0 + 0.01) == []
    [msg] = check_boxes(p.routes, p.bus, p.items, minutes / 60.0 - 0.01)
    assert iid in msg and "out of refrigeration" in msg
    assert check_boxes(p.routes, p.bus, p.items, 0.0)  # boxes with boxes off


def test_boxes_off_keeps_cold_parcels_on_reefers() -> None:
    c = _costs(tiny_county(), box_hold_h=0.0)
    p = _run(c)
    assert p.check(c) == []
    [iid] = _cold(p)
    assert p.items[iid].cold
    assert p.costs.boxes == 0.0
    assert p.to_dict()["insulated_boxes"]["boxes"] == 0


def test_a_short_hold_bounds_every_boxed_handover() -> None:
    c = _costs(tiny_county(), box_hold_h=0.5)
    p = _run(c)
    assert p.check(c) == []
    times = out_of_fridge_min(p.routes, p.bus, p.items)
    boxed = [i for i, it in p.items.items() if it.boxed]
    assert all(times[i] <= 30.0 + 1e-6 for i in boxed)
    for r in p.routes:
        left = r.stops[0].departure_min
        for s in r.stops:
            if s.kind == "hub":
                left = s.departure_min
            elif any(p.items[i].boxed for i in s.delivered):
                assert s.departure_min - left <= 30.0 + 1e-6


def test_a_late_box_gets_its_stop_a_hold_window_when_a_vehicle_can_keep_it() -> None:
    # a hold that a direct drive keeps but a long route may not: the repair first tries the
    # window (hub opening + hold), the reefer only when no vehicle can keep it
    c = tiny_county()
    p0 = _run(c)
    [iid] = _cold(p0)
    took = out_of_fridge_min(p0.routes, p0.bus, p0.items)[iid]
    c2 = _costs(c, box_hold_h=max(0.2, (took - 1.0) / 60.0))
    p = _run(c2)
    assert p.check(c2) == []
    assert not p.not_carried
    # the cheapest route (V1, V2, V3) kept V3's box out too long: V3 now comes first, by van
    assert p.modes["box_hold_window"] == ["down/V3/cold"]
    assert p.modes["reefer_for_box_hold"] == []
    assert out_of_fridge_min(p.routes, p.bus, p.items)[iid] <= took - 1.0


def test_a_cold_parcel_on_a_reefer_needs_no_box() -> None:
    c = tiny_county()
    only_reefers = c.replace(vehicle_types=tuple(v for v in c.vehicle_types if v.refrigerated))
    p = _run(only_reefers, use_buses=False)
    assert p.check(only_reefers) == [] and not p.not_carried
    assert all(r.temperature_class == "chilled" for r in p.routes)
    assert p.costs.boxes == 0.0
    b = p.to_dict()["insulated_boxes"]
    assert b["boxes"] == 0 and b["parcels_on_reefers_unboxed"] == 4


def test_the_box_keys_are_read_from_county_yaml(tmp_path: Path) -> None:
    units = {"box_hold_h": "h", "box_yuan": "yuan/box", "box_kg": "kg/box"}
    vals = {"box_hold_h": 4.0, "box_yuan": 2.0, "box_kg": 12.0}
    c = tiny_county()
    costs = {**c.settings.costs, **{k: SourcedValue(v, units[k], "test") for k, v in vals.items()}}
    c = c.replace(settings=dataclasses.replace(c.settings, costs=costs))
    write_bundle(c, tmp_path / "b")
    p = Params.from_county(read_bundle(tmp_path / "b"))
    assert (p["box_hold_h"], p["box_yuan"], p["box_kg"]) == (4.0, 2.0, 12.0)
    costs = {**c.settings.costs, "box_kg": SourcedValue(0.0, "kg/box", "test")}
    bad = c.replace(settings=dataclasses.replace(c.settings, costs=costs))  # 0 kg: divides by 0
    write_bundle(bad, tmp_path / "bad")
    with pytest.raises(BundleError, match="box_kg"):
        read_bundle(tmp_path / "bad")


def test_a_box_held_to_its_van_window_does_not_ride_a_bus() -> None:
    from fractions import Fraction

    from ruralflow.logistics.engine import _bus_ok
    from ruralflow.logistics.flows import Item, Source

    src = Source("down/V1/cold", "down", "V1", 2, 6.0, 0.02, cold=False, boxed=True)
    it = Item("down/V1/cold#1", src, Fraction(1), 2, 6.0, 0.02)
    assert _bus_ok(it)
    timed = dataclasses.replace(it, source=dataclasses.replace(src, hold_window=True))
    assert not _bus_ok(timed)
    chilled = dataclasses.replace(it, source=dataclasses.replace(src, cold=True, boxed=False))
    assert not _bus_ok(chilled)
