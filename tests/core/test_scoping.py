"""A township user must not read or change another township's records: by UI, API, export or guessed id."""

import io

import pytest
from openpyxl import load_workbook

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
    user = User.objects.get(username="township")
    user.groups.add(*User.objects.get(username="admin").groups.all())
    return user


def test_scope_sees_own_region_and_below_only(demo):
    township = User.objects.get(username="township")
    county = User.objects.get(username="duty")
    assert list(scope(Region.objects.all(), township).values_list("code", flat=True)) == [OWN]
    assert scope(Region.objects.filter(level="township"), county).count() == 21
    assert not scope(Region.objects.all(), county).filter(code="512002").exists()  # 雁江区 is a sibling
    nobody = User.objects.create(username="noregion")
    assert scope(Region.objects.all(), nobody).count() == 0


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
    names = [r["name"] for r in client.get("/api/organisations/?page_size=500").json()["results"]]
    assert names == ["天池街道办事处"]
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
        assert values == (["天池街道办事处"] if column == 0 else ["天池街道"]), url


def test_county_user_sees_all_its_townships_but_not_the_neighbour_county(demo, api):
    client = api("duty")
    codes = {r["code"] for r in client.get("/api/regions/?level=township&page_size=100").json()["results"]}
    assert len(codes) == 21 and OTHER in codes
    yanjiang = Region.objects.get(code="512002")
    assert client.get(f"/api/regions/{yanjiang.pk}/").status_code == 404


def test_user_without_region_sees_nothing(demo, api):
    user = User.objects.create(username="lost")
    user.groups.add(*User.objects.get(username="duty").groups.all())
    client = api("lost")
    assert client.get("/api/regions/").json()["count"] == 0
    assert client.get("/api/organisations/").json()["count"] == 0


def test_moving_a_region_moves_its_subtree_in_scoping(demo):
    from yingji.core import services

    township = Region.objects.get(code=OTHER)
    village = services.save_region(None, Region(), {"parent": township, "name": "测试村", "code": "512022102001",
                                                    "level": "village"})
    zone = Region.objects.get(name="高新区")
    services.save_region(None, township, {"parent": zone, "code": None, "kind": "zone"})
    village.refresh_from_db()
    assert village.path.startswith(zone.path)
    duty = User.objects.get(username="duty")  # 乐至县 no longer contains it
    assert not scope(Region.objects.filter(pk=village.pk), duty).exists()
