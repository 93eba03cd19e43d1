"""Station coverage (消防站辖区覆盖): share of road length and of population within N minutes of the nearest
station, per township, and the uncovered areas.

Road length is counted per physical road (a two-way road once), and a road is covered in part where the
time runs out along it: a point at fraction f of edge u→v is reached at t(u) + f·τ(u→v), or from the
other end on a two-way road, so the covered share of the road is min(1, a + b) with
a = clip((T − t(u)) / τ(u→v), 0, 1) and b the same from v. Population is a township's population
spread evenly over its road nodes, or population points (each snapped to its road node) when given.

建标152-2017's 5 minutes run from the dispatch order and include turnout (出动准备, about 1 min):
pass turnout_s=60 to check the drive against 4 minutes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from .graph import GraphError, RoadGraph
from .query import nearest_station
from .snap import DEFAULT_MAX_SNAP_M, off_network_message, snap

OUTSIDE = "（不在任何乡镇边界内）"


@dataclass
class TownshipCoverage:
    name: str
    code: str | None
    nodes: int
    road_km: float
    covered_road_km: float
    road_pct: float | None
    population: float
    covered_population: float
    population_pct: float | None


@dataclass
class UncoveredArea:
    township: str | None
    nodes: int
    road_km: float
    population: float
    lon: float
    lat: float
    nearest_seconds: float  # the best time into the area from any station (inf: no station reaches it)


@dataclass
class CoverageReport:
    minutes: float
    turnout_s: float
    stations: list[dict]
    road_km: float
    covered_road_km: float
    road_pct: float | None
    population: float
    covered_population: float
    population_pct: float | None
    townships: list[TownshipCoverage]
    uncovered: list[UncoveredArea]
    uncovered_total: int
    population_source: str
    seconds: np.ndarray = field(repr=False, default=None)  # per node: from its nearest station
    station_of: np.ndarray = field(repr=False, default=None)  # per node: index of that station (-1: none)

    def as_dict(self) -> dict:
        data = {k: v for k, v in self.__dict__.items() if k not in ("seconds", "station_of")}
        data["townships"] = [t.__dict__ for t in self.townships]
        data["uncovered"] = [dict(u.__dict__, nearest_seconds=None if not np.isfinite(u.nearest_seconds)
                                  else u.nearest_seconds) for u in self.uncovered]
        return data


def points(items) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """(lons, lats, names) from [(lon, lat), (lon, lat, name), {"lon":…, "lat":…, "name":…}, …]."""
    lons, lats, names = [], [], []
    for i, item in enumerate(items or []):
        if isinstance(item, dict):
            lon, lat, name = item.get("lon", item.get("longitude")), item.get("lat", item.get("latitude")), \
                item.get("name")
        else:
            lon, lat, name = item[0], item[1], (item[2] if len(item) > 2 else None)
        lons.append(float(lon))
        lats.append(float(lat))
        names.append(str(name) if name is not None else f"第{i + 1}个")
    return np.asarray(lons, dtype=np.float64), np.asarray(lats, dtype=np.float64), names


def townships_from_geojson(data) -> list[dict]:
    """A FeatureCollection of township boundaries (properties name, code, population) → township dicts."""
    if isinstance(data, str | Path):
        data = json.loads(Path(data).read_text(encoding="utf-8"))
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise GraphError("乡镇边界文件须为 GeoJSON FeatureCollection，每个要素带 name（名称）、可选 code 与 population（人口）。")
    result = []
    for i, feature in enumerate(data.get("features", [])):
        props = feature.get("properties") or {}
        population = props.get("population")
        result.append({"name": str(props.get("name") or f"乡镇{i + 1}"), "code": props.get("code"),
                       "boundary": feature.get("geometry"),
                       "population": float(population) if population not in (None, "") else None})
    return result


def assign_nodes(graph: RoadGraph, townships: list[dict]) -> np.ndarray:
    """Index of the township each node lies in (first match), len(townships) for none."""
    import shapely
    from shapely.geometry import shape

    where = np.full(graph.n_nodes, len(townships), dtype=np.int64)
    for i, township in enumerate(townships):
        boundary = township.get("boundary")
        if isinstance(boundary, dict) and boundary.get("type") == "Feature":
            boundary = boundary.get("geometry")
        try:
            geometry = shape(boundary)
        except Exception as exc:  # shapely raises several types for malformed input
            raise GraphError(f"乡镇“{township.get('name')}”的边界不是有效的 GeoJSON：{exc}") from None
        shapely.prepare(geometry)
        free = where == len(townships)
        inside = shapely.intersects_xy(geometry, graph.lon[free], graph.lat[free])
        where[np.flatnonzero(free)[inside]] = i
    return where


def covered_fraction(graph: RoadGraph, seconds: np.ndarray, budget_s: float, start: np.ndarray | None = None):
    """Per edge counted once (see module doc): (edge indices, covered fraction 0..1, length m). `start`: per
    edge the seconds at which it is entered, where that is not its source's time (turn restrictions)."""
    src = graph.edge_sources()
    dst = graph.indices
    tau = graph.edge_seconds()
    length = graph.edge_metres()
    twin = graph.twin()
    with np.errstate(invalid="ignore", divide="ignore"):
        a = np.clip((budget_s - (seconds[src] if start is None else start)) / tau, 0.0, 1.0)
    a = np.nan_to_num(a, nan=0.0)
    once = (twin < 0) | (src < dst)
    b = np.where(twin >= 0, a[np.maximum(twin, 0)], 0.0)
    fraction = np.minimum(1.0, a + b)
    edges = np.flatnonzero(once)
    return edges, fraction[edges], length[edges]


