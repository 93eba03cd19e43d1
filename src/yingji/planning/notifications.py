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


def tasks_due(user, now):
    """Open tasks whose deadline is today or within YINGJI_PLANNING_TASK_REMIND_DAYS, the soonest first."""
    today = _today(now)
    horizon = today + timedelta(days=settings.YINGJI_PLANNING_TASK_REMIND_DAYS)
    return (scope(PlanTask.objects.select_related("plan"), user).exclude(status=PlanTask.DONE)
            .filter(deadline__gte=today, deadline__lte=horizon).order_by("deadline", "number", "pk"))


def task_due_item(task, now) -> Item:
    days = (task.deadline - _today(now)).days
    return Item(id=f"plantask-due-{task.pk}", title=f"（{task.number}）{task.title}", time=None,
                url=reverse("planning:task_detail", args=[task.pk]), kind="规划任务即将到期",
                note=f"完成期限 {task.deadline:%Y-%m-%d}，" + ("今天到期" if days == 0 else f"还有 {days} 天")
                + f"，当前进度 {task.percent}%")


def tasks_overdue(user, now):
    """Tasks past their deadline and not done, the longest overdue first."""
    return (scope(PlanTask.objects.select_related("plan"), user).exclude(status=PlanTask.DONE)
            .filter(deadline__lt=_today(now)).order_by("deadline", "number", "pk"))


def task_overdue_item(task, now) -> Item:
    days = (_today(now) - task.deadline).days
    return Item(id=f"plantask-overdue-{task.pk}", title=f"（{task.number}）{task.title}", time=None,
                url=reverse("planning:task_detail", args=[task.pk]), kind="规划任务逾期未完成",
                note=f"完成期限 {task.deadline:%Y-%m-%d}，已逾期 {days} 天，当前进度 {task.percent}%")


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
    Source(key="plan_tasks_overdue", label="逾期未完成的规划任务", url="planning:task_list",
           perm="planning.view_plantask", waiting=tasks_overdue, item=task_overdue_item),
    Source(key="plan_tasks_due", label="即将到期的规划任务", url="planning:task_list",
           perm="planning.view_plantask", waiting=tasks_due, item=task_due_item),
    Source(key="meeting_decisions", label="待办结的议定事项", url="planning:meeting_list",
           perm="planning.view_decision", waiting=decisions_waiting, item=decision_item),
]
