"""One way to filter: django-filter FilterSets, declared once per model in each app's filtersets.py and shared by
the list page, its Excel export and the API (DjangoFilterBackend).

A parameter of the wrong type or value never reaches the database and is never dropped: the API answers 400 in
its error shape naming the parameter, a page shows a Chinese message with an empty list. Integers are bounded to
64 bits (SQLite raises OverflowError past that), ids to positive ones, flags accept true/false/1/0/是/否, and
`region` means that region and everything below it, for every model, through the model's `region_field`.
"""

import django_filters as filters
from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django_filters.filterset import FILTER_FOR_DBFIELD_DEFAULTS
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from yingji.standards import event_codes

from .models import AuditEntry, Contact, Organisation, Region, RegionGDP, User

MAX_INT = 2**63 - 1  # PostgreSQL bigint and SQLite INTEGER


class BoundedIntegerField(forms.IntegerField):
    default_error_messages = {"invalid": "“%(value)s”不是有效的整数。"}

    def __init__(self, *, min_value=-MAX_INT, max_value=MAX_INT, **kwargs):
        super().__init__(min_value=min_value, max_value=max_value, **kwargs)

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            if exc.code == "invalid":
                raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from None
            raise


class IdField(BoundedIntegerField):
    default_error_messages = {
        "invalid": "“%(value)s”不是有效的编号。",
        "min_value": "编号应为正整数。",
        "max_value": "编号超出范围。",
    }

    def __init__(self, **kwargs):
        super().__init__(min_value=1, **kwargs)


class FlagField(forms.Field):
    """true/false, 1/0, yes/no, 是/否; anything else is an error, not "no filter"."""

    TRUE, FALSE = {"true", "1", "yes", "是"}, {"false", "0", "no", "否"}

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in self.TRUE:
            return True
        if text in self.FALSE:
            return False
        raise ValidationError("“%(value)s”无效，应为 true 或 false（1 或 0）。", code="invalid", params={"value": value})


class EventCodeField(forms.CharField):
    """A GB/T 35561 event code at any level (12000, 12D00, 12D02); an unknown one is an error."""

    def to_python(self, value):
        code = super().to_python(value).strip().upper()
        if code:
            try:
                event_codes.get(code)
            except ValueError as exc:
                raise ValidationError(str(exc), code="invalid") from None
        return code


@extend_schema_field(OpenApiTypes.INT64)
class IntegerFilter(filters.Filter):
    field_class = BoundedIntegerField


class DaysField(BoundedIntegerField):
    """A horizon in days: 0 to a century (further would overflow date arithmetic)."""

    def __init__(self, **kwargs):
        from .api_base import MAX_DAYS

        super().__init__(min_value=0, max_value=MAX_DAYS, **kwargs)


class DayField(forms.DateField):
    input_formats = ["%Y-%m-%d"]
    default_error_messages = {"invalid": "“%(value)s”不是有效日期，应为 YYYY-MM-DD。"}

    def to_python(self, value):
        try:
            return super().to_python(value)
        except ValidationError as exc:
            raise ValidationError(self.error_messages["invalid"], code="invalid", params={"value": value}) from exc


class DateFilter(filters.DateFilter):
    """A day as YYYY-MM-DD; anything else names the expected format."""

    field_class = DayField


@extend_schema_field(OpenApiTypes.INT)
class DaysFilter(filters.Filter):
    field_class = DaysField


@extend_schema_field(OpenApiTypes.STR)
class EventCodeFilter(filters.CharFilter):
    field_class = EventCodeField


@extend_schema_field(OpenApiTypes.INT64)
class IdFilter(filters.Filter):
    """A foreign key or primary key by id. Deliberately not a ModelChoiceFilter: that would look the id up in
    every region (telling a guessed id apart from a missing one) and overflow SQLite on a huge one."""

    field_class = IdField


@extend_schema_field(OpenApiTypes.BOOL)
class FlagFilter(filters.BooleanFilter):
    field_class = FlagField


