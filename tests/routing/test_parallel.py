"""Parallel ways between the same two nodes (issue 17, left open): a slower way with a laxer limit than the
faster one beside it survives (split at a midpoint node), so a ladder truck that the fast way's 3 m bridge
stops still gets through; parallel ways with the same limits still collapse to the fastest."""

import json

import numpy as np
import pytest

from yingji import routing
from yingji.routing.graph import RoadGraph, haversine_m
from yingji.routing.osm import import_osm
from yingji.routing.vehicles import vehicle_size

from .conftest import osm_xml

PUMP = vehicle_size(2.8, 7, 2.2, label="小型水罐消防车")
LADDER = vehicle_size(3.8, 30, 2.55, label="云梯消防车")
# 1 ══ 2 ── 3, and the long way round 1 ── 4 ── 3. Between 1 and 2 five ways: a fast road under a 3 m bridge
# (tertiary, maxspeed 50 → 40 km/h), a slower residential road beside it (20 km/h, no limit), and three that add
# nothing: a service road with no limit (slower, same limits as the residential: collapses), a residential road
# under a 4.5 m bridge (as fast as the free one but stricter) and a service road under 3.5 m (slower and stricter).
NODES = {1: (104.000, 30.000), 2: (104.003, 30.000), 3: (104.006, 30.000), 4: (104.003, 30.003)}
FAST, SLOW = 30, 31
WAYS = [(FAST, [1, 2], {"highway": "tertiary", "maxspeed": "50", "maxheight": "3.0", "bridge": "no"}),
        (SLOW, [1, 2], {"highway": "residential"}),
        (32, [2, 1], {"highway": "service"}),
        (33, [1, 2], {"highway": "residential", "maxheight": "4.5"}),
        (34, [1, 2], {"highway": "service", "maxheight": "3.5"}),
        (35, [2, 3], {"highway": "residential"}),
        (36, [1, 4, 3], {"highway": "residential"})]
# From the slow way at 2, no straight on to 3: binds the road the ladder truck has to take, not the fast one.
NO_STRAIGHT = (40, [("way", SLOW, "from"), ("node", 2, "via"), ("way", 35, "to")],
               {"type": "restriction", "restriction": "no_straight_on"})


def ms(a, b, kmh):
    return round(float(haversine_m(*NODES[a], *NODES[b])) / (kmh / 3.6) * 1000.0)


def build(tmp_path, name, relations=()):
    path = tmp_path / f"{name}.osm"
    path.write_text(osm_xml(NODES, WAYS, list(relations)), encoding="utf-8")
    report = import_osm(path, name, var_dir=tmp_path, area="urban")
    return RoadGraph.load(tmp_path / "roads" / name), report


def osm_path(graph, nodes):
    ids = graph.osm_ids()
    return [int(ids[n]) for n in nodes]


def test_a_ladder_truck_takes_the_slower_parallel_way_and_a_pump_the_fast_one(tmp_path):
    graph, report = build(tmp_path, "parallel")
    # 4 OSM nodes and one midpoint (id -1) on the slower way; its two directions share it. Of the 5×2 edges
    # between 1 and 2, the fast pair stays, the slow pair becomes four half edges, six are dropped.
    assert (graph.n_nodes, graph.n_edges) == (5, 12) and sorted(graph.osm_ids().tolist()) == [-1, 1, 2, 3, 4]
    assert report.graph.split_parallel_edges == 2 and report.graph.duplicate_edges == 6
    start, end = NODES[1], NODES[2]
    pump = routing.route(graph, start, end, vehicle=PUMP)
    ladder = routing.route(graph, start, end, vehicle=LADDER)
    assert osm_path(graph, pump.nodes) == [1, 2] and osm_path(graph, ladder.nodes) == [1, -1, 2]
    # Times exact to the millisecond: the halves of the split way add up to the whole.
    assert round(pump.seconds * 1000) == ms(1, 2, 40) and round(ladder.seconds * 1000) == ms(1, 2, 20)
    assert ladder.metres == pytest.approx(pump.metres, abs=0.2)
    # The midpoint lies on the chord; the reverse direction uses it too (the two halves are twins).
    mid = int(np.flatnonzero(graph.osm_ids() == -1)[0])
    assert (graph.lon[mid], graph.lat[mid]) == pytest.approx((104.0015, 30.000))
    back = routing.route(graph, end, start, vehicle=LADDER)
    assert osm_path(graph, back.nodes) == [2, -1, 1] and round(back.seconds * 1000) == ms(1, 2, 20)
    # The ranking path (units → incident) agrees, per vehicle.
    for vehicle, expected in ((PUMP, ms(1, 2, 40)), (LADDER, ms(1, 2, 20))):
        to = routing.travel_to(graph, *end, np.array([start[0]]), np.array([start[1]]), vehicle=vehicle)
        assert round(float(to.seconds[0]) * 1000) == expected


