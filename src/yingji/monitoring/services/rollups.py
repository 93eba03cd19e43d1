"""1-minute and 1-hour rollups of readings, and the series a chart reads.

`add(batch)` runs inside the ingest transaction for every stored batch: numpy groups the batch per
(sensor, bucket) — the batch is sorted by sensor then time, so a group is a run of equal keys and every
aggregate is one `reduceat` — and multi-row upserts (one statement on PostgreSQL) fold the groups into the Rollup rows
(INSERT … ON CONFLICT (sensor_id, resolution, bucket) DO UPDATE). No ORM object per reading or per bucket.
The rows go in (resolution, sensor, bucket) order, so two ingest processes touching the same buckets lock
them in the same order and cannot deadlock (ingest also holds the batch's sensor rows, locked in id order).

An event reading (a fire panel's 火警/故障) counts in `count` but has no value: minimum, maximum, total and
last_value stay empty for a bucket of events only. The mean of a bucket is total / count (a sensor's kind
is either numeric or event, never both)."""

from datetime import UTC, datetime, timedelta

import numpy as np
from django.conf import settings
from django.db import connection
from django.db.models import Count, Sum

from ..models import Reading, Rollup
from .sql import PG_TS, float8s, int8s, pg_cursor

RESOLUTIONS = ((Rollup.MINUTE, 60_000), (Rollup.HOUR, 3_600_000))
CHUNK = 1000  # rows per INSERT statement (9 parameters a row: under SQLite's 32,766 variables)


# COALESCE(f(a, b), a, b): SQLite's scalar MIN/MAX return NULL when either side is NULL (a bucket of events).
_UPDATE = (
    '"count" = {t}."count" + excluded."count", '
    '"minimum" = COALESCE({least}({t}."minimum", excluded."minimum"), {t}."minimum", excluded."minimum"), '
    '"maximum" = COALESCE({greatest}({t}."maximum", excluded."maximum"), {t}."maximum", excluded."maximum"), '
    '"total" = COALESCE({t}."total" + excluded."total", {t}."total", excluded."total"), '
    '"last_value" = CASE WHEN excluded."last_ts" >= {t}."last_ts" THEN excluded."last_value" '
    'ELSE {t}."last_value" END, '
    '"last_ts" = CASE WHEN excluded."last_ts" >= {t}."last_ts" THEN excluded."last_ts" ELSE {t}."last_ts" END'
)


def _update_clause(t: str) -> str:
    least, greatest = ("LEAST", "GREATEST") if connection.vendor == "postgresql" else ("MIN", "MAX")
    return _UPDATE.format(t=t, least=least, greatest=greatest)


def _upsert_sql(rows: int) -> str:
    t = '"monitoring_rollup"'
    values = ", ".join(["(%s, %s, %s, %s, %s, %s, %s, %s, %s)"] * rows)
    return (
        f'INSERT INTO {t} ("sensor_id", "resolution", "bucket", "count", "minimum", "maximum", "total", '
        f'"last_value", "last_ts") VALUES {values} '
        f'ON CONFLICT ("sensor_id", "resolution", "bucket") DO UPDATE SET {_update_clause(t)}'
    )


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _datetimes(ms: np.ndarray) -> list:
    """Database parameters for epoch milliseconds, all at once: PostgreSQL takes aware datetimes; SQLite gets the
    text Django itself stores (naive UTC, str() of the datetime: no fraction when the microseconds are 0), so
    that ON CONFLICT on the bucket and comparisons with rows the ORM wrote match exactly."""
    if connection.vendor != "sqlite":
        return [EPOCH + timedelta(milliseconds=m) for m in ms.tolist()]
    moments = ms.astype("datetime64[ms]")
    whole = np.char.replace(np.datetime_as_string(moments, unit="s"), "T", " ")
    fraction = np.char.replace(np.datetime_as_string(moments.astype("datetime64[us]"), unit="us"), "T", " ")
    return np.where(ms % 1000 == 0, whole, fraction).tolist()


