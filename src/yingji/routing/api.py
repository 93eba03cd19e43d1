"""The stable entry points (re-exported by yingji.routing; see its docstring for the contract)."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np

from . import covering as _coverage
from . import query as _query
from . import siting as _siting
from .estimate import STRAIGHT_LINE, Estimate, straight_line
from .graph import GraphError, RoadGraph, default_var_dir, roads_dir
from .osm import import_osm
from .snap import DEFAULT_MAX_SNAP_M, OffNetworkError
from .vehicles import VehicleSize

__all__ = ["load", "networks", "travel_from", "travel_to", "estimator", "route", "isochrone", "coverage", "site",
           "import_osm", "straight_line", "Estimate", "RoadGraph", "GraphError", "OffNetworkError", "STRAIGHT_LINE",
           "township_demand",
           "NO_NETWORK"]

NO_NETWORK = "未导入路网，按直线距离估算。"
_LOADED: dict[Path, tuple[bytes, RoadGraph]] = {}
_LOCK = threading.Lock()


def load(name: str, var_dir: str | Path | None = None) -> RoadGraph | None:
    """The network `<var>/roads/<name>/`, or None when it has not been imported. Loaded graphs are kept per
    process and reloaded after a re-import, so calling this per request is cheap."""
    directory = roads_dir(name, var_dir)
    try:
        # meta.json is small and rewritten (with the network's digest and import time) by every import.
        stamp = (directory / "meta.json").read_bytes()
    except FileNotFoundError:
        return None
    with _LOCK:
        cached = _LOADED.get(directory)
        if cached and cached[0] == stamp:
            return cached[1]
        graph = RoadGraph.load(directory)
        _LOADED[directory] = (stamp, graph)
        return graph


def networks(var_dir: str | Path | None = None) -> list[dict]:
    """Summaries (meta.json) of the imported networks under `<var>/roads/`."""
    root = Path(var_dir if var_dir is not None else default_var_dir()) / "roads"
    result = []
    for meta in sorted(root.glob("*/meta.json")):
        try:
            data = json.loads(meta.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        result.append({k: data.get(k) for k in ("name", "source", "nodes", "edges", "road_km", "created", "bbox")})
    return result


def travel_from(graph: RoadGraph | None, lon: float, lat: float, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M,
                fallback: bool = False, vehicle: VehicleSize | None = None) -> Estimate:
    """Seconds and metres from (lon, lat) to each target. No graph → straight line, labelled 估算(直线).
    vehicle: roads whose maxheight/maxweight/maxwidth are below its size are closed to it."""
    if graph is None:
        return straight_line(lon, lat, lons, lats, reason=NO_NETWORK)
    return _query.travel_from(graph, lon, lat, lons, lats, max_snap_m, fallback, vehicle)


def travel_to(graph: RoadGraph | None, lon: float, lat: float, lons, lats, max_snap_m: float = DEFAULT_MAX_SNAP_M,
              fallback: bool = False, vehicle: VehicleSize | None = None) -> Estimate:
    """Seconds and metres from each unit (lons, lats) to (lon, lat). No graph → straight line."""
    if graph is None:
        return straight_line(lon, lat, lons, lats, reason=NO_NETWORK)
    return _query.travel_to(graph, lon, lat, lons, lats, max_snap_m, fallback, vehicle)


def estimator(graph: RoadGraph | None, max_snap_m: float = DEFAULT_MAX_SNAP_M, precompute_bytes: int = 32 * 2**20):
    """Drop-in for incidents.services.dispatch.estimator(): fn(lon, lat, lons, lats) → Estimate, units → incident."""
    return _query.estimator(graph, max_snap_m, precompute_bytes)


def route(graph: RoadGraph | None, start, end, max_snap_m: float = DEFAULT_MAX_SNAP_M,
          vehicle: VehicleSize | None = None) -> _query.Route:
    """Fastest route between two (lon, lat) points: Route(coordinates [[lon, lat], …], seconds, metres, method)."""
    return _query.route(graph, start, end, max_snap_m, vehicle)


def isochrone(graph: RoadGraph | None, lon: float, lat: float, minutes: float = 5.0, reverse: bool = False,
              buffer_m: float = 80.0, max_snap_m: float = DEFAULT_MAX_SNAP_M) -> dict:
    """GeoJSON Polygon/MultiPolygon reached from (lon, lat) in `minutes`, with a "method" member."""
    return _query.isochrone(graph, lon, lat, minutes, reverse=reverse, buffer_m=buffer_m, max_snap_m=max_snap_m)


def coverage(graph: RoadGraph | None, stations, minutes: float = 5.0, townships: list[dict] | None = None,
             population=None, turnout_s: float = 0.0, max_snap_m: float = DEFAULT_MAX_SNAP_M,
             max_areas: int = 20) -> _coverage.CoverageReport:
    """Per-township share of road length and population within `minutes` of the nearest station."""
    _need(graph, "覆盖分析")
    return _coverage.coverage(graph, stations, minutes, townships, population, turnout_s, max_snap_m, max_areas)


def site(graph: RoadGraph | None, k: int, minutes: float = 5.0, candidates=None, demand=None, existing=None,
         turnout_s: float = 0.0, time_limit_s: float = 60.0, run_exact: bool | None = None,
         max_snap_m: float = DEFAULT_MAX_SNAP_M) -> _siting.SitingResult:
    """MCLP station siting: K sites maximising demand within `minutes` (exact with HiGHS and greedy)."""
    _need(graph, "站点选址")
    return _siting.site(graph, k, minutes, candidates=candidates, demand=demand, existing=existing,
                        turnout_s=turnout_s, time_limit_s=time_limit_s, run_exact=run_exact, max_snap_m=max_snap_m)


def _need(graph, what: str):
    if graph is None:
        raise GraphError(f"{what}需要路网：请先用 `yingji roads import` 导入 OSM 路网（直线估算不能用于{what}）。")


def township_demand(graph: RoadGraph, townships: list[dict]) -> np.ndarray:
    """Population per node: each township's population spread evenly over its road nodes."""
    where = _coverage.assign_nodes(graph, townships)
    counts = np.bincount(where, minlength=len(townships) + 1)
    demand = np.zeros(graph.n_nodes)
    for i, township in enumerate(townships):
        if township.get("population") and counts[i]:
            demand[where == i] = float(township["population"]) / counts[i]
    return demand
