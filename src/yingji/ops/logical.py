"""The portable dump: every Django table's rows as JSON lines, table by table in dependency order, rows by primary
key. It is what a backup from SQLite restores from on PostgreSQL and back, and what a backup from PostgreSQL
without pg_dump carries alone.

Values go through the model fields both ways (the database's own types out, `to_python` and
`get_db_prep_save` in), so a datetime, a Decimal or a JSON document reads the same on either engine; JSON objects
are written with sorted keys (PostgreSQL's jsonb keeps its own key order), so two dumps of the same data are the
same bytes. Written and read one row at a time: nothing holds a table in memory.

    {"format": "yingji-logical/1"}
    {"table": "core_region", "model": "core.region", "columns": ["id", "code", …]}
    [1, "512022", …]
    {"end": "core_region", "rows": 1234}
"""

import base64
import datetime
import decimal
import json
import uuid
from collections.abc import Iterable

from django.core.management.color import no_style
from django.db import connections
from django.utils.duration import duration_iso_string

from .errors import BackupError

FORMAT = "yingji-logical/1"
BATCH = 1000


def models_in_order(registry) -> list:
    """Every concrete table-backed model of the registry (many-to-many tables included), each after the models
    it points to where the references allow (foreign keys are checked at commit anyway)."""
    models = [m for m in registry.get_models(include_auto_created=True)
              if m._meta.managed and not m._meta.proxy and not m._meta.swapped]
    models.sort(key=lambda m: m._meta.label_lower)
    ordered, placed = [], set()

    def place(model, trail):
        if model in placed or model in trail:
            return
        for field in model._meta.local_concrete_fields:
            target = getattr(field, "related_model", None)
            if target is not None and target in models and target is not model:
                place(target, trail | {model})
        placed.add(model)
        ordered.append(model)

    for model in models:
        place(model, frozenset())
    return ordered


def _encode(value):
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, datetime.timedelta):
        return duration_iso_string(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot dump {type(value).__name__}")


def _line(data) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_encode) + "\n"


def dump(alias: str, out, registry) -> dict[str, int]:
    """Write the database at alias to the text stream `out`; returns {table: rows}."""
    out.write(_line({"format": FORMAT}))
    counts = {}
    for model in models_in_order(registry):
        meta = model._meta
        columns = [field.attname for field in meta.local_concrete_fields]
        out.write(_line({"table": meta.db_table, "model": meta.label_lower, "columns": columns}))
        rows = 0
        query = model._base_manager.using(alias).order_by(meta.pk.attname).values_list(*columns)
        for row in query.iterator(chunk_size=2000):
            out.write(_line(list(row)))
            rows += 1
        out.write(_line({"end": meta.db_table, "rows": rows}))
        counts[meta.db_table] = rows
    return counts


def _blocks(lines: Iterable[str]):
    """(header, rows iterator) per table; each block's rows must be consumed before the next header."""
    lines = iter(lines)
    head = json.loads(next(lines, "{}") or "{}")
    if head.get("format") != FORMAT:
        raise BackupError(f"数据库逻辑转储的格式不受支持（需要 {FORMAT}）。")
    for text in lines:
        header = json.loads(text)
        if not isinstance(header, dict) or "table" not in header:
            raise BackupError("数据库逻辑转储已损坏（缺少表头）。")
        end = {}

        def rows(header=header, end=end):
            for row_text in lines:
                row = json.loads(row_text)
                if isinstance(row, dict):
                    if row.get("end") != header["table"]:
                        raise BackupError(f"数据库逻辑转储已损坏（表 {header['table']} 未正常结束）。")
                    end.update(row)
                    return
                yield row
            raise BackupError(f"数据库逻辑转储已截断（表 {header['table']}）。")

        yield header, rows()


def load(alias: str, lines: Iterable[str], registry) -> dict[str, int]:
    """Insert the dump into the (emptied) tables of the database at alias, whose schema is the registry's (the
    archive's migration state). Runs inside the caller's transaction; returns {table: rows}."""
    connection = connections[alias]
    by_table = {m._meta.db_table: m for m in models_in_order(registry)}
    counts = {}
    with connection.cursor() as cursor:
        for table in by_table:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # rows migrate put there
        for header, rows in _blocks(lines):
            model = by_table.get(header["table"])
            if model is None:
                raise BackupError(f"逻辑转储中的表 {header['table']} 不在该备份的迁移状态里，无法恢复。")
            fields = {f.attname: f for f in model._meta.local_concrete_fields}
            if sorted(header["columns"]) != sorted(fields):
                raise BackupError(f"逻辑转储中表 {header['table']} 的列与其迁移状态不符，无法恢复。")
            counts[header["table"]] = _insert(connection, cursor, header, [fields[c] for c in header["columns"]], rows)
        models = list(by_table.values())
        for statement in connection.ops.sequence_reset_sql(no_style(), models):
            cursor.execute(statement)
    return counts


def _insert(connection, cursor, header, fields, rows) -> int:
    quote = connection.ops.quote_name
    sql = "INSERT INTO {} ({}) VALUES ({})".format(
        quote(header["table"]), ", ".join(quote(f.column) for f in fields), ", ".join(["%s"] * len(fields)))
    batch, count = [], 0
    for row in rows:
        batch.append([field.get_db_prep_save(field.to_python(value), connection)
                      for field, value in zip(fields, row, strict=True)])
        if len(batch) >= BATCH:
            cursor.executemany(sql, batch)
            count += len(batch)
            batch = []
    if batch:
        cursor.executemany(sql, batch)
        count += len(batch)
    return count
