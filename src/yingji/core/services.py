"""Every state change of the core app: one transaction, validation, one audit entry.

Views, the API, the CLI and the demo loader call these; none writes models directly.
Errors are django ValidationErrors keyed by field with Chinese messages.
"""

from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import router, transaction
from django.db.models import ProtectedError, Q
from django.db.models.deletion import Collector
from django.utils import timezone

from yingji.standards import divisions

from . import audit, geo, roles
from .models import AuditEntry, Contact, Organisation, Region, RegionGDP, User
from .scoping import require_region
from .validators import normalise_phone, phone_kind


def require_perm(actor, perm: str):
    """The system (actor None) may do anything; a person needs the permission."""
    if actor is not None and not actor.has_perm(perm):
        raise PermissionDenied("您没有执行此操作的权限。")


def _assign(instance, data: dict):
    for key, value in data.items():
        setattr(instance, key, value)


def _validate_and_save(instance, validate=None):
    """Domain rules and the model's own field checks, reported together so a form shows every problem."""
    errors = {}
    if validate is not None:
        try:
            validate(instance)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
    try:  # fields the domain rules refused are not checked again (a duplicate plan version is said once)
        instance.full_clean(exclude=list(errors))
    except ValidationError as exc:
        errors = exc.update_error_dict(errors)
    if errors:
        raise ValidationError(errors)
    instance.save()


@transaction.atomic
def save_audited(actor, instance, data: dict, perm: str, validate=None):
    """Create (no pk) or update `instance` with `data`; `validate(instance)` adds domain rules."""
    creating = instance.pk is None
    require_perm(actor, perm)
    before = {} if creating else audit.snapshot(type(instance).objects.get(pk=instance.pk))
    _assign(instance, data)
    _validate_and_save(instance, validate)
    after = audit.snapshot(instance)
    changes = audit.diff(before, after)
    if creating or changes:
        audit.record(actor, AuditEntry.CREATE if creating else AuditEntry.UPDATE, instance, changes)
    return instance


def _cascade(instance) -> list:
    """(row, pk, snapshot) of every audited yingji record that deleting `instance` deletes with it (CASCADE)."""
    collector = Collector(using=router.db_for_write(type(instance)))
    collector.collect([instance])
    rows = [row for rows in collector.data.values() for row in rows]
    rows += [row for rows in collector.fast_deletes for row in rows]
    found = []
    for row in rows:
        if (not row._meta.app_config.name.startswith("yingji.") or row._meta.auto_created
                or row._meta.label_lower in NOT_AUDITED or (type(row) is type(instance) and row.pk == instance.pk)):
            # Not: another package's rows (an API token's key is no trail material), many-to-many links (the
            # record's own entry lists them, e.g. a shift's officers), logs, the record itself.
            continue
        audit._region_of(row), str(row)  # load what the entry names while the related rows still exist
        found.append((row, row.pk, audit.snapshot(row)))
    return found


@transaction.atomic
def delete_audited(actor, instance, perm: str):
    """Delete `instance` and say so in the trail, with one entry for each audited record deleted with it."""
    require_perm(actor, perm)
    before, pk = audit.snapshot(instance), instance.pk
    try:
        dependents = _cascade(instance)
        instance.delete()
    except ProtectedError as exc:
        names = "、".join(sorted({str(o._meta.verbose_name) for o in exc.protected_objects}))
        raise ValidationError(f"“{instance}”仍被其他记录（{names}）引用，不能删除。") from exc
    audit.record(actor, AuditEntry.DELETE, instance, audit.diff(before, {}), object_id=pk)
    for row, row_pk, snapshot in dependents:
        audit.record(actor, AuditEntry.DELETE, row, audit.diff(snapshot, {}), object_id=row_pk)


def person(actor):
    """The user to store as the one who acted: None for the system or an anonymous stand-in (no row)."""
    return actor if actor is not None and actor.pk else None


def model_perm(model, action: str) -> str:
    """"app_label.<action>_<model>", the permission Django creates for the model."""
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


