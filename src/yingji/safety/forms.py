"""Web forms of safety supervision. They only parse input; the services validate and write."""

from django import forms

from yingji.core.forms import OptionalJSONField, ScopedModelForm
from yingji.core.models import User
from yingji.core.scoping import scope

from .models import (
    ENTERPRISE_ROLE,
    Enterprise,
    HazardUnit,
    InventoryLine,
    Licence,
    RiskPoint,
    RiskScheme,
    is_enterprise_account,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ServiceModelForm(ScopedModelForm):
    def _post_clean(self):  # the model's own checks run in the service, with the domain rules, in one answer
        pass


class EnterpriseForm(ServiceModelForm):
    class Meta:
        model = Enterprise
        fields = ["name", "credit_code", "industry", "category", "scale", "standardisation", "status", "region",
                  "address", "longitude", "latitude", "in_chemical_park", "principal", "principal_phone",
                  "safety_manager", "safety_manager_phone", "employees", "people_within_500m", "accounts"]
        help_texts = {"people_within_500m": "用于GB 18218-2018表5的暴露人员校正系数α，修改后重新计算各单元的R值。",
                      "accounts": "绑定“企业用户”角色的账号，该账号只能看到和维护本企业。"}
        widgets = {"accounts": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        accounts = self.fields["accounts"]
        if is_enterprise_account(user):
            del self.fields["accounts"]  # an enterprise does not bind accounts to itself
        else:
            accounts.queryset = scope(User.objects.filter(groups__name=ENTERPRISE_ROLE), user).order_by("username")
            accounts.required = False


class LicenceForm(ServiceModelForm):
    class Meta:
        model = Licence
        fields = ["enterprise", "kind", "number", "scope", "issued_on", "expires_on"]
        widgets = {"issued_on": DATE, "expires_on": DATE}


class UnitForm(ServiceModelForm):
    class Meta:
        model = HazardUnit
        fields = ["enterprise", "name", "kind", "description", "evaluated_on", "evaluated_by", "filed_on",
                  "filing_number"]
        widgets = {"evaluated_on": DATE, "filed_on": DATE}
        help_texts = {"evaluated_on": "构成重大危险源的单元：安全评估（或安全评价）完成日期；满3年或级别变化应重新评估",
                      "filed_on": "评估后15日内向县级应急管理部门备案"}


class LineForm(ServiceModelForm):
    class Meta:
        model = InventoryLine
        fields = ["unit", "chemical", "categories", "max_tonnes"]


class RiskPointForm(ServiceModelForm):
    area = OptionalJSONField(label="范围（GeoJSON 面）", required=False, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text="可选：Polygon 或 MultiPolygon（WGS84 经纬度），四色图按此范围着色。")

    class Meta:
        model = RiskPoint
        fields = ["enterprise", "region", "name", "longitude", "latitude", "area", "hazards", "accident_types",
                  "method", "likelihood", "exposure", "consequence", "control_level", "measures", "responsible",
                  "responsible_phone", "assessed_on"]
        widgets = {"assessed_on": DATE, "measures": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"likelihood": "LEC：10、6、3、1、0.5、0.2、0.1；LS：1～5",
                      "exposure": "LEC：10、6、3、2、1、0.5（LS 不填）",
                      "consequence": "LEC 的 C：100、40、15、7、3、1；LS 的 S：1～5"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].required = False  # an enterprise's point takes the enterprise's region


class RiskSchemeForm(ServiceModelForm):
    bands = forms.JSONField(label="分级标准（JSON）", widget=forms.Textarea(attrs={"rows": 8}),
                            help_text="4档，依次为重大（红）、较大（橙）、一般（黄）、低（蓝）；每档 grade、bound、level、"
                                      "colour、colour_code、control_level。LEC：D 大于 bound；LS：R 不小于 bound。")

    class Meta:
        model = RiskScheme
        fields = ["region", "method", "bands", "notes"]


# --- Hazards (隐患) and their loop ------------------------------------------------------------------------------

from .models import Hazard, HazardSupervision  # noqa: E402  (kept with the hazard forms: appended part)


def criterion_choices():
    """The 重大事故隐患判定标准 items grouped by the 监管类别 they apply to (the service checks the enterprise's)."""
    from .services.hazards import criteria

    groups: dict[tuple, list] = {}
    for item in criteria().values():
        groups.setdefault(item.categories, []).append((item.code, item.label))
    labels = dict(Enterprise.CATEGORY_CHOICES)
    return [("", "（一般隐患不选）")] + [("、".join(labels.get(c, c) for c in cats), items)
                                     for cats, items in groups.items()]


class HazardForm(ServiceModelForm):
    criterion = forms.ChoiceField(label="重大事故隐患判定标准条款", required=False, choices=criterion_choices)
    photo_before = forms.FileField(label="整改前照片", required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/*"}), help_text="仅限图片（JPEG、PNG 等）。")

    class Meta:
        model = Hazard
        fields = ["enterprise", "region", "title", "description", "location", "longitude", "latitude", "source",
                  "found_on", "found_by", "grade", "criterion", "criterion_basis", "deadline"]
        widgets = {"found_on": DATE, "deadline": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"region": "企业的隐患取企业所属区划，可不选", "deadline": "可在整改方案中确定"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["region"].required = False
        if is_enterprise_account(user):
            del self.fields["source"]  # what an enterprise reports itself is its 自查
            del self.fields["region"]  # its enterprise's
            self.fields["enterprise"].help_text = ""
            self.fields["enterprise"].required = True
            self.fields["enterprise"].empty_label = None

    def service_data(self) -> dict:
        data = super().service_data()
        data.pop("photo_before", None)
        if data.get("region") is None and data.get("enterprise") is not None:
            data["region"] = data["enterprise"].region
        return data


class HazardPlanForm(forms.Form):
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 3}), required=False)
    funds_wan = forms.DecimalField(label="整改资金（万元）", required=False, max_digits=12, decimal_places=2)
    responsible = forms.CharField(label="整改责任人", max_length=32, required=False)
    responsible_phone = forms.CharField(label="责任人电话", max_length=32, required=False)
    deadline = forms.DateField(label="整改期限", required=False, widget=DATE)


class HazardProgressForm(forms.Form):
    text = forms.CharField(label="整改进展", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photo = forms.FileField(label="照片", required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class HazardRectifiedForm(HazardProgressForm):
    text = forms.CharField(label="整改完成情况", widget=forms.Textarea(attrs={"rows": 2}), required=False)
    photo = forms.FileField(label="整改后照片", required=False, widget=forms.ClearableFileInput(
        attrs={"accept": "image/*"}))
    rectified_on = forms.DateField(label="整改完成日期", required=False, widget=DATE)


class HazardAcceptForm(forms.Form):
    text = forms.CharField(label="复查验收意见", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HazardRejectForm(forms.Form):
    reason = forms.CharField(label="验收不通过的原因", required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HazardSuperviseForm(forms.Form):
    level = forms.ChoiceField(label="督办层级", choices=HazardSupervision.LEVEL_CHOICES)
    number = forms.CharField(label="督办文号", max_length=64, required=False,
                             widget=forms.TextInput(attrs={"placeholder": "乐应急督〔2026〕3号"}))
    deadline = forms.DateField(label="督办整改期限", required=False, widget=DATE)
    authority = forms.CharField(label="督办单位", max_length=64, required=False, help_text="留空取本级应急管理局")
    requirements = forms.CharField(label="督办要求", required=False, widget=forms.Textarea(attrs={"rows": 2}))