def groups(batch, step_ms: int) -> dict[str, np.ndarray]:
    """The batch grouped per (sensor, bucket of `step_ms`): parallel arrays sensor, bucket (ms), count, minimum,
    maximum, total (NaN where the group has no value), last_value, last_ts (ms). The batch must be sorted by
    sensor then time (services/batch.Batch is)."""
    n = len(batch)
    if not n:
        empty = np.zeros(0, np.int64)
        return {"sensor": empty, "bucket": empty, "count": empty, "minimum": np.zeros(0), "maximum": np.zeros(0),
                "total": np.zeros(0), "last_value": np.zeros(0), "last_ts": empty}
    bucket = batch.ts_ms - np.mod(batch.ts_ms, step_ms)
    starts = np.flatnonzero(np.r_[True, (batch.sensor_id[1:] != batch.sensor_id[:-1]) | (bucket[1:] != bucket[:-1])])
    lasts = np.r_[starts[1:], n] - 1
    value = batch.value
    numeric = ~np.isnan(value)
    has_value = np.add.reduceat(numeric.astype(np.int64), starts) > 0
    total = np.add.reduceat(np.where(numeric, value, 0.0), starts)
    return {
        "sensor": batch.sensor_id[starts],
        "bucket": bucket[starts],
        "count": np.diff(np.r_[starts, n]),
        "minimum": np.fmin.reduceat(value, starts),  # fmin/fmax skip NaN (NaN only when the whole group is)
        "maximum": np.fmax.reduceat(value, starts),
        "total": np.where(has_value, total, np.nan),
        "last_value": value[lasts],  # the batch is in time order (equal times: arrival order), so the run's last
        "last_ts": batch.ts_ms[lasts],
    }


def _nullable(array: np.ndarray) -> list:
    return [None if v != v else v for v in array.tolist()]  # NaN → NULL


def add(batch) -> int:
    """Fold a stored batch (services/batch.Batch of NEW readings) into the 1-minute and 1-hour rollups, inside
    the caller's transaction. Returns the number of buckets written (both resolutions)."""
    if not len(batch):
        return 0
    if connection.vendor == "postgresql":
        return _add_pg(batch)
    written = 0
    with connection.cursor() as cursor:
        for resolution, step_ms in RESOLUTIONS:
            g = groups(batch, step_ms)
            columns = zip(g["sensor"].tolist(), [resolution] * len(g["sensor"]),
                          _datetimes(g["bucket"]), g["count"].tolist(),
                          _nullable(g["minimum"]), _nullable(g["maximum"]), _nullable(g["total"]),
                          _nullable(g["last_value"]), _datetimes(g["last_ts"]), strict=True)
            rows = list(columns)
            for first in range(0, len(rows), CHUNK):
                chunk = rows[first:first + CHUNK]
                cursor.execute(_upsert_sql(len(chunk)), [p for row in chunk for p in row])
            written += len(rows)
    return written


def _add_pg(batch) -> int:
    """PostgreSQL: both resolutions' groups in one statement, arrays bound on the server in binary, minute rows
    before hour rows (the lock order above)."""
    parts = [(resolution, groups(batch, step_ms)) for resolution, step_ms in RESOLUTIONS]

    def column(name):
        return np.concatenate([g[name] for _, g in parts])

    resolution = np.concatenate([np.full(len(g["sensor"]), i, np.int64) for i, (_, g) in enumerate(parts)])
    names = ", ".join(f"'{r}'" for r, _ in RESOLUTIONS)
    t = '"monitoring_rollup"'
    with pg_cursor() as pg:
        pg.execute(
            f'INSERT INTO {t} ("sensor_id", "resolution", "bucket", "count", "minimum", "maximum", "total", '
            '"last_value", "last_ts") '
            f'SELECT u.s, (ARRAY[{names}])[u.r + 1], {PG_TS.format("u.b")}, u.c, u.lo, u.hi, u.tot, u.lv, '
            f'{PG_TS.format("u.lt")} '
            'FROM unnest(%b::int8[], %b::int8[], %b::int8[], %b::int8[], %b::float8[], %b::float8[], %b::float8[], '
            '%b::float8[], %b::int8[]) AS u(s, r, b, c, lo, hi, tot, lv, lt) '
            f'ON CONFLICT ("sensor_id", "resolution", "bucket") DO UPDATE SET {_update_clause(t)}',
            [int8s(column("sensor")), int8s(resolution), int8s(column("bucket")), int8s(column("count")),
             float8s(column("minimum")), float8s(column("maximum")), float8s(column("total")),
             float8s(column("last_value")), int8s(column("last_ts"))])
    return len(resolution)


