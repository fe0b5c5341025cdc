"""Buses, leftovers, hub sorting and the city trunk (issue 12)."""

from __future__ import annotations

import dataclasses

import pytest

from helpers import DAY, tiny_county
from ruralflow.domain import BusLine, County, DownDemand, Place, SourcedValue, UpSupply
from ruralflow.logistics import Plan, PlanOptions, plan

FAST = PlanOptions(time_limit_s=1.0, seed=0, workers=1, no_improvement=2000, compare=False)


def _run(county: County, **kw: object) -> Plan:
    return plan(county, DAY, dataclasses.replace(FAST, **kw))  # type: ignore[arg-type]


def _costs(county: County, **values: float) -> County:
    costs = dict(county.settings.costs)
    for k, v in values.items():
        costs[k] = SourcedValue(v, "test unit", "test")
    return county.replace(settings=dataclasses.replace(county.settings, costs=costs))


def remote_county(fee_factor: float = 1.0, spare_kg: float = 150.0) -> County:
    """The tiny county with a remote village VR (about 45 km out) that is itself a stop of a
    县-乡-村 line: HUB -> T1 -> VR, three departures, fees as PARAMS.md s3 suggests."""
    c = tiny_county()
    vr = Place(
        "VR",
        "village",
        "远村",
        108.10,
        34.30,
        adcode="610425101299",
        parent="T1",
        households=60,
    )
    line = BusLine(
        "B9",
        "县城-甲镇-远村",
        ("HUB", "T1", "VR"),
        (8 * 60 + 30, 11 * 60, 14 * 60),
        spare_kg,
        fee_yuan_per_kg=0.1 * fee_factor,
        fee_yuan_per_parcel=1.0 * fee_factor,
    )
    return c.replace(
        places=(*c.places, vr),
        bus_lines=(line,),
        demand_down=(DownDemand(DAY, "VR", 12, 30.0, 0.2),),
        supply_up=(UpSupply("B-R", DAY, "VR", "apple", 60.0, ready_min=9 * 60),),
    )


def test_remote_village_on_a_bus_line_goes_by_bus() -> None:
    c = remote_county()
    p = _run(c)
    assert p.check(c) == []
    assert not p.not_carried
    assert not p.routes  # a van's 90 km round trip and day rate against a few yuan of fees
    assert {b.flow for b in p.bus} == {"down", "up"}
    assert all(b.stop == "VR" and b.last_leg_km == 0 and b.last_leg_yuan == 0 for b in p.bus)
    assert p.tiers["VR"] == {"down": "bus at the village", "up": "bus at the village"}
    assert p.costs.total < p.rule_costs.total
    d = p.to_dict()
    assert d["bus_share"]["share_of_parcels"] == 1.0


def test_dear_bus_is_not_used() -> None:
    c = remote_county(fee_factor=100.0)
    p = _run(c)
    assert not p.bus
    assert not p.not_carried
    assert p.tiers["VR"] == {"down": "van", "up": "van"}


def test_a_group_larger_than_one_run_is_split_across_runs() -> None:
    c = remote_county(spare_kg=40.0)
    c = c.replace(
        demand_down=(DownDemand(DAY, "VR", 40, 100.0, 0.5),),
        supply_up=(),
        vehicle_types=tuple(dataclasses.replace(v, shift_hours=0.5) for v in c.vehicle_types),
    )
    p = _run(c)  # no van can reach VR: only the bus can carry it, over three runs
    assert p.check(c) == []
    assert not p.not_carried
    assert len({b.run for b in p.bus}) == 3
    assert all(b.kg <= 40.0 + 1e-9 for b in p.bus)
    assert sum(b.parcels for b in p.bus) == 40


def test_what_no_van_takes_is_offered_to_the_bus_then_named() -> None:
    c = remote_county(spare_kg=40.0)
    c = c.replace(
        demand_down=(DownDemand(DAY, "VR", 60, 150.0, 0.5),),
        supply_up=(),
        vehicle_types=tuple(dataclasses.replace(v, shift_hours=0.5) for v in c.vehicle_types),
    )
    p = _run(c)
    carried = sum(b.kg for b in p.bus)
    assert len({b.run for b in p.bus}) == 3  # every run takes a 37.5 kg piece
    assert carried == pytest.approx(3 * 37.5)
    assert p.not_carried
    assert {n.kind for n in p.not_carried} == {"capacity"}
    assert all("no bus run had room" in n.reason for n in p.not_carried)
    by = p.figures().not_carried_by_reason_kg
    assert by["capacity"] == pytest.approx(150.0 - carried)


