"""What people do to an alarm: acknowledge (确认), assign (指派), note (备注), clear by hand (手动解除, with the
reason) and open an incident (生成事件) from it. Raising, escalating and clearing by the readings is evaluate.py.

Every step is one transaction that locks the alarm row (SELECT … FOR UPDATE: two duty officers clicking at once,
or a reading clearing it meanwhile, are taken one after the other), checks the permission (monitoring.change_alarm)
and that the alarm lies in the actor's scope (region, and for an enterprise account its own enterprise), checks
the state, writes the alarm and appends its history with the audit entry (history.add_event).

States: 未确认 (active_unack) →确认→ 已确认 (active_ack) →恢复/手动解除→ 已恢复 (cleared_ack); 未确认 →恢复→
已恢复未确认 (cleared_unack) →确认→ 已恢复. A cleared alarm can still be acknowledged, noted, and open an
incident (a gas alarm that cleared may still have been a leak); it can no longer be assigned or cleared.
"""

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from yingji.core.scoping import scope
from yingji.core.services import require_perm
from yingji.incidents.models import Incident
from yingji.incidents.services import incidents as incident_services
from yingji.incidents.services.timeline import record as timeline_record
from yingji.standards import accidents, event_codes
from yingji.standards.tables import read_table

from ..models import Alarm, Sensor
from . import evaluate
from .history import add_event

PERM = "monitoring.change_alarm"
NOTE_MAX = 500
EVENT_CODES = Path(__file__).resolve().parent.parent / "data" / "alarm_event_codes.csv"
UNACKNOWLEDGED = (Alarm.ACTIVE_UNACK, Alarm.CLEARED_UNACK)


class IncidentAlreadyOpened(ValidationError):
    """The alarm has opened an incident already: `incident` is that one (the page offers it)."""

    def __init__(self, incident: Incident):
        super().__init__({"incident": [f"该报警已生成事件 {incident.number}“{incident.title}”，请在该事件上继续处置。"]})
        self.incident = incident


# --- checks ----------------------------------------------------------------------------------------------------

def _locked(actor, alarm: Alarm) -> Alarm:
    """The stored alarm, locked, after the permission and scope checks. An alarm the actor cannot see is refused
    as if it did not exist (the pages and the API answer 404 before coming here)."""
    require_perm(actor, PERM)
    # Lock the row alone, then read it with its relations in a statement of its own: after waiting for another
    # step's lock, PostgreSQL re-reads the locked row but not the rows joined to it (an incident opened meanwhile
    # would read as none).
    Alarm.objects.select_for_update().filter(pk=alarm.pk).values_list("pk", flat=True).get()
    stored = Alarm.objects.select_related("sensor", "rule", "region", "enterprise", "assignee", "incident").get(
        pk=alarm.pk)
    if actor is not None and not scope(Alarm.objects.filter(pk=stored.pk), actor, for_write=True).exists():
        raise PermissionDenied("该报警不在您的管辖范围内。")
    return stored


def _note(note, *, required: bool, label: str) -> str:
    text = str(note or "").strip()
    if required and not text:
        raise ValidationError({"note": [f"请填写{label}。"]})
    if len(text) > NOTE_MAX:
        raise ValidationError({"note": [f"{label}不能超过 {NOTE_MAX} 字（现为 {len(text)} 字）。"]})
    return text


def _state_error(alarm: Alarm, doing: str, allowed: tuple) -> ValidationError:
    names = "、".join(dict(Alarm.STATE_CHOICES)[s] for s in allowed)
    return ValidationError({"state": [f"报警当前为“{alarm.get_state_display()}”，不能{doing}（只有{names}的报警可以{doing}）。"]})


def _save(alarm: Alarm, **values):
    Alarm.objects.filter(pk=alarm.pk).update(**values)
    for name, value in values.items():
        setattr(alarm, name, value)


def _who(user) -> str:
    return str(user) if user is not None else "系统"


# --- the steps -------------------------------------------------------------------------------------------------

@transaction.atomic
def acknowledge(actor, alarm: Alarm, note: str = "") -> Alarm:
    """确认: 未确认 → 已确认, 已恢复未确认 → 已恢复. Acknowledging twice is refused (naming who did it first)."""
    alarm = _locked(actor, alarm)
    if alarm.state not in UNACKNOWLEDGED:
        who = f"（{_who(alarm.acknowledged_by)} 于 {timezone.localtime(alarm.acknowledged_at):%m-%d %H:%M:%S} 确认）" \
            if alarm.acknowledged_at else ""
        raise ValidationError({"state": [f"报警已确认{who}，不能重复确认。"]})
    text = _note(note, required=False, label="确认说明")
    now = timezone.now()
    state = Alarm.ACTIVE_ACK if alarm.state == Alarm.ACTIVE_UNACK else Alarm.CLEARED_ACK
    old = alarm.state
    _save(alarm, state=state, acknowledged_at=now, acknowledged_by=actor if actor is not None and actor.pk else None)
    add_event(alarm, "acknowledged", actor, level=alarm.level, note=text, at=now,
              changes={"state": [old, state], "acknowledged_at": [None, now.isoformat()]})
    return alarm


