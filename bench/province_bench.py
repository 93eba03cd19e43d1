"""The province-scale figures of bench/bench_routing.py (issue 17): ranking 350 units with units in the incident's
own city and spread over the whole tiled graph, the 5-minute coverage of 380 stations; each product figure
interleaved with its baselines on the same inputs; and the same on the turn-expanded graph (--turns)."""

import time

import numpy as np
from routing_common import (
    interleaved,
    load_average,
    networkit_graph,
    nx_graph,
    pairs_line,
    turn_graph_bytes,
    units_near,
    with_turns,
)


def tiles_of(big, city) -> np.ndarray:
    """The tile (city) of every node of the tiled graph, from the tiling's grid."""
    width = city.lon.max() - city.lon.min() + 0.0005
    height = city.lat.max() - city.lat.min() + 0.0005
    cols = int(np.ceil((big.lon.max() - city.lon.min()) / width))
    return (np.floor((big.lat - city.lat.min()) / height).astype(np.int64) * cols
            + np.floor((big.lon - city.lon.min()) / width).astype(np.int64))


def cases(big, tile, rng, units: int, local: bool, count: int) -> list:
    """(incident lon, lat, unit lons, lats): units a few metres off nodes of the incident's tile, or anywhere."""
    out = []
    for _ in range(count):
        node = int(rng.integers(big.n_nodes))
        pool = np.flatnonzero(tile == tile[node]) if local else np.arange(big.n_nodes)
        chosen = rng.choice(pool, size=min(units, len(pool)), replace=False)
        lons = big.lon[chosen] + rng.uniform(-1e-4, 1e-4, len(chosen))
        lats = big.lat[chosen] + rng.uniform(-5e-5, 5e-5, len(chosen))
        out.append((float(big.lon[node]), float(big.lat[node]), lons, lats))
    return out


def same_estimates(results):
    first, *others = results.values()
    for other in others:
        assert np.array_equal(first.seconds, other.seconds) and np.array_equal(first.metres, other.metres)


