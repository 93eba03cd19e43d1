"""Every write path of the incidents services leaves one audit entry per record it changes
(audited() also fails when any written model has none)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.audit_check import audited
from yingji.core.models import User
from yingji.incidents.models import Assignment, DutyShift, Incident, InformationReport, PublicReport
from yingji.incidents.services import dispatch, duty, incidents, public, reports
from yingji.resources.models import Vehicle

pytestmark = pytest.mark.django_db

TIANCHI = (105.0312, 30.2831)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _free_vehicle():
    busy = Assignment.objects.filter(active=True).values("force")
    return (Vehicle.objects.filter(status=Vehicle.AVAILABLE, station__status="on_duty").exclude(station__in=busy)
            .select_related("station").first())


def test_intake_edit_grade_status(open_incident, duty):
    with audited() as trail:
        incident = open_incident()
    assert trail.counts() == {("incidents.incident", "create"): 1, ("incidents.informationreport", "create"): 1}
    with audited() as trail:
        incidents.update_incident(duty, incident, {"address": "回澜镇工业园"})
        incidents.change_status(duty, incident, Incident.VERIFYING)
    assert trail.count("incidents.incident", "update") == 2


def test_dispatch_records_the_assignment_the_force_and_the_vehicle(open_incident, duty):
    incident = open_incident()
    vehicle = _free_vehicle()
    with audited() as trail:
        dispatch.dispatch(duty, incident, vehicle.station, vehicle)
    assert trail.count("incidents.assignment", "create") == 1
    assert trail.count("resources.rescueforce", "update") == 1
    assert trail.count("resources.vehicle", "update") == 1
    vehicle_entry = next(e for e in trail.entries if e.model == "resources.vehicle")
    assert vehicle_entry.changes["status"] == [Vehicle.AVAILABLE, Vehicle.DISPATCHED]
    assert vehicle_entry.object_repr == str(vehicle)


def test_unit_status_steps_and_the_return(open_incident, duty):
    incident = open_incident()
    vehicle = _free_vehicle()
    assignment = dispatch.dispatch(duty, incident, vehicle.station, vehicle)
    with audited() as trail:
        dispatch.advance(duty, assignment, Assignment.EN_ROUTE)
        dispatch.advance(duty, assignment, Assignment.ON_SCENE)
    assert trail.counts() == {("incidents.assignment", "update"): 2}
    assert trail.entries[1].changes["status"] == [Assignment.EN_ROUTE, Assignment.ON_SCENE]
    with audited() as trail:
        dispatch.advance(duty, assignment, Assignment.BACK)
    assert trail.counts() == {("incidents.assignment", "update"): 1, ("resources.rescueforce", "update"): 1,
                              ("resources.vehicle", "update"): 1}


def test_merge_records_every_report_it_moves_or_cancels(open_incident, duty):
    into = open_incident()
    duplicate = open_incident(title="回澜镇储罐泄漏（重复报告）")
    moved = [public.submit_public_report({"phone": f"1391234567{i}", "description": "回澜镇化工厂有刺激性气味。",
                                          "longitude": "105.118", "latitude": "30.226"}, None, f"10.0.0.{i}")
             for i in range(2)]
    PublicReport.objects.filter(pk__in=[r.pk for r in moved]).update(incident=duplicate)
    due = duplicate.reports.filter(status=InformationReport.DUE).count()
    assert due >= 1
    with audited() as trail:
        incidents.merge_incidents(duty, duplicate, into, "同一事件")
    assert trail.count("incidents.incident", "update") == 1
    assert trail.count("incidents.informationreport", "update") == due
    assert trail.count("incidents.publicreport", "update") == 2
    assert all(e.changes["incident"] == [duplicate.pk, into.pk]
               for e in trail.entries if e.model == "incidents.publicreport")


def test_public_report_submit_verify_merge_reject(open_incident, duty):
    def submit(i):
        return public.submit_public_report({"phone": f"1381234560{i}", "description": "天池街道某小区电动车起火。",
                                            "longitude": str(TIANCHI[0]), "latitude": str(TIANCHI[1])}, None,
                                           f"10.1.0.{i}")

    with audited() as trail:
        first, second, third = submit(1), submit(2), submit(3)
    assert trail.counts() == {("incidents.publicreport", "create"): 3}
    with audited() as trail:
        incident = public.verify_public_report(duty, first, {"title": "天池街道电动车起火", "event_code": "11A00"})
    assert trail.count("incidents.publicreport", "update") == 1
    assert trail.count("incidents.incident", "create") == 1
    with audited() as trail:
        public.verify_public_report(duty, second, {"merge_into": incident.pk})
        public.reject_public_report(duty, third, "经电话核实不属实")
    assert trail.counts() == {("incidents.publicreport", "update"): 2}


def test_duty_roster(demo):
    admin = User.objects.get(username="admin")
    starts = timezone.now() + timedelta(days=30)
    with audited() as trail:
        shift = duty.save_shift(admin, DutyShift(), {"region": admin.region, "starts_at": starts,
                                                     "ends_at": starts + timedelta(hours=8)},
                                [User.objects.get(username="duty")])
        duty.save_shift(admin, shift, {"phone": "028-23322110"}, [User.objects.get(username="duty")])
        duty.delete_shift(admin, shift)
    assert trail.counts() == {("incidents.dutyshift", "create"): 1, ("incidents.dutyshift", "update"): 1,
                              ("incidents.dutyshift", "delete"): 1}
    running = DutyShift.objects.filter(starts_at__lte=timezone.now(), handed_over_at__isnull=True).first()
    with audited() as trail:
        duty.hand_over(admin, running, "本班平稳。")
    assert trail.counts() == {("incidents.dutyshift", "update"): 1}


def test_information_reports(open_incident, duty):
    incident = open_incident()
    initial = incident.reports.get(kind=InformationReport.INITIAL)
    content = {key: "无" for key, _ in reports.SECTIONS} | {"filled_by": "李娜"}
    with audited() as trail:
        reports.save_content(duty, initial, {"measures": "已疏散周边群众。"})
        reports.issue_report(duty, initial, content)
    assert trail.counts() == {("incidents.informationreport", "update"): 2}
    other = open_incident(title="另一起").reports.get(kind=InformationReport.INITIAL)
    with audited() as trail:
        reports.cancel_report(duty, other, "误报")
    assert trail.counts() == {("incidents.informationreport", "update"): 1}
