"""The sensor list filtered by kind in code order is served by the (kind, code) index, not a sort."""

from django.db import connection

from yingji.monitoring.models import Sensor


def test_kind_code_index_exists_in_the_database(db):
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, Sensor._meta.db_table)
    assert constraints["sensor_kind_code"]["columns"] == ["kind", "code"]
    assert constraints["sensor_kind_code"]["index"]
    single_kind = [name for name, c in constraints.items() if c["columns"] == ["kind"] and c["index"]]
    assert single_kind == []  # the composite's prefix serves kind alone


def test_list_filtered_by_kind_walks_the_index(db):
    sql, params = Sensor.objects.filter(kind="lel").order_by("code")[:50].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            plan = " ".join(str(row[-1]) for row in cursor.fetchall())
            assert "sensor_kind_code" in plan and "TEMP B-TREE" not in plan, plan
        else:  # PostgreSQL: with an empty table the planner may prefer a scan; forbid it to see the index is usable
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
            plan = " ".join(row[0] for row in cursor.fetchall())
            assert "sensor_kind_code" in plan and "Sort" not in plan, plan
