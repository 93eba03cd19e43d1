"""Rollups: a batch folded into 1-minute and 1-hour buckets by one upsert, equal to counting every reading by
hand however the readings are split into batches and in whatever order the batches come; the chart's series
picks the finest resolution that fits."""

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from yingji.core.models import Region
from yingji.monitoring.models import Reading, Rollup, Sensor
from yingji.monitoring.services import rollups
from yingji.monitoring.services.batch import Batch

T0 = datetime(2026, 11, 20, 9, 59, 0, tzinfo=UTC)


def ms(dt) -> int:
    return int(dt.timestamp() * 1000)


@pytest.fixture
def sensors(demo):
    county = Region.objects.get(code="512022")

    def make(code, kind="lel"):
        return Sensor.objects.create(code=code, name=code, kind=kind, region=county, expected_interval_s=10,
                                     installed_at=T0 - timedelta(days=30))

    return make("T-ROLL-1"), make("T-ROLL-2"), make("T-ROLL-FIRE", "fire_panel")


def batch(rows):
    """rows: (sensor, datetime, value or an event string)."""
    return Batch.sorted([s.pk for s, _, _ in rows], [ms(t) for _, t, _ in rows],
                        [np.nan if isinstance(v, str) else v for _, _, v in rows],
                        [v if isinstance(v, str) else "" for _, _, v in rows])


def table(sensor, resolution):
    return {r.bucket: (r.count, r.minimum, r.maximum, r.total, r.last_value, r.last_ts)
            for r in Rollup.objects.filter(sensor=sensor, resolution=resolution)}


def test_a_batch_becomes_minute_and_hour_buckets(sensors):
    a, b, _ = sensors
    rows = [(a, T0 + timedelta(seconds=5), 3.0), (a, T0 + timedelta(seconds=50), 1.0),
            (a, T0 + timedelta(seconds=20), 7.0),  # out of order inside the batch
            (a, T0 + timedelta(seconds=65), 30.0),  # 10:00:05: next minute and next hour
            (b, T0 + timedelta(seconds=1), 0.5)]
    assert rollups.add(batch(rows)) == 3 + 3  # (a 09:59, a 10:00, b 09:59) × (minute, hour)
    minute = table(a, Rollup.MINUTE)
    assert minute[T0] == (3, 1.0, 7.0, 11.0, 1.0, T0 + timedelta(seconds=50))
    assert minute[T0 + timedelta(minutes=1)] == (1, 30.0, 30.0, 30.0, 30.0, T0 + timedelta(seconds=65))
    hour = table(a, Rollup.HOUR)
    assert hour == {datetime(2026, 11, 20, 9, tzinfo=UTC): (3, 1.0, 7.0, 11.0, 1.0, T0 + timedelta(seconds=50)),
                    datetime(2026, 11, 20, 10, tzinfo=UTC): (1, 30.0, 30.0, 30.0, 30.0, T0 + timedelta(seconds=65))}
    assert table(b, Rollup.MINUTE) == {T0: (1, 0.5, 0.5, 0.5, 0.5, T0 + timedelta(seconds=1))}


def test_a_later_batch_folds_in_and_an_older_reading_does_not_replace_the_last(sensors):
    a, _, _ = sensors
    rollups.add(batch([(a, T0 + timedelta(seconds=30), 10.0)]))
    rollups.add(batch([(a, T0 + timedelta(seconds=10), 40.0), (a, T0 + timedelta(seconds=20), -2.0)]))
    assert table(a, Rollup.MINUTE)[T0] == (3, -2.0, 40.0, 48.0, 10.0, T0 + timedelta(seconds=30))
    rollups.add(batch([(a, T0 + timedelta(seconds=59), 5.0)]))  # newer: it becomes the last value
    assert table(a, Rollup.MINUTE)[T0] == (4, -2.0, 40.0, 53.0, 5.0, T0 + timedelta(seconds=59))


def test_events_count_but_carry_no_value(sensors):
    _, _, panel = sensors
    rollups.add(batch([(panel, T0 + timedelta(seconds=3), "故障"), (panel, T0 + timedelta(seconds=9), "复位")]))
    rollups.add(batch([(panel, T0 + timedelta(seconds=30), "火警")]))
    assert table(panel, Rollup.MINUTE)[T0] == (3, None, None, None, None, T0 + timedelta(seconds=30))


