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
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _chinese():
    """Requests (LocaleMiddleware) and the CLI (setup_django) run in zh-hans; so do direct service calls here."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@pytest.fixture
def demo(db):
    load_all(log=lambda *_: None)


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
