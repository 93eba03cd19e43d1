"""POST /api/monitoring/readings/: gateway token authentication (none, a person's, wrong, replaced, inactive
gateway: 401/403 in Chinese in the API's error shape), per-item refusals (207), bad bodies (400/413/415)."""

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from yingji.core.models import User
from yingji.monitoring.models import Gateway, IngestRejection, Reading
from yingji.monitoring.services import gateways
from yingji.monitoring.services.ingest import to_ms

from .conftest import TIANCHI, make_gateway, make_sensor

URL = "/api/monitoring/readings/"


@pytest.fixture
def gateway(demo):
    return make_gateway()


@pytest.fixture
def token(gateway):
    return gateways.issue_token(User.objects.get(username="admin"), gateway)


@pytest.fixture
def sensor(gateway):
    return make_sensor(gateway=gateway)


def now_ms(seconds_ago=0):
    return to_ms(timezone.now() - timedelta(seconds=seconds_ago))


def post(body, token=None, scheme="Gateway", content_type="application/json", raw=False):
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {token}"} if token else {}
    data = body if raw else json.dumps(body)
    return Client().post(URL, data, content_type=content_type, **headers)


def error(answer) -> dict:
    body = answer.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["error"]["message"]), body
    return body["error"]


def test_a_gateway_posts_readings_of_its_sensors(token, sensor, gateway):
    items = [{"sensor": sensor.code, "id": "m1", "ts": now_ms(20), "value": 1.5},
             {"sensor": sensor.code, "id": "m2", "ts": timezone.localtime().isoformat(), "value": 2}]
    answer = post(items, token)
    assert answer.status_code == 200, answer.content
    assert answer.json() == {"accepted": 2, "duplicates": 0, "rejected": []}
    again = post(items, token)
    assert again.status_code == 200 and again.json() == {"accepted": 0, "duplicates": 2, "rejected": []}
    assert Reading.objects.filter(sensor=sensor).count() == 2
    gateway.refresh_from_db()
    assert gateway.accepted_count == 2 and gateway.last_seen_at is not None


def test_refused_items_are_named_in_a_207_and_the_rest_stored(token, sensor, gateway):
    theirs = make_sensor(region=TIANCHI, gateway=make_gateway(region=TIANCHI))
    answer = post([{"sensor": sensor.code, "id": "ok", "ts": now_ms(), "value": 1},
                   {"sensor": theirs.code, "id": "no", "ts": now_ms(), "value": 1},
                   {"sensor": sensor.code, "id": "nan", "ts": now_ms(), "value": "NaN"},
                   {"sensor": sensor.code, "id": "future", "ts": now_ms(-3600), "value": 1}], token)
    assert answer.status_code == 207, answer.content
    body = answer.json()
    assert body["accepted"] == 1 and [r["index"] for r in body["rejected"]] == [1, 2, 3]
    assert f"不属于网关“{gateway.code}”" in body["rejected"][0]["reason"]
    assert "数值 value 应为数字" in body["rejected"][1]["reason"]
    assert "超前" in body["rejected"][2]["reason"]
    assert IngestRejection.objects.filter(gateway=gateway, channel="http").count() == 3
    assert not Reading.objects.filter(sensor=theirs).exists()


@pytest.mark.parametrize(("scheme", "credential", "status", "words"), [
    (None, None, 401, "缺少网关令牌"),
    ("Gateway", "not-a-real-token", 401, "网关令牌无效"),
    ("Gateway", "two words", 401, "格式不正确"),
    ("Token", "PERSON", 401, "缺少网关令牌"),  # a person's API token is not a gateway's
    ("Bearer", "TOKEN", 401, "缺少网关令牌"),
])
def test_without_a_valid_gateway_token_nothing_is_taken(token, sensor, scheme, credential, status, words):
    if credential == "PERSON":
        answer = Client().post("/api/auth/token/", {"username": "admin", "password": _demo_password()})
        credential = answer.json()["token"]
    elif credential == "TOKEN":
        credential = token
    headers = {"HTTP_AUTHORIZATION": f"{scheme} {credential}"} if scheme else {}
    answer = Client().post(URL, json.dumps([{"sensor": sensor.code, "id": "1", "ts": now_ms(), "value": 1}]),
                           content_type="application/json", **headers)
    assert answer.status_code == status, answer.content
    assert words in error(answer)["message"]
    assert answer.headers["WWW-Authenticate"].startswith("Gateway")
    assert not Reading.objects.filter(sensor=sensor).exists()


