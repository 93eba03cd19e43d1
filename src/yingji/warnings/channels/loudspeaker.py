"""Village loudspeakers (应急广播 / 大喇叭) over MQTT 5: one play command per terminal, acknowledged by the terminal.

- Command: QoS 1 to `{prefix}/terminals/{code}/play`, JSON {"id": CAP identifier, "msg_type", "wake": true,
  "force": true, "level", "colour", "event", "headline", "text": tts_text, "repeat": n, "cancel": true for a
  Cancel, "sent": ISO time}. `wake` powers the amplifier up from standby, `force` plays over local programmes
  (the 强制播出 of the 应急广播 platforms). MQTT 5 extras for terminals that use them: ResponseTopic (the ack
  topic), CorrelationData (the identifier) and a MessageExpiryInterval, so that a terminal that reconnects late
  does not play a stale warning.
- Acknowledgement: the terminal publishes to `{prefix}/terminals/{code}/ack` JSON {"id", "terminal", "status":
  "played" | "busy" | "error", "at", optionally "ack_id" and "detail"}. The channel subscribes to
  `{prefix}/terminals/+/ack` BEFORE it publishes, and waits until every addressed terminal answered or
  ack_timeout_s passed. "played" is the receipt (ack_id, else terminal@at); "busy", "error" and silence are
  retryable failures (deliver() sends again after its pause); a terminal code unfit for a topic is permanent.
- One connection per send (a fresh client id, clean start); an unreachable broker fails every terminal,
  retryably."""

import json
import re
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from .base import Address, Channel, Message, Outcome, failure, success

CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,63}")  # one topic level: no / + # and no spaces
BEIJING = timezone(timedelta(hours=8))


def play_topic(prefix: str, code: str) -> str:
    return f"{prefix.strip('/')}/terminals/{code}/play"


def ack_topic(prefix: str, code: str) -> str:
    return f"{prefix.strip('/')}/terminals/{code}/ack"


def command(message: Message) -> dict:
    return {"id": message.identifier, "msg_type": message.msg_type, "wake": True, "force": True,
            "level": message.level, "colour": message.colour, "event": message.event, "headline": message.headline,
            "text": message.tts_text, "repeat": message.repeat, "cancel": message.msg_type == "Cancel",
            "sent": datetime.now(BEIJING).isoformat(timespec="seconds")}


@dataclass
class LoudspeakerConfig:
    host: str = ""
    port: int = 1883
    username: str = ""
    password: str = ""
    tls: bool = False
    ca_file: str = ""
    prefix: str = "yingji/v1"
    ack_timeout_s: float = 30.0
    connect_timeout_s: float = 10.0
    message_expiry_s: int = 600
    keepalive: int = 30


