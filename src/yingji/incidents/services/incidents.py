"""Incident intake, editing, grading, lifecycle, merging and notes: validated, one transaction,
audited, and written into the incident's timeline."""

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, geo
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import require_region
from yingji.core.services import person, require_perm, update_audited
from yingji.core.uploads import check_attachment
from yingji.core.validators import normalise_phone
from yingji.standards import accidents, event_codes, levels

from ..models import AccidentNotice, Incident
from ..signals import status_changing
from . import reports
from .timeline import record

INTAKE_FIELDS = [
    "title", "source", "reporter_name", "reporter_phone", "occurred_at", "reported_at", "region", "longitude",
    "latitude", "address", "event_code", "production_activity", "description", "unit_overview", "is_drill",
] + ["deaths", "missing", "serious_injuries", "injuries", "direct_loss_wan", "people_affected"]
CASUALTY_FIELDS = ["deaths", "missing", "serious_injuries", "injuries", "direct_loss_wan", "people_affected"]
# What each figure is called in an error ("死亡人数不能为负数。"), by the form and the API alike.
FIGURE_NOUNS = {"deaths": "死亡人数", "missing": "下落不明人数", "serious_injuries": "重伤人数", "injuries": "轻伤人数",
                "people_affected": "受影响人数", "direct_loss_wan": "直接经济损失"}


def figure_errors(name: str) -> dict:
    """Error messages of a casualty or loss figure that does not parse or is negative, naming the figure."""
    noun = FIGURE_NOUNS[name]
    unit = "数字（万元）" if name == "direct_loss_wan" else "整数"
    return {"min_value": f"{noun}不能为负数。", "invalid": f"{noun}请填写{unit}。"}

# Allowed moves of the lifecycle 接报 → 核实 → 处置中 → 已控制 → 结束 → 归档 (a step back is allowed
# when the situation worsens again, e.g. 已控制 → 处置中).
TRANSITIONS = {
    Incident.REPORTED: {Incident.VERIFYING, Incident.RESPONDING, Incident.ENDED},
    Incident.VERIFYING: {Incident.RESPONDING, Incident.ENDED},
    Incident.RESPONDING: {Incident.CONTROLLED, Incident.ENDED},
    Incident.CONTROLLED: {Incident.RESPONDING, Incident.ENDED},
    Incident.ENDED: {Incident.ARCHIVED, Incident.RESPONDING},
    Incident.ARCHIVED: set(),
}


def _status_label(status: str) -> str:
    return dict(Incident.STATUS_CHOICES)[status]


def _next_number(when) -> str:
    """YJ + local date + a 4-digit serial of that day, e.g. YJ20261123-0007."""
    prefix = f"YJ{timezone.localtime(when):%Y%m%d}-"
    last = (Incident.objects.filter(number__startswith=prefix).order_by("-number")
            .values_list("number", flat=True).first())
    serial = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{serial:04d}"


