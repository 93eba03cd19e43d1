"""What planning puts on the bell (core/notifications.py): plan tasks coming due and overdue, 联席会议 decisions
(议定事项) coming due and overdue, and disaster-loss reports (灾情报告) by the 制度's deadlines. Each unit sees its own:
a task's lead and co units (PlanTask.narrow_scope), a decision's responsible unit, a township's own reports; the
planning staff and leadership see all of their region's, and the county its townships' reports and its own filings."""

import datetime
from datetime import timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from yingji.core.notifications import Item, Source
from yingji.core.scoping import scope

from .models import Decision, DisasterEvent, DisasterLossReport, LossFiling, PlanTask
from .services import losses
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


def _remind_window():
    return timedelta(minutes=settings.YINGJI_LOSS_REMIND_MINUTES)


def _when(due, now) -> tuple[bool, str]:
    """(overdue, "已超时 2 小时 10 分" | "还有 35 分钟")."""
    seconds = int((due - now).total_seconds())
    minutes = abs(seconds) // 60
    span = f"{minutes // 1440} 天 {minutes % 1440 // 60} 小时" if minutes >= 1440 else (
        f"{minutes // 60} 小时 {minutes % 60} 分" if minutes >= 60 else f"{minutes} 分钟")
    return seconds < 0, (f"已超时 {span}" if seconds < 0 else f"还有 {span}")


def loss_reports_waiting(user, now):
    """A township's reports not yet submitted (草稿, 已退回) whose deadline is past or within
    YINGJI_LOSS_REMIND_MINUTES, the earliest first; the county sees its townships' (to urge them, 催报)."""
    return (scope(DisasterLossReport.objects.select_related("event", "region"), user)
            .filter(status__in=DisasterLossReport.EDITABLE, due_at__lte=now + _remind_window())
            .order_by("due_at", "pk"))


def loss_report_item(report, now) -> Item:
    late, when = _when(report.due_at, now)
    return Item(id=f"lossreport-{report.pk}-{'overdue' if late else 'soon'}",
                title=f"{report.region.name} · {report.event.name} · {report.get_stage_display()}",
                time=report.due_at, url=reverse("planning:loss_report_detail", args=[report.pk]),
                kind="灾情报告已超时" if late else "灾情报告即将到期",
                note=f"{when}（报县时限 {timezone.localtime(report.due_at):%m-%d %H:%M}，"
                     f"{report.get_status_display()}）")


def _filed(stage, **extra):
    return Exists(LossFiling.objects.filter(event=OuterRef("pk"), stage=stage, **extra))


def loss_filings_waiting(user, now):
    """The county's own reports upwards still to file: the 初报 of an event (due 2 hours after it), the 续报 for
    yesterday of an event not yet stable (due today 09:00, once its 初报 is filed), the 核报 of a stable event; the
    longest waiting first. Only for the county (and above) that reviews and files."""
    if not losses.is_county_or_above(user):
        return DisasterEvent.objects.none()
    yesterday = timezone.localdate(now) - datetime.timedelta(days=1)
    events = scope(DisasterEvent.objects.select_related("region"), user).annotate(
        has_initial=_filed(DisasterLossReport.INITIAL), has_final=_filed(DisasterLossReport.FINAL),
        has_yesterday=_filed(DisasterLossReport.FOLLOWUP, covers_on=yesterday))
    initial_by = now + _remind_window() - timedelta(hours=settings.YINGJI_LOSS_INITIAL_HOURS)
    return events.filter(
        Q(has_initial=False, occurred_at__lte=initial_by)
        | Q(has_initial=True, ended_on__isnull=True, has_yesterday=False, started_on__lte=yesterday)
        | Q(ended_on__isnull=False, has_final=False)).order_by("occurred_at", "pk")


def loss_filing_item(event, now) -> Item:
    if not event.has_initial:
        stage, due = "初报", losses.county_due(event, DisasterLossReport.INITIAL)
    elif event.ended_on is None:
        covers = timezone.localdate(now) - datetime.timedelta(days=1)
        stage, due = f"续报（截至 {covers:%m-%d} 24 时）", losses.county_due(event, DisasterLossReport.FOLLOWUP, covers)
    else:
        stage, due = "核报", losses.county_due(event, DisasterLossReport.FINAL)
    late, when = _when(due, now)
    return Item(id=f"lossfiling-{event.pk}-{stage}-{'overdue' if late else 'soon'}",
                title=f"{event.name} · 县级{stage}", time=due,
                url=reverse("planning:loss_event_detail", args=[event.pk]) + "#filings",
                kind="灾情上报已超时" if late else "灾情上报即将到期",
                note=f"{when}（上报时限 {timezone.localtime(due):%m-%d %H:%M}）")


SOURCES = [
    Source(key="plan_tasks", label="到期或逾期的规划任务", url="planning:task_list",
           perm="planning.view_plantask", waiting=tasks_waiting, item=task_item),
    Source(key="meeting_decisions", label="待办结的议定事项", url="planning:meeting_list",
           perm="planning.view_decision", waiting=decisions_waiting, item=decision_item),
    Source(key="loss_reports_due", label="到期或超时未报的乡镇灾情报告", url="planning:loss_report_list",
           perm="planning.change_disasterlossreport", waiting=loss_reports_waiting, item=loss_report_item),
    Source(key="loss_filings_due", label="到期或超时的县级灾情上报", url="planning:loss_event_list",
           perm=losses.REVIEW, waiting=loss_filings_waiting, item=loss_filing_item),
]
