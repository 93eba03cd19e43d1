"""预警信息登记人员覆盖率 (formula warning_recipient_coverage): Σ reached ÷ Σ total of the WarningCoverage rows of
our Actual Alerts and Updates published that year (local year of `sent`), counted where the township lies; a
year without warnings has no figure; the records page lists the warnings behind a figure."""

import itertools
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from yingji.core.models import Region
from yingji.planning.models import Indicator
from yingji.planning.services import indicators as services
from yingji.warnings.models import Warning, WarningCoverage

TZ = ZoneInfo("Asia/Shanghai")
HUILAN, TIANCHI = "512022102", "512022001"
_serial = itertools.count(1)


def indicator(region_code="512022"):
    data = {"region": Region.objects.get(code=region_code), "plan": "测试规划", "code": "T-cov",
            "name": "预警覆盖率（登记人员）", "formula": "warning_recipient_coverage", "period_start": 2021,
            "baseline_year": None, "target_kind": "ge", "target_value": Decimal("90"), "target_year": 2025,
            "attribute": "预期性", "unit": "%"}
    return services.save_indicator(None, Indicator(), data)


def published(sent, coverage, *, msg_type="Alert", status="Actual", source="local"):
    """A published message (test set-up straight into the tables) with coverage {township code: (reached, total)}."""
    county = Region.objects.get(code="512022")
    warning = Warning.objects.create(
        region=county, identifier=f"T{next(_serial):06d}_{sent:%Y%m%d%H%M%S}", msg_type=msg_type, status=status,
        source=source, event_code="11B03", level=2, headline="测试预警", description="测试", onset=sent, sent=sent,
        state=Warning.PUBLISHED)
    for code, (reached, total) in coverage.items():
        WarningCoverage.objects.create(warning=warning, township=Region.objects.get(code=code), reached=reached,
                                       total=total)
    return warning


def figure(result, year, region=None):
    figures = result.figures_of(region) if region is not None else result.figures
    return next(f for f in figures if f.year == year)


@pytest.fixture
def coverage_2021(demo):
    at = datetime(2021, 7, 1, 9, tzinfo=TZ)
    published(at, {HUILAN: (30, 100)})
    published(at, {TIANCHI: (10, 50)}, msg_type="Update")
    published(at, {HUILAN: (999, 1000)}, msg_type="Cancel")  # ends a warning, warns nobody again
    published(at, {HUILAN: (5, 5)}, status="Exercise")  # 演练
    published(at, {HUILAN: (7, 7)}, source="imported")  # another sender's message
    # 2021-12-31 17:30 UTC is 2022-01-01 01:30 in 北京时间: counted in 2022
    published(datetime(2021, 12, 31, 17, 30, tzinfo=ZoneInfo("UTC")), {TIANCHI: (1, 4)})


def test_ratio_of_sums_over_the_years_warnings_by_township(coverage_2021):
    result = services.compute([indicator()], townships=True)[0]
    huilan, tianchi = Region.objects.get(code=HUILAN), Region.objects.get(code=TIANCHI)
    county_2021 = figure(result, 2021)
    assert (county_2021.numerator, county_2021.denominator) == (40, 150)
    assert county_2021.value == pytest.approx(40 / 150 * 100)
    assert figure(result, 2021, huilan).value == pytest.approx(30.0)
    assert figure(result, 2021, tianchi).value == pytest.approx(20.0)
    assert figure(result, 2022).value == pytest.approx(25.0) and figure(result, 2022, huilan).value is None


def test_a_year_without_warnings_has_no_figure_and_says_why(coverage_2021):
    result = services.compute([indicator()])[0]
    empty = figure(result, 2023)
    assert (empty.value, empty.missing) == (None, services.NO_WARNINGS)


def test_a_township_indicator_counts_its_own_townships_rows_only(coverage_2021):
    own = services.compute([indicator(region_code=HUILAN)])[0]
    assert (figure(own, 2021).numerator, figure(own, 2021).denominator) == (30, 100)


def test_records_page_lists_the_warnings_behind_the_figure(coverage_2021, web):
    target = indicator()
    page = web("leader").get(reverse("planning:indicator_records", args=[target.pk]) + "?year=2021")
    text = page.content.decode()
    assert page.status_code == 200 and text.count("测试预警") == 2 and "只计登记接收人" in text
    detail = web("leader").get(target.get_absolute_url()).content.decode()
    assert "预警信息登记人员覆盖率（按登记人员计）" in detail and "各条预警覆盖的登记接收人数之和" in detail


def test_a_manual_indicator_shows_the_computed_figure_beside_as_a_reference(coverage_2021, web):
    region = Region.objects.get(code="512022")
    plan_figure = services.save_indicator(None, Indicator(), {
        "region": region, "plan": "测试规划", "code": "T-public", "name": "灾害预警信息发布覆盖率", "unit": "%",
        "formula": "manual", "reference_formula": "warning_recipient_coverage", "period_start": 2021,
        "target_kind": "ge", "target_value": Decimal("100"), "target_year": 2025, "attribute": "预期性"})
    services.set_manual_value(None, plan_figure, 2021, Decimal("98.5"), "县气象局统计（演示）")
    result = services.compute([plan_figure])[0]
    shown = figure(result, 2021)
    assert (shown.value, shown.manual) == (98.5, True)  # the plan's own figure stays the manual one
    assert shown.reference == pytest.approx(40 / 150 * 100)  # registered people: a reference only
    assert figure(result, 2023).reference is None and figure(result, 2023).reference_missing == services.NO_WARNINGS
    assert result.latest.year == 2021 and result.met is False  # judged on the manual value, not the reference
    page = web("leader").get(plan_figure.get_absolute_url()).content.decode()
    assert "参考：预警信息登记人员覆盖率（按登记人员计） 26.67%" in page and "不参与达标判断" in page


def test_a_reference_is_only_for_manual_indicators(demo):
    with pytest.raises(ValidationError) as caught:
        services.save_indicator(None, Indicator(), {
            "region": Region.objects.get(code="512022"), "plan": "测试规划", "code": "T-ref", "name": "x",
            "formula": "production_deaths", "reference_formula": "warning_recipient_coverage", "period_start": 2021,
            "target_kind": "lt", "target_value": Decimal("1"), "target_year": 2025, "attribute": "预期性"})
    assert "只用于“手工填报”的指标" in caught.value.message_dict["reference_formula"][0]
