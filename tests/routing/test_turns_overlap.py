"""Via way restrictions that overlap (share ways, or one starts inside another): each binds every vehicle
whose driven nodes end with it, also one already inside another restricted path (issue 17, left open).
Checked against an independent reference: Dijkstra over (last nodes driven) states with the restricted node
sequences written out by hand."""

import itertools

import networkx as nx
import numpy as np
import pytest

from yingji.routing import query
from yingji.routing.graph import RoadGraph
from yingji.routing.osm import import_osm

from .conftest import osm_xml

A, V1, V2, V3, C, B, N1, SA, SC, NC, NA = 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11
NODES = {A: (104.000, 30.000), V1: (104.001, 30.000), V2: (104.002, 30.000), V3: (104.003, 30.000),
         C: (104.004, 30.000), B: (104.003, 29.999), N1: (104.002, 30.001), SA: (104.000, 29.999),
         SC: (104.004, 29.999), NC: (104.004, 30.001), NA: (104.000, 30.001)}
ROAD = {"highway": "residential"}
WAYS = [(101, [A, V1], ROAD), (102, [V1, V2], ROAD), (103, [V2, V3], ROAD), (104, [V3, C], ROAD),
        (105, [V3, B], ROAD), (106, [A, SA, B], ROAD), (107, [B, SC, C], ROAD), (108, [V2, N1], ROAD),
        (109, [N1, NC, C], ROAD), (110, [A, NA, N1], ROAD)]


def rel(rid, kind, from_way, vias, to_way):
    return (rid, [("way", from_way, "from"), *[("way", v, "via") for v in vias], ("way", to_way, "to")],
            {"type": "restriction", "restriction": kind})


# R1: A→V1→V2→V3, then right to B: forbidden. R2 (shares ways 102 and 103 with R1, starts inside it):
# V1→V2→V3, then on to C: forbidden. R3 (shares 101 and 102): A→V1→V2, then only straight on to V3.
RELATIONS = [rel(21, "no_right_turn", 101, [102, 103], 105), rel(22, "no_straight_on", 102, [103], 104),
             rel(23, "only_straight_on", 101, [102], 103)]
# The same, as node sequences, for the reference: (only, nodes).
SEQUENCES = [(False, (A, V1, V2, V3, B)), (False, (V1, V2, V3, C)), (True, (A, V1, V2, V3))]


def build(tmp_path, name, relations):
    path = tmp_path / f"{name}.osm"
    path.write_text(osm_xml(NODES, WAYS, relations), encoding="utf-8")
    report = import_osm(path, name, var_dir=tmp_path, area="urban")
    return report, RoadGraph.load(tmp_path / "roads" / name)


def reference_seconds(graph: RoadGraph, sequences, source: int, target: int) -> float:
    """Fastest time source → target (OSM ids) never driving a forbidden sequence: a state is the last few
    nodes driven (as many as the longest sequence needs), so every restriction is checked on every suffix."""
    ids = graph.osm_ids().tolist()
    src, seconds = graph.edge_sources(), graph.edge_seconds()
    out: dict[int, list] = {}
    for s, d, t in zip(src.tolist(), graph.indices.tolist(), seconds.tolist(), strict=True):
        out.setdefault(ids[s], []).append((ids[d], t))
    window = max(len(nodes) for _, nodes in sequences) - 1

    def allowed(driven, w):
        seq = driven + (w,)
        for only, nodes in sequences:
            if not only and seq[-len(nodes):] == nodes:
                return False
            if only and driven[-(len(nodes) - 1):] == nodes[:-1] and w != nodes[-1]:
                return False
        return True

    g = nx.DiGraph()
    start, seen, todo = (source,), {(source,)}, [(source,)]
    while todo:
        state = todo.pop()
        for w, t in out.get(state[-1], []):
            if allowed(state, w):
                nxt = (state + (w,))[-window:]
                g.add_edge(state, nxt, weight=t)
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        if state[-1] == target:
            g.add_edge(state, "end", weight=0.0)
    try:
        return nx.dijkstra_path_length(g, start, "end")
    except (nx.NetworkXNoPath, nx.NodeNotFound):
        return float("inf")


def point(graph, osm_id):
    index = int(np.flatnonzero(graph.osm_ids() == osm_id)[0])
    return float(graph.lon[index]), float(graph.lat[index])


def route_ids(graph, source, target):
    ids = graph.osm_ids()
    return [int(ids[n]) for n in query.route(graph, point(graph, source), point(graph, target)).nodes]


def test_overlapping_via_way_restrictions_bind_a_vehicle_inside_another_one(tmp_path):
    report, graph = build(tmp_path, "overlap", RELATIONS)
    assert report.turns["applied"] == 3 and report.turns["restricted_paths"] == 3
    assert report.turns["warning_count"] == 0
    # From A: straight through V1, V2, V3 to C would end with R2's V1→V2→V3→C though the vehicle is inside
    # R1 and R3 (applied independently, R2 was lost); B may not be reached by the right turn at V3 (R1).
    to_c = route_ids(graph, A, C)
    assert to_c[-4:] != [V1, V2, V3, C] and to_c[0] == A and to_c[-1] == C
    assert route_ids(graph, A, B)[:5] != [A, V1, V2, V3, B]
    assert [V1, V2, N1] != route_ids(graph, A, N1)[1:4]  # R3: after A→V1→V2 only straight on
    # Who joins elsewhere: from V2, on to C through V3 is fine; from V1 it is R2's sequence.
    assert route_ids(graph, V2, C) == [V2, V3, C]
    assert route_ids(graph, V1, C)[:4] != [V1, V2, V3, C]


@pytest.mark.parametrize("relations, sequences", [
    (RELATIONS, SEQUENCES),
    (list(reversed(RELATIONS)), SEQUENCES),  # the order of the relations in the file does not matter
    ([RELATIONS[0], rel(24, "only_left_turn", 101, [102, 103], 105)],  # contradicting only_* and no_*
     [SEQUENCES[0], (True, (A, V1, V2, V3, B))]),
])
def test_every_pair_matches_the_reference(tmp_path, relations, sequences):
    _, graph = build(tmp_path, "pairs", relations)
    for source, target in itertools.permutations(NODES, 2):
        expected = reference_seconds(graph, sequences, source, target)
        found = query.route(graph, point(graph, source), point(graph, target)).seconds
        assert found == pytest.approx(expected, abs=1e-6), (source, target)
