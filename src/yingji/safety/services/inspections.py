"""Inspections and enforcement (执法检查): plans, the inspector pool, 双随机一公开 draws, inspections on a checklist
whose failed items become hazards (through the hazard services), 执法文书, penalties and the 失信 list. Every write
is one transaction through save_scoped (region-checked, audited); every error names its field in Chinese.

How a draw is made (published with it, so that anyone can redo it — `yingji safety redraw --draw N`):
1. The enterprise pool: enterprises in operation (正常生产经营) of the chosen 监管类别 in the chosen region and below;
   the inspector pool: the bureau's inspectors marked 在岗. Both are stored with the draw as they were.
2. Excluded pairs (回避): an inspector and an enterprise he or she is tied to, and an inspector and an enterprise
   he or she was drawn for in the bureau's previous draw (never the same inspector twice running).
3. Enterprises are ranked by SHA-256("种子:统一社会信用代码") as hexadecimal text, ascending; they are taken in that
   order. For each, the eligible inspectors (not excluded) are ranked by (times already drawn in this draw,
   SHA-256("种子:信用代码:执法证号")) and the first N are drawn; an enterprise that cannot be given N eligible
   inspectors is passed over for the next one.
A hash ranking rather than a library's random stream: any tool (a spreadsheet, a few lines of any language) can
redo it, and it does not depend on a library version keeping its stream."""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, person, require_perm, save_scoped
from yingji.standards import divisions
from yingji.standards.tables import read_table

from ..models import (
    CreditListing,
    Draw,
    DrawAssignment,
    EnforcementDocument,
    Enterprise,
    Hazard,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)

DATA = Path(__file__).resolve().parent.parent / "data"
CATEGORIES = dict(Enterprise.CATEGORY_CHOICES)
WRITE = ["inspectionplan", "inspector", "draw", "drawassignment", "inspection", "enforcementdocument", "penalty",
         "creditlisting"]
OWN_ENTERPRISE = ["inspection", "enforcementdocument", "penalty", "creditlisting"]  # what an enterprise sees of itself


def grant_roles(roles):
    """Inspectors and administrators run the inspections; leaders, duty officers and townships read; an
    enterprise account reads its own inspections, documents, penalties and listings (EnterpriseScoped)."""
    for role in ("管理员", "安全监管员"):
        roles.grant(role, [f"safety.{a}_{m}" for m in WRITE for a in ("view", "add", "change", "delete")])
    for role in ("领导", "值班员", "乡镇用户"):
        roles.grant(role, [f"safety.view_{m}" for m in WRITE])
    roles.grant("企业用户", [f"safety.view_{m}" for m in OWN_ENTERPRISE])


# --- checklists (检查表, data/checklists.csv) ------------------------------------------------------------------

@dataclass(frozen=True)
class Checklist:
    code: str
    title: str
    categories: tuple[str, ...]
    items: tuple[dict, ...]


@cache
def checklists() -> dict[str, Checklist]:
    rows: dict[str, list[dict]] = {}
    for row in read_table(DATA / "checklists.csv"):
        rows.setdefault(row["checklist"], []).append(row)
    return {code: Checklist(code, items[0]["title"], tuple(items[0]["categories"].split(";")),
                            tuple({"code": r["code"], "item": r["item"], "basis": r["basis"]} for r in items))
            for code, items in rows.items()}


def checklist_for(category: str) -> Checklist:
    """The checklist of a 监管类别, or the general one ("*")."""
    found = next((c for c in checklists().values() if category in c.categories), None)
    return found or next(c for c in checklists().values() if "*" in c.categories)


# --- small checks ----------------------------------------------------------------------------------------------

def _date(value, field: str, label: str, errors: dict, required=True):
    if value in (None, ""):
        if required:
            errors[field] = [f"请填写{label}。"]
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [f"{label}“{value}”不是有效日期（格式：2026-05-01）。"]
        return None


def _not_future(day, field: str, label: str, errors: dict):
    if day is not None and field not in errors and day > timezone.localdate():
        errors[field] = [f"{label}不能晚于今天。"]


def _raise(errors: dict):
    if errors:
        raise ValidationError(errors)


def _record_m2m(actor, instance, field: str, before: list[str], after: list[str]):
    """Many-to-many links are not in the record's own snapshot: their change is an entry of its own."""
    if sorted(before) != sorted(after):
        audit.record(actor, AuditEntry.UPDATE, instance, audit.diff({field: sorted(before)}, {field: sorted(after)}))


def _set_inspectors(actor, instance, inspectors):
    names = lambda rows: [str(i) for i in rows]  # noqa: E731
    before = names(instance.inspectors.all())
    instance.inspectors.set(inspectors)
    _record_m2m(actor, instance, "inspectors", before, names(inspectors))


