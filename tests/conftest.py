"""Shared fixtures: the demo county (loaded once per test process), logged-in clients per demo user, fast hashing
outside security tests."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests import demo_snapshot  # tests/demo_snapshot.py
from yingji.core.demo import DEMO_PASSWORD, load_all
from yingji.core.models import Region, User


def pytest_configure(config):
    config.addinivalue_line("markers", "argon2: keep the production password hasher (Argon2) for this test")


# Fixtures that open the test database: a test using none of them (and with no django_db mark) cannot touch it.
DATABASE_FIXTURES = {"db", "transactional_db", "live_server", "django_db_setup", "_demo_database"}


def pytest_collection_modifyitems(config, items):
    """CI runs the suite twice, on SQLite and then on PostgreSQL (.ci/run sets YINGJI_TEST_SPLIT=1). Each test
    still runs at least once, and every test that touches the database runs on both passes, except:
    - a test that never opens the test database gives the same answer on both: it runs on the SQLite pass only;
    - a browser test (marked e2e) drives pages whose queries the view and API tests already run on both
      databases: it runs on the PostgreSQL pass only, against the database production uses.
    Without YINGJI_TEST_SPLIT (the README's command, or a developer's run) every test runs."""
    import os

    if os.environ.get("YINGJI_TEST_SPLIT") != "1":
        return
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    keep, moved = [], []
    for item in items:
        browser = item.get_closest_marker("e2e") is not None
        touches = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ())))
        other_pass = not (touches or browser) if postgres else browser
        (moved if other_pass else keep).append(item)
    if moved:
        config.hook.pytest_deselected(items=moved)
        items[:] = keep


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 costs ~0.1 s a hash by design; tests that are not about hashing use a cheap one. The demo users'
    passwords are stored with the cheap one, so an Argon2 test keeps it as a second hasher to log them in."""
    if request.node.get_closest_marker("argon2") is None:
        settings.PASSWORD_HASHERS = FAST_HASHERS
    else:
        settings.PASSWORD_HASHERS = [*settings.PASSWORD_HASHERS, *FAST_HASHERS]


@pytest.fixture(autouse=True)
def _chinese():
    """Requests (LocaleMiddleware) and the CLI (setup_django) run in zh-hans; so do direct service calls here."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture(autouse=True)
def _no_road_network(settings, tmp_path_factory):
    """Road networks a developer imported under ./var/roads must not change ranking in tests; a test that
    wants one imports it into its own VAR_DIR."""
    settings.VAR_DIR = tmp_path_factory.getbasetemp() / "no-roads"


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The snapshot of the demo database of this test process (one per xdist worker), once it is loaded, and the
# local day it was loaded on: the demo's records are relative to that day (today's duty shift, this week's
# incidents), so after local midnight the demo is loaded afresh before the next test.
_snapshot = None
_snapshot_day = None


def _load_demo_snapshot():
    global _snapshot, _snapshot_day
    from django.test import override_settings
    from django.utils import timezone, translation

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), translation.override("zh-hans"):
        _snapshot_day = timezone.localdate()
        load_all(log=lambda *_: None)
    _snapshot = demo_snapshot.take()


@pytest.fixture(scope="session")
def _demo_database(django_db_setup, django_db_blocker):
    """The demo county, loaded once per test process through its services and committed, then kept as a
    snapshot. Every test transaction rolls back to it; a test that commits (transactional, browser) is
    followed by a restore of the snapshot (pytest_runtest_teardown below)."""
    with django_db_blocker.unblock():
        _load_demo_snapshot()


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A run that crosses local midnight (16:00 UTC) loads the demo again for the new day, before any fixture of
    the next test opens its transaction."""
    from django.utils import timezone

    if _snapshot is not None and timezone.localdate() != _snapshot_day:
        from django.core.management import call_command
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            call_command("flush", interactive=False, verbosity=0)
            _load_demo_snapshot()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """After a test that committed and was flushed by Django, put the demo back before the next test (after the
    last test the session's fixtures, the test database included, are gone already)."""
    result = yield
    if _snapshot is not None and nextitem is not None and _committed(item):
        from pytest_django.plugin import blocking_manager_key

        with item.config.stash[blocking_manager_key].unblock():
            demo_snapshot.restore(_snapshot)
    return result


