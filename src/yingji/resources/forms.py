from django import forms

from yingji.core.forms import ScopedModelForm
from yingji.standards import event_codes

from .models import (
    AgreementReserve,
    Equipment,
    Expert,
    Hydrant,
    MaintenanceRecord,
    RescueForce,
    Shelter,
    SupplyItem,
    Vehicle,
    Warehouse,
)


class ForceForm(ScopedModelForm):
    capabilities = forms.MultipleChoiceField(
        label="可处置事件类别", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(c.code, f"{c.name}") for c in event_codes.classes()],
        help_text="GB/T 35561 事件类别；调度推荐时按此匹配事件。",
    )

    class Meta:
        model = RescueForce
        fields = ["name", "type", "station_class", "specialty", "region", "organisation", "longitude", "latitude",
                  "address", "contact_person", "phone", "duty_phone", "members_total", "members_on_duty",
                  "capabilities", "notes"]

    def _post_clean(self):
        pass


class ForceStatusForm(forms.Form):
    status = forms.ChoiceField(label="战备状态", choices=RescueForce.STATUS_CHOICES)
    members_on_duty = forms.IntegerField(label="在岗人数（人）", min_value=0, required=False)
    reason = forms.CharField(label="原因", required=False, max_length=255)


class WarehouseForm(ScopedModelForm):
    class Meta:
        model = Warehouse
        fields = ["name", "level", "region", "organisation", "manager", "phone", "capacity_m2", "longitude",
                  "latitude", "address"]

    def _post_clean(self):
        pass


class SupplyItemForm(ScopedModelForm):
    class Meta:
        model = SupplyItem
        fields = ["code", "name", "unit", "spec", "shelf_life_days"]
        help_texts = {"code": "GB/T 38565-2020 七位细类代码：大类 1 位（1 基本生活保障物资、2 应急装备及配套物资、"
                              "3 工程材料与机械加工设备）+ 中类、小类、细类各 2 位。"}

    def _post_clean(self):
        pass


class MovementForm(forms.Form):
    kind = forms.ChoiceField(label="业务", choices=[("in", "入库"), ("out", "出库"), ("transfer", "调拨"),
                                                   ("adjust", "盘点调整"), ("scrap", "报废")])
    item = forms.ModelChoiceField(label="物资", queryset=SupplyItem.objects.all())
    quantity = forms.DecimalField(label="数量", max_digits=14, decimal_places=2, min_value=0)
    batch = forms.CharField(label="批次", required=False, max_length=64)
    expiry = forms.DateField(label="有效期至", required=False, widget=forms.DateInput(attrs={"type": "date"}))
    target = forms.ModelChoiceField(label="调入库", queryset=Warehouse.objects.none(), required=False)
    reason = forms.CharField(label="事由", required=False, max_length=255)


class ShelterForm(ScopedModelForm):
    facilities = forms.MultipleChoiceField(label="设施", required=False, choices=Shelter.FACILITIES,
                                           widget=forms.CheckboxSelectMultiple)

    class Meta:
        model = Shelter
        fields = ["name", "type", "region", "longitude", "latitude", "address", "effective_area_m2", "facilities",
                  "status", "manager", "phone"]
        help_texts = {"effective_area_m2": "可容纳人数 = 有效避难面积 ÷ 人均面积定额（按类型设置，默认 1.5 m²/人），自动计算。"}

    def _post_clean(self):
        pass


class HydrantForm(ScopedModelForm):
    class Meta:
        model = Hydrant
        fields = ["number", "type", "region", "longitude", "latitude", "address", "pressure_mpa", "flow_lps",
                  "volume_m3", "status"]
        help_texts = {"status": "登记后状态由检查记录更新。"}

    def _post_clean(self):
        pass


class InspectionForm(forms.Form):
    date = forms.DateField(label="检查日期", widget=forms.DateInput(attrs={"type": "date"}))
    status = forms.ChoiceField(label="检查结果", choices=Hydrant.STATUS_CHOICES)
    pressure_mpa = forms.DecimalField(label="实测压力（MPa）", required=False, max_digits=5, decimal_places=2, min_value=0)
    notes = forms.CharField(label="情况说明", required=False, max_length=255)


class ExpertForm(ScopedModelForm):
    specialties = forms.MultipleChoiceField(
        label="擅长事件类别", required=False, widget=forms.CheckboxSelectMultiple,
        choices=[(c.code, c.name) for c in event_codes.classes()],
    )

    class Meta:
        model = Expert
        fields = ["name", "region", "specialties", "disciplines", "title", "employer", "phone", "availability",
                  "notes"]

    def _post_clean(self):
        pass


class AgreementForm(ScopedModelForm):
    item_lines = forms.CharField(
        label="协议物资", required=False, widget=forms.Textarea(attrs={"rows": 5}),
        help_text="每行一种：物资代码 数量，如“1020101 200”。",
    )

    class Meta:
        model = AgreementReserve
        fields = ["supplier", "credit_code", "region", "contract_no", "start_date", "end_date", "response_hours",
                  "contact_person", "phone"]
        widgets = {"start_date": forms.DateInput(attrs={"type": "date"}),
                   "end_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["item_lines"].initial = "\n".join(
                f"{line.item.code} {line.quantity.normalize():f}" for line in self.instance.items.select_related("item"))

    def _post_clean(self):
        pass

    def clean_item_lines(self):
        items, errors = {}, []
        for number, line in enumerate(self.cleaned_data["item_lines"].splitlines(), start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) != 2:
                errors.append(f"第 {number} 行应为“物资代码 数量”。")
                continue
            item = SupplyItem.objects.filter(code=parts[0]).first()
            if item is None:
                errors.append(f"第 {number} 行：物资目录中没有代码 {parts[0]}。")
            elif item in items:
                errors.append(f"第 {number} 行：物资 {item.name} 重复。")
            else:
                items[item] = parts[1]
        if errors:
            raise forms.ValidationError(errors)
        return items

    def service_kwargs(self):
        return {"items": self.cleaned_data["item_lines"]}


LIFECYCLE_FORM_FIELDS = ["acquisition_date", "cost_wan", "source", "service_life_years", "inspection_interval_days"]
DATE_WIDGET = {"acquisition_date": forms.DateInput(attrs={"type": "date"})}


class VehicleForm(ScopedModelForm):
    class Meta:
        model = Vehicle
        fields = ["plate", "name", "type", "station", "water_t", "foam_t", "working_height_m", "pump_flow_lps",
                  "height_m", "gross_weight_t", "width_m",
                  *LIFECYCLE_FORM_FIELDS]
        widgets = DATE_WIDGET

    def _post_clean(self):
        pass


class EquipmentForm(ScopedModelForm):
    class Meta:
        model = Equipment
        fields = ["name", "category", "station", "quantity", "unit", *LIFECYCLE_FORM_FIELDS]
        widgets = DATE_WIDGET

    def _post_clean(self):
        pass


class MaintenanceForm(forms.Form):
    kind = forms.ChoiceField(label="类型", choices=MaintenanceRecord.KIND_CHOICES)
    date = forms.DateField(label="日期", widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(label="内容", max_length=255)
    cost_wan = forms.DecimalField(label="费用（万元）", required=False, min_value=0, max_digits=10, decimal_places=2)


class NormForm(forms.Form):
    item = forms.ModelChoiceField(label="物资", queryset=SupplyItem.objects.all())
    quantity = forms.DecimalField(label="定额数量", min_value=0, max_digits=14, decimal_places=2)
