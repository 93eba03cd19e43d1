"""`yingji planning tasks` (task progress and meeting decisions for a period) and `yingji planning tasks-overdue`
(the overdue flags refreshed, each change audited): what they print agrees with the records, and bad input is a
Chinese error naming the option."""

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner

from yingji.cli import main
from yingji.core.models import AuditEntry
from yingji.planning.models import Decision, PlanTask
from yingji.planning.services import tasks as services

pytestmark = pytest.mark.django_db


def run(*args):
    return CliRunner().invoke(main, ["planning", *args])


@pytest.fixture
def region(demo):
    return PlanTask.objects.select_related("region").order_by("region__path").first().region


def test_tasks_json_agrees_with_the_records(region):
    answer = run("tasks", "--region", region.code, "--start", "2024-01-01", "--end", "2025-12-31", "--json")
    assert answer.exit_code == 0, answer.output
    body = json.loads(answer.output)
    totals = body["task_totals"]
    expected = services.progress_summary(region, date(2024, 1, 1), date(2025, 12, 31))
    assert body["region"] == region.name and totals == expected["task_totals"]
    assert totals["total"] == len(body["tasks"]) > 0
    assert totals["done"] + totals["in_progress"] + totals["not_started"] == totals["total"]
    assert totals["overdue"] == sum(1 for t in body["tasks"] if t["overdue"])
    decisions = body["decision_totals"]
    assert decisions["open"] + decisions["closed"] == decisions["total"]
    assert {t["id"] for t in body["tasks"]} <= set(PlanTask.objects.filter(
        region__path__startswith=region.path).values_list("pk", flat=True))


def test_tasks_text_defaults_to_the_highest_region_and_this_half(region):
    answer = run("tasks")
    assert answer.exit_code == 0, answer.output
    first = answer.output.splitlines()[0]
    today = services.today()
    start = date(today.year, 1 if today.month <= 6 else 7, 1)
    assert first.startswith(f"{region.name} {start:%Y-%m-%d} 至 {today:%Y-%m-%d}：规划任务 ")
    assert "联席会议" in answer.output.splitlines()[-1]


@pytest.mark.parametrize("args, message", [
    (["--end", "2025-13-01"], "不是有效日期"),
    (["--start", "2025-07-01", "--end", "2025-06-30"], "起始日期不能晚于截止日期"),
    (["--region", "999999"], "找不到区划代码 999999"),
])
def test_tasks_bad_input_is_named(region, args, message):
    answer = run("tasks", *args)
    assert answer.exit_code != 0 and message in answer.output


def test_tasks_overdue_refreshes_the_flags_with_audit_entries(region):
    task = PlanTask.objects.exclude(status=PlanTask.DONE).filter(deadline__isnull=False).first()
    decision = Decision.objects.filter(status=Decision.OPEN).first()
    services.refresh_overdue()  # start from the flags as of today
    # Test set-up: a deadline passed yesterday, its flag not yet set (as at 00:05 before the daily run).
    PlanTask.objects.filter(pk=task.pk).update(deadline=services.today() - timedelta(days=1), is_overdue=False)
    Decision.objects.filter(pk=decision.pk).update(deadline=services.today() + timedelta(days=10), is_overdue=True)
    before = AuditEntry.objects.count()
    answer = run("tasks-overdue")
    assert answer.exit_code == 0, answer.output
    assert "规划任务 1 项、议定事项 1 项有变化" in answer.output
    assert PlanTask.objects.get(pk=task.pk).is_overdue and not Decision.objects.get(pk=decision.pk).is_overdue
    assert AuditEntry.objects.count() == before + 2
    again = run("tasks-overdue")
    assert "规划任务 0 项、议定事项 0 项有变化" in again.output  # nothing left to change


def test_tasks_overdue_schedule_says_what_it_did(region):
    deferrable = services.refresh_overdue_flags.get_backend().supports_defer
    answer = run("tasks-overdue", "--schedule")
    assert answer.exit_code == 0, answer.output
    assert answer.output.splitlines()[-1] == ("已安排每日自动刷新。" if deferrable
                                              else "每日自动刷新已在队列中（或当前后台任务后端不支持延时）。")
