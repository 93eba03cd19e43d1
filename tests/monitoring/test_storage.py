"""Storage: on PostgreSQL readings sit in monthly partitions with a DEFAULT one, so that an insert of any time
lands; partitions are made ahead and out of DEFAULT; retention drops whole months and keeps the hour rollups.
On SQLite the same retention is a DELETE."""

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.db import connection

from yingji.core.models import AuditEntry, Region
from yingji.monitoring.models import IngestRejection, Reading, ReadingKey, Rollup, Sensor
from yingji.monitoring.services import rollups, storage
from yingji.monitoring.services.batch import Batch

NOW = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="partitions are PostgreSQL's")
on_sqlite = pytest.mark.skipif(connection.vendor != "sqlite", reason="the plain table is SQLite's")


@pytest.fixture
def sensor(demo):
    return Sensor.objects.create(code="T-STORE-1", name="存储测试", kind="lel", expected_interval_s=10,
                                 region=Region.objects.get(code="512022"), installed_at=NOW - timedelta(days=2000))


def put(sensor, *times, value=1.0):
    """Readings stored with their keys, rollups and a rejection of the same time, as ingest leaves them."""
    Reading.objects.bulk_create([Reading(sensor=sensor, message_id=f"m{t:%Y%m%d%H%M%S}", ts=t, value=value,
                                         received_at=t) for t in times])
    ReadingKey.objects.bulk_create([ReadingKey(sensor=sensor, message_id=f"m{t:%Y%m%d%H%M%S}", ts=t) for t in times])
    IngestRejection.objects.bulk_create([IngestRejection(channel="http", sensor_code=sensor.code, reason="测试",
                                                         received_at=t) for t in times])
    rollups.add(Batch.sorted([sensor.pk] * len(times), [int(t.timestamp() * 1000) for t in times],
                             [value] * len(times), [""] * len(times)))


def where(reading_ts) -> str:
    with connection.cursor() as cursor:
        cursor.execute('SELECT tableoid::regclass::text FROM "monitoring_reading" WHERE ts = %s', [reading_ts])
        return cursor.fetchone()[0]


