"""The report's figures against the records, and 领导统计 (issue 16 item 6): the losses by township and month add up
to the accepted township reports exactly; each chart's table is what the chart draws and what its .xlsx export
holds; bad parameters are named; the page, the API and the CLI."""

import io
import json
from decimal import Decimal

import pytest
from click.testing import CliRunner
from django.db.models import Sum
from django.urls import reverse
from openpyxl import load_workbook

from yingji.core.models import AuditEntry, Region, User
from yingji.planning.models import DisasterLossReport, HalfYearReport
from yingji.planning.services import reports as services
from yingji.planning.services import reports_charts as stats
from yingji.planning.services.reports_sections import build_sections

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def county(demo):
    return Region.objects.get(code="512022")


def _section(sections, title):
    return next(s for s in sections if s.title == title)


def _accepted(region, start, end):
    return DisasterLossReport.objects.filter(is_current=True, region__path__startswith=region.path,
                                             event__started_on__range=(start, end))


@pytest.mark.parametrize(("year", "half"), [(2025, "H1"), (2025, "H2"), (2024, "H2")])
def test_loss_tables_add_up_to_the_township_reports(county, year, half):
    period = services.Period(county, year, half)
    losses = _section(build_sections(period), "自然灾害灾情统计")
    by_township, by_month = losses.tables
    records = _accepted(county, period.start, period.end)
    sums = records.aggregate(people=Sum("affected_people"), loss=Sum("direct_loss"), relocated=Sum("relocated"))
    assert sums["people"], "the demo has accepted township reports in this half"
    *rows, total = by_township.rows
    assert total[0] == "合计"
    assert sum(r[2] for r in rows) == total[2] == sums["people"]
    assert sum(r[6] for r in rows) == total[6] == sums["loss"]  # Decimal: exact, to the 分
    assert sum(r[4] for r in rows) == sums["relocated"]
    assert sum(r[2] for r in by_month.rows) == sums["people"] and sum(r[6] for r in by_month.rows) == sums["loss"]
    assert [r[0] for r in by_month.rows] == [f"{m}月" for m in period.months]
    names = set(records.values_list("region__name", flat=True))
    assert {r[0] for r in rows} == names


def test_a_half_without_reports_says_so(county):
    losses = _section(build_sections(services.Period(county, 2020, "H1")), "自然灾害灾情统计")
    assert losses.tables == [] and "没有经审核的灾情报告" in losses.paragraphs[0]


def test_project_table_totals_match_the_projects_service(demo):
    from yingji.planning.services.projects import funding_summary

    city = Region.objects.get(code="512000")
    section = _section(build_sections(services.Period(city, 2025, "H2")), "重点项目资金执行情况")
    summary = funding_summary(city, 2025)
    *rows, total = section.tables[0].rows
    assert len(rows) == len(summary["projects"])
    assert total[3:6] == [summary["totals"]["planned"], summary["totals"]["received"], summary["totals"]["spent"]]
    assert sum(r[3] for r in rows) == total[3]


def test_first_half_counts_only_the_funding_of_the_half(demo):
    """Received and spent up to the half's end (H1: January–June); the plan is the year's, labelled as such."""
    from datetime import date

    from yingji.planning.models import FundingRecord, SubProject
    from yingji.planning.services import projects

    city, admin = Region.objects.get(code="512000"), User.objects.get(username="admin")
    sub = SubProject.objects.filter(project__region__path__startswith=city.path).select_related("project__region") \
        .order_by("pk").first()

    def received(half):
        section = _section(build_sections(services.Period(city, 2025, half)), "重点项目资金执行情况")
        return section, section.tables[0].rows[-1][4]

    before = {half: received(half)[1] for half in ("H1", "H2")}
    for day, amount in ((date(2025, 5, 10), Decimal("100.00")), (date(2025, 9, 1), Decimal("50.00"))):
        projects.save_funding_record(admin, FundingRecord(), {
            "subproject": sub, "region": sub.project.region, "kind": "received", "source": "provincial", "amount": amount,
            "occurred_on": day})
    first, first_received = received("H1")
    assert first_received - before["H1"] == Decimal("100.00")  # September's 50 is not in the first half
    assert received("H2")[1] - before["H2"] == Decimal("150.00")  # the year to 31 December
    table = first.tables[0]
    assert table.header[3:6] == ["年度计划", "到位", "支出"] and table.caption.endswith("（到位、支出截至6月30日）")
    assert "全年计划合计，不按半年拆分" in table.note and "1月1日至6月30日" in table.note
    assert "年度计划投资" in first.paragraphs[0] and "截至6月30日" in first.paragraphs[0]


