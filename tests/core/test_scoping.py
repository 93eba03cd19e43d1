"""A township user must not read or change another township's records: by UI, API, export or guessed id."""

import io

import pytest
from openpyxl import load_workbook

from yingji.core import services
from yingji.core.models import Organisation, Region, User
from yingji.core.scoping import scope

pytestmark = pytest.mark.django_db

OWN, OTHER = "512022001", "512022102"  # 天池街道 (user "township"), 回澜镇


@pytest.fixture
def other_org(demo):
    return Organisation.objects.get(name="回澜镇人民政府")


@pytest.fixture
def township_writer(demo):
    """The township user, given write permissions too, so only scoping can stop them."""
    return services.save_user(None, User.objects.get(username="township"), {}, role_names=["乡镇用户", "管理员"])


@pytest.fixture
def lost(demo):
    """A 值班员 whose region is gone. The service insists on a region, so it is cleared afterwards,
    as a repair in the database might; scoping must then show nothing rather than everything."""
    user = services.save_user(None, User(username="lost"), {"region": Region.objects.get(code="512022")},
                              role_names=["值班员"], password="Lost#2026pass")
    User.objects.filter(pk=user.pk).update(region=None)
    return User.objects.get(pk=user.pk)


def test_scope_sees_own_region_and_below_only(demo, lost):
    township = User.objects.get(username="township")
    county = User.objects.get(username="duty")
    assert list(scope(Region.objects.all(), township).values_list("code", flat=True)) == [OWN]
    assert scope(Region.objects.filter(level="township"), county).count() == 21
    assert not scope(Region.objects.all(), county).filter(code="512002").exists()  # 雁江区 is a sibling
    assert scope(Region.objects.all(), lost).count() == 0


def test_ui_lists_and_search_hide_other_townships(demo, web):
    client = web("township")
    for url in ["/regions/", "/organisations/", "/regions/?q=回澜", "/organisations/?q=回澜", "/"]:
        html = client.get(url).content.decode()
        assert "回澜镇" not in html, url  # the search box echoes "回澜"; no record may appear
    assert "天池街道办事处" in client.get("/organisations/?q=天池").content.decode()


def test_ui_guessed_ids_are_404(demo, web, other_org, township_writer):
    client = web("township")
    other_region = Region.objects.get(code=OTHER)
    for url in [f"/regions/{other_region.pk}/", f"/regions/{other_region.pk}/edit/",
                f"/organisations/{other_org.pk}/", f"/organisations/{other_org.pk}/edit/",
                f"/organisations/{other_org.pk}/delete/"]:
        assert client.get(url).status_code == 404, url
    response = client.post(f"/organisations/{other_org.pk}/edit/", {"name": "改名", "type": "grassroots",
                                                                      "region": other_region.pk})
    assert response.status_code == 404
    assert client.post(f"/organisations/{other_org.pk}/delete/").status_code == 404
    assert Organisation.objects.filter(pk=other_org.pk, name="回澜镇人民政府").exists()


def test_ui_form_cannot_place_a_record_in_another_township(demo, web, township_writer):
    client = web("township")
    other_region = Region.objects.get(code=OTHER)
    response = client.post("/organisations/add/", {"name": "越界单位", "type": "department", "region": other_region.pk})
    assert response.status_code == 200  # the form again, with the choice refused
    assert "选择一个有效的选项" in response.content.decode()
    assert not Organisation.objects.filter(name="越界单位").exists()


def test_api_lists_details_and_writes_are_scoped(demo, api, other_org, township_writer):
    client = api("township")
    rows = client.get("/api/organisations/?page_size=500").json()["results"]
    # Its own unit, and those of the county and city above (units apply downwards, issue 12); no sibling's.
    assert [r["name"] for r in rows if r["region"] == Region.objects.get(code=OWN).pk] == ["天池街道办事处"]
    above = {r.pk for r in Region.objects.get(code=OWN).ancestors()}
    assert {r["region"] for r in rows} - above == {Region.objects.get(code=OWN).pk}
    assert [r["code"] for r in client.get("/api/regions/").json()["results"]] == [OWN]
    assert client.get("/api/organisations/?search=回澜").json()["count"] == 0
    url = f"/api/organisations/{other_org.pk}/"
    for response in (client.get(url), client.patch(url, {"name": "改名"}, format="json"), client.delete(url)):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
    other_region = Region.objects.get(code=OTHER)
    before = Organisation.objects.count()
    response = client.post("/api/organisations/", {"name": "越界单位", "type": "department",
                                                   "region": other_region.pk}, format="json")
    assert response.status_code == 400
    assert "region" in response.json()["error"]["fields"]
    assert Organisation.objects.count() == before
    assert client.get(f"/api/regions/{other_region.pk}/").status_code == 404


