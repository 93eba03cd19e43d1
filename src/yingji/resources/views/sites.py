"""Pages of shelters and hydrants."""

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Sum
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from yingji.core.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    delete_view,
)

from .. import filtersets, services
from ..forms import HydrantForm, InspectionForm, ShelterForm
from ..models import Hydrant, Shelter
from ..queries import capacity_by_region, intact_rate


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


class ShelterExportView(ObjectExportView, ShelterListView):
    pass


class HydrantExportView(ObjectExportView, HydrantListView):
    pass


ShelterDeleteView = delete_view(Shelter, services.delete_shelter, "resources:shelter_list")
HydrantDeleteView = delete_view(Hydrant, services.delete_hydrant, "resources:hydrant_list")