def _check(actor, incident: Incident, errors: dict):
    try:
        incident.event_code = event_codes.get(incident.event_code).code
    except ValueError as exc:
        errors["event_code"] = [str(exc)]
    if incident.production_activity not in dict(Incident.PRODUCTION_CHOICES):
        errors["production_activity"] = [f"“{incident.production_activity}”不是有效选项，可选："
                                         + "、".join(label for _, label in Incident.PRODUCTION_CHOICES) + "。"]
    try:
        geo.validate_point(incident.longitude, incident.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    now = timezone.now() + timedelta(minutes=5)  # clocks of phones and PCs drift a little
    if incident.occurred_at and incident.occurred_at > now:
        errors["occurred_at"] = ["发生时间不能晚于当前时间。"]
    if incident.reported_at and incident.reported_at > now:
        errors["reported_at"] = ["接报时间不能晚于当前时间。"]
    if incident.occurred_at and incident.reported_at and incident.occurred_at > incident.reported_at:
        errors["occurred_at"] = ["发生时间不能晚于接报时间。"]
    if incident.direct_loss_wan is not None and Decimal(incident.direct_loss_wan) < 0:
        errors["direct_loss_wan"] = ["直接经济损失不能为负数。"]
    if not (incident.title or "").strip():
        errors["title"] = ["请填写事件名称。"]
    try:  # a callback number (mobile, landline with area code, or 110/12345 when the call came through one)
        incident.reporter_phone = normalise_phone(incident.reporter_phone, field="reporter_phone", label="报告人电话")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _locate(incident: Incident, chosen_region):
    """The township from the map point when there is one (saying how), else the region chosen.

    A nearest-centre guess that falls outside the chosen region is not trusted over the choice."""
    if incident.longitude is not None and incident.latitude is not None:
        found = geo.locate_anywhere(incident.longitude, incident.latitude)
        if found is not None:
            region, located = found
            if located.method == "boundary" or chosen_region is None or region.is_within(chosen_region):
                incident.region, incident.region_located_by = region, located.method
                return
    if chosen_region is None:
        raise ValidationError({"region": ["请选择发生地区划，或在地图上标出位置。"]})
    incident.region, incident.region_located_by = chosen_region, "chosen"


def _place(actor, incident: Incident, chosen_region, errors: dict):
    """Locate the incident and check the actor may record it there; problems go into `errors`."""
    try:
        _locate(incident, chosen_region)
        require_region(actor, incident.region)
    except ValidationError as exc:
        errors.update(exc.message_dict)


def intake_errors(actor, data: dict, incident: Incident | None = None, failed=()) -> dict:
    """What create_incident (or update_incident of `incident`) would refuse in `data`, without writing: a form
    or serializer whose own fields failed asks this about the fields that parsed, so one answer carries every
    error (not the service's only once the form's are fixed). `failed`: fields that did not parse; their
    absence is not reported again, and a failed place field skips the placement."""
    editing = incident is not None and incident.pk is not None
    # A fresh copy: setting a relation on copy.copy() would write into the original's shared field cache.
    tentative = Incident(**{f.attname: getattr(incident, f.attname) for f in Incident._meta.concrete_fields}
                         if editing else {})
    data = {name: value for name, value in data.items() if name in INTAKE_FIELDS}
    chosen = data.pop("region", incident.region if editing else None)
    if isinstance(chosen, int):
        chosen = Region.objects.filter(pk=chosen).first()
    for name, value in data.items():
        setattr(tentative, name, value)
    if editing:
        _answer_production(tentative, bool(data.get("production_activity")), incident.event_code,
                           incident.production_activity)
    else:
        _answer_production(tentative, given=bool(data.get("production_activity")))
    errors: dict = {}
    moved = not editing or "longitude" in data or "latitude" in data or chosen != incident.region
    if moved and not {"region", "longitude", "latitude"} & set(failed):
        _place(actor, tentative, chosen, errors)
    try:
        _check(actor, tentative, errors)
    except ValidationError:
        pass  # its errors are in `errors`
    return {name: messages for name, messages in errors.items() if name not in failed}


def _answer_production(incident: Incident, given: bool, old_code: str | None = None, old_answer: str = ""):
    """第二条's question: an answer not given is pre-filled from the event class; on a change of class, an
    answer still at the old class's default follows the new class."""
    if given and incident.production_activity:
        return
    code_changed = old_code is not None and old_code != incident.event_code
    if not incident.production_activity or (code_changed and old_answer == accidents.production_default(old_code)):
        incident.production_activity = accidents.production_default(incident.event_code)


def _apply_grade(incident: Incident) -> str | None:
    """Grade a 生产安全事故 by 493号令 (第三条, deaths incl. 下落不明), or clear a 493 grade once 第二条 says the
    regulation does not apply (the plan's criteria grade it then); returns the old grade if it changed."""
    old = incident.accident_grade
    if not incident.is_accident:
        if old:  # no longer a 493 accident: its 493 grade, level and chain go; the commander grades by plan
            incident.accident_grade = incident.graded_by = incident.report_up_to = ""
            incident.level, incident.casualty_window_ends = None, None
            return old
        return None
    result = accidents.grade_accident(incident.deaths, incident.serious_injuries, incident.direct_loss_wan,
                                      incident.event_code, incident.missing)
    incident.accident_grade = result.grade
    incident.level = levels.by_level(result.grade[:-2]).level  # 较大事故 → 较大 → Ⅲ
    incident.graded_by = "493号令：" + ("、".join(result.decided_by) or "未达较大事故标准")
    incident.grading_plan = ""
    incident.report_up_to = result.report_up_to
    incident.casualty_window_ends = incident.occurred_at + timedelta(days=result.casualty_window_days)
    return old if old != result.grade else None


def _grade_text(incident: Incident, old_grade: str) -> str:
    if not incident.accident_grade:
        return (f"不适用493号令，取消原{old_grade}定级：{incident.order493_scope.reason}"
                if incident.order493_scope else f"取消原{old_grade}定级")
    cause = "因伤亡损失变化，" if old_grade else ""
    return (f"{cause}事故等级由{old_grade or '未定级'}调整为{incident.accident_grade}（{incident.graded_by}），"
            f"应上报至{incident.report_up_to}")


@transaction.atomic
def create_incident(actor, data: dict) -> Incident:
    """接报: open an incident from a report. The region comes from the map point when given."""
    require_perm(actor, "incidents.add_incident")
    unknown = set(data) - set(INTAKE_FIELDS) - {"is_demo"}
    if unknown:
        raise ValidationError({f: ["不能在接报时填写此项。"] for f in unknown})
    data = dict(data)
    chosen = data.pop("region", None)
    if isinstance(chosen, int):
        chosen = Region.objects.filter(pk=chosen).first()
    incident = Incident(**data)
    _answer_production(incident, given=bool(data.get("production_activity")))
    incident.reported_at = incident.reported_at or timezone.now()
    incident.occurred_at = incident.occurred_at or incident.reported_at
    errors: dict = {}
    _place(actor, incident, chosen, errors)
    _check(actor, incident, errors)
    incident.duty_officer = person(actor)
    incident.number = _next_number(incident.reported_at)
    _apply_grade(incident)
    incident.save()
    how = dict(Incident.LOCATED_CHOICES)[incident.region_located_by]
    record(incident, "intake", f"{incident.get_source_display()}接报：{incident.title}（{incident.event_name}，"
           f"{incident.region.full_name}，区划{how}）", actor, data={"source": incident.source},
           time=incident.reported_at)
    scope = incident.order493_scope
    if incident.accident_grade:
        provisional = f"；{scope.reason}" if scope.provisional else ""
        record(incident, "grade", f"按493号令定级为{incident.accident_grade}（{incident.graded_by}），"
               f"应上报至{incident.report_up_to}{provisional}", actor, data={"grade": incident.accident_grade})
    elif scope is not None and incident.event_code.startswith("12"):  # an 事故灾难 code outside 493: say why
        record(incident, "grade", f"不适用493号令：{scope.reason}", actor,
               data={"production_activity": incident.production_activity})
    audit.record(actor, AuditEntry.CREATE, incident, audit.diff({}, audit.snapshot(incident)))
    reports.on_incident_opened(incident, actor)
    return incident


def _locked(incident: Incident) -> Incident:
    return Incident.objects.select_for_update(of=("self",)).select_related("region").get(pk=incident.pk)


def _require_open(incident: Incident):
    if incident.status == Incident.ARCHIVED:
        raise ValidationError({"status": ["事件已归档，不能再修改。"]})
    if incident.merged_into_id:
        raise ValidationError({"status": [f"事件已并入{incident.merged_into.number}，请在该事件上操作。"]})


@transaction.atomic
def update_incident(actor, incident: Incident, data: dict, reason: str = "") -> Incident:
    """Correct or complete an incident. Casualty or loss changes re-grade an accident and make a 续报 due."""
    require_perm(actor, "incidents.change_incident")
    incident = _locked(incident)
    require_region(actor, incident.region)
    _require_open(incident)
    unknown = set(data) - set(INTAKE_FIELDS)
    if unknown:
        raise ValidationError({f: ["此项不能在这里修改。"] for f in unknown})
    before = audit.snapshot(incident)
    data = dict(data)
    chosen = data.pop("region", incident.region)
    old_code, old_answer = incident.event_code, incident.production_activity
    for field, value in data.items():
        setattr(incident, field, value)
    _answer_production(incident, bool(data.get("production_activity")), old_code, old_answer)
    errors: dict = {}
    if "longitude" in data or "latitude" in data or chosen != incident.region:
        _place(actor, incident, chosen, errors)
    _check(actor, incident, errors)
    old_grade = _apply_grade(incident)
    incident.save()
    changes = audit.diff(before, audit.snapshot(incident))
    if not changes:
        return incident
    audit.record(actor, AuditEntry.UPDATE, incident, changes)
    casualty = {f: changes[f] for f in CASUALTY_FIELDS if f in changes}
    if casualty:
        labels = "，".join(f"{Incident._meta.get_field(f).verbose_name}{v[0]}→{v[1]}"
                          for f, v in casualty.items())
        record(incident, "casualty", f"伤亡损失变化：{labels}" + (f"（{reason}）" if reason else ""), actor,
               data=casualty)
    other = [Incident._meta.get_field(f).verbose_name for f in changes if f not in casualty
             and f not in ("accident_grade", "level", "graded_by", "grading_plan", "report_up_to",
                           "casualty_window_ends")]
    if other:
        record(incident, "edit", "修改了" + "、".join(other) + (f"（{reason}）" if reason else ""), actor,
               data={f: changes[f] for f in changes if f not in casualty})
    if old_grade is not None:
        record(incident, "grade", _grade_text(incident, old_grade), actor,
               data={"old": old_grade, "new": incident.accident_grade})
    if casualty or old_grade is not None:
        reports.on_incident_changed(incident, "伤亡损失变化" if old_grade is None else "事故等级调整", actor)
    return incident


@transaction.atomic
def set_level(actor, incident: Incident, level, reason: str, plan: str = "") -> Incident:
    """The commander grades an incident outside 493号令 Ⅰ–Ⅳ, by the criteria of `plan` (the name of the
    matching emergency plan, as the incident page pre-fills it) or by judgement (493 accidents are graded
    from their figures)."""
    require_perm(actor, "incidents.grade_incident")
    incident = _locked(incident)
    require_region(actor, incident.region)
    _require_open(incident)
    if incident.is_accident:
        raise ValidationError({"level": ["生产安全事故按493号令由伤亡和损失自动定级，请修改伤亡损失数字"
                                         "（不在生产经营活动中发生的，请修改“是否在生产经营活动中发生”）。"]})
    try:
        new = levels.by_level(level)
    except ValueError as exc:
        raise ValidationError({"level": [str(exc)]}) from None
    if not (reason or "").strip():
        raise ValidationError({"reason": ["定级须说明依据。"]})
    plan = (plan or "").strip().removeprefix("《").removesuffix("》")[:128]
    if incident.level == new.level and incident.grading_plan == plan:
        raise ValidationError({"level": [f"事件已是{new.roman}级。"]})
    old = incident.get_level_display() if incident.level else "未定级"
    before = audit.snapshot(incident)
    incident.level, incident.graded_by, incident.grading_plan = new.level, reason.strip()[:64], plan
    incident.save(update_fields=["level", "graded_by", "grading_plan", "updated_at"])
    audit.record(actor, AuditEntry.UPDATE, incident, audit.diff(before, audit.snapshot(incident)))
    record(incident, "grade", f"定级：{old} → {incident.get_level_display()}，{incident.grading_basis_label}"
           f"（{reason.strip()}）", actor, data={"old": before["level"], "new": new.level, "plan": plan})
    reports.on_incident_changed(incident, "事件定级调整", actor)
    return incident


@transaction.atomic
def change_status(actor, incident: Incident, status: str, reason: str = "") -> Incident:
    """Move the incident along its lifecycle, with actor and reason in the timeline."""
    require_perm(actor, "incidents.change_incident")
    return transition(actor, incident, status, reason)


def transition(actor, incident: Incident, status: str, reason: str = "") -> Incident:
    """The lifecycle move itself, also made by other services on the incident's behalf (a first
    dispatch puts it 处置中) whose actor holds their own permission rather than change_incident."""
    incident = _locked(incident)
    require_region(actor, incident.region)
    if incident.merged_into_id:
        _require_open(incident)
    if status not in dict(Incident.STATUS_CHOICES):
        raise ValidationError({"status": [f"未知状态“{status}”。"]})
    if status not in TRANSITIONS[incident.status]:
        allowed = "、".join(_status_label(s) for s in TRANSITIONS[incident.status]) or "无"
        raise ValidationError({"status": [f"事件处于“{incident.get_status_display()}”，不能变为“{_status_label(status)}”"
                                          f"（可变为：{allowed}）。"]})
    if not (reason or "").strip() and status in (Incident.ENDED, Incident.ARCHIVED, Incident.RESPONDING):
        raise ValidationError({"reason": [f"变更为“{_status_label(status)}”须说明原因。"]})
    if status == Incident.ARCHIVED:
        _check_archivable(incident)
    if status == Incident.ENDED and incident.assignments.filter(active=True).exists():
        raise ValidationError({"status": ["还有力量未归队，请先登记各力量归队后再结束事件。"]})
    status_changing.send(sender=Incident, incident=incident, old=incident.status, new=status, actor=actor)
    before = audit.snapshot(incident)
    old = incident.status
    incident.status = status
    incident.ended_at = timezone.now() if status == Incident.ENDED else (None if status != Incident.ARCHIVED
                                                                         else incident.ended_at)
    incident.save(update_fields=["status", "ended_at", "updated_at"])
    audit.record(actor, AuditEntry.UPDATE, incident, audit.diff(before, audit.snapshot(incident)))
    record(incident, "status", f"状态：{_status_label(old)} → {_status_label(status)}" + (
        f"（{reason.strip()}）" if reason.strip() else ""), actor, data={"old": old, "new": status})
    reports.on_status_changed(incident, old, actor)
    return incident


def _check_archivable(incident: Incident):
    if incident.reports.filter(status="due").exists():
        raise ValidationError({"status": ["还有待报的信息报告，报送（或说明取消）后才能归档。"]})


@transaction.atomic
def merge_incidents(actor, duplicate: Incident, into: Incident, reason: str = "") -> Incident:
    """A second report of the same event: the duplicate is closed into `into`; its reports, notes and
    public reports point at `into`, and both timelines say so."""
    require_perm(actor, "incidents.merge_incident")
    duplicate, into = _locked(duplicate), _locked(into)
    require_region(actor, duplicate.region)
    require_region(actor, into.region)
    if duplicate.pk == into.pk:
        raise ValidationError({"into": ["不能把事件并入它自己。"]})
    if duplicate.merged_into_id or into.merged_into_id:
        raise ValidationError({"into": ["其中一个事件已被合并过。"]})
    if into.status == Incident.ARCHIVED:
        raise ValidationError({"into": ["不能并入已归档的事件。"]})
    if duplicate.assignments.filter(active=True).exists():
        raise ValidationError({"into": ["重复事件上还有执行中的调派，请先在原事件上处理。"]})
    before = audit.snapshot(duplicate)
    duplicate.merged_into = into
    duplicate.status = Incident.ENDED
    duplicate.ended_at = timezone.now()
    duplicate.save(update_fields=["merged_into", "status", "ended_at", "updated_at"])
    update_audited(actor, duplicate.reports.filter(status="due"), status="cancelled", trigger="事件已合并")
    update_audited(actor, duplicate.public_reports.all(), incident=into)
    audit.record(actor, AuditEntry.UPDATE, duplicate, audit.diff(before, audit.snapshot(duplicate)))
    note = f"（{reason.strip()}）" if reason.strip() else ""
    record(duplicate, "merge", f"作为重复报告并入 {into.number}{note}", actor, data={"into": into.pk})
    record(into, "merge", f"并入重复报告 {duplicate.number}：{duplicate.get_source_display()}"
           f"{duplicate.reporter_name} {duplicate.reporter_phone}{note}", actor, data={"duplicate": duplicate.pk})
    return into


@transaction.atomic
def add_note(actor, incident: Incident, text: str, attachment=None):
    """A free note on the timeline (what the commander decided, a call from the scene…), optionally a file."""
    require_perm(actor, "incidents.add_timelineentry")
    require_region(actor, incident.region)
    _require_open(incident)
    errors = {} if (text or "").strip() else {"text": ["请填写记录内容。"]}
    info = None
    if attachment is not None:  # an image, PDF or Office file by its content, named as what it is
        try:
            info = check_attachment(attachment)
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)
    return record(incident, "note", text.strip(), actor, attachment=attachment, attachment_info=info)


