"""Turn restriction relations (OSM `type=restriction`) read from the file and resolved against the road graph.

Which relations apply to a fire engine (decided here, reported per relation in the import report):
`restriction`, `restriction:vehicle`, `restriction:motor_vehicle`, `restriction:motorcar`,
`restriction:hgv` (a fire engine is a heavy motor vehicle; mappers in China tag car turn bans as
motorcar), `restriction:emergency`. Not applied: other vehicle classes (bus, psv, bicycle …) and
`restriction:conditional` (time windows are not modelled; counted). A relation whose `except=` names
emergency, hgv, motor_vehicle or vehicle does not bind a fire engine. Via node relations are applied;
via way relations too (from way → a chain of via ways → to way: the path's nodes are duplicated for
vehicles that entered it from the from way, turns.py). A relation referencing ways or nodes missing
from the file, or whose from/to ways do not end at the via node, is a warning counted in the report,
never an error and never half-applied.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .graph import GraphError, RoadGraph

KINDS_NO = ("no_left_turn", "no_right_turn", "no_straight_on", "no_u_turn", "no_entry", "no_exit")
KINDS_ONLY = ("only_left_turn", "only_right_turn", "only_straight_on", "only_u_turn")
KEYS = ("restriction", "restriction:vehicle", "restriction:motor_vehicle", "restriction:motorcar",
        "restriction:hgv", "restriction:emergency")
EXEMPT = frozenset({"emergency", "hgv", "motor_vehicle", "vehicle"})

# Report labels (Chinese, shown by `yingji roads import`).
W_MISSING = "引用的路段或节点不在文件中"
W_NOT_TOUCHING = "起止路段不在途经节点处相接"
W_MEMBERS = "成员不全或重复"
W_UNKNOWN = "未知的限制类型"
W_ONLY_CLOSED = "唯一允许的去向不可通行"
W_ONLY_OUTSIDE = "唯一允许的去向不在路网内"  # mandated exit dropped (not drivable, outside, cut off): not applied
WARNINGS = (W_MISSING, W_NOT_TOUCHING, W_MEMBERS, W_UNKNOWN, W_ONLY_CLOSED, W_ONLY_OUTSIDE)
S_EXCEPT = "例外(except)包含消防车"
S_CONDITIONAL = "条件限制(:conditional)未采用"
S_OTHER_CLASS = "仅限其他车种"
S_OUTSIDE = "不在路网内(范围外或已剔除)"
S_MOOT = "该方向不可通行，无需限制"


@dataclass
class Relation:
    id: int
    kind: str
    from_ways: list[int]
    to_ways: list[int]
    via_nodes: list[int]
    via_ways: list[int]


def _kind(tags) -> tuple[str | None, str | None]:
    """(restriction value binding a fire engine, or None; why not)."""
    exempt = {v.strip() for v in (tags.get("except") or "").split(";")}
    if exempt & EXEMPT:
        return None, S_EXCEPT
    for key in KEYS:
        value = tags.get(key)
        if value:
            return value.strip(), None
    if any(k.startswith("restriction") and k.endswith(":conditional") for k, _ in _items(tags)):
        return None, S_CONDITIONAL
    return None, S_OTHER_CLASS


def _items(tags):
    return [(t.k, t.v) for t in tags] if not isinstance(tags, dict) else list(tags.items())


def read_relations(path: str | Path) -> tuple[list[Relation], dict[int, list[int]], Counter]:
    """The restriction relations binding a fire engine, the node lists of the ways they reference (those in
    the file), and the count of relations not applied by reason."""
    import osmium

    counts: Counter = Counter()
    relations: list[Relation] = []
    try:
        processor = osmium.FileProcessor(str(path), osmium.osm.RELATION).with_filter(
            osmium.filter.TagFilter(("type", "restriction")))
        for rel in processor:
            counts["relations"] += 1
            kind, why = _kind(rel.tags)
            if kind is None:
                counts[why] += 1
                continue
            members = {"from": [], "to": [], "via_n": [], "via_w": []}
            for m in rel.members:
                if m.role in ("from", "to") and m.type == "w":
                    members[m.role].append(m.ref)
                elif m.role == "via":
                    members["via_n" if m.type == "n" else "via_w"].append(m.ref)
            relations.append(Relation(rel.id, kind, members["from"], members["to"], members["via_n"],
                                      members["via_w"]))
        wanted = {w for r in relations for w in (*r.from_ways, *r.to_ways, *r.via_ways)}
        ways: dict[int, list[int]] = {}
        if wanted:
            processor = (osmium.FileProcessor(str(path), osmium.osm.WAY)
                         .with_filter(osmium.filter.IdFilter(sorted(wanted))))
            for way in processor:
                if way.id in wanted:
                    ways[way.id] = [n.ref for n in way.nodes]
    except RuntimeError as exc:
        raise GraphError(f"无法读取 OSM 文件 {path} 中的转向限制：{exc}") from None
    return relations, ways, counts


def relations_from_raw(raw) -> tuple[list[Relation], dict[int, list[int]], Counter]:
    """read_relations() from what osmread.read_pbf decoded in its own pass (the restriction relations and
    every highway way): no second and third reading of the file. A referenced way that is not a highway way
    counts as missing from the file, as it cannot touch the road graph anyway."""
    counts: Counter = Counter()
    relations: list[Relation] = []
    for rel_id, tags, members in raw.restrictions:
        counts["relations"] += 1
        kind, why = _kind(tags)
        if kind is None:
            counts[why] += 1
            continue
        found = {"from": [], "to": [], "via_n": [], "via_w": []}
        for kind_of, ref, role in members:
            if role in ("from", "to") and kind_of == "w":
                found[role].append(ref)
            elif role == "via":
                found["via_n" if kind_of == "n" else "via_w"].append(ref)
        relations.append(Relation(rel_id, kind, found["from"], found["to"], found["via_n"], found["via_w"]))
    wanted = np.array(sorted({w for r in relations for w in (*r.from_ways, *r.to_ways, *r.via_ways)}), np.int64)
    ways: dict[int, list[int]] = {}
    if len(wanted):
        starts = np.concatenate([[0], np.cumsum(raw.way_count)])
        for index in np.flatnonzero(np.isin(raw.way_id, wanted)).tolist():
            ways[int(raw.way_id[index])] = raw.refs[starts[index]:starts[index + 1]].tolist()
    return relations, ways, counts


def _ends_at(refs: list[int], via: int) -> list[int] | None:
    """The nodes next to `via` on a way that starts or ends there (None: it does not)."""
    found = []
    if len(refs) >= 2 and refs[0] == via:
        found.append(refs[1])
    if len(refs) >= 2 and refs[-1] == via:
        found.append(refs[-2])
    return found or None


def resolve(relations, ways, osm_ids, edge_exists, out_neighbours, counts: Counter):
    """Forbidden turns (a, v, b) and restricted paths [(only, (a, v1, …, vk, b))] in graph node indices from
    the relations; counts warnings and skips. edge_exists(a, b) and out_neighbours(v) answer on the graph;
    osm_ids are the graph nodes' OSM ids."""
    order = np.argsort(osm_ids)
    sorted_ids = osm_ids[order]

    def index(osm_id):
        pos = np.searchsorted(sorted_ids, osm_id)
        return int(order[pos]) if pos < len(sorted_ids) and sorted_ids[pos] == osm_id else None

    triples: set[tuple[int, int, int]] = set()
    paths: list[tuple[bool, tuple[int, ...]]] = []
    examples: dict[str, list[int]] = {}
    for rel in relations:
        if rel.kind not in KINDS_NO + KINDS_ONLY:
            found = W_UNKNOWN
        elif rel.via_ways:
            found = _via_way(rel, ways, index, edge_exists)
        else:
            found = _via_node(rel, ways, index, edge_exists, out_neighbours)
        if isinstance(found, str):
            counts[found] += 1
            if found in WARNINGS and len(examples.setdefault(found, [])) < 5:
                examples[found].append(rel.id)
            continue
        counts["applied"] += 1
        for item in found:
            (paths.append(item) if isinstance(item[1], tuple) else triples.add(item))
    return np.asarray(sorted(triples), dtype=np.int64).reshape(-1, 3), paths, examples


