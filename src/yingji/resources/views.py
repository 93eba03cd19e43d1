"""Pages of the resources registries, on the generic scoped views of the core app."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.db.models import Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from yingji.core.api_base import days_param
from yingji.core.scoping import scope
from yingji.core.views import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    QueryParamsPage,
    ScopedMixin,
)
from yingji.standards import event_codes

from . import coverage, filtersets, services
from .forms import (
    AgreementForm,
    EquipmentForm,
    ExpertForm,
    ForceForm,
    ForceStatusForm,
    HydrantForm,
    InspectionForm,
    MaintenanceForm,
    MovementForm,
    NormForm,
    ShelterForm,
    SupplyItemForm,
    VehicleForm,
    WarehouseForm,
)
from .models import (
    AgreementReserve,
    Equipment,
    Expert,
    Hydrant,
    RescueForce,
    ReserveNorm,
    Shelter,
    StockLevel,
    SupplyItem,
    Vehicle,
    Warehouse,
)
from .queries import (
    availability,
    capacity_by_region,
    intact_rate,
    near_expiry,
    post_movement,
    shortfall_rows,
)

EXPIRY_HORIZON_DAYS = settings.YINGJI_EXPIRY_HORIZON_DAYS


class ForceListView(ObjectListView):
    model = RescueForce
    title = "救援队伍"
    search_fields = ["name", "address", "contact_person"]
    filterset_class = filtersets.RescueForceFilterSet
    filters = [("type", "类型", RescueForce.TYPE_CHOICES), ("status", "战备状态", RescueForce.STATUS_CHOICES)]
    columns = [("name", "名称"), ("type_label", "类型"), ("region.name", "所属区划"), ("status", "战备状态"),
               ("members_on_duty", "在岗（人）"), ("members_total", "总数（人）"), ("duty_phone", "值班电话")]
    orderings = {"name": "name", "type": "type", "status": "status", "members_on_duty": "-members_on_duty"}
    add_url_name = "resources:force_add"
    export_url_name = "resources:force_export"
    sheet = "forces"

    def base_queryset(self):
        return RescueForce.objects.select_related("region")


class ForceExportView(ObjectExportView, ForceListView):
    pass


class ForceDetailView(ScopedMixin, DetailView):
    model = RescueForce
    template_name = "resources/force_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["history"] = self.object.status_changes.select_related("actor")[:50]
        context["status_form"] = ForceStatusForm(initial={"members_on_duty": self.object.members_on_duty})
        force = self.object
        if force.longitude is not None and force.type in coverage.STATION_TYPES:
            area = coverage.isochrone(force, 5)
            context["isochrone"] = dict(coverage.svg_shape(area, (force.longitude, force.latitude)),
                                        method=area["method"])
        return context


class SitingView(LoginRequiredMixin, TemplateView):
    """新建消防站选址：最大覆盖模型（MCLP），已有站点的覆盖先扣除。"""

    template_name = "resources/siting.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        context.update(k=params.get("k", "2"), minutes=params.get("minutes", "5"))
        if "k" not in params:
            context["network"] = coverage.roads.network() is not None
            return context
        try:
            result = coverage.siting(self.request.user, params.get("k"), coverage.minutes_param(params))
        except ValidationError as exc:
            context["error"] = "；".join(exc.messages)
            return context
        context.update(result=result, network=result is not None, ran=True)
        return context


class CoverageView(LoginRequiredMixin, TemplateView):
    """消防站 N 分钟覆盖 (建标152-2017): by road when a network is imported."""

    template_name = "resources/coverage.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            minutes = coverage.minutes_param(self.request.GET)
            report = coverage.station_coverage(self.request.user, minutes)
        except ValidationError as exc:
            context["error"] = "；".join(exc.messages)
            return context
        context.update(minutes=minutes, report=report)
        return context


class ForceFormView(ObjectFormView):
    model = RescueForce
    form_class = ForceForm
    service = staticmethod(services.save_force)
    success_url_name = "resources:force_detail"


class ForceDeleteView(ObjectDeleteView):
    model = RescueForce
    service = staticmethod(services.delete_force)
    success_url_name = "resources:force_list"


class ForceStatusView(ObjectActionView):
    model = RescueForce
    form_class = ForceStatusForm
    permission = "resources.change_rescueforce"
    success_message = "战备状态已更新。"

    def act(self, force, data):
        services.change_force_status(self.request.user, force, data["status"], data["reason"], data["members_on_duty"])


# --- Warehouses, catalogue, ledger -------------------------------------------

class WarehouseListView(ObjectListView):
    model = Warehouse
    title = "储备库"
    search_fields = ["name", "address", "manager"]
    filterset_class = filtersets.WarehouseFilterSet
    filters = [("level", "层级", Warehouse.LEVEL_CHOICES)]
    columns = [("name", "名称"), ("level", "层级"), ("region.name", "所属区划"), ("manager", "负责人"),
               ("phone", "联系电话"), ("capacity_m2", "库容（m²）")]
    orderings = {"name": "name", "level": "level"}
    add_url_name = "resources:warehouse_add"
    export_url_name = "resources:warehouse_export"
    sheet = "warehouses"

    def base_queryset(self):
        return Warehouse.objects.select_related("region")


class WarehouseDetailView(ScopedMixin, DetailView):
    model = Warehouse
    template_name = "resources/warehouse_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        warehouse = self.object
        user = self.request.user
        form = MovementForm()
        form.fields["target"].queryset = scope(Warehouse.objects.exclude(pk=warehouse.pk), user)
        horizon = timezone.localdate() + timedelta(days=EXPIRY_HORIZON_DAYS)
        context.update(
            levels=warehouse.levels.filter(quantity__gt=0).select_related("item").order_by("item__code", "expiry"),
            shortfalls=shortfall_rows(ReserveNorm.objects.filter(warehouse=warehouse)),
            norms=warehouse.norms.select_related("item").order_by("item__code"),
            movements=warehouse.movements.select_related("item", "actor", "counterpart")[:30],
            movement_form=form, horizon=horizon, horizon_days=EXPIRY_HORIZON_DAYS,
        )
        return context


class WarehouseFormView(ObjectFormView):
    model = Warehouse
    form_class = WarehouseForm
    service = staticmethod(services.save_warehouse)
    success_url_name = "resources:warehouse_detail"


class MovementView(ObjectActionView):
    """The ledger form on a warehouse page: 入库/出库/调拨/盘点调整/报废 through the services."""

    model = Warehouse
    form_class = MovementForm
    permission = "resources.add_stockmovement"

    def get_form(self, form_class=None):
        form = super().get_form(form_class)
        form.fields["target"].queryset = scope(Warehouse.objects.all(), self.request.user)
        return form

    def act(self, warehouse, data):
        movements = post_movement(self.request.user, {**data, "warehouse": warehouse, "batch": data["batch"] or ""})
        kinds = "、".join(sorted({m.get_kind_display() for m in movements}))
        return f"已记账：{kinds} {len(movements)} 笔。"


class SupplyItemListView(ObjectListView):
    model = SupplyItem
    title = "应急物资目录（GB/T 38565）"
    search_fields = ["code", "name"]
    columns = [("name", "名称"), ("code", "物资代码"), ("top_class", "大类"), ("unit", "单位"), ("spec", "规格型号"),
               ("shelf_life_days", "保质期（天）")]
    add_url_name = "resources:item_add"
    export_url_name = "resources:item_export"
    sheet = "supplies"

    filterset_class = filtersets.SupplyItemFilterSet

    def get_queryset(self):  # the catalogue is shared by all regions (SupplyItem.scoping_public)
        qs = self.filter_queryset(SupplyItem.objects.all())
        q = self.request.GET.get("q", "").strip()
        return qs.filter(Q(code__startswith=q) | Q(name__icontains=q)) if q else qs


class SupplyItemFormView(ObjectFormView):
    model = SupplyItem
    form_class = SupplyItemForm
    service = staticmethod(services.save_item)
    success_url_name = "resources:item_edit"

    def get_queryset(self):  # shared catalogue
        return SupplyItem.objects.all()


class StockReportView(LoginRequiredMixin, QueryParamsPage, TemplateView):
    """Shortfalls against reserve norms and batches near expiry, across the user's warehouses."""

    template_name = "resources/stock_report.html"
    title = "库存预警"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        days = days_param(self.request.GET, default=EXPIRY_HORIZON_DAYS)
        levels = scope(StockLevel.objects.filter(quantity__gt=0).select_related("warehouse", "item"), user)
        context.update(
            days=days,
            shortfalls=shortfall_rows(scope(ReserveNorm.objects.all(), user)),
            expiring=near_expiry(levels, days).order_by("expiry"),
            today=timezone.localdate(),
            title="库存预警",
        )
        return context