# --- 493号令第十条: notifying 公安机关、劳动保障行政部门、工会、人民检察院 and reporting to 本级人民政府 ---------

def _jurisdiction(incident: Incident):
    """The region whose bodies the bureau notifies: the county where the incident happened (the lowest region
    above township level)."""
    upper = [r for r in incident.region.ancestors(include_self=True) if r.level in ("province", "city", "county")]
    return upper[-1] if upper else incident.region


def _registered_name(region, party) -> str:
    """A registered organisation of the region for the party, when there is one (乐至县公安局 in the demo)."""
    from yingji.core.models import Organisation

    words = {"government": None, "police": "公安", "labour": "人力资源", "union": "工会", "procuratorate": "检察院"}
    orgs = Organisation.objects.filter(region=region)
    found = (orgs.filter(type="government") if party.key == "government"
             else orgs.filter(name__contains=words[party.key]))
    return (found.order_by("id").values_list("name", flat=True).first()) or party.name


def article10_notices(incident: Incident) -> list[dict]:
    """The 第十条 bodies for a 493 accident, in 抄送 order, each {key, role, duty, name, notified_at, method,
    note, notified_by}; [] when 493号令 does not apply. What the incident page lists and the .docx copies to."""
    if not incident.is_accident:
        return []
    region = _jurisdiction(incident)
    done = {n.party: n for n in incident.article10_notices.select_related("notified_by")}
    rows = []
    for party in accidents.article10_parties(region.name):
        notice = done.get(party.key)
        rows.append({**party.as_dict(), "name": notice.name if notice else _registered_name(region, party),
                     "notified_at": notice.notified_at if notice else None,
                     "method": notice.get_method_display() if notice else "", "note": notice.note if notice else "",
                     "notified_by": str(notice.notified_by or "") if notice else ""})
    return rows


