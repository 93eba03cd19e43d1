"""The bounded search (stop once the targets are settled, or past a time bound) against scipy's full Dijkstra:
identical packed distances on random graphs and on the Helsinki network, early stop, the time bound,
unreachable targets, work arrays left clean, and the query entry points that use it."""

import numpy as np
import pytest
from scipy.sparse.csgraph import dijkstra

from yingji.routing import bounded, query
from yingji.routing.graph import RoadGraph, pack, unpack_seconds
from yingji.routing.snap import snap, snap_point

from .conftest import sample_nodes

ENGINES = ["bounded", "doubling", "full", "radix"]
needs_numba = pytest.mark.skipif(bounded.ENGINE != "numba", reason="numba not installed")


def random_graph(seed: int, n: int = 400, edges: int = 1000) -> RoadGraph:
    """A random directed graph, not strongly connected (some nodes unreachable from others), integer ms/dm."""
    rng = np.random.default_rng(seed)
    src = rng.integers(0, n, edges)
    dst = np.where(rng.random(edges) < 0.7, np.clip(src + rng.integers(-5, 6, edges), 0, n - 1),
                   rng.integers(0, n, edges))
    lon = 116.0 + rng.random(n) * 0.1
    lat = 39.0 + rng.random(n) * 0.1
    graph, _ = RoadGraph.from_edges(lon, lat, src, dst, rng.integers(1, 60_000, edges),
                                    rng.integers(1, 9_000, edges), keep_largest_scc=False)
    return graph


def full(graph: RoadGraph, sources, reverse=False, limit=np.inf) -> np.ndarray:
    matrix = graph.rev if reverse else graph.fwd
    return dijkstra(matrix, directed=True, indices=sources, min_only=True, limit=limit)


def assert_clean(graph: RoadGraph):
    dist, state, wanted, _ = bounded._work(graph)
    assert np.isinf(dist).all() and (state == -1).all() and not wanted.any()


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_graphs_identical_to_full_search(seed, engine):
    if engine in ("bounded", "radix") and bounded.ENGINE != "numba":
        pytest.skip("numba not installed")
    graph = random_graph(seed)
    rng = np.random.default_rng(seed + 100)
    for reverse in (False, True):
        for _ in range(10):
            source = int(rng.integers(graph.n_nodes))
            targets = rng.choice(graph.n_nodes, int(rng.integers(1, 40)), replace=False)
            found = bounded.to_targets(graph, source, targets, reverse=reverse, engine=engine)
            reference = full(graph, source, reverse)[targets]
            assert np.array_equal(found.values, reference)  # exact: packed integers
            # unreachable stays unreachable, and no reachable target is lost
            assert np.array_equal(np.isinf(found.values), np.isinf(reference))
    assert_clean(graph)


def test_random_graph_has_unreachable_targets():
    """The random graphs above do exercise unreachable targets (else that check would be empty)."""
    graph = random_graph(1)
    assert np.isinf(full(graph, 0)).any()


@needs_numba
def test_helsinki_200_pairs_agree_with_scipy(helsinki):
    rng = np.random.default_rng(17)
    pairs = rng.choice(helsinki.n_nodes, (200, 2))
    for reverse in (False, True):
        for a, b in pairs[:100] if reverse else pairs[100:]:
            found = bounded.to_targets(helsinki, int(a), [int(b)], reverse=reverse, engine="bounded")
            reference = full(helsinki, int(a), reverse)[b]
            assert found.values[0] == reference
            assert abs(unpack_seconds(found.values[0]) - unpack_seconds(reference)) < 1e-9
            value, nodes = bounded.path_to(helsinki, int(a), int(b), reverse=reverse, engine="bounded")
            assert value == reference and nodes[0] == a and nodes[-1] == b
            # the path's edges add up to the distance
            matrix = helsinki.rev if reverse else helsinki.fwd
            assert sum(matrix[u, v] for u, v in zip(nodes, nodes[1:], strict=False)) == reference
    assert_clean(helsinki)


