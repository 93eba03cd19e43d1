"""A published warning reaches the SMS gateway stub, the SMTP sink and simulated loudspeaker terminals on the local
Mosquitto through the real channels; its Cancel tells the loudspeakers to stop. Unconfigured channels fail their
rows with the reason."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.core.models import Region, User
from yingji.warnings.models import Delivery, LoudspeakerTerminal, Recipient, Warning
from yingji.warnings.services import delivery, lifecycle
from yingji.warnings.services import recipients as register

from .stubs import SmsGatewayStub, SmtpSink, require_broker, unique


@pytest.fixture
def users(demo):
    return {u.username: u for u in User.objects.filter(username__in=["duty", "commander", "leader"])}


def _publish(users, codes, channels):
    now = timezone.now()
    areas = [{"area_desc": "测试区域", "regions": list(Region.objects.filter(code__in=codes))}]
    warning = lifecycle.save_draft(users["duty"], Warning(), {
        "event_code": "11B03", "level": 1, "headline": "暴雨红色预警（送达测试）", "description": "强降雨。",
        "instruction": "停止户外活动。", "onset": now, "expires": now + timedelta(hours=3), "channels": channels}, areas)
    lifecycle.submit(users["duty"], warning)
    lifecycle.review(users["commander"], warning)
    return lifecycle.publish(users["leader"], warning)


def _village(township_code):
    return Region.objects.filter(parent__code=township_code, level="village").order_by("code").first()


def test_sms_and_email_reach_the_stubs(users, settings):
    village = _village("512022103")
    Recipient.objects.filter(region__path__startswith=village.parent.path).update(is_active=False)  # demo's aside
    register.save_recipient(None, Recipient(), {"region": village, "name": "测试甲", "phone": "13900000001",
                                                "email": "jia@example.cn"})
    register.save_recipient(None, Recipient(), {"region": village, "name": "测试乙", "phone": "13900000013"})
    with SmsGatewayStub(refuse=("13900000013",)) as gateway, SmtpSink() as sink:
        settings.YINGJI_WARNING_CHANNELS = {
            "sms": {"url": gateway.url + "/send?phone={phone}&text={text}", "batch_size": 50,
                    "ok_path": "code", "receipts_path": "data.results"},
            "email": {"host": "127.0.0.1", "port": sink.port, "security": "none", "from_addr": "yj@example.cn"}}
        warning = _publish(users, ["512022103"], ["sms", "email"])
        assert Delivery.objects.filter(warning=warning, state=Delivery.QUEUED).count() == 3
        counts = delivery.send(warning.pk, sleep=lambda s: None)
    assert counts["sms"] == {"sent": 1, "failed": 1} and counts["email"] == {"sent": 1}
    [(phone, text, msgid)] = gateway.sent
    assert phone == "13900000001" and "暴雨红色预警（送达测试）" in text
    assert Delivery.objects.get(warning=warning, address="13900000001").receipt == msgid
    refused = Delivery.objects.get(warning=warning, address="13900000013")
    assert refused.state == Delivery.FAILED and "空号" in refused.error
    [(to, message)] = sink.messages
    assert "jia@example.cn" in to and "暴雨红色预警" in str(message["Subject"])
    assert warning.events.filter(action="delivered").exists()


def test_unconfigured_channel_fails_with_the_reason(users, settings, monkeypatch):
    settings.YINGJI_WARNING_CHANNELS = {}
    monkeypatch.delenv("YINGJI_SMS_URL", raising=False)
    warning = _publish(users, ["512022113"], ["sms"])
    delivery.send(warning.pk, sleep=lambda s: None)
    rows = Delivery.objects.filter(warning=warning)
    assert rows.exists() and set(rows.values_list("state", flat=True)) == {Delivery.FAILED}
    assert "未配置" in rows.first().error


def test_loudspeakers_play_and_stop_on_cancel(users, settings):
    host, port = require_broker()
    from yingji.warnings.channels.terminals import SimulatedTerminal

    prefix = unique("yingji-w4")
    village = _village("512022117")
    codes = list(LoudspeakerTerminal.objects.filter(region__parent__code="512022117").values_list("code", flat=True))
    assert codes, "the demo has a terminal per village"
    settings.YINGJI_WARNING_CHANNELS = {"loudspeaker": {"host": host, "port": port, "prefix": prefix,
                                                        "ack_timeout_s": 5}}
    terminals = [SimulatedTerminal(code, host, port, prefix).start() for code in codes]
    try:
        warning = _publish(users, ["512022117"], ["loudspeaker"])
        counts = delivery.send(warning.pk, sleep=lambda s: None)
        assert counts["loudspeaker"] == {"sent": len(codes)}
        assert all(t.now_playing == warning.identifier for t in terminals)
        end = lifecycle.cancel(users["leader"], warning, "降雨结束")
        delivery.send(end.pk, sleep=lambda s: None)
        assert all(t.now_playing is None for t in terminals)
        assert all(t.received[-1]["cancel"] and t.received[-1]["msg_type"] == "Cancel" for t in terminals)
    finally:
        for terminal in terminals:
            terminal.stop()
    assert village is not None
    assert LoudspeakerTerminal.objects.filter(code__in=codes, last_ack_at__isnull=False).count() == len(codes)


def test_the_gateway_reports_back_over_http_signed(users, settings):
    """/public/warnings/sms-reports/: a signed callback marks the sent SMS delivered or failed; an unsigned or
    forged one, or any while no secret is configured, changes nothing."""
    from django.test import Client

    village = _village("512022103")
    Recipient.objects.filter(region__path__startswith=village.parent.path).update(is_active=False)
    for name, phone in (("测试甲", "13900000001"), ("测试乙", "13900000002")):
        register.save_recipient(None, Recipient(), {"region": village, "name": name, "phone": phone})
    url, client = "/public/warnings/sms-reports/", Client()
    with SmsGatewayStub() as gateway:
        settings.YINGJI_WARNING_CHANNELS = {"sms": {"url": gateway.url + "/send?phone={phone}&text={text}",
                                                    "ok_path": "code", "receipts_path": "data.results",
                                                    "report_list_path": "reports"}}
        warning = _publish(users, ["512022103"], ["sms"])
        delivery.send(warning.pk, sleep=lambda s: None)
        sent = {phone: msgid for phone, _, msgid in gateway.sent}
        body, headers = gateway.report({sent["13900000001"]: "DELIVRD", sent["13900000002"]: "UNDELIV",
                                        "GW-UNKNOWN": "DELIVRD"}, secret="s3cret")
        signed = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
        refused = client.post(url, body, content_type="application/json", **signed)  # no secret configured yet
        assert refused.status_code == 403 and "YINGJI_SMS_SECRET" in refused.json()["detail"]
        settings.YINGJI_WARNING_CHANNELS["sms"]["secret"] = "s3cret"
        forged = {**signed, "HTTP_X_SIGNATURE": "0" * 64}
        assert client.post(url, body, content_type="application/json", **forged).status_code == 403
        assert not Delivery.objects.filter(warning=warning, state=Delivery.DELIVERED).exists()
        answer = client.post(url, body, content_type="application/json", **signed)
    assert answer.status_code == 200 and answer.json() == {"received": 3, "applied": 2, "repeated": 0, "unknown": 1}
    states = dict(Delivery.objects.filter(warning=warning).values_list("address", "state"))
    assert states == {"13900000001": Delivery.DELIVERED, "13900000002": Delivery.FAILED}
    assert Delivery.objects.get(warning=warning, address="13900000002").error == "用户关机"
    assert client.get(url).status_code == 405


def test_a_gateway_that_is_down_is_tried_again_later_not_failed_at_once(users, settings):
    """After deliver()'s own three tries, a retryable failure (connection refused) is queued again for
    RETRY_LATER_S later; a send before then leaves it alone; one after it sends it, the attempts adding up. A
    retry that would fall after the warning's expiry fails for good."""
    import socket

    village = _village("512022103")
    Recipient.objects.filter(region__path__startswith=village.parent.path).update(is_active=False)
    register.save_recipient(None, Recipient(), {"region": village, "name": "测试甲", "phone": "13900000001"})
    with socket.socket() as probe:  # a port nothing listens on: the gateway is down
        probe.bind(("127.0.0.1", 0))
        down = probe.getsockname()[1]
    settings.YINGJI_WARNING_CHANNELS = {"sms": {"url": f"http://127.0.0.1:{down}/send?phone={{phone}}&text={{text}}",
                                                "ok_path": "code", "receipts_path": "data.results"}}
    warning = _publish(users, ["512022103"], ["sms"])
    before = timezone.now()
    delivery.send(warning.pk, sleep=lambda s: None)
    row = Delivery.objects.get(warning=warning)
    assert row.state == Delivery.QUEUED and row.attempts == 3 and "重试" in row.error
    assert row.retry_at >= before + timedelta(seconds=delivery.RETRY_LATER_S)
    assert delivery.send(warning.pk, sleep=lambda s: None)["sms"] == {Delivery.QUEUED: 1}  # not due yet
    assert Delivery.objects.get(pk=row.pk).attempts == 3
    with SmsGatewayStub() as gateway:
        settings.YINGJI_WARNING_CHANNELS["sms"]["url"] = gateway.url + "/send?phone={phone}&text={text}"
        Delivery.objects.filter(pk=row.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
        assert delivery.send(warning.pk, sleep=lambda s: None)["sms"] == {Delivery.SENT: 1}
    row.refresh_from_db()
    assert row.attempts == 4 and row.retry_at is None and row.error == "" and len(gateway.sent) == 1
    # The same outage an hour before expiry: the retry would come after it, so the delivery fails now.
    settings.YINGJI_WARNING_CHANNELS["sms"]["url"] = f"http://127.0.0.1:{down}/send?phone={{phone}}&text={{text}}"
    late = _publish(users, ["512022103"], ["sms"])
    Warning.objects.filter(pk=late.pk).update(expires=timezone.now() + timedelta(seconds=60))
    delivery.send(late.pk, sleep=lambda s: None)
    assert Delivery.objects.get(warning=late).state == Delivery.FAILED
