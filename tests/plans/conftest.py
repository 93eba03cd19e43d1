"""Incidents on the demo county for plan tests: `open_incident(**overrides)` opens one through the intake
service (like tests/incidents/conftest.py); `plan(name)` finds a demo plan."""

from datetime import timedelta

import pytest
from django.utils import timezone

from yingji.core.models import User
from yingji.incidents.services import incidents as incident_services
from yingji.plans.models import Plan

# Points in 回澜镇 (512022102) and 天池街道 (512022001) of 乐至县.
HUILAN = (105.118, 30.226)
TIANCHI = (105.031, 30.283)

HAZMAT = "乐至县危险化学品事故应急预案"
GENERAL = "乐至县突发事件总体应急预案"
FLOOD = "乐至县防汛抗旱应急预案"


@pytest.fixture
def user(demo):
    return lambda username: User.objects.get(username=username)


@pytest.fixture
def commander(demo):
    return User.objects.get(username="commander")


@pytest.fixture
def plan(demo):
    return lambda name: Plan.objects.get(name=name)


@pytest.fixture
def open_incident(demo):
    duty = User.objects.get(username="duty")

    def make(actor=None, where=HUILAN, **overrides):
        now = timezone.now()
        data = {
            "title": "回澜镇某化工厂储罐泄漏", "source": "duty_phone", "reporter_name": "张三",
            "reporter_phone": "13800000000", "occurred_at": now - timedelta(minutes=20), "reported_at": now,
            "longitude": where[0], "latitude": where[1], "event_code": "12D02",
            "description": "储罐阀门泄漏，现场有刺激性气味。",
        }
        data.update(overrides)
        return incident_services.create_incident(actor or duty, data)

    return make
