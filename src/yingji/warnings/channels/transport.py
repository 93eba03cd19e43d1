"""A small HTTP client over http.client for the SMS and webhook channels: one persistent connection per host
(keep-alive across the batches of a send), a time-out, and failures as values with a Chinese reason, never raised.
The stdlib keeps the channels free of a runtime dependency."""

import hashlib
import hmac
import http.client
import ssl
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from .base import retry_after_seconds

# A reused keep-alive connection the server closed meanwhile fails like this before any response: safe to try
# once more on a fresh connection (the request was not read).
STALE = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


@dataclass
class Response:
    status: int = 0  # 0: no HTTP answer at all (see error)
    body: bytes = b""
    headers: dict = field(default_factory=dict)  # lower-case names
    error: str = ""  # why there is no answer: a Chinese reason
    retry_after_s: float | None = None

    def excerpt(self, limit: int = 120) -> str:
        return self.body[:limit].decode("utf-8", errors="replace").strip()


def sign(secret: str, *parts: bytes) -> str:
    """HMAC-SHA256 (hex) of the parts joined."""
    return hmac.new(secret.encode(), b"".join(parts), hashlib.sha256).hexdigest()


class Connections:
    """Keep-alive connections by (scheme, host, port); close() at the end of a send."""

    def __init__(self, timeout_s: float, verify_tls: bool = True):
        self.timeout_s = timeout_s
        self.verify_tls = verify_tls
        self._context = None
        self.open: dict[tuple, http.client.HTTPConnection] = {}

    @property
    def context(self) -> ssl.SSLContext:
        """Made on first https use: loading the CA store costs ~0.1 s, wasted on a plain-http gateway."""
        if self._context is None:
            self._context = ssl.create_default_context() if self.verify_tls else ssl._create_unverified_context()  # noqa: S323
        return self._context

    def _get(self, scheme: str, host: str, port: int | None):
        key = (scheme, host, port)
        if key not in self.open:
            if scheme == "https":
                self.open[key] = http.client.HTTPSConnection(host, port, timeout=self.timeout_s, context=self.context)
            else:
                self.open[key] = http.client.HTTPConnection(host, port, timeout=self.timeout_s)
        return key, self.open[key]

    def _drop(self, key):
        connection = self.open.pop(key, None)
        if connection is not None:
            connection.close()

    def request(self, method: str, url: str, body: bytes | None, headers: dict, service: str) -> Response:
        """`service` names the far side in errors, e.g. "短信网关"."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            return Response(error=f"{service}地址“{url.split('?')[0][:80]}”不是 http(s) 地址")  # no query: it may hold a key
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        where = parts.netloc
        for fresh in (False, True):
            key, connection = self._get(parts.scheme, parts.hostname, parts.port)
            reused = connection.sock is not None
            try:
                connection.request(method, target, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
            except STALE as exc:
                self._drop(key)
                if reused and not fresh:
                    continue
                return Response(error=f"{service} {where} 断开了连接（{type(exc).__name__}）")
            except TimeoutError:
                self._drop(key)
                return Response(error=f"{service} {where} 在 {self.timeout_s:g} 秒内未响应")
            except ssl.SSLError as exc:
                self._drop(key)
                return Response(error=f"{service} {where} TLS 握手失败（{exc.reason or exc}）")
            except (OSError, http.client.HTTPException) as exc:
                self._drop(key)
                reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
                return Response(error=f"{service} {where} 无法连接（{reason}）")
            headers_in = {k.lower(): v for k, v in answer.getheaders()}
            if answer.will_close:
                self._drop(key)
            return Response(answer.status, data, headers_in, retry_after_s=retry_after_seconds(headers_in.get("retry-after")))
        raise AssertionError("unreachable")

    def close(self):
        for key in list(self.open):
            self._drop(key)
