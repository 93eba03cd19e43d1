"""Turn restrictions and turn costs (issue 17 item 4): a small hand-made junction with relations, broken
relations counted as warnings, coverage and isochrones that respect the restrictions, and the expanded graph
on the real Helsinki extract against an independent edge-based reference (networkx over road segments)."""

import math

import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from yingji.routing import covering, query
from yingji.routing.graph import GraphError, RoadGraph, unpack_seconds
from yingji.routing.osm import import_osm
from yingji.routing.restrictions import (
    S_CONDITIONAL,
    S_EXCEPT,
    S_OTHER_CLASS,
    S_OUTSIDE,
    W_MISSING,
    W_NOT_TOUCHING,
    W_ONLY_OUTSIDE,
)
from yingji.routing.turns import TurnOptions

from .conftest import osm_xml, sample_nodes

# A junction X with four arms and an outer ring (N–NW–W, N–NE–E, S–SE–E); E is farther out than the others.
X, N, S, E, W, NE, NW, SE = 1, 2, 3, 4, 5, 6, 7, 8
NODES = {X: (104.000, 30.000), N: (104.000, 30.001), S: (104.000, 29.999), E: (104.002, 30.000),
         W: (103.999, 30.000), NE: (104.002, 30.002), NW: (103.998, 30.002), SE: (104.002, 29.998),
         9: (104.0005, 29.9995)}
ROAD = {"highway": "residential"}
WAYS = [(101, [S, X], ROAD), (102, [X, N], ROAD), (103, [X, E], ROAD), (104, [X, W], ROAD),
        (105, [N, NE, E], ROAD), (106, [N, NW, W], ROAD), (107, [S, SE, E], ROAD),
        (108, [X, 9], {"highway": "footway"})]  # not drivable: not in the road graph
NO_LEFT = (1, [("way", 101, "from"), ("node", X, "via"), ("way", 104, "to")],
           {"type": "restriction", "restriction": "no_left_turn"})  # northbound S→X, then west: forbidden
ONLY_STRAIGHT = (2, [("way", 103, "from"), ("node", X, "via"), ("way", 104, "to")],
                 {"type": "restriction", "restriction:motorcar": "only_straight_on"})  # from E only on to W
NO_U_AT_N = (3, [("way", 102, "from"), ("node", N, "via"), ("way", 102, "to")],
             {"type": "restriction", "restriction": "no_u_turn"})
BROKEN = [
    (4, [("way", 999, "from"), ("node", X, "via"), ("way", 104, "to")], {"type": "restriction",
                                                                         "restriction": "no_left_turn"}),
    (5, [("way", 101, "from"), ("node", X, "via"), ("way", 105, "to")], {"type": "restriction",
                                                                         "restriction": "no_right_turn"}),
    (6, [("way", 101, "from"), ("way", 104, "via"), ("way", 105, "to")], {"type": "restriction",
                                                                          "restriction": "no_right_turn"}),
]
OFF_NETWORK = [
    (12, [("way", 101, "from"), ("node", X, "via"), ("way", 108, "to")],
     {"type": "restriction", "restriction": "only_straight_on"}),  # the only exit is a footway: a warning
    (13, [("way", 101, "from"), ("node", X, "via"), ("way", 108, "to")],
     {"type": "restriction", "restriction": "no_right_turn"}),  # forbidding a footway: nothing to do
]
NOT_FOR_US = [
    (7, [("way", 101, "from"), ("node", X, "via"), ("way", 103, "to")],
     {"type": "restriction", "restriction": "no_right_turn", "except": "bicycle;emergency"}),
    (8, [("way", 101, "from"), ("node", X, "via"), ("way", 102, "to")],
     {"type": "restriction", "restriction:bus": "no_straight_on"}),
    (9, [("way", 101, "from"), ("node", X, "via"), ("way", 102, "to")],
     {"type": "restriction", "restriction:conditional": "no_straight_on @ (07:00-09:00)"}),
]


def junction(tmp_path, name, relations, turns=None):
    path = tmp_path / f"{name}.osm"
    path.write_text(osm_xml(NODES, WAYS, relations), encoding="utf-8")
    report = import_osm(path, name, var_dir=tmp_path, area="urban", turns=turns)
    return report, RoadGraph.load(tmp_path / "roads" / name)


