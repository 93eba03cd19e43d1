"""FilterSets of safety supervision: shared by the list pages, their exports and the API."""

import django_filters as filters

from yingji.core.filtersets import ScopedFilterSet

from .models import Enterprise, HazardUnit, InventoryLine, Licence


class EnterpriseFilterSet(ScopedFilterSet):
    major_level = filters.ChoiceFilter(label="重大危险源级别", choices=[(lv, lv) for lv in HazardUnit.LEVELS])

    class Meta:
        model = Enterprise
        fields = ["category", "status", "scale", "standardisation", "industry", "in_chemical_park"]


class LicenceFilterSet(ScopedFilterSet):
    class Meta:
        model = Licence
        fields = ["kind", "enterprise"]


class HazardUnitFilterSet(ScopedFilterSet):
    level = filters.ChoiceFilter(label="重大危险源级别", choices=[(lv, lv) for lv in HazardUnit.LEVELS])

    class Meta:
        model = HazardUnit
        fields = ["kind", "is_major", "enterprise"]


class InventoryLineFilterSet(ScopedFilterSet):
    class Meta:
        model = InventoryLine
        fields = ["unit"]
