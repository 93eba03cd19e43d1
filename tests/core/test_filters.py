"""One way to filter: the FilterSets shared by list pages, exports and the API answer a bad parameter with a
400 naming it (a Chinese message on pages), never a 500 and never the unfiltered list."""

import pytest

from yingji.core.models import Organisation, Region
from yingji.incidents.models import Incident
from yingji.resources.models import RescueForce

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"  # past SQLite's 64-bit integers: an OverflowError if it reaches the database


def _api_error(response, param):
    assert response.status_code == 400, (response.status_code, response.content[:300])
    body = response.json()["error"]
    assert body["code"] == "invalid"
    assert param in body["fields"], body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["fields"][param][0])
    return body


def _page_error(response):
    assert response.status_code == 400, response.status_code
    text = response.content.decode()
    assert "筛选条件有误" in text
    return text


# --- What the review found -------------------------------------------------------

@pytest.mark.parametrize("url", ["/forces/?region=abc", "/experts/?region=abc"])
def test_page_with_a_bad_region_is_a_chinese_message_not_a_500(demo, web, url):
    text = _page_error(web("duty").get(url))
    assert "区划" in text


def test_incident_api_refuses_bad_region_and_status_instead_of_listing_everything(demo, api, open_incident):
    open_incident()
    body = _api_error(api("duty").get("/api/incidents/?region=abc&status=bogus"), "region")
    assert "status" in body["fields"]


@pytest.mark.parametrize("url, param", [
    ("/api/forces/?status=bogus", "status"),
    ("/api/public-reports/?status=bogus", "status"),
    ("/api/organisations/?type=bogus", "type"),
    ("/api/experts/?region=abc", "region"),
])
def test_api_bad_choice_or_id_is_a_400_naming_the_parameter(demo, api, url, param):
    _api_error(api("duty").get(url), param)


def test_region_filter_includes_sub_regions_everywhere(demo, api):
    county = Region.objects.get(code="512022")
    in_townships = Organisation.objects.filter(region__path__startswith=county.path).exclude(region=county)
    assert in_townships.exists()
    ids = {row["id"] for row in api("admin").get(f"/api/organisations/?region={county.pk}&page_size=1000").json()[
        "results"]}
    assert set(in_townships.values_list("pk", flat=True)) <= ids
    forces = {row["id"] for row in api("admin").get(f"/api/forces/?region={county.pk}&page_size=1000").json()[
        "results"]}
    assert forces == set(RescueForce.objects.filter(region__path__startswith=county.path).values_list("pk", flat=True))


# --- The four 500s -------------------------------------------------------------------

def test_route_without_force_is_a_400(demo, api, open_incident):
    incident = open_incident()
    _api_error(api("duty").get(f"/api/incidents/{incident.pk}/route/"), "force")
    _api_error(api("duty").get(f"/api/incidents/{incident.pk}/route/?force={HUGE}"), "force")


@pytest.mark.parametrize("url, param", [
    (f"/api/incident-reports/?incident={HUGE}", "incident"),
    (f"/api/stock-movements/?warehouse={HUGE}", "warehouse"),
    (f"/api/stock-movements/?item=-{HUGE}", "item"),
    (f"/api/stock-levels/?near_expiry_days={HUGE}", "near_expiry_days"),
    ("/api/vehicles/lifecycle/?days=3000000", "days"),
])
def test_out_of_range_numbers_are_a_400(demo, api, url, param):
    _api_error(api("duty").get(url), param)


def test_lifecycle_page_with_huge_days_is_a_chinese_message(demo, web):
    response = web("duty").get("/vehicles/lifecycle/?days=3000000")
    assert response.status_code == 400
    assert "天数" in response.content.decode()


def test_a_good_filter_still_filters(demo, api, open_incident):
    incident = open_incident()
    rows = api("duty").get(f"/api/incidents/?status={incident.status}&page_size=1000").json()["results"]
    assert rows and {row["status"] for row in rows} == {incident.status}
    assert len(rows) == Incident.objects.filter(status=incident.status).count()
