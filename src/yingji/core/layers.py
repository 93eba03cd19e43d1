"""GeoJSON map layers: any scoped queryset of records with longitude/latitude, cut to a bbox.

The bbox filter is two indexed range conditions, so a layer request stays fast on large
registries; `limit` caps the features (the response says when it was cut).
"""

from django.core.exceptions import ValidationError

MAX_FEATURES = 20_000


def parse_bbox(value: str | None):
    """"W,S,E,N" in degrees → (w, s, e, n); None when absent."""
    if not value:
        return None
    try:
        west, south, east, north = (float(part) for part in value.split(","))
    except ValueError:
        raise ValidationError({"bbox": "bbox 应为“西经度,南纬度,东经度,北纬度”四个数字，如 104.8,30.1,105.3,30.5。"}) from None
    if not (-180 <= west < east <= 180 and -90 <= south < north <= 90):
        raise ValidationError({"bbox": "bbox 的范围无效：应满足 西 < 东、南 < 北，且在经纬度取值范围内。"})
    return west, south, east, north


def in_bbox(queryset, bbox, lon_field="longitude", lat_field="latitude"):
    queryset = queryset.exclude(**{f"{lon_field}__isnull": True}).exclude(**{f"{lat_field}__isnull": True})
    if bbox is None:
        return queryset
    west, south, east, north = bbox
    return queryset.filter(**{f"{lon_field}__gte": west, f"{lon_field}__lte": east,
                              f"{lat_field}__gte": south, f"{lat_field}__lte": north})


def feature_collection(records, properties, limit=MAX_FEATURES) -> dict:
    """records: iterable of objects with .pk/.longitude/.latitude; properties(record) → dict."""
    features = []
    truncated = False
    for index, record in enumerate(records):
        if index >= limit:
            truncated = True
            break
        features.append({
            "type": "Feature",
            "id": record.pk,
            "geometry": {"type": "Point", "coordinates": [record.longitude, record.latitude]},
            "properties": properties(record),
        })
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


class LayerActionMixin:
    """Adds GET <list>/layer/?bbox=W,S,E,N to a viewset: its filtered, scoped queryset as GeoJSON.

    The viewset names `layer_properties(record) → dict`, the popup facts for the one-map.
    """

    layer_properties = None

    def layer(self, request):
        from rest_framework.response import Response

        bbox = parse_bbox(request.query_params.get("bbox"))
        return Response(feature_collection(in_bbox(self.get_queryset(), bbox), type(self).layer_properties))

    @classmethod
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        from drf_spectacular.types import OpenApiTypes
        from drf_spectacular.utils import OpenApiParameter, extend_schema
        from rest_framework.decorators import action

        if "layer" not in cls.__dict__ and cls.layer_properties is not None:
            described = extend_schema(
                parameters=[OpenApiParameter("bbox", OpenApiTypes.STR, description="西,南,东,北（度）")],
                description="GeoJSON FeatureCollection（按 bbox 裁剪，与列表相同的筛选与管辖范围）。",
            )(LayerActionMixin.layer)
            cls.layer = action(detail=False, methods=["get"], url_path="layer")(described)
