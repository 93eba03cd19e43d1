"""The 首报 across levels in a real browser (issue 12): a township user drafts and submits the report of an
incident in their township (on a phone), the county duty officer reviews it, the leader signs it through the
confirmation page, and the city duty officer finds it in the 报告签收 inbox and 签收s it."""

import pytest
from django.utils import timezone

from yingji.core.models import User
from yingji.incidents.models import InformationReport, ReportDelivery
from yingji.incidents.services import incidents

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def person(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=viewport["width"] < 768, has_touch=viewport["width"] < 768)
    return context.new_page()


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"test_report_workflow-{name}.png"), full_page=True)


def no_page_scroll(page):
    """At 390 px the page itself does not scroll sideways (tables scroll or stack inside it)."""
    assert page.evaluate("document.documentElement.scrollWidth") <= 392


def test_township_drafts_county_reviews_leader_signs_city_receives(demo, live_server, browser):
    base = live_server.url
    township = User.objects.get(username="township")
    incident = incidents.create_incident(township, {
        "title": "天池街道某厂储罐泄漏", "source": "duty_phone", "reporter_name": "张三", "reporter_phone": "13800000000",
        "event_code": "12D02", "longitude": 105.031, "latitude": 30.283, "description": "储罐阀门泄漏，现场有刺激性气味。"})
    report = incident.reports.get(kind=InformationReport.INITIAL)
    detail = f"{base}/incidents/reports/{report.pk}/"

    # 天池街道, on a phone: fill in the 首报 and submit it for review.
    drafter = person(browser, PHONE)
    login(drafter, base, "township")
    drafter.goto(f"{base}/incidents/reports/{report.pk}/edit/")
    assert drafter.locator("[data-testid=issue]").count() == 0  # a drafter cannot issue
    drafter.fill("#id_measures", "街道办已组织疏散周边群众，消防救援大队到场处置。")
    shot(drafter, "1-draft-390")
    drafter.click("[data-testid=submit]")
    drafter.wait_for_load_state("networkidle")
    assert drafter.locator("[data-testid=report-status]").inner_text() == "待审核"
    no_page_scroll(drafter)
    shot(drafter, "2-submitted-390")
    drafter.goto(f"{base}/incidents/reports/?status=submitted")  # six status tabs on a phone
    assert "天池街道某厂储罐泄漏" in drafter.locator("[data-testid=report-list]").inner_text()
    no_page_scroll(drafter)
    shot(drafter, "2c-list-390")

    # 乐至县 duty officer reviews it.
    reviewer = person(browser)
    login(reviewer, base, "duty")
    reviewer.goto(detail)
    assert reviewer.locator("[data-testid=sign-link]").count() == 0  # not reviewed yet: nothing to sign
    shot(reviewer, "2b-review-1366")
    reviewer.click("[data-testid=review-pass]")
    reviewer.wait_for_load_state("networkidle")
    assert reviewer.locator("[data-testid=report-status]").inner_text() == "待签发"

    # The leader signs it through the confirmation page (what, to whom, cannot be withdrawn).
    leader = person(browser)
    login(leader, base, "leader")
    leader.goto(detail)
    leader.click("[data-testid=sign-link]")
    leader.wait_for_load_state("networkidle")
    assert "资阳市应急管理局" in leader.locator("[data-testid=sign-recipient]").inner_text()
    assert "不能撤回" in leader.locator("[data-testid=sign-warning]").inner_text()
    shot(leader, "3-confirm-1366")
    phone_leader = person(browser, PHONE)
    login(phone_leader, base, "leader")
    phone_leader.goto(f"{base}/incidents/reports/{report.pk}/issue/")
    no_page_scroll(phone_leader)
    shot(phone_leader, "3-confirm-390")
    leader.click("[data-testid=sign-confirm-button]")
    leader.wait_for_load_state("networkidle")
    assert leader.locator("[data-testid=report-status]").inner_text() == "已签发报送"
    assert "待签收" in leader.locator("[data-testid=deliveries]").inner_text()
    shot(leader, "4-signed-1366")

    # 资阳市 duty officer: the inbox from the nav, 签收, the receipt time shown.
    city = person(browser)
    login(city, base, "city_duty")
    city.get_by_role("link", name="报告签收").first.click()
    city.wait_for_load_state("networkidle")
    row = city.locator("[data-testid=inbox] tbody tr").first
    assert "天池街道某厂储罐泄漏" in row.inner_text() and "待签收" in row.inner_text()
    shot(city, "5-inbox-1366")
    row.locator("[data-testid=receive]").click()
    city.wait_for_load_state("networkidle")
    delivery = ReportDelivery.objects.get(report=report)
    assert delivery.received_by.username == "city_duty" and not delivery.late
    row = city.locator("[data-testid=inbox] tbody tr", has_text="天池街道某厂储罐泄漏").first  # the demo's are received
    received = row.locator("[data-testid=received-at]").inner_text()
    assert received == timezone.localtime(delivery.received_at).strftime("%Y-%m-%d %H:%M:%S")
    shot(city, "6-received-1366")
    phone_city = person(browser, PHONE)
    login(phone_city, base, "city_duty")
    phone_city.goto(f"{base}/incidents/reports/inbox/")
    no_page_scroll(phone_city)
    assert phone_city.locator("[data-testid=inbox] tbody tr", has_text="天池街道某厂储罐泄漏").first.locator(
        "[data-testid=received-at]").inner_text() == received
    shot(phone_city, "6-received-390")
    phone_city.goto(detail)
    no_page_scroll(phone_city)
    shot(phone_city, "7-detail-390")
    timeline = [e.text for e in incident.timeline.order_by("time", "id")]
    assert any("签发并报送首报至资阳市应急管理局" in t for t in timeline)
    assert any("按时签收" in t for t in timeline)


