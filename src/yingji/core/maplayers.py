"""One-map layers of the core app: region boundaries (where present) and region centres. (The roads layer
belongs to the web app, whose endpoint draws it: web/maplayers.py.)"""

from .layers import Layer
from .places import RegionPlaces

LAYERS = [
    Layer("region_boundaries", "行政区划边界", "region-boundaries", "基础底图", "core.view_region",
          kind="areas", colour="#5c6bc0", title="name", popup=(("level_label", "级别"), ("code", "区划代码")),
          legend=((None, "#5c6bc0", "区划边界"),), order=91),
    Layer("region_centres", "区划中心点", "region-layer", "基础底图", "core.view_region",
          colour_by="level", colour="#7986cb", radius=4, title="name",
          popup=(("level_label", "级别"), ("code", "区划代码"), ("population", "常住人口（人）")),
          legend=(("county", "#3949ab", "县级"), ("township", "#5c6bc0", "乡级"), ("village", "#9fa8da", "村级"),
                  (None, "#283593", "其他")), labels=True, order=90),
]

# Place search (core/places.py): regions of every level, villages included, by name or code.
PLACES = [RegionPlaces("region", "行政区划", "core.Region", fields=("name",), order=10)]
