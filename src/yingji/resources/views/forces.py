"""Pages of rescue forces (with coverage and siting), experts, vehicles and equipment."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from yingji.core.api_base import days_param
from yingji.core.generic import (
    ObjectActionView,
    ObjectDeleteView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    QueryParamsPage,
    ScopedMixin,
    delete_view,
)
from yingji.core.scoping import scope
from yingji.standards import event_codes

from .. import coverage, filtersets, services
from ..forms import EquipmentForm, ExpertForm, ForceForm, ForceStatusForm, MaintenanceForm, VehicleForm
from ..models import Equipment, Expert, RescueForce, Vehicle


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


VehicleDeleteView = delete_view(Vehicle, services.delete_vehicle, "resources:vehicle_list")
EquipmentDeleteView = delete_view(Equipment, services.delete_equipment, "resources:equipment_list")
ExpertDeleteView = delete_view(Expert, services.delete_expert, "resources:expert_list")
