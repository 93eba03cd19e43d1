"""Web forms of plans. They parse input; the services validate the domain rules and write."""

from django import forms

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Organisation
from yingji.core.scoping import scope
from yingji.standards import event_codes

from .models import LEVEL_CHOICES, SETTABLE_STATUS_CHOICES, Plan, ResponseLevel, TaskTemplate


def _event_choices():
    """大类 and 类, grouped by 大类, as the checkboxes offer them; 细类 go in the text box."""
    groups = []
    for top in event_codes.top_classes():
        members = [(top.code, f"{top.name}（全部）")]
        members += [(c.code, c.name) for c in event_codes.classes() if c.top_code == top.code]
        groups.append((top.name, members))
    return groups


class PlanForm(ScopedModelForm):
    field_order = ["name", "type", "region", "owner", "event_codes", "extra_codes"]
    event_codes = forms.MultipleChoiceField(
        label="适用事件类别", required=False, widget=forms.CheckboxSelectMultiple, choices=_event_choices,
        help_text="GB/T 35561 事件类别；选大类即包含其下所有类别。事件类别被覆盖的预案才会在事件页上被建议启动。")
    extra_codes = forms.CharField(
        label="细类代码", required=False, help_text="可选：更细的 GB/T 35561 细类代码，用逗号或空格分隔，如“11B03 11A01”。")

    class Meta:
        model = Plan
        fields = ["name", "type", "region", "owner", "event_codes", "version", "status", "approved_on", "document",
                  "summary", "grace_minutes"]
        widgets = {"approved_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "summary": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"document": "PDF、Word（doc、docx）、WPS 或 OFD，不超过 10 MB；只有有权查看本预案的用户可以下载。",
                      "status": "只有“已审批”的预案可以启动。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offered = {code for _, members in _event_choices() for code, _ in members}
        codes = list(self.instance.event_codes or [])
        self.initial["event_codes"] = [c for c in codes if c in offered]
        self.initial["extra_codes"] = " ".join(c for c in codes if c not in offered)
        self.fields["grace_minutes"].required = False  # blank keeps the plan's (default 5)

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        data = super().service_data()
        if data.get("grace_minutes") is None:
            data.pop("grace_minutes", None)
        extra = self.cleaned_data.get("extra_codes", "").replace("，", ",").replace(",", " ").split()
        data["event_codes"] = list(self.cleaned_data.get("event_codes", [])) + extra
        return data


class LevelForm(ScopedModelForm):
    class Meta:
        model = ResponseLevel
        fields = ["level", "name", "min_grade", "min_deaths", "min_injured", "min_people_affected", "warning_colour",
                  "notes"]
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"min_grade": "以下各项启动条件满足任一项即启动本级响应；人数均为“以上含本数”。",
                      "name": "留空则为“Ⅱ级响应”这样的名称。"}

    def __init__(self, *args, plan=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.plan = plan

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        data = super().service_data()
        if self.plan is not None:
            data["plan"] = self.plan
        return data


class TemplateForm(ScopedModelForm):
    class Meta:
        model = TaskTemplate
        fields = ["text", "organisation", "local_government", "due_offset_minutes", "completes_on", "order"]
        help_texts = {"due_offset_minutes": "从本级响应启动起算，如 30 分钟填 30、6 小时填 360；0 表示立即。"}

    def __init__(self, *args, response_level=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.response_level = response_level

    def _post_clean(self):
        pass

    def service_data(self) -> dict:
        data = super().service_data()
        if self.response_level is not None:
            data["response_level"] = self.response_level
        return data


class ActivateForm(forms.Form):
    plan = forms.ModelChoiceField(label="预案", queryset=Plan.objects.none(),
                                  error_messages={"invalid_choice": "预案不存在，或不在您的管辖范围内。"})
    level = forms.TypedChoiceField(label="响应级别", choices=LEVEL_CHOICES, coerce=int)
    reason = forms.CharField(label="理由", required=False, max_length=500)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = scope(Plan.objects.all(), user)


class ChangeLevelForm(forms.Form):
    level = forms.TypedChoiceField(label="响应级别", choices=LEVEL_CHOICES, coerce=int)
    reason = forms.CharField(label="理由", required=False, max_length=500)


class EndForm(forms.Form):
    reason = forms.CharField(label="终止理由", max_length=500,
                             error_messages={"required": "终止响应须说明理由（如：险情已排除、转入恢复重建）。"})


class AddTaskForm(forms.Form):
    text = forms.CharField(label="任务内容", max_length=255)
    organisation = forms.ModelChoiceField(label="责任单位", queryset=Organisation.objects.none())
    due_in_minutes = forms.IntegerField(label="时限（分钟后）", min_value=0, max_value=30 * 24 * 60)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = scope(Organisation.objects.all(), user)


class TaskStatusForm(forms.Form):
    status = forms.ChoiceField(label="状态", choices=SETTABLE_STATUS_CHOICES)
    note = forms.CharField(label="说明", required=False, max_length=255)