def coverage(graph: RoadGraph, stations, minutes: float = 5.0, townships: list[dict] | None = None,
             population=None, turnout_s: float = 0.0, max_snap_m: float = DEFAULT_MAX_SNAP_M,
             max_areas: int = 20) -> CoverageReport:
    """Coverage of the network by `stations` within `minutes` (minus turnout_s).

    stations: [(lon, lat[, name]) | {"lon", "lat", "name"}]; townships: [{"name", "code", "boundary"
    (GeoJSON), "population"}]; population: optional points [(lon, lat, count)] (or an (n, 3) array).
    """
    if minutes <= 0:
        raise GraphError("分钟数须大于 0。")
    budget = float(minutes) * 60.0 - float(turnout_s)
    s_lon, s_lat, s_names = points(stations)
    snapped = snap(graph, s_lon, s_lat, max_snap_m)
    station_rows = []
    for i in range(len(s_lon)):
        row = {"name": s_names[i], "lon": float(s_lon[i]), "lat": float(s_lat[i]), "ok": bool(snapped.ok[i]),
               "node": int(snapped.node[i]) if snapped.ok[i] else None,
               "snap_m": round(float(snapped.distance_m[i]), 1) if np.isfinite(snapped.distance_m[i]) else None}
        if not snapped.ok[i]:
            row["reason"] = off_network_message(s_lon[i], s_lat[i], snapped.distance_m[i], max_snap_m, s_names[i])
        station_rows.append(row)
    nodes = snapped.node[snapped.ok]
    seconds, station_of, start = nearest_station(graph, nodes, edge_start=True) if budget >= 0 else (
        np.full(graph.n_nodes, np.inf), np.full(graph.n_nodes, -1), None)
    # Back to indices into `stations`.
    ok_index = np.flatnonzero(snapped.ok)
    station_of = np.where(station_of >= 0, ok_index[np.maximum(station_of, 0)] if len(ok_index) else -1, -1)

    townships = townships or []
    where = assign_nodes(graph, townships) if townships else np.zeros(graph.n_nodes, dtype=np.int64)
    groups = len(townships) + 1 if townships else 1

    # Population per node.
    node_pop = np.zeros(graph.n_nodes)
    population_source = "none"
    unplaced_population = 0.0
    if population is not None and len(population):
        pts = np.asarray(population, dtype=np.float64).reshape(-1, 3)
        placed = snap(graph, pts[:, 0], pts[:, 1], max_snap_m)
        np.add.at(node_pop, placed.node[placed.ok], pts[placed.ok, 2])
        unplaced_population = float(pts[~placed.ok, 2].sum())
        population_source = "points"
    elif any(t.get("population") for t in townships):
        counts = np.bincount(where, minlength=groups)
        for i, township in enumerate(townships):
            if township.get("population") and counts[i]:
                node_pop[where == i] = float(township["population"]) / counts[i]
        population_source = "townships"
    covered_node = seconds <= budget

    edges, fraction, length = covered_fraction(graph, seconds, budget, start)
    edge_group = where[graph.edge_sources()[edges]]
    road_m = np.bincount(edge_group, weights=length, minlength=groups)
    covered_m = np.bincount(edge_group, weights=length * fraction, minlength=groups)
    pop = np.bincount(where, weights=node_pop, minlength=groups)
    covered_pop = np.bincount(where, weights=node_pop * covered_node, minlength=groups)
    n_nodes = np.bincount(where, minlength=groups)

    def pct(part, whole):
        return round(float(100.0 * part / whole), 2) if whole > 0 else None

    rows = []
    if townships:
        for i in range(groups):
            if i == len(townships) and n_nodes[i] == 0:
                continue
            township = townships[i] if i < len(townships) else {"name": OUTSIDE, "code": None}
            rows.append(TownshipCoverage(
                name=township.get("name"), code=township.get("code"), nodes=int(n_nodes[i]),
                road_km=round(road_m[i] / 1000, 3), covered_road_km=round(covered_m[i] / 1000, 3),
                road_pct=pct(covered_m[i], road_m[i]), population=round(float(pop[i]), 1),
                covered_population=round(float(covered_pop[i]), 1), population_pct=pct(covered_pop[i], pop[i])))

    areas = _uncovered(graph, seconds, budget, edges, fraction, length, node_pop, where, townships)
    total_pop = float(pop.sum()) + unplaced_population
    return CoverageReport(
        minutes=float(minutes), turnout_s=float(turnout_s), stations=station_rows,
        road_km=round(float(road_m.sum()) / 1000, 3), covered_road_km=round(float(covered_m.sum()) / 1000, 3),
        road_pct=pct(covered_m.sum(), road_m.sum()), population=round(total_pop, 1),
        covered_population=round(float(covered_pop.sum()), 1), population_pct=pct(covered_pop.sum(), total_pop),
        townships=rows, uncovered=areas[:max_areas], uncovered_total=len(areas),
        population_source=population_source, seconds=seconds, station_of=station_of)