def _via_node(rel, ways, index, edge_exists, out_neighbours):
    """The forbidden turns of a via node relation, or the label of why it is not applied."""
    only = rel.kind.startswith("only_")
    if len(rel.via_nodes) != 1 or not rel.from_ways or not rel.to_ways or (only and len(rel.to_ways) != 1):
        return W_MEMBERS
    if any(w not in ways for w in (*rel.from_ways, *rel.to_ways)):
        return W_MISSING
    via = rel.via_nodes[0]
    before = [_ends_at(ways[w], via) for w in rel.from_ways]
    after = [_ends_at(ways[w], via) for w in rel.to_ways]
    if any(x is None for x in before + after):
        return W_NOT_TOUCHING
    v = index(via)
    froms = [index(a) for group in before for a in group]
    tos = [index(b) for group in after for b in group]
    if v is None or any(a is None for a in froms):
        return S_OUTSIDE
    froms = [a for a in froms if edge_exists(a, v)]
    targets = [b for b in tos if b is not None and edge_exists(v, b)]
    if not froms:
        return S_MOOT
    if only and any(b is None for b in tos):
        return W_ONLY_OUTSIDE
    if not targets:
        return W_ONLY_CLOSED if only else (S_MOOT if all(b is not None for b in tos) else S_OUTSIDE)
    if only:
        return [(a, v, b) for a in froms for b in out_neighbours(v) if b not in targets]
    return [(a, v, b) for a in froms for b in targets]


