"""The pure targeting engine (yingji.warnings.targeting): same answers as a per-point loop, edges count as inside,
geodesic circles, village fallback, regions in a drawn area, coverage counts and the Chinese errors."""

import math

import numpy as np
import pytest
import shapely
from shapely.geometry import Point, Polygon, box

from yingji.warnings import targeting as T

LON, LAT = 105.02, 30.28


def wiggly(cx, cy, r=0.05, n=600, seed=0):
    """A star-shaped polygon with n vertices and a ragged edge, like a surveyed township boundary."""
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 2 * np.pi, n, endpoint=False)
    radius = r * (1 + 0.25 * np.sin(5 * t + seed) + 0.1 * np.sin(31 * t) + 0.03 * rng.random(n))
    return Polygon(np.c_[cx + radius * np.cos(t), cy + radius * np.sin(t)])


def naive(parts, lon, lat):
    """The baseline: one Point per recipient, covers on each part."""
    return np.array([x == x and y == y and any(p.covers(Point(x, y)) for p in parts)
                     for x, y in zip(lon.tolist(), lat.tolist(), strict=True)])


def sphere_destination(lon, lat, bearing_deg, distance_km, radius_km=6371.0088):
    """Independent reference for the circle: the great-circle destination on a sphere of the mean radius
    (within 0.32 % of the ellipsoid at latitude 30)."""
    phi, lam, theta, delta = math.radians(lat), math.radians(lon), math.radians(bearing_deg), distance_km / radius_km
    phi2 = math.asin(math.sin(phi) * math.cos(delta) + math.cos(phi) * math.sin(delta) * math.cos(theta))
    lam2 = lam + math.atan2(math.sin(theta) * math.sin(delta) * math.cos(phi),
                            math.cos(delta) - math.sin(phi) * math.sin(phi2))
    return math.degrees(lam2), math.degrees(phi2)


@pytest.fixture(scope="module")
def parts():
    circle = T.validate_circle(LON + 0.12, LAT - 0.05, 4.0)
    return [wiggly(LON, LAT, seed=1), wiggly(LON + 0.07, LAT + 0.03, seed=2), wiggly(LON - 0.06, LAT + 0.05, seed=3),
            circle]


# ---------------------------------------------------------------- points in the area


def test_contains_matches_the_per_point_loop(parts):
    area = T.AreaSet(parts)
    rng = np.random.default_rng(7)
    west, south, east, north = area.bounds
    lon = rng.uniform(west - 0.02, east + 0.02, 20_000)
    lat = rng.uniform(south - 0.02, north + 0.02, 20_000)
    lon[::97] = np.nan
    got = area.contains(lon, lat)
    assert 0.2 < got.mean() < 0.8  # the sample straddles the area, so both answers are exercised
    assert area.crossed_cells > 0
    np.testing.assert_array_equal(got, naive(parts, lon, lat))


@pytest.mark.parametrize("cells", [1, 7, 64, 1024])
def test_grid_resolution_does_not_change_the_answer(parts, cells):
    rng = np.random.default_rng(cells)
    west, south, east, north = T.AreaSet(parts).bounds
    lon, lat = rng.uniform(west, east, 200_000), rng.uniform(south, north, 200_000)
    union = shapely.union_all(parts)
    np.testing.assert_array_equal(T.AreaSet(parts, cells=cells).contains(lon, lat),
                                  shapely.intersects_xy(union, lon, lat))


def test_points_on_edges_and_vertices_are_inside():
    square = box(105.0, 30.0, 105.25, 30.5)
    area = T.AreaSet([square])
    lon = np.array([105.0, 105.25, 105.25, 105.0, 105.125, 105.25, 105.0, 105.125, 105.125])
    lat = np.array([30.0, 30.0, 30.5, 30.5, 30.0, 30.25, 30.375, 30.5, 30.25])
    assert area.contains(lon, lat).all()  # four vertices, four edge points, the centre
    eps = 1e-9
    outside = area.contains(np.array([105.0 - eps, 105.25 + eps, 105.1, 105.1]),
                            np.array([30.2, 30.2, 30.0 - eps, 30.5 + eps]))
    assert not outside.any()


