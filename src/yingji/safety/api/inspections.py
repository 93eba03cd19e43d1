"""API of inspections and enforcement (执法检查): plans, the inspector pool, 双随机 draws (POST runs one; `verify`
redoes it from its seed), inspections with their checklist results and failed items turned into hazards, 执法文书
(with the .docx), penalties and the 失信 list. Reads are region- and enterprise-scoped; writes go through the
services."""


from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedLedgerViewSet, ScopedRelatedField, ServiceViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ServiceChecked
from yingji.core.models import Region, User

from .. import filtersets
from ..models import (
    CreditListing,
    Draw,
    DrawAssignment,
    EnforcementDocument,
    Enterprise,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)
from ..services import enforcement_docx
from ..services import inspections as services
from .hazards import HazardSerializer


class InspectionPlanSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="执法部门（区划）")
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = InspectionPlan
        fields = ["id", "region", "year", "title", "quotas", "status", "status_label", "published_on", "notes",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["status", "published_on", "is_demo", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"title": {"required": False, "allow_blank": True},
                        "quotas": {"help_text": "{监管类别: {\"key\": 重点检查家次, \"general\": 一般检查家次}}"}}


class InspectionPlanViewSet(ServiceViewSet):
    queryset = InspectionPlan.objects.select_related("region")
    serializer_class = InspectionPlanSerializer
    filterset_class = filtersets.InspectionPlanFilterSet
    search_fields = ["title"]
    ordering_fields = ["year"]
    save_service = staticmethod(services.save_plan)
    delete_service = staticmethod(services.delete_plan)

    @extend_schema(request=None, responses=InspectionPlanSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def publish(self, request, pk=None):
        """发布计划 (草拟 → 已发布): only a published plan can be drawn from."""
        plan = services.publish_plan(request.user, self.get_object())
        return Response(InspectionPlanSerializer(plan, context=self.get_serializer_context()).data)


class InspectorSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="执法部门（区划）")
    user = ScopedRelatedField(queryset=User.objects.all(), label="系统账号", required=False, allow_null=True)
    conflicts = ScopedRelatedField(queryset=Enterprise.objects.all(), many=True, required=False, label="回避企业")

    class Meta:
        model = Inspector
        fields = ["id", "region", "user", "name", "badge_number", "title", "active", "conflicts", "conflict_note",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"badge_number": {"validators": []}}


class InspectorViewSet(ServiceViewSet):
    queryset = Inspector.objects.select_related("region").prefetch_related("conflicts")
    serializer_class = InspectorSerializer
    filterset_class = filtersets.InspectorFilterSet
    search_fields = ["name", "badge_number"]
    save_service = staticmethod(services.save_inspector)
    delete_service = staticmethod(services.delete_inspector)


class DrawAssignmentSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    inspectors = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    inspector_names = serializers.SerializerMethodField()

    class Meta:
        model = DrawAssignment
        fields = ["id", "position", "enterprise", "enterprise_name", "inspectors", "inspector_names"]

    def get_inspector_names(self, row) -> list[str]:
        return [f"{i.name}（{i.badge_number}）" for i in row.inspectors.all()]


class DrawSerializer(serializers.ModelSerializer):
    plan = ScopedRelatedField(queryset=InspectionPlan.objects.all(), label="检查计划")
    pool_region = ScopedRelatedField(queryset=Region.objects.all(), label="抽取范围：区划", required=False)
    categories = serializers.ListField(child=serializers.CharField(), label="抽取范围：监管类别")
    seed = serializers.CharField(required=False, allow_blank=True, max_length=20, label="随机种子（留空自动生成）")
    title = serializers.CharField(required=False, allow_blank=True, max_length=128, label="名称（留空自动命名）")
    enterprise_count = serializers.IntegerField(label="抽取企业数")
    inspectors_per_enterprise = serializers.IntegerField(required=False, label="每家执法人员数（≥2）")
    drawn_by_name = PersonNameField(source="drawn_by")
    assignments = DrawAssignmentSerializer(many=True, read_only=True)

    class Meta:
        model = Draw
        fields = ["id", "plan", "title", "kind", "categories", "pool_region", "enterprise_count",
                  "inspectors_per_enterprise", "seed", "drawn_at", "drawn_by_name", "enterprise_pool",
                  "inspector_pool", "exclusions", "assignments", "is_demo"]
        read_only_fields = ["drawn_at", "enterprise_pool", "inspector_pool", "exclusions", "is_demo"]
        validators = []


class DrawVerifySerializer(serializers.Serializer):
    matches = serializers.BooleanField(help_text="按公开的名录、回避与种子重算的结果与公布的结果相同")
    error = serializers.CharField(allow_blank=True)
    pools_unchanged = serializers.BooleanField(required=False, help_text="当前名录与抽取时相同")
    expected = serializers.ListField(child=serializers.DictField())
    stored = serializers.ListField(child=serializers.DictField())


class DrawViewSet(ScopedLedgerViewSet):
    """Draws are published records: created (drawn) once, never changed or deleted."""

    queryset = (Draw.objects.select_related("plan__region", "drawn_by")
                .prefetch_related("assignments__enterprise", "assignments__inspectors"))
    serializer_class = DrawSerializer
    filterset_class = filtersets.DrawFilterSet
    search_fields = ["title", "seed"]
    ordering_fields = ["drawn_at"]

    def create(self, request, *args, **kwargs):
        """Run a 双随机 draw (plan, kind, categories, pool_region, enterprise_count, inspectors_per_enterprise,
        seed): all rows written and published, or a 400 naming the field and nothing written."""
        body = DrawSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        draw = services.run_draw(request.user, dict(body.validated_data))
        return Response(DrawSerializer(self.get_queryset().get(pk=draw.pk) if self.get_queryset().filter(
            pk=draw.pk).exists() else draw, context=self.get_serializer_context()).data, status=201)

    @extend_schema(request=None, responses=DrawVerifySerializer)
    @action(detail=True, methods=["get"])
    def verify(self, request, pk=None):
        """Redo the draw from its published pools, exclusions and seed, and say whether it matches."""
        return Response(services.verify_draw(self.get_object()))


class EnforcementInspectionSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="被检查企业")
    assignment = ScopedRelatedField(queryset=DrawAssignment.objects.all(), label="双随机抽取结果", required=False,
                                    allow_null=True)
    inspectors = ScopedRelatedField(queryset=Inspector.objects.all(), many=True, label="执法人员（≥2）")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    checklist = serializers.CharField(required=False, allow_blank=True, label="检查表（留空按监管类别）")

    class Meta:
        model = Inspection
        fields = ["id", "enterprise", "assignment", "kind", "kind_label", "inspectors", "inspected_on", "checklist",
                  "results", "conclusion", "status", "status_label", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["results", "status", "is_demo", "created_at", "updated_at"]
        validators = []


class InspectionResultsSerializer(serializers.Serializer):
    results = serializers.DictField(child=serializers.DictField(), required=False,
                                    label="{条目: {\"result\": pass|fail|na, \"note\": 问题}}")
    conclusion = serializers.CharField(required=False, allow_blank=True, allow_null=True, label="检查结论")
    complete = serializers.BooleanField(required=False, default=False, label="检查完成")


class InspectionFindingSerializer(serializers.Serializer):
    code = serializers.CharField(label="检查表条目（不符合项）")
    title = serializers.CharField(required=False, allow_blank=True, label="隐患名称（留空取问题描述）")
    grade = serializers.CharField(required=False, allow_blank=True, label="隐患等级 general / major")
    criterion = serializers.CharField(required=False, allow_blank=True, label="判定标准条款")
    criterion_basis = serializers.CharField(required=False, allow_blank=True, label="判定依据")
    deadline = serializers.DateField(required=False, allow_null=True, label="整改期限")


class InspectionViewSet(ServiceViewSet):
    queryset = Inspection.objects.select_related("enterprise").prefetch_related("inspectors")
    serializer_class = EnforcementInspectionSerializer
    filterset_class = filtersets.InspectionFilterSet
    search_fields = ["enterprise__name", "conclusion"]
    ordering_fields = ["inspected_on"]
    save_service = staticmethod(services.save_inspection)
    delete_service = staticmethod(services.delete_inspection)

    @extend_schema(request=InspectionResultsSerializer, responses=EnforcementInspectionSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def results(self, request, pk=None):
        """Record checklist results (and complete the inspection with `complete`: every item answered)."""
        inspection = self.get_object()
        body = InspectionResultsSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        inspection = services.record_results(request.user, inspection, data.get("results") or {},
                                             data.get("conclusion"), complete=data.get("complete", False))
        return Response(EnforcementInspectionSerializer(inspection, context=self.get_serializer_context()).data)

    @extend_schema(request=InspectionFindingSerializer, responses={201: HazardSerializer})
    @action(detail=True, methods=["post"], permission_classes=[ServiceChecked])
    def hazard(self, request, pk=None):
        """Turn a failed checklist item into a hazard of the enterprise (source 执法检查)."""
        inspection = self.get_object()
        body = InspectionFindingSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        hazard = services.finding_to_hazard(request.user, inspection, body.validated_data["code"],
                                            body.validated_data)
        return Response(HazardSerializer(hazard, context=self.get_serializer_context()).data, status=201)


class EnforcementDocumentSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="企业")
    inspection = ScopedRelatedField(queryset=Inspection.objects.all(), label="执法检查", required=False,
                                    allow_null=True)
    inspectors = ScopedRelatedField(queryset=Inspector.objects.all(), many=True, required=False,
                                    label="执法人员（留空取检查的执法人员）")
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = EnforcementDocument
        fields = ["id", "enterprise", "inspection", "kind", "kind_label", "number", "authority", "issued_on",
                  "deadline", "findings", "legal_basis", "inspectors", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"number": {"validators": [], "required": False, "allow_blank": True},
                        "authority": {"required": False, "allow_blank": True}}


class DocumentViewSet(ServiceViewSet):
    queryset = EnforcementDocument.objects.select_related("enterprise__region").prefetch_related("inspectors")
    serializer_class = EnforcementDocumentSerializer
    filterset_class = filtersets.EnforcementDocumentFilterSet
    search_fields = ["number", "enterprise__name"]
    ordering_fields = ["issued_on"]
    save_service = staticmethod(services.save_document)
    delete_service = staticmethod(services.delete_document)

    @extend_schema(responses={(200, enforcement_docx.DOCX): bytes})
    @action(detail=True, methods=["get"])
    def docx(self, request, pk=None):
        """The document as a Word file (.docx)."""
        return enforcement_docx.download(request, self.get_object())


class PenaltySerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="企业")
    inspection = ScopedRelatedField(queryset=Inspection.objects.all(), label="执法检查", required=False,
                                    allow_null=True)

    class Meta:
        model = Penalty
        fields = ["id", "enterprise", "inspection", "number", "violation", "legal_basis", "amount_wan", "decided_on",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"number": {"validators": []}}


class PenaltyViewSet(ServiceViewSet):
    queryset = Penalty.objects.select_related("enterprise")
    serializer_class = PenaltySerializer
    filterset_class = filtersets.PenaltyFilterSet
    search_fields = ["number", "enterprise__name"]
    ordering_fields = ["decided_on", "amount_wan"]
    save_service = staticmethod(services.save_penalty)
    delete_service = staticmethod(services.delete_penalty)


class CreditListingSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="企业")
    list_kind_label = serializers.CharField(source="get_list_kind_display", read_only=True)

    class Meta:
        model = CreditListing
        fields = ["id", "enterprise", "list_kind", "list_kind_label", "reason", "basis", "listed_on", "removed_on",
                  "removal_reason", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class CreditListingViewSet(ServiceViewSet):
    queryset = CreditListing.objects.select_related("enterprise")
    serializer_class = CreditListingSerializer
    filterset_class = filtersets.CreditListingFilterSet
    search_fields = ["enterprise__name", "reason"]
    ordering_fields = ["listed_on"]
    save_service = staticmethod(services.save_listing)
    delete_service = staticmethod(services.delete_listing)
