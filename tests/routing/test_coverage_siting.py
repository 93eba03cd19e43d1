"""Coverage on a toy graph with answers worked out by hand; MCLP exact vs greedy where greedy falls short."""

from itertools import combinations

import numpy as np
import pytest

from yingji import routing
from yingji.routing import siting
from yingji.routing.covering import coverage
from yingji.routing.graph import GraphError, RoadGraph

# A street 0 — 1 — 2 — 3 along latitude 30°, nodes 0.001° apart; travel times set by hand:
# 0–1 60 s and 100 m, 1–2 120 s and 200 m, 2–3 60 s and 100 m, both ways; plus a one-way spur 3 → 4
# (60 s, 100 m) that only matters when strongly-connected pruning is off.
LON = 104.0 + np.array([0.0, 0.001, 0.002, 0.003, 0.004])
LAT = np.full(5, 30.0)


def street(spur: bool = False) -> RoadGraph:
    pairs = [(0, 1, 60, 100), (1, 2, 120, 200), (2, 3, 60, 100)]
    src, dst, ms, dm = [], [], [], []
    for a, b, s, m in pairs:
        src += [a, b]
        dst += [b, a]
        ms += [s * 1000] * 2
        dm += [m * 10] * 2
    if spur:
        src, dst, ms, dm = src + [3], dst + [4], ms + [60_000], dm + [1000]
    graph, _ = RoadGraph.from_edges(LON, LAT, src, dst, ms, dm, keep_largest_scc=not spur)
    return graph


def box(lon0, lon1):
    return {"type": "Polygon", "coordinates": [[[lon0, 29.99], [lon1, 29.99], [lon1, 30.01], [lon0, 30.01],
                                                [lon0, 29.99]]]}


TOWNSHIPS = [{"name": "东镇", "code": "1", "boundary": box(103.9995, 104.0015), "population": 1000},   # nodes 0, 1
             {"name": "西镇", "code": "2", "boundary": box(104.0015, 104.0035), "population": 500}]    # nodes 2, 3


def test_coverage_by_hand():
    # One station at node 0, 2 minutes: t = 0, 60, 180, 240 s. Road 0–1 fully covered (100 m); 1–2 covered
    # from 1 for (120 − 60)/120 = half (100 of 200 m); 2–3 not at all: 200 of 400 m = 50 %.
    report = coverage(street(), [(LON[0], LAT[0], "一站")], minutes=2, townships=TOWNSHIPS)
    assert (report.road_km, report.covered_road_km, report.road_pct) == (0.4, 0.2, 50.0)
    east, west = report.townships
    assert (east.name, east.road_km, east.covered_road_km, east.road_pct) == ("东镇", 0.3, 0.2, 66.67)
    assert (west.name, west.road_km, west.covered_road_km, west.road_pct) == ("西镇", 0.1, 0.0, 0.0)
    # Population spread over road nodes: 东镇 500 + 500 both reached; 西镇 250 + 250 neither.
    assert (east.population, east.covered_population, east.population_pct) == (1000, 1000, 100.0)
    assert (west.population, west.covered_population, west.population_pct) == (500, 0, 0.0)
    assert report.population_pct == 66.67 and report.population_source == "townships"
    [area] = report.uncovered
    assert (area.township, area.nodes, area.road_km, area.population, area.nearest_seconds) == (
        "西镇", 2, 0.2, 500, 180)
    assert report.stations[0]["ok"] and report.stations[0]["snap_m"] == 0
    np.testing.assert_array_equal(report.seconds, [0, 60, 180, 240])


def test_two_stations_cover_the_street_from_both_ends():
    # Stations at 0 and 3: t = 0, 60, 60, 0; road 1–2 covered half from each end = all of it.
    report = coverage(street(), [(LON[0], LAT[0]), (LON[3], LAT[3])], minutes=2)
    assert report.road_pct == 100.0 and report.uncovered == [] and report.townships == []
    assert report.station_of.tolist() == [0, 0, 1, 1]


