"""SMS through an HTTP gateway (短信网关): the vendors differ, so the request and the answer are described by
settings instead of code.

- The request: `url` is a template, e.g. "http://host/send?phone={phone}&text={text}" (GET, the values are
  URL-encoded), or a fixed URL with a `body` template, a JSON object whose string values are templates too, e.g.
  {"mobiles": "{phones}", "content": "{text}", "sign": "乐至应急"} (POST as JSON, or as a form with
  body_format="form"). Placeholders: {phone} (the batch's numbers joined by phone_separator), {phones} (as a JSON
  list when it is a whole value), {text}, {identifier}, {timestamp}.
- Batches: up to batch_size numbers per request (1 when the gateway takes one number); one keep-alive connection
  for the send. A number appears once per send even when several deliveries share it.
- Signing (when `secret` is set): HMAC-SHA256 hex over the timestamp (Unix seconds) followed by the body (the query
  string for GET) in signature_header, the timestamp in timestamp_header (names configurable).
- The answer: HTTP 2xx, and, when ok_path is set, the value there among ok_values (many gateways answer 200 with
  {"code": 1001, "msg": "余额不足"}). Receipts: at receipts_path, a list of per-number objects (matched by
  receipt_phone_key, else by order) with the message id at receipt_id_key and a per-number refusal at
  receipt_error_key — or one value: the batch's id for all its numbers.
- Delivery reports the gateway POSTs back later: `read_reports(body, headers, lookup)` checks their signature and
  maps each to (delivery_id, "delivered" | "failed") with the gateway's status code and, when report_time_key
  is set, the outcome's time.

Mainland mobile numbers only: 1[3-9] and nine digits, after removing spaces, dashes and a +86 / 0086 prefix."""

import hmac
import json
import re
import string
import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

from .base import Address, Channel, Message, Outcome, failure, http_retryable, success
from .transport import Connections, Response, sign

PHONE = re.compile(r"1[3-9]\d{9}")
PLACEHOLDERS = {"phone", "phones", "text", "identifier", "timestamp"}
SERVICE = "短信网关"


