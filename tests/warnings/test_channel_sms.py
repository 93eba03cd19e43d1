"""The SMS channel against a real HTTP gateway on localhost (stubs.SmsGatewayStub): the request it receives (GET
template and JSON body template), the signature, per-number receipts and refusals, retries (500 twice then 200),
a permanent 400, a 429 with Retry-After, an unreachable gateway, delivery reports, and a 5,000-number send in
batches of 500 (the figure is printed)."""

import time

import pytest

from yingji.warnings.channels import Address, SmsChannel, build, deliver

from .stubs import SmsGatewayStub, free_port, phones, sample_message

SECRET = "gw-secret-乐至"
JSON_BODY = {"mobiles": "{phones}", "content": "{text}", "sign": "乐至应急", "ref": "{identifier}"}


@pytest.fixture
def gateway():
    with SmsGatewayStub(secret=SECRET, refuse=("13900000013",)) as stub:
        yield stub


def json_channel(gateway, **extra) -> SmsChannel:
    return build("sms", {"url": gateway.url + "/sms", "body": JSON_BODY, "batch_size": 100, "secret": SECRET,
                         "ok_path": "code", "receipts_path": "data.results", "report_list_path": "reports", **extra})


def to(numbers) -> list[Address]:
    return [Address(i + 1, n, f"居民{i + 1}") for i, n in enumerate(numbers)]


def test_json_post_batched_signed_with_a_receipt_per_number(gateway):
    message = sample_message()
    numbers = [*phones(3), "1234", "+86 139-0000-0013", "13900000001"]  # a bad one, a refused one, a duplicate
    out = deliver(json_channel(gateway, batch_size=2), message, to(numbers), sleep=pytest.fail)
    assert len(gateway.requests) == 2  # 4 distinct valid numbers, 2 per request; the duplicate sent once
    assert all(r.signature_ok for r in gateway.requests)
    assert gateway.requests[0].phones == ["13900000000", "13900000001"]
    assert [p for p, text, _ in gateway.sent] == ["13900000000", "13900000001", "13900000002"]
    assert {text for _, text, _ in gateway.sent} == {message.sms_text}
    by_phone = {p: m for p, _, m in gateway.sent}
    assert [o.receipt for o in out[:3]] == [by_phone[n] for n in numbers[:3]]
    assert out[5].ok and out[5].receipt == out[1].receipt  # the same number twice: one SMS, both rows delivered
    assert not out[3].ok and not out[3].retryable and out[3].error.startswith("手机号“1234”格式不正确")
    assert not out[4].ok and not out[4].retryable and out[4].error == "手机号 +86 139-0000-0013：短信网关拒绝这个号码（空号）"
    assert [o.attempts for o in out] == [1] * 6


def test_get_template_urlencodes_the_text_and_joins_the_batch(gateway):
    channel = build("sms", {"url": gateway.url + "/send?phone={phone}&text={text}&id={identifier}", "batch_size": 10,
                            "secret": SECRET, "receipts_path": "data.results"})
    message = sample_message()
    out = channel.send(message, to(phones(3)))
    request = gateway.requests[0]
    assert request.method == "GET" and request.signature_ok
    assert request.query["phone"] == [",".join(phones(3))]
    assert request.query["text"] == [message.sms_text]  # 【】，：and line-free Chinese survive the encoding
    assert request.query["id"] == [message.identifier]
    assert all(o.ok and o.receipt.startswith("GW") for o in out)


def test_a_wrong_secret_is_refused_by_the_gateway_and_is_permanent(gateway):
    out = deliver(json_channel(gateway, secret="wrong"), sample_message(), to(phones(2)), sleep=pytest.fail)
    assert gateway.requests[0].signature_ok is False
    assert all(not o.ok and not o.retryable for o in out)
    assert out[0].error == "手机号 13900000000：短信网关返回 HTTP 401（{\"code\": 401, \"msg\": \"签名错误\"}）"


