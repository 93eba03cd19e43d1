"""Incident forms: they parse input; the services validate and write."""

import json

from django import forms
from django.core.exceptions import ValidationError

from yingji.core.forms import ScopedModelForm
from yingji.standards import accidents, event_codes

from .models import AccidentNotice, Assignment, Incident
from .services import incidents as incident_services
from .services.incidents import TRANSITIONS

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProductionSelect(forms.Select):
    """493号令第二条's question, pre-filled in the browser from the event class (incidents/production.js)."""

    template_name = "incidents/widgets/production_select.html"

    def __init__(self, attrs=None, choices=()):
        defaults = json.dumps(accidents.production_defaults(), separators=(",", ":"))
        super().__init__({**(attrs or {}), "data-production-defaults": defaults}, choices)


class EventTypeSelect(forms.Select):
    """The plain select of the ~375 GB/T 35561 codes (it works without JavaScript), which
    incidents/event_picker.js turns into a search box: code prefix (11B), name (暴雨) or pinyin initials
    (slhz → 森林火灾), grouped by 大类 and 类. Each option carries its name, level and initials."""

    template_name = "incidents/widgets/event_select.html"

    def __init__(self, attrs=None, choices=()):
        super().__init__({**(attrs or {}), "data-event-picker": ""}, choices)

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        item = event_codes.table().get(str(value or ""))
        if item is not None:
            option["attrs"].update({"data-name": item.name, "data-level": item.level,
                                    "data-py": event_codes.initials()[item.code]})
        return option


def event_choices():
    """Every code grouped by 大类, 细类 indented under their 类, for a searchable select."""
    rows = [("", "— 请选择事件类型 —")]
    for top in event_codes.top_classes():
        group = []
        for cls in event_codes.children(top.code):
            group.append((cls.code, f"{cls.code} {cls.name}"))
            group += [(d.code, f"{d.code} 　{d.name}") for d in event_codes.children(cls.code)]
        rows.append((top.name, group))
    return rows


class IncidentForm(ScopedModelForm):
    event_code = forms.ChoiceField(label="事件类型（GB/T 35561）", choices=event_choices, widget=EventTypeSelect)
    reason = forms.CharField(label="修改原因", required=False, max_length=255,
                             help_text="伤亡、损失变化时写明信息来源，会记入时间线。")

    class Meta:
        model = Incident
        fields = ["title", "source", "reporter_name", "reporter_phone", "occurred_at", "reported_at", "event_code",
                  "production_activity", "region", "longitude", "latitude", "address", "description", "unit_overview", "deaths", "missing",
                  "serious_injuries", "injuries", "direct_loss_wan", "people_affected", "is_drill"]
        widgets = {"occurred_at": DATETIME, "reported_at": DATETIME, "production_activity": ProductionSelect,
                   "description": forms.Textarea(attrs={"rows": 4}), "unit_overview": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"production_activity": "《生产安全事故报告和调查处理条例》（国务院令第493号）第二条：只有生产经营活动中"
                                             "发生的生产安全事故按该条例定级上报；环境污染、核设施、国防科研生产事故和居民住宅"
                                             "火灾、自然灾害等按相应应急预案分级。留空按事件类型预填（煤矿、非煤矿山、建筑施工、"
                                             "危化品等为“是”，住宅火灾、自然灾害为“否”）。",
                      "region": "在地图上标点（填经纬度）时，按点自动判定乡镇；否则按此选择。",
                      "reported_at": "本局获知事件的时间，首报时限从此起算；留空为当前时间。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("region", "occurred_at", "reported_at", "production_activity"):
            self.fields[name].required = False
        self.fields["production_activity"].choices = [("", "按事件类型预填")] + Incident.PRODUCTION_CHOICES
        for name in incident_services.FIGURE_NOUNS:
            self.fields[name].error_messages.update(incident_services.figure_errors(name))
        if not self.instance.pk:
            self.fields.pop("reason")
            self.fields["region"].initial = self.user.region_id

    def service_data(self) -> dict:
        data = super().service_data()
        for name in ("occurred_at", "reported_at"):
            if data.get(name) is None:
                data.pop(name, None)
        if data.get("region") is None:
            data.pop("region", None)
        if self.instance.pk:
            unchanged = [name for name in data if name not in self.changed_data]
            for name in unchanged:
                data.pop(name)
        return data

    def _post_clean(self):
        """The service decides the domain rules, on save. When a field failed to parse already, it is asked
        about the fields that did now, so the page shows every error at once rather than in rounds."""
        if not self._errors:
            return
        found = incident_services.intake_errors(self.user, self.service_data(), self.instance,
                                                failed=set(self._errors))
        for name, messages in found.items():
            self.add_error(name if name in self.fields else None, messages)


class StatusForm(forms.Form):
    status = forms.ChoiceField(label="新状态", choices=Incident.STATUS_CHOICES)
    reason = forms.CharField(label="原因", required=False, max_length=255)

    def __init__(self, *args, incident=None, **kwargs):
        super().__init__(*args, **kwargs)
        if incident is not None:
            allowed = TRANSITIONS[incident.status]
            self.fields["status"].choices = [c for c in Incident.STATUS_CHOICES if c[0] in allowed]


class LevelForm(forms.Form):
    level = forms.TypedChoiceField(label="事件级别", choices=Incident.LEVEL_CHOICES, coerce=int)
    reason = forms.CharField(label="定级依据", max_length=255)
    plan = forms.CharField(label="分级所依预案", max_length=128, required=False)  # pre-filled from the plan matched


class Article10Form(forms.Form):
    party = forms.ChoiceField(label="通知对象", choices=AccidentNotice.PARTY_CHOICES)
    notified_at = forms.DateTimeField(label="通知时间", required=False, widget=DATETIME)
    method = forms.ChoiceField(label="方式", choices=AccidentNotice.METHOD_CHOICES, initial="phone")
    note = forms.CharField(label="备注", required=False, max_length=255)


class MergeForm(forms.Form):
    into = forms.CharField(label="并入事件编号", max_length=24)
    reason = forms.CharField(label="原因", required=False, max_length=255)


class NoteForm(forms.Form):
    text = forms.CharField(label="记录内容", widget=forms.Textarea(attrs={"rows": 2}))
    attachment = forms.FileField(label="附件", required=False)


class IdListField(forms.Field):
    """Several numeric ids from repeated inputs (the ticked vehicle boxes of one force)."""

    widget = forms.MultipleHiddenInput
    MAX = 50

    def to_python(self, value):
        values = [v for v in (value or []) if str(v).strip()]
        if len(values) > self.MAX:
            raise ValidationError(f"一次最多选择 {self.MAX} 辆车。")
        try:
            ids = [int(v) for v in values]
        except (TypeError, ValueError):
            raise ValidationError("车辆编号应为数字。") from None
        if any(not 0 < i < 2**31 for i in ids):
            raise ValidationError("车辆编号无效。")
        return ids


class DispatchForm(forms.Form):
    force = forms.IntegerField(label="救援队伍", min_value=1, max_value=2**31 - 1)
    vehicle = IdListField(label="车辆", required=False)  # none ticked: the force as a whole (no vehicles)
    notes = forms.CharField(label="备注", required=False, max_length=255)


class AdvanceForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=Assignment.STATUS_CHOICES)
    time = forms.DateTimeField(label="时间", required=False, widget=DATETIME)
    notes = forms.CharField(label="备注", required=False, max_length=255)
