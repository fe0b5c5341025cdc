"""Inputs of the convection value matrix and the county input-output layer."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from ruralflow.domain import _check


@dataclass(frozen=True, slots=True)
class SourcedValue:
    """A number with its unit and where it comes from ("assumption" when unsourced)."""

    value: float
    unit: str
    source: str = "assumption"
    note: str = ""

    def __post_init__(self) -> None:
        _check.number("SourcedValue", "value", self.value, min_value=None)
        _check.text("SourcedValue", "unit", self.unit)
        _check.text("SourcedValue", "source", self.source)

    @property
    def is_assumption(self) -> bool:
        return self.source.strip().lower().startswith("assumption")


@dataclass(frozen=True, slots=True)
class Economy:
    """The county's economy inputs (``economy.yaml``).

    ``flows`` are direct annual values per flow (yuan/year), keyed by flow name
    (``down_goods``, ``down_services``, ``up_products``, ``up_tourism``, ...).
    ``parameters`` are propensities, shares and elasticities used to estimate the matrix
    coefficients. ``sector_shares`` are the county's shares of the province's output per IO
    sector code (for location quotients). ``io_table`` names the IO table to regionalise.
    """

    flows: Mapping[str, SourcedValue] = field(default_factory=dict)
    parameters: Mapping[str, SourcedValue] = field(default_factory=dict)
    sector_shares: Mapping[str, float] = field(default_factory=dict)
    io_table: str = ""
    year: int = 0

    def __post_init__(self) -> None:
        for k, v in self.flows.items():
            _check.ident("Economy", "flows", k)
            _check.number(f"Economy flow {k!r}", "value", v.value)
        for k in self.parameters:
            _check.ident("Economy", "parameters", k)
        for k, s in self.sector_shares.items():
            _check.number(f"Economy sector {k!r}", "sector_shares", s, max_value=1.0)
