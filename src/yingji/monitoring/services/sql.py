"""What the hot paths (ingest, rollups, evaluate) share to talk to PostgreSQL fast: a cursor binding its
parameters on the server, in binary, arrays built in binary by numpy, and the SQL for epoch milliseconds."""

import struct
import weakref
from functools import cache

import numpy as np
from django.db import connection

# timestamptz from epoch milliseconds (NULL stays NULL).
PG_TS = "(timestamptz 'epoch' + {} * interval '1 millisecond')"


_REGISTERED = weakref.WeakSet()  # psycopg connections that know the PgArray dumpers


def is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def pg_cursor():
    """A psycopg cursor on Django's connection (same transaction) binding parameters on the server, in binary:
    Django's psycopg cursors quote every parameter into the SQL text (client-side binding), which costs more
    than the statement itself for arrays of thousands. Use %b placeholders."""
    import psycopg

    connection.ensure_connection()
    raw = connection.connection
    if raw not in _REGISTERED:  # once per connection (Django opens a new one after a failure)
        for kind, dumper in _array_dumpers():
            raw.adapters.register_dumper(kind, dumper)
        _REGISTERED.add(raw)
    return psycopg.Cursor(raw)


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


# --- arrays in PostgreSQL's binary format, built by numpy ------------------------------------------------------
# psycopg dumps a Python list element by element in Python (its _dump_list: ~50 ms for a 2,000-reading batch's
# arrays, a fifth of the batch). These build the wire bytes of a one-dimensional array at once and hand them
# over as they are (the dumpers below, registered on the hot path's cursors).

INT8_OID, FLOAT8_OID, TEXT_OID = 20, 701, 25
INT8_ARRAY_OID, FLOAT8_ARRAY_OID, TEXT_ARRAY_OID = 1016, 1022, 1009


class PgArray:
    """A one-dimensional array already in PostgreSQL's binary wire format."""

    __slots__ = ("data",)

    def __init__(self, data: bytes):
        self.data = data


class Int8s(PgArray):
    __slots__ = ()


class Float8s(PgArray):
    __slots__ = ()


class Texts(PgArray):
    __slots__ = ()


def _header(n: int, element_oid: int, has_null: bool) -> bytes:
    if not n:
        return struct.pack(">iii", 0, 0, element_oid)
    return struct.pack(">iiiii", 1, int(has_null), element_oid, n, 1)


def int8s(values) -> Int8s:
    """bigint[] of integers (no NULL)."""
    a = np.asarray(values, dtype=np.int64)
    rows = np.empty(len(a), dtype=[("length", ">i4"), ("value", ">i8")])
    rows["length"], rows["value"] = 8, a
    return Int8s(_header(len(a), INT8_OID, False) + rows.tobytes())


def float8s(values) -> Float8s:
    """double precision[] of floats, NaN (and None) stored as NULL."""
    a = np.asarray(values, dtype=np.float64)  # None becomes NaN
    rows = np.empty(len(a), dtype=[("length", ">i4"), ("value", ">f8")])
    rows["value"] = a
    null = np.isnan(a)
    rows["length"] = np.where(null, -1, 8)
    data = rows.view(np.uint8).reshape(len(a), 12)
    if null.any():  # a NULL is its length (-1) alone: drop its 8 value bytes
        keep = np.ones((len(a), 12), bool)
        keep[null, 4:] = False
        body = data[keep].tobytes()
    else:
        body = data.tobytes()
    return Float8s(_header(len(a), FLOAT8_OID, bool(null.any())) + body)


def texts(values) -> Texts:
    """text[] of strings (no NULL)."""
    pack = struct.Struct(">i").pack
    parts = []
    for value in values:
        encoded = value.encode()
        parts.append(pack(len(encoded)))
        parts.append(encoded)
    return Texts(_header(len(parts) // 2, TEXT_OID, False) + b"".join(parts))


@cache
def _array_dumpers():
    from psycopg.adapt import Dumper
    from psycopg.pq import Format

    def make(oid):
        class ArrayDumper(Dumper):
            format = Format.BINARY

            def dump(self, obj):
                return obj.data

        ArrayDumper.oid = oid
        return ArrayDumper

    return ((Int8s, make(INT8_ARRAY_OID)), (Float8s, make(FLOAT8_ARRAY_OID)), (Texts, make(TEXT_ARRAY_OID)))
