"""The leaders' dashboard draws its charts in the browser with the locally served ECharts, without errors."""

import pytest

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHARTS = ["chart-monthly", "chart-classes", "chart-forces", "chart-hydrants"]


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    # ERR_ABORTED is the browser cancelling a request in flight (a bell poll) because the page navigated away.
    page.on("requestfailed", lambda request: None if "ERR_ABORTED" in (request.failure or "") else
            errors.append(f"{request.url} {request.failure}"))
    return errors


def test_leader_dashboard_draws_the_charts(demo, live_server, page, screenshot):
    errors = watch_errors(page)
    login(page, live_server.url, "leader")
    assert page.evaluate("typeof echarts") == "object"  # the library served by the app, not a CDN
    for testid in CHARTS:
        chart = page.locator(f"[data-testid={testid}]")
        chart.locator("canvas").first.wait_for()
        assert chart.get_attribute("data-drawn") == "1", testid
        box = chart.bounding_box()
        assert box["width"] > 300 and box["height"] > 200, testid
    # Chinese labels in the legends and axes are drawn on the canvas; the options carry them.
    legend = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-testid=chart-monthly]'))"
        ".getOption().legend[0].data || []")
    series = page.evaluate(
        "echarts.getInstanceByDom(document.querySelector('[data-testid=chart-monthly]'))"
        ".getOption().series.map(s => s.name)")
    assert "事故灾难" in series and ("事故灾难" in legend or not legend)
    # Leaders see what needs attention first: active incidents lead the cards, before the charts.
    first_card = page.locator("[data-testid=readiness] .stat-label").first.inner_text()
    assert first_card == "处置中突发事件"
    assert not errors, errors
    screenshot("dashboard")

    # Clicking the biggest event class opens the incident list of that class since the window began.
    page.locator("[data-testid=chart-classes]").scroll_into_view_if_needed()  # below the leader's many cards
    top = page.evaluate("""(() => {
        const el = document.querySelector('[data-testid=chart-classes]'), chart = echarts.getInstanceByDom(el);
        const data = chart.getOption().series[0].data, i = data.length - 1;
        return {value: data[i].value, point: chart.convertToPixel({seriesIndex: 0}, [data[i].value / 2, i])};
    })()""")
    box = page.locator("[data-testid=chart-classes]").bounding_box()
    with page.expect_navigation():
        page.mouse.click(box["x"] + top["point"][0], box["y"] + top["point"][1])
    assert "/incidents/?event=" in page.url and "since=" in page.url
    assert page.locator("table tbody tr").count() == top["value"]
    assert not errors, errors


def test_township_dashboard_shows_its_own_readiness_table(demo, live_server, page, screenshot):
    errors = watch_errors(page)
    login(page, live_server.url, "township")
    page.locator("[data-testid=chart-monthly] canvas").first.wait_for()
    rows = page.locator("[data-testid=readiness-table] tbody tr td:first-child").all_inner_texts()
    assert rows == ["天池街道（本级）"]
    assert page.locator("[data-testid=chart-forces]").count() == 0  # one row: the table says it better
    assert not errors, errors
    screenshot("township-dashboard")
