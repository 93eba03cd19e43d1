"""What a warning must be before it is saved or published, each refusal a Chinese message naming the field:
the event code is in GB/T 35561 and allows the level, the expiry follows the onset, and every area is a closed,
simple polygon, a circle or regions, all inside the issuing region."""

import math

import shapely
from django.core.exceptions import ValidationError
from shapely.geometry import shape

from yingji.core.models import Region
from yingji.standards import event_codes, levels, warning_signals

from ..models import Delivery, Warning

MAX_RADIUS_KM = 500
EDGE_TOLERANCE_DEG = 0.005  # ~500 m: a line drawn on the region's edge stays inside it


def _add(errors: dict, field: str, message: str):
    errors.setdefault(field, []).append(message)


# --- event and level ---------------------------------------------------------------------------------------------

def allowed_levels(event_code: str) -> tuple[int, ...]:
    """The warning levels (1 红 … 4 蓝) the event may be issued at: the national warning signals table
    (standards/warning_signals.py) where it names the event, else all four."""
    return tuple(sorted(warning_signals.allowed_levels(event_code)))


def level_names(values) -> str:
    table = levels.levels()
    return "、".join(f"{table[v].colour}" for v in values)


def check_event_and_level(warning: Warning, errors: dict):
    code = (warning.event_code or "").strip().upper()
    warning.event_code = code
    if not code:
        _add(errors, "event_code", "请填写事件类型代码（GB/T 35561，如 11B03 暴雨事件）。")
        return
    try:
        event = event_codes.get(code)
    except ValueError as exc:
        _add(errors, "event_code", str(exc))
        return
    warning.event = event.name
    if warning.level is None:
        _add(errors, "level", "请选择预警级别（红、橙、黄、蓝）。")
        return
    allowed = allowed_levels(code)
    if warning.level not in allowed:
        chosen = levels.levels()[warning.level].colour if warning.level in levels.levels() else str(warning.level)
        _add(errors, "level", f"{event.name}（{code}）没有{chosen}预警：可选级别为{level_names(allowed)}。")


def check_times(warning: Warning, errors: dict, *, now=None):
    if warning.onset is None:
        _add(errors, "onset", "请填写生效时间。")
    if warning.expires is None:
        _add(errors, "expires", "请填写失效时间。")
    if warning.onset is not None and warning.expires is not None and warning.expires <= warning.onset:
        _add(errors, "expires", "失效时间应晚于生效时间。")
    if now is not None and warning.expires is not None and warning.expires <= now:
        _add(errors, "expires", "失效时间已过，不能发布：请修改失效时间。")


def check_channels(channels, errors: dict) -> list[str]:
    chosen = [str(c).strip() for c in (channels or [])]
    unknown = [c for c in chosen if c not in Delivery.CHANNELS]
    if unknown:
        names = "、".join(f"{c}（{label}）" for c, label in Delivery.CHANNEL_CHOICES)
        _add(errors, "channels", f"未知发布渠道：{'、'.join(unknown)}。可选：{names}。")
    return list(dict.fromkeys(c for c in chosen if c in Delivery.CHANNELS))


def check_content(warning: Warning, errors: dict, *, now=None):
    check_event_and_level(warning, errors)
    check_times(warning, errors, now=now)
    if not (warning.headline or "").strip():
        _add(errors, "headline", "请填写标题。")
    if not (warning.description or "").strip():
        _add(errors, "description", "请填写预警内容。")
    warning.channels = check_channels(warning.channels, errors)


# --- areas ------------------------------------------------------------------------------------------------------

def _number(value) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def clean_polygon(value) -> dict:
    """A GeoJSON Polygon (or a Feature wrapping one, or a bare list of [lon, lat] points) → {"type": "Polygon",
    "coordinates": [ring]}; a ValueError with the Chinese reason when it is not one closed ring that does not
    cross itself. CAP carries one ring per <polygon>: holes are refused."""
    if isinstance(value, dict) and value.get("type") == "Feature":
        value = value.get("geometry")
    if isinstance(value, list):
        value = {"type": "Polygon", "coordinates": [value]}
    if not isinstance(value, dict) or value.get("type") != "Polygon":
        raise ValueError("应为 GeoJSON 多边形（Polygon）。")
    rings = value.get("coordinates")
    if not isinstance(rings, list) or not rings:
        raise ValueError("多边形缺少坐标。")
    if len(rings) > 1:
        raise ValueError("CAP 多边形只有一个外环，不支持内环（洞）：请拆成多个区域。")
    ring = []
    for point in rings[0] if isinstance(rings[0], list) else []:
        lon, lat = (_number(point[0]), _number(point[1])) if isinstance(point, list | tuple) and len(point) >= 2 \
            else (None, None)
        if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValueError(f"顶点“{str(point)[:40]}”不是有效的[经度, 纬度]。")
        ring.append([lon, lat])
    if len(ring) < 4 or len({tuple(p) for p in ring}) < 3:
        raise ValueError("多边形至少需要 3 个不同的顶点（首末点相同，共 4 个点以上）。")
    if ring[0] != ring[-1]:
        raise ValueError(f"多边形未闭合：末点 {ring[-1]} 应与首点 {ring[0]} 相同。")
    polygon = shapely.Polygon(ring)
    if not polygon.is_valid:
        reason = shapely.is_valid_reason(polygon)
        where = reason[reason.find("["):] if "[" in reason else ""
        if "Self-intersection" in reason or "Ring Self-intersection" in reason:
            raise ValueError(f"多边形自相交{('（交叉点 ' + where + '）') if where else ''}：边不能相互交叉。")
        raise ValueError(f"多边形无效（{reason}）。")
    if polygon.area == 0:
        raise ValueError("多边形面积为零。")
    return {"type": "Polygon", "coordinates": [ring]}


