"""API of disaster-loss reports (灾情报告): events (灾害过程) with the county's aggregate and the upward report as
actions, township reports with submit / accept / return as actions. Scoped by region on the core API base: a township
reads the county's events and only its own reports."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ServiceChecked
from yingji.core.models import Region
from yingji.incidents.models import Incident

from .. import filtersets_losses as filtersets
from ..models import DisasterEvent, DisasterLossReport, LossFiling
from ..services import losses as services


class LossFilingSerializer(serializers.ModelSerializer):
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    filed_by_name = PersonNameField(source="filed_by")

    class Meta:
        model = LossFiling
        fields = ["id", "stage", "stage_label", "covers_on", "filed_at", "filed_by_name", "due_at", "late", "snapshot"]


class DisasterEventSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="受灾区划（县级）")
    incident = ScopedRelatedField(queryset=Incident.objects.all(), label="关联事件", required=False, allow_null=True)
    hazard = serializers.ChoiceField(choices=services.hazard_choices(), label="灾种")
    hazard_label = serializers.CharField(read_only=True)
    filings = LossFilingSerializer(many=True, read_only=True)

    class Meta:
        model = DisasterEvent
        fields = ["id", "name", "hazard", "hazard_label", "occurred_at", "started_on", "ended_on", "region", "incident",
                  "description", "filings", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["started_on", "is_demo", "created_at", "updated_at"]


class DisasterLossReportSerializer(serializers.ModelSerializer):
    event = ScopedRelatedField(queryset=DisasterEvent.objects.all(), label="灾害过程")
    region = ScopedRelatedField(queryset=Region.objects.all(), label="乡镇（街道）")
    stage_label = serializers.CharField(source="get_stage_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.BooleanField(read_only=True, help_text="未报送且已过时限，或迟报")
    submitted_by_name = PersonNameField(source="submitted_by")
    reviewed_by_name = PersonNameField(source="reviewed_by")

    class Meta:
        model = DisasterLossReport
        fields = ["id", "event", "region", "stage", "stage_label", "covers_on", "status", "status_label", "is_current",
                  *services.FIGURE_FIELDS, "remarks", "due_at", "overdue", "submitted_at", "submitted_by_name",
                  "late", "reviewed_at", "reviewed_by_name", "return_reason", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["status", "is_current", "due_at", "submitted_at", "late", "reviewed_at", "return_reason",
                            "is_demo", "created_at", "updated_at"]
        validators = []

    def get_fields(self):
        """Negative figures, too many decimals, 成灾 > 受灾 …: the service (check_figures) says which, in Chinese,
        naming the indicator; the fields only take numbers (areas and money as text: no float on the way)."""
        fields = super().get_fields()
        for name in services.FIGURE_FIELDS:
            if name in services.COUNT_FIELDS:
                fields[name] = serializers.IntegerField(required=False, label=fields[name].label)
            else:
                fields[name] = serializers.CharField(required=False, allow_blank=True, label=fields[name].label)
        return fields

    def to_representation(self, instance):
        data = super().to_representation(instance)
        for name in services.FIGURE_FIELDS:
            value = getattr(instance, name)
            data[name] = value if name in services.COUNT_FIELDS else f"{value:.2f}"
        return data


class LossTotalsSerializer(serializers.Serializer):
    townships = serializers.ListField(child=serializers.DictField(), help_text="每个乡镇最新一次审核通过的报告的各项指标")
    total = serializers.DictField(help_text="县级汇总：各乡镇之和（面积、金额为两位小数的文本）")
    count = serializers.IntegerField(help_text="计入汇总的乡镇数")


class ReturnSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, label="退回原因")


class FileSerializer(serializers.Serializer):
    stage = serializers.CharField(required=False, allow_blank=True, label="报送阶段（initial 初报 / followup 续报 / final 核报）")
    covers_on = serializers.DateField(required=False, allow_null=True, label="统计截至日期（续报）")


class DisasterEventViewSet(ServiceViewSet):
    queryset = DisasterEvent.objects.select_related("region", "incident").prefetch_related("filings__filed_by")
    serializer_class = DisasterEventSerializer
    filterset_class = filtersets.DisasterEventFilterSet
    search_fields = ["name", "description"]
    ordering_fields = ["occurred_at", "started_on", "id"]
    save_service = staticmethod(services.save_event)
    delete_service = staticmethod(services.delete_event)

    @extend_schema(responses=LossTotalsSerializer)
    @action(detail=True, methods=["get"])
    def totals(self, request, pk=None):
        """The county's figures: each township's accepted current report and their exact sum."""
        totals = services.aggregate(self.get_object())
        return Response({"townships": [_plain(t) for t in totals["townships"]], "total": _plain(totals["total"]),
                         "count": totals["count"]})

    @extend_schema(request=FileSerializer, responses={201: LossFilingSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def file(self, request, pk=None):
        """向上级报送 (the county): a stored snapshot of the aggregate for the stage."""
        event = self.get_object()
        body = FileSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        filing = services.file_upward(request.user, event, body.validated_data.get("stage") or "",
                                      body.validated_data.get("covers_on"))
        return Response(LossFilingSerializer(filing).data, status=201)


def _plain(row: dict) -> dict:
    return {k: (str(v) if k in services.FIGURE_FIELDS and k not in services.COUNT_FIELDS else v) for k, v in row.items()}


class DisasterLossReportViewSet(ServiceViewSet):
    queryset = DisasterLossReport.objects.select_related("event", "region", "submitted_by", "reviewed_by")
    serializer_class = DisasterLossReportSerializer
    filterset_class = filtersets.DisasterLossReportFilterSet
    search_fields = ["event__name", "region__name"]
    ordering_fields = ["due_at", "submitted_at", "id"]
    save_service = staticmethod(services.save_report)
    delete_service = staticmethod(services.delete_report)

    def _answer(self, report):
        return Response(DisasterLossReportSerializer(self.get_queryset().get(pk=report.pk),
                                                     context=self.get_serializer_context()).data)

    @extend_schema(request=None, responses=DisasterLossReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def submit(self, request, pk=None):
        """报送: 草稿/已退回 → 待审核 (marked 迟报 past the deadline)."""
        return self._answer(services.submit_report(request.user, self.get_object()))

    @extend_schema(request=None, responses=DisasterLossReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def accept(self, request, pk=None):
        """审核通过 (the county): 待审核 → 已审核; the township's current report is recomputed."""
        return self._answer(services.accept_report(request.user, self.get_object()))

    @extend_schema(request=ReturnSerializer, responses=DisasterLossReportSerializer)
    @action(detail=True, methods=["post"], url_path="return", url_name="return", permission_classes=[ServiceChecked])
    def send_back(self, request, pk=None):
        """退回 with a reason (the county): 待审核 → 已退回."""
        report = self.get_object()
        body = ReturnSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(services.return_report(request.user, report, body.validated_data.get("reason", "")))


ROUTES = [
    ("loss-events", DisasterEventViewSet, "disasterevent"),
    ("loss-reports", DisasterLossReportViewSet, "disasterlossreport"),
]
