"""The Excel sheet of sensors: imported through the service all-or-nothing with row-by-row errors, exported in the
same layout (formulas escaped) and imported back unchanged; scoped like the list."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from yingji.core.imports import SHEETS, export_xlsx, run_import
from yingji.core.models import User
from yingji.monitoring.models import Sensor

HEADER = ["监测点编码", "名称", "监测类型", "所属区划", "企业", "重大危险源（单元）", "采集网关", "经度", "纬度",
          "上报周期（s）", "安装时间", "启用"]
HUILAN_CHEM = "91512022MA62Q7K1XE"


def sheet(*rows, header=HEADER):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


GOOD = [
    ("X-LEL-01", "1号罐区可燃气体", "可燃气体（%LEL）", "", HUILAN_CHEM, "", "", 105.121, 30.227, "", "2026-01-15 09:00", ""),
    ("X-WL-01", "天池水位", "水位", "512022001", "", "", "", "", "", 600, "", "是"),
]


@pytest.fixture
def inspector(demo):
    return User.objects.get(username="inspector")


def test_good_sheet_is_saved_through_the_service(inspector):
    result = run_import(inspector, SHEETS["sensors"], sheet(*GOOD))
    assert result.ok, result.errors
    assert (result.created, result.updated) == (2, 0)
    lel, water = Sensor.objects.get(code="X-LEL-01"), Sensor.objects.get(code="X-WL-01")
    assert (lel.kind, lel.unit, lel.expected_interval_s, lel.enterprise.credit_code, lel.is_active) == (
        "lel", "%LEL", 10, HUILAN_CHEM, True)
    assert lel.region == lel.enterprise.region
    assert (water.kind, water.expected_interval_s, water.region.code) == ("water_level", 600, "512022001")


def test_one_bad_row_writes_nothing_and_names_row_column_and_reason(inspector):
    bad_kind = ("X-BAD-01", "未知类型", "温湿度", "512022001", "", "", "", "", "", "", "", "")
    bad_code = ("X/BAD/02", "坏编码", "雨量", "512022001", "", "", "", "", "", "", "", "")
    future = ("X-BAD-03", "未来安装", "雨量", "512022001", "", "", "", "", "", "", "2999-01-01 00:00", "")
    result = run_import(inspector, SHEETS["sensors"], sheet(*GOOD, bad_kind, bad_code, future))
    assert not result.ok and result.created == 0
    found = {(e.row, e.column) for e in result.errors}
    assert {(4, "监测类型"), (5, "监测点编码"), (6, "安装时间")} <= found
    assert any("格式不正确" in e.reason for e in result.errors if e.row == 5)
    assert not Sensor.objects.filter(code__in=["X-LEL-01", "X-WL-01"]).exists()


def test_export_imports_back_as_updates(web, inspector):
    assert run_import(inspector, SHEETS["sensors"], sheet(*GOOD)).ok
    Sensor.objects.filter(code="X-WL-01").update(name="=HYPERLINK(\"http://x\")")
    answer = web("inspector").get(reverse("monitoring:sensor_export"), {"q": "X-"})
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:3] == ("监测点编码", "名称", "监测类型")
    codes = {row[0] for row in rows[1:]}
    assert {"X-LEL-01", "X-WL-01"} <= codes
    assert book.active.cell(row=[r[0] for r in rows].index("X-WL-01") + 1, column=2).data_type == "s"  # not a formula
    again = run_import(inspector, SHEETS["sensors"], io.BytesIO(answer.content))
    assert again.ok, again.errors
    assert again.created == 0 and again.updated == len(rows) - 1


def test_export_leaves_out_what_the_user_cannot_see(inspector):
    assert run_import(inspector, SHEETS["sensors"], sheet(*GOOD)).ok
    township = User.objects.get(username="township")  # 天池街道
    exported = load_workbook(io.BytesIO(export_xlsx(SHEETS["sensors"], SHEETS["sensors"].queryset(township))))
    codes = {row[0] for row in exported.active.iter_rows(min_row=2, values_only=True)}
    assert "X-WL-01" in codes and "X-LEL-01" not in codes
