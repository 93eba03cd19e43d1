"""`yingji monitoring alarms | readings | check-stale`, in process against the test database."""

import json
from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.utils import timezone

from yingji.monitoring.cli import monitoring
from yingji.monitoring.models import Alarm, Reading, Rule, Sensor

from .test_evaluate import at, feed, make_rule, make_sensor


@pytest.fixture
def lel(demo):
    Rule.objects.update(enabled=False)
    Alarm.objects.filter(active=True).update(active=False, state=Alarm.CLEARED_ACK)  # the demo's, out of the way
    return make_sensor("T-CLI-LEL"), make_rule()


def invoke(*args):
    result = CliRunner().invoke(monitoring, list(args), catch_exceptions=False)
    return result


def test_alarms_json_lists_code_rule_level_state_and_beijing_times(lel):
    sensor, rule = lel
    feed(sensor, (0, 30), (10, 55))
    old = make_sensor("T-CLI-OLD")
    feed(old, (0, 30), (10, 0))
    result = invoke("alarms", "--json")
    assert result.exit_code == 0, result.output
    [item] = json.loads(result.output)
    assert (item["sensor"], item["rule"], item["alarm_type"], item["level"], item["state"]) == (
        "T-CLI-LEL", rule.name, "高限报警", "二级", "active_unack")
    assert item["raised_at"] == timezone.localtime(at(0)).isoformat() and item["raised_at"].endswith("+08:00")
    assert item["escalated_at"] == timezone.localtime(at(10)).isoformat()
    assert item["acknowledged_at"] is None and item["cleared_at"] is None
    every = json.loads(invoke("alarms", "--state", "all", "--json").output)
    cleared = next(i for i in every if i["sensor"] == "T-CLI-OLD")
    assert cleared["state"] == "cleared_unack" and cleared["cleared_at"].endswith("+08:00")
    text = invoke("alarms").output
    assert "T-CLI-LEL" in text and "高限报警（二级）" in text and "T-CLI-OLD" not in text


def test_alarms_bad_state_is_refused(lel):
    result = CliRunner().invoke(monitoring, ["alarms", "--state", "open"])
    assert result.exit_code == 2 and "open" in result.output


def add_readings(sensor, points):
    Reading.objects.bulk_create([
        Reading(sensor=sensor, message_id=f"m{i}", ts=at(s), value=v if not isinstance(v, str) else None,
                event=v if isinstance(v, str) else "", received_at=timezone.now())
        for i, (s, v) in enumerate(points)])


def test_readings_json_since_until_limit(lel):
    sensor, _ = lel
    add_readings(sensor, [(s, float(s)) for s in range(0, 100, 10)])
    result = invoke("readings", "T-CLI-LEL", "--json")
    items = json.loads(result.output)
    assert [i["value"] for i in items] == [float(s) for s in range(0, 100, 10)]
    assert items[0] == {"id": "m0", "ts": timezone.localtime(at(0)).isoformat(), "value": 0.0}
    since = timezone.localtime(at(30)).isoformat()
    until = (at(60)).isoformat()  # UTC offset accepted as well
    items = json.loads(invoke("readings", "T-CLI-LEL", "--since", since, "--until", until, "--json").output)
    assert [i["id"] for i in items] == ["m3", "m4", "m5"]
    items = json.loads(invoke("readings", "T-CLI-LEL", "--limit", "2", "--json").output)
    assert [i["id"] for i in items] == ["m8", "m9"]  # the latest two, oldest first
    items = json.loads(invoke("readings", "T-CLI-LEL", "--since", since, "--limit", "2", "--json").output)
    assert [i["id"] for i in items] == ["m3", "m4"]
    naive = timezone.localtime(at(80)).strftime("%Y-%m-%d %H:%M:%S")  # no offset: Beijing time
    items = json.loads(invoke("readings", "T-CLI-LEL", "--since", naive, "--json").output)
    assert [i["id"] for i in items] == ["m8", "m9"]


def test_readings_of_a_fire_panel_give_the_event(demo):
    panel = make_sensor("T-CLI-FIRE", kind="fire_panel", interval=3600)
    add_readings(panel, [(0, "火警"), (10, "复位")])
    items = json.loads(invoke("readings", "T-CLI-FIRE", "--json").output)
    assert [(i["id"], i.get("event"), "value" in i) for i in items] == [("m0", "火警", False), ("m1", "复位", False)]


@pytest.mark.parametrize("args, words", [
    (["readings", "NO-SUCH", "--json"], "找不到编码为“NO-SUCH”的监测点"),
    (["readings", "T-CLI-LEL", "--since", "昨天"], "时间“昨天”格式不正确"),
    (["readings", "T-CLI-LEL", "--since", "2026-13-45"], "格式不正确"),
    (["readings", "T-CLI-LEL", "--since", "2026-11-30", "--until", "2026-11-29"], "截止时间应晚于起始时间"),
])
def test_readings_errors_are_clear(lel, args, words):
    result = CliRunner().invoke(monitoring, args)
    assert result.exit_code != 0 and words in result.output, result.output


def test_check_stale_command(lel):
    sensor, _ = lel
    make_rule("stale", stale_factor=3)
    Sensor.objects.filter(pk=sensor.pk).update(last_reading_at=timezone.now() - timedelta(minutes=5))
    result = invoke("check-stale")
    assert result.exit_code == 0 and "新增离线报警 1 条" in result.output and "T-CLI-LEL" in result.output
    assert Alarm.objects.get(sensor=sensor, active=True).alarm_type == "离线"
    assert "新增离线报警 0 条" in invoke("check-stale").output
    result = invoke("check-stale", "--schedule")  # tests run tasks inline: nothing to defer
    assert result.exit_code == 0 and "不支持定时" in result.output


def test_stale_task_runs_the_check_and_keeps_one_chain_queued(lel, monkeypatch):
    from django_tasks_db.models import DBTaskResult

    from yingji.monitoring import tasks

    sensor, _ = lel
    make_rule("stale", stale_factor=3)
    Sensor.objects.filter(pk=sensor.pk).update(last_reading_at=timezone.now() - timedelta(minutes=5))
    assert tasks.check_stale_sensors.call(reschedule=False) == 1
    monkeypatch.setattr(tasks, "check_stale_sensors", tasks.check_stale_sensors.using(backend="database"))
    assert tasks.schedule_stale_check() is True
    assert tasks.schedule_stale_check() is False  # one queued already: no second chain
    [queued] = DBTaskResult.objects.filter(task_path="yingji.monitoring.tasks.check_stale_sensors")
    assert timedelta(seconds=50) < queued.run_after - timezone.now() <= timedelta(seconds=60)
