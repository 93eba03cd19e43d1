"""FilterSets of incidents, assignments, information reports, public reports and duty shifts: one per model,
shared by the list page, its export and the API."""

from datetime import datetime, time, timedelta

import django_filters as filters
from django.core.validators import RegexValidator
from django.utils import timezone

from yingji.core.filtersets import DateFilter, FlagFilter, ScopedFilterSet

from .models import Assignment, DutyLogEntry, DutyShift, Incident, InformationReport, PublicReport


def _local_midnight(day):
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


class IncidentFilterSet(ScopedFilterSet):
    """status, active, region (and below), event (a code or its prefix, e.g. 12 or 12D), grade, level, drill,
    merged, since/until (接报日期). `accident_grade` and `is_drill` are the same filters under the names the
    list page's form and the dashboard's links use."""

    active = FlagFilter(method="filter_active", label="处置中")
    event = filters.CharFilter(
        method="filter_event", label="事件类型代码",
        validators=[RegexValidator(r"^[0-9A-Za-z]{1,5}$", "事件类型代码应为 GB/T 35561 代码或其前缀（如 12D00）。")])
    grade = filters.ChoiceFilter(field_name="accident_grade", choices=Incident.GRADE_CHOICES, label="事故等级")
    drill = FlagFilter(field_name="is_drill", label="演练")
    merged = FlagFilter(method="filter_merged", label="已并入其他事件")
    since = DateFilter(method="filter_since", label="接报起始日期")
    until = DateFilter(method="filter_until", label="接报截止日期")

    class Meta:
        model = Incident
        fields = ["status", "level", "accident_grade", "is_drill", "duty_officer"]

    def filter_active(self, queryset, name, value):
        active = {"status__in": Incident.ACTIVE_STATUSES, "merged_into__isnull": True}
        return queryset.filter(**active) if value else queryset.exclude(**active)

    def filter_event(self, queryset, name, value):
        event = value.strip().upper()
        if len(event) == 5:  # a 大类 or 类 code stands for everything under it
            event = event[:2] if event.endswith("000") else event[:3] if event.endswith("00") else event
        return queryset.filter(event_code__startswith=event)

    def filter_merged(self, queryset, name, value):
        return queryset.filter(merged_into__isnull=not value)

    def filter_since(self, queryset, name, day):
        return queryset.filter(reported_at__gte=_local_midnight(day))

    def filter_until(self, queryset, name, day):
        return queryset.filter(reported_at__lt=_local_midnight(day) + timedelta(days=1))


class AssignmentFilterSet(ScopedFilterSet):
    class Meta:
        model = Assignment
        fields = ["incident", "force", "vehicle", "status", "active"]


class InformationReportFilterSet(ScopedFilterSet):
    overdue = FlagFilter(label="已逾期")  # the `overdue` annotation of services.reports.with_overdue

    class Meta:
        model = InformationReport
        fields = ["incident", "kind", "status"]


class PublicReportFilterSet(ScopedFilterSet):
    class Meta:
        model = PublicReport
        fields = ["status", "incident"]


class DutyShiftFilterSet(ScopedFilterSet):
    on = DateFilter(method="filter_on", label="值班日期")

    class Meta:
        model = DutyShift
        fields = ["leader"]

    def filter_on(self, queryset, name, day):
        """Shifts going on during that local day."""
        begins = _local_midnight(day)
        return queryset.filter(starts_at__lt=begins + timedelta(days=1), ends_at__gt=begins)


class DutyLogEntryFilterSet(ScopedFilterSet):
    """值班日志: ?day=YYYY-MM-DD (entries of that local day), ?kind=, ?shift=<id>, ?handled_by=<id>,
    ?open=true (a follow-up not done yet)."""

    day = DateFilter(method="filter_day", label="日期")
    open = FlagFilter(method="filter_open", label="待跟进")

    class Meta:
        model = DutyLogEntry
        fields = ["kind", "shift", "handled_by"]

    def filter_day(self, queryset, name, day):
        begins = _local_midnight(day)
        return queryset.filter(time__gte=begins, time__lt=begins + timedelta(days=1))

    def filter_open(self, queryset, name, value):
        pending = queryset.exclude(follow_up="").filter(follow_up_done=False)
        return pending if value else queryset.exclude(pk__in=pending.values("pk"))
