"""Issue 16's “done when”, as one path in the browser: the county opens a 灾害过程, the township (天池街道) enters its
初报 and submits it, the county accepts it and files the aggregate upwards, the indicator page's 每十万人受灾人次
moves by exactly what was entered and links to the report it counted, and the half-year report generated from the
form carries the new figure in its .docx, opened in LibreOffice and rendered to PNG (test-artifacts/
loss-path-halfyear-N.png). Screenshots at 1366 and 390 px of the pages on the way."""

import re
import subprocess
from pathlib import Path

import pytest
from django.db.models import Sum

from tests.incidents.test_report_docx import _convert, _pages_to_png, _tool

from .conftest import ARTIFACTS
from .test_dashboard import watch_errors
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ENTERED = 3572  # 受灾人口（人次） the township enters
YEAR = 2025  # the plan's last year: 乐至's indicators run 2021–2025


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def _shot(page, name: str, widths=(1366, 390)):
    """test-artifacts/loss-path-<name>-<width>.png; at 390 px nothing may be wider than the phone."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    for width in widths:
        page.set_viewport_size({"width": width, "height": 860 if width > 500 else 844})
        page.wait_for_timeout(150)
        page.screenshot(path=str(ARTIFACTS / f"loss-path-{name}-{width}.png"), full_page=True)
        if width < 500:
            overflow = page.evaluate("document.documentElement.scrollWidth")
            assert overflow <= width + 2, (name, overflow)
    page.set_viewport_size({"width": 1366, "height": 860})


def _yearly_value(page, base, indicator_pk) -> float:
    """The 2025 当年值 of the 年均 indicator as its page prints it."""
    page.goto(f"{base}/indicators/{indicator_pk}/")
    row = page.locator("[data-testid=actuals] tbody tr").filter(has=page.locator(f"[data-testid=records-{YEAR}]"))
    cells = row.locator("td").all_inner_texts()
    return float(cells[2].replace(",", ""))  # 年份 | 年均值 | 当年值 | 分子 | 分母 | 记录


def test_township_report_reviewed_aggregated_counted_and_reported(demo, live_server, browser, page):
    from yingji.core.models import Region
    from yingji.planning.models import DisasterEvent, DisasterLossReport, Indicator, RegionYearStat

    base = live_server.url
    errors = watch_errors(page)
    county = Region.objects.get(code="512022")
    indicator = Indicator.objects.get(region=county, formula="affected_per_100k")  # 年均每十万人受灾人次<15000
    population = RegionYearStat.objects.get(region=county, year=YEAR).population

    # The county (值班员) notes the value, then opens the 灾害过程.
    login(page, base, "duty")
    before = _yearly_value(page, base, indicator.pk)
    page.goto(f"{base}/planning/losses/events/add/")
    page.fill("#id_name", "2025年9月天池街道暴雨（浏览器测试）")
    page.select_option("#id_hazard", "flood")
    page.fill("#id_occurred_at", f"{YEAR}-09-10T06:00")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    event = DisasterEvent.objects.get(name="2025年9月天池街道暴雨（浏览器测试）")
    assert page.url.endswith(f"/planning/losses/events/{event.pk}/")

    # The township enters its 初报 in its own session and submits it.
    township_context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN")
    township = township_context.new_page()
    errors += watch_errors(township)
    login(township, base, "township")
    township.goto(f"{base}/planning/losses/events/{event.pk}/")
    township.click("[data-testid=add-report]")
    assert township.locator("#id_region option:checked").inner_text() == "天池街道"
    _shot(township, "report-form")
    figures = {"affected_people": ENTERED, "relocated": "120", "needing_aid": "45", "crop_affected_ha": "35.5",
               "crop_damaged_ha": "12.25", "direct_loss": "86.40", "loss_agriculture": "60.40",
               "loss_household": "26.00", "remarks": "9月10日凌晨强降雨，天池街道低洼处积水。"}
    for field, value in figures.items():
        township.fill(f"#id_{field}", str(value))
    township.click("button[type=submit].primary")
    township.wait_for_load_state("networkidle")
    report = DisasterLossReport.objects.get(event=event)
    assert township.url.endswith(f"/planning/losses/reports/{report.pk}/")
    township.click("[data-testid=submit-form] button")
    township.wait_for_load_state("networkidle")
    assert township.locator("[data-testid=report-status]").inner_text().startswith("待审核")
    _shot(township, "report-submitted")
    township.wait_for_load_state("networkidle")
    township_context.close()

    # The county reviews and accepts it, sees the aggregate and files the 初报 upwards.
    page.goto(f"{base}/planning/losses/reports/{report.pk}/")
    page.click("[data-testid=accept-form] button")
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=report-status]").inner_text().startswith("已审核")  # ·迟报: a 2025 event
    page.goto(f"{base}/planning/losses/events/{event.pk}/")
    rows = page.locator("[data-testid=township-table] tbody tr")
    assert rows.count() == 1 and rows.first.locator("td").first.inner_text() == "天池街道"
    total = page.locator("[data-testid=county-total] th").all_inner_texts()
    assert total[0] == "乐至县合计" and total[2] == str(ENTERED)
    page.select_option("#file-stage", "initial")
    page.click("[data-testid=file-form] button")
    page.wait_for_load_state("networkidle")
    filed = page.locator("[data-testid=filings] tbody tr").first.locator("td").all_inner_texts()
    assert filed[0].startswith("初报") and filed[4] == str(ENTERED)
    _shot(page, "event")

    # The indicator page: the year's value moved by exactly what was entered, and links to that report.
    after = _yearly_value(page, base, indicator.pk)
    assert after - before == pytest.approx(ENTERED * 100_000 / population, abs=2e-4)
    _shot(page, "indicator")
    page.click(f"[data-testid=records-{YEAR}]")
    page.wait_for_load_state("networkidle")
    listed = page.locator("[data-testid=records] tbody tr").filter(has_text="天池街道").filter(
        has_text=str(ENTERED))
    assert listed.count() == 1
    assert listed.locator("a").get_attribute("href") == f"/planning/losses/reports/{report.pk}/"
    header = page.locator("[data-testid=records-figure]").inner_text()
    assert f"当年值 {after:.4f}".rstrip("0").rstrip(".") in header and f"分母 {population}" in header
    _shot(page, "records")
    assert not errors, errors

    # The half-year report for the 联席会议: generated by leadership from the form, its .docx opened in LibreOffice.
    leader_context = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN", accept_downloads=True)
    try:
        _half_year_report_shows_it(leader_context.new_page(), base, county)
    finally:
        leader_context.close()


def _half_year_report_shows_it(page, base, county):
    from yingji.planning.models import DisasterLossReport

    login(page, base, "leader")
    page.goto(f"{base}/half-year-reports/add/")
    page.fill("#id_year", str(YEAR)) if page.locator("input#id_year").count() else page.select_option(
        "#id_year", str(YEAR))
    page.select_option("#id_half", "H2")
    page.fill("#id_number", "乐应急〔2026〕9号")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    people = DisasterLossReport.objects.filter(
        is_current=True, region__path__startswith=county.path,
        event__started_on__range=(f"{YEAR}-07-01", f"{YEAR}-12-31")).aggregate(n=Sum("affected_people"))["n"]
    assert f"受灾{people:,}人次" in re.sub(r"\s+", "", page.locator("[data-testid=report-body]").inner_text())
    with page.expect_download() as caught:
        page.locator("[data-testid=report-docx]").click()
    pdftotext, pdftoppm = _tool("pdftotext"), _tool("pdftoppm")
    out = Path(caught.value.path()).parent / "render"
    out.mkdir(exist_ok=True)
    docx = out / "report.docx"
    docx.write_bytes(Path(caught.value.path()).read_bytes())
    pdf = _convert(docx, out)
    flat = re.sub(r"\s+", "", subprocess.run([pdftotext, str(pdf), "-"], check=True, capture_output=True,
                                             text=True).stdout)
    assert f"受灾{people:,}人次" in flat and "乐应急〔2026〕9号" in flat
    _pages_to_png(pdftoppm, pdf, "loss-path-halfyear")