def test_late_receipt_is_flagged_in_red(demo, live_server, browser):
    """A report delivered 45 minutes ago (receipt due after 30) shows 待签收·已超时 in red; 签收 then records a late
    receipt, red on the inbox and the report page."""
    from datetime import timedelta

    from yingji.incidents.services import report_workflow as workflow

    people = {name: User.objects.get(username=name) for name in ("duty", "commander", "leader")}
    incident = incidents.create_incident(people["duty"], {
        "title": "回澜镇某厂粉尘爆炸", "source": "duty_phone", "reporter_name": "李四", "reporter_phone": "13800000001",
        "event_code": "12D02", "longitude": 105.118, "latitude": 30.226, "description": "车间粉尘爆炸，2人受伤。"})
    report = incident.reports.get(kind=InformationReport.INITIAL)
    sent = timezone.now() - timedelta(minutes=45)
    report = workflow.submit_report(people["duty"], report, {"measures": "消防救援大队到场处置。"}, now=sent)
    report = workflow.review_report(people["commander"], report, True, now=sent)
    workflow.sign_report(people["leader"], report, confirm=True, now=sent)
    red = "rgb(198, 40, 40)"
    for viewport, name in ((DESKTOP, "1366"), (PHONE, "390")):
        city = person(browser, viewport)
        login(city, live_server.url, "city_duty")
        city.goto(f"{live_server.url}/incidents/reports/inbox/")
        if name == "1366":
            waiting = city.locator("[data-testid=inbox] .tag.late").first
            assert waiting.inner_text() == "待签收·已超时"
            assert waiting.evaluate("el => getComputedStyle(el).color") == red
            city.locator("[data-testid=receive]").first.click()
            city.wait_for_load_state("networkidle")
        late = city.locator("[data-testid=inbox] [data-testid=late]").first
        assert late.inner_text() == "超时签收" and late.evaluate("el => getComputedStyle(el).color") == red
        if viewport is PHONE:
            no_page_scroll(city)
        shot(city, f"8-late-receipt-{name}")
    assert ReportDelivery.objects.get(report=report).late
