"""Real local services for the channel tests (no mock of the network): an HTTP SMS gateway that records what it
receives, checks signatures and answers with receipts; an SMTP sink (aiosmtpd) that keeps the messages; a webhook
receiver that checks the HMAC; and the MQTT broker check (Mosquitto on 127.0.0.1:1883: a failure under CI=true, a
skip elsewhere). Each server listens on 127.0.0.1 on a port of its own, and can be told to answer the next
requests with scripted statuses (500 twice, a 429 with Retry-After …)."""

import hashlib
import hmac
import json
import os
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

BROKER = (os.environ.get("YINGJI_MQTT_HOST", "127.0.0.1"), int(os.environ.get("YINGJI_MQTT_PORT", "1883")))


def require_broker() -> tuple[str, int]:
    """(host, port) of the MQTT broker; unreachable: pytest.fail under CI=true (CI must run these), else skip."""
    try:
        with socket.create_connection(BROKER, timeout=2.0):
            return BROKER
    except OSError:
        message = f"MQTT 服务器 {BROKER[0]}:{BROKER[1]} 无法连接（apt-get install mosquitto，或运行 .ci/run 启动它）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- HTTP ----------------------------------------------------------------------------------------------------------

@dataclass
class Recorded:
    method: str
    path: str
    query: dict
    headers: dict  # lower-case names
    body: bytes
    at: float
    status: int = 0
    signature_ok: bool | None = None  # None: no secret to check against
    phones: list = field(default_factory=list)


class RecordingServer:
    """A threaded HTTP server on 127.0.0.1 recording every request. `script(status, body, headers)` queues the
    answer to the next request (first in, first out); with no script the subclass answers."""

    def __init__(self):
        self.requests: list[Recorded] = []
        self.scripted: deque = deque()
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real gateways
            disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms delayed-ACK stall

            def do_GET(self):
                outer._handle(self)

            def do_POST(self):
                outer._handle(self)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def script(self, status: int, body=b"", headers: dict | None = None, times: int = 1):
        for _ in range(times):
            self.scripted.append((status, body, headers or {}))

    def _handle(self, handler: BaseHTTPRequestHandler):
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        parts = urlsplit(handler.path)
        record = Recorded(handler.command, parts.path, parse_qs(parts.query), {k.lower(): v for k, v in
                                                                             handler.headers.items()}, body, time.time())
        with self.lock:
            self.requests.append(record)
            scripted = self.scripted.popleft() if self.scripted else None
        status, answer, headers = scripted or self.answer(record, parts.query)
        if scripted:
            self.check(record, parts.query)
        record.status = status
        data = answer if isinstance(answer, bytes) else json.dumps(answer, ensure_ascii=False).encode()
        handler.send_response(status)
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Type", "application/json; charset=utf-8")
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        try:
            handler.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (a time-out test)

    def check(self, record: Recorded, query: str):
        """Fill in record.signature_ok (and whatever else a subclass reads) — also for scripted answers."""

    def answer(self, record: Recorded, query: str) -> tuple[int, object, dict]:
        return 200, {"ok": True}, {}


