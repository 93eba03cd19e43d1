"""Background work: a task enqueued on the database backend is run by the real worker."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from yingji.core.models import LoginLock
from yingji.core.tasks import prune_login_locks

pytestmark = pytest.mark.django_db(transaction=True)


def make_lock(username, minutes_ago, locked_for=None):
    now = timezone.now()
    return LoginLock.objects.create(
        username=username, failures=2, last_failure=now - timedelta(minutes=minutes_ago),
        locked_until=now + timedelta(minutes=locked_for) if locked_for is not None else None,
    )


def test_prune_keeps_recent_failures_and_active_locks():
    make_lock("old-failure", minutes_ago=60)
    make_lock("recent-failure", minutes_ago=2)
    make_lock("still-locked", minutes_ago=20, locked_for=5)
    assert prune_login_locks.call() == 1
    assert set(LoginLock.objects.values_list("username", flat=True)) == {"recent-failure", "still-locked"}


def test_database_worker_runs_enqueued_task():
    make_lock("ghost", minutes_ago=120)
    result = prune_login_locks.using(backend="database").enqueue()
    assert result.status == "READY"
    call_command("db_worker", "--backend", "database", "--batch", "--no-startup-delay", "--queue-name", "*")
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 1
    assert not LoginLock.objects.filter(username="ghost").exists()
