"""A warning's life: draft (from a template or blank) → 提交审核 → 审核 (passed, or 退回 to the drafter with the reason)
→ 签发 (published: identifier, CAP XML frozen, targeting, deliveries queued) → expired / cancelled / superseded.

An Update or a Cancel is a new message referencing the published one (CAP `references`), in the same chain: an
Update is drafted and goes through review and signing like any message, and on publication supersedes the one it
references; a Cancel is issued at once by a signer (一键解除) and ends every published message of the chain.

Who may do what is set per deployment (settings): YINGJI_WARNING_DRAFTERS, _REVIEWERS, _SIGNERS (role names);
the reviewer is never the drafter. Every step is one transaction on the locked row, checks the actor's region
(writes reach their region and below), appends the history with its audit entry, and leaves nothing half-written:
a publication whose CAP fails the XSD, or whose targeting or queueing fails, is rolled back whole."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import scope
from yingji.core.services import require_perm, save_scoped
from yingji.standards import levels

from ..models import Warning, WarningArea, WarningTemplate
from . import checks
from .history import add_event
from .targeting import AREA_FIELDS, stored_areas

BEIJING = ZoneInfo("Asia/Shanghai")
REASON_MAX = 500
CONTENT_FIELDS = ("event_code", "level", "headline", "description", "instruction", "onset", "expires", "status",
                  "scope", "channels", "sender_name")
ROLE_SETTINGS = {"YINGJI_WARNING_DRAFTERS": "拟稿", "YINGJI_WARNING_REVIEWERS": "审核", "YINGJI_WARNING_SIGNERS": "签发"}


# --- who may ------------------------------------------------------------------------------------------------------

def has_role(user, setting: str) -> bool:
    """The user holds one of the roles the setting names (the system and superusers hold them all)."""
    if user is None or user.is_superuser:
        return True
    names = getattr(user, "_yingji_role_names", None)
    if names is None:
        names = user._yingji_role_names = {group.name for group in user.groups.all()}
    return bool(names & set(getattr(settings, setting)))


def require_role(actor, setting: str):
    if not has_role(actor, setting):
        step = ROLE_SETTINGS[setting]
        roles = "、".join(getattr(settings, setting)) or "（未设置）"
        raise PermissionDenied(f"{step}预警须由{roles}进行，您的角色不能{step}。")


def may(user, step: str, warning: Warning) -> bool:
    """Whether `user` may take `step` (submit, review, publish, edit, update, cancel) on the warning now: what a
    page asks before showing a button (the services check again)."""
    setting = {"edit": "YINGJI_WARNING_DRAFTERS", "submit": "YINGJI_WARNING_DRAFTERS",
               "review": "YINGJI_WARNING_REVIEWERS", "publish": "YINGJI_WARNING_SIGNERS",
               "update": "YINGJI_WARNING_DRAFTERS", "cancel": "YINGJI_WARNING_SIGNERS"}[step]
    states = {"edit": (Warning.DRAFT,), "submit": (Warning.DRAFT,), "review": (Warning.SUBMITTED,),
              "publish": (Warning.REVIEWED,), "update": (Warning.PUBLISHED,), "cancel": (Warning.PUBLISHED,)}[step]
    if warning.source != Warning.LOCAL or warning.state not in states or not has_role(user, setting):
        return False
    if step in ("update", "cancel") and warning.msg_type == Warning.CANCEL:
        return False
    if step == "review" and user is not None and warning.drafted_by_id == user.pk and not user.is_superuser:
        return False
    perm = "warnings.add_warning" if step == "update" else "warnings.change_warning"
    return user is None or (user.has_perm(perm)
                            and scope(Warning.objects.filter(pk=warning.pk), user, for_write=True).exists())


def _locked(actor, warning: Warning) -> Warning:
    """The stored warning, locked, after the permission and region checks."""
    require_perm(actor, "warnings.change_warning")
    Warning.objects.select_for_update().filter(pk=warning.pk).values_list("pk", flat=True).get()
    stored = Warning.objects.select_related("region", "references").get(pk=warning.pk)
    if actor is not None and not scope(Warning.objects.filter(pk=stored.pk), actor, for_write=True).exists():
        raise PermissionDenied("该预警不在您的管辖范围内。")
    if stored.source != Warning.LOCAL:
        raise ValidationError({"source": ["外部导入的预警信息只读，不能修改或处理。"]})
    return stored


def _state_error(warning: Warning, doing: str, allowed) -> ValidationError:
    names = "、".join(dict(Warning.STATE_CHOICES)[s] for s in allowed)
    return ValidationError({"state": [f"预警当前为“{warning.get_state_display()}”，不能{doing}（只有{names}的预警可以{doing}）。"]})


def _reason(text, *, label: str) -> str:
    reason = str(text or "").strip()
    if not reason:
        raise ValidationError({"reason": [f"请填写{label}。"]})
    if len(reason) > REASON_MAX:
        raise ValidationError({"reason": [f"{label}不能超过 {REASON_MAX} 字（现为 {len(reason)} 字）。"]})
    return reason


def _save(warning: Warning, **values):
    """Write fields of a locked warning (updated_at too: UPDATE skips auto_now), and keep the object in step."""
    values.setdefault("updated_at", timezone.now())
    Warning.objects.filter(pk=warning.pk).update(**values)
    for key, value in values.items():
        setattr(warning, key, value)


def _changes(warning: Warning, values: dict) -> dict:
    return {k: [audit._json_value(getattr(warning, k)), audit._json_value(v)] for k, v in values.items()
            if k != "updated_at" and getattr(warning, k) != v}


# --- drafting -------------------------------------------------------------------------------------------------------

def template_values(template: WarningTemplate, region: Region, level: int | None = None) -> dict:
    """A draft's starting text from a template: its headline pattern filled in for the region and level."""
    level = template.level or level
    info = levels.levels().get(level) if level else None
    from yingji.standards import event_codes

    try:
        event = event_codes.get(template.event_code).name
    except ValueError:
        event = template.event_code
    try:
        headline = template.headline_pattern.format(
            region=region.name, event=event.removesuffix("事件"), colour=info.colour if info else "",
            level=info.warning_level if info else "")
    except (KeyError, IndexError, ValueError):
        headline = template.headline_pattern
    return {"template": template, "event_code": template.event_code, "level": level, "headline": headline[:200],
            "description": template.description, "instruction": template.instruction}


