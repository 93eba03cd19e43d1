"""The `yingji` command as a user runs it."""

import os
import subprocess
import sys
from pathlib import Path

from yingji import __version__

YINGJI = str(Path(sys.executable).parent / "yingji")


def run(*args, tmp_path, **env):
    environment = {**os.environ, "YINGJI_VAR_DIR": str(tmp_path / "var"), **env}
    environment.pop("PYTEST_VERSION", None)  # behave as outside the test suite
    return subprocess.run([YINGJI, *args], env=environment, capture_output=True, text=True, timeout=300)


def test_version(tmp_path):
    result = run("--version", tmp_path=tmp_path)
    assert result.returncode == 0 and result.stdout.strip() == f"yingji {__version__}"


def test_demo_no_serve_prints_the_logins_and_is_repeatable(tmp_path):
    first = run("demo", "--no-serve", tmp_path=tmp_path)
    assert first.returncode == 0, first.stderr
    for username in ("admin", "duty", "commander", "dispatcher", "inspector", "township", "enterprise", "leader"):
        assert username in first.stdout
    assert "Yingji@2026" in first.stdout and "乐至县 › 天池街道" in first.stdout
    assert (tmp_path / "var" / "yingji.sqlite3").exists()
    second = run("demo", "--no-serve", tmp_path=tmp_path)
    assert second.returncode == 0 and "区划 28 个" in second.stdout


def test_manage_passes_through_to_django(tmp_path):
    result = run("manage", "check", tmp_path=tmp_path)
    assert result.returncode == 0 and "no issues" in result.stdout
    bad = run("manage", "no_such_command", tmp_path=tmp_path)
    assert bad.returncode != 0


def test_worker_batch_runs_and_exits(tmp_path):
    assert run("manage", "migrate", "--noinput", tmp_path=tmp_path).returncode == 0
    result = run("worker", "--batch", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
