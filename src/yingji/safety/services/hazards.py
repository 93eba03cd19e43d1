"""The hazard (隐患) closed loop: every step is one transaction that checks the actor's region, role and — for an
enterprise account — its own enterprise, writes the hazard (audited), and appends a line to its log.

待整改 →(整改方案) 整改中 →(整改完成) 待验收 →(验收通过) 已销号, or 待验收 →(验收不通过) 整改中.
A 重大事故隐患 may be listed for supervision (挂牌督办, county or city); acceptance closes the listing (销号)."""

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Case, CharField, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Substr
from django.utils import timezone

from yingji.core import audit, geo
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, person, require_perm, save_scoped, update_audited
from yingji.core.uploads import IMAGE_FORMATS, check_upload
from yingji.core.validators import normalise_phone
from yingji.standards import divisions, industries
from yingji.standards.tables import read_table

from ..models import Hazard, HazardSupervision, HazardUpdate, is_enterprise_account
from .common import authority_of, parse_date

DATA = Path(__file__).resolve().parent.parent / "data"
EVERYONE = ("管理员", "值班员", "指挥长", "消防调度员", "安全监管员", "乡镇用户", "领导", "企业用户")


def grant_roles(roles):
    """Everyone on duty may look; inspectors, townships (public places) and enterprise accounts (their own
    hazards: 自查自改自报) report and rectify; inspectors accept (复查验收/销号); inspectors and leaders 挂牌."""
    for role in EVERYONE:
        roles.grant(role, ["safety.view_hazard", "safety.view_hazardupdate", "safety.view_hazardsupervision"])
    for role in ("管理员", "安全监管员", "乡镇用户", "企业用户"):
        roles.grant(role, ["safety.add_hazard", "safety.change_hazard"])
    for role in ("管理员", "安全监管员"):
        roles.grant(role, ["safety.delete_hazard", "safety.accept_hazard"])
    for role in ("管理员", "安全监管员", "领导"):
        roles.grant(role, ["safety.supervise_hazard"])


# --- 重大事故隐患判定标准 (data/major_hazard_criteria.csv) ------------------------------------------------------

@dataclass(frozen=True)
class Criterion:
    code: str
    text: str
    source: str
    categories: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"{self.code} {self.text}"


@cache
def criteria() -> dict[str, Criterion]:
    return {row["code"]: Criterion(row["code"], row["text"], row["source"], tuple(row["categories"].split(";")))
            for row in read_table(DATA / "major_hazard_criteria.csv")}


def criteria_for(category: str | None) -> list[Criterion]:
    """The criteria that apply to an enterprise of `category` (监管类别); none for a public place."""
    return [c for c in criteria().values() if category and category in c.categories]


# --- checks ----------------------------------------------------------------------------------------------------

def may_rectify(actor, hazard: Hazard) -> bool:
    """Who takes an existing hazard through its rectification: an enterprise account its own enterprise's only;
    an enterprise's hazard otherwise the supervising inspectors (who may accept); a public place's hazard
    whoever keeps that area (the township). The role (change_hazard) and the region are checked apart."""
    if actor is None:
        return True
    if is_enterprise_account(actor):
        return hazard.enterprise_id is not None and hazard.enterprise.accounts.filter(pk=actor.pk).exists()
    return hazard.enterprise_id is None or actor.has_perm("safety.accept_hazard")


def _require_own(actor, hazard: Hazard):
    if may_rectify(actor, hazard):
        return
    if is_enterprise_account(actor):
        raise PermissionDenied("企业账号只能处理本企业的隐患。")
    raise PermissionDenied("企业的隐患由企业整改、监管部门复查验收；乡镇可登记，不能代为办理整改。")


def _require_status(hazard: Hazard, allowed: tuple, action: str):
    if hazard.status not in allowed:
        names = "、".join(dict(Hazard.STATUS_CHOICES)[s] for s in allowed)
        raise ValidationError({"status": [f"隐患当前为“{hazard.get_status_display()}”，不能{action}"
                                          f"（只有{names}的隐患可以{action}）。"]})