def test_every_vertex_of_a_ragged_boundary_is_inside(parts):
    area = T.AreaSet(parts[:1])
    xy = shapely.get_coordinates(parts[0])
    assert area.contains(xy[:, 0], xy[:, 1]).all()
    # and so is every point of a shared border between two adjacent parts
    left, right = box(105.0, 30.0, 105.1, 30.1), box(105.1, 30.0, 105.2, 30.1)
    y = np.linspace(30.0, 30.1, 101)
    assert T.AreaSet([left, right]).contains(np.full(101, 105.1), y).all()


def test_unknown_and_far_points_are_outside(parts):
    area = T.AreaSet(parts)
    assert not area.contains(np.array([np.nan, LON, 0.0, 180.0, -180.0]),
                             np.array([LAT, np.nan, 0.0, 90.0, -90.0])).any()


def test_empty_area_contains_nothing():
    area = T.AreaSet([None, Polygon()])
    assert area.empty and area.bounds is None
    assert not area.contains(np.array([LON]), np.array([LAT])).any()
    assert len(T.regions_in(area, [box(105, 30, 106, 31)], [1])) == 0


def test_non_polygonal_parts_are_refused():
    with pytest.raises(T.AreaError, match="预警区域.*多边形"):
        T.AreaSet([Point(LON, LAT)])


# ---------------------------------------------------------------- circles


@pytest.mark.parametrize("radius_km", [0.001, 0.5, 10.0, 100.0, 500.0])
def test_circle_radius_is_geodesic(radius_km):
    area = T.AreaSet([T.validate_circle(LON, LAT, radius_km)])
    for bearing in range(0, 360, 15):
        inside = sphere_destination(LON, LAT, bearing, 0.99 * radius_km)
        outside = sphere_destination(LON, LAT, bearing, 1.01 * radius_km)
        assert area.contains(np.array([inside[0]]), np.array([inside[1]]))[0], bearing
        assert not area.contains(np.array([outside[0]]), np.array([outside[1]]))[0], bearing
    # degrees taken as km (or a lon/lat circle) would be 13 % too narrow east–west at latitude 30
    east = sphere_destination(LON, LAT, 90, radius_km)
    assert abs(east[0] - LON) == pytest.approx(radius_km / (111.32 * math.cos(math.radians(LAT))), rel=0.005)


def test_circle_vertices_are_at_the_radius_on_the_ellipsoid():
    pyproj = pytest.importorskip("pyproj")  # an independent geodesic (Karney) when installed
    circle = T.circle_polygon(LON, LAT, 25.0)
    xy = shapely.get_coordinates(circle)[:-1]
    _, _, dist = pyproj.Geod(ellps="WGS84").inv(np.full(len(xy), LON), np.full(len(xy), LAT), xy[:, 0], xy[:, 1])
    np.testing.assert_allclose(dist, 25_000.0, atol=0.01)  # centimetres


def test_circle_area_is_pi_r_squared():
    circle = T.circle_polygon(LON, LAT, 10.0)
    km_per_lon, km_per_lat = 111.32 * math.cos(math.radians(LAT)), 110.85
    assert circle.area * km_per_lon * km_per_lat == pytest.approx(math.pi * 100, rel=0.005)


# ---------------------------------------------------------------- regions, villages, recipients