def test_turnout_one_way_spur_and_population_points():
    # 4.5 minutes with 30 s turnout = 240 s of driving: node 3 at 240 s exactly, the one-way spur 3 → 4 not at all.
    graph = street(spur=True)
    report = coverage(graph, [(LON[0], LAT[0])], minutes=4.5, turnout_s=30,
                      population=[(LON[1], LAT[1], 70), (LON[4], LAT[4], 30)])
    assert report.road_km == 0.5 and report.covered_road_km == 0.4 and report.road_pct == 80.0
    assert (report.population, report.covered_population, report.population_pct) == (100, 70, 70.0)
    assert report.population_source == "points"
    # 5 minutes: 60 s of the spur's 60 s → all covered.
    assert coverage(graph, [(LON[0], LAT[0])], minutes=5).road_pct == 100.0


def test_a_station_off_the_network_is_reported_not_used():
    report = coverage(street(), [(LON[0], LAT[0]), (105.0, 31.0, "远站")], minutes=2)
    assert report.road_pct == 50.0
    far = report.stations[1]
    assert not far["ok"] and "远站" in far["reason"] and "超过允许的 2.0 km" in far["reason"]


def mclp_line():
    """Demand 1 at each of nodes 0..5 (60 s apart), candidate 6 halfway between 2 and 3 (30 s to each).
    Within 90 s: candidate 1 covers {0, 1, 2}, candidate 4 covers {3, 4, 5}, candidate 6 covers {1, 2, 3, 4}.
    Greedy takes 6 first (4 > 3) and then adds only 1; the optimum {1, 4} covers all 6."""
    lon = 104.0 + np.array([0, 1, 2, 3, 4, 5, 2.5]) * 0.001
    lat = np.full(7, 30.0)
    pairs = [(0, 1, 60), (1, 2, 60), (2, 6, 30), (6, 3, 30), (3, 4, 60), (4, 5, 60)]
    src = [a for a, b, _ in pairs] + [b for a, b, _ in pairs]
    dst = [b for a, b, _ in pairs] + [a for a, b, _ in pairs]
    ms = [s * 1000 for *_, s in pairs] * 2
    graph, _ = RoadGraph.from_edges(lon, lat, src, dst, ms, [1000] * len(src))
    return graph, np.array([1, 1, 1, 1, 1, 1, 0.0])


def test_mclp_exact_beats_greedy_where_greedy_is_suboptimal():
    graph, demand = mclp_line()
    result = siting.site(graph, 2, minutes=1.5, candidates=[1, 4, 6], demand=demand)
    assert result.greedy.covered == 5 and result.greedy.nodes[0] == 6
    assert result.exact.covered == 6 and sorted(result.exact.nodes) == [1, 4] and result.exact.status == "optimal"
    assert result.best is result.exact
    data = result.as_dict()
    assert data["exact"]["covered"] == 6 and data["greedy"]["covered"] == 5 and data["best"] == "exact"
    assert data["exact"]["pct"] == 100.0 and data["greedy"]["pct"] == 83.33


def test_mclp_exact_is_optimal_by_brute_force(helsinki):
    rng = np.random.default_rng(2)
    demand = rng.integers(0, 50, helsinki.n_nodes).astype(float)
    candidates = rng.choice(helsinki.n_nodes, 14, replace=False)
    result = siting.site(helsinki, 3, minutes=1.0, candidates=candidates, demand=demand)
    cover = siting.coverage_matrix(helsinki, np.sort(candidates), 60.0).toarray() > 0
    best = max(demand[cover[list(c)].any(axis=0)].sum() for c in combinations(range(len(candidates)), 3))
    assert result.exact.covered == pytest.approx(best)
    assert result.greedy.covered <= result.exact.covered + 1e-9


def test_siting_defaults_existing_stations_and_greedy_only(helsinki):
    result = routing.site(helsinki, 2, minutes=1.0)
    assert result.demand_label == "道路里程(km)"
    assert result.demand_total == pytest.approx(helsinki.road_km(), rel=1e-6)
    assert 0 < result.candidates <= 300 and result.exact is not None
    assert result.exact.covered >= result.greedy.covered - 1e-9
    existing = [(float(helsinki.lon[s]), float(helsinki.lat[s])) for s in result.exact.nodes]
    again = routing.site(helsinki, 1, minutes=1.0, existing=existing, run_exact=False)
    assert again.already_covered == pytest.approx(result.exact.covered, rel=1e-6)
    assert again.exact is None and again.exact_skipped and again.greedy.covered >= 0
    with pytest.raises(GraphError, match="站点选址需要路网"):
        routing.site(None, 2)
    with pytest.raises(GraphError, match="K 须为正整数"):
        routing.site(helsinki, 0)
