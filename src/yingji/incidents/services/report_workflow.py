"""Saving, issuing and cancelling information reports, and the workflow across levels.

A report is drafted (待报), 提交审核 (待审核), reviewed — passed (待签发) or 退回 to drafting with the reason —
then 签发 (已签发报送) after an explicit confirmation, and delivered to the next level up (ReportDelivery),
whose duty officer 签收s it; late receipt is flagged. A level above the reporting bureau may 催报 a report
not yet issued (ReportUrge). Every step is one transaction on the locked report, audited, and on the
incident timeline. The deadline (`due_at`) runs until 签发, whatever the step.

Who may do what is set per deployment (settings, README): YINGJI_REPORT_DRAFTERS, _REVIEWERS, _SIGNERS,
YINGJI_NIGHT_SIGNERS during YINGJI_NIGHT_HOURS (local), YINGJI_REPORT_RECEIVERS, YINGJI_REPORT_URGERS,
YINGJI_RECEIPT_MINUTES. Reviewing and signing are the bureau's: the user's region must be the reporting
county (the issuing bureau) or above, and the reviewer is never the drafter.

For the notification badge: reports_to_review(user), reports_to_sign(user), deliveries_to_receive(user),
urges_for(user) return querysets.

`issue_report` is the direct issue (no review) kept for the system itself (demo loader) and older callers;
no page or API route leads to it: they sign through sign_report.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry
from yingji.core.scoping import require_region, scope
from yingji.core.services import person, require_perm

from ..models import InformationReport, ReportDelivery, ReportUrge
from .report_content import _clean, _require_complete, _store, facts, render_document
from .reports import _append, _lineage, _snapshot, _update, duration_text, hops, local_text, relay_deadlines
from .timeline import record

BUREAU_LEVELS = ("province", "city", "county")  # the levels that review, sign and receive reports

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
    _require_role(actor, "YINGJI_REPORT_DRAFTERS", "拟稿")
    _check_actor(actor, report)
    _require_drafting(report, "修改")
    merged = _clean(report, content, actor)
    return _update(actor, report, **_store(report, merged))



@transaction.atomic
def issue_report(actor, report: InformationReport, content: dict | None = None) -> InformationReport:
    """The direct issue, without review (see the module note): the system's, and the seat's where no route
    leads. The content (with any last edits) is frozen as in sign_report."""
    report = _locked(report)
    _check_actor(actor, report)
    require_perm(actor, ISSUE_PERM)
    _require_due(report, "报送")
    return _issue(actor, report, content, timezone.now())


def _require_initial_first(report: InformationReport):
    if report.kind != InformationReport.INITIAL:
        initial = report.incident.reports.filter(kind=InformationReport.INITIAL).order_by("sequence").first()
        if initial is None or initial.status != InformationReport.ISSUED:
            state = "已取消" if initial is not None and initial.status == InformationReport.CANCELLED else "尚未报送"
            raise ValidationError({"kind": [f"本事件的首报{state}，须先报送首报，才能报送{report}。"]})


def _issue(actor, report: InformationReport, content, now, verb="报送") -> InformationReport:
    """Freeze the content, render and store the .docx, count the relay deadlines again from now, and say on
    the timeline whether it went on time."""
    _require_initial_first(report)
    incident = report.incident
    merged = _clean(report, content, actor)
    _require_complete(report, merged)
    before = _snapshot(report)
    for name, value in _store(report, merged).items():
        setattr(report, name, value)
    report.issued_at, report.issued_by, report.facts = now, person(actor), facts(incident)
    report.status = InformationReport.ISSUED
    report.relay_deadlines = relay_deadlines(hops(incident), report.due_at, issued_at=now)
    name = f"{incident.number}-{report.kind}-{report.sequence}.docx"
    report.document.save(name, ContentFile(render_document(report, merged)), save=False)
    report.save()
    late = now - report.due_at
    timing = f"超时{duration_text(late)}" if late.total_seconds() > 0 else "按时"
    record(incident, "report", f"{verb}{report}至{report.recipient}（{timing}）", actor, time=now,
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



# --- Who may do what ---------------------------------------------------------------------------------------

STEP_ROLES = {"YINGJI_REPORT_DRAFTERS": "拟稿", "YINGJI_REPORT_REVIEWERS": "审核", "YINGJI_REPORT_SIGNERS": "签发",
              "YINGJI_REPORT_RECEIVERS": "签收", "YINGJI_REPORT_URGERS": "催报"}


def _role_names(user) -> set[str]:
    """The user's roles, asked once per user object (a request's user; the bell asks for four sources)."""
    cached = getattr(user, "_yingji_role_names", None)
    if cached is None:
        cached = user._yingji_role_names = {group.name for group in user.groups.all()}
    return cached


def has_role(user, setting: str) -> bool:
    """The user holds one of the roles the setting names (the system and superusers hold them all)."""
    if user is None or user.is_superuser:
        return True
    return bool(_role_names(user) & set(getattr(settings, setting)))


def _roles_text(setting: str) -> str:
    return "、".join(getattr(settings, setting)) or "（未设置）"


def _require_role(actor, setting: str, step: str):
    if not has_role(actor, setting):
        raise PermissionDenied(f"{step}信息报告须由{_roles_text(setting)}进行，您的角色不能{step}。")


def _night_hours() -> tuple:
    try:
        start, end = (datetime.strptime(part.strip(), "%H:%M").time()
                      for part in settings.YINGJI_NIGHT_HOURS.split("-"))
    except ValueError:
        raise ImproperlyConfigured(f"YINGJI_NIGHT_HOURS 应写作“22:00-07:00”，现为“{settings.YINGJI_NIGHT_HOURS}”。") from None
    return start, end


def is_night(now=None) -> bool:
    """Within YINGJI_NIGHT_HOURS, local time (22:00-07:00 spans midnight)."""
    start, end = _night_hours()
    t = timezone.localtime(now or timezone.now()).time()
    return (start <= t < end) if start < end else (t >= start or t < end)


def night_hours_text() -> str:
    start, end = _night_hours()
    return f"{start:%H:%M}至{'次日' if end <= start else ''}{end:%H:%M}"


def may_sign_role(user, now=None) -> bool:
    return has_role(user, "YINGJI_REPORT_SIGNERS") or (
        has_role(user, "YINGJI_NIGHT_SIGNERS") and bool(settings.YINGJI_NIGHT_SIGNERS) and is_night(now))


def _require_signer(actor, now):
    if may_sign_role(actor, now):
        return
    night = (f"；夜间（{night_hours_text()}）{_roles_text('YINGJI_NIGHT_SIGNERS')}也可签发"
             if settings.YINGJI_NIGHT_SIGNERS else "")
    raise PermissionDenied(f"签发信息报告须由{_roles_text('YINGJI_REPORT_SIGNERS')}进行{night}，您现在不能签发。")


def issuing_region(report: InformationReport):
    """The region whose bureau issues the report: the county where the incident happened (services.reports)."""
    return _lineage(report.incident)[0]


def _at_bureau_level(user, report: InformationReport) -> bool:
    """The user's region is the issuing bureau's or above it."""
    if user is None or user.is_superuser:
        return True
    region = getattr(user, "region", None)
    return region is not None and issuing_region(report).path.startswith(region.path)


def _require_bureau(actor, report: InformationReport, step: str):
    if not _at_bureau_level(actor, report):
        bureau = issuing_region(report)
        raise PermissionDenied(f"{report}由{bureau.name}应急管理部门报出，须由{bureau.name}或其上级的人员{step}；"
                               f"{actor.region.name if actor.region_id else '您'}不能{step}。")


def _require_status(report: InformationReport, status: str, doing: str):
    if report.status == status:
        return
    if report.status in (InformationReport.ISSUED, InformationReport.CANCELLED):
        _require_due(report, doing)
    raise ValidationError({"status": [f"{report}当前为“{report.get_status_display()}”，不能{doing}。"]})


def _require_drafting(report: InformationReport, doing: str):
    _require_due(report, doing)
    if report.status in (InformationReport.SUBMITTED, InformationReport.REVIEWED):
        raise ValidationError({"status": [f"{report}已提交审核（{report.get_status_display()}），不能再{doing}；"
                                          "如需修改，请审核人退回。"]})


def may_draft(user, report: InformationReport) -> bool:
    return (report.status == InformationReport.DUE and user.has_perm("incidents.change_informationreport")
            and has_role(user, "YINGJI_REPORT_DRAFTERS"))


def may_review(user, report: InformationReport) -> bool:
    return (report.status == InformationReport.SUBMITTED and has_role(user, "YINGJI_REPORT_REVIEWERS")
            and _at_bureau_level(user, report) and report.submitted_by_id != user.pk)


def may_sign(user, report: InformationReport, now=None) -> bool:
    return (report.status == InformationReport.REVIEWED and may_sign_role(user, now)
            and _at_bureau_level(user, report))


def _above_bureau(user, report: InformationReport) -> bool:
    region = getattr(user, "region", None)
    bureau = issuing_region(report)
    return region is not None and bureau.path.startswith(region.path) and region.pk != bureau.pk


def may_urge(user, report: InformationReport) -> bool:
    return report.is_pending and has_role(user, "YINGJI_REPORT_URGERS") and _above_bureau(user, report)


def pending_delivery(user, report: InformationReport):
    """The delivery of `report` that `user`'s level has still to 签收 (None if none or not theirs to sign)."""
    if user is None or not has_role(user, "YINGJI_REPORT_RECEIVERS"):
        return None
    return report.deliveries.filter(to_region=user.region_id, received_at__isnull=True).first()


