"""Fixtures of the backup tests: the `yingji` command as an operator runs it, and one archive of the demo taken
while a writer keeps committing (made once per test process, from the suite's built demo)."""

import os
import shutil
import sqlite3
import subprocess
import sys
import tarfile
import threading
import time
from contextlib import closing
from pathlib import Path

import pytest

YINGJI = str(Path(sys.executable).parent / "yingji")
PROBE = "ops_probe"  # the writer's rows (django_content_type: a table every release has)


def yingji(*args, var: Path, **env) -> subprocess.CompletedProcess:
    """Run `yingji ARGS` as outside the test suite (no PYTEST_VERSION, no deployment settings from the caller)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    environment.update(YINGJI_VAR_DIR=str(var), **env)
    return subprocess.run([YINGJI, *args], env=environment, capture_output=True, text=True, timeout=600)


def rows(database: Path) -> dict[str, list]:
    """Every table's rows of a SQLite file, read with the sqlite3 module alone (not the code under test)."""
    with closing(sqlite3.connect(database)) as connection:
        tables = [name for (name,) in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")]
        return {table: connection.execute(f'SELECT * FROM "{table}" ORDER BY 1').fetchall() for table in tables}


def members(archive: Path) -> dict[str, bytes]:
    with tarfile.open(archive, "r:gz") as tar:
        return {m.name: tar.extractfile(m).read() for m in tar if m.isfile()}


def rewrite(archive: Path, target: Path, change):
    """A copy of the archive with change(name, data) → data (or None to drop the member) applied to each member."""
    import io

    with tarfile.open(archive, "r:gz") as source, tarfile.open(target, "w:gz") as out:
        for member in source:
            data = change(member.name, source.extractfile(member).read()) if member.isfile() else None
            if data is None:
                continue
            member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    return target


class Writer(threading.Thread):
    """Commits one probe row and the running count beside it, in one transaction, as fast as it can: a backup is
    consistent only if the count it holds equals the probe rows it holds."""

    def __init__(self, database: Path):
        super().__init__(daemon=True)
        self.database, self.stop, self.commits = database, threading.Event(), 0

    def run(self):
        with closing(sqlite3.connect(self.database, timeout=30)) as connection:
            connection.execute("INSERT INTO django_content_type (app_label, model) VALUES (?, 'count-0')",
                               [PROBE + "_count"])
            connection.commit()
            while not self.stop.is_set():
                self.commits += 1
                connection.execute("INSERT INTO django_content_type (app_label, model) VALUES (?, ?)",
                                   [PROBE, f"m{self.commits}"])
                connection.execute("UPDATE django_content_type SET model = ? WHERE app_label = ?",
                                   [f"count-{self.commits}", PROBE + "_count"])
                connection.commit()
                time.sleep(0.001)


def probes(database: Path) -> tuple[int, int]:
    """(probe rows, the count committed beside them)."""
    with closing(sqlite3.connect(database)) as connection:
        count = connection.execute("SELECT count(*) FROM django_content_type WHERE app_label = ?", [PROBE]).fetchone()
        model = connection.execute("SELECT model FROM django_content_type WHERE app_label = ?",
                                   [PROBE + "_count"]).fetchone()
    return count[0], int(model[0].split("-")[1])


@pytest.fixture(scope="session")
def demo_backup(built_demo, tmp_path_factory):
    """(var dir of the demo as it was when the backup finished, the archive, backup output, writer commits before
    and after): `yingji backup` taken while a writer commits to the demo database."""
    source, output = built_demo
    assert output["returncode"] == 0, output["stderr"]
    base = tmp_path_factory.mktemp("demo-backup")
    var = shutil.copytree(source, base / "var")
    writer = Writer(var / "yingji.sqlite3")
    writer.start()
    while writer.commits < 20:
        time.sleep(0.01)
    before = writer.commits
    result = yingji("backup", str(base / "demo.tar.gz"), var=var)
    after = writer.commits
    writer.stop.set()
    writer.join()
    assert result.returncode == 0, result.stderr
    return var, base / "demo.tar.gz", result.stdout, (before, after)


def postgres_url(name: str) -> str:
    return f"postgres://postgres@127.0.0.1:5432/{name}"


@pytest.fixture
def postgres_database():
    """make() → the URL of a new, empty PostgreSQL database h_backup_<random>, dropped after the test. PostgreSQL
    unreachable: a failure under CI=true (CI must run this test), a skip elsewhere."""
    import uuid

    import psycopg

    made = []

    def admin():
        return psycopg.connect(postgres_url("postgres"), autocommit=True, connect_timeout=5)

    try:
        admin().close()
    except psycopg.OperationalError as exc:
        message = f"PostgreSQL 127.0.0.1:5432 无法连接（{exc}）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)

    def make() -> str:
        name = f"h_backup_{uuid.uuid4().hex[:10]}"
        with admin() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        made.append(name)
        return postgres_url(name)

    yield make
    with admin() as connection:
        for name in made:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
