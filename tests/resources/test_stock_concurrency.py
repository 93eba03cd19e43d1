"""Concurrent withdrawals on PostgreSQL: row locks keep the ledger from overdrawing.

In a module of its own: it needs real commits (a transactional test), which must not share a
module with tests that load the demo county inside a module-wide transaction.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from yingji.resources import services
from yingji.resources.models import SupplyItem, Warehouse

from .conftest import ledger_sum, on_hand


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_withdrawals_cannot_overdraw(store):
    """On PostgreSQL, two requests at the same moment: one gets the stock, the other a clear refusal."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers already (runs in the PG pass)")
    a, _, tent, _ = store
    services.receive(None, a, tent, 100, "B1")
    start = threading.Barrier(2)
    outcomes = []

    def withdraw():
        try:
            start.wait()
            services.issue(None, Warehouse.objects.get(pk=a.pk), SupplyItem.objects.get(pk=tent.pk), 60, "并发出库")
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["quantity"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=withdraw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes, key=len) == ["ok", outcomes[1] if outcomes[0] == "ok" else outcomes[0]]
    assert outcomes.count("ok") == 1 and any("库存仅 40" in o for o in outcomes)
    assert on_hand(a, tent) == 40 == ledger_sum(a, tent)
