"""What every warnings page shares: the level colours, and the areas of messages as GeoJSON features (for the
warning page's map, the public map and GeoJSON, and the one-map layer)."""

import math

from django.db.models import Prefetch
from django.utils import timezone

from yingji.core.models import Region
from yingji.standards import levels as level_table

from ..models import Warning, WarningArea

# The four warning colours, as safety's 四色图 and the incident level tags.
HEX = {"red": "#d9342b", "orange": "#f28c28", "yellow": "#f2c81c", "blue": "#2f6fd6"}
NO_LEVEL = "#7a8594"  # an imported message without a Chinese colour level


def level_info(level) -> dict:
    """1–4 → {level, key (red…), hex, label 红色预警, short 红, roman Ⅰ}; None → a grey "未定级"."""
    found = level_table.levels().get(level) if level is not None else None
    if found is None:
        return {"level": None, "key": "none", "hex": NO_LEVEL, "label": "未定级", "short": "—", "roman": ""}
    return {"level": found.level, "key": found.colour_en, "hex": HEX.get(found.colour_en, NO_LEVEL),
            "label": f"{found.colour}预警", "short": found.colour[0], "roman": found.roman}


def level_choices() -> list[tuple[str, str]]:
    return [(str(lv.level), f"{lv.colour}（{lv.warning_level}）") for lv in level_table.levels().values()]


def current(queryset):
    """Published Alerts and Updates not past their expiry: what is "in force" (a Cancel message ends one, it is
    not one itself)."""
    from django.db.models import Q

    return queryset.filter(state=Warning.PUBLISHED).exclude(msg_type=Warning.CANCEL).filter(
        Q(expires__isnull=True) | Q(expires__gt=timezone.now()))


def geometry_of(boundary):
    """A Region.boundary (a GeoJSON Feature or geometry) → its geometry dict, or None."""
    if not isinstance(boundary, dict):
        return None
    geometry = boundary.get("geometry", boundary) if boundary.get("type") == "Feature" else boundary
    return geometry if geometry.get("type") in ("Polygon", "MultiPolygon") else None


def circle_ring(longitude: float, latitude: float, radius_km: float, points: int = 64) -> list[list[float]]:
    """A circle as a closed ring of lon/lat points (local equirectangular: exact enough for a few tens of km), for
    consumers of GeoJSON that know no circles."""
    dlat = radius_km / 111.32
    dlon = dlat / max(math.cos(math.radians(latitude)), 1e-6)
    ring = [[round(longitude + dlon * math.cos(2 * math.pi * i / points), 6),
             round(latitude + dlat * math.sin(2 * math.pi * i / points), 6)] for i in range(points)]
    return [*ring, ring[0]]


def area_geometries(area: WarningArea, circles_as_points=True, dot_km=None) -> list[tuple[dict, dict]]:
    """(geometry, extra properties) of one CAP area: its drawn polygon, its circle (a Point with radius_m for
    Leaflet, or a 64-point polygon for GeoJSON readers) and the boundaries of its regions. A region without a
    boundary is its centre point, or with `dot_km` a small ring around it (for maps that draw areas only)."""
    shapes = []
    if isinstance(area.polygon, dict):
        geometry = area.polygon.get("geometry", area.polygon) if area.polygon.get("type") == "Feature" else area.polygon
        if geometry.get("type") in ("Polygon", "MultiPolygon"):
            shapes.append((geometry, {}))
    if area.has_circle:
        if circles_as_points:
            shapes.append(({"type": "Point", "coordinates": [area.circle_longitude, area.circle_latitude]},
                           {"radius_m": round(area.circle_radius_km * 1000)}))
        else:
            shapes.append(({"type": "Polygon", "coordinates": [circle_ring(area.circle_longitude, area.circle_latitude,
                                                                            area.circle_radius_km)]},
                           {"radius_km": area.circle_radius_km}))
    for region in area.regions.all():
        geometry = geometry_of(region.boundary)
        if geometry is not None:
            shapes.append((geometry, {"region": region.name, "geocode": region.code or ""}))
        elif region.longitude is not None and region.latitude is not None:
            centre = ({"type": "Polygon", "coordinates": [circle_ring(region.longitude, region.latitude, dot_km, 32)]}
                      if dot_km else {"type": "Point", "coordinates": [region.longitude, region.latitude]})
            shapes.append((centre, {"region": region.name, "geocode": region.code or "", "centre_only": True}))
    return shapes


def warning_features(warnings, properties, circles_as_points=True, dot_km=None) -> list[dict]:
    """GeoJSON features of the areas of `warnings` (areas and regions prefetched), properties(warning, area) →
    dict merged into each feature's."""
    features = []
    for warning in warnings:
        for area in warning.areas.all():
            for index, (geometry, extra) in enumerate(area_geometries(area, circles_as_points, dot_km)):
                features.append({"type": "Feature", "id": f"{warning.pk}-{area.pk}-{index}", "geometry": geometry,
                                 "properties": {**properties(warning, area), **extra}})
    return features


def with_areas(queryset):
    return queryset.prefetch_related(Prefetch("areas__regions", queryset=Region.objects.with_boundary()))  # drawn


def local_time(value, fmt="%Y-%m-%d %H:%M") -> str:
    return timezone.localtime(value).strftime(fmt) if value else ""
