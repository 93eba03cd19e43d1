"""Experts by specialty and region; agreement reserves counted apart from physical stock."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from yingji.core.models import AuditEntry, Region
from yingji.resources import services
from yingji.resources.models import AgreementReserve, Expert, SupplyItem

pytestmark = pytest.mark.django_db


def test_search_experts_by_specialty_availability_and_text(demo, api):
    client = api("duty")
    hazmat = [e["name"] for e in client.get("/api/experts/?specialty=12D02").json()["results"]]
    assert hazmat == ["张建国"]  # 12D02 危化泄漏 → class 12D00
    available = {e["name"] for e in client.get("/api/experts/?availability=available").json()["results"]}
    assert "王志强" not in available and "李红梅" in available
    assert [e["name"] for e in client.get("/api/experts/?search=岩土").json()["results"]] == ["王志强"]
    assert client.get("/api/experts/").json()["count"] == 6
    assert api("township").get("/api/experts/").json()["count"] == 0  # county experts are above a township


def test_expert_specialties_are_checked(demo):
    county = Region.objects.get(code="512022")
    with pytest.raises(ValidationError) as caught:
        services.save_expert(None, Expert(), {"name": "某", "region": county, "phone": "1",
                                              "specialties": ["12Z00"]})
    assert "specialties" in caught.value.message_dict
    expert = services.save_expert(None, Expert(), {"name": "新专家", "region": county, "phone": "1",
                                                   "specialties": ["11b00"]})
    assert expert.specialties == ["11B00"] and expert.specialty_labels == ["气象灾害"]


def test_agreement_items_and_dates(demo, api):
    client = api("admin")
    county = Region.objects.get(code="512022")
    tents = SupplyItem.objects.get(code="1020101")
    bad = client.post("/api/agreement-reserves/", {
        "supplier": "测试企业", "region": county.pk, "contract_no": "T-1", "start_date": "2026-06-01",
        "end_date": "2026-01-01", "response_hours": "8", "items": [{"item": tents.pk, "quantity": "10"}]},
        format="json")
    assert bad.status_code == 400 and "end_date" in bad.json()["error"]["fields"]
    assert not AgreementReserve.objects.filter(contract_no="T-1").exists()
    dup = client.post("/api/agreement-reserves/", {
        "supplier": "测试企业", "region": county.pk, "contract_no": "T-1", "start_date": "2026-01-01",
        "end_date": "2027-01-01", "response_hours": "8",
        "items": [{"item": tents.pk, "quantity": "10"}, {"item": tents.pk, "quantity": "5"}]}, format="json")
    assert dup.status_code == 400 and "items" in dup.json()["error"]["fields"]
    ok = client.post("/api/agreement-reserves/", {
        "supplier": "测试企业", "region": county.pk, "contract_no": "T-1", "start_date": "2026-01-01",
        "end_date": "2099-01-01", "response_hours": "8", "items": [{"item": tents.pk, "quantity": "10"}]},
        format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["items"][0]["item_name"] == "救灾帐篷" and ok.json()["active"] is True


def test_availability_keeps_physical_and_agreement_apart(demo, api):
    rows = {r["code"]: r for r in api("duty").get("/api/agreement-reserves/availability/").json()}
    water = rows["1030102"]
    assert Decimal(water["physical"]) == 200 + 150 + 40  # county store (two batches) + 石佛镇
    assert Decimal(water["agreement"]) == 2000 and Decimal(water["fastest_response_hours"]) == 4
    bags = rows["3010101"]
    assert Decimal(bags["physical"]) == 20000 + 3000 and Decimal(bags["agreement"]) == 50000


def test_expired_agreements_do_not_count(demo, api):
    agreement = AgreementReserve.objects.get(contract_no="LZYJ-2026-001")
    services.save_agreement(None, agreement, {"start_date": date(2020, 1, 1), "end_date": date(2021, 1, 1)})
    rows = {r["code"]: r for r in api("duty").get("/api/agreement-reserves/availability/").json()}
    assert Decimal(rows["1030102"]["agreement"]) == 0


def test_agreement_form_with_item_lines(demo, web):
    client = web("admin")
    county = Region.objects.get(code="512022")
    response = client.post("/agreements/add/", {
        "supplier": "乐至县粮油公司", "region": county.pk, "contract_no": "LZYJ-2026-009", "start_date": "2026-01-01",
        "end_date": "2027-12-31", "response_hours": "12", "item_lines": "1030103 300\n1030102 500"})
    assert response.status_code == 302, response.content.decode()[:3000]
    agreement = AgreementReserve.objects.get(contract_no="LZYJ-2026-009")
    assert {line.item.code: line.quantity for line in agreement.items.all()} == {"1030103": 300, "1030102": 500}
    bad = client.post(f"/agreements/{agreement.pk}/edit/", {
        "supplier": "乐至县粮油公司", "region": county.pk, "contract_no": "LZYJ-2026-009", "start_date": "2026-01-01",
        "end_date": "2027-12-31", "response_hours": "12", "item_lines": "9999999 3"})
    assert "物资目录中没有代码 9999999" in bad.content.decode()
    assert agreement.items.count() == 2
    assert AuditEntry.objects.filter(model="resources.agreementreserve", object_id=str(agreement.pk)).exists()
    for url in ("/experts/", "/experts/?specialty=12D00", "/agreements/", f"/agreements/{agreement.pk}/",
                "/supplies/availability/"):
        assert client.get(url).status_code == 200, url
