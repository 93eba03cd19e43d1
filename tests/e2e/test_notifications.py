"""The duty officer at 3 a.m. (issue 12: "nothing tells the duty officer that a public report arrived"): a citizen
submits the public form, and within the poll interval the bell's count rises, a toast names the report, the tab
title shows the count, the beep sounds when turned on, and the inbox list and home cards follow without a
reload. The dropdown works from the keyboard and on a 390 px phone."""

import time

import pytest

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

TIANCHI = ("105.0312", "30.2831")
WAIT_MS = 8000  # the poll interval is 1 s here


@pytest.fixture
def demo(committed_demo, settings):
    """The live server reads what the test commits; the bell asks every second."""
    settings.YINGJI_NOTIFY_SECONDS = 1
    yield
    # The pages are closed by now (set up after this fixture); let a poll the server is still answering finish
    # before the database is emptied (the browser tests' in-memory SQLite is one connection shared by threads).
    time.sleep(1)


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def badge(page) -> int:
    count = page.locator("[data-testid=notify-count]")
    return int(count.inner_text()) if count.is_visible() else 0


def wait_polled(page):
    page.locator("[data-testid=notify-list] .notify-source").first.wait_for(state="attached", timeout=WAIT_MS)


def citizen_reports(browser, base_url, description):
    """A citizen, not logged in, on their own browser: the public form, located in 天池街道."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base_url}/report/")
    page.fill("#id_description", description)
    page.fill("#id_longitude", TIANCHI[0])
    page.fill("#id_latitude", TIANCHI[1])
    page.fill("#id_phone", "13912345678")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/report/thanks/" in page.url, page.content()[:2000]
    context.close()


def shoot(page, request, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{name}.png"))


def test_a_public_report_reaches_the_duty_officer_without_a_reload(demo, live_server, browser, page, request):
    errors = watch_errors(page)
    login(page, live_server.url, "duty")
    wait_polled(page)
    before = badge(page)
    cards = page.locator("[data-testid=readiness] a.stat", has_text="公众上报待核实").locator(".stat-n")
    cards_before = int(cards.inner_text())
    page.click("[data-testid=notify-bell]")
    page.check("[data-testid=notify-sound]")  # turned on by a click: browsers allow audio after a gesture
    page.keyboard.press("Escape")
    page.evaluate("window.__notReloaded = true")
    beeps = int(page.locator("[data-testid=notify]").get_attribute("data-beeped") or 0)

    citizen_reports(browser, live_server.url, "天池街道文化广场旁的配电房冒烟起火，附近有居民楼。")

    toast = page.locator("[data-testid=notify-toasts] .notify-toast")
    toast.first.wait_for(timeout=WAIT_MS)
    assert toast.first.inner_text().startswith("新的群众报告：天池街道文化广场旁的配电房冒烟起火")
    page.wait_for_function("n => Number(document.querySelector('[data-testid=notify-count]').textContent) > n",
                           arg=before, timeout=WAIT_MS)
    assert badge(page) == before + 1
    assert page.title().startswith(f"({before + 1}) ")
    page.wait_for_timeout(400)  # the toast's slide-in
    shoot(page, request, "toast")
    assert int(page.locator("[data-testid=notify]").get_attribute("data-beeped")) > beeps  # the sound was played
    # The home page's card counts it too, swapped in from a background fetch: no reload.
    page.wait_for_function("""n => [...document.querySelectorAll('[data-testid=readiness] a.stat')]
        .some(a => a.textContent.includes('公众上报待核实') && Number(a.querySelector('.stat-n').textContent) === n)""",
                           arg=cards_before + 1, timeout=WAIT_MS)
    assert page.evaluate("window.__notReloaded") is True
    # The toast links to the report in the inbox.
    href = toast.first.locator("a").get_attribute("href")
    assert href.startswith("/incidents/inbox/")

    # In the inbox, the next report appears in the list (and its tab count) without a reload.
    page.goto(f"{live_server.url}/incidents/inbox/")
    wait_polled(page)
    rows = page.locator("[data-testid=inbox] tbody tr").count()
    page.evaluate("window.__notReloaded = true")
    citizen_reports(browser, live_server.url, "回澜路与天池街交叉口窨井盖缺失，已有电动车摔倒。")
    page.locator("[data-testid=inbox] tbody tr", has_text="窨井盖缺失").wait_for(timeout=WAIT_MS)
    assert page.locator("[data-testid=inbox] tbody tr").count() == rows + 1
    assert page.evaluate("window.__notReloaded") is True
    assert page.locator("[data-testid=notify-toasts] .notify-toast", has_text="窨井盖缺失").count() == 1
    assert not errors, errors


def test_the_dropdown_by_keyboard_and_on_a_phone(demo, live_server, browser, page, request):
    from yingji.incidents.services.public import submit_public_report

    report = submit_public_report({"phone": "13912345678", "description": "天池街道某小区地下车库进水，水深约半米。",
                                   "longitude": TIANCHI[0], "latitude": TIANCHI[1]}, None, "198.51.100.23")
    errors = watch_errors(page)
    login(page, live_server.url, "duty")
    wait_polled(page)
    bell = page.locator("[data-testid=notify-bell]")
    bell.focus()
    page.keyboard.press("Enter")
    panel = page.locator("[data-testid=notify-panel]")
    assert panel.is_visible() and bell.get_attribute("aria-expanded") == "true"
    assert "待核实的群众报告" in panel.inner_text() and "即将到期" in panel.inner_text()
    item = panel.locator(f"a[href='/incidents/inbox/{report.pk}/']")
    assert "天池街道某小区地下车库进水" in item.inner_text()
    # Focus moved into the panel; Tab walks its links; Escape closes it and gives focus back to the bell.
    assert page.evaluate("document.getElementById('notify-panel').contains(document.activeElement)")
    shoot(page, request, "desktop-open")
    page.keyboard.press("Tab")  # to the next item or link, still inside
    assert panel.is_visible()
    page.keyboard.press("Escape")
    assert not panel.is_visible() and page.evaluate("document.activeElement.dataset.testid") == "notify-bell"
    # Opened again, Shift+Tab out of it closes it.
    page.keyboard.press("Enter")
    assert panel.is_visible()
    page.keyboard.press("Shift+Tab")  # from the first item to the sound toggle,
    page.keyboard.press("Shift+Tab")  # to the bell (still open),
    assert panel.is_visible()
    page.keyboard.press("Shift+Tab")  # and out, to the brand link
    assert not panel.is_visible()
    assert not errors, errors

    page.goto("about:blank")  # the desktop page stops polling
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True,
                                  has_touch=True)
    phone = context.new_page()
    phone_errors = watch_errors(phone)
    login(phone, live_server.url, "township")
    wait_polled(phone)
    bell = phone.locator("[data-testid=notify-bell]")
    box = bell.bounding_box()
    assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390  # in the top bar, next to the menu button
    assert phone.locator("[data-testid=menu-toggle]").is_visible()
    bell.tap()
    panel = phone.locator("[data-testid=notify-panel]")
    assert panel.is_visible()
    box = panel.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.locator(f"[data-testid=notify-panel] a[href='/incidents/inbox/{report.pk}/']").count() == 1
    shoot(phone, request, "phone-open")
    # A tap outside closes it: below the panel, which grows with the sources the township has (planning's
    # loss reports among them).
    phone.touchscreen.tap(20, min(840, box["y"] + box["height"] + 40))
    assert not panel.is_visible()
    # A new report while the township officer is on the phone: the toast fits the screen.
    submit_public_report({"phone": "13912345678", "description": "天池街道河堤有一段出现裂缝，正在渗水。",
                          "longitude": TIANCHI[0], "latitude": TIANCHI[1]}, None, "198.51.100.24")
    toast = phone.locator("[data-testid=notify-toasts] .notify-toast")
    toast.first.wait_for(timeout=WAIT_MS)
    assert toast.first.inner_text().startswith("新的群众报告：天池街道河堤有一段出现裂缝")
    box = toast.first.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    phone.wait_for_timeout(400)  # the toast's slide-in
    shoot(phone, request, "phone-toast")
    phone.goto("about:blank")
    assert not phone_errors, phone_errors
    context.close()


def test_a_hidden_tab_asks_less_often(demo, live_server, page):
    polls = []
    page.on("request", lambda r: polls.append(r) if r.url.endswith("/notifications/") else None)
    login(page, live_server.url, "duty")
    wait_polled(page)
    page.wait_for_timeout(2500)
    visible = len(polls)
    assert visible >= 2  # every second while shown
    assert all(r.headers.get("x-yingji-background") == "1" for r in polls)  # never counted as activity
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "hidden"});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_timeout(500)
    hidden_from = len(polls)
    page.wait_for_timeout(3000)
    assert len(polls) == hidden_from  # a hidden tab waits a minute (HIDDEN_MIN_S), not a second
    page.evaluate("""() => {
        Object.defineProperty(document, "visibilityState", {configurable: true, get: () => "visible"});
        document.dispatchEvent(new Event("visibilitychange"));
    }""")
    page.wait_for_timeout(1500)
    assert len(polls) > hidden_from  # shown again: asks at once
