"""Bounded Dijkstra: stop as soon as every target is settled, or once the time bound is passed.

Ranking units for an incident needs the times at a few hundred unit nodes, yet scipy.sparse.csgraph.dijkstra
settles the whole graph (≈ 85 ms on the 1M-edge tiled province graph) whatever the units' spread. scipy has
`limit=` (a distance bound) but no "stop when these targets are settled", so this module has:

- a compiled loop (numba `@njit(cache=True)`; numba 0.68 / llvmlite 0.50 install as wheels for CPython 3.11
  here, no build tools): an indexed binary heap with decrease-key over graph.py's packed weights, stopping
  at the last target or past the bound. Its work arrays (17 bytes a node) are kept per thread and graph and
  only the touched nodes are reset, so a search near the incident costs what it settles, not O(graph).
- when the targets span most of the graph (choose(): over half of the nodes lie in the disc from the source
  through its farthest target), a second compiled loop with a radix heap over the packed weights as
  integers (_radix_cover), stopping at the last target: nearly every node gets settled then, where scipy's
  loop settled nodes about 1.8× faster than the binary heap above, but the radix heap runs 17 % fewer
  instructions than scipy's (figures below). The same loop answers the coverage (cover()). scipy's full
  search without numba.
- without numba: scipy with a doubling bound (limit L = 60 s, 120 s, … until every target is reached),
  exact but re-searching each round: the fallback, so the engine works, slower, where numba is missing.

Measured by bench/bench_routing.py --province-only (380 stitched copies of Helsinki: 639,160 nodes,
1,025,824 edges; 2 cores, load average ≈ 0.8; product and baseline interleaved per pair, medians):
ranking 350 units in the incident's own city 2.8–3.3 ms end to end against 83–91 ms for today's full
search (28–30× per pair); the search alone 2.5–3.1 ms, networkit's MultiTargetDijkstra 3.4–4.1 ms (1.37×
slower per pair, and it needs its own copy of the graph), scipy with a doubling bound ≈ 8× slower than the
compiled loop in a first, loaded measurement. Units spread over the whole graph: 0.97–1.02× today (the
same scipy search; the compiled loop would be 1.8× slower there, networkit 1.9×). The numba choice is for
the early stop at C speed with no second graph; its costs: `import numba` ≈ 0.26–0.37 s in the first search of
a process (routing is imported lazily), a first compile of ≈ 5 s once per install (cached under
__pycache__, or NUMBA_CACHE_DIR where the package directory is read-only; warm() does it ahead of the
first incident), then ≈ 0.2 s to load the cache.

Instruction counts (bench/routing_instructions.py, callgrind, same tiled graph and inputs; wall-clock ratios
swing with the shared machine's load): with units spread over the graph, the product's search spent 0.25 %
more than today's (choosing the engine: np.hypot over the grid) and 2 % more than scipy alone (a whole-graph
settled count); with those removed 0.01 % and 0.05 %, and with the radix heap 17 % fewer (218.5M against
262.3M; cache simulation: D1 misses 4.9M against 3.5M, last level 508k against 345k; wall-clock 1.17× per
pair, quartiles 1.14–1.19, 40 pairs at load 3.5). The 5-minute coverage of 380 stations (seconds per node) spent 1.3 %
more than plain scipy (numpy's three passes from packed weights to seconds); cover() now spends 33 % fewer
instructions (168.8M against 245.8M) with a radix heap; callgrind's cache simulation counts more misses for
it (D1 6.9M against 5.2M, last level 434k against 338k), 281M against 332M "cycles" at 10 and 100 a miss.
bounded.py's binary heap was 1.4× scipy's instructions there, a lazy binary heap 1.25×.

Exactness: the packed weights (time_ms · 2**25 + length_dm) are integers below 2**53, so the settled
distances are the same numbers scipy's full search gives; a node's value is final once it is settled,
and nodes not settled are reported as inf, as scipy's `limit=` does beyond the bound.
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import threading
import weakref
from dataclasses import dataclass

import numpy as np
from scipy.sparse.csgraph import dijkstra

try:  # optional: a compiled loop that can stop early; scipy with a doubling bound otherwise
    if os.environ.get("YINGJI_ROUTING_NO_NUMBA"):
        raise ImportError("numba switched off by YINGJI_ROUTING_NO_NUMBA")
    from numba import njit
except ImportError:  # pragma: no cover - the engine then falls back to scipy (choose())
    njit = None

ENGINE = "numba" if njit is not None else "scipy"


def _search(indptr, indices, data, sources, targets, limit, dist, state, wanted, pred, with_pred):
    """Dijkstra from `sources` over packed weights until every node of `targets` is settled (never, when
    targets is empty) or the next node lies beyond `limit`. Returns (packed distance per target, inf where
    not settled; nodes settled).

    The work arrays (dist inf, state -1, wanted 0, pred) are the caller's and are left as they were found:
    only the nodes this search touched are reset, so a search near its source costs what it settles, not
    O(graph). pred is written for the touched nodes (with_pred) and read by the caller before the next
    search. An indexed binary heap with decrease-key: a lazy heap with stale entries measured slower here.
    """
    cap = 1024
    heap_key = np.empty(cap, np.float64)
    heap_node = np.empty(cap, np.int32)
    touched = np.empty(cap, np.int32)
    n_touched = 0
    remaining = 0
    for t in targets:
        if wanted[t] == 0:
            wanted[t] = 1
            remaining += 1
    stop_on_targets = remaining > 0
    size = 0
    for s in sources:
        if dist[s] == 0.0:
            continue
        dist[s] = 0.0
        if with_pred:
            pred[s] = -1
        if size == cap:
            cap *= 2
            heap_key, heap_node, touched = _grow(heap_key, heap_node, touched, cap)
        heap_key[size] = 0.0  # every key is 0: no sift needed
        heap_node[size] = s
        state[s] = size
        touched[n_touched] = s
        n_touched += 1
        size += 1
    settled = 0
    while size > 0:
        d = heap_key[0]
        if d > limit:
            break
        u = heap_node[0]
        state[u] = -2
        settled += 1
        size -= 1
        if size > 0:  # move the last entry down from the root
            key = heap_key[size]
            node = heap_node[size]
            j = 0
            while True:
                child = 2 * j + 1
                if child >= size:
                    break
                if child + 1 < size and heap_key[child + 1] < heap_key[child]:
                    child += 1
                if heap_key[child] >= key:
                    break
                heap_key[j] = heap_key[child]
                heap_node[j] = heap_node[child]
                state[heap_node[j]] = j
                j = child
            heap_key[j] = key
            heap_node[j] = node
            state[node] = j
        if stop_on_targets and wanted[u]:
            remaining -= 1
            if remaining == 0:
                break
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + data[e]
            if nd < dist[v]:  # never true for a settled v (its dist ≤ d ≤ nd): no state read for those
                slot = state[v]
                dist[v] = nd
                if with_pred:
                    pred[v] = u
                if slot < 0:  # new in the heap
                    if size == cap or n_touched == cap:
                        cap *= 2
                        heap_key, heap_node, touched = _grow(heap_key, heap_node, touched, cap)
                    touched[n_touched] = v
                    n_touched += 1
                    j = size
                    size += 1
                else:
                    j = slot
                while j > 0:
                    parent = (j - 1) >> 1
                    if heap_key[parent] <= nd:
                        break
                    heap_key[j] = heap_key[parent]
                    heap_node[j] = heap_node[parent]
                    state[heap_node[j]] = j
                    j = parent
                heap_key[j] = nd
                heap_node[j] = v
                state[v] = j
    out = np.empty(targets.shape[0], np.float64)
    for i in range(targets.shape[0]):
        t = targets[i]
        out[i] = dist[t] if state[t] == -2 else np.inf
        wanted[t] = 0
    for i in range(n_touched):
        v = touched[i]
        dist[v] = np.inf
        state[v] = -1
    return out, settled


def _grow(keys, nodes, touched, cap):
    """The heap and the touched list, twice as long (touched keeps growing after the heap shrinks)."""
    new_keys = np.empty(cap, np.float64)
    new_nodes = np.empty(cap, np.int32)
    new_touched = np.empty(cap, np.int32)
    new_keys[:keys.shape[0]] = keys
    new_nodes[:nodes.shape[0]] = nodes
    new_touched[:touched.shape[0]] = touched
    return new_keys, new_nodes, new_touched


def _unpack(packed, scale):
    """unpack_seconds in place in one pass: floor(x · 2**-25) is floor(x / 2**25) exactly (a power of two), and
    the loop vectorises; numpy's three passes (divide, floor, divide) were what a coverage query spent beyond
    scipy's search (1.3 % of its instructions, bench/routing_instructions.py)."""
    for i in range(packed.shape[0]):
        packed[i] = np.floor(packed[i] * scale) / 1000.0
    return packed


