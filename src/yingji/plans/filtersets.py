"""FilterSets of plans, their levels and task templates, activations and response tasks: one per model, shared
by the list page, its export and the API."""

from django.utils import timezone

from yingji.core.filtersets import EventCodeFilter, FlagFilter, ScopedFilterSet
from yingji.standards import event_codes

from .models import Activation, Plan, ResponseLevel, Task, TaskTemplate


class PlanFilterSet(ScopedFilterSet):
    event_code = EventCodeFilter(method="filter_event_code", label="适用事件类型")

    class Meta:
        model = Plan
        fields = ["type", "status", "owner"]

    def filter_event_code(self, queryset, name, code):
        """Plans whose event codes cover the code (a plan for 12000 covers 12D02)."""
        return queryset.filter(pk__in=[pk for pk, codes in queryset.values_list("pk", "event_codes")
                                       if event_codes.covers(codes, code)])


class ResponseLevelFilterSet(ScopedFilterSet):
    class Meta:
        model = ResponseLevel
        fields = ["plan", "level"]


class TaskTemplateFilterSet(ScopedFilterSet):
    class Meta:
        model = TaskTemplate
        fields = ["response_level", "organisation"]


class ActivationFilterSet(ScopedFilterSet):
    class Meta:
        model = Activation
        fields = ["incident", "plan", "level", "active"]


class TaskFilterSet(ScopedFilterSet):
    """open: 待办/进行中/受阻 of running responses; overdue: open and past due."""

    open = FlagFilter(method="filter_open", label="未完成")
    overdue = FlagFilter(method="filter_overdue", label="已逾期")

    class Meta:
        model = Task
        fields = ["incident", "activation", "status", "organisation"]

    def filter_open(self, queryset, name, value):
        condition = {"status__in": Task.OPEN, "activation__active": True}
        return queryset.filter(**condition) if value else queryset.exclude(**condition)

    def filter_overdue(self, queryset, name, value):
        overdue = {"status__in": Task.OPEN, "activation__active": True, "due_at__lt": timezone.now()}
        return queryset.filter(**overdue) if value else queryset.exclude(**overdue)
