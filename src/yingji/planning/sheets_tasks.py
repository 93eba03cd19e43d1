"""The 分工 table (规划任务分工) as an Excel sheet: exported from the task list with its filters, imported back
all-or-nothing with a row-by-row error report (core.imports). Units are named as the user sees them (name or
short name), several separated by 、 or ，."""

import re

from yingji.core.imports import CellError, Column, SheetSpec, choice, date, integer, lookup, register, text
from yingji.core.models import Organisation
from yingji.core.scoping import scope_actor

from .models import ImplementationPlan, PlanTask
from .services import tasks as services


def _units(value, actor):
    names = [n.strip() for n in re.split(r"[、，,；;]", text(value) or "") if n.strip()]
    visible = scope_actor(Organisation.objects.all(), actor)
    found = []
    for name in names:
        matches = list(visible.filter(name=name)[:2]) or list(visible.filter(short_name=name)[:2])
        if len(matches) != 1:
            raise CellError(f"找不到单位“{name}”，或不在您的管辖范围内" if not matches
                            else f"有多个单位简称为“{name}”，请改填全称")
        found.append(matches[0])
    return found


_units.needs_actor = True


def _unit_names(units) -> str:
    return "、".join(o.name for o in units.all())


def _save_task(actor, data):
    existing = PlanTask.objects.filter(plan=data.get("plan"), number=data.get("number")).first()
    data = {k: v for k, v in data.items() if v is not None or k == "deadline"}
    return services.save_task(actor, existing or PlanTask(), data), existing is None


PLAN_TASKS = register(SheetSpec(
    kind="plan_tasks", title="规划任务分工", permission="planning.view_plantask",
    queryset=lambda actor: scope_actor(PlanTask.objects.select_related("plan", "region"), actor),
    save_row=_save_task,
    notes=["按“实施方案 + 序号”匹配：已登记的任务更新，其余新增。",
           "牵头单位、配合单位填单位全称或简称，多个单位以“、”分隔；不是单一单位的责任主体（如“市安委会成员单位”）填在“其他责任主体”。",
           "完成进度、已逾期由各单位的进展报告和完成期限得出，导入时不读取。"],
    columns=[
        Column("实施方案", "plan", lookup(lambda a: scope_actor(ImplementationPlan.objects.all(), a), "title",
                                      label="实施方案"), required=True, export=lambda t: t.plan.title,
               example="阳泉市贯彻落实省市“十四五”应急体系规划实施方案"),
        Column("序号", "number", integer, required=True, example=1),
        Column("所属部分", "section", text, example="1.深化应急管理体制机制改革"),
        Column("任务名称", "title", text, required=True, example="强化领导指挥体系"),
        Column("任务内容", "text", text, required=True, example="2023年市县级党委、政府领导下的应急救援指挥部全部建立……"),
        Column("牵头单位", "lead_units", _units, example="市应急局", export=lambda t: _unit_names(t.lead_units)),
        Column("配合单位", "co_units", _units, example="市财政局、市消防救援支队",
               export=lambda t: _unit_names(t.co_units)),
        Column("其他责任主体", "collective_units", text, example="市应急救援总指挥部成员单位"),
        Column("责任单位（原文）", "units_text", text),
        Column("完成时限（原文）", "deadline_text", text, example="2023年"),
        Column("完成期限", "deadline", date, example="2023-12-31"),
        Column("状态", "status", choice(PlanTask.STATUS_CHOICES), example="推进中"),
        Column("完成进度（%）", "percent_export", lambda v: None, export=lambda t: t.percent),
        Column("已逾期", "overdue_export", lambda v: None, export=lambda t: "是" if t.is_overdue else "否"),
    ]))
