"""国务院令第493号 where it applies: 第二条 scope (生产经营活动; 环境污染、核设施、国防科研生产 excluded), 下落不明
counted with deaths, 第十条 notifications, and the articles the settings and README cite (issue 12)."""

import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.audit_check import audited
from yingji.core.models import AuditEntry, User
from yingji.incidents.models import AccidentNotice, InformationReport
from yingji.incidents.services import incidents as services
from yingji.incidents.services import reports

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def duty(demo):
    return User.objects.get(username="duty")


@pytest.fixture
def commander(demo):
    return User.objects.get(username="commander")


# --- 第二条: scope ---------------------------------------------------------------------------------------

def test_pollution_event_is_not_graded_by_493(open_incident):
    incident = open_incident(event_code="12Q01", title="河道水体污染", deaths=5)
    assert incident.production_activity == "no"
    assert incident.accident_grade == "" and incident.level is None and incident.report_up_to == ""
    assert incident.casualty_window_ends is None and not incident.is_accident
    assert "按493号令定级为" not in " ".join(incident.timeline.values_list("text", flat=True))
    assert "环境污染事故" in incident.order493_scope.reason


def test_excluded_class_stays_excluded_whatever_the_answer(open_incident):
    incident = open_incident(event_code="12T01", title="核设施事故", deaths=3, production_activity="yes")
    assert incident.accident_grade == "" and not incident.is_accident


def test_residential_kitchen_fire_is_not_a_493_accident(open_incident):
    incident = open_incident(event_code="12G03", title="居民住宅厨房火灾", deaths=1)
    assert incident.production_activity == "no" and incident.accident_grade == ""
    assert "安全生产监督管理部门" not in reports.report_target_label(incident)
    report = incident.reports.get(kind=InformationReport.INITIAL)
    assert "493号令" not in report.content.get("other", "")


def test_production_answer_decides_and_regrades(open_incident, duty):
    shop = open_incident(event_code="12G03", title="临街商铺火灾", deaths=1, production_activity="yes")
    assert shop.accident_grade == "一般事故" and shop.grading_basis_label == "按493号令定级"
    shop = services.update_incident(duty, shop, {"production_activity": "no"}, "核实为居民自住房")
    assert shop.accident_grade == "" and shop.level is None and shop.report_up_to == ""
    assert shop.casualty_window_ends is None
    grade = shop.timeline.filter(kind="grade").first()
    assert "不适用493号令" in grade.text and "非生产经营活动" in grade.text
    assert AuditEntry.objects.filter(model="incidents.incident", object_id=str(shop.pk),
                                     changes__has_key="production_activity").exists()


def test_unknown_answer_is_graded_provisionally(open_incident):
    incident = open_incident(event_code="12G00", title="某处起火", deaths=3)
    assert incident.production_activity == "unknown" and incident.accident_grade == "较大事故"
    assert incident.grading_basis_label.startswith("暂按493号令定级")


def test_bad_answer_is_a_field_error(open_incident):
    with pytest.raises(ValidationError) as exc:
        open_incident(production_activity="maybe")
    assert "不是有效选项" in exc.value.message_dict["production_activity"][0]


def test_non_493_incident_graded_by_plan_and_labelled(open_incident, web, commander):
    incident = open_incident(event_code="12Q01", title="河道水体污染", deaths=5)
    page = web("commander").get(incident.get_absolute_url()).content.decode()
    assert "已按预案启动条件预填" in page and 'name="plan"' in page
    assert "按493号令定级" not in page and "按相应应急预案分级" in page
    plan = re.search(r'name="plan" value="([^"]+)"', page).group(1)
    services.set_level(commander, incident, 3, f"按《{plan}》Ⅲ级标准：死亡5人", plan=plan)
    incident.refresh_from_db()
    assert incident.grading_plan == plan and incident.grading_basis_label == f"按《{plan}》分级"
    assert f"按《{plan}》分级" in web("commander").get(incident.get_absolute_url()).content.decode()
    listing = web("commander").get(reverse("incidents:incident_list")).content.decode()
    assert f"按《{plan}》分级" in listing and "按493号令定级" in listing  # the demo's hazmat leak