if njit is not None:
    _grow = njit(cache=True, nogil=True)(_grow)
    _search = njit(cache=True, nogil=True)(_search)
    _unpack = njit(cache=True, nogil=True)(_unpack)


NONE = np.uint64(2**64 - 1)  # "not reached" in cover()'s integer distances


def _radix_cover(indptr, indices, weight, sources, limit, dist, key, node, nxt, wanted, remaining, label):
    """Multi-source Dijkstra up to `limit` with a radix heap (the keys are the packed weights as exact integers,
    popped in increasing order, so an entry sits in the bucket of the highest bit where it differs from the
    last key popped; a node relaxed again gets a second entry, the stale one skipped when popped). dist is
    uint64 NONE everywhere on entry and holds the distances on return (NONE: beyond the limit or unreachable).
    key, node, nxt: the entries, room for one per source and per edge (each edge relaxes at most once).
    remaining > 0: stop once that many nodes marked in `wanted` are settled (their dist is final then).
    label: empty, or -1 everywhere on entry and on return the index into `sources` of the source each node's
    shortest path starts from (the first listed of a repeated source), as scipy's return_sources gives it.
    Fewer instructions than scipy's Fibonacci heap on the coverage (bench/routing_instructions.py)."""
    head = np.full(65, -1, np.int64)
    last = np.uint64(0)
    free = 0
    labelled = label.shape[0] > 0
    for i in range(sources.shape[0]):
        s = sources[i]
        if dist[s] == 0:
            continue
        dist[s] = 0
        if labelled:
            label[s] = i
        key[free] = 0
        node[free] = s
        nxt[free] = head[0]
        head[0] = free
        free += 1
    while True:
        if head[0] < 0:  # the smallest key is in the first non-empty bucket: make it `last`, spread the bucket
            i = 1
            while i < 65 and head[i] < 0:
                i += 1
            if i == 65:
                break
            e = head[i]
            low = key[e]
            while e >= 0:
                if key[e] < low:
                    low = key[e]
                e = nxt[e]
            last = low
            e = head[i]
            head[i] = -1
            while e >= 0:
                after = nxt[e]
                b = 64 - _ctlz(key[e] ^ last)
                nxt[e] = head[b]
                head[b] = e
                e = after
        e = head[0]
        head[0] = nxt[e]
        u = node[e]
        d = key[e]
        if d != dist[u]:
            continue  # stale: u was reached sooner since
        if remaining > 0 and wanted[u]:
            remaining -= 1
            if remaining == 0:
                break
        for k in range(indptr[u], indptr[u + 1]):
            v = indices[k]
            nd = d + weight[k]
            if nd < dist[v] and nd <= limit:
                dist[v] = nd
                if labelled:
                    label[v] = label[u]
                key[free] = nd
                node[free] = v
                b = 64 - _ctlz(nd ^ last)
                nxt[free] = head[b]
                head[b] = free
                free += 1
    return dist


