"""`yingji restore PATH`: the archive back into the database YINGJI_DATABASE_URL names, and the files into place.

Order, so that a failure at any step leaves the target as it was:
1. unpack into a staging folder under the var dir and check every file against the manifest;
2. refuse an archive from a newer release (a migration this code does not know);
3. refuse a target holding data unless --force;
4. build the new database aside: SQLite in a temporary file next to the target (the archive's SQLite copy, or an
   empty file rebuilt at the archive's migration state from the logical dump), PostgreSQL inside one transaction
   (old tables dropped, schema rebuilt, rows loaded, foreign keys checked, counts compared, migrated forward);
5. move the staged files into place (the old folders kept aside), then swap the SQLite file in (os.replace) or
   commit the transaction; on failure the old folders go back; on success they are deleted.
Stop the web server and the worker first: a restore replaces the database under them.
"""

import os
import shutil
import sqlite3
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import DatabaseError, connections, transaction
from django.db.migrations.executor import MigrationExecutor

from . import logical, snapshot
from .archive import extract_verified
from .backup import roads_dir
from .errors import BackupError


@dataclass
class RestoreReport:
    archive: Path
    version: str
    created_at: str
    source_engine: str
    engine: str
    method: str
    tables: int
    rows: int
    files: int
    applied: list = field(default_factory=list)
    seconds: float = 0.0


def restore(archive: Path, force: bool = False) -> RestoreReport:
    started = time.monotonic()
    var = Path(settings.VAR_DIR)
    var.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".yingji-restore-", dir=var))
    try:
        manifest = extract_verified(Path(archive), staging)
        archived, expected = _read_state(manifest)
        forward = snapshot.compare_state(archived)
        _check_empty(force)
        files = FileSwap([(staging / "media", Path(settings.MEDIA_ROOT)), (staging / "roads", roads_dir())])
        vendor = connections["default"].vendor
        if vendor == "sqlite":
            method = _restore_sqlite(staging, manifest, archived, expected, forward, files)
        elif vendor == "postgresql":
            method = _restore_postgresql(staging, manifest, archived, expected, forward, files)
        else:
            raise BackupError(f"不支持恢复到该数据库引擎：{vendor}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return RestoreReport(
        archive=Path(archive), version=str(manifest.get("yingji_version")), created_at=str(manifest.get("created_at")),
        source_engine=str(manifest.get("engine")), engine=vendor, method=method, tables=len(expected),
        rows=sum(expected.values()), files=sum(1 for n in manifest["files"] if n.startswith(("media/", "roads/"))),
        applied=[f"{app}.{name}" for app, name in forward], seconds=time.monotonic() - started)


def _read_state(manifest: dict) -> tuple[dict, dict]:
    archived, tables = manifest.get("migrations"), manifest.get("tables")
    database = manifest.get("database") or {}
    if not isinstance(archived, dict) or not archived or not isinstance(tables, dict):
        raise BackupError("备份清单缺少迁移状态或各表行数，无法恢复。")
    if database.get("logical") not in manifest["files"]:
        raise BackupError("备份归档中没有数据库转储，无法恢复。")
    return archived, tables


def _check_empty(force: bool):
    connection = connections["default"]
    if connection.vendor == "sqlite" and not Path(connection.settings_dict["NAME"]).exists():
        return
    try:
        filled = snapshot.nonempty_tables("default")
    except DatabaseError as exc:
        raise BackupError(f"无法连接目标数据库（{exc}）。请检查 YINGJI_DATABASE_URL。") from exc
    finally:
        if connection.vendor == "sqlite":
            connection.close()
    if filled and not force:
        table, rows = max(filled.items(), key=lambda item: item[1])
        raise BackupError(f"目标数据库不是空的：{len(filled)} 张表有数据（如 {table} 有 {rows} 行）。"
                          "恢复会用备份替换其中全部数据；确认要覆盖请加 --force。未做任何改动。")


