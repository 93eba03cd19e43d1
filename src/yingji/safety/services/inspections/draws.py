"""Yearly inspection plans, the inspector pool and 双随机一公开 draws.

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

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from yingji.core.models import Region
from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, person, require_perm, save_scoped

from ...models import Draw, DrawAssignment, Enterprise, Inspection, InspectionPlan, Inspector
from ..common import CATEGORIES, raise_errors, record_m2m, set_inspectors

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
    raise_errors(errors)


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
    raise_errors(errors)


@transaction.atomic
def save_inspector(actor, inspector: Inspector, data: dict) -> Inspector:
    data = dict(data)
    conflicts = data.pop("conflicts", None)
    inspector = save_scoped(actor, inspector, data, validate=_check_inspector)
    if conflicts is not None:
        before = [e.name for e in inspector.conflicts.all()]
        inspector.conflicts.set(conflicts)
        record_m2m(actor, inspector, "conflicts", before, [e.name for e in conflicts])
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


def previous_draw(bureau: Region) -> Draw | None:
    """The bureau's latest draw, whatever its plan (its inspectors are not drawn for the same enterprises again)."""
    return Draw.objects.filter(plan__region=bureau).order_by("-drawn_at", "-id").first()


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
    raise_errors(errors)
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
    by_id = Inspector.objects.in_bulk([i[0] for i in inspectors])
    drawn = Enterprise.objects.select_related("region").in_bulk([e for e, _ in pairs])  # one query, not one a row
    for position, (enterprise_id, inspector_ids) in enumerate(pairs, start=1):
        row = save_scoped(actor, DrawAssignment(), {"draw": draw, "position": position,
                                                    "enterprise": drawn[enterprise_id]},
                          field="enterprise", perm="safety.add_draw")
        set_inspectors(actor, row, [by_id[i] for i in inspector_ids])
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

