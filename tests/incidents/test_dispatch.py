"""Candidate ranking, dispatch, unit status steps and response times."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tests.dispatching import idle_candidate
from yingji.core.models import User
from yingji.incidents.models import Assignment, Incident
from yingji.incidents.services import dispatch
from yingji.resources.models import RescueForce, Vehicle

pytestmark = pytest.mark.django_db


def test_candidates_ranked_free_capable_then_by_time(open_incident, duty):
    incident = open_incident()
    rows = dispatch.candidates(incident, duty, limit=50)
    assert rows and all(r.method == "估算(直线)" for r in rows)
    keys = [(r.busy, r.resting, dispatch.MATCH_ORDER.index(r.match), r.seconds + r.penalty) for r in rows]
    assert keys == sorted(keys)
    first = rows[0]
    assert first.capable and not first.busy
    # Straight line × 1.4 at 40 km/h: seconds follow from metres.
    assert first.seconds == pytest.approx(first.metres / (40 / 3.6))


def test_detour_and_speed_are_settings(open_incident, duty, settings):
    incident = open_incident()
    before = dispatch.candidates(incident, duty)[0]
    settings.YINGJI_DETOUR_FACTOR = 2.8
    settings.YINGJI_STRAIGHT_LINE_SPEED_KMH = 80
    after = next(c for c in dispatch.candidates(incident, duty, 50) if c.force.pk == before.force.pk)
    assert after.metres == pytest.approx(before.metres * 2)
    assert after.seconds == pytest.approx(before.seconds)


def test_dispatch_walks_the_statuses_and_frees_the_unit(open_incident, duty):
    incident = open_incident()
    force = idle_candidate(incident, duty).force
    assignment = dispatch.dispatch(duty, incident, force)
    assert assignment.eta_s > 0 and assignment.eta_method == "估算(直线)"
    force.refresh_from_db()
    assert force.status == RescueForce.DISPATCHED
    assert Incident.objects.get(pk=incident.pk).status == Incident.RESPONDING
    Assignment.objects.filter(pk=assignment.pk).update(assigned_at=timezone.now() - timedelta(minutes=15))
    assignment.refresh_from_db()
    arrived = assignment.assigned_at + timedelta(minutes=9)
    assignment = dispatch.advance(duty, assignment, Assignment.ON_SCENE, when=arrived)
    assert assignment.response_s == 9 * 60
    assert incident.timeline.filter(kind="dispatch", text__contains="响应用时 9.0 分钟").exists()
    with pytest.raises(ValidationError, match="不能改为"):
        dispatch.advance(duty, assignment, Assignment.EN_ROUTE)
    assignment = dispatch.advance(duty, assignment, Assignment.BACK)
    assert not assignment.active
    force.refresh_from_db()
    assert force.status == RescueForce.ON_DUTY
    with pytest.raises(ValidationError, match="已归队"):
        dispatch.advance(duty, assignment, Assignment.BACK)


def test_a_force_cannot_be_on_two_incidents(open_incident, duty):
    first, second = open_incident(), open_incident(title="另一起")
    force = idle_candidate(first, duty).force
    dispatch.dispatch(duty, first, force)
    with pytest.raises(ValidationError, match="不能同时调派到两起事件"):
        dispatch.dispatch(duty, second, force)
    assert Assignment.objects.filter(force=force, active=True).count() == 1


def test_vehicle_must_belong_to_the_force_and_be_available(open_incident, duty):
    incident = open_incident()
    busy = Assignment.objects.filter(active=True).values("force")
    vehicle = Vehicle.objects.filter(status=Vehicle.AVAILABLE).exclude(station__in=busy).select_related("station").first()
    other = idle_candidate(incident, duty).force
    if other.pk == vehicle.station_id:
        other = dispatch.candidates(incident, duty)[1].force
    with pytest.raises(ValidationError, match="不属于"):
        dispatch.dispatch(duty, incident, other, vehicle)
    assignment = dispatch.dispatch(duty, incident, vehicle.station, vehicle)
    vehicle.refresh_from_db()
    assert vehicle.status == Vehicle.DISPATCHED
    dispatch.advance(duty, assignment, Assignment.BACK)
    vehicle.refresh_from_db()
    assert vehicle.status == Vehicle.AVAILABLE


def test_ending_needs_all_units_back(open_incident, duty):
    from yingji.incidents.services import incidents

    incident = open_incident()
    assignment = dispatch.dispatch(duty, incident, idle_candidate(incident, duty).force)
    with pytest.raises(ValidationError, match="未归队"):
        incidents.change_status(duty, Incident.objects.get(pk=incident.pk), Incident.ENDED, "完毕")
    dispatch.advance(duty, assignment, Assignment.BACK)
    incidents.change_status(duty, Incident.objects.get(pk=incident.pk), Incident.ENDED, "完毕")


def test_dispatch_time_checks(open_incident, duty):
    incident = open_incident()
    assignment = dispatch.dispatch(duty, incident, idle_candidate(incident, duty).force)
    with pytest.raises(ValidationError, match="早于调派时间"):
        dispatch.advance(duty, assignment, Assignment.ON_SCENE, when=assignment.assigned_at - timedelta(minutes=1))
    with pytest.raises(ValidationError, match="晚于当前时间"):
        dispatch.advance(duty, assignment, Assignment.ON_SCENE, when=timezone.now() + timedelta(hours=1))


def test_township_cannot_dispatch(open_incident, api):
    incident = open_incident()
    force = RescueForce.objects.filter(region__code="512022102").first()
    township2 = User.objects.get(username="township2")
    assert not township2.has_perm("incidents.add_assignment")
    response = api("township2").post(f"/api/incidents/{incident.pk}/dispatch/", {"force": force.pk}, format="json")
    assert response.status_code == 403


def test_api_dispatch_and_advance(open_incident, api):
    incident = open_incident()
    client = api("dispatcher")
    rows = client.get(f"/api/incidents/{incident.pk}/candidates/").json()
    assert rows[0]["method"] == "估算(直线)" and rows[0]["eta_minutes"] > 0
    force = idle_candidate(incident, User.objects.get(username="dispatcher")).force.pk
    response = client.post(f"/api/incidents/{incident.pk}/dispatch/", {"force": force}, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["assignments"][0]["id"]
    again = client.post(f"/api/incidents/{incident.pk}/dispatch/", {"force": force}, format="json")
    assert again.status_code == 400 and "不能同时调派" in again.json()["error"]["message"]
    response = client.post(f"/api/assignments/{pk}/advance/", {"status": "on_scene"}, format="json")
    assert response.json()["status"] == "on_scene" and response.json()["response_s"] is not None


def test_page_dispatch_and_arrival(open_incident, web):
    incident = open_incident()
    client = web("duty")
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "推荐力量" in page
    force = idle_candidate(incident, User.objects.get(username="duty")).force
    client.post(f"/incidents/{incident.pk}/dispatch/", {"force": force.pk})
    assignment = Assignment.objects.get(incident=incident)
    client.post(f"/incidents/assignments/{assignment.pk}/advance/", {"status": "on_scene"})
    assignment.refresh_from_db()
    assert assignment.status == "on_scene"
    assert "到场" in client.get(incident.get_absolute_url()).content.decode()