def county_of(region: Region | None) -> Region | None:
    """The county (or city) a region lies in: the bureau whose name heads documents."""
    while region is not None and region.level not in (divisions.COUNTY, divisions.CITY, divisions.PROVINCE):
        region = region.parent
    return region


def authority_of(region: Region | None) -> str:
    bureau = county_of(region)
    return f"{bureau.name}应急管理局" if bureau is not None else "应急管理局"


# --- plans ---------------------------------------------------------------------------------------------------

def _check_plan(plan: InspectionPlan):
    errors: dict[str, list[str]] = {}
    this_year = timezone.localdate().year
    if plan.year and not this_year - 5 <= plan.year <= this_year + 1:
        errors["year"] = [f"年度应在 {this_year - 5} 到 {this_year + 1} 之间。"]
    elif plan.region_id and InspectionPlan.objects.filter(region=plan.region, year=plan.year).exclude(
            pk=plan.pk).exists():
        errors["year"] = [f"{plan.region.name}已有 {plan.year} 年度的检查计划。"]
    quotas, bad = {}, []
    given = plan.quotas or {}
    if not isinstance(given, dict):  # the API takes JSON: {"类别": {"key": n, "general": n}}
        given, bad = {}, ["检查家次应写成 {监管类别: {\"key\": 重点检查家次, \"general\": 一般检查家次}}"]
    for category, counts in given.items():
        if category not in CATEGORIES:
            bad.append(f"未知监管类别“{category}”")
            continue
        if counts is not None and not isinstance(counts, dict):
            bad.append(f"{CATEGORIES[category]}的检查家次应写成 {{\"key\": 重点检查家次, \"general\": 一般检查家次}}")
            continue
        clean = {}
        for kind, label in (("key", "重点检查"), ("general", "一般检查")):
            value = (counts or {}).get(kind) or 0
            try:
                value = int(value)
            except (TypeError, ValueError):
                value = -1
            if value < 0 or value > 10000:
                bad.append(f"{CATEGORIES[category]}的{label}家次应为 0 到 10000 的整数")
            clean[kind] = value
        if clean["key"] or clean["general"]:
            quotas[category] = clean
    if bad:
        errors["quotas"] = ["；".join(bad) + "。"]
    elif not quotas:
        errors["quotas"] = ["请至少填写一个监管类别的检查家次。"]
    plan.quotas = quotas
    if not (plan.title or "").strip() and plan.region_id and plan.year:
        plan.title = f"{plan.region.name}{plan.year}年度安全生产监督检查计划"
    _raise(errors)


def save_plan(actor, plan: InspectionPlan, data: dict) -> InspectionPlan:
    if plan.pk and plan.status == InspectionPlan.PUBLISHED and set(data) - {"notes", "is_demo"}:
        stored = InspectionPlan.objects.get(pk=plan.pk)
        if any(data.get(k, getattr(stored, k)) != getattr(stored, k) for k in ("year", "quotas", "region")):
            raise ValidationError({"status": ["计划已发布，不能再修改年度、区划或检查数量。"]})
    data = {k: v for k, v in data.items() if k not in ("status", "published_on")}
    return save_scoped(actor, plan, data, validate=_check_plan)


@transaction.atomic
def publish_plan(actor, plan: InspectionPlan) -> InspectionPlan:
    if plan.status == InspectionPlan.PUBLISHED:
        raise ValidationError({"status": ["计划已发布。"]})
    return save_scoped(actor, plan, {"status": InspectionPlan.PUBLISHED, "published_on": timezone.localdate()})


def delete_plan(actor, plan: InspectionPlan):
    if plan.draws.exists():
        raise ValidationError("该计划已有抽取记录（已公开），不能删除。")
    delete_scoped(actor, plan)


def plan_progress(plan: InspectionPlan) -> list[dict]:
    """Per 监管类别: planned 重点/一般, drawn so far, inspections done in the plan's year (its region and below)."""
    done = dict(Inspection.objects.filter(
        enterprise__region__path__startswith=plan.region.path, inspected_on__year=plan.year,
        status=Inspection.DONE).values_list("enterprise__category").annotate(n=Count("id")).order_by())
    drawn: dict[str, int] = {}
    for row in DrawAssignment.objects.filter(draw__plan=plan).values_list("enterprise__category"):
        drawn[row[0]] = drawn.get(row[0], 0) + 1
    return [{"category": c, "label": CATEGORIES.get(c, c), "key": plan.quota(c, "key"),
             "general": plan.quota(c, "general"), "drawn": drawn.get(c, 0), "done": done.get(c, 0)}
            for c in plan.quotas]


# --- the inspector pool ------------------------------------------------------------------------------------------

