"""State changes of emergency resources: validated, in one transaction, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, geo
from yingji.core.models import AuditEntry, Organisation
from yingji.core.scoping import require_region, scope_actor
from yingji.core.services import delete_audited, require_perm, save_audited
from yingji.standards import event_codes

from .models import ForceStatusChange, RescueForce


def _check_capabilities(codes) -> list[str]:
    if not isinstance(codes, (list, tuple)):
        raise ValidationError({"capabilities": "可处置事件类别应为事件代码列表，如 [\"12G00\", \"11A00\"]。"})
    cleaned, errors = [], []
    for code in codes:
        try:
            cleaned.append(event_codes.get(str(code)).code)
        except ValueError as exc:
            errors.append(str(exc))
    if errors:
        raise ValidationError({"capabilities": errors})
    return sorted(set(cleaned), key=cleaned.index)


def _check_force(actor, force: RescueForce):
    errors = {}
    require_region(actor, force.region)
    if force.organisation_id and not scope_actor(Organisation.objects.filter(pk=force.organisation_id), actor).exists():
        errors["organisation"] = ["上级单位不在您的管辖范围内。"]
    if force.type == "fire_station" and not force.station_class:
        errors["station_class"] = ["消防救援站须注明等级（一级站、二级站、特勤站、小型站或战勤保障站）。"]
    if force.type != "fire_station" and force.station_class:
        errors["station_class"] = ["只有消防救援站才有站级。"]
    if force.type != "professional" and force.specialty:
        errors["specialty"] = ["只有专业救援队伍才填写专业方向。"]
    if force.type == "professional" and not force.specialty:
        errors["specialty"] = ["专业救援队伍须注明专业方向。"]
    if force.members_on_duty > force.members_total:
        errors["members_on_duty"] = [f"在岗人数（{force.members_on_duty}）不能多于队员总数（{force.members_total}）。"]
    try:
        force.capabilities = _check_capabilities(force.capabilities)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        geo.validate_point(force.longitude, force.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_force(actor, force: RescueForce, data: dict) -> RescueForce:
    """Create or edit a force. Readiness status changes only through change_force_status (it keeps history)."""
    creating = force.pk is None
    if not creating:
        require_region(actor, RescueForce.objects.get(pk=force.pk).region)
    data = {k: v for k, v in data.items() if k not in ("status", "status_changed_at")}
    perm = "resources.add_rescueforce" if creating else "resources.change_rescueforce"
    save_audited(actor, force, data, perm, validate=lambda f: _check_force(actor, f))
    if creating:
        ForceStatusChange.objects.create(force=force, from_status="", to_status=force.status, actor=_person(actor),
                                         reason="登记", members_on_duty=force.members_on_duty)
    return force


def _person(actor):
    return actor if actor is not None and actor.pk else None


@transaction.atomic
def change_force_status(actor, force: RescueForce, status: str, reason: str = "", members_on_duty=None):
    """在岗/出动/休整/停用, with the reason and time kept in the force's history."""
    require_perm(actor, "resources.change_rescueforce")
    force = RescueForce.objects.select_for_update().get(pk=force.pk)
    require_region(actor, force.region)
    if status not in dict(RescueForce.STATUS_CHOICES):
        raise ValidationError({"status": f"未知状态“{status}”，可选：在岗、出动、休整、停用。"})
    if status == force.status and members_on_duty in (None, force.members_on_duty):
        raise ValidationError({"status": f"队伍已是“{force.get_status_display()}”状态。"})
    if status == RescueForce.DISABLED and not reason.strip():
        raise ValidationError({"reason": "停用队伍必须说明原因。"})
    if members_on_duty is not None and members_on_duty > force.members_total:
        raise ValidationError({"members_on_duty": f"在岗人数不能多于队员总数（{force.members_total}）。"})
    before = audit.snapshot(force)
    old = force.status
    force.status = status
    force.status_changed_at = timezone.now()
    if members_on_duty is not None:
        force.members_on_duty = members_on_duty
    force.save(update_fields=["status", "status_changed_at", "members_on_duty", "updated_at"])
    ForceStatusChange.objects.create(force=force, from_status=old, to_status=status, actor=_person(actor),
                                     reason=reason.strip(), members_on_duty=force.members_on_duty)
    audit.record(actor, AuditEntry.UPDATE, force, audit.diff(before, audit.snapshot(force)))
    return force


def delete_force(actor, force: RescueForce):
    require_region(actor, force.region)
    delete_audited(actor, force, "resources.delete_rescueforce")
