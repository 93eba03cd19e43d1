"""Base classes every app's api.py builds on: scoped reads, writes through services.

Kept apart from core/api.py because DRF reads the settings that name these classes
while the viewsets below are being defined.
"""

from rest_framework import serializers, viewsets
from rest_framework.exceptions import ValidationError

from .scoping import scope


def int_param(params, name: str) -> int:
    try:
        return int(params[name])
    except ValueError:
        raise ValidationError({name: [f"“{params[name]}”不是有效的编号。"]}) from None


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key that only accepts ids of records the requesting user may see."""

    default_error_messages = {"does_not_exist": "编号为 {pk_value} 的记录不存在，或不在您的管辖范围内。"}

    def get_queryset(self):
        return scope(super().get_queryset(), self.context["request"].user)


class ServiceViewSet(viewsets.ModelViewSet):
    """A model viewset whose reads go through region scoping and whose writes go through services.

    Subclasses set `save_service(actor, instance, data)` and `delete_service(actor, instance)`.
    """

    save_service = None
    delete_service = None

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)

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
