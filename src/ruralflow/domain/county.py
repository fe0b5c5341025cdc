"""The county: settings, network, products, fleet, bus lines, flows and economy in one object."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property
from typing import Any

from ruralflow.domain import _check
from ruralflow.domain.economy import Economy, SourcedValue
from ruralflow.domain.errors import CountyError, FieldError, Problem
from ruralflow.domain.fleet import BusLine, VehicleType
from ruralflow.domain.flows import DownDemand, UpSupply
from ruralflow.domain.places import Place, PlaceKind
from ruralflow.domain.products import Product

_NOT_PLACE = "不是地点编号 / is not a place id"
_NOT_VILLAGE = "不是村编号 / is not a village id"


class Crs(StrEnum):
    """Coordinate reference systems a bundle may be written in."""

    WGS84 = "wgs84"
    GCJ02 = "gcj02"
    BD09 = "bd09"


@dataclass(frozen=True, slots=True)
class CountySettings:
    """``county.yaml``: identity, hub, climate, detour factor, cost parameters and sources.

    ``crs`` is the system the bundle's coordinates are written in; the domain objects always
    hold WGS84. ``monthly_mean_temp_c`` has 12 values (January..December). ``costs`` holds
    cost parameters (yuan) with their sources. ``sources`` maps a topic to where its numbers
    come from. ``synthetic`` lists the parts of the bundle that are generated, not observed.
    """

    adcode: str
    name: str
    hub: str
    monthly_mean_temp_c: tuple[float, ...]
    detour_factor: SourcedValue
    name_en: str = ""
    province: str = ""
    city: str = ""
    crs: Crs = Crs.WGS84
    costs: Mapping[str, SourcedValue] = field(default_factory=dict)
    sources: Mapping[str, str] = field(default_factory=dict)
    synthetic: tuple[str, ...] = ()
    season_start: dt.date | None = None
    season_end: dt.date | None = None
    coarse: bool = False

    def __post_init__(self) -> None:
        owner = "county"
        _check.adcode(owner, "adcode", self.adcode, (6,))
        _check.text(owner, "name", self.name)
        _check.ident(owner, "hub", self.hub)
        if not isinstance(self.crs, Crs):
            crs = self.crs.lower() if isinstance(self.crs, str) else self.crs
            object.__setattr__(self, "crs", _check.one_of(owner, "crs", crs, Crs))
        temps = tuple(self.monthly_mean_temp_c)
        if len(temps) != 12:
            raise FieldError(
                owner,
                "monthly_mean_temp_c",
                list(temps),
                "须有 12 个月的数值 / must have 12 values",
            )
        for t in temps:
            _check.number(owner, "monthly_mean_temp_c", t, min_value=-40.0, max_value=45.0)
        object.__setattr__(self, "monthly_mean_temp_c", tuple(float(t) for t in temps))
        _check.number(
            owner, "detour_factor", self.detour_factor.value, min_value=1.0, max_value=4.0
        )
        object.__setattr__(self, "synthetic", tuple(self.synthetic))
        if self.season_start and self.season_end and self.season_end < self.season_start:
            raise FieldError(
                owner,
                "season_end",
                str(self.season_end),
                "早于季节开始日 / is before season_start",
            )

    def mean_temp_c(self, day: dt.date) -> float:
        """Monthly mean air temperature for ``day`` (degC)."""
        return self.monthly_mean_temp_c[day.month - 1]

    def cost(self, key: str, default: float) -> float:
        v = self.costs.get(key)
        return default if v is None else v.value


@dataclass(frozen=True)
class County:
    """A whole county, validated across objects when built.

    Build it from a bundle (``ruralflow.bundle.read_bundle``) or directly. Construction raises
    :class:`CountyError` listing every cross-reference problem (unknown ids, duplicates, a
    village whose township is missing, a bus line stopping at an unknown place, ...).
    """

    settings: CountySettings
    places: tuple[Place, ...]
    products: tuple[Product, ...] = ()
    vehicle_types: tuple[VehicleType, ...] = ()
    bus_lines: tuple[BusLine, ...] = ()
    demand_down: tuple[DownDemand, ...] = ()
    supply_up: tuple[UpSupply, ...] = ()
    economy: Economy = field(default_factory=Economy)
    # ``boundary``: GeoJSON geometry (Polygon/MultiPolygon) of the county, WGS84.
    # ``roads``: optional GeoJSON FeatureCollection of LineStrings (WGS84), a road graph.
    boundary: Mapping[str, Any] | None = None
    roads: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        for name in (
            "places",
            "products",
            "vehicle_types",
            "bus_lines",
            "demand_down",
            "supply_up",
        ):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        problems = self.find_problems()
        if problems:
            raise CountyError(problems)

    # ------------------------------------------------------------------ checks
    def find_problems(self) -> list[Problem]:
        """Every cross-object problem, in file order (empty when the county is consistent)."""
        out: list[Problem] = []
        out += _duplicates("places", "id", [p.id for p in self.places])
        out += _duplicates("products", "id", [p.id for p in self.products])
        out += _duplicates("vehicle_types", "id", [v.id for v in self.vehicle_types])
        out += _duplicates("bus_lines", "id", [b.id for b in self.bus_lines])
        out += _duplicates("supply_up", "batch", [s.batch for s in self.supply_up])
        out += _duplicates(
            "demand_down",
            "village",
            [f"{d.day}/{d.village}/{'cold' if d.cold else 'ambient'}" for d in self.demand_down],
        )
        out += self._outside_county()
        out += self._outside_season()
        by_id = {p.id: p for p in self.places}
        hub = by_id.get(self.settings.hub)
        if hub is None:
            out.append(Problem("county", None, "hub", self.settings.hub, _NOT_PLACE))
        elif hub.kind is not PlaceKind.COUNTY_HUB:
            out.append(
                Problem(
                    "county",
                    None,
                    "hub",
                    self.settings.hub,
                    f"是 {hub.kind}，不是 county_hub / is a {hub.kind}, not county_hub",
                )
            )
        for i, p in enumerate(self.places):
            if p.kind is PlaceKind.VILLAGE:
                parent = by_id.get(p.parent)
                if parent is None:
                    out.append(
                        Problem(
                            "places",
                            i,
                            "parent",
                            p.parent,
                            "不是乡镇站编号 / names no township station",
                        )
                    )
                elif parent.kind is not PlaceKind.TOWNSHIP_STATION:
                    out.append(
                        Problem(
                            "places",
                            i,
                            "parent",
                            p.parent,
                            f"是 {parent.kind}，不是乡镇站 / is a {parent.kind}, not a township",
                        )
                    )
                elif (
                    parent.adcode
                    and p.adcode
                    and p.adcode[:9] != parent.adcode
                    and parent.adcode.startswith(self.settings.adcode)  # else: reported there
                ):
                    out.append(
                        Problem(
                            "places",
                            i,
                            "adcode",
                            p.adcode,
                            f"不属于乡镇 {parent.id} ({parent.adcode}) / does not lie in township "
                            f"{parent.id} ({parent.adcode})",
                        )
                    )
            elif p.parent and p.parent not in by_id:
                out.append(Problem("places", i, "parent", p.parent, _NOT_PLACE))
        products = {p.id for p in self.products}
        for i, v in enumerate(self.vehicle_types):
            if v.depot and v.depot not in by_id:
                out.append(Problem("vehicle_types", i, "depot", v.depot, _NOT_PLACE))
        for i, b in enumerate(self.bus_lines):
            for stop in b.stops:
                if stop not in by_id:
                    out.append(Problem("bus_lines", i, "stops", stop, _NOT_PLACE))
        villages = {p.id for p in self.places if p.kind is PlaceKind.VILLAGE}
        for i, d in enumerate(self.demand_down):
            if d.village not in villages:
                out.append(Problem("demand_down", i, "village", d.village, _NOT_VILLAGE))
        for i, s in enumerate(self.supply_up):
            if s.village not in villages:
                out.append(Problem("supply_up", i, "village", s.village, _NOT_VILLAGE))
            if s.product not in products:
                out.append(
                    Problem(
                        "supply_up", i, "product", s.product, "不是产品编号 / is not a product id"
                    )
                )
        return out

    def _outside_county(self) -> list[Problem]:
        """Places whose division code is another county's (front warehouses sit in cities)."""
        code = self.settings.adcode
        coded = [p for p in self.places if p.adcode and p.kind is not PlaceKind.FRONT_WAREHOUSE]
        if len(coded) > 1 and not any(p.adcode.startswith(code) for p in coded):
            return [
                Problem(
                    "county",
                    None,
                    "adcode",
                    code,
                    f"places.csv 中没有一个地点属于县 {code}：county.yaml 的 adcode 写错了？"
                    f" / no place in places.csv lies in county {code}: is county.yaml's adcode "
                    "wrong?",
                )
            ]
        return [
            Problem(
                "places",
                i,
                "adcode",
                p.adcode,
                f"不属于本县 {code}（区划代码须以 {code} 开头）/ is not in county {code} "
                f"(the code must start with {code})",
            )
            for i, p in enumerate(self.places)
            if p.adcode
            and not p.adcode.startswith(code)
            and p.kind is not PlaceKind.FRONT_WAREHOUSE
        ]

    def _outside_season(self) -> list[Problem]:
        """Flow rows dated outside ``county.yaml`` ``season`` (when it is given)."""
        start, end = self.settings.season_start, self.settings.season_end
        if start is None or end is None:
            return []
        msg = (
            f"不在季节 {start} .. {end} 内（county.yaml season）/ is outside the season "
            f"{start} .. {end} (county.yaml season)"
        )
        days = {
            "demand_down": [d.day for d in self.demand_down],
            "supply_up": [s.day for s in self.supply_up],
        }
        return [
            Problem(name, i, "day", str(day), msg)
            for name, col in days.items()
            for i, day in enumerate(col)
            if not start <= day <= end
        ]

    # ------------------------------------------------------------------ lookups
    @cached_property
    def place_by_id(self) -> dict[str, Place]:
        return {p.id: p for p in self.places}

    @cached_property
    def product_by_id(self) -> dict[str, Product]:
        return {p.id: p for p in self.products}

    @property
    def adcode(self) -> str:
        return self.settings.adcode

    @property
    def name(self) -> str:
        return self.settings.name

    @property
    def hub(self) -> Place:
        return self.place_by_id[self.settings.hub]

    def places_of_kind(self, kind: PlaceKind | str) -> list[Place]:
        k = PlaceKind(kind)
        return [p for p in self.places if p.kind is k]

    @property
    def townships(self) -> list[Place]:
        return self.places_of_kind(PlaceKind.TOWNSHIP_STATION)

    @property
    def villages(self) -> list[Place]:
        return self.places_of_kind(PlaceKind.VILLAGE)

    def villages_of(self, township_id: str) -> list[Place]:
        return [v for v in self.villages if v.parent == township_id]

    def township_of(self, village_id: str) -> Place:
        return self.place_by_id[self.place_by_id[village_id].parent]

    @cached_property
    def days(self) -> tuple[dt.date, ...]:
        """The days that have down demand or up supply, sorted."""
        ds = {d.day for d in self.demand_down} | {s.day for s in self.supply_up}
        return tuple(sorted(ds))

    def demand_on(self, day: dt.date) -> list[DownDemand]:
        return [d for d in self.demand_down if d.day == day]

    def supply_on(self, day: dt.date) -> list[UpSupply]:
        return [s for s in self.supply_up if s.day == day]

    # ------------------------------------------------------------------ summaries
    def summary(self) -> dict[str, Any]:
        """Counts and totals for tables and ``ruralflow info``."""
        kinds = Counter(p.kind.value for p in self.places)
        synthetic = sum(1 for p in self.villages if p.coord_source.value == "synthetic")
        return {
            "adcode": self.adcode,
            "name": self.name,
            "name_en": self.settings.name_en,
            "places": dict(sorted(kinds.items())),
            "villages_synthetic_coords": synthetic,
            "households": sum(p.households for p in self.villages),
            "products": len(self.products),
            "vehicle_types": len(self.vehicle_types),
            "vehicles": sum(v.count for v in self.vehicle_types),
            "bus_lines": len(self.bus_lines),
            "bus_runs_per_day": sum(len(b.departures) for b in self.bus_lines),
            "days": len(self.days),
            "first_day": str(self.days[0]) if self.days else None,
            "last_day": str(self.days[-1]) if self.days else None,
            "down_parcels": sum(d.parcels for d in self.demand_down),
            "down_kg": round(sum(d.kg for d in self.demand_down), 3),
            "up_kg": round(sum(s.kg for s in self.supply_up), 3),
            "up_batches": len(self.supply_up),
        }

    def replace(self, **changes: Any) -> County:
        """A copy with some parts replaced (validated again)."""
        import dataclasses

        return dataclasses.replace(self, **changes)


def _duplicates(collection: str, fieldname: str, keys: Iterable[str]) -> list[Problem]:
    seen: dict[str, int] = {}
    out: list[Problem] = []
    for i, k in enumerate(keys):
        if k in seen:
            out.append(
                Problem(
                    collection,
                    i,
                    fieldname,
                    k,
                    f"与第 {seen[k]} 项重复 / duplicates item {seen[k]}",
                    ref_index=seen[k],
                )
            )
        else:
            seen[k] = i
    return out