def _via_way(rel, ways, index, edge_exists):
    """The restricted path of a via way relation [(only, nodes)], or the label of why it is not applied."""
    if rel.via_nodes or len(rel.from_ways) != 1 or len(rel.to_ways) != 1:
        return W_MEMBERS
    if any(w not in ways for w in (*rel.from_ways, *rel.via_ways, *rel.to_ways)):
        return W_MISSING
    chain = _chain(ways[rel.from_ways[0]], [ways[w] for w in rel.via_ways], ways[rel.to_ways[0]])
    if chain is None:
        return W_NOT_TOUCHING
    nodes = [index(x) for x in chain]
    if any(x is None for x in nodes):
        return S_OUTSIDE
    if not all(edge_exists(a, b) for a, b in zip(nodes[:-2], nodes[1:-1], strict=True)):
        return S_MOOT  # the path up to the last via node cannot be driven: nothing to forbid
    only = rel.kind.startswith("only_")
    if not edge_exists(nodes[-2], nodes[-1]):
        return W_ONLY_CLOSED if only else S_MOOT
    return [(only, tuple(nodes))]


def _chain(from_refs, vias, to_refs) -> list[int] | None:
    """OSM node ids from the from way's last node before the via ways, along the via ways (in whatever
    order and direction they connect), to the to way's first node after them; None if they do not connect."""
    if len(from_refs) < 2 or any(len(v) < 2 for v in vias):
        return None
    for end, before in ((from_refs[-1], from_refs[-2]), (from_refs[0], from_refs[1])):
        seq, left = [before, end], list(vias)
        while left:
            for i, refs in enumerate(left):
                if refs[0] == seq[-1] or refs[-1] == seq[-1]:
                    seq += refs[1:] if refs[0] == seq[-1] else refs[-2::-1]
                    del left[i]
                    break
            else:
                break
        after = _ends_at(to_refs, seq[-1]) if not left else None
        if after is not None and len(after) == 1:
            return seq + after
    return None


def with_midpoints(ways: dict[int, list[int]], midpoints) -> dict[int, list[int]]:
    """The ways' node lists with the midpoints of their split parallel edges [(way, a, b, midpoint id)] put
    between a and b (graph.py keeps a slower parallel way with a laxer limit as a→m→b): a restriction naming
    that way then binds its own road, not the faster one between the same nodes."""
    between: dict[tuple[int, int, int], int] = {}
    for way, a, b, mid in midpoints:
        between[way, a, b] = between[way, b, a] = mid
    out = dict(ways)
    for way in {w for w, *_ in midpoints} & set(ways):
        refs = ways[way]
        patched = [refs[0]] if refs else []
        for a, b in zip(refs[:-1], refs[1:], strict=True):
            if (way, a, b) in between:
                patched.append(between[way, a, b])
            patched.append(b)
        out[way] = patched
    return out


def restrictions_from_osm(path, graph: RoadGraph, osm_ids, raw=None, midpoints=()) -> tuple[np.ndarray, list, dict]:
    """Read and resolve the file's restriction relations against `graph` (whose nodes have `osm_ids`); from
    `raw` (osmread.RawOsm) when the import's reader already decoded them."""
    relations, ways, counts = (relations_from_raw(raw) if raw is not None and raw.restrictions is not None
                               else read_relations(path))
    if midpoints:
        ways = with_midpoints(ways, midpoints)
    keys = graph.edge_sources().astype(np.int64) * graph.n_nodes + graph.indices
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]

    def edge_exists(a, b):
        key = a * graph.n_nodes + b
        pos = np.searchsorted(sorted_keys, key)
        return bool(pos < len(sorted_keys) and sorted_keys[pos] == key)

    def out_neighbours(v):
        return graph.indices[graph.indptr[v]:graph.indptr[v + 1]].tolist()

    triples, paths, examples = resolve(relations, ways, np.asarray(osm_ids, dtype=np.int64), edge_exists,
                                       out_neighbours, counts)
    total = counts.pop("relations", 0)
    applied = counts.pop("applied", 0)
    warnings = {k: v for k, v in counts.items() if k in WARNINGS}
    skipped = {k: v for k, v in counts.items() if k not in warnings}
    report = {"relations": total, "applied": applied, "forbidden_turns": int(len(triples)),
              "restricted_paths": len(paths),
              "warnings": warnings, "warning_count": sum(warnings.values()), "skipped": skipped,
              "examples": examples}
    return triples, paths, report
