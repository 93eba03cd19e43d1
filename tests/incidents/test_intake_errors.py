"""Intake shows every error of a submission at once (issue 12: "validation errors come in rounds": the deaths
error first, the negative loss and the New York coordinates only after fixing it), on the page and in the API."""

import re

from yingji.incidents.models import Incident

# Three mistakes of different kinds: a field that does not parse (negative deaths), and two that only the
# intake service checks (a negative loss, a point in New York).
THREE_MISTAKES = {
    "title": "回澜镇某厂火灾", "source": "duty_phone", "reporter_name": "张三", "reporter_phone": "13800000000",
    "event_code": "12G02", "longitude": "-74.006", "latitude": "40.713", "deaths": "-1", "missing": "0",
    "serious_injuries": "0", "injuries": "0", "direct_loss_wan": "-5", "people_affected": "0",
}


def field_errors(page: str) -> dict:
    """{field name: its messages} from the rendered form (core/object_form.html)."""
    errors = {}
    for block in re.findall(r'<div class="field has-error">(.*?)</div>\s*(?=<div class="field|<div class="form-actions)',
                            page, flags=re.S):
        name = re.search(r'name="([^"]+)"', block).group(1)
        errors[name] = re.findall(r'<div class="field-error" role="alert">(.*?)</div>', block)
    return errors


def test_web_intake_shows_all_three_errors_in_one_answer(web, demo):
    before = Incident.objects.count()
    response = web("duty").post("/incidents/add/", THREE_MISTAKES)
    assert response.status_code == 200
    errors = field_errors(response.content.decode())
    assert set(errors) == {"deaths", "direct_loss_wan", "longitude"}, errors
    assert errors["direct_loss_wan"] == ["直接经济损失不能为负数。"]
    assert "不在我国范围" in errors["longitude"][0]
    assert errors["deaths"] == ["死亡人数不能为负数。"]
    assert Incident.objects.count() == before


def test_web_edit_shows_parse_and_service_errors_together(web, open_incident):
    incident = open_incident()
    page = web("duty").get(f"/incidents/{incident.pk}/edit/").content.decode()
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    data = {**{k: v for k, v in form.items() if k != "csrfmiddlewaretoken"}, "source": incident.source,
            "event_code": incident.event_code, "injuries": "很多", "direct_loss_wan": "-1", "reason": "核实"}
    response = web("duty").post(f"/incidents/{incident.pk}/edit/", data)
    errors = field_errors(response.content.decode())
    assert set(errors) >= {"injuries", "direct_loss_wan"}, errors
    assert errors["injuries"] == ["轻伤人数请填写整数。"]
    assert errors["direct_loss_wan"] == ["直接经济损失不能为负数。"]


def test_api_intake_answers_all_three_errors_in_one_400(api, demo):
    before = Incident.objects.count()
    response = api("duty").post("/api/incidents/", THREE_MISTAKES, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert set(fields) == {"deaths", "direct_loss_wan", "longitude"}, fields
    assert fields["deaths"] == ["死亡人数不能为负数。"] and fields["direct_loss_wan"] == ["直接经济损失不能为负数。"]
    assert "不在我国范围" in fields["longitude"][0]
    assert Incident.objects.count() == before


def test_api_update_answers_parse_and_service_errors_together(api, open_incident):
    incident = open_incident()
    response = api("duty").patch(f"/api/incidents/{incident.pk}/", {"deaths": "abc", "longitude": 200,
                                                                     "reporter_phone": "abc"}, format="json")
    assert response.status_code == 400
    fields = response.json()["error"]["fields"]
    assert {"deaths", "longitude", "reporter_phone"} <= set(fields), fields
    incident.refresh_from_db()
    assert incident.deaths == 0 and incident.reporter_phone == "13800000000"


def test_form_alone_valid_still_reports_every_service_error_at_once(web, demo):
    """No parse error: the service's own checks already come together (kept so)."""
    data = {**THREE_MISTAKES, "deaths": "0", "reporter_phone": "abc"}
    errors = field_errors(web("duty").post("/incidents/add/", data).content.decode())
    assert set(errors) >= {"direct_loss_wan", "longitude", "reporter_phone"}, errors


def test_public_report_shows_all_errors_at_once_in_citizen_words(client, demo):
    """The no-login /report/ page: an over-long name (a form limit before), a too-short description and a point
    in New York in one answer, none of it in developer words (no 'API', no allow_outside_china, no box to tick)."""
    from yingji.incidents.models import PublicReport

    response = client.post("/report/", {"phone": "13800000000", "name": "王" * 40, "description": "救命",
                                        "longitude": "-74.006", "latitude": "40.713", "address": ""})
    assert response.status_code == 200
    page = response.content.decode()
    messages = re.findall(r'<div class="field-error" role="alert">(.*?)</div>', page)
    assert any("称呼不能超过 32 个字" in m for m in messages), messages
    assert any("请描述发生了什么" in m for m in messages), messages
    assert any("不在我国范围" in m for m in messages), messages
    for word in ("API", "allow_outside_china", "勾选", "允许境外坐标"):
        assert word not in " ".join(messages)
    assert not PublicReport.objects.filter(phone="13800000000").exists()
