"""/healthz and /readyz: no login, nothing revealed but ok/fail per check, /healthz without the database; /readyz
red for a missing or old worker heartbeat, an unapplied migration, a consumer disconnected or lagging; a real
`yingji worker` subprocess writes the heartbeat, removes it when stopped and lets it age when killed."""

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, connections
from django.db.migrations.recorder import MigrationRecorder
from django.test import Client
from django.utils import timezone

from yingji.core import health
from yingji.core.models import Heartbeat

YINGJI = str(Path(sys.executable).parent / "yingji")


def worker_beat(seconds_ago=0, instance="host:1"):
    health.beat(Heartbeat.WORKER, instance, timezone.now())
    Heartbeat.objects.filter(instance=instance).update(seen_at=timezone.now() - timedelta(seconds=seconds_ago))


def readyz(client=None):
    response = (client or Client()).get("/readyz")
    return response.status_code, response.json()


# --- /healthz --------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_healthz_answers_without_touching_the_database(django_assert_num_queries, django_user_model):
    logged_in = Client()  # a session cookie must not make it load the session either
    logged_in.force_login(django_user_model.objects.create_user("probe-test", password="x-Secret-123"))
    for client in (Client(), logged_in):
        with django_assert_num_queries(0):
            response = client.get("/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}
        assert response["Cache-Control"] == "no-store" and response["X-Content-Type-Options"] == "nosniff"


def test_healthz_needs_no_database_at_all():
    """No django_db mark: pytest-django refuses any query, so a query would fail this test."""
    assert Client().get("/healthz").status_code == 200


@pytest.mark.django_db
def test_probes_by_ip_over_plain_http_are_answered(settings):
    """A load balancer asks http://10.0.0.5:8000/healthz: not refused by ALLOWED_HOSTS, not sent to HTTPS."""
    settings.SECURE_SSL_REDIRECT = True
    worker_beat()
    client = Client(HTTP_HOST="10.0.0.5:8000")
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/login/").status_code in (301, 400)  # everything else still checked as before


@pytest.mark.django_db
def test_only_get_and_head():
    assert Client().post("/healthz").status_code == 405
    assert Client().head("/healthz").status_code == 200


# --- /readyz ---------------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_readyz_green_with_a_fresh_worker_heartbeat_and_reveals_nothing_else():
    worker_beat()
    status, body = readyz()
    assert status == 200
    assert body == {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "worker": "ok"}}


@pytest.mark.django_db
def test_readyz_red_without_a_worker_or_with_an_old_heartbeat(settings):
    settings.YINGJI_READY_WORKER_SECONDS = 60
    status, body = readyz()
    assert (status, body["status"], body["checks"]["worker"]) == (503, "fail", "fail")
    assert set(body) == {"status", "checks"}
    worker_beat(seconds_ago=61)
    assert readyz()[0] == 503
    worker_beat(seconds_ago=59, instance="host:2")  # one live worker of several is enough
    assert readyz()[0] == 200


@pytest.mark.django_db
def test_readyz_red_when_a_migration_is_not_applied():
    worker_beat()
    assert readyz()[0] == 200
    from django.db.migrations.loader import MigrationLoader

    newest = max(name for app, name in MigrationLoader(connection).graph.leaf_nodes() if app == "core")
    MigrationRecorder(connection).record_unapplied("core", newest)  # the newest: what an upgrade leaves to apply
    status, body = readyz()
    assert status == 503
    assert body["checks"] == {"database": "ok", "migrations": "fail", "worker": "ok"}


@pytest.mark.django_db
def test_readyz_red_when_the_database_fails_and_says_no_more(monkeypatch):
    worker_beat()

    def broken(self, name=None):
        raise RuntimeError("could not connect to server at 10.9.8.7 password=hunter2")

    monkeypatch.setattr(type(connections["default"]), "create_cursor", broken)
    response = Client().get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "fail", "migrations": "fail", "worker": "fail"}
    assert b"10.9.8.7" not in response.content and b"RuntimeError" not in response.content


@pytest.mark.django_db
def test_readyz_without_the_worker_check(settings):
    settings.YINGJI_READY_WORKER = False
    assert readyz() == (200, {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}})


@pytest.mark.django_db
def test_readyz_ingest_consumer_connected_and_not_lagging(settings):
    settings.YINGJI_READY_INGEST = True
    settings.YINGJI_READY_INGEST_LAG_SECONDS = 60
    worker_beat()
    assert readyz()[1]["checks"]["ingest"] == "fail"  # no consumer at all
    now = timezone.now()
    health.beat(Heartbeat.INGEST, "h:9:c", now, connected=False, lag_s=0.0)
    assert readyz()[1]["checks"]["ingest"] == "fail"  # alive but not connected to the broker
    Heartbeat.objects.filter(instance="h:9:c").update(connected=True, lag_s=120.0)
    assert readyz()[1]["checks"]["ingest"] == "fail"  # its oldest message has waited two minutes
    Heartbeat.objects.filter(instance="h:9:c").update(lag_s=0.5)
    assert readyz() == (200, {"status": "ok", "checks": {"database": "ok", "migrations": "ok", "worker": "ok",
                                                          "ingest": "ok"}})
    Heartbeat.objects.filter(instance="h:9:c").update(seen_at=now - timedelta(seconds=61))
    assert readyz()[0] == 503  # the consumer stopped beating


