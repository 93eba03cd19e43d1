"""Storage of raw readings: the monthly partitions (PostgreSQL) and retention (both databases).

PostgreSQL (migration 0002): monitoring_reading is partitioned by RANGE (ts), one partition per UTC month
named monitoring_reading_pYYYYMM, plus monitoring_reading_default for any time no month partition covers.
`ensure_partitions` creates the coming months, and a month for every row that landed in DEFAULT (moving the
rows over: PostgreSQL refuses to create a partition whose rows still sit in DEFAULT). `prune` drops whole
months once their last day is past YINGJI_READINGS_RAW_DAYS: dropping a table frees its space at once,
where a DELETE leaves dead rows for VACUUM. The idempotency keys (ReadingKey) of those months go with them,
so that a reading still stored is still protected from a repeat.

SQLite keeps one plain table: prune DELETEs readings and keys older than the cutoff.

Both: ingest rejections older than YINGJI_READINGS_RAW_DAYS and 1-minute rollups older than
YINGJI_ROLLUP_MINUTE_DAYS are deleted; 1-hour rollups are kept for good."""

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from yingji.core import audit
from yingji.core.models import AuditEntry

from ..models import IngestRejection, Reading, ReadingKey, Rollup

TABLE = "monitoring_reading"
DEFAULT = f"{TABLE}_default"
MONTHLY = re.compile(rf"^{TABLE}_p(\d{{4}})(\d{{2}})$")
COLUMNS = '"id", "message_id", "ts", "value", "event", "received_at", "sensor_id"'


def partitioned() -> bool:
    """True where readings are partitioned (PostgreSQL after migration 0002)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_partitioned_table p JOIN pg_class c ON c.oid = p.partrelid "
                       "WHERE c.relname = %s AND c.relnamespace = to_regnamespace(current_schema())", [TABLE])
        return cursor.fetchone() is not None


def month_start(when: datetime) -> datetime:
    when = when.astimezone(UTC)
    return datetime(when.year, when.month, 1, tzinfo=UTC)


def add_months(start: datetime, months: int) -> datetime:
    index = start.year * 12 + start.month - 1 + months
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=UTC)


def partitions() -> dict[datetime, str]:
    """The monthly partitions: {first instant of the month (UTC): table name}, oldest first."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                       "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = %s "
                       "AND p.relnamespace = to_regnamespace(current_schema())", [TABLE])
        names = [row[0] for row in cursor.fetchall()]
    found = {}
    for name in names:
        match = MONTHLY.match(name)
        if match:
            found[datetime(int(match[1]), int(match[2]), 1, tzinfo=UTC)] = name
    return dict(sorted(found.items()))


def _create_month(cursor, start: datetime) -> tuple[str, int]:
    """Create the partition of the month starting at `start`, taking its rows out of DEFAULT; (name, rows moved)."""
    name, end = f"{TABLE}_p{start:%Y%m}", add_months(start, 1)
    cursor.execute(f'LOCK TABLE "{TABLE}" IN SHARE ROW EXCLUSIVE MODE')  # no insert lands in DEFAULT meanwhile
    cursor.execute(f'SELECT count(*) FROM "{DEFAULT}" WHERE "ts" >= %s AND "ts" < %s', [start, end])
    waiting = cursor.fetchone()[0]
    if not waiting:
        cursor.execute(f'CREATE TABLE "{name}" PARTITION OF "{TABLE}" FOR VALUES FROM (%s) TO (%s)', [start, end])
        return name, 0
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{TABLE}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute(f'WITH moved AS (DELETE FROM "{DEFAULT}" WHERE "ts" >= %s AND "ts" < %s RETURNING {COLUMNS}) '
                   f'INSERT INTO "{name}" ({COLUMNS}) SELECT {COLUMNS} FROM moved', [start, end])
    cursor.execute(f'ALTER TABLE "{TABLE}" ATTACH PARTITION "{name}" FOR VALUES FROM (%s) TO (%s)', [start, end])
    return name, waiting


