"""OSM PBF → directed road graph: osmread.py reads the file (pbf.py's compiled decoder for .pbf, pyosmium for
other formats), the rules here run per distinct tag combination and the rest is numpy.

Every node of a drivable way becomes a graph node (no contraction: snapping stays within a few tens of
metres of the point in towns, and route geometry needs no extra arrays). Edge lengths are great-circle
sums along the way's geometry; speeds come from the profile (class speed, urban or rural, or the
tagged maxspeed); `oneway=yes|true|1|-1|reverse|no`, roundabouts and motorways are respected, and
`oneway:emergency=no` opens the other direction to a fire engine (profile `emergency_oneway`).

What decides whether an engine gets through (issue 17): maxheight / maxweight / maxwidth per edge (float32
.npy files beside graph.npz, NaN = no limit; unreadable values are counted as warnings), barrier nodes
(data/barriers.toml: blocking ones cut the ways through them, passable ones add a delay), and a delay per
`highway=traffic_signals` node on the edges entering it (profile `traffic_signal_delay_s`).
"""

from __future__ import annotations

import json
import resource
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from . import osmread
from .graph import EARTH_RADIUS_M, BuildReport, GraphError, RoadGraph, haversine_m, roads_dir
from .osmread import ACCESS_KEYS
from .pbf import PbfError
from .profile import Profile, area_hint, find_profile, load_profile, parse_maxspeed
from .tags import LIMIT_NAMES, barrier
from .tags import limits as tag_limits

Progress = Callable[[str, int, int | None], None]

FORWARD_VALUES = {"yes", "true", "1"}
BACKWARD_VALUES = {"-1", "reverse"}
BOTH_VALUES = {"no", "false", "0"}
SKIP_VALUES = {"reversible", "alternating"}
URBAN, RURAL = 1, 2
ATTR_COLUMNS = 9  # class, forward, backward, maxspeed forward, backward, area hint, maxheight, maxweight, maxwidth


@dataclass
class OsmEdges:
    """Directed edges read from OSM, before graph building: node indices into lon/lat/osm_id."""

    osm_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    src: np.ndarray
    dst: np.ndarray
    time_ms: np.ndarray
    length_dm: np.ndarray
    urban: np.ndarray  # bool per edge
    ways_read: int = 0
    ways_used: int = 0
    skipped: dict = field(default_factory=dict)
    segments_outside: int = 0
    limits: dict = field(default_factory=dict)  # "maxheight" m, "maxweight" t, "maxwidth" m per edge (NaN: none)
    warnings: dict = field(default_factory=dict)  # "key=value：why" → ways
    node_tags: dict = field(default_factory=dict)  # OSM node id → routing tags (barriers, signals, limits)
    raw: object = None  # what turns.py needs of the reading (restriction relations, ways), .pbf only
    way: np.ndarray | None = None  # OSM way id per edge (to place midpoints of split parallel edges on their way)


@dataclass
class ImportReport:
    name: str
    source: str
    directory: str
    seconds: float
    ways_read: int
    ways_used: int
    skipped_ways: dict
    segments_outside: int
    urban_share: float
    graph: BuildReport
    warnings: dict = field(default_factory=dict)  # unreadable limit values: "key=value：why" → ways
    barriers: dict = field(default_factory=dict)  # {"blocked": {type: nodes}, "passable": {type: nodes}}
    signals: int = 0  # traffic-signal nodes on the kept roads (delay added to the edges entering them)
    limited_edges: dict = field(default_factory=dict)  # "maxheight" → edges with a limit, …
    peak_rss_mib: float = 0.0  # the process's peak resident memory after the import (ru_maxrss)
    stages: dict = field(default_factory=dict)  # seconds per stage: read, edges, build, save
    turns: dict | None = None  # turn restrictions read, applied, warnings (turns.import_hook)

    def as_dict(self) -> dict:
        data = dict(self.__dict__)
        data["graph"] = self.graph.as_dict()
        return data


def parse_bbox(text: str) -> tuple[float, float, float, float]:
    """'W,S,E,N' → floats, with a Chinese message naming the problem."""
    try:
        west, south, east, north = (float(part) for part in str(text).split(","))
    except ValueError:
        raise GraphError(f"范围“{text}”格式有误，应为 西,南,东,北（经纬度，英文逗号分隔），如 104.9,30.1,105.3,30.5。") from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise GraphError(f"范围“{text}”无效：须满足 西 < 东、南 < 北，且经度在 -180～180、纬度在 -90～90。")
    return west, south, east, north