@transaction.atomic
def notify_article10(actor, incident: Incident, party: str, notified_at=None, method: str = "phone",
                     note: str = "") -> AccidentNotice:
    """Record that the bureau notified one 第十条 body (or reported to 本级人民政府): once per body, audited, on
    the timeline."""
    require_perm(actor, "incidents.change_incident")
    incident = _locked(incident)
    require_region(actor, incident.region)
    _require_open(incident)
    if not incident.is_accident:
        raise ValidationError({"party": ["本事件不适用493号令，无需按第十条通知。"]})
    rows = {row["key"]: row for row in article10_notices(incident)}
    if party not in rows:
        raise ValidationError({"party": [f"“{party}”不是第十条规定的通知对象。"]})
    if rows[party]["notified_at"] is not None:
        raise ValidationError({"party": [f"{rows[party]['name']}已登记{rows[party]['duty']}。"]})
    if method not in dict(AccidentNotice.METHOD_CHOICES):
        raise ValidationError({"method": [f"“{method}”不是有效的通知方式。"]})
    now = timezone.now()
    notified_at = notified_at or now
    if notified_at > now + timedelta(minutes=5):
        raise ValidationError({"notified_at": ["通知时间不能晚于当前时间。"]})
    notice = AccidentNotice.objects.create(incident=incident, party=party, name=rows[party]["name"],
                                           notified_at=notified_at, method=method, note=(note or "").strip()[:255],
                                           notified_by=person(actor))
    audit.record(actor, AuditEntry.CREATE, notice, audit.diff({}, audit.snapshot(notice)))
    how = notice.get_method_display() + (f"，{notice.note}" if notice.note else "")
    record(incident, "report", f"按493号令第十条{rows[party]['duty']}{notice.name}（{how}）", actor,
           data={"party": party}, time=notified_at)
    return notice
