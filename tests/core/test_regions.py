"""Regions: codes, levels, parents, coordinates and boundaries; bad input names the field and writes nothing."""

import pytest

from yingji.core.models import AuditEntry, Organisation, Region

pytestmark = pytest.mark.django_db


@pytest.fixture
def post_region(demo, api):
    client = api("admin")

    def post(**fields):
        counts = (Region.objects.count(), AuditEntry.objects.count())
        response = client.post("/api/regions/", fields, format="json")
        if response.status_code != 201:
            assert (Region.objects.count(), AuditEntry.objects.count()) == counts  # nothing half-written
        return response

    return post


def county():
    return Region.objects.get(code="512022").pk


def fields_of(response):
    assert response.status_code == 400, response.json()
    return response.json()["error"]["fields"]


def test_a_village_with_a_good_code_is_created(post_region):
    township = Region.objects.get(code="512022102").pk
    response = post_region(name="示例村", code="512022102001", level="village", parent=township,
                           longitude=105.12, latitude=30.23)
    assert response.status_code == 201, response.json()
    assert response.json()["full_name"] == "四川省 › 资阳市 › 乐至县 › 回澜镇 › 示例村"


@pytest.mark.parametrize("code, reason", [
    ("5120221X1", "只能由数字组成"),
    ("51202210", "应为 6 位"),
    ("512021120", "应以 512022 开头"),  # a 安岳县 township code under 乐至县
    ("512022", "是县级代码"),
])
def test_bad_township_codes(post_region, code, reason):
    fields = fields_of(post_region(name="测试镇", code=code, level="township", parent=county()))
    assert reason in fields["code"][0]


def test_duplicate_code_is_refused(post_region):
    fields = fields_of(post_region(name="重复", code="512022101", level="township", parent=county()))
    assert "code" in fields


def test_wrong_level_under_parent(post_region):
    city = Region.objects.get(code="512000").pk
    fields = fields_of(post_region(name="测试镇", code="512000101", level="township", parent=city))
    assert "只能设县级区划" in fields["level"][0]


def test_nothing_under_a_village(post_region):
    village = post_region(name="示例村", code="512022102001", level="village",
                          parent=Region.objects.get(code="512022102").pk).json()["id"]
    fields = fields_of(post_region(name="组", code="512022102001", level="village", parent=village))
    assert "村级区划之下" in fields["parent"][0]


def test_functional_zone_rules(post_region):
    city = Region.objects.get(code="512000").pk
    assert "功能区没有国家区划代码" in fields_of(
        post_region(name="新区", code="512099", level="county", kind="zone", parent=city))["code"][0]
    ok = post_region(name="新区", level="county", kind="zone", parent=city)
    assert ok.status_code == 201 and ok.json()["code"] is None


@pytest.mark.parametrize("lon, lat, field, reason", [
    (30.27, 105.02, "longitude", "似乎填反了"),  # swapped
    (140.0, 30.0, "longitude", "东经 73°～136°"),
    (105.0, 2.0, "latitude", "北纬 3°～54°"),
    (185.0, 30.0, "longitude", "-180～180"),
    (105.0, None, "latitude", "必须同时填写纬度"),
])
def test_suspicious_coordinates(post_region, lon, lat, field, reason):
    fields = fields_of(post_region(name="测试镇", code="512022199", level="township", parent=county(),
                                   longitude=lon, latitude=lat))
    assert reason in fields[field][0]


def test_outside_china_allowed_when_explicit(post_region):
    response = post_region(name="境外联络点", level="township", kind="zone", parent=county(),
                           longitude=140.0, latitude=30.0, allow_outside_china=True)
    assert response.status_code == 201, response.json()


def test_invalid_boundaries(post_region):
    bowtie = {"type": "Polygon", "coordinates": [[[105, 30], [105.1, 30.1], [105.1, 30], [105, 30.1], [105, 30]]]}
    assert "多边形无效" in fields_of(post_region(name="测试镇", code="512022199", level="township", parent=county(),
                                                  boundary=bowtie))["boundary"][0]
    point = {"type": "Point", "coordinates": [105, 30]}
    assert "Polygon 或 MultiPolygon" in fields_of(post_region(name="测试镇", code="512022199", level="township",
                                                               parent=county(), boundary=point))["boundary"][0]
    assert "不是有效的 GeoJSON" in fields_of(post_region(name="测试镇", code="512022199", level="township",
                                                          parent=county(), boundary={"type": "Polygon"}))["boundary"][0]


