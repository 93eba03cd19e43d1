"""API of safety supervision: enterprises, licences, hazardous-chemical units (with their GB 18218 worksheet)
and inventory lines. Reads are region- and enterprise-scoped; writes go through the services."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.layers import LayerActionMixin
from yingji.core.models import Region, User

from .. import filtersets, services
from ..models import ENTERPRISE_ROLE, Enterprise, HazardUnit, InventoryLine, Licence


class EnterpriseSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    accounts = ScopedRelatedField(queryset=User.objects.filter(groups__name=ENTERPRISE_ROLE), many=True,
                                  required=False, label="企业账号")
    category_label = serializers.CharField(source="get_category_display", read_only=True)
    industry_label = serializers.CharField(read_only=True)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "credit_code", "industry", "industry_label", "category", "category_label", "scale",
                  "standardisation", "status", "region", "address", "longitude", "latitude", "in_chemical_park",
                  "principal", "principal_phone", "safety_manager", "safety_manager_phone", "employees",
                  "people_within_500m", "accounts", "major_level", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["major_level", "is_demo", "created_at", "updated_at"]
        validators = []
        extra_kwargs = {"credit_code": {"validators": []}}


def enterprise_properties(enterprise: Enterprise) -> dict:
    return {"name": enterprise.name, "category": enterprise.category, "category_label": enterprise.get_category_display(),
            "major_level": enterprise.major_level or "无", "major_key": enterprise.major_level or "none",
            "principal": f"{enterprise.principal} {enterprise.principal_phone}", "url": enterprise.get_absolute_url()}


class EnterpriseViewSet(LayerActionMixin, ServiceViewSet):
    queryset = Enterprise.objects.select_related("region").prefetch_related("accounts")
    serializer_class = EnterpriseSerializer
    filterset_class = filtersets.EnterpriseFilterSet
    search_fields = ["name", "credit_code", "address"]
    ordering_fields = ["name", "major_grade"]
    save_service = staticmethod(services.save_enterprise)
    delete_service = staticmethod(services.delete_enterprise)
    layer_properties = staticmethod(enterprise_properties)


class LicenceSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="企业")
    expiry_state = serializers.SerializerMethodField(help_text="expired 已过期 / expiring 即将到期 / valid 有效")

    class Meta:
        model = Licence
        fields = ["id", "enterprise", "kind", "number", "scope", "issued_on", "expires_on", "expiry_state"]
        validators = []

    def get_expiry_state(self, licence) -> str:
        return licence.expiry_state()


class LicenceViewSet(ServiceViewSet):
    queryset = Licence.objects.select_related("enterprise")
    serializer_class = LicenceSerializer
    filterset_class = filtersets.LicenceFilterSet
    ordering_fields = ["expires_on"]
    save_service = staticmethod(services.save_licence)
    delete_service = staticmethod(services.delete_licence)


class HazardUnitSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), label="企业")
    register_state = serializers.SerializerMethodField(help_text="安全评估与备案：{code, text}；code 为 ok、unassessed、"
                                                                 "refile（待备案）、reassess（应重新评估）、none（非重大危险源）")

    def get_register_state(self, unit) -> dict:
        code, text = unit.register_state()
        return {"code": code, "text": text}

    class Meta:
        model = HazardUnit
        fields = ["id", "enterprise", "name", "kind", "description", "s_value", "is_major", "alpha", "r_value",
                  "level", "assessed_at", "evaluated_on", "evaluated_by", "evaluated_level", "filed_on",
                  "filing_number", "register_state"]
        read_only_fields = ["s_value", "is_major", "alpha", "r_value", "level", "assessed_at", "evaluated_level"]
        validators = []


class WorksheetLineSerializer(serializers.Serializer):
    chemical = serializers.CharField(source="substance.name")
    q_t = serializers.DecimalField(source="tonnes", max_digits=20, decimal_places=3)
    critical_t = serializers.DecimalField(source="substance.critical_t", max_digits=12, decimal_places=3)
    q_source = serializers.CharField(source="substance.q_source")
    ratio = serializers.DecimalField(max_digits=24, decimal_places=6)
    beta = serializers.DecimalField(source="substance.beta", max_digits=4, decimal_places=1)
    beta_source = serializers.CharField(source="substance.beta_source")
    weighted = serializers.DecimalField(max_digits=24, decimal_places=6)


class WorksheetSerializer(serializers.Serializer):
    lines = WorksheetLineSerializer(many=True)
    S = serializers.DecimalField(max_digits=24, decimal_places=6)
    major = serializers.BooleanField()
    people = serializers.IntegerField()
    alpha = serializers.DecimalField(max_digits=3, decimal_places=1, allow_null=True)
    R = serializers.DecimalField(max_digits=24, decimal_places=6, allow_null=True)
    level = serializers.CharField(allow_null=True)


class HazardUnitViewSet(ServiceViewSet):
    queryset = HazardUnit.objects.select_related("enterprise")
    serializer_class = HazardUnitSerializer
    filterset_class = filtersets.HazardUnitFilterSet
    search_fields = ["name", "enterprise__name"]
    ordering_fields = ["r_value", "grade", "name"]
    save_service = staticmethod(services.save_unit)
    delete_service = staticmethod(services.delete_unit)

    @extend_schema(responses=WorksheetSerializer)
    @action(detail=True, methods=["get"])
    def worksheet(self, request, pk=None):
        """The GB 18218-2018 computation of the unit, line by line (辨识分级计算表)."""
        return Response(WorksheetSerializer(services.assessment(self.get_object())).data)


class InventoryLineSerializer(serializers.ModelSerializer):
    unit = ScopedRelatedField(queryset=HazardUnit.objects.all(), label="单元")

    class Meta:
        model = InventoryLine
        fields = ["id", "unit", "chemical", "categories", "max_tonnes", "critical_t", "beta", "q_source",
                  "beta_source"]
        read_only_fields = ["critical_t", "beta", "q_source", "beta_source"]
        validators = []


class InventoryLineViewSet(ServiceViewSet):
    queryset = InventoryLine.objects.select_related("unit__enterprise")
    serializer_class = InventoryLineSerializer
    filterset_class = filtersets.InventoryLineFilterSet
    save_service = staticmethod(services.save_line)
    delete_service = staticmethod(services.delete_line)
