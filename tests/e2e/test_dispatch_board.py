"""Dispatch by vehicle from the command board in Chromium: each candidate says why it matches and why it
stands where it does, its vehicles are ticked (the ticks survive the live refresh), and the confirmation
says what went where."""

import pytest
from playwright.sync_api import expect

from yingji.core.models import User
from yingji.incidents.models import Assignment
from yingji.incidents.services import incidents

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATION, TANKER, LADDER = "乐至县天池消防救援站", "川M·23201应急", "川M·23202应急"


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def test_dispatch_chosen_vehicles_from_the_board(demo, live_server, page, screenshot):
    duty = User.objects.get(username="duty")
    incident = incidents.create_incident(duty, {"title": "天池街道某厂房火灾", "source": "duty_phone",
                                                "event_code": "12G01", "longitude": 105.020, "latitude": 30.270})
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/incidents/{incident.pk}/board/")
    candidates = page.locator("[data-testid=board-candidates]")
    station = candidates.locator(f"tr.candidate[data-name='{STATION}']")
    detail = station.locator("xpath=following-sibling::tr[1]")
    assert "匹配：具备火灾事故处置能力" in detail.inner_text() and "消防救援站，优先于志愿队伍" in detail.inner_text()
    tanker, ladder = detail.get_by_label(TANKER), detail.get_by_label(LADDER)
    assert tanker.is_checked() and not ladder.is_checked()  # the first 在位 vehicle is suggested
    ladder.check()
    page.locator("h1").click()  # focus away: the next refresh must keep the ticks
    refreshed = page.locator("[data-testid=board-live]").get_attribute("data-refreshed")
    page.wait_for_function(
        f"document.querySelector('[data-testid=board-live]').getAttribute('data-refreshed') !== {refreshed!r}",
        timeout=8000) if refreshed else page.wait_for_selector("[data-testid=board-live][data-refreshed]",
                                                              timeout=8000)
    assert detail.get_by_label(LADDER).is_checked()
    screenshot("choose")
    station.get_by_role("button", name="调派").click()
    message = page.locator("[data-testid=board-message].ok")
    message.wait_for()
    assert message.inner_text() == (f"已调派 {STATION} {TANKER} 水罐消防车、{LADDER} 登高平台消防车，"
                                     f"前往 天池街道某厂房火灾")
    rows = page.locator("[data-testid=board-units] tr[data-active='1']")
    expect(rows).to_have_count(2)  # one row per vehicle, once the board has refreshed
    assert {r.locator("td").first.inner_text() for r in rows.all()} == {f"{STATION} {TANKER}", f"{STATION} {LADDER}"}
    assert Assignment.objects.filter(incident=incident, active=True).count() == 2
    screenshot("sent")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("phone")
