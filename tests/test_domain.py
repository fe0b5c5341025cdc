"""Domain objects validate themselves and name the field and value when they refuse."""

from __future__ import annotations

import pytest

from helpers import DAY, tiny_county
from ruralflow.domain import (
    BusLine,
    CountyError,
    DownDemand,
    FieldError,
    Place,
    Product,
    UpSupply,
    VehicleType,
)


def test_tiny_county_builds_and_summarises() -> None:
    c = tiny_county()
    s = c.summary()
    assert s["places"] == {"county_hub": 1, "township_station": 2, "village": 3}
    assert s["households"] == 400
    assert s["down_parcels"] == 14
    assert c.hub.id == "HUB"
    assert [v.id for v in c.villages_of("T1")] == ["V1", "V2"]
    assert c.township_of("V3").id == "T2"
    assert c.days == (DAY,)


def test_negative_quantity_names_field_and_value() -> None:
    with pytest.raises(
        FieldError, match=r"DownDemand 'V1': field 'kg' 须 >= 0 / must be >= 0 \(got -3.0\)"
    ):
        DownDemand(DAY, "V1", 2, -3.0, 0.1)


def test_bad_kind_lists_known_kinds() -> None:
    with pytest.raises(FieldError, match="field 'kind' 须为以下之一 / must be one of: county_hub"):
        Place("X", "castle", "堡", 108.5, 34.5)


def test_village_needs_township() -> None:
    with pytest.raises(FieldError, match=r"field 'parent' .* / must name the village's township"):
        Place("V9", "village", "九村", 108.5, 34.5, adcode="610425101209")


def test_village_adcode_length() -> None:
    with pytest.raises(FieldError, match=r"'adcode' .* / must be an NBS code of 12 digits"):
        Place("V9", "village", "九村", 108.5, 34.5, adcode="6104251", parent="T1")


def test_closing_before_opening() -> None:
    with pytest.raises(FieldError, match=r"field 'close' .* / must be after opening time 18:00"):
        Place("S", "cold_hub", "冷库", 108.5, 34.5, open_min=18 * 60, close_min=9 * 60)


def test_reefer_must_be_cold() -> None:
    with pytest.raises(FieldError, match="temperature_class"):
        VehicleType("r", "reefer", 1, 500.0, 4.0, 100.0, 1.5, 40.0, 8.0)


def test_bus_departures_increasing() -> None:
    with pytest.raises(FieldError, match=r"departures.*strictly increasing"):
        BusLine("B", "线", ("A", "B"), (600, 420), 50.0)


def test_product_q10_range() -> None:
    with pytest.raises(FieldError, match="field 'q10' 须 >= 1 / must be >= 1"):
        Product("p", "桃", "fruit", 5.0, 10.0, 20.0, 0.5, 0.0)


def test_harvest_after_ready() -> None:
    with pytest.raises(FieldError, match=r"harvest_time' .* / is after ready_time 08:00"):
        UpSupply("b", DAY, "V1", "apple", 10.0, ready_min=480, harvest_min=600)


def test_county_collects_every_cross_problem() -> None:
    c = tiny_county()
    bad_demand = (*c.demand_down, DownDemand(DAY, "V404", 1, 1.0, 0.0))
    bad_bus = (*c.bus_lines, BusLine("B2", "线", ("HUB", "T9"), (480,), 50.0))
    orphan = Place("V5", "village", "五村", 108.5, 34.5, adcode="610425109201", parent="T9")
    with pytest.raises(CountyError) as ei:
        c.replace(demand_down=bad_demand, bus_lines=bad_bus, places=(*c.places, orphan))
    msgs = [str(p) for p in ei.value.problems]
    assert (
        "places[6]: field 'parent' 不是乡镇站编号 / names no township station (got 'T9')" in msgs
    )
    assert "bus_lines[1]: field 'stops' 不是地点编号 / is not a place id (got 'T9')" in msgs
    assert "demand_down[2]: field 'village' 不是村编号 / is not a village id (got 'V404')" in msgs


def test_duplicate_ids() -> None:
    c = tiny_county()
    with pytest.raises(CountyError, match=r"places\[6\]: field 'id' .* / duplicates item 3"):
        c.replace(places=(*c.places, c.places[3]))