@pytest.mark.django_db
def test_mqtt_consumer_heartbeat_reports_connection_backlog_and_last_batch(settings):
    """The consumer's own heartbeat (monitoring/mqtt.py), without a broker: messages waiting in its inbox."""
    from yingji.monitoring.mqtt import Consumer, Options

    settings.YINGJI_HEARTBEAT_SECONDS = 0
    consumer = Consumer(Options(client_id="test-health"))
    consumer.inbox.put((time.monotonic() - 5, object()))
    consumer.inbox.put((time.monotonic(), object()))
    consumer._heartbeat()
    row = Heartbeat.objects.get(kind=Heartbeat.INGEST)
    assert row.instance.endswith(":test-health")
    assert (row.connected, row.queued, row.last_batch_at) == (False, 2, None)
    assert 5 <= row.lag_s < 30
    consumer.connected.set()
    consumer.inbox.queue.clear()
    consumer.last_batch_at = timezone.now()
    consumer._heartbeat()
    row.refresh_from_db()
    assert (row.connected, row.queued, row.lag_s, row.last_batch_at) == (True, 0, 0.0, consumer.last_batch_at)
    consumer._heartbeat(final=True)  # a clean stop removes the row
    assert not Heartbeat.objects.exists()


# --- a real worker --------------------------------------------------------------------------------------------

@pytest.fixture
def worker_database(tmp_path, django_db_blocker, settings):
    """A SQLite file a `yingji worker` subprocess can open (the test database may be in memory): only the two
    tables the worker touches (its queue and the heartbeats), made in a moment rather than migrated."""
    from django_tasks_db.models import DBTaskResult

    from yingji.settings import database_config

    path = tmp_path / "worker.sqlite3"
    alias = "health_worker"
    config = {**connections["default"].settings_dict, **database_config(f"sqlite:///{path}")}
    config.update(TEST={**connections["default"].settings_dict["TEST"], "NAME": str(path)})
    connections.settings[alias] = config
    settings.DATABASES[alias] = config
    try:
        with django_db_blocker.unblock():
            with connections[alias].schema_editor() as editor:
                editor.create_model(DBTaskResult)
                editor.create_model(Heartbeat)
            yield alias, path
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]
        settings.DATABASES.pop(alias, None)


def start_worker(path, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    env.update(YINGJI_DATABASE_URL=f"sqlite:///{path}", YINGJI_VAR_DIR=str(tmp_path / "var"),
               YINGJI_SECRET_KEY="test-health-worker", YINGJI_HEARTBEAT_SECONDS="0.5", PYTHONUNBUFFERED="1")
    log = open(tmp_path / "worker.log", "a")  # noqa: SIM115 — closed by the caller through the process
    return subprocess.Popen([YINGJI, "worker"], env=env, stdout=log, stderr=subprocess.STDOUT), log


def wait_for(check, what, tmp_path, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return time.monotonic()
        time.sleep(0.1)
    pytest.fail(f"no {what} within {timeout} s:\n{(tmp_path / 'worker.log').read_text()}")


def test_real_worker_heartbeat_goes_when_it_stops_and_ages_when_it_is_killed(worker_database, tmp_path, settings):
    alias, path = worker_database
    settings.YINGJI_READY_WORKER_SECONDS = 2
    settings.YINGJI_READY_WORKER = True
    ready = lambda: health.readiness(using=alias)["worker"]  # noqa: E731
    rows = lambda: Heartbeat.objects.using(alias).count()  # noqa: E731
    assert not ready()

    process, log = start_worker(path, tmp_path)
    try:
        wait_for(ready, "heartbeat of the started worker", tmp_path)
        first = Heartbeat.objects.using(alias).get().seen_at
        wait_for(lambda: Heartbeat.objects.using(alias).get().seen_at > first, "second beat", tmp_path, 10)
        process.send_signal(signal.SIGTERM)  # systemctl stop: graceful, the row goes at once
        assert process.wait(15) == 0
        assert rows() == 0 and not ready()
    finally:
        process.kill()
        log.close()

    process, log = start_worker(path, tmp_path)
    try:
        wait_for(ready, "heartbeat of the restarted worker", tmp_path)
        process.kill()  # SIGKILL, OOM killer, power cut: no goodbye
        process.wait(10)
        killed = time.monotonic()
        assert rows() == 1
        red = wait_for(lambda: not ready(), "red readiness after the kill", tmp_path, 10)
        assert red - killed <= settings.YINGJI_READY_WORKER_SECONDS + 1.5
    finally:
        process.kill()
        log.close()
