"""GeoJSON map layers: any scoped queryset of records with longitude/latitude, cut to a bbox.

The bbox filter is two indexed range conditions, so a layer request stays fast on large
registries; `limit` caps the features (the response says when it was cut).

Server-side thinning (opt-in, for the one-map): with `zoom=Z` and more than CLUSTER_THRESHOLD points
in the bbox, the answer is grid clusters instead of points — one feature per occupied cell of about
CLUSTER_CELL_PX screen pixels at that zoom, at the centroid of its points, with `cluster: true` and
`count` (one SQL GROUP BY, see grid_clusters). Zooming in shrinks the cells until the bbox holds few enough points to send them all.

`Layer` describes one layer of the one-map; each app lists its own in `maplayers.py` (LAYERS).
"""

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Avg, Count, F, Max, Min
from django.db.models.functions import Floor

from .middleware import CSP
from .models import Region
from .scoping import scope

MAX_FEATURES = 20_000
CLUSTER_THRESHOLD = 2_000
CLUSTER_CELL_PX = 64


@dataclass(frozen=True)
class Layer:
    """One toggle of the one-map (应急一张图), declared in the owning app's maplayers.py.

    url: URL name of a GeoJSON endpoint (a LayerActionMixin `<basename>-layer`, or any view answering
    ?bbox=W,S,E,N with a FeatureCollection); params: fixed query parameters, or a callable returning
    them at page time (e.g. "last 30 days"). colour_by: the feature property that picks the colour from
    `legend` [(value, colour, label)]; a feature's own `colour` property wins; value None = the rest.
    popup: [(property, label)] shown under the `title` property, with a link to `properties.url`.
    kind: "points" (thinned when dense), "areas" (polygons, drawn as outlines) or "lines" (e.g. roads).
    labels: write each point's `title` beside it (place names: bearings on a map without tiles).
    """

    key: str
    label: str
    url: str
    group: str
    permission: str
    params: dict | object = field(default_factory=dict)
    legend: tuple = ()
    colour_by: str = ""
    colour: str = "#1565c0"
    title: str = "name"
    popup: tuple = ()
    kind: str = "points"
    radius: int = 6
    default_on: bool = True
    labels: bool = False
    order: int = 100
    available: object = None  # callable → bool: offer the layer only when its data exists (e.g. a road network)

    def for_page(self) -> dict:
        from django.urls import reverse

        params = self.params() if callable(self.params) else dict(self.params)
        return {
            "key": self.key, "label": self.label, "url": reverse(self.url), "params": params,
            "group": self.group, "legend": [list(item) for item in self.legend], "colour_by": self.colour_by,
            "colour": self.colour, "title": self.title, "popup": [list(item) for item in self.popup],
            "kind": self.kind, "radius": self.radius, "default_on": self.default_on, "labels": self.labels,
        }


def parse_zoom(value: str | None):
    """Web-map zoom level 0–22 → int; None when absent."""
    if value in (None, ""):
        return None
    try:
        zoom = int(float(value))
    except (ValueError, OverflowError):  # OverflowError: "inf"
        raise ValidationError({"zoom": "zoom 应为 0–22 的整数（地图缩放级别）。"}) from None
    if not 0 <= zoom <= 22:
        raise ValidationError({"zoom": "zoom 应为 0–22 的整数（地图缩放级别）。"})
    return zoom


def cluster_cell_degrees(zoom: int) -> float:
    """Width in degrees of CLUSTER_CELL_PX screen pixels at `zoom` (256-px Web Mercator tiles)."""
    return CLUSTER_CELL_PX * 360.0 / (256 * 2 ** zoom)


def grid_clusters(queryset, zoom: int, lon_field="longitude", lat_field="latitude") -> list[dict]:
    """Cluster features (count + centroid) of a queryset's points on a grid of CLUSTER_CELL_PX-pixel cells at
    `zoom`: one SQL GROUP BY on the floored coordinates (SQLite and PostgreSQL), no rows fetched one by one."""
    cell = cluster_cell_degrees(zoom)
    rows = (queryset.order_by()
            .annotate(cell_x=Floor(F(lon_field) / cell), cell_y=Floor(F(lat_field) / cell))
            .values("cell_x", "cell_y")
            .annotate(count=Count("pk"), lon=Avg(lon_field), lat=Avg(lat_field))
            .order_by("cell_x", "cell_y"))
    return [
        {"type": "Feature", "id": f"c{row['cell_x']:.0f}_{row['cell_y']:.0f}",
         "geometry": {"type": "Point", "coordinates": [round(row["lon"], 6), round(row["lat"], 6)]},
         "properties": {"cluster": True, "count": row["count"]}}
        for row in rows
    ]


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


