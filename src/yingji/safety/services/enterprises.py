"""Every change to safety records: region- and enterprise-scoped, audited, all-or-nothing. A unit's GB 18218
identification and grading is recomputed whenever its inventory or the enterprise's exposed population
changes, so the stored S, R and level are never stale."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core import audit, geo
from yingji.core.models import AuditEntry
from yingji.core.services import delete_scoped, require_perm, save_scoped, update_audited
from yingji.core.validators import normalise_phone
from yingji.standards import credit_code, industries
from yingji.standards import major_hazard as gb18218

from ..models import LEVELS, NO_GRADE, Enterprise, HazardUnit, InventoryLine, Licence, is_enterprise_account


def require_enterprise(actor, enterprise: Enterprise):
    """An enterprise account acts on its own enterprise only (the region check alone would let it reach
    every enterprise of its township)."""
    if actor is not None and is_enterprise_account(actor) and not enterprise.accounts.filter(pk=actor.pk).exists():
        raise PermissionDenied("企业账号只能维护本企业的信息。")


def _check_enterprise(actor, enterprise: Enterprise):
    errors = {}
    try:
        enterprise.credit_code = credit_code.normalise(enterprise.credit_code)
    except ValueError as exc:
        errors["credit_code"] = [str(exc)]
    else:
        twin = Enterprise.objects.filter(credit_code=enterprise.credit_code).exclude(pk=enterprise.pk).first()
        if twin is not None:
            errors["credit_code"] = [f"统一社会信用代码已登记（{twin.name}）。"]
    try:
        industries.get(enterprise.industry)
    except ValueError as exc:
        errors["industry"] = [str(exc)]
    for field in ("principal_phone", "safety_manager_phone"):
        try:
            setattr(enterprise, field, normalise_phone(getattr(enterprise, field), field))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if not enterprise.principal_phone and "principal_phone" not in errors:
        errors["principal_phone"] = ["请填写主要负责人电话。"]
    try:
        geo.validate_point(enterprise.longitude, enterprise.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


# What the bureau registers and an enterprise's own account may not change: who it is, what it is supervised as,
# whether it operates (the 双随机 pool draws operating ones), and the exposed population behind GB 18218's α.
REGULATOR_FIELDS = {"name": "单位名称", "credit_code": "统一社会信用代码", "category": "监管类别", "status": "状态",
                    "standardisation": "安全生产标准化等级", "region": "所属区划", "people_within_500m": "厂外500米内常住人口"}


def _refuse_regulator_fields(actor, enterprise: Enterprise, data: dict):
    if actor is None or enterprise.pk is None or not is_enterprise_account(actor):
        return
    stored = Enterprise.objects.get(pk=enterprise.pk)
    changed = [f for f in REGULATOR_FIELDS if f in data and data[f] != getattr(stored, f)]
    if changed:
        raise ValidationError({f: [f"{REGULATOR_FIELDS[f]}由监管部门登记，企业账号不能修改；如有变化请联系县应急管理局。"]
                               for f in changed})


@transaction.atomic
def save_enterprise(actor, enterprise: Enterprise, data: dict) -> Enterprise:
    """Register or edit an enterprise; `accounts` in `data` (its users) are given by the bureau only, and an
    enterprise account keeps its contacts and facts but not the bureau's registration (REGULATOR_FIELDS)."""
    data = dict(data)
    accounts = data.pop("accounts", None)
    if enterprise.pk is not None:
        require_enterprise(actor, enterprise)
        _refuse_regulator_fields(actor, enterprise, data)
    before = enterprise.people_within_500m if enterprise.pk else None
    enterprise = save_scoped(actor, enterprise, data, validate=lambda e: _check_enterprise(actor, e))
    if accounts is not None:
        set_accounts(actor, enterprise, accounts)
    if before is not None and before != enterprise.people_within_500m:
        for unit in enterprise.units.all():
            assess_unit(actor, unit)
    return enterprise


def set_accounts(actor, enterprise: Enterprise, users):
    """The enterprise's own accounts (企业用户 of its region or above it); audited as a change of the enterprise."""
    users = list(users)
    if actor is not None and is_enterprise_account(actor):
        if {u.pk for u in users} != set(enterprise.accounts.values_list("pk", flat=True)):
            raise PermissionDenied("企业账号不能修改本企业的账号绑定，请联系监管部门。")
        return
    require_perm(actor, "safety.change_enterprise")
    wrong = [u.get_full_name() or u.username for u in users if not is_enterprise_account(u)]
    if wrong:
        raise ValidationError({"accounts": [f"只能绑定“企业用户”角色的账号：{'、'.join(wrong)}不是。"]})
    before = sorted(enterprise.accounts.values_list("username", flat=True))
    after = sorted(u.username for u in users)
    if before != after:
        enterprise.accounts.set(users)
        audit.record(actor, AuditEntry.UPDATE, enterprise, audit.diff({"accounts": before}, {"accounts": after}))


def delete_enterprise(actor, enterprise: Enterprise):
    require_enterprise(actor, enterprise)
    delete_scoped(actor, enterprise)


def _check_licence(actor, licence: Licence):
    require_enterprise(actor, licence.enterprise)
    if licence.issued_on and licence.expires_on and licence.expires_on <= licence.issued_on:
        raise ValidationError({"expires_on": ["有效期至应晚于发证日期。"]})


def save_licence(actor, licence: Licence, data: dict) -> Licence:
    return save_scoped(actor, licence, data, validate=lambda lic: _check_licence(actor, lic))


def delete_licence(actor, licence: Licence):
    require_enterprise(actor, licence.enterprise)
    delete_scoped(actor, licence)


