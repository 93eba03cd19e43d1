"""Recipients from Excel: all-or-nothing with a row-by-row report (a bad phone names the row and the column),
exported sheets import back; the bulk path checks each row as the one-by-one path does and audits each."""

import io

import pytest
from django.core.exceptions import ValidationError
from openpyxl import Workbook

from yingji.core.imports import export_xlsx, run_import
from yingji.core.models import AuditEntry, Region, User
from yingji.warnings.models import Recipient
from yingji.warnings.services import recipients
from yingji.warnings.sheets import RECIPIENTS

HEADER = ["姓名", "类别", "手机号", "电子邮箱", "所在村（社区）或乡镇", "经度", "纬度", "启用", "备注"]


def _sheet(*rows) -> io.BytesIO:
    book = Workbook()
    book.active.append(HEADER)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def test_a_bad_phone_writes_nothing_and_names_the_row(demo):
    duty = User.objects.get(username="duty")
    before = Recipient.objects.count()
    result = run_import(duty, RECIPIENTS, _sheet(
        ("张一", "居民", "13900001111", "", "512022102", 105.118, 30.225, "是", ""),
        ("李二", "网格员", "1390000", "", "512022102", None, None, "", ""),
    ))
    assert not result.ok and Recipient.objects.count() == before
    [error] = result.errors
    assert (error.row, error.column) == (3, "手机号") and "1390000" in error.reason


def test_import_and_export_round_trip(demo):
    duty = User.objects.get(username="duty")
    result = run_import(duty, RECIPIENTS, _sheet(
        ("张一", "居民", "+86 139-0000-1111", "", "512022102", 105.118, 30.225, "是", ""),
        ("李二", "灾害信息员", 13900002222.0, "li@example.cn", "512022103", None, None, "", "信息员"),
    ))
    assert result.ok, result.errors
    saved = Recipient.objects.get(name="张一", region__code="512022102")
    assert saved.phone == "13900001111" and saved.kind == "resident"
    assert AuditEntry.objects.filter(model="warnings.recipient", object_id=str(saved.pk)).exists()
    exported = export_xlsx(RECIPIENTS, Recipient.objects.filter(phone__in=["13900001111", "13900002222"]), duty)
    again = run_import(duty, RECIPIENTS, io.BytesIO(exported))
    assert again.ok and again.updated == 2 and again.created == 0


def test_township_user_cannot_register_in_another_township(demo):
    township = User.objects.get(username="township")  # 天池街道
    result = run_import(township, RECIPIENTS, _sheet(("王五", "居民", "13900003333", "", "512022102", None, None,
                                                      "", "")))
    assert not result.ok and result.errors[0].column == "所在村（社区）或乡镇"


def test_bulk_create_checks_every_row(demo):
    village = Region.objects.filter(parent__code="512022103", level="village").first()
    before = Recipient.objects.count()
    with pytest.raises(ValidationError) as caught:
        recipients.create_recipients(None, [Recipient(region=village, name="甲", phone="13900004444"),
                                            Recipient(region=village, name="乙", phone="02812")])
    assert "第 2 人" in caught.value.message_dict["recipients"][0]
    assert Recipient.objects.count() == before
    assert recipients.create_recipients(None, [Recipient(region=village, name="丙", phone="13900005555")]) == 1


def test_api_import_answers_the_rows_in_the_error_envelope(demo, api):
    before = Recipient.objects.count()
    sheet = _sheet(("李二", "网格员", "1390000", "", "512022102", None, None, "", ""))
    sheet.name = "recipients.xlsx"
    answer = api("duty").post("/api/warnings/recipients/import/", {"file": sheet}, format="multipart")
    assert answer.status_code == 400
    [message] = answer.json()["error"]["fields"]["file"]
    assert message.startswith("第 2 行“手机号”") and "1390000" in message
    assert Recipient.objects.count() == before
    good = _sheet(("李二", "网格员", "13900006666", "", "512022102", None, None, "", ""))
    good.name = "recipients.xlsx"
    answer = api("duty").post("/api/warnings/recipients/import/", {"file": good}, format="multipart")
    assert answer.status_code == 200 and answer.json()["created"] == 1
