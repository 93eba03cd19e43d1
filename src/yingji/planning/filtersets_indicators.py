"""FilterSets of plan indicators and the yearly denominators: shared by the list pages,
their exports and the API."""

import django_filters as filters

from yingji.core.filtersets import IntegerFilter, ScopedFilterSet

from .models import Indicator, RegionYearStat


class IndicatorFilterSet(ScopedFilterSet):
    plan = filters.CharFilter(label="规划名称", lookup_expr="icontains")

    class Meta:
        model = Indicator
        fields = ["formula", "attribute", "target_kind", "target_year", "annual_average"]


class RegionYearStatFilterSet(ScopedFilterSet):
    year_from = IntegerFilter(label="起始年份", field_name="year", lookup_expr="gte")
    year_to = IntegerFilter(label="截止年份", field_name="year", lookup_expr="lte")

    class Meta:
        model = RegionYearStat
        fields = ["year"]
