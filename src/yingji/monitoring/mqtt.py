"""The MQTT consumer behind `yingji ingest mqtt`: readings from `yingji/v1/sensors/{code}/readings` into
services/ingest, acknowledged to the broker only once committed.

- QoS 1, a persistent session (a stable client id, clean_start/clean_session off, MQTT 5 session expiry), so
  what is published while the consumer is down is delivered when it is back;
- MANUAL acknowledgement: the PUBACK of each message goes out after the transaction that stored its readings
  has committed. A consumer killed with SIGKILL loses nothing: the broker sends the unacknowledged messages
  again, and what was stored already is a duplicate by (sensor, id);
- messages are taken in batches (up to --batch-size readings or --batch-ms milliseconds) for throughput;
- a message that cannot be read (bad JSON, wrong types) is refused and counted (IngestRejection) and
  acknowledged: never a crash, never poison redelivered for ever. A batch the database refuses for a reason
  other than the connection is split message by message; a message failing alone is recorded and acknowledged.
  While the database cannot be reached nothing is acknowledged: the batch is retried;
- with MQTT 5 the subscription is shared ($share/<group>/…): several consumers split the load;
- SIGTERM / SIGINT finish the batch in hand, acknowledge it and disconnect;
- a heartbeat row (core.Heartbeat, every YINGJI_HEARTBEAT_SECONDS) says whether it is connected, when it last
  committed a batch and how long the oldest message not yet stored has waited: /readyz and /metrics read it;
- one JSON object per log line on stderr, never a password."""

import json
import queue
import signal
import socket
import ssl
import sys
import threading
import time
from dataclasses import dataclass, field

import orjson
import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

TOPIC = "{prefix}/sensors/+/readings"
PROTOCOLS = {"5": mqtt.MQTTv5, "3.1.1": mqtt.MQTTv311}


class LeanProperties(Properties):
    """paho decodes every MQTT 5 PUBLISH into a Properties whose __init__ builds the whole v5 property catalogue
    (two dicts of ~40 entries, a dozen list.index calls) every time: under load, half of paho's network thread.
    This one shares one catalogue (paho only reads it) and returns at once from a PUBLISH without properties
    (what sensors send); a packet with properties is decoded by paho's own code, to the same result."""

    _catalogue: dict | None = None

    def __init__(self, packetType):
        catalogue = LeanProperties._catalogue
        if catalogue is None:
            template = vars(Properties(packetType))
            catalogue = LeanProperties._catalogue = {k: v for k, v in template.items() if k != "packetType"}
        self.__dict__.update(catalogue)
        self.packetType = packetType

    def unpack(self, buffer):
        if buffer[:1] == b"\x00":  # property length 0
            return self, 1
        return super().unpack(buffer)


def use_lean_properties():
    """Make paho's packet decoder build LeanProperties (process-wide; only where paho's decoder is the one this
    was written against, paho-mqtt 2.x, else paho is left as it is)."""
    from paho.mqtt import _packet

    if getattr(_packet, "Properties", None) is Properties:
        _packet.Properties = LeanProperties


def log(event: str, **fields):
    from yingji.core.logs import redact  # the same redaction as every other log line (no secrets, no mobiles)

    line = {"ts": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "event": event, **fields}
    print(redact(json.dumps(line, ensure_ascii=False, default=str)), file=sys.stderr, flush=True)


@dataclass
class Options:
    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False
    ca_file: str | None = None
    client_id: str = ""
    protocol: str = "5"
    batch_size: int = 5000  # a cap, reached only with a backlog: the fixed cost of a batch is then shared widely
    batch_ms: int = 50
    share_group: str = "yingji"
    topic_prefix: str = "yingji/v1"
    session_expiry_s: int = 7 * 24 * 3600
    keepalive: int = 30

    def __post_init__(self):
        if not self.client_id:
            self.client_id = f"yingji-ingest-{socket.gethostname()}"[:64]


@dataclass
class Message:
    mid: int
    qos: int
    items: list = field(default_factory=list)


@dataclass
class Stats:
    messages: int = 0
    readings: int = 0
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    batches: int = 0
    failures: int = 0


def topic_filter(options: Options) -> str:
    return TOPIC.format(prefix=options.topic_prefix.strip("/"))


def subscription(options: Options) -> str:
    plain = topic_filter(options)
    if options.protocol == "5" and options.share_group:
        return f"$share/{options.share_group}/{plain}"
    return plain


def sensor_of(topic: str, options: Options) -> str | None:
    """The sensor code in a topic matching the filter (the `+` level), or None."""
    pattern = topic_filter(options).split("/")
    levels = topic.split("/")
    if len(levels) != len(pattern):
        return None
    for want, got in zip(pattern, levels, strict=True):
        if want != "+" and want != got:
            return None
    code = levels[pattern.index("+")]
    return code or None


