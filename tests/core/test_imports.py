"""Excel import/export: all rows or none, row-by-row Chinese errors, scoping, coordinate systems, CLI."""

import io
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from yingji.core import services
from yingji.core.demo import DEMO_PASSWORD
from yingji.core.imports import SHEETS, run_import, template_xlsx
from yingji.core.models import AuditEntry, Region, User
from yingji.standards import coordinates

pytestmark = pytest.mark.django_db

HEADER = ["区划代码", "名称", "级别", "类型", "上级区划", "中心经度", "中心纬度", "坐标为估计值", "常住人口（人）", "面积（km²）"]


def sheet(*rows, header=HEADER) -> io.BytesIO:
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


GOOD = [
    ("512022101001", "示例一村", "村级", "行政区划", "512022101", 104.94, 30.37, "否", 1800, 4.2),
    ("512022101002", "示例二村", "村级", "", "石佛镇", 104.95, 30.38, "是", "", ""),
]


def test_template_has_the_sheet_headers_and_notes():
    book = load_workbook(io.BytesIO(template_xlsx(SHEETS["regions"])))
    assert [c.value for c in book.worksheets[0][1]] == HEADER
    assert book.sheetnames == ["行政区划", "填写说明"]


def test_good_sheet_is_written_through_services(demo):
    result = run_import(None, SHEETS["regions"], sheet(*GOOD))
    assert result.ok and (result.created, result.updated) == (2, 0)
    village = Region.objects.get(code="512022101001")
    assert village.parent.name == "石佛镇" and village.level == "village" and village.population == 1800
    assert Region.objects.get(code="512022101002").approximate is True
    assert AuditEntry.objects.filter(model="core.region", action="create", object_id=str(village.pk)).exists()


def test_one_bad_row_writes_nothing_and_names_row_column_and_reason(demo):
    before = (Region.objects.count(), AuditEntry.objects.count())
    bad = ("512021101003", "错县的村", "村级", "行政区划", "512022101", 104.9, 30.3, "否", "", "")
    typo = ("512022101004", "人口写错", "村级", "行政区划", "512022101", 104.9, 30.3, "否", "一千", "")
    result = run_import(None, SHEETS["regions"], sheet(*GOOD, bad, typo))
    assert not result.ok
    assert (Region.objects.count(), AuditEntry.objects.count()) == before
    by_row = {e.row: e for e in result.errors}
    assert set(by_row) == {4, 5}
    assert by_row[4].column == "区划代码" and "应以 512022101 开头" in by_row[4].reason
    assert by_row[5].column == "常住人口（人）" and by_row[5].reason == "应为整数"
    assert "未写入任何数据" in result.summary()


def test_dry_run_checks_everything_and_writes_nothing(demo):
    before = Region.objects.count()
    result = run_import(None, SHEETS["regions"], sheet(*GOOD), dry_run=True)
    assert result.ok and result.created == 2
    assert Region.objects.count() == before


def test_missing_required_header_and_wrong_file_type(demo):
    result = run_import(None, SHEETS["regions"], sheet(("x",), header=["名字"]))
    assert result.errors[0].row == 1 and "名称" in result.errors[0].column
    with pytest.raises(Exception, match="xlsx"):
        run_import(None, SHEETS["regions"], io.BytesIO(b"code,name\n1,2\n"))


def test_gcj02_coordinates_are_converted_on_import(demo):
    result = run_import(None, SHEETS["regions"], sheet(GOOD[0]), coordinate_system="gcj02")
    assert result.ok
    village = Region.objects.get(code="512022101001")
    lon, lat = coordinates.gcj02_to_wgs84(104.94, 30.37)
    assert village.longitude == pytest.approx(float(lon), abs=1e-7)
    assert village.latitude == pytest.approx(float(lat), abs=1e-7)
    assert abs(village.longitude - 104.94) > 0.001  # a real shift of a few hundred metres


def test_township_user_cannot_import_into_another_township(demo):
    user = services.save_user(None, User.objects.get(username="township"), {},  # 天池街道, may write
                              role_names=["乡镇用户", "管理员"])
    result = run_import(user, SHEETS["regions"], sheet(GOOD[0]))  # a village under 石佛镇
    assert not result.ok
    assert result.errors[0].column == "上级区划"
    assert "不在您的管辖范围内" in result.errors[0].reason
    assert not Region.objects.filter(code="512022101001").exists()


def test_export_then_import_round_trips_without_changes(demo):
    client = Client()
    client.login(username="admin", password=DEMO_PASSWORD)
    exported = client.get("/organisations/export.xlsx")
    assert exported.status_code == 200
    audit_before = AuditEntry.objects.count()
    result = run_import(User.objects.get(username="admin"), SHEETS["organisations"], io.BytesIO(exported.content))
    assert result.ok and result.created == 0 and result.updated == result.rows > 40
    assert AuditEntry.objects.count() == audit_before  # nothing actually changed


def test_web_import_shows_errors_and_offers_the_report(demo):
    client = Client()
    client.login(username="admin", password=DEMO_PASSWORD)
    bad = ("512021101003", "错县的村", "村级", "行政区划", "512022101", 104.9, 30.3, "否", "", "")
    upload = sheet(GOOD[0], bad)
    upload.name = "villages.xlsx"
    response = client.post("/import/regions/", {"file": upload, "coordinate_system": "wgs84"})
    html = response.content.decode()
    assert response.status_code == 200 and "未写入任何数据" in html and "应以 512022101 开头" in html
    report = load_workbook(io.BytesIO(client.get("/import/regions/errors.xlsx").content)).worksheets[0]
    rows = list(report.iter_rows(values_only=True))
    assert rows[0] == ("行号", "列", "值", "原因") and rows[1][0] == 3
    assert not Region.objects.filter(code="512022101001").exists()
    assert client.get("/import/nope/").status_code == 404


def test_cli_import_exit_code_and_all_or_nothing(demo_var_dir, tmp_path):
    env_cmd = [str(Path(sys.executable).parent / "yingji")]
    env = {"YINGJI_VAR_DIR": str(demo_var_dir), "PATH": "/usr/bin:/bin"}
    bad_file, good_file = tmp_path / "bad.xlsx", tmp_path / "good.xlsx"
    bad = ("51202210100X", "坏代码", "村级", "行政区划", "512022101", 104.9, 30.3, "否", "", "")
    bad_file.write_bytes(sheet(*GOOD, bad).getvalue())
    good_file.write_bytes(sheet(*GOOD).getvalue())
    failed = subprocess.run([*env_cmd, "import", "regions", str(bad_file)], env=env, capture_output=True, text=True)
    assert failed.returncode == 1
    assert "第 4 行" in failed.stderr and "未写入任何数据" in failed.stdout
    ok = subprocess.run([*env_cmd, "import", "regions", str(good_file)], env=env, capture_output=True, text=True)
    assert ok.returncode == 0 and "新增 2 条" in ok.stdout
    out = tmp_path / "regions.xlsx"
    exported = subprocess.run([*env_cmd, "export", "regions", str(out), "--user", "township"], env=env,
                              capture_output=True, text=True)
    assert exported.returncode == 0
    names = [r[1] for r in load_workbook(out).worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert names == ["天池街道"]
