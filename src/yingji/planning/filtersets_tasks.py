"""FilterSets of plan tasks and joint meetings, shared by the list pages, the 分工 export and the API."""

from django.db.models import Q

from yingji.core.filtersets import DateFilter, FlagFilter, IdFilter, ScopedFilterSet

from .models import Decision, ImplementationPlan, JointMeeting, PlanTask, ProgressReport, TaskMilestone
from .services.tasks import today


class ImplementationPlanFilterSet(ScopedFilterSet):
    class Meta:
        model = ImplementationPlan
        fields = ["issued_on"]


class PlanTaskFilterSet(ScopedFilterSet):
    """?plan=<id>, ?status=, ?unit=<单位 id> (牵头 or 配合), ?lead_unit=<id>, ?overdue=true (as of today, local),
    ?due_before=YYYY-MM-DD."""

    plan = IdFilter(label="实施方案")
    unit = IdFilter(label="责任单位（牵头或配合）", method="filter_unit")
    lead_unit = IdFilter(label="牵头单位", field_name="lead_units")
    overdue = FlagFilter(label="已逾期", method="filter_overdue")
    due_before = DateFilter(label="完成期限不晚于", field_name="deadline", lookup_expr="lte")

    class Meta:
        model = PlanTask
        fields = ["plan", "status"]

    def filter_unit(self, queryset, name, value):
        if value is None:
            return queryset
        ids = PlanTask.objects.filter(Q(lead_units=value) | Q(co_units=value)).values("pk")
        return queryset.filter(pk__in=ids)

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(deadline__lt=today()) & ~Q(status=PlanTask.DONE)
        return queryset.filter(late) if value else queryset.exclude(late)


class TaskMilestoneFilterSet(ScopedFilterSet):
    task = IdFilter(label="规划任务")

    class Meta:
        model = TaskMilestone
        fields = ["task"]


class ProgressReportFilterSet(ScopedFilterSet):
    task = IdFilter(label="规划任务")
    organisation = IdFilter(label="报告单位")
    since = DateFilter(label="起始日期", field_name="reported_at", lookup_expr="date__gte")
    until = DateFilter(label="截止日期", field_name="reported_at", lookup_expr="date__lte")

    class Meta:
        model = ProgressReport
        fields = ["task", "organisation"]


class JointMeetingFilterSet(ScopedFilterSet):
    since = DateFilter(label="起始日期", field_name="date", lookup_expr="gte")
    until = DateFilter(label="截止日期", field_name="date", lookup_expr="lte")

    class Meta:
        model = JointMeeting
        fields = ["kind"]


class DecisionFilterSet(ScopedFilterSet):
    meeting = IdFilter(label="联席会议")
    responsible = IdFilter(label="责任单位")
    overdue = FlagFilter(label="已逾期", method="filter_overdue")

    class Meta:
        model = Decision
        fields = ["meeting", "responsible", "status"]

    def filter_overdue(self, queryset, name, value):
        if value is None:
            return queryset
        late = Q(deadline__lt=today(), status=Decision.OPEN)
        return queryset.filter(late) if value else queryset.exclude(late)

