"""Checklists (检查表 per 监管类别, data/checklists.csv) and inspections recorded on them; a failed item becomes a
hazard of the enterprise through the hazard services."""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction

from yingji.core.scoping import require_region
from yingji.core.services import delete_scoped, require_perm, save_scoped
from yingji.standards.tables import read_table

from ...models import Hazard, Inspection, Inspector
from ..common import not_future, raise_errors, set_inspectors

DATA = Path(__file__).resolve().parents[2] / "data"


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
    not_future(inspection.inspected_on, "inspected_on", "检查日期", errors)
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
    raise_errors(errors)


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
        set_inspectors(actor, inspection, inspectors)
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
    raise_errors(errors)
    return save_scoped(actor, inspection, data, field="enterprise")


@transaction.atomic
def finding_to_hazard(actor, inspection: Inspection, code: str, data: dict) -> Hazard:
    """A failed item becomes a hazard of the enterprise (source 执法检查), through the hazard services, and the
    item keeps its number."""
    from ..hazards import save_hazard

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
