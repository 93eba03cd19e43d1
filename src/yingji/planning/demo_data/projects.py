"""Demo data of key projects (重点项目) with sub-projects and funding plans by source and year.

资阳's ten key projects (seed 000, 附件2) and the implementation table (附表3) are loaded from the CSV files in
planning/data exactly as printed: a blank cell stays without a funding line, a printed 0 is a line of 0. The seed
has no figures for funds received or spent, so its projects have none. To show the funding execution pages, one
small programme marked 演示 (not from a seed) is added in 乐至县 with a sub-project in 天池街道 and a few records."""

from datetime import date
from decimal import Decimal
from pathlib import Path

from yingji.core.models import Region
from yingji.standards.tables import read_table

from ..models import FundingPlanLine, FundingRecord, KeyProject, SubProject
from ..models.projects import CITY, COUNTY, PROVINCIAL
from ..services import projects as services

DATA = Path(__file__).resolve().parent.parent / "data"
KEY_PROJECTS = DATA / "ziyang_2020_2022_key_projects.csv"
PLAN_TABLE = DATA / "ziyang_2020_2022_project_plan.csv"
PROGRAMME = "资阳市应急救援能力提升三年行动计划"
CITY_CODE = "512000"
# 附表3's county columns by their printed short names.
COUNTIES = {"雁江": "雁江区", "安岳": "安岳县", "乐至": "乐至县", "临空": "临空经济区"}
TOTAL_ROW = "合计"
DEMO_PROGRAMME = "乐至县应急能力建设项目（演示数据，非种子）"


def _amount(text: str) -> Decimal | None:
    return Decimal(text) if text.strip() else None


def read_plan() -> tuple[list[dict], dict]:
    """附表3 as printed: (rows, the printed 合计 row). Each row: the text columns, `cells` {(year, printed column):
    Decimal or None} for every amount column (小计 included) and `total`, `total_provincial`, `total_city_county`."""
    rows, printed_total = [], None
    for raw in read_table(PLAN_TABLE):
        row = {"number": raw["序号"], "project_no": raw["附件2序号"], "project_name": raw["项目名称"],
               "name": raw["子项目"], "level": raw["项目级别"], "content": raw["建设内容及进度安排"],
               "start_year": raw["起始时间"], "end_year": raw["截止时间"],
               "total": _amount(raw["总投资估算·小计"]), "total_provincial": _amount(raw["总投资估算·省级资金"]),
               "total_city_county": _amount(raw["总投资估算·市县资金"]), "cells": {}}
        for header, value in raw.items():
            year, _, column = header.partition("·")
            if year.isdigit():
                row["cells"][(int(year), column)] = _amount(value)
        if row["number"] == TOTAL_ROW:
            printed_total = row
        else:
            rows.append(row)
    return rows, printed_total


def plan_cells(row: dict, regions: dict) -> dict:
    """{(year, source, region): amount} of a printed row: every printed amount but the 小计, blanks left out."""
    out = {}
    for (year, column), amount in row["cells"].items():
        if column == "小计" or amount is None:
            continue
        if column == "省级资金":
            out[(year, PROVINCIAL, regions["city"])] = amount
        elif column == "市本级":
            out[(year, CITY, regions["city"])] = amount
        else:
            out[(year, COUNTY, regions[COUNTIES[column]])] = amount
    return out


def _regions() -> dict:
    city = Region.objects.get(code=CITY_CODE)
    found = {r.name: r for r in Region.objects.filter(parent=city, name__in=COUNTIES.values())}
    return {"city": city, **found}


def load_seed(actor=None) -> list[KeyProject]:
    """The seed's programme: 附件2's ten projects, 附表3's sub-projects and every printed funding cell."""
    regions = _regions()
    projects = {}
    for raw in read_table(KEY_PROJECTS):
        project = KeyProject.objects.filter(region=regions["city"], programme=PROGRAMME,
                                            number=int(raw["序号"])).first() or KeyProject()
        projects[raw["序号"]] = services.save_project(actor, project, {
            "region": regions["city"], "programme": PROGRAMME, "number": int(raw["序号"]), "name": raw["项目名称"],
            "lead_units": raw["牵头单位"], "support_units": raw["配合单位"], "schedule": raw["时间进度"],
            "start_year": int(raw["起始年份"]), "end_year": int(raw["截止年份"]), "is_demo": True})
    rows, _ = read_plan()
    for row in rows:
        project = projects[row["project_no"]]
        sub = SubProject.objects.filter(project=project, number=int(row["number"])).first() or SubProject()
        sub = services.save_subproject(actor, sub, {
            "project": project, "region": regions["city"], "number": int(row["number"]),
            "printed_project_name": row["project_name"], "name": row["name"], "level": row["level"],
            "content": row["content"], "total_investment": row["total"], "start_year": int(row["start_year"]),
            "end_year": int(row["end_year"]), "is_demo": True})
        services.set_plan(actor, sub, plan_cells(row, regions))
    return list(projects.values())


def load_demo_execution(actor=None):
    """A small 演示 programme in 乐至县 whose sub-project lies in 天池街道: a plan, funds received and spent."""
    county = Region.objects.get(code="512022")
    township = Region.objects.get(code="512022001")
    project = KeyProject.objects.filter(region=county, programme=DEMO_PROGRAMME, number=1).first() or KeyProject()
    project = services.save_project(actor, project, {
        "region": county, "programme": DEMO_PROGRAMME, "number": 1, "name": "乡镇（街道）应急物资储备点建设",
        "level": "县级", "lead_units": "乐至县应急管理局", "support_units": "乐至县财政局、天池街道办事处",
        "district": "天池街道", "start_year": 2025, "end_year": 2026, "progress_percent": 40,
        "progress": "储备点选址完成，货架及首批物资已采购。", "is_demo": True})
    sub = SubProject.objects.filter(project=project, number=1).first() or SubProject()
    sub = services.save_subproject(actor, sub, {
        "project": project, "region": township, "number": 1, "name": "天池街道应急物资储备点", "level": "县级",
        "content": "2025年，完成选址和改造；2026年，配齐物资。", "total_investment": Decimal("80.00"),
        "start_year": 2025, "end_year": 2026, "is_demo": True})
    services.set_plan(actor, sub, {(2025, COUNTY, township): Decimal("50.00"),
                                   (2026, COUNTY, township): Decimal("30.00")})
    if not FundingRecord.objects.filter(subproject=sub).exists():
        for kind, amount, day, note in ((FundingRecord.RECEIVED, "50.00", date(2025, 4, 10), "乐财建〔2025〕演示号"),
                                        (FundingRecord.SPENT, "36.50", date(2025, 9, 20), "储备点改造及货架采购"),
                                        (FundingRecord.RECEIVED, "15.00", date(2026, 3, 5), "2026年第一批")):
            services.save_funding_record(actor, FundingRecord(), {
                "subproject": sub, "region": township, "kind": kind, "source": COUNTY, "amount": Decimal(amount),
                "occurred_on": day, "note": note, "is_demo": True})


def load(log):
    projects = load_seed()
    load_demo_execution()
    lines = FundingPlanLine.objects.filter(subproject__project__programme=PROGRAMME).count()
    log(f"重点项目 {len(projects)} 个（种子 000 附件2），子项目 {SubProject.objects.filter(project__programme=PROGRAMME).count()}"
        f" 个、年度资金计划 {lines} 格（附表3）；演示项目 1 个")
