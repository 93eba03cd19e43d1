"""Background tasks of warnings: sending a published message's deliveries, and ending expired warnings.

`send_deliveries` runs after the publication commits (services/delivery.schedule): a send to 100,000 recipients
takes the worker minutes, not the signer's request. `expire_warnings` ends the published messages past their
expiry and, on a backend that can defer (the database backend `yingji worker` runs), puts its next run
YINGJI_WARNING_EXPIRY_CHECK_SECONDS later unless one is queued: one chain, however many workers.
`yingji warnings expire --schedule` starts the chain; `yingji warnings expire` alone runs it at once (cron may)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yingji.core.tasks import schedule_once


@task()
def send_deliveries(warning_id: int) -> dict:
    """Send every queued delivery of the warning; returns {channel: {state: count}}."""
    from .services.delivery import send

    return send(warning_id)


@task()
def expire_warnings(reschedule: bool = True) -> int:
    """End the published warnings past their expiry; returns how many."""
    from .services.lifecycle import expire_due

    ended = len(expire_due())
    if reschedule:
        schedule_expiry()
    return ended


def schedule_expiry() -> bool:
    """Queue the next expiry run, unless the backend cannot defer or one is queued already."""
    return schedule_once(expire_warnings, timezone.now() + timedelta(seconds=settings.YINGJI_WARNING_EXPIRY_CHECK_SECONDS))
