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
