"""FilterSets of safety supervision: shared by the list pages, their exports and the API."""

from datetime import timedelta

import django_filters as filters
from django.conf import settings
from django.utils import timezone

from yingji.core.filtersets import ChoiceInFilter, FlagFilter, ScopedFilterSet

from .models import Enterprise, Hazard, HazardUnit, InventoryLine, Licence, RiskPoint, RiskScheme


class EnterpriseFilterSet(ScopedFilterSet):
    major_level = filters.ChoiceFilter(label="重大危险源级别", choices=[(lv, lv) for lv in HazardUnit.LEVELS])
    has_major = FlagFilter(label="有重大危险源", method="filter_has_major")
    categories = ChoiceInFilter(label="监管类别（多个以逗号分隔）", field_name="category",
                                choices=Enterprise.CATEGORY_CHOICES)

    def filter_has_major(self, queryset, name, value):
        return queryset.exclude(major_level="") if value else queryset.filter(major_level="")

    class Meta:
        model = Enterprise
        fields = ["category", "status", "scale", "standardisation", "industry", "in_chemical_park"]


class LicenceFilterSet(ScopedFilterSet):
    expiry = filters.ChoiceFilter(label="到期状态", method="filter_expiry",
                                  choices=[("expired", "已过期"), ("expiring", "即将到期"), ("valid", "有效")])

    def filter_expiry(self, queryset, name, value):
        today = timezone.localdate()
        horizon = today + timedelta(days=settings.YINGJI_LICENCE_WARNING_DAYS)
        return {"expired": queryset.filter(expires_on__lt=today),
                "expiring": queryset.filter(expires_on__gte=today, expires_on__lte=horizon),
                "valid": queryset.filter(expires_on__gt=horizon)}[value]

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


class RiskPointFilterSet(ScopedFilterSet):
    public = FlagFilter(label="公共场所（无企业）", field_name="enterprise", lookup_expr="isnull")

    class Meta:
        model = RiskPoint
        fields = ["colour", "grade", "method", "enterprise", "control_level"]


class RiskSchemeFilterSet(ScopedFilterSet):
    class Meta:
        model = RiskScheme
        fields = ["method"]


class HazardFilterSet(ScopedFilterSet):
    """Hazards: overdue=1 (open, past the deadline; with grade=major the escalation list of the county and the
    city), supervised=1 (under an open 挂牌督办), open=1 (not yet 销号)."""

    overdue = FlagFilter(label="已逾期", method="filter_overdue")
    supervised = FlagFilter(label="挂牌督办中", method="filter_supervised")
    open = FlagFilter(label="未销号", method="filter_open")

    class Meta:
        model = Hazard
        fields = ["status", "grade", "source", "enterprise"]

    def filter_overdue(self, queryset, name, value):
        from .services.hazards import overdue_q

        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())

    def filter_supervised(self, queryset, name, value):
        from .services.hazards import supervised_q

        return queryset.filter(supervised_q()) if value else queryset.exclude(supervised_q())

    def filter_open(self, queryset, name, value):
        return queryset.filter(status__in=Hazard.OPEN) if value else queryset.filter(status=Hazard.CLOSED)


# --- Inspections and enforcement (执法检查) ------------------------------------------------------------------------

from .models import (  # noqa: E402  (appended part)
    CreditListing,
    Draw,
    EnforcementDocument,
    Inspection,
    InspectionPlan,
    Inspector,
    Penalty,
)


class InspectionPlanFilterSet(ScopedFilterSet):
    class Meta:
        model = InspectionPlan
        fields = ["year", "status"]


class InspectorFilterSet(ScopedFilterSet):
    class Meta:
        model = Inspector
        fields = ["active"]


class DrawFilterSet(ScopedFilterSet):
    class Meta:
        model = Draw
        fields = ["plan", "kind"]


class InspectionFilterSet(ScopedFilterSet):
    class Meta:
        model = Inspection
        fields = ["kind", "status", "enterprise", "checklist"]


class EnforcementDocumentFilterSet(ScopedFilterSet):
    class Meta:
        model = EnforcementDocument
        fields = ["kind", "enterprise", "inspection"]


class PenaltyFilterSet(ScopedFilterSet):
    class Meta:
        model = Penalty
        fields = ["enterprise", "inspection"]


class CreditListingFilterSet(ScopedFilterSet):
    listed = FlagFilter(label="在名单中（未移出）", field_name="removed_on", lookup_expr="isnull")

    class Meta:
        model = CreditListing
        fields = ["list_kind", "enterprise"]
