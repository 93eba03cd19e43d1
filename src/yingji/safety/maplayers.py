"""One-map layers of safety supervision: enterprises by 监管类别, major hazard sources by GB 18218 level, risk points
and drawn risk areas in their four colours (四色图), open hazards (未销号隐患: 重大 red, 一般 amber, overdue dark red)."""

from yingji.core.layers import Layer

CATEGORY_COLOURS = (("hazchem_production", "#6a1b9a", "危险化学品生产"), ("hazchem_storage", "#8e24aa", "危险化学品经营（带储存）"),
                    ("hazchem_trade", "#ab47bc", "危险化学品经营（不带储存）"), ("hazchem_use", "#5e35b1", "危险化学品使用"),
                    ("mining", "#6d4c41", "非煤矿山"), ("fireworks", "#e64a19", "烟花爆竹"),
                    ("industry_trade", "#546e7a", "工贸"), (None, "#90a4ae", "其他"))
MAJOR_COLOURS = (("一级", "#d9342b", "一级"), ("二级", "#f28c28", "二级"), ("三级", "#f2c81c", "三级"),
                 ("四级", "#2f6fd6", "四级"))
RISK_COLOURS = (("#d9342b", "#d9342b", "红（重大风险）"), ("#f28c28", "#f28c28", "橙（较大风险）"),
                ("#f2c81c", "#f2c81c", "黄（一般风险）"), ("#2f6fd6", "#2f6fd6", "蓝（低风险）"))

LAYERS = [
    Layer("enterprises", "企业（按监管类别）", "enterprise-layer", "安全监管", "safety.view_enterprise",
          colour_by="category", title="name", radius=5, default_on=False, order=58, legend=CATEGORY_COLOURS,
          popup=(("category_label", "监管类别"), ("major_level", "重大危险源"), ("principal", "主要负责人"))),
    Layer("major_hazards", "重大危险源（按级别）", "enterprise-layer", "安全监管", "safety.view_enterprise",
          params={"has_major": "1"}, colour_by="major_level", title="name", radius=8, order=59, legend=MAJOR_COLOURS,
          popup=(("major_level", "最高级别"), ("category_label", "监管类别"), ("principal", "主要负责人"))),
    Layer("risk_points", "风险点（四色）", "riskpoint-layer", "安全监管", "safety.view_riskpoint",
          colour_by="colour", title="name", radius=6, default_on=False, order=60, legend=RISK_COLOURS,
          popup=(("owner", "所属"), ("level", "风险等级"), ("control_level", "管控层级"))),
    Layer("risk_areas", "风险四色图（范围）", "riskpoint-areas", "安全监管", "safety.view_riskpoint",
          kind="areas", colour_by="colour", title="name", default_on=False, order=61, legend=RISK_COLOURS,
          popup=(("owner", "所属"), ("level", "风险等级"))),
    Layer("hazards_open", "未销号隐患", "hazard-layer", "安全监管", "safety.view_hazard", params={"open": "1"},
          colour_by="state", title="name", radius=6, order=62,
          popup=(("place", "单位"), ("grade_label", "等级"), ("status_label", "状态"), ("deadline", "整改期限")),
          legend=(("overdue", "#7f0000", "已逾期"), ("major", "#d32f2f", "重大事故隐患"), ("general", "#f9a825", "一般隐患"))),
]
