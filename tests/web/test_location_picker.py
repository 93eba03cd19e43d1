"""The click-to-place map under every form with longitude/latitude (core/object_form.html, web/locpicker.js)."""

import json
import re

import pytest

from yingji.core.models import Region

pytestmark = pytest.mark.django_db


def picker_config(response):
    match = re.search(r'<script id="location-picker-config" type="application/json">(.*?)</script>',
                      response.content.decode(), re.S)
    return json.loads(match.group(1)) if match else None


def test_forms_with_coordinates_get_the_location_picker(demo, web, settings):
    response = web("township").get("/incidents/add/")
    config = picker_config(response)
    assert config["places_url"] == "/api/regions/layer/" and config["locate_url"] == "/api/regions/locate/"
    west, south, east, north = config["extent"]  # the township's own area, not the county's
    tianchi = Region.objects.get(code="512022001")
    assert west <= tianchi.longitude <= east and south <= tianchi.latitude <= north
    assert east - west < 0.1
    assert "example" not in response.headers.get("Content-Security-Policy", "")
    assert picker_config(web("admin").get("/organisations/add/")) is None  # no coordinates, no map
    settings.YINGJI_MAP_TILES = "https://tiles.example.gov.cn/{z}/{x}/{y}.png"
    response = web("admin").get("/shelters/add/")
    assert picker_config(response)["tiles"]["url"] == settings.YINGJI_MAP_TILES
    assert "img-src 'self' https://tiles.example.gov.cn" in response.headers["Content-Security-Policy"]
