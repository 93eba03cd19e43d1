"""Background tasks of monitoring: the stale (offline) check.

`check_stale_sensors` runs the check once and, on a backend that can defer (the database backend `yingji worker`
runs), puts its next run `YINGJI_STALE_CHECK_SECONDS` later, unless one is already queued: one chain, however
many workers. `yingji monitoring check-stale --schedule` starts the chain (again after a restore or a purge);
`yingji monitoring check-stale` alone runs the check at once (cron or a systemd timer may call it instead)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yingji.core.tasks import schedule_once

DEFAULT_INTERVAL_S = 60


def interval() -> timedelta:
    return timedelta(seconds=getattr(settings, "YINGJI_STALE_CHECK_SECONDS", DEFAULT_INTERVAL_S))


@task()
def check_stale_sensors(reschedule: bool = True) -> int:
    """Raise 离线 for stale sensors; returns how many alarms were raised."""
    from .services.evaluate import check_stale

    raised = len(check_stale())
    if reschedule:
        schedule_stale_check()
    return raised


def schedule_stale_check() -> bool:
    """Queue the next check `interval()` from now, unless the backend cannot defer or one is queued already."""
    return schedule_once(check_stale_sensors, timezone.now() + interval())
