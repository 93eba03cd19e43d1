"""One-map layers of the web app: the roads of an imported road network, drawn from this app's own endpoint
(offered only once a network is imported; the vector base map when no tiles are set)."""

from yingji.core.layers import Layer

from .onemap import has_road_network

LAYERS = [
    Layer("roads", "路网", "web:onemap_roads", "基础底图", "core.view_region", kind="lines", colour="#b0a48a",
          title="name", legend=((None, "#b0a48a", "道路（已导入路网）"),), available=has_road_network, order=92),
]