def _funds(value, errors: dict):
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        errors["funds_wan"] = [f"整改资金“{value}”不是有效金额（万元）。"]
        return None
    if not amount.is_finite() or amount < 0:
        errors["funds_wan"] = ["整改资金（万元）不能为负数。"]
    elif amount >= Decimal("100000000"):
        errors["funds_wan"] = ["整改资金（万元）过大，请核对单位（万元）。"]
    elif amount != amount.quantize(Decimal("0.01")):
        errors["funds_wan"] = ["整改资金（万元）最多保留两位小数。"]
    return amount


def _check_hazard(actor, hazard: Hazard, creating: bool):
    errors: dict[str, list[str]] = {}
    if not creating and hazard.status == Hazard.CLOSED:
        raise ValidationError({"status": ["隐患已销号，不能再修改。"]})
    if actor is not None and is_enterprise_account(actor):
        if hazard.enterprise_id is None:
            errors["enterprise"] = ["企业账号登记隐患须选择本企业。"]
        elif not hazard.enterprise.accounts.filter(pk=actor.pk).exists():
            raise PermissionDenied("企业账号只能处理本企业的隐患。")
        if creating:
            hazard.source = "self_check"  # what an enterprise reports itself is its own 自查
    if hazard.enterprise_id is not None:
        hazard.region = hazard.enterprise.region  # an enterprise's hazard lies where the enterprise is
        if hazard.longitude is None and hazard.latitude is None:  # on the map at the enterprise, unless placed
            hazard.longitude, hazard.latitude = hazard.enterprise.longitude, hazard.enterprise.latitude
    elif not hazard.location.strip() and hazard.longitude is None:
        errors["location"] = ["公共场所的隐患请填写隐患地点或标注经纬度。"]
    today = timezone.localdate()
    if hazard.found_on and hazard.found_on > today:
        errors["found_on"] = ["发现日期不能晚于今天。"]
    if hazard.deadline and hazard.found_on and hazard.deadline < hazard.found_on:
        errors["deadline"] = [f"整改期限（{hazard.deadline:%Y-%m-%d}）不能早于发现日期（{hazard.found_on:%Y-%m-%d}）。"]
    _check_grade(hazard, errors)
    try:
        geo.validate_point(hazard.longitude, hazard.latitude)
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if errors:
        raise ValidationError(errors)


def _check_grade(hazard: Hazard, errors: dict):
    if hazard.grade != Hazard.MAJOR:
        hazard.criterion, hazard.criterion_basis = "", ""
        return
    category = hazard.enterprise.category if hazard.enterprise_id else None
    listed = criteria_for(category)
    if listed:
        hazard.criterion_basis = hazard.criterion_basis.strip()
        if not hazard.criterion:
            errors["criterion"] = ["重大事故隐患须选择所符合的判定标准条款。"]
        elif hazard.criterion not in {c.code for c in listed}:
            errors["criterion"] = [f"条款“{hazard.criterion}”不适用于监管类别“{hazard.enterprise.get_category_display()}”。"]
    else:
        hazard.criterion = ""
        if not hazard.criterion_basis.strip():
            errors["criterion_basis"] = ["该监管类别（或公共场所）没有收录判定标准条款：重大事故隐患须写明判定依据。"]


def _check_photo(upload, field: str) -> str:
    """Check an uploaded photo by content; returns the extension to store it under."""
    return IMAGE_FORMATS[check_upload(upload, images_only=True, field=field)]


def _store_photo(upload, extension: str) -> str:
    """Store a checked photo under a name of our own (never the sender's); returns the stored name."""
    return default_storage.save(f"safety/hazards/{timezone.localdate():%Y/%m}/{uuid.uuid4().hex}.{extension}", upload)


def _log(actor, hazard: Hazard, kind: str, text: str, photo_name: str = ""):
    HazardUpdate.objects.create(hazard=hazard, kind=kind, text=text, actor=person(actor), photo=photo_name or "")