def _region_field(model) -> str:
    """The form field that places a record: the first step of its region_field ("plan__region" → "plan");
    a region is placed under its parent."""
    field = getattr(model, "region_field", "region")
    return field.split("__")[0] if field else "parent"


def _placed_in(instance):
    """The region a record sits in; a region not saved yet sits under its parent (it has no path yet)."""
    if isinstance(instance, Region) and instance.pk is None:
        return instance.parent
    return audit._region_of(instance)


def _stored(instance):
    return type(instance).objects.get(pk=instance.pk)


@transaction.atomic
def save_scoped(actor, instance, data: dict, validate=None, field=None, perm=None):
    """The save of every registry record: the stored record must lie in the actor's region (nobody edits
    another region's record), the add/change permission comes from the model, the record as it will be
    saved must lie in the actor's region too, then save_audited. `validate(instance)` adds domain rules;
    `field` names the form field a region error goes to (the first step of the model's region_field)."""
    field = field or _region_field(type(instance))
    creating = instance.pk is None
    if not creating:
        require_region(actor, _placed_in(_stored(instance)), field=field)

    def check(obj):
        errors = {}
        try:
            if validate is not None:
                validate(obj)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if field not in errors:  # a placement the domain rules already refused is said once
            try:
                require_region(actor, _placed_in(obj), field=field)
            except ValidationError as exc:
                errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    perm = perm or model_perm(type(instance), "add" if creating else "change")
    return save_audited(actor, instance, data, perm, validate=check)


@transaction.atomic
def delete_scoped(actor, instance, validate=None, field=None):
    """Delete a record of the actor's region with the model's delete permission, audited.
    `validate(instance)` refuses a delete the domain forbids (stock still in a warehouse…)."""
    require_perm(actor, model_perm(type(instance), "delete"))
    require_region(actor, _placed_in(_stored(instance)), field=field or _region_field(type(instance)))
    if validate is not None:
        validate(instance)
    delete_audited(actor, instance, model_perm(type(instance), "delete"))


@transaction.atomic
def update_audited(actor, queryset, **values) -> list:
    """One UPDATE statement for many rows (a merge moves every report of a duplicate at once) that still
    leaves one audit entry per record it changed. Returns the changed records as they are now."""
    model = queryset.model
    before = {row.pk: audit.snapshot(row) for row in queryset.select_for_update()}
    if not before:
        return []
    if "updated_at" in {f.name for f in model._meta.concrete_fields}:
        values.setdefault("updated_at", timezone.now())  # UPDATE skips auto_now
    model.objects.filter(pk__in=before).update(**values)
    changed = []
    for row in model.objects.filter(pk__in=before):
        changes = audit.diff(before[row.pk], audit.snapshot(row))
        if changes:
            audit.record(actor, AuditEntry.UPDATE, row, changes)
            changed.append(row)
    return changed


# Models whose rows are written without an audit entry of their own, each for a reason. Every other model of
# the yingji apps is audited on every write (tests/core/test_audit_coverage.py walks them all).
NOT_AUDITED = {
    "core.auditentry": "审计记录本身（只追加）",
    "core.refusedrequest": "限流计数：未读即拒收的超大请求只追加，写入即记录（来源IP、时间）",
    "incidents.timelineentry": "事件时间线只追加，写入即记录（含操作人、时间）",
    "plans.taskupdate": "任务状态历史只追加，随任务的审计记录一同写入",
    "resources.forcestatuschange": "队伍状态历史只追加，随队伍的审计记录一同写入",
    "resources.stocklevel": "库存汇总由台账派生，每笔台账（StockMovement）各有审计记录",
    "resources.agreementitem": "协议物资明细随所属协议储备的审计记录（items 前后对比）一同记录",
    "safety.hazardupdate": "隐患整改记录只追加，随隐患的审计记录一同写入（含操作人、时间）",
    "monitoring.reading": "监测读数由设备经网关上报，只追加、量大；接收数按网关计数，拒收另有拒收记录",
    "monitoring.readingkey": "读数消息编号（去重键）随读数写入，随读数清理",
    "monitoring.rollup": "读数汇总（1 分钟、1 小时）由读数派生",
    "monitoring.rulestate": "规则判定的中间状态（持续起点、上一读数）由系统维护",
    "monitoring.alarmevent": "报警处置记录只追加，每条随报警的审计记录一同写入（含操作人、时间）",
    "monitoring.ingestrejection": "拒收记录只追加，写入即记录（网关、原因、时间），按网关计数",
}


