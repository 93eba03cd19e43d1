"""The one-map (应急一张图): layers collected from the apps, server-side thinning, region scoping, tiles."""

import json
import re

import numpy as np
import pytest
from django.test import Client

from yingji.core import layers as core_layers
from yingji.core.layers import Layer, grid_clusters
from yingji.core.models import Region, User
from yingji.core.scoping import scope
from yingji.resources.models import Hydrant, RescueForce, Shelter, Vehicle, Warehouse
from yingji.web import onemap

pytestmark = pytest.mark.django_db

COUNTY_BBOX = "104.5,29.9,105.6,30.7"


def test_registry_collects_layers_from_every_app():
    keys = {layer.key for layer in onemap.all_layers()}
    assert {"region_boundaries", "region_centres", "forces_fire", "vehicles", "warehouses", "shelters", "hydrants",
            "incidents_active", "incidents_30d"} <= keys
    orders = [layer.order for layer in onemap.all_layers()]
    assert orders == sorted(orders)
    assert all(isinstance(layer, Layer) for layer in onemap.all_layers())


def test_layers_follow_permissions_and_resolve_urls(demo):
    admin = onemap.layers_for(User.objects.get(username="admin"))
    assert {layer["url"] for layer in admin} >= {"/api/forces/layer/", "/api/incidents/layer/",
                                                 "/api/regions/boundaries/", "/api/vehicles/layer/"}
    thirty = next(layer for layer in admin if layer["key"] == "incidents_30d")
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", thirty["params"]["since"])  # computed at page time
    nobody = User.objects.create_user("nomap", password="x-Y-12345678")
    assert onemap.layers_for(nobody) == []


def test_grid_clusters_counts_and_centroids(demo):
    rng = np.random.default_rng(1)
    region = Region.objects.get(code="512022001")
    RescueForce.objects.bulk_create(
        RescueForce(name=f"聚合测试{i}", type="social", region=region, longitude=105 + x * 0.01, latitude=30 + y * 0.01)
        for i, (x, y) in enumerate(rng.random((3000, 2))))
    points = RescueForce.objects.filter(name__startswith="聚合测试")
    coarse = grid_clusters(points, zoom=8)  # cells of ~0.35°: one cell, or a few at cell edges
    assert sum(f["properties"]["count"] for f in coarse) == 3000 and len(coarse) <= 4
    fine = grid_clusters(points, zoom=16)
    assert sum(f["properties"]["count"] for f in fine) == 3000 and len(fine) > len(coarse)
    assert all(f["properties"]["cluster"] for f in fine)
    if len(coarse) == 1:
        lon, lat = coarse[0]["geometry"]["coordinates"]
        assert abs(lon - 105.005) < 0.001 and abs(lat - 30.005) < 0.001
    assert grid_clusters(points.none(), 10) == []


def test_layer_thins_above_threshold_and_returns_points_below(demo, api, monkeypatch):
    client = api("admin")
    total = RescueForce.objects.exclude(longitude=None).count()
    plain = client.get(f"/api/forces/layer/?bbox={COUNTY_BBOX}").json()
    assert "clustered" not in plain and len(plain["features"]) == total  # /layer/ unchanged without zoom
    below = client.get(f"/api/forces/layer/?bbox={COUNTY_BBOX}&zoom=10").json()
    assert not below.get("clustered") and len(below["features"]) == total
    monkeypatch.setattr(core_layers, "CLUSTER_THRESHOLD", 5)
    above = client.get(f"/api/forces/layer/?bbox={COUNTY_BBOX}&zoom=10").json()
    assert above["clustered"] and above["total"] == total
    assert sum(f["properties"]["count"] for f in above["features"]) == total
    assert all(f["properties"]["cluster"] for f in above["features"])
    assert len(above["features"]) < total
    for zoom in ("abc", "inf", "23"):
        bad = client.get(f"/api/forces/layer/?bbox={COUNTY_BBOX}&zoom={zoom}")
        assert bad.status_code == 400 and "zoom" in bad.json()["error"]["fields"], zoom