def _hazard_for_write(actor, hazard: Hazard, perm: str, rectifying: bool = True) -> Hazard:
    """The stored hazard, locked, after the region and role checks and, for the rectification steps, the check
    of who rectifies it (may_rectify); 验收 and 挂牌 are their own permissions (never an enterprise account's)."""
    require_perm(actor, perm)
    stored = Hazard.objects.select_for_update(of=("self",)).select_related("enterprise", "region").get(pk=hazard.pk)
    require_region(actor, stored.region)
    if rectifying:
        _require_own(actor, stored)
    elif actor is not None and is_enterprise_account(actor):
        raise PermissionDenied("企业不能验收或挂牌督办隐患。")  # whatever permissions it was given by mistake
    return stored


def _set(actor, hazard: Hazard, **values) -> Hazard:
    update_audited(actor, Hazard.objects.filter(pk=hazard.pk), **values)
    return Hazard.objects.select_related("enterprise", "region").get(pk=hazard.pk)


# --- the loop --------------------------------------------------------------------------------------------------

@transaction.atomic
def save_hazard(actor, hazard: Hazard, data: dict, photo=None) -> Hazard:
    """Report (no pk) or correct a hazard's facts; the loop's fields change only through the steps below."""
    creating = hazard.pk is None
    data = {k: v for k, v in data.items() if k not in LOOP_FIELDS}
    if not creating:
        stored = Hazard.objects.select_related("enterprise").get(pk=hazard.pk)
        _require_own(actor, stored)
        _refuse_findings(actor, stored, data)

    def check(h):
        errors = {}
        extension = _photo_or_error(photo, "photo_before", errors, store=False)
        try:
            _check_hazard(actor, h, creating)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
        if extension:
            h.photo_before = data["photo_before"] = _store_photo(photo, extension)

    hazard = save_scoped(actor, hazard, data, validate=check)
    if creating:
        _log(actor, hazard, "report", f"{hazard.get_source_display()}发现{hazard.get_grade_display()}：{hazard.title}",
             data.get("photo_before", ""))
    return hazard


# The finding as the bureau recorded it: an enterprise account may not regrade or postpone its own hazard, and once
# a plan is in, the deadline moves only with a new plan (submit_plan), never by editing the hazard.
FINDING_FIELDS = {"grade": "隐患等级", "criterion": "判定标准条款", "criterion_basis": "判定依据", "deadline": "整改期限",
                  "found_on": "发现日期", "source": "隐患来源"}


def _refuse_findings(actor, stored: Hazard, data: dict):
    enterprise = actor is not None and is_enterprise_account(actor)
    fixed = set(FINDING_FIELDS) if enterprise else ({"deadline"} if stored.status != Hazard.PENDING else set())
    changed = [f for f in fixed if f in data and data[f] != getattr(stored, f)]
    if changed:
        reason = "由监管部门认定，企业账号不能修改" if enterprise else "已随整改方案确定，请通过提交整改方案修改"
        raise ValidationError({f: [f"{FINDING_FIELDS[f]}{reason}。"] for f in changed})


LOOP_FIELDS = {"status", "measures", "funds_wan", "responsible", "responsible_phone", "rectified_on", "closed_on",
               "accepted_by", "photo_after"}


