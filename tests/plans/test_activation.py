"""Activation on an incident: suggestions, tasks with due times, overrides, escalation and de-escalation,
the end of a response, task status, the timeline and who may do what."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from yingji.core.models import AuditEntry, Organisation
from yingji.incidents.models import TimelineEntry
from yingji.incidents.services import incidents as incident_services
from yingji.plans import services
from yingji.plans.models import Activation, Plan, Task, TaskUpdate

from .conftest import FLOOD, GENERAL, HAZMAT, TIANCHI

pytestmark = pytest.mark.django_db


def entries(incident, kind):
    return list(TimelineEntry.objects.filter(incident=incident, kind=kind).order_by("id"))


def state():
    return Activation.objects.count(), Task.objects.count(), TimelineEntry.objects.count(), AuditEntry.objects.count()


def by_text(activation):
    return {t.text: t for t in activation.tasks.all()}


def test_suggestions_rank_the_special_plan_first(open_incident, commander):
    incident = open_incident()  # 12D02 in 回澜镇, 一般事故 by 493号令
    suggested = services.suggestions(incident, commander)
    assert [p.name for p, _ in suggested] == [HAZMAT, "回澜镇突发事件应急预案", GENERAL]
    assert all(s.level == 4 for _, s in suggested)
    assert "事件级别Ⅳ级（一般）" in suggested[0][1].reasons[0]
    worse = open_incident(deaths=2, missing=1, injuries=4)  # 3 dead or missing: 较大
    plan, suggestion = services.suggestions(worse, commander)[0]
    assert plan.name == HAZMAT and suggestion.level == 3


def test_a_township_user_sees_its_own_and_the_countys_plans(open_incident, user):
    incident = open_incident()  # the county's plans apply downwards (issue 12): 回澜镇 sees them too
    assert [p.name for p, _ in services.suggestions(incident, user("township2"))] == [
        HAZMAT, "回澜镇突发事件应急预案", GENERAL]
    assert "回澜镇突发事件应急预案" not in [p.name for p in services.applicable_plans(
        open_incident(where=(105.031, 30.283)), user("township"))]  # 天池街道 does not see 回澜镇's


def test_activation_creates_the_level_tasks_due_from_activation(open_incident, commander, plan):
    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    templates = plan(HAZMAT).levels.get(level=4).tasks.all()
    tasks = list(activation.tasks.order_by("id"))
    assert len(tasks) == templates.count() == 4
    for task, template in zip(tasks, templates.order_by("due_offset_minutes", "order", "id"), strict=True):
        assert task.template == template and task.status == Task.TODO and task.level == 4
        assert task.due_at == activation.activated_at + timedelta(minutes=template.due_offset_minutes)
        assert task.incident == incident
    local = by_text(activation)["按警戒范围疏散下风向群众，设置疏散集结点"]
    assert local.organisation.name == "回澜镇人民政府"  # the township where it happened
    assert activation.suggested_level == 4 and activation.override_reason == "" and activation.active
    assert TaskUpdate.objects.filter(task__activation=activation, to_status=Task.TODO).count() == 4
    [entry] = entries(incident, "activation")
    assert f"启动《{HAZMAT}》Ⅳ级响应" in entry.text and "生成任务 4 项" in entry.text
    assert entry.actor == commander and entry.data["tasks"] == [t.pk for t in tasks]
    assert AuditEntry.objects.filter(model="plans.activation", object_id=str(activation.pk)).exists()


def test_local_tasks_go_to_the_street_office_where_the_incident_is(open_incident, commander, plan):
    incident = open_incident(where=TIANCHI)
    activation = services.activate(commander, incident, plan(GENERAL), 4)
    assert by_text(activation)[plan(GENERAL).levels.get(level=4).tasks.get(local_government=True).text] \
        .organisation.name == "天池街道办事处"


def test_a_level_other_than_suggested_needs_a_reason(open_incident, commander, plan):
    incident = open_incident()
    before = state()
    with pytest.raises(ValidationError) as caught:
        services.activate(commander, incident, plan(HAZMAT), 3, reason="  ")
    assert caught.value.message_dict["reason"] == ["所选Ⅲ级响应与建议的Ⅳ级响应不同，须说明理由。"]
    assert state() == before
    activation = services.activate(commander, incident, plan(HAZMAT), 3, reason="泄漏扩大，需疏散下风向村庄")
    assert activation.level == 3 and activation.suggested_level == 4 and activation.is_override
    assert activation.override_reason == "泄漏扩大，需疏散下风向村庄"
    assert "启动理由：泄漏扩大" in entries(incident, "activation")[0].text


def test_a_plan_whose_criteria_are_not_met_needs_a_reason(open_incident, commander, plan):
    incident = open_incident()
    with pytest.raises(ValidationError, match="启动条件均未满足"):
        services.activate(commander, incident, plan(FLOOD), 4)
    activation = services.activate(commander, incident, plan(FLOOD), 4, reason="消防废水可能进入河道")
    assert activation.suggested_level is None


@pytest.mark.parametrize("case, field, reason", [
    ("draft", "plan", "只有已审批的预案才能启动"),
    ("township", "plan", "不在其适用范围内"),
    ("missing_level", "level", "未设置Ⅱ级响应"),
])
def test_plans_that_cannot_start_say_why(open_incident, commander, plan, case, field, reason):
    incident = open_incident(where=TIANCHI) if case == "township" else open_incident()
    target = plan("回澜镇突发事件应急预案") if case in ("township", "missing_level") else plan(HAZMAT)
    if case == "draft":
        services.save_plan(None, target, {"status": Plan.DRAFT})
    level = 2 if case == "missing_level" else 4
    with pytest.raises(ValidationError) as caught:
        services.activate(commander, incident, target, level, reason="试")
    assert reason in caught.value.message_dict[field][0]


def test_escalation_adds_tasks_and_keeps_the_running_ones(open_incident, commander, plan):
    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    first = by_text(activation)
    fire = first["调派消防救援力量开展侦检、警戒，实施堵漏、冷却、稀释或灭火"]
    services.set_task_status(commander, fire, Task.DOING, "已到场")
    activation = services.change_level(commander, activation, 3, "泄漏扩大")
    tasks = by_text(activation)
    level3 = {t.text for t in plan(HAZMAT).levels.get(level=3).tasks.all()}
    assert set(tasks) == level3 and len(tasks) == len(level3)  # no duplicates
    kept = tasks[fire.text]
    assert kept.pk == fire.pk and kept.status == Task.DOING and kept.due_at == fire.due_at
    new = tasks["调集危化品转运车辆和应急运力，配合实施道路交通管制"]
    assert new.due_at == activation.level_since + timedelta(minutes=120) and new.level == 3
    assert activation.level == 3 and activation.override_reason == "泄漏扩大"
    entry = entries(incident, "activation")[-1]
    assert "响应级别由Ⅳ级响应提升为Ⅲ级响应" in entry.text and "新增任务 4 项，撤销 0 项，保留 4 项" in entry.text


def test_deescalation_revokes_open_tasks_of_the_higher_level_only(open_incident, commander, plan):
    incident = open_incident(deaths=3)  # suggested Ⅲ
    activation = services.activate(commander, incident, plan(HAZMAT), 3)
    tasks = by_text(activation)
    done = tasks["协助开展人员搜救和现场洗消"]
    services.set_task_status(commander, done, Task.DONE)
    with pytest.raises(ValidationError, match="须说明理由"):
        services.change_level(commander, activation, 4)
    activation = services.change_level(commander, activation, 4, "险情得到控制")
    after = {t.text: t for t in activation.tasks.all()}
    level4 = {t.text for t in plan(HAZMAT).levels.get(level=4).tasks.all()}
    for text, task in after.items():
        if text in level4:
            assert task.status == Task.TODO
        elif task.pk == done.pk:
            assert task.status == Task.DONE  # done work stays done
        else:
            assert task.status == Task.REVOKED and "新级别不含此任务" in task.note
    assert Task.objects.filter(activation=activation, status=Task.REVOKED).count() == 3
    # escalating again recreates the revoked tasks, not the finished one
    activation = services.change_level(commander, activation, 3, "")
    open_texts = [t.text for t in activation.tasks.filter(status=Task.TODO)]
    assert len(open_texts) == len(set(open_texts)) == 7
    assert done.text not in open_texts


def test_activating_a_running_plan_again_changes_its_level(open_incident, commander, plan):
    incident = open_incident()
    first = services.activate(commander, incident, plan(HAZMAT), 4)
    second = services.activate(commander, incident, plan(HAZMAT), 3, reason="扩大")
    assert second.pk == first.pk and second.level == 3
    assert Activation.objects.filter(incident=incident, active=True).count() == 1
    with pytest.raises(ValidationError, match="已在Ⅲ级响应中"):
        services.activate(commander, incident, plan(HAZMAT), 3, reason="扩大")


def test_ending_a_response_revokes_open_tasks(open_incident, commander, plan):
    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    task = activation.tasks.first()
    services.set_task_status(commander, task, Task.DONE, "已完成堵漏")
    with pytest.raises(ValidationError, match="终止响应须说明理由"):
        services.end_activation(commander, activation, "")
    activation = services.end_activation(commander, activation, "泄漏已控制，险情排除")
    assert not activation.active and activation.ended_by == commander and activation.ended_at
    statuses = sorted(activation.tasks.values_list("status", flat=True))
    assert statuses == ["done", "revoked", "revoked", "revoked"]
    assert "撤销未完成任务 3 项" in entries(incident, "activation")[-1].text
    with pytest.raises(ValidationError, match="响应已终止"):
        services.change_level(commander, activation, 3, "x")
    with pytest.raises(ValidationError, match="响应已终止"):
        services.set_task_status(commander, task, Task.DOING, "返工")
    # the plan can be started again later
    again = services.activate(commander, incident, plan(HAZMAT), 4)
    assert again.pk != activation.pk and again.tasks.count() == 4


def test_task_status_rules_history_and_timeline(open_incident, commander, plan, user):
    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    task = activation.tasks.order_by("id").first()
    duty = user("duty")
    with pytest.raises(ValidationError) as caught:
        services.set_task_status(duty, task, Task.BLOCKED)
    assert caught.value.message_dict == {"note": ["标记为“受阻”须说明原因。"]}
    with pytest.raises(ValidationError, match="未知状态"):
        services.set_task_status(duty, task, "revoked")
    with pytest.raises(ValidationError, match="任务已是“待办”"):
        services.set_task_status(duty, task, Task.TODO)
    services.set_task_status(duty, task, Task.BLOCKED, "道路中断，车辆绕行")
    services.set_task_status(duty, task, Task.DOING, "已绕行到场")
    services.set_task_status(duty, task, Task.DOING, "堵漏进行中")  # a progress note
    task = services.set_task_status(duty, task, Task.DONE)
    assert task.completed_at and task.note == "堵漏进行中"
    history = list(task.updates.order_by("id").values_list("from_status", "to_status"))
    assert history == [("", "todo"), ("todo", "blocked"), ("blocked", "doing"), ("doing", "doing"), ("doing", "done")]
    texts = [e.text for e in entries(incident, "task")]
    assert texts[0] == f"任务“{task.text}”（乐至县消防救援大队）：待办 → 受阻（道路中断，车辆绕行）"
    assert "进展（堵漏进行中）" in texts[2] and texts[3].endswith("进行中 → 完成")
    reopened = services.set_task_status(duty, task, Task.DOING, "复燃")
    assert reopened.completed_at is None


def test_who_may_do_what(open_incident, commander, plan, user):
    incident = open_incident()
    for name in ("duty", "township2", "leader", "dispatcher"):
        with pytest.raises(PermissionDenied):
            services.activate(user(name), incident, plan(HAZMAT), 4)
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    tasks = by_text(activation)
    local = tasks["按警戒范围疏散下风向群众，设置疏散集结点"]
    county = tasks["派出工作组和危化品专家赶赴现场，督促事故单位启动应急预案并提供化学品安全技术说明书"]
    assert services.set_task_status(user("township2"), local, Task.DOING).status == Task.DOING
    with pytest.raises(PermissionDenied, match="乐至县应急管理局”不在您的管辖范围内"):
        services.set_task_status(user("township2"), county, Task.DOING)
    with pytest.raises(ValidationError, match="不在您的管辖范围内"):
        services.set_task_status(user("township"), local, Task.DONE)  # 天池街道: another township's incident
    with pytest.raises(PermissionDenied):
        services.set_task_status(user("leader"), county, Task.DOING)
    with pytest.raises(PermissionDenied):
        services.change_level(user("duty"), activation, 3, "x")
    with pytest.raises(PermissionDenied):
        services.add_task(user("duty"), activation, "x", Organisation.objects.get(name="乐至县水务局"), None)


def test_no_activation_on_an_ended_incident(open_incident, commander, plan, user):
    incident = open_incident()
    incident_services.change_status(user("duty"), incident, "ended", "误报")
    with pytest.raises(ValidationError, match="不能再启动或调整预案响应"):
        services.activate(commander, incident, plan(HAZMAT), 4)


def test_commander_adds_a_task_that_level_changes_leave_alone(open_incident, commander, plan):
    from django.utils import timezone

    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    water = Organisation.objects.get(name="乐至县水务局")
    with pytest.raises(ValidationError) as caught:
        services.add_task(commander, activation, " ", water, None)
    assert set(caught.value.message_dict) == {"text", "due_at"}
    due = timezone.now() + timedelta(minutes=45)
    task = services.add_task(commander, activation, "关闭下游取水口", water, due)
    assert task.template is None and task.due_at == due and task.organisation == water
    assert "增派任务“关闭下游取水口”" in entries(incident, "task")[-1].text
    activation = services.change_level(commander, activation, 3, "扩大")
    services.change_level(commander, activation, 4, "缩小")
    task.refresh_from_db()
    assert task.status == Task.TODO


def test_end_activations_for_an_incident(open_incident, commander, plan):
    incident = open_incident()
    services.activate(commander, incident, plan(HAZMAT), 4)
    services.activate(commander, incident, plan(GENERAL), 4)
    ended = services.end_activations_for(commander, incident, "事件处置结束")
    assert len(ended) == 2 and not incident.plan_activations.filter(active=True).exists()


def test_incident_cannot_end_while_a_response_runs(commander, open_incident, plan, user):
    from django.core.exceptions import ValidationError

    from yingji.incidents.services import incidents as incident_services

    incident = open_incident()
    activation = services.activate(commander, incident, plan(HAZMAT), 4)
    with pytest.raises(ValidationError, match="应急响应仍在进行"):
        incident_services.change_status(user("duty"), incident, "ended", "处置完毕")
    services.end_activation(commander, activation, "险情已排除")
    assert incident_services.change_status(user("duty"), incident, "ended", "处置完毕").status == "ended"
