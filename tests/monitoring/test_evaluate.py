"""Rules over stored batches: every boundary of raise / escalate / clear, hold time, rate, low, fire-panel
events and 复位, stale, late readings, rule resolution, and the one-active-alarm constraint (with two real
connections on PostgreSQL)."""

import threading
from datetime import timedelta

import numpy as np
import pytest
from django.db import connection, connections, transaction
from django.utils import timezone

from yingji.core.models import Region
from yingji.monitoring.models import Alarm, AlarmEvent, Rule, RuleState, Sensor
from yingji.monitoring.services import evaluate as ev
from yingji.monitoring.services.batch import Batch
from yingji.monitoring.services.rules import save_rule

T0 = timezone.now().replace(microsecond=0) - timedelta(hours=2)


def make_sensor(code="T-LEL-01", kind="lel", region="512022102", interval=10, unit=None):
    from yingji.monitoring import kinds

    return Sensor.objects.create(code=code, name=f"测试{code}", kind=kind, unit=unit or kinds.kinds()[kind].unit,
                                 region=Region.objects.get(code=region), expected_interval_s=interval,
                                 installed_at=T0 - timedelta(days=30))


def make_rule(rule_type="high", kind="lel", region="512022102", sensor=None, **data):
    values = {"name": f"{kind}-{rule_type}-{region}", "kind": kind, "rule_type": rule_type, "sensor": sensor,
              "region": None if sensor is not None else Region.objects.get(code=region)}
    if rule_type in ("high", "low", "rate"):
        values.update(level1=25.0, level2=50.0, deadband=1.0)
    values.update(data)
    values.setdefault("enabled", True)
    existing = None if sensor is not None else Rule.objects.filter(  # the demo's rule of that place: reset it
        sensor=None, region=values["region"], kind=kind, rule_type=rule_type, event=values.get("event", "")).first()
    if existing is not None:
        values = {"level1": None, "level2": None, "deadband": 0, "hold_s": 0, "stale_factor": 3, **values}
    return save_rule(None, existing or Rule(), values)


def feed(sensor, *points, now=None):
    """points: (seconds after T0, value or event); one batch, evaluated; returns the alarms touched."""
    seconds = [p[0] for p in points]
    values = [p[1] if not isinstance(p[1], str) else np.nan for p in points]
    events = [p[1] if isinstance(p[1], str) else "" for p in points]
    batch = Batch.sorted([sensor.pk] * len(points), [ev.to_ms(T0 + timedelta(seconds=s)) for s in seconds],
                         values, events)
    return ev.evaluate(batch, now=now or T0 + timedelta(seconds=max(seconds)))


def at(seconds):
    return T0 + timedelta(seconds=seconds)


def actions(alarm):
    return list(AlarmEvent.objects.filter(alarm=alarm).order_by("at", "id").values_list("action", flat=True))


@pytest.fixture
def quiet(demo):
    """The demo's own rules switched off: each test says which rules apply."""
    Rule.objects.update(enabled=False)


@pytest.fixture
def lel(quiet):
    sensor = make_sensor()
    rule = make_rule()  # GB/T 50493: 一级 25 %LEL, 二级 50 %LEL, 回差 1
    return sensor, rule


def test_exactly_at_the_setpoint_raises_and_just_below_does_not(lel):
    sensor, rule = lel
    assert feed(sensor, (0, 24.99)) == []
    assert not Alarm.objects.filter(sensor=sensor).exists()
    [alarm] = feed(sensor, (10, 25.0))
    assert (alarm.level, alarm.state, alarm.active, alarm.raised_at) == (1, Alarm.ACTIVE_UNACK, True, at(10))
    assert alarm.alarm_type == "高限报警" and alarm.first_value == 25.0 and alarm.region_id == sensor.region_id
    assert actions(alarm) == ["raised"]
    sensor.refresh_from_db()
    assert sensor.status == Sensor.ALARM1


