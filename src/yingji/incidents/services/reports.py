"""Information reports (信息报告): the 首报, any number of 续报 and the 终报 of an incident.

Deadlines are computed when a report becomes due and stored on it (`due_at`, and `relay_deadlines` for
each level up the chain). The minutes come from settings, per deployment, since local rules are often
stricter than 国务院令第493号:

- 首报: `YINGJI_INITIAL_REPORT_MINUTES` (60) after the bureau learned of the incident (`reported_at`),
  to the level above the county where it happened (e.g. 资阳市应急管理局), 第九条;
- each relay one level further up: `YINGJI_RELAY_REPORT_MINUTES` (120) after the level below, 第十一条;
- 续报: `YINGJI_FOLLOW_UP_REPORT_MINUTES` (60) after casualties, loss, grade or status changed; the 终报
  the same time after the incident ended.

How far up a report goes: production-safety accidents by 第十条 from their grade (`report_up_to`:
一般 → 设区的市, 较大 → 省, 重大/特别重大 → 国务院安全生产监督管理部门). Other incidents have no such article;
we chose the same chain by their level: Ⅳ/Ⅲ → 设区的市, Ⅱ → 省, Ⅰ → 国务院, and 设区的市 until graded
(the least any incident is reported to, and raised as soon as it is graded).

At most one 续报 is due at a time: a later change is appended to its trigger. While the 首报 is still due
it carries any change itself, and so does a due 终报. A 续报 or 终报 cannot be issued before the 首报.
Content is the six items of 第十二条, pre-filled from the incident and its timeline, editable until the
report is issued; the issued content and .docx are kept as issued.

The incident services call the three `on_…` hooks inside their own transaction.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Q
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Organisation
from yingji.core.scoping import require_region, scope
from yingji.core.services import person, require_perm
from yingji.standards import accidents

from ..models import DutyShift, Incident, InformationReport, TimelineEntry
from . import report_docx
from .timeline import record

# 第十二条: what a report contains, in order. Keys are what the form, the API and `content` use.
SECTIONS = [
    ("unit_overview", "事故发生单位概况"),
    ("time_place_scene", "发生的时间、地点以及现场情况"),
    ("account", "简要经过"),
    ("casualties_loss", "伤亡人数（含下落不明）和初步估计的直接经济损失"),
    ("measures", "已经采取的措施"),
    ("other", "其他"),
]
SIGNATURE = [("filled_by", "填报人"), ("phone", "联系电话")]
CONTENT_LABELS = dict(SECTIONS + SIGNATURE)
MAX_CHARS = {"filled_by": 64, "phone": 32}
MAX_SECTION_CHARS = 5000
REQUIRED = [key for key, _ in SECTIONS] + ["filled_by"]  # the phone is asked for, not required
# Timeline entries that are measures taken (已经采取的措施) and those that tell what happened (简要经过).
MEASURE_KINDS = ("dispatch", "activation", "task", "note")
ACCOUNT_KINDS = ("status", "grade", "casualty", "merge")
CASUALTY_REASONS = ("伤亡", "事故等级")  # the reasons update_incident gives when figures changed

CITY, PROVINCE, NATIONAL = "city", "province", "national"
CHAIN = (CITY, PROVINCE, NATIONAL)
CHAIN_LABELS = {CITY: "设区的市级应急管理部门", PROVINCE: "省级应急管理部门", NATIONAL: "国务院应急管理部门"}
NATIONAL_BUREAU = "应急管理部"


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=getattr(settings, f"YINGJI_{name}_REPORT_MINUTES"))


def local_text(when, with_year=True) -> str:
    """2026年3月5日14时05分 (Asia/Shanghai)."""
    if when is None:
        return ""
    t = timezone.localtime(when)
    return (f"{t.year}年" if with_year else "") + f"{t.month}月{t.day}日{t:%H}时{t:%M}分"


def duration_text(delta: timedelta) -> str:
    """A span as people say it: 2天3小时, 1小时5分, 12分, 40秒."""
    seconds = max(0, int(abs(delta.total_seconds())))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}天{hours}小时" if hours else f"{days}天"
    if hours:
        return f"{hours}小时{minutes}分" if minutes else f"{hours}小时"
    return f"{minutes}分" if minutes else f"{secs}秒"


def wan_text(value) -> str:
    """12.50 → "12.5", 120.00 → "120" (万元)."""
    number = Decimal(value or 0).quantize(Decimal("0.01"))
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


# --- The reporting chain -----------------------------------------------------

def report_target(incident: Incident) -> str:
    """How far up the incident is reported: CITY, PROVINCE or NATIONAL (see the module note)."""
    if incident.is_accident:
        text = incident.report_up_to or {"特别重大事故": "国务院", "重大事故": "国务院", "较大事故": "省"}.get(
            incident.accident_grade, "")
        return NATIONAL if "国务院" in text else PROVINCE if "省" in text else CITY
    return {1: NATIONAL, 2: PROVINCE}.get(incident.level, CITY)


def report_target_label(incident: Incident) -> str:
    if incident.is_accident and incident.report_up_to:
        return incident.report_up_to
    return CHAIN_LABELS[report_target(incident)]


def _bureau(region, level: str) -> str:
    """The emergency-management bureau of a region: the registered organisation when there is one."""
    if level == NATIONAL:
        return NATIONAL_BUREAU
    organisations = Organisation.objects.filter(region=region, type="emergency")
    found = (organisations.filter(name__contains="应急管理").order_by("id").first()
             or organisations.order_by("id").first())
    if found is not None:
        return found.name
    return region.name + ("应急管理厅" if level == PROVINCE else "应急管理局")


def _lineage(incident: Incident) -> tuple:
    """(the reporting region: the county where it happened, or the lowest region above township level;
    {chain level: region} above it)."""
    lineage = incident.region.ancestors(include_self=True)
    upper = [r for r in lineage if r.level in ("province", "city", "county")]
    reporting = upper[-1] if upper else incident.region
    above = {r.level: r for r in upper if r.level in (PROVINCE, CITY) and r.pk != reporting.pk}
    return reporting, above


def sender(incident: Incident) -> str:
    """The bureau that files the reports: that of the county where the incident happened."""
    reporting, _ = _lineage(incident)
    return _bureau(reporting, reporting.level if reporting.level in (PROVINCE, CITY) else "county")


def hops(incident: Incident) -> list[tuple[str, str]]:
    """[(level, bureau)] from the level above the reporting county up to the incident's target level
    (at least one: the 首报's recipient)."""
    reporting, above = _lineage(incident)
    first = {"county": CITY, CITY: PROVINCE, PROVINCE: NATIONAL}.get(reporting.level, CITY)
    start, end = CHAIN.index(first), CHAIN.index(report_target(incident))
    out = []
    for level in CHAIN[start:max(start, end) + 1]:
        region = above.get(level)
        if level != NATIONAL and region is None:
            out.append((level, CHAIN_LABELS[level]))
        else:
            out.append((level, _bureau(region, level)))
    return out


def relay_deadlines(chain: list, due_at, issued_at=None) -> list[dict]:
    """Each level's deadline: the first is the report's own; each next one relay minutes after the one
    below, counted from the issue time once the report has gone."""
    relay = _minutes("RELAY")
    base = issued_at or due_at
    out = []
    for index, (level, bureau) in enumerate(chain):
        entry = {"level": level, "to": bureau,
                 "due": (due_at if index == 0 else base + relay * index).isoformat()}
        if index == 0 and issued_at is not None:
            entry["reported_at"] = issued_at.isoformat()
        out.append(entry)
    return out


# --- Casualty window (第十三条) -------------------------------------------------

def casualty_window(incident: Incident, now=None) -> dict:
    """Whether the 30-day (7 for road traffic and fire) window for reporting casualty changes is open."""
    now = now or timezone.now()
    ends = incident.casualty_window_ends
    if ends is None:
        return {"applies": False, "open": None, "ends": None, "days": None,
                "text": "不适用（非生产安全事故，不按493号令第十三条计算）"}
    days = accidents.casualty_window_days(incident.event_code)
    is_open = now <= ends
    left = f"，还剩{duration_text(ends - now)}" if is_open else ""
    text = (f"493号令第十三条：事故发生之日起{days}日内伤亡人数变化应补报，"
            f"{'补报期至' if is_open else '补报期已于'}{local_text(ends)}{'' if is_open else '结束'}{left}")
    return {"applies": True, "open": is_open, "ends": ends, "days": days, "text": text}


def _casualty_reason(incident: Incident, reason: str, now) -> str:
    if not any(word in reason for word in CASUALTY_REASONS):
        return reason
    ends = incident.casualty_window_ends
    if ends is not None and now > ends:
        return f"{reason}（已过493号令第十三条伤亡变化补报期，补报期于{local_text(ends)}结束）"
    return reason


# --- Creating and updating due reports ---------------------------------------

def _snapshot(report: InformationReport) -> dict:
    data = audit.snapshot(report)
    data["document"] = report.document.name or ""
    return data


def _append(text: str, addition: str) -> str:
    if not addition or addition in text:
        return text
    joined = f"{text}；{addition}" if text else addition
    return joined if len(joined) <= 255 else joined[:254] + "…"


def _create(actor, incident: Incident, kind: str, trigger: str, due_at) -> InformationReport:
    sequence = (incident.reports.filter(kind=kind).aggregate(n=Max("sequence"))["n"] or 0) + 1
    chain = hops(incident)
    report = InformationReport.objects.create(
        incident=incident, kind=kind, sequence=sequence, trigger=_append("", trigger), due_at=due_at,
        recipient=chain[0][1], relay_deadlines=relay_deadlines(chain, due_at))
    audit.record(actor, AuditEntry.CREATE, report, audit.diff({}, _snapshot(report)))
    return report


def _update(actor, report: InformationReport, **changes):
    before = _snapshot(report)
    for name, value in changes.items():
        setattr(report, name, value)
    report.save(update_fields=list(changes))
    diff = audit.diff(before, _snapshot(report))
    if diff:
        audit.record(actor, AuditEntry.UPDATE, report, diff)
    return report


def _due(incident: Incident, kind: str | None = None):
    """The incident's due reports, locked: an issue running at the same time finishes first, and then the
    report is no longer due (so a change is never appended to a report that has just gone)."""
    qs = incident.reports.select_for_update().filter(status=InformationReport.DUE)
    return qs.filter(kind=kind) if kind else qs


def _carrier(incident: Incident) -> InformationReport | None:
    """The due report that will carry a change: the 首报 while it is due, else a due 终报, else the due 续报."""
    for kind in (InformationReport.INITIAL, InformationReport.FINAL, InformationReport.FOLLOW_UP):
        found = _due(incident, kind).order_by("sequence").first()
        if found is not None:
            return found
    return None


def _refresh_chains(actor, incident: Incident):
    """The grade or level may have changed how far up the due reports must go."""
    chain = hops(incident)
    for report in _due(incident):
        deadlines = relay_deadlines(chain, report.due_at)
        if deadlines != report.relay_deadlines:
            _update(actor, report, relay_deadlines=deadlines)


def _follow_up(actor, incident: Incident, reason: str) -> InformationReport:
    carrier = _carrier(incident)
    if carrier is not None:
        return _update(actor, carrier, trigger=_append(carrier.trigger, reason))
    return _create(actor, incident, InformationReport.FOLLOW_UP, reason, timezone.now() + _minutes("FOLLOW_UP"))


@transaction.atomic
def on_incident_opened(incident: Incident, actor) -> InformationReport:
    """A new incident: the 首报 becomes due `YINGJI_INITIAL_REPORT_MINUTES` after it was reported."""
    existing = incident.reports.filter(kind=InformationReport.INITIAL).first()
    if existing is not None:
        return existing
    return _create(actor, incident, InformationReport.INITIAL, "接报",
                   incident.reported_at + _minutes("INITIAL"))


@transaction.atomic
def on_incident_changed(incident: Incident, reason: str, actor) -> InformationReport:
    """Casualties, loss or grade changed: a 续报 becomes due (or the due report carries the change).
    After the 第十三条 window has closed the change is still reported, and the trigger says so."""
    _refresh_chains(actor, incident)
    return _follow_up(actor, incident, _casualty_reason(incident, reason, timezone.now()))


@transaction.atomic
def on_status_changed(incident: Incident, old_status: str, actor) -> InformationReport | None:
    """The status changed: a 续报 becomes due; when the incident ended, the 终报 (which also carries what a
    due 续报 would have said). Reopening an ended incident withdraws its due 终报."""
    labels = dict(Incident.STATUS_CHOICES)
    new = incident.status
    reason = f"状态变更：{labels.get(old_status, old_status)}→{labels.get(new, new)}"
    if new == Incident.ARCHIVED:
        return None
    if new == Incident.ENDED:
        carried = []
        for report in _due(incident, InformationReport.FOLLOW_UP):
            carried.append(report.trigger)
            _update(actor, report, status=InformationReport.CANCELLED,
                    trigger=_append(report.trigger, "事件已结束，由终报一并报告"))
        final = _due(incident, InformationReport.FINAL).first()
        if final is not None:
            return _update(actor, final, trigger=_append(final.trigger, reason))
        trigger = "事件结束" + (f"（含待报续报事项：{'；'.join(carried)}）" if carried else "")
        return _create(actor, incident, InformationReport.FINAL, trigger, timezone.now() + _minutes("FOLLOW_UP"))
    if old_status == Incident.ENDED:
        for report in _due(incident, InformationReport.FINAL):
            _update(actor, report, status=InformationReport.CANCELLED,
                    trigger=_append(report.trigger, "事件恢复处置，终报撤回"))
    return _follow_up(actor, incident, reason)


# --- Content (第十二条) ----------------------------------------------------------

def _line(entry: TimelineEntry) -> str:
    t = timezone.localtime(entry.time)
    return f"{t.month}月{t.day}日{t:%H:%M}　{entry.text.strip()}"


def _place(incident: Incident) -> str:
    names = "".join(r.name for r in incident.region.ancestors(include_self=True))
    where = names + (incident.address or "")
    if incident.longitude is not None and incident.latitude is not None:
        where += f"（东经{incident.longitude:.6f}°，北纬{incident.latitude:.6f}°）"
    return where


def casualty_sentence(incident: Incident, now=None) -> str:
    now = now or timezone.now()
    text = (f"截至{local_text(now, with_year=False)}，已造成{incident.deaths}人死亡、{incident.missing}人下落不明、"
            f"{incident.serious_injuries}人重伤、{incident.injuries}人轻伤")
    if incident.people_affected:
        text += f"，受影响群众{incident.people_affected}人"
    return text + f"；初步估计直接经济损失{wan_text(incident.direct_loss_wan)}万元。"


def draft_content(report: InformationReport, actor=None) -> dict:
    """The six 第十二条 items (and 填报人, phone) pre-filled from the incident and its timeline."""
    incident = report.incident
    now = timezone.now()
    entries = list(incident.timeline.order_by("time", "id"))
    bureau = sender(incident)

    if incident.unit_overview.strip():
        unit = incident.unit_overview.strip()
    elif incident.is_accident:
        unit = "（事故发生单位名称、地址、性质、产能、安全生产许可等情况待核实后补充）"
    else:
        unit = f"本事件为{incident.event_name}，不涉及生产经营单位。"

    scene = f"{local_text(incident.occurred_at)}，{_place(incident)}发生{incident.event_name}。"
    if incident.description.strip():
        scene += f"\n现场情况：{incident.description.strip()}"

    reporter = "、".join(x for x in (incident.reporter_name, incident.reporter_phone) if x)
    account = [f"{local_text(incident.reported_at)}，{bureau}通过{incident.get_source_display()}接到报告"
               + (f"（报告人：{reporter}）" if reporter else "") + "。"]
    account += [_line(e) for e in entries if e.kind in ACCOUNT_KINDS]

    measures = "\n".join(_line(e) for e in entries if e.kind in MEASURE_KINDS) or "暂未记录处置措施。"

    other = []
    if incident.is_drill:
        other.append("本事件为演练。")
    if incident.is_accident:
        basis = incident.graded_by.removeprefix("493号令：")
        other.append(f"按493号令第三条初步认定为{incident.accident_grade}" + (f"（{basis}）" if basis else "")
                     + f"，应逐级上报至{report_target_label(incident)}。")
    else:
        other.append(f"事件级别：{incident.grade_label}，应逐级上报至{report_target_label(incident)}。")
    window = casualty_window(incident, now)
    if window["applies"]:
        other.append(f"按493号令第十三条，事故发生之日起{window['days']}日内（至{local_text(window['ends'])}）"
                     "伤亡人数发生变化的，将及时补报。" if window["open"] else window["text"] + "。")
    if report.kind == InformationReport.FOLLOW_UP and report.trigger:
        other.append(f"本次续报原因：{report.trigger}。")
    if report.kind == InformationReport.FINAL:
        ended = f"于{local_text(incident.ended_at)}" if incident.ended_at else ""
        other.append(f"事件已{ended}结束，本报告为终报。")

    signer = person(actor) or incident.duty_officer
    return {
        "unit_overview": unit, "time_place_scene": scene, "account": "\n".join(account),
        "casualties_loss": casualty_sentence(incident, now), "measures": measures, "other": "\n".join(other),
        "filled_by": str(signer) if signer is not None else "", "phone": _phone(incident, signer, bureau, now),
    }


def _phone(incident: Incident, filer, bureau: str, now) -> str:
    """The filer's mobile, else the duty phone of the shift on now at the reporting county, else the bureau's."""
    if getattr(filer, "phone", ""):
        return filer.phone
    reporting, _ = _lineage(incident)
    shift = (DutyShift.objects.filter(region=reporting, starts_at__lte=now, ends_at__gt=now).exclude(phone="")
             .order_by("-starts_at").values_list("phone", flat=True).first())
    return shift or Organisation.objects.filter(name=bureau).exclude(phone="").values_list("phone", flat=True).first() or ""


def current_content(report: InformationReport, actor=None) -> dict:
    """What the edit form shows: the saved (or issued) content, else a fresh draft."""
    if report.content:
        return {key: report.content.get(key, "") for key in CONTENT_LABELS}
    return draft_content(report, actor)


def _clean(report: InformationReport, content, actor) -> dict:
    """Merge `content` into the current content, refusing what is not an item of the report."""
    if content is None:
        content = {}
    if not isinstance(content, dict):
        raise ValidationError({"content": ["报告内容应为各项内容组成的对象，例如 {\"measures\": \"…\"}。"]})
    merged = current_content(report, actor)
    errors = {}
    for key, value in content.items():
        label = CONTENT_LABELS.get(key)
        if label is None:
            errors[str(key)] = [f"未知的报告内容项“{key}”，可填：{'、'.join(CONTENT_LABELS)}。"]
            continue
        if value is None:
            value = ""
        if not isinstance(value, str):
            errors[key] = [f"“{label}”应为文字。"]
            continue
        value = value.replace("\r\n", "\n").strip()
        limit = MAX_CHARS.get(key, MAX_SECTION_CHARS)
        if len(value) > limit:
            errors[key] = [f"“{label}”不能超过 {limit} 字（现有 {len(value)} 字）。"]
        merged[key] = value
    if errors:
        raise ValidationError(errors)
    return merged


def _require_complete(content: dict):
    errors = {key: [f"报送前请填写“{label}”（没有的可填“无”）。"]
              for key, label in CONTENT_LABELS.items() if key in REQUIRED and not content.get(key, "").strip()}
    if errors:
        raise ValidationError(errors)


def _locked(report: InformationReport) -> InformationReport:
    return (InformationReport.objects.select_for_update().select_related("incident", "incident__region")
            .get(pk=report.pk))


def _require_due(report: InformationReport, doing: str):
    if report.status == InformationReport.ISSUED:
        raise ValidationError({"status": [
            f"{report}已于{local_text(report.issued_at)}报送，已报送的报告保持报送时的内容，不能再{doing}；"
            "如有新情况，请报送续报。"]})
    if report.status == InformationReport.CANCELLED:
        raise ValidationError({"status": [f"{report}已取消，不能再{doing}。"]})


def _check_actor(actor, report: InformationReport):
    require_perm(actor, "incidents.change_informationreport")
    require_region(actor, report.incident.region, field="incident")


# Drafting a report needs change_informationreport (township staff draft their own incidents' reports);
# issuing or cancelling it needs the duty seat's add_informationreport too, which townships do not hold.
ISSUE_PERM = "incidents.add_informationreport"


@transaction.atomic
def save_content(actor, report: InformationReport, content: dict) -> InformationReport:
    """Edit a due report before it is issued (items not given keep their current text)."""
    report = _locked(report)
    _check_actor(actor, report)
    _require_due(report, "修改")
    merged = _clean(report, content, actor)
    return _update(actor, report, content=merged)


def document_data(report: InformationReport, content: dict, draft: bool = False) -> report_docx.ReportDocument:
    incident = report.incident
    return report_docx.ReportDocument(
        title=f"关于{incident.title}的{report}", number=incident.number, sender=sender(incident),
        recipient=report.recipient, signed_by=str(report.issued_by) if report.issued_by else "",
        issued_at=local_text(report.issued_at), sections=[(label, content.get(key, "")) for key, label in SECTIONS],
        filled_by=content.get("filled_by", ""), phone=content.get("phone", ""), draft=draft)


def render_document(report: InformationReport, content: dict | None = None, draft: bool = False) -> bytes:
    return report_docx.render(document_data(report, content if content is not None else current_content(report),
                                            draft=draft))


def document_filename(report: InformationReport) -> str:
    """What a person downloads: YJ20260305-0001-续报（第2次）.docx."""
    return f"{report.incident.number}-{report}.docx"


@transaction.atomic
def issue_report(actor, report: InformationReport, content: dict | None = None) -> InformationReport:
    """签发报送: the content (with any last edits) is frozen, the .docx rendered and stored, the chain of
    relay deadlines counted again from now, and the timeline says whether it went on time."""
    report = _locked(report)
    _check_actor(actor, report)
    require_perm(actor, ISSUE_PERM)
    _require_due(report, "报送")
    incident = report.incident
    if report.kind != InformationReport.INITIAL:
        initial = incident.reports.filter(kind=InformationReport.INITIAL).order_by("sequence").first()
        if initial is None or initial.status != InformationReport.ISSUED:
            state = "已取消" if initial is not None and initial.status == InformationReport.CANCELLED else "尚未报送"
            raise ValidationError({"kind": [f"本事件的首报{state}，须先报送首报，才能报送{report}。"]})
    merged = _clean(report, content, actor)
    _require_complete(merged)
    before = _snapshot(report)
    now = timezone.now()
    report.content, report.issued_at, report.issued_by = merged, now, person(actor)
    report.status = InformationReport.ISSUED
    report.relay_deadlines = relay_deadlines(hops(incident), report.due_at, issued_at=now)
    name = f"{incident.number}-{report.kind}-{report.sequence}.docx"
    report.document.save(name, ContentFile(render_document(report, merged)), save=False)
    report.save()
    late = now - report.due_at
    timing = f"超时{duration_text(late)}" if late.total_seconds() > 0 else "按时"
    record(incident, "report", f"报送{report}至{report.recipient}（{timing}）", actor, time=now,
           data={"report": report.pk, "kind": report.kind, "sequence": report.sequence,
                 "late_s": max(0, int(late.total_seconds()))})
    audit.record(actor, AuditEntry.UPDATE, report, audit.diff(before, _snapshot(report)))
    return report


@transaction.atomic
def cancel_report(actor, report: InformationReport, reason: str) -> InformationReport:
    """Withdraw a due report (e.g. the incident was a false alarm), with the reason in the timeline."""
    report = _locked(report)
    _check_actor(actor, report)
    require_perm(actor, ISSUE_PERM)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": ["取消报告须说明原因。"]})
    if len(reason) > 200:
        raise ValidationError({"reason": ["取消原因不能超过 200 字。"]})
    _require_due(report, "取消")
    _update(actor, report, status=InformationReport.CANCELLED, trigger=_append(report.trigger, f"已取消：{reason}"))
    record(report.incident, "report", f"取消{report}（{reason}）", actor,
           data={"report": report.pk, "kind": report.kind, "sequence": report.sequence, "cancelled": True})
    return report


# --- Queries -------------------------------------------------------------------

def with_overdue(queryset, now=None):
    """Annotate `overdue`: still due and past its deadline."""
    now = now or timezone.now()
    return queryset.annotate(overdue=ExpressionWrapper(Q(status=InformationReport.DUE, due_at__lt=now),
                                                       output_field=BooleanField()))


def due_reports(user, now=None):
    """The reports still to be filed in the user's region, soonest first, each with `overdue`."""
    qs = scope(InformationReport.objects.filter(status=InformationReport.DUE), user)
    return with_overdue(qs.select_related("incident", "incident__region"), now).order_by("due_at", "id")


def countdown(report: InformationReport, now=None) -> dict:
    """Seconds left (negative when overdue) and the words for it, for pages that show a countdown."""
    now = now or timezone.now()
    if report.status != InformationReport.DUE:
        return {"seconds": None, "overdue": False, "text": ""}
    left = report.due_at - now
    overdue = left.total_seconds() < 0
    return {"seconds": int(left.total_seconds()), "overdue": overdue,
            "text": f"已超时 {duration_text(left)}" if overdue else f"剩余 {duration_text(left)}"}
