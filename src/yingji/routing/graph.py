"""The directed road graph as compact arrays: CSR (int32 indices, float32 seconds and metres), .npz on disk.

Weights. Every edge has a travel time quantised to 1 ms and a length quantised to 0.1 m. In memory the
two are packed into one float64 per edge, `weight = time_ms · 2**25 + length_dm`: a sum of such
weights along a path is exact (integers below 2**53) and orders paths by time first, length second.
So one Dijkstra gives both the fastest time and the length of that fastest route, with no second
pass over predecessors. The packing is exact while a route's length stays below 2**25 dm (3,355 km)
and its time below 2**28 ms (74 h); `max_path_s` (in meta) is the bound for the graph at hand and
queries check it.

On disk (`<var>/roads/<name>/graph.npz` + `meta.json`): lon/lat float64 per node, forward CSR
(indptr, indices int32; time_s, length_m float32), the reverse CSR (rev_indptr, rev_indices int32,
rev_edge int32 = the forward edge behind each reverse slot) and the OSM node ids (int64, read only
when asked for). Uncompressed, so loading is a few memcpys.

Format 2 adds per-edge attribute arrays beside graph.npz, one `edge_<name>.npy` each in CSR edge order,
listed in meta.json's "edge_arrays" (from the OSM import: maxheight / maxwidth in m, maxweight in t, float32,
NaN = no limit). Format 1 networks (none of these) still load, with no limits.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components

EARTH_RADIUS_M = 6_371_008.8
LENGTH_BITS = 25
SHIFT = float(2**LENGTH_BITS)
MAX_EXACT = 2.0**53
FORMAT_VERSION = 3  # 2: turn restrictions (turns.*.npy, meta["turns"]); 3: per-edge attribute arrays
READABLE_FORMATS = (1, 2, 3)  # older networks load without what they lack
_NAME = re.compile(r"^[\w][\w.\-]{0,63}$")


class GraphError(ValueError):
    """A road network that cannot be found, read or built; the message is for the user (Chinese)."""


def default_var_dir() -> Path:
    """The same var dir as the Django settings (YINGJI_VAR_DIR, default ./var), without importing Django."""
    return Path(os.environ.get("YINGJI_VAR_DIR", Path.cwd() / "var")).resolve()


def roads_dir(name: str, var_dir: str | Path | None = None) -> Path:
    if not _NAME.match(name or ""):
        raise GraphError(f"路网名称“{name}”无效：只能使用字母、数字、汉字、下划线、点和连字符，且不超过 64 个字符。")
    return Path(var_dir if var_dir is not None else default_var_dir()) / "roads" / name


def haversine_m(lon1, lat1, lon2, lat2):
    """Great-circle distance in metres (numpy broadcasting)."""
    lon1, lat1, lon2, lat2 = (np.radians(np.asarray(a, dtype=np.float64)) for a in (lon1, lat1, lon2, lat2))
    a = np.sin((lat2 - lat1) / 2) ** 2 + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def haversine_one(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """haversine_m for two points in plain floats."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = math.sin((p2 - p1) / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(min(max(a, 0.0), 1.0)))


def pack(time_ms, length_dm) -> np.ndarray:
    return np.asarray(time_ms, dtype=np.float64) * SHIFT + np.asarray(length_dm, dtype=np.float64)


def unpack_seconds(weight) -> np.ndarray:
    """Seconds of packed path weights (inf stays inf)."""
    return np.floor(np.asarray(weight) / SHIFT) / 1000.0


def unpack_metres(weight) -> np.ndarray:
    """Metres of packed path weights (inf becomes nan)."""
    weight = np.asarray(weight)
    with np.errstate(invalid="ignore"):
        return (weight - np.floor(weight / SHIFT) * SHIFT) / 10.0


@dataclass
class BuildReport:
    """What building the graph kept and dropped (the largest strongly connected component is kept)."""

    nodes: int
    edges: int
    road_km: float
    input_nodes: int
    input_edges: int
    duplicate_edges: int
    self_loops: int
    components: int
    dropped_nodes: int
    dropped_edges: int
    dropped_km: float
    dropped_components: list[dict] = field(default_factory=list)  # the largest few: nodes, edges, km, lon, lat
    split_parallel_edges: int = 0  # slower parallel edges kept for their laxer limits, split at a midpoint node

    def as_dict(self) -> dict:
        return dict(self.__dict__)