def test_hovering_at_the_setpoint_raises_one_alarm(lel):
    sensor, _ = lel
    hover = [(i * 10, 24.9 if i % 2 else 25.1) for i in range(100)]
    feed(sensor, *hover[:50])
    feed(sensor, *hover[50:])
    [alarm] = Alarm.objects.filter(sensor=sensor)
    assert alarm.active and alarm.level == 1 and alarm.raised_at == at(0)
    assert actions(alarm) == ["raised"]
    assert alarm.peak_value == 25.1


def test_without_deadband_hovering_raises_each_time(quiet):
    sensor = make_sensor()
    make_rule(deadband=0)
    feed(sensor, (0, 25.1), (10, 24.9), (20, 25.1), (30, 24.9))
    assert Alarm.objects.filter(sensor=sensor).count() == 2  # the deadband above is what prevents this


def test_escalates_in_place_and_clears_below_level1_minus_deadband(lel):
    sensor, _ = lel
    feed(sensor, (0, 20), (10, 30))
    feed(sensor, (20, 49.9), (30, 50.0), (40, 60.5), (50, 40))
    [alarm] = Alarm.objects.filter(sensor=sensor)
    assert (alarm.level, alarm.raised_at, alarm.escalated_at, alarm.peak_value) == (2, at(10), at(30), 60.5)
    sensor.refresh_from_db()
    assert sensor.status == Sensor.ALARM2
    feed(sensor, (60, 24.5), (70, 24.0))  # below 25 but not below 25 − 1: still active
    alarm.refresh_from_db()
    assert alarm.active and alarm.level == 2
    feed(sensor, (80, 23.99), (90, 10))
    alarm.refresh_from_db()
    assert (alarm.active, alarm.state, alarm.cleared_at, alarm.last_value) == (
        False, Alarm.CLEARED_UNACK, at(80), 23.99)
    assert actions(alarm) == ["raised", "escalated", "cleared"]
    sensor.refresh_from_db()
    assert sensor.status == Sensor.NORMAL
    assert Alarm.objects.filter(sensor=sensor).count() == 1


def test_a_batch_can_raise_escalate_clear_and_raise_again(lel):
    sensor, _ = lel
    touched = feed(sensor, (0, 26), (10, 55), (20, 5), (30, 27))
    assert len(touched) == 2
    first, second = Alarm.objects.filter(sensor=sensor).order_by("raised_at")
    assert (first.level, first.active, first.cleared_at) == (2, False, at(20))
    assert (second.level, second.active, second.raised_at) == (1, True, at(30))


def test_acknowledged_alarm_clears_to_cleared_ack(lel):
    sensor, _ = lel
    [alarm] = feed(sensor, (0, 30))
    Alarm.objects.filter(pk=alarm.pk).update(state=Alarm.ACTIVE_ACK, acknowledged_at=at(5))
    feed(sensor, (10, 0))
    alarm.refresh_from_db()
    assert (alarm.state, alarm.active) == (Alarm.CLEARED_ACK, False)


def test_hold_time_raises_only_after_the_value_stayed_past_the_setpoint(quiet):
    sensor = make_sensor()
    make_rule(hold_s=60)
    feed(sensor, (0, 30), (20, 31), (40, 29))
    assert not Alarm.objects.filter(sensor=sensor).exists()
    feed(sensor, (50, 20), (60, 30))  # the run broke at 50: it starts again at 60
    assert not Alarm.objects.filter(sensor=sensor).exists()
    state = RuleState.objects.get(sensor=sensor)
    assert state.pending_since == at(60)
    feed(sensor, (90, 55), (110, 30))  # 50 s past the setpoint: not yet
    assert not Alarm.objects.filter(sensor=sensor).exists()
    [alarm] = feed(sensor, (120, 30))  # 60 s, across three batches; the run peaked at 二级
    assert (alarm.raised_at, alarm.level) == (at(120), 2)
    alarm.refresh_from_db()
    assert (alarm.first_value, alarm.peak_value) == (30, 55)  # the peak of an earlier batch
    [raised] = AlarmEvent.objects.filter(alarm=alarm, action="raised")
    assert raised.value == 30