def test_every_chart_table_is_what_it_draws(county):
    charts = stats.charts(services.Period(county, 2025, services.WHOLE_YEAR))
    keys = {c.key for c in charts}
    assert {"losses-township", "losses-month", "projects"} <= keys and any(k.startswith("indicator-") for k in keys)
    for chart in charts:
        drawn = chart.as_json()
        rows = chart.rows()
        assert [r[0] for r in rows] == drawn["categories"]
        for i, series in enumerate(drawn["series"]):
            assert [None if r[i + 1] is None else float(r[i + 1]) for r in rows] == series["data"], chart.key
        book = load_workbook(io.BytesIO(stats.table_xlsx(chart)))
        exported = [list(r) for r in book.active.iter_rows(min_row=2, max_row=len(rows) + 1, values_only=True)]
        assert exported == [[None if v is None else float(v) if isinstance(v, Decimal) else v for v in r]
                            for r in rows], chart.key


def test_indicator_chart_has_its_target_and_no_invented_values(county):
    charts = [c for c in stats.charts(services.Period(county, 2025, services.WHOLE_YEAR))
              if c.key.startswith("indicator-")]
    affected = next(c for c in charts if c.title == "年均每十万人受灾人次")
    assert affected.target["value"] == 15000 and "<15000" in affected.target["label"]
    assert all(v is None or v >= 0 for v in affected.series[0].data)
    # a year without its denominator has no value (None), and the note says why
    for chart in charts:
        for category, value in zip(chart.categories, chart.series[0].data, strict=True):
            if value is None:
                assert category in chart.note, chart.title


def test_statistics_page_and_export(web, county):
    client = web("leader")
    page = client.get(reverse("planning:statistics"), {"year": 2025})
    assert page.status_code == 200
    html = page.content.decode()
    assert "data-stats-chart" in html and "web/echarts.js" in html and "cdn" not in html.lower()
    card = next(c for _, cards in page.context["groups"] for c in cards if c["chart"].key == "losses-month")
    assert json.loads(card["json"])["categories"] == [f"{m}月" for m in range(1, 13)]
    before = AuditEntry.objects.filter(action=AuditEntry.EXPORT).count()
    answer = client.get(reverse("planning:statistics_export", args=["losses-month"]),
                        {"region": county.pk, "year": 2025})
    assert answer.status_code == 200 and "attachment" in answer["Content-Disposition"]
    assert AuditEntry.objects.filter(action=AuditEntry.EXPORT).count() == before + 1
    rows = list(load_workbook(io.BytesIO(answer.content)).active.iter_rows(min_row=2, max_row=13, values_only=True))
    assert [r[0] for r in rows] == [f"{m}月" for m in range(1, 13)]


@pytest.mark.parametrize(("params", "field"), [({"year": "abc"}, "年度"), ({"year": 1999}, "年度"),
                                               ({"region": 2**31 - 1}, "区划编号"), ({"region": "x"}, "区划编号")])
def test_statistics_bad_parameters_are_named(web, params, field):
    answer = web("leader").get(reverse("planning:statistics"), params)
    assert answer.status_code == 400 and field in answer.content.decode()


def test_statistics_of_a_region_outside_scope_is_refused(web, demo):
    other = Region.objects.get(code="512022001")  # 天池街道: not 回澜镇's
    answer = web("township2").get(reverse("planning:statistics"), {"region": other.pk})
    assert answer.status_code == 400 and "不在您的管辖范围内" in answer.content.decode()
    export = web("township2").get(reverse("planning:statistics_export", args=["losses-month"]), {"region": other.pk})
    assert export.status_code == 400


def test_unknown_chart_export_is_named(web):
    answer = web("leader").get(reverse("planning:statistics_export", args=["no-such-chart"]))
    assert answer.status_code == 400 and "no-such-chart" in answer.content.decode()


def test_api_statistics(api, county):
    answer = api("leader").get("/api/planning/reports/statistics/", {"year": 2025})
    assert answer.status_code == 200
    charts = {c["key"]: c for c in answer.json()["charts"]}
    month = charts["losses-month"]
    assert month["table"]["rows"][7][0] == "8月" and month["table"]["header"][0] == "月份"
    assert api("leader").get("/api/planning/reports/statistics/", {"year": "x"}).status_code == 400


def test_cli_generates_a_report(demo, tmp_path):
    from yingji.cli import main

    result = CliRunner().invoke(main, ["planning", "report", "--region", "512022", "--year", "2025", "--half",
                                       "H2", "--user", "leader", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "自然灾害灾情统计" in result.output
    assert (tmp_path / "out" / "乐至县2025年下半年规划实施情况报告.docx").exists()
    made = HalfYearReport.objects.latest("pk")
    assert made.generated_by == User.objects.get(username="leader")
    bad = CliRunner().invoke(main, ["planning", "report", "--region", "512022", "--year", "2099", "--half", "H1"])
    assert bad.exit_code != 0 and "半年" in bad.output


def test_leader_home_panel(web, demo):
    page = web("leader").get("/")
    html = page.content.decode()
    assert 'data-testid="planning-panel"' in html and "规划指标" in html
    assert "最近的半年报告" in html  # the demo's 乐至县 2025年下半年
    assert 'data-testid="planning-panel"' not in web("township").get("/").content.decode()
