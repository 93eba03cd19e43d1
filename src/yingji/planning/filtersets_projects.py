"""FilterSets of key projects: shared by the list pages, their exports and the API."""

import django_filters as filters

from yingji.core.filtersets import IdFilter, IntegerFilter, ScopedFilterSet

from .models import FundingPlanLine, FundingRecord, KeyProject, SubProject
from .models.projects import FUNDING_SOURCES, PROJECT_LEVELS


class KeyProjectFilterSet(ScopedFilterSet):
    programme = filters.CharFilter(label="所属计划", field_name="programme")
    level = filters.ChoiceFilter(label="项目级别", choices=PROJECT_LEVELS)
    year = IntegerFilter(label="实施年份", method="filter_year")

    def filter_year(self, queryset, name, value):
        return queryset.filter(start_year__lte=value, end_year__gte=value)

    class Meta:
        model = KeyProject
        fields = ["programme", "level", "number"]


class SubProjectFilterSet(ScopedFilterSet):
    class Meta:
        model = SubProject
        fields = ["project", "level", "number"]


class FundingPlanLineFilterSet(ScopedFilterSet):
    source = filters.ChoiceFilter(label="资金来源", choices=FUNDING_SOURCES)
    project = IdFilter(label="重点项目", field_name="subproject__project")

    class Meta:
        model = FundingPlanLine
        fields = ["subproject", "year", "source"]


class FundingRecordFilterSet(ScopedFilterSet):
    source = filters.ChoiceFilter(label="资金来源", choices=FUNDING_SOURCES)
    project = IdFilter(label="重点项目", field_name="subproject__project")
    year = IntegerFilter(label="年度", field_name="occurred_on__year")

    class Meta:
        model = FundingRecord
        fields = ["subproject", "kind", "source"]