def test_the_peak_of_a_pending_run_is_carried_across_batches_until_the_hold_raises(quiet):
    sensor = make_sensor()
    make_rule(hold_s=60)
    feed(sensor, (0, 20), (10, 30), (20, 44.5))  # the run starts at 10
    feed(sensor, (30, 31), (40, 32))
    state = RuleState.objects.get(sensor=sensor)
    assert (state.pending_since, state.pending_level, state.pending_peak) == (at(10), 1, 44.5)
    feed(sensor, (50, 27))
    assert not Alarm.objects.filter(sensor=sensor).exists()
    [alarm] = feed(sensor, (70, 26), (80, 28))  # held 60 s at 70, in the fourth batch
    alarm.refresh_from_db()
    assert (alarm.raised_at, alarm.level, alarm.first_value, alarm.peak_value, alarm.last_value) == (
        at(70), 1, 26, 44.5, 28)
    feed(sensor, (90, 46))
    alarm.refresh_from_db()
    assert alarm.peak_value == 46


def test_a_run_that_broke_starts_its_peak_again(quiet):
    sensor = make_sensor()
    make_rule(hold_s=60)
    feed(sensor, (0, 45), (10, 20), (20, 30))  # 45 belonged to a run that ended at 10
    assert RuleState.objects.get(sensor=sensor).pending_peak == 30
    [alarm] = feed(sensor, (80, 29))
    alarm.refresh_from_db()
    assert (alarm.raised_at, alarm.peak_value) == (at(80), 30)
    feed(sensor, (90, 10))  # cleared: nothing pending, no peak kept
    state = RuleState.objects.get(sensor=sensor)
    assert (state.pending_since, state.pending_peak) == (None, None)


def test_a_low_rule_with_a_hold_carries_its_lowest_value(quiet):
    sensor = make_sensor("T-HYD-02", kind="hydrant_pressure", interval=600)
    make_rule("low", kind="hydrant_pressure", level1=0.14, level2=0.05, deadband=0.02, hold_s=60)
    feed(sensor, (0, 0.13), (20, 0.07))
    feed(sensor, (40, 0.12))
    [alarm] = feed(sensor, (60, 0.13))
    alarm.refresh_from_db()
    assert (alarm.level, alarm.first_value, alarm.peak_value) == (1, 0.13, 0.07)


def test_rate_of_change_across_batches(quiet):
    sensor = make_sensor(kind="water_level", unit="m", interval=300)
    make_rule("rate", kind="water_level", level1=0.5, level2=1.0, deadband=0.1)  # m per minute
    feed(sensor, (0, 3.0), (60, 3.2))  # 0.2 m/min
    assert not Alarm.objects.filter(sensor=sensor).exists()
    [alarm] = feed(sensor, (120, 3.7))  # 0.5 m/min against the previous batch's last reading
    assert (alarm.level, alarm.alarm_type, alarm.raised_at) == (1, "变化速率报警", at(120))
    assert alarm.first_value == pytest.approx(0.5)
    feed(sensor, (150, 4.3))  # 1.2 m/min
    alarm.refresh_from_db()
    assert alarm.level == 2 and alarm.escalated_at == at(150)
    feed(sensor, (210, 4.75))  # 0.45 m/min: not below 0.5 − 0.1
    alarm.refresh_from_db()
    assert alarm.active
    feed(sensor, (270, 4.9))  # 0.15 m/min
    alarm.refresh_from_db()
    assert not alarm.active and alarm.cleared_at == at(270)


