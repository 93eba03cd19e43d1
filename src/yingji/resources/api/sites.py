"""API of shelters and hydrants (with hydrant inspections)."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission
from yingji.core.layers import LayerActionMixin
from yingji.core.models import Region
from yingji.core.schema import rows, shape

from .. import filtersets, services
from ..models import Hydrant, HydrantInspection, Shelter
from ..queries import capacity_by_region, intact_rate


class ShelterSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    facilities = serializers.ListField(child=serializers.CharField(), required=False, label="设施")
    facility_labels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Shelter
        fields = ["id", "name", "type", "type_label", "region", "longitude", "latitude", "address",
                  "effective_area_m2", "capacity", "facilities", "facility_labels", "status", "manager", "phone",
                  "is_demo", "created_at", "updated_at"]
        read_only_fields = ["capacity", "is_demo", "created_at", "updated_at"]
        validators = []


def shelter_properties(shelter: Shelter) -> dict:
    return {"name": shelter.name, "type_label": shelter.get_type_display(), "capacity": shelter.capacity,
            "status": shelter.status, "status_label": shelter.get_status_display(), "url": shelter.get_absolute_url()}


class ShelterViewSet(LayerActionMixin, ServiceViewSet):
    queryset = Shelter.objects.select_related("region")
    serializer_class = ShelterSerializer
    filterset_class = filtersets.ShelterFilterSet
    search_fields = ["name", "address"]
    ordering_fields = ["name", "capacity"]
    save_service = staticmethod(services.save_shelter)
    delete_service = staticmethod(services.delete_shelter)
    layer_properties = staticmethod(shelter_properties)

    @extend_schema(responses=rows("ShelterCapacity", region=serializers.IntegerField(),
                                  region_name=serializers.CharField(), places=serializers.IntegerField(),
                                  population=serializers.IntegerField(allow_null=True),
                                  coverage=serializers.FloatField(allow_null=True, help_text="每百名常住人口的避难位")))
    @action(detail=False, methods=["get"])
    def capacity(self, request):
        """Shelter capacity per township (or per child of the user's region) against resident population."""
        return Response(capacity_by_region(request.user))


class HydrantSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Hydrant
        fields = ["id", "number", "type", "type_label", "region", "longitude", "latitude", "address", "pressure_mpa",
                  "flow_lps", "volume_m3", "status", "status_label", "last_inspected", "is_demo", "created_at",
                  "updated_at"]
        read_only_fields = ["last_inspected", "is_demo", "created_at", "updated_at"]
        validators = []


class InspectionSerializer(serializers.ModelSerializer):
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = HydrantInspection
        fields = ["id", "date", "status", "pressure_mpa", "notes", "actor_name", "created_at"]
        read_only_fields = ["actor_name", "created_at"]


def hydrant_properties(hydrant: Hydrant) -> dict:
    return {"name": str(hydrant), "status": hydrant.status, "status_label": hydrant.get_status_display(),
            "type_label": hydrant.get_type_display(), "url": hydrant.get_absolute_url()}


class HydrantViewSet(LayerActionMixin, ServiceViewSet):
    queryset = Hydrant.objects.select_related("region")
    serializer_class = HydrantSerializer
    filterset_class = filtersets.HydrantFilterSet
    search_fields = ["number", "address"]
    ordering_fields = ["number", "status", "last_inspected"]
    save_service = staticmethod(services.save_hydrant)
    delete_service = staticmethod(services.delete_hydrant)
    layer_properties = staticmethod(hydrant_properties)

    @extend_schema(methods=["GET"], responses=InspectionSerializer(many=True))
    @extend_schema(methods=["POST"], request=InspectionSerializer, responses={201: InspectionSerializer})
    @action(detail=True, methods=["get", "post"], permission_classes=[ChangePermission])
    def inspections(self, request, pk=None):
        """GET the inspection history; POST records an inspection whose finding becomes the status."""
        hydrant = self.get_object()
        if request.method == "GET":
            return Response(InspectionSerializer(hydrant.inspections.select_related("actor"), many=True).data)
        body = InspectionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        inspection = services.inspect_hydrant(request.user, hydrant, **body.validated_data)
        return Response(InspectionSerializer(inspection).data, status=201)

    @extend_schema(responses=shape("HydrantStats", total=serializers.IntegerField(), ok=serializers.IntegerField(),
                                   by_status=serializers.DictField(child=serializers.IntegerField()),
                                   intact_rate=serializers.FloatField(allow_null=True, help_text="完好率（%）")))
    @action(detail=False, methods=["get"])
    def stats(self, request):
        """完好率 of the hydrants in scope (with the list's filters)."""
        return Response(intact_rate(self.filter_queryset(self.get_queryset())))
