"""One-map layer of safety supervision: open hazards (未销号隐患), 重大 in red, 一般 in amber, overdue ones dark red."""

from yingji.core.layers import Layer

LAYERS = [
    Layer("hazards_open", "未销号隐患", "hazard-layer", "安全监管", "safety.view_hazard", params={"open": "1"},
          colour_by="state", title="name", radius=6, order=62,
          popup=(("place", "单位"), ("grade_label", "等级"), ("status_label", "状态"), ("deadline", "整改期限")),
          legend=(("overdue", "#7f0000", "已逾期"), ("major", "#d32f2f", "重大事故隐患"), ("general", "#f9a825", "一般隐患"))),
]