def save_unit(actor, unit: HazardUnit, data: dict) -> HazardUnit:
    """Add or edit a unit; recording a (new) safety assessment date takes the level it was assessed at."""
    previous = HazardUnit.objects.filter(pk=unit.pk).values_list("evaluated_on", flat=True).first() if unit.pk else None

    moved = unit.pk is not None and HazardUnit.objects.filter(pk=unit.pk).exclude(
        enterprise=data.get("enterprise", unit.enterprise)).exists()

    def check(u):
        require_enterprise(actor, u.enterprise)
        errors = {}
        if moved:
            errors["enterprise"] = ["单元不能改到其他企业：请在该企业下重新登记。"]
        if HazardUnit.objects.filter(enterprise=u.enterprise, name=u.name).exclude(pk=u.pk).exists():
            errors["name"] = [f"本企业已有名为“{u.name}”的单元。"]
        today = timezone.localdate()
        if u.evaluated_on and u.evaluated_on > today:
            errors["evaluated_on"] = ["安全评估日期不能晚于今天。"]
        if u.filed_on and u.filed_on > today:
            errors["filed_on"] = ["备案日期不能晚于今天。"]
        if u.filed_on and not u.evaluated_on:
            errors["evaluated_on"] = ["备案前应先完成安全评估，请填写安全评估日期。"]
        elif u.filed_on and u.filed_on < u.evaluated_on:
            errors["filed_on"] = ["备案日期不能早于安全评估日期。"]
        if errors:
            raise ValidationError(errors)
        if u.evaluated_on != previous:
            u.evaluated_level = u.level if u.evaluated_on else ""

    return save_scoped(actor, unit, data, validate=check)


@transaction.atomic
def delete_unit(actor, unit: HazardUnit):
    require_enterprise(actor, unit.enterprise)
    delete_scoped(actor, unit)
    _refresh_major_level(actor, unit.enterprise)


def _resolve(line: InventoryLine):
    """Fill Q, β and their sources from the standard; errors name the field."""
    codes = [c for c in line.categories.replace("，", ",").split(",") if c.strip()]
    try:
        substance = gb18218.substance(line.chemical, codes)
    except ValueError as exc:
        field = "categories" if codes and "类别" in str(exc) and "表1" not in str(exc) else "chemical"
        raise ValidationError({field: [str(exc)]}) from None
    line.categories = ",".join(c.strip().upper() for c in codes)
    line.critical_t, line.beta = substance.critical_t, substance.beta
    line.q_source, line.beta_source = substance.q_source, substance.beta_source


def _check_line(actor, line: InventoryLine):
    require_enterprise(actor, line.unit.enterprise)
    errors = {}
    try:
        _resolve(line)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    try:
        gb18218.tonnes(line.max_tonnes, "设计最大量")
    except ValueError as exc:
        errors["max_tonnes"] = [str(exc)]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def save_line(actor, line: InventoryLine, data: dict) -> InventoryLine:
    """Save a line and regrade its unit (and the unit it left, when it moved)."""
    left = InventoryLine.objects.filter(pk=line.pk).values_list("unit_id", flat=True).first() if line.pk else None
    line = save_scoped(actor, line, data, validate=lambda x: _check_line(actor, x))
    assess_unit(actor, line.unit)
    if left is not None and left != line.unit_id:
        assess_unit(actor, HazardUnit.objects.get(pk=left))
    return line


@transaction.atomic
def delete_line(actor, line: InventoryLine):
    require_enterprise(actor, line.unit.enterprise)
    unit = line.unit
    delete_scoped(actor, line)
    assess_unit(actor, unit)


def assessment(unit: HazardUnit) -> gb18218.Assessment:
    """The unit's GB 18218 computation, line by line, from its stored inventory."""
    items = [(gb18218.Substance(line.chemical, line.critical_t, line.beta, line.q_source, line.beta_source),
              line.max_tonnes) for line in unit.lines.all()]  # Meta.ordering (unit, id): uses a prefetch
    return gb18218.assess(items, unit.enterprise.people_within_500m)


def assess_unit(actor, unit: HazardUnit) -> HazardUnit:
    """Store the unit's S, α, R and level (audited as a change of the unit), then the enterprise's highest level."""
    result = assessment(unit)
    values = {"s_value": result.S, "is_major": result.major, "alpha": result.alpha, "r_value": result.R,
              "level": result.level or "", "grade": _grade(result.level)}
    unit.refresh_from_db()
    if unit.assessed_at is None or any(_differs(getattr(unit, k), v) for k, v in values.items()):
        update_audited(actor, HazardUnit.objects.filter(pk=unit.pk), assessed_at=timezone.now(), **values)
        unit.refresh_from_db()
    _refresh_major_level(actor, unit.enterprise)
    return unit


def _differs(stored, computed) -> bool:
    """Stored decimals are rounded to the field's places: compare at those (an unchanged inventory is no change)."""
    if isinstance(stored, Decimal) and isinstance(computed, Decimal):
        return stored != computed.quantize(stored)
    return stored != computed


def _grade(level: str | None) -> int:
    return LEVELS.index(level) + 1 if level else NO_GRADE


def _refresh_major_level(actor, enterprise: Enterprise):
    levels = set(HazardUnit.objects.filter(enterprise=enterprise, is_major=True).values_list("level", flat=True))
    highest = next((lv for lv in LEVELS if lv in levels), "")
    if highest != enterprise.major_level:
        update_audited(actor, Enterprise.objects.filter(pk=enterprise.pk), major_level=highest,
                       major_grade=_grade(highest))
        enterprise.major_level, enterprise.major_grade = highest, _grade(highest)