def _seconds(dist, scale):
    """The uint64 distances as seconds (inf for NONE), written over the same memory as float64."""
    out = dist.view(np.float64)
    for i in range(dist.shape[0]):
        x = dist[i]
        out[i] = np.inf if x == 18446744073709551615 else np.floor(np.float64(x) * scale) / 1000.0
    return out


if njit is not None:
    from numba import types
    from numba.extending import intrinsic

    @intrinsic
    def _ctlz(typingctx, x):
        """Leading zero bits of a uint64 (LLVM's ctlz; 64 for 0)."""
        def codegen(context, builder, signature, args):
            return builder.ctlz(args[0], context.get_constant(types.boolean, False))

        return types.uint64(types.uint64), codegen

    _radix_cover = njit(cache=True, nogil=True)(_radix_cover)
    _seconds = njit(cache=True, nogil=True)(_seconds)


FAR = 2**62  # a closed road's weight (inf in the packed weights) and past every bound: sums never wrap


def _integer_weights(graph, reverse: bool) -> np.ndarray:
    """The packed weights as uint64 (exact: integers below 2**53; a closed road, inf, as FAR), kept on the graph
    with the weight array they came from (8 bytes an edge, made on the first coverage): a vehicle view is a
    shallow copy of its graph, attributes included, but has weights of its own, so it makes its own."""
    matrix = graph.rev if reverse else graph.fwd
    name = "_integer_rev" if reverse else "_integer_fwd"
    found = getattr(graph, name, None)
    if found is None or found[0] is not matrix.data:
        data = np.ascontiguousarray(matrix.data)
        found = (matrix.data, np.where(np.isfinite(data), np.minimum(data, float(FAR)), float(FAR)).astype(np.uint64))
        setattr(graph, name, found)
    return found[1]


