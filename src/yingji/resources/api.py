"""API of emergency resources."""

from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Count
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from yingji.core.api_base import (
    ScopedLedgerViewSet,
    ScopedReadOnlyViewSet,
    ScopedRelatedField,
    ServiceViewSet,
    days_param,
)
from yingji.core.api_fields import PersonNameField
from yingji.core.api_policy import ChangePermission, RecordPermission
from yingji.core.errors import error_body
from yingji.core.layers import LayerActionMixin, labeller, url_maker
from yingji.core.models import Organisation, Region
from yingji.core.scoping import scope

from . import coverage, filtersets, services
from .models import (
    AgreementReserve,
    Equipment,
    Expert,
    ForceStatusChange,
    Hydrant,
    HydrantInspection,
    MaintenanceRecord,
    RescueForce,
    ReserveNorm,
    Shelter,
    StockLevel,
    StockMovement,
    SupplyItem,
    Vehicle,
    Warehouse,
)
from .queries import (
    availability,
    capacity_by_region,
    intact_rate,
    on_hand,
    post_movement,
    shortfall_rows,
)


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

    @action(detail=True, methods=["get"])
    def history(self, request, pk=None):
        changes = self.get_object().status_changes.select_related("actor")
        return Response(StatusChangeSerializer(changes, many=True).data)

    @action(detail=True, methods=["get"])
    def isochrone(self, request, pk=None):
        """GeoJSON area reached by road within ?minutes= (default 5); `method` says 路网 or 估算(直线)."""
        minutes = coverage.minutes_param(request.query_params)
        return Response(coverage.isochrone(self.get_object(), minutes))

    @action(detail=False, methods=["get"])
    def coverage(self, request):
        """Fire stations' coverage within ?minutes= (default 5) by road: % of road length and population,
        per township with a boundary, and the uncovered areas. 409 until a road network is imported."""
        report = coverage.station_coverage(request.user, coverage.minutes_param(request.query_params))
        if report is None:
            return Response(error_body("no_road_network", "尚未导入路网，无法计算覆盖范围：请先运行 yingji roads import。"),
                            status=409)
        return Response(report.as_dict())


# --- Warehouses, catalogue, ledger -------------------------------------------

class WarehouseSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    organisation = ScopedRelatedField(queryset=Organisation.objects.all(), required=False, allow_null=True,
                                      label="管理单位")
    level_label = serializers.CharField(source="get_level_display", read_only=True)

    class Meta:
        model = Warehouse
        fields = ["id", "name", "level", "level_label", "region", "organisation", "manager", "phone", "capacity_m2",
                  "longitude", "latitude", "address", "is_demo", "created_at", "updated_at"]
        read_only_fields = ["is_demo", "created_at", "updated_at"]
        validators = []


class SupplyItemSerializer(serializers.ModelSerializer):
    top_class = serializers.CharField(read_only=True)

    class Meta:
        model = SupplyItem
        fields = ["id", "code", "name", "unit", "spec", "shelf_life_days", "top_class", "is_demo"]
        read_only_fields = ["is_demo"]
        extra_kwargs = {"code": {"validators": []}}


class StockLevelSerializer(serializers.ModelSerializer):
    warehouse_name = serializers.CharField(source="warehouse.name", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    unit = serializers.CharField(source="item.unit", read_only=True)

    class Meta:
        model = StockLevel
        fields = ["id", "warehouse", "warehouse_name", "item", "item_name", "unit", "batch", "quantity", "expiry"]


class StockMovementSerializer(serializers.ModelSerializer):
    kind_label = serializers.CharField(source="get_kind_display", read_only=True)
    item_name = serializers.CharField(source="item.name", read_only=True)
    actor_name = PersonNameField(source="actor")

    class Meta:
        model = StockMovement
        fields = ["id", "time", "warehouse", "item", "item_name", "kind", "kind_label", "batch", "delta", "expiry",
                  "reason", "transfer", "counterpart", "actor_name"]


class MovementRequestSerializer(serializers.Serializer):
    KINDS = [("in", "入库"), ("out", "出库"), ("transfer", "调拨"), ("adjust", "盘点调整"), ("scrap", "报废")]
    kind = serializers.ChoiceField(choices=KINDS, label="业务类型")
    warehouse = ScopedRelatedField(queryset=Warehouse.objects.all(), label="储备库")
    target = ScopedRelatedField(queryset=Warehouse.objects.all(), required=False, allow_null=True, label="调入库")
    item = serializers.PrimaryKeyRelatedField(queryset=SupplyItem.objects.all(), label="物资")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2, label="数量（盘点为实盘数）")
    batch = serializers.CharField(required=False, allow_blank=True, default="", label="批次")
    expiry = serializers.DateField(required=False, allow_null=True, default=None, label="有效期至")
    reason = serializers.CharField(required=False, allow_blank=True, default="", label="事由")


