"""API of risk points (four colours) and the bands a bureau sets, with the one-map's four-colour layers."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.layers import LayerActionMixin, in_bbox, parse_bbox
from yingji.core.models import Region
from yingji.core.schema import BBOX_PARAMETER, FEATURE_COLLECTION

from .. import filtersets, services
from ..models import Enterprise, RiskPoint, RiskScheme


class RiskPointSerializer(serializers.ModelSerializer):
    enterprise = ScopedRelatedField(queryset=Enterprise.objects.all(), required=False, allow_null=True, label="企业")
    region = ScopedRelatedField(queryset=Region.objects.all(), required=False, label="所属区划",
                                help_text="企业风险点可不填，取企业所在区划")

    class Meta:
        model = RiskPoint
        fields = ["id", "enterprise", "region", "name", "longitude", "latitude", "area", "hazards", "accident_types",
                  "method", "likelihood", "exposure", "consequence", "score", "grade", "level", "colour",
                  "colour_code", "control_level", "measures", "responsible", "responsible_phone", "assessed_on",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["score", "grade", "level", "colour", "colour_code", "is_demo", "created_at", "updated_at"]
        validators = []


def risk_point_properties(point: RiskPoint) -> dict:
    return {"name": point.name, "colour": point.colour_code, "colour_name": point.colour, "level": point.level,
            "score": float(point.score), "owner": point.enterprise.name if point.enterprise_id else "公共场所",
            "control_level": point.control_level, "url": point.get_absolute_url()}


class RiskPointViewSet(LayerActionMixin, ServiceViewSet):
    queryset = RiskPoint.objects.select_related("region", "enterprise")
    serializer_class = RiskPointSerializer
    filterset_class = filtersets.RiskPointFilterSet
    search_fields = ["name", "hazards", "enterprise__name"]
    ordering_fields = ["grade", "score", "name"]
    save_service = staticmethod(services.save_risk_point)
    delete_service = staticmethod(services.delete_risk_point)
    layer_properties = staticmethod(risk_point_properties)

    @extend_schema(parameters=[BBOX_PARAMETER], responses=FEATURE_COLLECTION)
    @action(detail=False, methods=["get"])
    def areas(self, request):
        """The drawn areas of the risk points (the four-colour map's polygons) whose point lies in the bbox."""
        bbox = parse_bbox(request.query_params.get("bbox"))
        points = in_bbox(self.filter_queryset(self.get_queryset()), bbox).exclude(area__isnull=True)[:2000]
        features = [{"type": "Feature", "id": p.pk, "geometry": p.area, "properties": risk_point_properties(p)}
                    for p in points]
        return Response({"type": "FeatureCollection", "features": features, "total": len(features)})


class RiskSchemeSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="适用区划")

    class Meta:
        model = RiskScheme
        fields = ["id", "region", "method", "bands", "notes"]
        validators = []


class RiskSchemeViewSet(ServiceViewSet):
    queryset = RiskScheme.objects.select_related("region")
    serializer_class = RiskSchemeSerializer
    filterset_class = filtersets.RiskSchemeFilterSet
    save_service = staticmethod(services.save_risk_scheme)
    delete_service = staticmethod(services.delete_risk_scheme)