def normalise_phone(raw: str) -> str | None:
    """The 11-digit mainland mobile number in `raw`, or None when it is not one."""
    if isinstance(raw, str) and PHONE.fullmatch(raw):  # the usual case, stored clean: no rewriting (100,000 of them per send)
        return raw
    digits = re.sub(r"[\s\-()]", "", str(raw or ""))
    for prefix in ("+86", "0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            digits = digits[len(prefix):]
            break
    return digits if PHONE.fullmatch(digits) else None


@dataclass
class SmsConfig:
    url: str = ""
    method: str = ""  # GET / POST; by default POST when there is a body template, else GET
    body: dict | str | None = None  # a JSON object (or its text) whose string values are templates
    body_format: str = "json"  # json | form
    batch_size: int = 1
    concurrency: int = 1  # requests in flight at once (each on its own keep-alive connection)
    phone_separator: str = ","
    headers: dict = field(default_factory=dict)
    secret: str = ""
    signature_header: str = "X-Signature"
    timestamp_header: str = "X-Timestamp"
    signature_prefix: str = ""  # e.g. "sha256="
    timeout_s: float = 10.0
    verify_tls: bool = True
    max_length: int = 500  # characters of sms_text the gateway takes (long SMS are split by the carrier)
    ok_path: str = ""  # e.g. "code"
    ok_values: tuple = (0, "0", "OK", "ok", True)
    error_path: str = "msg"
    receipts_path: str = ""  # e.g. "data.results"; "" = no receipts in the answer
    receipt_id_key: str = "msgid"
    receipt_phone_key: str = "phone"
    receipt_error_key: str = "error"
    report_list_path: str = ""  # where the list of reports is in a report callback ("" = the body itself)
    report_id_key: str = "msgid"
    report_status_key: str = "status"
    report_phone_key: str = "phone"
    report_detail_key: str = "desc"
    report_time_key: str = ""  # where the report carries its outcome time ("" = none: the time it arrives)
    report_delivered: tuple = ("DELIVRD", "DELIVERED", "delivered", "success", "0", 0)
    report_max_age_s: float = 600.0

    def __post_init__(self):
        if isinstance(self.body, str) and self.body.strip():
            try:
                self.body = json.loads(self.body)
            except ValueError as exc:
                raise ValueError(f"短信通道配置项 body 不是有效的 JSON（{exc}）。") from exc
        self.method = (self.method or ("POST" if self.body else "GET")).upper()
        if self.method not in ("GET", "POST"):
            raise ValueError(f"短信通道配置项 method“{self.method}”不正确：应为 GET 或 POST。")
        if self.body_format not in ("json", "form"):
            raise ValueError(f"短信通道配置项 body_format“{self.body_format}”不正确：应为 json 或 form。")
        if int(self.batch_size) < 1:
            raise ValueError(f"短信通道配置项 batch_size“{self.batch_size}”不正确：应至少为 1。")
        self.batch_size = int(self.batch_size)
        if int(self.concurrency) < 1:
            raise ValueError(f"短信通道配置项 concurrency“{self.concurrency}”不正确：应至少为 1。")
        self.concurrency = int(self.concurrency)
        self.ok_values = tuple(self.ok_values)
        self.report_delivered = tuple(self.report_delivered)
        for template in [self.url, *_strings(self.body)]:
            for _, name, _, _ in string.Formatter().parse(template):
                if name is not None and name not in PLACEHOLDERS:
                    raise ValueError(f"短信通道模板中的占位符“{{{name}}}”未知：可用 {{phone}} {{phones}} {{text}} "
                                     "{identifier} {timestamp}。")


@dataclass(frozen=True)
class DeliveryReport:
    delivery_id: int | None  # None: a receipt we do not know (an old send, another system's)
    receipt: str
    state: str  # delivered | failed
    phone: str = ""
    detail: str = ""
    status: str = ""  # the gateway's own status code, as sent (DELIVRD, UNDELIV, 0 …)
    at: float | None = None  # the outcome's time (Unix seconds) when the report gives a readable one


def report_time(value) -> float | None:
    """A report's time as Unix seconds: Unix seconds (10 digits) or milliseconds (13), "YYYYMMDDhhmmss"
    (Beijing time), or ISO 8601 (without an offset: Beijing time); None when unreadable (the arrival time is
    used then)."""
    from datetime import datetime, timedelta, timezone

    beijing = timezone(timedelta(hours=8))
    text = str(value or "").strip()
    try:
        if text.isdigit() and len(text) in (10, 13):
            return int(text) / (1000 if len(text) == 13 else 1)
        if text.isdigit() and len(text) == 14:
            return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=beijing).timestamp()
        if text:
            when = datetime.fromisoformat(text.replace("Z", "+00:00"))
            return (when if when.tzinfo else when.replace(tzinfo=beijing)).timestamp()
    except ValueError:
        return None
    return None


