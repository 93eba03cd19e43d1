"""End to end ingest on PostgreSQL: MQTT publish → committed reading, and → alarm (issue 14 §7).

    .venv/bin/python bench/ingest_e2e.py [--database-url postgres://postgres@127.0.0.1:5432/yingji_bench]
        [--readings 200000] [--sensors 1000] [--rate 25000] [--per-message 10]

What runs, each in its own process (this machine has 2 cores; everything shares them):
- `yingji ingest mqtt` (the product, as deployed) against a scratch PostgreSQL database, created and loaded with
  the demo county on first use (`yingji demo --no-serve`), its readings, alarms and rollups emptied each run;
- a paho publisher sending `readings` readings for `sensors` combustible-gas sensors (kind lel, judged by the
  demo's 25/50 %LEL rule) at `rate` readings/s, `per_message` readings of one sensor per QoS 1 message, each
  reading stamped with its publish time; one sensor in 50 ramps past 25 then 50 %LEL (one alarm each, escalated);
- this process, polling the database every 50 ms for new readings and alarms: the latency of a reading is when
  it was first seen committed minus its publish time (so it includes up to one poll interval).

Returns {"readings_per_s", "p50_commit_ms", "p99_commit_ms", "p50_alarm_ms", "p99_alarm_ms", "rss_before_mb",
"rss_after_mb", …}. bench/bench_ingest.py --e2e calls run_e2e()."""

import argparse
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
YINGJI = str(Path(sys.executable).parent / "yingji")
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/yingji_bench"
POLL_S = 0.05
ALARM_EVERY = 50  # one sensor in 50 crosses 25 then 50 %LEL


def _env(url: str, var_dir: Path) -> dict:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    return {**clean, "YINGJI_DATABASE_URL": url, "YINGJI_VAR_DIR": str(var_dir), "YINGJI_SECRET_KEY": "bench",
            "YINGJI_LOG_LEVEL": "WARNING"}


def _connect(url: str, **kwargs):
    import psycopg

    parsed = urlparse(url)
    return psycopg.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
                           user=parsed.username or "postgres", password=parsed.password,
                           dbname=parsed.path.lstrip("/"), **kwargs)


def ensure_database(url: str, var_dir: Path):
    """Create the scratch database if missing and load the demo county into it (once)."""
    import psycopg

    name = urlparse(url).path.lstrip("/")
    maintenance = urlunparse(urlparse(url)._replace(path="/postgres"))
    with _connect(maintenance, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(name)))
    with _connect(url) as conn:
        ready = conn.execute("SELECT to_regclass('monitoring_sensor') IS NOT NULL").fetchone()[0] and \
            conn.execute("SELECT EXISTS (SELECT 1 FROM monitoring_rule WHERE kind = 'lel' AND rule_type = 'high')").fetchone()[0]
    if not ready:
        subprocess.run([YINGJI, "demo", "--no-serve"], env=_env(url, var_dir), check=True, capture_output=True)
    else:  # a database from an earlier run: bring its schema up to this code (the consumer refuses a stale one)
        subprocess.run([YINGJI, "manage", "migrate", "--noinput"], env=_env(url, var_dir), check=True,
                       capture_output=True)


