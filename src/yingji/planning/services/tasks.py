"""Services of plan tasks (规划任务/分工) with 牵头/配合 units, progress reports, and the 联席会议 meetings with decisions
(议定事项). Every change: one transaction, Chinese errors naming the field, an audit entry (core.services)."""

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django_tasks import task

from yingji.core import audit, roles
from yingji.core.models import AuditEntry, Organisation
from yingji.core.scoping import scope_actor
from yingji.core.services import delete_scoped, require_perm, save_audited, save_scoped, update_audited
from yingji.core.tasks import schedule_once
from yingji.core.uploads import check_attachment

from ..models import (
    Decision,
    ImplementationPlan,
    JointMeeting,
    PlanTask,
    ProgressReport,
    TaskMilestone,
)
from ..models.tasks import VIEW_ALL

_MODELS = ("implementationplan", "plantask", "taskmilestone", "progressreport", "jointmeeting", "decision")
STAFF_ROLES = ("值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户")


def ready():
    """Leadership and administrators run the plan (every task of their region); the units' staff (every other
    staff role; their own unit's tasks only, by PlanTask.narrow_scope) report progress and close decisions."""
    full = [f"planning.{action}_{model}" for model in _MODELS for action in ("view", "add", "change", "delete")]
    for role in ("管理员", "领导"):
        roles.grant(role, [*full, VIEW_ALL, "planning.close_decision"])
    unit = [f"planning.view_{model}" for model in _MODELS] + ["planning.add_progressreport",
                                                              "planning.close_decision"]
    for role in STAFF_ROLES:
        roles.grant(role, unit)
    from .. import sheets_tasks  # noqa: F401  (registers the 分工 sheet)


def today() -> date:
    return timezone.localdate()  # Beijing's day: a deadline passes at local midnight


def may_see_all(actor) -> bool:
    return actor is None or actor.is_superuser or actor.has_perm(VIEW_ALL)


# --- plans -----------------------------------------------------------------------------------------------------

def _check_plan(plan: ImplementationPlan):
    if plan.start and plan.end and plan.end < plan.start:
        raise ValidationError({"end": ["实施截止日期不能早于实施起始日期。"]})


def save_plan(actor, plan: ImplementationPlan, data: dict) -> ImplementationPlan:
    return save_scoped(actor, plan, data, validate=_check_plan)


def delete_plan(actor, plan: ImplementationPlan):
    delete_scoped(actor, plan)


# --- tasks -----------------------------------------------------------------------------------------------------

def task_overdue(task: PlanTask, on: date | None = None) -> bool:
    return task.deadline is not None and task.status != PlanTask.DONE and task.deadline < (on or today())


def _check_task(actor, task: PlanTask, leads, cos):
    errors: dict[str, list[str]] = {}
    plan = task.plan if task.plan_id else None
    if plan is not None:
        if task.region_id and not task.region.path.startswith(plan.region.path):
            errors["region"] = [f"任务的区划应为方案所属区划“{plan.region.name}”或其下级。"]
        if task.deadline and task.deadline < plan.start:
            errors["deadline"] = [f"完成期限（{task.deadline:%Y-%m-%d}）不能早于方案实施起始日期"
                                  f"（{plan.start:%Y-%m-%d}）。"]
    both = {o.pk for o in leads or []} & {o.pk for o in cos or []}
    if both:
        names = "、".join(o.name for o in leads if o.pk in both)
        errors["co_units"] = [f"“{names}”已是牵头单位，不能同时作为配合单位。"]
    visible = scope_actor(Organisation.objects.all(), actor)
    for field, units in (("lead_units", leads), ("co_units", cos)):
        hidden = [o.name for o in units or [] if not visible.filter(pk=o.pk).exists()]
        if hidden:
            errors.setdefault(field, []).append(f"单位“{'、'.join(hidden)}”不存在或不在您的管辖范围内。")
    task.is_overdue = task_overdue(task)
    if errors:
        raise ValidationError(errors)


def _names(units) -> list[str]:
    return sorted(o.name for o in units)


