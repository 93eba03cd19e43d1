"""Excel sheets of key projects: the yearly funding plan (年度资金计划) and funds received/spent (资金到位与支出),
one cell or record a row; import all-or-nothing with a row-by-row error report, export in the same layout. The
implementation table in the seed's layout (附表3) is services.projects_xlsx.plan_table_xlsx."""

from django.core.exceptions import ValidationError

from yingji.core.imports import Column, SheetSpec, choice, date, integer, lookup, money, register, text
from yingji.core.models import Region
from yingji.core.scoping import scope_actor

from .models import FundingPlanLine, FundingRecord, SubProject
from .models.projects import FUNDING_SOURCES
from .services import projects as services


def _regions(actor):
    return scope_actor(Region.objects.all(), actor)


def _subproject(actor, data) -> SubProject:
    found = list(scope_actor(SubProject.objects.select_related("project"), actor).filter(
        project__programme=data.pop("programme"), number=data.pop("subproject_number"))[:2])
    if len(found) != 1:
        raise ValidationError({"subproject_number": ["该计划中没有这个序号的子项目，或不在您的管辖范围内。"]})
    return found[0]


def _save_line(actor, data):
    data = dict(data)
    data["subproject"] = sub = _subproject(actor, data)
    existing = FundingPlanLine.objects.filter(subproject=sub, year=data.get("year"), source=data.get("source"),
                                              region=data.get("region")).first()
    return services.save_funding_line(actor, existing or FundingPlanLine(), data), existing is None


def _save_record(actor, data):
    data = dict(data)
    data["subproject"] = _subproject(actor, data)
    return services.save_funding_record(actor, FundingRecord(), data), True


def _where(column_field="region"):
    return Column("资金承担区划" if column_field == "region" else "区划", "region",
                  lookup(_regions, "code", "name", label="区划"), required=True, example="512002",
                  export=lambda r: r.region.code or r.region.name, help="区划代码或名称；省级资金、市本级填市")


_KEY = [Column("所属计划", "programme", text, required=True, example="资阳市应急救援能力提升三年行动计划",
               export=lambda r: r.subproject.project.programme),
        Column("子项目序号", "subproject_number", integer, required=True, example=1,
               export=lambda r: r.subproject.number, help="实施计划表中的序号")]

FUNDING_PLAN = register(SheetSpec(
    kind="funding_plan", title="年度资金计划", permission="planning.view_fundingplanline",
    queryset=lambda actor: scope_actor(FundingPlanLine.objects.select_related(
        "subproject__project", "region"), actor).order_by("subproject__number", "year", "source"),
    save_row=_save_line,
    notes=["一行是实施计划表的一格：某子项目某年度某资金来源的金额（万元，最多两位小数）。",
           "按（子项目、年度、资金来源、区划）匹配：已有的更新金额，其余新增。年度须在重点项目实施期限内。"],
    columns=[*_KEY,
             Column("年度", "year", integer, required=True, example=2021),
             Column("资金来源", "source", choice(FUNDING_SOURCES), required=True, example="省级资金"),
             _where(),
             Column("计划金额（万元）", "amount", money, required=True, example="363.77")]))

FUNDING_RECORDS = register(SheetSpec(
    kind="funding_records", title="资金到位与支出", permission="planning.view_fundingrecord",
    queryset=lambda actor: scope_actor(FundingRecord.objects.select_related("subproject__project", "region"),
                                       actor).order_by("occurred_on", "pk"),
    save_row=_save_record,
    notes=["每行新增一笔到位或支出；累计支出不能超过累计到位。"],
    columns=[*_KEY,
             Column("类别", "kind", choice(FundingRecord.KIND_CHOICES), required=True, example="到位"),
             Column("资金来源", "source", choice(FUNDING_SOURCES), required=True, example="省级资金"),
             _where("record"),
             Column("金额（万元）", "amount", money, required=True, example="100.00"),
             Column("日期", "occurred_on", date, required=True, example="2021-06-30"),
             Column("说明（文号、用途）", "note", text)]))
