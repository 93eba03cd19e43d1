"""执法文书 numbers under concurrency (issue 13 review): two documents saved at the same moment never get the same
number. A blank number is allocated with the bureau's region row locked, and a number taken by another writer
between the choice and the write is refused by the unique column and the next one taken. In a module of its own:
the threaded test commits (PostgreSQL), which must not share a module with rolled-back demo tests."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, connections
from django.db.models.signals import pre_save
from django.utils import timezone

from yingji.core.models import AuditEntry, User
from yingji.safety.models import EnforcementDocument, Inspection
from yingji.safety.services import inspections as services


def _data(inspection: Inspection) -> dict:
    today = timezone.localdate()
    return {"enterprise": inspection.enterprise, "inspection": inspection, "kind": "rectify", "issued_on": today,
            "deadline": today + timedelta(days=15), "findings": "储罐区防火堤破损", "legal_basis": services.ORDER_BASIS}


def _prefix() -> str:
    return f"（乐）应急责改〔{timezone.localdate().year}〕"


def test_a_number_taken_between_choice_and_write_is_chosen_again(demo):
    """The unique column refuses the INSERT (as when another writer committed that number just before): the save
    is retried whole in a fresh savepoint with the number chosen again, nothing half-written."""
    inspector = User.objects.get(username="inspector")
    inspection = Inspection.objects.get(kind="random", is_demo=True)
    refused = []

    def taken(sender, instance, **kwargs):
        if instance.pk is None and not refused:
            refused.append(instance.number)
            raise IntegrityError("duplicate key value violates unique constraint (number)")

    entries = AuditEntry.objects.count()
    pre_save.connect(taken, sender=EnforcementDocument)
    try:
        document = services.save_document(inspector, EnforcementDocument(), _data(inspection))
    finally:
        pre_save.disconnect(taken, sender=EnforcementDocument)
    assert refused == [f"{_prefix()}2号"] and document.number == f"{_prefix()}2号"  # the demo has 1号
    assert EnforcementDocument.objects.filter(number=document.number).count() == 1
    assert document.inspectors.count() == 2
    assert AuditEntry.objects.count() - entries == 2  # the document and its inspectors, once


def test_a_number_refused_every_time_is_a_message_naming_the_field(demo):
    inspection = Inspection.objects.get(kind="random", is_demo=True)

    def always(sender, instance, **kwargs):
        raise IntegrityError("duplicate key value violates unique constraint (number)")

    count = EnforcementDocument.objects.count()
    pre_save.connect(always, sender=EnforcementDocument)
    try:
        with pytest.raises(ValidationError) as refused:
            services.save_document(User.objects.get(username="inspector"), EnforcementDocument(), _data(inspection))
    finally:
        pre_save.disconnect(always, sender=EnforcementDocument)
    assert "文书编号" in refused.value.message_dict["number"][0]
    assert EnforcementDocument.objects.count() == count


def test_a_typed_number_already_used_is_refused_not_renumbered(demo):
    inspector = User.objects.get(username="inspector")
    inspection = Inspection.objects.get(kind="random", is_demo=True)
    used = services.save_document(inspector, EnforcementDocument(), _data(inspection)).number
    with pytest.raises(ValidationError) as refused:
        services.save_document(inspector, EnforcementDocument(), {**_data(inspection), "number": used})
    assert "已使用" in refused.value.message_dict["number"][0]


def test_two_inspectors_saving_at_once_get_two_numbers(committed_demo):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers already (runs in the PG pass)")
    inspection = Inspection.objects.get(kind="random", is_demo=True)
    start, numbers, failures = threading.Barrier(3), [], []

    def save():
        try:
            inspector = User.objects.get(username="inspector")
            start.wait()
            numbers.append(services.save_document(inspector, EnforcementDocument(), _data(inspection)).number)
        except Exception as exc:  # noqa: BLE001 (any failure is the test's finding)
            failures.append(repr(exc))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=save) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(numbers) == 3 and len(set(numbers)) == 3, (numbers, failures)
    used = sorted(int(n.removeprefix(_prefix()).removesuffix("号")) for n in numbers)
    assert used == list(range(used[0], used[0] + 3))  # consecutive: nobody skipped or doubled
