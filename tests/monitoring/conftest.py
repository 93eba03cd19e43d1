"""Fixtures of the ingest tests: the real MQTT broker (Mosquitto on 127.0.0.1:1883 in CI), gateways and sensors
made directly for setup, and a database a `yingji ingest mqtt` subprocess can share with the test."""

import os
import shutil
import socket
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

BROKER = (os.environ.get("YINGJI_MQTT_HOST", "127.0.0.1"), int(os.environ.get("YINGJI_MQTT_PORT", "1883")))
HUILAN, TIANCHI = "512022102", "512022001"  # 回澜镇 and 天池街道 of 乐至县


def broker_reachable(host: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def broker():
    """(host, port) of the MQTT broker. Unreachable: a failure under CI=true (CI must run these tests, never
    skip them), a skip elsewhere."""
    if not broker_reachable(*BROKER):
        message = f"MQTT 服务器 {BROKER[0]}:{BROKER[1]} 无法连接（apt-get install mosquitto，或运行 .ci/run 启动它）"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return BROKER


def unique(prefix: str) -> str:
    """A name no other test (or xdist worker, or earlier run) uses: topics, client ids, share groups, codes."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


# --- setup records, made directly (the registry's services are tested elsewhere) ----------------------------------

def make_gateway(code=None, region=HUILAN, *, active=True, using="default"):
    from yingji.core.models import Region
    from yingji.monitoring.models import Gateway

    return Gateway.objects.using(using).create(
        code=code or unique("GW"), name="测试网关", region=Region.objects.using(using).get(code=region),
        is_active=active)


def make_sensor(code=None, kind="lel", region=HUILAN, *, gateway=None, active=True, installed_days=30,
                using="default"):
    from yingji.core.models import Region
    from yingji.monitoring import kinds
    from yingji.monitoring.models import Sensor

    info = kinds.kinds()[kind]
    return Sensor.objects.using(using).create(
        code=code or unique("T"), name=f"测试{info.name}", kind=kind, unit=info.unit,
        region=Region.objects.using(using).get(code=region), gateway=gateway, is_active=active,
        expected_interval_s=info.expected_interval_s, installed_at=timezone.now() - timedelta(days=installed_days))


def make_high_rule(sensor, level1=25.0, level2=50.0, deadband=2.0, using="default"):
    """The sensor's own high rule (an override), 一级/二级 at level1/level2, clearing `deadband` below level1."""
    from yingji.monitoring.models import Rule

    return Rule.objects.using(using).create(
        name=f"{sensor.code} 高限", region_id=sensor.region_id, kind=sensor.kind, sensor=sensor, rule_type=Rule.HIGH,
        level1=level1, level2=level2, deadband=deadband)


# --- a database the consumer subprocess shares with the test -----------------------------------------------------

@dataclass
class SharedDatabase:
    alias: str  # the test's Django alias for it
    url: str  # YINGJI_DATABASE_URL for a subprocess
    var_dir: Path

    def env(self) -> dict:
        """The environment of a `yingji …` subprocess on this database (not the test settings: no PYTEST_VERSION)."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
        return {**clean, "YINGJI_DATABASE_URL": self.url, "YINGJI_VAR_DIR": str(self.var_dir),
                "YINGJI_SECRET_KEY": "test-ingest-subprocess", "PYTHONUNBUFFERED": "1"}


def shared_database_mark():
    """The mark of a module using `shared_database`. PostgreSQL: its tests commit (transactional). SQLite: no
    database mark at all — the test database is in memory, and a test's transaction would hold SQLite's lock."""
    from django.db import connection

    if connection.vendor == "postgresql":
        return pytest.mark.django_db(transaction=True)
    return pytest.mark.usefixtures("shared_database")


@pytest.fixture
def shared_database(request, tmp_path, django_db_blocker):
    """The demo county in a database a subprocess can open too.

    PostgreSQL: the test database itself, committed (the test is transactional; the demo is restored after it).
    SQLite: the tests' database is in memory, which no other process can open: the test takes the file
    `yingji demo` built (conftest.demo_var_dir, shared by the whole run) and reaches it under an alias of its
    own. The module marks its tests with shared_database_mark()."""
    from django.db import connection, connections

    if connection.vendor == "postgresql":
        request.getfixturevalue("committed_demo")
        db = connection.settings_dict
        user = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
        url = f"postgres://{user}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
        yield SharedDatabase("default", url, tmp_path / "var")
        return
    var_dir = request.getfixturevalue("demo_var_dir")
    path = var_dir / "yingji.sqlite3"
    alias = "ingest_shared"
    config = dict(connections["default"].settings_dict)
    config.update(NAME=str(path), TEST={"NAME": str(path)})
    connections.settings[alias] = config
    settings.DATABASES[alias] = config
    try:
        with django_db_blocker.unblock():
            yield SharedDatabase(alias, f"sqlite:///{path}", var_dir)
    finally:
        if alias in connections.settings:
            connections[alias].close()
            del connections[alias]
            del connections.settings[alias]
        settings.DATABASES.pop(alias, None)
        shutil.rmtree(var_dir, ignore_errors=True)
