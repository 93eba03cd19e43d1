"""Ingest service (services/ingest.py) and gateway tokens (services/gateways.py): storing, idempotency, order,
every reason a reading is refused (in Chinese, naming the field, counted per gateway, nothing written), and a
batch that fails as a whole leaving nothing behind."""

import threading
from datetime import UTC, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, connections
from django.utils import timezone

from yingji.core.models import AuditEntry, User
from yingji.monitoring.models import Alarm, AlarmEvent, Gateway, IngestRejection, Reading, ReadingKey, Rollup
from yingji.monitoring.services import evaluate, gateways
from yingji.monitoring.services.ingest import Malformed, ingest, to_ms

from .conftest import HUILAN, TIANCHI, make_gateway, make_high_rule, make_sensor

NOW = timezone.now().replace(microsecond=0)


def iso(seconds_ago: float, offset="+08:00") -> str:
    moment = NOW - timedelta(seconds=seconds_ago)
    if offset == "":
        return moment.astimezone(UTC).replace(tzinfo=None).isoformat()
    hours = int(offset[:3])
    return moment.astimezone(timezone.get_fixed_timezone(hours * 60)).isoformat()


def ms(seconds_ago: float) -> int:
    return to_ms(NOW - timedelta(seconds=seconds_ago))


@pytest.fixture
def gateway(demo):
    return make_gateway()


@pytest.fixture
def lel(gateway):
    return make_sensor(kind="lel", gateway=gateway)


@pytest.fixture
def panel(gateway):
    return make_sensor(kind="fire_panel", gateway=gateway)


@pytest.fixture
def evaluations(monkeypatch):
    """Every batch handed to the rules: [(sensor ids, ts_ms, values)], while still calling the real evaluation."""
    seen = []
    real = evaluate.evaluate

    def spy(batch, *, now=None, sensors=None):
        seen.append((batch.sensor_id.tolist(), batch.ts_ms.tolist(), batch.value.tolist()))
        return real(batch, now=now, sensors=sensors)

    monkeypatch.setattr(evaluate, "evaluate", spy)
    return seen


def stored(sensor):
    return list(Reading.objects.filter(sensor=sensor).order_by("ts").values_list("message_id", "value", "event"))


# --- storing ------------------------------------------------------------------------------------------------------

def test_readings_are_stored_with_iso_and_epoch_times(lel, gateway):
    result = ingest([{"id": "a1", "ts": iso(20), "value": 3.5}, {"id": "a2", "ts": ms(10), "value": 4},
                     {"id": "a3", "ts": iso(5, "+00:00").replace("+00:00", "Z"), "value": 4.5}],
                    channel="mqtt", sensor_code=lel.code, now=NOW)
    assert (result.accepted, result.duplicates, result.rejected) == (3, 0, [])
    assert stored(lel) == [("a1", 3.5, ""), ("a2", 4.0, ""), ("a3", 4.5, "")]
    times = list(Reading.objects.filter(sensor=lel).order_by("ts").values_list("ts", flat=True))
    assert times == [NOW - timedelta(seconds=s) for s in (20, 10, 5)]
    assert ReadingKey.objects.filter(sensor=lel).count() == 3
    lel.refresh_from_db()
    assert (lel.last_value, lel.last_reading_at) == (4.5, NOW - timedelta(seconds=5))
    gateway.refresh_from_db()
    assert (gateway.accepted_count, gateway.rejected_count, gateway.last_seen_at) == (3, 0, NOW)
    assert sum(Rollup.objects.filter(sensor=lel, resolution=Rollup.MINUTE).values_list("count", flat=True)) == 3


def test_fire_panel_events_are_stored(panel):
    result = ingest([{"id": "e1", "ts": ms(30), "event": "火警"}, {"id": "e2", "ts": ms(20), "event": "复位"}],
                    channel="mqtt", sensor_code=panel.code, now=NOW)
    assert result.accepted == 2
    assert stored(panel) == [("e1", None, "火警"), ("e2", None, "复位")]
    panel.refresh_from_db()
    assert (panel.last_event, panel.last_value) == ("复位", None)


