"""API of rescue forces, experts, vehicles and equipment (with their maintenance records)."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import ScopedRelatedField, ServiceViewSet, days_param
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission, RecordPermission
from yingji.core.errors import error_body
from yingji.core.layers import LayerActionMixin, labeller, url_maker
from yingji.core.models import Organisation, Region
from yingji.core.schema import AREA, rows
from yingji.core.scoping import scope

from .. import coverage, filtersets, services
from ..models import Equipment, Expert, ForceStatusChange, MaintenanceRecord, RescueForce, Vehicle


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
    actor_name = PersonNameField(source="actor")

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


_force_url = url_maker("resources:force_detail")
_force_type = labeller(RescueForce.TYPE_CHOICES)
_force_class = labeller(RescueForce.STATION_CLASS_CHOICES)
_force_specialty = labeller(RescueForce.SPECIALTY_CHOICES)
_force_status = labeller(RescueForce.STATUS_CHOICES)


def force_row_properties(row: dict) -> dict:
    """force_properties for a .values() row (the map layer's fast path): the same keys but `capabilities`,
    whose JSON decoding alone cost a quarter of a 10k-feature answer (the list API has them)."""
    type_label = _force_type(row["type"])
    if row["station_class"]:
        type_label += f"（{_force_class(row['station_class'])}）"
    if row["specialty"]:
        type_label += f"（{_force_specialty(row['specialty'])}）"
    return {"name": row["name"], "type": row["type"], "type_label": type_label, "status": row["status"],
            "status_label": _force_status(row["status"]), "members_on_duty": row["members_on_duty"],
            "url": _force_url(row["id"])}


class ForceViewSet(LayerActionMixin, ServiceViewSet):
    """Rescue forces. Filters: type, status, region (and below), capability (GB/T 35561 code)."""

    layer_properties = staticmethod(force_row_properties)
    layer_columns = ("name", "type", "station_class", "specialty", "status", "members_on_duty")
    queryset = RescueForce.objects.select_related("region", "organisation")
    serializer_class = ForceSerializer
    search_fields = ["name", "address", "contact_person"]
    ordering_fields = ["name", "type", "status", "members_on_duty"]
    filterset_class = filtersets.RescueForceFilterSet
    save_service = staticmethod(services.save_force)
    delete_service = staticmethod(services.delete_force)

    @extend_schema(request=StatusRequestSerializer, responses=ForceSerializer)
    @action(detail=True, methods=["post"], permission_classes=[ChangePermission])
    def status(self, request, pk=None):
        """Change readiness (在岗/出动/休整/停用); the change is kept in the force's history."""
        force = self.get_object()
        body = StatusRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        force = services.change_force_status(request.user, force, **body.validated_data)
        return Response(ForceSerializer(force, context=self.get_serializer_context()).data)

    @extend_schema(responses=StatusChangeSerializer(many=True))
    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        changes = self.get_object().status_changes.select_related("actor")
        return Response(StatusChangeSerializer(changes, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("minutes", float, description="分钟（0–60，默认 5）")],
                   responses=AREA)
    @action(detail=True, methods=["get"])
    def isochrone(self, request, pk=None):
        """GeoJSON area reached by road within ?minutes= (default 5); `method` says 路网 or 估算(直线)."""
        minutes = coverage.minutes_param(request.query_params)
        return Response(coverage.isochrone(self.get_object(), minutes))

    @extend_schema(parameters=[OpenApiParameter("minutes", float, description="分钟（0–60，默认 5）")],
                   responses={200: OpenApiTypes.OBJECT, 409: OpenApiTypes.OBJECT})
    @action(detail=False, methods=["get"])
    def coverage(self, request):
        """Fire stations' coverage within ?minutes= (default 5) by road: % of road length and population,
        per township with a boundary, and the uncovered areas. 409 until a road network is imported."""
        report = coverage.station_coverage(request.user, coverage.minutes_param(request.query_params))
        if report is None:
            return Response(error_body("no_road_network", "尚未导入路网，无法计算覆盖范围：请先运行 yingji roads import。"),
                            status=409)
        return Response(report.as_dict())


class ExpertSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    specialties = serializers.ListField(child=serializers.CharField(), required=False, label="擅长事件类别")
    specialty_labels = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Expert
        fields = ["id", "name", "region", "specialties", "specialty_labels", "disciplines", "title", "employer",
                  "phone", "availability", "notes", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class ExpertViewSet(ServiceViewSet):
    """Experts. Filters: specialty (event code), availability, region (and below); search: name, discipline."""

    queryset = Expert.objects.select_related("region")
    serializer_class = ExpertSerializer
    filterset_class = filtersets.ExpertFilterSet
    search_fields = ["name", "disciplines", "employer", "title"]
    save_service = staticmethod(services.save_expert)
    delete_service = staticmethod(services.delete_expert)


class MaintenanceRecordSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = MaintenanceRecord
        fields = ["id", "kind", "kind_label", "date", "description", "cost_wan", "actor_name", "created_at"]
        read_only_fields = ["actor_name", "created_at"]


LIFECYCLE_FIELDS = ["acquisition_date", "cost_wan", "source", "service_life_years", "retirement_date",
                    "inspection_interval_days", "last_inspected", "next_inspection_due", "retired_on"]
LIFECYCLE_READ_ONLY = ["retirement_date", "last_inspected", "next_inspection_due", "retired_on"]


class VehicleSerializer(serializers.ModelSerializer):
    station = ScopedRelatedField(queryset=RescueForce.objects.all(), label="所属队站")
    type_label = serializers.CharField(source="get_type_display", read_only=True)
    status_label = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Vehicle
        fields = ["id", "plate", "name", "type", "type_label", "station", "region", "water_t", "foam_t",
                  "working_height_m", "pump_flow_lps", "height_m", "gross_weight_t", "width_m", "status", "status_label",
                  *LIFECYCLE_FIELDS, "is_demo"]
        read_only_fields = ["region", "status", "is_demo", *LIFECYCLE_READ_ONLY]
        extra_kwargs = {"plate": {"validators": []}}


class EquipmentSerializer(serializers.ModelSerializer):
    station = ScopedRelatedField(queryset=RescueForce.objects.all(), label="所属队站")

    class Meta:
        model = Equipment
        fields = ["id", "name", "category", "station", "region", "quantity", "unit", *LIFECYCLE_FIELDS, "is_demo"]
        read_only_fields = ["region", "is_demo", *LIFECYCLE_READ_ONLY]
        validators = []


class RecordsActionMixin:
    """GET/POST <asset>/<id>/records/: the maintenance log of a vehicle or an equipment item."""

    @extend_schema(methods=["GET"], responses=MaintenanceRecordSerializer(many=True))
    @extend_schema(methods=["POST"], request=MaintenanceRecordSerializer, responses={201: MaintenanceRecordSerializer})
    @action(detail=True, methods=["get", "post"], permission_classes=[RecordPermission])
    def records(self, request, pk=None):
        asset = self.get_object()
        if request.method == "GET":
            return Response(MaintenanceRecordSerializer(asset.records.select_related("actor"), many=True).data)
        body = MaintenanceRecordSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = services.record_maintenance(request.user, asset, **body.validated_data)
        return Response(MaintenanceRecordSerializer(record).data, status=201)


def vehicle_properties(vehicle: Vehicle) -> dict:
    return {"name": str(vehicle), "type_label": vehicle.get_type_display(), "status": vehicle.status,
            "status_label": vehicle.get_status_display(), "station": vehicle.station.name,
            "url": vehicle.get_absolute_url()}


class VehicleViewSet(LayerActionMixin, RecordsActionMixin, ServiceViewSet):
    """Vehicles with their key figures and lifecycle. Filters: type, status, station.
    On the map a vehicle stands at its station."""

    layer_properties = staticmethod(vehicle_properties)
    layer_fields = ("station__longitude", "station__latitude")

    queryset = Vehicle.objects.select_related("station")
    serializer_class = VehicleSerializer
    filterset_class = filtersets.VehicleFilterSet
    search_fields = ["plate", "name"]
    ordering_fields = ["plate", "next_inspection_due", "retirement_date"]
    save_service = staticmethod(services.save_vehicle)
    delete_service = staticmethod(services.delete_vehicle)

    @extend_schema(parameters=[OpenApiParameter("days", int, description="预警天数（0–36500，默认 90）")],
                   responses=rows("LifecycleAlert", id=serializers.IntegerField(), name=serializers.CharField(),
                                  kind=serializers.CharField(), next_inspection_due=serializers.DateField(allow_null=True),
                                  inspection_overdue_days=serializers.IntegerField(allow_null=True),
                                  retirement_date=serializers.DateField(allow_null=True),
                                  retired_due=serializers.BooleanField(), retiring_soon=serializers.BooleanField()))
    @action(detail=False, methods=["get"], filter_backends=[])
    def lifecycle(self, request):
        """Overdue inspections and service lives ending within ?days= (default 90), vehicles and equipment."""
        days = days_param(request.query_params)
        rows = services.lifecycle_alerts(scope(Vehicle.objects.all(), request.user),
                                         scope(Equipment.objects.all(), request.user), days)
        return Response([{**{k: v for k, v in row.items() if k != "asset"}, "id": row["asset"].pk,
                          "name": str(row["asset"]), "kind": str(row["kind"]),
                          "next_inspection_due": row["asset"].next_inspection_due} for row in rows])


class EquipmentViewSet(RecordsActionMixin, ServiceViewSet):
    queryset = Equipment.objects.select_related("station")
    serializer_class = EquipmentSerializer
    filterset_class = filtersets.EquipmentFilterSet
    search_fields = ["name", "category"]
    save_service = staticmethod(services.save_equipment)
    delete_service = staticmethod(services.delete_equipment)
