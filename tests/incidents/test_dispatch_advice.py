"""Dispatch advice as a fire dispatcher needs it: chosen vehicles (each with its status), capability
matching at 细类 level with a reason per candidate, fire stations before volunteer teams for fires and
hazardous chemicals unless a volunteer team is nearer by the bureau's margin, and confirmations that say
what was sent where."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from yingji.incidents.models import Assignment
from yingji.incidents.services import dispatch
from yingji.resources import services as resources
from yingji.resources.models import RescueForce, Vehicle

pytestmark = pytest.mark.django_db

CHENGDONG = "乐至县城东消防站"
TIANCHI_STATION, TANKER, LADDER = "乐至县天池消防救援站", "川M·23201应急", "川M·23202应急"
TOWNSHIP_TEAM = "回澜镇应急救援队"
# A spot north of the demo county's forces (the nearest demo station is ~25 km away), in 回澜镇's records.
FAR = (105.30, 30.60)
M_PER_DEG_LAT = 111_195


def broken(vehicle):
    """A fault logged on the vehicle puts it into 维修."""
    resources.record_maintenance(None, vehicle, "fault", timezone.localdate(), "水泵故障")
    vehicle.refresh_from_db()
    return vehicle


def row(rows, name):
    return next(c for c in rows if c.force.name == name)


def test_candidates_list_vehicles_with_status_only_available_ones_selectable(open_incident, duty):
    incident = open_incident()
    broken(Vehicle.objects.get(plate=LADDER))
    rows = dispatch.candidates(incident, duty, limit=50)
    station = row(rows, TIANCHI_STATION)
    listed = {v.vehicle.plate: v for v in station.vehicles}
    assert set(listed) == {TANKER, LADDER}
    assert listed[TANKER].selectable and listed[TANKER].status_label == "在位"
    assert not listed[LADDER].selectable and listed[LADDER].status_label == "维修"
    assert row(rows, TOWNSHIP_TEAM).vehicles == []  # dispatched as a whole
    # The demo sent one vehicle of 城东站 to another incident: that one is out, the rest can still go.
    chengdong = row(rows, CHENGDONG).vehicles
    out = [v for v in chengdong if not v.selectable]
    assert len(out) == 1 and out[0].status_label == "出动" and any(v.selectable for v in chengdong)
    assert Assignment.objects.get(vehicle=out[0].vehicle, active=True).force.name == CHENGDONG


def test_chosen_vehicles_go_one_assignment_each(open_incident, duty):
    incident = open_incident()
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    tanker, ladder = Vehicle.objects.get(plate=TANKER), Vehicle.objects.get(plate=LADDER)
    sent = dispatch.dispatch_units(duty, incident, station, [tanker, ladder])
    assert [(a.force, a.vehicle) for a in sent] == [(station, tanker), (station, ladder)]
    assert dispatch.confirmation(sent) == (
        f"已调派 {TIANCHI_STATION} {TANKER} 水罐消防车、{LADDER} 登高平台消防车，前往 回澜镇某化工厂储罐泄漏")
    tanker.refresh_from_db()
    assert tanker.status == Vehicle.DISPATCHED


def test_a_stations_vehicles_may_go_to_two_incidents_but_not_twice(open_incident, duty):
    first, second = open_incident(), open_incident(title="天池街道某小区火灾", event_code="12G03")
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    tanker, ladder = Vehicle.objects.get(plate=TANKER), Vehicle.objects.get(plate=LADDER)
    (sent,) = dispatch.dispatch_units(duty, first, station, [tanker])
    dispatch.dispatch_units(duty, second, station, [ladder])
    assert Assignment.objects.filter(force=station, active=True).count() == 2
    with pytest.raises(ValidationError, match="当前“出动”，不能调派"):
        dispatch.dispatch_units(duty, first, station, [ladder])
    with pytest.raises(ValidationError, match="不能同时调派到两起事件"):
        dispatch.dispatch_units(duty, first, station, [])
    # One vehicle back does not put the station back on duty while another is out.
    dispatch.advance(duty, sent, Assignment.BACK)
    station.refresh_from_db()
    assert station.status == RescueForce.DISPATCHED


def test_a_force_without_vehicles_is_sent_as_a_whole(open_incident, duty):
    incident = open_incident()
    team = RescueForce.objects.get(name=TOWNSHIP_TEAM)
    sent = dispatch.dispatch_units(duty, incident, team, [])
    assert len(sent) == 1 and sent[0].vehicle is None
    assert dispatch.confirmation(sent) == "已调派 回澜镇应急救援队（整队），前往 回澜镇某化工厂储罐泄漏"


def test_a_vehicle_of_another_station_or_not_available_is_refused(open_incident, duty):
    incident = open_incident()
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    with pytest.raises(ValidationError, match="不属于"):
        dispatch.dispatch_units(duty, incident, station, [Vehicle.objects.get(plate="川M·23301应急")])
    ladder = broken(Vehicle.objects.get(plate=LADDER))
    with pytest.raises(ValidationError, match="维修"):
        dispatch.dispatch_units(duty, incident, station, [Vehicle.objects.get(plate=TANKER), ladder])
    assert not Assignment.objects.filter(incident=incident).exists()  # nothing half-sent


def test_matching_at_detail_level_with_a_reason(open_incident, duty, region):
    incident = open_incident()  # 12D02 危险化学品泄漏
    resources.save_force(None, RescueForce(), {
        "name": "某企业应急队", "type": "professional", "specialty": "other", "region": region("512022102"), "longitude": 105.12,
        "latitude": 30.23, "capabilities": ["12000"]})
    rows = dispatch.candidates(incident, duty, limit=100)
    exact, partial, none = row(rows, TIANCHI_STATION), row(rows, "某企业应急队"), row(rows, TOWNSHIP_TEAM)
    assert (exact.match_label, exact.match_reason) == ("匹配", "匹配：具备危险化学品事故处置能力")
    assert partial.match_label == "部分匹配" and "事故灾难" in partial.match_reason
    assert none.match_label == "不匹配" and none.match_reason.startswith("不匹配")
    assert "排在匹配队伍之后" in none.rank_reason
    order = [c.force.name for c in rows if not c.busy]
    assert order.index(TIANCHI_STATION) < order.index(TOWNSHIP_TEAM) and order.index("某企业应急队") < order.index(
        TOWNSHIP_TEAM)
    assert [c.match for c in rows if not c.busy] == sorted((c.match for c in rows if not c.busy),
                                                            key=["exact", "partial", "none"].index)
    assert all(c.rank_reason for c in rows)


def test_a_resting_station_ranks_after_those_on_duty_and_is_not_the_reference(open_incident, duty, region):
    station, volunteer = _pair(region, 3.0, 2.0)
    resources.change_force_status(None, station, RescueForce.RESTING, "轮休")
    rows = dispatch.candidates(_fire(open_incident), duty, limit=100)
    s, v = row(rows, station.name), row(rows, volunteer.name)
    assert rows.index(v) < rows.index(s) and s.rank_reason.startswith("休整中")
    assert station.name not in v.rank_reason


def _pair(region, station_km, volunteer_km):
    """A fire station and a township volunteer team due north of FAR, at these straight-line distances."""
    huilan = region("512022102")

    def make(name, kind, km):
        return resources.save_force(None, RescueForce(), {
            "name": name, "type": kind, "station_class": "class2" if kind == "fire_station" else "", "region": huilan, "longitude": FAR[0],
            "latitude": FAR[1] + km * 1000 / M_PER_DEG_LAT, "capabilities": ["12G00", "12D00"]})

    return make("北山消防救援站", "fire_station", station_km), make("北山镇志愿消防队", "volunteer_fire", volunteer_km)


def _fire(open_incident):
    return open_incident(title="北山某厂房火灾", event_code="12G01", longitude=FAR[0], latitude=FAR[1])


def test_a_volunteer_team_two_minutes_closer_ranks_after_the_station(open_incident, duty, region):
    station, volunteer = _pair(region, 3.0, 2.0)
    rows = dispatch.candidates(_fire(open_incident), duty, limit=100)
    s, v = row(rows, station.name), row(rows, volunteer.name)
    assert 100 < s.seconds - v.seconds < 140  # about 2 minutes closer
    assert rows.index(s) < rows.index(v)
    assert "消防救援站，优先于志愿队伍" in s.rank_reason and "预计 6 分钟到达（估算(直线)）" in s.rank_reason
    assert "排在消防救援站之后" in v.rank_reason
    # Outside fires and hazardous chemicals the nearer one ranks first.
    for force in (station, volunteer):
        resources.save_force(None, force, {"capabilities": ["11A00"]})
    flood = open_incident(title="北山内涝", event_code="11A01", longitude=FAR[0], latitude=FAR[1])
    rows = dispatch.candidates(flood, duty, limit=100)
    assert rows.index(row(rows, volunteer.name)) < rows.index(row(rows, station.name))


def test_a_volunteer_team_ten_minutes_closer_ranks_first(open_incident, duty, region, settings):
    station, volunteer = _pair(region, 6.0, 1.2)
    incident = _fire(open_incident)
    rows = dispatch.candidates(incident, duty, limit=100)
    s, v = row(rows, station.name), row(rows, volunteer.name)
    assert s.seconds - v.seconds > 600
    assert rows.index(v) < rows.index(s)
    assert "超过 5 分钟" in v.rank_reason and "排在前面" in v.rank_reason
    # The bureau sets the margin.
    settings.YINGJI_VOLUNTEER_MARGIN_SECONDS = 15 * 60
    rows = dispatch.candidates(incident, duty, limit=100)
    assert rows.index(row(rows, station.name)) < rows.index(row(rows, volunteer.name))


def test_api_dispatches_chosen_vehicles_and_says_what_went_where(open_incident, api):
    incident = open_incident()
    client = api("dispatcher")
    rows = client.get(f"/api/incidents/{incident.pk}/candidates/").json()
    station = next(r for r in rows if r["name"] == TIANCHI_STATION)
    assert station["match"] == "exact" and station["match_label"] == "匹配" and station["rank_reason"]
    plates = {v["plate"]: v for v in station["vehicles"]}
    assert plates[TANKER]["status_label"] == "在位" and plates[TANKER]["selectable"]
    chosen = [plates[TANKER]["id"], plates[LADDER]["id"]]
    response = client.post(f"/api/incidents/{incident.pk}/dispatch/", {"force": station["force"], "vehicles": chosen},
                           format="json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["message"] == (f"已调派 {TIANCHI_STATION} {TANKER} 水罐消防车、{LADDER} 登高平台消防车，"
                               "前往 回澜镇某化工厂储罐泄漏")
    assert [a["plate"] for a in body["assignments"]] == [TANKER, LADDER]
    again = client.post(f"/api/incidents/{incident.pk}/dispatch/", {"force": station["force"], "vehicles": chosen[:1]},
                        format="json")
    assert again.status_code == 400 and "vehicles" in again.json()["error"]["fields"]


def test_board_offers_vehicles_reasons_and_match(open_incident, web):
    incident = open_incident()
    html = web("duty").get(f"/incidents/{incident.pk}/board/live/").content.decode()
    tanker = Vehicle.objects.get(plate=TANKER)
    assert f'name="vehicle" value="{tanker.pk}"' in html and TANKER in html
    assert "匹配：具备危险化学品事故处置能力" in html and "不匹配" in html
    assert 'data-testid="candidate-reason"' in html


def test_incident_page_sends_the_ticked_vehicles(open_incident, web):
    incident = open_incident()
    client = web("dispatcher")
    page = client.get(incident.get_absolute_url()).content.decode()
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    tanker, ladder = Vehicle.objects.get(plate=TANKER), Vehicle.objects.get(plate=LADDER)
    assert f'name="vehicle" value="{tanker.pk}" form="dispatch-{station.pk}"' in page  # a box per vehicle
    assert "调派所选车辆" in page and "整队调派" in page  # the township team has no vehicles
    response = client.post(f"/incidents/{incident.pk}/dispatch/", {"force": station.pk, "vehicle": [tanker.pk, ladder.pk]},
                           follow=True)
    sent = Assignment.objects.filter(incident=incident).order_by("id")
    assert [(a.force, a.vehicle) for a in sent] == [(station, tanker), (station, ladder)]
    assert f"已调派 {TIANCHI_STATION} {TANKER} 水罐消防车、{LADDER} 登高平台消防车" in response.content.decode()


@pytest.mark.parametrize("vehicle, message", [(["abc"], "车辆：车辆编号应为数字。"), (["0"], "车辆：车辆编号无效。"),
                                              (["99999999999"], "车辆：车辆编号无效。"),
                                              ([str(i) for i in range(1, 60)], "车辆：一次最多选择 50 辆车。")])
def test_incident_page_refuses_bad_vehicle_ids_with_nothing_sent(open_incident, web, vehicle, message):
    incident = open_incident()
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    response = web("dispatcher").post(f"/incidents/{incident.pk}/dispatch/", {"force": station.pk, "vehicle": vehicle},
                                      follow=True)
    assert message in response.content.decode()
    assert not Assignment.objects.filter(incident=incident).exists()


def test_incident_page_answers_404_for_a_vehicle_out_of_scope(open_incident, web):
    incident = open_incident()
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    response = web("dispatcher").post(f"/incidents/{incident.pk}/dispatch/", {"force": station.pk,
                                                                             "vehicle": [2**31 - 1]})
    assert response.status_code == 404
    assert not Assignment.objects.filter(incident=incident).exists()


def test_incident_page_refuses_a_vehicle_of_another_force(open_incident, web):
    incident = open_incident()
    station = RescueForce.objects.get(name=TIANCHI_STATION)
    other = Vehicle.objects.exclude(station=station).filter(status=Vehicle.AVAILABLE).first()
    response = web("dispatcher").post(f"/incidents/{incident.pk}/dispatch/", {"force": station.pk,
                                                                             "vehicle": [other.pk]}, follow=True)
    assert "不属于" in response.content.decode()
    assert not Assignment.objects.filter(incident=incident).exists()
