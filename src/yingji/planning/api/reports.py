"""API of the half-year report (半年报告) and the statistics pages for leadership.

`/api/planning/reports/`: list and read the generated reports (scoped), POST generates one (services.reports.
generate: the sections, the .docx and the .xlsx), DELETE removes one; `docx` and `xlsx` download its files
(recorded). `/api/planning/statistics/`: the leadership charts of a region and year as JSON — each chart with
its categories, series and the table it draws."""

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ScopedViewSetMixin
from yingji.core.downloads import file_response
from yingji.core.models import Region

from ..filtersets_reports import HalfYearReportFilterSet
from ..models import HalfYearReport
from ..services import reports as services
from ..services.reports_docx import read_text

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class HalfYearReportSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="行政区划")
    half_label = serializers.CharField(source="get_half_display", read_only=True)
    generated_by = serializers.StringRelatedField(read_only=True, allow_null=True)  # None: the demo loader
    docx_url = serializers.SerializerMethodField()
    xlsx_url = serializers.SerializerMethodField()

    class Meta:
        model = HalfYearReport
        fields = ["id", "region", "year", "half", "half_label", "number", "title", "recipient", "authority",
                  "signed_by", "copy_to", "content", "generated_by", "generated_at", "docx_url", "xlsx_url",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["content", "generated_at", "is_demo", "created_at", "updated_at"]
        extra_kwargs = {name: {"required": False, "allow_blank": True}
                        for name in ("number", "title", "recipient", "authority", "signed_by", "copy_to")}

    def get_docx_url(self, report) -> str:
        return self._url(report, "docx")

    def get_xlsx_url(self, report) -> str:
        return self._url(report, "xlsx")

    def _url(self, report, kind: str) -> str:
        from django.urls import reverse

        return reverse(f"planning-report-{kind}", args=[report.pk])


class HalfYearReportViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                            mixins.CreateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """半年报告：生成（POST）、查看、下载公文与数据表；报告不修改，需要时重新生成。"""

    queryset = HalfYearReport.objects.select_related("region", "generated_by")
    serializer_class = HalfYearReportSerializer
    filterset_class = HalfYearReportFilterSet
    search_fields = ["title", "number"]
    ordering_fields = ["year", "generated_at"]

    def perform_create(self, serializer):
        serializer.instance = services.generate(self.request.user, dict(serializer.validated_data))

    def perform_destroy(self, instance):
        services.delete_report(self.request.user, instance)

    @extend_schema(responses={(200, DOCX): bytes})
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        """报告公文（.docx，GB/T 9704-2012 格式）。"""
        report = self.get_object()
        return file_response(request, report.docx, services.filename(report, "docx"), about=report,
                             content_type=DOCX)

    @extend_schema(responses={(200, XLSX): bytes})
    @action(detail=True, methods=["get"])
    def xlsx(self, request, pk=None):
        """报告数据表（.xlsx，每部分一个工作表）。"""
        report = self.get_object()
        return file_response(request, report.xlsx, services.filename(report, "xlsx"), about=report,
                             content_type=XLSX)

    @extend_schema(responses={200: {"type": "object", "properties": {"text": {"type": "string"}}}})
    @action(detail=True, methods=["get"])
    def text(self, request, pk=None):
        """公文的文字（逐段），用于核对。"""
        report = self.get_object()
        with report.docx.open("rb") as handle:
            return Response({"text": read_text(handle.read())})


    @extend_schema(parameters=[OpenApiParameter("region", int, description="区划编号（默认本人所属区划）"),
                               OpenApiParameter("year", int, description="年度（默认今年）")],
                   responses={200: {"type": "object"}})
    @action(detail=False, methods=["get"])
    def statistics(self, request):
        """领导统计：区划一年的各图表（指标与目标、分乡镇/分月灾情、任务与项目执行），每张图附其表格。"""
        from django.core.exceptions import PermissionDenied

        from ..services import reports_charts as stats
        from ..views.reports import statistics_period

        if not request.user.has_perm(services.VIEW_PERM):
            raise PermissionDenied("您没有查看统计的权限。")
        period = statistics_period(request.user, request.query_params)
        return Response({"region": {"id": period.region.pk, "name": period.region.name}, "year": period.year,
                         "charts": [{**chart.as_json(), "group": chart.group, "note": chart.note,
                                     "table": {"header": chart.header(),
                                               "rows": [[stats._plain(v) for v in row] for row in chart.rows()]}}
                                    for chart in stats.charts(period)]})


ROUTES = [("planning/reports", HalfYearReportViewSet, "planning-report")]
