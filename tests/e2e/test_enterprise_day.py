"""The enterprise safety officer's whole job in one browser test (issue 13, Done when): declare an inventory line
and see the unit identified and graded as a major hazard source (GB 18218), grade a risk point and see its colour,
report what its own self-check (自查) found, rectify it (plan, progress, photo after); the inspector, in a browser
of their own, accepts it (复查验收), and the enterprise sees it closed (已销号). Some steps on a 390 px phone, none
scrolling sideways; the account sees nothing of the neighbouring company."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from yingji.safety.models import Enterprise, Hazard, HazardUnit

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

OWN, NEIGHBOUR = "乐至县回澜化工有限公司", "四川乐氯化工有限公司"  # the demo account's company and its neighbour
PHONE, DESKTOP = {"width": 390, "height": 844}, {"width": 1366, "height": 860}


@pytest.fixture
def demo(committed_demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def inspector_page(browser):
    """The inspector's own browser, closed (after the bell's first poll answered) before the database is flushed."""
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN")
    page = context.new_page()
    yield page
    page.wait_for_load_state("networkidle")
    context.close()


def _png(colour: str) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return {"name": f"{colour}.png", "mimeType": "image/png", "buffer": out.getvalue()}


def _shot(page, name: str):
    width = page.viewport_size["width"]
    page.screenshot(path=str(ARTIFACTS / f"enterprise-day-{name}-{width}.png"), full_page=True)


def _on_phone(page, name: str):
    """The current page at 390 px: nothing wider than the screen."""
    page.set_viewport_size(PHONE)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width} px wide on a phone"
    _shot(page, name)


def _submit(page, testid: str, fields: dict, files: dict | None = None):
    form = page.locator(f"[data-testid={testid}]")
    for name, value in fields.items():
        form.locator(f"[name={name}]").fill(value)
    for name, payload in (files or {}).items():
        form.locator(f"[name={name}]").set_input_files(payload)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def _save(page):
    with page.expect_navigation():
        page.get_by_role("button", name="保存").click()


def test_enterprise_declares_grades_reports_rectifies_and_sees_its_hazard_closed(demo, live_server, page,
                                                                                 inspector_page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    base, today = live_server.url, timezone.localdate()
    company = Enterprise.objects.get(name=OWN)
    login(page, base, "enterprise")

    # Its own 一企一档 only: the neighbour is neither listed nor reachable.
    page.goto(f"{base}/enterprises/")
    assert OWN in page.content() and NEIGHBOUR not in page.content()
    with page.expect_navigation():
        page.get_by_role("link", name=OWN).first.click()
    workshop = page.locator("[data-testid=unit]", has_text="合成车间")
    assert "不构成重大危险源" in workshop.inner_text() and workshop.locator("[data-testid=unit-level]").count() == 0

    # On a phone: 5 t more 液氨 in the workshop makes it a major hazard source. S = 1.4 ≥ 1; R = α 1.5 × 2.7 = 4.05
    # (β 2 of 液氨, Table 3; 60 people within 500 m) → 四级, shown on the unit with the worksheet's S and R.
    page.set_viewport_size(PHONE)
    with page.expect_navigation():
        workshop.get_by_role("link", name="登记危险化学品").click()
    page.fill("#id_chemical", "液氨")
    page.fill("#id_max_tonnes", "5")
    _on_phone(page, "inventory")
    _save(page)
    workshop = page.locator("[data-testid=unit]", has_text="合成车间")
    assert workshop.locator("[data-testid=unit-level]").inner_text() == "四级重大危险源"
    assert "S = 1.4000" in workshop.inner_text() and "R = 4.0500" in workshop.inner_text()
    _on_phone(page, "graded")
    unit = HazardUnit.objects.get(enterprise=company, name="合成车间")
    assert (unit.is_major, unit.level) == (True, "四级")

    # A misspelt chemical is refused, naming 表1; nothing is written.
    page.goto(f"{base}/inventory/add/?unit={unit.pk}")
    page.fill("#id_chemical", "液安")
    page.fill("#id_max_tonnes", "1")
    _save(page)
    assert "不在GB 18218-2018表1中" in page.content() and unit.lines.count() == 3
    page.set_viewport_size(DESKTOP)

    # A risk point of the company graded by LEC: D = 3 × 6 × 15 = 270 → 橙 · 较大风险.
    page.goto(f"{base}/risk-points/add/?enterprise={company.pk}")
    page.fill("#id_name", "液氨装卸鹤管")
    page.select_option("#id_method", "lec")
    page.fill("#id_likelihood", "3")
    page.fill("#id_exposure", "6")
    page.fill("#id_consequence", "15")
    page.fill("#id_assessed_on", str(today))
    _save(page)
    assert page.locator("[data-testid=risk-level]").inner_text() == "橙 · 较大风险"
    assert "= <strong>270</strong>" in page.content()
    _shot(page, "risk-point")

    # Its self-check found a hazard: reported from the company's page, with a photo; the source is 自查 by itself.
    page.goto(f"{base}{company.get_absolute_url()}")
    with page.expect_navigation():
        page.locator("#hazards").get_by_role("link", name="登记隐患").click()
    assert page.locator("[name=source]").count() == 0
    page.fill("[name=title]", "危废暂存间防渗层破损")
    page.fill("[name=location]", "危废暂存间")
    page.fill("[name=found_on]", str(today))
    page.locator("[name=photo_before]").set_input_files(_png("red"))
    # 重大 offers the criteria of the company's 监管类别 (危化生产: the 2017 list of 20), 一般 none.
    assert not page.locator("[name=criterion]").is_visible() and not page.locator("[name=criterion_basis]").is_visible()
    page.select_option("[name=grade]", "major")
    assert page.locator("[name=criterion]").is_visible() and not page.locator("[name=criterion_basis]").is_visible()
    assert page.locator("[name=criterion] option:not([disabled])").count() == 21  # the blank and 20 items
    page.select_option("[name=grade]", "general")
    _on_phone(page, "hazard-form")
    page.set_viewport_size(DESKTOP)
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    hazard = Hazard.objects.get(title="危废暂存间防渗层破损")
    assert (hazard.source, hazard.enterprise_id, hazard.grade) == ("self_check", company.pk, "general")
    assert page.locator("[data-testid=hazard-status]").inner_text() == "待整改"
    assert page.locator("xpath=//dt[text()='来源']/following-sibling::dd[1]").inner_text() == "企业自查"

    # Its rectification: the plan, a progress note with a photo, done with the photo after.
    _submit(page, "plan-form", {"measures": "铲除破损层，重做环氧防渗", "funds_wan": "0.8", "responsible": "周敏",
                                "responsible_phone": "13981761234", "deadline": str(today + timedelta(days=7))})
    assert page.locator("[data-testid=hazard-status]").inner_text() == "整改中"
    _submit(page, "progress-form", {"text": "破损层已铲除，基层已找平"}, {"photo": _png("yellow")})
    assert "破损层已铲除" in page.locator("[data-testid=hazard-log]").inner_text()
    _on_phone(page, "rectifying")
    _submit(page, "rectified-form", {"text": "防渗层已重做并养护完成"}, {"photo": _png("green")})
    page.set_viewport_size(DESKTOP)
    assert page.locator("[data-testid=hazard-status]").inner_text() == "待验收"
    assert page.locator("[data-testid=accept-form]").count() == 0  # not the enterprise's to accept
    after = page.locator("[data-testid=photo-after]")
    after.evaluate("img => img.complete || new Promise(resolve => img.addEventListener('load', resolve))")
    assert after.evaluate("img => img.naturalWidth") == 64  # the photo it sent, served back
    _shot(page, "awaiting")

    # The inspector, in a browser of their own, finds it waiting and accepts it after 复查.
    login(inspector_page, base, "inspector")
    inspector_page.goto(f"{base}/hazards/?status=awaiting")
    with inspector_page.expect_navigation():
        inspector_page.get_by_role("link", name="危废暂存间防渗层破损").click()
    _submit(inspector_page, "accept-form", {"text": "现场复查，防渗层完好"})
    assert inspector_page.locator("[data-testid=hazard-status]").inner_text() == "已销号"

    # The enterprise sees it closed: on its list of closed hazards and on the record, with who accepted it.
    page.goto(f"{base}/hazards/?enterprise={company.pk}&open=0")
    assert "危废暂存间防渗层破损" in page.locator("main").inner_text()
    page.goto(f"{base}/hazards/{hazard.pk}/")
    assert page.locator("[data-testid=hazard-status]").inner_text() == "已销号"
    log = page.locator("[data-testid=hazard-log]").inner_text()
    assert "复查验收通过" in log and "监管员·陈静" in log
    assert page.locator("[data-testid=rectified-form]").count() == 0 and page.locator("[data-testid=plan-form]").count() == 0
    _on_phone(page, "closed")

    # Nothing of the neighbour.
    neighbour = Enterprise.objects.get(name=NEIGHBOUR)
    assert page.goto(f"{base}{neighbour.get_absolute_url()}").status == 404
