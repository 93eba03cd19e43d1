"""Pages of warehouses and their ledger, the supply catalogue, stock reports and agreement reserves."""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q
from django.utils import timezone
from django.views.generic import DetailView, TemplateView

from yingji.core.api_base import days_param
from yingji.core.generic import (
    ObjectActionView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    QueryParamsPage,
    ScopedMixin,
    delete_view,
)
from yingji.core.scoping import scope

from .. import filtersets, services
from ..forms import AgreementForm, MovementForm, NormForm, SupplyItemForm, WarehouseForm
from ..models import AgreementReserve, ReserveNorm, StockLevel, SupplyItem, Warehouse
from ..queries import availability, near_expiry, post_movement, shortfall_rows

EXPIRY_HORIZON_DAYS = settings.YINGJI_EXPIRY_HORIZON_DAYS


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


class WarehouseExportView(ObjectExportView, WarehouseListView):
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


class AgreementExportView(ObjectExportView, AgreementListView):
    pass


WarehouseDeleteView = delete_view(Warehouse, services.delete_warehouse, "resources:warehouse_list")
AgreementDeleteView = delete_view(AgreementReserve, services.delete_agreementreserve, "resources:agreement_list")
