"""The two-way logistics planner on small hand-made counties (fast: each solve <= 2 s)."""

from __future__ import annotations

import dataclasses
import json
from fractions import Fraction

import pytest

from helpers import DAY, tiny_county
from ruralflow.domain import (
    BusLine,
    County,
    DomainError,
    DownDemand,
    Place,
    SourcedValue,
    UpSupply,
    VehicleType,
)
from ruralflow.logistics import NoFlowsError, Plan, PlanOptionError, PlanOptions, plan

FAST = PlanOptions(time_limit_s=1.0, seed=0, workers=1, no_improvement=2000)


def _run(county: County, **kw: object) -> Plan:
    return plan(county, DAY, dataclasses.replace(FAST, **kw))  # type: ignore[arg-type]


def _exact_in(county: County) -> tuple[int, Fraction, Fraction]:
    down = county.demand_on(DAY)
    up = county.supply_on(DAY)
    return (
        sum(d.parcels for d in down),
        sum((Fraction(d.kg) for d in down), Fraction(0)),
        sum((Fraction(s.kg) for s in up), Fraction(0)),
    )


def _assert_conserved(county: County, p: Plan) -> None:
    parcels, down_kg, up_kg = _exact_in(county)
    t_in, t_c, t_n = p.totals_in, p.totals_carried, p.totals_not_carried
    assert (t_in.parcels, t_in.down_kg, t_in.up_kg) == (parcels, down_kg, up_kg)
    assert t_c.parcels + t_n.parcels == parcels
    assert t_c.down_kg + t_n.down_kg == down_kg
    assert t_c.up_kg + t_n.up_kg == up_kg
    # the not-carried list adds up to the not-carried totals
    assert sum(n.parcels for n in p.not_carried) == t_n.parcels
    assert sum(n.kg for n in p.not_carried) == pytest.approx(float(t_n.down_kg + t_n.up_kg))
    for n in p.not_carried:
        assert n.reason


def _with(county: County, **changes: object) -> County:
    return county.replace(**changes)


def _no_boxes(county: County) -> County:
    """Cold parcels on reefers only (``box_hold_h`` 0: no insulated boxes)."""
    costs = dict(county.settings.costs)
    costs["box_hold_h"] = SourcedValue(0.0, "h", "test")
    return county.replace(settings=dataclasses.replace(county.settings, costs=costs))


# --------------------------------------------------------------------------- basics
def test_tiny_plan_carries_everything_and_is_feasible() -> None:
    c = tiny_county()
    p = _run(c, compare=False)
    _assert_conserved(c, p)
    assert not p.not_carried
    assert p.check(c) == []
    assert p.costs.total == pytest.approx(
        p.costs.fixed
        + p.costs.distance
        + p.costs.bus_fees
        + p.costs.last_leg
        + p.costs.boxes
        + p.costs.spoilage
        + p.costs.penalty
    )
    # the up batch has a spoilage record; its loss is a fraction of its value
    assert {s.batch for s in p.spoilage} == {"B-1"}
    assert 0.0 < p.spoilage[0].loss_yuan < 300.0 * 4.0
    json.dumps(p.to_dict(), ensure_ascii=False)
    assert "610425" in p.summary()


def test_every_leg_within_capacity_and_chilled_only_on_reefers() -> None:
    c = _no_boxes(tiny_county())
    p = _run(c, compare=False)
    types = {v.id: v for v in c.vehicle_types}
    cold_items = {i for i, it in p.items.items() if it.cold}
    assert cold_items  # V3's cold parcels
    for r in p.routes:
        v = types[r.vehicle_type]
        for leg in r.legs:
            assert leg.load_kg <= v.capacity_kg + 1e-9
            assert leg.m3 <= v.capacity_m3 + 1e-9
            if not v.refrigerated:
                assert leg.chilled_kg == 0.0
        if not v.refrigerated:
            assert not cold_items & set(r.item_ids)
    assert cold_items <= {i for r in p.routes for i in r.item_ids}


def test_same_seed_same_plan() -> None:
    c = tiny_county()
    opts = dict(compare=False, max_iterations=300, time_limit_s=2.0)
    a = _run(c, **opts).to_dict()
    b = _run(c, **opts).to_dict()
    for d in (a, b):
        d["solver"].pop("runtime_s")
        for s in d["solver"]["solves"].values():
            for h in s:
                h.pop("runtime_s")
                h.pop("seconds")
    assert a == b


# --------------------------------------------------------------------------- infeasible input
def test_demand_above_fleet_capacity_is_listed_not_lost() -> None:
    c = tiny_county()
    big = tuple(
        UpSupply(f"B-big-{i}", DAY, v, "apple", 900.0, ready_min=9 * 60)
        for i, v in enumerate(["V1", "V2", "V3"] * 4)
    )
    c2 = _with(c, supply_up=c.supply_up + big, bus_lines=())
    p = _run(c2, compare=False, max_trips=1)
    _assert_conserved(c2, p)
    assert p.check(c2) == []
    assert p.not_carried
    assert any("fleet capacity" in n.reason for n in p.not_carried)
    assert p.costs.penalty > 0