def test_api_cannot_move_own_record_into_another_township(demo, api, township_writer):
    client = api("township")
    own = Organisation.objects.get(name="天池街道办事处")
    other_region = Region.objects.get(code=OTHER)
    response = client.patch(f"/api/organisations/{own.pk}/", {"region": other_region.pk}, format="json")
    assert response.status_code == 400
    own.refresh_from_db()
    assert own.region.code == OWN


def test_exports_contain_only_own_township(demo, web):
    client = web("township")
    for url, column in (("/organisations/export.xlsx", 0), ("/regions/export.xlsx", 1)):
        response = client.get(url)
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        values = [row[column] for row in sheet.iter_rows(min_row=2, values_only=True)]
        if column == 0:  # units of the county and city above apply downwards (issue 12); no sibling's
            assert "天池街道办事处" in values and "回澜镇人民政府" not in values, url
        else:
            assert values == ["天池街道"], url


def test_county_user_sees_all_its_townships_but_not_the_neighbour_county(demo, api):
    client = api("duty")
    codes = {r["code"] for r in client.get("/api/regions/?level=township&page_size=100").json()["results"]}
    assert len(codes) == 21 and OTHER in codes
    yanjiang = Region.objects.get(code="512002")
    assert client.get(f"/api/regions/{yanjiang.pk}/").status_code == 404


def test_user_without_region_sees_nothing(lost, api):
    client = api("lost")
    assert client.get("/api/regions/").json()["count"] == 0
    assert client.get("/api/organisations/").json()["count"] == 0
    assert client.get("/api/regions/locate/?lon=105.12&lat=30.226").status_code == 404


def test_moving_a_region_moves_its_subtree_in_scoping(demo):
    township = Region.objects.get(code=OTHER)
    village = services.save_region(None, Region(), {"parent": township, "name": "测试村", "code": "512022102001",
                                                    "level": "village"})
    zone = Region.objects.get(name="高新区")
    services.save_region(None, township, {"parent": zone, "code": None, "kind": "zone"})
    village.refresh_from_db()
    assert village.path.startswith(zone.path)
    duty = User.objects.get(username="duty")  # 乐至县 no longer contains it
    assert not scope(Region.objects.filter(pk=village.pk), duty).exists()


def test_township_user_cannot_reach_the_county_above_either(demo, web, api):
    county = Region.objects.get(code="512022")
    assert web("township").get(f"/regions/{county.pk}/").status_code == 404
    assert api("township").get(f"/api/regions/{county.pk}/").status_code == 404
    children = api("township").get(f"/api/regions/?parent={county.pk}").json()["results"]
    assert [r["code"] for r in children] == [OWN]  # of the county's 21 children, only its own


def test_searched_export_stays_inside_the_region(demo, web):
    response = web("township").get("/organisations/export.xlsx?q=回澜")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == []
    county_rows = load_workbook(io.BytesIO(web("duty").get("/organisations/export.xlsx?q=回澜").content)).worksheets[0]
    assert [row[0] for row in county_rows.iter_rows(min_row=2, values_only=True)] == ["回澜镇人民政府"]


def test_township_writer_cannot_add_a_region_under_another_township(demo, api, township_writer):
    other = Region.objects.get(code=OTHER)
    before = Region.objects.count()
    response = api("township").post("/api/regions/", {"name": "越界村", "code": "512022102001", "level": "village",
                                                      "parent": other.pk}, format="json")
    assert response.status_code == 400
    assert "parent" in response.json()["error"]["fields"]
    assert Region.objects.count() == before
    own = api("township").post("/api/regions/", {"name": "本街道社区", "code": "512022001001", "level": "village",
                                                  "parent": Region.objects.get(code=OWN).pk}, format="json")
    assert own.status_code == 201, own.json()


