"""The logistics section of the county report."""

from __future__ import annotations

from helpers import DAY, tiny_county
from ruralflow.logistics import PlanOptions, plan
from ruralflow.report import ANALYSES, ReportOptions, build_report
from ruralflow.report.logistics import logistics_sections, plan_section


def test_plan_section_has_map_costs_comparison_and_spoilage() -> None:
    c = tiny_county()
    p = plan(c, DAY, PlanOptions(time_limit_s=1.0, workers=1, no_improvement=2000))
    s = plan_section(c, p)
    assert s.id == "logistics"
    assert s.title_zh and s.title_en
    html = s.html
    for text in (
        'data-figure="map-plan"',
        '"id":"route:',
        "成本构成",
        "Cost breakdown",
        "Integrated vs separate",
        "Expected spoilage by product",
        "苹果",
        "Vehicle routes",
    ):
        assert text in html, text
    assert any("penalty_yuan_per_kg" in item.item_zh for item in s.provenance)
    page = build_report(c, day=DAY, sections=[s])
    assert 'id="logistics"' in page


def test_logistics_is_a_registered_analysis() -> None:
    assert any(a.entry == "ruralflow.report.logistics:logistics_sections" for a in ANALYSES)


def test_day_without_flows_gives_a_note() -> None:
    [s] = logistics_sections(tiny_county(), None, ReportOptions(plan_seconds=0.5))
    assert "No down parcels" in s.html


def test_plan_section_states_the_baseline_bus_share_sorting_and_trunk() -> None:
    import dataclasses

    from ruralflow.domain import SourcedValue

    c = tiny_county()
    costs = dict(c.settings.costs)
    costs["hub_sorting_parcels_per_hour"] = SourcedValue(600.0, "parcels/h", "test")
    costs["front_warehouse_km"] = SourcedValue(250.0, "km", "test")
    c = c.replace(settings=dataclasses.replace(c.settings, costs=costs))
    p = plan(c, DAY, PlanOptions(time_limit_s=1.0, workers=1, no_improvement=2000))
    html = plan_section(c, p).html
    for text in (
        "Separate baseline: two one-way operations",
        "Bus share of parcels (%)",
        "City trunk to the front warehouse",
        "hub sorting 600 parcels/h",
        "city trunk 250 km",
        "Does the bus pay?",
        'class="bus-economics" data-operation="integrated"',
    ):
        assert text in html, text


def test_plan_section_shows_the_farmer_side_value_with_its_parameters() -> None:
    from ruralflow.logistics.farmer import farmer_value

    c = tiny_county()
    p = plan(c, DAY, PlanOptions(time_limit_s=1.0, workers=1, no_improvement=2000))
    html = plan_section(c, p).html
    fv = farmer_value(c, p)
    assert fv.villages, "the tiny county carries up produce on its day"
    assert "Farmer-side value of village pickup" in html and "农户侧价值" in html
    assert f"{fv.value_per_farmer_yuan:.1f} 元" in html
    for par in fv.parameters:  # every assumption shown with its range and source
        assert f"{par.low:g}-{par.high:g}" in html