def province(big, city, rng, args):
    """Issue 17's province-scale figures on the tiled graph, product and baselines interleaved."""
    import networkx as nx
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
    tile = tiles_of(big, city)

    def product(item):
        return estimate(*item)

    def today(item):  # the same entry point with the full reverse Dijkstra it ran before issue 17
        with bounded.forced("full"):
            return estimate(*item)

    nk_rev = networkit_graph(big, reverse=True)
    nx_rev = None
    for local, pairs in ((True, args.pairs), (False, max(args.pairs // 4, 8))):
        inputs = cases(big, tile, rng, units, local, pairs)
        for _, _, lons, lats in inputs:  # units are snapped once (cached), as in dispatch
            query.snap_cached(big, lons, lats, DEFAULT_MAX_SNAP_M)
        product(inputs[0]), today(inputs[0])  # warm
        load_before = load_average()
        times = interleaved({"bounded": product, "today (full search)": today}, inputs, same_estimates)
        where = "in the incident's own city (tile)" if local else "spread over the whole graph"
        target = "target ≤ 5 ms" if local else "target: no slower than today"
        print(f"  ranking {units} units {where}, dispatch estimator end to end ({target}); {load_before}:")
        print("    " + pairs_line(times, "bounded", "today (full search)"))
        # The search alone, node to nodes, against the bounded kernel forced, scipy and networkit.
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
        # networkx has no multi-target stop: its full search, on a few of the same inputs (seconds each).
        if nx_rev is None:
            nx_rev = nx_graph(big, reverse=True)
        few = nodes[:args.nx_pairs]
        nx_fns = {"product": lambda x: unpack_seconds(bounded.to_targets(big, x[0], x[1], reverse=True).values),
                  "networkx full": lambda x, g=nx_rev: np.array([d[int(u)] for d in [
                      nx.single_source_dijkstra_path_length(g, int(x[0]), weight="time")] for u in x[1]])}

        def close(results):
            np.testing.assert_allclose(results["networkx full"], results["product"], rtol=1e-6, atol=2e-3)

        times = interleaved(nx_fns, few, close)
        print("      " + pairs_line(times, "product", "networkx full"))
    nx_rev = None  # noqa: F841 — free networkx's copy of the graph before the coverage figure
    coverage_figure(big, rng, args)


def spread_and_coverage(big, city, rng, args):
    """The two figures issue 17 holds against today and plain scipy, alone (--spread-coverage): ranking the
    units spread over the whole graph, the dispatch estimator end to end against the same entry point forced
    to today's full search, interleaved over --pairs inputs; then the 5-minute coverage of 380 stations."""
    from yingji import routing
    from yingji.routing import bounded, query
    from yingji.routing.snap import DEFAULT_MAX_SNAP_M

    units = args.stations + args.teams
    estimate = routing.estimator(big)
    bounded.warm()
    inputs = cases(big, tiles_of(big, city), rng, units, False, args.pairs)
    for _, _, lons, lats in inputs:
        query.snap_cached(big, lons, lats, DEFAULT_MAX_SNAP_M)

    def today(item):
        with bounded.forced("full"):
            return estimate(*item)

    estimate(*inputs[0]), today(inputs[0])
    load_before = load_average()
    times = interleaved({"bounded": lambda item: estimate(*item), "today (full search)": today}, inputs,
                        same_estimates)
    print(f"\nranking {units} units spread over the whole graph ({big.n_nodes:,} nodes, {big.n_edges:,} edges), "
          f"dispatch estimator end to end (target: no slower than today); {load_before}:")
    print("    " + pairs_line(times, "bounded", "today (full search)"))
    coverage_figure(big, rng, args)


def coverage_figure(big, rng, args):
    """The 5-minute coverage of 380 stations against plain scipy, like for like: seconds only (what siting
    asks), and seconds with the nearest station (what the coverage report asks; scipy's predecessors give it)."""
    from scipy.sparse.csgraph import dijkstra

    from yingji.routing import query
    from yingji.routing.graph import unpack_seconds
    from yingji.routing.snap import snap

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


def province_turns(big, city, forbidden, rng, args):
    """The province figures on the turn-expanded graph, interleaved with the same queries on the plain graph:
    first Helsinki's restrictions in every tile (split at via nodes only), then turn costs at every junction."""
    from yingji import routing
    from yingji.routing import query
    from yingji.routing.snap import DEFAULT_MAX_SNAP_M, snap
    from yingji.routing.turns import TurnOptions

    units = args.stations + args.teams
    tile = tiles_of(big, city)
    plain_estimate = routing.estimator(big)
    for label, options in (("restrictions (split at via nodes)", TurnOptions()),
                           ("restrictions + turn costs everywhere (U-turn 30 s, left 6 s)", TurnOptions(costs=True))):
        turned, build_s = with_turns(big, forbidden, options)
        t = turned.turns
        print(f"\nturn-expanded tiled graph, {label}: {len(t.forbidden):,} forbidden turns; search graph "
              f"{t.graph.n_nodes:,} nodes (×{t.graph.n_nodes / big.n_nodes:.2f}), {t.graph.n_edges:,} edges "
              f"(×{t.graph.n_edges / big.n_edges:.2f}); built in {build_s:.1f} s; adds "
              f"{turn_graph_bytes(turned) / 2**20:.0f} MiB to the plain graph's "
              f"{sum(big.nbytes().values()) / 2**20:.0f} MiB")
        estimate = routing.estimator(turned)

        def no_faster(results):  # restrictions and costs can only make a unit later, never earlier
            plain, with_turns_ = results["plain graph"], results["turn graph"]
            assert np.all(with_turns_.seconds >= plain.seconds - 1e-6)

        for local, pairs in ((True, args.pairs // 2), (False, max(args.pairs // 6, 8))):
            inputs = cases(big, tile, rng, units, local, pairs)
            for _, _, lons, lats in inputs:
                query.snap_cached(big, lons, lats, DEFAULT_MAX_SNAP_M)
                query.snap_cached(turned, lons, lats, DEFAULT_MAX_SNAP_M)
            fns = {"turn graph": lambda item, fn=estimate: fn(*item), "plain graph": lambda item: plain_estimate(*item)}
            for fn in fns.values():
                fn(inputs[0])
            load_before = load_average()
            times = interleaved(fns, inputs, no_faster)
            where = "in the incident's own city" if local else "spread over the whole graph"
            print(f"  ranking {units} units {where}, dispatch estimator end to end; {load_before}:")
            print("    " + pairs_line(times, "turn graph", "plain graph"))
        inputs = [snap(big, *units_near(big, 380, rng)).node for _ in range(max(args.pairs // 10, 5))]
        fns = {"turn graph": lambda nodes, g=turned: query.nearest_station(g, nodes, limit_s=300, with_station=False)[0],
               "plain graph": lambda nodes: query.nearest_station(big, nodes, limit_s=300, with_station=False)[0]}
        times = interleaved(fns, inputs)
        print(f"  5-minute coverage of 380 stations (seconds per node); {load_average()}:")
        print("    " + pairs_line(times, "turn graph", "plain graph"))
