"""The bell tells each person of the report workflow's step that waits for them: the reviewer, the signer, the
receiving level's duty officer, and the drafting level when the level above sends a 催报."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from yingji.core.models import User
from yingji.core.notifications import collect
from yingji.incidents.models import InformationReport
from yingji.incidents.services import report_workflow as workflow

pytestmark = pytest.mark.django_db
TIANCHI = (105.031, 30.283)
MEASURES = {"measures": "街道办已组织疏散周边群众。"}


@pytest.fixture
def people(demo):
    return {name: User.objects.get(username=name) for name in
            ("duty", "leader", "township", "township2", "city_duty")}


def noon():
    today = timezone.localdate()
    return datetime(today.year, today.month, today.day, 12, tzinfo=ZoneInfo("Asia/Shanghai"))


def waiting(user, key, now=None) -> list[str]:
    source = next((s for s in collect(user, now)["sources"] if s["key"] == key), None)
    return [item["title"] for item in source["items"]] if source else []


def test_each_step_reaches_the_person_who_acts_on_it(open_incident, people):
    incident = open_incident(actor=people["township"], where=TIANCHI, title="天池街道某厂储罐泄漏")
    report = incident.reports.get(kind=InformationReport.INITIAL)
    title = f"{incident.title} · 首报"
    assert title not in waiting(people["duty"], "reports_to_review")
    report = workflow.submit_report(people["township"], report, MEASURES)
    assert title in waiting(people["duty"], "reports_to_review")
    assert title not in waiting(people["township"], "reports_to_review")  # the drafter does not review
    report = workflow.review_report(people["duty"], report, True)
    assert title not in waiting(people["duty"], "reports_to_review")
    assert title in waiting(people["leader"], "reports_to_sign", noon())
    assert title not in waiting(people["duty"], "reports_to_sign", noon())  # by day the leader signs
    workflow.sign_report(people["leader"], report, confirm=True, now=noon())
    assert title in waiting(people["city_duty"], "deliveries")
    assert title not in waiting(people["duty"], "deliveries")  # the county sent it; the city receives it
    workflow.receive_delivery(people["city_duty"], report.deliveries.get())
    assert title not in waiting(people["city_duty"], "deliveries")


def test_an_urge_from_above_reaches_the_drafting_level_only(open_incident, people):
    incident = open_incident(actor=people["township"], where=TIANCHI, title="天池街道某厂火情")
    report = incident.reports.get(kind=InformationReport.INITIAL)
    workflow.urge_report(people["city_duty"], report, "请立即报送首报。")
    title = f"{incident.title} · 首报"
    assert title in waiting(people["duty"], "urges")
    assert title in waiting(people["township"], "urges")
    assert title not in waiting(people["township2"], "urges")  # another township's report
    assert title not in waiting(people["city_duty"], "urges")  # its own urge
