"""Every state change of plans, activations and tasks: validated, one transaction, audited; what
happens on an incident also goes into its timeline.

Level changes (escalation and de-escalation) work on tasks identified by (text, responsible unit):
open tasks of the old level that the new level also sets are kept with their status and due time;
the other open tasks are closed as 已撤销 (revoked) with a note saying why — never as 完成, which
would claim work that was not done; tasks the new level sets that are not there yet (or were
revoked earlier) are created, due from the time of the change. Done tasks stay done. Ending a
response revokes its open tasks the same way.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Organisation
from yingji.core.scoping import require_region, scope_actor, user_may_use_region
from yingji.core.services import delete_scoped, person, require_perm, save_scoped
from yingji.core.uploads import check_upload
from yingji.incidents import signals as incident_signals
from yingji.incidents.models import Assignment, Incident, InformationReport
from yingji.incidents.services.timeline import record
from yingji.standards import divisions, event_codes

from . import matching
from .models import Activation, Plan, ResponseLevel, Task, TaskTemplate, TaskUpdate, level_label


def _collect(errors: dict, check, *args):
    """Run one check and keep its field errors, so a form shows every problem at once."""
    try:
        check(*args)
    except ValidationError as exc:
        exc.update_error_dict(errors)


def _visible(model, pk, actor, for_write=False) -> bool:
    return scope_actor(model.objects.filter(pk=pk), actor, for_write=for_write).exists()


# --- Plans --------------------------------------------------------------------

def clean_event_codes(codes) -> list[str]:
    if not isinstance(codes, (list, tuple)) or not codes:
        raise ValidationError({"event_codes": "请至少选择一个适用事件类别（GB/T 35561 代码，如 11A00 水旱灾害）。"})
    cleaned, errors = [], []
    for code in codes:
        try:
            cleaned.append(event_codes.get(str(code)).code)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError({"event_codes": errors})
    return list(dict.fromkeys(cleaned))


def _check_plan(actor, plan: Plan):
    errors: dict = {}
    # The drafting unit is one of the actor's own (a county unit is readable below, not a township's to name).
    if plan.owner_id and not _visible(Organisation, plan.owner_id, actor, for_write=True):
        errors["owner"] = ["编制单位不在您的管辖范围内。"]
    try:
        plan.event_codes = clean_event_codes(plan.event_codes)
    except ValidationError as exc:
        exc.update_error_dict(errors)
    if plan.status == Plan.APPROVED and not plan.approved_on:
        errors["approved_on"] = ["已审批的预案须填写审批日期。"]
    if plan.approved_on and plan.approved_on > timezone.localdate():
        errors["approved_on"] = ["审批日期不能晚于今天。"]
    if plan.grace_minutes is None or not 0 <= plan.grace_minutes <= 120:
        errors["grace_minutes"] = ["任务最短时限应在 0–120 分钟之间。"]
    plan.name, plan.version = (plan.name or "").strip(), (plan.version or "").strip()
    twin = Plan.objects.filter(region_id=plan.region_id, name=plan.name, version=plan.version).exclude(pk=plan.pk)
    if plan.region_id and twin.exists():
        errors["version"] = [f"“{plan.name}”已有版本“{plan.version}”，请填写新的版本号。"]
    if errors:
        raise ValidationError(errors)


def _check_document(upload):
    check_upload(upload, images_only=False, field="document")
    if not upload.name.lower().endswith(Plan.DOCUMENT_TYPES):
        raise ValidationError({"document": "预案原件只能是 PDF、Word（doc、docx）、WPS 或 OFD 文件。"})


def save_plan(actor, plan: Plan, data: dict) -> Plan:
    """Create or edit a plan. `data["document"]`: a new upload, False to remove it, anything else keeps it."""
    data = dict(data)
    upload = data.pop("document", None)
    if isinstance(upload, UploadedFile):
        data["document"] = upload
    elif upload is False:
        data["document"] = ""

    def validate(p):
        errors: dict = {}
        _collect(errors, _check_plan, actor, p)
        if isinstance(upload, UploadedFile):
            _collect(errors, _check_document, upload)
        if errors:
            raise ValidationError(errors)

    return save_scoped(actor, plan, data, validate=validate)


def _unused(plan: Plan):
    if plan.activations.exists():
        raise ValidationError("该预案已有启动记录，不能删除；不再使用的预案请改为“已废止”。")


def delete_plan(actor, plan: Plan):
    delete_scoped(actor, plan, validate=_unused)


# --- Response levels and task templates ---------------------------------------

def _check_level(actor, level: ResponseLevel):
    errors: dict = {}
    if level.criteria().is_empty:
        errors["min_grade"] = ["请至少填写一项启动条件（满足任一项即启动本级响应）。"]
    twin = ResponseLevel.objects.filter(plan_id=level.plan_id, level=level.level).exclude(pk=level.pk)
    if level.level and twin.exists():
        errors["level"] = [f"该预案已设置{level_label(level.level)}。"]
    level.name = (level.name or "").strip() or level_label(level.level)
    if errors:
        raise ValidationError(errors)


def save_level(actor, level: ResponseLevel, data: dict) -> ResponseLevel:
    if level.pk is not None:
        data = {k: v for k, v in data.items() if k != "plan"}  # a level stays with its plan
    return save_scoped(actor, level, data, validate=lambda lv: _check_level(actor, lv))


def delete_level(actor, level: ResponseLevel):
    delete_scoped(actor, level)


def _check_template(actor, template: TaskTemplate):
    errors: dict = {}
    template.text = (template.text or "").strip()
    if not template.text:
        errors["text"] = ["请填写任务内容。"]
    if template.local_government and template.organisation_id:
        errors["organisation"] = ["已选“由事发地乡镇（街道）负责”，请不要再指定责任单位。"]
    elif not template.local_government and not template.organisation_id:
        errors["organisation"] = ["请选择责任单位，或勾选“由事发地乡镇（街道）负责”。"]
    elif template.organisation_id and not _visible(Organisation, template.organisation_id, actor):
        errors["organisation"] = ["责任单位不在您的管辖范围内。"]
    if errors:
        raise ValidationError(errors)


def save_template(actor, template: TaskTemplate, data: dict) -> TaskTemplate:
    if template.pk is not None:
        data = {k: v for k, v in data.items() if k != "response_level"}  # a task stays with its level
    return save_scoped(actor, template, data, validate=lambda t: _check_template(actor, t))


def delete_template(actor, template: TaskTemplate):
    delete_scoped(actor, template)


# --- Matching an incident -----------------------------------------------------

def incident_facts(incident: Incident, warning_colour: str = "") -> matching.Facts:
    grade_level = {"特别重大事故": 1, "重大事故": 2, "较大事故": 3, "一般事故": 4}.get(incident.accident_grade)
    return matching.Facts(
        event_code=incident.event_code, region_path=incident.region.path, level=incident.level or grade_level,
        deaths=incident.deaths + incident.missing, injured=incident.serious_injuries + incident.injuries,
        people_affected=incident.people_affected, warning_colour=warning_colour or "",
    )


def candidate(plan: Plan) -> matching.Candidate:
    return matching.Candidate(plan.pk, plan.type, plan.region.path, tuple(plan.event_codes),
                              tuple(level.criteria() for level in plan.levels.all()), plan.name)


def applicable_plans(incident: Incident, actor):
    """Approved plans the actor may see whose region contains the incident's."""
    ids = [int(part) for part in incident.region.path.strip("/").split("/") if part]
    plans = Plan.objects.filter(status=Plan.APPROVED, region_id__in=ids)
    # The region's boundary (a county's is ~20 KB of GeoJSON) is not needed here: the board polls this every 5 s.
    return (scope_actor(plans, actor).select_related("region", "owner")
            .prefetch_related("levels"))


