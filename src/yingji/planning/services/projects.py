"""Services of key projects (重点项目) with sub-projects and funding plans by source and year.

Every write goes through save_scoped/delete_scoped (one transaction, region check, audit entry). Totals are sums
of the funding-plan lines, computed here only, so the list page, the detail page, the CLI, the Excel export and
the half-year report (funding_summary) show the same figures, and by year, by level and by district they add up
to the same grand total by construction (tests/planning/test_projects.py checks it on the seed)."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum

from yingji.core import roles
from yingji.core.models import Region
from yingji.core.services import delete_scoped, save_scoped

from ..models import FundingPlanLine, FundingRecord, KeyProject, SubProject
from ..models.projects import CITY, COUNTY, FUNDING_SOURCES, PROJECT_LEVELS, PROVINCIAL

ZERO = Decimal("0.00")
CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("999999999999.99")  # 14 digits, 2 places: the model's column
YEARS = (1949, 2100)
SOURCE_LABELS = dict(FUNDING_SOURCES)
MODELS = ("keyproject", "subproject", "fundingplanline", "fundingrecord")


def ready():
    """Leadership (领导) and the administrators keep the projects; the bureau's other roles and the townships read."""
    for role in ("管理员", "领导"):
        roles.grant(role, [f"planning.{a}_{m}" for m in MODELS for a in ("view", "add", "change", "delete")])
    for role in ("值班员", "指挥长", "安全监管员", "乡镇用户"):
        roles.grant(role, [f"planning.view_{m}" for m in MODELS])
    from .. import sheets_projects  # noqa: F401  (registers the import/export sheets)


# --- checks -------------------------------------------------------------------------------------------------

def check_amount(obj, field: str, label: str, errors: dict, *, positive=False):
    """万元 with at most two decimals, not negative (positive: above zero), within the column; a value such as
    2.500 (no third decimal really) is stored as 2.50."""
    value = getattr(obj, field)
    if value is None:
        return
    try:
        amount = Decimal(str(value))
    except ArithmeticError:
        errors[field] = [f"{label}“{value}”不是有效的数字。"]
        return
    if not amount.is_finite():
        errors[field] = [f"{label}“{value}”不是有效的数字。"]
    elif amount != amount.quantize(CENT):
        errors[field] = [f"{label}最多保留两位小数（万元），“{value}”超出。"]
    elif amount < 0 or (positive and amount == 0):
        errors[field] = [f"{label}不能为负数。" if amount < 0 else f"{label}应大于0。"]
    elif amount > MAX_AMOUNT:
        errors[field] = [f"{label}超出允许范围。"]
    else:
        setattr(obj, field, amount.quantize(CENT))


def _check_year(value, field: str, label: str, errors: dict):
    if value is not None and not YEARS[0] <= value <= YEARS[1]:
        errors[field] = [f"{label}应在 {YEARS[0]} 到 {YEARS[1]} 年之间。"]


def _check_span(obj, errors: dict):
    _check_year(obj.start_year, "start_year", "起始年份", errors)
    _check_year(obj.end_year, "end_year", "截止年份", errors)
    if not errors and obj.start_year is not None and obj.end_year is not None and obj.start_year > obj.end_year:
        errors["end_year"] = ["截止年份不能早于起始年份。"]


def _within(region, parent, field: str, label: str, errors: dict):
    if region is not None and parent is not None and not region.path.startswith(parent.path):
        errors[field] = [f"{label}“{region.name}”不在“{parent.name}”范围内。"]


def _raise(errors: dict):
    if errors:
        raise ValidationError(errors)


def _span_text(project) -> str:
    return f"{project.start_year}—{project.end_year}年"


def _check_project(project: KeyProject):
    errors: dict = {}
    _check_span(project, errors)
    if project.progress_percent is not None and project.progress_percent > 100:
        errors["progress_percent"] = ["完成进度应在 0 到 100 之间。"]
    if project.completed_year is not None and project.start_year and project.completed_year < project.start_year:
        errors["completed_year"] = ["实际完成年份不能早于起始年份。"]
    if not errors and project.pk:  # a narrower span must still hold every funding year already planned
        outside = (FundingPlanLine.objects.filter(subproject__project=project)
                   .exclude(year__range=(project.start_year, project.end_year)).values_list("year", flat=True))
        years = sorted(set(outside))
        if years:
            errors["end_year" if years[-1] > project.end_year else "start_year"] = [
                f"已有 {'、'.join(map(str, years))} 年的资金计划，实施期限不能改为{_span_text(project)}。"]
    _raise(errors)


