"""The hazard closed loop in a browser (issue 13): the enterprise account reports a self-found hazard with a photo,
submits its rectification plan and reports it rectified; the inspector accepts and it is 销号. Then the
inspector lists a 重大 hazard for 挂牌督办, downloads the notice, and its acceptance 销号s the listing. Pages
at 1366 px and on a 390 px phone, without horizontal scrolling."""

import io
from datetime import timedelta

import pytest
from django.utils import timezone
from PIL import Image

from yingji.safety.models import Hazard, HazardSupervision

from .conftest import ARTIFACTS
from .test_login import login
from .test_onemap import open_map

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAJOR = "液氯充装未使用万向管道充装系统"  # demo: 重大, 待整改, overdue, not yet listed


@pytest.fixture
def demo(committed_demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _png(colour: str) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "PNG")
    return {"name": f"{colour}.png", "mimeType": "image/png", "buffer": out.getvalue()}


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def _phone(page, name: str):
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"hazard-{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})


def _submit(page, testid: str, fields: dict, files: dict | None = None):
    form = page.locator(f"[data-testid={testid}]")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    for name, payload in (files or {}).items():
        form.locator(f"[name={name}]").set_input_files(payload)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_enterprise_rectifies_inspector_accepts_and_lists_a_major_hazard(demo, live_server, browser, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    deadline = str(today + timedelta(days=7))
    # The enterprise account reports what its own check found, with a photo.
    login(page, live_server.url, "enterprise")
    page.goto(f"{live_server.url}/hazards/add/")
    assert page.locator("[name=source]").count() == 0  # its own reports are 自查
    page.fill("[name=title]", "危废暂存间防渗层破损")
    page.fill("[name=location]", "危废暂存间")
    page.fill("[name=found_on]", str(today))
    page.locator("[name=photo_before]").set_input_files(_png("red"))
    # The criteria of a 重大 hazard are offered for the enterprise's 监管类别 (危化生产: the 2017 list).
    assert not page.locator("[name=criterion]").is_visible() and not page.locator("[name=criterion_basis]").is_visible()
    page.select_option("[name=grade]", "major")
    assert page.locator("[name=criterion]").is_visible() and not page.locator("[name=criterion_basis]").is_visible()
    assert page.locator("[name=criterion] option:not([disabled])").count() == 21  # the blank and 20 items
    page.select_option("[name=grade]", "general")
    page.screenshot(path=str(ARTIFACTS / "hazard-form-1366.png"), full_page=True)
    _phone(page, "form")
    with page.expect_navigation():
        page.locator("form.card button[type=submit]").click()
    assert page.locator("[data-testid=hazard-status]").inner_text() == "待整改"
    hazard = Hazard.objects.get(title="危废暂存间防渗层破损")
    assert hazard.source == "self_check" and hazard.enterprise.name == "乐至县回澜化工有限公司"
    _submit(page, "plan-form", {"measures": "铲除破损层，重做环氧防渗", "funds_wan": "0.8", "responsible": "周敏",
                                "responsible_phone": "13981761234", "deadline": deadline})
    assert page.locator("[data-testid=hazard-status]").inner_text() == "整改中"
    _submit(page, "rectified-form", {"text": "防渗层已重做并养护完成"}, {"photo": _png("green")})
    assert page.locator("[data-testid=hazard-status]").inner_text() == "待验收"
    assert page.locator("[data-testid=accept-form]").count() == 0  # not the enterprise's to accept
    page.locator("[data-testid=photo-after]").evaluate(  # loaded, even under load (a function: the CSP forbids eval)
        "img => img.complete || new Promise(resolve => img.addEventListener('load', resolve))")
    assert page.locator("[data-testid=photo-after]").evaluate("img => img.naturalWidth") == 64
    page.screenshot(path=str(ARTIFACTS / "hazard-detail-1366.png"), full_page=True)
    _phone(page, "detail")

    # The inspector accepts it after 复查: closed (销号).
    inspector = browser.new_context(viewport={"width": 1366, "height": 860}, locale="zh-CN").new_page()
    login(inspector, live_server.url, "inspector")
    inspector.goto(f"{live_server.url}/hazards/{hazard.pk}/")
    _submit(inspector, "accept-form", {"text": "现场复查，防渗层完好"})
    assert inspector.locator("[data-testid=hazard-status]").inner_text() == "已销号"
    assert "复查验收通过" in inspector.locator("[data-testid=hazard-log]").inner_text()

    # The overdue list, then 挂牌督办 of a 重大 hazard, its notice, and 销号 on acceptance.
    inspector.goto(f"{live_server.url}/hazards/?overdue=1")
    assert MAJOR in inspector.content() and "已逾期" in inspector.content()
    inspector.screenshot(path=str(ARTIFACTS / "hazard-list-1366.png"), full_page=True)
    _phone(inspector, "list")
    major = Hazard.objects.get(title=MAJOR)
    inspector.goto(f"{live_server.url}/hazards/{major.pk}/")
    assert inspector.locator("[data-testid=hazard-overdue]").is_visible()
    _submit(inspector, "supervise-form", {"level": "county", "number": "乐应急督〔2026〕21号", "deadline": deadline,
                                          "requirements": "每周一报送整改进展"})
    assert inspector.locator("[data-testid=hazard-supervised]").inner_text() == "县级挂牌督办"
    with inspector.expect_download() as download:
        inspector.locator("[data-testid=notice-link]").click()
    assert download.value.suggested_filename == "重大事故隐患挂牌督办通知书（乐应急督〔2026〕21号）.docx"
    inspector.screenshot(path=str(ARTIFACTS / "hazard-supervised-1366.png"), full_page=True)
    _phone(inspector, "supervised")
    _submit(inspector, "plan-form", {"measures": "改用万向管道充装系统", "funds_wan": "35", "responsible": "吴强",
                                     "responsible_phone": "13881234567", "deadline": deadline})
    _submit(inspector, "rectified-form", {"text": "万向管道充装系统已安装调试"})
    _submit(inspector, "accept-form", {"text": "验收合格"})
    assert inspector.locator("[data-testid=hazard-status]").inner_text() == "已销号"
    assert "销号" in inspector.locator("[data-testid=supervisions]").inner_text()
    assert HazardSupervision.objects.get(number="乐应急督〔2026〕21号").closed_on == today
    inspector.goto(f"{live_server.url}/hazards/stats/")
    assert "整改率" in inspector.content()
    inspector.screenshot(path=str(ARTIFACTS / "hazard-stats-1366.png"), full_page=True)
    _phone(inspector, "stats")
    inspector.context.close()


def test_one_map_draws_open_hazards_coloured_by_grade_and_overdue(demo, live_server, page, settings):
    settings.SESSION_SAVE_EVERY_REQUEST = False  # the map's parallel layer fetches share one in-memory SQLite
    settings.YINGJI_MAP_REFRESH_SECONDS = 0
    open_map(page, live_server.url, "inspector")
    page.wait_for_function("YingjiOneMap.layers.hazards_open && YingjiOneMap.visibleFeatures('hazards_open').length")
    drawn = set(page.evaluate("YingjiOneMap.visibleFeatures('hazards_open').map(f => f.id)"))
    expected = set(Hazard.objects.filter(status__in=Hazard.OPEN).exclude(longitude=None).values_list("pk", flat=True))
    assert drawn == expected
    states = set(page.evaluate("YingjiOneMap.visibleFeatures('hazards_open').map(f => f.properties.state)"))
    assert states == {"overdue", "major", "general"}
    assert "未销号隐患" in page.locator(".onemap-layer", has_text="未销号隐患").inner_text()
    page.screenshot(path=str(ARTIFACTS / "hazard-onemap-1366.png"))
