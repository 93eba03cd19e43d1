"""Key projects: bad input refused with a Chinese error naming the field, received/spent balance, the funding
summary for the half-year report, the API, the all-or-nothing import, the 附表3-layout export and the CLI."""

import io
import json
from datetime import date
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError
from openpyxl import Workbook, load_workbook

from yingji.core.imports import SHEETS, run_import
from yingji.core.models import AuditEntry, Region, User
from yingji.planning.demo_data import projects as seed
from yingji.planning.models import FundingPlanLine, FundingRecord, KeyProject, SubProject
from yingji.planning.services import projects as services
from yingji.planning.services.projects_xlsx import plan_table_xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(demo):
    return User.objects.get(username="admin")  # 资阳市


@pytest.fixture
def city(demo):
    return Region.objects.get(code=seed.CITY_CODE)


@pytest.fixture
def sub(city):
    return SubProject.objects.get(project__region=city, project__programme=seed.PROGRAMME, number=4)


def _errors(call) -> dict:
    with pytest.raises(ValidationError) as caught:
        call()
    return caught.value.message_dict


def _line(sub, **data):
    return {"subproject": sub, "year": 2021, "source": "county", "region": Region.objects.get(name="临空经济区"),
            "amount": Decimal("1.00"), **data}


def test_a_funding_year_outside_the_projects_span_is_refused(admin, sub):
    errors = _errors(lambda: services.save_funding_line(admin, FundingPlanLine(), _line(sub, year=2023)))
    assert errors["year"] == ["年度 2023 超出重点项目“新增专职消防员基本防护装备建设”的实施期限（2020—2022年）。"]
    assert not FundingPlanLine.objects.filter(subproject=sub, year=2023).exists()


def test_amounts_with_three_decimals_or_negative_are_refused(admin, sub):
    errors = _errors(lambda: services.save_funding_line(admin, FundingPlanLine(), _line(sub, amount=Decimal("1.005"))))
    assert errors["amount"] == ["计划金额最多保留两位小数（万元），“1.005”超出。"]
    errors = _errors(lambda: services.save_funding_line(admin, FundingPlanLine(), _line(sub, amount=Decimal("-5"))))
    assert errors["amount"] == ["计划金额不能为负数。"]
    errors = _errors(lambda: services.save_subproject(admin, sub, {"total_investment": Decimal("816.001")}))
    assert errors["total_investment"] == ["总投资估算最多保留两位小数（万元），“816.001”超出。"]
    assert services.save_funding_line(admin, FundingPlanLine(), _line(sub, amount=Decimal("2.500"))).amount == \
        Decimal("2.5")  # a trailing zero is not a third decimal


def test_a_narrower_project_span_cannot_orphan_planned_years(admin, sub):
    errors = _errors(lambda: services.save_project(admin, sub.project, {"end_year": 2021}))
    assert errors["end_year"] == ["已有 2022 年的资金计划，实施期限不能改为2020—2021年。"]
    errors = _errors(lambda: services.save_project(admin, sub.project, {"end_year": 2019}))
    assert errors["end_year"] == ["截止年份不能早于起始年份。"]


def test_a_cell_is_entered_once(admin, sub):
    errors = _errors(lambda: services.save_funding_line(admin, FundingPlanLine(), _line(
        sub, region=Region.objects.get(name="乐至县"))))
    assert errors["year"] == ["该子项目 2021 年县（区）资金（乐至县）已有计划金额，请修改原有的一格。"]


def test_a_county_line_names_a_county_and_stays_in_the_projects_region(admin, sub, city):
    errors = _errors(lambda: services.save_funding_line(admin, FundingPlanLine(), _line(sub, region=city)))
    assert errors["region"] == ["县（区）资金请选择承担资金的县（区）。"]
    outside = Region.objects.get(code="510000")
    errors = _errors(lambda: services.save_funding_line(admin, FundingPlanLine(), _line(
        sub, region=outside, source="provincial")))
    assert "不在“资阳市”范围内" in errors["region"][0]


def test_spent_above_received_is_refused_on_save_edit_and_delete(admin, sub, city):
    def record(kind, amount, pk=None):
        data = {"subproject": sub, "region": city, "kind": kind, "source": "provincial", "amount": Decimal(amount),
                "occurred_on": date(2021, 6, 30)}
        return services.save_funding_record(admin, FundingRecord.objects.get(pk=pk) if pk else FundingRecord(), data)

    received = record("received", "100.00")
    assert _errors(lambda: record("spent", "100.01"))["amount"] == [
        "累计支出（100.01 万元）不能超过累计到位资金（100.00 万元）。"]
    spent = record("spent", "60.00")
    assert _errors(lambda: record("received", "59.99", received.pk))["amount"] == [
        "累计支出（60.00 万元）不能超过累计到位资金（59.99 万元）。"]
    assert _errors(lambda: record("spent", "0"))["amount"] == ["金额应大于0。"]
    with pytest.raises(ValidationError, match="删除这笔到位资金后"):
        services.delete_funding_record(admin, received)
    services.delete_funding_record(admin, spent)
    services.delete_funding_record(admin, received)
    assert not FundingRecord.objects.filter(subproject=sub).exists()


