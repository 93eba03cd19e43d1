"""Task due times count from the activation with the plan's grace (a task due "立即" is not overdue at
second 5), and tasks that name a system event (首报 issued, unit arrived) complete themselves when it
happens, with a link to the record, a TaskUpdate note, an audit entry and a timeline line."""

from datetime import timedelta

import pytest

from tests.dispatching import idle_candidate
from yingji.core.models import AuditEntry, User
from yingji.incidents.models import Assignment, InformationReport, TimelineEntry
from yingji.incidents.services import dispatch
from yingji.incidents.services import reports as report_services
from yingji.plans import services
from yingji.plans.models import Task, TaskTemplate

from .conftest import GENERAL, HAZMAT

pytestmark = pytest.mark.django_db

FIRST_REPORT = "值班室30分钟内电话首报县委县政府总值班室和市应急管理局，1小时内书面报告（首报快、续报准、终报全）"
FIRST_ACTION = "组织先期处置：控制危险源，标明危险区域，封锁危险场所，疏散、撤离受威胁群众"
MEASURES = {"measures": "县应急管理局值班领导带队赶赴现场，消防救援大队到场处置。"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def duty(demo):
    return User.objects.get(username="duty")


def task(activation, text) -> Task:
    return activation.tasks.get(text=text)


def issue_initial(incident, actor):
    report = incident.reports.get(kind=InformationReport.INITIAL)
    return report_services.issue_report(actor, report, MEASURES)


def test_an_immediate_task_is_due_after_the_plans_grace(open_incident, commander, plan):
    activation = services.activate(commander, open_incident(), plan(GENERAL), 4)
    immediate = task(activation, FIRST_ACTION)
    assert immediate.template.due_offset_minutes == 0
    assert immediate.due_at == activation.activated_at + timedelta(minutes=5)  # the default grace
    assert not immediate.is_overdue
    # Tasks with a time limit longer than the grace keep it, counted from the activation.
    assert task(activation, FIRST_REPORT).due_at == activation.activated_at + timedelta(minutes=30)


def test_the_grace_is_set_by_the_plan(open_incident, commander, plan):
    general = plan(GENERAL)
    services.save_plan(None, general, {"grace_minutes": 10})
    activation = services.activate(commander, open_incident(), general, 4)
    assert task(activation, FIRST_ACTION).due_at == activation.activated_at + timedelta(minutes=10)


def test_the_grace_is_validated(plan):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        services.save_plan(None, plan(GENERAL), {"grace_minutes": 600})
    assert "grace_minutes" in caught.value.message_dict


def test_the_demo_plans_name_the_events_that_complete_their_tasks(demo):
    first = TaskTemplate.objects.filter(text=FIRST_REPORT)
    assert first.exists() and {t.completes_on for t in first} == {"initial_report_issued"}
    arrive = TaskTemplate.objects.filter(text="调派消防救援力量开展侦检、警戒，实施堵漏、冷却、稀释或灭火")
    assert {t.completes_on for t in arrive} == {"unit_arrived"}
    assert not TaskTemplate.objects.get(response_level__plan__name=GENERAL, response_level__level=4,
                                        text=FIRST_ACTION).completes_on


def test_issuing_the_initial_report_completes_the_task(open_incident, commander, duty, plan):
    incident = open_incident()
    activation = services.activate(commander, incident, plan(GENERAL), 4)
    first = task(activation, FIRST_REPORT)
    assert first.status == Task.TODO
    audits = AuditEntry.objects.filter(action=AuditEntry.UPDATE, object_id=str(first.pk)).count()
    report = issue_initial(incident, duty)
    first.refresh_from_db()
    assert first.status == Task.DONE and first.completed_at == report.issued_at
    assert first.completed_by_report == report and first.completion_link == ("首报", report.get_absolute_url())
    update = first.updates.first()
    assert update.to_status == Task.DONE and "首报已报送" in update.note and update.actor == duty
    assert AuditEntry.objects.filter(action=AuditEntry.UPDATE, object_id=str(first.pk)).count() == audits + 1
    assert TimelineEntry.objects.filter(incident=incident, kind="task", text__contains="自动完成").exists()
    # Other tasks stay open.
    assert task(activation, FIRST_ACTION).status == Task.TODO


def test_a_task_activated_after_the_event_is_done_at_once(open_incident, commander, duty, plan):
    incident = open_incident()
    report = issue_initial(incident, duty)
    activation = services.activate(commander, incident, plan(GENERAL), 4)
    first = task(activation, FIRST_REPORT)
    assert first.status == Task.DONE and first.completed_by_report == report


def test_a_unit_arriving_completes_the_task_that_waits_for_it(open_incident, commander, duty, plan):
    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    fire = task(activation, "调派消防救援力量开展侦检、警戒，实施堵漏、冷却、稀释或灭火")
    assert fire.template.completes_on == "unit_arrived"
    assignment = dispatch.dispatch(duty, incident, idle_candidate(incident, duty).force)
    fire.refresh_from_db()
    assert fire.status == Task.TODO  # dispatched is not arrived
    dispatch.advance(duty, assignment, Assignment.ON_SCENE)
    fire.refresh_from_db()
    assert fire.status == Task.DONE and fire.completed_by_assignment == assignment
    assert "到场" in fire.updates.first().note


def test_the_board_shows_the_link_of_a_task_completed_by_an_event(open_incident, commander, duty, plan, web):
    incident = open_incident()
    services.activate(commander, incident, plan(GENERAL), 4)
    report = issue_initial(incident, duty)
    page = web("duty").get(incident.get_absolute_url()).content.decode()
    assert f'<a href="{report.get_absolute_url()}" data-testid="task-completed-by">首报 →</a>' in page


def test_the_api_and_the_plan_page_show_grace_and_events(open_incident, commander, duty, plan, api, web):
    general = plan(GENERAL)
    body = api("commander").get(f"/api/plans/{general.pk}/").json()
    assert body["grace_minutes"] == 5
    tasks = [t for level in body["levels"] for t in level["tasks"] if t["text"] == FIRST_REPORT]
    assert tasks and {t["completes_on"] for t in tasks} == {"initial_report_issued"}
    page = web("commander").get(general.get_absolute_url()).content.decode()
    assert "首报已报送即完成" in page and "任务最短时限" in page
    incident = open_incident()
    activation = services.activate(commander, incident, general, 4)
    report = issue_initial(incident, duty)
    done = api("commander").get(f"/api/response-tasks/{task(activation, FIRST_REPORT).pk}/").json()
    assert done["status"] == "done" and done["completed_by"] == {"label": "首报", "url": report.get_absolute_url()}


def test_an_arrival_completes_only_the_arriving_units_tasks(open_incident, commander, duty, plan):
    from yingji.resources.models import RescueForce

    incident = open_incident(where=(105.020, 30.270), event_code="12G01", title="天池街道某厂房火灾")
    activation = services.activate(commander, incident, plan(GENERAL), 3, reason="厂房内有人员被困")
    fire = task(activation, "调派就近消防救援站出动，开展人员搜救、灭火和抢险")
    rescue = task(activation, "赶赴现场开展抢险救援")  # the county rescue team's
    station = RescueForce.objects.get(name="乐至县天池消防救援站")
    (assignment,) = dispatch.dispatch_units(duty, incident, station, [station.vehicles.first()])
    dispatch.advance(duty, assignment, Assignment.ON_SCENE)
    fire.refresh_from_db(), rescue.refresh_from_db()
    assert fire.status == Task.DONE and rescue.status == Task.TODO
    squad = RescueForce.objects.get(name="综合应急救援大队山岳救援分队")  # a squad of the rescue team
    (sent,) = dispatch.dispatch_units(duty, incident, squad, [])
    dispatch.advance(duty, sent, Assignment.ON_SCENE)
    rescue.refresh_from_db()
    assert rescue.status == Task.DONE and rescue.completed_by_assignment == sent

