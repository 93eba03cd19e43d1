"""SMS delivery receipts (状态报告) end to end: a published warning goes to the stub gateway, which later POSTs its
signed delivery reports over HTTP to the live server's callback; each known message id's delivery becomes
delivered or failed with the gateway's status code and time; repeats change nothing, unknown ids and forged or
unsigned callbacks are refused and counted; the warning's page shows the receipts."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from yingji.core.models import Region, User
from yingji.warnings.channels.sms import report_time
from yingji.warnings.models import Delivery, Recipient, SmsReportCount, Warning
from yingji.warnings.services import delivery, lifecycle
from yingji.warnings.services import recipients as register

from .stubs import SmsGatewayStub

SECRET = "回执-密钥-s3cret"
CALLBACK = "/public/warnings/sms-reports/"


def counters() -> dict:
    return dict(SmsReportCount.objects.values_list("kind", "count"))


def _publish(users):
    now = timezone.now()
    areas = [{"area_desc": "回执测试", "regions": list(Region.objects.filter(code="512022103"))}]
    warning = lifecycle.save_draft(users["duty"], Warning(), {
        "event_code": "11B03", "level": 2, "headline": "暴雨橙色预警（回执测试）", "description": "强降雨。",
        "instruction": "注意防范。", "onset": now, "expires": now + timedelta(hours=3), "channels": ["sms"]}, areas)
    lifecycle.submit(users["duty"], warning)
    lifecycle.review(users["commander"], warning)
    return lifecycle.publish(users["leader"], warning)


@pytest.fixture
def sent(committed_demo, settings):
    """A warning sent to three numbers through the stub gateway (secret set, receipts and report times read)."""
    users = {u.username: u for u in User.objects.filter(username__in=["duty", "commander", "leader"])}
    village = Region.objects.filter(parent__code="512022103", level="village").order_by("code").first()
    Recipient.objects.filter(region__path__startswith=village.parent.path).update(is_active=False)
    for n, phone in enumerate(("13900000101", "13900000102", "13900000103")):
        register.save_recipient(None, Recipient(), {"region": village, "name": f"回执{n}", "phone": phone})
    with SmsGatewayStub(secret=SECRET) as gateway:
        settings.YINGJI_WARNING_CHANNELS = {"sms": {
            "url": gateway.url + "/send?phone={phone}&text={text}", "batch_size": 10, "secret": SECRET,
            "ok_path": "code", "receipts_path": "data.results", "report_list_path": "reports",
            "report_time_key": "donetime"}}
        warning = _publish(users)
        delivery.send(warning.pk, sleep=lambda s: None)
        yield warning, gateway, {phone: msgid for phone, _, msgid in gateway.sent}


def test_receipts_over_http_full_loop(sent, live_server):
    warning, gateway, ids = sent
    url = live_server.url + CALLBACK
    before = counters()
    done = "20261201093000"  # Beijing time
    status, answer = gateway.post_reports(url, {ids["13900000101"]: "DELIVRD", ids["13900000102"]: "UNDELIV",
                                                "GW-NEVER-SENT": "DELIVRD"}, done=done)
    assert (status, answer) == (200, {"received": 3, "applied": 2, "repeated": 0, "unknown": 1})
    rows = {d.address: d for d in Delivery.objects.filter(warning=warning)}
    ok, lost, waiting = rows["13900000101"], rows["13900000102"], rows["13900000103"]
    when = datetime(2026, 12, 1, 9, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert (ok.state, ok.report_status, ok.delivered_at, ok.reported_at) == (Delivery.DELIVERED, "DELIVRD", when, when)
    assert (lost.state, lost.report_status, lost.error, lost.delivered_at) == (Delivery.FAILED, "UNDELIV", "用户关机",
                                                                               None)
    assert waiting.state == Delivery.SENT and waiting.report_status == ""
    # The same callback again (gateways resend when unsure): nothing changes, the repeats are counted.
    again = gateway.post_reports(url, {ids["13900000101"]: "UNDELIV", ids["13900000102"]: "DELIVRD",
                                       "GW-NEVER-SENT": "DELIVRD"})
    assert again == (200, {"received": 3, "applied": 0, "repeated": 2, "unknown": 1})
    assert Delivery.objects.get(pk=ok.pk).state == Delivery.DELIVERED
    assert Delivery.objects.get(pk=lost.pk).state == Delivery.FAILED
    forged = gateway.post_reports(url, {ids["13900000103"]: "DELIVRD"}, secret="not-the-secret")
    stale = gateway.post_reports(url, {ids["13900000103"]: "DELIVRD"}, stamp=int(timezone.now().timestamp()) - 3600)
    assert forged[0] == stale[0] == 403 and "签名" in forged[1]["detail"] and "相差超过" in stale[1]["detail"]
    assert Delivery.objects.get(pk=waiting.pk).state == Delivery.SENT
    after = counters()
    grown = {k: after.get(k, 0) - before.get(k, 0) for k in ("accepted", "refused", "applied", "repeated", "unknown")}
    assert grown == {"accepted": 2, "refused": 2, "applied": 2, "repeated": 2, "unknown": 2}
    client = Client()
    assert client.login(username="duty", password="Yingji@2026")
    page = client.get(warning.get_absolute_url()).content.decode()
    assert "已送达 1</b>" in page and "未送达 1</b>" in page and "已发出待回执 1" in page


def test_unsigned_callbacks_are_refused_while_no_secret_is_set(sent, live_server, settings):
    warning, gateway, ids = sent
    settings.YINGJI_WARNING_CHANNELS["sms"]["secret"] = ""
    before = counters().get("refused", 0)
    status, answer = gateway.post_reports(live_server.url + CALLBACK, {ids["13900000101"]: "DELIVRD"})
    assert status == 403 and "YINGJI_SMS_SECRET" in answer["detail"]
    assert counters()["refused"] == before + 1
    assert not Delivery.objects.filter(warning=warning, state=Delivery.DELIVERED).exists()


@pytest.mark.parametrize(("raw", "expected"), [
    ("20261201093000", datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))),
    ("1796088600", datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))),
    ("1796088600000", datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))),
    ("2026-12-01T09:30:00+08:00", datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))),
    ("2026-12-01 09:30:00", datetime(2026, 12, 1, 1, 30, tzinfo=ZoneInfo("UTC"))),
])
def test_report_times_the_gateways_use(raw, expected):
    assert report_time(raw) == expected.timestamp()


@pytest.mark.parametrize("raw", ["", None, "昨天", "2026-13-45", "12345"])
def test_unreadable_report_times_fall_back_to_arrival(raw):
    assert report_time(raw) is None
