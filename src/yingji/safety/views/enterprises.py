"""Pages of safety supervision: enterprises (一企一档) with their licences and hazardous-chemical units, and the
register of major hazard sources."""

from urllib.parse import quote

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.views.generic import DetailView

from yingji.core.generic import (
    ObjectDeleteView,
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    ScopedMixin,
    delete_view,
)
from yingji.core.imports import XLSX
from yingji.core.scoping import scope

from .. import filtersets, services
from ..dossier import dossier_xlsx
from ..forms import EnterpriseForm, LicenceForm, LineForm, UnitForm
from ..models import Enterprise, HazardUnit, InventoryLine, Licence


class EnterpriseListView(ObjectListView):
    model = Enterprise
    title = "企业（一企一档）"
    search_fields = ["name", "credit_code", "address", "principal"]
    filterset_class = filtersets.EnterpriseFilterSet
    filters = [("category", "监管类别", Enterprise.CATEGORY_CHOICES), ("status", "状态", Enterprise.STATUS_CHOICES),
               ("major_level", "重大危险源", [(lv, lv) for lv in HazardUnit.LEVELS])]
    columns = [("name", "单位名称"), ("category", "监管类别"), ("region.name", "所属区划"),
               ("major_level", "重大危险源"), ("standardisation", "标准化等级"), ("status", "状态")]
    orderings = {"name": "name", "major_level": ("major_grade", "重大危险源级别")}
    add_url_name = "safety:enterprise_add"
    export_url_name = "safety:enterprise_export"
    sheet = "enterprises"

    def base_queryset(self):
        return Enterprise.objects.select_related("region")

    def summary(self, queryset):
        majors = queryset.exclude(major_level="").count()
        return f"共 {queryset.count()} 家，其中有重大危险源的 {majors} 家。"


class EnterpriseDetailView(ScopedMixin, DetailView):
    model = Enterprise
    template_name = "safety/enterprise_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        enterprise, user = self.object, self.request.user
        units = scope(enterprise.units.all(), user).prefetch_related("lines")
        context.update(
            licences=scope(enterprise.licences.all(), user),
            credit_listings=scope(enterprise.credit_listings.filter(removed_on__isnull=True), user),
            units=[(unit, services.assessment(unit)) for unit in units],
            may_edit=user.has_perm("safety.change_enterprise"),
            may_add=user.has_perm("safety.add_hazardunit"),
        )
        return context


class EnterpriseExportView(ObjectExportView, EnterpriseListView):
    pass


class EnterpriseDossierView(ScopedMixin, DetailView):
    """一企一档 as one workbook (profile, licences, the GB 18218 worksheet, risk points, hazards)."""

    model = Enterprise

    def get(self, request, *args, **kwargs):
        enterprise = self.get_object()
        content = dossier_xlsx(enterprise, request.user, request)
        response = HttpResponse(content, content_type=XLSX)
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(enterprise.name + '一企一档.xlsx')}"
        return response


class EnterpriseFormView(ObjectFormView):
    model = Enterprise
    form_class = EnterpriseForm
    service = staticmethod(services.save_enterprise)
    success_url_name = "safety:enterprise_detail"


class _PartOfEnterprise(ObjectFormView):
    """A licence, unit or inventory line is edited on its own form and shown on its enterprise's page;
    ?enterprise= (or ?unit=) preselects its owner."""

    owner_param = "enterprise"

    def get_initial(self):
        initial = super().get_initial()
        owner = self.request.GET.get(self.owner_param, "")
        if owner.isascii() and owner.isdigit() and len(owner) < 10:
            initial[self.owner_param] = int(owner)
        return initial


class LicenceFormView(_PartOfEnterprise):
    model = Licence
    form_class = LicenceForm
    service = staticmethod(services.save_licence)
    success_url_name = ""


class UnitFormView(_PartOfEnterprise):
    model = HazardUnit
    form_class = UnitForm
    service = staticmethod(services.save_unit)
    success_url_name = ""


class LineFormView(_PartOfEnterprise):
    model = InventoryLine
    form_class = LineForm
    service = staticmethod(services.save_line)
    success_url_name = ""
    owner_param = "unit"


class _BackToEnterprise(ObjectDeleteView):
    def post(self, request, *args, **kwargs):
        obj = get_object_or_404(self.get_queryset(), pk=kwargs["pk"])
        back = obj.get_absolute_url().split("#")[0]
        response = super().post(request, *args, **kwargs)
        return response if response.url == request.path else redirect(back)  # refused: the message, here


EnterpriseDeleteView = delete_view(Enterprise, services.delete_enterprise, "safety:enterprise_list")
LicenceDeleteView = type("LicenceDeleteView", (_BackToEnterprise,), {
    "model": Licence, "service": staticmethod(services.delete_licence), "success_url_name": "safety:enterprise_list"})
UnitDeleteView = type("UnitDeleteView", (_BackToEnterprise,), {
    "model": HazardUnit, "service": staticmethod(services.delete_unit), "success_url_name": "safety:enterprise_list"})
LineDeleteView = type("LineDeleteView", (_BackToEnterprise,), {
    "model": InventoryLine, "service": staticmethod(services.delete_line), "success_url_name": "safety:enterprise_list"})


class LicenceListView(ObjectListView):
    model = Licence
    title = "安全许可证"
    search_fields = ["number", "enterprise__name", "scope"]
    filterset_class = filtersets.LicenceFilterSet
    filters = [("expiry", "到期状态", [("expired", "已过期"), ("expiring", "即将到期"), ("valid", "有效")]),
               ("kind", "证照类型", Licence.KIND_CHOICES)]
    columns = [("enterprise.name", "企业"), ("kind", "证照类型"), ("number", "证书编号"), ("expires_on", "有效期至"),
               ("expiry_label", "状态")]
    orderings = {"expires_on": ("expires_on", "有效期")}

    def base_queryset(self):
        return Licence.objects.select_related("enterprise")


class MajorHazardListView(ObjectListView):
    model = HazardUnit
    title = "重大危险源"
    search_fields = ["name", "enterprise__name"]
    filterset_class = filtersets.HazardUnitFilterSet
    filters = [("level", "级别", [(lv, lv) for lv in HazardUnit.LEVELS]), ("kind", "单元类型", HazardUnit.KIND_CHOICES)]
    columns = [("enterprise.name", "企业"), ("name", "单元"), ("kind", "类型"), ("level", "级别"), ("s_text", "S"),
               ("r_text", "R"), ("register_text", "安全评估与备案"), ("enterprise.region.name", "所属区划")]
    orderings = {"level": ("grade", "级别"), "r_value": ("-r_value", "R 值")}

    def base_queryset(self):
        return HazardUnit.objects.filter(is_major=True).select_related("enterprise__region").order_by("grade", "-r_value")

    def summary(self, queryset):
        counts = {lv: 0 for lv in HazardUnit.LEVELS}
        for level in queryset.values_list("level", flat=True):
            counts[level] = counts.get(level, 0) + 1
        return "按GB 18218-2018辨识分级：" + "，".join(f"{lv} {n} 处" for lv, n in counts.items()) + "。"
