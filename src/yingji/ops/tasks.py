"""The worker's daily backup: `scheduled_backup` writes an archive into YINGJI_BACKUP_DIR, deletes the ones the
retention no longer keeps (YINGJI_BACKUP_KEEP_DAILY days, YINGJI_BACKUP_KEEP_WEEKLY weeks), and puts its next run
at the next YINGJI_BACKUP_AT (local time) on the queue: the same self-rescheduling chain as the stale-sensor check
and storage upkeep (core.tasks.schedule_once), one chain however many workers. `yingji backup --schedule` starts it;
cron or a systemd timer calling `yingji backup DIR` works as well (retention then applies on the next scheduled run,
or call `apply_retention`)."""

from datetime import datetime, time, timedelta
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yingji.core.tasks import schedule_once

from .retention import parse_name, to_keep


def _run_at() -> time:
    hours, minutes = settings.YINGJI_BACKUP_AT.split(":")
    return time(int(hours), int(minutes))


def next_run(now: datetime | None = None) -> datetime:
    local = timezone.localtime(now or timezone.now())
    run = timezone.make_aware(datetime.combine(local.date(), _run_at()), timezone.get_current_timezone())
    return run if run > local else run + timedelta(days=1)


def apply_retention(folder: Path | None = None) -> list[str]:
    """Delete our timestamped archives that the retention does not keep; returns their names."""
    folder = Path(folder or settings.YINGJI_BACKUP_DIR)
    names = [p.name for p in folder.iterdir() if parse_name(p.name)] if folder.is_dir() else []
    keep = to_keep(names, settings.YINGJI_BACKUP_KEEP_DAILY, settings.YINGJI_BACKUP_KEEP_WEEKLY,
                   timezone.get_current_timezone())
    gone = sorted(set(names) - keep)
    for name in gone:
        (folder / name).unlink(missing_ok=True)
    return gone


@task()
def scheduled_backup(reschedule: bool = True) -> dict:
    """One archive into YINGJI_BACKUP_DIR, then retention; returns what was done (JSON-ready)."""
    from .backup import backup

    folder = Path(settings.YINGJI_BACKUP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        report = backup(folder)
    finally:
        if reschedule:  # a failed night must not end the chain
            schedule_backup()
    return {"path": str(report.path), "size": report.size, "seconds": round(report.seconds, 1),
            "deleted": apply_retention(folder)}


def schedule_backup() -> bool:
    """Queue the next run at next_run(), unless the backend cannot defer or one is queued already."""
    return schedule_once(scheduled_backup, next_run())
