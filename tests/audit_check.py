"""`audited()`: run service calls and check that every yingji model they wrote has audit entries.

The writes are read from the SQL itself (INSERT INTO / UPDATE / DELETE FROM of each table), so a bulk
`.update()` or `.create()` that bypasses save() and signals is caught too. Models listed in
core.services.NOT_AUDITED (append-only logs, derived rows) are exempt.

    with audited() as trail:
        dispatch.dispatch(duty, incident, force, vehicle)
    assert trail.count("incidents.assignment", "create") == 1
"""

import re
from collections import Counter
from contextlib import contextmanager

from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from yingji.core.models import AuditEntry
from yingji.core.services import NOT_AUDITED

WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
# A delete also deletes the rows that depend on the record or clears their reference to it (ON DELETE
# CASCADE / SET NULL: one statement by foreign key, issued whether or not any row refers to it). Not counted
# here: the rows it does delete get entries of their own from delete_audited (tests/plans/test_audit_counts.py),
# and a cleared reference is told by the deleted record's entry.
CASCADE = re.compile(r'^\s*(?:DELETE\s+FROM\s+"?\w+"?|UPDATE\s+"?\w+"?\s+SET\s+"?\w+"?\s*=\s*NULL)\s+'
                     r'WHERE\s+(?:"?\w+"?\.)?"?(\w+)"?\s+IN\s*\(', re.IGNORECASE)


def _cascade(sql: str, label: str) -> bool:
    found = CASCADE.match(sql)
    return found is not None and found.group(1) != apps.get_model(label)._meta.pk.column


def yingji_models():
    """Every concrete model of the yingji apps (django.apps), in app order."""
    return [model for config in apps.get_app_configs() if config.name.startswith("yingji.")
            for model in config.get_models()]


class Trail:
    def __init__(self):
        self.entries: list[AuditEntry] = []
        self.written: set[str] = set()

    def count(self, model: str, action: str | None = None) -> int:
        return sum(1 for e in self.entries if e.model == model and action in (None, e.action))

    def counts(self) -> Counter:
        return Counter((e.model, e.action) for e in self.entries)

    @property
    def unaudited(self) -> set[str]:
        return self.written - set(NOT_AUDITED) - {e.model for e in self.entries}


@contextmanager
def audited(check=True):
    """Yields a Trail filled on exit; with `check`, fails when a written model has no entry."""
    tables = {model._meta.db_table: model._meta.label_lower for model in yingji_models()}
    last = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    trail = Trail()
    with CaptureQueriesContext(connection) as queries:
        yield trail
    trail.entries = list(AuditEntry.objects.filter(pk__gt=last).order_by("pk"))
    for query in queries.captured_queries:
        found = WRITE.match(query["sql"])
        if found and found.group(1) in tables and not _cascade(query["sql"], tables[found.group(1)]):
            trail.written.add(tables[found.group(1)])
    if check:
        assert not trail.unaudited, f"written without an audit entry: {sorted(trail.unaudited)}"
