"""Intake, 493号令 grading and re-grading, lifecycle, merging, notes, scoping — by service, page and API."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from yingji.core.models import AuditEntry, User
from yingji.incidents.models import Incident
from yingji.incidents.services import incidents as services

pytestmark = pytest.mark.django_db


def test_intake_derives_township_numbers_and_records_the_officer(open_incident, duty):
    incident = open_incident()
    assert incident.region.code == "512022102"  # 回澜镇, from the map point
    assert incident.region_located_by == "nearest_centre"  # demo townships have no boundary
    assert incident.number.startswith(f"YJ{timezone.localtime():%Y%m%d}-")
    assert int(open_incident().number[-4:]) == int(incident.number[-4:]) + 1
    assert incident.duty_officer == duty
    kinds = list(incident.timeline.values_list("kind", flat=True))
    assert "intake" in kinds and "grade" in kinds
    assert AuditEntry.objects.filter(model="incidents.incident", object_id=str(incident.pk), action="create").exists()


def test_accident_graded_by_order_493_at_intake(open_incident):
    incident = open_incident(deaths=3)
    assert incident.accident_grade == "较大事故"
    assert incident.level == 3
    assert incident.report_up_to.startswith("省")
    assert incident.casualty_window_ends == incident.occurred_at + timedelta(days=30)


def test_fire_accident_has_seven_day_casualty_window(open_incident):
    incident = open_incident(event_code="12G01")  # 工业建筑火灾: a 生产安全事故 (a home fire is not, 第二条)
    assert incident.casualty_window_ends == incident.occurred_at + timedelta(days=7)


@pytest.mark.parametrize(("figures", "grade"), [
    ({"deaths": 9}, "较大事故"), ({"deaths": 10}, "重大事故"), ({"deaths": 30}, "特别重大事故"),
    ({"direct_loss_wan": Decimal("999.99")}, "一般事故"), ({"direct_loss_wan": Decimal("1000")}, "较大事故"),
    ({"serious_injuries": 50}, "重大事故"),
])
def test_regrade_on_casualty_change_goes_into_the_timeline(open_incident, duty, figures, grade):
    incident = open_incident()
    incident = services.update_incident(duty, incident, figures, reason="现场指挥部通报")
    assert incident.accident_grade == grade
    texts = list(incident.timeline.values_list("text", flat=True))
    assert any("伤亡损失变化" in t and "现场指挥部通报" in t for t in texts)
    if grade != "一般事故":
        assert any(f"由一般事故调整为{grade}" in t for t in texts)


def test_non_accident_is_graded_by_the_commander_with_a_reason(open_incident):
    commander = User.objects.get(username="commander")
    incident = open_incident(event_code="11A02", title="强降雨内涝")
    assert incident.accident_grade == "" and incident.level is None
    with pytest.raises(ValidationError) as error:
        services.set_level(commander, incident, 3, "")
    assert "reason" in error.value.message_dict
    incident = services.set_level(commander, incident, "Ⅲ", "受灾人口超过预案较大标准")
    assert incident.level == 3 and incident.colour == "yellow"
    assert incident.timeline.filter(kind="grade", text__contains="Ⅲ级").exists()


def test_accidents_cannot_be_graded_by_hand(open_incident):
    with pytest.raises(ValidationError, match="493号令"):
        services.set_level(User.objects.get(username="commander"), open_incident(), 1, "拍脑袋")


def test_duty_officer_cannot_grade_without_permission(open_incident):
    incident = open_incident(event_code="11A02")
    with pytest.raises(PermissionDenied):
        services.set_level(User.objects.get(username="dispatcher"), incident, 2, "理由")


def test_bad_intake_names_every_field_and_writes_nothing(duty, demo):
    before = Incident.objects.count()
    with pytest.raises(ValidationError) as error:
        services.create_incident(duty, {
            "title": "", "source": "duty_phone", "event_code": "99X99", "longitude": 30.2, "latitude": 105.1,
            "occurred_at": timezone.now() + timedelta(hours=2),
        })
    fields = error.value.message_dict
    assert {"title", "event_code", "occurred_at"} <= set(fields)
    assert Incident.objects.count() == before


def test_lifecycle_moves_and_refusals(open_incident, duty):
    incident = open_incident()
    incident = services.change_status(duty, incident, Incident.VERIFYING, "电话回拨核实")
    with pytest.raises(ValidationError, match="不能变为“归档”"):
        services.change_status(duty, incident, Incident.ARCHIVED, "直接归档")
    with pytest.raises(ValidationError) as error:
        services.change_status(duty, incident, Incident.ENDED, "")
    assert "reason" in error.value.message_dict
    incident = services.change_status(duty, incident, Incident.RESPONDING, "启动处置")
    incident = services.change_status(duty, incident, Incident.CONTROLLED)
    incident = services.change_status(duty, incident, Incident.ENDED, "处置完毕")
    assert incident.ended_at is not None
    statuses = [e.data for e in incident.timeline.filter(kind="status").order_by("time", "id")]
    assert [s["new"] for s in statuses] == ["verifying", "responding", "controlled", "ended"]


def test_archived_incident_is_frozen(open_incident, duty):
    incident = open_incident()
    services.change_status(duty, incident, Incident.ENDED, "误报")
    incident.reports.update(status="cancelled")
    services.change_status(duty, incident, Incident.ARCHIVED, "归档")
    with pytest.raises(ValidationError, match="已归档"):
        services.update_incident(duty, Incident.objects.get(pk=incident.pk), {"deaths": 1})


def test_merge_duplicate_reports(open_incident, duty):
    first = open_incident()
    second = open_incident(reporter_name="李四", reporter_phone="13900000000")
    into = services.merge_incidents(duty, second, first, "同一泄漏点")
    second.refresh_from_db()
    assert second.merged_into == into and second.status == Incident.ENDED
    assert into.timeline.filter(kind="merge", text__contains=second.number).exists()
    assert second.timeline.filter(kind="merge", text__contains=first.number).exists()
    with pytest.raises(ValidationError):
        services.merge_incidents(duty, first, first)
    with pytest.raises(ValidationError, match="已并入"):
        services.add_note(duty, second, "还能写吗")


def test_note_with_attachment_and_size_limit(open_incident, duty, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    incident = open_incident()
    pdf = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\nstartxref\n9\n%%EOF\n"
    entry = services.add_note(duty, incident, "现场照片", SimpleUploadedFile("scene.pdf", pdf))
    assert entry.attachment.name.endswith(".pdf") and entry.attachment_name == "scene.pdf"
    settings.MAX_UPLOAD_MB = 0
    with pytest.raises(ValidationError, match="文件过大"):
        services.add_note(duty, incident, "太大", SimpleUploadedFile("big.bin", b"x" * 10))


def test_township_user_sees_only_its_township(open_incident, web, api):
    elsewhere = open_incident()  # 回澜镇
    assert web("township").get(elsewhere.get_absolute_url()).status_code == 404
    assert web("township2").get(elsewhere.get_absolute_url()).status_code == 200
    assert api("township").get(f"/api/incidents/{elsewhere.pk}/").status_code == 404
    listed = api("township").get("/api/incidents/").json()["results"]
    assert elsewhere.pk not in [row["id"] for row in listed]
    response = api("township").post(f"/api/incidents/{elsewhere.pk}/notes/", {"text": "越权"}, format="json")
    assert response.status_code == 404


def test_township_cannot_open_an_incident_elsewhere(demo):
    township = User.objects.get(username="township")
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.create_incident(township, {"title": "越界", "source": "duty_phone", "event_code": "12G03",
                                            "longitude": 105.118, "latitude": 30.226})


def test_api_intake_status_and_error_shape(api, demo):
    client = api("duty")
    response = client.post("/api/incidents/", {
        "title": "石佛镇家庭作坊火灾", "source": "duty_phone", "event_code": "12G03", "longitude": 104.935,
        "latitude": 30.378, "reporter_phone": "13800000001", "production_activity": "yes",  # a home fire is not 493's
    }, format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["region_name"] == "石佛镇" and body["accident_grade"] == "一般事故"
    pk = body["id"]
    response = client.patch(f"/api/incidents/{pk}/", {"deaths": 3, "reason": "核实"}, format="json")
    assert response.json()["accident_grade"] == "较大事故"
    response = client.post(f"/api/incidents/{pk}/status/", {"status": "archived"}, format="json")
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] and "归档" in error["message"] and "status" in error["fields"]
    timeline = client.get(f"/api/incidents/{pk}/timeline/").json()
    assert timeline["results"][0]["kind"] in ("grade", "casualty")
    bad = client.post("/api/incidents/", {"title": "x", "source": "nope", "event_code": "12G03"}, format="json")
    assert bad.status_code == 400 and "source" in bad.json()["error"]["fields"]


def test_api_filters(api, open_incident):
    open_incident(is_drill=True, title="演练")
    open_incident(event_code="11A02", title="内涝")
    client = api("duty")
    titles = [r["title"] for r in client.get("/api/incidents/?event=12000").json()["results"]]
    assert "内涝" not in titles
    titles = [r["title"] for r in client.get("/api/incidents/?drill=0").json()["results"]]
    assert "演练" not in titles
    assert client.get("/api/incidents/?since=2026-13-01").status_code == 400


def test_pages_intake_form_and_detail(web, demo):
    client = web("duty")
    assert client.get("/incidents/add/").status_code == 200
    response = client.post("/incidents/add/", {
        "title": "佛星镇油罐车侧翻", "source": "duty_phone", "event_code": "12H01", "longitude": "105.062",
        "latitude": "30.182", "deaths": "0", "missing": "0", "serious_injuries": "0", "injuries": "1",
        "direct_loss_wan": "3", "people_affected": "0",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    incident = Incident.objects.get(title="佛星镇油罐车侧翻")
    assert incident.region.name == "佛星镇"
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "一般事故" in page and "推荐力量" in page and "估算(直线)" in page
    assert client.get("/incidents/?q=油罐车").content.decode().count("佛星镇油罐车侧翻") == 1


def test_list_page_filters(web, open_incident):
    open_incident(is_drill=True, title="演练泄漏")
    open_incident(title="真实泄漏", deaths=3)
    client = web("duty")
    for query in ("is_drill=0", "is_drill=1", "accident_grade=较大事故", "level=3", "status=reported", "active=1",
                  "event=12D00", "since=2026-01-01"):
        assert client.get(f"/incidents/?{query}").status_code == 200, query
    assert client.get("/incidents/?since=bad").status_code == 400  # a Chinese message, not the whole list
    page = client.get("/incidents/?is_drill=0&event=12D00").content.decode()
    assert "真实泄漏" in page and "演练泄漏" not in page
    assert "真实泄漏" in client.get("/incidents/?accident_grade=较大事故").content.decode()


@pytest.mark.parametrize("typed, stored", [
    ("13800000000", "13800000000"), ("0832 1234567", "0832-1234567"), ("110", "110"), ("", ""),
])
def test_reporter_phone_is_checked_at_intake(open_incident, typed, stored):
    assert open_incident(reporter_phone=typed).reporter_phone == stored


def test_a_reporter_phone_of_letters_is_refused_with_nothing_written(open_incident):
    before = Incident.objects.count()
    with pytest.raises(ValidationError) as caught:
        open_incident(reporter_phone="abc")
    assert "不是有效的报告人电话" in caught.value.message_dict["reporter_phone"][0]
    assert Incident.objects.count() == before
