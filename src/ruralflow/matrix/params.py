"""Default parameters of the value matrix, each with its unit and source.

A county's ``economy.yaml`` ``parameters`` override any of these by name. A default without a
citable source says ``assumption`` at the start of its source (the report marks it so).
"""

from __future__ import annotations

from collections.abc import Mapping

from ruralflow.domain import SourcedValue

_SHIPING = (
    "PARAMS.md s3, Shiping county hub (云南日报, conf. B): couriers save 760,000 yuan a year "
    "on 39,000 inbound parcels a day"
)

#: Parameters of the coefficients and scenarios (name -> default with source).
DEFAULTS: dict[str, SourcedValue] = {
    "rural_propensity_to_consume": SourcedValue(
        round(19280 / 23119, 4),
        "yuan/yuan",
        "NBS, 2024年居民收入和消费支出情况 (2025-01-17): rural per-capita consumption 19,280 "
        "yuan / disposable income 23,119 yuan (D)",
    ),
    "online_share_of_goods_retail": SourcedValue(
        0.276,
        "share",
        "NBS via CNNIC 53rd Statistical Report on Internet Development (2024-03): online "
        "retail of physical goods was 27.6 % of total retail sales of consumer goods in 2023",
    ),
    "online_share_of_services": SourcedValue(
        0.10,
        "share",
        "assumption: share of household service spending (payments, bills, bookings) made "
        "online or through village stations",
    ),
    "supply_response_elasticity": SourcedValue(
        0.3,
        "elasticity",
        "assumption: up supply response to a lower logistics cost",
    ),
    "logistics_saving_yuan_per_parcel": SourcedValue(
        round(760_000 / (39_000 * 365), 4),
        "yuan/parcel",
        "assumption (default when no planner saving is given): 760,000 / (39,000 x 365) = "
        f"0.0534 yuan per inbound parcel; {_SHIPING}",
    ),
    "parcel_value_yuan": SourcedValue(60.0, "yuan/parcel", "assumption"),
    "brand_spillover_to_tourism": SourcedValue(
        0.02, "yuan/yuan", "assumption: tourism induced per yuan of branded up flow"
    ),
    "tourist_online_repurchase": SourcedValue(
        0.03,
        "yuan/yuan",
        "assumption: farm products bought online again per yuan a visitor spends in the county",
    ),
    "bus_saving_factor": SourcedValue(
        round((760_000 + 300_000 + 200_000) / 760_000, 3),
        "ratio",
        "D: (courier saving 760,000 + bus company 300,000 + drivers 200,000) / courier saving "
        "760,000 yuan a year when buses carry the parcels; " + _SHIPING,
    ),
    "brand_premium": SourcedValue(
        0.15,
        "share",
        "assumption: price premium of a regional public brand; the source paper reports 60 % "
        "for 袁家村's integrated (三产融合) products, an upper bound for a whole county",
    ),
    "training_seller_increase": SourcedValue(
        0.10,
        "share",
        "assumption: a county training programme (村播学院 model, source paper 4.2.1) adds 10 % "
        "active online sellers, and up value grows in proportion",
    ),
    "cold_hub_coverage": SourcedValue(
        1.0,
        "share",
        "assumption: the cold hub moves all up produce from the ambient chain to the full "
        "cold chain (an upper bound)",
    ),
    "balance_threshold": SourcedValue(
        0.5,
        "ratio",
        "assumption: up/down below 0.5 is diagnosed 重下行轻上行, above 2 重上行轻下行",
    ),
}

#: Used when the county's IO table cannot be read (labour income per unit output).
FALLBACK_LABOUR_SHARE: dict[str, float] = {
    "01": 0.5927,
    "06": 0.0822,
    "28": 0.3027,
    "29": 0.2152,
    "30": 0.2003,
    "31": 0.1941,
    "32": 0.2571,
    "38": 0.4117,
    "41": 0.3261,
}
FALLBACK_LABOUR_SOURCE = (
    "NBS 2017 national 42-sector table, VA001/GO (values embedded in ruralflow.matrix.params, "
    "used because the county's IO table was not found)"
)
FALLBACK_GOODS_SHARE = SourcedValue(
    0.509,
    "share",
    "Shaanxi 2017 IO table, rural household consumption FU101 of goods (sectors 01-26) / total "
    "(value embedded in ruralflow.matrix.params, used because the IO table was not found)",
)


def resolve(economy_params: Mapping[str, SourcedValue]) -> dict[str, SourcedValue]:
    """The defaults overridden by a county's ``economy.parameters`` (every key of both)."""
    out = dict(DEFAULTS)
    out.update(economy_params)
    return out
