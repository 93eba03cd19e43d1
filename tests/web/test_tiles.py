"""Offline base map (YINGJI_MAP_TILES_FILE): the app serves the tiles of an MBTiles or PMTiles file at
/map/tiles/<z>/<x>/<y>.<ext>, and every map page (one-map, location picker, command board) uses them."""

import io
import json
import re
import sqlite3

import pytest
from PIL import Image

from yingji.core import layers
from yingji.core.middleware import CSP

pytestmark = pytest.mark.django_db


def png(colour) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (256, 256), colour).save(buffer, "PNG")
    return buffer.getvalue()


# Tile 12/3243/1690 (XYZ, from the north) covers 乐至县's seat; MBTiles stores its row from the south.
Z, X, Y = 12, 3243, 1690


def make_mbtiles(path, fmt="png", tiles=None):
    connection = sqlite3.connect(path)
    connection.executescript("CREATE TABLE metadata (name TEXT, value TEXT);"
                             "CREATE TABLE tiles (zoom_level INTEGER, tile_column INTEGER, tile_row INTEGER, tile_data BLOB);")
    connection.executemany("INSERT INTO metadata VALUES (?, ?)", [
        ("name", "乐至县"), ("format", fmt), ("minzoom", "10"), ("maxzoom", "12"),
        ("attribution", "© 测试底图"), ("bounds", "104.78,30.04,105.27,30.63")])
    for (z, x, y), data in (tiles or {}).items():
        connection.execute("INSERT INTO tiles VALUES (?, ?, ?, ?)", (z, x, (1 << z) - 1 - y, data))
    connection.commit()
    connection.close()
    return path


@pytest.fixture
def mbtiles(demo, tmp_path, settings):
    red, blue = png("red"), png("blue")
    path = make_mbtiles(tmp_path / "lezhi.mbtiles", tiles={(Z, X, Y): red, (Z, X, Y + 1): blue})
    settings.YINGJI_MAP_TILES_FILE = str(path)
    settings.YINGJI_MAP_TILES = ""
    return red, blue


def test_mbtiles_served_with_tms_flip_etag_and_caching(mbtiles, web):
    red, blue = mbtiles
    client = web("duty")
    response = client.get(f"/map/tiles/{Z}/{X}/{Y}.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content == red  # row flipped: XYZ y=1690 is TMS row 4095-1690
    assert client.get(f"/map/tiles/{Z}/{X}/{Y + 1}.png").content == blue
    assert "max-age=" in response["Cache-Control"] and "private" in response["Cache-Control"]
    again = client.get(f"/map/tiles/{Z}/{X}/{Y}.png", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and not again.content
    assert client.get(f"/map/tiles/{Z}/{X}/{Y + 1}.png")["ETag"] != response["ETag"]


def test_missing_wrong_and_off_grid_tiles_are_404(mbtiles, web):
    client = web("duty")
    assert client.get(f"/map/tiles/{Z}/{X + 5}/{Y}.png").status_code == 404  # not in the file
    assert client.get(f"/map/tiles/{Z}/{X}/{Y}.jpg").status_code == 404  # the file holds png
    assert client.get("/map/tiles/2/9/0.png").status_code == 404  # x beyond 2^z


def test_tiles_need_a_login_like_the_map(mbtiles, client):
    response = client.get(f"/map/tiles/{Z}/{X}/{Y}.png")
    assert response.status_code == 401 and not response.content.startswith(b"\x89PNG")


def test_no_file_configured_no_tiles(demo, web, settings):
    settings.YINGJI_MAP_TILES_FILE = ""
    assert web("duty").get(f"/map/tiles/{Z}/{X}/{Y}.png").status_code == 404


def config_of(response, node_id):
    match = re.search(rf'<script id="{node_id}" type="application/json">(.*?)</script>', response.content.decode(), re.S)
    return json.loads(match.group(1))


def test_map_pages_use_the_file_as_base_map(mbtiles, web, open_incident):
    expected = "/map/tiles/{z}/{x}/{y}.png"
    tiles = layers.tile_settings()
    assert tiles["url"] == expected and (tiles["min_zoom"], tiles["max_zoom"]) == (10, 12)
    assert tiles["attribution"] == "© 测试底图"
    client = web("duty")
    response = client.get("/map/")
    assert config_of(response, "onemap-config")["tiles"]["url"] == expected
    assert "未配置底图" not in response.content.decode()
    assert config_of(client.get("/incidents/add/"), "location-picker-config")["tiles"]["url"] == expected
    incident = open_incident()
    board = client.get(f"/incidents/{incident.pk}/board/")
    assert config_of(board, "board-map-config")["tiles"]["url"] == expected
    assert response.headers["Content-Security-Policy"] == CSP  # same origin: no extra image source allowed


def test_vector_or_missing_file_leaves_no_base_map_and_says_why(demo, tmp_path, settings, web):
    settings.YINGJI_MAP_TILES = ""
    settings.YINGJI_MAP_TILES_FILE = str(make_mbtiles(tmp_path / "vector.mbtiles", fmt="pbf"))
    tiles = layers.tile_settings()
    assert tiles["url"] == "" and "矢量瓦片" in tiles["error"]
    assert "矢量瓦片" in web("duty").get("/map/").content.decode()
    settings.YINGJI_MAP_TILES_FILE = str(tmp_path / "nowhere.mbtiles")
    assert "找不到瓦片文件" in layers.tile_settings()["error"]


def test_pmtiles_file(demo, tmp_path, settings, web):
    from pmtiles.tile import Compression, TileType, zxy_to_tileid
    from pmtiles.writer import write

    green = png("green")
    path = tmp_path / "lezhi.pmtiles"
    with write(str(path)) as writer:
        writer.write_tile(zxy_to_tileid(Z, X, Y), green)
        writer.finalize({"tile_type": TileType.PNG, "tile_compression": Compression.NONE,
                         "min_lon_e7": int(104.78e7), "min_lat_e7": int(30.04e7), "max_lon_e7": int(105.27e7),
                         "max_lat_e7": int(30.63e7), "center_zoom": Z, "center_lon_e7": int(105.03e7),
                         "center_lat_e7": int(30.28e7)}, {"attribution": "© PMTiles 测试"})
    settings.YINGJI_MAP_TILES = ""
    settings.YINGJI_MAP_TILES_FILE = str(path)
    client = web("duty")
    response = client.get(f"/map/tiles/{Z}/{X}/{Y}.png")
    assert response.status_code == 200 and response.content == green
    assert client.get(f"/map/tiles/{Z}/{X}/{Y + 1}.png").status_code == 404
    assert layers.tile_settings()["attribution"] == "© PMTiles 测试"