@needs_numba
def test_stops_early_when_targets_are_near(helsinki):
    source = int(sample_nodes(helsinki, 1, seed=3)[0])
    times = full(helsinki, source)
    near = np.argsort(times)[1:30]  # the 29 nearest nodes
    found = bounded.to_targets(helsinki, source, near, engine="bounded")
    assert np.array_equal(found.values, times[near])
    assert found.settled == 30  # the source and exactly the 29 targets: it stopped at the last one
    far = bounded.to_targets(helsinki, source, [int(np.argmax(times))], engine="bounded")
    assert far.settled == helsinki.n_nodes  # the farthest node is settled last


@pytest.mark.parametrize("engine", ENGINES)
def test_time_bound(helsinki, engine):
    if engine in ("bounded", "radix") and bounded.ENGINE != "numba":
        pytest.skip("numba not installed")
    source = int(sample_nodes(helsinki, 1, seed=5)[0])
    limit = query.packed_limit(120.0)  # two minutes
    times = full(helsinki, source)
    targets = sample_nodes(helsinki, 300, seed=6)
    found = bounded.to_targets(helsinki, source, targets, limit=limit, engine=engine)
    inside = times[targets] <= limit
    assert inside.any() and (~inside).any()
    assert np.array_equal(found.values[inside], times[targets][inside])
    assert np.isinf(found.values[~inside]).all()
    assert np.array_equal(found.values, full(helsinki, source, limit=limit)[targets])
    if engine == "bounded":
        assert found.settled == int((times <= limit).sum())  # nothing beyond the bound was settled
    assert_clean(helsinki)


@needs_numba
def test_several_sources_nearest_counts(helsinki):
    sources = sample_nodes(helsinki, 5, seed=8)
    targets = sample_nodes(helsinki, 50, seed=9)
    found = bounded.to_targets(helsinki, sources, targets, engine="bounded")
    assert np.array_equal(found.values, full(helsinki, sources)[targets])


def test_source_among_targets_and_duplicate_targets(helsinki):
    source = int(sample_nodes(helsinki, 1, seed=10)[0])
    targets = np.array([source, source, 5, 5])
    for engine in [e for e in ENGINES if bounded.ENGINE == "numba" or e not in ("bounded", "radix")]:
        found = bounded.to_targets(helsinki, source, targets, engine=engine)
        assert found.values[0] == 0.0 and found.values[1] == 0.0
        assert found.values[2] == found.values[3] == full(helsinki, source)[5]
    value, nodes = bounded.path_to(helsinki, source, source)
    assert value == 0.0 and nodes == [source]


@needs_numba
def test_choose_bounded_for_near_units_full_for_spread(helsinki):
    source = int(sample_nodes(helsinki, 1, seed=11)[0])
    xy = helsinki.kdtree.data
    near = np.argsort(((xy - xy[source]) ** 2).sum(axis=1))[1:40]
    assert bounded.reach_fraction(helsinki, source, near) < 0.2
    assert bounded.choose(helsinki, source, near) == "bounded"
    spread = sample_nodes(helsinki, 200, seed=12)
    assert bounded.reach_fraction(helsinki, source, spread) > 0.5
    assert bounded.choose(helsinki, source, spread) == ("radix" if bounded.ENGINE == "numba" else "full")
    assert bounded.choose(helsinki, source, spread, limit=query.packed_limit(300)) == "bounded"