def _check_subproject(sub: SubProject):
    errors: dict = {}
    project = sub.project if sub.project_id else None
    if project is not None and not sub.region_id:
        sub.region = project.region
    _check_span(sub, errors)
    check_amount(sub, "total_investment", "总投资估算", errors)
    if project is None:
        _raise(errors)
        return
    _within(sub.region if sub.region_id else None, project.region, "region", "所属区划", errors)
    if not errors and not (project.start_year <= sub.start_year and sub.end_year <= project.end_year):
        field = "start_year" if sub.start_year < project.start_year else "end_year"
        errors[field] = [f"子项目完成时限（{sub.start_year}—{sub.end_year}年）超出重点项目“{project.name}”的"
                         f"实施期限（{_span_text(project)}）。"]
    same = SubProject.objects.filter(project__programme=project.programme, project__region=project.region,
                                     number=sub.number).exclude(pk=sub.pk)
    if sub.number is not None and same.exists():
        errors["number"] = [f"“{project.programme}”中已有序号为 {sub.number} 的子项目。"]
    _raise(errors)


def _check_line(line: FundingPlanLine):
    errors: dict = {}
    check_amount(line, "amount", "计划金额", errors)
    _check_year(line.year, "year", "年度", errors)
    sub = line.subproject if line.subproject_id else None
    if sub is None:
        _raise(errors)
        return
    project = sub.project
    if "year" not in errors and line.year is not None and not project.start_year <= line.year <= project.end_year:
        errors["year"] = [f"年度 {line.year} 超出重点项目“{project.name}”的实施期限（{_span_text(project)}）。"]
    region = line.region if line.region_id else None
    _within(region, project.region, "region", "资金承担区划", errors)
    if line.source == COUNTY and region is not None and region.pk == project.region_id:
        errors["region"] = ["县（区）资金请选择承担资金的县（区）。"]
    twin = FundingPlanLine.objects.filter(subproject=sub, year=line.year, source=line.source, region=region)
    if not errors and region is not None and twin.exclude(pk=line.pk).exists():
        errors["year"] = [f"该子项目 {line.year} 年{SOURCE_LABELS.get(line.source, '')}（{region.name}）已有计划金额，"
                          "请修改原有的一格。"]
    _raise(errors)


def _sums(subproject_id) -> dict:
    rows = (FundingRecord.objects.filter(subproject_id=subproject_id).values("kind").annotate(total=Sum("amount")))
    return {r["kind"]: r["total"] or ZERO for r in rows}


def _check_record(record: FundingRecord):
    errors: dict = {}
    check_amount(record, "amount", "金额", errors, positive=True)
    sub = record.subproject if record.subproject_id else None
    if sub is not None:
        _within(record.region if record.region_id else None, sub.project.region, "region", "区划", errors)
    if errors or sub is None:
        _raise(errors)
        return
    sums = _sums(sub.pk)
    if record.pk:  # the stored version of this record is replaced by the new one
        old = FundingRecord.objects.get(pk=record.pk)
        sums[old.kind] = sums.get(old.kind, ZERO) - old.amount
    sums[record.kind] = sums.get(record.kind, ZERO) + Decimal(str(record.amount))
    _check_balance(sums, "amount", errors)
    _raise(errors)


def _check_balance(sums: dict, field: str, errors: dict):
    received, spent = sums.get(FundingRecord.RECEIVED, ZERO), sums.get(FundingRecord.SPENT, ZERO)
    if spent > received:
        errors[field] = [f"累计支出（{money(spent)} 万元）不能超过累计到位资金（{money(received)} 万元）。"]


def money(value) -> str:
    """"1234.50" for a page or a message (as the pages' floatformat shows it); "" for no figure (never 0)."""
    return "" if value is None else f"{Decimal(value).quantize(CENT)}"


# --- writes ---------------------------------------------------------------------------------------------------

def save_project(actor, project: KeyProject, data: dict) -> KeyProject:
    return save_scoped(actor, project, data, validate=_check_project)


def delete_project(actor, project: KeyProject):
    delete_scoped(actor, project)


def save_subproject(actor, sub: SubProject, data: dict) -> SubProject:
    data = dict(data)
    if data.get("region") is None and data.get("project") is not None:
        data["region"] = data["project"].region  # a sub-project lies in its project's region unless said
    return save_scoped(actor, sub, data, validate=_check_subproject)