@on_postgresql
def test_readings_are_partitioned_by_month_with_a_default(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT partstrat FROM pg_partitioned_table WHERE partrelid = 'monitoring_reading'::regclass")
        assert cursor.fetchone() == ("r",)
        cursor.execute("SELECT pg_get_indexdef(indexrelid) FROM pg_index "
                       "WHERE indrelid = 'monitoring_reading'::regclass")
        indexes = [row[0] for row in cursor.fetchall()]
    assert any("reading_sensor_ts" in i and "(sensor_id, ts)" in i for i in indexes)
    assert any("monitoring_reading_pkey" in i and "(id, ts)" in i for i in indexes)
    assert storage.partitioned()
    months = storage.partitions()
    assert storage.month_start(datetime.now(UTC)) in months  # the migration made the months around now


@on_postgresql
def test_a_reading_of_any_month_lands(sensor):
    times = [NOW, datetime(2001, 1, 1, tzinfo=UTC), datetime(2031, 6, 1, tzinfo=UTC)]
    put(sensor, *times)
    assert Reading.objects.filter(sensor=sensor).count() == 3
    assert where(times[1]) == "monitoring_reading_default" and where(times[2]) == "monitoring_reading_default"


@on_postgresql
def test_ensure_partitions_makes_months_ahead_and_empties_default(sensor):
    ahead = storage.add_months(storage.month_start(NOW), 6) + timedelta(days=3)
    put(sensor, ahead)
    assert where(ahead) == "monitoring_reading_default"
    report = storage.ensure_partitions(months_ahead=3, now=NOW)
    assert f"monitoring_reading_p{ahead:%Y%m}" in report["created"] and report["moved"] == 1
    assert where(ahead) == f"monitoring_reading_p{ahead:%Y%m}"
    months = storage.partitions()
    for offset in range(-1, 4):
        assert storage.add_months(storage.month_start(NOW), offset) in months
    assert storage.ensure_partitions(months_ahead=3, now=NOW)["created"] == []  # nothing left to do
    with connection.cursor() as cursor:
        cursor.execute('SELECT count(*) FROM "monitoring_reading_default"')
        assert cursor.fetchone()[0] == 0
    put(sensor, ahead + timedelta(hours=1))  # the new month takes inserts
    assert where(ahead + timedelta(hours=1)) == f"monitoring_reading_p{ahead:%Y%m}"


@on_postgresql
def test_prune_drops_an_old_month_and_keeps_the_hour_rollups(sensor, settings):
    settings.YINGJI_READINGS_RAW_DAYS, settings.YINGJI_ROLLUP_MINUTE_DAYS = 90, 150
    old, older, recent = NOW - timedelta(days=130), NOW - timedelta(days=200), NOW - timedelta(days=10)
    storage.ensure_partitions(months_ahead=0, now=old)  # the months around `old` (past retention now)
    old_month = f"monitoring_reading_p{old:%Y%m}"
    assert old_month in storage.partitions().values()
    put(sensor, old, older, recent)  # `older`'s month has no partition: it sits in DEFAULT
    assert where(old) == old_month and where(older) == "monitoring_reading_default"

    dry = storage.prune(NOW, dry_run=True)
    assert old_month in dry.partitions_dropped and dry.readings == 2 and dry.keys == 2
    assert Reading.objects.filter(sensor=sensor).count() == 3 and old_month in storage.partitions().values()

    report = storage.prune(NOW)
    assert report.as_dict() == {**dry.as_dict(), "dry_run": False}
    assert report.raw_cutoff == datetime(2026, 9, 1, tzinfo=UTC)  # 90 days back is in September: August goes
    assert old_month not in storage.partitions().values()
    assert list(Reading.objects.filter(sensor=sensor).values_list("ts", flat=True)) == [recent]
    assert list(ReadingKey.objects.filter(sensor=sensor).values_list("ts", flat=True)) == [recent]
    assert IngestRejection.objects.filter(sensor_code=sensor.code).count() == 1
    hours = set(Rollup.objects.filter(sensor=sensor, resolution="1h").values_list("bucket", flat=True))
    assert len(hours) == 3  # every hour kept
    minutes = list(Rollup.objects.filter(sensor=sensor, resolution="1m").values_list("bucket", flat=True))
    assert len(minutes) == 2 and min(minutes) > NOW - timedelta(days=150)  # the 200-day-old minute went
    assert AuditEntry.objects.filter(object_repr="清理过期监测数据").exists()


@on_sqlite
def test_prune_deletes_on_sqlite(sensor, settings):
    settings.YINGJI_READINGS_RAW_DAYS, settings.YINGJI_ROLLUP_MINUTE_DAYS = 90, 150
    put(sensor, NOW - timedelta(days=200), NOW - timedelta(days=91), NOW - timedelta(days=89))
    assert storage.ensure_partitions(now=NOW) == {"partitioned": False, "created": [], "moved": 0}
    dry = storage.prune(NOW, dry_run=True)
    assert (dry.readings, dry.keys, dry.rejections, dry.minute_rollups) == (2, 2, 2, 1)
    assert Reading.objects.filter(sensor=sensor).count() == 3
    report = storage.prune(NOW)
    assert (report.readings, report.keys, report.rejections, report.minute_rollups) == (2, 2, 2, 1)
    assert report.raw_cutoff == NOW - timedelta(days=90)  # to the second here: no months to keep whole
    kept = NOW - timedelta(days=89)
    assert list(Reading.objects.filter(sensor=sensor).values_list("ts", flat=True)) == [kept]
    assert list(ReadingKey.objects.filter(sensor=sensor).values_list("ts", flat=True)) == [kept]
    assert Rollup.objects.filter(sensor=sensor, resolution="1h").count() == 3
    assert Rollup.objects.filter(sensor=sensor, resolution="1m").count() == 2
    assert storage.prune(NOW).readings == 0  # nothing left to go


def test_a_negative_month_count_is_refused(db):
    with pytest.raises(ValueError, match="月数"):
        storage.ensure_partitions(months_ahead=-1)


def test_series_still_reads_hours_after_prune(sensor, settings):
    settings.YINGJI_READINGS_RAW_DAYS = 90
    start = datetime(2026, 6, 1, tzinfo=UTC)
    put(sensor, *(start + timedelta(minutes=10 * i) for i in range(12)))
    storage.prune(NOW)
    assert not Reading.objects.filter(sensor=sensor).exists()
    got = rollups.series(sensor, start, start + timedelta(hours=2), now=NOW)
    assert got["resolution"] == "1m" and len(got["points"]) == 12
    assert np.allclose([p[1] for p in got["points"]], 1.0)


def test_the_commands(sensor, settings):
    from click.testing import CliRunner

    from yingji.monitoring.cli import monitoring

    settings.YINGJI_READINGS_RAW_DAYS = 90
    put(sensor, datetime.now(UTC) - timedelta(days=200))
    dry = CliRunner().invoke(monitoring, ["prune", "--dry-run", "--json"])
    assert dry.exit_code == 0, dry.output
    assert json.loads(dry.output)["readings"] == 1 and json.loads(dry.output)["dry_run"] is True
    assert Reading.objects.filter(sensor=sensor).exists()
    done = CliRunner().invoke(monitoring, ["prune"])
    assert done.exit_code == 0 and "已清理：原始读数 1 条，消息编号 1 条" in done.output
    assert not Reading.objects.filter(sensor=sensor).exists()
    made = CliRunner().invoke(monitoring, ["partitions", "--months-ahead", "4"])
    assert made.exit_code == 0 and ("分区检查完成" in made.output or "无需创建分区" in made.output)
    bad = CliRunner().invoke(monitoring, ["partitions", "--months-ahead", "-1"])
    assert bad.exit_code == 2 and "不是 0–120 之间的整数月数" in bad.output


def test_the_daily_task_makes_partitions_then_prunes(sensor, settings):
    from yingji.monitoring.storage_tasks import maintain_storage, next_run

    settings.YINGJI_READINGS_RAW_DAYS = 90
    put(sensor, datetime.now(UTC) - timedelta(days=400))
    done = maintain_storage.call(reschedule=False)
    assert done["prune"]["readings"] == 1 and done["prune"]["dry_run"] is False
    assert done["partitions"]["partitioned"] == (connection.vendor == "postgresql")
    assert not Reading.objects.filter(sensor=sensor).exists()
    local = datetime(2026, 11, 30, 19, 30, tzinfo=UTC)  # 03:30 on 1 December in Beijing: the next is the 2nd
    assert next_run(local) == datetime(2026, 12, 1, 19, 0, tzinfo=UTC)
    assert next_run(datetime(2026, 11, 30, 18, 0, tzinfo=UTC)) == datetime(2026, 11, 30, 19, 0, tzinfo=UTC)
