"""Pages of risk points (风险点) in four colours and the bands a bureau sets."""

from django.views.generic import DetailView

from yingji.core.generic import ObjectFormView, ObjectListView, ScopedMixin, delete_view

from .. import filtersets, services
from ..forms import RiskPointForm, RiskSchemeForm
from ..models import COLOUR_CHOICES, METHOD_CHOICES, RiskPoint, RiskScheme
from ..services import risks


class RiskPointListView(ObjectListView):
    model = RiskPoint
    title = "风险点（四色分级）"
    search_fields = ["name", "hazards", "enterprise__name"]
    filterset_class = filtersets.RiskPointFilterSet
    filters = [("colour", "颜色", COLOUR_CHOICES), ("method", "评价方法", METHOD_CHOICES)]
    columns = [("name", "风险点"), ("enterprise.name", "企业"), ("region.name", "所属区划"), ("level", "风险等级"),
               ("colour", "颜色"), ("score", "风险值"), ("control_level", "管控层级")]
    orderings = {"grade": ("grade", "风险等级"), "name": "name", "score": ("-score", "风险值")}
    add_url_name = "safety:risk_point_add"

    def base_queryset(self):
        return RiskPoint.objects.select_related("region", "enterprise")

    def summary(self, queryset):
        counts = dict.fromkeys(("红", "橙", "黄", "蓝"), 0)
        for colour in queryset.values_list("colour", flat=True):
            counts[colour] += 1
        return "，".join(f"{c} {n} 处" for c, n in counts.items()) + "。"


class RiskPointDetailView(ScopedMixin, DetailView):
    model = RiskPoint
    template_name = "safety/risk_point_detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        scheme = risks.scheme_for(self.object.region, self.object.method)
        context.update(scheme=scheme, bands=risks.bands_of(scheme, self.object.method))
        return context


class RiskPointFormView(ObjectFormView):
    model = RiskPoint
    form_class = RiskPointForm
    service = staticmethod(services.save_risk_point)
    success_url_name = "safety:risk_point_detail"

    def get_initial(self):
        initial = super().get_initial()
        owner = self.request.GET.get("enterprise", "")
        if owner.isascii() and owner.isdigit() and len(owner) < 10:
            initial["enterprise"] = int(owner)
        return initial


class RiskSchemeListView(ObjectListView):
    model = RiskScheme
    title = "风险分级标准"
    filterset_class = filtersets.RiskSchemeFilterSet
    columns = [("region.name", "适用区划"), ("method", "评价方法"), ("notes", "依据")]
    add_url_name = "safety:risk_scheme_add"

    def base_queryset(self):
        return RiskScheme.objects.select_related("region")


class RiskSchemeFormView(ObjectFormView):
    model = RiskScheme
    form_class = RiskSchemeForm
    service = staticmethod(services.save_risk_scheme)
    success_url_name = "safety:risk_scheme_edit"


RiskPointDeleteView = delete_view(RiskPoint, services.delete_risk_point, "safety:risk_point_list")
RiskSchemeDeleteView = delete_view(RiskScheme, services.delete_risk_scheme, "safety:risk_scheme_list")