def suggestions(incident: Incident, actor, warning_colour: str = "") -> list[tuple[Plan, matching.Suggestion]]:
    plans = {plan.pk: plan for plan in applicable_plans(incident, actor)}
    facts = incident_facts(incident, warning_colour)
    return [(plans[s.key], s) for s in matching.suggest([candidate(p) for p in plans.values()], facts)]


def _suggested(plan: Plan, incident: Incident, warning_colour: str) -> tuple[int | None, list[str]]:
    facts = incident_facts(incident, warning_colour)
    cand = candidate(plan)
    return matching.suggest_level(cand, facts) if matching.fits(cand, facts) else (None, [])


# --- Activation, level changes, end -------------------------------------------

def _require_open_incident(incident: Incident):
    if not incident.is_active:
        state = "已并入其他事件" if incident.merged_into_id else f"处于“{incident.get_status_display()}”状态"
        raise ValidationError({"incident": f"事件{state}，不能再启动或调整预案响应。"})


def _response_level(plan: Plan, level) -> ResponseLevel:
    try:
        number = int(level)
    except (TypeError, ValueError):
        raise ValidationError({"level": f"“{level}”不是有效的响应级别，可选 1–4（Ⅰ–Ⅳ级）。"}) from None
    found = plan.levels.filter(level=number).first()
    if found is None:
        have = "、".join(lv.display_name for lv in plan.levels.all()) or "无"
        raise ValidationError({"level": f"预案“{plan}”未设置{level_label(number) if number in matching.ROMAN else '该级别'}"
                                        f"（已设置：{have}）。"})
    return found