def delete_subproject(actor, sub: SubProject):
    delete_scoped(actor, sub)


def save_funding_line(actor, line: FundingPlanLine, data: dict) -> FundingPlanLine:
    return save_scoped(actor, line, data, validate=_check_line)


def delete_funding_line(actor, line: FundingPlanLine):
    delete_scoped(actor, line)


def save_funding_record(actor, record: FundingRecord, data: dict) -> FundingRecord:
    return save_scoped(actor, record, data, validate=_check_record)


def delete_funding_record(actor, record: FundingRecord):
    def check(rec):
        if rec.kind == FundingRecord.RECEIVED:
            sums = _sums(rec.subproject_id)
            sums[rec.kind] -= rec.amount
            errors: dict = {}
            _check_balance(sums, "amount", errors)
            if errors:
                raise ValidationError(f"删除这笔到位资金后，{errors['amount'][0]}")
    delete_scoped(actor, record, validate=check)


@transaction.atomic
def set_plan(actor, sub: SubProject, cells: dict) -> list[FundingPlanLine]:
    """Set a sub-project's funding plan to `cells` {(year, source, region): amount}: cells not given are deleted,
    each change audited; all or nothing."""
    wanted = dict(cells)
    kept = []
    for line in list(sub.funding_lines.select_related("region")):
        key = (line.year, line.source, line.region)
        if key in wanted:
            kept.append(save_funding_line(actor, line, {"amount": wanted.pop(key)}))
        else:
            delete_funding_line(actor, line)
    for (year, source, region), amount in wanted.items():
        kept.append(save_funding_line(actor, FundingPlanLine(), {
            "subproject": sub, "year": year, "source": source, "region": region, "amount": amount,
            "is_demo": sub.is_demo}))
    return kept


# --- totals ---------------------------------------------------------------------------------------------------

def column_label(source: str, region: Region) -> str:
    """附表3's column of a line: 省级资金, 市本级, or the county's name (雁江区 …)."""
    return SOURCE_LABELS[PROVINCIAL] if source == PROVINCIAL else "市本级" if source == CITY else region.name


def _region_order(region: Region) -> tuple:
    return (region.kind != Region.KIND_ZONE, region.code or "", region.name)  # as printed: 临空 before 雁江


def totals(lines) -> dict:
    """Sums of funding-plan lines (a queryset): grand total, by year, by funding level (source), by district
    (the region that pays), by project level (the sub-project's 项目级别), by sub-project, and by year × column
    (附表3's layout). Each breakdown adds up to
    `total` because each is a partition of the same lines."""
    rows = (lines.values("subproject_id", "subproject__level", "year", "source", "region_id")
            .annotate(amount=Sum("amount")).order_by())
    regions = Region.objects.in_bulk({r["region_id"] for r in rows})
    out = {"total": ZERO, "by_year": defaultdict(lambda: ZERO), "by_level": defaultdict(lambda: ZERO),
           "by_district": defaultdict(lambda: ZERO), "by_subproject": defaultdict(lambda: ZERO),
           "by_project_level": defaultdict(lambda: ZERO),
           "by_year_column": defaultdict(lambda: defaultdict(lambda: ZERO)),
           "by_subproject_year": defaultdict(lambda: defaultdict(lambda: ZERO))}
    for row in rows:
        amount, region = Decimal(row["amount"]).quantize(CENT), regions[row["region_id"]]
        out["total"] += amount
        out["by_year"][row["year"]] += amount
        out["by_level"][SOURCE_LABELS[row["source"]]] += amount
        out["by_district"][region.name] += amount
        out["by_project_level"][row["subproject__level"]] += amount
        out["by_subproject"][row["subproject_id"]] += amount
        out["by_year_column"][row["year"]][column_label(row["source"], region)] += amount
        out["by_subproject_year"][row["subproject_id"]][row["year"]] += amount
    counties = sorted({regions[r["region_id"]] for r in rows if r["source"] == COUNTY}, key=_region_order)
    out["columns"] = {year: _columns(year, rows, regions) for year in sorted(out["by_year"])}
    out["counties"] = [c.name for c in counties]
    return _plain(out)


def _columns(year, rows, regions) -> list[str]:
    counties = sorted({regions[r["region_id"]] for r in rows if r["year"] == year and r["source"] == COUNTY},
                      key=_region_order)
    return [SOURCE_LABELS[PROVINCIAL], "市本级", *(c.name for c in counties)]