def cover(graph, sources, limit: float = np.inf, reverse: bool = False, with_source: bool = False):
    """Seconds from the nearest of `sources` to every node (reverse: to the nearest source), inf beyond the packed
    `limit` or unreachable: scipy's multi-source dijkstra(min_only=True, limit=) then unpack_seconds, bit for
    bit, in one compiled pass with a radix heap. None without numba (the caller then uses scipy).
    with_source: (seconds, the index into `sources` of each node's nearest source, -1 where none)."""
    if njit is None:
        return None
    label = np.full(graph.n_nodes if with_source else 0, -1, dtype=np.int64)
    dist = _radix(graph, _as_nodes(sources, graph), limit, reverse, np.zeros(0, np.uint8), 0, label)
    from .graph import SHIFT

    seconds = _seconds(dist, 1.0 / SHIFT)
    return (seconds, label) if with_source else seconds


def _radix(graph, sources, limit, reverse, wanted, remaining, label=None) -> np.ndarray:
    """_radix_cover on the graph: the uint64 distances (NONE: not reached within the limit, or not settled
    before the search stopped at its last wanted node)."""
    indptr, indices = (graph.rev_indptr, graph.rev_indices) if reverse else (graph.indptr, graph.indices)
    bound = np.uint64(min(np.floor(limit), FAR - 1)) if np.isfinite(limit) else np.uint64(FAR - 1)
    dist = np.full(graph.n_nodes, NONE, dtype=np.uint64)
    cap = len(indices) + len(sources)  # np.empty: only the pages the search writes are ever mapped
    return _radix_cover(indptr, indices, _integer_weights(graph, reverse), sources, bound, dist,
                        np.empty(cap, np.uint64), np.empty(cap, np.int32), np.empty(cap, np.int32),  # int32 links:
                        wanted, remaining,  # edges < 2**31 (graph.py)
                        np.zeros(0, np.int64) if label is None else label)


