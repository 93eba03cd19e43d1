"""Database state for backup and restore: consistent copies (SQLite's online backup API, pg_dump on a snapshot
shared with the logical dump), migration state, row counts, and whether this code can restore an archive."""

import os
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path
from urllib.request import pathname2url

from django.db import connections
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder

from .errors import BackupError

# Tables `migrate` fills by itself on an empty database (content types, permissions, and the roles with their
# permissions: core.roles.sync_roles_after_migrate): a database holding only these is still "empty".
MIGRATE_FILLED = {"django_migrations", "django_content_type", "auth_permission", "auth_group",
                  "auth_group_permissions"}


def sqlite_copy(connection, target: Path):
    """A consistent copy of a live SQLite database (WAL included) with the online backup API: one step (pages=-1)
    under one read transaction, so writers go on (WAL) and the copy is one moment of the database. A file is read
    through a connection of its own; an in-memory database (the test suite's) through Django's."""
    dst = sqlite3.connect(target)
    try:
        if connection.is_in_memory_db():
            connection.ensure_connection()
            connection.connection.backup(dst, pages=-1)
            return
        path = pathname2url(os.path.abspath(connection.settings_dict["NAME"]))
        src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=60)
        try:
            src.backup(dst, pages=-1)
        finally:
            src.close()
    finally:
        dst.close()


@contextmanager
def sqlite_alias(path: Path):
    """A temporary Django connection alias to the SQLite file at path, configured like the default one."""
    from django.conf import settings

    alias = f"ops_{uuid.uuid4().hex[:8]}"
    config = {"ENGINE": "yingji.core.sqlite", "NAME": str(path), "OPTIONS": dict(settings.SQLITE_OPTIONS),
              "CONN_MAX_AGE": 0, "TIME_ZONE": connections.settings["default"].get("TIME_ZONE")}
    configured = connections.configure_settings({"default": connections.settings["default"], alias: config})
    connections.settings[alias] = configured[alias]
    try:
        yield alias
    finally:
        connections[alias].close()
        del connections[alias]
        del connections.settings[alias]


@contextmanager
def default_at(path: Path):
    """The default connection pointed at another SQLite file for a while. Restores migrate through it rather than
    through an alias: some migrations (django-tasks-db's) write with Model.objects, i.e. to the default database."""
    connection = connections["default"]
    connection.close()
    original = connection.settings_dict["NAME"]
    connection.settings_dict["NAME"] = str(path)
    try:
        yield "default"
    finally:
        connection.close()
        connection.settings_dict["NAME"] = original


def migration_state(alias: str) -> dict[str, list[str]]:
    """{app label: [applied migration names]} as recorded in the database at alias."""
    recorder = MigrationRecorder(connections[alias])
    if not recorder.has_table():
        return {}
    state: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def table_counts(alias: str) -> dict[str, int]:
    """{table: rows} for every Django table in the database at alias (django_migrations aside)."""
    connection = connections[alias]
    tables = connection.introspection.django_table_names(only_existing=True, include_views=False)
    counts = {}
    with connection.cursor() as cursor:
        for table in sorted(tables):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def nonempty_tables(alias: str) -> dict[str, int]:
    """Tables holding rows, other than those migrate fills itself; any table at all counts if not ours."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            if table in MIGRATE_FILLED or table.startswith("sqlite_"):
                continue
            cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
            if cursor.fetchone():
                cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
                counts[table] = cursor.fetchone()[0]
    return counts


def known_migrations() -> set[tuple[str, str]]:
    """Every migration this code ships (the installed apps' migration modules)."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    return set(loader.disk_migrations)


def compare_state(archived: dict[str, list[str]], source: str = "该备份") -> list[tuple[str, str]]:
    """The migrations this code has and the archive lacks (to apply after restoring); an archive with a migration
    this code does not know comes from a newer release and is refused."""
    known = known_migrations()
    have = {(app, name) for app, names in archived.items() for name in names}
    unknown = sorted(have - known)
    if unknown:
        listing = "、".join(f"{app}.{name}" for app, name in unknown[:5])
        raise BackupError(f"{source}来自更新的 Yingji 版本（含本版本没有的迁移：{listing}"
                          f"{' 等' if len(unknown) > 5 else ''}），本版本无法处理。请先升级 Yingji。")
    return sorted(known - have)


def leaf_nodes(graph, archived: dict[str, list[str]]) -> list[tuple[str, str]]:
    """The last applied migration of each app in the archive: the targets that rebuild its schema."""
    leaves = []
    for app, names in archived.items():
        applied = {(app, name) for name in names}
        for node in sorted(applied):
            children = {child for child in graph.node_map[node].children if child[0] == app}
            if not children & applied:
                leaves.append(node)
    return leaves


def state_apps(alias: str, archived: dict[str, list[str]]):
    """The historical models (a StateApps registry) of the given migration state."""
    loader = MigrationLoader(connections[alias], ignore_no_migrations=True)
    return loader.project_state(leaf_nodes(loader.graph, archived), at_end=True).apps


def pg_dump(target: Path, snapshot: str | None, alias: str = "default") -> str | None:
    """pg_dump -Fc of the database at alias into target, on the exported snapshot when given (the same moment as
    the logical dump). Returns None when it worked, else why not (no client, or it failed): the archive then carries
    the logical dump alone, which restores to the same data."""
    binary = shutil.which("pg_dump")
    if binary is None:
        return "未找到 pg_dump（未安装 PostgreSQL 客户端）：只保存逻辑转储"
    db = connections[alias].settings_dict
    command = [binary, "-Fc", "--no-owner", "-f", str(target), "-h", db.get("HOST") or "127.0.0.1",
               "-p", str(db.get("PORT") or 5432), "-U", db.get("USER") or "postgres", db["NAME"]]
    if snapshot:
        command.insert(1, f"--snapshot={snapshot}")
    environment = {**os.environ, "PGPASSWORD": db.get("PASSWORD") or ""}
    result = subprocess.run(command, env=environment, capture_output=True, text=True)
    if result.returncode != 0:
        target.unlink(missing_ok=True)
        return f"pg_dump 失败（{result.stderr.strip()[:300]}）：只保存逻辑转储"
    return None
