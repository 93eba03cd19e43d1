"""Issue 15's Done-when in the browser: a duty officer drafts a 暴雨红色预警 for two townships (回澜镇, 天池街道) on the
form, submits it; the leader reviews and signs it; the warning's page shows the people and places reached and the
deliveries, and the SMS gateway stub, the SMTP sink and the simulated village loudspeakers (MQTT) receive it; the
public page (no login, a 390 px phone) and the Atom feed show it, and the feed's link is CAP XML that validates;
a later Cancel by the leader ends it: off the public page, the feed carries the Cancel, the SMS stub gets it."""

import time
from contextlib import ExitStack

import pytest
from django.db.models import Q
from django.utils import timezone
from lxml import etree

from yingji.core.models import Region, User
from yingji.standards import cap
from yingji.warnings.channels.terminals import SimulatedTerminal
from yingji.warnings.models import LoudspeakerTerminal, Recipient, Warning
from yingji.warnings.services import recipients as recipient_services

from ..warnings.stubs import SmsGatewayStub, SmtpSink, require_broker, unique
from .conftest import ARTIFACTS
from .test_login import login

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 860}
ATOM = "{http://www.w3.org/2005/Atom}"
HUILAN, TIANCHI, SHIFO = "512022102", "512022001", "512022101"
# (name, township, phone, email): four people in the two townships of the warning, one outside it.
PEOPLE = [("回澜居民甲", HUILAN, "13900150001", "jia@example.cn"), ("回澜网格员乙", HUILAN, "13900150002", ""),
          ("天池信息员丙", TIANCHI, "13900150003", "bing@example.cn"), ("天池居民丁", TIANCHI, "13900150004", ""),
          ("石佛居民戊", SHIFO, "13900150005", "wu@example.cn")]


@pytest.fixture
def services(committed_demo, settings):
    """The SMS gateway stub, the SMTP sink and two simulated loudspeakers (one per township) on the broker, the
    channels pointed at them; recipients and terminals registered through the services."""
    host, port = require_broker()
    prefix = unique("e2e-w5")
    duty = User.objects.get(username="duty")
    recipient_services.create_recipients(duty, [
        Recipient(name=name, region=Region.objects.get(code=code), phone=phone, email=email, kind="resident")
        for name, code, phone, email in PEOPLE])
    codes = {HUILAN: unique("LZ-HL"), TIANCHI: unique("LZ-TC"), SHIFO: unique("LZ-SF")}
    for code, terminal in codes.items():
        recipient_services.save_terminal(duty, LoudspeakerTerminal(), {
            "code": terminal, "name": f"{Region.objects.get(code=code).name}大喇叭", "region": Region.objects.get(code=code)})
    # Every terminal of the two townships answers (the demo's village loudspeakers too); 石佛镇's stays silent
    # unless it is wrongly reached.
    inside = [t.code for t in LoudspeakerTerminal.objects.filter(is_active=True).filter(
        Q(region__path__startswith=Region.objects.get(code=HUILAN).path)
        | Q(region__path__startswith=Region.objects.get(code=TIANCHI).path))]
    with ExitStack() as stack:
        gateway, sink = stack.enter_context(SmsGatewayStub()), stack.enter_context(SmtpSink())
        reached = [stack.enter_context(SimulatedTerminal(code, host, port, prefix)) for code in inside]
        outside = stack.enter_context(SimulatedTerminal(codes[SHIFO], host, port, prefix))
        settings.YINGJI_WARNING_CHANNELS = {
            "sms": {"url": gateway.url + "/sms", "body": {"mobiles": "{phones}", "content": "{text}"}, "batch_size": 50,
                    "ok_path": "code", "receipts_path": "data.results"},
            "email": {"host": "127.0.0.1", "port": sink.port, "security": "none", "from_addr": "yujing@example.cn",
                      "from_name": "乐至县应急管理局", "timeout_s": 5},
            "loudspeaker": {"host": host, "port": port, "prefix": prefix, "ack_timeout_s": 10},
        }
        yield {"gateway": gateway, "sink": sink, "reached_terminals": reached, "outside": outside,
               "ours": [codes[HUILAN], codes[TIANCHI]]}
    time.sleep(1)  # a poll the live server is still answering