def test_low_rule_mirrors_high(quiet):
    sensor = make_sensor("T-HYD-01", kind="hydrant_pressure", interval=600)
    make_rule("low", kind="hydrant_pressure", level1=0.14, level2=0.1, deadband=0.02)
    feed(sensor, (0, 0.3), (10, 0.141))
    assert not Alarm.objects.filter(sensor=sensor).exists()
    [alarm] = feed(sensor, (20, 0.14))  # 以下含本数
    assert (alarm.level, alarm.alarm_type) == (1, "低限报警")
    feed(sensor, (30, 0.1), (40, 0.05), (50, 0.155))  # 0.155 is not above 0.14 + 0.02
    alarm.refresh_from_db()
    assert (alarm.level, alarm.escalated_at, alarm.peak_value, alarm.active) == (2, at(30), 0.05, True)
    feed(sensor, (60, 0.161))
    alarm.refresh_from_db()
    assert not alarm.active and alarm.cleared_at == at(60)


def test_fire_panel_events_and_reset(quiet):
    sensor = make_sensor("T-FIRE-01", kind="fire_panel", interval=3600)
    make_rule("event", kind="fire_panel", event="火警", event_level=2)
    make_rule("event", kind="fire_panel", event="故障", event_level=1)
    feed(sensor, (0, "监管"))  # no rule for 监管
    assert not Alarm.objects.filter(sensor=sensor).exists()
    feed(sensor, (10, "故障"), (20, "火警"), (30, "火警"))
    fire = Alarm.objects.get(sensor=sensor, alarm_type="火警")
    fault = Alarm.objects.get(sensor=sensor, alarm_type="故障")
    assert (fire.level, fire.raised_at, fault.level, fault.raised_at) == (2, at(20), 1, at(10))
    assert Alarm.objects.filter(sensor=sensor).count() == 2  # a repeated 火警 is the same alarm
    sensor.refresh_from_db()
    assert sensor.status == Sensor.ALARM2
    feed(sensor, (40, "复位"))
    assert not Alarm.objects.filter(sensor=sensor, active=True).exists()
    fire.refresh_from_db()
    assert fire.cleared_at == at(40) and actions(fire) == ["raised", "cleared"]
    sensor.refresh_from_db()
    assert sensor.status == Sensor.NORMAL


def test_stale_sensor_goes_offline_once_and_a_reading_brings_it_back(lel):
    sensor, _ = lel
    make_rule("stale", stale_factor=3)
    feed(sensor, (0, 10))
    Sensor.objects.filter(pk=sensor.pk).update(last_reading_at=at(0))  # ingest keeps this
    assert ev.check_stale(now=at(29)) == []  # 3 × 10 s not reached
    [alarm] = ev.check_stale(now=at(45))
    assert (alarm.alarm_type, alarm.level, alarm.raised_at, alarm.active) == ("离线", 1, at(30), True)
    assert ev.check_stale(now=at(90)) == []  # still the one alarm
    sensor.refresh_from_db()
    assert sensor.status == Sensor.OFFLINE
    feed(sensor, (100, 12), now=at(101))
    alarm.refresh_from_db()
    assert (alarm.active, alarm.state, alarm.cleared_at) == (False, Alarm.CLEARED_UNACK, at(100))
    sensor.refresh_from_db()
    assert sensor.status == Sensor.NORMAL


def test_old_readings_replayed_do_not_bring_a_stale_sensor_back(lel):
    sensor, _ = lel
    make_rule("stale", stale_factor=3)
    Sensor.objects.filter(pk=sensor.pk).update(last_reading_at=at(0))
    [alarm] = ev.check_stale(now=at(300))
    feed(sensor, (5, 10), now=at(300))  # a gateway's buffer: 295 s old, the window is 30 s
    alarm.refresh_from_db()
    assert alarm.active


def test_never_reported_sensor_is_not_raised_stale(quiet):
    sensor = make_sensor()
    make_rule("stale", stale_factor=3)
    assert ev.check_stale(now=at(3600)) == []
    sensor.refresh_from_db()
    assert sensor.status == Sensor.NEVER