def _area_snapshot(areas) -> list:
    return [{"area_desc": a["area_desc"], "regions": [r.code or r.name for r in a["regions"]],
             "polygon": bool(a.get("polygon")), "circle_km": a.get("circle_radius_km")} for a in areas]


def _write_areas(actor, warning: Warning, areas: list[dict]):
    """Replace the warning's areas (audited: one entry per area removed or added)."""
    for area in list(warning.areas.all()):
        before, pk = audit.snapshot(area), area.pk
        area.delete()
        audit.record(actor, AuditEntry.DELETE, area, audit.diff(before, {}), object_id=pk)
    for data in areas:
        area = WarningArea.objects.create(warning=warning, **{f: data.get(f) for f in AREA_FIELDS})
        area.regions.set(data["regions"])
        trail = audit.diff({}, audit.snapshot(area))
        trail["regions"] = [None, [r.code or r.name for r in data["regions"]]]
        audit.record(actor, AuditEntry.CREATE, area, trail)


@transaction.atomic
def save_draft(actor, warning: Warning, data: dict, areas: list[dict] | None = None, *,
               role: str = "YINGJI_WARNING_DRAFTERS") -> Warning:
    """Create a draft (the actor's region by default) or edit one (only while it is a draft); `areas` replaces the
    areas when given. The event code, level, times and areas are checked together, every problem named. `role`:
    the roles that may write it (a signer's 一键解除 drafts its Cancel as a signer)."""
    creating = warning.pk is None
    data = {k: v for k, v in dict(data).items() if k in (*CONTENT_FIELDS, "region", "template", "is_demo")}
    stored = None
    if creating:
        require_role(actor, role)
        data.setdefault("region", getattr(actor, "region", None))
    else:
        stored = _locked(actor, warning)
        if stored.state != Warning.DRAFT:
            raise _state_error(stored, "修改", (Warning.DRAFT,))
    cleaned: list[dict] = []

    def validate(obj):
        errors: dict[str, list[str]] = {}
        if obj.region_id is None:
            checks._add(errors, "region", "请选择发布区划。")
        checks.check_content(obj, errors)
        if areas is not None or creating:
            cleaned.extend(checks.clean_areas(obj.region if obj.region_id else None, areas, errors))
        elif obj.region_id != stored.region_id:  # the stored areas must lie in the new issuing region too
            checks.clean_areas(obj.region, stored_areas(obj), errors)
        checks.raise_if(errors)

    if creating:
        data.setdefault("drafted_by", actor if actor is not None and actor.pk else None)
        data.setdefault("drafted_at", timezone.now())
        data.setdefault("channels", list(settings.YINGJI_WARNING_DEFAULT_CHANNELS))
    save_scoped(actor, warning, data, validate=validate, perm=None if creating else "warnings.change_warning")
    if areas is not None or creating:
        _write_areas(actor, warning, cleaned)
    if creating:
        note = {Warning.UPDATE: "更新", Warning.CANCEL: "解除"}.get(warning.msg_type, "")
        note = f"{note}消息，引用 {warning.references.identifier}" if warning.references_id else ""
        add_event(warning, "drafted", actor, note=note, changes={"areas": [None, _area_snapshot(cleaned)]})
    elif areas is not None:
        add_event(warning, "edited", actor, note="修改预警区域", changes={"areas": [None, _area_snapshot(cleaned)]})
    return warning


