"""The header bell for alarms: active unacknowledged alarms in the user's scope, 二级 first, for 值班员, 安全监管员,
企业用户 and 领导 (not a dispatcher); an escalation comes back as a new item; acknowledging takes it off; at most two
queries; the home page's alarm card and panel, and the pages they refresh."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from yingji.core import notifications
from yingji.core.models import User
from yingji.monitoring.models import Alarm
from yingji.monitoring.services import alarms as services

from .alarm_helpers import LECHLOR, TIANCHI, make_alarm

pytestmark = pytest.mark.django_db


def user(name):
    return User.objects.get(username=name)


def alarm_source(username):
    data = notifications.collect(user(username))
    return next((s for s in data["sources"] if s["key"] == "alarms"), None)


def item_ids(username):
    return [item["id"] for item in alarm_source(username)["items"]]


def test_unacknowledged_alarms_level2_first_for_the_duty_officer(demo):
    before = alarm_source("duty")["count"]
    one = make_alarm("T-1", level=1, ago_s=5)
    two = make_alarm("T-2", level=2, ago_s=600)
    make_alarm("T-3", state=Alarm.ACTIVE_ACK)  # acknowledged: not waiting
    make_alarm("T-4", state=Alarm.CLEARED_ACK)
    source = alarm_source("duty")
    assert source["count"] == before + 2 and source["label"] == "未确认的监测报警"
    assert source["url"] == "/monitoring/alarms/"
    ids = [item["id"] for item in source["items"]]
    assert ids.index(f"alarm-{two.pk}-2") < ids.index(f"alarm-{one.pk}-1")
    first = next(item for item in source["items"] if item["id"] == f"alarm-{two.pk}-2")
    assert first["kind"] == "二级报警" and first["title"].startswith("T-2 ")
    assert first["url"] == f"/monitoring/alarms/{two.pk}/" and two.enterprise.name in first["note"]
    assert source["refresh"]["/monitoring/alarms/"] == ["[data-testid=alarm-list]"]
    assert "[data-testid=alarm-panel]" in source["refresh"]["/"]


def test_escalation_is_a_new_item_and_acknowledging_takes_it_off(demo):
    alarm = make_alarm("T-ESC", level=1)
    assert f"alarm-{alarm.pk}-1" in item_ids("duty")
    Alarm.objects.filter(pk=alarm.pk).update(level=2, escalated_at=timezone.now())
    assert f"alarm-{alarm.pk}-2" in item_ids("duty") and f"alarm-{alarm.pk}-1" not in item_ids("duty")
    services.acknowledge(user("duty"), alarm)
    assert not [i for i in item_ids("duty") if i.startswith(f"alarm-{alarm.pk}-")]


def test_roles_and_scope(demo):
    tianchi = make_alarm("T-TC", enterprise=None, region=TIANCHI)
    own, other = make_alarm("T-OWN"), make_alarm("T-OTHER", enterprise=LECHLOR)
    for name in ("duty", "inspector", "leader", "enterprise"):
        assert alarm_source(name) is not None, name
    for name in ("dispatcher", "commander", "township"):
        assert alarm_source(name) is None, name
    enterprise = item_ids("enterprise")
    assert f"alarm-{own.pk}-1" in enterprise and f"alarm-{other.pk}-1" not in enterprise
    assert f"alarm-{tianchi.pk}-1" not in enterprise
    county = alarm_source("duty")
    assert county["count"] >= 3


def test_at_most_two_queries(demo):
    for n in range(3):
        make_alarm(f"T-Q{n}", level=1 + n % 2)
    source = next(s for s in notifications.sources() if s.key == "alarms")
    duty = user("duty")
    notifications.collect(duty)  # permissions and roles cached, as on every poll after the first
    with CaptureQueriesContext(connection) as queries:
        result = source.collect(duty, timezone.now())
    assert result["count"] >= 3 and len(queries) <= 2, [q["sql"] for q in queries]


def test_home_page_card_and_live_panel(demo, web):
    alarm = make_alarm("T-HOME", level=2, value=61.0)
    html = web("duty").get("/").content.decode()
    assert 'data-testid="alarm-panel"' in html and "T-HOME" in html and "未恢复的监测报警" in html
    assert 'data-testid="alarm-panel"' not in web("dispatcher").get("/").content.decode()
    services.acknowledge(user("duty"), alarm)
    assert "T-HOME" in web("duty").get("/").content.decode()  # still on: listed until it clears
