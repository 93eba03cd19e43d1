"""`yingji ingest mqtt` end to end with the real broker: readings published with paho (QoS 1) reach the database
through the consumer run as a subprocess; the consumer is killed with SIGKILL mid-stream and restarted, and
exactly the published readings are stored (none lost, none twice); bad messages are refused, counted and not
redelivered; the issue's Done-when: a combustible-gas sensor crossing 25 then 50 %LEL gives ONE alarm,
escalated 一级 → 二级 and cleared with hysteresis, across the SIGKILL.

Each test has its own topic prefix, client ids and share group, so parallel xdist workers (and their consumers)
never take each other's messages. The consumer and the test share a database (conftest.shared_database)."""

import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from django.utils import timezone
from paho.mqtt.enums import CallbackAPIVersion

from yingji.monitoring.models import Alarm, AlarmEvent, IngestRejection, Reading, ReadingKey
from yingji.monitoring.services.ingest import to_ms

from .conftest import make_gateway, make_high_rule, make_sensor, shared_database_mark, unique

pytestmark = shared_database_mark()
YINGJI = str(Path(sys.executable).parent / "yingji")


class Consumer:
    """`yingji ingest mqtt` as a subprocess on the shared database, with a stable client id."""

    def __init__(self, database, broker, prefix, client_id, group, protocol="5", tmp_path=None, batch_size=20):
        self.database, self.broker, self.prefix = database, broker, prefix
        self.client_id, self.group, self.protocol, self.batch_size = client_id, group, protocol, batch_size
        self.logs = tmp_path
        self.runs = 0
        self.process = None

    def start(self):
        self.runs += 1
        self.log_path = self.logs / f"consumer-{self.runs}.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 — closed in stop()
        host, port = self.broker
        self.process = subprocess.Popen(
            [YINGJI, "ingest", "mqtt", "--host", host, "--port", str(port), "--client-id", self.client_id,
             "--share-group", self.group, "--topic-prefix", self.prefix, "--protocol", self.protocol,
             "--batch-size", str(self.batch_size), "--batch-ms", "10"],
            env=self.database.env(), stdout=self.log, stderr=subprocess.STDOUT)
        self.wait_for_log('"event": "subscribed"', "订阅")
        return self

    def lines(self) -> list[dict]:
        out = []
        for line in self.log_path.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
        return out

    def wait_for_log(self, text, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log_path.read_text():
                return
            if self.process.poll() is not None:
                pytest.fail(f"consumer exited ({self.process.returncode}) before {what}:\n{self.log_path.read_text()}")
            time.sleep(0.05)
        pytest.fail(f"consumer: no {what} in {timeout} s:\n{self.log_path.read_text()}")

    def kill(self):
        self.process.kill()  # SIGKILL: no goodbye, no acknowledgement of what is in hand
        self.process.wait(10)
        self.log.close()

    def stop(self):
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        if self.process is not None:
            self.log.close()


class Publisher:
    def __init__(self, broker, prefix):
        self.prefix = prefix
        self.client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=unique("pub"), protocol=mqtt.MQTTv5)
        self.client.connect(*broker)
        self.client.loop_start()

    def publish(self, code, payload, wait=True):
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        info = self.client.publish(f"{self.prefix}/sensors/{code}/readings", body, qos=1)
        if wait:
            info.wait_for_publish(10)
        return info

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()


@pytest.fixture
def mqtt_setup(broker, shared_database, tmp_path):
    prefix = f"test/{unique('t')}/yingji/v1"
    made = []

    def consumer(**kwargs):
        c = Consumer(shared_database, broker, prefix, unique("ingest"), unique("grp"), tmp_path=tmp_path, **kwargs)
        made.append(c)
        return c

    publisher = Publisher(broker, prefix)
    yield shared_database, consumer, publisher
    publisher.close()
    for c in made:
        c.stop()