def _radix_targets(graph, sources, targets, limit, reverse) -> tuple[np.ndarray, int]:
    """Packed distances at the targets (inf: not reached) by the radix heap search, stopping at the last target;
    and the nodes it reached."""
    wanted = np.zeros(graph.n_nodes, dtype=np.uint8)
    wanted[targets] = 1
    dist = _radix(graph, sources, limit, reverse, wanted, int(np.count_nonzero(wanted)))
    found = dist[targets]
    return np.where(found == NONE, np.inf, found.astype(np.float64)), dist


def unpack_in_place(packed: np.ndarray) -> np.ndarray:
    """graph.unpack_seconds() reusing the array (a whole-graph tree nobody else holds), bit for bit."""
    from .graph import SHIFT

    if njit is not None and packed.ndim == 1 and packed.dtype == np.float64 and packed.flags.c_contiguous:
        return _unpack(packed, 1.0 / SHIFT)
    np.floor(np.divide(packed, SHIFT, out=packed), out=packed)
    return np.divide(packed, 1000.0, out=packed)


FULL_FRACTION = 0.5  # above this share of the graph in the units' disc, the full scipy search is cheaper
GRID = 64
_GRIDS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class Search:
    values: np.ndarray  # packed distances at the targets (inf: unreachable or beyond the limit)
    counted: object  # nodes settled, or a full search's distances: counted when asked (a whole-graph pass
    # the ranking does not need: 1.2 % of a spread ranking's instructions, bench/routing_instructions.py)
    engine: str  # "bounded" (compiled, early stop), "doubling" (scipy, growing bound) or "full" (scipy)

    @property
    def settled(self) -> int:
        """Nodes settled (the whole reachable graph for a full search)."""
        counted = self.counted
        if callable(counted):
            return counted()
        return int(counted) if np.ndim(counted) == 0 else int(np.isfinite(counted).sum())


def warm() -> str:
    """Compile (or load from numba's cache) the search on a two-node graph, so the first real incident does
    not pay for it; returns the engine in use. Cheap to call again."""
    if njit is not None:
        indptr, indices, data = np.array([0, 1, 1], np.int32), np.array([1], np.int32), np.array([1.0])
        work = (np.full(2, np.inf), np.full(2, -1, np.int32), np.zeros(2, np.uint8), np.full(2, -1, np.int32))
        _search(indptr, indices, data, np.array([0], np.int32), np.array([1], np.int32), np.inf, *work, True)
        _unpack(np.zeros(1), 1.0)
        _seconds(_radix_cover(indptr, indices, np.ones(1, np.uint64), np.array([0], np.int32), np.uint64(5),
                              np.full(2, NONE), np.empty(2, np.uint64), np.empty(2, np.int32), np.empty(2, np.int32),
                              np.ones(2, np.uint8), 1, np.zeros(0, np.int64)), 1.0)
        _reach(np.zeros((2, 2)), 0, np.array([1], np.int32), np.zeros((1, 1), np.int64), np.zeros(1), np.zeros(1), 1.0)
    return ENGINE


def _as_nodes(nodes, graph) -> np.ndarray:
    """int32 node indices, checked: the compiled loop does not check its array bounds."""
    nodes = np.ascontiguousarray(np.atleast_1d(np.asarray(nodes)), dtype=np.int64)
    if len(nodes) and (nodes.min() < 0 or nodes.max() >= graph.n_nodes):
        raise IndexError(f"路网节点编号须在 0 与 {graph.n_nodes - 1} 之间（收到 {nodes.min()}…{nodes.max()}）。")
    return nodes.astype(np.int32)


_WORK = threading.local()  # per thread: graph → work arrays; a web process's threads never share them


def _work(graph):
    """This thread's work arrays for graph (dist inf, state -1, wanted 0, pred): 17 bytes a node, allocated
    once per thread and graph and left clean by every search, so both directions share them."""
    per_graph = getattr(_WORK, "graphs", None)
    if per_graph is None:
        per_graph = _WORK.graphs = weakref.WeakKeyDictionary()
    arrays = per_graph.get(graph)
    if arrays is None:
        n = graph.n_nodes
        arrays = per_graph[graph] = (np.full(n, np.inf), np.full(n, -1, np.int32), np.zeros(n, np.uint8),
                                     np.full(n, -1, np.int32))
    return arrays