SETUP = """
import os, sys
from datetime import timedelta
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
import django
django.setup()
from django.db import connection
from django.utils import timezone
from yingji.core.models import Region
from yingji.monitoring.models import Gateway, Sensor
sensors = int(sys.argv[1])
with connection.cursor() as c:
    c.execute("TRUNCATE monitoring_reading, monitoring_readingkey, monitoring_rollup, monitoring_alarmevent, "
              "monitoring_rulestate, monitoring_ingestrejection")
    c.execute("DELETE FROM monitoring_alarm")
region = Region.objects.get(code="512022102")
gateway, _ = Gateway.objects.get_or_create(code="BENCH-GW", defaults={"name": "基准测试网关", "region": region})
Gateway.objects.filter(pk=gateway.pk).update(accepted_count=0, rejected_count=0)
have = set(Sensor.objects.filter(code__startswith="BENCH-LEL-").values_list("code", flat=True))
installed = timezone.now() - timedelta(days=1)
Sensor.objects.bulk_create([Sensor(code=f"BENCH-LEL-{i:05d}", name=f"基准可燃气体{i}", kind="lel", unit="%LEL",
                                   region=region, gateway=gateway, expected_interval_s=10, installed_at=installed)
                            for i in range(sensors) if f"BENCH-LEL-{i:05d}" not in have])
Sensor.objects.filter(code__startswith="BENCH-LEL-").update(last_value=None, last_reading_at=None, status="never")
# Every batch rewrites a row per sensor in these tables: with autovacuum off (as on the bench machine) their dead rows
# pile up run after run and each run would start slower than the last. Vacuumed, every run starts alike.
with connection.cursor() as c:
    c.execute("VACUUM ANALYZE monitoring_sensor, monitoring_rollup, monitoring_rulestate, monitoring_gateway, "
              "monitoring_alarm, monitoring_readingkey")
print("ok")
"""


def publish(host, port, prefix, readings, sensors, rate, per_message, ready, started):
    """The publisher process: `readings` readings at `rate` per second, `per_message` per message."""
    import paho.mqtt.client as mqtt
    from paho.mqtt.enums import CallbackAPIVersion

    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-pub-{uuid.uuid4().hex[:8]}",
                         protocol=mqtt.MQTTv5)
    # No cap on QoS 1 messages awaiting their PUBACK: with a cap, paho walks every in-flight message on each PUBACK
    # (Client._update_inflight), which under a backlog made this stand-in for the sensors the machine's biggest
    # CPU user (~37 ms per 1,000 readings at 25,000/s), taken from the consumers and PostgreSQL it is measuring.
    client.max_inflight_messages_set(0)
    client.max_queued_messages_set(0)
    client.connect(host, port)
    client.loop_start()
    ready.set()
    messages = readings // per_message
    seq = [0] * sensors
    start = time.time()
    started.value = start
    infos = []
    for m in range(messages):
        due = start + m * per_message / rate
        delay = due - time.time()
        if delay > 0:
            time.sleep(delay)
        s = m % sensors
        k = seq[s]
        seq[s] += 1
        now_ms = int(time.time() * 1000)
        if s % ALARM_EVERY == 0:  # ramps 0 → 60 %LEL over its messages: past 25 (一级), then 50 (二级)
            total = max(1, messages // sensors)
            values = [min(60.0, 60.0 * (k + 1) / total)] * per_message
        else:
            values = [(k * per_message + j) % 20 + 0.5 for j in range(per_message)]
        body = json.dumps([{"id": f"{k}-{j}", "ts": now_ms - (per_message - 1 - j), "value": values[j]}
                           for j in range(per_message)])
        infos.append(client.publish(f"{prefix}/sensors/BENCH-LEL-{s:05d}/readings", body, qos=1))
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) so far; 0 if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _mosquitto_pid() -> int | None:
    try:
        return int(Path("/run/mosquitto/mosquitto.pid").read_text().strip())
    except (OSError, ValueError):
        return None


def _percentile(values, q):
    if not values:
        return None
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 1)


