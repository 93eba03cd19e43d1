"""One-map layers of incidents: the active ones, and all reported in the last 30 days, coloured by level."""

from datetime import timedelta

from django.utils import timezone

from yingji.core.layers import Layer

LEVEL_COLOURS = (("red", "#d32f2f", "特别重大（I级）"), ("orange", "#f57c00", "重大（II级）"),
                 ("yellow", "#fbc02d", "较大（III级）"), ("blue", "#1976d2", "一般（IV级）"), ("grey", "#9e9e9e", "未定级"))
POPUP = (("number", "编号"), ("nature_label", "性质"), ("event_name", "类别"), ("grade_label", "等级"), ("status_label", "状态"),
         ("reported_at", "接报时间"))


def last_30_days():
    return {"since": (timezone.localdate() - timedelta(days=30)).isoformat(), "merged": "0"}


LAYERS = [
    Layer("incidents_active", "处置中的事件", "incident-layer", "突发事件", "incidents.view_incident",
          params={"active": "1"}, colour_by="colour", legend=LEVEL_COLOURS, title="title", popup=POPUP,
          radius=9, order=1),
    Layer("incidents_30d", "近30天事件", "incident-layer", "突发事件", "incidents.view_incident",
          params=last_30_days, colour_by="colour", legend=LEVEL_COLOURS, title="title", popup=POPUP,
          radius=6, default_on=False, order=2),
]