def _check_inspector(inspector: Inspector):
    errors = {}
    inspector.name = (inspector.name or "").strip()
    inspector.badge_number = re.sub(r"\s+", "", inspector.badge_number or "")
    if not inspector.name:
        errors["name"] = ["请填写姓名。"]
    if not inspector.badge_number:
        errors["badge_number"] = ["请填写执法证号。"]
    elif Inspector.objects.filter(badge_number=inspector.badge_number).exclude(pk=inspector.pk).exists():
        errors["badge_number"] = [f"执法证号“{inspector.badge_number}”已登记。"]
    _raise(errors)


@transaction.atomic
def save_inspector(actor, inspector: Inspector, data: dict) -> Inspector:
    data = dict(data)
    conflicts = data.pop("conflicts", None)
    inspector = save_scoped(actor, inspector, data, validate=_check_inspector)
    if conflicts is not None:
        before = [e.name for e in inspector.conflicts.all()]
        inspector.conflicts.set(conflicts)
        _record_m2m(actor, inspector, "conflicts", before, [e.name for e in conflicts])
    return inspector


def delete_inspector(actor, inspector: Inspector):
    if inspector.assignments.exists() or inspector.inspections.exists():
        raise ValidationError("该执法人员已参加抽取或检查，不能删除；不再参加抽取请取消“在岗”。")
    delete_scoped(actor, inspector)


# --- 双随机一公开 ------------------------------------------------------------------------------------------------

class DrawError(ValueError):
    """Why a draw cannot be made: `field` names the parameter."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def rank(seed: str, *keys: str) -> str:
    return hashlib.sha256(":".join([seed, *keys]).encode("utf-8")).hexdigest()


def pool_errors(enterprises, inspectors, count: int | None, per: int | None) -> dict[str, str]:
    """What the pools cannot give: no enterprise, fewer than `count` enterprises or `per` inspectors."""
    errors = {}
    if not enterprises:
        errors["pool_region"] = "抽取范围内没有在营企业，未抽取。"
    elif count is not None and count > len(enterprises):
        errors["enterprise_count"] = f"抽取企业数（{count}）超过了企业名录中的 {len(enterprises)} 家。"
    if per is not None and len(inspectors) < per:
        errors["inspectors_per_enterprise"] = f"执法人员库只有 {len(inspectors)} 名在岗执法人员，少于每家所需的 {per} 名。"
    return errors


def draw_pairs(enterprises, inspectors, exclusions, seed: str, count: int, per: int) -> list[tuple[int, list[int]]]:
    """The draw itself, pure: `enterprises` [(id, credit code, name)], `inspectors` [(id, badge number, name)],
    `exclusions` {(enterprise id, inspector id)}. Returns [(enterprise id, [inspector ids])] in drawn order."""
    for field, message in pool_errors(enterprises, inspectors, count, per).items():
        raise DrawError(field, message)
    load = {i[0]: 0 for i in inspectors}
    result = []
    for enterprise_id, code, _name in sorted(enterprises, key=lambda e: rank(seed, e[1])):
        if len(result) == count:
            break
        eligible = [i for i in inspectors if (enterprise_id, i[0]) not in exclusions]
        if len(eligible) < per:
            continue  # cannot be inspected without a conflict this time: the next enterprise in order
        chosen = sorted(eligible, key=lambda i: (load[i[0]], rank(seed, code, i[1])))[:per]
        for inspector in chosen:
            load[inspector[0]] += 1
        result.append((enterprise_id, [i[0] for i in chosen]))
    if len(result) < count:
        raise DrawError("enterprise_count", f"排除回避关系后只能为 {len(result)} 家企业配齐 {per} 名执法人员，"
                                            f"少于抽取企业数（{count}）。")
    return result


def enterprise_pool(categories, pool_region: Region) -> list[list]:
    rows = Enterprise.objects.filter(region__path__startswith=pool_region.path, category__in=categories,
                                     status="operating").order_by("credit_code")
    return [[e.pk, e.credit_code, e.name] for e in rows]


def inspector_pool(bureau: Region) -> list[list]:
    rows = Inspector.objects.filter(region=bureau, active=True).order_by("badge_number")
    return [[i.pk, i.badge_number, i.name] for i in rows]


def previous_draw(bureau: Region, before=None) -> Draw | None:
    draws = Draw.objects.filter(plan__region=bureau)
    if before is not None:
        draws = draws.filter(drawn_at__lt=before)
    return draws.order_by("-drawn_at", "-id").first()


def _exclusions(enterprises, inspectors, bureau: Region) -> list[list]:
    ids = {e[0] for e in enterprises}
    found = []
    for inspector in Inspector.objects.filter(pk__in=[i[0] for i in inspectors]).prefetch_related("conflicts"):
        for enterprise in inspector.conflicts.all():
            if enterprise.pk in ids:
                found.append([enterprise.pk, inspector.pk, f"回避：{inspector.conflict_note or '有利害关系'}"])
    last = previous_draw(bureau)
    if last is not None:
        for row in last.assignments.prefetch_related("inspectors"):
            for inspector in row.inspectors.all():
                if row.enterprise_id in ids:
                    found.append([row.enterprise_id, inspector.pk, f"上次抽取（{last.title}）已检查该企业"])
    return sorted(found)


def _check_parameters(actor, data: dict) -> dict:
    """The draw's parameters, checked all at once."""
    errors: dict[str, list[str]] = {}
    plan = data.get("plan")
    if plan is None:
        errors["plan"] = ["请选择检查计划。"]
    elif plan.status != InspectionPlan.PUBLISHED:
        errors["plan"] = ["检查计划尚未发布，不能抽取。"]
    kind = data.get("kind") or "general"
    if kind not in ("key", "general"):
        errors["kind"] = ["检查类型应为 key（重点检查）或 general（一般检查）。"]
    categories = [c for c in (data.get("categories") or []) if c]
    unknown = [c for c in categories if c not in CATEGORIES]
    if not categories:
        errors["categories"] = ["请至少选择一个监管类别。"]
    elif unknown:
        errors["categories"] = [f"未知监管类别：{'、'.join(unknown)}。"]
    pool_region = data.get("pool_region") or (plan.region if plan is not None else None)
    if plan is not None and pool_region is not None and not pool_region.path.startswith(plan.region.path):
        errors["pool_region"] = [f"抽取范围应在计划的区划“{plan.region.name}”之内。"]
    numbers = {}
    for field, label, low in (("enterprise_count", "抽取企业数", 1), ("inspectors_per_enterprise", "每家执法人员数", 2)):
        value = data.get(field, 2 if field == "inspectors_per_enterprise" else None)
        try:
            number = int(value)
        except (TypeError, ValueError):
            errors[field] = [f"请填写{label}（整数）。"]
            continue
        if low <= number <= 500:
            numbers[field] = number
        else:
            errors[field] = ["执法人员不得少于两人（《中华人民共和国行政处罚法》第四十二条），每家至少 2 名。"
                             if field == "inspectors_per_enterprise" else f"{label}应在 1 到 500 之间。"]
    seed = str(data.get("seed") or "").strip() or str(secrets.randbelow(10**12)).zfill(12)
    if not re.fullmatch(r"\d{1,20}", seed):
        errors["seed"] = ["随机种子应为 1 到 20 位数字（留空自动生成）。"]
    if not errors.keys() & {"plan", "categories", "pool_region"}:
        require_region(actor, plan.region, field="plan")
        require_region(actor, pool_region, field="pool_region")
        pools = enterprise_pool(categories, pool_region), inspector_pool(plan.region)
        for field, message in pool_errors(*pools, numbers.get("enterprise_count"),
                                          numbers.get("inspectors_per_enterprise")).items():
            errors.setdefault(field, [message])
    _raise(errors)
    return {"plan": plan, "kind": kind, "categories": categories, "pool_region": pool_region, "seed": seed,
            **numbers}