def _override_reason(level: int, suggested: int | None, reason: str) -> str:
    reason = (reason or "").strip()
    if level != suggested and not reason:
        if suggested is None:
            message = f"该预案的启动条件均未满足（或不适用于此类事件），启动{level_label(level)}须说明理由。"
        else:
            message = f"所选{level_label(level)}与建议的{level_label(suggested)}不同，须说明理由。"
        raise ValidationError({"reason": message})
    return reason


def _township_government(incident: Incident, plan: Plan) -> tuple[Organisation, str]:
    township = next((r for r in incident.region.ancestors(include_self=True) if r.level == divisions.TOWNSHIP), None)
    government = (Organisation.objects.filter(region=township, type="grassroots").order_by("id").first()
                  if township else None)
    if government is not None:
        return government, ""
    return plan.owner, "未登记事发地乡镇（街道）政府，暂由预案编制单位负责"


def _task_key(text: str, organisation_id) -> tuple[str, int]:
    return text.strip(), organisation_id


def _resolved(activation: Activation, level: ResponseLevel):
    """(template, organisation, note) for each task the level sets on this incident."""
    local = None
    for template in level.tasks.select_related("organisation"):
        if template.local_government:
            local = local or _township_government(activation.incident, activation.plan)
            organisation, note = local
        else:
            organisation, note = template.organisation, ""
        yield template, organisation, note


def _create_tasks(actor, activation: Activation, level: ResponseLevel, start, skip=frozenset()) -> list[Task]:
    created = []
    for template, organisation, note in _resolved(activation, level):
        if _task_key(template.text, organisation.pk) in skip:
            continue
        task = Task.objects.create(
            activation=activation, incident=activation.incident, template=template, level=level.level,
            text=template.text, organisation=organisation, due_at=due_time(activation.plan, template, start),
            note=note, created_at=start)
        TaskUpdate.objects.create(task=task, to_status=Task.TODO, note=f"随{level.display_name}生成",
                                  actor=person(actor), time=start)
        audit.record(actor, AuditEntry.CREATE, task, audit.diff({}, audit.snapshot(task)))
        happened = _happened(activation.incident, template.completes_on, organisation)
        if happened is not None:  # e.g. the 首报 went out before the plan was started
            _complete_by_event(task, template.completes_on, happened, actor, start)
        created.append(task)
    return created


def due_time(plan: Plan, template: TaskTemplate, start):
    """Due at the template's offset from `start`, but never sooner than the plan's grace: a task due
    "立即" cannot be overdue the second the plan starts."""
    return start + timedelta(minutes=max(template.due_offset_minutes, plan.grace_minutes))


def _revoke(actor, tasks, note: str, when) -> list[Task]:
    for task in tasks:
        TaskUpdate.objects.create(task=task, from_status=task.status, to_status=Task.REVOKED, note=note,
                                  actor=person(actor), time=when)
        before = audit.snapshot(task)
        task.status, task.note = Task.REVOKED, note
        task.save(update_fields=["status", "note", "updated_at"])
        audit.record(actor, AuditEntry.UPDATE, task, audit.diff(before, audit.snapshot(task)))
    return list(tasks)


def _locked_incident(incident: Incident) -> Incident:
    return Incident.objects.select_for_update().select_related("region").get(pk=incident.pk)


def _check_plan_for(actor, plan: Plan, incident: Incident):
    if not _visible(Plan, plan.pk, actor):
        raise ValidationError({"plan": "预案不存在，或不在您的管辖范围内。"})
    if plan.status != Plan.APPROVED:
        raise ValidationError({"plan": f"预案“{plan}”{plan.get_status_display()}，只有已审批的预案才能启动。"})
    if not incident.region.path.startswith(plan.region.path):
        raise ValidationError({"plan": f"预案“{plan}”适用于{plan.region.name}，事件发生在{incident.region.name}，"
                                       f"不在其适用范围内。"})