def _plain(out: dict) -> dict:
    """Plain dicts in a stable order: years ascending, levels as 附表3 prints them, districts by region."""
    levels = [label for _, label in FUNDING_SOURCES]
    order = {name: i for i, name in enumerate(out["counties"])}
    out["by_year"] = dict(sorted(out["by_year"].items()))
    out["by_level"] = {k: out["by_level"][k] for k in levels if k in out["by_level"]}
    out["by_district"] = dict(sorted(out["by_district"].items(), key=lambda kv: (order.get(kv[0], -1), kv[0])))
    out["by_subproject"] = dict(out["by_subproject"])
    out["by_project_level"] = {k: out["by_project_level"][k] for k, _ in PROJECT_LEVELS if k in out["by_project_level"]}
    out["by_year_column"] = {y: {c: cols[c] for c in out["columns"][y] if c in cols}
                             for y, cols in sorted(out["by_year_column"].items())}
    out["by_subproject_year"] = {s: dict(sorted(c.items())) for s, c in out["by_subproject_year"].items()}
    return out


def programme_lines(region: Region, programme: str):
    return FundingPlanLine.objects.filter(subproject__project__region=region,
                                          subproject__project__programme=programme)


def project_table(project: KeyProject) -> dict:
    """A project's sub-projects with their plan (附表3's row: total, by year × column) and execution."""
    subs = list(project.subprojects.select_related("region").order_by("number"))
    sums = totals(FundingPlanLine.objects.filter(subproject__project=project))
    executed = _executed(FundingRecord.objects.filter(subproject__project=project))
    rows = []
    for sub in subs:
        cells = totals(sub.funding_lines.all())
        rows.append({"subproject": sub, "plan": cells, "grid": _grid(cells),
                     "received": executed[sub.pk][FundingRecord.RECEIVED],
                     "spent": executed[sub.pk][FundingRecord.SPENT], "warnings": subproject_warnings(sub, cells)})
    return {"project": project, "rows": rows, "totals": sums,
            "received": sum((r["received"] for r in rows), ZERO), "spent": sum((r["spent"] for r in rows), ZERO)}


def _grid(cells: dict) -> dict:
    """A sub-project's plan as year × source rows: {"heads": [省级资金, 市本级, counties…], "rows": [(year,
    [amount or None per head], year subtotal)]}."""
    present = {c for cols in cells["by_year_column"].values() for c in cols}
    heads = [c for c in (SOURCE_LABELS[PROVINCIAL], "市本级", *cells["counties"]) if c in present]
    rows = [(year, [cells["by_year_column"][year].get(h) for h in heads], cells["by_year"][year])
            for year in cells["by_year"]]
    return {"heads": heads, "rows": rows}


def subproject_warnings(sub: SubProject, cells: dict) -> list[str]:
    """What the table itself says that does not agree (shown, not corrected): a funding year past the sub-project's
    own 完成时限 (printed zeros there are no plan), a plan that does not add up to the 总投资估算."""
    notes = []
    late = [y for y, amount in cells["by_year"].items() if amount and not sub.start_year <= y <= sub.end_year]
    if late:
        notes.append(f"资金计划含 {'、'.join(map(str, late))} 年，超出本子项目完成时限（{sub.start_year}—{sub.end_year}年）。")
    if sub.total_investment is not None and cells["by_year"] and cells["total"] != sub.total_investment:
        notes.append(f"年度资金计划合计 {money(cells['total'])} 万元，与总投资估算 {money(sub.total_investment)} 万元不一致。")
    return notes


def _executed(records) -> dict:
    out = defaultdict(lambda: {FundingRecord.RECEIVED: ZERO, FundingRecord.SPENT: ZERO})
    for row in records.values("subproject_id", "kind").annotate(total=Sum("amount")).order_by():
        out[row["subproject_id"]][row["kind"]] = Decimal(row["total"]).quantize(CENT)
    return out