def test_api_grades_by_plan(open_incident, api):
    incident = open_incident(event_code="12Q01", title="河道水体污染", deaths=5)
    response = api("commander").post(f"/api/incidents/{incident.pk}/level/", {
        "level": 3, "reason": "死亡5人，达到Ⅲ级标准", "plan": "乐至县突发事件总体应急预案"}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["grading_basis_label"] == "按《乐至县突发事件总体应急预案》分级"
    assert response.json()["accident_grade"] == "" and response.json()["order493_applies"] is False


def test_intake_form_asks_the_question(web, region):
    client = web("duty")
    form = client.get(reverse("incidents:incident_add")).content.decode()
    assert "是否在生产经营活动中发生" in form and 'name="production_activity"' in form
    response = client.post(reverse("incidents:incident_add"), {
        "title": "居民楼厨房起火", "source": "duty_phone", "event_code": "12G03", "region": region("512022001").pk,
        "production_activity": "", "deaths": 1, "missing": 0, "serious_injuries": 0, "injuries": 0,
        "direct_loss_wan": "0", "people_affected": 0})
    assert response.status_code == 302
    from yingji.incidents.models import Incident
    incident = Incident.objects.get(title="居民楼厨房起火")
    assert incident.production_activity == "no" and incident.accident_grade == ""


def test_api_takes_the_answer_and_missing(api, region):
    client = api("duty")
    body = {"title": "煤矿透水", "source": "enterprise", "event_code": "12A04", "region": region("512022102").pk,
            "deaths": 0, "missing": 4}
    response = client.post("/api/incidents/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["production_activity"] == "yes" and data["accident_grade"] == "较大事故"
    assert data["grading_basis_label"] == "按493号令定级" and data["order493_applies"] is True
    bad = client.post("/api/incidents/", dict(body, production_activity="maybe"), format="json")
    assert bad.status_code == 400 and "production_activity" in bad.json()["error"]["fields"]


# --- 下落不明 counts with deaths ------------------------------------------------------------------------

def test_missing_counts_with_deaths_at_intake(open_incident):
    incident = open_incident(event_code="12A04", title="煤矿透水", deaths=0, missing=4)
    assert incident.accident_grade == "较大事故" and "下落不明" in incident.graded_by


@pytest.mark.parametrize("deaths, missing, grade", [(2, 1, "较大事故"), (9, 1, "重大事故"), (29, 1, "特别重大事故")])
def test_missing_boundaries_regrade_and_make_a_follow_up_due(open_incident, duty, deaths, missing, grade):
    incident = open_incident(event_code="12A04", title="煤矿透水", deaths=deaths)
    assert incident.accident_grade != grade
    incident = services.update_incident(duty, incident, {"missing": missing}, "新增下落不明人员")
    assert incident.accident_grade == grade
    assert incident.timeline.filter(kind="casualty", text__contains="下落不明").exists()
    assert incident.reports.filter(status="due").exists()


def test_edit_form_has_missing(web, open_incident):
    incident = open_incident()
    page = web("duty").get(reverse("incidents:incident_edit", args=[incident.pk])).content.decode()
    assert "下落不明（人）" in page and 'name="missing"' in page


# --- 第十条 notifications -----------------------------------------------------------------------------------

def test_article_10_panel_and_marking(open_incident, web, duty):
    incident = open_incident(deaths=1)
    client = web("duty")
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "第十条 通知" in page
    for name in ("乐至县人民政府", "乐至县公安局", "乐至县人力资源和社会保障局", "乐至县总工会", "乐至县人民检察院"):
        assert name in page
    assert page.count("未通知") == 4 and page.count("未报告") == 1  # 报告本级人民政府, 通知 the other four
    with audited() as trail:
        response = client.post(reverse("incidents:incident_article10", args=[incident.pk]), {
            "party": "police", "method": "phone", "note": "县公安局指挥中心李警官接听"})
    assert response.status_code == 302
    assert trail.count("incidents.accidentnotice", "create") == 1
    notice = AccidentNotice.objects.get(incident=incident, party="police")
    assert notice.name == "乐至县公安局" and notice.notified_by == duty
    assert incident.timeline.filter(kind="report", text__contains="乐至县公安局").exists()
    page = web("duty").get(incident.get_absolute_url()).content.decode()
    assert page.count("未通知") == 3 and "李警官" in page
    with pytest.raises(ValidationError, match="已登记"):
        services.notify_article10(duty, incident, "police")


def test_article_10_parties_for_the_docx(open_incident):
    rows = services.article10_notices(open_incident(deaths=1))
    assert [r["name"] for r in rows][:2] == ["乐至县人民政府", "乐至县公安局"]
    assert all(r["notified_at"] is None for r in rows)


def test_article_10_not_for_non_493_events(open_incident, web, duty):
    incident = open_incident(event_code="11A02", title="内涝")
    assert services.article10_notices(incident) == []
    assert "第十条 通知" not in web("duty").get(incident.get_absolute_url()).content.decode()
    with pytest.raises(ValidationError, match="不适用"):
        services.notify_article10(duty, incident, "police")


def test_article_10_needs_the_region_and_the_permission(open_incident, web, region):
    from django.core.exceptions import PermissionDenied

    incident = open_incident(deaths=1)  # 回澜镇
    with pytest.raises((ValidationError, PermissionDenied)):
        services.notify_article10(User.objects.get(username="township"), incident, "police")  # 天池街道
    assert not AccidentNotice.objects.exists()


# --- the articles cited for the deadlines ---------------------------------------------------------------------

def test_settings_and_readme_cite_the_bureau_articles():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `YINGJI_INITIAL_REPORT_MINUTES`"))
    assert "第十一条" in row and "第九条为 1 小时" not in row
    settings_text = (ROOT / "src/yingji/settings.py").read_text(encoding="utf-8")
    block = settings_text[settings_text.index("# --- Incident reporting deadlines"):]
    block = block[:block.index("YINGJI_FOLLOW_UP_REPORT_MINUTES")]
    assert "第十一条" in block and "单位负责人" in block
    for path in (ROOT / "src/yingji").rglob("*.html"):
        assert "第九条" not in path.read_text(encoding="utf-8") or "单位负责人" in path.read_text(encoding="utf-8"), path