@transaction.atomic
def run_draw(actor, data: dict) -> Draw:
    """Draw enterprises × inspectors and publish the draw: all of it is written, or nothing."""
    require_perm(actor, "safety.add_draw")
    p = _check_parameters(actor, data)
    # One draw of a bureau at a time (whatever its plan): each sees the one before it, for "twice running".
    Region.objects.select_for_update().filter(pk=p["plan"].region_id).first()
    plan = InspectionPlan.objects.get(pk=p["plan"].pk)
    enterprises = enterprise_pool(p["categories"], p["pool_region"])
    inspectors = inspector_pool(plan.region)
    exclusions = _exclusions(enterprises, inspectors, plan.region)
    try:
        pairs = draw_pairs(enterprises, inspectors, {(e, i) for e, i, _ in exclusions}, p["seed"],
                           p["enterprise_count"], p["inspectors_per_enterprise"])
    except DrawError as exc:
        raise ValidationError({exc.field: [str(exc)]}) from None
    number = Draw.objects.filter(plan=plan).count() + 1
    title = str(data.get("title") or "").strip() or (
        f"{plan.region.name}{plan.year}年第{number}次双随机抽取（{dict(Draw._meta.get_field('kind').choices)[p['kind']]}）")
    draw = save_scoped(actor, Draw(), {
        "plan": plan, "title": title, "kind": p["kind"], "categories": p["categories"],
        "pool_region": p["pool_region"], "enterprise_count": p["enterprise_count"],
        "inspectors_per_enterprise": p["inspectors_per_enterprise"], "seed": p["seed"], "drawn_at": timezone.now(),
        "drawn_by": person(actor), "enterprise_pool": enterprises, "inspector_pool": inspectors,
        "exclusions": exclusions, "is_demo": bool(data.get("is_demo"))}, field="plan", perm="safety.add_draw")
    by_id = {i.pk: i for i in Inspector.objects.filter(pk__in=[i[0] for i in inspectors])}
    for position, (enterprise_id, inspector_ids) in enumerate(pairs, start=1):
        row = save_scoped(actor, DrawAssignment(), {"draw": draw, "position": position,
                                                    "enterprise": Enterprise.objects.get(pk=enterprise_id)},
                          field="enterprise", perm="safety.add_draw")
        _set_inspectors(actor, row, [by_id[i] for i in inspector_ids])
    return draw


