"""Finding a place on the maps in a real browser: the one-map's search box moves the map, the county outline is
drawn, and the intake's location picker fills 发生地区划 after a map click or a search pick."""

import pytest
from playwright.sync_api import expect

from yingji.core.models import Region

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

READY = "body[data-onemap-ready='1']"


@pytest.fixture(autouse=True)
def _quiet_map(settings):
    settings.SESSION_SAVE_EVERY_REQUEST = False  # parallel layer requests on the live server's shared SQLite
    settings.YINGJI_MAP_REFRESH_SECONDS = 0


def centre(page, name="YingjiOneMap"):
    return page.evaluate(f"(() => {{ const c = {name}.map.getCenter(); return [c.lng, c.lat, {name}.map.getZoom()]; }})()")


def search_and_pick(page, text):
    box = page.get_by_test_id("map-search")
    box.fill(text)
    page.wait_for_selector("[data-testid=map-search-results] li", state="visible")
    box.press("ArrowDown")  # keyboard only: the first hit, then Enter
    box.press("Enter")


def test_onemap_search_moves_the_map_and_boundaries_show(committed_demo, live_server, page, screenshot):
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector(READY, state="attached")
    assert int(page.get_by_test_id("count-region_boundaries").inner_text()) >= 1  # 乐至县 (was 0)
    drawn = page.evaluate("YingjiOneMap.visibleFeatures('region_boundaries').map(f => f.properties.name)")
    assert "乐至县" in drawn
    before = centre(page)
    screenshot("1366-before")
    search_and_pick(page, "回澜")
    expect(page.locator(".map-search")).to_have_attribute("data-picked", "回澜镇")
    page.wait_for_selector(READY, state="attached")
    huilan = Region.objects.get(code="512022102")
    lon, lat, zoom = centre(page)
    assert abs(lon - huilan.longitude) < 0.01 and abs(lat - huilan.latitude) < 0.01
    assert zoom > before[2] and (abs(lon - before[0]) > 0.02 or abs(lat - before[1]) > 0.02)
    assert page.get_by_test_id("map-search").input_value() == "回澜镇"
    screenshot("1366-after")

    # A region with a boundary: the map fits it (the county, at a zoom that shows all of it).
    search_and_pick(page, "乐至县")
    expect(page.locator(".map-search")).to_have_attribute("data-picked", "乐至县")
    bounds = page.evaluate("(() => { const b = YingjiOneMap.map.getBounds(); return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; })()")
    assert bounds[0] < 104.79 and bounds[2] > 105.26 and bounds[1] < 30.05 and bounds[3] > 30.62

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector(READY, state="attached")
    box = page.get_by_test_id("map-search")
    assert box.is_visible()
    assert box.bounding_box()["x"] + box.bounding_box()["width"] <= 390
    box.fill("回澜")
    page.wait_for_selector("[data-testid=map-search-results] li", state="visible")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("390-results")


def picker_point(page, lon, lat):
    """Page coordinates of a WGS84 point on the location picker."""
    spot = page.evaluate(f"(() => {{ const p = YingjiLocationPicker.map.latLngToContainerPoint("
                         f"YingjiLocationPicker.toMap({lon}, {lat})); return [p.x, p.y]; }})()")
    frame = page.get_by_test_id("location-picker").bounding_box()
    return frame["x"] + spot[0], frame["y"] + spot[1]


@pytest.mark.parametrize("width", [1366, 390])
def test_picker_click_and_search_fill_the_region_select(committed_demo, live_server, page, screenshot, width):
    page.set_viewport_size({"width": width, "height": 900})
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/incidents/add/")
    page.wait_for_selector("#location-picker[data-ready='1']", state="attached")
    tianchi, huilan = Region.objects.get(code="512022001"), Region.objects.get(code="512022102")
    assert page.eval_on_selector("#id_region", "s => s.selectedOptions[0].textContent.trim()") != "天池街道"
    expect(page.get_by_test_id("location-picker")).to_have_attribute("data-outlines", "1")  # 乐至县's outline

    page.get_by_test_id("location-picker").scroll_into_view_if_needed()
    x, y = picker_point(page, 105.033, 30.284)  # in 天池街道
    page.mouse.click(x, y)
    expect(page.locator("#id_region")).to_have_value(str(tianchi.pk))  # CSP forbids polling by eval
    assert page.eval_on_selector("#id_region", "s => s.selectedOptions[0].textContent.trim()").endswith("天池街道")
    assert abs(float(page.input_value("#id_longitude")) - 105.033) < 0.01  # a few pixels at the county view
    expect(page.get_by_test_id("picker-place")).to_contain_text("天池街道")
    screenshot("after-click")

    # A registered place from the search box: its point is chosen and its township set.
    search_and_pick(page, "回澜镇中心小学")
    expect(page.locator("#id_region")).to_have_value(str(huilan.pk))
    assert abs(float(page.input_value("#id_longitude")) - 105.119) < 1e-6
    assert abs(float(page.input_value("#id_latitude")) - 30.228) < 1e-6
    assert page.get_by_test_id("map-search-results").is_hidden()  # the list closes on a pick
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot("after-search")


def tile_range(z, west, south, east, north):
    import math

    def xy(lon, lat):
        n = 2 ** z
        return (int((lon + 180) / 360 * n),
                int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n))

    (x0, y0), (x1, y1) = xy(west, north), xy(east, south)
    return [(z, x, y) for x in range(x0, x1 + 1) for y in range(y0, y1 + 1)]


def test_onemap_draws_an_offline_mbtiles_base_map(committed_demo, live_server, page, screenshot, settings, tmp_path):
    """A tile package for the county (zooms 8–11, pale tiles with a grid line) set in YINGJI_MAP_TILES_FILE:
    the one-map loads its tiles from the app itself."""
    import io
    import sqlite3

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (256, 256), (236, 242, 230))
    ImageDraw.Draw(image).rectangle((0, 0, 255, 255), outline=(190, 200, 180))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    tiles = {key: buffer.getvalue() for z in range(8, 12) for key in tile_range(z, 104.6, 29.9, 105.4, 30.75)}
    path = tmp_path / "lezhi.mbtiles"
    with sqlite3.connect(path) as db:
        db.executescript("CREATE TABLE metadata (name TEXT, value TEXT); CREATE TABLE tiles (zoom_level INTEGER, "
                         "tile_column INTEGER, tile_row INTEGER, tile_data BLOB);")
        db.executemany("INSERT INTO metadata VALUES (?, ?)", [("format", "png"), ("minzoom", "8"), ("maxzoom", "11")])
        db.executemany("INSERT INTO tiles VALUES (?, ?, ?, ?)",
                       [(z, x, (1 << z) - 1 - y, data) for (z, x, y), data in tiles.items()])
    settings.YINGJI_MAP_TILES_FILE = str(path)
    settings.YINGJI_MAP_TILES = ""
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/map/")
    page.wait_for_selector(READY, state="attached")
    page.wait_for_selector("img.leaflet-tile-loaded", state="attached")
    sources = page.eval_on_selector_all("img.leaflet-tile-loaded", "imgs => imgs.map(i => i.getAttribute('src'))")
    assert sources and all(src.startswith("/map/tiles/") and src.endswith(".png") for src in sources)
    assert "未配置底图" not in page.content()
    screenshot("1366")