class RoadGraph:
    """A directed road graph. Nodes 0..N-1 with lon/lat; edges in CSR order (forward), plus the reverse CSR."""

    def __init__(self, lon, lat, indptr, indices, time_s, length_m, rev_indptr=None, rev_indices=None,
                 rev_edge=None, meta: dict | None = None, path: Path | None = None,
                 edge_arrays: dict[str, np.ndarray] | None = None):
        self.lon = np.ascontiguousarray(lon, dtype=np.float64)
        self.lat = np.ascontiguousarray(lat, dtype=np.float64)
        self.indptr = np.ascontiguousarray(indptr, dtype=np.int32)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        time_ms = np.rint(np.asarray(time_s, dtype=np.float64) * 1000.0)
        length_dm = np.rint(np.asarray(length_m, dtype=np.float64) * 10.0)
        self.weight = pack(time_ms, length_dm)
        if rev_indptr is None:
            rev_indptr, rev_indices, rev_edge = _reverse(self.indptr, self.indices, len(self.lon))
        self.rev_indptr = np.ascontiguousarray(rev_indptr, dtype=np.int32)
        self.rev_indices = np.ascontiguousarray(rev_indices, dtype=np.int32)
        rev_edge = np.asarray(rev_edge)
        self.meta = dict(meta or {})
        self.path = path
        # Per-edge attributes in CSR edge order (maxheight …); vehicles.py derives per-vehicle weights from them.
        self.edge_arrays = {k: np.ascontiguousarray(v) for k, v in (edge_arrays or {}).items()}
        self.turns = None  # the expanded graph searches run on when the network has turn data (turns.py)
        n = len(self.lon)
        # The packed sums stay exact and ordered while time < 2**28 ms and length < 2**25 dm.
        ratio = float(np.max(length_dm / np.maximum(time_ms, 1.0))) if len(time_ms) else 1.0
        self.max_path_s = min(MAX_EXACT / SHIFT, (SHIFT - 1) / max(ratio, 1e-9)) / 1000.0
        self.fwd = csr_matrix((self.weight, self.indices, self.indptr), shape=(n, n), copy=False)
        # The reverse weights are a gather of the forward ones; rev_edge itself is not kept (save() redoes it).
        self.rev = csr_matrix((self.weight[rev_edge], self.rev_indices, self.rev_indptr), shape=(n, n), copy=False)

    # --- basic facts -------------------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.meta.get("name", "")

    @property
    def n_nodes(self) -> int:
        return len(self.lon)

    @property
    def n_edges(self) -> int:
        return len(self.indices)

    @property
    def version(self) -> str:
        """Changes whenever the network changes: caches of precomputed trees key on it."""
        if "version" not in self.meta:
            self.meta["version"] = _digest(self.indptr, self.indices, self.weight,
                                           *(self.edge_arrays[k] for k in sorted(self.edge_arrays)))
        return self.meta["version"]

    def edge_sources(self) -> np.ndarray:
        return np.repeat(np.arange(self.n_nodes, dtype=np.int32), np.diff(self.indptr))

    def edge_seconds(self) -> np.ndarray:
        return unpack_seconds(self.weight)

    def edge_metres(self) -> np.ndarray:
        return unpack_metres(self.weight)

    def road_km(self) -> float:
        """Length of the road network, each two-way road counted once."""
        return float(self.edge_metres()[~self.twin_mask(upper=True)].sum() / 1000.0)

    def twin(self) -> np.ndarray:
        """For each edge u→v the index of edge v→u, or -1 (one-way)."""
        n = np.int64(self.n_nodes)
        src = self.edge_sources().astype(np.int64)
        keys = src * n + self.indices
        order = np.argsort(keys, kind="stable")
        sorted_keys = keys[order]
        wanted = self.indices.astype(np.int64) * n + src
        pos = np.searchsorted(sorted_keys, wanted)
        pos = np.minimum(pos, len(sorted_keys) - 1)
        found = sorted_keys[pos] == wanted if len(sorted_keys) else np.zeros(0, bool)
        return np.where(found, order[pos], -1).astype(np.int64)

    def twin_mask(self, upper: bool) -> np.ndarray:
        """Edges that have a twin and are the second of the pair (u > v): skip them to count roads once."""
        twin = self.twin()
        src = self.edge_sources()
        return (twin >= 0) & (src > self.indices) if upper else twin >= 0

    # --- projection and snapping index ------------------------------------------------------------
    @cached_property
    def origin(self) -> tuple[float, float]:
        if self.n_nodes == 0:
            return 0.0, 0.0
        return float((self.lon.min() + self.lon.max()) / 2), float((self.lat.min() + self.lat.max()) / 2)

    def project(self, lons, lats) -> np.ndarray:
        """Local equirectangular metres around the graph's centre: (n, 2). Good to < 0.5 % within a province."""
        lon0, lat0 = self.origin
        lons = np.asarray(lons, dtype=np.float64)
        lats = np.asarray(lats, dtype=np.float64)
        x = np.radians(lons - lon0) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
        y = np.radians(lats - lat0) * EARTH_RADIUS_M
        return np.column_stack([x, y])

    @cached_property
    def _scale(self) -> tuple[float, float, float, float]:
        lon0, lat0 = self.origin
        return lon0, lat0, math.radians(1) * EARTH_RADIUS_M * math.cos(math.radians(lat0)), math.radians(1) * EARTH_RADIUS_M

    def project_one(self, lon: float, lat: float) -> tuple[float, float]:
        """project() for one point in plain floats (a dozen times faster than the numpy path for one point)."""
        lon0, lat0, kx, ky = self._scale
        return (lon - lon0) * kx, (lat - lat0) * ky

    def unproject(self, xy) -> np.ndarray:
        lon0, lat0 = self.origin
        xy = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        lon = lon0 + np.degrees(xy[:, 0] / (EARTH_RADIUS_M * np.cos(np.radians(lat0))))
        lat = lat0 + np.degrees(xy[:, 1] / EARTH_RADIUS_M)
        return np.column_stack([lon, lat])

    @cached_property
    def kdtree(self):
        from scipy.spatial import cKDTree

        return cKDTree(self.project(self.lon, self.lat), leafsize=32, balanced_tree=False, compact_nodes=False)

    # --- memory ------------------------------------------------------------------------------------
    def nbytes(self) -> dict[str, int]:
        """Bytes held by the loaded graph, by part (the KD-tree counted once built)."""
        parts = {"coords": self.lon.nbytes + self.lat.nbytes,
                 "forward": self.indptr.nbytes + self.indices.nbytes + self.weight.nbytes,
                 "reverse": self.rev_indptr.nbytes + self.rev_indices.nbytes + self.rev.data.nbytes}
        if "kdtree" in self.__dict__:
            tree = self.kdtree
            parts["kdtree"] = int(tree.data.nbytes + tree.indices.nbytes + tree.size * 72)
        return parts

    # --- build -------------------------------------------------------------------------------------
    @classmethod
    def from_edges(cls, lon, lat, src, dst, time_ms, length_dm, meta: dict | None = None,
                   keep_largest_scc: bool = True, edge_arrays: dict | None = None) -> tuple[RoadGraph, BuildReport]:
        """Build from edge lists (node indices into lon/lat; integer ms and dm). Drops self-loops, keeps the
        fastest of parallel edges, keeps only the largest strongly connected component and reports the rest.
        `edge_arrays` (name → one value per input edge: limits, larger or NaN = open to more vehicles) follow
        their edges; a slower parallel edge with a laxer limit than every faster one is kept too, split at a
        new midpoint node (nodes beyond the input's; `_midpoint_edge` names the input edge of each)."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        src = np.asarray(src, dtype=np.int64)
        dst = np.asarray(dst, dtype=np.int64)
        time_ms = np.maximum(np.rint(np.asarray(time_ms, dtype=np.float64)), 1.0)
        length_dm = np.maximum(np.rint(np.asarray(length_dm, dtype=np.float64)), 1.0)
        n_in, e_in = len(lon), len(src)
        loops = src == dst
        src, dst, time_ms, length_dm = src[~loops], dst[~loops], time_ms[~loops], length_dm[~loops]
        # Parallel edges: keep the lexicographically best (time, length), and a slower one that is open to some
        # vehicle all faster ones are closed to (split at a midpoint node below, so the graph stays simple).
        order = np.lexsort((length_dm, time_ms, dst, src))
        src, dst, time_ms, length_dm = src[order], dst[order], time_ms[order], length_dm[order]
        first = np.ones(len(src), dtype=bool)
        first[1:] = (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])
        # Which input edge each remaining edge is, so the attribute arrays can follow.
        input_edge = np.flatnonzero(~loops)[order]
        laxer = (_laxer_parallels(first, _limit_rows(edge_arrays, input_edge)) if edge_arrays
                 else np.zeros(len(first), dtype=bool))
        duplicates = int((~(first | laxer)).sum())
        lon, lat, src, dst, time_ms, length_dm, input_edge, midpoint_edge = _split_parallels(
            lon, lat, src, dst, time_ms, length_dm, input_edge, first, laxer, edge_arrays)

        n = len(lon)
        kept_nodes = np.arange(n)
        dropped_components: list[dict] = []
        components = 1
        dropped_edges = 0
        dropped_km = 0.0
        if keep_largest_scc and n:
            adjacency = csr_matrix((np.ones(len(src), dtype=np.int8), (src, dst)), shape=(n, n))
            components, labels = connected_components(adjacency, directed=True, connection="strong")
            sizes = np.bincount(labels, minlength=components)
            # Isolated nodes (in no edge) are not part of the road network: don't report them as dropped parts.
            used = np.zeros(n, dtype=bool)
            used[src] = True
            used[dst] = True
            biggest = int(np.argmax(np.where(np.bincount(labels[used], minlength=components) > 0, sizes, 0)))
            keep = labels == biggest
            edge_keep = keep[src] & keep[dst]
            dropped_edges = int((~edge_keep).sum())
            dropped_km = float(length_dm[~edge_keep].sum() / 10000.0)
            real = np.unique(labels[used & ~keep])
            if len(real):
                comp_edges = np.bincount(labels[src[~edge_keep]], minlength=components)
                comp_dm = np.bincount(labels[src[~edge_keep]], weights=length_dm[~edge_keep], minlength=components)
                sum_lon = np.bincount(labels, weights=lon, minlength=components)
                sum_lat = np.bincount(labels, weights=lat, minlength=components)
                for c in real[np.argsort(-sizes[real], kind="stable")][:10]:
                    dropped_components.append({"nodes": int(sizes[c]), "edges": int(comp_edges[c]),
                                               "km": round(float(comp_dm[c]) / 10000.0, 3),
                                               "lon": round(float(sum_lon[c] / sizes[c]), 6),
                                               "lat": round(float(sum_lat[c] / sizes[c]), 6)})
            components = int(len(real)) + 1
            kept_nodes = np.flatnonzero(keep)
            src, dst, time_ms, length_dm = src[edge_keep], dst[edge_keep], time_ms[edge_keep], length_dm[edge_keep]
            input_edge = input_edge[edge_keep]
        else:
            used = np.zeros(n, dtype=bool)
            used[src] = True
            used[dst] = True
            kept_nodes = np.flatnonzero(used)
        remap = np.full(n, -1, dtype=np.int64)
        remap[kept_nodes] = np.arange(len(kept_nodes))
        src, dst = remap[src], remap[dst]
        n_kept = len(kept_nodes)
        counts = np.bincount(src, minlength=n_kept)
        indptr = np.zeros(n_kept + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        if n_kept and indptr[-1] >= 2**31:
            raise GraphError("路网过大：边数超过 2^31，无法用 int32 存储。请按县或市导入较小的范围。")
        # src is sorted already (lexsort above, remap is monotone), so the edge order is CSR order.
        graph = cls(lon[kept_nodes], lat[kept_nodes], indptr, dst, time_ms / 1000.0, length_dm / 10.0,
                    meta=dict(meta or {}),
                    edge_arrays={k: np.asarray(v)[input_edge] for k, v in (edge_arrays or {}).items()})
        graph._kept_nodes = kept_nodes  # input indices of the graph's nodes (to carry OSM ids along)
        # A kept index ≥ the input's node count is a midpoint splitting a parallel edge: this input edge's.
        graph._midpoint_edge = midpoint_edge
        twins = graph.twin_mask(upper=True)
        report = BuildReport(nodes=n_kept, edges=len(dst), road_km=round(float(length_dm[~twins].sum()) / 10000.0, 3),
                             input_nodes=n_in, input_edges=e_in, duplicate_edges=duplicates,
                             split_parallel_edges=int(laxer.sum()),
                             self_loops=int(loops.sum()), components=components,
                             dropped_nodes=int(np.count_nonzero(used)) - n_kept if keep_largest_scc else 0,
                             dropped_edges=dropped_edges, dropped_km=round(dropped_km, 3),
                             dropped_components=dropped_components)
        graph.meta.update(nodes=report.nodes, edges=report.edges, road_km=report.road_km)
        return graph, report

    # --- disk --------------------------------------------------------------------------------------
    def save(self, directory: str | Path, osm_ids: np.ndarray | None = None) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        _, _, rev_edge = _reverse(self.indptr, self.indices, self.n_nodes)
        arrays = dict(lon=self.lon, lat=self.lat, indptr=self.indptr, indices=self.indices,
                      time_s=(unpack_seconds(self.weight)).astype(np.float32),
                      length_m=(unpack_metres(self.weight)).astype(np.float32),
                      rev_indptr=self.rev_indptr, rev_indices=self.rev_indices, rev_edge=rev_edge)
        if osm_ids is not None:
            arrays["osm_id"] = np.asarray(osm_ids, dtype=np.int64)
        meta = dict(self.meta, format=FORMAT_VERSION, version=self.version, nodes=self.n_nodes,
                    edges=self.n_edges, max_path_s=round(self.max_path_s, 1), edge_arrays=sorted(self.edge_arrays))
        from .turns import save_hook

        save_hook(self, directory, meta)
        # Write under temporary names, then rename: a reader never sees half a network (meta.json, which
        # lists the edge arrays, is renamed last).
        tmp_npz = directory / "graph.tmp.npz"
        np.savez(tmp_npz, **arrays)
        renames = [(tmp_npz, directory / "graph.npz")]
        for key, values in self.edge_arrays.items():
            tmp = directory / f"edge_{key}.tmp.npy"
            np.save(tmp, values)
            renames.append((tmp, directory / f"edge_{key}.npy"))
        tmp_meta = directory / "meta.tmp.json"
        tmp_meta.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        for tmp, final in renames + [(tmp_meta, directory / "meta.json")]:
            os.replace(tmp, final)
        self.meta = meta
        self.path = directory
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> RoadGraph:
        directory = Path(directory)
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            with np.load(directory / "graph.npz") as data:
                arrays = {k: data[k] for k in ("lon", "lat", "indptr", "indices", "time_s", "length_m",
                                                "rev_indptr", "rev_indices", "rev_edge")}
            extra = {k: np.load(directory / f"edge_{k}.npy") for k in meta.get("edge_arrays", [])}
        except FileNotFoundError:
            raise GraphError(f"未找到路网：{directory} 下没有 graph.npz 与 meta.json，请先用 "
                             f"`yingji roads import` 导入。") from None
        except (ValueError, KeyError, OSError) as exc:
            raise GraphError(f"路网文件 {directory} 已损坏或版本不符（{exc}），请重新导入。") from None
        if meta.get("format") not in READABLE_FORMATS:
            raise GraphError(f"路网文件 {directory} 的格式版本为 {meta.get('format')}，本程序需要 {FORMAT_VERSION}，"
                             f"请重新导入。")
        if any(len(v) != len(arrays["indices"]) for v in extra.values()):
            raise GraphError(f"路网文件 {directory} 的路段属性文件与路网不一致，请重新导入。")
        from .turns import load as load_turns

        graph = cls(**arrays, meta=meta, path=directory, edge_arrays=extra)
        graph.turns = load_turns(directory, graph)
        return graph

    def osm_ids(self) -> np.ndarray | None:
        """OSM node ids of the graph's nodes (read from disk on demand; None for graphs not from OSM)."""
        if self.path is None:
            return None
        with np.load(Path(self.path) / "graph.npz") as data:
            return data["osm_id"] if "osm_id" in data.files else None

    def __repr__(self):
        return f"<RoadGraph {self.name or '?'}: {self.n_nodes:,} nodes, {self.n_edges:,} edges>"


