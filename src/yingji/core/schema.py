"""OpenAPI: shared components and the schema class, so the schema says what the endpoints really answer.

- GeoJSON answers (map layers, boundaries, routes, isochrones) are the shared components `FeatureCollection`
  and `Feature`, not the viewset's record serializer.
- An extra action (@action) documents a paginated page only when it really paginates (calls
  `self.paginate_queryset`); DRF's default would wrap every list answer of a viewset with a paginator.
- An extra action that declares no response is documented as free-form JSON instead of the viewset's record
  (which it almost never answers); declare its real shape with `@extend_schema(responses=...)`.

Settings: REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"] = "yingji.core.schema.AutoSchema".
"""

import inspect

from django.db import models
from drf_spectacular import openapi
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers

GEOMETRY_TYPES = ["Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon"]


@extend_schema_field({"oneOf": [{"type": "integer"}, {"type": "string"}]})
class FeatureIdField(serializers.Field):
    """A feature's id: the record's number, or a string for grid clusters ("c12_34")."""


@extend_schema_field({
    "type": "object", "nullable": True, "required": ["type", "coordinates"],
    "properties": {"type": {"type": "string", "enum": GEOMETRY_TYPES},
                   "coordinates": {"type": "array", "items": {}}},
})
class GeometryField(serializers.JSONField):
    """A GeoJSON geometry (RFC 7946): points for records, polygons for areas, a line for a route."""


class FeatureSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["Feature"])
    id = FeatureIdField(required=False)
    geometry = GeometryField()
    properties = serializers.DictField(help_text="图层弹窗的字段（随图层而定）；网格聚合时为 cluster、count")


class FeatureCollectionSerializer(serializers.Serializer):
    type = serializers.ChoiceField(choices=["FeatureCollection"])
    features = FeatureSerializer(many=True)
    truncated = serializers.BooleanField(required=False, help_text="要素数超过上限被截断")
    total = serializers.IntegerField(required=False, help_text="返回的要素数（聚合时为点数）")
    clustered = serializers.BooleanField(required=False, help_text="按缩放级别返回了网格聚合")


# The component names clients see (FeatureCollection, Feature) rather than the serializer class names.
FeatureSerializer.__name__ = "Feature"
FeatureCollectionSerializer.__name__ = "FeatureCollection"
FEATURE = FeatureSerializer
FEATURE_COLLECTION = FeatureCollectionSerializer

BBOX_PARAMETER = OpenApiParameter("bbox", OpenApiTypes.STR, description="西,南,东,北（度）")
ZOOM_PARAMETER = OpenApiParameter(
    "zoom", OpenApiTypes.INT, description="地图缩放级别 0–22；给出且范围内点数超过 2000 时返回网格聚合（cluster、count）")

_CRUD = {"list", "retrieve", "create", "update", "partial_update", "destroy", "metadata"}


def _extra_action(view):
    """The @action method the request is routed to, or None for the CRUD actions and plain views."""
    name = getattr(view, "action", None)
    if not name or name in _CRUD:
        return None
    method = getattr(view, name, None)
    return method if getattr(method, "mapping", None) is not None else None


def _model_field(field):
    """The model field behind a ModelSerializer field, or None."""
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return None
    try:
        return model._meta.get_field(field.source)
    except Exception:  # a property or a method: not a model field
        return None


class AutoSchema(openapi.AutoSchema):
    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        # DRF drops allow_blank from read-only fields, so a read-only choice of a blank=True column (e.g. an
        # incident's accident_grade before grading) would be documented without "" although it answers "".
        if isinstance(field, serializers.ChoiceField) and field.read_only and not field.allow_blank:
            column = _model_field(field)
            if column is not None and column.blank and not column.null and isinstance(column, models.CharField):
                field.allow_blank = True
        return super()._map_serializer_field(field, direction, bypass_extensions)

    def _get_paginator(self):
        action = _extra_action(self.view)
        if action is not None and "paginate_queryset" not in inspect.getsource(action):
            return None  # the action answers a plain list
        return super()._get_paginator()

    def get_response_serializers(self):
        # Reached only when no @extend_schema(responses=...) covers this method (that one answers first).
        if _extra_action(self.view) is not None and self.method == "GET":
            return OpenApiTypes.ANY
        return super().get_response_serializers()


def rows(component: str, /, **fields):
    """The documented answer of an action that returns a plain list of dicts (not records)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(name=component, fields=fields, many=True)


def shape(component: str, /, **fields):
    """The documented answer of an action that returns one dict (not a record)."""
    from drf_spectacular.utils import inline_serializer

    return inline_serializer(name=component, fields=fields)


AREA = shape("Area", type=serializers.ChoiceField(choices=["Polygon", "MultiPolygon"]),
             coordinates=serializers.ListField(child=serializers.JSONField()),
             method=serializers.CharField(help_text="路网，或无路网时的 估算(直线)"))
