"""API of emergency resources."""

from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet, int_param
from yingji.core.api_policy import ChangePermission
from yingji.core.layers import feature_collection, in_bbox, parse_bbox
from yingji.core.models import Organisation, Region

from . import services
from .models import ForceStatusChange, RescueForce


class ForceSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    organisation = ScopedRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True,
                                      label="上级单位")
    region_name = serializers.CharField(source="region.name", read_only=True)
    type_label = serializers.CharField(read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    capability_labels = serializers.ListField(child=serializers.CharField(), read_only=True)
    capabilities = serializers.ListField(child=serializers.CharField(), required=False, label="可处置事件类别")

    class Meta:
        model = RescueForce
        fields = [
            "id", "name", "type", "station_class", "specialty", "type_label", "region", "region_name",
            "organisation", "longitude", "latitude", "address", "contact_person", "phone", "duty_phone",
            "members_total", "members_on_duty", "capabilities", "capability_labels", "status", "status_label",
            "status_changed_at", "notes", "is_demo", "created_at", "updated_at",
        ]
        read_only_fields = ["status", "status_changed_at", "is_demo", "created_at", "updated_at"]
        validators = []


class StatusChangeSerializer(serializers.ModelSerializer):
    actor_name = serializers.CharField(source="actor.__str__", read_only=True, default="系统")

    class Meta:
        model = ForceStatusChange
        fields = ["id", "from_status", "to_status", "time", "actor_name", "reason", "members_on_duty"]


class StatusRequestSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RescueForce.STATUS_CHOICES, label="战备状态")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="原因")
    members_on_duty = serializers.IntegerField(required=False, min_value=0, label="在岗人数")


def force_properties(force: RescueForce) -> dict:
    return {
        "name": force.name, "type": force.type, "type_label": force.type_label, "status": force.status,
        "status_label": force.get_status_display(), "members_on_duty": force.members_on_duty,
        "capabilities": force.capabilities, "url": force.get_absolute_url(),
    }


class ForceViewSet(ServiceViewSet):
    """Rescue forces. Filters: type, status, region (and below), capability (GB/T 35561 code)."""

    queryset = RescueForce.objects.select_related("region", "organisation")
    serializer_class = ForceSerializer
    search_fields = ["name", "address", "contact_person"]
    ordering_fields = ["name", "type", "status", "members_on_duty"]
    save_service = staticmethod(services.save_force)
    delete_service = staticmethod(services.delete_force)

    def get_queryset(self):
        return filter_forces(super().get_queryset(), self.request.query_params)

    @extend_schema(request=StatusRequestSerializer, responses=ForceSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def status(self, request, pk=None):
        """Change readiness (在岗/出动/休整/停用); the change is kept in the force's history."""
        force = self.get_object()
        body = StatusRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        force = services.change_force_status(request.user, force, **body.validated_data)
        return Response(ForceSerializer(force, context=self.get_serializer_context()).data)

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        changes = self.get_object().status_changes.select_related("actor")
        return Response(StatusChangeSerializer(changes, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("bbox", OpenApiTypes.STR, description="西,南,东,北（度）")])
    @action(detail=False, methods=["get"])
    def layer(self, request):
        """GeoJSON FeatureCollection of the forces in the bbox (same filters as the list)."""
        bbox = parse_bbox(request.query_params.get("bbox"))
        return Response(feature_collection(in_bbox(self.get_queryset(), bbox), force_properties))


def filter_forces(queryset, params):
    """Filters shared by the list page, the export and the API."""
    for name in ("type", "status", "station_class", "specialty"):
        if params.get(name):
            queryset = queryset.filter(**{name: params[name]})
    if params.get("region"):
        region = Region.objects.filter(pk=int_param(params, "region")).first()
        queryset = queryset.filter(region__path__startswith=region.path) if region else queryset.none()
    if params.get("capability"):
        code = params["capability"].strip().upper()
        wanted = {code, code[:3] + "00", code[:2] + "000"}
        # capabilities is a short JSON list; matching its text keeps one query for SQLite and PostgreSQL.
        condition = Q()
        for item in wanted:
            condition |= Q(capabilities__icontains=f'"{item}"')
        queryset = queryset.filter(condition)
    return queryset