@transaction.atomic
def submit_plan(actor, hazard: Hazard, data: dict) -> Hazard:
    """整改方案: measures, funds (万元), responsible person and phone, deadline. 待整改 → 整改中 (a plan may be
    revised while rectifying)."""
    hazard = _hazard_for_write(actor, hazard, "safety.change_hazard")
    _require_status(hazard, (Hazard.PENDING, Hazard.RECTIFYING), "提交整改方案")
    errors: dict[str, list[str]] = {}
    measures = str(data.get("measures") or "").strip()
    if not measures:
        errors["measures"] = ["请填写整改措施。"]
    funds = _funds(data.get("funds_wan"), errors)
    responsible = str(data.get("responsible") or "").strip()
    if not responsible:
        errors["responsible"] = ["请填写整改责任人。"]
    phone = ""
    try:
        phone = normalise_phone(data.get("responsible_phone"), "responsible_phone", label="责任人电话")
    except ValidationError as exc:
        errors.update(exc.message_dict)
    if not phone and "responsible_phone" not in errors:
        errors["responsible_phone"] = ["请填写责任人电话。"]
    deadline = parse_date(data.get("deadline"), "deadline", "整改期限", errors)
    if deadline and deadline < hazard.found_on:
        errors["deadline"] = [f"整改期限（{deadline:%Y-%m-%d}）不能早于发现日期（{hazard.found_on:%Y-%m-%d}）。"]
    if errors:
        raise ValidationError(errors)
    hazard = _set(actor, hazard, status=Hazard.RECTIFYING, measures=measures, funds_wan=funds,
                  responsible=responsible, responsible_phone=phone, deadline=deadline)
    funds_text = f"，资金 {funds} 万元" if funds is not None else ""
    _log(actor, hazard, "plan", f"整改措施：{measures}{funds_text}；责任人 {responsible}（{phone}）；"
                                f"整改期限 {deadline:%Y-%m-%d}")
    return hazard


@transaction.atomic
def report_progress(actor, hazard: Hazard, text: str, photo=None) -> Hazard:
    """整改进展 while rectifying: a line in the log, with an optional photo."""
    hazard = _hazard_for_write(actor, hazard, "safety.change_hazard")
    _require_status(hazard, (Hazard.RECTIFYING,), "报告整改进展")
    errors = {}
    if not str(text or "").strip():
        errors["text"] = ["请填写整改进展。"]
    name = _photo_or_error(photo, "photo", errors)  # stored only when nothing else is wrong
    if errors:
        raise ValidationError(errors)
    _log(actor, hazard, "progress", text.strip(), name)
    # The hazard itself does not change: its trail still says who reported what progress, when.
    audit.record(actor, AuditEntry.UPDATE, hazard, {"整改进展": [None, text.strip()]})
    return hazard


def _photo_or_error(photo, field: str, errors: dict, store=True) -> str:
    """The stored name of a checked photo ("" without one); a refused photo is an error of `field`. With
    store=False only the check: the extension."""
    if not photo:
        return ""
    try:
        extension = _check_photo(photo, field)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        return ""
    return _store_photo(photo, extension) if store and not errors else extension


@transaction.atomic
def report_rectified(actor, hazard: Hazard, text: str, photo=None, rectified_on=None) -> Hazard:
    """整改完成, with notes and the photo after: 整改中 → 待验收."""
    hazard = _hazard_for_write(actor, hazard, "safety.change_hazard")
    _require_status(hazard, (Hazard.RECTIFYING,), "报告整改完成")
    errors: dict[str, list[str]] = {}
    if not str(text or "").strip():
        errors["text"] = ["请说明整改完成情况。"]
    done = parse_date(rectified_on, "rectified_on", "整改完成日期", errors, required=False) or timezone.localdate()
    if "rectified_on" not in errors and (done < hazard.found_on or done > timezone.localdate()):
        errors["rectified_on"] = ["整改完成日期应在发现日期与今天之间。"]
    name = _photo_or_error(photo, "photo", errors)
    if errors:
        raise ValidationError(errors)
    values = {"status": Hazard.AWAITING, "rectified_on": done}
    if name:
        values["photo_after"] = name
    hazard = _set(actor, hazard, **values)
    _log(actor, hazard, "rectified", text.strip(), name)
    return hazard


@transaction.atomic
def accept(actor, hazard: Hazard, text: str = "") -> Hazard:
    """复查验收通过: 待验收 → 已销号, by an inspector; an open 挂牌督办 is closed (销号) the same day."""
    hazard = _hazard_for_write(actor, hazard, "safety.accept_hazard", rectifying=False)
    _require_status(hazard, (Hazard.AWAITING,), "验收销号")
    today = timezone.localdate()
    hazard = _set(actor, hazard, status=Hazard.CLOSED, closed_on=today, accepted_by=person(actor))
    listings = HazardSupervision.objects.filter(hazard=hazard, closed_on__isnull=True)
    numbers = list(listings.values_list("number", flat=True))
    update_audited(actor, listings, closed_on=today)
    closing = f"；挂牌督办（{'、'.join(numbers)}）同时销号" if numbers else ""
    _log(actor, hazard, "accepted", f"复查验收通过，予以销号{closing}。{str(text or '').strip()}".strip())
    return hazard