def stored_pairs(draw: Draw) -> list[tuple[int, list[int]]]:
    return [(row.enterprise_id, sorted(i.pk for i in row.inspectors.all()))
            for row in draw.assignments.order_by("position").prefetch_related("inspectors")]


def verify_draw(draw: Draw) -> dict:
    """Redo the draw from its published pools, exclusions, seed and parameters and compare with its result.
    Also says whether today's pools still equal those of the draw (they may have changed since: that does not
    make the draw wrong, the stored pools are what it was drawn from)."""
    try:
        expected = draw_pairs([tuple(e) for e in draw.enterprise_pool], [tuple(i) for i in draw.inspector_pool],
                              {(e, i) for e, i, _ in draw.exclusions}, draw.seed, draw.enterprise_count,
                              draw.inspectors_per_enterprise)
    except DrawError as exc:
        return {"matches": False, "error": str(exc), "expected": [], "stored": _named(draw, stored_pairs(draw))}
    stored = stored_pairs(draw)
    same = [(e, sorted(i)) for e, i in expected] == [(e, sorted(i)) for e, i in stored]
    current = (enterprise_pool(draw.categories, draw.pool_region) == draw.enterprise_pool
               and inspector_pool(draw.plan.region) == draw.inspector_pool)
    return {"matches": same, "error": "", "expected": _named(draw, expected), "stored": _named(draw, stored),
            "pools_unchanged": current}


def _named(draw: Draw, pairs) -> list[dict]:
    enterprises = {e[0]: e[2] for e in draw.enterprise_pool}
    inspectors = {i[0]: f"{i[2]}（{i[1]}）" for i in draw.inspector_pool}
    return [{"enterprise_id": e, "enterprise": enterprises.get(e, str(e)),
             "inspector_ids": sorted(ids), "inspectors": [inspectors.get(i, str(i)) for i in sorted(ids)]}
            for e, ids in pairs]


def delete_draw(actor, draw: Draw):
    raise ValidationError("抽取结果已公开，不能删除。")


def due_assignments(queryset):
    """Drawn enterprises not yet inspected (no completed inspection for that row): the inspector's 待检查."""
    return (queryset.exclude(inspections__status=Inspection.DONE)
            .select_related("enterprise", "draw").prefetch_related("inspectors").order_by("-draw__drawn_at", "position"))


def due_card(user) -> dict | None:
    """The inspector's board card (safety/dashboard.py may add it): drawn enterprises not yet inspected."""
    if not user.has_perm("safety.view_draw"):
        return None
    from django.urls import reverse

    from yingji.core.scoping import scope

    due = due_assignments(scope(DrawAssignment.objects.all(), user)).count()
    return {"label": "双随机待检查（家）", "value": due, "note": "已抽取、尚未完成检查的企业",
            "url": reverse("safety:inspection_list") + "#due", "tone": "warn" if due else ""}


# --- inspections -----------------------------------------------------------------------------------------------

def _blank_results(code: str) -> list[dict]:
    return [{**item, "result": "", "note": "", "hazard": None} for item in checklists()[code].items]


def _check_inspection(actor, inspection: Inspection, inspectors):
    errors: dict[str, list[str]] = {}
    if inspection.enterprise_id is None:
        errors["enterprise"] = ["请选择被检查企业。"]
    else:
        if not inspection.checklist:
            inspection.checklist = checklist_for(inspection.enterprise.category).code
        if inspection.checklist not in checklists():
            errors["checklist"] = [f"未知检查表“{inspection.checklist}”，可选：{'、'.join(checklists())}。"]
    if inspection.assignment_id is not None:
        if inspection.assignment.enterprise_id != inspection.enterprise_id:
            errors["assignment"] = ["所选抽取结果不是该企业的。"]
        inspection.kind = "random"
    elif inspection.kind == "random":
        errors["assignment"] = ["双随机抽查请选择对应的抽取结果（专项检查、举报核查请选择相应的检查方式）。"]
    _not_future(inspection.inspected_on, "inspected_on", "检查日期", errors)
    if inspectors is not None:
        if len(inspectors) < 2:
            errors["inspectors"] = ["执法检查须由两名以上执法人员进行，请至少选择 2 名执法人员。"]
        elif actor is not None:
            visible = set(Inspector.objects.for_user(actor).filter(pk__in=[i.pk for i in inspectors])
                          .values_list("pk", flat=True))
            outside = [i.name for i in inspectors if i.pk not in visible]
            if outside:
                errors["inspectors"] = [f"执法人员不在您的管辖范围内：{'、'.join(outside)}。"]
        if inspection.enterprise_id and "inspectors" not in errors:
            tied = [i.name for i in inspectors if i.conflicts.filter(pk=inspection.enterprise_id).exists()]
            if tied:
                errors["inspectors"] = [f"{'、'.join(tied)}与该企业有利害关系，应当回避。"]
    _raise(errors)


