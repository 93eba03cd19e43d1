NAV = [
    ("安全监管", [
        ("企业（一企一档）", "safety:enterprise_list", "safety.view_enterprise"),
        ("重大危险源", "safety:major_hazard_list", "safety.view_hazardunit"),
    ]),
]
