"""Every write path of the plans services leaves one audit entry per record it changes: activation,
escalation and de-escalation (each task created or revoked), tasks added and completed, the end of a
response, plans, levels and task templates (audited() also fails when any written model has none)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.audit_check import audited
from yingji.core.models import Organisation, Region, User
from yingji.plans import services
from yingji.plans.models import Plan, ResponseLevel, Task, TaskTemplate

from .conftest import HAZMAT

pytestmark = pytest.mark.django_db


def test_activation_records_each_task_it_creates(open_incident, commander, plan):
    incident = open_incident()
    with audited() as trail:
        activation = services.activate(commander, incident, plan(HAZMAT), 4)
    assert trail.counts() == {("plans.activation", "create"): 1, ("plans.task", "create"): 4}
    assert {e.object_id for e in trail.entries if e.model == "plans.task"} == {
        str(t.pk) for t in activation.tasks.all()}


def test_escalation_and_deescalation_record_tasks_created_and_revoked(open_incident, commander, plan):
    activation = services.activate(commander, open_incident(deaths=3), plan(HAZMAT), 3)
    with audited() as trail:
        activation = services.change_level(commander, activation, 4, "险情得到控制")
    revoked = activation.tasks.filter(status=Task.REVOKED).count()
    assert revoked > 0
    assert trail.counts() == {("plans.activation", "update"): 1, ("plans.task", "update"): revoked}
    assert all(e.changes["status"] == [Task.TODO, Task.REVOKED] for e in trail.entries if e.model == "plans.task")
    with audited() as trail:
        services.change_level(commander, activation, 3, "")
    assert trail.counts() == {("plans.activation", "update"): 1, ("plans.task", "create"): revoked}


def test_tasks_added_completed_and_revoked_at_the_end(open_incident, commander, plan):
    activation = services.activate(commander, open_incident(), plan(HAZMAT), 4)
    with audited() as trail:
        task = services.add_task(commander, activation, "组织专家会商", Organisation.objects.get(name="乐至县应急管理局"),
                                 timezone.now() + timedelta(hours=1))
        services.set_task_status(commander, task, Task.DONE)
    assert trail.counts() == {("plans.task", "create"): 1, ("plans.task", "update"): 1}
    with audited() as trail:
        services.end_activation(commander, activation, "险情已排除")
    assert trail.counts() == {("plans.activation", "update"): 1, ("plans.task", "update"): 4}


def test_plans_levels_and_templates(demo):
    admin = User.objects.get(username="admin")
    owner = Organisation.objects.get(name="乐至县应急管理局")
    with audited() as trail:
        new = services.save_plan(admin, Plan(), {
            "name": "乐至县地震应急预案", "type": "special", "region": Region.objects.get(code="512022"), "owner": owner,
            "event_codes": ["11C00"], "version": "2024年版", "status": "draft"})
        services.save_plan(admin, new, {"summary": "地震灾害"})
        level = services.save_level(admin, ResponseLevel(), {"plan": new, "level": 4, "min_deaths": 1})
        services.save_level(admin, level, {"min_deaths": 2})
        template = services.save_template(admin, TaskTemplate(), {"response_level": level, "text": "开展震情监测",
                                                                   "organisation": owner, "due_offset_minutes": 60})
        services.save_template(admin, template, {"text": "开展震情监测和趋势研判"})
        services.delete_template(admin, template)
        services.delete_level(admin, level)
        services.delete_plan(admin, new)
    assert trail.counts() == {(model, action): 1 for model in ("plans.plan", "plans.responselevel",
                                                               "plans.tasktemplate")
                              for action in ("create", "update", "delete")}


def test_a_delete_records_the_records_deleted_with_it(demo):
    admin = User.objects.get(username="admin")
    owner = Organisation.objects.get(name="乐至县应急管理局")
    new = services.save_plan(admin, Plan(), {
        "name": "乐至县地震应急预案", "type": "special", "region": Region.objects.get(code="512022"), "owner": owner,
        "event_codes": ["11C00"], "version": "2024年版", "status": "draft"})
    level = services.save_level(admin, ResponseLevel(), {"plan": new, "level": 4, "min_deaths": 1})
    template = services.save_template(admin, TaskTemplate(), {"response_level": level, "text": "开展震情监测",
                                                               "organisation": owner, "due_offset_minutes": 60})
    with audited() as trail:
        services.delete_plan(admin, new)
    assert trail.counts() == {("plans.plan", "delete"): 1, ("plans.responselevel", "delete"): 1,
                              ("plans.tasktemplate", "delete"): 1}
    entry = next(e for e in trail.entries if e.model == "plans.tasktemplate")
    assert entry.object_id == str(template.pk) and entry.object_repr == "开展震情监测" and entry.region is not None
