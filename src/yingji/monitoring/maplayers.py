"""One-map layer of monitoring: sensors coloured by their state (正常, 一级/二级报警, 离线, 未上报)."""

from yingji.core.layers import Layer

from .models import Sensor

_LABELS = dict(Sensor.STATUS_CHOICES)
# The same colours as the sensor pages (static/monitoring/sensor.css) and api/registry.STATUS_COLOURS.
STATUS_LEGEND = ((Sensor.ALARM2, "#d9342b", _LABELS[Sensor.ALARM2]), (Sensor.ALARM1, "#f2a900", _LABELS[Sensor.ALARM1]),
                 (Sensor.OFFLINE, "#7a8594", _LABELS[Sensor.OFFLINE]), (Sensor.NORMAL, "#2a9d6f", _LABELS[Sensor.NORMAL]),
                 (None, "#b8c4d0", _LABELS[Sensor.NEVER]))

LAYERS = [
    Layer("sensors", "监测点（按状态）", "sensor-layer", "监测预警", "monitoring.view_sensor", colour_by="status",
          title="name", radius=6, order=40, legend=STATUS_LEGEND,
          popup=(("status_label", "状态"), ("kind_label", "监测类型"), ("reading", "最新值"))),
    Layer("sensors_alarming", "报警中的监测点", "sensor-layer", "监测预警", "monitoring.view_sensor",
          params={"alarming": "1"}, colour_by="status", title="name", radius=9, order=41, default_on=False,
          legend=STATUS_LEGEND[:2], popup=(("status_label", "状态"), ("kind_label", "监测类型"), ("reading", "最新值"))),
]
