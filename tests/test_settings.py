"""Settings come from the environment; the defaults are safe and the production profile passes check --deploy."""

import os
import secrets
import subprocess
import sys

PYTHON = sys.executable


def settings_value(tmp_path, expression, **env):
    environment = {**os.environ, "YINGJI_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "yingji.settings", **env}
    environment.pop("PYTEST_VERSION", None)
    code = f"from django.conf import settings as s; print({expression})"
    result = subprocess.run([PYTHON, "-c", f"import django; django.setup(); {code}"], env=environment,
                            capture_output=True, text=True, check=True)
    return result.stdout.strip()


def test_default_database_is_sqlite_in_wal_mode_under_var(tmp_path):
    assert settings_value(tmp_path, "s.DATABASES['default']['NAME']") == str(tmp_path / "yingji.sqlite3")
    assert "journal_mode=WAL" in settings_value(tmp_path, "s.DATABASES['default']['OPTIONS']['init_command']")
    assert settings_value(tmp_path, "s.TIME_ZONE, s.USE_TZ, s.LANGUAGE_CODE") == "Asia/Shanghai True zh-hans"


def test_database_url_from_environment(tmp_path):
    engine = settings_value(tmp_path, "s.DATABASES['default']['ENGINE'], s.DATABASES['default']['NAME']",
                            YINGJI_DATABASE_URL="postgres://u:p@db.example:5432/yingji")
    assert engine == "django.db.backends.postgresql yingji"


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = settings_value(tmp_path, "s.SECRET_KEY")
    assert len(first) >= 50
    assert settings_value(tmp_path, "s.SECRET_KEY") == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert settings_value(tmp_path, "s.SECRET_KEY", YINGJI_SECRET_KEY="from-env" * 8) == "from-env" * 8


def test_safe_defaults(tmp_path):
    assert settings_value(tmp_path, "s.DEBUG") == "False"
    assert settings_value(tmp_path, "s.ALLOWED_HOSTS") == "['localhost', '127.0.0.1', '[::1]']"
    assert settings_value(tmp_path, "s.PASSWORD_HASHERS[0]") == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_production_profile_passes_check_deploy(tmp_path):
    environment = {
        **os.environ, "DJANGO_SETTINGS_MODULE": "yingji.settings", "YINGJI_VAR_DIR": str(tmp_path),
        "YINGJI_DEBUG": "0", "YINGJI_HTTPS": "1", "YINGJI_SECRET_KEY": secrets.token_urlsafe(60),
        "YINGJI_ALLOWED_HOSTS": "yingji.example.gov.cn",
    }
    environment.pop("PYTEST_VERSION", None)
    result = subprocess.run([PYTHON, "-m", "django", "check", "--deploy", "--fail-level", "WARNING"],
                            env=environment, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