# --- The steps ---------------------------------------------------------------------------------------------

def _step(actor, report: InformationReport, text: str, now, **data):
    record(report.incident, "report_flow", text, actor, time=now,
           data={"report": report.pk, "kind": report.kind, "sequence": report.sequence, **data})


def _reason(reason, what: str, limit=200) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": [f"{what}须说明原因。"]})
    if len(reason) > limit:
        raise ValidationError({"reason": [f"{what}原因不能超过 {limit} 字（现有 {len(reason)} 字）。"]})
    return reason


@transaction.atomic
def submit_report(actor, report: InformationReport, content: dict | None = None, now=None) -> InformationReport:
    """提交审核: the draft (with any last edits) goes to the bureau's reviewer; it must be complete."""
    now = now or timezone.now()
    report = _locked(report)
    _require_role(actor, "YINGJI_REPORT_DRAFTERS", "拟稿")
    _check_actor(actor, report)
    _require_drafting(report, "提交审核")
    merged = _clean(report, content, actor)
    _require_complete(report, merged)
    _update(actor, report, **_store(report, merged), status=InformationReport.SUBMITTED, submitted_by=person(actor),
            submitted_at=now, return_reason="")
    _step(actor, report, f"{actor or '系统'}提交{report}审核", now, step="submitted")
    return report