@transaction.atomic
def save_task(actor, task: PlanTask, data: dict) -> PlanTask:
    """Save a task with its 牵头 (lead_units) and 配合 (co_units) units; the unit changes are in the audit entry."""
    data = dict(data)
    leads = data.pop("lead_units", None)
    cos = data.pop("co_units", None)
    if data.get("plan") is not None and data.get("region") is None and task.region_id is None:
        data["region"] = data["plan"].region
    creating = task.pk is None
    before = {} if creating else {"lead_units": _names(task.lead_units.all()), "co_units": _names(task.co_units.all())}
    leads_now = list(leads) if leads is not None else ([] if creating else list(task.lead_units.all()))
    cos_now = list(cos) if cos is not None else ([] if creating else list(task.co_units.all()))
    save_scoped(actor, task, data, validate=lambda t: _check_task(actor, t, leads_now, cos_now))
    if leads is not None:
        task.lead_units.set(leads_now)
    if cos is not None:
        task.co_units.set(cos_now)
    after = {"lead_units": _names(leads_now), "co_units": _names(cos_now)}
    changes = {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k] and (after[k] or before)}
    if changes:
        audit.record(actor, AuditEntry.UPDATE, task, changes)
    return task


def delete_task(actor, task: PlanTask):
    delete_scoped(actor, task)


def is_task_unit(actor, task: PlanTask) -> bool:
    unit = getattr(actor, "organisation_id", None)
    return unit is not None and unit in task.unit_ids()


# --- milestones --------------------------------------------------------------------------------------------------

def _check_milestone(milestone: TaskMilestone):
    if milestone.task_id and milestone.due and milestone.due < milestone.task.plan.start:
        raise ValidationError({"due": [f"计划完成日期不能早于方案实施起始日期（{milestone.task.plan.start:%Y-%m-%d}）。"]})
    if milestone.done_on and milestone.done_on > today():
        raise ValidationError({"done_on": ["实际完成日期不能晚于今天。"]})


def save_milestone(actor, milestone: TaskMilestone, data: dict) -> TaskMilestone:
    data = dict(data)
    task = data.get("task") or (milestone.task if milestone.task_id else None)
    if task is not None:
        data["region"] = task.region
    return save_scoped(actor, milestone, data, validate=_check_milestone, field="task")


def delete_milestone(actor, milestone: TaskMilestone):
    delete_scoped(actor, milestone, field="task")


# --- progress reports --------------------------------------------------------------------------------------------

def _percent(value) -> int:
    """A whole percentage 0–100 (20, "20", 20.0); anything else is an error naming 完成进度."""
    raw = "" if value is None else str(value).strip()
    try:
        number = Decimal(raw)
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number != number.to_integral_value():
        shown = raw or "（空）"
        raise ValidationError({"percent": [f"完成进度“{shown}”无效，应为 0 到 100 之间的整数（%）。"]})
    if not 0 <= number <= 100:
        raise ValidationError({"percent": [f"完成进度应在 0 到 100 之间（%），填写的是 {number}。"]})
    return int(number)


@transaction.atomic
def report_progress(actor, task: PlanTask, data: dict, organisation: Organisation | None = None) -> ProgressReport:
    """A unit reports on its own task: text, percentage 0–100, an optional attachment (checked by content). The
    task takes the percentage, its status (100 % 已完成, else 推进中) and its overdue flag from the report.

    `organisation`: the reporting unit, for the system (demo loader); a person always reports for their own unit,
    which must be one of the task's 牵头 or 配合 units."""
    require_perm(actor, "planning.add_progressreport")
    task = PlanTask.objects.select_for_update().get(pk=task.pk)
    if actor is not None:
        if not is_task_unit(actor, task):
            raise ValidationError({"task": [f"您所在单位不是任务“{task.title}”的牵头或配合单位，不能报告其进展。"]})
        organisation = actor.organisation
    elif organisation is None or organisation.pk not in task.unit_ids():
        raise ValidationError({"organisation": ["报告单位应为该任务的牵头或配合单位。"]})
    errors = {}
    text = (data.get("text") or "").strip()
    if not text:
        errors["text"] = ["请填写进展情况。"]
    try:
        percent = _percent(data.get("percent"))
    except ValidationError as exc:
        errors.update(exc.message_dict)
    upload, info = data.get("attachment"), None
    if upload:
        try:
            info = check_attachment(upload)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    report = ProgressReport(task=task)
    values = {"region": task.region, "organisation": organisation, "reporter": actor if actor and actor.pk else None,
              "reported_at": data.get("reported_at") or timezone.now(), "text": text, "percent": percent,
              "is_demo": bool(data.get("is_demo"))}
    if info is not None:
        upload.name = f"{uuid.uuid4().hex}.{info.extension}"  # never the sender's name (no path tricks)
        values.update(attachment=upload, attachment_name=info.name, attachment_type=info.mime,
                      attachment_size=info.size)
    save_scoped(actor, report, values, field="task", perm="planning.add_progressreport")
    _follow_report(actor, task, report)
    return report


