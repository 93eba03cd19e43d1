"""Background tasks of the core app (Django 6 tasks API via the django-tasks backport)."""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.utils import timezone
from django_tasks import task


@task()
def prune_login_attempts() -> int:
    """Forget failed-login counters older than the cool-off; returns how many rows went.

    Failed logins for made-up usernames would otherwise pile up forever.
    """
    deleted, _ = AccessAttempt.objects.filter(attempt_time__lt=timezone.now() - get_cool_off()).delete()
    return deleted


def schedule_once(periodic, run_after) -> bool:
    """Queue the next run of a self-rescheduling task at `run_after`, unless the backend cannot defer or a run is
    queued already: one chain, however many workers (the stale check, storage upkeep, warning expiry)."""
    backend = periodic.get_backend()
    if not getattr(backend, "supports_defer", False):
        return False
    try:
        from django_tasks_db.models import DBTaskResult
    except ImportError:  # pragma: no cover - another deferring backend: trust it with one chain
        DBTaskResult = None
    if DBTaskResult is not None and DBTaskResult.objects.filter(
            task_path=periodic.module_path, status="READY").exists():
        return False
    periodic.using(run_after=run_after).enqueue()
    return True