def person(browser, viewport=DESKTOP):
    context = browser.new_context(viewport=viewport, locale="zh-CN", device_scale_factor=1,
                                  is_mobile=viewport["width"] < 768, has_touch=viewport["width"] < 768)
    return context.new_page()


def watch_errors(page) -> list[str]:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"test_warning_flow-{name}.png"), full_page=True)


def no_page_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    wide = page.evaluate("Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > "
                         "391 && !e.closest('.leaflet-container')).slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + "
                         "Math.round(e.getBoundingClientRect().right))")
    assert width <= PHONE["width"] + 2, wide


def wait_until(check, timeout=15.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.2)
    return check()


def test_duty_drafts_leader_signs_public_sees_it_cancel_ends_it(services, live_server, browser):
    base = live_server.url
    duty = person(browser)
    errors = watch_errors(duty)
    login(duty, base, "duty")

    # 1. The duty officer drafts a 暴雨红色预警 for 回澜镇 and 天池街道.
    duty.goto(f"{base}/warnings/add/")
    duty.locator("[data-area-editor][data-ready='1']").wait_for()
    box = duty.get_by_role("combobox", name="事件类型（GB/T 35561）")
    box.fill("11B03")
    box.press("Enter")
    assert duty.locator("select[name=event_code]").input_value() == "11B03"
    duty.select_option("#id_level", "1")
    duty.fill("#id_headline", "乐至县暴雨红色预警")
    duty.fill("#id_description", "预计未来 3 小时回澜镇、天池街道将出现 100 毫米以上强降雨，山洪、地质灾害风险极高。")
    duty.fill("#id_instruction", "立即转移山洪危险区和低洼地带人员；停止户外作业和集会。")
    duty.locator("input[data-area-region][data-name='回澜镇']").check()
    duty.locator("input[data-area-region][data-name='天池街道']").check()
    assert "已选区划 2 个" in duty.locator("[data-testid=area-summary]").inner_text()
    duty.locator("input[name=channels][value=webhook]").uncheck()
    shot(duty, "1-form-1366")
    duty.click("[data-testid=warning-save]")
    duty.wait_for_load_state("networkidle")
    warning = Warning.objects.get(headline="乐至县暴雨红色预警", state=Warning.DRAFT)
    assert duty.url.endswith(warning.get_absolute_url())
    assert sorted(r.name for a in warning.areas.all() for r in a.regions.all()) == ["回澜镇", "天池街道"]
    duty.click("[data-testid=action-submit]")
    duty.wait_for_load_state("networkidle")
    assert duty.locator("[data-testid=warning-state]").inner_text() == "待审核"
    assert duty.locator("[data-testid=action-publish]").count() == 0  # 值班员 does not sign

    # 2. The leader reviews and signs it; it is published, targeted and sent.
    leader = person(browser)
    errors += watch_errors(leader)
    login(leader, base, "leader")
    leader.goto(f"{base}{warning.get_absolute_url()}")
    leader.click("[data-testid=action-review]")
    leader.wait_for_load_state("networkidle")
    leader.click("[data-testid=action-publish]")
    leader.wait_for_load_state("networkidle")
    warning.refresh_from_db()
    assert warning.state == Warning.PUBLISHED and warning.identifier
    assert leader.locator("[data-testid=warning-state]").inner_text() == "已发布"
    assert cap.validate(warning.cap_xml.encode()) == []

    # 3. Targeting: everyone registered in the two townships (our four and the demo's villagers), nobody of 石佛镇;
    # coverage per township.
    registered = Recipient.objects.filter(is_active=True).filter(
        Q(region__path__startswith=Region.objects.get(code=HUILAN).path)
        | Q(region__path__startswith=Region.objects.get(code=TIANCHI).path))
    expected = set(registered.values_list("phone", flat=True)) - {""}
    assert warning.people_reached == registered.count() >= 4
    assert leader.locator("[data-testid=people-reached]").inner_text() == str(warning.people_reached)
    coverage = leader.locator("[data-testid=coverage-table]").inner_text()
    assert "回澜镇" in coverage and "天池街道" in coverage and "石佛镇" not in coverage
    leader.locator("[data-testid=warning-deliveries] [data-channel=sms]").wait_for()
    leader.reload()
    leader.locator("[data-testid=warning-map][data-ready='1']").wait_for()
    shot(leader, "2-published-1366")

    # 4. The SMS gateway, the SMTP sink and the loudspeakers of the two townships received it.
    gateway, sink = services["gateway"], services["sink"]
    assert wait_until(lambda: len(gateway.sent) >= len(expected))
    phones = {p for p, _, _ in gateway.sent}
    assert phones == expected and {"13900150001", "13900150004"} <= phones and "13900150005" not in phones
    assert all("暴雨红色预警" in text for _, text, _ in gateway.sent)
    assert wait_until(lambda: len(sink.messages) >= 2)
    mailed = {r for rcpts, _ in sink.messages for r in rcpts}
    assert {"bing@example.cn", "jia@example.cn"} <= mailed and "wu@example.cn" not in mailed
    for terminal in services["reached_terminals"]:
        assert wait_until(lambda t=terminal: len(t.played) >= 1), terminal.code
    assert services["outside"].played == []

    # 5. The public page (no login, a phone) and the feed show it; the feed's link is CAP that validates.
    public = person(browser, PHONE)
    errors += watch_errors(public)
    public.goto(f"{base}/public/warnings/")
    card = public.locator(f"[data-testid=public-warning][data-identifier='{warning.identifier}']")
    assert "乐至县暴雨红色预警" in card.inner_text() and "回澜镇" in card.inner_text()
    public.locator("[data-testid=public-map][data-ready='1']").wait_for()
    no_page_scroll(public)
    shot(public, "3-public-390")
    feed = etree.fromstring(public.request.get(f"{base}/public/warnings/feed.xml").body())
    links = {e.find(f"{ATOM}link").get("href") for e in feed.findall(f"{ATOM}entry")}
    href = f"/public/warnings/{warning.identifier}.xml"
    assert any(link.endswith(href) for link in links), links
    message = public.request.get(f"{base}{href}")
    assert message.status == 200 and message.headers["content-type"].startswith("application/cap+xml")
    assert cap.validate(message.body()) == []

    # 6. A later Cancel by the leader ends it everywhere.
    leader.goto(f"{base}{warning.get_absolute_url()}")
    leader.fill("[data-testid=warning-actions] input[name=reason] >> nth=-1", "强降雨已减弱，解除预警")
    leader.click("[data-testid=action-cancel]")
    leader.wait_for_load_state("networkidle")
    warning.refresh_from_db()
    assert warning.state == Warning.CANCELLED
    cancel = Warning.objects.get(references=warning, msg_type=Warning.CANCEL)
    assert leader.locator("[data-testid=warning-chain]").inner_text().count("解除") >= 1
    shot(leader, "4-cancelled-1366")
    assert wait_until(lambda: any("解除" in text for _, text, _ in gateway.sent))
    public.reload()
    assert public.locator(f"[data-testid=public-warning][data-identifier='{warning.identifier}']").count() == 0
    feed = etree.fromstring(public.request.get(f"{base}/public/warnings/feed.xml").body())
    titles = {e.find(f"{ATOM}link").get("href").rsplit("/", 1)[-1]: e.find(f"{ATOM}title").text
              for e in feed.findall(f"{ATOM}entry")}
    assert titles.get(f"{cancel.identifier}.xml", "").startswith("【解除】")
    assert f"{warning.identifier}.xml" not in titles
    assert cap.validate(public.request.get(f"{base}/public/warnings/{cancel.identifier}.xml").body()) == []

    # 7. The same pages on a phone: the warning page and the form, no sideways scroll.
    phone = person(browser, PHONE)
    errors += watch_errors(phone)
    login(phone, base, "duty")
    phone.goto(f"{base}{warning.get_absolute_url()}")
    phone.locator("[data-testid=warning-map][data-ready='1']").wait_for()
    shot(phone, "5-warning-390")
    no_page_scroll(phone)
    phone.goto(f"{base}/warnings/add/")
    phone.locator("[data-area-editor][data-ready='1']").wait_for()
    no_page_scroll(phone)
    shot(phone, "6-form-390")
    assert timezone.now() < warning.expires
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
    assert not [e for e in errors if "TypeError" in e or "ReferenceError" in e], errors
