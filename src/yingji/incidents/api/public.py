"""API of public reports: the duty inbox (scoped list and detail, verify / merge / reject), the photo
through the same scope, and the no-login submission with the same rate limit as the /report/ page."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, parsers, permissions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedReadOnlyViewSet, ScopedRelatedField
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission
from yingji.core.downloads import file_response
from yingji.core.errors import error_body
from yingji.core.models import Region

from .. import filtersets
from ..models import Incident, PublicReport
from ..services import public as services
from ..views.public import client_ip, public_upload_limit


class PublicReportSerializer(serializers.ModelSerializer):
    reference = serializers.SerializerMethodField(label="上报编号")
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True, default=None)
    incident_number = serializers.CharField(source="incident.number", read_only=True, default=None)
    handled_by_name = PersonNameField(source="handled_by", empty=None)
    has_photo = serializers.SerializerMethodField(label="有照片")

    class Meta:
        model = PublicReport
        fields = ["id", "reference", "phone", "name", "description", "longitude", "latitude", "address", "region",
                  "region_name", "has_photo", "ip", "created_at", "status", "status_label", "reject_reason",
                  "incident", "incident_number", "handled_by", "handled_by_name", "handled_at"]
        read_only_fields = fields

    def get_reference(self, report) -> str:
        return services.reference(report)

    def get_has_photo(self, report) -> bool:
        return bool(report.photo)


class VerifySerializer(serializers.Serializer):
    title = serializers.CharField(required=False, allow_blank=True, max_length=128, label="事件名称")
    event_code = serializers.CharField(required=False, allow_blank=True, max_length=5, label="事件类型代码")
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, allow_null=True, label="发生地区划")
    description = serializers.CharField(required=False, allow_blank=True, label="事件描述")
    address = serializers.CharField(required=False, allow_blank=True, max_length=255, label="地址")
    longitude = serializers.FloatField(required=False, allow_null=True, label="经度")
    latitude = serializers.FloatField(required=False, allow_null=True, label="纬度")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, label="发生时间")
    reporter_name = serializers.CharField(required=False, allow_blank=True, max_length=64, label="报告人")
    merge_into = ScopedRelatedField(queryset=Incident.objects.all(), required=False, allow_null=True,
                                    label="并入事件")
    note = serializers.CharField(required=False, allow_blank=True, max_length=255, label="说明")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=255, label="驳回原因")


class IncidentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Incident
        fields = ["id", "number", "title", "status", "source", "duty_officer"]


class PublicReportViewSet(ScopedReadOnlyViewSet):
    """The duty inbox: public reports in the user's region and below (reports without a region for the
    county and above), pending first. Filters: status, incident, region."""

    queryset = PublicReport.objects.all()
    serializer_class = PublicReportSerializer
    filterset_class = filtersets.PublicReportFilterSet
    search_fields = ["description", "address", "phone", "name"]
    ordering_fields = ["created_at", "status"]

    def scope_queryset(self, queryset):
        return services.inbox(self.request.user)  # scoped, plus the unlocated reports for the county and above

    @extend_schema(request=VerifySerializer, responses=IncidentRefSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def verify(self, request, pk=None):
        """核实: open an incident (source 公众上报, you as its duty officer), or with merge_into add the
        report to an open incident's timeline."""
        report = self.get_object()
        body = VerifySerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        data = {k: v for k, v in body.validated_data.items()
                if v is not None or k not in ("region", "occurred_at", "merge_into")}
        incident = services.verify_public_report(request.user, report, data)
        return Response(IncidentRefSerializer(incident).data, status=status.HTTP_201_CREATED
                        if not data.get("merge_into") else status.HTTP_200_OK)

    @extend_schema(request=RejectSerializer, responses=PublicReportSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def reject(self, request, pk=None):
        """驳回 with a reason (required)."""
        report = self.get_object()
        body = RejectSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        report = services.reject_public_report(request.user, report, body.validated_data["reason"])
        return Response(PublicReportSerializer(report).data)

    @extend_schema(responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"])
    def photo(self, request, pk=None):
        """The photo, only for those who may see the report (uploads are never a public folder)."""
        from django.http import Http404

        report = self.get_object()
        if not report.photo:
            raise Http404
        return file_response(request, report.photo, about=report, inline_images=True)


class SubmitSerializer(serializers.Serializer):
    phone = serializers.CharField(required=False, allow_blank=True, max_length=32, label="联系电话")
    name = serializers.CharField(required=False, allow_blank=True, max_length=32, label="称呼")
    description = serializers.CharField(required=False, allow_blank=True, label="情况描述")
    longitude = serializers.FloatField(required=False, allow_null=True, label="经度")
    latitude = serializers.FloatField(required=False, allow_null=True, label="纬度")
    address = serializers.CharField(required=False, allow_blank=True, max_length=255, label="地址")
    photo = serializers.FileField(required=False, allow_null=True, label="现场照片")


class SubmitResultSerializer(serializers.Serializer):
    reference = serializers.CharField(label="上报编号")
    status = serializers.CharField(label="状态")


class PublicSubmitViewSet(viewsets.ViewSet):
    """No login: the same submission as the /report/ page, with the same per-IP and per-phone hourly
    limit (429 when exceeded). Multipart for a photo, or JSON without one."""

    scoping_public = "公众上报入口：只能提交，不返回任何已有记录。"

    authentication_classes = []  # anonymous by design: no session, so no CSRF to check
    permission_classes = [permissions.AllowAny]
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @extend_schema(request=SubmitSerializer, responses={201: SubmitResultSerializer})
    @public_upload_limit  # refused unread over the cap, counted toward the hourly limit
    def create(self, request):
        if services.body_too_large(request.META.get("CONTENT_LENGTH")):
            return Response(error_body("too_large", f"提交的内容过大：照片不能超过 {settings.MAX_UPLOAD_MB} MB。"),
                            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)
        body = SubmitSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = dict(body.validated_data)
        photo = data.pop("photo", None)
        try:
            report = services.submit_public_report(data, photo, client_ip(request))
        except services.RateLimited as exc:
            raise exceptions.Throttled(detail="；".join(exc.messages)) from None
        return Response({"reference": services.reference(report), "status": report.status},
                        status=status.HTTP_201_CREATED)


routes = [
    ("public-reports", PublicReportViewSet, "publicreport"),
    ("public-submissions", PublicSubmitViewSet, "publicsubmission"),
]