def test_500_twice_then_200_is_delivered_on_the_third_attempt(gateway):
    gateway.script(500, b"internal error", times=2)
    pauses = []
    out = deliver(json_channel(gateway), sample_message(), to(phones(3)), sleep=pauses.append, jitter=lambda: 0.0)
    assert [r.status for r in gateway.requests] == [500, 500, 200]
    assert all(r.signature_ok for r in gateway.requests)  # each attempt signed afresh
    assert all(o.ok and o.attempts == 3 for o in out) and len(gateway.sent) == 3
    assert pauses == [0.5, 2.0]  # (1, 4) s, jitter at its bottom


def test_500_three_times_stays_failed_and_retryable(gateway):
    gateway.script(500, b"internal error", times=3)
    out = deliver(json_channel(gateway), sample_message(), to(phones(2)), sleep=lambda s: None)
    assert len(gateway.requests) == 3
    assert all(not o.ok and o.retryable and o.attempts == 3 for o in out)
    assert out[1].error == "手机号 13900000001：短信网关返回 HTTP 500（internal error）"


def test_400_is_permanent_and_not_retried(gateway):
    gateway.script(400, {"code": 400, "msg": "参数错误"})
    out = deliver(json_channel(gateway), sample_message(), to(phones(2)), sleep=pytest.fail)
    assert len(gateway.requests) == 1
    assert all(not o.ok and not o.retryable and "HTTP 400" in o.error for o in out)


def test_429_with_retry_after_waits_that_long(gateway):
    gateway.script(429, {"code": 429, "msg": "超过频率限制"}, headers={"Retry-After": "7"})
    pauses = []
    out = deliver(json_channel(gateway), sample_message(), to(phones(2)), sleep=pauses.append, jitter=lambda: 0.0)
    assert pauses == [7.0]
    assert [r.status for r in gateway.requests] == [429, 200]
    assert all(o.ok and o.attempts == 2 for o in out)


def test_a_200_with_an_error_code_is_a_refusal(gateway):
    gateway.script(200, {"code": 1001, "msg": "余额不足"})
    out = deliver(json_channel(gateway), sample_message(), to(phones(1)), sleep=pytest.fail)
    assert not out[0].ok and out[0].error == "手机号 13900000000：短信网关拒绝发送（code=1001：余额不足）"


def test_a_text_over_the_limit_is_not_sent(gateway):
    message = sample_message(sms_text="预" * 71)
    out = json_channel(gateway, max_length=70).send(message, to(phones(1)))
    assert not gateway.requests
    assert out[0].error == "手机号 13900000000：短信内容 71 字，超过短信网关上限 70 字" and not out[0].retryable


def test_an_unreachable_gateway_is_retryable():
    port = free_port()
    channel = build("sms", {"url": f"http://127.0.0.1:{port}/send?phone={{phone}}&text={{text}}", "timeout_s": 2})
    out = deliver(channel, sample_message(), to(phones(2)), attempts=2, sleep=lambda s: None)
    assert all(not o.ok and o.retryable and o.attempts == 2 for o in out)
    assert out[0].error == f"手机号 13900000000：短信网关 127.0.0.1:{port} 无法连接（Connection refused）"


def test_a_slow_gateway_times_out_retryably():
    with SmsGatewayStub(latency_s=1.5) as slow:
        channel = build("sms", {"url": slow.url + "/send?phone={phone}&text={text}", "timeout_s": 0.3})
        out = channel.send(sample_message(), to(phones(1)))
    assert not out[0].ok and out[0].retryable and out[0].error.endswith("在 0.3 秒内未响应")


def test_delivery_reports_map_to_deliveries(gateway):
    channel = json_channel(gateway)
    out = channel.send(sample_message(), to(phones(3)))
    receipts = {o.receipt: o.delivery_id for o in out}
    body, headers = gateway.report({out[0].receipt: "DELIVRD", out[1].receipt: "UNDELIV", "GW99999999": "DELIVRD"})
    asked = []

    def lookup(ids):
        asked.append(ids)
        return {r: receipts[r] for r in ids if r in receipts}

    reports = channel.read_reports(body, headers, lookup)
    assert len(asked) == 1  # one question for the whole callback
    assert [(r.delivery_id, r.state) for r in reports] == [(1, "delivered"), (2, "failed"), (None, "delivered")]
    assert reports[1].phone == "13900000001" and reports[1].detail == "用户关机"
    forged, forged_headers = gateway.report({out[2].receipt: "DELIVRD"}, secret="forged")
    with pytest.raises(ValueError, match="签名 X-Signature 不正确"):
        channel.read_reports(forged, forged_headers, receipts)
    old, old_headers = gateway.report({out[2].receipt: "DELIVRD"}, stamp=int(time.time()) - 3600)
    with pytest.raises(ValueError, match="相差超过 600 秒"):
        channel.read_reports(old, old_headers, receipts)


