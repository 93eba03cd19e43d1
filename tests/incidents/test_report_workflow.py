"""The information-report workflow across levels (issue 12): 拟稿 → 提交审核 → 审核 (通过/退回) → 签发 with a
confirmation → delivered to the next level up, whose duty officer 签收s it (late receipt flagged); 催报 from
above; the roles the settings name, the night rule, reviewer ≠ drafter, level rules, scoping, timeline, audit."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from tests.audit_check import audited
from yingji.core.models import Region, User
from yingji.incidents.models import InformationReport, ReportDelivery, ReportUrge, TimelineEntry
from yingji.incidents.services import report_workflow as workflow
from yingji.incidents.services import reports

SHANGHAI = ZoneInfo("Asia/Shanghai")
MEASURES = {"measures": "街道办已组织疏散周边群众，消防救援大队到场处置。"}
TIANCHI = (105.031, 30.283)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def people(demo):
    return {name: User.objects.get(username=name) for name in
            ("duty", "commander", "leader", "township", "township2", "city_duty", "admin")}


def local(hour, minute=0):
    """Today at hour:minute, Asia/Shanghai."""
    today = timezone.localdate()
    return datetime(today.year, today.month, today.day, hour, minute, tzinfo=SHANGHAI)


def initial_of(incident) -> InformationReport:
    return incident.reports.get(kind=InformationReport.INITIAL)


def reviewed(incident, people, drafter="duty", reviewer="commander"):
    report = workflow.submit_report(people[drafter], initial_of(incident), MEASURES)
    return workflow.review_report(people[reviewer], report, True)


def kinds(incident) -> list[str]:
    return list(incident.timeline.order_by("time", "id").values_list("kind", flat=True))


# --- The whole way, as the issue tells it ----------------------------------------------------------------------

def test_township_drafts_county_reviews_leader_signs_city_receives(open_incident, people):
    incident = open_incident(actor=people["township"], where=TIANCHI, title="天池街道某厂储罐泄漏")
    report = initial_of(incident)
    with audited() as trail:
        report = workflow.submit_report(people["township"], report, MEASURES)
    assert report.status == InformationReport.SUBMITTED and report.submitted_by == people["township"]
    assert trail.count("incidents.informationreport", "update") == 1
    with audited() as trail:
        report = workflow.review_report(people["duty"], report, True)
    assert report.status == InformationReport.REVIEWED and report.reviewed_by == people["duty"]
    assert trail.count("incidents.informationreport", "update") == 1
    # Signed a minute from now, after the submission and review stamped with the real time (the timeline is in
    # time order: a fixed signed_at came before them when the suite ran in the afternoon).
    signed_at = timezone.localtime() + timedelta(minutes=1)
    with audited() as trail:
        report = workflow.sign_report(people["leader"], report, confirm=True, now=signed_at)
    assert report.status == InformationReport.ISSUED and report.issued_by == people["leader"]
    assert report.issued_at == signed_at and report.document
    assert trail.count("incidents.reportdelivery", "create") == 1
    delivery = report.deliveries.get()
    assert delivery.to_region == Region.objects.get(code="512000") and delivery.to_name == "资阳市应急管理局"
    assert delivery.receipt_due == signed_at + timedelta(minutes=30) and delivery.received_at is None
    assert list(workflow.deliveries_to_receive(people["city_duty"])) == [delivery]
    assert not workflow.deliveries_to_receive(people["duty"]).exists()  # the county sent it, the city receives
    with audited() as trail:
        workflow.receive_delivery(people["city_duty"], delivery, now=signed_at + timedelta(minutes=10))
    assert trail.count("incidents.reportdelivery", "update") == 1
    delivery.refresh_from_db()
    assert delivery.received_by == people["city_duty"] and not delivery.late
    assert not workflow.deliveries_to_receive(people["city_duty"]).exists()
    assert kinds(incident)[-5:] == ["report_flow", "report_flow", "report", "delivery", "delivery"]
    texts = " ".join(incident.timeline.values_list("text", flat=True))
    assert "提交首报审核" in texts and "审核通过首报" in texts and "签发并报送首报至资阳市应急管理局" in texts
    assert "按时签收" in texts


# --- Roles, the night rule, levels -------------------------------------------------------------------------------

def test_duty_officer_cannot_sign_by_day_but_may_at_night(open_incident, people):
    report = reviewed(open_incident(), people)
    with pytest.raises(PermissionDenied, match="签发信息报告须由领导进行；夜间（22:00至次日07:00）值班员也可签发"):
        workflow.sign_report(people["duty"], report, confirm=True, now=local(15))
    report.refresh_from_db()
    assert report.status == InformationReport.REVIEWED and not report.deliveries.exists()
    assert not workflow.reports_to_sign(people["duty"], local(15)).exists()
    assert list(workflow.reports_to_sign(people["duty"], local(23, 30))) == [report]
    signed = workflow.sign_report(people["duty"], report, confirm=True, now=local(23, 30))
    assert signed.status == InformationReport.ISSUED and signed.issued_by == people["duty"]


def test_night_hours_and_night_signers_come_from_settings(open_incident, people, settings):
    settings.YINGJI_NIGHT_HOURS = "20:00-06:00"
    assert workflow.is_night(local(21)) and workflow.is_night(local(5, 59)) and not workflow.is_night(local(6))
    settings.YINGJI_NIGHT_SIGNERS = []
    report = reviewed(open_incident(), people)
    with pytest.raises(PermissionDenied):
        workflow.sign_report(people["duty"], report, confirm=True, now=local(23))
    settings.YINGJI_REPORT_SIGNERS = ["指挥长"]
    assert workflow.sign_report(people["commander"], report, confirm=True, now=local(10)).status == "issued"


def test_reviewer_may_not_be_the_drafter(open_incident, people):
    report = workflow.submit_report(people["duty"], initial_of(open_incident()), MEASURES)
    with pytest.raises(ValidationError, match="审核人不能是拟稿人"):
        workflow.review_report(people["duty"], report, True)
    report.refresh_from_db()
    assert report.status == InformationReport.SUBMITTED and report.reviewed_by is None
    assert not workflow.reports_to_review(people["duty"]).exists()
    assert list(workflow.reports_to_review(people["commander"])) == [report]


def test_township_cannot_review_or_sign_a_county_report(open_incident, people, settings):
    settings.YINGJI_REPORT_REVIEWERS = ["乡镇用户", "指挥长"]
    settings.YINGJI_REPORT_SIGNERS = ["乡镇用户", "领导"]
    incident = open_incident(actor=people["township"], where=TIANCHI)
    report = workflow.submit_report(people["duty"], initial_of(incident), MEASURES)
    with pytest.raises(PermissionDenied, match="须由乐至县或其上级的人员审核"):
        workflow.review_report(people["township"], report, True)
    report = workflow.review_report(people["commander"], report, True)
    with pytest.raises(PermissionDenied, match="须由乐至县或其上级的人员签发"):
        workflow.sign_report(people["township"], report, confirm=True, now=local(10))
    assert InformationReport.objects.get(pk=report.pk).status == InformationReport.REVIEWED


def test_drafting_roles_and_states(open_incident, people, settings):
    report = initial_of(open_incident())
    with pytest.raises(PermissionDenied, match="拟稿信息报告须由值班员、指挥长、乡镇用户进行"):
        workflow.submit_report(people["leader"], report, MEASURES)
    with pytest.raises(ValidationError, match="须由其他人员|当前为"):
        workflow.review_report(people["commander"], report, True)  # not submitted yet
    report = workflow.submit_report(people["township2"], report, MEASURES)  # 回澜镇 drafts its own incident's
    with pytest.raises(ValidationError, match="已提交审核"):
        reports.save_content(people["duty"], report, {"other": "补充"})
    with pytest.raises(ValidationError, match="当前为“待审核”，不能签发"):
        workflow.sign_report(people["leader"], report, confirm=True, now=local(10))


def test_return_sends_it_back_with_the_reason(open_incident, people, web):
    incident = open_incident()
    report = workflow.submit_report(people["duty"], initial_of(incident), MEASURES)
    with pytest.raises(ValidationError, match="退回须说明原因"):
        workflow.review_report(people["commander"], report, False, "  ")
    report = workflow.review_report(people["commander"], report, False, "伤亡人数与现场核实不一致")
    assert report.status == InformationReport.DUE and report.return_reason == "伤亡人数与现场核实不一致"
    entry = incident.timeline.filter(kind="report_flow").order_by("-time", "-id").first()
    assert entry.text.endswith("退回首报（伤亡人数与现场核实不一致）")
    edit = web("duty").get(f"/incidents/reports/{report.pk}/edit/").content.decode()
    assert "伤亡人数与现场核实不一致" in edit
    report = reports.save_content(people["duty"], report, {"casualties_loss": "2人轻伤。"})
    assert workflow.submit_report(people["duty"], report).status == InformationReport.SUBMITTED
    assert InformationReport.objects.get(pk=report.pk).return_reason == ""


def test_sign_needs_confirmation(open_incident, people, api):
    report = reviewed(open_incident(), people)
    with pytest.raises(ValidationError, match="不能撤回"):
        workflow.sign_report(people["leader"], report, confirm=False, now=local(10))
    answer = api("leader").post(f"/api/incident-reports/{report.pk}/issue/", {}, format="json")
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "confirm" in error["fields"] and "请确认后再签发" in error["message"]
    report.refresh_from_db()
    assert report.status == InformationReport.REVIEWED and not report.document and not report.deliveries.exists()
    signed = api("leader").post(f"/api/incident-reports/{report.pk}/issue/", {"confirm": True}, format="json")
    assert signed.status_code == 200 and signed.json()["status"] == "issued"


def test_follow_up_is_not_signed_before_the_initial_report(open_incident, people):
    from yingji.incidents.services import incidents as incident_services

    incident = open_incident()
    workflow.submit_report(people["duty"], initial_of(incident), MEASURES)  # in review: no longer carries changes
    incident_services.update_incident(people["duty"], incident, {"injuries": 3})
    follow_up = incident.reports.get(kind=InformationReport.FOLLOW_UP)
    report = workflow.review_report(people["commander"], workflow.submit_report(
        people["duty"], follow_up, {"account": "新增3人轻伤。", "casualties_loss": "3人轻伤。"}), True)
    with pytest.raises(ValidationError, match="须先报送首报"):
        workflow.sign_report(people["leader"], report, confirm=True, now=local(10))


# --- Receipt ------------------------------------------------------------------------------------------------------

def test_late_receipt_is_flagged(open_incident, people, web):
    report = workflow.sign_report(people["leader"], reviewed(open_incident(), people), confirm=True, now=local(9))
    delivery = report.deliveries.get()
    assert delivery.is_late(local(9, 31)) and not delivery.is_late(local(9, 29))
    with pytest.raises(PermissionDenied, match="须由该单位签收"):
        workflow.receive_delivery(people["duty"], delivery, now=local(9, 40))  # the sender cannot 签收
    workflow.receive_delivery(people["city_duty"], delivery, now=local(9, 45))
    delivery.refresh_from_db()
    assert delivery.received_at == local(9, 45) and delivery.late
    assert "超时签收，晚15分" in report.incident.timeline.filter(kind="delivery").order_by("-id").first().text
    with pytest.raises(ValidationError, match="已由值班员·郑洁于"):
        workflow.receive_delivery(people["city_duty"], delivery, now=local(9, 50))
    inbox = web("city_duty").get("/incidents/reports/inbox/").content.decode()
    assert 'data-testid="late"' in inbox and "超时签收" in inbox
    panel = web("duty").get(report.incident.get_absolute_url()).content.decode()  # the incident page's panel
    assert "资阳市应急管理局超时签收 09:45" in panel


def test_misconfigured_night_hours_say_so(settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.YINGJI_NIGHT_HOURS = "10pm"
    with pytest.raises(ImproperlyConfigured, match="YINGJI_NIGHT_HOURS 应写作“22:00-07:00”"):
        workflow.is_night()


def test_receive_through_the_api_and_web(open_incident, people, api, web):
    report = workflow.sign_report(people["leader"], reviewed(open_incident(), people), confirm=True)
    assert api("duty").post(f"/api/incident-reports/{report.pk}/receive/", {}, format="json").status_code == 404
    inbox = api("city_duty").get("/api/incident-reports/inbox/?waiting=true").json()
    assert [d["report"] for d in inbox["results"]] == [report.pk]
    answer = web("city_duty").post(f"/incidents/reports/{report.pk}/receive/", {})
    assert answer.status_code == 302
    delivery = ReportDelivery.objects.get(report=report)
    assert delivery.received_by == people["city_duty"]
    detail = web("city_duty").get(f"/incidents/reports/{report.pk}/").content.decode()
    assert 'data-testid="received-at"' in detail and timezone.localtime(delivery.received_at).strftime("%H:%M:%S") in detail


# --- 催报 -----------------------------------------------------------------------------------------------------------

def test_urge_only_from_above_the_issuing_bureau(open_incident, people, api, web):
    incident = open_incident(reported_at=timezone.now() - timedelta(minutes=90),
                             occurred_at=timezone.now() - timedelta(minutes=100))
    report = initial_of(incident)
    for name in ("duty", "township2"):  # the county itself and the township below cannot 催报
        with pytest.raises(PermissionDenied, match="催报须由乐至县的上级发出"):
            workflow.urge_report(people[name], report)
    with audited() as trail:
        urge = workflow.urge_report(people["city_duty"], report)
    assert trail.count("incidents.reporturge", "create") == 1
    assert urge.by_region.name == "资阳市" and "已超时30分" in urge.message
    assert incident.timeline.filter(kind="urge").count() == 1
    assert list(workflow.urges_for(people["duty"])) == [urge]
    assert list(workflow.urges_for(people["township2"])) == [urge]  # the drafting township sees it too
    assert not workflow.urges_for(people["city_duty"]).exists()  # not a badge for the one who sent it
    answer = api("city_duty").post(f"/api/incident-reports/{report.pk}/urge/", {"message": "请立即电话报告"},
                                   format="json")
    assert answer.status_code == 201 and answer.json()["message"] == "请立即电话报告"
    for url in ("/incidents/reports/", incident.get_absolute_url()):  # the list and the incident's panel
        assert "催报2次" in web("duty").get(url).content.decode()
    listed = api("duty").get(f"/api/incident-reports/{report.pk}/").json()
    assert [u["message"] for u in listed["urges"]][0] == "请立即电话报告"
    workflow.sign_report(people["leader"], reviewed(incident, people), confirm=True)
    with pytest.raises(ValidationError, match="无需催报"):
        workflow.urge_report(people["city_duty"], report)
    assert not workflow.urges_for(people["duty"]).exists()  # answered: off the list


# --- Scoping -------------------------------------------------------------------------------------------------------

def test_other_city_cannot_read_or_act(open_incident, people, api, web):
    """A duty officer of another city sees none of it: the report, its inbox entry, 签收 and 催报 are 404s."""
    from yingji.core import services as core_services

    sichuan = Region.objects.get(code="512000").parent
    other_city = core_services.save_region(None, Region(), {"name": "内江市", "level": "city", "parent": sichuan,
                                                             "code": "511000"})
    other = User.objects.create_user("neijiang_duty", password="Yingji@2026", region=other_city,
                                     display_name="值班员·内江")
    other.groups.add(*people["city_duty"].groups.all())
    report = workflow.sign_report(people["leader"], reviewed(open_incident(), people), confirm=True)
    client = api("neijiang_duty")
    assert client.get(f"/api/incident-reports/{report.pk}/").status_code == 404
    assert client.post(f"/api/incident-reports/{report.pk}/receive/", {}, format="json").status_code == 404
    assert client.post(f"/api/incident-reports/{report.pk}/urge/", {}, format="json").status_code == 404
    assert client.get("/api/incident-reports/inbox/").json()["count"] == 0
    assert not workflow.deliveries_to_receive(other).exists() and not workflow.urges_for(other).exists()
    assert web("neijiang_duty").get(f"/incidents/reports/{report.pk}/").status_code == 404
    assert web("neijiang_duty").post(f"/incidents/reports/{report.pk}/receive/", {}).status_code == 404
    assert ReportDelivery.objects.get(report=report).received_at is None
    assert not ReportUrge.objects.exists()
    assert api("city_duty").get(f"/api/incident-reports/{report.pk}/").status_code == 200  # the receiver reads it


# --- Pages ---------------------------------------------------------------------------------------------------------

def test_confirm_page_shows_what_to_whom_and_signs_on_confirm(open_incident, people, web):
    report = reviewed(open_incident(), people)
    client = web("leader")
    page = client.get(f"/incidents/reports/{report.pk}/issue/").content.decode()
    assert "资阳市应急管理局" in page and "不能撤回" in page and 'data-testid="sign-confirm-button"' in page
    shown = client.post(f"/incidents/reports/{report.pk}/issue/", {})  # no confirm: the page again, nothing done
    assert shown.status_code == 200 and InformationReport.objects.get(pk=report.pk).status == "reviewed"
    refused = web("duty").get(f"/incidents/reports/{report.pk}/issue/").content.decode()
    if not workflow.is_night():
        assert 'data-testid="sign-confirm-button"' not in refused and "签发信息报告须由领导进行" in refused
    signed = client.post(f"/incidents/reports/{report.pk}/issue/", {"confirm": "1"})
    assert signed.status_code == 302
    assert InformationReport.objects.get(pk=report.pk).status == InformationReport.ISSUED


def test_buttons_only_for_what_the_user_may_do(open_incident, people, web):
    report = workflow.submit_report(people["duty"], initial_of(open_incident()), MEASURES)
    url = f"/incidents/reports/{report.pk}/"
    assert 'data-testid="review-pass"' not in web("duty").get(url).content.decode()  # own draft
    assert 'data-testid="review-pass"' in web("commander").get(url).content.decode()
    assert 'data-testid="review-pass"' not in web("township2").get(url).content.decode()
    answer = web("commander").post(f"/incidents/reports/{report.pk}/review/", {"decision": "pass"})
    assert answer.status_code == 302
    assert 'data-testid="sign-link"' in web("leader").get(url).content.decode()
    assert 'data-testid="urge"' in web("city_duty").get(url).content.decode()
    assert 'data-testid="urge"' not in web("duty").get(url).content.decode()


def test_overdue_still_counts_until_signed(open_incident, people):
    incident = open_incident(reported_at=timezone.now() - timedelta(minutes=70),
                             occurred_at=timezone.now() - timedelta(minutes=80))
    report = reviewed(incident, people)
    assert reports.countdown(report)["overdue"]
    assert reports.due_reports(people["duty"]).filter(pk=report.pk, overdue=True).exists()
    signed = workflow.sign_report(people["leader"], report, confirm=True)
    assert not reports.countdown(signed)["overdue"]
    assert "超时" in incident.timeline.filter(kind="report").order_by("-id").first().text


def test_timeline_kinds_are_known():
    known = dict(TimelineEntry.KIND_CHOICES)
    assert known["report_flow"] == "报告审签" and known["delivery"] == "报告签收" and known["urge"] == "催报"
