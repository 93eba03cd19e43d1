"""Background work: a task enqueued on the database backend is run by the real worker."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command
from django.utils import timezone

from yingji.core.tasks import prune_login_attempts

pytestmark = pytest.mark.django_db(transaction=True)


def failed_logins(username, minutes_ago):
    attempt = AccessAttempt.objects.create(
        username=username, ip_address="10.0.0.1", user_agent="", get_data="", post_data="", http_accept="",
        path_info="/login/", failures_since_start=2)
    # attempt_time is auto_now_add: set the past afterwards.
    AccessAttempt.objects.filter(pk=attempt.pk).update(attempt_time=timezone.now() - timedelta(minutes=minutes_ago))


def test_prune_keeps_counters_within_the_cool_off():
    failed_logins("old-failure", minutes_ago=60)
    failed_logins("recent-failure", minutes_ago=2)
    assert prune_login_attempts.call() == 1
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {"recent-failure"}


def test_database_worker_runs_enqueued_task():
    failed_logins("ghost", minutes_ago=120)
    result = prune_login_attempts.using(backend="database").enqueue()
    assert result.status == "READY"
    call_command("db_worker", "--backend", "database", "--batch", "--no-startup-delay", "--queue-name", "*")
    result.refresh()
    assert result.status == "SUCCESSFUL"
    assert result.return_value == 1
    assert not AccessAttempt.objects.filter(username="ghost").exists()