class ChoiceInFilter(filters.BaseInFilter, filters.ChoiceFilter):
    """?types=a,b: several choices at once, each checked."""


class RegionFilter(IdFilter):
    """?region=<id>: records of that region and of every region below it (by Region.path), through the
    model's `region_field`. An id that names no region the user can name gives an empty list."""

    def __init__(self, **kwargs):
        kwargs.setdefault("label", "区划")
        kwargs.setdefault("help_text", "区划编号：该区划及其所有下级区划的记录")
        super().__init__(**kwargs)

    def filter(self, queryset, value):
        if value is None:
            return queryset
        region = Region.objects.filter(pk=value).only("path").first()
        if region is None:
            return queryset.none()
        field = queryset.model.region_field
        return queryset.filter(**{f"{field}__path__startswith" if field else "path__startswith": region.path})


class FilterSet(filters.FilterSet):
    """Base of every FilterSet: integers bounded, foreign keys by id, booleans strict."""

    FILTER_DEFAULTS = {
        **FILTER_FOR_DBFIELD_DEFAULTS,
        **{field: {"filter_class": IntegerFilter} for field in (
            models.AutoField, models.BigAutoField, models.IntegerField, models.SmallIntegerField,
            models.BigIntegerField, models.PositiveIntegerField, models.PositiveSmallIntegerField,
            models.PositiveBigIntegerField)},
        models.ForeignKey: {"filter_class": IdFilter},
        models.OneToOneField: {"filter_class": IdFilter},
        models.BooleanField: {"filter_class": FlagFilter},
        models.DateField: {"filter_class": DateFilter},
    }


class ScopedFilterSet(FilterSet):
    """For region-scoped models: adds the one sub-region filter."""

    region = RegionFilter()


def apply(filterset_class, params, queryset, request=None):
    """The page's and the export's way in: the filtered queryset, or a ValidationError {param: [reasons]}."""
    filterset = filterset_class(params, queryset=queryset, request=request)
    if not filterset.is_valid():
        raise ValidationError({name: list(errors) for name, errors in filterset.errors.items()})
    return filterset.qs


def error_text(exc: ValidationError, filterset_class=None) -> str:
    """One Chinese sentence naming each bad parameter by its label."""
    labels = {name: str(f.label or name) for name, f in filterset_class.base_filters.items()} if filterset_class else {}
    parts = [f"{labels.get(name, name)}（{name}）：{'；'.join(reasons)}" for name, reasons in exc.message_dict.items()]
    return "筛选条件有误：" + "；".join(parts)


# --- The core app's models -------------------------------------------------------------

class RegionFilterSet(ScopedFilterSet):
    parent = IdFilter(label="上级区划")

    class Meta:
        model = Region
        fields = ["level", "kind", "parent"]


class RegionGDPFilterSet(ScopedFilterSet):
    class Meta:
        model = RegionGDP
        fields = ["year"]


class OrganisationFilterSet(ScopedFilterSet):
    class Meta:
        model = Organisation
        fields = ["type", "parent"]


class ContactFilterSet(ScopedFilterSet):
    """通讯录: ?organisation=<id>, ?is_duty_phone=true, ?region=<id> (and below); text search is the page's
    ?q= and the API's ?search=."""

    class Meta:
        model = Contact
        fields = ["organisation", "is_duty_phone"]


class UserFilterSet(ScopedFilterSet):
    class Meta:
        model = User
        fields = ["organisation", "is_active"]


class AuditFilterSet(ScopedFilterSet):
    """Shared by the audit page and the API: actor (name or username), action, model, object, time range."""

    actor = filters.CharFilter(label="操作人", method="filter_actor")
    since = DateFilter(label="起始日期", field_name="time", lookup_expr="date__gte")
    until = DateFilter(label="截止日期", field_name="time", lookup_expr="date__lte")

    class Meta:
        model = AuditEntry
        fields = ["action", "model", "object_id"]

    def filter_actor(self, queryset, name, value):
        return queryset.filter(models.Q(actor_name__icontains=value) | models.Q(actor__username=value))
