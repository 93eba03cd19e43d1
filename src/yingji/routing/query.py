"""Queries on a RoadGraph: one-to-many, many-to-one, route, isochrone, multi-source coverage times.

All of them are Dijkstra on the packed weights (see graph.py), so one run gives both the fastest time and
that route's length. Many-to-one (every unit to one incident) is one Dijkstra on the reverse graph from the
incident; it, one-to-many and route stop as soon as every target is settled (bounded.py); whole-graph
trees (coverage, isochrones, unit tables) are scipy.sparse.csgraph.dijkstra with its distance limit. Off-network legs (point → its road node) are added
at the profile's access speed, and counted in the metres.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

from . import bounded, turns, vehicles
from .estimate import MIXED, NETWORK, STRAIGHT_LINE, Estimate, straight_line
from .graph import SHIFT, GraphError, RoadGraph, unpack_metres, unpack_seconds
from .snap import DEFAULT_MAX_SNAP_M, OffNetworkError, off_network_message, snap, snap_point

UNREACHABLE = "沿路网无法到达（受单行道、转向限制或路网不连通所限）。"


def access_speed_ms(graph: RoadGraph) -> float:
    return float(graph.meta.get("profile", {}).get("access_speed_kmh", 15.0)) / 3.6


def packed_limit(limit_s: float | None) -> float:
    if limit_s is None or not np.isfinite(limit_s):
        return np.inf
    return (np.floor(max(limit_s, 0.0) * 1000.0 + 1e-6) + 1.0) * SHIFT - 0.5


def tree(graph: RoadGraph, nodes, reverse: bool = False, limit_s: float | None = None,
         predecessors: bool = False, min_only: bool = False):
    """Packed path weights from `nodes` (to them with reverse=True) to every node; inf beyond limit_s.
    On a network with turn data, searched on the expanded graph and answered per road node (turns.tree)."""
    if graph.turns is not None:
        return turns.tree(graph.turns, nodes, reverse, packed_limit(limit_s), predecessors, min_only)
    matrix = graph.rev if reverse else graph.fwd
    result = dijkstra(matrix, directed=True, indices=nodes, return_predecessors=predecessors,
                      limit=packed_limit(limit_s), min_only=min_only)
    return result


_TOO_LONG = "路径用时超过本路网可精确计算的上限（{hours:.0f} 小时），请缩小路网范围。"


def _check(graph: RoadGraph, packed: np.ndarray):
    longest = np.max(packed, initial=0.0, where=packed < np.inf)  # no copy of the finite values
    if unpack_seconds(longest) > graph.max_path_s:
        raise GraphError(_TOO_LONG.format(hours=graph.max_path_s / 3600))


def _estimate(graph, packed, origin_snap_m, target_snap, target_ok, lons, lats, lon, lat, fallback, what,
              max_snap_m, limits: dict[int, str] | None = None):
    """Turn packed weights at the targets into an Estimate, adding access legs; fallback fills the gaps."""
    speed = access_speed_ms(graph)
    n = len(packed)
    _check(graph, packed)
    reached = np.isfinite(packed) & target_ok
    extra_m = origin_snap_m + np.where(target_ok, target_snap, 0.0)
    with np.errstate(invalid="ignore"):
        seconds = np.where(reached, unpack_seconds(packed) + extra_m / speed, np.nan)
        metres = np.where(reached, unpack_metres(packed) + extra_m, np.nan)
    reasons: list[str | None] = [None] * n
    for i in np.flatnonzero(~reached):
        if not target_ok[i]:
            reasons[i] = off_network_message(float(lons[i]), float(lats[i]), float(target_snap[i]),
                                             max_snap_m, what)
        else:
            reasons[i] = (limits or {}).get(int(i), UNREACHABLE)
    methods = [NETWORK] * n
    method = NETWORK
    # A vehicle shut out by a height/weight/width limit stays NaN with its reason even with fallback: a
    # straight-line time would claim a way the vehicle does not have.
    fill = ~reached
    fill[list((limits or {}).keys())] = False
    if fallback and fill.any():
        line = straight_line(lon, lat, lons[fill], lats[fill])
        seconds[fill] = line.seconds
        metres[fill] = line.metres
        for i in np.flatnonzero(fill):
            methods[i] = STRAIGHT_LINE
        method = MIXED if reached.any() else STRAIGHT_LINE
    snap_m = np.where(np.isfinite(target_snap), target_snap, np.nan)
    return Estimate(seconds, metres, method, tuple(methods), snap_m, float(origin_snap_m), tuple(reasons))


def _points(lons, lats):
    return (np.atleast_1d(np.asarray(lons, dtype=np.float64)), np.atleast_1d(np.asarray(lats, dtype=np.float64)))


def _origin(graph, lon, lat, max_snap_m, fallback, lons, lats, what):
    try:
        return snap_point(graph, lon, lat, max_snap_m, what=what), None
    except OffNetworkError as exc:
        if not fallback:
            raise
        return None, straight_line(lon, lat, lons, lats, reason=str(exc))


_SNAPS: OrderedDict = OrderedDict()
_LOCK = threading.Lock()  # the caches below are shared by a web process's threads


def snap_cached(graph: RoadGraph, lons, lats, max_snap_m: float):
    """snap() remembered for the last few sets of points (units rarely move between two incidents)."""
    key = (graph.version, lons.tobytes(), lats.tobytes(), max_snap_m)
    found = _SNAPS.get(key)
    if found is None:
        found = snap(graph, lons, lats, max_snap_m)
        with _LOCK:
            _SNAPS[key] = found
            while len(_SNAPS) > 8:
                _SNAPS.popitem(last=False)
    return found


def travel_from(graph: RoadGraph, lon: float, lat: float, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                fallback: bool = False, vehicle: vehicles.VehicleSize | None = None) -> Estimate:
    """From one point to many (one Dijkstra forward). Off-network origin → OffNetworkError (or straight line
    for all with fallback=True); off-network or unreachable targets → NaN with a reason (or straight line).
    With a vehicle, roads whose limits are below its size are closed (the reason names the limit)."""
    return _travel(vehicles.view(graph, vehicle), lon, lat, lons, lats, max_snap_m, fallback, reverse=False)


def travel_to(graph: RoadGraph, lon: float, lat: float, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M,
              fallback: bool = False, vehicle: vehicles.VehicleSize | None = None) -> Estimate:
    """From many points (units) to one (the incident): one Dijkstra on the reverse graph from the incident."""
    return _travel(vehicles.view(graph, vehicle), lon, lat, lons, lats, max_snap_m, fallback, reverse=True)


def _limit_reasons(graph, node: int, targets: np.ndarray, reverse: bool) -> dict[int, str]:
    """For a vehicle view: why each target it cannot reach is reachable on the base graph but not for it
    (the first closed edge on the base graph's fastest route), keyed by the target's index. A few targets:
    one bounded path each; more: one tree with predecessors on the base graph, walked per target."""
    base = vehicles.base_of(graph)
    if base is None or not len(targets):
        return {}
    paths = {}
    if len(targets) <= 4 or base.turns is not None:  # with turn data: the allowed route (turns.path)
        for i, target in targets.tolist():
            start, end = (target, node) if reverse else (node, target)
            paths[i] = (turns.path(base, start, end) if base.turns is not None
                        else bounded.path_to(base, start, end))[1]
    else:
        _, pred = dijkstra(base.rev if reverse else base.fwd, directed=True, indices=node,
                           return_predecessors=True)
        for i, target in targets.tolist():
            chain = [target]
            while chain[-1] != node and pred[chain[-1]] >= 0:
                chain.append(int(pred[chain[-1]]))
            # the tree runs from `node`: forward it is node → target (reversed chain), over the reverse
            # graph it is target → node as driven (the chain as walked)
            paths[i] = (chain if reverse else chain[::-1]) if chain[-1] == node else []
    reasons = {}
    for i, nodes in paths.items():
        reason = vehicles.blocking_reason(graph, nodes)
        if reason:
            reasons[i] = f"{graph.vehicle.label}：{reason}" if graph.vehicle.label else reason
    return reasons


def _travel(graph, lon, lat, lons, lats, max_snap_m, fallback, reverse):
    """One Dijkstra from the snapped point, read at the snapped others. The others of travel_to are the same
    units call after call (snapped once, cached); travel_from's targets change with every question."""
    lons, lats = _points(lons, lats)
    origin, line = _origin(graph, lon, lat, max_snap_m, fallback, lons, lats, "事件地点" if reverse else "出发地点")
    if line is not None:
        return line
    node, origin_m = origin
    others = (snap_cached if reverse else snap)(graph, lons, lats, max_snap_m)
    # The search stops once every snapped target is settled (bounded.py), not after the whole graph.
    values = np.full(len(lons), np.inf)
    if others.ok.any() and graph.turns is not None:  # the expanded graph: copies of the nodes (turns.py)
        values[others.ok] = turns.to_targets(graph, node, others.node[others.ok], reverse)
    elif others.ok.any():
        values[others.ok] = bounded.to_targets(graph, node, others.node[others.ok], reverse=reverse).values
    lost = np.flatnonzero(others.ok & ~np.isfinite(values))
    limits = _limit_reasons(graph, node, np.column_stack([lost, others.node[lost]]), reverse)
    return _estimate(graph, values, origin_m, others.distance_m, others.ok, lons, lats, lon, lat, fallback,
                     "出发单位" if reverse else "目标地点", max_snap_m, limits)


class UnitTable:
    """Precomputed trees of a fixed set of units (stations and teams): seconds and metres from each unit to
    every road node, stored node-major (float32), so ranking all units for an incident is one snap and one
    row read — O(units), whatever the size of the network.

    Memory: nodes × distinct unit nodes × 8 bytes; building it: one Dijkstra per distinct unit node.
    Rebuild when a unit moves or the network changes (`matches` says whether it still fits).
    """

    def __init__(self, graph: RoadGraph, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                 max_bytes: int = 256 * 2**20, chunk: int = 32):
        self.graph = graph
        self.version = graph.version
        self.lons, self.lats = (a.copy() for a in _points(lons, lats))
        self.max_snap_m = max_snap_m
        self.snap = snap(graph, self.lons, self.lats, max_snap_m)
        sources, column = np.unique(np.where(self.snap.ok, self.snap.node, -1), return_inverse=True)
        if len(sources) and sources[0] < 0:
            sources, column = sources[1:], column - 1
        self.sources = sources
        self.column = np.maximum(column, 0)
        size = table_bytes(graph, len(sources))
        if size > max_bytes:
            raise MemoryError(f"预计算表需要 {size / 2**20:.0f} MiB，超过上限 {max_bytes / 2**20:.0f} MiB："
                              f"请改用逐次计算（travel_to），或提高上限。")
        n = graph.n_nodes
        self.seconds = np.full((n, max(len(sources), 1)), np.nan, dtype=np.float32)  # a NaN column if none
        self.metres = np.full((n, max(len(sources), 1)), np.nan, dtype=np.float32)
        for start in range(0, len(sources), chunk):
            block = tree(graph, sources[start:start + chunk])
            _check(graph, block)
            self.seconds[:, start:start + len(block)] = unpack_seconds(block).T
            self.metres[:, start:start + len(block)] = unpack_metres(block).T
        speed = access_speed_ms(graph)
        with np.errstate(invalid="ignore"):
            # The units' own off-network legs, and NaN for units that could not be snapped.
            self.unit_s = np.where(self.snap.ok, self.snap.distance_m / speed, np.nan)
            self.unit_m = np.where(self.snap.ok, self.snap.distance_m, np.nan)
        self.speed = speed
        count = len(self.lons)
        self.snap_m = np.where(np.isfinite(self.snap.distance_m), self.snap.distance_m, np.nan)
        self._all_ok = bool(self.snap.ok.all())
        self._methods = (NETWORK,) * count
        self._reasons = (None,) * count

    @property
    def nbytes(self) -> int:
        return self.seconds.nbytes + self.metres.nbytes

    def matches(self, graph: RoadGraph, lons, lats) -> bool:
        lons, lats = _points(lons, lats)
        return (graph.version == self.version and lons.shape == self.lons.shape
                and np.array_equal(lons, self.lons) and np.array_equal(lats, self.lats))

    def seconds_at(self, node: int) -> np.ndarray:
        """Seconds from every unit to road node `node` (unit access legs included, NaN for units off the network)."""
        return self.seconds[node][self.column] + self.unit_s

    def to(self, lon: float, lat: float, fallback: bool = False) -> Estimate:
        """Every unit → (lon, lat), like travel_to, read from the table."""
        origin, line = _origin(self.graph, lon, lat, self.max_snap_m, fallback, self.lons, self.lats, "事件地点")
        if line is not None:
            return line
        node, origin_m = origin
        seconds = self.seconds[node][self.column] + (self.unit_s + origin_m / self.speed)
        metres = self.metres[node][self.column] + (self.unit_m + origin_m)
        if self._all_ok and np.isfinite(seconds).all():
            return Estimate(seconds, metres, NETWORK, self._methods, self.snap_m, origin_m, self._reasons)
        packed = np.where(np.isfinite(seconds), 0.0, np.inf)  # the general path: reasons and fallback for gaps
        estimate = _estimate(self.graph, packed, 0.0, self.snap.distance_m, self.snap.ok, self.lons, self.lats,
                             lon, lat, fallback, "出发单位", self.max_snap_m)
        reached = np.isfinite(seconds)
        return Estimate(np.where(reached, seconds, estimate.seconds), np.where(reached, metres, estimate.metres),
                        estimate.method, estimate.methods, self.snap_m, origin_m, estimate.reasons)


def table_bytes(graph: RoadGraph, units: int) -> int:
    return graph.n_nodes * max(units, 1) * 8


_TABLES: OrderedDict = OrderedDict()


def unit_table(graph: RoadGraph, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M,
               max_bytes: int = 256 * 2**20, cache_size: int = 4) -> UnitTable:
    """A UnitTable from a small LRU cache keyed on the network version and the units' coordinates."""
    lons, lats = _points(lons, lats)
    key = (graph.version, lons.tobytes(), lats.tobytes(), max_snap_m)
    with _LOCK:
        table = _TABLES.get(key)
    if table is None:
        table = UnitTable(graph, lons, lats, max_snap_m, max_bytes)  # outside the lock: may take a while
    with _LOCK:
        _TABLES[key] = table
        _TABLES.move_to_end(key)
        while len(_TABLES) > cache_size:
            _TABLES.popitem(last=False)
    return table


def cached_table(graph: RoadGraph, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> UnitTable | None:
    lons, lats = _points(lons, lats)
    return _TABLES.get((graph.version, lons.tobytes(), lats.tobytes(), max_snap_m))


def estimator(graph: RoadGraph | None, max_snap_m: float = DEFAULT_MAX_SNAP_M, precompute_bytes: int = 32 * 2**20):
    """The drop-in for the dispatch code: fn(lon, lat, lons, lats) → Estimate of every unit → the incident.

    Never NaN: with no graph, an off-network incident, or a unit that cannot be routed, the numbers are the
    straight-line estimate and the label says 估算(直线) ("路网+估算(直线)" when only some units fell back).

    Precomputation: the units' trees (UnitTable) are built the first time a set of units is seen when the
    table fits in `precompute_bytes` (nodes × units × 8 B; 0 turns it off), and kept in a small LRU keyed
    on the network version and the units' coordinates, so a moved unit or a re-imported network gets a fresh
    table. Larger cases run one reverse Dijkstra per call (travel_to), which needs no invalidation at all.
    """
    def estimate(lon, lat, lons, lats, vehicle: vehicles.VehicleSize | None = None) -> Estimate:
        if graph is None:
            return straight_line(lon, lat, lons, lats, reason="未导入路网，按直线距离估算。")
        seen = vehicles.view(graph, vehicle)  # the graph itself unless a limit closes a road to the vehicle
        table = cached_table(seen, lons, lats, max_snap_m)
        if table is None and table_bytes(seen, len(np.atleast_1d(lons))) <= precompute_bytes:
            table = unit_table(seen, lons, lats, max_snap_m, max_bytes=precompute_bytes)
        if table is not None:
            found = table.to(lon, lat, fallback=True)
            if seen is graph or found.method == NETWORK or not np.isfinite(found.origin_snap_m):
                return found
            # a unit the vehicle may be shut out from: the search path says why (and keeps it NaN)
        return _travel(seen, lon, lat, lons, lats, max_snap_m, True, reverse=True)

    return estimate


@dataclass(frozen=True)
class Route:
    """The fastest route: [lon, lat] points from the start point through the road nodes to the end point."""

    coordinates: list[list[float]]
    seconds: float
    metres: float
    method: str
    nodes: list[int]
    snap_from_m: float = float("nan")
    snap_to_m: float = float("nan")

    def geojson(self) -> dict:
        return {"type": "Feature", "geometry": {"type": "LineString", "coordinates": self.coordinates},
                "properties": {"seconds": round(self.seconds, 1), "metres": round(self.metres, 1),
                               "method": self.method}}


def route(graph: RoadGraph | None, start: tuple[float, float], end: tuple[float, float],
          max_snap_m: float = DEFAULT_MAX_SNAP_M, vehicle: vehicles.VehicleSize | None = None) -> Route:
    """The fastest route from start to end (lon, lat). No graph: the straight line, labelled 估算(直线).
    With a vehicle: over the roads open to its size; none → GraphError naming the limit."""
    graph = vehicles.view(graph, vehicle)
    (lon1, lat1), (lon2, lat2) = start, end
    if graph is None:
        line = straight_line(lon1, lat1, [lon2], [lat2])
        return Route([[lon1, lat1], [lon2, lat2]], float(line.seconds[0]), float(line.metres[0]), STRAIGHT_LINE, [])
    a, snap_a = snap_point(graph, lon1, lat1, max_snap_m, what="起点")
    b, snap_b = snap_point(graph, lon2, lat2, max_snap_m, what="终点")
    # Stops once the end is settled; with turn data, on the expanded graph (turns.path).
    packed, nodes = turns.path(graph, a, b) if graph.turns is not None else bounded.path_to(graph, a, b)
    if not np.isfinite(packed):
        limit = _limit_reasons(graph, a, np.array([[0, b]]), reverse=False).get(0)
        raise GraphError(f"起点与终点之间：{limit}。" if limit else "起点与终点之间" + UNREACHABLE)
    _check(graph, np.array([packed]))
    idx = np.asarray(nodes)
    coords = [[float(lon1), float(lat1)]] + np.column_stack([graph.lon[idx], graph.lat[idx]]).tolist()
    coords.append([float(lon2), float(lat2)])
    speed = access_speed_ms(graph)
    return Route(coords, float(unpack_seconds(packed)) + (snap_a + snap_b) / speed,
                 float(unpack_metres(packed)) + snap_a + snap_b, NETWORK, nodes, snap_a, snap_b)


def nearest_station(graph: RoadGraph, station_nodes, limit_s: float | None = None, with_station: bool = True,
                    edge_start: bool = False):
    """Multi-source coverage: for every node, seconds from its nearest station (inf beyond limit_s) and that
    station's index into `station_nodes` (-1 where none; None with with_station=False, which spares scipy
    the predecessor arrays: callers that need the seconds only). One Dijkstra from all stations at once.
    edge_start=True adds a third value, per edge the seconds at which it can be entered (the best allowed
    turn into it), for networks with turn data; None otherwise (an edge is entered when its source is reached).

    bounded.cover's compiled radix heap search (with numba, on a graph without turn data), 33 % fewer
    instructions than scipy's on the 5-minute coverage of 380 stations (bench/routing_instructions.py); it
    carries each node's station along as it relaxes, where scipy needs its predecessor arrays for that."""
    station_nodes = np.asarray(station_nodes, dtype=np.int64)
    if edge_start:
        return _nearest_edges(graph, station_nodes, limit_s, with_station)
    if len(station_nodes) == 0:
        return np.full(graph.n_nodes, np.inf), (np.full(graph.n_nodes, -1, dtype=np.int64) if with_station else None)
    exact = limit_s is not None and limit_s <= graph.max_path_s  # the bound itself keeps every path exact
    if graph.turns is None:  # compiled, with a radix heap (bounded.cover); scipy without numba
        found = bounded.cover(graph, station_nodes, packed_limit(limit_s), with_source=with_station)
        if found is not None:
            seconds, station_of = found if with_station else (found, None)
            if not exact and np.max(seconds, initial=0.0, where=seconds < np.inf) > graph.max_path_s:
                raise GraphError(_TOO_LONG.format(hours=graph.max_path_s / 3600))
            return seconds, station_of
    if not with_station:
        packed = tree(graph, station_nodes, limit_s=limit_s, min_only=True)
        if not exact:
            _check(graph, packed)
        return _unpack_in_place(packed), None
    packed, _, sources = tree(graph, station_nodes, limit_s=limit_s, predecessors=True, min_only=True)
    if not exact:
        _check(graph, packed)
    position = np.full(graph.n_nodes + 1, -1, dtype=np.int64)  # the extra last slot: no station
    position[station_nodes[::-1]] = np.arange(len(station_nodes))[::-1]  # first index for duplicate nodes
    sources[sources < 0] = graph.n_nodes  # in place: whole-graph arrays, so no temporaries
    return _unpack_in_place(packed), position.take(sources)


def _nearest_edges(graph, station_nodes, limit_s, with_station):
    """nearest_station(edge_start=True): the per-edge entry times from the expanded graph's own search."""
    if graph.turns is None or not len(station_nodes):
        return (*nearest_station(graph, station_nodes, limit_s, with_station), None)
    expanded = graph.turns.graph
    result = dijkstra(expanded.fwd, directed=True, indices=station_nodes, limit=packed_limit(limit_s),
                      min_only=True, return_predecessors=with_station)
    packed_x = result[0] if with_station else result
    packed = graph.turns.arrival(packed_x)
    _check(graph, packed)
    station_of = None
    if with_station:
        sources = graph.turns.arrival_source(packed_x, result[2], packed)
        position = np.full(expanded.n_nodes + 1, -1, dtype=np.int64)
        position[station_nodes[::-1]] = np.arange(len(station_nodes))[::-1]
        sources[sources < 0] = expanded.n_nodes
        station_of = position.take(sources)
    return unpack_seconds(packed), station_of, unpack_seconds(graph.turns.edge_start(packed_x))


def _unpack_in_place(packed: np.ndarray) -> np.ndarray:
    """unpack_seconds() reusing the array (a whole-graph tree nobody else holds): one compiled pass."""
    return bounded.unpack_in_place(packed)


def isochrone(graph: RoadGraph | None, lon: float, lat: float, minutes: float, reverse: bool = False,
              buffer_m: float = 80.0, max_hole_m2: float = 1e6, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict:
    """GeoJSON (Multi)Polygon of what a crew leaving (lon, lat) reaches in `minutes` (reverse: who reaches it).

    The reached road pieces (edges cut where the time runs out) are buffered by buffer_m and merged; holes
    smaller than max_hole_m2 (blocks ringed by reached roads) are filled. No graph: a circle of the
    straight-line reach (speed ÷ detour factor), labelled 估算(直线) in the "method" member.
    """
    import shapely

    budget = float(minutes) * 60.0
    if graph is None:
        from .estimate import straight_line_config
        from .graph import EARTH_RADIUS_M

        detour, speed = straight_line_config()
        radius = budget * speed / 3.6 / detour
        circle = shapely.Point(0.0, 0.0).buffer(radius, quad_segs=16)
        k = np.cos(np.radians(lat))
        geom = shapely.transform(circle, lambda xy: np.column_stack([
            lon + np.degrees(xy[:, 0] / (EARTH_RADIUS_M * k)), lat + np.degrees(xy[:, 1] / EARTH_RADIUS_M)]))
        return dict(_geojson(geom), method=STRAIGHT_LINE)
    node, snap_m = snap_point(graph, lon, lat, max_snap_m, what="中心点")
    budget -= snap_m / access_speed_ms(graph)
    xy = graph.kdtree.data  # the nodes' projected coordinates, already computed for snapping
    here = np.asarray(graph.project_one(lon, lat))
    pieces = [np.array([[here, xy[node]]])]
    if budget >= 0:
        src, dst, start_t, edge_t = _reach(graph, node, reverse, budget)
        live = np.isfinite(start_t)
        src, dst, start_t, edge_t = src[live], dst[live], start_t[live], edge_t[live]
        frac = np.clip((budget - start_t) / edge_t, 0.0, 1.0)
        ends = xy[src] + (xy[dst] - xy[src]) * frac[:, None]
        pieces.append(np.stack([xy[src], ends], axis=1))
    segments = np.concatenate(pieces)
    lines = shapely.multilinestrings(shapely.linestrings(segments))
    area = shapely.buffer(lines, buffer_m, quad_segs=4)
    area = _fill_holes(area, max_hole_m2).simplify(buffer_m / 16)
    geom = shapely.transform(area, lambda pts: graph.unproject(pts))
    return dict(_geojson(geom), method=NETWORK)


def _reach(graph: RoadGraph, node: int, reverse: bool, budget: float):
    """Per edge: the end it is driven from (towards the other end; reverse: the end it leads to), that end,
    the seconds at which the drive along it starts (inf: never within budget) and its seconds."""
    if graph.turns is None:
        seconds = unpack_seconds(tree(graph, node, reverse=reverse, limit_s=budget))
        matrix = graph.rev if reverse else graph.fwd
        src = np.repeat(np.arange(graph.n_nodes), np.diff(matrix.indptr))
        return src, matrix.indices, seconds[src], unpack_seconds(matrix.data)
    t = graph.turns
    limit = packed_limit(budget)
    if reverse:  # from the end of each road, having driven it, to the centre
        packed = dijkstra(t.graph.rev, directed=True, indices=t.copies_of([node])[0], limit=limit, min_only=True)
        start = t.edge_end(packed)
        ends = (graph.indices, graph.edge_sources())
    else:  # entering each road by the best allowed turn
        start = t.edge_start(dijkstra(t.graph.fwd, directed=True, indices=node, limit=limit))
        ends = (graph.edge_sources(), graph.indices)
    return ends[0], ends[1], unpack_seconds(start), graph.edge_seconds()


def _fill_holes(geometry, max_hole_m2: float):
    import shapely

    def fill(polygon):
        holes = [ring for ring in polygon.interiors if shapely.Polygon(ring).area > max_hole_m2]
        return shapely.Polygon(polygon.exterior, holes)

    if geometry.geom_type == "Polygon":
        return fill(geometry)
    if geometry.geom_type == "MultiPolygon":
        return shapely.MultiPolygon([fill(p) for p in geometry.geoms])
    return geometry


def _geojson(geometry) -> dict:
    from shapely.geometry import mapping

    def lists(value):
        if isinstance(value, tuple | list):
            return [lists(v) for v in value]
        return round(float(value), 7)

    data = mapping(geometry)
    return {"type": data["type"], "coordinates": lists(data["coordinates"])}