def _polygon(geojson):
    import shapely
    from shapely.geometry import shape

    if isinstance(geojson, str | Path):
        geojson = json.loads(Path(geojson).read_text(encoding="utf-8"))
    if geojson.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in geojson.get("features", []) if f.get("geometry")]
        geometry = shapely.union_all(geoms) if geoms else None
    elif geojson.get("type") == "Feature":
        geometry = shape(geojson["geometry"])
    else:
        geometry = shape(geojson)
    if geometry is None or geometry.geom_type not in ("Polygon", "MultiPolygon") or geometry.is_empty:
        raise GraphError("区域边界必须是 GeoJSON 的 Polygon 或 MultiPolygon（可为 Feature 或 FeatureCollection）。")
    shapely.prepare(geometry)
    return geometry


def read_osm(path: str | Path, profile: Profile, bbox=None, polygon=None, area: str = "auto",
             progress: Progress | None = None) -> OsmEdges:
    """Read the drivable ways of an OSM file (.osm.pbf, .osm, .osm.bz2 …) into directed edges.

    osmread.py reads the file into arrays (compiled for .pbf); the rules (class, access, one-way, maxspeed,
    limits) then run once per distinct tag combination and everything per node and per way is numpy."""
    path = Path(path)
    if not path.exists():
        raise GraphError(f"找不到 OSM 文件 {path}。")
    if area not in ("auto", "urban", "rural"):
        raise GraphError(f"area 只能是 auto、urban 或 rural，收到“{area}”。")
    geometry = _polygon(polygon) if polygon is not None else None
    box = tuple(bbox) if bbox is not None else None
    if geometry is not None:
        bounds = geometry.bounds
        box = bounds if box is None else (max(box[0], bounds[0]), max(box[1], bounds[1]),
                                          min(box[2], bounds[2]), min(box[3], bounds[3]))
    try:
        raw = osmread.read(path, progress)
    except (RuntimeError, PbfError) as exc:  # libosmium reports unreadable files as RuntimeError
        raise GraphError(f"无法读取 OSM 文件 {path}：{exc}") from None
    if progress:
        progress("读取 OSM", 1, 1)
    rows, combo, skip, skipped, warnings = _way_attributes(raw, profile)
    refs, lons, lats, piece_start, piece_way, ways_used, outside = _pieces(raw, skip, box)
    edges = _edges(refs, lons, lats, piece_start, rows[combo[piece_way]], profile, geometry, area, len(raw.way_id),
                   ways_used, skipped, outside, piece_way_id=np.asarray(raw.way_id, np.int64)[piece_way])
    edges.warnings = warnings
    edges.node_tags = raw.node_tags
    if raw.restrictions is not None:  # turn restrictions decoded in the same pass, and the ways they name
        edges.raw = SimpleNamespace(restrictions=raw.restrictions, way_id=raw.way_id, way_count=raw.way_count,
                                    refs=raw.refs)
    return edges


def _way_attributes(raw, profile: Profile):
    """The attribute rows _edges reads (class, forward, backward, maxspeeds, area hint, limits) per distinct tag
    combination and each way's combination, whether each way is skipped, the skip counts and the tag
    warnings: the rules run once per combination, not once per way."""
    classes = {name: i for i, name in enumerate(profile.speeds_kmh)}
    blocked = set(profile.blocked_access)
    sets, inverse = osmread.combos(raw)
    rows = np.zeros((len(sets), ATTR_COLUMNS))
    reason = [None] * len(sets)
    notes = []
    for i, tags in enumerate(sets):
        reason[i], rows[i], found = _rule(tags, classes, blocked, profile)
        notes.append(found)
    reasons = sorted({r for r in reason if r is not None})
    code = np.array([reasons.index(r) + 1 if r is not None else 0 for r in reason], dtype=np.int64)
    per_way = code[inverse] if len(inverse) else np.zeros(0, np.int64)
    counts = np.bincount(per_way, minlength=len(reasons) + 1)
    # Skip counts in the order the legacy per-way loop met them (first occurrence in the file).
    first = {r: int(np.argmax(per_way == k + 1)) for k, r in enumerate(reasons) if counts[k + 1]}
    skipped = {r: int(counts[reasons.index(r) + 1]) for r in sorted(first, key=first.get)}
    per_combo = np.bincount(inverse, minlength=len(sets)) if len(inverse) else np.zeros(len(sets), np.int64)
    warnings: Counter = Counter()
    for i, found in enumerate(notes):
        if reason[i] is None:
            for text in found:
                warnings[text] += int(per_combo[i])
    return rows, inverse, per_way > 0, skipped, dict(warnings)


