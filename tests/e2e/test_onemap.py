"""The one-map (应急一张图) in a real browser: region scoping of what is drawn, layer toggles, popups,
server-side clusters, and the WGS84→GCJ-02 shift of overlays on GCJ-02 tiles."""

import pytest

from yingji.core import layers as core_layers
from yingji.core.models import User
from yingji.core.scoping import scope
from yingji.incidents.services import incidents
from yingji.resources.models import RescueForce, Shelter
from yingji.standards.coordinates import wgs84_to_gcj02

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "body[data-onemap-ready='1']"


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


@pytest.fixture(autouse=True)
def _no_session_writes_per_request(settings):
    """The map fetches its layers in parallel; the live server's threads share one in-memory SQLite
    connection, where concurrent session saves (SESSION_SAVE_EVERY_REQUEST) collide. Production databases
    (file SQLite in WAL mode, PostgreSQL) give each thread its own connection."""
    settings.SESSION_SAVE_EVERY_REQUEST = False


@pytest.fixture(autouse=True)
def _no_timed_refresh(settings):
    """Tests that click markers want the map still; test_map_updates_without_reload turns it back on."""
    settings.YINGJI_MAP_REFRESH_SECONDS = 0


def open_map(page, base, username):
    login(page, base, username)
    page.goto(f"{base}/map/")
    page.wait_for_selector(READY, state="attached")


def drawn_ids(page, key):
    return set(page.evaluate(f"YingjiOneMap.visibleFeatures('{key}').map(f => f.id)"))


def test_township_user_sees_only_own_points(demo, live_server, page, screenshot):
    open_map(page, live_server.url, "township")
    township = User.objects.get(username="township")
    forces = drawn_ids(page, "forces_fire") | drawn_ids(page, "forces_professional") | drawn_ids(page, "forces_local")
    mine = set(scope(RescueForce.objects.exclude(longitude=None), township)
               .exclude(type__in=["social", "military"]).values_list("pk", flat=True))
    assert forces and forces <= mine
    assert not forces & set(RescueForce.objects.exclude(pk__in=mine).values_list("pk", flat=True))
    shelters = drawn_ids(page, "shelters")
    assert shelters == set(scope(Shelter.objects.all(), township).values_list("pk", flat=True))
    assert len(shelters) < Shelter.objects.count()
    count = page.locator("[data-testid=count-shelters]").inner_text()
    assert count == str(len(shelters))
    screenshot("township")


def test_toggles_popup_and_clusters(demo, live_server, page, screenshot, monkeypatch):
    open_map(page, live_server.url, "duty")
    assert page.evaluate("YingjiOneMap.map.hasLayer(YingjiOneMap.layers.forces_local.group)")
    before = len(drawn_ids(page, "forces_local"))
    assert before > 0
    page.get_by_test_id("toggle-forces_local").uncheck()
    assert not page.evaluate("YingjiOneMap.map.hasLayer(YingjiOneMap.layers.forces_local.group)")
    assert page.get_by_test_id("count-forces_local").inner_text() == "–"
    page.get_by_test_id("toggle-forces_local").check()
    page.wait_for_selector(READY, state="attached")
    assert len(drawn_ids(page, "forces_local")) == before
    page.get_by_test_id("toggle-hydrants").check()
    page.wait_for_selector(READY, state="attached")
    assert int(page.get_by_test_id("count-hydrants").inner_text()) > 0

    # Leave the shelters alone on the map and click one: its popup has the key facts and a link.
    for box in page.locator(".onemap-layer input[type=checkbox]").all():
        if box.get_attribute("value") != "shelters":
            box.uncheck()
    page.evaluate("""() => YingjiOneMap.map.setView(YingjiOneMap.layers.shelters.group.getLayers()[0].getLatLng(),
                                                    14, {animate: false})""")
    page.wait_for_selector(READY, state="attached")
    point = page.evaluate("""() => {
        const m = YingjiOneMap.layers.shelters.group.getLayers()[0];
        const p = YingjiOneMap.map.latLngToContainerPoint(m.getLatLng());
        const r = document.getElementById('onemap-map').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y, m.feature.properties.url];
    }""")
    page.mouse.click(point[0], point[1])
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for()
    assert "容纳人数" in popup.inner_text()
    assert popup.get_by_role("link", name="查看详情 →").get_attribute("href") == point[2]
    page.wait_for_timeout(300)  # the popup's fade-in
    screenshot("popup")

    # Dense layers come back as numbered grid clusters; clicking one zooms in.
    monkeypatch.setattr(core_layers, "CLUSTER_THRESHOLD", 3)
    page.evaluate("YingjiOneMap.map.setZoom(9, {animate: false})")
    page.wait_for_selector(".onemap-cluster")
    page.wait_for_selector(READY, state="attached")
    assert "聚合" in page.get_by_test_id("count-shelters").inner_text()
    zoom = page.evaluate("YingjiOneMap.map.getZoom()")
    page.locator(".onemap-cluster").first.click()
    for _ in range(40):  # the zoom animates (wait_for_function would need eval, which the CSP forbids)
        if page.evaluate("YingjiOneMap.map.getZoom()") == zoom + 2:
            break
        page.wait_for_timeout(50)
    assert page.evaluate("YingjiOneMap.map.getZoom()") == zoom + 2
    screenshot("clusters")


