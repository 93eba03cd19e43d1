"""Every write path of the resources services leaves one audit entry per record it changes, deletes included
(audited() also fails when any written model has none). The deletes the pages and the API offer are
services that check the region of the record."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.audit_check import audited
from yingji.core.models import Region, User
from yingji.resources import models, services

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")


@pytest.fixture
def county(demo):
    return Region.objects.get(code="512022")


def created_updated_deleted(model):
    return {(model, "create"): 1, (model, "update"): 1, (model, "delete"): 1}


def test_forces_and_their_status(admin, county):
    with audited() as trail:
        force = services.save_force(admin, models.RescueForce(), {"name": "测试救援队", "type": "social", "region": county,
                                                           "members_total": 20, "members_on_duty": 5})
        services.save_force(admin, force, {"members_total": 25})
        services.change_force_status(admin, force, models.RescueForce.RESTING, "轮休")
    assert trail.counts() == {("resources.rescueforce", "create"): 1, ("resources.rescueforce", "update"): 2}
    with audited() as trail:
        services.delete_force(admin, models.RescueForce.objects.create(name="待删队伍", type="social", region=county))
    assert trail.counts() == {("resources.rescueforce", "delete"): 1}


def test_registries_create_update_delete(admin, county):
    station = models.RescueForce.objects.get(name="乐至县城东消防站")
    registries = [
        (services.save_warehouse, services.delete_warehouse, models.Warehouse(),
         {"name": "测试库", "level": "county", "region": county}, {"manager": "张三"}),
        (services.save_item, services.delete_supplyitem, models.SupplyItem(),
         {"code": "1020199", "name": "测试帐篷", "unit": "顶"}, {"name": "测试帐篷二"}),
        (services.save_shelter, services.delete_shelter, models.Shelter(),
         {"name": "测试场所", "type": "emergency", "region": county, "effective_area_m2": "1000"}, {"address": "某路"}),
        (services.save_hydrant, services.delete_hydrant, models.Hydrant(),
         {"number": "T-1", "type": "municipal", "region": county}, {"address": "某路口"}),
        (services.save_expert, services.delete_expert, models.Expert(),
         {"name": "测试专家", "region": county, "phone": "1", "specialties": ["11B00"]}, {"title": "教授"}),
        (services.save_agreement, services.delete_agreementreserve, models.AgreementReserve(),
         {"supplier": "测试企业", "region": county, "contract_no": "T-1", "start_date": date(2026, 1, 1),
          "end_date": date(2099, 1, 1), "response_hours": 8}, {"contract_no": "T-2"}),
        (services.save_vehicle, services.delete_vehicle, models.Vehicle(),
         {"plate": "川M·99999应急", "type": "water_tank", "station": station}, {"name": "测试水罐车"}),
        (services.save_equipment, services.delete_equipment, models.Equipment(),
         {"name": "测试破拆工具", "station": station, "quantity": 2}, {"quantity": 3}),
    ]
    for save, delete, record, created, changed in registries:
        label = record._meta.label_lower
        with audited() as trail:
            save(admin, record, created)
            save(admin, record, changed)
            delete(admin, record)
        assert trail.counts() == created_updated_deleted(label), label


def test_deletes_check_the_region_of_the_record(demo):
    township = User.objects.get(username="township2")  # 回澜镇, without delete rights
    for delete, record in [(services.delete_vehicle, models.Vehicle.objects.first()),
                           (services.delete_expert, models.Expert.objects.exclude(region__code="512022001").first())]:
        with pytest.raises(PermissionDenied):
            delete(township, record)
    admin = User.objects.get(username="admin")
    admin.region = Region.objects.get(code="512022001")  # now 天池街道 only
    with pytest.raises(ValidationError) as caught:
        services.delete_expert(admin, models.Expert.objects.exclude(region__code="512022001").first())
    assert "不在您的管辖范围内" in caught.value.message_dict["region"][0]


def test_agreement_items(admin, county):
    agreement = models.AgreementReserve.objects.first()
    tents = models.SupplyItem.objects.get(code="1020101")
    with audited() as trail:
        services.save_agreement(admin, agreement, {}, items={tents: "12"})
    assert trail.counts() == {("resources.agreementreserve", "update"): 1}


def test_stock_ledger_and_norms(admin):
    warehouse = models.Warehouse.objects.get(name="乐至县应急物资储备库")
    other = models.Warehouse.objects.get(name="回澜镇应急物资储备点")
    water = models.SupplyItem.objects.get(code="1030102")
    with audited() as trail:
        services.receive(admin, warehouse, water, 10, batch="T1")
        services.issue(admin, warehouse, water, 4, "测试出库", batch="T1")
        services.transfer(admin, warehouse, other, water, 2, "调拨", batch="T1")
        services.adjust(admin, warehouse, water, 3, "盘点", batch="T1")
        services.scrap(admin, warehouse, water, 1, "过期", batch="T1")
    assert trail.counts() == {("resources.stockmovement", "create"): 6}
    models.ReserveNorm.objects.filter(warehouse=warehouse, item=water).delete()  # the demo's, to create one anew
    with audited() as trail:
        norm = services.set_norm(admin, warehouse, water, 50)
        services.set_norm(admin, warehouse, water, 60)
        services.delete_reservenorm(admin, norm)
    assert trail.counts() == created_updated_deleted("resources.reservenorm")


def test_inspections_maintenance_and_vehicle_status(admin):
    hydrant = models.Hydrant.objects.filter(status=models.Hydrant.OK).first()
    with audited() as trail:
        services.inspect_hydrant(admin, hydrant, timezone.localdate(), models.Hydrant.DAMAGED, notes="出水口损坏")
    assert trail.counts() == {("resources.hydrantinspection", "create"): 1, ("resources.hydrant", "update"): 1}
    assert "检查：损坏" in trail.entries[0].object_repr
    vehicle = models.Vehicle.objects.filter(status=models.Vehicle.AVAILABLE).first()
    with audited() as trail:
        services.record_maintenance(admin, vehicle, "fault", timezone.localdate(), "水泵异响")
    assert trail.counts() == {("resources.maintenancerecord", "create"): 1, ("resources.vehicle", "update"): 1}
    assert "故障" in trail.entries[0].object_repr
    other = models.Vehicle.objects.filter(status=models.Vehicle.AVAILABLE).first()
    with audited() as trail:
        services.set_vehicle_status(admin, other, models.Vehicle.DISPATCHED)
        services.set_vehicle_status(admin, other, models.Vehicle.AVAILABLE)
        services.set_vehicle_status(admin, vehicle, models.Vehicle.AVAILABLE)  # in maintenance: stays there
    assert trail.counts() == {("resources.vehicle", "update"): 2}
    assert models.Vehicle.objects.get(pk=vehicle.pk).status == models.Vehicle.MAINTENANCE
