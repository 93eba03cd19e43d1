"""The bell tells inspectors of overdue 重大事故隐患 (the escalation) and of hazards waiting for 复查验收."""

import pytest
from django.utils import timezone

from yingji.core.models import User
from yingji.core.notifications import collect
from yingji.safety.models import Hazard

pytestmark = pytest.mark.django_db


def keys(username) -> dict:
    return {s["key"]: s["count"] for s in collect(User.objects.get(username=username))["sources"]}


def test_inspectors_hear_of_escalations_and_acceptance_the_duty_seat_does_not(demo):
    inspector = keys("inspector")
    overdue = Hazard.objects.filter(grade=Hazard.MAJOR, status__in=Hazard.OPEN, deadline__lt=timezone.localdate())
    assert inspector["overdue_major_hazards"] == overdue.count() > 0
    assert inspector["hazards_to_accept"] == Hazard.objects.filter(status=Hazard.AWAITING).count() > 0
    assert "overdue_major_hazards" not in keys("duty") and "hazards_to_accept" not in keys("enterprise")