def _committed(item) -> bool:
    marker = item.get_closest_marker("django_db")
    names = getattr(item, "fixturenames", ())
    return bool(marker and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))) or bool(
        {"transactional_db", "live_server"} & set(names))


@pytest.fixture
def demo(_demo_database, db):
    """The demo county as `yingji demo` loads it (the demo loader, through the services), inside this test's
    transaction: whatever the test changes is rolled back."""


@pytest.fixture
def committed_demo(_demo_database, transactional_db):
    """The demo county for a test whose writes really commit (browser tests, row-lock races)."""


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory):
    """`yingji demo --no-serve` run once for the whole test run (all xdist workers share it): (var dir, its
    output). CLI tests copy the var dir (see demo_var_dir) instead of migrating and loading the demo each time."""
    import fcntl
    import json
    import os
    import subprocess
    import sys
    from pathlib import Path

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's base is <run>/popen-gwN: their parent is the run's own folder. Without xdist the
    # base is the run's folder itself (its parent holds every earlier run: a stale demo must not be reused).
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    var, done = shared / "built-demo" / "var", shared / "built-demo.json"
    with open(shared / "built-demo.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not done.exists():
            environment = {k: v for k, v in os.environ.items() if not k.startswith("YINGJI_") and k != "PYTEST_VERSION"}
            result = subprocess.run([str(Path(sys.executable).parent / "yingji"), "demo", "--no-serve"],
                                    env={**environment, "YINGJI_VAR_DIR": str(var)}, capture_output=True, text=True,
                                    timeout=600)
            done.write_text(json.dumps({"returncode": result.returncode, "stdout": result.stdout,
                                        "stderr": result.stderr}))
    return var, json.loads(done.read_text())


@pytest.fixture
def demo_var_dir(built_demo, tmp_path):
    """A var dir of its own holding the demo database as `yingji demo` leaves it: tmp_path / "var"."""
    import shutil

    source, output = built_demo
    assert output["returncode"] == 0, output["stderr"]
    return shutil.copytree(source, tmp_path / "var")


@pytest.fixture
def region(demo):
    """Look a demo region up by its code: region("512022102")."""
    return lambda code: Region.objects.get(code=code)


# Points in 回澜镇 (512022102) and 天池街道 (512022001) of 乐至县.
HUILAN = (105.118, 30.226)
TIANCHI = (105.031, 30.283)


@pytest.fixture
def open_incident(demo):
    """open_incident(actor=None, where=HUILAN, **overrides): an incident opened through the intake service
    (a hazardous-chemicals leak reported by phone 20 minutes after it began), by the duty officer by default."""
    from datetime import timedelta

    from django.utils import timezone

    from yingji.incidents.services import incidents

    def make(actor=None, where=HUILAN, **overrides):
        now = timezone.now()
        data = {
            "title": "回澜镇某化工厂储罐泄漏", "source": "duty_phone", "reporter_name": "张三",
            "reporter_phone": "13800000000", "occurred_at": now - timedelta(minutes=20), "reported_at": now,
            "longitude": where[0], "latitude": where[1], "event_code": "12D02",
            "description": "储罐阀门泄漏，现场有刺激性气味。",
        }
        data.update(overrides)
        return incidents.create_incident(actor or User.objects.get(username="duty"), data)

    return make


@pytest.fixture
def web(_demo_database):
    """web("township") → a django test Client logged in as that demo user (the demo loaded first, whichever test
    of the process comes first)."""

    def login(username):
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return login


@pytest.fixture
def api(_demo_database):
    """api("township") → a DRF APIClient authenticated as that demo user."""

    def login(username):
        client = APIClient()
        client.force_authenticate(User.objects.get(username=username))
        return client

    return login


@pytest.fixture
def road_network(settings, tmp_path):
    """road_network(name, nodes, ways) imports an OSM network from nodes {id: (lon, lat)} and ways
    [(id, [node ids], tags)], makes it the one dispatch uses, and returns the loaded graph."""
    from tests.routing.conftest import osm_xml
    from yingji import routing
    from yingji.core import roads

    def make(name, nodes, ways):
        path = tmp_path / f"{name}.osm"
        path.write_text(osm_xml(nodes, ways), encoding="utf-8")
        settings.VAR_DIR = tmp_path
        settings.YINGJI_ROAD_NETWORK = name
        routing.import_osm(path, name, var_dir=tmp_path)
        return roads.network()

    return make
