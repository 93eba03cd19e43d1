"""Shelters (capacity from area and norm, totals against population) and hydrants (inspections, 完好率)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core import services as core_services
from yingji.core.models import AuditEntry, Region, User
from yingji.resources import services
from yingji.resources.models import Hydrant, HydrantInspection, Shelter

pytestmark = pytest.mark.django_db


def test_capacity_is_area_over_the_per_capita_norm(demo, settings):
    region = Region.objects.get(code="512022102")
    shelter = services.save_shelter(None, Shelter(), {"name": "测试场所", "type": "emergency", "region": region,
                                                      "effective_area_m2": "1000"})
    assert shelter.capacity == 666  # 1000 ÷ 1.5, whole persons only
    settings.YINGJI_SHELTER_AREA_PER_PERSON = {**settings.YINGJI_SHELTER_AREA_PER_PERSON, "fixed_long": 4.5}
    services.save_shelter(None, shelter, {"type": "fixed_long"})
    assert shelter.capacity == 222
    assert Shelter.objects.get(pk=shelter.pk).capacity == 222


def test_bad_shelter_input(demo):
    region = Region.objects.get(code="512022102")
    with pytest.raises(ValidationError) as caught:
        services.save_shelter(None, Shelter(), {"name": "坏场所", "type": "emergency", "region": region,
                                                "effective_area_m2": "-5", "facilities": ["spa"]})
    assert set(caught.value.message_dict) >= {"facilities", "effective_area_m2"}
    assert not Shelter.objects.filter(name="坏场所").exists()


def test_capacity_against_population_by_township(demo, api):
    core_services.save_region(None, Region.objects.get(code="512022001"), {"population": 90000})
    rows = {r["region_name"]: r for r in api("duty").get("/api/shelters/capacity/").json()}
    assert len(rows) == 21
    # 天池街道: 体育中心 42000/1.5 + 帅乡广场 6500/1.5 = 28000 + 4333
    assert rows["天池街道"]["places"] == 32333 and rows["天池街道"]["coverage"] == 35.9
    assert rows["童家镇"]["places"] == 0  # its only shelter is closed
    assert rows["劳动镇"]["places"] == 3000  # under maintenance but not closed
    township = api("township2").get("/api/shelters/capacity/").json()
    assert township == []  # a township has no child regions of its own


def test_inspection_sets_status_and_keeps_history(demo, api):
    hydrant = Hydrant.objects.filter(status="ok").first()
    client = api("dispatcher")
    today = timezone.localdate()
    bad = client.post(f"/api/hydrants/{hydrant.pk}/inspections/", {"date": today, "status": "damaged"},
                      format="json")
    assert bad.status_code == 400 and "notes" in bad.json()["error"]["fields"]
    ok = client.post(f"/api/hydrants/{hydrant.pk}/inspections/",
                     {"date": today, "status": "damaged", "notes": "出水口被撞坏", "pressure_mpa": "0.05"},
                     format="json")
    assert ok.status_code == 201, ok.json()
    hydrant.refresh_from_db()
    assert hydrant.status == "damaged" and hydrant.last_inspected == today
    # An older check entered late does not overwrite the newer finding.
    services.inspect_hydrant(User.objects.get(username="dispatcher"), hydrant, today - timedelta(days=30), "ok")
    hydrant.refresh_from_db()
    assert hydrant.status == "damaged"
    history = client.get(f"/api/hydrants/{hydrant.pk}/inspections/").json()
    assert [h["status"] for h in history] == ["damaged", "ok"]
    assert AuditEntry.objects.filter(model="resources.hydrant", object_id=str(hydrant.pk), action="update").exists()
    future = client.post(f"/api/hydrants/{hydrant.pk}/inspections/",
                         {"date": today + timedelta(days=1), "status": "ok"}, format="json")
    assert future.status_code == 400 and "date" in future.json()["error"]["fields"]


def test_editing_a_hydrant_does_not_change_its_status(demo, api):
    hydrant = Hydrant.objects.filter(status="damaged").first()
    api("admin").patch(f"/api/hydrants/{hydrant.pk}/", {"status": "ok", "address": "新址"}, format="json")
    hydrant.refresh_from_db()
    assert hydrant.status == "damaged" and hydrant.address == "新址"


def test_intact_rate(demo, api, web):
    stats = api("duty").get("/api/hydrants/stats/").json()
    assert stats["total"] == 56 and stats["ok"] == 49
    assert stats["intact_rate"] == round(49 / 56 * 100, 1)
    assert stats["by_status"] == {"完好": 49, "损坏": 4, "维修中": 2, "停用": 1}
    township = api("township").get("/api/hydrants/stats/").json()  # 天池街道: 24, one damaged, one repairing
    assert (township["total"], township["ok"]) == (24, 22)
    nantang = Region.objects.get(code="512022002")
    per_region = api("duty").get(f"/api/hydrants/stats/?region={nantang.pk}").json()
    assert (per_region["total"], per_region["ok"], per_region["intact_rate"]) == (18, 15, 83.3)
    html = web("duty").get("/hydrants/").content.decode()
    assert "完好率 87.5%（49/56）" in html


def test_layers_and_scoping(demo, api, web):
    features = api("township2").get("/api/hydrants/layer/").json()["features"]
    assert len(features) == 6 and all(f["properties"]["name"].startswith("市政消火栓") or
                                      f["properties"]["name"].startswith("消防水池") for f in features)
    shelters = api("duty").get("/api/shelters/layer/?bbox=105.0,30.25,105.05,30.3").json()["features"]
    assert {f["properties"]["name"] for f in shelters} >= {"乐至县体育中心应急避难场所", "帅乡广场应急避难场所"}
    other = Hydrant.objects.filter(region__code="512022001").first()
    assert web("township2").get(f"/hydrants/{other.pk}/").status_code == 404
    assert api("township2").post(f"/api/hydrants/{other.pk}/inspections/",
                                 {"date": timezone.localdate(), "status": "ok"}, format="json").status_code == 404


def test_web_pages_render_for_the_roles(demo, web):
    for username in ("duty", "township", "leader"):
        client = web(username)
        for url in ("/shelters/", "/shelters/capacity/", "/hydrants/", "/warehouses/", "/supplies/",
                    "/stock/report/", "/forces/"):
            assert client.get(url).status_code == 200, (username, url)


def test_web_inspection_form(demo, web):
    hydrant = Hydrant.objects.filter(region__code="512022102", status="ok").first()
    client = web("township2")
    client.post(f"/hydrants/{hydrant.pk}/inspections/", {"date": timezone.localdate().isoformat(),
                                                         "status": "repairing", "notes": "更换阀门"})
    hydrant.refresh_from_db()
    assert hydrant.status == "repairing"
    assert HydrantInspection.objects.filter(hydrant=hydrant, notes="更换阀门").exists()
