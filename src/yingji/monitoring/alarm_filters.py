"""FilterSets of alarms and their history: shared by the alarm list page and the API (the registry's are in
filtersets.py)."""

import django_filters as filters

from yingji.core.filtersets import ChoiceInFilter, FlagFilter, IdFilter, ScopedFilterSet

from . import kinds
from .models import LEVEL_CHOICES, Alarm, AlarmEvent


class AlarmFilterSet(ScopedFilterSet):
    """?state=active_unack, ?states=active_unack,active_ack, ?active=1 (未恢复), ?level=2, ?kind=lel (the sensor's),
    ?region=<id> (and below), ?enterprise=<id>, ?sensor=<id>, ?rule=<id>, ?assignee=<id>, ?incident=<id>,
    ?has_incident=1, ?raised_after=/raised_before= (ISO time)."""

    state = filters.ChoiceFilter(label="状态", choices=Alarm.STATE_CHOICES)
    states = ChoiceInFilter(label="状态（多个以逗号分隔）", field_name="state", choices=Alarm.STATE_CHOICES)
    active = FlagFilter(label="未恢复")
    level = filters.TypedChoiceFilter(label="报警级别", choices=[(str(v), t) for v, t in LEVEL_CHOICES], coerce=int)
    kind = filters.ChoiceFilter(label="监测类型", field_name="sensor__kind", choices=kinds.choices)
    enterprise = IdFilter(label="企业")
    sensor = IdFilter(label="监测点")
    rule = IdFilter(label="规则")
    assignee = IdFilter(label="处置人")
    incident = IdFilter(label="关联事件")
    has_incident = FlagFilter(label="已生成事件", field_name="incident", lookup_expr="isnull", exclude=True)
    raised_after = filters.IsoDateTimeFilter(label="报警时间不早于", field_name="raised_at", lookup_expr="gte")
    raised_before = filters.IsoDateTimeFilter(label="报警时间早于", field_name="raised_at", lookup_expr="lt")

    class Meta:
        model = Alarm
        fields = ["state", "active", "level", "enterprise", "sensor", "rule", "assignee", "incident"]


class AlarmEventFilterSet(ScopedFilterSet):
    """?alarm=<id>, ?action=acknowledged."""

    alarm = IdFilter(label="报警")
    action = filters.ChoiceFilter(label="动作", choices=AlarmEvent.ACTION_CHOICES)

    class Meta:
        model = AlarmEvent
        fields = ["alarm", "action"]
