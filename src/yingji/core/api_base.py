"""Base classes every app's api.py builds on: scoped reads, writes through services.

Kept apart from core/api.py because DRF reads the settings that name these classes
while the viewsets below are being defined.
"""

from django.core.exceptions import ValidationError
from rest_framework import mixins, serializers, viewsets
from rest_framework.permissions import SAFE_METHODS

from .schema import AutoSchema
from .scoping import scope

MAX_INT = 2**63 - 1  # PostgreSQL bigint and SQLite INTEGER: past it SQLite raises OverflowError
MAX_DAYS = 36500  # a horizon in days: a century, far inside the dates Python can count to


def int_param(params, name: str, default=None, *, min_value: int = 1, max_value: int = MAX_INT,
              label: str = "编号") -> int:
    """An integer query parameter within [min_value, max_value] (an id by default), or a ValidationError
    naming it (a 400 in the API; pages show its message). Without `default` the parameter is required."""
    raw = params.get(name)
    if raw in (None, ""):
        if default is None:
            raise ValidationError({name: [f"请提供{label}（{name}）。"]})
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({name: [f"“{raw}”不是有效的{label}。"]}) from None
    if not min_value <= value <= max_value:
        raise ValidationError({name: [f"{label}应在 {min_value} 到 {max_value} 之间。"]})
    return value


def days_param(params, name: str = "days", default: int = 90) -> int:
    return int_param(params, name, default, min_value=0, max_value=MAX_DAYS, label="天数")


class ScopedViewSetMixin:
    """Region scoping for every action of a viewset, by construction (as NetBox's BaseViewSet restricts its
    queryset in initial()): once the request is authenticated, `self.queryset` itself is narrowed to the
    user's region and below, so list, detail, updates, deletes and custom actions that start from
    get_queryset()/get_object() all see the scoped records only. A get_queryset() of a subclass builds on
    super().get_queryset() (core/checks.py refuses one that does not, yingji.E006); a viewset whose records
    are scoped in another way (e.g. the public-report inbox) overrides `scope_queryset`."""

    def scope_queryset(self, queryset):
        # Writes (PUT/PATCH/DELETE and POST actions) reach only the user's region and below, even for
        # records of the regions above that apply downwards and are readable here.
        return scope(queryset, self.request.user, for_write=self.request.method not in SAFE_METHODS)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if self.queryset is not None:
            self.queryset = self.scope_queryset(self.queryset)

    def paginate_queryset(self, queryset):
        # Pages of an unordered queryset (no Meta.ordering, or one dropped by an aggregate's GROUP BY) may
        # repeat or skip records between pages: the primary key settles the order.
        if hasattr(queryset, "ordered") and not queryset.ordered:
            queryset = queryset.order_by("pk")
        return super().paginate_queryset(queryset)


class ScopedReadOnlyViewSet(ScopedViewSetMixin, viewsets.ReadOnlyModelViewSet):
    """List and detail of scoped records; writes go through custom actions calling services."""


class ScopedLedgerViewSet(ScopedViewSetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                          viewsets.GenericViewSet):
    """List and detail only, plus whatever `create` the subclass defines (ledgers, logs)."""


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts ids of records the requesting user may see."""

    default_error_messages = {"does_not_exist": "编号为 {pk_value} 的记录不存在，或不在您的管辖范围内。"}

    def get_queryset(self):
        return scope(super().get_queryset(), self.context["request"].user)


WARNINGS_SCHEMA = {"type": "object", "required": ["warnings"], "properties": {"warnings": {
    "type": "array", "items": {"type": "string"},
    "description": "保存成功但需核对的事项，如坐标不在所选区划范围内（并说明坐标所在地）；无则为空列表。"}}}


class _WarningsSchema(AutoSchema):
    """The create/update answers of a located record are the record plus `warnings`."""

    def _get_response_bodies(self, direction="response"):
        bodies = super()._get_response_bodies(direction)
        if getattr(self.view, "action", None) in ("create", "update", "partial_update") and _located(self.view):
            for code in ("200", "201"):
                for media in (bodies.get(code) or {}).get("content", {}).values():
                    media["schema"] = {"allOf": [media["schema"], WARNINGS_SCHEMA]}
        return bodies


def _located(view) -> bool:
    from .generic import has_location

    queryset = getattr(view, "queryset", None)
    return queryset is not None and has_location(queryset.model)


class LocationWarningsMixin:
    """Create and update answers of a record with a point and a region carry `warnings`: saved, but worth a second
    look (the point lies outside the record's region, and where it lies). Empty when all is well."""

    schema = _WarningsSchema()

    def get_serializer(self, *args, **kwargs):
        serializer = super().get_serializer(*args, **kwargs)
        if self.request is not None and self.request.method not in SAFE_METHODS:
            self._written = serializer  # the one create()/update() saves through
        return serializer

    def create(self, request, *args, **kwargs):
        return self._warned(super().create(request, *args, **kwargs))

    def update(self, request, *args, **kwargs):  # partial_update comes through here too
        return self._warned(super().update(request, *args, **kwargs))

    def _warned(self, response):
        from .generic import has_location, location_warnings

        instance = getattr(getattr(self, "_written", None), "instance", None)
        if instance is not None and has_location(type(instance)) and isinstance(response.data, dict):
            response.data["warnings"] = location_warnings(instance)
        return response


class ServiceViewSet(LocationWarningsMixin, ScopedViewSetMixin, viewsets.ModelViewSet):
    """A model viewset whose reads go through region scoping and whose writes go through services.

    Subclasses set `save_service(actor, instance, data)` and `delete_service(actor, instance)`.
    """

    save_service = None
    delete_service = None

    def save_extra(self, serializer) -> dict:
        return {}

    def perform_create(self, serializer):
        extra = self.save_extra(serializer)  # first: it pops the non-model fields
        serializer.instance = type(self).save_service(
            self.request.user, self.queryset.model(), dict(serializer.validated_data), **extra
        )

    def perform_update(self, serializer):
        extra = self.save_extra(serializer)
        serializer.instance = type(self).save_service(
            self.request.user, serializer.instance, dict(serializer.validated_data), **extra
        )

    def perform_destroy(self, instance):
        type(self).delete_service(self.request.user, instance)
