"""API of information reports (首报/续报/终报): read scoped, and the content, issue, cancel and document
actions, all through the report services.

Filters: ?incident=<id>, ?kind=initial|follow_up|final, ?status=due|issued|cancelled, ?overdue=true|false.
"""

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from yingji.core.api_base import ScopedLedgerViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission

from .. import filtersets
from ..models import InformationReport
from ..services import reports as services
from ..views.reports import DOCX, docx_response


class ReportSerializer(serializers.ModelSerializer):
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    issued_by_name = PersonNameField(source="issued_by", empty="")
    has_document = serializers.SerializerMethodField()

    class Meta:
        model = InformationReport
        fields = ["id", "incident", "incident_number", "incident_title", "kind", "kind_label", "sequence", "label",
                  "status", "status_label", "trigger", "due_at", "overdue", "seconds_left", "recipient",
                  "relay_deadlines", "content", "potential_loss", "trend", "leaders", "next_steps", "copy_to",
                  "facts", "issued_at", "issued_by", "issued_by_name", "has_document"]
        read_only_fields = fields

    def _now(self):
        return self.context.setdefault("now", timezone.now())

    def get_overdue(self, report) -> bool:
        return services.countdown(report, self._now())["overdue"]

    def get_seconds_left(self, report) -> int | None:
        """Seconds until due (negative once overdue); null when issued or cancelled."""
        return services.countdown(report, self._now())["seconds"]

    def get_has_document(self, report) -> bool:
        return bool(report.document)


class ContentSerializer(serializers.Serializer):
    content = serializers.JSONField(label="报告内容",
                                    help_text="报告各部分（第十二条各项及发展趋势、领导到位、下一步建议、抄送）："
                                    + "、".join(f"{k}（{v}）" for k, v in services.CONTENT_LABELS.items()))


class IssueSerializer(serializers.Serializer):
    content = serializers.JSONField(label="报告内容", required=False,
                                    help_text="报送前的最后修改（可省略：按已保存或自动生成的内容报送）")


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(label="取消原因", max_length=200)


def _content_body(report, user) -> dict:
    return {"id": report.pk, "label": str(report), "status": report.status, "saved": bool(report.content),
            "editable": report.status == InformationReport.DUE,
            "labels": services.CONTENT_LABELS, "content": services.current_content(report, user)}


class ReportViewSet(ScopedLedgerViewSet):
    """信息报告: due ones are listed soonest first. Reports are created by the incident services
    (接报, changes, status); here they are edited (`content`), issued, cancelled and downloaded."""

    queryset = InformationReport.objects.select_related("incident", "issued_by")
    serializer_class = ReportSerializer
    filterset_class = filtersets.InformationReportFilterSet
    ordering_fields = ["due_at", "issued_at", "id"]
    ordering = ["due_at", "id"]
    search_fields = ["incident__number", "incident__title", "trigger", "recipient"]

    def get_queryset(self):
        return services.with_overdue(super().get_queryset()).order_by("due_at", "id")

    @extend_schema(methods=["GET"], responses=OpenApiTypes.OBJECT)
    @extend_schema(methods=["PUT"], request=ContentSerializer, responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get", "put"])
    def content(self, request, pk=None):
        """GET: the content (saved, or pre-filled from the incident); PUT {"content": {...}}: save edits
        of a due report (items not given keep their text). Issued reports cannot change."""
        report = self.get_object()
        if request.method == "PUT":
            body = ContentSerializer(data=request.data)
            body.is_valid(raise_exception=True)
            report = services.save_content(request.user, report, body.validated_data["content"])
        return Response(_content_body(report, request.user))

    @extend_schema(request=IssueSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def issue(self, request, pk=None):
        """签发报送: freeze the content, store the .docx; refused before the 首报 has gone."""
        report = self.get_object()
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.issue_report(request.user, report, body.validated_data.get("content"))
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(request=CancelSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def cancel(self, request, pk=None):
        report = self.get_object()
        body = CancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.cancel_report(request.user, report, body.validated_data["reason"])
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(responses={(200, DOCX): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def document(self, request, pk=None):
        """The .docx as issued."""
        report = self.get_object()
        if not report.document:
            raise NotFound("该报告尚未报送，没有报告文件。")
        return docx_response(report.document.open("rb"), services.document_filename(report), as_file=True)


routes = [("incident-reports", ReportViewSet, "informationreport")]
