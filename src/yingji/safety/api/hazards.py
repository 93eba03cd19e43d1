"""API of the hazard (隐患) closed loop: hazards (scoped by region and, for an enterprise account, by its own
enterprise) with the steps of the loop as actions, the 督办 notice, photos, statistics and the one-map layer."""


from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ServiceChecked
from yingji.core.downloads import file_response
from yingji.core.layers import LayerActionMixin, url_maker
from yingji.core.models import Region
from yingji.core.schema import rows

from .. import filtersets
from ..models import Enterprise, Hazard, HazardSupervision, HazardUpdate
from ..services import hazard_notice
from ..services import hazards as services

DOCX = hazard_notice.DOCX


class HazardUpdateSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = PersonNameField(source="actor")
    has_photo = serializers.SerializerMethodField()

    class Meta:
        model = HazardUpdate
        fields = ["id", "time", "kind", "kind_label", "text", "actor_name", "has_photo"]

    def get_has_photo(self, update) -> bool:
        return bool(update.photo)


class HazardSupervisionSerializer(serializers.ModelSerializer):
    level_label = serializers.CharField(source="get_level_display", read_only=True)
    listed_by_name = PersonNameField(source="listed_by")

    class Meta:
        model = HazardSupervision
        fields = ["id", "level", "level_label", "number", "authority", "deadline", "requirements", "listed_on",
                  "listed_by_name", "closed_on"]


class HazardSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="企业", required=False, allow_null=True)
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划", required=False)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    grade_label = serializers.CharField(source="get_grade_display", read_only=True)
    source_label = serializers.CharField(source="get_source_display", read_only=True)
    overdue = serializers.BooleanField(read_only=True, help_text="未销号且已过整改期限")
    supervised = serializers.SerializerMethodField(help_text="挂牌督办中")
    supervisions = HazardSupervisionSerializer(many=True, read_only=True)
    updates = HazardUpdateSerializer(many=True, read_only=True)
    has_photo_before = serializers.SerializerMethodField()
    has_photo_after = serializers.SerializerMethodField()

    class Meta:
        model = Hazard
        fields = ["id", "enterprise", "region", "title", "description", "location", "longitude", "latitude",
                  "source", "source_label", "found_on", "found_by", "grade", "grade_label", "criterion",
                  "criterion_basis", "status", "status_label", "measures", "funds_wan", "responsible",
                  "responsible_phone", "deadline", "overdue", "rectified_on", "closed_on", "supervised",
                  "supervisions", "has_photo_before", "has_photo_after", "updates", "is_demo", "created_at",
                  "updated_at"]
        read_only_fields = ["status", "measures", "funds_wan", "responsible", "responsible_phone", "rectified_on",
                            "closed_on", "is_demo", "created_at", "updated_at"]
        validators = []

    def get_supervised(self, hazard) -> bool:
        return hazard.open_supervision is not None

    def get_has_photo_before(self, hazard) -> bool:
        return bool(hazard.photo_before)

    def get_has_photo_after(self, hazard) -> bool:
        return bool(hazard.photo_after)

    def validate(self, attrs):
        enterprise = attrs.get("enterprise")
        if enterprise is not None and not attrs.get("region"):
            attrs["region"] = enterprise.region  # an enterprise's hazard lies where the enterprise is
        return attrs


class RectificationPlanSerializer(serializers.Serializer):
    measures = serializers.CharField(required=False, allow_blank=True, label="整改措施")
    funds_wan = serializers.CharField(required=False, allow_blank=True, allow_null=True, label="整改资金（万元）")
    responsible = serializers.CharField(required=False, allow_blank=True, label="整改责任人")
    responsible_phone = serializers.CharField(required=False, allow_blank=True, label="责任人电话")
    deadline = serializers.CharField(required=False, allow_blank=True, label="整改期限（YYYY-MM-DD）")


class StepSerializer(serializers.Serializer):
    text = serializers.CharField(required=False, allow_blank=True, label="说明")
    photo = serializers.FileField(required=False, allow_null=True, label="照片")
    rectified_on = serializers.CharField(required=False, allow_blank=True, label="整改完成日期（整改完成时）")


class HazardRejectSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, label="验收不通过的原因")


class SuperviseSerializer(serializers.Serializer):
    level = serializers.CharField(required=False, allow_blank=True, label="督办层级（county 县级 / city 市级）")
    number = serializers.CharField(required=False, allow_blank=True, label="督办文号")
    deadline = serializers.CharField(required=False, allow_blank=True, label="督办整改期限")
    authority = serializers.CharField(required=False, allow_blank=True, label="督办单位")
    requirements = serializers.CharField(required=False, allow_blank=True, label="督办要求")


_hazard_url = url_maker("safety:hazard_detail")
_GRADES, _STATUSES = dict(Hazard.GRADE_CHOICES), dict(Hazard.STATUS_CHOICES)


def hazard_properties(hazard: Hazard) -> dict:
    """One-map popup: coloured by 重大/一般, overdue ones in their own colour."""
    state = "overdue" if hazard.overdue else hazard.grade
    return {"name": hazard.title, "state": state, "grade_label": _GRADES[hazard.grade],
            "status_label": _STATUSES[hazard.status] + ("·已逾期" if hazard.overdue else ""),
            "place": hazard.enterprise.name if hazard.enterprise_id else "公共场所",
            "deadline": f"{hazard.deadline:%Y-%m-%d}" if hazard.deadline else "", "url": _hazard_url(hazard.pk)}


