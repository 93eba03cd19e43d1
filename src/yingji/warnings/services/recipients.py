"""The registers warnings are sent from: recipients (people with a mobile number or e-mail, placed by a position
or their home village/township), loudspeaker terminals (one MQTT topic each) and templates.

One by one through save_scoped (the actor's region, audited); in bulk (`create_recipients`, the demo's thousands
and a large sheet) with the same checks, one INSERT per batch and one audit entry per row."""

import re

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from yingji.core import audit, geo
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, require_perm, save_scoped
from yingji.core.validators import normalise_phone, phone_kind

from ..models import LoudspeakerTerminal, Recipient, WarningTemplate
from . import checks

PLACED_LEVELS = ("township", "village")
CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
CODE_HELP = "1–64 位字母、数字、点、下划线或连字符，以字母或数字开头（终端按此编号订阅：…/terminals/编号/play）"


def _placed(region: Region | None, errors: dict, label: str):
    if region is None:
        errors.setdefault("region", []).append(f"请选择{label}所在的村（社区）或乡镇（街道）。")
    elif region.level not in PLACED_LEVELS:
        errors.setdefault("region", []).append(
            f"“{region.name}”是{region.get_level_display()}：{label}应登记到村（社区）或乡镇（街道）。")


def _point(record, errors: dict):
    try:
        geo.validate_point(record.longitude, record.latitude)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def check_recipient(recipient: Recipient, errors: dict | None = None) -> dict:
    """Every problem of a recipient at once (a sheet row shows them all)."""
    errors = {} if errors is None else errors
    recipient.name = (recipient.name or "").strip()
    if not recipient.name:
        errors.setdefault("name", []).append("请填写姓名。")
    try:
        recipient.phone = normalise_phone(recipient.phone, field="phone", label="手机号")
        if recipient.phone and phone_kind(recipient.phone) != "mobile":
            errors.setdefault("phone", []).append(f"“{recipient.phone}”不是手机号：预警短信只能发往 11 位手机号。")
    except ValidationError as exc:
        errors.setdefault("phone", []).extend(exc.message_dict["phone"])
    recipient.email = (recipient.email or "").strip()
    if recipient.email:
        try:
            validate_email(recipient.email)
        except ValidationError:
            errors.setdefault("email", []).append(f"“{recipient.email}”不是有效的电子邮箱。")
    if not recipient.phone and not recipient.email and "phone" not in errors:
        errors.setdefault("phone", []).append("请至少填写手机号或电子邮箱中的一项：否则预警无法送达。")
    _placed(recipient.region if recipient.region_id else None, errors, "接收人")
    _point(recipient, errors)
    return errors


def save_recipient(actor, recipient: Recipient, data: dict) -> Recipient:
    return save_scoped(actor, recipient, data, validate=lambda r: checks.raise_if(check_recipient(r)))


def delete_recipient(actor, recipient: Recipient):
    delete_scoped(actor, recipient)


@transaction.atomic
def create_recipients(actor, recipients: list[Recipient], batch_size: int = 2000) -> int:
    """Add many recipients at once: each checked as one by one (the first problems are raised, naming the row),
    then one INSERT per batch and one audit entry per recipient."""
    require_perm(actor, "warnings.add_recipient")
    problems = []
    for number, recipient in enumerate(recipients, start=1):
        errors = check_recipient(recipient)
        if recipient.region_id and not errors.get("region"):
            try:
                require_region(actor, recipient.region)
            except ValidationError as exc:
                errors.setdefault("region", []).extend(exc.message_dict["region"])
        if errors:
            problems.append(f"第 {number} 人：" + "；".join(m for ms in errors.values() for m in ms))
            if len(problems) >= 20:
                break
    if problems:
        raise ValidationError({"recipients": problems})
    created = Recipient.objects.bulk_create(recipients, batch_size=batch_size)
    if not all(r.pk for r in created):  # a backend that does not return ids: read them back by natural order
        raise RuntimeError("bulk_create did not return primary keys")
    name = str(Recipient._meta.verbose_name)
    person = actor if actor is not None and actor.pk else None
    AuditEntry.objects.bulk_create([
        AuditEntry(actor=person, actor_name=audit.actor_name(actor), action=AuditEntry.CREATE,
                   model=Recipient._meta.label_lower, model_name=name, object_id=str(r.pk), object_repr=str(r)[:255],
                   region_id=r.region_id, changes=audit.diff({}, audit.snapshot(r)))
        for r in created], batch_size=batch_size)
    return len(created)


# --- loudspeaker terminals ------------------------------------------------------------------------------------------

def check_terminal(terminal: LoudspeakerTerminal) -> dict:
    errors: dict[str, list[str]] = {}
    terminal.code = (terminal.code or "").strip()
    if not CODE_RE.match(terminal.code):
        errors["code"] = [f"终端编号“{terminal.code[:70]}”格式不正确：应为{CODE_HELP}。"]
    else:
        twin = LoudspeakerTerminal.objects.filter(code__iexact=terminal.code).exclude(pk=terminal.pk).first()
        if twin is not None:
            errors["code"] = [f"终端编号“{terminal.code}”已被“{twin}”使用（不区分大小写，须唯一）。"]
    _placed(terminal.region if terminal.region_id else None, errors, "广播终端")
    _point(terminal, errors)
    return errors


def save_terminal(actor, terminal: LoudspeakerTerminal, data: dict) -> LoudspeakerTerminal:
    return save_scoped(actor, terminal, data, validate=lambda t: checks.raise_if(check_terminal(t)))


def delete_terminal(actor, terminal: LoudspeakerTerminal):
    delete_scoped(actor, terminal)


# --- templates ----------------------------------------------------------------------------------------------------

def check_template(template: WarningTemplate) -> dict:
    errors: dict[str, list[str]] = {}
    template.event_code = (template.event_code or "").strip().upper()
    try:
        event = checks.event_codes.get(template.event_code)
    except ValueError as exc:
        errors["event_code"] = [str(exc)]
        event = None
    if event is not None and template.level is not None and template.level not in checks.allowed_levels(event.code):
        errors["level"] = [f"{event.name}（{event.code}）没有该级别的预警：可选级别为"
                           f"{checks.level_names(checks.allowed_levels(event.code))}。"]
    try:
        template.headline_pattern.format(region="", event="", colour="", level="")
    except (KeyError, IndexError, ValueError):
        errors["headline_pattern"] = ["标题格式只能使用 {region}、{event}、{colour}、{level} 占位。"]
    return errors


def save_template(actor, template: WarningTemplate, data: dict) -> WarningTemplate:
    return save_scoped(actor, template, data, validate=lambda t: checks.raise_if(check_template(t)))


def delete_template(actor, template: WarningTemplate):
    delete_scoped(actor, template)