@transaction.atomic
def review_report(actor, report: InformationReport, approve: bool, reason: str = "", now=None) -> InformationReport:
    """审核: pass (待签发), or 退回 to drafting with the reason, which the drafter sees on the report."""
    now = now or timezone.now()
    report = _locked(report)
    require_region(actor, report.incident.region, field="incident")
    _require_role(actor, "YINGJI_REPORT_REVIEWERS", "审核")
    _require_bureau(actor, report, "审核")
    _require_status(report, InformationReport.SUBMITTED, "审核")
    if actor is not None and report.submitted_by_id == actor.pk:
        raise ValidationError({"reviewer": [f"审核人不能是拟稿人：{report}由您本人提交，请由其他人员审核。"]})
    if approve:
        _update(actor, report, status=InformationReport.REVIEWED, reviewed_by=person(actor), reviewed_at=now)
        _step(actor, report, f"{actor or '系统'}审核通过{report}，待签发", now, step="reviewed")
    else:
        reason = _reason(reason, "退回")
        _update(actor, report, status=InformationReport.DUE, reviewed_by=person(actor), reviewed_at=now,
                return_reason=reason)
        _step(actor, report, f"{actor or '系统'}退回{report}（{reason}）", now, step="returned", reason=reason)
    return report


def first_hop_region(report: InformationReport):
    """The region of the bureau the report is delivered to (None for the ministry or an unregistered level)."""
    level = hops(report.incident)[0][0]
    return _lineage(report.incident)[1].get(level)


