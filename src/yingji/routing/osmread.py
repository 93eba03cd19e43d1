"""Read an OSM file into flat arrays: every node's id and fixed-point location, the highway ways (id, node refs,
their routing-relevant tags as interned (key, value) pairs), and the tags of the nodes that matter to routing
(barriers, traffic signals, height restrictors).

Two readers give the same RawOsm: `.pbf` files go through pbf.py (numba, one compiled pass per block: no
Python per way or per node); other formats (.osm XML, .osm.bz2, used by the tests and small extracts), or a
machine without numba, through pyosmium with a Python loop. Tags are reduced to WAY_KEYS / NODE_KEYS so the
rules downstream run once per distinct tag combination, not once per way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

Progress = Callable[[str, int, int | None], None]

ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")  # most specific first
LIMIT_KEYS = ("maxheight", "maxheight:physical", "maxweight", "maxwidth", "maxwidth:physical")
WAY_KEYS = frozenset({"highway", "area", "oneway", "junction", "emergency", "oneway:emergency", *ACCESS_KEYS,
                      "maxspeed", "maxspeed:forward", "maxspeed:backward", "source:maxspeed", "maxspeed:type",
                      "zone:traffic", *LIMIT_KEYS})
NODE_KEYS = frozenset({"barrier", "highway", "emergency", *ACCESS_KEYS, *LIMIT_KEYS})
MAX_X, MAX_Y = 1_800_000_000, 900_000_000  # osmium.Location.valid(): |lon| ≤ 180°, |lat| ≤ 90° in 1e-7°


def node_matters(tags: dict) -> bool:
    """The node tags routing reads: a barrier, a traffic signal, or a height/width limit on a point."""
    return "barrier" in tags or tags.get("highway") == "traffic_signals" or any(k in tags for k in LIMIT_KEYS)


@dataclass
class RawOsm:
    node_id: np.ndarray  # int64, sorted
    node_x: np.ndarray  # int32, lon × 1e7
    node_y: np.ndarray
    way_id: np.ndarray  # int64, highway ways in file order
    way_count: np.ndarray  # refs per way
    refs: np.ndarray  # int64, all ways' node refs, concatenated
    tag_way: np.ndarray  # (way index, pair id) rows: the routing-relevant tags of each way
    tag_pair: np.ndarray
    pairs: list[tuple[str, str]] = field(default_factory=list)  # pair id → (key, value)
    node_tags: dict[int, dict] = field(default_factory=dict)  # node id → relevant tags (node_matters)
    # type=restriction relations as (id, tags, [(type "n"/"w"/"r", ref, role)]), read in the same pass (.pbf);
    # None when the reader did not look at relations (pyosmium: restrictions.py reads them itself)
    restrictions: list | None = None


class _Interner:
    def __init__(self):
        self.ids: dict[tuple[str, str], int] = {}
        self.pairs: list[tuple[str, str]] = []

    def __call__(self, key: str, value: str) -> int:
        found = self.ids.get((key, value))
        if found is None:
            found = self.ids[(key, value)] = len(self.pairs)
            self.pairs.append((key, value))
        return found


def _finish(node_id, node_x, node_y, **rest) -> RawOsm:
    node_id = np.asarray(node_id, dtype=np.int64)
    if len(node_id) > 1 and not (node_id[1:] >= node_id[:-1]).all():  # files are sorted; tolerate those that are not
        order = np.argsort(node_id, kind="stable")
        node_id, node_x, node_y = node_id[order], node_x[order], node_y[order]
    return RawOsm(node_id=node_id, node_x=np.asarray(node_x, np.int32), node_y=np.asarray(node_y, np.int32), **rest)


def read(path: str | Path, progress: Progress | None = None) -> RawOsm:
    from . import pbf

    if pbf.is_pbf(path) and pbf.available():
        return read_pbf(path, progress)
    return read_osmium(path, progress)


# --- .pbf: compiled block decoder ---------------------------------------------------------------------------

def read_pbf(path: str | Path, progress: Progress | None = None) -> RawOsm:
    from . import pbf

    intern = _Interner()
    patterns = pbf.Patterns(sorted(WAY_KEYS | NODE_KEYS | {"traffic_signals", "type", "restriction"}))
    restrictions: list = []
    node_ids, node_xs, node_ys = [], [], []
    way_ids, counts, refs, tag_way, tag_pair = [], [], [], [], []
    node_tags: dict[int, dict] = {}
    n_ways = 0
    size = Path(path).stat().st_size
    done = 0
    for block in pbf.blocks(path):
        done += block.compressed_size
        if progress:
            progress("读取 OSM", done, size)
        codes = patterns.codes(block) if len(block.node_tags) or len(block.way_tags) else None
        if len(block.node_id):
            node_ids.append(block.node_id)
            node_xs.append(block.node_x)
            node_ys.append(block.node_y)
            if len(block.node_tags):
                node_tags.update(_block_node_tags(block, codes, patterns))
        if block.relations is not None:
            restrictions += _block_restrictions(block, patterns)
        if len(block.way_tags):
            found = _block_ways(block, codes, patterns, intern)
            if found is not None:
                ids, count, way_refs, rows_way, rows_pair = found
                way_ids.append(ids)
                counts.append(count)
                refs.append(way_refs)
                tag_way.append(rows_way + n_ways)
                tag_pair.append(rows_pair)
                n_ways += len(ids)

    def cat(parts, dtype):
        """One array from the blocks' pieces, emptying the list as it goes: the pieces and the whole are never
        both held for more than one array at a time (the nodes are most of the import's memory)."""
        whole = np.concatenate(parts).astype(dtype, copy=False) if parts else np.zeros(0, dtype)
        parts.clear()
        return whole

    return _finish(cat(node_ids, np.int64), cat(node_xs, np.int32), cat(node_ys, np.int32),
                   way_id=cat(way_ids, np.int64),
                   way_count=cat(counts, np.int64), refs=cat(refs, np.int64), tag_way=cat(tag_way, np.int64),
                   tag_pair=cat(tag_pair, np.int64), pairs=intern.pairs, node_tags=node_tags,
                   restrictions=restrictions)


def _block_restrictions(block, patterns) -> list:
    """The block's type=restriction relations, tags and members decoded (a few per block at most)."""
    from .pbf import string

    ids, tags, starts, kinds, refs, roles = block.relations
    codes = patterns.codes(block)
    mark = (codes[tags[:, 1]] == patterns.index["type"]) & (codes[tags[:, 2]] == patterns.index["restriction"])
    found = []
    bounds = np.searchsorted(tags[:, 0], np.arange(len(ids) + 1))  # tag rows come in relation order
    for rel in np.unique(tags[mark, 0]).tolist():
        rows = tags[bounds[rel]:bounds[rel + 1]]
        members = [("nwr"[min(int(kinds[m]), 2)], int(refs[m]), string(block, int(roles[m])))
                   for m in range(int(starts[rel]), int(starts[rel + 1]))]
        found.append((int(ids[rel]), {string(block, int(k)): string(block, int(v)) for _, k, v in rows.tolist()},
                      members))
    return found


def _codes_in(patterns, words) -> np.ndarray:
    return np.array(sorted(patterns.index[w] for w in words), dtype=np.int32)


def _block_ways(block, codes, patterns, intern: _Interner):
    """The highway ways of one block: ids, ref counts, refs, and (way#, pair id) rows of their relevant tags."""
    from .pbf import string

    wt = block.way_tags
    key = codes[wt[:, 1]]
    is_highway = np.zeros(len(block.way_id), dtype=bool)
    is_highway[wt[key == patterns.index["highway"], 0]] = True
    if not is_highway.any():
        return None
    ways = np.flatnonzero(is_highway)
    rows = wt[np.isin(key, _codes_in(patterns, WAY_KEYS)) & is_highway[wt[:, 0]]]
    n_strings = np.int64(len(block.strings))
    local = rows[:, 1] * n_strings + rows[:, 2]
    unique, inverse = np.unique(local, return_inverse=True)
    global_ids = np.array([intern(patterns.words[codes[u // n_strings]], string(block, int(u % n_strings)))
                           for u in unique.tolist()], dtype=np.int64)
    start, end = block.way_start[ways], block.way_start[ways + 1]
    count = end - start
    offsets = np.repeat(start - np.concatenate([[0], np.cumsum(count)[:-1]]), count)
    way_refs = block.refs[offsets + np.arange(int(count.sum()))]
    renumber = np.cumsum(is_highway) - 1
    return block.way_id[ways], count, way_refs, renumber[rows[:, 0]], global_ids[inverse.reshape(-1)]


def _block_node_tags(block, codes, patterns) -> dict[int, dict]:
    """Tags of the block's nodes that matter (node_matters): found by key code, decoded for those few only."""
    from .pbf import string

    nt = block.node_tags
    key = codes[nt[:, 1]]
    marks = (np.isin(key, _codes_in(patterns, ("barrier", *LIMIT_KEYS)))
             | ((key == patterns.index["highway"]) & (codes[nt[:, 2]] == patterns.index["traffic_signals"])))
    if not marks.any():
        return {}
    wanted = np.zeros(len(block.node_id), dtype=bool)
    wanted[nt[marks, 0]] = True
    rows = nt[wanted[nt[:, 0]] & np.isin(key, _codes_in(patterns, NODE_KEYS))]
    by_node: dict[int, dict] = {}
    for node, k, v in rows.tolist():
        by_node.setdefault(node, {})[patterns.words[codes[k]]] = string(block, v)
    return {int(block.node_id[node]): tags for node, tags in by_node.items()}


# --- anything else: pyosmium ----------------------------------------------------------------------------------

def read_osmium(path: str | Path, progress: Progress | None = None) -> RawOsm:
    """XML and other formats, through pyosmium: a Python loop per node and way (fine for the small files
    these formats are used for; .pbf extracts take read_pbf)."""
    import osmium

    intern = _Interner()
    node_id, node_x, node_y = [], [], []
    way_ids, counts, refs, tag_way, tag_pair = [], [], [], [], []
    node_tags: dict[int, dict] = {}
    for obj in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
        if obj.is_node():
            location = obj.location
            node_id.append(obj.id)
            node_x.append(location.x)
            node_y.append(location.y)
            if len(obj.tags):
                tags = {t.k: t.v for t in obj.tags if t.k in NODE_KEYS}
                if node_matters(tags):
                    node_tags[obj.id] = tags
            continue
        if "highway" not in obj.tags:
            continue
        index = len(way_ids)
        way_ids.append(obj.id)
        way_refs = [n.ref for n in obj.nodes]
        counts.append(len(way_refs))
        refs.extend(way_refs)
        for tag in obj.tags:
            if tag.k in WAY_KEYS:
                tag_way.append(index)
                tag_pair.append(intern(tag.k, tag.v))
        if progress and index % 20000 == 0:
            progress("读取 OSM", index, None)
    x = np.array(node_x, dtype=np.int64)
    y = np.array(node_y, dtype=np.int64)
    # Locations osmium holds as "undefined" (outside ±180/±90) keep their raw value: callers test validity.
    return _finish(np.array(node_id, dtype=np.int64), np.clip(x, -2**31, 2**31 - 1), np.clip(y, -2**31, 2**31 - 1),
                   way_id=np.array(way_ids, dtype=np.int64), way_count=np.array(counts, dtype=np.int64),
                   refs=np.array(refs, dtype=np.int64), tag_way=np.array(tag_way, dtype=np.int64),
                   tag_pair=np.array(tag_pair, dtype=np.int64), pairs=intern.pairs, node_tags=node_tags)


def locate(raw: RawOsm) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For every ref: (found with a valid location, lon, lat) — lon/lat as osmium gives them (fixed / 1e7)."""
    pos = np.searchsorted(raw.node_id, raw.refs)
    pos = np.minimum(pos, max(len(raw.node_id) - 1, 0))
    if len(raw.node_id) == 0:
        return np.zeros(len(raw.refs), bool), np.zeros(len(raw.refs)), np.zeros(len(raw.refs))
    x = raw.node_x[pos].astype(np.int64)
    y = raw.node_y[pos].astype(np.int64)
    ok = (raw.node_id[pos] == raw.refs) & (np.abs(x) <= MAX_X) & (np.abs(y) <= MAX_Y)
    return ok, x / 1e7, y / 1e7


def combos(raw: RawOsm) -> tuple[list[dict], np.ndarray]:
    """The distinct relevant-tag sets of the ways ([{key: value}]) and each way's index into them."""
    n = len(raw.way_id)
    if n == 0:
        return [], np.zeros(0, np.int64)
    order = np.lexsort((raw.tag_pair, raw.tag_way))
    way, pair = raw.tag_way[order], raw.tag_pair[order]
    per_way = np.bincount(way, minlength=n)
    width = int(per_way.max()) if len(per_way) else 0
    matrix = np.full((n, max(width, 1)), -1, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(per_way)[:-1]])
    matrix[way, np.arange(len(way)) - starts[way]] = pair
    # One 64-bit hash per row, then a 1-D unique (an order of magnitude faster than unique(axis=0));
    # rows are compared with their group's first row, and a collision falls back to the exact unique.
    hashed = np.zeros(n, dtype=np.uint64)
    for column in matrix.T:  # polynomial hash modulo 2**64 (numpy wraps), one column at a time
        hashed = hashed * np.uint64(0x9E3779B97F4A7C15) + (column.astype(np.uint64) + np.uint64(1))
    _, first, inverse = np.unique(hashed, return_index=True, return_inverse=True)
    unique = matrix[first]
    if not (matrix == unique[inverse]).all():  # pragma: no cover - a 64-bit collision
        unique, inverse = np.unique(matrix, axis=0, return_inverse=True)
    sets = [{raw.pairs[p][0]: raw.pairs[p][1] for p in row if p >= 0} for row in unique.tolist()]
    return sets, inverse.reshape(-1)
