"""A copy of the whole test database, taken once the demo county is loaded, put back after a test that
committed (a transactional or browser test ends with Django flushing every table).

Loading the demo through its services takes seconds; putting the copy back takes milliseconds:
SQLite copies its pages with the backup API, PostgreSQL copies every table's rows with COPY.
"""

import sqlite3

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, transaction


def take():
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        copy = sqlite3.connect(":memory:", check_same_thread=False)
        connection.connection.backup(copy)
        return copy
    if connection.vendor == "postgresql":
        return {table: _copy_out(table) for table in _tables()}
    raise RuntimeError(f"no snapshot for {connection.vendor}")


def restore(snapshot):
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        snapshot.backup(connection.connection)
        return
    with transaction.atomic(), connection.cursor() as cursor:  # foreign keys are checked at commit
        cursor.execute("TRUNCATE {} RESTART IDENTITY CASCADE".format(", ".join(f'"{t}"' for t in snapshot)))
        for table, rows in snapshot.items():
            if rows:
                with cursor.copy(f'COPY "{table}" FROM STDIN (FORMAT binary)') as copy:
                    copy.write(rows)
        models = apps.get_models(include_auto_created=True)
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)


def _tables() -> list[str]:
    return sorted(connection.introspection.django_table_names(only_existing=True, include_views=False))


def _copy_out(table: str) -> bytes:
    # COPY (SELECT …): a partitioned table (monitoring_reading on PostgreSQL) cannot be copied by its name.
    with connection.cursor() as cursor, cursor.copy(f'COPY (SELECT * FROM "{table}") TO STDOUT (FORMAT binary)') as copy:
        return b"".join(bytes(block) for block in copy)