# --- Shelters and hydrants ----------------------------------------------------

class ShelterListView(ObjectListView):
    model = Shelter
    title = "应急避难场所"
    search_fields = ["name", "address"]
    filterset_class = filtersets.ShelterFilterSet
    filters = [("type", "类型", Shelter.TYPE_CHOICES), ("status", "状态", Shelter.STATUS_CHOICES)]
    columns = [("name", "名称"), ("type", "类型"), ("region.name", "所属区划"), ("effective_area_m2", "有效面积（m²）"),
               ("capacity", "可容纳（人）"), ("status", "状态")]
    orderings = {"name": "name", "capacity": "-capacity"}
    add_url_name = "resources:shelter_add"
    export_url_name = "resources:shelter_export"
    sheet = "shelters"

    def base_queryset(self):
        return Shelter.objects.select_related("region")

    def summary(self, queryset):
        places = queryset.exclude(status="closed").aggregate(n=Sum("capacity"))["n"] or 0
        return f"可用场所合计可容纳 {places:,} 人（不含停用场所）。"


class ShelterDetailView(ScopedMixin, DetailView):
    model = Shelter
    template_name = "resources/shelter_detail.html"


class ShelterFormView(ObjectFormView):
    model = Shelter
    form_class = ShelterForm
    service = staticmethod(services.save_shelter)
    success_url_name = "resources:shelter_detail"


