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


FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _load_demo():
    from django.test import override_settings
    from django.utils import translation

    with override_settings(PASSWORD_HASHERS=FAST_HASHERS), translation.override("zh-hans"):
        load_all(log=lambda *_: None)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the demo county once into the test database; each test's changes roll back around it."""
    with django_db_blocker.unblock():
        _load_demo()


@pytest.fixture
def demo(db):
    """The demo county, as `yingji demo` loads it (through the demo loader and its services).

    Loaded once per session by django_db_setup; a transactional test empties the database when it
    ends, so a later one that asks for the demo gets it loaded again.
    """
    if not Region.objects.filter(code="512022").exists():
        _load_demo()


@pytest.fixture
def region(demo):
    """Look a demo region up by its code: region("512022102")."""
    return lambda code: Region.objects.get(code=code)


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