def test_http_items_name_their_sensor(lel, gateway):
    other = make_sensor(kind="water_level", gateway=gateway)
    result = ingest([{"sensor": lel.code, "id": "h1", "ts": ms(3), "value": 1},
                     {"sensor": other.code, "id": "h1", "ts": ms(3), "value": 2.25}],
                    channel="http", gateway=gateway, now=NOW)
    assert (result.accepted, result.rejected) == (2, [])
    assert stored(lel) == [("h1", 1.0, "")] and stored(other) == [("h1", 2.25, "")]


# --- idempotency and order ------------------------------------------------------------------------------------------

def test_a_repeated_id_is_stored_once_and_judged_once(lel, evaluations):
    make_high_rule(lel)
    first = ingest([{"id": "x", "ts": ms(30), "value": 30}, {"id": "x", "ts": ms(30), "value": 30}],
                   channel="mqtt", sensor_code=lel.code, now=NOW)
    assert (first.accepted, first.duplicates) == (1, 1)
    again = ingest([{"id": "x", "ts": ms(30), "value": 30}, {"id": "y", "ts": ms(20), "value": 31}],
                   channel="mqtt", sensor_code=lel.code, now=NOW)
    assert (again.accepted, again.duplicates) == (1, 1)
    assert stored(lel) == [("x", 30.0, ""), ("y", 31.0, "")]
    assert [len(ids) for ids, _, _ in evaluations] == [1, 1]  # x judged once, y once
    alarm = Alarm.objects.get(sensor=lel)
    assert (alarm.level, alarm.active) == (1, True)
    assert AlarmEvent.objects.filter(alarm=alarm, action="raised").count() == 1
    only_dupes = ingest([{"id": "x", "ts": ms(30), "value": 30}], channel="mqtt", sensor_code=lel.code, now=NOW)
    assert (only_dupes.accepted, only_dupes.duplicates) == (0, 1)
    assert len(evaluations) == 2  # nothing new: nothing judged


def test_the_same_id_on_two_sensors_is_two_readings(lel, gateway):
    other = make_sensor(kind="lel", gateway=gateway)
    for sensor in (lel, other):
        assert ingest([{"id": "same", "ts": ms(5), "value": 1}], channel="mqtt", sensor_code=sensor.code,
                      now=NOW).accepted == 1


def test_out_of_order_readings_are_stored_and_judged_in_time_order(lel, evaluations):
    result = ingest([{"id": "c", "ts": ms(10), "value": 3}, {"id": "a", "ts": ms(30), "value": 1},
                     {"id": "b", "ts": ms(20), "value": 2}], channel="mqtt", sensor_code=lel.code, now=NOW)
    assert result.accepted == 3
    assert evaluations[-1][1] == [ms(30), ms(20), ms(10)]
    assert evaluations[-1][2] == [1.0, 2.0, 3.0]
    lel.refresh_from_db()
    assert (lel.last_value, lel.last_reading_at) == (3.0, NOW - timedelta(seconds=10))
    late = ingest([{"id": "early", "ts": ms(100), "value": 9}], channel="mqtt", sensor_code=lel.code, now=NOW)
    assert late.accepted == 1
    lel.refresh_from_db()
    assert (lel.last_value, lel.last_reading_at) == (3.0, NOW - timedelta(seconds=10))  # a late one: not "latest"
    assert [m for m, _, _ in stored(lel)] == ["early", "a", "b", "c"]


def test_a_batch_of_several_sensors_is_sorted_by_sensor_then_time(gateway, evaluations):
    one, two = make_sensor(gateway=gateway), make_sensor(gateway=gateway)
    ingest([{"sensor": two.code, "id": "1", "ts": ms(1), "value": 1}, {"sensor": one.code, "id": "1", "ts": ms(2), "value": 2},
            {"sensor": two.code, "id": "2", "ts": ms(9), "value": 3}, {"sensor": one.code, "id": "2", "ts": ms(8), "value": 4}],
           channel="http", gateway=gateway, now=NOW)
    ids, ts, _ = evaluations[-1]
    assert ids == sorted(ids)
    for sensor in {*ids}:
        mine = [t for i, t in zip(ids, ts, strict=True) if i == sensor]
        assert mine == sorted(mine)


# --- refusals --------------------------------------------------------------------------------------------------