@transaction.atomic
def assign(actor, alarm: Alarm, user, note: str = "") -> Alarm:
    """指派 a 处置人 who can see the alarm (its region, and an enterprise account only its own enterprise's). An
    active alarm only; assigning the same person again is refused."""
    alarm = _locked(actor, alarm)
    if not alarm.active:
        raise _state_error(alarm, "指派", Alarm.ACTIVE_STATES)
    if user is None or not getattr(user, "pk", None):
        raise ValidationError({"assignee": ["请选择处置人。"]})
    if not user.is_active:
        raise ValidationError({"assignee": [f"用户“{user}”已停用，不能指派。"]})
    if not (user.has_perm("monitoring.view_alarm") and scope(Alarm.objects.filter(pk=alarm.pk), user).exists()):
        raise ValidationError({"assignee": [f"“{user}”看不到{alarm.region.name}的这条报警（不在其管辖区划或企业内，"
                                            "或没有查看报警的权限），不能指派给其处置。"]})
    if alarm.assignee_id == user.pk:
        raise ValidationError({"assignee": [f"报警已指派给“{user}”。"]})
    text = _note(note, required=False, label="指派说明")
    old = alarm.assignee_id
    _save(alarm, assignee=user)
    add_event(alarm, "assigned", actor, level=alarm.level, note=f"指派给 {user}" + (f"：{text}" if text else ""),
              changes={"assignee": [old, user.pk]})
    return alarm


@transaction.atomic
def add_note(actor, alarm: Alarm, note: str) -> Alarm:
    """备注: a line in the history (what the enterprise said on the phone, who went to look). Any state."""
    alarm = _locked(actor, alarm)
    text = _note(note, required=True, label="备注内容")
    add_event(alarm, "noted", actor, level=alarm.level, note=text)
    return alarm


@transaction.atomic
def clear(actor, alarm: Alarm, note: str) -> Alarm:
    """手动解除 an active alarm, with the reason (误报, 设备检修…): it ends acknowledged, by whoever cleared it.
    The next reading past the setpoint raises a new alarm; the sensor's status follows its other alarms.
    The sensor row is locked first, as ingest locks it before the alarms (the same order: no deadlock)."""
    Sensor.objects.select_for_update().filter(pk=alarm.sensor_id).values_list("pk", flat=True).first()
    alarm = _locked(actor, alarm)
    if not alarm.active:
        raise _state_error(alarm, "手动解除", Alarm.ACTIVE_STATES)
    text = _note(note, required=True, label="解除原因")
    now, old = timezone.now(), alarm.state
    person = actor if actor is not None and actor.pk else None
    values = {"state": Alarm.CLEARED_ACK, "active": False, "cleared_at": now, "cleared_by": person}
    if alarm.acknowledged_at is None:  # clearing it by hand is seeing it
        values.update(acknowledged_at=now, acknowledged_by=person)
    _save(alarm, **values)
    add_event(alarm, "cleared_manually", actor, level=alarm.level, value=alarm.last_value, note=text, at=now,
              changes={"state": [old, Alarm.CLEARED_ACK], "active": [True, False], "cleared_at": [None, now.isoformat()]})
    evaluate.refresh_status([alarm.sensor_id])
    return alarm


# --- opening an incident ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EventCodeRule:
    kind: str
    alarm_type: str
    event_code: str
    note: str


@cache
def event_code_rules() -> list[EventCodeRule]:
    rules = [EventCodeRule(row["kind"], row["alarm_type"], row["event_code"], row["note"])
             for row in read_table(EVENT_CODES)]
    for rule in rules:
        event_codes.get(rule.event_code)  # a typo in the data file fails loudly, not at 3 a.m.
    return rules


def event_code_for(kind: str, alarm_type: str) -> str:
    """The GB/T 35561 class an incident from this alarm is pre-filled with (data/alarm_event_codes.csv): the row of
    the kind and alarm type, else the kind's default row, else 12Y00 其他事故灾难."""
    rules = event_code_rules()
    for rule in rules:
        if rule.kind == kind and rule.alarm_type == alarm_type:
            return rule.event_code
    for rule in rules:
        if rule.kind == kind and not rule.alarm_type:
            return rule.event_code
    return "12Y00"


def _number(value) -> str:
    return "—" if value is None else f"{value:g}"