# --- Regions ----------------------------------------------------------------

def _collect(errors: dict, check, *args):
    """Run one check and keep its field errors, so a form shows every problem at once."""
    try:
        check(*args)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)


def _check_region(actor, region: Region, allow_outside_china=False):
    region.code = (region.code or "").strip() or None  # "" from a form or the API means no code
    errors: dict[str, list[str]] = {}
    _collect(errors, _check_region_parent, actor, region)
    if "parent" not in errors:
        _collect(errors, _check_region_level, region)
        if region.kind == Region.KIND_DIVISION and "level" not in errors:
            _collect(errors, _check_region_code, region)
    _collect(errors, lambda: geo.validate_point(
        region.longitude, region.latitude, allow_outside_china=allow_outside_china,
        override_hint="确属境外请勾选“允许境外坐标”（API：allow_outside_china=true）。"))
    _collect(errors, lambda: setattr(region, "boundary", geo.validate_boundary(region.boundary)))
    if errors:
        raise ValidationError(errors)


def _check_region_parent(actor, region: Region):
    parent = region.parent
    if parent is None:
        if actor is not None and not actor.is_superuser:
            raise ValidationError({"parent": "只有系统管理员可以新增顶级区划。"})
        if region.kind == Region.KIND_ZONE:
            raise ValidationError({"parent": "功能区必须隶属于某个行政区划。"})
        return
    stored_parent_id = Region.objects.filter(pk=region.pk).values_list("parent_id", flat=True).first()
    if region.pk is None or parent.pk != stored_parent_id:
        # Placing a region under a parent needs that parent in scope; keeping it where it is does not,
        # so a county user can edit the county itself although the city above is not theirs.
        require_region(actor, parent, field="parent")
    if parent.pk == region.pk or (region.pk and parent.path.startswith(region.path)):
        raise ValidationError({"parent": "上级区划不能是本区划或其下级。"})
    if parent.level == divisions.VILLAGE:
        raise ValidationError({"parent": "村级区划之下不能再设下级区划。"})


def _check_region_level(region: Region):
    """A division sits exactly one level below its parent; a functional zone anywhere below it."""
    if region.pk is not None and region.children.exists():
        stored_level = Region.objects.filter(pk=region.pk).values_list("level", flat=True).first()
        if region.level != stored_level:
            # The subtree would keep its old levels (a village under a village): refuse instead.
            raise ValidationError({"level": "该区划已有下级区划，不能改变级别；请先调整或移走下级区划。"})
    parent_level = region.parent.level if region.parent else None
    if region.kind == Region.KIND_ZONE:
        if region.code:
            raise ValidationError({"code": "功能区没有国家区划代码，请留空。"})
        if divisions.LEVELS.index(region.level) <= divisions.LEVELS.index(parent_level):
            raise ValidationError({"level": f"功能区的级别必须低于上级“{region.parent.name}”。"})
        return
    expected = divisions.child_level(parent_level)
    if region.level != expected:
        where = f"“{region.parent.name}”之下" if region.parent else "顶级"
        raise ValidationError({"level": f"{where}只能设{divisions.LEVEL_NAMES[expected]}区划，"
                                        f"不能设{divisions.LEVEL_NAMES.get(region.level, region.level)}区划。"})


def _check_region_code(region: Region):
    if not region.code:
        raise ValidationError({"code": "行政区划必须填写区划代码（功能区除外）。"})
    try:
        parsed = divisions.parse_code(region.code)
    except divisions.DivisionCodeError as exc:
        raise ValidationError({"code": str(exc)}) from exc
    if parsed.level != region.level:
        raise ValidationError(
            {"code": f"代码 {parsed.code} 是{divisions.LEVEL_NAMES[parsed.level]}代码，与级别“{divisions.LEVEL_NAMES[region.level]}”不符。"}
        )
    region.code = parsed.code
    lineage = region.parent.ancestors(include_self=True) if region.parent else []
    ancestor = next((a for a in reversed(lineage) if a.code), None)
    if ancestor is not None:
        try:
            divisions.check_child_code(parsed, divisions.parse_code(ancestor.code))
        except divisions.DivisionCodeError as exc:
            raise ValidationError({"code": str(exc)}) from exc