def test_regions_in_counts_partly_inside_not_touching():
    grid = [box(105 + i * 0.1, 30 + j * 0.1, 105.1 + i * 0.1, 30.1 + j * 0.1) for j in range(3) for i in range(3)]
    ids = np.arange(9) + 100
    chosen = T.AreaSet([grid[4]])  # the middle cell: its 8 neighbours only touch it
    assert T.regions_in(chosen, grid, ids).tolist() == [104]
    circle = T.AreaSet([T.validate_circle(105.15, 30.15, 2.0)])  # inside the middle cell
    assert T.regions_in(circle, grid, ids).tolist() == [104]
    straddling = T.AreaSet([box(105.19, 30.12, 105.21, 30.13)])  # 1/2 in cell 4, 1/2 in cell 5
    assert sorted(T.regions_in(straddling, grid, ids).tolist()) == [104, 105]
    assert T.regions_in(chosen, [None, grid[4], Polygon()], ["a", "b", "c"]).tolist() == ["b"]


def test_slivers_do_not_count():
    township = box(105.0, 30.0, 105.1, 30.1)
    neighbour = box(105.1 - 1e-7, 30.0, 105.2, 30.1)  # digitised 1 cm over the border
    assert T.regions_in(T.AreaSet([township]), [neighbour], [2]).tolist() == []
    assert T.regions_in(T.AreaSet([township]), [neighbour], [2], min_share=0).tolist() == [2]


def test_codes_under():
    codes = np.array(["512022100201", "512022100202", "512022101001", "512023100001", "512022"])
    assert T.codes_under(codes, ["512022100"]).tolist() == [True, True, False, False, False]
    assert T.codes_under(codes, ["512022100000"]).tolist() == [True, True, False, False, False]  # zero-padded
    assert T.codes_under(codes, ["512022"]).tolist() == [True, True, True, False, True]
    assert T.codes_under(codes, ["512022101001", "512023"]).tolist() == [False, False, True, True, False]
    assert T.codes_under(np.array([512022100201, 512023100001]), [512022]).tolist() == [True, False]
    assert not T.codes_under(codes, []).any()


def test_villages_in_by_geometry_or_code():
    villages = [box(105.0, 30.0, 105.05, 30.05), box(105.05, 30.0, 105.1, 30.05), None]
    codes = ["512022100201", "512022100202", "512022101001"]
    area = T.AreaSet([box(105.0, 30.0, 105.05, 30.05)])
    assert T.villages_in(area, villages, [1, 2, 3]).tolist() == [1]
    assert T.villages_in(area, villages, [1, 2, 3], codes, ["512022101"]).tolist() == [1, 3]


def test_reach_uses_the_position_first_then_the_home_village():
    area = T.AreaSet([box(105.0, 30.0, 105.1, 30.1)])
    lon = np.array([105.05, 105.05, 106.0, 106.0, np.nan, np.nan, 105.05, np.nan])
    lat = np.array([30.05, 30.05, 30.05, 30.05, np.nan, 30.05, np.nan, np.nan])
    home = np.array([7, 8, 7, 8, 7, 7, 7, 8])
    got = T.reach(lon, lat, home, area, np.array([7]))
    # in by position whatever the village; out by position even when the village is in; unknown → village
    assert got.tolist() == [True, True, False, False, True, True, True, False]


# ---------------------------------------------------------------- coverage


@pytest.mark.parametrize("offset", [0, 10**12])  # database keys, and ids too large to index counts directly
def test_coverage_counts_add_up(offset):
    rng = np.random.default_rng(3)
    groups = rng.integers(0, 25, 100_000) + offset
    reached = rng.random(100_000) < 0.3
    stats = T.coverage(reached, groups, group_ids=[offset + 99])
    assert sum(r for r, _, _ in stats.values()) == reached.sum()
    assert sum(t for _, t, _ in stats.values()) == len(groups)
    assert stats[offset + 99] == (0, 0, None)
    key = offset + 5
    in_group = groups == key
    assert stats[key] == (int(reached[in_group].sum()), int(in_group.sum()), reached[in_group].mean())
    assert all(isinstance(k, int) for k in stats)


