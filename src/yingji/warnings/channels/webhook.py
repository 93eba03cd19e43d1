"""Webhook: a signed JSON POST to each subscriber's URL (other systems: a city platform, a media desk, a duty app).

Body: the message's fields (identifier, msg_type, event, level, colour, headline, sms_text, body, tts_text,
repeat, url), the CAP XML as the string "cap_xml", the delivery id as "delivery" and the timestamp as "timestamp"
(Unix seconds). Headers: X-Yingji-Timestamp (the same timestamp), X-Yingji-Delivery, and X-Yingji-Signature:
"sha256=" + hex HMAC-SHA256 of the raw body with the shared secret — the timestamp is inside the signed body, so a
receiver checks the signature, then that the timestamp is recent (replay) — see verify().

2xx is delivered (the receipt: the receiver's "id" in a JSON answer, else "HTTP <status>"); 5xx, 408, 429, a
time-out or a refused connection are retryable (429/503 with Retry-After honoured by deliver()); any other 4xx
and redirects (not followed: the signature is for the URL the bureau registered) are permanent. Unsigned sends
are not allowed: without a secret the channel is not configured. A secret is looked up by delivery id
(delivery_secrets: each registered subscriber's own), then by URL (secrets), then the shared one (secret)."""

import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from .base import Address, Channel, Message, Outcome, failure, http_retryable, success
from .transport import Connections, sign

SERVICE = "接收系统"


@dataclass
class WebhookConfig:
    secret: str = ""
    secrets: dict = field(default_factory=dict)  # URL → its own secret, for subscribers that registered one
    delivery_secrets: dict = field(default_factory=dict)  # delivery id → its subscriber's secret (the register's)
    timeout_s: float = 10.0
    verify_tls: bool = True
    headers: dict = field(default_factory=dict)


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + sign(secret, body)


def verify(secret: str, body: bytes, headers: Mapping[str, str], *, max_age_s: float = 300.0,
           now: float | None = None) -> dict:
    """What a receiver does (and the tests' receiver): check X-Yingji-Signature over the raw body and that the
    signed timestamp is recent; returns the parsed body. Raises ValueError with the reason."""
    lower = {k.lower(): v for k, v in headers.items()}
    if not hmac.compare_digest(lower.get("x-yingji-signature", ""), signature(secret, body)):
        raise ValueError("X-Yingji-Signature 签名不正确。")
    data = json.loads(body)
    stamp = data.get("timestamp")
    if not isinstance(stamp, int) or str(stamp) != lower.get("x-yingji-timestamp"):
        raise ValueError("时间戳与 X-Yingji-Timestamp 不一致。")
    if abs((time.time() if now is None else now) - stamp) > max_age_s:
        raise ValueError(f"时间戳 {stamp} 与当前时间相差超过 {max_age_s:g} 秒。")
    return data


class WebhookChannel(Channel):
    name = "webhook"
    label = "Webhook 推送"
    Config = WebhookConfig

    def configured(self) -> bool:
        return bool(self.config.secret or self.config.secrets or self.config.delivery_secrets)

    def body(self, message: Message, address: Address, timestamp: int) -> bytes:
        data = {**message.public_fields(), "cap_xml": message.cap_xml.decode("utf-8", errors="replace"),
                "delivery": address.delivery_id, "timestamp": timestamp}
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()

    def send(self, message: Message, addresses: list[Address]) -> list[Outcome]:
        c = self.config
        connections = Connections(c.timeout_s, c.verify_tls)
        try:
            return [self._post(connections, message, address) for address in addresses]
        finally:
            connections.close()

    def _post(self, connections: Connections, message: Message, address: Address) -> Outcome:
        url = address.address.strip()
        secret = (self.config.delivery_secrets.get(address.delivery_id) or self.config.secrets.get(url)
                  or self.config.secret)
        if not url.startswith(("http://", "https://")):
            return failure(address, f"接收地址“{shown(url)[:80]}”不是 http(s) 地址", retryable=False)
        where = shown(url)
        if not secret:
            return failure(address, f"接收地址 {where}：未配置签名密钥，不发送未签名的推送", retryable=False)
        timestamp = int(time.time())
        body = self.body(message, address, timestamp)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": "Yingji-warnings/1",
                   **self.config.headers, "X-Yingji-Timestamp": str(timestamp),
                   "X-Yingji-Delivery": str(address.delivery_id), "X-Yingji-Signature": signature(secret, body)}
        response = connections.request("POST", url, body, headers, SERVICE)
        if not response.status:
            return failure(address, f"接收地址 {where}：{response.error}", retryable=True)
        if 200 <= response.status < 300:
            return success(address, _receipt(response.body) or f"HTTP {response.status}")
        excerpt = response.excerpt(80)
        reason = f"接收地址 {where}：{SERVICE}返回 HTTP {response.status}" + (f"（{excerpt}）" if excerpt else "")
        if 300 <= response.status < 400:
            reason += "，不跟随重定向"
        return failure(address, reason, retryable=http_retryable(response.status),
                       retry_after_s=response.retry_after_s)


def shown(url: str) -> str:
    """The URL as errors show it: without its query, where subscribers often put an access token."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) + ("?…" if parts.query else "")


def _receipt(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if isinstance(data, dict) and data.get("id") not in (None, ""):
        return str(data["id"])[:255]
    return None