def ids(graph, nodes):
    osm = graph.osm_ids()
    return [int(osm[n]) for n in nodes]


def turns_in(sequence):
    return {tuple(sequence[i:i + 3]) for i in range(len(sequence) - 2)}


def point(graph, osm_id):
    index = int(np.flatnonzero(graph.osm_ids() == osm_id)[0])
    return float(graph.lon[index]), float(graph.lat[index])


def test_forbidden_left_turn_is_taken_the_long_way(tmp_path):
    _, free = junction(tmp_path, "free", [])
    report, graph = junction(tmp_path, "noleft", [NO_LEFT])
    assert report.turns["relations"] == 1 and report.turns["applied"] == 1 and report.turns["warning_count"] == 0
    assert graph.turns is not None and graph.turns.forbidden.shape == (1, 3)
    direct = query.route(free, point(free, S), point(free, W))
    assert ids(free, direct.nodes) == [S, X, W]
    detour = query.route(graph, point(graph, S), point(graph, W))
    path = ids(graph, detour.nodes)
    assert (S, X, W) not in turns_in(path) and path[0] == S and path[-1] == W
    assert path == [S, X, N, X, W]  # on to N, turn round there, back and right: the shortest allowed
    assert detour.seconds > direct.seconds + 30 and detour.metres > direct.metres + 200
    # Geometry follows the nodes: the route's coordinates pass N.
    assert list(NODES[N]) in [[round(x, 6) for x in c] for c in detour.coordinates]
    # ETA says the same as the route, both directions.
    there = query.travel_from(graph, *point(graph, S), [point(graph, W)[0]], [point(graph, W)[1]])
    back = query.travel_to(graph, *point(graph, W), [point(graph, S)[0]], [point(graph, S)[1]])
    assert there.seconds[0] == pytest.approx(detour.seconds) == pytest.approx(back.seconds[0])
    # Other turns at X stay allowed: S → E is still straight through X … no, S→X→E is a right turn: allowed.
    assert ids(graph, query.route(graph, point(graph, S), point(graph, E)).nodes) == [S, X, E]


def test_only_straight_on_and_no_u_turn(tmp_path):
    _, graph = junction(tmp_path, "only", [ONLY_STRAIGHT])
    for target in (N, S):  # from E at X only straight on (to W): never E→X→N or E→X→S
        path = ids(graph, query.route(graph, point(graph, E), point(graph, target)).nodes)
        assert not {(E, X, N), (E, X, S)} & turns_in(path), path
    assert ids(graph, query.route(graph, point(graph, E), point(graph, W)).nodes) == [E, X, W]
    # Without no_u_turn at N, S → W (left forbidden at X) turns round at N; with it, at E instead.
    _, uturn = junction(tmp_path, "uturn", [NO_LEFT, ONLY_STRAIGHT])
    assert ids(uturn, query.route(uturn, point(uturn, S), point(uturn, W)).nodes) == [S, X, N, X, W]
    _, banned = junction(tmp_path, "nouturn", [NO_LEFT, ONLY_STRAIGHT, NO_U_AT_N])
    path = ids(banned, query.route(banned, point(banned, S), point(banned, W)).nodes)
    assert (X, N, X) not in turns_in(path) and path == [S, X, E, X, W]


def test_broken_and_inapplicable_relations_are_counted_not_fatal(tmp_path):
    report, graph = junction(tmp_path, "broken", [NO_LEFT, *BROKEN, *NOT_FOR_US])
    turns = report.turns
    assert turns["relations"] == 7 and turns["applied"] == 1
    assert turns["warnings"] == {W_MISSING: 1, W_NOT_TOUCHING: 2} and turns["warning_count"] == 3
    assert turns["examples"][W_MISSING] == [4] and turns["examples"][W_NOT_TOUCHING] == [5, 6]
    assert turns["skipped"] == {S_EXCEPT: 1, S_OTHER_CLASS: 1, S_CONDITIONAL: 1}
    # The valid relation still holds; the broken ones changed nothing else (S → E right turn allowed).
    assert (S, X, W) not in turns_in(ids(graph, query.route(graph, point(graph, S), point(graph, W)).nodes))
    assert ids(graph, query.route(graph, point(graph, S), point(graph, E)).nodes) == [S, X, E]
    assert graph.meta["turns"]["report"]["warning_count"] == 3  # kept in meta.json for `roads list`