@transaction.atomic
def sign_report(actor, report: InformationReport, confirm: bool = False, now=None) -> InformationReport:
    """签发: after confirmation, the reviewed report is issued (frozen, .docx) and delivered to the next level
    up, due to be 签收 within YINGJI_RECEIPT_MINUTES."""
    now = now or timezone.now()
    report = _locked(report)
    require_region(actor, report.incident.region, field="incident")
    _require_signer(actor, now)
    _require_bureau(actor, report, "签发")
    _require_status(report, InformationReport.REVIEWED, "签发")
    if confirm is not True:
        raise ValidationError({"confirm": [f"签发后{report}即报送{report.recipient}，不能撤回。请确认后再签发。"]})
    report = _issue(actor, report, None, now, verb="签发并报送")
    delivery = ReportDelivery.objects.create(
        report=report, to_region=first_hop_region(report), to_name=report.recipient, sent_at=now,
        receipt_due=now + timedelta(minutes=settings.YINGJI_RECEIPT_MINUTES))
    audit.record(actor, AuditEntry.CREATE, delivery, audit.diff({}, audit.snapshot(delivery)))
    record(report.incident, "delivery", f"{report}已送达{delivery.to_name}，待签收（应于"
           f"{local_text(delivery.receipt_due, with_year=False)}前签收）", actor, time=now,
           data={"report": report.pk, "delivery": delivery.pk})
    return report


@transaction.atomic
def receive_delivery(actor, delivery: ReportDelivery, now=None) -> ReportDelivery:
    """签收 at the receiving level: the time is recorded; after `receipt_due` it is a late receipt."""
    now = now or timezone.now()
    delivery = (ReportDelivery.objects.select_for_update(of=("self",)).select_related("report", "report__incident")
                .get(pk=delivery.pk))  # two duty officers clicking 签收 at once: the second finds it received
    report = delivery.report
    _require_role(actor, "YINGJI_REPORT_RECEIVERS", "签收")
    if actor is not None and not actor.is_superuser and (actor.region_id is None
                                                          or actor.region_id != delivery.to_region_id):
        raise PermissionDenied(f"{report}报送至{delivery.to_name}，须由该单位签收。")
    if delivery.received_at is not None:
        raise ValidationError({"status": [f"{report}已由{delivery.received_by or '系统'}于"
                                          f"{local_text(delivery.received_at)}签收。"]})
    before = audit.snapshot(delivery)
    delivery.received_at, delivery.received_by = now, person(actor)
    delivery.save(update_fields=["received_at", "received_by"])
    audit.record(actor, AuditEntry.UPDATE, delivery, audit.diff(before, audit.snapshot(delivery)))
    late = now - delivery.receipt_due
    timing = f"超时签收，晚{duration_text(late)}" if late.total_seconds() > 0 else "按时签收"
    record(report.incident, "delivery", f"{delivery.to_name}{actor or '系统'}签收{report}（{timing}）", actor,
           time=now, data={"report": report.pk, "delivery": delivery.pk, "late_s": max(0, int(late.total_seconds()))})
    return delivery