@transaction.atomic
def save_inspection(actor, inspection: Inspection, data: dict) -> Inspection:
    """Record (no pk) or correct an inspection's facts; the checklist's items start blank."""
    data = dict(data)
    inspectors = data.pop("inspectors", None)
    if inspection.pk is None and inspectors is None:
        inspectors = []
    data.pop("results", None)
    if inspection.pk is not None and inspection.status == Inspection.DONE and set(data) - {"conclusion"}:
        raise ValidationError({"status": ["检查已完成，只能修改检查结论。"]})
    before = inspection.checklist if inspection.pk else None
    inspection = save_scoped(actor, inspection, data, validate=lambda i: _check_inspection(actor, i, inspectors),
                             field="enterprise")
    if inspection.checklist != before:
        inspection = save_scoped(actor, inspection, {"results": _blank_results(inspection.checklist)},
                                 field="enterprise")
    if inspectors is not None:
        _set_inspectors(actor, inspection, inspectors)
    return inspection


RESULTS = dict(Inspection.RESULT_CHOICES)


@transaction.atomic
def record_results(actor, inspection: Inspection, results: dict, conclusion=None, complete=False) -> Inspection:
    """Each item's result (pass/fail/na) and note: `results` {code: {"result", "note"}}. A failed item needs a
    note (what was found); completing needs every item answered."""
    inspection = Inspection.objects.select_for_update().get(pk=inspection.pk)
    if inspection.status == Inspection.DONE:
        raise ValidationError({"status": ["检查已完成，不能再修改检查结果。"]})
    rows = [dict(r) for r in inspection.results]
    known = {r["code"] for r in rows}
    errors: dict[str, list[str]] = {}
    unknown = [c for c in results if c not in known]
    if unknown:
        errors["results"] = [f"检查表中没有这些条目：{'、'.join(unknown)}。"]
    for row in rows:
        given = results.get(row["code"])
        if given is None:
            continue
        result, note = str(given.get("result") or ""), str(given.get("note") or "").strip()
        if result and result not in RESULTS:
            errors[f"result_{row['code']}"] = [f"{row['code']} 的检查结果应为 符合（pass）、不符合（fail）或不适用（na）。"]
            continue
        if row.get("hazard") and result != "fail":
            errors[f"result_{row['code']}"] = [f"{row['code']} 已转为隐患，不能改为“{RESULTS.get(result, '未填')}”。"]
            continue
        if result == "fail" and not note:
            errors[f"note_{row['code']}"] = [f"{row['code']} 不符合：请写明发现的问题。"]
        row["result"], row["note"] = result, note
    data = {"results": rows}
    if conclusion is not None:
        data["conclusion"] = str(conclusion).strip()
    if complete and not errors:
        blank = [r["code"] for r in rows if not r["result"]]
        if blank:
            errors["results"] = [f"还有 {len(blank)} 项未填写检查结果：{'、'.join(blank)}。"]
        elif not (data.get("conclusion") or inspection.conclusion):
            errors["conclusion"] = ["完成检查前请填写检查结论。"]
        data["status"] = Inspection.DONE
    _raise(errors)
    return save_scoped(actor, inspection, data, field="enterprise")