def test_county_user_lists_all_townships_in_the_ui(demo, web):
    html = web("duty").get("/regions/?level=township").content.decode()
    for name in ("天池街道", "回澜镇", "双河场乡", "盛池镇"):
        assert name in html
    assert "莲花街道" not in html and "雁江区" not in html


def test_user_without_region_sees_nothing_in_the_ui_either(lost):
    from django.test import Client

    client = Client()
    client.force_login(lost)
    for url in ("/regions/", "/organisations/", "/regions/?q=乐至"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "乐至县" not in response.content.decode() and "天池街道" not in response.content.decode(), url
    sheet = load_workbook(io.BytesIO(client.get("/regions/export.xlsx").content)).worksheets[0]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == []


def test_services_refuse_out_of_region_writes_on_their_own(demo, township_writer):
    """The API and the forms filter choices already; the services must not rely on that (CLI, imports, tasks)."""
    from django.core.exceptions import ValidationError

    other_region = Region.objects.get(code=OTHER)
    before = Organisation.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.save_organisation(township_writer, Organisation(), {"name": "越界单位", "type": "department",
                                                                    "region": other_region})
    assert "不在您的管辖范围内" in caught.value.message_dict["region"][0]
    own = Organisation.objects.get(name="天池街道办事处")
    with pytest.raises(ValidationError):
        services.save_organisation(township_writer, own, {"region": other_region})
    with pytest.raises(ValidationError) as caught:  # nor hang its own unit under another township's
        services.save_organisation(township_writer, Organisation.objects.get(pk=own.pk),
                                   {"parent": Organisation.objects.get(name="回澜镇人民政府")})
    assert "parent" in caught.value.message_dict
    with pytest.raises(ValidationError):
        services.delete_organisation(township_writer, Organisation.objects.get(name="回澜镇人民政府"))
    with pytest.raises(ValidationError):
        services.save_region(township_writer, other_region, {"population": 1})
    assert Organisation.objects.count() == before
    assert Organisation.objects.get(pk=own.pk).region.code == OWN


def test_regions_load_without_their_boundary_and_read_it_on_demand(demo):
    """A region loads without its boundary (GeoJSON, up to ~50 KB to parse, rarely drawn); reading it costs one
    query of that field alone and keeps unsaved changes, so a save after a check of the boundary keeps them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    county = Region.objects.get(code="512022")
    assert county.get_deferred_fields() == {"boundary"}
    assert User.objects.get(username="duty").region.get_deferred_fields() == {"boundary"}
    county.name = "未保存的名称"
    with CaptureQueriesContext(connection) as queries:
        outline = county.boundary
    assert len(queries) == 1 and '"name"' not in queries[0]["sql"]
    assert outline["type"] in ("Feature", "Polygon", "MultiPolygon") and county.name == "未保存的名称"
    assert Region.objects.defer(None).get(pk=county.pk).get_deferred_fields() == set()


def test_joined_regions_come_without_their_boundary(demo):
    """select_related through any path to a Region defers that region's boundary, at every depth."""
    from yingji.core.scoping import joined_boundaries
    from yingji.incidents.models import InformationReport

    assert joined_boundaries(InformationReport, ["incident__region__parent", "incident__duty_officer__region"]) == [
        "incident__region__boundary", "incident__region__parent__boundary", "incident__duty_officer__region__boundary"]
    query = InformationReport.objects.select_related("incident__region").query
    assert query.deferred_loading == (frozenset({"incident__region__boundary"}), True)
    report = InformationReport.objects.select_related("incident__region").first()
    assert report.incident.region.get_deferred_fields() == {"boundary"}


def test_the_home_page_parses_no_boundary(web):
    """A boundary is 20–50 KB of GeoJSON: the home page names regions in every card and draws none of them."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = web("duty")
    client.get("/")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    assert [q["sql"][:80] for q in queries if '"boundary"' in q["sql"]] == []
