"""通讯录 (issue 12): contacts scoped and applying downwards, phones validated (core/validators.py), imported
from Excel through the sheet registry, exported, searched, written through audited services."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from tests.audit_check import audited
from yingji.core import services
from yingji.core.imports import SHEETS, run_import
from yingji.core.models import AuditEntry, Contact, Organisation, Region, User
from yingji.core.validators import normalise_phone, phone_kind

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("typed", "canonical", "kind"), [
    ("13800000000", "13800000000", "mobile"), ("+86 138 0000 0000", "13800000000", "mobile"),
    ("028-12345678", "028-12345678", "landline"), ("02812345678", "028-12345678", "landline"),
    ("0832-1234567", "0832-1234567", "landline"), ("(028)23322110", "028-23322110", "landline"),
    ("12345", "12345", "short"), ("110", "110", "short"), ("119", "119", "short"), ("120", "120", "short"),
    ("12350", "12350", "short"),
])
def test_phone_numbers_a_duty_room_writes(typed, canonical, kind):
    assert normalise_phone(typed) == canonical and phone_kind(typed) == kind


@pytest.mark.parametrize("typed", ["abc", "12800000000", "1380000000", "028-123", "0281234567890", "999",
                                   "12-3456789", "1234"])
def test_bad_phone_numbers_are_refused_naming_the_field(typed):
    with pytest.raises(ValidationError) as refused:
        normalise_phone(typed, field="office_phone", label="办公电话")
    assert "办公电话" in refused.value.message_dict["office_phone"][0]


def test_contact_service_checks_every_phone_at_once_and_audits(demo):
    duty = User.objects.get(username="duty")
    county = Region.objects.get(code="512022")
    with pytest.raises(ValidationError) as refused:
        services.save_contact(duty, Contact(), {"name": "张三", "region": county, "mobile": "028-12345678",
                                                "office_phone": "abc"})
    assert set(refused.value.message_dict) == {"mobile", "office_phone"}
    with pytest.raises(ValidationError) as refused:
        services.save_contact(duty, Contact(), {"name": "张三", "region": county})
    assert "至少填写" in refused.value.message_dict["mobile"][0]
    with audited() as trail:
        contact = services.save_contact(duty, Contact(), {"name": "张三", "region": county,
                                                          "mobile": "138 0000 0000", "office_phone": "02812345678"})
    assert (contact.mobile, contact.office_phone) == ("13800000000", "028-12345678")
    assert trail.count("core.contact", "create") == 1


def test_township_reads_county_contacts_but_not_the_other_townships(demo, api, web):
    county_line = Contact.objects.get(name="乐至县应急管理局值班室")
    huilan_line = Contact.objects.get(name="回澜镇应急办值班室")
    names = {c["name"] for c in api("township").get("/api/contacts/?page_size=100").json()["results"]}
    assert "乐至县应急管理局值班室" in names and "天池街道应急办值班室" in names and "回澜镇应急办值班室" not in names
    page = web("township").get(f"/contacts/{county_line.pk}/")
    assert page.status_code == 200 and "028-23322110" in page.content.decode() and "编辑" not in page.content.decode()
    assert web("township").get(f"/contacts/{huilan_line.pk}/").status_code == 404
    assert web("township").get(f"/contacts/{county_line.pk}/edit/").status_code == 404
    client = api("township")
    assert client.patch(f"/api/contacts/{county_line.pk}/", {"remark": "x"}, format="json").status_code == 404
    assert client.delete(f"/api/contacts/{county_line.pk}/").status_code in (403, 404)  # no delete perm either
    assert Contact.objects.filter(pk=county_line.pk, remark="").exists()


def test_township_keeps_its_own_lines_through_the_api(demo, api):
    tianchi = Region.objects.get(code="512022001")
    client = api("township")
    made = client.post("/api/contacts/", {"name": "李四", "region": tianchi.pk, "mobile": "13900000001",
                                          "position": "应急办主任"}, format="json")
    assert made.status_code == 201, made.json()
    assert AuditEntry.objects.filter(model="core.contact", object_id=str(made.json()["id"]), action="create").exists()
    bad = client.post("/api/contacts/", {"name": "王五", "region": tianchi.pk, "mobile": "abc"}, format="json")
    assert bad.status_code == 400 and "mobile" in bad.json()["error"]["fields"]
    outside = client.post("/api/contacts/", {"name": "王五", "region": Region.objects.get(code="512022").pk,
                                             "mobile": "13900000002"}, format="json")
    assert outside.status_code == 400 and "region" in outside.json()["error"]["fields"]


def test_search_and_duty_filter(demo, web, api):
    page = web("duty").get("/contacts/", {"q": "23322110"})
    assert page.status_code == 200 and "乐至县应急管理局值班室" in page.content.decode()
    rows = api("duty").get("/api/contacts/", {"is_duty_phone": "true", "page_size": 100}).json()["results"]
    assert rows and all(r["is_duty_phone"] for r in rows)
    assert api("duty").get("/api/contacts/", {"search": "陈明"}).json()["count"] == 1
    assert api("duty").get("/api/contacts/", {"is_duty_phone": "也许"}).status_code == 400


def _sheet(rows):
    spec = SHEETS["contacts"]
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in spec.columns])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_import_from_excel_is_all_or_nothing_and_export_reads_back(demo, web):
    duty = User.objects.get(username="duty")
    good = ["赵六", "县应急局", "科长", "13900000003", "", "否", "512022", ""]
    bad = ["钱七", "县应急局", "科员", "12345678", "", "否", "512022", ""]
    result = run_import(duty, SHEETS["contacts"], _sheet([good, bad]))
    assert not result.ok and [(e.row, e.column) for e in result.errors] == [(3, "手机")]
    assert not Contact.objects.filter(name="赵六").exists()
    result = run_import(duty, SHEETS["contacts"], _sheet([good]))
    assert result.ok, result.errors
    contact = Contact.objects.get(name="赵六")
    assert contact.organisation == Organisation.objects.get(name="乐至县应急管理局") and contact.mobile == "13900000003"
    exported = web("duty").get("/contacts/export.xlsx")
    sheet = load_workbook(io.BytesIO(exported.content)).worksheets[0]
    assert ("赵六", "乐至县应急管理局", "科长", "13900000003") in [tuple(r[:4]) for r in sheet.iter_rows(values_only=True)]


def test_pages_create_edit_delete(demo, web):
    client = web("duty")
    county = Region.objects.get(code="512022")
    assert client.get("/contacts/add/").status_code == 200
    refused = client.post("/contacts/add/", {"name": "孙八", "region": county.pk, "office_phone": "abc"})
    assert refused.status_code == 200 and "不是有效的办公电话" in refused.content.decode()
    made = client.post("/contacts/add/", {"name": "孙八", "region": county.pk, "office_phone": "110"})
    assert made.status_code == 302
    contact = Contact.objects.get(name="孙八")
    assert client.post(f"/contacts/{contact.pk}/delete/").status_code == 302
    assert not Contact.objects.filter(pk=contact.pk).exists()