class SmsGatewayStub(RecordingServer):
    """An SMS gateway: GET /send?phone=a,b&text=… or POST /sms {"mobiles": [...], "content": …}. Checks
    X-Signature = HMAC-SHA256(secret, timestamp + body-or-query) when it has a secret (401 when wrong), answers
    {"code": 0, "msg": "ok", "data": {"results": [{"phone", "msgid"} | {"phone", "error"}]}}; numbers in `refuse`
    get a per-number error (空号). `sent` lists (phone, text, msgid) of every message it accepted."""

    def __init__(self, secret: str = "", refuse: tuple = (), latency_s: float = 0.0):
        super().__init__()
        self.secret, self.refuse, self.latency_s = secret, set(refuse), latency_s
        self.sent: list[tuple[str, str, str]] = []
        self.counter = 0
        self.in_flight = self.most_in_flight = 0  # how many requests it held at once: the client's real concurrency

    def check(self, record: Recorded, query: str):
        if not self.secret:
            return
        stamp = record.headers.get("x-timestamp", "")
        signed = record.body if record.method == "POST" else query.encode()
        expected = hmac.new(self.secret.encode(), stamp.encode() + signed, hashlib.sha256).hexdigest()
        record.signature_ok = hmac.compare_digest(record.headers.get("x-signature", ""), expected)

    def answer(self, record: Recorded, query: str):
        self.check(record, query)
        if record.signature_ok is False:
            return 401, {"code": 401, "msg": "签名错误"}, {}
        if record.method == "POST":
            data = json.loads(record.body)
            phones, text = data.get("mobiles") or data.get("phone", "").split(","), data.get("content", "")
        else:
            phones, text = record.query.get("phone", [""])[0].split(","), record.query.get("text", [""])[0]
        record.phones = phones
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        time.sleep(self.latency_s)
        with self.lock:
            self.in_flight -= 1
        results = []
        with self.lock:
            for phone in phones:
                if phone in self.refuse:
                    results.append({"phone": phone, "error": "空号"})
                    continue
                self.counter += 1
                msgid = f"GW{self.counter:08d}"
                self.sent.append((phone, text, msgid))
                results.append({"phone": phone, "msgid": msgid})
        return 200, {"code": 0, "msg": "ok", "data": {"results": results}}, {}

    def report(self, states: dict[str, str], secret: str | None = None, stamp: int | None = None,
               done: str = "") -> tuple[bytes, dict]:
        """The delivery-report callback this gateway would POST back: msgid → "DELIVRD" / "UNDELIV" …; `done`
        ("YYYYMMDDhhmmss", Beijing time) is each report's outcome time."""
        phones = {msgid: phone for phone, _, msgid in self.sent}
        body = json.dumps({"reports": [{"msgid": m, "phone": phones.get(m, ""), "status": s, "donetime": done,
                                        "desc": "成功" if s == "DELIVRD" else "用户关机"} for m, s in states.items()]},
                          ensure_ascii=False).encode()
        stamp = str(int(time.time()) if stamp is None else stamp)
        key = (self.secret if secret is None else secret).encode()
        return body, {"X-Timestamp": stamp, "X-Signature": hmac.new(key, stamp.encode() + body, hashlib.sha256).hexdigest()}


    def post_reports(self, callback_url: str, states: dict[str, str], **options) -> tuple[int, dict]:
        """POST the delivery reports to the application's callback, as the real gateway does later:
        (HTTP status, JSON answer)."""
        from urllib.error import HTTPError
        from urllib.request import Request, urlopen

        body, headers = self.report(states, **options)
        request = Request(callback_url, data=body, method="POST",
                          headers={**headers, "Content-Type": "application/json; charset=utf-8"})
        try:
            with urlopen(request, timeout=10) as answer:  # noqa: S310 — a test's own localhost URL
                return answer.status, json.loads(answer.read())
        except HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")


class WebhookReceiver(RecordingServer):
    """Another system's endpoint: checks X-Yingji-Signature (sha256=HMAC of the raw body) itself, answers 200
    {"id": "rx-N"} to a good one and 401 to a bad one."""

    def __init__(self, secret: str):
        super().__init__()
        self.secret = secret
        self.counter = 0

    def check(self, record: Recorded, query: str):
        expected = "sha256=" + hmac.new(self.secret.encode(), record.body, hashlib.sha256).hexdigest()
        record.signature_ok = hmac.compare_digest(record.headers.get("x-yingji-signature", ""), expected)

    def answer(self, record: Recorded, query: str):
        self.check(record, query)
        if not record.signature_ok:
            return 401, {"error": "bad signature"}, {}
        with self.lock:
            self.counter += 1
            return 200, {"id": f"rx-{self.counter}"}, {}

    @property
    def verified(self) -> list[dict]:
        return [json.loads(r.body) for r in self.requests if r.signature_ok and r.status == 200]


