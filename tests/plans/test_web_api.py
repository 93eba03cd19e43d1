"""Pages, the incident response card and the API of plans, with region scoping (a guessed id is a 404)."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from yingji.core.demo import DEMO_USERS
from yingji.core.models import Organisation, Region
from yingji.plans import panels, services
from yingji.plans.models import Activation, Plan, Task

from .conftest import GENERAL, HAZMAT, TIANCHI

pytestmark = pytest.mark.django_db


@pytest.fixture
def running(open_incident, commander, plan):
    """A hazmat incident in 回澜镇 with the hazmat plan running at Ⅳ."""
    incident = open_incident()
    return services.activate(commander, incident, plan(HAZMAT), 4)


@pytest.fixture
def elsewhere(open_incident, commander, plan):
    """The same in 天池街道, out of township2's reach."""
    return services.activate(commander, open_incident(where=TIANCHI), plan(HAZMAT), 4)


def clean_html(html):
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS if u[0] != "enterprise"])
def test_pages_open_for_every_role_that_sees_plans(running, web, plan, username):
    client = web(username)
    urls = ["/plans/", "/plans/tasks/", "/plans/tasks/?all=1&overdue=1&status=todo&q=消防", "/plans/activations/", "/"]
    if username != "township":  # the incident is in 回澜镇
        urls.append(f"/plans/incidents/{running.incident_id}/")
        urls.append(f"/incidents/{running.incident_id}/")
    if username not in ("township", "township2"):
        urls.append(f"/plans/{plan(HAZMAT).pk}/")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        clean_html(response.content.decode())


def test_enterprise_users_see_no_plans(running, web):
    client = web("enterprise")
    assert client.get("/plans/").status_code == 403
    assert "预案管理" not in client.get("/").content.decode()


def test_navigation_and_dashboard(running, web):
    html = web("commander").get("/").content.decode()
    assert "响应任务看板" in html and "响应中的预案" in html and "逾期响应任务" in html


def test_task_board_flags_overdue_tasks(running, web):
    task = running.tasks.order_by("due_at").first()
    Task.objects.filter(pk=task.pk).update(due_at=task.due_at.replace(year=task.due_at.year - 1))
    html = web("duty").get("/plans/tasks/").content.decode()
    assert "逾期 " in html and "其中逾期 <strong>1</strong> 项" in html
    overdue_only = web("duty").get("/plans/tasks/?overdue=1").content.decode()
    assert overdue_only.count('class="is-overdue"') == 1
    assert list(panels.overdue_tasks(running.activated_by)) == [Task.objects.get(pk=task.pk)]


def test_incident_context_keys_are_prefixed_and_the_panel_renders(running, commander):
    from django.template.loader import render_to_string
    from django.test import RequestFactory

    context = panels.incident_context(running.incident, commander)
    assert all(key.startswith("plans_") for key in context)
    assert context["plans_suggestions"][0]["plan"].name == HAZMAT
    assert context["plans_suggestions"][0]["active"] == running
    [row] = context["plans_activations"]
    assert row["open"] == 4 and row["overdue"] == 0 and all(t.may_update for t in row["tasks"])
    request = RequestFactory().get(f"/incidents/{running.incident_id}/")
    request.user = commander
    html = render_to_string("plans/incident_panel.html", context, request=request)  # perms from the request
    assert "建议启动的预案" in html and "调整级别" in html and "终止响应" in html
    assert f'action="/plans/activations/{running.pk}/level/"' in html
    assert f'name="next" value="/incidents/{running.incident_id}/"' in html