@pytest.mark.parametrize("path, model", [
    ("/api/forces/layer/", RescueForce), ("/api/shelters/layer/", Shelter), ("/api/hydrants/layer/", Hydrant),
    ("/api/warehouses/layer/", Warehouse), ("/api/regions/layer/", Region),
])
def test_township_user_gets_only_own_township_on_every_layer(demo, api, path, model):
    township = User.objects.get(username="township")
    mine = set(scope(model.objects.exclude(longitude=None), township).values_list("pk", flat=True))
    everyone = set(model.objects.exclude(longitude=None).values_list("pk", flat=True))
    got = {f["id"] for f in api("township").get(f"{path}?bbox={COUNTY_BBOX}").json()["features"]}
    assert got == mine
    assert mine < everyone  # the county holds more than the township sees


def test_vehicle_layer_places_vehicles_at_their_station_and_is_scoped(demo, api):
    township = User.objects.get(username="township")
    features = api("township").get(f"/api/vehicles/layer/?bbox={COUNTY_BBOX}").json()["features"]
    assert {f["id"] for f in features} == set(scope(Vehicle.objects.all(), township)
                                              .exclude(station__longitude=None).values_list("pk", flat=True))
    everyone = api("admin").get("/api/vehicles/layer/").json()["features"]
    assert len(everyone) >= len(features) and everyone
    vehicle = Vehicle.objects.select_related("station").get(pk=everyone[0]["id"])
    assert everyone[0]["geometry"]["coordinates"] == [vehicle.station.longitude, vehicle.station.latitude]


def test_warehouse_layer_carries_stock_status(demo, api):
    features = api("admin").get("/api/warehouses/layer/").json()["features"]
    assert features and {f["properties"]["stock_status"] for f in features} <= {"ok", "short", "empty"}
    assert all("stock_status_label" in f["properties"] for f in features)


