"""The per-way pyosmium reader osm.py used before issue 17 (kept verbatim as the reference the fast reader is
tested against: same edges, times and lengths on the fixtures). Test-only; bench_osm_import.py --legacy times it."""

from array import array
from collections import Counter
from pathlib import Path

import numpy as np

from yingji.routing.graph import GraphError
from yingji.routing.osm import (
    RURAL,
    URBAN,
    OsmEdges,
    Progress,
    _blocked,
    _directions,
    _edges,
    _limit,
    _polygon,
)
from yingji.routing.profile import Profile, area_hint


def read_osm_legacy(path: str | Path, profile: Profile, bbox=None, polygon=None, area: str = "auto",
             progress: Progress | None = None) -> OsmEdges:
    """Read the drivable ways of an OSM file (.osm.pbf, .osm, .osm.bz2 …) into directed edges."""
    import osmium

    path = Path(path)
    if not path.exists():
        raise GraphError(f"找不到 OSM 文件 {path}。")
    if area not in ("auto", "urban", "rural"):
        raise GraphError(f"area 只能是 auto、urban 或 rural，收到“{area}”。")
    classes = {name: i for i, name in enumerate(profile.speeds_kmh)}
    blocked = set(profile.blocked_access)
    geometry = _polygon(polygon) if polygon is not None else None
    # A bbox (or the polygon's bounds) is applied while reading, so a county taken from a province file
    # never holds the province in memory; the polygon itself is tested afterwards, vectorised.
    box = tuple(bbox) if bbox is not None else None
    if geometry is not None:
        bounds = geometry.bounds
        box = bounds if box is None else (max(box[0], bounds[0]), max(box[1], bounds[1]),
                                          min(box[2], bounds[2]), min(box[3], bounds[3]))
    west, south, east, north = box if box is not None else (-180.0, -90.0, 180.0, 90.0)
    # Compact typed buffers (8 bytes a value), not lists of Python objects: a province has ~10⁷ way nodes.
    refs, lons, lats = array("q"), array("d"), array("d")
    piece_start = array("q")
    piece_cls, piece_fw, piece_bw, piece_hint = array("i"), array("b"), array("b"), array("b")
    piece_fw_limit, piece_bw_limit = array("d"), array("d")
    skipped: Counter = Counter()
    ways_read = ways_used = outside = 0
    processor = (osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY).with_locations()
                 .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                 .with_filter(osmium.filter.KeyFilter("highway")))
    try:
        for way in processor:
            ways_read += 1
            if progress and ways_read % 20000 == 0:
                progress("读取 OSM 道路", ways_read, None)
            tags = way.tags
            highway = tags.get("highway")
            if highway not in classes:
                skipped["非车行道路等级"] += 1
                continue
            if tags.get("area") == "yes":
                skipped["面状道路(area=yes)"] += 1
                continue
            if _blocked(tags, blocked):
                skipped["禁止机动车通行"] += 1
                continue
            forward, backward = _directions(tags, highway, profile.respect_oneway)
            if not (forward or backward):
                skipped["潮汐/可变方向(reversible)"] += 1
                continue
            maxspeed = tags.get("maxspeed")
            attr = (classes[highway], forward, backward,
                    _limit(tags.get("maxspeed:forward") or maxspeed, profile),
                    _limit(tags.get("maxspeed:backward") or maxspeed, profile),
                    {"urban": URBAN, "rural": RURAL}.get(area_hint(tags) or "", 0))
            used = False
            count = 0  # points in the current piece (a way is cut where a node is missing or outside)
            previous_ok = previous_in = False
            for node in way.nodes:
                location = node.location
                if not location.valid():  # a node missing from the extract
                    count = 0
                    previous_ok = False
                    continue
                lon, lat = location.lon, location.lat
                inside = west <= lon <= east and south <= lat <= north
                if previous_ok and not (previous_in and inside):
                    outside += 1
                previous_ok, previous_in = True, inside
                if not inside:
                    count = 0
                    continue
                if count == 0:
                    piece_start.append(len(refs))
                    piece_cls.append(attr[0])
                    piece_fw.append(attr[1])
                    piece_bw.append(attr[2])
                    piece_fw_limit.append(attr[3])
                    piece_bw_limit.append(attr[4])
                    piece_hint.append(attr[5])
                refs.append(node.ref)
                lons.append(lon)
                lats.append(lat)
                count += 1
                used = True
            ways_used += used
    except RuntimeError as exc:  # libosmium reports unreadable files this way
        raise GraphError(f"无法读取 OSM 文件 {path}：{exc}") from None
    if progress:
        progress("读取 OSM 道路", ways_read, ways_read)
    attrs = np.column_stack([np.frombuffer(piece_cls, dtype=np.int32), np.frombuffer(piece_fw, dtype=np.int8),
                             np.frombuffer(piece_bw, dtype=np.int8), np.frombuffer(piece_fw_limit),
                             np.frombuffer(piece_bw_limit), np.frombuffer(piece_hint, dtype=np.int8)]
                            ).astype(np.float64) if len(piece_start) else np.zeros((0, 6))
    return _edges(np.frombuffer(refs, dtype=np.int64), np.frombuffer(lons), np.frombuffer(lats),
                  np.frombuffer(piece_start, dtype=np.int64), attrs, profile, geometry, area,
                  ways_read, ways_used, dict(skipped), outside)
