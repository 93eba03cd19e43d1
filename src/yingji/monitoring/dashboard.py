"""What monitoring puts on the home page (the duty board): a card counting the alarms still on (二级, 未确认) and a
live panel listing them, refreshed by the bell when an alarm arrives or escalates (notifications.py). For the
roles that watch alarms (notifications.ROLES)."""

from django.db.models import Count, Q
from django.urls import reverse

from yingji.core.scoping import scope

from .models import Alarm
from .notifications import ROLES

PANEL_ROWS = 8


def _watches(user) -> bool:
    return user.has_perm("monitoring.view_alarm") and (user.is_superuser or user.groups.filter(name__in=ROLES).exists())


def active_alarms(user):
    return (scope(Alarm.objects.filter(active=True), user).select_related("sensor", "enterprise", "region")
            .order_by("-state", "-level", "-raised_at", "-id"))


def cards(user) -> list[dict]:
    if not _watches(user):
        return []
    counts = scope(Alarm.objects.filter(active=True), user).aggregate(
        total=Count("pk"), level2=Count("pk", filter=Q(level=2)), unack=Count("pk", filter=Q(state=Alarm.ACTIVE_UNACK)))
    return [{"label": "未恢复的监测报警", "value": counts["total"],
             "note": f"二级 {counts['level2']}，未确认 {counts['unack']}",
             "url": reverse("monitoring:alarm_list") + "?active=1", "tone": "warn" if counts["unack"] else ""}]


def panels(user) -> list[dict]:
    if not _watches(user):
        return []
    return [{"template": "monitoring/_dashboard_alarms.html",
             "context": {"alarms": list(active_alarms(user)[:PANEL_ROWS])}}]