class HazardViewSet(LayerActionMixin, ServiceViewSet):
    queryset = (Hazard.objects.select_related("enterprise", "region")
                .prefetch_related("supervisions__listed_by", "updates__actor"))
    serializer_class = HazardSerializer
    filterset_class = filtersets.HazardFilterSet
    search_fields = ["title", "location", "enterprise__name"]
    ordering_fields = ["found_on", "deadline", "id"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    save_service = staticmethod(services.save_hazard)
    delete_service = staticmethod(services.delete_hazard)
    layer_properties = staticmethod(hazard_properties)

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "layer":  # the popup reads the enterprise's name: neither the log nor the listings
            queryset = queryset.select_related(None).select_related("enterprise").prefetch_related(None)
        return queryset

    def _step(self, service, body_class, *names, **fixed):
        hazard = self.get_object()  # first: another township's hazard is a 404, whatever the body
        body = body_class(data=self.request.data)
        body.is_valid(raise_exception=True)
        values = [body.validated_data.get(name) for name in names]
        hazard = service(self.request.user, hazard, *values, **fixed)
        return Response(HazardSerializer(self.get_queryset().get(pk=hazard.pk),
                                         context=self.get_serializer_context()).data)

    @extend_schema(request=RectificationPlanSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def plan(self, request, pk=None):
        """整改方案 (measures, funds 万元, responsible person and phone, deadline): 待整改 → 整改中."""
        hazard = self.get_object()
        body = RectificationPlanSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard = services.submit_plan(request.user, hazard, body.validated_data)
        return Response(HazardSerializer(self.get_queryset().get(pk=hazard.pk),
                                         context=self.get_serializer_context()).data)

    @extend_schema(request=StepSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def progress(self, request, pk=None):
        """整改进展 while rectifying (text, optional photo as multipart)."""
        return self._step(services.report_progress, StepSerializer, "text", "photo")

    @extend_schema(request=StepSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def rectified(self, request, pk=None):
        """整改完成 with notes and the photo after: 整改中 → 待验收."""
        return self._step(services.report_rectified, StepSerializer, "text", "photo", "rectified_on")

    @extend_schema(request=StepSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def accept(self, request, pk=None):
        """复查验收通过 → 已销号 (an open 挂牌督办 is closed with it). Inspectors only."""
        return self._step(services.accept, StepSerializer, "text")

    @extend_schema(request=HazardRejectSerializer, responses=HazardSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def reject(self, request, pk=None):
        """验收不通过 (reason required) → back to 整改中. Inspectors only."""
        return self._step(services.reject, HazardRejectSerializer, "reason")

    @extend_schema(request=SuperviseSerializer, responses={201: HazardSupervisionSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def supervise(self, request, pk=None):
        """挂牌督办 of a 重大事故隐患 by the county or the city (level, notice number, deadline)."""
        hazard = self.get_object()
        body = SuperviseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        listing = services.supervise(request.user, hazard, body.validated_data)
        return Response(HazardSupervisionSerializer(listing).data, status=201)

    @extend_schema(responses={(200, DOCX): bytes})
    @action(detail=True, methods=["get"])
    def notice(self, request, pk=None):
        """The 督办通知书 (.docx) of the hazard's latest 挂牌督办."""
        return hazard_notice.download(request, self.get_object())

    @extend_schema(parameters=[OpenApiParameter("which", str, description="before 整改前 / after 整改后")],
                   responses={(200, "image/*"): bytes})
    @action(detail=True, methods=["get"])
    def photo(self, request, pk=None):
        """The photo before (?which=before, default) or after rectification."""
        hazard = self.get_object()
        stored = hazard.photo_after if request.query_params.get("which") == "after" else hazard.photo_before
        if not stored:
            raise Http404("没有照片。")
        return file_response(request, stored, about=hazard, inline_images=True)

    @extend_schema(parameters=[OpenApiParameter("by", str, description="region 区划 / industry 行业 / grade 等级 / "
                                                                         "month 月份")],
                   responses=rows("HazardStatistics", key=serializers.CharField(
                       help_text="区划编号、行业代码、等级代码或年月（YYYY-MM）"), label=serializers.CharField(),
                                  found=serializers.IntegerField(help_text="发现数"),
                                  closed=serializers.IntegerField(help_text="整改数（已销号）"),
                                  rate=serializers.FloatField(allow_null=True, help_text="整改率（%）"),
                                  overdue=serializers.IntegerField(help_text="逾期数")))
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """发现数, 整改数, 整改率 and 逾期数 by one dimension, over the filtered, scoped hazards. By region the rows
        are the areas right below ?region= (default: the user's region), a village's hazards counted for its
        township; the hazards registered on that region itself are the row of its own named “…本级”."""
        hazards = self.filter_queryset(self.get_queryset())
        root = services.statistics_root(request.user, request.query_params.get("region"))
        return Response(services.statistics(hazards, request.query_params.get("by", "region"), root=root))
