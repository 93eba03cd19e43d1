"""Shared fixtures: the demo county, logged-in clients per demo user, fast hashing outside security tests."""

import pytest
from django.test import Client
from rest_framework.test import APIClient

from yingji.core.demo import DEMO_PASSWORD, load_all
from yingji.core.models import Region, User


def pytest_configure(config):
    config.addinivalue_line("markers", "argon2: keep the production password hasher (Argon2) for this test")


@pytest.fixture(autouse=True)
def _fast_password_hashing(request, settings):
    """Argon2 costs ~0.1 s a hash by design; tests that are not about hashing use a cheap one."""
    if request.node.get_closest_marker("argon2") is None and request.node.get_closest_marker("e2e") is None:
        settings.PASSWORD_HASHERS = FAST_HASHERS


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


def _load_demo():
    from django.test import override_settings
    from django.utils import translation

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), translation.override("zh-hans"):
        load_all(log=lambda *_: None)


@pytest.fixture(scope="module")
def _demo_module(django_db_setup, django_db_blocker):
    """The demo county, loaded once per test module inside a transaction that is rolled back afterwards.

    Module-scoped fixtures are set up before the function-scoped ones, so each test's own transaction
    (pytest-django's `db`) nests inside this one as a savepoint: a test's changes roll back to the
    freshly loaded demo, and modules that never ask for the demo see an empty database.
    """
    from django.db import transaction

    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _load_demo()
        except BaseException:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture
def demo(_demo_module, db):
    """The demo county as `yingji demo` loads it (the demo loader, through the services).

    For tests in a transaction of their own (transactional_db, live_server), load it in the test instead.
    """


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
def web():
    """web("township") → a django test Client logged in as that demo user."""

    def login(username):
        client = Client()
        assert client.login(username=username, password=DEMO_PASSWORD)
        return client

    return login


@pytest.fixture
def api():
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
    from routing.conftest import osm_xml  # tests/routing, on the path as the package `routing`
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
