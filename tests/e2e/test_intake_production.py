"""Intake in Chromium: 493号令第二条's question (是否在生产经营活动中发生) is pre-filled from the event class
as soon as one is chosen, and an answer the duty officer gives is kept (issue 12)."""

import pytest

from yingji.core.models import Region
from yingji.incidents.models import Incident

from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def _choose(page, code):
    page.locator("select[name=event_code]").select_option(code)
    page.locator("select[name=event_code]").dispatch_event("change")


def test_production_question_is_prefilled_by_event_class(demo, live_server, page, screenshot):
    login(page, live_server.url, "duty")
    page.goto(f"{live_server.url}/incidents/add/")
    answer = page.locator("select[name=production_activity]")
    assert answer.input_value() == ""
    _choose(page, "12A04")  # 煤矿水害
    assert answer.input_value() == "yes"
    _choose(page, "12G03")  # 一般民用建筑火灾: a home
    assert answer.input_value() == "no"
    _choose(page, "12Q01")  # 环境污染: excluded by 第二条
    assert answer.input_value() == "no"
    assert "已按事件类型预填" in page.locator("[data-production-hint]").inner_text()
    screenshot("prefilled")
    answer.select_option("yes")  # the officer knows better: a shop
    _choose(page, "12G04")
    assert answer.input_value() == "yes"
    page.fill("input[name=title]", "临街商铺火灾")
    page.locator("select[name=source]").select_option("duty_phone")
    page.fill("input[name=deaths]", "3")
    page.locator("select[name=region]").select_option(str(Region.objects.get(code="512022001").pk))
    page.locator("button[type=submit]", has_text="保存").click()
    page.wait_for_load_state()
    assert "/incidents/add/" not in page.url, page.locator(".field-error, .form-error").all_inner_texts()
    incident = Incident.objects.get(title="临街商铺火灾")
    assert incident.production_activity == "yes" and incident.accident_grade == "较大事故"
    # The incident page says how it was graded and lists the 第十条 bodies to notify.
    assert page.locator("[data-testid=grading-basis]").inner_text() == "按493号令定级"
    panel = page.locator("[data-testid=article10]")
    assert panel.locator("tbody tr").count() == 5
    form = page.locator("[data-testid=article10-form]")
    form.locator("select[name=party]").select_option("police")
    form.locator("input[name=note]").fill("指挥中心值班员接听")
    form.get_by_role("button", name="登记").click()
    page.wait_for_load_state()
    assert "已通知" in page.locator("[data-testid=article10] tbody tr", has_text="公安局").inner_text()
    panel.scroll_into_view_if_needed()
    screenshot("article10")
    page.set_viewport_size({"width": 390, "height": 844})
    screenshot("article10-390")
    panel.screenshot(path="test-artifacts/article10-panel-390.png")