def test_coverage_with_string_keys_and_nobody():
    stats = T.coverage(np.array([True, False, True]), np.array(["回澜镇", "回澜镇", "天池街道"]))
    assert stats == {"回澜镇": (1, 2, 0.5), "天池街道": (1, 1, 1.0)}
    assert T.coverage(np.array([], dtype=bool), np.array([], dtype=np.int64), [1]) == {1: (0, 0, None)}


# ---------------------------------------------------------------- drawn areas: bad input


def test_a_good_polygon_passes():
    ring = [[105.0, 30.0], [105.1, 30.0], [105.1, 30.1], [105.0, 30.0]]
    polygon = T.validate_polygon(ring)
    assert polygon.equals(Polygon(ring))


@pytest.mark.parametrize("coords, message", [
    ([[105.0, 30.0], [105.1, 30.0], [105.0, 30.0]], "多边形：至少需要 4 个顶点（首尾为同一点），当前只有 3 个"),
    ([[105.0, 30.0], [105.1, 30.0], [105.1, 30.1], [105.0, 30.1]], "多边形：未闭合"),
    ([[105.0, 30.0], [105.1, 30.1], [105.1, 30.0], [105.0, 30.1], [105.0, 30.0]],
     "多边形：边界自相交，位置约在经度 105.050000、纬度 30.050000"),
    ([[105.0, 30.0], [181.0, 30.0], [105.1, 30.1], [105.0, 30.0]], "多边形：第 2 个顶点的经度 181.0 超出范围 \\[-180, 180\\]"),
    ([[105.0, 30.0], [105.1, 91.0], [105.1, 30.1], [105.0, 30.0]], "多边形：第 2 个顶点的纬度 91.0 超出范围 \\[-90, 90\\]"),
    ([[105.0, 30.0], [105.1, 30.0], [105.2, 30.0], [105.0, 30.0]], "多边形：顶点全部共线，面积为 0"),
    ([[105.0, 30.0], [np.nan, 30.0], [105.1, 30.1], [105.0, 30.0]], "多边形：第 2 个顶点的经纬度不是有限数值"),
    ([[105.0, 30.0], [105.1], [105.1, 30.1], [105.0, 30.0]], "多边形：顶点必须是（经度, 纬度）数值对的列表"),
    ("105 30", "多边形：顶点必须是（经度, 纬度）数值对的列表"),
])
def test_bad_polygons_say_what_is_wrong(coords, message):
    with pytest.raises(T.AreaError, match=message) as raised:
        T.validate_polygon(coords)
    assert isinstance(raised.value, ValueError) and raised.value.field == "多边形"


def test_polygon_errors_name_the_callers_field():
    with pytest.raises(ValueError, match="^区域 2：未闭合"):
        T.validate_polygon([[105.0, 30.0], [105.1, 30.0], [105.1, 30.1], [105.0, 30.1]], field="区域 2")


@pytest.mark.parametrize("lon, lat, radius, message", [
    (LON, LAT, 0, "圆形区域：半径必须大于 0 km，当前为 0.0"),
    (LON, LAT, -3, "圆形区域：半径必须大于 0 km"),
    (LON, LAT, 501, "圆形区域：半径 501.0 km 超过上限 500 km"),
    (LON, LAT, float("nan"), "圆形区域：半径必须大于 0 km"),
    (LON, LAT, "十", "圆形区域：圆心经纬度和半径必须是数值"),
    (190.0, LAT, 5, "圆形区域：圆心的经度 190.0 超出范围"),
    (LON, -95.0, 5, "圆形区域：圆心的纬度 -95.0 超出范围"),
    (LON, 89.5, 200, "圆形区域：圆形区域覆盖或接近极点"),
])
def test_bad_circles_say_what_is_wrong(lon, lat, radius, message):
    with pytest.raises(T.AreaError, match=message):
        T.validate_circle(lon, lat, radius)


def test_the_largest_circle_is_allowed():
    circle = T.validate_circle(LON, LAT, T.MAX_RADIUS_KM)
    assert circle.is_valid and len(circle.exterior.coords) == T.CIRCLE_SEGMENTS + 1