VIA_WAY_NO = (10, [("way", 101, "from"), ("way", 102, "via"), ("way", 106, "to")],
              {"type": "restriction", "restriction": "no_left_turn"})  # S→X→N, then left to NW: forbidden
VIA_WAY_ONLY = (11, [("way", 103, "from"), ("way", 102, "via"), ("way", 105, "to")],
                {"type": "restriction", "restriction": "only_right_turn"})  # E→X→N: then only right, to NE


def test_via_way_restrictions_bind_only_vehicles_that_came_from_the_from_way(tmp_path):
    _, free = junction(tmp_path, "vfree", [])
    assert ids(free, query.route(free, point(free, S), point(free, NW)).nodes) == [S, X, N, NW]
    report, graph = junction(tmp_path, "via", [VIA_WAY_NO])
    assert report.turns["applied"] == 1 and report.turns["restricted_paths"] == 1
    assert graph.turns.paths == [(False, tuple(int(np.flatnonzero(graph.osm_ids() == i)[0])
                                                for i in (S, X, N, NW)))]
    assert ids(graph, query.route(graph, point(graph, S), point(graph, NW)).nodes) == [S, X, W, NW]
    # Who joins the via way elsewhere may turn: from X itself, and from E through X.
    assert ids(graph, query.route(graph, point(graph, X), point(graph, NW)).nodes) == [X, N, NW]
    assert ids(graph, query.route(graph, point(graph, E), point(graph, NW)).nodes) == [E, X, N, NW]
    # S → X → N → NE (a right turn after the via way) is still allowed.
    assert ids(graph, query.route(graph, point(graph, S), point(graph, NE)).nodes)[:3] == [S, X, N]
    _, only = junction(tmp_path, "viaonly", [VIA_WAY_ONLY])
    assert ids(free, query.route(free, point(free, E), point(free, NW)).nodes) == [E, X, N, NW]
    assert ids(only, query.route(only, point(only, E), point(only, NW)).nodes) == [E, X, W, NW]
    assert ids(only, query.route(only, point(only, S), point(only, NW)).nodes) == [S, X, N, NW]
    # Both at once share the duplicate of N where their prefixes meet (none here) and round-trip on disk.
    _, both = junction(tmp_path, "viaboth", [VIA_WAY_NO, VIA_WAY_ONLY])
    again = RoadGraph.load(both.path)
    assert again.turns.paths == both.turns.paths and len(both.turns.paths) == 2
    for a, b, expected in ((S, NW, [S, X, W, NW]), (E, NW, [E, X, W, NW]), (X, NW, [X, N, NW])):
        assert ids(again, query.route(again, point(again, a), point(again, b)).nodes) == expected


def test_restrictions_onto_roads_outside_the_network(tmp_path):
    report, graph = junction(tmp_path, "outside", [NO_LEFT, *OFF_NETWORK])
    assert report.turns["applied"] == 1 and report.turns["warnings"] == {W_ONLY_OUTSIDE: 1}
    assert report.turns["skipped"] == {S_OUTSIDE: 1} and report.turns["examples"][W_ONLY_OUTSIDE] == [12]
    # The only_ relation was not applied (no exit would remain), the valid one was.
    assert ids(graph, query.route(graph, point(graph, S), point(graph, E)).nodes) == [S, X, E]
    assert (S, X, W) not in turns_in(ids(graph, query.route(graph, point(graph, S), point(graph, W)).nodes))


def test_conditional_and_other_vehicle_classes_are_not_applied(tmp_path):
    report, graph = junction(tmp_path, "classes", NOT_FOR_US)
    assert report.turns["applied"] == 0 and graph.turns is None
    assert report.turns["skipped"] == {S_EXCEPT: 1, S_OTHER_CLASS: 1, S_CONDITIONAL: 1}


