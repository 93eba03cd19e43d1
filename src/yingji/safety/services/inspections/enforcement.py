"""执法文书 (责令限期整改指令书 …, numbered per bureau, kind and year), penalties and the 失信/黑名单 list."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from yingji.core.models import Region
from yingji.core.services import delete_scoped, save_scoped

from ...models import CreditListing, EnforcementDocument, Enterprise, Inspection, Penalty
from ..common import authority_of, county_of, not_future, raise_errors, set_inspectors

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
    not_future(document.issued_on, "issued_on", "制作日期", errors)
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
    raise_errors(errors)


NUMBER_ATTEMPTS = 5


@transaction.atomic
def save_document(actor, document: EnforcementDocument, data: dict) -> EnforcementDocument:
    """Save a 执法文书; a blank number is the bureau's next one (next_number), allocated safely under concurrency:
    the bureau's region row is locked while the number is chosen and written (two inspectors of one bureau wait
    for each other), and should another bureau of the same first character take the number in between, the
    unique number refuses the second and the next free number is taken (a savepoint per attempt)."""
    data = dict(data)
    inspectors = data.pop("inspectors", None)
    if not inspectors and document.pk is None:
        inspection = data.get("inspection")
        inspectors = list(inspection.inspectors.all()) if inspection is not None else []
    data["number"] = str(data.get("number") or document.number or "").strip()
    automatic = not data["number"]
    enterprise = data.get("enterprise") or (document.enterprise if document.enterprise_id else None)
    if automatic and enterprise is not None:
        bureau = county_of(enterprise.region)
        if bureau is not None:
            Region.objects.select_for_update().filter(pk=bureau.pk).first()
    for attempt in range(NUMBER_ATTEMPTS):
        try:
            with transaction.atomic():
                saved = save_scoped(actor, document, data, validate=lambda d: _check_document(d, inspectors),
                                    field="enterprise")
            break
        except IntegrityError:
            if not automatic or attempt == NUMBER_ATTEMPTS - 1:
                raise ValidationError({"number": ["文书编号已被同时保存的文书占用，请重试。"]}) from None
            document.number = ""  # taken meanwhile: the next free one
    if inspectors is not None:
        set_inspectors(actor, saved, inspectors)
    return saved


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
    not_future(penalty.decided_on, "decided_on", "决定日期", errors)
    if penalty.inspection_id:
        if penalty.inspection.enterprise_id != penalty.enterprise_id:
            errors["inspection"] = ["所选执法检查不是该企业的。"]
        elif penalty.decided_on and penalty.decided_on < penalty.inspection.inspected_on:
            errors["decided_on"] = ["决定日期不能早于检查日期。"]
    raise_errors(errors)


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
    not_future(listing.listed_on, "listed_on", "列入日期", errors)
    not_future(listing.removed_on, "removed_on", "移出日期", errors)
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
    raise_errors(errors)


def save_listing(actor, listing: CreditListing, data: dict) -> CreditListing:
    return save_scoped(actor, listing, data, validate=_check_listing, field="enterprise")


def delete_listing(actor, listing: CreditListing):
    delete_scoped(actor, listing)

