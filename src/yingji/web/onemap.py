"""The one-map (应急一张图): layers collected from every app's maplayers.LAYERS, drawn with Leaflet.

Adding a layer is a few lines in the owning app's maplayers.py (see yingji.core.layers.Layer); this
page never changes for it. Each layer is fetched by the browser from its own scoped GeoJSON endpoint
with ?bbox= of the view (and ?zoom=, so dense layers come back as server-side clusters).

Base map: YINGJI_MAP_TILES (tile URL template, empty = vector layers only), YINGJI_MAP_TILES_CRS
("wgs84": 天地图/CGCS2000 or an intranet server in WGS84; "gcj02": AMap/Tencent-style tiles, every
overlay is shifted WGS84→GCJ-02 in the browser) and YINGJI_MAP_TILES_ATTRIBUTION; or YINGJI_MAP_TILES_FILE, an
offline MBTiles/PMTiles file served by `map_tile` below (core/tiles.py).

Place search (`place_search`, core/places.py) serves the search box of the one-map and the location picker.
"""


import numpy as np
from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.views.generic import TemplateView

from yingji.core.discovery import app_modules
from yingji.core.errors import error_response
from yingji.core.layers import allow_tiles, map_extent, parse_bbox, tile_settings
from yingji.core.models import Region
from yingji.core.scoping import scope

_LAYERS = None


def all_layers() -> list:
    """Every app's maplayers.LAYERS, in app order then by Layer.order."""
    global _LAYERS
    if _LAYERS is None:
        layers = [layer for module in app_modules("maplayers") for layer in module.LAYERS]
        keys = [layer.key for layer in layers]
        duplicated = {key for key in keys if keys.count(key) > 1}
        if duplicated:
            raise ValueError(f"one-map layer keys used twice: {sorted(duplicated)}")
        _LAYERS = sorted(layers, key=lambda layer: layer.order)
    return _LAYERS


def layers_for(user) -> list[dict]:
    return [layer.for_page() for layer in all_layers()
            if user.has_perm(layer.permission) and (layer.available is None or layer.available())]


# --- Roads of the imported network (yingji roads import): public infrastructure, not region-scoped -------
ROAD_SEGMENT_LIMIT = 30_000
_SEGMENTS: dict = {}


def road_segments(graph):
    """(lon1, lat1, lon2, lat2) of each road once (a two-way road is two directed edges), per loaded graph."""
    key = id(graph)
    if key not in _SEGMENTS:
        source = np.repeat(np.arange(graph.n_nodes), np.diff(graph.indptr))
        pairs = np.unique(np.column_stack([np.minimum(source, graph.indices), np.maximum(source, graph.indices)]),
                          axis=0)
        _SEGMENTS.clear()
        _SEGMENTS[key] = np.column_stack([graph.lon[pairs[:, 0]], graph.lat[pairs[:, 0]],
                                          graph.lon[pairs[:, 1]], graph.lat[pairs[:, 1]]])
    return _SEGMENTS[key]


def has_road_network() -> bool:
    from yingji.core.roads import network

    return network() is not None


def roads_layer(request):
    """GeoJSON of the road segments crossing ?bbox= (one MultiLineString); empty without a network, and
    `too_dense` instead of the lines when the view holds more than ROAD_SEGMENT_LIMIT of them. Errors in the
    API's shape (an expired session answers 401, not the login page)."""
    from yingji.core.roads import network

    if not request.user.is_authenticated:
        return error_response(401, "not_authenticated", "登录已过期，请重新登录。")
    try:
        bbox = parse_bbox(request.GET.get("bbox"))
    except ValidationError as exc:
        return error_response(400, "invalid", "请求参数有误。", exc.message_dict)
    graph = network()
    empty = {"type": "FeatureCollection", "features": [], "total": 0, "truncated": False}
    if graph is None:
        return JsonResponse(empty)
    segments = road_segments(graph)
    if bbox is not None:  # a segment's envelope meets the box (a long road may cross the view, ends outside)
        west, south, east, north = bbox
        lon1, lat1, lon2, lat2 = segments.T
        segments = segments[(np.minimum(lon1, lon2) <= east) & (np.maximum(lon1, lon2) >= west)
                            & (np.minimum(lat1, lat2) <= north) & (np.maximum(lat1, lat2) >= south)]
    if len(segments) > ROAD_SEGMENT_LIMIT:
        return JsonResponse({**empty, "total": len(segments), "too_dense": True})
    lines = segments.round(6).reshape(-1, 2, 2).tolist()
    return JsonResponse({**empty, "total": len(lines), "features": [{
        "type": "Feature", "id": "roads", "geometry": {"type": "MultiLineString", "coordinates": lines},
        "properties": {"name": f"路网 {graph.name}"}}] if lines else []})


