"""Every resources registry exports a sheet that imports back unchanged, and rejects a bad row whole."""

import io

import pytest
from openpyxl import load_workbook

from yingji.core.imports import SHEETS, run_import
from yingji.core.models import AuditEntry, User

pytestmark = pytest.mark.django_db

KINDS = {"forces": "/forces/export.xlsx", "warehouses": "/warehouses/export.xlsx", "shelters": "/shelters/export.xlsx",
         "hydrants": "/hydrants/export.xlsx", "vehicles": "/vehicles/export.xlsx", "equipment": "/equipment/export.xlsx",
         "experts": "/experts/export.xlsx", "supplies": "/supplies/export.xlsx",
         "agreements": "/agreements/export.xlsx"}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_export_imports_back_without_changes(demo, web, kind):
    exported = web("admin").get(KINDS[kind])
    assert exported.status_code == 200
    audit_before = AuditEntry.objects.count()
    result = run_import(User.objects.get(username="admin"), SHEETS[kind], io.BytesIO(exported.content))
    assert result.ok, result.errors[:3]
    assert result.created == 0 and result.updated == result.rows > 0
    assert AuditEntry.objects.count() == audit_before


@pytest.mark.parametrize("kind, column, value, reason", [
    ("shelters", "设施", "温泉", "未知设施"),
    ("hydrants", "类型", "水枪", "可选值"),
    ("warehouses", "层级", "省级", "可选值"),
    ("shelters", "有效避难面积（m²）", "很大", "应为数字"),
    ("vehicles", "购置日期", "去年", "YYYY-MM-DD"),
    ("vehicles", "车高（m）", 6, "小于或等于5"),  # an implausible height: refused, routing never sees it
    ("experts", "擅长事件类别", "打怪兽", "无法识别"),
    ("supplies", "物资代码", "12345", "7 位细类代码"),
    ("agreements", "协议物资", "1020101 两百", "物资代码×数量"),
])
def test_one_bad_cell_rejects_the_sheet(demo, web, kind, column, value, reason):
    book = load_workbook(io.BytesIO(web("admin").get(KINDS[kind]).content))
    sheet = book.worksheets[0]
    header = [c.value for c in sheet[1]]
    sheet.cell(row=3, column=header.index(column) + 1, value=value)
    # A new record in row 2 must not be written either.
    new_key = "3999999" if kind == "supplies" else f"{sheet.cell(row=2, column=1).value}-新"  # codes must stay valid
    sheet.cell(row=2, column=1, value=new_key)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    model = SHEETS[kind].queryset(None).model
    before = model.objects.count()
    result = run_import(None, SHEETS[kind], buffer)
    assert [(e.row, e.column) for e in result.errors] == [(3, column)]
    assert reason in result.errors[0].reason
    assert model.objects.count() == before
