"""Places of the county network and the county -> township -> village hierarchy."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from ruralflow.domain import _check, limits
from ruralflow.domain.errors import FieldError


class PlaceKind(StrEnum):
    """Kinds of place (values are the ``kind`` column of ``places.csv``)."""

    COUNTY_HUB = "county_hub"
    TOWNSHIP_STATION = "township_station"
    VILLAGE = "village"
    COLD_HUB = "cold_hub"
    PREPROCESS_CENTRE = "preprocess_centre"
    FRONT_WAREHOUSE = "front_warehouse"
    CANDIDATE_SITE = "candidate_site"


class CoordSource(StrEnum):
    """Where a coordinate comes from; ``synthetic`` points are placed by a documented rule."""

    SURVEYED = "surveyed"
    GEOCODED = "geocoded"
    SYNTHETIC = "synthetic"


class StationFunction(StrEnum):
    """What a station does (``functions`` column, ``;``-separated)."""

    PARCELS_IN = "parcels_in"
    PARCELS_OUT = "parcels_out"
    PRODUCE_INTAKE = "produce_intake"
    PAYMENTS = "payments"
    COLD_STORE = "cold_store"
    GRADING = "grading"
    PRECOOLING = "precooling"
    PACKING = "packing"
    BUS_STOP = "bus_stop"


# Kinds whose adcode is the division they sit in, and the code lengths allowed.
_ADCODE_LENGTHS: dict[PlaceKind, tuple[int, ...]] = {
    PlaceKind.COUNTY_HUB: (6, 9, 12),
    PlaceKind.TOWNSHIP_STATION: (9,),
    PlaceKind.VILLAGE: (12,),
}


@dataclass(frozen=True, slots=True)
class Place:
    """A point of the network: hub, township station, village, cold hub, ...

    ``lon``/``lat`` are WGS84 degrees (bundles in GCJ-02 are converted when read).
    ``parent`` is the township station id for a village, the county hub for a township station,
    and may name the village or township a facility sits in. ``open_min``/``close_min`` are the
    opening hours in minutes after midnight.
    """

    id: str
    kind: PlaceKind
    name: str
    lon: float
    lat: float
    adcode: str = ""
    parent: str = ""
    households: int = 0
    open_min: int = 8 * 60
    close_min: int = 18 * 60
    functions: frozenset[StationFunction] = field(default_factory=frozenset)
    coord_source: CoordSource = CoordSource.SURVEYED
    name_en: str = ""

    def __post_init__(self) -> None:
        owner = f"Place {self.id!r}"
        _check.ident("Place", "id", self.id)
        object.__setattr__(self, "kind", _check.one_of(owner, "kind", self.kind, PlaceKind))
        object.__setattr__(
            self,
            "coord_source",
            _check.one_of(owner, "coord_source", self.coord_source, CoordSource),
        )
        _check.text(owner, "name", self.name)
        _check.number(owner, "lon", self.lon, min_value=-180.0, max_value=180.0)
        _check.number(owner, "lat", self.lat, min_value=-90.0, max_value=90.0)
        if self.adcode or self.kind in _ADCODE_LENGTHS:
            lengths = _ADCODE_LENGTHS.get(self.kind, (6, 9, 12))
            _check.adcode(owner, "adcode", self.adcode, lengths)
        if self.parent:
            _check.ident(owner, "parent", self.parent)
        elif self.kind is PlaceKind.VILLAGE:
            raise FieldError(
                owner,
                "parent",
                self.parent,
                "村须填写所属乡镇站 / must name the village's township",
            )
        _check.integer(
            owner, "households", self.households, plausible_max=limits.PLACE_MAX_HOUSEHOLDS
        )
        for f in ("open_min", "close_min"):
            _check.integer(owner, f, getattr(self, f))
            if getattr(self, f) > 24 * 60:
                raise FieldError(
                    owner, f, getattr(self, f), "须在一天之内 / must be within the day"
                )
        if self.close_min <= self.open_min:
            raise FieldError(
                owner,
                "close",
                _check.format_hhmm(self.close_min),
                f"须晚于开门时间 {_check.format_hhmm(self.open_min)} / must be after opening time "
                f"{_check.format_hhmm(self.open_min)}",
            )
        fs: set[StationFunction] = set()
        for f in self.functions:
            fs.add(_check.one_of(owner, "functions", f, StationFunction))
        object.__setattr__(self, "functions", frozenset(fs))

    @property
    def township_code(self) -> str:
        """The 9-digit township code this place lies in, when its adcode says so."""
        return self.adcode[:9] if len(self.adcode) >= 9 else ""
