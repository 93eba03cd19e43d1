"""EXPLAIN (ANALYZE) of the sensor list page's queries filtered by kind, as the demo duty officer, with the
(kind, code) index and without it (dropped inside a transaction that is rolled back).

Writes N (default 50,000) sensors coded X-000000… into the demo database named by YINGJI_DATABASE_URL (PostgreSQL;
load it with `yingji demo --no-serve` first): use a scratch database. Run ANALYZE after loading for real plans.

    YINGJI_DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch PYTHONPATH=src python bench/explain_sensor_list.py
"""
import os
import re
import sys
import time
from datetime import timedelta

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")


def main():
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from yingji.core.models import Region, User
    from yingji.monitoring import kinds
    from yingji.monitoring.models import Sensor

    N = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    if Sensor.objects.filter(code__startswith="X-").count() < N:
        Sensor.objects.filter(code__startswith="X-").delete()
        regions = list(Region.objects.filter(level="township", path__startswith=Region.objects.get(code="512022").path))
        infos = list(kinds.kinds().values())
        now = timezone.now()
        Sensor.objects.bulk_create([
            Sensor(code=f"X-{i:06d}", name=f"压测监测点{i}", kind=infos[i % len(infos)].code,
                   unit=infos[i % len(infos)].unit, region=regions[i % len(regions)],
                   expected_interval_s=60, installed_at=now - timedelta(days=30)) for i in range(N)], batch_size=5000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE monitoring_sensor")
    print("sensors:", Sensor.objects.count(), "lel:", Sensor.objects.filter(kind="lel").count())

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(User.objects.get(username="duty"))
    URL = "/monitoring/sensors/?kind=lel"


    def sensor_queries():
        with CaptureQueriesContext(connection) as captured:
            t = time.perf_counter()
            answer = client.get(URL)
            elapsed = time.perf_counter() - t
        assert answer.status_code == 200, answer.status_code
        return elapsed, [q["sql"] for q in captured.captured_queries
                         if 'FROM "monitoring_sensor"' in q["sql"] and '"monitoring_sensor"."kind" =' in q["sql"]]


    def explain(sql):
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
            return [row[0] for row in cursor.fetchall()]


    def report(label):
        times = sorted(sensor_queries()[0] for _ in range(5))
        _, queries = sensor_queries()
        print(f"\n===== {label}: page GET {URL} median {times[2] * 1000:.0f} ms (5 runs: "
              + ", ".join(f"{t * 1000:.0f}" for t in times) + ")")
        for sql in queries:
            plan = explain(sql)
            total = next((line for line in plan if line.startswith("Execution Time")), "")
            print("--- SQL:", re.sub(r"SELECT .*? FROM", "SELECT … FROM", sql)[:300])
            print("\n".join("    " + line for line in plan))
            print("   ", total)


    report("with sensor_kind_code")
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute('DROP INDEX "sensor_kind_code"')
        report("without it (dropped in a transaction, rolled back)")
        transaction.set_rollback(True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'monitoring_sensor' ORDER BY 1")
        print("\nindexes after rollback:", [r[0] for r in cursor.fetchall()])


if __name__ == "__main__":
    main()
