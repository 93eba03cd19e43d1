"""Snapping: the nearest road node to any point (KD-tree on projected coordinates, distance by great circle).

A point farther than `max_m` (default 2 km) from every road node is refused with a message that says
how far it is, rather than being routed from a road it cannot reach.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from .graph import RoadGraph, haversine_m, haversine_one

DEFAULT_MAX_SNAP_M = 2000.0


class OffNetworkError(ValueError):
    """A point too far from the road network; the message is for the user (Chinese)."""

    def __init__(self, lon: float, lat: float, distance_m: float, max_m: float, what: str = "该地点"):
        self.lon, self.lat, self.distance_m, self.max_m = lon, lat, distance_m, max_m
        super().__init__(off_network_message(lon, lat, distance_m, max_m, what))


def off_network_message(lon, lat, distance_m, max_m, what="该地点") -> str:
    if not np.isfinite(distance_m):
        return f"{what}（经度 {lon}，纬度 {lat}）坐标无效，无法在路网上定位。"
    return (f"{what}（经度 {lon:.6f}，纬度 {lat:.6f}）距最近的道路 {_km(distance_m)}，超过允许的 {_km(max_m)}，"
            f"不在已导入路网的覆盖范围内。请核对坐标，或导入覆盖该地点的路网。")


def _km(metres: float) -> str:
    return f"{metres / 1000:.1f} km" if metres >= 1000 else f"{metres:.0f} m"


@dataclass(frozen=True)
class Snap:
    """Per point: the road node (-1 where refused), the great-circle distance to it in metres, and ok."""

    node: np.ndarray
    distance_m: np.ndarray
    ok: np.ndarray


def snap(graph: RoadGraph, lons, lats, max_m: float = DEFAULT_MAX_SNAP_M) -> Snap:
    """Nearest road node for each point. Points farther than max_m (or with invalid coordinates) get node -1."""
    lons = np.atleast_1d(np.asarray(lons, dtype=np.float64))
    lats = np.atleast_1d(np.asarray(lats, dtype=np.float64))
    valid = np.isfinite(lons) & np.isfinite(lats) & (np.abs(lats) <= 90) & (np.abs(lons) <= 180)
    node = np.full(len(lons), -1, dtype=np.int64)
    distance = np.full(len(lons), np.inf)
    if valid.any() and graph.n_nodes:
        _, found = graph.kdtree.query(graph.project(lons[valid], lats[valid]), k=1)
        found = np.asarray(found, dtype=np.int64)
        node[valid] = found
        distance[valid] = haversine_m(lons[valid], lats[valid], graph.lon[found], graph.lat[found])
    ok = valid & (distance <= max_m)
    node[~ok] = -1
    return Snap(node=node, distance_m=distance, ok=ok)


def snap_point(graph: RoadGraph, lon: float, lat: float, max_m: float = DEFAULT_MAX_SNAP_M,
               what: str = "该地点") -> tuple[int, float]:
    """(node, distance_m) of one point, or OffNetworkError with a Chinese message."""
    try:
        lon, lat = float(lon), float(lat)
    except (TypeError, ValueError):
        raise OffNetworkError(lon, lat, math.inf, max_m, what) from None
    if not (math.isfinite(lon) and math.isfinite(lat) and abs(lon) <= 180 and abs(lat) <= 90) or not graph.n_nodes:
        raise OffNetworkError(lon, lat, math.inf, max_m, what)
    _, node = graph.kdtree.query(graph.project_one(lon, lat))
    node = int(node)
    distance = haversine_one(lon, lat, float(graph.lon[node]), float(graph.lat[node]))
    if distance > max_m:
        raise OffNetworkError(lon, lat, distance, max_m, what)
    return node, distance
