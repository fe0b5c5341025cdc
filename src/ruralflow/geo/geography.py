"""The county's distance model: place ids, road km and travel minutes per vehicle speed.

``Geography.from_county(county)`` builds the model every engine uses:

* without a road graph, road km = haversine x ``county.settings.detour_factor``;
* with a road graph (``roads=`` a :class:`RoadGraph` or its GeoJSON), road km = access leg +
  shortest path + access leg (see :mod:`ruralflow.geo.roads`). Pairs that the graph cannot
  connect fall back to haversine x detour, are flagged in ``fallback`` and named in
  ``notes`` (or raise :class:`UnreachableError` with ``on_unreachable="raise"``).

Travel minutes for a vehicle of speed ``v`` km/h are ``km / v x 60``; on a road graph whose
roads carry ``speed_kmh`` they are the fastest path at ``min(v, road speed)``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from ruralflow.domain import County, Place, SourcedValue, VehicleType
from ruralflow.geo.distance import (
    FloatArray,
    detour_value,
    haversine_matrix_km,
    travel_time_matrix,
)
from ruralflow.geo.roads import BoolArray, IntArray, RoadGraph, UnreachableError

OnUnreachable = Literal["fallback", "raise"]


def _speed(speed: float | VehicleType) -> float:
    return float(speed.speed_kmh if isinstance(speed, VehicleType) else speed)


@dataclass(frozen=True, eq=False)
class Geography:
    """Distances (km) and travel times (minutes) between the places of a county.

    ``ids`` fixes the order of every matrix; ``km[i, j]`` is the road distance from
    ``ids[i]`` to ``ids[j]``; ``straight_km`` the great-circle distance. ``method`` says how
    ``km`` was made; ``fallback`` marks pairs where a road graph was present but could not
    connect them (haversine x detour was used); ``snap_km`` is each place's distance to its
    road-graph node (``None`` without a graph).
    """

    ids: tuple[str, ...]
    lon: FloatArray
    lat: FloatArray
    detour_factor: float
    straight_km: FloatArray
    km: FloatArray
    method: str
    roads: RoadGraph | None = None
    snap_km: FloatArray | None = None
    fallback: BoolArray | None = None
    max_snap_km: float | None = None
    notes: tuple[str, ...] = ()
    _index: dict[str, int] = field(default_factory=dict, repr=False)
    _minutes: dict[float, FloatArray] = field(default_factory=dict, repr=False)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_places(
        cls,
        places: Sequence[Place],
        detour_factor: float | SourcedValue,
        roads: RoadGraph | Mapping[str, Any] | None = None,
        *,
        on_unreachable: OnUnreachable = "fallback",
        max_snap_km: float | None = None,
    ) -> Geography:
        """The model over ``places`` (in that order)."""
        ids = tuple(p.id for p in places)
        if len(set(ids)) != len(ids):
            raise ValueError("place ids must be unique")
        lon = np.array([p.lon for p in places], dtype=np.float64)
        lat = np.array([p.lat for p in places], dtype=np.float64)
        f = detour_value(detour_factor)
        straight = haversine_matrix_km(lon, lat) if ids else np.zeros((0, 0))
        graph = RoadGraph.from_geojson(roads) if isinstance(roads, Mapping) else roads
        index = {pid: i for i, pid in enumerate(ids)}
        if graph is None or not ids:
            return cls(
                ids, lon, lat, f, straight, straight * f, "haversine x detour", _index=index
            )
        res = graph.place_distances(lon, lat, f, max_snap_km=max_snap_km)
        fallback = ~res.reachable
        notes: list[str] = []
        kind = "synthetic road graph" if graph.synthetic else "road graph"
        if fallback.any():
            bad = sorted({ids[i] for i in np.nonzero(fallback.any(axis=1))[0]})
            pairs = int(fallback.sum()) // 2
            msg = (
                f"{pairs} place pair(s) not connected on the {kind}"
                f" (places: {', '.join(bad[:10])}{' ...' if len(bad) > 10 else ''})"
            )
            if on_unreachable == "raise":
                raise UnreachableError(msg)
            notes.append(msg + "; haversine x detour used for them")
        km = np.where(fallback, straight * f, res.value)
        return cls(
            ids,
            lon,
            lat,
            f,
            straight,
            km,
            kind,
            roads=graph,
            snap_km=res.snap_km,
            fallback=fallback,
            max_snap_km=max_snap_km,
            notes=tuple(notes),
            _index=index,
        )

    @classmethod
    def from_county(
        cls,
        county: County,
        roads: RoadGraph | Mapping[str, Any] | None = None,
        *,
        places: Iterable[Place] | None = None,
        on_unreachable: OnUnreachable = "fallback",
        max_snap_km: float | None = None,
    ) -> Geography:
        """The model over the county's places (all of them, in bundle order, by default).

        The detour factor is ``county.settings.detour_factor``. The road graph is ``roads``
        when given (a :class:`RoadGraph` or parsed GeoJSON), else the bundle's
        ``county.roads`` (``roads.geojson``) when it has one.
        """
        ps = tuple(county.places if places is None else places)
        return cls.from_places(
            ps,
            county.settings.detour_factor,
            roads if roads is not None else county.roads,
            on_unreachable=on_unreachable,
            max_snap_km=max_snap_km,
        )

    # ------------------------------------------------------------------ lookups
    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, place_id: object) -> bool:
        return place_id in self._index

    def index(self, place_id: str) -> int:
        """Row/column of ``place_id`` in every matrix (KeyError naming it if unknown)."""
        try:
            return self._index[place_id]
        except KeyError:
            raise KeyError(f"place {place_id!r} is not in this geography") from None

    def indices(self, place_ids: Iterable[str]) -> IntArray:
        return np.array([self.index(p) for p in place_ids], dtype=np.int64)

    def distance_km(self, a: str, b: str) -> float:
        """Road km from place ``a`` to place ``b``."""
        return float(self.km[self.index(a), self.index(b)])

    def straight_distance_km(self, a: str, b: str) -> float:
        """Great-circle km from place ``a`` to place ``b``."""
        return float(self.straight_km[self.index(a), self.index(b)])

    def travel_minutes(self, speed: float | VehicleType) -> FloatArray:
        """Travel-time matrix (minutes) for a vehicle (or a speed in km/h); cached per speed."""
        v = _speed(speed)
        cached = self._minutes.get(v)
        if cached is not None:
            return cached
        minutes = travel_time_matrix(self.km, v)
        if self.roads is not None and self.roads.has_speeds and len(self.ids):
            res = self.roads.place_minutes(
                self.lon, self.lat, v, self.detour_factor, max_snap_km=self.max_snap_km
            )
            fb = self.fallback if self.fallback is not None else ~res.reachable
            minutes = np.where(fb, minutes, res.value)
        self._minutes[v] = minutes
        return minutes

    def minutes(self, a: str, b: str, speed: float | VehicleType) -> float:
        """Travel minutes from ``a`` to ``b`` at ``speed`` km/h (or a vehicle type's speed)."""
        return float(self.travel_minutes(speed)[self.index(a), self.index(b)])

    def sub_km(self, place_ids: Sequence[str]) -> FloatArray:
        """The road-km matrix restricted to ``place_ids`` (in that order)."""
        ix = self.indices(place_ids)
        return self.km[np.ix_(ix, ix)]

    def sub_minutes(self, place_ids: Sequence[str], speed: float | VehicleType) -> FloatArray:
        """The travel-minutes matrix restricted to ``place_ids`` (in that order)."""
        ix = self.indices(place_ids)
        return self.travel_minutes(speed)[np.ix_(ix, ix)]

    def summary(self) -> dict[str, Any]:
        """A short description for reports: method, detour factor, graph size, fallbacks."""
        out: dict[str, Any] = {
            "places": len(self.ids),
            "method": self.method,
            "detour_factor": self.detour_factor,
            "max_road_km": float(self.km.max()) if len(self.ids) else 0.0,
        }
        if self.roads is not None:
            out["road_nodes"] = self.roads.n_nodes
            out["road_edges"] = self.roads.n_edges
            out["road_synthetic"] = self.roads.synthetic
            if self.snap_km is not None and len(self.snap_km):
                out["max_snap_km"] = float(self.snap_km.max())
            out["fallback_pairs"] = (
                int(self.fallback.sum()) // 2 if self.fallback is not None else 0
            )
        out["notes"] = list(self.notes)
        return out


#: Alias: the same class under the name used by some engines.
DistanceModel = Geography
