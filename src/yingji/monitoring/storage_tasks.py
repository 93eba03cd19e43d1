"""Background task of monitoring's storage: once a day, make the coming months' partitions (PostgreSQL) and
apply retention (services/storage.py).

`maintain_storage` runs both and, on a backend that can defer (the database backend `yingji worker` runs), puts
its next run at the next 03:00 Beijing time, unless one is already queued: one chain, however many workers.
`yingji monitoring prune --schedule` starts the chain; cron or a systemd timer may call `yingji monitoring
partitions` and `yingji monitoring prune` instead."""

from datetime import datetime, time, timedelta

from django.utils import timezone
from django_tasks import task

from yingji.core.tasks import schedule_once

RUN_AT = time(3, 0)  # local (Asia/Shanghai): the quiet hours


def next_run(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    run = timezone.make_aware(datetime.combine(local.date(), RUN_AT), timezone.get_current_timezone())
    return run if run > local else run + timedelta(days=1)


@task()
def maintain_storage(reschedule: bool = True) -> dict:
    """Partitions ahead, then retention; returns what was done (JSON-ready)."""
    from .services import storage

    made = storage.ensure_partitions()
    report = storage.prune().as_dict()
    if reschedule:
        schedule_storage()
    return {"partitions": made, "prune": report}


def schedule_storage() -> bool:
    """Queue the next run at next_run(), unless the backend cannot defer or one is queued already."""
    return schedule_once(maintain_storage, next_run())