class _NewRows:
    """Rows of `table` committed since the last poll, with their timestamp in ms.

    Several consumers commit concurrently, so ids do not become visible in order: a batch with lower ids can
    commit after one with higher ids. "id > highest seen" would miss it for ever, so the ids skipped so far are
    kept as holes and asked for again on every poll until they appear."""

    def __init__(self, conn, table, ts_column):  # before the publisher starts
        select = f"SELECT id, (extract(epoch FROM {ts_column}) * 1000)::bigint FROM {table} "
        self.after, self.among = select + "WHERE id > %s", select + "WHERE id = ANY(%s)"  # two index scans, no OR
        # Start from the id sequence as it is before the run (ids are not reset between runs): from 0, every id
        # of the earlier runs (millions) became a hole, asked for on every poll, and the poller — not the
        # product — set the figures (it saw 150,000 readings over 50 s that were committed within 6 s).
        self.highest = conn.execute("SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence(%s, 'id')), 0)",
                                    [table]).fetchone()[0]
        self.holes = set()

    def poll(self, conn):
        rows = conn.execute(self.after, [self.highest]).fetchall()
        if self.holes:
            rows += conn.execute(self.among, [list(self.holes)]).fetchall()
        if rows:
            got = {row[0] for row in rows}
            top = max(got)
            self.holes = (self.holes | set(range(self.highest + 1, top))) - got
            self.highest = max(self.highest, top)
        return rows


def _start_consumers(count, run, host, port, prefix, batch_size, batch_ms, url, var_dir):
    """`count` `yingji ingest mqtt` processes sharing one subscription ($share/bench<run>/…)."""
    consumers = []
    for n in range(count):
        log_path = var_dir / f"consumer-{run}-{n}.log"
        process = subprocess.Popen(
            [YINGJI, "ingest", "mqtt", "--host", host, "--port", str(port), "--client-id", f"bench-{run}-{n}",
             "--share-group", f"bench{run}", "--topic-prefix", prefix, "--batch-size", str(batch_size),
             "--batch-ms", str(batch_ms), "--session-expiry", "60"],
            env=_env(url, var_dir), stdout=open(log_path, "w"), stderr=subprocess.STDOUT)  # noqa: SIM115
        consumers.append((process, log_path))
    deadline = time.monotonic() + 60
    for process, log_path in consumers:
        while '"event": "subscribed"' not in log_path.read_text():
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"consumer did not start:\n{log_path.read_text()[-2000:]}")
            time.sleep(0.05)
    return consumers


