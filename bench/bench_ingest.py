"""Rules over readings (issue 14 §7): the vectorised rule engine against a per-reading Python loop, on one core.

A batch of N readings from S combustible-gas sensors (a random walk around the GB/T 50493 setpoints 25/50 %LEL,
so alarms are raised, escalated and cleared; a third of the sensors with a 30 s hold), judged by two rules per
sensor (high with deadband, and rate of change). Each pair runs the engine (monitoring/rules.judge: numpy over
the whole batch) and the reference loop (rules.reference_loop: the same latch one reading at a time) on the same
input, interleaved; the figure per pair is readings per second and the loop/vectorised ratio. Both must give the
same transitions.

    .venv/bin/python bench/bench_ingest.py [--readings 200000] [--sensors 1000] [--pairs 5]
    .venv/bin/python bench/bench_ingest.py --evaluate      # also evaluate() with the database (SQLite demo site)
    .venv/bin/python bench/bench_ingest.py --e2e [--database-url postgres://…]   # MQTT → PostgreSQL (bench/ingest_e2e.py)
"""

import argparse
import os
import statistics
import sys
import time

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one core

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))
from yingji.monitoring import rules as R  # noqa: E402


def batch(readings: int, sensors: int, seed: int = 14):
    """Readings sorted by (sensor, time): 10 s apart, a random walk that crosses 25 and 50 %LEL now and then."""
    rng = np.random.default_rng(seed)
    per = np.full(sensors, readings // sensors)
    per[: readings - per.sum()] += 1
    starts = np.r_[0, np.cumsum(per)[:-1]].astype(np.int64)
    gid = np.repeat(np.arange(sensors), per)
    position = np.arange(readings) - starts[gid]
    ts = (1_764_000_000_000 + position * 10_000 + rng.integers(0, 2_000, readings)).astype(np.int64)
    steps = rng.normal(0, 1.6, readings)
    steps[starts] = rng.uniform(0, 30, sensors)  # each sensor's starting level
    value = np.cumsum(steps)
    value -= np.repeat(np.r_[0.0, np.cumsum(steps)[starts[1:] - 1]], per)  # restart the walk per sensor
    value = np.clip(value, 0, 100).round(2)
    high = R.Params(np.full(sensors, 25.0), np.full(sensors, 50.0), np.full(sensors, 1.0),
                    np.where(np.arange(sensors) % 3 == 0, 30_000, 0).astype(np.int64))
    rate = R.Params(np.full(sensors, 30.0), np.full(sensors, 60.0), np.full(sensors, 5.0), np.zeros(sensors, np.int64))
    return ts, value, starts, high, rate


def vectorised(ts, value, starts, high, rate):
    g = len(starts)
    a = R.judge(R.HIGH, ts, value, starts, high, R.State.empty(g))
    b = R.judge(R.RATE, ts, value, starts, rate, R.State.empty(g))
    return a, b


def loop(ts, value, starts, high, rate):
    g = len(starts)
    a = R.reference_loop(R.HIGH, ts, value, starts, high, R.State.empty(g))
    b = R.reference_loop(R.RATE, ts, value, starts, rate, R.State.empty(g))
    return a, b


def transitions(out):
    return [(i, a, lv, None if p != p else p) for i, a, lv, p in zip(
        out.index.tolist(), out.action.tolist(), out.level.tolist(), out.peak.tolist(), strict=True)]


def bench_engine(args):
    data = batch(args.readings, args.sensors)
    fast = vectorised(*data)
    slow = loop(*data)
    assert transitions(fast[0]) == slow[0][0] and transitions(fast[1]) == slow[1][0], \
        "the vectorised engine disagrees with the per-reading loop"
    counts = {name: int((fast[0].action == code).sum()) for code, name in R.ACTION_NAMES.items()}
    print(f"{args.readings:,} readings × 2 rules (high 25/50 %LEL with deadband 1, 1/3 with hold 30 s; rate "
          f"30/60 per min) over {args.sensors:,} sensors: high-rule transitions {counts}, "
          f"rate-rule transitions {len(fast[1])}")
    rows = []
    for i in range(args.pairs):
        start = time.perf_counter()
        vectorised(*data)
        v = time.perf_counter() - start
        start = time.perf_counter()
        loop(*data)
        s = time.perf_counter() - start
        rows.append((v, s))
        print(f"  pair {i + 1}: vectorised {v * 1000:8.1f} ms ({args.readings / v:12,.0f} readings/s)   "
              f"loop {s * 1000:8.1f} ms ({args.readings / s:10,.0f} readings/s)   ratio {s / v:6.1f}×")
    v = statistics.median(r[0] for r in rows)
    s = statistics.median(r[1] for r in rows)
    ratios = [r[1] / r[0] for r in rows]
    print(f"median: vectorised {args.readings / v:,.0f} readings/s, loop {args.readings / s:,.0f} readings/s, "
          f"ratio {statistics.median(ratios):.1f}× (min {min(ratios):.1f}×, max {max(ratios):.1f}×)")
    target = 100_000
    print(f"target ≥ {target:,} readings/s on one core: {'met' if args.readings / v >= target else 'NOT MET'}")


def bench_evaluate(args):
    """evaluate() as ingest calls it: the engine plus the rules, states and alarms it reads and writes (SQLite)."""
    sys.path.insert(0, os.path.dirname(__file__))
    from common import demo_site

    demo_site()
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from yingji.core.models import Region
    from yingji.monitoring.models import Alarm, Rule, Sensor
    from yingji.monitoring.services.batch import Batch
    from yingji.monitoring.services.evaluate import evaluate
    from yingji.monitoring.services.rules import save_rule

    county = Region.objects.get(code="512022")
    Rule.objects.filter(kind="lel").update(enabled=False)
    for rule_type, level1, level2, deadband in (("high", 25.0, 50.0, 1.0), ("rate", 30.0, 60.0, 5.0)):
        rule = Rule.objects.filter(sensor=None, region=county, kind="lel", rule_type=rule_type).first() or Rule()
        save_rule(None, rule, {"name": f"压测{rule_type}", "kind": "lel", "rule_type": rule_type, "region": county,
                               "level1": level1, "level2": level2, "deadband": deadband, "hold_s": 0, "enabled": True})
    now = timezone.now()
    sensors = Sensor.objects.bulk_create([
        Sensor(code=f"BENCH-{i:05d}", name=f"压测{i}", kind="lel", unit="%LEL", region=county, expected_interval_s=10,
               installed_at=now - timedelta(days=1)) for i in range(args.sensors)])
    ids = np.array([s.pk for s in sensors], np.int64)
    ts, value, starts, _, _ = batch(args.readings, args.sensors)
    per = np.diff(np.r_[starts, len(ts)])
    sensor_of = np.repeat(ids, per)
    chunk = max(1, args.sensors // 10)  # ten ingest batches, each with the readings of 1/10 of the sensors
    cuts = [int(starts[k * chunk]) for k in range(10)] + [len(ts)]
    for label, values, shift in (("quiet: the walk scaled below 20 %LEL", value * 0.2, 0),
                                 ("busy: the walk across 25 and 50 %LEL", value, 10_000_000)):
        rounds = [Batch.sorted(sensor_of[a:b], ts[a:b] + shift, values[a:b], np.full(b - a, ""))
                  for a, b in zip(cuts[:-1], cuts[1:], strict=True)]
        before = Alarm.objects.count()
        start = time.perf_counter()
        touched = 0
        for b in rounds:
            with transaction.atomic():
                touched += len(evaluate(b, now=now))
        elapsed = time.perf_counter() - start
        print(f"evaluate() with the database (SQLite), {label}: {args.readings:,} readings in 10 batches of "
              f"{chunk:,} sensors: {elapsed * 1000:,.0f} ms, {args.readings / elapsed:,.0f} readings/s, "
              f"{touched:,} alarms touched, {Alarm.objects.count() - before:,} new")


def bench_e2e(args):
    sys.path.insert(0, os.path.dirname(__file__))
    try:
        from ingest_e2e import run_e2e  # bench/ingest_e2e.py (MQTT publish → committed reading and alarm)
    except ImportError as exc:
        print(f"--e2e: bench/ingest_e2e.py is not available ({exc})")
        return 1
    url = args.database_url or os.environ.get("YINGJI_DATABASE_URL") or "postgres://postgres@127.0.0.1:5432/yingji_bench"
    result = run_e2e(url, readings=args.e2e_readings, sensors=args.sensors)
    if result is not None:
        print(result)
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--sensors", type=int, default=1_000)
    parser.add_argument("--pairs", type=int, default=5)
    parser.add_argument("--evaluate", action="store_true", help="also time evaluate() with the database")
    parser.add_argument("--e2e", action="store_true", help="also run bench/ingest_e2e.py (MQTT → PostgreSQL)")
    parser.add_argument("--e2e-readings", type=int, default=200_000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    bench_engine(args)
    if args.evaluate:
        bench_evaluate(args)
    if args.e2e:
        return bench_e2e(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
