"""Optional road graph from ``roads.geojson``, and a synthetic graph for demos.

**Input.** A GeoJSON FeatureCollection (or one Feature, or a bare geometry) of ``LineString``
/ ``MultiLineString`` features in WGS84. Optional feature properties:

* ``speed_kmh``: speed limit of the road (a vehicle drives at the lower of this and its own
  speed when travel times are asked for);
* ``name``: the road's name (kept for display);
* ``length_km``: the feature's true length; its segments are scaled so that they add up to
  it (used by the synthetic graph, whose straight edges stand for winding roads);
* ``synthetic``: true for generated roads. A top-level ``properties.synthetic`` (a foreign
  member) marks the whole file.

**Graph.** Nodes are line vertices, merged where they share a coordinate (rounded to
``precision`` decimals, 1e-6 deg ~ 0.1 m by default); edges join consecutive vertices, length =
haversine (km), every road two-way; where two features join the same two nodes the shorter
edge wins. Shortest paths are Dijkstra (``scipy.sparse.csgraph``).

**Places.** Each place is snapped to its nearest graph node; the snap distance is reported and
added as an access leg of ``snap_km x detour factor`` at each end. Between places whose nodes
are in different components (or farther than ``max_snap_km`` from the graph) the distance is
``inf`` and the pair is marked unreachable: :class:`~ruralflow.geo.Geography` then falls back
to haversine x detour and says so, or raises :class:`UnreachableError` when asked to.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

# scipy is imported inside the functions that use it: importing scipy.sparse costs seconds,
# and most users of ruralflow.geo (bundle reading, the report) never build a road graph.
from ruralflow.domain import Place, SourcedValue
from ruralflow.geo.distance import (
    FloatArray,
    detour_value,
    haversine_km,
    haversine_matrix_km,
    local_xy_km,
)

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


class GeoError(ValueError):
    """Base class of the geography errors."""


class RoadDataError(GeoError):
    """A ``roads.geojson`` cannot be read: the message names the feature and what is wrong."""


class UnreachableError(GeoError):
    """Some places cannot reach each other on the road graph."""


@dataclass(frozen=True, eq=False)
class RoadDistances:
    """Place-to-place results on a road graph.

    ``km`` (or minutes, for :meth:`RoadGraph.place_minutes`) is ``inf`` where the pair is
    unreachable; ``reachable`` says which pairs are finite; ``snap_node`` and ``snap_km`` give
    each place's nearest node and the straight distance to it.
    """

    value: FloatArray
    snap_node: IntArray
    snap_km: FloatArray
    reachable: BoolArray

    @property
    def all_reachable(self) -> bool:
        return bool(self.reachable.all())


def _num(props: Mapping[str, Any], key: str, where: str) -> float | None:
    v = props.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0:
        raise RoadDataError(
            f"{where}: 属性 '{key}' 须为正数 / property '{key}' must be a positive number "
            f"(got {v!r})"
        )
    return float(v)


def _lines(geom: Mapping[str, Any], where: str) -> list[list[tuple[float, float]]]:
    if not isinstance(geom, Mapping):
        raise RoadDataError(f"{where}: 缺少 geometry / geometry is missing")
    gtype = geom.get("type")
    coords = geom.get("coordinates")
    if gtype == "LineString":
        raw = [coords]
    elif gtype == "MultiLineString":
        raw = list(coords) if isinstance(coords, list) else [None]
    else:
        raise RoadDataError(
            f"{where}: 几何类型 {gtype!r} 须为 LineString 或 MultiLineString / geometry type "
            f"{gtype!r} is not LineString or MultiLineString"
        )
    out: list[list[tuple[float, float]]] = []
    for line in raw:
        if not isinstance(line, list) or len(line) < 2:
            raise RoadDataError(
                f"{where}: 一条线至少须有两个 [lon, lat] 点 / a line needs at least two "
                f"[lon, lat] positions (got {line!r})"
            )
        pts: list[tuple[float, float]] = []
        for pos in line:
            try:
                x, y = float(pos[0]), float(pos[1])
            except (TypeError, ValueError, IndexError):
                raise RoadDataError(
                    f"{where}: 点 {pos!r} 不是 [lon, lat] / position {pos!r} is not [lon, lat]"
                ) from None
            if not (math.isfinite(x) and math.isfinite(y) and abs(x) <= 180 and abs(y) <= 90):
                raise RoadDataError(
                    f"{where}: 点 {pos!r} 不是经纬度（投影米制坐标或经纬度颠倒？）/ position "
                    f"{pos!r} is not WGS84 lon/lat degrees (projected metres or swapped?)"
                )
            pts.append((x, y))
        out.append(pts)
    return out


def _features(data: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    t = data.get("type")
    if t == "FeatureCollection":
        feats = data.get("features")
        if not isinstance(feats, list):
            raise RoadDataError(
                "FeatureCollection 缺少 features 列表 / FeatureCollection has no 'features' list"
            )
        return feats
    if t == "Feature":
        return [data]
    if t in ("LineString", "MultiLineString"):
        return [{"type": "Feature", "geometry": data, "properties": {}}]
    raise RoadDataError(
        f"GeoJSON 类型 {t!r} 须为 FeatureCollection、Feature 或线 / GeoJSON type {t!r} is not "
        "a FeatureCollection, Feature or line"
    )


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """An undirected road graph: nodes (WGS84) and edges with length (km) and speed limit.

    Build it with :meth:`from_geojson` or :func:`load_roads`. ``edge_speed_kmh`` is ``nan``
    where a road has no speed limit. ``synthetic`` is true when the graph was generated
    (:func:`synthetic_roads`), not observed.
    """

    node_lon: FloatArray
    node_lat: FloatArray
    edge_from: IntArray
    edge_to: IntArray
    edge_km: FloatArray
    edge_speed_kmh: FloatArray
    synthetic: bool = False
    source: str = ""
    properties: Mapping[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_geojson(
        cls, data: Mapping[str, Any], *, precision: int = 6, source: str = ""
    ) -> RoadGraph:
        """Build the graph from GeoJSON (see the module docstring for the format)."""
        if not isinstance(data, Mapping):
            raise RoadDataError(
                "道路 GeoJSON 须为 JSON 对象 / roads GeoJSON must be a JSON object"
            )
        top = data.get("properties") if data.get("type") == "FeatureCollection" else None
        top_props: Mapping[str, Any] = top if isinstance(top, Mapping) else {}
        synthetic = bool(top_props.get("synthetic", False))
        xs: list[float] = []
        ys: list[float] = []
        seg_a: list[int] = []
        seg_km: list[float] = []
        seg_speed: list[float] = []
        for k, feat in enumerate(_features(data)):
            where = f"roads feature {k}"
            if not isinstance(feat, Mapping):
                raise RoadDataError(f"{where}: 不是 GeoJSON Feature / is not a GeoJSON Feature")
            props = feat.get("properties") or {}
            if not isinstance(props, Mapping):
                raise RoadDataError(
                    f"{where}: properties 须为对象 / 'properties' is not an object"
                )
            if "name" in props:
                where = f"{where} ({props['name']})"
            speed = _num(props, "speed_kmh", where)
            length = _num(props, "length_km", where)
            synthetic = synthetic or bool(props.get("synthetic", False))
            lines = _lines(feat.get("geometry"), where)  # type: ignore[arg-type]
            start = len(seg_km)
            for pts in lines:
                arr = np.array(pts, dtype=np.float64)
                d = haversine_km(arr[:-1, 0], arr[:-1, 1], arr[1:, 0], arr[1:, 1])
                base = len(xs)
                xs.extend(arr[:, 0].tolist())
                ys.extend(arr[:, 1].tolist())
                seg_a.extend(range(base, base + len(pts) - 1))
                seg_km.extend(np.atleast_1d(d).tolist())
                seg_speed.extend([math.nan if speed is None else speed] * (len(pts) - 1))
            if length is not None:
                total = sum(seg_km[start:])
                if total <= 0.0:
                    raise RoadDataError(
                        f"{where}: 有 length_km 但所有点重合 / has length_km but all its "
                        "vertices coincide"
                    )
                scale = length / total
                seg_km[start:] = [s * scale for s in seg_km[start:]]
        if not seg_km:
            raise RoadDataError("道路 GeoJSON 没有道路线 / roads GeoJSON has no road lines")
        vx = np.array(xs, dtype=np.float64)
        vy = np.array(ys, dtype=np.float64)
        scale10 = 10.0**precision
        keys = np.stack([np.round(vx * scale10), np.round(vy * scale10)], axis=1).astype(np.int64)
        uniq, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
        inverse = inverse.ravel()
        a = np.array(seg_a, dtype=np.int64)
        ei = inverse[a].astype(np.int64)
        ej = inverse[a + 1].astype(np.int64)
        w = np.array(seg_km, dtype=np.float64)
        sp = np.array(seg_speed, dtype=np.float64)
        # Keep the shortest of parallel edges, with its own speed.
        n = len(uniq)
        lo, hi = np.minimum(ei, ej), np.maximum(ei, ej)
        keep = lo != hi
        lo, hi, w, sp = lo[keep], hi[keep], w[keep], sp[keep]
        key = lo * np.int64(n) + hi
        order = np.lexsort((w, key))
        key, lo, hi, w, sp = key[order], lo[order], hi[order], w[order], sp[order]
        firsts = np.ones(len(key), dtype=bool)
        firsts[1:] = key[1:] != key[:-1]
        return cls(
            node_lon=vx[first],
            node_lat=vy[first],
            edge_from=lo[firsts],
            edge_to=hi[firsts],
            edge_km=w[firsts],
            edge_speed_kmh=sp[firsts],
            synthetic=synthetic,
            source=source or str(top_props.get("source", "")),
            properties=dict(top_props),
        )

    def to_geojson(self) -> dict[str, Any]:
        """The graph as a FeatureCollection, one two-point LineString per edge."""
        feats = []
        for a, b, km, sp in zip(
            self.edge_from, self.edge_to, self.edge_km, self.edge_speed_kmh, strict=True
        ):
            props: dict[str, Any] = {"length_km": round(float(km), 6)}
            if not math.isnan(sp):
                props["speed_kmh"] = float(sp)
            if self.synthetic:
                props["synthetic"] = True
            feats.append(
                {
                    "type": "Feature",
                    "geometry": {
                        "type": "LineString",
                        "coordinates": [
                            [float(self.node_lon[a]), float(self.node_lat[a])],
                            [float(self.node_lon[b]), float(self.node_lat[b])],
                        ],
                    },
                    "properties": props,
                }
            )
        top = dict(self.properties)
        if self.synthetic:
            top["synthetic"] = True
        return {"type": "FeatureCollection", "properties": top, "features": feats}

    # ------------------------------------------------------------------ structure
    @property
    def n_nodes(self) -> int:
        return len(self.node_lon)

    @property
    def n_edges(self) -> int:
        return len(self.edge_km)

    @property
    def total_km(self) -> float:
        return float(self.edge_km.sum())

    def _csr(self, weights: FloatArray) -> Any:
        from scipy.sparse import coo_matrix

        n = self.n_nodes
        m = coo_matrix((weights, (self.edge_from, self.edge_to)), shape=(n, n))
        return m.tocsr()

    def components(self) -> IntArray:
        """Connected-component label of each node."""
        from scipy.sparse.csgraph import connected_components

        _, labels = connected_components(self._csr(self.edge_km), directed=False)
        return np.asarray(labels, dtype=np.int64)

    def snap(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Nearest node of each point and the great-circle distance to it (km)."""
        x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
        y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
        lat0 = float(np.mean(self.node_lat))
        lon0 = float(np.mean(self.node_lon))
        nx, ny = local_xy_km(self.node_lon, self.node_lat, lon0, lat0)
        px, py = local_xy_km(x, y, lon0, lat0)
        from scipy.spatial import cKDTree

        _, idx = cKDTree(np.column_stack([nx, ny])).query(np.column_stack([px, py]))
        idx = np.asarray(idx, dtype=np.int64)
        km = np.atleast_1d(haversine_km(x, y, self.node_lon[idx], self.node_lat[idx]))
        return idx, np.asarray(km, dtype=np.float64)

    def node_distances(
        self, sources: npt.ArrayLike, targets: npt.ArrayLike | None = None
    ) -> FloatArray:
        """Shortest-path km from each source node to each target node (``inf``: unreachable)."""
        return self._node_costs(self.edge_km, sources, targets)

    def _node_costs(
        self, weights: FloatArray, sources: npt.ArrayLike, targets: npt.ArrayLike | None
    ) -> FloatArray:
        src = np.atleast_1d(np.asarray(sources, dtype=np.int64))
        u, inv = np.unique(src, return_inverse=True)
        from scipy.sparse.csgraph import dijkstra

        d = np.asarray(dijkstra(self._csr(weights), directed=False, indices=u), dtype=np.float64)
        d = np.atleast_2d(d)[inv.ravel()]
        if targets is None:
            return d
        return d[:, np.atleast_1d(np.asarray(targets, dtype=np.int64))]

    # ------------------------------------------------------------------ places
    def place_distances(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        access_factor: float | SourcedValue = 1.0,
        *,
        max_snap_km: float | None = None,
    ) -> RoadDistances:
        """Road km between places: access leg + shortest path + access leg.

        The access leg is ``snap_km x access_factor`` (pass the county's detour factor). A
        place farther than ``max_snap_km`` from every node is unreachable from all others.
        """
        f = detour_value(access_factor)
        return self._place_costs(lon, lat, self.edge_km, f, max_snap_km)

    def place_minutes(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        speed_kmh: float,
        access_factor: float | SourcedValue = 1.0,
        *,
        max_snap_km: float | None = None,
    ) -> RoadDistances:
        """Fastest travel minutes between places for a vehicle of top speed ``speed_kmh``.

        On each road the vehicle drives at ``min(speed_kmh, road speed_kmh)`` (its own speed
        where the road has none); access legs at ``speed_kmh``.
        """
        v = float(speed_kmh)
        if not math.isfinite(v) or v <= 0:
            raise ValueError(f"speed_kmh must be a positive number (got {speed_kmh!r})")
        road_v = np.where(np.isnan(self.edge_speed_kmh), v, np.minimum(self.edge_speed_kmh, v))
        minutes = self.edge_km / road_v * 60.0
        f = detour_value(access_factor) / v * 60.0
        return self._place_costs(lon, lat, minutes, f, max_snap_km)

    @property
    def has_speeds(self) -> bool:
        """Whether any road carries its own ``speed_kmh``."""
        return bool(np.any(~np.isnan(self.edge_speed_kmh)))

    def _place_costs(
        self,
        lon: npt.ArrayLike,
        lat: npt.ArrayLike,
        weights: FloatArray,
        access_per_km: float,
        max_snap_km: float | None,
    ) -> RoadDistances:
        node, snap_km = self.snap(lon, lat)
        d = self._node_costs(weights, node, node)
        access = snap_km * access_per_km
        out = d + access[:, None] + access[None, :]
        if max_snap_km is not None:
            far = snap_km > max_snap_km
            out[far, :] = np.inf
            out[:, far] = np.inf
        np.fill_diagonal(out, 0.0)
        return RoadDistances(
            value=out, snap_node=node, snap_km=snap_km, reachable=np.isfinite(out)
        )


