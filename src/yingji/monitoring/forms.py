"""Web forms of the monitoring registry. They only parse input; the services validate and write."""

from django import forms
from django.utils import timezone

from yingji.core.forms import ScopedModelForm
from yingji.core.models import Region
from yingji.core.scoping import scope
from yingji.safety.models import Enterprise, HazardUnit, is_enterprise_account
from yingji.standards import gas_alarms

from .models import Gateway, Rule, Sensor

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ServiceModelForm(ScopedModelForm):
    def _post_clean(self):  # the model's own checks run in the service, with the domain rules, in one answer
        pass


def _own_enterprises(form, user):
    """An enterprise account picks among its own enterprises (scoping already narrows to them)."""
    if "enterprise" in form.fields:
        form.fields["enterprise"].queryset = scope(Enterprise.objects.all(), user).order_by("name")
        if is_enterprise_account(user):
            form.fields["enterprise"].required = True
            form.fields["enterprise"].empty_label = None


class SensorForm(ServiceModelForm):
    class Meta:
        model = Sensor
        fields = ["code", "name", "kind", "region", "enterprise", "hazard_unit", "hydrant", "watched_region",
                  "river_section", "gateway", "longitude", "latitude", "address", "expected_interval_s",
                  "installed_at", "is_active"]
        widgets = {"installed_at": DATETIME}
        help_texts = {
            "code": "设备上报所用编码（MQTT 主题 yingji/v1/sensors/编码/readings），唯一；有读数后不能修改。",
            "region": "企业的监测点可不填，取企业所在区划。",
            "hazard_unit": "可选：所监测的重大危险源（单元），须属于所选企业。",
            "watched_region": "可选：水位、雨量、地质灾害等监测的村（社区）。",
            "expected_interval_s": "留空取该类型的默认周期；连续多个周期无读数即判为离线。",
            "installed_at": "早于安装时间的读数将被拒收。",
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].required = False
        self.fields["expected_interval_s"].required = False
        self.fields["installed_at"].required = False
        self.fields["installed_at"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]
        if not self.instance.pk and not self.initial.get("installed_at"):
            self.initial["installed_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        _own_enterprises(self, user)
        self.fields["hazard_unit"].queryset = scope(HazardUnit.objects.select_related("enterprise"), user)
        self.fields["hazard_unit"].label_from_instance = lambda u: f"{u.enterprise.name} · {u.name}"
        self.fields["watched_region"].queryset = scope(Region.objects.filter(level="village"), user).order_by("path")
        self.fields["gateway"].queryset = scope(Gateway.objects.all(), user)


class GatewayForm(ServiceModelForm):
    class Meta:
        model = Gateway
        fields = ["code", "name", "region", "enterprise", "is_active"]
        help_texts = {"region": "企业的网关可不填，取企业所在区划。",
                      "code": "1–64 位字母、数字、点、下划线或连字符；保存后可签发接入令牌。"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].required = False
        _own_enterprises(self, user)


class TokenForm(forms.Form):
    """签发新令牌: nothing to fill in, the button is the decision."""


LEL = gas_alarms.bounds("lel")


class RuleForm(ServiceModelForm):
    class Meta:
        model = Rule
        fields = ["name", "region", "kind", "rule_type", "level1", "level2", "deadband", "hold_s", "stale_factor",
                  "event", "event_level", "enabled"]
        help_texts = {
            "level1": f"高限/低限：一级报警设定值；变化速率：每分钟变化量。可燃气体高限不得高于 {LEL.level1_max}{LEL.unit}"
                      f"（GB/T 50493-2019 {LEL.level1_clause}）",
            "level2": f"二级报警设定值（高限应高于一级，低限应低于一级）。可燃气体高限不得高于 {LEL.level2_max}{LEL.unit}"
                      f"（GB/T 50493-2019 {LEL.level2_clause}）",
            "deadband": "回差：数值回到一级设定值以内该幅度后才恢复，避免在设定值附近反复报警",
            "hold_s": "持续超过设定值该时长后才报警（0 为立即）",
            "stale_factor": "离线规则：超过“上报周期 × 该倍数”无读数即报警",
            "event": "报警事件规则：火灾报警控制器的事件",
        }


class OverrideForm(RuleForm):
    """A per-sensor override: the sensor (and so its kind and region) comes from the page."""

    class Meta(RuleForm.Meta):
        fields = ["name", "rule_type", "level1", "level2", "deadband", "hold_s", "stale_factor", "event",
                  "event_level", "enabled"]