def _refresh_paths(region: Region):
    """Set region.path from its parent and carry the change down its subtree."""
    old = region.path
    new = f"{region.parent.path if region.parent else '/'}{region.pk}/"
    if old == new:
        return
    # The path is derived from the parent, whose change the region's own entry records (audit skips "path").
    Region.objects.filter(pk=region.pk).update(path=new)
    region.path = new
    if old:
        for child in Region.objects.filter(path__startswith=old).exclude(pk=region.pk):
            Region.objects.filter(pk=child.pk).update(path=new + child.path[len(old):])


@transaction.atomic
def save_region(actor, region: Region, data: dict, allow_outside_china=False) -> Region:
    save_scoped(actor, region, data, validate=lambda r: _check_region(actor, r, allow_outside_china))
    _refresh_paths(region)
    return region


def delete_region(actor, region: Region):
    delete_scoped(actor, region)


@transaction.atomic
def set_region_gdp(actor, region: Region, year: int, gdp_wan, is_demo=False) -> RegionGDP:
    require_region(actor, region)
    entry = RegionGDP.objects.filter(region=region, year=year).first() or RegionGDP(region=region, year=year)
    data = {"gdp_wan": gdp_wan, **({"is_demo": True} if is_demo else {})}
    return save_scoped(actor, entry, data)


# --- Organisations ----------------------------------------------------------

def _check_organisation(actor, organisation: Organisation):
    parent = organisation.parent
    if parent is not None:
        if parent.pk == organisation.pk:
            raise ValidationError({"parent": "上级单位不能是本单位。"})
        if actor is not None and not Organisation.objects.for_user(actor).filter(pk=parent.pk).exists():
            raise ValidationError({"parent": "上级单位不在您的管辖范围内。"})


def save_organisation(actor, organisation: Organisation, data: dict) -> Organisation:
    return save_scoped(actor, organisation, data, validate=lambda o: _check_organisation(actor, o))


def delete_organisation(actor, organisation: Organisation):
    delete_scoped(actor, organisation)


# --- Contacts (通讯录) --------------------------------------------------------

def _check_contact(actor, contact: Contact):
    """Phones in their canonical form (every problem at once), at least one number, a unit the actor can see."""
    errors: dict[str, list[str]] = {}
    for field, label in (("mobile", "手机号"), ("office_phone", "办公电话")):
        try:
            setattr(contact, field, normalise_phone(getattr(contact, field), field=field, label=label))
        except ValidationError as exc:
            errors.update(exc.message_dict)
    if "mobile" not in errors and contact.mobile and phone_kind(contact.mobile) != "mobile":
        errors["mobile"] = [f"“{contact.mobile}”不是手机号：固定电话或特服号码请填在“办公电话”中。"]
    if not errors and not contact.mobile and not contact.office_phone:
        errors["mobile"] = ["请至少填写手机或办公电话中的一项。"]
    if contact.is_duty_phone and not errors and not contact.office_phone:
        errors["office_phone"] = ["标为值班电话时，请在“办公电话”中填写值班室座机或特服号码。"]
    organisation = contact.organisation
    if organisation is not None and actor is not None and not Organisation.objects.for_user(actor).filter(
            pk=organisation.pk).exists():
        errors["organisation"] = ["所在单位不在您的管辖范围内。"]
    if errors:
        raise ValidationError(errors)


def save_contact(actor, contact: Contact, data: dict) -> Contact:
    """Create or edit a 通讯录 line of the actor's region (or below), audited."""
    return save_scoped(actor, contact, data, validate=lambda c: _check_contact(actor, c))


def delete_contact(actor, contact: Contact):
    delete_scoped(actor, contact)