def _uncovered(graph, seconds, budget, edges, fraction, length, node_pop, where, townships) -> list[UncoveredArea]:
    """Connected groups of nodes beyond the budget, biggest population (then road length) first."""
    out = ~(seconds <= budget)
    if not out.any():
        return []
    src = graph.edge_sources()
    dst = graph.indices
    both = out[src] & out[dst]
    n = graph.n_nodes
    adjacency = coo_matrix((np.ones(int(both.sum()), dtype=np.int8), (src[both], dst[both])), shape=(n, n))
    _, labels = connected_components(adjacency, directed=True, connection="weak")
    labels = np.where(out, labels, -1)
    comps, inverse = np.unique(labels[out], return_inverse=True)
    k = len(comps)
    idx = np.flatnonzero(out)
    count = np.bincount(inverse, minlength=k)
    pop = np.bincount(inverse, weights=node_pop[idx], minlength=k)
    lon = np.bincount(inverse, weights=graph.lon[idx], minlength=k) / count
    lat = np.bincount(inverse, weights=graph.lat[idx], minlength=k) / count
    nearest = np.full(k, np.inf)
    np.minimum.at(nearest, inverse, seconds[idx])
    # Uncovered road length goes to the component of the edge's uncovered end.
    e_src, e_dst = src[edges], dst[edges]
    end = np.where(out[e_src], e_src, e_dst)
    part = length * (1.0 - fraction)
    has = out[end] & (part > 0)
    position = np.full(n, -1, dtype=np.int64)
    position[idx] = inverse
    road = np.bincount(position[end[has]], weights=part[has], minlength=k)
    town = np.zeros(k, dtype=np.int64)
    if townships:
        # The township holding most of the area's nodes.
        pairs = np.unique(np.column_stack([inverse, where[idx]]), axis=0, return_counts=True)
        best = np.full(k, -1)
        best_count = np.zeros(k, dtype=np.int64)
        for (comp, t), c in zip(pairs[0], pairs[1], strict=True):
            if c > best_count[comp]:
                best[comp], best_count[comp] = t, c
        town = best
    order = np.lexsort((-road, -pop))
    result = []
    for c in order:
        name = None
        if townships:
            name = townships[town[c]]["name"] if town[c] < len(townships) else OUTSIDE
        result.append(UncoveredArea(township=name, nodes=int(count[c]), road_km=round(float(road[c]) / 1000, 3),
                                    population=round(float(pop[c]), 1), lon=round(float(lon[c]), 6),
                                    lat=round(float(lat[c]), 6), nearest_seconds=round(float(nearest[c]), 1)))
    return result