@transaction.atomic
def activate(actor, incident: Incident, plan: Plan, level, reason: str = "", warning_colour: str = "") -> Activation:
    """Start `plan` at `level` on `incident` and create the level's tasks. If the plan is already active on
    the incident this changes its level instead. A level other than the suggested one needs a reason."""
    require_perm(actor, "plans.add_activation")
    incident = _locked_incident(incident)
    require_region(actor, incident.region, field="incident")
    _require_open_incident(incident)
    plan = Plan.objects.select_related("region", "owner").get(pk=plan.pk)
    _check_plan_for(actor, plan, incident)
    response_level = _response_level(plan, level)
    current = Activation.objects.select_for_update().filter(incident=incident, plan=plan, active=True).first()
    if current is not None:
        return change_level(actor, current, response_level.level, reason, warning_colour)
    suggested, reasons = _suggested(plan, incident, warning_colour)
    reason = _override_reason(response_level.level, suggested, reason)
    now = timezone.now()
    activation = Activation.objects.create(
        incident=incident, plan=plan, level=response_level.level, suggested_level=suggested,
        suggestion_reasons=reasons, override_reason=reason, activated_by=person(actor), activated_at=now,
        level_since=now)
    tasks = _create_tasks(actor, activation, response_level, now)
    audit.record(actor, AuditEntry.CREATE, activation, audit.diff({}, audit.snapshot(activation)))
    basis = f"建议{level_label(suggested)}：{'；'.join(reasons)}" if suggested else "未达到该预案的启动条件"
    why = f"；启动理由：{reason}" if reason else ""
    record(incident, "activation", f"启动《{plan.name}》{response_level.display_name}（{basis}{why}），"
           f"生成任务 {len(tasks)} 项", actor,
           data={"activation": activation.pk, "plan": plan.pk, "level": activation.level, "suggested_level": suggested,
                 "reason": reason, "tasks": [t.pk for t in tasks]})
    return activation


def _locked_activation(actor, activation: Activation) -> Activation:
    _locked_incident(activation.incident)  # the incident first, in the same order as activate()
    activation = (Activation.objects.select_for_update().select_related("plan__region", "plan__owner",
                                                                         "incident__region").get(pk=activation.pk))
    require_region(actor, activation.incident.region, field="incident")
    if not activation.active:
        raise ValidationError({"level": f"《{activation.plan.name}》的响应已终止；如需再次响应，请重新启动。"})
    return activation


@transaction.atomic
def change_level(actor, activation: Activation, level, reason: str = "", warning_colour: str = "") -> Activation:
    """Escalate or de-escalate: the new level's tasks are created, open tasks it does not set are revoked."""
    require_perm(actor, "plans.change_activation")
    activation = _locked_activation(actor, activation)
    incident = activation.incident
    _require_open_incident(incident)
    new = _response_level(activation.plan, level)
    old = activation.level
    if new.level == old:
        raise ValidationError({"level": f"《{activation.plan.name}》已在{level_label(old)}中。"})
    suggested, reasons = _suggested(activation.plan, incident, warning_colour)
    reason = _override_reason(new.level, suggested, reason)
    now = timezone.now()
    before = audit.snapshot(activation)
    wanted = {_task_key(t.text, org.pk) for t, org, _ in _resolved(activation, new)}
    stale = [t for t in activation.tasks.select_for_update().filter(status__in=Task.OPEN, template__isnull=False)
             if _task_key(t.text, t.organisation_id) not in wanted]
    verb = "提升" if new.level < old else "降低"
    revoked = _revoke(actor, stale, f"响应级别由{level_label(old)}{verb}为{level_label(new.level)}，新级别不含此任务", now)
    present = {_task_key(t.text, t.organisation_id) for t in activation.tasks.exclude(status=Task.REVOKED)}
    created = _create_tasks(actor, activation, new, now, skip=present)
    activation.level, activation.level_since = new.level, now
    activation.suggested_level, activation.suggestion_reasons = suggested, reasons
    activation.override_reason = reason  # why the current level (the trail keeps the earlier ones)
    activation.save(update_fields=["level", "level_since", "suggested_level", "suggestion_reasons", "override_reason"])
    audit.record(actor, AuditEntry.UPDATE, activation, audit.diff(before, audit.snapshot(activation)))
    kept = len(present & wanted)
    why = f"（{reason}）" if reason else (f"（{'；'.join(reasons)}）" if reasons else "")
    record(incident, "activation", f"《{activation.plan.name}》响应级别由{level_label(old)}{verb}为"
           f"{new.display_name}{why}：新增任务 {len(created)} 项，撤销 {len(revoked)} 项，保留 {kept} 项", actor,
           data={"activation": activation.pk, "old": old, "new": new.level, "suggested_level": suggested,
                 "reason": reason, "created": [t.pk for t in created], "revoked": [t.pk for t in revoked]})
    return activation


