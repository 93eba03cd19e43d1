"""A person logs in through the real browser and lands on a dashboard that knows who and where they are."""

import pytest

from yingji.core.demo import DEMO_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def login(page, base_url, username):
    page.goto(f"{base_url}/")  # not logged in: redirected to the login page
    assert "/login/" in page.url
    page.fill("#id_username", username)
    page.fill("#id_password", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state("networkidle")


def test_duty_officer_sees_dashboard_with_name_and_region(demo, live_server, page, screenshot):
    login(page, live_server.url, "duty")
    assert page.locator("[data-testid=current-user]").inner_text() == "值班员·李娜"
    assert page.locator("[data-testid=home-region]").inner_text() == "四川省 › 资阳市 › 乐至县"
    # The county user's dashboard lists its 21 township-level units.
    assert page.get_by_role("link", name="回澜镇", exact=True).count() == 1
    assert page.get_by_role("link", name="双河场乡", exact=True).count() == 1
    screenshot("dashboard")


def test_township_user_sees_only_own_township(demo, live_server, page, screenshot):
    login(page, live_server.url, "township")
    assert page.locator("[data-testid=home-region]").inner_text().endswith("天池街道")
    page.goto(f"{live_server.url}/regions/")
    names = page.locator("table tbody tr td:first-child").all_inner_texts()
    assert names == ["天池街道"]
    screenshot("regions")


def test_wrong_password_shows_chinese_error(demo, live_server, page, screenshot):
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "duty")
    page.fill("#id_password", "wrong-Password-1")
    page.click("button[type=submit]")
    assert "用户名或密码错误" in page.locator(".form-error").inner_text()
    screenshot("login-error")
