"""Turn restrictions and turn costs: OSM `type=restriction` relations, and the expanded graph searches run on.

Model. The road graph stays node-based (graph.py); turns live in a second, *expanded* graph built from it
by node splitting. A node v is split when a restriction has v as its via node, or (with turn costs) when a
turn at v costs time. A split v gets one copy per incoming edge u→v ("arrived at v from u"); that edge now
ends at the copy, and the copy carries only v's outgoing edges allowed after arriving from u, each weighted
with its turn cost. The original index v keeps every outgoing edge at no cost but no incoming edge: it is
where a vehicle that *starts* at v begins. So:

- expanded nodes 0..n-1 are the original nodes (start copies), then the copies; `copy_of` maps back;
- snapping maps a point to an original node (the KD-tree is the original graph's), i.e. a start copy;
- arriving at v means arriving at any copy of v: forward trees take the minimum over v's copies, and a
  search *towards* v (reverse, dispatch ranking) starts from all of v's copies at once;
- every expanded edge is a turn into one original edge (`edge_of`), so coverage and isochrones measure
  how far along each original road the time runs out, from the best allowed turn into it.

A via way relation (from edge a→v1, along v1…vk, to edge vk→b) also splits v1…vk; a vehicle that arrived
at v1 from a then runs along duplicates of v2…vk (one per path prefix) carrying the same allowed turns,
and at the last one the to edge is dropped (no_*) or is the only one kept (only_*). Whoever joins the
path elsewhere uses the ordinary copies, so only the restricted manoeuvre is affected. Overlapping paths
(sharing via ways, one starting inside another): each duplicate leads on to the state of the longest
suffix of the nodes driven that starts a restricted path, so no restriction is lost inside another one.

Why node splitting (measured, bench/bench_routing.py --turns, on the 1M-edge tiled graph with Helsinki's
restrictions in every tile): only the via nodes are split, the expanded graph is ×1.04 the nodes and edges
and the bounded search (bounded.py, unchanged) runs on it at the plain graph's speed. Turn costs at every
junction need a copy per incoming edge at nearly every node (an edge-based graph, ×2.2 nodes, ×2.6 edges,
queries about 2.5× slower): an import option (`TurnOptions.costs`, `yingji roads import --turn-costs`).

Which OSM relations apply, and how broken ones are counted: restrictions.py.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from .graph import SHIFT, GraphError, RoadGraph, _reverse
from .restrictions import restrictions_from_osm

FORMAT = 1
PREFIX = "turns."
ARRAYS = ("indptr", "indices", "time_s", "length_m", "rev_indptr", "rev_indices", "rev_edge", "copy_of",
          "edge_of", "forbidden", "paths")


@dataclass(frozen=True)
class TurnOptions:
    """What the expansion applies. Seconds are added on top of the road's own time."""

    restrictions: bool = True
    costs: bool = False  # turn costs at every node: an edge-based graph, about 3× the edges
    u_turn_s: float = 30.0  # a fire engine turning round (掉头), at a junction or on the road
    left_turn_s: float = 6.0  # a left turn crosses oncoming traffic (China drives on the right)
    right_turn_s: float = 0.0
    straight_deg: float = 30.0  # |heading change| up to this is straight on (a bend, not a turn)
    u_turn_deg: float = 165.0  # from this on (or straight back to where it came from) a U-turn

    def __post_init__(self):
        for name in ("u_turn_s", "left_turn_s", "right_turn_s"):
            value = getattr(self, name)
            if not (isinstance(value, int | float) and math.isfinite(value) and 0 <= value <= 3600):
                raise GraphError(f"转向耗时 {name} 须为 0～3600 之间的秒数，收到 {value!r}。")