def test_a_restriction_on_the_slower_way_binds_it_and_not_the_fast_one(tmp_path):
    graph, report = build(tmp_path, "parallel_turns", [NO_STRAIGHT])
    assert report.turns["applied"] == 1 and report.turns["warning_count"] == 0
    start, end = NODES[1], NODES[3]
    pump = routing.route(graph, start, end, vehicle=PUMP)
    assert osm_path(graph, pump.nodes) == [1, 2, 3]  # the fast way is not the restricted one
    assert round(pump.seconds * 1000) == ms(1, 2, 40) + ms(2, 3, 20)
    ladder = routing.route(graph, start, end, vehicle=LADDER)  # may not go on straight from the slow way
    assert osm_path(graph, ladder.nodes) == [1, 4, 3]
    assert round(ladder.seconds * 1000) == ms(1, 4, 20) + ms(4, 3, 20)


def test_identical_parallel_ways_still_collapse_to_the_fastest(tmp_path):
    ways = [(50, [1, 2], {"highway": "tertiary", "maxheight": "3.0"}),
            (51, [1, 2], {"highway": "residential", "maxheight": "3.0"}),
            (52, [2, 1], {"highway": "service", "maxheight": "3.0"})]
    path = tmp_path / "same.osm"
    path.write_text(osm_xml(NODES, ways), encoding="utf-8")
    report = import_osm(path, "same", var_dir=tmp_path, area="urban")
    graph = RoadGraph.load(tmp_path / "roads" / "same")
    assert graph.n_nodes == 2 and graph.n_edges == 2 and report.graph.split_parallel_edges == 0
    assert report.graph.duplicate_edges == 4
    assert round(routing.route(graph, NODES[1], NODES[2]).seconds * 1000) == ms(1, 2, 30)


def test_older_formats_still_load(tmp_path):
    """Splitting changed no file (FORMAT_VERSION stays 3): a network saved as format 1 or 2 (no edge arrays)
    loads, with no limits; format 3 with them."""
    graph, _ = build(tmp_path, "formats")
    directory = tmp_path / "roads" / "formats"
    meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    assert meta["format"] == 3 and meta["edge_arrays"] == ["maxheight", "maxweight", "maxwidth"]
    for old in (1, 2):
        copy = tmp_path / f"format{old}"
        RoadGraph.load(directory).save(copy, osm_ids=graph.osm_ids())
        for stale in copy.glob("edge_*.npy"):
            stale.unlink()
        older = dict(json.loads((copy / "meta.json").read_text(encoding="utf-8")), format=old, edge_arrays=[])
        (copy / "meta.json").write_text(json.dumps(older), encoding="utf-8")
        loaded = RoadGraph.load(copy)
        assert loaded.meta["format"] == old and loaded.edge_arrays == {} and loaded.n_nodes == graph.n_nodes
        # No limits known: the ladder truck is sent the fast way, as before issue 17.
        ladder = routing.route(loaded, NODES[1], NODES[2], vehicle=LADDER)
        assert osm_path(graph, ladder.nodes) == [1, 2]


def test_the_cli_import_reports_the_split_ways(tmp_path):
    from click.testing import CliRunner

    from yingji.routing.cli import roads

    path = tmp_path / "cli.osm"
    path.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    result = CliRunner().invoke(roads, ["import", str(path), "--name", "cli", "--area", "urban"],
                                env={"YINGJI_VAR_DIR": str(tmp_path)})
    assert result.exit_code == 0, result.output
    assert "保留较慢一条的路段 2 条" in result.output
