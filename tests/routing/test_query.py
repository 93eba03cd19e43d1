"""Queries against independent references (networkx and plain scipy Dijkstra over the same graph), snapping,
routes, isochrones, the precomputed unit table and the dispatch drop-in."""

import networkx as nx
import numpy as np
import pytest
import shapely
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import shape

from yingji.routing import query
from yingji.routing.estimate import MIXED, NETWORK, STRAIGHT_LINE
from yingji.routing.graph import SHIFT, RoadGraph, haversine_m
from yingji.routing.snap import OffNetworkError, snap, snap_point

from .conftest import sample_nodes


@pytest.fixture(scope="module")
def disk_arrays(helsinki):
    """The graph as stored on disk: float32 seconds and metres per edge."""
    with np.load(helsinki.path / "graph.npz") as data:
        return {k: data[k] for k in ("indptr", "indices", "time_s", "length_m")}


@pytest.fixture(scope="module")
def nx_graph(helsinki, disk_arrays):
    g = nx.DiGraph()
    src = np.repeat(np.arange(helsinki.n_nodes), np.diff(disk_arrays["indptr"]))
    for u, v, t, m in zip(src.tolist(), disk_arrays["indices"].tolist(), disk_arrays["time_s"].tolist(),
                          disk_arrays["length_m"].tolist(), strict=True):
        g.add_edge(u, v, time=t, length=m, exact=round(t * 1000) * 2**25 + round(m * 10))
    return g