REFUSALS = [
    # (item, the field or words the reason names)
    ({"id": "r", "ts": "now", "value": 1}, "ts"),
    ({"id": "r", "ts": None, "value": 1}, "ts"),
    ({"id": "r", "value": 1}, "缺少读数时间 ts"),
    ({"id": "r", "ts": "2026-01-01T08:00:00", "value": 1}, "缺少时区偏移"),
    ({"id": "r", "ts": 1.5e12, "value": 1}, "ts"),
    ({"id": "r", "ts": True, "value": 1}, "ts"),
    ({"id": "r", "ts": "FUTURE", "value": 1}, "超前"),
    ({"id": "r", "ts": "BEFORE_INSTALL", "value": 1}, "早于监测点安装时间"),
    ({"ts": "OK", "value": 1}, "缺少消息编号 id"),
    ({"id": "", "ts": "OK", "value": 1}, "缺少消息编号 id"),
    ({"id": 17, "ts": "OK", "value": 1}, "消息编号 id 应为字符串"),
    ({"id": "x" * 65, "ts": "OK", "value": 1}, "超过 64 个字符"),
    ({"id": "r", "ts": "OK", "value": "12.5"}, "数值 value 应为数字"),
    ({"id": "r", "ts": "OK", "value": True}, "数值 value 应为数字"),
    ({"id": "r", "ts": "OK", "value": float("nan")}, "NaN"),
    ({"id": "r", "ts": "OK", "value": float("inf")}, "无穷大"),
    ({"id": "r", "ts": "OK", "value": 10**400}, "value"),
    ({"id": "r", "ts": "OK", "value": [1]}, "数值 value 应为数字"),
    ({"id": "r", "ts": "OK"}, "缺少数值 value"),
    ({"id": "r", "ts": "OK", "event": "火警"}, "数值型监测点"),
    ({"id": "r", "ts": "OK", "value": 1, "event": "火警"}, "不能同时提供"),
    ("not an object", "JSON 对象"),
    (42, "JSON 对象"),
    (Malformed("消息不是有效的 JSON：第 1 行第 5 列", "{bad"), "不是有效的 JSON"),
]


def _concrete(item, sensor):
    """The table's placeholders for times relative to now and to the sensor's installation."""
    if not isinstance(item, dict) or not isinstance(item.get("ts"), str):
        return item
    marks = {"OK": ms(5), "FUTURE": ms(-301), "BEFORE_INSTALL": to_ms(sensor.installed_at) - 1}
    return {**item, "ts": marks.get(item["ts"], item["ts"])}


@pytest.mark.parametrize(("item", "words"), REFUSALS, ids=[f"{i}-{w}" for i, (_, w) in enumerate(REFUSALS)])
def test_a_bad_reading_is_refused_named_counted_and_not_written(lel, gateway, item, words):
    item = _concrete(item, lel)
    before = IngestRejection.objects.count()
    result = ingest([item, {"id": "good", "ts": ms(5), "value": 2}], channel="mqtt", sensor_code=lel.code, now=NOW)
    assert result.accepted == 1
    assert len(result.rejected) == 1, result.rejected
    refusal = result.rejected[0]
    assert refusal["index"] == 0 and refusal["sensor"] == lel.code
    assert words in refusal["reason"], refusal["reason"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in refusal["reason"])
    assert stored(lel) == [("good", 2.0, "")]
    row = IngestRejection.objects.get(pk__gt=0, reason=refusal["reason"], sensor_code=lel.code)
    assert IngestRejection.objects.count() == before + 1
    assert (row.gateway_id, row.region_id, row.channel) == (gateway.pk, lel.region_id, "mqtt")
    gateway.refresh_from_db()
    assert (gateway.accepted_count, gateway.rejected_count) == (1, 1)


def test_event_sensor_refuses_values_and_unknown_events(panel):
    result = ingest([{"id": "1", "ts": ms(5), "value": 1}, {"id": "2", "ts": ms(5), "event": "起火"},
                     {"id": "3", "ts": ms(5), "event": 5}], channel="mqtt", sensor_code=panel.code, now=NOW)
    reasons = [r["reason"] for r in result.rejected]
    assert "应上报事件 event" in reasons[0]
    assert "事件 event“起火”无效" in reasons[1] and "火警/故障/监管/屏蔽/复位" in reasons[1]
    assert "事件 event“5”无效" in reasons[2]
    assert result.accepted == 0 and not Reading.objects.filter(sensor=panel).exists()


