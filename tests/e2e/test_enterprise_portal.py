"""The enterprise safety officer's own portal, on a phone: declare an inventory line and see the unit graded by
GB 18218, grade a risk point and see its colour, and find nothing of the neighbouring company."""

import pytest

from yingji.safety.models import Enterprise, HazardUnit

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = pytest.mark.django_db(transaction=True)
PHONE = {"width": 390, "height": 844}
OWN, NEIGHBOUR = "乐至县回澜化工有限公司", "四川乐氯化工有限公司"


@pytest.fixture
def demo(committed_demo):
    """The live server reads what the test commits."""


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"test_enterprise_portal-{name}.png"), full_page=True)


@pytest.fixture
def phone(browser):
    """A phone's page, closed before the database is flushed (its bell keeps polling the live server)."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True)
    page = context.new_page()
    yield page
    page.wait_for_load_state("networkidle")  # the bell's first poll answered: no request left in the server
    context.close()


def test_enterprise_declares_inventory_and_grades_a_risk_point_on_a_phone(demo, live_server, phone):
    base, page = live_server.url, phone
    login(page, base, "enterprise")
    page.goto(f"{base}/enterprises/")
    assert OWN in page.content() and NEIGHBOUR not in page.content()
    page.get_by_role("link", name=OWN).first.click()
    page.wait_for_load_state("networkidle")
    workshop = page.locator("[data-testid=unit]", has_text="合成车间")
    assert "不构成重大危险源" in workshop.inner_text()

    # Declare 5 t more 液氨 in the workshop: S = 1.4, R = 1.5 × 2.7 = 4.05 → 四级.
    workshop.get_by_role("link", name="登记危险化学品").click()
    page.fill("#id_chemical", "液氨")
    page.fill("#id_max_tonnes", "5")
    shot(page, "1-inventory-390")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    workshop = page.locator("[data-testid=unit]", has_text="合成车间")
    assert workshop.locator("[data-testid=unit-level]").inner_text() == "四级重大危险源"
    assert "S = 1.4000" in workshop.inner_text() and "R = 4.0500" in workshop.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 392
    shot(page, "2-graded-390")

    # A misspelt chemical is refused, naming the nearest 表1 rows; nothing is written.
    unit = HazardUnit.objects.get(enterprise__name=OWN, name="合成车间")
    page.goto(f"{base}/inventory/add/?unit={unit.pk}")
    page.fill("#id_chemical", "液安")
    page.fill("#id_max_tonnes", "1")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert "不在GB 18218-2018表1中" in page.content() and unit.lines.count() == 3

    # Grade a risk point of the company by LEC: 3 × 6 × 15 = 270 → 橙.
    company = Enterprise.objects.get(name=OWN)
    page.goto(f"{base}/risk-points/add/?enterprise={company.pk}")
    page.fill("#id_name", "液氨装卸鹤管")
    page.select_option("#id_method", "lec")
    page.fill("#id_likelihood", "3")
    page.fill("#id_exposure", "6")
    page.fill("#id_consequence", "15")
    page.fill("#id_assessed_on", "2026-11-20")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("[data-testid=risk-level]").inner_text() == "橙 · 较大风险"
    assert "= <strong>270</strong>" in page.content()
    shot(page, "3-risk-point-390")

    # The neighbour's page is not there for this account.
    neighbour = Enterprise.objects.get(name=NEIGHBOUR)
    assert page.goto(f"{base}{neighbour.get_absolute_url()}").status == 404
