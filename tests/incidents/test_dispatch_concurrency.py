"""Two dispatchers send the same force to two incidents at the same moment (PostgreSQL).

In a module of its own: it needs real commits, which must not share a module with the demo county.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from yingji.core import services as core_services
from yingji.core.models import Region
from yingji.incidents.models import Assignment, Incident
from yingji.incidents.services import dispatch, incidents
from yingji.resources import services as resources_services
from yingji.resources.models import RescueForce


@pytest.fixture
def two_incidents_one_force(transactional_db):
    province = core_services.save_region(None, Region(), {"name": "测试省", "level": "province", "code": "990000"})
    city = core_services.save_region(None, Region(), {"name": "测试市", "level": "city", "code": "990100",
                                                      "parent": province})
    county = core_services.save_region(None, Region(), {"name": "测试县", "level": "county", "code": "990101",
                                                        "parent": city, "longitude": 105.0, "latitude": 30.0})
    force = resources_services.save_force(None, RescueForce(), {
        "name": "测试消防站", "type": "fire_station", "station_class": "class1", "region": county,
        "longitude": 105.01, "latitude": 30.01, "members_total": 20, "members_on_duty": 10,
        "capabilities": ["12G00"]})
    made = [incidents.create_incident(None, {"title": f"火灾{n}", "source": "duty_phone", "event_code": "12G03",
                                             "region": county, "longitude": 105.0, "latitude": 30.0 + n / 100})
            for n in (1, 2)]
    return made, force


def test_two_concurrent_dispatches_of_one_force(two_incidents_one_force):
    if connection.vendor != "postgresql":
        pytest.skip("row locks are a PostgreSQL matter; SQLite serialises writers already (runs in the PG pass)")
    (first, second), force = two_incidents_one_force
    start = threading.Barrier(2)
    outcomes = []

    def send(incident):
        try:
            start.wait()
            dispatch.dispatch(None, Incident.objects.get(pk=incident.pk), RescueForce.objects.get(pk=force.pk))
            outcomes.append("ok")
        except ValidationError as exc:
            outcomes.append(exc.message_dict["force"][0])
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send, args=(i,)) for i in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") == 1, outcomes
    refusal = next(o for o in outcomes if o != "ok")
    assert "不能同时调派" in refusal or "刚刚被调派" in refusal
    assert Assignment.objects.filter(force=force, active=True).count() == 1