def circle_geometry(longitude: float, latitude: float, radius_km: float):
    """The circle as the targeting engine draws it (geodesic), so the check and the reach agree."""
    from .. import targeting as engine

    return engine.circle_polygon(longitude, latitude, radius_km)


def area_geometries(area: dict) -> list:
    found = []
    if area.get("polygon"):
        found.append(shape(area["polygon"]))
    if area.get("circle_radius_km") is not None:
        found.append(circle_geometry(area["circle_longitude"], area["circle_latitude"], area["circle_radius_km"]))
    return found


def _boundary_of(region: Region):
    """The region's own outline, or None when it has none."""
    if not region.boundary:
        return None
    try:
        return shape(region.boundary).buffer(EDGE_TOLERANCE_DEG)
    except (ValueError, TypeError, AttributeError):
        return None


def _outside(issuer: Region, geometry) -> bool:
    """Whether a drawn area leaves the issuing region: by its outline when it has one, else by where the area's
    corners fall (core.geo: an enclosing region's outline, or the distance from its centre)."""
    outline = _boundary_of(issuer)
    if outline is not None:
        return not outline.covers(geometry)
    from yingji.core.geo import outside_region

    corners = shapely.get_coordinates(geometry.exterior if hasattr(geometry, "exterior") else geometry)
    return any(outside_region(issuer, float(x), float(y)) is not None for x, y in corners[:64])


def _clean_circle(area: dict, label: str, errors: dict):
    keys = ("circle_longitude", "circle_latitude", "circle_radius_km")
    given = [area.get(k) not in (None, "") for k in keys]
    if not any(given):
        for key in keys:
            area[key] = None
        return
    if not all(given):
        _add(errors, "areas", f"{label}：圆形区域须同时填写圆心经度、圆心纬度和半径（km）。")
        return
    lon, lat, radius = (_number(area[k]) for k in keys)
    if lon is None or lat is None or not (-180 <= lon <= 180 and -90 <= lat <= 90):
        _add(errors, "areas", f"{label}：圆心坐标无效。")
        return
    if radius is None or not 0 < radius <= MAX_RADIUS_KM:
        _add(errors, "areas", f"{label}：半径应大于 0、不超过 {MAX_RADIUS_KM} km。")
        return
    area.update(circle_longitude=lon, circle_latitude=lat, circle_radius_km=radius)


def clean_areas(issuer: Region | None, areas, errors: dict) -> list[dict]:
    """The areas as the services store them ({area_desc, polygon, circle_*, regions: [Region]}), each checked;
    problems go to errors["areas"], naming the area."""
    if not areas:
        _add(errors, "areas", "请至少指定一个预警区域（行政区划、多边形或圆形）。")
        return []
    cleaned = []
    for index, raw in enumerate(areas, start=1):
        area = dict(raw)
        area["area_desc"] = str(area.get("area_desc") or "").strip()
        label = f"第 {index} 个区域" + (f"“{area['area_desc']}”" if area["area_desc"] else "")
        if not area["area_desc"]:
            _add(errors, "areas", f"{label}：请填写区域描述（areaDesc）。")
        if len(area["area_desc"]) > 255:
            _add(errors, "areas", f"{label}：区域描述不能超过 255 字。")
        if area.get("polygon") not in (None, "", {}):
            try:
                area["polygon"] = clean_polygon(area["polygon"])
            except ValueError as exc:
                _add(errors, "areas", f"{label}：{exc}")
                area["polygon"] = None
        else:
            area["polygon"] = None
        _clean_circle(area, label, errors)
        regions = [r if isinstance(r, Region) else Region.objects.with_boundary().filter(pk=r).first() for r in area.get("regions") or []]
        if any(r is None for r in regions):
            _add(errors, "areas", f"{label}：所选行政区划不存在。")
            regions = [r for r in regions if r is not None]
        area["regions"] = list(dict.fromkeys(regions))
        if not (area["polygon"] or area.get("circle_radius_km") or area["regions"]):
            _add(errors, "areas", f"{label}：请选择行政区划，或画出多边形、圆形。")
        if issuer is not None:
            for region in area["regions"]:
                if not region.path.startswith(issuer.path):
                    _add(errors, "areas", f"{label}：“{region.name}”不在发布区划“{issuer.name}”范围内。")
            if not any(label in m for m in errors.get("areas", [])):
                for geometry in area_geometries(area):
                    if _outside(issuer, geometry):
                        _add(errors, "areas", f"{label}：所画范围超出发布区划“{issuer.name}”。")
                        break
        cleaned.append(area)
    return cleaned


def raise_if(errors: dict):
    if errors:
        raise ValidationError(errors)