class ShelterCapacityView(LoginRequiredMixin, TemplateView):
    template_name = "resources/shelter_capacity.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rows": capacity_by_region(self.request.user),
                "title": "避难场所容量与人口"}


class HydrantListView(ObjectListView):
    model = Hydrant
    title = "消火栓与消防水源"
    search_fields = ["number", "address"]
    filterset_class = filtersets.HydrantFilterSet
    filters = [("type", "类型", Hydrant.TYPE_CHOICES), ("status", "状态", Hydrant.STATUS_CHOICES)]
    columns = [("number", "编号"), ("type", "类型"), ("region.name", "所属区划"), ("address", "位置"),
               ("status", "状态"), ("last_inspected", "最近检查")]
    orderings = {"number": "number", "status": "status", "last_inspected": "last_inspected"}
    add_url_name = "resources:hydrant_add"
    export_url_name = "resources:hydrant_export"
    sheet = "hydrants"

    def base_queryset(self):
        return Hydrant.objects.select_related("region")

    def summary(self, queryset):
        stats = intact_rate(queryset)
        if not stats["total"]:
            return ""
        parts = "，".join(f"{label} {n}" for label, n in stats["by_status"].items() if n)
        return f"完好率 {stats['intact_rate']}%（{stats['ok']}/{stats['total']}）：{parts}。"


class HydrantDetailView(ScopedMixin, DetailView):
    model = Hydrant
    template_name = "resources/hydrant_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["inspections"] = self.object.inspections.select_related("actor")[:50]
        context["inspection_form"] = InspectionForm(initial={"date": timezone.localdate()})
        return context


class HydrantFormView(ObjectFormView):
    model = Hydrant
    form_class = HydrantForm
    service = staticmethod(services.save_hydrant)
    success_url_name = "resources:hydrant_detail"


class HydrantInspectionView(ObjectActionView):
    model = Hydrant
    form_class = InspectionForm
    permission = "resources.add_hydrantinspection"
    success_message = "检查记录已登记。"

    def act(self, hydrant, data):
        services.inspect_hydrant(self.request.user, hydrant, **data)


class WarehouseExportView(ObjectExportView, WarehouseListView):
    pass


class ShelterExportView(ObjectExportView, ShelterListView):
    pass


