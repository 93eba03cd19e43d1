"""`yingji backup PATH`: one archive with the database, the uploads, the road networks and a manifest.

The archive always carries the logical dump (database/logical.jsonl): it is the one format that restores into
either engine, so the SQLite demo can move to PostgreSQL and back, and an older archive can be rebuilt at its own
migration state and migrated forward. Beside it goes the engine's native copy when there is one, taken at the same
moment: database/sqlite3.db (the online backup API) or database/postgres.dump (pg_dump -Fc on the snapshot the
logical dump reads; without pg_dump, or if it fails, the logical dump alone, with the reason in the manifest).
The restore uses the SQLite copy for SQLite → SQLite (exact, fast) and the logical dump otherwise; the pg_dump file
is a second copy an administrator can restore with PostgreSQL's own pg_restore if Yingji cannot run.
"""

import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings
from django.db import connections, transaction

from yingji import __version__

from . import logical, snapshot
from .archive import ArchiveWriter
from .errors import BackupError


@dataclass
class BackupReport:
    path: Path
    size: int
    seconds: float
    engine: str
    native: str | None
    note: str | None
    tables: int
    rows: int
    files: int


def roads_dir() -> Path:
    return Path(settings.VAR_DIR) / "roads"


def backup(path: Path, native: bool = True) -> BackupReport:
    """Write the archive at path (a folder: a timestamped file inside it). native=False leaves the native copy
    out (tests making a logical-only archive, as from a server without pg_dump)."""
    from .retention import archive_name

    started = time.monotonic()
    path = Path(path)
    if path.is_dir():
        path = path / archive_name(datetime.now(UTC))
    if not path.parent.is_dir():
        raise BackupError(f"备份目录不存在：{path.parent}")
    vendor = connections["default"].vendor
    with tempfile.TemporaryDirectory(prefix=".yingji-backup-", dir=path.parent) as work:
        work = Path(work)
        writer = ArchiveWriter(path)
        try:
            if vendor == "sqlite":
                database = _sqlite(work, native)
            elif vendor == "postgresql":
                database = _postgresql(work, native)
            else:
                raise BackupError(f"不支持备份该数据库引擎：{vendor}")
            for name, source in database.pop("members"):
                writer.add_file(source, name)
            files = writer.add_tree(Path(settings.MEDIA_ROOT), "media") + writer.add_tree(roads_dir(), "roads")
            manifest = writer.finish({
                "yingji_version": __version__, "created_at": datetime.now(UTC).isoformat(), "engine": vendor,
                **database})
        except BaseException:
            writer.abort()
            raise
    return BackupReport(path=path, size=path.stat().st_size, seconds=time.monotonic() - started, engine=vendor,
                        native=manifest["database"]["native"], note=manifest["database"]["note"],
                        tables=len(manifest["tables"]), rows=sum(manifest["tables"].values()), files=files)


def _sqlite(work: Path, native: bool) -> dict:
    """Copy the live database once (the online backup API), then read everything else from that copy: the
    logical dump, the counts and the migration state are all of the same moment."""
    copy = work / "sqlite3.db"
    snapshot.sqlite_copy(connections["default"], copy)
    with snapshot.sqlite_alias(copy) as alias:
        result = _describe(alias, work)
    members = [("database/logical.jsonl", work / "logical.jsonl")]
    if native:
        members.append(("database/sqlite3.db", copy))
    return {**result, "members": members,
            "database": {"logical": "database/logical.jsonl", "native": "database/sqlite3.db" if native else None,
                         "note": None if native else "只保存逻辑转储"}}


def _postgresql(work: Path, native: bool) -> dict:
    """One REPEATABLE READ, read-only transaction: pg_dump joins its exported snapshot, so the native and the
    logical dump, the counts and the migration state are all of the same moment while the server runs."""
    connection = connections["default"]
    note = "只保存逻辑转储"
    outer = connection.in_atomic_block  # called inside a transaction (a test): its snapshot is the one we get
    with transaction.atomic():
        with connection.cursor() as cursor:
            if not outer:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot_id = cursor.fetchone()[0]
        if native:
            note = snapshot.pg_dump(work / "postgres.dump", snapshot_id)
        result = _describe("default", work)
    members = [("database/logical.jsonl", work / "logical.jsonl")]
    has_native = native and note is None
    if has_native:
        members.append(("database/postgres.dump", work / "postgres.dump"))
    return {**result, "members": members,
            "database": {"logical": "database/logical.jsonl",
                         "native": "database/postgres.dump" if has_native else None, "note": note}}


def _describe(alias: str, work: Path) -> dict:
    """The logical dump, read through the models of the database's own migration state (a database one release
    behind, backed up by `yingji upgrade` before it migrates, has the columns of its release, not ours)."""
    state = snapshot.migration_state(alias)
    if not state:
        raise BackupError("数据库尚未初始化（没有迁移记录），没有可备份的数据。")
    snapshot.compare_state(state, source="当前数据库")
    with open(work / "logical.jsonl", "w", encoding="utf-8") as out:
        dumped = logical.dump(alias, out, snapshot.state_apps(alias, state))
    return {"migrations": state, "tables": dumped}