def test_reason_kinds_no_line_and_cold_chain() -> None:
    c = _costs(tiny_county(), box_hold_h=0.0)  # no insulated boxes: cold needs a reefer
    slow = tuple(dataclasses.replace(v, shift_hours=0.3) for v in c.vehicle_types if v.id == "van")
    c2 = c.replace(
        vehicle_types=slow,
        demand_down=(
            DownDemand(DAY, "V3", 10, 25.0, 0.2),  # township T2: no bus line
            DownDemand(DAY, "V1", 4, 10.0, 0.1, cold=True),  # cold, no reefer at all
        ),
        supply_up=(),
    )
    p = _run(c2)
    kinds = {n.village: n.kind for n in p.not_carried}
    assert kinds == {"V3": "no_line", "V1": "cold_chain"}


def test_hub_sorting_delays_departures_and_cut_off_leaves_parcels_waiting() -> None:
    c = tiny_county().replace(bus_lines=())
    free = _run(c)
    hub = c.hub
    assert min(r.stops[0].departure_min for r in free.routes) < hub.open_min + 60
    # 14 parcels at 6 parcels/h: sorted 2 h 20 min after opening
    slow = _costs(c, hub_sorting_parcels_per_hour=6.0)
    p = _run(slow)
    assert p.hub["limited"] is True
    done = hub.open_min + 14 / 6 * 60
    assert all(r.stops[0].departure_min >= done - 1e-6 for r in p.routes)
    assert not p.not_carried
    # with a cut-off one hour after opening only 6 parcels leave today
    cut = _costs(c, hub_sorting_parcels_per_hour=6.0, hub_cutoff_min=hub.open_min + 60.0)
    q = _run(cut)
    waiting = [n for n in q.not_carried if n.kind == "cut_off"]
    assert waiting and sum(n.parcels for n in waiting) >= 14 - 6
    assert q.hub["waiting_for_next_day_parcels"] == sum(n.parcels for n in waiting)


def test_trunk_to_the_front_warehouse_costs_and_spoils() -> None:
    c = tiny_county()
    base = _run(c)
    assert base.trunk == {"modelled": False}
    near = _run(_costs(c, front_warehouse_km=100.0))
    far = _run(_costs(c, front_warehouse_km=600.0))
    up_kg = sum(s.kg for s in near.spoilage)
    assert near.costs.trunk == pytest.approx(up_kg / 1000 * 100.0 * 0.45)
    assert far.costs.trunk == pytest.approx(6 * near.costs.trunk)
    assert near.trunk["km"] == 100.0 and near.trunk["temperature"] == "ambient"
    assert all(s.trunk_h == pytest.approx(100.0 / 60.0) for s in near.spoilage)
    # 10 h of trunk instead of 100 min: more of the apples spoil
    assert sum(s.loss_kg for s in far.spoilage) > sum(s.loss_kg for s in near.spoilage)
    reefer = _run(_costs(c, front_warehouse_km=600.0, front_warehouse_chilled=1.0))
    assert reefer.costs.trunk == pytest.approx(far.costs.trunk * 1.45)
    assert sum(s.loss_kg for s in reefer.spoilage) < sum(s.loss_kg for s in far.spoilage)


def test_trunk_departure_bounds_returns_to_the_hub() -> None:
    c = tiny_county().replace(bus_lines=())
    late = 13 * 60.0
    p = _run(_costs(c, trunk_departure_min=late))
    assert p.routes
    assert all(r.stops[-1].arrival_min <= late + 1e-6 for r in p.routes)
    assert p.hub["produce_due_by"] == "13:00"


def test_separate_baseline_is_defined_in_the_comparison() -> None:
    c = tiny_county()
    p = _run(c, compare=True)
    assert p.comparison is not None
    d = p.to_dict()["comparison"]
    assert "two one-way operations" in d["separate_baseline"]
    assert "bus_share_parcels" in d["integrated"]


