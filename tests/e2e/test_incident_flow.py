"""The bureau's core day in a real browser: a phone report becomes an incident, graded, its 首报 issued
as .docx, the matching plan activated, a station dispatched, arrival recorded, the incident closed."""

import re
import zipfile

import pytest
from playwright.sync_api import expect

from yingji.incidents.models import Incident

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def take_phone_report(page, base_url):
    """The duty officer keys in the call and places it on the map: a click fills longitude/latitude and
    names the township the point falls in."""
    page.goto(f"{base_url}/incidents/add/")
    page.fill("#id_title", "回澜镇某化工厂液氨泄漏")
    page.select_option("#id_source", "duty_phone")
    page.fill("#id_reporter_name", "张先生")
    page.fill("#id_reporter_phone", "13908321999")
    page.select_option("#id_event_code", "12D02")
    picker = page.locator("[data-testid=location-picker][data-ready='1']")
    picker.scroll_into_view_if_needed()
    x, y = page.evaluate("""() => {  // zoomed in, as the officer would before placing the point
        YingjiLocationPicker.map.setView(YingjiLocationPicker.toMap(105.121, 30.228), 15, {animate: false});
        const p = YingjiLocationPicker.map.latLngToContainerPoint(YingjiLocationPicker.toMap(105.121, 30.228));
        const r = document.getElementById('location-picker').getBoundingClientRect();
        return [r.left + p.x, r.top + p.y];
    }""")
    page.mouse.click(x, y)
    page.locator("[data-testid=picker-place]", has_text="回澜镇").wait_for()
    lon, lat = float(page.input_value("#id_longitude")), float(page.input_value("#id_latitude"))
    assert abs(lon - 105.121) < 0.002 and abs(lat - 30.228) < 0.002  # within a pixel at this zoom
    page.fill("#id_description", "厂区储罐法兰泄漏，有刺激性气味，2人不适。")
    page.fill("#id_injuries", "2")
    page.screenshot(path=str(ARTIFACTS / "test_phone_report_to_closed_incident-0-on-the-map.png"), full_page=True)
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")


def test_phone_report_to_closed_incident(demo, live_server, browser, page, screenshot, tmp_path):
    base = live_server.url
    login(page, base, "duty")
    take_phone_report(page, base)
    assert "/incidents/" in page.url and page.locator("[data-testid=incident-grade]").inner_text() == "一般事故"
    assert "回澜镇" in page.locator("text=发生地").locator("xpath=following-sibling::dd[1]").inner_text()
    incident = Incident.objects.get(title="回澜镇某化工厂液氨泄漏")
    incident_url = f"{base}{incident.get_absolute_url()}"
    reports = page.locator("[data-testid=reports]")
    assert "首报" in reports.inner_text() and "剩余" in reports.inner_text()  # the 1-hour countdown
    screenshot("1-intake")

    # 首报: fill in (pre-filled from the incident) and submit; the commander reviews it, the leader signs it
    # through the confirmation page; the stored .docx downloads.
    reports.get_by_role("link", name="填写并报送").first.click()
    page.wait_for_load_state("networkidle")
    page.click("[data-testid=submit]")
    page.wait_for_load_state("networkidle")
    report_url = page.url
    for username, steps in (("commander", ["[data-testid=review-pass]"]),
                            ("leader", ["[data-testid=sign-link]", "[data-testid=sign-confirm-button]"])):
        other = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
        login(other, base, username)
        other.goto(report_url)
        for step in steps:
            other.click(step)
            other.wait_for_load_state("networkidle")
        other.context.close()
    page.goto(incident_url)
    assert "已签发报送" in page.locator("[data-testid=reports]").inner_text()
    with page.expect_download() as download:
        page.locator("[data-testid=reports]").get_by_role("link", name="下载 .docx").first.click()
    path = tmp_path / "report.docx"
    download.value.save_as(path)
    with zipfile.ZipFile(path) as docx:
        body = "".join(re.findall(r"<w:t(?: [^>]*)?>([^<]*)</w:t>", docx.read("word/document.xml").decode()))
    assert "回澜镇某化工厂液氨泄漏" in body and "已采取的措施" in body  # the text of the runs, the title spans two
    screenshot("2-first-report")

    # The commander activates the suggested plan at the suggested level.
    commander = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
    login(commander, base, "commander")
    commander.goto(incident_url)
    suggestion = commander.locator("[data-testid=plans-suggestions] tbody tr").first
    assert "危险化学品" in suggestion.inner_text()
    suggestion.get_by_role("button", name="启动").click()
    commander.wait_for_load_state("networkidle")
    assert commander.locator("[data-testid=plans-activation]").count() == 1
    assert commander.locator("[data-testid=plans-task]").count() > 0
    commander.screenshot(path=str(ARTIFACTS / "test_phone_report_to_closed_incident-3-activation.png"), full_page=True)

    # From the command board, without a reload: dispatch the top-ranked unit, see its route, mark arrival,
    # complete a task, bring the unit back.
    board_url = f"{base}/incidents/{incident.pk}/board/"
    page.goto(board_url)
    page.evaluate("window.__marker = 'no reload'")
    top = page.locator("[data-testid=board-candidates] tr").first
    top_name = top.locator("td").first.inner_text().replace("匹配", "").strip()
    top.get_by_role("button", name="调派").click()
    units = page.locator("[data-testid=board-units]")
    units.get_by_text("已派").wait_for()
    assert top_name in units.inner_text()
    page.wait_for_selector("[data-testid=board-map][data-routes-drawn='1']", timeout=8000)
    screenshot("4-board-dispatched")
    units.get_by_role("button", name="到场").click()
    units.locator("text=实际").wait_for()
    tasks = page.locator("[data-testid=board-tasks]")
    open_tasks = tasks.get_by_role("button", name="完成")
    count = open_tasks.count()
    open_tasks.first.click()
    expect(open_tasks).to_have_count(count - 1)
    units.get_by_role("button", name="归队").click()
    expect(units.locator("button[data-body*=back]")).to_have_count(0)
    screenshot("5-board-arrived")

    # Close elsewhere (the commander ends the response, the duty officer ends the incident in another tab):
    # the board, left open, shows 结束 by itself.
    commander.goto(incident_url)
    commander.fill("input[aria-label=终止理由]", "泄漏已封堵，现场检测达标")
    commander.get_by_role("button", name="终止响应").click()
    commander.wait_for_load_state("networkidle")
    other_tab = page.context.new_page()
    other_tab.goto(incident_url)
    other_tab.select_option("[data-testid=status-form] select[name=status]", "ended")
    other_tab.fill("[data-testid=status-form] input[name=reason]", "处置完毕")
    other_tab.locator("[data-testid=status-form] button").click()
    other_tab.wait_for_load_state("networkidle")
    assert other_tab.locator("[data-testid=incident-status]").inner_text() == "结束"
    page.locator("[data-testid=board-status] .tag", has_text="结束").wait_for(timeout=8000)
    assert page.evaluate("window.__marker") == "no reload"
    timeline = page.locator("[data-testid=board-timeline]").inner_text()
    for words in ("接报", "报送首报", "启动", "调派", "响应用时", "结束"):
        assert words in timeline, words
    screenshot("6-closed-on-board")
