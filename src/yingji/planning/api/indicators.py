"""API of plan indicators (指标) with targets, yearly denominators and computed actuals."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.models import Region

from .. import filtersets_indicators as filtersets
from ..models import Indicator, IndicatorManualValue, RegionYearStat
from ..services import indicators as services


class IndicatorSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="规划区划")
    target_label = serializers.CharField(read_only=True, label="目标（如规划所列）")

    class Meta:
        model = Indicator
        fields = ["id", "region", "plan", "number", "code", "name", "unit", "formula", "reference_formula", "annual_average",
                  "period_start", "baseline_year", "baseline_value", "target_kind", "target_value", "target_label",
                  "target_year", "attribute", "responsible_units", "source", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


ACTUALS_SCHEMA = {"type": "object", "description": "指标及其逐年实际值：value 为与目标比较的数值（年均指标为年均值），"
                  "missing 说明无数值的原因（如“缺少分母数据”），manual 表示手工填报值，records_url 为计算所依记录。"}


class ManualValueSerializer(serializers.ModelSerializer):
    value = serializers.DecimalField(max_digits=16, decimal_places=4, allow_null=True, label="数值",
                                     help_text="null：删除该年的手工填报值")
    source_note = serializers.CharField(max_length=255, required=False, allow_blank=True, label="数据来源说明")

    class Meta:
        model = IndicatorManualValue
        fields = ["id", "year", "value", "source_note", "is_demo"]
        read_only_fields = ["id", "is_demo"]
        validators = []


class IndicatorViewSet(ServiceViewSet):
    queryset = Indicator.objects.select_related("region")
    serializer_class = IndicatorSerializer
    filterset_class = filtersets.IndicatorFilterSet
    search_fields = ["name", "code", "plan", "responsible_units"]
    ordering_fields = ["number", "code", "target_year"]
    save_service = staticmethod(services.save_indicator)
    delete_service = staticmethod(services.delete_indicator)

    @extend_schema(responses={200: ACTUALS_SCHEMA})
    @action(detail=True, methods=["get"])
    def actuals(self, request, pk=None):
        """The indicator with its target, attribute and computed actuals per year, and per region below."""
        result = services.compute([self.get_object()], townships=True)[0]
        body = result.as_dict()
        body["townships"] = [{"region": r.pk, "name": r.name, "actuals": [f.as_dict() for f in figures]}
                             for r, figures in result.townships]
        return Response(body)

    @extend_schema(request=ManualValueSerializer, responses={200: ManualValueSerializer, 204: None})
    @action(detail=True, methods=["post"], url_path="manual-value")
    def manual_value(self, request, pk=None):
        """Enter (or correct) the indicator's value of one year by hand, with its source; "value": null removes
        it. A manual value is shown as manual wherever it appears."""
        indicator = self.get_object()
        serializer = ManualValueSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        entry = services.set_manual_value(request.user, indicator, data["year"], data.get("value"),
                                          data.get("source_note", ""))
        if entry is None:
            return Response(status=204)
        return Response(ManualValueSerializer(entry).data)


class RegionYearStatSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="行政区划")
    gdp_wan = serializers.DecimalField(
        max_digits=16, decimal_places=2, required=False, allow_null=True, label="地区生产总值（万元）",
        help_text="与 /api/region-gdp/ 为同一数据（core.RegionGDP）；null：尚未公布（删除该年数值）；省略：不变")

    class Meta:
        model = RegionYearStat
        fields = ["id", "region", "year", "population", "gdp_wan", "industrial_employees", "source", "is_demo",
                  "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class RegionYearStatViewSet(ServiceViewSet):
    queryset = services.with_gdp(RegionYearStat.objects.select_related("region"))
    serializer_class = RegionYearStatSerializer
    filterset_class = filtersets.RegionYearStatFilterSet
    ordering_fields = ["year"]
    save_service = staticmethod(services.save_year_stat)
    delete_service = staticmethod(services.delete_year_stat)


ROUTES = [
    ("indicators", IndicatorViewSet, "indicator"),
    ("region-year-stats", RegionYearStatViewSet, "regionyearstat"),
]