def test_one_to_many_equals_networkx_and_scipy(helsinki, disk_arrays, nx_graph):
    n = helsinki.n_nodes
    plain = csr_matrix((disk_arrays["time_s"].astype(np.float64), disk_arrays["indices"], disk_arrays["indptr"]),
                       shape=(n, n))
    for source in sample_nodes(helsinki, 8):
        ours = query.tree(helsinki, int(source))
        seconds, metres = ours / SHIFT // 1 / 1000, (ours % SHIFT) / 10
        # Times: exactly the float32 edge times summed (float tolerance), by scipy and by networkx.
        reference = dijkstra(plain, indices=int(source))
        np.testing.assert_allclose(seconds, reference, rtol=1e-6, atol=1e-3)
        nx_time, nx_paths = nx.single_source_dijkstra(nx_graph, int(source), weight="time")
        assert len(nx_time) == n  # strongly connected: everything is reached
        nx_seconds = np.array([nx_time[i] for i in range(n)])
        np.testing.assert_allclose(seconds, nx_seconds, rtol=1e-6, atol=1e-3)
        # Metres: those of the fastest route; where networkx found another route of equal time, ours is
        # the shorter one (ties are broken by length), so never longer.
        nx_metres = np.array([sum(nx_graph[a][b]["length"] for a, b in zip(p, p[1:], strict=False))
                              for p in (nx_paths[i] for i in range(n))])
        assert np.all(metres <= nx_metres + 0.05)
        assert np.mean(np.abs(metres - nx_metres) < 0.05) > 0.95
        # And exactly those of networkx minimising (time in ms, length in dm) in exact integer arithmetic.
        exact = nx.single_source_dijkstra_path_length(nx_graph, int(source), weight="exact")
        packed = np.array([exact[i] for i in range(n)], dtype=object)
        assert np.array_equal((packed // 2**25).astype(np.int64), np.rint(seconds * 1000).astype(np.int64))
        assert np.array_equal((packed % 2**25).astype(np.int64), np.rint(metres * 10).astype(np.int64))


def test_many_to_one_is_the_reverse_of_one_to_many(helsinki):
    units = sample_nodes(helsinki, 40, seed=3)
    incident = int(sample_nodes(helsinki, 1, seed=4)[0])
    to = query.travel_to(helsinki, helsinki.lon[incident], helsinki.lat[incident], helsinki.lon[units],
                         helsinki.lat[units])
    assert to.method == NETWORK and to.origin_snap_m == 0
    for i, unit in enumerate(units):
        back = query.travel_from(helsinki, helsinki.lon[unit], helsinki.lat[unit], [helsinki.lon[incident]],
                                 [helsinki.lat[incident]])
        assert to.seconds[i] == pytest.approx(back.seconds[0], abs=1e-9)
        assert to.metres[i] == pytest.approx(back.metres[0], abs=1e-9)


def test_road_distance_is_never_below_great_circle(helsinki):
    rng = np.random.default_rng(11)
    # Arbitrary points near the network (not on nodes): access legs count, triangle inequality holds.
    lons = rng.uniform(helsinki.lon.min(), helsinki.lon.max(), 60)
    lats = rng.uniform(helsinki.lat.min(), helsinki.lat.max(), 60)
    for i in range(0, 60, 6):
        estimate = query.travel_from(helsinki, lons[i], lats[i], lons, lats)
        ok = np.isfinite(estimate.metres)
        assert ok.sum() > 50
        assert np.all(estimate.metres[ok] >= haversine_m(lons[i], lats[i], lons[ok], lats[ok]) - 1e-6)
        assert np.all(estimate.seconds[ok] > 0)


def test_snapping_reports_distance_and_refuses_far_points_in_chinese(helsinki):
    node = 100
    lon, lat = helsinki.lon[node] + 0.0001, helsinki.lat[node]
    found, distance = snap_point(helsinki, lon, lat)
    assert distance == pytest.approx(float(haversine_m(lon, lat, helsinki.lon[found], helsinki.lat[found])))
    assert distance <= haversine_m(lon, lat, helsinki.lon[node], helsinki.lat[node]) + 1e-9
    far_lat = helsinki.lat.max() + 0.03  # ~3.3 km north of the northernmost road
    with pytest.raises(OffNetworkError) as error:
        snap_point(helsinki, lon, far_lat, what="事件地点")
    message = str(error.value)
    assert "事件地点" in message and "超过允许的 2.0 km" in message and "距最近的道路 3." in message
    assert snap_point(helsinki, lon, far_lat, max_m=5000)[1] > 3000  # the limit is configurable
    result = snap(helsinki, [lon, lon, np.nan], [lat, far_lat, 0.0])
    assert result.ok.tolist() == [True, False, False] and result.node[1] == -1
    with pytest.raises(OffNetworkError, match="坐标无效"):
        snap_point(helsinki, float("nan"), lat)


def test_off_network_and_fallback_targets(helsinki):
    lon, lat = helsinki.lon[10], helsinki.lat[10]
    far = (lon, helsinki.lat.max() + 0.05)
    estimate = query.travel_from(helsinki, lon, lat, [helsinki.lon[20], far[0]], [helsinki.lat[20], far[1]])
    assert np.isfinite(estimate.seconds[0]) and np.isnan(estimate.seconds[1]) and np.isnan(estimate.metres[1])
    assert estimate.reasons[0] is None and "超过允许的 2.0 km" in estimate.reasons[1]
    filled = query.travel_from(helsinki, lon, lat, [helsinki.lon[20], far[0]], [helsinki.lat[20], far[1]],
                               fallback=True)
    assert filled.method == MIXED and filled.methods == (NETWORK, STRAIGHT_LINE)
    assert filled.seconds[0] == estimate.seconds[0] and np.isfinite(filled.seconds[1])
    with pytest.raises(OffNetworkError, match="出发地点"):
        query.travel_from(helsinki, far[0], far[1], [lon], [lat])
    line = query.travel_from(helsinki, far[0], far[1], [lon], [lat], fallback=True)
    assert line.method == STRAIGHT_LINE and "出发地点" in line.reasons[0]


def test_unit_table_and_estimator_match_the_dijkstra(helsinki):
    units = sample_nodes(helsinki, 350, seed=5)
    lons, lats = helsinki.lon[units] + 0.0002, helsinki.lat[units] - 0.0001
    table = query.UnitTable(helsinki, lons, lats)
    assert table.nbytes <= helsinki.n_nodes * len(table.sources) * 8
    estimate = query.estimator(helsinki)
    for incident in sample_nodes(helsinki, 5, seed=6):
        lon, lat = helsinki.lon[incident] + 0.0003, helsinki.lat[incident]
        reference = query.travel_to(helsinki, lon, lat, lons, lats)
        from_table = table.to(lon, lat)
        from_estimator = estimate(lon, lat, lons, lats)
        for result in (from_table, from_estimator):
            assert result.method == NETWORK
            np.testing.assert_allclose(result.seconds, reference.seconds, rtol=1e-6, atol=1e-3)
            np.testing.assert_allclose(result.metres, reference.metres, rtol=1e-6, atol=0.05)
    assert query.cached_table(helsinki, lons, lats) is not None  # the estimator precomputed and kept it
    assert table.matches(helsinki, lons, lats) and not table.matches(helsinki, lons + 0.001, lats)


def test_estimator_never_returns_nan_and_labels_the_fallback(helsinki):
    estimate = query.estimator(helsinki)
    lons = np.array([helsinki.lon[5], helsinki.lon[6], 120.0])
    lats = np.array([helsinki.lat[5], helsinki.lat[6], 30.0])
    result = estimate(helsinki.lon[7], helsinki.lat[7], lons, lats)
    assert np.all(np.isfinite(result.seconds)) and result.method == MIXED
    assert result.methods == (NETWORK, NETWORK, STRAIGHT_LINE) and "出发单位" in result.reasons[2]
    off = estimate(120.0, 30.0, lons, lats)  # the incident itself is off the network
    assert off.method == STRAIGHT_LINE and np.all(np.isfinite(off.seconds)) and "事件地点" in off.reasons[0]
    none = query.estimator(None)(helsinki.lon[7], helsinki.lat[7], lons, lats)
    assert none.method == STRAIGHT_LINE and none.reasons[0] == "未导入路网，按直线距离估算。"
    no_table = query.estimator(helsinki, precompute_bytes=0)(helsinki.lon[7], helsinki.lat[7], lons[:2], lats[:2])
    np.testing.assert_allclose(no_table.seconds, result.seconds[:2], rtol=1e-6)


def test_route_geometry(helsinki):
    a, b = sample_nodes(helsinki, 2, seed=9)
    start = (float(helsinki.lon[a]) + 0.0002, float(helsinki.lat[a]))
    end = (float(helsinki.lon[b]), float(helsinki.lat[b]) - 0.0001)
    result = query.route(helsinki, start, end)
    assert result.coordinates[0] == list(start) and result.coordinates[-1] == list(end)
    first, _ = snap_point(helsinki, *start)
    last, _ = snap_point(helsinki, *end)
    assert result.nodes[0] == first and result.nodes[-1] == last
    assert result.coordinates[1] == [helsinki.lon[first], helsinki.lat[first]]
    for u, v in zip(result.nodes, result.nodes[1:], strict=False):  # every step is a road edge
        assert v in helsinki.indices[helsinki.indptr[u]:helsinki.indptr[u + 1]]
    estimate = query.travel_from(helsinki, *start, [end[0]], [end[1]])
    assert result.seconds == pytest.approx(estimate.seconds[0]) and result.metres == pytest.approx(estimate.metres[0])
    line = shapely.LineString(result.coordinates)
    assert line.is_valid and result.geojson()["geometry"]["type"] == "LineString"
    straight = query.route(None, start, end)
    assert straight.method == STRAIGHT_LINE and straight.coordinates == [list(start), list(end)]


def test_isochrone_contains_the_station_and_reached_nodes(helsinki):
    node = int(sample_nodes(helsinki, 1, seed=12)[0])
    lon, lat = float(helsinki.lon[node]) + 0.0003, float(helsinki.lat[node])
    minutes = 1.0
    polygon = query.isochrone(helsinki, lon, lat, minutes)
    assert polygon["type"] in ("Polygon", "MultiPolygon") and polygon["method"] == NETWORK
    area = shape(polygon)
    assert area.is_valid and area.contains(shapely.Point(lon, lat))
    start, snap_m = snap_point(helsinki, lon, lat)
    budget = minutes * 60 - snap_m / query.access_speed_ms(helsinki)
    seconds = query.tree(helsinki, start) / SHIFT // 1 / 1000
    reached = np.flatnonzero(seconds <= budget)
    assert len(reached) > 10
    assert shapely.contains_xy(area, helsinki.lon[reached], helsinki.lat[reached]).all()
    farthest = int(np.argmax(seconds))
    assert not area.contains(shapely.Point(helsinki.lon[farthest], helsinki.lat[farthest]))
    circle = query.isochrone(None, lon, lat, 5)
    assert circle["method"] == STRAIGHT_LINE and shape(circle).contains(shapely.Point(lon, lat))


def test_nearest_station_is_the_minimum_over_stations(helsinki):
    stations = sample_nodes(helsinki, 4, seed=13)
    seconds, which = query.nearest_station(helsinki, stations)
    each = np.stack([query.tree(helsinki, int(s)) / SHIFT // 1 / 1000 for s in stations])
    np.testing.assert_allclose(seconds, each.min(axis=0))
    assert np.all(each[which, np.arange(helsinki.n_nodes)] == seconds)
    limited, _ = query.nearest_station(helsinki, stations, limit_s=60)
    assert np.all(np.isinf(limited[seconds > 60])) and np.all(limited[seconds <= 60] == seconds[seconds <= 60])


def test_packed_weights_refuse_paths_beyond_the_exact_range():
    # Two nodes joined by 80-hour roads: beyond the 74.5 h that time_ms · 2**25 keeps exact in a float64.
    graph, _ = RoadGraph.from_edges([0.0, 0.1], [0.0, 0.0], [0, 1], [1, 0], [2.88e8, 2.88e8], [1e7, 1e7])
    assert graph.max_path_s < 2.88e5
    with pytest.raises(ValueError, match="可精确计算的上限"):
        query.nearest_station(graph, [0])
