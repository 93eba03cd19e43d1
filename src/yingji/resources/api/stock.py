"""API of warehouses, the supply catalogue, the stock ledger, reserve norms and agreement reserves."""

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
)
from yingji.core.api_fields import PersonNameField
from yingji.core.layers import LayerActionMixin
from yingji.core.models import Organisation, Region
from yingji.core.schema import rows

from .. import filtersets, services
from ..models import AgreementReserve, ReserveNorm, StockLevel, StockMovement, SupplyItem, Warehouse
from ..queries import availability, on_hand, post_movement, shortfall_rows


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

    @extend_schema(responses=rows("OnHand", item=serializers.IntegerField(), item__code=serializers.CharField(),
                                  item__name=serializers.CharField(), item__unit=serializers.CharField(),
                                  quantity=serializers.FloatField(), earliest_expiry=serializers.DateField(allow_null=True)))
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
        services.delete_supplyitem(self.request.user, instance)


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
        services.delete_reservenorm(self.request.user, instance)

    @extend_schema(responses=rows("Shortfall", warehouse=serializers.IntegerField(), warehouse_name=serializers.CharField(),
                                  item=serializers.IntegerField(), item_name=serializers.CharField(),
                                  unit=serializers.CharField(), norm=serializers.FloatField(),
                                  on_hand=serializers.FloatField(), shortfall=serializers.FloatField()))
    @action(detail=False, methods=["get"])
    def shortfalls(self, request):
        """Norms not met: on-hand below the norm, with the shortfall."""
        return Response(shortfall_rows(self.filter_queryset(self.get_queryset())))


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
    delete_service = staticmethod(services.delete_agreementreserve)

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

    @extend_schema(responses=rows("Availability", item=serializers.IntegerField(), code=serializers.CharField(),
                                  name=serializers.CharField(), unit=serializers.CharField(),
                                  physical=serializers.FloatField(), agreement=serializers.FloatField(),
                                  fastest_response_hours=serializers.FloatField(allow_null=True)))
    @action(detail=False, methods=["get"])
    def availability(self, request):
        """Per supply item: physical stock on hand and, separately, what active agreements commit."""
        return Response(availability(request.user))
