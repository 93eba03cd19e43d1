"""Pages of the half-year report (半年报告) and the statistics pages for leadership.

- 半年报告: the list, generating one (a form: region, year, half, 发文字号 …), a report's page showing what it says,
  its .docx and .xlsx as downloads (recorded);
- 领导统计: the charts of a region and year (ECharts, served by the app), each with a 表格 view of exactly the data
  it draws and an .xlsx export of that table."""

import json

from django import forms
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.urls import path
from django.utils import timezone
from django.views import View
from django.views.generic import DetailView, TemplateView

from yingji.core.audit import record_event
from yingji.core.downloads import file_response, secure
from yingji.core.forms import ScopedModelForm
from yingji.core.generic import ObjectFormView, ObjectListView, ScopedMixin, delete_view
from yingji.core.imports import XLSX
from yingji.core.models import AuditEntry, Region
from yingji.core.scoping import scope
from yingji.standards import divisions

from ..filtersets_reports import HalfYearReportFilterSet
from ..models import HalfYearReport
from ..services import reports as services
from ..services import reports_charts as stats
from ..services.reports_docx import numbered

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class ReportListView(ObjectListView):
    model = HalfYearReport
    title = "半年报告"
    search_fields = ["title", "number"]
    filterset_class = HalfYearReportFilterSet
    filters = [("half", "半年", HalfYearReport.HALF_CHOICES)]
    columns = [("plain_title", "报告"), ("region.name", "区划"), ("period_label", "报告期"), ("number", "发文字号"),
               ("generated_by", "生成人"), ("generated_local", "生成时间")]
    add_url_name = "planning:report_add"

    def base_queryset(self):
        return HalfYearReport.objects.select_related("region", "generated_by")

    def get_context_data(self, **kwargs):
        for report in kwargs.get("object_list") or self.object_list:
            report.plain_title = report.title.replace("\n", "")
            report.generated_local = timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")
        return super().get_context_data(**kwargs)