def test_writes_are_audited(admin, sub):
    before = AuditEntry.objects.count()
    line = services.save_funding_line(admin, FundingPlanLine(), _line(sub, amount=Decimal("3.00")))
    services.save_funding_line(admin, line, {"amount": Decimal("4.00")})
    services.delete_funding_line(admin, line)
    assert AuditEntry.objects.count() == before + 3


def test_a_county_user_reads_the_citys_projects_but_cannot_change_them(demo, sub):
    leader = User.objects.get(username="leader")  # 乐至县
    assert KeyProject.objects.for_user(leader).filter(pk=sub.project_id).exists()
    with pytest.raises(ValidationError):
        services.save_funding_line(leader, FundingPlanLine(), _line(sub))


def test_funding_summary_for_the_half_year_report(city, admin, sub):
    summary = services.funding_summary(city, 2021)
    assert summary["region"] == "资阳市" and summary["year"] == 2021
    assert summary["totals"]["planned"] == Decimal("4509.00")  # the printed 2021 小计 of 合计
    assert sum(p["planned"] for p in summary["projects"]) == summary["totals"]["planned"]
    fourth = next(p for p in summary["projects"] if p["programme"] == seed.PROGRAMME and p["number"] == 4)
    assert fourth["planned"] == Decimal("240.00") and fourth["rate"] == Decimal("0.00")
    services.save_funding_record(admin, FundingRecord(), {
        "subproject": sub, "region": city, "kind": "received", "source": "provincial", "amount": Decimal("120"),
        "occurred_on": date(2021, 5, 1)})
    services.save_funding_record(admin, FundingRecord(), {
        "subproject": sub, "region": city, "kind": "spent", "source": "provincial", "amount": Decimal("60"),
        "occurred_on": date(2021, 8, 1)})
    fourth = next(p for p in services.funding_summary(city, 2021)["projects"]
                  if p["programme"] == seed.PROGRAMME and p["number"] == 4)
    assert (fourth["received"], fourth["spent"], fourth["rate"]) == (Decimal("120"), Decimal("60"), Decimal("25.00"))
    assert services.funding_summary(city, 2022)["projects"][0]["received"] == 0  # other year: not counted
    assert services.funding_summary(city)["totals"]["planned"] == Decimal("21619.16") + Decimal("80.00")


def test_the_plan_table_export_has_the_seeds_layout_and_figures(city):
    projects = KeyProject.objects.filter(region=city, programme=seed.PROGRAMME)
    table = services.plan_table(city, seed.PROGRAMME, projects)
    sheet = load_workbook(io.BytesIO(plan_table_xlsx(table, seed.PROGRAMME))).active
    heads = [c.value for c in sheet[4]]
    assert heads[5:8] == ["小计", "省级资金", "市县资金"]
    assert heads[8:14] == ["小计", "省级资金", "市本级", "雁江", "安岳", "乐至"]
    assert heads[20:27] == ["小计", "省级资金", "市本级", "临空", "雁江", "安岳", "乐至"]
    assert [c.value for c in sheet[3]][8] == "2020年" and [c.value for c in sheet[3]][20] == "2022年"
    rows, printed = seed.read_plan()
    order = [(y, c) for y, cols in ((2020, ["小计", "省级资金", "市本级", "雁江", "安岳", "乐至"]),
                                    (2021, ["小计", "省级资金", "市本级", "雁江", "安岳", "乐至"]),
                                    (2022, ["小计", "省级资金", "市本级", "临空", "雁江", "安岳", "乐至"])) for c in cols]

    def as_printed(row):
        return [row["total"], row["total_provincial"], row["total_city_county"], *(row["cells"][k] for k in order)]

    def in_sheet(index):
        return [None if v is None else Decimal(str(v)) for v in [c.value for c in sheet[index]][5:27]]

    for offset, row in enumerate(rows):
        assert in_sheet(5 + offset) == as_printed(row), row["number"]
    assert sheet.cell(5 + len(rows), 1).value == "合计"
    assert in_sheet(5 + len(rows)) == as_printed(printed)