def load_roads(path: str | Path, *, precision: int = 6) -> RoadGraph:
    """Read a ``roads.geojson`` file into a :class:`RoadGraph` (errors name the file)."""
    p = Path(path)
    try:
        data = json.loads(p.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RoadDataError(
            f"{p.name}: 无法读取 GeoJSON（须为 UTF-8 JSON）/ cannot read GeoJSON ({exc})"
        ) from None
    try:
        return RoadGraph.from_geojson(data, precision=precision, source=str(p.name))
    except RoadDataError as exc:
        raise RoadDataError(f"{p.name}: {exc}") from None


# ---------------------------------------------------------------------- synthetic graphs
def _synthetic_edges(
    lon: FloatArray, lat: FloatArray, method: Literal["delaunay", "knn"], k: int
) -> set[tuple[int, int]]:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import minimum_spanning_tree
    from scipy.spatial import Delaunay, QhullError, cKDTree

    n = len(lon)
    edges: set[tuple[int, int]] = set()
    x, y = local_xy_km(lon, lat, float(lon.mean()), float(lat.mean()))
    xy = np.column_stack([x, y])
    if method == "delaunay" and n >= 3:
        try:
            tri = Delaunay(xy)
            for s in tri.simplices:
                for a, b in ((s[0], s[1]), (s[1], s[2]), (s[0], s[2])):
                    edges.add((int(min(a, b)), int(max(a, b))))
        except QhullError:  # all points on a line: the MST below joins them
            pass
    elif method == "knn":
        kk = min(k + 1, n)
        _, idx = cKDTree(xy).query(xy, k=kk)
        for i, row in enumerate(np.atleast_2d(idx)):
            for j in row:
                if int(j) != i:
                    edges.add((min(i, int(j)), max(i, int(j))))
    elif method != "delaunay":
        raise ValueError(f"method must be 'delaunay' or 'knn' (got {method!r})")
    # Always add the minimum spanning tree so that the graph is connected.
    mst = minimum_spanning_tree(csr_matrix(haversine_matrix_km(lon, lat))).tocoo()
    for a, b in zip(mst.row, mst.col, strict=True):
        edges.add((int(min(a, b)), int(max(a, b))))
    return edges


def synthetic_roads(
    lon: npt.ArrayLike,
    lat: npt.ArrayLike,
    detour_factor: float | SourcedValue,
    *,
    method: Literal["delaunay", "knn"] = "delaunay",
    k: int = 3,
    labels: Sequence[str] | None = None,
    max_edge_km: float | None = None,
) -> dict[str, Any]:
    """A SYNTHETIC road network (GeoJSON) over given points, for demos and tests.

    Edges: the Delaunay triangulation of the points (``method="delaunay"``) or each point's
    ``k`` nearest neighbours (``"knn"``), always united with the minimum spanning tree so that
    every point is reachable; ``max_edge_km`` drops longer straight edges that are not in the
    tree. Each edge is a straight LineString whose ``length_km`` is haversine x detour factor,
    so on this graph a direct hop costs what the no-graph model charges and a path through
    other points costs more. The collection and every feature carry ``synthetic: true``.
    """
    x = np.atleast_1d(np.asarray(lon, dtype=np.float64))
    y = np.atleast_1d(np.asarray(lat, dtype=np.float64))
    if x.shape != y.shape or x.ndim != 1 or len(x) < 2:
        raise ValueError("synthetic_roads needs at least two points (1-D lon and lat)")
    f = detour_value(detour_factor)
    names = list(labels) if labels is not None else [str(i) for i in range(len(x))]
    if len(names) != len(x):
        raise ValueError("labels must have one entry per point")
    edges = _synthetic_edges(x, y, method, k)
    if max_edge_km is not None:
        from scipy.sparse import csr_matrix
        from scipy.sparse.csgraph import minimum_spanning_tree

        tree = minimum_spanning_tree(csr_matrix(haversine_matrix_km(x, y))).tocoo()
        in_tree = {
            (int(min(a, b)), int(max(a, b))) for a, b in zip(tree.row, tree.col, strict=True)
        }
        edges = {
            e
            for e in edges
            if e in in_tree or haversine_km(x[e[0]], y[e[0]], x[e[1]], y[e[1]]) <= max_edge_km
        }
    feats: list[dict[str, Any]] = []
    for a, b in sorted(edges):
        km = float(haversine_km(float(x[a]), float(y[a]), float(x[b]), float(y[b])))
        if km <= 0.0:
            continue
        feats.append(
            {
                "type": "Feature",
                "geometry": {
                    "type": "LineString",
                    "coordinates": [[float(x[a]), float(y[a])], [float(x[b]), float(y[b])]],
                },
                "properties": {
                    "name": f"{names[a]}-{names[b]}",
                    "from": names[a],
                    "to": names[b],
                    "length_km": round(km * f, 6),
                    "synthetic": True,
                },
            }
        )
    return {
        "type": "FeatureCollection",
        "properties": {
            "synthetic": True,
            "method": method if method == "delaunay" else f"knn(k={k})",
            "detour_factor": f,
            "source": (
                "synthetic: straight edges between given points, length = haversine x detour"
                " factor; not an observed road network"
            ),
        },
        "features": feats,
    }


def synthetic_roads_for_places(
    places: Sequence[Place],
    detour_factor: float | SourcedValue,
    *,
    method: Literal["delaunay", "knn"] = "delaunay",
    k: int = 3,
    max_edge_km: float | None = None,
) -> dict[str, Any]:
    """:func:`synthetic_roads` over places (e.g. the county hub and township stations)."""
    return synthetic_roads(
        [p.lon for p in places],
        [p.lat for p in places],
        detour_factor,
        method=method,
        k=k,
        labels=[p.id for p in places],
        max_edge_km=max_edge_km,
    )
