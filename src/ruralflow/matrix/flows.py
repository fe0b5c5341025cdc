"""The flows of the value matrix and their mapping onto input-output sectors.

A flow's direction comes from its name: ``down_*`` (to villages) or ``up_*`` (from
villages); any such key of ``economy.flows`` is a flow, so the set is extensible by
configuration. Each flow is also a vector of county final demand over IO sectors: the share of
one yuan of the flow that is output of each county sector (its local content). The default
mappings are below; a county overrides one flow's whole mapping with parameters
``sector.<flow>.<code>`` (for example ``sector.up_products.01: 0.8``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ruralflow.domain import SourcedValue
from ruralflow.matrix.errors import MatrixError

#: The four flows of the source paper, in display order.
STANDARD_FLOWS: tuple[str, ...] = ("down_goods", "down_services", "up_products", "up_tourism")

_LABELS: dict[str, tuple[str, str]] = {
    "down_goods": ("工业品下行", "goods down"),
    "down_services": ("服务下行", "services down"),
    "up_products": ("农产品上行", "farm products up"),
    "up_tourism": ("乡村旅游", "rural tourism"),
}

#: Flows that are e-commerce goods (the "重下行轻上行" diagnosis compares these).
GOODS_FLOWS: frozenset[str] = frozenset({"down_goods", "up_products"})


@dataclass(frozen=True, slots=True)
class FlowSpec:
    """One flow: name, direction (``down`` / ``up``), bilingual label, goods or not."""

    name: str
    direction: str
    label_zh: str
    label_en: str
    goods: bool

    @property
    def label(self) -> str:
        return f"{self.label_zh} / {self.label_en}"


def flow_spec(name: str) -> FlowSpec:
    """The spec of flow ``name``; a name without ``down_`` / ``up_`` raises MatrixError."""
    if name.startswith("down_"):
        direction = "down"
    elif name.startswith("up_"):
        direction = "up"
    else:
        raise MatrixError(
            f"economy.yaml: flow {name!r} must start with 'down_' (to villages) or 'up_' "
            f"(from villages) so that its direction is known"
        )
    zh, en = _LABELS.get(name, (name, name.replace("_", " ")))
    return FlowSpec(name, direction, zh, en, name in GOODS_FLOWS)


def order_flows(names: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Standard flows first in their order, then the others, down before up, by name."""
    std = [f for f in STANDARD_FLOWS if f in names]
    rest = sorted((f for f in names if f not in STANDARD_FLOWS), key=lambda f: (f[:2], f))
    return (*std, *rest)


@dataclass(frozen=True, slots=True)
class SectorMapping:
    """Local content of one yuan of a flow by IO sector code, with the source of the split."""

    shares: Mapping[str, float]
    source: str

    @property
    def local_content(self) -> float:
        return float(sum(self.shares.values()))


def _last_mile_share(costs: Mapping[str, SourcedValue], parcel_value: float) -> tuple[float, str]:
    lm = costs.get("last_mile_yuan_per_parcel")
    yuan = lm.value if lm is not None else 2.0
    src = lm.source if lm is not None else "PARAMS.md s3 GAP, suggested default 1.5-3 yuan"
    share = yuan / parcel_value if parcel_value > 0 else 0.0
    return share, f"29 transport and post: last mile {yuan:g} yuan/parcel ({src}) / parcel value"


def default_mappings(
    costs: Mapping[str, SourcedValue], params: Mapping[str, SourcedValue]
) -> dict[str, SectorMapping]:
    """The default sector mappings of the four standard flows."""
    parcel = params["parcel_value_yuan"].value if "parcel_value_yuan" in params else 60.0
    lm_share, lm_src = _last_mile_share(costs, parcel)
    return {
        "down_goods": SectorMapping(
            {"28": 0.05, "29": round(lm_share, 4)},
            f"{lm_src} {parcel:g} yuan (D); 28 wholesale and retail: assumption, station and "
            "county e-commerce margin 5 % (the goods themselves are made outside the county)",
        ),
        "down_services": SectorMapping(
            {"38": 0.10, "32": 0.05, "31": 0.05},
            "assumption: 20 % of a service transaction's value is local output (station "
            "commission, local service providers): 38 resident services 10 %, 32 finance 5 %, "
            "31 information services 5 %",
        ),
        "up_products": SectorMapping(
            {"01": 0.90, "06": 0.10},
            "assumption: farm-gate value, 90 % fresh produce (01 agriculture) and 10 % processed "
            "in the county (06 food: dried fruit, juice, gift boxes)",
        ),
        "up_tourism": SectorMapping(
            {"30": 0.60, "41": 0.20, "28": 0.20},
            "assumption: visitor spending 60 % accommodation and catering (30), 20 % culture "
            "and entertainment (41), 20 % local shops (28)",
        ),
    }


def sector_mappings(
    flows: tuple[str, ...],
    costs: Mapping[str, SourcedValue],
    params: Mapping[str, SourcedValue],
) -> dict[str, SectorMapping]:
    """Mappings of ``flows``: ``sector.<flow>.<code>`` parameters replace a flow's default."""
    base = default_mappings(costs, params)
    out: dict[str, SectorMapping] = {}
    for f in flows:
        prefix = f"sector.{f}."
        given = {k[len(prefix) :].zfill(2): v for k, v in params.items() if k.startswith(prefix)}
        if given:
            bad = [k for k, v in given.items() if not 0.0 <= v.value <= 1.0]
            if bad:
                raise MatrixError(f"economy.yaml: parameters {prefix}{bad[0]} must be in [0, 1]")
            out[f] = SectorMapping(
                {k: v.value for k, v in sorted(given.items())},
                "; ".join(f"{k}: {v.source}" for k, v in sorted(given.items())),
            )
        elif f in base:
            out[f] = base[f]
        else:
            out[f] = SectorMapping({}, "assumption: no sector mapping given (no local content)")
    return out
