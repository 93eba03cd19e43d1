"""OSM PBF → directed road graph, with pyosmium (PyPI `osmium`).

Every node of a drivable way becomes a graph node (no contraction: snapping stays within a few tens of
metres of the point in towns, and route geometry needs no extra arrays). Edge lengths are great-circle
sums along the way's geometry; speeds come from the profile (class speed, urban or rural, or the
tagged maxspeed); `oneway=yes|true|1|-1|reverse|no`, roundabouts and motorways are respected.
"""

from __future__ import annotations

import json
import time
from array import array
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from .graph import EARTH_RADIUS_M, BuildReport, GraphError, RoadGraph, haversine_m, roads_dir
from .profile import Profile, area_hint, find_profile, load_profile, parse_maxspeed

Progress = Callable[[str, int, int | None], None]

FORWARD_VALUES = {"yes", "true", "1"}
BACKWARD_VALUES = {"-1", "reverse"}
BOTH_VALUES = {"no", "false", "0"}
SKIP_VALUES = {"reversible", "alternating"}
ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")  # most specific first
URBAN, RURAL = 1, 2


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


def _directions(tags, highway: str, respect_oneway: bool) -> tuple[bool, bool]:
    oneway = (tags.get("oneway") or "").strip().lower()
    if oneway in SKIP_VALUES:
        return False, False
    if not respect_oneway or oneway in BOTH_VALUES:
        return True, True
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
           ways_read, ways_used, skipped, outside) -> OsmEdges:
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

    # One graph node per OSM node: points are repeated where ways share a node.
    used_points = np.unique(np.concatenate([src, dst]))
    osm_id, first, inverse = np.unique(refs[used_points], return_index=True, return_inverse=True)
    point_to_node = np.full(n_points, -1, dtype=np.int64)
    point_to_node[used_points] = inverse
    # Every point of an OSM id maps to that id's node, also points not in any kept segment.
    return OsmEdges(osm_id=osm_id, lon=lons[used_points][first], lat=lats[used_points][first],
                    src=point_to_node[src], dst=point_to_node[dst], time_ms=time_ms, length_dm=length * 10.0,
                    urban=edge_urban, ways_read=ways_read, ways_used=ways_used, skipped=skipped,
                    segments_outside=outside)


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
    edges = read_osm(path, profile, bbox=bbox, polygon=polygon, area=area, progress=progress)
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
                                        meta=meta)
    if progress:
        progress("建图与强连通分量", 1, 1)
    graph.meta["import"] = {"ways_read": edges.ways_read, "ways_used": edges.ways_used,
                            "skipped_ways": edges.skipped, "segments_outside": edges.segments_outside,
                            "urban_share": round(urban_share, 4), "build": build.as_dict()}
    from .turns import import_hook  # turn restrictions (turns: TurnOptions or None for the defaults)

    turn_report = import_hook(graph, path, edges.osm_id[graph._kept_nodes], turns)
    graph.save(directory, osm_ids=edges.osm_id[graph._kept_nodes])
    if progress:
        progress("保存", 1, 1)
    return ImportReport(name=name, source=str(path), directory=str(directory),
                        seconds=round(time.perf_counter() - started, 3), ways_read=edges.ways_read,
                        ways_used=edges.ways_used, skipped_ways=edges.skipped, segments_outside=edges.segments_outside,
                        urban_share=round(urban_share, 4), graph=build, turns=turn_report)