def items_of(topic: str, payload: bytes, options: Options) -> list:
    """The items of one message for services/ingest: its readings with the topic's sensor, or one Malformed."""
    from .services.ingest import Malformed

    code = sensor_of(topic, options) or ""
    excerpt = payload[:255].decode("utf-8", errors="replace")
    if not code:
        return [Malformed(f"主题“{topic[:120]}”不是 {topic_filter(options)}：无法确定监测点。", excerpt)]
    try:
        data = orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        return [Malformed(f"消息不是有效的 JSON（{str(exc)[:80]}）：应为一个读数对象或读数对象的数组。", excerpt, code)]
    if isinstance(data, dict):
        data = [data]
    if not isinstance(data, list):
        return [Malformed("消息应为一个读数对象或读数对象的数组（JSON），收到的是"
                          f"{type(data).__name__}。", excerpt, code)]
    for item in data:
        if isinstance(item, dict):
            item["sensor"] = code  # the topic names the sensor, whatever the payload says
    return [item if isinstance(item, dict) else Malformed(
        f"读数应为 JSON 对象，收到的是“{str(item)[:30]}”。", excerpt, code) for item in data]


class Consumer:
    def __init__(self, options: Options):
        self.options = options
        self.inbox: queue.Queue = queue.Queue()
        self.stop = threading.Event()
        self.connected = threading.Event()
        self.stats = Stats()
        self.last_batch_at = None  # when the last batch was committed
        self.next_beat = 0.0
        self.started_at = None  # set at the first heartbeat (Django's clock)
        use_lean_properties()
        self.client = self._client()

    # --- the network side (paho's thread) ------------------------------------------------------------------

    def _client(self):
        o = self.options
        v5 = o.protocol == "5"
        client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=o.client_id, protocol=PROTOCOLS[o.protocol],
                             clean_session=None if v5 else False, manual_ack=True)
        if o.username:
            client.username_pw_set(o.username, o.password)
        if o.tls or o.ca_file:
            client.tls_set(ca_certs=o.ca_file, cert_reqs=ssl.CERT_REQUIRED)
        client.reconnect_delay_set(min_delay=1, max_delay=30)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        client.on_subscribe = self._on_subscribe
        return client

    def _connect_properties(self):
        if self.options.protocol != "5":
            return None
        properties = Properties(PacketTypes.CONNECT)
        properties.SessionExpiryInterval = self.options.session_expiry_s
        # Messages the broker may have in flight to us unacknowledged: enough for several batches.
        properties.ReceiveMaximum = min(65535, max(1000, self.options.batch_size * 20))
        return properties

    def _on_connect(self, client, userdata, flags, reason_code, properties):
        if reason_code.is_failure:
            log("connect_failed", reason=str(reason_code))
            return
        topic = subscription(self.options)
        client.subscribe(topic, qos=1)
        self.connected.set()
        log("connected", host=self.options.host, port=self.options.port, client_id=self.options.client_id,
            protocol=self.options.protocol, subscription=topic, session_present=bool(flags.session_present))

    def _on_subscribe(self, client, userdata, mid, reason_codes, properties):
        failed = [str(code) for code in reason_codes if code.is_failure]
        log("subscribe_failed" if failed else "subscribed", subscription=subscription(self.options),
            granted=[str(code) for code in reason_codes])

    def _on_disconnect(self, client, userdata, flags, reason_code, properties):
        self.connected.clear()
        if not self.stop.is_set():
            log("disconnected", reason=str(reason_code))

    def _on_message(self, client, userdata, message):
        self.inbox.put((time.monotonic(), message))  # the receipt time gives the lag of what waits

    # --- the database side (the main thread) ---------------------------------------------------------------

    def _take_batch(self) -> list[Message]:
        try:
            _, first = self.inbox.get(timeout=0.2)
        except queue.Empty:
            return []
        taken = [self._read(first)]
        readings = len(taken[0].items)
        deadline = time.monotonic() + self.options.batch_ms / 1000
        while readings < self.options.batch_size:
            remaining = deadline - time.monotonic()
            try:
                _, raw = self.inbox.get(timeout=remaining) if remaining > 0 else self.inbox.get_nowait()
            except queue.Empty:
                break
            taken.append(self._read(raw))
            readings += len(taken[-1].items)
        return taken

    def _read(self, raw) -> Message:
        return Message(raw.mid, raw.qos, items_of(raw.topic, raw.payload, self.options))

    def _ack(self, messages: list[Message]):
        for message in messages:
            if message.qos > 0:
                self.client.ack(message.mid, message.qos)

    def _store(self, messages: list[Message]):
        """Ingest the messages' readings in one transaction; returns the IngestResult. Raises on failure."""
        from .services.ingest import ingest

        items = [item for message in messages for item in message.items]
        return ingest(items, channel="mqtt")

    def process(self, messages: list[Message]):
        """Store, then acknowledge. Connection trouble: retry until it works (or we are stopped: then nothing
        is acknowledged and the broker sends it all again). Anything else: one message at a time."""
        from django.db import DatabaseError, InterfaceError, OperationalError, connection

        from yingji.core.health import schema_current

        delay = 0.5
        while True:
            try:
                result = self._store(messages)
            except (OperationalError, InterfaceError) as exc:
                self.stats.failures += 1
                log("database_unavailable", error=type(exc).__name__, detail=str(exc)[:200], retry_in_s=delay)
                connection.close()
                if self.stop.wait(delay):
                    return
                delay = min(delay * 2, 30)
                continue
            except (DatabaseError, Exception) as exc:  # noqa: B014 — a bug or bad data: isolate the message
                self.stats.failures += 1
                connection.close()
                if isinstance(exc, DatabaseError) and not schema_current():
                    # Code newer than the schema (an upgrade not migrated yet): every message would fail and be
                    # dropped. Keep them unacknowledged, as for a database that is down, until it is migrated.
                    log("schema_not_current", error=type(exc).__name__, detail=str(exc)[:200], retry_in_s=delay)
                    if self.stop.wait(delay):
                        return
                    delay = min(delay * 2, 30)
                    continue
                if len(messages) > 1:
                    log("batch_failed", error=type(exc).__name__, detail=str(exc)[:200], messages=len(messages))
                    for message in messages:
                        self.process([message])
                    return
                self._give_up(messages[0], exc)
                self._ack(messages)
                return
            self._count(messages, result)
            self._ack(messages)
            return

    def _count(self, messages, result):
        from django.utils import timezone

        self.last_batch_at = timezone.now()
        s = self.stats
        s.batches += 1
        s.messages += len(messages)
        s.readings += sum(len(m.items) for m in messages)
        s.accepted += result.accepted
        s.duplicates += result.duplicates
        s.rejected += len(result.rejected)

    def _give_up(self, message: Message, exc: Exception):
        """A message that fails on its own (not for want of a database): refused with the reason, so that it is
        counted and visible, and acknowledged so that it does not come back for ever."""
        from django.utils import timezone

        from .models import IngestRejection
        from .services.ingest import Malformed, excerpt_of

        first = message.items[0] if message.items else {}
        code = first.sensor_code if isinstance(first, Malformed) else (first.get("sensor", "") if isinstance(first, dict) else "")
        log("message_dropped", error=type(exc).__name__, detail=str(exc)[:200], sensor=code)
        try:
            IngestRejection.objects.create(
                channel="mqtt", sensor_code=str(code)[:64], reason=f"处理失败（{type(exc).__name__}），消息已丢弃：请联系系统管理员查看日志。",
                excerpt=excerpt_of(message.items), received_at=timezone.now())
        except Exception as again:  # noqa: BLE001 — recorded in the log at least
            log("rejection_not_recorded", error=type(again).__name__)

    def run(self) -> int:
        o = self.options
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop.set())
        from yingji.core.health import schema_current

        if not schema_current():
            log("schema_not_current", detail="数据库尚未迁移到当前版本：请先运行 yingji upgrade（或 yingji manage migrate），"
                                             "再启动接入进程。消息留在消息服务器上，不会丢失。")
            return 2
        log("starting", host=o.host, port=o.port, client_id=o.client_id, protocol=o.protocol,
            batch_size=o.batch_size, batch_ms=o.batch_ms, tls=bool(o.tls or o.ca_file))
        self.client.connect_async(o.host, o.port, keepalive=o.keepalive, clean_start=False,
                                  properties=self._connect_properties())
        self.client.loop_start()
        last_report = time.monotonic()
        try:
            while not self.stop.is_set():
                messages = self._take_batch()
                if messages:
                    self.process(messages)
                self._heartbeat()
                if time.monotonic() - last_report >= 10:
                    last_report = time.monotonic()
                    log("stats", **self.stats.__dict__, queued=self.inbox.qsize())
        finally:
            # What is still queued was not acknowledged: the broker keeps it for the next session.
            log("stopping", **self.stats.__dict__, unprocessed=self.inbox.qsize())
            self.client.disconnect()
            self.client.loop_stop()
            self._heartbeat(final=True)
        return 0

    def _heartbeat(self, final=False):
        """Every YINGJI_HEARTBEAT_SECONDS (from this, the database thread: a consumer stuck on the database stops
        beating): connected or not, the last commit, and the age of the oldest message waiting in the inbox. On a
        clean stop the row goes. A failure is logged and the next tick tries again."""
        from django.conf import settings
        from django.db import connection
        from django.utils import timezone

        from yingji.core import health
        from yingji.core.models import Heartbeat

        now = time.monotonic()
        if not final and now < self.next_beat:
            return
        self.next_beat = now + settings.YINGJI_HEARTBEAT_SECONDS
        instance = health.instance_name(self.options.client_id)
        self.started_at = self.started_at or timezone.now()
        try:
            if final:
                health.forget(Heartbeat.INGEST, instance)
                return
            try:
                oldest = self.inbox.queue[0][0]  # a peek; the deque is only appended to by paho's thread
            except IndexError:
                oldest = now
            health.beat(Heartbeat.INGEST, instance, self.started_at,
                        connected=self.connected.is_set(), last_batch_at=self.last_batch_at,
                        lag_s=round(now - oldest, 3), queued=self.inbox.qsize())
        except Exception as exc:  # noqa: BLE001 — never stop ingesting for a missed heartbeat
            log("heartbeat_failed", error=type(exc).__name__)
            connection.close()