@transaction.atomic
def draft_followup(actor, previous: Warning, msg_type: str = Warning.UPDATE, data: dict | None = None,
                   areas: list[dict] | None = None) -> Warning:
    """A draft Update (or Cancel) of a published message: its text and areas copied (and `data`/`areas` applied),
    referencing it, in its chain. It goes through review and signing; publishing it supersedes (or ends) the
    previous one."""
    if msg_type not in (Warning.UPDATE, Warning.CANCEL):
        raise ValidationError({"msg_type": ["后续消息只能是更新（Update）或解除（Cancel）。"]})
    require_perm(actor, "warnings.add_warning")
    stored = _locked(actor, previous)
    if stored.state != Warning.PUBLISHED or stored.msg_type == Warning.CANCEL:
        raise _state_error(stored, "更新或解除", (Warning.PUBLISHED,))
    values = {f: getattr(stored, f) for f in CONTENT_FIELDS}
    values.update(region=stored.region, template=stored.template)
    if msg_type == Warning.CANCEL:
        values.update(headline=f"解除{stored.headline}"[:200], onset=timezone.now())
    values.update({k: v for k, v in (data or {}).items() if k in CONTENT_FIELDS})
    draft = Warning(msg_type=msg_type, references=stored, chain=stored.chain)
    return save_draft(actor, draft, values, areas if areas is not None else stored_areas(stored))


# --- review -------------------------------------------------------------------------------------------------------

@transaction.atomic
def submit(actor, warning: Warning) -> Warning:
    """提交审核: the draft, complete and checked (areas included), goes to the reviewers."""
    stored = _locked(actor, warning)
    require_role(actor, "YINGJI_WARNING_DRAFTERS")
    if stored.state != Warning.DRAFT:
        raise _state_error(stored, "提交审核", (Warning.DRAFT,))
    errors: dict[str, list[str]] = {}
    checks.check_content(stored, errors)
    checks.clean_areas(stored.region, stored_areas(stored), errors)
    checks.raise_if(errors)
    values = {"state": Warning.SUBMITTED, "submitted_at": timezone.now(), "rejection_reason": ""}
    changes = _changes(stored, values)
    _save(stored, **values)
    add_event(stored, "submitted", actor, changes=changes)
    return stored


@transaction.atomic
def review(actor, warning: Warning, approve: bool = True, reason: str = "") -> Warning:
    """审核: passed (待签发), or 退回 to drafting with the reason. The reviewer is never the drafter."""
    stored = _locked(actor, warning)
    require_role(actor, "YINGJI_WARNING_REVIEWERS")
    if stored.state != Warning.SUBMITTED:
        raise _state_error(stored, "审核", (Warning.SUBMITTED,))
    if actor is not None and actor.pk and stored.drafted_by_id == actor.pk and not actor.is_superuser:
        raise PermissionDenied("审核人不能是拟稿人：请由另一位审核人审核。")
    now, person = timezone.now(), actor if actor is not None and actor.pk else None
    if approve:
        values = {"state": Warning.REVIEWED, "reviewed_by": person, "reviewed_at": now, "rejection_reason": ""}
        note, action = str(reason or "").strip()[:REASON_MAX], "reviewed"
    else:
        note = _reason(reason, label="退回原因")
        values = {"state": Warning.DRAFT, "reviewed_by": None, "reviewed_at": None, "rejection_reason": note}
        action = "rejected"
    changes = _changes(stored, values)
    _save(stored, **values)
    add_event(stored, action, actor, note=note, changes=changes)
    return stored


def reject(actor, warning: Warning, reason: str) -> Warning:
    return review(actor, warning, approve=False, reason=reason)


# --- publication ----------------------------------------------------------------------------------------------------

