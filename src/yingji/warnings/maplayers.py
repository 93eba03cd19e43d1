"""One-map layer of warnings: the areas of the warnings in force, filled in their level colour, with the people
reached in the popup (views/warnings.WarningLayerView)."""

from yingji.core.layers import Layer

from .views.common import HEX

LEGEND = (("red", HEX["red"], "红色预警"), ("orange", HEX["orange"], "橙色预警"), ("yellow", HEX["yellow"], "黄色预警"),
          ("blue", HEX["blue"], "蓝色预警"), (None, "#7a8594", "未定级"))

LAYERS = [
    Layer("warnings_active", "生效中的预警（区域）", "warnings:warning_layer", "预警发布", "warnings.view_warning",
          kind="areas", colour_by="level_colour", title="name", legend=LEGEND, order=35,
          popup=(("level_label", "级别"), ("area_desc", "区域"), ("people_reached", "覆盖人数"), ("expires", "失效时间"))),
]