@transaction.atomic
def reject(actor, hazard: Hazard, reason: str) -> Hazard:
    """验收不通过 (reason required): back to 整改中."""
    hazard = _hazard_for_write(actor, hazard, "safety.accept_hazard", rectifying=False)
    _require_status(hazard, (Hazard.AWAITING,), "验收")
    if not str(reason or "").strip():
        raise ValidationError({"reason": ["请填写验收不通过的原因。"]})
    hazard = _set(actor, hazard, status=Hazard.RECTIFYING, rectified_on=None)
    _log(actor, hazard, "rejected", f"验收不通过：{reason.strip()}")
    return hazard


LEVEL_OF_REGION = {"county": divisions.COUNTY, "city": divisions.CITY}


@transaction.atomic
def supervise(actor, hazard: Hazard, data: dict) -> HazardSupervision:
    """挂牌督办 of an open 重大事故隐患 by the county or the city (a listing at a level needs a user of that
    level or above), with its notice number and deadline."""
    hazard = _hazard_for_write(actor, hazard, "safety.supervise_hazard", rectifying=False)
    errors: dict[str, list[str]] = {}
    if hazard.grade != Hazard.MAJOR:
        errors["grade"] = ["只有重大事故隐患可以挂牌督办。"]
    if hazard.status == Hazard.CLOSED:
        errors["status"] = ["隐患已销号，不能挂牌督办。"]
    if HazardSupervision.objects.filter(hazard=hazard, closed_on__isnull=True).exists():
        errors["hazard"] = ["该隐患已在挂牌督办中。"]
    level = data.get("level") or ""
    if level not in LEVEL_OF_REGION:
        errors["level"] = ["请选择督办层级（县级或市级）。"]
    elif actor is not None and not actor.is_superuser:
        home = getattr(actor, "region", None)
        wanted = LEVEL_OF_REGION[level]
        if home is None or divisions.LEVELS.index(home.level) > divisions.LEVELS.index(wanted):
            errors["level"] = [f"{dict(HazardSupervision.LEVEL_CHOICES)[level]}挂牌督办须由{dict(HazardSupervision.LEVEL_CHOICES)[level]}"
                               "或以上的监管部门办理。"]
    number = str(data.get("number") or "").strip()
    if not number:
        errors["number"] = ["请填写督办文号，如“乐应急督〔2026〕3号”。"]
    elif HazardSupervision.objects.filter(number=number).exists():
        errors["number"] = [f"督办文号“{number}”已使用。"]
    deadline = parse_date(data.get("deadline"), "deadline", "督办整改期限", errors)
    if deadline and deadline < hazard.found_on:
        errors["deadline"] = [f"督办整改期限（{deadline:%Y-%m-%d}）不能早于发现日期（{hazard.found_on:%Y-%m-%d}）。"]
    authority = str(data.get("authority") or "").strip() or authority_of(getattr(actor, "region", None), LEVEL_OF_REGION.get(level))
    if errors:
        raise ValidationError(errors)
    listing = save_scoped(actor, HazardSupervision(), {
        "hazard": hazard, "level": level, "number": number, "authority": authority, "deadline": deadline,
        "requirements": str(data.get("requirements") or "").strip(), "listed_on": timezone.localdate(),
        "listed_by": person(actor)}, field="hazard", perm="safety.supervise_hazard")
    _log(actor, hazard, "supervised", f"{listing.get_level_display()}挂牌督办（{number}），督办整改期限 "
                                      f"{deadline:%Y-%m-%d}")
    return listing


def delete_hazard(actor, hazard: Hazard):
    _require_own(actor, hazard)
    delete_scoped(actor, hazard)


