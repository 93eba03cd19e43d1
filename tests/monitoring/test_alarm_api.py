"""Alarm API: list with filters (bad one: a Chinese 400 naming it), detail with the history, the actions through the
services (state rules and permissions as errors in the API's shape), open-incident once (201, then 400 naming the
first), the history read-only, scoped by region and enterprise."""

import pytest

from yingji.core.models import User
from yingji.incidents.models import Incident
from yingji.monitoring.models import Alarm, AlarmEvent

from .alarm_helpers import LECHLOR, TIANCHI, make_alarm

pytestmark = pytest.mark.django_db

ALARMS = "/api/monitoring/alarms/"
EVENTS = "/api/monitoring/alarm-events/"


def ids(answer):
    assert answer.status_code == 200, answer.content[:300]
    body = answer.json()
    return [row["id"] for row in body.get("results", body)]


def test_list_filters_and_detail_with_history(demo, api):
    alarm = make_alarm(level=2, value=55.0)
    water = make_alarm("T-WATER", kind="water_level", enterprise=None, region=TIANCHI)
    client = api("duty")
    found = ids(client.get(ALARMS, {"level": 2, "kind": "lel", "page_size": 1000}))
    assert alarm.pk in found and water.pk not in found
    assert water.pk in ids(client.get(ALARMS, {"states": "active_unack,active_ack", "kind": "water_level"}))
    bad = client.get(ALARMS, {"level": "9"})
    assert bad.status_code == 400 and "level" in bad.json()["error"]["fields"]
    body = client.get(f"{ALARMS}{alarm.pk}/").json()
    assert (body["sensor_code"], body["level"], body["level_label"], body["state"], body["unit"]) == (
        "T-ALARM-01", 2, "二级", "active_unack", "%LEL")
    assert body["enterprise_name"] == alarm.enterprise.name and body["incident"] is None
    assert [e["action"] for e in body["events"]] == ["raised"]


def test_actions_follow_the_state_rules(demo, api):
    alarm = make_alarm()
    client = api("duty")
    answer = client.post(f"{ALARMS}{alarm.pk}/acknowledge/", {"note": "收到"}, format="json")
    assert answer.status_code == 200 and answer.json()["state"] == "active_ack"
    again = client.post(f"{ALARMS}{alarm.pk}/acknowledge/", {}, format="json")
    assert again.status_code == 400 and "不能重复确认" in str(again.json()["error"])
    township2 = User.objects.get(username="township2")
    assigned = client.post(f"{ALARMS}{alarm.pk}/assign/", {"assignee": township2.pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["assignee"] == township2.pk
    wrong = client.post(f"{ALARMS}{alarm.pk}/assign/", {"assignee": User.objects.get(username="township").pk},
                        format="json")
    assert wrong.status_code == 400 and "assignee" in wrong.json()["error"]["fields"]
    no_note = client.post(f"{ALARMS}{alarm.pk}/note/", {"note": ""}, format="json")
    assert no_note.status_code == 400 and no_note.json()["error"]["fields"]["note"] == ["请填写备注内容。"]
    cleared = client.post(f"{ALARMS}{alarm.pk}/clear/", {"note": "现场确认为误报"}, format="json")
    assert cleared.status_code == 200 and cleared.json()["state"] == "cleared_ack" and not cleared.json()["active"]
    assert [e["action"] for e in cleared.json()["events"]] == ["raised", "acknowledged", "assigned", "cleared_manually"]


def test_a_township_user_may_read_but_not_act(demo, api):
    alarm = make_alarm()
    client = api("township2")
    assert alarm.pk in ids(client.get(ALARMS, {"page_size": 1000}))
    answer = client.post(f"{ALARMS}{alarm.pk}/acknowledge/", {}, format="json")
    assert answer.status_code == 403
    assert Alarm.objects.get(pk=alarm.pk).state == Alarm.ACTIVE_UNACK


def test_enterprise_account_sees_its_own_only(demo, api):
    own, other = make_alarm("T-OWN"), make_alarm("T-OTHER", enterprise=LECHLOR)
    client = api("enterprise")
    found = ids(client.get(ALARMS, {"page_size": 1000}))
    assert own.pk in found and other.pk not in found
    assert client.get(f"{ALARMS}{other.pk}/").status_code == 404
    assert client.post(f"{ALARMS}{other.pk}/acknowledge/", {}, format="json").status_code == 404
    events = ids(client.get(EVENTS, {"page_size": 1000}))
    assert AlarmEvent.objects.get(alarm=own).pk in events and AlarmEvent.objects.get(alarm=other).pk not in events


def test_open_incident_once(demo, api):
    alarm = make_alarm(level=2)
    client = api("duty")
    answer = client.post(f"{ALARMS}{alarm.pk}/open-incident/", {"description": "企业电话确认储罐法兰泄漏"}, format="json")
    assert answer.status_code == 201, answer.content[:300]
    body = answer.json()
    incident = Incident.objects.get(pk=body["id"])
    assert incident.source == "monitoring" and incident.description == "企业电话确认储罐法兰泄漏"
    assert incident.event_code == "12D02" and Alarm.objects.get(pk=alarm.pk).incident == incident
    again = client.post(f"{ALARMS}{alarm.pk}/open-incident/", {}, format="json")
    assert again.status_code == 400 and incident.number in str(again.json()["error"])
    bad = client.post(f"{ALARMS}{make_alarm('T-2').pk}/open-incident/", {"event_code": "99X99"}, format="json")
    assert bad.status_code == 400 and "event_code" in bad.json()["error"]["fields"]


def test_history_is_read_only(demo, api):
    alarm = make_alarm()
    event = AlarmEvent.objects.get(alarm=alarm)
    client = api("admin")
    assert client.get(f"{EVENTS}{event.pk}/").json()["action"] == "raised"
    assert client.get(EVENTS, {"alarm": alarm.pk}).json()["count"] == 1
    for method in ("post", "patch", "put", "delete"):
        url = EVENTS if method == "post" else f"{EVENTS}{event.pk}/"
        assert getattr(client, method)(url, {"note": "改"}, format="json").status_code == 405
    assert AlarmEvent.objects.get(pk=event.pk).note == ""
