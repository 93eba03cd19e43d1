"""Safety supervision at scale: 100,000 hazards (隐患) of 2,000 enterprises in SQLite.

Prints the median time of the hazard statistics (发现数、整改数、整改率、逾期数 by region, industry, grade and month:
services.hazards.statistics, one grouped query each; the web page with all four tables) and of page 1 of the
hazard and enterprise lists (web and API, target ≤ 300 ms), each against a naive baseline run in the same
process on the same rows (load every hazard and count in Python, as a hand-rolled report would).

    .venv/bin/python bench/bench_safety.py [--hazards 100000] [--enterprises 2000]

Set-up data is bulk-inserted (it is the state being measured, not the services that wrote it).
"""

import argparse
import random
import sys
from collections import Counter
from datetime import timedelta

from common import demo_site, median_ms


def seed(n_hazards: int, n_enterprises: int):
    from django.utils import timezone

    from yingji.core.models import Region
    from yingji.safety.models import Enterprise, Hazard
    from yingji.standards.credit_code import check_character

    rng = random.Random(1)
    townships = list(Region.objects.filter(parent__code="512022", level="township"))
    industries = ["26", "25", "51", "52", "45", "30", "33", "13"]
    print(f"seeding {n_enterprises:,} enterprises, {n_hazards:,} hazards …", file=sys.stderr)
    enterprises = []
    for i in range(n_enterprises):
        first17 = f"9151202200{i:07d}"
        enterprises.append(Enterprise(
            name=f"压测企业{i}", credit_code=first17 + check_character(first17), industry=rng.choice(industries),
            category="hazchem_use", region=rng.choice(townships), principal="张三", principal_phone="13800000000"))
    Enterprise.objects.bulk_create(enterprises, batch_size=2000)
    enterprises = list(Enterprise.objects.filter(name__startswith="压测企业").only("id", "region_id"))
    today = timezone.localdate()
    statuses = [Hazard.PENDING, Hazard.RECTIFYING, Hazard.AWAITING, Hazard.CLOSED, Hazard.CLOSED, Hazard.CLOSED]
    rows = []
    for i in range(n_hazards):
        company = rng.choice(enterprises)
        found = today - timedelta(days=rng.randrange(365))
        rows.append(Hazard(enterprise_id=company.pk, region_id=company.region_id, title=f"压测隐患{i}",
                           found_on=found, grade=Hazard.MAJOR if i % 20 == 0 else Hazard.GENERAL,
                           status=rng.choice(statuses), deadline=found + timedelta(days=rng.randrange(10, 90))))
        if len(rows) == 20_000:
            Hazard.objects.bulk_create(rows, batch_size=5000)
            rows = []
    Hazard.objects.bulk_create(rows, batch_size=5000)


def naive_statistics(today):
    """Every hazard loaded, counted in Python per region, industry, grade and month."""
    from yingji.safety.models import Hazard

    tables = {key: Counter() for key in ("region", "industry", "grade", "month")}
    for h in Hazard.objects.select_related("enterprise", "region"):
        keys = {"region": h.region.name, "industry": h.enterprise.industry if h.enterprise else "",
                "grade": h.grade, "month": h.found_on.strftime("%Y-%m")}
        overdue = h.status in Hazard.OPEN and h.deadline is not None and h.deadline < today
        for dimension, key in keys.items():
            tables[dimension][(key, "found")] += 1
            tables[dimension][(key, "closed")] += h.status == Hazard.CLOSED
            tables[dimension][(key, "overdue")] += overdue
    return tables


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hazards", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=2_000)
    args = parser.parse_args()
    demo_site()
    from django.test import Client
    from django.utils import timezone

    from yingji.core.models import User
    from yingji.core.scoping import scope
    from yingji.safety.models import Hazard
    from yingji.safety.services import hazards as services

    seed(args.hazards, args.enterprises)
    inspector = User.objects.get(username="inspector")
    client = Client()
    assert client.login(username="inspector", password="Yingji@2026")
    today = timezone.localdate()

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)

    def grouped():
        queryset = scope(Hazard.objects.all(), inspector)
        return [services.statistics(queryset, key, root=inspector.region) for key in services.DIMENSIONS]

    by_grade = {row["key"]: row for row in grouped()[2]}
    naive = naive_statistics(today)
    assert by_grade["major"]["found"] == naive["grade"][("major", "found")], "the grouped and the naive counts differ"
    assert by_grade["general"]["overdue"] == naive["grade"][("general", "overdue")], "overdue counts differ"
    by_region = {row["label"]: row for row in grouped()[0]}  # townships rolled up under the county
    assert all(by_region[name]["found"] == naive["region"][(name, "found")]
               for name in ("回澜镇", "天池街道")), "the region roll-up and the naive counts differ"
    stats = median_ms(grouped, runs=5)
    stats_page = median_ms(lambda: page("/hazards/stats/"), runs=5)
    slow = median_ms(lambda: naive_statistics(today), runs=3)
    lists = {url: median_ms(lambda url=url: page(url)) for url in (
        "/hazards/", "/api/hazards/", "/hazards/?overdue=1&grade=major", "/enterprises/", "/api/enterprises/")}
    total = Hazard.objects.count()
    print(f"{total:,} hazards of {args.enterprises:,} enterprises")
    print(f"statistics, four dimensions (grouped SQL): {stats:8.1f} ms median")
    print(f"statistics page (web, four tables):        {stats_page:8.1f} ms median")
    print(f"naive statistics (every row, in Python):   {slow:8.1f} ms → grouped is {slow / stats:.1f}× faster")
    for url, ms in lists.items():
        print(f"page 1 {url:36s} {ms:8.1f} ms median  (target ≤ 300 ms)")


if __name__ == "__main__":
    main()