def _follow_report(actor, task: PlanTask, report: ProgressReport):
    status = PlanTask.DONE if report.percent == 100 else (
        PlanTask.IN_PROGRESS if report.percent > 0 else task.status)
    data = {"percent": report.percent, "status": status, "last_reported_at": report.reported_at}
    task.status = status
    data["is_overdue"] = task_overdue(task)
    save_audited(actor, task, data, "planning.add_progressreport")


# --- joint meetings and decisions ---------------------------------------------------------------------------

@transaction.atomic
def save_meeting(actor, meeting: JointMeeting, data: dict) -> JointMeeting:
    data = dict(data)
    attendees = data.pop("attendees", None)
    before = None if meeting.pk is None else _names(meeting.attendees.all())

    def check(m):
        if attendees:
            visible = scope_actor(Organisation.objects.all(), actor)
            hidden = [o.name for o in attendees if not visible.filter(pk=o.pk).exists()]
            if hidden:
                raise ValidationError({"attendees": [f"单位“{'、'.join(hidden)}”不存在或不在您的管辖范围内。"]})

    save_scoped(actor, meeting, data, validate=check)
    if attendees is not None:
        meeting.attendees.set(attendees)
        after = _names(attendees)
        if after != (before or []):
            audit.record(actor, AuditEntry.UPDATE, meeting, {"attendees": [before, after]})
    return meeting


def delete_meeting(actor, meeting: JointMeeting):
    delete_scoped(actor, meeting)


def decision_overdue(decision: Decision, on: date | None = None) -> bool:
    return decision.status == Decision.OPEN and decision.deadline is not None and decision.deadline < (on or today())


def _check_decision(actor, decision: Decision):
    errors = {}
    if decision.meeting_id and decision.deadline and decision.deadline < decision.meeting.date:
        errors["deadline"] = [f"完成期限不能早于会议日期（{decision.meeting.date:%Y-%m-%d}）。"]
    if decision.responsible_id and not scope_actor(Organisation.objects.filter(pk=decision.responsible_id),
                                                   actor).exists():
        errors["responsible"] = ["责任单位不存在或不在您的管辖范围内。"]
    decision.is_overdue = decision_overdue(decision)
    if errors:
        raise ValidationError(errors)