# --- Users ------------------------------------------------------------------

def _role_groups(role_names) -> list[Group]:
    """Role codes or names → groups; an unknown role is a field error listing the valid ones."""
    unknown = [name for name in role_names if roles.role_name(name) is None]
    if unknown:
        raise ValidationError(
            {"roles": f"未知角色：{'、'.join(unknown)}。可选角色：{'、'.join(roles.ROLE_NAMES)}。"}
        )
    roles.ensure_roles()
    return list(Group.objects.filter(name__in=[roles.role_name(name) for name in role_names]))


ADMIN_ROLE = roles.ROLES["admin"]


def _is_admin(user: User, role_names=None) -> bool:
    """Can administer users: a superuser or a holder of the 管理员 role (role_names: after a pending change)."""
    names = role_names if role_names is not None else user.role_names
    return user.is_active and (user.is_superuser or ADMIN_ROLE in names)


def _other_active_admins(user: User) -> bool:
    admins = User.objects.filter(is_active=True).filter(Q(is_superuser=True) | Q(groups__name=ADMIN_ROLE))
    return admins.exclude(pk=user.pk).exists()


def _check_keeps_an_admin(actor, user: User, role_names=None):
    """Nobody deactivates themselves, and the last active administrator is never deactivated or demoted."""
    if actor is not None and actor.pk == user.pk and not user.is_active:
        raise ValidationError({"is_active": "不能停用自己的账号。"})
    stored = User.objects.get(pk=user.pk)
    if not _is_admin(stored) or _is_admin(user, role_names) or _other_active_admins(user):
        return
    if not user.is_active:
        field = "is_active"
    elif stored.is_superuser and not user.is_superuser:
        field = "is_superuser"
    else:
        field = "roles"
    raise ValidationError({field: "这是系统中最后一个有效的管理员账号，不能停用或取消其管理员权限；请先设置另一位管理员。"})


@transaction.atomic
def save_user(actor, user: User, data: dict, role_names=None, password=None) -> User:
    creating = user.pk is None
    if not creating:
        require_region(actor, User.objects.get(pk=user.pk).region)
    groups = _role_groups(role_names) if role_names is not None else None

    def validate(u):
        if not creating:
            _check_keeps_an_admin(actor, u, [g.name for g in groups] if groups is not None else None)
        if u.region is None and not u.is_superuser:
            raise ValidationError({"region": "请选择用户的所属区划：它决定用户能看到的数据范围。"})
        require_region(actor, u.region)
        if actor is not None and u.is_superuser and not actor.is_superuser:
            raise ValidationError({"is_superuser": "只有系统管理员可以授予系统管理员权限。"})
        if creating and not password:
            raise ValidationError({"password": "新用户必须设置初始密码。"})
        if password:
            try:
                validate_password(password, u)
            except ValidationError as exc:
                raise ValidationError({"password": exc.messages}) from exc
            u.set_password(password)

    save_audited(actor, user, data, "core.add_user" if creating else "core.change_user", validate=validate)
    if groups is not None:
        before = sorted(user.role_names)
        user.groups.set(groups)
        after = sorted(g.name for g in groups)
        if before != after:
            audit.record(actor, AuditEntry.UPDATE, user, {"roles": [before, after]})
    return user


@transaction.atomic
def change_password(actor, user: User, new_password: str):
    """A user changes their own password (or an admin resets it); the trail says so without the secret."""
    if actor is not None and actor.pk != user.pk:
        require_perm(actor, "core.change_user")
        require_region(actor, user.region)
    try:
        validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({"new_password1": exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit.record(actor, AuditEntry.UPDATE, user, {"password": ["（已隐藏）", "（已修改）"]})


def delete_user(actor, user: User):
    require_region(actor, user.region)
    if actor is not None and actor.pk == user.pk:
        raise ValidationError("不能删除自己的账号。")
    if _is_admin(user) and not _other_active_admins(user):
        raise ValidationError("这是系统中最后一个有效的管理员账号，不能删除；请先设置另一位管理员。")
    delete_audited(actor, user, "core.delete_user")
