"""Resources at scale: 100k rescue forces, 100k supply items and a 100k-line stock ledger in SQLite.

Prints the median time of page 1 of each big list (web page and API: forces, supply items, the ledger
through the warehouse page and the movements API) and of the stock-on-hand query of one warehouse, and the ratio of the on-hand query against a naive baseline (recompute the
stock from the whole ledger in Python) run in the same process.

    .venv/bin/python bench/bench_resources.py [--rows 100000]

Set-up data is bulk-inserted (it is the state being measured, not the services that wrote it).
"""

import argparse
import sys
from collections import defaultdict
from decimal import Decimal

from common import demo_site, median_ms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    demo_site()
    from django.db import connection
    from django.test import Client

    from yingji.core.models import Region
    from yingji.resources.api import on_hand
    from yingji.resources.models import RescueForce, StockLevel, StockMovement, SupplyItem, Warehouse

    rows = args.rows
    townships = list(Region.objects.filter(parent__code="512022"))
    print(f"seeding {rows:,} forces, {rows:,} supply items, {rows:,} ledger lines …", file=sys.stderr)
    RescueForce.objects.bulk_create(
        RescueForce(name=f"压测队伍{i:06d}", type="social", region=townships[i % len(townships)],
                    longitude=104.9 + (i % 300) * 0.001, latitude=30.2 + (i // 300 % 300) * 0.001,
                    members_total=20, members_on_duty=5, capabilities=["11A00"])
        for i in range(rows))
    SupplyItem.objects.bulk_create(  # distinct 7-digit codes (3 50xxxx and up: not used by the demo catalogue)
        (SupplyItem(code=f"3{50 + i // 9801}{i // 99 % 99 + 1:02d}{i % 99 + 1:02d}", name=f"压测物资{i}", unit="件")
         for i in range(rows)), batch_size=5000)
    items = list(SupplyItem.objects.filter(name__startswith="压测物资").order_by("pk")[:1000])
    warehouse = Warehouse.objects.get(name="乐至县应急物资储备库")
    movements, totals = [], defaultdict(Decimal)
    for i in range(rows):
        item = items[i % len(items)]
        delta = Decimal(10) if (i // len(items)) % 4 else Decimal(-5)  # each item: 3 in, then 1 out
        totals[item.pk] += delta
        movements.append(StockMovement(warehouse=warehouse, item=item, kind="in" if delta > 0 else "out",
                                       batch="B1", delta=delta, reason="压测"))
    StockMovement.objects.bulk_create(movements, batch_size=5000)
    StockLevel.objects.bulk_create(StockLevel(warehouse=warehouse, item_id=pk, batch="B1", quantity=q)
                                   for pk, q in totals.items())

    client = Client()
    assert client.login(username="duty", password="Yingji@2026")

    def page(url):
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        connection.close()  # as a server does after each request (the test client keeps it open)

    lists = {"forces list page 1 (web)": "/forces/", "forces list page 1 (API)": "/api/forces/",
             "supply items page 1 (web)": "/supplies/", "supply items page 1 (API)": "/api/supply-items/",
             "warehouse page with its ledger (web)": f"/warehouses/{warehouse.pk}/",
             "ledger page 1 (API)": f"/api/stock-movements/?warehouse={warehouse.pk}"}
    timings = {label: median_ms(lambda url=url: page(url)) for label, url in lists.items()}
    fast = median_ms(lambda: list(on_hand(warehouse)), runs=30)

    def naive():
        stock = defaultdict(Decimal)
        for item_id, delta in StockMovement.objects.filter(warehouse=warehouse).values_list("item_id", "delta"):
            stock[item_id] += delta
        return stock

    slow = median_ms(naive, runs=5)
    assert {r["item"]: r["quantity"] for r in on_hand(warehouse)}.keys() <= set(naive())
    for label, ms in timings.items():
        print(f"{label + ':':40s} {ms:7.1f} ms median  (target ≤ 300 ms)")
    print(f"stock on hand, 1 warehouse: {fast:6.2f} ms median  (target ≤ 50 ms)")
    print(f"naive recompute from ledger: {slow:6.1f} ms median  → maintained aggregate is {slow / fast:.0f}× faster")


if __name__ == "__main__":
    main()