def test_unknown_and_inactive_sensors_are_refused(gateway):
    idle = make_sensor(gateway=gateway, active=False)
    unknown = ingest([{"id": "1", "ts": ms(5), "value": 1}], channel="mqtt", sensor_code="NO-SUCH-SENSOR", now=NOW)
    assert unknown.rejected[0]["reason"] == "监测点编码 sensor“NO-SUCH-SENSOR”（主题中的编码）不存在。"
    row = IngestRejection.objects.get(sensor_code="NO-SUCH-SENSOR")
    assert (row.gateway_id, row.region_id, row.channel) == (None, None, "mqtt")  # no gateway to count it on
    inactive = ingest([{"id": "1", "ts": ms(5), "value": 1}], channel="mqtt", sensor_code=idle.code, now=NOW)
    assert "已停用" in inactive.rejected[0]["reason"]
    gateway.refresh_from_db()
    assert gateway.rejected_count == 1
    assert not Reading.objects.filter(sensor=idle).exists()


def test_http_refuses_sensors_of_another_gateway_and_counts_on_the_poster(gateway, lel):
    other_gateway = make_gateway(region=TIANCHI)
    theirs = make_sensor(region=TIANCHI, gateway=other_gateway)
    result = ingest([{"sensor": theirs.code, "id": "1", "ts": ms(5), "value": 1},
                     {"sensor": "GHOST", "id": "2", "ts": ms(5), "value": 1}, {"id": "3", "ts": ms(5), "value": 1},
                     {"sensor": lel.code, "id": "4", "ts": ms(5), "value": 1}],
                    channel="http", gateway=gateway, now=NOW)
    assert result.accepted == 1
    reasons = [r["reason"] for r in result.rejected]
    assert f"不属于网关“{gateway.code}”" in reasons[0]
    assert "监测点编码 sensor“GHOST”不存在" in reasons[1]
    assert reasons[2] == "缺少监测点编码 sensor。"
    rows = IngestRejection.objects.filter(gateway=gateway)
    assert rows.count() == 3 and set(rows.values_list("region__code", flat=True)) == {HUILAN}
    gateway.refresh_from_db()
    other_gateway.refresh_from_db()
    assert (gateway.accepted_count, gateway.rejected_count) == (1, 3)
    assert (other_gateway.accepted_count, other_gateway.rejected_count, other_gateway.last_seen_at) == (0, 0, None)
    assert not Reading.objects.filter(sensor=theirs).exists()


def test_a_batch_that_fails_leaves_nothing_behind(lel, gateway, monkeypatch):
    def broken(batch, *, now=None, sensors=None):
        raise RuntimeError("rules exploded")

    monkeypatch.setattr(evaluate, "evaluate", broken)
    counts = (Reading.objects.count(), ReadingKey.objects.count(), Rollup.objects.count(),
              IngestRejection.objects.count())
    with pytest.raises(RuntimeError):
        ingest([{"id": "1", "ts": ms(5), "value": 1}, {"id": "2", "ts": "bad", "value": 1}],
               channel="mqtt", sensor_code=lel.code, now=NOW)
    assert (Reading.objects.count(), ReadingKey.objects.count(), Rollup.objects.count(),
            IngestRejection.objects.count()) == counts
    lel.refresh_from_db()
    gateway.refresh_from_db()
    assert (lel.last_reading_at, gateway.accepted_count, gateway.rejected_count) == (None, 0, 0)


def test_a_large_batch_goes_in_chunks(lel, monkeypatch):
    from yingji.monitoring.services import ingest as module

    monkeypatch.setattr(module, "SQLITE_CHUNK", 7)
    monkeypatch.setattr(module, "PG_CHUNK", 7)
    items = [{"id": f"n{i}", "ts": ms(1000 - i), "value": i % 10} for i in range(50)]
    result = ingest(items + items[:10], channel="mqtt", sensor_code=lel.code, now=NOW)
    assert (result.accepted, result.duplicates) == (50, 10)
    assert Reading.objects.filter(sensor=lel).count() == 50


