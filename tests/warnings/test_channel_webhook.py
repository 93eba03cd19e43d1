"""The webhook channel against a real HTTP receiver on localhost (stubs.WebhookReceiver, which checks the HMAC
itself): the signed JSON with the CAP XML as a string, a per-URL secret, 5xx retried, 4xx permanent, 503 with
Retry-After, redirects not followed, and the receiver-side verify() refusing a tampered or stale body."""

import json
import time

import pytest

from yingji.warnings.channels import Address, build, deliver
from yingji.warnings.channels.webhook import verify

from .stubs import WebhookReceiver, free_port, sample_message

SECRET = "webhook-共享密钥"


@pytest.fixture
def receiver():
    with WebhookReceiver(SECRET) as server:
        yield server


def test_signed_json_with_the_cap_xml(receiver):
    message = sample_message()
    out = deliver(build("webhook", {"secret": SECRET}), message, [Address(7, receiver.url + "/hooks/yujing", "市平台")],
                  sleep=pytest.fail)
    [request] = receiver.requests
    assert request.signature_ok and request.path == "/hooks/yujing"
    assert out[0].ok and out[0].receipt == "rx-1"
    data = json.loads(request.body)
    assert data["cap_xml"] == message.cap_xml.decode()
    assert {k: data[k] for k in message.public_fields()} == message.public_fields()
    assert data["delivery"] == 7 and str(data["timestamp"]) == request.headers["x-yingji-timestamp"]
    assert request.headers["x-yingji-delivery"] == "7"
    assert verify(SECRET, request.body, request.headers)["identifier"] == message.identifier


def test_verify_refuses_a_tampered_or_stale_body(receiver):
    build("webhook", {"secret": SECRET}).send(sample_message(), [Address(1, receiver.url)])
    request = receiver.requests[0]
    with pytest.raises(ValueError, match="签名不正确"):
        verify(SECRET, request.body.replace(b"\\u6a59", b"\\u7ea2").replace("橙色".encode(), "红色".encode()),
               request.headers)
    with pytest.raises(ValueError, match="签名不正确"):
        verify("another secret", request.body, request.headers)
    with pytest.raises(ValueError, match="相差超过 300 秒"):
        verify(SECRET, request.body, request.headers, now=time.time() + 3600)


def test_a_wrong_secret_is_refused_by_the_receiver_and_is_permanent(receiver):
    out = deliver(build("webhook", {"secret": "wrong"}), sample_message(), [Address(1, receiver.url)], sleep=pytest.fail)
    assert receiver.requests[0].signature_ok is False
    assert not out[0].ok and not out[0].retryable
    assert out[0].error == f"接收地址 {receiver.url}：接收系统返回 HTTP 401（{{\"error\": \"bad signature\"}}）"


def test_per_url_secret(receiver):
    other = receiver.url + "/other"
    channel = build("webhook", {"secret": "default-secret", "secrets": {other: SECRET}})
    out = channel.send(sample_message(), [Address(1, other), Address(2, receiver.url + "/x")])
    assert [o.ok for o in out] == [True, False]


def test_5xx_is_retried_4xx_is_not(receiver):
    receiver.script(502, b"bad gateway", times=2)
    pauses = []
    out = deliver(build("webhook", {"secret": SECRET}), sample_message(), [Address(1, receiver.url)],
                  sleep=pauses.append, jitter=lambda: 0.0)
    assert [r.status for r in receiver.requests] == [502, 502, 200] and out[0].ok and out[0].attempts == 3
    assert all(r.signature_ok for r in receiver.requests)
    receiver.script(404, b"no such hook")
    out = deliver(build("webhook", {"secret": SECRET}), sample_message(), [Address(2, receiver.url)], sleep=pytest.fail)
    assert not out[0].ok and not out[0].retryable and "HTTP 404（no such hook）" in out[0].error


def test_503_with_retry_after(receiver):
    receiver.script(503, b"maintenance", headers={"Retry-After": "12"})
    pauses = []
    out = deliver(build("webhook", {"secret": SECRET}), sample_message(), [Address(1, receiver.url)],
                  sleep=pauses.append, jitter=lambda: 0.0)
    assert pauses == [12.0] and out[0].ok and out[0].attempts == 2


def test_redirects_are_not_followed(receiver):
    receiver.script(301, b"", headers={"Location": "http://example.com/"})
    out = deliver(build("webhook", {"secret": SECRET}), sample_message(), [Address(1, receiver.url)], sleep=pytest.fail)
    assert not out[0].ok and not out[0].retryable and out[0].error.endswith("HTTP 301，不跟随重定向")
    assert len(receiver.requests) == 1


def test_unreachable_bad_url_and_unsigned():
    port = free_port()
    channel = build("webhook", {"secret": SECRET, "timeout_s": 2})
    out = deliver(channel, sample_message(), [Address(1, f"http://127.0.0.1:{port}/h"), Address(2, "ftp://x/")],
                  attempts=2, sleep=lambda s: None)
    assert out[0].retryable and out[0].attempts == 2
    assert out[0].error == f"接收地址 http://127.0.0.1:{port}/h：接收系统 127.0.0.1:{port} 无法连接（Connection refused）"
    assert out[1].error == "接收地址“ftp://x/”不是 http(s) 地址" and not out[1].retryable
    assert not build("webhook", {}).configured()
    token = deliver(channel, sample_message(), [Address(3, f"http://127.0.0.1:{port}/robot/send?access_token=s3cr3t")],
                    attempts=1)
    assert "s3cr3t" not in token[0].error and f"http://127.0.0.1:{port}/robot/send?…：" in token[0].error