def test_activate_from_the_card_and_return_to_the_page(open_incident, web, plan):
    incident = open_incident()
    client = web("commander")
    page = f"/plans/incidents/{incident.pk}/"
    response = client.post(f"/plans/incidents/{incident.pk}/activate/",
                           {"plan": plan(HAZMAT).pk, "level": 3, "reason": "", "next": page}, follow=True)
    assert response.redirect_chain[-1][0] == page
    assert "所选Ⅲ级响应与建议的Ⅳ级响应不同，须说明理由。" in response.content.decode()
    assert not Activation.objects.filter(incident=incident).exists()
    response = client.post(f"/plans/incidents/{incident.pk}/activate/",
                           {"plan": plan(HAZMAT).pk, "level": 4, "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response.url  # only same-site targets
    activation = Activation.objects.get(incident=incident)
    assert activation.tasks.count() == 4
    task = activation.tasks.order_by("id").first()
    response = client.post(f"/plans/tasks/{task.pk}/status/", {"status": "blocked", "note": "", "next": page},
                           follow=True)
    assert "标记为“受阻”须说明原因。" in response.content.decode()
    client.post(f"/plans/tasks/{task.pk}/status/", {"status": "done", "note": "已处置", "next": page})
    task.refresh_from_db()
    assert task.status == Task.DONE
    client.post(f"/plans/activations/{activation.pk}/level/", {"level": 3, "reason": "扩大", "next": page})
    client.post(f"/plans/activations/{activation.pk}/tasks/", {
        "text": "关闭下游取水口", "organisation": Organisation.objects.get(name="乐至县水务局").pk,
        "due_in_minutes": 30, "next": page})
    client.post(f"/plans/activations/{activation.pk}/end/", {"reason": "险情排除", "next": page})
    activation.refresh_from_db()
    assert not activation.active and activation.level == 3
    assert activation.tasks.filter(text="关闭下游取水口", status=Task.REVOKED).exists()
    html = client.get(page).content.decode()
    assert "已终止" in html and "险情排除" in html


def test_roles_on_the_card(running, web):
    page = web("duty").get(f"/plans/incidents/{running.incident_id}/").content.decode()
    assert "调整级别" not in page and 'name="status"' in page
    assert web("duty").post(f"/plans/incidents/{running.incident_id}/activate/",
                            {"plan": running.plan_id, "level": 4}).status_code == 403
    township2 = web("township2").get(f"/plans/incidents/{running.incident_id}/").content.decode()
    assert township2.count('name="status"') == 1  # only 回澜镇人民政府's own task


def test_guessed_ids_are_404_across_regions(elsewhere, web, api, plan):
    task = elsewhere.tasks.first()
    client = web("township2")
    assert client.get(f"/plans/incidents/{elsewhere.incident_id}/").status_code == 404
    assert client.post(f"/plans/tasks/{task.pk}/status/", {"status": "done"}).status_code == 404
    assert client.get(f"/plans/{plan(GENERAL).pk}/").status_code == 200  # the county's plan applies downwards
    assert task.text not in client.get("/plans/tasks/?all=1").content.decode()
    rest = api("township2")
    assert rest.get(f"/api/plan-activations/{elsewhere.pk}/").status_code == 404
    assert rest.get(f"/api/response-tasks/{task.pk}/").status_code == 404
    assert rest.post(f"/api/response-tasks/{task.pk}/status/", {"status": "done"}, format="json").status_code == 404
    assert rest.get(f"/api/plan-activations/suggest/?incident={elsewhere.incident_id}").status_code == 404
    assert rest.get(f"/api/plans/{plan(GENERAL).pk}/").status_code == 200  # readable below, not writable:
    assert rest.patch(f"/api/plans/{plan(GENERAL).pk}/", {"name": "改"}, format="json").status_code in (403, 404)
    assert rest.get("/api/plan-activations/").json()["count"] == 0


def test_api_plans_with_nested_levels_and_filters(running, api, plan):
    client = api("duty")
    body = client.get(f"/api/plans/{plan(HAZMAT).pk}/").json()
    assert [lv["level"] for lv in body["levels"]] == [1, 2, 3, 4]
    level4 = body["levels"][-1]
    assert "死亡（含下落不明）1人以上" in level4["criteria"] and level4["tasks"][0]["unit_label"]
    names = {p["name"] for p in client.get("/api/plans/?event_code=12D02").json()["results"]}
    assert names == {HAZMAT, GENERAL, "回澜镇突发事件应急预案"}
    assert client.post("/api/plans/", {"name": "x"}, format="json").status_code == 403


def test_api_plan_writes_go_through_the_service(demo, api, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = api("admin")
    county = Region.objects.get(code="512022")
    owner = Organisation.objects.get(name="乐至县应急管理局")
    data = {"name": "乐至县地震应急预案", "type": "special", "region": county.pk, "owner": owner.pk,
            "event_codes": ["11Z00"], "version": "2024年版", "status": "approved"}
    bad = client.post("/api/plans/", data, format="json")
    assert bad.status_code == 400
    fields = bad.json()["error"]["fields"]
    assert "不是 GB/T 35561 事件代码" in fields["event_codes"][0] and "审批日期" in fields["approved_on"][0]
    created = client.post("/api/plans/", {**data, "event_codes": ["11C00"], "approved_on": "2024-01-05"},
                          format="json")
    assert created.status_code == 201 and created.json()["document_url"] is None
    pk = created.json()["id"]
    level = client.post("/api/plan-levels/", {"plan": pk, "level": 4, "min_people_affected": 100}, format="json")
    assert level.status_code == 201
    template = client.post("/api/plan-task-templates/", {"response_level": level.json()["id"], "text": "组织转移",
                                                         "local_government": True, "due_offset_minutes": 30},
                           format="json")
    assert template.status_code == 201
    upload = client.post(f"/api/plans/{pk}/document/", {"document": SimpleUploadedFile("地震.pdf", b"%PDF-1")},
                         format="multipart")
    assert upload.status_code == 200 and upload.json()["document_url"] == f"/api/plans/{pk}/document/"
    download = client.get(f"/api/plans/{pk}/document/")
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"%PDF-1"
    assert client.get(f"/api/plans/{pk}/").json()["levels"][0]["tasks"][0]["unit_label"] == "事发地乡镇（街道）"


def test_api_activation_flow(open_incident, api, plan):
    incident = open_incident()
    client = api("commander")
    suggested = client.get(f"/api/plan-activations/suggest/?incident={incident.pk}").json()
    assert suggested[0]["plan_name"] == HAZMAT and suggested[0]["level"] == 4 and not suggested[0]["active"]
    override = client.post("/api/plan-activations/activate/",
                           {"incident": incident.pk, "plan": plan(HAZMAT).pk, "level": 2}, format="json")
    assert override.status_code == 400
    assert override.json()["error"]["fields"]["reason"] == ["所选Ⅱ级响应与建议的Ⅳ级响应不同，须说明理由。"]
    started = client.post("/api/plan-activations/activate/",
                          {"incident": incident.pk, "plan": plan(HAZMAT).pk, "level": 4}, format="json")
    assert started.status_code == 200 and len(started.json()["tasks"]) == 4
    pk = started.json()["id"]
    up = client.post(f"/api/plan-activations/{pk}/change-level/", {"level": 3, "reason": "扩大"}, format="json")
    assert up.status_code == 200 and up.json()["level_label"] == "Ⅲ级响应" and len(up.json()["tasks"]) == 8
    task_id = up.json()["tasks"][0]["id"]
    duty = api("duty")
    done = duty.post(f"/api/response-tasks/{task_id}/status/", {"status": "done", "note": "完成"}, format="json")
    assert done.status_code == 200 and done.json()["status_label"] == "完成"
    assert duty.get(f"/api/response-tasks/{task_id}/history/").json()[0]["to_status"] == "done"
    assert len(duty.get(f"/api/response-tasks/?incident={incident.pk}&open=1").json()["results"]) == 7
    assert duty.post(f"/api/plan-activations/{pk}/end/", {"reason": "x"}, format="json").status_code == 403
    extra = client.post(f"/api/plan-activations/{pk}/tasks/", {
        "text": "通知下游", "organisation": Organisation.objects.get(name="乐至县水务局").pk,
        "due_at": "2099-01-01T08:00:00+08:00"}, format="json")
    assert extra.status_code == 201
    ended = client.post(f"/api/plan-activations/{pk}/end/", {"reason": ""}, format="json")
    assert ended.status_code == 400 and "reason" in ended.json()["error"]["fields"]
    ended = client.post(f"/api/plan-activations/{pk}/end/", {"reason": "处置完毕"}, format="json")
    assert ended.status_code == 200 and ended.json()["active"] is False
    late = duty.post(f"/api/response-tasks/{task_id}/status/", {"status": "doing"}, format="json")
    assert late.status_code == 400 and "响应已终止" in late.json()["error"]["message"]


def test_api_schema_lists_the_plan_routes(demo, web):
    paths = web("duty").get("/api/schema/?format=json").json()["paths"]
    for path in ("/api/plans/", "/api/plan-activations/activate/", "/api/plan-activations/{id}/change-level/",
                 "/api/response-tasks/{id}/status/", "/api/plan-activations/suggest/"):
        assert path in paths, path


def test_plan_draft_is_not_suggested(open_incident, commander, plan):
    services.save_plan(None, plan(HAZMAT), {"status": Plan.DRAFT})
    names = [p.name for p, _ in services.suggestions(open_incident(), commander)]
    assert HAZMAT not in names and GENERAL in names


def test_incident_page_prefills_grading_from_plan_thresholds(open_incident, web):
    from yingji.core.models import User

    incident = open_incident(event_code="11A02", title="强降雨内涝", people_affected=3000, actor=User.objects.get(
        username="duty"))
    page = web("commander").get(incident.get_absolute_url()).content.decode()
    assert "已按预案启动条件预填" in page and "防汛抗旱" in page
