"""Place search (core/places.py, GET /map/search/?q=): regions of every level, registered places and incident
addresses, within the user's scope, ranked exact > prefix > contains."""

import pytest

from yingji.core.models import Region, User
from yingji.core.places import search
from yingji.core.security import issue_token
from yingji.resources.models import RescueForce, Shelter

pytestmark = pytest.mark.django_db


def names(results):
    return [r["name"] for r in results]


def test_region_ranked_exact_then_prefix_then_contains(demo):
    duty = User.objects.get(username="duty")
    results = search(duty, "回澜镇")
    assert results[0]["name"] == "回澜镇" and results[0]["kind_label"] == "乡级"
    assert results[0]["region"] == "乐至县" and results[0]["region_id"] == Region.objects.get(code="512022102").pk
    prefixed = names(results[1:])
    assert "回澜镇中心小学避难场所" in prefixed and "乐至县回澜镇消防救援站" in prefixed
    # prefix hits ("回澜镇…") before those that only contain it ("乐至县回澜镇…")
    assert prefixed.index("回澜镇中心小学避难场所") < prefixed.index("乐至县回澜镇消防救援站")
    kinds = {r["name"]: r["kind_label"] for r in results}
    assert kinds["回澜镇中心小学避难场所"] == "应急避难场所" and kinds["乐至县回澜镇消防救援站"] == "救援队伍"


def test_region_with_boundary_answers_its_bbox(demo):
    admin = User.objects.get(username="admin")
    lezhi = search(admin, "乐至县")[0]
    assert lezhi["name"] == "乐至县" and lezhi["kind_label"] == "县级"
    west, south, east, north = lezhi["bbox"]
    assert 104.7 < west < 104.85 and 105.2 < east < 105.3 and 30.0 < south < 30.1 and 30.6 < north < 30.7
    assert search(admin, "512022")[0]["name"] == "乐至县"  # by code too


def test_township_user_finds_nothing_of_another_township(demo):
    tianchi = User.objects.get(username="township")  # 天池街道
    assert search(tianchi, "回澜") == []
    assert Shelter.objects.filter(name__contains="回澜").exists()  # it exists, only not theirs
    assert RescueForce.objects.filter(name__contains="回澜").exists()
    own = search(tianchi, "天池")
    assert own and all(r["region"] in ("天池街道", "乐至县") for r in own)
    assert "天池街道" in names(own)
    huilan = User.objects.get(username="township2")
    assert "回澜镇中心小学避难场所" in names(search(huilan, "回澜"))
    assert not [r for r in search(huilan, "天池") if r["region"] == "天池街道"]


def test_incident_addresses_and_villages(demo, open_incident):
    duty = User.objects.get(username="duty")
    open_incident(address="回澜镇工业集中区纬二路18号")
    hit = next(r for r in search(duty, "纬二路") if r["kind"] == "incident")
    assert hit["kind_label"] == "事件" and hit["detail"] == "回澜镇工业集中区纬二路18号"
    lezhi = Region.objects.get(code="512022102")
    from yingji.core import services

    village = services.save_region(None, Region(), {"parent": lezhi, "name": "安乐村", "code": "512022102201",
                                                    "level": "village", "longitude": 105.128, "latitude": 30.231})
    found = search(duty, "安乐村")
    assert found[0]["name"] == "安乐村" and found[0]["kind_label"] == "村级" and found[0]["region"] == "回澜镇"
    assert found[0]["region_id"] == village.pk


def test_endpoint_json_login_token_and_limits(demo, web, client):
    body = web("township2").get("/map/search/", {"q": "回澜"}).json()
    assert body["results"] and {"name", "kind_label", "region", "lon", "lat", "bbox", "url"} <= set(body["results"][0])
    assert web("township").get("/map/search/", {"q": "回澜"}).json()["results"] == []
    assert web("duty").get("/map/search/", {"q": ""}).json()["results"] == []
    assert len(web("duty").get("/map/search/", {"q": "镇", "limit": 3}).json()["results"]) == 3
    assert web("duty").get("/map/search/", {"q": "镇" * 65}).status_code == 400
    assert web("duty").get("/map/search/", {"q": "镇", "limit": "x"}).status_code == 400
    assert client.get("/map/search/", {"q": "回澜"}).status_code == 401
    token = issue_token(User.objects.get(username="township2"))
    answer = client.get("/map/search/", {"q": "回澜"}, HTTP_AUTHORIZATION=f"Token {token.key}")
    assert answer.status_code == 200 and answer.json()["results"]


def test_exact_name_first_even_among_many_that_contain_it(demo):
    """More records contain the query than a source reads (PER_SOURCE): the exact and prefix ones still come
    first (they are picked in SQL, not from an arbitrary first batch)."""
    from decimal import Decimal

    from yingji.core.places import PER_SOURCE

    huilan = Region.objects.get(code="512022102")
    common = {"type": "emergency", "region": huilan, "longitude": 105.12, "latitude": 30.23,
              "effective_area_m2": Decimal("100")}
    Shelter.objects.bulk_create([Shelter(name=f"一{i:02d}号安乐村避难点", **common) for i in range(PER_SOURCE + 5)])
    Shelter.objects.create(name="安乐村避难点", **common)
    Shelter.objects.create(name="安乐村避难点（二）", **common)
    results = search(User.objects.get(username="duty"), "安乐村避难点", limit=5)
    assert names(results)[:2] == ["安乐村避难点", "安乐村避难点（二）"]
    assert names(results)[2].startswith("一")
