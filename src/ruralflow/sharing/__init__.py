"""Benefit sharing and price risk (利益联结与价格风险): contracts, exact settlement, price
models fitted to real wholesale series, Monte Carlo of contract designs, a price-risk fund.

One front door per job, each returning a result with ``summary()`` and ``to_dict()``:

* :func:`settle` ``(book, deliveries, prices) -> Settlement`` — exact (integer fen) settlement
  of a season;
* :func:`fit_price_model` ``(series) -> PriceModel`` — the seasonal AR(1)-t model of a real
  series (a :class:`PriceSeries`), checked with :func:`check_fit` ``-> FitCheck``;
* :func:`simulate` ``(designs, model, season) -> SimulationResult`` — every design on the
  same price paths; :func:`compare` ``-> Comparison`` ranks them;
  :func:`cheapest_contribution` ``-> FundSearch`` sizes a fund;
The engine reads no files and knows no bundle: :mod:`ruralflow.bundle.sharing_case` reads a
bundle's contract files and the real price series and calls it (``settle_bundle``,
``prepare``, ``load``); the Xinfadi series are loaded by :mod:`ruralflow.bundle.price_data`.
Errors derive from :class:`SharingError` (a :class:`~ruralflow.domain.DomainError`).

See ``docs/contracts.md``. Names are imported lazily (the CLI loads this package at start).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruralflow.sharing.contracts import DEFAULT_GRADE_FACTORS as DEFAULT_GRADE_FACTORS
    from ruralflow.sharing.contracts import Contract as Contract
    from ruralflow.sharing.contracts import ContractBook as ContractBook
    from ruralflow.sharing.contracts import ContractBookError as ContractBookError
    from ruralflow.sharing.contracts import ContractType as ContractType
    from ruralflow.sharing.contracts import Fund as Fund
    from ruralflow.sharing.contracts import Member as Member
    from ruralflow.sharing.contracts import PriceTerms as PriceTerms
    from ruralflow.sharing.errors import SharingError as SharingError
    from ruralflow.sharing.money import ROUNDING_RULE as ROUNDING_RULE
    from ruralflow.sharing.money import allocate as allocate
    from ruralflow.sharing.money import fmt_yuan as fmt_yuan
    from ruralflow.sharing.money import to_fen as to_fen
    from ruralflow.sharing.prices import FitCheck as FitCheck
    from ruralflow.sharing.prices import PriceDataError as PriceDataError
    from ruralflow.sharing.prices import PriceModel as PriceModel
    from ruralflow.sharing.prices import PriceSeries as PriceSeries
    from ruralflow.sharing.prices import check_fit as check_fit
    from ruralflow.sharing.prices import fit_price_model as fit_price_model
    from ruralflow.sharing.settlement import Delivery as Delivery
    from ruralflow.sharing.settlement import PriceBook as PriceBook
    from ruralflow.sharing.settlement import PriceLevel as PriceLevel
    from ruralflow.sharing.settlement import PriceQuote as PriceQuote
    from ruralflow.sharing.settlement import Settlement as Settlement
    from ruralflow.sharing.settlement import SettlementError as SettlementError
    from ruralflow.sharing.settlement import settle as settle
    from ruralflow.sharing.simulation import Comparison as Comparison
    from ruralflow.sharing.simulation import Design as Design
    from ruralflow.sharing.simulation import DesignOutcome as DesignOutcome
    from ruralflow.sharing.simulation import Farm as Farm
    from ruralflow.sharing.simulation import FundSearch as FundSearch
    from ruralflow.sharing.simulation import Season as Season
    from ruralflow.sharing.simulation import SideSelling as SideSelling
    from ruralflow.sharing.simulation import SimulationResult as SimulationResult
    from ruralflow.sharing.simulation import cheapest_contribution as cheapest_contribution
    from ruralflow.sharing.simulation import compare as compare
    from ruralflow.sharing.simulation import default_designs as default_designs
    from ruralflow.sharing.simulation import simulate as simulate

_WHERE = {
    "contracts": (
        "DEFAULT_GRADE_FACTORS",
        "Contract",
        "ContractBook",
        "ContractBookError",
        "ContractType",
        "Fund",
        "Member",
        "PriceTerms",
    ),
    "errors": ("SharingError",),
    "money": ("ROUNDING_RULE", "allocate", "fmt_yuan", "to_fen"),
    "prices": (
        "FitCheck",
        "PriceDataError",
        "PriceModel",
        "PriceSeries",
        "check_fit",
        "fit_price_model",
    ),
    "settlement": (
        "Delivery",
        "PriceBook",
        "PriceLevel",
        "PriceQuote",
        "Settlement",
        "SettlementError",
        "settle",
    ),
    "simulation": (
        "Comparison",
        "Design",
        "DesignOutcome",
        "Farm",
        "FundSearch",
        "Season",
        "SideSelling",
        "SimulationResult",
        "cheapest_contribution",
        "compare",
        "default_designs",
        "simulate",
    ),
}
_MODULE = {name: module for module, names in _WHERE.items() for name in names}
__all__ = sorted(_MODULE)


def __getattr__(name: str) -> Any:
    module = _MODULE.get(name)
    if module is None:
        raise AttributeError(f"module 'ruralflow.sharing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"ruralflow.sharing.{module}"), name)