def test_region_boundaries_are_scoped_polygons(demo, api):
    region = Region.objects.get(code="512022001")  # 天池街道, the township user's home
    other = Region.objects.get(code="512022102")  # 回澜镇
    square = {"type": "Polygon", "coordinates": [[[105.0, 30.25], [105.06, 30.25], [105.06, 30.31],
                                                  [105.0, 30.31], [105.0, 30.25]]]}
    Region.objects.filter(pk=region.pk).update(boundary=square)
    Region.objects.filter(pk=other.pk).update(boundary={"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[105.1, 30.2], [105.15, 30.2], [105.15, 30.25], [105.1, 30.2]]]}})
    township = api("township").get("/api/regions/boundaries/").json()
    assert [f["id"] for f in township["features"]] == [region.pk]
    lezhi = Region.objects.get(code="512022")  # the county's real outline, shipped with the demo
    county = api("duty").get("/api/regions/boundaries/").json()
    assert {f["id"] for f in county["features"]} == {region.pk, other.pk, lezhi.pk}
    away = api("duty").get("/api/regions/boundaries/?bbox=105.12,30.15,105.2,30.22").json()
    assert {f["id"] for f in away["features"]} == {other.pk, lezhi.pk}


def test_page_renders_toggles_legends_and_config(demo, web):
    response = web("township").get("/map/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="toggle-forces_fire"' in html and "在岗" in html
    assert "/static/vendor/leaflet/leaflet.js" in html and "/static/web/onemap.js" in html
    assert not re.search(r"""(src|href)=["']https?://""", html)
    # The only script without src is the JSON data block (not executed, so CSP's script-src does not apply).
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", html) == ['<script id="onemap-config" type="application/json">']
    config = json.loads(re.search(r'<script id="onemap-config" type="application/json">(.*?)</script>', html,
                                  re.S).group(1))
    west, south, east, north = config["extent"]
    home = Region.objects.get(code="512022001")
    assert west <= home.longitude <= east and south <= home.latitude <= north
    assert east - west < 0.5  # the township, not the county
    assert {k: config["tiles"][k] for k in ("url", "crs", "attribution", "error")} == {
        "url": "", "crs": "wgs84", "attribution": "", "error": ""}
    assert config["search_url"] == "/map/search/"
    assert "应急一张图" in web("township").get("/").content.decode()  # nav entry
    for asset in ("/static/vendor/leaflet/leaflet.js", "/static/vendor/leaflet/leaflet.css",
                  "/static/vendor/leaflet/images/marker-icon.png", "/static/web/onemap.js", "/static/web/onemap.css"):
        served = web("township").get(asset)
        assert served.status_code == 200, asset  # from the django-leaflet wheel / the app: offline


def test_page_allows_configured_tiles_in_csp(demo, web, settings):
    settings.YINGJI_MAP_TILES = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk=K"
    settings.YINGJI_MAP_TILES_CRS = "GCJ02"
    response = web("duty").get("/map/")
    assert "img-src 'self' https://*.tianditu.gov.cn" in response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert '"crs": "gcj02"' in response.content.decode()
    assert core_layers.tile_source("http://10.1.2.3:8080/tiles/{z}/{x}/{y}.png") == "http://10.1.2.3:8080"
    assert core_layers.tile_source("") == ""


def test_region_parameter_is_scoped(demo, web):
    other = Region.objects.get(code="512022102")
    response = web("township").get(f"/map/?region={other.pk}")  # outside the township: ignored
    assert response.status_code == 200 and "回澜镇" not in response.content.decode().split("onemap-config")[1][:2000]


def test_force_layer_fast_path_matches_the_record_properties(demo, api):
    from yingji.resources.api import force_properties

    features = api("admin").get(f"/api/forces/layer/?bbox={COUNTY_BBOX}").json()["features"]
    assert features
    for feature in features:
        force = RescueForce.objects.get(pk=feature["id"])
        expected = force_properties(force)
        del expected["capabilities"]  # left out of the layer: its JSON decoding is the slowest part
        assert feature["properties"] == expected
        assert feature["geometry"]["coordinates"] == [force.longitude, force.latitude]


def test_roads_layer_only_with_an_imported_network(demo, web, road_network):
    duty = User.objects.get(username="duty")
    assert "roads" not in {layer["key"] for layer in onemap.layers_for(duty)}  # no network: no roads toggle
    assert web("duty").get("/map/roads/?bbox=105,30.2,105.2,30.3").json()["features"] == []
    nodes = {1: (105.10, 30.262), 2: (105.15, 30.262), 3: (105.15, 30.25), 4: (105.3, 30.25)}
    road_network("tiny", nodes, [(10, [1, 2, 3], {"highway": "secondary"}), (11, [3, 4], {"highway": "secondary"})])
    assert "roads" in {layer["key"] for layer in onemap.layers_for(duty)}
    data = web("duty").get("/map/roads/?bbox=105.0,30.2,105.2,30.3").json()
    lines = data["features"][0]["geometry"]["coordinates"]
    assert data["total"] == len(lines) >= 2  # the segments touching the bbox, each road once
    assert all(len(line) == 2 for line in lines)
    # A road crossing the view with both ends outside it is still drawn.
    crossing = web("duty").get("/map/roads/?bbox=105.2,30.24,105.25,30.26").json()
    assert crossing["features"][0]["geometry"]["coordinates"] == [[[105.15, 30.25], [105.3, 30.25]]]
    bad = web("duty").get("/map/roads/?bbox=1,2,3")
    assert bad.status_code == 400 and "bbox" in bad.json()["error"]["fields"]
    expired = Client().get("/map/roads/")  # the map's fetch gets JSON it can show, not the login page
    assert expired.status_code == 401 and "登录" in expired.json()["error"]["message"]


def test_allow_tiles_helper_for_other_map_pages():
    from django.http import HttpResponse

    response = core_layers.allow_tiles(HttpResponse(), "https://tiles.example.gov.cn/{z}/{x}/{y}.png")
    assert "img-src 'self' https://tiles.example.gov.cn" in response.headers["Content-Security-Policy"]
    assert "Content-Security-Policy" not in core_layers.allow_tiles(HttpResponse(), "").headers



def test_incident_layers_mark_drills_and_leave_out_duplicates(demo, web, open_incident):
    from yingji.incidents.models import Incident

    duty = User.objects.get(username="duty")
    thirty = next(layer for layer in onemap.layers_for(duty) if layer["key"] == "incidents_30d")
    kept, duplicate = open_incident(), open_incident(title="回澜镇储罐泄漏（重复报告）")
    Incident.objects.filter(pk=duplicate.pk).update(merged_into=kept)
    Incident.objects.filter(pk=kept.pk).update(is_drill=True)
    query = "&".join(f"{k}={v}" for k, v in thirty["params"].items())
    data = web("duty").get(f"{thirty['url']}?{query}&bbox={COUNTY_BBOX}").json()
    shown = {f["id"]: f["properties"] for f in data["features"]}
    assert duplicate.pk not in shown
    assert shown[kept.pk]["nature_label"] == "演练"
    assert shown[kept.pk]["links"] == [["指挥调度台 →", f"/incidents/{kept.pk}/board/"]]  # active: board link
    assert ["nature_label", "性质"] in thirty["popup"]