def feature_collection(records, properties, limit=MAX_FEATURES, point=None) -> dict:
    """records: iterable of objects with .pk/.longitude/.latitude (or point(record) → (lon, lat));
    properties(record) → dict."""
    features = []
    truncated = False
    for index, record in enumerate(records):
        if index >= limit:
            truncated = True
            break
        features.append({
            "type": "Feature",
            "id": record.pk,
            "geometry": {"type": "Point", "coordinates": list(point(record)) if point else [record.longitude, record.latitude]},
            "properties": properties(record),
        })
    return {"type": "FeatureCollection", "features": features, "truncated": truncated}


def url_maker(name: str):
    """pk → URL of a detail route, reversed once, on first use (a reverse() per feature costs more than the
    rest of it; at import time the URLconf may not be loadable yet, so module-level makers are fine)."""
    parts = []

    def url(pk):
        if not parts:
            from django.urls import reverse

            before, _, after = reverse(name, args=[987654321]).partition("987654321")
            parts.extend((before, after))
        return f"{parts[0]}{pk}{parts[1]}"

    return url


def labeller(choices):
    """value → label of a field's choices, without Model.get_FOO_display's per-call hashing."""
    labels = dict(choices)
    return lambda value: labels.get(value, value or "")


def row_collection(rows, properties, lon_field, lat_field, limit=MAX_FEATURES) -> dict:
    """Like feature_collection, for dict rows from .values(): no model instances at all."""
    features = [
        {"type": "Feature", "id": row["id"], "geometry": {"type": "Point", "coordinates": [row[lon_field], row[lat_field]]},
         "properties": properties(row)}
        for row in rows[:limit]
    ]
    return {"type": "FeatureCollection", "features": features, "truncated": len(rows) > limit}


def point_of(lon_field: str, lat_field: str):
    """record → (lon, lat) following Django-style paths such as "station__longitude"."""
    def read(record, path):
        for part in path.split("__"):
            record = getattr(record, part)
        return record
    return lambda record: (read(record, lon_field), read(record, lat_field))


def _jsonable(value):
    """What orjson does not know natively (Decimal, lazy strings…): numbers as floats, the rest as text."""
    from decimal import Decimal

    return float(value) if isinstance(value, Decimal) else str(value)


def layer_renderer():
    """DRF JSON renderer for layers, encoding with orjson: a 10k-feature answer is ~2.5 MB, which the
    standard library's encoder alone takes ~100 ms to write; orjson ~10 ms."""
    import orjson
    from rest_framework.renderers import JSONRenderer

    class LayerJSONRenderer(JSONRenderer):
        def render(self, data, accepted_media_type=None, renderer_context=None):
            return b"" if data is None else orjson.dumps(data, default=_jsonable)

    return LayerJSONRenderer


class LayerActionMixin:
    """Adds GET <list>/layer/?bbox=W,S,E,N to a viewset: its filtered, scoped queryset as GeoJSON.

    The viewset names `layer_properties(record) → dict`, the popup facts for the one-map (with
    `layer_columns` set it gets .values() rows instead: 10k features in well under 200 ms);
    `layer_fields` names the coordinate fields (default longitude/latitude, may follow a relation);
    `layer_prepare(records)` may attach facts to a page of records in a few grouped queries.
    With `zoom=Z` (opt-in) a dense bbox answers with clusters, see `cluster_points`.
    """

    layer_properties = None
    layer_fields = ("longitude", "latitude")
    # Fast path for big registries: name the columns and layer_properties receives .values() rows (dicts).
    layer_columns = None

    def layer_prepare(self, records):
        return records

    def layer(self, request):
        from rest_framework.response import Response

        bbox = parse_bbox(request.query_params.get("bbox"))
        zoom = parse_zoom(request.query_params.get("zoom"))
        lon_field, lat_field = self.layer_fields
        # The viewset's FilterSet applies here too (e.g. ?types= picks one one-map layer's forces).
        queryset = in_bbox(self.filter_queryset(self.get_queryset()), bbox, lon_field, lat_field)
        if zoom is not None and queryset.order_by()[:CLUSTER_THRESHOLD + 1].count() > CLUSTER_THRESHOLD:
            clusters = grid_clusters(queryset, zoom, lon_field, lat_field)
            return Response({"type": "FeatureCollection", "features": clusters, "clustered": True,
                             "total": sum(c["properties"]["count"] for c in clusters), "truncated": False})
        if self.layer_columns:
            rows = list(queryset.select_related(None).order_by("pk")
                        .values("id", lon_field, lat_field, *self.layer_columns)[:MAX_FEATURES + 1])
            collection = row_collection(rows, type(self).layer_properties, lon_field, lat_field)
            collection["total"] = len(collection["features"])
            return Response(collection)
        records = self.layer_prepare(list(queryset[:MAX_FEATURES + 1]))
        point = None if self.layer_fields == ("longitude", "latitude") else point_of(lon_field, lat_field)
        collection = feature_collection(records, type(self).layer_properties, point=point)
        collection["total"] = len(collection["features"])
        return Response(collection)

    @classmethod
    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        from drf_spectacular.utils import extend_schema
        from rest_framework.decorators import action

        from .schema import BBOX_PARAMETER, FEATURE_COLLECTION, ZOOM_PARAMETER

        if "layer" not in cls.__dict__ and cls.layer_properties is not None:
            def layer(self, request):
                return LayerActionMixin.layer(self, request)

            # A function of its own per viewset (the mixin's stays a plain method), made an action first:
            # @action replaces the function's kwargs, where extend_schema keeps the schema.
            routed = action(detail=False, methods=["get"], url_path="layer", renderer_classes=[layer_renderer()])(layer)
            cls.layer = extend_schema(
                parameters=[BBOX_PARAMETER, ZOOM_PARAMETER], responses=FEATURE_COLLECTION,
                description="GeoJSON FeatureCollection（按 bbox 裁剪，与列表相同的筛选与管辖范围）。",
            )(routed)


