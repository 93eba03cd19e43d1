"""Plan tests: `plan(name)` finds a demo plan; incidents come from `open_incident` in tests/conftest.py
(pass where=TIANCHI for one in 天池街道)."""

import pytest

from yingji.core.models import User
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
