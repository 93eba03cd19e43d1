"""What the hazard loop tells inspectors and leaders on the bell (core/notifications.py): overdue 重大事故隐患 — the
escalation to the county and the city, each seeing its own region's — and rectified hazards waiting for 复查验收."""

from django.urls import reverse
from django.utils import timezone

from yingji.core.notifications import Item, Source
from yingji.core.scoping import scope

from .models import Hazard
from .services.hazards import escalated


def overdue_major_hazards(user, now):
    """The list's overdue=1&grade=major: open 重大事故隐患 past their deadline, the longest overdue first."""
    return escalated(scope(Hazard.objects.select_related("enterprise", "region"), user)).order_by("deadline", "id")


def overdue_item(hazard, now) -> Item:
    days = (timezone.localdate(now) - hazard.deadline).days  # Beijing's day, not UTC's
    return Item(id=f"hazard-overdue-{hazard.pk}", title=f"{hazard.place} · {hazard.title}", time=None,
                url=reverse("safety:hazard_detail", args=[hazard.pk]), kind="重大隐患逾期未整改",
                note=f"整改期限 {hazard.deadline:%Y-%m-%d}，已逾期 {days} 天")


def hazards_to_accept(user, now):
    """Rectified hazards waiting for the inspector's 复查验收, the earliest rectified first."""
    return (scope(Hazard.objects.select_related("enterprise", "region"), user)
            .filter(status=Hazard.AWAITING).order_by("rectified_on", "id"))


def to_accept_item(hazard, now) -> Item:
    return Item(id=f"hazard-awaiting-{hazard.pk}", title=f"{hazard.place} · {hazard.title}", time=None,
                url=reverse("safety:hazard_detail", args=[hazard.pk]), kind="隐患待复查验收",
                note=f"{hazard.rectified_on:%Y-%m-%d} 报告整改完成" if hazard.rectified_on else "")


SOURCES = [
    Source(key="overdue_major_hazards", label="逾期未整改的重大隐患", url="safety:hazard_list",
           perm="safety.supervise_hazard", waiting=overdue_major_hazards, item=overdue_item),
    Source(key="hazards_to_accept", label="待复查验收的隐患", url="safety:hazard_list",
           perm="safety.accept_hazard", waiting=hazards_to_accept, item=to_accept_item),
]
