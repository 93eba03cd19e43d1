"""Information reports (首报/续报/终报): deadlines, the relay chain, when 续报 and 终报 become due, the
第十二条 content and .docx, immutability once issued, scoping of pages/API/downloads, overdue flags."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from docx import Document

from yingji.core.models import AuditEntry, User
from yingji.incidents.models import Incident, InformationReport
from yingji.incidents.services import incidents as incident_services
from yingji.incidents.services import report_docx
from yingji.incidents.services import reports as services
from yingji.incidents.views.reports import reports_context

pytestmark = pytest.mark.django_db

MEASURES = {"measures": "县应急管理局值班领导带队赶赴现场，消防救援大队到场处置。"}
CITY, PROVINCE, NATION = "资阳市应急管理局", "四川省应急管理厅", "应急管理部"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def commander(demo):
    return User.objects.get(username="commander")


def reported_ago(minutes: float) -> dict:
    """Intake fields of an incident the bureau learned of `minutes` ago."""
    reported = timezone.now() - timedelta(minutes=minutes)
    return {"reported_at": reported, "occurred_at": reported - timedelta(minutes=10)}


def initial_of(incident) -> InformationReport:
    return incident.reports.get(kind=InformationReport.INITIAL)


def due_follow_ups(incident):
    return list(incident.reports.filter(kind=InformationReport.FOLLOW_UP, status=InformationReport.DUE))


def issue_initial(incident, duty):
    return services.issue_report(duty, initial_of(incident), MEASURES)


def hop_minutes(report) -> list[float]:
    times = [parse_datetime(hop["due"]) for hop in report.relay_deadlines]
    return [(b - a).total_seconds() / 60 for a, b in zip(times, times[1:], strict=False)]


# --- Deadlines ---------------------------------------------------------------

def test_initial_report_is_due_an_hour_after_the_bureau_learned(open_incident, duty):
    incident = open_incident()
    report = initial_of(incident)
    assert report.status == InformationReport.DUE and report.sequence == 1 and report.trigger == "接报"
    assert report.due_at == incident.reported_at + timedelta(minutes=60)
    assert report.recipient == CITY  # the level above 乐至县
    assert report.relay_deadlines == [{"level": "city", "to": CITY, "due": report.due_at.isoformat()}]
    created = AuditEntry.objects.get(model="incidents.informationreport", object_id=str(report.pk))
    assert created.action == AuditEntry.CREATE and created.actor == duty


def test_deadlines_follow_the_deployment_settings(open_incident, settings):
    settings.YINGJI_INITIAL_REPORT_MINUTES = 30
    settings.YINGJI_RELAY_REPORT_MINUTES = 45
    incident = open_incident(deaths=3)  # 较大事故: up to the province
    report = initial_of(incident)
    assert report.due_at == incident.reported_at + timedelta(minutes=30)
    assert hop_minutes(report) == [45]


@pytest.mark.parametrize("deaths, grade, chain", [
    (0, "一般事故", [CITY]),
    (3, "较大事故", [CITY, PROVINCE]),
    (10, "重大事故", [CITY, PROVINCE, NATION]),
    (30, "特别重大事故", [CITY, PROVINCE, NATION]),
])
def test_relay_chain_of_accidents_by_grade(open_incident, deaths, grade, chain):
    incident = open_incident(deaths=deaths)
    assert incident.accident_grade == grade
    report = initial_of(incident)
    assert [hop["to"] for hop in report.relay_deadlines] == chain
    assert report.relay_deadlines[0]["due"] == report.due_at.isoformat()
    assert hop_minutes(report) == [120] * (len(chain) - 1)  # 第十一条: 2 hours a level


@pytest.mark.parametrize("level, chain", [
    (4, [CITY]), (3, [CITY]), (2, [CITY, PROVINCE]), (1, [CITY, PROVINCE, NATION]),
])
def test_relay_chain_of_other_incidents_by_level(open_incident, commander, level, chain):
    incident = open_incident(title="回澜镇洪水", event_code="11A01")
    assert [hop["to"] for hop in initial_of(incident).relay_deadlines] == [CITY]  # ungraded: 设区的市
    incident_services.set_level(commander, incident, level, "按县级预案标准")
    report = initial_of(incident)
    assert [hop["to"] for hop in report.relay_deadlines] == chain
    assert report.due_at == incident.reported_at + timedelta(minutes=60)  # the deadline itself stays


def test_issue_counts_the_relays_again_from_the_issue_time(open_incident, duty):
    incident = open_incident(deaths=10)
    report = issue_initial(incident, duty)
    hops = report.relay_deadlines
    assert hops[0]["due"] == report.due_at.isoformat() and hops[0]["reported_at"] == report.issued_at.isoformat()
    assert parse_datetime(hops[1]["due"]) == report.issued_at + timedelta(minutes=120)
    assert parse_datetime(hops[2]["due"]) == report.issued_at + timedelta(minutes=240)


# --- When 续报 and 终报 become due -----------------------------------------------

def test_casualty_change_makes_a_follow_up_due(open_incident, duty):
    incident = open_incident()
    issue_initial(incident, duty)
    before = timezone.now()
    incident_services.update_incident(duty, incident, {"injuries": 2}, "医院通报")
    [follow_up] = due_follow_ups(incident)
    assert follow_up.sequence == 1 and follow_up.trigger == "伤亡损失变化"
    assert before + timedelta(minutes=60) <= follow_up.due_at <= timezone.now() + timedelta(minutes=60)
    assert str(follow_up) == "续报（第1次）"


def test_regrade_makes_a_follow_up_due_and_extends_the_chain(open_incident, duty):
    incident = open_incident()
    issue_initial(incident, duty)
    incident = incident_services.update_incident(duty, incident, {"deaths": 3}, "搜救发现遇难者")
    assert incident.accident_grade == "较大事故"
    [follow_up] = due_follow_ups(incident)
    assert follow_up.trigger == "事故等级调整"
    assert [hop["to"] for hop in follow_up.relay_deadlines] == [CITY, PROVINCE]


def test_status_change_makes_a_follow_up_due(open_incident, duty):
    incident = open_incident()
    issue_initial(incident, duty)
    incident_services.change_status(duty, incident, Incident.VERIFYING)
    [follow_up] = due_follow_ups(incident)
    assert follow_up.trigger == "状态变更：接报→核实"


def test_a_second_change_joins_the_due_follow_up(open_incident, duty):
    incident = open_incident()
    issue_initial(incident, duty)
    incident_services.update_incident(duty, incident, {"injuries": 1}, "")
    incident_services.change_status(duty, incident, Incident.VERIFYING)
    incident_services.update_incident(duty, incident, {"injuries": 2}, "")
    [follow_up] = due_follow_ups(incident)
    assert follow_up.trigger == "伤亡损失变化；状态变更：接报→核实"
    services.issue_report(duty, follow_up)
    incident_services.change_status(duty, incident, Incident.RESPONDING, "启动处置")
    assert [r.sequence for r in due_follow_ups(incident)] == [2]


def test_no_follow_up_while_the_initial_report_is_due(open_incident, duty):
    incident = open_incident()
    incident_services.update_incident(duty, incident, {"deaths": 1}, "")
    incident_services.change_status(duty, incident, Incident.VERIFYING)
    assert due_follow_ups(incident) == []
    assert initial_of(incident).trigger == "接报；伤亡损失变化；状态变更：接报→核实"


def test_final_report_when_the_incident_ends(open_incident, duty):
    incident = open_incident()
    issue_initial(incident, duty)
    incident_services.update_incident(duty, incident, {"injuries": 1}, "")
    [follow_up] = due_follow_ups(incident)
    incident_services.change_status(duty, incident, Incident.ENDED, "现场处置完毕")
    final = incident.reports.get(kind=InformationReport.FINAL)
    assert final.status == InformationReport.DUE and "伤亡损失变化" in final.trigger
    follow_up.refresh_from_db()
    assert follow_up.status == InformationReport.CANCELLED and "终报" in follow_up.trigger
    assert "终报如下" in services.opening(final)
    # Reopened: the 终报 is withdrawn and a 续报 is due instead.
    incident_services.change_status(duty, incident, Incident.RESPONDING, "复燃")
    final.refresh_from_db()
    assert final.status == InformationReport.CANCELLED
    assert [r.trigger for r in due_follow_ups(incident)] == ["状态变更：结束→处置中"]


def test_follow_up_and_final_wait_for_the_initial_report(open_incident, duty):
    incident = open_incident()
    incident_services.change_status(duty, incident, Incident.ENDED, "核实为误报")
    final = incident.reports.get(kind=InformationReport.FINAL)
    with pytest.raises(ValidationError) as caught:
        services.issue_report(duty, final, MEASURES)
    assert "首报尚未报送" in caught.value.message_dict["kind"][0]
    issue_initial(incident, duty)
    assert services.issue_report(duty, final, MEASURES).status == InformationReport.ISSUED


def test_casualty_window(open_incident, duty):
    recent = open_incident(event_code="12G01", title="回澜镇厂房火灾")
    window = services.casualty_window(recent)
    assert window["applies"] and window["open"] and window["days"] == 7  # fire: 7 days
    assert window["ends"] == recent.occurred_at + timedelta(days=7)
    long_ago = timezone.now() - timedelta(days=8)
    incident = open_incident(event_code="12G01", title="回澜镇厂房火灾（旧）", occurred_at=long_ago,
                             reported_at=long_ago + timedelta(minutes=10))
    assert services.casualty_window(incident)["open"] is False
    assert "补报期已于" in services.casualty_window(incident)["text"]
    issue_initial(incident, duty)
    incident_services.update_incident(duty, incident, {"deaths": 1}, "伤者抢救无效")
    [follow_up] = due_follow_ups(incident)
    assert "已过493号令第十三条伤亡变化补报期" in follow_up.trigger
    assert not services.casualty_window(open_incident(title="洪水", event_code="11A01"))["applies"]


# --- Content, issue, immutability -------------------------------------------

def test_draft_is_prefilled_from_the_incident_and_timeline(open_incident, duty):
    incident = open_incident(deaths=1, missing=2, serious_injuries=3, injuries=4,
                             direct_loss_wan=Decimal("12.50"), unit_overview="四川某化工有限公司，年产…")
    incident_services.add_note(duty, incident, "已通知县生态环境局开展监测")
    content = services.draft_content(initial_of(incident), duty)
    assert [k for k, _ in services.SECTIONS] == [k for k in content if k in dict(services.SECTIONS)]
    assert content["unit_overview"] == "四川某化工有限公司，年产…"
    assert "回澜镇" in content["time_place_scene"] and "储罐阀门泄漏" in content["account"]
    assert "1人死亡、2人下落不明、3人重伤、4人轻伤" in content["casualties_loss"]
    assert "12.5万元" in content["casualties_loss"]
    assert "已通知县生态环境局开展监测" in content["measures"]
    assert "较大事故" in content["time_place_scene"] and "30日内" in content["other"]  # 1 dead + 2 missing = 3: 较大
    assert content["filled_by"] == str(duty)


def test_issue_stores_a_docx_with_the_parts_and_the_figures(open_incident, duty):
    incident = open_incident(deaths=1, missing=2, injuries=4, direct_loss_wan=Decimal("120"))
    services.save_content(duty, initial_of(incident), {"phone": "028-23300000"})
    report = issue_initial(incident, duty)
    assert report.status == InformationReport.ISSUED and report.issued_by == duty and report.issued_at
    assert report.content["measures"] == MEASURES["measures"]
    with report.document.open("rb") as f:
        data = f.read()
    doc = Document(io.BytesIO(data))
    text = report_docx.read_text(data)
    assert "关于乐至县回澜镇某化工厂储罐泄漏事故的首报" in text.splitlines()
    for heading in ("一、事件基本情况", "二、简要经过", "三、伤亡和损失", "四、已采取的措施"):
        assert heading in text.splitlines(), heading
    for figure in ("1人死亡、2人下落不明、4人轻伤", "120万元", MEASURES["measures"], incident.number,
                   "报送单位：乐至县应急管理局", f"{CITY}：", "联系电话：028-23300000", f"联系人：{duty}"):
        assert figure in text, figure
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # A4
    title = next(p for p in doc.paragraphs if p.text.startswith("关于"))
    assert 'w:eastAsia="方正小标宋简体"' in title.runs[0]._element.xml
    heading = next(p for p in doc.paragraphs if p.text == "一、事件基本情况")
    assert 'w:eastAsia="黑体"' in heading.runs[0]._element.xml
    assert 'w:eastAsia="仿宋"' in doc.paragraphs[-1].runs[0]._element.xml
    entry = incident.timeline.get(kind="report")
    assert entry.text == f"报送首报至{CITY}（按时）" and entry.actor == duty
    assert AuditEntry.objects.filter(model="incidents.informationreport", object_id=str(report.pk),
                                     action=AuditEntry.UPDATE).exists()


def test_issued_report_is_immutable(open_incident, duty):
    report = issue_initial(open_incident(), duty)
    for attempt in (lambda: services.save_content(duty, report, {"other": "改"}),
                    lambda: services.issue_report(duty, report),
                    lambda: services.cancel_report(duty, report, "不报了")):
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert "已报送的报告保持报送时的内容" in caught.value.message_dict["status"][0]
    report.refresh_from_db()
    assert report.content["other"] != "改"


def test_content_is_checked(open_incident, duty):
    report = initial_of(open_incident())
    with pytest.raises(ValidationError) as caught:
        services.save_content(duty, report, {"nonsense": "x", "phone": "1" * 40})
    assert "未知的报告内容项" in caught.value.message_dict["nonsense"][0]
    assert "不能超过 32 字" in caught.value.message_dict["phone"][0]
    with pytest.raises(ValidationError) as caught:
        services.issue_report(duty, report, {"measures": "  ", "filled_by": ""})
    assert set(caught.value.message_dict) == {"measures", "filled_by"}
    report.refresh_from_db()
    assert report.status == InformationReport.DUE and not report.document


def test_cancel_needs_a_reason_and_is_in_the_timeline(open_incident, duty):
    incident = open_incident()
    with pytest.raises(ValidationError) as caught:
        services.cancel_report(duty, initial_of(incident), " ")
    assert "reason" in caught.value.message_dict
    report = services.cancel_report(duty, initial_of(incident), "核实为误报")
    assert report.status == InformationReport.CANCELLED
    assert incident.timeline.filter(kind="report", text__contains="核实为误报").exists()


def test_issue_late_is_recorded_as_late(open_incident, duty):
    incident = open_incident(**reported_ago(90))
    issue_initial(incident, duty)
    assert "超时30分" in incident.timeline.get(kind="report").text


# --- Queries, pages, API -----------------------------------------------------

def test_due_reports_are_scoped_ordered_and_flag_overdue(open_incident, duty, demo):
    late = open_incident(title="甲", **reported_ago(61))
    fresh = open_incident(title="乙")
    rows = [r for r in services.due_reports(duty) if r.incident_id in (late.pk, fresh.pk)]
    assert [(r.incident_id, r.overdue) for r in rows] == [(late.pk, True), (fresh.pk, False)]
    assert services.countdown(rows[0])["text"].startswith("已超时")
    township = User.objects.get(username="township")  # 天池街道: not 回澜镇
    assert not services.due_reports(township).filter(incident__in=[late, fresh]).exists()


def test_download_is_scoped_in_ui_and_api(open_incident, duty, web, api):
    report = issue_initial(open_incident(), duty)
    ui = f"/incidents/reports/{report.pk}/document/"
    own = web("township2").get(ui)  # 回澜镇's own incident
    assert own.status_code == 200 and own["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "关于乐至县回澜镇" in report_docx.read_text(b"".join(own.streaming_content))
    assert web("township").get(ui).status_code == 404
    assert web("township").get(f"/incidents/reports/{report.pk}/").status_code == 404
    url = f"/api/incident-reports/{report.pk}/document/"
    assert api("township2").get(url).status_code == 200
    outside = api("township").get(url)
    assert outside.status_code == 404 and outside.json()["error"]["code"] == "not_found"
    assert api("township").get(f"/api/incident-reports/{report.pk}/").status_code == 404


def test_edit_page_prefills_saves_and_submits(open_incident, duty, web):
    incident = open_incident(deaths=1)
    report = initial_of(incident)
    client = web("duty")
    page = client.get(f"/incidents/reports/{report.pk}/edit/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "储罐阀门泄漏" in html and "1人死亡" in html and f'data-due="{report.due_at.isoformat()}"' in html
    form = {key: value for key, value in services.draft_content(report, duty).items()}
    form["measures"] = ""
    refused = client.post(f"/incidents/reports/{report.pk}/submit/", form)
    assert refused.status_code == 200 and "报送前请填写" in refused.content.decode()
    form["measures"] = "已调派消防救援力量"
    saved = client.post(f"/incidents/reports/{report.pk}/edit/", form)
    assert saved.status_code == 302
    report.refresh_from_db()
    assert report.content["measures"] == "已调派消防救援力量" and report.status == InformationReport.DUE
    submitted = client.post(f"/incidents/reports/{report.pk}/submit/", form)
    assert submitted.status_code == 302 and submitted["Location"] == f"/incidents/reports/{report.pk}/"
    report.refresh_from_db()
    assert report.status == InformationReport.SUBMITTED and report.submitted_by == duty and not report.document
    detail = client.get(submitted["Location"]).content.decode()
    assert "已调派消防救援力量" in detail and "待审核" in detail
    assert client.get(f"/incidents/reports/{report.pk}/edit/").status_code == 302  # in review: not editable
    preview = client.get(f"/incidents/reports/{initial_of(open_incident()).pk}/preview/")
    assert "草稿（未报送）" in report_docx.read_text(preview.content)


def test_township_user_drafts_but_cannot_issue(open_incident, web, api):
    report = initial_of(open_incident())
    assert web("township2").get(f"/incidents/reports/{report.pk}/").status_code == 200
    assert web("township2").get(f"/incidents/reports/{report.pk}/edit/").status_code == 200  # drafts (issue 12)
    assert api("township2").post(f"/api/incident-reports/{report.pk}/issue/", {}, format="json").status_code == 403
    assert api("township2").post(f"/api/incident-reports/{report.pk}/cancel/", {"reason": "误报"},
                                 format="json").status_code == 403
    report.refresh_from_db()
    assert report.status == InformationReport.DUE


def test_cancel_page_returns_to_next(open_incident, web):
    report = initial_of(open_incident())
    response = web("duty").post(f"/incidents/reports/{report.pk}/cancel/", {"reason": "重复接报", "next": "/x/"})
    assert response.status_code == 302 and response["Location"] == "/x/"
    report.refresh_from_db()
    assert report.status == InformationReport.CANCELLED


def test_list_page_shows_countdowns(open_incident, web):
    late = initial_of(open_incident(title="超时事件", **reported_ago(120)))
    page = web("duty").get("/incidents/reports/")
    html = page.content.decode()
    assert page.status_code == 200 and "超时事件" in html
    assert f'data-due="{late.due_at.isoformat()}"' in html and "已超时" in html
    assert "incidents/reports/countdown.js" in html
    overdue_tab = web("duty").get("/incidents/reports/?status=overdue").content.decode()
    assert "超时事件" in overdue_tab
    script = web("duty").get("/incidents/reports/countdown.js")
    assert script["Content-Type"].startswith("text/javascript") and b"data-due" in script.content


def test_panel_for_the_incident_page(open_incident, duty):
    incident = open_incident()
    issue_initial(incident, duty)
    incident_services.change_status(duty, incident, Incident.VERIFYING)
    request = RequestFactory().get(f"/incidents/{incident.pk}/")
    request.user = duty
    context = reports_context(incident, duty)
    panel = context["reports_panel"]
    assert panel["due"] == 1 and panel["overdue"] == 0 and panel["window"]["open"]
    html = render_to_string("incidents/_reports_panel.html", context, request=request)
    follow_up = due_follow_ups(incident)[0]
    assert f'data-due="{follow_up.due_at.isoformat()}"' in html and "续报（第1次）" in html
    assert f"/incidents/reports/{initial_of(incident).pk}/document/" in html
    assert f"/incidents/reports/{follow_up.pk}/edit/" in html and "补报期内" in html
    assert render_to_string("incidents/_reports_panel.html", {}, request=request).strip() == ""


def test_panel_on_the_incident_page(open_incident, web):
    incident = open_incident()
    html = web("township2").get(f"/incidents/{incident.pk}/").content.decode()
    report = initial_of(incident)
    assert 'data-testid="reports-panel"' in html and f'data-due="{report.due_at.isoformat()}"' in html
    assert f"/incidents/reports/{report.pk}/edit/" in html  # a township drafts its own incident's (issue 12)


def test_api_lists_filters_and_acts(open_incident, duty, api):
    incident = open_incident(**reported_ago(70))
    client = api("duty")
    listed = client.get(f"/api/incident-reports/?incident={incident.pk}&overdue=true").json()
    assert [r["label"] for r in listed["results"]] == ["首报"] and listed["results"][0]["overdue"]
    assert listed["results"][0]["seconds_left"] < 0
    report_id = listed["results"][0]["id"]
    content = client.get(f"/api/incident-reports/{report_id}/content/").json()
    assert content["editable"] and not content["saved"] and "回澜镇" in content["content"]["time_place_scene"]
    saved = client.put(f"/api/incident-reports/{report_id}/content/", {"content": MEASURES}, format="json")
    assert saved.status_code == 200 and saved.json()["saved"]
    submitted = client.post(f"/api/incident-reports/{report_id}/submit/", {}, format="json")
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    reviewed = api("commander").post(f"/api/incident-reports/{report_id}/review/", {"decision": "pass"}, format="json")
    assert reviewed.status_code == 200 and reviewed.json()["status"] == "reviewed"
    issued = api("leader").post(f"/api/incident-reports/{report_id}/issue/", {"confirm": True}, format="json")
    assert issued.status_code == 200 and issued.json()["status"] == "issued" and issued.json()["has_document"]
    assert issued.json()["deliveries"][0]["to_name"] == "资阳市应急管理局"
    assert client.get(f"/api/incident-reports/?incident={incident.pk}&status=due").json()["count"] == 0


@pytest.mark.parametrize("method, path, body, field", [
    ("get", "/api/incident-reports/?overdue=maybe", None, "overdue"),
    ("get", "/api/incident-reports/?status=lost", None, "status"),
    ("put", "/api/incident-reports/{pk}/content/", {"content": {"bogus": "x"}}, "bogus"),
    ("put", "/api/incident-reports/{pk}/content/", {"content": "not an object"}, "content"),
    ("put", "/api/incident-reports/{pk}/content/", {}, "content"),
    ("post", "/api/incident-reports/{pk}/submit/", {"content": {"measures": ""}}, "measures"),
    ("post", "/api/incident-reports/{pk}/cancel/", {"reason": ""}, "reason"),
])
def test_api_errors_have_the_house_shape(open_incident, api, method, path, body, field):
    report = initial_of(open_incident())
    response = getattr(api("duty"), method)(path.format(pk=report.pk), body, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid" and error["message"] and field in error["fields"]
    report.refresh_from_db()
    assert report.status == InformationReport.DUE


def test_api_refuses_to_change_an_issued_report(open_incident, duty, api):
    report = issue_initial(open_incident(), duty)
    response = api("duty").put(f"/api/incident-reports/{report.pk}/content/", {"content": {"other": "x"}},
                               format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert "已报送的报告保持报送时的内容" in error["message"] and "status" in error["fields"]