class OneMapView(LoginRequiredMixin, TemplateView):
    template_name = "web/onemap.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        region = None
        if self.request.GET.get("region", "").isdigit():
            region = scope(Region.objects.all(), user).filter(pk=int(self.request.GET["region"])).first()
        layers = layers_for(user)
        context.update(
            title="应急一张图",
            layers=layers,
            groups=_grouped(layers),
            tiles=tile_settings(),
            onemap_config={"layers": layers, "tiles": tile_settings(), "extent": map_extent(user, region),
                           "search_url": reverse("web:place_search"),
                           "refresh_seconds": settings.YINGJI_MAP_REFRESH_SECONDS,
                           "region": region.full_name if region else None},
        )
        return context

    def render_to_response(self, context, **kwargs):
        return allow_tiles(super().render_to_response(context, **kwargs), context["tiles"]["url"])


def _grouped(layers):
    groups = {}
    for layer in layers:
        groups.setdefault(layer["group"], []).append(layer)
    return [{"title": title, "layers": items} for title, items in groups.items()]


# --- Offline tiles (YINGJI_MAP_TILES_FILE) and place search ------------------------------------------------
TILE_MAX_AGE = 7 * 24 * 3600  # tiles of a package do not change until the file does (then the ETag does)


def map_tile(request, z, x, y, ext):
    """One raster tile of the configured MBTiles/PMTiles file: for logged-in users, like the map pages (the
    tiles are not secret, but an intranet deployment serves nothing to strangers). 404 for a tile the file
    lacks, a wrong extension or coordinates off the grid; ETag and a week's private caching."""
    from yingji.core.tiles import RASTER, TileFileError, configured, etag

    if not request.user.is_authenticated:
        return error_response(401, "not_authenticated", "登录已过期，请重新登录。")
    try:
        source = configured()
    except TileFileError:
        source = None
    if source is None or ext != source.info.format or z > 30 or not (0 <= x < 2 ** z and 0 <= y < 2 ** z):
        return HttpResponse(status=404)
    data = source.get(z, x, y)
    if not data:
        response = HttpResponse(status=404)
        response["Cache-Control"] = "private, max-age=3600"
        return response
    tag = etag(data)
    response = HttpResponse(status=304) if request.headers.get("If-None-Match") == tag else \
        HttpResponse(data, content_type=RASTER[ext])
    response["ETag"] = tag
    response["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"
    return response


def place_search(request):
    """GET ?q=…: places in the user's scope by name or address (core/places.py), best first, as JSON
    {"results": [{name, kind, kind_label, detail, region, lon, lat, bbox, url}]}. Session or API token."""
    from rest_framework.exceptions import AuthenticationFailed

    from yingji.core.places import MAX_QUERY, search
    from yingji.core.security import ExpiringTokenAuthentication

    user = request.user
    if not user.is_authenticated:
        try:
            found = ExpiringTokenAuthentication().authenticate(request)
        except AuthenticationFailed:  # an invalid or expired token: answered as not logged in
            found = None
        if found is None:
            return error_response(401, "not_authenticated", "登录已过期，请重新登录。")
        user = found[0]
    query = request.GET.get("q", "")
    if len(query) > MAX_QUERY:
        return error_response(400, "invalid", "请求参数有误。", {"q": [f"查找内容不能超过 {MAX_QUERY} 个字。"]})
    try:
        limit = min(max(int(request.GET.get("limit", 12)), 1), 50)
    except ValueError:
        return error_response(400, "invalid", "请求参数有误。", {"limit": ["limit 应为 1–50 的整数。"]})
    return JsonResponse({"query": query, "results": search(user, query, limit)})
