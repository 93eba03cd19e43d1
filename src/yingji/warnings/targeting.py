"""Warning targeting (预警精准靶向): who and what falls in a warning's area. Pure engine: numpy + shapely 2 only,
no Django, so it is tested and benchmarked on its own (bench/bench_targeting.py).

Coordinates are CGCS2000/WGS84 longitude/latitude in degrees; distances in km where the name says so.

The area
    A warning's area is region polygons (townships/villages named by their codes: the caller loads their
    boundaries and passes the shapely geometries) and/or drawn shapes, checked first:

    validate_polygon(coords, field="多边形") -> Polygon
        coords: a closed ring of (lon, lat) pairs (first == last, ≥ 4 pairs; GeoJSON order, NOT CAP's "lat,lon").
        Raises AreaError: a ValueError whose message is "{field}：{reason}" in Chinese, with .field and .reason.
    validate_circle(lon, lat, radius_km, field="圆形区域") -> Polygon
        0 < radius_km ≤ MAX_RADIUS_KM; returns circle_polygon(...).
    circle_polygon(lon, lat, radius_km, segments=CIRCLE_SEGMENTS) -> Polygon
        A geodesic circle: each vertex is at radius_km along the WGS84 ellipsoid (Vincenty's direct formula)
        from the centre, so the radius is right at any latitude (not degrees taken as km).

    area = AreaSet([geometry, ...])
        Unions the parts once, prepares the union and an index grid over it. `area.geometry` is the union,
        `area.bounds` its (west, south, east, north); AreaSet([]) is an empty area that contains nothing.

People and places
    area.contains(lon, lat) -> bool array
        Vectorised points-in-area; points on an edge or a vertex count as inside (covers), NaN is outside.
        How: a grid of cells over the area's bounds is classified once (inside / outside / crossed by an edge);
        a point in an inside or outside cell is answered by a table look-up, only points in crossed cells are
        tested exactly (shapely.intersects_xy on the prepared union). Same answer as testing every point.
    regions_in(area, region_geometries, region_ids, min_share=MIN_SHARE) -> ids array
        Regions (townships, villages) that overlap the area, from an STRtree query with `intersects`.
        A region PARTLY inside counts (a warning errs on the side of telling); one that only touches the area
        along its border, or overlaps by a sliver smaller than min_share of the smaller of the two, does not
        (neighbours of a selected township share its border). A None or empty geometry is never in the area.
    villages_in(area, village_geometries, village_ids, village_codes=None, area_codes=()) -> ids array
        regions_in() for villages, plus the villages whose GB/T 2260 code is one of area_codes or lies under
        one (a village code under a township/county code), found with np.isin on code prefixes.
    codes_under(codes, area_codes) -> bool array: which codes equal or descend from one of area_codes.
    reach(lon, lat, village_ids, area, villages_in_area) -> bool array
        Recipients reached: by position when it is known (position wins), by home village when lon or lat is
        NaN (np.isin(village_ids, villages_in_area)). Recipients with neither are not reached.
    Places (shelters, enterprises, schools) are points: area.contains(lon, lat) on their coordinates.

Coverage (覆盖率)
    coverage(reached, groups, group_ids=None) -> {group_id: (reached, total, ratio)}
        Counts per group (township id of each recipient: ints or strings, no None — use 0 or -1 for "none")
        with np.bincount; ratio = reached / total as a fraction in [0, 1], None when the group has nobody.
        group_ids lists groups to report even when empty. Small non-negative int ids skip the sort.

Speed (bench/bench_targeting.py, 2 shared cores): a whole warning — AreaSet of 3 townships (~1,000 vertices) and a
circle, villages in it, reach() of 1,000,000 recipients, coverage of 25 townships — in ~90 ms, ~100× faster
than a per-recipient loop; the grid answers contains() ~4× faster than intersects_xy on every point.
"""

from collections.abc import Iterable, Sequence

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry import Polygon
from shapely.geometry.base import BaseGeometry

MAX_RADIUS_KM = 500.0
CIRCLE_SEGMENTS = 128  # chord sag r·(1 − cos(π/128)) = 0.03 % of the radius
MIN_SHARE = 1e-4  # an overlap under 0.01 % of the smaller area is a digitising sliver, not "partly inside"
GRID_CELLS = 256  # cells along the longer side of the area's bounds
_EPS = 1e-9  # degrees (~0.1 mm): cells are classified as if this much larger, so float rounding cannot mislead

