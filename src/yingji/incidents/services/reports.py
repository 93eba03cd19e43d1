"""Information reports (信息报告): the 首报, any number of 续报 and the 终报 of an incident.

Deadlines are computed when a report becomes due and stored on it (`due_at`, and `relay_deadlines` for
each level up the chain). The minutes come from settings, per deployment, since local rules are often
stricter than 国务院令第493号:

- 首报: `YINGJI_INITIAL_REPORT_MINUTES` (60) after the bureau learned of the incident (`reported_at`),
  to the level above the county where it happened (e.g. 资阳市应急管理局): a local rule within 第十一条's 2 h
  (第九条's 1 hour binds the accident unit's 单位负责人, not the bureau);
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

This module keeps the deadlines, the chain and the creation of due reports, and the queries. The text of a
report is drafted in report_content.py; saving, issuing, cancelling and the workflow across levels
(提交审核 → 审核 → 签发 → 送达 → 签收, 催报) are in report_workflow.py. Their names are also reachable here
(`services.reports.issue_report`, `…current_content`), so callers need not know the split.
"""


from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import BooleanField, ExpressionWrapper, Max, Q
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Organisation
from yingji.core.scoping import scope
from yingji.standards import accidents

from ..models import Incident, InformationReport

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
    for report in incident.reports.select_for_update().filter(status__in=InformationReport.PENDING):
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


# --- Queries -------------------------------------------------------------------

def with_overdue(queryset, now=None):
    """Annotate `overdue`: not yet issued (drafting, in review or awaiting signature) and past its deadline."""
    now = now or timezone.now()
    return queryset.annotate(overdue=ExpressionWrapper(Q(status__in=InformationReport.PENDING, due_at__lt=now),
                                                       output_field=BooleanField()))


def due_reports(user, now=None):
    """The reports still to be filed in the user's region, soonest first, each with `overdue`."""
    qs = scope(InformationReport.objects.filter(status__in=InformationReport.PENDING), user)
    return with_overdue(qs.select_related("incident", "incident__region"), now).order_by("due_at", "id")


def countdown(report: InformationReport, now=None) -> dict:
    """Seconds left (negative when overdue) and the words for it, for pages that show a countdown."""
    now = now or timezone.now()
    if not report.is_pending:
        return {"seconds": None, "overdue": False, "text": ""}
    left = report.due_at - now
    overdue = left.total_seconds() < 0
    return {"seconds": int(left.total_seconds()), "overdue": overdue,
            "text": f"已超时 {duration_text(left)}" if overdue else f"剩余 {duration_text(left)}"}


# --- The parts that moved out -------------------------------------------------------

def __getattr__(name):
    """`reports.current_content`, `reports.issue_report`…: the content and workflow functions, looked up in
    their own modules when first asked for (they import this one, so not at import time). Dunder names
    (`__path__`, asked by every `from .reports import …`) are not theirs."""
    if name.startswith("__"):
        raise AttributeError(name)
    from . import report_content, report_workflow

    for module in (report_content, report_workflow):
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
