"""The disaster-loss sheet in the 制度's 快报表 layout: import all-or-nothing with row errors, export that imports back."""

import io
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from yingji.core.imports import SHEETS, run_import
from yingji.core.models import AuditEntry, Region, User
from yingji.planning.demo_data.losses import figures
from yingji.planning.models import FIGURE_FIELDS, DisasterEvent, DisasterLossReport
from yingji.planning.services import losses as services

Report = DisasterLossReport
SPEC = SHEETS["disaster_losses"]


@pytest.fixture
def event(demo):
    from datetime import timedelta

    from django.utils import timezone

    return services.save_event(User.objects.get(username="duty"), DisasterEvent(), {
        "name": "导入测试暴雨", "hazard": "flood", "region": Region.objects.get(code="512022"),
        "occurred_at": timezone.now().replace(microsecond=0) - timedelta(hours=3)})


def _book(rows):
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in SPEC.columns])
    for row in rows:
        sheet.append([row.get(c.field, "") for c in SPEC.columns])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    return buffer


def _row(event, code, **values):
    data = {k: (float(v) if isinstance(v, Decimal) else v) for k, v in figures(600).items()}
    return {"event": event.name, "region": code, "stage": "初报", **data, **values}


def test_headers_follow_the_zhidu_table():
    headers = [c.header for c in SPEC.columns]
    assert headers[:4] == ["灾害过程", "乡镇（街道）", "报送阶段", "统计截至日期"]
    assert headers[4:4 + len(FIGURE_FIELDS)][:6] == [
        "受灾人口（人次）", "因灾死亡人口（人）", "因灾失踪人口（人）", "紧急转移安置人口（人次）",
        "需紧急生活救助人口（人次）", "农作物受灾面积（公顷）"]
    assert "其中：家庭财产损失（万元）" in headers


def test_import_is_all_or_nothing_with_row_errors(event):
    duty = User.objects.get(username="duty")
    bad = _book([_row(event, "512022001"), _row(event, "512022102", crop_lost_ha=9999),
                 _row(event, "512022999"), _row(event, "512022101", loss_public=-1)])
    result = run_import(duty, SPEC, bad)
    assert not result.ok and result.created == 0
    assert not Report.objects.filter(event=event).exists()
    by_row = {(e.row, e.column): e.reason for e in result.errors}
    assert "不能大于成灾面积" in by_row[(3, "其中：绝收面积（公顷）")]
    assert "找不到区划" in by_row[(4, "乡镇（街道）")]
    assert "不能为负数" in by_row[(5, "其中：公益设施损失（万元）")]
    good = _book([_row(event, "512022001", submit="是"), _row(event, "512022102")])
    result = run_import(duty, SPEC, good)
    assert result.ok and result.created == 2
    reports = Report.objects.filter(event=event).order_by("region__code")
    assert [r.status for r in reports] == [Report.SUBMITTED, Report.DRAFT]
    assert reports[0].direct_loss == figures(600)["direct_loss"]


def test_township_import_outside_its_scope_writes_nothing(event):
    township = User.objects.get(username="township")
    result = run_import(township, SPEC, _book([_row(event, "512022001"), _row(event, "回澜镇")]))
    assert not result.ok and not Report.objects.filter(event=event).exists()
    assert any(e.row == 3 for e in result.errors)


def test_export_imports_back(event, web):
    duty = User.objects.get(username="duty")
    run_import(duty, SPEC, _book([_row(event, "512022001"), _row(event, "512022102")]))
    answer = web("duty").get("/planning/losses/reports/export/", {"event": event.pk})
    assert answer.status_code == 200
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(values_only=True))
    assert rows[0] == tuple(c.header for c in SPEC.columns) and len(rows) == 3
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT, object_repr__contains="快报表").exists()
    before = AuditEntry.objects.filter(model="planning.disasterlossreport").count()
    result = run_import(duty, SPEC, io.BytesIO(answer.content))
    assert result.ok and result.created == 0 and result.updated == 2
    assert AuditEntry.objects.filter(model="planning.disasterlossreport").count() == before  # unchanged: no entry
    theirs = web("township2").get("/planning/losses/reports/export/", {"event": event.pk})
    rows = list(load_workbook(io.BytesIO(theirs.content)).active.iter_rows(values_only=True))
    assert [row[1] for row in rows[1:]] == ["512022102"]  # 回澜镇 exports its own report only


def test_cli_prints_events_and_yearly_totals(demo):
    import json

    from click.testing import CliRunner

    from yingji.planning.commands.losses import losses

    runner = CliRunner()
    answer = runner.invoke(losses, ["--region", "512022", "--years", "2021-2025", "--json"])
    assert answer.exit_code == 0, answer.output
    years = json.loads(answer.output)
    expected = services.yearly_totals(Region.objects.filter(code="512022"), range(2021, 2026))
    assert years["2021"]["affected_people"] == expected[2021]["affected_people"] > 0
    assert years["2024"]["direct_loss"] == str(expected[2024]["direct_loss"])
    events = json.loads(runner.invoke(losses, ["--region", "512022", "--json"]).output)
    assert len(events) == 12 and all(sum(t["affected_people"] for t in e["townships"]) == e["total"]["affected_people"]
                                     for e in events)
    assert runner.invoke(losses, ["--years", "20x1"]).exit_code != 0
