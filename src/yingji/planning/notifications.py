"""What planning puts on the bell (core/notifications.py): plan tasks coming due and overdue, and 联席会议 decisions
(议定事项) coming due and overdue. Each unit sees its own: a task's lead and co units (PlanTask.narrow_scope), a
decision's responsible unit; the planning staff and leadership see all of their region's."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from yingji.core.notifications import Item, Source
from yingji.core.scoping import scope

from .models import Decision, PlanTask
from .services.tasks import may_see_all


def _today(now):
    return timezone.localdate(now)  # Beijing's day, not UTC's


def tasks_waiting(user, now):
    """Open tasks overdue or due within YINGJI_PLANNING_TASK_REMIND_DAYS, the earliest deadline first (the longest
    overdue first, then the soonest due): the bell reminds before the deadline and every day after it until done."""
    horizon = _today(now) + timedelta(days=settings.YINGJI_PLANNING_TASK_REMIND_DAYS)
    return (scope(PlanTask.objects.select_related("plan"), user).exclude(status=PlanTask.DONE)
            .filter(deadline__lte=horizon).order_by("deadline", "number", "pk"))


def task_item(task, now) -> Item:
    days = (task.deadline - _today(now)).days
    late = days < 0
    when = f"已逾期 {-days} 天" if late else ("今天到期" if days == 0 else f"还有 {days} 天")
    return Item(id=f"plantask-{'overdue' if late else 'due'}-{task.pk}", title=f"（{task.number}）{task.title}",
                time=None, url=reverse("planning:task_detail", args=[task.pk]),
                kind="规划任务逾期未完成" if late else "规划任务即将到期",
                note=f"完成期限 {task.deadline:%Y-%m-%d}，{when}，当前进度 {task.percent}%")


def decisions_waiting(user, now):
    """Open decisions overdue or due within YINGJI_PLANNING_DECISION_REMIND_DAYS, the earliest deadline first: a
    unit's own (it is responsible), or all of the region's for the planning staff."""
    horizon = _today(now) + timedelta(days=settings.YINGJI_PLANNING_DECISION_REMIND_DAYS)
    waiting = scope(Decision.objects.select_related("meeting", "responsible"), user).filter(
        status=Decision.OPEN, deadline__lte=horizon)
    if not may_see_all(user):
        waiting = waiting.filter(Q(responsible_id=user.organisation_id) if user.organisation_id else Q(pk__in=[]))
    return waiting.order_by("deadline", "pk")


def decision_item(decision, now) -> Item:
    days = (decision.deadline - _today(now)).days
    late = days < 0
    return Item(id=f"decision-{'overdue' if late else 'due'}-{decision.pk}",
                title=f"{decision.meeting.title} · 议定事项{decision.number}", time=None,
                url=reverse("planning:meeting_detail", args=[decision.meeting_id]),
                kind="议定事项逾期未办结" if late else "议定事项即将到期",
                note=f"{decision.responsible.short_name or decision.responsible.name}，完成期限 "
                     f"{decision.deadline:%Y-%m-%d}，" + (f"已逾期 {-days} 天" if late else
                                                        ("今天到期" if days == 0 else f"还有 {days} 天")))


SOURCES = [
    Source(key="plan_tasks", label="到期或逾期的规划任务", url="planning:task_list",
           perm="planning.view_plantask", waiting=tasks_waiting, item=task_item),
    Source(key="meeting_decisions", label="待办结的议定事项", url="planning:meeting_list",
           perm="planning.view_decision", waiting=decisions_waiting, item=decision_item),
]
