"""Vehicles and equipment over their whole life: dates computed, records move status, alerts flagged."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.models import User
from yingji.resources import services
from yingji.resources.models import Equipment, MaintenanceRecord, RescueForce, Vehicle

pytestmark = pytest.mark.django_db


def new_vehicle(**fields):
    data = {"plate": "川M·99999应急", "type": "water_tank", "station": RescueForce.objects.get(name="乐至县城东消防站"),
            "acquisition_date": date(2020, 2, 29), "service_life_years": 15, "inspection_interval_days": 365,
            **fields}
    return services.save_vehicle(None, Vehicle(), data)


def test_dates_are_computed_from_acquisition_life_and_inspections(demo):
    vehicle = new_vehicle()
    assert vehicle.retirement_date == date(2035, 2, 28)  # 29 February + 15 years
    assert vehicle.next_inspection_due == date(2021, 2, 28)  # no inspection yet: from acquisition
    assert vehicle.region.code == "512022001"  # the station's region, for scoping
    services.record_maintenance(None, vehicle, "inspection", date(2024, 5, 1), "年检")
    vehicle.refresh_from_db()
    assert vehicle.last_inspected == date(2024, 5, 1) and vehicle.next_inspection_due == date(2025, 5, 1)


def test_records_move_the_vehicle_status_and_end_its_life(demo):
    vehicle = new_vehicle()
    today = timezone.localdate()
    services.record_maintenance(None, vehicle, "fault", today, "水泵异响")
    vehicle.refresh_from_db()
    assert vehicle.status == "maintenance"
    services.record_maintenance(None, vehicle, "repair", today, "更换水泵轴承", cost_wan="0.8")
    vehicle.refresh_from_db()
    assert vehicle.status == "available"
    services.record_maintenance(None, vehicle, "retirement", today, "达到报废标准")
    vehicle.refresh_from_db()
    assert vehicle.status == "retired" and vehicle.retired_on == today
    with pytest.raises(ValidationError, match="已于"):
        services.record_maintenance(None, vehicle, "service", today, "保养")
    assert [r.kind for r in vehicle.records.order_by("id")] == ["fault", "repair", "retirement"]


@pytest.mark.parametrize("kind, day, description, field", [
    ("inspection", timezone.localdate() + timedelta(days=1), "年检", "date"),
    ("inspection", date(2019, 1, 1), "早于购置", "date"),
    ("inspection", date(2024, 1, 1), "  ", "description"),
    ("wash", date(2024, 1, 1), "洗车", "kind"),
])
def test_bad_records_are_refused(demo, kind, day, description, field):
    vehicle = new_vehicle()
    with pytest.raises(ValidationError) as caught:
        services.record_maintenance(None, vehicle, kind, day, description)
    assert field in caught.value.message_dict
    assert not MaintenanceRecord.objects.filter(vehicle=vehicle).exists()


def test_plate_is_unique_and_acquisition_not_in_the_future(demo):
    with pytest.raises(ValidationError) as caught:
        new_vehicle(plate="川M·23101应急", acquisition_date=timezone.localdate() + timedelta(days=3))
    assert {"plate", "acquisition_date"} <= set(caught.value.message_dict)


def test_lifecycle_alerts_on_demo(demo, api):
    rows = api("dispatcher").get("/api/vehicles/lifecycle/?days=120").json()
    overdue = {r["name"] for r in rows if r["inspection_overdue_days"]}
    assert len([v for v in VEHICLE_PLATES if any(v in name for name in overdue)]) == 4  # every third vehicle
    retiring = {r["name"] for r in rows if r["retiring_soon"] or r["retired_due"]}
    assert any("川M·23105应急" in n for n in retiring)  # 14 years 300 days of a 15-year life
    assert any("天池消防救援站 · 正压式空气呼吸器" in n for n in retiring)  # 8 of 8 years: due now
    equipment_overdue = [r["name"] for r in rows if r["kind"] == "装备器材" and r["inspection_overdue_days"]]
    assert equipment_overdue == ["乐至县天池消防救援站 · 正压式空气呼吸器"]  # the one equipment check overdue


VEHICLE_PLATES = [f"川M·23{n}应急" for n in ("101", "102", "103", "104", "105", "201", "202", "301", "401", "501",
                                             "601", "701")]


def test_api_records_and_scoping(demo, api, web):
    vehicle = Vehicle.objects.get(plate="川M·23501应急")  # 回澜镇 station
    client = api("dispatcher")
    made = client.post(f"/api/vehicles/{vehicle.pk}/records/", {"kind": "service", "date": timezone.localdate(),
                                                                "description": "更换机油"}, format="json")
    assert made.status_code == 201, made.json()
    assert client.get(f"/api/vehicles/{vehicle.pk}/records/").json()[0]["description"] == "更换机油"
    assert api("township").get(f"/api/vehicles/{vehicle.pk}/").status_code == 404  # 天池街道 user
    assert api("leader").post(f"/api/vehicles/{vehicle.pk}/records/", {
        "kind": "service", "date": timezone.localdate(), "description": "x"}, format="json").status_code == 403
    for url in ("/vehicles/", "/equipment/", "/vehicles/lifecycle/", f"/vehicles/{vehicle.pk}/"):
        assert web("dispatcher").get(url).status_code == 200, url


def test_web_record_form(demo, web):
    item = Equipment.objects.get(name="冲锋舟")
    client = web("dispatcher")
    client.post(f"/equipment/{item.pk}/records/", {"kind": "inspection", "date": timezone.localdate().isoformat(),
                                                   "description": "船体与发动机检查"})
    item.refresh_from_db()
    assert item.last_inspected == timezone.localdate()
    assert item.next_inspection_due == timezone.localdate() + timedelta(days=365)
    assert User.objects.get(username="dispatcher") == item.records.latest("id").actor
