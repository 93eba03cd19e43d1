"""FilterSets of the resources registries: one per model, shared by the list page, its export and the API."""

import django_filters as filters
from django.db.models import Q

from yingji.core.filtersets import (
    ChoiceInFilter,
    DaysFilter,
    EventCodeFilter,
    FilterSet,
    FlagFilter,
    ScopedFilterSet,
)

from .models import (
    AgreementReserve,
    Equipment,
    Expert,
    Hydrant,
    RescueForce,
    ReserveNorm,
    Shelter,
    StockLevel,
    StockMovement,
    SupplyItem,
    Vehicle,
    Warehouse,
)
from .queries import near_expiry


class CodeListFilter(EventCodeFilter):
    """A GB/T 35561 code in a JSON list of codes: the class or its whole 大类 matches (12D02 → 12D00, 12000).
    An unknown code is a 400, not an empty list that looks like "nobody can handle this"."""

    def filter(self, queryset, code):
        if not code:
            return queryset
        # capabilities is a short JSON list; matching its text keeps one query for SQLite and PostgreSQL.
        condition = Q()
        for item in {code, code[:3] + "00", code[:2] + "000"}:
            condition |= Q(**{f"{self.field_name}__icontains": f'"{item}"'})
        return queryset.filter(condition)


class RescueForceFilterSet(ScopedFilterSet):
    capability = CodeListFilter(field_name="capabilities", label="可处置事件类别")
    types = ChoiceInFilter(field_name="type", choices=RescueForce.TYPE_CHOICES, label="类型（多个，逗号分隔）")

    class Meta:
        model = RescueForce
        fields = ["type", "status", "station_class", "specialty", "organisation"]


class WarehouseFilterSet(ScopedFilterSet):
    class Meta:
        model = Warehouse
        fields = ["level", "organisation"]


class SupplyItemFilterSet(FilterSet):
    """The catalogue is shared by every region: no region filter."""

    code = filters.CharFilter(lookup_expr="startswith", label="物资代码（前缀）")

    class Meta:
        model = SupplyItem
        fields = ["code", "shelf_life_days"]


class StockLevelFilterSet(ScopedFilterSet):
    near_expiry_days = DaysFilter(method="filter_near_expiry", label="临期天数")

    class Meta:
        model = StockLevel
        fields = ["warehouse", "item", "batch"]

    def filter_near_expiry(self, queryset, name, value):
        return near_expiry(queryset, value)


class StockMovementFilterSet(ScopedFilterSet):
    class Meta:
        model = StockMovement
        fields = ["warehouse", "item", "kind", "transfer"]


class ReserveNormFilterSet(ScopedFilterSet):
    class Meta:
        model = ReserveNorm
        fields = ["warehouse", "item"]


class ShelterFilterSet(ScopedFilterSet):
    class Meta:
        model = Shelter
        fields = ["type", "status"]


class HydrantFilterSet(ScopedFilterSet):
    class Meta:
        model = Hydrant
        fields = ["type", "status"]


class ExpertFilterSet(ScopedFilterSet):
    specialty = CodeListFilter(field_name="specialties", label="擅长事件类别")

    class Meta:
        model = Expert
        fields = ["availability"]


class AgreementFilterSet(ScopedFilterSet):
    active = FlagFilter(method="filter_active", label="有效期内")

    class Meta:
        model = AgreementReserve
        fields = ["supplier"]

    def filter_active(self, queryset, name, value):
        from django.utils import timezone

        today = timezone.localdate()
        current = Q(start_date__lte=today, end_date__gte=today)
        return queryset.filter(current) if value else queryset.exclude(current)


class VehicleFilterSet(ScopedFilterSet):
    class Meta:
        model = Vehicle
        fields = ["type", "status", "station"]


class EquipmentFilterSet(ScopedFilterSet):
    class Meta:
        model = Equipment
        fields = ["category", "station"]
