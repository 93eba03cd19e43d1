"""The `yingji` command as a user runs it."""

import os
import sqlite3
import subprocess
import sys
from contextlib import closing
from importlib import metadata
from pathlib import Path

from yingji import __version__

YINGJI = str(Path(sys.executable).parent / "yingji")


def run(*args, tmp_path, **env):
    # As outside the test suite (no PYTEST_VERSION), with no deployment settings leaking in from the caller.
    environment = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    environment.update(YINGJI_VAR_DIR=str(tmp_path / "var"), **env)
    return subprocess.run([YINGJI, *args], env=environment, capture_output=True, text=True, timeout=300)


def test_version(tmp_path):
    result = run("--version", tmp_path=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"yingji {__version__}"
    assert __version__ == metadata.version("yingji")  # the package and its installed metadata agree


def test_demo_no_serve_prints_the_logins_and_is_repeatable(built_demo, demo_var_dir, tmp_path):
    _, first = built_demo  # the first run, on an empty var dir, made once for the whole suite
    assert first["returncode"] == 0, first["stderr"]
    listed = {line.split()[0] for line in first["stdout"].splitlines() if "Yingji@2026" in line}
    assert listed >= {"admin", "duty", "commander", "dispatcher", "inspector", "township", "township2",
                      "enterprise", "leader"}
    assert "Yingji@2026" in first["stdout"] and "乐至县 › 天池街道" in first["stdout"]
    database = demo_var_dir / "yingji.sqlite3"
    after_first = table_counts(database)
    assert after_first["core_region"] == 85  # 28 divisions + the warnings demo's 57 villages
    second = run("demo", "--no-serve", tmp_path=tmp_path)
    assert second.returncode == 0 and "区划 28 个" in second.stdout
    assert table_counts(database) == after_first  # nothing duplicated, nothing re-audited


def table_counts(database):
    with closing(sqlite3.connect(database)) as connection:
        return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
                for table in ("core_region", "core_organisation", "core_user", "core_auditentry")}


def test_manage_passes_through_to_django(tmp_path):
    result = run("manage", "check", tmp_path=tmp_path)
    assert result.returncode == 0 and "no issues" in result.stdout
    bad = run("manage", "no_such_command", tmp_path=tmp_path)
    assert bad.returncode != 0


def test_worker_batch_runs_and_exits(demo_var_dir, tmp_path):
    result = run("worker", "--batch", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
