"""Incident tests use `open_incident` from tests/conftest.py; `duty` is the demo duty officer."""

import pytest

from yingji.core.models import User


@pytest.fixture
def duty(demo):
    return User.objects.get(username="duty")
