"""The inspector's side of the hazard closed loop in a browser (issue 13): the overdue list, 挂牌督办 of an overdue
重大 hazard with its notice downloaded, its acceptance 销号ing the listing, the statistics page; open hazards on the
one-map. Pages at 1366 px and on a 390 px phone, without horizontal scrolling. (The enterprise's own loop, from
its self-check to the inspector's acceptance, is tests/e2e/test_enterprise_day.py.)"""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.safety.models import Hazard, HazardSupervision

from .conftest import ARTIFACTS
from .test_login import login
from .test_onemap import open_map

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAJOR = "液氯充装未使用万向管道充装系统"  # demo: 重大, 待整改, overdue, not yet listed


@pytest.fixture
def demo(committed_demo, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page is {width} px wide"


def _phone(page, name: str):
    page.set_viewport_size({"width": 390, "height": 844})
    _no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"hazard-{name}-390.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 860})


def _submit(page, testid: str, fields: dict):
    form = page.locator(f"[data-testid={testid}]")
    for name, value in fields.items():
        control = form.locator(f"[name={name}]")
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)
    with page.expect_navigation():
        form.locator("button[type=submit]").click()


def test_inspector_lists_an_overdue_major_hazard_for_supervision_and_closes_it(demo, live_server, page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    today = timezone.localdate()
    deadline = str(today + timedelta(days=7))
    inspector = page
    login(inspector, live_server.url, "inspector")

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
    by_region = inspector.locator("[data-testid=stats-region]")
    assert by_region.locator("tbody tr").count() == 21  # the county's townships, each a row
    total = by_region.locator("[data-testid=stats-total]").inner_text()
    assert total.startswith("乐至县合计") and total.split()[1] == str(Hazard.objects.count())
    with inspector.expect_navigation():
        by_region.get_by_role("link", name="回澜镇").click()
    assert inspector.locator("[data-testid=stats-root]").inner_text() == "回澜镇"
    assert "回澜镇合计" in inspector.locator("[data-testid=stats-region]").inner_text()
    inspector.screenshot(path=str(ARTIFACTS / "hazard-stats-1366.png"), full_page=True)
    _phone(inspector, "stats")


def test_one_map_draws_open_hazards_coloured_by_grade_and_overdue(demo, live_server, page, settings):
    settings.SESSION_SAVE_EVERY_REQUEST = False  # the map's parallel layer fetches share one in-memory SQLite
    settings.YINGJI_MAP_REFRESH_SECONDS = 0
    open_map(page, live_server.url, "inspector")
    for _ in range(100):  # the layer loads after the map (wait_for_function with a string would need eval: CSP)
        if page.evaluate("!!(YingjiOneMap.layers.hazards_open && YingjiOneMap.visibleFeatures('hazards_open').length)"):
            break
        page.wait_for_timeout(100)
    drawn = set(page.evaluate("YingjiOneMap.visibleFeatures('hazards_open').map(f => f.id)"))
    expected = set(Hazard.objects.filter(status__in=Hazard.OPEN).exclude(longitude=None).values_list("pk", flat=True))
    assert drawn == expected
    states = set(page.evaluate("YingjiOneMap.visibleFeatures('hazards_open').map(f => f.properties.state)"))
    assert states == {"overdue", "major", "general"}
    assert "未销号隐患" in page.locator(".onemap-layer", has_text="未销号隐患").inner_text()
    page.screenshot(path=str(ARTIFACTS / "hazard-onemap-1366.png"))
