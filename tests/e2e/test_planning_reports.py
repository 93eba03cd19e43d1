"""领导统计 and the half-year report in the browser: the charts drawn with the app's own ECharts, each card switching
to its table, whose rows are what the chart draws and what its .xlsx export holds; the page at 1366 and 390 px;
a report generated from the form and its .docx downloaded."""

import io

import pytest
from openpyxl import load_workbook

from .test_dashboard import watch_errors
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

YEAR = 2025  # the demo's flood and hail of 2025 (township reports accepted), the indicators' last year


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def _cells(row) -> list[str]:
    return [c.strip() for c in row.locator("td").all_inner_texts()]


def _value(text):
    """A cell of the page's table or of the workbook, compared as a number where it is one."""
    if text is None or text == "—":
        return None
    try:
        return float(str(text).replace(",", ""))
    except ValueError:
        return str(text)


def test_statistics_charts_their_tables_and_exports(demo, live_server, page, screenshot):
    errors = watch_errors(page)
    login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/plan-statistics/?year={YEAR}")
    assert page.evaluate("typeof echarts") == "object"  # served by the app
    for key in ("losses-township", "losses-month"):
        chart = page.locator(f"[data-testid=chart-{key}]")
        chart.locator("canvas").first.wait_for()
        assert chart.get_attribute("data-drawn") == "1"
    indicator_charts = page.locator("[data-testid^=chart-indicator-][data-drawn='1']")
    assert indicator_charts.count() >= 1
    screenshot("statistics-1366")

    card = page.locator("[data-testid=chart-card-losses-township]")
    card.locator("[data-testid=toggle-table-losses-township]").click()
    table = card.locator("[data-testid=table-losses-township]")
    assert table.is_visible() and not card.locator("[data-testid=chart-losses-township]").is_visible()
    rows = [_cells(r) for r in table.locator("tbody tr").all()]
    drawn = page.evaluate("""(() => {
        const chart = echarts.getInstanceByDom(document.querySelector('[data-testid=chart-losses-township]'));
        const o = chart.getOption();
        return {categories: o.xAxis[0].data, series: o.series.map(s => s.data)};
    })()""")
    assert [r[0] for r in rows] == drawn["categories"]  # one row per township the chart draws
    for i, row in enumerate(rows):
        assert [float(c.replace(",", "")) for c in row[1:]] == [float(s[i]) for s in drawn["series"]]
    assert not errors, errors  # (a download then shows as an aborted request: checked before it)

    with page.expect_download() as caught:
        card.locator("[data-testid=export-losses-township]").click()
    book = load_workbook(io.BytesIO(open(caught.value.path(), "rb").read()))
    exported = [[_value(v) for v in row] for row in book.active.iter_rows(min_row=2, values_only=True)
                if row[0] is not None][: len(rows)]
    assert [[_value(c) for c in row] for row in rows] == exported
    assert book.active.cell(2, 4).number_format == "#,##0.00"  # 万元 with two decimals
    card.scroll_into_view_if_needed()
    screenshot("statistics-table")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/plan-statistics/?year={YEAR}")
    page.locator("[data-testid=chart-losses-month] canvas").first.wait_for()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 392, width  # nothing wider than the phone
    screenshot("statistics-390")


def test_report_generated_from_the_form_and_downloaded(demo, live_server, page, screenshot):
    login(page, live_server.url, "leader")
    page.goto(f"{live_server.url}/half-year-reports/add/")
    page.select_option("#id_year", str(YEAR)) if page.locator("select#id_year").count() else page.fill(
        "#id_year", str(YEAR))
    page.select_option("#id_half", "H2")
    page.fill("#id_number", "乐应急〔2026〕1号")
    page.click("button[type=submit].primary")
    page.wait_for_load_state("networkidle")
    body = page.locator("[data-testid=report-body]")
    assert "四、自然灾害灾情统计" in body.inner_text()
    assert "乐应急〔2026〕1号" in body.inner_text()
    screenshot("report-page")
    with page.expect_download() as caught:
        page.locator("[data-testid=report-docx]").click()
    assert caught.value.suggested_filename == f"乐至县{YEAR}年下半年规划实施情况报告.docx"