def test_turn_costs_avoid_a_costly_u_turn(tmp_path):
    options = TurnOptions(costs=True, u_turn_s=600, left_turn_s=7)
    _, graph = junction(tmp_path, "costs", [NO_LEFT, NO_U_AT_N], turns=options)
    route = query.route(graph, point(graph, S), point(graph, W))
    path = ids(graph, route.nodes)
    assert path == [S, X, N, NW, W]  # round the ring rather than turn round at E for 600 s
    _, plain = junction(tmp_path, "plain", [NO_LEFT, NO_U_AT_N])
    fast = query.route(plain, point(plain, S), point(plain, W))
    assert ids(plain, fast.nodes) == [S, X, E, X, W] and fast.seconds < route.seconds
    # A left turn at a junction costs left_turn_s: X → N → NW turns left at N (3 neighbours), so X → W → NW
    # (a bend at W, 2 neighbours: no cost), 0.9 s longer on the road, becomes the faster route.
    no_cost = query.route(plain, point(plain, X), point(plain, NW))
    with_cost = query.route(graph, point(graph, X), point(graph, NW))
    assert ids(plain, no_cost.nodes) == [X, N, NW] and ids(graph, with_cost.nodes) == [X, W, NW]
    legs = [query.route(plain, point(plain, a), point(plain, b)).seconds for a, b in ((X, W), (W, NW))]
    assert with_cost.seconds == pytest.approx(sum(legs), abs=2e-3)
    assert no_cost.seconds < with_cost.seconds < no_cost.seconds + 7
    with pytest.raises(GraphError, match="转向耗时"):
        TurnOptions(u_turn_s=-1)


def test_coverage_and_isochrone_respect_restrictions(tmp_path):
    _, free = junction(tmp_path, "cfree", [])
    _, graph = junction(tmp_path, "climit", [NO_LEFT])
    station = [point(graph, S)]
    w = point(graph, W)
    budget_min = 0.75  # W is 35 s away straight through X, 75 s the long way
    for g, reached in ((free, True), (graph, False)):
        report = covering.coverage(g, station, minutes=budget_min)
        index = int(np.flatnonzero(g.osm_ids() == W)[0])
        assert bool(report.seconds[index] <= budget_min * 60) is reached
        # Per node, coverage's seconds are the routes' seconds from the station.
        for node in range(g.n_nodes):
            r = query.route(g, station[0], (float(g.lon[node]), float(g.lat[node])))
            assert report.seconds[node] == pytest.approx(r.seconds, abs=1e-3)
        area = shape(query.isochrone(g, *station[0], minutes=budget_min))
        assert bool(area.contains(shapely.Point(*w))) is reached
        # Who reaches W within the budget (reverse): S only straight through X, i.e. only without the ban.
        towards = shape(query.isochrone(g, *w, minutes=budget_min, reverse=True))
        assert bool(towards.contains(shapely.Point(*station[0]))) is reached
        assert towards.contains(shapely.Point(*point(g, N)))  # N → X → W turns right: allowed either way
    # The road X→W is not entered within the budget under the restriction: its covered share is that of
    # the part reached from W's side only (none), so the road length covered drops.
    assert covering.coverage(graph, station, budget_min).covered_road_km < \
        covering.coverage(free, station, budget_min).covered_road_km


@pytest.fixture(scope="module")
def helsinki_turns(helsinki_pbf, tmp_path_factory):
    var = tmp_path_factory.mktemp("turns")
    options = TurnOptions(costs=True, u_turn_s=40, left_turn_s=9, right_turn_s=2)
    report = import_osm(helsinki_pbf, "hturns", var_dir=var, turns=options)
    return report, RoadGraph.load(var / "roads" / "hturns")