class SmsChannel(Channel):
    name = "sms"
    label = "短信"
    Config = SmsConfig

    def configured(self) -> bool:
        return bool(self.config.url)

    # --- sending ----------------------------------------------------------------------------------------------

    def send(self, message: Message, addresses: list[Address]) -> list[Outcome]:
        c = self.config
        outcomes: dict[int, Outcome] = {}
        by_phone: dict[str, list[int]] = {}
        for index, address in enumerate(addresses):
            phone = normalise_phone(address.address)
            if phone is None:
                outcomes[index] = failure(address, f"手机号“{address.address}”格式不正确（应为 11 位大陆手机号，"
                                                   "以 13–19 开头）", retryable=False)
            else:
                by_phone.setdefault(phone, []).append(index)
        if len(message.sms_text) > c.max_length:
            for indexes in by_phone.values():
                for index in indexes:
                    outcomes[index] = failure(addresses[index], f"手机号 {addresses[index].address}：短信内容 "
                                              f"{len(message.sms_text)} 字，超过短信网关上限 {c.max_length} 字",
                                              retryable=False)
            by_phone = {}
        phones = list(by_phone)
        batches = [phones[start:start + c.batch_size] for start in range(0, len(phones), c.batch_size)]
        for answered in self._send_batches(message, batches):
            for phone, result in answered.items():
                for index in by_phone[phone]:
                    outcomes[index] = _for(addresses[index], result)
        return [outcomes[i] for i in range(len(addresses))]

    def _send_batches(self, message: Message, batches: list[list[str]]):
        """Each batch's answers, `concurrency` requests at a time, each thread on its own connection."""
        c = self.config
        local = threading.local()
        opened: list[Connections] = []

        def one(batch):
            if not hasattr(local, "connections"):
                local.connections = Connections(c.timeout_s, c.verify_tls)
                opened.append(local.connections)
            return self._send_batch(local.connections, message, batch)

        try:
            if c.concurrency == 1 or len(batches) <= 1:
                yield from map(one, batches)
            else:
                with ThreadPoolExecutor(c.concurrency, thread_name_prefix="sms") as pool:
                    yield from pool.map(one, batches)
        finally:
            for connections in opened:
                connections.close()

    def _send_batch(self, connections: Connections, message: Message, phones: list[str]) -> dict[str, tuple]:
        """phone → (ok, receipt_or_error, retryable, retry_after_s)."""
        c = self.config
        timestamp = str(int(time.time()))
        values = {"phone": c.phone_separator.join(phones), "phones": phones, "text": message.sms_text,
                  "identifier": message.identifier, "timestamp": timestamp}
        url, body, headers = self._request(values)
        if c.secret:
            signed = body if body is not None else (url.split("?", 1)[1] if "?" in url else "").encode()
            headers[c.timestamp_header] = timestamp
            headers[c.signature_header] = c.signature_prefix + sign(c.secret, timestamp.encode(), signed)
        response = connections.request(c.method, url, body, headers, SERVICE)
        return self._read_answer(response, phones)

    def _request(self, values: dict) -> tuple[str, bytes | None, dict]:
        c = self.config
        quoted = {k: quote(v if isinstance(v, str) else c.phone_separator.join(v), safe=",")
                  for k, v in values.items()}
        url = c.url.format_map(quoted)
        headers = {"User-Agent": "Yingji-warnings/1", **c.headers}
        if c.method == "GET" or not c.body:
            return url, None, headers
        filled = _fill(c.body, values, c.phone_separator)
        if c.body_format == "form":
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
            form = {k: (c.phone_separator.join(v) if isinstance(v, list) else v) for k, v in filled.items()}
            return url, urlencode(form).encode(), headers
        headers.setdefault("Content-Type", "application/json; charset=utf-8")
        return url, json.dumps(filled, ensure_ascii=False, separators=(",", ":")).encode(), headers

    def _read_answer(self, response: Response, phones: list[str]) -> dict[str, tuple]:
        c = self.config
        if not response.status:
            return dict.fromkeys(phones, (False, response.error, True, None))
        if not 200 <= response.status < 300:
            excerpt = response.excerpt()
            reason = f"{SERVICE}返回 HTTP {response.status}" + (f"（{excerpt}）" if excerpt else "")
            return dict.fromkeys(phones, (False, reason, http_retryable(response.status), response.retry_after_s))
        if not (c.ok_path or c.receipts_path):
            return dict.fromkeys(phones, (True, None, False, None))
        try:
            data = json.loads(response.body)
        except ValueError:
            return dict.fromkeys(phones, (False, f"{SERVICE}的应答不是 JSON（{response.excerpt(60)}），无法确认是否发出",
                                          False, None))
        if c.ok_path:
            code = _path(data, c.ok_path)
            if code not in c.ok_values:
                detail = _path(data, c.error_path) if c.error_path else None
                reason = f"{SERVICE}拒绝发送（{c.ok_path}={code}" + (f"：{detail}" if detail else "") + "）"
                return dict.fromkeys(phones, (False, reason, False, None))
        return self._receipts(_path(data, c.receipts_path) if c.receipts_path else None, phones)

    def _receipts(self, found, phones: list[str]) -> dict[str, tuple]:
        c = self.config
        if found is None:
            return dict.fromkeys(phones, (True, None, False, None))
        if not isinstance(found, list):  # one id for the whole batch
            return dict.fromkeys(phones, (True, str(found), False, None))
        items = [i for i in found if isinstance(i, dict)]
        keyed = {normalise_phone(str(i.get(c.receipt_phone_key, ""))): i for i in items}
        by_order = len(items) == len(phones) and None in keyed
        results = {}
        for n, phone in enumerate(phones):
            item = items[n] if by_order else keyed.get(phone)
            if item is None:
                results[phone] = (False, f"{SERVICE}的应答中没有这个号码的回执", True, None)
            elif item.get(c.receipt_error_key):
                results[phone] = (False, f"{SERVICE}拒绝这个号码（{item[c.receipt_error_key]}）", False, None)
            else:
                receipt = item.get(c.receipt_id_key)
                results[phone] = (True, None if receipt is None else str(receipt), False, None)
        return results

    # --- delivery reports --------------------------------------------------------------------------------------

    def read_reports(self, body: bytes, headers: Mapping[str, str],
                     lookup: Mapping[str, int] | Callable[[list[str]], Mapping[str, int]],
                     now: float | None = None) -> list[DeliveryReport]:
        """The delivery reports in a callback the gateway POSTed: checked (signature and age, when a secret is
        set), each mapped to its delivery through `lookup` (receipt → delivery_id, or a function taking the list
        of receipts, so the app asks the database once). Raises ValueError with the reason for a refused call."""
        c = self.config
        if c.secret:
            _check_signature(c, body, headers, now)
        try:
            data = json.loads(body)
        except ValueError as exc:
            raise ValueError(f"短信状态报告不是有效的 JSON（{exc}）。") from exc
        items = _path(data, c.report_list_path) if c.report_list_path else data
        if isinstance(items, dict):
            items = [items]
        if not isinstance(items, list):
            raise ValueError("短信状态报告应为一个报告对象或报告对象的数组。")
        items = [i for i in items if isinstance(i, dict) and i.get(c.report_id_key) not in (None, "")]
        receipts = [str(i[c.report_id_key]) for i in items]
        known = lookup(receipts) if callable(lookup) else lookup
        return [DeliveryReport(known.get(r), r, "delivered" if i.get(c.report_status_key) in c.report_delivered
                               else "failed", str(i.get(c.report_phone_key, "")), str(i.get(c.report_detail_key) or
                                                                                      i.get(c.report_status_key, "")),
                               str(i.get(c.report_status_key, ""))[:32],
                               report_time(i.get(c.report_time_key)) if c.report_time_key else None)
                for r, i in zip(receipts, items, strict=True)]