def incident_data(alarm: Alarm) -> dict:
    """The intake fields an incident from `alarm` is pre-filled with: what, where, when, whose."""
    sensor, enterprise, rule = alarm.sensor, alarm.enterprise, alarm.rule
    kind = sensor.kind_info
    unit = f" {sensor.unit}" if sensor.unit else ""
    place = enterprise.name if enterprise is not None else sensor.name
    title = f"{place}{kind.name}{alarm.alarm_type}（{alarm.get_level_display()}）"
    values = "" if kind.is_event else (f"触发值 {_number(alarm.first_value)}{unit}，极值 {_number(alarm.peak_value)}{unit}，"
                                       f"最新值 {_number(alarm.last_value)}{unit}；")
    setpoints = "、".join(part for part in (
        f"一级 {_number(rule.level1)}{unit}" if rule.level1 is not None else "",
        f"二级 {_number(rule.level2)}{unit}" if rule.level2 is not None else "") if part)
    description = (f"{timezone.localtime(alarm.raised_at):%Y-%m-%d %H:%M:%S} 监测点 {sensor.code} {sensor.name}"
                   f"（{kind.label}）{alarm.alarm_type}，{alarm.get_level_display()}；{values}"
                   f"规则“{rule.name}”{('（' + setpoints + '）') if setpoints else ''}。"
                   f"{'位置：' + sensor.address + '。' if sensor.address else ''}")
    data = {
        "title": title[:128], "source": "monitoring", "reporter_name": f"监测预警系统（{sensor.code}）"[:64],
        "occurred_at": alarm.raised_at, "region": alarm.region,
        "longitude": sensor.longitude if sensor.longitude is not None else getattr(enterprise, "longitude", None),
        "latitude": sensor.latitude if sensor.latitude is not None else getattr(enterprise, "latitude", None),
        "address": (sensor.address or getattr(enterprise, "address", "") or "")[:255],
        "event_code": event_code_for(sensor.kind, alarm.alarm_type),
        "description": description,
    }
    if data["longitude"] is None or data["latitude"] is None:
        data["longitude"] = data["latitude"] = None
    if enterprise is not None:
        # 493号令第二条: an alarm at an enterprise is in its 生产经营活动 (the officer may still answer otherwise).
        data["production_activity"] = accidents.YES
        data["unit_overview"] = unit_overview(enterprise, sensor)
    return data


def unit_overview(enterprise, sensor) -> str:
    parts = [f"{enterprise.name}（统一社会信用代码 {enterprise.credit_code}），{enterprise.get_category_display()}",
             f"地址：{enterprise.address}" if enterprise.address else "",
             f"主要负责人：{enterprise.principal} {enterprise.principal_phone}".strip(),
             f"安全管理人员：{enterprise.safety_manager} {enterprise.safety_manager_phone}".strip()
             if enterprise.safety_manager else "",
             f"从业人员 {enterprise.employees} 人" if enterprise.employees else ""]
    unit = sensor.hazard_unit if sensor.hazard_unit_id else None
    if unit is not None:
        level = f"（{unit.level}重大危险源）" if getattr(unit, "is_major", False) and unit.level else ""
        parts.append(f"监测的单元：{unit.name}{level}")
    return "；".join(p for p in parts if p) + "。"


@transaction.atomic
def open_incident(actor, alarm: Alarm, data: dict | None = None) -> Incident:
    """生成事件: the intake of an incident pre-filled from the alarm (incident_data; `data` overrides any of it, as the
    duty officer adjusted the form), the link kept both ways (alarm.incident, the incident's alarms), a history
    event on the alarm and a timeline entry on the incident naming the alarm. An alarm opens one incident: a second
    try raises IncidentAlreadyOpened naming the first."""
    alarm = _locked(actor, alarm)
    if alarm.incident_id:
        raise IncidentAlreadyOpened(alarm.incident)
    values = incident_data(alarm)
    values.update({k: v for k, v in (data or {}).items() if k in incident_services.INTAKE_FIELDS})
    values["source"] = "monitoring"  # whatever the form said: this incident came from the alarm
    incident = incident_services.create_incident(actor, values)
    _save(alarm, incident=incident)
    add_event(alarm, "incident", actor, level=alarm.level, note=f"生成事件 {incident.number}",
              changes={"incident": [None, incident.pk]})
    sensor = alarm.sensor
    timeline_record(incident, "note", f"由监测报警生成：{sensor.code} {sensor.name} {alarm.alarm_type}"
                    f"（{alarm.get_level_display()}），报警时间 {timezone.localtime(alarm.raised_at):%Y-%m-%d %H:%M:%S}，"
                    f"当前{alarm.get_state_display()}", actor,
                    data={"alarm": alarm.pk, "sensor": sensor.code, "level": alarm.level})
    return incident