def _restore_sqlite(staging, manifest, archived, expected, forward, files) -> str:
    target = Path(connections["default"].settings_dict["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".{target.name}.restore-{os.getpid()}")
    native = manifest["database"].get("native")
    try:
        if native == "database/sqlite3.db":
            shutil.copyfile(staging / native, temp)
            method = "SQLite 数据库副本"
            with snapshot.default_at(temp) as alias:
                _check_counts(alias, expected)
                _migrate_forward(alias, forward)
        else:
            method = "逻辑转储"
            with snapshot.default_at(temp) as alias:
                _rebuild(alias, staging / manifest["database"]["logical"], archived, expected)
                _migrate_forward(alias, forward)
        connections["default"].close()
        files.apply()
        try:
            _replace_sqlite(temp, target)
        except BaseException:
            files.undo()
            raise
    finally:
        for path in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            path.unlink(missing_ok=True)
    files.commit()
    return method


def _replace_sqlite(temp: Path, target: Path):
    """Fold the old file's WAL into it (nothing of it can then be replayed onto the new file), swap, tidy."""
    if target.exists():
        old = sqlite3.connect(target, timeout=30)
        try:
            old.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            old.close()
    os.replace(temp, target)
    for suffix in ("-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)


def _restore_postgresql(staging, manifest, archived, expected, forward, files) -> str:
    try:
        with transaction.atomic():
            _drop_tables("default")
            _rebuild("default", staging / manifest["database"]["logical"], archived, expected)
            _migrate_forward("default", forward)
            files.apply()
    except BaseException:
        files.undo()
        raise
    files.commit()
    return "逻辑转储"


def _drop_tables(alias: str):
    connection = connections[alias]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"DROP TABLE IF EXISTS {connection.ops.quote_name(table)} CASCADE")


def _rebuild(alias, dump_path, archived, expected):
    """The schema at the archive's migration state (no post-migrate signals: the dump has the content types and
    permissions), its rows loaded, foreign keys checked and counts compared."""
    connection = connections[alias]
    executor = MigrationExecutor(connection)
    targets = snapshot.leaf_nodes(executor.loader.graph, archived)
    executor.migrate(targets)
    registry = executor.loader.project_state(targets, at_end=True).apps
    try:
        with transaction.atomic(using=alias):
            with open(dump_path, encoding="utf-8") as lines:
                logical.load(alias, lines, registry)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # checked now, before migrating further
            else:
                connection.check_constraints()
            _check_counts(alias, expected)
    except DatabaseError as exc:
        raise BackupError(f"载入数据失败（{exc}），已撤销恢复。") from exc
    ContentType.objects.clear_cache()


def _migrate_forward(alias: str, forward: list):
    if forward:
        call_command("migrate", database=alias, interactive=False, verbosity=0)


def _check_counts(alias: str, expected: dict[str, int]):
    actual = snapshot.table_counts(alias)
    for table, rows in sorted(expected.items()):
        if actual.get(table) != rows:
            raise BackupError(f"恢复后表 {table} 有 {actual.get(table, 0)} 行，清单记载 {rows} 行，已撤销恢复。")


class FileSwap:
    """Staged folders into place, the old ones kept aside until the database is in (then deleted), or put back."""

    def __init__(self, pairs):
        self.pairs, self.placed, self.aside = pairs, [], []

    def apply(self):
        for new, dest in self.pairs:
            new.mkdir(parents=True, exist_ok=True)  # an archive without uploads leaves an empty folder
            dest.parent.mkdir(parents=True, exist_ok=True)
            if dest.exists():
                aside = dest.with_name(f".{dest.name}.before-restore-{os.getpid()}")
                os.rename(dest, aside)
                self.aside.append((aside, dest))
            _move(new, dest)
            self.placed.append(dest)

    def undo(self):
        for dest in self.placed:
            shutil.rmtree(dest, ignore_errors=True)
        for aside, dest in self.aside:
            os.rename(aside, dest)
        self.placed, self.aside = [], []

    def commit(self):
        for aside, _ in self.aside:
            shutil.rmtree(aside, ignore_errors=True)
        self.placed, self.aside = [], []


def _move(source: Path, dest: Path):
    try:
        os.rename(source, dest)
    except OSError:  # another file system (MEDIA_ROOT elsewhere): copy beside the target, then rename
        temp = dest.with_name(f".{dest.name}.incoming-{os.getpid()}")
        shutil.copytree(source, temp)
        os.rename(temp, dest)