def wait_until(check, timeout=60, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def test_sigkill_mid_stream_loses_nothing_and_stores_nothing_twice(mqtt_setup):
    database, consumer, publisher = mqtt_setup
    db = database.alias
    gateway = make_gateway(using=db)
    sensors = [make_sensor(gateway=gateway, using=db) for _ in range(3)]
    start = to_ms(timezone.now() - timedelta(minutes=10))
    worker = consumer(batch_size=10).start()
    n, published = 300, []
    for i in range(n):
        sensor = sensors[i % 3]
        published.append(publisher.publish(sensor.code, {"id": f"m{i:05d}", "ts": start + i * 100, "value": i % 20},
                                           wait=False))
        if i == 120:  # mid-stream: some stored, more on their way
            wait_until(lambda: Reading.objects.using(db).filter(sensor__in=sensors).exists(), what="first readings")
            worker.kill()
            stored_at_kill = Reading.objects.using(db).filter(sensor__in=sensors).count()
    for info in published:
        info.wait_for_publish(10)
    assert 0 < stored_at_kill < n
    restarted = worker.start()
    assert any(line.get("event") == "connected" and line.get("session_present") for line in restarted.lines())
    readings = Reading.objects.using(db).filter(sensor__in=sensors)
    wait_until(lambda: readings.count() >= n, what=f"{n} readings")
    time.sleep(0.5)  # anything redelivered after the last one has had its chance to be stored twice
    assert readings.count() == n
    assert ReadingKey.objects.using(db).filter(sensor__in=sensors).count() == n
    assert sorted(readings.values_list("message_id", flat=True)) == [f"m{i:05d}" for i in range(n)]
    for k, sensor in enumerate(sensors):
        mine = readings.filter(sensor=sensor)
        assert mine.count() == len(range(k, n, 3))
    gateway.refresh_from_db(using=db)
    assert gateway.accepted_count == n


def test_bad_messages_are_refused_counted_acknowledged_and_not_redelivered(mqtt_setup):
    database, consumer, publisher = mqtt_setup
    db = database.alias
    gateway = make_gateway(using=db)
    sensor = make_sensor(gateway=gateway, using=db)
    worker = consumer().start()
    now = to_ms(timezone.now())
    publisher.publish(sensor.code, b"{not json")
    publisher.publish(sensor.code, b"42")
    publisher.publish(sensor.code, [{"id": "ok-1", "ts": now, "value": 1}, {"id": "bad", "ts": now, "value": "x"},
                                    "nonsense", {"id": "ok-2", "ts": now, "value": 2}])
    publisher.publish("NO-SUCH-SENSOR-" + unique("x"), {"id": "1", "ts": now, "value": 1})
    publisher.publish(sensor.code, {"id": "late", "ts": "2026-01-01T00:00:00", "value": 1})
    refusals = IngestRejection.objects.using(db).filter(gateway=gateway)
    wait_until(lambda: refusals.count() >= 5, what="5 refusals")
    reasons = sorted(refusals.values_list("reason", flat=True))
    assert any("不是有效的 JSON" in r for r in reasons)
    assert any("读数对象" in r and "int" in r for r in reasons)
    assert any("数值 value 应为数字" in r for r in reasons)
    assert any("读数应为 JSON 对象" in r for r in reasons)
    assert any("缺少时区偏移" in r for r in reasons)
    wait_until(lambda: Reading.objects.using(db).filter(sensor=sensor).count() == 2, what="the good readings")
    worker.stop()
    assert worker.process.returncode == 0
    assert any(line.get("event") == "stopping" for line in worker.lines())
    again = worker.start()  # same client id: anything unacknowledged would come back now
    publisher.publish(sensor.code, {"id": "after", "ts": to_ms(timezone.now()), "value": 3})
    wait_until(lambda: Reading.objects.using(db).filter(sensor=sensor, message_id="after").exists(), what="a new one")
    time.sleep(0.3)
    assert refusals.count() == 5  # nothing refused twice: the poison was acknowledged
    gateway.refresh_from_db(using=db)
    assert (gateway.accepted_count, gateway.rejected_count) == (3, 5)
    assert again.process.poll() is None


def test_mqtt_3_1_1_keeps_its_session_across_a_restart(mqtt_setup):
    database, consumer, publisher = mqtt_setup
    db = database.alias
    sensor = make_sensor(gateway=make_gateway(using=db), using=db)
    worker = consumer(protocol="3.1.1").start()
    publisher.publish(sensor.code, {"id": "1", "ts": to_ms(timezone.now()), "value": 1})
    wait_until(lambda: Reading.objects.using(db).filter(sensor=sensor).count() == 1, what="the first reading")
    worker.kill()
    publisher.publish(sensor.code, {"id": "2", "ts": to_ms(timezone.now()), "value": 2})  # while it is down
    worker.start()
    wait_until(lambda: Reading.objects.using(db).filter(sensor=sensor).count() == 2, what="the reading sent while down")


def test_done_when_one_alarm_escalates_and_clears_across_a_sigkill(mqtt_setup):
    """Issue 14, Done when: readings crossing 25 then 50 %LEL give one alarm that escalates from 一级 to 二级,
    clears with hysteresis, and survives a SIGKILL of the consumer with no reading lost or doubled."""
    database, consumer, publisher = mqtt_setup
    db = database.alias
    sensor = make_sensor(kind="lel", gateway=make_gateway(using=db), using=db)
    make_high_rule(sensor, 25.0, 50.0, deadband=2.0, using=db)
    start = to_ms(timezone.now() - timedelta(minutes=5))
    values = [3, 12, 26, 30, 24.5, 28, 45, 52, 58, 40, 24.0, 23.5, 22.5, 10]
    worker = consumer(batch_size=2).start()

    def send(i):
        publisher.publish(sensor.code, {"id": f"lel-{i:03d}", "ts": start + i * 1000, "value": values[i]})

    for i in range(4):  # 3 → 30: raised 一级 at 26
        send(i)
    readings = Reading.objects.using(db).filter(sensor=sensor)
    wait_until(lambda: readings.count() == 4, what="4 readings")
    alarm = Alarm.objects.using(db).get(sensor=sensor)
    assert (alarm.level, alarm.active) == (1, True)
    worker.kill()
    for i in range(4, 9):  # while the consumer is down: 24.5 (inside the deadband), back up, past 50: 二级
        send(i)
    worker.start()
    for i in range(9, len(values)):  # down again: 24 and 23.5 inside the deadband, 22.5 below it: cleared
        send(i)
    wait_until(lambda: readings.count() == len(values), what="every reading")
    time.sleep(0.3)
    assert readings.count() == len(values)
    assert sorted(readings.values_list("value", flat=True)) == sorted(float(v) for v in values)
    alarms = Alarm.objects.using(db).filter(sensor=sensor)
    assert alarms.count() == 1
    alarm = alarms.get()
    assert alarm.level == 2 and alarm.active is False and alarm.state == Alarm.CLEARED_UNACK
    assert alarm.cleared_at == datetime.fromtimestamp((start + 12 * 1000) / 1000, tz=UTC)  # at 22.5, below 25 − 2
    steps = list(AlarmEvent.objects.using(db).filter(alarm=alarm).order_by("at", "id").values_list("action", "level"))
    assert [a for a, _ in steps] == ["raised", "escalated", "cleared"], steps
    assert steps[0][1] == 1 and steps[1][1] == 2


def test_lean_properties_decode_a_publish_as_paho_does():
    """The consumer's LeanProperties (paho's PUBLISH decoding without rebuilding the property catalogue per
    message) give the same packet as paho's own Properties, with and without properties."""
    import struct

    from paho.mqtt import _packet
    from paho.mqtt.enums import MQTTProtocolVersion
    from paho.mqtt.packettypes import PacketTypes
    from paho.mqtt.properties import Properties

    from yingji.monitoring import mqtt as consumer

    sent = Properties(PacketTypes.PUBLISH)
    sent.ContentType = "application/json"
    sent.UserProperty = ("gateway", "GW-1")
    sent.UserProperty = ("site", "乐至")
    topic, payload = b"yingji/v1/sensors/S-1/readings", b'{"id": "1", "ts": 0, "value": 1.5}'
    packets = [struct.pack("!H", len(topic)) + topic + struct.pack("!H", 42) + props + payload
               for props in (b"\x00", sent.pack())]

    def decode(packet):
        got = _packet.decode_publish(0x32, packet, MQTTProtocolVersion.MQTTv5)
        return got.topic, got.mid, got.payload, type(got.properties).__name__, str(got.properties)

    original = _packet.Properties
    try:
        _packet.Properties = Properties
        by_paho = [decode(p) for p in packets]
        consumer.use_lean_properties()
        assert _packet.Properties is consumer.LeanProperties
        lean = [decode(p) for p in packets]
    finally:
        _packet.Properties = original
    assert [row[3] for row in lean] == ["LeanProperties"] * 2
    assert [row[:3] + row[4:] for row in lean] == [row[:3] + row[4:] for row in by_paho]
    assert "乐至" in lean[1][4] and lean[0][4] == "[]"


def test_heartbeat_says_connected_with_its_last_batch_and_goes_with_a_clean_stop(mqtt_setup, settings):
    """What /readyz and /metrics read of the consumer (core/health.py): its heartbeat row, connected to the
    broker, with the time of its last committed batch; ingest ready; the row removed on a clean stop."""
    from yingji.core import health
    from yingji.core.models import Heartbeat

    database, consumer, publisher = mqtt_setup
    db = database.alias
    settings.YINGJI_READY_INGEST = True
    sensor = make_sensor(gateway=make_gateway(using=db), using=db)
    worker = consumer().start()
    mine = Heartbeat.objects.using(db).filter(kind=Heartbeat.INGEST, instance__endswith=f":{worker.client_id}")
    wait_until(lambda: mine.filter(connected=True).exists(), what="a connected heartbeat")
    publisher.publish(sensor.code, {"id": "hb-1", "ts": to_ms(timezone.now()), "value": 1})
    wait_until(lambda: mine.filter(last_batch_at__isnull=False).exists(), what="the batch in the heartbeat")
    row = mine.get()
    assert row.lag_s is not None and row.lag_s < 5 and row.queued == 0
    assert health.readiness(using=db)["ingest"]
    worker.stop()
    assert worker.process.returncode == 0
    assert not mine.exists()