def turn_ms(graph: RoadGraph, e_in: np.ndarray, e_out: np.ndarray, options: TurnOptions) -> np.ndarray:
    """Milliseconds of the turn from edge e_in (u→v) into edge e_out (v→w): a U-turn anywhere; left and right
    turns only at junctions (≥ 3 neighbours), so a bend in a road is not a turn. Headings from the two
    segments at v (OSM shape nodes keep them local)."""
    src = graph.edge_sources()
    u, v, w = src[e_in], graph.indices[e_in], graph.indices[e_out]
    xy = graph.project(graph.lon, graph.lat)
    d1 = xy[v] - xy[u]
    d2 = xy[w] - xy[v]
    angle = np.degrees(np.arctan2(d1[:, 0] * d2[:, 1] - d1[:, 1] * d2[:, 0], (d1 * d2).sum(axis=1)))
    neighbours = _neighbour_counts(graph)
    junction = neighbours[v] >= 3
    u_turn = (w == u) | (np.abs(angle) >= options.u_turn_deg)
    left = ~u_turn & junction & (angle > options.straight_deg)
    right = ~u_turn & junction & (angle < -options.straight_deg)
    ms = np.zeros(len(e_in))
    ms[u_turn] = options.u_turn_s * 1000.0
    ms[left] = options.left_turn_s * 1000.0
    ms[right] = options.right_turn_s * 1000.0
    return np.rint(ms)


