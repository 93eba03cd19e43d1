"""Issue 14's Done-when, the browser part: readings of DEMO-LEL-01 cross 25 and then 50 %LEL (through the ingest
service, as MQTT would hand them over); the duty officer, on the alarm list at 1366 px, is told by the bell and sees
the alarm appear and escalate without a reload, opens it, acknowledges it, opens an incident from it on the
pre-filled intake form, and the incident page links back to the alarm. The same pages on a 390 px phone."""

import time

import pytest
from django.utils import timezone

from yingji.incidents.models import Incident
from yingji.monitoring.models import Alarm
from yingji.monitoring.services.ingest import ingest

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}
WAIT_MS = 10000  # the bell asks every second here
SENSOR = "DEMO-LEL-01"


@pytest.fixture
def demo(committed_demo, settings):
    """The live server reads what the test commits; the bell asks every second."""
    settings.YINGJI_NOTIFY_SECONDS = 1
    yield
    time.sleep(1)  # let a poll the server is still answering finish before the database is emptied


def person(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=viewport["width"] < 768, has_touch=viewport["width"] < 768)
    return context.new_page()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"test_alarm_duty-{name}.png"), full_page=True)


def no_page_scroll(page):
    assert page.evaluate("document.documentElement.scrollWidth") <= 392


def reading(n: int, value: float):
    """One reading of DEMO-LEL-01 now, as `yingji ingest mqtt` hands a message to the ingest service."""
    result = ingest([{"id": f"e2e-{n}", "ts": timezone.now().isoformat(), "value": value}], channel="mqtt",
                    sensor_code=SENSOR)
    assert result.accepted == 1, result


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def test_duty_officer_sees_the_alarm_acknowledges_it_and_opens_an_incident(demo, live_server, browser):
    base = live_server.url
    duty = person(browser)
    errors = watch_errors(duty)
    login(duty, base, "duty")
    duty.goto(f"{base}/monitoring/alarms/")
    duty.locator("[data-testid=notify-list] .notify-source").first.wait_for(state="attached", timeout=WAIT_MS)
    before = set(Alarm.objects.filter(sensor__code=SENSOR).values_list("pk", flat=True))

    # 31 %LEL: past 一级 (25). The bell toasts it and the list shows it, without a reload.
    reading(1, 31.0)
    alarm = Alarm.objects.get(sensor__code=SENSOR, active=True)
    assert alarm.pk not in before and alarm.level == 1
    toast = duty.locator("[data-testid=notify-toasts] .notify-toast", has_text=SENSOR).first
    toast.wait_for(timeout=WAIT_MS)
    assert "一级报警" in toast.inner_text()
    row = duty.locator(f"[data-testid=alarm-list] tr[data-alarm='{alarm.pk}']")
    row.wait_for(timeout=WAIT_MS)
    assert "未确认" in row.inner_text() and "一级" in row.inner_text()
    # 55 %LEL: past 二级 (50): the same alarm escalates in place, and the bell says so again.
    reading(2, 55.0)
    assert Alarm.objects.filter(sensor__code=SENSOR, active=True).count() == 1
    duty.locator("[data-testid=notify-toasts] .notify-toast", has_text="二级报警").first.wait_for(timeout=WAIT_MS)
    duty.locator(f"[data-testid=alarm-list] tr[data-alarm='{alarm.pk}']", has_text="二级").wait_for(timeout=WAIT_MS)
    assert duty.locator("[data-testid=alarm-list] tr[data-alarm]").first.get_attribute("data-alarm") == str(alarm.pk)
    shot(duty, "1-list-1366")

    # Open it and acknowledge it.
    duty.locator(f"[data-testid=alarm-list] tr[data-alarm='{alarm.pk}'] a").first.click()
    duty.wait_for_load_state("networkidle")
    assert duty.locator("[data-testid=alarm-level]").inner_text() == "二级"
    assert "55" in duty.locator("[data-testid=alarm-values]").inner_text()
    shot(duty, "2-alarm-1366")
    duty.click("[data-testid=ack]")
    duty.wait_for_load_state("networkidle")
    assert duty.locator("[data-testid=alarm-state]").inner_text() == "已确认"
    assert "确认" in duty.locator("[data-testid=alarm-history]").inner_text()
    assert Alarm.objects.get(pk=alarm.pk).acknowledged_by.username == "duty"

    # Open an incident from it: the intake form pre-filled, one click.
    duty.click("[data-testid=open-incident]")
    duty.wait_for_load_state("networkidle")
    assert duty.locator("#id_event_code").input_value() == "12D02"
    assert "宏达溶剂" in duty.locator("#id_title").input_value()
    shot(duty, "3-incident-form-1366")
    duty.click("[data-testid=open-incident-confirm]")
    duty.wait_for_load_state("networkidle")
    incident = Incident.objects.get(alarms=alarm)
    assert duty.url.endswith(incident.get_absolute_url()), duty.url
    assert incident.source == "monitoring" and incident.occurred_at == alarm.raised_at
    link = duty.locator("[data-testid=incident-alarm-link]")
    assert SENSOR in link.inner_text()
    shot(duty, "4-incident-1366")
    link.click()
    duty.wait_for_load_state("networkidle")
    assert incident.number in duty.locator("[data-testid=alarm-incident]").inner_text()
    assert duty.locator("[data-testid=open-incident]").count() == 0
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors

    # The same on a phone: the list, the alarm page, the pre-filled form of another alarm.
    phone = person(browser, PHONE)
    login(phone, base, "duty")
    phone.goto(f"{base}/monitoring/alarms/")
    assert phone.locator(f"[data-testid=alarm-list] tr[data-alarm='{alarm.pk}']").is_visible()
    no_page_scroll(phone)
    shot(phone, "5-list-390")
    phone.goto(f"{base}{alarm.get_absolute_url()}")
    no_page_scroll(phone)
    assert incident.number in phone.locator("[data-testid=alarm-incident]").inner_text()
    shot(phone, "6-alarm-390")
    other = Alarm.objects.filter(active=True, incident__isnull=True).exclude(pk=alarm.pk).first()
    if other is not None:  # the demo keeps a fire panel's 火警 on
        phone.goto(f"{base}{other.get_absolute_url()}")
        no_page_scroll(phone)
        assert phone.locator("[data-testid=ack]").is_visible()
        shot(phone, "7-other-alarm-390")
        phone.goto(f"{base}/monitoring/alarms/{other.pk}/incident/")
        no_page_scroll(phone)
        assert phone.locator("[data-testid=open-incident-confirm]").is_visible()
        shot(phone, "8-incident-form-390")
    phone.context.close()
    duty.context.close()