# --- the series a chart reads ---------------------------------------------------------------------------------

def _ms(dt) -> int:
    return int(dt.timestamp() * 1000)


def _floor(dt, step: timedelta):
    seconds = int(step.total_seconds())
    epoch = int(dt.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, UTC)


def _raw_points(sensor_id, start, end, limit) -> list:
    rows = (Reading.objects.filter(sensor_id=sensor_id, ts__gte=start, ts__lte=end).order_by("ts", "id")
            .values_list("ts", "value")[:limit])
    return [[_ms(ts), value, value, value] for ts, value in rows]


def _rollup_points(sensor_id, resolution, start, end, step) -> list:
    rows = (Rollup.objects.filter(sensor_id=sensor_id, resolution=resolution, bucket__gte=_floor(start, step),
                                  bucket__lte=end).order_by("bucket")
            .values_list("bucket", "count", "minimum", "maximum", "total"))
    return [[_ms(bucket), total / count if total is not None and count else None, low, high]
            for bucket, count, low, high, total in rows]


def _merge(points: list, max_points: int) -> list:
    """Hour points merged k at a time (k the smallest that fits max_points): mean of the means weighted alike,
    min of the minima, max of the maxima."""
    k = -(-len(points) // max_points)
    merged = []
    for first in range(0, len(points), k):
        part = points[first:first + k]
        means = [p[1] for p in part if p[1] is not None]
        lows = [p[2] for p in part if p[2] is not None]
        highs = [p[3] for p in part if p[3] is not None]
        merged.append([part[0][0], sum(means) / len(means) if means else None, min(lows) if lows else None,
                       max(highs) if highs else None])
    return merged


def series(sensor, start, end, max_points: int = 2000, *, now=None) -> dict:
    """What a chart of `sensor` from `start` to `end` (aware datetimes, both included) reads: the finest of
    raw readings, 1-minute and 1-hour rollups whose point count fits `max_points`.

    {"resolution": "raw" | "1m" | "1h", "points": [[ts_ms, value or mean, min, max], …]} in time order; a raw
    point has min = max = its value (None for an event). Raw readings are read only within their retention
    (YINGJI_READINGS_RAW_DAYS), 1-minute rollups within theirs (YINGJI_ROLLUP_MINUTE_DAYS); 1-hour rollups
    always, merged several hours a point when even they are too many. The readings the range holds are
    estimated from the 1-hour rollups it touches (a few hundred rows at most for a quarter), never counted."""
    sensor_id = getattr(sensor, "pk", sensor)
    now = now or datetime.now(UTC)
    hours = Rollup.objects.filter(sensor_id=sensor_id, resolution=Rollup.HOUR,
                                  bucket__gte=_floor(start, timedelta(hours=1)), bucket__lte=end).aggregate(
        buckets=Count("id"), readings=Sum("count"))
    estimate, hour_buckets = hours["readings"] or 0, hours["buckets"]  # estimate: at least the readings inside
    if start >= now - timedelta(days=settings.YINGJI_READINGS_RAW_DAYS) and estimate <= max_points:
        return {"resolution": "raw", "points": _raw_points(sensor_id, start, end, max_points)}
    if start >= now - timedelta(days=settings.YINGJI_ROLLUP_MINUTE_DAYS) and hour_buckets <= max_points:
        minute = timedelta(minutes=1)
        fits = min(estimate, hour_buckets * 60) <= max_points or Rollup.objects.filter(
            sensor_id=sensor_id, resolution=Rollup.MINUTE, bucket__gte=_floor(start, minute),
            bucket__lte=end).count() <= max_points
        if fits:
            return {"resolution": Rollup.MINUTE, "points": _rollup_points(sensor_id, Rollup.MINUTE, start, end, minute)}
    points = _rollup_points(sensor_id, Rollup.HOUR, start, end, timedelta(hours=1))
    return {"resolution": Rollup.HOUR, "points": _merge(points, max_points) if len(points) > max_points else points}