def test_late_reading_may_raise_but_never_clears_a_newer_state(lel):
    sensor, _ = lel
    feed(sensor, (100, 30))
    [alarm] = Alarm.objects.filter(sensor=sensor)
    feed(sensor, (50, 0), (60, 0))  # late and low: the alarm raised at 100 stays
    alarm.refresh_from_db()
    assert alarm.active
    feed(sensor, (90, 70))  # late and higher: escalates the alarm (the level reached), never before its raise
    alarm.refresh_from_db()
    assert alarm.level == 2 and alarm.escalated_at == at(100)
    feed(sensor, (200, 5))
    alarm.refresh_from_db()
    assert not alarm.active
    # A late excursion between two judged normal readings: raised at its own time, cleared at once (the newer
    # reading at 200 was already back), so the duty room still sees that it happened.
    touched = feed(sensor, (150, 40))
    late = Alarm.objects.exclude(pk=alarm.pk).get(sensor=sensor)
    assert [a.pk for a in touched] == [late.pk]
    assert (late.raised_at, late.cleared_at, late.state, late.level) == (at(150), at(200), Alarm.CLEARED_UNACK, 1)
    state = RuleState.objects.get(sensor=sensor)
    assert state.previous_ts == at(200)  # the remembered state did not move back


def test_late_reset_does_not_clear_a_newer_fire(quiet):
    sensor = make_sensor("T-FIRE-02", kind="fire_panel", interval=3600)
    make_rule("event", kind="fire_panel", event="火警", event_level=2)
    feed(sensor, (100, "火警"))
    feed(sensor, (50, "复位"))
    assert Alarm.objects.get(sensor=sensor).active


def test_readings_out_of_order_within_a_batch_are_judged_in_time_order(lel):
    sensor, _ = lel
    feed(sensor, (30, 5), (10, 30), (20, 60))  # sorted: 30 at 10, 60 at 20, 5 at 30
    [alarm] = Alarm.objects.filter(sensor=sensor)
    assert (alarm.raised_at, alarm.escalated_at, alarm.cleared_at, alarm.level) == (at(10), at(20), at(30), 2)


def test_override_beats_the_kind_rule(quiet):
    sensor, other = make_sensor("T-LEL-01"), make_sensor("T-LEL-02")
    make_rule()  # 25 / 50 for the kind
    make_rule(sensor=sensor, name="单点", level1=10, level2=20, deadband=1)
    feed(sensor, (0, 15))
    feed(other, (0, 15))
    assert Alarm.objects.filter(sensor=sensor).count() == 1
    assert not Alarm.objects.filter(sensor=other).exists()


def test_disabled_override_switches_the_rule_off_for_that_sensor(quiet):
    sensor = make_sensor()
    make_rule()
    make_rule(sensor=sensor, name="停用", enabled=False)
    feed(sensor, (0, 90))
    assert not Alarm.objects.filter(sensor=sensor).exists()


def test_nearest_region_kind_rule_wins(quiet):
    county = make_rule(region="512022", level1=24, level2=48)  # within GB/T 50493-2019 5.5.2 (≤ 25 / 50 %LEL)
    township = make_rule(region="512022102", level1=10, level2=15)
    make_rule(region="512022001", level1=5, level2=8)  # a sibling township: not on the path
    here, there = make_sensor("T-LEL-HL"), make_sensor("T-LEL-SF", region="512022101")
    feed(here, (0, 12))
    feed(there, (0, 12), (10, 30))
    assert Alarm.objects.get(sensor=here).rule == township
    assert Alarm.objects.get(sensor=there).rule == county


def test_alarm_of_a_rule_no_longer_applying_is_cleared_when_the_sensor_reports(lel):
    sensor, rule = lel
    feed(sensor, (0, 30))
    Rule.objects.filter(pk=rule.pk).update(enabled=False)
    feed(sensor, (10, 30))
    alarm = Alarm.objects.get(sensor=sensor)
    assert not alarm.active and alarm.cleared_at == at(10)


