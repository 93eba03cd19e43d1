"""/healthz, /readyz and the heartbeats of the background processes.

- /healthz: the process answers. No database, no session, no template: a load balancer or systemd watchdog
  asks it every few seconds, and it must stay green while the database is down (restarting the web process would
  not bring the database back).
- /readyz: this instance can do its job: the database answers, every migration on disk is applied, a tasks
  worker has written a heartbeat within YINGJI_READY_WORKER_SECONDS, and (YINGJI_READY_INGEST) an MQTT consumer
  is connected to its broker with a heartbeat as recent and a backlog younger than YINGJI_READY_INGEST_LAG_SECONDS.
  HTTP 503 when any check fails.

Both answer anyone (no login) and say nothing but ok/fail per check name: no version, host, error text or
count that would help an attacker. Both are answered by OpsEndpointsMiddleware near the top of the stack, before
the host check and the HTTPS redirect, so that a probe on the plain-HTTP port with the server's IP as Host works.

Heartbeats are rows of core.Heartbeat (one per process), written by a thread of the worker process (beside
django-tasks-db's loop, which has no hook) and by the MQTT consumer's own loop. A worker that stops cleanly
deletes its row at once; one killed with SIGKILL ages out."""

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

log = logging.getLogger("yingji.health")
OK, FAIL = "ok", "fail"
# Rows of processes gone for longer than this are removed by the next process of the same kind that starts.
FORGET_AFTER = timedelta(days=1)


def instance_name(suffix: str = "") -> str:
    name = f"{socket.gethostname()}:{os.getpid()}"
    return f"{name}:{suffix}"[:128] if suffix else name[:128]


# --- writing heartbeats ----------------------------------------------------------------------------------------

def beat(kind: str, instance: str, started_at, using: str = "default", **state) -> None:
    """Insert or refresh the row of this process (one UPDATE, an INSERT the first time)."""
    from .models import Heartbeat

    now = timezone.now()
    updated = Heartbeat.objects.using(using).filter(kind=kind, instance=instance).update(seen_at=now, **state)
    if not updated:
        Heartbeat.objects.using(using).filter(kind=kind, seen_at__lt=now - FORGET_AFTER).delete()
        Heartbeat.objects.using(using).create(kind=kind, instance=instance, started_at=started_at, seen_at=now,
                                              **state)


def forget(kind: str, instance: str, using: str = "default") -> None:
    """A process stopping cleanly removes its row: /readyz sees at once that it is gone."""
    from .models import Heartbeat

    Heartbeat.objects.using(using).filter(kind=kind, instance=instance).delete()


class WorkerHeartbeat:
    """A daemon thread writing the worker's heartbeat every YINGJI_HEARTBEAT_SECONDS while the worker's main
    thread lives. Its own database connection (Django's are per thread), closed after each beat so that it holds
    no SQLite lock and no idle PostgreSQL connection between beats. A failed beat (database away) is logged and
    retried at the next tick: the row then ages and /readyz says so."""

    def __init__(self, interval: float | None = None):
        from .models import Heartbeat

        self.kind = Heartbeat.WORKER
        self.instance = instance_name()
        self.interval = interval if interval is not None else settings.YINGJI_HEARTBEAT_SECONDS
        self.started_at = timezone.now()
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="yingji-heartbeat", daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopping.set()
        self.thread.join(timeout=self.interval + 5)
        try:
            forget(self.kind, self.instance)
        except Exception:  # noqa: BLE001 — the row then ages out, which /readyz reads the same way
            log.warning("heartbeat row not removed", exc_info=True)
        finally:
            connections.close_all()
        return False

    def _run(self):
        main = threading.main_thread()
        while not self.stopping.is_set() and main.is_alive():
            try:
                beat(self.kind, self.instance, self.started_at)
            except Exception:  # noqa: BLE001 — never kill the worker for a missed beat
                log.warning("worker heartbeat not written", exc_info=True)
            finally:
                connections.close_all()  # this thread's connections only
            self.stopping.wait(self.interval)


