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


# --- Every list route and every list page, generated ---------------------------------------

def _api_lists():
    from yingji.urls import router

    for prefix, viewset, _ in router.registry:
        if hasattr(viewset, "list") and getattr(viewset, "filterset_class", None):
            yield pytest.param(f"/api/{prefix}/", viewset.filterset_class, id=prefix)


def _list_pages():
    from yingji.core.checks import routed_views
    from yingji.core.generic import FilterSetMixin

    for route, view in routed_views():
        if issubclass(view, FilterSetMixin) and "<" not in route:
            yield pytest.param(route, view.filterset_class, id=route)


def _bad_params(filterset_class):
    """(param, bad value) per kind of filter the FilterSet has: a region, an out-of-range integer, a choice."""
    from django_filters import ChoiceFilter

    from yingji.core.filtersets import DaysFilter, IdFilter, IntegerFilter, RegionFilter

    filters = filterset_class.base_filters
    bad = []
    if "region" in filters:
        assert isinstance(filters["region"], RegionFilter)
        bad.append(("region", "abc"))
    numbers = [name for name, f in filters.items() if isinstance(f, (IdFilter, IntegerFilter, DaysFilter))]
    bad += [(name, value) for name in numbers[:2] for value in (HUGE, f"-{HUGE}")]
    choices = [name for name, f in filters.items() if isinstance(f, ChoiceFilter)]
    bad += [(name, "bogus") for name in choices[:2]]
    return bad


def test_every_list_route_and_page_has_a_filterset():
    from yingji.urls import router

    public = {"roles", "notifications"}  # a fixed list of groups; the bell's summary (one object, not records)
    missing = [prefix for prefix, viewset, _ in router.registry
               if hasattr(viewset, "list") and not getattr(viewset, "filterset_class", None) and prefix not in public]
    assert missing == []
    assert [p.id for p in _list_pages() if p.values[1] is None] == []


@pytest.mark.parametrize("url, filterset_class", list(_api_lists()))
def test_every_api_list_refuses_bad_parameters(demo, api, url, filterset_class):
    client = api("admin")
    bad = _bad_params(filterset_class)
    assert bad, "a FilterSet without a region, number or choice filter: add one or extend this test"
    for param, value in bad:
        response = client.get(url, {param: value})
        assert response.status_code == 400, (url, param, value, response.status_code)
        _api_error(response, param)


@pytest.mark.parametrize("url, filterset_class", list(_list_pages()))
def test_every_list_page_and_export_refuses_bad_parameters(demo, web, url, filterset_class):
    client = web("admin")
    for param, value in _bad_params(filterset_class):
        response = client.get(url, {param: value})
        assert response.status_code == 400, (url, param, value, response.status_code)
        text = response.content.decode()
        assert "筛选条件有误" in text and f"（{param}）" in text, (url, param)


def test_filtersets_are_documented_in_the_openapi_schema(demo, api):
    schema = api("admin").get("/api/schema/?format=json").json()

    def params(path):
        return {p["name"]: p["schema"] for p in schema["paths"][path]["get"]["parameters"]}

    forces = params("/api/forces/")
    assert forces["region"]["type"] == "integer" and "on_duty" in forces["status"]["enum"]
    movements = params("/api/stock-movements/")
    assert movements["warehouse"]["type"] == movements["region"]["type"] == "integer"
    assert params("/api/incidents/{id}/route/")["force"]["type"] == "integer"
    assert params("/api/vehicles/lifecycle/")["days"]["type"] == "integer"