def test_several_errors_come_back_together(post_region):
    fields = fields_of(post_region(name="测试镇", code="512021199", level="township", parent=county(),
                                   longitude=205, latitude=30))
    assert {"code", "longitude"} <= set(fields)


def test_deleting_a_region_in_use_is_refused(demo, api):
    client = api("admin")
    township = Region.objects.get(code="512022102")  # has an organisation and users
    response = client.delete(f"/api/regions/{township.pk}/")
    assert response.status_code == 400
    assert "仍被其他记录" in response.json()["error"]["message"]
    assert Region.objects.filter(pk=township.pk).exists()
    parent_with_children = Region.objects.get(code="512022")
    assert client.delete(f"/api/regions/{parent_with_children.pk}/").status_code == 400


def test_deleting_an_unused_region_is_audited(demo, api):
    client = api("admin")
    village = client.post("/api/regions/", {"name": "临时村", "code": "512022102009", "level": "village",
                                            "parent": Region.objects.get(code="512022102").pk},
                          format="json").json()["id"]
    assert client.delete(f"/api/regions/{village}/").status_code == 204
    assert AuditEntry.objects.filter(model="core.region", object_id=str(village), action="delete").exists()


def test_gdp_per_year_through_the_api(demo, api):
    client = api("admin")
    county_pk = county()
    first = client.post("/api/region-gdp/", {"region": county_pk, "year": 2023, "gdp_wan": "2100000.00"},
                        format="json")
    assert first.status_code == 201, first.json()
    again = client.post("/api/region-gdp/", {"region": county_pk, "year": 2023, "gdp_wan": "2110000.00"},
                        format="json")
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]  # the year is corrected
    negative = client.post("/api/region-gdp/", {"region": county_pk, "year": 2024, "gdp_wan": "-1"}, format="json")
    assert "gdp_wan" in negative.json()["error"]["fields"]


def test_organisation_parent_cannot_be_itself(demo, api):
    org = Organisation.objects.get(name="乐至县水务局")
    response = api("admin").patch(f"/api/organisations/{org.pk}/", {"parent": org.pk}, format="json")
    assert "上级单位不能是本单位" in response.json()["error"]["fields"]["parent"][0]


def test_two_zones_without_a_code_can_coexist(post_region):
    city = Region.objects.get(code="512000").pk
    for name in ("东区", "西区"):  # the API sends "" for "no code"; it must not clash as a duplicate code
        response = post_region(name=name, code="", level="county", kind="zone", parent=city)
        assert response.status_code == 201, response.json()
        assert response.json()["code"] is None


def test_a_user_may_edit_their_own_region_but_not_move_it_out(demo, api):
    from yingji.core import services
    from yingji.core.models import User

    services.save_user(None, User.objects.get(username="duty"), {}, role_names=["值班员", "管理员"])
    client = api("duty")  # 乐至县; 资阳市 above is not theirs
    lezhi = Region.objects.get(code="512022")
    response = client.patch(f"/api/regions/{lezhi.pk}/", {"population": 480000}, format="json")
    assert response.status_code == 200, response.json()
    assert AuditEntry.objects.filter(model="core.region", object_id=str(lezhi.pk), action="update",
                                     actor__username="duty").get().changes["population"][1] == 480000
    zone = Region.objects.get(name="高新区")  # outside 乐至县
    moved = client.patch(f"/api/regions/{lezhi.pk}/", {"parent": zone.pk}, format="json")
    assert moved.status_code == 400 and "parent" in moved.json()["error"]["fields"]
    lezhi.refresh_from_db()
    assert lezhi.parent.code == "512000"


def test_deleting_a_region_with_children_only_is_refused(demo, api):
    from yingji.core import services

    zone = services.save_region(None, Region(), {"name": "空港片区", "kind": "zone", "level": "township",
                                                 "parent": Region.objects.get(name="临空经济区")})
    services.save_region(None, Region(), {"name": "一号地块", "kind": "zone", "level": "village", "parent": zone})
    assert not zone.organisations.exists() and not zone.users.exists()
    before = (Region.objects.count(), AuditEntry.objects.filter(action="delete").count())
    response = api("admin").delete(f"/api/regions/{zone.pk}/")
    assert response.status_code == 400
    assert response.json()["error"]["message"] == "“空港片区”仍被其他记录（行政区划）引用，不能删除。"
    assert (Region.objects.count(), AuditEntry.objects.filter(action="delete").count()) == before