def warehouse_properties(warehouse: Warehouse) -> dict:
    properties = {"name": warehouse.name, "level": warehouse.get_level_display(), "url": warehouse.get_absolute_url()}
    if hasattr(warehouse, "stock_status"):  # set by WarehouseViewSet.layer_prepare
        properties.update(stock_status=warehouse.stock_status, stock_status_label=warehouse.stock_status_label,
                          items_in_stock=warehouse.items_in_stock, items_short=warehouse.items_short)
    return properties


def warehouse_stock_status(warehouses):
    """Stock status of a page of warehouses in two grouped queries: 短缺 (below a norm), 无库存, 正常."""
    ids = [w.pk for w in warehouses]
    stocked = dict(StockLevel.objects.filter(warehouse__in=ids, quantity__gt=0).values("warehouse")
                   .annotate(n=Count("item", distinct=True)).values_list("warehouse", "n"))
    short = defaultdict(int)
    for row in shortfall_rows(ReserveNorm.objects.filter(warehouse__in=ids)):
        short[row["warehouse"]] += 1
    for warehouse in warehouses:
        warehouse.items_in_stock, warehouse.items_short = stocked.get(warehouse.pk, 0), short[warehouse.pk]
        warehouse.stock_status = "short" if warehouse.items_short else "ok" if warehouse.items_in_stock else "empty"
        warehouse.stock_status_label = {"short": "低于定额", "ok": "正常", "empty": "无库存"}[warehouse.stock_status]
    return warehouses


class WarehouseViewSet(LayerActionMixin, ServiceViewSet):
    layer_properties = staticmethod(warehouse_properties)
    layer_prepare = staticmethod(warehouse_stock_status)
    queryset = Warehouse.objects.select_related("region")
    serializer_class = WarehouseSerializer
    filterset_class = filtersets.WarehouseFilterSet
    search_fields = ["name", "address", "manager"]
    ordering_fields = ["name", "level"]
    save_service = staticmethod(services.save_warehouse)
    delete_service = staticmethod(services.delete_warehouse)

    @action(detail=True, methods=["get"])
    def stock(self, request, pk=None):
        """On-hand quantity per item (all batches), from the maintained aggregate."""
        return Response(list(on_hand(self.get_object())))


class SupplyItemViewSet(viewsets.ModelViewSet):
    """The supply catalogue (GB/T 38565 codes), shared by every region."""

    queryset = SupplyItem.objects.all()
    serializer_class = SupplyItemSerializer
    filterset_class = filtersets.SupplyItemFilterSet
    search_fields = ["code", "name"]

    def perform_create(self, serializer):
        serializer.instance = services.save_item(self.request.user, SupplyItem(), dict(serializer.validated_data))

    def perform_update(self, serializer):
        serializer.instance = services.save_item(self.request.user, serializer.instance,
                                                 dict(serializer.validated_data))

    def perform_destroy(self, instance):
        from yingji.core.services import delete_audited

        delete_audited(self.request.user, instance, "resources.delete_supplyitem")


class StockLevelViewSet(ScopedReadOnlyViewSet):
    """Stock on hand per warehouse × item × batch. ?near_expiry_days=N lists batches expiring within N days."""

    queryset = StockLevel.objects.select_related("warehouse", "item").filter(quantity__gt=0).order_by(
        "expiry", "warehouse__name")
    serializer_class = StockLevelSerializer
    filterset_class = filtersets.StockLevelFilterSet


class StockMovementViewSet(ScopedLedgerViewSet):
    """The ledger. POST records 入库/出库/调拨/盘点调整/报废; rows are never edited or deleted."""

    queryset = StockMovement.objects.select_related("item", "actor")
    serializer_class = StockMovementSerializer
    filterset_class = filtersets.StockMovementFilterSet

    @extend_schema(request=MovementRequestSerializer, responses=StockMovementSerializer(many=True))
    def create(self, request):
        body = MovementRequestSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        movements = post_movement(request.user, body.validated_data)
        return Response(StockMovementSerializer(movements, many=True).data, status=201)


