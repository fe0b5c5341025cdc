"""Shared test helpers: a tiny hand-made county, the packaged data and the path to ../shared.

Tests that read ../shared take the ``shared`` fixture of ``conftest.py`` (skipped without it);
tests that only need the real data read the packaged copy, :data:`DATA`.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ruralflow.data import packaged_data_root
from ruralflow.domain import (
    BusLine,
    County,
    CountySettings,
    DownDemand,
    Economy,
    Place,
    Product,
    SourcedValue,
    UpSupply,
    VehicleType,
)

REPO = Path(__file__).resolve().parents[1]
#: ``../shared`` beside the checkout: use it through the ``shared`` fixture (conftest.py).
SHARED = REPO.parent / "shared"
#: The real data shipped inside the package (ruralflow/data), whatever $RURALFLOW_DATA says.
DATA = packaged_data_root()
DAY = dt.date(2025, 9, 1)

# A 0.2 x 0.2 degree square around (108.5, 34.5): the tiny county's boundary.
SQUARE = {
    "type": "Polygon",
    "coordinates": [[[108.4, 34.4], [108.6, 34.4], [108.6, 34.6], [108.4, 34.6], [108.4, 34.4]]],
}


def tiny_county() -> County:
    """Hub, two townships, three villages, one product, two vehicle types, one bus line."""
    places = (
        Place("HUB", "county_hub", "县中心", 108.50, 34.50, adcode="610425"),
        Place("T1", "township_station", "甲镇", 108.45, 34.45, adcode="610425101", parent="HUB"),
        Place("T2", "township_station", "乙镇", 108.55, 34.55, adcode="610425102", parent="HUB"),
        Place(
            "V1",
            "village",
            "一村",
            108.44,
            34.44,
            adcode="610425101201",
            parent="T1",
            households=120,
            coord_source="synthetic",
        ),
        Place(
            "V2",
            "village",
            "二村",
            108.46,
            34.43,
            adcode="610425101202",
            parent="T1",
            households=80,
        ),
        Place(
            "V3",
            "village",
            "三村",
            108.56,
            34.56,
            adcode="610425102201",
            parent="T2",
            households=200,
            open_min=7 * 60,
            close_min=19 * 60,
        ),
    )
    settings = CountySettings(
        adcode="610425",
        name="小县",
        name_en="Tiny",
        hub="HUB",
        monthly_mean_temp_c=(-1, 2, 8, 14, 20, 24, 26, 25, 20, 14, 6, 0),
        detour_factor=SourcedValue(1.3, "ratio", "assumption"),
        costs={"penalty_yuan_per_kg": SourcedValue(5.0, "yuan/kg", "assumption")},
        sources={"places": "hand-made test data"},
        synthetic=("village coordinates",),
    )
    return County(
        settings=settings,
        places=places,
        products=(Product("apple", "苹果", "fruit", 4.0, 30.0, 20.0, 2.5, -1.0, name_en="apple"),),
        vehicle_types=(
            VehicleType("van", "van", 2, 1000.0, 8.0, 150.0, 1.2, 40.0, 8.0, co2_kg_per_km=0.25),
            VehicleType(
                "reefer",
                "reefer",
                1,
                800.0,
                6.0,
                250.0,
                1.8,
                40.0,
                8.0,
                temperature_class="chilled",
            ),
        ),
        bus_lines=(BusLine("B1", "县城-甲镇", ("HUB", "T1"), (7 * 60, 13 * 60), 100.0, 0.2, 1.0),),
        demand_down=(
            DownDemand(DAY, "V1", 10, 25.0, 0.2),
            DownDemand(DAY, "V3", 4, 12.5, 0.1, cold=True),
        ),
        supply_up=(UpSupply("B-1", DAY, "V2", "apple", 300.0, ready_min=9 * 60),),
        economy=Economy(
            flows={"down_goods": SourcedValue(1.0e8, "yuan/year", "assumption")},
            parameters={"online_share_of_goods_retail": SourcedValue(0.2, "share", "assumption")},
            sector_shares={"01": 0.05},
        ),
        boundary=SQUARE,
    )
