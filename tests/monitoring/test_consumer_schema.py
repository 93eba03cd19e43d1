"""The consumer against a database whose schema is behind the code (an upgrade not yet migrated): it refuses to
start, and a batch that fails for that reason is kept unacknowledged (retried), never dropped as bad data."""

import threading

import pytest
from django.db import ProgrammingError

from yingji.monitoring import mqtt
from yingji.monitoring.models import IngestRejection

pytestmark = pytest.mark.django_db


@pytest.fixture
def consumer(monkeypatch):
    from django.db import connection

    # The consumer closes its connection after a failure, to start clean; here that would end the test's own
    # transaction (PostgreSQL), and the failures are made up: nothing on the connection needs mending.
    monkeypatch.setattr(connection, "close", lambda: None)
    made = mqtt.Consumer(mqtt.Options(client_id="schema-test"))
    made.acked = []
    monkeypatch.setattr(made, "_ack", lambda messages: made.acked.extend(m.mid for m in messages))
    return made


def messages():
    return [mqtt.Message(mid=n, qos=1, items=[{"sensor": "S-1", "id": str(n), "ts": 0, "value": 1}]) for n in (1, 2)]


def failing_store(calls):
    def store(batch):
        calls.append(len(batch))
        raise ProgrammingError('column "pending_peak" does not exist')
    return store


def test_a_schema_behind_the_code_keeps_the_batch_for_a_retry(consumer, monkeypatch):
    calls = []
    monkeypatch.setattr(consumer, "_store", failing_store(calls))
    monkeypatch.setattr("yingji.core.health.schema_current", lambda using="default": False)
    threading.Timer(1.0, consumer.stop.set).start()  # stopped after the first retry or two
    consumer.process(messages())
    assert consumer.acked == [] and len(calls) >= 2 and set(calls) == {2}  # the whole batch, again, never split
    assert not IngestRejection.objects.filter(sensor_code="S-1").exists()


def test_with_the_schema_current_a_failing_message_is_refused_and_acknowledged(consumer, monkeypatch):
    calls = []
    monkeypatch.setattr(consumer, "_store", failing_store(calls))
    monkeypatch.setattr("yingji.core.health.schema_current", lambda using="default": True)
    consumer.process(messages())
    assert consumer.acked == [1, 2] and calls == [2, 1, 1]
    assert IngestRejection.objects.filter(channel="mqtt", sensor_code="S-1").count() == 2


def test_the_consumer_does_not_start_on_a_schema_behind_the_code(consumer, monkeypatch, capsys):
    monkeypatch.setattr("yingji.core.health.schema_current", lambda using="default": False)
    assert consumer.run() == 2
    assert "yingji upgrade" in capsys.readouterr().err
