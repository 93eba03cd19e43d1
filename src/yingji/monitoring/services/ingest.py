"""Ingest: parse, validate, deduplicate and store a batch of readings, then roll them up and judge them, all in
one transaction. MQTT (mqtt.py) and HTTP (api_ingest.py) share it.

An item is {"id": "<message id, unique per sensor, ≤ 64>", "ts": <ISO 8601 with an offset, or epoch
milliseconds>, "value": <number>} — a fire panel sends "event" (火警/故障/监管/屏蔽/复位) instead of "value".
Over HTTP it names its sensor ("sensor": code); over MQTT the topic does.

- A bad item is refused with a Chinese reason naming the field (an IngestRejection row, counted on the gateway);
  the good items of the batch are stored all the same.
- The good items are stored in ONE transaction: the batch's sensors are locked in id order (several consumers
  serialise per sensor and cannot deadlock on them), the idempotency keys go in with INSERT … ON CONFLICT
  (sensor_id, message_id) DO NOTHING RETURNING, the readings of the new keys in one multi-row INSERT; a
  repeated (sensor, id) — already stored, or twice in the batch — is a duplicate: stored once, judged once.
- Sensor.last_value / last_event / last_reading_at move only forward in time; a late reading is stored all the
  same and the batch handed to rollups and rules is sorted by (sensor, time).
- Nothing half-written: if anything in the transaction fails, nothing of the batch is stored (and nothing of it
  is counted); the caller retries, or gives up on it (mqtt.py records the failure).

The hot path is a handful of SQL statements per batch whatever its size: no ORM object per reading."""

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from yingji.core.models import Region

from .. import kinds
from ..models import Gateway, IngestRejection, Sensor
from .batch import Batch
from .sql import PG_TS, chunks, float8s, int8s, pg_cursor, texts

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
EPOCH_NAIVE = datetime(1970, 1, 1)
ONE_MS = timedelta(milliseconds=1)
MAX_ID_LENGTH = 64
CHANNELS = ("mqtt", "http")
EVENTS = frozenset(kinds.FIRE_EVENTS)
EVENT_LIST = "/".join(kinds.FIRE_EVENTS)
SQLITE_CHUNK = 1000  # rows per statement on SQLite (≤ 6 parameters a row: far under its 32,766 variables)
PG_CHUNK = 20_000  # array elements per statement on PostgreSQL
BIG = 2 ** 63  # an integer value beyond this takes the full path (float() of a huge int can overflow)


@dataclass(frozen=True)
class Malformed:
    """A message that could not even be read as items (bad JSON, not an object): refused as one item."""

    reason: str
    excerpt: str = ""
    sensor_code: str = ""


@dataclass
class IngestResult:
    accepted: int = 0  # new readings stored
    duplicates: int = 0  # (sensor, id) stored before or repeated in the batch: acknowledged, not stored again
    rejected: list[dict] = field(default_factory=list)  # {index, sensor, id, reason}
    alarms: list = field(default_factory=list, repr=False)  # what the evaluation touched

    def as_dict(self) -> dict:
        return {"accepted": self.accepted, "duplicates": self.duplicates, "rejected": self.rejected}


def to_ms(moment: datetime) -> int:
    return (moment - EPOCH) // ONE_MS


