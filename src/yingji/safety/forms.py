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
from .services.enterprises import REGULATOR_FIELDS

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
            for name in REGULATOR_FIELDS:  # shown, not editable: the bureau registers them
                self.fields[name].disabled = True
                self.fields[name].help_text = "由监管部门登记"
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


# --- Inspections and enforcement (执法检查) ------------------------------------------------------------------------

from yingji.core.models import Region  # noqa: E402  (kept with the inspection forms: appended part)

from .models import (  # noqa: E402
    CreditListing,
    DrawAssignment,
    EnforcementDocument,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)
from .models.inspections import KIND_CHOICES as INSPECTION_KINDS  # noqa: E402


class PlanForm(ServiceModelForm):
    """The plan with one 重点/一般 count per 监管类别 (stored as `quotas`)."""

    class Meta:
        model = InspectionPlan
        fields = ["region", "year", "title", "notes"]
        help_texts = {"title": "留空按“区划+年度安全生产监督检查计划”命名"}
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["title"].required = False
        quotas = self.instance.quotas or {}
        for code, label in Enterprise.CATEGORY_CHOICES:
            for kind, kind_label in INSPECTION_KINDS:
                self.fields[f"{kind}_{code}"] = forms.IntegerField(
                    label=f"{label.split('（')[0] if code == 'industry_trade' else label}·{kind_label}", required=False, min_value=0, max_value=10000,
                    initial=(quotas.get(code) or {}).get(kind) or 0, widget=forms.NumberInput(attrs={"class": "quota"}))

    def service_data(self) -> dict:
        data = super().service_data()
        data["quotas"] = {code: {kind: self.cleaned_data.get(f"{kind}_{code}") or 0 for kind, _ in INSPECTION_KINDS}
                          for code, _ in Enterprise.CATEGORY_CHOICES}
        return data


class InspectorForm(ServiceModelForm):
    class Meta:
        model = Inspector
        fields = ["region", "name", "badge_number", "title", "user", "active", "conflicts", "conflict_note"]
        widgets = {"conflicts": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["user"].queryset = scope(User.objects.filter(is_active=True), user).order_by("username")
        self.fields["conflicts"].queryset = scope(Enterprise.objects.all(), user)
        self.fields["conflicts"].required = False


class DrawForm(forms.Form):
    plan = forms.ModelChoiceField(label="检查计划", queryset=InspectionPlan.objects.none())
    kind = forms.ChoiceField(label="检查类型", choices=INSPECTION_KINDS, initial="general")
    categories = forms.MultipleChoiceField(label="抽取范围：监管类别", choices=Enterprise.CATEGORY_CHOICES,
                                           widget=forms.CheckboxSelectMultiple, required=False)
    pool_region = forms.ModelChoiceField(label="抽取范围：区划", queryset=Region.objects.none(), required=False,
                                         help_text="留空为计划的区划（含下级）")
    enterprise_count = forms.IntegerField(label="抽取企业数", min_value=1, max_value=500, required=False)
    inspectors_per_enterprise = forms.IntegerField(label="每家执法人员数", initial=2, required=False,
                                                   help_text="执法检查须两名以上执法人员")
    seed = forms.CharField(label="随机种子", max_length=20, required=False,
                           help_text="1 到 20 位数字，可事先公布（如当日开奖号码）；留空自动生成。种子与结果一并公开，任何人可复核。")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["plan"].queryset = scope(InspectionPlan.objects.filter(status="published"), user, for_write=True)
        self.fields["pool_region"].queryset = scope(Region.objects.all(), user).order_by("code")


class InspectionForm(ServiceModelForm):
    checklist = forms.ChoiceField(label="检查表", required=False, help_text="留空按企业的监管类别选用")

    class Meta:
        model = Inspection
        fields = ["enterprise", "assignment", "kind", "inspectors", "inspected_on", "checklist", "conclusion"]
        widgets = {"inspected_on": DATE, "inspectors": forms.CheckboxSelectMultiple,
                   "conclusion": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        from .services.inspections import checklists

        self.fields["checklist"].choices = [("", "（按监管类别）")] + [(c.code, c.title) for c in checklists().values()]
        self.fields["assignment"].queryset = scope(DrawAssignment.objects.select_related("draw", "enterprise"), user)
        self.fields["assignment"].required = False
        self.fields["inspectors"].queryset = scope(Inspector.objects.filter(active=True), user)


class ResultsForm(forms.Form):
    """One result and note per checklist item (fields result_<code>, note_<code>), the conclusion, and whether
    the inspection is complete."""

    conclusion = forms.CharField(label="检查结论", required=False, widget=forms.Textarea(attrs={"rows": 2}))
    complete = forms.BooleanField(label="检查完成（全部条目已填写）", required=False)

    def __init__(self, *args, inspection, **kwargs):
        super().__init__(*args, **kwargs)
        for row in inspection.results:
            self.fields[f"result_{row['code']}"] = forms.ChoiceField(
                label=row["code"], required=False, choices=[("", "未填")] + Inspection.RESULT_CHOICES,
                initial=row.get("result", ""))
            self.fields[f"note_{row['code']}"] = forms.CharField(label="问题", required=False, initial=row.get("note"))
        self.fields["conclusion"].initial = inspection.conclusion
        self.rows = inspection.results

    def results(self) -> dict:
        return {row["code"]: {"result": self.cleaned_data.get(f"result_{row['code']}", ""),
                              "note": self.cleaned_data.get(f"note_{row['code']}", "")} for row in self.rows}

    def items(self):
        """(row, result field, note field) for the template."""
        return [(row, self[f"result_{row['code']}"], self[f"note_{row['code']}"]) for row in self.rows]


class FindingForm(forms.Form):
    code = forms.CharField(widget=forms.HiddenInput)
    grade = forms.ChoiceField(label="隐患等级", choices=Hazard.GRADE_CHOICES)
    criterion = forms.ChoiceField(label="判定标准条款", required=False, choices=criterion_choices)
    criterion_basis = forms.CharField(label="判定依据", required=False, max_length=255)
    deadline = forms.DateField(label="整改期限", required=False, widget=DATE)


class DocumentForm(ServiceModelForm):
    class Meta:
        model = EnforcementDocument
        fields = ["enterprise", "inspection", "kind", "number", "issued_on", "deadline", "findings", "legal_basis",
                  "inspectors"]
        widgets = {"issued_on": DATE, "deadline": DATE, "findings": forms.Textarea(attrs={"rows": 4}),
                   "legal_basis": forms.Textarea(attrs={"rows": 2}), "inspectors": forms.CheckboxSelectMultiple}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["number"].required = False
        self.fields["inspectors"].queryset = scope(Inspector.objects.all(), user)
        self.fields["inspectors"].required = False


class PenaltyForm(ServiceModelForm):
    class Meta:
        model = Penalty
        fields = ["enterprise", "inspection", "number", "violation", "legal_basis", "amount_wan", "decided_on"]
        widgets = {"decided_on": DATE, "violation": forms.Textarea(attrs={"rows": 3}),
                   "legal_basis": forms.Textarea(attrs={"rows": 2})}


class CreditListingForm(ServiceModelForm):
    class Meta:
        model = CreditListing
        fields = ["enterprise", "list_kind", "reason", "basis", "listed_on", "removed_on", "removal_reason"]
        widgets = {"listed_on": DATE, "removed_on": DATE, "reason": forms.Textarea(attrs={"rows": 2})}
