"""The command board in Chromium: actions from the board, and changes made elsewhere appear without a reload."""

import pytest

from yingji.core.models import User
from yingji.incidents.services import incidents

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def test_board_actions_and_live_updates(demo, live_server, page, screenshot):
    duty = User.objects.get(username="duty")
    incident = incidents.create_incident(duty, {"title": "石佛镇民房火灾", "source": "duty_phone",
                                                "event_code": "12G03", "longitude": 104.936, "latitude": 30.379})
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/incidents/{incident.pk}/board/")
    page.evaluate("window.__marker = 'no reload'")  # survives only if the page is never reloaded
    # The map shows the incident and the ranked candidates, numbered as in the list.
    board_map = page.locator("[data-testid=board-map]")
    assert int(board_map.get_attribute("data-units")) > 0
    assert page.locator(".board-unit span", has_text="1").count() >= 1

    # Dispatch the top candidate from the board, then key in 出动 and 到场.
    page.locator("[data-testid=board-candidates] button", has_text="调派").first.click()
    units = page.locator("[data-testid=board-units]")
    units.get_by_text("已派").wait_for()
    # Its route to the incident is drawn on the map once the board has refreshed.
    page.wait_for_selector("[data-testid=board-map][data-routes-drawn='1']", timeout=8000)
    assert page.locator(".board-unit.busy").count() == 1
    screenshot("route")
    units.get_by_role("button", name="到场").click()
    page.locator("[data-testid=board-units] >> text=实际").wait_for()

    # A note from the board itself, and one written elsewhere (another seat) shows up by polling.
    page.fill("[data-testid=board-note] input[name=text]", "现场明火已压制")
    page.locator("[data-testid=board-note] button").click()
    page.locator("[data-testid=board-timeline]").get_by_text("现场明火已压制").wait_for()
    incidents.add_note(User.objects.get(username="commander"), incident, "指挥长：增派供水车辆")
    page.locator("[data-testid=board-timeline]").get_by_text("指挥长：增派供水车辆").wait_for(timeout=8000)

    # An error comes back as a Chinese sentence on the board.
    page.fill("[data-testid=board-note] input[name=text]", " ")
    page.locator("[data-testid=board-note] button").click()
    error = page.locator("[data-testid=board-message]:not(.ok)")
    error.wait_for()
    assert "不能为空" in error.inner_text() or "请填写" in error.inner_text(), error.inner_text()
    assert page.evaluate("window.__marker") == "no reload"
    screenshot("board")
