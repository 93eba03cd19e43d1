"""FilterSet of the half-year reports, shared by the list page and the API."""

from yingji.core.filtersets import ScopedFilterSet

from .models import HalfYearReport


class HalfYearReportFilterSet(ScopedFilterSet):
    class Meta:
        model = HalfYearReport
        fields = ["year", "half"]
