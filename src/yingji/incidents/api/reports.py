"""API of information reports (首报/续报/终报): read scoped, and the content, workflow (submit, review,
issue = 签发 with "confirm": true, receive = 签收, urge = 催报), cancel and document actions, all through the
report services; `inbox` lists the reports delivered to the user's level.

Filters: ?incident=<id>, ?kind=initial|follow_up|final, ?status=due|submitted|reviewed|issued|cancelled,
?overdue=true|false.
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
from yingji.core.api_policy import ChangePermission, ServiceChecked

from .. import filtersets
from ..models import InformationReport, ReportDelivery, ReportUrge
from ..services import report_workflow as workflow
from ..services import reports as services
from ..views.reports import DOCX, docx_response


class DeliverySerializer(serializers.ModelSerializer):
    received_by_name = PersonNameField(source="received_by", empty="")
    late = serializers.SerializerMethodField()

    class Meta:
        model = ReportDelivery
        fields = ["id", "report", "to_region", "to_name", "sent_at", "receipt_due", "received_at", "received_by",
                  "received_by_name", "late"]
        read_only_fields = fields

    def get_late(self, delivery) -> bool:
        """Received after receipt_due, or not received and past it."""
        return delivery.is_late()


class UrgeSerializer(serializers.ModelSerializer):
    by_name = PersonNameField(source="by", empty="")
    by_region_name = serializers.CharField(source="by_region.name", default="", read_only=True)

    class Meta:
        model = ReportUrge
        fields = ["id", "report", "by", "by_name", "by_region", "by_region_name", "at", "message"]
        read_only_fields = fields


class ReportSerializer(serializers.ModelSerializer):
    incident_number = serializers.CharField(source="incident.number", read_only=True)
    incident_title = serializers.CharField(source="incident.title", read_only=True)
    label = serializers.CharField(source="__str__", read_only=True)
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.SerializerMethodField()
    seconds_left = serializers.SerializerMethodField()
    issued_by_name = PersonNameField(source="issued_by", empty="")
    submitted_by_name = PersonNameField(source="submitted_by", empty="")
    reviewed_by_name = PersonNameField(source="reviewed_by", empty="")
    has_document = serializers.SerializerMethodField()
    deliveries = DeliverySerializer(many=True, read_only=True)
    urges = UrgeSerializer(many=True, read_only=True)

    class Meta:
        model = InformationReport
        fields = ["id", "incident", "incident_number", "incident_title", "kind", "kind_label", "sequence", "label",
                  "status", "status_label", "trigger", "due_at", "overdue", "seconds_left", "recipient",
                  "relay_deadlines", "content", "potential_loss", "trend", "leaders", "next_steps", "copy_to",
                  "facts", "submitted_at", "submitted_by", "submitted_by_name", "reviewed_at", "reviewed_by",
                  "reviewed_by_name", "return_reason", "issued_at", "issued_by", "issued_by_name", "has_document",
                  "deliveries", "urges"]
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


class ReportSubmitSerializer(serializers.Serializer):
    content = serializers.JSONField(label="报告内容", required=False,
                                    help_text="提交前的最后修改（可省略：按已保存或自动生成的内容提交）")


class ReviewSerializer(serializers.Serializer):
    decision = serializers.ChoiceField(label="审核结论", choices=[("pass", "审核通过"), ("return", "退回修改")])
    reason = serializers.CharField(label="退回原因", max_length=200, required=False, allow_blank=True)


class SignSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(label="确认签发", required=False, default=False,
                                       help_text="签发后即报送上级、不能撤回：须为 true")


class UrgeBodySerializer(serializers.Serializer):
    message = serializers.CharField(label="催报内容", max_length=255, required=False, allow_blank=True)


class CancelSerializer(serializers.Serializer):
    reason = serializers.CharField(label="取消原因", max_length=200)


def _content_body(report, user) -> dict:
    return {"id": report.pk, "label": str(report), "status": report.status, "saved": bool(report.content),
            "editable": report.status == InformationReport.DUE,
            "labels": services.CONTENT_LABELS, "content": services.current_content(report, user)}


class ReportViewSet(ScopedLedgerViewSet):
    """信息报告: due ones are listed soonest first. Reports are created by the incident services
    (接报, changes, status); here they are edited (`content`), issued, cancelled and downloaded."""

    queryset = (InformationReport.objects.select_related("incident", "issued_by", "submitted_by", "reviewed_by")
                .prefetch_related("deliveries__received_by", "urges__by", "urges__by_region"))
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

    def _answer(self, report):
        report = self.get_queryset().get(pk=report.pk)
        return Response(ReportSerializer(report, context=self.get_serializer_context()).data)

    @extend_schema(request=ReportSubmitSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def submit(self, request, pk=None):
        """提交审核 (with any last edits): the draft must be complete."""
        report = self.get_object()
        body = ReportSubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(workflow.submit_report(request.user, report, body.validated_data.get("content")))

    @extend_schema(request=ReviewSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def review(self, request, pk=None):
        """审核: {"decision": "pass"} or {"decision": "return", "reason": "…"}; the reviewer is not the drafter."""
        report = self.get_object()
        body = ReviewSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        return self._answer(workflow.review_report(request.user, report, data["decision"] == "pass",
                                                   data.get("reason", "")))

    @extend_schema(request=SignSerializer, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def issue(self, request, pk=None):
        """签发: {"confirm": true} issues the reviewed report (frozen, .docx) and delivers it to the next level
        up; without it a 400. Refused before the 首报 has gone, and to users who may not sign."""
        report = self.get_object()
        body = SignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        return self._answer(workflow.sign_report(request.user, report, confirm=body.validated_data["confirm"]))

    @extend_schema(request=None, responses=ReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def receive(self, request, pk=None):
        """签收 the report's delivery to the user's level (the time is recorded; late when past receipt_due)."""
        report = self.get_object()
        delivery = report.deliveries.filter(to_region=request.user.region_id, received_at__isnull=True).first()
        if delivery is None:
            raise NotFound(f"{report}没有待本单位签收的送达记录。")
        workflow.receive_delivery(request.user, delivery)
        return self._answer(report)

    @extend_schema(request=UrgeBodySerializer, responses=UrgeSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def urge(self, request, pk=None):
        """催报 from a level above the issuing bureau, on a report not yet issued."""
        report = self.get_object()
        body = UrgeBodySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        urge = workflow.urge_report(request.user, report, body.validated_data.get("message", ""))
        return Response(UrgeSerializer(urge).data, status=201)

    @extend_schema(responses=DeliverySerializer(many=True))
    @action(detail=False, methods=["get"])
    def inbox(self, request):
        """报告签收: deliveries to the user's level, those still to 签收 first (?waiting=true: only those)."""
        qs = workflow.inbox(request.user)
        if request.query_params.get("waiting") in ("true", "1"):
            qs = qs.filter(received_at__isnull=True)
        page = self.paginate_queryset(qs)
        return self.get_paginated_response(DeliverySerializer(page, many=True).data)

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