def test_village_unreachable_in_a_shift_is_listed_with_reason() -> None:
    c = tiny_county()
    far = Place(
        "V9", "village", "远村", 110.9, 34.5, adcode="610425102209", parent="T2", households=10
    )
    c2 = _with(
        c,
        places=(*c.places, far),
        demand_down=(*c.demand_down, DownDemand(DAY, "V9", 3, 6.0, 0.03)),
        boundary=None,
    )
    p = _run(c2, compare=False)
    _assert_conserved(c2, p)
    [n] = [n for n in p.not_carried if n.village == "V9"]
    assert "shift" in n.reason or "cannot" in n.reason
    assert n.penalty_yuan > 0


def test_chilled_load_without_reefer_is_not_carried() -> None:
    c = _no_boxes(tiny_county())
    c2 = _with(c, vehicle_types=tuple(v for v in c.vehicle_types if not v.refrigerated))
    p = _run(c2, compare=False)
    _assert_conserved(c2, p)
    [n] = p.not_carried
    assert n.cold and n.village == "V3"
    assert "reefer" in n.reason
    assert p.check(c2) == []


# --------------------------------------------------------------------------- modes
def test_integrated_no_dearer_than_separate_when_sharing_helps() -> None:
    c = tiny_county()
    # every village has parcels down and produce up: one stop instead of two
    down = tuple(DownDemand(DAY, v, 20, 40.0, 0.3) for v in ("V1", "V2", "V3"))
    up = tuple(
        UpSupply(f"B-{v}", DAY, v, "apple", 150.0, ready_min=8 * 60) for v in ("V1", "V2", "V3")
    )
    c2 = _with(c, demand_down=down, supply_up=up, bus_lines=())
    p = _run(c2, compare=True)
    assert p.comparison is not None
    assert p.comparison.integrated.costs.total <= p.comparison.separate.costs.total + 1e-6
    assert p.saving_yuan is not None and p.saving_yuan >= 0
    assert p.saving_pct is not None and p.saving_pct > 10.0  # one van instead of two
    sep = _run(c2, mode="separate", compare=False)
    _assert_conserved(c2, sep)
    assert sep.check(c2) == []
    assert {r.operation for r in sep.routes} == {"down", "up"}


def test_mode_choice_moves_a_village_to_the_bus_when_cheaper() -> None:
    c = tiny_county()
    costs = dict(c.settings.costs)
    costs["last_mile_yuan_per_parcel"] = SourcedValue(0.0, "yuan/parcel", "test")
    settings = dataclasses.replace(c.settings, costs=costs)
    bus = BusLine("B1", "县城-甲镇", ("HUB", "T1"), (7 * 60, 13 * 60), 200.0, 0.0, 0.0)
    c2 = _with(
        c,
        settings=settings,
        bus_lines=(bus,),
        demand_down=(DownDemand(DAY, "V1", 10, 25.0, 0.2),),
        supply_up=(),
    )
    p = _run(c2, compare=False)
    _assert_conserved(c2, p)
    assert p.check(c2) == []
    assert [b.village for b in p.bus] == ["V1"]
    assert not p.routes
    assert p.costs.total < p.rule_costs.total  # better than the fixed rule (all by van)
    assert any(e["accepted"] for e in p.mode_log)
    assert p.modes["down_by_bus"] == ["V1"]


def test_bus_carries_what_no_van_can_reach() -> None:
    c = tiny_county()
    # vans that cannot make it there and back in their shift
    slow = tuple(dataclasses.replace(v, shift_hours=0.3) for v in c.vehicle_types)
    c2 = _with(
        c, vehicle_types=slow, demand_down=(DownDemand(DAY, "V1", 10, 25.0, 0.2),), supply_up=()
    )
    p = _run(c2, compare=False)
    _assert_conserved(c2, p)
    assert [b.village for b in p.bus] == ["V1"]
    assert p.bus[0].last_leg_km > 0


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("time_limit_s", -1),
        ("time_limit_s", float("nan")),
        ("seed", -3),
        ("mode", "both"),
        ("workers", 0),
        ("max_trips", 0),
        ("reefer_air_c", 40.0),
    ],
)
def test_bad_options_name_the_option_and_value(field: str, value: object) -> None:
    with pytest.raises(PlanOptionError) as e:
        PlanOptions(**{field: value})  # type: ignore[arg-type]
    assert isinstance(e.value, DomainError)
    assert field in str(e.value)
    assert repr(value) in str(e.value)


def test_day_without_flows_is_a_clear_error() -> None:
    with pytest.raises(NoFlowsError, match="no down demand or up supply on 2025-09-02"):
        plan(tiny_county(), "2025-09-02", FAST)


def test_vehicle_type_count_zero_is_ignored() -> None:
    c = tiny_county()
    vts = (
        *c.vehicle_types,
        VehicleType("truck", "truck", 0, 5000.0, 20.0, 500.0, 2.0, 40.0, 8.0),
    )
    p = _run(_with(c, vehicle_types=vts), compare=False)
    assert all(r.vehicle_type != "truck" for r in p.routes)


def test_two_workers_give_the_same_plan_and_comparison() -> None:
    c = tiny_county()
    opts = dict(compare=True, max_iterations=300, time_limit_s=2.0)
    one = _run(c, workers=1, **opts)
    two = _run(c, workers=2, **opts)
    assert one.comparison is not None and two.comparison is not None
    assert two.costs == one.costs
    assert two.comparison.separate.costs == one.comparison.separate.costs
    assert [r.to_dict() for r in two.routes] == [r.to_dict() for r in one.routes]
