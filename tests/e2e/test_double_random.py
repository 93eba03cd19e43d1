"""双随机一公开 in a browser (issue 13, Done when): the inspector runs a draw with a published seed, records the
inspection of a drawn enterprise on its checklist with one failed item, turns it into a 重大事故隐患, lists it for
挂牌督办 and, after rectification, accepts it (销号 closes the listing); the 责令限期整改指令书 downloads; the public
page shows the draw and its seed to anyone without a login. Pages at 1366 px and on a 390 px phone."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.safety.models import Draw, Hazard, HazardSupervision, Inspection
from yingji.safety.services import inspections as services

from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def demo(committed_demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} is {width} px wide"


def _shots(page, name: str):
    page.screenshot(path=str(ARTIFACTS / f"double-random-{name}-1366.png"), full_page=True)
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"double-random-{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})


def _submit(page, selector: str, fields: dict):
    form = page.locator(selector)
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_draw_inspect_hazard_supervise_and_close(demo, live_server, browser, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    deadline = str(today + timedelta(days=10))
    login(page, live_server.url, "inspector")

    # The draw: the published plan is preselected; 危化 categories, 3 enterprises, 2 inspectors each, seed 8888.
    page.goto(f"{live_server.url}/draws/add/")
    _shots(page, "form")
    page.fill("[name=enterprise_count]", "3")
    page.fill("[name=seed]", "8888")
    with page.expect_navigation():
        page.locator("[data-testid=draw-form] button[type=submit]").click()
    assert page.locator("[data-testid=draw-seed]").inner_text() == "8888"
    draw = Draw.objects.get(seed="8888")
    assert draw.assignments.count() == 3 and draw.drawn_by.username == "inspector"
    page.click("[data-testid=draw-verify]")
    assert "复核一致" in page.locator("[data-testid=draw-check]").inner_text()
    _shots(page, "draw")

    # The first drawn enterprise is inspected by its drawn pair: the form comes filled in from the draw.
    with page.expect_navigation():
        page.click("[data-testid=inspect-1]")
    row = draw.assignments.get(position=1)
    checked = page.locator("[name=inspectors]:checked").evaluate_all("els => els.map(e => +e.value)")
    assert sorted(checked) == sorted(i.pk for i in row.inspectors.all())
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    inspection = Inspection.objects.get(assignment=row)
    assert inspection.checklist == "hazchem" and page.locator("[data-testid=inspection-status]").inner_text() == "检查中"
    form = page.locator("[data-testid=results-form]")
    for item in inspection.results:
        form.locator(f"[name=result_{item['code']}]").select_option("pass")
    form.locator("[name=result_HC07]").select_option("fail")
    form.locator("[name=note_HC07]").fill("液氯充装仍使用金属软管，未使用万向管道充装系统")
    form.locator("[name=conclusion]").fill("发现重大事故隐患1项，责令限期整改。")
    form.locator("[name=complete]").check()
    _shots(page, "checklist")
    with page.expect_navigation():
        form.locator("button[type=submit]").click()
    assert page.locator("[data-testid=inspection-status]").inner_text() == "已完成"

    # The failed item becomes a 重大事故隐患 (判定标准 第七条) through the hazard loop.
    _submit(page, "[data-testid=finding-HC07]", {"grade": "major", "criterion": "HC-07", "deadline": deadline})
    hazard = Hazard.objects.get(pk=Inspection.objects.get(pk=inspection.pk).results[6]["hazard"])
    assert page.url.endswith(f"/hazards/{hazard.pk}/")
    assert (hazard.source, hazard.grade, hazard.enterprise_id) == ("inspection", "major", row.enterprise_id)
    assert page.locator("[data-testid=hazard-status]").inner_text() == "待整改"

    # 挂牌督办 → rectified → accepted: 销号 closes the listing.
    _submit(page, "[data-testid=supervise-form]", {"level": "county", "number": "乐应急督〔2026〕31号",
                                                   "deadline": deadline})
    assert page.locator("[data-testid=hazard-supervised]").inner_text() == "县级挂牌督办"
    _submit(page, "[data-testid=plan-form]", {"measures": "改用万向管道充装系统", "funds_wan": "28",
                                              "responsible": "吴强", "responsible_phone": "13881234567",
                                              "deadline": deadline})
    _submit(page, "[data-testid=rectified-form]", {"text": "万向管道充装系统已安装调试"})
    _submit(page, "[data-testid=accept-form]", {"text": "复查合格"})
    assert page.locator("[data-testid=hazard-status]").inner_text() == "已销号"
    assert HazardSupervision.objects.get(number="乐应急督〔2026〕31号").closed_on == today

    # The 责令限期整改指令书 from the inspection, numbered by the service, downloads as .docx.
    page.goto(f"{live_server.url}/inspections/{inspection.pk}/")
    assert "隐患 #" in page.locator("[data-testid=checklist]").inner_text()
    _shots(page, "inspection")
    with page.expect_navigation():
        page.click("[data-testid=make-document]")
    assert "HC07" in page.locator("[name=findings]").input_value()
    page.fill("[name=deadline]", deadline)
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    number = page.locator("h1 .mono").inner_text()
    assert number.startswith("（乐）应急责改〔")
    with page.expect_download() as download:
        page.click("[data-testid=document-docx]")
    assert download.value.suggested_filename == f"责令限期整改指令书（{number}）.docx"
    _shots(page, "document")

    # The public page, without a login: the draw, its seed and who inspects whom.
    anonymous = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
    anonymous.goto(f"{live_server.url}/draws/public/")
    assert "/login/" not in anonymous.url
    first = anonymous.locator("[data-testid=public-draw]").first
    assert first.locator("[data-testid=public-seed]").inner_text() == "8888"
    text = first.inner_text()
    for assignment in draw.assignments.all():
        assert assignment.enterprise.name in text
        assert all(i.badge_number in text for i in assignment.inspectors.all())
    assert services.verify_draw(draw)["matches"]
    with anonymous.expect_navigation():
        anonymous.click(f"[data-testid=public-verify-{draw.pk}]")
    assert "复核一致" in anonymous.locator("[data-testid=public-check]").inner_text()
    _shots(anonymous, "public")
    anonymous.context.close()

    # The rest of the inspector's pages, on a phone too.
    for name, url in (("plan", f"/inspection-plans/{draw.plan_id}/"), ("inspections", "/inspections/"),
                      ("inspectors", "/inspectors/"), ("penalties", "/penalties/"), ("credit", "/credit-listings/"),
                      ("plan-form", "/inspection-plans/add/"), ("inspection-form", "/inspections/add/"),
                      ("penalty-form", "/penalties/add/"), ("inspector-form", "/inspectors/add/")):
        page.goto(f"{live_server.url}{url}")
        _shots(page, name)