def save_decision(actor, decision: Decision, data: dict) -> Decision:
    data = dict(data)
    meeting = data.get("meeting") or (decision.meeting if decision.meeting_id else None)
    if meeting is not None:
        data["region"] = meeting.region
        if decision.pk is None and not data.get("number"):
            data["number"] = (meeting.decisions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
    return save_scoped(actor, decision, data, validate=lambda d: _check_decision(actor, d), field="meeting")


def delete_decision(actor, decision: Decision):
    delete_scoped(actor, decision, field="meeting")


@transaction.atomic
def close_decision(actor, decision: Decision, note: str, closed_on: date | None = None) -> Decision:
    """Close a 议定事项 with a note on how it was done: by its responsible unit, or by the planning staff."""
    require_perm(actor, "planning.close_decision")
    decision = Decision.objects.select_for_update().get(pk=decision.pk)
    if actor is not None and not may_see_all(actor) and actor.organisation_id != decision.responsible_id:
        raise PermissionDenied(f"只有责任单位（{decision.responsible.name}）或规划管理人员可以办结该议定事项。")
    errors = {}
    if decision.status == Decision.DONE:
        errors["status"] = ["该议定事项已办结。"]
    if not (note or "").strip():
        errors["closing_note"] = ["请填写办结情况。"]
    closed_on = closed_on or today()
    if closed_on > today():
        errors["closed_on"] = ["办结日期不能晚于今天。"]
    elif closed_on < decision.meeting.date:
        errors["closed_on"] = [f"办结日期不能早于会议日期（{decision.meeting.date:%Y-%m-%d}）。"]
    if errors:
        raise ValidationError(errors)
    return save_audited(actor, decision, {"status": Decision.DONE, "closed_on": closed_on,
                                          "closing_note": note.strip(), "is_overdue": False},
                        "planning.close_decision")


# --- overdue flags -----------------------------------------------------------------------------------------

@transaction.atomic
def refresh_overdue(on: date | None = None) -> dict:
    """Store the overdue flags as of `on` (today in Beijing): each flag that changes is one audited update.
    Returns {"tasks": n, "decisions": n} flags changed."""
    on = on or today()
    late_tasks = Q(deadline__lt=on) & ~Q(status=PlanTask.DONE)
    late_decisions = Q(deadline__lt=on, status=Decision.OPEN)
    changed = 0
    changed += len(update_audited(None, PlanTask.objects.filter(late_tasks, is_overdue=False), is_overdue=True))
    changed += len(update_audited(None, PlanTask.objects.filter(~late_tasks, is_overdue=True), is_overdue=False))
    tasks = changed
    changed += len(update_audited(None, Decision.objects.filter(late_decisions, is_overdue=False), is_overdue=True))
    changed += len(update_audited(None, Decision.objects.filter(~late_decisions, is_overdue=True), is_overdue=False))
    return {"tasks": tasks, "decisions": changed - tasks}


@task()
def refresh_overdue_flags(reschedule: bool = True) -> dict:
    """The worker's daily run of refresh_overdue, just after local midnight (when yesterday's deadlines pass);
    `yingji planning tasks-overdue --schedule` starts the chain, as warnings' expiry does."""
    changed = refresh_overdue()
    if reschedule:
        schedule_overdue_refresh()
    return changed


def schedule_overdue_refresh() -> bool:
    """Queue the next run at 00:05 Beijing time, unless the backend cannot defer or one is queued already."""
    tomorrow = today() + timedelta(days=1)
    run_after = timezone.make_aware(datetime.combine(tomorrow, time(0, 5)), timezone.get_default_timezone())
    return schedule_once(refresh_overdue_flags, run_after)


# --- the half-year report's helper ---------------------------------------------------------------------------

def progress_summary(region, start: date, end: date) -> dict:
    """Task progress and meeting decisions of `region` and below for the half-year report (h-reports).

    Tasks: every task of a plan of the region (or below) whose implementation period overlaps [start, end], as of
    `end`: the latest report on or before `end` gives percent/status (none by then: 0 %, 未开始; a task set to 已完成 by hand
    and never reported on: 100 %, 已完成). Meetings: those held in [start, end], with their decisions
    as of `end`. Returns:

        {"start": date, "end": date,
         "tasks": [{"id", "plan", "number", "title", "lead_units": [name], "co_units": [name],
                    "deadline": date|None, "deadline_text": str, "status": "not_started"|"in_progress"|"done",
                    "status_label": str, "percent": int 0–100, "overdue": bool (deadline < end and not done),
                    "last_report": {"organisation", "reported_at", "text", "percent"}|None,
                    "reports_in_period": int}],
         "task_totals": {"total", "done", "in_progress", "not_started", "overdue"},
         "meetings": [{"id", "title", "kind", "kind_label", "date", "decisions_open", "decisions_closed",
                       "decisions_overdue", "decisions": [{"id", "number", "text", "responsible", "deadline",
                       "status": "open"|"done", "closed_on", "closing_note", "overdue": bool}]}],
         "decision_totals": {"total", "open", "closed", "overdue"},
         "regular_meetings": int (例会 held in the period; the 联席会议 meets every half year)}

    Decisions closed after `end` count as open at `end`. Dates are local (Asia/Shanghai) days."""
    tasks = (PlanTask.objects.filter(region__path__startswith=region.path, plan__start__lte=end, plan__end__gte=start)
             .select_related("plan").prefetch_related("lead_units", "co_units").order_by("plan__start", "plan", "number"))
    rows = [_task_row(task, start, end) for task in tasks]
    meetings = (JointMeeting.objects.filter(region__path__startswith=region.path, date__range=(start, end))
                .prefetch_related("decisions__responsible").order_by("date", "pk"))
    meeting_rows = [_meeting_row(meeting, end) for meeting in meetings]
    decisions = [d for m in meeting_rows for d in m["decisions"]]
    return {
        "start": start, "end": end, "tasks": rows,
        "task_totals": {"total": len(rows), "overdue": sum(r["overdue"] for r in rows),
                        **{key: sum(r["status"] == key for r in rows) for key, _ in PlanTask.STATUS_CHOICES}},
        "meetings": meeting_rows,
        "decision_totals": {"total": len(decisions), "open": sum(d["status"] == "open" for d in decisions),
                            "closed": sum(d["status"] == "done" for d in decisions),
                            "overdue": sum(d["overdue"] for d in decisions)},
        "regular_meetings": sum(m["kind"] == JointMeeting.REGULAR for m in meeting_rows),
    }


def _local_day(moment) -> date:
    return timezone.localtime(moment).date()


def _task_row(task: PlanTask, start: date, end: date) -> dict:
    every = list(task.reports.select_related("organisation").order_by("reported_at", "pk"))
    reports = [r for r in every if _local_day(r.reported_at) <= end]
    last = reports[-1] if reports else None
    if last is not None:
        percent = last.percent
        status = PlanTask.DONE if percent == 100 else (PlanTask.IN_PROGRESS if percent > 0 else PlanTask.NOT_STARTED)
    elif not every and task.status == PlanTask.DONE:  # marked done by hand, never reported on
        percent, status = 100, PlanTask.DONE
    else:  # nothing reported by `end` (what came later is not known then)
        percent, status = 0, PlanTask.NOT_STARTED
    labels = dict(PlanTask.STATUS_CHOICES)
    return {
        "id": task.pk, "plan": task.plan.title, "number": task.number, "title": task.title,
        "lead_units": _names(task.lead_units.all()), "co_units": _names(task.co_units.all()),
        "deadline": task.deadline, "deadline_text": task.deadline_text, "status": status,
        "status_label": labels[status], "percent": percent,
        "overdue": task.deadline is not None and task.deadline < end and status != PlanTask.DONE,
        "last_report": None if last is None else {
            "organisation": last.organisation.name, "reported_at": last.reported_at, "text": last.text,
            "percent": last.percent},
        "reports_in_period": sum(start <= _local_day(r.reported_at) for r in reports),
    }


def _meeting_row(meeting: JointMeeting, end: date) -> dict:
    decisions = []
    for d in meeting.decisions.all():
        done = d.status == Decision.DONE and d.closed_on is not None and d.closed_on <= end
        decisions.append({"id": d.pk, "number": d.number, "text": d.text, "responsible": d.responsible.name,
                          "deadline": d.deadline, "status": "done" if done else "open",
                          "closed_on": d.closed_on if done else None, "closing_note": d.closing_note if done else "",
                          "overdue": not done and d.deadline < end})
    return {"id": meeting.pk, "title": meeting.title, "kind": meeting.kind, "kind_label": meeting.get_kind_display(),
            "date": meeting.date, "decisions": decisions,
            "decisions_open": sum(d["status"] == "open" for d in decisions),
            "decisions_closed": sum(d["status"] == "done" for d in decisions),
            "decisions_overdue": sum(d["overdue"] for d in decisions)}