def funding_summary(region: Region, year: int | None = None, until=None) -> dict:
    """Funding execution of the key projects of `region` and the regions below (the half-year report's table).

    `year` limits the plan to that year's lines and the received/spent records to those dated in that year; None
    takes every year. `until` (a date) counts only the records dated up to it: the first half-year's report counts
    January–June, not what was received later in the year; the plan stays the year's (the seeds plan by year
    only, so it is labelled 年度计划, never halved). Returns (all amounts Decimal 万元, 2 places; rate a Decimal percentage or None when nothing
    is planned):

        {"region": "资阳市", "year": 2021,
         "projects": [{"id", "number", "name", "programme", "lead_units", "progress_percent",
                       "planned", "received", "spent", "rate",
                       "subprojects": [{"id", "number", "name", "planned", "received", "spent", "rate"}, …]}, …],
         "totals": {"planned", "received", "spent", "rate"}}

    where rate = spent / planned × 100. Projects without a plan that year are listed with zeros (a report shows
    them as such), ordered by programme and number."""
    projects = list(KeyProject.objects.filter(region__path__startswith=region.path)
                    .prefetch_related("subprojects").order_by("programme", "number"))
    lines = FundingPlanLine.objects.filter(subproject__project__in=projects)
    records = FundingRecord.objects.filter(subproject__project__in=projects)
    if year is not None:
        lines, records = lines.filter(year=year), records.filter(occurred_on__year=year)
    if until is not None:
        records = records.filter(occurred_on__lte=until)
    planned = defaultdict(lambda: ZERO)
    for row in lines.values("subproject_id").annotate(total=Sum("amount")).order_by():
        planned[row["subproject_id"]] = Decimal(row["total"]).quantize(CENT)
    executed = _executed(records)
    out, grand = [], {"planned": ZERO, "received": ZERO, "spent": ZERO}
    for project in projects:
        subs = [_figures({"id": s.pk, "number": s.number, "name": s.name}, planned[s.pk],
                         executed[s.pk][FundingRecord.RECEIVED], executed[s.pk][FundingRecord.SPENT])
                for s in sorted(project.subprojects.all(), key=lambda s: s.number)]
        item = _figures({"id": project.pk, "number": project.number, "name": project.name,
                         "programme": project.programme, "lead_units": project.lead_units,
                         "progress_percent": project.progress_percent},
                        *(sum((s[k] for s in subs), ZERO) for k in ("planned", "received", "spent")))
        item["subprojects"] = subs
        out.append(item)
        for key in grand:
            grand[key] += item[key]
    return {"region": region.name, "year": year, "until": until, "projects": out,
            "totals": _figures({}, grand["planned"], grand["received"], grand["spent"])}


def rate(planned, spent) -> Decimal | None:
    """Spent as a percentage of planned (2 places), None when nothing is planned."""
    return (spent / planned * 100).quantize(CENT) if planned else None


def _figures(item: dict, planned, received, spent) -> dict:
    return {**item, "planned": planned, "received": received, "spent": spent, "rate": rate(planned, spent)}


def short_name(region_name: str) -> str:
    """附表3's column heads: 雁江区 → 雁江, 安岳县 → 安岳, 临空经济区 → 临空."""
    if region_name.endswith("经济区"):
        return region_name[:-3]
    return region_name[:-1] if len(region_name) > 2 and region_name[-1] in "区县市" else region_name


def plan_table(region: Region, programme: str, projects) -> dict:
    """A programme's implementation table as 附表3 prints it: per sub-project 总投资估算 (小计 as entered, 省级资金
    and 市县资金 from the lines), per year 小计 and one cell per column; a cell with no line is None (blank), never
    0. `totals` is the 合计 row, computed from the same lines."""
    lines = FundingPlanLine.objects.filter(subproject__project__in=projects)
    sums = totals(lines)
    years = list(sums["columns"])
    rows = []
    subs = SubProject.objects.filter(project__in=projects).select_related("project").order_by("number")
    for sub in subs:
        cells = totals(lines.filter(subproject=sub))
        rows.append({"subproject": sub, "project_name": sub.printed_project_name or sub.project.name,
                     **_row(cells, sums["columns"], sub.total_investment)})
    return {"years": years, "columns": sums["columns"], "rows": rows,
            "span": sum(len(c) + 1 for c in sums["columns"].values()),
            "heads": {y: [short_name(c) for c in cols] for y, cols in sums["columns"].items()},
            "totals": _row(sums, sums["columns"], sums["total"] if sums["by_year"] else None)}


def _row(cells: dict, columns: dict, total) -> dict:
    has = bool(cells["by_year"])
    provincial = cells["by_level"].get(SOURCE_LABELS[PROVINCIAL], ZERO if has else None)
    years = {}
    for year, cols in columns.items():
        present = cells["by_year_column"].get(year)
        years[year] = [cells["by_year"][year] if present is not None else None,
                       *((present or {}).get(c) if present is not None else None for c in cols)]
    return {"total": total, "total_provincial": provincial,
            "total_city_county": (cells["total"] - provincial) if has else None, "years": years}
