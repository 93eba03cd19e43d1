NAV = [
    ("安全监管", [
        ("企业（一企一档）", "safety:enterprise_list", "safety.view_enterprise"),
        ("安全许可证", "safety:licence_list", "safety.view_licence"),
        ("重大危险源", "safety:major_hazard_list", "safety.view_hazardunit"),
        ("隐患排查治理", "safety:hazard_list", "safety.view_hazard"),
        ("隐患统计", "safety:hazard_stats", "safety.view_hazard"),
        ("风险点（四色图）", "safety:risk_point_list", "safety.view_riskpoint"),
        ("风险分级标准", "safety:risk_scheme_list", "safety.view_riskscheme"),
        ("执法检查", "safety:inspection_list", "safety.view_inspection"),
        ("双随机抽取", "safety:draw_list", "safety.view_draw"),
        ("年度检查计划", "safety:plan_list", "safety.view_inspectionplan"),
        ("执法人员库", "safety:inspector_list", "safety.view_inspector"),
        ("执法文书", "safety:document_list", "safety.view_enforcementdocument"),
        ("行政处罚", "safety:penalty_list", "safety.view_penalty"),
        ("失信名单", "safety:credit_list", "safety.view_creditlisting"),
    ]),
]