# --- reading them: the checks ------------------------------------------------------------------------------------

def _database(using: str) -> bool:
    try:
        with connections[using].cursor() as cursor:
            cursor.execute("SELECT 1")
            return cursor.fetchone()[0] == 1
    except Exception:  # noqa: BLE001 — any failure is "not ready"; the detail goes to the log, not the answer
        log.warning("readyz: database check failed", exc_info=True)
        return False


def schema_current(using: str = "default") -> bool:
    """The database has every migration on disk applied: code and schema agree (False also when unknown)."""
    return _migrations(using)


def _migrations(using: str) -> bool:
    """No migration on disk left to apply (what `migrate --check` asks; ~10 ms, squashed migrations included)."""
    from django.db.migrations.executor import MigrationExecutor

    try:
        executor = MigrationExecutor(connections[using])
        return not executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:  # noqa: BLE001
        log.warning("readyz: migration check failed", exc_info=True)
        return False


def _fresh(kind: str, using: str, **extra):
    from .models import Heartbeat

    since = timezone.now() - timedelta(seconds=settings.YINGJI_READY_WORKER_SECONDS if kind == Heartbeat.WORKER
                                       else settings.YINGJI_READY_INGEST_SECONDS)
    return Heartbeat.objects.using(using).filter(kind=kind, seen_at__gte=since, **extra)


def _worker(using: str) -> bool:
    from .models import Heartbeat

    return _fresh(Heartbeat.WORKER, using).exists()


def _ingest(using: str) -> bool:
    """One consumer at least is alive, connected, and not lagging (several consumers share the subscription:
    one healthy one keeps the readings flowing)."""
    from django.db.models import Q

    from .models import Heartbeat

    lag = settings.YINGJI_READY_INGEST_LAG_SECONDS
    return _fresh(Heartbeat.INGEST, using, connected=True).filter(Q(lag_s__isnull=True) | Q(lag_s__lte=lag)).exists()


def readiness(using: str = "default") -> dict[str, bool]:
    """{check name: passed} in a fixed order; after a failed database check the others fail without trying."""
    checks = {"database": _database(using)}
    names = ["migrations"]
    if settings.YINGJI_READY_WORKER:
        names.append("worker")
    if settings.YINGJI_READY_INGEST:
        names.append("ingest")
    probes = {"migrations": _migrations, "worker": _worker, "ingest": _ingest}
    for name in names:
        try:
            checks[name] = checks["database"] and probes[name](using)
        except Exception:  # noqa: BLE001
            log.warning("readyz: %s check failed", name, exc_info=True)
            checks[name] = False
    return checks


# --- the endpoints ---------------------------------------------------------------------------------------------

def _no_store(response):
    response["Cache-Control"] = "no-store"
    return response


def healthz(request):
    return _no_store(JsonResponse({"status": OK}))


def readyz(request):
    checks = readiness()
    ready = all(checks.values())
    body = {"status": OK if ready else FAIL, "checks": {name: OK if passed else FAIL for name, passed in checks.items()}}
    return _no_store(JsonResponse(body, status=200 if ready else 503))


OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class OpsEndpointsMiddleware:
    """Answers /healthz, /readyz and /metrics (routed in yingji/urls.py) before the host check, the HTTPS redirect,
    sessions and authentication: probes and scrapers reach the plain-HTTP port by IP, carry no cookie, and must
    not open a session (so /healthz never touches the database). Anything else passes through."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info not in OPS_PATHS:
            return self.get_response(request)
        from django.urls import Resolver404, resolve

        try:
            match = resolve(request.path_info)
        except Resolver404:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return HttpResponse(status=405, headers={"Allow": "GET, HEAD"})
        request.yingji_ops = True  # the access log writes these at DEBUG: a probe every few seconds is noise
        response = match.func(request, *match.args, **match.kwargs)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")  # SecurityMiddleware is not reached
        return response