@transaction.atomic
def urge_report(actor, report: InformationReport, message: str = "", now=None) -> ReportUrge:
    """催报 from a level above the issuing bureau, on a report not yet issued."""
    now = now or timezone.now()
    report = _locked(report)
    require_region(actor, report.incident.region, field="incident")
    if actor is not None and not actor.is_superuser and not _above_bureau(actor, report):
        raise PermissionDenied(f"催报须由{issuing_region(report).name}的上级发出。")
    _require_role(actor, "YINGJI_REPORT_URGERS", "催报")
    if not report.is_pending:
        raise ValidationError({"status": [f"{report}{report.get_status_display()}，无需催报。"]})
    message = (message or "").strip()
    if len(message) > 255:
        raise ValidationError({"message": [f"催报内容不能超过 255 字（现有 {len(message)} 字）。"]})
    if not message:
        late = now - report.due_at
        state = f"已超时{duration_text(late)}" if late.total_seconds() > 0 else f"应于{local_text(report.due_at)}前报送"
        message = f"请抓紧报送{report}（{state}）。"
    urge = ReportUrge.objects.create(report=report, by=person(actor), by_region=getattr(actor, "region", None),
                                     at=now, message=message)
    audit.record(actor, AuditEntry.CREATE, urge, audit.diff({}, audit.snapshot(urge)))
    where = urge.by_region.name if urge.by_region_id else ""
    record(report.incident, "urge", f"{where}{actor or '系统'}催报{report}：{message}", actor, time=now,
           data={"report": report.pk, "urge": urge.pk})
    return urge


# --- For the notification badge (querysets for one user) ---------------------------------------------------

def _bureau_user(user) -> bool:
    return user.is_superuser or (user.region_id is not None and user.region.level in BUREAU_LEVELS)


def reports_to_review(user):
    """待审核 reports this user may review: in their region, their role, not their own draft."""
    qs = scope(InformationReport.objects.filter(status=InformationReport.SUBMITTED), user)
    if not (has_role(user, "YINGJI_REPORT_REVIEWERS") and _bureau_user(user)):
        return qs.none()
    return qs.exclude(submitted_by=user).select_related("incident").order_by("due_at", "id")


def reports_to_sign(user, now=None):
    """待签发 reports this user may sign now (the night rule counts)."""
    qs = scope(InformationReport.objects.filter(status=InformationReport.REVIEWED), user)
    if not (may_sign_role(user, now) and _bureau_user(user)):
        return qs.none()
    return qs.select_related("incident").order_by("due_at", "id")


def deliveries_to_receive(user):
    """Deliveries to the user's level still to 签收 (for a receiving role)."""
    qs = scope(ReportDelivery.objects.filter(received_at__isnull=True), user)
    if user.region_id is None or not has_role(user, "YINGJI_REPORT_RECEIVERS"):
        return qs.none()
    return qs.filter(to_region=user.region_id).select_related("report", "report__incident").order_by("sent_at", "id")


def urges_for(user):
    """催报 the user's level received: on reports in their region not yet issued, sent from above them."""
    qs = scope(ReportUrge.objects.filter(report__status__in=InformationReport.PENDING), user)
    return qs.exclude(Q(by_region=user.region_id) | Q(by=user)).select_related("report", "report__incident", "by")


def inbox(user):
    """The 报告签收 page: every delivery to the user's region, the ones to 签收 first."""
    if user.region_id is None and not user.is_superuser:
        return ReportDelivery.objects.none()
    qs = scope(ReportDelivery.objects.all(), user)
    if not user.is_superuser:
        qs = qs.filter(to_region=user.region_id)
    return qs.select_related("report", "report__incident", "report__incident__region", "received_by",
                             "to_region").order_by(F("received_at").asc(nulls_first=True), "-sent_at", "-id")
