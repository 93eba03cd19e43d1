"""Fire-station coverage (建标152-2017: reach the edge of the district within 5 minutes) and isochrones,
from the imported road network; read-side helpers for the pages and the API."""

from django.core.exceptions import ValidationError

from yingji import routing
from yingji.core import roads
from yingji.core.models import Region
from yingji.core.scoping import scope

from .models import RescueForce

STATION_TYPES = ("fire_station", "government_fire", "enterprise_fire")


def minutes_param(params, default: float = 5.0) -> float:
    value = params.get("minutes") or default
    try:
        minutes = float(value)
    except (TypeError, ValueError):
        raise ValidationError({"minutes": [f"“{value}”不是有效的分钟数。"]}) from None
    if not 0 < minutes <= 60:
        raise ValidationError({"minutes": ["分钟数应在 0–60 之间。"]})
    return minutes


def isochrone(force: RescueForce, minutes: float) -> dict:
    """GeoJSON area the force reaches in `minutes` by road (labelled 估算(直线) without a network)."""
    if force.longitude is None or force.latitude is None:
        raise ValidationError({"longitude": ["该队伍没有标注位置，无法计算等时圈。"]})
    return routing.isochrone(roads.network(), force.longitude, force.latitude, minutes)


def station_coverage(user, minutes: float):
    """The coverage report of the user's fire stations, per township where boundaries exist; None without a network."""
    graph = roads.network()
    if graph is None:
        return None
    stations = [(f.longitude, f.latitude, f.name) for f in scope(
        RescueForce.objects.filter(type__in=STATION_TYPES, longitude__isnull=False).exclude(status="disabled"), user)]
    if not stations:
        raise ValidationError({"stations": ["管辖范围内没有标注位置的消防站。"]})
    townships = [{"name": r.name, "code": r.code, "boundary": r.boundary, "population": r.population or 0}
                 for r in scope(Region.objects.with_boundary().filter(level="township", boundary__isnull=False), user)]
    return routing.coverage(graph, stations, minutes, townships=townships or None)


def svg_shape(geometry: dict, centre: tuple[float, float], size: int = 320) -> dict:
    """An SVG path of a GeoJSON (Multi)Polygon around `centre`, so a page can show an isochrone without a
    map library: equirectangular projection scaled to the shape, y pointing down. Returns path, dot, km."""
    import math

    rings = geometry["coordinates"] if geometry["type"] == "Polygon" else [
        ring for polygon in geometry["coordinates"] for ring in polygon]
    xs = [p[0] for ring in rings for p in ring] + [centre[0]]
    ys = [p[1] for ring in rings for p in ring] + [centre[1]]
    scale_x = math.cos(math.radians(centre[1]))
    width = max((max(xs) - min(xs)) * scale_x, max(ys) - min(ys), 1e-6)
    factor = (size - 20) / width

    def xy(lon, lat):
        return 10 + (lon - min(xs)) * scale_x * factor, 10 + (max(ys) - lat) * factor

    path = " ".join("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in (xy(*p) for p in ring)) + " Z" for ring in rings)
    dot = xy(*centre)
    return {"path": path, "dot": dot, "size": size, "km": round(width * 111.32, 1)}


def siting(user, k_value, minutes: float):
    """K new station sites maximising road length reached within `minutes`, the existing stations' coverage
    taken out first (MCLP: exact with HiGHS when small enough, and greedy); None without a network."""
    try:
        k = int(k_value or 2)
    except (TypeError, ValueError):
        raise ValidationError({"k": [f"“{k_value}”不是有效的站点数量。"]}) from None
    if not 1 <= k <= 20:
        raise ValidationError({"k": ["新建站点数量应在 1–20 之间。"]})
    graph = roads.network()
    if graph is None:
        return None
    existing = [(f.longitude, f.latitude) for f in scope(
        RescueForce.objects.filter(type__in=STATION_TYPES, longitude__isnull=False).exclude(status="disabled"), user)]
    try:
        return routing.site(graph, k, minutes, existing=existing, time_limit_s=20)
    except ValueError as exc:  # the engine's own Chinese message (e.g. no candidates)
        raise ValidationError({"k": [str(exc)]}) from None
