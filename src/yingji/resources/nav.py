NAV = [
    ("应急资源", [
        ("救援队伍", "resources:force_list", "resources.view_rescueforce"),
        ("消防站覆盖", "resources:coverage", "resources.view_rescueforce"),
        ("消防站选址", "resources:siting", "resources.view_rescueforce"),
        ("车辆", "resources:vehicle_list", "resources.view_vehicle"),
        ("装备器材", "resources:equipment_list", "resources.view_equipment"),
        ("全寿命周期预警", "resources:lifecycle", "resources.view_vehicle"),
        ("储备库", "resources:warehouse_list", "resources.view_warehouse"),
        ("物资目录", "resources:item_list", "resources.view_supplyitem"),
        ("库存预警", "resources:stock_report", "resources.view_stocklevel"),
        ("协议储备", "resources:agreement_list", "resources.view_agreementreserve"),
        ("物资可用量", "resources:availability", "resources.view_stocklevel"),
        ("专家库", "resources:expert_list", "resources.view_expert"),
        ("避难场所", "resources:shelter_list", "resources.view_shelter"),
        ("避难容量与人口", "resources:shelter_capacity", "resources.view_shelter"),
        ("消火栓与水源", "resources:hydrant_list", "resources.view_hydrant"),
    ]),
]