def _check_signature(c: SmsConfig, body: bytes, headers: Mapping[str, str], now: float | None):
    lower = {k.lower(): v for k, v in headers.items()}
    timestamp = lower.get(c.timestamp_header.lower(), "")
    given = lower.get(c.signature_header.lower(), "")
    if not timestamp.isdigit():
        raise ValueError(f"短信状态报告缺少时间戳 {c.timestamp_header}，或它不是整数秒。")
    if abs((time.time() if now is None else now) - int(timestamp)) > c.report_max_age_s:
        raise ValueError(f"短信状态报告的时间戳 {timestamp} 与当前时间相差超过 {c.report_max_age_s:g} 秒。")
    if not hmac.compare_digest(given, c.signature_prefix + sign(c.secret, timestamp.encode(), body)):
        raise ValueError(f"短信状态报告的签名 {c.signature_header} 不正确。")


def _for(address: Address, result: tuple) -> Outcome:
    ok, text, retryable, retry_after_s = result
    if ok:
        return success(address, text)
    return failure(address, f"手机号 {address.address}：{text}", retryable=retryable, retry_after_s=retry_after_s)


def _strings(template) -> list[str]:
    if isinstance(template, str):
        return [template]
    if isinstance(template, dict):
        return [s for v in template.values() for s in _strings(v)]
    if isinstance(template, list):
        return [s for v in template for s in _strings(v)]
    return []


def _fill(template, values: dict, separator: str):
    """The body template with its placeholders filled: a string that is exactly "{phones}" becomes the list."""
    if isinstance(template, str):
        if template == "{phones}":
            return list(values["phones"])
        return template.format_map({k: v if isinstance(v, str) else separator.join(v) for k, v in values.items()})
    if isinstance(template, dict):
        return {k: _fill(v, values, separator) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values, separator) for v in template]
    return template


def _path(data, dotted: str):
    """data at a dotted path ("data.results", "items.0.id"), or None."""
    for part in dotted.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


