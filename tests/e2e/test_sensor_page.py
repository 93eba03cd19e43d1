"""The sensor page in a browser: DEMO-LEL-01's history drawn with ECharts (served by the app) with the GB/T 50493
setpoints as mark lines, a longer range read from the rollups, zooming in reading finer data again, no console
errors under the strict CSP; the list and the page usable at 390 px."""

import pytest

from yingji.monitoring.models import Sensor

from .test_dashboard import watch_errors
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

CHART = "[data-testid=sensor-chart]"


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def chart_option(page, expression: str):
    return page.evaluate(f"echarts.getInstanceByDom(document.querySelector('{CHART}')).getOption(){expression}")


def wait_loaded(page):
    from playwright.sync_api import expect

    expect(page.locator(CHART)).to_have_attribute("data-loaded", "1", timeout=15000)


def test_sensor_page_draws_history_with_setpoints_and_zoom_refetches(demo, live_server, page, screenshot):
    sensor = Sensor.objects.get(code="DEMO-LEL-01")
    errors = watch_errors(page)
    login(page, live_server.url, "inspector")
    page.goto(f"{live_server.url}/monitoring/sensors/")
    page.get_by_role("link", name="DEMO-LEL-01").click()
    assert page.url.endswith(f"/monitoring/sensors/{sensor.pk}/")
    wait_loaded(page)
    assert page.evaluate("typeof echarts") == "object"
    lines = chart_option(page, ".series[0].markLine.data.map(d => d.yAxis)")
    assert 25 in lines and 50 in lines  # GB/T 50493 一级 25 %LEL, 二级 50 %LEL
    day = page.locator("[data-testid=chart-resolution]")
    assert "24 小时" not in day.inner_text() and " 个点" in day.inner_text()

    with page.expect_response(lambda r: "/series/" in r.url) as week_answer:
        page.get_by_role("button", name="7 天").click()
    assert week_answer.value.ok
    wait_loaded(page)
    week = day.get_attribute("data-resolution")
    week_points = int(page.locator(CHART).get_attribute("data-points"))
    assert week in ("1m", "1h", "raw") and week_points > 0

    # Zoom to the last 2 % of the week (about three hours): the page asks again and gets finer data.
    with page.expect_response(lambda r: "/series/" in r.url) as zoom_answer:
        page.evaluate(f"echarts.getInstanceByDom(document.querySelector('{CHART}'))"
                      ".dispatchAction({type: 'dataZoom', start: 98, end: 100})")
    assert zoom_answer.value.ok
    wait_loaded(page)
    zoomed = zoom_answer.value.json()
    assert zoomed["end"] > zoomed["start"]
    order = ["raw", "1m", "1h"]
    assert order.index(zoomed["resolution"]) <= order.index(week)
    assert not errors, errors
    screenshot("sensor-1366")


def test_sensor_pages_at_390_px(demo, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    errors = watch_errors(page)
    try:
        login(page, live_server.url, "inspector")
        sensor = Sensor.objects.get(code="DEMO-LEL-01")
        for url in ("/monitoring/sensors/", f"/monitoring/sensors/{sensor.pk}/",
                    f"/monitoring/regions/{sensor.region.parent_id}/"):
            page.goto(live_server.url + url)
            page.wait_for_load_state("networkidle")
            if "/sensors/" in url and url.rstrip("/")[-1].isdigit():
                wait_loaded(page)
                assert page.locator(CHART).bounding_box()["width"] <= 390
            width = page.evaluate("document.documentElement.scrollWidth")
            assert width <= 392, f"{url} is {width} px wide at 390 px"
        assert not errors, errors
    finally:
        page.wait_for_load_state("networkidle")
        context.close()
