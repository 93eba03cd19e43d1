"""One-map layers of emergency resources: forces by type (coloured by readiness), vehicles, warehouses
(stock status), shelters (capacity) and hydrants (status)."""

from yingji.core.layers import Layer

READINESS = (("on_duty", "#2e7d32", "在岗"), ("dispatched", "#c62828", "出动"), ("resting", "#f9a825", "休整"),
             ("disabled", "#9e9e9e", "停用"))
FORCE_POPUP = (("type_label", "类型"), ("status_label", "战备状态"), ("members_on_duty", "在岗人数（人）"))
FORCE_GROUPS = [
    ("forces_fire", "消防救援力量", "fire_station,government_fire,enterprise_fire,volunteer_fire,micro_fire", True),
    ("forces_professional", "综合/专业救援队伍", "comprehensive,professional", True),
    ("forces_local", "乡镇/村救援队", "township,village", True),
    ("forces_social", "社会力量与民兵", "social,military", False),
]

LAYERS = [
    *[Layer(key, label, "rescueforce-layer", "救援力量", "resources.view_rescueforce", params={"types": types},
            colour_by="status", legend=READINESS, popup=FORCE_POPUP, default_on=on, order=20 + index)
      for index, (key, label, types, on) in enumerate(FORCE_GROUPS)],
    Layer("vehicles", "车辆（在所属队站）", "vehicle-layer", "救援力量", "resources.view_vehicle",
          colour_by="status", radius=4, default_on=False, order=30,
          popup=(("type_label", "车型"), ("status_label", "状态"), ("station", "所属队站")),
          legend=(("available", "#2e7d32", "在位"), ("dispatched", "#c62828", "出动"),
                  ("maintenance", "#f9a825", "维修"), ("retired", "#9e9e9e", "报废"))),
    Layer("warehouses", "储备库", "warehouse-layer", "物资与场所", "resources.view_warehouse",
          colour_by="stock_status", radius=7, order=40,
          popup=(("level", "层级"), ("stock_status_label", "库存状态"), ("items_in_stock", "有库存物资（种）"),
                 ("items_short", "低于定额（种）")),
          legend=(("ok", "#6a1b9a", "库存正常"), ("short", "#e65100", "低于定额"), ("empty", "#bdbdbd", "无库存"))),
    Layer("shelters", "应急避难场所", "shelter-layer", "物资与场所", "resources.view_shelter",
          colour_by="status", radius=7, order=41,
          popup=(("type_label", "类型"), ("capacity", "容纳人数（人）"), ("status_label", "状态")),
          legend=(("ready", "#00897b", "可用"), ("in_use", "#0277bd", "已启用"), ("maintenance", "#f9a825", "维护中"),
                  ("closed", "#9e9e9e", "停用"))),
    Layer("hydrants", "消火栓与水源", "hydrant-layer", "物资与场所", "resources.view_hydrant",
          colour_by="status", radius=4, default_on=False, order=42,
          popup=(("type_label", "类型"), ("status_label", "状态")),
          legend=(("ok", "#1e88e5", "完好"), ("damaged", "#d81b60", "损坏"), ("repairing", "#fb8c00", "维修中"),
                  ("disabled", "#9e9e9e", "停用"))),
]