def test_deleting_through_the_web_page_shows_the_reason(demo, web):
    township = Region.objects.get(code="512022102")
    client = web("admin")
    response = client.post(f"/regions/{township.pk}/delete/", follow=True)
    assert "仍被其他记录" in response.content.decode()
    assert Region.objects.filter(pk=township.pk).exists()


def test_moving_a_subtree_carries_paths_and_scoping(demo, api):
    from yingji.core import services

    park = services.save_region(None, Region(), {"name": "测试园区", "kind": "zone", "level": "township",
                                                 "parent": Region.objects.get(name="高新区")})
    plot = services.save_region(None, Region(), {"name": "一号地块", "kind": "zone", "level": "village",
                                                 "parent": park})
    duty = api("duty")  # 乐至县
    assert duty.get(f"/api/regions/{plot.pk}/").status_code == 404
    lezhi = Region.objects.get(code="512022")
    response = api("admin").patch(f"/api/regions/{park.pk}/", {"parent": lezhi.pk}, format="json")
    assert response.status_code == 200, response.json()
    plot.refresh_from_db()
    assert plot.path == f"{lezhi.path}{park.pk}/{plot.pk}/"
    assert duty.get(f"/api/regions/{plot.pk}/").json()["full_name"] == "四川省 › 资阳市 › 乐至县 › 测试园区 › 一号地块"
    assert AuditEntry.objects.get(model="core.region", object_id=str(park.pk), action="update").changes == {
        "parent": [Region.objects.get(name="高新区").pk, lezhi.pk]}


def test_a_region_with_children_keeps_its_level(demo, api):
    from yingji.core import services

    park = services.save_region(None, Region(), {"name": "测试园区", "kind": "zone", "level": "township",
                                                 "parent": Region.objects.get(name="高新区")})
    services.save_region(None, Region(), {"name": "一号地块", "kind": "zone", "level": "village", "parent": park})
    township = Region.objects.get(code="512022001")
    # As a village-level zone under 天池街道 it would leave 一号地块 a village under a village.
    response = api("admin").patch(f"/api/regions/{park.pk}/", {"parent": township.pk, "level": "village"},
                                  format="json")
    assert response.status_code == 400 and "下级区划" in response.json()["error"]["fields"]["level"][0]
    park.refresh_from_db()
    assert (park.level, park.parent.name) == ("township", "高新区")


def test_real_points_near_the_pole_are_allowed_when_explicit(post_region):
    # Longyearbyen, Svalbard (15.6°E, 78.2°N) looks like swapped Chinese coordinates.
    refused = post_region(name="科考站", level="township", kind="zone", parent=county(), longitude=15.6,
                          latitude=78.2)
    assert "似乎填反了" in fields_of(refused)["longitude"][0]
    allowed = post_region(name="科考站", level="township", kind="zone", parent=county(), longitude=15.6,
                          latitude=78.2, allow_outside_china=True)
    assert allowed.status_code == 201, allowed.json()


def test_the_web_form_shows_the_reason_and_writes_nothing(demo, web):
    client = web("admin")  # the login itself is in the trail
    before = (Region.objects.count(), AuditEntry.objects.count())
    response = client.post("/regions/add/", {
        "parent": county(), "name": "测试镇", "code": "512021199", "level": "township", "kind": "division",
        "longitude": "140", "latitude": "30",
    })
    assert response.status_code == 200
    html = response.content.decode()
    assert "应以 512022 开头" in html and "东经 73°～136°" in html
    assert (Region.objects.count(), AuditEntry.objects.count()) == before


def test_centres_layer_reads_no_boundary(demo, api):
    """The one-map's region-centre layer is fetched on every view change: it answers names and points, so it must
    not read the GeoJSON boundaries (资阳市 ~48 KB, 乐至县 ~20 KB, and each township's parent's again)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = api("leader")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/regions/layer/?bbox=104.78,30.04,105.27,30.64&zoom=10")
    names = {feature["properties"]["name"] for feature in response.json()["features"]}
    assert response.status_code == 200 and {"乐至县", "回澜镇"} <= names
    layer_queries = [q["sql"] for q in queries.captured_queries  # the layer's own (bbox) query, not the user's region
                     if 'FROM "core_region"' in q["sql"] and '"core_region"."longitude" <=' in q["sql"]]
    assert layer_queries and not [sql for sql in layer_queries if '"boundary"' in sql], layer_queries