def reference(graph: RoadGraph, options: TurnOptions) -> nx.DiGraph:
    """An edge-based graph built independently: a vertex per road segment (u, v), one per start node, arcs
    for every allowed turn with the turn's cost computed here from the coordinates."""
    forbidden = {tuple(t) for t in graph.turns.forbidden.tolist()}
    src, dst, seconds = graph.edge_sources().tolist(), graph.indices.tolist(), graph.edge_seconds().tolist()
    xy = graph.project(graph.lon, graph.lat)
    neighbours = {}
    for a, b in zip(src, dst, strict=True):
        neighbours.setdefault(a, set()).add(b)
        neighbours.setdefault(b, set()).add(a)
    out = {}
    for a, b, t in zip(src, dst, seconds, strict=True):
        out.setdefault(a, []).append((b, t))
    g = nx.DiGraph()
    for a in range(graph.n_nodes):
        for b, t in out.get(a, []):
            g.add_edge(("start", a), (a, b), weight=t)
    for u, v, _ in zip(src, dst, seconds, strict=True):
        for w, t in out.get(v, []):
            if (u, v, w) in forbidden:
                continue
            h1 = xy[v] - xy[u]
            h2 = xy[w] - xy[v]
            angle = math.degrees(math.atan2(h1[0] * h2[1] - h1[1] * h2[0], h1[0] * h2[0] + h1[1] * h2[1]))
            cost = 0.0
            if w == u or abs(angle) >= options.u_turn_deg:
                cost = options.u_turn_s
            elif len(neighbours[v]) >= 3 and angle > options.straight_deg:
                cost = options.left_turn_s
            elif len(neighbours[v]) >= 3 and angle < -options.straight_deg:
                cost = options.right_turn_s
            g.add_edge((u, v), (v, w), weight=t + cost)
    return g


def test_helsinki_restrictions_and_costs_match_an_edge_based_reference(helsinki_turns):
    report, graph = helsinki_turns
    assert report.turns["relations"] == 45 and report.turns["applied"] >= 25
    turns = graph.turns
    assert turns.graph.n_nodes > graph.n_nodes and turns.graph.n_edges > graph.n_edges
    ref = reference(graph, turns.options)
    targets = sample_nodes(graph, 60, seed=5)
    for source in sample_nodes(graph, 6, seed=9):
        times = nx.single_source_dijkstra_path_length(ref, ("start", int(source)))
        best = np.full(graph.n_nodes, np.inf)
        best[source] = 0.0
        for (_, v), t in ((k, t) for k, t in times.items() if k[0] != "start"):
            best[v] = min(best[v], t)
        ours = query.travel_from(graph, graph.lon[source], graph.lat[source], graph.lon[targets],
                                 graph.lat[targets])
        np.testing.assert_allclose(ours.seconds, best[targets], rtol=1e-6, atol=2e-3)
        # Whole-graph tree (coverage, unit tables) agrees too.
        tree_s = unpack_seconds(query.tree(graph, int(source)))
        np.testing.assert_allclose(tree_s, best, rtol=1e-6, atol=2e-3)
        # Coverage's per-road entry times: the reference's time at the end of the road minus the road's time.
        seconds, _, entry = query.nearest_station(graph, [int(source)], edge_start=True)
        np.testing.assert_allclose(seconds, best, rtol=1e-6, atol=2e-3)
        ends = np.array([times.get((u, v), np.inf) for u, v in zip(graph.edge_sources().tolist(),
                                                                      graph.indices.tolist(), strict=True)])
        np.testing.assert_allclose(entry, ends - graph.edge_seconds(), rtol=1e-6, atol=3e-3)
    # Many-to-one (dispatch ranking, reverse search from every copy of the incident) equals one-to-one forward.
    incident = int(targets[0])
    units = sample_nodes(graph, 30, seed=12)
    to = query.travel_to(graph, graph.lon[incident], graph.lat[incident], graph.lon[units], graph.lat[units])
    for i, unit in enumerate(units[:10]):
        back = query.travel_from(graph, graph.lon[unit], graph.lat[unit], [graph.lon[incident]],
                                 [graph.lat[incident]])
        assert to.seconds[i] == pytest.approx(back.seconds[0], abs=1e-6)
    # The unit table (precomputed trees) and the route agree with both.
    table = query.unit_table(graph, graph.lon[units], graph.lat[units])
    np.testing.assert_allclose(table.to(graph.lon[incident], graph.lat[incident]).seconds, to.seconds, atol=2e-3)
    r = query.route(graph, (graph.lon[units[0]], graph.lat[units[0]]), (graph.lon[incident], graph.lat[incident]))
    assert r.seconds == pytest.approx(to.seconds[0], abs=2e-3)