class _Session:
    """One MQTT connection for one send: connect, subscribe to the acks, publish, collect."""

    def __init__(self, config: LoudspeakerConfig, identifier: str, wanted: set[str]):
        self.config, self.identifier, self.wanted = config, identifier, wanted
        self.acks: dict[str, dict] = {}
        self.lock = threading.Condition()
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self.refused = ""
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"yingji-broadcast-{uuid.uuid4().hex[:12]}",
                             protocol=mqtt.MQTTv5)
        if config.username:
            client.username_pw_set(config.username, config.password)
        if config.tls or config.ca_file:
            client.tls_set(ca_certs=config.ca_file or None)
        client.on_connect = self._on_connect
        client.on_subscribe = self._on_subscribe
        client.on_message = self._on_message
        self.client = client

    def open(self) -> str:
        """"" when connected and subscribed, else the Chinese reason."""
        c = self.config
        where = f"{c.host}:{c.port}"
        try:
            self.client.connect(c.host, c.port, keepalive=c.keepalive, clean_start=True)
        except (OSError, ValueError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
            return f"广播平台 MQTT 服务器 {where} 无法连接（{reason}）"
        self.client.loop_start()
        if not self.connected.wait(c.connect_timeout_s):
            return f"广播平台 MQTT 服务器 {where} 在 {c.connect_timeout_s:g} 秒内未完成连接"
        if self.refused:
            return self.refused
        self.client.subscribe(f"{c.prefix.strip('/')}/terminals/+/ack", qos=1)
        if not self.subscribed.wait(c.connect_timeout_s):
            return self.refused or f"广播平台 MQTT 服务器 {where} 未确认订阅终端应答主题"
        return ""

    def close(self):
        self.client.disconnect()
        self.client.loop_stop()

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            self.refused = f"广播平台 MQTT 服务器 {self.config.host}:{self.config.port} 拒绝连接（{reason_code}）"
            self.subscribed.set()
        self.connected.set()

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        failed = [str(code) for code in reason_codes if code.is_failure]
        if failed:
            self.refused = f"广播平台 MQTT 服务器拒绝订阅终端应答主题（{failed[0]}）"
        self.subscribed.set()

    def _on_message(self, client, userdata, message):
        levels = message.topic.split("/")
        code = levels[-2] if len(levels) >= 2 else ""
        try:
            ack = json.loads(message.payload)
        except ValueError:
            return
        if not isinstance(ack, dict) or ack.get("id") != self.identifier or code not in self.wanted:
            return
        with self.lock:
            if self.acks.get(code, {}).get("status") != "played":  # a later "busy" does not undo "played"
                self.acks[code] = ack
            self.lock.notify_all()

    def publish(self, code: str, payload: bytes) -> mqtt.MQTTMessageInfo:
        properties = Properties(PacketTypes.PUBLISH)
        properties.ResponseTopic = ack_topic(self.config.prefix, code)
        properties.CorrelationData = self.identifier.encode()
        properties.MessageExpiryInterval = int(self.config.message_expiry_s)
        return self.client.publish(play_topic(self.config.prefix, code), payload, qos=1, properties=properties)

    def wait_for_acks(self, deadline: float) -> dict[str, dict]:
        with self.lock:
            while not self.wanted <= set(self.acks):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self.lock.wait(remaining)
            return dict(self.acks)


class LoudspeakerChannel(Channel):
    name = "loudspeaker"
    label = "应急广播"
    Config = LoudspeakerConfig

    def configured(self) -> bool:
        return bool(self.config.host)

    def send(self, message: Message, addresses: list[Address]) -> list[Outcome]:
        outcomes: dict[int, Outcome] = {}
        by_code: dict[str, list[int]] = {}
        for index, address in enumerate(addresses):
            code = address.address.strip()
            if CODE.fullmatch(code):
                by_code.setdefault(code, []).append(index)
            else:
                outcomes[index] = failure(address, f"终端编号“{address.address}”不合法（只能含字母、数字、_ . -，"
                                                   "最长 64 位）", retryable=False)
        if by_code:
            for code, result in self._broadcast(message, list(by_code)).items():
                for index in by_code[code]:
                    outcomes[index] = result(addresses[index])
        return [outcomes[i] for i in range(len(addresses))]

    def _broadcast(self, message: Message, codes: list[str]) -> dict:
        """code → a function of the Address giving its Outcome."""
        c = self.config
        session = _Session(c, message.identifier, set(codes))
        try:
            trouble = session.open()
            if trouble:
                return {code: _failed(f"终端 {code}：{trouble}") for code in codes}
            payload = json.dumps(command(message), ensure_ascii=False).encode()
            sent = {code: session.publish(code, payload) for code in codes}
            deadline = time.monotonic() + c.ack_timeout_s
            unconfirmed = set()
            for code, info in sent.items():
                try:
                    info.wait_for_publish(max(0.1, deadline - time.monotonic()))
                except (RuntimeError, ValueError):
                    pass
                if not info.is_published():
                    unconfirmed.add(code)
            acks = session.wait_for_acks(deadline)
        finally:
            session.close()
        return {code: self._result(code, acks.get(code), code in unconfirmed) for code in codes}

    def _result(self, code: str, ack: dict | None, unconfirmed: bool):
        timeout = f"{self.config.ack_timeout_s:g}"
        if ack is None:
            if unconfirmed:
                return _failed(f"终端 {code}：播放指令未被 MQTT 服务器确认（QoS 1），{timeout} 秒内无应答")
            return _failed(f"终端 {code} 未在 {timeout} 秒内确认播放")
        status = ack.get("status")
        detail = str(ack.get("detail") or "").strip()[:80]
        if status == "played":
            receipt = str(ack.get("ack_id") or f"{code}@{ack.get('at') or datetime.now(UTC).isoformat()}")
            return lambda address: success(address, receipt[:255])
        if status == "busy":
            return _failed(f"终端 {code} 忙，未播放" + (f"（{detail}）" if detail else ""))
        if status == "error":
            return _failed(f"终端 {code} 报告播放失败" + (f"（{detail}）" if detail else ""))
        return _failed(f"终端 {code} 应答的状态“{str(status)[:20]}”未知（应为 played、busy 或 error）", retryable=False)


def _failed(error: str, retryable: bool = True):
    return lambda address: failure(address, error, retryable=retryable)