# --- Base map (tiles) and extent, for every page that draws a map -------------------------------------
def tile_settings() -> dict:
    """The base map of every map page. YINGJI_MAP_TILES_FILE (an MBTiles/PMTiles file, core/tiles.py) wins over
    YINGJI_MAP_TILES: the tiles then come from the app itself (/map/tiles/{z}/{x}/{y}.png), zoom limits and
    attribution from the file. A file that cannot serve (missing, vector) leaves no base map and says why."""
    crs = (getattr(settings, "YINGJI_MAP_TILES_CRS", "wgs84") or "wgs84").lower()
    answer = {"url": getattr(settings, "YINGJI_MAP_TILES", ""), "crs": "gcj02" if crs == "gcj02" else "wgs84",
              "attribution": getattr(settings, "YINGJI_MAP_TILES_ATTRIBUTION", ""), "min_zoom": 0, "max_zoom": 18,
              "error": ""}
    if not getattr(settings, "YINGJI_MAP_TILES_FILE", ""):
        return answer
    from django.urls import reverse

    from .tiles import TileFileError, configured

    try:
        info = configured().info
    except TileFileError as exc:
        return {**answer, "url": "", "error": str(exc)}
    url = reverse("web:map_tile", kwargs={"z": 0, "x": 0, "y": 0, "ext": info.format})
    return {**answer, "url": url.replace("/0/0/0.", "/{z}/{x}/{y}."), "min_zoom": info.min_zoom,
            "max_zoom": info.max_zoom, "attribution": answer["attribution"] or info.attribution}


def tile_source(url: str) -> str:
    """The CSP source of a tile URL template: https://t{s}.tianditu.gov.cn/… → https://*.tianditu.gov.cn."""
    parts = urlsplit(url if "//" in url else "")
    host = parts.netloc.split("@")[-1]
    if not host:
        return ""
    labels = host.split(".")
    if "{" in labels[0]:
        labels[0] = "*"
    return f"{parts.scheme + ':' if parts.scheme else ''}//{'.'.join(labels)}".lstrip(":")


def allow_tiles(response, url: str):
    """Let the configured tile server through a page's CSP img-src (any page drawing a map); returns response."""
    source = tile_source(url)
    if source:
        response.headers["Content-Security-Policy"] = CSP.replace("img-src 'self'", f"img-src 'self' {source}")
    return response


def map_extent(user, region=None):
    """[west, south, east, north] of the region centres (and boundaries) in the user's scope, or None."""
    regions = scope(Region.objects.all(), user)
    if region is not None:
        regions = regions.filter(path__startswith=region.path)
    box = regions.exclude(longitude__isnull=True).aggregate(
        w=Min("longitude"), s=Min("latitude"), e=Max("longitude"), n=Max("latitude"))
    if box["w"] is None:
        return None
    home = region or getattr(user, "region", None)
    west, south, east, north = box["w"], box["s"], box["e"], box["n"]
    if home is not None and isinstance(home.boundary, dict):
        import shapely
        from shapely.geometry import shape

        try:
            bw, bs, be, bn = shapely.bounds(shape(home.boundary.get("geometry", home.boundary)))
            west, south, east, north = min(west, bw), min(south, bs), max(east, be), max(north, bn)
        except (ValueError, TypeError, AttributeError, KeyError):
            pass
    pad = 0.01 if (east - west) < 0.02 else 0
    return [west - pad, south - pad, east + pad, north + pad]