def run_e2e(database_url: str | None = None, readings: int = 200_000, sensors: int = 1_000, *, rate: int = 25_000,
            per_message: int = 10, batch_size: int = 5000, batch_ms: int = 50, consumers: int = 1,
            host="127.0.0.1", port=1883, timeout_s: float = 900, log=print) -> dict:
    url = database_url or DEFAULT_URL
    var_dir = Path(os.environ.get("TMPDIR", "/tmp")) / "yingji-bench-ingest"
    var_dir.mkdir(parents=True, exist_ok=True)
    ensure_database(url, var_dir)
    subprocess.run([sys.executable, "-c", SETUP, str(sensors)], env=_env(url, var_dir), check=True, cwd=ROOT)
    run = uuid.uuid4().hex[:8]
    prefix = f"bench/{run}/yingji/v1"
    started_consumers = _start_consumers(consumers, run, host, port, prefix, batch_size, batch_ms, url, var_dir)
    pids = [process.pid for process, _ in started_consumers]
    try:
        rss_before = sum(_rss_mb(pid) for pid in pids)
        # CPU per reading holds up when other work shares the machine, where readings/s and latencies do not.
        broker = _mosquitto_pid()
        cpu_start = {"consumers": sum(_cpu_s(pid) for pid in pids), "broker": _cpu_s(broker) if broker else 0.0}
        rss_samples, next_sample = [], time.monotonic()
        ctx = multiprocessing.get_context("spawn")
        ready, started = ctx.Event(), ctx.Value("d", 0.0)
        publisher = ctx.Process(target=publish, args=(host, port, prefix, readings, sensors, rate, per_message,
                                                      ready, started))
        with _connect(url, autocommit=True) as conn:
            readings_seen = _NewRows(conn, "monitoring_reading", "ts")
            alarms_seen = _NewRows(conn, "monitoring_alarm", "raised_at")
        publisher.start()
        ready.wait(30)
        commit_ms, alarm_ms = [], []
        seen, last_seen_at = 0, None
        expected = readings // per_message * per_message
        rss_peak = rss_before
        with _connect(url, autocommit=True) as conn:
            end = time.monotonic() + timeout_s
            while seen < expected and time.monotonic() < end:
                time.sleep(POLL_S)
                rows = readings_seen.poll(conn)
                observed = time.time() * 1000
                if rows:
                    commit_ms.extend(observed - ts for _, ts in rows)
                    seen += len(rows)
                    last_seen_at = observed
                alarm_ms.extend(observed - ts for _, ts in alarms_seen.poll(conn))
                if time.monotonic() >= next_sample:  # every 10 s: memory must stay flat over a long run
                    rss = sum(_rss_mb(pid) for pid in pids)
                    rss_samples.append(round(rss, 1))
                    rss_peak = max(rss_peak, rss)
                    next_sample += 10
            backends = [row[0] for row in conn.execute(  # the consumers' PostgreSQL processes (they connected once)
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
                "AND backend_type = 'client backend'").fetchall()]
            cpu = {"consumers": sum(_cpu_s(pid) for pid in pids) - cpu_start["consumers"],
                   "postgres": sum(_cpu_s(pid) for pid in backends),
                   "broker": (_cpu_s(broker) - cpu_start["broker"]) if broker else 0.0,
                   "publisher": _cpu_s(publisher.pid)}  # the stand-in for the sensors (before join: still readable)
            escalated = conn.execute("SELECT count(*) FROM monitoring_alarm WHERE level = 2").fetchone()[0]
            alarms_total = conn.execute("SELECT count(*) FROM monitoring_alarm").fetchone()[0]
            stored = conn.execute("SELECT count(*) FROM monitoring_reading").fetchone()[0]
        publisher.join(60)
        rss_after = sum(_rss_mb(pid) for pid in pids)
        elapsed_s = (last_seen_at / 1000 - started.value) if last_seen_at else None
        result = {
            "readings": expected, "stored": stored, "sensors": sensors, "offered_rate": rate,
            "per_message": per_message, "batch_size": batch_size, "batch_ms": batch_ms, "consumers": consumers,
            "readings_per_s": round(stored / elapsed_s) if elapsed_s else 0,
            "p50_commit_ms": _percentile(commit_ms, 0.50), "p99_commit_ms": _percentile(commit_ms, 0.99),
            "max_commit_ms": round(max(commit_ms), 1) if commit_ms else None,
            "alarms": alarms_total, "escalated": escalated,
            "p50_alarm_ms": _percentile(alarm_ms, 0.50), "p99_alarm_ms": _percentile(alarm_ms, 0.99),
            "rss_before_mb": round(rss_before, 1), "rss_peak_mb": round(rss_peak, 1), "rss_after_mb": round(rss_after, 1),
            "rss_every_10s_mb": rss_samples, "poll_ms": int(POLL_S * 1000),
            "load_average": os.getloadavg()[0],
            # CPU ms per 1,000 readings: the consumers' processes, their PostgreSQL backends (since they connected),
            # Mosquitto (anyone else's messages included), the bench's publisher
            "cpu_ms_per_1000": {k: round(v * 1000 / max(stored, 1) * 1000, 1) for k, v in cpu.items()},
        }
        return result
    finally:
        for process, _ in started_consumers:
            process.send_signal(signal.SIGTERM)
        for process, _ in started_consumers:
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=os.environ.get("YINGJI_BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--sensors", type=int, default=1_000)
    parser.add_argument("--rate", type=int, default=25_000, help="offered readings/s")
    parser.add_argument("--per-message", type=int, default=10)
    parser.add_argument("--batch-size", type=int, default=5000)
    parser.add_argument("--batch-ms", type=int, default=50)
    parser.add_argument("--consumers", type=int, default=1, help="`yingji ingest mqtt` processes sharing the load")
    args = parser.parse_args()
    result = run_e2e(args.database_url, args.readings, args.sensors, rate=args.rate, per_message=args.per_message,
                     batch_size=args.batch_size, batch_ms=args.batch_ms, consumers=args.consumers)
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