def _rule(tags, classes, blocked, profile: Profile):
    """(skip reason or None, attribute row, limit warnings) for one tag combination."""
    row = np.zeros(ATTR_COLUMNS)
    highway = tags.get("highway")
    if highway not in classes:
        return "非车行道路等级", row, []
    if tags.get("area") == "yes":
        return "面状道路(area=yes)", row, []
    if _blocked(tags, blocked):
        return "禁止机动车通行", row, []
    forward, backward = _directions(tags, highway, profile.respect_oneway, profile.emergency_oneway)
    if not (forward or backward):
        return "潮汐/可变方向(reversible)", row, []
    maxspeed = tags.get("maxspeed")
    (height, weight, width), warnings = tag_limits(tags, profile.below_default_maxheight_m)
    row[:] = (classes[highway], forward, backward, _limit(tags.get("maxspeed:forward") or maxspeed, profile),
              _limit(tags.get("maxspeed:backward") or maxspeed, profile),
              {"urban": URBAN, "rural": RURAL}.get(area_hint(tags) or "", 0), height, weight, width)
    return None, row, warnings


def _pieces(raw, skip: np.ndarray, box):
    """The points of the kept ways inside the box, cut into pieces where a node is missing or outside (as the
    per-way loop did): refs, lon, lat of the points, each piece's first point and its way, ways used, and
    the way segments that were cut (one end outside the box)."""
    west, south, east, north = box if box is not None else (-180.0, -90.0, 180.0, 90.0)
    n_ways = len(raw.way_id)
    way_of = np.repeat(np.arange(n_ways), raw.way_count)
    found, lon, lat = osmread.locate(raw)
    live = ~skip[way_of] if n_ways else np.zeros(0, bool)
    found &= live
    inside = found & (west <= lon) & (lon <= east) & (south <= lat) & (lat <= north)
    same_way = way_of[1:] == way_of[:-1]
    outside = int((same_way & found[1:] & found[:-1] & ~(inside[1:] & inside[:-1])).sum())
    starts = inside.copy()
    starts[1:] &= ~(same_way & inside[:-1])
    kept = np.flatnonzero(inside)
    piece_start = np.flatnonzero(starts[kept])
    ways_used = int(np.count_nonzero(np.bincount(way_of[kept], minlength=n_ways)))
    return (raw.refs[kept], lon[kept], lat[kept], piece_start.astype(np.int64), way_of[kept][piece_start],
            ways_used, outside)


def _blocked(tags, blocked: set[str]) -> bool:
    emergency = tags.get("emergency")
    if emergency == "no":
        return True
    if emergency in ("yes", "designated", "permissive"):
        return False
    for key in ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            return value in blocked
    return False


def _directions(tags, highway: str, respect_oneway: bool, emergency_oneway: bool = False) -> tuple[bool, bool]:
    oneway = (tags.get("oneway") or "").strip().lower()
    if oneway in SKIP_VALUES:
        return False, False
    if not respect_oneway or oneway in BOTH_VALUES:
        return True, True
    if emergency_oneway and (tags.get("oneway:emergency") or "").strip().lower() in BOTH_VALUES:
        return True, True  # emergency vehicles may drive against this one-way (tagged so)
    if oneway in FORWARD_VALUES:
        return True, False
    if oneway in BACKWARD_VALUES:
        return False, True
    if tags.get("junction") in ("roundabout", "circular") or highway == "motorway":
        return True, False
    return True, True


def _limit(value, profile: Profile) -> float:
    speed = parse_maxspeed(value, no_limit=profile.max_speed_kmh / profile.maxspeed_factor)
    return np.nan if speed is None else speed