def test_travel_to_and_route_unchanged(helsinki):
    """The entry points dispatch calls give the full search's numbers (access legs on top)."""
    rng = np.random.default_rng(21)
    nodes = sample_nodes(helsinki, 60, seed=22)
    lons, lats = helsinki.lon[nodes] + rng.uniform(-1e-4, 1e-4, 60), helsinki.lat[nodes]
    for incident in sample_nodes(helsinki, 5, seed=23):
        lon, lat = float(helsinki.lon[incident]), float(helsinki.lat[incident])
        estimate = query.travel_to(helsinki, lon, lat, lons, lats)
        node, origin_m = snap_point(helsinki, lon, lat)
        units = snap(helsinki, lons, lats)
        packed = full(helsinki, node, reverse=True)[units.node]
        access = (units.distance_m + origin_m) / query.access_speed_ms(helsinki)
        np.testing.assert_allclose(estimate.seconds, unpack_seconds(packed) + access, rtol=0, atol=1e-9)
        for k in range(3):
            found = query.route(helsinki, (lons[k], lats[k]), (lon, lat))
            reference = full(helsinki, units.node[k])[node]
            assert abs(found.seconds - (unpack_seconds(reference) + access[k])) < 1e-9
            assert found.nodes[0] == units.node[k] and found.nodes[-1] == node


def test_doubling_gives_up_on_unreachable_targets():
    graph = random_graph(2)
    times = full(graph, 0)
    lost = np.flatnonzero(np.isinf(times))[:5]
    assert len(lost)
    found = bounded.to_targets(graph, 0, lost, engine="doubling")
    assert np.isinf(found.values).all()
    assert found.settled == int(np.isfinite(times).sum())



def test_nearest_station_seconds_only_same_seconds(helsinki):
    stations = sample_nodes(helsinki, 6, seed=30)
    for limit_s in (None, 120.0):
        seconds, station = query.nearest_station(helsinki, stations, limit_s=limit_s)
        only, none = query.nearest_station(helsinki, stations, limit_s=limit_s, with_station=False)
        assert none is None and np.array_equal(seconds, only)
        assert np.array_equal(np.isfinite(only), station >= 0)
        if limit_s:
            assert np.isinf(only).any() and (only[np.isfinite(only)] <= limit_s).all()


def test_warm_compiles_and_leaves_nothing_behind(helsinki):
    assert bounded.warm() == bounded.ENGINE
    source = int(sample_nodes(helsinki, 1, seed=40)[0])
    found = bounded.to_targets(helsinki, source, [3])
    assert found.values[0] == full(helsinki, source)[3]


def test_node_out_of_range_is_refused(helsinki):
    with pytest.raises(IndexError, match="路网节点编号"):
        bounded.to_targets(helsinki, 0, [helsinki.n_nodes])
    with pytest.raises(IndexError, match="路网节点编号"):
        bounded.path_to(helsinki, -1, 3)
    assert_clean(helsinki)


@needs_numba
def test_threads_each_have_their_own_work_arrays(helsinki):
    """nogil searches run at once in a web process's threads: each thread gets the full search's answers."""
    from concurrent.futures import ThreadPoolExecutor

    sources = sample_nodes(helsinki, 16, seed=50)
    targets = sample_nodes(helsinki, 40, seed=51)

    def one(source):
        return bounded.to_targets(helsinki, int(source), targets, reverse=True, engine="bounded").values

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, np.repeat(sources, 4)))
    for source, values in zip(np.repeat(sources, 4), results, strict=True):
        assert np.array_equal(values, full(helsinki, int(source), reverse=True)[targets])


def test_unpack_in_place_is_unpack_seconds_bit_for_bit():
    rng = np.random.default_rng(11)
    packed = pack(rng.integers(0, 2**28, 100_000), rng.integers(0, 2**25, 100_000))
    packed[::7] = np.inf
    expected = unpack_seconds(packed)
    assert np.array_equal(bounded.unpack_in_place(packed.copy()), expected)
    strided = packed.copy()[::2]  # not contiguous: the numpy passes
    assert np.array_equal(bounded.unpack_in_place(strided), expected[::2])