@pytest.mark.django_db(transaction=True)
def test_two_consumers_racing_on_one_batch_store_it_once(committed_demo):
    """Two connections ingest the same batch at once: the sensor lock and the key make it one reading each."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers by its database lock: no race to test")
    sensor = make_sensor()
    items = [{"id": f"r{i}", "ts": ms(100 - i), "value": float(i)} for i in range(200)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def run():
        try:
            barrier.wait()
            results.append(ingest(items, channel="mqtt", sensor_code=sensor.code, now=NOW))
        except Exception as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted((r.accepted, r.duplicates) for r in results) == [(0, 200), (200, 0)]
    assert Reading.objects.filter(sensor=sensor).count() == 200


# --- gateway tokens ---------------------------------------------------------------------------------------------

def test_a_token_is_issued_once_stored_as_a_digest_and_audited(gateway):
    admin = User.objects.get(username="admin")
    token = gateways.issue_token(admin, gateway)
    gateway.refresh_from_db()
    assert len(token) >= 40 and gateway.token_hash == gateways.token_digest(token) != token
    assert gateway.token_issued_at is not None
    assert gateways.gateway_for_token(token) == gateway
    entry = AuditEntry.objects.filter(model="monitoring.gateway", object_id=str(gateway.pk)).latest("pk")
    assert entry.action == AuditEntry.TOKEN and entry.actor == admin
    assert token not in str(entry.changes) and gateway.token_hash not in str(entry.changes)
    newer = gateways.issue_token(admin, gateway)
    assert gateways.gateway_for_token(token) is None and gateways.gateway_for_token(newer) == gateway
    Gateway.objects.filter(pk=gateway.pk).update(is_active=False)
    assert gateways.gateway_for_token(newer) is None
    assert gateways.gateway_for_token("") is None and gateways.gateway_for_token("x" * 500) is None


def test_a_token_needs_the_permission_the_region_and_an_active_gateway(gateway):
    township = User.objects.get(username="township")  # 天池街道: the gateway is 回澜镇's
    with pytest.raises((PermissionDenied, ValidationError)):
        gateways.issue_token(township, gateway)
    idle = make_gateway(active=False)
    with pytest.raises(ValidationError) as exc:
        gateways.issue_token(User.objects.get(username="admin"), idle)
    assert "已停用" in str(exc.value)
    assert Gateway.objects.get(pk=gateway.pk).token_hash == "" and Gateway.objects.get(pk=idle.pk).token_hash == ""


def test_a_changed_rule_applies_to_the_next_batch_however_it_was_changed(lel):
    """The consumer keeps the rule table between batches (PostgreSQL): any change — a queryset update that no
    signal sees, a second change of the same row in one transaction, a deleted rule — applies to the very next
    batch."""
    from yingji.monitoring.models import Rule

    def level_after(sensor, value, seconds_ago):
        ingest([{"id": f"c{seconds_ago}", "ts": ms(seconds_ago), "value": value}], channel="mqtt",
               sensor_code=sensor.code, now=NOW)
        alarm = Alarm.objects.filter(sensor=sensor, active=True).first()
        return alarm.level if alarm else 0

    rule = make_high_rule(lel, level1=80.0, level2=90.0, deadband=1.0)
    assert level_after(lel, 30, 60) == 0
    Rule.objects.filter(pk=rule.pk).update(level1=20.0)  # no save(), no signal
    assert level_after(lel, 30, 55) == 1
    Rule.objects.filter(pk=rule.pk).update(level2=25.0)  # the same row again, in the same transaction
    assert level_after(lel, 30, 50) == 2
    Rule.objects.filter(pk=rule.pk).update(enabled=False)  # switched off: its alarm clears
    assert level_after(lel, 30, 45) == 0
    other = make_sensor(kind="lel", gateway=lel.gateway)
    own = make_high_rule(other, level1=80.0, level2=90.0, deadband=1.0)
    assert level_after(other, 30, 40) == 0
    own.delete()  # the county's lel rule (一级 25 %LEL) applies again
    assert level_after(other, 30, 35) == 1
