"""Pages of plan indicators (指标) with targets, yearly denominators and computed actuals: the list (actual against
target, with the trend), an indicator's page (per year and per township, each figure linked to its records), the
records behind a figure, manual values, and the yearly denominators (entry, Excel import and export)."""

from django import forms
from django.core.exceptions import ValidationError
from django.urls import path
from django.utils import timezone
from django.views.generic import DetailView

from yingji.core.api_base import int_param
from yingji.core.forms import ScopedModelForm
from yingji.core.generic import (
    ObjectExportView,
    ObjectFormView,
    ObjectListView,
    QueryParamsPage,
    ScopedMixin,
    delete_view,
)
from yingji.core.models import Region
from yingji.core.scoping import scope

from .. import filtersets_indicators as filtersets
from ..models import ATTRIBUTE_CHOICES, FORMULA_CHOICES, Indicator, IndicatorManualValue, RegionYearStat
from ..services import denominators
from ..services import indicators as services


class _Form(ScopedModelForm):
    def _post_clean(self):  # the model's checks run in the service with the domain rules, in one answer
        pass


class IndicatorForm(_Form):
    class Meta:
        model = Indicator
        fields = ["region", "plan", "number", "code", "name", "unit", "formula", "reference_formula", "annual_average",
                  "period_start",
                  "baseline_year", "baseline_value", "target_kind", "target_value", "target_year", "attribute",
                  "responsible_units", "source"]


class ManualValueForm(_Form):
    class Meta:
        model = IndicatorManualValue
        fields = ["indicator", "year", "value", "source_note"]
        help_texts = {"source_note": "必填：统计公报、上级通报或文件文号等。手工值在各处均标为“手工填报”。"}