def _arrays(graph, reverse: bool):
    matrix = graph.rev if reverse else graph.fwd
    indptr, indices = (graph.rev_indptr, graph.rev_indices) if reverse else (graph.indptr, graph.indices)
    return matrix, indptr, indices, np.ascontiguousarray(matrix.data, dtype=np.float64)


def _grid(graph):
    """Node counts on a GRID × GRID grid over the graph's projected extent (kept per graph)."""
    found = _GRIDS.get(graph)
    if found is None:
        xy = graph.kdtree.data
        low = xy.min(axis=0)
        cell = (xy.max(axis=0) - low) / GRID + 1e-9
        ij = np.minimum(((xy - low) / cell).astype(np.int64), GRID - 1)
        counts = np.bincount(ij[:, 0] * GRID + ij[:, 1], minlength=GRID * GRID).reshape(GRID, GRID)
        centres = [low[k] + (np.arange(GRID) + 0.5) * cell[k] for k in (0, 1)]
        found = (counts, centres[0][:, None], centres[1][None, :], float(np.hypot(*cell)) / 2)
        _GRIDS[graph] = found
    return found


def reach_fraction(graph, source: int, targets: np.ndarray) -> float:
    """Share of the graph's nodes in the disc around `source` through its farthest target (straight line,
    grid cells counted whole): about what a search that stops at the last target has to settle."""
    if not len(targets):
        return 1.0
    xy = graph.kdtree.data
    counts, cx, cy, half = _grid(graph)
    if njit is not None:  # one compiled pass: the numpy form cost 0.25 % of a spread ranking's instructions
        return _reach(xy, source, targets, counts, cx.ravel(), cy.ravel(), half) / max(graph.n_nodes, 1)
    radius = float(np.sqrt(((xy[targets] - xy[source]) ** 2).sum(axis=1).max()))
    inside = (cx - xy[source, 0]) ** 2 + (cy - xy[source, 1]) ** 2 <= (radius + half) ** 2
    return float(counts[inside].sum()) / max(graph.n_nodes, 1)


def _reach_loop(xy, source, targets, counts, cx, cy, half):
    """reach_fraction's node count: nodes in the grid cells within the farthest target's distance + half a cell."""
    x0, y0 = xy[source, 0], xy[source, 1]
    far = 0.0
    for t in targets:
        d = (xy[t, 0] - x0) ** 2 + (xy[t, 1] - y0) ** 2
        far = max(far, d)
    bound = (np.sqrt(far) + half) ** 2
    total = 0
    for i in range(cx.shape[0]):
        dx = (cx[i] - x0) ** 2
        for j in range(cy.shape[0]):
            if dx + (cy[j] - y0) ** 2 <= bound:
                total += counts[i, j]
    return float(total)


_reach = njit(cache=True, nogil=True)(_reach_loop) if njit is not None else _reach_loop


_FORCED: contextvars.ContextVar[str | None] = contextvars.ContextVar("yingji_routing_engine", default=None)


@contextlib.contextmanager
def forced(engine: str):
    """Within the block, every search in this thread/context uses `engine` ("bounded", "doubling", "full"):
    the bench times today's full search through the same entry points as the product with it."""
    token = _FORCED.set(engine)
    try:
        yield
    finally:
        _FORCED.reset(token)


def choose(graph, source: int, targets: np.ndarray, limit: float = np.inf) -> str:
    """The faster exact engine for this query: the bounded compiled search unless the targets span most of
    the graph (then nearly every node is settled anyway: the radix heap search, cheaper per node than both
    the binary heap and scipy's full search; scipy's without numba)."""
    if _FORCED.get() is not None:
        return _FORCED.get()
    if np.isfinite(limit):
        return "bounded" if ENGINE == "numba" else "full"  # scipy stops at a distance bound itself
    if not len(targets):
        return "full"
    if reach_fraction(graph, source, targets) > FULL_FRACTION:
        return "radix" if ENGINE == "numba" else "full"
    return "bounded" if ENGINE == "numba" else "doubling"