# --- SMTP ----------------------------------------------------------------------------------------------------------

class SmtpSink:
    """aiosmtpd on 127.0.0.1: keeps each accepted message (parsed, with its envelope); mailboxes in `refuse` get
    550, in `defer` 451; `credentials` = (user, password) makes it require AUTH (over plain text: a test sink)."""

    def __init__(self, refuse: tuple = (), defer: tuple = (), credentials: tuple[str, str] | None = None):
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.refuse, self.defer = set(refuse), set(defer)
        self.messages: list = []  # (envelope recipients, parsed EmailMessage)
        self.ehlos = 0
        sink = self

        class Handler:
            async def handle_EHLO(self, server, session, envelope, hostname, responses):
                sink.ehlos += 1
                session.host_name = hostname
                return responses

            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address in sink.refuse:
                    return "550 5.1.1 用户不存在 (no such mailbox)"
                if address in sink.defer:
                    return "451 4.3.0 mailbox busy, try later"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                sink.messages.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content, policy=policy.default)))
                return f"250 OK: queued as Q{len(sink.messages):06d}"

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = credentials is not None and (auth_data.login.decode(), auth_data.password.decode()) == credentials
            return AuthResult(success=ok, handled=False)  # handled=False: the server answers 535 itself

        options = ({"auth_required": True, "auth_require_tls": False, "authenticator": authenticator}
                   if credentials else {})
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port, **options)

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


# --- a message -----------------------------------------------------------------------------------------------------

CAP_TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>51202200000000</sender>
  <sent>2026-07-15T14:30:00+08:00</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  <info>
    <language>zh-CN</language>
    <category>Met</category>
    <event>暴雨</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <headline>乐至县气象局发布暴雨橙色预警</headline>
    <area><areaDesc>回澜镇、天池街道</areaDesc><geocode><valueName>GB/T 2260</valueName><value>512022</value></geocode></area>
  </info>
</alert>
"""


def sample_message(msg_type: str = "Alert", identifier: str | None = None, **changes):
    from yingji.warnings.channels import Message

    identifier = identifier or f"51202241600000_20260715143000_{uuid.uuid4().int % 10}"
    fields = {
        "identifier": identifier, "msg_type": msg_type, "event": "暴雨", "level": 2, "colour": "橙色",
        "headline": "乐至县气象局发布暴雨橙色预警",
        "sms_text": "【乐至应急】乐至县气象局7月15日14时30分发布暴雨橙色预警：未来3小时回澜镇、天池街道降雨量将达50毫米以上，"
                    "请远离河道、山洪沟，注意防范。",
        "body": "乐至县气象局7月15日14时30分发布暴雨橙色预警信号：预计未来3小时回澜镇、天池街道降雨量将达50毫米以上。\n\n"
                "防御指南：\n1. 政府及相关部门按照职责做好防暴雨应急工作；\n2. 切断有危险的室外电源，暂停户外作业；\n"
                "3. 处于危险地带的单位应当停课、停业，采取专门措施保护已到校学生、幼儿和其他上班人员的安全。",
        "tts_text": "乡亲们请注意，乐至县气象局发布暴雨橙色预警，未来三小时将有大暴雨，请远离河道和山洪沟，转移到安全地带。",
        "repeat": 3,
        "cap_xml": CAP_TEMPLATE.format(identifier=identifier, msg_type=msg_type).encode(),
        "url": f"http://127.0.0.1:8000/public/warnings/{identifier}/",
    }
    fields.update(changes)
    return Message(**fields)


def phones(n: int, start: int = 0) -> list[str]:
    """n distinct valid mainland mobile numbers."""
    return [f"139{(start + i):08d}" for i in range(n)]