def sender_code(region: Region) -> str:
    """GB/T 35965.1 A.1.2: the GB/T 2260 code of the issuing region (its county, for a township) + the institution,
    sub-unit and extension codes from settings."""
    from yingji.standards import cap

    code = next((r.code for r in reversed(region.ancestors(include_self=True)) if r.code), "")
    if not code:
        raise ValidationError({"region": [f"发布区划“{region.name}”没有 GB/T 2260 区划代码，无法生成发布单位编码。"]})
    try:
        return cap.sender_code(code, settings.YINGJI_CAP_INSTITUTION_CODE, settings.YINGJI_CAP_UNIT_CODE,
                               settings.YINGJI_CAP_EXTENSION_CODE)
    except ValueError as exc:
        raise ValidationError({"identifier": [f"发布单位编码无法生成（请检查 YINGJI_CAP_* 设置）：{exc}"]}) from None


def _taken(prefix: str) -> set[str]:
    """Identifiers of the sender and second already stored (committed by others, or ours)."""
    return set(Warning.objects.filter(identifier__startswith=prefix).values_list("identifier", flat=True))


def assign_identifier(warning: Warning, code: str, now=None) -> str:
    """ZZZZZZDDDUUUXX_YYYYMMDDhhmmss_N (Beijing time; N from 0 for the same sender and second). The identifier is
    unique in the database: a publication racing for the same N fails its savepoint and takes the next one; past
    N = 9 the next second is taken (and `sent` with it)."""
    moment = timezone.localtime(now or timezone.now(), BEIJING).replace(microsecond=0)
    for _ in range(120):
        prefix = f"{code}_{moment:%Y%m%d%H%M%S}_"
        taken = _taken(prefix)
        for n in range(10):
            candidate = f"{prefix}{n}"
            if candidate in taken:
                continue
            try:
                with transaction.atomic():
                    Warning.objects.filter(pk=warning.pk).update(identifier=candidate, sent=moment,
                                                                 sender_code=code)
            except IntegrityError:
                continue
            warning.identifier, warning.sent, warning.sender_code = candidate, moment, code
            return candidate
        moment += timedelta(seconds=1)
    raise ValidationError({"identifier": ["无法生成消息标识：同一发布单位短时间内发布过多，请稍后重试。"]})


def _end_previous(actor, warning: Warning, now):
    """An Update supersedes the message it references; a Cancel ends every published message of its chain."""
    if warning.references_id is None:
        return
    if warning.msg_type == Warning.CANCEL:
        ended = Warning.objects.filter(chain=warning.chain, state=Warning.PUBLISHED).exclude(pk=warning.pk)
        state, action, note = Warning.CANCELLED, "cancelled", f"由 {warning.identifier} 解除"
    else:
        ended = Warning.objects.filter(pk=warning.references_id, state=Warning.PUBLISHED)
        state, action, note = Warning.SUPERSEDED, "superseded", f"由 {warning.identifier} 更新"
    for previous in ended.select_for_update():
        values = {"state": state, "ended_at": now}
        changes = _changes(previous, values)
        _save(previous, **values)
        add_event(previous, action, actor, note=note, changes=changes)


def _issue(actor, stored: Warning, channels, *, now) -> Warning:
    """Identifier, CAP (refused unless it validates), state, end of the previous message, targeting, deliveries:
    inside the caller's transaction, so a failure anywhere leaves nothing written."""
    from . import cap, delivery, targeting

    code = sender_code(stored.region)
    assign_identifier(stored, code, now)
    stored.sender = settings.YINGJI_CAP_SENDER or code
    stored.sender_name = stored.sender_name or _issuer_name(stored.region)
    stored.references_text = cap.references_text(stored)
    mapped = cap.info_codes(stored)
    for key, value in mapped.items():
        setattr(stored, key, value)
    xml = cap.message_xml(stored)
    cap.require_valid(xml, field="cap_xml")
    values = {"state": Warning.PUBLISHED, "signed_by": actor if actor is not None and actor.pk else None,
              "signed_at": now, "cap_xml": xml, "sender": stored.sender, "sender_name": stored.sender_name,
              "references_text": stored.references_text, "channels": channels, **mapped}
    changes = _changes(Warning.objects.get(pk=stored.pk), values)
    changes["identifier"] = [None, stored.identifier]
    _save(stored, **values)
    _end_previous(actor, stored, now)
    reach = targeting.compute(stored)
    targeting.store(stored, reach)
    queued = delivery.queue(stored, reach, channels)
    action = {Warning.UPDATE: "updated", Warning.CANCEL: "cancelled"}.get(stored.msg_type, "published")
    counts = "，".join(f"{label} {queued[c]} 条" for c, label in delivery.CHANNEL_LABELS.items() if queued.get(c))
    add_event(stored, action, actor, changes=changes,
              note=f"标识 {stored.identifier}；覆盖 {reach.people} 人" + (f"；待发送 {counts}" if counts else ""))
    delivery.schedule(stored)
    return stored


