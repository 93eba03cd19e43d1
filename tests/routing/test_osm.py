"""OSM import: real extracts (counts), one-way rules incl. -1, access, maxspeed, SCC drop report, bbox/polygon,
save/load round trip."""

import json

import numpy as np
import pytest

from yingji.routing.graph import GraphError, RoadGraph, haversine_m
from yingji.routing.osm import import_osm, parse_bbox, read_osm
from yingji.routing.profile import load_profile

from .conftest import edge_set, osm_xml

NODES = {1: (104.000, 30.000), 2: (104.001, 30.000), 3: (104.002, 30.000), 4: (104.002, 30.001),
         5: (104.001, 30.001), 6: (104.000, 30.001), 7: (103.999, 30.000), 8: (104.003, 30.000),
         9: (104.004, 30.000), 11: (104.002, 30.002), 12: (104.010, 30.010), 13: (104.011, 30.010)}
WAYS = [
    (10, [1, 2, 3], {"highway": "residential"}),
    (11, [3, 4], {"highway": "residential", "oneway": "yes"}),
    (12, [5, 4], {"highway": "residential", "oneway": "-1"}),  # drawn 5→4, drivable 4→5 only
    (13, [5, 6], {"highway": "tertiary", "maxspeed": "50"}),
    (14, [6, 1], {"highway": "residential", "oneway": "no"}),
    (15, [2, 5], {"highway": "footway"}),
    (16, [1, 7], {"highway": "service", "access": "no"}),
    (17, [3, 8], {"highway": "service", "access": "no", "emergency": "yes"}),
    (18, [8, 9], {"highway": "residential", "oneway": "yes"}),  # dead end: 9 is not strongly connected
    (19, [4, 11], {"highway": "residential", "oneway": "reversible"}),
    (20, [12, 13], {"highway": "motorway"}),  # implied one-way, on its own
]


@pytest.fixture
def toy_osm(tmp_path):
    path = tmp_path / "toy.osm"
    path.write_text(osm_xml(NODES, WAYS), encoding="utf-8")
    return path


def length(a, b):
    return float(haversine_m(*NODES[a], *NODES[b]))


def test_helsinki_import_counts(helsinki_import, helsinki):
    report = helsinki_import
    assert report.ways_read == 2650 and report.ways_used == 929
    assert report.skipped_ways == {"非车行道路等级": 1648, "禁止机动车通行": 67, "面状道路(area=yes)": 6}
    g = report.graph
    # Before issue 17: 1682 nodes, 2654 edges; the 11 blocking barriers (7 private gates, 2 blocks, 2 private
    # lift gates) now cut the ways through them (the issue counted 24 gates, 5 lift gates, 2 blocks, 135 signals).
    assert report.barriers == {"blocked": {"gate": 7, "block": 2, "lift_gate": 2},
                               "passable": {"gate": 16, "lift_gate": 3}}
    assert report.signals == 133 and report.warnings == {}
    assert report.limited_edges == {"maxheight": 122, "maxweight": 103, "maxwidth": 0}
    assert (g.nodes, g.edges) == (1671, 2628) == (helsinki.n_nodes, helsinki.n_edges)
    # 13 input nodes are left with no edge once the 11 blocking barriers are cut out (the barrier nodes and two
    # ends behind them): not part of the network, so not reported as dropped.
    assert g.input_nodes - g.dropped_nodes - 13 == g.nodes
    assert g.input_edges - g.duplicate_edges - g.dropped_edges == g.edges
    assert g.dropped_nodes == 244 and g.components == 128 and len(g.dropped_components) == 10
    assert g.dropped_components[0]["nodes"] == 97  # the biggest piece left out, with where it is (99 before barriers)
    assert 24.93 < g.dropped_components[0]["lon"] < 24.96 and 60.16 < g.dropped_components[0]["lat"] < 60.18
    assert 24 < g.road_km < 25
    meta = json.loads((helsinki.path / "meta.json").read_text(encoding="utf-8"))
    assert meta["import"]["build"]["dropped_nodes"] == 244 and meta["profile"]["name"] == "消防车"


def test_small_extract_import_counts(test_pbf, tmp_path):
    report = import_osm(test_pbf, "small", var_dir=tmp_path)
    assert (report.graph.nodes, report.graph.edges) == (779, 1514)
    assert report.skipped_ways == {"非车行道路等级": 128}
    assert report.graph.dropped_nodes == 113 and report.graph.dropped_edges == 163


def test_oneway_rules_access_and_maxspeed(toy_osm, tmp_path):
    report = import_osm(toy_osm, "toy", var_dir=tmp_path, area="urban")
    graph = RoadGraph.load(tmp_path / "roads" / "toy")
    edges = edge_set(graph)
    assert set(edges) == {(1, 2), (2, 1), (2, 3), (3, 2), (3, 4), (4, 5), (5, 6), (6, 5), (6, 1), (1, 6),
                          (3, 8), (8, 3)}
    assert (4, 3) not in edges and (5, 4) not in edges  # oneway=yes; oneway=-1 runs against the drawing
    # Urban residential 20 km/h; tertiary with maxspeed=50 → 50 × 0.8 = 40 km/h; service 15 km/h.
    for (a, b), kmh in {(1, 2): 20, (4, 5): 20, (5, 6): 40, (3, 8): 15}.items():
        seconds, metres = edges[(a, b)]
        assert metres == pytest.approx(length(a, b), abs=0.06)
        assert seconds == pytest.approx(length(a, b) / (kmh / 3.6), abs=1e-3)
    assert report.skipped_ways == {"非车行道路等级": 1, "禁止机动车通行": 1, "潮汐/可变方向(reversible)": 1}
    g = report.graph
    # The dead end 8→9 and the lone motorway 12→13 are dropped, and said so.
    assert (g.nodes, g.edges, g.dropped_nodes, g.dropped_edges) == (7, 12, 3, 2)
    assert g.components == 4