def test_import_is_all_or_nothing_with_row_errors(admin, sub):
    spec = SHEETS["funding_plan"]
    book = Workbook()
    sheet = book.active
    sheet.append([c.header for c in spec.columns])
    sheet.append([seed.PROGRAMME, 4, 2022, "省级资金", "512000", "50.00"])  # an existing cell: updated
    sheet.append([seed.PROGRAMME, 4, 2024, "省级资金", "512000", "1.00"])  # outside 2020—2022
    sheet.append([seed.PROGRAMME, 4, 2021, "县（区）资金", "乐至县", "1.234"])
    sheet.append([seed.PROGRAMME, 99, 2021, "省级资金", "512000", "1"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = run_import(admin, spec, buffer)
    assert not result.ok and result.created == result.updated == 0
    assert [(e.row, e.column) for e in result.errors] == [(3, "年度"), (4, "计划金额（万元）"), (5, "子项目序号")]
    assert "超出重点项目" in result.errors[0].reason and "两位小数" in result.errors[1].reason
    assert sub.funding_lines.get(year=2022, source="provincial").amount == Decimal("46")  # nothing written
    good = Workbook()
    good.active.append([c.header for c in spec.columns])
    good.active.append([seed.PROGRAMME, 4, 2022, "省级资金", "512000", "50.00"])
    buffer = io.BytesIO()
    good.save(buffer)
    buffer.seek(0)
    result = run_import(admin, spec, buffer)
    assert result.ok and result.updated == 1
    assert sub.funding_lines.get(year=2022, source="provincial").amount == Decimal("50.00")


def test_api_refuses_bad_amounts_in_chinese_and_serves_the_summary(api, admin, sub):
    client = api("admin")
    body = {"subproject": sub.pk, "year": 2023, "source": "county", "region": Region.objects.get(name="乐至县").pk,
            "amount": "1.239"}
    answer = client.post("/api/funding-plan-lines/", body, format="json")
    assert answer.status_code == 400
    text = json.dumps(answer.json(), ensure_ascii=False)
    assert "年度 2023 超出重点项目" in text and "计划金额最多保留两位小数" in text
    answer = client.get("/api/key-projects/funding-summary/?year=2020")
    assert answer.status_code == 200
    assert answer.json()["totals"]["planned"] == "12891.16"
    answer = client.get(f"/api/key-projects/{sub.project_id}/table/")
    assert answer.json()["totals"]["total"] == "816.00"
    assert client.get("/api/key-projects/funding-summary/?year=abc").status_code == 400


def test_pages_show_the_totals_and_the_seed_warning(web, sub):
    client = web("admin")
    page = client.get("/projects/").content.decode()
    assert "<strong>21619.16</strong> 万元" in page
    second = SubProject.objects.get(project__programme=seed.PROGRAMME, number=2)
    detail = client.get(f"/projects/{second.project_id}/").content.decode()
    assert "原表不一致：资金计划含 2022 年" in detail
    city = sub.project.region
    table = client.get("/projects/table/", {"region": city.pk, "programme": seed.PROGRAMME})
    assert table.status_code == 200 and "18484.81" in table.content.decode()
    export = client.get("/projects/table.xlsx", {"region": city.pk, "programme": seed.PROGRAMME})
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert client.get("/projects/execution/?year=x").status_code == 400


def test_cli_prints_projects_subprojects_and_totals(demo):
    from yingji.planning.commands.projects import programme_report

    report = programme_report(Region.objects.get(code=seed.CITY_CODE), seed.PROGRAMME)
    assert report["totals"]["total"] == "21619.16"
    assert report["totals"]["by_level"] == {"省级资金": "3134.35", "市本级": "9770.34", "县（区）资金": "8714.47"}
    assert report["totals"]["by_year"] == {"2020": "12891.16", "2021": "4509.00", "2022": "4219.00"}
    first = report["projects"][0]
    assert first["subprojects"][0]["plan"]["2022"] == {"省级资金": "325.65", "市本级": "0.00", "临空经济区": "2354.12",
                                                        "雁江区": "0.00", "安岳县": "0.00", "乐至县": "60.23"}
    assert report["projects"][2]["plan_total"] is None  # 专职消防员建设: no figure printed
    from yingji.cli import main

    result = CliRunner().invoke(main, ["planning", "projects", "--json", "--region", seed.CITY_CODE])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["programmes"][0]["totals"]["total"] == "21619.16"


def test_funds_import_refuses_spending_above_receipts_and_writes_nothing(admin, sub):
    spec = SHEETS["funding_records"]
    book = Workbook()
    book.active.append([c.header for c in spec.columns])
    book.active.append([seed.PROGRAMME, 4, "到位", "省级资金", "512000", "80", "2021-05-01", "川财建〔2021〕演示"])
    book.active.append([seed.PROGRAMME, 4, "支出", "省级资金", "512000", "80.01", "2021-07-01", "装备采购"])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    result = run_import(admin, spec, buffer)
    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (3, "金额（万元）", "累计支出（80.01 万元）不能超过累计到位资金（80.00 万元）。")]
    assert not FundingRecord.objects.filter(subproject=sub).exists()
