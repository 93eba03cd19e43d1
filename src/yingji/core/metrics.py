"""Prometheus metrics at /metrics, off unless YINGJI_METRICS, and only to addresses in YINGJI_METRICS_ALLOW.

Two sources:
- per process, from django-prometheus: its middleware (settings adds it when YINGJI_METRICS) counts requests and
  times them by view (django_http_requests_latency_seconds_by_view_method, …_total_by_view_transport_method,
  …_responses_total_by_status_view_method); every SQL statement is timed into its django_db_query_duration_seconds
  and django_db_execute_total by an execute wrapper (install_db_timing) rather than by its database backends, so
  that our SQLite backend (core/sqlite) stays the engine. Under gunicorn with several workers each process has its
  own counters: `yingji serve` then runs prometheus_client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR), and a
  scrape on any worker sums them all (docs/ops-monitoring.md);
- from the database, computed at each scrape, so the same whatever process answers: each yingji app's metrics.py
  `collect(now)` yields metric families (this module's: the tasks queue and the heartbeats; incidents: reports
  overdue; monitoring: ingest counters and rejections).

An address outside the allow-list, or any address while metrics are off, gets a bare 404: nothing tells a
scanner that the endpoint exists."""

import functools
import ipaddress
import logging
from datetime import timedelta

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger("yingji.metrics")


# --- who may read them --------------------------------------------------------------------------------------------

@functools.lru_cache(maxsize=8)
def _networks(allow: tuple[str, ...]):
    return [ipaddress.ip_network(entry, strict=False) for entry in allow]


def allowed(request) -> bool:
    """The client address (core.security.client_ip: REMOTE_ADDR, or what the trusted proxy saw) is in
    YINGJI_METRICS_ALLOW (addresses or networks: 127.0.0.1, ::1, 10.0.0.0/8)."""
    from .security import client_ip

    try:
        address = ipaddress.ip_address(client_ip(request).split("%")[0])
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped:
        address = address.ipv4_mapped
    return any(address in network for network in _networks(tuple(settings.YINGJI_METRICS_ALLOW)))


def metrics_view(request):
    if not settings.YINGJI_METRICS or not allowed(request):
        return HttpResponse(status=404, content_type="text/plain")
    from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

    return HttpResponse(generate_latest(_process_registry()) + generate_latest(_database_registry()),
                        content_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})


def _process_registry():
    """The per-process metrics: this process's, or under gunicorn every worker's, summed (multiprocess mode)."""
    import os

    from prometheus_client import REGISTRY, CollectorRegistry, multiprocess

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


@functools.cache
def _database_registry():
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector())
    return registry


class DatabaseCollector:
    """Each yingji app's metrics.collect(now), at scrape time. One app failing (its tables missing, the database
    away) leaves the others and says so in yingji_metrics_collect_ok."""

    def collect(self):
        from .discovery import app_modules

        now = timezone.now()
        ok = GaugeMetricFamily("yingji_metrics_collect_ok", "1 if the app's database metrics could be read.",
                               labels=["app"])
        for module in app_modules("metrics"):
            app = module.__name__.split(".")[1]
            try:
                families = list(module.collect(now))
            except Exception:  # noqa: BLE001 — a scrape must not fail as a whole for one app
                log.warning("metrics of %s not collected", app, exc_info=True)
                ok.add_metric([app], 0)
                continue
            ok.add_metric([app], 1)
            yield from families
        yield ok


# --- this app's database metrics: the tasks queue and the heartbeats ----------------------------------------------

def collect(now):
    yield from _tasks(now)
    yield from _heartbeats(now)