def _edges(refs, lons, lats, piece_start, attrs, profile: Profile, geometry, area,
           ways_read, ways_used, skipped, outside, piece_way_id=None) -> OsmEdges:
    n_points = len(refs)
    piece_of = np.zeros(n_points, dtype=np.int64)
    if len(piece_start):
        piece_of[piece_start[1:]] = 1
        piece_of = np.cumsum(piece_of)
    same = piece_of[1:] == piece_of[:-1] if n_points else np.zeros(0, bool)
    a = np.flatnonzero(same)
    b = a + 1
    seg_piece = piece_of[a]
    length_m = haversine_m(lons[a], lats[a], lons[b], lats[b])

    if geometry is not None:
        import shapely

        inside = shapely.intersects_xy(geometry, lons, lats)
        keep = inside[a] & inside[b]
        outside += int((~keep).sum())
        a, b, seg_piece, length_m = a[keep], b[keep], seg_piece[keep], length_m[keep]

    cls_code = attrs[seg_piece, 0].astype(np.int64)
    forward = attrs[seg_piece, 1].astype(bool)
    backward = attrs[seg_piece, 2].astype(bool)
    fw_limit = attrs[seg_piece, 3]
    bw_limit = attrs[seg_piece, 4]
    hint = attrs[seg_piece, 5].astype(np.int64)
    # Limits (columns 6..8) when the reader gives them (the legacy reader's rows stop at the area hint).
    limit = attrs[seg_piece, 6:9] if attrs.shape[1] >= 9 else np.full((len(a), 3), np.nan)

    if area == "urban":
        urban = np.ones(len(a), dtype=bool)
    elif area == "rural":
        urban = np.zeros(len(a), dtype=bool)
    else:
        urban = _urban_by_density(lons, lats, a, b, length_m, profile.urban_density_km_per_km2)
        urban = np.where(hint == URBAN, True, np.where(hint == RURAL, False, urban))

    speeds = np.array(list(profile.speeds_kmh.values()), dtype=np.float64).reshape(-1, 2)
    class_kmh = np.where(urban, speeds[cls_code, 0], speeds[cls_code, 1]) if len(a) else np.zeros(0)
    fw_kmh = np.minimum(np.where(np.isnan(fw_limit), class_kmh, fw_limit * profile.maxspeed_factor),
                        profile.max_speed_kmh)
    bw_kmh = np.minimum(np.where(np.isnan(bw_limit), class_kmh, bw_limit * profile.maxspeed_factor),
                        profile.max_speed_kmh)

    src = np.concatenate([a[forward], b[backward]])
    dst = np.concatenate([b[forward], a[backward]])
    length = np.concatenate([length_m[forward], length_m[backward]])
    kmh = np.concatenate([fw_kmh[forward], bw_kmh[backward]])
    edge_urban = np.concatenate([urban[forward], urban[backward]])
    time_ms = length / (kmh / 3.6) * 1000.0
    limits = {name: np.concatenate([limit[forward, k], limit[backward, k]]).astype(np.float32)
              for k, name in enumerate(LIMIT_NAMES)}
    way = (np.concatenate([piece_way_id[seg_piece][forward], piece_way_id[seg_piece][backward]])
           if piece_way_id is not None else None)

    # One graph node per OSM node: points are repeated where ways share a node.
    used_points = np.unique(np.concatenate([src, dst]))
    osm_id, first, inverse = np.unique(refs[used_points], return_index=True, return_inverse=True)
    point_to_node = np.full(n_points, -1, dtype=np.int64)
    point_to_node[used_points] = inverse
    # Every point of an OSM id maps to that id's node, also points not in any kept segment.
    return OsmEdges(osm_id=osm_id, lon=lons[used_points][first], lat=lats[used_points][first],
                    src=point_to_node[src], dst=point_to_node[dst], time_ms=time_ms, length_dm=length * 10.0,
                    urban=edge_urban, ways_read=ways_read, ways_used=ways_used, skipped=skipped,
                    segments_outside=outside, limits=limits, way=way)


