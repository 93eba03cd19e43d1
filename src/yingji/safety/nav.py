NAV = [
    ("安全监管", [
        ("企业（一企一档）", "safety:enterprise_list", "safety.view_enterprise"),
        ("安全许可证", "safety:licence_list", "safety.view_licence"),
        ("重大危险源", "safety:major_hazard_list", "safety.view_hazardunit"),
        ("隐患排查治理", "safety:hazard_list", "safety.view_hazard"),
        ("隐患统计", "safety:hazard_stats", "safety.view_hazard"),
        ("风险点（四色图）", "safety:risk_point_list", "safety.view_riskpoint"),
        ("风险分级标准", "safety:risk_scheme_list", "safety.view_riskscheme"),
    ]),
]
