"""A point outside the record's region is saved with a warning naming where it lies (issue 12: "a 回澜镇 force saved
at Beijing coordinates gives no warning"): on the generic form pages (a Django messages warning), on the incident
form, and in the API (`warnings` in the create/update answer). A point inside gives none."""

import re

from yingji.core import geo
from yingji.core.models import Region
from yingji.incidents.models import Incident
from yingji.resources.models import RescueForce

BEIJING = (116.397, 39.909)  # 天安门
HUILAN = (105.118, 30.226)  # 回澜镇, inside 乐至县's outline
TIANCHI = (105.031, 30.283)  # 天池街道, ~10 km from 回澜镇's centre
HUILAN_CODE, TIANCHI_CODE = "512022102", "512022001"
WARNING = "不在所选区划“回澜镇”范围内，请核对。"


def force_form(region, where, name="回澜镇测试救援队"):
    return {"name": name, "type": "township", "region": str(region.pk), "longitude": str(where[0]),
            "latitude": str(where[1]), "members_total": "20", "members_on_duty": "10"}


def warnings_on(response) -> list[str]:
    return [str(m) for m in response.context["messages"] if m.level_tag == "warning"]


def test_web_force_of_huilan_at_beijing_is_saved_with_a_warning_naming_beijing(web, region):
    huilan = region(HUILAN_CODE)
    response = web("admin").post("/forces/add/", force_form(huilan, BEIJING), follow=True)
    force = RescueForce.objects.get(name="回澜镇测试救援队")  # saved: a warning, not a refusal
    assert force.region == huilan and (force.longitude, force.latitude) == BEIJING
    warnings = warnings_on(response)
    assert len(warnings) == 1, warnings
    assert re.fullmatch(r"坐标位于北京市（距回澜镇中心约 1,4\d\d 公里），" + WARNING, warnings[0]), warnings
    assert 'class="msg-warning"' in response.content.decode()


def test_web_force_inside_its_township_gives_no_warning(web, region):
    response = web("admin").post("/forces/add/", force_form(region(HUILAN_CODE), HUILAN), follow=True)
    assert RescueForce.objects.filter(name="回澜镇测试救援队").exists()
    assert warnings_on(response) == []
    # A nearby township's point is within what a township's centre can tell (no outline): no false alarm.
    response = web("admin").post("/forces/add/", force_form(region(HUILAN_CODE), TIANCHI, "回澜镇二队"), follow=True)
    assert warnings_on(response) == []


def test_web_edit_moving_the_point_out_warns(web, region):
    huilan = region(HUILAN_CODE)
    web("admin").post("/forces/add/", force_form(huilan, HUILAN))
    force = RescueForce.objects.get(name="回澜镇测试救援队")
    response = web("duty").post(f"/forces/{force.pk}/edit/", force_form(huilan, (104.06, 30.66)), follow=True)
    warnings = warnings_on(response)
    assert len(warnings) == 1 and warnings[0].endswith(WARNING), warnings  # 成都: 四川省, outside 乐至县's outline
    assert warnings[0].startswith("坐标位于四川省")


def test_api_force_create_and_update_answer_warnings(api, region):
    huilan = region(HUILAN_CODE)
    client = api("admin")  # adds forces (the duty officer may only change them)
    data = {"name": "回澜镇测试救援队", "type": "township", "region": huilan.pk, "longitude": BEIJING[0],
            "latitude": BEIJING[1], "members_total": 20, "members_on_duty": 10}
    response = client.post("/api/forces/", data, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert len(body["warnings"]) == 1 and body["warnings"][0].startswith("坐标位于北京市")
    assert body["warnings"][0].endswith(WARNING)
    response = client.patch(f"/api/forces/{body['id']}/", {"longitude": HUILAN[0], "latitude": HUILAN[1]},
                            format="json")
    assert response.status_code == 200 and response.json()["warnings"] == []


def test_incident_web_form_and_api_warn_too(web, api, region, demo):
    huilan = region(HUILAN_CODE)
    form = {"title": "回澜镇某厂火灾", "source": "duty_phone", "event_code": "12G02", "region": str(huilan.pk),
            "longitude": str(BEIJING[0]), "latitude": str(BEIJING[1]), "deaths": "0", "missing": "0",
            "serious_injuries": "0", "injuries": "0", "direct_loss_wan": "0", "people_affected": "0"}
    response = web("duty").post("/incidents/add/", form, follow=True)
    incident = Incident.objects.get(title="回澜镇某厂火灾")
    assert incident.region == huilan
    assert [w for w in warnings_on(response) if w.startswith("坐标位于北京市") and w.endswith(WARNING)]
    body = api("duty").post("/api/incidents/", {**form, "title": "回澜镇某厂火灾二", "region": huilan.pk},
                            format="json").json()
    assert len(body["warnings"]) == 1 and body["warnings"][0].startswith("坐标位于北京市"), body
    inside = api("duty").post("/api/incidents/", {**form, "title": "回澜镇某厂火灾三", "region": huilan.pk,
                                                  "longitude": HUILAN[0], "latitude": HUILAN[1]}, format="json")
    assert inside.status_code == 201 and inside.json()["warnings"] == []


def test_outside_region_decisions(region):
    huilan, county = region(HUILAN_CODE), region("512022")
    assert county.boundary, "the demo ships 乐至县's outline"
    assert geo.outside_region(huilan, *HUILAN) is None
    assert geo.outside_region(county, *TIANCHI) is None
    beijing = geo.outside_region(huilan, *BEIJING)
    assert beijing.place == "北京市" and 1_400_000 < beijing.distance_m < 1_700_000
    # Inside 乐至县's outline but far from 回澜镇's centre (no township outlines): by distance, named by the county.
    far = geo.outside_region(huilan, 105.02, 30.40)
    assert far is not None and far.place == "四川省资阳市乐至县"
    # A township with no outline and no centre, inside its county's outline: nothing tells.
    lonely = Region(name="无坐标乡", level="township", path=county.path + "999999/")
    assert geo.outside_region(lonely, *HUILAN) is None


def test_no_point_no_warning(region):
    from yingji.core.generic import location_warnings

    force = RescueForce(name="x", type="township", region=region(HUILAN_CODE), longitude=None, latitude=None)
    assert location_warnings(force) == []


def test_openapi_documents_warnings_on_located_records_only(api, demo):
    schema = api("duty").get("/api/schema/?format=json").json()
    created = schema["paths"]["/api/forces/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert created["allOf"][0] == {"$ref": "#/components/schemas/Force"}
    assert created["allOf"][1]["properties"]["warnings"]["items"] == {"type": "string"}
    patched = schema["paths"]["/api/incidents/{id}/"]["patch"]["responses"]["200"]["content"]["application/json"]
    assert "warnings" in patched["schema"]["allOf"][1]["properties"]
    region = schema["paths"]["/api/regions/"]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    assert region == {"$ref": "#/components/schemas/Region"}  # a region's point is its own centre: no warnings
