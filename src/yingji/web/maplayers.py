"""One-map layers of the web app: the roads of an imported road network, drawn from this app's own endpoint
(offered only once a network is imported; the vector base map when no tiles are set)."""

from yingji.core.layers import Layer
from yingji.core.places import PlaceSource

from .onemap import has_road_network

LAYERS = [
    Layer("roads", "路网", "web:onemap_roads", "基础底图", "core.view_region", kind="lines", colour="#b0a48a",
          title="name", legend=((None, "#b0a48a", "道路（已导入路网）"),), available=has_road_network, order=92),
]

# Place search (core/places.py) over the registered places with a location and the incidents' addresses. Declared
# here, on top of the apps, until each app lists its own in its maplayers.py.
PLACES = [
    PlaceSource("shelter", "应急避难场所", "resources.Shelter", order=20),
    PlaceSource("warehouse", "储备库", "resources.Warehouse", order=30),
    PlaceSource("force", "救援队伍", "resources.RescueForce", order=40),
    PlaceSource("incident", "事件", "incidents.Incident", fields=("title", "address"), order=50),
]
