"""What monitoring tells the duty room on the header bell (core/notifications.py): active alarms nobody has
acknowledged yet, in the user's scope (region; an enterprise account its own enterprise's), 二级 before 一级 and
the newest first. An alarm that escalates comes back as a new item (its id names the level): toast and beep again.
Shown to the roles that watch alarms: 值班员, 安全监管员, 企业用户, 领导. The alarm list and the home page's alarm card
and panel follow without a reload."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from yingji.core.notifications import Item, Source
from yingji.core.scoping import scope

from .models import Alarm

ROLES = ("值班员", "安全监管员", "企业用户", "领导")
HOME_PARTS = ["[data-testid=readiness]", "[data-testid=alarm-panel]"]


@dataclass(frozen=True)
class RoleSource(Source):
    """A source for the people of some roles only (whatever else their permissions allow)."""

    roles: tuple = ()

    def visible_to(self, user) -> bool:
        return super().visible_to(user) and (user.is_superuser or user.groups.filter(name__in=self.roles).exists())


def unacknowledged_alarms(user, now):
    """The alarm list's ?state=active_unack: 二级 first, then the newest."""
    return (scope(Alarm.objects.filter(state=Alarm.ACTIVE_UNACK), user)
            .select_related("sensor", "enterprise", "region").order_by("-level", "-raised_at", "-id"))


def alarm_item(alarm, now) -> Item:
    sensor = alarm.sensor
    value = f" · {alarm.last_value:g} {sensor.unit}".rstrip() if alarm.last_value is not None else ""
    where = alarm.enterprise.name if alarm.enterprise_id else alarm.region.name
    # A new id when it escalates: the toast (and the beep) come again for 二级.
    return Item(id=f"alarm-{alarm.pk}-{alarm.level}", title=f"{sensor.code} {sensor.name} {alarm.alarm_type}",
                time=alarm.escalated_at or alarm.raised_at, url=reverse("monitoring:alarm_detail", args=[alarm.pk]),
                kind=f"{alarm.get_level_display()}报警",
                note=f"{where} · {timezone.localtime(alarm.escalated_at or alarm.raised_at):%m-%d %H:%M:%S}{value}")


SOURCES = [
    RoleSource(key="alarms", label="未确认的监测报警", url="monitoring:alarm_list", perm="monitoring.view_alarm",
               waiting=unacknowledged_alarms, item=alarm_item, roles=ROLES,
               refresh={"monitoring:alarm_list": ["[data-testid=alarm-list]"], "web:home": HOME_PARTS}),
]
