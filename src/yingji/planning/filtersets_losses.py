"""FilterSets of disaster-loss reports (灾情报告): shared by the list pages, the Excel export and the API."""

import django_filters as filters

from yingji.core.filtersets import FlagFilter, IdFilter, IntegerFilter, ScopedFilterSet

from .models import DisasterEvent, DisasterLossReport, LossFiling


class DisasterEventFilterSet(ScopedFilterSet):
    year = IntegerFilter(label="年份", field_name="started_on__year")
    hazard = filters.CharFilter(label="灾种", method="filter_hazard")

    class Meta:
        model = DisasterEvent
        fields = ["incident"]

    def filter_hazard(self, queryset, name, value):
        """A 一级灾种 takes its 亚灾种 with it (flood → flood.flash …)."""
        return queryset.filter(hazard=value) | queryset.filter(hazard__startswith=f"{value}.")


class DisasterLossReportFilterSet(ScopedFilterSet):
    event = IdFilter(label="灾害过程")
    year = IntegerFilter(label="年份", field_name="event__started_on__year")
    overdue = FlagFilter(label="逾期或迟报", method="filter_overdue")
    is_current = FlagFilter(label="计入汇总", field_name="is_current")

    class Meta:
        model = DisasterLossReport
        fields = ["stage", "status"]

    def filter_overdue(self, queryset, name, value):
        from .services.losses import overdue_q

        return queryset.filter(overdue_q()) if value else queryset.exclude(overdue_q())


class LossFilingFilterSet(ScopedFilterSet):
    event = IdFilter(label="灾害过程")

    class Meta:
        model = LossFiling
        fields = ["stage"]
