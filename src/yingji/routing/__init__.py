"""Road-network engine (路网调度): OSM import, travel times, coverage, station siting. Pure: numpy/scipy/shapely,
osmium for import, highspy for exact siting; no Django.

Stable API (what the Django side calls; all coordinates lon/lat WGS84, times in s, distances in m):

    load(name, var_dir=None) -> RoadGraph | None
        The network imported as `name` under <var>/roads/<name>/ (var: YINGJI_VAR_DIR, default ./var),
        None if there is none. Cached per process, reloaded after a re-import.

    travel_to(graph, lon, lat, lons, lats, max_snap_m=2000, fallback=False) -> Estimate
        From each unit (lons, lats) TO the incident (lon, lat): one Dijkstra on the reversed graph from the
        incident that stops once every unit is settled (bounded.py; numba when installed, else scipy).
    travel_from(graph, lon, lat, lons, lats, max_snap_m=2000, fallback=False) -> Estimate
        From one point to many.
        Estimate(seconds: ndarray, metres: ndarray, method: str, methods: tuple[str], snap_m: ndarray,
                 origin_snap_m: float, reasons: tuple[str | None]) — NaN where a target is off the network
        (> max_snap_m from any road) or unreachable, with the reason in Chinese; fallback=True fills those
        with the straight-line estimate instead. graph=None → straight line for all, method "估算(直线)".
        An off-network origin raises OffNetworkError (a ValueError with a Chinese message) unless fallback.

    estimator(graph, max_snap_m=2000, precompute_bytes=32 MiB) -> fn(lon, lat, lons, lats) -> Estimate
        Drop-in for yingji.incidents.services.dispatch.estimator(): units → incident, never NaN
        (straight-line fill, labelled). Precomputes the units' trees (UnitTable) when they fit in
        precompute_bytes, keyed on the network version and the units' coordinates.

    route(graph, (lon, lat), (lon, lat), vehicle=None) -> Route(coordinates [[lon, lat], …], seconds, metres, method,
        nodes)
    vehicle= (travel_to, travel_from, route, and the estimator's fn): a VehicleSize (vehicle_size(height_m,
        weight_t, width_m) or for_type(Vehicle.type, …) with the typical sizes of data/vehicles.toml); roads whose
        maxheight/maxweight/maxwidth are below it are closed, and a unit it cannot reach is NaN with the limit
        as its reason ("限高 3 米，车高 3.8 米，无可通行路线"), also with fallback=True.
    isochrone(graph, lon, lat, minutes=5, reverse=False) -> GeoJSON Polygon | MultiPolygon (+ "method")
    coverage(graph, stations, minutes=5, townships=None, population=None, turnout_s=0) -> CoverageReport
        stations [(lon, lat[, name])]; townships [{"name", "code", "boundary": GeoJSON, "population"}];
        population points [(lon, lat, count)]. Report: % road length and % population covered, overall and
        per township, the uncovered areas, and per-node seconds from the nearest station.
    site(graph, k, minutes=5, candidates=None, demand=None, existing=None) -> SitingResult
        MCLP: exact (HiGHS) for moderate sizes and greedy; both objective values when both run.
    import_osm(path, name, var_dir=None, bbox=None, polygon=None, profile=None, turns=None) -> ImportReport
        turns: TurnOptions (turn restriction relations on by default; turn costs optional); the report's
        `turns` counts the relations read, applied, skipped and the warnings (turns.py, restrictions.py).
    straight_line(lon, lat, lons, lats) -> Estimate labelled "估算(直线)" (YINGJI_DETOUR_FACTOR × great circle
        at YINGJI_STRAIGHT_LINE_SPEED_KMH).

Names are imported lazily, so `import yingji.routing` (done by the `yingji` command) costs nothing.
"""

from importlib import import_module

_EXPORTS = {
    "load": "api", "networks": "api", "travel_from": "api", "travel_to": "api", "estimator": "api", "route": "api",
    "isochrone": "api", "coverage": "api", "site": "api", "township_demand": "api", "NO_NETWORK": "api",
    "import_osm": "osm", "ImportReport": "osm",
    "straight_line": "estimate", "Estimate": "estimate", "STRAIGHT_LINE": "estimate", "NETWORK": "estimate",
    "RoadGraph": "graph", "GraphError": "graph",
    "OffNetworkError": "snap",
    "UnitTable": "query", "unit_table": "query", "Route": "query",
    "CoverageReport": "covering", "SitingResult": "siting",
    "Profile": "profile", "load_profile": "profile", "parse_maxspeed": "profile",
    "VehicleSize": "vehicles", "VehicleError": "vehicles", "vehicle_size": "vehicles", "for_type": "vehicles",
    "vehicle_types": "vehicles",
    "TurnOptions": "turns",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name):
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'yingji.routing' has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
