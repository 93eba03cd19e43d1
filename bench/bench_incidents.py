"""Incidents at scale: 100k historic incidents and 1M timeline entries in SQLite.

Prints the median time of page 1 of the incident list (web page and API) and of one incident's page
with its timeline (web page and API timeline), and the ratio of each against a naive baseline run in
the same process (load every row and sort in Python, as a hand-rolled list would).

    .venv/bin/python bench/bench_incidents.py [--incidents 100000] [--entries 1000000]

Set-up data is bulk-inserted (it is the state being measured, not the services that wrote it).
"""

import argparse
import random
import sys
from datetime import timedelta

from common import demo_site, median_ms


def seed(n_incidents: int, n_entries: int):
    from django.utils import timezone

    from yingji.core.models import Region
    from yingji.incidents.models import Incident, TimelineEntry

    rng = random.Random(1)
    townships = list(Region.objects.filter(parent__code="512022", level="township"))
    codes = ["12G03", "12H02", "11A02", "11D01", "12D02", "11B03"]
    now = timezone.now()
    print(f"seeding {n_incidents:,} incidents, {n_entries:,} timeline entries …", file=sys.stderr)
    Incident.objects.bulk_create((
        Incident(number=f"YJB{i:08d}", title=f"压测事件{i}", source="duty_phone", region=rng.choice(townships),
                 occurred_at=now - timedelta(minutes=10 * i + 5), reported_at=now - timedelta(minutes=10 * i),
                 event_code=rng.choice(codes), status=Incident.ARCHIVED, level=4, longitude=105.0, latitude=30.3)
        for i in range(n_incidents)), batch_size=5000)
    ids = list(Incident.objects.filter(number__startswith="YJB").values_list("pk", flat=True))
    busy = ids[0]  # the newest: it gets a tenth of all entries, the rest spread over the others
    per_batch = 50_000
    for start in range(0, n_entries, per_batch):
        TimelineEntry.objects.bulk_create((
            TimelineEntry(incident_id=busy if k % 10 == 0 else ids[k % len(ids)], kind="note",
                          text=f"压测记录 {k}", time=now - timedelta(seconds=k))
            for k in range(start, min(start + per_batch, n_entries))), batch_size=per_batch)
    return Incident.objects.get(pk=busy)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--incidents", type=int, default=100_000)
    parser.add_argument("--entries", type=int, default=1_000_000)
    args = parser.parse_args()
    demo_site()
    from django.test import Client

    from yingji.incidents.models import Incident, TimelineEntry

    busy = seed(args.incidents, args.entries)
    client = Client()
    assert client.login(username="duty", password="Yingji@2026")

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    list_web = median_ms(lambda: page("/incidents/"))
    list_api = median_ms(lambda: page("/api/incidents/"))
    detail_web = median_ms(lambda: page(busy.get_absolute_url()))
    timeline_api = median_ms(lambda: page(f"/api/incidents/{busy.pk}/timeline/"))

    def naive_list():
        return sorted(Incident.objects.all(), key=lambda i: i.reported_at, reverse=True)[:50]

    def naive_timeline():
        return sorted(TimelineEntry.objects.filter(incident=busy), key=lambda e: e.time, reverse=True)[:50]

    slow_list = median_ms(naive_list, runs=3)
    slow_timeline = median_ms(naive_timeline, runs=3)
    entries = busy.timeline.count()
    print(f"incident list page 1 (web):       {list_web:7.1f} ms median  (target ≤ 300 ms)")
    print(f"incident list page 1 (API):       {list_api:7.1f} ms median  (target ≤ 300 ms)")
    print(f"incident page, {entries:,} entries (web): {detail_web:7.1f} ms median  (target ≤ 300 ms)")
    print(f"incident timeline page 1 (API):   {timeline_api:7.1f} ms median  (target ≤ 300 ms)")
    print(f"naive list (all rows, sort in Python):     {slow_list:7.1f} ms → list page is "
          f"{slow_list / list_web:.0f}× faster")
    print(f"naive timeline (all entries, sort in Python): {slow_timeline:7.1f} ms → incident page is "
          f"{slow_timeline / detail_web:.1f}× faster")


if __name__ == "__main__":
    main()