def test_rollups_equal_a_count_by_hand_however_the_readings_are_batched(sensors):
    """5,000 readings over three hours for two sensors, pushed in random batches in random order, against a
    per-reading Python reference."""
    rng = np.random.default_rng(14)
    a, b, _ = sensors
    n = 5000
    who = rng.choice([a, b], n)
    times = [T0 + timedelta(milliseconds=int(x)) for x in rng.integers(0, 3 * 3600_000, n)]
    values = np.round(rng.normal(20, 8, n), 3)
    values[rng.random(n) < 0.01] = 0.0
    rows = list(zip(who, times, values.tolist(), strict=True))
    order = rng.permutation(n)
    cuts = sorted(rng.choice(np.arange(1, n), 30, replace=False).tolist())
    for part in np.split(order, cuts):
        rollups.add(batch([rows[i] for i in part]))

    for resolution, step in (("1m", 60), ("1h", 3600)):
        for sensor in (a, b):
            expected = {}
            for s, t, v in rows:
                if s != sensor:
                    continue
                epoch = int(t.timestamp())
                bucket = datetime.fromtimestamp(epoch - epoch % step, UTC)
                count, low, high, total, last, last_ts = expected.get(bucket, (0, v, v, 0.0, v, t))
                if t >= last_ts:
                    last, last_ts = v, t
                expected[bucket] = (count + 1, min(low, v), max(high, v), total + v, last, last_ts)
            got = table(sensor, resolution)
            assert set(got) == set(expected)
            for bucket, (count, low, high, total, last, last_ts) in expected.items():
                g = got[bucket]
                assert g[0] == count and g[1] == low and g[2] == high and g[5] == last_ts
                assert g[3] == pytest.approx(total) and g[4] == last


def store(sensor, start, step_s, values):
    """Readings stored as ingest stores them (rows, then the rollups of the same batch)."""
    now = timezone.now()
    times = [start + timedelta(seconds=i * step_s) for i in range(len(values))]
    Reading.objects.bulk_create([Reading(sensor=sensor, message_id=f"m{i}", ts=t, value=v, received_at=now)
                                 for i, (t, v) in enumerate(zip(times, values, strict=True))])
    rollups.add(batch([(sensor, t, v) for t, v in zip(times, values, strict=True)]))
    return times


def test_series_reads_raw_then_minutes_then_hours_as_the_range_widens(sensors):
    a, _, _ = sensors
    now = T0 + timedelta(days=3)
    start = datetime(2026, 11, 18, 10, 0, tzinfo=UTC)
    values = [float(i % 100) for i in range(2 * 24 * 360)]  # every 10 s for two days: 17,280 readings
    times = store(a, start, 10, values)

    small = rollups.series(a, times[100], times[399], max_points=2000, now=now)
    assert small["resolution"] == "raw"
    assert [p[0] for p in small["points"]] == [ms(t) for t in times[100:400]]
    assert small["points"][0][1:] == [0.0, 0.0, 0.0] and small["points"][1][1] == 1.0

    hours6 = rollups.series(a, start, start + timedelta(hours=6), max_points=2000, now=now)
    assert hours6["resolution"] == "1m" and len(hours6["points"]) == 361
    first = hours6["points"][0]  # values 0..5 in the first minute
    assert first == [ms(start), 2.5, 0.0, 5.0]

    both_days = rollups.series(a, start, start + timedelta(days=2), max_points=2000, now=now)
    assert both_days["resolution"] == "1h" and len(both_days["points"]) == 48
    assert both_days["points"][0][2:] == [0.0, 99.0]
    assert both_days["points"][0][1] == pytest.approx(np.mean(values[:360]))

    merged = rollups.series(a, start, start + timedelta(days=2), max_points=10, now=now)
    assert merged["resolution"] == "1h" and len(merged["points"]) == 10  # 5 hours a point
    assert merged["points"][1][0] == ms(start + timedelta(hours=5))


def test_series_does_not_read_raw_readings_past_their_retention(sensors, settings):
    a, _, _ = sensors
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # an hour's start: the three fall in one hour
    store(a, start, 60, [1.0, 2.0, 3.0])
    settings.YINGJI_READINGS_RAW_DAYS = 90
    recent = rollups.series(a, start, T0, now=T0 + timedelta(days=1))
    assert recent["resolution"] == "raw" and len(recent["points"]) == 3
    old = rollups.series(a, start, T0, now=T0 + timedelta(days=91))
    assert old["resolution"] == "1m" and [p[1] for p in old["points"]] == [1.0, 2.0, 3.0]
    settings.YINGJI_ROLLUP_MINUTE_DAYS = 30
    older = rollups.series(a, start, T0, now=T0 + timedelta(days=91))
    assert older["resolution"] == "1h" and older["points"] == [[ms(start), 2.0, 1.0, 3.0]]


def test_an_empty_range_is_an_empty_raw_series(sensors):
    a, _, _ = sensors
    assert rollups.series(a, T0, T0 + timedelta(hours=1)) == {"resolution": "raw", "points": []}
