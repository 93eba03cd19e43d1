"""Incidents on the demo county: `open_incident(**overrides)` opens one through the intake service."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.core.models import User
from yingji.incidents.services import incidents as services

# A point in 回澜镇 (512022102) of 乐至县.
HUILAN = (105.118, 30.226)


@pytest.fixture
def duty(demo):
    return User.objects.get(username="duty")


@pytest.fixture
def open_incident(demo, duty):
    def make(actor=None, **overrides):
        now = timezone.now()
        data = {
            "title": "回澜镇某化工厂储罐泄漏", "source": "duty_phone", "reporter_name": "张三",
            "reporter_phone": "13800000000", "occurred_at": now - timedelta(minutes=20), "reported_at": now,
            "longitude": HUILAN[0], "latitude": HUILAN[1], "event_code": "12D02",
            "description": "储罐阀门泄漏，现场有刺激性气味。",
        }
        data.update(overrides)
        return services.create_incident(actor or duty, data)

    return make
