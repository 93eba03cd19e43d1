"""Settings come from YINGJI_* environment variables; the defaults are safe and the production profile
passes check --deploy. Each case runs in a fresh interpreter, as a deployment would start."""

import json
import os
import secrets
import subprocess
import sys

PYTHON = sys.executable


def environment(tmp_path, **env):
    """The caller's environment without test-suite or deployment settings, plus `env`."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
    return {**clean, "YINGJI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "yingji.settings", **env}


def run_python(tmp_path, code, **env):
    result = subprocess.run([PYTHON, "-c", f"import django; django.setup(); {code}"],
                            env=environment(tmp_path, **env), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def setting(tmp_path, expression, **env):
    """The JSON of a settings expression, as the process started with `env` sees it."""
    return json.loads(run_python(tmp_path, f"from django.conf import settings as s; print(__import__('json')"
                                           f".dumps({expression}, default=str))", **env))


def test_default_database_is_sqlite_under_var_in_wal_mode_with_foreign_keys(tmp_path):
    database = setting(tmp_path, "s.DATABASES['default']")
    assert database["ENGINE"] == "yingji.core.sqlite"  # Django's SQLite backend + PRAGMA optimize on close
    assert database["NAME"] == str(tmp_path / "yingji.sqlite3")
    # What the connection really does, not just what the settings say.
    pragmas = run_python(tmp_path, "from django.db import connection as c; cur = c.cursor(); "
                                   "print(*[cur.execute(f'PRAGMA {p}').fetchone()[0] "
                                   "for p in ('journal_mode', 'foreign_keys', 'busy_timeout')])")
    assert pragmas == "wal 1 20000"


def test_sqlite_keeps_planner_statistics(tmp_path):
    """A connection that queried an indexed table without statistics leaves them behind when it closes."""
    stats = run_python(tmp_path, "from django.db import connection as c; cur = c.cursor(); "
                                 "cur.execute('CREATE TABLE t (a INTEGER, b TEXT)'); "
                                 "cur.execute('CREATE INDEX t_a ON t (a)'); "
                                 "cur.executemany('INSERT INTO t VALUES (?, ?)', [(i % 50, str(i)) for i in range(5000)]); "
                                 "cur.execute('SELECT b FROM t WHERE a = 7').fetchall(); c.close(); "
                                 "print(c.cursor().execute('SELECT count(*) FROM sqlite_stat1').fetchone()[0])")
    assert int(stats) >= 1
    assert (tmp_path / "yingji.sqlite3").exists()


def test_database_url_from_environment(tmp_path):
    postgres = setting(tmp_path, "s.DATABASES['default']",
                       YINGJI_DATABASE_URL="postgres://yj:secret@db.example:6543/yingji")
    assert (postgres["ENGINE"], postgres["NAME"], postgres["USER"], postgres["PASSWORD"], postgres["HOST"],
            postgres["PORT"]) == ("django.db.backends.postgresql", "yingji", "yj", "secret", "db.example", 6543)
    assert "init_command" not in postgres.get("OPTIONS", {})  # SQLite pragmas are for SQLite only
    elsewhere = tmp_path / "elsewhere.sqlite3"
    sqlite = setting(tmp_path, "s.DATABASES['default']", YINGJI_DATABASE_URL=f"sqlite:///{elsewhere}")
    assert sqlite["NAME"] == str(elsewhere) and "journal_mode=WAL" in sqlite["OPTIONS"]["init_command"]


def test_the_test_suite_database_is_chosen_by_its_own_variable(tmp_path):
    # Inside pytest, YINGJI_TEST_DATABASE_URL decides, so a deployment's YINGJI_DATABASE_URL is never touched.
    name = setting(tmp_path, "s.DATABASES['default']['NAME']", PYTEST_VERSION="8",
                   YINGJI_DATABASE_URL="postgres://prod@db.example/live")
    assert name == str(tmp_path / "yingji.sqlite3")


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = setting(tmp_path, "s.SECRET_KEY")
    assert len(first) >= 50
    assert setting(tmp_path, "s.SECRET_KEY") == first  # a restart keeps sessions valid
    assert (tmp_path / "secret_key").read_text().strip() == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    other = tmp_path / "other"
    assert setting(other, "s.SECRET_KEY") != first  # each installation its own key
    assert setting(tmp_path, "s.SECRET_KEY", YINGJI_SECRET_KEY="from-env" * 8) == "from-env" * 8


def test_debug_and_hosts_from_environment(tmp_path):
    assert setting(tmp_path, "[s.DEBUG, s.ALLOWED_HOSTS]") == [False, ["localhost", "127.0.0.1", "[::1]"]]
    assert setting(tmp_path, "s.DEBUG", YINGJI_DEBUG="1") is True
    assert setting(tmp_path, "s.DEBUG", YINGJI_DEBUG="off") is False
    assert setting(tmp_path, "s.ALLOWED_HOSTS", YINGJI_ALLOWED_HOSTS=" yingji.example.gov.cn, 10.0.0.5 ,") == [
        "yingji.example.gov.cn", "10.0.0.5"]
    assert setting(tmp_path, "[s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE]") == ["Asia/Shanghai", True, "zh-hans"]


def test_https_switches_on_the_transport_protections(tmp_path):
    expression = "[s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0]"
    assert setting(tmp_path, expression) == [False, False, False, False]  # the demo runs on plain http://127.0.0.1
    assert setting(tmp_path, expression, YINGJI_HTTPS="1") == [True, True, True, True]


def test_production_profile_passes_check_deploy(tmp_path):
    env = environment(tmp_path, YINGJI_DEBUG="0", YINGJI_HTTPS="1", YINGJI_SECRET_KEY=secrets.token_urlsafe(60)[:60],
                      YINGJI_ALLOWED_HOSTS="yingji.example.gov.cn")
    result = subprocess.run([PYTHON, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_catches_an_unsafe_profile(tmp_path):
    # The same command must be able to fail: DEBUG on and plain http are reported.
    env = environment(tmp_path, YINGJI_DEBUG="1", YINGJI_SECRET_KEY=secrets.token_urlsafe(60)[:60])
    result = subprocess.run([PYTHON, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                            env=env, capture_output=True, text=True)
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG
