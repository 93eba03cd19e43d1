"""Which imported road network the site uses (YINGJI_ROAD_NETWORK, else the first under var/roads/)."""

from functools import partial

from django.conf import settings

from yingji import routing

_ESTIMATORS: dict = {}


def network():
    """The loaded RoadGraph, or None while no network has been imported (then estimates are straight-line)."""
    name = settings.YINGJI_ROAD_NETWORK
    if not name:
        found = routing.networks(settings.VAR_DIR)
        if not found:
            return None
        name = found[0]["name"]
    return routing.load(name, settings.VAR_DIR)


def straight_line():
    return partial(routing.straight_line, detour=settings.YINGJI_DETOUR_FACTOR,
                   speed_kmh=settings.YINGJI_STRAIGHT_LINE_SPEED_KMH)


def estimator():
    """fn(lon, lat, lons, lats) → Estimate from each unit to the point: by road when a network is loaded
    (kept per graph so its precomputed unit trees survive between requests), else straight line."""
    graph = network()
    if graph is None:
        return straight_line()
    key = id(graph)
    if key not in _ESTIMATORS:
        _ESTIMATORS.clear()  # a re-import replaces the graph: drop the old one's tables
        _ESTIMATORS[key] = routing.estimator(graph)
    return _ESTIMATORS[key]