class YearStatForm(_Form):
    gdp_wan = forms.DecimalField(label="地区生产总值（万元）", required=False, max_digits=16, decimal_places=2,
                                 help_text="与区划页的地区生产总值为同一数据（万元）；尚未公布请留空。")

    class Meta:
        model = RegionYearStat
        fields = ["region", "year", "population", "gdp_wan", "industrial_employees", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["gdp_wan"].initial = denominators.gdp_of(self.instance.region_id, self.instance.year)


def sparkline(values, width=96, height=24) -> str:
    """Points of an inline SVG polyline for the trend (None values skipped)."""
    known = [(i, v) for i, v in enumerate(values) if v is not None]
    if len(known) < 2:
        return ""
    low, high = min(v for _, v in known), max(v for _, v in known)
    span, steps = (high - low) or 1.0, max(len(values) - 1, 1)
    return " ".join(f"{i * width / steps:.1f},{height - 2 - (v - low) * (height - 4) / span:.1f}" for i, v in known)


class IndicatorListView(ObjectListView):
    model = Indicator
    title = "规划指标"
    template_name = "planning/indicators/indicator_list.html"
    search_fields = ["name", "code", "plan", "responsible_units"]
    filterset_class = filtersets.IndicatorFilterSet
    filters = [("attribute", "指标属性", ATTRIBUTE_CHOICES), ("formula", "计算方法", FORMULA_CHOICES)]
    columns = [("name", "指标"), ("plan", "规划"), ("target_label", "目标"), ("attribute", "属性")]
    add_url_name = "planning:indicator_add"

    def base_queryset(self):
        return Indicator.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = services.compute(context["object_list"])
        context["results"] = [(r, sparkline([f.value for f in r.figures])) for r in results]
        return context


class IndicatorDetailView(ScopedMixin, DetailView):
    model = Indicator
    template_name = "planning/indicators/indicator_detail.html"

    def base_queryset(self):
        return Indicator.objects.select_related("region")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        result = services.compute([self.object], townships=True)[0]
        visible = set(scope(Region.objects.filter(parent=self.object.region), self.request.user)
                      .values_list("pk", flat=True))
        context.update(result=result, spark=sparkline([f.value for f in result.figures]),
                       townships=[(r, figures) for r, figures in result.townships if r.pk in visible],
                       manual_values=self.object.manual_values.order_by("year"),
                       formula=services.FORMULAS.get(self.object.formula))
        if context["formula"]:
            numerator, denominator, scale, unit, source = context["formula"]
            context.update(numerator_label=services.NUMERATOR_LABELS[numerator],
                           denominator_label=services.DENOMINATOR_LABELS.get(denominator, ""), formula_unit=unit)
        return context


class IndicatorRecordsView(QueryParamsPage, ScopedMixin, DetailView):
    """The records one figure was computed from: ?year= (default: the latest year shown) and ?region= (the
    indicator's region or one below it)."""

    model = Indicator
    template_name = "planning/indicators/indicator_records.html"
    title = "计算所依记录"

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        indicator = self.object
        years = services.indicator_years(indicator)
        year = int_param(self.request.GET, "year", years[-1], min_value=1949, max_value=2100, label="年份")
        region_id = int_param(self.request.GET, "region", indicator.region_id, label="区划编号")
        region = scope(Region.objects.filter(path__startswith=indicator.region.path), self.request.user) \
            .filter(pk=region_id).first()
        if region is None:
            raise ValidationError({"region": ["区划（region）不在该指标的范围内，或不在您的管辖范围内。"]})
        source, queryset = services.records(indicator, region, year)
        rows = list(scope(queryset, self.request.user)[:2000]) if queryset is not None else None
        context = super().get_context_data(**kwargs)
        context.update(indicator=indicator, year=year, region=region, source=source, records=rows,
                       loss_missing=source == "losses" and queryset is None,
                       source_missing=source is not None and queryset is None,
                       hidden=queryset.count() - scope(queryset, self.request.user).count() if rows is not None else 0,
                       figure=next((f for f in services.compute([indicator], townships=region != indicator.region)[0]
                                    .figures_of(region) if f.year == year), None), years=years)
        return context


class IndicatorFormView(ObjectFormView):
    model = Indicator
    form_class = IndicatorForm
    service = staticmethod(services.save_indicator)
    success_url_name = "planning:indicator_detail"

    def get_initial(self):
        initial = super().get_initial()
        if "pk" not in self.kwargs:
            year = timezone.localdate().year
            initial.update(region=getattr(self.request.user, "region", None), period_start=year,
                           target_year=year + 4, baseline_year=year - 1)
        return initial


class ManualValueFormView(ObjectFormView):
    model = IndicatorManualValue
    form_class = ManualValueForm
    service = staticmethod(services.save_manual_value)

    def get_initial(self):
        initial = super().get_initial()
        owner = self.request.GET.get("indicator", "")
        if owner.isascii() and owner.isdigit() and len(owner) < 10:
            initial["indicator"] = int(owner)
        return initial


class YearStatListView(ObjectListView):
    model = RegionYearStat
    title = "年度统计分母（常住人口、地区生产总值、工矿商贸就业人员）"
    filterset_class = filtersets.RegionYearStatFilterSet
    search_fields = ["region__name", "source"]
    columns = [("region.name", "区划"), ("year", "年份"), ("population", "常住人口（人）"),
               ("gdp_wan", "地区生产总值（万元）"), ("industrial_employees", "工矿商贸就业人员（人）"), ("source", "数据来源")]
    orderings = {"year": ("-year", "年份")}
    add_url_name = "planning:year_stat_add"
    export_url_name = "planning:year_stat_export"
    sheet = "region_year_stats"

    def base_queryset(self):
        return services.with_gdp(RegionYearStat.objects.select_related("region"))

    def summary(self, queryset):
        return "地区生产总值与区划页所录为同一数据。空白表示尚未公布：依赖该项的指标显示“缺少分母数据”，不作估算。演示数据标有“演示”。"


class YearStatExportView(ObjectExportView, YearStatListView):
    pass


class YearStatFormView(ObjectFormView):
    model = RegionYearStat
    form_class = YearStatForm
    service = staticmethod(services.save_year_stat)


IndicatorDeleteView = delete_view(Indicator, services.delete_indicator, "planning:indicator_list")
ManualValueDeleteView = delete_view(IndicatorManualValue, services.delete_manual_value, "planning:indicator_list")
YearStatDeleteView = delete_view(RegionYearStat, services.delete_year_stat, "planning:year_stat_list")

urlpatterns = [
    path("indicators/", IndicatorListView.as_view(), name="indicator_list"),
    path("indicators/add/", IndicatorFormView.as_view(), name="indicator_add"),
    path("indicators/<int:pk>/", IndicatorDetailView.as_view(), name="indicator_detail"),
    path("indicators/<int:pk>/edit/", IndicatorFormView.as_view(), name="indicator_edit"),
    path("indicators/<int:pk>/delete/", IndicatorDeleteView.as_view(), name="indicator_delete"),
    path("indicators/<int:pk>/records/", IndicatorRecordsView.as_view(), name="indicator_records"),
    path("indicator-values/add/", ManualValueFormView.as_view(), name="indicator_value_add"),
    path("indicator-values/<int:pk>/edit/", ManualValueFormView.as_view(), name="indicator_value_edit"),
    path("indicator-values/<int:pk>/delete/", ManualValueDeleteView.as_view(), name="indicator_value_delete"),
    path("region-year-stats/", YearStatListView.as_view(), name="year_stat_list"),
    path("region-year-stats/export.xlsx", YearStatExportView.as_view(), name="year_stat_export"),
    path("region-year-stats/add/", YearStatFormView.as_view(), name="year_stat_add"),
    path("region-year-stats/<int:pk>/edit/", YearStatFormView.as_view(), name="year_stat_edit"),
    path("region-year-stats/<int:pk>/delete/", YearStatDeleteView.as_view(), name="year_stat_delete"),
]

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = [
    ("规划指标", "planning:indicator_list", "planning.view_indicator"),
    ("年度统计分母", "planning:year_stat_list", "planning.view_regionyearstat"),
]
