"""The webhook register: subscribers with their own secret (shown once, masked after, never in the audit trail),
http(s) URLs only, event type / level / region filters; a published message reaches the matching active
subscribers' receivers signed with each one's secret, retried with backoff; every page and route is scoped (a
township user of the other township gets 404)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.core.models import AuditEntry, Region, User
from yingji.warnings.models import Delivery, Warning, WebhookSubscriber
from yingji.warnings.services import delivery, lifecycle, webhooks

from .stubs import WebhookReceiver

URL = "/api/warnings/webhooks/"


@pytest.fixture
def users(demo):
    return {u.username: u for u in User.objects.filter(username__in=["duty", "commander", "leader", "township2"])}


def subscribe(actor, region_code="512022", **data):
    values = {"region": Region.objects.get(code=region_code), "name": "测试订阅", "url": "https://example.cn/hook"}
    return webhooks.save_subscriber(actor, WebhookSubscriber(), {**values, **data})


def publish(users, codes, *, event_code="11B03", level=1):
    now = timezone.now()
    areas = [{"area_desc": "测试区域", "regions": list(Region.objects.filter(code__in=codes))}]
    warning = lifecycle.save_draft(users["duty"], Warning(), {
        "event_code": event_code, "level": level, "headline": "Webhook 测试预警", "description": "测试。",
        "instruction": "注意防范。", "onset": now, "expires": now + timedelta(hours=3), "channels": ["webhook"]}, areas)
    lifecycle.submit(users["duty"], warning)
    lifecycle.review(users["commander"], warning)
    return lifecycle.publish(users["leader"], warning)


def test_a_subscriber_gets_a_secret_that_the_audit_trail_never_holds(users):
    made = subscribe(users["duty"])
    assert len(made.secret) >= 40 and made.secret_hint == made.secret[-4:]
    entries = AuditEntry.objects.filter(model="warnings.webhooksubscriber", object_id=str(made.pk))
    assert entries.exists() and made.secret not in str(list(entries.values_list("changes", flat=True)))
    old = made.secret
    new = webhooks.renew_secret(users["duty"], made)
    made.refresh_from_db()
    assert new != old and made.secret == new and made.secret_hint == new[-4:]
    assert new not in str(list(entries.values_list("changes", flat=True)))


@pytest.mark.parametrize(("url", "reason"), [
    ("ftp://example.cn/hook", "不是 http:// 或 https:// 开头的网址"),
    ("javascript:alert(1)", "不是 http:// 或 https:// 开头的网址"),
    ("https:///nohost", "缺少主机名"),
    ("https://user:pw@example.cn/", "不要写用户名和密码"),
    ("", "请填写接收地址"),
])
def test_only_http_urls_with_a_chinese_reason(users, url, reason):
    with pytest.raises(ValidationError) as caught:
        subscribe(users["duty"], url=url)
    assert reason in " ".join(caught.value.message_dict["url"])
    assert not WebhookSubscriber.objects.filter(name="测试订阅").exists()


def test_bad_codes_levels_and_regions_are_named(users):
    with pytest.raises(ValidationError) as caught:
        subscribe(users["township2"], region_code="512022102", event_codes=["99X99"], levels=[5],
                  regions=[Region.objects.get(code="512022001")])
    errors = caught.value.message_dict
    assert "事件类型" in errors["event_codes"][0] and "99X99" in errors["event_codes"][0]
    assert "应为 1（红）" in errors["levels"][0] and "不在所属区划“回澜镇”范围内" in errors["regions"][0]


def test_published_message_reaches_matching_subscribers_signed_with_their_own_secret(users, settings):
    settings.YINGJI_WARNING_WEBHOOK_URLS = []
    WebhookSubscriber.objects.update(is_active=False)  # the demo's subscribers aside
    with WebhookReceiver("unused") as receiver:
        wanted = subscribe(users["duty"], name="全县", url=receiver.url + "/all")
        receiver.secret = wanted.secret
        rain_red = subscribe(users["duty"], name="暴雨红色", url=receiver.url + "/rain", event_codes=["11B00"],
                             levels=[1])
        heat = subscribe(users["duty"], name="只要高温", url=receiver.url + "/heat", event_codes=["11B09"])
        elsewhere = subscribe(users["duty"], name="只看天池", url=receiver.url + "/tianchi",
                              regions=[Region.objects.get(code="512022001")])
        township = subscribe(users["township2"], region_code="512022102", name="回澜镇", url=receiver.url + "/huilan")
        off = subscribe(users["duty"], name="已停用", url=receiver.url + "/off")
        webhooks.set_active(users["duty"], off, False)
        warning = publish(users, ["512022102"])  # 回澜镇, 暴雨 11B03, red
        chosen = set(Delivery.objects.filter(warning=warning).values_list("subscriber__name", flat=True))
        assert chosen == {"全县", "暴雨红色", "回澜镇"}
        assert heat.name not in chosen and elsewhere.name not in chosen and off.name not in chosen
        counts = delivery.send(warning.pk, sleep=lambda s: None)
    # The receiver holds only 全县's secret: the other two subscribers' signatures, made with their own secrets,
    # do not verify there (401, permanent), which shows each delivery is signed with its subscriber's secret.
    assert counts["webhook"] == {"sent": 1, "failed": 2}
    by_path = {r.path: r for r in receiver.requests}
    assert by_path["/all"].signature_ok and not by_path["/rain"].signature_ok and not by_path["/huilan"].signature_ok
    row = Delivery.objects.get(warning=warning, subscriber=wanted)
    assert row.state == Delivery.SENT and row.receipt == "rx-1" and row.attempts == 1
    assert Delivery.objects.get(warning=warning, subscriber=rain_red).error.endswith("（{\"error\": \"bad signature\"}）")
    assert township.deliveries.count() == 1
    # Its Cancel reaches whoever got the Alert, even a subscriber whose filters no longer match it.
    webhooks.save_subscriber(users["duty"], rain_red, {"levels": [4]})
    end = lifecycle.cancel(users["leader"], warning, "降雨减弱")
    assert set(Delivery.objects.filter(warning=end).values_list("subscriber__name", flat=True)) == {
        "全县", "暴雨红色", "回澜镇"}


def test_a_failing_receiver_is_retried_with_backoff(users, settings):
    settings.YINGJI_WARNING_WEBHOOK_URLS = []
    WebhookSubscriber.objects.update(is_active=False)
    pauses = []
    with WebhookReceiver("unused") as receiver:
        subscriber = subscribe(users["duty"], url=receiver.url + "/flaky")
        receiver.secret = subscriber.secret
        receiver.script(500, {"error": "busy"}, times=2)
        warning = publish(users, ["512022102"])
        delivery.send(warning.pk, sleep=pauses.append)
    row = Delivery.objects.get(warning=warning, subscriber=subscriber)
    assert row.state == Delivery.SENT and row.attempts == 3 and len(receiver.requests) == 3
    assert len(pauses) == 2 and pauses[1] > pauses[0] > 0  # backoff grows


def test_api_shows_the_secret_once_refuses_ftp_and_is_scoped(users, api):
    county = api("duty")
    made = county.post(URL, {"region": Region.objects.get(code="512022").pk, "name": "接口订阅",
                             "url": "https://api.example.cn/hook", "event_codes": ["11B03"], "levels": [1, 2]},
                       format="json")
    assert made.status_code == 201, made.content
    body = made.json()
    stored = WebhookSubscriber.objects.get(pk=body["id"])
    assert body["secret"] == stored.secret and body["secret_masked"].endswith(stored.secret[-4:])
    again = county.get(f"{URL}{body['id']}/").json()
    assert again["secret"] == "" and stored.secret not in str(again)
    refused = county.post(URL, {"region": Region.objects.get(code="512022").pk, "name": "坏地址",
                                "url": "ftp://api.example.cn/hook"}, format="json")
    assert refused.status_code == 400
    assert "不是 http:// 或 https:// 开头的网址" in str(refused.json()["error"]["fields"]["url"])
    renewed = county.post(f"{URL}{body['id']}/renew-secret/")
    assert renewed.status_code == 200 and renewed.json()["secret"] not in ("", body["secret"])
    assert county.patch(f"{URL}{body['id']}/", {"is_active": False}, format="json").json()["is_active"] is False
    assert county.delete(f"{URL}{body['id']}/").status_code == 405  # disabled, never deleted
    assert WebhookSubscriber.objects.filter(pk=body["id"]).exists()
    tianchi = WebhookSubscriber.objects.get(region__code="512022001", is_demo=True)
    other = api("township2")  # 回澜镇
    assert other.get(f"{URL}{tianchi.pk}/").status_code == 404
    assert other.patch(f"{URL}{tianchi.pk}/", {"is_active": False}, format="json").status_code == 404
    assert other.post(f"{URL}{tianchi.pk}/renew-secret/").status_code == 404
    assert tianchi.pk not in [s["id"] for s in other.get(URL, {"page_size": 100}).json()["results"]]
    assert other.get("/api/warnings/deliveries/", {"subscriber": tianchi.pk}).json()["count"] == 0


def test_pages_create_show_the_secret_once_and_are_scoped(users, web):
    county = web("duty")
    assert "资阳市应急指挥平台" in county.get("/warnings/webhooks/").content.decode()
    form = county.get("/warnings/webhooks/add/")
    assert form.status_code == 200
    bad = county.post("/warnings/webhooks/add/", {"region": Region.objects.get(code="512022").pk, "name": "页面订阅",
                                                  "url": "ftp://x.example.cn/", "is_active": "on"})
    assert bad.status_code == 200 and "不是 http:// 或 https:// 开头的网址" in bad.content.decode()
    made = county.post("/warnings/webhooks/add/", {"region": Region.objects.get(code="512022").pk, "name": "页面订阅",
                                                   "url": "https://x.example.cn/hook?token=abc", "event_codes": "11B03，11B09",
                                                   "levels": ["1", "2"], "is_active": "on"})
    subscriber = WebhookSubscriber.objects.get(name="页面订阅")
    assert made.status_code == 302 and subscriber.event_codes == ["11B03", "11B09"] and subscriber.levels == [1, 2]
    first = county.get(made["Location"]).content.decode()
    assert subscriber.secret in first and "只显示这一次" in first and "token=abc" not in first
    second = county.get(made["Location"]).content.decode()
    assert subscriber.secret not in second and subscriber.secret[-4:] in second
    county.post(f"/warnings/webhooks/{subscriber.pk}/action/", {"action": "disable"})
    subscriber.refresh_from_db()
    assert not subscriber.is_active
    other = web("township2")
    tianchi = WebhookSubscriber.objects.get(region__code="512022001", is_demo=True)
    assert "天池街道网格管理平台" not in other.get("/warnings/webhooks/").content.decode()
    for page in ("", "edit/"):
        assert other.get(f"/warnings/webhooks/{tianchi.pk}/{page}").status_code == 404
    assert other.post(f"/warnings/webhooks/{tianchi.pk}/action/", {"action": "renew"}).status_code == 404
    assert other.post(f"/warnings/webhooks/{tianchi.pk}/edit/", {"name": "改"}).status_code == 404