@transaction.atomic
def finding_to_hazard(actor, inspection: Inspection, code: str, data: dict) -> Hazard:
    """A failed item becomes a hazard of the enterprise (source 执法检查), through the hazard services, and the
    item keeps its number."""
    from .hazards import save_hazard

    require_perm(actor, "safety.change_inspection")
    inspection = Inspection.objects.select_for_update().select_related("enterprise").get(pk=inspection.pk)
    require_region(actor, inspection.enterprise.region, field="enterprise")
    rows = [dict(r) for r in inspection.results]
    row = next((r for r in rows if r["code"] == code), None)
    if row is None:
        raise ValidationError({"code": [f"检查表中没有条目“{code}”。"]})
    if row["result"] != "fail":
        raise ValidationError({"code": [f"{code} 不是不符合项，不能转为隐患。"]})
    if row.get("hazard"):
        raise ValidationError({"code": [f"{code} 已转为隐患（编号 {row['hazard']}）。"]})
    inspectors = "、".join(i.name for i in inspection.inspectors.all())
    hazard = save_hazard(actor, Hazard(), {
        "enterprise": inspection.enterprise, "region": inspection.enterprise.region,
        "title": str(data.get("title") or "").strip() or row["note"][:128] or row["item"][:128],
        "description": f"执法检查（{inspection.inspected_on:%Y-%m-%d}）检查表 {code}“{row['item']}”不符合：{row['note']}"
                       f"（依据：{row['basis']}）",
        "location": str(data.get("location") or "").strip(), "source": "inspection",
        "found_on": inspection.inspected_on, "found_by": inspectors[:64], "grade": data.get("grade") or "general",
        "criterion": data.get("criterion") or "", "criterion_basis": str(data.get("criterion_basis") or ""),
        "deadline": data.get("deadline") or None, "is_demo": inspection.is_demo})
    row["hazard"] = hazard.pk
    save_scoped(actor, inspection, {"results": rows}, field="enterprise")
    return hazard


def delete_inspection(actor, inspection: Inspection):
    if any(r.get("hazard") for r in inspection.results) or inspection.documents.exists():
        raise ValidationError("该检查已形成隐患或执法文书，不能删除。")
    delete_scoped(actor, inspection)


# --- 执法文书 ------------------------------------------------------------------------------------------------------

def next_number(enterprise: Enterprise, kind: str, year: int) -> str:
    """（乐）应急责改〔2026〕12号: the bureau's first character, the kind, the year and the next number."""
    bureau = county_of(enterprise.region)
    short = bureau.name[0] if bureau is not None else "县"
    prefix = f"（{short}）应急{EnforcementDocument.ABBREVIATIONS[kind]}〔{year}〕"
    used = [int(m.group(1)) for n in EnforcementDocument.objects.filter(number__startswith=prefix)
            .values_list("number", flat=True) if (m := re.search(r"〕(\d+)号$", n))]
    return f"{prefix}{max(used, default=0) + 1}号"


def _check_document(document: EnforcementDocument, inspectors):
    errors: dict[str, list[str]] = {}
    if document.inspection_id and document.inspection.enterprise_id != document.enterprise_id:
        errors["inspection"] = ["所选执法检查不是该企业的。"]
    if not document.finding_lines:
        errors["findings"] = ["请填写存在的问题（每行一条）。"]
    if not (document.legal_basis or "").strip():
        errors["legal_basis"] = ["请填写依据的法律、法规、规章条款。"]
    _not_future(document.issued_on, "issued_on", "制作日期", errors)
    if document.kind == "rectify" and document.deadline is None:
        errors["deadline"] = ["责令限期整改指令书须写明整改期限。"]
    elif document.deadline and document.issued_on and document.deadline < document.issued_on:
        errors["deadline"] = [f"整改期限（{document.deadline:%Y-%m-%d}）不能早于制作日期（{document.issued_on:%Y-%m-%d}）。"]
    if inspectors is not None and len(inspectors) < 2:
        errors["inspectors"] = ["执法文书须有两名以上执法人员签名，请至少选择 2 名执法人员。"]
    if document.enterprise_id and document.issued_on:  # even with errors: a missing number is not one of them
        if not document.number:
            document.number = next_number(document.enterprise, document.kind, document.issued_on.year)
        if not document.authority:
            document.authority = authority_of(document.enterprise.region)
    if document.number and EnforcementDocument.objects.filter(number=document.number).exclude(pk=document.pk).exists():
        errors["number"] = [f"文书编号“{document.number}”已使用。"]
    _raise(errors)


@transaction.atomic
def save_document(actor, document: EnforcementDocument, data: dict) -> EnforcementDocument:
    data = dict(data)
    inspectors = data.pop("inspectors", None)
    if not inspectors and document.pk is None:
        inspection = data.get("inspection")
        inspectors = list(inspection.inspectors.all()) if inspection is not None else []
    data["number"] = str(data.get("number") or document.number or "").strip()
    document = save_scoped(actor, document, data, validate=lambda d: _check_document(d, inspectors),
                           field="enterprise")
    if inspectors is not None:
        _set_inspectors(actor, document, inspectors)
    return document


def delete_document(actor, document: EnforcementDocument):
    delete_scoped(actor, document)


# The power to order a found hazard removed (2021 revision): what a 责令限期整改指令书 rests on.
ORDER_BASIS = "《中华人民共和国安全生产法》第六十五条第一款第（三）项"


