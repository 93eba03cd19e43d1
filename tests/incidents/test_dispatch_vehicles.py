"""Dispatch ranks each vehicle by its own size (issue 17 item 3): behind a 3.0 m underpass, a station whose only
free vehicle is a 3.8 m ladder truck is shown as unreachable with the reason, a station with a small pump
engine is sent instead, and a station holding both suggests the pump engine."""

import pytest
from django.core.exceptions import ValidationError

from yingji.incidents.services import dispatch
from yingji.resources import services as resources
from yingji.resources.models import RescueForce, Vehicle

pytestmark = pytest.mark.django_db

# Incident at 4, at the end of an underpass (3–4, maxheight 3.0) under a railway: every road in goes under it.
INCIDENT = (105.104, 30.250)
NEAR = (105.100, 30.250)  # the ladder station, 400 m from the incident
FAR = (105.080, 30.250)  # the pump station, 2.4 km away
NODES = {1: FAR, 2: (105.090, 30.250), 3: NEAR, 4: INCIDENT}


@pytest.fixture
def underpass(road_network):
    ways = [(10, [1, 2, 3], {"highway": "secondary"}),
            (11, [3, 4], {"highway": "residential", "maxheight": "3.0", "tunnel": "yes"})]
    return road_network("underpass", NODES, ways)


def station(name, point, region):
    return resources.save_force(None, RescueForce(), {
        "name": name, "type": "fire_station", "station_class": "class2", "region": region,
        "longitude": point[0], "latitude": point[1], "members_total": 20, "members_on_duty": 10,
        "capabilities": ["12G00"]})


def vehicle(plate, kind, force, **size):
    return resources.save_vehicle(None, Vehicle(), {"plate": plate, "type": kind, "station": force, **size})


def test_each_vehicle_is_ranked_by_its_own_size(underpass, open_incident, duty, region):
    huilan = region("512022102")
    near, far = station("桥东登高站", NEAR, huilan), station("西郊水罐站", FAR, huilan)
    ladder = vehicle("川M·L0001", "ladder", near)  # typical 3.8 m (routing/data/vehicles.toml)
    vehicle("川M·P0001", "water_tank", far, height_m="2.90")  # its own record overrides the typical 3.4 m
    incident = open_incident(longitude=INCIDENT[0], latitude=INCIDENT[1], event_code="12G03", title="桥洞旁火灾")
    rows = {c.force: c for c in dispatch.candidates(incident, duty, limit=100) if c.force in (near, far)}
    assert rows[near].unreachable == "川M·L0001 云梯消防车：限高 3 米，车高 3.8 米，无可通行路线"
    assert "在位车辆均无可通行路线" in rows[near].rank_reason
    assert rows[near].vehicles[0].vehicle == ladder and not rows[near].vehicles[0].suggested
    assert not rows[far].unreachable and rows[far].vehicles[0].suggested
    ranked = [c.force for c in dispatch.candidates(incident, duty, limit=100) if c.force in (near, far)]
    assert ranked == [far, near]  # the nearer station cannot get its truck there
    # A pump engine added to the near station makes it reachable again (and the one suggested).
    pump = vehicle("川M·P0002", "small_tank", near)
    row = next(c for c in dispatch.candidates(incident, duty, limit=100) if c.force == near)
    assert not row.unreachable and [v.vehicle for v in row.vehicles if v.suggested] == [pump]
    assert next(v for v in row.vehicles if v.vehicle == ladder).reason.endswith("无可通行路线")
    assert [c.force for c in dispatch.candidates(incident, duty, limit=100) if c.force in (near, far)][0] == near


def test_candidates_api_shows_the_unreachable_reason(underpass, open_incident, duty, region, api):
    near = station("桥东登高站", NEAR, region("512022102"))
    vehicle("川M·L0003", "aerial_platform", near)
    incident = open_incident(longitude=INCIDENT[0], latitude=INCIDENT[1], event_code="12G03")
    # Ranked last, it would fall beyond the API's first 20 among the demo's forces: leave it alone.
    RescueForce.objects.exclude(pk=near.pk).update(status=RescueForce.DISABLED)
    client = api("duty")
    response = client.get(f"/api/incidents/{incident.pk}/candidates/")
    assert response.status_code == 200
    row = next(r for r in response.json() if r["force"] == near.pk)
    assert "限高 3 米，车高 3.9 米，无可通行路线" in row["unreachable_reason"]
    assert row["vehicles"][0]["unreachable_reason"] == row["unreachable_reason"] and row["vehicles"][0]["eta_s"] is None


def test_an_absurd_vehicle_size_is_refused_in_chinese(demo, region):
    force = station("测试站", NEAR, region("512022102"))
    with pytest.raises(ValidationError) as error:
        vehicle("川M·X0001", "ladder", force, height_m="38")
    assert "height_m" in error.value.message_dict
    with pytest.raises(ValidationError):
        vehicle("川M·X0002", "ladder", force, gross_weight_t="-3")


def test_route_and_dispatch_of_one_vehicle_use_its_size(underpass, open_incident, duty, region, api):
    near = station("桥东登高站", NEAR, region("512022102"))
    ladder, pump = vehicle("川M·L0004", "ladder", near), vehicle("川M·P0004", "small_tank", near)
    incident = open_incident(longitude=INCIDENT[0], latitude=INCIDENT[1], event_code="12G03")
    client = api("duty")
    url = f"/api/incidents/{incident.pk}/route/"
    ok = client.get(url, {"force": near.pk, "vehicle": pump.pk})
    assert ok.status_code == 200 and ok.json()["properties"]["method"] == "路网"
    refused = client.get(url, {"force": near.pk, "vehicle": ladder.pk})
    assert refused.status_code == 400 and "限高 3 米，车高 3.8 米，无可通行路线" in refused.content.decode()
    # Sent anyway (the dispatcher's call): no ETA is claimed, and the timeline says why.
    sent = dispatch.dispatch(duty, incident, near, ladder)
    assert sent.eta_s is None and sent.eta_method == ""
    entry = incident.timeline.get(kind="dispatch")
    assert entry.text == "调派桥东登高站（川M·L0004）；注意：川M·L0004 云梯消防车：限高 3 米，车高 3.8 米，无可通行路线"
