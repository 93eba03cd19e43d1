"""Background tasks of the core app (Django 6 tasks API via the django-tasks backport)."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from .models import LoginLock


@task()
def prune_login_locks() -> int:
    """Forget failure counters and locks that have expired; returns how many rows went.

    Failed logins for made-up usernames would otherwise pile up forever.
    """
    cutoff = timezone.now() - timedelta(minutes=settings.YINGJI_LOCKOUT_MINUTES)
    stale = LoginLock.objects.filter(Q(locked_until__isnull=True) | Q(locked_until__lt=timezone.now()),
                                     last_failure__lt=cutoff)
    deleted, _ = stale.delete()
    return deleted