def document_initial(inspection: Inspection) -> dict:
    """A 责令限期整改指令书 drafted from an inspection: its failed items and their bases."""
    failed = [r for r in inspection.results if r.get("result") == "fail"]
    return {"enterprise": inspection.enterprise_id, "inspection": inspection.pk, "kind": "rectify",
            "issued_on": timezone.localdate(),
            "findings": "\n".join(f"{r['note']}（检查表 {r['code']}，违反{r['basis']}）" for r in failed),
            "legal_basis": ORDER_BASIS,
            "inspectors": [i.pk for i in inspection.inspectors.all()]}


# --- penalties and the 失信 list ------------------------------------------------------------------------------------

MAX_FINE_WAN = Decimal("10000")  # 1 亿元: beyond any fine of the 安全生产法; a larger figure is a unit slip


def _check_penalty(penalty: Penalty):
    errors: dict[str, list[str]] = {}
    try:
        amount = Decimal(str(penalty.amount_wan))
    except (InvalidOperation, TypeError):
        errors["amount_wan"] = [f"罚款“{penalty.amount_wan}”不是有效金额（万元）。"]
    else:
        if not amount.is_finite() or amount <= 0:
            errors["amount_wan"] = ["罚款（万元）应大于 0。"]
        elif amount > MAX_FINE_WAN:
            errors["amount_wan"] = ["罚款金额过大（超过 1 亿元），请核对单位（万元）。"]
        elif amount != amount.quantize(Decimal("0.0001")):
            errors["amount_wan"] = ["罚款（万元）最多保留 4 位小数（即精确到元）。"]
    basis = (penalty.legal_basis or "").strip()
    if not basis:
        errors["legal_basis"] = ["请填写处罚依据。"]
    elif not re.search(r"第[一二三四五六七八九十百零〇\d]+条", basis):
        errors["legal_basis"] = ["处罚依据须写明法律法规名称及条款，如“《中华人民共和国安全生产法》第一百零一条”。"]
    if not (penalty.violation or "").strip():
        errors["violation"] = ["请填写违法事实。"]
    if not (penalty.number or "").strip():
        errors["number"] = ["请填写处罚决定书文号。"]
    elif Penalty.objects.filter(number=penalty.number.strip()).exclude(pk=penalty.pk).exists():
        errors["number"] = [f"处罚决定书文号“{penalty.number.strip()}”已使用。"]
    _not_future(penalty.decided_on, "decided_on", "决定日期", errors)
    if penalty.inspection_id:
        if penalty.inspection.enterprise_id != penalty.enterprise_id:
            errors["inspection"] = ["所选执法检查不是该企业的。"]
        elif penalty.decided_on and penalty.decided_on < penalty.inspection.inspected_on:
            errors["decided_on"] = ["决定日期不能早于检查日期。"]
    _raise(errors)


def save_penalty(actor, penalty: Penalty, data: dict) -> Penalty:
    return save_scoped(actor, penalty, data, validate=_check_penalty, field="enterprise")


def delete_penalty(actor, penalty: Penalty):
    delete_scoped(actor, penalty)


EARLY_REMOVAL_MONTHS = 12  # 严重失信主体名单: removal before the end of the term only after a year on it


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month - (end.day < start.day)


def _check_listing(listing: CreditListing):
    errors: dict[str, list[str]] = {}
    if not (listing.reason or "").strip():
        errors["reason"] = ["请填写列入事由。"]
    _not_future(listing.listed_on, "listed_on", "列入日期", errors)
    _not_future(listing.removed_on, "removed_on", "移出日期", errors)
    if listing.removed_on and listing.listed_on and "removed_on" not in errors:
        if listing.removed_on < listing.listed_on:
            errors["removed_on"] = ["移出日期不能早于列入日期。"]
        elif listing.list_kind == "blacklist" and _months_between(listing.listed_on, listing.removed_on) < \
                EARLY_REMOVAL_MONTHS:
            errors["removed_on"] = [f"列入严重失信主体名单满 {EARLY_REMOVAL_MONTHS} 个月后方可移出"
                                    f"（列入日期 {listing.listed_on:%Y-%m-%d}）。"]
        if not (listing.removal_reason or "").strip():
            errors["removal_reason"] = ["移出名单须写明移出原因。"]
    elif listing.removal_reason and not listing.removed_on:
        errors["removed_on"] = ["填写了移出原因，请填写移出日期。"]
    if listing.enterprise_id and listing.removed_on is None and CreditListing.objects.filter(
            enterprise=listing.enterprise, list_kind=listing.list_kind, removed_on__isnull=True).exclude(
            pk=listing.pk).exists():
        errors["enterprise"] = [f"{listing.enterprise.name}已在{listing.get_list_kind_display()}中。"]
    _raise(errors)


def save_listing(actor, listing: CreditListing, data: dict) -> CreditListing:
    return save_scoped(actor, listing, data, validate=_check_listing, field="enterprise")


def delete_listing(actor, listing: CreditListing):
    delete_scoped(actor, listing)