def _bus_costs(county: County, factor: float, last_mile: float | None = None) -> County:
    lines = tuple(
        dataclasses.replace(
            ln,
            fee_yuan_per_kg=ln.fee_yuan_per_kg * factor,
            fee_yuan_per_parcel=ln.fee_yuan_per_parcel * factor,
        )
        for ln in county.bus_lines
    )
    c = county.replace(bus_lines=lines)
    if last_mile is not None:
        c = _costs(c, last_mile_yuan_per_parcel=last_mile)
    return c


def test_liquan_busiest_day_uses_buses_when_they_pay_and_none_at_100x_fees() -> None:
    from importlib.resources import as_file, files

    from ruralflow.bundle import read_bundle

    with as_file(files("ruralflow").joinpath("examples", "610425")) as path:
        liquan = read_bundle(path)
    day = max(liquan.days, key=lambda d: sum(x.kg for x in liquan.demand_on(d)))
    opts = PlanOptions(time_limit_s=6.0, seed=0, workers=1, compare=False)
    cheap = plan(_bus_costs(liquan, 0.01, last_mile=0.0), day, opts)
    assert len(cheap.bus) >= 10
    assert not cheap.not_carried
    dear = plan(_bus_costs(liquan, 100.0), day, opts)
    assert not dear.bus
    assert not dear.not_carried


def test_bus_economics_says_where_the_bus_pays_and_why_not() -> None:
    cheap = _run(remote_county())
    e = cheap.bus_economics["integrated"]
    assert e["at_village_stops"]["villages"] == 1 and e["at_village_stops"]["on_bus"] == 1
    assert "1 wholly by bus" in e["verdict"]
    dear = _run(remote_county(fee_factor=100.0))
    e = dear.bus_economics["integrated"]
    row = next(r for r in e["villages"] if r["village"] == "VR")
    assert row["status"] == "vehicle" and row["stop"] == "village" and not row["pays"]
    # the bus's price of VR's flows (fees 100 x) against the van's saving without VR
    assert row["bus_yuan"] > row["vehicle_saving_yuan"] > 0
    assert e["at_village_stops"]["bus_would_pay"] == 0
    assert "does not pay" in e["verdict"]
    assert dear.to_dict()["bus_economics"]["integrated"]["villages_on_lines"] == 1
    assert "why the bus" in dear.summary()


def test_township_last_leg_costs_the_cheaper_of_courier_and_shuttle() -> None:
    c = remote_county()
    line = dataclasses.replace(c.bus_lines[0], stops=("HUB", "T1"))  # VR is behind T1
    near = tuple(
        dataclasses.replace(x, lon=108.43, lat=34.43) if x.id == "VR" else x for x in c.places
    )  # about 3 km from the township seat
    c = c.replace(
        places=near,
        bus_lines=(line,),
        supply_up=(),
        demand_down=(DownDemand(DAY, "VR", 40, 80.0, 0.4),),
        vehicle_types=tuple(dataclasses.replace(v, shift_hours=0.2) for v in c.vehicle_types),
    )
    p = _run(c)  # no van reaches VR in 12 minutes: the bus to T1 and the tricycle
    assert p.check(c) == [] and not p.not_carried
    (b,) = p.bus
    assert b.stop == "T1" and b.last_leg_trips == 1
    km1 = b.last_leg_km / 2.0
    hours = (2.0 * km1 / 20.0 * 60.0 + 2.0 * 10.0) / 60.0
    shuttle = b.last_leg_km * 0.3 + hours * 30.0
    assert shuttle < 40 * 2.0  # one shuttle is far cheaper than 40 parcels at a courier's rate
    assert b.last_leg_yuan == pytest.approx(shuttle)
    small = _run(c.replace(demand_down=(DownDemand(DAY, "VR", 2, 4.0, 0.02),)))
    assert small.bus[0].last_leg_yuan == pytest.approx(2 * 2.0)  # two parcels: the courier


def test_bus_economics_without_lines_or_with_buses_off() -> None:
    c = remote_county()
    none = _run(c.replace(bus_lines=()))
    assert "no bus lines" in none.bus_economics["integrated"]["verdict"]
    off = _run(c, use_buses=False)
    assert "switched off" in off.bus_economics["integrated"]["verdict"]
    assert not off.bus