def test_gcj02_tiles_shift_overlays(demo, live_server, page, screenshot, settings):
    # A tile server of our own (any image answers; the test is about the overlays' coordinates).
    settings.YINGJI_MAP_TILES = f"{live_server.url}/static/web/favicon.svg?z={{z}}&x={{x}}&y={{y}}"
    settings.YINGJI_MAP_TILES_CRS = "gcj02"
    open_map(page, live_server.url, "duty")
    points = [(105.031, 30.283), (116.397, 39.909), (121.4737, 31.2304), (87.6, 43.8), (2.35, 48.85)]
    for lon, lat in points:
        js = page.evaluate(f"YingjiCoordinates.wgs84ToGcj02({lon}, {lat})")
        py = wgs84_to_gcj02(lon, lat)
        assert abs(js[0] - float(py[0])) < 1e-9 and abs(js[1] - float(py[1])) < 1e-9
        back = page.evaluate(f"YingjiCoordinates.gcj02ToWgs84({js[0]}, {js[1]})")
        assert abs(back[0] - lon) < 1e-8 and abs(back[1] - lat) < 1e-8
    drawn = page.evaluate("""() => {
        const m = YingjiOneMap.layers.shelters.group.getLayers()[0];
        return [m.feature.geometry.coordinates, [m.getLatLng().lng, m.getLatLng().lat]];
    }""")
    (lon, lat), (map_lon, map_lat) = drawn
    shifted = wgs84_to_gcj02(lon, lat)
    assert abs(map_lon - float(shifted[0])) < 1e-9 and abs(map_lat - float(shifted[1])) < 1e-9
    assert abs(map_lon - lon) > 1e-3  # a visible shift (≈ hundreds of metres in Sichuan)
    assert "GCJ-02" in page.locator(".onemap-panel").inner_text()
    screenshot("gcj02")


def test_map_updates_without_reload(demo, live_server, page, screenshot, settings):
    settings.YINGJI_MAP_REFRESH_SECONDS = 1
    open_map(page, live_server.url, "duty")
    page.evaluate("window.__marker = 'no reload'")
    duty = User.objects.get(username="duty")
    incident = incidents.create_incident(duty, {"title": "童家镇山林火情", "source": "duty_phone", "event_code": "11G01",
                                                "longitude": 105.05, "latitude": 30.23})
    for _ in range(80):
        if incident.pk in drawn_ids(page, "incidents_active"):
            break
        page.wait_for_timeout(100)
    assert incident.pk in drawn_ids(page, "incidents_active")
    assert page.evaluate("window.__marker") == "no reload"
    assert "更新于" in page.get_by_test_id("onemap-updated").inner_text()
    screenshot("live")