def _neighbour_counts(graph: RoadGraph) -> np.ndarray:
    """Distinct neighbours per node, either direction."""
    src = graph.edge_sources().astype(np.int64)
    dst = graph.indices.astype(np.int64)
    a, b = np.minimum(src, dst), np.maximum(src, dst)
    pairs = np.unique(a * graph.n_nodes + b)
    ends = np.concatenate([pairs // graph.n_nodes, pairs % graph.n_nodes])
    return np.bincount(ends, minlength=graph.n_nodes)


def _edge_index(graph: RoadGraph, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Index of edge a→b (−1 where there is none)."""
    keys = graph.edge_sources().astype(np.int64) * graph.n_nodes + graph.indices
    order = np.argsort(keys, kind="stable")
    wanted = np.asarray(a, dtype=np.int64) * graph.n_nodes + np.asarray(b, dtype=np.int64)
    pos = np.minimum(np.searchsorted(keys[order], wanted), max(len(keys) - 1, 0))
    found = keys[order][pos] == wanted if len(keys) else np.zeros(len(wanted), bool)
    return np.where(found, order[pos], -1)


def expand(graph: RoadGraph, forbidden: np.ndarray, options: TurnOptions = TurnOptions(), paths=()) -> TurnGraph:
    """The expanded graph (see the module doc) for forbidden turns (a, v, b), restricted paths
    [(only, (a, v1, …, vk, b))] of via way relations, and the options' turn costs."""
    n, n_edges = graph.n_nodes, graph.n_edges
    src, dst = graph.edge_sources().astype(np.int64), graph.indices.astype(np.int64)
    forbidden = np.asarray(forbidden, dtype=np.int64).reshape(-1, 3) if options.restrictions else np.zeros((0, 3),
                                                                                                           np.int64)
    e_in = _edge_index(graph, forbidden[:, 0], forbidden[:, 1])
    e_out = _edge_index(graph, forbidden[:, 1], forbidden[:, 2])
    ok = (e_in >= 0) & (e_out >= 0)
    banned = np.unique(e_in[ok] * n_edges + e_out[ok])
    split = np.zeros(n, dtype=bool)
    split[forbidden[ok, 1]] = True
    paths = _drivable(graph, paths) if options.restrictions else []
    for _, nodes in paths:
        split[list(nodes[1:-1])] = True
    out_degree = np.diff(graph.indptr).astype(np.int64)
    if options.costs:  # every node where some turn costs time (nearly all: a U-turn is possible almost anywhere)
        pair_in, pair_out = _pairs(graph, np.ones(n, dtype=bool), src, dst, out_degree)
        costly = turn_ms(graph, pair_in, pair_out, options) > 0
        split[dst[pair_in[costly]]] = True
    # One copy per edge into a split node; that edge now ends at its copy.
    into = np.flatnonzero(split[dst])
    copy_id = np.full(n_edges, -1, dtype=np.int64)
    copy_id[into] = n + np.arange(len(into))
    head = np.where(copy_id >= 0, copy_id, dst)
    pair_in, pair_out = _pairs(graph, split, src, dst, out_degree, into)
    keep = ~np.isin(pair_in * n_edges + pair_out, banned)
    pair_in, pair_out = pair_in[keep], pair_out[keep]
    extra = turn_ms(graph, pair_in, pair_out, options) if options.costs else np.zeros(len(pair_in))
    time_ms = np.rint(graph.edge_seconds() * 1000.0)
    length_dm = np.rint(graph.edge_metres() * 10.0)
    # Start copies (the original indices) first, then the copies in id order: sources stay sorted (CSR order).
    e_src = np.concatenate([src, copy_id[pair_in]])
    e_dst = np.concatenate([head, head[pair_out]])
    edge_of = np.concatenate([np.arange(n_edges), pair_out]).astype(np.int32)
    e_ms = np.concatenate([time_ms, time_ms[pair_out] + extra])
    e_dm = np.concatenate([length_dm, length_dm[pair_out]])
    copy_of = np.concatenate([np.arange(n), dst[into]]).astype(np.int32)
    if paths:
        e_src, e_dst, edge_of, e_ms, e_dm, copy_of = _apply_paths(graph, paths, copy_id, e_src, e_dst, edge_of,
                                                                  e_ms, e_dm, copy_of)
    n_total = len(copy_of)
    indptr = np.zeros(n_total + 1, dtype=np.int64)
    np.cumsum(np.bincount(e_src, minlength=n_total), out=indptr[1:])
    search = RoadGraph(graph.lon[copy_of], graph.lat[copy_of], indptr, e_dst, e_ms / 1000.0, e_dm / 10.0,
                       meta={"name": graph.name + ":turns"})
    kept = np.flatnonzero(ok)
    return TurnGraph(search, copy_of, edge_of, forbidden[kept], options, n, paths, n_edges)


def _drivable(graph: RoadGraph, paths) -> list:
    """The restricted paths whose every edge exists in the graph (others cannot be driven: nothing to do)."""
    if not len(paths):
        return []
    a = np.concatenate([np.asarray(nodes[:-1]) for _, nodes in paths])
    b = np.concatenate([np.asarray(nodes[1:]) for _, nodes in paths])
    found = _edge_index(graph, a, b) >= 0
    ends = np.cumsum([len(nodes) - 1 for _, nodes in paths])
    return [p for p, ok in zip(paths, np.logical_and.reduceat(found, ends - ends[0]), strict=True) if ok]


def _apply_paths(graph, paths, copy_id, e_src, e_dst, edge_of, e_ms, e_dm, copy_of):
    """Via way restrictions on the expanded edge lists, as an automaton over what was just driven: besides
    the ordinary copies (the last edge driven), a duplicate state per proper prefix (a, v1, …, vi) of a
    restricted path, i ≥ 2 (the path's nodes from its from edge to a via node). A state's edges are the
    ordinary copy's of its last edge (via node bans and turn costs included), each leading to the state of
    the longest suffix of the driven nodes that is again a prefix (the ordinary copy when none is): so a
    vehicle inside one restricted path still meets every other path it enters, also one that starts inside
    it or shares its via ways. An edge is dropped when the driven nodes end with a whole no_* path, or with
    an only_* path up to its last via node and the edge is not its to edge (two only_* paths with the same
    prefix and different to edges leave no exit). Who joins a path elsewhere is not bound by it."""
    n_base = len(copy_of)
    starts = np.searchsorted(e_src, np.arange(n_base + 1))  # e_src is sorted
    no_paths = {tuple(nodes) for only, nodes in paths if not only}
    mandated: dict[tuple, set] = {}  # an only_* path without its to node → the allowed next nodes
    for only, nodes in paths:
        if only:
            head = tuple(nodes[:-1])
            mandated[head] = mandated.get(head, {nodes[-1]}) & {nodes[-1]}
    prefixes = sorted({tuple(nodes[:i]) for _, nodes in paths for i in range(3, len(nodes))}, key=len)
    state = {q: n_base + k for k, q in enumerate(prefixes)}
    pairs = {q[j:j + 2] for q in prefixes for j in range(len(q) - 1)}
    keys = sorted(pairs)
    found = _edge_index(graph, np.array([k[0] for k in keys]), np.array([k[1] for k in keys]))
    edge = dict(zip(keys, found.tolist(), strict=True))
    node_dst = graph.indices

    def goes_to(driven, default):
        for s in range(len(driven) - 2):  # the longest suffix (3 nodes at least) that is a prefix
            if driven[s:] in state:
                return state[driven[s:]]
        return default

    def banned(driven, w):
        seq = driven + (w,)
        if any(seq[s:] in no_paths for s in range(len(seq) - 3)):
            return True
        return any(w not in mandated.get(driven[s:], (w,)) for s in range(len(driven) - 2))

    dst = e_dst.copy()
    # Ordinary copies: the edge that makes a 3-node prefix leads to its state instead.
    for q in prefixes:
        if len(q) == 3:
            base, out = int(copy_id[edge[q[0], q[1]]]), edge[q[1], q[2]]
            rows = np.arange(starts[base], starts[base + 1])
            dst[rows[edge_of[rows] == out]] = state[q]
    added = []  # [src, dst, edge_of, ms, dm] of the duplicates' edges
    for q in prefixes:
        base = int(copy_id[edge[q[-2], q[-1]]])  # the ordinary copy at q's last node, arriving along its last edge
        for j in range(starts[base], starts[base + 1]):
            w = int(node_dst[edge_of[j]])
            if not banned(q, w):
                added.append((state[q], goes_to(q + (w,), int(e_dst[j])), int(edge_of[j]), e_ms[j], e_dm[j]))
    extra = np.array(added, dtype=np.float64).reshape(-1, 5)
    return (np.concatenate([e_src, extra[:, 0].astype(np.int64)]), np.concatenate([dst, extra[:, 1].astype(np.int64)]),
            np.concatenate([edge_of, extra[:, 2].astype(np.int32)]), np.concatenate([e_ms, extra[:, 3]]),
            np.concatenate([e_dm, extra[:, 4]]),
            np.concatenate([copy_of, np.asarray([q[-1] for q in prefixes], dtype=np.int32)]))


def _pairs(graph, split, src, dst, out_degree, into=None):
    """Every (edge into v, edge out of v) for split nodes v, grouped by incoming edge in `into` order."""
    if into is None:
        into = np.flatnonzero(split[dst])
    counts = out_degree[dst[into]]
    pair_in = np.repeat(into, counts)
    offsets = np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)
    pair_out = graph.indptr[dst[pair_in]].astype(np.int64) + offsets
    return pair_in, pair_out


class TurnGraph:
    """The expanded search graph of a RoadGraph and the maps back to it (see the module doc)."""

    def __init__(self, search: RoadGraph, copy_of, edge_of, forbidden, options: TurnOptions, n_nodes: int,
                 paths=(), n_edges: int | None = None):
        self.graph = search
        self.copy_of = np.ascontiguousarray(copy_of, dtype=np.int32)
        self.edge_of = np.ascontiguousarray(edge_of, dtype=np.int32)
        self.forbidden = np.asarray(forbidden, dtype=np.int64).reshape(-1, 3)
        self.options = options
        self.paths = list(paths)  # via way restrictions [(only, (a, v1, …, vk, b))] in original node indices
        self.n_nodes = n_nodes  # of the original graph
        order = np.argsort(self.copy_of, kind="stable")  # each node's copies, itself first
        self.copies = order.astype(np.int32)
        self.copies_indptr = np.zeros(n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(self.copy_of, minlength=n_nodes), out=self.copies_indptr[1:])
        # Per original edge, the expanded node it ends at (its copy at a split node; not a via way path's
        # duplicate), from the start copies' edges, one per open road (−1: a road closed to the vehicle).
        n_edges = int(self.edge_of.max(initial=-1)) + 1 if n_edges is None else n_edges
        self._from_start = search.edge_sources() < n_nodes
        self.head = np.full(n_edges, -1, dtype=np.int32)
        self.head[self.edge_of[self._from_start]] = search.indices[self._from_start]
        self.split = int(len(self.copy_of) - n_nodes)
        # The copies (beyond the start copies) grouped by node, for arrival(): computed once, used per search.
        self._extra_order = n_nodes + np.argsort(self.copy_of[n_nodes:], kind="stable")
        self._groups, self._group_starts = np.unique(self.copy_of[self._extra_order], return_index=True)

    @property
    def version(self) -> str:
        h = hashlib.blake2b(digest_size=8)
        for a in (self.graph.indptr, self.graph.indices, self.graph.weight, self.copy_of):
            h.update(np.ascontiguousarray(a).view(np.uint8))
        return h.hexdigest()

    def reweighted(self, time_s: np.ndarray, length_m: np.ndarray, open_edges: np.ndarray | None = None) -> TurnGraph:
        """The same expansion over other weights of the original edges (a vehicle profile's times, and its
        closed roads where open_edges is False): each turn into a road costs the road's new time plus the same
        turn cost; turns into a closed road are dropped. No re-reading of relations and no new splitting."""
        g = self.graph
        keep = np.ones(g.n_edges, dtype=bool) if open_edges is None else np.asarray(open_edges, bool)[self.edge_of]
        turn_ms = np.rint((g.weight - _original_weight(self, g)) / SHIFT)
        time_ms = np.rint(np.asarray(time_s, dtype=np.float64) * 1000.0)[self.edge_of] + turn_ms
        length = np.asarray(length_m, dtype=np.float64)[self.edge_of]
        indptr = np.zeros(g.n_nodes + 1, dtype=np.int64)
        np.cumsum(np.bincount(g.edge_sources()[keep], minlength=g.n_nodes), out=indptr[1:])
        search = RoadGraph(g.lon, g.lat, indptr, g.indices[keep], time_ms[keep] / 1000.0, length[keep],
                           meta=dict(g.meta))
        return TurnGraph(search, self.copy_of, self.edge_of[keep], self.forbidden, self.options, self.n_nodes,
                         self.paths, len(self.head))

    def copies_of(self, nodes) -> tuple[np.ndarray, np.ndarray]:
        """(every copy of each node, flat; offsets: node i's copies are flat[offsets[i]:offsets[i + 1]])."""
        nodes = np.atleast_1d(np.asarray(nodes, dtype=np.int64))
        starts, ends = self.copies_indptr[nodes], self.copies_indptr[nodes + 1]
        counts = ends - starts
        offsets = np.zeros(len(nodes) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        flat = self.copies[np.repeat(starts, counts) + np.arange(int(offsets[-1])) - np.repeat(offsets[:-1], counts)]
        return flat, offsets

    def arrival(self, values: np.ndarray) -> np.ndarray:
        """Per original node, the best value over its copies (last axis): arriving at any copy is arriving."""
        values = np.asarray(values)
        out = values[..., :self.n_nodes].copy()
        if self.split:
            best = np.minimum.reduceat(values[..., self._extra_order], self._group_starts, axis=-1)
            out[..., self._groups] = np.minimum(out[..., self._groups], best)
        return out

    def arrival_source(self, values: np.ndarray, sources: np.ndarray, best: np.ndarray) -> np.ndarray:
        """Per original node, the search source behind its best copy (scipy's min_only `sources`)."""
        out = np.asarray(sources[:self.n_nodes]).copy()
        extra = np.flatnonzero(values[self.n_nodes:] == best[self.copy_of[self.n_nodes:]]) + self.n_nodes
        out[self.copy_of[extra]] = sources[extra]
        return out

    def edge_start(self, packed: np.ndarray) -> np.ndarray:
        """Packed time at which each original edge can be entered (best allowed turn into it; inf: never),
        from the packed distances of a forward search on the expanded graph."""
        src, extra, order, starts, roads = self._entries
        out = np.full(len(self.head), np.inf)
        if len(order):
            out[roads] = np.minimum.reduceat((packed[src] + extra)[order], starts)
        return out

    @cached_property
    def _entries(self):
        """For edge_start(): each expanded edge's source and turn cost (packed), and the expanded edges grouped
        by original edge (each open road has one at least, from its start copy)."""
        g = self.graph
        order = np.argsort(self.edge_of, kind="stable")
        starts = np.flatnonzero(np.r_[True, np.diff(self.edge_of[order]) != 0]) if len(order) else order
        return g.edge_sources(), g.weight - _original_weight(self, g), order, starts, self.edge_of[order][starts]

    def edge_end(self, packed: np.ndarray) -> np.ndarray:
        """Packed time from the end of each original edge (having driven it) to the target of a reverse search."""
        return np.where(self.head >= 0, packed[self.head], np.inf)

    # --- disk ------------------------------------------------------------------------------------------
    def save(self, directory: Path) -> dict:
        g = self.graph
        _, _, rev_edge = _reverse(g.indptr, g.indices, g.n_nodes)
        arrays = dict(indptr=g.indptr, indices=g.indices, time_s=g.edge_seconds().astype(np.float32),
                      length_m=g.edge_metres().astype(np.float32), rev_indptr=g.rev_indptr,
                      rev_indices=g.rev_indices, rev_edge=rev_edge, copy_of=self.copy_of, edge_of=self.edge_of,
                      forbidden=self.forbidden, paths=_encode(self.paths))
        for name, array in arrays.items():
            np.save(directory / f"{PREFIX}{name}.tmp.npy", array)
        for name in arrays:
            (directory / f"{PREFIX}{name}.tmp.npy").replace(directory / f"{PREFIX}{name}.npy")
        return {"format": FORMAT, "options": asdict(self.options), "nodes": g.n_nodes, "edges": g.n_edges,
                "split_nodes": int(len(np.unique(self.copy_of[self.n_nodes:]))), "copies": self.split,
                "forbidden_turns": int(len(self.forbidden)), "restricted_paths": len(self.paths),
                "version": self.version}


def _original_weight(turns: TurnGraph, g: RoadGraph) -> np.ndarray:
    """The packed weight of the original edge behind every expanded edge (the start copies' edges hold it)."""
    base = np.zeros(len(turns.head))
    base[turns.edge_of[turns._from_start]] = g.weight[turns._from_start]
    return base[turns.edge_of]


def load(directory: Path, graph: RoadGraph) -> TurnGraph | None:
    """The saved expanded graph of `graph`, or None when the network has no turn data."""
    info = graph.meta.get("turns")
    if not info or not info.get("nodes"):
        return None
    if info.get("format") != FORMAT:
        raise GraphError(f"路网 {directory} 的转向数据格式为 {info.get('format')}，本程序需要 {FORMAT}，请重新导入。")
    try:
        a = {name: np.load(directory / f"{PREFIX}{name}.npy") for name in ARRAYS}
    except (OSError, ValueError) as exc:
        raise GraphError(f"路网 {directory} 的转向数据已损坏或缺失（{exc}），请重新导入。") from None
    copy_of = a["copy_of"]
    search = RoadGraph(graph.lon[copy_of], graph.lat[copy_of], a["indptr"], a["indices"], a["time_s"],
                       a["length_m"], a["rev_indptr"], a["rev_indices"], a["rev_edge"],
                       meta={"name": graph.name + ":turns"})
    options = TurnOptions(**info.get("options", {}))
    return TurnGraph(search, copy_of, a["edge_of"], a["forbidden"], options, graph.n_nodes, _decode(a["paths"]),
                     graph.n_edges)


def _encode(paths) -> np.ndarray:
    """Restricted paths as one int64 array: [length, only, nodes…] per path."""
    return np.asarray([x for only, nodes in paths for x in (len(nodes), int(only), *nodes)], dtype=np.int64)


def _decode(flat: np.ndarray) -> list:
    flat, paths, i = flat.tolist(), [], 0
    while i < len(flat):
        paths.append((bool(flat[i + 1]), tuple(flat[i + 2:i + 2 + flat[i]])))
        i += 2 + flat[i]
    return paths


def attach(graph: RoadGraph, forbidden: np.ndarray, options: TurnOptions, report: dict | None = None, paths=()):
    """Build the expanded graph into graph.turns (none when nothing needs expanding) and record it in meta."""
    if not options.costs and (not options.restrictions or not (len(forbidden) or len(paths))):
        graph.turns = None
        graph.meta["turns"] = {"format": FORMAT, "options": asdict(options), "report": report}
        return graph
    turns = expand(graph, forbidden, options, paths)
    graph.turns = turns
    graph.meta["turns"] = {"format": FORMAT, "options": asdict(options), "report": report,
                           "nodes": turns.graph.n_nodes, "edges": turns.graph.n_edges}
    base = graph.meta.pop("version", None) or graph.version
    graph.meta["version"] = hashlib.blake2b(f"{base}:{turns.version}".encode(), digest_size=8).hexdigest()
    return graph


def import_hook(graph: RoadGraph, path, osm_ids, options: TurnOptions | None, raw=None, midpoints=()) -> dict:
    """What osm.import_osm calls before saving: read the file's restrictions (from `raw` when the import's
    reader decoded them; `midpoints` of split parallel edges, osm.node_ids), attach the expanded graph; returns
    the import report's turn section."""
    options = options or TurnOptions()
    forbidden, paths, report = (restrictions_from_osm(path, graph, osm_ids, raw, midpoints) if options.restrictions
                                else (np.zeros((0, 3), np.int64), [], {"read": False, "relations": 0, "applied": 0,
                                                                       "warning_count": 0}))
    attach(graph, forbidden, options, report, paths)
    return dict(report, expanded=graph.meta["turns"].get("nodes") is not None)


def save_hook(graph: RoadGraph, directory: Path, meta: dict) -> None:
    """What RoadGraph.save calls: write the expanded graph beside graph.npz and describe it in meta."""
    turns = getattr(graph, "turns", None)
    for stale in directory.glob(f"{PREFIX}*.npy"):
        if turns is None:
            stale.unlink()
    if turns is not None:
        meta["turns"] = dict(meta.get("turns") or {}, **turns.save(directory))


# --- searches on the expanded graph (query.py calls these when graph.turns is set) -----------------------
def tree(turns: TurnGraph, nodes, reverse: bool, limit: float, predecessors: bool, min_only: bool):
    """query.tree() on the expanded graph, answered per original node: forward, the arrival at a node is the
    best of its copies; reverse (times *to* the nodes), the search starts from every copy of them and a
    node's own value is its start copy's (a vehicle starting there may take any road out)."""
    from scipy.sparse.csgraph import dijkstra

    g = turns.graph
    scalar = np.ndim(nodes) == 0
    if reverse:
        if not (scalar or min_only):
            return np.vstack([tree(turns, int(x), True, limit, False, False) for x in np.asarray(nodes)])
        flat, _ = turns.copies_of(nodes)
        dist = dijkstra(g.rev, directed=True, indices=flat, limit=limit, min_only=True)
        return dist[:turns.n_nodes]
    result = dijkstra(g.fwd, directed=True, indices=nodes, limit=limit, min_only=min_only,
                      return_predecessors=predecessors)
    if not predecessors:
        return turns.arrival(result)
    dist, _, sources = result
    best = turns.arrival(dist)
    return best, None, turns.arrival_source(dist, sources, best)


def path(graph: RoadGraph, source: int, target: int) -> tuple[float, list[int]]:
    """Packed time and original node path of the fastest allowed route source → target: one search on the
    reversed expanded graph from every copy of the target, stopping once the source's start copy is settled."""
    from scipy.sparse.csgraph import dijkstra

    from . import bounded

    turns = graph.turns
    g = turns.graph
    copies, _ = turns.copies_of([target])
    engine = bounded.choose(graph, int(source), np.array([target]))
    if engine == "bounded":
        _, indptr, indices, data = bounded._arrays(g, True)
        work = bounded._work(g)
        values, _ = bounded._search(indptr, indices, data, copies.astype(np.int32), np.array([source], np.int32),
                                    np.inf, *work, True)
        value, pred = float(values[0]), work[3]
    else:
        dist, pred, _ = dijkstra(g.rev, directed=True, indices=copies, min_only=True, return_predecessors=True)
        value = float(dist[source])
    if not np.isfinite(value):
        return np.inf, []
    nodes = [int(source)]
    while pred[nodes[-1]] >= 0:
        nodes.append(int(pred[nodes[-1]]))
    return value, turns.copy_of[np.asarray(nodes)].tolist()


def to_targets(graph: RoadGraph, node: int, targets: np.ndarray, reverse: bool) -> np.ndarray:
    """bounded.to_targets on the expanded graph: reverse (units → incident), from every copy of the incident
    to the units' start copies; forward, from the start copy to every copy of each target (best one)."""
    from . import bounded

    turns = graph.turns
    engine = bounded.choose(graph, int(node), np.asarray(targets))  # the geometry is the original graph's
    if reverse:
        copies, _ = turns.copies_of([node])
        return bounded.to_targets(turns.graph, copies, targets, reverse=True, engine=engine).values
    flat, offsets = turns.copies_of(targets)
    values = bounded.to_targets(turns.graph, node, flat, engine=engine).values
    return np.minimum.reduceat(values, offsets[:-1]) if len(targets) else values
