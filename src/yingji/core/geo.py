"""Coordinates and point-in-region lookup (CGCS2000/WGS84 longitude/latitude)."""

from dataclasses import dataclass

import numpy as np
import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import shape

# Mainland China with its islands lies inside this box; a point outside it in data that
# should be Chinese is almost always swapped or mistyped coordinates.
CHINA_LON = (73.0, 136.0)
CHINA_LAT = (3.0, 54.0)
EARTH_RADIUS_M = 6_371_008.8


def validate_point(longitude, latitude, *, allow_outside_china=False, lon_field="longitude", lat_field="latitude",
                   override_hint=""):
    """Raise a ValidationError naming the field when a coordinate is missing half, out of range or outside China.

    `override_hint`: how the caller's user says a point abroad is meant (a box on the region form); only a
    caller that offers such a way names it, so nobody is told about a box their page does not have."""
    if longitude is None and latitude is None:
        return
    errors = {}
    if longitude is None:
        errors[lon_field] = "填写了纬度时必须同时填写经度。"
    if latitude is None:
        errors[lat_field] = "填写了经度时必须同时填写纬度。"
    if errors:
        raise ValidationError(errors)
    swapped_into_china = CHINA_LON[0] <= latitude <= CHINA_LON[1] and CHINA_LAT[0] <= longitude <= CHINA_LAT[1]
    # Near the North Pole (e.g. Svalbard, 15°E 78°N) a real point outside China looks swapped too.
    if swapped_into_china and (not allow_outside_china or abs(latitude) > 90):
        swapped = f"经度 {longitude}、纬度 {latitude} 似乎填反了：我国经度在 73°～136°，纬度在 3°～54°。"
        raise ValidationError({lon_field: swapped, lat_field: swapped})
    if not -180 <= longitude <= 180:
        errors[lon_field] = f"经度 {longitude} 超出 -180～180 的范围。"
    if not -90 <= latitude <= 90:
        errors[lat_field] = f"纬度 {latitude} 超出 -90～90 的范围。"
    if not errors and not allow_outside_china:
        if not CHINA_LON[0] <= longitude <= CHINA_LON[1]:
            errors[lon_field] = f"经度 {longitude} 不在我国范围（东经 73°～136°）内，请检查是否填反或填错。{override_hint}"
        if not CHINA_LAT[0] <= latitude <= CHINA_LAT[1]:
            errors[lat_field] = f"纬度 {latitude} 不在我国范围（北纬 3°～54°）内，请检查是否填反或填错。{override_hint}"
    if errors:
        raise ValidationError(errors)


def validate_boundary(geojson, field="boundary"):
    """A boundary must be a valid GeoJSON Polygon or MultiPolygon (a Feature wrapping one is accepted)."""
    if geojson in (None, "", {}):
        return None
    if isinstance(geojson, dict) and geojson.get("type") == "Feature":
        geojson = geojson.get("geometry")
    try:
        geometry = shape(geojson)
    except Exception as exc:  # shapely raises several types for malformed input
        raise ValidationError({field: f"边界不是有效的 GeoJSON：{exc}"}) from exc
    if geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValidationError({field: f"边界必须是 Polygon 或 MultiPolygon，收到的是 {geometry.geom_type}。"})
    if not geometry.is_valid:
        raise ValidationError({field: f"边界多边形无效：{shapely.is_valid_reason(geometry)}。"})
    return geojson


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres; vectorised over numpy arrays."""
    lon1, lat1, lon2, lat2 = map(np.radians, (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


@dataclass(frozen=True)
class Located:
    region_id: int
    method: str  # "boundary" or "nearest_centre"
    distance_m: float | None  # to the centre, when found by nearest centre

    @property
    def method_label(self) -> str:
        return "按边界判定" if self.method == "boundary" else "按最近中心点估计（无边界数据）"


class RegionLocator:
    """Answers "which region of a level contains this point" for a fixed set of regions.

    Built once from (id, lon, lat, boundary) rows: an STRtree over the boundaries and a
    centre array for the nearest-centre fallback, so a lookup never loops over regions.
    """

    def __init__(self, rows):
        rows = list(rows)
        self.with_boundary = [(rid, shape(b)) for rid, _, _, b in rows if b]
        self.tree = shapely.STRtree([g for _, g in self.with_boundary]) if self.with_boundary else None
        centred = [(rid, lon, lat) for rid, lon, lat, _ in rows if lon is not None and lat is not None]
        self.centre_ids = np.array([r[0] for r in centred], dtype=np.int64)
        self.centre_lon = np.array([r[1] for r in centred], dtype=np.float64)
        self.centre_lat = np.array([r[2] for r in centred], dtype=np.float64)

    def locate(self, longitude: float, latitude: float) -> Located | None:
        if self.tree is not None:
            hits = self.tree.query(shapely.Point(longitude, latitude), predicate="intersects")
            if len(hits):
                return Located(self.with_boundary[int(min(hits))][0], "boundary", None)
        if not len(self.centre_ids):
            return None
        distances = haversine_m(longitude, latitude, self.centre_lon, self.centre_lat)
        best = int(np.argmin(distances))
        return Located(int(self.centre_ids[best]), "nearest_centre", float(distances[best]))


_locators: dict = {}


def _locator_for(level: str) -> RegionLocator:
    """One locator per level, rebuilt only when a region of that level has changed."""
    from django.db.models import Count, Max

    from .models import Region

    rows = Region.objects.filter(level=level)
    stamp = rows.aggregate(n=Count("id"), t=Max("updated_at"))
    key = (stamp["n"], stamp["t"])
    cached = _locators.get(level)
    if cached is None or cached[0] != key:
        cached = (key, RegionLocator(rows.values_list("id", "longitude", "latitude", "boundary")))
        _locators[level] = cached
    return cached[1]


def locate_region(user, longitude: float, latitude: float, level: str = "township"):
    """(region, Located) for the point, among the regions of `level` the user may see; None if none."""
    from .scoping import scope

    found = locate_anywhere(longitude, latitude, level)
    if found is None:
        return None
    region = scope(type(found[0]).objects.filter(pk=found[0].pk), user).first()
    return (region, found[1]) if region is not None else None


def locate_anywhere(longitude: float, latitude: float, level: str = "township"):
    """(region, Located) among all regions of `level`, for services that check the actor's scope
    afterwards (so a point outside it is refused as such, not reported as "no region")."""
    from .models import Region

    validate_point(longitude, latitude)
    found = _locator_for(level).locate(longitude, latitude)
    if found is None:
        return None
    region = Region.objects.filter(pk=found.region_id).first()
    return (region, found) if region is not None else None