def _issuer_name(region: Region) -> str:
    return f"{region.name}应急管理局" if region.level in ("county", "city", "province") else f"{region.name}人民政府"


@transaction.atomic
def publish(actor, warning: Warning, channels=None, *, now=None) -> Warning:
    """签发: the reviewed message is published (see _issue). `channels` defaults to the draft's choice. `now`: the
    moment of publication, for the demo's history (a warning of yesterday); no page or API route passes it."""
    stored = _locked(actor, warning)
    require_role(actor, "YINGJI_WARNING_SIGNERS")
    if stored.state != Warning.REVIEWED:
        raise _state_error(stored, "签发", (Warning.REVIEWED,))
    now = now or timezone.now()
    errors: dict[str, list[str]] = {}
    checks.check_content(stored, errors, now=now)
    chosen = checks.check_channels(stored.channels if channels is None else channels, errors)
    checks.clean_areas(stored.region, stored_areas(stored), errors)
    if stored.references_id and stored.references.state != Warning.PUBLISHED:
        checks._add(errors, "references", f"所引用的消息已{stored.references.get_state_display()}，不能再发布其"
                                          f"{stored.get_msg_type_display()}。")
    checks.raise_if(errors)
    return _issue(actor, stored, chosen, now=now)


@transaction.atomic
def cancel(actor, warning: Warning, reason: str, channels=None) -> Warning:
    """一键解除 by a signer: a Cancel message referencing the warning, published at once to the same areas and
    channels (loudspeakers told to stop), ending every published message of the chain."""
    reason = _reason(reason, label="解除原因")
    require_role(actor, "YINGJI_WARNING_SIGNERS")
    stored = _locked(actor, warning)
    if stored.state != Warning.PUBLISHED or stored.msg_type == Warning.CANCEL:
        raise _state_error(stored, "解除", (Warning.PUBLISHED,))
    now = timezone.now()
    if stored.expires is not None and stored.expires <= now:
        raise ValidationError({"state": ["该预警已到失效时间，已自动结束，无需解除。"]})
    person = actor if actor is not None and actor.pk else None
    message = Warning(msg_type=Warning.CANCEL, references=stored, chain=stored.chain, region=stored.region,
                      template=stored.template, drafted_by=person, drafted_at=now)
    values = {f: getattr(stored, f) for f in CONTENT_FIELDS}
    values.update(headline=f"解除{stored.headline}"[:200], description=reason, instruction="", onset=now,
                  is_demo=stored.is_demo)
    save_draft(actor, message, values, stored_areas(stored), role="YINGJI_WARNING_SIGNERS")
    errors: dict[str, list[str]] = {}
    chosen = checks.check_channels(stored.channels if channels is None else channels, errors)
    checks.raise_if(errors)
    _save(message, state=Warning.REVIEWED, submitted_at=now, reviewed_by=person, reviewed_at=now)
    return _issue(actor, message, chosen, now=now)


# --- expiry -------------------------------------------------------------------------------------------------------

@transaction.atomic
def expire_due(now=None) -> list[int]:
    """End every published message past its expiry (ours and imported), by the system; returns their ids. The
    public queries filter on `expires` too, so a warning is off the public pages at its expiry whenever this runs."""
    now = now or timezone.now()
    due = list(Warning.objects.select_for_update(skip_locked=True)
               .filter(state=Warning.PUBLISHED, expires__isnull=False, expires__lte=now))
    for warning in due:
        values = {"state": Warning.EXPIRED, "ended_at": warning.expires}
        changes = _changes(warning, values)
        _save(warning, **values)
        add_event(warning, "expired", None, changes=changes)
    return [w.pk for w in due]



@transaction.atomic
def delete_draft(actor, warning: Warning):
    """A draft nobody has submitted may be deleted (with its areas); anything further is kept for the record."""
    from yingji.core.services import delete_scoped

    stored = _locked(actor, warning)
    if stored.state != Warning.DRAFT or stored.submitted_at is not None:
        raise ValidationError({"state": ["只有未提交过审核的草稿可以删除；已提交、发布的预警信息留档备查。"]})
    delete_scoped(actor, stored)
