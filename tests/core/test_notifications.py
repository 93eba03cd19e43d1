"""Live notifications (issue 12: "nothing tells the duty officer that a public report arrived"): the collector over
every app's notifications.SOURCES, the polled JSON endpoint (read-only, not user activity), the sources of the
incidents app scoped like the lists they open, and the bell in the page header."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core import notifications
from yingji.core.middleware import LAST_ACTIVITY
from yingji.core.models import User
from yingji.incidents.models import InformationReport, PublicReport
from yingji.incidents.services.public import submit_public_report

pytestmark = pytest.mark.django_db

TIANCHI = (105.0312, 30.2831)  # 天池街道 (the `township` user's)
HUILAN = (105.118, 30.226)  # 回澜镇 (`township2`)
URL = "/notifications/"
BACKGROUND = {"HTTP_X_YINGJI_BACKGROUND": "1"}


def public_report(where=TIANCHI, text="天池街道某小区门口电动车起火，浓烟很大。", ip="198.51.100.7"):
    point = {"longitude": where[0], "latitude": where[1]} if where else {"address": "不知道在哪个镇的路口"}
    return submit_public_report({"phone": "13912345678", "description": text, **point}, None, ip)


def source(data, key):
    return next((s for s in data["sources"] if s["key"] == key), None)


def user(name):
    return User.objects.get(username=name)


def pending_ids(username):
    data = notifications.collect(user(username))
    return {item["id"] for item in source(data, "public_reports")["items"]}


# --- the collector and the incidents sources -----------------------------------------------------------------

def test_a_new_public_report_is_counted_and_listed_first_for_the_duty_officer(demo):
    before = source(notifications.collect(user("duty")), "public_reports")["count"]
    report = public_report(text="天池街道某小区门口电动车起火，浓烟很大，有人被困在三楼。")
    data = notifications.collect(user("duty"))
    public = source(data, "public_reports")
    assert public["count"] == before + 1
    assert public["label"] == "待核实的群众报告" and public["url"] == "/incidents/inbox/"
    first = public["items"][0]
    assert first["id"] == f"public-{report.pk}"
    assert first["kind"] == "新的群众报告"
    assert first["title"].startswith("天池街道某小区门口电动车起火")
    assert first["url"] == f"/incidents/inbox/{report.pk}/"
    assert first["since"] == first["time"] == report.created_at.isoformat()
    assert first["note"].startswith("天池街道 · ")
    assert data["total"] == sum(s["count"] for s in data["sources"])
    assert data["latest"] == report.created_at.isoformat()  # the newest arrival (not a report's due time)
    # The inbox page refreshes its list and tabs, the home page its cards, when the count changes.
    assert public["refresh"]["/incidents/inbox/"] == ["[data-testid=inbox]", "nav.filters"]
    assert public["refresh"]["/"] == ["[data-testid=readiness]"]


def test_a_handled_report_leaves_the_bell(demo):
    from yingji.incidents.services.public import reject_public_report

    report = public_report()
    assert f"public-{report.pk}" in pending_ids("duty")
    reject_public_report(user("duty"), report, "经电话核实不属实")
    assert f"public-{report.pk}" not in pending_ids("duty")


def test_a_township_sees_only_its_own_public_reports(demo):
    mine, theirs, unlocated = public_report(TIANCHI), public_report(HUILAN), public_report(None)
    assert mine.region.name == "天池街道" and theirs.region.name == "回澜镇" and unlocated.region is None
    township, township2, county = pending_ids("township"), pending_ids("township2"), pending_ids("duty")
    assert f"public-{mine.pk}" in township and f"public-{theirs.pk}" not in township
    assert f"public-{theirs.pk}" in township2 and f"public-{mine.pk}" not in township2
    # Unlocated reports belong to the county inbox (services.public.inbox), not to any township.
    assert f"public-{unlocated.pk}" in county and f"public-{unlocated.pk}" not in township | township2
    # The count is the inbox's 待核实 count, same scoping.
    from yingji.incidents.services.public import inbox

    count = source(notifications.collect(user("township")), "public_reports")["count"]
    assert count == inbox(user("township")).filter(status=PublicReport.PENDING).count()
    assert count < source(notifications.collect(user("duty")), "public_reports")["count"]


def test_reports_due_soon_or_overdue_are_listed_and_change_id_when_overdue(demo, open_incident):
    now = timezone.now()
    later = open_incident(title="回澜镇某厂房起火（首报还有一小时）", reported_at=now)
    soon = open_incident(title="回澜镇某仓库泄漏（首报还有十分钟）", reported_at=now - timedelta(minutes=50),
                         occurred_at=now - timedelta(minutes=55))
    late = open_incident(title="回澜镇某企业爆炸（首报已超时）", reported_at=now - timedelta(minutes=70),
                         occurred_at=now - timedelta(minutes=80))
    due = {i.pk: i.reports.get(kind=InformationReport.INITIAL) for i in (later, soon, late)}
    items = {item["id"]: item for item in source(notifications.collect(user("duty")), "reports_due")["items"]}
    assert f"report-{due[soon.pk].pk}-soon" in items
    assert f"report-{due[late.pk].pk}-overdue" in items
    assert not any(key.startswith(f"report-{due[later.pk].pk}-") for key in items)  # due in an hour: not yet
    assert items[f"report-{due[late.pk].pk}-overdue"]["kind"] == "信息报告已超时"
    assert items[f"report-{due[late.pk].pk}-overdue"]["note"].startswith("已超时")
    assert items[f"report-{due[soon.pk].pk}-soon"]["kind"] == "信息报告即将到期"
    assert items[f"report-{due[soon.pk].pk}-soon"]["title"] == "回澜镇某仓库泄漏（首报还有十分钟） · 首报"
    assert items[f"report-{due[soon.pk].pk}-soon"]["url"] == f"/incidents/reports/{due[soon.pk].pk}/"
    # Ten minutes on, the report due soon is overdue: a new id, so the bell announces it again.
    again = notifications.collect(user("duty"), now=now + timedelta(minutes=11))
    ids = {item["id"] for item in source(again, "reports_due")["items"]}
    assert f"report-{due[soon.pk].pk}-overdue" in ids and f"report-{due[soon.pk].pk}-soon" not in ids
    # 天池街道 does not see 回澜镇's reports.
    township = {item["id"] for item in source(notifications.collect(user("township")), "reports_due")["items"]}
    assert not any(key.startswith((f"report-{due[soon.pk].pk}-", f"report-{due[late.pk].pk}-")) for key in township)


def test_sources_follow_the_users_permissions(demo):
    assert {s["key"] for s in notifications.collect(user("duty"))["sources"]} >= {"public_reports", "reports_due"}
    enterprise = notifications.collect(user("enterprise"))  # no incidents permissions at all: its own alarms only
    assert [s["key"] for s in enterprise["sources"]] == ["alarms"] and enterprise["latest"] is None
    assert enterprise["total"] == enterprise["sources"][0]["count"]


def _workflow_waiting(open_incident):
    """A report at each step of the workflow across levels, and a 催报: something for every source."""
    from yingji.incidents.models import InformationReport
    from yingji.incidents.services import report_workflow as workflow

    township, duty, leader = user("township"), user("duty"), user("leader")
    drafts = [open_incident(actor=township, where=(105.031, 30.283), title=f"天池街道测试事件{n}").reports.get(
        kind=InformationReport.INITIAL) for n in range(3)]
    measures = {"measures": "已组织疏散。"}
    workflow.submit_report(township, drafts[0], measures)  # to review
    workflow.review_report(duty, workflow.submit_report(township, drafts[1], measures), True)  # to sign
    signed = workflow.review_report(duty, workflow.submit_report(township, drafts[2], measures), True)
    workflow.sign_report(leader, signed, confirm=True)  # to receive, in the city
    workflow.urge_report(user("city_duty"), drafts[0], "请抓紧。")


def test_each_source_costs_at_most_two_queries(demo, open_incident):
    for _ in range(3):
        public_report()
    open_incident(reported_at=timezone.now() - timedelta(minutes=70), occurred_at=timezone.now() - timedelta(hours=2))
    _workflow_waiting(open_incident)
    who = {"reports_to_sign": "leader", "deliveries": "city_duty", "overdue_major_hazards": "inspector",
           "hazards_to_accept": "inspector", "plan_tasks": "city_duty", "meeting_decisions": "admin"}  # the rest wait for the county duty officer
    for found in notifications.sources():
        person = user(who.get(found.key, "duty"))
        notifications.collect(person)  # permissions and roles cached, as on every poll after the first in a request
        with CaptureQueriesContext(connection) as queries:
            result = found.collect(person, timezone.now())
        assert result["count"] and len(queries) <= 2, (found.key, [q["sql"] for q in queries])


# --- the endpoint -------------------------------------------------------------------------------------------

def test_endpoint_answers_json_for_the_logged_in_user(demo, web, settings):
    settings.YINGJI_NOTIFY_SECONDS = 7
    report = public_report()
    response = web("duty").get(URL, **BACKGROUND)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] or "no-cache" in response["Cache-Control"]
    data = response.json()
    assert set(data) == {"total", "sources", "latest", "now", "poll_seconds"}
    assert data["poll_seconds"] == 7
    assert source(data, "public_reports")["items"][0]["id"] == f"public-{report.pk}"
    assert set(source(data, "public_reports")) == {"key", "label", "count", "url", "items", "refresh"}
    assert data["total"] == sum(s["count"] for s in data["sources"]) and data["total"] >= 1


def test_endpoint_scopes_like_the_collector(demo, web):
    theirs = public_report(HUILAN)
    data = web("township").get(URL, **BACKGROUND).json()
    assert f"public-{theirs.pk}" not in {i["id"] for i in source(data, "public_reports")["items"]}
    data = web("township2").get(URL, **BACKGROUND).json()
    assert f"public-{theirs.pk}" in {i["id"] for i in source(data, "public_reports")["items"]}


def test_endpoint_without_login_is_401_not_a_redirect(demo, client):
    response = client.get(URL, **BACKGROUND)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    assert "重新登录" in response.json()["error"]["message"]


def test_endpoint_only_reads(demo, web):
    public_report()
    client = web("duty")
    client.get(URL, **BACKGROUND)  # the first request of a session may note its start
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, **BACKGROUND).status_code == 200
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert queries and writes == []


def test_endpoint_refuses_writes(demo, web):
    assert web("duty").post(URL, **BACKGROUND).status_code == 405


def test_polling_does_not_keep_an_idle_session_alive(demo, web):
    client = web("duty")
    session = client.session
    idle_since = time.time() - 600  # ten minutes without the user touching anything
    session[LAST_ACTIVITY] = idle_since
    session.save()
    assert client.get(URL, **BACKGROUND).status_code == 200
    assert client.session[LAST_ACTIVITY] == idle_since
    # The same request without the header is activity (the control: the check above can fail).
    assert client.get(URL).status_code == 200
    assert client.session[LAST_ACTIVITY] > idle_since + 500


def test_an_idle_session_times_out_while_polling(demo, web, settings):
    client = web("duty")
    session = client.session
    session[LAST_ACTIVITY] = time.time() - settings.SESSION_COOKIE_AGE - 5
    session.save()
    assert client.get(URL, **BACKGROUND).status_code == 401  # the bell then says the user was logged out


# --- the bell in the page header ----------------------------------------------------------------------------

def test_every_page_has_the_bell_with_the_poll_interval_from_settings(demo, web, settings):
    settings.YINGJI_NOTIFY_SECONDS = 9
    client = web("township")
    for path in ("/", "/incidents/inbox/", "/incidents/"):
        html = client.get(path).content.decode()
        assert 'data-testid="notify-bell"' in html, path
        assert 'data-url="/notifications/"' in html and 'data-seconds="9"' in html, path
        assert "/static/web/notify.js" in html, path
        assert "<script>" not in html  # CSP: script-src 'self', no inline script


def test_the_login_page_has_no_bell(demo, client):
    html = client.get("/login/").content.decode()
    assert "notify-bell" not in html and "notify.js" not in html


# --- the API route ----------------------------------------------------------------------------------------------

def test_api_route_answers_the_same_scoped_json(demo, api):
    theirs = public_report(HUILAN)
    response = api("township2").get("/api/notifications/")
    assert response.status_code == 200
    data = response.json()
    assert f"public-{theirs.pk}" in {i["id"] for i in source(data, "public_reports")["items"]}
    assert data["total"] == sum(s["count"] for s in data["sources"])
    data = api("township").get("/api/notifications/").json()
    assert f"public-{theirs.pk}" not in {i["id"] for i in source(data, "public_reports")["items"]}


def test_api_route_needs_a_login_and_is_read_only(demo, api):
    from rest_framework.test import APIClient

    response = APIClient().get("/api/notifications/")
    assert response.status_code == 401 and "error" in response.json()
    assert api("duty").post("/api/notifications/", {}, format="json").status_code == 405


def test_api_route_is_documented(demo, client, web):
    schema = web("admin").get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/notifications/"]["get"]
    assert operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith("/Notifications")
    assert "/api/notifications/{id}/" not in schema["paths"]
