"""The event-type picker in Chromium (issue 12: "the event-type select has ~370 options and no search"): search by
code prefix, name and pinyin initials, grouped list, keyboard, at 1366 px and on a 390 px phone, then a submit."""

import pytest

from yingji.core.models import Region
from yingji.incidents.models import Incident

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def _options(page):
    return page.locator(".event-picker-list [role=option]")


def test_search_by_code_name_and_initials_with_the_keyboard(demo, live_server, page, screenshot):
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/incidents/add/")
    box = page.get_by_role("combobox", name="事件类型（GB/T 35561）")  # the form's label names the search box
    select = page.locator("select[name=event_code]")
    box.click()
    assert page.locator(".event-picker-list").is_visible()
    assert _options(page).count() == 371  # every 类 and 细类, under their 大类 headings
    box.fill("11B")
    codes = _options(page).evaluate_all("els => els.map(e => e.dataset.code)")
    assert codes[0] == "11B00" and all(c.startswith("11B") for c in codes) and "11B19" in codes
    assert page.locator(".event-picker-group").all_inner_texts() == ["自然灾害"]
    box.fill("暴雨")
    assert "11B03" in _options(page).evaluate_all("els => els.map(e => e.dataset.code)")
    box.fill("by")  # 暴雨事件 by its initials
    names = _options(page).all_inner_texts()
    assert any("暴雨事件" in n for n in names), names
    assert not any("丢失事件" in n for n in names), names  # b…y inside a name: not for two letters
    screenshot("search-by-1366")
    first = _options(page).evaluate_all("els => els.filter(e => !e.classList.contains('is-context'))"
                                        ".map(e => e.dataset.code)")[0]
    box.press("ArrowDown")
    box.press("ArrowUp")
    box.press("Enter")  # picks the highlighted one, does not submit
    assert "/incidents/add/" in page.url
    assert select.input_value() == first
    assert not page.locator(".event-picker-list").is_visible()
    box.fill("zzzz")
    assert page.locator(".event-picker-empty").inner_text() == "没有匹配的事件类型"
    box.press("Escape")  # closes and puts back the chosen type
    assert not page.locator(".event-picker-list").is_visible()
    assert box.input_value().startswith(first)
    # The 493号令 question follows the type chosen in the picker (production.js listens to the select).
    box.fill("12A04")
    box.press("Enter")
    assert select.input_value() == "12A04"
    assert page.locator("select[name=production_activity]").input_value() == "yes"
    box.fill("slhz")
    box.press("ArrowDown")
    screenshot("picker-open-1366")
    page.goto("about:blank")  # no page left polling the server while the test database is flushed


def test_phone_types_slhz_picks_forest_fire_and_submits(demo, live_server, page, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/incidents/add/")
    page.fill("input[name=title]", "回澜镇林区山火")
    page.locator("select[name=source]").select_option("duty_phone")
    box = page.get_by_test_id("event-picker-input")
    box.click()
    box.type("slhz")
    listed = _options(page).all_inner_texts()
    assert any("境内森林火灾事件" in n for n in listed) and any("其他森林火灾事件" in n for n in listed), listed
    assert page.locator(".event-picker-group").all_inner_texts() == ["自然灾害"]
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide at 390 px"
    list_box = page.locator(".event-picker-list").bounding_box()
    assert list_box["x"] >= 0 and list_box["x"] + list_box["width"] <= 390
    screenshot("picker-open-390")
    page.locator(".event-picker-list [role=option]", has_text="境内森林火灾事件").click()
    assert page.locator("select[name=event_code]").input_value() == "11G01"
    assert box.input_value() == "11G01 境内森林火灾事件"
    page.locator("select[name=region]").select_option(str(Region.objects.get(code="512022102").pk))
    page.locator("button[type=submit]", has_text="保存").click()
    page.wait_for_load_state()
    assert "/incidents/add/" not in page.url, page.locator(".field-error, .form-error").all_inner_texts()
    incident = Incident.objects.get(title="回澜镇林区山火")
    assert incident.event_code == "11G01" and incident.region.name == "回澜镇"
    page.goto("about:blank")