# WGS84 ellipsoid
_A = 6378137.0
_F = 1 / 298.257223563
_B = _A * (1 - _F)


class AreaError(ValueError):
    """A drawn area that cannot be used; the message is Chinese and names the field and the reason."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}：{reason}")
        self.field = field
        self.reason = reason


# ---------------------------------------------------------------- drawn areas


def _check_lon_lat(field: str, where: str, lon: float, lat: float) -> None:
    if not (np.isfinite(lon) and np.isfinite(lat)):
        raise AreaError(field, f"{where}的经纬度不是有限数值（{lon}, {lat}）")
    if not -180 <= lon <= 180:
        raise AreaError(field, f"{where}的经度 {lon} 超出范围 [-180, 180]")
    if not -90 <= lat <= 90:
        raise AreaError(field, f"{where}的纬度 {lat} 超出范围 [-90, 90]")


_VALIDITY_REASONS = {  # GEOS is_valid_reason prefixes → Chinese
    "Self-intersection": "边界自相交",
    "Ring Self-intersection": "边界自相交（环在一点上自接触）",
    "Too few points": "有效顶点不足（去掉重复点后少于 3 个不同的点）",
    "Invalid Coordinate": "含无效坐标",
    "Nested shells": "外环相互嵌套",
    "Hole lies outside shell": "内环在外环之外",
    "Interior is disconnected": "内部不连通",
}


def _validity_message(reason: str) -> str:
    name, _, rest = reason.partition("[")
    text = _VALIDITY_REASONS.get(name.strip(), f"几何无效（{reason}）")
    coords = rest.rstrip("]").split()
    if name.strip() in _VALIDITY_REASONS and len(coords) >= 2:
        text += f"，位置约在经度 {float(coords[0]):.6f}、纬度 {float(coords[1]):.6f}"
    return text


def validate_polygon(coords: Sequence[Sequence[float]], field: str = "多边形") -> Polygon:
    """A drawn polygon from a closed ring of (lon, lat) pairs, or AreaError saying what is wrong with it."""
    try:
        ring = np.asarray(coords, dtype=float)
    except (TypeError, ValueError):
        raise AreaError(field, "顶点必须是（经度, 纬度）数值对的列表") from None
    if ring.ndim != 2 or ring.shape[1] != 2:
        raise AreaError(field, "顶点必须是（经度, 纬度）数值对的列表")
    if len(ring) < 4:
        raise AreaError(field, f"至少需要 4 个顶点（首尾为同一点），当前只有 {len(ring)} 个")
    for i, (lon, lat) in enumerate(ring, start=1):
        _check_lon_lat(field, f"第 {i} 个顶点", lon, lat)
    if not np.array_equal(ring[0], ring[-1]):
        raise AreaError(field, f"未闭合，首个顶点（{ring[0][0]}, {ring[0][1]}）与最后一个顶点"
                               f"（{ring[-1][0]}, {ring[-1][1]}）必须相同")
    polygon = Polygon(ring)
    if polygon.convex_hull.area == 0:
        raise AreaError(field, "顶点全部共线，面积为 0")
    reason = shapely.is_valid_reason(polygon)
    if reason != "Valid Geometry":
        raise AreaError(field, _validity_message(reason))
    return polygon


def validate_circle(lon: float, lat: float, radius_km: float, field: str = "圆形区域") -> Polygon:
    """A drawn circle (centre and radius in km) as a geodesic polygon, or AreaError."""
    try:
        lon, lat, radius_km = float(lon), float(lat), float(radius_km)
    except (TypeError, ValueError):
        raise AreaError(field, "圆心经纬度和半径必须是数值") from None
    _check_lon_lat(field, "圆心", lon, lat)
    if not np.isfinite(radius_km) or radius_km <= 0:
        raise AreaError(field, f"半径必须大于 0 km，当前为 {radius_km}")
    if radius_km > MAX_RADIUS_KM:
        raise AreaError(field, f"半径 {radius_km} km 超过上限 {MAX_RADIUS_KM:g} km")
    if abs(lat) + np.degrees(radius_km / 6356.752) >= 89.9:
        raise AreaError(field, "圆形区域覆盖或接近极点，无法表示为经纬度多边形")
    return circle_polygon(lon, lat, radius_km)


def destination(lon: float, lat: float, bearing_deg: np.ndarray, distance_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Points at distance_m along the WGS84 ellipsoid from (lon, lat) on each bearing (Vincenty's direct formula,
    vectorised over bearings; sub-millimetre for the distances a warning uses)."""
    alpha1 = np.radians(np.asarray(bearing_deg, dtype=float))
    sin_a1, cos_a1 = np.sin(alpha1), np.cos(alpha1)
    tan_u1 = (1 - _F) * np.tan(np.radians(lat))
    cos_u1 = 1 / np.sqrt(1 + tan_u1**2)
    sin_u1 = tan_u1 * cos_u1
    sigma1 = np.arctan2(tan_u1, cos_a1)
    sin_alpha = cos_u1 * sin_a1
    cos2_alpha = 1 - sin_alpha**2
    u2 = cos2_alpha * (_A**2 - _B**2) / _B**2
    big_a = 1 + u2 / 16384 * (4096 + u2 * (-768 + u2 * (320 - 175 * u2)))
    big_b = u2 / 1024 * (256 + u2 * (-128 + u2 * (74 - 47 * u2)))
    sigma = np.full_like(alpha1, distance_m / (_B * big_a))
    for _ in range(20):  # converges in 3-4 iterations below 1,000 km
        cos_2sm = np.cos(2 * sigma1 + sigma)
        sin_s, cos_s = np.sin(sigma), np.cos(sigma)
        delta = big_b * sin_s * (cos_2sm + big_b / 4 * (
            cos_s * (-1 + 2 * cos_2sm**2) - big_b / 6 * cos_2sm * (-3 + 4 * sin_s**2) * (-3 + 4 * cos_2sm**2)))
        new = distance_m / (_B * big_a) + delta
        done = np.max(np.abs(new - sigma)) < 1e-12
        sigma = new
        if done:
            break
    sin_s, cos_s = np.sin(sigma), np.cos(sigma)
    cos_2sm = np.cos(2 * sigma1 + sigma)
    tmp = sin_u1 * sin_s - cos_u1 * cos_s * cos_a1
    lat2 = np.arctan2(sin_u1 * cos_s + cos_u1 * sin_s * cos_a1, (1 - _F) * np.sqrt(sin_alpha**2 + tmp**2))
    lam = np.arctan2(sin_s * sin_a1, cos_u1 * cos_s - sin_u1 * sin_s * cos_a1)
    c = _F / 16 * cos2_alpha * (4 + _F * (4 - 3 * cos2_alpha))
    big_l = lam - (1 - c) * _F * sin_alpha * (
        sigma + c * sin_s * (cos_2sm + c * cos_s * (-1 + 2 * cos_2sm**2)))
    lon2 = (lon + np.degrees(big_l) + 180) % 360 - 180
    return lon2, np.degrees(lat2)