def ensure_partitions(months_ahead: int = 3, *, now: datetime | None = None) -> dict:
    """Create the monthly partitions from last month to `months_ahead` months ahead, and one for every month
    (within retention) that has rows waiting in DEFAULT, moving them there. PostgreSQL only; elsewhere a no-op.
    Returns {"created": [names], "moved": rows taken out of DEFAULT, "partitioned": bool}."""
    if months_ahead < 0:
        raise ValueError("提前创建的月数不能为负数")
    report = {"partitioned": partitioned(), "created": [], "moved": 0}
    if not report["partitioned"]:
        return report
    now = now or datetime.now(UTC)
    current, have = month_start(now), partitions()
    wanted = {add_months(current, offset) for offset in range(-1, months_ahead + 1)}
    kept_from = month_start(now - timedelta(days=settings.YINGJI_READINGS_RAW_DAYS))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT DISTINCT date_trunc('month', \"ts\", 'UTC') FROM \"{DEFAULT}\" WHERE \"ts\" >= %s",
                       [kept_from])
        wanted |= {month_start(row[0]) for row in cursor.fetchall()}
    for start in sorted(wanted - set(have)):
        with transaction.atomic(), connection.cursor() as cursor:
            name, moved = _create_month(cursor, start)
        report["created"].append(name)
        report["moved"] += moved
    return report


@dataclass
class PruneReport:
    raw_cutoff: datetime  # readings and their keys before this are gone
    minute_cutoff: datetime
    partitioned: bool
    dry_run: bool
    partitions_dropped: list[str] = field(default_factory=list)
    readings: int = 0
    keys: int = 0
    rejections: int = 0
    minute_rollups: int = 0

    def as_dict(self) -> dict:
        local = timezone.localtime  # shown in Asia/Shanghai, like every time a person reads
        return {"raw_cutoff": local(self.raw_cutoff).isoformat(), "minute_cutoff": local(self.minute_cutoff).isoformat(),
                "partitioned": self.partitioned, "dry_run": self.dry_run,
                "partitions_dropped": self.partitions_dropped, "readings": self.readings, "keys": self.keys,
                "rejections": self.rejections, "minute_rollups": self.minute_rollups}


def prune(now: datetime | None = None, *, dry_run: bool = False) -> PruneReport:
    """Apply retention (see the module's note). `dry_run` counts what would go and changes nothing.
    One transaction; an audit entry says what went."""
    now = now or datetime.now(UTC)
    raw_cutoff = now - timedelta(days=settings.YINGJI_READINGS_RAW_DAYS)
    is_partitioned = partitioned()
    if is_partitioned:
        raw_cutoff = month_start(raw_cutoff)  # whole months: a month goes when all of it is past retention
    report = PruneReport(raw_cutoff=raw_cutoff, partitioned=is_partitioned, dry_run=dry_run,
                         minute_cutoff=now - timedelta(days=settings.YINGJI_ROLLUP_MINUTE_DAYS))
    old_keys = ReadingKey.objects.filter(ts__lt=raw_cutoff)
    old_rejections = IngestRejection.objects.filter(received_at__lt=raw_cutoff)
    old_minutes = Rollup.objects.filter(resolution=Rollup.MINUTE, bucket__lt=report.minute_cutoff)
    with transaction.atomic(), connection.cursor() as cursor:
        if is_partitioned:
            doomed = [name for start, name in partitions().items() if add_months(start, 1) <= raw_cutoff]
            for name in doomed:
                cursor.execute(f'SELECT count(*) FROM "{name}"')
                report.readings += cursor.fetchone()[0]
            cursor.execute(f'SELECT count(*) FROM "{DEFAULT}" WHERE "ts" < %s', [raw_cutoff])
            report.readings += cursor.fetchone()[0]
            report.partitions_dropped = doomed
            if not dry_run:
                for name in doomed:
                    cursor.execute(f'DROP TABLE "{name}"')
                cursor.execute(f'DELETE FROM "{DEFAULT}" WHERE "ts" < %s', [raw_cutoff])
        else:
            old_readings = Reading.objects.filter(ts__lt=raw_cutoff)
            report.readings = old_readings.count() if dry_run else old_readings.delete()[0]
        if dry_run:
            report.keys, report.rejections, report.minute_rollups = (
                old_keys.count(), old_rejections.count(), old_minutes.count())
        else:  # nothing points at these rows and no signal listens: Django deletes them in one statement
            report.keys = old_keys.delete()[0]
            report.rejections = old_rejections.delete()[0]
            report.minute_rollups = old_minutes.delete()[0]
            if report.readings or report.keys or report.rejections or report.minute_rollups:
                audit.record_event(None, AuditEntry.DELETE, "清理过期监测数据", {
                    "原始读数截止": timezone.localtime(raw_cutoff).isoformat(), "删除分区": "、".join(report.partitions_dropped) or "无",
                    "原始读数": report.readings, "消息编号": report.keys, "拒收记录": report.rejections,
                    "1分钟汇总": report.minute_rollups})
    return report
