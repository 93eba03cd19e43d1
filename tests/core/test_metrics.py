"""/metrics: off by default, a bare 404 outside the allow-list, request latency by view and SQL timing from
django-prometheus, the database metrics (tasks queue, heartbeats, reports overdue, ingest counters) equal to what
the database holds, and prometheus_client's multiprocess files summed when gunicorn runs several workers."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from yingji.core import health
from yingji.core.models import Heartbeat

PROMETHEUS_MIDDLEWARE = ("django_prometheus.middleware.PrometheusBeforeMiddleware",
                         "django_prometheus.middleware.PrometheusAfterMiddleware")


@pytest.fixture
def metrics_on(settings):
    """YINGJI_METRICS as the settings make it: the flag, and django-prometheus first and last in the stack."""
    settings.YINGJI_METRICS = True
    settings.YINGJI_METRICS_ALLOW = ["127.0.0.1", "::1"]
    if PROMETHEUS_MIDDLEWARE[0] not in settings.MIDDLEWARE:
        settings.MIDDLEWARE = [PROMETHEUS_MIDDLEWARE[0], *settings.MIDDLEWARE, PROMETHEUS_MIDDLEWARE[1]]
    return settings


def scrape(client=None, **extra) -> dict:
    response = (client or Client()).get("/metrics", **extra)
    assert response.status_code == 200, response.content[:200]
    assert response["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name, **labels):
    return samples.get((name, tuple(sorted(labels.items()))))


# --- who may read them ---------------------------------------------------------------------------------------

def test_off_by_default_is_a_bare_404(settings):
    assert settings.YINGJI_METRICS is False  # the default (tests run without YINGJI_METRICS)
    response = Client().get("/metrics")
    assert (response.status_code, response.content) == (404, b"")


@pytest.mark.django_db
def test_outside_the_allow_list_is_a_bare_404_and_forwarded_for_is_not_trusted_without_a_proxy(metrics_on):
    for address in ("203.0.113.5", "10.1.2.3", "not-an-ip"):
        response = Client(REMOTE_ADDR=address).get("/metrics", HTTP_X_FORWARDED_FOR="127.0.0.1")
        assert (response.status_code, response.content) == (404, b""), address
    metrics_on.YINGJI_METRICS_ALLOW = ["10.0.0.0/8"]
    assert Client(REMOTE_ADDR="10.1.2.3").get("/metrics").status_code == 200
    assert Client(REMOTE_ADDR="127.0.0.1").get("/metrics").status_code == 404
    assert Client(REMOTE_ADDR="::ffff:10.9.9.9").get("/metrics").status_code == 200


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_forwarded_address_counts(metrics_on):
    metrics_on.YINGJI_TRUSTED_PROXIES = 1
    proxied = Client(REMOTE_ADDR="127.0.0.1")
    assert proxied.get("/metrics", HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 404  # a visitor via nginx
    assert proxied.get("/metrics").status_code == 200  # the scraper on the host itself


@pytest.mark.django_db
def test_ipv6_loopback_allowed(metrics_on):
    assert Client(REMOTE_ADDR="::1").get("/metrics").status_code == 200


# --- per-process metrics: django-prometheus -----------------------------------------------------------------------

@pytest.mark.django_db
def test_request_count_and_latency_by_view(metrics_on):
    name = "django_http_requests_latency_seconds_by_view_method_count"
    before = value(scrape(), name, view="login", method="GET") or 0
    client = Client()
    for _ in range(3):
        assert client.get("/login/").status_code == 200
    after = scrape()
    assert value(after, name, view="login", method="GET") == before + 3
    assert value(after, "django_http_responses_total_by_status_view_method_total", status="200", view="login",
                 method="GET") >= 3


@pytest.mark.django_db
def test_sql_statements_are_timed(metrics_on):
    from django.db import connection

    from yingji.core.metrics import install_db_timing

    install_db_timing()
    labels = {"alias": "default", "vendor": connection.vendor}
    before = value(scrape(), "django_db_query_duration_seconds_count", **labels) or 0
    Heartbeat.objects.count()
    Heartbeat.objects.count()
    assert value(scrape(), "django_db_query_duration_seconds_count", **labels) >= before + 2


# --- database metrics -------------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_task_queue_depth_and_oldest_age(metrics_on):
    from django_tasks_db.models import DBTaskResult

    from yingji.core.tasks import prune_login_attempts

    assert value(scrape(), "yingji_tasks_queue_depth", queue="default") is None
    first = prune_login_attempts.using(backend="database").enqueue()
    prune_login_attempts.using(backend="database").enqueue()
    prune_login_attempts.using(backend="database", run_after=timezone.now() + timedelta(hours=1)).enqueue()
    DBTaskResult.objects.filter(id=first.id).update(enqueued_at=timezone.now() - timedelta(minutes=10))
    samples = scrape()
    assert value(samples, "yingji_tasks_queue_depth", queue="default") == 2  # the deferred one is not ready
    assert 599 <= value(samples, "yingji_tasks_oldest_ready_age_seconds", queue="default") <= 660
    assert value(samples, "yingji_tasks_running") == 0


@pytest.mark.django_db
def test_heartbeats_become_gauges(metrics_on):
    samples = scrape()
    assert value(samples, "yingji_workers_alive") == 0
    assert value(samples, "yingji_ingest_consumers_connected") == 0
    health.beat(Heartbeat.WORKER, "h:1", timezone.now())
    health.beat(Heartbeat.INGEST, "h:2:c", timezone.now(), connected=True, lag_s=2.5, queued=40,
                last_batch_at=timezone.now() - timedelta(seconds=30))
    samples = scrape()
    assert value(samples, "yingji_workers_alive") == 1
    assert 0 <= value(samples, "yingji_worker_heartbeat_age_seconds") < 10
    assert value(samples, "yingji_ingest_consumers_connected") == 1
    assert value(samples, "yingji_ingest_lag_seconds") == 2.5
    assert value(samples, "yingji_ingest_queued_messages") == 40
    assert 29 <= value(samples, "yingji_ingest_last_batch_age_seconds") < 40


def test_reports_overdue_and_ingest_counters_match_the_database(metrics_on, open_incident):
    from yingji.incidents.models import InformationReport
    from yingji.monitoring.models import Gateway, IngestRejection

    before = scrape()
    incident = open_incident()
    report = incident.reports.get(kind=InformationReport.INITIAL)
    assert report.status in InformationReport.PENDING
    assert value(scrape(), "yingji_incident_reports_overdue", kind="initial") == value(
        before, "yingji_incident_reports_overdue", kind="initial")
    InformationReport.objects.filter(pk=report.pk).update(due_at=timezone.now() - timedelta(minutes=5))
    samples = scrape()
    assert value(samples, "yingji_incident_reports_overdue", kind="initial") == value(
        before, "yingji_incident_reports_overdue", kind="initial") + 1
    assert value(samples, "yingji_incident_reports_pending", kind="initial") == InformationReport.objects.filter(
        kind="initial", status__in=InformationReport.PENDING).count()

    gateway = Gateway.objects.order_by("pk").first() or pytest.fail("the demo has a gateway")
    Gateway.objects.filter(pk=gateway.pk).update(accepted_count=gateway.accepted_count + 1234,
                                                 rejected_count=gateway.rejected_count + 7)
    IngestRejection.objects.create(channel="http", reason="测试", received_at=timezone.now())
    totals = Gateway.objects.aggregate(a=Sum("accepted_count"), r=Sum("rejected_count"))
    samples = scrape()
    assert value(samples, "yingji_ingest_readings_accepted_total") == totals["a"]
    assert value(samples, "yingji_ingest_readings_rejected_total") == totals["r"]
    assert value(samples, "yingji_ingest_rejections_last_hour", channel="http") == IngestRejection.objects.filter(
        channel="http", received_at__gte=timezone.now() - timedelta(hours=1)).count()
    assert value(samples, "yingji_metrics_collect_ok", app="incidents") == 1


# --- several gunicorn workers ---------------------------------------------------------------------------------

@pytest.mark.django_db
def test_multiprocess_mode_sums_what_every_worker_process_wrote(metrics_on, tmp_path, monkeypatch):
    """Two other processes count into PROMETHEUS_MULTIPROC_DIR (as gunicorn workers do under `yingji serve`);
    a scrape answered by this one reports their sum, and the database metrics as well."""
    script = ("from prometheus_client import Counter; "
              "Counter('yingji_test_hits', 'test', ['view']).labels('board').inc(int(__import__('sys').argv[1]))")
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    for hits in ("3", "4"):
        subprocess.run([sys.executable, "-c", script, hits], env=env, check=True, timeout=60)
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    samples = scrape()
    assert value(samples, "yingji_test_hits_total", view="board") == 7
    assert value(samples, "yingji_workers_alive") == 0