class ReportForm(ScopedModelForm):
    class Meta:
        model = HalfYearReport
        fields = ["region", "year", "half", "number", "title", "recipient", "authority", "signed_by", "copy_to"]
        widgets = {"title": forms.Textarea(attrs={"rows": 2})}
        help_texts = {"title": "留空按“关于××××年上半年安全生产和应急管理规划实施情况的报告”生成；换行处即标题回行处。",
                      "recipient": "留空为本级人民政府。", "authority": "留空为本级应急管理局。"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("title", "recipient", "authority"):
            self.fields[name].required = False

    def _post_clean(self):
        pass  # the service checks everything, with its own messages


def _generate(actor, instance, data):
    return services.generate(actor, data)


class ReportGenerateView(ObjectFormView):
    model = HalfYearReport
    form_class = ReportForm
    service = staticmethod(_generate)

    def get_initial(self):
        year, half = services.latest_half()
        return {**super().get_initial(), "region": self.request.user.region_id, "year": year, "half": half}

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["title"] = "生成半年报告"
        return context


class ReportDetailView(ScopedMixin, DetailView):
    model = HalfYearReport
    template_name = "planning/reports/report_detail.html"

    def base_queryset(self):
        return HalfYearReport.objects.select_related("region", "generated_by")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.object
        context.update(title=report.title.replace("\n", ""), title_lines=report.title.split("\n"),
                       sections=_numbered(report.content.get("sections", [])), opening=report.content.get("opening", ""))
        return context


def _numbered(sections: list[dict], level: int = 0) -> list[dict]:
    """The stored sections with their headings numbered as in the document (一、 （一） 1.)."""
    return [{**s, "heading": numbered(level, i) + s["title"], "subsections": _numbered(s.get("subsections", []),
                                                                                         level + 1)}
            for i, s in enumerate(sections)]


class _ReportFile(ScopedMixin, View):
    model = HalfYearReport
    kind = ""

    def get(self, request, pk):
        report = self.get_queryset().filter(pk=pk).first()
        if report is None or not getattr(report, self.kind):
            raise Http404("报告不存在或文件已缺失。")
        return file_response(request, getattr(report, self.kind), services.filename(report, self.kind),
                             about=report, content_type=DOCX if self.kind == "docx" else XLSX)


class ReportDocxView(_ReportFile):
    kind = "docx"


class ReportXlsxView(_ReportFile):
    kind = "xlsx"


ReportDeleteView = delete_view(HalfYearReport, services.delete_report, "planning:report_list")


# --- 领导统计 ------------------------------------------------------------------------------------------------------

def statistics_period(user, params) -> services.Period:
    """The region (?region=, default the user's own, which must be within the user's scope) and the year
    (?year=, default this year) of the statistics page; a bad one is a ValidationError naming it."""
    from yingji.core.api_base import int_param

    this_year = timezone.localdate().year
    year = int_param(params, "year", this_year, min_value=2000, max_value=this_year, label="年度")
    region_id = params.get("region")
    if region_id in (None, ""):
        region = getattr(user, "region", None) or Region.objects.filter(parent__isnull=True).order_by("pk").first()
        if region is None:
            raise ValidationError({"region": ["没有可统计的行政区划。"]})
    else:
        pk = int_param(params, "region", label="区划编号")
        region = scope(Region.objects.all(), user).filter(pk=pk).first()
        if region is None:
            raise ValidationError({"region": [f"区划编号 {pk} 不存在，或不在您的管辖范围内。"]})
    return services.Period(region, year, services.WHOLE_YEAR, user)


class _StatisticsMixin(LoginRequiredMixin, PermissionRequiredMixin):
    permission_required = services.VIEW_PERM


class StatisticsView(_StatisticsMixin, TemplateView):
    template_name = "planning/reports/statistics.html"

    def get(self, request, *args, **kwargs):
        try:
            period = statistics_period(request.user, request.GET)
        except ValidationError as exc:
            context = self.get_context_data(error="；".join(exc.messages), groups=[])
            return self.render_to_response(context, status=400)
        return self.render_to_response(self.get_context_data(period=period))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.setdefault("title", "领导统计")
        period = context.get("period")
        if period is None:
            return context
        charts = stats.charts(period)
        groups = [(name, [self._card(c, period) for c in charts if c.group == name]) for name in stats.GROUPS]
        home = getattr(self.request.user, "region", None)
        regions = scope(Region.objects.filter(level__in=(divisions.PROVINCE, divisions.CITY, divisions.COUNTY, divisions.TOWNSHIP))
                        .order_by("path"), self.request.user)[:200]
        this_year = timezone.localdate().year
        context.update(groups=[g for g in groups if g[1]], region=period.region, year=period.year,
                       regions=regions, home=home, years=list(range(this_year, this_year - 10, -1)))
        return context

    def _card(self, chart, period) -> dict:
        return {"chart": chart, "json": json.dumps(chart.as_json(), ensure_ascii=False), "header": chart.header(),
                "rows": chart.rows(), "export": f"?region={period.region.pk}&year={period.year}"}


class ChartExportView(_StatisticsMixin, View):
    """One chart's table as .xlsx: the same Chart the page draws, so the same rows."""

    def get(self, request, key):
        try:
            period = statistics_period(request.user, request.GET)
            chart = stats.find(stats.charts(period), key)
        except ValidationError as exc:
            return HttpResponse("；".join(exc.messages), status=400, content_type="text/plain; charset=utf-8")
        name = f"{period.region.name}{chart.title}.xlsx"
        record_event(request.user, AuditEntry.EXPORT, f"导出统计表：{chart.title}"[:255],
                     {"区划": period.region.name, "年度": period.year, "行数": len(chart.categories)}, request,
                     region=period.region)
        return secure(HttpResponse(stats.table_xlsx(chart), content_type=XLSX), name)


urlpatterns = [
    path("half-year-reports/", ReportListView.as_view(), name="report_list"),
    path("half-year-reports/add/", ReportGenerateView.as_view(), name="report_add"),
    path("half-year-reports/<int:pk>/", ReportDetailView.as_view(), name="report_detail"),
    path("half-year-reports/<int:pk>/docx/", ReportDocxView.as_view(), name="report_docx"),
    path("half-year-reports/<int:pk>/xlsx/", ReportXlsxView.as_view(), name="report_xlsx"),
    path("half-year-reports/<int:pk>/delete/", ReportDeleteView.as_view(), name="report_delete"),
    path("plan-statistics/", StatisticsView.as_view(), name="statistics"),
    path("plan-statistics/<slug:key>.xlsx", ChartExportView.as_view(), name="statistics_export"),
]

# (label, url name, permission) entries of the 规划实施 menu
NAV_ITEMS: list = [
    ("领导统计", "planning:statistics", services.VIEW_PERM),
    ("半年报告", "planning:report_list", services.VIEW_PERM),
]