def _urban_by_density(lons, lats, a, b, length_m, threshold_km_per_km2: float) -> np.ndarray:
    """Urban where the road density of the 1 km cell and its 8 neighbours reaches the threshold (km/km²)."""
    if len(a) == 0:
        return np.zeros(0, dtype=bool)
    from scipy.ndimage import uniform_filter

    mid_lon = (lons[a] + lons[b]) / 2
    mid_lat = (lats[a] + lats[b]) / 2
    lat0 = float(np.mean(mid_lat))
    x = np.radians(mid_lon - mid_lon.min()) * EARTH_RADIUS_M * np.cos(np.radians(lat0))
    y = np.radians(mid_lat - mid_lat.min()) * EARTH_RADIUS_M
    cx = (x // 1000).astype(np.int64)
    cy = (y // 1000).astype(np.int64)
    shape = (int(cy.max()) + 1, int(cx.max()) + 1)
    grid = np.zeros(shape, dtype=np.float64)
    np.add.at(grid, (cy, cx), length_m / 1000.0)
    # Road km over km² in the 3×3 window, counting only the area inside the data's extent (an extract's
    # edge is not empty land, and its last row and column of cells are only partly inside).
    fx = np.clip(x.max() - 1000.0 * np.arange(shape[1]), 0.0, 1000.0) / 1000.0
    fy = np.clip(y.max() - 1000.0 * np.arange(shape[0]), 0.0, 1000.0) / 1000.0
    area = uniform_filter(np.outer(fy, fx), size=3, mode="constant")
    density = uniform_filter(grid, size=3, mode="constant") / np.maximum(area, 0.01)
    return density[cy, cx] >= threshold_km_per_km2


def apply_nodes(edges: OsmEdges, profile: Profile) -> dict:
    """Barrier nodes, traffic signals and point limits (height restrictors) onto the edges, in place: edges
    through a blocking barrier are removed, a passable one and a signal add their delay to the edges entering
    the node, a node's maxheight/maxwidth/maxweight also limits the edges touching it. Returns the counts."""
    counts = {"barriers": {"blocked": Counter(), "passable": Counter()}, "signals": 0, "warnings": Counter()}
    ids = edges.osm_id
    if not edges.node_tags or not len(ids):
        return counts
    tagged = np.fromiter(edges.node_tags, dtype=np.int64, count=len(edges.node_tags))
    pos = np.minimum(np.searchsorted(ids, tagged), len(ids) - 1)
    present = ids[pos] == tagged
    n = len(ids)
    blocked = np.zeros(n, dtype=bool)
    delay_s = np.zeros(n)
    node_limits = np.full((n, 3), np.nan)
    for osm_id, node in zip(tagged[present].tolist(), pos[present].tolist(), strict=True):
        tags = edges.node_tags[osm_id]
        if "barrier" in tags:
            passable, delay = barrier(tags)
            counts["barriers"]["passable" if passable else "blocked"][tags["barrier"]] += 1
            blocked[node] = not passable
            delay_s[node] += delay
        if tags.get("highway") == "traffic_signals":
            counts["signals"] += 1
            delay_s[node] += profile.traffic_signal_delay_s
        found, warnings = tag_limits(tags, profile.below_default_maxheight_m)
        node_limits[node] = found
        counts["warnings"].update(warnings)
    keep = ~(blocked[edges.src] | blocked[edges.dst])
    edges.time_ms = edges.time_ms + delay_s[edges.dst] * 1000.0
    for k, name in enumerate(LIMIT_NAMES):
        at_ends = np.fmin(node_limits[edges.src, k], node_limits[edges.dst, k])
        edges.limits[name] = np.fmin(edges.limits[name], at_ends).astype(np.float32)
    if not keep.all():
        for name in ("src", "dst", "time_ms", "length_dm", "urban", "way"):
            if getattr(edges, name) is not None:
                setattr(edges, name, getattr(edges, name)[keep])
        edges.limits = {name: values[keep] for name, values in edges.limits.items()}
    return counts


def import_osm(path: str | Path, name: str, var_dir: str | Path | None = None, bbox=None, polygon=None,
               profile: Profile | str | Path | None = None, area: str = "auto",
               progress: Progress | None = None, turns=None) -> ImportReport:
    """Read, build (largest strongly connected component), save under `<var>/roads/<name>/`. Returns the report."""
    started = time.perf_counter()
    directory = roads_dir(name, var_dir)
    if not isinstance(profile, Profile):
        from .graph import default_var_dir

        profile = load_profile(profile if profile is not None else find_profile(var_dir or default_var_dir()))
    if isinstance(bbox, str):
        bbox = parse_bbox(bbox)
    stages = {}
    edges = read_osm(path, profile, bbox=bbox, polygon=polygon, area=area, progress=progress)
    nodes = apply_nodes(edges, profile)
    stages["read"] = round(time.perf_counter() - started, 3)
    if len(edges.src) == 0:
        where = "所给范围内" if bbox is not None or polygon is not None else "文件中"
        raise GraphError(f"{where}没有可通行的道路（按配置“{profile.name}”的道路等级），未生成路网。")
    if progress:
        progress("建图与强连通分量", 0, 1)
    urban_share = float(edges.length_dm[edges.urban].sum() / max(edges.length_dm.sum(), 1.0))
    meta = {"name": name, "source": Path(path).name, "bbox": list(bbox) if bbox is not None else None,
            "polygon": polygon is not None, "area": area, "profile": profile.as_dict(),
            "created": datetime.now(UTC).isoformat(timespec="seconds")}
    graph, build = RoadGraph.from_edges(edges.lon, edges.lat, edges.src, edges.dst, edges.time_ms, edges.length_dm,
                                        meta=meta, edge_arrays=edges.limits)
    stages["build"] = round(time.perf_counter() - started - stages["read"], 3)
    if progress:
        progress("建图与强连通分量", 1, 1)
    warnings = Counter(edges.warnings)
    warnings.update(nodes["warnings"])
    barriers = {kind: dict(found) for kind, found in nodes["barriers"].items()}
    limited = {key: int(np.count_nonzero(~np.isnan(values))) for key, values in graph.edge_arrays.items()}
    graph.meta["import"] = {"ways_read": edges.ways_read, "ways_used": edges.ways_used,
                            "skipped_ways": edges.skipped, "segments_outside": edges.segments_outside,
                            "urban_share": round(urban_share, 4), "build": build.as_dict(),
                            "warnings": dict(warnings), "barriers": barriers, "signals": nodes["signals"],
                            "limited_edges": limited}
    from .turns import import_hook  # turn restrictions (turns: TurnOptions or None for the defaults)

    osm_ids, midpoints = node_ids(edges, graph)
    turn_report = import_hook(graph, path, osm_ids, turns, edges.raw, midpoints)
    edges.raw = None
    stages["turns"] = round(time.perf_counter() - started - stages["read"] - stages["build"], 3)
    graph.save(directory, osm_ids=osm_ids)
    stages["save"] = round(time.perf_counter() - started - sum(stages.values()), 3)
    if progress:
        progress("保存", 1, 1)
    return ImportReport(name=name, source=str(path), directory=str(directory),
                        seconds=round(time.perf_counter() - started, 3), ways_read=edges.ways_read,
                        ways_used=edges.ways_used, skipped_ways=edges.skipped, segments_outside=edges.segments_outside,
                        urban_share=round(urban_share, 4), graph=build, turns=turn_report, warnings=dict(warnings),
                        barriers=barriers, signals=nodes["signals"], limited_edges=limited,
                        peak_rss_mib=round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                        stages=stages)


def node_ids(edges: OsmEdges, graph: RoadGraph) -> tuple[np.ndarray, list[tuple[int, int, int, int]]]:
    """OSM node ids of the graph's nodes, a midpoint splitting a parallel edge getting its own negative id
    (-1, -2, …: no OSM node has one), and where each midpoint lies: [(way id, OSM node a, OSM node b, its id)],
    so turn restrictions naming that way see the midpoint between a and b (restrictions.py)."""
    kept = np.asarray(graph._kept_nodes, dtype=np.int64)
    n_in = len(edges.osm_id)
    ids = np.where(kept < n_in, edges.osm_id[np.minimum(kept, max(n_in - 1, 0))], -(kept - n_in + 1))
    midpoints = []
    split = kept[kept >= n_in]
    if not len(split) or edges.way is None:
        return ids.astype(np.int64), midpoints
    # The input edges between the same two nodes as a midpoint's edge, either direction, with its limits: the
    # two directions of a two-way way, or two one-way ways sharing the midpoint.
    n = max(n_in, 1)
    key = np.minimum(edges.src, edges.dst) * n + np.maximum(edges.src, edges.dst)
    along: dict[int, list[int]] = {}
    mid_edges = graph._midpoint_edge[split - n_in]
    for e in np.flatnonzero(np.isin(key, key[mid_edges])).tolist():
        along.setdefault(int(key[e]), []).append(e)
    for node, edge in zip(split.tolist(), mid_edges.tolist(), strict=True):
        a, b = int(edges.osm_id[edges.src[edge]]), int(edges.osm_id[edges.dst[edge]])
        for e in along[int(key[edge])]:
            if _same_limits(edges, e, edge):
                midpoints.append((int(edges.way[e]), a, b, -(node - n_in + 1)))
    return ids.astype(np.int64), sorted(set(midpoints))


def _same_limits(edges: OsmEdges, e: int, other: int) -> bool:
    return all((v[e] == v[other]) or (np.isnan(v[e]) and np.isnan(v[other])) for v in edges.limits.values())
