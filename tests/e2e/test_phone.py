"""Every page on a 390 px phone (township staff, a commander at the scene): no horizontal page scroll, a menu
button that opens the navigation, and the same pages at 1366 px unchanged (sidebar shown, no menu button)."""

import pytest

from yingji.core.models import Organisation, Region, User
from yingji.incidents.services import incidents
from yingji.plans.models import Plan
from yingji.resources.models import RescueForce

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}
TABLET = {"width": 768, "height": 1024}


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


@pytest.fixture
def incident(demo):
    duty = User.objects.get(username="duty")
    return incidents.create_incident(duty, {"title": "回澜镇工业集中区化工厂火灾", "source": "duty_phone",
                                            "event_code": "12G02", "longitude": 105.118, "latitude": 30.226,
                                            "address": "回澜镇工业集中区纬二路 8 号"})


def open_page(browser, viewport):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=viewport["width"] < 768, has_touch=viewport["width"] < 768)
    return context, context.new_page()


def check(page, url, name, width, request):
    """Open url, assert the page is no wider than the screen, save a full-page screenshot."""
    page.goto(url)
    page.wait_for_load_state("networkidle")
    scroll = page.evaluate("document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"), full_page=True)
    assert scroll <= width, f"{url}: page is {scroll} px wide on a {width} px screen"
    return page


def logged_in_pages(base, incident):
    county = Region.objects.get(code="512022")
    organisation = Organisation.objects.filter(region=county).first()
    plan = Plan.objects.filter(region__code__startswith="512022").first() or Plan.objects.first()
    force = RescueForce.objects.filter(region__code__startswith="512022").first()
    return [
        ("home", f"{base}/"),
        ("incident-list", f"{base}/incidents/?sort=reported_at"),
        ("board", f"{base}/incidents/{incident.pk}/board/"),
        ("intake", f"{base}/incidents/add/"),
        ("incident", f"{base}/incidents/{incident.pk}/"),
        ("forces", f"{base}/forces/"),
        ("force", f"{base}/forces/{force.pk}/"),
        ("force-form", f"{base}/forces/{force.pk}/edit/"),
        ("map", f"{base}/map/"),
        ("plans", f"{base}/plans/"),
        ("plan", f"{base}/plans/{plan.pk}/"),
        ("tasks", f"{base}/plans/tasks/"),
        ("reports", f"{base}/incidents/reports/"),
        ("duty", f"{base}/duty/"),
        ("regions", f"{base}/regions/"),
        ("organisations", f"{base}/organisations/"),
        ("organisation", f"{base}/organisations/{organisation.pk}/"),
        ("region", f"{base}/regions/{county.pk}/"),
        ("region-delete", f"{base}/regions/{county.pk}/delete/"),
        ("import", f"{base}/import/forces/"),
        ("password", f"{base}/password/"),
    ]


def test_phone_pages_fit_and_the_menu_opens(incident, live_server, browser, request):
    context, page = open_page(browser, PHONE)
    try:
        login(page, live_server.url, "duty")
        for name, url in logged_in_pages(live_server.url, incident):
            check(page, url, name, PHONE["width"], request)
        # The header is not clipped: the user's name (the password link) is on screen.
        check(page, f"{live_server.url}/", "home", PHONE["width"], request)
        user = page.locator("[data-testid=current-user]").bounding_box()
        assert user and user["x"] >= 0 and user["x"] + user["width"] <= PHONE["width"]

        # The navigation is behind a real button that says whether it is open.
        menu = page.get_by_role("button", name="菜单")
        nav = page.locator("#sidebar")
        assert menu.is_visible() and not nav.is_visible()
        assert menu.get_attribute("aria-controls") == "sidebar" and menu.get_attribute("aria-expanded") == "false"
        menu.click()
        assert nav.is_visible() and menu.get_attribute("aria-expanded") == "true"
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-menu-open.png"))
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        menu.click()  # closes again
        assert not nav.is_visible() and menu.get_attribute("aria-expanded") == "false"
        menu.click()
        nav.get_by_role("link", name="突发事件", exact=True).click()
        page.wait_for_url(f"{live_server.url}/incidents/")
        assert not page.locator("#sidebar").is_visible()  # a new page starts with the menu closed

        # On the board, the menu works too (its own stylesheet must not hide or cover the button).
        page.goto(f"{live_server.url}/incidents/{incident.pk}/board/")
        page.get_by_role("button", name="菜单").click()
        assert page.locator("#sidebar").is_visible()
        page.keyboard.press("Escape")  # Escape closes it and gives the focus back to the button
        assert not page.locator("#sidebar").is_visible()
    finally:
        context.close()


def test_phone_pages_without_login(demo, live_server, browser, request):
    context, page = open_page(browser, PHONE)
    try:
        check(page, f"{live_server.url}/login/", "login", PHONE["width"], request)
        check(page, f"{live_server.url}/report/", "public-report", PHONE["width"], request)
        assert page.get_by_role("button", name="菜单").count() == 0  # nothing to open when not logged in
    finally:
        context.close()


def test_desktop_and_tablet_layout(incident, live_server, browser, request):
    context, page = open_page(browser, DESKTOP)
    try:
        login(page, live_server.url, "duty")
        for name, url in logged_in_pages(live_server.url, incident)[:5]:
            check(page, url, name, DESKTOP["width"], request)
            # The sidebar is always there beside the content; the menu button is not.
            assert page.locator("#sidebar").is_visible()
            assert not page.get_by_role("button", name="菜单").is_visible()
            box = page.locator("#sidebar").bounding_box()
            assert box["x"] == 0 and box["width"] >= 180
        check(page, f"{live_server.url}/report/", "public-report", DESKTOP["width"], request)
    finally:
        context.close()
    # A tablet held upright (768 px) has the sidebar too: wide tables scroll inside their card there as well.
    context, page = open_page(browser, TABLET)
    try:
        login(page, live_server.url, "duty")
        for name in ("incident-list", "reports"):
            check(page, dict(logged_in_pages(live_server.url, incident))[name], name, TABLET["width"], request)
            assert page.locator("#sidebar").is_visible()
    finally:
        context.close()