def test_five_thousand_numbers_in_batches_of_500():
    """The issue's send to 100,000 recipients, at 1/20 scale: what the adapter costs per number."""
    with SmsGatewayStub(secret=SECRET) as stub:
        channel = json_channel(stub, batch_size=500)
        numbers = phones(5000)
        started = time.perf_counter()
        out = deliver(channel, sample_message(), to(numbers), sleep=pytest.fail)
        elapsed = time.perf_counter() - started
    assert len(stub.requests) == 10 and all(len(r.phones) == 500 and r.signature_ok for r in stub.requests)
    assert all(o.ok for o in out) and len({o.receipt for o in out}) == 5000
    assert [p for p, _, _ in stub.sent] == numbers
    print(f"\nSMS: 5,000 numbers in 10 requests of 500 in {elapsed * 1000:.0f} ms "
          f"({elapsed / 5000 * 1e6:.0f} µs per number, stub included)")
    assert elapsed < 10


def test_concurrent_requests_overlap_the_gateway_latency():
    """A gateway taking 0.2 s a request: 8 batches one after another take 1.6 s; 4 at a time about 0.4 s.
    What is asserted is the overlap the gateway saw (4 requests held at once, never 5), not the wall clock,
    which a loaded CI machine stretches."""
    with SmsGatewayStub(secret=SECRET, latency_s=0.2) as slow:
        channel = json_channel(slow, batch_size=50, concurrency=4)
        numbers = phones(400)
        started = time.perf_counter()
        out = channel.send(sample_message(), to(numbers))
        elapsed = time.perf_counter() - started
    assert len(slow.requests) == 8 and all(r.signature_ok for r in slow.requests)
    assert all(o.ok for o in out) and sorted(p for p, _, _ in slow.sent) == numbers
    assert [o.receipt for o in out] == [dict((p, m) for p, _, m in slow.sent)[n] for n in numbers]
    assert slow.most_in_flight == 4, slow.most_in_flight
    print(f"\nSMS: 8 requests of 0.2 s, 4 at a time, in {elapsed:.2f} s")


def test_form_body_and_the_other_receipt_shapes(gateway):
    """Gateways differ: a form POST; one id for the whole batch; per-number ids listed in order without the number."""
    form = build("sms", {"url": gateway.url + "/form", "body": {"mobile": "{phone}", "msg": "{text}"},
                         "body_format": "form", "batch_size": 10, "receipts_path": "taskId"})
    gateway.script(200, {"taskId": 8812})
    out = form.send(sample_message(), to(phones(2)))
    assert [o.receipt for o in out] == ["8812", "8812"]
    request = gateway.requests[-1]
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert request.body.startswith(b"mobile=13900000000%2C13900000001&msg=%E3%80%90")
    ordered = build("sms", {"url": gateway.url + "/sms", "body": JSON_BODY, "batch_size": 10, "receipts_path": "ids"})
    gateway.script(200, {"ids": [{"msgid": "a"}, {"msgid": "b"}]})
    assert [o.receipt for o in ordered.send(sample_message(), to(phones(2)))] == ["a", "b"]
    gateway.script(200, {"ids": [{"phone": "13900000001", "msgid": "only-b"}]})
    missing = ordered.send(sample_message(), to(phones(2)))
    assert missing[1].receipt == "only-b"
    assert not missing[0].ok and missing[0].retryable and missing[0].error.endswith("应答中没有这个号码的回执")
    gateway.script(200, b"<html>ok</html>")
    assert "应答不是 JSON" in ordered.send(sample_message(), to(phones(1)))[0].error