class HydrantExportView(ObjectExportView, HydrantListView):
    pass


# --- Experts and agreement reserves ---------------------------------------------

class ExpertListView(ObjectListView):
    model = Expert
    title = "专家库"
    search_fields = ["name", "disciplines", "employer", "title"]
    filterset_class = filtersets.ExpertFilterSet
    filters = [("availability", "可用状态", Expert.AVAILABILITY_CHOICES)]
    columns = [("name", "姓名"), ("title", "职称"), ("employer", "工作单位"), ("disciplines", "专业领域"),
               ("specialty_text", "擅长事件类别"), ("phone", "联系电话"), ("availability", "可用状态")]
    add_url_name = "resources:expert_add"
    export_url_name = "resources:expert_export"
    sheet = "experts"

    def base_queryset(self):
        return Expert.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["filters"] = context["filters"] + [
            ("specialty", "事件类别", [(c.code, c.name) for c in event_codes.classes()],
             self.request.GET.get("specialty", ""))]
        return context


class ExpertFormView(ObjectFormView):
    model = Expert
    form_class = ExpertForm
    service = staticmethod(services.save_expert)
    success_url_name = "resources:expert_edit"


class AgreementListView(ObjectListView):
    model = AgreementReserve
    title = "协议储备"
    search_fields = ["supplier", "contract_no"]
    filterset_class = filtersets.AgreementFilterSet
    columns = [("supplier", "供应企业"), ("contract_no", "协议编号"), ("start_date", "起始"), ("end_date", "终止"),
               ("response_hours", "响应（小时）"), ("phone", "联系电话")]
    add_url_name = "resources:agreement_add"
    export_url_name = "resources:agreement_export"
    sheet = "agreements"

    def base_queryset(self):
        return AgreementReserve.objects.select_related("region")


class AgreementDetailView(ScopedMixin, DetailView):
    model = AgreementReserve
    template_name = "resources/agreement_detail.html"


class AgreementFormView(ObjectFormView):
    model = AgreementReserve
    form_class = AgreementForm
    service = staticmethod(services.save_agreement)
    success_url_name = "resources:agreement_detail"

    def service_kwargs(self, form):
        return form.service_kwargs()


class AvailabilityView(LoginRequiredMixin, TemplateView):
    template_name = "resources/availability.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "rows": availability(self.request.user), "title": "物资可用量"}


# --- Vehicles and equipment -------------------------------------------------------

class VehicleListView(ObjectListView):
    model = Vehicle
    title = "车辆"
    search_fields = ["plate", "name"]
    filterset_class = filtersets.VehicleFilterSet
    filters = [("type", "车型", Vehicle.TYPE_CHOICES), ("status", "状态", Vehicle.STATUS_CHOICES)]
    columns = [("plate", "车牌号"), ("type", "车型"), ("station.name", "所属队站"), ("water_t", "水（t）"),
               ("foam_t", "泡沫（t）"), ("status", "状态"), ("next_inspection_due", "下次检测"),
               ("retirement_date", "到期报废日")]
    orderings = {"plate": "plate", "next_inspection_due": "next_inspection_due", "retirement_date": "retirement_date"}
    add_url_name = "resources:vehicle_add"
    export_url_name = "resources:vehicle_export"
    sheet = "vehicles"

    def base_queryset(self):
        return Vehicle.objects.select_related("station")


class EquipmentListView(ObjectListView):
    model = Equipment
    title = "装备器材"
    search_fields = ["name", "category"]
    filterset_class = filtersets.EquipmentFilterSet
    columns = [("name", "名称"), ("category", "类别"), ("station.name", "所属队站"), ("quantity", "数量"), ("unit", "单位"),
               ("next_inspection_due", "下次检测"), ("retirement_date", "到期报废日")]
    orderings = {"name": "name", "next_inspection_due": "next_inspection_due"}
    add_url_name = "resources:equipment_add"
    export_url_name = "resources:equipment_export"
    sheet = "equipment"

    def base_queryset(self):
        return Equipment.objects.select_related("station")


