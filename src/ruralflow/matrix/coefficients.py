"""Estimate the coefficients ``M[i, j]`` of the value matrix from stated, sourced inputs.

Links (``k`` is any flow; ``y_k`` the county household income per yuan of ``k``, from the
county IO model, see :mod:`ruralflow.matrix.county_io`):

* income spent online, for every flow ``k``:
  ``k -> down_goods = y_k * c * g * o`` and ``k -> down_services = y_k * c * (1 - g) * o_s``
  with ``c`` the rural propensity to consume, ``g`` the goods share of rural household
  consumption (IO table), ``o`` the online share of goods retail, ``o_s`` the online share of
  service spending. For ``up_products`` this is the farm income share spent online;
* logistics: ``down_goods -> up_products = s * e``: ``s`` the logistics cost saved per yuan
  of down volume (the planner's integrated-vs-separate saving when one is given, else a
  documented default), ``e`` the supply response (yuan of up value per yuan of saving passed
  to producers: with a farm-gate price ``p`` and saving ``ds`` per unit, ``dQ/Q = e ds/p``);
* brand spill-over ``up_products -> up_tourism``; repeat online purchases by visitors
  ``up_tourism -> up_products``;
* any cell set directly by a parameter ``coef.<from>.<to>`` (value and source from
  ``economy.yaml``), which replaces the estimate.

Every other cell is 0 with the source "no link modelled". Each coefficient keeps its formula
and the sourced inputs that produced it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from ruralflow.domain import SourcedValue
from ruralflow.matrix.errors import MatrixError

Array = NDArray[np.float64]

NO_LINK = "no link modelled (0)"


@dataclass(frozen=True)
class Coefficient:
    """``M[source, target]`` with the formula and the sourced inputs that produced it."""

    source: str
    target: str
    value: float
    formula: str
    inputs: tuple[tuple[str, SourcedValue], ...]
    origin: str
    meaning: str = ""

    @property
    def key(self) -> str:
        return f"{self.source}->{self.target}"

    @property
    def is_assumption(self) -> bool:
        """True when the value or any of its inputs rests (even partly) on an assumption."""
        return "assumption" in self.origin.lower() or any(
            "assumption" in v.source.lower() for _, v in self.inputs
        )

    @property
    def is_link(self) -> bool:
        return self.origin != NO_LINK

    def to_dict(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "value": round(self.value, 8),
            "formula": self.formula,
            "meaning": self.meaning,
            "origin": self.origin,
            "assumption": self.is_assumption,
            "inputs": {
                k: {"value": v.value, "unit": v.unit, "source": v.source} for k, v in self.inputs
            },
        }


def _need(params: Mapping[str, SourcedValue], name: str) -> SourcedValue:
    try:
        return params[name]
    except KeyError:
        raise MatrixError(f"parameter {name!r} is missing (no default either)") from None


def saving_per_yuan(params: Mapping[str, SourcedValue]) -> SourcedValue:
    """``s``: a given ``logistics_saving_yuan_per_yuan``, else per-parcel saving / parcel value."""
    if "logistics_saving_yuan_per_yuan" in params:
        return params["logistics_saving_yuan_per_yuan"]
    per_parcel = _need(params, "logistics_saving_yuan_per_parcel")
    value = _need(params, "parcel_value_yuan")
    if value.value <= 0:
        raise MatrixError(f"parcel_value_yuan must be > 0 (got {value.value!r})")
    src = f"{per_parcel.source}; / parcel value {value.value:g} yuan ({value.source})"
    return SourcedValue(per_parcel.value / value.value, "yuan/yuan", src)


def estimate(
    flows: tuple[str, ...],
    params: Mapping[str, SourcedValue],
    income: Mapping[str, SourcedValue],
    goods_share: SourcedValue,
) -> tuple[Array, list[Coefficient]]:
    """``M`` (rows: inducing flow, columns: induced flow) and every cell's coefficient."""
    n = len(flows)
    idx = {f: i for i, f in enumerate(flows)}
    cells: dict[tuple[str, str], Coefficient] = {}
    c = _need(params, "rural_propensity_to_consume")
    if "down_goods" in idx:
        o = _need(params, "online_share_of_goods_retail")
        for k in flows:
            y = income[k]
            val = y.value * c.value * goods_share.value * o.value
            cells[(k, "down_goods")] = Coefficient(
                k,
                "down_goods",
                val,
                "y_k * c * g * o",
                (("y_k", y), ("c", c), ("g", goods_share), ("o", o)),
                "formula",
                "household income per yuan of the flow x propensity to consume x goods share "
                "of consumption x online share of goods retail",
            )
    if "down_services" in idx:
        o_s = _need(params, "online_share_of_services")
        services = SourcedValue(1.0 - goods_share.value, "share", f"1 - g ({goods_share.source})")
        for k in flows:
            y = income[k]
            val = y.value * c.value * services.value * o_s.value
            cells[(k, "down_services")] = Coefficient(
                k,
                "down_services",
                val,
                "y_k * c * (1 - g) * o_s",
                (("y_k", y), ("c", c), ("1-g", services), ("o_s", o_s)),
                "formula",
                "household income per yuan of the flow x propensity to consume x services "
                "share of consumption x online share of services",
            )
    if "down_goods" in idx and "up_products" in idx:
        s = saving_per_yuan(params)
        e = _need(params, "supply_response_elasticity")
        cells[("down_goods", "up_products")] = Coefficient(
            "down_goods",
            "up_products",
            s.value * e.value,
            "s * e",
            (("s", s), ("e", e)),
            "formula",
            "logistics cost saved per yuan of down volume x supply response of up producers",
        )
    if "up_products" in idx and "up_tourism" in idx:
        brand = _need(params, "brand_spillover_to_tourism")
        cells[("up_products", "up_tourism")] = Coefficient(
            "up_products", "up_tourism", brand.value, "", (), brand.source
        )
        r = _need(params, "tourist_online_repurchase")
        cells[("up_tourism", "up_products")] = Coefficient(
            "up_tourism", "up_products", r.value, "", (), r.source
        )
    for key, sv in params.items():
        if not key.startswith("coef."):
            continue
        parts = key.split(".")
        if len(parts) != 3 or parts[1] not in idx or parts[2] not in idx:
            raise MatrixError(
                f"economy.yaml: parameter {key!r} must be coef.<from>.<to> with two flows of "
                f"economy.flows ({', '.join(flows)})"
            )
        cells[(parts[1], parts[2])] = Coefficient(parts[1], parts[2], sv.value, "", (), sv.source)
    m: Array = np.zeros((n, n))
    out: list[Coefficient] = []
    for a in flows:
        for b in flows:
            cell = cells.get((a, b)) or Coefficient(a, b, 0.0, "", (), NO_LINK)
            m[idx[a], idx[b]] = cell.value
            out.append(cell)
    return m, out