def _limit_rows(edge_arrays: dict, input_edge: np.ndarray) -> np.ndarray:
    """Per edge (in `input_edge` order) its limits as a row, NaN (no limit) as +inf so larger is laxer."""
    rows = np.column_stack([np.asarray(edge_arrays[k], dtype=np.float64)[input_edge] for k in sorted(edge_arrays)])
    return np.where(np.isnan(rows), np.inf, rows)


def _laxer_parallels(first: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """The slower parallel edges to keep: those some vehicle may drive while every faster edge between the same
    nodes is closed to it (not at least as strict as a faster kept edge in every limit). Edges are sorted
    fastest first per node pair; `first` marks each pair's fastest. Parallel edges are rare: a loop over them."""
    keep = np.zeros(len(first), dtype=bool)
    starts = np.flatnonzero(first[:-1] & ~first[1:])
    sizes = np.diff(np.append(np.flatnonzero(first), len(first)))[np.cumsum(first)[starts] - 1]
    two = starts[sizes == 2]  # the common case, vectorised: the slower one is kept where it is laxer somewhere
    keep[two + 1] = (rows[two + 1] > rows[two]).any(axis=1)
    for start in starts[sizes > 2].tolist():
        kept = [rows[start]]
        i = start + 1
        while i < len(first) and not first[i]:
            if not any((k >= rows[i]).all() for k in kept):
                keep[i] = True
                kept.append(rows[i])
            i += 1
    return keep


def _split_parallels(lon, lat, src, dst, time_ms, length_dm, input_edge, first, laxer, edge_arrays):
    """The fastest edge of each node pair as it is, and each kept slower one u→v as u→m→v through a new
    midpoint node m (its time and length halved exactly in integer ms and dm; both halves keep its limits). The
    two directions of a two-way road share their midpoint (one per node pair and limit profile), so they stay
    twins. Returns the node and edge arrays (edges sorted by source) and the input edge of each midpoint."""
    extra = np.flatnonzero(laxer)
    if not len(extra):
        return lon, lat, src[first], dst[first], time_ms[first], length_dm[first], input_edge[first], \
            np.zeros(0, np.int64)
    rows = _limit_rows(edge_arrays, input_edge[extra])
    a, b = np.minimum(src[extra], dst[extra]), np.maximum(src[extra], dst[extra])
    _, first_of, mid = np.unique(np.column_stack([a, b, rows]), axis=0, return_index=True, return_inverse=True)
    mid = len(lon) + mid.reshape(-1)
    midpoint_edge = input_edge[extra][first_of]
    ends = np.stack([src[extra][first_of], dst[extra][first_of]])
    lon = np.concatenate([lon, lon[ends].mean(axis=0)])
    lat = np.concatenate([lat, lat[ends].mean(axis=0)])
    t1, l1 = np.floor(time_ms[extra] / 2), np.floor(length_dm[extra] / 2)
    src = np.concatenate([src[first], src[extra], mid])
    dst = np.concatenate([dst[first], mid, dst[extra]])
    time_ms = np.concatenate([time_ms[first], t1, time_ms[extra] - t1])
    length_dm = np.concatenate([length_dm[first], l1, length_dm[extra] - l1])
    input_edge = np.concatenate([input_edge[first], input_edge[extra], input_edge[extra]])
    order = np.lexsort((dst, src))
    return lon, lat, src[order], dst[order], time_ms[order], length_dm[order], input_edge[order], midpoint_edge


def _reverse(indptr, indices, n):
    """The reverse CSR: for node v, the edges u→v; rev_edge maps each slot to the forward edge."""
    order = np.argsort(indices, kind="stable").astype(np.int32)
    counts = np.bincount(indices, minlength=n)
    rev_indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(counts, out=rev_indptr[1:])
    src = np.repeat(np.arange(n, dtype=np.int32), np.diff(indptr))
    return rev_indptr, src[order], order


def _digest(*arrays) -> str:
    h = hashlib.blake2b(digest_size=8)
    for a in arrays:
        h.update(np.ascontiguousarray(a).view(np.uint8))
    return h.hexdigest()
