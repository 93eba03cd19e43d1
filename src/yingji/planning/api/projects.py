"""API of key projects (重点项目) with sub-projects and funding plans by source and year."""

from django.core.exceptions import ValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet, int_param
from yingji.core.models import Region
from yingji.core.scoping import scope

from .. import filtersets_projects as filtersets
from ..commands.projects import _money_tree
from ..models import FundingPlanLine, FundingRecord, KeyProject, SubProject
from ..services import projects as services


class AmountField(serializers.DecimalField):
    """万元 as given: the service, not the serializer, refuses a third decimal or a negative, naming the field in
    the same Chinese words as the pages and the import."""

    def __init__(self, **kwargs):
        super().__init__(max_digits=None, decimal_places=None, **kwargs)

    def to_representation(self, value):
        return None if value is None else f"{value:.2f}"


class KeyProjectSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    plan_total = serializers.SerializerMethodField(help_text="年度资金计划合计（万元）")

    class Meta:
        model = KeyProject
        fields = ["id", "region", "programme", "number", "name", "level", "lead_units", "support_units", "district",
                  "content", "schedule", "start_year", "end_year", "progress", "progress_percent", "completed_year",
                  "plan_total", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []

    def get_plan_total(self, obj) -> str:
        return f"{services.totals(FundingPlanLine.objects.filter(subproject__project=obj))['total']:.2f}"


class SubProjectSerializer(serializers.ModelSerializer):
    project = ScopedRelatedField(queryset=KeyProject.objects.all(), label="重点项目")
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划", required=False,
                                help_text="留空取重点项目的区划")
    total_investment = AmountField(label="总投资估算（万元）", required=False, allow_null=True)

    class Meta:
        model = SubProject
        fields = ["id", "project", "region", "number", "printed_project_name", "name", "level", "responsible_units",
                  "content", "total_investment", "start_year", "end_year", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class FundingPlanLineSerializer(serializers.ModelSerializer):
    subproject = ScopedRelatedField(queryset=SubProject.objects.all(), label="子项目")
    region = ScopedRelatedField(queryset=Region.objects.all(), label="资金承担区划")
    amount = AmountField(label="计划金额（万元）")

    class Meta:
        model = FundingPlanLine
        fields = ["id", "subproject", "region", "year", "source", "amount", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class FundingRecordSerializer(serializers.ModelSerializer):
    subproject = ScopedRelatedField(queryset=SubProject.objects.all(), label="子项目")
    region = ScopedRelatedField(queryset=Region.objects.all(), label="区划")
    amount = AmountField(label="金额（万元）")

    class Meta:
        model = FundingRecord
        fields = ["id", "subproject", "region", "kind", "source", "amount", "occurred_on", "note", "is_demo",
                  "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


SUMMARY_PARAMETERS = [
    OpenApiParameter("region", OpenApiTypes.INT, description="区划编号（默认本人区划）"),
    OpenApiParameter("year", OpenApiTypes.INT, description="年度（默认全部年度）"),
]


class KeyProjectViewSet(ServiceViewSet):
    queryset = KeyProject.objects.select_related("region")
    serializer_class = KeyProjectSerializer
    filterset_class = filtersets.KeyProjectFilterSet
    search_fields = ["name", "lead_units", "support_units", "programme"]
    ordering_fields = ["number", "start_year", "end_year"]
    save_service = staticmethod(services.save_project)
    delete_service = staticmethod(services.delete_project)

    @extend_schema(responses=OpenApiTypes.OBJECT)
    @action(detail=True, methods=["get"])
    def table(self, request, pk=None):
        """The project's plan: totals by year, level, district and year × column (附表3), received and spent."""
        table = services.project_table(self.get_object())
        return Response({"totals": _money_tree({k: v for k, v in table["totals"].items()
                                                if k not in ("by_subproject", "by_subproject_year")}),
                         "received": f"{table['received']:.2f}", "spent": f"{table['spent']:.2f}",
                         "subprojects": [{"id": r["subproject"].pk, "plan": _money_tree(r["plan"]["by_year_column"]),
                                          "received": f"{r['received']:.2f}", "spent": f"{r['spent']:.2f}",
                                          "warnings": r["warnings"]} for r in table["rows"]]})

    @extend_schema(parameters=SUMMARY_PARAMETERS, responses=OpenApiTypes.OBJECT)
    @action(detail=False, methods=["get"], url_path="funding-summary")
    def funding_summary(self, request):
        """Planned, received and spent per project for a region (and year): the half-year report's table."""
        region_id = int_param(request.query_params, "region", default=0, min_value=0, label="区划编号")
        year = int_param(request.query_params, "year", default=0, min_value=0, max_value=9999, label="年度")
        region = request.user.region if not region_id else \
            scope(Region.objects.all(), request.user).filter(pk=region_id).first()
        if region is None:
            raise ValidationError({"region": ["区划不存在，或不在您的管辖范围内。"]})
        summary = services.funding_summary(region, year or None)
        return Response(_money_tree(summary))


class SubProjectViewSet(ServiceViewSet):
    queryset = SubProject.objects.select_related("project", "region")
    serializer_class = SubProjectSerializer
    filterset_class = filtersets.SubProjectFilterSet
    search_fields = ["name", "content"]
    ordering_fields = ["number"]
    save_service = staticmethod(services.save_subproject)
    delete_service = staticmethod(services.delete_subproject)


class FundingPlanLineViewSet(ServiceViewSet):
    queryset = FundingPlanLine.objects.select_related("subproject__project", "region")
    serializer_class = FundingPlanLineSerializer
    filterset_class = filtersets.FundingPlanLineFilterSet
    ordering_fields = ["year", "amount"]
    save_service = staticmethod(services.save_funding_line)
    delete_service = staticmethod(services.delete_funding_line)


class FundingRecordViewSet(ServiceViewSet):
    queryset = FundingRecord.objects.select_related("subproject__project", "region")
    serializer_class = FundingRecordSerializer
    filterset_class = filtersets.FundingRecordFilterSet
    ordering_fields = ["occurred_on", "amount"]
    save_service = staticmethod(services.save_funding_record)
    delete_service = staticmethod(services.delete_funding_record)


ROUTES = [
    ("key-projects", KeyProjectViewSet, "keyproject"),
    ("key-subprojects", SubProjectViewSet, "subproject"),
    ("funding-plan-lines", FundingPlanLineViewSet, "fundingplanline"),
    ("funding-records", FundingRecordViewSet, "fundingrecord"),
]