def excerpt_of(item) -> str:
    if isinstance(item, Malformed):
        return item.excerpt[:255]
    try:
        text = json.dumps(item, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(item)
    return text[:255]


# --- one item, without the database ----------------------------------------------------------------------------

def parse_ts(raw, now_ms: int, future_ms: int) -> tuple[int | None, str]:
    """(epoch ms, "") or (None, reason)."""
    if isinstance(raw, bool) or raw is None:
        return None, "缺少读数时间 ts。" if raw is None else "读数时间 ts 应为带时区的 ISO 8601 时间或毫秒时间戳（整数）。"
    if isinstance(raw, int):
        ms = raw
    elif isinstance(raw, str):
        text = raw.strip()
        if not text or len(text) > 40:
            return None, f"读数时间 ts“{raw[:40]}”不是有效时间：应为带时区的 ISO 8601（如 2026-11-30T08:00:00+08:00）或毫秒时间戳。"
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return None, f"读数时间 ts“{text}”不是有效时间：应为带时区的 ISO 8601（如 2026-11-30T08:00:00+08:00）或毫秒时间戳。"
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None, f"读数时间 ts“{text}”缺少时区偏移（如 +08:00 或 Z），无法确定时刻。"
        ms = to_ms(moment)
    else:
        return None, "读数时间 ts 应为带时区的 ISO 8601 时间或毫秒时间戳（整数）。"
    if ms > now_ms + future_ms:
        return None, (f"读数时间 ts 比服务器时间超前 {future_ms // 1000} 秒以上"
                      f"（{_shown(ms)}），请校准设备时钟。")
    if ms < 0:
        return None, "读数时间 ts 早于 1970 年，不是有效时间。"
    return ms, ""


def _shown(ms: int) -> str:
    try:
        return timezone.localtime(EPOCH + timedelta(milliseconds=ms)).strftime("%Y-%m-%d %H:%M:%S")
    except (OverflowError, ValueError):
        return "超出可表示的时间范围"


def parse_value(item: dict) -> tuple[float | None, str, str]:
    """(value, event, "") or (None, "", reason). Exactly one of value / event."""
    has_value, has_event = "value" in item and item["value"] is not None, "event" in item and item["event"] not in (None, "")
    if has_value and has_event:
        return None, "", "读数只能有 value（数值）或 event（事件）之一，不能同时提供。"
    if has_event:
        event = item["event"]
        if not isinstance(event, str) or event.strip() not in EVENTS:
            return None, "", f"事件 event“{str(event)[:20]}”无效：应为 {EVENT_LIST} 之一。"
        return None, event.strip(), ""
    if not has_value:
        return None, "", "缺少数值 value（火灾报警控制器上报 event）。"
    raw = item["value"]
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None, "", f"数值 value 应为数字，收到的是“{str(raw)[:30]}”。"
    try:
        value = float(raw)
    except OverflowError:
        return None, "", "数值 value 超出可表示的范围。"
    if not math.isfinite(value):
        return None, "", "数值 value 不能是 NaN 或无穷大。"
    return value, "", ""


def parse_id(item: dict) -> tuple[str, str]:
    raw = item.get("id")
    if raw is None or raw == "":
        return "", "缺少消息编号 id。"
    if not isinstance(raw, str):
        return "", f"消息编号 id 应为字符串（1–{MAX_ID_LENGTH} 个字符），收到的是“{str(raw)[:30]}”。"
    if len(raw) > MAX_ID_LENGTH:
        return "", f"消息编号 id 超过 {MAX_ID_LENGTH} 个字符。"
    return raw, ""


# --- SQL of the hot path -------------------------------------------------------------------------------------

def _sqlite_dt(ms: int) -> str:
    """What Django stores for a DateTimeField on SQLite: naive UTC, str() of the datetime."""
    return str(EPOCH_NAIVE + timedelta(milliseconds=ms))


def insert_new(cursor, rows: list[tuple[int, str, int, float | None, str]], received_at: datetime) -> dict:
    """Insert the idempotency keys of readings (sensor_id, message_id, ts_ms, value or None, event) — each
    (sensor_id, message_id) at most once in `rows` — and the readings whose key is new. Returns
    {(sensor_id, message_id): reading id} of the new ones: an absent key was stored before."""
    if connection.vendor == "postgresql":
        ids = {}
        with pg_cursor() as pg:
            for chunk in chunks(rows, PG_CHUNK):
                s, m, t, v, e = zip(*chunk, strict=True)
                pg.execute(
                    "WITH u AS (SELECT * FROM unnest(%b::int8[], %b::text[], %b::int8[], %b::float8[], %b::text[]) "
                    "AS u(s, m, t, v, e)), "
                    'k AS (INSERT INTO "monitoring_readingkey" ("sensor_id", "message_id", "ts") '
                    f'SELECT u.s, u.m, {PG_TS.format("u.t")} FROM u '
                    'ON CONFLICT ("sensor_id", "message_id") DO NOTHING RETURNING "sensor_id", "message_id") '
                    'INSERT INTO "monitoring_reading" ("sensor_id", "message_id", "ts", "value", "event", "received_at") '
                    f'SELECT u.s, u.m, {PG_TS.format("u.t")}, u.v, u.e, %b FROM u '
                    'JOIN k ON k."sensor_id" = u.s AND k."message_id" = u.m RETURNING "id", "sensor_id", "message_id"',
                    [int8s(s), texts(m), int8s(t), float8s(v), texts(e), received_at])
                ids.update({(sensor, message): pk for pk, sensor, message in pg.fetchall()})
        return ids
    new = insert_keys(cursor, [(s, m, t) for s, m, t, _, _ in rows])
    return insert_readings(cursor, [row for row in rows if (row[0], row[1]) in new], received_at)


def insert_keys(cursor, keys: list[tuple[int, str, int]]) -> set[tuple[int, str]]:
    """SQLite: insert (sensor_id, message_id, ts_ms) idempotency keys; returns the (sensor_id, message_id) that
    are new."""
    new = set()
    for chunk in chunks(keys, SQLITE_CHUNK):
        values = ", ".join(["(%s, %s, %s)"] * len(chunk))
        params = [p for s, m, t in chunk for p in (s, m, _sqlite_dt(t))]
        cursor.execute(
            f'INSERT INTO "monitoring_readingkey" ("sensor_id", "message_id", "ts") VALUES {values} '
            'ON CONFLICT ("sensor_id", "message_id") DO NOTHING RETURNING "sensor_id", "message_id"', params)
        new.update(cursor.fetchall())
    return new


def insert_readings(cursor, rows: list[tuple[int, str, int, float | None, str]], received_at: datetime) -> dict:
    """SQLite: insert readings (sensor_id, message_id, ts_ms, value or None, event); returns
    {(sensor_id, message_id): id}."""
    ids = {}
    received = connection.ops.adapt_datetimefield_value(received_at)
    for chunk in chunks(rows, SQLITE_CHUNK):
        values = ", ".join(["(%s, %s, %s, %s, %s, %s)"] * len(chunk))
        params = [p for s, m, t, v, e in chunk for p in (s, m, _sqlite_dt(t), v, e, received)]
        cursor.execute(
            'INSERT INTO "monitoring_reading" ("sensor_id", "message_id", "ts", "value", "event", "received_at") '
            f'VALUES {values} RETURNING "id", "sensor_id", "message_id"', params)
        ids.update(((sensor, message), pk) for pk, sensor, message in cursor.fetchall())
    return ids


def lock_sensors(codes: list[str]) -> dict:
    """Lock the batch's sensors in id order (consumers sharing the load serialise per sensor, never deadlock);
    code → (id, code, kind, is_active, gateway_id, region_id, installed_at ms, unit, region path, status,
    expected_interval_s): what validation and the rules need, so that evaluate() does not read them again."""
    if connection.vendor == "postgresql":
        with pg_cursor() as pg:
            pg.execute('SELECT s."id", s."code", s."kind", s."is_active", s."gateway_id", s."region_id", '
                       '(extract(epoch FROM s."installed_at") * 1000)::int8, s."unit", r."path", s."status", '
                       's."expected_interval_s" FROM "monitoring_sensor" s '
                       f'JOIN {connection.ops.quote_name(Region._meta.db_table)} r ON r."id" = s."region_id" '
                       'WHERE s."code" = ANY(%b::text[]) ORDER BY s."id" FOR UPDATE OF s', [texts(codes)])
            return {row[1]: row for row in pg.fetchall()}
    rows = (Sensor.objects.select_for_update(of=("self",)).filter(code__in=codes).order_by("id")
            .values_list("id", "code", "kind", "is_active", "gateway_id", "region_id", "installed_at", "unit",
                         "region__path", "status", "expected_interval_s"))
    return {row[1]: (*row[:6], to_ms(row[6]), *row[7:]) for row in rows}


def update_sensors(cursor, latest: list[tuple[int, int, float | None, str]]):
    """Set last_value / last_event / last_reading_at from (sensor_id, ts_ms, value, event), only where newer."""
    if not latest:
        return
    if connection.vendor == "postgresql":
        s, t, v, e = zip(*latest, strict=True)
        with pg_cursor() as pg:
            pg.execute(
                f'UPDATE "monitoring_sensor" AS x SET "last_value" = u.v, "last_event" = u.e, '
                f'"last_reading_at" = {PG_TS.format("u.t")} '
                'FROM unnest(%b::int8[], %b::int8[], %b::float8[], %b::text[]) AS u(s, t, v, e) '
                f'WHERE x."id" = u.s AND (x."last_reading_at" IS NULL OR x."last_reading_at" < {PG_TS.format("u.t")})',
                [int8s(s), int8s(t), float8s(v), texts(e)])
        return
    for chunk in chunks(latest, SQLITE_CHUNK):
        values = ", ".join(["(%s, %s, %s, %s)"] * len(chunk))
        params = [p for s, t, v, e in chunk for p in (s, _sqlite_dt(t), v, e)]
        cursor.execute(
            'UPDATE "monitoring_sensor" SET "last_value" = u.column3, "last_event" = u.column4, '
            f'"last_reading_at" = u.column2 FROM (VALUES {values}) AS u '
            'WHERE "monitoring_sensor"."id" = u.column1 AND ("monitoring_sensor"."last_reading_at" IS NULL '
            'OR "monitoring_sensor"."last_reading_at" < u.column2)', params)


# --- the batch ------------------------------------------------------------------------------------------------

@dataclass(slots=True)
class _Item:
    index: int
    sensor_code: str
    message_id: str
    ts_ms: int
    value: float | None
    event: str


class _Refusals:
    """The batch's refusals: the answer's list, the rows to write, the counts per gateway."""

    def __init__(self, channel: str, gateway: Gateway | None, now: datetime):
        self.channel, self.gateway, self.now = channel, gateway, now
        self.answer: list[dict] = []
        self.rows: list[IngestRejection] = []

    def add(self, index: int, item, sensor_code: str, message_id: str, reason: str, *, gateway_id=None,
            region_id=None):
        self.answer.append({"index": index, "sensor": sensor_code, "id": message_id, "reason": reason})
        if self.gateway is not None:  # HTTP: the posting gateway's refusal, seen in its region
            gateway_id, region_id = self.gateway.pk, self.gateway.region_id
        self.rows.append(IngestRejection(
            gateway_id=gateway_id, region_id=region_id, channel=self.channel, sensor_code=sensor_code[:64],
            message_id=message_id[:64], reason=reason[:255], excerpt=excerpt_of(item), received_at=self.now))


def _parse(items, sensor_code, now_ms, future_ms, refusals: _Refusals) -> list[_Item]:
    parsed = []
    latest = now_ms + future_ms
    for index, item in enumerate(items):
        if isinstance(item, Malformed):
            refusals.add(index, item, item.sensor_code or sensor_code or "", "", item.reason)
            continue
        if not isinstance(item, dict):
            refusals.add(index, item, sensor_code or "", "", f"第 {index + 1} 条读数应为 JSON 对象，收到的是“{str(item)[:30]}”。")
            continue
        code = sensor_code if sensor_code is not None else item.get("sensor")
        raw_id = item.get("id")
        ts, value = item.get("ts"), item.get("value")
        # The common case, checked inline (a batch holds thousands): a numeric reading with a string id and
        # epoch milliseconds in range. Anything else takes the full path below, which names what is wrong.
        if (type(raw_id) is str and 0 < len(raw_id) <= MAX_ID_LENGTH and type(ts) is int and 0 <= ts <= latest
                and (type(value) is float and value - value == 0 or type(value) is int and -BIG < value < BIG)
                and type(code) is str and item.get("event") in (None, "")):
            stripped = code.strip()
            if stripped:
                parsed.append(_Item(index, stripped, raw_id, ts, float(value), ""))
                continue
        shown_id = raw_id if isinstance(raw_id, str) else ("" if raw_id is None else str(raw_id))
        if not isinstance(code, str) or not code.strip():
            refusals.add(index, item, "" if code is None else str(code), shown_id[:64],
                         "缺少监测点编码 sensor。" if code in (None, "") else "监测点编码 sensor 应为字符串。")
            continue
        code = code.strip()
        message_id, reason = parse_id(item)
        if not reason:
            ts_ms, reason = parse_ts(item.get("ts"), now_ms, future_ms)
        if not reason:
            value, event, reason = parse_value(item)
        if reason:
            refusals.add(index, item, code, shown_id[:64], reason)
            continue
        parsed.append(_Item(index, code, message_id, ts_ms, value, event))
    return parsed


def _sensor_reason(item: _Item, sensor, gateway: Gateway | None, channel: str) -> str:
    if sensor is None:
        where = "（主题中的编码）" if channel == "mqtt" else ""
        return f"监测点编码 sensor“{item.sensor_code[:64]}”{where}不存在。"
    _id, _code, kind, is_active, gateway_id, _region_id, installed_ms = sensor[:7]
    if not is_active:
        return f"监测点“{item.sensor_code}”已停用，不再接收读数。"
    if gateway is not None and gateway_id != gateway.pk:
        return f"监测点“{item.sensor_code}”不属于网关“{gateway.code}”，该网关不能为其上报读数。"
    is_event = kinds.kinds()[kind].is_event if kind in kinds.kinds() else False
    if is_event and item.event == "":
        return f"监测点“{item.sensor_code}”是火灾报警控制器：应上报事件 event（{EVENT_LIST}），而不是数值 value。"
    if not is_event and item.event != "":
        return f"监测点“{item.sensor_code}”是数值型监测点：应上报数值 value，而不是事件 event。"
    if item.ts_ms < installed_ms:
        return f"读数时间 ts（{_shown(item.ts_ms)}）早于监测点安装时间（{_shown(installed_ms)}）。"
    return ""


def ingest(items: list, *, channel: str, gateway: Gateway | None = None, sensor_code: str | None = None,
           now: datetime | None = None) -> IngestResult:
    """Validate, store and judge `items` (see the module's docstring). `channel` is "mqtt" or "http"; `gateway`
    the authenticated gateway of an HTTP post (its sensors only); `sensor_code` the MQTT topic's sensor (else
    each item's "sensor"). Raises only when the database fails: then nothing of the batch is stored."""
    from . import evaluate, rollups

    if channel not in CHANNELS:
        raise ValueError(f"channel must be one of {CHANNELS}")
    now = now or timezone.now()
    now_ms = to_ms(now)
    refusals = _Refusals(channel, gateway, now)
    parsed = _parse(items, sensor_code, now_ms, settings.YINGJI_READINGS_FUTURE_SECONDS * 1000, refusals)
    result = IngestResult()
    codes = sorted({item.sensor_code for item in parsed} | {r.sensor_code for r in refusals.rows if r.sensor_code})
    with transaction.atomic():
        sensors = lock_sensors(codes)
        for refusal in refusals.rows:  # refused before the database was read: counted on the sensor's gateway
            known = sensors.get(refusal.sensor_code)
            if known is not None and gateway is None:
                refusal.gateway_id, refusal.region_id = known[4], known[5]
        accepted_per_gateway: dict[int, int] = {}
        good, seen = [], set()
        for item in parsed:
            sensor = sensors.get(item.sensor_code)
            reason = _sensor_reason(item, sensor, gateway, channel)
            if reason:
                refusals.add(item.index, items[item.index], item.sensor_code, item.message_id, reason,
                             gateway_id=sensor[4] if sensor else None, region_id=sensor[5] if sensor else None)
                continue
            key = (sensor[0], item.message_id)
            if key in seen:
                result.duplicates += 1
                continue
            seen.add(key)
            good.append((sensor, item))
        with connection.cursor() as cursor:
            ids = insert_new(cursor, [(s[0], it.message_id, it.ts_ms, it.value, it.event) for s, it in good],
                             now) if good else {}
            fresh = [(s, it) for s, it in good if (s[0], it.message_id) in ids]
            result.duplicates += len(good) - len(fresh)
            latest: dict[int, tuple] = {}
            for s, it in fresh:  # the newest of each sensor (equal times: the later in the batch)
                current = latest.get(s[0])
                if current is None or it.ts_ms >= current[1]:
                    latest[s[0]] = (s[0], it.ts_ms, it.value, it.event)
                if s[4] is not None:
                    accepted_per_gateway[s[4]] = accepted_per_gateway.get(s[4], 0) + 1
            update_sensors(cursor, sorted(latest.values()))
        result.accepted = len(fresh)
        if fresh:
            batch = Batch.sorted([s[0] for s, _ in fresh], [it.ts_ms for _, it in fresh],
                                 [float("nan") if it.value is None else it.value for _, it in fresh],
                                 [it.event for _, it in fresh], [ids[(s[0], it.message_id)] for s, it in fresh])
            rollups.add(batch)
            facts = {s[0]: (s[0], s[2], s[7], s[8], s[9], s[10]) for s in sensors.values()}
            result.alarms = evaluate.evaluate(batch, now=now, sensors=facts) or []
        if refusals.rows:
            IngestRejection.objects.bulk_create(refusals.rows)
        _count(gateway, accepted_per_gateway, refusals.rows, now, channel)
    result.rejected = sorted(refusals.answer, key=lambda r: r["index"])
    return result


def _count(gateway, accepted: dict[int, int], refused: list[IngestRejection], now, channel):
    """Gateway.accepted_count / rejected_count / last_seen_at, one F() update per gateway, in id order."""
    rejected: dict[int, int] = {}
    for row in refused:
        if row.gateway_id is not None:
            rejected[row.gateway_id] = rejected.get(row.gateway_id, 0) + 1
    touched = set(accepted) | set(rejected)
    if gateway is not None:
        touched.add(gateway.pk)
    for gateway_id in sorted(touched):
        Gateway.objects.filter(pk=gateway_id).update(
            accepted_count=F("accepted_count") + accepted.get(gateway_id, 0),
            rejected_count=F("rejected_count") + rejected.get(gateway_id, 0), last_seen_at=now)