def _tasks(now):
    """Ready tasks per queue (run_after unset or past) and how long the oldest has been runnable; tasks running."""
    from django.db.models import Count, Min, Q
    from django_tasks_db.models import DBTaskResult, get_date_max

    never = get_date_max()
    ready = DBTaskResult.objects.ready()
    rows = ready.values("queue_name").annotate(
        n=Count("id"), oldest_queued=Min("enqueued_at", filter=Q(run_after=never)),
        oldest_due=Min("run_after", filter=~Q(run_after=never))).order_by("queue_name")
    depth = GaugeMetricFamily("yingji_tasks_queue_depth", "Tasks ready to run, by queue.", labels=["queue"])
    age = GaugeMetricFamily("yingji_tasks_oldest_ready_age_seconds",
                            "Seconds the oldest ready task has waited (since enqueued, or since its run_after).",
                            labels=["queue"])
    for row in rows:
        depth.add_metric([row["queue_name"]], row["n"])
        since = min(t for t in (row["oldest_queued"], row["oldest_due"]) if t is not None)
        age.add_metric([row["queue_name"]], max(0.0, (now - since).total_seconds()))
    running = GaugeMetricFamily("yingji_tasks_running", "Tasks being run by a worker now.")
    running.add_metric([], DBTaskResult.objects.filter(status="RUNNING").count())
    yield from (depth, age, running)


def _heartbeats(now):
    from django.db.models import Max

    from .models import Heartbeat

    def fresh(kind, seconds):
        return Heartbeat.objects.filter(kind=kind, seen_at__gte=now - timedelta(seconds=seconds))

    workers = fresh(Heartbeat.WORKER, settings.YINGJI_READY_WORKER_SECONDS)
    newest = Heartbeat.objects.filter(kind=Heartbeat.WORKER).aggregate(at=Max("seen_at"))["at"]
    yield _gauge("yingji_workers_alive", "Task workers with a recent heartbeat.", workers.count())
    if newest is not None:
        yield _gauge("yingji_worker_heartbeat_age_seconds", "Seconds since the newest worker heartbeat.",
                     (now - newest).total_seconds())
    consumers = fresh(Heartbeat.INGEST, settings.YINGJI_READY_INGEST_SECONDS)
    agg = consumers.aggregate(lag=Max("lag_s"), queued=Max("queued"), batch=Max("last_batch_at"))
    yield _gauge("yingji_ingest_consumers_connected", "MQTT consumers alive and connected to the broker.",
                 consumers.filter(connected=True).count())
    if agg["lag"] is not None:
        yield _gauge("yingji_ingest_lag_seconds", "Age of the oldest MQTT message received but not stored (worst "
                     "consumer).", agg["lag"])
        yield _gauge("yingji_ingest_queued_messages", "MQTT messages received but not stored (worst consumer).",
                     agg["queued"] or 0)
    if agg["batch"] is not None:
        yield _gauge("yingji_ingest_last_batch_age_seconds", "Seconds since an MQTT consumer last committed a batch.",
                     (now - agg["batch"]).total_seconds())


def _gauge(name, documentation, value):
    family = GaugeMetricFamily(name, documentation)
    family.add_metric([], value)
    return family


# --- SQL timing ---------------------------------------------------------------------------------------------------

def _timed(execute, sql, params, many, context):
    """django-prometheus's own counters, fed from Django's execute-wrapper hook."""
    from django_prometheus.db import errors_total, execute_many_total, execute_total, query_duration_seconds
    from django_prometheus.db.common import ExceptionCounterByType

    connection = context["connection"]
    labels = {"alias": connection.alias, "vendor": connection.vendor}
    count = len(params) if many and params is not None and hasattr(params, "__len__") else 1
    execute_total.labels(**labels).inc(count)
    if many:
        execute_many_total.labels(**labels).inc(count)
    with query_duration_seconds.labels(**labels).time(), ExceptionCounterByType(errors_total, extra_labels=labels):
        return execute(sql, params, many, context)


def _install(sender=None, connection=None, **kwargs):
    if connection is not None and _timed not in connection.execute_wrappers:
        connection.execute_wrappers.append(_timed)


def install_db_timing():
    """Time every statement of every connection from now on (CoreConfig.ready, when YINGJI_METRICS)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    connection_created.connect(_install, dispatch_uid="yingji-metrics-sql-timing")
    for connection in connections.all(initialized_only=True):
        _install(connection=connection)


def multiprocess_dir():
    """A fresh var/prometheus for `yingji serve`: counters of an earlier run must not be summed into this one."""
    import shutil

    path = settings.VAR_DIR / "prometheus"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path