def _demo_password():
    from yingji.core.demo import DEMO_PASSWORD

    return DEMO_PASSWORD


def test_a_replaced_token_and_an_inactive_gateway_are_refused(token, sensor, gateway):
    item = [{"sensor": sensor.code, "id": "1", "ts": now_ms(), "value": 1}]
    newer = gateways.issue_token(User.objects.get(username="admin"), gateway)
    answer = post(item, token)
    assert answer.status_code == 401 and "网关令牌无效" in error(answer)["message"]
    Gateway.objects.filter(pk=gateway.pk).update(is_active=False)
    answer = post(item, newer)
    assert answer.status_code == 403, answer.content
    assert error(answer)["message"] == "该网关已停用，不能上报读数。"
    assert not Reading.objects.filter(sensor=sensor).exists()


def test_a_logged_in_person_is_not_a_gateway(sensor, web):
    answer = web("admin").post(URL, json.dumps([{"sensor": sensor.code, "id": "1", "ts": now_ms(), "value": 1}]),
                               content_type="application/json")
    assert answer.status_code == 401 and "缺少网关令牌" in error(answer)["message"]


@pytest.mark.parametrize(("body", "status", "code", "words"), [
    ("[{\"sensor\": ", 400, "parse_error", ""),
    ("[{\"sensor\": \"X\", \"id\": \"1\", \"ts\": 1, \"value\": NaN}]", 400, "parse_error", ""),
    ("{\"sensor\": \"X\"}", 400, "invalid", "JSON 数组"),
    ("\"text\"", 400, "invalid", "JSON 数组"),
    ("[]", 400, "invalid", "读数数组为空"),
    ("TOO_MANY", 400, "invalid", "一次最多上报 5000 条"),
])
def test_a_body_that_is_not_an_array_of_readings_is_a_400(token, sensor, body, status, code, words):
    if body == "TOO_MANY":
        body = json.dumps([{"sensor": sensor.code, "id": str(i), "ts": 1, "value": 1} for i in range(5001)])
    answer = post(body, token, raw=True)
    assert answer.status_code == status, answer.content
    found = error(answer)
    assert found["code"] == code and words in found["message"]
    assert not Reading.objects.filter(sensor=sensor).exists() and not IngestRejection.objects.filter(
        sensor_code=sensor.code).exists()


def test_other_media_types_and_oversize_bodies_are_refused_unread(token, sensor):
    form = Client().post(URL, {"sensor": sensor.code}, HTTP_AUTHORIZATION=f"Gateway {token}")
    assert form.status_code == 415 and error(form)["code"] == "unsupported_media_type"
    huge = json.dumps([{"sensor": sensor.code, "id": f"{i:08d}", "ts": 1, "value": 1.0} for i in range(40_000)])
    assert len(huge) > 2_621_440
    answer = post(huge, token, raw=True)
    assert answer.status_code == 413 and error(answer)["code"] == "too_large"


def test_get_is_not_offered(token):
    answer = Client().get(URL, HTTP_AUTHORIZATION=f"Gateway {token}")
    assert answer.status_code == 405 and error(answer)["code"] == "method_not_allowed"


def test_a_reading_stamped_before_the_sensor_was_installed_is_refused_and_counted(token, sensor, gateway):
    """The issue's bad input over HTTP: a time before the sensor existed is named in the 207 and counted on the
    gateway; the reading stamped exactly at installation is taken."""
    # A whole millisecond: a wire timestamp has no finer part, so "at installation" must be one it can carry.
    sensor.installed_at = sensor.installed_at.replace(microsecond=sensor.installed_at.microsecond // 1000 * 1000)
    sensor.save(update_fields=["installed_at"])
    installed = to_ms(sensor.installed_at)
    answer = post([{"sensor": sensor.code, "id": "before", "ts": installed - 1, "value": 1},
                   {"sensor": sensor.code, "id": "at", "ts": installed, "value": 2}], token)
    assert answer.status_code == 207, answer.content
    body = answer.json()
    assert body["accepted"] == 1 and [r["index"] for r in body["rejected"]] == [0]
    assert "早于监测点安装时间" in body["rejected"][0]["reason"]
    assert list(Reading.objects.filter(sensor=sensor).values_list("message_id", "value")) == [("at", 2.0)]
    gateway.refresh_from_db()
    assert (gateway.accepted_count, gateway.rejected_count) == (1, 1)
    assert IngestRejection.objects.filter(gateway=gateway, channel="http", sensor_code=sensor.code,
                                          reason__contains="早于监测点安装时间").count() == 1