def to_targets(graph, sources, targets, reverse: bool = False, limit: float = np.inf,
               engine: str | None = None) -> Search:
    """Packed distances from `sources` (one node, or several: the nearest counts) to each of `targets`
    (reverse=True: from each target to the sources), stopping once every target is settled or the packed
    `limit` is passed; inf for a target that is unreachable or beyond the limit. `engine`: None picks
    (choose()); "bounded", "doubling" or "full" force one (benches and tests)."""
    sources, targets = _as_nodes(sources, graph), _as_nodes(targets, graph)
    engine = engine or choose(graph, int(sources[0]), targets, limit)
    matrix, indptr, indices, data = _arrays(graph, reverse)
    if engine == "bounded":
        if njit is None:
            raise RuntimeError("numba is not installed: the bounded compiled search is unavailable")
        values, settled = _search(indptr, indices, data, sources, targets, float(limit), *_work(graph),
                                  False)
        return Search(values, int(settled), engine)
    if engine == "doubling":
        values, settled = _doubling(matrix, sources, targets, limit)
        return Search(values, settled, engine)
    if engine == "radix":
        values, dist = _radix_targets(graph, sources, targets, limit, reverse)
        return Search(values, lambda: int(np.count_nonzero(dist != NONE)), engine)
    if len(sources) == 1:  # exactly the call made before bounded searches existed (no min_only pass)
        dist = dijkstra(matrix, directed=True, indices=int(sources[0]), limit=limit)
    else:
        dist = dijkstra(matrix, directed=True, indices=sources, limit=limit, min_only=True)
    return Search(dist[targets], dist, "full")


def _doubling(matrix, sources, targets, limit, first_s: float = 60.0):
    """scipy without an early stop: search with a bound L (first 60 s), double L until every target is
    reached, the caller's limit is searched, or no edge leaves the reached set (the rest is unreachable)."""
    from .graph import SHIFT

    bound = min(limit, first_s * 1000.0 * SHIFT)
    while True:
        dist = dijkstra(matrix, directed=True, indices=sources, limit=bound, min_only=True)
        values = dist[targets]
        reached = np.isfinite(dist)
        if np.isfinite(values).all() or bound >= limit or not _frontier(matrix, reached):
            return values, int(reached.sum())
        bound = min(bound * 2.0, limit)


def _frontier(matrix, reached) -> bool:
    """Whether any edge leaves the reached set (else every target not reached is unreachable)."""
    src = np.repeat(reached, np.diff(matrix.indptr))
    return bool((~reached[matrix.indices[src]]).any())


def path_to(graph, source: int, target: int, reverse: bool = False, engine: str | None = None
            ) -> tuple[float, list[int]]:
    """The packed distance from source to target and the node path source → … → target (reverse: over
    the reverse graph), stopping once target is settled; (inf, []) when it cannot be reached."""
    sources, targets = _as_nodes(source, graph), _as_nodes(target, graph)
    engine = engine or choose(graph, int(source), targets)
    matrix, indptr, indices, data = _arrays(graph, reverse)
    if engine == "bounded":
        work = _work(graph)
        values, _ = _search(indptr, indices, data, sources, targets, np.inf, *work, True)
        if not np.isfinite(values[0]):
            return np.inf, []
        value, pred = float(values[0]), work[3]
    else:
        dist, pred = dijkstra(matrix, directed=True, indices=int(source), return_predecessors=True)
        value = float(dist[target])
        if not np.isfinite(value):
            return np.inf, []
    nodes = [int(target)]
    while nodes[-1] != source:
        nodes.append(int(pred[nodes[-1]]))
    nodes.reverse()
    return value, nodes
