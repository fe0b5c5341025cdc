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
        "assumption, range 0.05 .. 0.25: share of household service spending (payments, "
        "bills, bookings) made online or through village stations",
    ),
    "supply_response_elasticity": SourcedValue(
        0.3,
        "elasticity",
        "assumption, range 0.1 .. 0.6: up supply response to a lower logistics cost (yuan of up "
        "value per yuan of logistics saving passed on)",
    ),
    "logistics_saving_yuan_per_parcel": SourcedValue(
        round(760_000 / (39_000 * 365), 4),
        "yuan/parcel",
        "assumption, range 0.0267 .. 0.107 (half to twice Shiping's figure), used only when "
        "no plan or season measures the saving: 760,000 / (39,000 x 365) = 0.0534 yuan per "
        f"inbound parcel; {_SHIPING}",
    ),
    "parcel_value_yuan": SourcedValue(
        98.6,
        "yuan/parcel",
        "D: NBS 2023 online retail of physical goods 13.0174 trillion yuan / State Post Bureau "
        "2023 express parcels 132.07 billion = 98.6 yuan per parcel (national mean; rural "
        "parcels are cheaper: range 40 .. 100)",
    ),
    "brand_spillover_to_tourism": SourcedValue(
        0.02,
        "yuan/yuan",
        "assumption, range 0 .. 0.05: tourism induced per yuan of branded up flow",
    ),
    "tourist_online_repurchase": SourcedValue(
        0.03,
        "yuan/yuan",
        "assumption, range 0 .. 0.06: farm products bought online again per yuan a visitor "
        "spends in the county",
    ),
    "brand_premium": SourcedValue(
        0.15,
        "share",
        "assumption, range 0.05 .. 0.3 (no engine models brand premiums): price premium of a "
        "regional public brand; the source paper reports 60 % for 袁家村's integrated (三产融合) "
        "products, an upper bound for a whole county",
    ),
    "training_seller_increase": SourcedValue(
        0.10,
        "share",
        "assumption, range 0 .. 0.2 (no engine models training): a county training programme "
        "(村播学院 model, source paper 4.2.1) adds 10 % active online sellers, and up value "
        "grows in proportion",
    ),
    "cold_hub_coverage": SourcedValue(
        1.0,
        "share",
        "assumption, range 0.3 .. 1: share of up produce the cold hub moves from the ambient "
        "chain to the full cold chain (1 is an upper bound)",
    ),
    "balance_threshold": SourcedValue(
        0.5,
        "ratio",
        "convention of the diagnosis (a reading threshold, not a measured input): up/down "
        "below 0.5 is diagnosed 重下行轻上行, above 2 重上行轻下行",
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
