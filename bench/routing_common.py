"""Helpers of bench/bench_routing.py: the tiled province graph (with its turn restrictions), the same graph in
networkx and networkit, and the interleaved timer (every engine on every input in the same loop, in a random
order per input)."""

import os
import time

import numpy as np


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
    """Time every fn on every input in the same loop, in a fresh (seeded) random order per input: a rotation
    keeps the cyclic order, so one engine would always run right after the one that sweeps the whole graph
    through the caches (in a first run, the product, which calls the same kernel as "bounded kernel", had a
    median 4× that of the kernel). check(results) compares their answers.
    Returns {name: array of ms per input}."""
    names = list(fns)
    times = {name: [] for name in names}
    order = np.random.default_rng(17)
    for item in inputs:
        results = {}
        for name in order.permutation(names).tolist():
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




def tiled_graph(graph, min_edges: int):
    """The tiled graph as a RoadGraph (largest SCC), its tile count, and the forbidden turns of `graph`
    (graph.turns) copied into every tile, in the tiled graph's node indices."""
    from yingji.routing.graph import RoadGraph

    lon, lat, src, dst, ms, dm, tiles = tiled(graph, min_edges)
    big, build = RoadGraph.from_edges(lon, lat, src, dst, ms, dm, meta={"name": "tiled"})
    forbidden = np.zeros((0, 3), np.int64)
    if graph.turns is not None and len(graph.turns.forbidden):
        offsets = np.arange(tiles, dtype=np.int64)[:, None, None] * graph.n_nodes
        copies = (graph.turns.forbidden[None, :, :] + offsets).reshape(-1, 3)
        remap = np.full(len(lon), -1, dtype=np.int64)
        remap[big._kept_nodes] = np.arange(big.n_nodes)
        copies = remap[copies]
        forbidden = copies[(copies >= 0).all(axis=1)]
    return big, build, tiles, forbidden


def with_turns(graph, forbidden, options):
    """A second RoadGraph over the same roads with the expanded graph attached (turns.attach); build seconds."""
    from yingji.routing import turns
    from yingji.routing.graph import RoadGraph

    start = time.perf_counter()
    copy = RoadGraph(graph.lon, graph.lat, graph.indptr, graph.indices, graph.edge_seconds(), graph.edge_metres(),
                     meta=dict(graph.meta, name=graph.name + "+turns"))
    turns.attach(copy, forbidden, options)
    return copy, time.perf_counter() - start


def turn_graph_bytes(graph) -> int:
    """Bytes the expanded graph adds (its CSR both ways, coordinates of the copies, the maps back)."""
    t = graph.turns
    return sum(t.graph.nbytes().values()) + t.copy_of.nbytes + t.edge_of.nbytes + t.copies.nbytes + t.head.nbytes