# --- overdue, escalation and statistics ------------------------------------------------------------------------

def overdue_q(today=None) -> Q:
    """Open and past the deadline: the list filter overdue=1, the statistics' 逾期数 and the escalation."""
    return Q(status__in=Hazard.OPEN, deadline__lt=today or timezone.localdate())


def escalated(queryset, today=None):
    """Overdue 重大事故隐患: what the county and the city are shown (their scoping gives each its own)."""
    return queryset.filter(overdue_q(today), grade=Hazard.MAJOR)


def supervised_q() -> Q:
    """Under an open 挂牌督办 (a subquery: no duplicate rows from the join)."""
    return Q(pk__in=HazardSupervision.objects.filter(closed_on__isnull=True).values("hazard_id"))


DIMENSIONS = {"region": "按区划", "industry": "按行业", "grade": "按等级", "month": "按月份"}


def _measures(today) -> dict:
    """发现数, 整改数 (closed) and 逾期数 as aggregates: COUNT and SUM of CASE, in one grouped query."""
    return {"found": Count("id"),
            "closed": Sum(Case(When(status=Hazard.CLOSED, then=Value(1)), default=Value(0),
                               output_field=IntegerField())),
            "overdue": Sum(Case(When(overdue_q(today), then=Value(1)), default=Value(0),
                                output_field=IntegerField()))}


def statistics(queryset, dimension: str, today=None, root: Region | None = None) -> list[dict]:
    """发现数, 整改数 (closed), 整改率 and 逾期数 per region, industry (GB/T 4754 大类 of the enterprise), grade or
    month of finding: one grouped query (COUNT of CASE per measure), never a loop over hazards.

    By region the hazards roll up into the regions right below `root` (a county: one row per township, a
    village's hazards counted for its township; a city: one row per county; no root: the top regions), every
    one of them listed, found or not, and the hazards registered on `root` itself in a row of their own (本级).
    Only hazards within `root` count (in every dimension)."""
    if dimension not in DIMENSIONS:
        raise ValidationError({"by": [f"统计维度应为 {'、'.join(DIMENSIONS)} 之一。"]})
    queryset = queryset.order_by()
    if root is not None:
        queryset = queryset.filter(region__path__startswith=root.path)
    if dimension == "region":
        return _by_region(queryset, today, root)
    keys = {"industry": ["enterprise__industry"], "grade": ["grade"], "month": ["month"]}[dimension]
    if dimension == "month":  # "YYYY-MM" of the ISO date text: plain SQL in SQLite and PostgreSQL alike (TruncMonth
        # is a Python function per row in SQLite, three times slower over 100,000 hazards)
        queryset = queryset.annotate(month=Substr(Cast("found_on", CharField()), 1, 7))
    rows = queryset.values(*keys).annotate(**_measures(today)).order_by(*keys)
    return [_stat_row(dimension, row) for row in rows]


def _by_region(queryset, today, root: Region | None) -> list[dict]:
    """Grouped by the hazards' region in SQL (one row per region that has hazards: hundreds, not 100,000), then
    each region is credited, by its path, to the region right below `root` on it."""
    depth = len(_path_ids(root.path)) if root is not None else 0
    below = Region.objects.filter(parent=root) if root is not None else Region.objects.filter(parent__isnull=True)
    below = below.only("id", "name").order_by(F("code").asc(nulls_last=True), "name")  # zones (no code) last
    rows = {r.pk: _zero(str(r.pk), r.name) for r in below}
    own = _zero(str(root.pk) if root is not None else "", f"{root.name}本级" if root is not None else "")
    groups = list(queryset.values("region_id").annotate(**_measures(today)).order_by())
    paths = dict(Region.objects.filter(pk__in=[g["region_id"] for g in groups]).values_list("id", "path"))
    for group in groups:
        ids = _path_ids(paths.get(group["region_id"], ""))
        if len(ids) <= depth:  # on root itself
            target = own
        else:
            target = rows.get(ids[depth])
            if target is None:  # a region below root created since `below` was read
                name = Region.objects.filter(pk=ids[depth]).values_list("name", flat=True).first() or ""
                target = rows[ids[depth]] = _zero(str(ids[depth]), name)
        for measure in ("found", "closed", "overdue"):
            target[measure] += group[measure] or 0
    result = list(rows.values()) + ([own] if own["found"] else [])
    return [_with_rate(row) for row in result]