@transaction.atomic
def end_activation(actor, activation: Activation, reason: str) -> Activation:
    """终止响应: the activation ends and its open tasks are revoked."""
    require_perm(actor, "plans.change_activation")
    activation = _locked_activation(actor, activation)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "终止响应须说明理由（如：险情已排除、转入恢复重建）。"})
    now = timezone.now()
    before = audit.snapshot(activation)
    revoked = _revoke(actor, list(activation.tasks.select_for_update().filter(status__in=Task.OPEN)),
                      "响应终止时未完成", now)
    activation.active, activation.ended_at, activation.ended_by, activation.end_reason = False, now, person(actor), reason
    activation.save(update_fields=["active", "ended_at", "ended_by", "end_reason"])
    audit.record(actor, AuditEntry.UPDATE, activation, audit.diff(before, audit.snapshot(activation)))
    record(activation.incident, "activation", f"终止《{activation.plan.name}》{level_label(activation.level)}（{reason}），"
           f"撤销未完成任务 {len(revoked)} 项", actor,
           data={"activation": activation.pk, "reason": reason, "revoked": [t.pk for t in revoked]})
    return activation


def refuse_ending_while_responding(sender, incident, old, new, actor, **kwargs):
    """An incident ends after its responses do: ending a response is the commander's decision (终止响应)."""
    if new != incident.ENDED:
        return
    running = [a.plan.name for a in incident.plan_activations.filter(active=True).select_related("plan")]
    if running:
        raise ValidationError({"status": [f"《{'》《'.join(running)}》应急响应仍在进行，请指挥长先终止响应再结束事件。"]})


def end_activations_for(actor, incident: Incident, reason: str) -> list[Activation]:
    """For the incidents app when an incident ends: end every response still running on it."""
    return [end_activation(actor, a, reason) for a in incident.plan_activations.filter(active=True)]


# --- Tasks completed by a system event ----------------------------------------

EVENT_NOTES = {incident_signals.INITIAL_REPORT_ISSUED: "首报已报送", incident_signals.UNIT_ARRIVED: "救援力量已到场"}


def _happened(incident: Incident, event: str, organisation):
    """The record showing that `event` already happened on the incident (a unit of the task's
    organisation for an arrival), or None."""
    if event == incident_signals.INITIAL_REPORT_ISSUED:
        kind = InformationReport.INITIAL
    elif event == incident_signals.UNIT_ARRIVED:
        own = Q(force__organisation=organisation) | Q(force__name=organisation.name)
        return incident.assignments.filter(own, arrived_at__isnull=False).order_by("arrived_at", "id").first()
    else:
        return None
    return incident.reports.filter(kind=kind, status=InformationReport.ISSUED).order_by("issued_at").first()


def _complete_by_event(task: Task, event: str, found, actor, when) -> Task:
    """Mark a task done because its event happened, linked to the record; history, audit and timeline."""
    when = when or timezone.now()
    before, old = audit.snapshot(task), task.status
    what = EVENT_NOTES[event]
    if isinstance(found, Assignment):
        task.completed_by_assignment = found
        what = f"{found.force.name}{'（' + found.vehicle.plate + '）' if found.vehicle_id else ''}已到场"
    else:
        task.completed_by_report = found
    note = f"{what}，任务自动完成"
    task.status, task.note, task.completed_at = Task.DONE, note, when
    task.save(update_fields=["status", "note", "completed_at", "completed_by_report", "completed_by_assignment",
                             "updated_at"])
    TaskUpdate.objects.create(task=task, from_status=old, to_status=Task.DONE, note=note, actor=person(actor),
                              time=when)
    audit.record(actor, AuditEntry.UPDATE, task, audit.diff(before, audit.snapshot(task)))
    record(task.incident, "task", f"任务“{task.text}”（{task.organisation}）：{note}", actor, time=when,
           data={"task": task.pk, "old": old, "new": Task.DONE, "event": event, "record": found.pk})
    return task