def test_a_raise_colliding_with_an_alarm_raised_meanwhile_escalates_it(lel):
    """The constraint is the last guard: the row raised behind evaluate's back is found and escalated."""
    sensor, rule = lel
    other = Alarm.objects.create(sensor=sensor, rule=rule, region=sensor.region, alarm_type="高限报警", level=1,
                                 raised_at=at(0))
    run = ev._Run(at(10), {sensor.pk: sensor}, {}, {})  # evaluate's view taken before that alarm existed
    alarm = ev._raise(run, sensor, rule, 2, at(10), 55.0, "test")
    assert alarm.pk == other.pk
    other.refresh_from_db()
    assert other.level == 2 and other.escalated_at == at(10)
    assert Alarm.objects.filter(sensor=sensor).count() == 1


def test_status_follows_an_alarm_cleared_by_hand(lel):
    sensor, _ = lel
    [alarm] = feed(sensor, (0, 55), (5, 30))
    Alarm.objects.filter(pk=alarm.pk).update(active=False, state=Alarm.CLEARED_ACK, cleared_at=at(6))
    ev.refresh_status([sensor.pk])
    sensor.refresh_from_db()
    assert sensor.status == Sensor.NORMAL
    [again] = feed(sensor, (10, 30))  # still past the setpoint: a new alarm at once, at the level of now
    assert again.pk != alarm.pk and again.level == 1
    sensor.refresh_from_db()
    assert sensor.status == Sensor.ALARM1


def test_history_and_audit_for_each_step(lel):
    from yingji.core.models import AuditEntry

    sensor, _ = lel
    [alarm] = feed(sensor, (0, 30), (10, 55), (20, 0))
    events = list(AlarmEvent.objects.filter(alarm=alarm).order_by("at", "id"))
    assert [(e.action, e.level, e.at, e.actor) for e in events] == [
        ("raised", 1, at(0), None), ("escalated", 2, at(10), None), ("cleared", 2, at(20), None)]
    assert "达到一级报警值 25%LEL" in events[0].note
    assert AuditEntry.objects.filter(model="monitoring.alarm", object_id=str(alarm.pk)).count() == 3


def test_many_sensors_in_one_batch(quiet):
    make_rule()
    sensors = [make_sensor(f"T-LEL-{i:03d}") for i in range(30)]
    rng = np.random.default_rng(7)
    ids, ts, values = [], [], []
    for k, sensor in enumerate(sensors):
        for i in range(40):
            ids.append(sensor.pk)
            ts.append(ev.to_ms(at(i * 10)))
            values.append(float(rng.normal(20, 8)) if k % 3 else 60.0)
    ev.evaluate(Batch.sorted(ids, ts, values, [""] * len(ids)), now=at(400))
    alarmed = set(Alarm.objects.filter(active=True).values_list("sensor_id", flat=True))
    assert {s.pk for k, s in enumerate(sensors) if k % 3 == 0} <= alarmed
    assert Sensor.objects.filter(pk__in=[s.pk for s in sensors], status=Sensor.ALARM2).count() == 10


@pytest.mark.skipif(connection.vendor != "postgresql", reason="两个真实连接并发写：仅 PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_raises_give_one_alarm(committed_demo, monkeypatch):
    Rule.objects.update(enabled=False)
    sensor = make_sensor("T-LEL-RACE")
    make_rule()
    barrier = threading.Barrier(2, timeout=10)
    judge = ev._judge

    def judged_together(*args, **kwargs):  # both have read "no active alarm" before either writes
        barrier.wait()
        return judge(*args, **kwargs)

    monkeypatch.setattr(ev, "_judge", judged_together)
    errors = []

    def ingest(value, second):
        try:
            with transaction.atomic():
                feed(sensor, (second, value))
        except Exception as exc:  # noqa: BLE001  reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=ingest, args=(30.0, 1)), threading.Thread(target=ingest, args=(60.0, 2))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    [alarm] = Alarm.objects.filter(sensor=sensor)
    assert alarm.active and alarm.level == 2
    assert sorted(AlarmEvent.objects.filter(alarm=alarm).values_list("action", flat=True)) in (
        ["escalated", "raised"], ["raised"])
