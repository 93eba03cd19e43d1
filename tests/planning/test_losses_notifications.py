"""Disaster-loss reminders on the bell: a township's unsubmitted reports by their deadline (its own only; the county
sees its townships'), and the county's own filings upwards (初报, yesterday's 续报, 核报) — each source in at most two
queries, an item's id changing when it turns overdue so the bell announces it again."""

import datetime
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core import notifications
from yingji.core.models import Region, User
from yingji.planning.models import DisasterEvent, DisasterLossReport
from yingji.planning.services import losses as services

pytestmark = pytest.mark.django_db
Report = DisasterLossReport


def user(name):
    return User.objects.get(username=name)


def source(user_name, key, now=None):
    found = {s["key"]: s for s in notifications.collect(user(user_name), now=now)["sources"]}
    return found.get(key)


def ids(user_name, key, now=None):
    found = source(user_name, key, now)
    return {item["id"]: item for item in found["items"]} if found else None


@pytest.fixture
def current(demo):
    return DisasterEvent.objects.get(name__contains="进行中")


def test_township_is_reminded_of_its_own_overdue_draft_and_the_county_sees_it(current):
    draft = Report.objects.get(event=current, region__name="天池街道", status=Report.DRAFT)
    mine = ids("township", "loss_reports_due")
    assert mine[f"lossreport-{draft.pk}-overdue"]["kind"] == "灾情报告已超时"
    assert mine[f"lossreport-{draft.pk}-overdue"]["note"].startswith("已超时")
    assert mine[f"lossreport-{draft.pk}-overdue"]["url"] == f"/planning/losses/reports/{draft.pk}/"
    assert f"lossreport-{draft.pk}-overdue" in ids("duty", "loss_reports_due")  # the county, to urge it
    assert f"lossreport-{draft.pk}-overdue" not in ids("township2", "loss_reports_due")  # 回澜镇: not its report
    services.submit_report(user("township"), draft)  # submitted (late): nothing left to remind of
    assert f"lossreport-{draft.pk}-overdue" not in ids("township", "loss_reports_due")


def test_a_report_due_soon_is_shown_then_announced_again_when_overdue(current, settings):
    settings.YINGJI_LOSS_REMIND_MINUTES = 60
    township = user("township2")
    county = Region.objects.get(code="512022")
    soon = services.save_event(user("duty"), DisasterEvent(), {
        "name": "回澜镇冰雹（测试）", "hazard": "hail", "region": county,
        "occurred_at": timezone.now() - timedelta(minutes=30)})  # 乡镇初报 due in 30 minutes (2 h − 60 min lead)
    report = services.save_report(township, Report(), {"event": soon, "region": township.region,
                                                       "stage": Report.INITIAL, "affected_people": 10})
    items = ids("township2", "loss_reports_due")
    assert items[f"lossreport-{report.pk}-soon"]["kind"] == "灾情报告即将到期"
    assert items[f"lossreport-{report.pk}-soon"]["note"].startswith("还有")
    later = ids("township2", "loss_reports_due", now=timezone.now() + timedelta(minutes=31))
    assert f"lossreport-{report.pk}-overdue" in later and f"lossreport-{report.pk}-soon" not in later
    settings.YINGJI_LOSS_REMIND_MINUTES = 10  # not yet within the window: not shown
    assert not any(key.startswith(f"lossreport-{report.pk}-") for key in ids("township2", "loss_reports_due"))


def test_county_filings_initial_then_yesterdays_followup_then_final(current):
    duty = user("duty")
    first = ids("duty", "loss_filings_due")
    key = f"lossfiling-{current.pk}-初报-overdue"
    assert first[key]["title"] == f"{current.name} · 县级初报" and first[key]["kind"] == "灾情上报已超时"
    assert source("township", "loss_filings_due") is None  # a township does not file upwards
    services.file_upward(duty, current, Report.INITIAL)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    waiting = ids("duty", "loss_filings_due")
    assert key not in waiting
    followup = next(item for item in waiting.values() if item["title"].startswith(f"{current.name} · 县级续报"))
    assert f"截至 {yesterday:%m-%d} 24 时" in followup["title"]
    services.file_upward(duty, current, Report.FOLLOWUP, covers_on=yesterday)
    assert not any(item["title"].startswith(current.name) for item in ids("duty", "loss_filings_due").values())
    services.save_event(duty, current, {"ended_on": timezone.localdate()})
    final = [item for item in ids("duty", "loss_filings_due").values() if item["title"] == f"{current.name} · 县级核报"]
    assert len(final) == 1 and final[0]["kind"] == "灾情上报即将到期"  # 5 days from today


@pytest.mark.parametrize("key, username", [("loss_reports_due", "township"), ("loss_reports_due", "duty"),
                                           ("loss_filings_due", "duty")])
def test_each_loss_source_costs_at_most_two_queries(current, key, username):
    person = user(username)
    notifications.collect(person)  # permissions cached, as on every poll after the first
    found = next(s for s in notifications.sources() if s.key == key)
    with CaptureQueriesContext(connection) as queries:
        result = found.collect(person, timezone.now())
    assert result["count"] and len(queries) <= 2, [q["sql"] for q in queries]