def complete_on_event(sender, incident, event, record, actor=None, time=None, **kwargs):
    """Receiver of incidents' `incident_event`: open tasks of running responses on the incident whose
    template names the event complete themselves (once: a task reopened by hand is left alone). A unit's
    arrival completes the tasks of its own unit only: those of the organisation it belongs to (a station's
    arrival, the fire brigade's tasks) or of the organisation it is (the rescue team's own)."""
    tasks = (Task.objects.select_for_update(of=("self",)).select_related("organisation", "incident")
             .filter(incident=incident, status__in=Task.OPEN, activation__active=True, template__completes_on=event,
                     completed_by_report__isnull=True, completed_by_assignment__isnull=True))
    if isinstance(record, Assignment):
        tasks = tasks.filter(Q(organisation_id=record.force.organisation_id) | Q(organisation__name=record.force.name))
    return [_complete_by_event(task, event, record, actor, time) for task in tasks]


# --- Tasks --------------------------------------------------------------------

@transaction.atomic
def add_task(actor, activation: Activation, text: str, organisation: Organisation, due_at) -> Task:
    """A task the commander adds beyond the plan's templates; level changes never revoke it."""
    require_perm(actor, "plans.add_task")
    activation = _locked_activation(actor, activation)
    errors: dict = {}
    text = (text or "").strip()
    if not text:
        errors["text"] = ["请填写任务内容。"]
    if organisation is None:
        errors["organisation"] = ["请选择责任单位。"]
    elif not _visible(Organisation, organisation.pk, actor):
        errors["organisation"] = ["责任单位不在您的管辖范围内。"]
    if due_at is None:
        errors["due_at"] = ["请填写完成时限。"]
    elif due_at < activation.activated_at:
        errors["due_at"] = ["完成时限不能早于预案启动时间。"]
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    task = Task.objects.create(activation=activation, incident=activation.incident, text=text[:255],
                               organisation=organisation, due_at=due_at, created_at=now)
    TaskUpdate.objects.create(task=task, to_status=Task.TODO, note="指挥长增派", actor=person(actor), time=now)
    audit.record(actor, AuditEntry.CREATE, task, audit.diff({}, audit.snapshot(task)))
    record(activation.incident, "task", f"增派任务“{text}”，责任单位{organisation}，时限 "
           f"{timezone.localtime(due_at):%m-%d %H:%M}", actor, data={"task": task.pk, "activation": activation.pk})
    return task


def _check_status(task: Task, status: str, note: str):
    if task.status == Task.REVOKED:
        raise ValidationError({"status": f"任务已撤销（{task.note}），不能再更新。"})
    if not task.activation.active:
        raise ValidationError({"status": "该预案响应已终止，任务不能再更新。"})
    if status not in Task.SETTABLE:
        raise ValidationError({"status": f"未知状态“{status}”，可选：待办、进行中、完成、受阻。"})
    if status == task.status and not note:
        raise ValidationError({"status": f"任务已是“{task.get_status_display()}”；如需报告进展，请填写说明。"})
    if status == Task.BLOCKED and not note:
        raise ValidationError({"note": "标记为“受阻”须说明原因。"})


@transaction.atomic
def set_task_status(actor, task: Task, status: str, note: str = "") -> Task:
    """待办/进行中/完成/受阻, or a progress note with the same status; history, audit and timeline keep it."""
    require_perm(actor, "plans.change_task")
    task = Task.objects.select_for_update().select_related("activation", "incident__region", "organisation").get(
        pk=task.pk)
    require_region(actor, task.incident.region, field="task")
    if actor is not None and not user_may_use_region(actor, task.organisation.region):
        raise PermissionDenied(f"任务的责任单位“{task.organisation}”不在您的管辖范围内，不能更新其状态。")
    note = (note or "").strip()[:255]
    _check_status(task, status, note)
    before, old = audit.snapshot(task), task.status
    now = timezone.now()
    task.status = status
    task.note = note or task.note
    task.completed_at = (task.completed_at or now) if status == Task.DONE else None
    task.save(update_fields=["status", "note", "completed_at", "updated_at"])
    TaskUpdate.objects.create(task=task, from_status=old, to_status=status, note=note, actor=person(actor), time=now)
    audit.record(actor, AuditEntry.UPDATE, task, audit.diff(before, audit.snapshot(task)))
    labels = dict(Task.STATUS_CHOICES)
    change = f"{labels[old]} → {labels[status]}" if status != old else "进展"
    record(task.incident, "task", f"任务“{task.text}”（{task.organisation}）：{change}" + (f"（{note}）" if note else ""),
           actor, data={"task": task.pk, "old": old, "new": status, "note": note})
    return task