class AssetDetailView(ScopedMixin, DetailView):
    template_name = "resources/asset_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(records=self.object.records.select_related("actor")[:50],
                       record_form=MaintenanceForm(initial={"date": timezone.localdate()}),
                       today=timezone.localdate(), is_vehicle=isinstance(self.object, Vehicle),
                       record_url=reverse(f"resources:{self.model._meta.model_name}_record", args=[self.object.pk]),
                       edit_url=reverse(f"resources:{self.model._meta.model_name}_edit", args=[self.object.pk]),
                       delete_url=reverse(f"resources:{self.model._meta.model_name}_delete", args=[self.object.pk]))
        return context


class VehicleDetailView(AssetDetailView):
    model = Vehicle


class EquipmentDetailView(AssetDetailView):
    model = Equipment


class VehicleFormView(ObjectFormView):
    model = Vehicle
    form_class = VehicleForm
    service = staticmethod(services.save_vehicle)
    success_url_name = "resources:vehicle_detail"


class EquipmentFormView(ObjectFormView):
    model = Equipment
    form_class = EquipmentForm
    service = staticmethod(services.save_equipment)
    success_url_name = "resources:equipment_detail"


class RecordView(ObjectActionView):
    """POST a maintenance record for a vehicle or an equipment item."""

    form_class = MaintenanceForm
    permission = "resources.add_maintenancerecord"
    success_message = "记录已登记。"

    def act(self, asset, data):
        services.record_maintenance(self.request.user, asset, **data)


class VehicleRecordView(RecordView):
    model = Vehicle


class EquipmentRecordView(RecordView):
    model = Equipment


class LifecycleView(LoginRequiredMixin, QueryParamsPage, TemplateView):
    """Overdue inspections and service lives ending soon, for vehicles and equipment in the user's region."""

    template_name = "resources/lifecycle.html"
    title = "全寿命周期预警"

    def get_context_data(self, **kwargs):
        days = days_param(self.request.GET)
        user = self.request.user
        rows = services.lifecycle_alerts(scope(Vehicle.objects.all(), user), scope(Equipment.objects.all(), user),
                                         days)
        return {**super().get_context_data(**kwargs), "rows": rows, "days": days, "title": "全寿命周期预警"}


class VehicleExportView(ObjectExportView, VehicleListView):
    pass


class EquipmentExportView(ObjectExportView, EquipmentListView):
    pass


class ExpertExportView(ObjectExportView, ExpertListView):
    pass


class SupplyItemExportView(ObjectExportView, SupplyItemListView):
    pass


class NormView(ObjectActionView):
    """Set (or correct) the reserve norm of one item in a warehouse, from the warehouse page."""

    model = Warehouse
    form_class = NormForm
    permission = "resources.change_reservenorm"

    def act(self, warehouse, data):
        norm = services.set_norm(self.request.user, warehouse, data["item"], data["quantity"])
        return f"已设定{norm.item.name}储备定额 {norm.quantity}{norm.item.unit}。"


def _delete_view(model_class, service_function, list_name):
    return type(f"{model_class.__name__}DeleteView", (ObjectDeleteView,), {
        "model": model_class, "service": staticmethod(service_function), "success_url_name": list_name,
    })


WarehouseDeleteView = _delete_view(Warehouse, services.delete_warehouse, "resources:warehouse_list")
ShelterDeleteView = _delete_view(Shelter, services.delete_shelter, "resources:shelter_list")
HydrantDeleteView = _delete_view(Hydrant, services.delete_hydrant, "resources:hydrant_list")
VehicleDeleteView = _delete_view(
    Vehicle, lambda actor, v: services.delete_audited(actor, v, "resources.delete_vehicle"), "resources:vehicle_list")
EquipmentDeleteView = _delete_view(
    Equipment, lambda actor, e: services.delete_audited(actor, e, "resources.delete_equipment"),
    "resources:equipment_list")
ExpertDeleteView = _delete_view(
    Expert, lambda actor, e: services.delete_audited(actor, e, "resources.delete_expert"), "resources:expert_list")
AgreementDeleteView = _delete_view(
    AgreementReserve, lambda actor, a: services.delete_audited(actor, a, "resources.delete_agreementreserve"),
    "resources:agreement_list")


class AgreementExportView(ObjectExportView, AgreementListView):
    pass
