"""What decides whether a fire engine gets through (issue 17 items 3 and 5), on small hand-made OSM files:
height limits and vehicle sizes, barriers, traffic signals, oneway:emergency, unreadable limit values."""

import math
from xml.sax.saxutils import quoteattr

import numpy as np
import pytest
from click.testing import CliRunner

from yingji import routing
from yingji.routing.cli import roads
from yingji.routing.graph import RoadGraph, haversine_m
from yingji.routing.osm import import_osm
from yingji.routing.tags import barrier, parse_length_m, parse_weight_t
from yingji.routing.vehicles import VehicleError, for_type, vehicle_size, vehicle_types

from .conftest import edge_set

PUMP = vehicle_size(2.8, 7, 2.2, label="小型水罐消防车")
LADDER = vehicle_size(3.8, 30, 2.55, label="云梯消防车")


def write_osm(path, nodes, ways, node_tags=None):
    """OSM XML with node tags (values escaped: 12'6\" must survive)."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="yingji-tests">']
    for nid, (lon, lat) in nodes.items():
        tags = (node_tags or {}).get(nid, {})
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"' + ("/>" if not tags else ">"))
        if tags:
            lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()] + ["  </node>"]
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(v)}/>" for k, v in tags.items()]
        lines.append("  </way>")
    path.write_text("\n".join(lines + ["</osm>"]) + "\n", encoding="utf-8")
    return path


# 1 ── 2 ══ 3 ── 7 (a short way through an underpass 2–3 with maxheight=3.0, and a dead end 3–7 behind a
# second underpass), and the long way round 1 – 4 – 5 – 3 (about three times as long).
UNDERPASS_NODES = {1: (104.000, 30.000), 2: (104.002, 30.000), 3: (104.004, 30.000), 4: (104.000, 30.004),
                   5: (104.004, 30.004), 7: (104.006, 30.000)}
RES = {"highway": "residential"}


def underpass_graph(tmp_path, name="underpass", height="3.0"):
    ways = [(10, [1, 2], RES), (11, [2, 3], dict(RES, maxheight=height, tunnel="yes")), (12, [1, 4, 5, 3], RES),
            (13, [3, 7], dict(RES, maxheight="3.0"))]
    path = write_osm(tmp_path / f"{name}.osm", UNDERPASS_NODES, ways)
    report = import_osm(path, name, var_dir=tmp_path, area="urban")
    return RoadGraph.load(tmp_path / "roads" / name), report


def test_a_3m_underpass_is_avoided_by_a_ladder_truck_and_used_by_a_pump(tmp_path):
    graph, report = underpass_graph(tmp_path)
    assert report.limited_edges["maxheight"] == 4  # both directions of both underpasses
    start, end = UNDERPASS_NODES[1], UNDERPASS_NODES[3]
    pump = routing.route(graph, start, end, vehicle=PUMP)
    ladder = routing.route(graph, start, end, vehicle=LADDER)
    plain = routing.route(graph, start, end)
    ids = graph.osm_ids()
    assert [int(ids[n]) for n in pump.nodes] == [1, 2, 3] == [int(ids[n]) for n in plain.nodes]
    assert [int(ids[n]) for n in ladder.nodes] == [1, 4, 5, 3]
    assert ladder.seconds > 2.5 * pump.seconds and pump.seconds == pytest.approx(plain.seconds)
    # The same through the ranking path (many units to one incident), and no copy of the graph per query.
    to = routing.travel_to(graph, *end, np.array([start[0]]), np.array([start[1]]), vehicle=LADDER)
    assert to.seconds[0] == pytest.approx(ladder.seconds, abs=0.01)
    from yingji.routing import vehicles

    view = vehicles.view(graph, LADDER)
    assert view is vehicles.view(graph, vehicle_size(3.8, 30, 2.55)) and view.indices is graph.indices
    assert vehicles.view(graph, PUMP) is graph  # nothing closed to it: the graph itself
    assert view.version != graph.version  # its unit tables are kept apart from the graph's


def test_no_permitted_route_gives_the_reason(tmp_path):
    graph, _ = underpass_graph(tmp_path)
    start, dead_end = UNDERPASS_NODES[1], UNDERPASS_NODES[7]
    with pytest.raises(routing.GraphError, match="限高 3 米，车高 3.8 米，无可通行路线"):
        routing.route(graph, start, dead_end, vehicle=LADDER)
    estimate = routing.travel_to(graph, *dead_end, np.array([start[0], UNDERPASS_NODES[3][0]]),
                                 np.array([start[1], UNDERPASS_NODES[3][1]]), vehicle=LADDER, fallback=True)
    assert np.isnan(estimate.seconds).all()  # no straight-line fill for a vehicle that cannot get through
    assert estimate.reasons[0] == "云梯消防车：限高 3 米，车高 3.8 米，无可通行路线"
    # The dispatch estimator (precomputed unit trees) says the same.
    fn = routing.estimator(graph)
    found = fn(*dead_end, np.array([start[0]]), np.array([start[1]]), vehicle=LADDER)
    assert np.isnan(found.seconds[0]) and "限高 3 米" in found.reasons[0]
    assert np.isfinite(fn(*dead_end, np.array([start[0]]), np.array([start[1]]), vehicle=PUMP).seconds[0])


@pytest.mark.parametrize("text, metres", [("3.5", 3.5), ("3.5 m", 3.5), ("3 m", 3.0), ("3m", 3.0),
                                          ("350 cm", 3.5), ("12'6\"", 12 * 0.3048 + 6 * 0.0254),
                                          ("12 ft", 12 * 0.3048), ("13'", 13 * 0.3048)])
def test_height_values(text, metres):
    parsed = parse_length_m(text)
    assert parsed.value == pytest.approx(metres) and parsed.warning is None


@pytest.mark.parametrize("text, warning", [("default", None), ("none", None), ("below_default", "below_default"),
                                           ("3,5", "无法识别"), ("low", "无法识别"), ("45", "超出合理范围"),
                                           ("0", "超出合理范围"), ("", "空值")])
def test_height_values_that_are_not_numbers(text, warning):
    parsed = parse_length_m(text, below_default_m=3.0)
    if text == "below_default":
        assert parsed.value == 3.0 and "below_default" in parsed.warning
    else:
        assert math.isnan(parsed.value)
        assert (parsed.warning is None) if warning is None else (warning in parsed.warning)


def test_weight_values():
    assert parse_weight_t("7.5").value == 7.5 and parse_weight_t("7.5 t").value == 7.5
    assert parse_weight_t("7500 kg").value == 7.5 and parse_weight_t("none").warning is None
    assert parse_weight_t("20000 lbs").value == pytest.approx(9.07, abs=0.01)
    assert "无法识别" in parse_weight_t("heavy").warning and math.isnan(parse_weight_t("heavy").value)


def test_bad_maxheight_values_are_counted_as_warnings_never_a_number(tmp_path):
    values = ["3 m", "default", "below_default", "garbage", "12'6\"", "400"]
    nodes = {i: (104.0 + 0.001 * i, 30.0) for i in range(1, 9)}
    ways = [(100 + i, [i + 1, i + 2], dict(RES, maxheight=value)) for i, value in enumerate(values)]
    ways.append((200, [7, 8], dict(RES, maxweight="lots")))
    path = write_osm(tmp_path / "bad.osm", nodes, ways)
    report = import_osm(path, "bad", var_dir=tmp_path, area="urban")
    assert report.warnings == {"maxheight=below_default：below_default（按 3 米计）": 1,
                               "maxheight=garbage：无法识别": 1, "maxheight=400：超出合理范围（0.5～10）": 1,
                               "maxweight=lots：无法识别": 1}
    graph = RoadGraph.load(tmp_path / "roads" / "bad")
    ids, src = graph.osm_ids(), graph.edge_sources()
    height = {(int(ids[s]), int(ids[d])): h for s, d, h in
              zip(src, graph.indices, graph.edge_arrays["maxheight"], strict=True)}
    assert height[(1, 2)] == 3.0 and math.isnan(height[(2, 3)]) and height[(3, 4)] == 3.0
    assert math.isnan(height[(4, 5)]) and height[(5, 6)] == pytest.approx(3.81) and math.isnan(height[(6, 7)])
    assert graph.meta["import"]["warnings"] == report.warnings and graph.meta["format"] == 3


# Barriers: 1 ── 2 ── 3 is the short way (one barrier at 2 per case), 1 ── 4 ── 5 ── 3 the long one.
BARRIER_NODES = {1: (104.000, 30.000), 2: (104.002, 30.000), 3: (104.004, 30.000), 4: (104.000, 30.004),
                 5: (104.004, 30.004)}


def barrier_route(tmp_path, name, tags):
    ways = [(10, [1, 2, 3], RES), (11, [1, 4, 5, 3], RES)]
    path = write_osm(tmp_path / f"{name}.osm", BARRIER_NODES, ways, {2: tags})
    report = import_osm(path, name, var_dir=tmp_path, area="urban")
    graph = RoadGraph.load(tmp_path / "roads" / name)
    found = routing.route(graph, BARRIER_NODES[1], BARRIER_NODES[3])
    ids = graph.osm_ids()
    return [int(ids[n]) for n in found.nodes], found, report


def test_a_bollard_is_avoided(tmp_path):
    nodes, _, report = barrier_route(tmp_path, "bollard", {"barrier": "bollard"})
    assert nodes == [1, 4, 5, 3] and report.barriers == {"blocked": {"bollard": 1}, "passable": {}}


def test_a_gate_with_emergency_yes_is_passed_with_its_delay(tmp_path):
    nodes, found, report = barrier_route(tmp_path, "gate", {"barrier": "gate", "access": "private",
                                                             "emergency": "yes"})
    assert nodes == [1, 2, 3] and report.barriers == {"blocked": {}, "passable": {"gate": 1}}
    plain = (haversine_m(*BARRIER_NODES[1], *BARRIER_NODES[2]) + haversine_m(*BARRIER_NODES[2], *BARRIER_NODES[3]))
    assert found.seconds == pytest.approx(plain / (20 / 3.6) + 15, abs=0.01)  # residential 20 km/h + 15 s gate
    private, _, _ = barrier_route(tmp_path, "private", {"barrier": "gate", "access": "private"})
    assert private == [1, 4, 5, 3]  # a private gate without emergency access stops an engine


def test_barrier_rules_table():
    assert barrier({"barrier": "block"}) == (False, 0.0)
    assert barrier({"barrier": "lift_gate"}) == (True, 10.0)
    assert barrier({"barrier": "gate"}) == (True, 15.0)
    assert barrier({"barrier": "bollard", "motor_vehicle": "yes"})[0] is True  # tagged open
    assert barrier({"barrier": "gate", "emergency": "no"})[0] is False
    assert barrier({"barrier": "something_new"})[0] is False  # unknown types block (OSRM's rule), and are counted


def test_traffic_signals_add_the_profile_delay(tmp_path):
    nodes = {1: (104.000, 30.000), 2: (104.002, 30.000), 3: (104.004, 30.000)}
    path = write_osm(tmp_path / "signals.osm", nodes, [(10, [1, 2, 3], RES)], {2: {"highway": "traffic_signals"}})
    report = import_osm(path, "signals", var_dir=tmp_path, area="urban")
    edges = edge_set(RoadGraph.load(tmp_path / "roads" / "signals"))
    drive = haversine_m(*nodes[1], *nodes[2]) / (20 / 3.6)
    assert report.signals == 1
    assert edges[(1, 2)][0] == pytest.approx(drive + 5.0, abs=1e-3)  # entering the signal: + 5 s (profile)
    assert edges[(2, 1)][0] == pytest.approx(drive, abs=1e-3)  # leaving it: no delay


def test_oneway_emergency_no_is_driven_against_the_oneway(tmp_path):
    nodes = {1: (104.000, 30.000), 2: (104.002, 30.000), 3: (104.002, 30.002), 4: (104.000, 30.002)}
    ways = [(10, [1, 2], {"highway": "residential", "oneway": "yes", "oneway:emergency": "no"}),
            (11, [2, 3], {"highway": "residential", "oneway": "yes"}), (12, [3, 4, 1], RES)]
    path = write_osm(tmp_path / "bus.osm", nodes, ways)
    import_osm(path, "bus", var_dir=tmp_path, area="urban")
    edges = edge_set(RoadGraph.load(tmp_path / "roads" / "bus"))
    assert (2, 1) in edges and (1, 2) in edges  # the engine may drive 2 → 1 against the one-way
    assert (3, 2) not in edges  # a plain one-way stays one-way


def test_vehicle_sizes_and_types():
    types = vehicle_types()
    assert {"water_tank", "foam", "ladder", "aerial_platform", "rescue", "equipment"} <= set(types)
    assert types["ladder"].size.height_m == 3.8 and types["ladder"].source
    own = for_type("ladder", height_m=3.6)
    assert own.height_m == 3.6 and own.weight_t == types["ladder"].size.weight_t and own.label == "云梯消防车"
    for kwargs, message in (({"height_m": -1}, "车高须为正数"), ({"weight_t": 0}, "总质量须为正数"),
                            ({"width_m": 12}, "车宽 12 米不合理"), ({"height_m": 380}, "车高 380 米不合理"),
                            ({"height_m": "high"}, "车高“high”不是数字"), ({"weight_t": float("nan")}, "总质量须为正数")):
        with pytest.raises(VehicleError, match=message):
            vehicle_size(**kwargs)


def test_cli_eta_and_route_take_the_vehicle_size(tmp_path):
    underpass_graph(tmp_path)
    runner = CliRunner()

    def run(*args):
        return runner.invoke(roads, list(args), env={"YINGJI_VAR_DIR": str(tmp_path)}, catch_exceptions=False)

    start, end, dead = "104.000,30.000", "104.004,30.000", "104.006,30.000"
    low = run("route", "--name", "underpass", "--from", start, "--to", end, "--height", "2.8")
    high = run("route", "--name", "underpass", "--from", start, "--to", end, "--height", "3.8")
    assert low.exit_code == 0 == high.exit_code
    assert len(__import__("json").loads(high.output)["geometry"]["coordinates"]) > \
        len(__import__("json").loads(low.output)["geometry"]["coordinates"])
    blocked = run("route", "--name", "underpass", "--from", start, "--to", dead, "--type", "ladder")
    assert blocked.exit_code != 0 and "限高 3 米，车高 3.8 米，无可通行路线" in blocked.output
    eta = run("eta", "--name", "underpass", "--from", start, "--to", dead, "--to", end, "--height", "3.8")
    assert "限高 3 米，车高 3.8 米" in eta.output and "分钟" in eta.output
    bad = run("eta", "--name", "underpass", "--from", start, "--to", end, "--height", "-1")
    assert bad.exit_code == 2 and "车高须为正数" in bad.output
    unknown = run("route", "--name", "underpass", "--from", start, "--to", end, "--type", "tank")
    assert unknown.exit_code == 2 and "未知车型" in unknown.output


def test_many_units_shut_out_all_get_the_reason(tmp_path):
    graph, _ = underpass_graph(tmp_path)
    dead_end = UNDERPASS_NODES[7]
    units = [UNDERPASS_NODES[k] for k in (1, 2, 3, 4, 5, 1)]  # more than four: one tree, walked per unit
    estimate = routing.travel_to(graph, *dead_end, np.array([u[0] for u in units]), np.array([u[1] for u in units]),
                                 vehicle=LADDER)
    assert np.isnan(estimate.seconds).all()
    assert set(estimate.reasons) == {"云梯消防车：限高 3 米，车高 3.8 米，无可通行路线"}
    away = routing.travel_from(graph, *dead_end, np.array([u[0] for u in units]), np.array([u[1] for u in units]),
                               vehicle=LADDER)
    assert set(away.reasons) == {"云梯消防车：限高 3 米，车高 3.8 米，无可通行路线"}


def test_a_height_restrictor_node_limits_the_ways_through_it(tmp_path):
    nodes, found, report = barrier_route(tmp_path, "restrictor", {"barrier": "height_restrictor", "maxheight": "2.5"})
    assert nodes == [1, 2, 3] and report.barriers == {"blocked": {}, "passable": {"height_restrictor": 1}}
    graph = RoadGraph.load(tmp_path / "roads" / "restrictor")
    assert report.limited_edges["maxheight"] == 4  # both edges into and out of the node, both directions
    ids = graph.osm_ids()
    pump = routing.route(graph, BARRIER_NODES[1], BARRIER_NODES[3], vehicle=PUMP)  # 2.8 m: too tall here
    assert [int(ids[n]) for n in pump.nodes] == [1, 4, 5, 3]


def test_a_replaced_network_and_its_vehicle_views_are_freed(tmp_path):
    import gc
    import weakref

    from yingji.routing import vehicles

    graph, _ = underpass_graph(tmp_path, name="freed")
    view = vehicles.view(graph, LADDER)
    assert vehicles.base_of(view) is graph
    refs = weakref.ref(graph), weakref.ref(view)
    del graph, view
    gc.collect()
    assert refs[0]() is None and refs[1]() is None


def test_a_vehicle_on_a_network_with_turn_restrictions(tmp_path):
    """The left turn S→X→W is forbidden (turns.py): a pump engine turns round at N; under the 3 m underpass on
    X–N a ladder truck cannot, and turns round at E: its view re-weights the expanded graph too."""
    from .conftest import osm_xml
    from .test_turns import NO_LEFT, NODES, WAYS, E, N, S, W, X, point

    ways = [(w, refs, dict(tags, maxheight="3.0") if w == 102 else tags) for w, refs, tags in WAYS]
    path = tmp_path / "junction.osm"
    path.write_text(osm_xml(NODES, ways, [NO_LEFT]), encoding="utf-8")
    import_osm(path, "junction", var_dir=tmp_path, area="urban")
    graph = RoadGraph.load(tmp_path / "roads" / "junction")
    assert graph.turns is not None
    ids = graph.osm_ids()
    pump = routing.route(graph, point(graph, S), point(graph, W), vehicle=PUMP)
    ladder = routing.route(graph, point(graph, S), point(graph, W), vehicle=LADDER)
    assert [int(ids[n]) for n in pump.nodes] == [S, X, N, X, W]
    assert [int(ids[n]) for n in ladder.nodes] == [S, X, E, X, W]
    round_ = routing.route(graph, point(graph, S), point(graph, N), vehicle=LADDER)
    driven = [int(ids[n]) for n in round_.nodes]
    assert (X, N) not in set(zip(driven[:-1], driven[1:], strict=True))
    to = routing.travel_to(graph, *point(graph, W), np.array([point(graph, S)[0]]), np.array([point(graph, S)[1]]),
                           vehicle=LADDER)
    assert to.seconds[0] == pytest.approx(ladder.seconds, abs=0.01)