class ReserveNormSerializer(serializers.ModelSerializer):
    warehouse = ScopedRelatedField(queryset=Warehouse.objects.all(), label="储备库")

    class Meta:
        model = ReserveNorm
        fields = ["id", "warehouse", "item", "quantity"]
        validators = []


class ReserveNormViewSet(ServiceViewSet):
    queryset = ReserveNorm.objects.select_related("warehouse", "item")
    serializer_class = ReserveNormSerializer
    filterset_class = filtersets.ReserveNormFilterSet

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.set_norm(self.request.user, data["warehouse"], data["item"], data["quantity"])

    def perform_update(self, serializer):
        norm = serializer.instance
        serializer.instance = services.set_norm(self.request.user, norm.warehouse, norm.item,
                                                serializer.validated_data.get("quantity", norm.quantity))

    def perform_destroy(self, instance):
        from yingji.core.services import delete_audited

        services.require_region(self.request.user, instance.warehouse.region)
        delete_audited(self.request.user, instance, "resources.delete_reservenorm")

    @action(detail=False, methods=["get"])
    def shortfalls(self, request):
        """Norms not met: on-hand below the norm, with the shortfall."""
        return Response(shortfall_rows(self.filter_queryset(self.get_queryset())))


# --- Shelters and hydrants ----------------------------------------------------

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

    @extend_schema(request=InspectionSerializer, responses=InspectionSerializer)
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

    @action(detail=False, methods=["get"])
    def stats(self, request):
        """完好率 of the hydrants in scope (with the list's filters)."""
        return Response(intact_rate(self.filter_queryset(self.get_queryset())))


# --- Experts and agreement reserves ---------------------------------------------

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
    delete_service = staticmethod(
        lambda actor, expert: services.delete_audited(actor, expert, "resources.delete_expert"))


class AgreementItemSerializer(serializers.Serializer):
    item = serializers.PrimaryKeyRelatedField(queryset=SupplyItem.objects.all(), label="物资")
    quantity = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"), label="承诺数量")


class AgreementSerializer(serializers.ModelSerializer):
    region = ScopedRelatedField(queryset=Region.objects.all(), label="所属区划")
    items = AgreementItemSerializer(many=True, required=False, label="协议物资")
    active = serializers.SerializerMethodField()

    class Meta:
        model = AgreementReserve
        fields = ["id", "supplier", "credit_code", "region", "contract_no", "start_date", "end_date",
                  "response_hours", "contact_person", "phone", "items", "active", "is_demo", "created_at"]
        read_only_fields = ["is_demo", "created_at"]
        validators = []

    def get_active(self, agreement) -> bool:
        return agreement.is_active()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["items"] = [{"item": line.item_id, "item_name": line.item.name, "unit": line.item.unit,
                          "quantity": str(line.quantity)} for line in instance.items.select_related("item")]
        return data


class AgreementViewSet(ServiceViewSet):
    queryset = AgreementReserve.objects.select_related("region")
    serializer_class = AgreementSerializer
    filterset_class = filtersets.AgreementFilterSet
    search_fields = ["supplier", "contract_no"]
    save_service = staticmethod(services.save_agreement)
    delete_service = staticmethod(
        lambda actor, agreement: services.delete_audited(actor, agreement, "resources.delete_agreementreserve"))

    def save_extra(self, serializer):
        lines = serializer.validated_data.pop("items", None)
        if lines is None:
            return {}
        items = {}
        for line in lines:
            if line["item"] in items:
                raise DjangoValidationError({"items": f"物资“{line['item'].name}”在协议中重复出现。"})
            items[line["item"]] = line["quantity"]
        return {"items": items}

    @action(detail=False, methods=["get"])
    def availability(self, request):
        """Per supply item: physical stock on hand and, separately, what active agreements commit."""
        return Response(availability(request.user))


# --- Vehicles and equipment -------------------------------------------------------

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
                  "working_height_m", "pump_flow_lps", "status", "status_label", *LIFECYCLE_FIELDS, "is_demo"]
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

    @extend_schema(request=MaintenanceRecordSerializer, responses=MaintenanceRecordSerializer)
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
    delete_service = staticmethod(lambda actor, v: services.delete_audited(actor, v, "resources.delete_vehicle"))

    @action(detail=False, methods=["get"])
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
    delete_service = staticmethod(lambda actor, e: services.delete_audited(actor, e, "resources.delete_equipment"))