def test_motorway_and_roundabout_imply_oneway(tmp_path):
    nodes = {1: (104.0, 30.0), 2: (104.001, 30.0), 3: (104.001, 30.001)}
    ways = [(1, [1, 2], {"highway": "motorway"}), (2, [2, 3, 1], {"highway": "primary", "junction": "roundabout"}),
            (3, [3, 1], {"highway": "motorway", "oneway": "no"})]
    path = tmp_path / "m.osm"
    path.write_text(osm_xml(nodes, ways), encoding="utf-8")
    edges = read_osm(path, load_profile())
    ids = edges.osm_id
    pairs = {(int(ids[s]), int(ids[d])) for s, d in zip(edges.src, edges.dst, strict=True)}
    assert pairs == {(1, 2), (2, 3), (3, 1), (1, 3)}


def test_speed_profile_is_editable(toy_osm, tmp_path):
    custom = tmp_path / "roads" / "fire_truck_profile.toml"
    custom.parent.mkdir(parents=True)
    custom.write_text('name = "慢车"\n[speeds_kmh]\nresidential = [10, 10]\ntertiary = [30, 30]\n'
                      'service = [15, 15]\n', encoding="utf-8")
    import_osm(toy_osm, "slow", var_dir=tmp_path, area="urban")  # picks <var>/roads/fire_truck_profile.toml
    graph = RoadGraph.load(tmp_path / "roads" / "slow")
    assert graph.meta["profile"]["name"] == "慢车"
    assert edge_set(graph)[(1, 2)][0] == pytest.approx(length(1, 2) / (10 / 3.6), abs=1e-3)


def test_urban_and_rural_speeds(toy_osm, tmp_path):
    import_osm(toy_osm, "rural", var_dir=tmp_path, area="rural")
    graph = RoadGraph.load(tmp_path / "roads" / "rural")
    assert edge_set(graph)[(1, 2)][0] == pytest.approx(length(1, 2) / (25 / 3.6), abs=1e-3)


def test_bbox_and_polygon_imports(helsinki_pbf, helsinki, tmp_path):
    box = (24.940, 60.166, 24.950, 60.176)
    report = import_osm(helsinki_pbf, "box", var_dir=tmp_path, bbox=",".join(map(str, box)))
    graph = RoadGraph.load(tmp_path / "roads" / "box")
    assert 0 < graph.n_nodes < helsinki.n_nodes and report.segments_outside > 0
    assert graph.lon.min() >= box[0] and graph.lon.max() <= box[2]
    assert graph.lat.min() >= box[1] and graph.lat.max() <= box[3]
    polygon = {"type": "Feature", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [[
        [box[0], box[1]], [box[2], box[1]], [box[2], box[3]], [box[0], box[3]], [box[0], box[1]]]]}}
    report2 = import_osm(helsinki_pbf, "poly", var_dir=tmp_path, polygon=polygon)
    assert (report2.graph.nodes, report2.graph.edges) == (report.graph.nodes, report.graph.edges)


def test_bad_inputs_have_chinese_messages(helsinki_pbf, tmp_path):
    with pytest.raises(GraphError, match="西,南,东,北"):
        parse_bbox("1,2,3")
    with pytest.raises(GraphError, match="西 < 东"):
        parse_bbox("10,0,5,1")
    with pytest.raises(GraphError, match="没有可通行的道路"):
        import_osm(helsinki_pbf, "empty", var_dir=tmp_path, bbox=(10.0, 10.0, 10.1, 10.1))
    with pytest.raises(GraphError, match="找不到 OSM 文件"):
        import_osm(tmp_path / "nope.osm.pbf", "x", var_dir=tmp_path)
    with pytest.raises(GraphError, match="路网名称"):
        import_osm(helsinki_pbf, "../escape", var_dir=tmp_path)
    with pytest.raises(GraphError, match="未找到路网"):
        RoadGraph.load(tmp_path / "roads" / "none")


def test_save_load_round_trip(helsinki, tmp_path):
    helsinki.save(tmp_path / "copy", osm_ids=helsinki.osm_ids())
    again = RoadGraph.load(tmp_path / "copy")
    for name in ("lon", "lat", "indptr", "indices", "weight", "rev_indptr", "rev_indices"):
        assert np.array_equal(getattr(again, name), getattr(helsinki, name)), name
    assert again.version == helsinki.version and again.n_edges == helsinki.n_edges
    assert np.array_equal(again.osm_ids(), helsinki.osm_ids())
    with np.load(tmp_path / "copy" / "graph.npz") as data:  # compact types on disk
        assert data["indices"].dtype == np.int32 and data["time_s"].dtype == np.float32
        assert data["length_m"].dtype == np.float32
    # The reverse CSR is the forward one transposed.
    assert (again.rev != again.fwd.T.tocsr()).nnz == 0