def circle_polygon(lon: float, lat: float, radius_km: float, segments: int = CIRCLE_SEGMENTS) -> Polygon:
    """A circle of radius_km on the ellipsoid around (lon, lat) as a polygon of `segments` vertices."""
    bearings = np.linspace(0, 360, segments, endpoint=False)
    xs, ys = destination(lon, lat, bearings, radius_km * 1000)
    return Polygon(np.c_[np.r_[xs, xs[:1]], np.r_[ys, ys[:1]]])


# ---------------------------------------------------------------- the area


def _object_array(geometries: Iterable[BaseGeometry | None]) -> np.ndarray:
    items = list(geometries)
    array = np.empty(len(items), dtype=object)
    array[:] = items
    return array


def _polygonal(geometries: Iterable[BaseGeometry | None]) -> np.ndarray:
    parts = _object_array(g for g in geometries if g is not None and not g.is_empty)
    if len(parts) and not np.isin(shapely.get_type_id(parts), (3, 6)).all():  # Polygon, MultiPolygon
        raise AreaError("预警区域", "区域几何必须是多边形")
    return parts


class AreaSet:
    """A warning's area: the union of its region polygons and drawn shapes, prepared once for many queries."""

    def __init__(self, geometries: Iterable[BaseGeometry | None], cells: int = GRID_CELLS):
        parts = _polygonal(geometries)
        self.parts = parts
        if len(parts):
            union = shapely.union_all(shapely.make_valid(parts))
            self.geometry = shapely.union_all(shapely.get_parts(union)[
                np.isin(shapely.get_type_id(shapely.get_parts(union)), (3, 6))])  # drop slivers made into lines
        else:
            self.geometry = Polygon()
        shapely.prepare(self.geometry)
        self.empty = self.geometry.is_empty
        self.bounds = None if self.empty else tuple(shapely.bounds(self.geometry))
        if not self.empty:
            self._build_grid(cells)

    def _build_grid(self, cells: int) -> None:
        west, south, east, north = self.bounds
        width, height = max(east - west, _EPS), max(north - south, _EPS)
        step = max(max(width, height) / cells, 4 * _EPS)  # so an ε-grown half-cell piece spans ≤ 2 cells
        self._x0, self._y0, self._step = west, south, step
        nx, ny = int(np.ceil(width / step)) + 1, int(np.ceil(height / step)) + 1
        self._nx, self._ny = nx, ny
        crossed = np.zeros((ny, nx), dtype=bool)
        # every edge, cut into pieces no longer than half a cell, marks the cells its (ε-grown) box touches:
        # with pieces that short, the four corner cells of the box are all the cells it can touch
        rings = shapely.get_rings(shapely.get_parts(self.geometry))
        coords, ring_of = shapely.get_coordinates(rings, return_index=True)
        same = ring_of[1:] == ring_of[:-1]
        a, b = coords[:-1][same], coords[1:][same]
        pieces = np.maximum(1, np.ceil(np.hypot(*(b - a).T) / (step / 2)).astype(np.int64))
        start = np.repeat(a, pieces, axis=0)
        delta = np.repeat((b - a) / pieces[:, None], pieces, axis=0)
        k = np.arange(len(start)) - np.repeat(np.cumsum(pieces) - pieces, pieces)
        p, q = start + delta * k[:, None], start + delta * (k[:, None] + 1)
        lo, hi = np.minimum(p, q) - _EPS, np.maximum(p, q) + _EPS
        ix0, ix1 = self._cell(lo[:, 0], self._x0, nx), self._cell(hi[:, 0], self._x0, nx)
        iy0, iy1 = self._cell(lo[:, 1], self._y0, ny), self._cell(hi[:, 1], self._y0, ny)
        for iy, ix in ((iy0, ix0), (iy0, ix1), (iy1, ix0), (iy1, ix1)):
            crossed[iy, ix] = True
        # a cell no edge crosses is all inside or all outside: its centre tells which
        gy, gx = np.nonzero(~crossed)
        centre_in = shapely.intersects_xy(self.geometry, self._x0 + (gx + 0.5) * step, self._y0 + (gy + 0.5) * step)
        state = np.full((ny, nx), 2, dtype=np.int8)  # 0 outside, 1 inside, 2 crossed: test exactly
        state[gy, gx] = centre_in
        self._table = np.r_[state.ravel(), np.zeros(nx, dtype=np.int8)]  # + a padding row for points off the grid
        self.crossed_cells = int(crossed.sum())

    def _cell(self, values: np.ndarray, origin: float, count: int) -> np.ndarray:
        return np.clip(np.floor((values - origin) / self._step).astype(np.int64), 0, count - 1)

    def contains(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        """Which points (lon[i], lat[i]) lie in the area, edges and vertices included; NaN is outside."""
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
        if self.empty:
            return np.zeros(lon.shape, dtype=bool)
        fx = (lon - self._x0) * (1 / self._step)
        fy = (lat - self._y0) * (1 / self._step)
        off = ~((fx >= 0) & (fx < self._nx) & (fy >= 0) & (fy < self._ny))  # NaN fails every comparison
        fx[off] = 0
        fy[off] = self._ny  # the padding row of the table: outside
        state = self._table[fy.astype(np.intp) * self._nx + fx.astype(np.intp)]
        result = state == 1
        exact = np.flatnonzero(state == 2)
        result[exact] = shapely.intersects_xy(self.geometry, lon[exact], lat[exact])
        return result


# ---------------------------------------------------------------- regions and villages


def regions_in(area: AreaSet, region_geometries: Sequence[BaseGeometry | None], region_ids: Sequence,
               min_share: float = MIN_SHARE) -> np.ndarray:
    """The ids of the regions that overlap the area (partly inside counts; touching the border does not)."""
    ids = np.asarray(region_ids)
    geometries = _object_array(region_geometries)
    if area.empty or not len(geometries):
        return ids[:0]
    tree = STRtree(geometries)  # None and empty geometries are left out of the tree
    hits = np.unique(tree.query(area.geometry, predicate="intersects"))
    if not len(hits):
        return ids[:0]
    candidates = geometries[hits]
    keep = shapely.contains(area.geometry, candidates)  # wholly inside (prepared: cheap), no overlap to measure
    crossing = np.flatnonzero(~keep)
    overlap = shapely.area(shapely.intersection(candidates[crossing], area.geometry))
    smaller = np.minimum(shapely.area(candidates[crossing]), area.geometry.area)
    keep[crossing] = overlap > min_share * smaller
    return ids[hits[keep]]


def _code_prefix(code) -> str:
    """A GB/T 2260 / 统计用区划代码 code without the zero padding of its level (512022100000 → 512022100)."""
    code = str(code).strip()
    for width, pad in ((12, 3), (9, 3), (6, 2), (4, 2)):
        if len(code) == width and code.endswith("0" * pad):
            code = code[: width - pad]
    return code


def codes_under(codes: Sequence, area_codes: Iterable) -> np.ndarray:
    """Which codes equal one of area_codes or lie under one (vectorised: np.isin once per prefix length)."""
    codes = np.asarray(codes).astype(str)
    result = np.zeros(codes.shape, dtype=bool)
    by_length: dict[int, list[str]] = {}
    for code in {_code_prefix(c) for c in area_codes}:
        by_length.setdefault(len(code), []).append(code)
    for length, prefixes in by_length.items():
        result |= np.isin(codes.astype(f"<U{length}"), prefixes)  # the cast truncates each code to the prefix
    return result


def villages_in(area: AreaSet, village_geometries: Sequence[BaseGeometry | None], village_ids: Sequence,
                village_codes: Sequence | None = None, area_codes: Iterable = (),
                min_share: float = MIN_SHARE) -> np.ndarray:
    """The ids of the villages in the area: overlapping it (see regions_in), or coded under one of area_codes."""
    ids = np.asarray(village_ids)
    inside = np.isin(ids, regions_in(area, village_geometries, ids, min_share))
    area_codes = list(area_codes)
    if village_codes is not None and area_codes:
        inside |= codes_under(village_codes, area_codes)
    return ids[inside]


# ---------------------------------------------------------------- recipients and coverage


def reach(lon: np.ndarray, lat: np.ndarray, village_ids: np.ndarray, area: AreaSet,
          villages_in_area: np.ndarray) -> np.ndarray:
    """Which recipients the warning reaches: by position when known, else by home village."""
    lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    located = np.isfinite(lon) & np.isfinite(lat)
    result = area.contains(lon, lat)  # False wherever the position is unknown
    unlocated = np.flatnonzero(~located)
    result[unlocated] = np.isin(np.asarray(village_ids)[unlocated], villages_in_area)
    return result


def coverage(reached: np.ndarray, groups: np.ndarray, group_ids: Iterable | None = None) -> dict:
    """{group_id: (reached, total, ratio)} per group (e.g. township id); ratio None for an empty group."""
    reached, groups = np.asarray(reached, dtype=bool), np.asarray(groups)
    if groups.dtype.kind in "iu" and len(groups) and 0 <= groups.min() and groups.max() <= 4 * len(groups) + 1024:
        inverse = groups  # small non-negative ids (database keys) index the counts directly: no sort
    else:
        keys, inverse = np.unique(groups, return_inverse=True)
    totals = np.bincount(inverse)
    hits = np.bincount(inverse[reached], minlength=len(totals))
    if inverse is groups:
        keys = np.flatnonzero(totals)
        totals, hits = totals[keys], hits[keys]
    result = {key: (int(h), int(t), float(h / t)) for key, h, t in zip(keys.tolist(), hits, totals, strict=True)}
    for key in group_ids or ():
        result.setdefault(key, (0, 0, None))
    return result