def statistics_root(user, value=None) -> Region | None:
    """The region the statistics roll up under: ?region=<id> when the user may see it, else the user's own
    region (none for a user of no region: the top regions). A bad or foreign id is an error naming the field."""
    from yingji.core.scoping import scope

    if value in (None, ""):
        return getattr(user, "region", None)
    text = str(value)
    found = None
    if text.isascii() and text.isdigit() and len(text) < 10:
        found = scope(Region.objects.all(), user).filter(pk=int(text)).first()
    if found is None:
        raise ValidationError({"region": [f"区划“{text}”不存在或不在您的管辖范围内。"]})
    return found


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _zero(key: str, label: str) -> dict:
    return {"key": key, "label": label, "found": 0, "closed": 0, "overdue": 0}


def _with_rate(row: dict) -> dict:
    found, closed = row["found"], row["closed"]
    row["rate"] = round(closed / found * 100, 1) if found else None
    return row


def total(rows: list[dict], label: str = "合计") -> dict:
    """The sum of a table's rows (any dimension: each hazard is in exactly one row), its rate recomputed."""
    return _with_rate({"key": "total", "label": label, "found": sum(r["found"] for r in rows),
                       "closed": sum(r["closed"] for r in rows), "overdue": sum(r["overdue"] for r in rows)})


def _stat_row(dimension: str, row: dict) -> dict:
    if dimension == "industry":
        key = row["enterprise__industry"] or ""
        division = industries.divisions().get(key) if key else None
        label = division.label if division else ("公共场所" if not key else key)
    elif dimension == "grade":
        key, label = row["grade"], dict(Hazard.GRADE_CHOICES).get(row["grade"], row["grade"])
    else:
        key = label = row["month"] or ""
    return _with_rate({"key": key, "label": label, "found": row["found"], "closed": row["closed"] or 0,
                       "overdue": row["overdue"] or 0})


def board(queryset, today=None) -> dict:
    """The inspector's counts in one query: open, overdue, overdue 重大 (escalated), under 挂牌督办 (acceptance closes
    a listing, so only open hazards are listed). Only the open hazards are read (index status, deadline): the
    closed ones, most of any year's hazards, are not scanned."""
    overdue = Q(deadline__lt=today or timezone.localdate())
    return queryset.filter(status__in=Hazard.OPEN).order_by().aggregate(
        open=Count("id"), overdue=Count("id", filter=overdue),
        escalated=Count("id", filter=overdue & Q(grade=Hazard.MAJOR)), supervised=Count("id", filter=supervised_q()))


def board_cards(user) -> list[dict]:
    """The hazard cards of the inspector's board (dashboard.cards format), each linking to the filtered list:
    open, overdue, overdue 重大 (escalated) and under 挂牌督办, counted in one query."""
    from django.urls import reverse

    from yingji.core.scoping import scope

    if not user.has_perm("safety.view_hazard"):
        return []
    counts = board(scope(Hazard.objects.all(), user))
    url = reverse("safety:hazard_list")
    return [
        {"label": "未销号隐患", "value": counts["open"], "note": "待整改、整改中、待验收", "url": url + "?open=1", "tone": ""},
        {"label": "逾期未整改隐患", "value": counts["overdue"], "note": "已过整改期限", "url": url + "?overdue=1",
         "tone": "warn" if counts["overdue"] else ""},
        {"label": "逾期重大隐患", "value": counts["escalated"], "note": "上报县、市督办",
         "url": url + "?overdue=1&grade=major", "tone": "warn" if counts["escalated"] else ""},
        {"label": "挂牌督办中", "value": counts["supervised"], "note": "重大事故隐患挂牌督办", "url": url + "?supervised=1",
         "tone": ""},
    ]