def test_turn_data_round_trips_and_old_format_is_refused(helsinki_turns, tmp_path):
    _, graph = helsinki_turns
    graph.save(tmp_path / "copy", osm_ids=graph.osm_ids())
    again = RoadGraph.load(tmp_path / "copy")
    for name in ("indptr", "indices", "weight"):
        assert np.array_equal(getattr(again.turns.graph, name), getattr(graph.turns.graph, name))
    assert np.array_equal(again.turns.copy_of, graph.turns.copy_of) and again.version == graph.version
    assert again.turns.options == graph.turns.options
    assert graph.version != RoadGraph(graph.lon, graph.lat, graph.indptr, graph.indices, graph.edge_seconds(),
                                      graph.edge_metres()).version  # turn data changes the version
    (tmp_path / "copy" / "turns.copy_of.npy").unlink()
    with pytest.raises(GraphError, match="转向数据"):
        RoadGraph.load(tmp_path / "copy")


def test_cli_import_reports_restrictions_and_takes_turn_costs(tmp_path):
    from click.testing import CliRunner

    from yingji.routing.cli import roads

    path = tmp_path / "j.osm"
    path.write_text(osm_xml(NODES, WAYS, [NO_LEFT, *BROKEN]), encoding="utf-8")
    runner = CliRunner()
    env = {"YINGJI_VAR_DIR": str(tmp_path)}
    result = runner.invoke(roads, ["import", str(path), "--name", "j", "--turn-costs", "--u-turn-s", "45"], env=env)
    assert result.exit_code == 0, result.output
    assert "转向限制：关系 4 个，采用 1 个（禁止转向 1 处）" in result.output
    assert f"⚠ {W_MISSING} 1 个（关系 4）" in result.output and f"⚠ {W_NOT_TOUCHING} 2 个（关系 5、6）" in result.output
    graph = RoadGraph.load(tmp_path / "roads" / "j")
    assert graph.turns.options == TurnOptions(costs=True, u_turn_s=45.0)
    bad = runner.invoke(roads, ["import", str(path), "--name", "j2", "--left-turn-s", "-3"], env=env)
    assert bad.exit_code != 0 and "转向耗时 left_turn_s 须为 0～3600" in bad.output
    off = runner.invoke(roads, ["import", str(path), "--name", "j3", "--no-turn-restrictions"], env=env)
    assert off.exit_code == 0 and "转向限制：未读取" in off.output
    assert RoadGraph.load(tmp_path / "roads" / "j3").turns is None


def test_reweighted_turn_graph_for_a_vehicle_profile(tmp_path):
    """A profile's own road times and closed roads on the same expansion (what vehicle profiles plug into)."""
    _, graph = junction(tmp_path, "profile", [NO_LEFT], turns=TurnOptions(costs=True, u_turn_s=20))
    t = graph.turns
    same = t.reweighted(graph.edge_seconds(), graph.edge_metres())
    assert np.array_equal(same.graph.weight, t.graph.weight) and np.array_equal(same.head, t.head)
    # Close X → N (say a 3 m underpass): S → W can no longer turn round at N; it turns round at E instead.
    x, n = (int(np.flatnonzero(graph.osm_ids() == i)[0]) for i in (X, N))
    open_edges = ~((graph.edge_sources() == x) & (graph.indices == n))
    closed = t.reweighted(graph.edge_seconds() * 2, graph.edge_metres(), open_edges)
    graph.turns = closed
    route = query.route(graph, point(graph, S), point(graph, W))
    assert ids(graph, route.nodes) == [S, X, E, X, W]
    legs = sum(query.route(graph, point(graph, a), point(graph, b)).seconds for a, b in ((S, E), (E, W)))
    assert route.seconds == pytest.approx(legs + 20, abs=2e-3)  # the legs, and the U-turn at E between them
    graph.turns = t
    single = query.route(graph, point(graph, S), point(graph, E)).seconds
    graph.turns = closed
    assert query.route(graph, point(graph, S), point(graph, E)).seconds == pytest.approx(2 * single, abs=2e-3)
    report = covering.coverage(graph, [point(graph, S)], minutes=10)
    assert np.isfinite(report.seconds).all() and report.road_pct is not None