def test_reach_fraction_counts_the_cells_in_the_farthest_targets_disc(helsinki):
    xy = helsinki.kdtree.data
    counts, cx, cy, half = bounded._grid(helsinki)
    rng = np.random.default_rng(12)
    for _ in range(30):
        source = int(rng.integers(helsinki.n_nodes))
        targets = rng.choice(helsinki.n_nodes, int(rng.integers(1, 50)), replace=False).astype(np.int32)
        radius = float(np.sqrt(((xy[targets] - xy[source]) ** 2).sum(axis=1).max()))
        inside = np.hypot(cx - xy[source, 0], cy - xy[source, 1]) <= radius + half
        assert bounded.reach_fraction(helsinki, source, targets) == pytest.approx(
            counts[inside].sum() / helsinki.n_nodes, abs=counts.max() / helsinki.n_nodes)  # a boundary cell


@needs_numba
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_cover_is_scipy_multi_source_bit_for_bit(seed):
    graph = random_graph(seed)
    rng = np.random.default_rng(seed)
    stations = rng.choice(graph.n_nodes, 12)  # duplicates allowed
    stations[1] = stations[0]
    for limit_s in (None, 30.0, 120.0):
        limit = query.packed_limit(limit_s)
        for reverse in (False, True):
            expected = unpack_seconds(dijkstra(graph.rev if reverse else graph.fwd, directed=True, indices=stations,
                                               limit=limit, min_only=True))
            found = bounded.cover(graph, stations, limit, reverse=reverse)
            assert np.isinf(found).any() and np.array_equal(found, expected)
    # A node exactly at the bound is in; the bound's packed limit is the largest sum of that many ms.
    times = unpack_seconds(dijkstra(graph.fwd, directed=True, indices=stations, min_only=True))
    edge = float(np.sort(times[np.isfinite(times) & (times > 0)])[5])
    assert np.isfinite(bounded.cover(graph, stations, query.packed_limit(edge))[times == edge]).all()
    assert np.isinf(bounded.cover(graph, stations, query.packed_limit(edge - 0.001))[times == edge]).all()


@needs_numba
def test_cover_on_a_vehicle_view_skips_closed_roads(helsinki):
    from yingji.routing import vehicles

    stations = sample_nodes(helsinki, 5, seed=40)
    view = vehicles.view(helsinki, vehicles.vehicle_size(3.8, 30, 2.55))
    assert view is not helsinki and np.isinf(view.fwd.data).any()  # roads closed to it: inf weights
    expected = unpack_seconds(dijkstra(view.fwd, directed=True, indices=stations, min_only=True))
    found, _ = query.nearest_station(view, stations, with_station=False)
    assert np.array_equal(found, expected)
    assert not np.array_equal(found, query.nearest_station(helsinki, stations, with_station=False)[0])


@pytest.mark.skipif(bounded.njit is None, reason="the radix search is compiled with numba")
def test_radix_cover_carries_each_nodes_station_as_scipy_sources_do(helsinki):
    """The station found by relaxing is a nearest one: it gives the node's seconds, agrees with scipy's
    `sources` wherever the nearest station is unique, a repeated station keeps its first index, and a node beyond
    the limit has none."""
    stations = sample_nodes(helsinki, 8, seed=41)
    stations = np.concatenate([stations, stations[:1]])  # the first station listed again, last
    limit = query.packed_limit(240.0)
    seconds, label = bounded.cover(helsinki, stations, limit, with_source=True)
    packed, _, sources = dijkstra(helsinki.fwd, directed=True, indices=stations, limit=limit, min_only=True,
                                  return_predecessors=True)
    assert np.array_equal(seconds, unpack_seconds(packed))
    reached = np.isfinite(seconds)
    assert (label[~reached] == -1).all() and (label[reached] >= 0).all() and (label < len(stations) - 1).all()
    each = np.stack([unpack_seconds(dijkstra(helsinki.fwd, indices=int(s), limit=limit)) for s in stations[:-1]])
    assert np.array_equal(each[label[reached], np.flatnonzero(reached)], seconds[reached])
    unique = reached & ((each == seconds).sum(axis=0) == 1)
    position = {int(node): i for i, node in reversed(list(enumerate(stations)))}
    assert unique.sum() > 100
    assert np.array_equal(label[unique], [position[int(s)] for s in sources[unique]])
