"""What the hot paths (ingest, rollups, evaluate) share to talk to PostgreSQL fast: a cursor binding its
parameters on the server, in binary, and the SQL for epoch milliseconds."""

from django.db import connection

# timestamptz from epoch milliseconds (NULL stays NULL).
PG_TS = "(timestamptz 'epoch' + {} * interval '1 millisecond')"


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def pg_cursor():
    """A psycopg cursor on Django's connection (same transaction) binding parameters on the server, in binary:
    Django's psycopg cursors quote every parameter into the SQL text (client-side binding), which costs more
    than the statement itself for arrays of thousands. Use %b placeholders."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def chunks(rows: list, size: int):
    for first in range(0, len(rows), size):
        yield rows[first:first + size]


def id_list(ids):
    """What filter(x__in=…) takes for hundreds of ids: on PostgreSQL one array parameter (Django would quote every
    id into the SQL text and psycopg parse them back out, which costs more than the query), else the list."""
    ids = list(ids)
    if not is_postgresql():
        return ids
    from django.db.models.expressions import RawSQL

    return RawSQL("SELECT unnest(%s::int8[])", (ids,))
