"""Serializer fields shared by every app's api.py."""

from rest_framework import serializers


class PersonNameField(serializers.CharField):
    """A person foreign key shown by name: str(person), or `empty` ("系统") when nobody is set.

    Not `CharField(source="actor.__str__", default="系统")`: None has a `__str__` too, so DRF never fell
    back to the default and showed "<method-wrapper '__str__' of NoneType object at 0x…>".
    """

    def __init__(self, *, source: str, empty="系统", **kwargs):
        self.empty = empty
        super().__init__(source=source, read_only=True, allow_null=empty is None, **kwargs)

    def get_attribute(self, instance):
        person = super().get_attribute(instance)
        return self.empty if person is None else str(person)

    def to_representation(self, value):
        return value
